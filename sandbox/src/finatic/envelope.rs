//! Finatic's two response envelopes: W (`{trace_id, success, error, warning}`), which the spec
//! gives every route, and E (`{traceId, data, warnings, errors}`), left on the offboarding call
//! that only finatic-server-python knows.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

fn trace_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn w_ok(data: Value) -> Response {
    w_ok_meta(data, Value::Null)
}

pub fn w_ok_meta(data: Value, meta: Value) -> Response {
    Json(json!({
        "trace_id": trace_id(),
        "success": { "data": data, "meta": meta },
        "error": null,
        "warning": null,
    }))
    .into_response()
}

/// A failure in Finatic's terms, rendered in whichever envelope the route speaks.
#[derive(Debug, Clone)]
pub struct FinaticError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl FinaticError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        FinaticError {
            status,
            code,
            message: message.into(),
        }
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The E envelope's category for this status.
    fn category(&self) -> &'static str {
        match self.status {
            401 => "AUTHENTICATION",
            403 => "AUTHORIZATION",
            400 | 422 => "VALIDATION",
            404 => "NOT_FOUND",
            409 => "CONFLICT",
            429 => "RATE_LIMITED",
            502 | 503 => "PROVIDER_ERROR",
            _ => "INTERNAL",
        }
    }

    fn error_type(&self) -> &'static str {
        match self.status {
            401 => "AuthenticationError",
            403 => "AuthorizationError",
            400 | 422 => "ValidationError",
            404 => "NotFoundError",
            429 => "RateLimitError",
            _ => "ServerError",
        }
    }

    pub fn wrapped(&self) -> Response {
        (self.status_code(), Json(self.wrapped_body())).into_response()
    }

    pub fn wrapped_body(&self) -> Value {
        json!({
            "trace_id": trace_id(),
            "success": { "data": null },
            "error": {
                "type": self.error_type(),
                "category": self.category(),
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "details": null,
            },
            "warning": null,
        })
    }

    pub fn enveloped(&self) -> Response {
        let body = json!({
            "traceId": trace_id(),
            "data": null,
            "warnings": [],
            "errors": [{ "category": self.category(), "code": self.code, "message": self.message, "details": null }],
        });
        (self.status_code(), Json(body)).into_response()
    }
}

pub fn e_ok(data: Value) -> Response {
    Json(json!({ "traceId": trace_id(), "data": data, "warnings": [], "errors": [] })).into_response()
}
