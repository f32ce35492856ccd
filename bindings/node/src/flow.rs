//! `Flow`: the sans-IO state machine for users who bring their own HTTP client (fetch, undici).
//!
//! The core flow sits behind an `Arc<Mutex<..>>` so that `Client.exchange()` can run it
//! on a libuv thread; the lock is never held across I/O. While a client request for this
//! flow is in flight, the flow is busy and every other call on it is `ERR_INVALID_STATE`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use authflow::{Entropy, SeededEntropy, TokenKind};
use napi::Env;

use crate::convert::{self, JsHttpResponse, JsRequestInit};
use crate::error::{self, OrThrow};
use crate::fast::{Request, TokensOut};
use crate::provider::ClientConfig;

/// Options of `Flow.start()`.
#[napi(object)]
pub struct StartOptions {
    /// Unix seconds; the system clock by default.
    pub now: Option<f64>,
    /// Test only: a deterministic generator (xorshift64*) instead of the OS one, for vectors.
    pub seed: Option<f64>,
}

/// The shared state of one flow.
#[derive(Clone)]
pub(crate) struct Shared {
    pub flow: Arc<Mutex<authflow::Flow>>,
    pub busy: Arc<AtomicBool>,
}

impl Shared {
    pub fn new(flow: authflow::Flow) -> Shared {
        Shared { flow: Arc::new(Mutex::new(flow)), busy: Arc::new(AtomicBool::new(false)) }
    }

    pub fn lock(&self) -> MutexGuard<'_, authflow::Flow> {
        self.flow.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the flow busy for a request in flight; fails if it already is.
    pub fn claim(&self, operation: &'static str) -> Result<(), authflow::Error> {
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(authflow::Error::InvalidState { state: self.lock().state_name(), operation });
        }
        Ok(())
    }

    pub fn release(&self) {
        self.busy.store(false, Ordering::Release);
    }
}

/// One authorization-code login: `AwaitingCallback -> Exchanging -> Authorized <-> Refreshing`.
#[napi]
pub struct Flow {
    pub(crate) shared: Shared,
}

impl Flow {
    fn with<T>(
        &self,
        env: &Env,
        operation: &'static str,
        f: impl FnOnce(&mut authflow::Flow) -> Result<T, authflow::Error>,
    ) -> napi::Result<T> {
        if self.shared.busy.load(Ordering::Acquire) {
            let state = self.shared.lock().state_name();
            return Err(error::to_js(env, &authflow::Error::InvalidState { state, operation }));
        }
        f(&mut self.shared.lock()).or_throw(env)
    }
}

#[napi]
impl Flow {
    /// Starts a login: fresh state, PKCE verifier (and nonce with `openid`). Send the user to `authorizationUrl`.
    #[napi(factory)]
    pub fn start(env: Env, config: &ClientConfig, options: Option<StartOptions>) -> napi::Result<Flow> {
        let (now, seed) = options.map(|o| (o.now, o.seed)).unwrap_or_default();
        let now = convert::now(&env, now)?;
        let config = Arc::clone(&config.inner);
        let flow = match seed {
            Some(seed) if seed.is_finite() && seed >= 0.0 => {
                authflow::Flow::start_with(config, now, &mut SeededEntropy::new(seed as u64))
            }
            Some(_) => return Err(error::config(&env, "seed must be a non-negative integer")),
            None => authflow::Flow::start_with(config, now, &mut PooledEntropy),
        };
        Ok(Flow { shared: Shared::new(flow.or_throw(&env)?) })
    }

    /// Resumes a flow saved with `toJSON()` (an object or its JSON text) under the same configuration.
    #[napi(
        factory,
        js_name = "fromJSON",
        ts_args_type = "config: ClientConfig, json: string | Record<string, unknown>"
    )]
    pub fn from_json(env: Env, config: &ClientConfig, json: serde_json::Value) -> napi::Result<Flow> {
        let text = match json {
            serde_json::Value::String(text) => text,
            value => value.to_string(),
        };
        let flow = authflow::Flow::from_json(Arc::clone(&config.inner), &text).or_throw(&env)?;
        Ok(Flow { shared: Shared::new(flow) })
    }

    /// The state as a plain object (`JSON.stringify(flow)` works). It holds secrets: keep it
    /// server-side, or in a cookie that is signed (and, for tokens, encrypted).
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, unknown>")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.shared.lock().to_json()).unwrap_or_default()
    }

    /// The state's name: `AwaitingCallback`, `Exchanging`, `Authorized` or `Refreshing`.
    #[napi(getter, ts_return_type = "'AwaitingCallback' | 'Exchanging' | 'Authorized' | 'Refreshing'")]
    pub fn state(&self) -> &'static str {
        self.shared.lock().state_name().as_str()
    }

    /// The `state` parameter sent in the authorization URL while awaiting the callback (a key
    /// for finding this pending flow when the browser comes back), else `null`.
    #[napi(getter)]
    pub fn state_param(&self) -> Option<String> {
        match self.shared.lock().state() {
            authflow::State::AwaitingCallback { csrf, .. } => Some(csrf.expose().to_owned()),
            _ => None,
        }
    }

    /// True while a `Client` request for this flow is in flight.
    #[napi(getter)]
    pub fn busy(&self) -> bool {
        self.shared.busy.load(Ordering::Acquire)
    }

    /// The URL to send the user's browser to (only while awaiting the callback).
    #[napi(getter)]
    pub fn authorization_url(&self, env: Env) -> napi::Result<String> {
        self.with(&env, "build the authorization url", |f| f.authorization_url())
    }

    /// Checks the redirect back: a full URL or Node's `req.url` path. Next: `exchangeRequest()`.
    #[napi]
    pub fn callback(&self, env: Env, url: String) -> napi::Result<()> {
        self.with(&env, "accept a callback", |f| f.callback(&url))
    }

    /// The code exchange request, handed out once. Send it without following redirects.
    #[napi(ts_return_type = "HttpRequest")]
    pub fn exchange_request(&self, env: Env) -> napi::Result<Request> {
        self.with(&env, "build a code exchange request", |f| f.exchange_request()).map(convert::request_out)
    }

    /// The token endpoint's answer to the exchange, received at `now` (Unix seconds, default the clock).
    #[napi]
    pub fn exchange_response(&self, env: Env, response: JsHttpResponse, now: Option<f64>) -> napi::Result<()> {
        let response = convert::response_in(&env, response)?;
        let now = convert::now(&env, now)?;
        self.with(&env, "accept an exchange response", |f| f.exchange_response(&response, now))
    }

    /// The refresh request. Next: `refreshResponse()` or `requestFailed()`.
    #[napi(ts_return_type = "HttpRequest")]
    pub fn refresh_request(&self, env: Env) -> napi::Result<Request> {
        self.with(&env, "build a refresh request", |f| f.refresh_request()).map(convert::request_out)
    }

    /// The token endpoint's answer to the refresh. On error the old tokens stay.
    #[napi]
    pub fn refresh_response(&self, env: Env, response: JsHttpResponse, now: Option<f64>) -> napi::Result<()> {
        let response = convert::response_in(&env, response)?;
        let now = convert::now(&env, now)?;
        self.with(&env, "accept a refresh response", |f| f.refresh_response(&response, now))
    }

    /// The last request got no answer: a refresh falls back to the old tokens; a code stays spent.
    #[napi]
    pub fn request_failed(&self, env: Env) -> napi::Result<()> {
        self.with(&env, "report a failed request", |f| f.request_failed())
    }

    /// Adds the access token to an API request (Bearer header, or `?access_token=` for Phorge).
    #[napi(ts_return_type = "HttpRequest")]
    pub fn authorize(&self, env: Env, request: JsRequestInit) -> napi::Result<Request> {
        let request = convert::request_in(&env, request)?;
        self.with(&env, "authorize a request", |f| f.authorize(request)).map(convert::request_out)
    }

    /// An RFC 7009 revocation request for the access or refresh token.
    #[napi(ts_args_type = "kind: 'access_token' | 'refresh_token'", ts_return_type = "HttpRequest")]
    pub fn revocation_request(&self, env: Env, kind: String) -> napi::Result<Request> {
        let kind = token_kind(&env, &kind)?;
        self.with(&env, "revoke a token", |f| f.revocation_request(kind)).map(convert::request_out)
    }

    /// The tokens, when authorized (or refreshing); `null` before.
    #[napi(getter, ts_return_type = "Tokens | null")]
    pub fn tokens(&self) -> TokensOut {
        TokensOut(self.shared.lock().tokens().cloned())
    }

    /// Deviations tolerated in the last token response (`{warning: 'token_type_case', got: 'bearer'}`, ...).
    #[napi(getter, ts_return_type = "Array<{ warning: string, [key: string]: unknown }>")]
    pub fn warnings(&self) -> Vec<serde_json::Value> {
        convert::warnings(self.shared.lock().warnings())
    }

    /// True when the access token expires at or before `now + skew`.
    #[napi]
    pub fn expires_within(&self, env: Env, now: f64, skew: Option<f64>) -> napi::Result<bool> {
        let now = convert::now(&env, Some(now))?;
        let skew = convert::now(&env, Some(skew.unwrap_or(0.0)))?;
        Ok(self.shared.lock().expires_within(now, skew))
    }

    /// True when the access token should be refreshed before use at `now` (a tenth of its lifetime early, 5..60 s).
    #[napi]
    pub fn refresh_due(&self, env: Env, now: Option<f64>) -> napi::Result<bool> {
        let now = convert::now(&env, now)?;
        Ok(self.shared.lock().refresh_due(now))
    }
}

pub(crate) fn token_kind(env: &Env, kind: &str) -> napi::Result<TokenKind> {
    match kind {
        "access_token" => Ok(TokenKind::AccessToken),
        "refresh_token" => Ok(TokenKind::RefreshToken),
        other => Err(error::config(env, format!("token kind must be access_token or refresh_token, got {other:?}"))),
    }
}

/// The OS generator, read 4 KiB at a time: one `getrandom` call per ~80 logins instead of one
/// per login. Bytes are handed out once and wiped from the pool as they are taken.
struct PooledEntropy;

const POOL: usize = 4096;

thread_local! {
    static ENTROPY_POOL: std::cell::RefCell<(Box<[u8; POOL]>, usize)> =
        std::cell::RefCell::new((Box::new([0u8; POOL]), POOL));
}

impl Entropy for PooledEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), authflow::Error> {
        if buf.len() > POOL {
            return authflow::OsEntropy.fill(buf);
        }
        ENTROPY_POOL.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (pool, used) = &mut *guard;
            if POOL - *used < buf.len() {
                authflow::OsEntropy.fill(&mut pool[..])?;
                *used = 0;
            }
            let taken = &mut pool[*used..*used + buf.len()];
            buf.copy_from_slice(taken);
            taken.fill(0);
            *used += buf.len();
            Ok(())
        })
    }
}
