//! The `authflow` Python package's native module (`authflow._native`): thin pyo3 wrappers
//! over authflow-core (the sans-IO `Flow`) and the authflow batteries (`Client`, stores).
//!
//! Nothing here decides anything about OAuth: each method converts its arguments, calls
//! the core or the batteries, and converts the result; errors become the exception
//! hierarchy of [`errors`], mapped in one place.

mod client;
mod convert;
mod errors;
mod flow;
mod types;

use pyo3::prelude::*;

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
