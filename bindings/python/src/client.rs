//! `Client` (authflow-bind's client handle) and the token stores, with the GIL released on
//! every network call.

use std::path::PathBuf;

use authflow_bind::{ClientHandle, LoginSpec, StoreHandle, StoreSpec};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::convert;
use crate::errors::{self, to_py};
use crate::flow::Flow;
use crate::types::{ClientConfig, HttpRequest, HttpResponse, TokenSet};

/// Tokens in memory, lost when the process ends (what `Client` uses by default). One
/// `MemoryStore` can be handed to several clients, which then share its tokens.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct MemoryStore {
    handle: StoreHandle,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl MemoryStore {
    #[new]
    #[pyo3(signature = (tokens = None))]
    fn new(tokens: Option<PyRef<'_, TokenSet>>) -> MemoryStore {
        MemoryStore { handle: StoreHandle::memory(tokens.map(|t| t.inner.clone())) }
    }

    /// The stored tokens, or None.
    fn load(&self) -> PyResult<Option<TokenSet>> {
        load(&self.handle)
    }

    /// Replaces the stored tokens.
    fn save(&self, tokens: PyRef<'_, TokenSet>) -> PyResult<()> {
        self.handle.save(&tokens.inner).map_err(to_py)
    }

    /// Forgets the stored tokens.
    fn clear(&self) -> PyResult<()> {
        self.handle.clear().map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.handle)
    }
}

/// Tokens in a JSON file (mode 0600, replaced atomically, locked for refreshes across processes).
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct FileStore {
    handle: StoreHandle,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl FileStore {
    #[new]
    fn new(path: PathBuf) -> FileStore {
        FileStore { handle: StoreHandle::file(path) }
    }

    /// The token file.
    #[getter]
    fn path(&self) -> String {
        self.handle.path().unwrap_or_default()
    }

    /// The stored tokens, or None.
    fn load(&self) -> PyResult<Option<TokenSet>> {
        load(&self.handle)
    }

    /// Replaces the stored tokens (atomically).
    fn save(&self, tokens: PyRef<'_, TokenSet>) -> PyResult<()> {
        self.handle.save(&tokens.inner).map_err(to_py)
    }

    /// Deletes the token file.
    fn clear(&self) -> PyResult<()> {
        self.handle.clear().map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.handle)
    }
}

fn load(store: &StoreHandle) -> PyResult<Option<TokenSet>> {
    Ok(store.load().map_err(to_py)?.map(|inner| TokenSet { inner }))
}

/// The `store` argument of `Client`: `"memory"`, a path, a `MemoryStore` or a `FileStore`.
pub struct Store(StoreSpec);

impl<'a, 'py> FromPyObject<'a, 'py> for Store {
    type Error = PyErr;

    fn extract(store: Borrowed<'a, 'py, PyAny>) -> PyResult<Store> {
        if let Ok(memory) = store.cast::<MemoryStore>() {
            return Ok(Store(StoreSpec::Handle(memory.get().handle.clone())));
        }
        if let Ok(file) = store.cast::<FileStore>() {
            return Ok(Store(StoreSpec::Handle(file.get().handle.clone())));
        }
        if let Ok(name) = store.cast::<PyString>() {
            return Ok(Store(StoreSpec::named(&name.to_cow()?)));
        }
        let path: PathBuf = store
            .extract()
            .map_err(|_| errors::config("store must be None, \"memory\", a path, a MemoryStore or a FileStore"))?;
        Ok(Store(StoreSpec::File(path)))
    }
}

/// The `on_url` argument of `Client.login`: anything callable with the URL.
pub struct OnUrl(Py<PyAny>);

impl<'a, 'py> FromPyObject<'a, 'py> for OnUrl {
    type Error = PyErr;

    fn extract(callback: Borrowed<'a, 'py, PyAny>) -> PyResult<OnUrl> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err("must be callable with the authorization url"));
        }
        Ok(OnUrl(callback.to_owned().unbind()))
    }
}

#[cfg(feature = "stub-gen")]
mod stub_types {
    use pyo3_stub_gen::{PyStubType, TypeInfo};

    fn typed(name: &str, imports: &[&str]) -> TypeInfo {
        let mut info = TypeInfo::unqualified(name);
        info.import.extend(imports.iter().map(|&module| module.into()));
        info
    }

    impl PyStubType for super::Store {
        fn type_output() -> TypeInfo {
            typed(
                "typing.Union[builtins.str, os.PathLike[builtins.str], MemoryStore, FileStore]",
                &["builtins", "os", "typing"],
            )
        }
    }

    impl PyStubType for super::OnUrl {
        fn type_output() -> TypeInfo {
            typed("collections.abc.Callable[[builtins.str], object]", &["builtins", "collections.abc"])
        }
    }
}

fn token_set(result: PyResult<authflow::TokenSet>) -> PyResult<TokenSet> {
    result.map(|inner| TokenSet { inner })
}

/// A blocking OAuth client: login, token storage, automatic refresh and authorized API calls.
///
/// Every network call releases the GIL. One `Client` may be used from many threads at
/// once: concurrent callers that find the tokens due share one refresh.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct Client {
    handle: ClientHandle,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Client {
    /// `store` is None or `"memory"` (in memory), a path (a token file), a `MemoryStore` or a `FileStore`.
    #[new]
    #[pyo3(signature = (config, store = None))]
    fn new(config: PyRef<'_, ClientConfig>, store: Option<Store>) -> PyResult<Client> {
        let store = store.map_or(StoreSpec::Memory, |s| s.0);
        Ok(Client { handle: ClientHandle::new((*config.inner).clone(), store) })
    }

    /// The configuration.
    #[getter]
    fn config(&self) -> ClientConfig {
        ClientConfig { inner: std::sync::Arc::new(self.handle.config().clone()) }
    }

    /// Starts a login. Send the user to `flow.authorization_url`, then call `finish`.
    fn start(&self) -> PyResult<Flow> {
        self.handle.start().map(|handle| Flow { handle }).map_err(to_py)
    }

    /// Checks the redirect back, exchanges the code (once, never retried) and stores the tokens.
    fn finish(&self, py: Python<'_>, flow: PyRef<'_, Flow>, url: String) -> PyResult<TokenSet> {
        let job = self.handle.finish(&flow.handle, url).map_err(to_py)?;
        token_set(convert::run(py, job))
    }

    /// Exchanges the code of a flow whose callback was checked, and stores the tokens.
    fn exchange(&self, py: Python<'_>, flow: PyRef<'_, Flow>) -> PyResult<TokenSet> {
        let job = self.handle.exchange(&flow.handle).map_err(to_py)?;
        token_set(convert::run(py, job))
    }

    /// The whole loopback login: listens on the redirect URI, announces the authorization URL
    /// (to `on_url`, else standard error; and the browser if `open_browser`), waits up to
    /// `timeout` seconds (default 300, at most a week) for the redirect back, exchanges the
    /// code and stores the tokens. `on_url` runs on a thread of its own while the login waits,
    /// so it may block until the redirect is answered.
    #[pyo3(signature = (open_browser = false, timeout = None, on_url = None))]
    fn login(
        &self,
        py: Python<'_>,
        open_browser: bool,
        timeout: Option<f64>,
        on_url: Option<OnUrl>,
    ) -> PyResult<TokenSet> {
        let on_url = on_url.map(|OnUrl(callback)| -> Box<dyn Fn(&str) + Send + Sync> {
            Box::new(move |url: &str| {
                Python::attach(|py| {
                    if let Err(e) = callback.call1(py, (url,)) {
                        e.write_unraisable(py, Some(callback.bind(py)));
                    }
                })
            })
        });
        let job = self.handle.login(LoginSpec { open_browser, timeout_seconds: timeout, on_url }).map_err(to_py)?;
        token_set(convert::run(py, job))
    }

    /// The stored tokens as they are (no refresh), or None.
    #[getter]
    fn tokens(&self) -> PyResult<Option<TokenSet>> {
        Ok(self.handle.tokens().map_err(to_py)?.map(|inner| TokenSet { inner }))
    }

    /// The `StorageError` that keeps this client's newest tokens in memory only (the store could
    /// not be written; every later call retries the save), or None.
    #[getter]
    fn storage_warning(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.handle.storage_warning().map(|e| to_py(e).into_value(py).into_any())
    }

    /// Refreshes now; callers who ask while a refresh of this client is under way share it.
    fn refresh(&self, py: Python<'_>) -> PyResult<TokenSet> {
        token_set(convert::run(py, self.handle.refresh()))
    }

    /// Tokens fit for use: the stored ones, refreshed first when due.
    fn valid_tokens(&self, py: Python<'_>) -> PyResult<TokenSet> {
        token_set(convert::run(py, self.handle.valid_tokens()))
    }

    /// GETs an API path (resolved against the provider's API base) or an absolute URL, with
    /// the access token (refreshing first when due, and once more on a 401).
    fn get(&self, py: Python<'_>, path_or_url: String) -> PyResult<HttpResponse> {
        convert::run(py, self.handle.get(path_or_url)).map(|inner| HttpResponse { inner })
    }

    /// Sends an API request with the access token (refreshing as `get` does).
    fn send(&self, py: Python<'_>, request: PyRef<'_, HttpRequest>) -> PyResult<HttpResponse> {
        convert::run(py, self.handle.send(request.inner.clone())).map(|inner| HttpResponse { inner })
    }

    /// Revokes `"refresh_token"` (the default; it also clears the store) or `"access_token"`
    /// at the provider (RFC 7009).
    #[pyo3(signature = (kind = None))]
    fn revoke(&self, py: Python<'_>, kind: Option<&str>) -> PyResult<()> {
        let job = self.handle.revoke(kind).map_err(to_py)?;
        convert::run(py, job)
    }

    /// Forgets the stored tokens locally, without telling the provider.
    fn sign_out(&self, py: Python<'_>) -> PyResult<()> {
        convert::run(py, self.handle.sign_out())
    }

    fn __repr__(&self) -> String {
        let c = self.handle.config();
        format!("Client(provider={:?}, client_id={:?})", c.provider.name, c.client_id)
    }
}
