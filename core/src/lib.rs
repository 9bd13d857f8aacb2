//! brokerlink: connect your users' brokerage accounts through an aggregator's hosted
//! connection portal (SnapTrade or Finatic) with one typed, async, pooled client.
//!
//! ```no_run
//! # async fn demo() -> brokerlink::Result<()> {
//! use brokerlink::{Client, PortalOptions, WaitOptions};
//! let client = Client::builder()
//!     .snaptrade("MY_CLIENT_ID", "MY_CONSUMER_KEY")
//!     .base_url("http://127.0.0.1:7878")
//!     .build()?;
//! let user = client.register_user("app-user-42").await?;
//! let link = client.portal_url(&user, &PortalOptions::default()).await?;
//! println!("send the user to {}", link.url);
//! let connection = client.wait_for_connection(&user, &WaitOptions::default()).await?;
//! println!("{} is {}", connection.broker.name, connection.status.as_str());
//! # Ok(()) }
//! ```

mod account_data;
pub mod blocking;
mod client;
mod error;
mod http;
mod oauth;
mod portal;
mod providers;
mod ratelimit;
mod secret;
pub mod signing;
mod subscriptions;
mod types;
mod validate;
mod wait;
mod webhooks;

pub use account_data::{
    AccountSync, Activity, ActivityKind, ActivityQuery, Balance, BalanceHistory, BalancePoint, Instrument,
    InstrumentKind, OptionContract, OptionRight, Order, OrderQuery, OrderSide, OrderState, OrderStatus, Position,
    MAX_ACTIVITY_PAGE,
};
pub use chrono::NaiveDate;
pub use client::{
    ActivityPages, Client, ClientBuilder, FinaticCredential, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::{Error, ErrorKind, Result};
pub use http::RetryPolicy;
pub use oauth::{AuthorizationRequest, OAuthTokens, TokenListener};
pub use portal::{
    parse_portal_result, redact_link, ConnectionType, PortalLink, PortalMode, PortalOptions, PortalResult, PortalTheme,
    PORTAL_LINK_LIFETIME,
};
pub use providers::finatic::DEFAULT_BASE_URL as FINATIC_BASE_URL;
pub use providers::snaptrade::DEFAULT_BASE_URL as SNAPTRADE_BASE_URL;
pub use rust_decimal::Decimal;
pub use secret::Secret;
pub use subscriptions::{
    NewWebhookSubscription, WebhookEventType, WebhookSubscription, WebhookSubscriptionStatus, WebhookSubscriptionUpdate,
};
pub use types::{
    Account, Broker, Connection, ConnectionStatus, Environment, Money, Permission, ProviderKind, Session,
    SessionStatus, UserCredentials,
};
pub use validate::{checked_duration, count_u32, duration_from_millis, duration_from_secs, MAX_DURATION};
pub use wait::WaitOptions;
pub use webhooks::{
    sign_webhook, verify_webhook, WebhookEvent, WebhookEventKind, WebhookOptions, WebhookSigner, DEFAULT_TOLERANCE,
};

/// Entry points for the fuzz targets in `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Runs every response decoder of both providers, and their error decoders, on `body`.
    /// `header` is sent as `Retry-After`, `X-Request-ID` and `X-Trace-ID` alike.
    pub fn responses(status: u16, header: &str, body: &[u8]) {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = reqwest::header::HeaderValue::from_str(header) {
            for name in ["retry-after", "x-request-id", "x-trace-id"] {
                headers.insert(name, value.clone());
            }
        }
        crate::providers::snaptrade::fuzz_decoders(status, &headers, body);
        crate::providers::finatic::fuzz_decoders(status, &headers, body);
    }
}
