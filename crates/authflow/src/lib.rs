//! authflow: an OAuth 2.0 authorization-code client with batteries.
//!
//! The protocol lives in the sans-IO core ([`authflow_core`], re-exported here whole
//! and as [`core`]); this crate adds what a program needs to run it:
//!
//! - [`transport`]: the [`HttpClient`] trait and [`UreqTransport`] (keep-alive, timeouts,
//!   a response-size limit, HTTPS required outside loopback, redirects never followed);
//! - [`driver`]: the blocking [`Client`] (login, finish, refresh, auto-refresh, API calls, revoke);
//! - [`listener`]: the [`LoopbackListener`] that receives the browser's redirect back;
//! - [`store`]: [`MemoryStore`] and [`FileStore`], with the lock that makes refreshes single-flight.
//!
//! ```no_run
//! use authflow::{Client, ClientConfig, LoginOptions, Provider};
//!
//! let provider = Provider::sipgate("third-party")?;
//! let config = ClientConfig::new(provider, "my-client-id", "http://localhost:8080/oauth")?
//!     .with_secret("my-client-secret")
//!     .with_scopes(["account:read"]);
//! let client = Client::new(config);
//! client.login(LoginOptions::new().open_browser(true))?;
//! let account = client.get("account")?;
//! println!("{}", String::from_utf8_lossy(&account.body));
//! # Ok::<(), authflow::Error>(())
//! ```
#![forbid(unsafe_code)]

pub use authflow_core as core;
pub use authflow_core::*;

mod coalesce;
pub mod discovery;
pub mod driver;
pub mod listener;
pub mod store;
pub mod transport;

pub use discovery::discover;
pub use driver::{Client, Clock, FlowAccess, LoginOptions, RefreshTicket, UrlCallback};
pub use listener::{is_forged_callback, open_browser, LoopbackListener};
pub use store::{FileStore, MemoryStore, StoreLock, TokenStore};
pub use transport::{send_unredirected, HttpClient, TransportOptions, UreqTransport};
