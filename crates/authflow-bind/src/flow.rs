//! [`FlowHandle`]: one flow shared between a host's threads, with the busy guard that keeps a
//! second request for it from starting while one is out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use authflow::{
    Client, ClientConfig, Error, Flow, HttpRequest, HttpResponse, MemoryStore, State, StateName, TokenKind, TokenSet,
    TokenStore, Warning,
};

use crate::transport::shared_transport;
use crate::values::{unix_time, whole_seconds, Randomness};
use crate::Job;

/// A flow behind a mutex, locked only while it steps (never while a request is out).
///
/// While a request for the flow is in flight ([`FlowHandle::claim`]), every other call on
/// it is `invalid_state`: two exchanges of one code can never start.
pub struct FlowHandle {
    flow: Mutex<Flow>,
    busy: AtomicBool,
}

/// The claim on a flow for one request in flight; the flow is free again when it is dropped.
pub struct Busy(Arc<FlowHandle>);

impl std::fmt::Debug for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Busy")
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

impl Busy {
    /// The flow's mutex, for the driver.
    pub(crate) fn flow(&self) -> &Mutex<Flow> {
        &self.0.flow
    }
}

impl FlowHandle {
    fn wrap(flow: Flow) -> Arc<FlowHandle> {
        Arc::new(FlowHandle { flow: Mutex::new(flow), busy: AtomicBool::new(false) })
    }

    /// Starts a login at `now` (the system clock when absent) with fresh state, verifier and nonce.
    pub fn start(
        config: Arc<ClientConfig>,
        now: Option<f64>,
        randomness: Randomness,
    ) -> Result<Arc<FlowHandle>, Error> {
        let now = unix_time(now)?;
        randomness.with(|entropy| Flow::start_with(config, now, entropy)).map(FlowHandle::wrap)
    }

    /// Wraps a flow a client started.
    pub fn from_flow(flow: Flow) -> Arc<FlowHandle> {
        FlowHandle::wrap(flow)
    }

    /// Resumes a flow saved with [`FlowHandle::to_json`], under the same configuration.
    pub fn from_json(config: Arc<ClientConfig>, json: &str) -> Result<Arc<FlowHandle>, Error> {
        Flow::from_json(config, json).map(FlowHandle::wrap)
    }

    /// A flow that already holds tokens (state `Authorized`).
    pub fn from_tokens(config: Arc<ClientConfig>, tokens: TokenSet) -> Arc<FlowHandle> {
        FlowHandle::wrap(Flow::from_tokens(config, tokens))
    }

    fn lock(&self) -> MutexGuard<'_, Flow> {
        self.flow.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a sans-IO step, unless a request for the flow is in flight.
    fn step<T>(&self, operation: &'static str, f: impl FnOnce(&mut Flow) -> Result<T, Error>) -> Result<T, Error> {
        let mut flow = self.lock();
        if self.busy() {
            return Err(Error::InvalidState { state: flow.state_name(), operation });
        }
        f(&mut flow)
    }

    /// Claims the flow for a request in flight; `invalid_state` if one already is.
    pub fn claim(self: &Arc<Self>, operation: &'static str) -> Result<Busy, Error> {
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(Error::InvalidState { state: self.state_name(), operation });
        }
        Ok(Busy(Arc::clone(self)))
    }

    /// True while a request for this flow is in flight.
    pub fn busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// The configuration.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.lock().shared_config()
    }

    /// The state's name.
    pub fn state_name(&self) -> StateName {
        self.lock().state_name()
    }

    /// The `state` parameter of the authorization URL while awaiting the callback: the key a
    /// web app finds the pending flow by when the browser comes back.
    pub fn state_param(&self) -> Option<String> {
        match self.lock().state() {
            State::AwaitingCallback { csrf, .. } => Some(csrf.expose().to_owned()),
            _ => None,
        }
    }

    /// The state as JSON (holds secrets).
    pub fn to_json(&self) -> String {
        self.lock().to_json()
    }

    /// The tokens, when authorized or refreshing.
    pub fn tokens(&self) -> Option<TokenSet> {
        self.lock().tokens().cloned()
    }

    /// Deviations tolerated in the last token response.
    pub fn warnings(&self) -> Vec<Warning> {
        self.lock().warnings().to_vec()
    }

    /// The URL to send the user's browser to.
    pub fn authorization_url(&self) -> Result<String, Error> {
        self.step("build the authorization url", |f| f.authorization_url())
    }

    /// Checks the redirect back.
    pub fn callback(&self, url: &str) -> Result<(), Error> {
        self.step("accept a callback", |f| f.callback(url))
    }

    /// The code exchange request, handed out once.
    pub fn exchange_request(&self) -> Result<HttpRequest, Error> {
        self.step("build a code exchange request", Flow::exchange_request)
    }

    /// The token endpoint's answer to the exchange, received at `now` (the clock when absent).
    pub fn exchange_response(&self, response: &HttpResponse, now: Option<f64>) -> Result<(), Error> {
        let now = unix_time(now)?;
        self.step("accept an exchange response", |f| f.exchange_response(response, now))
    }

    /// The refresh request.
    pub fn refresh_request(&self) -> Result<HttpRequest, Error> {
        self.step("build a refresh request", Flow::refresh_request)
    }

    /// The token endpoint's answer to the refresh, received at `now` (the clock when absent).
    pub fn refresh_response(&self, response: &HttpResponse, now: Option<f64>) -> Result<(), Error> {
        let now = unix_time(now)?;
        self.step("accept a refresh response", |f| f.refresh_response(response, now))
    }

    /// The last request got no answer.
    pub fn request_failed(&self) -> Result<(), Error> {
        self.step("report a failed request", Flow::request_failed)
    }

    /// Adds the access token to an API request.
    pub fn authorize(&self, request: HttpRequest) -> Result<HttpRequest, Error> {
        self.step("authorize a request", |f| f.authorize(request))
    }

    /// An RFC 7009 revocation request: `kind` is `access_token` or `refresh_token` (the default).
    pub fn revocation_request(&self, kind: Option<&str>) -> Result<HttpRequest, Error> {
        let kind = token_kind(kind)?;
        self.step("revoke a token", |f| f.revocation_request(kind))
    }

    /// True when the access token expires at or before `now + skew`.
    pub fn expires_within(&self, now: Option<f64>, skew: Option<f64>) -> Result<bool, Error> {
        let (now, skew) = (unix_time(now)?, whole_seconds("skew", skew.unwrap_or(0.0))?);
        Ok(self.lock().expires_within(now, skew))
    }

    /// True when the access token should be refreshed before use at `now`.
    pub fn refresh_due(&self, now: Option<f64>) -> Result<bool, Error> {
        let now = unix_time(now)?;
        Ok(self.lock().refresh_due(now))
    }

    /// Exchanges the code through the shared transport; returns the tokens.
    pub fn exchange(self: &Arc<Self>) -> Result<Job<TokenSet>, Error> {
        let busy = self.claim("exchange a code while a request for this flow is in flight")?;
        let client = Client::new((*self.config()).clone()).with_transport(shared_transport());
        Ok(Job::new(move || client.exchange(busy.flow())))
    }

    /// Refreshes now through the shared transport; the flow holds the new tokens after.
    pub fn refresh(self: &Arc<Self>) -> Result<Job<TokenSet>, Error> {
        self.with_tokens("refresh while a request for this flow is in flight", |client| client.refresh())
    }

    /// Sends an API request with the access token (refreshed first when due, and once on a 401).
    pub fn send(self: &Arc<Self>, request: HttpRequest) -> Result<Job<HttpResponse>, Error> {
        self.with_tokens("send a request while another for this flow is in flight", move |client| client.send(request))
    }

    /// GETs an API path (against the provider's API base) or an absolute URL, as [`FlowHandle::send`].
    pub fn get(self: &Arc<Self>, path_or_url: String) -> Result<Job<HttpResponse>, Error> {
        self.with_tokens("send a request while another for this flow is in flight", move |client| {
            client.get(&path_or_url)
        })
    }

    /// Runs `work` on a client that holds this flow's tokens, then adopts the tokens it ends with.
    fn with_tokens<T: 'static>(
        self: &Arc<Self>,
        operation: &'static str,
        work: impl FnOnce(&Client) -> Result<T, Error> + Send + 'static,
    ) -> Result<Job<T>, Error> {
        let busy = self.claim(operation)?;
        let config = self.config();
        let tokens = self.tokens().ok_or(Error::InvalidState { state: self.state_name(), operation })?;
        let store = Arc::new(MemoryStore::with_tokens(tokens.clone()));
        let client = Client::new((*config).clone()).with_transport(shared_transport()).with_store(store.clone());
        Ok(Job::new(move || {
            let result = work(&client);
            if let Some(fresh) = store.load()?.filter(|fresh| *fresh != tokens) {
                *busy.flow().lock().unwrap_or_else(PoisonError::into_inner) = Flow::from_tokens(config, fresh);
            }
            result
        }))
    }
}

/// `access_token` or `refresh_token`; `refresh_token` when absent.
pub fn token_kind(kind: Option<&str>) -> Result<TokenKind, Error> {
    kind.map(str::parse).transpose().map(|k| k.unwrap_or(TokenKind::RefreshToken))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Arc<ClientConfig> {
        let provider = authflow::Provider::generic("https://as.example/a", "https://as.example/t").unwrap();
        Arc::new(ClientConfig::new(provider, "c", "http://127.0.0.1:9/cb").unwrap().with_secret("s"))
    }

    #[test]
    fn a_busy_flow_refuses_every_step_and_a_second_claim() {
        let flow = FlowHandle::start(config(), Some(1.0), Randomness::Seeded(1.0)).unwrap();
        let state = flow.state_param().unwrap();
        flow.callback(&format!("http://127.0.0.1:9/cb?code=abcd&state={state}")).unwrap();
        let busy = flow.claim("exchange").unwrap();
        assert_eq!(flow.claim("exchange").unwrap_err().kind(), "invalid_state");
        assert_eq!(flow.exchange_request().unwrap_err().kind(), "invalid_state");
        drop(busy);
        assert!(flow.exchange_request().is_ok());
        assert_eq!(flow.exchange_request().unwrap_err().kind(), "invalid_state", "the code goes out once");
    }
}
