#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! No secret — consumer key, API key, user secret, portal token, one-time token, session id —
//! reaches `tracing` output at any level, from any thread: brokerlink's requests, its retries, and the
//! sandbox answering them. (reqwest and hyper, as built here, emit no `tracing` events.)

use brokerlink::{Client, PortalOptions, RetryPolicy, UserCredentials};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_at_trace_level_shows_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global, not thread-local: the runtime's worker threads do most of the work.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let snaptrade = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let user = snaptrade.register_user("traced").await.unwrap();
    let link = snaptrade.portal_url(&user, &PortalOptions::default()).await.unwrap();
    let token = url::Url::parse(&link.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    sandbox.complete_portal(&CompletePortal {
        url: link.url.clone(),
        username: "user_good".into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    snaptrade.connections(&user).await.unwrap();
    let wrong = UserCredentials::new("traced", "wrong-secret-value");
    assert!(snaptrade.accounts(&wrong).await.is_err());

    let finatic = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let session = finatic.start_session(None).await.unwrap();
    let finatic_link = finatic
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    // The session id travels in this path; no one has logged in yet, so it fails.
    let no_user = finatic.session_user(&session).await.unwrap_err();
    let printed = format!("{session:?} {finatic_link:?} {link:?} {no_user} {no_user:?}");

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("brokerlink::http"),
        "the capture saw brokerlink's own events:\n{log}"
    );
    let secrets = [
        sandbox.consumer_key().to_owned(),
        sandbox.api_key().to_owned(),
        user.user_secret.as_ref().unwrap().expose().to_owned(),
        "wrong-secret-value".to_owned(),
        token,
        session.id.expose().to_owned(),
        link.session_id.expose().to_owned(),
    ];
    assert!(log.contains("/api/v1/session/***/user"), "{log}");
    for secret in secrets {
        assert!(!log.contains(&secret), "a secret reached the trace output:\n{log}");
        assert!(!printed.contains(&secret), "a secret was printed: {printed}");
    }
    assert!(!log.contains("ott_"), "a one-time token reached the trace output");
}
