//! The deterministic profiles of the test logins: listings, positions, orders, activities and
//! value history drawn from a seed of the login, broker and account, and a refresh's day moving on.

use super::*;

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

pub(super) fn listing(symbol: &str) -> Security {
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
