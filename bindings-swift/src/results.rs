//! What comes back from the aggregator beyond the mirrors of the core's types (`generated.rs`):
//! money's exact decimal as a custom type, and parsing the portal's report.

use crate::error::{guard, Result};
use crate::generated::PortalResult;
use brokerlink::{Decimal, NaiveDate};

// Money crosses as its exact decimal text; `uniffi.toml` maps it to `java.math.BigDecimal` and
// Foundation's `Decimal`.
uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |amount| amount.to_string(),
    try_lift: |text| Ok(Decimal::from_str_exact(&text)?),
});

// A calendar date crosses as its ISO 8601 text; `uniffi.toml` maps it to `java.time.LocalDate`
// and Foundation's `DateComponents` (year, month, day).
uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |date| date.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(NaiveDate::parse_from_str(&text, "%Y-%m-%d")?),
});

/// Parses a portal redirect URL (or its query), a window message as JSON, or a legacy
/// message string.
#[uniffi::export]
pub fn parse_portal_result(input: String) -> Result<PortalResult> {
    guard(|| brokerlink::parse_portal_result(&input).map(PortalResult::from))
}
