//! `Client`: the batteries (ureq transport, token store, auto-refresh, loopback login) behind Promises.
//!
//! Every call that may do HTTP or file I/O is a [`Job`] on the libuv thread pool: the
//! blocking Rust client runs there and the Promise settles on the main thread, so the
//! event loop keeps running while a token endpoint is slow.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use authflow::{FileStore, HttpResponse, LoginOptions as RustLoginOptions, MemoryStore, TokenSet, TokenStore};
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Object, ToNapiValue, TypeName};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};

use crate::convert::{self, JsRequestInit, Tokens};
use crate::error::{self, OrThrow};
use crate::flow::{token_kind, Flow, Shared};
use crate::provider::ClientConfig;
use crate::{io, poll};

type Work<T> = Box<dyn FnOnce() -> Result<T, authflow::Error> + Send>;
/// Runs on the main thread with the work's result, whatever it is.
type Done<T, J> = Box<dyn FnOnce(Result<T, authflow::Error>) -> Result<J, authflow::Error> + Send>;

/// Blocking work for the libuv pool and the conversion of its result on the main thread.
pub struct Job<T: Send + 'static, J> {
    work: Option<Work<T>>,
    done: Option<Done<T, J>>,
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Job<T, J> {
    fn spawn(
        work: impl FnOnce() -> Result<T, authflow::Error> + Send + 'static,
        done: impl FnOnce(Result<T, authflow::Error>) -> Result<J, authflow::Error> + Send + 'static,
    ) -> AsyncTask<Self> {
        AsyncTask::new(Job { work: Some(Box::new(work)), done: Some(Box::new(done)) })
    }
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for Job<T, J> {
    type Output = Result<T, authflow::Error>;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        match self.work.take() {
            Some(work) => Ok(work()),
            None => Err(napi::Error::new(Status::GenericFailure, "authflow: a job ran twice")),
        }
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<J> {
        let done = self
            .done
            .take()
            .ok_or_else(|| napi::Error::new(Status::GenericFailure, "authflow: a job resolved twice"))?;
        done(output).or_throw(&env)
    }
}

/// A Promise: an `AsyncTask` on the libuv pool, or one settled from the I/O thread.
type Promised<'env, T, J> = Either<AsyncTask<Job<T, J>>, Object<'env>>;

type Settle<J> = Box<dyn FnOnce(Env) -> napi::Result<J> + Send>;

/// A Promise for `work`: on the spinning I/O thread ([`io`]) when it is idle, else on the libuv pool.
fn promise<T: Send + 'static, J: ToNapiValue + TypeName + 'static>(
    env: &Env,
    work: impl FnOnce() -> Result<T, authflow::Error> + Send + 'static,
    done: impl FnOnce(Result<T, authflow::Error>) -> Result<J, authflow::Error> + Send + 'static,
) -> napi::Result<Promised<'_, T, J>> {
    let Some(slot) = io::claim() else { return Ok(Either::A(Job::spawn(work, done))) };
    let (deferred, promise) = env.create_deferred::<J, Settle<J>>()?;
    let started = poll::begin(env);
    slot.run(move |slot| {
        let out = work();
        drop(slot);
        deferred.resolve(Box::new(move |env| {
            poll::end(started);
            done(out).or_throw(&env)
        }));
    });
    Ok(Either::B(promise))
}

/// Options of `new Client()`.
#[napi(object)]
pub struct ClientOptions {
    /// `'memory'` (the default) or the path of a token file (mode 0600, atomic writes, shared safely between processes).
    pub store: Option<String>,
}

/// Options of `client.login()`.
#[napi(object, object_to_js = false)]
pub struct LoginOptions {
    /// Open the authorization URL in the default browser. Default false.
    pub open_browser: Option<bool>,
    /// Seconds to wait for the browser to come back. Default 300.
    pub timeout: Option<f64>,
    /// Told the authorization URL; without it the URL is printed to stderr.
    #[napi(ts_type = "(url: string) => void")]
    pub on_url: Option<ThreadsafeFunction<String, (), String, Status, false>>,
}

/// An API response: `status`, `headers`, `body` (a Buffer), `text()`, `json()`.
#[napi]
pub struct ApiResponse {
    inner: HttpResponse,
}

#[napi]
impl ApiResponse {
    /// The HTTP status.
    #[napi(getter)]
    pub fn status(&self) -> u32 {
        u32::from(self.inner.status)
    }

    /// True for 2xx.
    #[napi(getter)]
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.inner.status)
    }

    /// `[name, value]` pairs, in order.
    #[napi(getter)]
    pub fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }

    /// The first header with this name (any case).
    #[napi]
    pub fn header(&self, name: String) -> Option<String> {
        self.inner.header(&name).map(str::to_owned)
    }

    /// The body bytes.
    #[napi(getter)]
    pub fn body(&self) -> Buffer {
        self.inner.body.clone().into()
    }

    /// The body as UTF-8 text.
    #[napi]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.inner.body).into_owned()
    }

    /// The body parsed as JSON; `ERR_UNEXPECTED_RESPONSE` if it is not JSON.
    #[napi(ts_return_type = "any")]
    pub fn json(&self, env: Env) -> napi::Result<serde_json::Value> {
        serde_json::from_slice(&self.inner.body).map_err(|e| {
            error::to_js(
                &env,
                &authflow::Error::UnexpectedResponse {
                    status: self.inner.status,
                    content_type: self.inner.header("content-type").map(str::to_owned),
                    summary: format!("body is not json (line {} column {})", e.line(), e.column()),
                },
            )
        })
    }
}

/// A client with batteries: exchange, refresh (single-flight), API calls with auto-refresh, revoke, login.
#[napi]
pub struct Client {
    inner: Arc<authflow::Client>,
    /// Refresh results delivered to JS so far.
    epoch: Arc<AtomicU64>,
    /// Held while refreshing; holds the epoch whose calls the last refresh served.
    gate: Arc<Mutex<Option<u64>>>,
}

fn tokens_js(r: Result<TokenSet, authflow::Error>) -> Result<Tokens, authflow::Error> {
    r.map(|t| convert::tokens(&t))
}

fn response_js(r: Result<HttpResponse, authflow::Error>) -> Result<ApiResponse, authflow::Error> {
    r.map(|inner| ApiResponse { inner })
}

fn nothing(r: Result<(), authflow::Error>) -> Result<(), authflow::Error> {
    r
}

#[napi]
impl Client {
    /// `new Client(config, {store: 'memory' | path})`.
    #[napi(constructor)]
    pub fn new(config: &ClientConfig, options: Option<ClientOptions>) -> Client {
        let store: Arc<dyn TokenStore> = match options.and_then(|o| o.store) {
            Some(path) if path != "memory" => Arc::new(FileStore::new(path)),
            _ => Arc::new(MemoryStore::new()),
        };
        let client = authflow::Client::new((*config.inner).clone()).with_store(store);
        Client { inner: Arc::new(client), epoch: Arc::default(), gate: Arc::default() }
    }

    /// Starts a login; send the user to `flow.authorizationUrl`, then call `finish(flow, url)`.
    #[napi]
    pub fn start(&self, env: Env) -> napi::Result<Flow> {
        Ok(Flow { shared: Shared::new(self.inner.start().or_throw(&env)?) })
    }

    /// Checks the redirect back (a URL or `req.url`), exchanges the code once and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn finish<'env>(
        &self,
        env: &'env Env,
        flow: &Flow,
        url: String,
    ) -> napi::Result<Promised<'env, TokenSet, Tokens>> {
        self.run_flow(env, flow, move |client, f| client.finish(f, &url))
    }

    /// Exchanges the code of a flow whose callback was checked (`Exchanging`) and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn exchange<'env>(&self, env: &'env Env, flow: &Flow) -> napi::Result<Promised<'env, TokenSet, Tokens>> {
        self.run_flow(env, flow, |client, f| client.exchange(f))
    }

    fn run_flow<'env>(
        &self,
        env: &'env Env,
        flow: &Flow,
        step: impl FnOnce(&authflow::Client, &mut authflow::Flow) -> Result<TokenSet, authflow::Error> + Send + 'static,
    ) -> napi::Result<Promised<'env, TokenSet, Tokens>> {
        let shared = flow.shared.clone();
        if let Err(busy) = shared.claim("start a second request for a flow while one is in flight") {
            return Ok(Either::A(Job::spawn(move || Err(busy), tokens_js)));
        }
        let client = Arc::clone(&self.inner);
        let (working, settled) = (shared.clone(), shared);
        promise(
            env,
            move || {
                // Worked on a copy so the main thread never waits for this lock during I/O.
                let mut copy = working.lock().clone();
                let result = step(&client, &mut copy);
                *working.lock() = copy;
                result
            },
            // Busy until the Promise settles, released on the main thread.
            move |result| {
                settled.release();
                tokens_js(result)
            },
        )
    }

    /// Refreshes now. Calls made before the Promise of a refresh of this client settles share that one request.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn refresh<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, (TokenSet, bool), Tokens>> {
        // The epoch advances on the main thread when a refresh's result is delivered, so every
        // call made while one is in flight (as JS sees it) carries the same epoch and joins it.
        let seen = self.epoch.load(Ordering::Acquire);
        let (client, gate, epoch) = (Arc::clone(&self.inner), Arc::clone(&self.gate), Arc::clone(&self.epoch));
        promise(
            env,
            move || {
                let mut refreshed_in = gate.lock().unwrap_or_else(PoisonError::into_inner);
                if *refreshed_in == Some(seen) {
                    if let Some(tokens) = client.tokens()? {
                        return Ok((tokens, false));
                    }
                }
                let tokens = client.refresh()?;
                *refreshed_in = Some(seen);
                Ok((tokens, true))
            },
            move |result| {
                let (tokens, refreshed) = result?;
                if refreshed {
                    epoch.fetch_add(1, Ordering::AcqRel);
                }
                Ok(convert::tokens(&tokens))
            },
        )
    }

    /// Tokens fit for use: the stored ones, refreshed first when due.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn valid_tokens<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, TokenSet, Tokens>> {
        let client = Arc::clone(&self.inner);
        promise(env, move || client.valid_tokens(), tokens_js)
    }

    /// GETs an API path (against the provider's API base) or URL with the access token; refreshes when due, retries once on 401.
    #[napi(ts_return_type = "Promise<ApiResponse>")]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        path_or_url: String,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        let client = Arc::clone(&self.inner);
        promise(env, move || client.get(&path_or_url), response_js)
    }

    /// Sends an API request with the access token (as `get`, for any request).
    #[napi(ts_return_type = "Promise<ApiResponse>")]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        request: JsRequestInit,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        let request = convert::request_in(env, request)?;
        let client = Arc::clone(&self.inner);
        promise(env, move || client.send(request), response_js)
    }

    /// Revokes a token at the provider (RFC 7009); revoking the refresh token also clears the store.
    #[napi(ts_args_type = "kind?: 'access_token' | 'refresh_token'", ts_return_type = "Promise<void>")]
    pub fn revoke<'env>(&self, env: &'env Env, kind: Option<String>) -> napi::Result<Promised<'env, (), ()>> {
        let kind = token_kind(env, kind.as_deref().unwrap_or("refresh_token"))?;
        let client = Arc::clone(&self.inner);
        promise(env, move || client.revoke(kind), nothing)
    }

    /// Forgets the stored tokens without telling the provider.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn sign_out<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, (), ()>> {
        let client = Arc::clone(&self.inner);
        promise(env, move || client.sign_out(), nothing)
    }

    /// The loopback login for CLIs: listens on the redirect URI (port 0 picks one), announces the
    /// authorization URL, waits for the browser, exchanges the code and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn login(&self, env: Env, options: Option<LoginOptions>) -> napi::Result<AsyncTask<Job<TokenSet, Tokens>>> {
        let mut rust = RustLoginOptions::new();
        if let Some(o) = options {
            if let Some(open) = o.open_browser {
                rust = rust.open_browser(open);
            }
            if let Some(secs) = o.timeout {
                if !(secs.is_finite() && secs > 0.0) {
                    return Err(error::config(&env, "login timeout must be a positive number of seconds"));
                }
                rust = rust.timeout(Duration::from_secs_f64(secs));
            }
            if let Some(on_url) = o.on_url {
                rust = rust.on_url(move |url| {
                    on_url.call(url.to_owned(), ThreadsafeFunctionCallMode::NonBlocking);
                });
            }
        }
        let client = Arc::clone(&self.inner);
        Ok(Job::spawn(move || client.login(rust), tokens_js))
    }

    /// The stored tokens as they are (no refresh), or `null`. Reads the store synchronously.
    #[napi(getter)]
    pub fn tokens(&self, env: Env) -> napi::Result<Option<Tokens>> {
        Ok(self.inner.tokens().or_throw(&env)?.as_ref().map(convert::tokens))
    }
}
