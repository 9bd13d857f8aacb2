//! Webhook verification and signing: the core's `verify_webhook` / `sign_webhook`, taking the
//! raw body as bytes (Kotlin `ByteArray`, Swift `Data`).

use crate::error::{guard, Result};
use crate::generated::WebhookEvent;
use brokerlink::Secret;
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

/// How strictly to verify; unset fields keep the defaults (300 s tolerance, no event age
/// limit, the system clock).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct WebhookOptions {
    /// Allowed distance between `webhook-timestamp` and now (Standard Webhooks).
    #[uniffi(default = None)]
    pub tolerance: Option<Duration>,
    /// Reject events whose own timestamp is older than this.
    #[uniffi(default = None)]
    pub max_event_age: Option<Duration>,
    /// The clock to check against (tests pass a fixed instant).
    #[uniffi(default = None)]
    pub now: Option<SystemTime>,
}

/// Verifies a delivery from the exact bytes received and its headers (names in any case;
/// join repeated headers with `, `), against any of `secrets` (`whsec_…` endpoint secrets,
/// the SnapTrade consumer key, Finatic subscription secrets). Fails with `webhook_invalid`
/// and a `reason`.
#[uniffi::export(default(options))]
pub fn verify_webhook(
    body: Vec<u8>,
    headers: HashMap<String, String>,
    secrets: Vec<String>,
    options: WebhookOptions,
) -> Result<WebhookEvent> {
    guard(|| {
        let options = brokerlink::WebhookOptions {
            tolerance: options.tolerance.unwrap_or(brokerlink::DEFAULT_TOLERANCE),
            max_event_age: options.max_event_age,
            now: options.now.map(Into::into),
        };
        let secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
        brokerlink::verify_webhook(&body, headers.iter(), &secrets, &options).map(WebhookEvent::from)
    })
}

/// Which signatures `signWebhook` adds. `toString()` / `description` hide the secrets.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum WebhookSigner {
    /// SnapTrade's `Signature`, keyed by the consumer key.
    SnapTrade { consumer_key: String },
    /// Standard Webhooks headers, keyed by a `whsec_` secret; `timestamp` in Unix seconds.
    Standard { secret: String, id: String, timestamp: i64 },
    /// Finatic's `X-Finatic-Signature`.
    Finatic { secret: String },
}

impl fmt::Display for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookSigner::SnapTrade { .. } => f.write_str("SnapTrade(consumerKey=***)"),
            WebhookSigner::Standard { id, timestamp, .. } => {
                write!(f, "Standard(secret=***, id={id:?}, timestamp={timestamp})")
            }
            WebhookSigner::Finatic { .. } => f.write_str("Finatic(secret=***)"),
        }
    }
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<WebhookSigner> for brokerlink::WebhookSigner {
    fn from(s: WebhookSigner) -> Self {
        match s {
            WebhookSigner::SnapTrade { consumer_key } => brokerlink::WebhookSigner::SnapTrade {
                consumer_key: Secret::new(consumer_key),
            },
            WebhookSigner::Standard { secret, id, timestamp } => brokerlink::WebhookSigner::Standard {
                secret: Secret::new(secret),
                id,
                timestamp,
            },
            WebhookSigner::Finatic { secret } => brokerlink::WebhookSigner::Finatic {
                secret: Secret::new(secret),
            },
        }
    }
}

/// The headers of a valid delivery of `body`, for your own tests.
#[uniffi::export]
pub fn sign_webhook(body: Vec<u8>, signer: WebhookSigner) -> Result<HashMap<String, String>> {
    guard(|| Ok(brokerlink::sign_webhook(&body, &signer.into())?.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::WebhookEventKind;

    #[test]
    fn signed_bodies_verify_and_signers_hide_secrets() {
        let body = br#"{"eventType":"USER_REGISTERED","userId":"u1","webhookId":"w1","clientId":"C"}"#.to_vec();
        let signer = WebhookSigner::SnapTrade {
            consumer_key: "ck-secret".into(),
        };
        assert!(!format!("{signer} {signer:?}").contains("ck-secret"));
        let headers = sign_webhook(body.clone(), signer).unwrap();
        let event = verify_webhook(body, headers, vec!["ck-secret".into()], WebhookOptions::default()).unwrap();
        assert_eq!(event.kind, WebhookEventKind::UserRegistered);
        assert_eq!(event.kind.to_string(), "user_registered");
    }
}
