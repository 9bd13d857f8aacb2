//! `Client`: every core call as a Promise-returning method.

use crate::error::{promise, sync};
use crate::generated::{
    Account, Activity, ActivityQuery, AuthorizationRequest, Balance, BalanceHistory, Connection,
    NewWebhookSubscription, OAuthTokens, Order, OrderQuery, Position, Session, WebhookEventType, WebhookSubscription,
    WebhookSubscriptionUpdate,
};
use crate::types::{json_text, link_to_js, parsed, user_to_js, PortalOptions, UserCredentials, WaitOptions};
use brokerlink::{duration_from_millis, Environment, Secret};
use napi::bindgen_prelude::{Object, PromiseRaw, Undefined};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

/// When and how often a failed request is tried again; unset fields keep the defaults
/// (3 attempts, 200 ms first backoff, 5 s at most, `Retry-After` honoured up to 10 s).
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: Option<u32>,
    pub initial_backoff_ms: Option<f64>,
    pub max_backoff_ms: Option<f64>,
    pub max_retry_after_ms: Option<f64>,
}

impl TryFrom<RetryPolicy> for brokerlink::RetryPolicy {
    type Error = brokerlink::Error;

    fn try_from(r: RetryPolicy) -> brokerlink::Result<Self> {
        let d = brokerlink::RetryPolicy::default();
        let ms = |field: &str, v: Option<f64>, d: Duration| v.map_or(Ok(d), |ms| duration_from_millis(field, ms));
        Ok(brokerlink::RetryPolicy {
            max_attempts: r.max_attempts.unwrap_or(d.max_attempts),
            initial_backoff: ms("initial_backoff_ms", r.initial_backoff_ms, d.initial_backoff)?,
            max_backoff: ms("max_backoff_ms", r.max_backoff_ms, d.max_backoff)?,
            max_retry_after: ms("max_retry_after_ms", r.max_retry_after_ms, d.max_retry_after)?,
        })
    }
}

#[napi(object)]
#[derive(Debug, Clone)]
pub struct SnapTradeOptions {
    pub client_id: String,
    /// Only signs requests; it is never sent.
    pub consumer_key: String,
    /// Default `https://api.snaptrade.com`; a sandbox's `url` in tests.
    pub base_url: Option<String>,
    /// Per-attempt limit for one HTTP exchange (default 30 000).
    pub timeout_ms: Option<f64>,
    pub retry: Option<RetryPolicy>,
    pub user_agent: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone)]
pub struct FinaticOptions {
    /// Server-side only: it mints one-time tokens. Give this or `oneTimeToken`, not both.
    pub api_key: Option<String>,
    /// A token your server minted (`mintOneTimeToken`), for a front end that must never hold
    /// the API key: the client starts its session with it and reads through that session.
    pub one_time_token: Option<String>,
    pub base_url: Option<String>,
    /// Default `sandbox` for `fntc_sandbox_…` keys, else `live`.
    #[napi(ts_type = "Environment")]
    pub environment: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retry: Option<RetryPolicy>,
    pub user_agent: Option<String>,
}

/// A SnapTrade OAuth app's registration (`Client.snaptradeOauth`).
#[napi(object)]
pub struct SnapTradeOAuthOptions {
    pub client_id: String,
    /// Stays on your backend: it authenticates the app at the token endpoint.
    pub client_secret: String,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retry: Option<RetryPolicy>,
    pub user_agent: Option<String>,
}

// Hand-written: the client secret stays out.
impl std::fmt::Debug for SnapTradeOAuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapTradeOAuthOptions")
            .field("client_id", &self.client_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The app's `onRefresh(tokens)`: weak, so a client kept around does not keep Node running.
type TokenCallback = ThreadsafeFunction<OAuthTokens, (), OAuthTokens, napi::Status, false, true>;

/// The client a provider's builder makes with the options every provider shares.
fn built(
    mut builder: brokerlink::ClientBuilder,
    base_url: Option<String>,
    timeout_ms: Option<f64>,
    retry: Option<RetryPolicy>,
    user_agent: Option<String>,
) -> brokerlink::Result<Client> {
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(ms) = timeout_ms {
        builder = builder.timeout(duration_from_millis("timeout_ms", ms)?);
    }
    if let Some(retry) = retry {
        builder = builder.retry(retry.try_into()?);
    }
    if let Some(agent) = user_agent {
        builder = builder.user_agent(agent);
    }
    Ok(Client {
        inner: builder.build()?,
    })
}

/// A pooled client for one aggregator account; create it once and share it.
#[napi]
#[derive(Debug)]
pub struct Client {
    inner: brokerlink::Client,
}

type Promise<'env, T> = napi::Result<PromiseRaw<'env, T>>;

#[napi]
impl Client {
    /// A SnapTrade client.
    #[napi(factory, configurable = true)]
    pub fn snaptrade(env: Env, options: SnapTradeOptions) -> napi::Result<Client> {
        sync(&env, || {
            let builder = brokerlink::Client::builder().snaptrade(options.client_id, options.consumer_key);
            built(
                builder,
                options.base_url,
                options.timeout_ms,
                options.retry,
                options.user_agent,
            )
        })
    }

    /// A SnapTrade OAuth app (its backend holds the client secret): it authorizes SnapTrade
    /// Personal users; `withOauthTokens` gives a client acting as one.
    #[napi(factory, configurable = true)]
    pub fn snaptrade_oauth(env: Env, options: SnapTradeOAuthOptions) -> napi::Result<Client> {
        sync(&env, || {
            let builder = brokerlink::Client::builder().snaptrade_oauth(options.client_id, options.client_secret);
            built(
                builder,
                options.base_url,
                options.timeout_ms,
                options.retry,
                options.user_agent,
            )
        })
    }

    /// Starts an authorization: send the user to `url`; keep the request for the callback.
    #[napi(ts_return_type = "Promise<AuthorizationRequest>")]
    pub fn oauth_authorization_url<'env>(
        &self,
        env: &'env Env,
        redirect_uri: String,
        scopes: Option<Vec<String>>,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.oauth_authorization_url(&redirect_uri, &scopes.unwrap_or_default())
                    .await
            },
            |env, request| AuthorizationRequest::from(request).into_js(env),
        )
    }

    /// The user's tokens for the callback URL the server redirected to.
    #[napi(ts_return_type = "Promise<OAuthTokens>")]
    pub fn oauth_exchange_code<'env>(
        &self,
        env: &'env Env,
        request: AuthorizationRequest,
        callback_url: String,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.oauth_exchange_code(&request.try_into()?, &callback_url).await },
            |env, tokens| OAuthTokens::from(tokens).into_js(env),
        )
    }

    /// A client acting as the user these tokens belong to; `onRefresh(tokens)` hears every
    /// rotated pair (store it: the previous refresh token stops working).
    #[napi(ts_args_type = "tokens: OAuthTokens, onRefresh?: (tokens: OAuthTokens) => void")]
    pub fn with_oauth_tokens(
        &self,
        env: Env,
        tokens: OAuthTokens,
        on_refresh: Option<TokenCallback>,
    ) -> napi::Result<Client> {
        sync(&env, || {
            let listener = on_refresh.map(|callback| {
                let callback = Arc::new(callback);
                Arc::new(move |tokens: &brokerlink::OAuthTokens| {
                    callback.call(
                        OAuthTokens::from(tokens.clone()),
                        ThreadsafeFunctionCallMode::NonBlocking,
                    );
                }) as brokerlink::TokenListener
            });
            Ok(Client {
                inner: self.inner.with_oauth_tokens(tokens.try_into()?, listener)?,
            })
        })
    }

    /// The user's current tokens (after any refresh); `null` for the app's own client.
    #[napi(getter, ts_return_type = "OAuthTokens | null")]
    pub fn oauth_tokens<'env>(&self, env: &'env Env) -> napi::Result<Option<Object<'env>>> {
        self.inner
            .oauth_tokens()
            .map(|tokens| OAuthTokens::from(tokens).into_js(env))
            .transpose()
    }

    /// Ends the user's grant at the server.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn oauth_revoke<'env>(&self, env: &'env Env, tokens: OAuthTokens) -> Promise<'env, Undefined> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.oauth_revoke(&tokens.try_into()?).await },
            |_, ()| Ok(()),
        )
    }

    /// A SnapTrade client with a Personal API key: it acts as its own user, so user-scoped
    /// calls take `null` for the user and user management is refused.
    #[napi(factory, configurable = true)]
    pub fn snaptrade_personal(env: Env, options: SnapTradeOptions) -> napi::Result<Client> {
        sync(&env, || {
            let builder = brokerlink::Client::builder().snaptrade_personal(options.client_id, options.consumer_key);
            built(
                builder,
                options.base_url,
                options.timeout_ms,
                options.retry,
                options.user_agent,
            )
        })
    }

    /// A Finatic client.
    #[napi(factory, configurable = true)]
    pub fn finatic(env: Env, options: FinaticOptions) -> napi::Result<Client> {
        sync(&env, || {
            let credential = brokerlink::FinaticCredential::one_of(
                options.api_key.map(Secret::new),
                options.one_time_token.map(Secret::new),
            )?;
            let mut builder = brokerlink::Client::builder().finatic_credential(credential);
            if let Some(name) = options.environment.as_deref() {
                builder = builder.environment(Environment::parse(name)?);
            }
            built(
                builder,
                options.base_url,
                options.timeout_ms,
                options.retry,
                options.user_agent,
            )
        })
    }

    /// Which aggregator protocol the client speaks.
    #[napi(getter, ts_return_type = "ProviderKind")]
    pub fn provider(&self) -> &'static str {
        self.inner.provider().as_str()
    }

    /// The API root the client calls.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// Registers an end user under your id; store the returned `userSecret`.
    #[napi(ts_return_type = "Promise<UserCredentials>")]
    pub fn register_user<'env>(&self, env: &'env Env, user_id: String) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(env, async move { c.register_user(&user_id).await }, user_to_js)
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_user<'env>(&self, env: &'env Env, user: UserCredentials) -> Promise<'env, Undefined> {
        let c = self.inner.clone();
        promise(env, async move { c.delete_user(&user.into()).await }, |_, ()| Ok(()))
    }

    #[napi]
    pub fn list_users<'env>(&self, env: &'env Env) -> Promise<'env, Vec<String>> {
        let c = self.inner.clone();
        promise(env, async move { c.list_users().await }, |_, users| Ok(users))
    }

    /// Issues a new user secret; the old one stops working at once.
    #[napi(ts_return_type = "Promise<UserCredentials>")]
    pub fn rotate_user_secret<'env>(&self, env: &'env Env, user: UserCredentials) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(env, async move { c.rotate_user_secret(&user.into()).await }, user_to_js)
    }

    /// A connection-portal link for the user (valid five minutes).
    #[napi(ts_return_type = "Promise<PortalLink>")]
    pub fn portal_url<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        options: Option<PortalOptions>,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        let future = async move {
            let options = options.unwrap_or_default().try_into()?;
            c.portal_url(user.map(brokerlink::UserCredentials::from).as_ref(), &options)
                .await
        };
        promise(env, future, link_to_js)
    }

    /// A one-time token for a front end (Finatic, API-key clients): good for one
    /// `startSession`, within 90 s.
    #[napi]
    pub fn mint_one_time_token<'env>(&self, env: &'env Env) -> Promise<'env, String> {
        let c = self.inner.clone();
        promise(env, async move { c.mint_one_time_token().await }, |_, token| {
            Ok(token.expose().to_owned())
        })
    }

    /// Starts a Finatic session for a saved user, or (without an id) for a new one.
    #[napi(ts_return_type = "Promise<Session>")]
    pub fn start_session<'env>(&self, env: &'env Env, user_id: Option<String>) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.start_session(user_id.as_deref()).await },
            |env, s| Session::from(s).into_js(env),
        )
    }

    /// The portal link of a session (Finatic).
    #[napi(ts_return_type = "Promise<PortalLink>")]
    pub fn session_portal_url<'env>(
        &self,
        env: &'env Env,
        session: Session,
        options: Option<PortalOptions>,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        let future = async move {
            let options = options.unwrap_or_default().try_into()?;
            c.session_portal_url(&session.try_into()?, &options).await
        };
        promise(env, future, link_to_js)
    }

    /// The user who logged in through a session's portal (Finatic); save its id.
    #[napi(ts_return_type = "Promise<UserCredentials>")]
    pub fn session_user<'env>(&self, env: &'env Env, session: Session) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.session_user(&session.try_into()?).await },
            user_to_js,
        )
    }

    #[napi]
    pub fn connections<'env>(&self, env: &'env Env, user: Option<UserCredentials>) -> Promise<'env, Vec<Connection>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.connections(user.map(brokerlink::UserCredentials::from).as_ref())
                    .await
            },
            |_, list| Ok(list.into_iter().map(Connection::from).collect()),
        )
    }

    #[napi]
    pub fn connection<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Promise<'env, Connection> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.connection(user.map(brokerlink::UserCredentials::from).as_ref(), &connection_id)
                    .await
            },
            |_, x| Ok(Connection::from(x)),
        )
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove_connection<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Promise<'env, Undefined> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.remove_connection(user.map(brokerlink::UserCredentials::from).as_ref(), &connection_id)
                    .await
            },
            |_, ()| Ok(()),
        )
    }

    /// Asks the aggregator to sync the connection's data now.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn refresh_connection<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Promise<'env, Undefined> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.refresh_connection(user.map(brokerlink::UserCredentials::from).as_ref(), &connection_id)
                    .await
            },
            |_, ()| Ok(()),
        )
    }

    /// Breaks a connection on purpose, to test a reconnect flow.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn disable_connection<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Promise<'env, Undefined> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.disable_connection(user.map(brokerlink::UserCredentials::from).as_ref(), &connection_id)
                    .await
            },
            |_, ()| Ok(()),
        )
    }

    #[napi]
    pub fn accounts<'env>(&self, env: &'env Env, user: Option<UserCredentials>) -> Promise<'env, Vec<Account>> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.accounts(user.map(brokerlink::UserCredentials::from).as_ref()).await },
            |_, list| Ok(list.into_iter().map(Account::from).collect()),
        )
    }

    #[napi]
    pub fn account<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
    ) -> Promise<'env, Account> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.account(user.map(brokerlink::UserCredentials::from).as_ref(), &account_id)
                    .await
            },
            |_, a| Ok(Account::from(a)),
        )
    }

    #[napi]
    pub fn connection_accounts<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Promise<'env, Vec<Account>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.connection_accounts(user.map(brokerlink::UserCredentials::from).as_ref(), &connection_id)
                    .await
            },
            |_, list| Ok(list.into_iter().map(Account::from).collect()),
        )
    }

    /// The event types the provider can send to a subscription (Finatic).
    #[napi]
    pub fn webhook_catalog<'env>(&self, env: &'env Env) -> Promise<'env, Vec<WebhookEventType>> {
        let c = self.inner.clone();
        promise(env, async move { c.webhook_catalog().await }, |_, list| {
            Ok(list.into_iter().map(WebhookEventType::from).collect())
        })
    }

    /// Every webhook subscription of your company, revoked ones included (Finatic).
    #[napi(ts_return_type = "Promise<WebhookSubscription[]>")]
    pub fn webhook_subscriptions<'env>(&self, env: &'env Env) -> Promise<'env, Vec<Object<'env>>> {
        let c = self.inner.clone();
        promise(env, async move { c.webhook_subscriptions().await }, |env, list| {
            list.into_iter()
                .map(|s| WebhookSubscription::from(s).into_js(env))
                .collect()
        })
    }

    /// Subscribes a URL to events; the answer's `secret` (sent once) signs deliveries (Finatic).
    #[napi(ts_return_type = "Promise<WebhookSubscription>")]
    pub fn create_webhook_subscription<'env>(
        &self,
        env: &'env Env,
        subscription: NewWebhookSubscription,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        let new = brokerlink::NewWebhookSubscription::try_from(subscription);
        promise(
            env,
            async move { c.create_webhook_subscription(&new?).await },
            |env, s| WebhookSubscription::from(s).into_js(env),
        )
    }

    /// Changes what is given; `enabled: false` pauses deliveries, `true` resumes them (Finatic).
    #[napi(ts_return_type = "Promise<WebhookSubscription>")]
    pub fn update_webhook_subscription<'env>(
        &self,
        env: &'env Env,
        subscription_id: String,
        update: WebhookSubscriptionUpdate,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        let update = brokerlink::WebhookSubscriptionUpdate::try_from(update);
        promise(
            env,
            async move { c.update_webhook_subscription(&subscription_id, &update?).await },
            |env, s| WebhookSubscription::from(s).into_js(env),
        )
    }

    /// Ends a subscription for good (Finatic).
    #[napi(ts_return_type = "Promise<WebhookSubscription>")]
    pub fn revoke_webhook_subscription<'env>(
        &self,
        env: &'env Env,
        subscription_id: String,
    ) -> Promise<'env, Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            async move { c.revoke_webhook_subscription(&subscription_id).await },
            |env, s| WebhookSubscription::from(s).into_js(env),
        )
    }

    /// Every position of an account: equities, ETFs, options, crypto, funds and cash
    /// equivalents.
    #[napi]
    pub fn positions<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
    ) -> Promise<'env, Vec<Position>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.positions(user.map(brokerlink::UserCredentials::from).as_ref(), &account_id)
                    .await
            },
            |_, list| Ok(list.into_iter().map(Position::from).collect()),
        )
    }

    /// An account's cash and buying power, one entry per currency.
    #[napi]
    pub fn balances<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
    ) -> Promise<'env, Vec<Balance>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.balances(user.map(brokerlink::UserCredentials::from).as_ref(), &account_id)
                    .await
            },
            |_, list| Ok(list.into_iter().map(Balance::from).collect()),
        )
    }

    /// An account's orders: all (the default), the working ones or the executed ones, of the
    /// last `days`.
    #[napi]
    pub fn orders<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
        query: Option<OrderQuery>,
    ) -> Promise<'env, Vec<Order>> {
        let c = self.inner.clone();
        let query = query.map(brokerlink::OrderQuery::try_from).transpose();
        promise(
            env,
            async move {
                c.orders(
                    user.map(brokerlink::UserCredentials::from).as_ref(),
                    &account_id,
                    &query?.unwrap_or_default(),
                )
                .await
            },
            |_, list| Ok(list.into_iter().map(Order::from).collect()),
        )
    }

    /// The orders of the last 24 hours, read live from the broker (SnapTrade); the executed
    /// ones only unless `onlyExecuted` is false.
    #[napi]
    pub fn recent_orders<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
        only_executed: Option<bool>,
    ) -> Promise<'env, Vec<Order>> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.recent_orders(
                    user.map(brokerlink::UserCredentials::from).as_ref(),
                    &account_id,
                    only_executed.unwrap_or(true),
                )
                .await
            },
            |_, list| Ok(list.into_iter().map(Order::from).collect()),
        )
    }

    /// One order, by the broker's order id.
    #[napi]
    pub fn order<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
        order_id: String,
    ) -> Promise<'env, Order> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.order(
                    user.map(brokerlink::UserCredentials::from).as_ref(),
                    &account_id,
                    &order_id,
                )
                .await
            },
            |_, order| Ok(Order::from(order)),
        )
    }

    /// Every activity of an account in the query's date range, all pages, newest first.
    #[napi(ts_return_type = "Promise<Array<Activity>>")]
    pub fn activities<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
        query: Option<ActivityQuery>,
    ) -> Promise<'env, napi::Unknown<'env>> {
        let c = self.inner.clone();
        let query = query.map(brokerlink::ActivityQuery::try_from).transpose();
        promise(
            env,
            async move {
                let list = c
                    .activities(
                        user.map(brokerlink::UserCredentials::from).as_ref(),
                        &account_id,
                        &query?.unwrap_or_default(),
                    )
                    .await?;
                json_text(&list.into_iter().map(Activity::from).collect::<Vec<_>>())
            },
            parsed,
        )
    }

    /// The same activities one page at a time (`for await (const page of pages)`), for
    /// histories too long to hold at once; the query is checked now, before any request.
    #[napi]
    pub fn activity_pages(
        &self,
        env: Env,
        user: Option<UserCredentials>,
        account_id: String,
        query: Option<ActivityQuery>,
    ) -> napi::Result<ActivityPages> {
        sync(&env, || {
            let query = query.map(brokerlink::ActivityQuery::try_from).transpose()?;
            let pages = self.inner.activity_pages(
                user.map(brokerlink::UserCredentials::from).as_ref(),
                &account_id,
                &query.unwrap_or_default(),
            )?;
            Ok(ActivityPages {
                inner: Arc::new(tokio::sync::Mutex::new(pages)),
            })
        })
    }

    /// An account's total value over time, oldest first (SnapTrade).
    #[napi]
    pub fn balance_history<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        account_id: String,
    ) -> Promise<'env, BalanceHistory> {
        let c = self.inner.clone();
        promise(
            env,
            async move {
                c.balance_history(user.map(brokerlink::UserCredentials::from).as_ref(), &account_id)
                    .await
            },
            |_, history| Ok(BalanceHistory::from(history)),
        )
    }

    /// Polls until a new (or repaired, or the named) connection is active and synced;
    /// fails with `timeout` otherwise.
    #[napi]
    pub fn wait_for_connection<'env>(
        &self,
        env: &'env Env,
        user: Option<UserCredentials>,
        options: Option<WaitOptions>,
    ) -> Promise<'env, Connection> {
        let c = self.inner.clone();
        let options = brokerlink::WaitOptions::try_from(options.unwrap_or_default());
        promise(
            env,
            async move {
                c.wait_for_connection(user.map(brokerlink::UserCredentials::from).as_ref(), &options?)
                    .await
            },
            |_, x| Ok(Connection::from(x)),
        )
    }
}

/// An account's activities read one page at a time (`client.activityPages(...)`): `next()`
/// resolves to the next page, or `null` once every page has been read; `for await` iterates
/// the pages.
#[napi]
#[derive(Debug)]
pub struct ActivityPages {
    inner: Arc<tokio::sync::Mutex<brokerlink::ActivityPages>>,
}

#[napi]
impl ActivityPages {
    /// The next page; a page that failed can be asked for again.
    #[napi(ts_return_type = "Promise<Array<Activity> | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Promise<'env, napi::Unknown<'env>> {
        let pages = self.inner.clone();
        promise(
            env,
            async move {
                let page = pages.lock().await.next().await?;
                json_text(&page.map(|list| list.into_iter().map(Activity::from).collect::<Vec<_>>()))
            },
            parsed,
        )
    }
}
