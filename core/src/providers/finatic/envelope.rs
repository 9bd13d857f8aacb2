//! Finatic's answers: the `{success, error}` (W) and `{data, errors}` (E) envelopes, their errors
//! as brokerlink errors of the right kind, and decoding the data with the response it came from.

use super::{wire, Finatic};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{header_text, Reply};
use crate::providers::body_excerpt;
use crate::secret::provider_text;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

/// Finatic's trace id (from the envelope, else its header), else the generic request id header.
fn request_id(reply: &Reply, trace_id: Option<String>) -> Option<String> {
    trace_id
        .or_else(|| header_text(&reply.headers, "x-trace-id"))
        .or_else(|| reply.request_id())
}

/// A successful envelope's contents, and the response they came from.
pub(super) struct Answer {
    /// As sent, so that numbers (money) decode from their text, never through a binary float.
    pub(super) data: Box<RawValue>,
    pub(super) meta: Value,
    pub(super) origin: Origin,
}

impl Answer {
    pub(super) fn decode<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        self.origin.decode(what, &self.data)
    }
}

/// Which response a value came from, so that a shape error names it as a transport error would.
pub(super) struct Origin {
    status: u16,
    request_id: Option<String>,
    attempts: u32,
}

impl Origin {
    pub(super) fn decode<T: DeserializeOwned>(&self, what: &str, data: &RawValue) -> Result<T> {
        serde_json::from_str(data.get()).map_err(|e| self.shape_error(what, e))
    }

    /// Decodes a part of `meta` (which holds no money, so a parsed `Value` serves).
    pub(super) fn decode_meta<T: DeserializeOwned>(&self, what: &str, value: Value) -> Result<T> {
        serde_json::from_value(value).map_err(|e| self.shape_error(what, e))
    }

    fn shape_error(&self, what: &str, e: serde_json::Error) -> Error {
        Error::decode(format!("{what}: unexpected data shape ({e})"))
            .with_status(self.status)
            .with_request_id(self.request_id.clone())
            .with_attempts(self.attempts)
    }
}

fn null_data() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
}

impl Finatic {
    /// The `data` and `meta` of a W envelope, or the error either envelope (or none) describes.
    pub(super) fn unwrap_envelope(&self, reply: &Reply, what: &str) -> Result<Answer> {
        if !reply.is_success() {
            return Err(self.error_from(reply, what));
        }
        let parsed: wire::Wrapped = serde_json::from_slice(&reply.body).map_err(|e| {
            self.decorate(
                Error::decode(format!(
                    "{what}: not a Finatic envelope ({e}); body starts {}",
                    body_excerpt(&reply.body, &reply.carried)
                )),
                reply,
                None,
            )
        })?;
        if parsed.error.is_some() {
            return Err(self.error_from(reply, what));
        }
        let success = parsed.success.ok_or_else(|| {
            self.decorate(
                Error::decode(format!("{what}: the envelope has neither success nor error")),
                reply,
                parsed.trace_id.clone(),
            )
        })?;
        Ok(Answer {
            data: success.data.unwrap_or_else(null_data),
            meta: success.meta,
            origin: Origin {
                status: reply.status,
                request_id: request_id(reply, parsed.trace_id),
                attempts: reply.attempts,
            },
        })
    }

    fn decorate(&self, error: Error, reply: &Reply, trace_id: Option<String>) -> Error {
        error
            .with_status(reply.status)
            .with_request_id(request_id(reply, trace_id))
            .with_retry_after(reply.retry_after())
            .with_attempts(reply.attempts)
    }

    /// Either envelope's error (or none) as a brokerlink error of the right kind.
    pub(super) fn error_from(&self, reply: &Reply, what: &str) -> Error {
        let text = |v: &Option<Value>| {
            v.as_ref().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let (code, category, message, trace_id) = match serde_json::from_slice::<wire::Wrapped>(&reply.body) {
            Ok(w) if w.error.is_some() => {
                let e = w.error.unwrap_or_else(|| unreachable!());
                (text(&e.code), e.category.or(e.kind), e.message, w.trace_id)
            }
            _ => match serde_json::from_slice::<wire::Enveloped>(&reply.body) {
                Ok(env) if !env.errors.is_empty() => {
                    let e = &env.errors[0];
                    (
                        text(&e.code),
                        e.category.clone(),
                        e.message.clone(),
                        env.trace_id.clone(),
                    )
                }
                _ => (None, None, None, None),
            },
        };
        let kind = kind_for(code.as_deref(), category.as_deref(), reply.status);
        let message = message
            .map(|m| provider_text(&m, &reply.carried))
            .unwrap_or_else(|| format!("HTTP {}", reply.status));
        let error = Error::new(kind, format!("{what}: {message}"))
            .with_provider_code(code)
            .with_provider_category(category);
        self.decorate(error, reply, trace_id)
    }
}

/// Finatic's error category or code, else the HTTP status, as a brokerlink kind.
fn kind_for(code: Option<&str>, category: Option<&str>, status: u16) -> ErrorKind {
    match code.map(str::to_ascii_uppercase).as_deref() {
        Some("SESSION_EXPIRED" | "TOKEN_EXPIRED" | "PORTAL_EXPIRED") => return ErrorKind::PortalExpired,
        Some("SESSION_NOT_FOUND" | "CONNECTION_NOT_FOUND" | "USER_NOT_FOUND" | "NOT_FOUND") => {
            return ErrorKind::NotFound
        }
        Some("INVALID_API_KEY" | "INVALID_TOKEN" | "TOKEN_USED" | "UNAUTHORIZED") => return ErrorKind::Unauthorized,
        Some("RATE_LIMIT_EXCEEDED") => return ErrorKind::RateLimited,
        _ => {}
    }
    match category.map(str::to_ascii_uppercase).as_deref() {
        Some("AUTHENTICATION" | "AUTHORIZATION") => ErrorKind::Unauthorized,
        Some("VALIDATION") => ErrorKind::InvalidInput,
        Some("NOT_FOUND") => ErrorKind::NotFound,
        Some("CONFLICT") => ErrorKind::Conflict,
        Some("RATE_LIMITED") => ErrorKind::RateLimited,
        Some("REAUTH_REQUIRED") => ErrorKind::PortalExpired,
        Some("PROVIDER_ERROR" | "INTERNAL") => ErrorKind::Server,
        _ => ErrorKind::for_status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_codes_categories_and_status() {
        assert_eq!(kind_for(Some("SESSION_EXPIRED"), None, 401), ErrorKind::PortalExpired);
        assert_eq!(kind_for(None, Some("AUTHENTICATION"), 401), ErrorKind::Unauthorized);
        assert_eq!(kind_for(None, Some("VALIDATION"), 422), ErrorKind::InvalidInput);
        assert_eq!(kind_for(None, None, 404), ErrorKind::NotFound);
    }

    #[test]
    fn an_envelope_keeps_every_digit_of_an_amount() {
        let finatic = Finatic::new(
            crate::FinaticCredential::ApiKey(crate::Secret::new("fntc_sandbox_test")),
            url::Url::parse("http://127.0.0.1:1").unwrap(),
            None,
        )
        .unwrap();
        let body =
            br#"{"success": {"data": [{"id": "a1", "balance": 12345678901234567.89, "currency": "USD"}], "meta": {}}}"#;
        let reply = Reply {
            status: 200,
            headers: Default::default(),
            body: bytes::Bytes::from_static(body),
            attempts: 1,
            carried: vec![],
        };
        let answer = finatic.unwrap_envelope(&reply, "test").unwrap();
        let accounts: Vec<wire::WireAccount> = answer.decode("test").unwrap();
        let account = crate::Account::from(accounts.into_iter().next().unwrap());
        assert_eq!(account.balance.unwrap().amount.to_string(), "12345678901234567.89");
    }
}
