//! Providers and clients as data: the specs every binding fills from its own arguments, built and checked once.

use authflow::{
    provider_from_discovery, ClientAuth, ClientConfig, Error, HttpResponse, PkceMethod, Provider, TokenPlacement,
};
use serde::{Deserialize, Deserializer, Serialize};

/// Which preset a [`ProviderSpec`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// sipgate's Keycloak: `realm`, optional `login_base` and `api_base`.
    Sipgate,
    /// Speakap: `network`, or `network_auth_url`, or `auth_url` + `token_url` + `api_base`.
    Speakap,
    /// A Phorge or Phabricator instance: `base_url`.
    Phorge,
    /// A plain RFC 6749 server: `authorization_endpoint` and `token_endpoint`.
    #[default]
    Generic,
    /// A provider from a discovery document already fetched: `issuer` and `document`.
    Discovery,
}

impl Preset {
    fn name(self) -> &'static str {
        match self {
            Preset::Sipgate => "sipgate",
            Preset::Speakap => "speakap",
            Preset::Phorge => "phorge",
            Preset::Generic => "generic",
            Preset::Discovery => "discovery",
        }
    }

    /// The preset's own arguments (the overrides apply to every preset).
    fn keys(self) -> &'static [&'static str] {
        match self {
            Preset::Sipgate => &["realm", "login_base", "api_base"],
            Preset::Speakap => &["network", "network_auth_url", "auth_url", "token_url", "api_base"],
            Preset::Phorge => &["base_url"],
            Preset::Generic => &["authorization_endpoint", "token_endpoint"],
            Preset::Discovery => &["issuer", "document"],
        }
    }
}

/// A provider as data: `{"preset": "sipgate", "login_base": ..., "require_iss": true}`.
///
/// The preset's arguments and then the overrides, which apply to any preset in the order
/// listed. [`ProviderSpec::build`] refuses arguments that belong to another preset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// The preset.
    pub preset: Preset,
    /// sipgate: the realm (default `third-party`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// sipgate: another login server (the devserver); the API stays api.sipgate.com unless `api_base` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_base: Option<String>,
    /// sipgate and Speakap: the API base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Speakap: the network's subdomain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Speakap: the `network_auth_url` the app's external URL received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_auth_url: Option<String>,
    /// Speakap: the authorization endpoint, with `token_url` and `api_base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// Speakap: the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Phorge: the instance's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Generic: the authorization endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Generic: the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Discovery: the metadata document (a JSON object, or the body as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
    /// Override (discovery: the issuer the document must name): the issuer checked against
    /// `iss`; `null` clears it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Option<String>>,
    /// Override: refuse callbacks without `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_iss: Option<bool>,
    /// Override: client authentication at the token endpoint.
    #[serde(default, deserialize_with = "named", skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuth>,
    /// Override: the PKCE method.
    #[serde(default, deserialize_with = "named", skip_serializing_if = "Option::is_none")]
    pub pkce: Option<PkceMethod>,
    /// Override: where the access token goes on API requests.
    #[serde(default, deserialize_with = "named", skip_serializing_if = "Option::is_none")]
    pub token_placement: Option<TokenPlacement>,
    /// Override: the `Accept` header of API requests; `null` clears it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub api_accept: Option<Option<String>>,
    /// Override: the RFC 7009 revocation endpoint; `null` clears it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<Option<String>>,
    /// Override: honour an `error=` callback that comes without `state` (Phorge's denials;
    /// [`Provider::errors_without_state`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_without_state: Option<bool>,
}

/// An enum by its wire name in any case, through the core's `FromStr` (as the bindings' setters parse it).
fn named<'de, D: Deserializer<'de>, T: std::str::FromStr<Err = Error>>(d: D) -> Result<Option<T>, D::Error> {
    let name = String::deserialize(d)?;
    name.parse().map(Some).map_err(|e: Error| serde::de::Error::custom(e.to_string()))
}

/// Tells a key set to `null` (`Some(None)`) from a missing key (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl ProviderSpec {
    /// A spec for `preset` with no arguments yet.
    pub fn new(preset: Preset) -> ProviderSpec {
        ProviderSpec { preset, ..ProviderSpec::default() }
    }

    /// The spec from JSON text (the shape of the conformance vectors' `provider`).
    pub fn from_json(json: &str) -> Result<ProviderSpec, Error> {
        serde_json::from_str(json).map_err(|e| Error::config(format!("provider spec: {e}")))
    }

    /// The spec from a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<ProviderSpec, Error> {
        serde_json::from_value(value).map_err(|e| Error::config(format!("provider spec: {e}")))
    }

    /// Builds the provider: the preset with its arguments, then the overrides.
    pub fn build(&self) -> Result<Provider, Error> {
        self.refuse_foreign_keys()?;
        let mut p = self.preset_provider()?;
        if self.preset != Preset::Discovery {
            if let Some(issuer) = &self.issuer {
                p.issuer = issuer.clone();
            }
        }
        if let Some(require) = self.require_iss {
            p.require_iss = require;
        }
        if let Some(auth) = self.client_auth {
            p.client_auth = auth;
        }
        if let Some(pkce) = self.pkce {
            p.pkce = pkce;
        }
        if let Some(placement) = self.token_placement {
            p.token_placement = placement;
        }
        if let Some(accept) = &self.api_accept {
            p.api_accept = accept.clone();
        }
        if let Some(endpoint) = &self.revocation_endpoint {
            p.revocation_endpoint =
                endpoint.as_deref().map(|u| authflow::endpoint("revocation endpoint", u)).transpose()?;
        }
        if let Some(stateless) = self.errors_without_state {
            p.errors_without_state = stateless;
        }
        Ok(p)
    }

    fn preset_provider(&self) -> Result<Provider, Error> {
        let need = |value: &Option<String>, key: &str| {
            value.clone().ok_or_else(|| Error::config(format!("{} needs {key}", self.preset.name())))
        };
        match self.preset {
            Preset::Sipgate => {
                let realm = self.realm.as_deref().unwrap_or(Provider::SIPGATE_REALM);
                Provider::sipgate_at(
                    self.login_base.as_deref().unwrap_or(Provider::SIPGATE_LOGIN_BASE),
                    self.api_base.as_deref().unwrap_or(Provider::SIPGATE_API_BASE),
                    realm,
                )
            }
            Preset::Speakap => {
                let given = (&self.network, &self.network_auth_url, &self.auth_url, &self.token_url, &self.api_base);
                match given {
                    (Some(network), None, None, None, None) => Provider::speakap(network),
                    (None, Some(url), None, None, None) => Provider::speakap_from_network_auth_url(url),
                    (None, None, Some(auth), Some(token), Some(api)) => Provider::speakap_at(auth, token, api),
                    _ => Err(Error::config(
                        "speakap needs exactly one of: network, network_auth_url, or auth_url + token_url + api_base",
                    )),
                }
            }
            Preset::Phorge => Provider::phorge(&need(&self.base_url, "base_url")?),
            Preset::Generic => Provider::generic(
                &need(&self.authorization_endpoint, "authorization_endpoint")?,
                &need(&self.token_endpoint, "token_endpoint")?,
            ),
            Preset::Discovery => {
                let issuer = self.issuer.clone().flatten().ok_or_else(|| Error::config("discovery needs issuer"))?;
                let body = match &self.document {
                    Some(serde_json::Value::String(text)) => text.clone(),
                    Some(document) => document.to_string(),
                    None => return Err(Error::config("discovery needs document")),
                };
                provider_from_discovery(&issuer, &HttpResponse::new(200, "application/json", body))
            }
        }
    }

    fn refuse_foreign_keys(&self) -> Result<(), Error> {
        let given = [
            ("realm", self.realm.is_some()),
            ("login_base", self.login_base.is_some()),
            ("api_base", self.api_base.is_some()),
            ("network", self.network.is_some()),
            ("network_auth_url", self.network_auth_url.is_some()),
            ("auth_url", self.auth_url.is_some()),
            ("token_url", self.token_url.is_some()),
            ("base_url", self.base_url.is_some()),
            ("authorization_endpoint", self.authorization_endpoint.is_some()),
            ("token_endpoint", self.token_endpoint.is_some()),
            ("document", self.document.is_some()),
        ];
        let allowed = self.preset.keys();
        match given.iter().find(|(key, set)| *set && !allowed.contains(key)) {
            Some((key, _)) => {
                Err(Error::config(format!("{} takes {}, not {key}", self.preset.name(), allowed.join(", "))))
            }
            None => Ok(()),
        }
    }
}

/// Scopes as a list, or one space-separated string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scopes {
    /// `"openid profile"`.
    One(String),
    /// `["openid", "profile"]`.
    Many(Vec<String>),
}

/// A client registration as data: `{"client_id": ..., "redirect_uri": ..., "scopes": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The client id.
    pub client_id: String,
    /// The exact redirect URI registered at the provider.
    pub redirect_uri: String,
    /// The client secret; absent for public clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Scopes to request; each entry is split on whitespace, and `openid` turns the nonce on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Scopes>,
    /// Overrides whether a nonce is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<bool>,
    /// Extra authorization request parameters, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_params: Vec<(String, String)>,
}

impl ClientSpec {
    /// The spec from a JSON value (the shape of the conformance vectors' `client`).
    pub fn from_value(value: serde_json::Value) -> Result<ClientSpec, Error> {
        serde_json::from_value(value).map_err(|e| Error::config(format!("client spec: {e}")))
    }

    /// Builds and checks the configuration for `provider`.
    pub fn build(&self, provider: Provider) -> Result<ClientConfig, Error> {
        let mut config = ClientConfig::new(provider, &self.client_id, &self.redirect_uri)?;
        if let Some(secret) = &self.client_secret {
            config = config.with_secret(secret.clone());
        }
        match &self.scopes {
            Some(Scopes::One(one)) => config = config.with_scopes([one]),
            Some(Scopes::Many(many)) => config = config.with_scopes(many),
            None => {}
        }
        for (name, value) in &self.extra_params {
            config = config.with_param(name, value);
        }
        if let Some(nonce) = self.nonce {
            config.nonce = nonce;
        }
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build(value: serde_json::Value) -> Result<Provider, Error> {
        ProviderSpec::from_value(value)?.build()
    }

    #[test]
    fn sipgate_bases_go_alone_or_together() {
        let both = build(
            json!({"preset": "sipgate", "login_base": "http://127.0.0.1:9", "api_base": "http://127.0.0.1:9/api"}),
        )
        .unwrap();
        assert_eq!(
            both.token_endpoint.as_str(),
            "http://127.0.0.1:9/auth/realms/third-party/protocol/openid-connect/token"
        );
        assert_eq!(both.api_base.unwrap().as_str(), "http://127.0.0.1:9/api/");
        let login_only = build(json!({"preset": "sipgate", "login_base": "http://127.0.0.1:9"})).unwrap();
        assert_eq!(login_only.api_base.unwrap().as_str(), "https://api.sipgate.com/v2/");
        let api_only = build(json!({"preset": "sipgate", "api_base": "http://127.0.0.1:9/api"})).unwrap();
        assert!(api_only.token_endpoint.as_str().starts_with("https://login.sipgate.com/"));
    }

    #[test]
    fn keys_of_another_preset_are_refused() {
        let e = build(json!({"preset": "phorge", "base_url": "https://p.example", "network": "acme"})).unwrap_err();
        assert_eq!(e.kind(), "config");
        assert!(e.to_string().contains("phorge takes base_url, not network"), "{e}");
        let e = build(json!({"preset": "speakap", "network": "acme", "auth_url": "https://x"})).unwrap_err();
        assert!(e.to_string().contains("exactly one of"), "{e}");
        assert!(ProviderSpec::from_value(json!({"preset": "generic", "colour": "red"})).is_err());
        let upper =
            ProviderSpec::from_value(json!({"preset": "sipgate", "client_auth": "CLIENT_SECRET_BASIC"})).unwrap();
        assert_eq!(upper.client_auth, Some(ClientAuth::ClientSecretBasic), "the setters' case rule");
        let e = ProviderSpec::from_value(json!({"preset": "sipgate", "pkce": "S512"})).unwrap_err();
        assert!(e.to_string().contains("expected one of s256, plain, disabled"), "{e}");
    }

    #[test]
    fn overrides_apply_and_null_clears() {
        let p = build(json!({
            "preset": "generic", "authorization_endpoint": "https://a.example/auth", "token_endpoint": "https://a.example/token",
            "issuer": "https://a.example", "require_iss": true, "client_auth": "client_secret_post", "pkce": "plain",
            "token_placement": "query", "api_accept": "application/json", "revocation_endpoint": "https://a.example/revoke"
        }))
        .unwrap();
        assert_eq!(p.issuer.as_deref(), Some("https://a.example"));
        assert!(p.require_iss);
        assert_eq!(
            (p.client_auth, p.pkce, p.token_placement),
            (ClientAuth::ClientSecretPost, PkceMethod::Plain, TokenPlacement::Query)
        );
        assert_eq!(p.revocation_endpoint.unwrap().as_str(), "https://a.example/revoke");
        let cleared = build(json!({"preset": "sipgate", "issuer": null, "revocation_endpoint": null})).unwrap();
        assert_eq!((cleared.issuer, cleared.revocation_endpoint), (None, None));
        assert!(build(json!({"preset": "sipgate", "revocation_endpoint": "http://example.com/r"})).is_err());
        // Phorge's denials come without state; any preset may declare it, and phorge may be told otherwise.
        assert!(build(json!({"preset": "phorge", "base_url": "https://p.example"})).unwrap().errors_without_state);
        let strict = build(json!({"preset": "phorge", "base_url": "https://p.example", "errors_without_state": false}));
        assert!(!strict.unwrap().errors_without_state);
        assert!(build(json!({"preset": "sipgate", "errors_without_state": true})).unwrap().errors_without_state);
        assert!(!build(json!({"preset": "sipgate"})).unwrap().errors_without_state);
    }

    #[test]
    fn clients_validate_once_built() {
        let provider = Provider::sipgate("third-party").unwrap();
        let spec =
            ClientSpec::from_value(json!({"client_id": "c", "redirect_uri": "http://localhost:8080/oauth"})).unwrap();
        let e = spec.build(provider.clone()).unwrap_err();
        assert!(e.to_string().contains("none is configured"), "{e}");
        let spec = ClientSpec::from_value(json!({
            "client_id": "c", "redirect_uri": "http://localhost:8080/oauth", "client_secret": "s",
            "scopes": "openid account:read", "extra_params": [["prompt", "login"]]
        }))
        .unwrap();
        let config = spec.build(provider).unwrap();
        assert_eq!(config.scopes, ["openid", "account:read"]);
        assert!(config.nonce);
        assert_eq!(config.extra_params, [("prompt".to_owned(), "login".to_owned())]);
    }
}
