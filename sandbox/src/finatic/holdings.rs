//! Finatic's v1 account-data routes: positions, balances, orders (and one order) and
//! transactions, paginated (`limit` 1–1000, `offset`), in the W envelope. The spec leaves the
//! rows untyped; they follow the FDX shapes Finatic's SDKs type (`FDXBrokerPosition`,
//! `FDXBrokerOrder`, `FDXBrokerTransaction`, `LegacyBrokerBalance`), with `metadata` carrying
//! what FDX has no field for.

use super::data::{number as count, session_connections, uuid_path};
use super::envelope::{w_ok, w_ok_meta, FinaticError};
use crate::portfolio::{Holding, Kind, Portfolio, Security, SimOrder, Transaction};
use crate::store::SimConnection;
use crate::App;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes(router: Router<App>) -> Router<App> {
    router
        .route("/api/v1/accounts/{id}/positions", get(positions))
        .route("/api/v1/accounts/{id}/balances", get(balances))
        .route("/api/v1/accounts/{id}/orders", get(orders))
        .route("/api/v1/accounts/{id}/orders/{order_id}", get(order))
        .route("/api/v1/accounts/{id}/transactions", get(transactions))
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An amount as FDX sends it: a decimal string, exact to its scale.
fn amount(d: Decimal) -> Value {
    Value::String(d.to_string())
}

fn account_not_found() -> FinaticError {
    FinaticError::new(404, "ACCOUNT_NOT_FOUND", "No such account through an active grant")
}

/// The portfolio of an account the session's user shares through an active grant, and the
/// connection it belongs to. Another user's account is as unknown as one that does not exist.
fn account(app: &App, headers: &HeaderMap, id: &str) -> Result<(SimConnection, Arc<Portfolio>), FinaticError> {
    uuid_path(id, "accountId")?;
    let connections = session_connections(app, headers)?;
    let connection = connections
        .into_iter()
        .find(|c| c.accounts.iter().any(|a| a.id == id && a.grant.is_active()))
        .ok_or_else(account_not_found)?;
    // Still syncing: nothing has arrived yet.
    let portfolio = if connection.is_pending() {
        Arc::default()
    } else {
        app.store.portfolios.get(id).map(|p| p.clone()).unwrap_or_default()
    };
    Ok((connection, portfolio))
}

/// One page of `rows`, rendered, with Finatic's pagination meta; FastAPI's 422 for a bad
/// `limit`.
fn page<T>(rows: &[T], params: &HashMap<String, String>, render: impl Fn(&T) -> Value) -> Response {
    let limit = count(params, "limit", 100);
    if !(1..=1000).contains(&limit) {
        return FinaticError::new(422, "VALIDATION_ERROR", "limit must be between 1 and 1000").wrapped();
    }
    let offset = count(params, "offset", 0);
    let shown: Vec<Value> = rows.iter().skip(offset).take(limit).map(render).collect();
    let has_more = offset + shown.len() < rows.len();
    let pagination = json!({
        "has_more": has_more,
        "next_offset": has_more.then_some(offset + shown.len()),
        "current_offset": offset,
        "limit": limit,
    });
    w_ok_meta(json!(shown), json!({ "pagination": pagination }))
}

/// FDX's asset type, and the finer kind of an equity in `metadata.securityType`.
fn asset_type(kind: Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Stock => ("EQUITY", None),
        Kind::Adr => ("EQUITY", Some("ADR")),
        Kind::Cef => ("EQUITY", Some("CEF")),
        Kind::Etf => ("EQUITY", Some("ETF")),
        Kind::MutualFund => ("EQUITY", Some("MUTUAL_FUND")),
        Kind::Bond => ("BOND", None),
        Kind::Crypto => ("CRYPTO", None),
        Kind::Option => ("OPTION", None),
        Kind::Future => ("FUTURE", None),
        Kind::Other => ("EQUITY", Some("OTHER")),
    }
}

fn descriptor(s: &Security) -> Value {
    json!({
        "assetType": asset_type(s.kind).0,
        "displaySymbol": s.symbol,
        "finaticInstrumentId": s.id,
        "providerSymbol": s.symbol,
        "providerNativeId": null,
        "observedAt": null,
        "provenance": null,
        "future": null,
        "version": "1",
    })
}

fn metadata(s: &Security) -> Value {
    json!({
        "currency": s.currency,
        "description": s.description,
        "exchange": (!s.exchange.is_empty()).then(|| s.exchange.clone()),
        "securityType": asset_type(s.kind).1,
    })
}

fn position(c: &SimConnection, account_id: &str, h: &Holding) -> Value {
    let (asset, _) = asset_type(h.security.kind);
    let multiplier = h.security.multiplier();
    let short = h.units.is_sign_negative();
    json!({
        "id": crate::portfolio::stable_id(&["position", account_id, &h.security.id]),
        "accountId": account_id,
        "internalAccountId": null,
        "connectionId": c.id,
        "assetType": asset,
        "securityId": h.security.symbol,
        "securityIdType": "SYMBOL",
        "instrument": descriptor(&h.security),
        "instrumentKey": null,
        "quantity": amount(h.units.abs()),
        "units": amount(h.units.abs()),
        "side": if short { "SHORT" } else { "LONG" },
        "averageBuyPrice": amount(h.cost),
        "averageSellPrice": null,
        "costBasis": amount(h.cost * h.units.abs() * multiplier),
        "costBasisWithCommission": null,
        "currentPrice": amount(h.price),
        "marketValue": amount(h.market_value()),
        "unrealizedProfitLoss": amount((h.price - h.cost) * h.units * multiplier),
        "unrealizedProfitLossPercent": null,
        "realizedProfitLoss": null,
        "realizedProfitLossPercent": null,
        "realizedProfitLossWithCommission": null,
        "status": "OPEN",
        "positionCreatedAt": timestamp(c.created_at),
        "positionUpdatedAt": timestamp(c.updated_at),
        "positionClosedAt": null,
        "positionGroupId": null,
        "snapshotDate": null,
        "metadata": metadata(&h.security),
    })
}

/// FDX's order status for the sandbox's (SnapTrade's) word.
fn order_status(word: &str) -> &'static str {
    match word {
        "EXECUTED" => "FILLED",
        "PARTIAL" => "PARTIALLY_FILLED",
        "ACCEPTED" | "TRIGGERED" | "ACTIVATED" => "NEW",
        "QUEUED" => "SUBMITTED",
        "PENDING" => "CREATED",
        "CANCEL_PENDING" => "PENDING_CANCEL",
        "CANCELED" => "CANCELLED",
        "REJECTED" | "FAILED" => "REJECTED",
        "EXPIRED" => "EXPIRED",
        _ => "RECEIVED",
    }
}

fn order_json(c: &SimConnection, account_id: &str, o: &SimOrder) -> Value {
    let s = &o.security;
    let side = if o.action.starts_with("BUY") { "BUY" } else { "SELL" };
    let intent = match o.action.as_str() {
        "BUY_OPEN" => Some("BUY_TO_OPEN"),
        "BUY_CLOSE" => Some("BUY_TO_CLOSE"),
        "SELL_OPEN" => Some("SELL_TO_OPEN"),
        "SELL_CLOSE" => Some("SELL_TO_CLOSE"),
        _ => None,
    };
    let option = s.option.as_ref();
    let terminal = matches!(
        o.status.as_str(),
        "EXECUTED" | "CANCELED" | "REJECTED" | "EXPIRED" | "FAILED"
    );
    json!({
        "orderId": o.id,
        "brokerOrderId": o.id,
        "clientOrderId": null,
        "accountId": account_id,
        "internalAccountId": null,
        "connectionId": c.id,
        "status": order_status(&o.status),
        "state": null,
        "orderType": o.order_type.to_ascii_uppercase().replace("STOPLIMIT", "STOP_LIMIT"),
        "timeInForce": o.time_in_force.to_ascii_uppercase(),
        "orderClass": "SINGLE",
        "orderGroupId": null,
        "orderCreatedAt": timestamp(o.placed_at),
        "orderUpdatedAt": timestamp(o.updated_at),
        "orderLiveAt": timestamp(o.placed_at),
        "orderTerminalAt": terminal.then(|| timestamp(o.executed_at.unwrap_or(o.updated_at))),
        "commission": null,
        "legs": [{
            "legIndex": 0,
            "assetType": asset_type(s.kind).0,
            "securityId": s.symbol,
            "securityIdType": "SYMBOL",
            "instrument": descriptor(s),
            "side": side,
            "positionIntent": intent,
            "quantity": amount(o.quantity),
            "filledQuantity": amount(o.filled),
            "remainingQuantity": amount(o.open_quantity()),
            "limitPrice": o.limit_price.map(amount),
            "stopPrice": o.stop_price.map(amount),
            "averageFillPrice": o.execution_price.map(amount),
            "notional": null,
            "optionType": option.map(|t| if t.call { "CALL" } else { "PUT" }),
            "strikePrice": option.map(|t| amount(t.strike)),
            "expirationDate": option.map(|t| t.expiry.format("%Y-%m-%d").to_string()),
            "underlyingSymbol": option.map(|t| t.underlying.symbol.clone()),
            "brokerProvidedSymbol": s.symbol,
        }],
        "metadata": metadata(s),
    })
}

/// FDX's transaction type for the sandbox's (SnapTrade's) word.
fn transaction_type(word: &str) -> &str {
    match word {
        "REI" => "DIVIDEND_REINVESTMENT",
        "CONTRIBUTION" => "DEPOSIT",
        "SPLIT" => "STOCK_SPLIT",
        "OPTIONEXERCISE" => "OPTION_EXERCISE",
        "OPTIONASSIGNMENT" => "OPTION_ASSIGNMENT",
        "OPTIONEXPIRATION" => "OPTION_EXPIRATION",
        other => other,
    }
}

fn transaction(account_id: &str, t: &Transaction) -> Value {
    let security = t.security.as_ref();
    json!({
        "id": t.id,
        "transactionId": t.id,
        "accountId": account_id,
        "transactionType": transaction_type(&t.kind),
        "transactionDate": format!("{}T00:00:00Z", t.trade_date.format("%Y-%m-%d")),
        "postedDate": format!("{}T00:00:00Z", t.settlement_date.format("%Y-%m-%d")),
        "transactionAmount": amount(t.amount),
        "currency": t.currency,
        "unitCode": t.currency,
        "description": t.description,
        "memo": null,
        "status": "POSTED",
        "metadata": {
            "symbol": security.map(|s| s.symbol.clone()),
            "assetType": security.map(|s| asset_type(s.kind).0),
            "securityType": security.and_then(|s| asset_type(s.kind).1),
            "description": security.map(|s| s.description.clone()),
            "exchange": security.filter(|s| !s.exchange.is_empty()).map(|s| s.exchange.clone()),
            "quantity": security.map(|_| amount(t.units)),
            "price": security.map(|_| amount(t.price)),
            "fee": amount(t.fee),
            "externalReferenceId": t.external_reference_id,
        },
    })
}

async fn positions(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match account(&app, &headers, &id) {
        Ok((c, p)) => page(&p.holdings, &params, |h| position(&c, &id, h)),
        Err(e) => e.wrapped(),
    }
}

async fn balances(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (c, p) = match account(&app, &headers, &id) {
        Ok(found) => found,
        Err(e) => return e.wrapped(),
    };
    let total = p.total();
    page(&p.cash, &params, |cash| {
        json!({
            "balanceId": crate::portfolio::stable_id(&["balance", &id, &cash.currency]),
            "accountId": id,
            "internalAccountId": null,
            "connectionId": c.id,
            "balanceType": "CASH",
            "balanceName": format!("{} cash", cash.currency),
            "currencyCode": cash.currency,
            "cashBalance": amount(cash.cash),
            "buyingPower": amount(cash.buying_power),
            "availableBalance": amount(cash.cash),
            "currentBalance": amount(cash.cash),
            "pendingBalance": null,
            "netLiquidationValue": (cash.currency == p.base_currency).then(|| amount(total)),
            "totalCashValue": amount(cash.cash),
            "availableToWithdraw": amount(cash.cash),
            "initialMargin": null,
            "maintenanceMargin": null,
            "totalRealizedPnl": null,
            "balanceDate": Utc::now().format("%Y-%m-%d").to_string(),
            "lastUpdated": timestamp(c.updated_at),
        })
    })
}

async fn orders(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match account(&app, &headers, &id) {
        Ok((c, p)) => page(&p.orders, &params, |o| order_json(&c, &id, o)),
        Err(e) => e.wrapped(),
    }
}

async fn order(State(app): State<App>, Path((id, order_id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    match account(&app, &headers, &id) {
        Ok((c, p)) => p
            .orders
            .iter()
            .find(|o| o.id == order_id)
            .map(|o| w_ok(order_json(&c, &id, o)))
            .unwrap_or_else(|| FinaticError::new(404, "ORDER_NOT_FOUND", "No such order in this account").wrapped()),
        Err(e) => e.wrapped(),
    }
}

async fn transactions(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match account(&app, &headers, &id) {
        Ok((_, p)) => page(&p.transactions, &params, |t| transaction(&id, t)),
        Err(e) => e.wrapped(),
    }
}
