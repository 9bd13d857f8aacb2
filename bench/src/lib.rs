//! Shared pieces of the benchmark drivers: the users file every contender reads, a bounded
//! worker pool that times each call, and the one-line JSON report every contender prints.
//!
//! The report format is the same in Rust, Python and Node (see bench/contenders/): per-call
//! latencies in microseconds, wall seconds, errors, items seen, and the process's peak RSS.

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A process's resident memory in KiB, from `/proc` (Linux); `None` elsewhere or once it ended.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The sandbox and the users prepared on it (written by `bench-prepare`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UsersFile {
    pub base_url: String,
    pub client_id: String,
    pub consumer_key: String,
    pub api_key: String,
    pub snaptrade: Vec<SnapTradeUser>,
    pub finatic: Vec<FinaticUser>,
    /// A SnapTrade user whose one account has a long history (the `user_history` login).
    pub history: HistoryUser,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapTradeUser {
    pub user_id: String,
    pub user_secret: String,
    pub connection_id: String,
    /// The connection's first account, whose positions the `positions` mode reads.
    pub account_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryUser {
    pub user_id: String,
    pub user_secret: String,
    pub account_id: String,
    /// How many activities the account has: what every full read must return.
    pub activities: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinaticUser {
    pub user_id: String,
    pub connection_id: String,
}

impl UsersFile {
    pub fn load(path: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub latencies_us: Vec<u64>,
    pub seconds: f64,
    pub errors: u64,
    pub items: u64,
    pub first_error: Option<String>,
    /// CPU time (user + system, all threads) this process used during the run.
    pub cpu_ms: f64,
}

/// Runs `call(0..count)` on `concurrency` workers, each taking the next index until none are
/// left, and times every call. A call returns how many items it saw (connections, links, …).
pub async fn drive<F, Fut>(concurrency: usize, count: usize, call: F) -> Outcome
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<usize, String>> + Send + 'static,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(Mutex::new(None));
    let (started, cpu_before) = (Instant::now(), cpu_ms());
    let mut workers = Vec::new();
    for _ in 0..concurrency.clamp(1, count.max(1)) {
        let (call, next, first_error) = (call.clone(), next.clone(), first_error.clone());
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut items) = (Vec::new(), 0u64, 0u64);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let sent = Instant::now();
                let result = call(index).await;
                latencies.push(sent.elapsed().as_micros() as u64);
                match result {
                    Ok(n) => items += n as u64,
                    Err(e) => {
                        errors += 1;
                        first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    }
                }
            }
            (latencies, errors, items)
        }));
    }
    let mut outcome = Outcome::default();
    for worker in workers {
        match worker.await {
            Ok((latencies, errors, items)) => {
                outcome.latencies_us.extend(latencies);
                outcome.errors += errors;
                outcome.items += items;
            }
            Err(e) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert(format!("worker failed: {e}"));
            }
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.cpu_ms = cpu_ms() - cpu_before;
    let first = first_error.lock().unwrap_or_else(|p| p.into_inner()).take();
    outcome.first_error = outcome.first_error.or(first);
    outcome
}

/// CPU time (user + system) this process has used so far, from /proc (clock-tick resolution).
pub fn cpu_ms() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat").ok().and_then(|stat| {
        // Fields after the command name (which is in parentheses and may hold spaces).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    });
    // The kernel reports in USER_HZ, which is 100 on every Linux ABI.
    ticks.unwrap_or(0) as f64 * 10.0
}

/// This process's peak resident set (VmHWM) in KiB, or 0 where /proc is missing.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// The one-line JSON report the orchestrator (bench/bench.py) reads.
pub fn report(outcome: &Outcome) -> String {
    json!({
        "latencies_us": outcome.latencies_us,
        "seconds": outcome.seconds,
        "errors": outcome.errors,
        "items": outcome.items,
        "first_error": outcome.first_error,
        "cpu_ms": outcome.cpu_ms,
        "peak_rss_kib": peak_rss_kib(),
    })
    .to_string()
}
