//! A recording proxy for tests that must see requests exactly as a server receives them.
#![allow(clippy::unwrap_used, dead_code)] // tests: a failed unwrap is a failed test

use axum::extract::{OriginalUri, Request};
use axum::response::Response;
use reqwest::header::HeaderMap;
use std::sync::{Arc, Mutex};

/// One request as the proxy received it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `METHOD target`, the target as sent (path and query, escapes kept).
    pub line: String,
    pub headers: HeaderMap,
}

pub type Record = Arc<Mutex<Vec<Seen>>>;

/// Forwards each request unchanged to `upstream` and records it; returns the proxy's base URL.
pub async fn recording_proxy(upstream: String) -> (String, Record) {
    let seen: Record = Arc::default();
    let record = seen.clone();
    let http = reqwest::Client::new();
    let proxy = axum::Router::new().fallback(move |OriginalUri(uri): OriginalUri, request: Request| {
        let (http, upstream, record) = (http.clone(), upstream.clone(), record.clone());
        async move {
            let target = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
            let (parts, body) = request.into_parts();
            record.lock().unwrap().push(Seen {
                line: format!("{} {target}", parts.method),
                headers: parts.headers.clone(),
            });
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let mut forwarded = http.request(parts.method, format!("{upstream}{target}")).body(body);
            for (name, value) in &parts.headers {
                if name != "host" {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.send().await.unwrap();
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(axum::body::Body::from(answer.bytes().await.unwrap()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, proxy).await });
    (base, seen)
}

/// The request lines recorded so far.
pub fn lines(record: &Record) -> Vec<String> {
    record.lock().unwrap().iter().map(|s| s.line.clone()).collect()
}
