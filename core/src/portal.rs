//! Portal options, links, and turning what the portal reports back into a typed result.

use crate::error::{Error, Result};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::time::Duration;

/// How long an aggregator's portal link stays usable (SnapTrade: 5 minutes).
pub const PORTAL_LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Permission the portal asks the end user for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionType {
    Read,
    Trade,
    /// Trade where the broker allows it, read otherwise.
    TradeIfAvailable,
}

impl ConnectionType {
    pub const ALL: [ConnectionType; 3] = [
        ConnectionType::Read,
        ConnectionType::Trade,
        ConnectionType::TradeIfAvailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Read => "read",
            ConnectionType::Trade => "trade",
            ConnectionType::TradeIfAvailable => "trade-if-available",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "read" => Ok(ConnectionType::Read),
            "trade" => Ok(ConnectionType::Trade),
            "trade-if-available" | "trade_if_available" => Ok(ConnectionType::TradeIfAvailable),
            other => Err(Error::invalid_input(
                "connection_type",
                format!("unknown connection type {other:?} (expected read, trade or trade-if-available)"),
            )),
        }
    }
}

/// The portal's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortalMode {
    Light,
    Dark,
}

impl PortalMode {
    pub const ALL: [PortalMode; 2] = [PortalMode::Light, PortalMode::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            PortalMode::Light => "light",
            PortalMode::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "light" => Ok(PortalMode::Light),
            "dark" => Ok(PortalMode::Dark),
            other => Err(Error::invalid_input(
                "mode",
                format!("unknown mode {other:?} (expected light or dark)"),
            )),
        }
    }
}

/// The portal's look: a named preset, or a custom theme object (Finatic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalTheme {
    Preset(String),
    /// A JSON object; sent as `themeObject`, base64 of its JSON.
    Custom(serde_json::Value),
}

/// Everything a portal link can be asked to do. Options a provider has no use for are
/// rejected with `invalid_input` naming them, never silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalOptions {
    /// Open the portal directly on this broker (SnapTrade slug).
    pub broker: Option<String>,
    pub connection_type: Option<ConnectionType>,
    /// Light or dark; unset follows the portal's default (the system preference).
    pub mode: Option<PortalMode>,
    /// `en` or `pt-BR`; case and separator do not matter, `en-US` means `en`.
    pub locale: Option<String>,
    /// Absolute http(s) URL the portal sends the user to when done.
    pub redirect_url: Option<String>,
    pub immediate_redirect: Option<bool>,
    /// Id of a disabled connection to repair instead of creating a new one.
    pub reconnect: Option<String>,
    pub show_close_button: Option<bool>,
    /// SnapTrade portal version: `v4` (`v2`/`v3` are deprecated and served as v4).
    pub portal_version: Option<String>,
    /// Offer only these brokers (Finatic broker ids).
    pub brokers: Vec<String>,
    /// Prefill the portal's email field (Finatic).
    pub email: Option<String>,
    pub theme: Option<PortalTheme>,
    /// `broker` or `exchange` (Finatic's `type`).
    pub broker_type: Option<String>,
    /// Brokers must have all of these capabilities, e.g. `equity`, `options` (Finatic).
    pub capabilities: Vec<String>,
    /// Broker release stages to offer: `production`, `beta`, `alpha` (Finatic).
    pub stages: Vec<String>,
}

/// A connection-portal URL for one end user. Treat `url` as a secret: it logs the user in,
/// so `Debug` shows it with its token hidden.
#[derive(Clone, PartialEq, Eq)]
pub struct PortalLink {
    pub url: String,
    /// The portal session; it authorises Finatic calls on its own, so it prints as `***`.
    pub session_id: Secret,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PortalLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalLink")
            .field("url", &redact_link(&self.url))
            .field("session_id", &self.session_id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A portal URL with the value of its `token` parameter replaced by `***`, for display.
pub fn redact_link(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "***".to_owned();
    };
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let hidden = matches!(
                k.as_ref(),
                "token" | "userSecret" | "one_time_token" | "sessionId" | "session_id" | "session"
            );
            (k.into_owned(), if hidden { "***".to_owned() } else { v.into_owned() })
        })
        .collect();
    if !pairs.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.into()
}

/// What the portal reported when the end user finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalResult {
    Success {
        connection_id: Option<String>,
        user_id: Option<String>,
    },
    Error {
        code: String,
        message: Option<String>,
        status_code: Option<u16>,
    },
    /// The user closed the portal.
    Closed,
    /// The user left without finishing (redirect flow).
    Abandoned,
    /// The portal asked its frame to change height (Finatic).
    Resize { height: u32 },
}

impl PortalResult {
    /// `success`, `error`, `closed`, `abandoned` or `resize`: the tag every binding uses.
    pub fn kind_str(&self) -> &'static str {
        match self {
            PortalResult::Success { .. } => "success",
            PortalResult::Error { .. } => "error",
            PortalResult::Closed => "closed",
            PortalResult::Abandoned => "abandoned",
            PortalResult::Resize { .. } => "resize",
        }
    }
}

/// Parses a redirect URL (or its query), a window message as JSON, or a legacy message string.
pub fn parse_portal_result(input: &str) -> Result<PortalResult> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Error::invalid_input("input", "is empty"));
    }
    if input.starts_with('{') || input.starts_with('"') {
        let value: Value = serde_json::from_str(input)
            .map_err(|e| Error::invalid_input("input", format!("is not valid JSON: {e}")))?;
        return parse_message_value(&value);
    }
    if let Some(result) = parse_plain_message(input) {
        return Ok(result);
    }
    if let Some(query) = query_part(input) {
        return parse_redirect_query(query);
    }
    Err(Error::invalid_input(
        "input",
        "is neither a portal redirect URL nor a portal message",
    ))
}

/// The part of a redirect URL, or of a bare query string, that holds the result parameters.
fn query_part(input: &str) -> Option<&str> {
    if let Some((_, rest)) = input.split_once('?') {
        return Some(rest.split('#').next().unwrap_or(rest));
    }
    input.contains("status=").then_some(input.trim_start_matches('#'))
}

fn parse_redirect_query(query: &str) -> Result<PortalResult> {
    let params: Map<String, Value> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    let status = params
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid_input("input", "redirect has no status parameter"))?;
    match status.to_ascii_uppercase().as_str() {
        "SUCCESS" => Ok(PortalResult::Success {
            connection_id: text(&params, &["connection_id", "authorizationId"]),
            user_id: text(&params, &["user_id", "userId"]),
        }),
        "ERROR" => Ok(error_result(
            &params,
            &["error_code", "errorCode"],
            &["status_code", "statusCode"],
        )),
        "ABANDONED" => Ok(PortalResult::Abandoned),
        "CLOSED" | "CLOSE_MODAL" => Ok(PortalResult::Closed),
        other => Err(Error::invalid_input(
            "input",
            format!("unknown portal status {other:?}"),
        )),
    }
}

fn parse_message_value(value: &Value) -> Result<PortalResult> {
    match value {
        Value::String(s) => parse_plain_message(s.trim())
            .ok_or_else(|| Error::invalid_input("input", format!("unknown portal message {s:?}"))),
        Value::Object(map) if map.contains_key("type") => parse_finatic_message(map),
        Value::Object(map) => {
            let status = map
                .get("status")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::invalid_input("input", "message has neither status nor type"))?;
            match status.to_ascii_uppercase().as_str() {
                "SUCCESS" => Ok(PortalResult::Success {
                    connection_id: text(map, &["authorizationId", "connection_id", "connectionId"]),
                    user_id: text(map, &["userId", "user_id"]),
                }),
                "ERROR" => Ok(error_result(
                    map,
                    &["errorCode", "error_code"],
                    &["statusCode", "status_code"],
                )),
                other => parse_plain_message(other)
                    .ok_or_else(|| Error::invalid_input("input", format!("unknown portal status {other:?}"))),
            }
        }
        _ => Err(Error::invalid_input("input", "message must be a JSON object or string")),
    }
}

/// SnapTrade's plain-string messages, current (`CLOSED`) and legacy (`SUCCESS:<id>`).
fn parse_plain_message(message: &str) -> Option<PortalResult> {
    match message {
        "CLOSED" | "CLOSE_MODAL" | "CLOSE" => return Some(PortalResult::Closed),
        "ABANDONED" => return Some(PortalResult::Abandoned),
        _ => {}
    }
    if let Some(id) = message.strip_prefix("SUCCESS:") {
        return Some(PortalResult::Success {
            connection_id: non_empty(id),
            user_id: None,
        });
    }
    if let Some(code) = message.strip_prefix("ERROR:") {
        return Some(PortalResult::Error {
            code: code.trim().to_owned(),
            message: None,
            status_code: None,
        });
    }
    None
}

/// Finatic's `{type: "portal-…", …}` messages, with the payload at top level or under `data`.
fn parse_finatic_message(map: &Map<String, Value>) -> Result<PortalResult> {
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    let data = map.get("data").and_then(Value::as_object);
    let field = |keys: &[&str]| text(map, keys).or_else(|| data.and_then(|d| text(d, keys)));
    match kind {
        "portal-success" => Ok(PortalResult::Success {
            connection_id: field(&["connectionId", "connection_id"]),
            user_id: field(&["userId", "user_id"]),
        }),
        "portal-error" => {
            let message = field(&["error", "message"]);
            Ok(PortalResult::Error {
                code: field(&["code", "errorCode"]).unwrap_or_else(|| "portal_error".to_owned()),
                message,
                status_code: None,
            })
        }
        "portal-close" => Ok(PortalResult::Closed),
        "portal-resize" => {
            let height = map
                .get("height")
                .or_else(|| data.and_then(|d| d.get("height")))
                .and_then(number_u32)
                .ok_or_else(|| Error::invalid_input("input", "portal-resize needs a numeric height"))?;
            Ok(PortalResult::Resize { height })
        }
        other => Err(Error::invalid_input(
            "input",
            format!("unknown portal message type {other:?}"),
        )),
    }
}

fn error_result(map: &Map<String, Value>, code_keys: &[&str], status_keys: &[&str]) -> PortalResult {
    PortalResult::Error {
        code: text(map, code_keys).unwrap_or_else(|| "UNKNOWN".to_owned()),
        message: text(map, &["detail", "message"]),
        status_code: status_keys
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(number_u32)
            .and_then(|n| u16::try_from(n).ok()),
    }
}

/// A field as text, whether the portal sent it as a string or a number.
fn text(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match map.get(*k)? {
        Value::String(s) => non_empty(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn number_u32(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn success(id: &str) -> PortalResult {
        PortalResult::Success {
            connection_id: Some(id.into()),
            user_id: None,
        }
    }

    #[test]
    fn snaptrade_redirects() {
        assert_eq!(
            parse_portal_result("https://app.example/cb?status=SUCCESS&connection_id=abc").unwrap(),
            success("abc")
        );
        assert_eq!(
            parse_portal_result("https://app.example/cb?status=ERROR&status_code=401&error_code=1086").unwrap(),
            PortalResult::Error {
                code: "1086".into(),
                message: None,
                status_code: Some(401)
            }
        );
        assert_eq!(
            parse_portal_result("status=ABANDONED").unwrap(),
            PortalResult::Abandoned
        );
        assert_eq!(
            parse_portal_result("?status=ABANDONED#frag").unwrap(),
            PortalResult::Abandoned
        );
    }

    #[test]
    fn snaptrade_window_messages_object_and_legacy() {
        assert_eq!(
            parse_portal_result(r#"{"status":"SUCCESS","authorizationId":"abc"}"#).unwrap(),
            success("abc")
        );
        assert_eq!(
            parse_portal_result(r#"{"status":"ERROR","errorCode":"1006","statusCode":"400","detail":"expired"}"#)
                .unwrap(),
            PortalResult::Error {
                code: "1006".into(),
                message: Some("expired".into()),
                status_code: Some(400)
            }
        );
        assert_eq!(parse_portal_result("CLOSED").unwrap(), PortalResult::Closed);
        assert_eq!(parse_portal_result("\"CLOSE_MODAL\"").unwrap(), PortalResult::Closed);
        assert_eq!(parse_portal_result("ABANDONED").unwrap(), PortalResult::Abandoned);
        assert_eq!(parse_portal_result("SUCCESS:abc").unwrap(), success("abc"));
        assert!(matches!(
            parse_portal_result("ERROR:1023").unwrap(),
            PortalResult::Error { code, .. } if code == "1023"
        ));
    }

    #[test]
    fn finatic_messages_in_both_payload_forms() {
        let user = |id: &str| PortalResult::Success {
            connection_id: None,
            user_id: Some(id.into()),
        };
        assert_eq!(
            parse_portal_result(r#"{"type":"portal-success","userId":"u1"}"#).unwrap(),
            user("u1")
        );
        assert_eq!(
            parse_portal_result(r#"{"type":"portal-success","data":{"userId":"u2"}}"#).unwrap(),
            user("u2")
        );
        assert!(matches!(
            parse_portal_result(r#"{"type":"portal-error","data":{"message":"locked"}}"#).unwrap(),
            PortalResult::Error { message: Some(m), .. } if m == "locked"
        ));
        assert_eq!(
            parse_portal_result(r#"{"type":"portal-close"}"#).unwrap(),
            PortalResult::Closed
        );
        assert_eq!(
            parse_portal_result(r#"{"type":"portal-resize","height":640}"#).unwrap(),
            PortalResult::Resize { height: 640 }
        );
    }

    #[test]
    fn link_debug_hides_the_token_and_the_session() {
        let link = PortalLink {
            url: "http://127.0.0.1:1/snapTrade/redeemToken?token=s3cret-token&sessionId=sess-1234&locale=en".into(),
            session_id: "sess-1234".into(),
            expires_at: Utc::now(),
        };
        let shown = format!("{link:?}");
        assert!(
            !shown.contains("s3cret-token") && !shown.contains("sess-1234"),
            "{shown}"
        );
        assert!(
            shown.contains("token=***") && shown.contains("sessionId=***") && shown.contains("locale=en"),
            "{shown}"
        );
    }

    #[test]
    fn garbage_is_invalid_input_not_a_panic() {
        for bad in [
            "",
            "   ",
            "hello",
            "{",
            "[1]",
            r#"{"status":"MAYBE"}"#,
            "https://x/?foo=1",
            "{\"type\":\"portal-resize\"}",
        ] {
            let err = parse_portal_result(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
