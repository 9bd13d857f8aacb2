#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! SnapTrade's OAuth apps end to end against the sandbox's authorization server: the
//! authorization URL with PKCE, the code exchange with a verified `id_token`, Bearer calls as
//! the user, rotation (one refresh for fifty concurrent calls), the OAuth errors as typed
//! errors, and revocation. A recording proxy sees what travels.

mod support;

use brokerlink::{Client, ErrorKind, OAuthTokens, PortalOptions, TokenListener, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::recording_proxy;

const REDIRECT: &str = "http://127.0.0.1:9/snaptrade/callback";

fn app(sandbox: &Sandbox, base: &str, secret: Option<&str>) -> Client {
    Client::builder()
        .snaptrade_oauth(
            sandbox.oauth_client_id(),
            secret.unwrap_or(sandbox.oauth_client_secret()),
        )
        .base_url(base)
        .build()
        .unwrap()
}

/// The user at the authorize page, headlessly; the callback URL the browser comes back to.
async fn sign_in(sandbox: &Sandbox, url: &str, decision: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/oauth/authorize", sandbox.url()))
        .json(&json!({ "url": url, "username": "user_good", "password": "pass_good", "decision": decision }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["redirect_url"].as_str().unwrap().to_owned()
}

async fn authorized(sandbox: &Sandbox, app: &Client, scopes: &[&str]) -> OAuthTokens {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    let request = app.oauth_authorization_url(REDIRECT, &scopes).await.unwrap();
    let callback = sign_in(sandbox, &request.url, "allow").await;
    app.oauth_exchange_code(&request, &callback).await.unwrap()
}

fn counting_listener() -> (TokenListener, Arc<Mutex<Vec<OAuthTokens>>>) {
    let seen: Arc<Mutex<Vec<OAuthTokens>>> = Arc::default();
    let store = seen.clone();
    (
        Arc::new(move |tokens: &OAuthTokens| store.lock().unwrap().push(tokens.clone())),
        seen,
    )
}

#[tokio::test]
async fn an_app_authorizes_a_user_and_calls_as_them_with_bearer_tokens() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let app = app(&sandbox, &base, None);
    let tokens = authorized(&sandbox, &app, &["read", "openid", "email"]).await;
    assert_eq!(tokens.scope, "read openid email");
    assert_eq!(tokens.email.as_deref(), Some("user_good@personal.sandbox.test"));
    assert!(tokens.user_id.is_some());
    assert!(!format!("{tokens:?}").contains(tokens.access_token.expose()));

    let user = app.with_oauth_tokens(tokens.clone(), None).unwrap();
    let link = user.portal_url(None, &PortalOptions::default()).await.unwrap();
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
    user.wait_for_connection(None, &wait).await.unwrap();
    assert_eq!(user.accounts(None).await.unwrap().len(), 2);
    let refused = user.register_user("x").await.unwrap_err();
    assert_eq!((refused.kind(), refused.attempts()), (ErrorKind::InvalidInput, 0));

    for request in seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.line.contains("/accounts") || r.line.contains("/authorizations"))
    {
        assert!(
            !request.line.contains("clientId=") && !request.line.contains("userSecret="),
            "{}",
            request.line
        );
        assert!(request.headers.get("signature").is_none(), "{}", request.line);
        assert_eq!(
            request.headers["authorization"].to_str().unwrap(),
            format!("Bearer {}", tokens.access_token.expose())
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_calls_meeting_an_expired_token_cause_one_refresh() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (base, seen) = recording_proxy(sandbox.url().to_owned()).await;
    let app = app(&sandbox, &base, None);
    let tokens = authorized(&sandbox, &app, &["read"]).await;
    let (listener, stored) = counting_listener();
    // Expired as far as the client knows (no timing: the fresh token then lives its 10 hours).
    let expired = OAuthTokens {
        expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        ..tokens.clone()
    };
    let user = app.with_oauth_tokens(expired, Some(listener)).unwrap();

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let user = user.clone();
            tokio::spawn(async move { user.accounts(None).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // One refresh: the listener heard one new pair, and every call carried that pair's token
    // (two refreshes would have replayed a rotated-out refresh token, ending the grant).
    let stored = stored.lock().unwrap().clone();
    assert_eq!(stored.len(), 1, "the listener hears each new pair once");
    let bearers: std::collections::HashSet<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.line.contains("/accounts"))
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(bearers, [format!("Bearer {}", stored[0].access_token.expose())].into());
    assert_ne!(
        stored[0].refresh_token, tokens.refresh_token,
        "the refresh token rotated"
    );
    assert_eq!(user.oauth_tokens().unwrap(), stored[0]);
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_a_dead_grant_is_a_typed_error() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app(&sandbox, sandbox.url(), None);
    let tokens = authorized(&sandbox, &app, &["read"]).await;

    // An access token the server no longer honours (it thinks it expired): a 401, one refresh,
    // one retry, and the call succeeds.
    let stale = OAuthTokens {
        access_token: brokerlink::Secret::new("at_unknown-to-the-server"),
        ..tokens.clone()
    };
    let (listener, stored) = counting_listener();
    let user = app.with_oauth_tokens(stale, Some(listener)).unwrap();
    assert!(user.accounts(None).await.unwrap().is_empty());
    assert_eq!(stored.lock().unwrap().len(), 1);

    // The original refresh token was rotated out; presenting it again revokes the family.
    let replayed = app.with_oauth_tokens(
        OAuthTokens {
            access_token: brokerlink::Secret::new("at_unknown-to-the-server"),
            ..tokens.clone()
        },
        None,
    );
    let error = replayed.unwrap().accounts(None).await.unwrap_err();
    assert_eq!(
        (error.kind(), error.provider_code()),
        (ErrorKind::Unauthorized, Some("invalid_grant"))
    );
    // ... so the current tokens stop working too.
    let error = user.accounts(None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn oauth_failures_map_to_typed_errors() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app(&sandbox, sandbox.url(), None);
    let read = vec!["read".to_owned()];

    // The user denies.
    let request = app.oauth_authorization_url(REDIRECT, &read).await.unwrap();
    let callback = sign_in(&sandbox, &request.url, "deny").await;
    let denied = app.oauth_exchange_code(&request, &callback).await.unwrap_err();
    assert_eq!(
        (denied.kind(), denied.provider_code()),
        (ErrorKind::Unauthorized, Some("access_denied"))
    );

    // A callback of another attempt (state differs): refused before any request.
    let other = app.oauth_authorization_url(REDIRECT, &read).await.unwrap();
    let callback = sign_in(&sandbox, &request.url, "allow").await;
    let forged = app.oauth_exchange_code(&other, &callback).await.unwrap_err();
    assert_eq!(
        (forged.kind(), forged.field(), forged.attempts()),
        (ErrorKind::InvalidInput, Some("state"), 0)
    );

    // A code used twice.
    assert!(app.oauth_exchange_code(&request, &callback).await.is_ok());
    let twice = app.oauth_exchange_code(&request, &callback).await.unwrap_err();
    assert_eq!(
        (twice.kind(), twice.provider_code(), twice.status()),
        (ErrorKind::Unauthorized, Some("invalid_grant"), Some(400))
    );

    // A wrong client secret.
    let wrong = self::app(&sandbox, sandbox.url(), Some("not-the-secret"));
    let request = wrong.oauth_authorization_url(REDIRECT, &read).await.unwrap();
    let callback = sign_in(&sandbox, &request.url, "allow").await;
    let refused = wrong.oauth_exchange_code(&request, &callback).await.unwrap_err();
    assert_eq!(
        (refused.kind(), refused.provider_code()),
        (ErrorKind::Unauthorized, Some("invalid_client"))
    );
    assert!(!refused.to_string().contains("not-the-secret"));

    // Bad input before any request.
    let bad = app.oauth_authorization_url("not a url", &read).await.unwrap_err();
    assert_eq!(
        (bad.kind(), bad.field()),
        (ErrorKind::InvalidInput, Some("redirect_uri"))
    );
    let commercial = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let not_oauth = commercial.oauth_authorization_url(REDIRECT, &read).await.unwrap_err();
    assert_eq!(not_oauth.field(), Some("client"));
    let no_user = app.accounts(None).await.unwrap_err();
    assert_eq!(
        (no_user.kind(), no_user.field()),
        (ErrorKind::InvalidInput, Some("user"))
    );
}

#[tokio::test]
async fn revocation_ends_the_users_grant() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app(&sandbox, sandbox.url(), None);
    let tokens = authorized(&sandbox, &app, &["read"]).await;
    let user = app.with_oauth_tokens(tokens.clone(), None).unwrap();
    assert!(user.accounts(None).await.is_ok());
    app.oauth_revoke(&tokens).await.unwrap();
    let error = user.accounts(None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
}

/// A server that publishes only OpenID Connect's discovery document is found through it.
#[tokio::test]
async fn discovery_falls_back_to_the_openid_configuration() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let upstream = sandbox.url().to_owned();
    let http = reqwest::Client::new();
    let only_openid = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            if uri.path() == "/.well-known/oauth-authorization-server" {
                return (axum::http::StatusCode::NOT_FOUND, String::new());
            }
            let body = http
                .get(format!("{upstream}{uri}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (axum::http::StatusCode::OK, body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, only_openid).await });
    let app = app(&sandbox, &base, None);
    let request = app
        .oauth_authorization_url(REDIRECT, &["read".to_owned()])
        .await
        .unwrap();
    assert!(
        request.url.starts_with(&format!("{}/oauth/authorize?", sandbox.url())),
        "{}",
        request.url
    );
}
