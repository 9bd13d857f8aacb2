//! A webhook receiver inside the sandbox, for conformance runners in every language: it keeps
//! each delivery's raw body and headers, and can refuse the first ones to force retries.

use crate::App;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// The body exactly as received (deliveries are UTF-8 JSON).
    pub body: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// What the sink answered.
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct Sinks(DashMap<String, VecDeque<Received>>);

impl Sinks {
    pub fn clear(&self) {
        self.0.clear();
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/_sandbox/sink/{name}", post(receive).get(received))
        .with_state(app)
}

#[derive(Deserialize)]
struct ReceiveQuery {
    /// Answer 500 to this many deliveries first.
    #[serde(default)]
    fail_first: usize,
}

async fn receive(
    State(app): State<App>,
    Path(name): Path<String>,
    Query(q): Query<ReceiveQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let sinks = &app.store.sinks.0;
    if !sinks.contains_key(&name) && sinks.len() >= crate::limits::SINKS {
        return StatusCode::INSUFFICIENT_STORAGE;
    }
    let mut list = sinks.entry(name).or_default();
    if list.len() >= crate::limits::SINK_DELIVERIES {
        list.pop_front();
    }
    let status = if list.len() < q.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    list.push_back(Received {
        body: String::from_utf8_lossy(&body).into_owned(),
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        status: status.as_u16(),
    });
    status
}

#[derive(Deserialize)]
struct WaitQuery {
    #[serde(default)]
    count: usize,
    #[serde(default = "default_wait")]
    timeout_ms: u64,
}

fn default_wait() -> u64 {
    5000
}

/// What the sink received, after waiting (bounded) until at least `count` arrived.
async fn received(State(app): State<App>, Path(name): Path<String>, Query(q): Query<WaitQuery>) -> Response {
    let deadline = Instant::now() + Duration::from_millis(q.timeout_ms.min(60_000));
    loop {
        let got = app.store.sinks.0.get(&name).map(|l| l.clone()).unwrap_or_default();
        if got.len() >= q.count || Instant::now() >= deadline {
            return Json(got).into_response();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
