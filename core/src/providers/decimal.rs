//! Money amounts from the text a provider sent. `serde_json` parses a number into an `f64`
//! before a visitor sees it, which already rounds (`0.1` is not a binary float), so an amount is
//! taken as its raw JSON text and parsed as a decimal. Providers send amounts as numbers
//! (SnapTrade) or strings (Finatic); both are accepted.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// An optional amount: absent or `null` is `None`; anything that is not a decimal is a decode
/// error, since a silently missing balance reads as "no money".
pub(crate) fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    // Borrowed from the body being decoded: a page of activities holds thousands of amounts,
    // and copying each one's text to the heap first was a measurable share of a full read.
    let Some(raw) = Option::<&RawValue>::deserialize(deserializer)? else {
        return Ok(None);
    };
    parse(raw.get()).map(Some).map_err(D::Error::custom)
}

/// One JSON value's text as an exact decimal.
pub(crate) fn parse(json: &str) -> Result<Decimal, String> {
    let unescaped;
    let text = match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => inner,
        Some(_) => {
            unescaped = serde_json::from_str::<String>(json).map_err(|e| e.to_string())?;
            unescaped.as_str()
        }
        None => json,
    };
    let text = text.trim();
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        // `from_str_exact` refuses what it would have to round (more than 28 digits).
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|e| format!("`{text}` is not an exact decimal amount ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Amount {
        #[serde(default, deserialize_with = "optional")]
        amount: Option<Decimal>,
    }

    fn amount(json: &str) -> Result<Option<String>, String> {
        serde_json::from_str::<Amount>(json)
            .map(|a| a.amount.map(|d| d.to_string()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_keep_every_digit_and_their_scale() {
        assert_eq!(amount(r#"{"amount": 0.1}"#).unwrap().as_deref(), Some("0.1"));
        // 17 significant digits: an f64 would print 12345678901234568.
        assert_eq!(
            amount(r#"{"amount": 12345678901234567.89}"#).unwrap().as_deref(),
            Some("12345678901234567.89")
        );
        assert_eq!(
            amount(r#"{"amount": 15363.230}"#).unwrap().as_deref(),
            Some("15363.230")
        );
        assert_eq!(amount(r#"{"amount": -42}"#).unwrap().as_deref(), Some("-42"));
        assert_eq!(amount(r#"{"amount": 1.5e-7}"#).unwrap().as_deref(), Some("0.00000015"));
    }

    #[test]
    fn escaped_strings_are_unescaped_first() {
        assert_eq!(amount(r#"{"amount": "1\u002e50"}"#).unwrap().as_deref(), Some("1.50"));
        assert_eq!(amount(r#"{"amount": " 7 "}"#).unwrap().as_deref(), Some("7"));
    }

    #[test]
    fn strings_are_amounts_too() {
        assert_eq!(
            amount(r#"{"amount": "0.123456789012345678"}"#).unwrap().as_deref(),
            Some("0.123456789012345678")
        );
    }

    #[test]
    fn absent_and_null_are_none_and_garbage_is_an_error() {
        assert_eq!(amount(r#"{}"#).unwrap(), None);
        assert_eq!(amount(r#"{"amount": null}"#).unwrap(), None);
        for bad in [r#"{"amount": "lots"}"#, r#"{"amount": true}"#, r#"{"amount": "1.2.3"}"#] {
            assert!(amount(bad).is_err(), "{bad}");
        }
        // More digits than a decimal holds is refused rather than rounded.
        assert!(amount(r#"{"amount": 0.1000000000000000055511151231257827}"#).is_err());
    }
}
