//! application/x-www-form-urlencoded encoding and decoding, tuned for the hot path.
//!
//! Runs of safe bytes are copied whole; only the bytes that need it are escaped.
//! Decoding borrows unless a value holds `%` or `+`.

use std::borrow::Cow;

/// Bytes sent as they are: ALPHA / DIGIT / `*` `-` `.` `_` (the WHATWG form serializer's set).
const SAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    table
};

/// `%XX` for every byte, `+` for space.
const ESCAPES: [[u8; 3]; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 3]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [b'%', HEX[b >> 4], HEX[b & 15]];
        b += 1;
    }
    table
};

/// Appends `s` form-encoded.
pub(crate) fn encode_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        let run = bytes[i..].iter().position(|&b| !SAFE[usize::from(b)]).unwrap_or(bytes.len() - i);
        out.push_str(&s[i..i + run]);
        i += run;
        let Some(&b) = bytes.get(i) else { return };
        // A non-ASCII byte starts a whole character: escape all of its bytes.
        let len = if b < 0x80 { 1 } else { s[i..].chars().next().map_or(1, char::len_utf8) };
        for &byte in &bytes[i..i + len] {
            if byte == b' ' {
                out.push('+');
            } else {
                out.extend(ESCAPES[usize::from(byte)].iter().map(|&c| char::from(c)));
            }
        }
        i += len;
    }
}

/// Builds `a=1&b=2` into a string, possibly after an existing prefix.
pub(crate) struct FormWriter {
    out: String,
    first: bool,
}

impl FormWriter {
    /// Starts writing after `prefix` (for example an endpoint and its `?`).
    pub(crate) fn after(prefix: String) -> Self {
        FormWriter { out: prefix, first: true }
    }

    /// Appends one pair.
    pub(crate) fn pair(&mut self, name: &str, value: &str) -> &mut Self {
        if !self.first {
            self.out.push('&');
        }
        self.first = false;
        encode_into(&mut self.out, name);
        self.out.push('=');
        encode_into(&mut self.out, value);
        self
    }

    /// Appends one pair whose value `write` appends itself, already form-safe (base64url).
    pub(crate) fn pair_with(&mut self, name: &str, write: impl FnOnce(&mut String) -> bool) -> &mut Self {
        self.pair(name, "");
        write(&mut self.out);
        self
    }

    /// Appends one pair whose value is `words` joined by spaces.
    pub(crate) fn words(&mut self, name: &str, words: &[String]) -> &mut Self {
        self.pair(name, "");
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                self.out.push('+');
            }
            encode_into(&mut self.out, word);
        }
        self
    }

    /// The finished string.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Splits a query string into decoded pairs.
pub(crate) fn parse(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(name), decode(value))
    })
}

fn decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                let (hi, lo) = (hex(bytes[i + 1]).unwrap_or(0), hex(bytes[i + 2]).unwrap_or(0));
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_url_crate() {
        for s in ["plain", "a b", "x/y?z=1&w", "ümlaut", "*-._~!", "", "%41+"] {
            let mut ours = String::new();
            encode_into(&mut ours, s);
            let theirs: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
            assert_eq!(ours, theirs, "{s:?}");
            let query = format!("k={ours}");
            let decoded: Vec<_> = parse(&query).collect();
            assert_eq!(decoded[0].1, s);
        }
    }

    #[test]
    fn decodes_odd_input_without_panicking() {
        let pairs: Vec<_> = parse("a=%&b=%4&c=%zz&d&=e&f=%C3%BC&g=%FF").collect();
        assert_eq!(pairs[0].1, "%");
        assert_eq!(pairs[1].1, "%4");
        assert_eq!(pairs[2].1, "%zz");
        assert_eq!(pairs[3], (Cow::Borrowed("d"), Cow::Borrowed("")));
        assert_eq!(pairs[5].1, "ü");
        assert_eq!(pairs[6].1, "\u{fffd}");
    }
}
