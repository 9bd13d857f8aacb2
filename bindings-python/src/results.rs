//! What comes back from the aggregator that is not a plain mirror of a core type (those are in
//! `generated.rs`): parsing the portal's report.

use crate::error::{guard, raise};
use crate::generated::PortalResult;
use pyo3::prelude::*;

/// Parses a portal redirect URL, its query, or a portal window message (JSON or plain text).
#[pyfunction]
pub fn parse_portal_result(py: Python<'_>, input: &str) -> PyResult<PortalResult> {
    guard(py, || {
        brokerlink::parse_portal_result(input)
            .map(PortalResult::from)
            .map_err(raise(py))
    })
}
