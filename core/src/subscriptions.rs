//! Webhook subscriptions managed through the API (Finatic's `/api/v1/webhooks/…`): which URL
//! gets which events. SnapTrade configures its webhooks in its dashboard instead.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::validate;
use chrono::{DateTime, Utc};
use url::Url;

/// One event type a provider can send, from its catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEventType {
    /// As the provider names it (`account.grant.created`).
    pub event_type: String,
    pub category: String,
    pub description: Option<String>,
}

/// Whether a webhook subscription is delivered to; the provider's word is in
/// `WebhookSubscription::raw_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookSubscriptionStatus {
    Active,
    /// Paused: kept, not delivered to, can be enabled again.
    Disabled,
    /// Ended for good.
    Revoked,
    /// A status brokerlink does not know yet; read `raw_status`.
    Unknown,
}

impl WebhookSubscriptionStatus {
    pub const ALL: [WebhookSubscriptionStatus; 4] = [
        WebhookSubscriptionStatus::Active,
        WebhookSubscriptionStatus::Disabled,
        WebhookSubscriptionStatus::Revoked,
        WebhookSubscriptionStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookSubscriptionStatus::Active => "active",
            WebhookSubscriptionStatus::Disabled => "disabled",
            WebhookSubscriptionStatus::Revoked => "revoked",
            WebhookSubscriptionStatus::Unknown => "unknown",
        }
    }

    /// The provider's word; unknown words are `Unknown`.
    pub fn parse(word: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(word))
            .unwrap_or(WebhookSubscriptionStatus::Unknown)
    }
}

/// A URL that receives the provider's webhook events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub status: WebhookSubscriptionStatus,
    /// The provider's own word for the status.
    pub raw_status: String,
    pub description: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The key its deliveries are signed with; the provider sends it once, on creation: store
    /// it for `verify_webhook`.
    pub secret: Option<Secret>,
}

/// A webhook subscription to create (Finatic).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewWebhookSubscription {
    /// An absolute `https` (or, for local tests, `http`) URL.
    pub url: String,
    /// At least one event type from the catalogue.
    pub event_types: Vec<String>,
    pub description: Option<String>,
}

/// What to change on a webhook subscription (Finatic); `None` keeps a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookSubscriptionUpdate {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// `false` pauses deliveries, `true` resumes them.
    pub enabled: Option<bool>,
}

fn check_url(field: &str, url: &str) -> Result<()> {
    let parsed = Url::parse(url).map_err(|_| Error::invalid_input(field, "is not an absolute URL"))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(Error::invalid_input(field, "must be an http(s) URL with a host"));
    }
    Ok(())
}

fn check_event_types(types: &[String]) -> Result<()> {
    if types.is_empty() {
        return Err(Error::invalid_input("event_types", "must name at least one event type"));
    }
    for event_type in types {
        validate::identifier("event_types", event_type)?;
    }
    Ok(())
}

impl NewWebhookSubscription {
    pub(crate) fn check(&self) -> Result<()> {
        check_url("url", &self.url)?;
        check_event_types(&self.event_types)
    }
}

impl WebhookSubscriptionUpdate {
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(url) = &self.url {
            check_url("url", url)?;
        }
        if let Some(types) = &self.event_types {
            check_event_types(types)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn bad_subscriptions_name_their_field() {
        let good = NewWebhookSubscription {
            url: "https://app.example/hooks".into(),
            event_types: vec!["account.grant.created".into()],
            description: None,
        };
        assert!(good.check().is_ok());
        for (bad, field) in [
            (
                NewWebhookSubscription {
                    url: "/hooks".into(),
                    ..good.clone()
                },
                "url",
            ),
            (
                NewWebhookSubscription {
                    url: "ftp://x/".into(),
                    ..good.clone()
                },
                "url",
            ),
            (
                NewWebhookSubscription {
                    event_types: vec![],
                    ..good.clone()
                },
                "event_types",
            ),
            (
                NewWebhookSubscription {
                    event_types: vec!["".into()],
                    ..good.clone()
                },
                "event_types",
            ),
        ] {
            let e = bad.check().unwrap_err();
            assert_eq!((e.kind(), e.field()), (ErrorKind::InvalidInput, Some(field)), "{bad:?}");
        }
        let update = WebhookSubscriptionUpdate {
            url: Some("nope".into()),
            ..Default::default()
        };
        assert_eq!(update.check().unwrap_err().field(), Some("url"));
    }

    #[test]
    fn statuses_come_from_the_providers_words() {
        assert_eq!(
            WebhookSubscriptionStatus::parse("Revoked"),
            WebhookSubscriptionStatus::Revoked
        );
        assert_eq!(
            WebhookSubscriptionStatus::parse("paused?"),
            WebhookSubscriptionStatus::Unknown
        );
        for s in WebhookSubscriptionStatus::ALL {
            assert_eq!(WebhookSubscriptionStatus::parse(s.as_str()), s);
        }
    }
}
