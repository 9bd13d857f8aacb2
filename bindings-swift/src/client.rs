//! `Client`: one constructor per provider and every core call as an async method (Swift
//! `async throws`, Kotlin `suspend`), each forwarding to one shared `brokerlink::Client`.

use crate::error::Result;
use crate::generated::{
    Account, Activity, ActivityQuery, AuthorizationRequest, Balance, BalanceHistory, Connection, Environment,
    NewWebhookSubscription, OAuthTokens, Order, OrderQuery, Position, ProviderKind, Session, UserCredentials,
    WebhookEventType, WebhookSubscription, WebhookSubscriptionUpdate,
};
use crate::runtime::{enter, run};
use crate::types::{PortalLink, PortalOptions, WaitOptions};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// When and how often a failed request is tried again; unset fields keep the core's defaults
/// (3 attempts, 200 ms first backoff, 5 s at most, `Retry-After` honoured up to 10 s).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    #[uniffi(default = None)]
    pub max_attempts: Option<u32>,
    #[uniffi(default = None)]
    pub initial_backoff: Option<Duration>,
    #[uniffi(default = None)]
    pub max_backoff: Option<Duration>,
    #[uniffi(default = None)]
    pub max_retry_after: Option<Duration>,
}

impl From<RetryPolicy> for brokerlink::RetryPolicy {
    fn from(r: RetryPolicy) -> Self {
        let d = brokerlink::RetryPolicy::default();
        brokerlink::RetryPolicy {
            max_attempts: r.max_attempts.unwrap_or(d.max_attempts),
            initial_backoff: r.initial_backoff.unwrap_or(d.initial_backoff),
            max_backoff: r.max_backoff.unwrap_or(d.max_backoff),
            max_retry_after: r.max_retry_after.unwrap_or(d.max_retry_after),
        }
    }
}

/// What every provider's client can be tuned with; unset fields keep the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ClientOptions {
    /// The aggregator's API root, e.g. a sandbox's `url()`; default the provider's.
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// Per-attempt limit for one HTTP exchange (default 30 s).
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    #[uniffi(default = None)]
    pub retry: Option<RetryPolicy>,
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
}

fn build(builder: brokerlink::ClientBuilder, o: ClientOptions) -> brokerlink::Result<brokerlink::Client> {
    let mut builder = builder;
    if let Some(url) = o.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = o.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(retry) = o.retry {
        builder = builder.retry(retry.into());
    }
    let agent = o
        .user_agent
        .unwrap_or_else(|| format!("brokerlink/{} (swift-kotlin)", env!("CARGO_PKG_VERSION")));
    builder.user_agent(agent).build()
}

/// A pooled client for one aggregator account; create it once and share it (calls may run
/// concurrently from any thread, task or coroutine).
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct Client {
    inner: brokerlink::Client,
    base_url: String,
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Client(provider={}, baseUrl={:?})",
            self.inner.provider(),
            self.base_url
        )
    }
}

/// Hears every pair of tokens a user's client refreshed to: store it (the previous refresh
/// token stops working). Implemented in Kotlin or Swift.
#[uniffi::export(with_foreign)]
pub trait OAuthTokenListener: Send + Sync + fmt::Debug {
    fn tokens_refreshed(&self, tokens: OAuthTokens);
}

#[uniffi::export]
impl Client {
    /// A SnapTrade client; the consumer key only signs requests and is never sent.
    #[uniffi::constructor(default(options))]
    pub fn snaptrade(client_id: String, consumer_key: String, options: ClientOptions) -> Result<Arc<Self>> {
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| brokerlink::SNAPTRADE_BASE_URL.to_owned());
        enter(|| {
            let inner = build(
                brokerlink::Client::builder().snaptrade(client_id, consumer_key),
                options,
            )?;
            Ok(Arc::new(Client { inner, base_url }))
        })
    }

    /// A SnapTrade OAuth app (its backend holds the client secret): it authorizes SnapTrade
    /// Personal users; `withOauthTokens` gives a client acting as one.
    #[uniffi::constructor(default(options))]
    pub fn snaptrade_oauth(client_id: String, client_secret: String, options: ClientOptions) -> Result<Arc<Self>> {
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| brokerlink::SNAPTRADE_BASE_URL.to_owned());
        enter(|| {
            let inner = build(
                brokerlink::Client::builder().snaptrade_oauth(client_id, brokerlink::Secret::new(client_secret)),
                options,
            )?;
            Ok(Arc::new(Client { inner, base_url }))
        })
    }

    /// Starts an authorization: send the user to `url`; keep the request for the callback.
    #[uniffi::method(default(scopes = []))]
    pub async fn oauth_authorization_url(
        &self,
        redirect_uri: String,
        scopes: Vec<String>,
    ) -> Result<AuthorizationRequest> {
        let c = self.inner.clone();
        run(async move {
            c.oauth_authorization_url(&redirect_uri, &scopes)
                .await
                .map(AuthorizationRequest::from)
        })
        .await
    }

    /// The user's tokens for the callback URL the server redirected to.
    pub async fn oauth_exchange_code(
        &self,
        request: AuthorizationRequest,
        callback_url: String,
    ) -> Result<OAuthTokens> {
        let c = self.inner.clone();
        run(async move {
            c.oauth_exchange_code(&request.into(), &callback_url)
                .await
                .map(OAuthTokens::from)
        })
        .await
    }

    /// A client acting as the user these tokens belong to; `listener` hears every rotated pair.
    #[uniffi::method(default(listener = None))]
    pub fn with_oauth_tokens(
        &self,
        tokens: OAuthTokens,
        listener: Option<Arc<dyn OAuthTokenListener>>,
    ) -> Result<Arc<Client>> {
        enter(|| {
            let listener = listener.map(|listener| {
                Arc::new(move |tokens: &brokerlink::OAuthTokens| listener.tokens_refreshed(tokens.clone().into()))
                    as brokerlink::TokenListener
            });
            let inner = self.inner.with_oauth_tokens(tokens.into(), listener)?;
            Ok(Arc::new(Client {
                inner,
                base_url: self.base_url.clone(),
            }))
        })
    }

    /// The user's current tokens (after any refresh); null for the app's own client.
    pub fn oauth_tokens(&self) -> Option<OAuthTokens> {
        self.inner.oauth_tokens().map(OAuthTokens::from)
    }

    /// Ends the user's grant at the server.
    pub async fn oauth_revoke(&self, tokens: OAuthTokens) -> Result<()> {
        let c = self.inner.clone();
        run(async move { c.oauth_revoke(&tokens.into()).await }).await
    }

    /// A SnapTrade client with a Personal API key: it acts as its own user, so user-scoped
    /// calls take `null`/`nil` for the user and user management is refused.
    #[uniffi::constructor(default(options))]
    pub fn snaptrade_personal(client_id: String, consumer_key: String, options: ClientOptions) -> Result<Arc<Self>> {
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| brokerlink::SNAPTRADE_BASE_URL.to_owned());
        enter(|| {
            let inner = build(
                brokerlink::Client::builder().snaptrade_personal(client_id, consumer_key),
                options,
            )?;
            Ok(Arc::new(Client { inner, base_url }))
        })
    }

    /// A Finatic client with exactly one of the company API key (server side only: it mints
    /// one-time tokens) and a one-time token your server minted (apps: the key never ships
    /// in them). `environment` defaults to the key's own (`sandbox` for `fntc_sandbox_…` keys).
    #[uniffi::constructor(default(api_key = None, one_time_token = None, environment = None, options))]
    pub fn finatic(
        api_key: Option<String>,
        one_time_token: Option<String>,
        environment: Option<Environment>,
        options: ClientOptions,
    ) -> Result<Arc<Self>> {
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| brokerlink::FINATIC_BASE_URL.to_owned());
        enter(|| {
            let credential = brokerlink::FinaticCredential::one_of(
                api_key.map(brokerlink::Secret::new),
                one_time_token.map(brokerlink::Secret::new),
            )?;
            let mut builder = brokerlink::Client::builder().finatic_credential(credential);
            if let Some(environment) = environment {
                builder = builder.environment(environment.into());
            }
            let inner = build(builder, options)?;
            Ok(Arc::new(Client { inner, base_url }))
        })
    }

    pub fn provider(&self) -> ProviderKind {
        self.inner.provider().into()
    }

    /// The API root the client calls.
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// Registers an end user under your id; store the returned secret (SnapTrade).
    pub async fn register_user(&self, user_id: String) -> Result<UserCredentials> {
        let c = self.inner.clone();
        run(async move { c.register_user(&user_id).await.map(UserCredentials::from) }).await
    }

    pub async fn delete_user(&self, user: UserCredentials) -> Result<()> {
        let (c, user) = (self.inner.clone(), brokerlink::UserCredentials::from(user));
        run(async move { c.delete_user(&user).await }).await
    }

    pub async fn list_users(&self) -> Result<Vec<String>> {
        let c = self.inner.clone();
        run(async move { c.list_users().await }).await
    }

    /// Issues a new user secret; the old one stops working at once.
    pub async fn rotate_user_secret(&self, user: UserCredentials) -> Result<UserCredentials> {
        let (c, user) = (self.inner.clone(), brokerlink::UserCredentials::from(user));
        run(async move { c.rotate_user_secret(&user).await.map(UserCredentials::from) }).await
    }

    /// A connection-portal link for the user; it expires after five minutes.
    #[uniffi::method(default(user = None, options))]
    pub async fn portal_url(&self, user: Option<UserCredentials>, options: PortalOptions) -> Result<PortalLink> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move {
            let options = brokerlink::PortalOptions::try_from(options)?;
            c.portal_url(user.as_ref(), &options).await.map(PortalLink::from)
        })
        .await
    }

    /// A one-time token for an app (Finatic, API-key clients): good for one `startSession`,
    /// within 90 s. Send it to the app, which builds its client with it.
    pub async fn mint_one_time_token(&self) -> Result<String> {
        let c = self.inner.clone();
        run(async move { c.mint_one_time_token().await.map(|token| token.expose().to_owned()) }).await
    }

    /// Starts a Finatic session for a saved user, or (without one) for a new user who will
    /// log in through the portal. An API-key client mints the one-time token and spends it
    /// inside; a token client spends its own.
    #[uniffi::method(default(user_id = None))]
    pub async fn start_session(&self, user_id: Option<String>) -> Result<Session> {
        let c = self.inner.clone();
        run(async move { c.start_session(user_id.as_deref()).await.map(Session::from) }).await
    }

    /// The portal link of a session (Finatic's `getPortalUrl`).
    #[uniffi::method(default(options))]
    pub async fn session_portal_url(&self, session: Session, options: PortalOptions) -> Result<PortalLink> {
        let c = self.inner.clone();
        run(async move {
            let options = brokerlink::PortalOptions::try_from(options)?;
            c.session_portal_url(&brokerlink::Session::from(session), &options)
                .await
                .map(PortalLink::from)
        })
        .await
    }

    /// The user who logged in through a session's portal (Finatic's `getUserId`); save its id.
    pub async fn session_user(&self, session: Session) -> Result<UserCredentials> {
        let c = self.inner.clone();
        run(async move {
            c.session_user(&brokerlink::Session::from(session))
                .await
                .map(UserCredentials::from)
        })
        .await
    }

    #[uniffi::method(default(user = None))]
    pub async fn connections(&self, user: Option<UserCredentials>) -> Result<Vec<Connection>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.connections(user.as_ref()).await.map(list) }).await
    }

    pub async fn connection(&self, user: Option<UserCredentials>, connection_id: String) -> Result<Connection> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.connection(user.as_ref(), &connection_id).await.map(Connection::from) }).await
    }

    pub async fn remove_connection(&self, user: Option<UserCredentials>, connection_id: String) -> Result<()> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.remove_connection(user.as_ref(), &connection_id).await }).await
    }

    /// Asks the aggregator to sync the connection's data now.
    pub async fn refresh_connection(&self, user: Option<UserCredentials>, connection_id: String) -> Result<()> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.refresh_connection(user.as_ref(), &connection_id).await }).await
    }

    /// Breaks a connection on purpose, to test a reconnect flow.
    pub async fn disable_connection(&self, user: Option<UserCredentials>, connection_id: String) -> Result<()> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.disable_connection(user.as_ref(), &connection_id).await }).await
    }

    /// The event types the provider can send to a subscription (Finatic).
    pub async fn webhook_catalog(&self) -> Result<Vec<WebhookEventType>> {
        let c = self.inner.clone();
        run(async move { c.webhook_catalog().await.map(list) }).await
    }

    /// Every webhook subscription of your company, revoked ones included (Finatic).
    pub async fn webhook_subscriptions(&self) -> Result<Vec<WebhookSubscription>> {
        let c = self.inner.clone();
        run(async move { c.webhook_subscriptions().await.map(list) }).await
    }

    /// Subscribes a URL to events; the answer's `secret` (sent once) signs deliveries (Finatic).
    pub async fn create_webhook_subscription(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<WebhookSubscription> {
        let (c, new) = (
            self.inner.clone(),
            brokerlink::NewWebhookSubscription::from(subscription),
        );
        run(async move { c.create_webhook_subscription(&new).await.map(Into::into) }).await
    }

    /// Changes what is given; `enabled = false` pauses deliveries, `true` resumes them (Finatic).
    pub async fn update_webhook_subscription(
        &self,
        subscription_id: String,
        update: WebhookSubscriptionUpdate,
    ) -> Result<WebhookSubscription> {
        let (c, update) = (self.inner.clone(), brokerlink::WebhookSubscriptionUpdate::from(update));
        run(async move {
            c.update_webhook_subscription(&subscription_id, &update)
                .await
                .map(Into::into)
        })
        .await
    }

    /// Ends a subscription for good (Finatic).
    pub async fn revoke_webhook_subscription(&self, subscription_id: String) -> Result<WebhookSubscription> {
        let c = self.inner.clone();
        run(async move { c.revoke_webhook_subscription(&subscription_id).await.map(Into::into) }).await
    }

    #[uniffi::method(default(user = None))]
    pub async fn accounts(&self, user: Option<UserCredentials>) -> Result<Vec<Account>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.accounts(user.as_ref()).await.map(list) }).await
    }

    pub async fn account(&self, user: Option<UserCredentials>, account_id: String) -> Result<Account> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.account(user.as_ref(), &account_id).await.map(Account::from) }).await
    }

    pub async fn connection_accounts(
        &self,
        user: Option<UserCredentials>,
        connection_id: String,
    ) -> Result<Vec<Account>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.connection_accounts(user.as_ref(), &connection_id).await.map(list) }).await
    }

    /// Every position of an account: equities, ETFs, options, crypto, funds and cash
    /// equivalents.
    pub async fn positions(&self, user: Option<UserCredentials>, account_id: String) -> Result<Vec<Position>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.positions(user.as_ref(), &account_id).await.map(list) }).await
    }

    /// An account's cash and buying power, one entry per currency.
    pub async fn balances(&self, user: Option<UserCredentials>, account_id: String) -> Result<Vec<Balance>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.balances(user.as_ref(), &account_id).await.map(list) }).await
    }

    /// An account's orders: all (the default), the working ones or the executed ones, of the
    /// last `days`.
    #[uniffi::method(default(query))]
    pub async fn orders(
        &self,
        user: Option<UserCredentials>,
        account_id: String,
        query: OrderQuery,
    ) -> Result<Vec<Order>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        let query = brokerlink::OrderQuery::from(query);
        run(async move { c.orders(user.as_ref(), &account_id, &query).await.map(list) }).await
    }

    /// The orders of the last 24 hours, read live from the broker (SnapTrade); the executed
    /// ones only unless `onlyExecuted` is false.
    #[uniffi::method(default(only_executed = true))]
    pub async fn recent_orders(
        &self,
        user: Option<UserCredentials>,
        account_id: String,
        only_executed: bool,
    ) -> Result<Vec<Order>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move {
            c.recent_orders(user.as_ref(), &account_id, only_executed)
                .await
                .map(list)
        })
        .await
    }

    /// One order, by the broker's order id.
    pub async fn order(&self, user: Option<UserCredentials>, account_id: String, order_id: String) -> Result<Order> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move { c.order(user.as_ref(), &account_id, &order_id).await.map(Order::from) }).await
    }

    /// Every activity of an account in the query's date range, all pages, newest first.
    #[uniffi::method(default(query))]
    pub async fn activities(
        &self,
        user: Option<UserCredentials>,
        account_id: String,
        query: ActivityQuery,
    ) -> Result<Vec<Activity>> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        let query = brokerlink::ActivityQuery::from(query);
        run(async move { c.activities(user.as_ref(), &account_id, &query).await.map(list) }).await
    }

    /// The same activities one page at a time, for histories too long to hold at once; the
    /// query is checked now, before any request.
    #[uniffi::method(default(query))]
    pub fn activity_pages(
        &self,
        user: Option<UserCredentials>,
        account_id: String,
        query: ActivityQuery,
    ) -> Result<Arc<ActivityPages>> {
        crate::error::guard(|| {
            let pages = self.inner.activity_pages(
                user.map(brokerlink::UserCredentials::from).as_ref(),
                &account_id,
                &brokerlink::ActivityQuery::from(query),
            )?;
            Ok(Arc::new(ActivityPages {
                inner: Arc::new(tokio::sync::Mutex::new(pages)),
            }))
        })
    }

    /// An account's total value over time, oldest first (SnapTrade).
    pub async fn balance_history(&self, user: Option<UserCredentials>, account_id: String) -> Result<BalanceHistory> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move {
            c.balance_history(user.as_ref(), &account_id)
                .await
                .map(BalanceHistory::from)
        })
        .await
    }

    /// Polls until a new (or repaired, or the named) connection is active and synced; fails
    /// with `timeout` otherwise.
    #[uniffi::method(default(user = None, options))]
    pub async fn wait_for_connection(&self, user: Option<UserCredentials>, options: WaitOptions) -> Result<Connection> {
        let (c, user) = (self.inner.clone(), user.map(brokerlink::UserCredentials::from));
        run(async move {
            c.wait_for_connection(user.as_ref(), &options.into())
                .await
                .map(Connection::from)
        })
        .await
    }
}

fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// An account's activities read one page at a time (`Client.activityPages`): `next()` answers
/// the next page, or `null` once every page has been read. Kotlin's `activityFlow` and Swift's
/// `AsyncSequence` wrap it.
#[derive(Debug, uniffi::Object)]
pub struct ActivityPages {
    inner: Arc<tokio::sync::Mutex<brokerlink::ActivityPages>>,
}

#[uniffi::export]
impl ActivityPages {
    /// The next page; a page that failed can be asked for again.
    pub async fn next(&self) -> Result<Option<Vec<Activity>>> {
        let pages = self.inner.clone();
        run(async move { Ok(pages.lock().await.next().await?.map(list)) }).await
    }
}
