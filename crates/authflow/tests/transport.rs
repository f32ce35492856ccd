//! The ureq transport and the driver's use of it against tiny std servers on 127.0.0.1 that misbehave on purpose.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authflow::{
    AccessToken, Client, ClientConfig, Error, HttpClient, HttpRequest, MemoryStore, Method, Provider, RefreshToken,
    TokenSet, TransportErrorKind, TransportOptions, UreqTransport,
};

/// A server on 127.0.0.1 that runs `handle` on each connection in its own thread and counts accepts.
struct TinyServer {
    base: String,
    accepts: Arc<AtomicUsize>,
}

fn serve(handle: fn(TcpStream)) -> TinyServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepts);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || handle(stream));
        }
    });
    TinyServer { base, accepts }
}

/// Reads one request (head and Content-Length body); `None` when the client closed.
fn read_request(reader: &mut BufReader<&TcpStream>) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(head)
}

fn answer(mut stream: &TcpStream, status: &str, headers: &str, body: &[u8]) {
    let head = format!("HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn quick() -> UreqTransport {
    UreqTransport::with_options(TransportOptions { timeout: Duration::from_millis(500), ..TransportOptions::default() })
}

fn kind<T: std::fmt::Debug>(result: Result<T, Error>) -> (TransportErrorKind, String) {
    match result {
        Err(Error::Transport { kind, message }) => (kind, message),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn secret_post(url: String) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: format!("{url}?access_token=query-secret"),
        headers: vec![("Authorization".into(), "Bearer header-secret".into())],
        body: b"client_secret=body-secret".to_vec(),
    }
}

fn assert_no_secret(message: &str) {
    for secret in ["query-secret", "header-secret", "body-secret"] {
        assert!(!message.contains(secret), "{message}");
    }
}

#[test]
fn slow_server_times_out() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        std::thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    let (kind, message) = kind(quick().send(&secret_post(format!("{}/token", server.base))));
    assert_eq!(kind, TransportErrorKind::Timeout, "{message}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(message.contains("/token"), "{message}");
    assert_no_secret(&message);
}

#[test]
fn oversized_body_is_too_large() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "200 OK", "Content-Type: application/json\r\n", &vec![b'a'; 2 << 20]);
    });
    let (kind, message) = kind(UreqTransport::new().send(&HttpRequest::get(format!("{}/big", server.base))));
    assert_eq!(kind, TransportErrorKind::TooLarge, "{message}");
    assert!(message.contains("1048576"), "{message}");
}

#[test]
fn body_at_the_limit_is_accepted() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "200 OK", "", &vec![b'a'; 1 << 20]);
    });
    let response = UreqTransport::new().send(&HttpRequest::get(format!("{}/", server.base))).unwrap();
    assert_eq!(response.body.len(), 1 << 20);
}

#[test]
fn closed_without_answer_is_io() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
    });
    let (kind, message) = kind(quick().send(&secret_post(format!("{}/token", server.base))));
    assert_eq!(kind, TransportErrorKind::Io, "{message}");
    assert_no_secret(&message);
}

#[test]
fn connection_reset_is_io() {
    // Closing with the request unread makes the kernel answer with a reset.
    let server = serve(|stream| {
        std::thread::sleep(Duration::from_millis(50));
        drop(stream);
    });
    let mut request = secret_post(format!("{}/token", server.base));
    request.body = vec![b'x'; 256 << 10];
    let (kind, message) = kind(quick().send(&request));
    assert_eq!(kind, TransportErrorKind::Io, "{message}");
    assert_no_secret(&message);
}

#[test]
fn redirect_is_returned_not_followed() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "302 Found", "Location: /elsewhere\r\nConnection: close\r\n", b"");
    });
    let response = UreqTransport::new().send(&HttpRequest::get(format!("{}/start", server.base))).unwrap();
    assert_eq!(response.status, 302);
    assert_eq!(response.header("location"), Some("/elsewhere"));
    assert_eq!(server.accepts.load(Ordering::SeqCst), 1);
}

#[test]
fn keep_alive_reuses_one_connection_for_twenty_requests() {
    let server = serve(|stream| {
        let mut reader = BufReader::new(&stream);
        while read_request(&mut reader).is_some() {
            answer(&stream, "200 OK", "Content-Type: text/plain\r\n", b"ok");
        }
    });
    let transport = UreqTransport::new();
    for i in 0..20 {
        let request = if i % 2 == 0 {
            HttpRequest::get(format!("{}/api", server.base))
        } else {
            HttpRequest {
                method: Method::Post,
                url: format!("{}/token", server.base),
                headers: vec![],
                body: b"a=b".to_vec(),
            }
        };
        let response = transport.send(&request).unwrap();
        assert_eq!((response.status, response.body.as_slice()), (200, &b"ok"[..]));
    }
    assert_eq!(server.accepts.load(Ordering::SeqCst), 1);
}

#[test]
fn http_outside_loopback_is_refused_before_connecting() {
    let request = secret_post("http://192.0.2.1/token".to_owned());
    let started = Instant::now();
    let (kind, message) = kind(UreqTransport::new().send(&request));
    assert_eq!(kind, TransportErrorKind::Insecure, "{message}");
    assert!(message.contains("POST http://192.0.2.1/token"), "{message}");
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_no_secret(&message);
}

// The driver over the same misbehaving servers.

fn client_for(base: &str, tokens: Option<TokenSet>) -> Client {
    let provider = Provider::generic(&format!("{base}/authorize"), &format!("{base}/token")).unwrap();
    let config = ClientConfig::new(provider, "client", "http://127.0.0.1:9/cb").unwrap().with_secret("client-secret");
    let store = tokens.map(MemoryStore::with_tokens).unwrap_or_default();
    Client::new(config).with_transport(Arc::new(quick())).with_store(Arc::new(store))
}

fn old_tokens() -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("old-access"),
        token_type: "Bearer".into(),
        refresh_token: Some(RefreshToken::new("old-refresh")),
        expires_at: Some(1000),
        issued_at: 700,
        scope: None,
        id_token: None,
        extra: Default::default(),
    }
}

#[test]
fn html_500_on_refresh_is_unexpected_response_and_keeps_tokens() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "500 Internal Server Error", "Content-Type: text/html\r\n", b"<html><h1>Oops</h1></html>");
    });
    let client = client_for(&server.base, Some(old_tokens()));
    let err = client.refresh().unwrap_err();
    assert_eq!(err.kind(), "unexpected_response", "{err}");
    assert!(matches!(err, Error::UnexpectedResponse { status: 500, .. }), "{err:?}");
    assert_eq!(client.tokens().unwrap(), Some(old_tokens()));
}

#[test]
fn redirect_from_the_token_endpoint_is_an_error() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "307 Temporary Redirect", "Location: https://elsewhere.example/token\r\n", b"");
    });
    let client = client_for(&server.base, Some(old_tokens()));
    let (kind, message) = kind(client.refresh());
    assert_eq!(kind, TransportErrorKind::Redirect, "{message}");
    assert_eq!(server.accepts.load(Ordering::SeqCst), 1);
    assert_eq!(client.store().load().unwrap(), Some(old_tokens()));
}

#[test]
fn dropped_refresh_keeps_tokens() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
    });
    let client = client_for(&server.base, Some(old_tokens()));
    let (kind, _) = kind(client.refresh());
    assert_eq!(kind, TransportErrorKind::Io);
    assert_eq!(client.tokens().unwrap(), Some(old_tokens()));
}

#[test]
fn persistent_401_refreshes_once_and_returns_the_401() {
    static TOKEN_REQUESTS: AtomicUsize = AtomicUsize::new(0);
    let server = serve(|stream| {
        let mut reader = BufReader::new(&stream);
        while let Some(head) = read_request(&mut reader) {
            if head.starts_with("POST /token") {
                let n = TOKEN_REQUESTS.fetch_add(1, Ordering::SeqCst);
                let body = format!(r#"{{"access_token":"new-{n}","refresh_token":"r-{n}","expires_in":300}}"#);
                answer(&stream, "200 OK", "Content-Type: application/json\r\n", body.as_bytes());
            } else {
                answer(&stream, "401 Unauthorized", "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n", b"");
            }
        }
    });
    let mut fresh = old_tokens();
    fresh.expires_at = None;
    let client = client_for(&server.base, Some(fresh));
    let response = client.send(HttpRequest::get(format!("{}/api", server.base))).unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(TOKEN_REQUESTS.load(Ordering::SeqCst), 1);
    assert_eq!(client.tokens().unwrap().unwrap().access_token.expose(), "new-0");
}

#[test]
fn redirect_from_a_discovery_endpoint_is_an_error() {
    let server = serve(|stream| {
        read_request(&mut BufReader::new(&stream));
        answer(&stream, "302 Found", "Location: https://elsewhere.example/.well-known/openid-configuration\r\n", b"");
    });
    let (kind, message) = kind(authflow::discover(&quick(), &server.base));
    assert_eq!(kind, TransportErrorKind::Redirect, "{message}");
    assert_eq!(server.accepts.load(Ordering::SeqCst), 1, "not followed");
}
