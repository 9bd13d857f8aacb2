//! The one mapping from `brokerlink::Error` to Swift and Kotlin: the error enum
//! `BrokerlinkError` (Kotlin `BrokerlinkException`), one variant per kind of docs/design.md §4, each
//! carrying the same `ErrorDetails`; and `guard`, which keeps panics from crossing the boundary.
//!
//! Kotlin: `catch (e: BrokerlinkException) { e.kind(); e.details().status }`, or one variant
//! (`catch (e: BrokerlinkException.NotFound) { e.details.requestId }`); `toString()` is the
//! core's message. Swift: `catch let e as BrokerlinkError { e.kind(); e.details().status }`, or
//! `catch BrokerlinkError.NotFound(let details)`; `description` is the core's message.

use std::any::Any;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

pub use crate::generated::ErrorKind;

/// Everything an error says, the same for every kind. None of it ever holds a secret.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    /// The core's description of what went wrong.
    pub message: String,
    /// The input an `invalid_input` error is about.
    pub field: Option<String>,
    /// HTTP status of the last response, if one arrived.
    pub status: Option<u16>,
    /// The provider's request or trace id of the last response, for support tickets.
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    /// HTTP attempts made, retries included; 0 when nothing was sent.
    pub attempts: u32,
    /// The provider's own error code (SnapTrade `code`, Finatic `code`).
    pub provider_code: Option<String>,
    /// The provider's error category, where it has one (Finatic: `AUTHENTICATION`, …).
    pub provider_category: Option<String>,
    /// Why a webhook failed verification (`webhook_invalid` only): `missing_header`,
    /// `malformed_header`, `no_matching_signature`, `timestamp_out_of_tolerance`,
    /// `invalid_event_timestamp`, `invalid_payload`.
    pub reason: Option<String>,
}

/// Declares the error enum (one variant per kind, each with the details) and its lookups, so
/// the twelve variants are written once.
macro_rules! error_enum {
    ($($(#[$doc:meta])* $variant:ident),* $(,)?) => {
        /// Every failure of a brokerlink call: one variant per kind of docs/design.md §4.
        #[derive(Debug, Clone, PartialEq, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum BrokerlinkError {
            $($(#[$doc])* $variant { details: ErrorDetails },)*
        }

        impl BrokerlinkError {
            fn of(details: ErrorDetails) -> Self {
                match details.kind {
                    $(ErrorKind::$variant => BrokerlinkError::$variant { details },)*
                }
            }

            fn inner(&self) -> &ErrorDetails {
                match self {
                    $(BrokerlinkError::$variant { details } => details,)*
                }
            }
        }
    };
}

error_enum! {
    /// Rejected before any request was sent; `details.field` names the input.
    InvalidInput,
    /// Bad credentials or signature (HTTP 401/403).
    Unauthorized,
    /// The user, connection or account does not exist.
    NotFound,
    /// The user already exists, or the connection's state does not allow the call.
    Conflict,
    /// HTTP 429 after retries; `details.retry_after` when the server said how long to wait.
    RateLimited,
    /// The portal link or session is past its lifetime.
    PortalExpired,
    /// HTTP 5xx after retries.
    Server,
    /// Transport failure after retries.
    Network,
    /// No answer within the timeout, after retries.
    Timeout,
    /// The response was not in the documented shape.
    Decode,
    /// A bug in brokerlink (a caught panic or a broken invariant); please report it.
    Internal,
    /// A webhook delivery failed verification; `details.reason` says how.
    WebhookInvalid,
}

#[uniffi::export]
impl BrokerlinkError {
    /// The stable kind (also the variant).
    pub fn kind(&self) -> ErrorKind {
        self.inner().kind
    }

    /// The details, whichever the variant.
    pub fn details(&self) -> ErrorDetails {
        self.inner().clone()
    }
}

/// The core's own message format, e.g. `unauthorized: … (HTTP 401, code 1076, request id …)`.
impl fmt::Display for BrokerlinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.inner();
        let mut core = brokerlink::Error::new(d.kind.into(), d.message.clone())
            .with_provider_code(d.provider_code.clone())
            .with_request_id(d.request_id.clone())
            .with_retry_after(d.retry_after)
            .with_attempts(d.attempts);
        if let Some(status) = d.status {
            core = core.with_status(status);
        }
        fmt::Display::fmt(&core, f)
    }
}

impl std::error::Error for BrokerlinkError {}

impl From<brokerlink::Error> for BrokerlinkError {
    fn from(e: brokerlink::Error) -> Self {
        let mut message = e.message().to_owned();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str("; caused by: ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        BrokerlinkError::of(ErrorDetails {
            kind: e.kind().into(),
            message,
            field: e.field().map(str::to_owned),
            status: e.status(),
            request_id: e.request_id().map(str::to_owned),
            retry_after: e.retry_after(),
            attempts: e.attempts(),
            provider_code: e.provider_code().map(str::to_owned),
            provider_category: e.provider_category().map(str::to_owned),
            reason: e.reason().map(str::to_owned),
        })
    }
}

pub type Result<T, E = BrokerlinkError> = std::result::Result<T, E>;

/// The core error for a panic caught at the boundary.
pub fn from_panic(payload: &(dyn Any + Send)) -> brokerlink::Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    brokerlink::Error::internal(format!("a bug in brokerlink (please report it): panic: {what}"))
}

/// Runs one synchronous entry point; a panic inside becomes `internal` instead of crossing
/// into Swift or Kotlin.
pub fn guard<T>(f: impl FnOnce() -> brokerlink::Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(from_panic(&*payload)))
        .map_err(BrokerlinkError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_maps_to_its_variant() {
        for kind in brokerlink::ErrorKind::ALL {
            let e = BrokerlinkError::from(brokerlink::Error::new(kind, "x"));
            assert_eq!(brokerlink::ErrorKind::from(e.kind()), kind);
            assert_eq!(e.kind().to_string(), kind.as_str());
        }
    }

    #[test]
    fn details_carry_the_fields_and_display_the_message() {
        let core = brokerlink::Error::new(brokerlink::ErrorKind::Unauthorized, "bad signature")
            .with_status(401)
            .with_provider_code(Some("1076".into()))
            .with_request_id(Some("req-1".into()))
            .with_attempts(1);
        let e = BrokerlinkError::from(core);
        assert!(matches!(e, BrokerlinkError::Unauthorized { .. }));
        let d = e.details();
        assert_eq!((d.status, d.attempts), (Some(401), 1));
        assert_eq!(d.provider_code.as_deref(), Some("1076"));
        assert_eq!(
            e.to_string(),
            "unauthorized: bad signature (HTTP 401, code 1076, request id req-1)"
        );
    }

    #[test]
    fn guard_turns_a_panic_into_internal() {
        let e = guard::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(e.details().message.contains("boom"));
    }
}
