//! Verifying webhook deliveries from their raw bytes (SnapTrade's canonical-JSON `Signature`,
//! Standard Webhooks headers, Finatic's `X-Finatic-Signature`) into typed events, and signing
//! test deliveries.

use crate::error::{Error, Result};
use crate::providers::parse_timestamp;
use crate::secret::Secret;
use crate::signing::{canonical_json, constant_time_eq, hmac_base64, hmac_sha256, NonAscii};
use crate::types::ProviderKind;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;

mod sign;

pub use sign::{sign_webhook, WebhookSigner};

/// Standard Webhooks' replay window.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);
const WHSEC_PREFIX: &str = "whsec_";

/// How strictly to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    /// Allowed distance between `webhook-timestamp` and now (Standard Webhooks only).
    pub tolerance: Duration,
    /// Reject events whose own `eventTimestamp` is older than this. Off by default: SnapTrade
    /// retries arrive 30 minutes and more after the event.
    pub max_event_age: Option<Duration>,
    /// The clock to check against; `None` is the system clock (tests pass a fixed instant).
    pub now: Option<DateTime<Utc>>,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            tolerance: DEFAULT_TOLERANCE,
            max_event_age: None,
            now: None,
        }
    }
}

/// What happened, with the connection events of both providers on one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookEventKind {
    UserRegistered,
    UserDeleted,
    ConnectionAttempted,
    ConnectionAdded,
    ConnectionDeleted,
    /// The connection needs the user to reconnect (SnapTrade `CONNECTION_BROKEN`, Finatic
    /// `connection.reauth.required`).
    ConnectionBroken,
    ConnectionFixed,
    ConnectionUpdated,
    ConnectionFailed,
    NewAccountAvailable,
    AccountTransactionsInitialUpdate,
    AccountTransactionsUpdated,
    AccountRemoved,
    AccountHoldingsUpdated,
    /// A type brokerlink does not know; read `event_type` and `raw`.
    Unknown,
}

impl WebhookEventKind {
    pub const ALL: [WebhookEventKind; 15] = {
        use WebhookEventKind::*;
        [
            UserRegistered,
            UserDeleted,
            ConnectionAttempted,
            ConnectionAdded,
            ConnectionDeleted,
            ConnectionBroken,
            ConnectionFixed,
            ConnectionUpdated,
            ConnectionFailed,
            NewAccountAvailable,
            AccountTransactionsInitialUpdate,
            AccountTransactionsUpdated,
            AccountRemoved,
            AccountHoldingsUpdated,
            Unknown,
        ]
    };

    pub fn as_str(self) -> &'static str {
        use WebhookEventKind::*;
        match self {
            UserRegistered => "user_registered",
            UserDeleted => "user_deleted",
            ConnectionAttempted => "connection_attempted",
            ConnectionAdded => "connection_added",
            ConnectionDeleted => "connection_deleted",
            ConnectionBroken => "connection_broken",
            ConnectionFixed => "connection_fixed",
            ConnectionUpdated => "connection_updated",
            ConnectionFailed => "connection_failed",
            NewAccountAvailable => "new_account_available",
            AccountTransactionsInitialUpdate => "account_transactions_initial_update",
            AccountTransactionsUpdated => "account_transactions_updated",
            AccountRemoved => "account_removed",
            AccountHoldingsUpdated => "account_holdings_updated",
            Unknown => "unknown",
        }
    }

    fn from_event_type(provider: ProviderKind, event_type: &str) -> Self {
        use WebhookEventKind::*;
        match (provider, event_type) {
            (ProviderKind::SnapTrade, t) => match t {
                "USER_REGISTERED" => UserRegistered,
                "USER_DELETED" => UserDeleted,
                "CONNECTION_ATTEMPTED" => ConnectionAttempted,
                "CONNECTION_ADDED" => ConnectionAdded,
                "CONNECTION_DELETED" => ConnectionDeleted,
                "CONNECTION_BROKEN" => ConnectionBroken,
                "CONNECTION_FIXED" => ConnectionFixed,
                "CONNECTION_UPDATED" => ConnectionUpdated,
                "CONNECTION_FAILED" => ConnectionFailed,
                "NEW_ACCOUNT_AVAILABLE" => NewAccountAvailable,
                "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE" => AccountTransactionsInitialUpdate,
                "ACCOUNT_TRANSACTIONS_UPDATED" => AccountTransactionsUpdated,
                "ACCOUNT_REMOVED" => AccountRemoved,
                "ACCOUNT_HOLDINGS_UPDATED" => AccountHoldingsUpdated,
                _ => Unknown,
            },
            (ProviderKind::Finatic, t) => match t {
                "account.grant.created" => ConnectionAdded,
                "account.grant.updated" => ConnectionUpdated,
                "account.grant.revoked" => ConnectionDeleted,
                "connection.reauth.required" => ConnectionBroken,
                "account.sync.succeeded" => AccountHoldingsUpdated,
                "account.sync.failed" => ConnectionFailed,
                _ => Unknown,
            },
        }
    }
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// Stable across retries of one event: de-duplicate on it.
    pub id: String,
    pub provider: ProviderKind,
    pub kind: WebhookEventKind,
    /// The provider's own type (`CONNECTION_ADDED`, `account.grant.created`).
    pub event_type: String,
    pub user_id: Option<String>,
    pub connection_id: Option<String>,
    pub account_id: Option<String>,
    pub broker: Option<String>,
    /// SnapTrade's `connectionAttemptedResult`, e.g. `SUCCESS`, `INVALID_MFA_CODE`.
    pub result: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// SnapTrade's `schemaVersion` (`oauth_v1` for events of OAuth apps).
    pub schema_version: Option<String>,
    /// The OAuth app an `oauth_v1` event belongs to (SnapTrade's `oauthClientId`).
    pub oauth_client_id: Option<String>,
    /// The whole payload as received, except SnapTrade's deprecated `webhookSecret`, which is
    /// replaced by `***`: it is a credential, and the signature is what proves the sender.
    pub raw: Value,
}

/// Headers looked up case-insensitively.
struct Headers<'a>(Vec<(String, &'a str)>);

impl<'a> Headers<'a> {
    fn new<I, K, V>(headers: I) -> Self
    where
        I: IntoIterator<Item = (K, &'a V)>,
        K: AsRef<str>,
        V: AsRef<str> + ?Sized + 'a,
    {
        Headers(
            headers
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.as_ref()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// Every value of a header that may be repeated (or joined with ", " by a framework).
    fn all(&self, name: &str) -> String {
        let values: Vec<&str> = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| *v).collect();
        values.join(" ")
    }
}

/// One way a delivery can be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    StandardWebhooks,
    SnapTrade,
    Finatic,
}

/// Verifies a delivery from the exact bytes received and its headers, against any of
/// `secrets` (so a rotation can accept old and new), and returns the typed event.
/// `whsec_…` secrets verify Standard Webhooks headers; other secrets verify the provider's own
/// header (SnapTrade: the consumer key; Finatic: the subscription secret).
pub fn verify_webhook<'a, I, K, V>(
    raw_body: &[u8],
    headers: I,
    secrets: &[Secret],
    options: &WebhookOptions,
) -> Result<WebhookEvent>
where
    I: IntoIterator<Item = (K, &'a V)>,
    K: AsRef<str>,
    V: AsRef<str> + ?Sized + 'a,
{
    let headers = Headers::new(headers);
    check_secrets(secrets)?;
    let now = options.now.unwrap_or_else(Utc::now);
    let present: Vec<Scheme> = [
        (Scheme::StandardWebhooks, headers.get("webhook-signature").is_some()),
        (Scheme::SnapTrade, headers.get("signature").is_some()),
        (Scheme::Finatic, headers.get("x-finatic-signature").is_some()),
    ]
    .into_iter()
    .filter_map(|(scheme, here)| here.then_some(scheme))
    .collect();
    // A `whsec_` secret means the sender signs Standard Webhooks headers, whose timestamp is
    // the replay protection: then that scheme must pass, and a weaker provider signature beside
    // it cannot stand in for a stale or missing one.
    let standard_required = secrets.iter().any(|s| s.expose().starts_with(WHSEC_PREFIX));
    let usable: Vec<Scheme> = present
        .iter()
        .copied()
        .filter(|s| !standard_required || *s == Scheme::StandardWebhooks)
        .filter(|s| secrets.iter().any(|secret| secret_fits(*s, secret)))
        .collect();
    if usable.is_empty() {
        let wanted = if secrets.iter().any(|s| s.expose().starts_with(WHSEC_PREFIX)) {
            "webhook-id/webhook-timestamp/webhook-signature"
        } else {
            "Signature or X-Finatic-Signature"
        };
        return Err(Error::webhook_invalid(
            "missing_header",
            format!("no {wanted} header for the secrets given"),
        ));
    }
    let mut outcome = Err(Error::webhook_invalid(
        "no_matching_signature",
        "no signature matches any of the secrets",
    ));
    for scheme in usable {
        match check_scheme(scheme, raw_body, &headers, secrets, options.tolerance, now) {
            Ok(()) => {
                outcome = Ok(scheme);
                break;
            }
            // A more specific reason than "no match" wins.
            Err(e) if e.reason() != Some("no_matching_signature") => outcome = Err(e),
            Err(_) => {}
        }
    }
    let scheme = outcome?;
    let event = parse_event(raw_body, &headers, scheme)?;
    if let Some(max_age) = options.max_event_age {
        check_event_age(&event, max_age, options.tolerance, now)?;
    }
    Ok(event)
}

/// Refuses secrets that would make every signature check meaningless: an empty HMAC key is
/// one anybody can sign with.
fn check_secrets(secrets: &[Secret]) -> Result<()> {
    if secrets.is_empty() {
        return Err(Error::invalid_input("secrets", "give at least one secret"));
    }
    secrets.iter().try_for_each(|secret| check_secret("secrets", secret))
}

pub(crate) fn check_secret(field: &'static str, secret: &Secret) -> Result<()> {
    if secret.expose().is_empty() {
        return Err(Error::invalid_input(field, "a secret must not be empty"));
    }
    if secret.expose().starts_with(WHSEC_PREFIX) && whsec_key(secret)?.is_empty() {
        return Err(Error::invalid_input(
            field,
            "a whsec_ secret must carry key bytes after the prefix",
        ));
    }
    Ok(())
}

/// The opt-in age limit fails closed: an event whose time cannot be read, or that claims to
/// come from the future, cannot be shown to be recent.
fn check_event_age(event: &WebhookEvent, max_age: Duration, tolerance: Duration, now: DateTime<Utc>) -> Result<()> {
    let stamp = text(&event.raw, &EVENT_TIME_KEYS).or_else(|| text(event_data(&event.raw), &EVENT_TIME_KEYS));
    let Some(stamp) = stamp else {
        return Err(Error::webhook_invalid(
            "invalid_event_timestamp",
            "max_event_age is set, but the payload carries no event time",
        ));
    };
    let Some(at) = event.occurred_at else {
        return Err(Error::webhook_invalid(
            "invalid_event_timestamp",
            format!("max_event_age is set, but the event time {stamp:?} is not an ISO 8601 timestamp"),
        ));
    };
    let seconds_old = now.signed_duration_since(at).num_seconds();
    let ahead = seconds_old.checked_neg().unwrap_or(i64::MAX);
    if ahead > 0 && ahead.unsigned_abs() > tolerance.as_secs() {
        return Err(Error::webhook_invalid(
            "timestamp_out_of_tolerance",
            format!(
                "the event time is {ahead}s in the future; the tolerance is {}s",
                tolerance.as_secs()
            ),
        ));
    }
    if seconds_old > 0 && seconds_old.unsigned_abs() > max_age.as_secs() {
        return Err(Error::webhook_invalid(
            "timestamp_out_of_tolerance",
            format!("the event is {seconds_old}s old; the limit is {}s", max_age.as_secs()),
        ));
    }
    Ok(())
}

/// `whsec_` secrets sign Standard Webhooks headers, never SnapTrade's (whose key is the
/// consumer key); Finatic subscription secrets may have any form.
fn secret_fits(scheme: Scheme, secret: &Secret) -> bool {
    let whsec = secret.expose().starts_with(WHSEC_PREFIX);
    match scheme {
        Scheme::StandardWebhooks => whsec,
        Scheme::SnapTrade => !whsec,
        Scheme::Finatic => true,
    }
}

fn check_scheme(
    scheme: Scheme,
    body: &[u8],
    headers: &Headers<'_>,
    secrets: &[Secret],
    tolerance: Duration,
    now: DateTime<Utc>,
) -> Result<()> {
    let secrets = secrets.iter().filter(|s| secret_fits(scheme, s));
    let matched = match scheme {
        Scheme::StandardWebhooks => {
            let id = headers
                .get("webhook-id")
                .ok_or_else(|| Error::webhook_invalid("missing_header", "webhook-id is missing"))?;
            let stamp = headers
                .get("webhook-timestamp")
                .ok_or_else(|| Error::webhook_invalid("missing_header", "webhook-timestamp is missing"))?;
            let seconds: i64 = stamp
                .trim()
                .parse()
                .map_err(|_| Error::webhook_invalid("malformed_header", "webhook-timestamp is not Unix seconds"))?;
            let skew = now.timestamp().abs_diff(seconds);
            if skew > tolerance.as_secs() {
                return Err(Error::webhook_invalid(
                    "timestamp_out_of_tolerance",
                    format!(
                        "webhook-timestamp is {skew}s away from now; the tolerance is {}s",
                        tolerance.as_secs()
                    ),
                ));
            }
            let offered = standard_signatures(&headers.all("webhook-signature"))?;
            let mut signed = Vec::with_capacity(body.len() + 64);
            // Signed over the header exactly as sent, not a re-printing of the parsed number.
            signed.extend_from_slice(format!("{id}.{stamp}.").as_bytes());
            signed.extend_from_slice(body);
            let mut any = false;
            for secret in secrets {
                let key = whsec_key(secret)?;
                let expected = hmac_sha256(&key, &signed);
                any |= offered.iter().any(|sig| constant_time_eq(sig, &expected));
            }
            any
        }
        Scheme::SnapTrade => {
            let offered = headers.get("signature").unwrap_or_default().trim();
            // SnapTrade signs its canonical JSON of the payload, not the bytes on the wire.
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| Error::webhook_invalid("invalid_payload", format!("the body is not JSON: {e}")))?;
            let canonical = canonical_json(&value, NonAscii::Escape);
            secrets.into_iter().any(|secret| {
                let expected = hmac_base64(secret.expose().as_bytes(), canonical.as_bytes());
                constant_time_eq(expected.as_bytes(), offered.as_bytes())
            })
        }
        Scheme::Finatic => {
            let header = headers.get("x-finatic-signature").unwrap_or_default().trim();
            let hex = header.strip_prefix("sha256=").ok_or_else(|| {
                Error::webhook_invalid("malformed_header", "X-Finatic-Signature must be sha256=<hex>")
            })?;
            let offered = decode_hex(hex)
                .ok_or_else(|| Error::webhook_invalid("malformed_header", "X-Finatic-Signature is not hex"))?;
            secrets
                .into_iter()
                .any(|secret| constant_time_eq(&hmac_sha256(secret.expose().as_bytes(), body), &offered))
        }
    };
    if matched {
        Ok(())
    } else {
        Err(Error::webhook_invalid(
            "no_matching_signature",
            "no signature matches any of the secrets",
        ))
    }
}

/// `v1,<base64> v1,<base64> …`; other versions are ignored, as the spec says.
fn standard_signatures(header: &str) -> Result<Vec<Vec<u8>>> {
    let mut signatures = Vec::new();
    for part in header
        .split_whitespace()
        .map(|p| p.trim_end_matches(','))
        .filter(|p| !p.is_empty())
    {
        let (version, signature) = part.split_once(',').ok_or_else(|| {
            Error::webhook_invalid("malformed_header", "webhook-signature entries look like v1,<base64>")
        })?;
        if version == "v1" {
            let bytes = BASE64
                .decode(signature)
                .map_err(|_| Error::webhook_invalid("malformed_header", "a webhook-signature is not base64"))?;
            signatures.push(bytes);
        }
    }
    if signatures.is_empty() {
        return Err(Error::webhook_invalid(
            "malformed_header",
            "webhook-signature has no v1 signature",
        ));
    }
    Ok(signatures)
}

fn whsec_key(secret: &Secret) -> Result<Vec<u8>> {
    let encoded = secret.expose().trim_start_matches(WHSEC_PREFIX);
    BASE64
        .decode(encoded)
        .map_err(|_| Error::invalid_input("secrets", "a whsec_ secret must be whsec_ followed by base64"))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn text(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match value.get(*k)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Where each provider puts the time of the event.
const EVENT_TIME_KEYS: [&str; 4] = ["eventTimestamp", "createdAt", "created_at", "timestamp"];

/// Finatic nests an event's fields under `data`; SnapTrade's are at the top level.
fn event_data(raw: &Value) -> &Value {
    raw.get("data").filter(|d| d.is_object()).unwrap_or(raw)
}

fn parse_event(body: &[u8], headers: &Headers<'_>, scheme: Scheme) -> Result<WebhookEvent> {
    let mut raw: Value = serde_json::from_slice(body)
        .map_err(|e| Error::webhook_invalid("invalid_payload", format!("the body is not JSON: {e}")))?;
    if !raw.is_object() {
        return Err(Error::webhook_invalid(
            "invalid_payload",
            "the body is not a JSON object",
        ));
    }
    // Finatic's payloads say `type`/`event`; SnapTrade's say `eventType`.
    let finatic = scheme == Scheme::Finatic
        || raw.get("eventType").is_none() && (raw.get("type").is_some() || raw.get("event").is_some());
    let provider = if finatic {
        ProviderKind::Finatic
    } else {
        ProviderKind::SnapTrade
    };
    let event_type = text(&raw, &["eventType", "type", "event"])
        .ok_or_else(|| Error::webhook_invalid("invalid_payload", "the payload names no event type"))?;
    if let Some(secret) = raw.get_mut("webhookSecret") {
        *secret = Value::String("***".into());
    }
    let data = event_data(&raw);
    let field = |keys: &[&str]| text(&raw, keys).or_else(|| text(data, keys));
    // SnapTrade's spec (`WebhookBase`) spells it `webookId`; its deliveries say `webhookId`.
    let id = field(&["webhookId", "webookId", "eventId", "id"])
        .or_else(|| headers.get("webhook-id").map(str::to_owned))
        .ok_or_else(|| Error::webhook_invalid("invalid_payload", "the payload has no event id"))?;
    Ok(WebhookEvent {
        id,
        provider,
        kind: WebhookEventKind::from_event_type(provider, &event_type),
        event_type,
        user_id: field(&["userId", "user_id"]),
        connection_id: field(&["brokerageAuthorizationId", "connectionId", "connection_id"]),
        account_id: field(&["accountId", "account_id"]),
        broker: field(&["brokerageId", "brokerId", "broker_id"]),
        result: field(&["connectionAttemptedResult"]),
        occurred_at: field(&EVENT_TIME_KEYS).and_then(|t| parse_timestamp(&t)),
        schema_version: field(&["schemaVersion"]),
        oauth_client_id: field(&["oauthClientId"]),
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const VECTOR_BODY: &str = r#"{"clientId":"TEST","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","eventType":"USER_REGISTERED","userId":"u1","webhookId":"00000000-0000-0000-0000-000000000001"}"#;

    fn pairs(headers: &[(String, String)]) -> Vec<(&str, &str)> {
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn the_notes_snaptrade_vector() {
        let key = Secret::new("test-consumer-key");
        let headers = [("Signature", "9ZYJbBLz9F7q25SLrs/NLjgmRMoueNEA5sbQcW0ME1c=")];
        let event = verify_webhook(VECTOR_BODY.as_bytes(), headers, &[key], &WebhookOptions::default()).unwrap();
        assert_eq!(event.kind, WebhookEventKind::UserRegistered);
        assert_eq!(event.id, "00000000-0000-0000-0000-000000000001");
        assert_eq!(event.user_id.as_deref(), Some("u1"));
        // Reordered keys and whitespace still verify: SnapTrade signs the parsed payload.
        let reordered = r#"{ "userId": "u1", "eventType": "USER_REGISTERED", "clientId": "TEST", "webhookId": "00000000-0000-0000-0000-000000000001", "eventTimestamp": "2026-01-01T00:00:00.000000+00:00" }"#;
        let headers = [("SIGNATURE", "9ZYJbBLz9F7q25SLrs/NLjgmRMoueNEA5sbQcW0ME1c=")];
        assert!(verify_webhook(
            reordered.as_bytes(),
            headers,
            &[Secret::new("test-consumer-key")],
            &WebhookOptions::default()
        )
        .is_ok());
    }

    #[test]
    fn standard_webhooks_rotation_and_tolerance() {
        let old = Secret::new(format!("whsec_{}", BASE64.encode(b"old-secret-bytes")));
        let new = Secret::new(format!("whsec_{}", BASE64.encode(b"new-secret-bytes")));
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let body = br#"{"eventType":"CONNECTION_ADDED","webhookId":"w1","brokerageAuthorizationId":"c1"}"#;
        let signer = WebhookSigner::Standard {
            secret: new.clone(),
            id: "msg_1".into(),
            timestamp: now.timestamp(),
        };
        let signed = sign_webhook(body, &signer).unwrap();
        let options = WebhookOptions {
            now: Some(now),
            ..WebhookOptions::default()
        };
        let event = verify_webhook(body, pairs(&signed), &[old.clone(), new.clone()], &options).unwrap();
        assert_eq!(event.kind, WebhookEventKind::ConnectionAdded);
        assert_eq!(event.connection_id.as_deref(), Some("c1"));
        let err = verify_webhook(body, pairs(&signed), std::slice::from_ref(&old), &options).unwrap_err();
        assert_eq!(err.reason(), Some("no_matching_signature"));
        let late = WebhookOptions {
            now: Some(now + chrono::Duration::seconds(301)),
            ..WebhookOptions::default()
        };
        let err = verify_webhook(body, pairs(&signed), std::slice::from_ref(&new), &late).unwrap_err();
        assert_eq!(err.reason(), Some("timestamp_out_of_tolerance"));
        let mut tampered = body.to_vec();
        tampered[20] ^= 1;
        let err = verify_webhook(&tampered, pairs(&signed), &[new], &options).unwrap_err();
        assert_eq!(err.reason(), Some("no_matching_signature"));
    }

    #[test]
    fn finatic_signature_and_event_mapping() {
        let secret = Secret::new("fin-secret");
        let body = br#"{"id":"evt_1","type":"account.grant.created","data":{"userId":"u9","accountId":"a1"}}"#;
        let signed = sign_webhook(body, &WebhookSigner::Finatic { secret: secret.clone() }).unwrap();
        let event = verify_webhook(body, pairs(&signed), &[secret], &WebhookOptions::default()).unwrap();
        let whsec = Secret::new(format!("whsec_{}", BASE64.encode(b"k")));
        // A whsec_ secret demands Standard Webhooks headers: dropping them (or letting them go
        // stale) must not fall back to a signature without a timestamp.
        let signed = sign_webhook(body, &WebhookSigner::Finatic { secret: whsec.clone() }).unwrap();
        let err = verify_webhook(body, pairs(&signed), &[whsec], &WebhookOptions::default()).unwrap_err();
        assert_eq!(err.reason(), Some("missing_header"));
        assert_eq!(
            (event.provider, event.kind),
            (ProviderKind::Finatic, WebhookEventKind::ConnectionAdded)
        );
        assert_eq!(
            (event.user_id.as_deref(), event.account_id.as_deref()),
            (Some("u9"), Some("a1"))
        );
    }

    #[test]
    fn failures_name_their_reason() {
        let key = Secret::new("k");
        let opts = WebhookOptions::default();
        let reason = |r: Result<WebhookEvent>| r.unwrap_err().reason();
        assert_eq!(
            reason(verify_webhook(b"{}", [("x", "y")], std::slice::from_ref(&key), &opts)),
            Some("missing_header")
        );
        let bad = [("X-Finatic-Signature", "md5=abc")];
        assert_eq!(
            reason(verify_webhook(b"{}", bad, std::slice::from_ref(&key), &opts)),
            Some("malformed_header")
        );
        let signed = sign_webhook(
            b"[1]",
            &WebhookSigner::SnapTrade {
                consumer_key: key.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            reason(verify_webhook(
                b"[1]",
                pairs(&signed),
                std::slice::from_ref(&key),
                &opts
            )),
            Some("invalid_payload")
        );
        let unknown = br#"{"eventType":"SOMETHING_NEW","webhookId":"w"}"#;
        let signed = sign_webhook(
            unknown,
            &WebhookSigner::SnapTrade {
                consumer_key: key.clone(),
            },
        )
        .unwrap();
        let event = verify_webhook(unknown, pairs(&signed), &[key], &opts).unwrap();
        assert_eq!(
            (event.kind, event.event_type.as_str()),
            (WebhookEventKind::Unknown, "SOMETHING_NEW")
        );
    }

    fn snaptrade_signed(body: &str, key: &Secret) -> Vec<(String, String)> {
        sign_webhook(
            body.as_bytes(),
            &WebhookSigner::SnapTrade {
                consumer_key: key.clone(),
            },
        )
        .unwrap()
    }

    #[test]
    fn empty_secrets_are_refused_not_used_as_keys() {
        let body = br#"{"eventType":"USER_REGISTERED","webhookId":"w"}"#;
        // What a body "signed" with the empty key carries.
        let canonical = canonical_json(&serde_json::from_slice(body).unwrap(), NonAscii::Escape);
        let empty_signature = hmac_base64(b"", canonical.as_bytes());
        let standard_empty = {
            let mut signed = b"m.1767225600.".to_vec();
            signed.extend_from_slice(body);
            format!("v1,{}", BASE64.encode(hmac_sha256(b"", &signed)))
        };
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let options = WebhookOptions {
            now: Some(now),
            ..WebhookOptions::default()
        };
        let cases: [(&str, Vec<(&str, &str)>); 2] = [
            ("", vec![("Signature", empty_signature.as_str())]),
            (
                "whsec_",
                vec![
                    ("webhook-id", "m"),
                    ("webhook-timestamp", "1767225600"),
                    ("webhook-signature", standard_empty.as_str()),
                ],
            ),
        ];
        for (secret, headers) in cases {
            let err = verify_webhook(body, headers, &[Secret::new(secret)], &options).unwrap_err();
            assert_eq!(
                (err.kind(), err.field()),
                (crate::ErrorKind::InvalidInput, Some("secrets")),
                "{secret:?}"
            );
            let signer = WebhookSigner::Finatic {
                secret: Secret::new(secret),
            };
            assert_eq!(sign_webhook(body, &signer).unwrap_err().field(), Some("secret"));
        }
    }

    #[test]
    fn max_event_age_fails_closed() {
        let key = Secret::new("k");
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let options = WebhookOptions {
            max_event_age: Some(Duration::from_secs(3600)),
            now: Some(now),
            ..WebhookOptions::default()
        };
        let outcome = |body: &str| {
            verify_webhook(
                body.as_bytes(),
                pairs(&snaptrade_signed(body, &key)),
                std::slice::from_ref(&key),
                &options,
            )
        };
        let reason = |body: &str| outcome(body).unwrap_err().reason();
        assert_eq!(
            reason(r#"{"eventType":"USER_REGISTERED","webhookId":"w"}"#),
            Some("invalid_event_timestamp")
        );
        assert_eq!(
            reason(r#"{"eventType":"USER_REGISTERED","webhookId":"w","eventTimestamp":1767225600000}"#),
            Some("invalid_event_timestamp")
        );
        assert_eq!(
            reason(r#"{"eventType":"USER_REGISTERED","webhookId":"w","eventTimestamp":"2026-01-01T00:05:01+00:00"}"#),
            Some("timestamp_out_of_tolerance")
        );
        assert_eq!(
            reason(r#"{"eventType":"USER_REGISTERED","webhookId":"w","eventTimestamp":"2025-12-31T22:59:59+00:00"}"#),
            Some("timestamp_out_of_tolerance")
        );
        // Within the clock tolerance ahead, and within the age behind.
        for fine in ["2026-01-01T00:04:59+00:00", "2025-12-31T23:00:01+00:00"] {
            let body = format!(r#"{{"eventType":"USER_REGISTERED","webhookId":"w","eventTimestamp":"{fine}"}}"#);
            assert!(outcome(&body).is_ok(), "{fine}");
        }
        // Without the limit, an event with no time is fine: SnapTrade retries come late anyway.
        let body = r#"{"eventType":"USER_REGISTERED","webhookId":"w"}"#;
        let plain = WebhookOptions::default();
        assert!(verify_webhook(body.as_bytes(), pairs(&snaptrade_signed(body, &key)), &[key], &plain).is_ok());
    }

    #[test]
    fn the_specs_spelling_oauth_fields_and_a_redacted_webhook_secret() {
        let key = Secret::new("k");
        let body = r#"{"webookId":"0b3ebefb-0000-4000-8000-000000000001","schemaVersion":"oauth_v1","oauthClientId":"app-1","eventType":"CONNECTION_ADDED","connectionId":"c1","userId":"u1","eventTimestamp":"2026-01-01T00:00:00+00:00","webhookSecret":"legacy-webhook-secret"}"#;
        let event = verify_webhook(
            body.as_bytes(),
            pairs(&snaptrade_signed(body, &key)),
            &[key],
            &WebhookOptions::default(),
        )
        .unwrap();
        assert_eq!(event.id, "0b3ebefb-0000-4000-8000-000000000001");
        assert_eq!(event.schema_version.as_deref(), Some("oauth_v1"));
        assert_eq!(event.oauth_client_id.as_deref(), Some("app-1"));
        assert_eq!(event.connection_id.as_deref(), Some("c1"));
        assert_eq!(event.raw["webhookSecret"], "***");
        let printed = format!("{event:?} {}", event.raw);
        assert!(!printed.contains("legacy-webhook-secret"), "{printed}");
    }
}
