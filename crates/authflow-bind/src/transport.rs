//! The process-wide HTTP transport every handle shares, and provider discovery through it.

use std::sync::{Arc, OnceLock};

use authflow::{discovery_request, DiscoveryKind, Error, HttpClient, HttpRequest, Provider, UreqTransport};

use crate::Job;

/// One keep-alive connection pool for every client and flow of the process.
pub fn shared_transport() -> Arc<dyn HttpClient> {
    static TRANSPORT: OnceLock<Arc<UreqTransport>> = OnceLock::new();
    let transport = TRANSPORT.get_or_init(|| Arc::new(UreqTransport::new()));
    Arc::clone(transport) as Arc<dyn HttpClient>
}

/// Fetches `issuer`'s metadata (OpenID Connect first, then RFC 8414) through the shared
/// transport, with the same HTTPS and redirect rules as every other request.
pub fn discover(issuer: String) -> Job<Provider> {
    Job::new(move || authflow::discover(shared_transport().as_ref(), &issuer))
}

/// The sans-IO discovery request: `kind` is `openid` (the default) or `oauth` (RFC 8414).
pub fn discovery(issuer: &str, kind: Option<&str>) -> Result<HttpRequest, Error> {
    let kind = kind.map(str::parse).transpose()?.unwrap_or(DiscoveryKind::OpenId);
    discovery_request(issuer, kind)
}
