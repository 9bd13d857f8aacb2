//! SnapTrade: HMAC-signed requests, partner `clientId` + `consumerKey`, users with secrets.

mod data;
mod wire;

use crate::account_data::{ActivityQuery, Balance, BalanceHistory, Order, OrderQuery, OrderState, Position};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Idempotency, Outgoing, Reply, Transport};
use crate::oauth::{Grant, OAuthApp};
use crate::portal::{PortalLink, PortalMode, PortalOptions, PORTAL_LINK_LIFETIME};
use crate::providers::ActivityPage;
use crate::providers::{decode_json, decode_json_apart, gone_is_done, path_segment, Protocol};
use crate::secret::{provider_text, Secret};
use crate::signing::{hmac_base64, signing_string, NonAscii};
use crate::types::{Account, Connection, UserCredentials};
use crate::validate;
use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use url::Url;

pub const DEFAULT_BASE_URL: &str = "https://api.snaptrade.com";

#[derive(Debug)]
pub(crate) struct SnapTrade {
    client_id: String,
    consumer_key: Secret,
    base_url: Url,
    key: KeyKind,
    /// An OAuth app's registration, and for a user's client their tokens.
    oauth: Option<OAuthLink>,
}

#[derive(Debug, Clone)]
pub(crate) struct OAuthLink {
    pub app: Arc<OAuthApp>,
    pub grant: Option<Arc<Grant>>,
}

/// SnapTrade's two kinds of API key; both sign every request the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A partner's key: calls name one of the partner's users.
    Commercial,
    /// A SnapTrade Personal user's own key: calls act as that user and name nobody.
    Personal,
    /// An OAuth app acting for a Personal user with their Bearer token: no signature, no user.
    OAuth,
}

/// The `userId` and `userSecret` a call sends, if it names a user.
type Acting<'a> = Option<(&'a str, &'a Secret)>;

/// One SnapTrade operation before signing.
struct Call<'a> {
    method: Method,
    /// Path relative to the base URL, its segments escaped for the wire. Its decoded form is
    /// what gets signed: that is what a server verifies, as its framework hands it over.
    path: String,
    params: Vec<(&'static str, &'a str)>,
    body: Option<Value>,
    idempotency: Idempotency,
    what: &'static str,
    /// The user secret this call carries in its query, or in its body (`resetUserSecret`).
    user_secret: Option<&'a Secret>,
    /// The account whose rate-limit bucket this call counts against (`/accounts/{id}…`).
    account: Option<String>,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: impl Into<String>, what: &'static str) -> Self {
        let idempotency = if method == Method::GET || method == Method::DELETE {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        Call {
            method,
            path: path.into(),
            params: Vec::new(),
            body: None,
            idempotency,
            what,
            user_secret: None,
            account: None,
        }
    }

    fn for_user(mut self, acting: Acting<'a>) -> Self {
        if let Some((user_id, user_secret)) = acting {
            self.params.push(("userId", user_id));
            self.params.push(("userSecret", user_secret.expose()));
            self.user_secret = Some(user_secret);
        }
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn idempotent(mut self) -> Self {
        self.idempotency = Idempotency::Idempotent;
        self
    }
}

impl SnapTrade {
    pub fn new(client_id: String, consumer_key: Secret, base_url: Url, key: KeyKind) -> Result<Self> {
        if client_id.trim().is_empty() {
            return Err(Error::invalid_input("client_id", "must not be empty"));
        }
        if consumer_key.is_empty() {
            return Err(Error::invalid_input("consumer_key", "must not be empty"));
        }
        Ok(SnapTrade {
            client_id,
            consumer_key,
            base_url,
            key,
            oauth: None,
        })
    }

    /// An OAuth app's client: it authorizes users; `with_grant` makes a user's client.
    pub fn oauth(app: OAuthApp, base_url: Url) -> Self {
        SnapTrade {
            client_id: String::new(),
            consumer_key: Secret::new(""),
            base_url,
            key: KeyKind::OAuth,
            oauth: Some(OAuthLink {
                app: Arc::new(app),
                grant: None,
            }),
        }
    }

    /// The same app acting for the user whose tokens these are.
    pub fn with_grant(&self, grant: Grant) -> Result<Self> {
        let link = self.oauth_link()?;
        Ok(SnapTrade {
            client_id: self.client_id.clone(),
            consumer_key: self.consumer_key.clone(),
            base_url: self.base_url.clone(),
            key: KeyKind::OAuth,
            oauth: Some(OAuthLink {
                app: link.app.clone(),
                grant: Some(Arc::new(grant)),
            }),
        })
    }

    pub fn oauth_link(&self) -> Result<&OAuthLink> {
        self.oauth.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "client",
                "is not a SnapTrade OAuth app's: build it with snaptrade_oauth(client_id, client_secret)",
            )
        })
    }

    fn grant(&self) -> Result<&Arc<Grant>> {
        self.oauth_link()?.grant.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "user",
                "an OAuth app's client calls for a user through with_oauth_tokens(tokens)",
            )
        })
    }

    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// An OAuth call: the Bearer token, and no signature, client id or user.
    fn build_bearer(&self, call: &Call<'_>) -> Result<Outgoing> {
        let access = self.grant()?.access_token();
        let mut url = self.base_url.clone();
        url.set_path(&format!("{}{}", self.base_url.path().trim_end_matches('/'), call.path));
        if !call.params.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.params.iter().map(|(k, v)| (*k, *v)));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", access.expose()))
            .map_err(|_| Error::invalid_input("access_token", "is not a valid header value"))?;
        bearer.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, bearer);
        let body = call
            .body
            .as_ref()
            .map(|value| Bytes::from(crate::signing::canonical_json(value, NonAscii::Escape)));
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        Ok(Outgoing {
            method: call.method.clone(),
            url,
            headers,
            body,
            carried: vec![access],
            account: call.account.clone(),
        })
    }

    fn build(&self, call: &Call<'_>) -> Result<Outgoing> {
        if self.key == KeyKind::OAuth {
            return self.build_bearer(call);
        }
        let timestamp = Utc::now().timestamp().to_string();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("clientId", &self.client_id);
        for (key, value) in &call.params {
            query.append_pair(key, value);
        }
        query.append_pair("timestamp", &timestamp);
        let query = query.finish();

        let mut url = self.base_url.clone();
        url.set_path(&format!("{}{}", self.base_url.path().trim_end_matches('/'), call.path));
        url.set_query(Some(&query));
        // Sign the query exactly as it will travel, after the URL type has normalised it.
        let sent_query = url.query().unwrap_or_default().to_owned();

        let signed_path = percent_encoding::percent_decode_str(&call.path).decode_utf8_lossy();
        let canonical = signing_string(call.body.as_ref(), &signed_path, &sent_query, NonAscii::Escape);
        let signature = hmac_base64(self.consumer_key.expose().as_bytes(), canonical.as_bytes());

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut signature =
            HeaderValue::from_str(&signature).map_err(|_| Error::internal("signature is not a header value"))?;
        signature.set_sensitive(true);
        headers.insert("Signature", signature);
        let body = call.body.as_ref().map(|value| {
            // The bytes sent are the canonical (ASCII-escaped) form, so server-side
            // re-serialisation and raw-byte comparison both agree with the signature.
            Bytes::from(crate::signing::canonical_json(value, NonAscii::Escape))
        });
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut carried = vec![self.consumer_key.clone()];
        carried.extend(call.user_secret.cloned());
        Ok(Outgoing {
            method: call.method.clone(),
            url,
            headers,
            body,
            carried,
            account: call.account.clone(),
        })
    }

    async fn execute(&self, transport: &Transport, call: Call<'_>) -> Result<Reply> {
        let reply = if self.key == KeyKind::OAuth {
            self.send_bearer(transport, &call).await?
        } else {
            transport.send(call.idempotency, || self.build(&call)).await?
        };
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(self.error_from(&reply, call.what))
        }
    }

    async fn fetch<T: serde::de::DeserializeOwned>(&self, transport: &Transport, call: Call<'_>) -> Result<T> {
        let what = call.what;
        let reply = self.execute(transport, call).await?;
        decode_json(&reply, what)
    }

    /// Refreshes an expired access token before sending; on a 401, refreshes once and
    /// retries once (SnapTrade's guidance), then gives up with the 401.
    async fn send_bearer(&self, transport: &Transport, call: &Call<'_>) -> Result<Reply> {
        let grant = self.grant()?;
        let app = &self.oauth_link()?.app;
        if grant.expired() {
            grant.refresh(app, transport, &grant.access_token()).await?;
        }
        let used = grant.access_token();
        let reply = transport.send(call.idempotency, || self.build(call)).await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        grant.refresh(app, transport, &used).await?;
        transport.send(call.idempotency, || self.build(call)).await
    }

    fn error_from(&self, reply: &Reply, what: &str) -> Error {
        let body: wire::ErrorBody = serde_json::from_slice(&reply.body).unwrap_or_default();
        let code = body.code();
        let kind = match code.as_deref() {
            Some("1010") => ErrorKind::Conflict,
            Some("1083") | Some("1066") => ErrorKind::Unauthorized,
            Some("1011") => ErrorKind::NotFound,
            Some("3003") | Some("3011") | Some("3012") => ErrorKind::Conflict,
            Some("throttled") | Some("0000") if reply.status == 429 => ErrorKind::RateLimited,
            _ => ErrorKind::for_status(reply.status),
        };
        let detail = body
            .message()
            .map(|m| provider_text(&m, &reply.carried))
            .unwrap_or_else(|| format!("HTTP {}", reply.status));
        Error::new(kind, format!("{what}: {detail}"))
            .with_status(reply.status)
            .with_provider_code(code)
            .with_request_id(reply.request_id())
            .with_retry_after(reply.retry_after())
            .with_attempts(reply.attempts)
    }

    /// A call on one of the user's accounts: `/accounts/{id}{rest}`.
    fn account_call<'a>(
        &self,
        user: Option<&'a UserCredentials>,
        account_id: &str,
        method: Method,
        rest: &str,
        what: &'static str,
    ) -> Result<Call<'a>> {
        let acting = self.acting(user)?;
        validate::uuid("account_id", account_id)?;
        let mut call =
            Call::new(method, format!("/accounts/{}{rest}", path_segment(account_id)), what).for_user(acting);
        call.account = Some(account_id.to_owned());
        Ok(call)
    }

    /// Whom a call acts for. A Commercial key names one of the partner's users (`userId` and
    /// `userSecret` in the query); a Personal key is its own SnapTrade user and names nobody.
    fn acting<'a>(&self, user: Option<&'a UserCredentials>) -> Result<Acting<'a>> {
        match (self.key, user) {
            (KeyKind::Commercial, Some(user)) => Ok(Some((&user.user_id, Self::secret_of(user)?))),
            (KeyKind::Commercial, None) => Err(Error::invalid_input(
                "user",
                "is required: a Commercial key calls on behalf of one of your users",
            )),
            (KeyKind::Personal | KeyKind::OAuth, None) => Ok(None),
            (KeyKind::Personal | KeyKind::OAuth, Some(_)) => Err(Error::invalid_input(
                "user",
                "must be none: a Personal API key or an OAuth token calls as its own SnapTrade user",
            )),
        }
    }

    /// User management belongs to Commercial keys: a Personal key has exactly one user, itself.
    fn commercial_only(&self, call: &str) -> Result<()> {
        match self.key {
            KeyKind::Commercial => Ok(()),
            KeyKind::Personal | KeyKind::OAuth => Err(Error::invalid_input(
                call,
                "is not available to a SnapTrade Personal API key or OAuth app, which act as their user",
            )),
        }
    }

    fn secret_of(user: &UserCredentials) -> Result<&Secret> {
        validate::user_id(&user.user_id)?;
        user.user_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::invalid_input("user_secret", "is required by SnapTrade for this call"))
    }
}

impl Protocol for SnapTrade {
    const NAME: &'static str = "SnapTrade";

    fn instead(call: &str) -> &'static str {
        match call {
            "start_session" | "session_portal_url" | "session_user" | "mint_one_time_token" => {
                "register the user and call portal_url"
            }
            "webhook_catalog"
            | "webhook_subscriptions"
            | "create_webhook_subscription"
            | "update_webhook_subscription"
            | "revoke_webhook_subscription" => {
                "SnapTrade's webhook URL is set in its dashboard; verify deliveries with verify_webhook"
            }
            _ => "SnapTrade has no such call",
        }
    }

    async fn register_user(&self, t: &Transport, user_id: &str) -> Result<UserCredentials> {
        self.commercial_only("register_user")?;
        validate::user_id(user_id)?;
        let call =
            Call::new(Method::POST, "/snapTrade/registerUser", "register user").body(json!({ "userId": user_id }));
        let user: wire::UserIdAndSecret = self.fetch(t, call).await?;
        Ok(UserCredentials::new(user.user_id, user.user_secret))
    }

    async fn delete_user(&self, t: &Transport, user: &UserCredentials) -> Result<()> {
        self.commercial_only("delete_user")?;
        validate::user_id(&user.user_id)?;
        let mut call = Call::new(Method::DELETE, "/snapTrade/deleteUser", "delete user");
        call.params.push(("userId", &user.user_id));
        gone_is_done(self.execute(t, call).await.map(drop))
    }

    async fn list_users(&self, t: &Transport) -> Result<Vec<String>> {
        self.commercial_only("list_users")?;
        self.fetch(t, Call::new(Method::GET, "/snapTrade/listUsers", "list users"))
            .await
    }

    async fn rotate_user_secret(&self, t: &Transport, user: &UserCredentials) -> Result<UserCredentials> {
        self.commercial_only("rotate_user_secret")?;
        let secret = Self::secret_of(user)?;
        let mut call = Call::new(Method::POST, "/snapTrade/resetUserSecret", "rotate user secret")
            .body(json!({ "userId": user.user_id, "userSecret": secret.expose() }));
        call.user_secret = Some(secret);
        let rotated: wire::UserIdAndSecret = self.fetch(t, call).await?;
        Ok(UserCredentials::new(rotated.user_id, rotated.user_secret))
    }

    async fn portal_url(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        options: &PortalOptions,
    ) -> Result<PortalLink> {
        let acting = self.acting(user)?;
        let body = login_body(options)?;
        let mut call = Call::new(Method::POST, "/snapTrade/login", "portal url")
            .for_user(acting)
            // A repeated login only mints another link; nothing is done twice.
            .idempotent();
        if !body.is_empty() {
            call = call.body(Value::Object(body));
        }
        let login: wire::LoginRedirect = self.fetch(t, call).await?;
        let session_id = login
            .session_id
            .or_else(|| query_value(&login.redirect_uri, "sessionId").map(Secret::new))
            .unwrap_or_else(|| Secret::new(""));
        Ok(PortalLink {
            url: login.redirect_uri,
            session_id,
            expires_at: Utc::now() + PORTAL_LINK_LIFETIME,
        })
    }

    async fn connections(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<Connection>> {
        let acting = self.acting(user)?;
        let call = Call::new(Method::GET, "/authorizations", "list connections").for_user(acting);
        let list: Vec<wire::Authorization> = self.fetch(t, call).await?;
        Ok(list.into_iter().map(Connection::from).collect())
    }

    async fn connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<Connection> {
        let acting = self.acting(user)?;
        validate::uuid("connection_id", id)?;
        let call = Call::new(
            Method::GET,
            format!("/authorizations/{}", path_segment(id)),
            "connection detail",
        )
        .for_user(acting);
        let auth: wire::Authorization = self.fetch(t, call).await?;
        Ok(auth.into())
    }

    async fn remove_connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<()> {
        let acting = self.acting(user)?;
        validate::uuid("connection_id", id)?;
        let call = Call::new(
            Method::DELETE,
            format!("/connection/{}", path_segment(id)),
            "remove connection",
        )
        .for_user(acting);
        gone_is_done(self.execute(t, call).await.map(drop))
    }

    async fn refresh_connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<()> {
        let acting = self.acting(user)?;
        validate::uuid("connection_id", id)?;
        let call = Call::new(
            Method::POST,
            format!("/authorizations/{}/refresh", path_segment(id)),
            "refresh connection",
        )
        .for_user(acting);
        self.execute(t, call).await.map(drop)
    }

    async fn disable_connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<()> {
        let acting = self.acting(user)?;
        validate::uuid("connection_id", id)?;
        let call = Call::new(
            Method::POST,
            format!("/authorizations/{}/disable", path_segment(id)),
            "disable connection",
        )
        .for_user(acting);
        self.execute(t, call).await.map(drop)
    }

    async fn accounts(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<Account>> {
        let acting = self.acting(user)?;
        let call = Call::new(Method::GET, "/accounts", "list accounts").for_user(acting);
        let list: Vec<wire::WireAccount> = self.fetch(t, call).await?;
        Ok(list.into_iter().map(Account::from).collect())
    }

    async fn account(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<Account> {
        let call = self.account_call(user, id, Method::GET, "", "account detail")?;
        let account: wire::WireAccount = self.fetch(t, call).await?;
        Ok(account.into())
    }

    async fn connection_accounts(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        id: &str,
    ) -> Result<Vec<Account>> {
        let acting = self.acting(user)?;
        validate::uuid("connection_id", id)?;
        let call = Call::new(
            Method::GET,
            format!("/authorizations/{}/accounts", path_segment(id)),
            "connection accounts",
        )
        .for_user(acting);
        let list: Vec<wire::WireAccount> = self.fetch(t, call).await?;
        Ok(list.into_iter().map(Account::from).collect())
    }

    async fn positions(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
    ) -> Result<Vec<Position>> {
        let call = self.account_call(user, account_id, Method::GET, "/positions/all", "list positions")?;
        let all: data::AllPositions = self.fetch(t, call).await?;
        Ok(all.results.into_iter().map(|p| p.into_position(account_id)).collect())
    }

    async fn balances(&self, t: &Transport, user: Option<&UserCredentials>, account_id: &str) -> Result<Vec<Balance>> {
        let call = self.account_call(user, account_id, Method::GET, "/balances", "list balances")?;
        let list: Vec<data::WireBalance> = self.fetch(t, call).await?;
        Ok(list.into_iter().map(Balance::from).collect())
    }

    async fn orders(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        query: &OrderQuery,
    ) -> Result<Vec<Order>> {
        let days = query.days.map(|d| d.to_string());
        let mut call = self.account_call(user, account_id, Method::GET, "/orders", "list orders")?;
        call.params
            .push(("state", query.state.unwrap_or(OrderState::All).as_str()));
        if let Some(days) = &days {
            call.params.push(("days", days));
        }
        let list: Vec<data::WireOrder> = self.fetch(t, call).await?;
        Ok(list.into_iter().map(|o| o.into_order(account_id)).collect())
    }

    async fn recent_orders(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        only_executed: bool,
    ) -> Result<Vec<Order>> {
        let mut call = self.account_call(user, account_id, Method::GET, "/recentOrders", "list recent orders")?;
        call.params
            .push(("only_executed", if only_executed { "true" } else { "false" }));
        let recent: data::RecentOrders = self.fetch(t, call).await?;
        Ok(recent.orders.into_iter().map(|o| o.into_order(account_id)).collect())
    }

    async fn order(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        order_id: &str,
    ) -> Result<Order> {
        let call = self
            .account_call(user, account_id, Method::POST, "/orders/details", "order detail")?
            .body(json!({ "brokerage_order_id": order_id }))
            // A read: asking again changes nothing.
            .idempotent();
        let order: data::WireOrder = self.fetch(t, call).await?;
        Ok(order.into_order(account_id))
    }

    async fn activity_page(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        query: &ActivityQuery,
        offset: u64,
        limit: u32,
    ) -> Result<ActivityPage> {
        let start = query.start.map(data::query_date);
        let end = query.end.map(data::query_date);
        let (offset_text, limit_text) = (offset.to_string(), limit.to_string());
        let mut call = self.account_call(user, account_id, Method::GET, "/activities", "list activities")?;
        if let Some(start) = &start {
            call.params.push(("startDate", start));
        }
        if let Some(end) = &end {
            call.params.push(("endDate", end));
        }
        call.params.push(("offset", &offset_text));
        call.params.push(("limit", &limit_text));
        let what = call.what;
        let reply = self.execute(t, call).await?;
        let seed = data::ActivityPageSeed {
            account_id: account_id.to_owned(),
            expected_rows: limit as usize,
        };
        let data::ActivityPage { items, pagination } = decode_json_apart(reply, what, seed).await?;
        let (total, start_at) = (pagination.total, pagination.offset);
        let fetched = items.len() as u64;
        let next = start_at.unwrap_or(offset) + fetched;
        let more = match total {
            Some(total) => next < total,
            None => fetched >= u64::from(limit),
        };
        Ok(ActivityPage {
            items,
            next_offset: (more && fetched > 0).then_some(next),
            total,
        })
    }

    async fn balance_history(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
    ) -> Result<BalanceHistory> {
        let call = self.account_call(user, account_id, Method::GET, "/balanceHistory", "balance history")?;
        let history: data::WireHistory = self.fetch(t, call).await?;
        Ok(history.into())
    }

    /// SnapTrade has no "pending" state on a connection: a fresh one is usable once its
    /// accounts finished their first holdings sync (before that the accounts route answers
    /// 425 "still populating", or lists accounts not yet synced).
    async fn is_ready(&self, t: &Transport, user: Option<&UserCredentials>, connection: &Connection) -> Result<bool> {
        match self.connection_accounts(t, user, &connection.id).await {
            Ok(accounts) => Ok(accounts.iter().all(|a| a.synced)),
            Err(e) if e.status() == Some(425) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The `login` body for the portal options SnapTrade understands.
fn login_body(options: &PortalOptions) -> Result<Map<String, Value>> {
    let unsupported: [(&str, bool); 6] = [
        ("brokers", !options.brokers.is_empty()),
        ("email", options.email.is_some()),
        ("theme", options.theme.is_some()),
        ("broker_type", options.broker_type.is_some()),
        ("capabilities", !options.capabilities.is_empty()),
        ("stages", !options.stages.is_empty()),
    ];
    if let Some((field, _)) = unsupported.iter().find(|(_, set)| *set) {
        return Err(Error::invalid_input(
            field,
            "is a Finatic portal option; SnapTrade has no such option",
        ));
    }
    let mut body = Map::new();
    if let Some(broker) = &options.broker {
        validate::identifier("broker", broker)?;
        body.insert("broker".into(), json!(broker));
    }
    if let Some(kind) = options.connection_type {
        body.insert("connectionType".into(), json!(kind.as_str()));
    }
    if let Some(mode) = options.mode {
        body.insert("darkMode".into(), json!(mode == PortalMode::Dark));
    }
    if let Some(locale) = &options.locale {
        body.insert("locale".into(), json!(validate::locale(locale)?));
    }
    if let Some(redirect) = &options.redirect_url {
        validate::redirect_url("redirect_url", redirect)?;
        body.insert("customRedirect".into(), json!(redirect));
    }
    if let Some(immediate) = options.immediate_redirect {
        body.insert("immediateRedirect".into(), json!(immediate));
    }
    if let Some(reconnect) = &options.reconnect {
        validate::uuid("reconnect", reconnect)?;
        body.insert("reconnect".into(), json!(reconnect));
    }
    if let Some(show) = options.show_close_button {
        body.insert("showCloseButton".into(), json!(show));
    }
    if let Some(version) = &options.portal_version {
        validate::portal_version(version)?;
        body.insert("connectionPortalVersion".into(), json!(version));
    }
    Ok(body)
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let found = parsed
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned());
    found
}

/// Every decoder of this provider on arbitrary bytes; for the fuzzer.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_decoders(status: u16, headers: &HeaderMap, body: &[u8]) {
    let Ok(base) = Url::parse("http://127.0.0.1:1") else {
        return;
    };
    let Ok(snaptrade) = SnapTrade::new("fuzz".into(), Secret::new("fuzz-key"), base, KeyKind::Commercial) else {
        return;
    };
    let reply = Reply {
        status,
        headers: headers.clone(),
        body: Bytes::copy_from_slice(body),
        attempts: 1,
        carried: vec![snaptrade.consumer_key.clone()],
    };
    let _ = snaptrade.error_from(&reply, "fuzz");
    let _ = decode_json::<wire::UserIdAndSecret>(&reply, "fuzz");
    let _ = decode_json::<wire::LoginRedirect>(&reply, "fuzz");
    let _ = decode_json::<Vec<String>>(&reply, "fuzz");
    if let Ok(list) = decode_json::<Vec<wire::Authorization>>(&reply, "fuzz") {
        let _: Vec<Connection> = list.into_iter().map(Connection::from).collect();
    }
    if let Ok(list) = decode_json::<Vec<wire::WireAccount>>(&reply, "fuzz") {
        let _: Vec<Account> = list.into_iter().map(Account::from).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::ConnectionType;

    #[test]
    fn login_body_carries_every_option() {
        let options = PortalOptions {
            broker: Some("ALPACA".into()),
            connection_type: Some(ConnectionType::TradeIfAvailable),
            mode: Some(PortalMode::Dark),
            locale: Some("pt_br".into()),
            redirect_url: Some("https://app.example/done".into()),
            immediate_redirect: Some(true),
            reconnect: Some("8b5f262d-4bb9-365d-888a-202bd3b15fa1".into()),
            show_close_button: Some(false),
            portal_version: Some("v4".into()),
            ..PortalOptions::default()
        };
        let body = Value::Object(login_body(&options).unwrap());
        assert_eq!(
            body,
            json!({
                "broker": "ALPACA", "connectionType": "trade-if-available", "darkMode": true,
                "locale": "pt-BR", "customRedirect": "https://app.example/done", "immediateRedirect": true,
                "reconnect": "8b5f262d-4bb9-365d-888a-202bd3b15fa1", "showCloseButton": false,
                "connectionPortalVersion": "v4"
            })
        );
    }

    #[test]
    fn requests_sign_the_path_relative_to_the_base_url() {
        let base = Url::parse("http://127.0.0.1:9/api/v1").unwrap();
        let st = SnapTrade::new("CID".into(), Secret::new("KEY"), base, KeyKind::Commercial).unwrap();
        let out = st.build(&Call::new(Method::GET, "/accounts", "t")).unwrap();
        assert_eq!(out.url.path(), "/api/v1/accounts");
        let query = out.url.query().unwrap();
        assert!(query.starts_with("clientId=CID&timestamp="), "{query}");
        let expected = hmac_base64(
            b"KEY",
            signing_string(None, "/accounts", query, NonAscii::Escape).as_bytes(),
        );
        assert_eq!(out.headers["Signature"], expected.as_str());
    }
}
