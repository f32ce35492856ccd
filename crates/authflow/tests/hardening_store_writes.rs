//! Issue 9, hole 4: a store that fails to save after a refresh (a full disk, a read-only
//! folder) must not lose the rotated refresh token: the client returns and keeps the fresh
//! tokens, reports the storage error, and saves them on a later call.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use authflow::{Client, Error, FileStore, MemoryStore, StoreLock, TokenSet, TokenStore};

mod common;
use common::{devserver, generic, sign_in};

/// A memory store whose saves fail while `failing` is set, like a full disk.
#[derive(Default)]
struct FullDisk {
    inner: MemoryStore,
    failing: AtomicBool,
    saves: AtomicUsize,
}

impl TokenStore for FullDisk {
    fn load(&self) -> Result<Option<TokenSet>, Error> {
        self.inner.load()
    }
    fn save(&self, tokens: &TokenSet) -> Result<(), Error> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(Error::Storage { message: "no space left on device".to_owned() });
        }
        self.inner.save(tokens)
    }
    fn clear(&self) -> Result<(), Error> {
        self.inner.clear()
    }
    fn lock(&self) -> Result<StoreLock, Error> {
        self.inner.lock()
    }
}

fn same(a: &TokenSet, b: &TokenSet) -> bool {
    a.access_token.expose() == b.access_token.expose()
        && a.refresh_token.as_ref().map(|t| t.expose()) == b.refresh_token.as_ref().map(|t| t.expose())
}

#[test]
fn a_failed_save_after_a_refresh_keeps_the_rotated_tokens() {
    let server = devserver();
    let store = Arc::new(FullDisk::default());
    let client = Client::new(generic(&server)).with_store(store.clone());
    let old = sign_in(&client);
    assert!(client.storage_warning().is_none());

    store.failing.store(true, Ordering::SeqCst);
    let fresh = client.refresh().unwrap();
    assert!(!same(&fresh, &old), "a rotation");
    let warning = client.storage_warning().expect("the storage error is reported");
    assert_eq!(warning.kind(), "storage", "{warning}");
    assert!(warning.to_string().contains("no space left"), "{warning}");
    assert_eq!(store.load().unwrap(), Some(old.clone()), "the store still holds the rotated-away tokens");
    // The client goes on with the fresh tokens, retrying the save on each call.
    let saves = store.saves.load(Ordering::SeqCst);
    assert!(same(&client.valid_tokens().unwrap(), &fresh));
    assert!(store.saves.load(Ordering::SeqCst) > saves, "the save was retried");
    // The next refresh sends the rotated refresh token, which the server still honours.
    let fresher = client.refresh().unwrap();
    assert!(!same(&fresher, &fresh));
    assert_eq!(server.counters().refresh_grants, 2);

    store.failing.store(false, Ordering::SeqCst);
    assert!(same(&client.valid_tokens().unwrap(), &fresher));
    assert!(client.storage_warning().is_none(), "saved once the store works again");
    assert!(same(&store.load().unwrap().unwrap(), &fresher));
}

#[test]
fn a_failed_save_after_a_login_keeps_the_tokens_and_a_new_login_elsewhere_wins() {
    let server = devserver();
    let store = Arc::new(FullDisk::default());
    let client = Client::new(generic(&server)).with_store(store.clone());
    store.failing.store(true, Ordering::SeqCst);
    let tokens = sign_in(&client);
    assert_eq!(client.storage_warning().map(|e| e.kind()), Some("storage"));
    assert!(same(&client.valid_tokens().unwrap(), &tokens));
    // Someone else stores a login meanwhile: the store changed, so its tokens are newer.
    store.failing.store(false, Ordering::SeqCst);
    let other = sign_in(&Client::new(generic(&server)));
    store.inner.save(&other).unwrap();
    assert!(same(&client.valid_tokens().unwrap(), &other));
    assert!(client.storage_warning().is_none());
    // sign_out forgets unsaved tokens too.
    store.failing.store(true, Ordering::SeqCst);
    client.refresh().unwrap();
    client.sign_out().unwrap();
    assert_eq!(client.valid_tokens().unwrap_err().kind(), "not_signed_in");
}

#[cfg(unix)]
#[test]
fn a_read_only_token_folder_keeps_the_rotated_tokens_in_memory() {
    use std::os::unix::fs::PermissionsExt;
    let server = devserver();
    let dir = std::env::temp_dir().join(format!("authflow-writes-{}-ro", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("tokens.json");
    let client = Client::new(generic(&server)).with_store(Arc::new(FileStore::new(&path)));
    let old = sign_in(&client);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(dir.join("probe"), b"x").is_ok() {
        // Root (or a filesystem without permissions) writes anyway: FullDisk above covers it.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        eprintln!("skipped: {} is writable although read-only (running as root?)", dir.display());
        return;
    }
    let fresh = client.refresh().unwrap();
    assert_eq!(client.storage_warning().map(|e| e.kind()), Some("storage"));
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(old));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(same(&client.valid_tokens().unwrap(), &fresh));
    assert!(client.storage_warning().is_none());
    assert!(same(&FileStore::new(&path).load().unwrap().unwrap(), &fresh));
}
