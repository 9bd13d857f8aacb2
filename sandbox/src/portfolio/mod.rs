//! What the sandbox's accounts hold and did: positions, cash, orders, transactions and the
//! account's value over time. Generated from the test login, the broker and the account's
//! place, so a test sees the same holdings and history every run (dates move with the day the
//! connection is made); or loaded from a fixture a test supplies. Each face renders it in its
//! own protocol's shapes. `generate` builds the deterministic profiles, `fixture` reads a test's
//! own portfolio.

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

mod fixture;
mod generate;

pub use fixture::Fixture;
pub use generate::{advance, generate, Place, Profile};

/// The sandbox's own word for an instrument's kind; faces map it to theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Stock,
    Adr,
    Cef,
    Etf,
    MutualFund,
    Bond,
    Crypto,
    Option,
    Future,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionTerms {
    pub underlying: Box<Security>,
    pub strike: Decimal,
    pub expiry: NaiveDate,
    pub call: bool,
    pub multiplier: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    pub id: String,
    pub symbol: String,
    pub description: String,
    pub kind: Kind,
    pub currency: String,
    /// The exchange's MIC; empty for crypto.
    pub exchange: String,
    pub option: Option<OptionTerms>,
    /// A future's contract size.
    pub multiplier: Option<Decimal>,
    /// Counted in cash as well (money-market funds).
    pub cash_equivalent: bool,
}

impl Security {
    /// Units of value per unit held: the contract size of an option or a future.
    pub fn multiplier(&self) -> Decimal {
        self.option
            .as_ref()
            .map(|o| o.multiplier)
            .or(self.multiplier)
            .unwrap_or(Decimal::ONE)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub security: Security,
    /// Negative for a short position.
    pub units: Decimal,
    pub price: Decimal,
    /// Average cost per unit.
    pub cost: Decimal,
}

impl Holding {
    pub fn market_value(&self) -> Decimal {
        self.units * self.price * self.security.multiplier()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cash {
    pub currency: String,
    pub cash: Decimal,
    pub buying_power: Decimal,
}

/// An order, with SnapTrade's words for its status and action (the Finatic face maps them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    pub id: String,
    pub security: Security,
    pub action: String,
    pub status: String,
    pub order_type: String,
    pub time_in_force: String,
    pub quantity: Decimal,
    pub filled: Decimal,
    pub canceled: Decimal,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub execution_price: Option<Decimal>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub executed_at: Option<DateTime<Utc>>,
}

impl SimOrder {
    pub fn open_quantity(&self) -> Decimal {
        (self.quantity - self.filled - self.canceled).max(Decimal::ZERO)
    }

    /// Still working (SnapTrade's `state=open`).
    pub fn is_open(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ACCEPTED" | "QUEUED" | "TRIGGERED" | "ACTIVATED" | "PENDING" | "PARTIAL" | "CANCEL_PENDING"
        )
    }

    /// Anything filled (SnapTrade's `state=executed`).
    pub fn is_executed(&self) -> bool {
        matches!(self.status.as_str(), "EXECUTED" | "PARTIAL")
    }
}

/// A transaction, with SnapTrade's word for its type (the Finatic face maps it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: String,
    pub kind: String,
    pub security: Option<Security>,
    pub description: String,
    pub units: Decimal,
    pub price: Decimal,
    pub amount: Decimal,
    pub fee: Decimal,
    pub currency: String,
    pub trade_date: NaiveDate,
    pub settlement_date: NaiveDate,
    pub external_reference_id: Option<String>,
    /// `BUY_TO_OPEN`, … for option trades; empty otherwise.
    pub option_action: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    /// The currency the account reports its total in.
    pub base_currency: String,
    pub holdings: Vec<Holding>,
    pub cash: Vec<Cash>,
    pub orders: Vec<SimOrder>,
    /// Newest first, by trade date.
    pub transactions: Vec<Transaction>,
    /// The account's total value per day, oldest first.
    pub history: Vec<(NaiveDate, Decimal)>,
    /// `transactions` as the SnapTrade face renders them, once per change.
    pub snaptrade_activities: RenderedRows,
}

/// Rows of a long list, rendered once per change of the portfolio instead of once per page
/// request: a 10,000-row history is about 10 MB of JSON, and rendering a page of it cost more
/// than a client spends decoding it. A copy made to change the portfolio starts empty, and
/// `advance` empties it; it takes no part in comparisons.
#[derive(Default)]
pub struct RenderedRows(std::sync::OnceLock<std::sync::Arc<[Box<serde_json::value::RawValue>]>>);

impl RenderedRows {
    pub fn get_or_render(
        &self,
        render: impl FnOnce() -> Vec<Box<serde_json::value::RawValue>>,
    ) -> std::sync::Arc<[Box<serde_json::value::RawValue>]> {
        self.0.get_or_init(|| render().into()).clone()
    }
}

/// A row as JSON text, for `RenderedRows`.
pub fn raw(value: &serde_json::Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| {
        // A `Value` always serialises; this is never reached.
        serde_json::value::RawValue::from_string("null".into()).unwrap_or_default()
    })
}

impl Clone for RenderedRows {
    fn clone(&self) -> Self {
        RenderedRows::default()
    }
}

impl PartialEq for RenderedRows {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RenderedRows {}

impl std::fmt::Debug for RenderedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.get() {
            Some(rows) => write!(f, "RenderedRows({} rows)", rows.len()),
            None => f.write_str("RenderedRows(not yet)"),
        }
    }
}

/// Fixed rates for the sandbox's multi-currency totals: units of the base per unit of another.
fn fx(from: &str, base: &str) -> Decimal {
    match (from, base) {
        (a, b) if a == b => Decimal::ONE,
        ("USD", "CAD") => dec("1.3650"),
        ("CAD", "USD") => dec("0.7326"),
        _ => Decimal::ONE,
    }
}

impl Portfolio {
    /// Cash plus the holdings' value, every currency converted into the base at fixed rates.
    pub fn total(&self) -> Decimal {
        let cash: Decimal = self
            .cash
            .iter()
            .map(|c| c.cash * fx(&c.currency, &self.base_currency))
            .sum();
        let held: Decimal = self
            .holdings
            .iter()
            .filter(|h| !h.security.cash_equivalent)
            .map(|h| (h.market_value() * fx(&h.security.currency, &self.base_currency)).round_dp(2))
            .sum();
        (cash + held).round_dp(2)
    }
}

/// An amount as a JSON number, the way SnapTrade and Finatic send amounts. Sandbox amounts
/// have few enough digits that the shortest float text is the decimal itself.
pub fn number(amount: Decimal) -> serde_json::Value {
    use rust_decimal::prelude::ToPrimitive;
    amount
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// An amount as a decimal string (SnapTrade's `format: decimal` fields), exact to its scale.
pub fn text(amount: Decimal) -> serde_json::Value {
    serde_json::Value::String(amount.to_string())
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}

/// FNV-1a: a hash that is the same on every machine and release, unlike std's.
fn fnv(parts: &[&str], seed: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A UUID (version 4 layout) that is a function of `parts`: the same instrument or
/// transaction has the same id in every run.
pub fn stable_id(parts: &[&str]) -> String {
    let (a, b) = (fnv(parts, 1), fnv(parts, 2));
    let bytes = [a.to_be_bytes(), b.to_be_bytes()].concat();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&bytes);
    raw[6] = (raw[6] & 0x0f) | 0x40;
    raw[8] = (raw[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(raw).to_string()
}
