//! The SnapTrade face: every endpoint of the protocol notes' table, served under `/` and the
//! legacy `/api/v1`, with SnapTrade's error bodies and codes.

mod auth;
mod holdings;
mod render;

use crate::brokers::BROKERS;
use crate::store::{PortalOptions, PortalSession, Protocol, UserRecord};
use crate::webhooks::Happening;
use crate::App;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::{Json, Router};
use brokerlink::signing::constant_time_eq;
use bytes::Bytes;
use chrono::Utc;
use dashmap::mapref::one::RefMut;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

pub use auth::verify_signature;

/// SnapTrade's error body: `{"detail", "status_code", "code"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            detail: detail.into(),
        }
    }

    fn bad_user() -> Self {
        ApiError::new(401, "1083", "Invalid userID or userSecret provided")
    }

    fn not_found(what: &str) -> Self {
        ApiError::new(404, "1011", format!("{what} not found"))
    }

    fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::new(400, "1012", detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "detail": self.detail, "status_code": self.status.as_u16(), "code": self.code });
        (self.status, Json(body)).into_response()
    }
}

pub fn error_body(status: u16, detail: &str) -> Value {
    json!({ "detail": detail, "status_code": status, "code": if status == 429 { "0000" } else { "1000" } })
}

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

/// Query parameters as received, first value wins.
struct Params(HashMap<String, String>);

impl Params {
    fn parse(raw: Option<String>) -> Self {
        let raw = raw.unwrap_or_default();
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Params(map)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

fn json_body(body: &Bytes) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| ApiError::new(400, "1076", "Unable to verify data sent"))
}

/// The user named by `userId` + `userSecret`, with connection timers settled.
fn authed_user<'a>(app: &'a App, params: &Params) -> ApiResult<RefMut<'a, String, UserRecord>> {
    let (Some(user_id), Some(secret)) = (params.get("userId"), params.get("userSecret")) else {
        return Err(ApiError::bad_user());
    };
    let mut user = app.store.users.get_mut(user_id).ok_or_else(ApiError::bad_user)?;
    if user.protocol != Protocol::SnapTrade || !constant_time_eq(user.secret.as_bytes(), secret.as_bytes()) {
        return Err(ApiError::bad_user());
    }
    app.store.settle(&mut user);
    Ok(user)
}

fn connection_index(user: &UserRecord, id: &str) -> ApiResult<usize> {
    user.connections
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found("Connection"))
}

/// Every route of the SnapTrade face, `(method, path)`. The router is built from this table and
/// the contract tests check each entry against SnapTrade's spec, so the face serves nothing the
/// tests do not validate. The same routes are answered under the legacy `/api/v1` prefix.
pub const SNAPTRADE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/snapTrade/listUsers"),
    ("POST", "/snapTrade/registerUser"),
    ("DELETE", "/snapTrade/deleteUser"),
    ("POST", "/snapTrade/resetUserSecret"),
    ("POST", "/snapTrade/login"),
    ("GET", "/snapTrade/partners"),
    ("GET", "/authorizations"),
    ("GET", "/authorizations/{id}"),
    ("DELETE", "/authorizations/{id}"),
    ("DELETE", "/connection/{id}"),
    ("POST", "/authorizations/{id}/refresh"),
    ("POST", "/authorizations/{id}/disable"),
    ("GET", "/authorizations/{id}/accounts"),
    ("GET", "/connections/{id}/accounts"),
    ("GET", "/accounts"),
    ("GET", "/accounts/{id}"),
    ("GET", "/accounts/{id}/positions/all"),
    ("GET", "/accounts/{id}/balances"),
    ("GET", "/accounts/{id}/orders"),
    ("POST", "/accounts/{id}/orders/details"),
    ("GET", "/accounts/{id}/recentOrders"),
    ("GET", "/accounts/{id}/activities"),
    ("GET", "/accounts/{id}/balanceHistory"),
    ("GET", "/brokerages"),
    ("GET", "/brokerageAuthorizationTypes"),
];

/// The handler of one entry of [`SNAPTRADE_ROUTES`]; every route but the status is signed.
fn handler(method: &str, path: &str) -> Option<MethodRouter<App>> {
    Some(match (method, path) {
        ("GET", "/snapTrade/listUsers") => get(list_users),
        ("POST", "/snapTrade/registerUser") => post(register_user),
        ("DELETE", "/snapTrade/deleteUser") => delete(delete_user),
        ("POST", "/snapTrade/resetUserSecret") => post(reset_secret),
        ("POST", "/snapTrade/login") => post(login),
        ("GET", "/snapTrade/partners") => get(partners),
        ("GET", "/authorizations") => get(list_connections),
        ("GET", "/authorizations/{id}") => get(connection_detail),
        ("DELETE", "/authorizations/{id}") => delete(remove_connection_legacy),
        ("DELETE", "/connection/{id}") => delete(remove_connection),
        ("POST", "/authorizations/{id}/refresh") => post(refresh),
        ("POST", "/authorizations/{id}/disable") => post(disable),
        ("GET", "/authorizations/{id}/accounts") => get(connection_accounts),
        ("GET", "/connections/{id}/accounts") => get(connection_accounts_results),
        ("GET", "/accounts") => get(list_accounts),
        ("GET", "/accounts/{id}") => get(account_detail),
        ("GET", "/accounts/{id}/positions/all") => get(holdings::positions),
        ("GET", "/accounts/{id}/balances") => get(holdings::balances),
        ("GET", "/accounts/{id}/orders") => get(holdings::orders),
        ("POST", "/accounts/{id}/orders/details") => post(holdings::order_detail),
        ("GET", "/accounts/{id}/recentOrders") => get(holdings::recent_orders),
        ("GET", "/accounts/{id}/activities") => get(holdings::activities),
        ("GET", "/accounts/{id}/balanceHistory") => get(holdings::balance_history),
        ("GET", "/brokerages") => get(brokerages),
        ("GET", "/brokerageAuthorizationTypes") => get(authorization_types),
        _ => return None,
    })
}

pub fn router(app: App) -> Router {
    let mut signed = Router::new();
    for (method, path) in SNAPTRADE_ROUTES {
        if let Some(handler) = handler(method, path) {
            // Two methods of one path merge into one method router.
            signed = signed.route(path, handler);
        }
    }
    let signed = signed.layer(axum::middleware::from_fn_with_state(app.clone(), verify_signature));
    let face = Router::new().route("/", get(status)).merge(signed).with_state(app);
    let legacy = face.clone().layer(axum::middleware::map_response(mark_deprecated));
    let legacy_root = Router::new()
        .route("/api/v1/", get(status))
        .layer(axum::middleware::map_response(mark_deprecated));
    Router::new().nest("/api/v1", legacy).merge(legacy_root).merge(face)
}

/// The legacy `/api/v1` prefix is still answered, flagged as SnapTrade flags it: an RFC 9745
/// `Deprecation` date, June 12, 2026, as the spec gives it.
async fn mark_deprecated(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("deprecation", axum::http::HeaderValue::from_static(LEGACY_DEPRECATION));
    response
}

const LEGACY_DEPRECATION: &str = "@1781222400";

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(405, "1012", "Method not allowed")
}

pub async fn not_found() -> ApiError {
    ApiError::new(404, "1011", "Not found")
}

async fn status() -> Json<Value> {
    Json(
        json!({ "version": 151, "timestamp": Utc::now().format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string(), "online": true }),
    )
}

async fn list_users(State(app): State<App>) -> Json<Value> {
    let mut ids: Vec<String> = app
        .store
        .users
        .iter()
        .filter(|u| u.protocol == Protocol::SnapTrade && !app.store.personal_users.contains(u.key()))
        .map(|u| u.key().clone())
        .collect();
    ids.sort();
    Json(json!(ids))
}

async fn register_user(State(app): State<App>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    let user_id = body
        .get("userId")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("userId: This field is required."))?;
    if user_id.len() > 255 || user_id.chars().any(char::is_control) {
        return Err(ApiError::bad_request("userId: invalid value."));
    }
    let secret = uuid::Uuid::new_v4().to_string();
    match app.store.users.entry(user_id.to_owned()) {
        dashmap::Entry::Occupied(_) => Err(ApiError::new(
            400,
            "1010",
            format!("User with the following userId already exist: '{user_id}'"),
        )),
        dashmap::Entry::Vacant(slot) => {
            slot.insert(UserRecord {
                user_id: user_id.to_owned(),
                protocol: Protocol::SnapTrade,
                secret: secret.clone(),
                connections: Vec::new(),
            });
            app.store
                .emit(Protocol::SnapTrade, user_id, None, Happening::UserRegistered);
            Ok(Json(json!({ "userId": user_id, "userSecret": secret })))
        }
    }
}

async fn delete_user(State(app): State<App>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q);
    let user_id = params
        .get("userId")
        .ok_or_else(|| ApiError::bad_request("userId is required"))?;
    let (_, user) = app
        .store
        .users
        .remove_if(user_id, |_, u| u.protocol == Protocol::SnapTrade)
        .ok_or_else(|| ApiError::not_found("User"))?;
    for connection in &user.connections {
        app.store.connection_owner.remove(&connection.id);
    }
    app.store.portal_sessions.retain(|_, s| s.user_id != user_id);
    app.store
        .emit(Protocol::SnapTrade, user_id, None, Happening::UserDeleted);
    Ok(Json(json!({
        "status": "deleted",
        "detail": format!("User {user_id} queued for deletion; please wait for webhook for confirmation."),
        "userId": user_id,
    })))
}

async fn reset_secret(State(app): State<App>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let params = Params(HashMap::from([
        ("userId".into(), field("userId")),
        ("userSecret".into(), field("userSecret")),
    ]));
    let mut user = authed_user(&app, &params)?;
    user.secret = uuid::Uuid::new_v4().to_string();
    Ok(Json(json!({ "userId": user.user_id, "userSecret": user.secret })))
}

/// Reads the login options, rejecting what SnapTrade rejects with a 400.
fn login_options(body: &Value) -> ApiResult<PortalOptions> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let flag = |k: &str| body.get(k).and_then(Value::as_bool);
    let locale = match text("locale") {
        None => None,
        Some(raw) => {
            Some(brokerlink_locale(&raw).ok_or_else(|| ApiError::bad_request(format!("Unsupported locale '{raw}'")))?)
        }
    };
    if let Some(kind) = text("connectionType") {
        if !matches!(kind.as_str(), "read" | "trade" | "trade-if-available") {
            return Err(ApiError::bad_request(format!("Invalid connectionType '{kind}'")));
        }
    }
    if let Some(version) = text("connectionPortalVersion") {
        if !matches!(version.as_str(), "v2" | "v3" | "v4") {
            return Err(ApiError::bad_request(format!(
                "Invalid connectionPortalVersion '{version}'"
            )));
        }
    }
    if let Some(redirect) = text("customRedirect") {
        let ok = url::Url::parse(&redirect).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(ApiError::bad_request("customRedirect must be an absolute http(s) URL"));
        }
    }
    if let Some(broker) = text("broker") {
        if crate::brokers::find(&broker).is_none() {
            return Err(ApiError::bad_request(format!("Invalid broker '{broker}'")));
        }
    }
    Ok(PortalOptions {
        broker: text("broker").map(|b| b.to_ascii_uppercase()),
        connection_type: text("connectionType"),
        dark_mode: flag("darkMode"),
        locale,
        custom_redirect: text("customRedirect"),
        immediate_redirect: flag("immediateRedirect").unwrap_or(false),
        reconnect: text("reconnect"),
        show_close_button: flag("showCloseButton").unwrap_or(true),
        email: None,
        brokers_filter: None,
    })
}

/// SnapTrade's locale matching: case- and separator-insensitive, regional tags fall back.
fn brokerlink_locale(raw: &str) -> Option<String> {
    let normalised = raw.trim().replace('_', "-").to_ascii_lowercase();
    if normalised == "pt-br" {
        Some("pt-BR".into())
    } else if normalised == "en" || normalised.starts_with("en-") {
        Some("en".into())
    } else {
        None
    }
}

async fn login(State(app): State<App>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let params = Params::parse(q);
    let body = json_body(&body)?;
    let options = login_options(&body)?;
    let user_id = {
        let user = authed_user(&app, &params)?;
        if let Some(reconnect) = &options.reconnect {
            connection_index(&user, reconnect)?;
        }
        user.user_id.clone()
    };
    let session = PortalSession::new(
        Protocol::SnapTrade,
        user_id,
        options.clone(),
        app.store.config.portal_link_lifetime,
    );
    let token = crate::config::random_text(48);
    let mut link = url::Url::parse(&format!("{}/snapTrade/redeemToken", app.base_url))
        .map_err(|_| ApiError::new(500, "1000", "bad base URL"))?;
    {
        let mut q = link.query_pairs_mut();
        q.append_pair("token", &token);
        q.append_pair("clientId", &app.store.config.client_id);
        if let Some(broker) = &options.broker {
            q.append_pair("broker", broker);
        }
        if let Some(kind) = &options.connection_type {
            q.append_pair("connectionType", kind);
        }
        if let Some(dark) = options.dark_mode {
            q.append_pair("darkMode", if dark { "true" } else { "false" });
        }
        if let Some(locale) = &options.locale {
            q.append_pair("locale", locale);
        }
        if let Some(reconnect) = &options.reconnect {
            q.append_pair("reconnect", reconnect);
        }
        if let Some(redirect) = &options.custom_redirect {
            q.append_pair("customRedirect", redirect);
        }
        if body.get("immediateRedirect").is_some() {
            q.append_pair(
                "immediateRedirect",
                if options.immediate_redirect { "true" } else { "false" },
            );
        }
        if body.get("showCloseButton").is_some() {
            q.append_pair(
                "showCloseButton",
                if options.show_close_button { "true" } else { "false" },
            );
        }
        q.append_pair("connectionPortalVersion", "v4");
        q.append_pair("sessionId", &session.session_id);
    }
    let session_id = session.session_id.clone();
    app.store.portal_sessions.insert(token, session);
    Ok(Json(json!({ "redirectURI": link.as_str(), "sessionId": session_id })))
}

async fn partners(State(app): State<App>) -> Json<Value> {
    let brokers: Vec<Value> = BROKERS.iter().map(|b| b.snaptrade_json(&app.base_url)).collect();
    Json(json!({
        "slug": app.store.config.client_id,
        "name": "brokerlink sandbox",
        "logo_url": null,
        "allowed_brokerages": brokers,
        "can_access_trades": true,
        "can_access_holdings": true,
        "can_access_account_history": true,
        "can_access_reference_data": true,
        "can_access_portfolio_management": false,
        "can_access_orders": true,
        "redirect_uri": null,
        "pin_required": false,
    }))
}

async fn list_connections(State(app): State<App>, RawQuery(q): RawQuery) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    let list: Vec<Value> = user
        .connections
        .iter()
        .map(|c| render::connection(c, &app.base_url))
        .collect();
    Ok(Json(json!(list)))
}

async fn connection_detail(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    let index = connection_index(&user, &id)?;
    Ok(Json(render::connection(&user.connections[index], &app.base_url)))
}

fn take_connection(app: &App, id: &str, q: Option<String>) -> ApiResult<()> {
    let mut user = authed_user(app, &Params::parse(q))?;
    let index = connection_index(&user, id)?;
    let removed = user.connections.remove(index);
    app.store
        .emit(Protocol::SnapTrade, &user.user_id, Some(&removed), Happening::Deleted);
    app.store.drop_portfolios(&removed);
    drop(user);
    app.store.connection_owner.remove(id);
    Ok(())
}

async fn remove_connection(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    take_connection(&app, &id, q)?;
    Ok(Json(json!({
        "detail": "Connection queued for deletion; please wait for webhook for confirmation.",
        "connection_id": id,
    })))
}

async fn remove_connection_legacy(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    take_connection(&app, &id, q)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn refresh(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let mut user = authed_user(&app, &Params::parse(q))?;
    let index = connection_index(&user, &id)?;
    let connection = &mut user.connections[index];
    if connection.disabled || connection.expired {
        return Err(ApiError::new(
            402,
            "3003",
            "Unable to sync with brokerage account because the connection is disabled.",
        ));
    }
    let cooldown = app.store.config.refresh_cooldown;
    if connection.last_refresh.is_some_and(|t| t.elapsed() < cooldown) {
        return Err(ApiError::new(
            429,
            "throttled",
            "Connection refreshed too recently. Please try again later.",
        ));
    }
    connection.last_refresh = Some(Instant::now());
    connection.updated_at = Utc::now();
    app.store.advance_portfolios(connection);
    app.store.emit(
        Protocol::SnapTrade,
        &user.user_id,
        Some(&user.connections[index]),
        Happening::Refreshed,
    );
    Ok(Json(
        json!({ "detail": format!("Connection {id} scheduled for refresh") }),
    ))
}

async fn disable(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let mut user = authed_user(&app, &Params::parse(q))?;
    let index = connection_index(&user, &id)?;
    let connection = &mut user.connections[index];
    if connection.disabled || connection.expired {
        return Err(ApiError::new(402, "3011", "This connection is already disabled."));
    }
    connection.disabled = true;
    connection.disable_at = None;
    connection.disabled_at = Some(Utc::now());
    connection.updated_at = Utc::now();
    app.store.emit(
        Protocol::SnapTrade,
        &user.user_id,
        Some(&user.connections[index]),
        Happening::Broken,
    );
    Ok(Json(json!({ "detail": format!("Connection {id} has been disabled") })))
}

async fn connection_accounts(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    let connection = &user.connections[connection_index(&user, &id)?];
    if connection.is_pending() {
        return Err(ApiError::new(
            425,
            "3012",
            "The connection is still being populated; try again shortly.",
        ));
    }
    let list: Vec<Value> = connection
        .accounts
        .iter()
        .map(|a| render::account(connection, a))
        .collect();
    Ok(Json(json!(list)))
}

/// The experimental, `kind`-tagged view of a connection's accounts: a bare array, as the spec
/// says.
async fn connection_accounts_results(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    let connection = &user.connections[connection_index(&user, &id)?];
    let list: Vec<Value> = connection
        .accounts
        .iter()
        .map(|a| render::connection_account(connection, a))
        .collect();
    Ok(Json(json!(list)))
}

async fn list_accounts(State(app): State<App>, RawQuery(q): RawQuery) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    let list: Vec<Value> = user
        .connections
        .iter()
        .flat_map(|c| c.accounts.iter().map(move |a| render::account(c, a)))
        .collect();
    Ok(Json(json!(list)))
}

async fn account_detail(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let user = authed_user(&app, &Params::parse(q))?;
    user.connections
        .iter()
        .find_map(|c| c.accounts.iter().find(|a| a.id == id).map(|a| render::account(c, a)))
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Account"))
}

async fn brokerages(State(app): State<App>) -> Json<Value> {
    Json(json!(BROKERS
        .iter()
        .map(|b| b.snaptrade_json(&app.base_url))
        .collect::<Vec<_>>()))
}

async fn authorization_types(RawQuery(q): RawQuery) -> Json<Value> {
    let params = Params::parse(q);
    let wanted: Option<Vec<String>> = params
        .get("brokerage")
        .map(|list| list.split(',').map(|s| s.trim().to_ascii_uppercase()).collect());
    let mut types = Vec::new();
    for broker in BROKERS {
        if wanted.as_ref().is_some_and(|w| !w.iter().any(|s| s == broker.slug)) {
            continue;
        }
        let kinds: &[&str] = if broker.allows_trading {
            &["read", "trade"]
        } else {
            &["read"]
        };
        for (i, kind) in kinds.iter().enumerate() {
            types.push(json!({
                "id": format!("{}{}", &broker.id[..35], i),
                "type": kind,
                "auth_type": "OAUTH",
                "brokerage": { "id": broker.id, "name": broker.name, "slug": broker.slug },
            }));
        }
    }
    Json(json!(types))
}

/// The request parsing of this face on arbitrary input; for the fuzzer.
#[cfg(feature = "fuzzing")]
pub fn fuzz_request(path: &str, query: &str, body: &[u8], signature: &str) {
    let _ = auth::signature_matches("fuzz-key", path, query, body, signature);
    let params = Params::parse(Some(query.to_owned()));
    let _ = (params.get("userId"), params.get("userSecret"));
    if let Ok(value) = json_body(&Bytes::copy_from_slice(body)) {
        let _ = login_options(&value);
    }
}
