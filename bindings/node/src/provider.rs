//! `Provider` (presets, discovery, overrides) and `ClientConfig`.

use authflow::{
    discovery_request, provider_from_discovery, ClientAuth, DiscoveryKind, HttpClient, PkceMethod, TokenPlacement,
    UreqTransport,
};
use napi::bindgen_prelude::{AsyncTask, ClassInstance, JsObjectValue, Object};
use napi::{Env, Task};

use crate::convert::{self, JsHttpResponse};
use crate::error::{self, OrThrow};

/// Options of `Provider.sipgate()`; without `loginBase` the real login.sipgate.com is used.
#[napi(object)]
#[derive(Default)]
pub struct SipgateOptions {
    /// `third-party` (default) or `sipgate-apps`.
    pub realm: Option<String>,
    /// Another login server (the devserver); needs `apiBase` too.
    pub login_base: Option<String>,
    /// The API base, e.g. `https://api.sipgate.com/v2`.
    pub api_base: Option<String>,
}

/// Options of `Provider.speakap()`: a `network`, or the `networkAuthUrl` the app's URL received,
/// or every endpoint (`authUrl`, `tokenUrl`, `apiBase`).
#[napi(object)]
#[derive(Default)]
pub struct SpeakapOptions {
    /// The network's subdomain.
    pub network: Option<String>,
    /// The `network_auth_url` query parameter.
    pub network_auth_url: Option<String>,
    /// The authorization endpoint.
    pub auth_url: Option<String>,
    /// The token endpoint.
    pub token_url: Option<String>,
    /// The API base.
    pub api_base: Option<String>,
}

/// An authorization server: endpoints and quirks. Presets for sipgate, Speakap and Phorge.
#[napi]
#[derive(Clone)]
pub struct Provider {
    pub(crate) inner: authflow::Provider,
}

fn parse_enum<T: serde::de::DeserializeOwned>(env: &Env, what: &str, value: &str, allowed: &str) -> napi::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| error::config(env, format!("{what} must be one of {allowed}, got {value:?}")))
}

fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[napi]
impl Provider {
    /// sipgate's Keycloak (realm `third-party` by default).
    #[napi(factory)]
    pub fn sipgate(env: Env, options: Option<SipgateOptions>) -> napi::Result<Provider> {
        let o = options.unwrap_or_default();
        let realm = o.realm.as_deref().unwrap_or("third-party");
        let inner = match (&o.login_base, &o.api_base) {
            (None, None) => authflow::Provider::sipgate(realm),
            (Some(login), Some(api)) => authflow::Provider::sipgate_at(login, api, realm),
            _ => return Err(error::config(&env, "sipgate: loginBase and apiBase go together")),
        };
        Ok(Provider { inner: inner.or_throw(&env)? })
    }

    /// Speakap: `{network}`, `{networkAuthUrl}` or `{authUrl, tokenUrl, apiBase}`.
    #[napi(factory)]
    pub fn speakap(env: Env, options: SpeakapOptions) -> napi::Result<Provider> {
        let inner = match options {
            SpeakapOptions { network: Some(n), network_auth_url: None, auth_url: None, token_url: None, .. } => {
                authflow::Provider::speakap(&n)
            }
            SpeakapOptions { network: None, network_auth_url: Some(u), auth_url: None, token_url: None, .. } => {
                authflow::Provider::speakap_from_network_auth_url(&u)
            }
            SpeakapOptions {
                network: None,
                network_auth_url: None,
                auth_url: Some(a),
                token_url: Some(t),
                api_base: Some(b),
            } => authflow::Provider::speakap_at(&a, &t, &b),
            _ => {
                return Err(error::config(
                    &env,
                    "speakap: give one of {network}, {networkAuthUrl} or {authUrl, tokenUrl, apiBase}",
                ))
            }
        };
        Ok(Provider { inner: inner.or_throw(&env)? })
    }

    /// A Phorge (or Phabricator) instance.
    #[napi(factory)]
    pub fn phorge(env: Env, base_url: String) -> napi::Result<Provider> {
        Ok(Provider { inner: authflow::Provider::phorge(&base_url).or_throw(&env)? })
    }

    /// A plain RFC 6749 provider (client_secret_basic, Bearer, PKCE S256).
    #[napi(factory)]
    pub fn generic(env: Env, authorization_endpoint: String, token_endpoint: String) -> napi::Result<Provider> {
        Ok(Provider { inner: authflow::Provider::generic(&authorization_endpoint, &token_endpoint).or_throw(&env)? })
    }

    /// The OpenID discovery request for `issuer` (sans-IO: send it, then `Provider.fromDiscovery`).
    #[napi(ts_return_type = "HttpRequest")]
    pub fn discovery_request(env: Env, issuer: String) -> napi::Result<crate::fast::Request> {
        Ok(convert::request_out(discovery_request(&issuer, DiscoveryKind::OpenId).or_throw(&env)?))
    }

    /// A provider from the answer to the discovery request; the document must name `issuer` exactly.
    #[napi(factory)]
    pub fn from_discovery(env: Env, issuer: String, response: JsHttpResponse) -> napi::Result<Provider> {
        let response = convert::response_in(&env, response)?;
        Ok(Provider { inner: provider_from_discovery(&issuer, &response).or_throw(&env)? })
    }

    /// Fetches `{issuer}/.well-known/openid-configuration` off the main thread and builds the provider.
    #[napi(ts_return_type = "Promise<Provider>")]
    pub fn discover(issuer: String) -> AsyncTask<Discover> {
        AsyncTask::new(Discover { issuer })
    }

    /// A short name: `sipgate`, `speakap`, `phorge`, `generic`.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Where the user's browser goes.
    #[napi(getter)]
    pub fn authorization_endpoint(&self) -> String {
        self.inner.authorization_endpoint.to_string()
    }

    /// Where codes and refresh tokens are exchanged.
    #[napi(getter)]
    pub fn token_endpoint(&self) -> String {
        self.inner.token_endpoint.to_string()
    }

    /// The userinfo endpoint, if known.
    #[napi(getter)]
    pub fn userinfo_endpoint(&self) -> Option<String> {
        self.inner.userinfo_endpoint.as_ref().map(|u| u.to_string())
    }

    /// The API base for relative paths in `Client.get()`.
    #[napi(getter)]
    pub fn api_base(&self) -> Option<String> {
        self.inner.api_base.as_ref().map(|u| u.to_string())
    }

    /// The RFC 7009 revocation endpoint, if any.
    #[napi(getter)]
    pub fn revocation_endpoint(&self) -> Option<String> {
        self.inner.revocation_endpoint.as_ref().map(|u| u.to_string())
    }

    /// Sets or clears the revocation endpoint.
    #[napi(setter)]
    pub fn set_revocation_endpoint(&mut self, env: Env, url: Option<String>) -> napi::Result<()> {
        self.inner.revocation_endpoint =
            url.map(|u| authflow::endpoint("revocation endpoint", &u)).transpose().or_throw(&env)?;
        Ok(())
    }

    /// The issuer checked against `iss` on callbacks (RFC 9207), if any.
    #[napi(getter)]
    pub fn issuer(&self) -> Option<String> {
        self.inner.issuer.clone()
    }

    /// Sets or clears the issuer.
    #[napi(setter)]
    pub fn set_issuer(&mut self, issuer: Option<String>) {
        self.inner.issuer = issuer;
    }

    /// Whether a callback without `iss` is refused.
    #[napi(getter)]
    pub fn require_iss(&self) -> bool {
        self.inner.require_iss
    }

    /// Refuse callbacks without `iss`.
    #[napi(setter)]
    pub fn set_require_iss(&mut self, require: bool) {
        self.inner.require_iss = require;
    }

    /// `client_secret_basic`, `client_secret_post` or `none`.
    #[napi(getter, ts_return_type = "'client_secret_basic' | 'client_secret_post' | 'none'")]
    pub fn client_auth(&self) -> String {
        wire(&self.inner.client_auth)
    }

    /// Sets the client authentication method.
    #[napi(setter, ts_args_type = "auth: 'client_secret_basic' | 'client_secret_post' | 'none'")]
    pub fn set_client_auth(&mut self, env: Env, auth: String) -> napi::Result<()> {
        self.inner.client_auth =
            parse_enum::<ClientAuth>(&env, "clientAuth", &auth, "client_secret_basic, client_secret_post, none")?;
        Ok(())
    }

    /// `s256`, `plain` or `disabled`.
    #[napi(getter, ts_return_type = "'s256' | 'plain' | 'disabled'")]
    pub fn pkce(&self) -> String {
        wire(&self.inner.pkce)
    }

    /// Sets the PKCE method.
    #[napi(setter, ts_args_type = "pkce: 's256' | 'plain' | 'disabled'")]
    pub fn set_pkce(&mut self, env: Env, pkce: String) -> napi::Result<()> {
        self.inner.pkce = parse_enum::<PkceMethod>(&env, "pkce", &pkce, "s256, plain, disabled")?;
        Ok(())
    }

    /// `header` (Bearer) or `query` (`?access_token=`, Phorge).
    #[napi(getter, ts_return_type = "'header' | 'query'")]
    pub fn token_placement(&self) -> String {
        wire(&self.inner.token_placement)
    }

    /// Sets where the access token goes.
    #[napi(setter, ts_args_type = "placement: 'header' | 'query'")]
    pub fn set_token_placement(&mut self, env: Env, placement: String) -> napi::Result<()> {
        self.inner.token_placement = parse_enum::<TokenPlacement>(&env, "tokenPlacement", &placement, "header, query")?;
        Ok(())
    }

    /// The `Accept` header API requests get (Speakap's vendor type), if any.
    #[napi(getter)]
    pub fn api_accept(&self) -> Option<String> {
        self.inner.api_accept.clone()
    }

    /// Sets or clears the API `Accept` header.
    #[napi(setter)]
    pub fn set_api_accept(&mut self, accept: Option<String>) {
        self.inner.api_accept = accept;
    }
}

/// The discovery request, run on the libuv pool.
pub struct Discover {
    issuer: String,
}

impl Task for Discover {
    type Output = Result<authflow::Provider, authflow::Error>;
    type JsValue = Provider;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let run = || {
            let request = discovery_request(&self.issuer, DiscoveryKind::OpenId)?;
            let response = UreqTransport::new().send(&request)?;
            provider_from_discovery(&self.issuer, &response)
        };
        Ok(run())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Provider> {
        Ok(Provider { inner: output.or_throw(&env)? })
    }
}

/// A client registration at a provider: the provider, client id, redirect URI, secret, scopes.
#[napi]
pub struct ClientConfig {
    pub(crate) inner: std::sync::Arc<authflow::ClientConfig>,
}

#[napi]
impl ClientConfig {
    /// `new ClientConfig({provider, clientId, redirectUri, clientSecret?, scopes?, params?, nonce?})`.
    ///
    /// `scopes` is a list or a space-separated string (`openid` turns the nonce on);
    /// `params` adds authorization request parameters, in order.
    #[napi(
        constructor,
        ts_args_type = "options: { provider: Provider, clientId: string, redirectUri: string, clientSecret?: string, scopes?: string[] | string, params?: Record<string, string>, nonce?: boolean }"
    )]
    pub fn new(env: Env, options: Object) -> napi::Result<ClientConfig> {
        let provider = options
            .get::<ClassInstance<Provider>>("provider")?
            .ok_or_else(|| error::config(&env, "ClientConfig needs a provider (a Provider instance)"))?;
        let text = |name: &str| -> napi::Result<Option<String>> { options.get::<String>(name) };
        let client_id = text("clientId")?.ok_or_else(|| error::config(&env, "ClientConfig needs clientId"))?;
        let redirect = text("redirectUri")?.ok_or_else(|| error::config(&env, "ClientConfig needs redirectUri"))?;
        let mut config = authflow::ClientConfig::new(provider.inner.clone(), &client_id, &redirect).or_throw(&env)?;
        if let Some(secret) = text("clientSecret")? {
            config = config.with_secret(secret);
        }
        match options.get::<napi::bindgen_prelude::Either<Vec<String>, String>>("scopes")? {
            Some(napi::bindgen_prelude::Either::A(list)) => config = config.with_scopes(list),
            Some(napi::bindgen_prelude::Either::B(s)) => config = config.with_scopes([s]),
            None => {}
        }
        if let Some(params) = options.get::<Object>("params")? {
            for name in Object::keys(&params)? {
                let value: String = params.get_named_property(&name)?;
                config = config.with_param(&name, &value);
            }
        }
        if let Some(nonce) = options.get::<bool>("nonce")? {
            config.nonce = nonce;
        }
        Ok(ClientConfig { inner: std::sync::Arc::new(config) })
    }

    /// The client id.
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }

    /// The redirect URI.
    #[napi(getter)]
    pub fn redirect_uri(&self) -> String {
        self.inner.redirect_uri.to_string()
    }

    /// The scopes.
    #[napi(getter)]
    pub fn scopes(&self) -> Vec<String> {
        self.inner.scopes.clone()
    }

    /// A copy of the provider.
    #[napi(getter)]
    pub fn provider(&self) -> Provider {
        Provider { inner: self.inner.provider.clone() }
    }
}
