//! SnapTrade's JSON shapes, as its OpenAPI spec and official SDKs define them, and their
//! conversion into brokerlink's public types.

use crate::account_data::AccountSync;
use crate::providers::{parse_date, parse_date_or_timestamp, parse_timestamp};
use crate::secret::Secret;
use crate::types::{Account, Broker, Connection, ConnectionStatus, Money, Permission};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(super) struct UserIdAndSecret {
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "userSecret")]
    pub user_secret: Secret,
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginRedirect {
    #[serde(rename = "redirectURI")]
    pub redirect_uri: String,
    #[serde(rename = "sessionId")]
    pub session_id: Option<Secret>,
}

/// `{"detail", "status_code", "code"}`, or the `default_*` variant some errors use.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    pub detail: Option<Value>,
    pub default_detail: Option<Value>,
    pub code: Option<Value>,
    pub default_code: Option<Value>,
}

impl ErrorBody {
    pub fn message(&self) -> Option<String> {
        self.detail.as_ref().or(self.default_detail.as_ref()).map(value_text)
    }

    pub fn code(&self) -> Option<String> {
        self.code.as_ref().or(self.default_code.as_ref()).map(value_text)
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Authorization {
    pub id: String,
    pub created_date: Option<String>,
    pub updated_date: Option<String>,
    pub brokerage: Option<Brokerage>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    pub disabled_date: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Brokerage {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub allows_trading: Option<bool>,
}

impl From<Authorization> for Connection {
    fn from(auth: Authorization) -> Self {
        let brokerage = auth.brokerage.unwrap_or(Brokerage {
            slug: None,
            name: None,
            display_name: None,
            allows_trading: None,
        });
        let slug = brokerage.slug.unwrap_or_default();
        // SnapTrade's only connection state on the wire is `disabled`; "expired" credentials
        // at the broker also surface as disabled, and reconnecting is the fix either way.
        let (status, raw_status) = if auth.disabled {
            (ConnectionStatus::Disabled, "disabled")
        } else {
            (ConnectionStatus::Active, "enabled")
        };
        Connection {
            id: auth.id,
            broker: Broker {
                name: brokerage.name.unwrap_or_else(|| slug.clone()),
                slug,
                display_name: brokerage.display_name,
                allows_trading: brokerage.allows_trading,
            },
            status,
            raw_status: raw_status.to_owned(),
            permission: match auth.kind.as_deref() {
                Some("trade") => Permission::Trade,
                _ => Permission::Read,
            },
            name: auth.name,
            created_at: auth.created_date.as_deref().and_then(parse_timestamp),
            updated_at: auth.updated_date.as_deref().and_then(parse_timestamp),
            disabled_at: auth.disabled_date.as_deref().and_then(parse_timestamp),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct WireAccount {
    pub id: String,
    pub brokerage_authorization: Option<String>,
    pub name: Option<String>,
    pub number: Option<String>,
    pub institution_name: Option<String>,
    pub created_date: Option<String>,
    pub sync_status: Option<SyncStatus>,
    pub balance: Option<Balance>,
    pub is_paper: Option<bool>,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SyncStatus {
    pub holdings: Option<SyncState>,
    pub transactions: Option<SyncState>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SyncState {
    pub initial_sync_completed: Option<bool>,
    pub last_successful_sync: Option<String>,
    pub first_transaction_date: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Balance {
    pub total: Option<Total>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Total {
    #[serde(default, deserialize_with = "crate::providers::decimal::optional")]
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
}

impl From<SyncStatus> for AccountSync {
    fn from(status: SyncStatus) -> Self {
        let done = |state: &Option<SyncState>| state.as_ref().and_then(|s| s.initial_sync_completed).unwrap_or(true);
        let at = |state: &Option<SyncState>| {
            state
                .as_ref()
                .and_then(|s| s.last_successful_sync.as_deref())
                .and_then(parse_date_or_timestamp)
        };
        AccountSync {
            holdings_ready: done(&status.holdings),
            transactions_ready: done(&status.transactions),
            holdings_synced_at: at(&status.holdings),
            transactions_synced_at: at(&status.transactions),
            first_transaction_date: status
                .transactions
                .as_ref()
                .and_then(|t| t.first_transaction_date.as_deref())
                .and_then(parse_date),
            raw_status: None,
        }
    }
}

impl From<WireAccount> for Account {
    fn from(account: WireAccount) -> Self {
        let sync = account.sync_status.map(AccountSync::from);
        let synced = sync.as_ref().is_none_or(|s| s.holdings_ready);
        Account {
            id: account.id,
            connection_id: account.brokerage_authorization,
            name: account.name,
            number: account.number,
            institution_name: account.institution_name,
            balance: account.balance.and_then(|b| b.total).and_then(|t| {
                Some(Money {
                    amount: t.amount?,
                    currency: t.currency.unwrap_or_default(),
                })
            }),
            is_paper: account.is_paper,
            raw_status: account.status,
            created_at: account.created_date.as_deref().and_then(parse_timestamp),
            synced,
            sync,
        }
    }
}
