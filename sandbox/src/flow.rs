//! What happens when someone uses a portal link: test credentials, MFA, permission,
//! de-duplication and reconnect. The portal page and `/_sandbox/portal/complete` both use it.

use crate::brokers::{self, SimBroker};
use crate::portfolio::{self, Place, Profile};
use crate::store::{PendingMfa, PortalSession, Protocol, SimAccount, SimConnection, SimGrant, Store, UserRecord};
use crate::webhooks::Happening;
use chrono::Utc;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

pub const MFA_CODE: &str = "123456";
pub(crate) const GOOD_PASSWORD: &str = "pass_good";

/// The test logins of docs/design.md §6.
pub const TEST_CREDENTIALS: &[(&str, &str, &str)] = &[
    ("user_good", GOOD_PASSWORD, "connects; the connection is active"),
    ("user_mfa", GOOD_PASSWORD, "asks for code 123456, then connects"),
    ("user_locked", "any", "fails: the account is locked"),
    (
        "user_pending",
        GOOD_PASSWORD,
        "connects; pending for a few seconds, then active",
    ),
    (
        "user_expiring",
        GOOD_PASSWORD,
        "connects; active, then disabled after a few seconds",
    ),
    (
        "user_history",
        GOOD_PASSWORD,
        "connects one account with 2,500 activities, for paging",
    ),
    ("user_cash_only", GOOD_PASSWORD, "connects accounts that hold only cash"),
    (
        "user_no_transactions",
        GOOD_PASSWORD,
        "connects accounts with holdings and no history",
    ),
    (
        "user_no_accounts",
        GOOD_PASSWORD,
        "connects, but the login has no accounts",
    ),
];

/// SnapTrade's portal error codes, used by both faces.
pub mod codes {
    pub const SESSION_EXPIRED: &str = "1006";
    pub const BAD_INPUT: &str = "1012";
    pub const DIFFERENT_ACCOUNT: &str = "1023";
    pub const BAD_CREDENTIALS: &str = "1066";
    pub const BAD_MFA_CODE: &str = "1086";
    pub const ACCOUNT_LOCKED: &str = "3000";
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Success {
        connection_id: String,
        user_id: String,
        permission: &'static str,
    },
    MfaRequired,
    Error {
        error_code: &'static str,
        status_code: u16,
        detail: String,
    },
}

fn error(code: &'static str, status: u16, detail: impl Into<String>) -> Outcome {
    Outcome::Error {
        error_code: code,
        status_code: status,
        detail: detail.into(),
    }
}

/// Finatic's SDKs add filters and looks to the portal URL itself (`brokers` as base64 JSON,
/// `mode`, `email`); the page forwards its query, so the sandbox learns them here.
pub fn apply_link_params(store: &Store, token: &str, params: &std::collections::HashMap<String, String>) {
    use base64::Engine;
    let Some(mut session) = store.portal_sessions.get_mut(token) else {
        return;
    };
    if session.protocol != Protocol::Finatic {
        return;
    }
    if let Some(encoded) = params.get("brokers") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Vec<String>>(&bytes).ok());
        if let Some(ids) = decoded {
            session.options.brokers_filter = Some(ids);
        }
    }
    if let Some(mode) = params.get("mode") {
        session.options.dark_mode = Some(mode == "dark");
    }
    if let Some(email) = params.get("email") {
        session.options.email = Some(email.clone());
    }
}

/// Whether the session's broker filter (if any) lets the user pick `broker`.
pub fn broker_allowed(session: &PortalSession, broker: &SimBroker) -> bool {
    session.options.brokers_filter.as_ref().is_none_or(|ids| {
        ids.iter()
            .any(|id| brokers::find_by_id(id).is_some_and(|b| b.slug == broker.slug))
    })
}

/// Checks that `token` names a live, unspent link; 1006 otherwise.
pub fn live_session(store: &Store, token: &str) -> Result<PortalSession, Outcome> {
    let expired = || {
        error(
            codes::SESSION_EXPIRED,
            410,
            "This link has expired or was already used.",
        )
    };
    let session = store.portal_sessions.get(token).ok_or_else(expired)?;
    if session.spent || Instant::now() >= session.expires {
        return Err(expired());
    }
    Ok(session.clone())
}

/// The broker the session is about: the reconnected connection's, the preselected one, or
/// the user's pick.
pub fn session_broker(
    store: &Store,
    session: &PortalSession,
    picked: Option<&str>,
) -> Result<&'static SimBroker, Outcome> {
    if let Some(reconnect) = &session.options.reconnect {
        let owned_by_user = |user: &mut crate::store::UserRecord, i: usize| {
            (user.user_id == session.user_id).then_some(user.connections[i].broker)
        };
        return store
            .with_connection(reconnect, owned_by_user)
            .flatten()
            .ok_or_else(|| error(codes::BAD_INPUT, 404, "The connection to reconnect no longer exists."));
    }
    let slug = session.options.broker.as_deref().or(picked);
    let slug = slug.ok_or_else(|| error(codes::BAD_INPUT, 400, "Pick a broker first."))?;
    let broker = brokers::find(slug).ok_or_else(|| error(codes::BAD_INPUT, 400, format!("Unknown broker {slug}.")))?;
    if !broker_allowed(session, broker) {
        return Err(error(
            codes::BAD_INPUT,
            400,
            format!("{} is not offered by this link.", broker.name),
        ));
    }
    Ok(broker)
}

/// Read or trade, from what the link asked for and what the broker supports.
fn effective_trade(broker: &SimBroker, requested: Option<&str>) -> Result<bool, Outcome> {
    match requested.unwrap_or("read") {
        "read" => Ok(false),
        "trade-if-available" => Ok(broker.allows_trading),
        "trade" if broker.allows_trading => Ok(true),
        "trade" => Err(error(
            codes::BAD_INPUT,
            400,
            format!("{} does not support trading connections.", broker.name),
        )),
        other => Err(error(
            codes::BAD_INPUT,
            400,
            format!("Unknown connection type {other}."),
        )),
    }
}

/// The connection type a login asks for, within what the link allows: the app chose the link's
/// type on its server, so the page (or anyone posting to it) may narrow it, never widen it.
fn within_link<'a>(link: Option<&'a str>, asked: Option<&'a str>) -> Result<&'a str, Outcome> {
    // A trade-if-available link becomes a trade connection where the broker trades.
    let rank = |kind: &str| match kind {
        "read" => Some(0),
        "trade-if-available" | "trade" => Some(1),
        _ => None,
    };
    let link = link.unwrap_or("read");
    let Some(asked) = asked else {
        return Ok(link);
    };
    match (rank(asked), rank(link)) {
        (Some(a), Some(l)) if a > l => Err(error(
            codes::BAD_INPUT,
            403,
            format!("This link allows {link} connections; it cannot make a {asked} one."),
        )),
        _ => Ok(asked),
    }
}

/// A sign-in of a test user that succeeds (the OAuth authorize page's).
pub(crate) fn is_test_login(login: &str, password: &str) -> bool {
    password == GOOD_PASSWORD
        && TEST_CREDENTIALS
            .iter()
            .any(|(name, expected, _)| *name == login && *expected == GOOD_PASSWORD)
}

/// A login attempt on the portal.
pub fn connect(
    store: &Store,
    token: &str,
    picked_broker: Option<&str>,
    username: &str,
    password: &str,
    connection_type: Option<&str>,
) -> Outcome {
    let session = match live_session(store, token) {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    let broker = match session_broker(store, &session, picked_broker) {
        Ok(broker) => broker,
        Err(outcome) => return outcome,
    };
    let requested = match within_link(session.options.connection_type.as_deref(), connection_type) {
        Ok(requested) => requested,
        Err(outcome) => return outcome,
    };
    let trade = match effective_trade(broker, Some(requested)) {
        Ok(trade) => trade,
        Err(outcome) => return outcome,
    };
    match (username, password) {
        ("user_locked", _) => {
            attempt_failed(store, &session, "UNCAUGHT_ERROR");
            return error(
                codes::ACCOUNT_LOCKED,
                403,
                format!(
                    "Your {} account is locked. Contact {} to unlock it.",
                    broker.name, broker.name
                ),
            );
        }
        (
            "user_good"
            | "user_mfa"
            | "user_pending"
            | "user_expiring"
            | "user_history"
            | "user_cash_only"
            | "user_no_transactions"
            | "user_no_accounts",
            GOOD_PASSWORD,
        ) => {}
        _ => {
            attempt_failed(store, &session, "INVALID_CREDENTIALS");
            return error(codes::BAD_CREDENTIALS, 401, "The username or password is incorrect.");
        }
    }
    if username == "user_mfa" {
        if let Some(mut live) = store.portal_sessions.get_mut(token) {
            live.mfa = Some(PendingMfa {
                broker,
                username: username.to_owned(),
                trade,
            });
        }
        return Outcome::MfaRequired;
    }
    establish(store, token, &session, broker, username, trade)
}

/// The second step for `user_mfa`.
pub fn submit_mfa(store: &Store, token: &str, code: &str) -> Outcome {
    let session = match live_session(store, token) {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    let Some(pending) = session.mfa.clone() else {
        return error(codes::BAD_INPUT, 400, "No login is waiting for a code.");
    };
    if code.trim() != MFA_CODE {
        if let Some(mut live) = store.portal_sessions.get_mut(token) {
            live.mfa = None;
        }
        attempt_failed(store, &session, "INVALID_MFA_CODE");
        return error(codes::BAD_MFA_CODE, 401, "The verification code is incorrect.");
    }
    establish(store, token, &session, pending.broker, &pending.username, pending.trade)
}

/// Tells webhooks about a login that failed.
fn attempt_failed(store: &Store, session: &PortalSession, result: &'static str) {
    if !session.user_id.is_empty() {
        store.emit(session.protocol, &session.user_id, None, Happening::Attempted(result));
    }
}

/// Tells webhooks about a connection that was just made or repaired.
fn announce(store: &Store, user: &UserRecord, index: usize, happening: Option<Happening>) {
    let connection = &user.connections[index];
    store.emit(
        user.protocol,
        &user.user_id,
        Some(connection),
        Happening::Attempted("SUCCESS"),
    );
    if let Some(happening) = happening {
        store.emit(user.protocol, &user.user_id, Some(connection), happening);
    }
}

/// Creates, de-duplicates or repairs the connection, then spends the link.
fn establish(
    store: &Store,
    token: &str,
    session: &PortalSession,
    broker: &'static SimBroker,
    username: &str,
    trade: bool,
) -> Outcome {
    // Claim the link before touching any state, so two logins racing on one link (a double
    // submit, the page and the admin API) cannot both connect.
    match store.portal_sessions.get_mut(token) {
        Some(mut live) if !live.spent => live.spent = true,
        _ => {
            return error(
                codes::SESSION_EXPIRED,
                410,
                "This link has expired or was already used.",
            )
        }
    }
    let outcome = connect_claimed(store, token, session, broker, username, trade);
    if !matches!(outcome, Outcome::Success { .. }) {
        // Not connected: the user may correct the login on the same link.
        if let Some(mut live) = store.portal_sessions.get_mut(token) {
            live.spent = false;
        }
    }
    outcome
}

fn connect_claimed(
    store: &Store,
    token: &str,
    session: &PortalSession,
    broker: &'static SimBroker,
    username: &str,
    trade: bool,
) -> Outcome {
    let user_id = if session.user_id.is_empty() {
        // A Finatic session for a new user: the portal login creates the user.
        let id = uuid::Uuid::new_v4().to_string();
        store.users.insert(
            id.clone(),
            UserRecord {
                user_id: id.clone(),
                protocol: Protocol::Finatic,
                secret: String::new(),
                connections: Vec::new(),
            },
        );
        id
    } else {
        session.user_id.clone()
    };
    let Some(mut user) = store.users.get_mut(&user_id) else {
        return error("0000", 404, "The user of this link no longer exists.");
    };
    let now = Instant::now();
    let lifecycle = |c: &mut SimConnection| {
        c.pending_until = (username == "user_pending").then(|| now + store.config.pending_activation);
        c.disable_at = (username == "user_expiring").then(|| now + store.config.expiring_after);
        c.disabled = false;
        c.expired = false;
        c.disabled_at = None;
        c.trade = trade;
        c.updated_at = Utc::now();
    };
    let existing = match &session.options.reconnect {
        Some(reconnect) => {
            let Some(index) = user.connections.iter().position(|c| &c.id == reconnect) else {
                return error(codes::BAD_INPUT, 404, "The connection to reconnect no longer exists.");
            };
            if user.connections[index].login != username {
                attempt_failed(store, session, "DIFFERENT_ACCOUNT");
                return error(
                    codes::DIFFERENT_ACCOUNT,
                    400,
                    "These credentials belong to a different account than the one being reconnected.",
                );
            }
            Some(index)
        }
        None => user
            .connections
            .iter()
            .position(|c| c.broker.slug == broker.slug && c.login == username),
    };
    let connection_id = match existing {
        Some(index) => {
            let was_broken = user.connections[index].disabled || user.connections[index].expired;
            // Logging in again consents again: revoked grants share the accounts once more.
            for account in &mut user.connections[index].accounts {
                if account.grant.revoked_at.take().is_some() {
                    account.grant.updated_at = Utc::now();
                }
            }
            lifecycle(&mut user.connections[index]);
            announce(store, &user, index, was_broken.then_some(Happening::Fixed));
            user.connections[index].id.clone()
        }
        None => {
            let created = Utc::now();
            let new_id = uuid::Uuid::new_v4().to_string();
            let profile = Profile::of(username, store.config.history_activities);
            let mut connection = SimConnection {
                id: new_id.clone(),
                user_id: user.user_id.clone(),
                broker,
                trade,
                login: username.to_owned(),
                created_at: created,
                updated_at: created,
                disabled_at: None,
                disabled: false,
                expired: false,
                pending_until: None,
                disable_at: None,
                breaks_as_expired: session.protocol == Protocol::Finatic,
                last_refresh: None,
                accounts: broker
                    .accounts
                    .iter()
                    .take(profile.accounts(broker.accounts.len()))
                    .enumerate()
                    .map(|(index, (name, number, balance))| SimAccount {
                        id: uuid::Uuid::new_v4().to_string(),
                        name: (*name).to_owned(),
                        number: (*number).to_owned(),
                        balance: Decimal::from_str_exact(balance).unwrap_or_default(),
                        created_at: created,
                        grant: SimGrant::new(
                            if index == 0 {
                                new_id.clone()
                            } else {
                                uuid::Uuid::new_v4().to_string()
                            },
                            created,
                        ),
                    })
                    .collect(),
            };
            for (index, account) in connection.accounts.iter().enumerate() {
                let place = Place {
                    login: username,
                    broker: broker.slug,
                    broker_kind: broker.kind,
                    currency: broker.currency,
                    index,
                    total: account.balance,
                };
                store.portfolios.insert(
                    account.id.clone(),
                    Arc::new(portfolio::generate(profile, place, created)),
                );
            }
            lifecycle(&mut connection);
            let id = connection.id.clone();
            store.connection_owner.insert(id.clone(), user.user_id.clone());
            user.connections.push(connection);
            announce(store, &user, user.connections.len() - 1, Some(Happening::Added));
            id
        }
    };
    let user_id = user.user_id.clone();
    drop(user);
    if let Some(mut live) = store.portal_sessions.get_mut(token) {
        live.mfa = None;
    }
    if let Some(api_session) = &session.api_session {
        if let Some(mut s) = store.finatic_sessions.get_mut(api_session) {
            s.status = "active";
            s.user_id = Some(user_id.clone());
        }
    }
    Outcome::Success {
        connection_id,
        user_id,
        permission: if trade { "trade" } else { "read" },
    }
}
