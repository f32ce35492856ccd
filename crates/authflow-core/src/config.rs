//! Client configuration and providers: endpoints, client authentication, token placement, presets.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::pkce::PkceMethod;
use crate::secret::ClientSecret;
use crate::Error;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (sipgate, Phorge).
    ClientSecretPost,
    /// HTTP Basic with id and secret form-urlencoded first (RFC 6749 §2.3.1; Speakap).
    ClientSecretBasic,
    /// A public client: only `client_id` in the body, PKCE carries the proof.
    None,
}

/// Where an access token goes on an API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>` (RFC 6750 §2.1).
    Header,
    /// `?access_token=<token>` (RFC 6750 §2.3), as Phorge's Conduit API needs.
    Query,
}

/// How the provider's API reports errors beyond its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrors {
    /// By status alone: a 401 refuses the access token (RFC 6750 §3.1).
    #[default]
    Status,
    /// Phorge's Conduit: HTTP 200 with `{"error_code": "ERR-...", "error_info": "..."}`;
    /// `ERR-INVALID-AUTH` refuses the access token.
    Conduit,
}

/// An authorization server: its endpoints and quirks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// A short name for messages (`sipgate`, `speakap`, `phorge`, `generic`).
    pub name: String,
    /// Where the user's browser goes.
    pub authorization_endpoint: Url,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: Url,
    /// RFC 7009 revocation endpoint, if the provider has one.
    pub revocation_endpoint: Option<Url>,
    /// OpenID Connect userinfo endpoint, if known.
    pub userinfo_endpoint: Option<Url>,
    /// The provider's issuer identifier; checked against `iss` on the callback (RFC 9207).
    pub issuer: Option<String>,
    /// Reject a callback without `iss` (set when the provider announces RFC 9207 support).
    pub require_iss: bool,
    /// Client authentication at the token endpoint.
    pub client_auth: ClientAuth,
    /// Where the access token goes on API requests.
    pub token_placement: TokenPlacement,
    /// The PKCE method; S256 unless the provider cannot do it.
    pub pkce: PkceMethod,
    /// The base of the provider's API, for relative API paths.
    pub api_base: Option<Url>,
    /// An `Accept` header the API insists on (Speakap's vendor media type).
    pub api_accept: Option<String>,
    /// How the API reports errors (see [`Flow::api_response`](crate::Flow::api_response)).
    #[serde(default)]
    pub api_errors: ApiErrors,
    /// The provider redirects its errors (`error=access_denied`) without the request's
    /// `state`, as a real Phorge does: such an `error=` is honoured without `state`. A
    /// callback that carries a wrong `state` is refused all the same. Off by default, so
    /// anyone who can send the browser to the redirect URI cannot end a login (RFC 6749 §4.1.2.1).
    #[serde(default)]
    pub errors_without_state: bool,
}

impl Provider {
    /// sipgate's login server.
    pub const SIPGATE_LOGIN_BASE: &'static str = "https://login.sipgate.com";
    /// sipgate's REST API.
    pub const SIPGATE_API_BASE: &'static str = "https://api.sipgate.com/v2";
    /// sipgate's realm for new clients.
    pub const SIPGATE_REALM: &'static str = "third-party";

    /// A plain RFC 6749 provider with client_secret_basic, Bearer tokens and PKCE S256.
    pub fn generic(authorization_endpoint: &str, token_endpoint: &str) -> Result<Self, Error> {
        Ok(Provider {
            name: "generic".to_owned(),
            authorization_endpoint: endpoint("authorization endpoint", authorization_endpoint)?,
            token_endpoint: endpoint("token endpoint", token_endpoint)?,
            revocation_endpoint: None,
            userinfo_endpoint: None,
            issuer: None,
            require_iss: false,
            client_auth: ClientAuth::ClientSecretBasic,
            token_placement: TokenPlacement::Header,
            pkce: PkceMethod::S256,
            api_base: None,
            api_accept: None,
            api_errors: ApiErrors::Status,
            errors_without_state: false,
        })
    }

    /// sipgate's Keycloak at login.sipgate.com, realm `third-party` for new clients.
    pub fn sipgate(realm: &str) -> Result<Self, Error> {
        Self::sipgate_at(Self::SIPGATE_LOGIN_BASE, Self::SIPGATE_API_BASE, realm)
    }

    /// sipgate's endpoints under another login base and API base (the devserver, a proxy).
    pub fn sipgate_at(login_base: &str, api_base: &str, realm: &str) -> Result<Self, Error> {
        if realm.is_empty() || realm.contains('/') {
            return Err(Error::config(format!("sipgate realm {realm:?} must be a single path segment")));
        }
        let realm_url = format!("{}/auth/realms/{realm}", login_base.trim_end_matches('/'));
        let oidc = format!("{realm_url}/protocol/openid-connect");
        let mut p = Self::generic(&format!("{oidc}/auth"), &format!("{oidc}/token"))?;
        p.name = "sipgate".to_owned();
        p.revocation_endpoint = Some(endpoint("revocation endpoint", &format!("{oidc}/revoke"))?);
        p.userinfo_endpoint = Some(endpoint("userinfo endpoint", &format!("{oidc}/userinfo"))?);
        // Keycloak 23+ sends iss; older ones do not, so it is checked when present.
        p.issuer = Some(realm_url);
        p.client_auth = ClientAuth::ClientSecretPost;
        p.api_base = Some(endpoint("api base", &with_slash(api_base))?);
        Ok(p)
    }

    /// Speakap for a network's subdomain (`https://{network}.speakap.com/auth`).
    pub fn speakap(network: &str) -> Result<Self, Error> {
        if !is_label(network) {
            return Err(Error::config(format!("speakap network {network:?} must be a subdomain label")));
        }
        Self::speakap_from_network_auth_url(&format!("https://{network}.speakap.com/auth"))
    }

    /// Speakap from the `network_auth_url` the app's external URL received.
    ///
    /// The value arrives as a query parameter anyone can set, so only what Speakap hands
    /// out is accepted: `https://{network}.speakap.com/auth`, with a single-label network
    /// host, the path `/auth`, and no port, userinfo, query or fragment. A query would put
    /// parameters in front of authflow's own (`?response_type=token&redirect_uri=...`: every
    /// parameter twice, RFC 6749 §3.1), another path or port another page to sign in on.
    /// Anything else is a configuration error: users are never sent elsewhere to sign in.
    /// URL parsing normalizes what cannot matter (an upper-case host, the default port `:443`).
    pub fn speakap_from_network_auth_url(network_auth_url: &str) -> Result<Self, Error> {
        let url = endpoint("network_auth_url", network_auth_url)?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let network = host.strip_suffix(".speakap.com").filter(|n| is_label(n));
        let Some(network) = network.filter(|_| url.scheme() == "https") else {
            return Err(Error::config(format!(
                "network_auth_url host {host:?} is not a speakap.com network: refusing to send users there"
            )));
        };
        let refuse = |what: &str| {
            Err(Error::config(format!(
                "network_auth_url {} {what}: only https://<network>.speakap.com/auth is accepted",
                without_query(&url)
            )))
        };
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("carries userinfo");
        }
        if url.port().is_some() {
            return refuse("names a port");
        }
        if url.query().is_some() {
            return refuse("carries a query, whose parameters would come before authflow's own");
        }
        if url.path() != "/auth" {
            return refuse("has a path other than /auth");
        }
        // Rebuilt from the checked parts, so nothing of the raw text survives but the network.
        Self::speakap_at(
            &format!("https://{network}.speakap.com/auth"),
            "https://authenticator.speakap.io/oauth/v2/token",
            "https://api.speakap.io",
        )
    }

    /// Speakap with every endpoint given (the devserver).
    pub fn speakap_at(auth_url: &str, token_url: &str, api_base: &str) -> Result<Self, Error> {
        let mut p = Self::generic(auth_url, token_url)?;
        p.name = "speakap".to_owned();
        p.api_base = Some(endpoint("api base", &with_slash(api_base))?);
        p.api_accept = Some("application/vnd.speakap.api-v2024.3.2+json".to_owned());
        Ok(p)
    }

    /// A Phorge (or Phabricator) instance: client_secret_post, token as `?access_token=`, and
    /// Conduit's errors (HTTP 200 with an `error_code`) read as errors, and its denials
    /// accepted without `state` ([`Provider::errors_without_state`]).
    pub fn phorge(base_url: &str) -> Result<Self, Error> {
        let base = base_url.trim_end_matches('/');
        let mut p = Self::generic(&format!("{base}/oauthserver/auth/"), &format!("{base}/oauthserver/token/"))?;
        p.name = "phorge".to_owned();
        p.client_auth = ClientAuth::ClientSecretPost;
        p.token_placement = TokenPlacement::Query;
        p.api_errors = ApiErrors::Conduit;
        p.errors_without_state = true;
        p.api_base = Some(endpoint("api base", &format!("{base}/api/"))?);
        Ok(p)
    }

    /// Resolves an API path (`account`, `/v2/account`) or absolute URL against [`Provider::api_base`].
    pub fn api_url(&self, path_or_url: &str) -> Result<Url, Error> {
        if let Ok(url) = Url::parse(path_or_url) {
            return Ok(url);
        }
        let base = self.api_base.as_ref().ok_or_else(|| {
            Error::config(format!("{path_or_url:?} is not an absolute url and provider {} has no api base", self.name))
        })?;
        base.join(path_or_url.trim_start_matches('/'))
            .map_err(|e| Error::config(format!("api path {path_or_url:?}: {e}")))
    }
}

/// One DNS label of letters, digits and `-`: a Speakap network's subdomain.
fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    }
}

/// Parses an endpoint and requires HTTPS unless the host is a loopback address, and no fragment.
///
/// RFC 6749 §3.1 forbids a fragment in an endpoint: parameters appended after one
/// (`/auth#x?response_type=code...`) never reach the server.
pub fn endpoint(what: &str, raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw).map_err(|e| Error::config(format!("{what} {raw:?} is not a url: {e}")))?;
    no_fragment(what, &url)?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::config(format!(
            "{what} {} must use https (plain http is allowed only on loopback)",
            without_query(&url)
        ))),
        other => Err(Error::config(format!("{what} has unsupported scheme {other:?}"))),
    }
}

fn no_fragment(what: &str, url: &Url) -> Result<(), Error> {
    if url.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} {} must not contain a fragment (RFC 6749 3.1): the parameters after it would never reach the server",
            without_query(url)
        )));
    }
    Ok(())
}

/// True for `localhost`, 127.0.0.0/8 and `[::1]`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub(crate) fn without_query(url: &Url) -> String {
    let s = url.as_str();
    s.split(['?', '#']).next().unwrap_or(s).to_owned()
}

/// One OAuth client at one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The provider.
    pub provider: Provider,
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for public clients.
    pub client_secret: Option<ClientSecret>,
    /// The exact redirect URI registered at the provider.
    pub redirect_uri: Url,
    /// Scopes to request; sent space-separated.
    pub scopes: Vec<String>,
    /// Send an OpenID Connect `nonce` (on by default when `openid` is among the scopes).
    pub nonce: bool,
    /// Extra authorization request parameters (`prompt`, `login_hint`, ...).
    pub extra_params: Vec<(String, String)>,
}

impl ClientConfig {
    /// A client with an id and an exact redirect URI.
    ///
    /// The redirect URI must be HTTPS, plain HTTP on loopback, or a private-use scheme
    /// such as `com.example.app:/oauth` (RFC 8252 §7.1), and carry no fragment.
    pub fn new(provider: Provider, client_id: &str, redirect_uri: &str) -> Result<Self, Error> {
        if client_id.is_empty() {
            return Err(Error::config("client id is empty"));
        }
        Ok(ClientConfig {
            provider,
            client_id: client_id.to_owned(),
            client_secret: None,
            redirect_uri: redirect(redirect_uri)?,
            scopes: Vec::new(),
            nonce: false,
            extra_params: Vec::new(),
        })
    }

    /// Sets the client secret.
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Sets the scopes (space-separated values are split).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes = scopes
            .into_iter()
            .flat_map(|s| s.as_ref().split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        self.nonce = self.scopes.iter().any(|s| s == "openid");
        self
    }

    /// Adds an authorization request parameter.
    pub fn with_param(mut self, name: &str, value: &str) -> Self {
        self.extra_params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Checks what the fields alone cannot promise: a secret where the auth method needs one,
    /// an issuer where `iss` is required, no reserved name among the extra parameters.
    pub fn validate(&self) -> Result<(), Error> {
        // The fields are public: endpoints set directly never went through `endpoint()`.
        let p = &self.provider;
        for (what, url) in [
            ("authorization endpoint", Some(&p.authorization_endpoint)),
            ("token endpoint", Some(&p.token_endpoint)),
            ("revocation endpoint", p.revocation_endpoint.as_ref()),
        ] {
            if let Some(url) = url {
                no_fragment(what, url)?;
            }
        }
        if self.provider.require_iss && self.provider.issuer.is_none() {
            // Without an issuer there is nothing to compare `iss` with: the check would be skipped.
            return Err(Error::config(format!(
                "provider {} requires iss on the callback (require_iss) but declares no issuer to check it against",
                self.provider.name
            )));
        }
        if self.provider.client_auth != ClientAuth::None && self.client_secret.is_none() {
            return Err(Error::config(format!(
                "provider {} authenticates the client with a secret, but none is configured",
                self.provider.name
            )));
        }
        const RESERVED: [&str; 9] = [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "client_secret",
        ];
        if let Some((name, _)) = self.extra_params.iter().find(|(n, _)| RESERVED.contains(&n.as_str())) {
            return Err(Error::config(format!("extra parameter {name:?} is set by authflow itself")));
        }
        Ok(())
    }
}

fn redirect(raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw).map_err(|e| Error::config(format!("redirect uri {raw:?} is not a url: {e}")))?;
    if url.fragment().is_some() {
        return Err(Error::config("redirect uri must not contain a fragment"));
    }
    let private_use = url.scheme().contains('.');
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ if private_use => Ok(url),
        _ => Err(Error::config(format!(
            "redirect uri {} must be https, http on loopback, or a private-use scheme like com.example.app:/cb",
            without_query(&url)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_required_except_loopback() {
        assert!(endpoint("x", "https://example.com/t").is_ok());
        assert!(endpoint("x", "http://127.0.0.1:9/t").is_ok());
        assert!(endpoint("x", "http://localhost/t").is_ok());
        assert!(endpoint("x", "http://[::1]:8/t").is_ok());
        let err = endpoint("token endpoint", "http://example.com/t").unwrap_err();
        assert!(err.to_string().contains("must use https"), "{err}");
    }

    #[test]
    fn endpoints_with_a_fragment_are_refused() {
        for raw in ["https://as.example/auth#x", "https://as.example/auth#", "http://127.0.0.1:9/t#frag"] {
            let err = endpoint("authorization endpoint", raw).unwrap_err();
            assert!(err.to_string().contains("must not contain a fragment"), "{raw}: {err}");
        }
        assert!(Provider::generic("https://as.example/auth#x", "https://as.example/token").is_err());
        assert!(Provider::phorge("https://phorge.example#x").is_err());
        assert!(Provider::sipgate_at("https://login.example#x", "https://api.example", "r").is_err());
        // Set directly, past `endpoint()`: the configuration check refuses it.
        let mut p = Provider::generic("https://as.example/auth", "https://as.example/token").unwrap();
        p.authorization_endpoint = Url::parse("https://as.example/auth#x").unwrap();
        let config = ClientConfig::new(p, "c", "http://localhost:8080/oauth").unwrap().with_secret("s");
        assert!(config.validate().unwrap_err().to_string().contains("fragment"));
    }

    #[test]
    fn redirect_rules() {
        let p = Provider::generic("https://a.example/auth", "https://a.example/token").unwrap();
        assert!(ClientConfig::new(p.clone(), "c", "http://localhost:8080/oauth").is_ok());
        assert!(ClientConfig::new(p.clone(), "c", "com.example.app:/oauth").is_ok());
        assert!(ClientConfig::new(p.clone(), "c", "http://example.com/cb").is_err());
        assert!(ClientConfig::new(p.clone(), "c", "https://example.com/cb#x").is_err());
        assert!(ClientConfig::new(p, "", "https://example.com/cb").is_err());
    }

    #[test]
    fn require_iss_needs_an_issuer() {
        let mut p = Provider::generic("https://a.example/auth", "https://a.example/token").unwrap();
        p.require_iss = true;
        let config = ClientConfig::new(p.clone(), "c", "http://localhost:8080/oauth").unwrap().with_secret("s");
        let err = config.validate().unwrap_err();
        assert_eq!(err.kind(), "config");
        assert!(err.to_string().contains("declares no issuer"), "{err}");
        p.issuer = Some("https://a.example".into());
        let config = ClientConfig::new(p, "c", "http://localhost:8080/oauth").unwrap().with_secret("s");
        assert!(config.validate().is_ok());
    }

    #[test]
    fn presets_point_where_the_seeds_say() {
        let s = Provider::sipgate("third-party").unwrap();
        assert_eq!(
            s.token_endpoint.as_str(),
            "https://login.sipgate.com/auth/realms/third-party/protocol/openid-connect/token"
        );
        assert_eq!(s.api_url("account").unwrap().as_str(), "https://api.sipgate.com/v2/account");
        let k = Provider::speakap("acme").unwrap();
        assert_eq!(k.authorization_endpoint.as_str(), "https://acme.speakap.com/auth");
        assert_eq!(k.token_endpoint.as_str(), "https://authenticator.speakap.io/oauth/v2/token");
        assert!(Provider::speakap("evil.com/x").is_err());
        for good in
            ["https://acme.speakap.com/auth", "https://ACME.Speakap.com/auth", "https://acme.speakap.com:443/auth"]
        {
            let p = Provider::speakap_from_network_auth_url(good).unwrap();
            assert_eq!(p.authorization_endpoint.as_str(), "https://acme.speakap.com/auth", "{good}");
        }
        for (evil, why) in [
            ("https://evil.example/auth", "not a speakap.com network"),
            ("https://speakap.com.evil.example/auth", "not a speakap.com network"),
            ("https://a.b.speakap.com/auth", "not a speakap.com network"),
            ("https://.speakap.com/auth", "not a speakap.com network"),
            ("https://speakap.com/auth", "not a speakap.com network"),
            ("http://acme.speakap.com/auth", "must use https"),
            ("http://127.0.0.1:9/auth", "not a speakap.com network"),
            ("https://acme.speakap.com/auth?network_eid=1", "carries a query"),
            ("https://acme.speakap.com/auth?", "carries a query"),
            (
                "https://acme.speakap.com/auth?response_type=token&code_challenge=X&redirect_uri=https://evil/",
                "carries a query",
            ),
            ("https://acme.speakap.com/auth#x", "fragment"),
            ("https://acme.speakap.com:8443/auth", "names a port"),
            ("https://user@acme.speakap.com/auth", "userinfo"),
            ("https://user:pw@acme.speakap.com/auth", "userinfo"),
            ("https://acme.speakap.com/", "path other than /auth"),
            ("https://acme.speakap.com/auth/../logout", "path other than /auth"),
            ("https://acme.speakap.com/uploads/login.html", "path other than /auth"),
            ("https://acme.speakap.com/auth%2F", "path other than /auth"),
        ] {
            let err = Provider::speakap_from_network_auth_url(evil).unwrap_err();
            assert_eq!(err.kind(), "config", "{evil}");
            assert!(err.to_string().contains(why), "{evil}: {err}");
        }
        let p = Provider::phorge("https://phorge.example.com/").unwrap();
        assert_eq!(p.token_endpoint.as_str(), "https://phorge.example.com/oauthserver/token/");
        assert_eq!(p.token_placement, TokenPlacement::Query);
        assert_eq!(p.api_url("user.whoami").unwrap().as_str(), "https://phorge.example.com/api/user.whoami");
    }
}
