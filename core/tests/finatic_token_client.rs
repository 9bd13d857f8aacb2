#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! A front end's Finatic client, built from a one-time token its server minted: it starts its
//! session, opens the portal and reads through the session, and never holds or sends the API
//! key. A recording proxy in front of the sandbox sees every header it sends.

mod support;

use brokerlink::{Client, ConnectionStatus, ErrorKind, FinaticCredential, PortalOptions, Secret, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::time::Duration;
use support::recording_proxy;

fn server(sandbox: &Sandbox) -> Client {
    Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap()
}

fn front_end(base: &str, token: Secret) -> Client {
    Client::builder()
        .finatic_credential(FinaticCredential::OneTimeToken(token))
        .base_url(base)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_token_client_reads_through_its_session_and_never_sends_the_api_key() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let token = server(&sandbox).mint_one_time_token().await.unwrap();
    let front = front_end(&base, token.clone());
    assert!(!format!("{front:?}").contains(token.expose()), "{front:?}");

    let session = front.start_session(None).await.unwrap();
    let link = front
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
    let user = front.session_user(&session).await.unwrap();
    let wait = WaitOptions {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        ..WaitOptions::default()
    };
    let connection = front.wait_for_connection(&user, &wait).await.unwrap();
    assert_eq!(connection.status, ConnectionStatus::Active);
    let connections = front.connections(&user).await.unwrap();
    assert!(connections.iter().any(|c| c.id == connection.id));
    let accounts = front.accounts(&user).await.unwrap();
    assert!(!accounts.is_empty());
    let positions = front.positions(&user, &accounts[0].id).await.unwrap();
    assert!(!positions.is_empty());

    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 6, "{seen:#?}");
    for request in &seen {
        assert!(
            request.headers.get("x-api-key").is_none(),
            "{} sent the API key",
            request.line
        );
        let mut values = request.headers.values().map(|v| v.to_str().unwrap_or_default());
        assert!(
            values.all(|v| !v.contains(sandbox.api_key())),
            "{} carried the key",
            request.line
        );
    }
    // The token is spent by the start, and sent nowhere else.
    let carrying_token: Vec<&str> = seen
        .iter()
        .filter(|r| r.headers.get("one-time-token").is_some())
        .map(|r| r.line.as_str())
        .collect();
    assert_eq!(carrying_token, ["POST /api/v1/session/start"]);
    // Every read after the start carries the session.
    for request in seen
        .iter()
        .filter(|r| !r.line.starts_with("POST /api/v1/session/start"))
    {
        let catalogue = request.line.starts_with("GET /api/beta/brokers/ ") || request.line == "GET /api/beta/brokers/";
        assert!(
            catalogue || request.headers.get("x-session-id").is_some(),
            "{} had no session",
            request.line
        );
    }
}

#[tokio::test]
async fn a_token_client_refuses_what_needs_the_api_key_before_any_request() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let token = server(&sandbox).mint_one_time_token().await.unwrap();
    let front = front_end(&base, token);
    let nobody = brokerlink::UserCredentials::id_only("nobody");

    let refused = front.connections(&nobody).await.unwrap_err();
    assert_eq!(
        (refused.kind(), refused.field()),
        (ErrorKind::InvalidInput, Some("user"))
    );
    let refused = front.mint_one_time_token().await.unwrap_err();
    assert_eq!(
        (refused.kind(), refused.field()),
        (ErrorKind::InvalidInput, Some("mint_one_time_token"))
    );
    let refused = front.webhook_catalog().await.unwrap_err();
    assert_eq!(refused.field(), Some("webhook_catalog"));
    let refused = front.portal_url(&nobody, &PortalOptions::default()).await.unwrap_err();
    assert_eq!(refused.field(), Some("portal_url"));
    assert!(seen.lock().unwrap().is_empty(), "{:#?}", seen.lock().unwrap());

    let session = front.start_session(None).await.unwrap();
    let again = front.start_session(None).await.unwrap_err();
    assert_eq!(
        (again.kind(), again.field()),
        (ErrorKind::InvalidInput, Some("one_time_token"))
    );
    assert_eq!(support::lines(&seen), ["POST /api/v1/session/start"]);
    // Before anyone logged in, the session has no user: reads are empty, not another user's.
    assert!(front.connections(&nobody).await.unwrap().is_empty());
    let user = front.session_user(&session).await.unwrap_err();
    assert_eq!(user.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_token_the_server_refused_can_be_retried_and_a_wrong_key_is_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let front = front_end(sandbox.url(), Secret::new("ott_never-minted"));
    let refused = front.start_session(None).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Unauthorized);
    // The token went back into the client: the server, not the client, said it was bad.
    let again = front.start_session(None).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Unauthorized);

    // A session read with a wrong key alongside is refused, not quietly accepted.
    let token = server(&sandbox).mint_one_time_token().await.unwrap();
    let started = reqwest::Client::new()
        .post(format!("{}/api/v1/session/start", sandbox.url()))
        .header("One-Time-Token", token.expose())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = started.json().await.unwrap();
    let session_id = body["success"]["data"]["session_id"].as_str().unwrap().to_owned();
    let read = |key: Option<&str>| {
        let mut request = reqwest::Client::new()
            .get(format!("{}/api/v1/accounts", sandbox.url()))
            .header("X-Session-ID", &session_id);
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        request.send()
    };
    assert_eq!(read(None).await.unwrap().status(), 200);
    assert_eq!(read(Some(sandbox.api_key())).await.unwrap().status(), 200);
    assert_eq!(read(Some("fntc_sandbox_wrong")).await.unwrap().status(), 401);
}

#[test]
fn the_finatic_constructor_takes_exactly_one_credential() {
    let both = FinaticCredential::one_of(Some(Secret::new("k")), Some(Secret::new("t"))).unwrap_err();
    assert_eq!(
        (both.kind(), both.field()),
        (ErrorKind::InvalidInput, Some("one_time_token"))
    );
    let neither = FinaticCredential::one_of(None, None).unwrap_err();
    assert_eq!(
        (neither.kind(), neither.field()),
        (ErrorKind::InvalidInput, Some("api_key"))
    );
    assert!(matches!(
        FinaticCredential::one_of(None, Some(Secret::new("t"))),
        Ok(FinaticCredential::OneTimeToken(_))
    ));
    let debug = format!("{:?}", FinaticCredential::OneTimeToken(Secret::new("ott_visible?")));
    assert!(!debug.contains("ott_visible?"), "{debug}");
}
