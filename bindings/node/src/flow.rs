//! `Flow`: one login as authflow-bind's [`FlowHandle`], sans-IO (bring your own HTTP client) or
//! through the Rust transport (`exchange`, `refresh`, `send`, `get` return Promises).

use std::sync::Arc;

use authflow::{HttpResponse, TokenSet};
use authflow_bind::{FlowHandle, Randomness};
use napi::Env;

use crate::convert::{self, JsHttpResponse, JsRequestInit};
use crate::error::OrThrow;
use crate::promise::{self, Promised};
use crate::provider::ClientConfig;
use crate::response::ApiResponse;
use crate::v8_objects::{Request, Tokens, TokensOut};

/// Options of `Flow.start()`.
#[napi(object)]
pub struct StartOptions {
    /// Unix seconds; the system clock by default.
    pub now: Option<f64>,
    /// Test only: a deterministic generator (xorshift64*) instead of the OS one, for vectors.
    pub seed: Option<f64>,
}

/// One authorization-code login: `AwaitingCallback -> Exchanging -> Authorized <-> Refreshing`.
///
/// While a request for the flow is in flight (`busy`), every other call on it is `ERR_INVALID_STATE`.
#[napi]
pub struct Flow {
    pub(crate) handle: Arc<FlowHandle>,
}

#[napi]
impl Flow {
    /// Starts a login: fresh state, PKCE verifier (and nonce with `openid`). Send the user to `authorizationUrl`.
    #[napi(factory)]
    pub fn start(env: Env, config: &ClientConfig, options: Option<StartOptions>) -> napi::Result<Flow> {
        let (now, seed) = options.map(|o| (o.now, o.seed)).unwrap_or_default();
        let randomness = seed.map_or(Randomness::ThreadPool, Randomness::Seeded);
        Ok(Flow { handle: FlowHandle::start(Arc::clone(&config.inner), now, randomness).or_throw(&env)? })
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
        Ok(Flow { handle: FlowHandle::from_json(Arc::clone(&config.inner), &text).or_throw(&env)? })
    }

    /// A flow that already holds tokens (state `Authorized`), to refresh them or call an API.
    #[napi(factory)]
    pub fn from_tokens(env: Env, config: &ClientConfig, tokens: Tokens) -> napi::Result<Flow> {
        let tokens = convert::tokens_in(&env, tokens)?;
        Ok(Flow { handle: FlowHandle::from_tokens(Arc::clone(&config.inner), tokens) })
    }

    /// The state as a plain object (`JSON.stringify(flow)` works). It holds secrets: keep it
    /// server-side, or in a cookie that is signed (and, for tokens, encrypted).
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, unknown>")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.handle.to_json()).unwrap_or_default()
    }

    /// The configuration.
    #[napi(getter)]
    pub fn config(&self) -> ClientConfig {
        ClientConfig { inner: self.handle.config() }
    }

    /// The state's name: `AwaitingCallback`, `Exchanging`, `Authorized` or `Refreshing`.
    #[napi(getter, ts_return_type = "'AwaitingCallback' | 'Exchanging' | 'Authorized' | 'Refreshing'")]
    pub fn state(&self) -> &'static str {
        self.handle.state_name().as_str()
    }

    /// The `state` parameter sent in the authorization URL while awaiting the callback (a key
    /// for finding this pending flow when the browser comes back), else `null`.
    #[napi(getter)]
    pub fn state_param(&self) -> Option<String> {
        self.handle.state_param()
    }

    /// True while a request for this flow is in flight.
    #[napi(getter)]
    pub fn busy(&self) -> bool {
        self.handle.busy()
    }

    /// The URL to send the user's browser to (only while awaiting the callback).
    #[napi(getter)]
    pub fn authorization_url(&self, env: Env) -> napi::Result<String> {
        self.handle.authorization_url().or_throw(&env)
    }

    /// Checks the redirect back: a full URL or Node's `req.url` path. Next: `exchangeRequest()` or `exchange()`.
    #[napi]
    pub fn callback(&self, env: Env, url: String) -> napi::Result<()> {
        self.handle.callback(&url).or_throw(&env)
    }

    /// The code exchange request, handed out once. Send it without following redirects.
    #[napi(ts_return_type = "HttpRequest")]
    pub fn exchange_request(&self, env: Env) -> napi::Result<Request> {
        self.handle.exchange_request().map(convert::request_out).or_throw(&env)
    }

    /// The token endpoint's answer to the exchange, received at `now` (Unix seconds, default the clock).
    #[napi]
    pub fn exchange_response(&self, env: Env, response: JsHttpResponse, now: Option<f64>) -> napi::Result<()> {
        let response = convert::response_in(&env, response)?;
        self.handle.exchange_response(&response, now).or_throw(&env)
    }

    /// The refresh request. Next: `refreshResponse()` or `requestFailed()`.
    #[napi(ts_return_type = "HttpRequest")]
    pub fn refresh_request(&self, env: Env) -> napi::Result<Request> {
        self.handle.refresh_request().map(convert::request_out).or_throw(&env)
    }

    /// The token endpoint's answer to the refresh. On error the old tokens stay.
    #[napi]
    pub fn refresh_response(&self, env: Env, response: JsHttpResponse, now: Option<f64>) -> napi::Result<()> {
        let response = convert::response_in(&env, response)?;
        self.handle.refresh_response(&response, now).or_throw(&env)
    }

    /// The last request got no answer: a refresh falls back to the old tokens; a code stays spent.
    #[napi]
    pub fn request_failed(&self, env: Env) -> napi::Result<()> {
        self.handle.request_failed().or_throw(&env)
    }

    /// Adds the access token to an API request (Bearer header, or `?access_token=` for Phorge).
    #[napi(ts_return_type = "HttpRequest")]
    pub fn authorize(&self, env: Env, request: JsRequestInit) -> napi::Result<Request> {
        let request = convert::request_in(&env, request)?;
        self.handle.authorize(request).map(convert::request_out).or_throw(&env)
    }

    /// An RFC 7009 revocation request for the refresh token (the default) or the access token.
    #[napi(ts_args_type = "kind?: 'access_token' | 'refresh_token'", ts_return_type = "HttpRequest")]
    pub fn revocation_request(&self, env: Env, kind: Option<String>) -> napi::Result<Request> {
        self.handle.revocation_request(kind.as_deref()).map(convert::request_out).or_throw(&env)
    }

    /// The tokens, when authorized (or refreshing); `null` before.
    #[napi(getter, ts_return_type = "Tokens | null")]
    pub fn tokens(&self) -> TokensOut {
        TokensOut(self.handle.tokens())
    }

    /// Deviations tolerated in the last token response (`{warning: 'token_type_case', got: 'bearer'}`, ...).
    #[napi(getter, ts_return_type = "Array<{ warning: string, [key: string]: unknown }>")]
    pub fn warnings(&self) -> Vec<serde_json::Value> {
        convert::warnings(&self.handle.warnings())
    }

    /// True when the access token expires at or before `now + skew` (`now` defaults to the clock).
    #[napi]
    pub fn expires_within(&self, env: Env, now: Option<f64>, skew: Option<f64>) -> napi::Result<bool> {
        self.handle.expires_within(now, skew).or_throw(&env)
    }

    /// True when the access token should be refreshed before use at `now` (a tenth of its lifetime early, 5..60 s).
    #[napi]
    pub fn refresh_due(&self, env: Env, now: Option<f64>) -> napi::Result<bool> {
        self.handle.refresh_due(now).or_throw(&env)
    }

    /// Exchanges the code (after `callback()`) through the Rust transport.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn exchange<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, promise::prepared(env, self.handle.exchange())?, convert::tokens)
    }

    /// Refreshes now through the Rust transport; the flow holds the new tokens after.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn refresh<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, promise::prepared(env, self.handle.refresh())?, convert::tokens)
    }

    /// Sends an API request with the access token (refreshed first when due, and once on a 401).
    #[napi(ts_return_type = "Promise<ApiResponse>")]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        request: JsRequestInit,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        let request = convert::request_in(env, request)?;
        promise::short(env, promise::prepared(env, self.handle.send(request))?, ApiResponse::from)
    }

    /// GETs an API path (against the provider's API base) or a URL, as `send()`.
    #[napi(ts_return_type = "Promise<ApiResponse>")]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        path_or_url: String,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        promise::short(env, promise::prepared(env, self.handle.get(path_or_url))?, ApiResponse::from)
    }
}
