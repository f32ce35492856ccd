//! Token responses: tolerant parsing into a [`TokenSet`], RFC 6749 §5.2 errors, and the warnings for each tolerated deviation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{OAuthEndpoint, OAuthErrorCode};
use crate::http::HttpResponse;
use crate::redact::Redactor;
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::Error;

/// Largest token response body accepted.
pub const MAX_BODY: usize = 1 << 20;
/// Largest single token accepted (JWT access tokens can be a few KiB; 64 KiB is far beyond any real one).
pub const MAX_TOKEN_LEN: usize = 64 << 10;
/// Longest `expires_in` taken at face value (ten years); longer ones are ignored with a warning.
pub const MAX_EXPIRES_IN: u64 = 10 * 365 * 24 * 3600;
/// Smallest refresh margin, in seconds (see [`TokenSet::refresh_due`]).
pub const REFRESH_MARGIN_MIN: u64 = 5;
/// Largest refresh margin, in seconds.
pub const REFRESH_MARGIN_MAX: u64 = 60;

/// The tokens an authorization server granted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type, normalized to `Bearer`.
    pub token_type: String,
    /// The refresh token, if one was granted (or kept from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// Unix time at which the access token expires; `None` when the server did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Unix time the token response was received.
    #[serde(default)]
    pub issued_at: u64,
    /// The granted scope, space-separated, if sent (or kept from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The OpenID Connect ID token, if sent. authflow does not validate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// Every other field of the response, kept as sent.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Extra fields may hold secrets too, so only their names are shown.
        let extra: Vec<&String> = self.extra.keys().collect();
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token)
            .field("extra", &extra)
            .finish()
    }
}

impl TokenSet {
    /// True when the access token expires at or before `now + skew`. Unknown expiry never expires.
    pub fn expires_within(&self, now: u64, skew: u64) -> bool {
        self.expires_at.is_some_and(|at| at <= now.saturating_add(skew))
    }

    /// True when the access token should be refreshed before use at `now`.
    ///
    /// The margin is a tenth of the token's lifetime, at least 5 s and at most 60 s:
    /// sipgate's 300 s tokens are refreshed 30 s early (a fixed 60 s margin would
    /// waste a fifth of each), hour-long tokens 60 s early. Unknown expiry: never.
    pub fn refresh_due(&self, now: u64) -> bool {
        let Some(at) = self.expires_at else { return false };
        let lifetime = at.saturating_sub(self.issued_at);
        let margin = (lifetime / 10).clamp(REFRESH_MARGIN_MIN, REFRESH_MARGIN_MAX);
        self.expires_within(now, margin)
    }

    /// Seconds left until expiry at `now` (zero once expired), if known.
    pub fn expires_in(&self, now: u64) -> Option<u64> {
        self.expires_at.map(|at| at.saturating_sub(now))
    }
}

/// A deviation from RFC 6749 that authflow tolerated. Read them with `Flow::warnings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// `expires_in` came as a string of digits.
    ExpiresInString,
    /// `expires_in` was absent: the expiry is unknown.
    ExpiresInMissing,
    /// `expires_in` was negative, fractional, too large or not a number; it was ignored.
    ExpiresInInvalid,
    /// `token_type` was not spelled `Bearer` (for example `bearer`).
    TokenTypeCase {
        /// As sent.
        got: String,
    },
    /// `token_type` was absent; Bearer was assumed.
    TokenTypeMissing,
    /// A refresh response carried no `refresh_token`; the previous one was kept.
    RefreshTokenKept,
    /// The body was JSON but the `Content-Type` said otherwise.
    ContentTypeNotJson {
        /// As sent, or empty if absent.
        got: String,
    },
    /// The response carried fields RFC 6749 does not define; they are kept in `TokenSet::extra`.
    ExtraFields {
        /// Their names.
        names: Vec<String>,
    },
}

/// Parses a token endpoint response (RFC 6749 §5.1 / §5.2) received at `now`.
///
/// `previous` is the token set being refreshed: its refresh token and scope are
/// kept when the response omits them (RFC 6749 §6).
///
/// Error text the server sent is clipped; a flow also takes its own secrets out of it first.
pub fn parse_token_response(
    response: &HttpResponse,
    now: u64,
    previous: Option<&TokenSet>,
) -> Result<(TokenSet, Vec<Warning>), Error> {
    read_token_response(response, now, previous, &Redactor::NONE)
}

/// [`parse_token_response`] with the secrets that must not appear in any error text.
pub(crate) fn read_token_response(
    response: &HttpResponse,
    now: u64,
    previous: Option<&TokenSet>,
    r: &Redactor<'_>,
) -> Result<(TokenSet, Vec<Warning>), Error> {
    let mut warnings = Vec::new();
    let parsed = (|| {
        let raw = json_object(response, &mut warnings, r)?;
        if let Some(err) = oauth_error(&raw, response.status, OAuthEndpoint::Token, r) {
            return Err(err);
        }
        if !(200..300).contains(&response.status) {
            let fields = raw.field_names(r);
            return Err(unexpected(response, format!("json without an error code (fields: {fields})"), r));
        }
        token_set(raw, response, now, previous, &mut warnings, r)
    })();
    parsed.map(|t| (t, warnings)).map_err(|e| r.error(e))
}

/// A refresh answered 400 or 401 without an RFC 6749 error body (empty, not JSON, or JSON
/// without `error`) is final for that refresh token: some servers answer a dead one that way.
/// It becomes `invalid_grant`, as if the server had said so, so that callers (and
/// `authflow::Client`, which then clears its store) send the user to
/// sign in again instead of resending the dead token on every call. The description says
/// what the answer was. Other errors pass unchanged.
pub(crate) fn refused_refresh(e: Error) -> Error {
    match e {
        Error::UnexpectedResponse { status: status @ (400 | 401), summary, .. } => Error::OAuth {
            error: OAuthErrorCode::InvalidGrant,
            description: Some(format!(
                "the refresh was refused without an RFC 6749 error ({summary}): the refresh token counts as dead, sign in again"
            )),
            uri: None,
            status,
            endpoint: OAuthEndpoint::Token,
        },
        other => other,
    }
}

/// Checks an RFC 7009 revocation response: 200 is success, anything else an error.
pub fn parse_revocation_response(response: &HttpResponse) -> Result<(), Error> {
    read_revocation_response(response, &Redactor::NONE)
}

/// [`parse_revocation_response`] with the secrets that must not appear in any error text.
pub(crate) fn read_revocation_response(response: &HttpResponse, r: &Redactor<'_>) -> Result<(), Error> {
    if response.status == 200 {
        return Ok(());
    }
    let mut ignored = Vec::new();
    let refused = match json_object(response, &mut ignored, r) {
        Ok(obj) => oauth_error(&obj, response.status, OAuthEndpoint::Revocation, r)
            .unwrap_or_else(|| unexpected(response, "revocation refused without an error code".into(), r)),
        Err(e) => e,
    };
    Err(r.error(refused))
}

fn json_object(response: &HttpResponse, warnings: &mut Vec<Warning>, r: &Redactor<'_>) -> Result<Raw, Error> {
    let body = &response.body;
    if body.len() > MAX_BODY {
        let summary = format!("body of {} bytes exceeds the {MAX_BODY} byte limit", body.len());
        return Err(unexpected(response, summary, r));
    }
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(unexpected(response, "empty body".into(), r));
    }
    if trimmed[0] != b'{' {
        let shown = if may_hold_tokens(response, trimmed) {
            format!("{} bytes withheld, they may hold tokens", body.len())
        } else {
            prefix(trimmed, r)
        };
        return Err(unexpected(response, format!("not json: {shown}"), r));
    }
    // Validating UTF-8 once up front is cheaper than serde_json checking every string.
    let text = std::str::from_utf8(trimmed).map_err(|_| unexpected(response, "body is not utf-8".into(), r))?;
    let raw: Raw = serde_json::from_str(text)
        .map_err(|e| unexpected(response, format!("malformed json at line {} column {}", e.line(), e.column()), r))?;
    if !is_json(response.header("content-type")) {
        warnings.push(Warning::ContentTypeNotJson { got: response.media_type().unwrap_or_default() });
    }
    Ok(raw)
}

/// `application/json` or any `+json` type, compared without allocating.
fn is_json(content_type: Option<&str>) -> bool {
    let media = content_type.and_then(|v| v.split(';').next()).unwrap_or_default().trim().as_bytes();
    media.eq_ignore_ascii_case(b"application/json")
        || media.len() > 5 && media[media.len() - 5..].eq_ignore_ascii_case(b"+json")
}

/// A token or error response as read: the RFC 6749 fields by name, everything else kept aside.
#[derive(Default)]
struct Raw {
    access_token: Option<Value>,
    token_type: Option<Value>,
    expires_in: Option<Value>,
    refresh_token: Option<Value>,
    scope: Option<Value>,
    id_token: Option<Value>,
    error: Option<Value>,
    error_description: Option<Value>,
    error_uri: Option<Value>,
    extra: Map<String, Value>,
}

impl Raw {
    fn slot(&mut self, key: &str) -> Option<&mut Option<Value>> {
        Some(match key {
            "access_token" => &mut self.access_token,
            "token_type" => &mut self.token_type,
            "expires_in" => &mut self.expires_in,
            "refresh_token" => &mut self.refresh_token,
            "scope" => &mut self.scope,
            "id_token" => &mut self.id_token,
            "error" => &mut self.error,
            "error_description" => &mut self.error_description,
            "error_uri" => &mut self.error_uri,
            _ => return None,
        })
    }

    fn field_names(&self, r: &Redactor<'_>) -> String {
        let known = [
            ("token_type", &self.token_type),
            ("expires_in", &self.expires_in),
            ("refresh_token", &self.refresh_token),
            ("scope", &self.scope),
            ("id_token", &self.id_token),
            ("error_description", &self.error_description),
            ("error_uri", &self.error_uri),
        ];
        let names: Vec<String> = known
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| (*k).to_owned())
            .chain(self.extra.keys().map(|k| r.text(k)))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> serde::de::Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a json object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut raw = Raw::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let value: Value = map.next_value()?;
                    match raw.slot(key.as_str()) {
                        Some(slot) => *slot = Some(value),
                        None => {
                            raw.extra.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(raw)
            }
        }
        d.deserialize_map(RawVisitor)
    }
}

/// An object key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The RFC 6749 §5.2 error, if the body has one; every text the server sent is scrubbed, then clipped.
fn oauth_error(raw: &Raw, status: u16, endpoint: OAuthEndpoint, r: &Redactor<'_>) -> Option<Error> {
    let code = raw.error.as_ref()?.as_str()?;
    Some(Error::OAuth {
        error: r.code(code),
        description: text(&raw.error_description, r),
        uri: text(&raw.error_uri, r),
        status,
        endpoint,
    })
}

fn token_set(
    mut raw: Raw,
    response: &HttpResponse,
    now: u64,
    previous: Option<&TokenSet>,
    warnings: &mut Vec<Warning>,
    r: &Redactor<'_>,
) -> Result<TokenSet, Error> {
    let access_token = match raw.access_token.take() {
        Some(Value::String(s)) if !s.is_empty() => AccessToken::new(bounded(response, "access_token", s, r)?),
        Some(_) => return Err(unexpected(response, "access_token is not a non-empty string".into(), r)),
        None => {
            let fields = raw.field_names(r);
            return Err(unexpected(response, format!("json without access_token or error (fields: {fields})"), r));
        }
    };
    let token_type = match raw.token_type.take() {
        Some(Value::String(t)) if t == "Bearer" => t,
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {
            warnings.push(Warning::TokenTypeCase { got: t });
            "Bearer".to_owned()
        }
        None | Some(Value::Null) => {
            warnings.push(Warning::TokenTypeMissing);
            "Bearer".to_owned()
        }
        Some(other) => {
            let shown = r.text(&other.as_str().map_or_else(|| other.to_string(), str::to_owned));
            let summary = format!("unsupported token_type {shown:?}; only Bearer is supported");
            return Err(unexpected(response, summary, r));
        }
    };
    let expires_at = expires_in(raw.expires_in.take(), warnings).map(|s| now.saturating_add(s));
    let refresh_token = match raw.refresh_token.take() {
        Some(Value::String(s)) if !s.is_empty() => Some(RefreshToken::new(bounded(response, "refresh_token", s, r)?)),
        Some(Value::Null) | None => None,
        Some(_) => return Err(unexpected(response, "refresh_token is not a string".into(), r)),
    };
    let refresh_token = match (refresh_token, previous) {
        (None, Some(prev)) if prev.refresh_token.is_some() => {
            warnings.push(Warning::RefreshTokenKept);
            prev.refresh_token.clone()
        }
        (fresh, _) => fresh,
    };
    let scope = match raw.scope.take() {
        Some(Value::String(s)) => Some(s),
        _ => previous.and_then(|p| p.scope.clone()),
    };
    let id_token = match raw.id_token.take() {
        Some(Value::String(s)) => Some(IdToken::new(bounded(response, "id_token", s, r)?)),
        _ => previous.and_then(|p| p.id_token.clone()),
    };
    if !raw.extra.is_empty() {
        warnings.push(Warning::ExtraFields { names: raw.extra.keys().cloned().collect() });
    }
    Ok(TokenSet {
        access_token,
        token_type,
        refresh_token,
        expires_at,
        issued_at: now,
        scope,
        id_token,
        extra: raw.extra,
    })
}

fn expires_in(value: Option<Value>, warnings: &mut Vec<Warning>) -> Option<u64> {
    let secs = match value {
        None | Some(Value::Null) => {
            warnings.push(Warning::ExpiresInMissing);
            return None;
        }
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => {
            let parsed = s.trim().parse::<u64>().ok();
            if parsed.is_some() {
                warnings.push(Warning::ExpiresInString);
            }
            parsed
        }
        Some(_) => None,
    };
    match secs {
        Some(s) if s <= MAX_EXPIRES_IN => Some(s),
        _ => {
            warnings.push(Warning::ExpiresInInvalid);
            None
        }
    }
}

fn bounded(response: &HttpResponse, field: &str, value: String, r: &Redactor<'_>) -> Result<String, Error> {
    if value.len() > MAX_TOKEN_LEN {
        let summary = format!("{field} of {} bytes exceeds the {MAX_TOKEN_LEN} byte limit", value.len());
        return Err(unexpected(response, summary, r));
    }
    Ok(value)
}

fn text(value: &Option<Value>, r: &Redactor<'_>) -> Option<String> {
    value.as_ref().and_then(Value::as_str).map(|s| r.text(s))
}

/// JSON that is not an object, and form-encoded bodies (GitHub answers `access_token=...&token_type=bearer`
/// unless asked for JSON), may carry tokens: no prefix of them goes into a message.
fn may_hold_tokens(response: &HttpResponse, body: &[u8]) -> bool {
    let form = response.media_type().as_deref() == Some("application/x-www-form-urlencoded");
    let one_word_with_equals = !body.iter().any(u8::is_ascii_whitespace) && body.contains(&b'=');
    form || matches!(body[0], b'[' | b'"') || one_word_with_equals
}

/// A short, single-line prefix of a non-JSON body. The whole body is scrubbed before it is
/// cut, so that no part of a secret straddling the cut is left.
fn prefix(body: &[u8], r: &Redactor<'_>) -> String {
    let text = String::from_utf8_lossy(body);
    let text = r.scrub(&text);
    let mut end = text.len().min(400);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let words: Vec<&str> = text[..end].split_whitespace().collect();
    let mut line = words.join(" ");
    if line.len() > 80 {
        let mut end = 80;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push_str("...");
    }
    format!("{line:?}")
}

/// An unexpected response; `summary` must already be free of secrets, the content type is scrubbed here.
pub(crate) fn unexpected(response: &HttpResponse, summary: String, r: &Redactor<'_>) -> Error {
    Error::UnexpectedResponse {
        status: response.status,
        content_type: response.header("content-type").map(|c| r.text(c)),
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, "application/json", body)
    }

    #[test]
    fn sipgate_style_response() {
        let (t, w) = parse_token_response(
            &json(200, r#"{"access_token":"a","refresh_token":"r","token_type":"bearer","expires_in":300,"session_state":"x","not-before-policy":0}"#),
            1000,
            None,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(1300));
        assert_eq!(t.token_type, "Bearer");
        assert!(t.extra.contains_key("session_state"));
        assert!(w.contains(&Warning::TokenTypeCase { got: "bearer".into() }));
    }

    #[test]
    fn html_error_page_is_typed() {
        let r = HttpResponse::new(500, "text/html", "<html><body>\n  Internal   Error</body></html>");
        let e = parse_token_response(&r, 0, None).unwrap_err();
        assert_eq!(e.kind(), "unexpected_response");
        assert!(e.to_string().contains("<html><body> Internal Error"), "{e}");
    }

    #[test]
    fn refresh_keeps_old_refresh_token_and_scope() {
        let (old, _) =
            parse_token_response(&json(200, r#"{"access_token":"a","refresh_token":"r","scope":"s"}"#), 0, None)
                .unwrap();
        let (new, w) = parse_token_response(
            &json(200, r#"{"access_token":"b","token_type":"Bearer","expires_in":"60"}"#),
            10,
            Some(&old),
        )
        .unwrap();
        assert_eq!(new.refresh_token.unwrap().expose(), "r");
        assert_eq!(new.scope.as_deref(), Some("s"));
        assert_eq!(new.expires_at, Some(70));
        assert!(w.contains(&Warning::RefreshTokenKept) && w.contains(&Warning::ExpiresInString));
    }

    #[test]
    fn refresh_margin_is_a_tenth_of_the_lifetime_clamped() {
        let (t, _) = parse_token_response(&json(200, r#"{"access_token":"a","expires_in":300}"#), 1000, None).unwrap();
        assert!(!t.refresh_due(1269));
        assert!(t.refresh_due(1270));
        let (t, _) = parse_token_response(&json(200, r#"{"access_token":"a","expires_in":3600}"#), 0, None).unwrap();
        assert!(!t.refresh_due(3539) && t.refresh_due(3540));
        let (t, _) = parse_token_response(&json(200, r#"{"access_token":"a","expires_in":20}"#), 0, None).unwrap();
        assert!(!t.refresh_due(14) && t.refresh_due(15));
        let (t, _) = parse_token_response(&json(200, r#"{"access_token":"a"}"#), 0, None).unwrap();
        assert!(!t.refresh_due(u64::MAX));
    }
}
