//! What comes back from the aggregator that is not a plain mirror of a core type (those are in
//! `generated.rs`): parsing the portal's report.

use crate::generated::PortalResult;
use napi::Env;
use napi_derive::napi;

/// Parses a portal redirect URL (or its query), a window message as JSON, or a legacy
/// message string.
#[napi]
pub fn parse_portal_result(env: Env, input: String) -> napi::Result<PortalResult> {
    crate::error::sync(&env, || brokerlink::parse_portal_result(&input).map(PortalResult::from))
}
