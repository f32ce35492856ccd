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

    /// The token endpoint answered with an RFC 6749 §5.2 error.
    #[error("token endpoint said {error} (http {status}){}", detail(description))]
    OAuth {
        /// The error code.
        error: OAuthErrorCode,
        /// `error_description`, if sent.
        description: Option<String>,
        /// `error_uri`, if sent.
        uri: Option<String>,
        /// The HTTP status.
        status: u16,
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

    /// A method was called in a state that does not allow it.
    #[error("cannot {operation} in state {state}")]
    InvalidState {
        /// The state the flow is in.
        state: crate::StateName,
        /// What was attempted.
        operation: &'static str,
    },

    /// The HTTP exchange itself failed (reported by the batteries).
    #[error("transport error ({kind:?}): {message}")]
    Transport {
        /// What kind of failure.
        kind: TransportErrorKind,
        /// Details, without secrets.
        message: String,
    },
}

fn detail(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

impl Error {
    /// Who is to blame.
    pub fn blame(&self) -> Blame {
        match self {
            Error::Config { .. } | Error::InvalidState { .. } => Blame::Local,
            Error::AuthorizationDenied { error: OAuthErrorCode::AccessDenied, .. } => Blame::User,
            _ => Blame::Remote,
        }
    }

    /// A stable, language-neutral name for the variant, used by the bindings and the conformance vectors.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config { .. } => "config",
            Error::WrongRedirect { .. } => "wrong_redirect",
            Error::MalformedCallback { .. } => "malformed_callback",
            Error::AuthorizationDenied { .. } => "authorization_denied",
            Error::StateMismatch => "state_mismatch",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::MissingCode => "missing_code",
            Error::OAuth { .. } => "oauth",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::InvalidState { .. } => "invalid_state",
            Error::Transport { .. } => "transport",
        }
    }

    /// The OAuth error code, for `AuthorizationDenied` and `OAuth`.
    pub fn oauth_code(&self) -> Option<&OAuthErrorCode> {
        match self {
            Error::AuthorizationDenied { error, .. } | Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Replaces each secret in the server-provided text of the error with `***`: some servers
    /// quote the code or token they refuse (`Invalid authorization code: ...`). Values shorter
    /// than four bytes are left alone, so that they cannot garble a message.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Self {
        let scrub = |text: &mut String| {
            for secret in secrets.iter().filter(|s| s.len() >= 4) {
                if text.contains(secret) {
                    *text = text.replace(secret, "***");
                }
            }
        };
        match &mut self {
            Error::OAuth { description, uri, .. } | Error::AuthorizationDenied { description, uri, .. } => {
                description.iter_mut().chain(uri.iter_mut()).for_each(&scrub);
            }
            Error::UnexpectedResponse { content_type, summary, .. } => {
                content_type.iter_mut().for_each(&scrub);
                scrub(summary);
            }
            _ => {}
        }
        self
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Error::Config { reason: reason.into() }
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Error::MalformedCallback { reason: reason.into() }
    }
}
