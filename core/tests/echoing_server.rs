#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! A hostile (or merely careless) server that quotes every credential it was sent back in its
//! error text, with terminal escapes: brokerlink's errors show none of it.

use axum::http::{HeaderMap, Uri};
use axum::Json;
use brokerlink::{Client, RetryPolicy, Session, SessionStatus, UserCredentials};
use serde_json::{json, Value};

/// Everything the request carried, quoted back, dressed up to rewrite a terminal.
fn echo(uri: &Uri, headers: &HeaderMap) -> String {
    let mut quoted = format!("\u{1b}[2J\u{1b}]0;owned\u{7}query {} ", uri.query().unwrap_or_default());
    for (name, value) in headers {
        quoted.push_str(&format!("{name}={}\r\n", value.to_str().unwrap_or_default()));
    }
    quoted + &"padding ".repeat(100)
}

async fn echoing_server() -> String {
    let app = axum::Router::new()
        .route(
            "/api/v1/session/init",
            axum::routing::post(|| async {
                Json(json!({"success": {"data": {"one_time_token": "ott_echoed_token_value"}}}))
            }),
        )
        .fallback(|uri: Uri, headers: HeaderMap| async move {
            let text = echo(&uri, &headers);
            let body: Value = if uri.path().starts_with("/api/") {
                json!({"error": {"code": "SERVER_SAID", "message": text}})
            } else {
                json!({"detail": text, "status_code": 400, "code": "1012"})
            };
            (axum::http::StatusCode::BAD_REQUEST, Json(body))
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn assert_clean(err: &brokerlink::Error, secrets: &[&str]) {
    let message = err.message().to_owned();
    for printed in [format!("{err}"), format!("{err:?}"), message.clone()] {
        for secret in secrets {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(!printed.contains('\u{1b}') && !printed.contains('\u{7}'), "{printed:?}");
        assert!(!printed.contains('\r') && !printed.contains('\n'), "{printed:?}");
    }
    assert!(message.contains("***"), "the echo was kept, redacted: {message}");
    assert!(
        message.chars().count() < 400,
        "capped: {} chars",
        message.chars().count()
    );
}

#[tokio::test]
async fn snaptrade_errors_redact_the_user_secret_and_strip_escapes() {
    let base = echoing_server().await;
    let client = Client::builder()
        .snaptrade("client-id", "consumer-key-value")
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let user = UserCredentials::new("echo-user", "user-secret-value-123");
    let err = client.connections(&user).await.unwrap_err();
    assert_eq!(err.provider_code(), Some("1012"));
    assert_clean(&err, &["user-secret-value-123", "consumer-key-value"]);
}

#[tokio::test]
async fn finatic_errors_redact_token_session_and_key() {
    let base = echoing_server().await;
    let client = Client::builder()
        .finatic("fntc_live_echoed_api_key")
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // The session start carries the API key and the one-time token just minted.
    let err = client.start_session(None).await.unwrap_err();
    assert_eq!(err.provider_code(), Some("SERVER_SAID"));
    assert_clean(&err, &["fntc_live_echoed_api_key", "ott_echoed_token_value"]);
    // A session call carries the session id.
    let session = Session {
        id: "sess_echoed_session_id".into(),
        company_id: "company-1".into(),
        status: SessionStatus::Active,
        expires_at: None,
        user_id: None,
    };
    let err = client.session_user(&session).await.unwrap_err();
    assert_clean(&err, &["fntc_live_echoed_api_key", "sess_echoed_session_id"]);
}
