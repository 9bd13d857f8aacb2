//! Which of the core's types cross into the bindings, which way, and where a language's idiom
//! keeps a hand-written version instead (with the reason). Everything else about a type (its
//! fields, docs, variants and stable strings) is read from the core's source.

/// A language binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Node,
    /// Kotlin and Swift, through uniffi.
    Uniffi,
}

/// Which way values of a record cross. Enums always cross both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Results: built from the core's value.
    Out,
    /// Arguments: turned into the core's value.
    In,
    Both,
}

#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub krate: &'static str,
    pub name: &'static str,
    pub way: Way,
    /// Languages that keep a hand-written version (the reason is the comment at the entry).
    pub hand_written: &'static [Lang],
}

pub const CORE: &str = "brokerlink";
pub const SANDBOX: &str = "brokerlink_sandbox";

/// Source folders, by crate.
pub const SOURCES: &[(&str, &str)] = &[(CORE, "core/src"), (SANDBOX, "sandbox/src")];

const fn both(krate: &'static str, name: &'static str) -> Entry {
    Entry {
        krate,
        name,
        way: Way::Both,
        hand_written: &[],
    }
}

const fn out(name: &'static str) -> Entry {
    Entry {
        krate: CORE,
        name,
        way: Way::Out,
        hand_written: &[],
    }
}

const fn input(name: &'static str, hand_written: &'static [Lang]) -> Entry {
    Entry {
        krate: CORE,
        name,
        way: Way::In,
        hand_written,
    }
}

pub const ENTRIES: &[Entry] = &[
    // Enums: Python `str` enums, TypeScript string unions, Kotlin/Swift enums.
    both(CORE, "ErrorKind"),
    both(CORE, "ProviderKind"),
    both(CORE, "Environment"),
    both(CORE, "SessionStatus"),
    both(CORE, "ConnectionStatus"),
    both(CORE, "Permission"),
    both(CORE, "ConnectionType"),
    both(CORE, "PortalMode"),
    both(CORE, "WebhookSubscriptionStatus"),
    both(CORE, "WebhookEventKind"),
    both(SANDBOX, "ConnectionChange"),
    both(CORE, "InstrumentKind"),
    both(CORE, "OptionRight"),
    both(CORE, "OrderStatus"),
    both(CORE, "OrderSide"),
    both(CORE, "OrderState"),
    both(CORE, "ActivityKind"),
    // Results.
    out("Broker"),
    out("Connection"),
    out("Money"),
    out("Account"),
    out("PortalResult"),
    out("WebhookEventType"),
    out("WebhookSubscription"),
    out("WebhookEvent"),
    out("AccountSync"),
    out("OptionContract"),
    out("Instrument"),
    out("Position"),
    out("Balance"),
    out("Order"),
    out("Activity"),
    out("BalancePoint"),
    out("BalanceHistory"),
    // Values callers hand back. Python builds `UserCredentials` and `Session` with its own
    // constructors (defaults, pickling); Node accepts a user whose secret is absent or null.
    Entry {
        hand_written: &[Lang::Python, Lang::Node],
        ..both(CORE, "UserCredentials")
    },
    Entry {
        hand_written: &[Lang::Python],
        ..both(CORE, "Session")
    },
    // An OAuth app stores these per user and hands them back.
    both(CORE, "OAuthTokens"),
    both(CORE, "AuthorizationRequest"),
    // Arguments: Python takes them as keyword arguments of the call.
    input("NewWebhookSubscription", &[Lang::Python]),
    input("WebhookSubscriptionUpdate", &[Lang::Python]),
    input("OrderQuery", &[Lang::Python]),
    input("ActivityQuery", &[Lang::Python]),
];

impl Entry {
    pub fn generated_for(&self, lang: Lang) -> bool {
        !self.hand_written.contains(&lang)
    }

    pub fn reads(&self) -> bool {
        matches!(self.way, Way::Out | Way::Both)
    }

    pub fn writes(&self) -> bool {
        matches!(self.way, Way::In | Way::Both)
    }
}
