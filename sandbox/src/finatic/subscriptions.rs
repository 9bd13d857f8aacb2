//! Finatic's webhook subscriptions (`/api/v1/webhooks/…`), backed by the sandbox's one
//! webhook registry.

use super::check_api_key;
use super::envelope::{w_ok, FinaticError};
use crate::store::Protocol;
use crate::webhooks::{check_target, Endpoint};
use crate::App;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

/// The event types Finatic documents, with what each means; the sandbox sends the
/// connection-related ones.
pub const CATALOG: &[(&str, &str)] = &[
    (
        "account.grant.created",
        "A user granted the company access to an account",
    ),
    ("account.grant.updated", "The permissions of an account grant changed"),
    ("account.grant.revoked", "An account grant was revoked"),
    ("account.sync.started", "A sync of an account's data started"),
    ("account.sync.succeeded", "A sync of an account's data finished"),
    ("account.sync.failed", "A sync of an account's data failed"),
    ("account.balance.updated", "An account's balances changed"),
    ("account.position.updated", "An account's positions changed"),
    ("account.transaction.created", "An account has a new transaction"),
    ("order.created", "An order was placed"),
    ("order.updated", "An order changed"),
    ("order.filled", "An order was filled"),
    ("order.cancelled", "An order was cancelled"),
    ("order.rejected", "An order was rejected"),
    (
        "connection.reauth.required",
        "A broker connection needs the user to log in again",
    ),
];

fn event_type_names() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|(t, _)| *t)
}

pub fn routes(router: Router<App>) -> Router<App> {
    router
        .route("/api/v1/webhooks/catalog", get(catalog))
        .route("/api/v1/webhooks/payload-schema", get(payload_schema))
        .route("/api/v1/webhooks/subscriptions", post(create).get(list))
        .route("/api/v1/webhooks/subscriptions/{id}", axum::routing::patch(update))
        .route("/api/v1/webhooks/subscriptions/{id}/revoke", post(revoke))
}

fn view(e: &Endpoint) -> Value {
    json!({
        "id": e.id,
        "url": e.url,
        "eventTypes": e.event_types.clone().unwrap_or_else(|| event_type_names().map(str::to_owned).collect()),
        "environment": "sandbox",
        "status": e.status,
        "description": e.description,
        "createdAt": e.created_at,
    })
}

fn event_types(body: &Value) -> Result<Option<Vec<String>>, FinaticError> {
    let Some(list) = body.get("eventTypes") else {
        return Ok(None);
    };
    let types: Vec<String> = list
        .as_array()
        .ok_or_else(|| FinaticError::new(422, "VALIDATION_ERROR", "eventTypes must be a list"))?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if let Some(bad) = types
        .iter()
        .find(|t| !event_type_names().any(|known| known == t.as_str()))
    {
        return Err(FinaticError::new(
            422,
            "VALIDATION_ERROR",
            format!("unknown event type {bad}"),
        ));
    }
    Ok(Some(types))
}

/// The spec's `FDXWebhookEventDefinition`s; the category is the event type's first word.
async fn catalog() -> Response {
    let entries: Vec<Value> = CATALOG
        .iter()
        .map(|(event_type, description)| {
            json!({
                "eventType": event_type,
                "category": event_type.split('.').next().unwrap_or(event_type),
                "description": description,
                "environments": ["live", "sandbox"],
            })
        })
        .collect();
    w_ok(json!(entries))
}

async fn payload_schema() -> Response {
    w_ok(json!({
        "type": "object",
        "required": ["id", "type", "createdAt", "data"],
        "properties": {
            "id": { "type": "string" },
            "type": { "type": "string", "enum": event_type_names().collect::<Vec<_>>() },
            "createdAt": { "type": "string", "format": "date-time" },
            "data": { "type": "object" },
        },
        "signature": "X-Finatic-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>",
    }))
}

async fn create(State(app): State<App>, headers: HeaderMap, body: bytes::Bytes) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(url) = body.get("url").and_then(Value::as_str) else {
        return FinaticError::new(422, "VALIDATION_ERROR", "url is required").wrapped();
    };
    if let Err(message) = check_target(url, &app.store.config.webhook_allowed_hosts) {
        return FinaticError::new(422, "VALIDATION_ERROR", message).wrapped();
    }
    let types = match event_types(&body) {
        Ok(types) => types,
        Err(e) => return e.wrapped(),
    };
    let mut endpoint = match app
        .store
        .webhooks
        .add_endpoint(url.to_owned(), Some(Protocol::Finatic), types)
    {
        Ok(endpoint) => endpoint,
        Err(message) => return FinaticError::new(409, "LIMIT_REACHED", message).wrapped(),
    };
    if let Some(description) = body.get("description").and_then(Value::as_str) {
        if let Some(mut e) = app.store.webhooks.endpoints.get_mut(&endpoint.id) {
            e.description = Some(description.to_owned());
        }
        // The answer shows what was stored.
        endpoint.description = Some(description.to_owned());
    }
    let mut shown = view(&endpoint);
    shown["secret"] = json!(endpoint.secret);
    w_ok(shown)
}

async fn list(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    let mut subscriptions: Vec<Endpoint> = app
        .store
        .webhooks
        .endpoints
        .iter()
        .filter(|e| e.provider == Some(Protocol::Finatic))
        .map(|e| e.clone())
        .collect();
    subscriptions.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    w_ok(json!(subscriptions.iter().map(view).collect::<Vec<_>>()))
}

async fn update(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap, body: bytes::Bytes) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let types = match event_types(&body) {
        Ok(types) => types,
        Err(e) => return e.wrapped(),
    };
    let Some(mut endpoint) = app.store.webhooks.endpoints.get_mut(&id) else {
        return FinaticError::new(404, "SUBSCRIPTION_NOT_FOUND", "No such subscription").wrapped();
    };
    if let Some(url) = body.get("url").and_then(Value::as_str) {
        if let Err(message) = check_target(url, &app.store.config.webhook_allowed_hosts) {
            return FinaticError::new(422, "VALIDATION_ERROR", message).wrapped();
        }
        endpoint.url = url.to_owned();
    }
    if types.is_some() {
        endpoint.event_types = types;
    }
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        if !matches!(status, "active" | "disabled") || endpoint.status == "revoked" {
            return FinaticError::new(422, "VALIDATION_ERROR", "status must be active or disabled").wrapped();
        }
        endpoint.status = status.to_owned();
    }
    if let Some(description) = body.get("description").and_then(Value::as_str) {
        endpoint.description = Some(description.to_owned());
    }
    w_ok(view(&endpoint))
}

async fn revoke(State(app): State<App>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = check_api_key(&app, &headers) {
        return e.wrapped();
    }
    match app.store.webhooks.endpoints.get_mut(&id) {
        Some(mut endpoint) => {
            endpoint.status = "revoked".into();
            w_ok(view(&endpoint))
        }
        None => FinaticError::new(404, "SUBSCRIPTION_NOT_FOUND", "No such subscription").wrapped(),
    }
}
