//! Finatic's JSON shapes: the W envelope of the session and beta routes, the E envelope of
//! the v1 account routes, and the objects inside them.

use crate::providers::parse_timestamp;
use crate::secret::Secret;
use crate::types::{Account, Broker, Connection, ConnectionStatus, Money, Permission, Session, SessionStatus};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// `{trace_id, success: {data, meta}, error, warning}`.
#[derive(Debug, Deserialize)]
pub(super) struct Wrapped {
    pub trace_id: Option<String>,
    pub success: Option<WrappedSuccess>,
    pub error: Option<WrappedError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WrappedSuccess {
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub meta: Value,
}

#[derive(Debug, Deserialize)]
pub(super) struct WrappedError {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub category: Option<String>,
    pub code: Option<Value>,
    pub message: Option<String>,
}

/// `{traceId, data, warnings, errors: [{category, code, message}]}`.
#[derive(Debug, Deserialize)]
pub(super) struct Enveloped {
    #[serde(rename = "traceId")]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<EnvelopedError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct EnvelopedError {
    pub category: Option<String>,
    pub code: Option<Value>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OneTimeToken {
    pub one_time_token: Secret,
}

/// Set when a session was started for a user id Finatic does not know.
#[derive(Debug, Deserialize)]
pub(super) struct UserIdRejection {
    pub provided_user_id_rejected: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(super) struct StartedSession {
    pub session_id: Secret,
    pub company_id: String,
    pub status: Option<String>,
    pub expires_at: Option<String>,
    pub user_id: Option<String>,
    pub csrf_token: Option<Secret>,
}

impl StartedSession {
    pub fn to_session(&self) -> Session {
        Session {
            id: self.session_id.clone(),
            company_id: self.company_id.clone(),
            status: SessionStatus::parse(self.status.as_deref().unwrap_or_default()),
            expires_at: self.expires_at.as_deref().and_then(parse_timestamp),
            user_id: self.user_id.clone().filter(|u| !u.is_empty()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct PortalUrl {
    pub portal_url: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct SessionUser {
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct WireBroker {
    pub id: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct BrokerConnection {
    pub id: String,
    pub broker_id: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub permissions: Option<Permissions>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Permissions {
    #[serde(default)]
    pub read: bool,
    #[serde(default)]
    pub write: bool,
}

impl BrokerConnection {
    /// Finatic's status is a free string; unknown words are kept, never a decode error. A
    /// connection without read permission yet is still being activated.
    pub fn into_connection(self, broker: Option<&WireBroker>) -> Connection {
        let permissions = self.permissions.unwrap_or_default();
        let raw = self.status.clone().unwrap_or_default();
        let status = match raw.to_ascii_lowercase().as_str() {
            "active" | "connected" if permissions.read => ConnectionStatus::Active,
            "active" | "connected" | "pending" | "pending_activation" | "syncing" | "" => ConnectionStatus::Pending,
            "expired" | "reauth_required" | "revoked" => ConnectionStatus::Expired,
            "error" | "inactive" | "disabled" => ConnectionStatus::Disabled,
            "removed" | "deleted" | "disconnected" => ConnectionStatus::Removed,
            _ => ConnectionStatus::Unknown,
        };
        let slug = self.broker_id.unwrap_or_default();
        Connection {
            id: self.id,
            broker: Broker {
                name: broker.and_then(|b| b.name.clone()).unwrap_or_else(|| slug.clone()),
                display_name: broker.and_then(|b| b.display_name.clone()),
                allows_trading: broker.map(|b| b.features.iter().any(|f| f == "trading")),
                slug,
            },
            status,
            raw_status: raw,
            permission: if permissions.write {
                Permission::Trade
            } else {
                Permission::Read
            },
            name: None,
            created_at: self.created_at.as_deref().and_then(parse_timestamp),
            updated_at: self.updated_at.as_deref().and_then(parse_timestamp),
            disabled_at: None,
        }
    }
}

/// An account from `GET /api/beta/brokers/data/accounts` (camelCase).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireAccount {
    pub id: String,
    pub account_number: Option<String>,
    pub account_name: Option<String>,
    pub account_status: Option<String>,
    pub connection_id: Option<String>,
    pub broker_name: Option<String>,
    #[serde(default, deserialize_with = "crate::providers::decimal::optional")]
    pub balance: Option<Decimal>,
    pub currency: Option<String>,
    pub created_at: Option<String>,
    pub is_paper: Option<bool>,
    pub sync_status: Option<String>,
}

impl From<WireAccount> for Account {
    fn from(a: WireAccount) -> Self {
        Account {
            id: a.id,
            connection_id: a.connection_id,
            name: a.account_name,
            number: a.account_number,
            institution_name: a.broker_name,
            balance: a.balance.map(|amount| Money {
                amount,
                currency: a.currency.unwrap_or_default(),
            }),
            is_paper: a.is_paper,
            raw_status: a.account_status,
            created_at: a.created_at.as_deref().and_then(parse_timestamp),
            synced: a.sync_status.as_deref() != Some("syncing"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Pagination {
    #[serde(default)]
    pub has_more: bool,
    pub next_offset: Option<u64>,
}
