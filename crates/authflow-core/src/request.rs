//! Builds the requests the caller sends: the authorization URL, token grants, revocation, discovery.

use crate::base64::{encode_into, Alphabet};

use crate::config::{ClientAuth, ClientConfig};
use crate::form::{self, FormWriter};
use crate::http::{HttpRequest, Method};
use crate::pkce;
use crate::secret::{Nonce, PkceVerifier, StateToken};

/// The authorization URL for one pending flow.
pub(crate) fn authorization_url(
    config: &ClientConfig,
    state: &StateToken,
    verifier: Option<&PkceVerifier>,
    nonce: Option<&Nonce>,
) -> String {
    let endpoint = config.provider.authorization_endpoint.as_str();
    let mut url = String::with_capacity(endpoint.len() + 512);
    url.push_str(endpoint);
    url.push(if config.provider.authorization_endpoint.query().is_some() { '&' } else { '?' });
    let mut q = FormWriter::after(url);
    q.pair("response_type", "code")
        .pair("client_id", &config.client_id)
        .pair("redirect_uri", config.redirect_uri.as_str());
    if !config.scopes.is_empty() {
        q.words("scope", &config.scopes);
    }
    q.pair("state", state.expose());
    let method = config.provider.pkce;
    if let (Some(v), Some(m)) = (verifier, method.as_param()) {
        q.pair_with("code_challenge", |out| pkce::challenge_into(method, v, out));
        q.pair("code_challenge_method", m);
    }
    if let Some(n) = nonce {
        q.pair("nonce", n.expose());
    }
    for (name, value) in &config.extra_params {
        q.pair(name, value);
    }
    q.finish()
}

/// A form POST to `url` with the client's authentication added.
pub(crate) fn client_form(config: &ClientConfig, url: &str, fields: &[(&str, &str)]) -> HttpRequest {
    let mut body = FormWriter::after(String::with_capacity(512));
    for (name, value) in fields {
        body.pair(name, value);
    }
    // Room for the Authorization header too, so adding it never reallocates.
    let mut headers = Vec::with_capacity(3);
    headers.push(("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
    headers.push(("Accept".to_owned(), "application/json".to_owned()));
    // client_id goes in the body for every method: public clients need it, and
    // servers that take HTTP Basic accept a matching one (Speakap documents it).
    body.pair("client_id", &config.client_id);
    match (config.provider.client_auth, &config.client_secret) {
        (ClientAuth::ClientSecretPost, Some(secret)) => {
            body.pair("client_secret", secret.expose());
        }
        (ClientAuth::ClientSecretBasic, Some(secret)) => {
            headers.push(("Authorization".to_owned(), basic_auth(&config.client_id, secret.expose())));
        }
        _ => {}
    }
    HttpRequest { method: Method::Post, url: url.to_owned(), headers, body: body.finish().into_bytes() }
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 asks.
fn basic_auth(id: &str, secret: &str) -> String {
    let mut pair = String::with_capacity(id.len() + secret.len() + 8);
    form::encode_into(&mut pair, id);
    pair.push(':');
    form::encode_into(&mut pair, secret);
    let mut header = String::with_capacity(6 + pair.len() * 4 / 3 + 4);
    header.push_str("Basic ");
    encode_into(&mut header, pair.as_bytes(), Alphabet::Standard);
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        // "a b:c/d" must become "a+b:c%2Fd" before Base64.
        // base64("a+b:c%2Fd")
        assert_eq!(basic_auth("a b", "c/d"), "Basic YStiOmMlMkZk");
    }
}
