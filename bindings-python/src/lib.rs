//! Python bindings of brokerlink: the native module `brokerlink._native`, re-exported by the
//! pure-Python package `brokerlink` (bindings-python/python/brokerlink). Registration only;
//! `generated` mirrors the core's types (written by `scripts/bindgen`), the other modules hold
//! what Python's idiom shapes by hand.

mod args;
mod awaitable;
mod client;
mod enums;
mod error;
mod generated;
mod results;
mod runtime;
mod sandbox;
mod sandbox_types;
mod types;
mod webhooks;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    enums::register(m)?;
    error::register(m)?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<client::ActivityPages>()?;
    m.add_class::<client::AsyncActivityPages>()?;
    m.add_class::<sandbox::Sandbox>()?;
    m.add_class::<sandbox_types::SandboxState>()?;
    m.add_class::<sandbox_types::SandboxConnection>()?;
    m.add_class::<sandbox_types::SandboxWebhook>()?;
    m.add_class::<sandbox_types::SandboxDelivery>()?;
    m.add_class::<types::UserCredentials>()?;
    m.add_class::<types::PortalLink>()?;
    m.add_class::<types::Session>()?;
    m.add_class::<types::RetryPolicy>()?;
    generated::register(m)?;
    m.add_function(wrap_pyfunction!(results::parse_portal_result, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::sign_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_shutdown, m)?)?;
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    m.add_function(wrap_pyfunction!(client::_force_panic, m)?)?;
    Ok(())
}
