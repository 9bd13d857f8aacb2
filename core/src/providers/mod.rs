//! One module per aggregator protocol, behind the provider-neutral `Client`.

pub(crate) mod dates;
pub(crate) mod decimal;
pub(crate) mod finatic;
pub(crate) mod snaptrade;

use crate::account_data::{Activity, ActivityQuery, Balance, BalanceHistory, Order, OrderQuery, Position};
use crate::error::{Error, Result};
use crate::http::{Reply, Transport};
use crate::portal::{PortalLink, PortalOptions};
use crate::secret::{redact, Secret};
use crate::subscriptions::{NewWebhookSubscription, WebhookEventType, WebhookSubscription, WebhookSubscriptionUpdate};
use crate::types::{Account, Connection, Session, UserCredentials};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::Value;
use std::marker::PhantomData;

pub(crate) use dates::{parse_date, parse_date_or_timestamp, parse_timestamp};

/// One aggregator's protocol, behind the provider-neutral `Client`. Every call but `is_ready`
/// has a default that refuses it before any request, in one wording, so a protocol implements
/// only what it has and a call added here reaches every provider at once.
pub(crate) trait Protocol {
    /// The aggregator's name, as errors say it.
    const NAME: &'static str;

    /// What to do instead of `call`, where this protocol has no such call.
    fn instead(call: &str) -> &'static str;

    /// Whether an active connection is usable yet (its first data sync is done).
    async fn is_ready(&self, t: &Transport, user: Option<&UserCredentials>, connection: &Connection) -> Result<bool>;

    async fn register_user(&self, _t: &Transport, _user_id: &str) -> Result<UserCredentials> {
        Err(not_supported::<Self>("register_user"))
    }

    async fn delete_user(&self, _t: &Transport, _user: &UserCredentials) -> Result<()> {
        Err(not_supported::<Self>("delete_user"))
    }

    async fn list_users(&self, _t: &Transport) -> Result<Vec<String>> {
        Err(not_supported::<Self>("list_users"))
    }

    async fn rotate_user_secret(&self, _t: &Transport, _user: &UserCredentials) -> Result<UserCredentials> {
        Err(not_supported::<Self>("rotate_user_secret"))
    }

    async fn portal_url(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _options: &PortalOptions,
    ) -> Result<PortalLink> {
        Err(not_supported::<Self>("portal_url"))
    }

    async fn start_session(&self, _t: &Transport, _user_id: Option<&str>) -> Result<Session> {
        Err(not_supported::<Self>("start_session"))
    }

    async fn mint_one_time_token(&self, _t: &Transport) -> Result<Secret> {
        Err(not_supported::<Self>("mint_one_time_token"))
    }

    async fn session_portal_url(
        &self,
        _t: &Transport,
        _session: &Session,
        _options: &PortalOptions,
    ) -> Result<PortalLink> {
        Err(not_supported::<Self>("session_portal_url"))
    }

    async fn session_user(&self, _t: &Transport, _session: &Session) -> Result<UserCredentials> {
        Err(not_supported::<Self>("session_user"))
    }

    async fn connections(&self, _t: &Transport, _user: Option<&UserCredentials>) -> Result<Vec<Connection>> {
        Err(not_supported::<Self>("connections"))
    }

    async fn connection(&self, _t: &Transport, _user: Option<&UserCredentials>, _id: &str) -> Result<Connection> {
        Err(not_supported::<Self>("connection"))
    }

    async fn remove_connection(&self, _t: &Transport, _user: Option<&UserCredentials>, _id: &str) -> Result<()> {
        Err(not_supported::<Self>("remove_connection"))
    }

    async fn refresh_connection(&self, _t: &Transport, _user: Option<&UserCredentials>, _id: &str) -> Result<()> {
        Err(not_supported::<Self>("refresh_connection"))
    }

    async fn disable_connection(&self, _t: &Transport, _user: Option<&UserCredentials>, _id: &str) -> Result<()> {
        Err(not_supported::<Self>("disable_connection"))
    }

    async fn accounts(&self, _t: &Transport, _user: Option<&UserCredentials>) -> Result<Vec<Account>> {
        Err(not_supported::<Self>("accounts"))
    }

    async fn account(&self, _t: &Transport, _user: Option<&UserCredentials>, _id: &str) -> Result<Account> {
        Err(not_supported::<Self>("account"))
    }

    async fn connection_accounts(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _id: &str,
    ) -> Result<Vec<Account>> {
        Err(not_supported::<Self>("connection_accounts"))
    }

    async fn webhook_catalog(&self, _t: &Transport) -> Result<Vec<WebhookEventType>> {
        Err(not_supported::<Self>("webhook_catalog"))
    }

    async fn webhook_subscriptions(&self, _t: &Transport) -> Result<Vec<WebhookSubscription>> {
        Err(not_supported::<Self>("webhook_subscriptions"))
    }

    async fn create_webhook_subscription(
        &self,
        _t: &Transport,
        _new: &NewWebhookSubscription,
    ) -> Result<WebhookSubscription> {
        Err(not_supported::<Self>("create_webhook_subscription"))
    }

    async fn update_webhook_subscription(
        &self,
        _t: &Transport,
        _id: &str,
        _update: &WebhookSubscriptionUpdate,
    ) -> Result<WebhookSubscription> {
        Err(not_supported::<Self>("update_webhook_subscription"))
    }

    async fn revoke_webhook_subscription(&self, _t: &Transport, _id: &str) -> Result<WebhookSubscription> {
        Err(not_supported::<Self>("revoke_webhook_subscription"))
    }

    async fn positions(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
    ) -> Result<Vec<Position>> {
        Err(not_supported::<Self>("positions"))
    }

    async fn balances(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
    ) -> Result<Vec<Balance>> {
        Err(not_supported::<Self>("balances"))
    }

    async fn orders(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
        _query: &OrderQuery,
    ) -> Result<Vec<Order>> {
        Err(not_supported::<Self>("orders"))
    }

    async fn recent_orders(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
        _only_executed: bool,
    ) -> Result<Vec<Order>> {
        Err(not_supported::<Self>("recent_orders"))
    }

    async fn order(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
        _order_id: &str,
    ) -> Result<Order> {
        Err(not_supported::<Self>("order"))
    }

    /// One page of an account's activities, from `offset`, at most `limit` of them.
    async fn activity_page(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
        _query: &ActivityQuery,
        _offset: u64,
        _limit: u32,
    ) -> Result<ActivityPage> {
        Err(not_supported::<Self>("activities"))
    }

    async fn balance_history(
        &self,
        _t: &Transport,
        _user: Option<&UserCredentials>,
        _account_id: &str,
    ) -> Result<BalanceHistory> {
        Err(not_supported::<Self>("balance_history"))
    }
}

/// One page of activities and where the next one starts.
#[derive(Debug)]
pub(crate) struct ActivityPage {
    pub items: Vec<Activity>,
    /// `None` on the last page.
    pub next_offset: Option<u64>,
    /// How many there are in all, where the provider says.
    pub total: Option<u64>,
}

/// The one wording of a call a protocol does not have: `invalid_input` naming the call.
fn not_supported<P: Protocol + ?Sized>(call: &'static str) -> Error {
    Error::invalid_input(
        call,
        format!("is not part of {}'s protocol: {}", P::NAME, P::instead(call)),
    )
}

/// A delete that had to be retried may have succeeded the first time: the retry then finds
/// the thing gone, which is the outcome asked for.
pub(crate) fn gone_is_done(outcome: Result<()>) -> Result<()> {
    match outcome {
        Err(e) if e.kind() == crate::ErrorKind::NotFound && e.attempts() > 1 => Ok(()),
        other => other,
    }
}

/// What RFC 3986 requires escaped in a path segment: everything but the unreserved
/// characters. Escaping more (`-` as `%2D`) changes the bytes a server decodes and verifies a
/// signature over, so a UUID must travel exactly as it is written.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One id as a URL path segment.
pub(crate) fn path_segment(id: &str) -> String {
    utf8_percent_encode(id, PATH_SEGMENT).to_string()
}

/// Decodes a successful reply's JSON into `T`, or fails as `decode` with a redacted excerpt.
pub(crate) fn decode_json<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T> {
    decode_json_seeded(reply, what, PhantomData::<T>)
}

/// `decode_json` through a seed, for a shape decoded straight into brokerlink's model with
/// what the body does not carry (the account a page of activities belongs to).
pub(crate) fn decode_json_seeded<S, T>(reply: &Reply, what: &str, seed: S) -> Result<T>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    fn whole<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de>>(
        mut reader: serde_json::Deserializer<R>,
        seed: S,
    ) -> serde_json::Result<S::Value> {
        let value = seed.deserialize(&mut reader)?;
        reader.end()?;
        Ok(value)
    }
    // UTF-8 checked once for the whole body, not string by string as `from_slice` does (a
    // measurable share of decoding a page of a thousand activities).
    let decoded = match std::str::from_utf8(&reply.body) {
        Ok(text) => whole(serde_json::Deserializer::from_str(text), seed),
        Err(_) => whole(serde_json::Deserializer::from_slice(&reply.body), seed),
    };
    decoded.map_err(|e| {
        Error::decode(format!(
            "{what}: the response is not in the documented shape ({e}); body starts {}",
            body_excerpt(&reply.body, &reply.carried)
        ))
        .with_status(reply.status)
        .with_request_id(reply.request_id())
        .with_attempts(reply.attempts)
    })
}

/// Bodies from this size up are decoded on the runtime's blocking pool (`decode_json_apart`).
const DECODE_APART_BYTES: usize = 128 * 1024;

/// `decode_json_seeded`, on the runtime's blocking pool when the body is large. Pages of a long
/// history arrive a few at a time; decoded where they arrive, they would be decoded one after
/// another on the caller's thread (the blocking client's only thread) while the machine's
/// other cores idle.
pub(crate) async fn decode_json_apart<S, T>(reply: Reply, what: &'static str, seed: S) -> Result<T>
where
    S: for<'de> DeserializeSeed<'de, Value = T> + Send + 'static,
    T: Send + 'static,
{
    if reply.body.len() < DECODE_APART_BYTES {
        return decode_json_seeded(&reply, what, seed);
    }
    tokio::task::spawn_blocking(move || decode_json_seeded(&reply, what, seed))
        .await
        .unwrap_or_else(|stopped| {
            Err(Error::internal(format!(
                "{what}: decoding the response stopped ({stopped})"
            )))
        })
}

const EXCERPT_CHARS: usize = 200;

/// A short, printable start of a response body with every credential removed: values of keys
/// that name a secret, and any known secret value wherever it appears.
pub(crate) fn body_excerpt(body: &[u8], secrets: &[Secret]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_secret_fields(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = redact(&text, secrets);
    let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    format!("{excerpt:?}")
}

fn redact_secret_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let key = key.to_ascii_lowercase();
                if ["secret", "token", "key", "signature", "password"]
                    .iter()
                    .any(|s| key.contains(s))
                {
                    *item = Value::String("***".into());
                } else {
                    redact_secret_fields(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secret_fields),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_escape_only_what_rfc_3986_requires() {
        assert_eq!(
            path_segment("8b5f262d-4bb9-365d-888a-202bd3b15fa1"),
            "8b5f262d-4bb9-365d-888a-202bd3b15fa1"
        );
        assert_eq!(path_segment("A.z_0~9"), "A.z_0~9");
        assert_eq!(path_segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn excerpts_hide_credentials() {
        let key = Secret::new("consumer-key-value");
        let body = br#"{"userSecret":"s3cr3t","detail":"bad consumer-key-value","nested":[{"one_time_token":"t"}]}"#;
        let excerpt = body_excerpt(body, &[key]);
        assert!(!excerpt.contains("s3cr3t"), "{excerpt}");
        assert!(!excerpt.contains("consumer-key-value"), "{excerpt}");
        assert!(!excerpt.contains("\"t\""), "{excerpt}");
        assert!(excerpt.contains("detail"));
    }
}
