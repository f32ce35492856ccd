//! The value types: `Provider`, `ClientConfig`, `HttpRequest`, `HttpResponse` and `TokenSet`.

use std::sync::Arc;

use authflow_bind::spec::{ClientSpec, Preset, ProviderSpec, Scopes};
use authflow_bind::{transport, values};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{self, json_to_py, to_python};
use crate::errors::{self, to_py};

/// An authorization server: its endpoints and quirks. Build one with a preset.
///
/// The overrides (`issuer`, `require_iss`, `client_auth`, `pkce`, `token_placement`,
/// `api_accept`, `revocation_endpoint`) can be set after construction.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native")]
#[derive(Clone)]
pub struct Provider {
    pub inner: authflow::Provider,
}

fn build(spec: ProviderSpec) -> PyResult<Provider> {
    spec.build().map(|inner| Provider { inner }).map_err(to_py)
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Provider {
    /// sipgate's Keycloak (client_secret_post, rotating refresh tokens, API at api.sipgate.com/v2).
    ///
    /// `realm` defaults to `third-party`. `login_base` and `api_base` point it elsewhere (the
    /// devserver, a proxy), each alone or both.
    #[staticmethod]
    #[pyo3(signature = (realm = None, login_base = None, api_base = None))]
    fn sipgate(realm: Option<&str>, login_base: Option<&str>, api_base: Option<&str>) -> PyResult<Provider> {
        build(ProviderSpec {
            realm: owned(realm),
            login_base: owned(login_base),
            api_base: owned(api_base),
            ..ProviderSpec::new(Preset::Sipgate)
        })
    }

    /// Speakap: by `network` subdomain, by the `network_auth_url` the app received, or with
    /// every endpoint given (`auth_url`, `token_url`, `api_base`).
    #[staticmethod]
    #[pyo3(signature = (network = None, network_auth_url = None, auth_url = None, token_url = None, api_base = None))]
    fn speakap(
        network: Option<&str>,
        network_auth_url: Option<&str>,
        auth_url: Option<&str>,
        token_url: Option<&str>,
        api_base: Option<&str>,
    ) -> PyResult<Provider> {
        build(ProviderSpec {
            network: owned(network),
            network_auth_url: owned(network_auth_url),
            auth_url: owned(auth_url),
            token_url: owned(token_url),
            api_base: owned(api_base),
            ..ProviderSpec::new(Preset::Speakap)
        })
    }

    /// A Phorge (or Phabricator) instance: client_secret_post, the token as `?access_token=`.
    #[staticmethod]
    fn phorge(base_url: &str) -> PyResult<Provider> {
        build(ProviderSpec { base_url: Some(base_url.to_owned()), ..ProviderSpec::new(Preset::Phorge) })
    }

    /// A plain RFC 6749 provider: client_secret_basic, Bearer tokens, PKCE S256.
    #[staticmethod]
    fn generic(authorization_endpoint: &str, token_endpoint: &str) -> PyResult<Provider> {
        build(ProviderSpec {
            authorization_endpoint: Some(authorization_endpoint.to_owned()),
            token_endpoint: Some(token_endpoint.to_owned()),
            ..ProviderSpec::new(Preset::Generic)
        })
    }

    /// A provider from its spec as data, the shape of the conformance vectors' `provider`:
    /// `{"preset": "sipgate", "login_base": ..., "require_iss": True}`. The preset's own keys
    /// (sipgate: `realm`, `login_base`, `api_base`; speakap: `network`, `network_auth_url`,
    /// `auth_url`, `token_url`, `api_base`; phorge: `base_url`; generic: `authorization_endpoint`,
    /// `token_endpoint`; discovery: `issuer`, `document`), then any of the overrides.
    #[staticmethod]
    fn from_spec(spec: &Bound<'_, PyAny>) -> PyResult<Provider> {
        build(ProviderSpec::from_value(convert::py_to_json(spec, "provider spec")?).map_err(to_py)?)
    }

    /// The discovery request for `issuer` (sans-IO): send it, then call `from_discovery`.
    ///
    /// `kind` is `"openid"` (`/.well-known/openid-configuration`, the default) or `"oauth"` (RFC 8414).
    #[staticmethod]
    #[pyo3(signature = (issuer, kind = None))]
    fn discovery_request(issuer: &str, kind: Option<&str>) -> PyResult<HttpRequest> {
        transport::discovery(issuer, kind).map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// A provider from the answer to the discovery request (RFC 8414 / OpenID Discovery), sans-IO.
    #[staticmethod]
    #[pyo3(signature = (issuer, status, headers = None, body = None))]
    fn from_discovery(
        issuer: &str,
        status: i64,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Provider> {
        let response =
            values::http_response(status, convert::headers(headers)?, convert::body(body)?).map_err(to_py)?;
        authflow::provider_from_discovery(issuer, &response).map(|inner| Provider { inner }).map_err(to_py)
    }

    /// Fetches the issuer's metadata through the Rust transport (GIL released): the OpenID
    /// document, then the RFC 8414 one when that is not found.
    #[staticmethod]
    fn discover(py: Python<'_>, issuer: String) -> PyResult<Provider> {
        convert::run(py, transport::discover(issuer)).map(|inner| Provider { inner })
    }

    /// A short name for messages (`sipgate`, `speakap`, `phorge`, `generic`).
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Where the user's browser goes.
    #[getter]
    fn authorization_endpoint(&self) -> String {
        self.inner.authorization_endpoint.to_string()
    }

    /// Where codes and refresh tokens are exchanged.
    #[getter]
    fn token_endpoint(&self) -> String {
        self.inner.token_endpoint.to_string()
    }

    /// The OpenID Connect userinfo endpoint, if known.
    #[getter]
    fn userinfo_endpoint(&self) -> Option<String> {
        self.inner.userinfo_endpoint.as_ref().map(|u| u.to_string())
    }

    /// The base that relative API paths (`client.get("account")`) resolve against.
    #[getter]
    fn api_base(&self) -> Option<String> {
        self.inner.api_base.as_ref().map(|u| u.to_string())
    }

    /// The RFC 7009 revocation endpoint, if the provider has one.
    #[getter]
    fn revocation_endpoint(&self) -> Option<String> {
        self.inner.revocation_endpoint.as_ref().map(|u| u.to_string())
    }

    #[setter]
    fn set_revocation_endpoint(&mut self, value: Option<&str>) -> PyResult<()> {
        self.inner.revocation_endpoint =
            value.map(|v| authflow::endpoint("revocation endpoint", v)).transpose().map_err(to_py)?;
        Ok(())
    }

    /// The issuer identifier checked against `iss` on the callback (RFC 9207).
    #[getter]
    fn issuer(&self) -> Option<String> {
        self.inner.issuer.clone()
    }

    #[setter]
    fn set_issuer(&mut self, value: Option<String>) {
        self.inner.issuer = value;
    }

    /// Reject a callback without `iss`.
    #[getter]
    fn require_iss(&self) -> bool {
        self.inner.require_iss
    }

    #[setter]
    fn set_require_iss(&mut self, value: bool) {
        self.inner.require_iss = value;
    }

    /// `client_secret_basic`, `client_secret_post` or `none`.
    #[getter]
    fn client_auth(&self) -> &'static str {
        self.inner.client_auth.as_str()
    }

    #[setter]
    fn set_client_auth(&mut self, value: &str) -> PyResult<()> {
        self.inner.client_auth = value.parse().map_err(to_py)?;
        Ok(())
    }

    /// `s256`, `plain` or `disabled`.
    #[getter]
    fn pkce(&self) -> &'static str {
        self.inner.pkce.as_str()
    }

    #[setter]
    fn set_pkce(&mut self, value: &str) -> PyResult<()> {
        self.inner.pkce = value.parse().map_err(to_py)?;
        Ok(())
    }

    /// `header` (Bearer) or `query` (`?access_token=`, Phorge).
    #[getter]
    fn token_placement(&self) -> &'static str {
        self.inner.token_placement.as_str()
    }

    #[setter]
    fn set_token_placement(&mut self, value: &str) -> PyResult<()> {
        self.inner.token_placement = value.parse().map_err(to_py)?;
        Ok(())
    }

    /// The `Accept` header the API insists on (Speakap's vendor type), if any.
    #[getter]
    fn api_accept(&self) -> Option<String> {
        self.inner.api_accept.clone()
    }

    #[setter]
    fn set_api_accept(&mut self, value: Option<String>) {
        self.inner.api_accept = value;
    }

    fn __repr__(&self) -> String {
        format!("Provider(name={:?}, token_endpoint={:?})", self.inner.name, self.inner.token_endpoint.as_str())
    }
}

/// One OAuth client at one provider: client id, optional secret, exact redirect URI, scopes.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct ClientConfig {
    pub inner: Arc<authflow::ClientConfig>,
}

impl ClientConfig {
    fn build(spec: ClientSpec, provider: &Provider) -> PyResult<ClientConfig> {
        spec.build(provider.inner.clone()).map(|config| ClientConfig { inner: Arc::new(config) }).map_err(to_py)
    }
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl ClientConfig {
    /// `scopes` is a list or a space-separated string; `params` adds authorization request
    /// parameters (a dict or a list of pairs); `nonce` overrides the default (on with `openid`).
    /// The whole configuration is checked here (`ConfigError`).
    #[new]
    #[pyo3(signature = (provider, client_id, redirect_uri, client_secret = None, scopes = None, params = None, nonce = None))]
    fn new(
        provider: PyRef<'_, Provider>,
        client_id: String,
        redirect_uri: String,
        client_secret: Option<String>,
        scopes: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        nonce: Option<bool>,
    ) -> PyResult<ClientConfig> {
        let scopes = match scopes.filter(|s| !s.is_none()) {
            None => None,
            Some(s) => Some(match s.extract::<String>() {
                Ok(one) => Scopes::One(one),
                Err(_) => Scopes::Many(
                    s.extract().map_err(|_| errors::config("scopes must be a string or a list of strings"))?,
                ),
            }),
        };
        let spec = ClientSpec {
            client_id,
            redirect_uri,
            client_secret,
            scopes,
            nonce,
            extra_params: convert::pairs(params, "params")?,
        };
        ClientConfig::build(spec, &provider)
    }

    /// A configuration from its spec as data, the shape of the conformance vectors' `client`:
    /// `{"client_id": ..., "redirect_uri": ..., "client_secret": ..., "scopes": [...],
    /// "nonce": ..., "extra_params": [[name, value], ...]}`.
    #[staticmethod]
    fn from_spec(provider: PyRef<'_, Provider>, spec: &Bound<'_, PyAny>) -> PyResult<ClientConfig> {
        let spec = ClientSpec::from_value(convert::py_to_json(spec, "client spec")?).map_err(to_py)?;
        ClientConfig::build(spec, &provider)
    }

    /// A copy of the provider.
    #[getter]
    fn provider(&self) -> Provider {
        Provider { inner: self.inner.provider.clone() }
    }

    /// The client id.
    #[getter]
    fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }

    /// The exact redirect URI.
    #[getter]
    fn redirect_uri(&self) -> String {
        self.inner.redirect_uri.to_string()
    }

    /// The scopes requested.
    #[getter]
    fn scopes(&self) -> Vec<String> {
        self.inner.scopes.clone()
    }

    /// Whether a client secret is configured (the secret itself is never shown).
    #[getter]
    fn has_secret(&self) -> bool {
        self.inner.client_secret.is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "ClientConfig(provider={:?}, client_id={:?}, redirect_uri={:?}, scopes={:?}, client_secret={})",
            self.inner.provider.name,
            self.inner.client_id,
            self.inner.redirect_uri.as_str(),
            self.inner.scopes,
            if self.inner.client_secret.is_some() { "'***'" } else { "None" }
        )
    }
}

/// A request to send (sans-IO output), or an API request to authorize. Send it as is, never following redirects.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct HttpRequest {
    pub inner: authflow::HttpRequest,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl HttpRequest {
    /// `method` is `GET` or `POST` (any case).
    #[new]
    #[pyo3(signature = (method, url, headers = None, body = None))]
    fn new(
        method: &str,
        url: String,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<HttpRequest> {
        let inner = values::http_request(Some(method), url, convert::headers(headers)?, convert::body(body)?);
        inner.map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// A GET request for `url`.
    #[staticmethod]
    fn get(url: String) -> HttpRequest {
        HttpRequest { inner: authflow::HttpRequest::get(url) }
    }

    /// `GET` or `POST`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.as_str()
    }

    /// The absolute URL.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    /// Header names and values, in order.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }

    /// The body (a form for token requests).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The first header with this name (any case), or None.
    fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }

    fn __repr__(&self) -> String {
        let url = self.inner.url.split(['?', '#']).next().unwrap_or_default();
        let names: Vec<&str> = self.inner.headers.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "HttpRequest(method={:?}, url={url:?}, headers={names:?}, body=<{} bytes>)",
            self.inner.method.as_str(),
            self.inner.body.len()
        )
    }
}

/// A response the Rust transport received (`Client.get`, `Client.send`).
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct HttpResponse {
    pub inner: authflow::HttpResponse,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl HttpResponse {
    /// The status code.
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status
    }

    /// Header names and values, in order.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }

    /// The body as received (decompressed).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    #[getter]
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.inner.body).into_owned()
    }

    /// True for a 2xx status.
    #[getter]
    fn ok(&self) -> bool {
        (200..300).contains(&self.inner.status)
    }

    /// The first header with this name (any case), or None.
    fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }

    /// The body parsed as JSON; `UnexpectedResponse` if it is not JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &values::response_json(&self.inner).map_err(to_py)?)
    }

    fn __repr__(&self) -> String {
        format!(
            "HttpResponse(status={}, content_type={:?}, body=<{} bytes>)",
            self.inner.status,
            self.inner.header("content-type").unwrap_or(""),
            self.inner.body.len()
        )
    }
}

/// The tokens an authorization server granted. `repr` never shows a token.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native", frozen)]
pub struct TokenSet {
    pub inner: authflow::TokenSet,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl TokenSet {
    /// The access token.
    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token.expose()
    }

    /// The refresh token, if one was granted (or kept from before).
    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token.as_ref().map(|t| t.expose())
    }

    /// The OpenID Connect ID token, if sent (not validated).
    #[getter]
    fn id_token(&self) -> Option<&str> {
        self.inner.id_token.as_ref().map(|t| t.expose())
    }

    /// `Bearer`.
    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }

    /// Unix time the access token expires; None when the server did not say.
    #[getter]
    fn expires_at(&self) -> Option<u64> {
        self.inner.expires_at
    }

    /// Unix time the token response was received.
    #[getter]
    fn issued_at(&self) -> u64 {
        self.inner.issued_at
    }

    /// The granted scope, space-separated, if sent.
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }

    /// Every other field of the token response, as sent.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &serde_json::Value::Object(self.inner.extra.clone()))
    }

    /// True when the access token expires at or before `now + skew` (`now` defaults to the clock).
    #[pyo3(signature = (now = None, skew = None))]
    fn expires_within(&self, now: Option<f64>, skew: Option<f64>) -> PyResult<bool> {
        let now = values::unix_time(now).map_err(to_py)?;
        let skew = values::whole_seconds("skew", skew.unwrap_or(0.0)).map_err(to_py)?;
        Ok(self.inner.expires_within(now, skew))
    }

    /// True when the access token should be refreshed before use.
    #[pyo3(signature = (now = None))]
    fn refresh_due(&self, now: Option<f64>) -> PyResult<bool> {
        Ok(self.inner.refresh_due(values::unix_time(now).map_err(to_py)?))
    }

    /// Seconds left until expiry, if known.
    #[pyo3(signature = (now = None))]
    fn expires_in(&self, now: Option<f64>) -> PyResult<Option<u64>> {
        Ok(self.inner.expires_in(values::unix_time(now).map_err(to_py)?))
    }

    /// The token set as a dict in the core's JSON shape (holds secrets).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.inner)
    }

    /// The token set as JSON (holds secrets: keep it private).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| errors::config(e.to_string()))
    }

    /// A token set from `to_json()` output.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<TokenSet> {
        values::tokens_from_json(json).map(|inner| TokenSet { inner }).map_err(to_py)
    }

    fn __eq__(&self, other: PyRef<'_, TokenSet>) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        let t = &self.inner;
        let names: Vec<&String> = t.extra.keys().collect();
        format!(
            "TokenSet(access_token='***', token_type={:?}, refresh_token={}, id_token={}, expires_at={}, scope={}, extra={names:?})",
            t.token_type,
            if t.refresh_token.is_some() { "'***'" } else { "None" },
            if t.id_token.is_some() { "'***'" } else { "None" },
            t.expires_at.map_or("None".to_owned(), |e| e.to_string()),
            t.scope.as_ref().map_or("None".to_owned(), |s| format!("{s:?}")),
        )
    }
}
