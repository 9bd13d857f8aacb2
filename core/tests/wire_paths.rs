#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The bytes of every id-bearing request line, seen by a recording proxy in front of the
//! sandbox (which verifies signatures over the decoded path, as a real server does): ids go out
//! as written, escaped only where RFC 3986 requires it.

use axum::extract::{OriginalUri, Request};
use axum::response::Response;
use brokerlink::{Client, PortalOptions, RetryPolicy, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Forwards each request unchanged to `upstream` and records its request target as received.
async fn recording_proxy(upstream: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let http = reqwest::Client::new();
    let proxy = axum::Router::new().fallback(move |OriginalUri(uri): OriginalUri, request: Request| {
        let (http, upstream, record) = (http.clone(), upstream.clone(), record.clone());
        async move {
            let target = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
            record.lock().unwrap().push(format!("{} {target}", request.method()));
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let mut forwarded = http.request(parts.method, format!("{upstream}{target}")).body(body);
            for (name, value) in &parts.headers {
                if name != "host" {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.send().await.unwrap();
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(axum::body::Body::from(answer.bytes().await.unwrap()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, proxy).await });
    (base, seen)
}

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

    let seen = seen.lock().unwrap().clone();
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
