//! How a sandbox starts: address, credentials, limits and the timings of its test users.

use rand::distributions::Alphanumeric;
use rand::Rng;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// SnapTrade's documented limit per client id.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 250;
/// Accepted distance between a request's `timestamp` and the sandbox clock.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);
pub const PORTAL_LINK_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub client_id: String,
    pub consumer_key: String,
    /// A SnapTrade Personal API key: it signs like the Commercial one and acts as its own
    /// user (`Sandbox::personal_user_id`), whom it names in no request.
    pub personal_client_id: String,
    pub personal_consumer_key: String,
    /// The one OAuth app registered with the sandbox's authorization server (a confidential
    /// client: it authenticates to the token endpoint with HTTP Basic).
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// SnapTrade's access tokens live 10 hours; tests shorten it to see a refresh.
    pub oauth_access_token_lifetime: Duration,
    pub oauth_refresh_token_lifetime: Duration,
    /// How long an authorization code can be exchanged.
    pub oauth_code_lifetime: Duration,
    pub api_key: String,
    /// Requests per minute per client id; 0 turns rate limiting off.
    pub rate_limit_per_minute: u32,
    /// Data calls per minute per account (SnapTrade's account-level bucket, which it applies
    /// to Personal keys: 10); 0, the default, leaves it off, as for Commercial keys.
    pub account_rate_limit_per_minute: u32,
    /// How long one rate-limit window lasts: SnapTrade's minute, shorter in tests that must
    /// see a bucket refill.
    pub rate_limit_window: Duration,
    /// How long `user_pending` connections stay pending.
    pub pending_activation: Duration,
    /// How long `user_expiring` connections stay active before they break.
    pub expiring_after: Duration,
    pub timestamp_window: Duration,
    pub portal_link_lifetime: Duration,
    /// Pauses between webhook delivery attempts; one retry per entry.
    pub webhook_retry_delays: Vec<Duration>,
    /// Hosts other than loopback that webhooks may be delivered to.
    pub webhook_allowed_hosts: Vec<String>,
    /// How long a Finatic one-time token and session live.
    pub one_time_token_lifetime: Duration,
    pub finatic_session_lifetime: Duration,
    /// Minimum time between two refreshes of one connection (else 429 `throttled`).
    pub refresh_cooldown: Duration,
    /// How many activities `user_history`'s account has.
    pub history_activities: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            client_id: format!("SANDBOX-{}", random_text(8).to_ascii_uppercase()),
            consumer_key: random_text(40),
            personal_client_id: format!("PERSONAL-{}", random_text(8).to_ascii_uppercase()),
            personal_consumer_key: random_text(40),
            oauth_client_id: format!("oauth-{}", random_text(16).to_ascii_lowercase()),
            oauth_client_secret: random_text(40),
            oauth_access_token_lifetime: Duration::from_secs(10 * 60 * 60),
            oauth_refresh_token_lifetime: Duration::from_secs(90 * 24 * 60 * 60),
            oauth_code_lifetime: Duration::from_secs(60),
            api_key: format!("fntc_sandbox_{}", random_text(32)),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            account_rate_limit_per_minute: 0,
            rate_limit_window: Duration::from_secs(60),
            pending_activation: Duration::from_secs(2),
            expiring_after: Duration::from_secs(10),
            timestamp_window: TIMESTAMP_WINDOW,
            portal_link_lifetime: PORTAL_LINK_LIFETIME,
            refresh_cooldown: Duration::from_secs(10),
            webhook_retry_delays: vec![Duration::from_secs(1), Duration::from_secs(5), Duration::from_secs(30)],
            webhook_allowed_hosts: Vec::new(),
            one_time_token_lifetime: Duration::from_secs(90),
            finatic_session_lifetime: Duration::from_secs(30 * 60),
            history_activities: 2500,
        }
    }
}

impl SandboxConfig {
    /// Every duration fits the clocks it is added to (`invalid_input` naming the field
    /// otherwise), so no timer of the sandbox can overflow.
    pub fn check(&self) -> brokerlink::Result<()> {
        let durations = [
            ("pending_activation", self.pending_activation),
            ("expiring_after", self.expiring_after),
            ("timestamp_window", self.timestamp_window),
            ("portal_link_lifetime", self.portal_link_lifetime),
            ("one_time_token_lifetime", self.one_time_token_lifetime),
            ("finatic_session_lifetime", self.finatic_session_lifetime),
            ("refresh_cooldown", self.refresh_cooldown),
            ("rate_limit_window", self.rate_limit_window),
            ("oauth_access_token_lifetime", self.oauth_access_token_lifetime),
            ("oauth_refresh_token_lifetime", self.oauth_refresh_token_lifetime),
            ("oauth_code_lifetime", self.oauth_code_lifetime),
        ];
        for (field, value) in durations {
            brokerlink::checked_duration(field, value)?;
        }
        if self.rate_limit_window < Duration::from_secs(1) {
            return Err(brokerlink::Error::invalid_input(
                "rate_limit_window",
                "is at least a second (the reset headers count whole seconds)",
            ));
        }
        if self.history_activities > crate::limits::HISTORY_ACTIVITIES {
            return Err(brokerlink::Error::invalid_input(
                "history_activities",
                format!("is at most {}", crate::limits::HISTORY_ACTIVITIES),
            ));
        }
        if self.personal_client_id == self.client_id {
            return Err(brokerlink::Error::invalid_input(
                "personal_client_id",
                "must differ from client_id: the client id tells the two kinds of key apart",
            ));
        }
        for delay in &self.webhook_retry_delays {
            brokerlink::checked_duration("webhook_retry_delays", *delay)?;
        }
        Ok(())
    }
}

pub fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
