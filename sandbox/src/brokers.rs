//! The sandbox's simulated brokerages: stable ids, names, trading support and inline SVG logos.

use serde_json::{json, Value};

#[derive(Debug)]
pub struct SimBroker {
    pub slug: &'static str,
    pub id: &'static str,
    pub name: &'static str,
    pub display_name: &'static str,
    pub allows_trading: bool,
    pub currency: &'static str,
    pub kind: &'static str,
    /// Brand colour and monogram for the generated logo.
    pub colour: &'static str,
    pub monogram: &'static str,
    /// Accounts a new connection gets: (name, number, total value in `currency`).
    pub accounts: &'static [(&'static str, &'static str, &'static str)],
}

pub const BROKERS: &[SimBroker] = &[
    SimBroker {
        slug: "ALPACA",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e01",
        name: "Alpaca",
        display_name: "Alpaca",
        allows_trading: true,
        currency: "USD",
        kind: "Traditional Brokerage",
        colour: "#F5C400",
        monogram: "A",
        accounts: &[
            ("Alpaca Individual", "PA3X7K2M9Q", "15363.23"),
            ("Alpaca Crypto", "PA3X7K2C01", "4120.55"),
        ],
    },
    SimBroker {
        slug: "ROBINHOOD",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e02",
        name: "Robinhood",
        display_name: "Robinhood",
        allows_trading: true,
        currency: "USD",
        kind: "Traditional Brokerage",
        colour: "#00C805",
        monogram: "R",
        accounts: &[
            ("Robinhood Individual", "5RH81234", "8421.07"),
            ("Robinhood Roth IRA", "5RH89876", "23110.5"),
        ],
    },
    SimBroker {
        slug: "SCHWAB",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e03",
        name: "Charles Schwab",
        display_name: "Schwab",
        allows_trading: true,
        currency: "USD",
        kind: "Traditional Brokerage",
        colour: "#00A0DF",
        monogram: "S",
        accounts: &[
            ("Schwab Brokerage", "****4821", "102455.90"),
            ("Schwab Roth IRA", "****7734", "38812.14"),
        ],
    },
    SimBroker {
        slug: "FIDELITY",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e04",
        name: "Fidelity",
        display_name: "Fidelity Investments",
        allows_trading: false,
        currency: "USD",
        kind: "Traditional Brokerage",
        colour: "#4A8A2F",
        monogram: "F",
        accounts: &[
            ("Fidelity Individual", "Z12345678", "54210.0"),
            ("Fidelity 401(k)", "Z87654321", "188003.42"),
        ],
    },
    SimBroker {
        slug: "VANGUARD",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e05",
        name: "Vanguard",
        display_name: "Vanguard",
        allows_trading: false,
        currency: "USD",
        kind: "Traditional Brokerage",
        colour: "#96151D",
        monogram: "V",
        accounts: &[
            ("Vanguard Brokerage", "VG-55120", "76542.18"),
            ("Vanguard Roth IRA", "VG-55121", "21480.00"),
        ],
    },
    SimBroker {
        slug: "QUESTRADE",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e06",
        name: "Questrade",
        display_name: "Questrade",
        allows_trading: true,
        currency: "CAD",
        kind: "Traditional Brokerage",
        colour: "#2F7A3E",
        monogram: "Q",
        accounts: &[
            ("Questrade Margin", "51234566", "31250.00"),
            ("Questrade TFSA", "51234567", "18400.75"),
        ],
    },
    SimBroker {
        slug: "COINBASE",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e07",
        name: "Coinbase",
        display_name: "Coinbase",
        allows_trading: true,
        currency: "USD",
        kind: "Crypto Exchange",
        colour: "#0052FF",
        monogram: "C",
        accounts: &[
            ("Coinbase Wallet", "CB-0001", "2780.66"),
            ("Coinbase Vault", "CB-0002", "910.40"),
        ],
    },
    SimBroker {
        slug: "WEALTHSIMPLE",
        id: "0fb4c5d5-5d6e-4d3a-9b1e-1a2b3c4d5e08",
        name: "Wealthsimple",
        display_name: "Wealthsimple Trade",
        allows_trading: false,
        currency: "CAD",
        kind: "Traditional Brokerage",
        colour: "#32302F",
        monogram: "W",
        accounts: &[
            ("Wealthsimple RRSP", "WS-8842", "12045.30"),
            ("Wealthsimple TFSA", "WS-8843", "6020.00"),
        ],
    },
];

pub fn find(slug: &str) -> Option<&'static SimBroker> {
    BROKERS.iter().find(|b| b.slug.eq_ignore_ascii_case(slug))
}

pub fn find_by_id(id: &str) -> Option<&'static SimBroker> {
    BROKERS.iter().find(|b| b.id == id || b.slug.eq_ignore_ascii_case(id))
}

impl SimBroker {
    pub fn logo_path(&self) -> String {
        format!("/portal/logos/{}.svg", self.slug)
    }

    /// A square monogram logo; self-contained so the portal loads nothing from outside.
    pub fn logo_svg(&self) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="{name}"><rect width="64" height="64" rx="14" fill="{colour}"/><circle cx="50" cy="14" r="6" fill="#ffffff" fill-opacity="0.25"/><text x="32" y="43" font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="30" font-weight="700" text-anchor="middle" fill="#ffffff">{mono}</text></svg>"##,
            name = self.name,
            colour = self.colour,
            mono = self.monogram
        )
    }

    /// SnapTrade's `Brokerage` object.
    pub fn snaptrade_json(&self, base_url: &str) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "display_name": self.display_name,
            "description": format!("{} (sandbox)", self.name),
            "aws_s3_logo_url": format!("{base_url}{}", self.logo_path()),
            "aws_s3_square_logo_url": format!("{base_url}{}", self.logo_path()),
            "url": format!("https://{}.example", self.slug.to_ascii_lowercase()),
            "enabled": true,
            "maintenance_mode": false,
            "is_degraded": false,
            "allows_trading": self.allows_trading,
            "brokerage_type": { "id": "0d7b1e2f-0000-4000-8000-00000000000a", "name": self.kind },
            "exchanges": [],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_six_distinct_brokers_with_logos() {
        assert!(BROKERS.len() >= 6);
        let mut slugs: Vec<_> = BROKERS.iter().map(|b| b.slug).collect();
        slugs.dedup();
        assert_eq!(slugs.len(), BROKERS.len());
        assert!(BROKERS.iter().any(|b| !b.allows_trading));
        for broker in BROKERS {
            assert!(broker.logo_svg().starts_with("<svg"));
            assert!(!broker.accounts.is_empty());
        }
        assert_eq!(find("alpaca").map(|b| b.slug), Some("ALPACA"));
    }
}
