//! The one error type: every failure a caller can act on, with no secret in any message.

use serde::{Deserialize, Serialize};

/// An RFC 6749 error code (§4.1.2.1 and §5.2), kept as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OAuthErrorCode {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client`.
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is unknown, used, expired or revoked.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// `access_denied`: the user or the server refused.
    AccessDenied,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `server_error`.
    ServerError,
    /// `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// Any other code, as sent.
    Other(String),
}

impl OAuthErrorCode {
    /// Parses the wire value.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(s) => s,
        }
    }
}

impl std::fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OAuthErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OAuthErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// What went wrong in the transport (set by the batteries, never by the core).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, unreachable).
    Connect,
    /// The server did not answer in time.
    Timeout,
    /// The connection closed or broke mid-exchange.
    Io,
    /// TLS failed.
    Tls,
    /// The response was larger than the configured limit.
    TooLarge,
    /// The endpoint is not HTTPS and not on a loopback address.
    Insecure,
    /// The server answered with a redirect on a request that must not follow one.
    Redirect,
    /// Anything else the HTTP client reported.
    Other,
}

/// The endpoint that answered an [`Error::OAuth`]; named in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OAuthEndpoint {
    /// The token endpoint: a code exchange or a refresh.
    #[default]
    Token,
    /// The RFC 7009 revocation endpoint.
    Revocation,
}

impl std::fmt::Display for OAuthEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OAuthEndpoint::Token => "token endpoint",
            OAuthEndpoint::Revocation => "revocation endpoint",
        })
    }
}

/// Which side is to blame; useful for retries and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The caller: configuration or API misuse. Fix the code.
    Local,
    /// The user at the authorization server (denied, cancelled).
    User,
    /// The authorization server or the network.
    Remote,
}

/// Every error authflow reports. Messages are lower case, carry no secret and say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or provider configuration is unusable.
    #[error("configuration error: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// The callback URL is not the configured redirect URI.
    #[error("callback went to {got}, but the configured redirect uri is {expected}")]
    WrongRedirect {
        /// The configured redirect URI (without query).
        expected: String,
        /// Scheme, host, port and path of the URL received.
        got: String,
    },

    /// The callback could not be read (not a URL, a parameter repeated, a value too long).
    #[error("malformed callback: {reason}")]
    MalformedCallback {
        /// What was wrong.
        reason: String,
    },

    /// The authorization server redirected back with `error=`.
    #[error("authorization denied: {error}{}", detail(description))]
    AuthorizationDenied {
        /// The RFC 6749 §4.1.2.1 code, usually `access_denied`.
        error: OAuthErrorCode,
        /// `error_description`, if sent.
        description: Option<String>,
        /// `error_uri`, if sent.
        uri: Option<String>,
    },

    /// The callback's `state` is missing or differs from the one sent.
    #[error("state mismatch: the callback does not belong to this login (stale tab, server restart, or forgery); start a new login")]
    StateMismatch,

    /// The callback's `iss` is missing or differs from the provider's issuer (RFC 9207).
    #[error("issuer mismatch: expected {expected}, got {}", got.as_deref().unwrap_or("none"))]
    IssuerMismatch {
        /// The provider's issuer.
        expected: String,
        /// The `iss` received, if any.
        got: Option<String>,
    },

    /// The callback carries neither `code` nor `error`.
    #[error("the callback carries no authorization code")]
    MissingCode,

    /// The token endpoint (or the revocation endpoint) answered with an RFC 6749 §5.2 error.
    #[error("{endpoint} said {error} (http {status}){}", detail(description))]
    OAuth {
        /// The error code.
        error: OAuthErrorCode,
        /// `error_description`, if sent.
        description: Option<String>,
        /// `error_uri`, if sent.
        uri: Option<String>,
        /// The HTTP status.
        status: u16,
        /// Which endpoint answered: the token endpoint, or the revocation endpoint (RFC 7009 §2.2.1).
        endpoint: OAuthEndpoint,
    },

    /// The server answered something that is neither a token response nor an OAuth error.
    #[error("unexpected response: http {status}, {}: {summary}", content_type.as_deref().unwrap_or("no content type"))]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`, if any.
        content_type: Option<String>,
        /// What was wrong, with a short prefix of a non-JSON body (never a JSON body, which may hold tokens).
        summary: String,
    },

    /// The provider's API answered an error in its own format (Phorge's Conduit answers HTTP 200
    /// with an `error_code`). `ERR-INVALID-AUTH` means the access token is dead.
    #[error("api answered {error_code} (http {status}){}", detail(error_info))]
    ApiError {
        /// The HTTP status (200 for Conduit).
        status: u16,
        /// The API's error code, as sent (`ERR-INVALID-AUTH`, `ERR-CONDUIT-CORE`, ...).
        error_code: String,
        /// The API's message (Conduit's `error_info`), if sent.
        error_info: Option<String>,
    },

    /// A method was called in a state that does not allow it.
    #[error("cannot {operation} in state {state}")]
    InvalidState {
        /// The state the flow is in.
        state: crate::StateName,
        /// What was attempted.
        operation: &'static str,
    },

    /// The HTTP exchange itself failed (reported by the batteries).
    #[error("transport error ({kind}): {message}")]
    Transport {
        /// What kind of failure.
        kind: TransportErrorKind,
        /// Details, without secrets.
        message: String,
    },

    /// The loopback listener's address is taken by another program (reported by the batteries).
    #[error("{address} is already in use by another program: stop it, or register a redirect uri with another port")]
    PortInUse {
        /// The `host:port` that could not be bound.
        address: String,
    },

    /// The token store could not be read or written (reported by the batteries).
    #[error("token store: {message}")]
    Storage {
        /// What failed, naming the file when there is one.
        message: String,
    },

    /// No tokens are stored for this client: sign in first.
    #[error("no tokens stored for {provider}: sign in first")]
    NotSignedIn {
        /// The provider's name.
        provider: String,
    },
}

/// How errors group for a caller: each binding makes one base class (or error family) of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The configuration or an argument is unusable, or the local environment refuses (a port in use). Fix the setup.
    Config,
    /// The redirect back from the authorization server was refused. Start a new login.
    Callback,
    /// The token endpoint answered an RFC 6749 error. Look at `error`.
    OAuth,
    /// The server answered neither tokens nor an OAuth error. Retry later or report it.
    UnexpectedResponse,
    /// A method was called in a state that does not allow it. Fix the calling code.
    InvalidState,
    /// The HTTP exchange failed. Retry, except after a code exchange.
    Transport,
    /// The token store failed. Check the file or the store.
    Storage,
    /// No tokens are stored. Sign in.
    NotSignedIn,
}

impl ErrorCategory {
    /// Every category, base classes first in the order the bindings declare them.
    pub const ALL: &'static [ErrorCategory] = &[
        ErrorCategory::Config,
        ErrorCategory::Callback,
        ErrorCategory::OAuth,
        ErrorCategory::UnexpectedResponse,
        ErrorCategory::InvalidState,
        ErrorCategory::Transport,
        ErrorCategory::Storage,
        ErrorCategory::NotSignedIn,
    ];

    /// The language-neutral name.
    pub fn as_str(self) -> &'static str {
        self.info().0
    }

    /// The class or type name the bindings give the category (`ConfigError`, `CallbackError`, ...).
    pub fn type_name(self) -> &'static str {
        self.info().1
    }

    /// What the category means for the caller.
    pub fn doc(self) -> &'static str {
        self.info().2
    }

    fn info(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ErrorCategory::Config => (
                "config",
                "ConfigError",
                "The configuration or an argument is unusable, or the local environment refuses it.",
            ),
            ErrorCategory::Callback => (
                "callback",
                "CallbackError",
                "The redirect back from the authorization server was refused: start a new login.",
            ),
            ErrorCategory::OAuth => ("oauth", "OAuthError", "The token endpoint answered an RFC 6749 error."),
            ErrorCategory::UnexpectedResponse => (
                "unexpected_response",
                "UnexpectedResponse",
                "A server answered something that is neither the expected answer nor an OAuth error.",
            ),
            ErrorCategory::InvalidState => {
                ("invalid_state", "InvalidStateError", "A method was called in a state that does not allow it.")
            }
            ErrorCategory::Transport => ("transport", "TransportError", "The HTTP exchange failed."),
            ErrorCategory::Storage => ("storage", "StorageError", "The token store could not be read or written."),
            ErrorCategory::NotSignedIn => ("not_signed_in", "NotSignedIn", "No tokens are stored: sign in first."),
        }
    }
}

/// A field value of an error, as [`Error::fields`] hands it to a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// A string, or `None` when the server did not send it.
    Text(Option<&'a str>),
    /// A number (an HTTP status).
    Int(u16),
}

/// The type of an error field, for generated stubs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Always a string.
    Text,
    /// A string or nothing.
    OptionalText,
    /// An integer.
    Int,
}

/// One row of the error table: a kind, its category, the name bindings give it, and its fields.
#[derive(Debug)]
pub struct ErrorKindInfo {
    /// [`Error::kind`].
    pub kind: &'static str,
    /// The Rust variant of [`Error`] (`Config`, `StateMismatch`, ...).
    pub variant: &'static str,
    /// [`Error::category`].
    pub category: ErrorCategory,
    /// The class or type name in the bindings; equal to the category's when the kind is the whole category.
    pub type_name: &'static str,
    /// What happened, in one sentence.
    pub doc: &'static str,
    /// The fields, with their types, as [`Error::fields`] returns them.
    pub fields: &'static [(&'static str, FieldType)],
}

impl ErrorKindInfo {
    /// True when the kind has a class of its own below its category's.
    pub fn is_subclass(&self) -> bool {
        self.type_name != self.category.type_name()
    }
}

/// Every error kind, the one table each binding's error mapping loops over.
pub const ERROR_KINDS: &[ErrorKindInfo] = {
    use ErrorCategory as C;
    use FieldType::{Int, OptionalText as Opt, Text};
    &[
        ErrorKindInfo { kind: "config", variant: "Config", category: C::Config, type_name: "ConfigError", doc: "The configuration or an argument is unusable.", fields: &[("reason", Text)] },
        ErrorKindInfo { kind: "port_in_use", variant: "PortInUse", category: C::Config, type_name: "PortInUse", doc: "The loopback redirect address is taken by another program.", fields: &[("address", Text)] },
        ErrorKindInfo { kind: "wrong_redirect", variant: "WrongRedirect", category: C::Callback, type_name: "WrongRedirect", doc: "The callback URL is not the configured redirect URI.", fields: &[("expected", Text), ("got", Text)] },
        ErrorKindInfo { kind: "malformed_callback", variant: "MalformedCallback", category: C::Callback, type_name: "MalformedCallback", doc: "The callback could not be read (not a URL, a repeated parameter, too long).", fields: &[("reason", Text)] },
        ErrorKindInfo { kind: "authorization_denied", variant: "AuthorizationDenied", category: C::Callback, type_name: "AuthorizationDenied", doc: "The authorization server redirected back with `error=`.", fields: &[("error", Text), ("description", Opt), ("uri", Opt)] },
        ErrorKindInfo { kind: "state_mismatch", variant: "StateMismatch", category: C::Callback, type_name: "StateMismatch", doc: "The callback's `state` is missing or not this login's (stale tab, restart, forgery).", fields: &[] },
        ErrorKindInfo { kind: "issuer_mismatch", variant: "IssuerMismatch", category: C::Callback, type_name: "IssuerMismatch", doc: "The `iss` (RFC 9207) or the discovery document names another issuer.", fields: &[("expected", Text), ("got", Opt)] },
        ErrorKindInfo { kind: "missing_code", variant: "MissingCode", category: C::Callback, type_name: "MissingCode", doc: "The callback carries neither `code` nor `error`.", fields: &[] },
        ErrorKindInfo { kind: "oauth", variant: "OAuth", category: C::OAuth, type_name: "OAuthError", doc: "The token endpoint answered an RFC 6749 error.", fields: &[("error", Text), ("description", Opt), ("uri", Opt), ("status", Int)] },
        ErrorKindInfo { kind: "unexpected_response", variant: "UnexpectedResponse", category: C::UnexpectedResponse, type_name: "UnexpectedResponse", doc: "A server answered neither the expected answer nor an OAuth error.", fields: &[("status", Int), ("content_type", Opt), ("summary", Text)] },
        ErrorKindInfo { kind: "api_error", variant: "ApiError", category: C::UnexpectedResponse, type_name: "ApiError", doc: "The provider's API answered an error in its own format (Conduit's `error_code`); for `ERR-INVALID-AUTH` (a dead token that no refresh can replace) the client has dropped the stored tokens: sign in again.", fields: &[("status", Int), ("error_code", Text), ("error_info", Opt)] },
        ErrorKindInfo { kind: "invalid_state", variant: "InvalidState", category: C::InvalidState, type_name: "InvalidStateError", doc: "A method was called in a state that does not allow it.", fields: &[("state", Text), ("operation", Text)] },
        ErrorKindInfo { kind: "transport", variant: "Transport", category: C::Transport, type_name: "TransportError", doc: "The HTTP exchange failed (`transport`: connect, timeout, io, tls, too_large, insecure, redirect, other).", fields: &[("transport", Text), ("message", Text)] },
        ErrorKindInfo { kind: "storage", variant: "Storage", category: C::Storage, type_name: "StorageError", doc: "The token store could not be read or written.", fields: &[("message", Text)] },
        ErrorKindInfo { kind: "not_signed_in", variant: "NotSignedIn", category: C::NotSignedIn, type_name: "NotSignedIn", doc: "No tokens are stored for this client: sign in first.", fields: &[("provider", Text)] },
    ]
};

fn detail(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

impl Error {
    /// Who is to blame.
    pub fn blame(&self) -> Blame {
        match self {
            Error::Config { .. }
            | Error::PortInUse { .. }
            | Error::InvalidState { .. }
            | Error::Storage { .. }
            | Error::NotSignedIn { .. } => Blame::Local,
            Error::AuthorizationDenied { error: OAuthErrorCode::AccessDenied, .. } => Blame::User,
            _ => Blame::Remote,
        }
    }

    /// A stable, language-neutral name for the variant, used by the bindings and the conformance vectors.
    pub fn kind(&self) -> &'static str {
        self.info().kind
    }

    /// The group a caller handles the error by.
    pub fn category(&self) -> ErrorCategory {
        self.info().category
    }

    /// The stable code every binding shows: `ERR_` and the kind in capitals
    /// (`ERR_STATE_MISMATCH`), or for OAuth error responses the RFC 6749 code
    /// (`ERR_OAUTH_INVALID_GRANT`; characters outside `[A-Za-z0-9]` become `_`).
    pub fn code(&self) -> String {
        let (prefix, name) = match self {
            Error::OAuth { error, .. } => ("ERR_OAUTH_", error.as_str()),
            other => ("ERR_", other.kind()),
        };
        let name: String = name
            .chars()
            .take(64)
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
            .collect();
        format!("{prefix}{}", if name.is_empty() { "UNKNOWN" } else { &name })
    }

    /// This variant's row of [`ERROR_KINDS`].
    pub fn info(&self) -> &'static ErrorKindInfo {
        let kind = match self {
            Error::Config { .. } => "config",
            Error::PortInUse { .. } => "port_in_use",
            Error::WrongRedirect { .. } => "wrong_redirect",
            Error::MalformedCallback { .. } => "malformed_callback",
            Error::AuthorizationDenied { .. } => "authorization_denied",
            Error::StateMismatch => "state_mismatch",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::MissingCode => "missing_code",
            Error::OAuth { .. } => "oauth",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::ApiError { .. } => "api_error",
            Error::InvalidState { .. } => "invalid_state",
            Error::Transport { .. } => "transport",
            Error::Storage { .. } => "storage",
            Error::NotSignedIn { .. } => "not_signed_in",
        };
        ERROR_KINDS.iter().find(|info| info.kind == kind).unwrap_or(&ERROR_KINDS[0])
    }

    /// The variant's fields as the bindings expose them, in the order of its [`ErrorKindInfo::fields`].
    pub fn fields(&self) -> Vec<(&'static str, FieldValue<'_>)> {
        use FieldValue::{Int, Text};
        fn text(s: &str) -> FieldValue<'_> {
            Text(Some(s))
        }
        fn opt(s: &Option<String>) -> FieldValue<'_> {
            Text(s.as_deref())
        }
        match self {
            Error::Config { reason } | Error::MalformedCallback { reason } => vec![("reason", text(reason))],
            Error::PortInUse { address } => vec![("address", text(address))],
            Error::WrongRedirect { expected, got } => vec![("expected", text(expected)), ("got", text(got))],
            Error::AuthorizationDenied { error, description, uri } => {
                vec![("error", text(error.as_str())), ("description", opt(description)), ("uri", opt(uri))]
            }
            Error::StateMismatch | Error::MissingCode => Vec::new(),
            Error::IssuerMismatch { expected, got } => vec![("expected", text(expected)), ("got", opt(got))],
            Error::OAuth { error, description, uri, status, .. } => vec![
                ("error", text(error.as_str())),
                ("description", opt(description)),
                ("uri", opt(uri)),
                ("status", Int(*status)),
            ],
            Error::UnexpectedResponse { status, content_type, summary } => {
                vec![("status", Int(*status)), ("content_type", opt(content_type)), ("summary", text(summary))]
            }
            Error::ApiError { status, error_code, error_info } => {
                vec![("status", Int(*status)), ("error_code", text(error_code)), ("error_info", opt(error_info))]
            }
            Error::InvalidState { state, operation } => {
                vec![("state", text(state.as_str())), ("operation", text(operation))]
            }
            Error::Transport { kind, message } => vec![("transport", text(kind.as_str())), ("message", text(message))],
            Error::Storage { message } => vec![("message", text(message))],
            Error::NotSignedIn { provider } => vec![("provider", text(provider))],
        }
    }

    /// The OAuth error code, for `AuthorizationDenied` and `OAuth`.
    pub fn oauth_code(&self) -> Option<&OAuthErrorCode> {
        match self {
            Error::AuthorizationDenied { error, .. } | Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// A configuration error (bindings use it for arguments they cannot convert).
    pub fn config(reason: impl Into<String>) -> Self {
        Error::Config { reason: reason.into() }
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Error::MalformedCallback { reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant, so the table test below sees them all.
    fn one_of_each() -> Vec<Error> {
        let text = || "x".to_owned();
        vec![
            Error::Config { reason: text() },
            Error::PortInUse { address: "127.0.0.1:8080".into() },
            Error::WrongRedirect { expected: text(), got: text() },
            Error::MalformedCallback { reason: text() },
            Error::AuthorizationDenied { error: OAuthErrorCode::AccessDenied, description: None, uri: None },
            Error::StateMismatch,
            Error::IssuerMismatch { expected: text(), got: None },
            Error::MissingCode,
            Error::OAuth {
                error: OAuthErrorCode::InvalidGrant,
                description: None,
                uri: None,
                status: 400,
                endpoint: OAuthEndpoint::Token,
            },
            Error::UnexpectedResponse { status: 500, content_type: None, summary: text() },
            Error::ApiError { status: 200, error_code: "ERR-INVALID-AUTH".into(), error_info: None },
            Error::InvalidState { state: crate::StateName::Authorized, operation: "x" },
            Error::Transport { kind: TransportErrorKind::Timeout, message: text() },
            Error::Storage { message: text() },
            Error::NotSignedIn { provider: text() },
        ]
    }

    #[test]
    fn every_variant_has_its_row_and_its_fields() {
        let errors = one_of_each();
        assert_eq!(errors.len(), ERROR_KINDS.len(), "one row per variant");
        for e in &errors {
            let info = e.info();
            assert_eq!(info.kind, e.kind());
            let debug = format!("{e:?}");
            assert_eq!(debug.split([' ', '{', '(']).next(), Some(info.variant), "variant of {}", info.kind);
            let names: Vec<&str> = e.fields().iter().map(|(n, _)| *n).collect();
            let declared: Vec<&str> = info.fields.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, declared, "fields of {}", info.kind);
            for ((_, value), (name, ty)) in e.fields().iter().zip(info.fields) {
                let fits = matches!(
                    (value, ty),
                    (FieldValue::Text(Some(_)), FieldType::Text)
                        | (FieldValue::Text(_), FieldType::OptionalText)
                        | (FieldValue::Int(_), FieldType::Int)
                );
                assert!(fits, "{}.{name} is {value:?}, declared {ty:?}", info.kind);
            }
        }
        let kinds: std::collections::HashSet<&str> = ERROR_KINDS.iter().map(|i| i.kind).collect();
        assert_eq!(kinds.len(), ERROR_KINDS.len(), "kinds are unique");
        for category in ErrorCategory::ALL {
            assert!(ERROR_KINDS.iter().any(|i| i.category == *category), "{category:?} has a kind");
        }
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(Error::StateMismatch.code(), "ERR_STATE_MISMATCH");
        assert_eq!(Error::NotSignedIn { provider: "p".into() }.code(), "ERR_NOT_SIGNED_IN");
        let oauth = |code: &str| Error::OAuth {
            error: OAuthErrorCode::parse(code),
            description: None,
            uri: None,
            status: 400,
            endpoint: OAuthEndpoint::Token,
        };
        assert_eq!(oauth("invalid_grant").code(), "ERR_OAUTH_INVALID_GRANT");
        assert_eq!(oauth("weird code!").code(), "ERR_OAUTH_WEIRD_CODE_");
        assert_eq!(oauth("").code(), "ERR_OAUTH_UNKNOWN");
    }
}
