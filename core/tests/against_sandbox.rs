#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The core against a real sandbox over loopback HTTP: what the conformance scenarios do not
//! show in a transcript (wire details, secrecy, legacy paths).

use brokerlink::signing::{hmac_base64, signing_string, NonAscii};
use brokerlink::{Client, ErrorKind, PortalOptions, RetryPolicy, UserCredentials};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::time::Duration;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn client_for(sandbox: &Sandbox, base: &str) -> Client {
    Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    let user = client.register_user("secretive").await.unwrap();
    let secret = user.user_secret.as_ref().unwrap().expose().to_owned();
    let key = sandbox.consumer_key().to_owned();

    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    let mut printed = vec![format!("{client:?}"), format!("{user:?}"), format!("{link:?}")];

    // A failing user-scoped call: its URL carried the secret in the query.
    let wrong = UserCredentials::new("secretive", format!("{secret}-but-wrong"));
    let err = client.connections(&wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    printed.push(format!("{err}"));
    printed.push(format!("{err:?}"));

    // A transport failure: reqwest errors print their URL unless stripped.
    let dead = client_for(&sandbox, "http://127.0.0.1:9");
    let err = dead.connections(&user).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    printed.push(format!("{err}"));
    printed.push(format!("{err:?}"));
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        printed.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    for text in printed {
        assert!(!text.contains(&secret), "user secret leaked: {text}");
        assert!(!text.contains(&key), "consumer key leaked: {text}");
    }
}

#[tokio::test]
async fn errors_carry_request_id_status_and_attempts() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    client.register_user("dup").await.unwrap();
    let err = client.register_user("dup").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.provider_code(), Some("1010"));
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.request_id().map(str::len), Some(36), "{err:?}");
}

#[tokio::test]
async fn legacy_api_v1_base_url_signs_relative_paths() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, &format!("{}/api/v1", sandbox.url()));
    let user = client.register_user("legacy-user").await.unwrap();
    assert_eq!(client.connections(&user).await.unwrap(), vec![]);
    // The legacy prefix is answered with SnapTrade's deprecation flag.
    let response = reqwest::get(format!("{}/api/v1/", sandbox.url())).await.unwrap();
    assert_eq!(response.headers()["deprecation"], "@1781222400");
}

#[tokio::test]
async fn non_ascii_user_ids_round_trip() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    let user = client.register_user("usuário-ñ-😀").await.unwrap();
    assert_eq!(user.user_id, "usuário-ñ-😀");
    assert_eq!(client.list_users().await.unwrap(), vec!["usuário-ñ-😀".to_owned()]);
}

/// Signs a raw request the way the TypeScript SDK does (non-ASCII raw) or with a stale clock.
async fn raw_register(sandbox: &Sandbox, user_id: &str, timestamp: i64, form: NonAscii) -> reqwest::Response {
    let query = format!("clientId={}&timestamp={timestamp}", sandbox.client_id());
    let body = serde_json::json!({ "userId": user_id });
    let signed = signing_string(Some(&body), "/snapTrade/registerUser", &query, form);
    let signature = hmac_base64(sandbox.consumer_key().as_bytes(), signed.as_bytes());
    reqwest::Client::new()
        .post(format!("{}/snapTrade/registerUser?{query}", sandbox.url()))
        .header("Signature", signature)
        .header("Content-Type", "application/json")
        .body(serde_json::to_string(&body).unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sandbox_accepts_raw_utf8_signatures_and_enforces_the_timestamp_window() {
    let sandbox = sandbox().await;
    let now = chrono::Utc::now().timestamp();
    let ok = raw_register(&sandbox, "josé", now, NonAscii::Raw).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-ratelimit-remaining"));
    let stale = raw_register(&sandbox, "late", now - 301, NonAscii::Escape).await;
    assert_eq!(stale.status(), 401);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["code"], "1076");
}

#[tokio::test]
async fn every_response_has_a_unique_request_id() {
    let sandbox = sandbox().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/", "/", "/nope", "/_sandbox/state", "/portal/assets/portal.js"] {
        let response = reqwest::get(format!("{}{path}", sandbox.url())).await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(seen.insert(id), "duplicate request id for {path}");
    }
}

#[tokio::test]
async fn timeout_applies_per_attempt() {
    let sandbox = sandbox().await;
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    sandbox
        .inject_fault(serde_json::from_value(serde_json::json!({"count": 1, "fault": {"delay_ms": 1000}})).unwrap())
        .unwrap();
    let err = client.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn portal_completion_reports_typed_results() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    let user = client.register_user("typed").await.unwrap();
    let trade = PortalOptions {
        connection_type: Some(brokerlink::ConnectionType::Trade),
        ..PortalOptions::default()
    };
    let link = client.portal_url(&user, &trade).await.unwrap();
    let remaining = link.expires_at - chrono::Utc::now();
    assert!(remaining.num_seconds() > 290 && remaining.num_seconds() <= 300);
    let result = sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: Some("QUESTRADE".into()),
        connection_type: Some("trade".into()),
    });
    let brokerlink::PortalResult::Success {
        connection_id: Some(id),
        ..
    } = result
    else {
        panic!("unexpected {result:?}");
    };
    let connection = client.connection(&user, &id).await.unwrap();
    assert_eq!(connection.broker.slug, "QUESTRADE");
    assert_eq!(connection.permission, brokerlink::Permission::Trade);
    let accounts = client.accounts(&user).await.unwrap();
    assert_eq!(accounts[0].balance.as_ref().unwrap().currency, "CAD");
}

#[tokio::test]
async fn redirects_are_not_followed_so_credentials_stay_home() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    // Where a hostile redirect would send the request, with the credential headers.
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    let elsewhere = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "[]" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/stolen", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, elsewhere).await });
    let redirector = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move { (axum::http::StatusCode::TEMPORARY_REDIRECT, [("location", target)], "") }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirector).await });

    let finatic = Client::builder()
        .finatic("fntc_sandbox_key")
        .base_url(&base)
        .build()
        .unwrap();
    let err = finatic.start_session(None).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(307)));
    let snaptrade = Client::builder().snaptrade("c", "k").base_url(&base).build().unwrap();
    let err = snaptrade
        .connections(&UserCredentials::new("u", "user-secret"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(307));
    assert_eq!(reached.load(Ordering::SeqCst), 0, "a redirect was followed");
}

#[tokio::test]
async fn wait_returns_a_connection_reconnected_before_the_wait_began() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    let user = client.register_user("reconnecting").await.unwrap();
    let complete = |url: String| CompletePortal {
        url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    };
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    sandbox.complete_portal(&complete(link.url));
    let id = client.connections(&user).await.unwrap()[0].id.clone();
    client.disable_connection(&user, &id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = chrono::Utc::now();
    let repair = PortalOptions {
        reconnect: Some(id.clone()),
        ..PortalOptions::default()
    };
    let link = client.portal_url(&user, &repair).await.unwrap();
    sandbox.complete_portal(&complete(link.url));
    // The repair finished before the wait: the connection is active at the first poll, with
    // its old creation time. It still counts, because it was updated since.
    let options = brokerlink::WaitOptions {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(50),
        since: Some(since),
        ..brokerlink::WaitOptions::default()
    };
    assert_eq!(client.wait_for_connection(&user, &options).await.unwrap().id, id);
}

#[tokio::test]
async fn wait_polls_through_passing_failures_and_keeps_its_deadline() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox, sandbox.url());
    let user = client.register_user("patient").await.unwrap();
    sandbox
        .inject_fault(
            serde_json::from_value(
                serde_json::json!({"path_prefix": "/authorizations", "count": 3, "fault": {"status": 503}}),
            )
            .unwrap(),
        )
        .unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    let options = brokerlink::WaitOptions {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        ..brokerlink::WaitOptions::default()
    };
    assert!(client.wait_for_connection(&user, &options).await.is_ok());
    // A server slower than the whole wait: the wait still ends on time.
    sandbox
        .inject_fault(serde_json::from_value(serde_json::json!({"count": 5, "fault": {"delay_ms": 3000}})).unwrap())
        .unwrap();
    let short = brokerlink::WaitOptions {
        timeout: Duration::from_millis(400),
        poll_interval: Duration::from_millis(20),
        since: Some(chrono::Utc::now()),
        ..brokerlink::WaitOptions::default()
    };
    let started = std::time::Instant::now();
    let err = client.wait_for_connection(&user, &short).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn durations_that_do_not_fit_are_invalid_input_before_any_request() {
    let client = Client::builder()
        .snaptrade("c", "k")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let user = UserCredentials::new("u", "user-secret");
    let forever = brokerlink::WaitOptions {
        timeout: Duration::MAX,
        ..brokerlink::WaitOptions::default()
    };
    let err = client.wait_for_connection(&user, &forever).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.field(), err.attempts()),
        (ErrorKind::InvalidInput, Some("timeout"), 0)
    );
    let err = Client::builder()
        .snaptrade("c", "k")
        .timeout(Duration::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("timeout"));
}

#[tokio::test]
async fn calls_a_protocol_lacks_are_refused_before_any_request_in_one_wording() {
    let dead = "http://127.0.0.1:9";
    let snaptrade = Client::builder().snaptrade("c", "k").base_url(dead).build().unwrap();
    let finatic = Client::builder()
        .finatic("fntc_sandbox_k")
        .base_url(dead)
        .build()
        .unwrap();
    let user = UserCredentials::new("u", "user-secret");
    let refused = [
        (
            "SnapTrade",
            "start_session",
            snaptrade.start_session(None).await.unwrap_err(),
        ),
        (
            "Finatic",
            "register_user",
            finatic.register_user("u").await.unwrap_err(),
        ),
        (
            "Finatic",
            "disable_connection",
            finatic.disable_connection(&user, "c").await.unwrap_err(),
        ),
    ];
    for (provider, call, err) in refused {
        assert_eq!(
            (err.kind(), err.field(), err.attempts()),
            (ErrorKind::InvalidInput, Some(call), 0)
        );
        let wording = format!("is not part of {provider}'s protocol: ");
        assert!(err.message().contains(&wording), "{err}");
    }
}
