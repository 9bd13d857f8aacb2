//! Webhook verification and signing: the core's `verify_webhook` / `sign_webhook`.

use crate::error::sync;
use crate::generated::WebhookEvent;
use brokerlink::Secret;
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{Buffer, Either};
use napi::Env;
use napi_derive::napi;
use std::collections::HashMap;

/// How strictly to verify; unset fields keep the defaults (300 000 ms tolerance, no event age
/// limit, the system clock). Durations in milliseconds.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct WebhookOptions {
    /// Allowed distance between `webhook-timestamp` and now (Standard Webhooks).
    pub tolerance_ms: Option<f64>,
    /// Reject events whose own timestamp is older than this.
    pub max_event_age_ms: Option<f64>,
    /// The clock to check against (tests pass a fixed instant).
    pub now: Option<DateTime<Utc>>,
}

use brokerlink::duration_from_millis as millis;

impl TryFrom<WebhookOptions> for brokerlink::WebhookOptions {
    type Error = brokerlink::Error;

    fn try_from(o: WebhookOptions) -> brokerlink::Result<Self> {
        Ok(brokerlink::WebhookOptions {
            tolerance: match o.tolerance_ms {
                Some(ms) => millis("tolerance_ms", ms)?,
                None => brokerlink::DEFAULT_TOLERANCE,
            },
            max_event_age: o
                .max_event_age_ms
                .map(|ms| millis("max_event_age_ms", ms))
                .transpose()?,
            now: o.now,
        })
    }
}

/// Verifies a delivery from the exact bytes received (a `Buffer`, or the body as a string)
/// and its headers (e.g. `req.headers`), against any of `secrets` (`whsec_…` endpoint
/// secrets, the SnapTrade consumer key, Finatic subscription secrets). Fails with
/// `webhook_invalid` and a `reason`.
#[napi]
pub fn verify_webhook(
    env: Env,
    body: Either<Buffer, String>,
    #[napi(ts_arg_type = "Record<string, string | string[] | undefined>")] headers: HashMap<
        String,
        Option<Either<String, Vec<String>>>,
    >,
    secrets: Vec<String>,
    options: Option<WebhookOptions>,
) -> napi::Result<WebhookEvent> {
    // Repeated headers arrive as arrays (Node's `req.headers`); each value is one header.
    let pairs: Vec<(String, String)> = headers
        .into_iter()
        .flat_map(|(name, value)| {
            let values = match value {
                None => Vec::new(),
                Some(Either::A(one)) => vec![one],
                Some(Either::B(many)) => many,
            };
            values.into_iter().map(move |v| (name.clone(), v))
        })
        .collect();
    sync(&env, || {
        let options = brokerlink::WebhookOptions::try_from(options.unwrap_or_default())?;
        let secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
        let bytes: &[u8] = match &body {
            Either::A(buffer) => buffer,
            Either::B(text) => text.as_bytes(),
        };
        brokerlink::verify_webhook(bytes, pairs.iter().map(|(k, v)| (k, v)), &secrets, &options).map(WebhookEvent::from)
    })
}

/// Which signatures `signWebhook` adds.
#[napi(discriminant = "type", discriminant_case = "lowercase")]
#[derive(Debug, Clone)]
pub enum WebhookSigner {
    /// SnapTrade's `Signature`, keyed by the consumer key.
    SnapTrade { consumer_key: String },
    /// Standard Webhooks headers, keyed by a `whsec_` secret; `timestamp` in Unix seconds.
    Standard { secret: String, id: String, timestamp: i64 },
    /// Finatic's `X-Finatic-Signature`.
    Finatic { secret: String },
}

impl From<WebhookSigner> for brokerlink::WebhookSigner {
    fn from(s: WebhookSigner) -> Self {
        match s {
            WebhookSigner::SnapTrade { consumer_key } => brokerlink::WebhookSigner::SnapTrade {
                consumer_key: consumer_key.into(),
            },
            WebhookSigner::Standard { secret, id, timestamp } => brokerlink::WebhookSigner::Standard {
                secret: secret.into(),
                id,
                timestamp,
            },
            WebhookSigner::Finatic { secret } => brokerlink::WebhookSigner::Finatic { secret: secret.into() },
        }
    }
}

/// The headers of a valid delivery of `body`, for your own tests.
#[napi]
pub fn sign_webhook(
    env: Env,
    body: Either<Buffer, String>,
    signer: WebhookSigner,
) -> napi::Result<HashMap<String, String>> {
    sync(&env, || {
        let bytes: &[u8] = match &body {
            Either::A(buffer) => buffer,
            Either::B(text) => text.as_bytes(),
        };
        Ok(brokerlink::sign_webhook(bytes, &signer.into())?.into_iter().collect())
    })
}
