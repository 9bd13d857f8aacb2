//! SnapTrade's account-data routes: positions, balances, orders (all, recent, one), activities
//! (paginated) and balance history, in the spec's shapes, from the account's portfolio.

use super::{authed_user, ApiError, ApiResult, Params};
use crate::portfolio::{number, raw, stable_id, text, Holding, Kind, Portfolio, Security, SimOrder, Transaction};
use crate::App;
use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use axum::Json;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::sync::Arc;

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn date_time(d: NaiveDate) -> String {
    format!("{}T00:00:00.000000Z", d.format("%Y-%m-%d"))
}

/// The portfolio of one of the user's accounts; another user's account is as unknown as one
/// that does not exist. A connection still populating answers 425, as SnapTrade's does.
fn portfolio_of(app: &App, q: Option<String>, account_id: &str) -> ApiResult<(Arc<Portfolio>, String)> {
    let user = authed_user(app, &Params::parse(q))?;
    let connection = user
        .connections
        .iter()
        .find(|c| c.accounts.iter().any(|a| a.id == account_id))
        .ok_or_else(|| ApiError::not_found("Account"))?;
    if connection.is_pending() {
        return Err(ApiError::new(
            425,
            "3012",
            "The account is still being populated; try again shortly.",
        ));
    }
    let institution = connection.broker.name.to_owned();
    drop(user);
    let portfolio = app
        .store
        .portfolios
        .get(account_id)
        .map(|p| p.clone())
        .unwrap_or_default();
    Ok((portfolio, institution))
}

/// SnapTrade's word for an instrument kind in V2 positions (it has no bond kind).
fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Stock => "stock",
        Kind::Adr => "adr",
        Kind::Cef => "cef",
        Kind::Etf => "etf",
        Kind::MutualFund => "mutualfund",
        Kind::Crypto => "crypto",
        Kind::Option => "option",
        Kind::Future => "future",
        Kind::Bond | Kind::Other => "other",
    }
}

/// The security-type code of `UniversalSymbol.type`.
fn type_code(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Stock => ("cs", "Common Stock"),
        Kind::Adr => ("ad", "ADR"),
        Kind::Cef => ("cef", "Closed End Fund"),
        Kind::Etf => ("et", "ETF"),
        Kind::MutualFund => ("oef", "Open Ended Fund"),
        Kind::Bond => ("bnd", "Bond"),
        Kind::Crypto => ("crypto", "Cryptocurrency"),
        Kind::Option | Kind::Future | Kind::Other => ("struct", "Structured Product"),
    }
}

fn currency(code: &str) -> Value {
    let name = match code {
        "USD" => "US Dollar",
        "CAD" => "Canadian Dollar",
        _ => code,
    };
    json!({ "id": stable_id(&["currency", code]), "code": code, "name": name })
}

/// A V2 position instrument (`StockInstrument`, `OptionInstrument`, …).
fn position_instrument(s: &Security) -> Value {
    let kind = kind_word(s.kind);
    match (&s.option, s.kind) {
        (Some(terms), _) => json!({
            "kind": "option",
            "id": s.id,
            "symbol": s.symbol,
            "option_type": if terms.call { "CALL" } else { "PUT" },
            "strike_price": text(terms.strike),
            "expiration_date": terms.expiry.format("%Y-%m-%d").to_string(),
            "multiplier": text(terms.multiplier),
            "description": s.description,
            "underlying": position_instrument(&terms.underlying),
        }),
        (None, Kind::Future) => json!({
            "kind": "future",
            "id": s.id,
            "symbol": s.symbol,
            "root_symbol": s.symbol.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches(char::is_alphabetic),
            "expiration_code": s.symbol.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect::<String>(),
            "expiration_date": null,
            "multiplier": s.multiplier.map(text),
            "currency": s.currency,
            "exchange": s.exchange,
        }),
        _ => json!({
            "kind": kind,
            "id": s.id,
            "symbol": s.symbol,
            "raw_symbol": s.symbol,
            "description": s.description,
            "currency": s.currency,
            "exchange": (!s.exchange.is_empty()).then(|| s.exchange.clone()),
            "figi_instrument": null,
        }),
    }
}

fn position(h: &Holding) -> Value {
    let mut p = json!({
        "instrument": position_instrument(&h.security),
        "units": text(h.units),
        "price": text(h.price),
        "cost_basis": text(h.cost),
        "currency": h.security.currency,
    });
    if h.security.kind == Kind::MutualFund {
        p["cash_equivalent"] = json!(h.security.cash_equivalent);
    }
    p
}

/// `UniversalSymbol` (and `Symbol`, its subset).
fn universal_symbol(s: &Security) -> Value {
    let (code, description) = type_code(s.kind);
    // Crypto trades on no listed exchange; SnapTrade names a venue code without a MIC.
    let exchange = if s.exchange.is_empty() {
        json!({
            "id": stable_id(&["exchange", "CRYPTO"]), "code": "CRYPTO", "mic_code": null,
            "name": "Cryptocurrency", "timezone": "UTC", "start_time": "00:00:00",
            "close_time": "23:59:59", "suffix": null,
        })
    } else {
        json!({
            "id": stable_id(&["exchange", &s.exchange]), "code": s.exchange, "mic_code": s.exchange,
            "name": s.exchange, "timezone": "America/New_York", "start_time": "09:30:00",
            "close_time": "16:00:00", "suffix": null,
        })
    };
    json!({
        "id": s.id,
        "symbol": s.symbol,
        "raw_symbol": s.symbol,
        "description": s.description,
        "currency": currency(&s.currency),
        "exchange": exchange,
        "type": { "id": stable_id(&["type", code]), "code": code, "description": description, "is_supported": true },
        "figi_code": null,
        "figi_instrument": null,
        "currencies": [currency(&s.currency)],
    })
}

/// `OptionsSymbol`.
fn option_symbol(s: &Security) -> Option<Value> {
    let terms = s.option.as_ref()?;
    Some(json!({
        "id": s.id,
        "ticker": s.symbol,
        "option_type": if terms.call { "CALL" } else { "PUT" },
        "strike_price": number(terms.strike),
        "expiration_date": terms.expiry.format("%Y-%m-%d").to_string(),
        "is_mini_option": terms.multiplier != rust_decimal::Decimal::ONE_HUNDRED,
        "underlying_symbol": universal_symbol(&terms.underlying),
    }))
}

/// `AccountOrderRecord`.
fn order(o: &SimOrder) -> Value {
    let option = option_symbol(&o.security);
    json!({
        "brokerage_order_id": o.id,
        "brokerage_group_order_id": null,
        "order_role": null,
        "status": o.status,
        "universal_symbol": option.is_none().then(|| universal_symbol(&o.security)),
        "option_symbol": option,
        "quote_universal_symbol": null,
        "quote_currency": null,
        "action": o.action,
        "total_quantity": text(o.quantity),
        "open_quantity": text(o.open_quantity()),
        "canceled_quantity": text(o.canceled),
        "filled_quantity": text(o.filled),
        "execution_price": o.execution_price.map(text),
        "limit_price": o.limit_price.map(text),
        "stop_price": o.stop_price.map(text),
        "trailing_stop": null,
        "order_type": o.order_type,
        "time_in_force": o.time_in_force,
        "time_placed": timestamp(o.placed_at),
        "time_updated": timestamp(o.updated_at),
        "time_executed": o.executed_at.map(timestamp),
        "expiry_date": null,
        "symbol": o.security.id,
        "child_brokerage_order_ids": null,
    })
}

/// `AccountUniversalActivity`.
fn activity(t: &Transaction, institution: &str) -> Value {
    let option = t.security.as_ref().and_then(option_symbol);
    json!({
        "id": t.id,
        "symbol": t.security.as_ref().filter(|s| s.option.is_none()).map(universal_symbol),
        "currency_universal_symbol": null,
        "option_symbol": option,
        "price": number(t.price),
        "units": number(t.units),
        "amount": number(t.amount),
        "currency": currency(&t.currency),
        "type": t.kind,
        "option_type": t.option_action,
        "description": t.description,
        "trade_date": date_time(t.trade_date),
        "settlement_date": date_time(t.settlement_date),
        "fee": number(t.fee),
        "fx_rate": null,
        "institution": institution,
        "external_reference_id": t.external_reference_id,
    })
}

pub async fn positions(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    Ok(Json(json!({
        "results": portfolio.holdings.iter().map(position).collect::<Vec<_>>(),
        "data_freshness": { "as_of": timestamp(Utc::now()) },
    })))
}

pub async fn balances(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    let list: Vec<Value> = portfolio
        .cash
        .iter()
        .map(|c| json!({ "currency": currency(&c.currency), "cash": number(c.cash), "buying_power": number(c.buying_power) }))
        .collect();
    Ok(Json(json!(list)))
}

/// `days` as SnapTrade takes it: 1 or more, capped at 90, 30 when absent.
fn days(params: &Params) -> ApiResult<i64> {
    match params.get("days") {
        None => Ok(30),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n.min(90)),
            _ => Err(ApiError::bad_request("days must be a whole number of at least 1")),
        },
    }
}

pub async fn orders(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.clone());
    let days = days(&params)?;
    let state = params.get("state").unwrap_or("all");
    if !matches!(state, "all" | "open" | "executed") {
        return Err(ApiError::bad_request("state must be all, open or executed"));
    }
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    let since = Utc::now() - chrono::Duration::days(days);
    let list: Vec<Value> = portfolio
        .orders
        .iter()
        .filter(|o| o.placed_at >= since)
        .filter(|o| match state {
            "open" => o.is_open(),
            "executed" => o.is_executed(),
            _ => true,
        })
        .map(order)
        .collect();
    Ok(Json(json!(list)))
}

pub async fn recent_orders(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let only_executed = Params::parse(q.clone()).get("only_executed") != Some("false");
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    let since = Utc::now() - chrono::Duration::hours(24);
    let list: Vec<Value> = portfolio
        .orders
        .iter()
        .filter(|o| o.placed_at >= since && (!only_executed || o.is_executed()))
        .map(order)
        .collect();
    Ok(Json(json!({ "orders": list })))
}

pub async fn order_detail(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult {
    let wanted = super::json_body(&body)?
        .get("brokerage_order_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request("brokerage_order_id is required"))?;
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    portfolio
        .orders
        .iter()
        .find(|o| o.id == wanted)
        .map(|o| Json(order(o)))
        .ok_or_else(|| ApiError::not_found("Order"))
}

fn date_param(params: &Params, key: &str) -> ApiResult<Option<NaiveDate>> {
    params
        .get(key)
        .map(|text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| ApiError::bad_request(format!("{key} must be a date as YYYY-MM-DD")))
        })
        .transpose()
}

fn count_param(params: &Params, key: &str, default: usize, least: usize) -> ApiResult<usize> {
    match params.get(key) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n >= least => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "{key} must be a whole number of at least {least}"
            ))),
        },
    }
}

/// One page of the account's transactions, newest first, at most 1,000.
pub async fn activities(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::response::Response> {
    let params = Params::parse(q.clone());
    let start = date_param(&params, "startDate")?;
    let end = date_param(&params, "endDate")?;
    let offset = count_param(&params, "offset", 0, 0)?;
    let limit = count_param(&params, "limit", 1000, 1)?.min(1000);
    let types: Option<Vec<String>> = params
        .get("type")
        .map(|list| list.split(',').map(|t| t.trim().to_ascii_uppercase()).collect());
    let (portfolio, institution) = portfolio_of(&app, q, &id)?;
    let rendered = portfolio.snaptrade_activities.get_or_render(|| {
        portfolio
            .transactions
            .iter()
            .map(|t| raw(&activity(t, &institution)))
            .collect()
    });
    let matching: Vec<usize> = (0..portfolio.transactions.len())
        .filter(|&i| {
            let t = &portfolio.transactions[i];
            start.is_none_or(|s| t.trade_date >= s)
                && end.is_none_or(|e| t.trade_date <= e)
                && types.as_ref().is_none_or(|list| list.contains(&t.kind))
        })
        .collect();
    let data: Vec<&RawValue> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| &*rendered[i])
        .collect();
    Ok(Json(ActivitiesPage {
        data,
        pagination: json!({ "offset": offset, "limit": limit, "total": matching.len() }),
    })
    .into_response())
}

/// `PaginatedUniversalActivity`, its rows already rendered.
#[derive(Serialize)]
struct ActivitiesPage<'a> {
    data: Vec<&'a RawValue>,
    pagination: Value,
}

pub async fn balance_history(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let (portfolio, _) = portfolio_of(&app, q, &id)?;
    let history: Vec<Value> = portfolio
        .history
        .iter()
        .map(|(date, total)| json!({ "date": date.format("%Y-%m-%d").to_string(), "total_value": text(*total) }))
        .collect();
    Ok(Json(json!({ "history": history, "currency": portfolio.base_currency })))
}
