//! SnapTrade's account-data shapes (positions, balances, orders, activities, balance history)
//! as its OpenAPI spec defines them, and their conversion into brokerlink's model. Amounts
//! decode from the JSON text SnapTrade sent, whether a string (`"10.5"`) or a number.

use crate::account_data::{
    activity_kind, instrument_kind, order_side, order_status, value_and_pnl, Activity, Balance, BalanceHistory,
    BalancePoint, Instrument, OptionContract, OptionRight, Order, Position, MAX_ACTIVITY_PAGE,
};
use crate::providers::dates::optional_date;
use crate::providers::{parse_date, parse_timestamp};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    crate::providers::decimal::optional(d)
}

/// `GET /accounts/{id}/positions/all`.
#[derive(Debug, Deserialize)]
pub(super) struct AllPositions {
    pub results: Vec<WirePosition>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WirePosition {
    pub instrument: PositionInstrument,
    #[serde(default, deserialize_with = "amount")]
    pub units: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub cost_basis: Option<Decimal>,
    pub currency: Option<String>,
    #[serde(default)]
    pub cash_equivalent: bool,
}

/// The `kind`-discriminated instrument of a V2 position (every kind's fields, optional).
#[derive(Debug, Deserialize)]
pub(super) struct PositionInstrument {
    pub kind: String,
    pub symbol: String,
    pub description: Option<String>,
    pub currency: Option<String>,
    pub exchange: Option<String>,
    pub option_type: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub strike_price: Option<Decimal>,
    pub expiration_date: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub multiplier: Option<Decimal>,
    pub underlying: Option<Box<PositionInstrument>>,
}

fn right(word: Option<&str>) -> Option<OptionRight> {
    match word.map(str::to_ascii_uppercase).as_deref() {
        Some("CALL" | "C") => Some(OptionRight::Call),
        Some("PUT" | "P") => Some(OptionRight::Put),
        _ => None,
    }
}

impl From<PositionInstrument> for Instrument {
    fn from(i: PositionInstrument) -> Self {
        let option = (i.kind == "option")
            .then(|| {
                Some(OptionContract {
                    underlying: i.underlying.as_ref().map(|u| u.symbol.clone())?,
                    strike: i.strike_price?,
                    expiry: i.expiration_date.as_deref().and_then(parse_date)?,
                    right: right(i.option_type.as_deref())?,
                    multiplier: i.multiplier.unwrap_or(Decimal::ONE_HUNDRED),
                })
            })
            .flatten();
        Instrument {
            symbol: i.symbol,
            name: i.description,
            kind: instrument_kind(&i.kind),
            raw_kind: i.kind,
            currency: i.currency,
            exchange: i.exchange,
            option,
        }
    }
}

impl WirePosition {
    pub fn into_position(self, account_id: &str) -> Position {
        let multiplier = match self.instrument.kind.as_str() {
            "option" => self.instrument.multiplier.unwrap_or(Decimal::ONE_HUNDRED),
            "future" => self.instrument.multiplier.unwrap_or(Decimal::ONE),
            _ => Decimal::ONE,
        };
        let quantity = self.units.unwrap_or_default();
        let (market_value, open_pnl) = value_and_pnl(quantity, self.price, self.cost_basis, multiplier);
        Position {
            account_id: account_id.to_owned(),
            currency: self.currency.or_else(|| self.instrument.currency.clone()),
            instrument: self.instrument.into(),
            quantity,
            average_cost: self.cost_basis,
            price: self.price,
            market_value,
            open_pnl,
            cash_equivalent: self.cash_equivalent,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct WireCurrency {
    pub code: Option<String>,
}

/// One element of `GET /accounts/{id}/balances`.
#[derive(Debug, Deserialize)]
pub(super) struct WireBalance {
    pub currency: Option<WireCurrency>,
    #[serde(default, deserialize_with = "amount")]
    pub cash: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub buying_power: Option<Decimal>,
}

impl From<WireBalance> for Balance {
    fn from(b: WireBalance) -> Self {
        Balance {
            currency: b.currency.and_then(|c| c.code).unwrap_or_default(),
            cash: b.cash,
            buying_power: b.buying_power,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct WireExchange {
    pub code: Option<String>,
    pub mic_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct WireSecurityType {
    pub code: Option<String>,
}

/// SnapTrade's `UniversalSymbol` / `Symbol`.
#[derive(Debug, Deserialize)]
pub(super) struct WireSymbol {
    pub symbol: Option<String>,
    pub raw_symbol: Option<String>,
    pub description: Option<String>,
    pub currency: Option<WireCurrency>,
    pub exchange: Option<WireExchange>,
    #[serde(rename = "type")]
    pub kind: Option<WireSecurityType>,
}

impl From<WireSymbol> for Instrument {
    fn from(s: WireSymbol) -> Self {
        let raw_kind = s.kind.and_then(|k| k.code).unwrap_or_default();
        Instrument {
            symbol: s.symbol.or(s.raw_symbol).unwrap_or_default(),
            name: s.description,
            kind: instrument_kind(&raw_kind),
            raw_kind,
            currency: s.currency.and_then(|c| c.code),
            exchange: s.exchange.and_then(|e| e.mic_code.or(e.code)),
            option: None,
        }
    }
}

/// SnapTrade's `OptionsSymbol`.
#[derive(Debug, Deserialize)]
pub(super) struct WireOptionSymbol {
    pub ticker: String,
    pub option_type: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub strike_price: Option<Decimal>,
    pub expiration_date: Option<String>,
    #[serde(default)]
    pub is_mini_option: bool,
    pub underlying_symbol: Option<WireSymbol>,
}

impl From<WireOptionSymbol> for Instrument {
    fn from(o: WireOptionSymbol) -> Self {
        let underlying = o.underlying_symbol;
        let currency = underlying
            .as_ref()
            .and_then(|u| u.currency.as_ref())
            .and_then(|c| c.code.clone());
        let option = (|| {
            Some(OptionContract {
                underlying: underlying.as_ref().and_then(|u| u.symbol.clone())?,
                strike: o.strike_price?,
                expiry: o.expiration_date.as_deref().and_then(parse_date)?,
                right: right(o.option_type.as_deref())?,
                multiplier: if o.is_mini_option {
                    Decimal::TEN
                } else {
                    Decimal::ONE_HUNDRED
                },
            })
        })();
        Instrument {
            symbol: o.ticker,
            name: None,
            kind: crate::account_data::InstrumentKind::Option,
            raw_kind: "option".to_owned(),
            currency,
            exchange: None,
            option,
        }
    }
}

/// SnapTrade's `AccountOrderRecord`.
#[derive(Debug, Deserialize)]
pub(super) struct WireOrder {
    pub brokerage_order_id: Option<String>,
    pub status: Option<String>,
    pub universal_symbol: Option<WireSymbol>,
    pub option_symbol: Option<WireOptionSymbol>,
    pub action: Option<String>,
    #[serde(default, deserialize_with = "amount")]
    pub total_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub execution_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub limit_price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub stop_price: Option<Decimal>,
    pub order_type: Option<String>,
    pub time_in_force: Option<String>,
    pub time_placed: Option<String>,
    pub time_updated: Option<String>,
    pub time_executed: Option<String>,
}

impl WireOrder {
    pub fn into_order(self, account_id: &str) -> Order {
        let raw_status = self.status.unwrap_or_default();
        let raw_action = self.action.unwrap_or_default();
        let instrument = match (self.option_symbol, self.universal_symbol) {
            (Some(option), _) => Some(option.into()),
            (None, Some(symbol)) => Some(symbol.into()),
            (None, None) => None,
        };
        Order {
            id: self.brokerage_order_id.unwrap_or_default(),
            account_id: account_id.to_owned(),
            status: order_status(&raw_status),
            raw_status,
            side: order_side(&raw_action),
            raw_action,
            instrument,
            order_type: self.order_type,
            time_in_force: self.time_in_force,
            quantity: self.total_quantity,
            filled_quantity: self.filled_quantity,
            limit_price: self.limit_price,
            stop_price: self.stop_price,
            execution_price: self.execution_price,
            placed_at: self.time_placed.as_deref().and_then(parse_timestamp),
            updated_at: self.time_updated.as_deref().and_then(parse_timestamp),
            executed_at: self.time_executed.as_deref().and_then(parse_timestamp),
        }
    }
}

/// `GET /accounts/{id}/recentOrders`.
#[derive(Debug, Deserialize)]
pub(super) struct RecentOrders {
    #[serde(default)]
    pub orders: Vec<WireOrder>,
}

/// `GET /accounts/{id}/activities`: one page (`data`, `pagination`), its rows decoded straight
/// into `Activity` for the account they belong to. A list of wire rows first would be grown
/// from empty (serde_json cannot tell how long an array is), moved at each doubling and again
/// into the model: about a tenth of a page's decoding (perf, a 10,000-row read).
pub(super) struct ActivityPageSeed {
    pub account_id: String,
    /// The page size asked for: room for the rows a full page brings.
    pub expected_rows: usize,
}

/// A page of activities, decoded.
#[derive(Debug, Default)]
pub(super) struct ActivityPage {
    pub items: Vec<Activity>,
    pub pagination: Pagination,
}

impl<'de> DeserializeSeed<'de> for ActivityPageSeed {
    type Value = ActivityPage;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ActivityPage, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ActivityPageSeed {
    type Value = ActivityPage;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page of activities (`data` and `pagination`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActivityPage, A::Error> {
        let mut page = ActivityPage::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "data" => page.items = map.next_value_seed(ActivityRows(&self))?,
                "pagination" => page.pagination = map.next_value::<Option<Pagination>>()?.unwrap_or_default(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// The `data` array of `ActivityPageSeed`.
struct ActivityRows<'a>(&'a ActivityPageSeed);

impl<'de> DeserializeSeed<'de> for ActivityRows<'_> {
    type Value = Vec<Activity>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Activity>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ActivityRows<'_> {
    type Value = Vec<Activity>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of activities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut rows: A) -> Result<Vec<Activity>, A::Error> {
        // Never more room ahead than SnapTrade's largest page, whatever the hint.
        let most = MAX_ACTIVITY_PAGE as usize;
        let mut items = Vec::with_capacity(rows.size_hint().unwrap_or(self.0.expected_rows).min(most));
        while let Some(row) = rows.next_element::<WireActivity>()? {
            items.push(row.into_activity(&self.0.account_id));
        }
        Ok(items)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Pagination {
    pub offset: Option<u64>,
    pub total: Option<u64>,
}

/// SnapTrade's `AccountUniversalActivity`.
#[derive(Debug, Deserialize)]
pub(super) struct WireActivity {
    pub id: Option<String>,
    pub symbol: Option<WireSymbol>,
    pub option_symbol: Option<WireOptionSymbol>,
    #[serde(default, deserialize_with = "amount")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub units: Option<Decimal>,
    #[serde(default, deserialize_with = "amount")]
    pub amount: Option<Decimal>,
    pub currency: Option<WireCurrency>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "optional_date")]
    pub trade_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "optional_date")]
    pub settlement_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "amount")]
    pub fee: Option<Decimal>,
    pub external_reference_id: Option<String>,
}

impl WireActivity {
    pub fn into_activity(self, account_id: &str) -> Activity {
        let raw_type = self.kind.unwrap_or_default();
        let instrument = match (self.option_symbol, self.symbol) {
            (Some(option), _) => Some(option.into()),
            (None, Some(symbol)) => Some(symbol.into()),
            (None, None) => None,
        };
        Activity {
            id: self.id.unwrap_or_default(),
            account_id: account_id.to_owned(),
            kind: activity_kind(&raw_type),
            raw_type,
            instrument,
            description: self.description.filter(|d| !d.is_empty()),
            quantity: self.units,
            price: self.price,
            amount: self.amount,
            fee: self.fee,
            currency: self.currency.and_then(|c| c.code),
            trade_date: self.trade_date,
            settlement_date: self.settlement_date,
            external_reference_id: self.external_reference_id,
        }
    }
}

/// `GET /accounts/{id}/balanceHistory`.
#[derive(Debug, Deserialize)]
pub(super) struct WireHistory {
    #[serde(default)]
    pub history: Vec<WireHistoryItem>,
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireHistoryItem {
    pub date: String,
    #[serde(default, deserialize_with = "amount")]
    pub total_value: Option<Decimal>,
}

impl From<WireHistory> for BalanceHistory {
    fn from(h: WireHistory) -> Self {
        let mut points: Vec<BalancePoint> = h
            .history
            .into_iter()
            .filter_map(|item| {
                Some(BalancePoint {
                    date: parse_date(&item.date)?,
                    total: item.total_value?,
                })
            })
            .collect();
        points.sort_by_key(|p| p.date);
        BalanceHistory {
            currency: h.currency.unwrap_or_default(),
            points,
        }
    }
}

/// A date as SnapTrade's query parameters take it.
pub(super) fn query_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account_data::ActivityKind;

    fn decode(body: &str) -> serde_json::Result<ActivityPage> {
        let seed = ActivityPageSeed {
            account_id: "acct-1".into(),
            expected_rows: 1000,
        };
        let mut reader = serde_json::Deserializer::from_str(body);
        seed.deserialize(&mut reader)
    }

    #[test]
    fn a_page_decodes_its_rows_for_the_account_whatever_the_key_order() {
        let page = decode(
            r#"{"pagination":{"offset":20,"limit":2,"total":23},"extra":[1,{"a":null}],
               "data":[{"id":"a1","type":"BUY","units":"2","price":10.5,"amount":"-21.00",
                        "currency":{"code":"USD"},"trade_date":"2024-05-01T00:00:00Z",
                        "symbol":{"symbol":"VTI","type":{"code":"et"}}},
                       {"id":"a2","type":"DIVIDEND","amount":"1.25"}]}"#,
        )
        .unwrap();
        assert_eq!(page.pagination.offset, Some(20));
        assert_eq!(page.pagination.total, Some(23));
        let ids: Vec<&str> = page.items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2"]);
        assert!(page.items.iter().all(|a| a.account_id == "acct-1"));
        let buy = &page.items[0];
        assert_eq!(buy.kind, ActivityKind::Buy);
        assert_eq!(buy.price.map(|p| p.to_string()).as_deref(), Some("10.5"));
        assert_eq!(buy.amount.map(|p| p.to_string()).as_deref(), Some("-21.00"));
        assert_eq!(buy.trade_date, NaiveDate::from_ymd_opt(2024, 5, 1));
        assert_eq!(buy.instrument.as_ref().map(|i| i.symbol.as_str()), Some("VTI"));
        assert_eq!(page.items[1].kind, ActivityKind::Dividend);
    }

    #[test]
    fn a_page_without_rows_or_pagination_is_empty_and_a_wrong_shape_fails() {
        let page = decode(r#"{"pagination":null}"#).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.pagination.total, None);
        assert!(decode(r#"[{"id":"a1"}]"#).is_err());
        assert!(decode(r#"{"data":{"id":"a1"}}"#).is_err());
        assert!(decode(r#"{"data":[{"id":7}]}"#).is_err());
    }
}
