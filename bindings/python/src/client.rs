//! `Client` (the batteries' blocking driver) and the token stores, with the GIL released on every network call.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authflow::{HttpClient, LoginOptions, TokenStore, UreqTransport};
use authflow_core as core;
use pyo3::prelude::*;

use crate::convert;
use crate::errors::{self, to_py};
use crate::flow::Flow;
use crate::types::{ClientConfig, HttpRequest, HttpResponse, TokenSet};

/// One keep-alive connection pool for every `Client` and `Flow` of the process.
pub fn shared_transport() -> Arc<dyn HttpClient> {
    static TRANSPORT: OnceLock<Arc<UreqTransport>> = OnceLock::new();
    let transport = TRANSPORT.get_or_init(|| Arc::new(UreqTransport::new()));
    Arc::clone(transport) as Arc<dyn HttpClient>
}

/// Tokens in memory, lost when the process ends (the default store).
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct MemoryStore {
    inner: Arc<authflow::MemoryStore>,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl MemoryStore {
    #[new]
    #[pyo3(signature = (tokens = None))]
    fn new(tokens: Option<PyRef<'_, TokenSet>>) -> MemoryStore {
        let inner = match tokens {
            Some(t) => authflow::MemoryStore::with_tokens(t.inner.clone()),
            None => authflow::MemoryStore::new(),
        };
        MemoryStore { inner: Arc::new(inner) }
    }

    /// The stored tokens, or None.
    fn load(&self) -> PyResult<Option<TokenSet>> {
        load(self.inner.as_ref())
    }

    /// Replaces the stored tokens.
    fn save(&self, tokens: PyRef<'_, TokenSet>) -> PyResult<()> {
        self.inner.save(&tokens.inner).map_err(to_py)
    }

    /// Forgets the stored tokens.
    fn clear(&self) -> PyResult<()> {
        self.inner.clear().map_err(to_py)
    }

    fn __repr__(&self) -> String {
        "MemoryStore()".to_owned()
    }
}

/// Tokens in a JSON file (mode 0600, replaced atomically, locked for refreshes across processes).
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct FileStore {
    inner: Arc<authflow::FileStore>,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl FileStore {
    #[new]
    fn new(path: PathBuf) -> FileStore {
        FileStore { inner: Arc::new(authflow::FileStore::new(path)) }
    }

    /// The token file.
    #[getter]
    fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// The stored tokens, or None.
    fn load(&self) -> PyResult<Option<TokenSet>> {
        load(self.inner.as_ref())
    }

    /// Replaces the stored tokens (atomically).
    fn save(&self, tokens: PyRef<'_, TokenSet>) -> PyResult<()> {
        self.inner.save(&tokens.inner).map_err(to_py)
    }

    /// Deletes the token file.
    fn clear(&self) -> PyResult<()> {
        self.inner.clear().map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!("FileStore({:?})", self.inner.path().display().to_string())
    }
}

fn load(store: &dyn TokenStore) -> PyResult<Option<TokenSet>> {
    Ok(store.load().map_err(to_py)?.map(|inner| TokenSet { inner }))
}

/// A blocking OAuth client: login, token storage, automatic refresh and authorized API calls.
///
/// Every network call releases the GIL. One `Client` may be used from many threads at
/// once: concurrent callers that find the tokens due share one refresh.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct Client {
    inner: authflow::Client,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Client {
    /// `store` is None (in memory), a path (a `FileStore`), a `MemoryStore` or a `FileStore`.
    #[new]
    #[pyo3(signature = (config, store = None))]
    fn new(config: PyRef<'_, ClientConfig>, store: Option<&Bound<'_, PyAny>>) -> PyResult<Client> {
        let store: Arc<dyn TokenStore> = match store.filter(|s| !s.is_none()) {
            None => Arc::new(authflow::MemoryStore::new()),
            Some(s) => {
                if let Ok(m) = s.cast::<MemoryStore>() {
                    Arc::clone(&m.get().inner) as Arc<dyn TokenStore>
                } else if let Ok(f) = s.cast::<FileStore>() {
                    Arc::clone(&f.get().inner) as Arc<dyn TokenStore>
                } else {
                    let path: PathBuf = s
                        .extract()
                        .map_err(|_| errors::config("store must be None, a path, a MemoryStore or a FileStore"))?;
                    Arc::new(authflow::FileStore::new(path))
                }
            }
        };
        let inner = authflow::Client::new((*config.inner).clone()).with_transport(shared_transport()).with_store(store);
        Ok(Client { inner })
    }

    /// The configuration.
    #[getter]
    fn config(&self) -> ClientConfig {
        ClientConfig { inner: Arc::new(self.inner.config().clone()) }
    }

    /// Starts a login. Send the user to `flow.authorization_url`, then call `finish`.
    fn start(&self) -> PyResult<Flow> {
        let flow = self.inner.start().map_err(to_py)?;
        Ok(Flow::wrap(flow))
    }

    /// Checks the redirect back, exchanges the code (once, never retried) and stores the tokens.
    fn finish(&self, py: Python<'_>, mut flow: PyRefMut<'_, Flow>, url: &str) -> PyResult<TokenSet> {
        let flow = flow.inner_mut();
        let client = &self.inner;
        py.detach(|| client.finish(flow, url)).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// Exchanges the code of a flow whose callback was checked, and stores the tokens.
    fn exchange(&self, py: Python<'_>, mut flow: PyRefMut<'_, Flow>) -> PyResult<TokenSet> {
        let flow = flow.inner_mut();
        let client = &self.inner;
        py.detach(|| client.exchange(flow)).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// The whole loopback login: listens on the redirect URI, announces the authorization URL
    /// (to `on_url`, else standard error; and the browser if `open_browser`), waits up to
    /// `timeout` seconds for the redirect back, exchanges the code and stores the tokens.
    #[pyo3(signature = (open_browser = false, timeout = 300.0, on_url = None))]
    fn login(&self, py: Python<'_>, open_browser: bool, timeout: f64, on_url: Option<Py<PyAny>>) -> PyResult<TokenSet> {
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|_| errors::config("timeout must be >= 0"))?;
        let mut options = LoginOptions::new().open_browser(open_browser).timeout(timeout);
        if let Some(callback) = on_url {
            options = options.on_url(move |url| {
                Python::attach(|py| {
                    if let Err(e) = callback.call1(py, (url,)) {
                        e.write_unraisable(py, Some(callback.bind(py)));
                    }
                })
            });
        }
        let client = &self.inner;
        py.detach(|| client.login(options)).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// The stored tokens as they are (no refresh), or None.
    #[getter]
    fn tokens(&self) -> PyResult<Option<TokenSet>> {
        Ok(self.inner.tokens().map_err(to_py)?.map(|inner| TokenSet { inner }))
    }

    /// Refreshes now; callers racing with it share one refresh.
    fn refresh(&self, py: Python<'_>) -> PyResult<TokenSet> {
        let client = &self.inner;
        py.detach(|| client.refresh()).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// Tokens fit for use: the stored ones, refreshed first when due.
    fn valid_tokens(&self, py: Python<'_>) -> PyResult<TokenSet> {
        let client = &self.inner;
        py.detach(|| client.valid_tokens()).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// GETs an API path (resolved against the provider's API base) or an absolute URL, with
    /// the access token (refreshing first when due, and once more on a 401).
    fn get(&self, py: Python<'_>, path_or_url: &str) -> PyResult<HttpResponse> {
        let client = &self.inner;
        py.detach(|| client.get(path_or_url)).map(|inner| HttpResponse { inner }).map_err(to_py)
    }

    /// Sends an API request with the access token (refreshing as `get` does).
    fn send(&self, py: Python<'_>, request: PyRef<'_, HttpRequest>) -> PyResult<HttpResponse> {
        let client = &self.inner;
        let request = request.inner.clone();
        py.detach(|| client.send(request)).map(|inner| HttpResponse { inner }).map_err(to_py)
    }

    /// Revokes `"refresh_token"` (and clears the store) or `"access_token"` at the provider (RFC 7009).
    #[pyo3(signature = (kind = "refresh_token"))]
    fn revoke(&self, py: Python<'_>, kind: &str) -> PyResult<()> {
        let kind: core::TokenKind = convert::enum_value("token kind", kind)?;
        let client = &self.inner;
        py.detach(|| client.revoke(kind)).map_err(to_py)
    }

    /// Forgets the stored tokens locally, without telling the provider.
    fn sign_out(&self) -> PyResult<()> {
        self.inner.sign_out().map_err(to_py)
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!("Client(provider={:?}, client_id={:?})", c.provider.name, c.client_id)
    }
}
