//! authflow-core: a sans-IO OAuth 2.0 authorization-code client.
//!
//! The crate holds the whole protocol and none of the I/O: it builds URLs and
//! HTTP requests as values, checks callbacks and parses responses handed back,
//! and never opens a socket, reads a clock or spawns a thread. Time (`now`, Unix
//! seconds) is always a parameter, randomness comes from the OS through
//! `getrandom` or from an [`Entropy`] you pass in. The `authflow` crate adds a
//! transport, a blocking driver, a loopback listener and token stores on top;
//! the Python, Node, Kotlin/Swift and PHP bindings drive this same machine.
//!
//! # The flow
//!
//! ```text
//! AwaitingCallback ──callback──► Exchanging ──token response──► Authorized ◄──► Refreshing
//! ```
//!
//! The whole diagram, with every input and what the caller must do next ([`Next`]), is at the top of
//! `src/flow.rs`; a test walks every (state, input) pair against it.
//!
//! Every transition lives in one `match` inside [`Flow::step`]; calling a method in the
//! wrong state is [`Error::InvalidState`], never a panic. A code is handed out in
//! exactly one exchange request. Every [`State`] serializes with serde, so a web
//! backend can keep a pending flow in a store and finish it elsewhere.
//!
//! ```
//! use authflow_core::{ClientConfig, Flow, HttpResponse, Provider, StateName};
//!
//! let provider = Provider::generic("https://as.example/authorize", "https://as.example/token")?;
//! let config = ClientConfig::new(provider, "my-client", "http://127.0.0.1:8080/callback")?
//!     .with_secret("s3cret")
//!     .with_scopes(["openid", "profile"]);
//! let mut flow = Flow::start(config, 1_700_000_000)?;
//! let url = flow.authorization_url()?; // send the user here
//!
//! // The browser comes back to the redirect URI:
//! # let state = url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
//! flow.callback(&format!("http://127.0.0.1:8080/callback?code=abc&state={state}"))?;
//! let request = flow.exchange_request()?; // send it with any HTTP client, no redirects
//! # assert_eq!(request.url, "https://as.example/token");
//! let response = HttpResponse::new(200, "application/json",
//!     r#"{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt"}"#);
//! flow.exchange_response(&response, 1_700_000_010)?;
//! assert_eq!(flow.state_name(), StateName::Authorized);
//! assert!(!flow.expires_within(1_700_000_010, 60));
//! # Ok::<(), authflow_core::Error>(())
//! ```
#![forbid(unsafe_code)]

mod api;
mod base64;
mod callback;
mod config;
mod discovery;
mod error;
mod flow;
mod form;
mod http;
mod names;
mod pkce;
mod random;
mod redact;
mod request;
mod secret;
mod token;

pub use api::{ApiAnswer, CONDUIT_INVALID_AUTH};
pub use callback::MAX_CALLBACK_LEN;
pub use config::{endpoint, is_loopback, ApiErrors, ClientAuth, ClientConfig, Provider, TokenPlacement};
pub use discovery::{discovery_request, provider_from_discovery, DiscoveryKind};
pub use error::{
    Blame, Error, ErrorCategory, ErrorKindInfo, FieldType, FieldValue, OAuthEndpoint, OAuthErrorCode,
    TransportErrorKind, ERROR_KINDS,
};
pub use flow::{Flow, Input, Next, State, StateName, TokenKind};
pub use http::{HttpRequest, HttpResponse, Method};
pub use pkce::{challenge as pkce_challenge, PkceMethod};
pub use random::{Entropy, OsEntropy, SeededEntropy};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, Nonce, PkceVerifier, RefreshToken, StateToken,
};
pub use token::{
    parse_revocation_response, parse_token_response, TokenSet, Warning, MAX_BODY, MAX_TOKEN_LEN, REFRESH_MARGIN_MAX,
    REFRESH_MARGIN_MIN,
};
pub use url::Url;
