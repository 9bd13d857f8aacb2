//! The language-neutral JSON form of every result type. Each language's runner writes
//! exactly these shapes, so transcripts can be compared byte for byte.

use brokerlink::{
    Account, Connection, Error, PortalLink, PortalResult, Session, UserCredentials, WebhookEvent, WebhookEventType,
    WebhookSubscription,
};
use serde_json::{json, Value};

pub fn user(u: &UserCredentials) -> Value {
    json!({ "user_id": u.user_id, "user_secret": u.user_secret.as_ref().map(|s| s.expose()) })
}

pub fn session(s: &Session) -> Value {
    json!({
        "id": s.id.expose(),
        "company_id": s.company_id,
        "status": s.status.as_str(),
        "expires_at": s.expires_at.map(|t| t.to_rfc3339()),
        "user_id": s.user_id,
    })
}

pub fn link(l: &PortalLink) -> Value {
    json!({ "url": l.url, "session_id": l.session_id.expose(), "expires_at": l.expires_at.to_rfc3339() })
}

pub fn connection(c: &Connection) -> Value {
    json!({
        "id": c.id,
        "broker": {
            "slug": c.broker.slug,
            "name": c.broker.name,
            "display_name": c.broker.display_name,
            "allows_trading": c.broker.allows_trading,
        },
        "status": c.status.as_str(),
        "raw_status": c.raw_status,
        "permission": c.permission.as_str(),
        "name": c.name,
        "created_at": c.created_at.map(|t| t.to_rfc3339()),
        "updated_at": c.updated_at.map(|t| t.to_rfc3339()),
        "disabled_at": c.disabled_at.map(|t| t.to_rfc3339()),
    })
}

pub fn account(a: &Account) -> Value {
    json!({
        "id": a.id,
        "connection_id": a.connection_id,
        "name": a.name,
        "number": a.number,
        "institution_name": a.institution_name,
        // The exact decimal the provider sent, as text.
        "balance": a.balance.as_ref().map(|m| json!({ "amount": m.amount.to_string(), "currency": m.currency })),
        "is_paper": a.is_paper,
        "raw_status": a.raw_status,
        "created_at": a.created_at.map(|t| t.to_rfc3339()),
        "synced": a.synced,
    })
}

pub fn portal_result(r: &PortalResult) -> Value {
    let mut value = match r {
        PortalResult::Success { connection_id, user_id } => {
            json!({ "connection_id": connection_id, "user_id": user_id })
        }
        PortalResult::Error {
            code,
            message,
            status_code,
        } => {
            json!({ "code": code, "message": message, "status_code": status_code })
        }
        PortalResult::Closed | PortalResult::Abandoned => json!({}),
        PortalResult::Resize { height } => json!({ "height": height }),
    };
    value["type"] = json!(r.kind_str());
    value
}

/// Errors are compared by kind and structured fields, never by message text.
pub fn error(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "field": e.field(),
        "status": e.status(),
        "provider_code": e.provider_code(),
        "request_id": e.request_id(),
        "retry_after": e.retry_after().map(|d| d.as_secs_f64()),
        "attempts": e.attempts(),
        "reason": e.reason(),
    })
}

pub fn webhook_event(e: &WebhookEvent) -> Value {
    json!({
        "id": e.id,
        "provider": e.provider.as_str(),
        "kind": e.kind.as_str(),
        "event_type": e.event_type,
        "user_id": e.user_id,
        "connection_id": e.connection_id,
        "account_id": e.account_id,
        "broker": e.broker,
        "result": e.result,
        "occurred_at": e.occurred_at.map(|t| t.to_rfc3339()),
        "schema_version": e.schema_version,
        "oauth_client_id": e.oauth_client_id,
    })
}

pub fn webhook_event_type(t: &WebhookEventType) -> Value {
    json!({ "event_type": t.event_type, "category": t.category, "description": t.description })
}

/// A subscription; its secret only as whether it came (its value is random).
pub fn webhook_subscription(s: &WebhookSubscription) -> Value {
    json!({
        "id": s.id,
        "url": s.url,
        "event_types": s.event_types,
        "status": s.status.as_str(),
        "raw_status": s.raw_status,
        "description": s.description,
        "created_at": s.created_at.map(|t| t.to_rfc3339()),
        "updated_at": s.updated_at.map(|t| t.to_rfc3339()),
        "has_secret": s.secret.is_some(),
    })
}
