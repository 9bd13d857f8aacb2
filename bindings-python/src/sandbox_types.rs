//! What the in-process sandbox answers, as frozen Python objects with attributes, `repr` and
//! `to_dict()`, as in Node and Kotlin (not dicts). Each conversion destructures the sandbox's
//! own type without `..`, so a field added there fails this build until it is here.

use crate::types::{dict_of, fields_of, repr_of};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;

/// What the sandbox holds.
#[pyclass(frozen, get_all, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxState {
    users: usize,
    sessions: usize,
    connections: usize,
    accounts: usize,
    faults: usize,
    requests_served: u64,
    requests_throttled: u64,
}

impl From<brokerlink_sandbox::StateCounts> for SandboxState {
    fn from(c: brokerlink_sandbox::StateCounts) -> Self {
        let brokerlink_sandbox::StateCounts {
            users,
            sessions,
            connections,
            accounts,
            faults,
            requests_served,
            requests_throttled,
        } = c;
        SandboxState {
            users,
            sessions,
            connections,
            accounts,
            faults,
            requests_served,
            requests_throttled,
        }
    }
}

#[pymethods]
impl SandboxState {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("SandboxState", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl SandboxState {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(fields_of![py;
            "users" => self.users, "sessions" => self.sessions, "connections" => self.connections,
            "accounts" => self.accounts, "faults" => self.faults, "requests_served" => self.requests_served,
            "requests_throttled" => self.requests_throttled,
        ])
    }
}

/// A connection as the sandbox stores it.
#[pyclass(frozen, get_all, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxConnection {
    id: String,
    user_id: String,
    /// The broker's slug (`ALPACA`).
    broker: String,
    /// `active`, `pending`, `disabled`, `expired` or `removed`.
    status: &'static str,
    /// `read` or `trade`.
    permission: &'static str,
    created_at: String,
    updated_at: String,
    disabled_at: Option<String>,
    accounts: Vec<String>,
}

impl From<brokerlink_sandbox::SandboxConnection> for SandboxConnection {
    fn from(c: brokerlink_sandbox::SandboxConnection) -> Self {
        let brokerlink_sandbox::SandboxConnection {
            id,
            user_id,
            broker,
            status,
            permission,
            created_at,
            updated_at,
            disabled_at,
            accounts,
        } = c;
        SandboxConnection {
            id,
            user_id,
            broker,
            status,
            permission,
            created_at,
            updated_at,
            disabled_at,
            accounts,
        }
    }
}

#[pymethods]
impl SandboxConnection {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("SandboxConnection", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl SandboxConnection {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(fields_of![py;
            "id" => self.id.as_str(), "user_id" => self.user_id.as_str(), "broker" => self.broker.as_str(),
            "status" => self.status, "permission" => self.permission, "created_at" => self.created_at.as_str(),
            "updated_at" => self.updated_at.as_str(), "disabled_at" => self.disabled_at.as_deref(),
            "accounts" => self.accounts.clone(),
        ])
    }
}

/// A webhook endpoint registered with the sandbox. `secret` is its `whsec_…` signing secret:
/// `repr` shows it as `***`.
#[pyclass(frozen, get_all, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxWebhook {
    id: String,
    url: String,
    /// `snaptrade`, `finatic`, or `None` for both.
    provider: Option<String>,
    event_types: Option<Vec<String>>,
    secret: String,
    /// `active`, `disabled` or `revoked`.
    status: String,
    description: Option<String>,
    created_at: String,
}

impl From<brokerlink_sandbox::Endpoint> for SandboxWebhook {
    fn from(e: brokerlink_sandbox::Endpoint) -> Self {
        let brokerlink_sandbox::Endpoint {
            id,
            url,
            provider,
            event_types,
            secret,
            previous_secret: _,
            status,
            description,
            created_at,
        } = e;
        SandboxWebhook {
            id,
            url,
            // The sandbox's protocol, as its stable lowercase word.
            provider: serde_json::to_value(provider)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            event_types,
            secret,
            status,
            description,
            created_at,
        }
    }
}

#[pymethods]
impl SandboxWebhook {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("SandboxWebhook", self.fields(py, "***")?)
    }

    /// The fields, the secret included (for handing it to a receiver under test).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py, &self.secret)?)
    }
}

impl SandboxWebhook {
    fn fields<'py>(&self, py: Python<'py>, secret: &str) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(fields_of![py;
            "id" => self.id.as_str(), "url" => self.url.as_str(), "provider" => self.provider.as_deref(),
            "event_types" => self.event_types.clone(), "secret" => secret, "status" => self.status.as_str(),
            "description" => self.description.as_deref(), "created_at" => self.created_at.as_str(),
        ])
    }
}

/// One entry of the sandbox's webhook delivery log.
#[pyclass(frozen, get_all, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxDelivery {
    id: String,
    event_id: String,
    event_type: String,
    endpoint_id: String,
    url: String,
    /// `pending`, `delivered` or `failed`.
    status: &'static str,
    attempts: u32,
    response_code: Option<u16>,
    last_error: Option<String>,
}

impl From<brokerlink_sandbox::Delivery> for SandboxDelivery {
    fn from(d: brokerlink_sandbox::Delivery) -> Self {
        SandboxDelivery {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            endpoint_id: d.endpoint_id,
            url: d.url,
            status: d.status,
            attempts: d.attempts,
            response_code: d.response_code,
            last_error: d.last_error,
        }
    }
}

#[pymethods]
impl SandboxDelivery {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("SandboxDelivery", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl SandboxDelivery {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(fields_of![py;
            "id" => self.id.as_str(), "event_id" => self.event_id.as_str(), "event_type" => self.event_type.as_str(),
            "endpoint_id" => self.endpoint_id.as_str(), "url" => self.url.as_str(), "status" => self.status,
            "attempts" => self.attempts, "response_code" => self.response_code,
            "last_error" => self.last_error.as_deref(),
        ])
    }
}
