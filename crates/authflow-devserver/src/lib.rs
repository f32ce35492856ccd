//! An embedded OAuth 2.0 authorization server for demos and tests.
//!
//! One [`DevServer`] listens on `127.0.0.1` and serves four profiles at once:
//! sipgate (Keycloak), Speakap, Phorge and a plain RFC 6749 / 7636 / 8414
//! server ("generic"). It is a real HTTP/1.1 server with keep-alive, built
//! on `std::net` and one thread per connection.
//!
//! ```no_run
//! use authflow_devserver::{DevServer, Options};
//! let server = DevServer::start(Options::default())?;
//! println!("{}", server.base_url());
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

mod app;
mod authorize;
mod clients;
mod control;
mod crypto;
mod error;
mod faults;
mod http;
mod model;
mod pages;
mod pkce;
mod profiles;
mod revoke;
mod router;
mod server;
mod store;
mod token;

pub use clients::{
    clients, ClientInfo, GENERIC_BASIC_CLIENT_ID, GENERIC_BASIC_CLIENT_SECRET, GENERIC_POST_CLIENT_ID,
    GENERIC_POST_CLIENT_SECRET, GENERIC_PUBLIC_CLIENT_ID, PHORGE_CLIENT_ID, PHORGE_CLIENT_SECRET, PHORGE_REDIRECT_URI,
    SIPGATE_CLIENT_ID, SIPGATE_CLIENT_SECRET, SIPGATE_REALM, SPEAKAP_APP_ID, SPEAKAP_APP_SECRET, SPEAKAP_NETWORK_EID,
};
pub use model::{Counters, Fault, Knobs};
pub use profiles::{DEMO_USER_EMAIL, DEMO_USER_NAME, DEMO_USER_REAL_NAME};

use std::sync::Arc;

/// How to start a [`DevServer`].
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The initial knobs (lifetimes, faults, deny, interactive).
    pub knobs: Knobs,
}

/// A running devserver; it stops when dropped.
pub struct DevServer {
    app: Arc<app::App>,
    listener: server::Listener,
}

impl DevServer {
    /// Binds `127.0.0.1:options.port` and starts serving in background threads.
    pub fn start(options: Options) -> std::io::Result<DevServer> {
        let socket = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        let port = socket.local_addr()?.port();
        let app = Arc::new(app::App::new(format!("http://127.0.0.1:{port}"), options.knobs));
        let listener = server::Listener::spawn(socket, Arc::clone(&app))?;
        Ok(DevServer { app, listener })
    }

    /// The base URL, like `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.listener.port()
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.app.counters()
    }

    /// The knobs in force.
    pub fn knobs(&self) -> Knobs {
        self.app.knobs()
    }

    /// Replaces the knobs; takes effect for the next request.
    pub fn set_knobs(&self, knobs: Knobs) {
        self.app.set_knobs(knobs);
    }

    /// Sets the counters to zero and the knobs to their defaults.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Stops the server: closes the listener and every open connection.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.listener.shutdown();
    }
}
