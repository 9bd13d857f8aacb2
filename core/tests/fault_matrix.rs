#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Every SnapTrade call × every fault the sandbox injects → the documented outcome: retried
//! and succeeded, or a typed error with status, request id and attempts. Non-idempotent calls
//! are never repeated once they may have reached the server.

use brokerlink::{Client, ErrorKind, PortalOptions, RetryPolicy, UserCredentials};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    RegisterUser,
    DeleteUser,
    ListUsers,
    RotateSecret,
    PortalUrl,
    Connections,
    Connection,
    RemoveConnection,
    Refresh,
    Disable,
    Accounts,
    Account,
    ConnectionAccounts,
}

const CALLS: [Call; 13] = [
    Call::RegisterUser,
    Call::DeleteUser,
    Call::ListUsers,
    Call::RotateSecret,
    Call::PortalUrl,
    Call::Connections,
    Call::Connection,
    Call::RemoveConnection,
    Call::Refresh,
    Call::Disable,
    Call::Accounts,
    Call::Account,
    Call::ConnectionAccounts,
];

impl Call {
    /// GET and DELETE, and `login` (which only mints another link), may be repeated.
    fn idempotent(self) -> bool {
        !matches!(
            self,
            Call::RegisterUser | Call::RotateSecret | Call::Refresh | Call::Disable
        )
    }

    /// Calls whose answer has a body brokerlink reads.
    fn decodes(self) -> bool {
        !matches!(
            self,
            Call::DeleteUser | Call::RemoveConnection | Call::Refresh | Call::Disable
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Ok { requests: u32 },
    Err(ErrorKind, Option<u16>, u32),
}

fn faults() -> Vec<(&'static str, Value)> {
    vec![
        ("429 Retry-After 0", json!({"status": 429, "retry_after": 0})),
        ("500", json!({"status": 500})),
        ("502", json!({"status": 502})),
        ("503", json!({"status": 503})),
        ("504", json!({"status": 504})),
        ("reset", json!({"reset": true})),
        ("delay past timeout", json!({"delay_ms": 700})),
        ("truncated body", json!({"truncate": true})),
        ("invalid JSON", json!({"invalid_json": true})),
        ("wrong shape", json!({"status": 200, "body": {"surprise": [1, 2, 3]}})),
        ("50 MB body", json!({"large_body_bytes": 50_000_000})),
    ]
}

/// The documented outcome of one fault (armed for one request) on one call.
fn expected(call: Call, fault: &str) -> Expect {
    let retried = Expect::Ok { requests: 2 };
    let once = |kind, status| Expect::Err(kind, status, 1);
    match fault {
        // The server refused without acting: every call may repeat it.
        "429 Retry-After 0" => retried,
        "500" => once(ErrorKind::Server, Some(500)),
        "502" | "503" if call.idempotent() => retried,
        "502" | "503" => once(ErrorKind::Server, Some(fault.parse().unwrap())),
        "504" if call.idempotent() => retried,
        "504" => once(ErrorKind::Timeout, Some(504)),
        "reset" | "truncated body" if call.idempotent() => retried,
        "reset" | "truncated body" => once(ErrorKind::Network, None),
        "delay past timeout" if call.idempotent() => retried,
        "delay past timeout" => once(ErrorKind::Timeout, None),
        "invalid JSON" | "wrong shape" if call.decodes() => once(ErrorKind::Decode, Some(200)),
        "invalid JSON" | "wrong shape" => Expect::Ok { requests: 1 },
        "50 MB body" => once(ErrorKind::Decode, Some(200)),
        other => panic!("no expectation for {other}"),
    }
}

struct Fixture {
    sandbox: Sandbox,
    client: Client,
    user: UserCredentials,
    connection_id: String,
    account_id: String,
    fresh: u32,
}

impl Fixture {
    async fn new() -> Self {
        let config = SandboxConfig {
            rate_limit_per_minute: 0,
            refresh_cooldown: Duration::ZERO,
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await.unwrap();
        let client = Client::builder()
            .snaptrade(sandbox.client_id(), sandbox.consumer_key())
            .base_url(sandbox.url())
            .timeout(Duration::from_millis(300))
            .retry(RetryPolicy {
                max_attempts: 3,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
                max_retry_after: Duration::from_secs(1),
            })
            .build()
            .unwrap();
        let user = client.register_user("matrix").await.unwrap();
        let mut fixture = Fixture {
            sandbox,
            client,
            user,
            connection_id: String::new(),
            account_id: String::new(),
            fresh: 0,
        };
        fixture.connect().await;
        fixture
    }

    /// (Re)connects Alpaca as user_good: the same connection, enabled again.
    async fn connect(&mut self) {
        let link = self
            .client
            .portal_url(&self.user, &PortalOptions::default())
            .await
            .unwrap();
        let done = self.sandbox.complete_portal(&CompletePortal {
            url: link.url,
            username: "user_good".into(),
            password: "pass_good".into(),
            mfa_code: None,
            broker: Some("ALPACA".into()),
            connection_type: None,
        });
        let brokerlink::PortalResult::Success {
            connection_id: Some(id),
            ..
        } = done
        else {
            panic!("{done:?}")
        };
        self.connection_id = id;
        self.account_id = self.client.accounts(&self.user).await.unwrap()[0].id.clone();
    }

    async fn prepare(&mut self, call: Call) -> Option<UserCredentials> {
        match call {
            Call::Disable | Call::Refresh | Call::RemoveConnection => {
                self.connect().await;
                None
            }
            // A rotation whose answer is lost leaves the caller without the new secret, so
            // these run on users of their own.
            Call::DeleteUser | Call::RotateSecret => {
                self.fresh += 1;
                Some(self.client.register_user(&format!("own-{}", self.fresh)).await.unwrap())
            }
            _ => None,
        }
    }

    async fn run(&mut self, call: Call, extra: Option<&UserCredentials>) -> brokerlink::Result<()> {
        let (c, u, id, account) = (
            &self.client,
            &self.user,
            self.connection_id.as_str(),
            self.account_id.as_str(),
        );
        match call {
            Call::RegisterUser => {
                self.fresh += 1;
                c.register_user(&format!("new-{}", self.fresh)).await.map(drop)
            }
            Call::DeleteUser => c.delete_user(extra.unwrap()).await,
            Call::ListUsers => c.list_users().await.map(drop),
            Call::RotateSecret => c.rotate_user_secret(extra.unwrap()).await.map(drop),
            Call::PortalUrl => c.portal_url(u, &PortalOptions::default()).await.map(drop),
            Call::Connections => c.connections(u).await.map(drop),
            Call::Connection => c.connection(u, id).await.map(drop),
            Call::RemoveConnection => c.remove_connection(u, id).await,
            Call::Refresh => c.refresh_connection(u, id).await,
            Call::Disable => c.disable_connection(u, id).await,
            Call::Accounts => c.accounts(u).await.map(drop),
            Call::Account => c.account(u, account).await.map(drop),
            Call::ConnectionAccounts => c.connection_accounts(u, id).await.map(drop),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_under_every_fault_has_its_documented_outcome() {
    let mut fixture = Fixture::new().await;
    let mut failures = Vec::new();
    let mut cases = 0;
    for call in CALLS {
        for (name, fault) in faults() {
            cases += 1;
            let extra = fixture.prepare(call).await;
            fixture.sandbox.clear_faults();
            fixture
                .sandbox
                .inject_fault(serde_json::from_value(json!({"count": 1, "fault": fault})).unwrap())
                .unwrap();
            let served = fixture.sandbox.state().requests_served;
            let outcome = fixture.run(call, extra.as_ref()).await;
            let sent = fixture.sandbox.state().requests_served - served;
            let ok = match (expected(call, name), &outcome) {
                (Expect::Ok { requests }, Ok(())) => sent == u64::from(requests),
                (Expect::Err(kind, status, attempts), Err(e)) => {
                    let id_ok = status.is_none() || e.request_id().is_some();
                    e.kind() == kind && e.status() == status && e.attempts() == attempts && id_ok
                }
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{call:?} × {name}: expected {:?}, got {outcome:?}",
                    expected(call, name)
                ));
            }
            // Let a delayed request finish on the server before the next case.
            if name == "delay past timeout" {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    assert_eq!(cases, 143);
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_non_idempotent_call_whose_outcome_is_unknown_is_not_repeated() {
    let fixture = Fixture::new().await;
    let before = fixture.client.list_users().await.unwrap().len();
    // The request reaches the server (which registers the user) but the answer comes too late.
    fixture
        .sandbox
        .inject_fault(
            serde_json::from_value(json!({"method": "POST", "count": 1, "fault": {"delay_ms": 700}})).unwrap(),
        )
        .unwrap();
    let err = fixture.client.register_user("maybe").await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let users = fixture.client.list_users().await.unwrap();
    assert_eq!(users.len(), before + 1, "registered exactly once: {users:?}");
    let again = fixture.client.register_user("maybe").await.unwrap_err();
    assert_eq!(
        again.kind(),
        ErrorKind::Conflict,
        "the app learns the outcome by asking again"
    );
}
