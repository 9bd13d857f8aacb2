//! `Sandbox`: the brokerlink sandbox running in-process on a free loopback port.
//!
//! It runs on the addon's tokio threads, so it never keeps Node's event loop alive: a script
//! that forgets `close()` still exits when its own work is done, and the server stops with
//! the process (or when the `Sandbox` object is garbage-collected).

use crate::error::{promise, sync};
use crate::generated::PortalResult;
use brokerlink::Error;
use brokerlink_sandbox::{CompletePortal, ConnectionChange, FaultRule, NewWebhook, SandboxConfig};
use napi::bindgen_prelude::{PromiseRaw, Undefined};
use napi::Env;
use napi_derive::napi;
use serde_json::{json, Value};
use std::sync::Mutex;

/// How the sandbox starts; unset fields keep its defaults (generated credentials, 250
/// requests per minute, 2 s pending, 10 s expiring, 5-minute portal links). Durations in
/// milliseconds.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Requests per minute per client id; 0 turns rate limiting off.
    pub rate_limit_per_minute: Option<u32>,
    /// Data calls per minute per account (SnapTrade's account-level bucket); 0, the default,
    /// leaves it off, as for Commercial keys.
    pub account_rate_limit_per_minute: Option<u32>,
    /// How long a rate-limit window lasts (default 60 000; at least 1 000).
    pub rate_limit_window_ms: Option<f64>,
    /// How long `user_pending` connections stay pending.
    pub pending_activation_ms: Option<f64>,
    /// How long `user_expiring` connections stay active.
    pub expiring_after_ms: Option<f64>,
    /// How long a portal link lives.
    pub portal_link_lifetime_ms: Option<f64>,
    pub client_id: Option<String>,
    pub consumer_key: Option<String>,
    pub api_key: Option<String>,
    /// Pauses between webhook delivery attempts (default 1 000, 5 000, 30 000); one retry per
    /// entry.
    pub webhook_retry_delays_ms: Option<Vec<f64>>,
    /// How many activities `user_history`'s account has (default 2 500).
    pub history_activities: Option<u32>,
}

use brokerlink::duration_from_millis as millis;

impl TryFrom<SandboxOptions> for SandboxConfig {
    type Error = Error;

    fn try_from(o: SandboxOptions) -> Result<Self, Error> {
        let mut config = SandboxConfig::default();
        if let Some(limit) = o.rate_limit_per_minute {
            config.rate_limit_per_minute = limit;
        }
        if let Some(limit) = o.account_rate_limit_per_minute {
            config.account_rate_limit_per_minute = limit;
        }
        if let Some(ms) = o.rate_limit_window_ms {
            config.rate_limit_window = millis("rate_limit_window_ms", ms)?;
        }
        if let Some(ms) = o.pending_activation_ms {
            config.pending_activation = millis("pending_activation_ms", ms)?;
        }
        if let Some(ms) = o.expiring_after_ms {
            config.expiring_after = millis("expiring_after_ms", ms)?;
        }
        if let Some(ms) = o.portal_link_lifetime_ms {
            config.portal_link_lifetime = millis("portal_link_lifetime_ms", ms)?;
        }
        config.client_id = o.client_id.unwrap_or(config.client_id);
        config.consumer_key = o.consumer_key.unwrap_or(config.consumer_key);
        config.api_key = o.api_key.unwrap_or(config.api_key);
        if let Some(delays) = o.webhook_retry_delays_ms {
            config.webhook_retry_delays = delays
                .into_iter()
                .map(|ms| millis("webhook_retry_delays_ms", ms))
                .collect::<brokerlink::Result<_>>()?;
        }
        if let Some(count) = o.history_activities {
            config.history_activities = count as usize;
        }
        config.check()?;
        Ok(config)
    }
}

/// What a person does on the portal page, done headlessly for a link this sandbox issued.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CompletePortalRequest {
    pub url: String,
    pub username: String,
    pub password: String,
    /// `123456` for `user_mfa`.
    pub mfa_code: Option<String>,
    /// Broker slug; default the first one the link offers.
    pub broker: Option<String>,
    #[napi(ts_type = "ConnectionType")]
    pub connection_type: Option<String>,
}

/// Which requests a fault applies to: by default the next one, whatever it is.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct FaultOptions {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    /// Only this exact path (with or without the legacy `/api/v1` prefix).
    pub path: Option<String>,
    /// How many matching requests it applies to (default 1).
    pub count: Option<f64>,
}

/// A webhook endpoint to register with the sandbox.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NewWebhookRequest {
    /// Where deliveries go: loopback only.
    pub url: String,
    /// Only this provider's events; default both.
    #[napi(ts_type = "ProviderKind")]
    pub provider: Option<String>,
    /// Only these event types (`CONNECTION_ADDED`, `account.grant.created`, …); default all.
    pub event_types: Option<Vec<String>>,
}

/// The sandbox's admin JSON of an endpoint or a delivery, unchanged.
fn admin_json(value: impl serde::Serialize) -> brokerlink::Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::internal(format!("sandbox answer: {e}")))
}

/// What the sandbox holds (`GET /_sandbox/state`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SandboxState {
    pub users: u32,
    pub sessions: u32,
    pub connections: u32,
    pub accounts: u32,
    pub faults: u32,
    pub requests_served: f64,
    /// Requests refused with 429 by a rate limit (either bucket).
    pub requests_throttled: f64,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A running sandbox. `close()` stops it.
#[napi]
#[derive(Debug)]
pub struct Sandbox {
    inner: Mutex<Option<brokerlink_sandbox::Sandbox>>,
    url: String,
    client_id: String,
    consumer_key: String,
    api_key: String,
    oauth_client_id: String,
    oauth_client_secret: String,
    personal_client_id: String,
    personal_consumer_key: String,
}

#[napi]
impl Sandbox {
    /// Starts a sandbox on a free port of 127.0.0.1.
    #[napi(configurable = true, ts_return_type = "Promise<Sandbox>")]
    pub fn start<'env>(env: &'env Env, options: Option<SandboxOptions>) -> napi::Result<PromiseRaw<'env, Sandbox>> {
        let future = async move {
            let config = SandboxConfig::try_from(options.unwrap_or_default())?;
            brokerlink_sandbox::Sandbox::start(config)
                .await
                .map_err(|e| Error::new(brokerlink::ErrorKind::Network, format!("sandbox did not start: {e}")))
        };
        promise(env, future, |_, sandbox| {
            Ok(Sandbox {
                url: sandbox.url().to_owned(),
                client_id: sandbox.client_id().to_owned(),
                consumer_key: sandbox.consumer_key().to_owned(),
                api_key: sandbox.api_key().to_owned(),
                oauth_client_id: sandbox.oauth_client_id().to_owned(),
                oauth_client_secret: sandbox.oauth_client_secret().to_owned(),
                personal_client_id: sandbox.personal_client_id().to_owned(),
                personal_consumer_key: sandbox.personal_consumer_key().to_owned(),
                inner: Mutex::new(Some(sandbox)),
            })
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL for clients.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The sandbox's own test credential (printing it is fine).
    #[napi(getter)]
    pub fn consumer_key(&self) -> String {
        self.consumer_key.clone()
    }

    #[napi(getter)]
    pub fn api_key(&self) -> String {
        self.api_key.clone()
    }

    /// The OAuth app of the sandbox's authorization server.
    #[napi(getter)]
    pub fn oauth_client_id(&self) -> String {
        self.oauth_client_id.clone()
    }

    #[napi(getter)]
    pub fn oauth_client_secret(&self) -> String {
        self.oauth_client_secret.clone()
    }

    /// A SnapTrade Personal API key's client id (`Client.snaptradePersonal`).
    #[napi(getter)]
    pub fn personal_client_id(&self) -> String {
        self.personal_client_id.clone()
    }

    #[napi(getter)]
    pub fn personal_consumer_key(&self) -> String {
        self.personal_consumer_key.clone()
    }

    fn with<T>(&self, f: impl FnOnce(&brokerlink_sandbox::Sandbox) -> brokerlink::Result<T>) -> brokerlink::Result<T> {
        let guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match guard.as_ref() {
            Some(sandbox) => f(sandbox),
            None => Err(Error::invalid_input("sandbox", "is closed")),
        }
    }

    /// Does what a person on the OAuth authorize page would for `url`: signs in as a test user
    /// and presses Allow (or Deny, `allow: false`); returns the callback URL.
    #[napi]
    pub fn authorize_oauth(
        &self,
        env: Env,
        url: String,
        username: String,
        password: String,
        allow: Option<bool>,
    ) -> napi::Result<String> {
        sync(&env, || {
            self.with(|s| s.authorize_oauth(&url, &username, &password, allow.unwrap_or(true)))
        })
    }

    /// Completes a portal link as a person would; returns what the portal reports.
    #[napi]
    pub fn complete_portal(&self, env: Env, request: CompletePortalRequest) -> napi::Result<PortalResult> {
        let request = CompletePortal {
            url: request.url,
            username: request.username,
            password: request.password,
            mfa_code: request.mfa_code,
            broker: request.broker,
            connection_type: request.connection_type,
        };
        sync(&env, || self.with(|s| Ok(s.complete_portal(&request).into())))
    }

    /// Arms a fault (`{status: 503}`, `{delay_ms: 50}`, `{reset: true}`, …) for the next
    /// matching requests; returns its id (random, `flt_…`).
    #[napi]
    pub fn inject_fault(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Fault")] fault: Value,
        options: Option<FaultOptions>,
    ) -> napi::Result<String> {
        sync(&env, || {
            let o = options.unwrap_or_default();
            let count = brokerlink::count_u32("count", o.count.unwrap_or(1.0))?;
            let rule = json!({ "method": o.method, "path_prefix": o.path_prefix, "path": o.path, "count": count, "fault": fault });
            let rule: FaultRule = serde_json::from_value(rule)
                .map_err(|e| Error::invalid_input("fault", format!("is not a fault: {e}")))?;
            self.with(|s| s.inject_fault(rule))
        })
    }

    #[napi]
    pub fn clear_faults(&self, env: Env) -> napi::Result<()> {
        sync(&env, || {
            self.with(|s| {
                s.clear_faults();
                Ok(())
            })
        })
    }

    /// How many faults still wait for a matching request.
    #[napi]
    pub fn armed_faults(&self, env: Env) -> napi::Result<u32> {
        sync(&env, || self.with(|s| Ok(count(s.armed_faults()))))
    }

    /// Replaces what a user's accounts hold and did with a portfolio fixture (an object in the
    /// format of docs/sandbox.md): one account, or (without `accountId`) all of the user's.
    /// Returns the ids of the accounts loaded.
    #[napi]
    pub fn load_portfolio(
        &self,
        env: Env,
        user_id: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] portfolio: Value,
        account_id: Option<String>,
    ) -> napi::Result<Vec<String>> {
        sync(&env, || {
            self.with(|s| s.load_portfolio(&user_id, account_id.as_deref(), &portfolio.to_string()))
        })
    }

    /// `disable`, `expire`, `remove` or `refresh` a connection as if it happened at the
    /// broker; returns the connection as the admin API shows it.
    #[napi(ts_return_type = "SandboxConnection")]
    pub fn change_connection(
        &self,
        env: Env,
        connection_id: String,
        #[napi(ts_arg_type = "ConnectionChange")] action: String,
    ) -> napi::Result<Value> {
        sync(&env, || {
            let change = ConnectionChange::parse(&action)?;
            self.with(|s| admin_json(s.change_connection(&connection_id, change)?))
        })
    }

    /// Registers a webhook endpoint; returns it with its `whsec_` secret.
    #[napi(ts_return_type = "SandboxWebhook")]
    pub fn add_webhook(&self, env: Env, request: NewWebhookRequest) -> napi::Result<Value> {
        let request = NewWebhook {
            url: request.url,
            provider: request.provider,
            event_types: request.event_types,
        };
        sync(&env, || self.with(|s| admin_json(s.add_webhook(&request)?)))
    }

    /// Whether an endpoint was there to remove.
    #[napi]
    pub fn remove_webhook(&self, env: Env, id: String) -> napi::Result<bool> {
        sync(&env, || self.with(|s| Ok(s.remove_webhook(&id))))
    }

    /// A new secret for the endpoint; the old one keeps signing beside it for `graceMs`.
    #[napi]
    pub fn rotate_webhook_secret(&self, env: Env, id: String, grace_ms: f64) -> napi::Result<String> {
        sync(&env, || {
            let grace = millis("grace_ms", grace_ms)?;
            self.with(|s| {
                s.rotate_webhook_secret(&id, grace)?
                    .ok_or_else(|| Error::new(brokerlink::ErrorKind::NotFound, format!("no webhook endpoint {id}")))
            })
        })
    }

    /// The delivery log, oldest first.
    #[napi(ts_return_type = "SandboxDelivery[]")]
    pub fn webhook_deliveries(&self, env: Env) -> napi::Result<Value> {
        sync(&env, || self.with(|s| admin_json(s.webhook_deliveries())))
    }

    /// Sends a logged delivery's event again (same event id); returns the new delivery id.
    #[napi]
    pub fn replay_delivery(&self, env: Env, delivery_id: String) -> napi::Result<String> {
        sync(&env, || {
            self.with(|s| {
                s.replay_delivery(&delivery_id)
                    .ok_or_else(|| Error::new(brokerlink::ErrorKind::NotFound, format!("no delivery {delivery_id}")))
            })
        })
    }

    /// Empties users, sessions, connections, faults and webhooks; keeps the credentials.
    #[napi]
    pub fn reset(&self, env: Env) -> napi::Result<()> {
        sync(&env, || {
            self.with(|s| {
                s.reset();
                Ok(())
            })
        })
    }

    #[napi]
    pub fn state(&self, env: Env) -> napi::Result<SandboxState> {
        sync(&env, || {
            self.with(|s| {
                let c = s.state();
                Ok(SandboxState {
                    users: count(c.users),
                    sessions: count(c.sessions),
                    connections: count(c.connections),
                    accounts: count(c.accounts),
                    faults: count(c.faults),
                    #[allow(clippy::cast_precision_loss)]
                    requests_served: c.requests_served as f64,
                    #[allow(clippy::cast_precision_loss)]
                    requests_throttled: c.requests_throttled as f64,
                })
            })
        })
    }

    /// Stops accepting requests and lets those in flight finish; calling it again is a no-op.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Undefined>> {
        let sandbox = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let future = async move {
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            Ok(())
        };
        promise(env, future, |_, ()| Ok(()))
    }
}
