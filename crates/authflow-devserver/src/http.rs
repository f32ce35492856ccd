//! A tiny HTTP/1.1 layer: reads requests, writes responses, keeps connections alive.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The largest request body accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;
/// How long a connection may stay silent.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The most headers one request may carry.
const MAX_HEADERS: usize = 64;
/// How long a closing connection drains what the client still sends.
const LINGER: Duration = Duration::from_secs(1);

/// Parsed `application/x-www-form-urlencoded` parameters, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(bytes: &[u8]) -> Params {
        Params(url::form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The first non-empty value of `name` (RFC 6749 §3.1: empty means omitted).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, value)| key == name && !value.is_empty()).map(|(_, value)| value.as_str())
    }

    /// The first parameter name that appears more than once, in one pass (a 1 MiB form of
    /// distinct names is checked as fast as a short one).
    pub fn repeated(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::with_capacity(self.0.len());
        self.0.iter().map(|(key, _)| key.as_str()).find(|key| !seen.insert(*key))
    }

    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }
}

/// One HTTP request with its body read.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    pub fn query_params(&self) -> Params {
        Params::parse(self.query.as_bytes())
    }

    /// Whether the body is declared as `mime` (parameters like charset ignored).
    pub fn content_type_is(&self, mime: &str) -> bool {
        self.header("content-type")
            .and_then(|value| value.split(';').next())
            .is_some_and(|value| value.trim().eq_ignore_ascii_case(mime))
    }

    /// The query parameters, plus the form body of a form-encoded POST.
    pub fn params(&self) -> Params {
        let mut params = self.query_params();
        if self.method == "POST" && self.content_type_is("application/x-www-form-urlencoded") {
            params.extend(Params::parse(&self.body));
        }
        params
    }

    /// The credentials after an `Authorization: <scheme> ` prefix.
    pub fn authorization(&self, scheme: &str) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (given, rest) = value.split_once(' ')?;
        given.eq_ignore_ascii_case(scheme).then(|| rest.trim()).filter(|rest| !rest.is_empty())
    }

    pub fn bearer(&self) -> Option<&str> {
        self.authorization("Bearer")
    }
}

/// One HTTP response; `Content-Length` and `Connection` are added when written.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status).header("Content-Type", "application/json").body(value.to_string().into_bytes())
    }

    pub fn html(status: u16, page: String) -> Response {
        Response::new(status).header("Content-Type", "text/html; charset=utf-8").body(page.into_bytes())
    }

    pub fn text(status: u16, text: &str) -> Response {
        Response::new(status).header("Content-Type", "text/plain; charset=utf-8").body(text.as_bytes().to_vec())
    }

    pub fn redirect(location: String) -> Response {
        Response::new(302).header("Location", location).header("Cache-Control", "no-store")
    }

    /// Adds the headers RFC 6749 §5.1 wants on token responses.
    pub fn no_store(self) -> Response {
        self.header("Cache-Control", "no-store").header("Pragma", "no-cache")
    }
}

/// What a handler wants done with the connection.
#[derive(Debug)]
pub(crate) enum Reply {
    Send(Response),
    /// Close the connection without answering.
    Drop,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply::Send(response)
    }
}

/// Why no request could be read.
#[derive(Debug)]
enum ReadError {
    /// The client closed the connection, went silent or the socket failed.
    Closed,
    Malformed,
    HeadTooLarge,
    TooManyHeaders,
    BodyTooLarge,
}

impl ReadError {
    /// The response for a request that could not be read, if one is owed.
    fn response(&self) -> Option<Response> {
        match self {
            ReadError::Closed => None,
            ReadError::Malformed => Some(Response::text(400, "Bad Request\n")),
            ReadError::HeadTooLarge => Some(Response::text(413, "Request head too large\n")),
            ReadError::TooManyHeaders => Some(Response::text(431, "Too many header fields\n")),
            ReadError::BodyTooLarge => Some(Response::text(413, "Request body too large\n")),
        }
    }
}

/// Serves requests on one connection until it closes, fails or `stop` is set.
pub(crate) fn serve_connection(stream: &TcpStream, stop: &AtomicBool, handle: &dyn Fn(&Request) -> Reply) {
    if configure(stream).is_err() {
        return;
    }
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::SeqCst) {
        let request = match read_request(&mut reader, stream) {
            Ok(request) => request,
            Err(error) => {
                if let Some(response) = error.response() {
                    let _ = write_response(stream, &response, true, false);
                    linger_close(stream);
                }
                return;
            }
        };
        let keep_alive = request.keep_alive;
        let head_only = request.method == "HEAD";
        match handle(&request) {
            Reply::Drop => break,
            Reply::Send(response) => {
                let written = write_response(stream, &response, !keep_alive, head_only);
                if written.is_err() || !keep_alive {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn configure(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    stream.set_nodelay(true)
}

/// Half-closes, then drains briefly so the client reads the answer, not a reset.
fn linger_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 8192];
    let mut reader = stream;
    while Instant::now() < deadline {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_request(reader: &mut BufReader<&TcpStream>, stream: &TcpStream) -> Result<Request, ReadError> {
    let head = read_head(reader)?;
    let mut request = parse_head(&head)?;
    let framing = body_framing(&request)?;
    if request.header("expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue")) {
        let mut writer = stream;
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Closed)?;
    }
    request.body = match framing {
        Framing::Length(length) => read_exact(reader, length)?,
        Framing::Chunked => read_chunked(reader)?,
    };
    Ok(request)
}

/// Reads lines up to the blank line that ends the head, skipping leading blank lines.
fn read_head(reader: &mut BufReader<&TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let read = read_line(reader, &mut head, MAX_HEAD + 1 - start)?;
        if head.len() > MAX_HEAD {
            return Err(ReadError::HeadTooLarge);
        }
        if read == 0 {
            return Err(if start == 0 { ReadError::Closed } else { ReadError::Malformed });
        }
        let line = &head[start..];
        if !line.ends_with(b"\n") {
            return Err(ReadError::Malformed);
        }
        if line == b"\r\n" || line == b"\n" {
            if start == 0 {
                head.clear();
                continue;
            }
            return Ok(head);
        }
    }
}

/// Appends one line (at most `limit` bytes) to `out`; returns the bytes read.
fn read_line(reader: &mut BufReader<&TcpStream>, out: &mut Vec<u8>, limit: usize) -> Result<usize, ReadError> {
    reader.by_ref().take(limit as u64).read_until(b'\n', out).map_err(|_| ReadError::Closed)
}

fn parse_head(head: &[u8]) -> Result<Request, ReadError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(ReadError::Malformed),
        Err(httparse::Error::TooManyHeaders) => return Err(ReadError::TooManyHeaders),
        Err(_) => return Err(ReadError::Malformed),
    }
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version) else {
        return Err(ReadError::Malformed);
    };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).trim().to_string();
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    let (path, query) = split_target(target)?;
    let keep_alive = wants_keep_alive(version, &headers);
    Ok(Request { method: method.to_string(), path, query, headers, body: Vec::new(), keep_alive })
}

/// Splits an origin-form (or absolute-form) target into path and query.
fn split_target(target: &str) -> Result<(String, String), ReadError> {
    let origin = if target.starts_with('/') {
        target.to_string()
    } else {
        let url = url::Url::parse(target).map_err(|_| ReadError::Malformed)?;
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    };
    let (path, query) = origin.split_once('?').unwrap_or((&origin, ""));
    Ok((path.to_string(), query.to_string()))
}

fn wants_keep_alive(version: u8, headers: &[(String, String)]) -> bool {
    let has = |token: &str| {
        headers
            .iter()
            .filter(|(name, _)| name == "connection")
            .flat_map(|(_, value)| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    };
    if version >= 1 {
        !has("close")
    } else {
        has("keep-alive")
    }
}

/// How the request body is delimited.
enum Framing {
    Length(usize),
    Chunked,
}

fn body_framing(request: &Request) -> Result<Framing, ReadError> {
    let lengths: Vec<&str> =
        request.headers.iter().filter(|(name, _)| name == "content-length").map(|(_, value)| value.as_str()).collect();
    if let Some(coding) = request.header("transfer-encoding") {
        if !lengths.is_empty() || !coding.eq_ignore_ascii_case("chunked") {
            return Err(ReadError::Malformed);
        }
        return Ok(Framing::Chunked);
    }
    let Some(first) = lengths.first() else {
        return Ok(Framing::Length(0));
    };
    if lengths.iter().any(|other| other != first) {
        return Err(ReadError::Malformed);
    }
    let length = parse_decimal(first).ok_or(ReadError::Malformed)?;
    if length > MAX_BODY {
        return Err(ReadError::BodyTooLarge);
    }
    Ok(Framing::Length(length))
}

fn parse_decimal(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn read_exact(reader: &mut BufReader<&TcpStream>, length: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::with_capacity(length);
    append_exact(reader, &mut body, length)?;
    Ok(body)
}

fn append_exact(reader: &mut BufReader<&TcpStream>, out: &mut Vec<u8>, length: usize) -> Result<(), ReadError> {
    let read = reader.by_ref().take(length as u64).read_to_end(out).map_err(|_| ReadError::Closed)?;
    if read == length {
        Ok(())
    } else {
        Err(ReadError::Malformed)
    }
}

/// Decodes a chunked body (RFC 9112 §7.1), discarding extensions and trailers.
fn read_chunked(reader: &mut BufReader<&TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_crlf_line(reader)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Malformed)?;
        if size > MAX_BODY - body.len() {
            return Err(ReadError::BodyTooLarge);
        }
        if size == 0 {
            while !read_crlf_line(reader)?.is_empty() {}
            return Ok(body);
        }
        append_exact(reader, &mut body, size)?;
        if !read_crlf_line(reader)?.is_empty() {
            return Err(ReadError::Malformed);
        }
    }
}

/// Reads one short line and returns it without its line ending.
fn read_crlf_line(reader: &mut BufReader<&TcpStream>) -> Result<String, ReadError> {
    let mut line = Vec::new();
    read_line(reader, &mut line, 1024)?;
    if !line.ends_with(b"\n") {
        return Err(ReadError::Malformed);
    }
    let text = String::from_utf8(line).map_err(|_| ReadError::Malformed)?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

fn write_response(stream: &TcpStream, response: &Response, close: bool, head_only: bool) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(256 + response.body.len());
    write!(out, "HTTP/1.1 {} {}\r\nServer: authflow-devserver\r\n", response.status, reason(response.status))?;
    for (name, value) in &response.headers {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        write!(out, "{name}: {value}\r\n")?;
    }
    if response.status != 204 && response.status >= 200 {
        write!(out, "Content-Length: {}\r\n", response.body.len())?;
    }
    let connection = if close { "close" } else { "keep-alive" };
    write!(out, "Connection: {connection}\r\n\r\n")?;
    if !head_only {
        out.extend_from_slice(&response.body);
    }
    let mut writer = stream;
    writer.write_all(&out)?;
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 1 MiB of distinct parameter names (`p0=&p1=&...`), the largest body the server reads.
    fn large_form() -> String {
        let mut body = String::with_capacity(MAX_BODY);
        let mut i = 0;
        while body.len() < MAX_BODY - 16 {
            body.push_str(&format!("p{i}=&"));
            i += 1;
        }
        body
    }

    #[test]
    fn repeated_names_are_found_in_order() {
        assert_eq!(Params::parse(b"a=1&b=2&c=3").repeated(), None);
        assert_eq!(Params::parse(b"a=1&b=2&b=3&a=4").repeated(), Some("b"));
        assert_eq!(Params::parse(b"a=1&a=").repeated(), Some("a"));
    }

    #[test]
    fn a_one_mib_form_of_distinct_names_is_checked_in_one_pass() {
        // About 110 000 names: comparing each with every earlier one took 38 s; one pass takes
        // milliseconds, so the generous bound below cannot flake on a loaded machine.
        let body = large_form();
        let params = Params::parse(body.as_bytes());
        assert!(params.0.len() > 100_000);
        let started = Instant::now();
        assert_eq!(params.repeated(), None);
        let mut with_repeat = body;
        with_repeat.push_str("p7=x");
        assert_eq!(Params::parse(with_repeat.as_bytes()).repeated(), Some("p7"));
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }
}
