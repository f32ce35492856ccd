//! [`ClientHandle`]: the batteries' client for a binding, every blocking call prepared as a [`Job`].

use std::sync::Arc;

use authflow::{Client, ClientConfig, Error, HttpRequest, HttpResponse, LoginOptions, TokenSet};

use crate::flow::{token_kind, FlowHandle};
use crate::store::StoreSpec;
use crate::transport::shared_transport;
use crate::values::login_wait;
use crate::Job;

/// How a loopback login runs, as a binding received it.
#[derive(Default)]
pub struct LoginSpec {
    /// Open the authorization URL in the default browser.
    pub open_browser: bool,
    /// Seconds to wait for the browser (default 300; more than 0, at most a week).
    pub timeout_seconds: Option<f64>,
    /// Told the authorization URL; without it the URL goes to standard error.
    pub on_url: Option<authflow::UrlCallback>,
}

/// A client shared between a host's threads: login, stored tokens, single-flight refresh, API calls.
pub struct ClientHandle {
    client: Arc<Client>,
}

impl ClientHandle {
    /// A client on the shared transport with the chosen store.
    pub fn new(config: ClientConfig, store: StoreSpec) -> ClientHandle {
        let client = Client::new(config).with_transport(shared_transport()).with_store(store.open());
        ClientHandle { client: Arc::new(client) }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        self.client.config()
    }

    /// Starts a login; send the user to the flow's authorization URL, then [`ClientHandle::finish`].
    pub fn start(&self) -> Result<Arc<FlowHandle>, Error> {
        self.client.start().map(FlowHandle::from_flow)
    }

    /// Checks the redirect back, exchanges the code once and stores the tokens.
    pub fn finish(&self, flow: &Arc<FlowHandle>, callback_url: String) -> Result<Job<TokenSet>, Error> {
        let busy = flow.claim("finish a login while a request for this flow is in flight")?;
        let client = Arc::clone(&self.client);
        Ok(Job::new(move || client.finish(busy.flow(), &callback_url)))
    }

    /// Exchanges the code of a flow whose callback was checked, and stores the tokens.
    pub fn exchange(&self, flow: &Arc<FlowHandle>) -> Result<Job<TokenSet>, Error> {
        let busy = flow.claim("exchange a code while a request for this flow is in flight")?;
        let client = Arc::clone(&self.client);
        Ok(Job::new(move || client.exchange(busy.flow())))
    }

    /// The whole loopback login on the redirect URI.
    pub fn login(&self, spec: LoginSpec) -> Result<Job<TokenSet>, Error> {
        let mut options =
            LoginOptions::new().open_browser(spec.open_browser).timeout(login_wait(spec.timeout_seconds)?);
        if let Some(on_url) = spec.on_url {
            options = options.on_url(on_url);
        }
        let client = Arc::clone(&self.client);
        Ok(Job::new(move || client.login(options)))
    }

    /// The stored tokens as they are, or none.
    pub fn tokens(&self) -> Result<Option<TokenSet>, Error> {
        self.client.tokens()
    }

    /// The storage error that keeps the client's newest tokens in memory only, if any
    /// ([`Client::storage_warning`]): a binding shows it as a warning, not an exception.
    pub fn storage_warning(&self) -> Option<Error> {
        self.client.storage_warning()
    }

    /// Refreshes now. Callers who ask before a refresh of this client completes share it.
    pub fn refresh(&self) -> Job<TokenSet> {
        let ticket = self.client.refresh_ticket();
        let client = Arc::clone(&self.client);
        Job::new(move || client.refresh_with(ticket))
    }

    /// Tokens fit for use: the stored ones, refreshed first when due.
    pub fn valid_tokens(&self) -> Job<TokenSet> {
        let client = Arc::clone(&self.client);
        Job::new(move || client.valid_tokens())
    }

    /// GETs an API path or URL with the access token (refreshed when due, retried once on a 401).
    pub fn get(&self, path_or_url: String) -> Job<HttpResponse> {
        let client = Arc::clone(&self.client);
        Job::new(move || client.get(&path_or_url))
    }

    /// Sends an API request with the access token, as [`ClientHandle::get`].
    pub fn send(&self, request: HttpRequest) -> Job<HttpResponse> {
        let client = Arc::clone(&self.client);
        Job::new(move || client.send(request))
    }

    /// Revokes `access_token` or `refresh_token` (the default, which also clears the store).
    pub fn revoke(&self, kind: Option<&str>) -> Result<Job<()>, Error> {
        let kind = token_kind(kind)?;
        let client = Arc::clone(&self.client);
        Ok(Job::new(move || client.revoke(kind)))
    }

    /// Forgets the stored tokens without telling the provider.
    pub fn sign_out(&self) -> Job<()> {
        let client = Arc::clone(&self.client);
        Job::new(move || client.sign_out())
    }
}
