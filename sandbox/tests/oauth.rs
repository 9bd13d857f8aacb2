#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The sandbox as SnapTrade's OAuth 2.1 authorization server, driven over real HTTP as an app's
//! backend would: discovery, the authorize page and its form, PKCE, the token endpoint's RFC 6749
//! errors, refresh rotation with reuse detection, revocation, the JWKS and `id_token`, and Bearer
//! calls on the SnapTrade API.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use brokerlink_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_url(sandbox: &Sandbox, scope: &str, state: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", sandbox.url())).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", sandbox.oauth_client_id())
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", scope)
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256")
        .append_pair("nonce", "n-1");
    url.into()
}

/// Completes the authorize page headlessly; the query of the redirect back to the app.
async fn authorize(sandbox: &Sandbox, url: &str, decision: &str) -> Vec<(String, String)> {
    let answer: Value = http()
        .post(format!("{}/_sandbox/oauth/authorize", sandbox.url()))
        .json(&json!({ "url": url, "username": "user_good", "password": "pass_good", "decision": decision }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let back = url::Url::parse(answer["redirect_url"].as_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(REDIRECT), "{back}");
    back.query_pairs().into_owned().collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn token(sandbox: &Sandbox, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let answer = http()
        .post(format!("{}/oauth/token", sandbox.url()))
        .basic_auth(sandbox.oauth_client_id(), Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn exchange(sandbox: &Sandbox, code: &str) -> (u16, Value) {
    let secret = sandbox.oauth_client_secret().to_owned();
    token(
        sandbox,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
}

async fn refresh(sandbox: &Sandbox, refresh_token: &str) -> (u16, Value) {
    let secret = sandbox.oauth_client_secret().to_owned();
    token(
        sandbox,
        &secret,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)],
    )
    .await
}

async fn accounts(sandbox: &Sandbox, access_token: &str) -> reqwest::Response {
    http()
        .get(format!("{}/api/v1/accounts", sandbox.url()))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn discovery_page_code_tokens_and_bearer_calls() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let base = sandbox.url().to_owned();
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let meta: Value = http()
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["issuer"], base.as_str());
        assert_eq!(meta["token_endpoint"], format!("{base}/oauth/token"));
        assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    }

    // The page a person sees: the scopes listed, Allow and Deny; user input escaped.
    let url = authorize_url(&sandbox, "read openid email", "<s&1>");
    let page = http().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("value=\"allow\"") && html.contains("value=\"deny\""),
        "{html}"
    );
    assert!(html.contains("Read your connected brokerage accounts"));
    assert!(html.contains("&lt;s&amp;1&gt;") && !html.contains("<s&1>"));

    // The page's own form: a wrong password shows the page again; the right one redirects.
    let form = |password: &str| {
        let mut pairs: Vec<(String, String)> = url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
        pairs.extend([
            ("username".into(), "user_good".into()),
            ("password".into(), password.to_owned()),
            ("decision".into(), "allow".into()),
        ]);
        pairs
    };
    let wrong = http()
        .post(format!("{base}/oauth/authorize"))
        .form(&form("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http()
        .post(format!("{base}/oauth/authorize"))
        .form(&form("pass_good"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    let location = right.headers()["location"].to_str().unwrap().to_owned();
    let back: Vec<(String, String)> = url::Url::parse(&location).unwrap().query_pairs().into_owned().collect();
    assert_eq!(get(&back, "state"), Some("<s&1>"));
    assert_eq!(get(&back, "iss"), Some(base.as_str()));

    let (status, tokens) = exchange(&sandbox, get(&back, "code").unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 36_000);
    assert_eq!(tokens["scope"], "read openid email");
    let user_id = tokens["sub"]["snaptrade_user_id"].as_str().unwrap().to_owned();

    // The id_token verifies against the JWKS.
    let jwks: jsonwebtoken::jwk::JwkSet = http()
        .get(format!("{base}/oauth/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[sandbox.oauth_client_id()]);
    validation.set_issuer(&[base.as_str()]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["email"], "user_good@personal.sandbox.test");

    // Bearer calls use the same paths as signed calls, as the token's own user.
    let access = tokens["access_token"].as_str().unwrap();
    let listed = accounts(&sandbox, access).await;
    assert_eq!(listed.status(), 200);
    assert!(
        listed.headers().get("x-ratelimit-limit").is_none(),
        "OAuth calls skip the customer bucket"
    );
    assert_eq!(listed.json::<Value>().await.unwrap(), json!([]));
    let login = http()
        .post(format!("{base}/snapTrade/login"))
        .bearer_auth(access)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let refused = http()
        .post(format!("{base}/snapTrade/registerUser"))
        .bearer_auth(access)
        .json(&json!({ "userId": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let bogus = accounts(&sandbox, "at_not-a-token").await;
    assert_eq!(bogus.status(), 401);
    assert_eq!(bogus.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");

    // The same login signs in as the same Personal user; the partner's list shows none.
    let again = authorize(&sandbox, &authorize_url(&sandbox, "read", "s2"), "allow").await;
    let (_, second) = exchange(&sandbox, get(&again, "code").unwrap()).await;
    assert_eq!(second["sub"]["snaptrade_user_id"], user_id.as_str());
    assert!(second.get("id_token").is_none(), "no id_token without openid");
    let partner = brokerlink::Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    assert!(!partner.list_users().await.unwrap().contains(&user_id));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replay_revokes_the_family() {
    let config = SandboxConfig {
        oauth_access_token_lifetime: Duration::from_secs(3),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let back = authorize(&sandbox, &authorize_url(&sandbox, "read", "s"), "allow").await;
    let (_, first) = exchange(&sandbox, get(&back, "code").unwrap()).await;
    assert_eq!(first["expires_in"], 3);
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, second) = refresh(&sandbox, &first_refresh).await;
    assert_eq!(status, 200, "{second}");
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    let second_access = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(accounts(&sandbox, &second_access).await.status(), 200);

    // The access token lives its lifetime, then is refused.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(accounts(&sandbox, &second_access).await.status(), 401);

    // The rotated-out token comes back: the whole family ends, current tokens included.
    let (status, replay) = refresh(&sandbox, &first_refresh).await;
    assert_eq!((status, replay["error"].as_str()), (400, Some("invalid_grant")));
    let (status, after) = refresh(&sandbox, &second_refresh).await;
    assert_eq!((status, after["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn revocation_ends_the_grant() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let back = authorize(&sandbox, &authorize_url(&sandbox, "read", "s"), "allow").await;
    let (_, tokens) = exchange(&sandbox, get(&back, "code").unwrap()).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(accounts(&sandbox, access).await.status(), 200);
    let revoked = http()
        .post(format!("{}/oauth/revoke", sandbox.url()))
        .basic_auth(sandbox.oauth_client_id(), Some(sandbox.oauth_client_secret()))
        .form(&[("token", refresh_token), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(accounts(&sandbox, access).await.status(), 401);
    let (status, body) = refresh(&sandbox, refresh_token).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

async fn fresh_code(sandbox: &Sandbox) -> String {
    let back = authorize(sandbox, &authorize_url(sandbox, "read", "s"), "allow").await;
    get(&back, "code").unwrap().to_owned()
}

#[tokio::test]
async fn bad_requests_get_the_rfc_6749_errors() {
    let config = SandboxConfig {
        oauth_code_lifetime: Duration::from_millis(200),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let base = sandbox.url().to_owned();
    let secret = sandbox.oauth_client_secret().to_owned();

    // A wrong verifier; the code is then spent anyway.
    let c = fresh_code(&sandbox).await;
    let wrong = "another-verifier-of-at-least-forty-three-characters-000";
    let (status, body) = token(
        &sandbox,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("code_verifier", wrong),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, body) = exchange(&sandbox, &c).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "a code works once"
    );

    // A code used twice.
    let c = fresh_code(&sandbox).await;
    assert_eq!(exchange(&sandbox, &c).await.0, 200);
    assert_eq!(exchange(&sandbox, &c).await.1["error"], "invalid_grant");

    // A redirect URI that differs from the request's.
    let c = fresh_code(&sandbox).await;
    let (status, body) = token(
        &sandbox,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("code_verifier", VERIFIER),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

    // An expired code.
    let c = fresh_code(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(exchange(&sandbox, &c).await.1["error"], "invalid_grant");

    // A wrong client secret.
    let c = fresh_code(&sandbox).await;
    let answer = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(sandbox.oauth_client_id(), Some("not-the-secret"))
        .form(&[("grant_type", "authorization_code"), ("code", c.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer.headers().contains_key("www-authenticate"));
    assert_eq!(answer.json::<Value>().await.unwrap()["error"], "invalid_client");
    let (_, body) = token(&sandbox, &secret, &[("grant_type", "password")]).await;
    assert_eq!(body["error"], "unsupported_grant_type");

    // An unknown scope and a denial go back to the app; an unregistered redirect URI does not.
    let back = authorize(&sandbox, &authorize_url(&sandbox, "read trade", "s"), "allow").await;
    assert_eq!(get(&back, "error"), Some("invalid_scope"));
    let back = authorize(&sandbox, &authorize_url(&sandbox, "read", "s"), "deny").await;
    assert_eq!(
        (get(&back, "error"), get(&back, "state")),
        (Some("access_denied"), Some("s"))
    );
    let elsewhere = authorize_url(&sandbox, "read", "s").replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example%2Fcb",
    );
    let page = http().get(&elsewhere).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers().get("location").is_none());
    sandbox.register_oauth_redirect_uri("https://evil.example/cb");
    assert_eq!(http().get(&elsewhere).send().await.unwrap().status(), 200);
    // Without PKCE the app is told so.
    let no_pkce =
        authorize_url(&sandbox, "read", "s").replace("code_challenge_method=S256", "code_challenge_method=plain");
    let back = authorize(&sandbox, &no_pkce, "allow").await;
    assert_eq!(get(&back, "error"), Some("invalid_request"));
}

/// Events of an OAuth app's user use SnapTrade's `oauth_v1` schema, signed like every event.
#[tokio::test]
async fn an_oauth_users_events_use_the_oauth_v1_schema() {
    use std::sync::{Arc, Mutex};
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let received: Arc<Mutex<Vec<(axum::http::HeaderMap, bytes::Bytes)>>> = Arc::default();
    let store = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: bytes::Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    sandbox
        .add_webhook(&brokerlink_sandbox::NewWebhook {
            url: hook,
            provider: Some("snaptrade".into()),
            event_types: Some(vec!["CONNECTION_ADDED".into()]),
        })
        .unwrap();

    let back = authorize(&sandbox, &authorize_url(&sandbox, "read", "s"), "allow").await;
    let (_, tokens) = exchange(&sandbox, get(&back, "code").unwrap()).await;
    let login: Value = http()
        .post(format!("{}/snapTrade/login", sandbox.url()))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let done = sandbox.complete_portal(&brokerlink_sandbox::CompletePortal {
        url: login["redirectURI"].as_str().unwrap().to_owned(),
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
    for _ in 0..200 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (headers, body) = received.lock().unwrap().first().cloned().unwrap();
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let event = brokerlink::verify_webhook(
        &body,
        pairs.iter().map(|(k, v)| (k.as_str(), v)),
        &[brokerlink::Secret::new(sandbox.consumer_key())],
        &brokerlink::WebhookOptions::default(),
    )
    .unwrap();
    assert_eq!(event.schema_version.as_deref(), Some("oauth_v1"));
    assert_eq!(event.oauth_client_id.as_deref(), Some(sandbox.oauth_client_id()));
    assert_eq!(event.connection_id.as_deref(), Some(connection_id.as_str()));
    assert_eq!(event.user_id.as_deref(), tokens["sub"]["snaptrade_user_id"].as_str());
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        raw.get("brokerageAuthorizationId").is_none() && raw.get("clientId").is_none(),
        "{raw}"
    );
}
