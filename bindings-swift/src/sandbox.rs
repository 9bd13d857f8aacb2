//! `Sandbox`: the brokerlink sandbox running in-process on the library's runtime, on a free
//! loopback port, with its admin operations as methods. Releasing the object (Kotlin
//! `close()` / `use {}`, Swift's last reference) stops the server; `shutdown()` also waits for
//! requests in flight.
//!
//! Its credentials (`consumerKey()`, `apiKey()`, webhook secrets) are the sandbox's own test
//! values: they are returned as plain strings and may be printed.

use crate::error::Result;
use crate::generated::{ConnectionChange, PortalResult};
use crate::runtime::{enter, run};
use brokerlink::{Error, ErrorKind};
use brokerlink_sandbox::{CompletePortal, FaultRule, NewWebhook, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the sandbox starts; unset fields keep its defaults (generated credentials, 250
/// requests per minute, 2 s pending, 10 s expiring, 5-minute portal links, webhook retries
/// after 1 s, 5 s and 30 s).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct SandboxOptions {
    /// Requests per minute per client id; 0 turns rate limiting off.
    #[uniffi(default = None)]
    pub rate_limit_per_minute: Option<u32>,
    /// Data calls per minute per account (SnapTrade's account-level bucket); 0, the default,
    /// leaves it off, as for Commercial keys.
    #[uniffi(default = None)]
    pub account_rate_limit_per_minute: Option<u32>,
    /// How long a rate-limit window lasts (default a minute; at least a second).
    #[uniffi(default = None)]
    pub rate_limit_window: Option<Duration>,
    /// How long `user_pending` connections stay pending.
    #[uniffi(default = None)]
    pub pending_activation: Option<Duration>,
    /// How long `user_expiring` connections stay active.
    #[uniffi(default = None)]
    pub expiring_after: Option<Duration>,
    /// How long a portal link lives.
    #[uniffi(default = None)]
    pub portal_link_lifetime: Option<Duration>,
    /// Pauses between webhook delivery attempts; one retry per entry.
    #[uniffi(default = None)]
    pub webhook_retry_delays: Option<Vec<Duration>>,
    #[uniffi(default = None)]
    pub client_id: Option<String>,
    #[uniffi(default = None)]
    pub consumer_key: Option<String>,
    #[uniffi(default = None)]
    pub api_key: Option<String>,
    /// How many activities `user_history`'s account has (default 2 500).
    #[uniffi(default = None)]
    pub history_activities: Option<u32>,
}

impl TryFrom<SandboxOptions> for SandboxConfig {
    type Error = Error;

    fn try_from(o: SandboxOptions) -> brokerlink::Result<Self> {
        let mut config = SandboxConfig::default();
        if let Some(limit) = o.rate_limit_per_minute {
            config.rate_limit_per_minute = limit;
        }
        config.account_rate_limit_per_minute = o
            .account_rate_limit_per_minute
            .unwrap_or(config.account_rate_limit_per_minute);
        config.rate_limit_window = o.rate_limit_window.unwrap_or(config.rate_limit_window);
        // Durations that do not fit are refused by `config.check()` at start, naming them.
        config.pending_activation = o.pending_activation.unwrap_or(config.pending_activation);
        config.expiring_after = o.expiring_after.unwrap_or(config.expiring_after);
        config.portal_link_lifetime = o.portal_link_lifetime.unwrap_or(config.portal_link_lifetime);
        config.webhook_retry_delays = o.webhook_retry_delays.unwrap_or(config.webhook_retry_delays);
        config.client_id = o.client_id.unwrap_or(config.client_id);
        config.consumer_key = o.consumer_key.unwrap_or(config.consumer_key);
        config.api_key = o.api_key.unwrap_or(config.api_key);
        if let Some(count) = o.history_activities {
            config.history_activities = count as usize;
        }
        Ok(config)
    }
}

/// A fault for the next matching requests (the admin API's `fault` object, typed).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Fault {
    /// Answer with this status (and body, a JSON text, and `Retry-After` seconds).
    Status {
        status: u16,
        body_json: Option<String>,
        retry_after: Option<u64>,
    },
    /// Serve the request, then answer only after this delay.
    Delay { delay_ms: u64 },
    /// Close the connection without answering.
    Reset,
    /// Serve the request but cut the body off half-way.
    Truncate,
    /// Serve the request's status with a body that is not JSON.
    InvalidJson,
    /// Answer 200 with a JSON body of this many bytes.
    LargeBody { bytes: u64 },
}

/// Which requests a fault applies to: by default the next one, whatever it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FaultOptions {
    #[uniffi(default = None)]
    pub method: Option<String>,
    #[uniffi(default = None)]
    pub path_prefix: Option<String>,
    /// Only this exact path (with or without the legacy `/api/v1` prefix).
    #[uniffi(default = None)]
    pub path: Option<String>,
    #[uniffi(default = 1)]
    pub count: u32,
}

fn fault_rule(fault: Fault, options: FaultOptions) -> brokerlink::Result<FaultRule> {
    use brokerlink_sandbox::Fault as F;
    let fault = match fault {
        Fault::Status {
            status,
            body_json,
            retry_after,
        } => F::Status {
            status,
            body: body_json
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| Error::invalid_input("body_json", format!("is not JSON: {e}")))?,
            retry_after,
        },
        Fault::Delay { delay_ms } => F::Delay { delay_ms },
        Fault::Reset => F::Reset { reset: true },
        Fault::Truncate => F::Truncate { truncate: true },
        Fault::InvalidJson => F::InvalidJson { invalid_json: true },
        Fault::LargeBody { bytes } => F::LargeBody {
            large_body_bytes: bytes,
        },
    };
    Ok(FaultRule {
        method: options.method,
        path_prefix: options.path_prefix,
        path: options.path,
        count: options.count,
        fault,
    })
}

/// A connection as the sandbox stores it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxConnection {
    pub id: String,
    pub user_id: String,
    /// The broker's slug (`ALPACA`).
    pub broker: String,
    /// `active`, `pending`, `disabled`, `expired` or `removed`.
    pub status: String,
    /// `read` or `trade`.
    pub permission: String,
    pub created_at: String,
    pub updated_at: String,
    pub disabled_at: Option<String>,
    /// The ids of its accounts.
    pub accounts: Vec<String>,
}

impl From<brokerlink_sandbox::SandboxConnection> for SandboxConnection {
    fn from(c: brokerlink_sandbox::SandboxConnection) -> Self {
        let brokerlink_sandbox::SandboxConnection {
            id,
            user_id,
            broker,
            status,
            permission,
            created_at,
            updated_at,
            disabled_at,
            accounts,
        } = c;
        SandboxConnection {
            id,
            user_id,
            broker,
            status: status.to_owned(),
            permission: permission.to_owned(),
            created_at,
            updated_at,
            disabled_at,
            accounts,
        }
    }
}

/// A webhook endpoint registered with the sandbox, with its `whsec_` secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxWebhook {
    pub id: String,
    pub url: String,
    /// `snaptrade`, `finatic`, or absent for both.
    pub provider: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub secret: String,
    /// `active`, `disabled` or `revoked`.
    pub status: String,
    pub description: Option<String>,
    pub created_at: String,
}

/// One entry of the sandbox's webhook delivery log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxDelivery {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: String,
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub response_code: Option<u16>,
    pub last_error: Option<String>,
}

/// What the sandbox holds (`GET /_sandbox/state`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxState {
    pub users: u64,
    pub sessions: u64,
    pub connections: u64,
    pub accounts: u64,
    pub faults: u64,
    pub requests_served: u64,
    /// Requests refused with 429 by a rate limit (either bucket).
    pub requests_throttled: u64,
}

fn not_found(what: String) -> Error {
    Error::new(ErrorKind::NotFound, what)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A running sandbox.
#[derive(Debug, uniffi::Object)]
pub struct Sandbox {
    server: Mutex<Option<brokerlink_sandbox::Sandbox>>,
    url: String,
    client_id: String,
    consumer_key: String,
    api_key: String,
    oauth_client_id: String,
    oauth_client_secret: String,
    personal_client_id: String,
    personal_consumer_key: String,
}

impl Sandbox {
    /// Runs `f` on the live server.
    fn with<T>(&self, f: impl FnOnce(&brokerlink_sandbox::Sandbox) -> brokerlink::Result<T>) -> Result<T> {
        enter(|| {
            let server = self.server.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match server.as_ref() {
                Some(server) => f(server),
                None => Err(Error::invalid_input("sandbox", "is shut down")),
            }
        })
    }
}

#[uniffi::export]
impl Sandbox {
    /// Starts a sandbox on a free port of 127.0.0.1.
    #[uniffi::constructor(default(options))]
    pub async fn start(options: SandboxOptions) -> Result<Arc<Self>> {
        run(async move {
            let config = SandboxConfig::try_from(options)?;
            config.check()?;
            let server = brokerlink_sandbox::Sandbox::start(config).await.map_err(|e| {
                Error::new(ErrorKind::Network, "the sandbox could not listen on 127.0.0.1").with_source(e)
            })?;
            Ok(Arc::new(Sandbox {
                url: server.url().to_owned(),
                client_id: server.client_id().to_owned(),
                consumer_key: server.consumer_key().to_owned(),
                api_key: server.api_key().to_owned(),
                oauth_client_id: server.oauth_client_id().to_owned(),
                oauth_client_secret: server.oauth_client_secret().to_owned(),
                personal_client_id: server.personal_client_id().to_owned(),
                personal_consumer_key: server.personal_consumer_key().to_owned(),
                server: Mutex::new(Some(server)),
            }))
        })
        .await
    }

    /// `http://127.0.0.1:PORT`, the base URL for clients.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The sandbox's own test consumer key (SnapTrade).
    pub fn consumer_key(&self) -> String {
        self.consumer_key.clone()
    }

    /// The sandbox's own test API key (Finatic).
    pub fn api_key(&self) -> String {
        self.api_key.clone()
    }

    /// The OAuth app of the sandbox's authorization server.
    pub fn oauth_client_id(&self) -> String {
        self.oauth_client_id.clone()
    }

    pub fn oauth_client_secret(&self) -> String {
        self.oauth_client_secret.clone()
    }

    /// A SnapTrade Personal API key's client id (`Client.snaptradePersonal`).
    pub fn personal_client_id(&self) -> String {
        self.personal_client_id.clone()
    }

    pub fn personal_consumer_key(&self) -> String {
        self.personal_consumer_key.clone()
    }

    /// Does what a person on the OAuth authorize page would for `url`: signs in as a test user
    /// and presses Allow (or Deny); returns the callback URL the browser goes back to.
    #[uniffi::method(default(allow = true))]
    pub fn authorize_oauth(&self, url: String, username: String, password: String, allow: bool) -> Result<String> {
        self.with(|s| s.authorize_oauth(&url, &username, &password, allow))
    }

    /// Does what a person on the portal page would, for a link this sandbox issued.
    #[uniffi::method(default(mfa_code = None, broker = None, connection_type = None))]
    pub fn complete_portal(
        &self,
        url: String,
        username: String,
        password: String,
        mfa_code: Option<String>,
        broker: Option<String>,
        connection_type: Option<String>,
    ) -> Result<PortalResult> {
        let request = CompletePortal {
            url,
            username,
            password,
            mfa_code,
            broker,
            connection_type,
        };
        self.with(|s| Ok(s.complete_portal(&request).into()))
    }

    /// Arms a fault for the next matching requests; returns its id (random, `flt_…`).
    #[uniffi::method(default(options))]
    pub fn inject_fault(&self, fault: Fault, options: FaultOptions) -> Result<String> {
        self.with(|s| s.inject_fault(fault_rule(fault, options)?))
    }

    pub fn clear_faults(&self) -> Result<()> {
        self.with(|s| {
            s.clear_faults();
            Ok(())
        })
    }

    /// How many faults still wait for a matching request.
    pub fn armed_faults(&self) -> Result<u64> {
        self.with(|s| Ok(count(s.armed_faults())))
    }

    /// Replaces what a user's accounts hold and did with a portfolio fixture (JSON text, the
    /// format of docs/sandbox.md): one account, or (without `accountId`) all of the user's.
    /// Returns the ids of the accounts loaded.
    #[uniffi::method(default(account_id = None))]
    pub fn load_portfolio(
        &self,
        user_id: String,
        portfolio_json: String,
        account_id: Option<String>,
    ) -> Result<Vec<String>> {
        self.with(|s| s.load_portfolio(&user_id, account_id.as_deref(), &portfolio_json))
    }

    /// Disables, expires, removes or refreshes a connection as if it happened at the broker;
    /// returns the connection as stored (`NotFound` for one the sandbox does not have).
    pub fn change_connection(&self, connection_id: String, change: ConnectionChange) -> Result<SandboxConnection> {
        self.with(|s| Ok(s.change_connection(&connection_id, change.into())?.into()))
    }

    /// Registers a webhook endpoint (loopback only); returns it with its `whsec_` secret.
    #[uniffi::method(default(provider = None, event_types = None))]
    pub fn add_webhook(
        &self,
        url: String,
        provider: Option<String>,
        event_types: Option<Vec<String>>,
    ) -> Result<SandboxWebhook> {
        let request = NewWebhook {
            url,
            provider,
            event_types,
        };
        self.with(|s| {
            let e = s.add_webhook(&request)?;
            let provider = serde_json::to_value(e.provider)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            Ok(SandboxWebhook {
                id: e.id,
                url: e.url,
                provider,
                event_types: e.event_types,
                secret: e.secret,
                status: e.status,
                description: e.description,
                created_at: e.created_at,
            })
        })
    }

    /// Whether an endpoint was there to remove.
    pub fn remove_webhook(&self, id: String) -> Result<bool> {
        self.with(|s| Ok(s.remove_webhook(&id)))
    }

    /// A new secret for the endpoint; the old one keeps signing beside it for `grace`.
    pub fn rotate_webhook_secret(&self, id: String, grace: Duration) -> Result<String> {
        self.with(|s| {
            s.rotate_webhook_secret(&id, grace)?
                .ok_or_else(|| not_found(format!("no webhook endpoint {id}")))
        })
    }

    /// The delivery log, oldest first.
    pub fn webhook_deliveries(&self) -> Result<Vec<SandboxDelivery>> {
        self.with(|s| {
            Ok(s.webhook_deliveries()
                .into_iter()
                .map(|d| SandboxDelivery {
                    id: d.id,
                    event_id: d.event_id,
                    event_type: d.event_type,
                    endpoint_id: d.endpoint_id,
                    url: d.url,
                    status: d.status.to_owned(),
                    attempts: d.attempts,
                    response_code: d.response_code,
                    last_error: d.last_error,
                })
                .collect())
        })
    }

    /// Sends a logged delivery's event again (same event id); returns the new delivery id.
    pub fn replay_delivery(&self, delivery_id: String) -> Result<String> {
        self.with(|s| {
            s.replay_delivery(&delivery_id)
                .ok_or_else(|| not_found(format!("no delivery {delivery_id}")))
        })
    }

    /// Empties users, sessions, connections, faults and webhooks; keeps the credentials.
    pub fn reset(&self) -> Result<()> {
        self.with(|s| {
            s.reset();
            Ok(())
        })
    }

    pub fn state(&self) -> Result<SandboxState> {
        self.with(|s| {
            let c = s.state();
            Ok(SandboxState {
                users: count(c.users),
                sessions: count(c.sessions),
                connections: count(c.connections),
                accounts: count(c.accounts),
                faults: count(c.faults),
                requests_served: c.requests_served,
                requests_throttled: c.requests_throttled,
            })
        })
    }

    /// Stops accepting requests and lets those in flight finish (up to 5 s); calling it again
    /// does nothing.
    pub async fn shutdown(&self) -> Result<()> {
        let server = self
            .server
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        run(async move {
            if let Some(server) = server {
                server.shutdown().await;
            }
            Ok(())
        })
        .await
    }
}
