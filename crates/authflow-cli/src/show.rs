//! What the command prints: redacted token summaries, short API answers, and a logging transport.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use authflow::{Error, HttpClient, HttpRequest, HttpResponse, TokenSet};

/// A short fingerprint of a secret, so rotation is visible without showing the value.
pub fn fingerprint(secret: &str) -> String {
    let mut h = DefaultHasher::new();
    secret.hash(&mut h);
    format!("#{:06x}", h.finish() & 0xff_ffff)
}

/// One line about a token set, with no secret in it.
pub fn tokens(tokens: &TokenSet, now: u64) -> String {
    let access = tokens.access_token.expose();
    let expiry = match tokens.expires_in(now) {
        Some(s) => format!("expires in {s} s"),
        None => "expiry unknown".to_owned(),
    };
    let refresh = match &tokens.refresh_token {
        Some(r) => format!("refresh token {}", fingerprint(r.expose())),
        None => "no refresh token".to_owned(),
    };
    let scope = tokens.scope.as_deref().map(|s| format!(", scope {s:?}")).unwrap_or_default();
    format!(
        "access token {} ({} chars), {}, {expiry}, {refresh}{scope}",
        fingerprint(access),
        access.len(),
        tokens.token_type
    )
}

/// The status and the start of a body, on one line.
pub fn response(response: &HttpResponse) -> String {
    let body = String::from_utf8_lossy(&response.body);
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = line.chars().take(160).collect();
    let more = if cut.len() < line.len() { "..." } else { "" };
    format!("{} {cut}{more}", response.status)
}

/// A transport that prints each request's method and URL (without its query) and each status.
pub struct Logged<T>(pub T);

impl<T: HttpClient> HttpClient for Logged<T> {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let url = request.url.split('?').next().unwrap_or_default();
        println!("      -> {} {url}", request.method.as_str());
        let result = self.0.send(request);
        match &result {
            Ok(r) => println!("      <- {} {}, {} bytes", r.status, r.media_type().unwrap_or_default(), r.body.len()),
            Err(e) => println!("      <- {e}"),
        }
        result
    }
}
