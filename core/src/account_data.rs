//! What an account holds and did: positions, balances, orders and activities, one model over
//! both providers. Every amount is the exact decimal the provider sent; dates are calendar
//! dates, timestamps UTC. docs/account-data.md maps each provider field onto these.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// What kind of instrument a position, order or activity is in, on one scale for both
/// providers; the provider's own word stays in `Instrument::raw_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstrumentKind {
    /// Common or preferred stock, ADRs and closed-end funds.
    Equity,
    Etf,
    Option,
    Crypto,
    /// Open-ended (mutual) funds.
    MutualFund,
    Bond,
    /// Cash and cash equivalents held as a position (a sweep or money-market fund).
    Cash,
    Future,
    /// A kind brokerlink does not know yet; read `raw_kind`.
    Other,
}

impl InstrumentKind {
    pub const ALL: [InstrumentKind; 9] = [
        InstrumentKind::Equity,
        InstrumentKind::Etf,
        InstrumentKind::Option,
        InstrumentKind::Crypto,
        InstrumentKind::MutualFund,
        InstrumentKind::Bond,
        InstrumentKind::Cash,
        InstrumentKind::Future,
        InstrumentKind::Other,
    ];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::Equity => "equity",
            InstrumentKind::Etf => "etf",
            InstrumentKind::Option => "option",
            InstrumentKind::Crypto => "crypto",
            InstrumentKind::MutualFund => "mutual_fund",
            InstrumentKind::Bond => "bond",
            InstrumentKind::Cash => "cash",
            InstrumentKind::Future => "future",
            InstrumentKind::Other => "other",
        }
    }
}

impl std::fmt::Display for InstrumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an option contract is a call or a put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionRight {
    Call,
    Put,
}

impl OptionRight {
    pub const ALL: [OptionRight; 2] = [OptionRight::Call, OptionRight::Put];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OptionRight::Call => "call",
            OptionRight::Put => "put",
        }
    }
}

impl std::fmt::Display for OptionRight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an order is, normalised across providers; the provider's own word stays in
/// `Order::raw_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Working at the broker: accepted, queued or triggered, nothing filled yet.
    Open,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
    /// Not yet working: awaiting review, a trigger, or a cancel or replace in flight.
    Pending,
    /// A status brokerlink does not know yet; read `raw_status`.
    Unknown,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
        OrderStatus::Pending,
        OrderStatus::Unknown,
    ];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
            OrderStatus::Pending => "pending",
            OrderStatus::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way an order or trade goes; the provider's own word stays in `raw_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderSide {
    /// Buy, buy to cover, buy to open or to close.
    Buy,
    /// Sell, sell short, sell to open or to close.
    Sell,
    Unknown,
}

impl OrderSide {
    pub const ALL: [OrderSide; 3] = [OrderSide::Buy, OrderSide::Sell, OrderSide::Unknown];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSide::Buy => "buy",
            OrderSide::Sell => "sell",
            OrderSide::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for OrderSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which orders to list: all of them, the ones still working, or the executed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    All,
    Open,
    Executed,
}

impl OrderState {
    pub const ALL: [OrderState; 3] = [OrderState::All, OrderState::Open, OrderState::Executed];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::All => "all",
            OrderState::Open => "open",
            OrderState::Executed => "executed",
        }
    }
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an activity was, normalised across providers; the provider's own word stays in
/// `Activity::raw_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Buy,
    Sell,
    /// Cash dividends, payments in lieu, reinvested and stock dividends.
    Dividend,
    Interest,
    Fee,
    Tax,
    /// Cash coming in: contributions and deposits.
    Deposit,
    Withdrawal,
    /// Assets moving between accounts, in either direction.
    Transfer,
    Split,
    OptionExercise,
    OptionAssignment,
    OptionExpiration,
    /// Anything else (adjustments, journal entries); read `raw_type`.
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 14] = [
        ActivityKind::Buy,
        ActivityKind::Sell,
        ActivityKind::Dividend,
        ActivityKind::Interest,
        ActivityKind::Fee,
        ActivityKind::Tax,
        ActivityKind::Deposit,
        ActivityKind::Withdrawal,
        ActivityKind::Transfer,
        ActivityKind::Split,
        ActivityKind::OptionExercise,
        ActivityKind::OptionAssignment,
        ActivityKind::OptionExpiration,
        ActivityKind::Other,
    ];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Buy => "buy",
            ActivityKind::Sell => "sell",
            ActivityKind::Dividend => "dividend",
            ActivityKind::Interest => "interest",
            ActivityKind::Fee => "fee",
            ActivityKind::Tax => "tax",
            ActivityKind::Deposit => "deposit",
            ActivityKind::Withdrawal => "withdrawal",
            ActivityKind::Transfer => "transfer",
            ActivityKind::Split => "split",
            ActivityKind::OptionExercise => "option_exercise",
            ActivityKind::OptionAssignment => "option_assignment",
            ActivityKind::OptionExpiration => "option_expiration",
            ActivityKind::Other => "other",
        }
    }
}

impl std::fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderState {
    pub fn parse(value: &str) -> Result<Self> {
        OrderState::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| {
                Error::invalid_input(
                    "state",
                    format!("unknown order state {value:?} (expected all, open or executed)"),
                )
            })
    }
}

/// An option contract's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionContract {
    /// The underlying's symbol (`AAPL`).
    pub underlying: String,
    pub strike: Decimal,
    pub expiry: NaiveDate,
    pub right: OptionRight,
    /// Units of the underlying per contract: 100 for a standard option, 10 for a mini.
    pub multiplier: Decimal,
}

/// What is held or traded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    /// The trading symbol: a ticker, an OCC symbol for an option, a pair or coin for crypto.
    pub symbol: String,
    /// The instrument's name or description, as the provider gives it.
    pub name: Option<String>,
    pub kind: InstrumentKind,
    /// The provider's own word for the kind (`stock`, `mutualfund`, `EQUITY`).
    pub raw_kind: String,
    /// The currency the instrument is quoted in.
    pub currency: Option<String>,
    /// The exchange's MIC or code.
    pub exchange: Option<String>,
    /// The contract's terms, for an option.
    pub option: Option<OptionContract>,
}

/// One holding of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub account_id: String,
    pub instrument: Instrument,
    /// Units held; negative for a short position. Contracts for an option.
    pub quantity: Decimal,
    /// Average cost per unit (per share for an option), in `currency`.
    pub average_cost: Option<Decimal>,
    /// Last known price per unit (per share for an option), in `currency`.
    pub price: Option<Decimal>,
    /// `quantity * price * multiplier`, as the provider reports it or computed exactly from
    /// those.
    pub market_value: Option<Decimal>,
    /// Unrealised profit or loss: `(price - average_cost) * quantity * multiplier`, as the
    /// provider reports it or computed exactly from those.
    pub open_pnl: Option<Decimal>,
    pub currency: Option<String>,
    /// Counted in the account's cash or buying power as well (money-market funds).
    pub cash_equivalent: bool,
}

/// An account's cash in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub currency: String,
    pub cash: Option<Decimal>,
    /// What can be spent on trades; the same as cash for an account without margin.
    pub buying_power: Option<Decimal>,
}

/// An order placed in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The broker's order id: pass it to `order` for its detail.
    pub id: String,
    pub account_id: String,
    pub status: OrderStatus,
    /// The provider's own word for the status.
    pub raw_status: String,
    pub side: OrderSide,
    /// The provider's own word for the side (`BUY`, `SELL_SHORT`, `BUY_TO_OPEN`).
    pub raw_action: String,
    pub instrument: Option<Instrument>,
    /// `Market`, `Limit`, `Stop`, `StopLimit`, …, as the provider names it.
    pub order_type: Option<String>,
    /// `Day`, `GTC`, `FOK`, …, as the provider names it.
    pub time_in_force: Option<String>,
    pub quantity: Option<Decimal>,
    pub filled_quantity: Option<Decimal>,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    /// The average price it filled at (per share for an option).
    pub execution_price: Option<Decimal>,
    pub placed_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub executed_at: Option<DateTime<Utc>>,
}

/// One transaction in an account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The provider's id of the transaction: de-duplicate on it.
    pub id: String,
    pub account_id: String,
    pub kind: ActivityKind,
    /// The provider's own word for the type (`BUY`, `REI`, `CONTRIBUTION`).
    pub raw_type: String,
    /// What it was in; absent for cash movements.
    pub instrument: Option<Instrument>,
    pub description: Option<String>,
    /// Units bought, sold or received.
    pub quantity: Option<Decimal>,
    /// Price per unit.
    pub price: Option<Decimal>,
    /// The cash effect, in `currency`: negative for money leaving the account.
    pub amount: Option<Decimal>,
    pub fee: Option<Decimal>,
    pub currency: Option<String>,
    pub trade_date: Option<NaiveDate>,
    pub settlement_date: Option<NaiveDate>,
    /// The broker's reference that ties related transactions together (the fills of one order).
    pub external_reference_id: Option<String>,
}

/// Which orders `orders` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    /// All of them (the default), the working ones, or the executed ones.
    pub state: Option<OrderState>,
    /// How many days back (1 to 90; SnapTrade's default is 30). Finatic lists every order.
    pub days: Option<u32>,
}

/// Which activities to read, and in pages of what size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// The first trade date to include.
    pub start: Option<NaiveDate>,
    /// The last trade date to include.
    pub end: Option<NaiveDate>,
    /// Activities per request (1 to 1,000; default 1,000).
    pub page_size: Option<u32>,
}

/// The most activities one request may ask for (SnapTrade's limit).
pub const MAX_ACTIVITY_PAGE: u32 = 1000;

impl ActivityQuery {
    /// Checks the query before any request: dates in order, a page size the providers accept.
    pub(crate) fn check(&self) -> Result<u32> {
        if let (Some(start), Some(end)) = (self.start, self.end) {
            if start > end {
                return Err(Error::invalid_input("start", format!("{start} is after end {end}")));
            }
        }
        match self.page_size {
            None => Ok(MAX_ACTIVITY_PAGE),
            Some(size) if (1..=MAX_ACTIVITY_PAGE).contains(&size) => Ok(size),
            Some(size) => Err(Error::invalid_input(
                "page_size",
                format!("{size} is not between 1 and {MAX_ACTIVITY_PAGE}"),
            )),
        }
    }
}

impl OrderQuery {
    pub(crate) fn check(&self) -> Result<()> {
        match self.days {
            Some(days) if !(1..=90).contains(&days) => {
                Err(Error::invalid_input("days", format!("{days} is not between 1 and 90")))
            }
            _ => Ok(()),
        }
    }
}

/// One day's total value of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancePoint {
    pub date: NaiveDate,
    pub total: Decimal,
}

/// An account's total value over time (SnapTrade's balance history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceHistory {
    pub currency: String,
    /// Oldest first.
    pub points: Vec<BalancePoint>,
}

/// How far the aggregator's copy of an account's data has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSync {
    /// Whether the first sync of the holdings (positions, balances) is done.
    pub holdings_ready: bool,
    /// Whether the first sync of the transaction history is done.
    pub transactions_ready: bool,
    pub holdings_synced_at: Option<DateTime<Utc>>,
    pub transactions_synced_at: Option<DateTime<Utc>>,
    /// The oldest transaction the aggregator has.
    pub first_transaction_date: Option<NaiveDate>,
    /// The provider's own word for the state, where it has one (Finatic's `syncStatus`).
    pub raw_status: Option<String>,
}

/// Infers the kind of an instrument from a provider's word for it.
pub(crate) fn instrument_kind(raw: &str) -> InstrumentKind {
    match raw.to_ascii_lowercase().as_str() {
        "stock" | "cs" | "ps" | "equity" | "adr" | "ad" | "cef" | "common stock" | "closed_end_fund" => {
            InstrumentKind::Equity
        }
        "etf" | "et" => InstrumentKind::Etf,
        "option" | "future_option" => InstrumentKind::Option,
        "crypto" | "cryptocurrency" => InstrumentKind::Crypto,
        "mutualfund" | "mutual_fund" | "oef" => InstrumentKind::MutualFund,
        "bond" | "bnd" => InstrumentKind::Bond,
        "cash" | "money_market" => InstrumentKind::Cash,
        "future" => InstrumentKind::Future,
        _ => InstrumentKind::Other,
    }
}

/// Normalises a provider's word for an order's state.
pub(crate) fn order_status(raw: &str) -> OrderStatus {
    match raw.to_ascii_uppercase().as_str() {
        "ACCEPTED" | "QUEUED" | "TRIGGERED" | "ACTIVATED" | "NEW" | "LIVE" | "RECEIVED" | "SUBMITTED" => {
            OrderStatus::Open
        }
        "PARTIAL" | "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "EXECUTED" | "FILLED" => OrderStatus::Filled,
        "CANCELED" | "CANCELLED" | "PARTIAL_CANCELED" | "REPLACED" => OrderStatus::Cancelled,
        "REJECTED" | "FAILED" => OrderStatus::Rejected,
        "EXPIRED" => OrderStatus::Expired,
        "PENDING"
        | "CREATED"
        | "CANCEL_PENDING"
        | "PENDING_CANCEL"
        | "REPLACE_PENDING"
        | "PENDING_RISK_REVIEW"
        | "CONTINGENT_ORDER"
        | "SUSPENDED"
        | "STOPPED" => OrderStatus::Pending,
        _ => OrderStatus::Unknown,
    }
}

/// Normalises a provider's word for an order's side.
pub(crate) fn order_side(raw: &str) -> OrderSide {
    let upper = raw.to_ascii_uppercase();
    if upper.starts_with("BUY") {
        OrderSide::Buy
    } else if upper.starts_with("SELL") {
        OrderSide::Sell
    } else {
        OrderSide::Unknown
    }
}

/// Normalises a provider's word for an activity.
pub(crate) fn activity_kind(raw: &str) -> ActivityKind {
    match raw.to_ascii_uppercase().replace([' ', '-'], "_").as_str() {
        "BUY" => ActivityKind::Buy,
        "SELL" => ActivityKind::Sell,
        "DIVIDEND" | "SUBSTITUTE_DIVIDEND" | "REI" | "STOCK_DIVIDEND" | "DIVIDEND_REINVESTMENT" => {
            ActivityKind::Dividend
        }
        "INTEREST" => ActivityKind::Interest,
        "FEE" => ActivityKind::Fee,
        "TAX" | "WITHHOLDING_TAX" => ActivityKind::Tax,
        "CONTRIBUTION" | "DEPOSIT" => ActivityKind::Deposit,
        "WITHDRAWAL" => ActivityKind::Withdrawal,
        "TRANSFER"
        | "EXTERNAL_ASSET_TRANSFER_IN"
        | "EXTERNAL_ASSET_TRANSFER_OUT"
        | "TRANSFER_IN"
        | "TRANSFER_OUT"
        | "JOURNAL" => ActivityKind::Transfer,
        "SPLIT" | "STOCK_SPLIT" => ActivityKind::Split,
        "OPTIONEXERCISE" | "OPTION_EXERCISE" => ActivityKind::OptionExercise,
        "OPTIONASSIGNMENT" | "OPTION_ASSIGNMENT" => ActivityKind::OptionAssignment,
        "OPTIONEXPIRATION" | "OPTION_EXPIRATION" => ActivityKind::OptionExpiration,
        _ => ActivityKind::Other,
    }
}

/// `quantity * price * multiplier` and `(price - cost) * quantity * multiplier`, exactly, or
/// `None` where a factor is missing or the product does not fit a decimal.
pub(crate) fn value_and_pnl(
    quantity: Decimal,
    price: Option<Decimal>,
    cost: Option<Decimal>,
    multiplier: Decimal,
) -> (Option<Decimal>, Option<Decimal>) {
    let value = price.and_then(|p| quantity.checked_mul(p)?.checked_mul(multiplier));
    let pnl = price
        .zip(cost)
        .and_then(|(p, c)| p.checked_sub(c)?.checked_mul(quantity)?.checked_mul(multiplier));
    (value, pnl)
}

/// Parses an OCC option symbol (`AAPL  261218C00240000`): root, expiry, right, strike.
pub(crate) fn occ_symbol(symbol: &str) -> Option<(String, NaiveDate, OptionRight, Decimal)> {
    let compact: String = symbol.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 16 || !compact.is_ascii() {
        return None;
    }
    let (root, tail) = compact.split_at(compact.len() - 15);
    let expiry = NaiveDate::parse_from_str(&tail[..6], "%y%m%d").ok()?;
    let right = match &tail[6..7] {
        "C" => OptionRight::Call,
        "P" => OptionRight::Put,
        _ => return None,
    };
    let thousandths: i64 = tail[7..].parse().ok()?;
    Some((root.to_owned(), expiry, right, Decimal::new(thousandths, 3).normalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_normalise_and_keep_their_scale() {
        assert_eq!(instrument_kind("mutualfund"), InstrumentKind::MutualFund);
        assert_eq!(instrument_kind("adr"), InstrumentKind::Equity);
        assert_eq!(instrument_kind("cfd"), InstrumentKind::Other);
        assert_eq!(order_status("PARTIAL"), OrderStatus::PartiallyFilled);
        assert_eq!(order_status("CANCEL_PENDING"), OrderStatus::Pending);
        assert_eq!(order_status("SOMETHING_NEW"), OrderStatus::Unknown);
        assert_eq!(order_side("SELL_SHORT"), OrderSide::Sell);
        assert_eq!(order_side("BUY_TO_CLOSE"), OrderSide::Buy);
        assert_eq!(activity_kind("REI"), ActivityKind::Dividend);
        assert_eq!(activity_kind("OPTIONEXPIRATION"), ActivityKind::OptionExpiration);
        assert_eq!(activity_kind("ADJUSTMENT"), ActivityKind::Other);
        for list in [
            InstrumentKind::ALL.len(),
            ActivityKind::ALL.len(),
            OrderStatus::ALL.len(),
        ] {
            assert!(list > 0);
        }
    }

    #[test]
    fn occ_symbols_parse() {
        let (root, expiry, right, strike) = occ_symbol("AAPL  261218C00240000").unwrap();
        assert_eq!(root, "AAPL");
        assert_eq!(expiry, NaiveDate::from_ymd_opt(2026, 12, 18).unwrap());
        assert_eq!(right, OptionRight::Call);
        assert_eq!(strike.to_string(), "240");
        let (_, _, right, strike) = occ_symbol("SPY260116P00412500").unwrap();
        assert_eq!((right, strike.to_string().as_str()), (OptionRight::Put, "412.5"));
        assert!(occ_symbol("AAPL").is_none());
    }

    #[test]
    fn queries_are_checked_before_any_request() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
        let backwards = ActivityQuery {
            start: Some(day(5)),
            end: Some(day(1)),
            page_size: None,
        };
        assert_eq!(backwards.check().unwrap_err().field(), Some("start"));
        let zero = ActivityQuery {
            page_size: Some(0),
            ..ActivityQuery::default()
        };
        assert_eq!(zero.check().unwrap_err().field(), Some("page_size"));
        assert_eq!(ActivityQuery::default().check().unwrap(), 1000);
        let days = OrderQuery {
            days: Some(91),
            state: None,
        };
        assert_eq!(days.check().unwrap_err().field(), Some("days"));
        assert_eq!(OrderState::parse("open").unwrap(), OrderState::Open);
        assert_eq!(OrderState::parse("done").unwrap_err().field(), Some("state"));
    }
}
