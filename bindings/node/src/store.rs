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

/// `load`, `save` and `clear`, the same for every store class.
macro_rules! store_methods {
    ($class:ident) => {
        #[napi]
        impl $class {
            /// The stored tokens, or `null`; `ERR_STORAGE` if the store cannot be read.
            #[napi(ts_return_type = "Tokens | null")]
            pub fn load(&self, env: Env) -> napi::Result<TokensOut> {
                Ok(TokensOut(self.handle.load().or_throw(&env)?))
            }

            /// Replaces the stored tokens (a file is written to a temporary file, then renamed over the old one).
            #[napi]
            pub fn save(&self, env: Env, tokens: Tokens) -> napi::Result<()> {
                self.handle.save(&convert::tokens_in(&env, tokens)?).or_throw(&env)
            }

            /// Forgets the stored tokens.
            #[napi]
            pub fn clear(&self, env: Env) -> napi::Result<()> {
                self.handle.clear().or_throw(&env)
            }
        }
    };
}

#[napi]
impl MemoryStore {
    /// An empty store, or one holding `tokens`.
    #[napi(constructor)]
    pub fn new(env: Env, tokens: Option<Tokens>) -> napi::Result<MemoryStore> {
        let tokens = tokens.map(|t| convert::tokens_in(&env, t)).transpose()?;
        Ok(MemoryStore { handle: StoreHandle::memory(tokens) })
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
}

store_methods!(MemoryStore);
store_methods!(FileStore);
