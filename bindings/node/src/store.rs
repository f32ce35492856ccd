//! `MemoryStore` and `FileStore`: token stores as objects, shared with the clients they are given to.

use authflow_bind::StoreHandle;
use napi::Env;

use crate::convert;
use crate::error::OrThrow;
use crate::v8_objects::{Tokens, TokensOut};

/// Tokens in memory, lost with the process; `new MemoryStore(tokens?)`.
#[napi]
pub struct MemoryStore {
    pub(crate) handle: StoreHandle,
}

/// Tokens in a JSON file: mode 0600, replaced atomically, locked across processes for refreshes.
#[napi]
pub struct FileStore {
    pub(crate) handle: StoreHandle,
}

fn load(env: &Env, store: &StoreHandle) -> napi::Result<TokensOut> {
    Ok(TokensOut(store.load().or_throw(env)?))
}

fn save(env: &Env, store: &StoreHandle, tokens: Tokens) -> napi::Result<()> {
    store.save(&convert::tokens_in(env, tokens)?).or_throw(env)
}

#[napi]
impl MemoryStore {
    /// An empty store, or one holding `tokens`.
    #[napi(constructor)]
    pub fn new(env: Env, tokens: Option<Tokens>) -> napi::Result<MemoryStore> {
        let tokens = tokens.map(|t| convert::tokens_in(&env, t)).transpose()?;
        Ok(MemoryStore { handle: StoreHandle::memory(tokens) })
    }

    /// The stored tokens, or `null`.
    #[napi(ts_return_type = "Tokens | null")]
    pub fn load(&self, env: Env) -> napi::Result<TokensOut> {
        load(&env, &self.handle)
    }

    /// Replaces the stored tokens.
    #[napi]
    pub fn save(&self, env: Env, tokens: Tokens) -> napi::Result<()> {
        save(&env, &self.handle, tokens)
    }

    /// Forgets the stored tokens.
    #[napi]
    pub fn clear(&self, env: Env) -> napi::Result<()> {
        self.handle.clear().or_throw(&env)
    }
}

#[napi]
impl FileStore {
    /// A store in the file at `path` (created on the first save).
    #[napi(constructor)]
    pub fn new(path: String) -> FileStore {
        FileStore { handle: StoreHandle::file(path) }
    }

    /// The token file.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.handle.path().unwrap_or_default()
    }

    /// The stored tokens, or `null`; `ERR_STORAGE` if the file cannot be read.
    #[napi(ts_return_type = "Tokens | null")]
    pub fn load(&self, env: Env) -> napi::Result<TokensOut> {
        load(&env, &self.handle)
    }

    /// Replaces the stored tokens (written to a temporary file, then renamed over the old one).
    #[napi]
    pub fn save(&self, env: Env, tokens: Tokens) -> napi::Result<()> {
        save(&env, &self.handle, tokens)
    }

    /// Forgets the stored tokens (removes the file).
    #[napi]
    pub fn clear(&self, env: Env) -> napi::Result<()> {
        self.handle.clear().or_throw(&env)
    }
}
