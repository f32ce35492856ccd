//! Token stores on a real file system: permissions, atomic replacement, corrupt files, locks.
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authflow::{AccessToken, FileStore, MemoryStore, RefreshToken, TokenSet, TokenStore};

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("authflow-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tokens(n: u64) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(format!("access-{n}")),
        token_type: "Bearer".into(),
        refresh_token: Some(RefreshToken::new(format!("refresh-{n}"))),
        expires_at: Some(1000 + n),
        issued_at: 700 + n,
        scope: Some("account:read".into()),
        id_token: None,
        extra: Default::default(),
    }
}

#[test]
fn missing_file_is_empty_and_round_trip_works() {
    let dir = TempDir::new("roundtrip");
    let store = FileStore::new(dir.0.join("nested/deeper/tokens.json"));
    assert_eq!(store.load().unwrap(), None);
    store.save(&tokens(1)).unwrap();
    assert_eq!(store.load().unwrap(), Some(tokens(1)));
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
    store.clear().unwrap();
}

#[cfg(unix)]
#[test]
fn token_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let store = FileStore::new(dir.0.join("sub/tokens.json"));
    store.save(&tokens(1)).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(&dir.0.join("sub")), 0o700);
    drop(store.lock().unwrap());
    assert_eq!(mode(&store.lock_path()), 0o600);
}

#[cfg(unix)]
#[test]
fn save_replaces_the_file_atomically() {
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new("atomic");
    let path = dir.0.join("tokens.json");
    let store = Arc::new(FileStore::new(&path));
    store.save(&tokens(0)).unwrap();
    let first_inode = std::fs::metadata(&path).unwrap().ino();
    // The next save's temporary file is created while the first file still exists, so a
    // rename gives a new inode. (After many saves a freed inode number can come back.)
    store.save(&tokens(1)).unwrap();
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), first_inode, "saved in place instead of renamed over");
    // A reader racing with many saves sees one whole token set or the other, never a torn or empty file.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, done) = (Arc::clone(&store), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(Ordering::SeqCst) {
                let t = store.load().unwrap().unwrap();
                assert!(t.access_token.expose().starts_with("access-"));
                reads += 1;
            }
            reads
        })
    };
    for n in 1..=200 {
        store.save(&tokens(n)).unwrap();
    }
    done.store(true, Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(store.load().unwrap(), Some(tokens(200)));
    let names: Vec<String> =
        std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["tokens.json"], "temporary files left behind");
}

#[test]
fn corrupt_file_is_an_error_naming_the_file_and_no_secret() {
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("tokens.json");
    let store = FileStore::new(&path);
    for content in [&b"{\"access_token\": \"leaked-secret\", "[..], b"", b"[1,2]", b"{\"access_token\": 42}"] {
        std::fs::write(&path, content).unwrap();
        let err = store.load().unwrap_err();
        let message = err.to_string();
        assert_eq!(err.kind(), "storage");
        assert!(message.contains(&path.display().to_string()) && message.contains("corrupt"), "{message}");
        assert!(!message.contains("leaked-secret"), "{message}");
    }
}

#[test]
fn file_lock_excludes_a_second_store_on_the_same_file() {
    let dir = TempDir::new("lock");
    let path = dir.0.join("tokens.json");
    let first = FileStore::new(&path).lock().unwrap();
    let second = FileStore::new(&path);
    let started = Instant::now();
    let waiter = std::thread::spawn(move || {
        let _held = second.lock().unwrap();
        Instant::now()
    });
    std::thread::sleep(Duration::from_millis(200));
    drop(first);
    let acquired = waiter.join().unwrap();
    assert!(acquired.duration_since(started) >= Duration::from_millis(200));
}

#[test]
fn memory_lock_excludes_and_releases() {
    let store = Arc::new(MemoryStore::with_tokens(tokens(1)));
    let first = store.lock().unwrap();
    let started = Instant::now();
    let waiter = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            let _held = store.lock().unwrap();
            Instant::now()
        })
    };
    std::thread::sleep(Duration::from_millis(150));
    drop(first);
    assert!(waiter.join().unwrap().duration_since(started) >= Duration::from_millis(150));
    drop(store.lock().unwrap());
    assert_eq!(store.load().unwrap(), Some(tokens(1)));
}

/// Issue 9, hole 10: a symlink planted at the lock path is never followed, and the lock file is private.
#[cfg(unix)]
#[test]
fn lock_file_is_private_and_never_followed_through_a_symlink() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = TempDir::new("lock-symlink");
    let store = FileStore::new(dir.0.join("tokens.json"));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // A symlink to a file that does not exist: following it would create the attacker's file.
    let planted = dir.0.join("created-through-the-link");
    symlink(&planted, store.lock_path()).unwrap();
    let err = store.lock().unwrap_err();
    assert_eq!(err.kind(), "storage", "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!planted.exists(), "nothing is created through the link");

    // A symlink to an existing file: it is neither locked nor touched.
    let victim = dir.0.join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::remove_file(store.lock_path()).unwrap();
    symlink(&victim, store.lock_path()).unwrap();
    assert_eq!(store.lock().unwrap_err().kind(), "storage");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");

    // A fresh lock file is created 0600; an existing one with a wider mode is narrowed.
    std::fs::remove_file(store.lock_path()).unwrap();
    drop(store.lock().unwrap());
    assert_eq!(mode(&store.lock_path()), 0o600);
    std::fs::set_permissions(store.lock_path(), std::fs::Permissions::from_mode(0o666)).unwrap();
    drop(store.lock().unwrap());
    assert_eq!(mode(&store.lock_path()), 0o600);

    // Something else than a regular file (a directory) is refused too.
    std::fs::remove_file(store.lock_path()).unwrap();
    std::fs::create_dir(store.lock_path()).unwrap();
    assert_eq!(store.lock().unwrap_err().kind(), "storage");
}
