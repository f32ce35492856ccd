//! Knobs, faults, counters and the `/_dev` control API.

mod common;

use authflow_devserver::{
    clients, Counters, DevServer, Fault, Knobs, GENERIC_POST_CLIENT_ID, GENERIC_POST_CLIENT_SECRET, SIPGATE_CLIENT_ID,
};
use common::*;
use std::time::{Duration, Instant};

fn token_set(server: &DevServer) -> serde_json::Value {
    let params = authorize_ok(
        server,
        "/authorize",
        &[("client_id", GENERIC_POST_CLIENT_ID), ("redirect_uri", REDIRECT), ("response_type", "code")],
    );
    let response = post_form(
        server,
        "/token",
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &params["code"]),
            ("redirect_uri", REDIRECT),
            ("client_id", GENERIC_POST_CLIENT_ID),
            ("client_secret", GENERIC_POST_CLIENT_SECRET),
        ],
    );
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

fn refresh(server: &DevServer, refresh_token: &str) -> Resp {
    post_form(
        server,
        "/token",
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", GENERIC_POST_CLIENT_ID),
            ("client_secret", GENERIC_POST_CLIENT_SECRET),
        ],
    )
}

fn with_fault(fault: Fault) -> DevServer {
    start_with(Knobs { fault: Some(fault), ..Knobs::default() })
}

fn post_json(server: &DevServer, path: &str, body: &str) -> Resp {
    Conn::open(server).send("POST", path, &[("Content-Type", "application/json")], body.as_bytes()).expect("answered")
}

#[test]
fn counters_are_exact_under_concurrency() {
    let server = start();
    let sets: Vec<String> =
        (0..8).map(|_| token_set(&server)["refresh_token"].as_str().expect("refresh").to_string()).collect();
    std::thread::scope(|scope| {
        for token in &sets {
            let server = &server;
            scope.spawn(move || assert_eq!(refresh(server, token).status, 200));
        }
    });
    let counters = server.counters();
    assert_eq!(counters.refresh_grants, 8);
    assert_eq!(counters.code_grants, 8);
    assert_eq!(counters.token_requests, 16);
    assert_eq!(counters.authorize_requests, 8);
    let over_http: Counters = serde_json::from_value(get(&server, "/_dev/counters", &[]).json()).expect("Counters");
    assert_eq!(over_http, counters);
}

#[test]
fn knobs_and_reset_over_http() {
    let server = start();
    let response = post_json(&server, "/_dev/knobs", r#"{"deny": true, "access_token_lifetime": 60}"#);
    assert_eq!(response.status, 204);
    assert!(server.knobs().deny);
    assert_eq!(server.knobs().access_token_lifetime, 60);
    assert_eq!(get(&server, "/_dev/knobs", &[]).json()["deny"], true);
    assert_eq!(post_json(&server, "/_dev/knobs", r#"{"fault": "nonsense"}"#).status, 400);
    assert_eq!(post_json(&server, "/_dev/knobs", r#"{"typo": 1}"#).status, 400);
    assert_eq!(post_json(&server, "/_dev/knobs", r#"{"fault": "empty_bad_request"}"#).status, 204);
    assert_eq!(server.knobs().fault, Some(Fault::EmptyBadRequest));
    get(&server, "/_dev/counters", &[]);
    authorize(&server, "/authorize", &[("client_id", "x")]);
    assert_eq!(server.counters().authorize_requests, 1);
    assert_eq!(post_json(&server, "/_dev/reset", "").status, 204);
    assert_eq!(server.counters(), Counters::default());
    assert_eq!(server.knobs(), Knobs::default());
}

#[test]
fn clients_over_http_match_the_library() {
    let server = start();
    let listed = get(&server, "/_dev/clients", &[]).json();
    assert_eq!(listed, serde_json::json!(clients()));
    let public = listed
        .as_array()
        .expect("array")
        .iter()
        .find(|client| client["auth_method"] == "none")
        .expect("a public client");
    assert_eq!(public["client_secret"], serde_json::Value::Null);
}

#[test]
fn deny_knob_redirects_with_access_denied() {
    let server = start_with(Knobs { deny: true, ..Knobs::default() });
    let params = authorize_ok(
        &server,
        "/auth/realms/third-party/protocol/openid-connect/auth",
        &[("client_id", SIPGATE_CLIENT_ID), ("redirect_uri", REDIRECT), ("response_type", "code"), ("state", "s1")],
    );
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["error_description"], "The user denied access");
    assert_eq!(params["state"], "s1");
    assert!(params.contains_key("iss"));
    let response = authorize(
        &server,
        "/authorize",
        &[
            ("client_id", GENERIC_POST_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "s2"),
        ],
    );
    let location = response.header("location").expect("Location");
    assert!(location.contains("error=access_denied&error_description=The+user+denied+access&state=s2"), "{location}");
}

fn consent_page(server: &DevServer) -> String {
    let response = authorize(
        server,
        "/authorize",
        &[
            ("client_id", GENERIC_POST_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "i1"),
        ],
    );
    assert_eq!(response.status, 200);
    let html = response.text();
    for needle in ["id=\"approve\"", "id=\"deny\"", "value=\"demo\"", "type=\"password\"", "action=\"/_dev/consent\""] {
        assert!(html.contains(needle), "{needle} in {html}");
    }
    html.split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("request_id")
        .to_string()
}

#[test]
fn interactive_form_approve_and_deny() {
    let server = start_with(Knobs { interactive: true, ..Knobs::default() });
    let id = consent_page(&server);
    let form = [("request_id", id.as_str()), ("username", "demo"), ("password", "pw"), ("action", "approve")];
    let approved = post_form(&server, "/_dev/consent", &[], &form);
    assert_eq!(approved.status, 302);
    let params = approved.location_params();
    assert_eq!(params["state"], "i1");
    assert!(params.contains_key("code"));
    assert_eq!(post_form(&server, "/_dev/consent", &[], &form).status, 400);

    let id = consent_page(&server);
    let denied = post_form(&server, "/_dev/consent", &[], &[("request_id", &id), ("action", "deny")]);
    assert_eq!(denied.location_params()["error"], "access_denied");
}

#[test]
fn server_error_fault() {
    let server = with_fault(Fault::ServerError);
    let response = refresh(&server, "x");
    assert_eq!(response.status, 500);
    assert!(response.header("content-type").is_some_and(|v| v.starts_with("text/html")));
    assert_eq!(server.counters().refresh_grants, 1);
}

#[test]
fn garbage_fault() {
    let server = with_fault(Fault::Garbage);
    let response = refresh(&server, "x");
    assert_eq!(response.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
}

#[test]
fn empty_bad_request_fault() {
    let server = with_fault(Fault::EmptyBadRequest);
    let response = refresh(&server, "x");
    assert_eq!(response.status, 400);
    assert!(response.body.is_empty());
}

#[test]
fn drop_fault_closes_without_answer() {
    let server = with_fault(Fault::Drop);
    let mut conn = Conn::open(&server);
    let body = form(&[("grant_type", "refresh_token"), ("refresh_token", "x")]);
    let answer = conn.send("POST", "/token", &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes());
    assert!(answer.is_err());
    assert_eq!(server.counters().token_requests, 1);
}

#[test]
fn oversized_fault() {
    let server = with_fault(Fault::Oversized);
    let response = refresh(&server, "x");
    assert_eq!(response.status, 200);
    assert_eq!(response.body.len(), 5 * 1024 * 1024);
}

#[test]
fn slow_knob_delays_token_answers_only() {
    let server = start_with(Knobs { slow_ms: 300, ..Knobs::default() });
    let started = Instant::now();
    get(&server, "/_dev/counters", &[]);
    assert!(started.elapsed() < Duration::from_millis(300));
    let started = Instant::now();
    refresh(&server, "x");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn faults_can_be_switched_at_run_time() {
    let server = start();
    let tokens = token_set(&server);
    server.set_knobs(Knobs { fault: Some(Fault::ServerError), ..Knobs::default() });
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    assert_eq!(refresh(&server, refresh_token).status, 500);
    server.set_knobs(Knobs::default());
    assert_eq!(refresh(&server, refresh_token).status, 200);
}

#[test]
fn stop_closes_open_connections() {
    let server = start();
    let mut conn = Conn::open(&server);
    assert_eq!(conn.send("GET", "/_dev/counters", &[], b"").expect("answered").status, 200);
    let port = server.port();
    server.stop();
    assert!(conn.is_closed());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
