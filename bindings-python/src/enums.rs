//! The core's enums as Python `enum.Enum` classes of `str`, built at import from the core's own
//! `as_str()` values so they cannot drift. Members are named after their values
//! (`trade-if-available` → `TRADE_IF_AVAILABLE`); `str(member)` is the value.

use brokerlink::{
    ConnectionStatus, ConnectionType, Environment, ErrorKind, Permission, PortalMode, ProviderKind, SessionStatus,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

// Every variant of each enum; the `match`es below fail to compile when the core grows one.
const CONNECTION_STATUSES: [ConnectionStatus; 6] = [
    ConnectionStatus::Active,
    ConnectionStatus::Pending,
    ConnectionStatus::Disabled,
    ConnectionStatus::Expired,
    ConnectionStatus::Removed,
    ConnectionStatus::Unknown,
];
const _: fn(ConnectionStatus) = |s| match s {
    ConnectionStatus::Active
    | ConnectionStatus::Pending
    | ConnectionStatus::Disabled
    | ConnectionStatus::Expired
    | ConnectionStatus::Removed
    | ConnectionStatus::Unknown => {}
};
const PERMISSIONS: [Permission; 2] = [Permission::Read, Permission::Trade];
const _: fn(Permission) = |p| match p {
    Permission::Read | Permission::Trade => {}
};
const SESSION_STATUSES: [SessionStatus; 6] = [
    SessionStatus::Pending,
    SessionStatus::Authenticating,
    SessionStatus::Active,
    SessionStatus::Completed,
    SessionStatus::Expired,
    SessionStatus::Unknown,
];
const _: fn(SessionStatus) = |s| match s {
    SessionStatus::Pending
    | SessionStatus::Authenticating
    | SessionStatus::Active
    | SessionStatus::Completed
    | SessionStatus::Expired
    | SessionStatus::Unknown => {}
};
const PROVIDERS: [ProviderKind; 2] = [ProviderKind::SnapTrade, ProviderKind::Finatic];
const _: fn(ProviderKind) = |p| match p {
    ProviderKind::SnapTrade | ProviderKind::Finatic => {}
};
const CONNECTION_TYPES: [ConnectionType; 3] = [
    ConnectionType::Read,
    ConnectionType::Trade,
    ConnectionType::TradeIfAvailable,
];
const _: fn(ConnectionType) = |t| match t {
    ConnectionType::Read | ConnectionType::Trade | ConnectionType::TradeIfAvailable => {}
};
const PORTAL_MODES: [PortalMode; 2] = [PortalMode::Light, PortalMode::Dark];
const _: fn(PortalMode) = |m| match m {
    PortalMode::Light | PortalMode::Dark => {}
};
pub const ENVIRONMENTS: [Environment; 2] = [Environment::Live, Environment::Sandbox];
const _: fn(Environment) = |e| match e {
    Environment::Live | Environment::Sandbox => {}
};

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
    let strs = |items: Vec<&'static str>| items;
    Ok(Enums {
        connection_status: make(
            py,
            "ConnectionStatus",
            &strs(CONNECTION_STATUSES.iter().map(|s| s.as_str()).collect()),
            "A connection's state, normalised across providers (the provider's word is in raw_status).",
        )?
        .unbind(),
        permission: make(
            py,
            "Permission",
            &strs(PERMISSIONS.iter().map(|p| p.as_str()).collect()),
            "What the end user allowed the app to do with a connection.",
        )?
        .unbind(),
        session_status: make(
            py,
            "SessionStatus",
            &strs(SESSION_STATUSES.iter().map(|s| s.as_str()).collect()),
            "Where a Finatic session is in its life.",
        )?
        .unbind(),
        error_kind: make(
            py,
            "ErrorKind",
            &strs(ErrorKind::ALL.iter().map(|k| k.as_str()).collect()),
            "The stable kind of every BrokerlinkError.",
        )?
        .unbind(),
        provider_kind: make(
            py,
            "ProviderKind",
            &strs(PROVIDERS.iter().map(|p| p.as_str()).collect()),
            "Which aggregator protocol a client speaks.",
        )?
        .unbind(),
        connection_type: make(
            py,
            "ConnectionType",
            &strs(CONNECTION_TYPES.iter().map(|t| t.as_str()).collect()),
            "Permission the portal asks the end user for.",
        )?
        .unbind(),
        portal_mode: make(
            py,
            "PortalMode",
            &strs(PORTAL_MODES.iter().map(|m| m.as_str()).collect()),
            "The portal's colour scheme.",
        )?
        .unbind(),
        environment: make(
            py,
            "Environment",
            &strs(ENVIRONMENTS.iter().map(|e| e.as_str()).collect()),
            "Which Finatic environment a key works in.",
        )?
        .unbind(),
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
    ] {
        m.add(class.bind(py).name()?, class.bind(py))?;
    }
    Ok(())
}
