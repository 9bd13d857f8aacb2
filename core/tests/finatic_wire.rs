#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Finatic's wire details against the sandbox: one-time tokens, envelopes, CORS, trace ids.

use brokerlink::{Client, ErrorKind, PortalOptions, RetryPolicy};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::time::Duration;

async fn post(sandbox: &Sandbox, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{}{path}", sandbox.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A Finatic client of the sandbox with the default retry policy.
fn finatic_client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn one_time_tokens_are_single_use_and_short_lived() {
    let config = SandboxConfig {
        one_time_token_lifetime: Duration::from_millis(300),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let key = sandbox.api_key().to_owned();
    let (status, minted) = post(&sandbox, "/api/v1/session/init", &[("X-API-Key", &key)]).await;
    assert_eq!(status, 200);
    assert!(minted["error"].is_null());
    let token = minted["success"]["data"]["one_time_token"].as_str().unwrap().to_owned();

    let (status, started) = post(&sandbox, "/api/beta/session/start", &[("One-Time-Token", &token)]).await;
    assert_eq!(status, 200);
    assert_eq!(started["success"]["data"]["status"], "pending");
    let (status, again) = post(&sandbox, "/api/v1/session/start", &[("One-Time-Token", &token)]).await;
    assert_eq!((status, again["error"]["code"].as_str()), (401, Some("TOKEN_USED")));

    let (_, minted) = post(&sandbox, "/api/beta/session/init", &[("X-API-Key", &key)]).await;
    let late = minted["success"]["data"]["one_time_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, expired) = post(&sandbox, "/api/v1/session/start", &[("One-Time-Token", &late)]).await;
    assert_eq!(
        (status, expired["error"]["code"].as_str()),
        (401, Some("TOKEN_EXPIRED"))
    );

    let (status, bad_key) = post(&sandbox, "/api/v1/session/init", &[("X-API-Key", "nope")]).await;
    assert_eq!(
        (status, bad_key["error"]["code"].as_str()),
        (401, Some("INVALID_API_KEY"))
    );
}

#[tokio::test]
async fn browser_preflights_are_answered_for_the_client_package_headers() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/beta/brokers/connections", sandbox.url()),
        )
        .header("Origin", "http://app.example:3000")
        .header("Access-Control-Request-Method", "GET")
        .header(
            "Access-Control-Request-Headers",
            "x-session-id, x-company-id, x-csrf-token, x-request-id",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "http://app.example:3000");
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    for needed in [
        "one-time-token",
        "session-id",
        "x-session-id",
        "x-company-id",
        "x-csrf-token",
        "x-request-id",
    ] {
        assert!(allowed.contains(needed), "{needed} missing from {allowed}");
    }
}

#[tokio::test]
async fn errors_carry_the_body_trace_id_code_and_category() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let body = json!({"traceId": "trace-42", "data": null, "warnings": [],
                      "errors": [{"category": "CONFLICT", "code": "ALREADY", "message": "m"}]});
    let rule = json!({"path_prefix": "/api/v1/session/init", "fault": {"status": 409, "body": body}});
    sandbox.inject_fault(serde_json::from_value(rule).unwrap()).unwrap();
    let err = client.start_session(None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.request_id(), Some("trace-42"));
    assert_eq!(err.provider_code(), Some("ALREADY"));
    assert_eq!(err.provider_category(), Some("CONFLICT"));
    assert!(!format!("{err:?}").contains(sandbox.api_key()));
}

#[tokio::test]
async fn a_wrong_shape_inside_a_good_envelope_is_a_decode_error_naming_its_response() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = finatic_client(&sandbox);
    let body = json!({"success": {"data": {"unexpected": true}, "meta": null}, "error": null, "trace_id": "trace-7"});
    let rule = json!({"path": "/api/v1/session/init", "fault": {"status": 200, "body": body}});
    sandbox.inject_fault(serde_json::from_value(rule).unwrap()).unwrap();
    let err = client.start_session(None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.request_id(), Some("trace-7"));
    assert_eq!(err.attempts(), 1);
    // The next call is unaffected: the fault was for one response.
    assert!(client.start_session(None).await.is_ok());
}

#[tokio::test]
async fn faces_keep_their_users_apart_and_sessions_are_reused() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = finatic_client(&sandbox);
    let session = client.start_session(None).await.unwrap();
    let link = client
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    assert!(
        !format!("{link:?}").contains(&link.url),
        "the link's token shows in Debug"
    );
    let done = sandbox.complete_portal(&CompletePortal {
        url: link.url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    assert!(matches!(done, brokerlink::PortalResult::Success { .. }), "{done:?}");
    let user = client.session_user(&session).await.unwrap();
    let served = sandbox.state().requests_served;
    client.connections(&user).await.unwrap();
    client.accounts(&user).await.unwrap();
    // One session start (init + start), the broker list once, then one call each.
    assert_eq!(sandbox.state().requests_served - served, 5);

    let snaptrade = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    assert_eq!(snaptrade.list_users().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn a_session_the_server_forgot_is_replaced_once_and_the_catalogue_is_optional() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = finatic_client(&sandbox);
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
    // The broker catalogue fails: connections still come back, named by their broker id.
    let broken = json!({"method": "GET", "path": "/api/beta/brokers/", "count": 1, "fault": {"status": 500}});
    sandbox.inject_fault(serde_json::from_value(broken).unwrap()).unwrap();
    let connections = client.connections(&user).await.unwrap();
    assert_eq!(connections[0].broker.slug, "alpaca");
    // The server forgets the cached session: brokerlink starts a new one and carries on.
    let forgotten = json!({"method": "GET", "path_prefix": "/api/v1/account-grants", "count": 1,
        "fault": {"status": 404, "body": {"trace_id": "t", "success": {"data": null},
            "error": {"type": "NotFoundError", "code": "SESSION_NOT_FOUND", "message": "gone", "status": 404}}}});
    sandbox
        .inject_fault(serde_json::from_value(forgotten).unwrap())
        .unwrap();
    let served = sandbox.state().requests_served;
    // Alpaca's two accounts, each shared by its own grant.
    assert_eq!(client.connections(&user).await.unwrap().len(), 2);
    // The refused call, a new session (init + start), the call again, and the catalogue, which
    // was not cached while it failed.
    assert_eq!(sandbox.state().requests_served - served, 5);
}
