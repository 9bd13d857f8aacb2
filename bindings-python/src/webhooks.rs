//! `verify_webhook`: the core's verification of a webhook delivery (SnapTrade, Standard
//! Webhooks, Finatic), from the raw body and headers, returning a `WebhookEvent`.

use crate::args::seconds;
use crate::error::{guard, raise};
use crate::generated::WebhookEvent;
use brokerlink::{Secret, WebhookOptions, WebhookSigner};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// Verifies a delivery from its raw body (bytes, or str as received) and its headers (a
/// mapping or pairs, names in any case) against one or more secrets (during rotation); raises
/// `WebhookInvalidError` with a `reason` otherwise.
#[pyfunction]
#[pyo3(signature = (body, headers, secrets, *, tolerance = 300.0, max_event_age = None, now = None))]
pub fn verify_webhook(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secrets: Vec<String>,
    tolerance: f64,
    max_event_age: Option<f64>,
    now: Option<DateTime<Utc>>,
) -> PyResult<WebhookEvent> {
    guard(py, || {
        let body: Vec<u8> = match body.cast::<PyBytes>() {
            Ok(bytes) => bytes.as_bytes().to_vec(),
            Err(_) => body.extract::<String>()?.into_bytes(),
        };
        let pairs = if headers.is_instance_of::<PyDict>() {
            headers.call_method0("items")?
        } else {
            headers.clone()
        };
        let headers: Vec<(String, String)> = pairs.try_iter()?.map(|p| p?.extract()).collect::<PyResult<_>>()?;
        let options = WebhookOptions {
            tolerance: seconds("tolerance", tolerance).map_err(raise(py))?,
            max_event_age: max_event_age
                .map(|s| seconds("max_event_age", s))
                .transpose()
                .map_err(raise(py))?,
            now,
        };
        let secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
        let event =
            py.detach(|| brokerlink::verify_webhook(&body, headers.iter().map(|(k, v)| (k, v)), &secrets, &options));
        event.map(|inner| WebhookEvent { inner }).map_err(raise(py))
    })
}

/// The headers of a valid delivery of `body`, for your own tests. `signer` is one of
/// `{"type": "snaptrade", "consumer_key": …}`, `{"type": "standard", "secret": "whsec_…",
/// "id": …, "timestamp": unix seconds}` or `{"type": "finatic", "secret": …}`.
#[pyfunction]
pub fn sign_webhook<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    signer: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let body: Vec<u8> = match body.cast::<PyBytes>() {
            Ok(bytes) => bytes.as_bytes().to_vec(),
            Err(_) => body.extract::<String>()?.into_bytes(),
        };
        let text = |key: &str| -> PyResult<String> {
            signer
                .get_item(key)?
                .ok_or_else(|| raise(py)(brokerlink::Error::invalid_input("signer", format!("needs {key:?}"))))?
                .extract()
        };
        let signer = match text("type")?.as_str() {
            "snaptrade" => WebhookSigner::SnapTrade {
                consumer_key: Secret::new(text("consumer_key")?),
            },
            "standard" => {
                let timestamp = signer.get_item("timestamp")?.map(|t| t.extract::<i64>()).transpose()?;
                WebhookSigner::Standard {
                    secret: Secret::new(text("secret")?),
                    id: text("id")?,
                    timestamp: timestamp.unwrap_or_else(|| Utc::now().timestamp()),
                }
            }
            "finatic" => WebhookSigner::Finatic {
                secret: Secret::new(text("secret")?),
            },
            other => {
                return Err(raise(py)(brokerlink::Error::invalid_input(
                    "signer",
                    format!("unknown type {other:?} (snaptrade, standard or finatic)"),
                )))
            }
        };
        let headers = brokerlink::sign_webhook(&body, &signer).map_err(raise(py))?;
        let dict = PyDict::new(py);
        for (name, value) in headers {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    })
}
