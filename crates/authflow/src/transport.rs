//! HTTP transport: the [`HttpClient`] trait and [`UreqTransport`], the default client built on ureq.
//!
//! The transport sends a core [`HttpRequest`] exactly as given and hands back the
//! [`HttpResponse`]: any status, 3xx included, is a response, never an error, and
//! redirects are never followed. Plain HTTP is refused before any connection unless
//! the host is a loopback address. Error messages name the method and the URL
//! without its query, and never carry a header or a body.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use authflow_core::{is_loopback, Error, HttpRequest, HttpResponse, Method, TransportErrorKind, Url};

/// Sends one HTTP request and returns the response, whatever its status.
///
/// Implement it to bring your own HTTP client. An implementation must not follow
/// redirects, and must keep secrets (headers, bodies, query strings) out of its errors.
pub trait HttpClient: Send + Sync {
    /// Sends `request` and returns the response; a failure to get one is [`Error::Transport`].
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error>;
}

/// The knobs of [`UreqTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportOptions {
    /// How long to wait for a connection, TLS included. Default 10 s.
    pub connect_timeout: Duration,
    /// How long one whole exchange may take, from connecting to the last body byte. Default 30 s.
    pub timeout: Duration,
    /// The largest response body accepted, after decompression. Default 1 MiB.
    pub max_response_bytes: u64,
    /// The `User-Agent` header. Default `authflow/<version>`.
    pub user_agent: String,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_response_bytes: 1 << 20,
            user_agent: concat!("authflow/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The default [`HttpClient`]: a keep-alive connection pool with timeouts and a response-size limit.
///
/// Requests to loopback hosts bypass any proxy set in the environment; others use it.
pub struct UreqTransport {
    options: TransportOptions,
    remote: ureq::Agent,
    loopback: ureq::Agent,
}

impl UreqTransport {
    /// A transport with the default options.
    pub fn new() -> Self {
        Self::with_options(TransportOptions::default())
    }

    /// A transport with the given options.
    pub fn with_options(options: TransportOptions) -> Self {
        let remote = agent(&options, true);
        let loopback = agent(&options, false);
        UreqTransport { options, remote, loopback }
    }

    /// The options in force.
    pub fn options(&self) -> &TransportOptions {
        &self.options
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UreqTransport").field("options", &self.options).finish_non_exhaustive()
    }
}

fn agent(options: &TransportOptions, proxy_from_env: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .timeout_connect(Some(options.connect_timeout))
        .timeout_global(Some(options.timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(options.user_agent.as_str());
    if !proxy_from_env {
        config = config.proxy(None);
    }
    ureq::Agent::with_parts(config.build(), DefaultConnector::default(), QuickResolver::default())
}

/// How long a host name's addresses are reused before they are looked up again.
const DNS_TTL: Duration = Duration::from_secs(30);

/// Resolves IP literals without a lookup and remembers host names for [`DNS_TTL`].
///
/// ureq resolves before it looks for a pooled connection, and with a timeout set
/// its default resolver spawns a thread for every lookup: that alone cost about
/// 0.5 ms per keep-alive request here.
#[derive(Debug, Default)]
struct QuickResolver {
    lookup: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl QuickResolver {
    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Resolver for QuickResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        let cached = self.cache().get(&key).filter(|(at, _)| at.elapsed() < DNS_TTL).map(|(_, a)| a.clone());
        if let Some(addrs) = cached {
            return Ok(addrs);
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        self.cache().insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl HttpClient for UreqTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let url = checked_url(request)?;
        let target = Target { method: request.method, url: &url };
        let agent = if is_loopback(&url) { &self.loopback } else { &self.remote };
        let result = match request.method {
            Method::Get => with_headers(agent.get(url.as_str()), request).call(),
            Method::Post => with_headers(agent.post(url.as_str()), request).send(request.body.as_slice()),
        };
        let mut response = result.map_err(|e| target.error(e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.options.max_response_bytes)
            .read_to_vec()
            .map_err(|e| target.error(e))?;
        Ok(HttpResponse { status, headers, body })
    }
}

fn with_headers<B>(mut builder: ureq::RequestBuilder<B>, request: &HttpRequest) -> ureq::RequestBuilder<B> {
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
}

/// Parses the URL and refuses plain HTTP outside loopback before any connection is made.
fn checked_url(request: &HttpRequest) -> Result<Url, Error> {
    let url = Url::parse(&request.url).map_err(|e| Error::Config {
        reason: format!("request url {} is not a valid url: {e}", without_query(&request.url)),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        scheme => Err(Error::Transport {
            kind: TransportErrorKind::Insecure,
            message: format!(
                "refusing to send {} {} over {scheme}: only https is allowed outside loopback",
                request.method.as_str(),
                without_query(&request.url)
            ),
        }),
    }
}

/// The URL without query and fragment, which may carry tokens (Phorge's `?access_token=`).
pub(crate) fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// What a request was sent to, for error messages.
struct Target<'a> {
    method: Method,
    url: &'a Url,
}

impl Target<'_> {
    fn error(&self, error: ureq::Error) -> Error {
        let (kind, what) = classify(error);
        Error::Transport {
            kind,
            message: format!("{} {}: {what}", self.method.as_str(), without_query(self.url.as_str())),
        }
    }
}

/// Maps a ureq error to a kind and a message that carries no request data.
fn classify(error: ureq::Error) -> (TransportErrorKind, String) {
    use TransportErrorKind as K;
    match error {
        ureq::Error::Timeout(which) => (K::Timeout, format!("timed out ({which})")),
        ureq::Error::HostNotFound => (K::Connect, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        ureq::Error::Io(e) => io_error(&e),
        ureq::Error::BodyExceedsLimit(limit) => (K::TooLarge, format!("response body exceeds the {limit} byte limit")),
        ureq::Error::LargeResponseHeader(size, limit) => {
            (K::TooLarge, format!("response header of {size} bytes exceeds the {limit} byte limit"))
        }
        ureq::Error::Protocol(e) => (K::Io, format!("the server's answer is not valid http: {}", protocol_detail(&e))),
        ureq::Error::Tls(e) => (K::Tls, format!("tls failed: {e}")),
        ureq::Error::Rustls(e) => (K::Tls, format!("tls failed: {e}")),
        ureq::Error::Pem(e) => (K::Tls, format!("bad certificate: {e}")),
        ureq::Error::TlsRequired => (K::Tls, "tls required".to_owned()),
        ureq::Error::RequireHttpsOnly(_) => (K::Insecure, "only https is allowed".to_owned()),
        ureq::Error::Decompress(_, e) => (K::Io, format!("response could not be decompressed: {}", e.kind())),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            (K::Connect, "the proxy from the environment failed".to_owned())
        }
        // Header and URI errors may quote the request, so only their category is kept.
        ureq::Error::Http(_) => (K::Other, "the request has an invalid header".to_owned()),
        ureq::Error::BadUri(_) => (K::Other, "the request url is not valid".to_owned()),
        other => (K::Other, clip(&other.to_string())),
    }
}

fn io_error(e: &io::Error) -> (TransportErrorKind, String) {
    use io::ErrorKind as E;
    let kind = match e.kind() {
        E::TimedOut | E::WouldBlock => TransportErrorKind::Timeout,
        E::ConnectionRefused
        | E::AddrNotAvailable
        | E::HostUnreachable
        | E::NetworkUnreachable
        | E::NetworkDown
        | E::NotFound => TransportErrorKind::Connect,
        _ => TransportErrorKind::Io,
    };
    let what = match kind {
        TransportErrorKind::Timeout => "timed out",
        TransportErrorKind::Connect => "could not connect",
        _ => "the connection broke",
    };
    (kind, format!("{what}: {}", clip(&e.to_string().to_lowercase())))
}

fn protocol_detail(e: &impl std::fmt::Display) -> String {
    // "bad header: <value>" would quote what the server sent; the category is enough.
    let text = e.to_string();
    match text.split_once(':') {
        Some((category, _)) if text.starts_with("bad header") || text.starts_with("bad location") => {
            category.to_owned()
        }
        _ => clip(&text),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_a_config_error() {
        let err = UreqTransport::new().send(&HttpRequest::get("not a url")).unwrap_err();
        assert_eq!(err.kind(), "config");
    }

    #[test]
    fn refused_connection_is_connect() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = UreqTransport::new().send(&HttpRequest::get(format!("http://127.0.0.1:{port}/x"))).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Connect, .. }), "{err:?}");
    }
}
