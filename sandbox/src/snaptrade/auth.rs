//! Partner authentication: `clientId`, a `timestamp` inside the window, the per-client rate
//! limit, and the HMAC `Signature` over the request exactly as received.

use super::ApiError;
use crate::ratelimit::RateDecision;
use crate::App;
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use brokerlink::signing::{constant_time_eq, hmac_base64, signing_string, NonAscii};
use serde_json::Value;

/// Request bodies larger than this are refused before they are read whole.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub async fn verify_signature(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => return ApiError::new(413, "1012", "Request body too large").into_response(),
    };
    let query = uri.query().unwrap_or_default();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    // A real server verifies over the path its web framework hands it, percent-decoded; the
    // bytes on the wire differ from it when a client escapes more than it must.
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let (acting_as, rate) = match bearer_token(&parts.headers) {
        Some(token) => match app.store.oauth.bearer(token) {
            // OAuth calls are outside the customer-level bucket, as SnapTrade documents.
            Some(grant) => (Some(grant.user_id), None),
            None => return invalid_token(),
        },
        None => match signed_caller(&app, &parts.headers, &path, query, &params, &body) {
            Ok(caller) => caller,
            Err(refused) => return *refused,
        },
    };
    // A Personal key and an OAuth token are their own user and name none.
    if let Some(user_id) = &acting_as {
        if is_user_management(&path) {
            return ApiError::new(
                403,
                "1066",
                "Personal users cannot manage users: the key or token acts as its own SnapTrade user",
            )
            .into_response();
        }
        act_as(&app, &mut parts.uri, &params, user_id);
    }
    // The account bucket counts signed calls on accounts that exist, so made-up ids neither
    // grow its map nor get an answer that says whether an account exists.
    let account_rate = data_call_account(&path)
        .filter(|account| app.store.portfolios.contains_key(*account))
        .and_then(|account| app.store.account_rate_limiter.check(account));
    let mut response = match account_rate {
        Some(decision) if !decision.allowed => {
            app.store.count_throttled();
            throttled(decision)
        }
        _ => next.run(Request::from_parts(parts, Body::from(body))).await,
    };
    if let Some(decision) = rate {
        add_rate_headers(&mut response, decision, CUSTOMER_HEADERS);
    }
    if let Some(decision) = account_rate {
        add_rate_headers(&mut response, decision, ACCOUNT_HEADERS);
    }
    response
}

/// A signed request's caller: `Some(user id)` for the Personal key (its own user), `None` for
/// the Commercial key; with the customer bucket's decision. `Err` is the refusal to send.
fn signed_caller(
    app: &App,
    headers: &axum::http::HeaderMap,
    path: &str,
    query: &str,
    params: &[(String, String)],
    body: &[u8],
) -> Result<(Option<String>, Option<RateDecision>), Box<Response>> {
    let param = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let config = &app.store.config;
    let Some(client_id) = param("clientId") else {
        return Err(Box::new(
            ApiError::new(401, "1076", "clientId is required").into_response(),
        ));
    };
    let personal = if constant_time_eq(client_id.as_bytes(), config.client_id.as_bytes()) {
        false
    } else if constant_time_eq(client_id.as_bytes(), config.personal_client_id.as_bytes()) {
        true
    } else {
        return Err(Box::new(
            ApiError::new(401, "1076", "Unable to verify signature sent: unknown clientId").into_response(),
        ));
    };
    let consumer_key = if personal {
        &config.personal_consumer_key
    } else {
        &config.consumer_key
    };
    let rate = app.store.rate_limiter.check(client_id);
    if let Some(decision) = rate.filter(|d| !d.allowed) {
        app.store.count_throttled();
        let mut response = throttled(decision);
        add_rate_headers(&mut response, decision, CUSTOMER_HEADERS);
        return Err(Box::new(response));
    }
    let timestamp: Option<i64> = param("timestamp").and_then(|t| t.parse().ok());
    let Some(timestamp) = timestamp else {
        return Err(Box::new(
            ApiError::new(401, "1076", "timestamp is required").into_response(),
        ));
    };
    let skew = chrono::Utc::now().timestamp().abs_diff(timestamp);
    if skew > config.timestamp_window.as_secs() {
        return Err(Box::new(
            ApiError::new(
                401,
                "1076",
                format!(
                    "Unable to verify signature sent: timestamp is {skew}s away from the server clock (window {}s)",
                    config.timestamp_window.as_secs()
                ),
            )
            .into_response(),
        ));
    }
    let signature = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if signature.is_empty() || !signature_matches(consumer_key, path, query, body, signature) {
        return Err(Box::new(
            ApiError::new(401, "1076", "Unable to verify signature sent").into_response(),
        ));
    }
    Ok((personal.then(|| app.store.personal_user_id.clone()), rate))
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// RFC 6750 §3: a token that is unknown, expired or revoked.
fn invalid_token() -> Response {
    let mut response = ApiError::new(401, "1076", "The access token is invalid, expired or revoked").into_response();
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// The routes that create, list, delete or re-key a partner's users.
fn is_user_management(path: &str) -> bool {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    matches!(
        path,
        "/snapTrade/registerUser" | "/snapTrade/deleteUser" | "/snapTrade/listUsers" | "/snapTrade/resetUserSecret"
    )
}

/// A Personal key or an OAuth token names no user: the request goes on as if it named the
/// caller's own user, so every handler serves every kind of caller. Any user it did name is
/// dropped: its own is the only one it can act as.
fn act_as(app: &App, uri: &mut axum::http::Uri, params: &[(String, String)], user_id: &str) {
    let secret = app
        .store
        .users
        .get(user_id)
        .map(|u| u.secret.clone())
        .unwrap_or_default();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in params.iter().filter(|(k, _)| k != "userId" && k != "userSecret") {
        query.append_pair(key, value);
    }
    query.append_pair("userId", user_id);
    query.append_pair("userSecret", &secret);
    let target = format!("{}?{}", uri.path(), query.finish());
    if let Ok(rewritten) = target.parse() {
        *uri = rewritten;
    }
}

/// The account a data call reads: `/accounts/{id}` and everything under it, with or without
/// the legacy `/api/v1` prefix.
fn data_call_account(path: &str) -> Option<&str> {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let rest = path.strip_prefix("/accounts/")?;
    let account = rest.split('/').next().unwrap_or_default();
    (!account.is_empty()).then_some(account)
}

/// A 429 in SnapTrade's words, with `Retry-After` at the bucket's reset.
fn throttled(decision: RateDecision) -> Response {
    let mut response = ApiError::new(
        429,
        "0000",
        format!(
            "Request was throttled. Expected available in {} seconds.",
            decision.reset_after
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from(decision.reset_after));
    response
}

const CUSTOMER_HEADERS: [&str; 3] = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];
const ACCOUNT_HEADERS: [&str; 3] = [
    "x-ratelimit-account-limit",
    "x-ratelimit-account-remaining",
    "x-ratelimit-account-reset",
];

fn add_rate_headers(response: &mut Response, decision: RateDecision, [limit, remaining, reset]: [&'static str; 3]) {
    let headers = response.headers_mut();
    headers.insert(limit, HeaderValue::from(decision.limit));
    headers.insert(remaining, HeaderValue::from(decision.remaining));
    headers.insert(reset, HeaderValue::from(decision.reset_after));
}

/// Accepts every form the official SDKs produce: the path with or without the legacy
/// `/api/v1` prefix, and non-ASCII in the body signed escaped (Python) or raw (TypeScript).
pub fn signature_matches(consumer_key: &str, path: &str, query: &str, body: &[u8], signature: &str) -> bool {
    let content: Option<Value> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => Some(value),
            Err(_) => return false,
        }
    };
    let mut paths = vec![path];
    if let Some(stripped) = path.strip_prefix("/api/v1").filter(|p| p.starts_with('/')) {
        paths.push(stripped);
    }
    let has_non_ascii = !body.is_ascii();
    let forms: &[NonAscii] = if has_non_ascii || body.windows(2).any(|w| w == b"\\u") {
        &[NonAscii::Escape, NonAscii::Raw]
    } else {
        &[NonAscii::Escape]
    };
    // The TypeScript SDK keys the HMAC with `encodeURI(consumerKey)`.
    let encoded_key = encode_uri(consumer_key);
    let mut keys = vec![consumer_key];
    if encoded_key != consumer_key {
        keys.push(&encoded_key);
    }
    keys.iter().any(|key| {
        paths.iter().any(|path| {
            forms.iter().any(|form| {
                let signed = signing_string(content.as_ref(), path, query, *form);
                let expected = hmac_base64(key.as_bytes(), signed.as_bytes());
                constant_time_eq(expected.as_bytes(), signature.as_bytes())
            })
        })
    })
}

/// JavaScript's `encodeURI`: escapes everything but unreserved and URI-reserved characters.
fn encode_uri(text: &str) -> String {
    const KEEP: &str = ";,/?:@&=+$-_.!~*'()#";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || KEEP.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(path: &str, query: &str, body: Option<&Value>, form: NonAscii) -> String {
        hmac_base64(b"key", signing_string(body, path, query, form).as_bytes())
    }

    #[test]
    fn accepts_legacy_prefix_signed_either_way() {
        let q = "clientId=C&timestamp=1";
        assert!(signature_matches(
            "key",
            "/api/v1/accounts",
            q,
            b"",
            &sign("/accounts", q, None, NonAscii::Escape)
        ));
        assert!(signature_matches(
            "key",
            "/api/v1/accounts",
            q,
            b"",
            &sign("/api/v1/accounts", q, None, NonAscii::Escape)
        ));
        assert!(!signature_matches(
            "key",
            "/accounts",
            q,
            b"",
            &sign("/api/v1/accounts", q, None, NonAscii::Escape)
        ));
    }

    #[test]
    fn accepts_non_ascii_escaped_and_raw() {
        let body = serde_json::json!({"userId": "jos\u{e9}"});
        let q = "clientId=C&timestamp=1";
        let raw_body = serde_json::to_vec(&body).unwrap();
        for form in [NonAscii::Escape, NonAscii::Raw] {
            let signature = sign("/snapTrade/registerUser", q, Some(&body), form);
            assert!(signature_matches(
                "key",
                "/snapTrade/registerUser",
                q,
                &raw_body,
                &signature
            ));
            let escaped = brokerlink::signing::canonical_json(&body, NonAscii::Escape);
            assert!(signature_matches(
                "key",
                "/snapTrade/registerUser",
                q,
                escaped.as_bytes(),
                &signature
            ));
        }
    }

    #[test]
    fn accepts_keys_passed_through_encode_uri() {
        assert_eq!(encode_uri("a b%é"), "a%20b%25%C3%A9");
        let q = "clientId=C&timestamp=1";
        let signed = signing_string(None, "/accounts", q, NonAscii::Escape);
        let signature = hmac_base64(b"k%20y", signed.as_bytes());
        assert!(signature_matches("k y", "/accounts", q, b"", &signature));
    }

    #[test]
    fn rejects_tampering() {
        let q = "clientId=C&timestamp=1";
        let signature = sign("/accounts", q, None, NonAscii::Escape);
        assert!(!signature_matches(
            "key",
            "/accounts",
            "clientId=C&timestamp=2",
            b"",
            &signature
        ));
        assert!(!signature_matches("other", "/accounts", q, b"", &signature));
        assert!(!signature_matches("key", "/accounts", q, b"{\"a\":1}", &signature));
    }
}
