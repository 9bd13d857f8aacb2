//! Finatic's data routes: brokers, broker connections, disconnect, accounts (beta), and the v1
//! account, grant and session-status routes, all in the W envelope the spec gives them; only
//! the offboarding call, which the spec lacks, answers E as finatic-server-python reads it.

use super::envelope::{e_ok, w_ok, w_ok_meta, FinaticError};
use super::{check_api_key, session_from};
use crate::brokers::{SimBroker, BROKERS};
use crate::store::{SimConnection, SimStatus};
use crate::webhooks::Happening;
use crate::App;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes(router: Router<App>) -> Router<App> {
    router
        .route("/api/beta/brokers/", get(brokers))
        .route("/api/beta/brokers", get(brokers))
        .route("/api/beta/brokers/connections", get(connections))
        .route("/api/beta/brokers/disconnect-company/{id}", delete(disconnect))
        .route("/api/beta/brokers/data/accounts", get(beta_accounts))
        .route("/api/v1/accounts", get(v1_accounts))
        .route("/api/v1/account-grants", get(grants))
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
        "balance": a.balance,
        "createdAt": timestamp(a.created_at),
        "isPaper": false,
        "syncStatus": if c.is_pending() { "syncing" } else { "synced" },
    })
}

/// The connections of the session's user, timers settled; none before anyone logged in.
fn session_connections(app: &App, headers: &HeaderMap) -> Result<Vec<SimConnection>, FinaticError> {
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
    Ok(user.connections.clone())
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
    drop(user);
    app.store.connection_owner.remove(&id);
    w_ok(json!({ "success": true, "message": "Company access to the connection was removed", "connection_id": id }))
}

fn number(params: &HashMap<String, String>, key: &str, default: usize) -> usize {
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

async fn v1_accounts(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let connections = match session_connections(&app, &headers) {
        Ok(connections) => connections,
        Err(e) => return e.wrapped(),
    };
    let all: Vec<Value> = connections
        .iter()
        .flat_map(|c| c.accounts.iter().map(move |a| account_json(c, a)))
        .collect();
    let limit = number(&params, "limit", 100).clamp(1, 1000);
    let offset = number(&params, "offset", 0);
    w_ok(json!(all.into_iter().skip(offset).take(limit).collect::<Vec<_>>()))
}

async fn grants(State(app): State<App>, headers: HeaderMap) -> Response {
    let connections = match session_connections(&app, &headers) {
        Ok(connections) => connections,
        Err(e) => return e.wrapped(),
    };
    let grants: Vec<Value> = connections
        .iter()
        .flat_map(|c| {
            c.accounts.iter().map(move |a| {
                json!({
                    "id": format!("grant_{}", &a.id[..8]),
                    "brokerAccountId": a.id,
                    "brokerId": broker_id(c.broker),
                    "companyAccountId": a.id,
                    "canRead": c.status() != SimStatus::Pending,
                    "canTrade": c.trade,
                    "status": status_word(c.status()),
                    "expiresAt": null,
                    "revokedAt": null,
                })
            })
        })
        .collect();
    w_ok(json!(grants))
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
            let sync = match c.status() {
                SimStatus::Pending => "syncing",
                SimStatus::Active => "ready",
                _ => "reauth_required",
            };
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
