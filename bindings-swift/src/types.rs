//! What callers hand to the client: users, sessions and options, as thin views of the core's
//! types. The three that carry credentials, `UserCredentials`, `PortalLink` and `Session`, are
//! objects (not records) so that neither Kotlin's data-class `toString()` nor Swift's
//! reflection can print them: their `toString()` / `description` is the core's redacted form.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// An end user. SnapTrade issues `userSecret()` at registration: store it. `toString()` /
/// `description` shows it as `***`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Display, Debug, Eq)]
pub struct UserCredentials {
    pub(crate) inner: brokerlink::UserCredentials,
}

impl UserCredentials {
    pub(crate) fn wrap(inner: brokerlink::UserCredentials) -> Arc<Self> {
        Arc::new(UserCredentials { inner })
    }
}

#[uniffi::export]
impl UserCredentials {
    /// A user from stored values; `user_secret` is absent for Finatic users.
    #[uniffi::constructor(default(user_secret = None))]
    pub fn new(user_id: String, user_secret: Option<String>) -> Arc<Self> {
        let inner = match user_secret {
            Some(secret) => brokerlink::UserCredentials::new(user_id, secret),
            None => brokerlink::UserCredentials::id_only(user_id),
        };
        Arc::new(UserCredentials { inner })
    }

    pub fn user_id(&self) -> String {
        self.inner.user_id.clone()
    }

    /// The secret itself, for storing it; never logged or printed by brokerlink.
    pub fn user_secret(&self) -> Option<String> {
        self.inner.user_secret.as_ref().map(|s| s.expose().to_owned())
    }
}

impl fmt::Display for UserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.inner.user_secret.is_some() {
            "***"
        } else {
            "null"
        };
        write!(
            f,
            "UserCredentials(userId={:?}, userSecret={secret})",
            self.inner.user_id
        )
    }
}

/// A connection-portal link. `url()` logs the user in: treat it as a secret (`toString()` /
/// `description` hide its token).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Display, Debug, Eq)]
pub struct PortalLink {
    inner: brokerlink::PortalLink,
}

impl PortalLink {
    pub(crate) fn wrap(inner: brokerlink::PortalLink) -> Arc<Self> {
        Arc::new(PortalLink { inner })
    }
}

#[uniffi::export]
impl PortalLink {
    /// The link to send the end user to (it carries a one-time token).
    pub fn url(&self) -> String {
        self.inner.url.clone()
    }

    /// The portal session; it authorises Finatic calls on its own.
    pub fn session_id(&self) -> String {
        self.inner.session_id.expose().to_owned()
    }

    pub fn expires_at(&self) -> SystemTime {
        self.inner.expires_at.into()
    }
}

impl fmt::Display for PortalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PortalLink(url={:?}, sessionId=***, expiresAt={})",
            brokerlink::redact_link(&self.inner.url),
            self.inner.expires_at.to_rfc3339()
        )
    }
}

/// Where a Finatic session is in its life; `toString()` / `description` is the core's string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum SessionStatus {
    Pending,
    Authenticating,
    Active,
    Completed,
    Expired,
    Unknown,
}

impl From<brokerlink::SessionStatus> for SessionStatus {
    fn from(s: brokerlink::SessionStatus) -> Self {
        use brokerlink::SessionStatus as S;
        match s {
            S::Pending => SessionStatus::Pending,
            S::Authenticating => SessionStatus::Authenticating,
            S::Active => SessionStatus::Active,
            S::Completed => SessionStatus::Completed,
            S::Expired => SessionStatus::Expired,
            S::Unknown => SessionStatus::Unknown,
        }
    }
}

impl From<SessionStatus> for brokerlink::SessionStatus {
    fn from(s: SessionStatus) -> Self {
        use brokerlink::SessionStatus as S;
        match s {
            SessionStatus::Pending => S::Pending,
            SessionStatus::Authenticating => S::Authenticating,
            SessionStatus::Active => S::Active,
            SessionStatus::Completed => S::Completed,
            SessionStatus::Expired => S::Expired,
            SessionStatus::Unknown => S::Unknown,
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(brokerlink::SessionStatus::from(*self).as_str())
    }
}

/// A session status from its stored string (`active`, …); unknown words give `UNKNOWN`.
#[uniffi::export]
pub fn parse_session_status(value: String) -> SessionStatus {
    brokerlink::SessionStatus::parse(&value).into()
}

/// A Finatic session; pass it back as received (or rebuilt from stored values). Its `id()`
/// authorises calls on its own: `toString()` / `description` shows it as `***`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Display, Debug, Eq)]
pub struct Session {
    pub(crate) inner: brokerlink::Session,
}

impl Session {
    pub(crate) fn wrap(inner: brokerlink::Session) -> Arc<Self> {
        Arc::new(Session { inner })
    }
}

#[uniffi::export]
impl Session {
    /// A session from stored values.
    #[uniffi::constructor(default(expires_at = None, user_id = None))]
    pub fn new(
        id: String,
        company_id: String,
        status: SessionStatus,
        expires_at: Option<SystemTime>,
        user_id: Option<String>,
    ) -> Arc<Self> {
        Session::wrap(brokerlink::Session {
            id: id.into(),
            company_id,
            status: status.into(),
            expires_at: expires_at.map(Into::into),
            user_id,
        })
    }

    pub fn id(&self) -> String {
        self.inner.id.expose().to_owned()
    }

    pub fn company_id(&self) -> String {
        self.inner.company_id.clone()
    }

    pub fn status(&self) -> SessionStatus {
        self.inner.status.into()
    }

    pub fn expires_at(&self) -> Option<SystemTime> {
        self.inner.expires_at.map(SystemTime::from)
    }

    /// The Finatic user, once known.
    pub fn user_id(&self) -> Option<String> {
        self.inner.user_id.clone()
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Session(id=***, companyId={:?}, status={}, expiresAt={}, userId={:?})",
            self.inner.company_id,
            self.inner.status.as_str(),
            self.inner.expires_at.map_or("null".to_owned(), |t| t.to_rfc3339()),
            self.inner.user_id
        )
    }
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

mirror_enum! {
    /// What a connection may do: read only, trade, or trade where the broker allows it.
    ConnectionType => brokerlink::ConnectionType {
        Read,
        Trade,
        /// Trade where the broker allows it, read otherwise.
        TradeIfAvailable,
    }
}

mirror_enum! {
    /// The portal's colour scheme.
    PortalMode => brokerlink::PortalMode { Light, Dark }
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

    #[test]
    fn credentials_print_without_their_secret() {
        let user = UserCredentials::new("alice".into(), Some("s3cr3t-value".into()));
        let shown = format!("{user} {user:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("***"));
        assert_eq!(user.user_secret().as_deref(), Some("s3cr3t-value"));
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
