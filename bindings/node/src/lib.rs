//! The `authflow` npm package: napi-rs conversions over authflow-bind, the layer every binding wraps.
//!
//! Every method converts its JS arguments into authflow-bind's values, calls it, and converts
//! the result; no OAuth decision is made here. Errors become JS `Error`s in one place
//! ([`error`]). Calls that do HTTP return Promises ([`promise`]), so the event loop never
//! waits for the network. The hot path's hand-built V8 values ([`v8_objects`], the one
//! module with `unsafe`), the spinning I/O thread ([`spin_thread`]) and the event-loop
//! polling ([`loop_polling`]) are speed-ups only: the API is the same without them.

#[macro_use]
extern crate napi_derive;

mod client;
mod convert;
mod error;
mod flow;
mod loop_polling;
mod promise;
mod provider;
mod response;
mod spin_thread;
mod store;
mod v8_objects;

pub use client::Client;
pub use flow::Flow;
pub use provider::{ClientConfig, Provider};
pub use response::ApiResponse;
pub use store::{FileStore, MemoryStore};
