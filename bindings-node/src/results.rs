//! What comes back from the aggregator, as plain objects converted from the core's types:
//! brokers, connections, accounts, money, portal results.

use crate::types::inspect_as;
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{FromNapiValue, Object, ToNapiValue};
use napi::Env;
use napi_derive::napi;

#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Broker {
    /// SnapTrade's slug (`ALPACA`) or Finatic's broker id (`alpaca`).
    pub slug: String,
    pub name: String,
    pub display_name: Option<String>,
    pub allows_trading: Option<bool>,
}

/// One brokerage login of one user.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub broker: Broker,
    #[napi(ts_type = "ConnectionStatus")]
    pub status: String,
    /// The provider's own word for the status.
    pub raw_status: String,
    #[napi(ts_type = "Permission")]
    pub permission: String,
    pub name: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

// The conversions below destructure the core's types field by field (no `..`), so a field added
// in the core fails this build until JavaScript gets it too.
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
            status: status.as_str().to_owned(),
            raw_status,
            permission: permission.as_str().to_owned(),
            name,
            created_at,
            updated_at,
            disabled_at,
        }
    }
}

/// An amount of money as the provider reported it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Money {
    /// An exact decimal literal (`"15363.23"`), never a binary float: hand it to a decimal
    /// library, not to `Number`, before doing arithmetic.
    pub amount: String,
    pub currency: String,
}

/// A brokerage account behind a connection.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
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
    pub created_at: Option<DateTime<Utc>>,
    /// Whether the aggregator has finished its first sync of this account.
    pub synced: bool,
}

impl From<brokerlink::Money> for Money {
    fn from(m: brokerlink::Money) -> Self {
        let brokerlink::Money { amount, currency } = m;
        Money {
            amount: amount.to_string(),
            currency,
        }
    }
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
            created_at,
            synced,
        }
    }
}

/// What the portal reported, discriminated by `type`.
#[napi(discriminant = "type", discriminant_case = "lowercase", use_nullable = true)]
#[derive(Debug, Clone)]
pub enum PortalResult {
    Success {
        connection_id: Option<String>,
        user_id: Option<String>,
    },
    Error {
        code: String,
        message: Option<String>,
        status_code: Option<u32>,
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
        match r {
            brokerlink::PortalResult::Success { connection_id, user_id } => {
                PortalResult::Success { connection_id, user_id }
            }
            brokerlink::PortalResult::Error {
                code,
                message,
                status_code,
            } => PortalResult::Error {
                code,
                message,
                status_code: status_code.map(u32::from),
            },
            brokerlink::PortalResult::Closed => PortalResult::Closed,
            brokerlink::PortalResult::Abandoned => PortalResult::Abandoned,
            brokerlink::PortalResult::Resize { height } => PortalResult::Resize { height },
        }
    }
}

/// Parses a portal redirect URL (or its query), a window message as JSON, or a legacy
/// message string.
#[napi]
pub fn parse_portal_result(env: Env, input: String) -> napi::Result<PortalResult> {
    crate::error::sync(&env, || brokerlink::parse_portal_result(&input).map(PortalResult::from))
}

/// One event type a provider can send to a webhook subscription.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
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
/// its deliveries: `util.inspect` shows it as `***`.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    #[napi(ts_type = "WebhookSubscriptionStatus")]
    pub status: String,
    /// The provider's own word for the status.
    pub raw_status: String,
    pub description: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub secret: Option<String>,
}

/// The subscription as a plain object whose `util.inspect` form hides the secret.
pub(crate) fn subscription_to_js(env: &Env, s: brokerlink::WebhookSubscription) -> napi::Result<Object<'_>> {
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
    let value = WebhookSubscription {
        id,
        url,
        event_types,
        status: status.as_str().to_owned(),
        raw_status,
        description,
        created_at,
        updated_at,
        secret: secret.map(|s| s.expose().to_owned()),
    };
    let shown = WebhookSubscription {
        secret: value.secret.as_ref().map(|_| "***".to_owned()),
        ..value.clone()
    };
    let mut object = Object::from_unknown(value.into_unknown(env)?)?;
    inspect_as(env, &mut object, shown)?;
    Ok(object)
}
