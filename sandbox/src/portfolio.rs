//! What the sandbox's accounts hold and did: positions, cash, orders, transactions and the
//! account's value over time. Generated from the test login, the broker and the account's
//! place, so a test sees the same holdings and history every run (dates move with the day the
//! connection is made); or loaded from a fixture a test supplies. Each face renders it in its
//! own protocol's shapes.

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

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

/// SplitMix64: small, fast, and fixed by its seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A decimal between `low` and `high` with `places` decimal places.
    fn between(&mut self, low: Decimal, high: Decimal, places: u32) -> Decimal {
        let scale = Decimal::from(10u64.pow(places));
        let steps = ((high - low) * scale).trunc();
        let steps = u64::try_from(steps.mantissa()).unwrap_or(1).max(1);
        (low + Decimal::from(self.below(steps + 1)) / scale).round_dp(places)
    }
}

/// The listings the sandbox's accounts draw from.
const LISTINGS: &[(&str, &str, Kind, &str, &str, &str)] = &[
    ("AAPL", "Apple Inc.", Kind::Stock, "USD", "XNAS", "187.42"),
    ("MSFT", "Microsoft Corporation", Kind::Stock, "USD", "XNAS", "411.22"),
    ("NVDA", "NVIDIA Corporation", Kind::Stock, "USD", "XNAS", "118.65"),
    ("JPM", "JPMorgan Chase & Co.", Kind::Stock, "USD", "XNYS", "198.31"),
    ("KO", "The Coca-Cola Company", Kind::Stock, "USD", "XNYS", "61.09"),
    (
        "BABA",
        "Alibaba Group Holding Ltd ADR",
        Kind::Adr,
        "USD",
        "XNYS",
        "84.12",
    ),
    (
        "BST",
        "BlackRock Science and Technology Trust",
        Kind::Cef,
        "USD",
        "XNYS",
        "35.40",
    ),
    (
        "VTI",
        "Vanguard Total Stock Market ETF",
        Kind::Etf,
        "USD",
        "ARCX",
        "252.10",
    ),
    ("SPY", "SPDR S&P 500 ETF Trust", Kind::Etf, "USD", "ARCX", "512.33"),
    ("QQQ", "Invesco QQQ Trust", Kind::Etf, "USD", "XNAS", "438.90"),
    (
        "VFIAX",
        "Vanguard 500 Index Fund Admiral Shares",
        Kind::MutualFund,
        "USD",
        "XNAS",
        "472.55",
    ),
    (
        "FXAIX",
        "Fidelity 500 Index Fund",
        Kind::MutualFund,
        "USD",
        "XNAS",
        "182.44",
    ),
    (
        "SWVXX",
        "Schwab Value Advantage Money Fund",
        Kind::MutualFund,
        "USD",
        "XNAS",
        "1.00",
    ),
    (
        "912797KX4",
        "United States Treasury Bill 0% 2027-06-17",
        Kind::Bond,
        "USD",
        "XNYS",
        "98.125",
    ),
    ("BTC", "Bitcoin", Kind::Crypto, "USD", "", "67321.55"),
    ("ETH", "Ethereum", Kind::Crypto, "USD", "", "3412.08"),
    ("SOL", "Solana", Kind::Crypto, "USD", "", "142.37"),
    ("RY", "Royal Bank of Canada", Kind::Stock, "CAD", "XTSE", "142.35"),
    ("ENB", "Enbridge Inc.", Kind::Stock, "CAD", "XTSE", "51.20"),
    (
        "XIC",
        "iShares Core S&P/TSX Capped Composite Index ETF",
        Kind::Etf,
        "CAD",
        "XTSE",
        "36.12",
    ),
    (
        "ESZ7",
        "E-mini S&P 500 Dec 2027",
        Kind::Future,
        "USD",
        "XCME",
        "5210.25",
    ),
];

fn listing(symbol: &str) -> Security {
    let (symbol, name, kind, currency, exchange, _) =
        LISTINGS
            .iter()
            .find(|l| l.0 == symbol)
            .copied()
            .unwrap_or((symbol, symbol, Kind::Other, "USD", "", "1"));
    Security {
        id: stable_id(&["security", symbol]),
        symbol: symbol.to_owned(),
        description: name.to_owned(),
        kind,
        currency: currency.to_owned(),
        exchange: exchange.to_owned(),
        option: None,
        multiplier: (kind == Kind::Future).then(|| Decimal::from(50)),
        cash_equivalent: symbol == "SWVXX",
    }
}

fn price_of(symbol: &str) -> Decimal {
    LISTINGS
        .iter()
        .find(|l| l.0 == symbol)
        .map_or(Decimal::ONE, |l| dec(l.5))
}

/// An OCC-style option on `underlying`.
fn option(underlying: &str, call: bool, strike: &str, expiry: (i32, u32, u32)) -> Security {
    let under = listing(underlying);
    let strike = dec(strike);
    let expiry = NaiveDate::from_ymd_opt(expiry.0, expiry.1, expiry.2).unwrap_or_default();
    let thousandths = (strike * Decimal::from(1000)).trunc().mantissa();
    let symbol = format!(
        "{underlying:<6}{}{}{thousandths:08}",
        expiry.format("%y%m%d"),
        if call { 'C' } else { 'P' }
    );
    Security {
        id: stable_id(&["option", &symbol]),
        description: format!(
            "{underlying} {} {} {}",
            expiry.format("%b %d %Y"),
            strike.normalize(),
            if call { "CALL" } else { "PUT" }
        ),
        symbol,
        kind: Kind::Option,
        currency: under.currency.clone(),
        exchange: String::new(),
        option: Some(OptionTerms {
            underlying: Box::new(under),
            strike,
            expiry,
            call,
            multiplier: Decimal::ONE_HUNDRED,
        }),
        multiplier: None,
        cash_equivalent: false,
    }
}

/// What a test login's accounts look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Every instrument kind over the accounts, a multi-currency account at a Canadian
    /// broker, orders in every state, a few hundred activities of every kind.
    SelfDirected,
    /// One account with this many activities, for paging.
    History(usize),
    CashOnly,
    NoTransactions,
    NoAccounts,
}

impl Profile {
    pub fn of(login: &str, history_activities: usize) -> Profile {
        match login {
            "user_history" => Profile::History(history_activities),
            "user_cash_only" => Profile::CashOnly,
            "user_no_transactions" => Profile::NoTransactions,
            "user_no_accounts" => Profile::NoAccounts,
            _ => Profile::SelfDirected,
        }
    }

    /// How many of the broker's accounts a connection gets.
    pub fn accounts(self, offered: usize) -> usize {
        match self {
            Profile::NoAccounts => 0,
            Profile::History(_) => offered.min(1),
            _ => offered,
        }
    }
}

/// Where an account stands among a broker's accounts, and what it is for.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub login: &'a str,
    pub broker: &'a str,
    pub broker_kind: &'a str,
    pub currency: &'a str,
    pub index: usize,
    pub total: Decimal,
}

/// A portfolio for one account, worth `place.total` in the broker's currency.
pub fn generate(profile: Profile, place: Place<'_>, now: DateTime<Utc>) -> Portfolio {
    let seed = fnv(&[place.login, place.broker, &place.index.to_string()], 7);
    let mut dice = Dice(seed);
    let today = now.date_naive();
    let base = place.currency.to_owned();
    let symbols: Vec<Security> = match profile {
        Profile::CashOnly | Profile::NoAccounts => Vec::new(),
        Profile::History(_) => vec![listing("VTI"), listing("AAPL"), listing("KO")],
        Profile::NoTransactions => vec![listing("SPY"), listing("MSFT")],
        Profile::SelfDirected => self_directed(&place),
    };
    // Holdings take about three quarters of the account; the rest is cash.
    let budget = (place.total * dec("0.75")).round_dp(2);
    let mut holdings = Vec::new();
    for security in &symbols {
        let price = match &security.option {
            Some(terms) => option_price(terms),
            None => price_of(&security.symbol),
        };
        let share = budget / Decimal::from(symbols.len().max(1) as u64);
        let per_unit = (price * security.multiplier() * fx(&security.currency, &base)).max(dec("0.01"));
        let mut units = match security.kind {
            Kind::Crypto => (share / per_unit).round_dp(6),
            Kind::Option | Kind::Future => Decimal::ONE + Decimal::from(dice.below(2)),
            Kind::MutualFund => (share / per_unit).round_dp(3),
            _ => (share / per_unit).trunc().max(Decimal::ONE),
        };
        // Puts are written (a short position), calls bought.
        if security.option.as_ref().is_some_and(|o| !o.call) {
            units = -units;
        }
        let cost = (price * dice.between(dec("0.70"), dec("1.15"), 3)).round_dp(4);
        holdings.push(Holding {
            security: security.clone(),
            units,
            price,
            cost,
        });
    }
    let mut portfolio = Portfolio {
        base_currency: base.clone(),
        holdings,
        ..Portfolio::default()
    };
    let multi_currency = profile == Profile::SelfDirected && place.currency == "CAD" && place.index == 0;
    if multi_currency {
        portfolio.cash.push(Cash {
            currency: "USD".into(),
            cash: dec("1250.00"),
            buying_power: dec("1250.00"),
        });
    }
    // The base currency's cash makes the total come out exactly at the account's balance.
    let others = portfolio.total();
    let cash = (place.total - others).max(Decimal::ZERO).round_dp(2);
    portfolio.cash.insert(
        0,
        Cash {
            currency: base.clone(),
            cash,
            buying_power: if place.index == 0 && profile == Profile::SelfDirected {
                (cash * Decimal::TWO).round_dp(2)
            } else {
                cash
            },
        },
    );
    let activity_count = match profile {
        Profile::SelfDirected => 240 + dice.below(120) as usize,
        Profile::History(n) => n,
        Profile::CashOnly => 12,
        Profile::NoTransactions | Profile::NoAccounts => 0,
    };
    let span_days = match profile {
        Profile::History(n) => (n as i64 / 2).max(365),
        _ => 730,
    };
    portfolio.transactions = transactions(&mut dice, &place, &portfolio, profile, activity_count, span_days, today);
    if matches!(profile, Profile::SelfDirected | Profile::History(_)) {
        portfolio.orders = orders(&mut dice, &place, &portfolio, now);
    }
    portfolio.history = history(&mut dice, portfolio.total(), today);
    portfolio
}

fn self_directed(place: &Place<'_>) -> Vec<Security> {
    if place.broker_kind == "Crypto Exchange" {
        return match place.index {
            0 => vec![listing("BTC"), listing("ETH"), listing("SOL")],
            _ => vec![listing("BTC"), listing("ETH")],
        };
    }
    if place.currency == "CAD" {
        return match place.index {
            0 => vec![listing("RY"), listing("ENB"), listing("XIC"), listing("AAPL")],
            _ => vec![listing("XIC"), listing("RY")],
        };
    }
    match place.index {
        0 => vec![
            listing("AAPL"),
            listing("MSFT"),
            listing("NVDA"),
            listing("BABA"),
            listing("BST"),
            listing("VTI"),
            listing("SPY"),
            option("AAPL", true, "240", (2027, 12, 17)),
            option("SPY", false, "480", (2027, 6, 18)),
            listing("BTC"),
            listing("ETH"),
        ],
        _ => vec![
            listing("VFIAX"),
            listing("FXAIX"),
            listing("SWVXX"),
            listing("QQQ"),
            listing("KO"),
            listing("JPM"),
            listing("912797KX4"),
        ],
    }
}

fn option_price(terms: &OptionTerms) -> Decimal {
    let spot = price_of(&terms.underlying.symbol);
    let intrinsic = if terms.call {
        spot - terms.strike
    } else {
        terms.strike - spot
    };
    (intrinsic.max(Decimal::ZERO) + spot * dec("0.04")).round_dp(2)
}

/// SnapTrade's transaction words, each at least once, then at random in proportion.
const KINDS: &[(&str, u64)] = &[
    ("BUY", 24),
    ("SELL", 10),
    ("DIVIDEND", 14),
    ("REI", 5),
    ("INTEREST", 8),
    ("FEE", 5),
    ("TAX", 4),
    ("CONTRIBUTION", 8),
    ("WITHDRAWAL", 4),
    ("TRANSFER", 3),
    ("SPLIT", 1),
    ("OPTIONEXERCISE", 2),
    ("OPTIONASSIGNMENT", 2),
    ("OPTIONEXPIRATION", 2),
    ("ADJUSTMENT", 1),
];

fn transactions(
    dice: &mut Dice,
    place: &Place<'_>,
    portfolio: &Portfolio,
    profile: Profile,
    count: usize,
    span_days: i64,
    today: NaiveDate,
) -> Vec<Transaction> {
    let traded: Vec<&Security> = portfolio
        .holdings
        .iter()
        .map(|h| &h.security)
        .filter(|s| s.option.is_none())
        .collect();
    let options: Vec<&Security> = portfolio
        .holdings
        .iter()
        .map(|h| &h.security)
        .filter(|s| s.option.is_some())
        .collect();
    let weight: u64 = KINDS.iter().map(|k| k.1).sum();
    let mut list = Vec::with_capacity(count);
    for n in 0..count {
        let kind = match profile {
            Profile::CashOnly => {
                if n % 3 == 2 {
                    "INTEREST"
                } else {
                    "CONTRIBUTION"
                }
            }
            // Every kind once first, so even a short history has each.
            _ if let Some((first, _)) = KINDS.get(n) => first,
            _ => {
                let mut roll = dice.below(weight);
                KINDS
                    .iter()
                    .find(|(_, w)| {
                        let hit = roll < *w;
                        roll = roll.saturating_sub(*w);
                        hit
                    })
                    .map_or("BUY", |k| k.0)
            }
        };
        let option_kind = kind.starts_with("OPTION");
        let security: Option<Security> = match kind {
            "BUY" | "SELL" | "DIVIDEND" | "REI" | "SPLIT" | "TRANSFER" if !traded.is_empty() => {
                Some((*dice.pick(&traded)).clone())
            }
            _ if option_kind && !options.is_empty() => Some((*dice.pick(&options)).clone()),
            _ if option_kind => Some(option("AAPL", true, "200", (2026, 1, 16))),
            _ => None,
        };
        let currency = security
            .as_ref()
            .map_or_else(|| place.currency.to_owned(), |s| s.currency.clone());
        let price = security.as_ref().map_or(Decimal::ZERO, |s| match &s.option {
            Some(terms) => option_price(terms),
            None => (price_of(&s.symbol) * dice.between(dec("0.80"), dec("1.10"), 3)).round_dp(2),
        });
        let units = match (kind, &security) {
            ("BUY" | "SELL" | "REI" | "TRANSFER", Some(s)) if s.kind == Kind::Crypto => {
                dice.between(dec("0.001"), dec("0.5"), 6)
            }
            ("BUY" | "SELL" | "TRANSFER", Some(_)) => Decimal::from(1 + dice.below(40)),
            ("REI", Some(_)) => dice.between(dec("0.010"), dec("2.500"), 3),
            ("SPLIT", Some(_)) => Decimal::from(1 + dice.below(20)),
            (k, Some(_)) if k.starts_with("OPTION") => Decimal::ONE,
            _ => Decimal::ZERO,
        };
        let multiplier = security.as_ref().map_or(Decimal::ONE, Security::multiplier);
        let fee = match kind {
            "BUY" | "SELL" => dice.between(Decimal::ZERO, dec("4.95"), 2),
            "FEE" => dice.between(dec("1.00"), dec("25.00"), 2),
            _ => Decimal::ZERO,
        };
        let amount = match kind {
            "BUY" => -(units * price * multiplier + fee),
            "SELL" => units * price * multiplier - fee,
            "DIVIDEND" | "INTEREST" => dice.between(dec("0.50"), dec("180.00"), 2),
            "REI" => -(units * price),
            "FEE" => -fee,
            "TAX" => -dice.between(dec("0.10"), dec("45.00"), 2),
            "CONTRIBUTION" => Decimal::from(100 * (1 + dice.below(50))),
            "WITHDRAWAL" => -Decimal::from(50 * (1 + dice.below(20))),
            "ADJUSTMENT" => dice.between(dec("-5.00"), dec("5.00"), 2),
            "OPTIONEXERCISE" | "OPTIONASSIGNMENT" => -(price * multiplier),
            _ => Decimal::ZERO,
        }
        .round_dp(2);
        let fee = if kind == "FEE" { Decimal::ZERO } else { fee };
        // Spread evenly back from today, several a day for long histories.
        let back = (n as i64 * span_days) / count.max(1) as i64;
        let trade_date = today - Days::days(back);
        let settles = match kind {
            "BUY" | "SELL" => 1,
            _ => 0,
        };
        let description = match (&security, kind) {
            (Some(s), _) => format!("{} {}", kind.replace('_', " "), s.description),
            (None, "CONTRIBUTION") => "Electronic funds transfer in".to_owned(),
            (None, "WITHDRAWAL") => "Electronic funds transfer out".to_owned(),
            (None, "INTEREST") => "Interest on cash balance".to_owned(),
            (None, other) => other.replace('_', " ").to_lowercase(),
        };
        let n_text = n.to_string();
        list.push(Transaction {
            id: stable_id(&[
                "transaction",
                place.login,
                place.broker,
                &place.index.to_string(),
                &n_text,
            ]),
            kind: kind.to_owned(),
            option_action: match kind {
                "BUY" if security.as_ref().is_some_and(|s| s.option.is_some()) => "BUY_TO_OPEN".into(),
                _ => String::new(),
            },
            security,
            description,
            units,
            price,
            amount,
            fee,
            currency,
            trade_date,
            settlement_date: trade_date + Days::days(settles),
            external_reference_id: matches!(kind, "BUY" | "SELL")
                .then(|| stable_id(&["order", place.login, place.broker, &n_text])),
        });
    }
    list
}

/// One order in every state SnapTrade reports (and then some), a few placed today.
fn orders(dice: &mut Dice, place: &Place<'_>, portfolio: &Portfolio, now: DateTime<Utc>) -> Vec<SimOrder> {
    const STATES: &[(&str, &str, &str, &str)] = &[
        ("EXECUTED", "BUY", "Market", "Day"),
        ("EXECUTED", "SELL", "Limit", "GTC"),
        ("PARTIAL", "BUY", "Limit", "GTC"),
        ("ACCEPTED", "BUY", "Limit", "GTC"),
        ("QUEUED", "SELL", "Stop", "Day"),
        ("PENDING", "BUY", "StopLimit", "Day"),
        ("CANCEL_PENDING", "SELL", "Limit", "Day"),
        ("CANCELED", "BUY", "Limit", "Day"),
        ("REJECTED", "SELL_SHORT", "Market", "Day"),
        ("EXPIRED", "BUY", "Limit", "Day"),
        ("FAILED", "BUY_COVER", "Market", "Day"),
    ];
    let securities: Vec<&Security> = portfolio.holdings.iter().map(|h| &h.security).collect();
    if securities.is_empty() {
        return Vec::new();
    }
    let mut list = Vec::new();
    for (n, (status, action, order_type, tif)) in STATES.iter().enumerate() {
        let security = (*securities[n % securities.len()]).clone();
        let action = match (&security.option, *action) {
            (Some(_), "BUY") => "BUY_OPEN",
            (Some(_), "SELL") => "SELL_CLOSE",
            (_, a) => a,
        };
        let price = match &security.option {
            Some(terms) => option_price(terms),
            None => price_of(&security.symbol),
        };
        let quantity = match security.kind {
            Kind::Crypto => dice.between(dec("0.01"), dec("0.25"), 4),
            Kind::Option | Kind::Future => Decimal::ONE,
            _ => Decimal::from(1 + dice.below(25)),
        };
        let filled = match *status {
            "EXECUTED" => quantity,
            "PARTIAL" => (quantity / Decimal::TWO).round_dp(4).max(dec("0.0001")).min(quantity),
            _ => Decimal::ZERO,
        };
        let canceled = match *status {
            "CANCELED" | "EXPIRED" | "REJECTED" | "FAILED" => quantity - filled,
            _ => Decimal::ZERO,
        };
        // The first two are today's (recent orders); the rest spread over three weeks.
        let placed = if n < 2 {
            now - chrono::Duration::minutes(30 + 45 * n as i64)
        } else {
            now - chrono::Duration::hours(26 + 40 * n as i64)
        };
        let limit = matches!(*order_type, "Limit" | "StopLimit").then(|| (price * dec("0.98")).round_dp(2));
        let stop = matches!(*order_type, "Stop" | "StopLimit").then(|| (price * dec("0.95")).round_dp(2));
        let executed = (filled > Decimal::ZERO).then(|| placed + chrono::Duration::seconds(3));
        list.push(SimOrder {
            id: stable_id(&["order", place.login, place.broker, &place.index.to_string(), status]),
            security,
            action: action.to_owned(),
            status: (*status).to_owned(),
            order_type: (*order_type).to_owned(),
            time_in_force: (*tif).to_owned(),
            quantity,
            filled,
            canceled,
            limit_price: limit,
            stop_price: stop,
            execution_price: (filled > Decimal::ZERO).then(|| limit.unwrap_or(price)),
            placed_at: placed,
            updated_at: executed.unwrap_or(placed + chrono::Duration::seconds(1)),
            executed_at: executed,
        });
    }
    list
}

/// A year of daily totals ending at today's: a small random walk, exact to the cent.
fn history(dice: &mut Dice, total: Decimal, today: NaiveDate) -> Vec<(NaiveDate, Decimal)> {
    let mut value = total;
    let mut points = vec![(today, total)];
    for day in 1..365 {
        let step = dice.between(dec("-0.012"), dec("0.012"), 4);
        value = (value / (Decimal::ONE + step)).round_dp(2);
        points.push((today - Days::days(day), value));
    }
    points.reverse();
    points
}

/// The day moving on at the broker, on a refresh: prices drift and a dividend arrives.
pub fn advance(portfolio: &mut Portfolio, login: &str, account_id: &str, now: DateTime<Utc>) {
    portfolio.snaptrade_activities = RenderedRows::default();
    let round = portfolio.transactions.len().to_string();
    let mut dice = Dice(fnv(&[login, account_id, &round], 11));
    for holding in &mut portfolio.holdings {
        if holding.security.cash_equivalent {
            continue;
        }
        let step = dice.between(dec("-0.02"), dec("0.02"), 4);
        holding.price = (holding.price * (Decimal::ONE + step)).round_dp(4).max(dec("0.01"));
    }
    let Some(holding) = portfolio.holdings.iter().find(|h| h.security.option.is_none()) else {
        return;
    };
    let security = holding.security.clone();
    let amount = dice.between(dec("1.00"), dec("60.00"), 2);
    let today = now.date_naive();
    portfolio.transactions.insert(
        0,
        Transaction {
            id: stable_id(&["transaction", login, account_id, "refresh", &round]),
            kind: "DIVIDEND".into(),
            description: format!("DIVIDEND {}", security.description),
            currency: security.currency.clone(),
            security: Some(security),
            units: Decimal::ZERO,
            price: Decimal::ZERO,
            amount,
            fee: Decimal::ZERO,
            trade_date: today,
            settlement_date: today,
            external_reference_id: None,
            option_action: String::new(),
        },
    );
    if let Some(cash) = portfolio.cash.first_mut() {
        cash.cash += amount;
        cash.buying_power += amount;
    }
    let total = portfolio.total();
    match portfolio.history.last_mut() {
        Some(last) if last.0 == today => last.1 = total,
        _ => portfolio.history.push((today, total)),
    }
}

// ---- fixtures ---------------------------------------------------------------------------------

/// A portfolio a test supplies (`Sandbox::load_portfolio`, `POST /_sandbox/portfolios`).
/// Amounts are decimal strings (or numbers); dates `YYYY-MM-DD`; times RFC 3339.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub cash: Vec<FixtureCash>,
    #[serde(default)]
    pub positions: Vec<FixturePosition>,
    #[serde(default)]
    pub orders: Vec<FixtureOrder>,
    #[serde(default)]
    pub activities: Vec<FixtureActivity>,
    /// The account's total value per day; without it, one point: today's total.
    #[serde(default)]
    pub history: Vec<FixturePoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturePoint {
    pub date: NaiveDate,
    pub total: FixtureAmount,
}

#[derive(Debug, Deserialize)]
pub struct FixtureSecurity {
    pub symbol: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "stock")]
    pub kind: Kind,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub exchange: Option<String>,
    /// For an option: the underlying's symbol, strike, expiry and `call` or `put`.
    #[serde(default)]
    pub underlying: Option<String>,
    #[serde(default)]
    pub strike: Option<FixtureAmount>,
    #[serde(default)]
    pub expiry: Option<NaiveDate>,
    #[serde(default)]
    pub right: Option<String>,
    #[serde(default)]
    pub multiplier: Option<FixtureAmount>,
    #[serde(default)]
    pub cash_equivalent: bool,
}

fn stock() -> Kind {
    Kind::Stock
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureCash {
    pub currency: String,
    pub cash: FixtureAmount,
    #[serde(default)]
    pub buying_power: Option<FixtureAmount>,
}

#[derive(Debug, Deserialize)]
pub struct FixturePosition {
    #[serde(flatten)]
    pub security: FixtureSecurity,
    pub units: FixtureAmount,
    pub price: FixtureAmount,
    #[serde(default)]
    pub cost: Option<FixtureAmount>,
}

#[derive(Debug, Deserialize)]
pub struct FixtureOrder {
    pub id: String,
    #[serde(flatten)]
    pub security: FixtureSecurity,
    pub action: String,
    pub status: String,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    pub quantity: FixtureAmount,
    #[serde(default)]
    pub filled: Option<FixtureAmount>,
    #[serde(default)]
    pub limit_price: Option<FixtureAmount>,
    #[serde(default)]
    pub stop_price: Option<FixtureAmount>,
    #[serde(default)]
    pub execution_price: Option<FixtureAmount>,
    /// When it was placed; or `placed_minutes_ago`, for orders that must stay recent.
    #[serde(default)]
    pub placed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub placed_minutes_ago: Option<u32>,
    #[serde(default)]
    pub executed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureActivity {
    pub id: String,
    /// SnapTrade's word: `BUY`, `DIVIDEND`, `CONTRIBUTION`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub security: Option<FixtureSecurity>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub units: Option<FixtureAmount>,
    #[serde(default)]
    pub price: Option<FixtureAmount>,
    pub amount: FixtureAmount,
    #[serde(default)]
    pub fee: Option<FixtureAmount>,
    pub currency: String,
    pub trade_date: NaiveDate,
    #[serde(default)]
    pub settlement_date: Option<NaiveDate>,
    #[serde(default)]
    pub external_reference_id: Option<String>,
}

/// An amount in a fixture: a decimal string, or a JSON number as written.
#[derive(Debug, Clone)]
pub struct FixtureAmount(pub Decimal);

impl<'de> Deserialize<'de> for FixtureAmount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Amount;
        impl serde::de::Visitor<'_> for Amount {
            type Value = FixtureAmount;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal amount, as a string or a number")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<FixtureAmount, E> {
                let text = text.trim();
                Decimal::from_str_exact(text)
                    .or_else(|_| Decimal::from_scientific(text))
                    .map(FixtureAmount)
                    .map_err(|e| E::custom(format!("`{text}` is not a decimal amount ({e})")))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<FixtureAmount, E> {
                Ok(FixtureAmount(Decimal::from(n)))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<FixtureAmount, E> {
                Ok(FixtureAmount(Decimal::from(n)))
            }

            // A number in a fixture is taken as the shortest text that reads back as it; a
            // string keeps every digit exactly.
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<FixtureAmount, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_any(Amount)
    }
}

impl FixtureSecurity {
    fn security(&self, base: &str) -> Result<Security, String> {
        let currency = self.currency.clone().unwrap_or_else(|| base.to_owned());
        if self.kind == Kind::Option {
            let underlying = self.underlying.clone().ok_or("an option needs its underlying")?;
            let strike = self.strike.clone().ok_or("an option needs its strike")?.0;
            let expiry = self.expiry.ok_or("an option needs its expiry")?;
            let call = match self.right.as_deref() {
                Some("call") => true,
                Some("put") => false,
                _ => return Err("an option's right is call or put".into()),
            };
            let mut under = listing(&underlying);
            under.currency = currency.clone();
            return Ok(Security {
                id: stable_id(&["option", &self.symbol]),
                symbol: self.symbol.clone(),
                description: self.name.clone().unwrap_or_else(|| self.symbol.clone()),
                kind: Kind::Option,
                currency,
                exchange: self.exchange.clone().unwrap_or_default(),
                option: Some(OptionTerms {
                    underlying: Box::new(under),
                    strike,
                    expiry,
                    call,
                    multiplier: self.multiplier.clone().map_or(Decimal::ONE_HUNDRED, |m| m.0),
                }),
                multiplier: None,
                cash_equivalent: false,
            });
        }
        Ok(Security {
            id: stable_id(&["security", &self.symbol]),
            symbol: self.symbol.clone(),
            description: self.name.clone().unwrap_or_else(|| self.symbol.clone()),
            kind: self.kind,
            currency,
            exchange: self.exchange.clone().unwrap_or_default(),
            option: None,
            multiplier: self.multiplier.clone().map(|m| m.0),
            cash_equivalent: self.cash_equivalent,
        })
    }
}

impl Fixture {
    /// The portfolio the fixture describes, in the account's currency; a fixture that
    /// contradicts itself is refused with the reason.
    pub fn portfolio(&self, base: &str, now: DateTime<Utc>) -> Result<Portfolio, String> {
        let mut portfolio = Portfolio {
            base_currency: base.to_owned(),
            ..Portfolio::default()
        };
        for c in &self.cash {
            portfolio.cash.push(Cash {
                currency: c.currency.clone(),
                cash: c.cash.0,
                buying_power: c.buying_power.clone().map_or(c.cash.0, |b| b.0),
            });
        }
        for p in &self.positions {
            let security = p.security.security(base)?;
            portfolio.holdings.push(Holding {
                security,
                units: p.units.0,
                price: p.price.0,
                cost: p.cost.clone().map_or(p.price.0, |c| c.0),
            });
        }
        for o in &self.orders {
            let filled = o.filled.clone().map_or(Decimal::ZERO, |f| f.0);
            let placed_at = match (o.placed_at, o.placed_minutes_ago) {
                (Some(at), None) => at,
                (None, Some(minutes)) => now - chrono::Duration::minutes(i64::from(minutes)),
                _ => return Err(format!("order {}: give placed_at or placed_minutes_ago", o.id)),
            };
            // An executed order without its own time filled a few seconds after it was placed.
            let executed_at = o
                .executed_at
                .or_else(|| (filled > Decimal::ZERO).then(|| placed_at + chrono::Duration::seconds(3)));
            portfolio.orders.push(SimOrder {
                id: o.id.clone(),
                security: o.security.security(base)?,
                action: o.action.clone(),
                status: o.status.clone(),
                order_type: o.order_type.clone().unwrap_or_else(|| "Market".into()),
                time_in_force: o.time_in_force.clone().unwrap_or_else(|| "Day".into()),
                quantity: o.quantity.0,
                filled,
                canceled: match o.status.as_str() {
                    "CANCELED" | "EXPIRED" | "REJECTED" | "FAILED" => o.quantity.0 - filled,
                    _ => Decimal::ZERO,
                },
                limit_price: o.limit_price.clone().map(|a| a.0),
                stop_price: o.stop_price.clone().map(|a| a.0),
                execution_price: o.execution_price.clone().map(|a| a.0),
                placed_at,
                updated_at: executed_at.unwrap_or(placed_at),
                executed_at,
            });
        }
        for a in &self.activities {
            let security = a.security.as_ref().map(|s| s.security(base)).transpose()?;
            portfolio.transactions.push(Transaction {
                id: a.id.clone(),
                kind: a.kind.clone(),
                description: a.description.clone().unwrap_or_default(),
                security,
                units: a.units.clone().map_or(Decimal::ZERO, |u| u.0),
                price: a.price.clone().map_or(Decimal::ZERO, |p| p.0),
                amount: a.amount.0,
                fee: a.fee.clone().map_or(Decimal::ZERO, |f| f.0),
                currency: a.currency.clone(),
                trade_date: a.trade_date,
                settlement_date: a.settlement_date.unwrap_or(a.trade_date),
                external_reference_id: a.external_reference_id.clone(),
                option_action: String::new(),
            });
        }
        // Newest first, as the providers list them; ties keep the fixture's order.
        portfolio.transactions.sort_by_key(|t| std::cmp::Reverse(t.trade_date));
        portfolio.history = if self.history.is_empty() {
            vec![(now.date_naive(), portfolio.total())]
        } else {
            let mut points: Vec<(NaiveDate, Decimal)> = self.history.iter().map(|p| (p.date, p.total.0)).collect();
            points.sort_by_key(|p| p.0);
            points
        };
        Ok(portfolio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place<'a>(login: &'a str, broker: &'a str, index: usize) -> Place<'a> {
        Place {
            login,
            broker,
            broker_kind: "Traditional Brokerage",
            currency: "USD",
            index,
            total: dec("15363.23"),
        }
    }

    #[test]
    fn a_profile_is_the_same_every_time_and_adds_up_to_the_balance() {
        let now = Utc::now();
        let a = generate(Profile::SelfDirected, place("user_good", "ALPACA", 0), now);
        let b = generate(Profile::SelfDirected, place("user_good", "ALPACA", 0), now);
        assert_eq!(a, b);
        assert_eq!(a.total(), dec("15363.23"));
        assert!(a.cash[0].cash > Decimal::ZERO);
        let kinds: std::collections::HashSet<&str> = a.transactions.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(kinds.len(), KINDS.len(), "{kinds:?}");
        assert!(a.transactions.len() >= 240);
        assert!(a
            .holdings
            .iter()
            .any(|h| h.security.kind == Kind::Option && h.units < Decimal::ZERO));
        assert!(a.holdings.iter().any(|h| h.security.kind == Kind::Crypto));
        assert!(a.orders.len() >= 10);
        assert_eq!(a.history.len(), 365);
        assert_eq!(a.history.last().map(|p| p.1), Some(a.total()));
        let other = generate(Profile::SelfDirected, place("user_good", "ROBINHOOD", 0), now);
        assert_ne!(a.transactions[20].id, other.transactions[20].id);
    }

    #[test]
    fn the_small_profiles_hold_what_they_say() {
        let now = Utc::now();
        let cash = generate(Profile::CashOnly, place("user_cash_only", "ALPACA", 0), now);
        assert!(cash.holdings.is_empty() && cash.orders.is_empty());
        assert_eq!(cash.total(), dec("15363.23"));
        let quiet = generate(Profile::NoTransactions, place("user_no_transactions", "ALPACA", 0), now);
        assert!(quiet.transactions.is_empty() && !quiet.holdings.is_empty());
        let long = generate(Profile::History(2500), place("user_history", "ALPACA", 0), now);
        assert_eq!(long.transactions.len(), 2500);
        assert!(long.transactions.windows(2).all(|w| w[0].trade_date >= w[1].trade_date));
        assert_eq!(Profile::NoAccounts.accounts(2), 0);
        assert_eq!(Profile::History(1).accounts(2), 1);
    }

    #[test]
    fn fixtures_load_exactly_and_refuse_contradictions() {
        let json = r#"{
            "cash": [{"currency": "USD", "cash": "100.10"}],
            "positions": [
                {"symbol": "AAPL", "units": "2", "price": "150.125", "cost": 140},
                {"symbol": "AAPL  271217C00240000", "kind": "option", "underlying": "AAPL", "strike": "240",
                 "expiry": "2027-12-17", "right": "call", "units": "1", "price": "9.85"}
            ],
            "activities": [{"id": "a1", "type": "DIVIDEND", "amount": "0.1", "currency": "USD", "trade_date": "2026-01-02"}]
        }"#;
        let fixture: Fixture = serde_json::from_str(json).unwrap();
        let p = fixture.portfolio("USD", Utc::now()).unwrap();
        assert_eq!(p.total(), dec("100.10") + dec("300.25") + dec("985"));
        assert_eq!(p.transactions[0].amount.to_string(), "0.1");
        let bad: Fixture =
            serde_json::from_str(r#"{"positions": [{"symbol": "X", "kind": "option", "units": 1, "price": 1}]}"#)
                .unwrap();
        assert!(bad.portfolio("USD", Utc::now()).unwrap_err().contains("underlying"));
        assert!(serde_json::from_str::<Fixture>(r#"{"cash": [{"currency": "USD", "cash": "lots"}]}"#).is_err());
    }
}
