//! Finatic's account data on v1 (`/api/v1/accounts/{id}/positions|balances|orders|transactions`).
//! The spec leaves these rows untyped (`dict[str, Any]`); the shapes here are the FDX ones its
//! SDKs type: `FDXBrokerPosition` and `FDXBrokerOrder` (finatic-server-python 1.0.10),
//! `FDXBrokerTransaction` and `LegacyBrokerBalance` (@finatic/client 0.9.13). A row's
//! `metadata` may carry what FDX has no field for (a currency, a name, a trade's quantity).

use crate::account_data::{
    activity_kind, instrument_kind, occ_symbol, order_side, order_status, value_and_pnl, Activity, Balance, Instrument,
    InstrumentKind, OptionContract, OptionRight, Order, Position,
};
use crate::providers::dates::optional_date;
use crate::providers::{parse_date, parse_timestamp};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    crate::providers::decimal::optional(d)
}

/// What FDX rows may carry in `metadata`. Money in it is read from its text too.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Metadata {
    pub currency: Option<String>,
    pub description: Option<String>,
    pub exchange: Option<String>,
    pub symbol: Option<String>,
    pub asset_type: Option<String>,
    /// What kind of equity (`ETF`, `MUTUAL_FUND`, `ADR`), where FDX says only `EQUITY`.
    pub security_type: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub fee: Option<Decimal>,
    pub external_reference_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Descriptor {
    pub display_symbol: Option<String>,
    pub asset_type: Option<String>,
}

/// An instrument from FDX's security id, asset type and descriptor. An option's terms come
/// from its OCC symbol.
fn instrument(
    security_id: Option<String>,
    asset_type: Option<String>,
    descriptor: Option<Descriptor>,
    metadata: &Metadata,
) -> Option<Instrument> {
    let descriptor = descriptor.unwrap_or_default();
    let raw_kind = asset_type
        .or(descriptor.asset_type)
        .or_else(|| metadata.asset_type.clone())
        .unwrap_or_default();
    let symbol = descriptor
        .display_symbol
        .or(security_id)
        .or_else(|| metadata.symbol.clone())?;
    let kind = match (instrument_kind(&raw_kind), metadata.security_type.as_deref()) {
        (InstrumentKind::Equity, Some(finer)) => match instrument_kind(finer) {
            InstrumentKind::Other => InstrumentKind::Equity,
            known => known,
        },
        (kind, _) => kind,
    };
    let option = (kind == InstrumentKind::Option)
        .then(|| occ_symbol(&symbol))
        .flatten()
        .map(|(underlying, expiry, right, strike)| OptionContract {
            underlying,
            strike,
            expiry,
            right,
            multiplier: Decimal::ONE_HUNDRED,
        });
    Some(Instrument {
        symbol,
        name: metadata.description.clone(),
        kind,
        raw_kind,
        currency: metadata.currency.clone(),
        exchange: metadata.exchange.clone(),
        option,
    })
}

/// `FDXBrokerPosition`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FdxPosition {
    pub asset_type: Option<String>,
    pub security_id: Option<String>,
    pub instrument: Option<Descriptor>,
    #[serde(default, deserialize_with = "amount")]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub average_buy_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub current_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub market_value: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub unrealized_profit_loss: Option<Decimal>,
    pub side: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

impl FdxPosition {
    /// Closed positions (FDX keeps them, with `status: CLOSED`) are not holdings.
    pub fn is_open(&self) -> bool {
        !self.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("CLOSED"))
    }

    pub fn into_position(self, account_id: &str) -> Option<Position> {
        let metadata = self.metadata.unwrap_or_default();
        let instrument = instrument(self.security_id, self.asset_type, self.instrument, &metadata)?;
        let mut quantity = self.quantity.unwrap_or_default();
        // FDX states a short by its side; brokerlink by the sign of the quantity.
        if self.side.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("SHORT")) && quantity.is_sign_positive() {
            quantity = -quantity;
        }
        let multiplier = instrument.option.as_ref().map_or(Decimal::ONE, |o| o.multiplier);
        let (value, pnl) = value_and_pnl(quantity, self.current_price, self.average_buy_price, multiplier);
        Some(Position {
            account_id: account_id.to_owned(),
            currency: metadata.currency.clone(),
            instrument,
            quantity,
            average_cost: self.average_buy_price,
            price: self.current_price,
            market_value: self.market_value.or(value),
            open_pnl: self.unrealized_profit_loss.or(pnl),
            cash_equivalent: false,
        })
    }
}

/// `LegacyBrokerBalance`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FdxBalance {
    pub currency_code: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub cash_balance: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub buying_power: Option<Decimal>,
}

impl From<FdxBalance> for Balance {
    fn from(b: FdxBalance) -> Self {
        Balance {
            currency: b.currency_code.unwrap_or_default(),
            cash: b.cash_balance,
            buying_power: b.buying_power,
        }
    }
}

/// One leg of an `FDXBrokerOrder`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FdxLeg {
    pub asset_type: Option<String>,
    pub security_id: Option<String>,
    pub instrument: Option<Descriptor>,
    pub side: Option<String>,
    pub position_intent: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub limit_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub stop_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub average_fill_price: Option<Decimal>,
    pub option_type: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub strike_price: Option<Decimal>,
    pub expiration_date: Option<String>,
    pub underlying_symbol: Option<String>,
}

/// `FDXBrokerOrder`: an order and its legs; brokerlink reads a single-leg order's only leg and
/// a multi-leg order's first.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FdxOrder {
    pub order_id: Option<String>,
    pub broker_order_id: Option<String>,
    pub status: Option<String>,
    pub order_type: Option<String>,
    pub time_in_force: Option<String>,
    pub order_created_at: Option<String>,
    pub order_updated_at: Option<String>,
    pub order_terminal_at: Option<String>,
    #[serde(default)]
    pub legs: Vec<FdxLeg>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

impl FdxOrder {
    pub fn into_order(self, account_id: &str) -> Order {
        let metadata = self.metadata.unwrap_or_default();
        let raw_status = self.status.unwrap_or_default();
        let status = order_status(&raw_status);
        let leg = self.legs.into_iter().next();
        let (instrument, raw_action, quantity, filled, limit, stop, fill_price) = match leg {
            Some(leg) => {
                let raw_action = leg.position_intent.clone().or(leg.side.clone()).unwrap_or_default();
                let mut instrument = instrument(leg.security_id, leg.asset_type, leg.instrument, &metadata);
                if let Some(i) = instrument.as_mut().filter(|i| i.kind == InstrumentKind::Option) {
                    // The leg states the terms outright; they win over an OCC symbol's.
                    let right = match leg.option_type.as_deref().map(str::to_ascii_uppercase).as_deref() {
                        Some("CALL" | "C") => Some(OptionRight::Call),
                        Some("PUT" | "P") => Some(OptionRight::Put),
                        _ => None,
                    };
                    let stated = (|| {
                        Some(OptionContract {
                            underlying: leg.underlying_symbol.clone()?,
                            strike: leg.strike_price?,
                            expiry: leg.expiration_date.as_deref().and_then(parse_date)?,
                            right: right?,
                            multiplier: Decimal::ONE_HUNDRED,
                        })
                    })();
                    i.option = stated.or(i.option.take());
                }
                (
                    instrument,
                    raw_action,
                    leg.quantity,
                    leg.filled_quantity,
                    leg.limit_price,
                    leg.stop_price,
                    leg.average_fill_price,
                )
            }
            None => (None, String::new(), None, None, None, None, None),
        };
        let terminal = self.order_terminal_at.as_deref().and_then(parse_timestamp);
        Order {
            id: self.broker_order_id.or(self.order_id).unwrap_or_default(),
            account_id: account_id.to_owned(),
            status,
            raw_status,
            side: order_side(&raw_action),
            raw_action,
            instrument,
            order_type: self.order_type,
            time_in_force: self.time_in_force,
            quantity,
            filled_quantity: filled,
            limit_price: limit,
            stop_price: stop,
            execution_price: fill_price,
            placed_at: self.order_created_at.as_deref().and_then(parse_timestamp),
            updated_at: self.order_updated_at.as_deref().and_then(parse_timestamp),
            executed_at: terminal.filter(|_| status == crate::account_data::OrderStatus::Filled),
        }
    }
}

/// `FDXBrokerTransaction`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FdxTransaction {
    pub id: Option<String>,
    pub transaction_id: Option<String>,
    pub transaction_type: Option<String>,
    #[serde(default, deserialize_with = "optional_date")]
    pub transaction_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "optional_date")]
    pub posted_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "amount")]
    pub transaction_amount: Option<Decimal>,
    pub currency: Option<String>,
    pub unit_code: Option<String>,
    pub description: Option<String>,
    pub memo: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

impl FdxTransaction {
    pub fn into_activity(self, account_id: &str) -> Activity {
        let metadata = self.metadata.unwrap_or_default();
        let raw_type = self.transaction_type.unwrap_or_default();
        let instrument = instrument(None, metadata.asset_type.clone(), None, &metadata);
        Activity {
            id: self.id.or(self.transaction_id).unwrap_or_default(),
            account_id: account_id.to_owned(),
            kind: activity_kind(&raw_type),
            raw_type,
            instrument,
            description: self.description.or(self.memo),
            quantity: metadata.quantity,
            price: metadata.price,
            amount: self.transaction_amount,
            fee: metadata.fee,
            currency: self.currency.or(self.unit_code),
            trade_date: self.transaction_date,
            settlement_date: self.posted_date,
            external_reference_id: metadata.external_reference_id,
        }
    }
}
