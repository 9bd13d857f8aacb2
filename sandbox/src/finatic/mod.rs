//! The Finatic face: session routes under both `/api/beta` (the browser client package) and
//! `/api/v1` (the server package), the beta broker routes, and the v1 account routes.

mod data;
mod envelope;
mod holdings;
mod subscriptions;

pub use envelope::FinaticError;

use crate::config::random_text;
use crate::store::{FinaticSession, OneTimeToken, PortalOptions, PortalSession, Protocol};
use crate::App;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use brokerlink::signing::constant_time_eq;
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use envelope::w_ok;
use serde_json::{json, Value};
use std::time::Instant;

/// Which requests the Finatic face answers; the rest go to the SnapTrade face, which also
/// owns a legacy `/api/v1`.
pub fn claims(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with("/api/beta/") {
        return true;
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let finatic_only = ["session/", "sessions/", "account-grants", "users/", "webhooks/"];
    finatic_only.iter().any(|p| rest.starts_with(p))
        || method == Method::OPTIONS
        || ["x-api-key", "x-session-id", "one-time-token"]
            .iter()
            .any(|h| headers.contains_key(*h))
}

pub fn router(app: App) -> Router {
    let mut router = Router::new();
    for prefix in ["/api/beta", "/api/v1"] {
        router = router
            .route(&format!("{prefix}/session/init"), post(init))
            .route(&format!("{prefix}/session/start"), post(start))
            .route(&format!("{prefix}/session/portal"), get(portal))
            .route(&format!("{prefix}/session/{{id}}/user"), get(session_user));
    }
    // Finatic's v1 spec spells this one with the plural the other session routes use.
    router = router.route("/api/v1/sessions/{id}/user", get(session_user));
    subscriptions::routes(data::routes(router))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(cors))
        .with_state(app)
}

async fn method_not_allowed() -> Response {
    FinaticError::new(405, "METHOD_NOT_ALLOWED", "This route does not take that method").wrapped()
}

async fn not_found() -> Response {
    FinaticError::new(404, "NOT_FOUND", "No such Finatic route").wrapped()
}

fn timestamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| headers.get(*n))
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

pub(crate) fn check_api_key(app: &App, headers: &HeaderMap) -> Result<(), FinaticError> {
    let given = header(headers, &["x-api-key"]).unwrap_or_default();
    if constant_time_eq(given.as_bytes(), app.store.config.api_key.as_bytes()) {
        Ok(())
    } else {
        Err(FinaticError::new(
            401,
            "INVALID_API_KEY",
            "The API key is missing or invalid",
        ))
    }
}

/// Session-authorised routes (the spec asks no key there, and a front end built from a
/// one-time token has none) still refuse a wrong key when one is sent.
pub(crate) fn check_api_key_if_sent(app: &App, headers: &HeaderMap) -> Result<(), FinaticError> {
    match headers.get("x-api-key") {
        Some(_) => check_api_key(app, headers),
        None => Ok(()),
    }
}

/// The live session named by the request's session header.
pub(crate) fn session_from(app: &App, headers: &HeaderMap) -> Result<FinaticSession, FinaticError> {
    let id = header(headers, &["x-session-id", "session-id"])
        .ok_or_else(|| FinaticError::new(401, "SESSION_REQUIRED", "A session id header is required"))?;
    let session = app
        .store
        .finatic_sessions
        .get(id)
        .map(|s| s.clone())
        .ok_or_else(|| FinaticError::new(404, "SESSION_NOT_FOUND", "No such session"))?;
    if session.is_expired() {
        return Err(FinaticError::new(
            401,
            "SESSION_EXPIRED",
            "The session has expired; start a new one",
        ));
    }
    Ok(session)
}

async fn init(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    let token = format!("ott_{}", random_text(32));
    let lifetime = app.store.config.one_time_token_lifetime;
    app.store.one_time_tokens.insert(
        token.clone(),
        OneTimeToken {
            expires: Instant::now() + lifetime,
            used: false,
        },
    );
    w_ok(json!({ "one_time_token": token, "expires_at": timestamp(Utc::now() + lifetime) }))
}

/// Spends a one-time token: unknown, used and expired tokens are refused.
fn spend_token(app: &App, headers: &HeaderMap) -> Result<(), FinaticError> {
    let token = header(headers, &["one-time-token"])
        .ok_or_else(|| FinaticError::new(401, "INVALID_TOKEN", "The One-Time-Token header is required"))?;
    let mut entry = app
        .store
        .one_time_tokens
        .get_mut(token)
        .ok_or_else(|| FinaticError::new(401, "INVALID_TOKEN", "Unknown one-time token"))?;
    if entry.used {
        return Err(FinaticError::new(
            401,
            "TOKEN_USED",
            "This one-time token was already used",
        ));
    }
    if Instant::now() >= entry.expires {
        return Err(FinaticError::new(
            401,
            "TOKEN_EXPIRED",
            "This one-time token has expired",
        ));
    }
    entry.used = true;
    Ok(())
}

async fn start(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = spend_token(&app, &headers) {
        return e.wrapped();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let provided = body.get("user_id").and_then(Value::as_str).filter(|id| !id.is_empty());
    let known = provided.filter(|id| {
        app.store
            .users
            .get(*id)
            .is_some_and(|u| u.protocol == Protocol::Finatic)
    });
    let lifetime = app.store.config.finatic_session_lifetime;
    let session = FinaticSession {
        id: uuid::Uuid::new_v4().to_string(),
        status: if known.is_some() { "active" } else { "pending" },
        user_id: known.map(str::to_owned),
        csrf_token: format!("csrf_{}", random_text(24)),
        expires: Instant::now() + lifetime,
        expires_at: Utc::now() + lifetime,
    };
    app.store.finatic_sessions.insert(session.id.clone(), session.clone());
    w_ok(json!({
        "session_id": session.id,
        "company_id": app.store.company_id,
        "status": session.status,
        "expires_at": timestamp(session.expires_at),
        "user_id": session.user_id,
        "provided_user_id_rejected": provided.is_some() && known.is_none(),
        "portal_connection_management_pending": false,
        "csrf_token": session.csrf_token,
    }))
}

async fn portal(State(app): State<App>, headers: HeaderMap) -> Response {
    let session = match session_from(&app, &headers) {
        Ok(session) => session,
        Err(e) => return e.wrapped(),
    };
    let options = PortalOptions {
        show_close_button: true,
        ..PortalOptions::default()
    };
    let mut link = PortalSession::new(
        Protocol::Finatic,
        session.user_id.clone().unwrap_or_default(),
        options,
        app.store.config.portal_link_lifetime,
    );
    link.session_id = session.id.clone();
    link.api_session = Some(session.id.clone());
    let token = random_text(48);
    app.store.portal_sessions.insert(token.clone(), link);
    if let Some(mut s) = app.store.finatic_sessions.get_mut(&session.id) {
        if s.status == "pending" {
            s.status = "authenticating";
        }
    }
    w_ok(json!({ "portal_url": format!("{}/portal?token={token}", app.base_url) }))
}

async fn session_user(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let session = match session_from(&app, &headers) {
        Ok(session) => session,
        Err(e) => return e.wrapped(),
    };
    if session.id != id {
        return FinaticError::new(403, "SESSION_MISMATCH", "The session header does not match the path").wrapped();
    }
    match session.user_id {
        Some(user_id) => w_ok(json!({ "user_id": user_id })),
        None => FinaticError::new(404, "USER_NOT_FOUND", "No user has logged in through this session yet").wrapped(),
    }
}

/// The browser client package calls from the app's origin: answer preflights for the
/// headers it sends, and let it read responses.
async fn cors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let origin = request
        .headers()
        .get("origin")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"));
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", origin);
    headers.insert("vary", HeaderValue::from_static("Origin"));
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS"),
    );
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "one-time-token, content-type, session-id, x-session-id, x-company-id, x-csrf-token, x-request-id, \
             x-api-key, x-finatic-environment, authorization, accept",
        ),
    );
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("x-request-id"),
    );
    headers.insert("access-control-max-age", HeaderValue::from_static("600"));
    response
}
