//! A loopback load generator for the sandbox: signed `GET /authorizations` for one user from
//! N concurrent connections for a while, reporting throughput, latency percentiles, errors,
//! and (with --watch-pid) the server's resident memory over time.
//!
//! Like wrk, it writes prepared HTTP/1.1 requests on keep-alive connections and reads just
//! enough of each answer (status line, Content-Length, body) to check it, so the sandbox, not
//! the generator, gets most of the two cores. Signatures are refreshed once a second (the
//! timestamp window is 300 s), so the generator spends its CPU on requests, not on HMACs.

use brokerlink::signing::{hmac_base64, signing_string, NonAscii};
use brokerlink::{Client, PortalOptions};
use brokerlink_bench::rss_kib;
use clap::Parser;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser, Debug)]
struct Args {
    /// The sandbox, e.g. http://127.0.0.1:7878
    #[arg(long, env = "BROKERLINK_BASE_URL")]
    url: String,
    #[arg(long, env = "BROKERLINK_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "BROKERLINK_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: String,
    #[arg(long, default_value_t = 64)]
    connections: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Sample this process's resident memory once a second.
    #[arg(long)]
    watch_pid: Option<u32>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The bytes of one signed request, ready to write.
type Signed = Arc<[u8]>;

fn sign(args: &Args, user_id: &str, secret: &str) -> Signed {
    let query = format!(
        "clientId={}&userId={user_id}&userSecret={secret}&timestamp={}",
        args.client_id,
        chrono::Utc::now().timestamp()
    );
    let canonical = signing_string(None, "/authorizations", &query, NonAscii::Escape);
    let signature = hmac_base64(args.consumer_key.as_bytes(), canonical.as_bytes());
    let host = host_and_port(&args.url);
    format!("GET /authorizations?{query} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nSignature: {signature}\r\n\r\n")
        .into_bytes()
        .into()
}

/// `127.0.0.1:7878` from `http://127.0.0.1:7878/`.
fn host_and_port(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

/// One keep-alive connection's loop until `stop`: write the current request, read its answer.
/// A failed or non-200 answer counts as an error and the connection is opened again.
async fn connection_loop(
    address: String,
    signed: Arc<RwLock<Signed>>,
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
) -> Vec<u32> {
    let mut latencies = Vec::with_capacity(100_000);
    let mut buffer = Vec::with_capacity(16 * 1024);
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(&address).await else {
            errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        buffer.clear();
        while !stop.load(Ordering::Relaxed) {
            let request = signed.read().unwrap_or_else(|p| p.into_inner()).clone();
            let sent = Instant::now();
            let good = match stream.write_all(&request).await {
                Ok(()) => read_answer(&mut stream, &mut buffer).await,
                Err(_) => None,
            };
            latencies.push(sent.elapsed().as_micros() as u32);
            match good {
                Some(true) => ok.fetch_add(1, Ordering::Relaxed),
                Some(false) => errors.fetch_add(1, Ordering::Relaxed),
                None => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            };
        }
    }
    latencies
}

/// Reads one answer: `Some(status == 200)`, or `None` when the connection is unusable.
/// `buffer` keeps whatever arrived past this answer for the next one.
async fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let status_ok = head.starts_with("HTTP/1.1 200 ");
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    }
    buffer.drain(..head_end + length);
    Some(status_ok)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    // A user with one connection, so every answer has a real body.
    let client = Client::builder()
        .snaptrade(&args.client_id, args.consumer_key.as_str())
        .base_url(&args.url)
        .build()
        .map_err(|e| e.to_string())?;
    let user_id = format!("loadgen-{}", chrono::Utc::now().timestamp_micros());
    let user = client.register_user(&user_id).await.map_err(|e| e.to_string())?;
    let link = client
        .portal_url(&user, &PortalOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    http.post(format!("{}/_sandbox/portal/complete", args.url.trim_end_matches('/')))
        .json(&json!({ "url": link.url, "username": "user_good", "password": "pass_good" }))
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let secret = user
        .user_secret
        .as_ref()
        .map(|s| s.expose().to_owned())
        .unwrap_or_default();

    let signed = Arc::new(RwLock::new(sign(&args, &user_id, &secret)));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut workers = Vec::new();
    let address = host_and_port(&args.url).to_owned();
    for _ in 0..args.connections {
        let (signed, stop, ok, errors) = (signed.clone(), stop.clone(), ok.clone(), errors.clone());
        workers.push(tokio::spawn(connection_loop(address.clone(), signed, stop, ok, errors)));
    }
    let mut rss = Vec::new();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1).min(deadline - Instant::now())).await;
        *signed.write().unwrap_or_else(|p| p.into_inner()) = sign(&args, &user_id, &secret);
        if let Some(kib) = args.watch_pid.and_then(rss_kib) {
            rss.push(kib);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let (ok, errors) = (ok.load(Ordering::Relaxed), errors.load(Ordering::Relaxed));
    let report = json!({
        "seconds": elapsed,
        "connections": args.connections,
        "requests": ok + errors,
        "errors": errors,
        "requests_per_second": (ok + errors) as f64 / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "rss_kib": rss,
    });
    if args.json {
        println!("{report}");
    } else {
        println!(
            "{} requests in {:.1}s with {} connections: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            ok + errors,
            elapsed,
            args.connections,
            (ok + errors) as f64 / elapsed,
            pct(0.50),
            pct(0.99),
            errors
        );
        if !rss.is_empty() {
            println!("server RSS (KiB, per second): {rss:?}");
        }
    }
    Ok(())
}
