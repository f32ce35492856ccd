//! The sipgate (Keycloak) profile over real sockets.

mod common;

use authflow_devserver::{DevServer, SIPGATE_CLIENT_ID, SIPGATE_CLIENT_SECRET};
use common::*;
use serde_json::Value;

const AUTH: &str = "/auth/realms/third-party/protocol/openid-connect/auth";
const TOKEN: &str = "/auth/realms/third-party/protocol/openid-connect/token";
const REVOKE: &str = "/auth/realms/third-party/protocol/openid-connect/revoke";

fn login(server: &DevServer) -> Value {
    let challenge = challenge(VERIFIER);
    let params = authorize_ok(
        server,
        AUTH,
        &[
            ("client_id", SIPGATE_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", "account:read"),
            ("response_type", "code"),
            ("state", "xyz"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    assert_eq!(params["state"], "xyz");
    assert_eq!(params["iss"], format!("{}/auth/realms/third-party", server.base_url()));
    assert!(!params["session_state"].is_empty());
    let response = exchange(server, &params["code"], Some(VERIFIER));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("cache-control"), Some("no-store"));
    response.json()
}

fn exchange(server: &DevServer, code: &str, verifier: Option<&str>) -> Resp {
    let mut pairs = vec![
        ("client_id", SIPGATE_CLIENT_ID),
        ("client_secret", SIPGATE_CLIENT_SECRET),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("grant_type", "authorization_code"),
    ];
    if let Some(verifier) = verifier {
        pairs.push(("code_verifier", verifier));
    }
    post_form(server, TOKEN, &[], &pairs)
}

fn refresh(server: &DevServer, refresh_token: &str) -> Resp {
    post_form(
        server,
        TOKEN,
        &[],
        &[
            ("client_id", SIPGATE_CLIENT_ID),
            ("client_secret", SIPGATE_CLIENT_SECRET),
            ("refresh_token", refresh_token),
            ("grant_type", "refresh_token"),
        ],
    )
}

fn api(server: &DevServer, path: &str, token: &str) -> Resp {
    get(server, path, &[("Authorization", &format!("Bearer {token}"))])
}

#[test]
fn code_flow_with_keycloak_extras() {
    let server = start();
    let tokens = login(&server);
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert_eq!(tokens["refresh_expires_in"], 2_592_000);
    assert_eq!(tokens["not-before-policy"], 0);
    assert_eq!(tokens["scope"], "account:read");
    assert!(tokens["session_state"].is_string());
    assert_eq!(tokens["id_token"].as_str().expect("id_token").split('.').count(), 3);
    let access = tokens["access_token"].as_str().expect("access_token");
    assert!(access.len() >= 22);
    let userinfo = api(&server, "/v2/authorization/userinfo", access);
    assert_eq!(userinfo.status, 200);
    assert_eq!(userinfo.json()["domain"], "sipgate.de");
    assert_eq!(api(&server, "/v2/account", access).status, 200);
    let counters = server.counters();
    assert_eq!((counters.authorize_requests, counters.code_grants, counters.api_requests), (1, 1, 2));
}

#[test]
fn api_requires_a_valid_bearer_token() {
    let server = start();
    let anonymous = get(&server, "/v2/account", &[]);
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.header("www-authenticate").is_some());
    assert_eq!(api(&server, "/v2/account", "nope").json()["error"], "invalid_token");
}

#[test]
fn refresh_rotates_and_invalidates_the_old_set() {
    let server = start();
    let first = login(&server);
    let old_refresh = first["refresh_token"].as_str().expect("refresh");
    let old_access = first["access_token"].as_str().expect("access");
    let second = refresh(&server, old_refresh);
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["session_state"], first["session_state"]);
    assert_eq!(api(&server, "/v2/account", old_access).status, 401);
    let new_access = second["access_token"].as_str().expect("access");
    assert_eq!(api(&server, "/v2/account", new_access).status, 200);
    let reused = refresh(&server, old_refresh);
    assert_oauth_error(&reused, 400, "invalid_grant");
    assert_eq!(reused.json()["error_description"], "Token is not active");
    let third = refresh(&server, second["refresh_token"].as_str().expect("refresh"));
    assert_eq!(third.status, 200);
    assert_eq!(server.counters().refresh_grants, 3);
}

#[test]
fn basic_auth_is_accepted_like_keycloak() {
    let server = start();
    let tokens = login(&server);
    let response = post_form(
        &server,
        TOKEN,
        &[("Authorization", &basic(SIPGATE_CLIENT_ID, SIPGATE_CLIENT_SECRET))],
        &[("refresh_token", tokens["refresh_token"].as_str().expect("refresh")), ("grant_type", "refresh_token")],
    );
    assert_eq!(response.status, 200, "{}", response.text());
}

#[test]
fn wrong_secret_is_invalid_client() {
    let server = start();
    let params = authorize_ok(
        &server,
        AUTH,
        &[("client_id", SIPGATE_CLIENT_ID), ("redirect_uri", REDIRECT), ("response_type", "code")],
    );
    let response = post_form(
        &server,
        TOKEN,
        &[],
        &[
            ("client_id", SIPGATE_CLIENT_ID),
            ("client_secret", "wrong"),
            ("code", &params["code"]),
            ("redirect_uri", REDIRECT),
            ("grant_type", "authorization_code"),
        ],
    );
    assert_oauth_error(&response, 401, "invalid_client");
    assert!(response.header("www-authenticate").is_some_and(|v| v.starts_with("Basic")));
}

#[test]
fn code_reuse_and_bad_verifier_are_invalid_grant() {
    let server = start();
    let challenge = challenge(VERIFIER);
    let auth = |server: &DevServer| {
        authorize_ok(
            server,
            AUTH,
            &[
                ("client_id", SIPGATE_CLIENT_ID),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
    };
    let code = auth(&server)["code"].clone();
    assert_eq!(exchange(&server, &code, Some(VERIFIER)).status, 200);
    assert_oauth_error(&exchange(&server, &code, Some(VERIFIER)), 400, "invalid_grant");
    let code = auth(&server)["code"].clone();
    let wrong = "x".repeat(43);
    assert_oauth_error(&exchange(&server, &code, Some(&wrong)), 400, "invalid_grant");
    let code = auth(&server)["code"].clone();
    assert_oauth_error(&exchange(&server, &code, None), 400, "invalid_grant");
}

#[test]
fn revocation_kills_the_refresh_token() {
    let server = start();
    let tokens = login(&server);
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    let response = post_form(
        &server,
        REVOKE,
        &[],
        &[("client_id", SIPGATE_CLIENT_ID), ("client_secret", SIPGATE_CLIENT_SECRET), ("token", refresh_token)],
    );
    assert_eq!(response.status, 200);
    assert_oauth_error(&refresh(&server, refresh_token), 400, "invalid_grant");
    assert_eq!(server.counters().revocations, 1);
}

#[test]
fn discovery_names_the_realm_endpoints() {
    let server = start();
    let document = get(&server, "/auth/realms/third-party/.well-known/openid-configuration", &[]).json();
    let issuer = format!("{}/auth/realms/third-party", server.base_url());
    assert_eq!(document["issuer"], issuer.as_str());
    assert_eq!(document["token_endpoint"], format!("{issuer}/protocol/openid-connect/token"));
    assert_eq!(get(&server, "/auth/realms/other/.well-known/openid-configuration", &[]).status, 404);
}

#[test]
fn expired_access_tokens_are_refused() {
    let server = start_with(authflow_devserver::Knobs { access_token_lifetime: 0, ..Default::default() });
    let tokens = login(&server);
    assert_eq!(tokens["expires_in"], 0);
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(api(&server, "/v2/account", access).status, 401);
}
