//! The blocking client against the devserver: full flows for every profile, auto-refresh,
//! single-flight refreshes across threads and processes, revocation, faults and the loopback login.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use authflow::{
    endpoint, Client, ClientConfig, Error, FileStore, Flow, HttpClient, HttpRequest, LoginOptions, MemoryStore,
    OAuthErrorCode, Provider, TokenKind, TokenSet, TokenStore, TransportErrorKind, TransportOptions, UreqTransport,
};
use authflow_devserver::{
    DevServer, Fault, Knobs, Options, DEMO_USER_EMAIL, GENERIC_BASIC_CLIENT_ID, GENERIC_BASIC_CLIENT_SECRET,
    PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET, SIPGATE_CLIENT_ID, SIPGATE_CLIENT_SECRET, SIPGATE_REALM, SPEAKAP_APP_ID,
    SPEAKAP_APP_SECRET, SPEAKAP_NETWORK_EID,
};

#[derive(Clone, Copy, Debug)]
enum Profile {
    Sipgate,
    Speakap,
    Phorge,
    Generic,
}

fn devserver(knobs: Knobs) -> DevServer {
    DevServer::start(Options { port: 0, knobs }).unwrap()
}

/// The client configuration for a profile and the API resource to fetch with it.
fn setup(server: &DevServer, profile: Profile, redirect_uri: &str) -> (ClientConfig, String) {
    let base = server.base_url();
    let (provider, id, secret, scope, api) = match profile {
        Profile::Sipgate => (
            Provider::sipgate_at(&base, &format!("{base}/v2"), SIPGATE_REALM).unwrap(),
            SIPGATE_CLIENT_ID,
            SIPGATE_CLIENT_SECRET,
            "account:read",
            "account".to_owned(),
        ),
        Profile::Speakap => (
            Provider::speakap_at(&format!("{base}/auth"), &format!("{base}/oauth/v2/token"), &base).unwrap(),
            SPEAKAP_APP_ID,
            SPEAKAP_APP_SECRET,
            "profile.basic.read",
            format!("networks/{SPEAKAP_NETWORK_EID}/?embed=userProfile"),
        ),
        Profile::Phorge => {
            (Provider::phorge(&base).unwrap(), PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET, "", "user.whoami".to_owned())
        }
        Profile::Generic => {
            let mut p = Provider::generic(&format!("{base}/authorize"), &format!("{base}/token")).unwrap();
            p.revocation_endpoint = Some(endpoint("revocation endpoint", &format!("{base}/revoke")).unwrap());
            (p, GENERIC_BASIC_CLIENT_ID, GENERIC_BASIC_CLIENT_SECRET, "openid profile", format!("{base}/userinfo"))
        }
    };
    let config =
        ClientConfig::new(provider, id, redirect_uri).unwrap().with_secret(secret).with_scopes(scope.split(' '));
    (config, api)
}

/// Plays the browser at the authorization endpoint: returns where it redirects, without following it.
fn authorize(authorization_url: &str) -> String {
    let response = UreqTransport::new().send(&HttpRequest::get(authorization_url)).unwrap();
    assert_eq!(response.status, 302, "{}", String::from_utf8_lossy(&response.body));
    response.header("location").unwrap().to_owned()
}

/// Start, authorize in the "browser", finish.
fn sign_in(client: &Client) -> TokenSet {
    let mut flow: Flow = client.start().unwrap();
    let location = authorize(&flow.authorization_url().unwrap());
    client.finish(&mut flow, &location).unwrap()
}

fn assert_api_ok(client: &Client, api: &str) {
    let response = client.get(api).unwrap();
    let body = String::from_utf8_lossy(&response.body);
    assert_eq!(response.status, 200, "{body}");
    assert!(body.contains(DEMO_USER_EMAIL), "{body}");
}

fn full_flow(profile: Profile) {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, profile, "http://localhost:8080/oauth");
    let client = Client::new(config);
    let tokens = sign_in(&client);
    assert_eq!(client.tokens().unwrap().as_ref(), Some(&tokens), "saved before finish returned");
    assert_api_ok(&client, &api);
    match profile {
        Profile::Phorge => {
            assert!(tokens.refresh_token.is_none());
            assert_eq!(client.refresh().unwrap_err().kind(), "invalid_state");
        }
        _ => {
            let fresh = client.refresh().unwrap();
            assert_ne!(fresh.access_token, tokens.access_token);
            assert_ne!(fresh.refresh_token, tokens.refresh_token, "{profile:?} rotates refresh tokens");
            assert_eq!(client.tokens().unwrap(), Some(fresh));
        }
    }
    assert_api_ok(&client, &api);
    let counters = server.counters();
    assert_eq!((counters.code_grants, counters.api_requests), (1, 2));
    assert_eq!(counters.refresh_grants, u64::from(!matches!(profile, Profile::Phorge)));
}

#[test]
fn sipgate_full_flow() {
    full_flow(Profile::Sipgate);
}

#[test]
fn speakap_full_flow() {
    full_flow(Profile::Speakap);
}

#[test]
fn phorge_full_flow() {
    full_flow(Profile::Phorge);
}

#[test]
fn generic_full_flow() {
    full_flow(Profile::Generic);
}

/// A clock the test moves by hand.
fn manual_clock() -> (Arc<AtomicU64>, authflow::Clock) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let time = Arc::new(AtomicU64::new(now));
    let read = Arc::clone(&time);
    (time, Arc::new(move || read.load(Ordering::SeqCst)))
}

#[test]
fn auto_refresh_happens_at_the_margin_before_expiry() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Sipgate, "http://127.0.0.1:8080/oauth");
    let (time, clock) = manual_clock();
    let client = Client::new(config).with_clock(clock);
    let tokens = sign_in(&client);
    let issued = tokens.issued_at;
    assert_eq!(tokens.expires_at, Some(issued + 300));
    // sipgate's 300 s tokens are refreshed 30 s early.
    time.store(issued + 269, Ordering::SeqCst);
    assert_api_ok(&client, &api);
    assert_eq!(server.counters().refresh_grants, 0);
    time.store(issued + 270, Ordering::SeqCst);
    assert_api_ok(&client, &api);
    assert_eq!(server.counters().refresh_grants, 1);
    let fresh = client.tokens().unwrap().unwrap();
    assert_ne!(fresh.access_token, tokens.access_token);
    assert_eq!(fresh.issued_at, issued + 270);
    assert_eq!(client.valid_tokens().unwrap(), fresh);
}

#[test]
fn eight_threads_share_one_refresh() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Sipgate, "http://127.0.0.1:8080/oauth");
    let (time, clock) = manual_clock();
    let client = Arc::new(Client::new(config).with_clock(clock));
    let tokens = sign_in(&client);
    time.store(tokens.expires_at.unwrap() + 1, Ordering::SeqCst);
    server.set_knobs(Knobs { slow_ms: 200, ..Knobs::default() });
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (client, barrier, api) = (Arc::clone(&client), Arc::clone(&barrier), api.clone());
            std::thread::spawn(move || {
                barrier.wait();
                assert_api_ok(&client, &api);
                client.valid_tokens().unwrap().access_token
            })
        })
        .collect();
    let seen: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(server.counters().refresh_grants, 1);
    assert!(seen.iter().all(|t| *t == seen[0] && *t != tokens.access_token));
}

/// A fresh path under the system temp dir.
fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("authflow-{name}-{}-{nanos}", std::process::id())).join("tokens.json")
}

#[test]
fn separate_clients_on_one_token_file_share_one_refresh() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Generic, "http://127.0.0.1:8080/cb");
    let path = temp_path("clients");
    let (time, clock) = manual_clock();
    let first = Client::new(config.clone()).with_store(Arc::new(FileStore::new(&path))).with_clock(clock.clone());
    let tokens = sign_in(&first);
    time.store(tokens.expires_at.unwrap(), Ordering::SeqCst);
    server.set_knobs(Knobs { slow_ms: 200, ..Knobs::default() });
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            // Each thread has its own client and store object: only the file lock joins them.
            let client =
                Client::new(config.clone()).with_store(Arc::new(FileStore::new(&path))).with_clock(clock.clone());
            let (barrier, api) = (Arc::clone(&barrier), api.clone());
            std::thread::spawn(move || {
                barrier.wait();
                assert_api_ok(&client, &api);
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(server.counters().refresh_grants, 1);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

const CHILD_ENV: &str = "AUTHFLOW_TEST_CHILD";

/// The child half of `two_processes_share_one_refresh`; does nothing unless that test started it.
#[test]
fn two_process_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let mut parts = spec.splitn(3, '\n');
    let (base, store, out) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let provider = Provider::sipgate_at(base, &format!("{base}/v2"), SIPGATE_REALM).unwrap();
    let config = ClientConfig::new(provider, SIPGATE_CLIENT_ID, "http://127.0.0.1:8080/oauth")
        .unwrap()
        .with_secret(SIPGATE_CLIENT_SECRET);
    let client = Client::new(config).with_store(Arc::new(FileStore::new(store)));
    assert_api_ok(&client, "account");
    std::fs::write(out, client.tokens().unwrap().unwrap().access_token.expose()).unwrap();
}

#[test]
fn two_processes_share_one_refresh() {
    // Five-second tokens are due at once, so both children want to refresh.
    let server = devserver(Knobs { access_token_lifetime: 5, ..Knobs::default() });
    let (config, _) = setup(&server, Profile::Sipgate, "http://127.0.0.1:8080/oauth");
    let path = temp_path("processes");
    let store = Arc::new(FileStore::new(&path));
    let initial = sign_in(&Client::new(config).with_store(store.clone()));
    server.set_knobs(Knobs { slow_ms: 300, ..Knobs::default() });
    let children: Vec<_> = (0..2)
        .map(|n| {
            let out = path.with_file_name(format!("child-{n}"));
            let spec = format!("{}\n{}\n{}", server.base_url(), path.display(), out.display());
            let child = Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "two_process_child", "--test-threads=1", "--nocapture"])
                .env(CHILD_ENV, spec)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (child, out)
        })
        .collect();
    let mut seen = Vec::new();
    for (child, out) in children {
        let output = child.wait_with_output().unwrap();
        let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success() && log.contains("1 passed"), "{log}");
        seen.push(std::fs::read_to_string(out).unwrap());
    }
    let stored = store.load().unwrap().unwrap();
    assert_eq!(server.counters().refresh_grants, 1);
    assert_ne!(stored.access_token, initial.access_token);
    assert!(seen.iter().all(|t| t == stored.access_token.expose()), "both processes use the new tokens");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_401_refreshes_once_and_retries() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Sipgate, "http://127.0.0.1:8080/oauth");
    let client = Client::new(config);
    let tokens = sign_in(&client);
    client.revoke(TokenKind::AccessToken).unwrap();
    assert_eq!(client.tokens().unwrap(), Some(tokens.clone()), "revoking the access token keeps the set");
    assert_api_ok(&client, &api);
    let counters = server.counters();
    assert_eq!((counters.refresh_grants, counters.api_requests, counters.revocations), (1, 2, 1));
    assert_ne!(client.tokens().unwrap().unwrap().access_token, tokens.access_token);
}

#[test]
fn a_dead_refresh_token_is_dropped_from_the_store() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Sipgate, "http://127.0.0.1:8080/cb");
    let first = Client::new(config.clone());
    let old = sign_in(&first);
    first.refresh().unwrap();
    // A second client still holding the rotated-away token: the server says invalid_grant.
    let stale = Client::new(config).with_store(Arc::new(MemoryStore::with_tokens(old)));
    let err = stale.refresh().unwrap_err();
    assert_eq!(err.oauth_code(), Some(&OAuthErrorCode::InvalidGrant), "{err}");
    assert_eq!(stale.tokens().unwrap(), None, "dead tokens are not kept");
    assert!(stale.get(&api).unwrap_err().to_string().contains("sign in first"));
    assert_eq!(server.counters().refresh_grants, 2);
}

#[test]
fn revoking_the_refresh_token_clears_the_store() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Generic, "http://127.0.0.1:8080/cb");
    let client = Client::new(config);
    sign_in(&client);
    client.revoke(TokenKind::RefreshToken).unwrap();
    assert_eq!(client.tokens().unwrap(), None);
    let err = client.get(&api).unwrap_err();
    assert!(err.to_string().contains("sign in first"), "{err}");
}

#[test]
fn token_endpoint_faults_keep_the_tokens() {
    let server = devserver(Knobs::default());
    let (config, _) = setup(&server, Profile::Generic, "http://127.0.0.1:8080/cb");
    let quick = UreqTransport::with_options(TransportOptions {
        timeout: Duration::from_millis(400),
        ..TransportOptions::default()
    });
    let client = Client::new(config).with_transport(Arc::new(quick));
    let tokens = sign_in(&client);
    let cases = [
        (Knobs { fault: Some(Fault::ServerError), ..Knobs::default() }, "unexpected_response", None),
        (Knobs { fault: Some(Fault::Garbage), ..Knobs::default() }, "unexpected_response", None),
        (Knobs { fault: Some(Fault::Drop), ..Knobs::default() }, "transport", Some(TransportErrorKind::Io)),
        (Knobs { fault: Some(Fault::Oversized), ..Knobs::default() }, "transport", Some(TransportErrorKind::TooLarge)),
        (Knobs { slow_ms: 1500, ..Knobs::default() }, "transport", Some(TransportErrorKind::Timeout)),
    ];
    for (knobs, kind, transport) in cases {
        server.set_knobs(knobs.clone());
        let err = client.refresh().unwrap_err();
        assert_eq!(err.kind(), kind, "{knobs:?}: {err}");
        if let Some(expected) = transport {
            assert!(matches!(err, Error::Transport { kind, .. } if kind == expected), "{knobs:?}: {err:?}");
        }
        assert_eq!(client.tokens().unwrap().as_ref(), Some(&tokens), "{knobs:?}");
    }
    server.set_knobs(Knobs::default());
    assert_ne!(client.refresh().unwrap().access_token, tokens.access_token);
}

/// Runs `login` with a "browser" thread that follows the authorization URL to the listener.
fn login_with_browser(client: &Client) -> (Result<TokenSet, Error>, String) {
    let (pages, page) = mpsc::channel();
    let options = LoginOptions::new().timeout(Duration::from_secs(20)).on_url(move |url| {
        let (url, pages) = (url.to_owned(), pages.clone());
        std::thread::spawn(move || {
            let callback = authorize(&url);
            let response = UreqTransport::new().send(&HttpRequest::get(callback)).unwrap();
            pages.send(format!("{} {}", response.status, String::from_utf8_lossy(&response.body))).unwrap();
        });
    });
    let result = client.login(options);
    (result, page.recv_timeout(Duration::from_secs(10)).unwrap())
}

#[test]
fn login_runs_the_loopback_flow_on_a_free_port() {
    let server = devserver(Knobs::default());
    let (config, api) = setup(&server, Profile::Generic, "http://127.0.0.1:0/callback");
    let client = Client::new(config);
    let (result, page) = login_with_browser(&client);
    let tokens = result.unwrap();
    assert!(page.starts_with("200 ") && page.contains("You are signed in"), "{page}");
    assert_eq!(client.tokens().unwrap(), Some(tokens));
    assert_api_ok(&client, &api);
}

#[test]
fn an_on_url_callback_that_blocks_until_the_redirect_is_answered_does_not_hang_the_login() {
    let server = devserver(Knobs::default());
    let (config, _) = setup(&server, Profile::Generic, "http://127.0.0.1:0/callback");
    let client = Client::new(config);
    let (pages, page) = mpsc::channel();
    // The whole browser round trip inside the callback, as a script's `urlopen(url)` would do.
    let options = LoginOptions::new().timeout(Duration::from_secs(20)).on_url(move |url| {
        let response = UreqTransport::new().send(&HttpRequest::get(authorize(url))).unwrap();
        pages.send(response.status).unwrap();
    });
    assert!(client.login(options).is_ok());
    assert_eq!(page.recv_timeout(Duration::from_secs(10)).unwrap(), 200);
}

#[test]
fn denied_login_shows_the_error_page() {
    let server = devserver(Knobs { deny: true, ..Knobs::default() });
    let (config, _) = setup(&server, Profile::Sipgate, "http://localhost:0/oauth");
    let client = Client::new(config);
    let (result, page) = login_with_browser(&client);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), "authorization_denied", "{err}");
    assert!(page.starts_with("400 ") && page.contains("access_denied"), "{page}");
    assert_eq!(client.tokens().unwrap(), None);
}

#[test]
fn login_timeout_names_the_authorization_url() {
    let server = devserver(Knobs::default());
    let (config, _) = setup(&server, Profile::Generic, "http://127.0.0.1:0/callback");
    let (urls, url) = mpsc::channel();
    let options =
        LoginOptions::new().timeout(Duration::from_millis(200)).on_url(move |u| urls.send(u.to_owned()).unwrap());
    let err = Client::new(config).login(options).unwrap_err();
    let Error::Transport { kind: TransportErrorKind::Timeout, message } = &err else { panic!("{err:?}") };
    assert!(message.contains(&url.recv().unwrap()), "{message}");
}
