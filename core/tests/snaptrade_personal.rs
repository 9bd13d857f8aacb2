#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! A SnapTrade Personal API key: signed like a Commercial key, acting as its own user, so
//! user-scoped calls take no user and user management is refused. A recording proxy sees what
//! travels.

mod support;

use brokerlink::{Client, ConnectionStatus, ErrorKind, PortalOptions, UserCredentials, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::time::Duration;
use support::recording_proxy;

fn personal(sandbox: &Sandbox, base: &str) -> Client {
    Client::builder()
        .snaptrade_personal(sandbox.personal_client_id(), sandbox.personal_consumer_key())
        .base_url(base)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_personal_key_connects_and_reads_as_its_own_user() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let client = personal(&sandbox, &base);
    assert!(client.connections(None).await.unwrap().is_empty());
    let link = client.portal_url(None, &PortalOptions::default()).await.unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    let wait = WaitOptions {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        ..WaitOptions::default()
    };
    let connection = client.wait_for_connection(None, &wait).await.unwrap();
    assert_eq!(connection.status, ConnectionStatus::Active);
    let accounts = client.accounts(None).await.unwrap();
    assert_eq!(accounts.len(), 2);
    assert!(!client.positions(None, &accounts[0].id).await.unwrap().is_empty());

    let lines = support::lines(&seen);
    assert!(lines.len() >= 5, "{lines:#?}");
    for line in &lines {
        assert!(
            line.contains(&format!("clientId={}", sandbox.personal_client_id())),
            "{line}"
        );
        assert!(!line.contains("userId=") && !line.contains("userSecret="), "{line}");
    }

    // The personal user is the key's, not one of the partner's users.
    let partner = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let users = partner.list_users().await.unwrap();
    assert!(!users.contains(&sandbox.personal_user_id().to_owned()), "{users:?}");
    assert_eq!(sandbox.state().users, 0);
}

#[tokio::test]
async fn each_kind_of_key_refuses_the_other_kinds_calls_before_any_request() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let client = personal(&sandbox, &base);
    for refused in [
        client.register_user("someone").await.unwrap_err(),
        client.list_users().await.unwrap_err(),
        client
            .delete_user(&UserCredentials::new("someone", "secret"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{refused}");
        assert_eq!(refused.attempts(), 0);
    }
    let named = client
        .accounts(&UserCredentials::new("someone", "secret"))
        .await
        .unwrap_err();
    assert_eq!((named.kind(), named.field()), (ErrorKind::InvalidInput, Some("user")));

    let partner = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(&base)
        .build()
        .unwrap();
    let nobody = partner.accounts(None).await.unwrap_err();
    assert_eq!((nobody.kind(), nobody.field()), (ErrorKind::InvalidInput, Some("user")));
    assert!(seen.lock().unwrap().is_empty(), "{:#?}", support::lines(&seen));
}

#[tokio::test]
async fn the_sandbox_verifies_personal_signatures_and_keeps_users_to_commercial_keys() {
    let config = SandboxConfig {
        personal_client_id: "PERSONAL-TEST".into(),
        personal_consumer_key: "personal-key".into(),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    // The right client id with the Commercial key's signature is not the personal key.
    let mixed = Client::builder()
        .snaptrade_personal("PERSONAL-TEST", sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let refused = mixed.accounts(None).await.unwrap_err();
    assert_eq!((refused.kind(), refused.status()), (ErrorKind::Unauthorized, Some(401)));

    // What a Personal key sends to a user-management route, as another client would send it.
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let query = format!("clientId=PERSONAL-TEST&timestamp={timestamp}");
    let body = serde_json::json!({ "userId": "x" });
    let signed = brokerlink::signing::signing_string(
        Some(&body),
        "/snapTrade/registerUser",
        &query,
        brokerlink::signing::NonAscii::Escape,
    );
    let signature = brokerlink::signing::hmac_base64(b"personal-key", signed.as_bytes());
    let answer = reqwest::Client::new()
        .post(format!("{}/snapTrade/registerUser?{query}", sandbox.url()))
        .header("Signature", signature)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    let error: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(error["code"], "1066");

    // A reset keeps the personal key's user.
    sandbox.reset();
    let client = personal(&sandbox, sandbox.url());
    assert!(client.connections(None).await.unwrap().is_empty());
    assert!(SandboxConfig {
        personal_client_id: "SAME".into(),
        client_id: "SAME".into(),
        ..SandboxConfig::default()
    }
    .check()
    .is_err());
}
