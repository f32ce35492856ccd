//! The batteries against the holes of issue 9 ("Hardening"): each test drives the blocking
//! client (or a store) against the devserver the way an attacker or an unlucky user would.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use authflow::{
    Client, ClientConfig, Error, FileStore, HttpClient, HttpRequest, Method, OAuthErrorCode, Provider, TokenKind,
    TokenStore, UreqTransport,
};
use authflow_devserver::{DevServer, Fault, Knobs, GENERIC_POST_CLIENT_SECRET, PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET};

mod common;
use common::{devserver, generic, sign_in};

/// Fails if `err`'s message or Debug form shows any of `secrets`, or their first 8 bytes.
fn assert_no_secret(err: &Error, secrets: &[&str]) {
    let shown = format!("{err}\n{err:?}");
    for secret in secrets {
        assert!(secret.len() >= 8, "test secrets are long enough to be recognized");
        assert!(!shown.contains(&secret[..8]), "{secret} leaked: {shown}");
    }
}

// Hole 6: redact before clipping, every form, and revocation errors too.
#[test]
fn secrets_echoed_by_the_token_and_revocation_endpoints_never_reach_an_error() {
    let server = devserver();
    let client = Client::new(generic(&server));
    let tokens = sign_in(&client);
    let refresh = tokens.refresh_token.as_ref().unwrap().expose().to_owned();
    let access = tokens.access_token.expose().to_owned();
    let secrets = [refresh.as_str(), access.as_str(), GENERIC_POST_CLIENT_SECRET];
    server.set_knobs(Knobs { fault: Some(Fault::Echo), ..Knobs::default() });

    // The token is quoted in the error code and after 500 bytes of description (straddling the
    // 512-byte clip), raw and percent-encoded, next to the client secret.
    for which in [TokenKind::RefreshToken, TokenKind::AccessToken] {
        let err = client.revoke(which).unwrap_err();
        assert_eq!(err.kind(), "oauth", "{err}");
        assert!(err.to_string().starts_with("revocation endpoint said"), "{which:?}: {err}");
        assert_no_secret(&err, &secrets);
    }
    assert_eq!(client.tokens().unwrap(), Some(tokens), "a refused revocation keeps the tokens");
    let err = client.refresh().unwrap_err();
    assert_eq!(err.kind(), "oauth", "{err}");
    assert!(err.to_string().starts_with("token endpoint said"), "{err}");
    assert_no_secret(&err, &secrets);
}

// Hole 12: a refresh refused with an empty 400 or 401 ends the grant, as invalid_grant does.
#[test]
fn a_refresh_refused_without_an_error_body_clears_the_store() {
    let server = devserver();
    let dir = std::env::temp_dir().join(format!("authflow-hardening-{}-empty", std::process::id()));
    let store = Arc::new(FileStore::new(dir.join("tokens.json")));
    let client = Client::new(generic(&server)).with_store(store.clone());
    sign_in(&client);
    server.set_knobs(Knobs { fault: Some(Fault::EmptyBadRequest), ..Knobs::default() });
    let err = client.refresh().unwrap_err();
    assert_eq!(err.oauth_code(), Some(&OAuthErrorCode::InvalidGrant), "{err}");
    assert!(err.to_string().contains("empty body"), "the message says the body was empty: {err}");
    assert_eq!(store.load().unwrap(), None, "the dead refresh token is not kept");
    server.set_knobs(Knobs::default());
    assert_eq!(client.get(&format!("{}/userinfo", server.base_url())).unwrap_err().kind(), "not_signed_in");
    assert_eq!(server.counters().refresh_grants, 1, "the dead token is never sent again");
    let _ = std::fs::remove_dir_all(dir);
}

/// The Phorge profile: client_secret_post, token as `?access_token=`, Conduit's errors.
fn phorge(server: &DevServer) -> ClientConfig {
    ClientConfig::new(Provider::phorge(&server.base_url()).unwrap(), PHORGE_CLIENT_ID, "http://127.0.0.1:8080/oauth")
        .unwrap()
        .with_secret(PHORGE_CLIENT_SECRET)
}

fn revoke_at_the_server(server: &DevServer, token: &str) {
    let request = HttpRequest {
        method: Method::Post,
        url: format!("{}/_dev/revoke", server.base_url()),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: format!(r#"{{"token":"{token}"}}"#).into_bytes(),
    };
    assert_eq!(UreqTransport::new().send(&request).unwrap().status, 204);
}

// Hole 11: Conduit's HTTP 200 errors are errors; a dead token (no refresh token) ends the grant.
#[test]
fn a_revoked_phorge_token_is_an_api_error_and_the_tokens_are_dropped() {
    let server = devserver();
    let client = Client::new(phorge(&server));
    let tokens = sign_in(&client);
    assert!(tokens.refresh_token.is_none(), "Phorge issues no refresh tokens");
    assert_eq!(client.get("user.whoami").unwrap().status, 200);

    let err = client.get("no.such.method").unwrap_err();
    assert!(
        matches!(&err, Error::ApiError { status: 200, error_code, .. } if error_code == "ERR-CONDUIT-CALL"),
        "{err:?}"
    );
    assert_eq!(client.tokens().unwrap(), Some(tokens.clone()), "another api error keeps the tokens");

    revoke_at_the_server(&server, tokens.access_token.expose());
    let err = client.get("user.whoami").unwrap_err();
    assert!(
        matches!(&err, Error::ApiError { status: 200, error_code, .. } if error_code == "ERR-INVALID-AUTH"),
        "{err:?}"
    );
    assert_eq!(err.kind(), "api_error");
    assert_eq!(err.code(), "ERR_API_ERROR");
    assert!(err.to_string().contains("Access token does not exist or has expired"), "{err}");
    assert_no_secret(&err, &[tokens.access_token.expose(), PHORGE_CLIENT_SECRET]);
    assert_eq!(client.tokens().unwrap(), None, "the dead token is dropped, as after invalid_grant");
    assert_eq!(client.get("user.whoami").unwrap_err().kind(), "not_signed_in");
    assert_eq!(server.counters().api_requests, 3, "no retry without a refresh token, nothing sent once signed out");
}
