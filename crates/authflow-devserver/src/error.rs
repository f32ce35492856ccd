//! RFC 6749 §5.2 error responses of the token and revocation endpoints.

use crate::http::Response;
use serde_json::json;

/// An OAuth error answer: status, error code and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError { status, error, description: description.into() }
    }

    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new(400, "invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new(401, "invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new(400, "invalid_grant", description)
    }

    pub fn unsupported_grant_type(grant_type: &str) -> OAuthError {
        OAuthError::new(400, "unsupported_grant_type", format!("Unsupported grant_type: {grant_type}"))
    }

    /// A required form parameter, or `invalid_request` naming it.
    pub fn require<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, OAuthError> {
        value.ok_or_else(|| OAuthError::invalid_request(format!("Missing parameter: {name}")))
    }

    /// The JSON response; 401s carry `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    pub fn response(&self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        let response = Response::json(self.status, &body).no_store();
        if self.status == 401 {
            response.header("WWW-Authenticate", "Basic realm=\"authflow-devserver\"")
        } else {
            response
        }
    }
}
