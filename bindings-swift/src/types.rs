//! What callers hand to the client: users, sessions and options, as records converted to and
//! from the core's types. A credential inside them (a user secret, a session id, a portal link)
//! is a `Secret`: a small hand-written class in each language (`Secret.kt`, `Secret.swift`)
//! whose `toString()` / `description` is `***`, so the records that hold one print it hidden.

use crate::generated::{ConnectionType, PortalMode, SessionStatus};
use std::fmt;
use std::time::{Duration, SystemTime};

/// A credential crossing the boundary as its text; Kotlin and Swift wrap it in their own
/// `Secret` (see `uniffi.toml`).
pub struct Secret(String);

uniffi::custom_type!(Secret, String, {
    lower: |secret| secret.0,
    try_lift: |text| Ok(Secret(text)),
});

impl From<brokerlink::Secret> for Secret {
    fn from(secret: brokerlink::Secret) -> Self {
        Secret(secret.expose().to_owned())
    }
}

impl From<Secret> for brokerlink::Secret {
    fn from(secret: Secret) -> Self {
        brokerlink::Secret::new(secret.0)
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A connection-portal link. `url` logs the user in and `sessionId` authorises Finatic calls
/// on its own: both are secrets.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PortalLink {
    pub url: Secret,
    pub session_id: Secret,
    pub expires_at: SystemTime,
}

impl From<brokerlink::PortalLink> for PortalLink {
    fn from(link: brokerlink::PortalLink) -> Self {
        let brokerlink::PortalLink {
            url,
            session_id,
            expires_at,
        } = link;
        PortalLink {
            url: Secret(url),
            session_id: session_id.into(),
            expires_at: expires_at.into(),
        }
    }
}

/// A session status from its stored string (`active`, …); unknown words give `UNKNOWN`.
#[uniffi::export]
pub fn parse_session_status(value: String) -> SessionStatus {
    brokerlink::SessionStatus::parse(&value).into()
}

/// The portal's look: a preset name, or a custom theme (Finatic) as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PortalTheme {
    Preset {
        name: String,
    },
    /// `json` is the text of a JSON object, e.g. `{"primary":"#123456"}`.
    Custom {
        json: String,
    },
}

/// A connection type from its stable string (`read`, `trade`, `trade-if-available`), as the
/// other languages accept it; another word fails as `invalid_input` naming `connection_type`.
#[uniffi::export]
pub fn parse_connection_type(value: String) -> crate::error::Result<ConnectionType> {
    crate::error::guard(|| Ok(ConnectionType::from(brokerlink::ConnectionType::parse(&value)?)))
}

/// A portal mode from its stable string (`light`, `dark`); another word fails as
/// `invalid_input` naming `mode`.
#[uniffi::export]
pub fn parse_portal_mode(value: String) -> crate::error::Result<PortalMode> {
    crate::error::guard(|| Ok(PortalMode::from(brokerlink::PortalMode::parse(&value)?)))
}

/// Everything a portal link can be asked to do; options a provider has no use for fail as
/// `invalid_input` naming them.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct PortalOptions {
    /// Open the portal on this broker (SnapTrade slug).
    #[uniffi(default = None)]
    pub broker: Option<String>,
    #[uniffi(default = None)]
    pub connection_type: Option<ConnectionType>,
    #[uniffi(default = None)]
    pub mode: Option<PortalMode>,
    /// `en` or `pt-BR`.
    #[uniffi(default = None)]
    pub locale: Option<String>,
    /// Absolute http(s) URL the portal sends the user to when done.
    #[uniffi(default = None)]
    pub redirect_url: Option<String>,
    #[uniffi(default = None)]
    pub immediate_redirect: Option<bool>,
    /// Id of a disabled connection to repair.
    #[uniffi(default = None)]
    pub reconnect: Option<String>,
    #[uniffi(default = None)]
    pub show_close_button: Option<bool>,
    /// SnapTrade portal version (`v4`).
    #[uniffi(default = None)]
    pub portal_version: Option<String>,
    /// Offer only these brokers (Finatic broker ids).
    #[uniffi(default = [])]
    pub brokers: Vec<String>,
    /// Prefill the portal's email field (Finatic).
    #[uniffi(default = None)]
    pub email: Option<String>,
    #[uniffi(default = None)]
    pub theme: Option<PortalTheme>,
    /// `broker` or `exchange` (Finatic).
    #[uniffi(default = None)]
    pub broker_type: Option<String>,
    /// Brokers must have all of these, e.g. `equity`, `options` (Finatic).
    #[uniffi(default = [])]
    pub capabilities: Vec<String>,
    /// `production`, `beta`, `alpha` (Finatic).
    #[uniffi(default = [])]
    pub stages: Vec<String>,
}

impl TryFrom<PortalOptions> for brokerlink::PortalOptions {
    type Error = brokerlink::Error;

    fn try_from(o: PortalOptions) -> brokerlink::Result<Self> {
        Ok(brokerlink::PortalOptions {
            broker: o.broker,
            connection_type: o.connection_type.map(Into::into),
            mode: o.mode.map(Into::into),
            locale: o.locale,
            redirect_url: o.redirect_url,
            immediate_redirect: o.immediate_redirect,
            reconnect: o.reconnect,
            show_close_button: o.show_close_button,
            portal_version: o.portal_version,
            brokers: o.brokers,
            email: o.email,
            theme: match o.theme {
                None => None,
                Some(PortalTheme::Preset { name }) => Some(brokerlink::PortalTheme::Preset(name)),
                Some(PortalTheme::Custom { json }) => match serde_json::from_str(&json) {
                    Ok(object @ serde_json::Value::Object(_)) => Some(brokerlink::PortalTheme::Custom(object)),
                    _ => {
                        return Err(brokerlink::Error::invalid_input(
                            "theme",
                            "a custom theme must be a JSON object",
                        ))
                    }
                },
            },
            broker_type: o.broker_type,
            capabilities: o.capabilities,
            stages: o.stages,
        })
    }
}

/// How long `waitForConnection` polls; unset fields take the core's defaults (2 minutes,
/// 500 ms growing to 5 s, since one portal-link lifetime ago).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct WaitOptions {
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    #[uniffi(default = None)]
    pub poll_interval: Option<Duration>,
    #[uniffi(default = None)]
    pub max_poll_interval: Option<Duration>,
    /// Connections created at or after this instant count as new.
    #[uniffi(default = None)]
    pub since: Option<SystemTime>,
    /// Wait for this connection (e.g. the one being reconnected) instead of any new one.
    #[uniffi(default = None)]
    pub connection_id: Option<String>,
}

impl From<WaitOptions> for brokerlink::WaitOptions {
    fn from(o: WaitOptions) -> Self {
        let d = brokerlink::WaitOptions::default();
        brokerlink::WaitOptions {
            timeout: o.timeout.unwrap_or(d.timeout),
            poll_interval: o.poll_interval.unwrap_or(d.poll_interval),
            max_poll_interval: o.max_poll_interval.unwrap_or(d.max_poll_interval),
            since: o.since.map(Into::into),
            connection_id: o.connection_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::UserCredentials;

    #[test]
    fn credentials_convert_both_ways_and_debug_without_their_secret() {
        let core = brokerlink::UserCredentials::new("alice", "s3cr3t-value");
        let user = UserCredentials::from(core.clone());
        let shown = format!("{user:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("***"));
        assert_eq!(brokerlink::UserCredentials::from(user), core);
    }

    #[test]
    fn enums_come_from_their_stable_strings_through_the_core() {
        assert_eq!(parse_portal_mode("dark".into()).unwrap(), PortalMode::Dark);
        assert_eq!(
            parse_connection_type("trade-if-available".into()).unwrap(),
            ConnectionType::TradeIfAvailable
        );
        assert_eq!(
            parse_portal_mode("sepia".into())
                .unwrap_err()
                .details()
                .field
                .as_deref(),
            Some("mode")
        );
        assert_eq!(ConnectionType::TradeIfAvailable.to_string(), "trade-if-available");
    }
}
