//! The data every endpoint shares: profiles and their quirks, clients, knobs, counters, authorization requests.
//!
//! This module imports no other module of the crate, so every module may use it.

use serde::{Deserialize, Serialize};

/// Which provider an endpoint or a client belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Profile {
    Sipgate,
    Speakap,
    Phorge,
    Generic,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Sipgate => "sipgate",
            Profile::Speakap => "speakap",
            Profile::Phorge => "phorge",
            Profile::Generic => "generic",
        }
    }

    /// Phorge falls back to the registered redirect URI.
    pub fn requires_redirect_uri(self) -> bool {
        self != Profile::Phorge
    }

    /// Speakap does not document `response_type`.
    pub fn requires_response_type(self) -> bool {
        self != Profile::Speakap
    }

    /// Phorge ignores PKCE parameters.
    pub fn uses_pkce(self) -> bool {
        self != Profile::Phorge
    }

    /// Phorge issues no refresh tokens.
    pub fn supports_refresh(self) -> bool {
        self != Profile::Phorge
    }

    /// Speakap revokes everything issued from a code that is used twice.
    pub fn revokes_on_code_reuse(self) -> bool {
        self == Profile::Speakap
    }

    /// Phorge shows a "Continue to application" page instead of redirecting.
    pub fn shows_continue_page(self) -> bool {
        self == Profile::Phorge
    }

    /// Whether an error redirect carries the request's `state`: not Phorge's (a denial
    /// comes back as `error=access_denied&error_description=...` alone).
    pub fn sends_state_with_errors(self) -> bool {
        self != Profile::Phorge
    }

    /// The access token lifetime; Phorge tokens never expire.
    pub fn access_ttl(self, lifetime: u64) -> Option<u64> {
        (self != Profile::Phorge).then_some(lifetime)
    }
}

/// How many requests of each kind the server has answered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Requests to any authorization endpoint.
    pub authorize_requests: u64,
    /// POST requests to any token endpoint, whatever their outcome.
    pub token_requests: u64,
    /// Token requests with `grant_type=authorization_code`.
    pub code_grants: u64,
    /// Token requests with `grant_type=refresh_token`.
    pub refresh_grants: u64,
    /// Requests to the resource APIs (userinfo, account, network, whoami).
    pub api_requests: u64,
    /// Accepted revocation requests.
    pub revocations: u64,
}

/// Behaviour that tests change at run time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Knobs {
    /// Access token lifetime in seconds (sipgate's is 300); Phorge tokens never expire.
    pub access_token_lifetime: u64,
    /// The authorization endpoints answer `error=access_denied`.
    pub deny: bool,
    /// The authorization endpoints show a login and consent form.
    pub interactive: bool,
    /// A failure the token endpoints answer with instead of a token.
    pub fault: Option<Fault>,
    /// A delay in milliseconds before the token endpoints answer.
    pub slow_ms: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs { access_token_lifetime: 300, deny: false, interactive: false, fault: None, slow_ms: 0 }
    }
}

/// A failure the token endpoints answer with instead of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 500 with an HTML page, like a crashed application server.
    ServerError,
    /// 200 with a body that is not JSON (though labelled as JSON).
    Garbage,
    /// 400 with an empty body.
    EmptyBadRequest,
    /// The connection is closed without an answer.
    Drop,
    /// 200 with a 5 MiB JSON body.
    Oversized,
    /// 400 whose `error` and `error_description` quote the secrets the request carried (code,
    /// refresh token, token to revoke, client secret), raw and percent-encoded, after 500 bytes
    /// of text so that they straddle a 512-byte clip: the most careless server seen. The
    /// revocation endpoints answer this fault too.
    Echo,
}

/// A way of authenticating at the token endpoint (RFC 7591 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    Post,
    Basic,
    None,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Post => "client_secret_post",
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::None => "none",
        }
    }
}

/// A registered client; the first method is the one it is documented with.
#[derive(Debug)]
pub(crate) struct Client {
    pub profile: Profile,
    pub id: &'static str,
    pub secret: Option<&'static str>,
    pub methods: &'static [AuthMethod],
    pub pkce_required: bool,
}

/// A validated authorization request, kept while the user decides.
#[derive(Clone, Debug)]
pub(crate) struct Authz {
    pub profile: Profile,
    pub client: &'static Client,
    /// Where the user goes back to.
    pub redirect_uri: String,
    /// Whether the request named the redirect URI (Phorge may omit it).
    pub redirect_sent: bool,
    pub state: Option<String>,
    pub scope: String,
    pub challenge: Option<String>,
    pub nonce: Option<String>,
}
