#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! `brokerlink::blocking` against real servers on loopback: calls driven on the caller's
//! thread, per-thread pools beside the shared async one, and pooled connections the server
//! closed while the thread was idle.

use brokerlink::{blocking, Client, ErrorKind, RetryPolicy, UserCredentials};
use brokerlink_sandbox::{Sandbox, SandboxConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// A sandbox served by a multi-thread runtime of its own, as an app's test would have it.
fn sandbox() -> (Runtime, Sandbox) {
    let runtime = Runtime::new().unwrap();
    let config = SandboxConfig {
        rate_limit_per_minute: 0,
        ..SandboxConfig::default()
    };
    let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
    (runtime, sandbox)
}

fn client(sandbox: &Sandbox, retry: RetryPolicy) -> Client {
    Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .retry(retry)
        .build()
        .unwrap()
}

#[test]
fn blocking_threads_and_async_tasks_share_one_client() {
    let (runtime, sandbox) = sandbox();
    let client = client(&sandbox, RetryPolicy::none());
    let users: Vec<UserCredentials> = (0..8)
        .map(|i| {
            blocking::block_on(client.register_user(&format!("blocking-{i}")))
                .unwrap()
                .unwrap()
        })
        .collect();

    // Eight threads in blocking calls and eight async tasks on the sandbox's runtime, at once,
    // on the same client: each side must use pools its own runtime drives.
    let threads: Vec<_> = users
        .iter()
        .cloned()
        .map(|user| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let listed = blocking::block_on(client.connections(&user)).unwrap().unwrap();
                    assert!(listed.is_empty());
                }
            })
        })
        .collect();
    let tasks: Vec<_> = users
        .iter()
        .cloned()
        .map(|user| {
            let client = client.clone();
            runtime.spawn(async move {
                for _ in 0..20 {
                    assert!(client.connections(&user).await.unwrap().is_empty());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    runtime.block_on(async {
        for task in tasks {
            task.await.unwrap();
        }
    });

    // Errors come back typed, as from the async API.
    let stranger = UserCredentials::new("blocking-0", "not-the-secret");
    let err = blocking::block_on(client.connections(&stranger)).unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[test]
fn a_thread_reuses_its_connection_between_calls() {
    let server = KeepAliveServer::start(Duration::from_secs(30));
    let client = raw_client(&server.url);
    for _ in 0..5 {
        blocking::block_on(client.list_users()).unwrap().unwrap();
    }
    assert_eq!(server.connections(), 1, "five calls, one pooled connection");
    std::thread::scope(|scope| {
        scope.spawn(|| blocking::block_on(client.list_users()).unwrap().unwrap());
    });
    assert_eq!(server.connections(), 2, "another thread, a pool of its own");
}

#[test]
fn a_connection_closed_while_the_thread_was_idle_is_not_reused() {
    // The server closes each connection 50 ms after answering; the blocking thread's runtime is
    // not polled meanwhile, so its pool learns of the close only on the next call. Without
    // retries, that call (a POST, never repeated once it may have been sent) must still go
    // through, on a new connection.
    let server = KeepAliveServer::start(Duration::from_millis(50));
    let client = raw_client(&server.url);
    blocking::block_on(client.list_users()).unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let registered = blocking::block_on(client.register_user("after-idle")).unwrap();
    assert_eq!(registered.unwrap().user_id, "after-idle");
    assert_eq!(server.connections(), 2);
}

fn raw_client(url: &str) -> Client {
    Client::builder()
        .snaptrade("client", "key")
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A bare HTTP/1.1 server that answers every request with a canned SnapTrade body, keeps the
/// connection open for `linger` after each answer, then closes it; counts connections.
struct KeepAliveServer {
    url: String,
    accepted: Arc<AtomicUsize>,
}

impl KeepAliveServer {
    fn start(linger: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || serve(stream, linger));
            }
        });
        KeepAliveServer { url, accepted }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, linger: Duration) {
    stream.set_read_timeout(Some(linger)).unwrap();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(read) = stream.read(&mut chunk) else { return };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if buffer.len() < end + 4 + length {
            continue;
        }
        let body = if head.starts_with("post") {
            br#"{"userId":"after-idle","userSecret":"s3cret"}"#.as_slice()
        } else {
            b"[]".as_slice()
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(answer.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        buffer.drain(..end + 4 + length);
    }
}
