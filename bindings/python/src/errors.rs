//! The exception hierarchy and the one place where the core's `Error` becomes a Python exception.
//!
//! ```text
//! AuthflowError
//! ├── ConfigError
//! ├── CallbackError
//! │   ├── WrongRedirect        .expected .got
//! │   ├── MalformedCallback
//! │   ├── AuthorizationDenied  .error .description .uri
//! │   ├── StateMismatch
//! │   ├── IssuerMismatch       .expected .got
//! │   └── MissingCode
//! ├── OAuthError               .error .description .uri .status
//! ├── UnexpectedResponse       .status .content_type
//! ├── InvalidStateError        .state .operation
//! └── TransportError           .kind
//! ```
//!
//! Every instance also carries `.code`, the core's language-neutral `Error::kind()`
//! (`"oauth"`, `"state_mismatch"`, ...), the same string the Node binding puts in `code`.
//! Messages are the core's `Display`, which never holds a secret.

use authflow_core::Error;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

/// `create_exception!`, registered with the stub generator when it is built.
macro_rules! exception {
    ($($args:tt)*) => {
        #[cfg(feature = "stub-gen")]
        pyo3_stub_gen::create_exception!($($args)*);
        #[cfg(not(feature = "stub-gen"))]
        pyo3::create_exception!($($args)*);
    };
}

exception!(
    authflow._native,
    AuthflowError,
    PyException,
    "Every error authflow raises. `.code` is the language-neutral kind (`oauth`, `state_mismatch`, ...)."
);
exception!(
    authflow._native,
    ConfigError,
    AuthflowError,
    "The client or provider configuration is unusable, or an argument is invalid. Fix the code."
);
exception!(
    authflow._native,
    CallbackError,
    AuthflowError,
    "The redirect back from the authorization server was refused; nothing was consumed."
);
exception!(
    authflow._native,
    WrongRedirect,
    CallbackError,
    "The callback URL is not the configured redirect URI (`.expected`, `.got`)."
);
exception!(
    authflow._native,
    MalformedCallback,
    CallbackError,
    "The callback could not be read (not a URL, a repeated parameter, too long)."
);
exception!(
    authflow._native,
    AuthorizationDenied,
    CallbackError,
    "The authorization server redirected back with `error=` (`.error`, `.description`, `.uri`)."
);
exception!(
    authflow._native,
    StateMismatch,
    CallbackError,
    "The callback's `state` is missing or not this login's (stale tab, restart, forgery): start a new login."
);
exception!(
    authflow._native,
    IssuerMismatch,
    CallbackError,
    "The `iss` (RFC 9207) or the discovery document names another issuer (`.expected`, `.got`)."
);
exception!(authflow._native, MissingCode, CallbackError, "The callback carries neither `code` nor `error`.");
exception!(
    authflow._native,
    OAuthError,
    AuthflowError,
    "The token endpoint answered an RFC 6749 error (`.error`, `.description`, `.uri`, `.status`)."
);
exception!(
    authflow._native,
    UnexpectedResponse,
    AuthflowError,
    "The server answered neither tokens nor an OAuth error (`.status`, `.content_type`)."
);
exception!(
    authflow._native,
    InvalidStateError,
    AuthflowError,
    "A method was called in a state that does not allow it (`.state`, `.operation`)."
);
exception!(
    authflow._native,
    TransportError,
    AuthflowError,
    "The HTTP exchange failed (`.kind`: connect, timeout, io, tls, too_large, insecure, redirect, other)."
);

/// Registers the exception classes in the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AuthflowError", py.get_type::<AuthflowError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("CallbackError", py.get_type::<CallbackError>())?;
    m.add("WrongRedirect", py.get_type::<WrongRedirect>())?;
    m.add("MalformedCallback", py.get_type::<MalformedCallback>())?;
    m.add("AuthorizationDenied", py.get_type::<AuthorizationDenied>())?;
    m.add("StateMismatch", py.get_type::<StateMismatch>())?;
    m.add("IssuerMismatch", py.get_type::<IssuerMismatch>())?;
    m.add("MissingCode", py.get_type::<MissingCode>())?;
    m.add("OAuthError", py.get_type::<OAuthError>())?;
    m.add("UnexpectedResponse", py.get_type::<UnexpectedResponse>())?;
    m.add("InvalidStateError", py.get_type::<InvalidStateError>())?;
    m.add("TransportError", py.get_type::<TransportError>())?;
    Ok(())
}

/// A `ConfigError` for an argument the binding could not convert.
pub fn config(reason: impl Into<String>) -> PyErr {
    to_py(Error::Config { reason: reason.into() })
}

/// The core's error as the matching Python exception, with its fields as attributes.
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    let code = e.kind();
    let err = match &e {
        Error::Config { .. } => ConfigError::new_err(message),
        Error::WrongRedirect { .. } => WrongRedirect::new_err(message),
        Error::MalformedCallback { .. } => MalformedCallback::new_err(message),
        Error::AuthorizationDenied { .. } => AuthorizationDenied::new_err(message),
        Error::StateMismatch => StateMismatch::new_err(message),
        Error::IssuerMismatch { .. } => IssuerMismatch::new_err(message),
        Error::MissingCode => MissingCode::new_err(message),
        Error::OAuth { .. } => OAuthError::new_err(message),
        Error::UnexpectedResponse { .. } => UnexpectedResponse::new_err(message),
        Error::InvalidState { .. } => InvalidStateError::new_err(message),
        Error::Transport { .. } => TransportError::new_err(message),
        // The core's enum is non-exhaustive: a new variant is still an AuthflowError.
        _ => AuthflowError::new_err(message),
    };
    Python::attach(|py| {
        let value = err.value(py);
        let set = |name: &str, v: Option<&str>| value.setattr(name, v);
        let attributes = (|| -> PyResult<()> {
            value.setattr("code", code)?;
            match &e {
                Error::WrongRedirect { expected, got } => {
                    set("expected", Some(expected))?;
                    set("got", Some(got))?;
                }
                Error::AuthorizationDenied { error, description, uri } => {
                    set("error", Some(error.as_str()))?;
                    set("description", description.as_deref())?;
                    set("uri", uri.as_deref())?;
                }
                Error::IssuerMismatch { expected, got } => {
                    set("expected", Some(expected))?;
                    set("got", got.as_deref())?;
                }
                Error::OAuth { error, description, uri, status } => {
                    set("error", Some(error.as_str()))?;
                    set("description", description.as_deref())?;
                    set("uri", uri.as_deref())?;
                    value.setattr("status", *status)?;
                }
                Error::UnexpectedResponse { status, content_type, .. } => {
                    value.setattr("status", *status)?;
                    set("content_type", content_type.as_deref())?;
                }
                Error::InvalidState { state, operation } => {
                    set("state", Some(state.as_str()))?;
                    set("operation", Some(operation))?;
                }
                Error::Transport { kind, .. } => {
                    let kind = serde_json::to_value(kind).ok();
                    set("kind", kind.as_ref().and_then(|k| k.as_str()))?;
                }
                _ => {}
            }
            Ok(())
        })();
        // Setting a plain attribute on a fresh exception cannot fail in practice; if it
        // did, the exception is still raised with its message and class.
        drop(attributes);
    });
    err
}
