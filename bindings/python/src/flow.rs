//! `Flow`: authflow-bind's flow handle, sans-IO, plus `exchange()`/`refresh()`/`send()`/`get()`
//! over the Rust transport.

use std::sync::Arc;

use authflow_bind::{values, FlowHandle, Randomness};
use pyo3::prelude::*;

use crate::convert::{self, to_python};
use crate::errors::to_py;
use crate::types::{ClientConfig, HttpRequest, HttpResponse, TokenSet};

/// One authorization-code login and the tokens it yields.
///
/// `state` names the core state: `AwaitingCallback -> Exchanging -> Authorized <-> Refreshing`.
/// The sans-IO methods hand out `HttpRequest`s and take `(status, headers, body)` back;
/// `exchange()`, `refresh()`, `send()` and `get()` do the HTTP through the Rust transport
/// instead, with the GIL released. A flow may be shared between threads: while a request
/// for it is out, every other call on it raises `InvalidStateError`.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct Flow {
    pub handle: Arc<FlowHandle>,
}

fn response(
    status: i64,
    headers: Option<&Bound<'_, PyAny>>,
    body: Option<&Bound<'_, PyAny>>,
) -> PyResult<authflow::HttpResponse> {
    values::http_response(status, convert::headers(headers)?, convert::body(body)?).map_err(to_py)
}

fn request(result: Result<authflow::HttpRequest, authflow::Error>) -> PyResult<HttpRequest> {
    result.map(|inner| HttpRequest { inner }).map_err(to_py)
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Flow {
    /// Starts a login: fresh state, PKCE verifier (and nonce with `openid`). `now` defaults to
    /// the clock; `seed` is for tests only (a deterministic generator, never in production).
    #[staticmethod]
    #[pyo3(signature = (config, now = None, seed = None))]
    fn start(config: PyRef<'_, ClientConfig>, now: Option<f64>, seed: Option<f64>) -> PyResult<Flow> {
        let randomness = seed.map_or(Randomness::Os, Randomness::Seeded);
        let handle = FlowHandle::start(Arc::clone(&config.inner), now, randomness).map_err(to_py)?;
        Ok(Flow { handle })
    }

    /// Resumes a flow saved with `to_json()`, with the same configuration.
    #[staticmethod]
    fn from_json(config: PyRef<'_, ClientConfig>, json: &str) -> PyResult<Flow> {
        FlowHandle::from_json(Arc::clone(&config.inner), json).map(|handle| Flow { handle }).map_err(to_py)
    }

    /// A flow that already holds tokens (state `Authorized`).
    #[staticmethod]
    fn from_tokens(config: PyRef<'_, ClientConfig>, tokens: PyRef<'_, TokenSet>) -> Flow {
        Flow { handle: FlowHandle::from_tokens(Arc::clone(&config.inner), tokens.inner.clone()) }
    }

    /// The state as JSON. It holds secrets (verifier, tokens): keep it server-side or encrypted.
    fn to_json(&self) -> String {
        self.handle.to_json()
    }

    /// The name of the current state: `AwaitingCallback`, `Exchanging`, `Authorized` or `Refreshing`.
    #[getter]
    fn state(&self) -> &'static str {
        self.handle.state_name().as_str()
    }

    /// The `state` parameter of the authorization URL while awaiting the callback (a key
    /// for finding this pending flow when the browser comes back), else None.
    #[getter]
    fn state_param(&self) -> Option<String> {
        self.handle.state_param()
    }

    /// The URL to send the user's browser to (only while awaiting the callback).
    #[getter]
    fn authorization_url(&self) -> PyResult<String> {
        self.handle.authorization_url().map_err(to_py)
    }

    /// The tokens, when authorized or refreshing.
    #[getter]
    fn tokens(&self) -> Option<TokenSet> {
        self.handle.tokens().map(|inner| TokenSet { inner })
    }

    /// Deviations tolerated in the last token response, as dicts (`{"warning": "token_type_case", "got": "bearer"}`).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.handle.warnings())
    }

    /// The configuration.
    #[getter]
    fn config(&self) -> ClientConfig {
        ClientConfig { inner: self.handle.config() }
    }

    /// Takes the redirect back (full URL, or path and query). Checks redirect target, `error=`,
    /// `state`, `iss`, `code`. Next: `exchange_request()` or `exchange()`.
    fn callback(&self, url: &str) -> PyResult<()> {
        self.handle.callback(url).map_err(to_py)
    }

    /// The code exchange request, handed out exactly once. Next: send it, then `exchange_response`.
    fn exchange_request(&self) -> PyResult<HttpRequest> {
        request(self.handle.exchange_request())
    }

    /// Takes the token endpoint's answer to the exchange (`status` 100..=599).
    #[pyo3(signature = (status, headers = None, body = None, now = None))]
    fn exchange_response(
        &self,
        status: i64,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
    ) -> PyResult<()> {
        self.handle.exchange_response(&response(status, headers, body)?, now).map_err(to_py)
    }

    /// The refresh request. Next: send it, then `refresh_response` or `request_failed`.
    fn refresh_request(&self) -> PyResult<HttpRequest> {
        request(self.handle.refresh_request())
    }

    /// Takes the token endpoint's answer to the refresh. On error the old tokens stay.
    #[pyo3(signature = (status, headers = None, body = None, now = None))]
    fn refresh_response(
        &self,
        status: i64,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
    ) -> PyResult<()> {
        self.handle.refresh_response(&response(status, headers, body)?, now).map_err(to_py)
    }

    /// Reports that the last request got no answer (a refresh falls back to the old tokens).
    fn request_failed(&self) -> PyResult<()> {
        self.handle.request_failed().map_err(to_py)
    }

    /// Adds the access token to an API request (Bearer header, or `?access_token=`).
    fn authorize(&self, request: PyRef<'_, HttpRequest>) -> PyResult<HttpRequest> {
        self::request(self.handle.authorize(request.inner.clone()))
    }

    /// An RFC 7009 revocation request for `"access_token"` or `"refresh_token"` (the default).
    #[pyo3(signature = (kind = None))]
    fn revocation_request(&self, kind: Option<&str>) -> PyResult<HttpRequest> {
        request(self.handle.revocation_request(kind))
    }

    /// True when the access token expires at or before `now + skew`.
    #[pyo3(signature = (now = None, skew = None))]
    fn expires_within(&self, now: Option<f64>, skew: Option<f64>) -> PyResult<bool> {
        self.handle.expires_within(now, skew).map_err(to_py)
    }

    /// True when the access token should be refreshed before use.
    #[pyo3(signature = (now = None))]
    fn refresh_due(&self, now: Option<f64>) -> PyResult<bool> {
        self.handle.refresh_due(now).map_err(to_py)
    }

    /// Exchanges the code through the Rust transport (GIL released). Returns the tokens.
    fn exchange(&self, py: Python<'_>) -> PyResult<TokenSet> {
        let job = self.handle.exchange().map_err(to_py)?;
        convert::run(py, job).map(|inner| TokenSet { inner })
    }

    /// Refreshes now through the Rust transport (GIL released). Returns the new tokens.
    fn refresh(&self, py: Python<'_>) -> PyResult<TokenSet> {
        let job = self.handle.refresh().map_err(to_py)?;
        convert::run(py, job).map(|inner| TokenSet { inner })
    }

    /// Sends an API request with the access token (refreshing first when due, and once on a 401).
    fn send(&self, py: Python<'_>, request: PyRef<'_, HttpRequest>) -> PyResult<HttpResponse> {
        let job = self.handle.send(request.inner.clone()).map_err(to_py)?;
        convert::run(py, job).map(|inner| HttpResponse { inner })
    }

    /// GETs an API path (resolved against the provider's API base) or an absolute URL, as `send`.
    fn get(&self, py: Python<'_>, path_or_url: String) -> PyResult<HttpResponse> {
        let job = self.handle.get(path_or_url).map_err(to_py)?;
        convert::run(py, job).map(|inner| HttpResponse { inner })
    }

    fn __repr__(&self) -> String {
        format!("Flow(state={:?}, provider={:?})", self.state(), self.handle.config().provider.name)
    }
}
