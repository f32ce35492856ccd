//! The HTTP/1.1 layer: keep-alive, limits, framing and garbage input.

mod common;

use authflow_devserver::GENERIC_PUBLIC_CLIENT_ID;
use common::*;
use std::time::{Duration, Instant};

#[test]
fn ten_requests_on_one_connection() {
    let server = start();
    let mut conn = Conn::open(&server);
    for _ in 0..10 {
        let response = conn.send("GET", "/_dev/counters", &[], b"").expect("answered");
        assert_eq!(response.status, 200);
        assert_eq!(response.header("connection"), Some("keep-alive"));
        assert!(response.header("content-length").is_some());
    }
}

#[test]
fn connection_close_is_honoured() {
    let server = start();
    let mut conn = Conn::open(&server);
    let response = conn.send("GET", "/_dev/counters", &[("Connection", "close")], b"").expect("answered");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(conn.is_closed());
}

#[test]
fn http10_closes_unless_asked_to_keep_alive() {
    let server = start();
    let mut conn = Conn::open(&server);
    conn.write_raw(b"GET /_dev/counters HTTP/1.0\r\n\r\n").expect("sent");
    assert_eq!(conn.read_response().expect("answered").status, 200);
    assert!(conn.is_closed());
    let mut conn = Conn::open(&server);
    conn.write_raw(b"GET /_dev/counters HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").expect("sent");
    assert_eq!(conn.read_response().expect("answered").header("connection"), Some("keep-alive"));
}

#[test]
fn garbage_gets_400_and_a_closed_connection() {
    let server = start();
    let inputs: [&[u8]; 5] = [
        b"\x00\x01\x02 garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"POST /token HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ];
    for input in inputs {
        let mut conn = Conn::open(&server);
        conn.write_raw(input).expect("sent");
        let response = conn.read_response().expect("answered");
        assert_eq!(response.status, 400, "{input:?}");
        assert!(conn.is_closed());
    }
    assert_eq!(get(&server, "/_dev/counters", &[]).status, 200);
}

#[test]
fn half_a_request_then_eof_does_not_hurt() {
    let server = start();
    let mut conn = Conn::open(&server);
    conn.write_raw(b"POST /token HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc").expect("sent");
    drop(conn);
    assert_eq!(get(&server, "/_dev/counters", &[]).status, 200);
}

#[test]
fn oversized_head_and_body_get_413() {
    let server = start();
    let mut conn = Conn::open(&server);
    let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(17 * 1024));
    conn.write_raw(big.as_bytes()).expect("sent");
    assert_eq!(conn.read_response().expect("answered").status, 413);
    let mut conn = Conn::open(&server);
    conn.write_raw(b"POST /token HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n").expect("sent");
    assert_eq!(conn.read_response().expect("answered").status, 413);
    let mut conn = Conn::open(&server);
    conn.write_raw(b"POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n").expect("sent");
    assert_eq!(conn.read_response().expect("answered").status, 413);
}

#[test]
fn chunked_bodies_and_pipelining() {
    let server = start();
    let mut conn = Conn::open(&server);
    let body =
        form(&[("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", GENERIC_PUBLIC_CLIENT_ID)]);
    let request = format!(
        "POST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n\
         GET /_dev/counters HTTP/1.1\r\n\r\n",
        body.len()
    );
    conn.write_raw(request.as_bytes()).expect("sent");
    let first = conn.read_response().expect("answered");
    assert_oauth_error(&first, 400, "invalid_grant");
    let second = conn.read_response().expect("answered");
    assert_eq!(second.json()["refresh_grants"], 1);
}

#[test]
fn expect_continue_is_answered() {
    let server = start();
    let mut conn = Conn::open(&server);
    conn.write_raw(b"POST /_dev/knobs HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n").expect("sent");
    assert_eq!(conn.read_response().expect("continue").status, 100);
    conn.write_raw(b"{}").expect("sent");
    assert_eq!(conn.read_response().expect("answered").status, 204);
}

#[test]
fn unknown_paths_and_methods() {
    let server = start();
    assert_eq!(get(&server, "/nowhere", &[]).status, 404);
    let response = post_form(&server, "/userinfo", &[], &[]);
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
}

#[test]
fn a_thousand_refreshes_on_one_connection_are_fast() {
    let server = start();
    let code = authorize_ok(
        &server,
        "/authorize",
        &[
            ("client_id", GENERIC_PUBLIC_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )["code"]
        .clone();
    let mut conn = Conn::open(&server);
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", GENERIC_PUBLIC_CLIENT_ID),
    ]);
    let mut refresh = conn.send("POST", "/token", &headers, body.as_bytes()).expect("answered").json()["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let started = Instant::now();
    for _ in 0..1000 {
        let body = form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", GENERIC_PUBLIC_CLIENT_ID),
        ]);
        let response = conn.send("POST", "/token", &headers, body.as_bytes()).expect("answered");
        assert_eq!(response.status, 200);
        refresh = response.json()["refresh_token"].as_str().expect("refresh").to_string();
    }
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(server.counters().refresh_grants, 1000);
}

/// Issue 9, hole 16: the duplicate-parameter check is one pass. A 1 MiB form of distinct
/// names took 38 s of one core before any check; the connection's 20 s read timeout fails
/// that, while one pass answers in milliseconds.
#[test]
fn a_one_mib_form_of_distinct_parameters_is_answered_at_once() {
    let server = start();
    let mut body = String::from("grant_type=authorization_code");
    let mut i = 0;
    while body.len() < (1 << 20) - 32 {
        body.push_str(&format!("&p{i}="));
        i += 1;
    }
    body.push_str("&grant_type=x");
    let started = Instant::now();
    let response = Conn::open(&server)
        .send("POST", "/token", &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes())
        .expect("answered within the read timeout");
    assert_eq!(response.status, 400);
    assert!(response.text().contains("grant_type was sent more than once"), "{}", response.text());
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}
