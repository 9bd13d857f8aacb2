//! The connection portal: one static page (HTML/CSS/JS, no build step) for both protocols,
//! and the small JSON API it calls.

use crate::brokers::{self, BROKERS};
use crate::flow::{self, Outcome};
use crate::App;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("portal.js");
const STYLE: &str = include_str!("portal.css");
/// `openPortal()` for host pages, served as is. It is also the npm package's `brokerlink/portal`,
/// which copies it from here when packed (`npm run sync-portal`): the file lives in this crate
/// so that every package that builds the sandbox from source (the Python sdist) carries it.
const OPEN_PORTAL: &str = include_str!("open-portal.js");

/// Nothing from outside the sandbox. Framing: apps embed the portal in an iframe on their own
/// pages (`openPortal()`), and the sandbox cannot know their origins in advance — in
/// development they are dev servers on loopback (any port), elsewhere https pages. So those may
/// frame it, and nothing else may: no plain-http page off this machine (whose origin nobody can
/// vouch for), no `data:`/`blob:`/`file:` documents.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; frame-ancestors 'self' http://localhost:* http://127.0.0.1:* \
                   http://[::1]:* https:; form-action 'self'; base-uri 'none'";

pub fn router(app: App) -> Router {
    Router::new()
        .route("/snapTrade/redeemToken", get(page))
        .route("/api/v1/snapTrade/redeemToken", get(page))
        .route("/portal", get(page))
        .route("/portal/assets/portal.js", get(script))
        .route("/portal/assets/portal.css", get(style))
        .route("/portal/assets/open-portal.js", get(open_portal))
        .route("/portal/logos/{file}", get(logo))
        .route("/favicon.ico", get(favicon))
        .route("/portal/api/session", get(session_info))
        .route("/portal/api/connect", post(connect))
        .route("/portal/api/mfa", post(mfa))
        .with_state(app)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    let mut response = asset("text/html; charset=utf-8", PAGE);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// Loaded by pages of other origins (as a module script, so fetched with CORS).
async fn open_portal() -> Response {
    let mut response = asset("text/javascript; charset=utf-8", OPEN_PORTAL);
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    response
}

async fn favicon() -> Response {
    let icon = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#5b5bd6"/><path d="M13 19l6-6M11 15l-2 2a4 4 0 0 0 6 6l2-2M21 17l2-2a4 4 0 0 0-6-6l-2 2" stroke="#fff" stroke-width="2.5" fill="none" stroke-linecap="round"/></svg>"##;
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))],
        icon,
    )
        .into_response()
}

async fn logo(Path(file): Path<String>) -> Response {
    let slug = file.strip_suffix(".svg").unwrap_or(&file);
    match brokers::find(slug) {
        Some(broker) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
            ],
            broker.logo_svg(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn outcome_status(outcome: &Outcome) -> StatusCode {
    match outcome {
        Outcome::Error {
            error_code,
            status_code,
            ..
        } if *error_code == flow::codes::SESSION_EXPIRED => {
            StatusCode::from_u16(*status_code).unwrap_or(StatusCode::GONE)
        }
        _ => StatusCode::OK,
    }
}

fn outcome_response(outcome: Outcome) -> Response {
    (outcome_status(&outcome), Json(outcome)).into_response()
}

async fn session_info(State(app): State<App>, Query(params): Query<HashMap<String, String>>) -> Response {
    let token = params.get("token").cloned().unwrap_or_default();
    flow::apply_link_params(&app.store, &token, &params);
    let session = match flow::live_session(&app.store, &token) {
        Ok(session) => session,
        Err(outcome) => return ended_session_response(&app, &token, outcome),
    };
    let reconnect = session.options.reconnect.as_ref().and_then(|id| {
        let broker = flow::session_broker(&app.store, &session, None).ok()?;
        Some(json!({ "connection_id": id, "broker": broker.slug }))
    });
    let brokers: Vec<Value> = BROKERS
        .iter()
        .filter(|b| flow::broker_allowed(&session, b))
        .map(|b| {
            json!({
                "slug": b.slug, "name": b.name, "display_name": b.display_name,
                "allows_trading": b.allows_trading, "logo_url": b.logo_path(),
            })
        })
        .collect();
    let credentials: Vec<Value> = flow::TEST_CREDENTIALS
        .iter()
        .map(|(username, password, outcome)| json!({ "username": username, "password": password, "outcome": outcome }))
        .collect();
    let o = &session.options;
    Json(json!({
        "provider": session.protocol,
        "session_id": session.session_id,
        "expires_at": crate::snaptrade_timestamp(session.expires_at),
        "options": {
            "broker": o.broker,
            "connection_type": o.connection_type.as_deref().unwrap_or("read"),
            "dark_mode": o.dark_mode,
            "locale": o.locale.as_deref().unwrap_or("en"),
            "show_close_button": o.show_close_button,
            "reconnect": reconnect,
            "custom_redirect": o.custom_redirect,
            "immediate_redirect": o.immediate_redirect,
            "email": o.email,
        },
        "brokers": brokers,
        "test_credentials": credentials,
        "mfa_code_hint": flow::MFA_CODE,
    }))
    .into_response()
}

/// A link that expired or was used: the error, plus where its app asked to be sent back — but
/// only from the session the app created on its server. A link the sandbox never issued has no
/// redirect, whatever its own query says, or the page would be an open redirector.
fn ended_session_response(app: &App, token: &str, outcome: Outcome) -> Response {
    let Some(options) = app.store.portal_sessions.get(token).map(|s| s.options.clone()) else {
        return outcome_response(outcome);
    };
    let status = outcome_status(&outcome);
    let mut body = serde_json::to_value(&outcome).unwrap_or_default();
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "options".into(),
            json!({
                "custom_redirect": options.custom_redirect,
                "immediate_redirect": options.immediate_redirect,
                "show_close_button": options.show_close_button,
                "locale": options.locale,
            }),
        );
    }
    (status, Json(body)).into_response()
}

#[derive(Deserialize)]
struct ConnectRequest {
    token: String,
    broker: Option<String>,
    username: String,
    password: String,
    connection_type: Option<String>,
}

async fn connect(State(app): State<App>, Json(req): Json<ConnectRequest>) -> Response {
    outcome_response(flow::connect(
        &app.store,
        &req.token,
        req.broker.as_deref(),
        &req.username,
        &req.password,
        req.connection_type.as_deref(),
    ))
}

#[derive(Deserialize)]
struct MfaRequest {
    token: String,
    code: String,
}

async fn mfa(State(app): State<App>, Json(req): Json<MfaRequest>) -> Response {
    outcome_response(flow::submit_mfa(&app.store, &req.token, &req.code))
}
