//! `Client`: authflow-bind's [`ClientHandle`] (transport, token store, single-flight refresh,
//! loopback login) behind Promises.

use authflow::{HttpResponse, TokenSet};
use authflow_bind::{ClientHandle, LoginSpec, StoreSpec};
use napi::bindgen_prelude::{ClassInstance, Either3, FromNapiValue, Object, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, ValueType};

use crate::convert::{self, JsRequestInit};
use crate::error::{self, OrThrow};
use crate::flow::Flow;
use crate::promise::{self, Promised};
use crate::provider::ClientConfig;
use crate::response::ApiResponse;
use crate::store::{FileStore, MemoryStore};
use crate::v8_objects::TokensOut;

/// Options of `client.login()`.
#[napi(object, object_to_js = false)]
pub struct LoginOptions {
    /// Open the authorization URL in the default browser. Default false.
    pub open_browser: Option<bool>,
    /// Seconds to wait for the browser to come back: more than 0, at most a week. Default 300.
    pub timeout: Option<f64>,
    /// Told the authorization URL; without it the URL is printed to stderr.
    #[napi(ts_type = "(url: string) => void")]
    pub on_url: Option<ThreadsafeFunction<String, (), String, Status, false>>,
}

/// A client with batteries: exchange, refresh (single-flight), API calls with auto-refresh, revoke, login.
#[napi]
pub struct Client {
    handle: ClientHandle,
}

#[napi]
impl Client {
    /// `new Client(config, {store})`: `store` is `'memory'` (the default), the path of a token
    /// file, or a `MemoryStore`/`FileStore`.
    #[napi(
        constructor,
        ts_args_type = "config: ClientConfig, options?: { store?: 'memory' | string | MemoryStore | FileStore }"
    )]
    pub fn new(env: Env, config: &ClientConfig, options: Option<Object>) -> napi::Result<Client> {
        type Choice<'a> = Either3<String, ClassInstance<'a, MemoryStore>, ClassInstance<'a, FileStore>>;
        let given = options.map(|o| o.get::<Unknown>("store")).transpose()?.flatten();
        let choice = match given {
            Some(value) if !matches!(value.get_type()?, ValueType::Undefined | ValueType::Null) => {
                Some(Choice::from_unknown(value).map_err(|_| {
                    error::config(
                        &env,
                        "store must be 'memory', the path of a token file, a MemoryStore or a FileStore",
                    )
                })?)
            }
            _ => None,
        };
        let store = match choice {
            None => StoreSpec::Memory,
            Some(Either3::A(name)) => StoreSpec::named(&name),
            Some(Either3::B(memory)) => StoreSpec::Handle(memory.handle.clone()),
            Some(Either3::C(file)) => StoreSpec::Handle(file.handle.clone()),
        };
        Ok(Client { handle: ClientHandle::new((*config.inner).clone(), store) })
    }

    /// The configuration.
    #[napi(getter)]
    pub fn config(&self) -> ClientConfig {
        ClientConfig { inner: std::sync::Arc::new(self.handle.config().clone()) }
    }

    /// Starts a login; send the user to `flow.authorizationUrl`, then call `finish(flow, url)`.
    #[napi]
    pub fn start(&self, env: Env) -> napi::Result<Flow> {
        Ok(Flow { handle: self.handle.start().or_throw(&env)? })
    }

    /// Checks the redirect back (a URL or `req.url`), exchanges the code once and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn finish<'env>(
        &self,
        env: &'env Env,
        flow: &Flow,
        url: String,
    ) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, promise::prepared(env, self.handle.finish(&flow.handle, url))?, convert::tokens)
    }

    /// Exchanges the code of a flow whose callback was checked (`Exchanging`) and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn exchange<'env>(&self, env: &'env Env, flow: &Flow) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, promise::prepared(env, self.handle.exchange(&flow.handle))?, convert::tokens)
    }

    /// The loopback login for CLIs: listens on the redirect URI (port 0 picks one), announces the
    /// authorization URL, waits for the browser, exchanges the code and stores the tokens.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn login<'env>(&self, env: &'env Env, options: Option<LoginOptions>) -> napi::Result<Object<'env>> {
        let mut spec = LoginSpec::default();
        if let Some(o) = options {
            spec.open_browser = o.open_browser.unwrap_or(false);
            spec.timeout_seconds = o.timeout;
            spec.on_url = o.on_url.map(|f| {
                Box::new(move |url: &str| {
                    f.call(url.to_owned(), ThreadsafeFunctionCallMode::NonBlocking);
                }) as authflow::UrlCallback
            });
        }
        promise::long(env, promise::prepared(env, self.handle.login(spec))?, convert::tokens)
    }

    /// The stored tokens as they are (no refresh), or `null`. Reads the store synchronously.
    #[napi(getter, ts_return_type = "Tokens | null")]
    pub fn tokens(&self, env: Env) -> napi::Result<TokensOut> {
        Ok(TokensOut(self.handle.tokens().or_throw(&env)?))
    }

    /// The `ERR_STORAGE` error that keeps this client's newest tokens in memory only (the store
    /// could not be written; every later call retries the save), or `null`.
    #[napi(getter, ts_return_type = "Error | null")]
    pub fn storage_warning<'env>(&self, env: &'env Env) -> napi::Result<Option<Object<'env>>> {
        self.handle.storage_warning().map(|e| error::error_object(env, &e)).transpose()
    }

    /// Refreshes now. Calls made before a refresh of this client completes share its one request.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn refresh<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, self.handle.refresh(), convert::tokens)
    }

    /// Tokens fit for use: the stored ones, refreshed first when due.
    #[napi(ts_return_type = "Promise<Tokens>")]
    pub fn valid_tokens<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, TokenSet, TokensOut>> {
        promise::short(env, self.handle.valid_tokens(), convert::tokens)
    }

    /// GETs an API path (against the provider's API base) or URL with the access token; refreshes when due, retries once on 401.
    #[napi(ts_return_type = "Promise<ApiResponse>")]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        path_or_url: String,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        promise::short(env, self.handle.get(path_or_url), ApiResponse::from)
    }

    /// Sends an API request with the access token (as `get`, for any request).
    #[napi(ts_args_type = "request: ApiRequest", ts_return_type = "Promise<ApiResponse>")]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        request: JsRequestInit,
    ) -> napi::Result<Promised<'env, HttpResponse, ApiResponse>> {
        let request = convert::request_in(env, request)?;
        promise::short(env, self.handle.send(request), ApiResponse::from)
    }

    /// Revokes the refresh token (the default; also clears the store) or the access token at the provider (RFC 7009).
    #[napi(ts_args_type = "kind?: 'access_token' | 'refresh_token'", ts_return_type = "Promise<void>")]
    pub fn revoke<'env>(&self, env: &'env Env, kind: Option<String>) -> napi::Result<Promised<'env, (), ()>> {
        promise::short(env, promise::prepared(env, self.handle.revoke(kind.as_deref()))?, |()| ())
    }

    /// Forgets the stored tokens without telling the provider.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn sign_out<'env>(&self, env: &'env Env) -> napi::Result<Promised<'env, (), ()>> {
        promise::short(env, self.handle.sign_out(), |()| ())
    }
}
