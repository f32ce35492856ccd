//! The loopback listener over real sockets: ports, paths, slow clients, timeouts and the pages it answers.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use authflow::{Error, LoopbackListener, OAuthErrorCode, TransportErrorKind, Url};

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// Sends a GET like a browser and returns the whole answer.
fn browse(port: u16, target: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: test\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Runs `wait` on a thread while `browser` plays the browser on the main one.
fn with_browser<T: Send + 'static>(
    listener: LoopbackListener,
    timeout: Duration,
    check: impl FnMut(&str) -> Result<T, Error> + Send + 'static,
    browser: impl FnOnce(u16),
) -> Result<T, Error> {
    let port = listener.port();
    let waiting = std::thread::spawn(move || listener.wait(timeout, check));
    browser(port);
    waiting.join().unwrap()
}

#[test]
fn port_zero_reports_the_real_port() {
    let listener = LoopbackListener::bind(&url("http://127.0.0.1:0/oauth")).unwrap();
    assert_ne!(listener.port(), 0);
    assert_eq!(listener.redirect_uri().as_str(), format!("http://127.0.0.1:{}/oauth", listener.port()));
    let localhost = LoopbackListener::bind(&url("http://localhost:0/cb")).unwrap();
    assert_eq!(localhost.redirect_uri().host_str(), Some("localhost"));
}

#[test]
fn port_in_use_says_what_to_do() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = LoopbackListener::bind(&url(&format!("http://127.0.0.1:{port}/oauth"))).unwrap_err();
    let message = err.to_string();
    assert_eq!(err.kind(), "port_in_use");
    assert_eq!(err, authflow::Error::PortInUse { address: format!("127.0.0.1:{port}") });
    assert!(message.contains(&format!("127.0.0.1:{port} is already in use")), "{message}");
    assert!(message.contains("another port") && !message.contains("REDIRECT_URI"), "{message}");
}

#[test]
fn non_loopback_hosts_are_refused() {
    for uri in ["http://example.com:8080/cb", "http://192.168.1.2:8080/cb", "https://localhost:8080/cb"] {
        let err = LoopbackListener::bind(&url(uri)).unwrap_err();
        assert_eq!(err.kind(), "config", "{uri}");
        assert!(err.to_string().contains("loopback"), "{uri}: {err}");
    }
}

#[test]
fn ipv6_loopback_binds_when_available() {
    // Some containers have no IPv6; then binding fails with a clear message rather than a panic.
    match LoopbackListener::bind(&url("http://[::1]:0/cb")) {
        Ok(listener) => assert!(listener.redirect_uri().as_str().starts_with("http://[::1]:")),
        Err(e) => assert!(e.to_string().contains("cannot listen"), "{e}"),
    }
}

#[test]
fn favicon_is_ignored_and_the_callback_gets_the_full_url() {
    let listener = LoopbackListener::bind(&url("http://127.0.0.1:0/oauth")).unwrap();
    let expected = format!("http://127.0.0.1:{}/oauth?code=c1&state=s1", listener.port());
    let mut pages = Vec::new();
    let got = with_browser(
        listener,
        Duration::from_secs(10),
        |full| Ok(full.to_owned()),
        |port| {
            pages.push(browse(port, "/favicon.ico"));
            pages.push(browse(port, "/oauth?code=c1&state=s1"));
        },
    )
    .unwrap();
    assert_eq!(got, expected);
    assert!(pages[0].starts_with("HTTP/1.1 404"), "{}", pages[0]);
    assert!(pages[1].starts_with("HTTP/1.1 200"), "{}", pages[1]);
    assert!(pages[1].contains("You are signed in. You can close this tab."), "{}", pages[1]);
}

#[test]
fn silent_client_does_not_block_the_callback() {
    let listener = LoopbackListener::bind(&url("http://127.0.0.1:0/cb")).unwrap();
    let started = Instant::now();
    let result = with_browser(
        listener,
        Duration::from_secs(20),
        |_| Ok(()),
        |port| {
            let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
            slow.write_all(b"GET /cb?co").unwrap();
            std::thread::sleep(Duration::from_millis(100));
            let page = browse(port, "/cb?code=x&state=y");
            assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        },
    );
    result.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn timeout_names_the_redirect_uri() {
    let listener = LoopbackListener::bind(&url("http://127.0.0.1:0/cb")).unwrap();
    let uri = listener.redirect_uri().to_string();
    let started = Instant::now();
    let err = listener.wait(Duration::from_millis(300), |_| Ok(())).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let Error::Transport { kind: TransportErrorKind::Timeout, message } = &err else { panic!("{err:?}") };
    assert!(message.contains(&uri), "{message}");
}

#[test]
fn failed_check_shows_the_escaped_error_page_and_returns_the_error() {
    let listener = LoopbackListener::bind(&url("http://127.0.0.1:0/cb")).unwrap();
    let mut page = String::new();
    let err = with_browser(
        listener,
        Duration::from_secs(10),
        |full| -> Result<(), Error> {
            assert!(full.contains("error=access_denied"));
            Err(Error::AuthorizationDenied {
                error: OAuthErrorCode::AccessDenied,
                description: Some("<script>alert(1)</script>".into()),
                uri: None,
            })
        },
        |port| page = browse(port, "/cb?error=access_denied&state=s"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), "authorization_denied");
    assert!(page.starts_with("HTTP/1.1 400"), "{page}");
    assert!(page.contains("authorization denied: access_denied"), "{page}");
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"), "{page}");
}
