//! The accept loop. A hand-rolled hyper loop (rather than `axum::serve`) so that an injected
//! "connection reset" can drop a connection without answering, and so every response,
//! faults included, gets its own `X-Request-ID`.

use crate::faults::Fault;
use crate::App;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::Router;
use bytes::Bytes;
use futures_util::stream;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// Returned by the service to make hyper close the connection without a response.
#[derive(Debug)]
struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset injected by a sandbox fault")
    }
}

impl std::error::Error for InjectedReset {}

/// The SnapTrade face with the portal and admin API, and the Finatic face; both own paths
/// under `/api/v1`, so requests are dispatched by `finatic::claims`.
#[derive(Debug, Clone)]
pub(crate) struct Routers {
    pub main: Router,
    pub finatic: Router,
}

pub(crate) async fn serve(listener: TcpListener, app: App, routers: Routers, mut shutdown: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let mut housekeeping = tokio::time::interval(crate::limits::HOUSEKEEPING_EVERY);
    // Timed transitions (pending → active, expiring) send webhooks when they happen.
    let mut timers = tokio::time::interval(Duration::from_millis(100));
    timers.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let (app, routers) = (app.clone(), routers.clone());
                let service = hyper::service::service_fn(move |req| handle(app.clone(), routers.clone(), peer, req));
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = housekeeping.tick() => app.store.forget_stale_sessions(),
            _ = timers.tick() => app.store.settle_due(),
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

async fn handle(
    app: App,
    routers: Routers,
    peer: SocketAddr,
    mut request: Request<Incoming>,
) -> Result<Response<Body>, InjectedReset> {
    app.store.count_request();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let admin = path.starts_with("/_sandbox");
    let finatic = crate::finatic::claims(request.method(), &path, request.headers());
    let router = if finatic { routers.finatic } else { routers.main };
    request.extensions_mut().insert(ConnectInfo(peer));
    let request = request.map(Body::new);

    let refused = if admin {
        crate::admin_guard::refusal(request.method(), request.headers(), peer, app.port)
    } else {
        None
    };
    let mut response = if let Some((status, why)) = refused {
        json_response(status, serde_json::json!({ "error": why }).to_string())
    } else {
        let fault = if admin {
            None
        } else {
            app.store.faults.take(&method, &path)
        };
        match fault {
            None => route(router, request).await,
            Some(Fault::Reset { .. }) => return Err(InjectedReset),
            Some(Fault::Delay { delay_ms }) => {
                // Served first, in its own task, then answered late: a client that times out
                // has had its request carried out anyway, as with a slow real server.
                let served = tokio::spawn(route(router, request)).await;
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                served.unwrap_or_else(|_| json_response(StatusCode::INTERNAL_SERVER_ERROR, "{}".into()))
            }
            Some(Fault::Status {
                status,
                body,
                retry_after,
            }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let body = body.unwrap_or_else(|| {
                    if finatic {
                        crate::finatic::FinaticError::new(status.as_u16(), "INJECTED_FAULT", "Injected fault")
                            .wrapped_body()
                    } else {
                        crate::snaptrade::error_body(status.as_u16(), "Injected fault")
                    }
                });
                let mut response = json_response(status, body.to_string());
                if let Some(seconds) = retry_after {
                    response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
                }
                response
            }
            Some(Fault::Truncate { .. }) => truncate(route(router, request).await).await,
            Some(Fault::InvalidJson { .. }) => {
                let real = route(router, request).await;
                let mut response = json_response(real.status(), "{\"detail\": <html>Bad Gateway".into());
                response.headers_mut().extend(
                    real.headers()
                        .iter()
                        .filter(|(k, _)| k.as_str().starts_with("x-"))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                response
            }
            Some(Fault::LargeBody { large_body_bytes }) => large_body(large_body_bytes),
        }
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    // Every answer is what its Content-Type says; a browser must not guess otherwise.
    response
        .headers_mut()
        .insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(response)
}

async fn route(router: Router, request: Request<Body>) -> Response<Body> {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// The real response, announced at full length but cut off half-way.
async fn truncate(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts
        .headers
        .insert("content-length", HeaderValue::from(bytes.len().max(2)));
    let half = bytes.slice(..bytes.len() / 2);
    let chunks = stream::iter([
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "truncated by a sandbox fault",
        )),
    ]);
    Response::from_parts(parts, Body::from_stream(chunks))
}

/// A valid JSON array of `size` bytes, streamed so the sandbox never holds it.
fn large_body(size: u64) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let size = size.max(2);
    let filler = Bytes::from(vec![b' '; CHUNK]);
    let middle = size - 2;
    let full_chunks = middle / CHUNK as u64;
    let rest = (middle % CHUNK as u64) as usize;
    let chunks = std::iter::once(Bytes::from_static(b"["))
        .chain(std::iter::repeat_n(filler.clone(), full_chunks as usize))
        .chain(std::iter::once(filler.slice(..rest)))
        .chain(std::iter::once(Bytes::from_static(b"]")))
        .map(Ok::<Bytes, Infallible>);
    let mut response = Response::new(Body::from_stream(stream::iter(chunks)));
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("content-length", HeaderValue::from(size));
    response
}
