//! How a Finatic call is authenticated and sent: the company API key or a front end's one-time
//! token, the sessions started from them (cached per saved user until they near expiry), and the
//! headers each call carries.

use super::envelope::Answer;
use super::{lock, saved_user, session_is_gone, wire, Finatic, SESSION_REFRESH_MARGIN};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Idempotency, Outgoing, Transport};
use crate::providers::path_segment;
use crate::secret::Secret;
use crate::types::{Session, UserCredentials};
use crate::validate;
use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session started for a saved user, reused for data calls until it nears expiry.
#[derive(Debug, Clone)]
pub(super) struct UserSession {
    pub(super) id: Secret,
    pub(super) company_id: String,
    pub(super) csrf: Option<Secret>,
    pub(super) fresh_until: Instant,
}

/// What a Finatic client holds: the company API key (a server), or one one-time token the
/// server minted for a front end, which never sees the key.
#[derive(Debug)]
pub(super) enum Credential {
    ApiKey(Secret),
    OneTimeToken {
        /// Spent by `start_session`; put back when the start fails, for the server to judge.
        token: Mutex<Option<Secret>>,
        /// The session the token started: the only one this client can ever read through.
        session: Mutex<Option<TokenSession>>,
    },
}

/// A token client's session, and its user once known (start answer or `session_user`).
#[derive(Debug, Clone)]
pub(super) struct TokenSession {
    pub(super) session: UserSession,
    pub(super) user_id: Option<String>,
}

/// Extra headers of one call: the one-time token or a session's.
#[derive(Default)]
pub(super) struct Auth<'a> {
    pub(super) one_time_token: Option<&'a Secret>,
    pub(super) session: Option<(&'a Secret, &'a str, Option<&'a Secret>)>,
}

/// One Finatic call before it is sent.
pub(super) struct Request<'a> {
    pub(super) what: &'a str,
    pub(super) method: Method,
    pub(super) path: &'a str,
    pub(super) query: &'a [(&'a str, String)],
    pub(super) auth: Auth<'a>,
    pub(super) body: Option<Value>,
}

impl Finatic {
    pub(super) fn build(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        auth: &Auth<'_>,
        body: Option<&Value>,
    ) -> Result<Outgoing> {
        let mut url = self.base_url.clone();
        url.set_path(&format!("{}{}", self.base_url.path().trim_end_matches('/'), path));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: &str| -> Result<()> {
            let mut value =
                HeaderValue::from_str(value).map_err(|_| Error::invalid_input(name, "is not a valid header value"))?;
            // Every header brokerlink adds here is a credential of some kind.
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(name), value);
            Ok(())
        };
        let mut carried = Vec::new();
        if let Credential::ApiKey(api_key) = &self.credential {
            put("x-api-key", api_key.expose())?;
            carried.push(api_key.clone());
        }
        if let Some(environment) = self.environment {
            put("x-finatic-environment", environment.as_str())?;
        }
        if let Some(token) = auth.one_time_token {
            put("one-time-token", token.expose())?;
            carried.push(token.clone());
        }
        if let Some((session_id, company_id, csrf)) = auth.session {
            put("x-session-id", session_id.expose())?;
            put("x-company-id", company_id)?;
            carried.push(session_id.clone());
            if let Some(csrf) = csrf {
                put("x-csrf-token", csrf.expose())?;
                carried.push(csrf.clone());
            }
        }
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(Outgoing {
            method: method.clone(),
            url,
            headers,
            body: body.map(|b| Bytes::from(b.to_string())),
            carried,
            account: None,
        })
    }

    /// Sends one call and unwraps Finatic's W envelope into `(data, meta)`.
    pub(super) async fn call(&self, t: &Transport, request: Request<'_>) -> Result<Answer> {
        let Request {
            what,
            method,
            path,
            query,
            auth,
            body,
        } = request;
        let idempotency = if method == Method::GET || method == Method::DELETE {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let reply = t
            .send(idempotency, || self.build(&method, path, query, &auth, body.as_ref()))
            .await?;
        self.unwrap_envelope(&reply, what)
    }

    /// Refuses `call` on a token client before any request: it needs the company API key,
    /// which never leaves the server.
    pub(super) fn needs_api_key(&self, call: &str) -> Result<()> {
        match self.credential {
            Credential::ApiKey(_) => Ok(()),
            Credential::OneTimeToken { .. } => Err(Error::invalid_input(
                call,
                "needs the company API key, which stays on your server: a client built from a one-time \
                 token can start its session and read through it, nothing more",
            )),
        }
    }

    pub(super) async fn mint_token(&self, t: &Transport, call: &str) -> Result<Secret> {
        self.needs_api_key(call)?;
        let answer = self
            .call(
                t,
                Request {
                    what: "mint one-time token",
                    method: Method::POST,
                    path: "/api/v1/session/init",
                    query: &[],
                    auth: Auth::default(),
                    body: None,
                },
            )
            .await?;
        let token: wire::OneTimeToken = answer.decode("mint one-time token")?;
        Ok(token.one_time_token)
    }

    pub(super) async fn start(&self, t: &Transport, user_id: Option<&str>) -> Result<(Session, Option<Secret>)> {
        if let Some(user_id) = user_id {
            validate::identifier("user_id", user_id)?;
        }
        let token = match &self.credential {
            Credential::ApiKey(_) => self.mint_token(t, "start_session").await?,
            Credential::OneTimeToken { token, .. } => lock(token).take().ok_or_else(|| {
                Error::invalid_input(
                    "one_time_token",
                    "was spent by an earlier start_session: mint a new one on your server",
                )
            })?,
        };
        let body = user_id.map(|id| json!({ "user_id": id }));
        let auth = Auth {
            one_time_token: Some(&token),
            ..Auth::default()
        };
        let answer = self
            .call(
                t,
                Request {
                    what: "start session",
                    method: Method::POST,
                    path: "/api/v1/session/start",
                    query: &[],
                    auth,
                    body,
                },
            )
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                if let Credential::OneTimeToken { token: slot, .. } = &self.credential {
                    *lock(slot) = Some(token);
                }
                return Err(e);
            }
        };
        let rejected: wire::UserIdRejection = answer.decode("start session")?;
        if user_id.is_some() && rejected.provided_user_id_rejected == Some(true) {
            return Err(Error::new(
                ErrorKind::NotFound,
                "start session: Finatic does not know this user id",
            ));
        }
        let started: wire::StartedSession = answer.decode("start session")?;
        let csrf = started.csrf_token.clone();
        let session = started.to_session();
        if let Credential::OneTimeToken { session: slot, .. } = &self.credential {
            *lock(slot) = Some(TokenSession {
                session: UserSession {
                    id: session.id.clone(),
                    company_id: session.company_id.clone(),
                    csrf: csrf.clone(),
                    fresh_until: Instant::now(),
                },
                user_id: session.user_id.clone().or_else(|| user_id.map(str::to_owned)),
            });
        }
        Ok((session, csrf))
    }

    /// The session a data call reads through: a token client's own (for its session's user),
    /// or for an API-key client the cached session of the saved user named, or a new one.
    pub(super) async fn user_session(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<UserSession> {
        if let Credential::OneTimeToken { session, .. } = &self.credential {
            let Some(started) = lock(session).clone() else {
                return Err(Error::invalid_input(
                    "user",
                    "a client built from a one-time token reads through its session: call start_session first",
                ));
            };
            if let Some(user) = user {
                validate::identifier("user_id", &user.user_id)?;
                if started.user_id.as_deref().is_some_and(|id| id != user.user_id) {
                    return Err(Error::invalid_input("user", "is not the user of this client's session"));
                }
            }
            return Ok(started.session);
        }
        let user = saved_user(user)?;
        if let Some(cached) = self
            .sessions()
            .get(&user.user_id)
            .filter(|s| s.fresh_until > Instant::now())
            .cloned()
        {
            return Ok(cached);
        }
        let (session, csrf) = self.start(t, Some(&user.user_id)).await?;
        let lifetime = session
            .expires_at
            .and_then(|at| (at - Utc::now()).to_std().ok())
            .unwrap_or(Duration::from_secs(600));
        let cached = UserSession {
            id: session.id,
            company_id: session.company_id,
            csrf,
            fresh_until: Instant::now() + lifetime.saturating_sub(SESSION_REFRESH_MARGIN),
        };
        self.sessions().insert(user.user_id.clone(), cached.clone());
        Ok(cached)
    }

    pub(super) fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserSession>> {
        lock(&self.user_sessions)
    }

    pub(super) fn is_token_client(&self) -> bool {
        matches!(self.credential, Credential::OneTimeToken { .. })
    }

    /// A data call on the user's session; a session that expired early is replaced once.
    pub(super) async fn user_call(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Answer> {
        for attempt in 0..2 {
            let session = self.user_session(t, user).await?;
            let path = path.replace("{session}", &path_segment(session.id.expose()));
            let auth = Auth {
                session: Some((&session.id, &session.company_id, session.csrf.as_ref())),
                ..Auth::default()
            };
            match self
                .call(
                    t,
                    Request {
                        what,
                        method: method.clone(),
                        path: &path,
                        query,
                        auth,
                        body: None,
                    },
                )
                .await
            {
                // The session expired early, or the server no longer knows it (restart, revoke).
                // A token client cannot start another: its front end needs a fresh token.
                Err(e) if attempt == 0 && session_is_gone(&e) && !self.is_token_client() => {
                    if let Some(user) = user {
                        self.sessions().remove(&user.user_id);
                    }
                }
                other => return other,
            }
        }
        Err(Error::internal("user session retry loop ended"))
    }

    /// A call on the company's API key alone (no user session); `call` names it in a refusal.
    pub(super) async fn company_call(
        &self,
        t: &Transport,
        call: &str,
        what: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer> {
        self.needs_api_key(call)?;
        self.call(
            t,
            Request {
                what,
                method,
                path,
                query: &[],
                auth: Auth::default(),
                body,
            },
        )
        .await
    }
}
