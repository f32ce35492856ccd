//! authflow-bind: the one layer every language binding wraps.
//!
//! The decisions every binding follows, one by one, are in `README.md` beside `Cargo.toml`:
//! read it before wrapping this crate.
//!
//! A binding converts its host's arguments into the values here, calls them, and maps the
//! results and errors back; it decides nothing about OAuth. What would otherwise be
//! written once per language lives here once:
//!
//! - [`spec`]: providers and clients as data ([`ProviderSpec`], [`ClientSpec`]), built and checked in one place;
//! - [`FlowHandle`]: a flow shared between threads, with the busy guard that stops a second exchange;
//! - [`ClientHandle`]: the batteries' client, each blocking call a [`Job`] the host runs where it wants;
//! - [`StoreSpec`] and [`StoreHandle`]: the token store choice;
//! - [`values`]: times, durations, statuses, methods and randomness, checked once;
//! - [`transport`]: the process-wide transport and discovery through it.
//!
//! How errors group for a caller is the core's [`authflow::ERROR_KINDS`] table, with
//! [`authflow::Error::code`] and [`authflow::Error::fields`]; each binding loops over it.
#![forbid(unsafe_code)]

mod client;
mod flow;
mod job;
pub mod spec;
mod store;
pub mod transport;
pub mod values;

pub use client::{ClientHandle, LoginSpec};
pub use flow::{token_kind, Busy, FlowHandle};
pub use job::Job;
pub use spec::{ClientSpec, Preset, ProviderSpec, Scopes};
pub use store::{StoreHandle, StoreSpec};
pub use values::Randomness;

pub use authflow;
