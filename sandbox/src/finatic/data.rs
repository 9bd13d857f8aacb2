//! Finatic's data routes: brokers, broker connections, disconnect, accounts (beta), and the v1
//! account, grant and session-status routes, all in the W envelope the spec gives them; only
//! the offboarding call, which the spec lacks, answers E as finatic-server-python reads it.

use super::envelope::{e_ok, w_ok, w_ok_meta, FinaticError};
use super::{check_api_key, check_api_key_if_sent, session_from};
use crate::brokers::{SimBroker, BROKERS};
use crate::store::{SimAccount, SimConnection, SimStatus, UserRecord};
use crate::webhooks::Happening;
use crate::App;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes(router: Router<App>) -> Router<App> {
    super::holdings::routes(router)
        .route("/api/beta/brokers/", get(brokers))
        .route("/api/beta/brokers", get(brokers))
        .route("/api/beta/brokers/connections", get(connections))
        .route("/api/beta/brokers/disconnect-company/{id}", delete(disconnect))
        .route("/api/beta/brokers/data/accounts", get(beta_accounts))
        .route("/api/v1/accounts", get(v1_accounts))
        .route("/api/v1/accounts/{id}", get(v1_account))
        .route("/api/v1/account-grants", get(grants))
        .route("/api/v1/account-grants/{id}", get(grant).patch(update_grant))
        .route("/api/v1/account-grants/{id}/revoke", post(revoke_grant))
        .route("/api/v1/sessions/{id}", get(session_detail))
        .route("/api/v1/sessions/{id}/sync-status", get(sync_status))
        .route(
            "/api/v1/users/{user_id}/broker-connections/offboarding",
            post(offboarding),
        )
}

fn timestamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn broker_id(b: &SimBroker) -> String {
    b.slug.to_ascii_lowercase()
}

fn broker_json(b: &SimBroker) -> Value {
    let mut features = vec!["equity"];
    if b.allows_trading {
        features.push("trading");
    }
    json!({
        "id": broker_id(b),
        "name": b.name,
        "display_name": b.display_name,
        "features": features,
        "auth_type": "oauth",
        "logo_path": b.logo_path(),
        "is_active": true,
        "kind": if b.kind == "Crypto Exchange" { "exchange" } else { "broker" },
    })
}

/// Finatic's free-string status for the sandbox's lifecycle.
fn status_word(status: SimStatus) -> &'static str {
    match status {
        SimStatus::Active => "active",
        SimStatus::Pending => "pending",
        SimStatus::Disabled => "error",
        SimStatus::Expired => "expired",
        SimStatus::Removed => "removed",
    }
}

fn connection_json(c: &SimConnection) -> Value {
    let status = c.status();
    json!({
        "id": c.id,
        "user_id": c.user_id,
        "broker_id": broker_id(c.broker),
        "status": status_word(status),
        "connection_metadata": {},
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.updated_at),
        "last_synced_at": (status == SimStatus::Active).then(|| timestamp(c.updated_at)),
        "permissions": { "read": status != SimStatus::Pending, "write": c.trade },
    })
}

fn account_json(c: &SimConnection, a: &crate::store::SimAccount) -> Value {
    json!({
        "id": a.id,
        "accountId": a.id,
        "accountNumber": a.number,
        "accountName": a.name,
        "accountType": "margin",
        "brokerId": broker_id(c.broker),
        "brokerName": c.broker.name,
        "accountStatus": "active",
        "connectionId": c.id,
        "currency": c.broker.currency,
        "balance": crate::portfolio::number(a.balance),
        "createdAt": timestamp(a.created_at),
        "isPaper": false,
        "syncStatus": if c.is_pending() { "syncing" } else { "synced" },
    })
}

/// The connections of the session's user, timers settled; none before anyone logged in.
pub(super) fn session_connections(app: &App, headers: &HeaderMap) -> Result<Vec<SimConnection>, FinaticError> {
    check_api_key_if_sent(app, headers)?;
    let session = session_from(app, headers)?;
    let Some(user_id) = session.user_id else {
        return Ok(Vec::new());
    };
    let mut user = app
        .store
        .users
        .get_mut(&user_id)
        .ok_or_else(|| FinaticError::new(404, "USER_NOT_FOUND", "The session's user no longer exists"))?;
    app.store.settle(&mut user);
    // A revoked grant's account is gone from both generations; a login without any is too.
    Ok(user
        .connections
        .iter()
        .filter_map(|c| {
            let mut shared = c.clone();
            shared.accounts.retain(|a| a.grant.revoked_at.is_none());
            (!shared.accounts.is_empty()).then_some(shared)
        })
        .collect())
}

async fn brokers() -> Response {
    w_ok(json!(BROKERS.iter().map(broker_json).collect::<Vec<_>>()))
}

async fn connections(State(app): State<App>, headers: HeaderMap) -> Response {
    match session_connections(&app, &headers) {
        Ok(connections) => w_ok(json!(connections.iter().map(connection_json).collect::<Vec<_>>())),
        Err(e) => e.wrapped(),
    }
}

async fn disconnect(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let not_found = || FinaticError::new(404, "CONNECTION_NOT_FOUND", "No such connection for this user").wrapped();
    let user_id = match session_from(&app, &headers) {
        Ok(session) => session.user_id,
        Err(e) => return e.wrapped(),
    };
    let Some(mut user) = user_id.and_then(|id| app.store.users.get_mut(&id)) else {
        return not_found();
    };
    let Some(index) = user.connections.iter().position(|c| c.id == id) else {
        return not_found();
    };
    let removed = user.connections.remove(index);
    app.store
        .emit(user.protocol, &user.user_id, Some(&removed), Happening::Deleted);
    app.store.drop_portfolios(&removed);
    drop(user);
    app.store.connection_owner.remove(&id);
    w_ok(json!({ "success": true, "message": "Company access to the connection was removed", "connection_id": id }))
}

pub(super) fn number(params: &HashMap<String, String>, key: &str, default: usize) -> usize {
    params.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn beta_accounts(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let connections = match session_connections(&app, &headers) {
        Ok(connections) => connections,
        Err(e) => return e.wrapped(),
    };
    let wanted = |c: &&SimConnection| {
        params.get("connection_id").is_none_or(|id| &c.id == id)
            && params.get("broker_id").is_none_or(|b| &broker_id(c.broker) == b)
    };
    let all: Vec<Value> = connections
        .iter()
        .filter(wanted)
        .flat_map(|c| c.accounts.iter().map(move |a| account_json(c, a)))
        .collect();
    let limit = number(&params, "limit", 100).clamp(1, 1000);
    let offset = number(&params, "offset", 0);
    let page: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    let has_more = offset + page.len() < all.len();
    let pagination = json!({
        "has_more": has_more,
        "next_offset": has_more.then_some(offset + page.len()),
        "current_offset": offset,
        "limit": limit,
    });
    w_ok_meta(json!(page), json!({ "pagination": pagination }))
}

/// Finatic's spec asks for the company's API key here: a session id alone reads nothing.
async fn session_detail(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    match app.store.finatic_sessions.get(&id) {
        // The spec's `SessionResponseData`, as `session/start` answers it.
        Some(s) => w_ok(json!({
            "session_id": s.id,
            "company_id": app.store.company_id,
            "status": if s.is_expired() { "expired" } else { s.status },
            "user_id": s.user_id,
            "expires_at": timestamp(s.expires_at),
        })),
        None => FinaticError::new(404, "SESSION_NOT_FOUND", "No such session").wrapped(),
    }
}

async fn sync_status(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    let connections = match session_connections(&app, &headers) {
        Ok(connections) if session_from(&app, &headers).is_ok_and(|s| s.id == id) => connections,
        Ok(_) => {
            return FinaticError::new(403, "SESSION_MISMATCH", "The session header does not match the path").wrapped()
        }
        Err(e) => return e.wrapped(),
    };
    let accounts: Vec<Value> = connections
        .iter()
        .flat_map(|c| {
            let sync = sync_word(c);
            c.accounts.iter().map(move |a| {
                json!({
                    "accountId": a.id, "brokerId": broker_id(c.broker), "lastSyncedAt": timestamp(c.updated_at),
                    "providerHealth": "healthy", "syncError": null, "syncStatus": sync,
                })
            })
        })
        .collect();
    w_ok(json!({ "sessionId": id, "companyId": app.store.company_id, "status": "active", "accounts": accounts }))
}

async fn offboarding(
    State(app): State<App>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    if super::check_api_key(&app, &headers).is_err() {
        return FinaticError::new(401, "INVALID_API_KEY", "The API key is missing or invalid").enveloped();
    }
    let account_id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b.get("accountId").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let Some(mut user) = app.store.users.get_mut(&user_id) else {
        return FinaticError::new(404, "USER_NOT_FOUND", "No such user").enveloped();
    };
    let before = user.connections.iter().map(|c| c.accounts.len()).sum::<usize>();
    user.connections
        .iter_mut()
        .for_each(|c| c.accounts.retain(|a| a.id != account_id));
    let removed = before != user.connections.iter().map(|c| c.accounts.len()).sum::<usize>();
    if !removed {
        return FinaticError::new(404, "ACCOUNT_NOT_FOUND", "No such account for this user").enveloped();
    }
    e_ok(json!({ "userId": user_id, "accountId": account_id, "status": "offboarded" }))
}

// ---- v1: accounts and account grants (the spec's `FDXAccountGrant`) ------------------------

/// The data clusters a sandbox grant shares.
const DATA_CLUSTERS: [&str; 5] = ["accounts", "balances", "positions", "orders", "transactions"];

/// An account's readiness in the session's sync status (the spec's `FinaticV1AccountSyncStatus`).
fn sync_word(c: &SimConnection) -> &'static str {
    match c.status() {
        SimStatus::Pending => "syncing",
        SimStatus::Active => "ready",
        _ => "reauth_required",
    }
}

fn grant_json(company_id: &str, c: &SimConnection, a: &SimAccount) -> Value {
    let g = &a.grant;
    let status = if g.revoked_at.is_some() {
        "revoked"
    } else if g.is_expired() {
        "expired"
    } else {
        status_word(c.status())
    };
    json!({
        "id": g.id,
        "companyAccountId": company_id,
        "brokerAccountId": a.id,
        "brokerId": broker_id(c.broker),
        "status": status,
        "canRead": g.can_read.unwrap_or(c.status() != SimStatus::Pending),
        "canTrade": g.can_trade.unwrap_or(c.trade),
        "consentId": null,
        "consentedAt": timestamp(a.created_at),
        "createdAt": timestamp(a.created_at),
        "updatedAt": timestamp(g.updated_at.max(c.updated_at)),
        "dataClusters": DATA_CLUSTERS,
        "expiresAt": g.expires_at.map(timestamp),
        "lookbackDays": null,
        "revokedAt": g.revoked_at.map(timestamp),
    })
}

/// A v1 account: the beta shape plus the grant that shares it, and its sync state on request.
fn v1_account_json(c: &SimConnection, a: &SimAccount, with_sync_status: bool) -> Value {
    let mut account = account_json(c, a);
    account["grantId"] = json!(a.grant.id);
    if with_sync_status {
        account["syncStatus"] = json!(sync_word(c));
        account["lastSyncedAt"] = json!((c.status() == SimStatus::Active).then(|| timestamp(c.updated_at)));
    } else if let Some(fields) = account.as_object_mut() {
        fields.remove("syncStatus");
    }
    account
}

/// FastAPI's answer to a path id that is not a UUID.
pub(super) fn uuid_path(id: &str, name: &str) -> Result<(), FinaticError> {
    uuid::Uuid::parse_str(id)
        .map(drop)
        .map_err(|_| FinaticError::new(422, "VALIDATION_ERROR", format!("{name} must be a UUID")))
}

fn grant_not_found() -> FinaticError {
    FinaticError::new(404, "GRANT_NOT_FOUND", "No such account grant for this company")
}

/// Runs `f` on the session user's record (timers settled); a session nobody logged in
/// through has no grants.
fn with_session_user<R>(
    app: &App,
    headers: &HeaderMap,
    f: impl FnOnce(&mut UserRecord) -> Result<R, FinaticError>,
) -> Result<R, FinaticError> {
    check_api_key_if_sent(app, headers)?;
    let session = session_from(app, headers)?;
    let user_id = session.user_id.ok_or_else(grant_not_found)?;
    let mut user = app
        .store
        .users
        .get_mut(&user_id)
        .ok_or_else(|| FinaticError::new(404, "USER_NOT_FOUND", "The session's user no longer exists"))?;
    app.store.settle(&mut user);
    f(&mut user)
}

/// The connection and account index of a grant.
fn find_grant(user: &UserRecord, grant_id: &str) -> Option<(usize, usize)> {
    user.connections.iter().enumerate().find_map(|(ci, c)| {
        c.accounts
            .iter()
            .position(|a| a.grant.id == grant_id)
            .map(|ai| (ci, ai))
    })
}

async fn v1_accounts(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let connections = match session_connections(&app, &headers) {
        Ok(connections) => connections,
        Err(e) => return e.wrapped(),
    };
    // finatic-server-python sends Python's `True`.
    let with_sync = params
        .get("include_sync_status")
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let all: Vec<Value> = connections
        .iter()
        .flat_map(|c| {
            c.accounts
                .iter()
                .filter(|a| a.grant.is_active())
                .map(move |a| v1_account_json(c, a, with_sync))
        })
        .collect();
    let limit = number(&params, "limit", 100).clamp(1, 1000);
    let offset = number(&params, "offset", 0);
    let page: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    let has_more = offset + page.len() < all.len();
    let pagination = json!({
        "has_more": has_more,
        "next_offset": has_more.then_some(offset + page.len()),
        "current_offset": offset,
        "limit": limit,
    });
    w_ok_meta(json!(page), json!({ "pagination": pagination }))
}

async fn v1_account(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let connections = match session_connections(&app, &headers) {
        Ok(connections) => connections,
        Err(e) => return e.wrapped(),
    };
    connections
        .iter()
        .find_map(|c| {
            c.accounts
                .iter()
                .find(|a| a.id == id && a.grant.is_active())
                .map(|a| v1_account_json(c, a, true))
        })
        .map(w_ok)
        .unwrap_or_else(|| {
            FinaticError::new(404, "ACCOUNT_NOT_FOUND", "No such account through an active grant").wrapped()
        })
}

async fn grants(State(app): State<App>, headers: HeaderMap) -> Response {
    let company_id = app.store.company_id.clone();
    let listed = with_session_user(&app, &headers, |user| {
        Ok(user
            .connections
            .iter()
            .flat_map(|c| c.accounts.iter().map(|a| grant_json(&company_id, c, a)))
            .collect::<Vec<_>>())
    });
    match listed {
        Ok(grants) => w_ok(json!(grants)),
        // A session nobody logged in through yet has no grants.
        Err(e) if e.code == "GRANT_NOT_FOUND" => w_ok(json!([])),
        Err(e) => e.wrapped(),
    }
}

async fn grant(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = uuid_path(&id, "grantId") {
        return e.wrapped();
    }
    let company_id = app.store.company_id.clone();
    let found = with_session_user(&app, &headers, |user| {
        let (ci, ai) = find_grant(user, &id).ok_or_else(grant_not_found)?;
        let c = &user.connections[ci];
        Ok(grant_json(&company_id, c, &c.accounts[ai]))
    });
    found.map(w_ok).unwrap_or_else(|e| e.wrapped())
}

async fn update_grant(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = uuid_path(&id, "grantId") {
        return e.wrapped();
    }
    let Ok(update) = serde_json::from_slice::<Value>(&body) else {
        return FinaticError::new(422, "VALIDATION_ERROR", "The body must be a JSON object").wrapped();
    };
    let flag = |name: &str| -> Result<Option<Option<bool>>, FinaticError> {
        match update.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Bool(b)) => Ok(Some(Some(*b))),
            Some(_) => Err(FinaticError::new(
                422,
                "VALIDATION_ERROR",
                format!("{name} must be a boolean"),
            )),
        }
    };
    let expiry = match update.get("expiresAt") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| Some(Some(t.with_timezone(&Utc))))
            .map_err(|_| FinaticError::new(422, "VALIDATION_ERROR", "expiresAt must be an RFC 3339 time")),
        Some(_) => Err(FinaticError::new(422, "VALIDATION_ERROR", "expiresAt must be a string")),
    };
    let (can_read, can_trade, expires_at) = match (flag("canRead"), flag("canTrade"), expiry) {
        (Ok(r), Ok(t), Ok(e)) => (r, t, e),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e.wrapped(),
    };
    let company_id = app.store.company_id.clone();
    let updated = with_session_user(&app, &headers, |user| {
        let (ci, ai) = find_grant(user, &id).ok_or_else(grant_not_found)?;
        let c = &mut user.connections[ci];
        let g = &mut c.accounts[ai].grant;
        if g.revoked_at.is_some() {
            return Err(FinaticError::new(409, "GRANT_REVOKED", "A revoked grant cannot change"));
        }
        if let Some(v) = can_read {
            g.can_read = v;
        }
        if let Some(v) = can_trade {
            g.can_trade = v;
        }
        if let Some(v) = expires_at {
            g.expires_at = v;
        }
        g.updated_at = Utc::now();
        Ok(grant_json(&company_id, c, &c.accounts[ai]))
    });
    updated.map(w_ok).unwrap_or_else(|e| e.wrapped())
}

/// Revoking is idempotent: a revoked grant answers as it is. When a login's last grant goes,
/// the login is gone from the beta list too, and `connection.deleted` is sent.
async fn revoke_grant(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = uuid_path(&id, "grantId") {
        return e.wrapped();
    }
    let company_id = app.store.company_id.clone();
    let store = app.store.clone();
    let revoked = with_session_user(&app, &headers, |user| {
        let (ci, ai) = find_grant(user, &id).ok_or_else(grant_not_found)?;
        let grant = &mut user.connections[ci].accounts[ai].grant;
        if grant.revoked_at.is_none() {
            let now = Utc::now();
            grant.revoked_at = Some(now);
            grant.updated_at = now;
            // `account.grant.revoked` for this grant's account alone.
            let c = &user.connections[ci];
            let mut revoked = c.clone();
            revoked.accounts = vec![c.accounts[ai].clone()];
            store.emit(user.protocol, &user.user_id, Some(&revoked), Happening::Deleted);
        }
        let c = &user.connections[ci];
        Ok(grant_json(&company_id, c, &c.accounts[ai]))
    });
    revoked.map(w_ok).unwrap_or_else(|e| e.wrapped())
}
