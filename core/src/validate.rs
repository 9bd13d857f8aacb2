//! Input checks that run before any request is sent, each naming the field it rejects.

use crate::error::{Error, Result};
use std::time::Duration;

pub const MAX_USER_ID_LEN: usize = 255;

/// The longest duration any caller-given timeout, lifetime or grace may be: 100 years. Longer
/// ones cannot be added to a clock reading without overflowing somewhere (an `Instant`, a
/// `chrono` time), and mean "forever" anyway.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `value` if it is at most [`MAX_DURATION`]; else `invalid_input` naming `field`.
pub fn checked_duration(field: &str, value: Duration) -> Result<Duration> {
    if value > MAX_DURATION {
        return Err(Error::invalid_input(
            field,
            format!(
                "is {}s; the longest allowed is {}s (100 years)",
                value.as_secs(),
                MAX_DURATION.as_secs()
            ),
        ));
    }
    Ok(value)
}

/// Seconds from a binding (a float in Python and JavaScript) as a checked `Duration`.
pub fn duration_from_secs(field: &str, seconds: f64) -> Result<Duration> {
    let value = Duration::try_from_secs_f64(seconds)
        .map_err(|_| Error::invalid_input(field, "must be a finite, non-negative number of seconds"))?;
    checked_duration(field, value)
}

/// Milliseconds from a binding as a checked `Duration`.
pub fn duration_from_millis(field: &str, millis: f64) -> Result<Duration> {
    let value = Duration::try_from_secs_f64(millis / 1000.0)
        .map_err(|_| Error::invalid_input(field, "must be a finite, non-negative number of milliseconds"))?;
    checked_duration(field, value)
}

/// A count from a binding (a float in JavaScript, an int of any size in Python) as a `u32`.
pub fn count_u32(field: &str, value: f64) -> Result<u32> {
    if value.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&value) {
        return Err(Error::invalid_input(
            field,
            format!("must be a whole number from 0 to {}", u32::MAX),
        ));
    }
    Ok(value as u32)
}

pub fn user_id(value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input("user_id", "must not be empty"));
    }
    if value.len() > MAX_USER_ID_LEN {
        return Err(Error::invalid_input(
            "user_id",
            format!("is {} bytes long; the limit is {MAX_USER_ID_LEN}", value.len()),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input("user_id", "must not contain control characters"));
    }
    if value.trim() != value {
        return Err(Error::invalid_input("user_id", "must not start or end with whitespace"));
    }
    Ok(())
}

/// SnapTrade names connections and accounts by UUID; anything else cannot exist.
pub fn uuid(field: &str, value: &str) -> Result<()> {
    uuid::Uuid::parse_str(value)
        .map(|_| ())
        .map_err(|_| Error::invalid_input(field, format!("{value:?} is not a UUID")))
}

/// An opaque identifier that goes into a URL path: non-empty, printable, bounded.
pub fn identifier(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if value.len() > 512 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid_input(
            field,
            "must be a short id without spaces or control characters",
        ));
    }
    Ok(())
}

pub fn email(value: &str) -> Result<()> {
    let well_formed = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'));
    if well_formed {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "email",
            format!("{value:?} is not an email address"),
        ))
    }
}

pub fn redirect_url(field: &str, value: &str) -> Result<()> {
    let parsed =
        url::Url::parse(value).map_err(|e| Error::invalid_input(field, format!("is not an absolute URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_input(field, "must be an absolute http(s) URL"));
    }
    Ok(())
}

pub fn base_url(value: &str) -> Result<url::Url> {
    redirect_url("base_url", value)?;
    let mut parsed = url::Url::parse(value).map_err(|e| Error::invalid_input("base_url", e))?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::invalid_input("base_url", "must not carry a query or fragment"));
    }
    let trimmed = parsed.path().trim_end_matches('/').to_owned();
    parsed.set_path(&trimmed);
    Ok(parsed)
}

/// The portal languages that exist, matched as SnapTrade does: case- and separator-insensitive,
/// a regional tag resolving to its language when that language ships (`en-US` → `en`).
pub fn locale(value: &str) -> Result<&'static str> {
    let normalised = value.trim().replace('_', "-").to_ascii_lowercase();
    let language = normalised.split('-').next().unwrap_or_default();
    match (normalised.as_str(), language) {
        ("pt-br", _) => Ok("pt-BR"),
        (_, "en") => Ok("en"),
        _ => Err(Error::invalid_input(
            "locale",
            format!("unknown locale {value:?} (expected en or pt-BR)"),
        )),
    }
}

pub fn portal_version(value: &str) -> Result<()> {
    match value {
        "v4" | "v3" | "v2" => Ok(()),
        other => Err(Error::invalid_input(
            "portal_version",
            format!("unknown portal version {other:?} (expected v4; v2 and v3 are deprecated)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_that_do_not_fit_name_their_field() {
        assert_eq!(duration_from_secs("t", 1.5).unwrap(), Duration::from_millis(1500));
        assert_eq!(duration_from_millis("t", 250.0).unwrap(), Duration::from_millis(250));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e300, 1e18] {
            let err = duration_from_secs("grace", bad).unwrap_err();
            assert_eq!(
                (err.kind(), err.field()),
                (crate::ErrorKind::InvalidInput, Some("grace")),
                "{bad}"
            );
            assert_eq!(
                duration_from_millis("timeout_ms", bad * 1000.0).unwrap_err().field(),
                Some("timeout_ms")
            );
        }
        assert!(checked_duration("t", MAX_DURATION).is_ok());
        assert_eq!(checked_duration("t", Duration::MAX).unwrap_err().field(), Some("t"));
        assert_eq!(count_u32("count", 3.0).unwrap(), 3);
        assert_eq!(count_u32("count", 4_294_967_295.0).unwrap(), u32::MAX);
        for bad in [-1.0, 0.5, 4_294_967_296.0, f64::NAN, 1e300] {
            assert_eq!(count_u32("count", bad).unwrap_err().field(), Some("count"), "{bad}");
        }
    }
    use crate::ErrorKind;

    fn field_of(result: Result<()>) -> String {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.field().unwrap_or_default().to_owned()
    }

    #[test]
    fn user_ids() {
        assert!(user_id("app-user-42").is_ok());
        assert!(user_id("usuário-ñ").is_ok());
        assert_eq!(field_of(user_id("")), "user_id");
        assert_eq!(field_of(user_id(&"x".repeat(256))), "user_id");
        assert_eq!(field_of(user_id("a\nb")), "user_id");
        assert_eq!(field_of(user_id("a\u{7f}")), "user_id");
        assert_eq!(field_of(user_id(" padded")), "user_id");
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(redirect_url("redirect_url", "https://app.example/done?x=1").is_ok());
        assert!(redirect_url("redirect_url", "http://127.0.0.1:8080/cb").is_ok());
        for bad in [
            "/relative",
            "javascript:alert(1)",
            "ftp://x.example/",
            "https://",
            "not a url",
        ] {
            assert_eq!(field_of(redirect_url("redirect_url", bad)), "redirect_url", "{bad}");
        }
    }

    #[test]
    fn base_url_drops_trailing_slash() {
        assert_eq!(
            base_url("http://127.0.0.1:9/api/v1/").unwrap().as_str(),
            "http://127.0.0.1:9/api/v1"
        );
        assert!(base_url("http://127.0.0.1:9/?x=1").is_err());
    }

    #[test]
    fn locales_match_loosely_and_reject_unknown() {
        assert_eq!(locale("en").unwrap(), "en");
        assert_eq!(locale("en-US").unwrap(), "en");
        assert_eq!(locale("pt_br").unwrap(), "pt-BR");
        assert_eq!(locale("PT-BR").unwrap(), "pt-BR");
        assert!(locale("fr").is_err());
        assert!(locale("pt").is_err());
        assert!(locale("").is_err());
    }

    #[test]
    fn uuids() {
        assert!(uuid("reconnect", "8b5f262d-4bb9-365d-888a-202bd3b15fa1").is_ok());
        assert_eq!(field_of(uuid("reconnect", "not-a-uuid")), "reconnect");
    }
}
