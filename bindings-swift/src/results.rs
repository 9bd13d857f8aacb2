//! What comes back from the aggregator, as records and enums converted from the core's types.
//! Each enum's `toString()` / `description` is the core's stable string (`active`, `read`, …).

use crate::error::{guard, Result};
use crate::types::Secret;
use brokerlink::Decimal;
use std::time::SystemTime;

// Money crosses as its exact decimal text; `uniffi.toml` maps it to `java.math.BigDecimal` and
// Foundation's `Decimal`.
uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |amount| amount.to_string(),
    try_lift: |text| Ok(Decimal::from_str_exact(&text)?),
});

/// Which aggregator protocol a client speaks. Written out rather than mirrored: the core's
/// `SnapTrade` would be Kotlin's `SNAP_TRADE`, where the stable string is `snaptrade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum ProviderKind {
    Snaptrade,
    Finatic,
}

impl From<brokerlink::ProviderKind> for ProviderKind {
    fn from(value: brokerlink::ProviderKind) -> Self {
        match value {
            brokerlink::ProviderKind::SnapTrade => ProviderKind::Snaptrade,
            brokerlink::ProviderKind::Finatic => ProviderKind::Finatic,
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let core = match self {
            ProviderKind::Snaptrade => brokerlink::ProviderKind::SnapTrade,
            ProviderKind::Finatic => brokerlink::ProviderKind::Finatic,
        };
        f.write_str(core.as_str())
    }
}

mirror_enum! {
    /// A connection's state, normalised across providers (the provider's word is `rawStatus`).
    ConnectionStatus => brokerlink::ConnectionStatus {
        Active,
        /// Connected, but still activating or syncing its first data.
        Pending,
        /// Broken: the user must reconnect through the portal.
        Disabled,
        Expired,
        Removed,
        /// A status brokerlink does not know yet; read `rawStatus`.
        Unknown,
    }
}

mirror_enum! {
    /// What the end user allowed the app to do with a connection.
    Permission => brokerlink::Permission { Read, Trade }
}

mirror_enum! {
    /// Which Finatic environment a key works in (default: `sandbox` for `fntc_sandbox_…` keys).
    Environment => brokerlink::Environment { Live, Sandbox }
}

/// The brokerage behind a connection.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Broker {
    /// SnapTrade's slug (`ALPACA`) or Finatic's broker id (`alpaca`).
    pub slug: String,
    pub name: String,
    pub display_name: Option<String>,
    pub allows_trading: Option<bool>,
}

/// One brokerage login of one user; it may hold several accounts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Connection {
    pub id: String,
    pub broker: Broker,
    pub status: ConnectionStatus,
    /// The provider's own word for the status.
    pub raw_status: String,
    pub permission: Permission,
    pub name: Option<String>,
    pub created_at: Option<SystemTime>,
    pub updated_at: Option<SystemTime>,
    pub disabled_at: Option<SystemTime>,
}

// The conversions destructure the core's types field by field (no `..`), so a field added in
// the core fails this build until Kotlin and Swift get it too.
impl From<brokerlink::Broker> for Broker {
    fn from(b: brokerlink::Broker) -> Self {
        let brokerlink::Broker {
            slug,
            name,
            display_name,
            allows_trading,
        } = b;
        Broker {
            slug,
            name,
            display_name,
            allows_trading,
        }
    }
}

impl From<brokerlink::Money> for Money {
    fn from(m: brokerlink::Money) -> Self {
        let brokerlink::Money { amount, currency } = m;
        Money { amount, currency }
    }
}

impl From<brokerlink::Connection> for Connection {
    fn from(c: brokerlink::Connection) -> Self {
        let brokerlink::Connection {
            id,
            broker,
            status,
            raw_status,
            permission,
            name,
            created_at,
            updated_at,
            disabled_at,
        } = c;
        Connection {
            id,
            broker: broker.into(),
            status: status.into(),
            raw_status,
            permission: permission.into(),
            name,
            created_at: created_at.map(SystemTime::from),
            updated_at: updated_at.map(SystemTime::from),
            disabled_at: disabled_at.map(SystemTime::from),
        }
    }
}

/// An amount of money as the provider reported it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Money {
    /// Exact: `BigDecimal` in Kotlin, `Decimal` in Swift.
    pub amount: Decimal,
    pub currency: String,
}

/// A brokerage account behind a connection.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Account {
    pub id: String,
    pub connection_id: Option<String>,
    pub name: Option<String>,
    /// As the broker shows it; often masked.
    pub number: Option<String>,
    pub institution_name: Option<String>,
    pub balance: Option<Money>,
    pub is_paper: Option<bool>,
    pub raw_status: Option<String>,
    pub created_at: Option<SystemTime>,
    /// Whether the aggregator has finished its first sync of this account.
    pub synced: bool,
}

impl From<brokerlink::Account> for Account {
    fn from(a: brokerlink::Account) -> Self {
        let brokerlink::Account {
            id,
            connection_id,
            name,
            number,
            institution_name,
            balance,
            is_paper,
            raw_status,
            created_at,
            synced,
        } = a;
        Account {
            id,
            connection_id,
            name,
            number,
            institution_name,
            balance: balance.map(Money::from),
            is_paper,
            raw_status,
            created_at: created_at.map(SystemTime::from),
            synced,
        }
    }
}

/// What the portal reported when the end user finished.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
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

impl From<brokerlink::PortalResult> for PortalResult {
    fn from(r: brokerlink::PortalResult) -> Self {
        use brokerlink::PortalResult as R;
        match r {
            R::Success { connection_id, user_id } => PortalResult::Success { connection_id, user_id },
            R::Error {
                code,
                message,
                status_code,
            } => PortalResult::Error {
                code,
                message,
                status_code,
            },
            R::Closed => PortalResult::Closed,
            R::Abandoned => PortalResult::Abandoned,
            R::Resize { height } => PortalResult::Resize { height },
        }
    }
}

/// Parses a portal redirect URL (or its query), a window message as JSON, or a legacy
/// message string.
#[uniffi::export]
pub fn parse_portal_result(input: String) -> Result<PortalResult> {
    guard(|| brokerlink::parse_portal_result(&input).map(PortalResult::from))
}
mirror_enum! {
    /// Whether a webhook subscription is delivered to (the provider's word is `rawStatus`).
    WebhookSubscriptionStatus => brokerlink::WebhookSubscriptionStatus {
        Active,
        /// Paused: kept, not delivered to, can be enabled again.
        Disabled,
        /// Ended for good.
        Revoked,
        /// A status brokerlink does not know yet; read `rawStatus`.
        Unknown,
    }
}

/// One event type a provider can send to a webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebhookEventType {
    pub event_type: String,
    pub category: String,
    pub description: Option<String>,
}

impl From<brokerlink::WebhookEventType> for WebhookEventType {
    fn from(t: brokerlink::WebhookEventType) -> Self {
        let brokerlink::WebhookEventType {
            event_type,
            category,
            description,
        } = t;
        WebhookEventType {
            event_type,
            category,
            description,
        }
    }
}

/// A URL that receives the provider's webhook events. `secret` (sent once, on creation) signs
/// its deliveries and prints as `***`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub status: WebhookSubscriptionStatus,
    pub raw_status: String,
    pub description: Option<String>,
    pub created_at: Option<SystemTime>,
    pub updated_at: Option<SystemTime>,
    pub secret: Option<Secret>,
}

impl From<brokerlink::WebhookSubscription> for WebhookSubscription {
    fn from(s: brokerlink::WebhookSubscription) -> Self {
        let brokerlink::WebhookSubscription {
            id,
            url,
            event_types,
            status,
            raw_status,
            description,
            created_at,
            updated_at,
            secret,
        } = s;
        WebhookSubscription {
            id,
            url,
            event_types,
            status: status.into(),
            raw_status,
            description,
            created_at: created_at.map(SystemTime::from),
            updated_at: updated_at.map(SystemTime::from),
            secret: secret.map(Secret::from),
        }
    }
}
