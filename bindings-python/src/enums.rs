//! The core's enums as Python `enum.Enum` classes of `str`, built at import from the core's own
//! `as_str()` values so they cannot drift. Members are named after their values
//! (`trade-if-available` → `TRADE_IF_AVAILABLE`); `str(member)` is the value.

pub use crate::generated::Enums;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

static ENUMS: PyOnceLock<Enums> = PyOnceLock::new();

pub(crate) fn make<'py>(py: Python<'py>, name: &str, values: &[&str], doc: &str) -> PyResult<Bound<'py, PyType>> {
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

/// The enum classes (built on first use, normally at import).
pub fn get(py: Python<'_>) -> PyResult<&Enums> {
    ENUMS.get_or_try_init(py, || Enums::build(py))
}

/// The member of `class` whose value is `value`.
pub fn member<'py>(py: Python<'py>, class: &Py<PyType>, value: &str) -> PyResult<Bound<'py, PyAny>> {
    class.bind(py).call1((value,))
}

/// Adds every enum class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let e = get(py)?;
    for class in e.classes() {
        m.add(class.bind(py).name()?, class.bind(py))?;
    }
    Ok(())
}
