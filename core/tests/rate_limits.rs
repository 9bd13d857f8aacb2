#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! SnapTrade's two rate-limit buckets, against the sandbox: bulk data calls over several
//! accounts stay inside the account bucket without a single 429, and a bucket that stays
//! empty longer than the client will wait fails fast, without a request.

use brokerlink::{
    ActivityQuery, Client, ErrorKind, OrderQuery, PortalOptions, RetryPolicy, UserCredentials, WaitOptions,
};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::time::Duration;

async fn connected(sandbox: &Sandbox, retry: RetryPolicy) -> (Client, UserCredentials, Vec<String>) {
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .retry(retry)
        .build()
        .unwrap();
    let user = client.register_user("bucket-user").await.unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: Some("ALPACA".into()),
        connection_type: None,
    });
    let wait = WaitOptions {
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_millis(20),
        ..WaitOptions::default()
    };
    client.wait_for_connection(&user, &wait).await.unwrap();
    let accounts = client.accounts(&user).await.unwrap();
    let ids = accounts.into_iter().map(|a| a.id).collect();
    (client, user, ids)
}

/// Every data call a dashboard makes for one account, one after another.
async fn read_everything(client: &Client, user: &UserCredentials, account: &str) {
    client.account(user, account).await.unwrap();
    client.positions(user, account).await.unwrap();
    client.balances(user, account).await.unwrap();
    client.orders(user, account, &OrderQuery::default()).await.unwrap();
    client
        .activities(user, account, &ActivityQuery::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn bulk_reads_over_accounts_keep_inside_the_account_bucket_without_a_429() {
    let sandbox = Sandbox::start(SandboxConfig {
        account_rate_limit_per_minute: 2,
        rate_limit_window: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let retry = RetryPolicy {
        max_retry_after: Duration::from_secs(5),
        ..RetryPolicy::default()
    };
    let (client, user, accounts) = connected(&sandbox, retry).await;
    assert_eq!(accounts.len(), 2);
    // Five calls per account against two a window: each account waits out two resets, side
    // by side, and the client sends nothing the sandbox has to refuse.
    let reads = accounts.iter().map(|account| read_everything(&client, &user, account));
    futures_util::future::join_all(reads).await;
    let state = sandbox.state();
    assert_eq!(state.requests_throttled, 0, "no request met an empty bucket");
}

#[tokio::test]
async fn an_account_bucket_empty_for_longer_than_the_client_waits_fails_fast_without_a_request() {
    let sandbox = Sandbox::start(SandboxConfig {
        account_rate_limit_per_minute: 2,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (client, user, accounts) = connected(&sandbox, RetryPolicy::default()).await;
    let (first, second) = (&accounts[0], &accounts[1]);
    client.positions(&user, first).await.unwrap();
    client.balances(&user, first).await.unwrap();
    let served = sandbox.state().requests_served;
    let error = client
        .activities(&user, first, &ActivityQuery::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let retry_after = error.retry_after().unwrap();
    assert!(
        retry_after > Duration::from_secs(10) && retry_after <= Duration::from_secs(60),
        "{retry_after:?}: the rest of the account's minute"
    );
    assert_eq!(error.attempts(), 0);
    assert_eq!(error.status(), None, "decided by the client: nothing was sent");
    assert_eq!(sandbox.state().requests_served, served);
    assert_eq!(sandbox.state().requests_throttled, 0);
    // The other account, and calls on no account, are not held back.
    client.positions(&user, second).await.unwrap();
    client.connections(&user).await.unwrap();
}

#[tokio::test]
async fn a_429_from_an_unknown_bucket_is_waited_out_and_then_respected() {
    let sandbox = Sandbox::start(SandboxConfig {
        account_rate_limit_per_minute: 1,
        rate_limit_window: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let retry = RetryPolicy {
        max_retry_after: Duration::from_secs(5),
        ..RetryPolicy::default()
    };
    let (client, user, accounts) = connected(&sandbox, retry).await;
    let account = &accounts[0];
    // Three calls at once on an account the client knows nothing about yet: two of them meet
    // an empty bucket, wait for its reset as `Retry-After` says, and succeed.
    let all_orders = OrderQuery::default();
    let (a, b, c) = tokio::join!(
        client.positions(&user, account),
        client.balances(&user, account),
        client.orders(&user, account, &all_orders),
    );
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    let throttled = sandbox.state().requests_throttled;
    assert!(
        (1..=3).contains(&throttled),
        "only the first burst met the limit: {throttled}"
    );
    // From now on the client knows the bucket: no more 429s.
    for _ in 0..3 {
        client.positions(&user, account).await.unwrap();
    }
    assert_eq!(sandbox.state().requests_throttled, throttled);
}
