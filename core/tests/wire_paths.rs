#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The bytes of every id-bearing request line, seen by a recording proxy in front of the
//! sandbox (which verifies signatures over the decoded path, as a real server does): ids go out
//! as written, escaped only where RFC 3986 requires it.

mod support;

use brokerlink::{Client, ConnectionStatus, ErrorKind, PortalOptions, RetryPolicy, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::time::Duration;
use support::recording_proxy;

#[tokio::test]
async fn ids_travel_unescaped_and_verify_over_the_decoded_path() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let user = client.register_user("wire-paths").await.unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
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
    let id = client.wait_for_connection(&user, &wait).await.unwrap().id;
    assert_eq!(client.connection(&user, &id).await.unwrap().id, id);
    let accounts = client.connection_accounts(&user, &id).await.unwrap();
    let account_id = accounts[0].id.clone();
    assert_eq!(client.account(&user, &account_id).await.unwrap().id, account_id);
    client.refresh_connection(&user, &id).await.unwrap();
    client.disable_connection(&user, &id).await.unwrap();
    client.remove_connection(&user, &id).await.unwrap();

    let seen = support::lines(&seen);
    for (method, path) in [
        ("GET", format!("/authorizations/{id}?")),
        ("GET", format!("/authorizations/{id}/accounts?")),
        ("GET", format!("/accounts/{account_id}?")),
        ("POST", format!("/authorizations/{id}/refresh?")),
        ("POST", format!("/authorizations/{id}/disable?")),
        ("DELETE", format!("/connection/{id}?")),
    ] {
        let line = format!("{method} {path}");
        assert!(seen.iter().any(|s| s.starts_with(&line)), "no `{line}` in {seen:#?}");
    }
    assert!(seen.iter().all(|s| !s.contains("%2D")), "{seen:#?}");
}

/// A full Finatic flow reads through v1 only: the broker catalogue is the one beta route left,
/// since v1 has none.
#[tokio::test]
async fn a_finatic_flow_uses_v1_routes_and_a_revoked_grant_is_a_removed_connection() {
    let config = SandboxConfig {
        pending_activation: Duration::from_millis(300),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let client = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let session = client.start_session(None).await.unwrap();
    let link = client
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_pending".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    let user = client.session_user(&session).await.unwrap();
    let wait = WaitOptions {
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_millis(50),
        ..WaitOptions::default()
    };
    // Pending until the sync status says ready.
    let connection = client.wait_for_connection(&user, &wait).await.unwrap();
    assert_eq!(connection.status, ConnectionStatus::Active);
    let id = connection.id.clone();
    // Alpaca's two accounts, each shared by its own grant: two connections.
    assert_eq!(client.connections(&user).await.unwrap().len(), 2);
    assert_eq!(client.connection(&user, &id).await.unwrap().broker.slug, "alpaca");
    let accounts = client.connection_accounts(&user, &id).await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].connection_id.as_deref(), Some(id.as_str()));
    assert!(accounts[0].synced);
    let account_id = accounts[0].id.clone();
    assert_eq!(client.account(&user, &account_id).await.unwrap().id, account_id);
    assert_eq!(client.accounts(&user).await.unwrap().len(), 2);
    // Account data reads v1 too.
    client.positions(&user, &account_id).await.unwrap();
    client.balances(&user, &account_id).await.unwrap();
    let orders = client
        .orders(&user, &account_id, &brokerlink::OrderQuery::default())
        .await
        .unwrap();
    client.order(&user, &account_id, &orders[0].id).await.unwrap();
    client
        .activities(&user, &account_id, &brokerlink::ActivityQuery::default())
        .await
        .unwrap();

    // Bad input fails before any request; unknown ids are not_found.
    let before = seen.lock().unwrap().len();
    let bad = client.connection(&user, "grant-1").await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    assert_eq!(bad.field(), Some("connection_id"));
    let bad = client.remove_connection(&user, "grant-1").await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "a request went out for a bad grant id"
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        client.connection(&user, unknown).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        client.account(&user, unknown).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Removing revokes the grant: the connection reads as removed and shares nothing more.
    client.remove_connection(&user, &id).await.unwrap();
    let removed = client.connection(&user, &id).await.unwrap();
    assert_eq!(removed.status, ConnectionStatus::Removed);
    assert_eq!(removed.raw_status, "revoked");
    assert!(removed.disabled_at.is_some());
    let left = client.connections(&user).await.unwrap();
    assert!(left.len() == 1 && left[0].id != id, "{left:?}");
    let accounts_left = client.accounts(&user).await.unwrap();
    assert!(accounts_left.len() == 1 && accounts_left[0].id != account_id);
    // Removing again is done already.
    client.remove_connection(&user, &id).await.unwrap();

    let seen = support::lines(&seen);
    let beta: Vec<&String> = seen
        .iter()
        .filter(|s| {
            s.contains(" /api/beta/") && !s.starts_with("GET /api/beta/brokers/?") && *s != "GET /api/beta/brokers/"
        })
        .collect();
    assert!(beta.is_empty(), "beta routes used: {beta:#?}");
    for line in [
        format!("GET /api/v1/account-grants/{id}"),
        format!("POST /api/v1/account-grants/{id}/revoke"),
        format!("GET /api/v1/accounts/{account_id}"),
        "GET /api/v1/accounts?limit=100&offset=0&include_sync_status=true".to_owned(),
        "GET /api/v1/account-grants".to_owned(),
        format!("GET /api/v1/accounts/{account_id}/positions?limit=1000&offset=0"),
        format!("GET /api/v1/accounts/{account_id}/balances?limit=1000&offset=0"),
        format!("GET /api/v1/accounts/{account_id}/orders?limit=1000&offset=0"),
        format!("GET /api/v1/accounts/{account_id}/orders/{}", orders[0].id),
        format!("GET /api/v1/accounts/{account_id}/transactions?limit=1000&offset=0"),
    ] {
        assert!(seen.iter().any(|s| s.starts_with(&line)), "no `{line}` in {seen:#?}");
    }
    // The user's own session (not the portal's) asks whether the account is ready.
    assert!(
        seen.iter()
            .any(|s| s.starts_with("GET /api/v1/sessions/") && s.contains("/sync-status")),
        "{seen:#?}"
    );
}
