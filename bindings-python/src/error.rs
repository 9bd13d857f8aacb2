//! The one mapping from `brokerlink::Error` to Python exceptions: `BrokerlinkError` and one
//! subclass per `ErrorKind`, carrying the error's structured fields as attributes.
//!
//! The attributes live in the instance `__dict__`, so `BaseException.__reduce__` pickles them
//! without help. `str(err)` is the core's message, followed by the Rust cause chain (one
//! `caused by:` line each); none of it ever holds a secret (the core redacts them).

use crate::enums;
use brokerlink::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;
use std::any::Any;
use std::panic::AssertUnwindSafe;

create_exception!(
    brokerlink,
    BrokerlinkError,
    PyException,
    "Base of every brokerlink error; `kind` says which (see the subclasses)."
);
create_exception!(
    brokerlink,
    InvalidInputError,
    BrokerlinkError,
    "Rejected before any request was sent (or refused by the server as bad input); `field` names it."
);
create_exception!(
    brokerlink,
    UnauthorizedError,
    BrokerlinkError,
    "Bad credentials or signature (HTTP 401/403)."
);
create_exception!(
    brokerlink,
    NotFoundError,
    BrokerlinkError,
    "The user, connection or account does not exist."
);
create_exception!(
    brokerlink,
    ConflictError,
    BrokerlinkError,
    "The user already exists, or the connection's state does not allow the call."
);
create_exception!(
    brokerlink,
    RateLimitedError,
    BrokerlinkError,
    "HTTP 429 after retries; `retry_after` says how long to wait when the server said so."
);
create_exception!(
    brokerlink,
    PortalExpiredError,
    BrokerlinkError,
    "The portal link or session is past its lifetime."
);
create_exception!(brokerlink, ServerError, BrokerlinkError, "HTTP 5xx after retries.");
create_exception!(
    brokerlink,
    NetworkError,
    BrokerlinkError,
    "Transport failure (connect, reset, TLS) after retries."
);
create_exception!(
    brokerlink,
    BrokerlinkTimeoutError,
    BrokerlinkError,
    "No answer within the timeout after retries (kind `timeout`; named so as not to shadow the builtin)."
);
create_exception!(
    brokerlink,
    DecodeError,
    BrokerlinkError,
    "The response was not in the documented shape."
);
create_exception!(
    brokerlink,
    WebhookInvalidError,
    BrokerlinkError,
    "A webhook delivery failed verification; `reason` says how."
);
create_exception!(
    brokerlink,
    InternalError,
    BrokerlinkError,
    "A bug in brokerlink (a caught panic or a broken invariant); please report it."
);

/// The exception class of a kind.
fn class_for(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::InvalidInput => py.get_type::<InvalidInputError>(),
        ErrorKind::Unauthorized => py.get_type::<UnauthorizedError>(),
        ErrorKind::NotFound => py.get_type::<NotFoundError>(),
        ErrorKind::Conflict => py.get_type::<ConflictError>(),
        ErrorKind::RateLimited => py.get_type::<RateLimitedError>(),
        ErrorKind::PortalExpired => py.get_type::<PortalExpiredError>(),
        ErrorKind::Server => py.get_type::<ServerError>(),
        ErrorKind::Network => py.get_type::<NetworkError>(),
        ErrorKind::Timeout => py.get_type::<BrokerlinkTimeoutError>(),
        ErrorKind::Decode => py.get_type::<DecodeError>(),
        ErrorKind::WebhookInvalid => py.get_type::<WebhookInvalidError>(),
        ErrorKind::Internal => py.get_type::<InternalError>(),
        // A kind newer than these bindings: still a BrokerlinkError, with its `kind` set.
        _ => py.get_type::<BrokerlinkError>(),
    }
}

/// The core's message with its cause chain.
fn full_message(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str("\ncaused by: ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn exception(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let exc = class_for(py, e.kind()).call1((full_message(e),))?;
    let kinds = &enums::get(py)?.error_kind;
    exc.setattr("kind", enums::member(py, kinds, e.kind().as_str())?)?;
    exc.setattr("message", e.message())?;
    exc.setattr("field", e.field())?;
    exc.setattr("status", e.status())?;
    exc.setattr("request_id", e.request_id())?;
    exc.setattr("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    exc.setattr("attempts", e.attempts())?;
    exc.setattr("provider_code", e.provider_code())?;
    exc.setattr("provider_category", e.provider_category())?;
    exc.setattr("reason", e.reason())?;
    Ok(PyErr::from_value(exc))
}

/// The Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, e: Error) -> PyErr {
    exception(py, &e).unwrap_or_else(|failure| failure)
}

/// `to_pyerr` for a `map_err` that has a `Python` token at hand.
pub fn raise(py: Python<'_>) -> impl Fn(Error) -> PyErr + '_ {
    move |e| to_pyerr(py, e)
}

/// The core error for a panic caught at the boundary.
pub fn from_panic(payload: &(dyn Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    Error::internal(format!("a bug in brokerlink (please report it): panic: {what}"))
}

pub fn no_runtime(e: std::io::Error) -> Error {
    Error::internal("could not start brokerlink's tokio runtime").with_source(e)
}

/// Runs one entry point; a panic inside becomes `InternalError` instead of crossing into Python.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(to_pyerr(py, from_panic(&*payload))))
}

/// A call's outcome on its way to Python: the value, or the exception for the error. Converted
/// where the GIL is held anyway (after a blocking wait, or where the asyncio future is resolved).
pub struct Reply<T>(pub brokerlink::Result<T>);

impl<'py, T> IntoPyObject<'py> for Reply<T>
where
    T: IntoPyObject<'py>,
{
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => value.into_bound_py_any(py),
            Err(e) => Err(to_pyerr(py, e)),
        }
    }
}

/// Adds the exception classes, with class-level defaults for every attribute so that
/// hand-made instances (`NotFoundError("...")`, as tests raise them) behave too.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<BrokerlinkError>();
    for (name, value) in [
        ("message", "".into_pyobject(py)?.into_any()),
        ("field", py.None().into_bound(py)),
        ("status", py.None().into_bound(py)),
        ("request_id", py.None().into_bound(py)),
        ("retry_after", py.None().into_bound(py)),
        ("attempts", 0u32.into_pyobject(py)?.into_any()),
        ("provider_code", py.None().into_bound(py)),
        ("provider_category", py.None().into_bound(py)),
        ("reason", py.None().into_bound(py)),
    ] {
        base.setattr(name, value)?;
    }
    let kinds = &enums::get(py)?.error_kind;
    base.setattr("kind", enums::member(py, kinds, ErrorKind::Internal.as_str())?)?;
    m.add("BrokerlinkError", &base)?;
    for kind in ErrorKind::ALL {
        let class = class_for(py, kind);
        if class.is(&base) {
            continue; // no class of its own yet (the base keeps kind `internal`)
        }
        class.setattr("kind", enums::member(py, kinds, kind.as_str())?)?;
        m.add(class.name()?, class)?;
    }
    Ok(())
}
