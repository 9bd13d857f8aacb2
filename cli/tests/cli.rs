#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The `brokerlink` binary as users and scripts run it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_brokerlink");

struct Running {
    child: Child,
    url: String,
    client_id: String,
    consumer_key: String,
    api_key: String,
    oauth_client_id: String,
    oauth_client_secret: String,
    personal_client_id: String,
    personal_consumer_key: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sandbox(extra: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap();
    let first = next();
    let url = first
        .strip_prefix("brokerlink sandbox listening on http://127.0.0.1:")
        .map(|port| format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    assert!(url[17..].parse::<u16>().unwrap() > 0);
    let client_id = next().strip_prefix("client_id=").unwrap().to_owned();
    let consumer_key = next().strip_prefix("consumer_key=").unwrap().to_owned();
    let api_key = next().strip_prefix("api_key=").unwrap().to_owned();
    let oauth_client_id = next().strip_prefix("oauth_client_id=").unwrap().to_owned();
    let oauth_client_secret = next().strip_prefix("oauth_client_secret=").unwrap().to_owned();
    let personal_client_id = next().strip_prefix("personal_client_id=").unwrap().to_owned();
    let personal_consumer_key = next().strip_prefix("personal_consumer_key=").unwrap().to_owned();
    Running {
        child,
        url,
        client_id,
        consumer_key,
        api_key,
        oauth_client_id,
        oauth_client_secret,
        personal_client_id,
        personal_consumer_key,
    }
}

#[test]
fn sandbox_prints_its_contract_and_honours_given_credentials() {
    let sandbox = start_sandbox(&[
        "--client-id",
        "MY-CLIENT",
        "--consumer-key",
        "my-key",
        "--personal-client-id",
        "MY-PERSONAL",
        "--personal-consumer-key",
        "my-personal-key",
        "--oauth-client-id",
        "my-oauth-app",
        "--oauth-client-secret",
        "my-oauth-secret",
    ]);
    assert_eq!(sandbox.oauth_client_id, "my-oauth-app");
    assert_eq!(sandbox.oauth_client_secret, "my-oauth-secret");
    assert_eq!(sandbox.client_id, "MY-CLIENT");
    assert_eq!(sandbox.consumer_key, "my-key");
    assert_eq!(sandbox.personal_client_id, "MY-PERSONAL");
    assert_eq!(sandbox.personal_consumer_key, "my-personal-key");
    let out = Command::new(BIN)
        .args(["connections", "--user-id", "nobody"])
        .env("BROKERLINK_BASE_URL", &sandbox.url)
        .env("BROKERLINK_CLIENT_ID", &sandbox.client_id)
        .env("BROKERLINK_CONSUMER_KEY", &sandbox.consumer_key)
        .env("BROKERLINK_USER_SECRET", "wrong-secret")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: unauthorized:"), "{stderr}");
    assert!(
        !stderr.contains("wrong-secret") && !stderr.contains("my-key"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn sandbox_stops_cleanly_on_sigterm() {
    let mut sandbox = start_sandbox(&[]);
    let status = Command::new("kill")
        .args(["-TERM", &sandbox.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = sandbox.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn portal_url_rejects_bad_input_before_any_request() {
    let out = Command::new(BIN)
        .args(["portal-url", "--user-id", "u", "--redirect-url", "javascript:alert(1)"])
        .env("BROKERLINK_BASE_URL", "http://127.0.0.1:9")
        .env("BROKERLINK_CLIENT_ID", "c")
        .env("BROKERLINK_CONSUMER_KEY", "k")
        .env("BROKERLINK_USER_SECRET", "s")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("error: invalid_input: redirect_url"), "{stderr}");
}

#[test]
fn finatic_portal_url_starts_a_session_for_a_new_user() {
    let sandbox = start_sandbox(&[]);
    let out = Command::new(BIN)
        .args([
            "portal-url",
            "--provider",
            "finatic",
            "--only-broker",
            "alpaca",
            "--mode",
            "dark",
        ])
        .env("BROKERLINK_BASE_URL", &sandbox.url)
        .env("BROKERLINK_API_KEY", &sandbox.api_key)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!("{}/portal?token=", sandbox.url)),
        "{stdout}"
    );
    assert!(stdout.contains("mode=dark") && stdout.contains("brokers="), "{stdout}");
    assert!(
        stderr.contains("session started") && stderr.contains("session ***"),
        "{stderr}"
    );
    let token = stdout.split("token=").nth(1).unwrap().split('&').next().unwrap();
    assert!(!stderr.contains(token), "{stderr}");
    let missing_key = Command::new(BIN)
        .args(["connections", "--provider", "finatic", "--user-id", "u"])
        .env_remove("BROKERLINK_API_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8(missing_key.stderr).unwrap();
    assert!(stderr.starts_with("error: BROKERLINK_API_KEY"), "{stderr}");
}

#[test]
fn demo_runs_the_whole_flow() {
    let runs = [
        ("snaptrade", "user_good", "/snapTrade/redeemToken?token=***"),
        ("snaptrade", "user_pending", "/snapTrade/redeemToken?token=***"),
        ("finatic", "user_good", "/portal?token=***"),
        ("finatic", "user_mfa", "/portal?token=***"),
    ];
    for (provider, username, link) in runs {
        let out = Command::new(BIN)
            .args(["demo", "--provider", provider, "--username", username])
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{provider} {username}: {stdout}");
        assert!(stdout.contains(link), "{stdout}");
        assert_eq!(provider == "snaptrade", stdout.contains("&sessionId=***"), "{stdout}");
        assert_eq!(provider == "finatic", stdout.contains("user id "), "{stdout}");
        assert!(stdout.contains("Alpaca is active"), "{stdout}");
        assert!(stdout.contains("15363.23 USD"), "{stdout}");
    }
}

/// A one-request HTTP server on loopback that answers 200 and hands back what it received.
fn capture_one_request() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mine", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        let _ = tx.send(String::from_utf8_lossy(&request).into_owned());
    });
    (url, rx)
}

#[test]
fn listen_shows_the_events_of_a_demo_run_beside_it_and_forwards_them() {
    let sandbox = start_sandbox(&[]);
    let (forward_url, forwarded) = capture_one_request();
    let mut listener = Command::new(BIN)
        .args([
            "listen",
            "--sandbox-url",
            &sandbox.url,
            "--event",
            "CONNECTION_ADDED",
            "--forward-to",
            &forward_url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = listener.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait = std::time::Duration::from_secs(10);
    let first = lines.recv_timeout(wait).unwrap();
    assert!(first.starts_with("listening on http://127.0.0.1:"), "{first}");

    let demo = Command::new(BIN)
        .args(["demo", "--base-url", &sandbox.url])
        .env("BROKERLINK_CLIENT_ID", &sandbox.client_id)
        .env("BROKERLINK_CONSUMER_KEY", &sandbox.consumer_key)
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));

    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(wait) {
        let done = line.contains("CONNECTION_ADDED") && line.ends_with("verified");
        seen.push(line);
        if done {
            break;
        }
    }
    // The listener prints an event before it forwards it: wait for the copy before stopping it.
    let request = forwarded.recv_timeout(wait);
    let _ = listener.kill();
    let _ = listener.wait();
    assert!(
        seen.iter()
            .any(|l| l.contains("CONNECTION_ADDED") && l.contains("user=demo-user-")),
        "{seen:?}"
    );
    let request = request.unwrap();
    assert!(request.starts_with("POST /mine"), "{request}");
    assert!(
        request.contains("webhook-signature: v1,") && request.contains("\"eventType\":\"CONNECTION_ADDED\""),
        "{request}"
    );
}

/// `positions` and `activities` print tables for a user a test connected through the sandbox's
/// admin API; activities stream page by page and honour the date range.
#[test]
fn positions_and_activities_print_an_accounts_data() {
    let sandbox = start_sandbox(&["--history-activities", "1500"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (user, account_id) = runtime.block_on(async {
        let client = brokerlink::Client::builder()
            .snaptrade(sandbox.client_id.as_str(), sandbox.consumer_key.as_str())
            .base_url(&sandbox.url)
            .build()
            .unwrap();
        let user = client.register_user("cli-data").await.unwrap();
        let link = client
            .portal_url(&user, &brokerlink::PortalOptions::default())
            .await
            .unwrap();
        let done: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/_sandbox/portal/complete", sandbox.url))
            .json(&serde_json::json!({ "url": link.url, "username": "user_history", "password": "pass_good" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(done["status"], "SUCCESS", "{done}");
        let account = client.accounts(&user).await.unwrap().remove(0);
        (user, account.id)
    });
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .args(["--user-id", &user.user_id])
            .env("BROKERLINK_BASE_URL", &sandbox.url)
            .env("BROKERLINK_CLIENT_ID", &sandbox.client_id)
            .env("BROKERLINK_CONSUMER_KEY", &sandbox.consumer_key)
            .env("BROKERLINK_USER_SECRET", user.user_secret.as_ref().unwrap().expose())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (positions, _) = run(&["positions"]);
    assert!(positions.starts_with("Alpaca Individual\nSYMBOL"), "{positions}");
    for symbol in ["VTI", "AAPL", "KO"] {
        assert!(positions.contains(&format!("\n{symbol} ")), "{positions}");
    }
    let (all, count) = run(&["activities", "--account-id", &account_id, "--page-size", "1000"]);
    assert_eq!(count.trim(), "1500 activities");
    assert_eq!(all.matches("DATE  ").count(), 2, "one table per page: {all}");
    let first_date = all.lines().nth(2).unwrap()[..10].to_owned();
    let (today, count) = run(&["activities", "--account-id", &account_id, "--since", &first_date]);
    assert!(today.lines().skip(2).all(|l| l.starts_with(&first_date)), "{today}");
    assert_ne!(count.trim(), "0 activities");
}
