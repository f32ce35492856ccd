//! The state machine: one [`Flow`], one [`State`] enum, and every transition in [`Flow::step`].
//!
//! ```text
//!                         Flow::start(config, now)
//!                                   │
//!                                   ▼
//!                          AwaitingCallback ◄─── Callback refused (state, iss, error=, code):
//!                                   │            nothing changes, the real callback may follow
//!                    Callback ok    │ => Next::Exchange
//!                                   ▼
//!                    Exchanging (code held)
//!                                   │ SendExchange => Next::Send(request): the code leaves, once
//!                                   ▼
//!                    Exchanging (code sent) ──── RequestFailed => Next::StartOver
//!                                   │            ExchangeResponse refused => error; start over
//!        ExchangeResponse ok        │ => Next::UseTokens
//!                                   ▼
//!      ┌──────────────────────► Authorized
//!      │                            │ SendRefresh (with a refresh token) => Next::Send(request)
//!      │                            ▼
//!      └─────────────────────── Refreshing
//!        RefreshResponse ok => Next::UseTokens (new tokens)
//!        RefreshResponse refused => error, old tokens kept (a 400 or 401 without an
//!                                   RFC 6749 error body is invalid_grant: the refresh token is dead)
//!        RequestFailed => Next::UseTokens (old tokens kept)
//! ```
//!
//! Any other (state, input) pair is [`Error::InvalidState`] and changes nothing.
//! `tests/transitions.rs` walks every pair against this diagram.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::api::{self, ApiAnswer};
use crate::callback;
use crate::config::{ClientConfig, TokenPlacement};
use crate::http::{HttpRequest, HttpResponse};
use crate::pkce::{self, PkceMethod};
use crate::random::{Entropy, OsEntropy};
use crate::redact::Redactor;
use crate::request;
use crate::secret::{AuthorizationCode, Nonce, PkceVerifier, StateToken};
use crate::token::{self, TokenSet, Warning};
use crate::Error;

/// The name of a state, the same in every language binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateName {
    /// The user is at the authorization server; waiting for the redirect back.
    AwaitingCallback,
    /// A code was received; the token request is due (or was sent and awaits its answer).
    Exchanging,
    /// Tokens are held; API requests can be authorized.
    Authorized,
    /// A refresh request was handed out; its answer is due.
    Refreshing,
}

/// Everything a flow remembers, per state. Serializable so a pending flow can live in a cookie or a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum State {
    /// See [`StateName::AwaitingCallback`].
    AwaitingCallback {
        /// The `state` parameter sent.
        csrf: StateToken,
        /// The PKCE verifier, unless PKCE is disabled.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verifier: Option<PkceVerifier>,
        /// The OpenID Connect nonce, if one was sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<Nonce>,
        /// Unix time the flow started.
        created_at: u64,
    },
    /// See [`StateName::Exchanging`].
    Exchanging {
        /// The code; `None` once the token request was handed out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<AuthorizationCode>,
        /// The PKCE verifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verifier: Option<PkceVerifier>,
        /// The nonce the ID token must carry.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<Nonce>,
    },
    /// See [`StateName::Authorized`].
    Authorized {
        /// The tokens held.
        tokens: TokenSet,
    },
    /// See [`StateName::Refreshing`].
    Refreshing {
        /// The tokens being refreshed, kept if the refresh fails.
        tokens: TokenSet,
    },
}

impl State {
    /// The state's name.
    pub fn name(&self) -> StateName {
        match self {
            State::AwaitingCallback { .. } => StateName::AwaitingCallback,
            State::Exchanging { .. } => StateName::Exchanging,
            State::Authorized { .. } => StateName::Authorized,
            State::Refreshing { .. } => StateName::Refreshing,
        }
    }
}

/// What the caller hands the machine. Every input goes through [`Flow::step`], the one place
/// where the state changes; the named methods ([`Flow::callback`], ...) are shorthands for it.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The redirect back from the authorization server: a full URL, or its path and query.
    Callback(&'a str),
    /// Asks for the code exchange request (handed out once).
    SendExchange,
    /// The token endpoint's answer to the exchange, received at the given Unix time.
    ExchangeResponse(&'a HttpResponse, u64),
    /// Asks for the refresh request.
    SendRefresh,
    /// The token endpoint's answer to the refresh, received at the given Unix time.
    RefreshResponse(&'a HttpResponse, u64),
    /// The last request got no answer (connection refused, timeout, a redirect).
    RequestFailed,
}

impl Input<'_> {
    fn operation(&self) -> &'static str {
        match self {
            Input::Callback(_) => "accept a callback",
            Input::SendExchange => "build a code exchange request (a code is exchanged at most once)",
            Input::ExchangeResponse(..) => "accept an exchange response",
            Input::SendRefresh => "build a refresh request",
            Input::RefreshResponse(..) => "accept a refresh response",
            Input::RequestFailed => "report a failed request",
        }
    }
}

/// What the caller must do next, as [`Flow::step`] answers an input.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Send this request as is, never following a redirect, then hand its answer back
    /// ([`Input::ExchangeResponse`] / [`Input::RefreshResponse`]) or report [`Input::RequestFailed`].
    Send(HttpRequest),
    /// The callback was accepted: ask for the exchange request ([`Input::SendExchange`]).
    Exchange,
    /// Tokens are held: authorize API requests, and refresh when due.
    UseTokens,
    /// The code was spent without tokens (the request failed): start a new login.
    StartOver,
}

impl Next {
    /// The request to send, for the inputs that ask for one.
    fn into_request(self, state: StateName, operation: &'static str) -> Result<HttpRequest, Error> {
        match self {
            Next::Send(request) => Ok(request),
            _ => Err(Error::InvalidState { state, operation }),
        }
    }
}

/// Which token to revoke (RFC 7009 `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// The access token.
    AccessToken,
    /// The refresh token (revoking it usually ends the whole grant).
    RefreshToken,
}

/// One authorization-code login and the tokens it yields.
///
/// A flow is not `Clone`: a copy made while it holds a code could hand that code out a
/// second time. Save it with [`Flow::to_json`] and resume it with [`Flow::from_json`] instead.
#[derive(Debug)]
pub struct Flow {
    config: Arc<ClientConfig>,
    state: State,
    warnings: Vec<Warning>,
    /// The code handed out in the exchange request, kept only to redact it from the answer's error text.
    sent_code: Option<AuthorizationCode>,
}

impl Flow {
    /// Starts a login at `now` (Unix seconds): fresh state, PKCE verifier and nonce from the OS generator.
    pub fn start(config: impl Into<Arc<ClientConfig>>, now: u64) -> Result<Flow, Error> {
        Self::start_with(config, now, &mut OsEntropy)
    }

    /// Starts a login with the given entropy source (deterministic tests and vectors).
    pub fn start_with(
        config: impl Into<Arc<ClientConfig>>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Flow, Error> {
        let config = config.into();
        config.validate()?;
        // 16 bytes of state (128 bits), 32 of verifier, 16 of nonce: one call to the generator.
        let mut bytes = [0u8; 16 + pkce::VERIFIER_BYTES + 16];
        // Ask only for what this flow uses: the OS generator costs per byte.
        let wanted = if config.nonce { bytes.len() } else { 16 + pkce::VERIFIER_BYTES };
        entropy.fill(&mut bytes[..wanted])?;
        let (csrf, rest) = bytes.split_at(16);
        let (verifier, nonce) = rest.split_at(pkce::VERIFIER_BYTES);
        let state = State::AwaitingCallback {
            csrf: StateToken::new(b64(csrf)),
            verifier: (config.provider.pkce != PkceMethod::Disabled).then(|| pkce::verifier_from_bytes(verifier)),
            nonce: config.nonce.then(|| Nonce::new(b64(nonce))),
            created_at: now,
        };
        Ok(Flow { config, state, warnings: Vec::new(), sent_code: None })
    }

    /// A flow that already holds tokens (loaded from a store).
    pub fn from_tokens(config: impl Into<Arc<ClientConfig>>, tokens: TokenSet) -> Flow {
        Flow { config: config.into(), state: State::Authorized { tokens }, warnings: Vec::new(), sent_code: None }
    }

    /// Resumes a flow from a saved state and the same configuration.
    pub fn resume(config: impl Into<Arc<ClientConfig>>, state: State) -> Flow {
        Flow { config: config.into(), state, warnings: Vec::new(), sent_code: None }
    }

    /// Resumes a flow saved with [`Flow::to_json`].
    pub fn from_json(config: impl Into<Arc<ClientConfig>>, json: &str) -> Result<Flow, Error> {
        let state = serde_json::from_str(json).map_err(|e| Error::config(format!("saved flow is not valid: {e}")))?;
        Ok(Self::resume(config, state))
    }

    /// The state as JSON. It holds secrets (verifier, tokens): keep it server-side or encrypted.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The configuration, shared (no copy).
    pub fn shared_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.config)
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The current state's name.
    pub fn state_name(&self) -> StateName {
        self.state.name()
    }

    /// Deviations tolerated in the last token response.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Takes the tokens out of the flow, when authorized or refreshing.
    pub fn into_tokens(self) -> Option<TokenSet> {
        match self.state {
            State::Authorized { tokens } | State::Refreshing { tokens } => Some(tokens),
            _ => None,
        }
    }

    /// The tokens, when authorized or refreshing.
    pub fn tokens(&self) -> Option<&TokenSet> {
        match &self.state {
            State::Authorized { tokens } | State::Refreshing { tokens } => Some(tokens),
            _ => None,
        }
    }

    /// The URL to send the user's browser to. Only while awaiting the callback.
    pub fn authorization_url(&self) -> Result<String, Error> {
        match &self.state {
            State::AwaitingCallback { csrf, verifier, nonce, .. } => {
                Ok(request::authorization_url(&self.config, csrf, verifier.as_ref(), nonce.as_ref()))
            }
            other => Err(Error::InvalidState { state: other.name(), operation: "build the authorization url" }),
        }
    }

    /// Takes the redirect back from the authorization server. Next: [`Flow::exchange_request`].
    pub fn callback(&mut self, url: &str) -> Result<(), Error> {
        self.step(Input::Callback(url)).map(drop)
    }

    /// The code exchange request, handed out exactly once. Next: send it, then [`Flow::exchange_response`].
    pub fn exchange_request(&mut self) -> Result<HttpRequest, Error> {
        let state = self.state_name();
        self.step(Input::SendExchange)?.into_request(state, "build a code exchange request")
    }

    /// Takes the token endpoint's answer to the exchange at `now`. Next: use [`Flow::authorize`].
    pub fn exchange_response(&mut self, response: &HttpResponse, now: u64) -> Result<(), Error> {
        self.step(Input::ExchangeResponse(response, now)).map(drop)
    }

    /// The refresh request. Next: send it, then [`Flow::refresh_response`] or [`Flow::request_failed`].
    pub fn refresh_request(&mut self) -> Result<HttpRequest, Error> {
        let state = self.state_name();
        self.step(Input::SendRefresh)?.into_request(state, "build a refresh request")
    }

    /// Takes the token endpoint's answer to the refresh at `now`. On error the old tokens stay.
    pub fn refresh_response(&mut self, response: &HttpResponse, now: u64) -> Result<(), Error> {
        self.step(Input::RefreshResponse(response, now)).map(drop)
    }

    /// Reports that the last request got no answer. A refresh falls back to the old tokens;
    /// a code stays spent, since the server may have used it.
    pub fn request_failed(&mut self) -> Result<(), Error> {
        self.step(Input::RequestFailed).map(drop)
    }

    /// True when the access token expires at or before `now + skew`; false if the expiry is unknown.
    pub fn expires_within(&self, now: u64, skew: u64) -> bool {
        self.tokens().is_some_and(|t| t.expires_within(now, skew))
    }

    /// True when the access token should be refreshed before use (see [`TokenSet::refresh_due`]).
    pub fn refresh_due(&self, now: u64) -> bool {
        self.tokens().is_some_and(|t| t.refresh_due(now))
    }

    /// Adds the access token to an API request: a Bearer header, or `?access_token=` for
    /// providers that want it there (Phorge), plus the provider's `Accept` type if the request has none.
    pub fn authorize(&self, mut request: HttpRequest) -> Result<HttpRequest, Error> {
        let State::Authorized { tokens } = &self.state else {
            return Err(Error::InvalidState { state: self.state_name(), operation: "authorize a request" });
        };
        let token = tokens.access_token.expose();
        match self.config.provider.token_placement {
            TokenPlacement::Header => request.headers.push(("Authorization".to_owned(), format!("Bearer {token}"))),
            TokenPlacement::Query => append_query(&mut request.url, "access_token", token),
        }
        if let (Some(accept), None) = (&self.config.provider.api_accept, request.header("accept")) {
            request.headers.push(("Accept".to_owned(), accept.clone()));
        }
        Ok(request)
    }

    /// Reads the API's answer to a request [`Flow::authorize`]d with the held access token:
    /// [`ApiAnswer::TokenRefused`] for an HTTP 401 or a refusal in the body (Conduit's
    /// `ERR-INVALID-AUTH`, as [`Error::ApiError`]); any other error the API reports in its
    /// own format (Conduit's `error_code` in a 200) is [`Error::ApiError`]. The held tokens
    /// and the client secret are taken out of its text. It changes nothing.
    pub fn api_response(&self, response: &HttpResponse) -> Result<ApiAnswer, Error> {
        let Some(tokens) = self.tokens() else {
            return Err(Error::InvalidState { state: self.state_name(), operation: "read an api response" });
        };
        let known = held_secrets(&self.config, tokens);
        api::read_api_response(&self.config.provider, response, &Redactor(&known))
    }

    /// An RFC 7009 revocation request for one of the held tokens.
    pub fn revocation_request(&self, which: TokenKind) -> Result<HttpRequest, Error> {
        let Some(tokens) = self.tokens() else {
            return Err(Error::InvalidState { state: self.state_name(), operation: "revoke a token" });
        };
        let endpoint = self.config.provider.revocation_endpoint.as_ref().ok_or_else(|| {
            Error::config(format!("provider {} has no revocation endpoint", self.config.provider.name))
        })?;
        let (token, hint) = match which {
            TokenKind::AccessToken => (Some(tokens.access_token.expose()), "access_token"),
            TokenKind::RefreshToken => (tokens.refresh_token.as_ref().map(|t| t.expose()), "refresh_token"),
        };
        let token = token.ok_or_else(|| Error::config("there is no refresh token to revoke"))?;
        Ok(request::client_form(&self.config, endpoint.as_str(), &[("token", token), ("token_type_hint", hint)]))
    }

    /// Checks the revocation endpoint's answer (RFC 7009 §2.2) to [`Flow::revocation_request`]:
    /// 200 is success; an error names the revocation endpoint and carries none of the held
    /// tokens or the client secret in its text. It changes nothing: after revoking the
    /// refresh token, forget the tokens.
    pub fn revocation_response(&self, response: &HttpResponse) -> Result<(), Error> {
        let Some(tokens) = self.tokens() else {
            return Err(Error::InvalidState { state: self.state_name(), operation: "accept a revocation response" });
        };
        let known = held_secrets(&self.config, tokens);
        token::read_revocation_response(response, &Redactor(&known))
    }

    /// Moves the held tokens into the state `wrap` builds, without copying them.
    fn move_tokens(&mut self, wrap: fn(TokenSet) -> State) {
        let placeholder = State::Exchanging { code: None, verifier: None, nonce: None };
        if let State::Authorized { tokens } | State::Refreshing { tokens } =
            std::mem::replace(&mut self.state, placeholder)
        {
            self.state = wrap(tokens);
        }
    }

    /// Every transition of the machine, in one match: the only place the state changes.
    ///
    /// A refused input changes nothing (the flow still waits for the right one), except a
    /// failed token answer: an exchange's code stays spent, a refresh goes back to the old tokens.
    pub fn step(&mut self, input: Input<'_>) -> Result<Next, Error> {
        let config = &self.config;
        let operation = input.operation();
        match (&mut self.state, input) {
            (State::AwaitingCallback { csrf, verifier, nonce, .. }, Input::Callback(url)) => {
                let known = [
                    Some(csrf.expose()),
                    verifier.as_ref().map(|v| v.expose()),
                    nonce.as_ref().map(|n| n.expose()),
                    client_secret(config),
                ];
                let code = callback::check(config, csrf, url, &Redactor(&known))?;
                self.state = State::Exchanging { code: Some(code), verifier: verifier.take(), nonce: nonce.take() };
                Ok(Next::Exchange)
            }
            (State::Exchanging { code, verifier, .. }, Input::SendExchange) => {
                // Taken out, so no later input can hand the code out again.
                let Some(code) = code.take() else {
                    return Err(Error::InvalidState { state: StateName::Exchanging, operation });
                };
                let request = code_grant(config, &code, verifier.as_ref());
                self.sent_code = Some(code);
                Ok(Next::Send(request))
            }
            (State::Exchanging { code: None, verifier, nonce }, Input::ExchangeResponse(response, now)) => {
                let known = [
                    self.sent_code.as_ref().map(|c| c.expose()),
                    verifier.as_ref().map(|v| v.expose()),
                    nonce.as_ref().map(|n| n.expose()),
                    client_secret(config),
                ];
                let (tokens, warnings) = token::read_token_response(response, now, None, &Redactor(&known))?;
                self.sent_code = None;
                self.warnings = warnings;
                self.state = State::Authorized { tokens };
                Ok(Next::UseTokens)
            }
            (State::Exchanging { code: None, .. }, Input::RequestFailed) => Ok(Next::StartOver),
            (State::Authorized { tokens }, Input::SendRefresh) if tokens.refresh_token.is_some() => {
                let refresh = tokens.refresh_token.as_ref().map(|t| t.expose()).unwrap_or_default();
                let request = request::client_form(
                    config,
                    config.provider.token_endpoint.as_str(),
                    &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                );
                self.move_tokens(|tokens| State::Refreshing { tokens });
                Ok(Next::Send(request))
            }
            (State::Authorized { .. }, Input::SendRefresh) => {
                Err(Error::InvalidState { state: StateName::Authorized, operation: "refresh without a refresh token" })
            }
            (State::Refreshing { tokens }, Input::RefreshResponse(response, now)) => {
                let known = held_secrets(config, tokens);
                let parsed = token::read_token_response(response, now, Some(tokens), &Redactor(&known))
                    .map_err(token::refused_refresh);
                let (fresh, warnings) = match parsed {
                    Ok(ok) => ok,
                    Err(e) => {
                        self.move_tokens(|tokens| State::Authorized { tokens });
                        return Err(e);
                    }
                };
                self.warnings = warnings;
                self.state = State::Authorized { tokens: fresh };
                Ok(Next::UseTokens)
            }
            (State::Refreshing { .. }, Input::RequestFailed) => {
                self.move_tokens(|tokens| State::Authorized { tokens });
                Ok(Next::UseTokens)
            }
            (state, _) => Err(Error::InvalidState { state: state.name(), operation }),
        }
    }
}

fn code_grant(config: &ClientConfig, code: &AuthorizationCode, verifier: Option<&PkceVerifier>) -> HttpRequest {
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("code_verifier", verifier.map(PkceVerifier::expose).unwrap_or_default()),
    ];
    let used = if verifier.is_some() { 4 } else { 3 };
    request::client_form(config, config.provider.token_endpoint.as_str(), &fields[..used])
}

fn client_secret(config: &ClientConfig) -> Option<&str> {
    config.client_secret.as_ref().map(|s| s.expose())
}

/// The secrets a token holder knows: every token and the client secret, to take out of error text.
fn held_secrets<'a>(config: &'a ClientConfig, tokens: &'a TokenSet) -> [Option<&'a str>; 4] {
    [
        Some(tokens.access_token.expose()),
        tokens.refresh_token.as_ref().map(|t| t.expose()),
        tokens.id_token.as_ref().map(|t| t.expose()),
        client_secret(config),
    ]
}

fn b64(bytes: &[u8]) -> String {
    crate::base64::url_safe(bytes)
}

fn append_query(url: &mut String, name: &str, value: &str) {
    let fragment = url.find('#').map(|i| url.split_off(i));
    url.push(if url.contains('?') { '&' } else { '?' });
    crate::form::encode_into(url, name);
    url.push('=');
    crate::form::encode_into(url, value);
    if let Some(f) = fragment {
        url.push_str(&f);
    }
}
