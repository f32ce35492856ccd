//! The server's shared state: base URL, knobs, counters and the token store.

use crate::model::{Counters, Knobs};
use crate::store::Store;
use std::sync::{Mutex, MutexGuard, PoisonError};

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
