//! The one place where a core [`Error`] becomes a JS `Error` with a stable `code`.
//!
//! `code` is `ERR_` + the core's `Error::kind()` upper-cased (`ERR_STATE_MISMATCH`,
//! `ERR_CONFIG`, ...), except OAuth error responses, which carry the RFC 6749 code:
//! `ERR_OAUTH_INVALID_GRANT`. The message is the core's `Display`, which never holds a
//! secret. Fields: `kind` (the core's kind), `error`, `description`, `uri`, `status`,
//! and `transport` (the transport failure kind), each present only when it applies.

use authflow::{Error, TransportErrorKind};
use napi::bindgen_prelude::Object;
use napi::{Env, JsValue, Status};

/// The stable `code` of an error.
pub fn code(e: &Error) -> String {
    match e {
        Error::OAuth { error, .. } => format!("ERR_OAUTH_{}", upper_snake(error.as_str())),
        other => format!("ERR_{}", other.kind().to_ascii_uppercase()),
    }
}

/// `invalid_grant` -> `INVALID_GRANT`; anything outside `[A-Za-z0-9]` becomes `_` (codes are sent by servers).
fn upper_snake(wire: &str) -> String {
    let code: String =
        wire.chars().take(64).map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    if code.is_empty() {
        "UNKNOWN".to_owned()
    } else {
        code
    }
}

fn transport_kind(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connect",
        TransportErrorKind::Timeout => "timeout",
        TransportErrorKind::Io => "io",
        TransportErrorKind::Tls => "tls",
        TransportErrorKind::TooLarge => "too_large",
        TransportErrorKind::Insecure => "insecure",
        TransportErrorKind::Redirect => "redirect",
        _ => "other",
    }
}

/// The JS error for a core error, ready to throw or reject with.
pub fn to_js(env: &Env, e: &Error) -> napi::Error {
    build(env, e).unwrap_or_else(|fallback| napi::Error::new(Status::GenericFailure, format!("{e} ({fallback})")))
}

fn build(env: &Env, e: &Error) -> napi::Result<napi::Error> {
    let mut obj: Object = env.create_error(napi::Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set("code", code(e))?;
    obj.set("kind", e.kind())?;
    match e {
        Error::OAuth { error, description, uri, status } => {
            obj.set("error", error.as_str())?;
            set_opt(&mut obj, "description", description)?;
            set_opt(&mut obj, "uri", uri)?;
            obj.set("status", u32::from(*status))?;
        }
        Error::AuthorizationDenied { error, description, uri } => {
            obj.set("error", error.as_str())?;
            set_opt(&mut obj, "description", description)?;
            set_opt(&mut obj, "uri", uri)?;
        }
        Error::UnexpectedResponse { status, .. } => obj.set("status", u32::from(*status))?,
        Error::Transport { kind, .. } => obj.set("transport", transport_kind(*kind))?,
        _ => {}
    }
    Ok(napi::Error::from(obj.to_unknown()))
}

fn set_opt(obj: &mut Object, name: &str, value: &Option<String>) -> napi::Result<()> {
    match value {
        Some(v) => obj.set(name, v.as_str()),
        None => Ok(()),
    }
}

/// A configuration error raised by the binding itself (a bad option value), mapped like any other.
pub fn config(env: &Env, reason: impl Into<String>) -> napi::Error {
    to_js(env, &Error::Config { reason: reason.into() })
}

/// Maps a `Result` of the core into one JS can see.
pub trait OrThrow<T> {
    /// Converts the error with [`to_js`].
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T, Error> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| to_js(env, &e))
    }
}
