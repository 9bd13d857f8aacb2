//! Building valid deliveries, for users' own tests and for the sandbox.

use super::{check_secret, whsec_key};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::signing::{canonical_json, hmac_base64, hmac_sha256, NonAscii};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;
use std::fmt::Write as _;

/// Which signatures `sign_webhook` adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookSigner {
    /// SnapTrade's `Signature` over canonical JSON, keyed by the consumer key.
    SnapTrade { consumer_key: Secret },
    /// Standard Webhooks headers, keyed by a `whsec_` secret.
    Standard { secret: Secret, id: String, timestamp: i64 },
    /// Finatic's `X-Finatic-Signature`.
    Finatic { secret: Secret },
}

/// Builds the headers of a valid delivery of `body`, for users' own tests.
pub fn sign_webhook(body: &[u8], signer: &WebhookSigner) -> Result<Vec<(String, String)>> {
    match signer {
        WebhookSigner::SnapTrade { consumer_key } => check_secret("consumer_key", consumer_key)?,
        WebhookSigner::Standard { secret, .. } | WebhookSigner::Finatic { secret } => check_secret("secret", secret)?,
    }
    Ok(match signer {
        WebhookSigner::SnapTrade { consumer_key } => {
            let value: Value =
                serde_json::from_slice(body).map_err(|e| Error::invalid_input("body", format!("is not JSON: {e}")))?;
            let canonical = canonical_json(&value, NonAscii::Escape);
            vec![(
                "Signature".into(),
                hmac_base64(consumer_key.expose().as_bytes(), canonical.as_bytes()),
            )]
        }
        WebhookSigner::Standard { secret, id, timestamp } => {
            let key = whsec_key(secret)?;
            let mut signed = format!("{id}.{timestamp}.").into_bytes();
            signed.extend_from_slice(body);
            vec![
                ("webhook-id".into(), id.clone()),
                ("webhook-timestamp".into(), timestamp.to_string()),
                (
                    "webhook-signature".into(),
                    format!("v1,{}", BASE64.encode(hmac_sha256(&key, &signed))),
                ),
            ]
        }
        WebhookSigner::Finatic { secret } => {
            let mut hex = String::with_capacity(71);
            hex.push_str("sha256=");
            for byte in hmac_sha256(secret.expose().as_bytes(), body) {
                let _ = write!(hex, "{byte:02x}");
            }
            vec![("X-Finatic-Signature".into(), hex)]
        }
    })
}
