//! Token stores: where a [`Client`](crate::Client) keeps its tokens, and the lock that makes refreshes single-flight.
//!
//! [`MemoryStore`] keeps them for the life of the process. [`FileStore`] keeps them in a
//! JSON file with mode 0600, replaced atomically (temporary file, fsync, rename, fsync of
//! the directory), so a crash never loses a rotated refresh token, and locks a `.lock`
//! file beside it so that processes sharing the file refresh one at a time. The lock file
//! is opened without following a symlink (see [`open_lock_file`]), with mode 0600.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use authflow_core::{Error, TokenSet};

/// Keeps a token set. Every method may be called from several threads at once.
pub trait TokenStore: Send + Sync {
    /// The stored tokens; `None` when nothing is stored.
    fn load(&self) -> Result<Option<TokenSet>, Error>;
    /// Replaces the stored tokens. Once it returns, the tokens survive a crash (for durable stores).
    fn save(&self, tokens: &TokenSet) -> Result<(), Error>;
    /// Forgets the stored tokens.
    fn clear(&self) -> Result<(), Error>;
    /// Takes the store's exclusive lock, waiting for it; released when the guard drops.
    ///
    /// The client holds it while it reloads, refreshes and saves, so that every holder of
    /// the same store (threads, other clients, other processes) refreshes one at a time.
    fn lock(&self) -> Result<StoreLock, Error>;
}

/// The guard [`TokenStore::lock`] returns; dropping it releases the lock.
#[must_use = "the lock is released when the guard is dropped"]
pub struct StoreLock {
    release: Option<Box<dyn FnOnce() + Send>>,
    _file: Option<File>,
}

impl StoreLock {
    /// A guard for a store that needs no lock.
    pub fn none() -> StoreLock {
        StoreLock { release: None, _file: None }
    }

    /// A guard that runs `release` when dropped.
    pub fn on_release(release: impl FnOnce() + Send + 'static) -> StoreLock {
        StoreLock { release: Some(Box::new(release)), _file: None }
    }

    /// A guard that holds a file locked with [`File::lock`]; closing it releases the lock.
    pub fn file(file: File) -> StoreLock {
        StoreLock { release: None, _file: Some(file) }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl std::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLock").finish_non_exhaustive()
    }
}

/// Tokens in memory, lost when the process ends. The default store.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<Option<TokenSet>>,
    locked: Arc<(Mutex<bool>, Condvar)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that already holds `tokens`.
    pub fn with_tokens(tokens: TokenSet) -> MemoryStore {
        MemoryStore { tokens: Mutex::new(Some(tokens)), ..MemoryStore::default() }
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.tokens.lock().unwrap_or_else(PoisonError::into_inner).is_some();
        f.debug_struct("MemoryStore").field("holds_tokens", &held).finish()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Result<Option<TokenSet>, Error> {
        Ok(self.tokens.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }

    fn save(&self, tokens: &TokenSet) -> Result<(), Error> {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = Some(tokens.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), Error> {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }

    fn lock(&self) -> Result<StoreLock, Error> {
        let (flag, freed) = &*self.locked;
        let mut held = flag.lock().unwrap_or_else(PoisonError::into_inner);
        while *held {
            held = freed.wait(held).unwrap_or_else(PoisonError::into_inner);
        }
        *held = true;
        let locked = Arc::clone(&self.locked);
        Ok(StoreLock::on_release(move || {
            let (flag, freed) = &*locked;
            *flag.lock().unwrap_or_else(PoisonError::into_inner) = false;
            freed.notify_one();
        }))
    }
}

/// Tokens in a JSON file (mode 0600 on Unix), shared safely between processes.
///
/// The file holds one serialized [`TokenSet`]. A missing file is an empty store; a file
/// that cannot be read as a token set is an error naming the file, never an empty store.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path`; the file and its directory are created on the first save.
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    /// The token file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file beside the token file: `<file>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        sibling(&self.path, ".lock")
    }

    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    fn fail(&self, what: &str, e: &io::Error) -> Error {
        Error::Storage { message: format!("cannot {what} token file {}: {e}", self.path.display()) }
    }

    fn write_atomically(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = self.dir();
        create_private_dir(dir)?;
        let tmp = sibling(&self.path, &format!(".tmp.{}.{}", std::process::id(), next_tmp_id()));
        let written = (|| {
            let mut file = private_options().write(true).create_new(true).open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written?;
        sync_dir(dir)
    }
}

impl TokenStore for FileStore {
    fn load(&self) -> Result<Option<TokenSet>, Error> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.fail("read", &e)),
        };
        // Only the position is reported: serde's messages can quote values, and values here are tokens.
        serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::Storage {
            message: format!(
                "token file {} is corrupt ({:?} error at line {} column {}); delete it and sign in again",
                self.path.display(),
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }

    fn save(&self, tokens: &TokenSet) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(tokens)
            .map_err(|e| Error::Storage { message: format!("cannot serialize tokens: {:?}", e.classify()) })?;
        self.write_atomically(&json).map_err(|e| self.fail("write", &e))
    }

    fn clear(&self) -> Result<(), Error> {
        match fs::remove_file(&self.path) {
            Ok(()) => sync_dir(self.dir()).map_err(|e| self.fail("remove", &e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.fail("remove", &e)),
        }
    }

    fn lock(&self) -> Result<StoreLock, Error> {
        let path = self.lock_path();
        let lock_error = |e: io::Error| Error::Storage { message: format!("cannot lock {}: {e}", path.display()) };
        create_private_dir(self.dir()).map_err(lock_error)?;
        // The lock file is never deleted: deleting it would let two processes lock different files.
        let file = open_lock_file(&path).map_err(lock_error)?;
        file.lock().map_err(lock_error)?;
        Ok(StoreLock::file(file))
    }
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn next_tmp_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Opens the lock file, creating it with mode 0600 if needed, without following a symlink:
/// a symlink planted at the lock path could otherwise make the client create or lock a file
/// of the attacker's choosing.
///
/// The standard library has no `O_NOFOLLOW` and this crate takes no `libc` for one flag,
/// so: a new file is created with `O_CREAT | O_EXCL` (`create_new`), which never follows a
/// symlink (POSIX); an existing path must be a regular file by `symlink_metadata`, which
/// does not follow, is then opened without `create` (nothing is created or truncated), and
/// must still be that same file (device and inode) once open, so a symlink swapped in
/// between the check and the open is refused too. A wider mode on an existing lock file
/// is narrowed to 0600 when the file is ours to change.
fn open_lock_file(path: &Path) -> io::Result<File> {
    let refused =
        |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: refusing to follow or lock it"));
    // Another process may create or remove the file between the steps: a few tries settle it.
    for _ in 0..3 {
        match private_options().write(true).create_new(true).open(path) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let before = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if before.file_type().is_symlink() {
            return Err(refused("the lock file is a symbolic link"));
        }
        if !before.file_type().is_file() {
            return Err(refused("the lock file is not a regular file"));
        }
        let file = match OpenOptions::new().write(true).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let opened = file.metadata()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
                return Err(refused("the lock file was replaced while it was opened"));
            }
            if opened.permissions().mode() & 0o077 != 0 {
                // Best effort: a lock file holds nothing, and one of another user's stays usable.
                let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
            }
        }
        if !opened.is_file() {
            return Err(refused("the lock file is not a regular file"));
        }
        return Ok(file);
    }
    Err(io::Error::new(io::ErrorKind::Interrupted, "the lock file kept appearing and disappearing"))
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes a rename in `dir` durable. Only Unix can open a directory for fsync.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}
