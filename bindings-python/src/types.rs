//! Thin Python views of the core's types (frozen, with a readable `repr` and `to_dict()`):
//! the ones users build themselves (`UserCredentials`, `Session`, `RetryPolicy`) and the
//! portal link; see `results.rs` for the data that comes back from the aggregator.

use crate::args::seconds;
use crate::enums;
use crate::error::raise;
use brokerlink::SessionStatus;
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use std::time::Duration;

/// `Name(field=repr, …)`, with datetimes shown as ISO 8601 and enum members as their value.
pub(crate) fn repr_of(name: &str, fields: Vec<(&str, Bound<'_, PyAny>)>) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for (field, value) in &fields {
        let shown = if value.hasattr("isoformat")? {
            value.call_method0("isoformat")?.repr()?
        } else if value.hasattr("_value_")? {
            value.getattr("_value_")?.repr()?
        } else {
            value.repr()?
        };
        parts.push(format!("{field}={shown}"));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

/// A dict of the fields, nested result objects included as dicts.
pub(crate) fn dict_of<'py>(py: Python<'py>, fields: Vec<(&str, Bound<'py, PyAny>)>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (field, value) in fields {
        let value = if value.hasattr("to_dict")? && !value.is_instance_of::<PyString>() {
            value.call_method0("to_dict")?
        } else {
            value
        };
        dict.set_item(field, value)?;
    }
    Ok(dict)
}

macro_rules! fields_of {
    ($py:expr; $($name:literal => $value:expr),* $(,)?) => {
        vec![$(($name, $value.into_bound_py_any($py)?)),*]
    };
}
pub(crate) use fields_of;

/// An end user. `user_secret` is the credential SnapTrade issued (store it); it never shows in
/// `repr`. Build one from stored values with `UserCredentials(user_id, user_secret)`.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct UserCredentials {
    pub inner: brokerlink::UserCredentials,
}

impl From<brokerlink::UserCredentials> for UserCredentials {
    fn from(inner: brokerlink::UserCredentials) -> Self {
        UserCredentials { inner }
    }
}

#[pymethods]
impl UserCredentials {
    #[new]
    #[pyo3(signature = (user_id, user_secret = None))]
    fn new(user_id: String, user_secret: Option<String>) -> Self {
        let inner = match user_secret {
            Some(secret) => brokerlink::UserCredentials::new(user_id, secret),
            None => brokerlink::UserCredentials::id_only(user_id),
        };
        UserCredentials { inner }
    }

    #[getter]
    fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    #[getter]
    fn user_secret(&self) -> Option<&str> {
        self.inner.user_secret.as_ref().map(|s| s.expose())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let secret = if self.inner.user_secret.is_some() {
            "***"
        } else {
            "None"
        };
        let id = PyString::new(py, &self.inner.user_id).repr()?;
        Ok(format!("UserCredentials(user_id={id}, user_secret={secret})"))
    }

    /// `{"user_id", "user_secret"}`, the secret included (for storing it).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(
            py,
            fields_of![py; "user_id" => self.user_id(), "user_secret" => self.user_secret()],
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let me = slf.get();
        let args = (me.user_id(), me.user_secret());
        (slf.get_type(), args).into_pyobject(slf.py())
    }
}

/// A connection-portal link. `url` logs the user in and `session_id` authorises calls: treat
/// both as secrets (`repr` hides the token and the session id).
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct PortalLink {
    inner: brokerlink::PortalLink,
}

impl From<brokerlink::PortalLink> for PortalLink {
    fn from(inner: brokerlink::PortalLink) -> Self {
        PortalLink { inner }
    }
}

#[pymethods]
impl PortalLink {
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    #[getter]
    fn session_id(&self) -> &str {
        self.inner.session_id.expose()
    }

    #[getter]
    fn expires_at(&self) -> DateTime<Utc> {
        self.inner.expires_at
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let url = brokerlink::redact_link(&self.inner.url);
        repr_of(
            "PortalLink",
            fields_of![py; "url" => url, "session_id" => "***", "expires_at" => self.expires_at()],
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(
            py,
            fields_of![py; "url" => self.url(), "session_id" => self.session_id(), "expires_at" => self.expires_at()],
        )
    }
}

/// A Finatic session. Build one from stored values with `Session(id, company_id, …)`. Its `id`
/// authorises calls on its own: `repr` shows it as `***`.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub inner: brokerlink::Session,
}

impl From<brokerlink::Session> for Session {
    fn from(inner: brokerlink::Session) -> Self {
        Session { inner }
    }
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (id, company_id, status = "active", expires_at = None, user_id = None))]
    fn new(
        id: String,
        company_id: String,
        status: &str,
        expires_at: Option<DateTime<Utc>>,
        user_id: Option<String>,
    ) -> Self {
        Session {
            inner: brokerlink::Session {
                id: id.into(),
                company_id,
                status: SessionStatus::parse(status),
                expires_at,
                user_id,
            },
        }
    }

    #[getter]
    fn id(&self) -> &str {
        self.inner.id.expose()
    }

    #[getter]
    fn company_id(&self) -> &str {
        &self.inner.company_id
    }

    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enums::member(py, &enums::get(py)?.session_status, self.inner.status.as_str())
    }

    #[getter]
    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.inner.expires_at
    }

    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.inner.user_id.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Session", self.fields(py, "***")?)
    }

    /// The fields, the id included (for storing the session).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py, self.id())?)
    }
}

impl Session {
    fn fields<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        // Every field of the core's type, by name: one added there fails this build until it
        // has a getter and a place here.
        let brokerlink::Session {
            id: _,
            company_id: _,
            status: _,
            expires_at: _,
            user_id: _,
        } = &self.inner;
        Ok(fields_of![py;
            "id" => id,
            "company_id" => self.company_id(),
            "status" => self.status(py)?,
            "expires_at" => self.expires_at(),
            "user_id" => self.user_id(),
        ])
    }
}

/// When and how often a failed request is tried again; durations in seconds. Unset fields take
/// the core's defaults (3 attempts, 0.2 s, 5 s, 10 s).
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub inner: brokerlink::RetryPolicy,
}

#[pymethods]
impl RetryPolicy {
    #[new]
    #[pyo3(signature = (*, max_attempts = None, initial_backoff = None, max_backoff = None, max_retry_after = None))]
    fn new(
        py: Python<'_>,
        max_attempts: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> PyResult<Self> {
        let d = brokerlink::RetryPolicy::default();
        let secs = |field: &str, v: Option<f64>, default: Duration| v.map(|v| seconds(field, v)).unwrap_or(Ok(default));
        Ok(RetryPolicy {
            inner: brokerlink::RetryPolicy {
                max_attempts: max_attempts.unwrap_or(d.max_attempts),
                initial_backoff: secs("retry.initial_backoff", initial_backoff, d.initial_backoff)
                    .map_err(raise(py))?,
                max_backoff: secs("retry.max_backoff", max_backoff, d.max_backoff).map_err(raise(py))?,
                max_retry_after: secs("retry.max_retry_after", max_retry_after, d.max_retry_after)
                    .map_err(raise(py))?,
            },
        })
    }

    /// One attempt only.
    #[staticmethod]
    fn none() -> Self {
        RetryPolicy {
            inner: brokerlink::RetryPolicy::none(),
        }
    }

    #[getter]
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }

    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.inner.initial_backoff.as_secs_f64()
    }

    #[getter]
    fn max_backoff(&self) -> f64 {
        self.inner.max_backoff.as_secs_f64()
    }

    #[getter]
    fn max_retry_after(&self) -> f64 {
        self.inner.max_retry_after.as_secs_f64()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("RetryPolicy", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl RetryPolicy {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        // Every field of the core's type, by name: one added there fails this build until it
        // has a getter and a place here.
        let brokerlink::RetryPolicy {
            max_attempts: _,
            initial_backoff: _,
            max_backoff: _,
            max_retry_after: _,
        } = &self.inner;
        Ok(fields_of![py;
            "max_attempts" => self.max_attempts(),
            "initial_backoff" => self.initial_backoff(),
            "max_backoff" => self.max_backoff(),
            "max_retry_after" => self.max_retry_after(),
        ])
    }
}
