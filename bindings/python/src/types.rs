//! The value types: `Provider`, `ClientConfig`, `HttpRequest`, `HttpResponse` and `TokenSet`.

use std::sync::Arc;

use authflow_core as core;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{self, json_to_py, now_or};
use crate::errors::{self, to_py};

/// An authorization server: its endpoints and quirks. Build one with a preset.
///
/// The overrides (`issuer`, `require_iss`, `client_auth`, `pkce`, `token_placement`,
/// `api_accept`, `revocation_endpoint`) can be set after construction.
#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pyclass)]
#[pyclass(module = "authflow._native")]
#[derive(Clone)]
pub struct Provider {
    pub inner: core::Provider,
}

fn provider(p: Result<core::Provider, core::Error>) -> PyResult<Provider> {
    p.map(|inner| Provider { inner }).map_err(to_py)
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    }
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl Provider {
    /// sipgate's Keycloak (client_secret_post, rotating refresh tokens, API at api.sipgate.com/v2).
    ///
    /// `login_base` and `api_base` point it elsewhere (the devserver, a proxy).
    #[staticmethod]
    #[pyo3(signature = (realm = "third-party", login_base = None, api_base = None))]
    fn sipgate(realm: &str, login_base: Option<&str>, api_base: Option<&str>) -> PyResult<Provider> {
        let preset = core::Provider::sipgate(realm).map_err(to_py)?;
        match (login_base, api_base) {
            (None, None) => Ok(Provider { inner: preset }),
            (Some(login), api) => {
                let default_api = preset.api_base.as_ref().map(|u| u.to_string()).unwrap_or_default();
                provider(core::Provider::sipgate_at(login, api.unwrap_or(&default_api), realm))
            }
            (None, Some(api)) => {
                let mut inner = preset;
                inner.api_base = Some(core::endpoint("api base", &with_slash(api)).map_err(to_py)?);
                Ok(Provider { inner })
            }
        }
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
        match (network, network_auth_url, auth_url, token_url, api_base) {
            (Some(n), None, None, None, None) => provider(core::Provider::speakap(n)),
            (None, Some(u), None, None, None) => provider(core::Provider::speakap_from_network_auth_url(u)),
            (None, None, Some(a), Some(t), Some(api)) => provider(core::Provider::speakap_at(a, t, api)),
            _ => Err(errors::config(
                "speakap needs exactly one of: network, network_auth_url, or auth_url + token_url + api_base",
            )),
        }
    }

    /// A Phorge (or Phabricator) instance: client_secret_post, the token as `?access_token=`.
    #[staticmethod]
    fn phorge(base_url: &str) -> PyResult<Provider> {
        provider(core::Provider::phorge(base_url))
    }

    /// A plain RFC 6749 provider: client_secret_basic, Bearer tokens, PKCE S256.
    #[staticmethod]
    fn generic(authorization_endpoint: &str, token_endpoint: &str) -> PyResult<Provider> {
        provider(core::Provider::generic(authorization_endpoint, token_endpoint))
    }

    /// The discovery request for `issuer` (sans-IO): send it, then call `from_discovery`.
    ///
    /// `kind` is `"openid"` (`/.well-known/openid-configuration`) or `"oauth"` (RFC 8414).
    #[staticmethod]
    #[pyo3(signature = (issuer, kind = "openid"))]
    fn discovery_request(issuer: &str, kind: &str) -> PyResult<HttpRequest> {
        let kind = match kind {
            "openid" => core::DiscoveryKind::OpenId,
            "oauth" => core::DiscoveryKind::OAuth,
            other => return Err(errors::config(format!("unknown discovery kind {other:?} (openid or oauth)"))),
        };
        core::discovery_request(issuer, kind).map(|inner| HttpRequest { inner }).map_err(to_py)
    }

    /// A provider from the answer to the discovery request (RFC 8414 / OpenID Discovery), sans-IO.
    #[staticmethod]
    #[pyo3(signature = (issuer, status, headers = None, body = None))]
    fn from_discovery(
        issuer: &str,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Provider> {
        let response = core::HttpResponse { status, headers: convert::headers(headers)?, body: convert::body(body)? };
        provider(core::provider_from_discovery(issuer, &response))
    }

    /// Fetches the issuer's discovery document (OpenID, then RFC 8414) through the Rust transport.
    #[staticmethod]
    fn discover(py: Python<'_>, issuer: &str) -> PyResult<Provider> {
        let transport = crate::client::shared_transport();
        provider(py.detach(|| authflow::discover(transport.as_ref(), issuer)))
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
            value.map(|v| core::endpoint("revocation endpoint", v)).transpose().map_err(to_py)?;
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
    fn client_auth(&self) -> String {
        convert::enum_name(&self.inner.client_auth)
    }

    #[setter]
    fn set_client_auth(&mut self, value: &str) -> PyResult<()> {
        self.inner.client_auth = convert::enum_value("client_auth", value)?;
        Ok(())
    }

    /// `s256`, `plain` or `disabled`.
    #[getter]
    fn pkce(&self) -> String {
        convert::enum_name(&self.inner.pkce)
    }

    #[setter]
    fn set_pkce(&mut self, value: &str) -> PyResult<()> {
        self.inner.pkce = convert::enum_value("pkce method", &value.to_ascii_lowercase())?;
        Ok(())
    }

    /// `header` (Bearer) or `query` (`?access_token=`, Phorge).
    #[getter]
    fn token_placement(&self) -> String {
        convert::enum_name(&self.inner.token_placement)
    }

    #[setter]
    fn set_token_placement(&mut self, value: &str) -> PyResult<()> {
        self.inner.token_placement = convert::enum_value("token_placement", value)?;
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
    pub inner: Arc<core::ClientConfig>,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl ClientConfig {
    /// `scopes` is a list or a space-separated string; `params` adds authorization request
    /// parameters (a dict or a list of pairs); `nonce` overrides the default (on with `openid`).
    #[new]
    #[pyo3(signature = (provider, client_id, redirect_uri, client_secret = None, scopes = None, params = None, nonce = None))]
    fn new(
        provider: PyRef<'_, Provider>,
        client_id: &str,
        redirect_uri: &str,
        client_secret: Option<String>,
        scopes: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        nonce: Option<bool>,
    ) -> PyResult<ClientConfig> {
        let mut config = core::ClientConfig::new(provider.inner.clone(), client_id, redirect_uri).map_err(to_py)?;
        if let Some(secret) = client_secret {
            config = config.with_secret(secret);
        }
        if let Some(scopes) = scopes.filter(|s| !s.is_none()) {
            let list: Vec<String> = match scopes.extract::<String>() {
                Ok(one) => vec![one],
                Err(_) => {
                    scopes.extract().map_err(|_| errors::config("scopes must be a string or a list of strings"))?
                }
            };
            config = config.with_scopes(list);
        }
        for (name, value) in
            convert::headers(params).map_err(|_| errors::config("params must be name/value strings"))?
        {
            config = config.with_param(&name, &value);
        }
        if let Some(nonce) = nonce {
            config.nonce = nonce;
        }
        Ok(ClientConfig { inner: Arc::new(config) })
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
    pub inner: core::HttpRequest,
}

#[cfg_attr(feature = "stub-gen", pyo3_stub_gen::derive::gen_stub_pymethods)]
#[pymethods]
impl HttpRequest {
    #[new]
    #[pyo3(signature = (method, url, headers = None, body = None))]
    fn new(
        method: &str,
        url: String,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<HttpRequest> {
        let method = convert::enum_value("http method", &method.to_ascii_uppercase())?;
        Ok(HttpRequest {
            inner: core::HttpRequest { method, url, headers: convert::headers(headers)?, body: convert::body(body)? },
        })
    }

    /// A GET request for `url`.
    #[staticmethod]
    fn get(url: String) -> HttpRequest {
        HttpRequest { inner: core::HttpRequest::get(url) }
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
    pub inner: core::HttpResponse,
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

    /// The body parsed as JSON; `ValueError` if it is not JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value: serde_json::Value = serde_json::from_slice(&self.inner.body).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "response body is not json ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        json_to_py(py, &value)
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
    pub inner: core::TokenSet,
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

    /// True when the access token expires at or before `now + skew` (now defaults to the clock).
    #[pyo3(signature = (now = None, skew = 0))]
    fn expires_within(&self, now: Option<u64>, skew: u64) -> bool {
        self.inner.expires_within(now_or(now), skew)
    }

    /// True when the access token should be refreshed before use.
    #[pyo3(signature = (now = None))]
    fn refresh_due(&self, now: Option<u64>) -> bool {
        self.inner.refresh_due(now_or(now))
    }

    /// Seconds left until expiry, if known.
    #[pyo3(signature = (now = None))]
    fn expires_in(&self, now: Option<u64>) -> Option<u64> {
        self.inner.expires_in(now_or(now))
    }

    /// The token set as a dict in the core's JSON shape (holds secrets).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(&self.inner).map_err(|e| errors::config(e.to_string()))?;
        json_to_py(py, &value)
    }

    /// The token set as JSON (holds secrets: keep it private).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| errors::config(e.to_string()))
    }

    /// A token set from `to_json()` output.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<TokenSet> {
        serde_json::from_str(json).map(|inner| TokenSet { inner }).map_err(|e| {
            errors::config(format!("not a saved token set (error at line {} column {})", e.line(), e.column()))
        })
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
