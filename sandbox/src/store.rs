//! The sandbox's in-memory state: users with their connections and accounts, portal sessions,
//! and counters. Sharded maps, so requests for different users never wait on each other.

use crate::brokers::SimBroker;
use crate::config::SandboxConfig;
use crate::faults::Faults;
use crate::portfolio::Portfolio;
use crate::ratelimit::RateLimiter;
use crate::webhooks::{Happening, Webhooks};
use chrono::{DateTime, Utc};
use dashmap::DashMap;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which protocol a portal session reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    SnapTrade,
    Finatic,
}

#[derive(Debug)]
pub struct UserRecord {
    pub user_id: String,
    /// The face that created the user; each face sees only its own users.
    pub protocol: Protocol,
    /// SnapTrade's user secret; empty for Finatic users.
    pub secret: String,
    pub connections: Vec<SimConnection>,
}

/// A connection's lifecycle as the sandbox tracks it; providers render it their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SimStatus {
    Active,
    Pending,
    Disabled,
    Expired,
    Removed,
}

impl SimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SimStatus::Active => "active",
            SimStatus::Pending => "pending",
            SimStatus::Disabled => "disabled",
            SimStatus::Expired => "expired",
            SimStatus::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimConnection {
    pub id: String,
    pub user_id: String,
    pub broker: &'static SimBroker,
    pub trade: bool,
    /// The broker username that made it, for de-duplication and reconnect checks.
    pub login: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub expired: bool,
    /// Still activating until then (`user_pending`).
    pub pending_until: Option<Instant>,
    /// Breaks by itself at that moment (`user_expiring`).
    pub disable_at: Option<Instant>,
    /// Whether breaking by itself means expired (Finatic) rather than disabled (SnapTrade).
    pub breaks_as_expired: bool,
    pub last_refresh: Option<Instant>,
    pub accounts: Vec<SimAccount>,
}

#[derive(Debug, Clone)]
pub struct SimAccount {
    pub id: String,
    pub name: String,
    pub number: String,
    /// The account's total value in its broker's currency; its holdings are in
    /// `Store::portfolios` (kept apart so that a user's connections stay cheap to copy).
    pub balance: Decimal,
    pub created_at: DateTime<Utc>,
    /// The Finatic account grant that shares this account with the company.
    pub grant: SimGrant,
}

/// A Finatic account grant (the spec's `FDXAccountGrant`). A connection's first account's
/// grant has the connection's own id, so the admin API and a completion's `connection_id`
/// name a grant the v1 routes know.
#[derive(Debug, Clone)]
pub struct SimGrant {
    pub id: String,
    /// `None` follows the connection (readable once active; trading as granted in the portal).
    pub can_read: Option<bool>,
    pub can_trade: Option<bool>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl SimGrant {
    pub fn new(id: String, at: DateTime<Utc>) -> Self {
        SimGrant {
            id,
            can_read: None,
            can_trade: None,
            expires_at: None,
            revoked_at: None,
            updated_at: at,
        }
    }

    pub fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= Utc::now())
    }

    /// Shares data: neither revoked nor past its expiry.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none() && !self.is_expired()
    }
}

impl SimConnection {
    /// Applies the time-driven transitions that are due; `Store::settle` calls it before
    /// every read and on a timer, and announces what changed.
    fn settle(&mut self, now: Instant) -> Vec<Happening> {
        let mut changes = Vec::new();
        if self.pending_until.is_some_and(|t| t <= now) {
            self.pending_until = None;
            self.updated_at = Utc::now();
            changes.push(Happening::Activated);
        }
        if self.disable_at.is_some_and(|t| t <= now) {
            changes.push(Happening::Broken);
            self.disable_at = None;
            self.disabled = !self.breaks_as_expired;
            self.expired = self.breaks_as_expired;
            self.disabled_at = Some(Utc::now());
            self.updated_at = Utc::now();
        }
        changes
    }

    pub fn status(&self) -> SimStatus {
        if self.expired {
            SimStatus::Expired
        } else if self.disabled {
            SimStatus::Disabled
        } else if self.pending_until.is_some() {
            SimStatus::Pending
        } else {
            SimStatus::Active
        }
    }

    pub fn is_pending(&self) -> bool {
        self.pending_until.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub struct PortalOptions {
    pub broker: Option<String>,
    pub connection_type: Option<String>,
    pub dark_mode: Option<bool>,
    pub locale: Option<String>,
    pub custom_redirect: Option<String>,
    pub immediate_redirect: bool,
    pub reconnect: Option<String>,
    pub show_close_button: bool,
    pub email: Option<String>,
    pub brokers_filter: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct PendingMfa {
    pub broker: &'static SimBroker,
    pub username: String,
    pub trade: bool,
}

#[derive(Debug, Clone)]
pub struct PortalSession {
    /// The Finatic API session this link came from, told when the login succeeds.
    pub api_session: Option<String>,
    pub session_id: String,
    pub protocol: Protocol,
    /// Empty for a Finatic session whose user will be created by the portal login.
    pub user_id: String,
    pub options: PortalOptions,
    pub expires: Instant,
    pub expires_at: DateTime<Utc>,
    pub spent: bool,
    pub mfa: Option<PendingMfa>,
}

impl PortalSession {
    pub fn new(protocol: Protocol, user_id: String, options: PortalOptions, lifetime: Duration) -> Self {
        let now = Instant::now();
        PortalSession {
            api_session: None,
            session_id: uuid::Uuid::new_v4().to_string(),
            protocol,
            user_id,
            options,
            expires: now + lifetime,
            expires_at: Utc::now() + lifetime,
            spent: false,
            mfa: None,
        }
    }
}

/// A Finatic one-time token: single use, short-lived.
#[derive(Debug, Clone)]
pub struct OneTimeToken {
    pub expires: Instant,
    pub used: bool,
}

/// A Finatic API session (distinct from the portal link it hands out).
#[derive(Debug, Clone)]
pub struct FinaticSession {
    pub id: String,
    pub status: &'static str,
    pub user_id: Option<String>,
    pub csrf_token: String,
    pub expires: Instant,
    pub expires_at: DateTime<Utc>,
}

impl FinaticSession {
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.expires
    }
}

#[derive(Debug)]
pub struct Store {
    pub config: SandboxConfig,
    pub users: DashMap<String, UserRecord>,
    /// Portal sessions by their single-use link token.
    pub portal_sessions: DashMap<String, PortalSession>,
    /// Which user owns a connection, for the admin API.
    pub connection_owner: DashMap<String, String>,
    pub one_time_tokens: DashMap<String, OneTimeToken>,
    pub finatic_sessions: DashMap<String, FinaticSession>,
    /// The one company every Finatic session of this sandbox belongs to.
    pub company_id: String,
    /// The SnapTrade Personal user the personal key acts as (a UUID, as SnapTrade's are).
    pub personal_user_id: String,
    /// Never sent to anyone: requests signed with the personal key are handed to the SnapTrade
    /// face as if they named this user, so every route serves both kinds of key.
    pub personal_user_secret: String,
    /// SnapTrade Personal users (the personal key's, and OAuth sign-ins): none is a partner's
    /// user, so `listUsers` shows none of them.
    pub personal_users: dashmap::DashSet<String>,
    /// SnapTrade's OAuth apps: codes, tokens, the signing key.
    pub oauth: crate::oauth::OAuthState,
    pub faults: Faults,
    pub webhooks: Webhooks,
    pub sinks: crate::sink::Sinks,
    pub rate_limiter: RateLimiter,
    /// SnapTrade's account-level bucket, shared by every data call on one account.
    pub account_rate_limiter: RateLimiter,
    /// Each account's holdings and history, by account id.
    /// Shared, not copied, by every request that reads one (a long history is thousands of
    /// rows); a refresh changes its own copy (`Arc::make_mut`).
    pub portfolios: DashMap<String, Arc<Portfolio>>,
    requests_served: AtomicU64,
    requests_throttled: AtomicU64,
}

#[derive(Debug, Serialize)]
pub struct StateCounts {
    pub users: usize,
    pub sessions: usize,
    pub connections: usize,
    pub accounts: usize,
    pub faults: usize,
    pub requests_served: u64,
    /// Requests refused with 429 by a rate limit (either bucket).
    pub requests_throttled: u64,
}

impl Store {
    pub fn new(config: SandboxConfig) -> Self {
        let store = Store {
            rate_limiter: RateLimiter::new(config.rate_limit_per_minute, config.rate_limit_window),
            account_rate_limiter: RateLimiter::new(config.account_rate_limit_per_minute, config.rate_limit_window),
            config,
            users: DashMap::new(),
            portal_sessions: DashMap::new(),
            connection_owner: DashMap::new(),
            one_time_tokens: DashMap::new(),
            finatic_sessions: DashMap::new(),
            company_id: uuid::Uuid::new_v4().to_string(),
            personal_user_id: uuid::Uuid::new_v4().to_string(),
            personal_user_secret: uuid::Uuid::new_v4().to_string(),
            personal_users: dashmap::DashSet::new(),
            oauth: crate::oauth::OAuthState::default(),
            faults: Faults::default(),
            webhooks: Webhooks::default(),
            sinks: Default::default(),
            portfolios: DashMap::new(),
            requests_served: AtomicU64::new(0),
            requests_throttled: AtomicU64::new(0),
        };
        store.add_personal_user();
        store
    }

    /// The personal key's user exists from the start, and again after a reset.
    fn add_personal_user(&self) {
        self.personal_users.insert(self.personal_user_id.clone());
        self.users.insert(
            self.personal_user_id.clone(),
            UserRecord {
                user_id: self.personal_user_id.clone(),
                protocol: Protocol::SnapTrade,
                secret: self.personal_user_secret.clone(),
                connections: Vec::new(),
            },
        );
    }

    pub fn count_request(&self) {
        self.requests_served.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_throttled(&self) {
        self.requests_throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// An OAuth sign-in's Personal user: made at the first sign-in, kept after.
    pub fn ensure_oauth_user(&self, user_id: &str) {
        self.personal_users.insert(user_id.to_owned());
        self.users.entry(user_id.to_owned()).or_insert_with(|| UserRecord {
            user_id: user_id.to_owned(),
            protocol: Protocol::SnapTrade,
            // Never sent: Bearer requests are handed on as if they named this user.
            secret: uuid::Uuid::new_v4().to_string(),
            connections: Vec::new(),
        });
    }

    /// Empties users, sessions, connections and faults; keeps credentials and configuration.
    pub fn reset(&self) {
        self.users.clear();
        self.personal_users.clear();
        self.oauth.clear();
        self.portal_sessions.clear();
        self.connection_owner.clear();
        self.one_time_tokens.clear();
        self.finatic_sessions.clear();
        self.faults.clear();
        self.webhooks.clear();
        self.sinks.clear();
        self.rate_limiter.clear();
        self.account_rate_limiter.clear();
        self.portfolios.clear();
        self.add_personal_user();
    }

    /// The day moving on at the broker for a connection's accounts (a refresh): prices drift,
    /// a dividend arrives; the accounts' totals follow.
    pub fn advance_portfolios(&self, connection: &mut SimConnection) {
        let now = Utc::now();
        for account in &mut connection.accounts {
            if let Some(mut shared) = self.portfolios.get_mut(&account.id) {
                let portfolio = Arc::make_mut(&mut shared);
                crate::portfolio::advance(portfolio, &connection.login, &account.id, now);
                account.balance = portfolio.total();
            }
        }
    }

    /// Forgets the holdings of a connection that is gone.
    pub fn drop_portfolios(&self, connection: &SimConnection) {
        for account in &connection.accounts {
            self.portfolios.remove(&account.id);
        }
    }

    pub fn counts(&self) -> StateCounts {
        let (mut users, mut connections, mut accounts) = (0, 0, 0);
        for user in self.users.iter() {
            // The personal key's user is part of the sandbox, not something a test made.
            users += usize::from(*user.key() != self.personal_user_id);
            connections += user.connections.len();
            accounts += user.connections.iter().map(|c| c.accounts.len()).sum::<usize>();
        }
        StateCounts {
            users,
            sessions: self.portal_sessions.len() + self.finatic_sessions.len(),
            connections,
            accounts,
            faults: self.faults.ids().len(),
            requests_served: self.requests_served.load(Ordering::Relaxed),
            requests_throttled: self.requests_throttled.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` on a connection wherever it lives, after settling its timers.
    pub fn with_connection<T>(&self, connection_id: &str, f: impl FnOnce(&mut UserRecord, usize) -> T) -> Option<T> {
        let owner = self.connection_owner.get(connection_id)?.value().clone();
        let mut user = self.users.get_mut(&owner)?;
        self.settle(&mut user);
        let index = user.connections.iter().position(|c| c.id == connection_id)?;
        Some(f(&mut user, index))
    }

    /// Applies due timers to a user's connections and sends the webhooks they cause.
    pub fn settle(&self, user: &mut UserRecord) {
        let now = Instant::now();
        for index in 0..user.connections.len() {
            for happening in user.connections[index].settle(now) {
                self.emit(user.protocol, &user.user_id, Some(&user.connections[index]), happening);
            }
        }
    }

    /// Settles every user with a timer due, so timed transitions send their webhooks even
    /// when nobody reads the connection.
    pub fn settle_due(&self) {
        let now = Instant::now();
        for mut user in self.users.iter_mut() {
            let due = user
                .connections
                .iter()
                .any(|c| c.pending_until.is_some_and(|t| t <= now) || c.disable_at.is_some_and(|t| t <= now));
            if due {
                self.settle(&mut user);
            }
        }
    }

    pub fn emit(&self, protocol: Protocol, user_id: &str, connection: Option<&SimConnection>, happening: Happening) {
        // An OAuth sign-in's user (a Personal user other than the personal key's).
        let oauth_user = self.personal_users.contains(user_id) && user_id != self.personal_user_id;
        let oauth_client_id = oauth_user.then_some(self.config.oauth_client_id.as_str());
        self.webhooks.emit(
            &self.config.client_id,
            oauth_client_id,
            protocol,
            user_id,
            connection,
            happening,
        );
    }

    /// Drops sessions and tokens that ended long ago, then keeps each store within its bound
    /// (see `limits`), so a long-running sandbox stays small however busy it is.
    pub fn forget_stale_sessions(&self) {
        self.oauth.forget_expired();
        use crate::limits::{ENDED_KEPT_FOR, FINATIC_SESSIONS, ONE_TIME_TOKENS, PORTAL_SESSIONS};
        let now = Instant::now();
        let kept = |expires: Instant| expires.checked_add(ENDED_KEPT_FOR).is_none_or(|until| until > now);
        self.portal_sessions.retain(|_, s| kept(s.expires));
        self.finatic_sessions.retain(|_, s| kept(s.expires));
        self.one_time_tokens.retain(|_, t| kept(t.expires));
        keep_within(&self.portal_sessions, PORTAL_SESSIONS, |s| {
            (!s.spent && s.expires > now, s.expires)
        });
        keep_within(&self.finatic_sessions, FINATIC_SESSIONS, |s| {
            (s.expires > now, s.expires)
        });
        keep_within(&self.one_time_tokens, ONE_TIME_TOKENS, |t| {
            (!t.used && t.expires > now, t.expires)
        });
    }
}

/// Keeps `map` within `bound` entries: past it, drops down to nine tenths of the bound, the
/// entries that already ended first (`live` false), then those that end soonest. Nine tenths,
/// so that a store at its bound is not sorted again every second.
fn keep_within<V>(map: &DashMap<String, V>, bound: usize, order: impl Fn(&V) -> (bool, Instant)) {
    if map.len() <= bound {
        return;
    }
    let mut entries: Vec<((bool, Instant), String)> = map.iter().map(|e| (order(e.value()), e.key().clone())).collect();
    entries.sort_unstable();
    let excess = entries.len().saturating_sub(bound - bound / 10);
    for (_, key) in entries.into_iter().take(excess) {
        map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_that_grow_with_traffic_stay_within_their_bounds() {
        let store = Store::new(SandboxConfig::default());
        let live = Instant::now() + Duration::from_secs(300);
        let ended = Instant::now() - Duration::from_secs(1);
        for n in 0..crate::limits::ONE_TIME_TOKENS + 50 {
            let token = OneTimeToken {
                expires: if n < 50 { ended } else { live },
                used: false,
            };
            store.one_time_tokens.insert(format!("ott_{n}"), token);
        }
        store.forget_stale_sessions();
        let left = store.one_time_tokens.len();
        assert!(left <= crate::limits::ONE_TIME_TOKENS, "{left}");
        // The ended ones went first.
        assert!((0..50).all(|n| !store.one_time_tokens.contains_key(&format!("ott_{n}"))));
        // Long-ended ones go whatever the count.
        // (A monotonic clock younger than that cannot say "an hour ago": nothing to check then.)
        if let Some(long_ago) = Instant::now().checked_sub(crate::limits::ENDED_KEPT_FOR + Duration::from_secs(1)) {
            store.one_time_tokens.clear();
            store.one_time_tokens.insert(
                "old".into(),
                OneTimeToken {
                    expires: long_ago,
                    used: true,
                },
            );
            store.forget_stale_sessions();
            assert!(store.one_time_tokens.is_empty());
        }
    }
}
