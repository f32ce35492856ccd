//! Secrets out of server-provided text: each secret in every form a server may echo it in,
//! replaced before the text is clipped for a message.
//!
//! Some servers quote the code or token they refuse (`Invalid authorization code: ...`),
//! raw, percent-encoded (`ab%2Fcd`), form-encoded (`+` for a space) or JSON-escaped
//! (`ab\/cd`). Every such text goes through [`Redactor::text`]: the whole text is
//! scrubbed first and clipped after, so neither a secret longer than the clip nor one
//! that straddles the cut leaves a part of itself behind.

use std::borrow::Cow;

use crate::error::OAuthErrorCode;
use crate::Error;

/// The longest server-provided text kept in an error, in bytes.
pub(crate) const MAX_TEXT: usize = 512;

/// What a secret is replaced with.
const MASK: &str = "***";

/// Secrets shorter than this are left alone, so that they cannot garble a message.
const MIN_SECRET: usize = 4;

/// The secrets one response may echo. Built for free (a borrowed list); the forms of each
/// secret are worked out only when there is text to scrub, that is on an error path.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Redactor<'a>(pub(crate) &'a [Option<&'a str>]);

impl Redactor<'_> {
    /// No secrets: text is only clipped.
    pub(crate) const NONE: Redactor<'static> = Redactor(&[]);

    /// `text` with every form of every secret replaced by `***`.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        let mut needles: Vec<String> = Vec::new();
        for secret in self.0.iter().flatten().filter(|s| s.len() >= MIN_SECRET) {
            for form in forms(secret) {
                if !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        // Longest first: a form that contains a shorter one is taken out whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for needle in &needles {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), MASK));
            }
        }
        out
    }

    /// `text` scrubbed, then clipped to [`MAX_TEXT`] bytes.
    pub(crate) fn text(&self, text: &str) -> String {
        clip(&self.scrub(text))
    }

    /// An error code as sent: a standard one as it is, any other scrubbed and clipped.
    pub(crate) fn code(&self, code: &str) -> OAuthErrorCode {
        match OAuthErrorCode::parse(code) {
            OAuthErrorCode::Other(_) => OAuthErrorCode::Other(self.text(code)),
            known => known,
        }
    }

    /// Scrubs every server-provided text field of a finished error once more (texts a
    /// helper built without the secrets at hand).
    pub(crate) fn error(&self, mut e: Error) -> Error {
        if self.0.iter().flatten().all(|s| s.len() < MIN_SECRET) {
            return e;
        }
        let scrub = |text: &mut String| {
            if let Cow::Owned(clean) = self.scrub(text) {
                *text = clean;
            }
        };
        match &mut e {
            Error::OAuth { error, description, uri, .. } | Error::AuthorizationDenied { error, description, uri } => {
                if let OAuthErrorCode::Other(code) = error {
                    scrub(code);
                }
                description.iter_mut().chain(uri.iter_mut()).for_each(scrub);
            }
            Error::UnexpectedResponse { content_type, summary, .. } => {
                content_type.iter_mut().for_each(scrub);
                scrub(summary);
            }
            Error::ApiError { error_code, error_info, .. } => {
                scrub(error_code);
                error_info.iter_mut().for_each(scrub);
            }
            Error::WrongRedirect { got, .. } => scrub(got),
            Error::IssuerMismatch { got, .. } => got.iter_mut().for_each(scrub),
            _ => {}
        }
        e
    }
}

/// Cuts text to [`MAX_TEXT`] bytes (on a character boundary) for a message.
pub(crate) fn clip(s: &str) -> String {
    if s.len() <= MAX_TEXT {
        return s.to_owned();
    }
    let mut end = MAX_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The forms a server may echo `secret` in: raw; form-encoded (`+` for a space) and
/// percent-encoded (`%20`), each with upper- and lower-case hex digits; JSON-escaped as
/// serde_json writes it and as PHP's `json_encode` does (`\/`, `\u00fc`).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let form_safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    for (safe, plus) in [(&form_safe as &dyn Fn(u8) -> bool, true), (&unreserved, false)] {
        for upper in [true, false] {
            out.push(percent(secret, safe, plus, upper));
        }
    }
    let json = serde_json::to_string(secret).unwrap_or_default();
    out.push(json.get(1..json.len().saturating_sub(1)).unwrap_or_default().to_owned());
    out.push(json_php(secret));
    out.dedup();
    out
}

fn percent(secret: &str, safe: &dyn Fn(u8) -> bool, plus: bool, upper: bool) -> String {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let hex = if upper { UPPER } else { LOWER };
    let mut out = String::with_capacity(secret.len() * 3);
    for b in secret.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            b if safe(b) => out.push(char::from(b)),
            b => {
                out.push('%');
                out.push(char::from(hex[usize::from(b >> 4)]));
                out.push(char::from(hex[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// JSON string escaping as PHP writes it by default: `/` as `\/`, everything outside ASCII as `\uXXXX`.
fn json_php(secret: &str) -> String {
    let mut out = String::with_capacity(secret.len() + 8);
    for c in secret.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_secret_is_scrubbed() {
        let secret = "ab/cd+ef=gh ij\"k\u{fc}";
        let r = Redactor(&[Some(secret)]);
        for echoed in [
            "ab/cd+ef=gh ij\"k\u{fc}",
            "ab%2Fcd%2Bef%3Dgh+ij%22k%C3%BC",
            "ab%2fcd%2bef%3dgh+ij%22k%c3%bc",
            "ab%2Fcd%2Bef%3Dgh%20ij%22k%C3%BC",
            "ab%2fcd%2bef%3dgh%20ij%22k%c3%bc",
            "ab/cd+ef=gh ij\\\"k\u{fc}",
            "ab\\/cd+ef=gh ij\\\"k\\u00fc",
        ] {
            let text = format!("refused code: {echoed}, try again");
            assert_eq!(r.scrub(&text), "refused code: ***, try again", "{echoed}");
        }
    }

    #[test]
    fn scrubbing_comes_before_clipping() {
        let long = "T".repeat(700);
        let r = Redactor(&[Some(&long)]);
        let text = format!("bad token {long}");
        assert_eq!(r.text(&text), "bad token ***");
        // A secret straddling the cut at 512 bytes.
        let token = "RT-0123456789-straddling";
        let r = Redactor(&[Some(token)]);
        let text = format!("{}{token}", "x".repeat(500));
        let shown = r.text(&text);
        assert!(!shown.contains("RT-01"), "{shown}");
        assert!(shown.ends_with("***"), "{shown}");
    }

    #[test]
    fn short_secrets_and_standard_codes_are_left_alone() {
        let r = Redactor(&[Some("abc"), Some("invalid_grant")]);
        assert_eq!(r.scrub("abc abc"), "abc abc");
        assert_eq!(r.code("invalid_grant"), OAuthErrorCode::InvalidGrant);
        assert_eq!(r.code("invalid_grant CODE"), OAuthErrorCode::Other("*** CODE".into()));
    }
}
