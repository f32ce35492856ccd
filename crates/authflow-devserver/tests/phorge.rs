//! The Phorge profile over real sockets.

mod common;

use authflow_devserver::{DevServer, Knobs, PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET, PHORGE_REDIRECT_URI};
use common::*;

fn code(server: &DevServer, with_redirect: bool) -> String {
    let mut pairs = vec![
        ("client_id", PHORGE_CLIENT_ID),
        ("response_type", "code"),
        ("state", "p1"),
        ("code_challenge", "ignored-by-phorge"),
    ];
    if with_redirect {
        pairs.push(("redirect_uri", REDIRECT));
    }
    let response = authorize(server, "/oauthserver/auth/", &pairs);
    assert_eq!(response.status, 302, "{}", response.text());
    let params = response.location_params();
    // The real server sends the code and the state, and no empty scope.
    assert!(!params.contains_key("scope"), "{params:?}");
    assert_eq!(params["state"], "p1");
    params["code"].clone()
}

fn exchange(server: &DevServer, code: &str, secret: &str, redirect: Option<&str>) -> Resp {
    let mut pairs = vec![
        ("client_id", PHORGE_CLIENT_ID),
        ("client_secret", secret),
        ("code", code),
        ("grant_type", "authorization_code"),
    ];
    if let Some(redirect) = redirect {
        pairs.push(("redirect_uri", redirect));
    }
    post_form(server, "/oauthserver/token/", &[], &pairs)
}

fn whoami(server: &DevServer, token: &str) -> serde_json::Value {
    let response = get(server, &format!("/api/user.whoami?access_token={token}"), &[]);
    assert_eq!(response.status, 200);
    response.json()
}

#[test]
fn code_flow_and_conduit() {
    let server = start();
    let code = code(&server, true);
    let response = exchange(&server, &code, PHORGE_CLIENT_SECRET, Some(REDIRECT));
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    let object = body.as_object().expect("an object");
    assert_eq!(object.len(), 2, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().expect("access");
    let me = whoami(&server, token);
    assert_eq!(me["error_code"], serde_json::Value::Null);
    assert_eq!(me["result"]["userName"], "demo");
    assert!(me["result"]["phid"].as_str().expect("phid").starts_with("PHID-USER-"));
}

#[test]
fn conduit_ignores_bearer_headers() {
    let server = start();
    let code = code(&server, true);
    let token = exchange(&server, &code, PHORGE_CLIENT_SECRET, Some(REDIRECT)).json()["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    let response = get(&server, "/api/user.whoami", &[("Authorization", &format!("Bearer {token}"))]);
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["error_code"], "ERR-INVALID-AUTH");
    assert_eq!(response.json()["result"], serde_json::Value::Null);
    let posted = post_form(&server, "/api/user.whoami", &[], &[("access_token", &token)]);
    assert_eq!(posted.json()["result"]["realName"], "Demo User");
}

#[test]
fn phorge_errors_are_invalid_grant() {
    let server = start();
    let code1 = code(&server, true);
    assert_oauth_error(&exchange(&server, &code1, "wrong", Some(REDIRECT)), 400, "invalid_grant");
    let mismatch = exchange(&server, &code1, PHORGE_CLIENT_SECRET, Some("http://127.0.0.1:9/other"));
    assert_oauth_error(&mismatch, 400, "invalid_grant");
    let code2 = code(&server, true);
    assert_eq!(exchange(&server, &code2, PHORGE_CLIENT_SECRET, Some(REDIRECT)).status, 200);
    assert_oauth_error(&exchange(&server, &code2, PHORGE_CLIENT_SECRET, Some(REDIRECT)), 400, "invalid_grant");
}

#[test]
fn no_refresh_tokens() {
    let server = start();
    let response = post_form(
        &server,
        "/oauthserver/token/",
        &[],
        &[
            ("client_id", PHORGE_CLIENT_ID),
            ("client_secret", PHORGE_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", "anything"),
        ],
    );
    assert_oauth_error(&response, 400, "unsupported_grant_type");
}

#[test]
fn redirect_uri_may_be_omitted() {
    let server = start();
    let response =
        authorize(&server, "/oauthserver/auth/", &[("client_id", PHORGE_CLIENT_ID), ("response_type", "code")]);
    let location = response.header("location").expect("Location").to_string();
    assert!(location.starts_with(PHORGE_REDIRECT_URI), "{location}");
    let code = response.location_params()["code"].clone();
    assert_eq!(exchange(&server, &code, PHORGE_CLIENT_SECRET, None).status, 200);
}

#[test]
fn basic_auth_works_too() {
    let server = start();
    let code = code(&server, true);
    let response = post_form(
        &server,
        "/oauthserver/token/",
        &[("Authorization", &basic(PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET))],
        &[("code", &code), ("grant_type", "authorization_code"), ("redirect_uri", REDIRECT)],
    );
    assert_eq!(response.status, 200, "{}", response.text());
}

#[test]
fn interactive_approval_shows_a_continue_link() {
    let server = start_with(Knobs { interactive: true, ..Knobs::default() });
    let page = authorize(
        &server,
        "/oauthserver/auth/",
        &[("client_id", PHORGE_CLIENT_ID), ("response_type", "code"), ("redirect_uri", REDIRECT), ("state", "st")],
    );
    assert_eq!(page.status, 200);
    let request_id = hidden_request_id(&page.text());
    let answer = post_form(&server, "/_dev/consent", &[], &[("request_id", &request_id), ("action", "approve")]);
    assert_eq!(answer.status, 200);
    let html = answer.text();
    assert!(html.contains("Continue to application"), "{html}");
    let href = html.split("href=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a link");
    let params = query_of(&href.replace("&amp;", "&"));
    assert_eq!(params["state"], "st");
    assert_eq!(exchange(&server, &params["code"], PHORGE_CLIENT_SECRET, Some(REDIRECT)).status, 200);
}

fn hidden_request_id(html: &str) -> String {
    html.split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a request_id field")
        .to_string()
}

/// Issue 9, hole 11: Conduit answers a revoked token and an unknown method with HTTP 200 and an
/// `error_code`, as the real server does; `/_dev/revoke` revokes like the user's settings page.
#[test]
fn conduit_errors_come_with_http_200() {
    let server = start();
    let code = code(&server, true);
    let token = exchange(&server, &code, PHORGE_CLIENT_SECRET, Some(REDIRECT)).json()["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    let unknown = get(&server, &format!("/api/no.such.method?access_token={token}"), &[]);
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.json()["error_code"], "ERR-CONDUIT-CALL");
    assert_eq!(unknown.json()["result"], serde_json::Value::Null);
    let body = format!(r#"{{"token":"{token}"}}"#);
    let revoke = |body: &str| {
        Conn::open(&server)
            .send("POST", "/_dev/revoke", &[("Content-Type", "application/json")], body.as_bytes())
            .expect("answered")
            .status
    };
    assert_eq!(revoke(&body), 204);
    assert_eq!(revoke(&body), 404, "the token is gone");
    let me = whoami(&server, &token);
    assert_eq!(me["error_code"], "ERR-INVALID-AUTH");
    assert_eq!(me["error_info"], "Access token does not exist or has expired.");
    let unknown = get(&server, &format!("/api/no.such.method?access_token={token}"), &[]);
    assert_eq!(unknown.json()["error_code"], "ERR-INVALID-AUTH", "the token is checked first");
}

/// Issue 9, hole 3: a real Phorge redirects its denial without the request's `state`.
#[test]
fn a_denial_comes_back_without_state() {
    let server = start_with(Knobs { deny: true, ..Knobs::default() });
    let response = authorize(
        &server,
        "/oauthserver/auth/",
        &[("client_id", PHORGE_CLIENT_ID), ("response_type", "code"), ("redirect_uri", REDIRECT), ("state", "st")],
    );
    assert_eq!(response.status, 302, "{}", response.text());
    let params = response.location_params();
    assert_eq!(params["error"], "access_denied");
    assert!(!params.contains_key("state"), "{params:?}");
    assert!(!params.contains_key("iss"), "{params:?}");
}
