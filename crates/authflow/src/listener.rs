//! The loopback redirect listener (RFC 8252 §7.3): receives the browser's redirect back on 127.0.0.1.
//!
//! [`LoopbackListener::bind`] listens on the redirect URI's host and port;
//! [`LoopbackListener::wait`] answers requests to other paths (a favicon) with 404,
//! refuses requests whose `Host` is not the redirect URI's (DNS rebinding), hands each
//! request to the redirect path to a check, answers it with a small HTML page, and returns
//! once the check accepts it or fails for a reason only the real redirect can have. A
//! request any web page could send (`<img src=http://127.0.0.1:8080/oauth?error=...>`: no
//! or a wrong `state`, a malformed query) gets an error page and waiting goes on, so it
//! cannot end the login. Each connection is read on its own thread with a short read
//! timeout, so a silent or slow client never holds up the real callback.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use authflow_core::{Error, TransportErrorKind, Url};

/// How long one connection may take to send its request line and headers.
const READ_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest request head read; a callback URL is far smaller.
const MAX_HEAD: usize = 32 << 10;
/// How often the accept loop looks for new connections.
const POLL: Duration = Duration::from_millis(10);

/// A listener on a loopback redirect URI, waiting for the browser to come back.
#[derive(Debug)]
pub struct LoopbackListener {
    /// 127.0.0.1 or [::1], or both for `localhost`.
    listeners: Vec<TcpListener>,
    redirect_uri: Url,
}

impl LoopbackListener {
    /// Listens on the host and port of `redirect_uri`, which must be `http` on a loopback host.
    ///
    /// `localhost` binds 127.0.0.1 and, where the machine has IPv6 loopback, [::1] on the same
    /// port: a browser that resolves `localhost` to `::1` must find this listener there, not
    /// another process holding that address. When [::1] is taken the result is
    /// [`Error::PortInUse`]. `127.0.0.1` in the redirect URI avoids the question (RFC 8252 §7.3).
    /// Port 0 lets the OS pick a free port; [`redirect_uri`](Self::redirect_uri) then reports the real one.
    pub fn bind(redirect_uri: &Url) -> Result<LoopbackListener, Error> {
        let ip = loopback_ip(redirect_uri)?;
        let port = redirect_uri.port_or_known_default().unwrap_or(80);
        let localhost = matches!(redirect_uri.host(), Some(url::Host::Domain(_)));
        // With port 0 the port picked on 127.0.0.1 may be taken on [::1]: a few tries settle it.
        let mut tries = if localhost && port == 0 { 5 } else { 1 };
        let (listeners, real_port) = loop {
            tries -= 1;
            let first = TcpListener::bind(SocketAddr::new(ip, port)).map_err(|e| bind_error(&e, redirect_uri, port))?;
            let real_port = first.local_addr().map_err(|e| bind_error(&e, redirect_uri, port))?.port();
            let mut listeners = vec![first];
            if localhost {
                match TcpListener::bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), real_port)) {
                    Ok(v6) => listeners.push(v6),
                    Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                        if tries > 0 {
                            continue;
                        }
                        return Err(Error::PortInUse { address: format!("[::1]:{real_port} (localhost over IPv6)") });
                    }
                    // No IPv6 loopback on this machine: no browser can reach [::1] either.
                    Err(_) => {}
                }
            }
            break (listeners, real_port);
        };
        for listener in &listeners {
            listener.set_nonblocking(true).map_err(|e| bind_error(&e, redirect_uri, port))?;
        }
        let mut redirect_uri = redirect_uri.clone();
        if real_port != port {
            redirect_uri
                .set_port(Some(real_port))
                .map_err(|()| Error::Config { reason: "cannot set the port of the redirect uri".to_owned() })?;
        }
        Ok(LoopbackListener { listeners, redirect_uri })
    }

    /// The redirect URI with the port actually bound.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.redirect_uri.port_or_known_default().unwrap_or(80)
    }

    /// Waits up to `timeout` for a request to the redirect path and passes its full URL to `check`.
    ///
    /// The browser gets a page saying it is signed in when `check` succeeds, or the
    /// error (HTML-escaped) when it fails. The result is returned, unless the error is one
    /// a stranger's request has ([`is_forged_callback`]: a wrong or missing `state`, a
    /// malformed callback): then waiting goes on for the real one. Requests to other paths
    /// get 404, requests with another `Host` than the redirect URI's 421, and waiting goes
    /// on. When time runs out the error is [`Error::Transport`] with
    /// [`TransportErrorKind::Timeout`], saying how many callbacks were refused.
    pub fn wait<T>(&self, timeout: Duration, mut check: impl FnMut(&str) -> Result<T, Error>) -> Result<T, Error> {
        let deadline = Instant::now().checked_add(timeout);
        let mut refused = 0usize;
        let (sender, requests) = mpsc::channel::<(TcpStream, io::Result<Head>)>();
        loop {
            let mut accepted = false;
            for listener in &self.listeners {
                match listener.accept() {
                    Ok((stream, _)) => {
                        accepted = true;
                        let sender = sender.clone();
                        std::thread::spawn(move || {
                            let head = read_head(&stream);
                            // The receiver is gone once a callback was handled; the stream just closes.
                            let _ = sender.send((stream, head));
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if is_transient(&e) => {}
                    Err(e) => {
                        return Err(transport(TransportErrorKind::Io, format!("accepting a connection failed: {e}")))
                    }
                }
            }
            if accepted {
                continue;
            }
            let now = Instant::now();
            let left = deadline.map_or(POLL, |d| d.saturating_duration_since(now));
            if left.is_zero() {
                let refused = match refused {
                    0 => String::new(),
                    n => format!(" ({n} callback{} without this login's state refused)", if n == 1 { "" } else { "s" }),
                };
                return Err(transport(
                    TransportErrorKind::Timeout,
                    format!(
                        "no browser came back to {} within {} s{refused}; open the authorization url and sign in",
                        self.redirect_uri,
                        timeout.as_secs()
                    ),
                ));
            }
            let (mut stream, head) = match requests.recv_timeout(POLL.min(left)) {
                Ok(request) => request,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => continue,
            };
            let Ok(head) = head else { continue };
            if !self.is_own_host(head.host.as_deref()) {
                // DNS rebinding: a page on evil.example resolved to 127.0.0.1 reaches this port
                // with its own Host. Only the redirect URI's host and port are served.
                let expected = origin(&self.redirect_uri);
                respond(
                    &mut stream,
                    "421 Misdirected Request",
                    "Wrong address",
                    &format!("This page answers only {expected}."),
                );
                continue;
            }
            if head.path() != self.redirect_uri.path() {
                respond(&mut stream, "404 Not Found", "Not found", "This is not the sign-in page.");
                continue;
            }
            if head.method != "GET" {
                respond(&mut stream, "405 Method Not Allowed", "Method not allowed", "Use GET.");
                continue;
            }
            let url = format!("{}{}", origin(&self.redirect_uri), head.target);
            let result = check(&url);
            match &result {
                Ok(_) => respond(&mut stream, "200 OK", "Signed in", "You are signed in. You can close this tab."),
                Err(e) if is_forged_callback(e) => {
                    refused += 1;
                    let message = format!("{e}. This is not the answer to the sign-in in progress, which goes on.");
                    respond(&mut stream, "400 Bad Request", "Not this sign-in", &message);
                    continue;
                }
                Err(e) => respond(&mut stream, "400 Bad Request", "Sign-in failed", &e.to_string()),
            }
            return result;
        }
    }

    /// Whether a request's `Host` header names the redirect URI's host and port (the port
    /// may be left out when it is 80). A request without one (HTTP/1.0) is refused too.
    fn is_own_host(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return false };
        let want_host = self.redirect_uri.host_str().unwrap_or_default();
        let want_port = self.port();
        let (name, port) = match host.rsplit_once(':') {
            // An IPv6 literal's own colons stay inside its brackets.
            Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
            _ => (host, Some(80)),
        };
        name.eq_ignore_ascii_case(want_host) && port == Some(want_port)
    }
}

/// Whether a callback error is one that any web page could cause by sending the browser to
/// the redirect URI: a missing or wrong `state` (the flow's checks put it first, errors
/// included), a malformed query, another target. The login ignores such a request and
/// waits for the real one. Errors after the `state` check (`iss`, `error=`, a missing
/// code) come from the party that was given the state, the authorization server, and end it.
pub fn is_forged_callback(e: &Error) -> bool {
    matches!(e, Error::StateMismatch | Error::MalformedCallback { .. } | Error::WrongRedirect { .. })
}

fn loopback_ip(uri: &Url) -> Result<IpAddr, Error> {
    if uri.scheme() != "http" {
        return Err(Error::Config {
            reason: format!(
                "a loopback listener serves plain http redirect uris, not {}: use http://127.0.0.1:PORT/PATH",
                uri.scheme()
            ),
        });
    }
    let ip = match uri.host() {
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
        _ => {
            return Err(Error::Config {
                reason: format!(
                    "a loopback listener can only serve loopback redirect uris (localhost, 127.0.0.1, [::1]), not {}",
                    uri.host_str().unwrap_or("a uri without host")
                ),
            })
        }
    };
    Ok(ip)
}

fn bind_error(e: &io::Error, uri: &Url, port: u16) -> Error {
    let host = uri.host_str().unwrap_or("localhost");
    let reason = match e.kind() {
        io::ErrorKind::AddrInUse => return Error::PortInUse { address: format!("{host}:{port}") },
        io::ErrorKind::PermissionDenied => format!(
            "no permission to listen on port {port}: ports below 1024 need administrator privileges; use 8080 \
             or higher, and register that redirect uri at the provider"
        ),
        _ => format!("cannot listen on {host}:{port}: {e}"),
    };
    Error::Config { reason }
}

/// Errors on one incoming connection that do not affect the listener.
fn is_transient(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted)
}

fn transport(kind: TransportErrorKind, message: String) -> Error {
    Error::Transport { kind, message }
}

/// `http://host:port` of the redirect URI (the URL crate always writes a non-default port).
fn origin(uri: &Url) -> String {
    uri.origin().ascii_serialization()
}

/// The request line and `Host` of one request.
struct Head {
    method: String,
    /// The origin-form target: path and query.
    target: String,
    /// The `Host` header, if sent (once).
    host: Option<String>,
}

impl Head {
    fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or_default()
    }
}

/// Finds the blank line that ends a request head in a growing buffer, looking at each byte
/// once: a head sent a byte at a time costs as much as one sent whole.
#[derive(Debug, Default)]
struct HeadEnd {
    /// How much of the buffer was searched already.
    scanned: usize,
    /// Bytes looked at so far, over all calls.
    examined: usize,
}

impl HeadEnd {
    /// The length of the head with its blank line, once `buf` holds it. `buf` only grows
    /// between calls; only its new bytes (and the three before them, where a `\r\n\r\n`
    /// may have begun) are searched.
    fn find(&mut self, buf: &[u8]) -> Option<usize> {
        let from = self.scanned.saturating_sub(3).min(buf.len());
        self.examined += buf.len() - from;
        self.scanned = buf.len();
        buf[from..].windows(4).position(|w| w == b"\r\n\r\n").map(|i| from + i + 4)
    }
}

/// Reads the request head, giving up after [`READ_TIMEOUT`] or [`MAX_HEAD`] bytes.
fn read_head(stream: &TcpStream) -> io::Result<Head> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let started = Instant::now();
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let mut reader = stream;
    let mut end = HeadEnd::default();
    while end.find(&head).is_none() {
        if head.len() > MAX_HEAD || started.elapsed() > READ_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head too large or too slow"));
        }
        match reader.read(&mut chunk)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => head.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut hosts = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim().to_owned());
    // Two Host headers are a malformed request (RFC 9112 §3.2): treated as none.
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => Some(host),
        _ => None,
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::ErrorKind::InvalidData.into());
    };
    // An absolute-form target (a proxy's) is cut down to path and query.
    let target = match target.find("://") {
        Some(i) => target[i + 3..].find('/').map(|j| &target[i + 3 + j..]).unwrap_or("/"),
        None => target,
    };
    if !target.starts_with('/') {
        return Err(io::ErrorKind::InvalidData.into());
    }
    Ok(Head { method: method.to_owned(), target: target.to_owned(), host })
}

fn respond(stream: &mut TcpStream, status: &str, title: &str, message: &str) {
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{}</p></body></html>\n",
        escape_html(message)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may have gone; the result stands either way.
    let _ = stream.write_all(response.as_bytes()).and_then(|()| stream.flush());
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Opens `url` in the user's browser: `$BROWSER` if set, else `xdg-open`, `open` or the Windows URL handler.
///
/// Returns whether a launcher could be started. It never fails a login: without a
/// browser, the user opens the printed URL by hand.
pub fn open_browser(url: &str) -> bool {
    let mut command = match std::env::var("BROWSER") {
        Ok(browser) if !browser.trim().is_empty() => std::process::Command::new(browser.trim()),
        _ if cfg!(target_os = "macos") => std::process::Command::new("open"),
        _ if cfg!(windows) => {
            let mut c = std::process::Command::new("rundll32");
            c.arg("url.dll,FileProtocolHandler");
            c
        }
        _ => std::process::Command::new("xdg-open"),
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match command.spawn() {
        Ok(mut child) => {
            // Reap the launcher in the background so it leaves no zombie.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_reader_looks_at_each_byte_once() {
        // A 32 KiB head arriving a byte at a time: 32 Ki searches, each of the new byte only.
        let mut head = b"GET /cb?".to_vec();
        head.resize(32 << 10, b'a');
        head.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut end = HeadEnd::default();
        let mut buf = Vec::new();
        let mut found = None;
        for &b in &head {
            buf.push(b);
            found = end.find(&buf);
            if found.is_some() {
                break;
            }
        }
        assert_eq!(found, Some(head.len()));
        assert!(end.examined <= 4 * head.len(), "{} bytes examined for a {} byte head", end.examined, head.len());
        // The end is found wherever the reads split it.
        let text = b"GET / HTTP/1.1\r\n\r\n";
        assert_eq!(HeadEnd::default().find(text), Some(text.len()));
        for split in 1..=4 {
            let mut end = HeadEnd::default();
            assert_eq!(end.find(&text[..text.len() - split]), None, "split {split}");
            assert_eq!(end.find(text), Some(text.len()), "split {split}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
