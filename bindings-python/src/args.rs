//! Arguments from Python: seconds, portal options given as keyword arguments, JSON values.

use crate::error::raise;
use brokerlink::{ConnectionType, PortalMode, PortalOptions, PortalTheme};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Duration;

/// Seconds as a `Duration`, for an argument named `field`.
pub fn seconds(field: &str, value: f64) -> brokerlink::Result<Duration> {
    brokerlink::duration_from_secs(field, value)
}

/// A count, as Python passes it (an int of any size): one that does not fit a `u32` is
/// `invalid_input` naming the argument, not pyo3's `OverflowError`.
pub fn count_named(value: &Bound<'_, PyAny>, field: &str) -> PyResult<u32> {
    let number: f64 = value.extract()?;
    brokerlink::count_u32(field, number).map_err(raise(value.py()))
}

pub fn fault_count(value: &Bound<'_, PyAny>) -> PyResult<u32> {
    count_named(value, "count")
}

pub fn rate_limit(value: &Bound<'_, PyAny>) -> PyResult<u32> {
    count_named(value, "rate_limit_per_minute")
}

pub fn account_rate_limit(value: &Bound<'_, PyAny>) -> PyResult<u32> {
    count_named(value, "account_rate_limit_per_minute")
}

/// A Python value (dicts, lists, str, numbers, bools, None) as JSON.
pub fn to_json(value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let text: String = value.py().import("json")?.call_method1("dumps", (value,))?.extract()?;
    serde_json::from_str(&text).map_err(|e| PyTypeError::new_err(format!("not JSON: {e}")))
}

/// A JSON value as plain Python objects.
pub fn from_json<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (value.to_string(),))
}

/// The portal options given as keyword arguments to `call`; `None` means unset. Enum-valued
/// options take the `str` value (or the enum member) and are parsed by the core.
pub fn portal_options(py: Python<'_>, call: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PortalOptions> {
    let mut o = PortalOptions::default();
    let Some(kwargs) = kwargs else { return Ok(o) };
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        let typed = |e: PyErr| PyTypeError::new_err(format!("{call}() argument {key:?}: {e}"));
        macro_rules! get {
            () => {
                if value.is_none() {
                    None
                } else {
                    Some(value.extract().map_err(typed)?)
                }
            };
        }
        match key.as_str() {
            "broker" => o.broker = get!(),
            "locale" => o.locale = get!(),
            "redirect_url" => o.redirect_url = get!(),
            "reconnect" => o.reconnect = get!(),
            "portal_version" => o.portal_version = get!(),
            "email" => o.email = get!(),
            "broker_type" => o.broker_type = get!(),
            "immediate_redirect" => o.immediate_redirect = get!(),
            "show_close_button" => o.show_close_button = get!(),
            "brokers" => o.brokers = get!().unwrap_or_default(),
            "capabilities" => o.capabilities = get!().unwrap_or_default(),
            "stages" => o.stages = get!().unwrap_or_default(),
            "connection_type" => {
                let text: Option<String> = get!();
                o.connection_type = text
                    .as_deref()
                    .map(ConnectionType::parse)
                    .transpose()
                    .map_err(raise(py))?;
            }
            "mode" => {
                let text: Option<String> = get!();
                o.mode = text.as_deref().map(PortalMode::parse).transpose().map_err(raise(py))?;
            }
            "theme" => {
                o.theme = if value.is_none() {
                    None
                } else if let Ok(preset) = value.extract::<String>() {
                    Some(PortalTheme::Preset(preset))
                } else if value.is_instance_of::<PyDict>() {
                    Some(PortalTheme::Custom(to_json(&value).map_err(typed)?))
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "{call}() argument \"theme\": expected a preset name (str) or a custom theme (dict)"
                    )));
                }
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "{call}() got an unexpected keyword argument {other:?}"
                )))
            }
        }
    }
    Ok(o)
}
