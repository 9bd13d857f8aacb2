//! The core's enums as Python `enum.Enum` classes of `str`, built at import from the core's own
//! `as_str()` values so they cannot drift. Members are named after their values
//! (`trade-if-available` → `TRADE_IF_AVAILABLE`); `str(member)` is the value.

use brokerlink::{
    ConnectionStatus, ConnectionType, Environment, ErrorKind, Permission, PortalMode, ProviderKind, SessionStatus,
    WebhookEventKind, WebhookSubscriptionStatus,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

/// The Python enum classes, by name; filled once at import.
#[derive(Debug)]
pub struct Enums {
    pub connection_status: Py<PyType>,
    pub permission: Py<PyType>,
    pub session_status: Py<PyType>,
    pub error_kind: Py<PyType>,
    pub provider_kind: Py<PyType>,
    pub connection_type: Py<PyType>,
    pub portal_mode: Py<PyType>,
    pub environment: Py<PyType>,
    pub webhook_event_kind: Py<PyType>,
    pub connection_change: Py<PyType>,
    pub webhook_subscription_status: Py<PyType>,
}

static ENUMS: PyOnceLock<Enums> = PyOnceLock::new();

fn make<'py>(py: Python<'py>, name: &str, values: &[&str], doc: &str) -> PyResult<Bound<'py, PyType>> {
    let members: Vec<(String, &str)> = values
        .iter()
        .map(|v| (v.to_ascii_uppercase().replace('-', "_"), *v))
        .collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", "brokerlink")?;
    kwargs.set_item("type", py.get_type::<PyString>())?;
    let class = py
        .import("enum")?
        .getattr("Enum")?
        .call((name, members), Some(&kwargs))?
        .cast_into::<PyType>()?;
    let str_type = py.get_type::<PyString>();
    class.setattr("__str__", str_type.getattr("__str__")?)?;
    class.setattr("__format__", str_type.getattr("__format__")?)?;
    class.setattr("__doc__", doc)?;
    Ok(class)
}

fn build(py: Python<'_>) -> PyResult<Enums> {
    // Members come from the core's own `ALL` lists, so they cannot drift.
    fn names<T: Copy, const N: usize>(all: [T; N], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
        all.into_iter().map(as_str).collect()
    }
    let enum_of = |name: &str, values: Vec<&str>, doc: &str| make(py, name, &values, doc).map(Bound::unbind);
    Ok(Enums {
        connection_status: enum_of(
            "ConnectionStatus",
            names(ConnectionStatus::ALL, ConnectionStatus::as_str),
            "A connection's state, normalised across providers (the provider's word is in raw_status).",
        )?,
        permission: enum_of(
            "Permission",
            names(Permission::ALL, Permission::as_str),
            "What the end user allowed the app to do with a connection.",
        )?,
        session_status: enum_of(
            "SessionStatus",
            names(SessionStatus::ALL, SessionStatus::as_str),
            "Where a Finatic session is in its life.",
        )?,
        error_kind: enum_of(
            "ErrorKind",
            names(ErrorKind::ALL, ErrorKind::as_str),
            "The stable kind of every BrokerlinkError.",
        )?,
        provider_kind: enum_of(
            "ProviderKind",
            names(ProviderKind::ALL, ProviderKind::as_str),
            "Which aggregator protocol a client speaks.",
        )?,
        connection_type: enum_of(
            "ConnectionType",
            names(ConnectionType::ALL, ConnectionType::as_str),
            "Permission the portal asks the end user for.",
        )?,
        portal_mode: enum_of(
            "PortalMode",
            names(PortalMode::ALL, PortalMode::as_str),
            "The portal's colour scheme.",
        )?,
        environment: enum_of(
            "Environment",
            names(Environment::ALL, Environment::as_str),
            "Which Finatic environment a key works in.",
        )?,
        webhook_event_kind: enum_of(
            "WebhookEventKind",
            names(WebhookEventKind::ALL, WebhookEventKind::as_str),
            "What a webhook event means, both providers on one scale (unknown for new types).",
        )?,
        connection_change: enum_of(
            "ConnectionChange",
            names(
                brokerlink_sandbox::ConnectionChange::ALL,
                brokerlink_sandbox::ConnectionChange::as_str,
            ),
            "What happens to a connection at the broker, for Sandbox.change_connection.",
        )?,
        webhook_subscription_status: enum_of(
            "WebhookSubscriptionStatus",
            names(WebhookSubscriptionStatus::ALL, WebhookSubscriptionStatus::as_str),
            "Whether a webhook subscription is delivered to (the provider's word is in raw_status).",
        )?,
    })
}

/// The enum classes (built on first use, normally at import).
pub fn get(py: Python<'_>) -> PyResult<&Enums> {
    ENUMS.get_or_try_init(py, || build(py))
}

/// The member of `class` whose value is `value`.
pub fn member<'py>(py: Python<'py>, class: &Py<PyType>, value: &str) -> PyResult<Bound<'py, PyAny>> {
    class.bind(py).call1((value,))
}

/// Adds every enum class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let e = get(py)?;
    for class in [
        &e.connection_status,
        &e.permission,
        &e.session_status,
        &e.error_kind,
        &e.provider_kind,
        &e.connection_type,
        &e.portal_mode,
        &e.environment,
        &e.webhook_event_kind,
        &e.connection_change,
        &e.webhook_subscription_status,
    ] {
        m.add(class.bind(py).name()?, class.bind(py))?;
    }
    Ok(())
}
