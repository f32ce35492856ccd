//! Issue 9, holes 3 and 8: the loopback login against a stranger's requests. A page the user
//! visits while signing in can send the browser (or its own requests) to the redirect URI;
//! none of them may end the login, and only the redirect URI's own host is served.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use authflow::{
    Client, ClientConfig, Error, HttpClient, HttpRequest, LoginOptions, LoopbackListener, Provider, TransportErrorKind,
    UreqTransport, Url,
};
use authflow_devserver::{
    DevServer, Knobs, Options, GENERIC_POST_CLIENT_ID, GENERIC_POST_CLIENT_SECRET, PHORGE_CLIENT_ID,
    PHORGE_CLIENT_SECRET,
};

fn devserver(knobs: Knobs) -> DevServer {
    DevServer::start(Options { port: 0, knobs }).unwrap()
}

fn generic(server: &DevServer, redirect: &str) -> ClientConfig {
    let base = server.base_url();
    let mut p = Provider::generic(&format!("{base}/authorize"), &format!("{base}/token")).unwrap();
    p.client_auth = authflow::ClientAuth::ClientSecretPost;
    p.issuer = Some(base.to_string());
    ClientConfig::new(p, GENERIC_POST_CLIENT_ID, redirect).unwrap().with_secret(GENERIC_POST_CLIENT_SECRET)
}

/// A raw GET with the given Host header; returns the whole answer.
fn get(port: u16, target: &str, host: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The browser at the authorization URL: the devserver's redirect back, not followed.
fn redirect_back(authorization_url: &str) -> Url {
    let response = UreqTransport::new().send(&HttpRequest::get(authorization_url)).unwrap();
    assert_eq!(response.status, 302, "{}", String::from_utf8_lossy(&response.body));
    Url::parse(response.header("location").unwrap()).unwrap()
}

fn path_and_query(url: &Url) -> String {
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

#[test]
fn forged_callbacks_and_foreign_hosts_do_not_end_a_loopback_login() {
    let server = devserver(Knobs::default());
    let client = Client::new(generic(&server, "http://127.0.0.1:0/cb"));
    let pages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&pages);
    let options = LoginOptions::new().timeout(Duration::from_secs(20)).on_url(move |url| {
        let back = redirect_back(url);
        let port = back.port().unwrap();
        let own = format!("127.0.0.1:{port}");
        let mut log = log.lock().unwrap();
        // What any web page can do: <img src=http://127.0.0.1:PORT/cb?error=...>.
        log.push(get(port, "/cb?error=access_denied&error_description=Call+0900-EVIL", &own));
        log.push(get(port, "/cb?error=access_denied&state=guessed", &own));
        log.push(get(port, "/cb?code=attackers-code&state=guessed", &own));
        log.push(get(port, "/cb?state=a&state=b&code=x", &own));
        // DNS rebinding: evil.example resolved to 127.0.0.1 carries the real callback's query
        // (it cannot know it, but even so it is not served), and a missing port is refused too.
        log.push(get(port, &path_and_query(&back), &format!("evil.example:{port}")));
        log.push(get(port, &path_and_query(&back), "127.0.0.1"));
        // The real browser comes back last.
        log.push(get(port, &path_and_query(&back), &own));
    });
    let tokens = client.login(options).unwrap();
    assert_eq!(client.tokens().unwrap(), Some(tokens));
    let pages = pages.lock().unwrap();
    for forged in &pages[..4] {
        assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
        assert!(forged.contains("Not this sign-in"), "{forged}");
        assert!(!forged.contains("0900-EVIL"), "the stranger's text is never shown as the provider's: {forged}");
    }
    for foreign in &pages[4..6] {
        assert!(foreign.starts_with("HTTP/1.1 421"), "{foreign}");
    }
    assert!(pages[6].starts_with("HTTP/1.1 200"), "{}", pages[6]);
    assert_eq!(server.counters().code_grants, 1, "only the real code is exchanged");
}

#[test]
fn a_denial_ends_the_login_only_with_the_right_state() {
    let server = devserver(Knobs { deny: true, ..Knobs::default() });
    let client = Client::new(generic(&server, "http://127.0.0.1:0/cb"));
    let options = LoginOptions::new().timeout(Duration::from_secs(20)).on_url(move |url| {
        let back = redirect_back(url);
        let port = back.port().unwrap();
        let own = format!("127.0.0.1:{port}");
        assert!(get(port, "/cb?error=access_denied", &own).starts_with("HTTP/1.1 400"));
        let page = get(port, &path_and_query(&back), &own);
        assert!(page.contains("Sign-in failed"), "{page}");
    });
    let err = client.login(options).unwrap_err();
    assert_eq!(err.kind(), "authorization_denied", "{err}");
}

#[test]
fn phorge_denies_without_state_and_is_believed() {
    // A real Phorge (and the devserver's phorge profile) sends error=access_denied alone.
    let server = devserver(Knobs { deny: true, ..Knobs::default() });
    let provider = Provider::phorge(&server.base_url()).unwrap();
    assert!(provider.errors_without_state);
    let config = ClientConfig::new(provider, PHORGE_CLIENT_ID, "http://127.0.0.1:0/cb")
        .unwrap()
        .with_secret(PHORGE_CLIENT_SECRET);
    let client = Client::new(config);
    let options = LoginOptions::new().timeout(Duration::from_secs(20)).on_url(move |url| {
        let back = redirect_back(url);
        assert!(back.query_pairs().all(|(name, _)| name != "state"), "{back}");
        let port = back.port().unwrap();
        // A wrong state is refused all the same; only the stateless denial counts.
        let own = format!("127.0.0.1:{port}");
        assert!(get(port, "/cb?error=access_denied&state=guessed", &own).starts_with("HTTP/1.1 400"));
        get(port, &path_and_query(&back), &own);
    });
    let err = client.login(options).unwrap_err();
    assert_eq!(err.kind(), "authorization_denied", "{err}");
}

#[test]
fn a_timeout_counts_the_refused_callbacks() {
    let listener = LoopbackListener::bind(&Url::parse("http://127.0.0.1:0/cb").unwrap()).unwrap();
    let port = listener.port();
    let stranger = std::thread::spawn(move || get(port, "/cb?error=access_denied", &format!("127.0.0.1:{port}")));
    let err = listener.wait(Duration::from_millis(800), |_| -> Result<(), Error> { Err(Error::StateMismatch) });
    let Err(Error::Transport { kind: TransportErrorKind::Timeout, message }) = err else { panic!("{err:?}") };
    assert!(message.contains("1 callback without this login's state refused"), "{message}");
    assert!(stranger.join().unwrap().starts_with("HTTP/1.1 400"));
}

/// Whether this machine has IPv6 loopback (some containers do not).
fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

// Hole 8: `localhost` is 127.0.0.1 and ::1; both are bound, or the login refuses to start.
#[test]
fn localhost_is_served_on_ipv6_loopback_too() {
    if !has_ipv6_loopback() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let listener = LoopbackListener::bind(&Url::parse("http://localhost:0/cb").unwrap()).unwrap();
    let port = listener.port();
    let browser = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(("::1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(stream, "GET /cb?code=c&state=s HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    });
    let got = listener.wait(Duration::from_secs(10), |url| Ok(url.to_owned())).unwrap();
    assert_eq!(got, format!("http://localhost:{port}/cb?code=c&state=s"));
    assert!(browser.join().unwrap().starts_with("HTTP/1.1 200"));
}

#[test]
fn localhost_refuses_to_start_when_ipv6_loopback_is_taken() {
    if !has_ipv6_loopback() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    // Another program holds [::1]:PORT, where a browser preferring IPv6 would send the code.
    let squatter = std::net::TcpListener::bind("[::1]:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        eprintln!("skipped: 127.0.0.1:{port} is taken too");
        return;
    }
    let err = LoopbackListener::bind(&Url::parse(&format!("http://localhost:{port}/cb")).unwrap()).unwrap_err();
    assert_eq!(err.kind(), "port_in_use", "{err}");
    assert!(err.to_string().contains(&format!("[::1]:{port}")), "{err}");
    // 127.0.0.1 in the redirect URI is unaffected (RFC 8252 §7.3 recommends it).
    LoopbackListener::bind(&Url::parse(&format!("http://127.0.0.1:{port}/cb")).unwrap()).unwrap();
}
