//! `Provider` (presets and specs built by authflow-bind, discovery, overrides) and `ClientConfig`.

use std::sync::Arc;

use authflow_bind::{transport, ClientSpec, Preset, ProviderSpec, Scopes};
use napi::bindgen_prelude::{ClassInstance, Either, JsObjectValue, Object};
use napi::Env;

use crate::convert::{self, JsHttpResponse};
use crate::error::{self, OrThrow};
use crate::promise::{self, Promised};
use crate::v8_objects::Request;

/// Options of `Provider.sipgate()`: the real login.sipgate.com and api.sipgate.com unless pointed elsewhere.
#[napi(object)]
#[derive(Default)]
pub struct SipgateOptions {
    /// `third-party` (default) or `sipgate-apps`.
    pub realm: Option<String>,
    /// Another login server (the devserver); the API stays api.sipgate.com unless `apiBase` is set.
    pub login_base: Option<String>,
    /// Another API base.
    pub api_base: Option<String>,
}

/// Options of `Provider.speakap()`: exactly one of a `network`, the `networkAuthUrl` the app's
/// URL received, or every endpoint (`authUrl`, `tokenUrl`, `apiBase`).
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

fn build(env: &Env, spec: ProviderSpec) -> napi::Result<Provider> {
    Ok(Provider { inner: spec.build().or_throw(env)? })
}

#[napi]
impl Provider {
    /// sipgate's Keycloak (realm `third-party` by default).
    #[napi(factory)]
    pub fn sipgate(env: Env, options: Option<SipgateOptions>) -> napi::Result<Provider> {
        let o = options.unwrap_or_default();
        let spec = ProviderSpec {
            realm: o.realm,
            login_base: o.login_base,
            api_base: o.api_base,
            ..ProviderSpec::new(Preset::Sipgate)
        };
        build(&env, spec)
    }

    /// Speakap: `{network}`, `{networkAuthUrl}` or `{authUrl, tokenUrl, apiBase}`.
    #[napi(factory)]
    pub fn speakap(env: Env, options: SpeakapOptions) -> napi::Result<Provider> {
        let SpeakapOptions { network, network_auth_url, auth_url, token_url, api_base } = options;
        let spec = ProviderSpec {
            network,
            network_auth_url,
            auth_url,
            token_url,
            api_base,
            ..ProviderSpec::new(Preset::Speakap)
        };
        build(&env, spec)
    }

    /// A Phorge (or Phabricator) instance.
    #[napi(factory)]
    pub fn phorge(env: Env, base_url: String) -> napi::Result<Provider> {
        build(&env, ProviderSpec { base_url: Some(base_url), ..ProviderSpec::new(Preset::Phorge) })
    }

    /// A plain RFC 6749 provider (client_secret_basic, Bearer, PKCE S256).
    #[napi(factory)]
    pub fn generic(env: Env, authorization_endpoint: String, token_endpoint: String) -> napi::Result<Provider> {
        let spec = ProviderSpec {
            authorization_endpoint: Some(authorization_endpoint),
            token_endpoint: Some(token_endpoint),
            ..ProviderSpec::new(Preset::Generic)
        };
        build(&env, spec)
    }

    /// A provider from a spec as data, keys as in the conformance vectors:
    /// `{preset: 'sipgate', login_base: ..., require_iss: true}`.
    #[napi(factory, ts_args_type = "spec: Record<string, unknown>")]
    pub fn from_spec(env: Env, spec: serde_json::Value) -> napi::Result<Provider> {
        build(&env, ProviderSpec::from_value(spec).or_throw(&env)?)
    }

    /// The discovery request for `issuer` (sans-IO: send it, then `Provider.fromDiscovery`);
    /// `kind` is `'openid'` (`/.well-known/openid-configuration`, the default) or `'oauth'` (RFC 8414).
    #[napi(ts_args_type = "issuer: string, kind?: 'openid' | 'oauth'", ts_return_type = "HttpRequest")]
    pub fn discovery_request(env: Env, issuer: String, kind: Option<String>) -> napi::Result<Request> {
        transport::discovery(&issuer, kind.as_deref()).map(convert::request_out).or_throw(&env)
    }

    /// A provider from the answer to the discovery request; the document must name `issuer` exactly.
    #[napi(factory)]
    pub fn from_discovery(env: Env, issuer: String, response: JsHttpResponse) -> napi::Result<Provider> {
        let response = convert::response_in(&env, response)?;
        Ok(Provider { inner: authflow::provider_from_discovery(&issuer, &response).or_throw(&env)? })
    }

    /// Fetches the issuer's metadata (OpenID Connect, then RFC 8414 when that is 404) and builds the provider.
    #[napi(ts_return_type = "Promise<Provider>")]
    pub fn discover(env: &Env, issuer: String) -> napi::Result<Promised<'_, authflow::Provider, Provider>> {
        promise::short(env, transport::discover(issuer), |inner| Provider { inner })
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

    /// The API base for relative paths in `get()`.
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
    pub fn client_auth(&self) -> &'static str {
        self.inner.client_auth.as_str()
    }

    /// Sets the client authentication method.
    #[napi(setter, ts_args_type = "auth: 'client_secret_basic' | 'client_secret_post' | 'none'")]
    pub fn set_client_auth(&mut self, env: Env, auth: String) -> napi::Result<()> {
        self.inner.client_auth = auth.parse().or_throw(&env)?;
        Ok(())
    }

    /// `s256`, `plain` or `disabled`.
    #[napi(getter, ts_return_type = "'s256' | 'plain' | 'disabled'")]
    pub fn pkce(&self) -> &'static str {
        self.inner.pkce.as_str()
    }

    /// Sets the PKCE method.
    #[napi(setter, ts_args_type = "pkce: 's256' | 'plain' | 'disabled'")]
    pub fn set_pkce(&mut self, env: Env, pkce: String) -> napi::Result<()> {
        self.inner.pkce = pkce.parse().or_throw(&env)?;
        Ok(())
    }

    /// `header` (Bearer) or `query` (`?access_token=`, Phorge).
    #[napi(getter, ts_return_type = "'header' | 'query'")]
    pub fn token_placement(&self) -> &'static str {
        self.inner.token_placement.as_str()
    }

    /// Sets where the access token goes.
    #[napi(setter, ts_args_type = "placement: 'header' | 'query'")]
    pub fn set_token_placement(&mut self, env: Env, placement: String) -> napi::Result<()> {
        self.inner.token_placement = placement.parse().or_throw(&env)?;
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

/// A client registration at a provider: the provider, client id, redirect URI, secret, scopes.
#[napi]
pub struct ClientConfig {
    pub(crate) inner: Arc<authflow::ClientConfig>,
}

fn configure(env: &Env, spec: &ClientSpec, provider: &Provider) -> napi::Result<ClientConfig> {
    Ok(ClientConfig { inner: Arc::new(spec.build(provider.inner.clone()).or_throw(env)?) })
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
        let needed = |name: &str| text(name)?.ok_or_else(|| error::config(&env, format!("ClientConfig needs {name}")));
        let mut extra_params = Vec::new();
        if let Some(params) = options.get::<Object>("params")? {
            for name in Object::keys(&params)? {
                extra_params.push((name.clone(), params.get_named_property::<String>(&name)?));
            }
        }
        let spec = ClientSpec {
            client_id: needed("clientId")?,
            redirect_uri: needed("redirectUri")?,
            client_secret: text("clientSecret")?,
            scopes: options.get::<Either<Vec<String>, String>>("scopes")?.map(|s| match s {
                Either::A(many) => Scopes::Many(many),
                Either::B(one) => Scopes::One(one),
            }),
            nonce: options.get::<bool>("nonce")?,
            extra_params,
        };
        configure(&env, &spec, &provider)
    }

    /// A configuration from a spec as data, keys as in the conformance vectors:
    /// `{client_id, redirect_uri, client_secret?, scopes?, nonce?, extra_params?: [[name, value], ...]}`.
    #[napi(factory, ts_args_type = "provider: Provider, spec: Record<string, unknown>")]
    pub fn from_spec(env: Env, provider: &Provider, spec: serde_json::Value) -> napi::Result<ClientConfig> {
        configure(&env, &ClientSpec::from_value(spec).or_throw(&env)?, provider)
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

    /// Whether a client secret is configured (the secret itself is never shown).
    #[napi(getter)]
    pub fn has_secret(&self) -> bool {
        self.inner.client_secret.is_some()
    }

    /// A copy of the provider.
    #[napi(getter)]
    pub fn provider(&self) -> Provider {
        Provider { inner: self.inner.provider.clone() }
    }
}
