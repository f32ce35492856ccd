//! A tiny HTTP/1.1 client over `TcpStream` and OAuth helpers shared by the tests.
#![allow(dead_code)]

use authflow_devserver::{DevServer, Knobs, Options};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The redirect URI the tests register (any loopback URI is accepted).
pub const REDIRECT: &str = "http://127.0.0.1:8080/oauth";
/// RFC 7636 appendix B's verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn start() -> DevServer {
    start_with(Knobs::default())
}

pub fn start_with(knobs: Knobs) -> DevServer {
    DevServer::start(Options { port: 0, knobs }).expect("devserver starts")
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn basic(id: &str, secret: &str) -> String {
    let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(id), encode(secret))))
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// One HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The query parameters of the `Location` header.
    pub fn location_params(&self) -> HashMap<String, String> {
        let location = self.header("location").expect("has a Location header");
        query_of(location)
    }
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    let url = url::Url::parse(url).expect("a valid URL");
    url.query_pairs().into_owned().collect()
}

/// A keep-alive connection to the server.
pub struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(server: &DevServer) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout set");
        let reader = BufReader::new(stream.try_clone().expect("clones"));
        Conn { stream, reader }
    }

    pub fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Resp> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes)?;
        self.read_response()
    }

    pub fn read_response(&mut self) -> std::io::Result<Resp> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Resp { status, headers, body })
    }

    /// Whether the server closed the connection (EOF within the read timeout).
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0) | Err(_))
    }
}

pub fn get(server: &DevServer, path: &str, headers: &[(&str, &str)]) -> Resp {
    Conn::open(server).send("GET", path, headers, b"").expect("GET answered")
}

pub fn post_form(server: &DevServer, path: &str, headers: &[(&str, &str)], pairs: &[(&str, &str)]) -> Resp {
    let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    Conn::open(server).send("POST", path, &all, form(pairs).as_bytes()).expect("POST answered")
}

/// GETs an authorization URL built from `path` and `pairs`.
pub fn authorize(server: &DevServer, path: &str, pairs: &[(&str, &str)]) -> Resp {
    get(server, &format!("{path}?{}", form(pairs)), &[])
}

/// Authorizes and returns the redirect's query parameters (expects a 302).
pub fn authorize_ok(server: &DevServer, path: &str, pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let response = authorize(server, path, pairs);
    assert_eq!(response.status, 302, "{}", response.text());
    let location = response.header("location").expect("Location");
    assert!(location.starts_with(REDIRECT), "{location}");
    response.location_params()
}

/// Asserts an RFC 6749 §5.2 error answer.
pub fn assert_oauth_error(response: &Resp, status: u16, error: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.json()["error"], error, "{}", response.text());
    assert_eq!(response.header("cache-control"), Some("no-store"));
}
