//! Public result types, the same for every provider.

use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::fmt;

/// Which aggregator protocol a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    SnapTrade,
    Finatic,
}

impl ProviderKind {
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
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Sandbox => "sandbox",
        }
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
    pub id: String,
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
    pub raw_status: String,
    pub permission: Permission,
    pub name: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An amount of money as the provider reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub amount: f64,
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
}
