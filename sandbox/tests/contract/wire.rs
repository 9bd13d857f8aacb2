//! Requests to the sandbox over real HTTP on loopback: SnapTrade's signed calls and Finatic's
//! header-authenticated ones, each answer kept whole for validation.

use brokerlink::signing::{hmac_base64, signing_string, NonAscii};
use brokerlink_sandbox::{CompletePortal, Sandbox};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// One answer: status, the body as JSON (text that is not JSON becomes a string, which no
/// object schema accepts), and the raw text for messages.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the body arrives whole");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(format!("not JSON: {text}")))
        };
        Reply {
            status,
            body,
            text,
            headers,
        }
    }

    pub fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{pointer} is not a string in {}", self.text))
            .to_owned()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client builds")
}

/// A SnapTrade end user as `registerUser` issued it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub secret: String,
}

impl User {
    pub fn query(&self) -> String {
        format!("&userId={}&userSecret={}", self.id, self.secret)
    }
}

/// Signed SnapTrade calls, as the official SDKs make them.
#[derive(Debug)]
pub struct SnapTrade<'a> {
    pub sandbox: &'a Sandbox,
    pub http: reqwest::Client,
}

impl<'a> SnapTrade<'a> {
    pub fn new(sandbox: &'a Sandbox) -> Self {
        SnapTrade { sandbox, http: http() }
    }

    /// `path` may carry the legacy `/api/v1` prefix; the signature covers it as sent.
    pub async fn call(&self, method: Method, path: &str, extra_query: &str, body: Option<&Value>) -> Reply {
        let query = format!(
            "clientId={}{extra_query}&timestamp={}",
            self.sandbox.client_id(),
            chrono::Utc::now().timestamp()
        );
        let signed = signing_string(body, path, &query, NonAscii::Escape);
        let signature = hmac_base64(self.sandbox.consumer_key().as_bytes(), signed.as_bytes());
        self.send(method, path, &query, body, &signature).await
    }

    pub async fn send(&self, method: Method, path: &str, query: &str, body: Option<&Value>, signature: &str) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}?{query}", self.sandbox.url()))
            .header("Signature", signature);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        Reply::read(request.send().await.expect("the sandbox answers")).await
    }

    /// A request whose signature is wrong: the 401 every signed route answers.
    pub async fn badly_signed(&self, method: Method, path: &str, extra_query: &str) -> Reply {
        let query = format!(
            "clientId={}{extra_query}&timestamp={}",
            self.sandbox.client_id(),
            chrono::Utc::now().timestamp()
        );
        self.send(method, path, &query, None, "bm90IGEgc2lnbmF0dXJl").await
    }

    pub async fn register(&self, user_id: &str) -> (Reply, User) {
        let reply = self
            .call(
                Method::POST,
                "/snapTrade/registerUser",
                "",
                Some(&json!({ "userId": user_id })),
            )
            .await;
        let user = User {
            id: reply.str("/userId"),
            secret: reply.str("/userSecret"),
        };
        (reply, user)
    }

    /// A connection made through the portal with the given test login; its id.
    pub async fn connect(&self, user: &User, username: &str) -> String {
        let link = self.call(Method::POST, "/snapTrade/login", &user.query(), None).await;
        complete(self.sandbox, &link.str("/redirectURI"), username)
    }
}

/// Does what the person on the portal page does; the connection id.
pub fn complete(sandbox: &Sandbox, url: &str, username: &str) -> String {
    let outcome = sandbox.complete_portal(&CompletePortal {
        url: url.to_owned(),
        username: username.into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: None,
        connection_type: None,
    });
    match outcome {
        brokerlink::PortalResult::Success {
            connection_id: Some(id),
            ..
        } => id,
        other => panic!("the portal did not connect {username}: {other:?}"),
    }
}

/// Finatic calls: the API key on every request, the session headers once one is started.
#[derive(Debug)]
pub struct Finatic<'a> {
    pub sandbox: &'a Sandbox,
    pub http: reqwest::Client,
}

/// A started session's credentials.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub company_id: String,
}

impl<'a> Finatic<'a> {
    pub fn new(sandbox: &'a Sandbox) -> Self {
        Finatic { sandbox, http: http() }
    }

    pub async fn call(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox.url()))
            .header("Accept", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        Reply::read(request.send().await.expect("the sandbox answers")).await
    }

    /// With the API key, as the server package sends every call.
    pub async fn keyed(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let key = self.sandbox.api_key().to_owned();
        self.call(method, path, &[("X-API-Key", &key)], body).await
    }

    /// With the session's headers (and the key).
    pub async fn in_session(&self, method: Method, path: &str, session: &Session) -> Reply {
        self.in_session_with(method, path, session, None).await
    }

    /// With the session's headers (and the key), and a body.
    pub async fn in_session_with(&self, method: Method, path: &str, session: &Session, body: Option<&Value>) -> Reply {
        let key = self.sandbox.api_key().to_owned();
        let headers = [
            ("X-API-Key", key.as_str()),
            ("X-Session-ID", session.id.as_str()),
            ("X-Company-ID", session.company_id.as_str()),
        ];
        self.call(method, path, &headers, body).await
    }

    pub async fn token(&self, prefix: &str) -> String {
        self.keyed(Method::POST, &format!("{prefix}/session/init"), None)
            .await
            .str("/success/data/one_time_token")
    }

    pub async fn start(&self, prefix: &str, body: Option<&Value>) -> (Reply, Session) {
        let token = self.token(prefix).await;
        let reply = self
            .call(
                Method::POST,
                &format!("{prefix}/session/start"),
                &[("One-Time-Token", &token)],
                body,
            )
            .await;
        let session = Session {
            id: reply.str("/success/data/session_id"),
            company_id: reply.str("/success/data/company_id"),
        };
        (reply, session)
    }

    /// A session whose portal login connected `username`'s broker; the connection id.
    pub async fn connect(&self, session: &Session, username: &str) -> String {
        let portal = self.in_session(Method::GET, "/api/beta/session/portal", session).await;
        complete(self.sandbox, &portal.str("/success/data/portal_url"), username)
    }
}
