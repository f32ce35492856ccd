//! The `authflow` Python package's native module (`authflow._native`): pyo3 wrappers over
//! authflow-bind, the layer every binding shares (specs, flow and client handles, stores,
//! checked values).
//!
//! Nothing here decides anything about OAuth: each method converts its arguments, calls
//! authflow-bind, and converts the result; errors become the exception hierarchy of
//! [`errors`], built from the core's error table and mapped in one place.
//!
//! Modules import one way: `client` -> `flow` -> `types` -> `convert` -> `errors`.

mod client;
mod convert;
mod errors;
mod flow;
mod types;

use pyo3::prelude::*;

#[doc(hidden)]
pub use errors::{hierarchy as exception_hierarchy, ExceptionClass};

/// The native module. Import `authflow`, not this.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<types::Provider>()?;
    m.add_class::<types::ClientConfig>()?;
    m.add_class::<types::HttpRequest>()?;
    m.add_class::<types::HttpResponse>()?;
    m.add_class::<types::TokenSet>()?;
    m.add_class::<flow::Flow>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::MemoryStore>()?;
    m.add_class::<client::FileStore>()?;
    errors::register(m)?;
    Ok(())
}

#[cfg(feature = "stub-gen")]
pyo3_stub_gen::define_stub_info_gatherer!(stub_info);
