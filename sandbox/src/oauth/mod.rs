//! SnapTrade's OAuth apps, as an OAuth 2.1 authorization server: discovery, an authorize page
//! (sign in as a SnapTrade Personal test user, consent, Allow or Deny), a token endpoint with
//! HTTP Basic client authentication and PKCE S256, rotating refresh tokens whose reuse revokes
//! the whole family, revocation (RFC 7009), a JWKS and ES256 `id_token`s for `openid`.
//! Access tokens then authorise the SnapTrade face's routes as `Authorization: Bearer`.

use crate::App;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use dashmap::{DashMap, DashSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::time::Instant;
use url::Url;

mod page;
use page::{consent_page, error_page, page_headers};

/// The scopes SnapTrade's OAuth apps can ask for: `read` (account data and connection
/// management), and OpenID Connect's `openid` and `email` for an `id_token`.
pub const SCOPES: [&str; 3] = ["read", "openid", "email"];

/// The authorization server's state. Tokens are opaque random strings.
pub struct OAuthState {
    signing_key: EncodingKey,
    public_jwk: Value,
    key_id: String,
    /// A Personal user per test login, made at its first sign-in.
    users: DashMap<String, String>,
    codes: DashMap<String, CodeGrant>,
    access: DashMap<String, AccessGrant>,
    refresh: DashMap<String, RefreshGrant>,
    /// Families whose refresh token was reused, or that were revoked: none of their tokens work.
    revoked: DashSet<String>,
    /// Redirect URIs registered through the admin API (loopback ones need none).
    redirect_uris: DashSet<String>,
}

// Hand-written: the signing key and every token stay out.
impl fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthState")
            .field("key_id", &self.key_id)
            .field("access_tokens", &self.access.len())
            .field("refresh_tokens", &self.refresh.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scope: String,
    user_id: String,
    login: String,
    nonce: Option<String>,
    expires: Instant,
}

#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub user_id: String,
    family: String,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    user_id: String,
    login: String,
    scope: String,
    family: String,
    /// Rotated out: presenting it again is a replay.
    used: bool,
    expires: Instant,
}

impl Default for OAuthState {
    fn default() -> Self {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        // A fresh P-256 key always encodes; the fallback only keeps this constructor total.
        let der = secret.to_pkcs8_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        let point = secret.public_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c)).unwrap_or_default();
        let key_id = crate::random_id("key");
        let public_jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": key_id,
            "x": coordinate(point.x()), "y": coordinate(point.y()),
        });
        OAuthState {
            signing_key: EncodingKey::from_ec_der(&der),
            public_jwk,
            key_id,
            users: DashMap::new(),
            codes: DashMap::new(),
            access: DashMap::new(),
            refresh: DashMap::new(),
            revoked: DashSet::new(),
            redirect_uris: DashSet::new(),
        }
    }
}

impl OAuthState {
    /// The grant behind a Bearer token that is live, unexpired and of a family not revoked.
    pub fn bearer(&self, token: &str) -> Option<AccessGrant> {
        let grant = self.access.get(token)?.clone();
        (grant.expires > Instant::now() && !self.revoked.contains(&grant.family)).then_some(grant)
    }

    pub fn register_redirect_uri(&self, uri: String) {
        self.redirect_uris.insert(uri);
    }

    /// Forgets every grant (an admin reset); the signing key and registered URIs stay.
    pub fn clear(&self) {
        self.users.clear();
        self.codes.clear();
        self.access.clear();
        self.refresh.clear();
        self.revoked.clear();
    }

    /// Ends codes and tokens past their lifetime, so the maps stay bounded by live grants.
    pub fn forget_expired(&self) {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now);
        self.access.retain(|_, a| a.expires > now);
        self.refresh.retain(|_, r| r.expires > now);
    }

    fn revoke_family(&self, family: &str) {
        self.revoked.insert(family.to_owned());
        self.access.retain(|_, a| a.family != family);
        self.refresh.retain(|_, r| r.family != family);
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/.well-known/openid-configuration", get(metadata))
        .route("/oauth/authorize", get(authorize_page).post(authorize_decision))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/jwks", get(jwks))
        .route("/_sandbox/oauth/authorize", post(admin_authorize))
        .route("/_sandbox/oauth/redirect-uris", post(admin_redirect_uri))
        .with_state(app)
}

async fn metadata(State(app): State<App>) -> Json<Value> {
    let base = &app.base_url;
    Json(json!({
        "issuer": base.as_ref(),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "jwks_uri": format!("{base}/oauth/jwks"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": SCOPES,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

async fn jwks(State(app): State<App>) -> Json<Value> {
    Json(json!({ "keys": [app.store.oauth.public_jwk.clone()] }))
}

/// An authorization request, as its query (GET) or form (POST) carries it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeRequest {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    code_challenge: Option<String>,
    #[serde(default)]
    code_challenge_method: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    /// The form's: the test login, and which button was pressed.
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    decision: Option<String>,
}

/// What an authorization request comes to.
#[derive(Debug)]
enum Verdict {
    /// The client or its redirect URI is not what was registered: RFC 6749 §4.1.2.1 forbids
    /// redirecting, so the user sees the error.
    Refused(String),
    /// Back to the app: `?code=…&state=…` or `?error=…&state=…`.
    Redirect(String),
    /// The page again, with what went wrong.
    Page(Option<String>),
}

impl AuthorizeRequest {
    fn scopes(&self) -> Vec<&str> {
        self.scope.as_deref().unwrap_or("read").split_whitespace().collect()
    }

    fn back(&self, app: &App, params: &[(&str, &str)]) -> Verdict {
        let Ok(mut url) = Url::parse(&self.redirect_uri) else {
            return Verdict::Refused("The redirect URI is not a URL.".into());
        };
        {
            let mut query = url.query_pairs_mut();
            for (k, v) in params {
                query.append_pair(k, v);
            }
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", &app.base_url);
        }
        Verdict::Redirect(url.into())
    }

    fn error(&self, app: &App, code: &str, description: &str) -> Verdict {
        self.back(app, &[("error", code), ("error_description", description)])
    }

    /// Checks the request; with `submitted`, also the sign-in and the decision.
    fn judge(&self, app: &App, submitted: bool) -> Verdict {
        let config = &app.store.config;
        if !same(&self.client_id, &config.oauth_client_id) {
            return Verdict::Refused("Unknown client_id.".into());
        }
        if !redirect_allowed(app, &self.redirect_uri) {
            return Verdict::Refused(
                "This redirect_uri is not registered for the app (loopback URIs are always allowed).".into(),
            );
        }
        if self.response_type != "code" {
            return self.error(
                app,
                "unsupported_response_type",
                "Only response_type=code is supported.",
            );
        }
        if self.code_challenge_method.as_deref() != Some("S256")
            || self.code_challenge.as_deref().is_none_or(|c| c.len() != 43)
        {
            return self.error(
                app,
                "invalid_request",
                "PKCE with code_challenge_method=S256 is required.",
            );
        }
        if let Some(unknown) = self.scopes().into_iter().find(|s| !SCOPES.contains(s)) {
            return self.error(app, "invalid_scope", &format!("Unknown scope {unknown:?}."));
        }
        if !submitted {
            return Verdict::Page(None);
        }
        if self.decision.as_deref() != Some("allow") {
            return self.error(app, "access_denied", "The user denied the request.");
        }
        let login = self.username.clone().unwrap_or_default();
        if !crate::flow::is_test_login(&login, self.password.as_deref().unwrap_or_default()) {
            return Verdict::Page(Some("The username or password is incorrect.".into()));
        }
        let user_id = personal_user(app, &login);
        let code = crate::random_id("code");
        app.store.oauth.codes.insert(
            code.clone(),
            CodeGrant {
                client_id: self.client_id.clone(),
                redirect_uri: self.redirect_uri.clone(),
                challenge: self.code_challenge.clone().unwrap_or_default(),
                scope: self.scopes().join(" "),
                user_id,
                login,
                nonce: self.nonce.clone(),
                expires: Instant::now() + config.oauth_code_lifetime,
            },
        );
        self.back(app, &[("code", &code)])
    }
}

/// Secrets and codes compared in constant time.
fn same(given: &str, expected: &str) -> bool {
    brokerlink::signing::constant_time_eq(given.as_bytes(), expected.as_bytes())
}

/// RFC 8252 §7.3: native apps redirect to loopback on any port; other URIs must be registered.
fn redirect_allowed(app: &App, uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some() {
        return false;
    }
    let loopback = url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    loopback || app.store.oauth.redirect_uris.contains(uri)
}

/// The Personal user a test login signs in as: the same one every time.
fn personal_user(app: &App, login: &str) -> String {
    let id = app
        .store
        .oauth
        .users
        .entry(login.to_owned())
        .or_insert_with(|| uuid::Uuid::new_v4().to_string())
        .clone();
    app.store.ensure_oauth_user(&id);
    id
}

fn verdict_response(request: &AuthorizeRequest, verdict: Verdict) -> Response {
    match verdict {
        Verdict::Refused(why) => (StatusCode::BAD_REQUEST, page_headers(), Html(error_page(&why))).into_response(),
        Verdict::Redirect(to) => Redirect::to(&to).into_response(),
        Verdict::Page(problem) => {
            let status = if problem.is_some() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            (status, page_headers(), Html(consent_page(request, problem.as_deref()))).into_response()
        }
    }
}

async fn authorize_page(State(app): State<App>, Query(request): Query<AuthorizeRequest>) -> Response {
    let verdict = request.judge(&app, false);
    verdict_response(&request, verdict)
}

async fn authorize_decision(State(app): State<App>, Form(request): Form<AuthorizeRequest>) -> Response {
    let verdict = request.judge(&app, true);
    verdict_response(&request, verdict)
}

/// `POST /_sandbox/oauth/authorize`: what a person does on the authorize page, headlessly.
#[derive(Debug, Deserialize)]
struct AdminAuthorize {
    url: String,
    username: String,
    password: String,
    /// `allow` (the default) or `deny`.
    #[serde(default)]
    decision: Option<String>,
}

async fn admin_authorize(State(app): State<App>, Json(body): Json<AdminAuthorize>) -> Response {
    let allow = body.decision.as_deref().is_none_or(|d| d == "allow");
    match authorize(&app, &body.url, &body.username, &body.password, allow) {
        Ok(to) => Json(json!({ "redirect_url": to })).into_response(),
        Err(why) => (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response(),
    }
}

/// What a person does on the authorize page for `url`: sign in, then Allow or Deny. The URL
/// the browser is sent back to, or why the page would not let them (shown, not redirected).
pub(crate) fn authorize(app: &App, url: &str, username: &str, password: &str, allow: bool) -> Result<String, String> {
    let url = Url::parse(url).map_err(|_| "url is not a URL".to_owned())?;
    let query = url.query().unwrap_or_default();
    let mut request = serde_urlencoded::from_str::<AuthorizeRequest>(query)
        .map_err(|_| "url is not an authorization URL".to_owned())?;
    request.username = Some(username.to_owned());
    request.password = Some(password.to_owned());
    request.decision = Some(if allow { "allow" } else { "deny" }.to_owned());
    match request.judge(app, true) {
        Verdict::Redirect(to) => Ok(to),
        Verdict::Refused(why) | Verdict::Page(Some(why)) => Err(why),
        Verdict::Page(None) => Err("no decision".to_owned()),
    }
}

#[derive(Debug, Deserialize)]
struct AdminRedirectUri {
    redirect_uri: String,
}

async fn admin_redirect_uri(State(app): State<App>, Json(body): Json<AdminRedirectUri>) -> Response {
    match Url::parse(&body.redirect_uri) {
        Ok(url) if url.fragment().is_none() && matches!(url.scheme(), "https" | "http") => {
            app.store.oauth.register_redirect_uri(body.redirect_uri);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "redirect_uri must be an http(s) URL without a fragment" })),
        )
            .into_response(),
    }
}

/// An RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut response = (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"brokerlink sandbox\""),
        );
    }
    response
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// HTTP Basic client authentication (RFC 6749 §2.3.1: both halves form-urlencoded).
fn client_authenticated(app: &App, headers: &HeaderMap) -> bool {
    let Some(encoded) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Some(decoded) = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
    else {
        return false;
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return false;
    };
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let config = &app.store.config;
    same(&unescape(id), &config.oauth_client_id) && same(&unescape(secret), &config.oauth_client_secret)
}

async fn token(State(app): State<App>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if !client_authenticated(&app, &headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    match field("grant_type") {
        "authorization_code" => exchange_code(&app, field("code"), field("code_verifier"), field("redirect_uri")),
        "refresh_token" => rotate(&app, field("refresh_token")),
        "" => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required."),
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only authorization_code and refresh_token are supported.",
        ),
    }
}

fn exchange_code(app: &App, code: &str, verifier: &str, redirect_uri: &str) -> Response {
    // A code is single-use: removed whether or not the rest checks out.
    let Some((_, grant)) = app.store.oauth.codes.remove(code) else {
        return invalid_grant("The authorization code is unknown or was already used.");
    };
    if grant.expires <= Instant::now() {
        return invalid_grant("The authorization code has expired.");
    }
    if grant.redirect_uri != redirect_uri {
        return invalid_grant("redirect_uri differs from the authorization request's.");
    }
    if !same(&grant.client_id, &app.store.config.oauth_client_id) {
        return invalid_grant("The code was issued to another client.");
    }
    if !(43..=128).contains(&verifier.len()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_verifier must be 43 to 128 characters.",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if !same(&challenge, &grant.challenge) {
        return invalid_grant("code_verifier does not match the code_challenge.");
    }
    let family = crate::random_id("fam");
    issue(
        app,
        &grant.user_id,
        &grant.login,
        &grant.scope,
        &family,
        grant.nonce.as_deref(),
    )
}

fn rotate(app: &App, presented: &str) -> Response {
    let oauth = &app.store.oauth;
    let Some(grant) = oauth.refresh.get(presented).map(|g| g.clone()) else {
        return invalid_grant("The refresh token is unknown, expired or revoked.");
    };
    if grant.used {
        // A rotated-out token came back: someone holds a copy. End every token of the family.
        oauth.revoke_family(&grant.family);
        return invalid_grant("The refresh token was already used; every token of its grant is revoked.");
    }
    if grant.expires <= Instant::now() || oauth.revoked.contains(&grant.family) {
        return invalid_grant("The refresh token is unknown, expired or revoked.");
    }
    if let Some(mut stored) = oauth.refresh.get_mut(presented) {
        stored.used = true;
    }
    issue(app, &grant.user_id, &grant.login, &grant.scope, &grant.family, None)
}

fn issue(app: &App, user_id: &str, login: &str, scope: &str, family: &str, nonce: Option<&str>) -> Response {
    let config = &app.store.config;
    let oauth = &app.store.oauth;
    let now = Instant::now();
    let access_token = crate::random_id("at");
    let refresh_token = crate::random_id("rt");
    oauth.access.insert(
        access_token.clone(),
        AccessGrant {
            user_id: user_id.to_owned(),
            family: family.to_owned(),
            expires: now + config.oauth_access_token_lifetime,
        },
    );
    oauth.refresh.insert(
        refresh_token.clone(),
        RefreshGrant {
            user_id: user_id.to_owned(),
            login: login.to_owned(),
            scope: scope.to_owned(),
            family: family.to_owned(),
            used: false,
            expires: now + config.oauth_refresh_token_lifetime,
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": config.oauth_access_token_lifetime.as_secs(),
        "refresh_token": refresh_token,
        "scope": scope,
        "sub": { "snaptrade_user_id": user_id },
    });
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.contains(&"openid") {
        match id_token(app, user_id, login, &scopes, nonce) {
            Ok(token) => body["id_token"] = json!(token),
            Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string()),
        }
    }
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        Json(body),
    )
        .into_response()
}

fn id_token(
    app: &App,
    user_id: &str,
    login: &str,
    scopes: &[&str],
    nonce: Option<&str>,
) -> jsonwebtoken::errors::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": app.base_url.as_ref(),
        "sub": user_id,
        "aud": app.store.config.oauth_client_id,
        "iat": now,
        "exp": now + app.store.config.oauth_access_token_lifetime.as_secs() as i64,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if scopes.contains(&"email") {
        claims["email"] = json!(format!("{login}@personal.sandbox.test"));
        claims["email_verified"] = json!(true);
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(app.store.oauth.key_id.clone());
    jsonwebtoken::encode(&header, &claims, &app.store.oauth.signing_key)
}

/// RFC 7009: revoking a refresh token ends its whole grant; an access token ends alone. The
/// answer is 200 whatever the token was, so it tells nobody whether a token existed.
async fn revoke(State(app): State<App>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if !client_authenticated(&app, &headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let oauth = &app.store.oauth;
    let family = oauth.refresh.get(token).map(|g| g.family.clone());
    if let Some(family) = family {
        oauth.revoke_family(&family);
    } else {
        oauth.access.remove(token);
    }
    StatusCode::OK.into_response()
}
