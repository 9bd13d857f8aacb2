//! Public result types, the same for every provider.

use crate::account_data::AccountSync;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::fmt;

/// Which aggregator protocol a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    SnapTrade,
    Finatic,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [ProviderKind::SnapTrade, ProviderKind::Finatic];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::SnapTrade => "snaptrade",
            ProviderKind::Finatic => "finatic",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An end user as the aggregator knows them. SnapTrade issues `user_secret` at registration;
/// Finatic users carry no secret. `Debug` never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    pub user_id: String,
    pub user_secret: Option<Secret>,
}

impl UserCredentials {
    pub fn new(user_id: impl Into<String>, user_secret: impl Into<Secret>) -> Self {
        UserCredentials {
            user_id: user_id.into(),
            user_secret: Some(user_secret.into()),
        }
    }

    /// A user known only by id (Finatic), or whose secret the caller does not hold.
    pub fn id_only(user_id: impl Into<String>) -> Self {
        UserCredentials {
            user_id: user_id.into(),
            user_secret: None,
        }
    }
}

/// Which Finatic environment a key works in (sent as `X-Finatic-Environment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    Live,
    /// Synthetic data; `fntc_sandbox_…` keys.
    Sandbox,
}

impl Environment {
    pub const ALL: [Environment; 2] = [Environment::Live, Environment::Sandbox];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Sandbox => "sandbox",
        }
    }

    pub fn parse(value: &str) -> crate::Result<Environment> {
        Environment::ALL
            .into_iter()
            .find(|e| e.as_str() == value)
            .ok_or_else(|| {
                crate::Error::invalid_input(
                    "environment",
                    format!("unknown environment {value:?} (expected live or sandbox)"),
                )
            })
    }
}

/// Where a Finatic session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    Pending,
    Authenticating,
    /// Usable; after a portal login it also names a user.
    Active,
    Completed,
    Expired,
    Unknown,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 6] = [
        SessionStatus::Pending,
        SessionStatus::Authenticating,
        SessionStatus::Active,
        SessionStatus::Completed,
        SessionStatus::Expired,
        SessionStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Pending => "pending",
            SessionStatus::Authenticating => "authenticating",
            SessionStatus::Active => "active",
            SessionStatus::Completed => "completed",
            SessionStatus::Expired => "expired",
            SessionStatus::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> SessionStatus {
        match value {
            "pending" => SessionStatus::Pending,
            "authenticating" => SessionStatus::Authenticating,
            "active" => SessionStatus::Active,
            "completed" => SessionStatus::Completed,
            "expired" => SessionStatus::Expired,
            _ => SessionStatus::Unknown,
        }
    }
}

/// A Finatic session, started from a one-time token that brokerlink mints and spends itself
/// (the token never leaves the core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Authorises calls on its own (Finatic sends it as `X-Session-ID`): a credential, so it
    /// prints as `***`.
    pub id: Secret,
    pub company_id: String,
    pub status: SessionStatus,
    pub expires_at: Option<DateTime<Utc>>,
    /// The Finatic user, once known (started for a saved user, or after a portal login).
    pub user_id: Option<String>,
}

/// A connection's state, normalised across providers; the provider's own word stays in
/// `Connection::raw_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    Active,
    /// Connected, but the aggregator is still activating it or syncing its first data.
    Pending,
    /// Broken: needs the user to reconnect through the portal.
    Disabled,
    /// Past its lifetime or its grant; needs a new connection or reconnect.
    Expired,
    Removed,
    /// A status brokerlink does not know yet; read `raw_status`.
    Unknown,
}

impl ConnectionStatus {
    pub const ALL: [ConnectionStatus; 6] = [
        ConnectionStatus::Active,
        ConnectionStatus::Pending,
        ConnectionStatus::Disabled,
        ConnectionStatus::Expired,
        ConnectionStatus::Removed,
        ConnectionStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::Pending => "pending",
            ConnectionStatus::Disabled => "disabled",
            ConnectionStatus::Expired => "expired",
            ConnectionStatus::Removed => "removed",
            ConnectionStatus::Unknown => "unknown",
        }
    }
}

/// What the end user allowed the app to do with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    Read,
    Trade,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Permission::Read, Permission::Trade];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Trade => "trade",
        }
    }
}

/// The brokerage behind a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    /// Stable identifier: SnapTrade's slug (`ALPACA`), Finatic's broker id (`alpaca`).
    pub slug: String,
    pub name: String,
    pub display_name: Option<String>,
    pub allows_trading: Option<bool>,
}

/// One brokerage login of one user; it may hold several accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: String,
    pub broker: Broker,
    pub status: ConnectionStatus,
    /// The provider's own word for the status.
    pub raw_status: String,
    pub permission: Permission,
    pub name: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An amount of money as the provider reported it: the exact decimal it sent (with its scale:
/// `15363.230` stays three places), never a binary float.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: String,
}

/// A brokerage account behind a connection.
#[derive(Debug, Clone, PartialEq)]
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
    /// Whether the aggregator has finished its first sync of this account's holdings.
    pub synced: bool,
    /// How far the aggregator's copy of the account's data has got, where it says.
    pub sync: Option<AccountSync>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConnectionType, PortalMode, WebhookEventKind};
    use std::collections::HashSet;

    fn distinct(names: impl IntoIterator<Item = &'static str>) -> usize {
        names.into_iter().collect::<HashSet<_>>().len()
    }

    /// The `ALL` lists that bindings build their enums from hold distinct values.
    #[test]
    fn all_lists_are_distinct() {
        assert_eq!(distinct(ConnectionStatus::ALL.map(ConnectionStatus::as_str)), 6);
        assert_eq!(distinct(SessionStatus::ALL.map(SessionStatus::as_str)), 6);
        assert_eq!(distinct(Permission::ALL.map(Permission::as_str)), 2);
        assert_eq!(distinct(ProviderKind::ALL.map(ProviderKind::as_str)), 2);
        assert_eq!(distinct(ConnectionType::ALL.map(ConnectionType::as_str)), 3);
        assert_eq!(distinct(PortalMode::ALL.map(PortalMode::as_str)), 2);
        assert_eq!(distinct(WebhookEventKind::ALL.map(WebhookEventKind::as_str)), 15);
        for environment in Environment::ALL {
            assert_eq!(Environment::parse(environment.as_str()).unwrap(), environment);
        }
        assert_eq!(Environment::parse("staging").unwrap_err().field(), Some("environment"));
        for status in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(status.as_str()), status);
        }
    }
}
