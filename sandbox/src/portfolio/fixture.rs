//! A portfolio a test supplies as JSON, checked and turned into the sandbox's model.

use super::generate::listing;
use super::*;

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
