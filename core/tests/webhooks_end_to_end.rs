#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The sandbox delivers signed events to a receiver on loopback; the receiver verifies them
//! with `verify_webhook` from the raw bytes; failed deliveries are retried with the same id.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use brokerlink::{
    verify_webhook, Client, NewWebhookSubscription, PortalOptions, Secret, WebhookEventKind, WebhookOptions,
    WebhookSubscriptionStatus, WebhookSubscriptionUpdate,
};
use brokerlink_sandbox::{CompletePortal, NewWebhook, Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver that answers 500 to the first `fail_first` deliveries, 204 after.
async fn receiver(fail_first: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                let mut all = store.lock().unwrap();
                all.push((headers, body));
                if all.len() <= fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn wait_for(received: &Received, count: usize) -> Vec<(HeaderMap, Bytes)> {
    for _ in 0..200 {
        if received.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    received.lock().unwrap().clone()
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

fn fast_config() -> SandboxConfig {
    SandboxConfig {
        webhook_retry_delays: vec![Duration::from_millis(50), Duration::from_millis(50)],
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn portal_success_is_delivered_signed_and_retried_with_the_same_id() {
    let sandbox = Sandbox::start(fast_config()).await.unwrap();
    let (url, received) = receiver(1).await;
    let endpoint = sandbox
        .add_webhook(&NewWebhook {
            url,
            provider: Some("snaptrade".into()),
            event_types: Some(vec!["CONNECTION_ADDED".into()]),
        })
        .unwrap();
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user("hooked").await.unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    let done = sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    let brokerlink::PortalResult::Success {
        connection_id: Some(connection_id),
        ..
    } = done
    else {
        panic!("{done:?}")
    };

    // The first delivery is refused with 500; the retry carries the same event id.
    let deliveries = wait_for(&received, 2).await;
    assert_eq!(deliveries.len(), 2);
    let events: Vec<_> = deliveries
        .iter()
        .map(|(headers, body)| {
            let pairs = header_pairs(headers);
            let by_key = verify_webhook(
                body,
                pairs.iter().map(|(k, v)| (k, v)),
                &[Secret::new(sandbox.consumer_key())],
                &WebhookOptions::default(),
            )
            .unwrap();
            let by_whsec = verify_webhook(
                body,
                pairs.iter().map(|(k, v)| (k, v)),
                &[Secret::new(endpoint.secret.clone())],
                &WebhookOptions::default(),
            )
            .unwrap();
            assert_eq!(by_key, by_whsec);
            by_key
        })
        .collect();
    assert_eq!(events[0].kind, WebhookEventKind::ConnectionAdded);
    assert_eq!(events[0].connection_id.as_deref(), Some(connection_id.as_str()));
    assert_eq!(events[0].user_id.as_deref(), Some("hooked"));
    assert_eq!(events[0].id, events[1].id, "a retry keeps its event id");
    assert_eq!(deliveries[0].0["webhook-id"], deliveries[1].0["webhook-id"]);
    // The body on the wire is exactly SnapTrade's canonical JSON of the event.
    let parsed: serde_json::Value = serde_json::from_slice(&deliveries[0].1).unwrap();
    let canonical = brokerlink::signing::canonical_json(&parsed, brokerlink::signing::NonAscii::Escape);
    assert_eq!(deliveries[0].1, canonical.as_bytes());

    let log = sandbox.webhook_deliveries();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].status, log[0].attempts, log[0].response_code),
        ("delivered", 2, Some(204))
    );

    // A replay is a new delivery of the same event.
    sandbox.replay_delivery(&log[0].id).unwrap();
    let deliveries = wait_for(&received, 3).await;
    assert_eq!(deliveries[2].0["webhook-id"], deliveries[0].0["webhook-id"]);
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_during_the_grace_period() {
    let sandbox = Sandbox::start(fast_config()).await.unwrap();
    let (url, received) = receiver(0).await;
    let endpoint = sandbox
        .add_webhook(&NewWebhook {
            url,
            provider: None,
            event_types: None,
        })
        .unwrap();
    let new_secret = sandbox
        .rotate_webhook_secret(&endpoint.id, Duration::from_secs(60))
        .unwrap()
        .unwrap();
    let err = sandbox.rotate_webhook_secret(&endpoint.id, Duration::MAX).unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (brokerlink::ErrorKind::InvalidInput, Some("grace"))
    );
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    client.register_user("rotating").await.unwrap();
    let deliveries = wait_for(&received, 1).await;
    let (headers, body) = &deliveries[0];
    assert_eq!(headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    let pairs = header_pairs(headers);
    for secret in [endpoint.secret.clone(), new_secret] {
        let event = verify_webhook(
            body,
            pairs.iter().map(|(k, v)| (k, v)),
            &[Secret::new(secret)],
            &WebhookOptions::default(),
        )
        .unwrap();
        assert_eq!(event.kind, WebhookEventKind::UserRegistered);
    }
    assert!(sandbox
        .add_webhook(&NewWebhook {
            url: "https://example.com/hook".into(),
            provider: None,
            event_types: None
        })
        .is_err());
}

#[tokio::test]
async fn finatic_grants_and_timed_expiry_are_delivered() {
    let config = SandboxConfig {
        expiring_after: Duration::from_millis(300),
        ..fast_config()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let (url, received) = receiver(0).await;
    let endpoint = sandbox
        .add_webhook(&NewWebhook {
            url,
            provider: Some("finatic".into()),
            event_types: None,
        })
        .unwrap();
    let client = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let session = client.start_session(None).await.unwrap();
    let link = client
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_expiring".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    // Nobody reads the connection: the sandbox's own timer notices the expiry. Each of the
    // login's two accounts has its own grant, so its own `account.grant.created`.
    let deliveries = wait_for(&received, 3).await;
    let kinds: Vec<_> = deliveries
        .iter()
        .map(|(headers, body)| {
            let pairs = header_pairs(headers);
            assert!(pairs.iter().any(|(k, _)| k == "x-finatic-signature"));
            verify_webhook(
                body,
                pairs.iter().map(|(k, v)| (k, v)),
                &[Secret::new(endpoint.secret.clone())],
                &WebhookOptions::default(),
            )
            .unwrap()
            .kind
        })
        .collect();
    assert_eq!(
        kinds,
        [
            WebhookEventKind::ConnectionAdded,
            WebhookEventKind::ConnectionAdded,
            WebhookEventKind::ConnectionBroken
        ]
    );
}

#[tokio::test]
async fn nothing_goes_out_for_a_removed_endpoint() {
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_retry_delays: vec![Duration::from_millis(100)],
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    // Fails every delivery, so the retry is pending when the endpoint goes away.
    let (url, received) = receiver(usize::MAX).await;
    let endpoint = sandbox
        .add_webhook(&NewWebhook {
            url,
            provider: None,
            event_types: None,
        })
        .unwrap();
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    client.register_user("short-lived").await.unwrap();
    wait_for(&received, 1).await;
    assert!(sandbox.remove_webhook(&endpoint.id));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "a retry went to a removed endpoint");
    let log = sandbox.webhook_deliveries();
    assert_eq!(log[0].status, "failed");
    assert!(sandbox.replay_delivery(&log[0].id).is_none());
}

/// A subscription made through the client is delivered to, signed with the secret its
/// creation returned; revoking a grant through the client is announced too.
#[tokio::test]
async fn a_finatic_subscription_made_by_the_client_is_delivered_and_managed() {
    let sandbox = Sandbox::start(fast_config()).await.unwrap();
    let (url, received) = receiver(0).await;
    let client = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let catalog = client.webhook_catalog().await.unwrap();
    let revoked_type = catalog
        .iter()
        .find(|t| t.event_type == "account.grant.revoked")
        .unwrap();
    assert_eq!(revoked_type.category, "account");
    let created = client
        .create_webhook_subscription(&NewWebhookSubscription {
            url: url.clone(),
            event_types: vec!["account.grant.created".into(), "account.grant.revoked".into()],
            description: Some("brokerlink test".into()),
        })
        .await
        .unwrap();
    assert_eq!(created.status, WebhookSubscriptionStatus::Active);
    let secret = created.secret.clone().expect("the create answer carries the secret");
    assert!(!format!("{created:?}").contains(secret.expose()));
    let listed = client.webhook_subscriptions().await.unwrap();
    let mine = listed.iter().find(|s| s.id == created.id).unwrap();
    assert_eq!(mine.event_types.len(), 2);
    assert!(mine.secret.is_none(), "the secret is sent once");

    let session = client.start_session(None).await.unwrap();
    let link = client
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    let user = client.session_user(&session).await.unwrap();
    let grant = client.connections(&user).await.unwrap().remove(0);
    client.remove_connection(&user, &grant.id).await.unwrap();
    let deliveries = wait_for(&received, 3).await;
    let kinds: Vec<_> = deliveries
        .iter()
        .map(|(headers, body)| {
            let pairs = header_pairs(headers);
            verify_webhook(
                body,
                pairs.iter().map(|(k, v)| (k, v)),
                std::slice::from_ref(&secret),
                &WebhookOptions::default(),
            )
            .unwrap()
            .kind
        })
        .collect();
    assert_eq!(
        kinds,
        [
            WebhookEventKind::ConnectionAdded,
            WebhookEventKind::ConnectionAdded,
            WebhookEventKind::ConnectionDeleted
        ]
    );

    let paused = client
        .update_webhook_subscription(
            &created.id,
            &WebhookSubscriptionUpdate {
                enabled: Some(false),
                description: Some("paused".into()),
                ..WebhookSubscriptionUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(paused.status, WebhookSubscriptionStatus::Disabled);
    assert_eq!(paused.description.as_deref(), Some("paused"));
    let ended = client.revoke_webhook_subscription(&created.id).await.unwrap();
    assert_eq!(ended.status, WebhookSubscriptionStatus::Revoked);
    let missing = client
        .revoke_webhook_subscription("no-such-subscription")
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), brokerlink::ErrorKind::NotFound);

    // Bad input is refused before a request; SnapTrade has no such calls.
    let served = sandbox.state().requests_served;
    let bad = client
        .create_webhook_subscription(&NewWebhookSubscription {
            url: "not a url".into(),
            event_types: vec!["account.grant.created".into()],
            description: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("url"));
    assert_eq!(sandbox.state().requests_served, served);
    let snaptrade = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let refused = snaptrade.webhook_subscriptions().await.unwrap_err();
    assert_eq!(refused.field(), Some("webhook_subscriptions"));
}
