//! Providers from RFC 8414 / OpenID Connect discovery documents: the request out, the answer in.

use serde_json::{Map, Value};

use crate::config::{endpoint, ClientAuth, Provider, TokenPlacement};
use crate::http::{HttpRequest, HttpResponse};
use crate::pkce::PkceMethod;
use crate::redact::Redactor;
use crate::token::unexpected;
use crate::Error;

/// Which well-known document to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryKind {
    /// `/.well-known/openid-configuration` appended to the issuer (OpenID Connect Discovery 1.0).
    OpenId,
    /// `/.well-known/oauth-authorization-server` inserted before the issuer's path (RFC 8414 §3).
    OAuth,
}

/// The GET request for an issuer's metadata.
pub fn discovery_request(issuer: &str, kind: DiscoveryKind) -> Result<HttpRequest, Error> {
    let url = endpoint("issuer", issuer)?;
    let path = url.path().trim_end_matches('/');
    let origin = url.origin().ascii_serialization();
    let well_known = match kind {
        DiscoveryKind::OpenId => format!("{origin}{path}/.well-known/openid-configuration"),
        DiscoveryKind::OAuth => format!("{origin}/.well-known/oauth-authorization-server{path}"),
    };
    Ok(HttpRequest::get(well_known).with_header("Accept", "application/json"))
}

/// Builds a provider from the metadata answer, checking that it names `issuer` exactly (RFC 8414 §3.3).
///
/// Client authentication: `client_secret_basic` if offered (the RFC default when the
/// list is absent), else `client_secret_post`, else `none`. PKCE S256 unless the server
/// lists methods without it. `iss` on the callback is required when the server says
/// it sends it (`authorization_response_iss_parameter_supported`, RFC 9207).
pub fn provider_from_discovery(issuer: &str, response: &HttpResponse) -> Result<Provider, Error> {
    if response.status != 200 {
        return Err(unexpected(response, "discovery document not found".into(), &Redactor::NONE));
    }
    let doc: Map<String, Value> = serde_json::from_slice(&response.body)
        .map_err(|e| unexpected(response, format!("discovery document is not a json object: {e}"), &Redactor::NONE))?;
    let text = |key: &str| doc.get(key).and_then(Value::as_str);
    let list = |key: &str| -> Option<Vec<&str>> {
        doc.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect())
    };
    let announced = text("issuer").unwrap_or_default();
    if announced != issuer {
        return Err(Error::IssuerMismatch { expected: issuer.to_owned(), got: Some(announced.to_owned()) });
    }
    let required =
        |key: &str| text(key).ok_or_else(|| Error::config(format!("discovery document for {issuer} has no {key}")));
    let optional = |key: &str| text(key).map(|u| endpoint(key, u)).transpose();
    let mut p = Provider::generic(required("authorization_endpoint")?, required("token_endpoint")?)?;
    p.revocation_endpoint = optional("revocation_endpoint")?;
    p.userinfo_endpoint = optional("userinfo_endpoint")?;
    p.issuer = Some(issuer.to_owned());
    p.require_iss = doc.get("authorization_response_iss_parameter_supported") == Some(&Value::Bool(true));
    p.client_auth = match list("token_endpoint_auth_methods_supported") {
        None => ClientAuth::ClientSecretBasic,
        Some(m) if m.contains(&"client_secret_basic") => ClientAuth::ClientSecretBasic,
        Some(m) if m.contains(&"client_secret_post") => ClientAuth::ClientSecretPost,
        Some(m) if m.contains(&"none") => ClientAuth::None,
        Some(m) => {
            return Err(Error::config(format!("server offers no supported client authentication: {}", m.join(", "))))
        }
    };
    p.pkce = match list("code_challenge_methods_supported") {
        Some(m) if !m.contains(&"S256") && m.contains(&"plain") => PkceMethod::Plain,
        _ => PkceMethod::S256,
    };
    p.token_placement = TokenPlacement::Header;
    p.api_base = p.userinfo_endpoint.clone();
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_paths() {
        let r = discovery_request("https://as.example/tenant", DiscoveryKind::OAuth).unwrap();
        assert_eq!(r.url, "https://as.example/.well-known/oauth-authorization-server/tenant");
        let r = discovery_request("https://as.example/tenant/", DiscoveryKind::OpenId).unwrap();
        assert_eq!(r.url, "https://as.example/tenant/.well-known/openid-configuration");
    }

    #[test]
    fn issuer_must_match() {
        let body = r#"{"issuer":"https://evil.example","authorization_endpoint":"https://a/x","token_endpoint":"https://a/t"}"#;
        let e = provider_from_discovery("https://as.example", &HttpResponse::new(200, "application/json", body))
            .unwrap_err();
        assert_eq!(e.kind(), "issuer_mismatch");
    }
}
