//! `Flow`: the core's state machine, sans-IO, plus `exchange()`/`refresh()`/`send()` over the Rust transport.

use std::sync::Arc;

use authflow::{Client as RustClient, MemoryStore as RustMemoryStore};
use authflow_core as core;
use pyo3::prelude::*;

use crate::client::shared_transport;
use crate::convert::{self, json_to_py, now_or};
use crate::errors::{self, to_py};
use crate::types::{ClientConfig, HttpRequest, HttpResponse, TokenSet};

/// One authorization-code login and the tokens it yields.
///
/// `state` names the core state: `AwaitingCallback -> Exchanging -> Authorized <-> Refreshing`.
/// The sans-IO methods hand out `HttpRequest`s and take `(status, headers, body)` back;
/// `exchange()`, `refresh()` and `send()` do the HTTP through the Rust transport instead,
/// with the GIL released.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native")]
pub struct Flow {
    inner: core::Flow,
}

fn response(
    status: u16,
    headers: Option<&Bound<'_, PyAny>>,
    body: Option<&Bound<'_, PyAny>>,
) -> PyResult<core::HttpResponse> {
    Ok(core::HttpResponse { status, headers: convert::headers(headers)?, body: convert::body(body)? })
}

impl Flow {
    /// Wraps a core flow.
    pub fn wrap(inner: core::Flow) -> Flow {
        Flow { inner }
    }

    /// The core flow, for the batteries client.
    pub fn inner_mut(&mut self) -> &mut core::Flow {
        &mut self.inner
    }

    /// A batteries client holding this flow's tokens, sharing the process-wide transport.
    fn client(&self) -> RustClient {
        let client = RustClient::new(self.inner.config().clone()).with_transport(shared_transport());
        match self.inner.tokens() {
            Some(tokens) => client.with_store(Arc::new(RustMemoryStore::with_tokens(tokens.clone()))),
            None => client,
        }
    }

    /// Adopts the tokens a batteries client ended with (after a refresh or a retried request).
    fn adopt(&mut self, client: &RustClient) -> PyResult<()> {
        if let Some(tokens) = client.tokens().map_err(to_py)? {
            if self.inner.tokens() != Some(&tokens) {
                self.inner = core::Flow::from_tokens(Arc::new(self.inner.config().clone()), tokens);
            }
        }
        Ok(())
    }
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Flow {
    /// Starts a login: fresh state, PKCE verifier (and nonce with `openid`). `now` defaults to
    /// the clock; `seed` is for tests only (a deterministic generator, never in production).
    #[staticmethod]
    #[pyo3(signature = (config, now = None, seed = None))]
    fn start(config: PyRef<'_, ClientConfig>, now: Option<u64>, seed: Option<u64>) -> PyResult<Flow> {
        let config = Arc::clone(&config.inner);
        let inner = match seed {
            Some(seed) => core::Flow::start_with(config, now_or(now), &mut core::SeededEntropy::new(seed)),
            None => core::Flow::start(config, now_or(now)),
        };
        inner.map(|inner| Flow { inner }).map_err(to_py)
    }

    /// Resumes a flow saved with `to_json()`, with the same configuration.
    #[staticmethod]
    fn from_json(config: PyRef<'_, ClientConfig>, json: &str) -> PyResult<Flow> {
        core::Flow::from_json(Arc::clone(&config.inner), json).map(|inner| Flow { inner }).map_err(to_py)
    }

    /// A flow that already holds tokens (state `Authorized`).
    #[staticmethod]
    fn from_tokens(config: PyRef<'_, ClientConfig>, tokens: PyRef<'_, TokenSet>) -> Flow {
        Flow { inner: core::Flow::from_tokens(Arc::clone(&config.inner), tokens.inner.clone()) }
    }

    /// The state as JSON. It holds secrets (verifier, tokens): keep it server-side or encrypted.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The name of the current state: `AwaitingCallback`, `Exchanging`, `Authorized` or `Refreshing`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state_name().as_str()
    }

    /// The `state` parameter of the authorization URL while awaiting the callback (a key
    /// for finding this pending flow when the browser comes back), else None.
    #[getter]
    fn state_param(&self) -> Option<String> {
        match self.inner.state() {
            core::State::AwaitingCallback { csrf, .. } => Some(csrf.expose().to_owned()),
            _ => None,
        }
    }

    /// The URL to send the user's browser to (only while awaiting the callback).
    #[getter]
    fn authorization_url(&self) -> PyResult<String> {
        self.inner.authorization_url().map_err(to_py)
    }

    /// The tokens, when authorized or refreshing.
    #[getter]
    fn tokens(&self) -> Option<TokenSet> {
        self.inner.tokens().map(|t| TokenSet { inner: t.clone() })
    }

    /// Deviations tolerated in the last token response, as dicts (`{"warning": "token_type_case", "got": "bearer"}`).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(self.inner.warnings()).map_err(|e| errors::config(e.to_string()))?;
        json_to_py(py, &value)
    }

    /// The configuration.
    #[getter]
    fn config(&self) -> ClientConfig {
        ClientConfig { inner: Arc::new(self.inner.config().clone()) }
    }

    /// Takes the redirect back (full URL, or path and query). Checks redirect target, `error=`,
    /// `state`, `iss`, `code`. Next: `exchange_request()` or `exchange()`.
    fn callback(&mut self, url: &str) -> PyResult<()> {
        self.inner.callback(url).map_err(to_py)
    }

    /// The code exchange request, handed out exactly once. Next: send it, then `exchange_response`.
    fn exchange_request(&mut self) -> PyResult<HttpRequest> {
        self.inner.exchange_request().map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// Takes the token endpoint's answer to the exchange.
    #[pyo3(signature = (status, headers = None, body = None, now = None))]
    fn exchange_response(
        &mut self,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<u64>,
    ) -> PyResult<()> {
        let response = response(status, headers, body)?;
        self.inner.exchange_response(&response, now_or(now)).map_err(to_py)
    }

    /// The refresh request. Next: send it, then `refresh_response` or `request_failed`.
    fn refresh_request(&mut self) -> PyResult<HttpRequest> {
        self.inner.refresh_request().map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// Takes the token endpoint's answer to the refresh. On error the old tokens stay.
    #[pyo3(signature = (status, headers = None, body = None, now = None))]
    fn refresh_response(
        &mut self,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<u64>,
    ) -> PyResult<()> {
        let response = response(status, headers, body)?;
        self.inner.refresh_response(&response, now_or(now)).map_err(to_py)
    }

    /// Reports that the last request got no answer (a refresh falls back to the old tokens).
    fn request_failed(&mut self) -> PyResult<()> {
        self.inner.request_failed().map_err(to_py)
    }

    /// Adds the access token to an API request (Bearer header, or `?access_token=`).
    fn authorize(&self, request: PyRef<'_, HttpRequest>) -> PyResult<HttpRequest> {
        self.inner.authorize(request.inner.clone()).map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// An RFC 7009 revocation request for `"access_token"` or `"refresh_token"`.
    #[pyo3(signature = (kind = "refresh_token"))]
    fn revocation_request(&self, kind: &str) -> PyResult<HttpRequest> {
        let kind = convert::enum_value("token kind", kind)?;
        self.inner.revocation_request(kind).map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// True when the access token expires at or before `now + skew`.
    #[pyo3(signature = (now = None, skew = 0))]
    fn expires_within(&self, now: Option<u64>, skew: u64) -> bool {
        self.inner.expires_within(now_or(now), skew)
    }

    /// True when the access token should be refreshed before use.
    #[pyo3(signature = (now = None))]
    fn refresh_due(&self, now: Option<u64>) -> bool {
        self.inner.refresh_due(now_or(now))
    }

    /// Exchanges the code through the Rust transport (GIL released). Returns the tokens.
    fn exchange(&mut self, py: Python<'_>) -> PyResult<TokenSet> {
        let client = self.client();
        let flow = &mut self.inner;
        py.detach(|| client.exchange(flow)).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    /// Refreshes now through the Rust transport (GIL released). Returns the new tokens.
    fn refresh(&mut self, py: Python<'_>) -> PyResult<TokenSet> {
        let client = self.client();
        let fresh = py.detach(|| client.refresh()).map_err(to_py)?;
        self.adopt(&client)?;
        Ok(TokenSet { inner: fresh })
    }

    /// Sends an API request with the access token (refreshing first when due, and once on a 401).
    fn send(&mut self, py: Python<'_>, request: PyRef<'_, HttpRequest>) -> PyResult<HttpResponse> {
        let client = self.client();
        let request = request.inner.clone();
        let answer = py.detach(|| client.send(request)).map_err(to_py)?;
        self.adopt(&client)?;
        Ok(HttpResponse { inner: answer })
    }

    /// GETs an API path (resolved against the provider's API base) or an absolute URL.
    fn get(&mut self, py: Python<'_>, path_or_url: &str) -> PyResult<HttpResponse> {
        let client = self.client();
        let answer = py.detach(|| client.get(path_or_url)).map_err(to_py)?;
        self.adopt(&client)?;
        Ok(HttpResponse { inner: answer })
    }

    fn __repr__(&self) -> String {
        format!("Flow(state={:?}, provider={:?})", self.inner.state_name().as_str(), self.inner.config().provider.name)
    }
}
