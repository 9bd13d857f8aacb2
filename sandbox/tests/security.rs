#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The sandbox's own defences: redirects limited to http(s), bounded request bodies, the
//! admin API only from loopback, a portal page that loads nothing from outside.

use brokerlink::signing::{hmac_base64, signing_string, NonAscii};
use brokerlink::{Client, PortalOptions};
use brokerlink_sandbox::{Sandbox, SandboxConfig};
use std::net::{IpAddr, Ipv4Addr, UdpSocket};

/// A signed SnapTrade request with a body of our choosing (bypassing the core's checks).
async fn signed_post(sandbox: &Sandbox, path: &str, extra_query: &str, body: &[u8]) -> reqwest::Response {
    let query = format!(
        "clientId={}{extra_query}&timestamp={}",
        sandbox.client_id(),
        chrono::Utc::now().timestamp()
    );
    let content: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let signed = signing_string(content.as_ref(), path, &query, NonAscii::Escape);
    reqwest::Client::new()
        .post(format!("{}{path}?{query}", sandbox.url()))
        .header(
            "Signature",
            hmac_base64(sandbox.consumer_key().as_bytes(), signed.as_bytes()),
        )
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn custom_redirects_must_be_http() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user("redirected").await.unwrap();
    let secret = user.user_secret.as_ref().unwrap().expose().to_owned();
    let extra = format!("&userId=redirected&userSecret={secret}");
    for bad in ["javascript:alert(1)", "data:text/html,hi", "/relative"] {
        let body = serde_json::to_vec(&serde_json::json!({ "customRedirect": bad })).unwrap();
        let response = signed_post(&sandbox, "/snapTrade/login", &extra, &body).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let good = serde_json::to_vec(&serde_json::json!({ "customRedirect": "https://app.example/done" })).unwrap();
    assert_eq!(
        signed_post(&sandbox, "/snapTrade/login", &extra, &good).await.status(),
        200
    );
    // The core refuses such input before sending anything.
    let options = PortalOptions {
        redirect_url: Some("javascript:alert(1)".into()),
        ..PortalOptions::default()
    };
    assert_eq!(
        client.portal_url(&user, &options).await.unwrap_err().field(),
        Some("redirect_url")
    );
}

#[tokio::test]
async fn request_bodies_are_bounded() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let huge = format!("{{\"userId\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = signed_post(&sandbox, "/snapTrade/registerUser", "", huge.as_bytes()).await;
    assert_eq!(response.status(), 413);
}

/// This machine's address on its first non-loopback interface, if it has one.
fn interface_address() -> Option<Ipv4Addr> {
    // Connecting a UDP socket sends nothing; it only picks the outgoing interface.
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("10.255.255.255:9").ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

#[tokio::test]
async fn the_admin_api_answers_loopback_only() {
    let Some(address) = interface_address() else {
        eprintln!("this machine has no non-loopback IPv4 interface; only the loopback half runs");
        return;
    };
    let config = SandboxConfig {
        host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let port = sandbox.url().rsplit(':').next().unwrap().to_owned();
    let from_loopback = reqwest::get(format!("http://127.0.0.1:{port}/_sandbox/state"))
        .await
        .unwrap();
    assert_eq!(from_loopback.status(), 200);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let from_interface = client
        .get(format!("http://{address}:{port}/_sandbox/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(from_interface.status(), 403);
    // The protocol faces still answer there (a LAN sandbox is a choice the user made).
    let status = client.get(format!("http://{address}:{port}/")).send().await.unwrap();
    assert_eq!(status.status(), 200);
}

#[tokio::test]
async fn the_portal_page_loads_nothing_from_outside() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let page = reqwest::get(format!("{}/portal?token=x", sandbox.url())).await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    for asset in ["/portal/assets/portal.css", "/portal/assets/portal.js"] {
        assert!(html.contains(asset));
    }
    for text in [
        html,
        reqwest::get(format!("{}/portal/assets/portal.js", sandbox.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ] {
        assert!(
            !text.contains("https://") && !text.contains("//cdn"),
            "an external reference"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_connects_once_even_when_logins_race() {
    let sandbox = std::sync::Arc::new(Sandbox::start(SandboxConfig::default()).await.unwrap());
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user("racer").await.unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    let brokers: [&'static str; 8] = [
        "ALPACA",
        "ROBINHOOD",
        "SCHWAB",
        "FIDELITY",
        "VANGUARD",
        "QUESTRADE",
        "COINBASE",
        "WEALTHSIMPLE",
    ];
    let racers: Vec<_> = brokers
        .iter()
        .map(|broker| {
            let (sandbox, url, broker) = (sandbox.clone(), link.url.clone(), *broker);
            tokio::task::spawn_blocking(move || {
                sandbox.complete_portal(&brokerlink_sandbox::CompletePortal {
                    url,
                    username: "user_good".into(),
                    password: "pass_good".into(),
                    mfa_code: None,
                    broker: Some(broker.into()),
                    connection_type: None,
                })
            })
        })
        .collect();
    let mut successes = 0;
    for racer in racers {
        if matches!(racer.await.unwrap(), brokerlink::PortalResult::Success { .. }) {
            successes += 1;
        }
    }
    assert_eq!(successes, 1);
    assert_eq!(client.connections(&user).await.unwrap().len(), 1);
}

#[tokio::test]
async fn signatures_verify_over_the_decoded_path_as_a_real_server_does() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user("decoded-paths").await.unwrap();
    let secret = user.user_secret.as_ref().unwrap().expose().to_owned();
    let query = format!(
        "clientId={}&userId=decoded-paths&userSecret={secret}&timestamp={}",
        sandbox.client_id(),
        chrono::Utc::now().timestamp()
    );
    let wire_path = "/authorizations/8b5f262d%2D4bb9%2D365d%2D888a%2D202bd3b15fa1";
    let decoded = "/authorizations/8b5f262d-4bb9-365d-888a-202bd3b15fa1";
    let get = |signed_path: &str| {
        let signed = signing_string(None, signed_path, &query, NonAscii::Escape);
        reqwest::Client::new()
            .get(format!("{}{wire_path}?{query}", sandbox.url()))
            .header(
                "Signature",
                hmac_base64(sandbox.consumer_key().as_bytes(), signed.as_bytes()),
            )
            .send()
    };
    // Signed over the bytes on the wire: a server sees the decoded path, so this fails.
    let response = get(wire_path).await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "1076");
    // Signed over what the server decodes: past the signature check, to an unknown id.
    assert_eq!(get(decoded).await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_admin_api_refuses_browser_pages_and_rebound_names() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let state = format!("{}/_sandbox/state", sandbox.url());
    let port = sandbox.url().rsplit(':').next().unwrap().to_owned();
    // DNS rebinding: a hostile name that resolves to 127.0.0.1 arrives with its own Host.
    let rebound = http
        .get(&state)
        .header("host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        assert_eq!(
            http.get(&state).header("host", host).send().await.unwrap().status(),
            200
        );
    }
    // A page of another origin, even one on this machine.
    for origin in ["https://evil.example", "http://localhost:3000", "null"] {
        let response = http.get(&state).header("origin", origin).send().await.unwrap();
        assert_eq!(response.status(), 403, "{origin}");
    }
    let own = http.get(&state).header("origin", sandbox.url()).send().await.unwrap();
    assert_eq!(own.status(), 200);

    // A cross-site no-cors POST can only be text/plain (or a form): it neither arms a fault
    // nor resets state.
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    client.register_user("survivor").await.unwrap();
    let fault = r#"{"count": 1, "fault": {"status": 503}}"#;
    for (path, body) in [("/_sandbox/faults", fault), ("/_sandbox/reset", "")] {
        let response = http
            .post(format!("{}{path}", sandbox.url()))
            .header("content-type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{path}");
    }
    assert_eq!(sandbox.armed_faults(), 0);
    assert_eq!(client.list_users().await.unwrap(), vec!["survivor".to_owned()]);

    // Ids the admin API hands out cannot be guessed from one another.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let armed: serde_json::Value = http
            .post(format!("{}/_sandbox/faults", sandbox.url()))
            .header("content-type", "application/json")
            .body(r#"{"count": 1, "path": "/nowhere", "fault": {"status": 503}}"#)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(armed["id"].as_str().unwrap().to_owned());
    }
    assert_ne!(ids[0], ids[1]);
    for id in &ids {
        assert!(id.starts_with("flt_") && id.len() == 36, "{id}");
    }
    let endpoint = sandbox
        .add_webhook(
            &serde_json::from_value(serde_json::json!({"url": format!("{}/_sandbox/sink/a", sandbox.url())})).unwrap(),
        )
        .unwrap();
    assert!(
        endpoint.id.starts_with("we_") && endpoint.id.len() == 35,
        "{}",
        endpoint.id
    );
}

#[tokio::test]
async fn the_portal_redirects_only_where_its_app_asked_and_never_widens_a_link() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let session_info = |query: String| {
        let url = format!("{}/portal/api/session?{query}", sandbox.url());
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    // A forged link: no session, so no redirect, whatever the query asks.
    let forged = session_info("token=x&customRedirect=https://example.org/&immediateRedirect=true".into()).await;
    assert_eq!(forged.status(), 410);
    assert_eq!(forged.headers()["x-content-type-options"], "nosniff");
    let body: serde_json::Value = forged.json().await.unwrap();
    assert!(body.get("options").is_none(), "{body}");

    // A real link that was used up: its app's own redirect, from the server's record.
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user("redirected-home").await.unwrap();
    let options = PortalOptions {
        redirect_url: Some("https://app.example/back".into()),
        ..PortalOptions::default()
    };
    let link = client.portal_url(&user, &options).await.unwrap();
    let complete = |url: String, connection_type: Option<&str>| brokerlink_sandbox::CompletePortal {
        url,
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: Some("ALPACA".into()),
        connection_type: connection_type.map(str::to_owned),
    };
    // A read-only link cannot be widened to a trade connection by whoever completes it.
    let widened = sandbox.complete_portal(&complete(link.url.clone(), Some("trade")));
    assert!(
        matches!(&widened, brokerlink::PortalResult::Error { code, .. } if code == "1012"),
        "{widened:?}"
    );
    let done = sandbox.complete_portal(&complete(link.url.clone(), None));
    assert!(matches!(done, brokerlink::PortalResult::Success { .. }), "{done:?}");
    assert_eq!(
        client.connections(&user).await.unwrap()[0].permission,
        brokerlink::Permission::Read
    );
    let token = url::Url::parse(&link.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    let spent = session_info(format!("token={token}&customRedirect=https://evil.example/")).await;
    let body: serde_json::Value = spent.json().await.unwrap();
    assert_eq!(body["options"]["custom_redirect"], "https://app.example/back", "{body}");

    let page = reqwest::get(format!("{}/snapTrade/redeemToken?token=x", sandbox.url()))
        .await
        .unwrap();
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("frame-ancestors *"), "{csp}");
    assert!(csp.contains("frame-ancestors 'self' http://localhost:*"), "{csp}");
}

#[tokio::test]
async fn lifetimes_that_overflow_a_clock_are_refused_at_start() {
    let config = SandboxConfig {
        portal_link_lifetime: std::time::Duration::MAX,
        ..SandboxConfig::default()
    };
    let err = config.check().unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (brokerlink::ErrorKind::InvalidInput, Some("portal_link_lifetime"))
    );
    let refused = Sandbox::start(config).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    assert!(SandboxConfig::default().check().is_ok());
}
