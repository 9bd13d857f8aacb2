//! SnapTrade's OAuth apps: a confidential client (its backend holds the client secret) sends a
//! SnapTrade Personal user through the authorization code flow with PKCE, exchanges the code
//! for tokens, and calls the API with `Authorization: Bearer`. Refresh tokens rotate: a client
//! built from a user's tokens refreshes once when the access token expires or is refused,
//! retries once, and hands the new pair to the app's listener so that it can store the rotated
//! refresh token; fifty calls meeting an expired token cause one refresh.

use crate::error::{Error, ErrorKind, Result};
use crate::http::{Idempotency, Outgoing, Reply, Transport};
use crate::providers::decode_json;
use crate::secret::{provider_text, Secret};
use crate::validate;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use url::Url;

/// A user's grant: what the app stores for them and hands back to build their client.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthTokens {
    /// Sent as `Authorization: Bearer`; lives 10 hours at SnapTrade.
    pub access_token: Secret,
    /// Rotates at every refresh: store the newest one, the previous one stops working.
    pub refresh_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// The scopes granted, space-separated (`read`, `openid`, `email`).
    pub scope: String,
    /// The SnapTrade Personal user the tokens act for (`sub.snaptrade_user_id`).
    pub user_id: Option<String>,
    /// From the verified `id_token`, when `openid email` were granted.
    pub email: Option<String>,
}

/// One authorization attempt: send the user to `url`; keep the rest in their server-side
/// session until the callback comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRequest {
    pub url: String,
    pub redirect_uri: String,
    /// Checked against the callback's `state` (CSRF).
    pub state: Secret,
    /// The PKCE secret whose SHA-256 the URL carries.
    pub code_verifier: Secret,
    /// Checked against the `id_token`'s `nonce`.
    pub nonce: Secret,
}

/// Called with every new pair after a refresh, before the call that needed it goes on: store the
/// rotated refresh token, replacing the old one atomically.
pub type TokenListener = Arc<dyn Fn(&OAuthTokens) + Send + Sync>;

/// The server's endpoints, from its discovery document.
#[derive(Debug, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    revocation_endpoint: Option<String>,
    #[serde(default)]
    jwks_uri: Option<String>,
}

/// The app's registration and what it learnt of the server.
pub(crate) struct OAuthApp {
    client_id: String,
    client_secret: Secret,
    base_url: Url,
    metadata: OnceCell<Metadata>,
    jwks: OnceCell<jsonwebtoken::jwk::JwkSet>,
}

// Hand-written: the client secret stays out.
impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

/// A user's tokens inside their client, with the lock that makes a refresh happen once.
pub(crate) struct Grant {
    tokens: Mutex<OAuthTokens>,
    refreshing: tokio::sync::Mutex<()>,
    listener: Option<TokenListener>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("tokens", &*self.current_guard())
            .finish_non_exhaustive()
    }
}

impl Grant {
    pub fn new(tokens: OAuthTokens, listener: Option<TokenListener>) -> Self {
        Grant {
            tokens: Mutex::new(tokens),
            refreshing: tokio::sync::Mutex::new(()),
            listener,
        }
    }

    fn current_guard(&self) -> std::sync::MutexGuard<'_, OAuthTokens> {
        self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn current(&self) -> OAuthTokens {
        self.current_guard().clone()
    }

    pub fn access_token(&self) -> Secret {
        self.current_guard().access_token.clone()
    }

    /// Past its expiry: refreshed before use rather than sent to be refused. (A token that
    /// expires in flight is refused with a 401, which refreshes too.)
    pub fn expired(&self) -> bool {
        self.current_guard().expires_at <= Utc::now()
    }

    /// Refreshes unless another call already replaced `stale` while this one waited: however
    /// many calls meet one expired token, one refresh is sent, and a rotated-out refresh token
    /// never is.
    pub async fn refresh(&self, app: &OAuthApp, t: &Transport, stale: &Secret) -> Result<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        if self.access_token() != *stale {
            return Ok(());
        }
        let refresh_token = self.current_guard().refresh_token.clone();
        let fresh = app.refresh(t, &refresh_token).await?;
        *self.current_guard() = fresh.clone();
        if let Some(listener) = &self.listener {
            listener(&fresh);
        }
        Ok(())
    }
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Secret,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    sub: Option<Value>,
    #[serde(default)]
    id_token: Option<Secret>,
}

/// RFC 6749 §5.2.
#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

fn random_secret(bytes: usize) -> Secret {
    let mut buffer = vec![0u8; bytes];
    rand::Rng::fill(&mut rand::thread_rng(), buffer.as_mut_slice());
    Secret::new(URL_SAFE_NO_PAD.encode(buffer))
}

/// The kind an OAuth error word maps to: a grant or client the server refuses is
/// `unauthorized`; a malformed request is `invalid_input`.
fn oauth_kind(code: &str, status: u16) -> ErrorKind {
    match code {
        "invalid_grant" | "invalid_client" | "unauthorized_client" | "access_denied" | "invalid_token" => {
            ErrorKind::Unauthorized
        }
        "invalid_request" | "invalid_scope" | "unsupported_grant_type" | "unsupported_response_type" => {
            ErrorKind::InvalidInput
        }
        "temporarily_unavailable" | "server_error" => ErrorKind::Server,
        _ => ErrorKind::for_status(status),
    }
}

impl OAuthApp {
    pub fn new(client_id: String, client_secret: Secret, base_url: Url) -> Result<Self> {
        if client_id.trim().is_empty() {
            return Err(Error::invalid_input("client_id", "must not be empty"));
        }
        if client_secret.is_empty() {
            return Err(Error::invalid_input("client_secret", "must not be empty"));
        }
        Ok(OAuthApp {
            client_id,
            client_secret,
            base_url,
            metadata: OnceCell::new(),
            jwks: OnceCell::new(),
        })
    }

    fn plain(&self, method: Method, url: Url, body: Option<String>, carried: Vec<Secret>) -> Outgoing {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if body.is_some() {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            let pair = format!(
                "{}:{}",
                url::form_urlencoded::byte_serialize(self.client_id.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(self.client_secret.expose().as_bytes()).collect::<String>()
            );
            if let Ok(mut basic) = HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(pair))) {
                basic.set_sensitive(true);
                headers.insert(AUTHORIZATION, basic);
            }
        }
        let mut carried = carried;
        carried.push(self.client_secret.clone());
        Outgoing {
            method,
            url,
            headers,
            body: body.map(Bytes::from),
            carried,
            account: None,
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, t: &Transport, url: &str, what: &str) -> Result<T> {
        let url = Url::parse(url).map_err(|e| Error::decode(format!("{what}: not a URL ({e})")))?;
        let reply = t
            .send(Idempotency::Idempotent, || {
                Ok(self.plain(Method::GET, url.clone(), None, Vec::new()))
            })
            .await?;
        if !reply.is_success() {
            return Err(Error::new(
                ErrorKind::for_status(reply.status),
                format!("{what}: HTTP {}", reply.status),
            )
            .with_status(reply.status)
            .with_request_id(reply.request_id())
            .with_attempts(reply.attempts));
        }
        decode_json(&reply, what)
    }

    /// RFC 8414's document, or where a server publishes only OpenID Connect's, that one.
    async fn metadata(&self, t: &Transport) -> Result<&Metadata> {
        self.metadata
            .get_or_try_init(|| async {
                let mut url = self.base_url.clone();
                url.set_path("/.well-known/oauth-authorization-server");
                match self.get_json(t, url.as_str(), "oauth discovery").await {
                    Err(e) if e.status() == Some(404) => {
                        url.set_path("/.well-known/openid-configuration");
                        self.get_json(t, url.as_str(), "openid discovery").await
                    }
                    other => other,
                }
            })
            .await
    }

    pub async fn authorization_request(
        &self,
        t: &Transport,
        redirect_uri: &str,
        scopes: &[String],
    ) -> Result<AuthorizationRequest> {
        validate::redirect_url("redirect_uri", redirect_uri)?;
        for scope in scopes {
            if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::invalid_input(
                    "scopes",
                    "hold single words such as read, openid, email",
                ));
            }
        }
        let metadata = self.metadata(t).await?;
        let state = random_secret(32);
        let code_verifier = random_secret(48);
        let nonce = random_secret(16);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.expose().as_bytes()));
        let scope = if scopes.is_empty() {
            "read".to_owned()
        } else {
            scopes.join(" ")
        };
        let mut url = Url::parse(&metadata.authorization_endpoint)
            .map_err(|e| Error::decode(format!("oauth discovery: authorization_endpoint is not a URL ({e})")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scope)
            .append_pair("state", state.expose())
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("nonce", nonce.expose());
        Ok(AuthorizationRequest {
            url: url.into(),
            redirect_uri: redirect_uri.to_owned(),
            state,
            code_verifier,
            nonce,
        })
    }

    /// The callback URL the server redirected the browser to (or just its query).
    pub async fn exchange(&self, t: &Transport, request: &AuthorizationRequest, callback: &str) -> Result<OAuthTokens> {
        let query = callback.split_once('?').map_or(callback, |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let param = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let state = param("state").unwrap_or_default();
        if !crate::signing::constant_time_eq(state.as_bytes(), request.state.expose().as_bytes()) {
            return Err(Error::invalid_input(
                "state",
                "of the callback differs from the authorization request's: not this user's attempt",
            ));
        }
        if let Some(code) = param("error") {
            let description = param("error_description").map(|d| format!(": {d}")).unwrap_or_default();
            return Err(Error::new(
                oauth_kind(code, 400),
                format!("authorization: {code}{}", provider_text(&description, &[])),
            )
            .with_provider_code(Some(code.to_owned())));
        }
        let metadata = self.metadata(t).await?;
        if let Some(iss) = param("iss") {
            if iss != metadata.issuer {
                return Err(Error::invalid_input(
                    "iss",
                    "of the callback is not the server's issuer",
                ));
            }
        }
        let code = param("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid_input("callback", "carries neither a code nor an error"))?;
        let code = Secret::new(code);
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("code_verifier", request.code_verifier.expose()),
            ("redirect_uri", request.redirect_uri.as_str()),
        ];
        let answer = self
            .token_call(
                t,
                &form,
                vec![code.clone(), request.code_verifier.clone()],
                "exchange code",
            )
            .await?;
        let id_token = answer.id_token.clone();
        let mut tokens = answer_tokens(answer, None)?;
        if let Some(id_token) = &id_token {
            tokens.email = self.verify_id_token(t, id_token, Some(&request.nonce)).await?;
        }
        Ok(tokens)
    }

    pub async fn refresh(&self, t: &Transport, refresh_token: &Secret) -> Result<OAuthTokens> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        let answer = self
            .token_call(t, &form, vec![refresh_token.clone()], "refresh tokens")
            .await?;
        answer_tokens(answer, Some(refresh_token))
    }

    pub async fn revoke(&self, t: &Transport, tokens: &OAuthTokens) -> Result<()> {
        let metadata = self.metadata(t).await?;
        let endpoint = metadata
            .revocation_endpoint
            .as_deref()
            .ok_or_else(|| Error::decode("oauth discovery: the server lists no revocation_endpoint"))?;
        let url = Url::parse(endpoint).map_err(|e| Error::decode(format!("revocation_endpoint: {e}")))?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", tokens.refresh_token.expose())
            .append_pair("token_type_hint", "refresh_token")
            .finish();
        let carried = vec![tokens.refresh_token.clone(), tokens.access_token.clone()];
        let reply = t
            .send(Idempotency::Idempotent, || {
                Ok(self.plain(Method::POST, url.clone(), Some(body.clone()), carried.clone()))
            })
            .await?;
        if reply.is_success() {
            Ok(())
        } else {
            Err(token_error(&reply, "revoke"))
        }
    }

    async fn token_call(
        &self,
        t: &Transport,
        form: &[(&str, &str)],
        carried: Vec<Secret>,
        what: &str,
    ) -> Result<TokenAnswer> {
        let metadata = self.metadata(t).await?;
        let url = Url::parse(&metadata.token_endpoint).map_err(|e| Error::decode(format!("token_endpoint: {e}")))?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        // Not idempotent: a code works once, and a refresh token rotates when used.
        let reply = t
            .send(Idempotency::NotIdempotent, || {
                Ok(self.plain(Method::POST, url.clone(), Some(body.clone()), carried.clone()))
            })
            .await?;
        if !reply.is_success() {
            return Err(token_error(&reply, what));
        }
        decode_json(&reply, what)
    }

    /// The `id_token`'s signature (against the server's JWKS), issuer, audience, expiry and
    /// nonce; its email when there is one.
    async fn verify_id_token(
        &self,
        t: &Transport,
        id_token: &Secret,
        nonce: Option<&Secret>,
    ) -> Result<Option<String>> {
        let invalid = |why: String| Error::new(ErrorKind::Unauthorized, format!("id_token: {why}"));
        let metadata = self.metadata(t).await?;
        let header = jsonwebtoken::decode_header(id_token.expose()).map_err(|e| invalid(e.to_string()))?;
        let jwks_uri = metadata
            .jwks_uri
            .as_deref()
            .ok_or_else(|| Error::decode("oauth discovery: the server lists no jwks_uri"))?;
        let jwks = self
            .jwks
            .get_or_try_init(|| async { self.get_json::<jsonwebtoken::jwk::JwkSet>(t, jwks_uri, "jwks").await })
            .await?;
        let jwk = match header.kid.as_deref() {
            Some(kid) => jwks.find(kid),
            None => jwks.keys.first(),
        }
        .ok_or_else(|| invalid("no key of the JWKS has its kid".into()))?;
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| invalid(e.to_string()))?;
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_audience(&[&self.client_id]);
        validation.set_issuer(&[&metadata.issuer]);
        let claims = jsonwebtoken::decode::<Value>(id_token.expose(), &key, &validation)
            .map_err(|e| invalid(e.to_string()))?
            .claims;
        if let Some(nonce) = nonce {
            let given = claims.get("nonce").and_then(Value::as_str).unwrap_or_default();
            if !crate::signing::constant_time_eq(given.as_bytes(), nonce.expose().as_bytes()) {
                return Err(invalid("its nonce is not the request's".into()));
            }
        }
        Ok(claims.get("email").and_then(Value::as_str).map(str::to_owned))
    }
}

fn token_error(reply: &Reply, what: &str) -> Error {
    let body: TokenError = serde_json::from_slice(&reply.body).unwrap_or_default();
    let code = body.error.unwrap_or_default();
    let description = body
        .error_description
        .map(|d| provider_text(&d, &reply.carried))
        .unwrap_or_else(|| format!("HTTP {}", reply.status));
    Error::new(oauth_kind(&code, reply.status), format!("{what}: {description}"))
        .with_status(reply.status)
        .with_provider_code((!code.is_empty()).then_some(code))
        .with_request_id(reply.request_id())
        .with_attempts(reply.attempts)
}

/// Tokens from an answer; a refresh answer without a new refresh token keeps the old one.
fn answer_tokens(answer: TokenAnswer, previous_refresh: Option<&Secret>) -> Result<OAuthTokens> {
    let refresh_token = answer
        .refresh_token
        .or_else(|| previous_refresh.cloned())
        .ok_or_else(|| Error::decode("token answer: no refresh_token"))?;
    let user_id = match answer.sub {
        Some(Value::Object(sub)) => sub.get("snaptrade_user_id").and_then(Value::as_str).map(str::to_owned),
        Some(Value::String(sub)) => Some(sub),
        _ => None,
    };
    Ok(OAuthTokens {
        access_token: answer.access_token,
        refresh_token,
        expires_at: Utc::now() + chrono::Duration::seconds(answer.expires_in.unwrap_or(3600).max(0)),
        scope: answer.scope.unwrap_or_default(),
        user_id,
        email: None,
    })
}
