//! The generic RFC 6749 / 7636 / 8414 profile over real sockets.

mod common;

use authflow_devserver::{
    DevServer, GENERIC_BASIC_CLIENT_ID, GENERIC_BASIC_CLIENT_SECRET, GENERIC_POST_CLIENT_ID,
    GENERIC_POST_CLIENT_SECRET, GENERIC_PUBLIC_CLIENT_ID,
};
use common::*;
use std::collections::HashMap;

fn authorize_with_pkce(server: &DevServer, client_id: &str) -> HashMap<String, String> {
    let challenge = challenge(VERIFIER);
    authorize_ok(
        server,
        "/authorize",
        &[
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "g1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
}

fn code_form<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    pairs.extend_from_slice(extra);
    pairs
}

#[test]
fn public_client_with_pkce() {
    let server = start();
    let params = authorize_with_pkce(&server, GENERIC_PUBLIC_CLIENT_ID);
    assert_eq!(params["iss"], server.base_url());
    assert_eq!(params["state"], "g1");
    let form = code_form(&params["code"], &[("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    let response = post_form(&server, "/token", &[], &form);
    assert_eq!(response.status, 200, "{}", response.text());
    let tokens = response.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "openid profile");
    assert!(tokens["id_token"].is_string());
    let access = tokens["access_token"].as_str().expect("access");
    let userinfo = get(&server, "/userinfo", &[("Authorization", &format!("Bearer {access}"))]);
    assert_eq!(userinfo.status, 200);
    assert_eq!(userinfo.json()["sub"], "demo");
}

#[test]
fn public_client_requires_pkce() {
    let server = start();
    let response = authorize(
        &server,
        "/authorize",
        &[
            ("client_id", GENERIC_PUBLIC_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "s"),
        ],
    );
    assert_eq!(response.status, 302);
    let params = response.location_params();
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "s");
    assert_eq!(params["iss"], server.base_url());
}

#[test]
fn plain_pkce_is_refused() {
    let server = start();
    let params = authorize_ok(
        &server,
        "/authorize",
        &[
            ("client_id", GENERIC_BASIC_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    );
    assert_eq!(params["error"], "invalid_request");
    assert!(!params.contains_key("code"));
}

#[test]
fn each_client_only_with_its_own_method() {
    let server = start();
    let basic_header = basic(GENERIC_BASIC_CLIENT_ID, GENERIC_BASIC_CLIENT_SECRET);
    let code = authorize_with_pkce(&server, GENERIC_BASIC_CLIENT_ID)["code"].clone();
    let as_post =
        code_form(&code, &[("client_id", GENERIC_BASIC_CLIENT_ID), ("client_secret", GENERIC_BASIC_CLIENT_SECRET)]);
    let refused = post_form(&server, "/token", &[], &as_post);
    assert_oauth_error(&refused, 401, "invalid_client");
    assert!(refused.header("www-authenticate").is_some_and(|v| v.starts_with("Basic")));
    let accepted = post_form(&server, "/token", &[("Authorization", &basic_header)], &code_form(&code, &[]));
    assert_eq!(accepted.status, 200, "{}", accepted.text());

    let code = authorize_with_pkce(&server, GENERIC_POST_CLIENT_ID)["code"].clone();
    let post_basic = basic(GENERIC_POST_CLIENT_ID, GENERIC_POST_CLIENT_SECRET);
    let refused = post_form(&server, "/token", &[("Authorization", &post_basic)], &code_form(&code, &[]));
    assert_oauth_error(&refused, 401, "invalid_client");
    let as_post =
        code_form(&code, &[("client_id", GENERIC_POST_CLIENT_ID), ("client_secret", GENERIC_POST_CLIENT_SECRET)]);
    assert_eq!(post_form(&server, "/token", &[], &as_post).status, 200);

    let code = authorize_with_pkce(&server, GENERIC_PUBLIC_CLIENT_ID)["code"].clone();
    let with_secret = code_form(&code, &[("client_id", GENERIC_PUBLIC_CLIENT_ID), ("client_secret", "x")]);
    assert_oauth_error(&post_form(&server, "/token", &[], &with_secret), 401, "invalid_client");
}

#[test]
fn refresh_rotation_and_revocation() {
    let server = start();
    let code = authorize_with_pkce(&server, GENERIC_PUBLIC_CLIENT_ID)["code"].clone();
    let form = code_form(&code, &[("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    let tokens = post_form(&server, "/token", &[], &form).json();
    let old = tokens["refresh_token"].as_str().expect("refresh");
    let refresh = |token: &str| {
        post_form(
            &server,
            "/token",
            &[],
            &[("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", GENERIC_PUBLIC_CLIENT_ID)],
        )
    };
    let new = refresh(old);
    assert_eq!(new.status, 200, "{}", new.text());
    assert_oauth_error(&refresh(old), 400, "invalid_grant");
    let new_refresh = new.json()["refresh_token"].as_str().expect("refresh").to_string();
    let revoke =
        |token: &str| post_form(&server, "/revoke", &[], &[("token", token), ("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    assert_eq!(revoke(&new_refresh).status, 200);
    assert_eq!(revoke("never-issued").status, 200);
    assert_oauth_error(&refresh(&new_refresh), 400, "invalid_grant");
    assert_eq!(server.counters().revocations, 2);
}

#[test]
fn redirect_uri_and_client_are_bound_to_the_code() {
    let server = start();
    let code = authorize_with_pkce(&server, GENERIC_PUBLIC_CLIENT_ID)["code"].clone();
    let mut form = code_form(&code, &[("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    form[2] = ("redirect_uri", "http://127.0.0.1:8080/elsewhere");
    assert_oauth_error(&post_form(&server, "/token", &[], &form), 400, "invalid_grant");
    let code = authorize_with_pkce(&server, GENERIC_PUBLIC_CLIENT_ID)["code"].clone();
    let other =
        code_form(&code, &[("client_id", GENERIC_POST_CLIENT_ID), ("client_secret", GENERIC_POST_CLIENT_SECRET)]);
    assert_oauth_error(&post_form(&server, "/token", &[], &other), 400, "invalid_grant");
}

#[test]
fn bad_authorization_requests_get_an_html_page() {
    let server = start();
    let cases: [&[(&str, &str)]; 4] = [
        &[("client_id", "unknown"), ("redirect_uri", REDIRECT), ("response_type", "code")],
        &[
            ("client_id", GENERIC_POST_CLIENT_ID),
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "code"),
        ],
        &[("client_id", GENERIC_POST_CLIENT_ID), ("response_type", "code")],
        &[("client_id", GENERIC_POST_CLIENT_ID), ("client_id", GENERIC_POST_CLIENT_ID), ("redirect_uri", REDIRECT)],
    ];
    for pairs in cases {
        let response = authorize(&server, "/authorize", pairs);
        assert_eq!(response.status, 400, "{pairs:?}");
        assert!(response.header("location").is_none());
        assert!(response.header("content-type").is_some_and(|v| v.starts_with("text/html")));
    }
}

#[test]
fn loopback_redirects_of_every_kind_are_accepted() {
    let server = start();
    for redirect in ["http://localhost:1234/x", "http://[::1]:9/cb?keep=1"] {
        let response = authorize(
            &server,
            "/authorize",
            &[("client_id", GENERIC_POST_CLIENT_ID), ("redirect_uri", redirect), ("response_type", "code")],
        );
        assert_eq!(response.status, 302, "{redirect}");
        assert!(response.location_params().contains_key("code"));
    }
}

#[test]
fn metadata_documents() {
    let server = start();
    for path in ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"] {
        let document = get(&server, path, &[]).json();
        assert_eq!(document["issuer"], server.base_url());
        assert_eq!(document["token_endpoint"], format!("{}/token", server.base_url()));
        assert_eq!(document["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(document["authorization_response_iss_parameter_supported"], true);
        assert!(document["token_endpoint_auth_methods_supported"].is_array());
    }
}

#[test]
fn token_endpoint_wants_a_form() {
    let server = start();
    let response = Conn::open(&server)
        .send("POST", "/token", &[("Content-Type", "application/json")], b"{\"grant_type\":\"refresh_token\"}")
        .expect("answered");
    assert_oauth_error(&response, 400, "invalid_request");
    let missing = post_form(&server, "/token", &[], &[("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    assert_oauth_error(&missing, 400, "invalid_request");
    let unknown =
        post_form(&server, "/token", &[], &[("grant_type", "password"), ("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    assert_oauth_error(&unknown, 400, "unsupported_grant_type");
    assert_eq!(get(&server, "/token", &[]).status, 405);
    assert_eq!(server.counters().token_requests, 3);
}
