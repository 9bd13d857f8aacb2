//! What comes back from the aggregator, as frozen Python objects with a readable `repr` and
//! `to_dict()`: brokers, connections, accounts, money, portal results.

use crate::enums;
use crate::types::{dict_of, fields_of, repr_of};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;

/// The brokerage behind a connection.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct Broker {
    inner: brokerlink::Broker,
}

#[pymethods]
impl Broker {
    #[getter]
    fn slug(&self) -> &str {
        &self.inner.slug
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn display_name(&self) -> Option<&str> {
        self.inner.display_name.as_deref()
    }

    #[getter]
    fn allows_trading(&self) -> Option<bool> {
        self.inner.allows_trading
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Broker", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl Broker {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        // Every field of the core's type, by name: one added there fails this build until it
        // has a getter and a place here.
        let brokerlink::Broker {
            slug: _,
            name: _,
            display_name: _,
            allows_trading: _,
        } = &self.inner;
        Ok(fields_of![py;
            "slug" => self.slug(),
            "name" => self.name(),
            "display_name" => self.display_name(),
            "allows_trading" => self.allows_trading(),
        ])
    }
}

/// One brokerage login of one user; it may hold several accounts.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    inner: brokerlink::Connection,
}

impl From<brokerlink::Connection> for Connection {
    fn from(inner: brokerlink::Connection) -> Self {
        Connection { inner }
    }
}

#[pymethods]
impl Connection {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn broker(&self) -> Broker {
        Broker {
            inner: self.inner.broker.clone(),
        }
    }

    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enums::member(py, &enums::get(py)?.connection_status, self.inner.status.as_str())
    }

    #[getter]
    fn raw_status(&self) -> &str {
        &self.inner.raw_status
    }

    #[getter]
    fn permission<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enums::member(py, &enums::get(py)?.permission, self.inner.permission.as_str())
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    #[getter]
    fn created_at(&self) -> Option<DateTime<Utc>> {
        self.inner.created_at
    }

    #[getter]
    fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.inner.updated_at
    }

    #[getter]
    fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.inner.disabled_at
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Connection", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl Connection {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        // Every field of the core's type, by name: one added there fails this build until it
        // has a getter and a place here.
        let brokerlink::Connection {
            id: _,
            broker: _,
            status: _,
            raw_status: _,
            permission: _,
            name: _,
            created_at: _,
            updated_at: _,
            disabled_at: _,
        } = &self.inner;
        Ok(fields_of![py;
            "id" => self.id(),
            "broker" => self.broker(),
            "status" => self.status(py)?,
            "raw_status" => self.raw_status(),
            "permission" => self.permission(py)?,
            "name" => self.name(),
            "created_at" => self.created_at(),
            "updated_at" => self.updated_at(),
            "disabled_at" => self.disabled_at(),
        ])
    }
}

/// An amount of money as the provider reported it.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    inner: brokerlink::Money,
}

#[pymethods]
impl Money {
    /// A `decimal.Decimal`, exactly as the provider sent it.
    #[getter]
    fn amount(&self) -> brokerlink::Decimal {
        self.inner.amount
    }

    #[getter]
    fn currency(&self) -> &str {
        &self.inner.currency
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        // Every field of the core's type: one added there fails this build until it is here.
        let brokerlink::Money { amount: _, currency: _ } = &self.inner;
        repr_of(
            "Money",
            fields_of![py; "amount" => self.amount(), "currency" => self.currency()],
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(
            py,
            fields_of![py; "amount" => self.amount(), "currency" => self.currency()],
        )
    }
}

/// A brokerage account behind a connection.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    inner: brokerlink::Account,
}

impl From<brokerlink::Account> for Account {
    fn from(inner: brokerlink::Account) -> Self {
        Account { inner }
    }
}

#[pymethods]
impl Account {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn connection_id(&self) -> Option<&str> {
        self.inner.connection_id.as_deref()
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    #[getter]
    fn number(&self) -> Option<&str> {
        self.inner.number.as_deref()
    }

    #[getter]
    fn institution_name(&self) -> Option<&str> {
        self.inner.institution_name.as_deref()
    }

    #[getter]
    fn balance(&self) -> Option<Money> {
        self.inner.balance.clone().map(|inner| Money { inner })
    }

    #[getter]
    fn is_paper(&self) -> Option<bool> {
        self.inner.is_paper
    }

    #[getter]
    fn raw_status(&self) -> Option<&str> {
        self.inner.raw_status.as_deref()
    }

    #[getter]
    fn created_at(&self) -> Option<DateTime<Utc>> {
        self.inner.created_at
    }

    #[getter]
    fn synced(&self) -> bool {
        self.inner.synced
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Account", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl Account {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        // Every field of the core's type, by name: one added there fails this build until it
        // has a getter and a place here.
        let brokerlink::Account {
            id: _,
            connection_id: _,
            name: _,
            number: _,
            institution_name: _,
            balance: _,
            is_paper: _,
            raw_status: _,
            created_at: _,
            synced: _,
        } = &self.inner;
        Ok(fields_of![py;
            "id" => self.id(),
            "connection_id" => self.connection_id(),
            "name" => self.name(),
            "number" => self.number(),
            "institution_name" => self.institution_name(),
            "balance" => self.balance(),
            "is_paper" => self.is_paper(),
            "raw_status" => self.raw_status(),
            "created_at" => self.created_at(),
            "synced" => self.synced(),
        ])
    }
}

/// One event type a provider can send to a webhook subscription.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEventType {
    inner: brokerlink::WebhookEventType,
}

impl From<brokerlink::WebhookEventType> for WebhookEventType {
    fn from(inner: brokerlink::WebhookEventType) -> Self {
        WebhookEventType { inner }
    }
}

#[pymethods]
impl WebhookEventType {
    #[getter]
    fn event_type(&self) -> &str {
        &self.inner.event_type
    }

    #[getter]
    fn category(&self) -> &str {
        &self.inner.category
    }

    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("WebhookEventType", self.fields(py)?)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl WebhookEventType {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let brokerlink::WebhookEventType {
            event_type: _,
            category: _,
            description: _,
        } = &self.inner;
        Ok(fields_of![py;
            "event_type" => self.event_type(),
            "category" => self.category(),
            "description" => self.description(),
        ])
    }
}

/// A URL that receives the provider's webhook events. `secret` (sent once, on creation) signs
/// its deliveries; `repr` shows it as `***`.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSubscription {
    inner: brokerlink::WebhookSubscription,
}

impl From<brokerlink::WebhookSubscription> for WebhookSubscription {
    fn from(inner: brokerlink::WebhookSubscription) -> Self {
        WebhookSubscription { inner }
    }
}

#[pymethods]
impl WebhookSubscription {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    #[getter]
    fn event_types(&self) -> Vec<String> {
        self.inner.event_types.clone()
    }

    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enums::member(
            py,
            &enums::get(py)?.webhook_subscription_status,
            self.inner.status.as_str(),
        )
    }

    #[getter]
    fn raw_status(&self) -> &str {
        &self.inner.raw_status
    }

    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }

    #[getter]
    fn created_at(&self) -> Option<DateTime<Utc>> {
        self.inner.created_at
    }

    #[getter]
    fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.inner.updated_at
    }

    /// The signing secret, for storing it; only the answer that created the subscription has it.
    #[getter]
    fn secret(&self) -> Option<&str> {
        self.inner.secret.as_ref().map(|s| s.expose())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let hidden = self.inner.secret.as_ref().map(|_| "***");
        let mut fields = self.fields(py)?;
        fields.push(("secret", hidden.into_bound_py_any(py)?));
        repr_of("WebhookSubscription", fields)
    }

    /// Every field; `secret` as it is (a dict is for storing).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut fields = self.fields(py)?;
        fields.push(("secret", self.secret().into_bound_py_any(py)?));
        dict_of(py, fields)
    }
}

impl WebhookSubscription {
    /// Every field but `secret`, which each printed form treats on its own.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let brokerlink::WebhookSubscription {
            id: _,
            url: _,
            event_types: _,
            status: _,
            raw_status: _,
            description: _,
            created_at: _,
            updated_at: _,
            secret: _,
        } = &self.inner;
        Ok(fields_of![py;
            "id" => self.id(),
            "url" => self.url(),
            "event_types" => self.event_types(),
            "status" => self.status(py)?,
            "raw_status" => self.raw_status(),
            "description" => self.description(),
            "created_at" => self.created_at(),
            "updated_at" => self.updated_at(),
        ])
    }
}

/// What the portal reported: one class per variant (`PortalResult.Success`, `.Error`,
/// `.Closed`, `.Abandoned`, `.Resize`), usable with `match`; `type` names the variant as every
/// language's transcripts do.
#[pyclass(frozen, eq, module = "brokerlink")]
#[derive(Debug, Clone, PartialEq)]
pub enum PortalResult {
    Success {
        connection_id: Option<String>,
        user_id: Option<String>,
    },
    Error {
        code: String,
        message: Option<String>,
        status_code: Option<u16>,
    },
    /// The user closed the portal.
    Closed {},
    /// The user left without finishing (redirect flow).
    Abandoned {},
    /// The portal asked its frame to change height (Finatic).
    Resize { height: u32 },
}

impl From<brokerlink::PortalResult> for PortalResult {
    fn from(result: brokerlink::PortalResult) -> Self {
        use brokerlink::PortalResult as Core;
        match result {
            Core::Success { connection_id, user_id } => PortalResult::Success { connection_id, user_id },
            Core::Error {
                code,
                message,
                status_code,
            } => PortalResult::Error {
                code,
                message,
                status_code,
            },
            Core::Closed => PortalResult::Closed {},
            Core::Abandoned => PortalResult::Abandoned {},
            Core::Resize { height } => PortalResult::Resize { height },
        }
    }
}

#[pymethods]
impl PortalResult {
    /// `success`, `error`, `closed`, `abandoned` or `resize`.
    #[getter(r#type)]
    fn kind(&self) -> &'static str {
        match self {
            PortalResult::Success { .. } => "success",
            PortalResult::Error { .. } => "error",
            PortalResult::Closed {} => "closed",
            PortalResult::Abandoned {} => "abandoned",
            PortalResult::Resize { .. } => "resize",
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("PortalResult", self.fields(py)?)
    }

    /// `type` and the fields of the variant (as the conformance transcripts spell them).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_of(py, self.fields(py)?)
    }
}

impl PortalResult {
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(match self {
            PortalResult::Success { connection_id, user_id } => fields_of![py;
                "type" => self.kind(), "connection_id" => connection_id.as_deref(), "user_id" => user_id.as_deref()],
            PortalResult::Error {
                code,
                message,
                status_code,
            } => fields_of![py;
                "type" => self.kind(), "code" => code.as_str(), "message" => message.as_deref(),
                "status_code" => *status_code],
            PortalResult::Resize { height } => fields_of![py; "type" => self.kind(), "height" => *height],
            PortalResult::Closed {} | PortalResult::Abandoned {} => fields_of![py; "type" => self.kind()],
        })
    }
}
