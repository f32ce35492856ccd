//! Batteries for authflow: transport, driver, listener and stores.
pub use authflow_core as core;
