//! Where a client keeps its tokens, chosen the same way in every binding.

use std::path::PathBuf;
use std::sync::Arc;

use authflow::{Error, FileStore, MemoryStore, TokenSet, TokenStore};

/// A token store choice: in memory (the default), a file, or a store object the host already holds.
#[derive(Clone, Default)]
pub enum StoreSpec {
    /// Tokens in memory, lost with the process.
    #[default]
    Memory,
    /// A JSON file: mode 0600, replaced atomically, locked for refreshes across processes.
    File(PathBuf),
    /// A store handle the host made ([`StoreHandle`]), shared with it.
    Handle(StoreHandle),
}

impl StoreSpec {
    /// A store named by a string: `memory`, or the path of a token file.
    pub fn named(name: &str) -> StoreSpec {
        if name == "memory" {
            StoreSpec::Memory
        } else {
            StoreSpec::File(PathBuf::from(name))
        }
    }

    /// Opens the store.
    pub fn open(self) -> Arc<dyn TokenStore> {
        match self {
            StoreSpec::Memory => Arc::new(MemoryStore::new()),
            StoreSpec::File(path) => Arc::new(FileStore::new(path)),
            StoreSpec::Handle(handle) => handle.store,
        }
    }
}

impl std::fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Memory => f.write_str("Memory"),
            StoreSpec::File(path) => f.debug_tuple("File").field(path).finish(),
            StoreSpec::Handle(handle) => f.debug_tuple("Handle").field(handle).finish(),
        }
    }
}

/// A store the host holds as an object (`MemoryStore()`, `FileStore(path)`) and can hand to clients.
#[derive(Clone)]
pub struct StoreHandle {
    store: Arc<dyn TokenStore>,
    path: Option<PathBuf>,
}

impl StoreHandle {
    /// A memory store, empty or holding `tokens`.
    pub fn memory(tokens: Option<TokenSet>) -> StoreHandle {
        let store = match tokens {
            Some(t) => MemoryStore::with_tokens(t),
            None => MemoryStore::new(),
        };
        StoreHandle { store: Arc::new(store), path: None }
    }

    /// A file store at `path`.
    pub fn file(path: impl Into<PathBuf>) -> StoreHandle {
        let path = path.into();
        StoreHandle { store: Arc::new(FileStore::new(path.clone())), path: Some(path) }
    }

    /// The token file, for file stores.
    pub fn path(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    /// The stored tokens, or none.
    pub fn load(&self) -> Result<Option<TokenSet>, Error> {
        self.store.load()
    }

    /// Replaces the stored tokens.
    pub fn save(&self, tokens: &TokenSet) -> Result<(), Error> {
        self.store.save(tokens)
    }

    /// Forgets the stored tokens.
    pub fn clear(&self) -> Result<(), Error> {
        self.store.clear()
    }
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "FileStore({:?})", path.display().to_string()),
            None => f.write_str("MemoryStore()"),
        }
    }
}
