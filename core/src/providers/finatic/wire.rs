//! Finatic's JSON shapes: the W envelope and the E envelope of its errors, and the objects
//! inside them (v1 sessions, accounts, account grants and sync status; the beta broker list).

use crate::providers::parse_timestamp;
use crate::secret::Secret;
use crate::subscriptions::{WebhookEventType, WebhookSubscription, WebhookSubscriptionStatus};
use crate::types::{Account, Broker, Connection, ConnectionStatus, Money, Permission, Session, SessionStatus};
use chrono::Utc;
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

/// Finatic's status is a free string; unknown words are kept, never a decode error. Without
/// read access yet, an active word still means activation is under way.
fn status_from_word(raw: &str, can_read: bool) -> ConnectionStatus {
    match raw.to_ascii_lowercase().as_str() {
        "active" | "connected" if can_read => ConnectionStatus::Active,
        "active" | "connected" | "pending" | "pending_activation" | "syncing" | "" => ConnectionStatus::Pending,
        "expired" | "reauth_required" => ConnectionStatus::Expired,
        "error" | "inactive" | "disabled" => ConnectionStatus::Disabled,
        "revoked" | "removed" | "deleted" | "disconnected" => ConnectionStatus::Removed,
        _ => ConnectionStatus::Unknown,
    }
}

/// The broker of a connection, named from Finatic's catalogue when it has the id.
fn broker_of(broker_id: String, catalogue: Option<&WireBroker>) -> Broker {
    Broker {
        name: catalogue
            .and_then(|b| b.name.clone())
            .unwrap_or_else(|| broker_id.clone()),
        display_name: catalogue.and_then(|b| b.display_name.clone()),
        allows_trading: catalogue.map(|b| b.features.iter().any(|f| f == "trading")),
        slug: broker_id,
    }
}

/// An account grant from `/api/v1/account-grants` (the spec's `FDXAccountGrant`): one broker
/// account a user shared with the company, which is what brokerlink calls a Finatic connection.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountGrant {
    pub id: String,
    pub broker_account_id: String,
    pub broker_id: String,
    pub status: String,
    pub can_read: bool,
    pub can_trade: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl AccountGrant {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// A revoked grant is a removed connection and one past its `expiresAt` an expired one,
    /// whatever its status word says.
    pub fn into_connection(self, catalogue: Option<&WireBroker>) -> Connection {
        let revoked_at = self.revoked_at.as_deref().and_then(parse_timestamp);
        let expired = self
            .expires_at
            .as_deref()
            .and_then(parse_timestamp)
            .is_some_and(|at| at <= Utc::now());
        let status = if self.revoked_at.is_some() {
            ConnectionStatus::Removed
        } else if expired {
            ConnectionStatus::Expired
        } else {
            status_from_word(&self.status, self.can_read)
        };
        Connection {
            id: self.id,
            broker: broker_of(self.broker_id, catalogue),
            status,
            raw_status: self.status,
            permission: if self.can_trade {
                Permission::Trade
            } else {
                Permission::Read
            },
            name: None,
            created_at: self.created_at.as_deref().and_then(parse_timestamp),
            updated_at: self.updated_at.as_deref().and_then(parse_timestamp),
            disabled_at: revoked_at,
        }
    }
}

/// `GET /api/v1/sessions/{id}/sync-status`: each selected account's readiness.
#[derive(Debug, Deserialize)]
pub(super) struct SyncStatus {
    #[serde(default)]
    pub accounts: Vec<AccountSync>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountSync {
    pub account_id: Option<String>,
    pub sync_status: String,
}

/// An account from `GET /api/v1/accounts` (camelCase; the spec leaves it untyped, so every
/// field but the id is optional).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireAccount {
    pub id: String,
    pub account_number: Option<String>,
    pub account_name: Option<String>,
    pub account_status: Option<String>,
    /// The account grant that shares it: brokerlink's connection id.
    pub grant_id: Option<String>,
    pub broker_name: Option<String>,
    #[serde(default, deserialize_with = "crate::providers::decimal::optional")]
    pub balance: Option<Decimal>,
    pub currency: Option<String>,
    pub created_at: Option<String>,
    pub is_paper: Option<bool>,
    pub sync_status: Option<String>,
    pub last_synced_at: Option<String>,
}

impl From<WireAccount> for Account {
    fn from(a: WireAccount) -> Self {
        Account {
            id: a.id,
            connection_id: a.grant_id,
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
            // v1's `ready` (or beta's `synced`); `syncing`, `failed` and `reauth_required` are
            // not, and an account without a word has nothing pending.
            synced: matches!(a.sync_status.as_deref(), None | Some("ready" | "synced")),
            sync: a.sync_status.map(|status| {
                // Finatic syncs an account's data as one: holdings and history are ready together.
                let ready = matches!(status.as_str(), "ready" | "synced");
                let at = a.last_synced_at.as_deref().and_then(parse_timestamp);
                crate::account_data::AccountSync {
                    holdings_ready: ready,
                    transactions_ready: ready,
                    holdings_synced_at: at,
                    transactions_synced_at: at,
                    first_transaction_date: None,
                    raw_status: Some(status),
                }
            }),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Pagination {
    #[serde(default)]
    pub has_more: bool,
    pub next_offset: Option<u64>,
}

/// The spec's `FDXWebhookEventDefinition`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EventDefinition {
    pub event_type: String,
    pub category: Option<String>,
    pub description: Option<String>,
}

impl From<EventDefinition> for WebhookEventType {
    fn from(d: EventDefinition) -> Self {
        WebhookEventType {
            category: d
                .category
                .unwrap_or_else(|| d.event_type.split('.').next().unwrap_or_default().to_owned()),
            event_type: d.event_type,
            description: d.description,
        }
    }
}

/// The spec's `FDXWebhookSubscription`, and the `secret` the create answer adds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Subscription {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub event_types: Vec<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub secret: Option<String>,
}

impl From<Subscription> for WebhookSubscription {
    fn from(s: Subscription) -> Self {
        let raw_status = s.status.unwrap_or_default();
        WebhookSubscription {
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            status: WebhookSubscriptionStatus::parse(&raw_status),
            raw_status,
            description: s.description,
            created_at: s.created_at.as_deref().and_then(parse_timestamp),
            updated_at: s.updated_at.as_deref().and_then(parse_timestamp),
            secret: s.secret.map(Secret::new),
        }
    }
}
