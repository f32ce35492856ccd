//! The blocking driver: a [`Client`] that loops over the core's [`Flow`] with a transport, a store and a clock.
//!
//! The client holds no protocol logic: it asks the flow for each request, sends it,
//! hands the answer back and stores what comes out. Tokens live in the store, which
//! is the one source of truth; new tokens are saved before any caller sees them.
//!
//! Refreshes are single-flight. A caller that needs one takes the client's mutex and
//! then the store's lock ([`TokenStore::lock`], a file lock for [`FileStore`](crate::FileStore)),
//! reloads the store, and refreshes only if the tokens there are still the ones it
//! found stale; otherwise another thread or process has refreshed, and it adopts
//! the result. A rotating refresh token is therefore used exactly once. Logins are saved
//! under the same lock, and a refresh clears (after `invalid_grant`) or overwrites the
//! store only if it still holds the tokens the refresh started from, so a login that
//! completes while a refresh is in flight is never lost to it.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authflow_core::{
    ApiAnswer, ClientConfig, Error, Flow, HttpRequest, HttpResponse, OAuthErrorCode, TokenKind, TokenSet,
    TransportErrorKind,
};

use crate::listener::{open_browser, LoopbackListener};
use crate::store::{MemoryStore, TokenStore};
use crate::transport::{send_unredirected, HttpClient, UreqTransport};

/// A clock returning Unix seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Called with the authorization URL when [`Client::login`] starts.
pub type UrlCallback = Box<dyn Fn(&str) + Send + Sync>;

/// How [`Client::login`] runs the loopback flow.
pub struct LoginOptions {
    /// How long to wait for the browser to come back. Default 5 minutes.
    pub timeout: Duration,
    /// Open the authorization URL in the default browser. Default false.
    pub open_browser: bool,
    /// Told the authorization URL (on a thread of its own, while the listener waits);
    /// when `None` it is printed to standard error.
    pub on_url: Option<UrlCallback>,
}

impl LoginOptions {
    /// The defaults: five minutes, no browser, the URL printed to standard error.
    pub fn new() -> LoginOptions {
        LoginOptions::default()
    }

    /// Sets how long to wait for the browser.
    pub fn timeout(mut self, timeout: Duration) -> LoginOptions {
        self.timeout = timeout;
        self
    }

    /// Opens the authorization URL in the default browser (see [`open_browser`]).
    pub fn open_browser(mut self, open: bool) -> LoginOptions {
        self.open_browser = open;
        self
    }

    /// Hands the authorization URL to `announce` instead of printing it.
    pub fn on_url(mut self, announce: impl Fn(&str) + Send + Sync + 'static) -> LoginOptions {
        self.on_url = Some(Box::new(announce));
        self
    }
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions { timeout: Duration::from_secs(300), open_browser: false, on_url: None }
    }
}

impl std::fmt::Debug for LoginOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginOptions")
            .field("timeout", &self.timeout)
            .field("open_browser", &self.open_browser)
            .field("on_url", &self.on_url.is_some())
            .finish()
    }
}

/// Where the driver finds the flow it runs: a `&mut Flow`, or a `&Mutex<Flow>` shared with
/// other threads, which is locked only while the flow steps and never while a request is out.
pub trait FlowAccess {
    /// Runs `f` on the flow.
    fn with_flow<R>(&mut self, f: impl FnOnce(&mut Flow) -> R) -> R;
}

impl FlowAccess for &mut Flow {
    fn with_flow<R>(&mut self, f: impl FnOnce(&mut Flow) -> R) -> R {
        f(self)
    }
}

impl FlowAccess for &Mutex<Flow> {
    fn with_flow<R>(&mut self, f: impl FnOnce(&mut Flow) -> R) -> R {
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Taken when a caller asks for a refresh ([`Client::refresh_ticket`]): a refresh by this
/// client that completes after the ticket was taken answers that caller too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTicket(u64);

/// A blocking OAuth client: login, token storage, auto-refresh and authorized API calls.
///
/// It is `Send + Sync`: share it in an `Arc` and call it from many threads.
pub struct Client {
    config: Arc<ClientConfig>,
    transport: Arc<dyn HttpClient>,
    store: Arc<dyn TokenStore>,
    clock: Clock,
    refreshing: Mutex<()>,
    /// Refreshes this client completed, for [`RefreshTicket`]s.
    refreshes: AtomicU64,
    /// The newest tokens, when the store refused them: see [`Client::storage_warning`].
    unsaved: Mutex<Option<Unsaved>>,
}

/// Tokens the store failed to save, held in memory until a save succeeds.
struct Unsaved {
    tokens: TokenSet,
    /// What the store held when the save failed; a store that holds anything else was
    /// written by someone else since, whose tokens are newer.
    replaces: Option<TokenSet>,
    error: Error,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the default transport ([`UreqTransport`]), a [`MemoryStore`] and the system clock.
    pub fn new(config: ClientConfig) -> Client {
        Client {
            config: Arc::new(config),
            transport: Arc::new(UreqTransport::new()),
            store: Arc::new(MemoryStore::new()),
            clock: Arc::new(system_now),
            refreshing: Mutex::new(()),
            refreshes: AtomicU64::new(0),
            unsaved: Mutex::new(None),
        }
    }

    /// Uses another HTTP client.
    pub fn with_transport(mut self, transport: Arc<dyn HttpClient>) -> Client {
        self.transport = transport;
        self
    }

    /// Uses another token store.
    pub fn with_store(mut self, store: Arc<dyn TokenStore>) -> Client {
        self.store = store;
        self
    }

    /// Uses another clock (Unix seconds), for tests and simulations.
    pub fn with_clock(mut self, clock: Clock) -> Client {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// The current time from the client's clock.
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// Starts a login. Send the user to the flow's `authorization_url()`, then call [`Client::finish`].
    pub fn start(&self) -> Result<Flow, Error> {
        Flow::start(Arc::clone(&self.config), self.now())
    }

    /// Checks the redirect back, exchanges the code (once, never retried) and stores the tokens.
    pub fn finish(&self, mut flow: impl FlowAccess, callback_url: &str) -> Result<TokenSet, Error> {
        flow.with_flow(|f| f.callback(callback_url))?;
        self.exchange(flow)
    }

    /// Exchanges the code of a flow whose callback was checked (state `Exchanging`) and stores the tokens.
    pub fn exchange(&self, mut flow: impl FlowAccess) -> Result<TokenSet, Error> {
        let request = flow.with_flow(|f| f.exchange_request())?;
        let response = self.send_token_request(&mut flow, &request)?;
        let now = self.now();
        let tokens = flow.with_flow(|f| f.exchange_response(&response, now).and_then(|()| held(f)))?;
        // Under the store's lock: a refresh in flight in another thread or process finishes
        // first, and then this login replaces its result instead of being cleared or
        // overwritten by it.
        match self.store.lock() {
            Ok(_store) => self.keep(&tokens),
            Err(error) => {
                let replaces = self.store.load().ok().flatten();
                *self.unsaved() = Some(Unsaved { tokens: tokens.clone(), replaces, error });
            }
        }
        Ok(tokens)
    }

    /// The storage error that keeps this client's newest tokens in its memory only.
    ///
    /// `Some` after the store failed to save tokens a login or refresh returned (a full
    /// disk, a read-only folder): the call still succeeded and returned them, and this
    /// client goes on using them, since the store's copy may hold a refresh token that was
    /// rotated away. Every later call that needs tokens retries the save first; `None` once
    /// one succeeded. Another process sees the old tokens until then. If the store is
    /// changed meanwhile by someone else (a new login elsewhere), the unsaved tokens are
    /// dropped in favour of the store's.
    pub fn storage_warning(&self) -> Option<Error> {
        self.unsaved().as_ref().map(|u| u.error.clone())
    }

    /// The full loopback login: listen on the redirect URI, announce the authorization URL
    /// (and open a browser if asked), wait for the redirect back, exchange and store.
    ///
    /// With port 0 in the redirect URI the OS picks a free port, and the flow uses the real one.
    pub fn login(&self, options: LoginOptions) -> Result<TokenSet, Error> {
        let listener = LoopbackListener::bind(&self.config.redirect_uri)?;
        let config = if *listener.redirect_uri() == self.config.redirect_uri {
            Arc::clone(&self.config)
        } else {
            Arc::new(ClientConfig { redirect_uri: listener.redirect_uri().clone(), ..(*self.config).clone() })
        };
        let mut flow = Flow::start(config, self.now())?;
        let url = flow.authorization_url()?;
        if options.on_url.is_none() {
            // The documented default; a closed standard error is no reason to fail the login.
            drop(writeln!(std::io::stderr(), "Open this URL in your browser to sign in:\n\n    {url}\n"));
        }
        // Announced on a thread of its own: a callback that blocks until the redirect comes
        // back (a test's simulated browser, a prompt) must not keep the listener from answering.
        let (announce, open, shown) = (options.on_url, options.open_browser, url.clone());
        std::thread::spawn(move || {
            if let Some(announce) = announce {
                announce(&shown);
            }
            if open {
                open_browser(&shown);
            }
        });
        listener.wait(options.timeout, |callback| self.finish(&mut flow, callback)).map_err(|e| match e {
            Error::Transport { kind: TransportErrorKind::Timeout, message } => {
                Error::Transport { kind: TransportErrorKind::Timeout, message: format!("{message}: {url}") }
            }
            other => other,
        })
    }

    /// The stored tokens, as they are (no refresh).
    pub fn tokens(&self) -> Result<Option<TokenSet>, Error> {
        self.store.load()
    }

    /// Refreshes now, whatever the expiry. Callers racing with it share one refresh.
    pub fn refresh(&self) -> Result<TokenSet, Error> {
        self.refresh_with(self.refresh_ticket())
    }

    /// A ticket for [`Client::refresh_with`], taken when the caller decides to refresh: a
    /// binding takes it on the caller's thread and refreshes later on a worker.
    pub fn refresh_ticket(&self) -> RefreshTicket {
        RefreshTicket(self.refreshes.load(Ordering::Acquire))
    }

    /// Refreshes, unless a refresh by this client completed after `ticket` was taken, or
    /// another holder of the store refreshed meanwhile: then that result is the answer.
    pub fn refresh_with(&self, ticket: RefreshTicket) -> Result<TokenSet, Error> {
        let stale = self.stored()?;
        self.refresh_from(&stale, Some(ticket))
    }

    /// Tokens fit for use: the stored ones, refreshed first when [`TokenSet::refresh_due`] says so.
    ///
    /// Without a refresh token, tokens that are due but not yet expired are returned as
    /// they are; expired ones are an error (sign in again).
    pub fn valid_tokens(&self) -> Result<TokenSet, Error> {
        let tokens = self.stored()?;
        let now = self.now();
        let refreshable = tokens.refresh_token.is_some() || tokens.expires_within(now, 0);
        if tokens.refresh_due(now) && refreshable {
            self.refresh_from(&tokens, None)
        } else {
            Ok(tokens)
        }
    }

    /// Sends an API request with the access token, refreshing first when due.
    ///
    /// When the API refuses the token (a 401, or Conduit's `ERR-INVALID-AUTH` in a 200;
    /// [`Flow::api_response`]) and a refresh token is held, refreshes once and retries once.
    /// A 401 that stays is returned as is, like any other status. A refusal in the body with
    /// no refresh to replace the token means the grant is dead: the stored tokens are dropped,
    /// as after `invalid_grant`, and the error is [`Error::ApiError`]. Any other error the API
    /// reports in its own format (Conduit's `error_code`) is [`Error::ApiError`] too.
    pub fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let tokens = self.valid_tokens()?;
        let (response, answer) = self.send_with(&tokens, request.clone())?;
        let refusal = match answer {
            ApiAnswer::Ok => return Ok(response),
            ApiAnswer::TokenRefused(refusal) => refusal,
        };
        let (dead, response, refusal) = if tokens.refresh_token.is_some() {
            let fresh = self.refresh_from(&tokens, None)?;
            match self.send_with(&fresh, request)? {
                (retry, ApiAnswer::Ok) => return Ok(retry),
                (retry, ApiAnswer::TokenRefused(refusal)) => (fresh, retry, refusal),
            }
        } else {
            (tokens, response, refusal)
        };
        match refusal {
            None => Ok(response),
            Some(error) => {
                self.forget(&dead)?;
                Err(error)
            }
        }
    }

    /// GETs an API path (resolved against the provider's API base) or an absolute URL.
    pub fn get(&self, path_or_url: &str) -> Result<HttpResponse, Error> {
        let url = self.config.provider.api_url(path_or_url)?;
        self.send(HttpRequest::get(url.as_str()))
    }

    /// Revokes a token at the provider (RFC 7009). Revoking the refresh token also clears the store.
    pub fn revoke(&self, which: TokenKind) -> Result<(), Error> {
        let _in_process = self.refreshing.lock().unwrap_or_else(PoisonError::into_inner);
        let _store = self.store.lock()?;
        let tokens = self.current_locked()?.ok_or_else(|| self.not_signed_in())?;
        let flow = Flow::from_tokens(Arc::clone(&self.config), tokens);
        let request = flow.revocation_request(which)?;
        let response = self.transport.send(&request)?;
        flow.revocation_response(&response)?;
        if which == TokenKind::RefreshToken {
            *self.unsaved() = None;
            self.store.clear()?;
        }
        Ok(())
    }

    /// Forgets the stored tokens locally, without telling the provider.
    pub fn sign_out(&self) -> Result<(), Error> {
        let _store = self.store.lock()?;
        *self.unsaved() = None;
        self.store.clear()
    }

    fn stored(&self) -> Result<TokenSet, Error> {
        if self.unsaved().is_none() {
            return self.store.load()?.ok_or_else(|| self.not_signed_in());
        }
        let _store = self.store.lock()?;
        self.current_locked()?.ok_or_else(|| self.not_signed_in())
    }

    fn unsaved(&self) -> std::sync::MutexGuard<'_, Option<Unsaved>> {
        self.unsaved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tokens in force, with the store's lock held: the store's, or tokens only this
    /// client holds because their save failed, whose save is retried here first.
    fn current_locked(&self) -> Result<Option<TokenSet>, Error> {
        let mut unsaved = self.unsaved();
        let stored = match (self.store.load(), unsaved.as_ref()) {
            (Ok(stored), _) => stored,
            (Err(_), Some(u)) => return Ok(Some(u.tokens.clone())),
            (Err(e), None) => return Err(e),
        };
        let Some(u) = unsaved.as_mut() else { return Ok(stored) };
        if stored != u.replaces {
            // Written by someone else since: theirs is newer.
            *unsaved = None;
            return Ok(stored);
        }
        match self.store.save(&u.tokens) {
            Ok(()) => Ok(unsaved.take().map(|u| u.tokens)),
            Err(error) => {
                u.error = error;
                Ok(Some(u.tokens.clone()))
            }
        }
    }

    /// Saves `tokens`, with the store's lock held; when the store refuses, keeps them in
    /// memory with the error ([`Client::storage_warning`]) instead of losing them.
    fn keep(&self, tokens: &TokenSet) {
        let mut unsaved = self.unsaved();
        match self.store.save(tokens) {
            Ok(()) => *unsaved = None,
            Err(error) => {
                let replaces = match unsaved.take() {
                    Some(earlier) => earlier.replaces,
                    None => self.store.load().ok().flatten(),
                };
                *unsaved = Some(Unsaved { tokens: tokens.clone(), replaces, error });
            }
        }
    }

    fn not_signed_in(&self) -> Error {
        Error::NotSignedIn { provider: self.config.provider.name.clone() }
    }

    /// Clears the store if it still holds `dead`: a newer login or refresh is kept.
    fn forget(&self, dead: &TokenSet) -> Result<(), Error> {
        let _in_process = self.refreshing.lock().unwrap_or_else(PoisonError::into_inner);
        let _store = self.store.lock()?;
        if self.current_locked()?.as_ref() == Some(dead) {
            *self.unsaved() = None;
            self.store.clear()?;
        }
        Ok(())
    }

    /// Sends `request` with the access token of `tokens` and reads the answer the provider's way.
    fn send_with(&self, tokens: &TokenSet, request: HttpRequest) -> Result<(HttpResponse, ApiAnswer), Error> {
        let flow = Flow::from_tokens(Arc::clone(&self.config), tokens.clone());
        let response = self.transport.send(&flow.authorize(request)?)?;
        let answer = flow.api_response(&response)?;
        Ok((response, answer))
    }

    /// Refreshes `stale`, unless the store already holds something newer, or a refresh completed
    /// after `ticket`: then that is the answer.
    fn refresh_from(&self, stale: &TokenSet, ticket: Option<RefreshTicket>) -> Result<TokenSet, Error> {
        let _in_process = self.refreshing.lock().unwrap_or_else(PoisonError::into_inner);
        let _store = self.store.lock()?;
        let current = self.current_locked()?.ok_or_else(|| self.not_signed_in())?;
        let served = ticket.is_some_and(|t| t != self.refresh_ticket());
        if served || current != *stale {
            return Ok(current);
        }
        let mut flow = Flow::from_tokens(Arc::clone(&self.config), current.clone());
        let request = flow.refresh_request()?;
        let response = self.send_token_request(&mut &mut flow, &request)?;
        let outcome = flow.refresh_response(&response, self.now());
        // Compare, then act: a writer that does not take the lock (another program, an older
        // client) may have stored a new login while the request was out. The store is cleared
        // or overwritten only if it still holds the tokens this refresh started from;
        // otherwise the newer tokens stay and are the answer.
        let dead_grant = matches!(&outcome, Err(e) if e.oauth_code() == Some(&OAuthErrorCode::InvalidGrant));
        if outcome.is_ok() || dead_grant {
            let now_stored = self.current_locked()?;
            if now_stored.as_ref() != Some(&current) {
                return now_stored.ok_or_else(|| self.not_signed_in());
            }
        }
        if let Err(e) = outcome {
            // invalid_grant: the refresh token is dead (expired, revoked, or reused and the
            // grant killed). Keeping it would make every later call fail the same way.
            if dead_grant {
                *self.unsaved() = None;
                self.store.clear()?;
            }
            return Err(e);
        }
        let state = flow.state_name();
        let fresh =
            flow.into_tokens().ok_or(Error::InvalidState { state, operation: "read the tokens of the flow" })?;
        // A store that refuses the save must not lose the rotated refresh token: the tokens
        // are returned and kept in memory, and the save is retried on the next call.
        self.keep(&fresh);
        self.refreshes.fetch_add(1, Ordering::AcqRel);
        Ok(fresh)
    }

    /// Sends a code exchange or refresh. A failure is reported to the flow; a redirect is a failure.
    fn send_token_request(&self, flow: &mut impl FlowAccess, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let failed = match send_unredirected(self.transport.as_ref(), request) {
            Ok(response) => return Ok(response),
            Err(e) => e,
        };
        flow.with_flow(|f| f.request_failed())?;
        Err(failed)
    }
}

fn held(flow: &Flow) -> Result<TokenSet, Error> {
    flow.tokens()
        .cloned()
        .ok_or(Error::InvalidState { state: flow.state_name(), operation: "read the tokens of the flow" })
}

fn system_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
