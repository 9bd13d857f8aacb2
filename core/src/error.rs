//! The one error type of brokerlink, with the stable kinds of docs/design.md §4.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// What went wrong, as a small stable set that every language binding exposes unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Rejected before any request was sent (or the server rejected the input); names the field.
    InvalidInput,
    /// Bad credentials or signature (401/403).
    Unauthorized,
    /// The user, connection or account does not exist.
    NotFound,
    /// The user already exists, or the connection is not in a state that allows the call.
    Conflict,
    /// 429 after retries; `retry_after` is set when the server said how long to wait.
    RateLimited,
    /// The portal link or session is past its lifetime.
    PortalExpired,
    /// 5xx after retries.
    Server,
    /// Transport failure after retries (connect, reset, TLS).
    Network,
    /// No answer within the configured timeout, after retries.
    Timeout,
    /// The response was not in the documented shape.
    Decode,
    /// A bug in brokerlink: a caught panic or a broken invariant.
    Internal,
    /// A webhook delivery failed verification; `reason()` says how.
    WebhookInvalid,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::InvalidInput,
        ErrorKind::Unauthorized,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::RateLimited,
        ErrorKind::PortalExpired,
        ErrorKind::Server,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::Internal,
        ErrorKind::WebhookInvalid,
    ];

    /// The stable string every binding and conformance transcript uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::PortalExpired => "portal_expired",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::Internal => "internal",
            ErrorKind::WebhookInvalid => "webhook_invalid",
        }
    }

    pub fn parse(value: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// The kind an HTTP error status means when the provider's body says nothing more precise.
    pub fn for_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            // 402: SnapTrade's "connection disabled"; 425: "still populating".
            409 | 402 | 425 => ErrorKind::Conflict,
            410 => ErrorKind::PortalExpired,
            429 => ErrorKind::RateLimited,
            408 | 504 => ErrorKind::Timeout,
            // A redirect is never followed (it would carry credentials elsewhere).
            300..=399 | 500..=599 => ErrorKind::Server,
            _ => ErrorKind::InvalidInput,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// Every failure of a brokerlink call. Boxed so that `Result<T>` stays one pointer wide.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    attempts: u32,
    provider_code: Option<String>,
    provider_category: Option<String>,
    reason: Option<&'static str>,
    source: Option<Cause>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            field: None,
            status: None,
            request_id: None,
            retry_after: None,
            attempts: 0,
            provider_code: None,
            provider_category: None,
            reason: None,
            source: None,
        }))
    }

    /// `invalid_input` naming the offending field; raised before any request is sent.
    pub fn invalid_input(field: &str, message: impl fmt::Display) -> Self {
        Error::new(ErrorKind::InvalidInput, format!("{field}: {message}")).with_field(field)
    }

    pub fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Decode, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.0.request_id = request_id;
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.0.retry_after = retry_after;
        self
    }

    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    pub fn with_provider_code(mut self, code: Option<String>) -> Self {
        self.0.provider_code = code;
        self
    }

    pub fn with_provider_category(mut self, category: Option<String>) -> Self {
        self.0.provider_category = category;
        self
    }

    /// A `webhook_invalid` error with its reason (`missing_header`, `malformed_header`,
    /// `no_matching_signature`, `timestamp_out_of_tolerance`, `invalid_event_timestamp`,
    /// `invalid_payload`).
    pub fn webhook_invalid(reason: &'static str, message: impl Into<String>) -> Self {
        let mut error = Error::new(ErrorKind::WebhookInvalid, message);
        error.0.reason = Some(reason);
        error
    }

    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Human-readable description, never containing a secret.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The input field an `invalid_input` error is about.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// HTTP status of the last response, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The provider's request or trace id of the last response, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// HTTP attempts made, retries included; 0 when nothing was sent.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The provider's own error code (SnapTrade `code`, Finatic `code`).
    pub fn provider_code(&self) -> Option<&str> {
        self.0.provider_code.as_deref()
    }

    /// Why a webhook failed verification (only for `webhook_invalid`).
    pub fn reason(&self) -> Option<&'static str> {
        self.0.reason
    }

    /// The provider's error category, where it has one (Finatic: `AUTHENTICATION`, …).
    pub fn provider_category(&self) -> Option<&str> {
        self.0.provider_category.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        write!(f, "{}: {}", inner.kind, inner.message)?;
        let mut details = Vec::new();
        if let Some(status) = inner.status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(code) = &inner.provider_code {
            details.push(format!("code {code}"));
        }
        if let Some(id) = &inner.request_id {
            details.push(format!("request id {id}"));
        }
        if let Some(wait) = inner.retry_after {
            details.push(format!("retry after {}s", wait.as_secs_f64()));
        }
        if inner.attempts > 1 {
            details.push(format!("{} attempts", inner.attempts));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        f.debug_struct("Error")
            .field("kind", &inner.kind)
            .field("message", &inner.message)
            .field("field", &inner.field)
            .field("status", &inner.status)
            .field("request_id", &inner.request_id)
            .field("retry_after", &inner.retry_after)
            .field("attempts", &inner.attempts)
            .field("provider_code", &inner.provider_code)
            .field("provider_category", &inner.provider_category)
            .field("reason", &inner.reason)
            .field("source", &inner.source)
            .finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source.as_deref().map(|cause| cause as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stable_strings() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ErrorKind::parse("nope"), None);
    }

    #[test]
    fn display_carries_status_code_and_request_id() {
        let err = Error::new(ErrorKind::Unauthorized, "Unable to verify signature sent")
            .with_status(401)
            .with_provider_code(Some("1076".into()))
            .with_request_id(Some("req-1".into()))
            .with_attempts(1);
        assert_eq!(
            err.to_string(),
            "unauthorized: Unable to verify signature sent (HTTP 401, code 1076, request id req-1)"
        );
    }

    #[test]
    fn invalid_input_names_the_field() {
        let err = Error::invalid_input("user_id", "must not be empty");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field(), Some("user_id"));
        assert_eq!(err.attempts(), 0);
    }
}
