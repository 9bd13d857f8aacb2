//! The language-neutral JSON form of every result type. Each language's runner writes
//! exactly these shapes, so transcripts can be compared byte for byte.

use brokerlink::{
    Account, AccountSync, Activity, AuthorizationRequest, Balance, BalanceHistory, Connection, Decimal, Error,
    Instrument, NaiveDate, OAuthTokens, Order, PortalLink, PortalResult, Position, Session, UserCredentials,
    WebhookEvent, WebhookEventType, WebhookSubscription,
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

pub fn oauth_tokens(t: &OAuthTokens) -> Value {
    json!({
        "access_token": t.access_token.expose(),
        "refresh_token": t.refresh_token.expose(),
        "expires_at": t.expires_at.to_rfc3339(),
        "scope": t.scope,
        "user_id": t.user_id,
        "email": t.email,
    })
}

pub fn authorization_request(r: &AuthorizationRequest) -> Value {
    json!({
        "url": r.url,
        "redirect_uri": r.redirect_uri,
        "state": r.state.expose(),
        "code_verifier": r.code_verifier.expose(),
        "nonce": r.nonce.expose(),
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
        "sync": a.sync.as_ref().map(sync),
    })
}

fn sync(s: &AccountSync) -> Value {
    json!({
        "holdings_ready": s.holdings_ready,
        "transactions_ready": s.transactions_ready,
        "holdings_synced_at": s.holdings_synced_at.map(|t| t.to_rfc3339()),
        "transactions_synced_at": s.transactions_synced_at.map(|t| t.to_rfc3339()),
        "first_transaction_date": s.first_transaction_date.map(date),
        "raw_status": s.raw_status,
    })
}

/// An exact decimal as the text of its digits and scale (`1.50` stays `1.50`).
fn amount(d: &Decimal) -> Value {
    json!(d.to_string())
}

fn amount_of(d: &Option<Decimal>) -> Value {
    d.as_ref().map_or(Value::Null, amount)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn instrument(i: &Instrument) -> Value {
    json!({
        "symbol": i.symbol,
        "name": i.name,
        "kind": i.kind.as_str(),
        "raw_kind": i.raw_kind,
        "currency": i.currency,
        "exchange": i.exchange,
        "option": i.option.as_ref().map(|o| json!({
            "underlying": o.underlying,
            "strike": amount(&o.strike),
            "expiry": date(o.expiry),
            "right": o.right.as_str(),
            "multiplier": amount(&o.multiplier),
        })),
    })
}

pub fn position(p: &Position) -> Value {
    json!({
        "account_id": p.account_id,
        "instrument": instrument(&p.instrument),
        "quantity": amount(&p.quantity),
        "average_cost": amount_of(&p.average_cost),
        "price": amount_of(&p.price),
        "market_value": amount_of(&p.market_value),
        "open_pnl": amount_of(&p.open_pnl),
        "currency": p.currency,
        "cash_equivalent": p.cash_equivalent,
    })
}

pub fn balance(b: &Balance) -> Value {
    json!({ "currency": b.currency, "cash": amount_of(&b.cash), "buying_power": amount_of(&b.buying_power) })
}

pub fn order(o: &Order) -> Value {
    json!({
        "id": o.id,
        "account_id": o.account_id,
        "status": o.status.as_str(),
        "raw_status": o.raw_status,
        "side": o.side.as_str(),
        "raw_action": o.raw_action,
        "instrument": o.instrument.as_ref().map(instrument),
        "order_type": o.order_type,
        "time_in_force": o.time_in_force,
        "quantity": amount_of(&o.quantity),
        "filled_quantity": amount_of(&o.filled_quantity),
        "limit_price": amount_of(&o.limit_price),
        "stop_price": amount_of(&o.stop_price),
        "execution_price": amount_of(&o.execution_price),
        "placed_at": o.placed_at.map(|t| t.to_rfc3339()),
        "updated_at": o.updated_at.map(|t| t.to_rfc3339()),
        "executed_at": o.executed_at.map(|t| t.to_rfc3339()),
    })
}

pub fn activity(a: &Activity) -> Value {
    json!({
        "id": a.id,
        "account_id": a.account_id,
        "kind": a.kind.as_str(),
        "raw_type": a.raw_type,
        "instrument": a.instrument.as_ref().map(instrument),
        "description": a.description,
        "quantity": amount_of(&a.quantity),
        "price": amount_of(&a.price),
        "amount": amount_of(&a.amount),
        "fee": amount_of(&a.fee),
        "currency": a.currency,
        "trade_date": a.trade_date.map(date),
        "settlement_date": a.settlement_date.map(date),
        "external_reference_id": a.external_reference_id,
    })
}

pub fn balance_history(h: &BalanceHistory) -> Value {
    json!({
        "currency": h.currency,
        "points": h.points.iter().map(|p| json!({ "date": date(p.date), "total": amount(&p.total) })).collect::<Vec<_>>(),
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
