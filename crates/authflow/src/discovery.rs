//! Provider discovery over the network: the core's discovery request sent with an [`HttpClient`].

use authflow_core::{discovery_request, provider_from_discovery, DiscoveryKind, Error, Provider};

use crate::transport::{send_unredirected, HttpClient};

/// Fetches `issuer`'s metadata and builds a [`Provider`] from it: the OpenID Connect
/// document first, then the RFC 8414 one when the first is not found (404). Like token
/// requests, discovery requests are never redirected and need HTTPS outside loopback.
pub fn discover(http: &dyn HttpClient, issuer: &str) -> Result<Provider, Error> {
    let answer = send_unredirected(http, &discovery_request(issuer, DiscoveryKind::OpenId)?)?;
    if answer.status == 404 {
        let answer = send_unredirected(http, &discovery_request(issuer, DiscoveryKind::OAuth)?)?;
        return provider_from_discovery(issuer, &answer);
    }
    provider_from_discovery(issuer, &answer)
}
