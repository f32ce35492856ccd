//! HTTP transport: the [`HttpClient`] trait and [`UreqTransport`], the default client built on ureq.
//!
//! The transport sends a core [`HttpRequest`] exactly as given and hands back the
//! [`HttpResponse`]: any status, 3xx included, is a response, never an error, and
//! redirects are never followed. Plain HTTP is refused before any connection unless
//! the host is a loopback address. Error messages name the method and the URL
//! without its query, and never carry a header or a body.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Connector, DefaultConnector, NextTimeout};

use crate::coalesce::CoalescingConnector;

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
    let connector = DefaultConnector::default().chain(CoalescingConnector);
    ureq::Agent::with_parts(config.build(), connector, QuickResolver::default())
}

/// How long a host name's addresses are reused before they are looked up again.
const DNS_TTL: Duration = Duration::from_secs(30);

/// Resolves IP literals without a lookup and remembers host names for [`DNS_TTL`].
///
/// ureq resolves before it looks for a pooled connection, and with a timeout set
/// its default resolver spawns a thread for every lookup, even for a request that
/// goes out on a pooled connection.
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
        let (url, loopback) = checked_url(request)?;
        let target = Target { method: request.method, url: &url };
        let agent = if loopback { &self.loopback } else { &self.remote };
        let result = match request.method {
            Method::Get => with_headers(agent.get(url.as_ref()), request).call(),
            Method::Post => with_headers(agent.post(url.as_ref()), request).send(request.body.as_slice()),
        };
        let mut response = result.map_err(|e| target.error(e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        // Sized from Content-Length up front, so the body is read without regrowing the vector.
        let limit = self.options.max_response_bytes;
        let announced = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let mut body = Vec::with_capacity(usize::try_from(announced.unwrap_or(0).min(limit)).unwrap_or(0));
        response
            .body_mut()
            .with_config()
            .limit(limit)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| target.read_error(e))?;
        Ok(HttpResponse { status, headers, body })
    }
}

fn with_headers<B>(mut builder: ureq::RequestBuilder<B>, request: &HttpRequest) -> ureq::RequestBuilder<B> {
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
}

/// Refuses plain HTTP outside loopback before any connection is made; returns the URL to
/// send and whether it is on loopback.
fn checked_url(request: &HttpRequest) -> Result<(Cow<'_, str>, bool), Error> {
    if let Some(loopback) = plain_allowed(&request.url) {
        return Ok((Cow::Borrowed(&request.url), loopback));
    }
    let url = Url::parse(&request.url).map_err(|e| Error::Config {
        reason: format!("request url {} is not a valid url: {e}", without_query(&request.url)),
    })?;
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => Ok((Cow::Owned(url.into()), loopback)),
        "http" if loopback => Ok((Cow::Owned(url.into()), loopback)),
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

/// The fast path of [`checked_url`], for plainly spelled URLs: `https://` with an authority of
/// letters, digits and `.-:[]`, or `http://` to `localhost`, 127.x.y.z or `[::1]`. Returns
/// whether the host is loopback. Anything else (user info, escapes, backslashes, `127.1`)
/// goes through the full WHATWG parser, whose normalized URL is then sent, so what is
/// checked is always what ureq connects to.
fn plain_allowed(url: &str) -> Option<bool> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']');
    if authority.is_empty() || !authority.bytes().all(plain) {
        return None;
    }
    let loopback = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().and_then(|h| h.parse::<Ipv6Addr>().ok()).is_some_and(|ip| ip.is_loopback()),
        None => authority.split(':').next().is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost") || h.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        }),
    };
    match scheme {
        "https" => Some(loopback),
        "http" if loopback => Some(true),
        _ => None,
    }
}

/// Sends a request that must not be redirected (token requests, discovery): a 3xx answer is a
/// `redirect` transport error, never followed.
pub fn send_unredirected(http: &dyn HttpClient, request: &HttpRequest) -> Result<HttpResponse, Error> {
    let response = http.send(request)?;
    if !(300..400).contains(&response.status) {
        return Ok(response);
    }
    Err(Error::Transport {
        kind: TransportErrorKind::Redirect,
        message: format!(
            "{} {}: answered http {}, a redirect, which is never followed here; check the url",
            request.method.as_str(),
            without_query(&request.url),
            response.status
        ),
    })
}

/// The URL without query and fragment, which may carry tokens (Phorge's `?access_token=`).
pub(crate) fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// What a request was sent to, for error messages.
struct Target<'a> {
    method: Method,
    url: &'a str,
}

impl Target<'_> {
    /// A failure while reading the body: ureq's own errors travel inside the `io::Error`.
    fn read_error(&self, error: io::Error) -> Error {
        match error.into_inner().map(|inner| inner.downcast::<ureq::Error>()) {
            Some(Ok(ureq_error)) => self.error(*ureq_error),
            Some(Err(other)) => self.error(ureq::Error::Io(io::Error::other(other))),
            None => self.error(ureq::Error::Io(io::Error::from(io::ErrorKind::UnexpectedEof))),
        }
    }

    fn error(&self, error: ureq::Error) -> Error {
        let (kind, what) = classify(error);
        Error::Transport { kind, message: format!("{} {}: {what}", self.method.as_str(), without_query(self.url)) }
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
    fn plain_urls_take_the_fast_path_and_tricky_ones_the_parser() {
        assert_eq!(plain_allowed("https://login.example.com/token"), Some(false));
        assert_eq!(plain_allowed("http://127.0.0.1:8080/token?x=1"), Some(true));
        assert_eq!(plain_allowed("http://LocalHost/t"), Some(true));
        assert_eq!(plain_allowed("http://[::1]:9/t"), Some(true));
        for tricky in [
            "http://example.com/t",
            "http://127.0.0.1@evil.example/t",
            "http://127.0.0.1\\@evil.example/t",
            "http://127.1/t",
            "HTTP://127.0.0.1/t",
            "http://%31%32%37.0.0.1/t",
        ] {
            assert_eq!(plain_allowed(tricky), None, "{tricky}");
        }
        // The parser then decides: user info cannot smuggle a remote host in as loopback.
        let err = checked_url(&HttpRequest::get("http://127.0.0.1@evil.example/t")).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Insecure, .. }), "{err}");
        let short = HttpRequest::get("http://127.1/t");
        let (url, loopback) = checked_url(&short).unwrap();
        assert_eq!((url.as_ref(), loopback), ("http://127.0.0.1/t", true));
    }

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
