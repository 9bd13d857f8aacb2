//! `Client`: the provider-neutral API of docs/design.md §3.

use crate::account_data::{Activity, ActivityQuery, Balance, BalanceHistory, Order, OrderQuery, Position};
use crate::error::{Error, Result};
use crate::http::{RetryPolicy, Transport};
use crate::oauth::{AuthorizationRequest, Grant, OAuthApp, OAuthTokens, TokenListener};
use crate::portal::{PortalLink, PortalOptions};
use crate::providers::finatic::{self, Finatic};
use crate::providers::snaptrade::{self, KeyKind, SnapTrade};
use crate::providers::Protocol as _;
use crate::secret::Secret;
use crate::subscriptions::{NewWebhookSubscription, WebhookEventType, WebhookSubscription, WebhookSubscriptionUpdate};
use crate::types::{Account, Connection, Environment, ProviderKind, Session, UserCredentials};
use crate::validate;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Response bodies past this size fail as `decode` without being buffered whole.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug)]
pub(crate) enum Provider {
    SnapTrade(SnapTrade),
    Finatic(Box<Finatic>),
}

/// A pooled, cloneable client for one aggregator account. Clones share the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Shared by an OAuth app's client and the clients of its users.
    transport: Arc<Transport>,
    provider: Provider,
}

#[derive(Debug)]
enum Credentials {
    SnapTrade {
        client_id: String,
        consumer_key: Secret,
        key: KeyKind,
    },
    Finatic(FinaticCredential),
    SnapTradeOAuth {
        client_id: String,
        client_secret: Secret,
    },
}

/// What a Finatic client authenticates with: the company API key, on a server only, or a
/// one-time token that the server minted (`Client::mint_one_time_token`) for a front end,
/// which then starts its session and reads through it without ever holding the key.
#[derive(Debug, Clone)]
pub enum FinaticCredential {
    ApiKey(Secret),
    OneTimeToken(Secret),
}

impl FinaticCredential {
    /// Exactly one of the two, as every language's `finatic` constructor takes them.
    pub fn one_of(api_key: Option<Secret>, one_time_token: Option<Secret>) -> Result<Self> {
        match (api_key, one_time_token) {
            (Some(api_key), None) => Ok(FinaticCredential::ApiKey(api_key)),
            (None, Some(token)) => Ok(FinaticCredential::OneTimeToken(token)),
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "one_time_token",
                "give either api_key (a server) or one_time_token (a front end), not both",
            )),
            (None, None) => Err(Error::invalid_input(
                "api_key",
                "give api_key (a server) or one_time_token (a front end)",
            )),
        }
    }
}

/// Builds a `Client`; pick a provider, then optionally tune it.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    user_agent: Option<String>,
    max_response_bytes: Option<usize>,
    environment: Option<Environment>,
}

impl ClientBuilder {
    /// SnapTrade with the partner's client id and consumer key (the key only signs; it is
    /// never sent).
    pub fn snaptrade(mut self, client_id: impl Into<String>, consumer_key: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::SnapTrade {
            client_id: client_id.into(),
            consumer_key: consumer_key.into(),
            key: KeyKind::Commercial,
        });
        self
    }

    /// SnapTrade with a Personal API key: the key is its owner's own SnapTrade user, so
    /// user-scoped calls take no user (`None`) and user management is refused.
    pub fn snaptrade_personal(mut self, client_id: impl Into<String>, consumer_key: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::SnapTrade {
            client_id: client_id.into(),
            consumer_key: consumer_key.into(),
            key: KeyKind::Personal,
        });
        self
    }

    /// A SnapTrade OAuth app (a confidential client: the secret stays on your backend). It
    /// authorizes SnapTrade Personal users (`oauth_authorization_url`, `oauth_exchange_code`);
    /// `with_oauth_tokens` gives a client that calls as one of them.
    pub fn snaptrade_oauth(mut self, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::SnapTradeOAuth {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// Finatic with the company API key (server-side only; it mints one-time tokens).
    pub fn finatic(self, api_key: impl Into<Secret>) -> Self {
        self.finatic_credential(FinaticCredential::ApiKey(api_key.into()))
    }

    /// Finatic with either credential: a front end passes the one-time token its server minted.
    pub fn finatic_credential(mut self, credential: FinaticCredential) -> Self {
        self.credentials = Some(Credentials::Finatic(credential));
        self
    }

    /// Finatic's environment; by default `sandbox` for `fntc_sandbox_…` keys, else `live`.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The aggregator's API root, e.g. a sandbox's `http://127.0.0.1:PORT`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Per-attempt limit for one HTTP exchange, body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    pub fn build(self) -> Result<Client> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::invalid_input("provider", "choose a provider (snaptrade or finatic) before build"))?;
        if self.environment.is_some() && !matches!(credentials, Credentials::Finatic(_)) {
            return Err(Error::invalid_input("environment", "is a Finatic option"));
        }
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("brokerlink/{} (rust)", env!("CARGO_PKG_VERSION")));
        let transport = Transport::new(
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.retry.unwrap_or_default(),
            &user_agent,
            self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        )?;
        let provider = match credentials {
            Credentials::SnapTrade {
                client_id,
                consumer_key,
                key,
            } => {
                let base = validate::base_url(self.base_url.as_deref().unwrap_or(snaptrade::DEFAULT_BASE_URL))?;
                Provider::SnapTrade(SnapTrade::new(client_id, consumer_key, base, key)?)
            }
            Credentials::SnapTradeOAuth {
                client_id,
                client_secret,
            } => {
                let base = validate::base_url(self.base_url.as_deref().unwrap_or(snaptrade::DEFAULT_BASE_URL))?;
                let app = OAuthApp::new(client_id, client_secret, base.clone())?;
                Provider::SnapTrade(SnapTrade::oauth(app, base))
            }
            Credentials::Finatic(credential) => {
                let base = validate::base_url(self.base_url.as_deref().unwrap_or(finatic::DEFAULT_BASE_URL))?;
                Provider::Finatic(Box::new(Finatic::new(credential, base, self.environment)?))
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Arc::new(transport),
                provider,
            }),
        })
    }
}

/// Forwards a call to whichever provider the client speaks.
macro_rules! dispatch {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {{
        let transport = &$self.inner.transport;
        match &$self.inner.provider {
            Provider::SnapTrade(p) => p.$method(transport, $($arg),*).await,
            Provider::Finatic(p) => p.$method(transport, $($arg),*).await,
        }
    }};
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub fn provider(&self) -> ProviderKind {
        match &self.inner.provider {
            Provider::SnapTrade(_) => ProviderKind::SnapTrade,
            Provider::Finatic(_) => ProviderKind::Finatic,
        }
    }

    /// The API root the client calls (the provider's production URL unless one was given).
    pub fn base_url(&self) -> &str {
        match &self.inner.provider {
            Provider::SnapTrade(p) => p.base_url(),
            Provider::Finatic(p) => p.base_url(),
        }
    }

    /// Registers an end user under a partner-chosen id; the returned secret must be stored.
    pub async fn register_user(&self, user_id: &str) -> Result<UserCredentials> {
        dispatch!(self, register_user(user_id))
    }

    pub async fn delete_user(&self, user: &UserCredentials) -> Result<()> {
        dispatch!(self, delete_user(user))
    }

    pub async fn list_users(&self) -> Result<Vec<String>> {
        dispatch!(self, list_users())
    }

    /// Issues a new user secret; the old one stops working at once.
    pub async fn rotate_user_secret(&self, user: &UserCredentials) -> Result<UserCredentials> {
        dispatch!(self, rotate_user_secret(user))
    }

    /// A connection-portal link for the user; it expires after five minutes.
    pub async fn portal_url(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        options: &PortalOptions,
    ) -> Result<PortalLink> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, portal_url(user, options))
    }

    /// Starts a Finatic session, for a saved user or (with `None`) for a new one who will log
    /// in through the portal. The one-time token is minted and spent inside.
    pub async fn start_session(&self, user_id: Option<&str>) -> Result<Session> {
        dispatch!(self, start_session(user_id))
    }

    fn snaptrade_oauth_app(&self) -> Result<&SnapTrade> {
        match &self.inner.provider {
            Provider::SnapTrade(p) if p.oauth_link().is_ok() => Ok(p),
            _ => Err(Error::invalid_input(
                "client",
                "is not a SnapTrade OAuth app's: build it with snaptrade_oauth(client_id, client_secret)",
            )),
        }
    }

    /// Starts an authorization: send the user to the returned `url` and keep the rest in their
    /// session (state, PKCE verifier, nonce) for `oauth_exchange_code`. `scopes` default to
    /// `read`; `openid email` add a verified `id_token`.
    pub async fn oauth_authorization_url(&self, redirect_uri: &str, scopes: &[String]) -> Result<AuthorizationRequest> {
        let app = &self.snaptrade_oauth_app()?.oauth_link()?.app;
        app.authorization_request(&self.inner.transport, redirect_uri, scopes)
            .await
    }

    /// The tokens for the callback the server redirected the user to: its `state` must be the
    /// request's; an `error` (the user denied) is returned as one.
    pub async fn oauth_exchange_code(&self, request: &AuthorizationRequest, callback_url: &str) -> Result<OAuthTokens> {
        let app = &self.snaptrade_oauth_app()?.oauth_link()?.app;
        app.exchange(&self.inner.transport, request, callback_url).await
    }

    /// A client that calls as the user these tokens belong to, refreshing them when they
    /// expire or are refused; `listener` gets every new pair (store the rotated refresh token).
    pub fn with_oauth_tokens(&self, tokens: OAuthTokens, listener: Option<TokenListener>) -> Result<Client> {
        let app = self.snaptrade_oauth_app()?;
        let provider = Provider::SnapTrade(app.with_grant(Grant::new(tokens, listener))?);
        Ok(Client {
            inner: Arc::new(Inner {
                transport: self.inner.transport.clone(),
                provider,
            }),
        })
    }

    /// The user's current tokens (after any refresh); `None` for the app's own client.
    pub fn oauth_tokens(&self) -> Option<OAuthTokens> {
        let app = self.snaptrade_oauth_app().ok()?;
        app.oauth_link().ok()?.grant.as_ref().map(|g| g.current())
    }

    /// Ends the user's grant at the server (its refresh token and every token of it).
    pub async fn oauth_revoke(&self, tokens: &OAuthTokens) -> Result<()> {
        let app = &self.snaptrade_oauth_app()?.oauth_link()?.app;
        app.revoke(&self.inner.transport, tokens).await
    }

    /// A one-time token for a front end (Finatic; needs the API key). The front end builds its
    /// client from it and starts a session; the token is good for one start, within 90 s.
    pub async fn mint_one_time_token(&self) -> Result<Secret> {
        dispatch!(self, mint_one_time_token())
    }

    /// The portal link of a session (Finatic's `getPortalUrl`).
    pub async fn session_portal_url(&self, session: &Session, options: &PortalOptions) -> Result<PortalLink> {
        dispatch!(self, session_portal_url(session, options))
    }

    /// The user who logged in through a session's portal (Finatic's `getUserId`); save its id.
    pub async fn session_user(&self, session: &Session) -> Result<UserCredentials> {
        dispatch!(self, session_user(session))
    }

    pub async fn connections(&self, user: impl Into<Option<&UserCredentials>>) -> Result<Vec<Connection>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, connections(user))
    }

    pub async fn connection(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        connection_id: &str,
    ) -> Result<Connection> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, connection(user, connection_id))
    }

    pub async fn remove_connection(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        connection_id: &str,
    ) -> Result<()> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, remove_connection(user, connection_id))
    }

    /// The event types the provider can send to a subscription (Finatic).
    pub async fn webhook_catalog(&self) -> Result<Vec<WebhookEventType>> {
        dispatch!(self, webhook_catalog())
    }

    /// Every webhook subscription of your company, revoked ones included (Finatic).
    pub async fn webhook_subscriptions(&self) -> Result<Vec<WebhookSubscription>> {
        dispatch!(self, webhook_subscriptions())
    }

    /// Subscribes a URL to events; the answer carries the signing secret, once (Finatic).
    pub async fn create_webhook_subscription(&self, new: &NewWebhookSubscription) -> Result<WebhookSubscription> {
        dispatch!(self, create_webhook_subscription(new))
    }

    /// Changes a subscription's URL, events or description, or pauses / resumes it (Finatic).
    pub async fn update_webhook_subscription(
        &self,
        subscription_id: &str,
        update: &WebhookSubscriptionUpdate,
    ) -> Result<WebhookSubscription> {
        dispatch!(self, update_webhook_subscription(subscription_id, update))
    }

    /// Ends a subscription for good (Finatic).
    pub async fn revoke_webhook_subscription(&self, subscription_id: &str) -> Result<WebhookSubscription> {
        dispatch!(self, revoke_webhook_subscription(subscription_id))
    }

    /// Asks the aggregator to sync the connection's data now.
    pub async fn refresh_connection(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        connection_id: &str,
    ) -> Result<()> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, refresh_connection(user, connection_id))
    }

    /// Breaks a connection on purpose, to test a reconnect flow.
    pub async fn disable_connection(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        connection_id: &str,
    ) -> Result<()> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, disable_connection(user, connection_id))
    }

    pub async fn accounts(&self, user: impl Into<Option<&UserCredentials>>) -> Result<Vec<Account>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, accounts(user))
    }

    pub async fn account(&self, user: impl Into<Option<&UserCredentials>>, account_id: &str) -> Result<Account> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, account(user, account_id))
    }

    pub async fn connection_accounts(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        connection_id: &str,
    ) -> Result<Vec<Account>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, connection_accounts(user, connection_id))
    }

    /// Every position of an account: equities, ETFs, options, crypto, funds and cash
    /// equivalents.
    pub async fn positions(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
    ) -> Result<Vec<Position>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, positions(user, account_id))
    }

    /// An account's cash and buying power, one entry per currency.
    pub async fn balances(&self, user: impl Into<Option<&UserCredentials>>, account_id: &str) -> Result<Vec<Balance>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, balances(user, account_id))
    }

    /// An account's orders: all, the working ones, or the executed ones, of the last `days`.
    pub async fn orders(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
        query: &OrderQuery,
    ) -> Result<Vec<Order>> {
        let user: Option<&UserCredentials> = user.into();
        query.check()?;
        dispatch!(self, orders(user, account_id, query))
    }

    /// The orders of the last 24 hours, read live from the broker (SnapTrade); the executed
    /// ones only unless `only_executed` is false.
    pub async fn recent_orders(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
        only_executed: bool,
    ) -> Result<Vec<Order>> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, recent_orders(user, account_id, only_executed))
    }

    /// One order, by the broker's order id.
    pub async fn order(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
        order_id: &str,
    ) -> Result<Order> {
        let user: Option<&UserCredentials> = user.into();
        validate::identifier("order_id", order_id)?;
        dispatch!(self, order(user, account_id, order_id))
    }

    /// Every activity of an account in the query's date range, all pages (newest first, as the
    /// provider orders them). For long histories, `activity_pages` reads one page at a time.
    pub async fn activities(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
        query: &ActivityQuery,
    ) -> Result<Vec<Activity>> {
        let user: Option<&UserCredentials> = user.into();
        let limit = query.check()?;
        let first = dispatch!(self, activity_page(user, account_id, query, 0, limit))?;
        let mut activities = first.items;
        let Some(mut offset) = first.next_offset else {
            return Ok(activities);
        };
        match first.total {
            // Pages whose offsets are known ahead are fetched a few at a time, kept in order.
            Some(total) => {
                let offsets: Vec<u64> = (offset..total).step_by(limit as usize).collect();
                if offsets.len() > MAX_PAGES {
                    return Err(too_many_pages());
                }
                // Room for the whole history at once rather than regrowing (and moving every
                // row again) page after page; a total the server overstates costs no more.
                let expected = usize::try_from(total).unwrap_or(usize::MAX).min(RESERVED_ROWS);
                activities.reserve(expected.saturating_sub(activities.len()));
                let pages = futures_util::stream::iter(offsets.into_iter().map(|offset| async move {
                    dispatch!(self, activity_page(user, account_id, query, offset, limit))
                }))
                .buffered(CONCURRENT_PAGES);
                futures_util::pin_mut!(pages);
                while let Some(page) = pages.next().await {
                    activities.extend(page?.items);
                }
                Ok(activities)
            }
            None => {
                for _ in 0..MAX_PAGES {
                    let page = dispatch!(self, activity_page(user, account_id, query, offset, limit))?;
                    activities.extend(page.items);
                    match page.next_offset {
                        Some(next) if next > offset => offset = next,
                        _ => return Ok(activities),
                    }
                }
                Err(too_many_pages())
            }
        }
    }

    /// The activities of `activities`, one page per `ActivityPages::next` call, for histories
    /// too long to hold at once. The query is checked now, before any request.
    pub fn activity_pages<'u>(
        &self,
        user: impl Into<Option<&'u UserCredentials>>,
        account_id: &str,
        query: &ActivityQuery,
    ) -> Result<ActivityPages> {
        let user: Option<&UserCredentials> = user.into();
        let limit = query.check()?;
        Ok(ActivityPages {
            client: self.clone(),
            user: user.cloned(),
            account_id: account_id.to_owned(),
            query: query.clone(),
            limit,
            next_offset: Some(0),
            pages: 0,
        })
    }

    /// An account's total value over time, oldest first (SnapTrade's balance history, an
    /// experimental feature SnapTrade enables per key).
    pub async fn balance_history(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        account_id: &str,
    ) -> Result<BalanceHistory> {
        let user: Option<&UserCredentials> = user.into();
        dispatch!(self, balance_history(user, account_id))
    }

    /// Whether an active connection is usable yet (its first data sync is done).
    pub(crate) async fn is_ready(&self, user: Option<&UserCredentials>, connection: &Connection) -> Result<bool> {
        dispatch!(self, is_ready(user, connection))
    }
}

/// A page of activities is never followed past this many pages.
const MAX_PAGES: usize = 10_000;
/// How many pages of activities are in flight at once when their offsets are known ahead.
const CONCURRENT_PAGES: usize = 4;
/// The most rows reserved ahead from a page's stated total.
const RESERVED_ROWS: usize = 100_000;

fn too_many_pages() -> Error {
    Error::decode(format!("list activities: more than {MAX_PAGES} pages"))
}

/// An account's activities read one page at a time (`Client::activity_pages`).
#[derive(Debug)]
pub struct ActivityPages {
    client: Client,
    /// `None` for a client that acts as its own user.
    user: Option<UserCredentials>,
    account_id: String,
    query: ActivityQuery,
    limit: u32,
    next_offset: Option<u64>,
    pages: usize,
}

impl ActivityPages {
    /// The next page, or `None` once every page has been read. A failed page can be asked for
    /// again: the position moves only past a page that arrived.
    pub async fn next(&mut self) -> Result<Option<Vec<Activity>>> {
        // A page can come back empty and still not be the last: every row of it fell outside
        // the date range (Finatic filters here, not on the server).
        while let Some(offset) = self.next_offset {
            if self.pages >= MAX_PAGES {
                return Err(too_many_pages());
            }
            let client = &self.client;
            let page = dispatch!(
                client,
                activity_page(self.user.as_ref(), &self.account_id, &self.query, offset, self.limit)
            )?;
            self.pages += 1;
            self.next_offset = page.next_offset.filter(|next| *next > offset);
            if !page.items.is_empty() {
                return Ok(Some(page.items));
            }
        }
        Ok(None)
    }
}
