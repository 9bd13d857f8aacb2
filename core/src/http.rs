//! The one HTTP path every provider call takes: a pooled reqwest client, bounded response
//! bodies, and retries with exponential backoff and full jitter (docs/design.md §5).

use crate::blocking;
use crate::error::{Error, ErrorKind, Result};
use crate::ratelimit::RateBudget;
use crate::secret::{redact, Secret};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use rand::Rng;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT};
use reqwest::Method;
use std::cell::RefCell;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use thread_local::ThreadLocal;
use url::Url;

/// When and how often a failed request is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Upper bound of the first backoff; doubles per attempt, with full jitter.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest wait for a rate limit to reset: a 429 asking to wait longer is returned at
    /// once as `rate_limited`, and a call whose bucket the last answers showed empty for
    /// longer fails the same way without a request (`ratelimit.rs`).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    fn backoff(&self, failed_attempts: u32) -> Duration {
        let exponent = failed_attempts.saturating_sub(1).min(16);
        let ceiling = self.initial_backoff.saturating_mul(1 << exponent).min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }
}

/// Whether repeating a request whose outcome is unknown could do something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    Idempotent,
    /// Retried only when it certainly did not reach the server (connect failure, 429).
    NotIdempotent,
}

/// One fully built request; rebuilt per attempt so that signatures carry a fresh timestamp.
pub(crate) struct Outgoing {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    /// Every credential the request carries, wherever it travels (header, query, path, body):
    /// kept out of logs, and out of whatever the provider's answer echoes into an error.
    pub carried: Vec<Secret>,
    /// The account whose rate-limit bucket the request counts against, for a data call.
    pub account: Option<String>,
}

/// A response with its body read (within the size limit).
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub attempts: u32,
    /// The credentials the request carried (see `Outgoing::carried`).
    pub carried: Vec<Secret>,
}

// Hand-written: the URL's query carries user secrets, headers carry keys and signatures, and a
// registration's body carries the new secret. Only what is safe to log is shown.
impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("path", &redact(self.url.path(), &self.carried))
            .field("body_bytes", &self.body.as_ref().map(Bytes::len))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("body_bytes", &self.body.len())
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl Reply {
    pub fn request_id(&self) -> Option<String> {
        header_text(&self.headers, "x-request-id")
    }

    /// `Retry-After` as seconds or as an HTTP-date (RFC 9110), clamped to a day either way
    /// rather than trusted (or panicked on); a date in the past means "now".
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        let seconds: f64 = match value.parse::<f64>() {
            Ok(seconds) => seconds,
            Err(_) => {
                let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
                let ahead = at.signed_duration_since(chrono::Utc::now()).num_milliseconds();
                (ahead.max(0) as f64) / 1000.0
            }
        };
        (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER_SECONDS)))
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The longest wait a `Retry-After` can ask for, whatever it says.
const MAX_RETRY_AFTER_SECONDS: f64 = 86_400.0;

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

#[derive(Debug)]
pub(crate) struct Transport {
    /// The pool of callers that run their own async runtime, with the process it was built in:
    /// a forked child builds its own, as it does its blocking pools (see `blocking.rs`).
    shared: Mutex<SharedPool>,
    /// One pool per thread that calls through `blocking::block_on`, tagged with the generation
    /// of the runtime its connections live on (see `blocking.rs` on why pools cannot be shared).
    per_thread: ThreadLocal<RefCell<Option<ThreadPool>>>,
    settings: HttpSettings,
    retry: RetryPolicy,
    max_body_bytes: usize,
    budget: RateBudget,
}

/// The shared pool and the process its connections belong to.
#[derive(Debug)]
struct SharedPool {
    pid: u32,
    http: reqwest::Client,
}

/// A blocking thread's pool and the runtime (and process) its connections belong to.
#[derive(Debug)]
struct ThreadPool {
    generation: u64,
    pid: u32,
    http: reqwest::Client,
}

/// What every pool of a transport is built from.
#[derive(Debug)]
struct HttpSettings {
    timeout: Duration,
    user_agent: HeaderValue,
}

impl HttpSettings {
    fn build(&self) -> Result<reqwest::Client> {
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, self.user_agent.clone());
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .default_headers(headers)
            .pool_idle_timeout(Duration::from_secs(60))
            // Never follow redirects: the credential headers (X-API-Key, Signature, session
            // ids) would be re-sent to the new host, and Referer would carry the user secret
            // in the old URL's query. A 3xx surfaces as an error instead.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| Error::internal("could not build the HTTP client").with_source(e.without_url()))
    }
}

/// A failed attempt, and whether the server may have acted on it.
struct AttemptFailure {
    error: Error,
    maybe_delivered: bool,
    /// False when trying again cannot help (an oversized body stays oversized).
    transient: bool,
}

impl Transport {
    pub fn new(timeout: Duration, retry: RetryPolicy, user_agent: &str, max_body_bytes: usize) -> Result<Self> {
        if retry.max_attempts == 0 {
            return Err(Error::invalid_input("retry.max_attempts", "must be at least 1"));
        }
        if timeout.is_zero() {
            return Err(Error::invalid_input("timeout", "must be greater than zero"));
        }
        crate::validate::checked_duration("timeout", timeout)?;
        crate::validate::checked_duration("retry.initial_backoff", retry.initial_backoff)?;
        crate::validate::checked_duration("retry.max_backoff", retry.max_backoff)?;
        crate::validate::checked_duration("retry.max_retry_after", retry.max_retry_after)?;
        let user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| Error::invalid_input("user_agent", "must be printable ASCII"))?;
        let settings = HttpSettings { timeout, user_agent };
        Ok(Transport {
            shared: Mutex::new(SharedPool {
                pid: std::process::id(),
                http: settings.build()?,
            }),
            per_thread: ThreadLocal::new(),
            settings,
            retry,
            max_body_bytes,
            budget: RateBudget::default(),
        })
    }

    /// The pool for this call: the calling thread's own inside `blocking::block_on`, else the
    /// shared one.
    fn pool(&self) -> Result<reqwest::Client> {
        let Some(generation) = blocking::driving() else {
            return self.shared_pool();
        };
        let mut slot = self.per_thread.get_or_default().borrow_mut();
        if let Some(pool) = slot.as_ref().filter(|pool| pool.generation == generation) {
            return Ok(pool.http.clone());
        }
        let fresh = ThreadPool {
            generation,
            pid: std::process::id(),
            http: self.settings.build()?,
        };
        let http = fresh.http.clone();
        match slot.replace(fresh) {
            // Inherited through fork: its sockets are the parent's too (see `blocking.rs`).
            Some(stale) if stale.pid != std::process::id() => std::mem::forget(stale),
            // A pool of a thread that ended (its slot is reused): its runtime is gone, and
            // with it every connection.
            _ => {}
        }
        Ok(http)
    }

    /// Sends the request `build` makes, retrying as the policy and `idempotency` allow.
    /// Any HTTP status comes back as a `Reply`; only transport failures are errors.
    pub async fn send(&self, idempotency: Idempotency, build: impl Fn() -> Result<Outgoing>) -> Result<Reply> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outgoing = build()?;
            // Finatic puts session ids in paths: they authorise calls, so logs never show them.
            let (method, path) = (outgoing.method.clone(), redact(outgoing.url.path(), &outgoing.carried));
            let account = outgoing.account.clone();
            if let Err(exhausted) = self.budget.admit(account.as_deref(), self.retry.max_retry_after).await {
                tracing::debug!(target: "brokerlink::http", %method, %path, wait_ms = exhausted.wait.as_millis() as u64, "rate limit used up");
                return Err(Error::new(
                    ErrorKind::RateLimited,
                    format!(
                        "{} is used up for another {} s, longer than retry.max_retry_after ({} s); not sent",
                        exhausted.bucket.describe(),
                        exhausted.wait.as_secs_f64().ceil(),
                        self.retry.max_retry_after.as_secs_f64()
                    ),
                )
                .with_retry_after(Some(exhausted.wait))
                .with_attempts(attempt - 1));
            }
            let started = Instant::now();
            let outcome = self.attempt(outgoing).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let last = attempt >= self.retry.max_attempts;
            match outcome {
                Ok(mut reply) => {
                    self.budget.observe(account.as_deref(), &reply.headers);
                    tracing::debug!(target: "brokerlink::http", %method, %path, status = reply.status, attempt, elapsed_ms, request_id = reply.request_id().as_deref(), "response");
                    reply.attempts = attempt;
                    if last || !self.status_is_retryable(reply.status, idempotency) {
                        return Ok(reply);
                    }
                    let wait = match reply.retry_after() {
                        Some(asked) if asked > self.retry.max_retry_after => return Ok(reply),
                        Some(asked) => asked,
                        None => self.retry.backoff(attempt),
                    };
                    tokio::time::sleep(wait).await;
                }
                Err(failure) => {
                    tracing::debug!(target: "brokerlink::http", %method, %path, attempt, elapsed_ms, error = %failure.error, "transport failure");
                    let may_repeat = !failure.maybe_delivered || idempotency == Idempotency::Idempotent;
                    if last || !may_repeat || !failure.transient {
                        return Err(failure.error.with_attempts(attempt));
                    }
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                }
            }
        }
    }

    /// The shared pool of this process. In a forked child the inherited one is leaked, not
    /// dropped: its connections are the parent's, served by tasks of a runtime the child does
    /// not run, and dropping it would close sockets the parent still uses.
    fn shared_pool(&self) -> Result<reqwest::Client> {
        let mut shared = self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pid = std::process::id();
        if shared.pid != pid {
            let fresh = SharedPool {
                pid,
                http: self.settings.build()?,
            };
            std::mem::forget(std::mem::replace(&mut *shared, fresh));
        }
        Ok(shared.http.clone())
    }

    fn status_is_retryable(&self, status: u16, idempotency: Idempotency) -> bool {
        // A 429 means the server refused the request without acting on it.
        status == 429 || (idempotency == Idempotency::Idempotent && matches!(status, 502..=504))
    }

    async fn attempt(&self, outgoing: Outgoing) -> Result<Reply, AttemptFailure> {
        let pool = self.pool().map_err(|error| AttemptFailure {
            error,
            maybe_delivered: false,
            transient: false,
        })?;
        let carried = outgoing.carried;
        let mut request = pool.request(outgoing.method, outgoing.url).headers(outgoing.headers);
        if let Some(body) = outgoing.body {
            request = request.body(body);
        }
        let response = request.send().await.map_err(|e| AttemptFailure {
            maybe_delivered: !e.is_connect(),
            transient: true,
            error: transport_error(e),
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = header_text(&headers, "x-request-id");
        let body = self.read_body(response).await.map_err(|error| AttemptFailure {
            transient: error.kind() != ErrorKind::Decode,
            error: error.with_status(status).with_request_id(request_id.clone()),
            maybe_delivered: true,
        })?;
        Ok(Reply {
            status,
            headers,
            body,
            attempts: 0,
            carried,
        })
    }

    /// Reads the body without ever holding more than the limit in memory.
    async fn read_body(&self, response: reqwest::Response) -> Result<Bytes> {
        let limit = self.max_body_bytes;
        let too_big = || Error::decode(format!("response body is larger than the {limit}-byte limit"));
        if response.content_length().is_some_and(|len| len > limit as u64) {
            return Err(too_big());
        }
        // Sized from the header when there is one: growing by doubling copied a large page
        // of activities several times over.
        let expected = response.content_length().map_or(0, |len| len as usize);
        let mut body = BytesMut::with_capacity(expected);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(transport_error)?;
            if body.len() + chunk.len() > limit {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// A reqwest failure as a brokerlink error, with the URL (which may carry a user secret in its
/// query) stripped from the message and the cause.
fn transport_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Network
    };
    let what = if error.is_timeout() {
        "no response within the timeout"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response body was cut off"
    } else {
        "the request failed in transport"
    };
    Error::new(kind, format!("{what}: {}", cause_chain(&error))).with_source(error)
}

fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_but_stays_under_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            max_retry_after: Duration::from_secs(1),
        };
        for attempt in 1..=40 {
            let wait = policy.backoff(attempt);
            let cap = Duration::from_millis(100 * (1 << (attempt - 1).min(3)));
            assert!(wait <= cap, "attempt {attempt}: {wait:?} > {cap:?}");
        }
    }

    #[test]
    fn absurd_retry_after_values_neither_panic_nor_count() {
        let reply = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            Reply {
                status: 429,
                headers,
                body: Bytes::new(),
                attempts: 1,
                carried: Vec::new(),
            }
        };
        assert_eq!(reply("1e30").retry_after(), Some(Duration::from_secs(86_400)));
        // The HTTP-date form: honoured, clamped like seconds, and "now" when already past.
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .to_rfc2822()
            .replace("+0000", "GMT");
        let asked = reply(&soon).retry_after().unwrap();
        assert!(
            asked > Duration::from_secs(25) && asked <= Duration::from_secs(30),
            "{asked:?}"
        );
        assert_eq!(
            reply("Tue, 31 Dec 2999 23:59:59 GMT").retry_after(),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(
            reply("Sun, 06 Nov 1994 08:49:37 GMT").retry_after(),
            Some(Duration::ZERO)
        );
        assert_eq!(reply("tomorrow").retry_after(), None);
        assert_eq!(reply("2.5").retry_after(), Some(Duration::from_millis(2500)));
        assert_eq!(reply("-1").retry_after(), None);
        assert_eq!(reply("NaN").retry_after(), None);
    }

    #[test]
    fn zero_attempts_is_rejected() {
        let policy = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        let err = Transport::new(Duration::from_secs(1), policy, "ua", 1024).unwrap_err();
        assert_eq!(err.field(), Some("retry.max_attempts"));
        let err = Transport::new(Duration::MAX, RetryPolicy::default(), "ua", 1024).unwrap_err();
        assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidInput, Some("timeout")));
        let huge = RetryPolicy {
            max_backoff: Duration::MAX,
            ..RetryPolicy::default()
        };
        let err = Transport::new(Duration::from_secs(1), huge, "ua", 1024).unwrap_err();
        assert_eq!(err.field(), Some("retry.max_backoff"));
    }
}
