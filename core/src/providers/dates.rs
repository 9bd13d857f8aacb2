//! Dates and timestamps in the spellings providers send, read without copying the text: a long
//! history has two or three a row.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::{Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Parses the timestamp spellings providers use: RFC 3339, with a space instead of `T`, or
/// without an offset (taken as UTC).
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let with_t = match text.contains(' ') {
        true => Cow::Owned(text.replacen(' ', "T", 1)),
        false => Cow::Borrowed(text),
    };
    if let Ok(parsed) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(parsed.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&with_t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// A calendar date: `2026-03-02`, or the date of a timestamp (`2026-03-02T00:00:00Z`, in UTC).
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    match text.len() {
        10 => iso_date(text),
        _ => parse_timestamp(text).map(|at| at.date_naive()),
    }
}

/// `YYYY-MM-DD` read by hand: a long history has two dates a row, and chrono's format-string
/// parser was a measurable share of decoding one.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits
            .iter()
            .try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(number(&bytes[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&bytes[5..7])?, number(&bytes[8..])?)
}

/// A timestamp, or a bare date taken as its midnight UTC (sync times come either way).
pub(crate) fn parse_date_or_timestamp(text: &str) -> Option<DateTime<Utc>> {
    parse_timestamp(text).or_else(|| {
        iso_date(text.trim())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|naive| naive.and_utc())
    })
}

/// An optional calendar date field (`parse_date`): absent, `null` or unreadable is `None`, as a
/// date the model cannot place is left out rather than failing the whole page.
pub(crate) fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    deserializer.deserialize_option(OptionalDate)
}

struct OptionalDate;

impl<'de> Visitor<'de> for OptionalDate {
    type Value = Option<NaiveDate>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date, or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }

    // The text is borrowed from the body (or serde's scratch buffer for an escaped string).
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(parse_date(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn timestamps_in_every_spelling_providers_use() {
        let a = parse_timestamp("2024-08-20T21:56:19.123935Z").unwrap();
        let b = parse_timestamp("2024-08-20 21:56:19.123935+00:00").unwrap();
        let c = parse_timestamp("2024-08-20T21:56:19.123935").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn dates_plain_or_as_the_utc_date_of_a_timestamp() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(parse_date("2026-03-02"), day);
        assert_eq!(parse_date(" 2026-03-02 "), day);
        assert_eq!(parse_date("2026-03-02T00:00:00.000000Z"), day);
        assert_eq!(parse_date("2026-03-01T23:30:00-01:00"), day);
        for bad in ["2026-02-30", "2026-3-02", "20260302", "2026-03-0x", "+026-03-02", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(
            parse_date_or_timestamp("2026-03-02"),
            day.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| n.and_utc())
        );
    }

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "optional_date")]
        date: Option<NaiveDate>,
    }

    #[test]
    fn date_fields_absent_null_escaped_or_unreadable() {
        let date = |json: &str| {
            serde_json::from_str::<Row>(json)
                .map(|r| r.date)
                .map_err(|e| e.to_string())
        };
        let day = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(date(r#"{"date": "2026-03-02"}"#), Ok(day));
        assert_eq!(date(r#"{"date": "2026\u002d03-02"}"#), Ok(day));
        assert_eq!(date(r#"{"date": "soon"}"#), Ok(None));
        assert_eq!(date(r#"{"date": null}"#), Ok(None));
        assert_eq!(date(r#"{}"#), Ok(None));
        assert!(date(r#"{"date": 20260302}"#).is_err());
    }
}
