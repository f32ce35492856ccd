//! Issue 9, hole 5: a login that completes while a refresh is in flight, in another client
//! on the same file store (another process, as far as the store can tell), is neither
//! cleared by that refresh's `invalid_grant` nor overwritten by its success.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authflow::{Client, Error, FileStore, OAuthErrorCode, TokenSet, TokenStore};
use authflow_devserver::{DevServer, Knobs};

mod common;
use common::{devserver, generic, sign_in};

fn temp_store(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authflow-races-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("tokens.json")
}

/// Two clients sharing one token file, as two processes would.
fn two_clients(server: &DevServer, path: &PathBuf) -> (Arc<Client>, Client) {
    let a = Client::new(generic(server)).with_store(Arc::new(FileStore::new(path)));
    let b = Client::new(generic(server)).with_store(Arc::new(FileStore::new(path)));
    (Arc::new(a), b)
}

/// Starts `a.refresh()` against a token endpoint that takes 1.5 s to answer, and returns once
/// its request is at the server (the delay taken), with the endpoint fast again for others.
fn slow_refresh_in_flight(server: &DevServer, a: &Arc<Client>) -> std::thread::JoinHandle<Result<TokenSet, Error>> {
    let before = server.counters().refresh_grants;
    server.set_knobs(Knobs { slow_ms: 1500, ..Knobs::default() });
    let a = Arc::clone(a);
    let refreshing = std::thread::spawn(move || a.refresh());
    let started = Instant::now();
    while server.counters().refresh_grants == before {
        assert!(started.elapsed() < Duration::from_secs(10), "the refresh never reached the server");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    server.set_knobs(Knobs::default());
    refreshing
}

#[test]
fn invalid_grant_in_flight_does_not_clear_a_newer_login() {
    let server = devserver();
    let path = temp_store("invalid-grant");
    let (a, b) = two_clients(&server, &path);
    let old = sign_in(&a);
    a.refresh().unwrap();
    // A stale copy of the store: its refresh token was rotated away, so refreshing it is invalid_grant.
    FileStore::new(&path).save(&old).unwrap();
    let refreshing = slow_refresh_in_flight(&server, &a);
    let login = sign_in(&b);
    let err = refreshing.join().unwrap().unwrap_err();
    assert_eq!(err.oauth_code(), Some(&OAuthErrorCode::InvalidGrant), "{err}");
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(login.clone()), "the new login survives");
    assert_eq!(a.valid_tokens().unwrap(), login);
}

#[test]
fn a_refresh_in_flight_does_not_overwrite_a_newer_login() {
    let server = devserver();
    let path = temp_store("overwrite");
    let (a, b) = two_clients(&server, &path);
    let old = sign_in(&a);
    let refreshing = slow_refresh_in_flight(&server, &a);
    let login = sign_in(&b);
    let refreshed = refreshing.join().unwrap().unwrap();
    assert_ne!(refreshed.access_token.expose(), old.access_token.expose());
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(login), "the login completed last and stays");
}

#[test]
fn a_writer_without_the_lock_is_compared_before_the_refresh_acts() {
    // Another program writes the token file without taking the lock while the refresh is out:
    // the refresh neither clears nor overwrites what it did not start from, and answers with it.
    let server = devserver();
    let path = temp_store("no-lock");
    let (a, b) = two_clients(&server, &path);
    let old = sign_in(&a);
    a.refresh().unwrap();
    let newer = sign_in(&b);
    FileStore::new(&path).save(&old).unwrap();
    let refreshing = slow_refresh_in_flight(&server, &a);
    FileStore::new(&path).save(&newer).unwrap();
    assert_eq!(refreshing.join().unwrap().unwrap(), newer, "invalid_grant for old, but newer is in the store");
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(newer.clone()));

    let refreshing = slow_refresh_in_flight(&server, &a);
    let third = sign_in(&Client::new(generic(&server)));
    FileStore::new(&path).save(&third).unwrap();
    assert_eq!(refreshing.join().unwrap().unwrap(), third, "a successful refresh does not overwrite it either");
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(third));
}
