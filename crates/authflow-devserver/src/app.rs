//! The server's shared state: base URL, knobs, counters and the token store.

use crate::faults::Fault;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::sync::{Mutex, MutexGuard, PoisonError};

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

/// Everything the request handlers share.
pub(crate) struct App {
    pub base_url: String,
    knobs: Mutex<Knobs>,
    counters: Mutex<Counters>,
    store: Mutex<Store>,
}

impl App {
    pub fn new(base_url: String, knobs: Knobs) -> App {
        App { base_url, knobs: Mutex::new(knobs), counters: Mutex::default(), store: Mutex::default() }
    }

    pub fn knobs(&self) -> Knobs {
        lock(&self.knobs).clone()
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        *lock(&self.knobs) = knobs;
    }

    pub fn counters(&self) -> Counters {
        lock(&self.counters).clone()
    }

    /// Updates the counters under their lock, so concurrent counts stay exact.
    pub fn count(&self, update: impl FnOnce(&mut Counters)) {
        update(&mut lock(&self.counters));
    }

    pub fn reset(&self) {
        *lock(&self.counters) = Counters::default();
        *lock(&self.knobs) = Knobs::default();
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

/// Locks a mutex, recovering the data if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
