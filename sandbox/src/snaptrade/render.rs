//! SnapTrade's JSON shapes for the sandbox's state.

use crate::store::{SimAccount, SimConnection};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `BrokerageAuthorization`. SnapTrade shows an expired connection as disabled: it has no
/// other broken state on the wire.
pub fn connection(c: &SimConnection, base_url: &str) -> Value {
    let broken = c.disabled || c.expired;
    json!({
        "id": c.id,
        "created_date": timestamp(c.created_at),
        "updated_date": timestamp(c.updated_at),
        "brokerage": c.broker.snaptrade_json(base_url),
        "name": format!("{} connection", c.broker.name),
        "type": if c.trade { "trade" } else { "read" },
        "disabled": broken,
        "disabled_date": c.disabled_at.map(timestamp),
        "meta": {},
        "is_eligible_for_payout": false,
        "data_freshness_mode": "realtime",
    })
}

/// An `InvestmentAccount` of the experimental `GET /connections/{id}/accounts` (the spec's
/// `ConnectionAccount` union, `kind: investment`).
pub fn connection_account(c: &SimConnection, a: &SimAccount) -> Value {
    let synced = (!c.is_pending()).then(|| timestamp(c.updated_at));
    json!({
        "kind": "investment",
        "id": a.id,
        "connection_id": c.id,
        "display_name": a.name,
        "number": masked(&a.number),
        "institution_account_id": null,
        "institution_id": c.broker.id,
        "opening_date": null,
        "funding_date": null,
        "sync_status": {
            "transactions": {
                "initial_sync_completed": synced.is_some(),
                "last_successful_sync": synced.as_ref().map(|t| t[..10].to_owned()),
                "first_transaction_date": null,
            },
            "orders": synced,
            "positions": synced,
            "balances": synced,
        },
        "raw_type": "Margin",
        "is_paper": false,
        "net_value": { "amount": crate::portfolio::number(a.balance), "currency": c.broker.currency },
    })
}

/// The last four characters behind `****`, as the spec says this route shows numbers.
fn masked(number: &str) -> String {
    let tail: String = number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

/// `Account`; holdings are "not yet synced" while the connection is still pending.
pub fn account(c: &SimConnection, a: &SimAccount) -> Value {
    let synced = !c.is_pending();
    let last_sync = synced.then(|| timestamp(c.updated_at));
    json!({
        "id": a.id,
        "brokerage_authorization": c.id,
        "name": a.name,
        "number": a.number,
        "institution_account_id": null,
        "institution_name": c.broker.name,
        "created_date": timestamp(a.created_at),
        "funding_date": null,
        "opening_date": null,
        "sync_status": {
            "transactions": {
                "initial_sync_completed": synced,
                "last_successful_sync": last_sync.as_ref().map(|t| t[..10].to_owned()),
                "first_transaction_date": null,
            },
            "holdings": {
                "initial_sync_completed": synced,
                "last_successful_sync": last_sync,
            },
        },
        "balance": { "total": { "amount": crate::portfolio::number(a.balance), "currency": c.broker.currency } },
        "status": "open",
        "raw_type": "Margin",
        "account_category": "INVESTMENT",
        "meta": {},
        "is_paper": false,
    })
}
