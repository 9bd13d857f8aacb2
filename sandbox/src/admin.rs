//! The admin API under `/_sandbox/` (docs/design.md §6): unsigned JSON, loopback only. Users' own test
//! suites drive it; the in-process `Sandbox` methods call the same functions.

use crate::faults::FaultRule;
use crate::flow::{self, Outcome};
use crate::store::{Protocol, SimConnection, SimStatus, Store};
use crate::webhooks::{check_target, Endpoint, Happening};
use crate::App;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub fn router(app: App) -> Router {
    Router::new()
        .route("/_sandbox/portal/complete", post(complete))
        .route("/_sandbox/connections/{id}/{action}", post(connection_action))
        .route(
            "/_sandbox/faults",
            post(add_fault).delete(clear_faults).get(list_faults),
        )
        .route("/_sandbox/webhooks", post(add_webhook_route).get(list_webhooks))
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/deliveries/{id}/replay", post(replay))
        .route("/_sandbox/webhooks/{id}", axum::routing::delete(remove_webhook))
        .route("/_sandbox/webhooks/{id}/rotate", post(rotate_webhook))
        .route("/_sandbox/portfolios", post(load_portfolio_route))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/state", get(state))
        .with_state(app)
}

fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// `POST /_sandbox/portal/complete`: what a person does on the page, done headlessly.
#[derive(Debug, Clone, Deserialize)]
pub struct CompletePortal {
    pub url: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub mfa_code: Option<String>,
    #[serde(default)]
    pub broker: Option<String>,
    #[serde(default)]
    pub connection_type: Option<String>,
}

/// The token of a portal link the sandbox issued.
fn link_token(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let token = parsed
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    token
}

pub fn complete_portal(store: &Store, request: &CompletePortal) -> Outcome {
    let token = link_token(&request.url).unwrap_or_default();
    let params: std::collections::HashMap<String, String> = url::Url::parse(&request.url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    flow::apply_link_params(store, &token, &params);
    // Without an explicit pick, take the first broker the link offers.
    let first_offered = store.portal_sessions.get(&token).and_then(|s| {
        crate::brokers::BROKERS
            .iter()
            .find(|b| flow::broker_allowed(&s, b))
            .map(|b| b.slug)
    });
    let broker = request.broker.as_deref().or(first_offered);
    let mut outcome = flow::connect(
        store,
        &token,
        broker,
        &request.username,
        &request.password,
        request.connection_type.as_deref(),
    );
    if outcome == Outcome::MfaRequired {
        outcome = match &request.mfa_code {
            Some(code) => flow::submit_mfa(store, &token, code),
            None => Outcome::Error {
                error_code: flow::codes::BAD_MFA_CODE,
                status_code: 401,
                detail: "This login needs an MFA code; pass mfa_code.".into(),
            },
        };
    }
    outcome
}

async fn complete(State(app): State<App>, Json(request): Json<CompletePortal>) -> Json<Outcome> {
    Json(complete_portal(&app.store, &request))
}

/// A connection as the sandbox stores it, the same for both protocols: what the admin API and
/// every language's `change_connection` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxConnection {
    pub id: String,
    pub user_id: String,
    /// The broker's slug (`ALPACA`).
    pub broker: String,
    /// `active`, `pending`, `disabled`, `expired` or `removed`.
    pub status: &'static str,
    /// `read` or `trade`.
    pub permission: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub disabled_at: Option<String>,
    /// The ids of its accounts.
    pub accounts: Vec<String>,
}

impl SandboxConnection {
    fn of(c: &SimConnection, status: SimStatus) -> Self {
        SandboxConnection {
            id: c.id.clone(),
            user_id: c.user_id.clone(),
            broker: c.broker.slug.to_owned(),
            status: status.as_str(),
            permission: if c.trade { "trade" } else { "read" },
            created_at: crate::snaptrade_timestamp(c.created_at),
            updated_at: crate::snaptrade_timestamp(c.updated_at),
            disabled_at: c.disabled_at.map(crate::snaptrade_timestamp),
            accounts: c.accounts.iter().map(|a| a.id.clone()).collect(),
        }
    }
}

/// What happens to a connection at the broker, for `change_connection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionChange {
    /// Broken: the user must reconnect (SnapTrade `disabled`).
    Disable,
    /// Past its lifetime (Finatic `expired`).
    Expire,
    /// Gone, as if the user revoked it at the broker.
    Remove,
    /// A day passes at the broker: prices move and a dividend arrives in every account, with
    /// the webhooks that announce new holdings and transactions.
    Refresh,
}

impl ConnectionChange {
    pub const ALL: [ConnectionChange; 4] = [
        ConnectionChange::Disable,
        ConnectionChange::Expire,
        ConnectionChange::Remove,
        ConnectionChange::Refresh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionChange::Disable => "disable",
            ConnectionChange::Expire => "expire",
            ConnectionChange::Remove => "remove",
            ConnectionChange::Refresh => "refresh",
        }
    }

    /// `disable`, `expire`, `remove` or `refresh`; another word is `invalid_input` naming
    /// `action`.
    pub fn parse(action: &str) -> brokerlink::Result<Self> {
        ConnectionChange::ALL
            .into_iter()
            .find(|c| c.as_str() == action)
            .ok_or_else(|| {
                brokerlink::Error::invalid_input(
                    "action",
                    format!("{action:?} is not disable, expire, remove or refresh"),
                )
            })
    }
}

/// Disables, expires, removes or refreshes a connection as if it happened at the broker;
/// `not_found` for a connection the sandbox does not have.
pub fn change_connection(store: &Store, id: &str, change: ConnectionChange) -> brokerlink::Result<SandboxConnection> {
    let now = chrono::Utc::now();
    let view = store.with_connection(id, |user, index| match change {
        ConnectionChange::Disable | ConnectionChange::Expire => {
            let c = &mut user.connections[index];
            c.disabled = true;
            c.expired = change == ConnectionChange::Expire;
            c.disable_at = None;
            c.pending_until = None;
            c.disabled_at = Some(now);
            c.updated_at = now;
            let view = SandboxConnection::of(c, c.status());
            store.emit(
                user.protocol,
                &user.user_id,
                Some(&user.connections[index]),
                Happening::Broken,
            );
            view
        }
        ConnectionChange::Refresh => {
            let c = &mut user.connections[index];
            store.advance_portfolios(c);
            c.updated_at = now;
            let view = SandboxConnection::of(c, c.status());
            store.emit(
                user.protocol,
                &user.user_id,
                Some(&user.connections[index]),
                Happening::Refreshed,
            );
            view
        }
        ConnectionChange::Remove => {
            let c = user.connections.remove(index);
            store.drop_portfolios(&c);
            store.emit(user.protocol, &user.user_id, Some(&c), Happening::Deleted);
            SandboxConnection::of(&c, SimStatus::Removed)
        }
    });
    let view =
        view.ok_or_else(|| brokerlink::Error::new(brokerlink::ErrorKind::NotFound, format!("no connection {id}")))?;
    if change == ConnectionChange::Remove {
        store.connection_owner.remove(id);
    }
    Ok(view)
}

async fn connection_action(State(app): State<App>, Path((id, action)): Path<(String, String)>) -> Response {
    match ConnectionChange::parse(&action).and_then(|change| change_connection(&app.store, &id, change)) {
        Ok(view) => Json(view).into_response(),
        Err(e) if e.kind() == brokerlink::ErrorKind::NotFound => admin_error(StatusCode::NOT_FOUND, e.message()),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e.message()),
    }
}

async fn add_fault(State(app): State<App>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) => match app.store.faults.add(rule) {
            Ok(id) => Json(json!({ "id": id })).into_response(),
            Err(e) => admin_error(StatusCode::CONFLICT, e.message()),
        },
        Err(e) => admin_error(StatusCode::BAD_REQUEST, format!("not a fault: {e}")),
    }
}

async fn clear_faults(State(app): State<App>) -> Json<Value> {
    app.store.faults.clear();
    Json(json!({ "cleared": true }))
}

async fn list_faults(State(app): State<App>) -> Json<Value> {
    Json(json!({ "armed": app.store.faults.ids() }))
}

/// `POST /_sandbox/webhooks`: where to deliver, which provider's events, which types.
#[derive(Debug, Clone, Deserialize)]
pub struct NewWebhook {
    pub url: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
}

/// Registers an endpoint; deliveries go to loopback or explicitly allowed hosts only.
/// `invalid_input` naming `url` or `provider`; `conflict` once the sandbox keeps as many
/// endpoints as it will.
pub fn add_webhook(store: &Store, request: &NewWebhook) -> brokerlink::Result<Endpoint> {
    check_target(&request.url, &store.config.webhook_allowed_hosts)
        .map_err(|m| brokerlink::Error::invalid_input("url", m))?;
    let provider = match request.provider.as_deref() {
        None => None,
        Some("snaptrade") => Some(Protocol::SnapTrade),
        Some("finatic") => Some(Protocol::Finatic),
        Some(other) => {
            return Err(brokerlink::Error::invalid_input(
                "provider",
                format!("unknown provider {other:?}: use snaptrade or finatic"),
            ))
        }
    };
    store
        .webhooks
        .add_endpoint(request.url.clone(), provider, request.event_types.clone())
        .map_err(|m| brokerlink::Error::new(brokerlink::ErrorKind::Conflict, m))
}

async fn add_webhook_route(State(app): State<App>, body: axum::body::Bytes) -> Response {
    let request = match serde_json::from_slice::<NewWebhook>(&body) {
        Ok(request) => request,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("not a webhook endpoint: {e}")),
    };
    match add_webhook(&app.store, &request) {
        Ok(endpoint) => Json(json!({ "id": endpoint.id, "secret": endpoint.secret })).into_response(),
        Err(e) if e.kind() == brokerlink::ErrorKind::Conflict => admin_error(StatusCode::CONFLICT, e.message()),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e.message()),
    }
}

async fn list_webhooks(State(app): State<App>) -> Json<Value> {
    let mut endpoints: Vec<Endpoint> = app.store.webhooks.endpoints.iter().map(|e| e.clone()).collect();
    endpoints.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    Json(json!(endpoints))
}

async fn remove_webhook(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.store.webhooks.endpoints.remove(&id) {
        Some(_) => Json(json!({ "deleted": id })).into_response(),
        None => admin_error(StatusCode::NOT_FOUND, format!("no webhook endpoint {id}")),
    }
}

#[derive(Deserialize)]
struct Rotate {
    #[serde(default = "default_grace")]
    grace_seconds: f64,
}

fn default_grace() -> f64 {
    3600.0
}

async fn rotate_webhook(State(app): State<App>, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let grace = serde_json::from_slice::<Rotate>(&body).map_or(default_grace(), |r| r.grace_seconds);
    let grace = match brokerlink::duration_from_secs("grace_seconds", grace) {
        Ok(grace) => grace,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match app.store.webhooks.rotate(&id, grace) {
        Some(secret) => {
            Json(json!({ "id": id, "secret": secret, "grace_seconds": grace.as_secs_f64() })).into_response()
        }
        None => admin_error(StatusCode::NOT_FOUND, format!("no webhook endpoint {id}")),
    }
}

async fn deliveries(State(app): State<App>) -> Json<Value> {
    Json(json!(app.store.webhooks.deliveries()))
}

async fn replay(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.store.webhooks.replay(&id) {
        Some(delivery_id) => Json(json!({ "delivery_id": delivery_id })).into_response(),
        None => admin_error(StatusCode::NOT_FOUND, format!("no delivery {id}")),
    }
}

async fn reset(State(app): State<App>) -> Json<Value> {
    app.store.reset();
    Json(json!({ "reset": true }))
}

async fn state(State(app): State<App>) -> Json<Value> {
    Json(json!(app.store.counts()))
}

/// `POST /_sandbox/portfolios`: replaces what an account holds and did with a test's own
/// fixture (`docs/sandbox.md` has the format). `account_id` picks one of the user's accounts;
/// without it, every account of the user gets the fixture.
#[derive(Debug, Deserialize)]
pub struct LoadPortfolio {
    pub user_id: String,
    #[serde(default)]
    pub account_id: Option<String>,
    pub portfolio: crate::portfolio::Fixture,
}

/// Loads a fixture into a user's accounts; `not_found` for an unknown user or account,
/// `invalid_input` (field `portfolio`) for a fixture that contradicts itself. Answers the ids
/// of the accounts it loaded.
pub fn load_portfolio(store: &Store, request: &LoadPortfolio) -> brokerlink::Result<Vec<String>> {
    let missing = |what: String| brokerlink::Error::new(brokerlink::ErrorKind::NotFound, what);
    let mut user = store
        .users
        .get_mut(&request.user_id)
        .ok_or_else(|| missing(format!("no user {}", request.user_id)))?;
    let now = chrono::Utc::now();
    let mut loaded = Vec::new();
    for connection in &mut user.connections {
        let currency = connection.broker.currency;
        for account in &mut connection.accounts {
            if request.account_id.as_ref().is_some_and(|id| id != &account.id) {
                continue;
            }
            let portfolio = request
                .portfolio
                .portfolio(currency, now)
                .map_err(|reason| brokerlink::Error::invalid_input("portfolio", reason))?;
            account.balance = portfolio.total();
            store
                .portfolios
                .insert(account.id.clone(), std::sync::Arc::new(portfolio));
            loaded.push(account.id.clone());
        }
    }
    if loaded.is_empty() {
        return Err(missing(match &request.account_id {
            Some(id) => format!("no account {id} of user {}", request.user_id),
            None => format!("user {} has no accounts yet: connect one first", request.user_id),
        }));
    }
    Ok(loaded)
}

async fn load_portfolio_route(State(app): State<App>, body: axum::body::Bytes) -> Response {
    let request = match serde_json::from_slice::<LoadPortfolio>(&body) {
        Ok(request) => request,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("not a portfolio: {e}")),
    };
    match load_portfolio(&app.store, &request) {
        Ok(accounts) => Json(json!({ "accounts": accounts })).into_response(),
        Err(e) if e.kind() == brokerlink::ErrorKind::NotFound => admin_error(StatusCode::NOT_FOUND, e.message()),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e.message()),
    }
}
