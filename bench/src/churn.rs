//! The sandbox under churn: N workers each register a user, open and complete a portal (which
//! fires webhooks into the sandbox's own receiver), list its connections, start a Finatic
//! session with its portal link, and delete the user — over and over for a while. With
//! `--watch-pid` it samples the sandbox's resident memory once a second, so `scripts/soak
//! --churn` can check that every store that grows with traffic (sessions, tokens, the webhook
//! log and receiver) stays bounded.

use brokerlink::{Client, PortalOptions, RetryPolicy};
use brokerlink_bench::rss_kib;
use clap::Parser;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, env = "BROKERLINK_BASE_URL")]
    url: String,
    #[arg(long, env = "BROKERLINK_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "BROKERLINK_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: String,
    #[arg(long, env = "BROKERLINK_API_KEY", hide_env_values = true)]
    api_key: String,
    #[arg(long, default_value_t = 16)]
    workers: usize,
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    #[arg(long)]
    watch_pid: Option<u32>,
}

struct Shared {
    base: String,
    snaptrade: Client,
    finatic: Client,
    http: reqwest::Client,
    stop: AtomicBool,
    rounds: AtomicU64,
    errors: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
}

/// One user's whole life; any failure is counted and the worker goes on.
async fn round(shared: &Shared, worker: usize, n: u64) -> Result<(), String> {
    let e = |e: brokerlink::Error| e.to_string();
    let user = shared
        .snaptrade
        .register_user(&format!("churn-{worker}-{n}"))
        .await
        .map_err(e)?;
    let link = shared
        .snaptrade
        .portal_url(&user, &PortalOptions::default())
        .await
        .map_err(e)?;
    let done = shared
        .http
        .post(format!("{}/_sandbox/portal/complete", shared.base))
        .json(&json!({ "url": link.url, "username": "user_good", "password": "pass_good" }))
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !done.status().is_success() {
        return Err(format!("portal completion answered {}", done.status()));
    }
    if shared.snaptrade.connections(&user).await.map_err(e)?.is_empty() {
        return Err("no connection after the portal".into());
    }
    let session = shared.finatic.start_session(None).await.map_err(e)?;
    shared
        .finatic
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .map_err(e)?;
    shared.snaptrade.delete_user(&user).await.map_err(e)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let build = |builder: brokerlink::ClientBuilder| {
        builder
            .base_url(&base)
            .retry(RetryPolicy::none())
            .build()
            .map_err(|e| e.to_string())
    };
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    // Every event goes to the sandbox's own receiver, which must stay bounded too.
    http.post(format!("{base}/_sandbox/webhooks"))
        .json(&json!({ "url": format!("{base}/_sandbox/sink/churn") }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.without_url().to_string())?;
    let shared = Arc::new(Shared {
        snaptrade: build(Client::builder().snaptrade(&args.client_id, args.consumer_key.as_str()))?,
        finatic: build(Client::builder().finatic(args.api_key.as_str()))?,
        base,
        http,
        stop: AtomicBool::new(false),
        rounds: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        first_error: std::sync::Mutex::new(None),
    });
    let started = Instant::now();
    let workers: Vec<_> = (0..args.workers)
        .map(|worker| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while !shared.stop.load(Ordering::Relaxed) {
                    n += 1;
                    match round(&shared, worker, n).await {
                        Ok(()) => shared.rounds.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            shared
                                .first_error
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                            shared.errors.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            })
        })
        .collect();
    let mut rss = Vec::new();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1).min(deadline - Instant::now())).await;
        if let Some(kib) = args.watch_pid.and_then(rss_kib) {
            rss.push(kib);
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rounds = shared.rounds.load(Ordering::Relaxed);
    let first_error = shared.first_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!(
        "{}",
        json!({
            "seconds": elapsed,
            "workers": args.workers,
            "rounds": rounds,
            "rounds_per_second": rounds as f64 / elapsed,
            "errors": shared.errors.load(Ordering::Relaxed),
            "first_error": first_error,
            "rss_kib": rss,
        })
    );
    Ok(())
}
