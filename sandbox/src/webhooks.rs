//! Webhook delivery: registered endpoints, events in each provider's shape, signed as the
//! provider signs them plus Standard Webhooks headers, delivered asynchronously with retries,
//! and logged for tests to inspect and replay.

use crate::store::{Protocol, SimConnection};
use base64::Engine;
use brokerlink::signing::{canonical_json, NonAscii};
use brokerlink::{sign_webhook, Secret, WebhookSigner};
use chrono::{SecondsFormat, Utc};
use dashmap::DashMap;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How many deliveries the log keeps.
const LOG_SIZE: usize = 1000;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// Only this protocol's events; `None` for both.
    pub provider: Option<Protocol>,
    /// Only these event types; `None` for all.
    pub event_types: Option<Vec<String>>,
    pub secret: String,
    /// The secret before the last rotation, still signed with until the instant given.
    #[serde(skip)]
    pub previous_secret: Option<(String, Instant)>,
    /// `active`, `disabled` or `revoked` (Finatic subscriptions can be paused).
    pub status: String,
    pub description: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: String,
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub status: &'static str,
    pub attempts: u32,
    pub response_code: Option<u16>,
    pub last_error: Option<String>,
    #[serde(skip)]
    protocol: Protocol,
    #[serde(skip)]
    body: Vec<u8>,
}

#[derive(Debug)]
pub struct Webhooks {
    pub endpoints: DashMap<String, Endpoint>,
    log: Mutex<VecDeque<Delivery>>,
    queue: mpsc::UnboundedSender<String>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

impl Default for Webhooks {
    fn default() -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        Webhooks {
            endpoints: DashMap::new(),
            log: Mutex::new(VecDeque::new()),
            queue,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

/// A new `whsec_` secret (Standard Webhooks: base64 of random bytes).
pub fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Deliveries go to loopback only, unless the host was allowed explicitly.
pub fn check_target(url: &str, allowed_hosts: &[String]) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("webhook URLs must be http(s)".into());
    }
    let host = parsed.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback || allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        Ok(())
    } else {
        Err(format!("{host} is not loopback and not an allowed host"))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What happened to a connection or user, before it is put in a provider's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    UserRegistered,
    UserDeleted,
    Attempted(&'static str),
    Added,
    Fixed,
    Broken,
    Deleted,
    Activated,
    Refreshed,
}

impl Webhooks {
    pub fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        lock(&self.receiver).take()
    }

    pub fn clear(&self) {
        self.endpoints.clear();
        lock(&self.log).clear();
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.log).iter().cloned().collect()
    }

    /// Random: whoever did not create an endpoint or delivery cannot name it.
    fn next(&self, prefix: &str) -> String {
        crate::random_id(prefix)
    }

    /// Refused past [`crate::limits::WEBHOOK_ENDPOINTS`] endpoints.
    pub fn add_endpoint(
        &self,
        url: String,
        provider: Option<Protocol>,
        event_types: Option<Vec<String>>,
    ) -> Result<Endpoint, String> {
        if self.endpoints.len() >= crate::limits::WEBHOOK_ENDPOINTS {
            return Err(format!(
                "{} webhook endpoints are registered, the most the sandbox keeps: remove some first",
                self.endpoints.len()
            ));
        }
        let endpoint = Endpoint {
            id: self.next("we"),
            url,
            provider,
            event_types,
            secret: new_secret(),
            previous_secret: None,
            status: "active".into(),
            description: None,
            created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        };
        self.endpoints.insert(endpoint.id.clone(), endpoint.clone());
        Ok(endpoint)
    }

    /// A new secret; the old one keeps signing (beside it) for `grace`.
    pub fn rotate(&self, id: &str, grace: Duration) -> Option<String> {
        let mut endpoint = self.endpoints.get_mut(id)?;
        let old = std::mem::replace(&mut endpoint.secret, new_secret());
        endpoint.previous_secret = Some((old, Instant::now() + grace));
        Some(endpoint.secret.clone())
    }

    pub fn is_active(&self, endpoint_id: &str) -> bool {
        self.endpoints.get(endpoint_id).is_some_and(|e| e.status == "active")
    }

    fn endpoint_of(&self, delivery_id: &str) -> Option<String> {
        lock(&self.log)
            .iter()
            .find(|d| d.id == delivery_id)
            .map(|d| d.endpoint_id.clone())
    }

    /// Queues a delivery of the same event (same id) again, if its endpoint is still active.
    pub fn replay(&self, delivery_id: &str) -> Option<String> {
        let original = lock(&self.log).iter().find(|d| d.id == delivery_id).cloned()?;
        if !self.is_active(&original.endpoint_id) {
            return None;
        }
        Some(self.enqueue(
            original.endpoint_id,
            original.url,
            original.protocol,
            original.event_id,
            original.event_type,
            original.body,
        ))
    }

    fn enqueue(
        &self,
        endpoint_id: String,
        url: String,
        protocol: Protocol,
        event_id: String,
        event_type: String,
        body: Vec<u8>,
    ) -> String {
        let id = self.next("dl");
        let delivery = Delivery {
            id: id.clone(),
            event_id,
            event_type,
            endpoint_id,
            url,
            status: "pending",
            attempts: 0,
            response_code: None,
            last_error: None,
            protocol,
            body,
        };
        let mut log = lock(&self.log);
        if log.len() >= LOG_SIZE {
            log.pop_front();
        }
        log.push_back(delivery);
        drop(log);
        let _ = self.queue.send(id.clone());
        id
    }

    /// Puts `happening` in the protocol's words and queues it for every endpoint that wants it.
    /// `oauth_client_id`: the user is an OAuth app's, whose events use SnapTrade's `oauth_v1`
    /// schema.
    pub fn emit(
        &self,
        client_id: &str,
        oauth_client_id: Option<&str>,
        protocol: Protocol,
        user_id: &str,
        connection: Option<&SimConnection>,
        happening: Happening,
    ) {
        if self.endpoints.is_empty() {
            return;
        }
        for (event_type, body) in payloads(client_id, oauth_client_id, protocol, user_id, connection, happening) {
            let targets: Vec<(String, String)> = self
                .endpoints
                .iter()
                .filter(|e| e.status == "active" && e.provider.is_none_or(|p| p == protocol))
                .filter(|e| {
                    e.event_types
                        .as_ref()
                        .is_none_or(|types| types.iter().any(|t| t == &event_type))
                })
                .map(|e| (e.id.clone(), e.url.clone()))
                .collect();
            let event_id = body["__id"].as_str().unwrap_or_default().to_owned();
            let mut body = body;
            if let Some(map) = body.as_object_mut() {
                map.remove("__id");
            }
            // SnapTrade's bytes on the wire are exactly its canonical JSON, so verifiers that
            // use the raw bytes and verifiers that re-serialise both agree.
            let bytes = canonical_json(&body, NonAscii::Escape).into_bytes();
            for (endpoint_id, url) in targets {
                self.enqueue(
                    endpoint_id,
                    url,
                    protocol,
                    event_id.clone(),
                    event_type.clone(),
                    bytes.clone(),
                );
            }
        }
    }

    /// The headers of one attempt: the provider's signature plus Standard Webhooks, signed
    /// with the current secret and, during a rotation's grace, the previous one too.
    fn headers(&self, delivery: &Delivery, consumer_key: &str) -> Vec<(String, String)> {
        let Some(endpoint) = self.endpoints.get(&delivery.endpoint_id).map(|e| e.clone()) else {
            return Vec::new();
        };
        let mut secrets = vec![endpoint.secret.clone()];
        if let Some((old, until)) = &endpoint.previous_secret {
            if Instant::now() < *until {
                secrets.push(old.clone());
            }
        }
        let timestamp = Utc::now().timestamp();
        let mut headers = Vec::new();
        let mut signatures = Vec::new();
        for secret in &secrets {
            let signer = WebhookSigner::Standard {
                secret: Secret::new(secret.clone()),
                id: delivery.event_id.clone(),
                timestamp,
            };
            for (name, value) in sign_webhook(&delivery.body, &signer).unwrap_or_default() {
                if name == "webhook-signature" {
                    signatures.push(value);
                } else if !headers.iter().any(|(n, _)| n == &name) {
                    headers.push((name, value));
                }
            }
        }
        headers.push(("webhook-signature".into(), signatures.join(" ")));
        let provider_signer = match delivery.protocol {
            Protocol::SnapTrade => WebhookSigner::SnapTrade {
                consumer_key: Secret::new(consumer_key),
            },
            Protocol::Finatic => WebhookSigner::Finatic {
                secret: Secret::new(endpoint.secret.clone()),
            },
        };
        headers.extend(sign_webhook(&delivery.body, &provider_signer).unwrap_or_default());
        headers
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Delivery)) -> Option<Delivery> {
        let mut log = lock(&self.log);
        let delivery = log.iter_mut().find(|d| d.id == id)?;
        f(delivery);
        Some(delivery.clone())
    }
}

/// Delivers queued deliveries, each in its own task so a slow receiver delays nobody else.
pub async fn run_deliveries(store: std::sync::Arc<crate::store::Store>, mut receiver: mpsc::UnboundedReceiver<String>) {
    // Redirects are not followed: "loopback only" must hold for where the bytes end up.
    let http = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let http = match http {
        Ok(http) => http,
        Err(_) => return,
    };
    while let Some(id) = receiver.recv().await {
        let (store, http) = (store.clone(), http.clone());
        tokio::spawn(async move { deliver(&store, &http, &id).await });
    }
}

async fn deliver(store: &crate::store::Store, http: &reqwest::Client, id: &str) {
    let delays = store.config.webhook_retry_delays.clone();
    for attempt in 0..=delays.len() {
        if !store
            .webhooks
            .is_active(&store.webhooks.endpoint_of(id).unwrap_or_default())
        {
            // Removed, disabled or revoked since: nothing more goes out, signed or not.
            store.webhooks.update(id, |d| {
                d.status = "failed";
                d.last_error = Some("the endpoint was removed or is not active".into());
            });
            return;
        }
        let Some(delivery) = store.webhooks.update(id, |d| d.attempts += 1) else {
            return;
        };
        let mut request = http
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("user-agent", "brokerlink-sandbox-webhooks/1");
        for (name, value) in store.webhooks.headers(&delivery, &store.config.consumer_key) {
            request = request.header(name, value);
        }
        let outcome = request.body(delivery.body.clone()).send().await;
        let (code, error) = match outcome {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(e.without_url().to_string())),
        };
        let delivered = code.is_some_and(|c| (200..300).contains(&c));
        let last = attempt == delays.len();
        store.webhooks.update(id, |d| {
            d.response_code = code;
            d.last_error = error;
            d.status = if delivered {
                "delivered"
            } else if last {
                "failed"
            } else {
                "pending"
            };
        });
        if delivered || last {
            return;
        }
        tokio::time::sleep(delays[attempt]).await;
    }
}

fn stamp() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Every event a happening produces, as `(type, body)`; the body's `__id` is its event id.
fn payloads(
    client_id: &str,
    oauth_client_id: Option<&str>,
    protocol: Protocol,
    user_id: &str,
    connection: Option<&SimConnection>,
    happening: Happening,
) -> Vec<(String, Value)> {
    let new_id = || uuid::Uuid::new_v4().to_string();
    match protocol {
        Protocol::SnapTrade => {
            let base = |event_type: &str| {
                let mut body = Map::new();
                let id = new_id();
                body.insert("__id".into(), json!(id));
                body.insert("webhookId".into(), json!(id));
                // `oauth_v1` (an OAuth app's user): the app's client id, and `connectionId` for
                // `brokerageAuthorizationId`; nothing else differs.
                match oauth_client_id {
                    Some(oauth) => {
                        body.insert("schemaVersion".into(), json!("oauth_v1"));
                        body.insert("oauthClientId".into(), json!(oauth));
                    }
                    None => {
                        body.insert("clientId".into(), json!(client_id));
                    }
                }
                body.insert("eventTimestamp".into(), json!(stamp()));
                body.insert("userId".into(), json!(user_id));
                body.insert("eventType".into(), json!(event_type));
                if let Some(c) = connection {
                    body.insert("brokerageId".into(), json!(c.broker.id));
                    let key = if oauth_client_id.is_some() {
                        "connectionId"
                    } else {
                        "brokerageAuthorizationId"
                    };
                    body.insert(key.into(), json!(c.id));
                }
                body
            };
            let one = |event_type: &str| vec![(event_type.to_owned(), Value::Object(base(event_type)))];
            let per_account = |event_type: &str| -> Vec<(String, Value)> {
                connection
                    .map(|c| c.accounts.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| {
                        let mut body = base(event_type);
                        body.insert("accountId".into(), json!(a.id));
                        (event_type.to_owned(), Value::Object(body))
                    })
                    .collect()
            };
            match happening {
                Happening::UserRegistered => one("USER_REGISTERED"),
                Happening::UserDeleted => one("USER_DELETED"),
                Happening::Attempted(result) => {
                    let mut body = base("CONNECTION_ATTEMPTED");
                    body.insert("connectionAttemptedResult".into(), json!(result));
                    vec![("CONNECTION_ATTEMPTED".into(), Value::Object(body))]
                }
                Happening::Added => one("CONNECTION_ADDED"),
                Happening::Fixed => one("CONNECTION_FIXED"),
                Happening::Broken => one("CONNECTION_BROKEN"),
                Happening::Deleted => one("CONNECTION_DELETED"),
                Happening::Activated => one("CONNECTION_UPDATED"),
                Happening::Refreshed => {
                    let mut events = per_account("ACCOUNT_HOLDINGS_UPDATED");
                    events.extend(per_account("ACCOUNT_TRANSACTIONS_UPDATED"));
                    events
                }
            }
        }
        Protocol::Finatic => {
            let event_types: &[&str] = match happening {
                Happening::Added => &["account.grant.created"],
                Happening::Fixed => &["account.grant.updated"],
                Happening::Deleted => &["account.grant.revoked"],
                Happening::Broken => &["connection.reauth.required"],
                Happening::Activated => &["account.sync.succeeded"],
                // New data at the broker: the sync, then what it brought.
                Happening::Refreshed => &[
                    "account.sync.succeeded",
                    "account.position.updated",
                    "account.balance.updated",
                    "account.transaction.created",
                ],
                // Finatic has no user or attempt events.
                Happening::UserRegistered | Happening::UserDeleted | Happening::Attempted(_) => return Vec::new(),
            };
            let Some(c) = connection else { return Vec::new() };
            let body = |event_type: &str, account_id: Option<&str>| {
                let id = new_id();
                json!({
                    "__id": id,
                    "id": id,
                    "type": event_type,
                    "createdAt": Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
                    "data": {
                        "userId": user_id,
                        "connectionId": c.id,
                        "brokerId": c.broker.slug.to_ascii_lowercase(),
                        "accountId": account_id,
                    },
                })
            };
            if happening == Happening::Broken {
                return event_types.iter().map(|t| ((*t).to_owned(), body(t, None))).collect();
            }
            c.accounts
                .iter()
                .flat_map(|a| event_types.iter().map(move |t| ((*t).to_owned(), body(t, Some(&a.id)))))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_or_allowed_hosts() {
        assert!(check_target("http://127.0.0.1:9/hook", &[]).is_ok());
        assert!(check_target("http://localhost/hook", &[]).is_ok());
        assert!(check_target("http://[::1]:80/hook", &[]).is_ok());
        assert!(check_target("https://example.com/hook", &[]).is_err());
        assert!(check_target("https://example.com/hook", &["example.com".into()]).is_ok());
        assert!(check_target("ftp://127.0.0.1/hook", &[]).is_err());
    }
}
