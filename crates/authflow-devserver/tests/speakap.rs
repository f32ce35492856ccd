//! The Speakap profile over real sockets.

mod common;

use authflow_devserver::{DevServer, SPEAKAP_APP_ID, SPEAKAP_APP_SECRET, SPEAKAP_NETWORK_EID};
use common::*;
use serde_json::Value;

const ACCEPT: &str = "application/vnd.speakap.api-v2024.3.2+json";

fn code(server: &DevServer) -> String {
    let challenge = challenge(VERIFIER);
    let params = authorize_ok(
        server,
        "/auth",
        &[
            ("client_id", SPEAKAP_APP_ID),
            ("redirect_uri", REDIRECT),
            ("scope", "profile.basic.read"),
            ("state", "csrf-1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    assert_eq!(params["state"], "csrf-1");
    assert!(!params.contains_key("iss"));
    params["code"].clone()
}

fn exchange(server: &DevServer, code: &str) -> Resp {
    post_form(
        server,
        "/oauth/v2/token",
        &[("Authorization", &basic(SPEAKAP_APP_ID, SPEAKAP_APP_SECRET))],
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", SPEAKAP_APP_ID),
            ("code_verifier", VERIFIER),
        ],
    )
}

fn network(server: &DevServer, token: &str, accept: &str) -> Resp {
    get(
        server,
        &format!("/networks/{SPEAKAP_NETWORK_EID}/?embed=userProfile"),
        &[("Authorization", &format!("Bearer {token}")), ("Accept", accept)],
    )
}

fn tokens(server: &DevServer) -> Value {
    let response = exchange(server, &code(server));
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

#[test]
fn code_flow_and_network_api() {
    let server = start();
    let tokens = tokens(&server);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert!(tokens["refresh_token"].is_string());
    let access = tokens["access_token"].as_str().expect("access");
    let response = network(&server, access, ACCEPT);
    assert_eq!(response.status, 200, "{}", response.text());
    let profile = &response.json()["_embedded"]["userProfile"];
    assert_eq!(profile["name"], "Demo User");
    assert_eq!(profile["email"], "demo@example.invalid");
}

#[test]
fn network_api_wants_its_media_type() {
    let server = start();
    let tokens = tokens(&server);
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(network(&server, access, "application/json").status, 406);
    assert_eq!(network(&server, "bogus", ACCEPT).status, 401);
}

#[test]
fn reused_code_revokes_its_tokens() {
    let server = start();
    let code = code(&server);
    let first = exchange(&server, &code);
    assert_eq!(first.status, 200);
    let access = first.json()["access_token"].as_str().expect("access").to_string();
    assert_eq!(network(&server, &access, ACCEPT).status, 200);
    assert_oauth_error(&exchange(&server, &code), 400, "invalid_grant");
    assert_eq!(network(&server, &access, ACCEPT).status, 401);
    let refresh_token = first.json()["refresh_token"].as_str().expect("refresh").to_string();
    let refreshed = post_form(
        &server,
        "/oauth/v2/token",
        &[("Authorization", &basic(SPEAKAP_APP_ID, SPEAKAP_APP_SECRET))],
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh_token)],
    );
    assert_oauth_error(&refreshed, 400, "invalid_grant");
}

#[test]
fn refresh_and_secret_in_body() {
    let server = start();
    let tokens = tokens(&server);
    let response = post_form(
        &server,
        "/oauth/v2/token",
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().expect("refresh")),
            ("client_id", SPEAKAP_APP_ID),
            ("client_secret", SPEAKAP_APP_SECRET),
        ],
    );
    assert_eq!(response.status, 200, "{}", response.text());
    assert_ne!(response.json()["refresh_token"], tokens["refresh_token"]);
}

#[test]
fn response_type_is_optional_but_must_be_code() {
    let server = start();
    let response = authorize(
        &server,
        "/auth",
        &[("client_id", SPEAKAP_APP_ID), ("redirect_uri", REDIRECT), ("response_type", "token"), ("state", "s")],
    );
    assert_eq!(response.status, 302);
    let params = response.location_params();
    assert_eq!(params["error"], "unsupported_response_type");
    assert_eq!(params["state"], "s");
}

#[test]
fn app_access_token_reads_the_network() {
    let server = start();
    let token = format!("{SPEAKAP_APP_ID}_{SPEAKAP_APP_SECRET}");
    let response = network(&server, &token, ACCEPT);
    assert_eq!(response.status, 200);
    assert!(response.json()["_embedded"].get("userProfile").is_none());
}
