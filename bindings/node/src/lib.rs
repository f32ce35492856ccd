//! The `authflow` npm package: a thin napi-rs layer over authflow-core (sans-IO) and authflow (batteries).
//!
//! Every method converts its arguments, calls the Rust API and converts the result;
//! the OAuth decisions all live in the core. Errors become JS `Error`s with a stable
//! `code` in one place ([`error`]). Calls that do HTTP return Promises and run on
//! the addon's I/O thread ([`io`]) or the libuv thread pool ([`client`]), so the event
//! loop never waits for the network.

#[macro_use]
extern crate napi_derive;

mod client;
mod convert;
mod error;
mod fast;
mod flow;
mod io;
mod poll;
mod provider;

pub use client::{ApiResponse, Client};
pub use flow::Flow;
pub use provider::{ClientConfig, Provider};
