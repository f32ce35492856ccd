//! The batteries against a real OpenID Certified server (npm oidc-provider): discovery, both client auth methods,
//! refresh rotation and reuse, denial and issuer checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use authflow::{
    discovery_request, provider_from_discovery, Client, ClientAuth, ClientConfig, DiscoveryKind, Error, Flow,
    HttpClient, HttpRequest, LoopbackListener, OAuthErrorCode, Provider, StateName, UreqTransport, Url,
};

const BASIC_ID: &str = "basic-client";
const BASIC_SECRET: &str = "basic-secret-0123456789abcdef";
const POST_ID: &str = "post-client";
const POST_SECRET: &str = "post-secret-0123456789abcdef";
const SCOPES: &str = "openid profile email offline_access";
/// How long the listener waits for the simulated browser.
const WAIT: Duration = Duration::from_secs(30);

/// The folder holding server.mjs and its package-lock.json.
fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
}

/// Runs `npm ci` once per test binary when the server's dependencies are missing.
fn install_once() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let dir = provider_dir();
        if dir.join("node_modules").is_dir() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm must be installed to run the oidc-provider tests");
        assert!(status.success(), "npm ci in {} failed: {status}", dir.display());
    });
}

/// How long node may take to print its issuer before the start counts as hung.
const STARTUP: Duration = Duration::from_secs(20);
/// How many starts are tried; node 20 now and then deadlocks while exporting the fresh signing key.
const ATTEMPTS: usize = 3;

/// A running `node server.mjs`; dropping it kills the process by its PID and reaps it.
struct OidcServer {
    child: Child,
    issuer: String,
    // Kept open so the server never writes into a closed pipe.
    _stdout: Option<BufReader<ChildStdout>>,
}

impl OidcServer {
    /// Starts the server, retrying a start that hangs or fails.
    fn start() -> OidcServer {
        install_once();
        let mut failures = Vec::new();
        for _ in 0..ATTEMPTS {
            match OidcServer::try_start() {
                Ok(server) => return server,
                Err(failure) => {
                    eprintln!("oidc-provider start failed, retrying: {failure}");
                    failures.push(failure);
                }
            }
        }
        panic!("server.mjs did not start in {ATTEMPTS} attempts:\n{}", failures.join("\n"));
    }

    /// One start: spawn node and wait up to [`STARTUP`] for the issuer line.
    fn try_start() -> Result<OidcServer, String> {
        let mut child = Command::new("node")
            .args(["server.mjs", "--port", "0", "--lifetime", "120"])
            .current_dir(provider_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed to run the oidc-provider tests");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        // From here on, dropping the guard kills the process.
        let mut server = OidcServer { child, issuer: String::new(), _stdout: None };
        // Stderr carries oidc-provider's notices; it is collected for failure messages.
        let notes = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&notes);
        thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        // The first line is read on a thread so that a hung start can time out.
        let (lines, first) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = lines.send((read, reader));
        });
        match first.recv_timeout(STARTUP) {
            Ok((Ok(line), reader)) if line.trim().starts_with("http://127.0.0.1:") => {
                server.issuer = line.trim().to_owned();
                server._stdout = Some(reader);
                Ok(server)
            }
            Ok((line, _)) => {
                drop(server);
                Err(format!("server.mjs printed {line:?} instead of its issuer; stderr:\n{}", notes.lock().unwrap()))
            }
            Err(_) => {
                let pid = server.child.id();
                drop(server);
                Err(format!("node (pid {pid}) printed no issuer within {} s", STARTUP.as_secs()))
            }
        }
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Discovery through the real transport.
fn discover(server: &OidcServer) -> Provider {
    let request = discovery_request(&server.issuer, DiscoveryKind::OpenId).unwrap();
    assert_eq!(request.url, format!("{}/.well-known/openid-configuration", server.issuer));
    let answer = UreqTransport::new().send(&request).unwrap();
    provider_from_discovery(&server.issuer, &answer).unwrap()
}

/// A listener on a free port and a client for `id` with its own authentication method.
fn client_for(provider: &Provider, id: &str, extra: &[(&str, &str)]) -> (LoopbackListener, Client) {
    let listener = LoopbackListener::bind(&Url::parse("http://127.0.0.1:0/callback").unwrap()).unwrap();
    let mut provider = provider.clone();
    let secret = match id {
        BASIC_ID => {
            provider.client_auth = ClientAuth::ClientSecretBasic;
            BASIC_SECRET
        }
        _ => {
            provider.client_auth = ClientAuth::ClientSecretPost;
            POST_SECRET
        }
    };
    let mut config = ClientConfig::new(provider, id, listener.redirect_uri().as_str())
        .unwrap()
        .with_secret(secret)
        .with_scopes([SCOPES]);
    for (name, value) in extra {
        config = config.with_param(name, value);
    }
    (listener, Client::new(config).with_transport(Arc::new(UreqTransport::new())))
}

/// What the simulated browser saw: each hop's status and path, and the status the listener answered.
#[derive(Debug, Default)]
struct Browsing {
    hops: Vec<String>,
    callback_status: Option<u16>,
}

/// The user's browser: follows the 303 chain by hand with a cookie jar until the redirect URI comes up, then GETs it.
fn browse(authorization_url: String, redirect_uri: String) -> JoinHandle<Result<Browsing, String>> {
    thread::spawn(move || {
        let http = UreqTransport::new();
        let mut jar: BTreeMap<String, String> = BTreeMap::new();
        let mut seen = Browsing::default();
        let mut url = Url::parse(&authorization_url).map_err(|e| e.to_string())?;
        for _ in 0..10 {
            let mut request = HttpRequest::get(url.as_str());
            if !jar.is_empty() {
                let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
                request = request.with_header("Cookie", cookie);
            }
            let answer = http.send(&request).map_err(|e| e.to_string())?;
            seen.hops.push(format!("{} {}", answer.status, url.path()));
            for (name, value) in &answer.headers {
                if name.eq_ignore_ascii_case("set-cookie") {
                    store_cookie(&mut jar, value);
                }
            }
            let location = answer
                .header("location")
                .ok_or_else(|| format!("no Location after {:?}: http {}", seen.hops, answer.status))?;
            let next = url.join(location).map_err(|e| e.to_string())?;
            if next.as_str().starts_with(&redirect_uri) {
                // The browser lands on the loopback listener, which answers with its own page.
                let landed = http.send(&HttpRequest::get(next.as_str())).map_err(|e| e.to_string())?;
                seen.callback_status = Some(landed.status);
                return Ok(seen);
            }
            url = next;
        }
        Err(format!("the redirect uri never came up after 10 hops: {:?}", seen.hops))
    })
}

/// Stores one `Set-Cookie` in the jar: a later value replaces, an empty or expired one deletes.
fn store_cookie(jar: &mut BTreeMap<String, String>, header: &str) {
    let mut parts = header.split(';');
    let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else { return };
    let expired = parts
        .map(|p| p.trim().to_ascii_lowercase())
        .any(|attr| attr == "max-age=0" || (attr.starts_with("expires=") && attr.contains("1970")));
    if value.trim().is_empty() || expired {
        jar.remove(name.trim());
    } else {
        jar.insert(name.trim().to_owned(), value.trim().to_owned());
    }
}

/// Starts a login, lets the simulated browser run it, and hands the callback URL to `check`.
fn login<T: std::fmt::Debug>(
    listener: &LoopbackListener,
    client: &Client,
    check: impl FnMut(&mut Flow, &str) -> Result<T, Error>,
) -> (Result<T, Error>, Browsing, Flow) {
    let mut check = check;
    let mut flow = client.start().unwrap();
    let url = flow.authorization_url().unwrap();
    let browser = browse(url, listener.redirect_uri().to_string());
    let result = listener.wait(WAIT, |callback| check(&mut flow, callback));
    let browsing = browser.join().unwrap().unwrap_or_else(|e| panic!("browser failed: {e}; listener: {result:?}"));
    (result, browsing, flow)
}

/// Replaces (or with `None` removes) the `iss` parameter of a callback URL.
fn with_iss(callback: &str, iss: Option<&str>) -> String {
    let mut url = Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "iss").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut query = url.query_pairs_mut();
    query.clear().extend_pairs(pairs);
    if let Some(iss) = iss {
        query.append_pair("iss", iss);
    }
    drop(query);
    url.to_string()
}

/// The whole life of one client: login, userinfo, refresh with rotation, and reuse of the old refresh token.
fn full_flow(id: &str) {
    let server = OidcServer::start();
    let provider = discover(&server);
    let (listener, client) = client_for(&provider, id, &[]);

    let (tokens, browsing, flow) = login(&listener, &client, |flow, callback| {
        let iss = Url::parse(callback).unwrap().query_pairs().find(|(k, _)| k == "iss").map(|(_, v)| v.into_owned());
        assert_eq!(iss.as_deref(), Some(server.issuer.as_str()), "the callback carries iss (RFC 9207)");
        client.finish(flow, callback)
    });
    let tokens = tokens.unwrap_or_else(|e| panic!("{id}: login failed: {e}; browser: {browsing:?}"));
    assert_eq!(browsing.callback_status, Some(200), "{browsing:?}");
    assert!(browsing.hops.len() >= 3, "the chain runs through the interactions: {browsing:?}");
    assert_eq!(flow.state_name(), StateName::Authorized);
    assert!(!tokens.access_token.expose().is_empty());
    assert_eq!(tokens.token_type, "Bearer");
    assert!(tokens.id_token.is_some(), "openid was asked for");
    let first_refresh = tokens.refresh_token.clone().expect("a refresh token is issued to both clients");
    assert_eq!(tokens.expires_at.map(|at| at - tokens.issued_at), Some(300));
    let granted = tokens.scope.clone().unwrap_or_default();
    for scope in ["openid", "profile", "email"] {
        assert!(granted.split(' ').any(|s| s == scope), "granted {granted:?}");
    }
    assert_eq!(client.tokens().unwrap().as_ref(), Some(&tokens), "the tokens are stored");

    let userinfo = provider.userinfo_endpoint.clone().unwrap();
    assert_eq!(userinfo.as_str(), format!("{}/me", server.issuer));
    let me = client.get(userinfo.as_str()).unwrap();
    assert_eq!(me.status, 200);
    let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(me["sub"], "user-1");
    assert_eq!(me["name"], "Test User");
    assert_eq!(me["email"], "user-1@example.test");

    let fresh = client.refresh().unwrap();
    let second_refresh = fresh.refresh_token.clone().unwrap();
    assert_ne!(second_refresh, first_refresh, "the refresh token rotates");
    assert_ne!(fresh.access_token, tokens.access_token);
    assert_eq!(client.get(userinfo.as_str()).unwrap().status, 200, "the new access token works");

    // The old refresh token, presented again, is refused with a typed invalid_grant.
    let mut stale = Flow::from_tokens(client.config().clone(), tokens.clone());
    let request = stale.refresh_request().unwrap();
    let answer = UreqTransport::new().send(&request).unwrap();
    let err = stale.refresh_response(&answer, client.now()).unwrap_err();
    assert!(matches!(err, Error::OAuth { error: OAuthErrorCode::InvalidGrant, status: 400, .. }), "{err:?}");
    assert!(!err.to_string().contains(first_refresh.expose()), "no token in the message: {err}");
    assert_eq!(stale.state_name(), StateName::Authorized, "a failed refresh keeps the old tokens");

    // Reuse detection revoked the whole grant: the 401 makes the client refresh, which is refused too.
    let err = client.get(userinfo.as_str()).unwrap_err();
    assert!(matches!(err, Error::OAuth { error: OAuthErrorCode::InvalidGrant, .. }), "{err:?}");
}

#[test]
fn discovery_requires_iss_and_picks_basic_auth() {
    let server = OidcServer::start();
    let provider = discover(&server);
    assert_eq!(provider.issuer.as_deref(), Some(server.issuer.as_str()));
    assert!(provider.require_iss, "the server announces authorization_response_iss_parameter_supported");
    assert_eq!(provider.client_auth, ClientAuth::ClientSecretBasic, "basic-client's method is offered first");
    assert_eq!(provider.authorization_endpoint.as_str(), format!("{}/auth", server.issuer));
    assert_eq!(provider.token_endpoint.as_str(), format!("{}/token", server.issuer));
    assert_eq!(
        provider.revocation_endpoint.as_ref().map(Url::as_str),
        Some(&*format!("{}/token/revocation", server.issuer))
    );

    // The issuer in the document must be the one asked for.
    let answer = UreqTransport::new().send(&discovery_request(&server.issuer, DiscoveryKind::OpenId).unwrap()).unwrap();
    let err = provider_from_discovery("http://127.0.0.1:1", &answer).unwrap_err();
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
}

#[test]
fn basic_client_logs_in_refreshes_and_reuse_is_refused() {
    full_flow(BASIC_ID);
}

#[test]
fn post_client_logs_in_refreshes_and_reuse_is_refused() {
    full_flow(POST_ID);
}

#[test]
fn denied_login_is_a_typed_error_for_both_clients() {
    let server = OidcServer::start();
    let provider = discover(&server);
    for id in [BASIC_ID, POST_ID] {
        let (listener, client) = client_for(&provider, id, &[("login_hint", "deny")]);
        let mut seen = None;
        let (result, browsing, _) = login(&listener, &client, |flow, callback| {
            seen = Some(callback.to_owned());
            client.finish(flow, callback)
        });
        let callback = seen.expect("the listener's check got the callback");
        assert!(callback.contains("error=access_denied"), "{callback}");
        let err = result.unwrap_err();
        let Error::AuthorizationDenied { error, description, .. } = &err else { panic!("{id}: {err:?}") };
        assert_eq!(*error, OAuthErrorCode::AccessDenied);
        assert_eq!(description.as_deref(), Some("the user said no"));
        assert_eq!(browsing.callback_status, Some(400), "the browser is told it failed: {browsing:?}");
        assert_eq!(client.tokens().unwrap(), None, "nothing is stored");
    }
}

#[test]
fn tampered_or_missing_iss_is_caught() {
    let server = OidcServer::start();
    let provider = discover(&server);
    for (iss, got) in [(Some("https://evil.example"), Some("https://evil.example".to_owned())), (None, None)] {
        let (listener, client) = client_for(&provider, BASIC_ID, &[]);
        let (result, browsing, flow) =
            login(&listener, &client, |flow, callback| client.finish(flow, &with_iss(callback, iss)));
        let err = result.unwrap_err();
        assert_eq!(err, Error::IssuerMismatch { expected: server.issuer.clone(), got: got.clone() });
        assert_eq!(browsing.callback_status, Some(400), "{browsing:?}");
        assert_ne!(flow.state_name(), StateName::Authorized, "no code was exchanged");
        assert_eq!(client.tokens().unwrap(), None);
    }
}
