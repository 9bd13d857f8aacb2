//! `Client` (blocking, GIL released while waiting) and `AsyncClient` (asyncio awaitables): the
//! same calls, generated once by `client_class!`, forwarding to one shared `brokerlink::Client`.

use crate::args::{portal_options, seconds};
use crate::enums;
use crate::error::{guard, raise};
use crate::generated::{
    Account, Activity, AuthorizationRequest, Balance, BalanceHistory, Connection, OAuthTokens, Order, Position,
    WebhookEventType, WebhookSubscription,
};
use crate::runtime;
use crate::types::{PortalLink, RetryPolicy, Session, UserCredentials};
use brokerlink::{Environment, Secret, WaitOptions};
use chrono::{DateTime, NaiveDate, Utc};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::IntoPyObjectExt;
use std::sync::Arc;

/// The options every provider shares, applied to a builder. Pools and fork safety are the
/// core's (`brokerlink::Client` rebuilds its pools in a forked child).
fn build(
    py: Python<'_>,
    mut builder: brokerlink::ClientBuilder,
    base_url: Option<String>,
    timeout: f64,
    retry: Option<&RetryPolicy>,
    user_agent: Option<String>,
) -> PyResult<brokerlink::Client> {
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(retry) = retry {
        builder = builder.retry(retry.inner.clone());
    }
    let user_agent = user_agent.unwrap_or_else(|| format!("brokerlink/{} (python)", env!("CARGO_PKG_VERSION")));
    builder
        .timeout(seconds("timeout", timeout).map_err(raise(py))?)
        .user_agent(user_agent)
        .build()
        .map_err(raise(py))
}

fn environment(py: Python<'_>, value: Option<&str>) -> PyResult<Option<Environment>> {
    value.map(Environment::parse).transpose().map_err(raise(py))
}

fn wait_options(
    py: Python<'_>,
    timeout: f64,
    poll_interval: f64,
    max_poll_interval: f64,
    since: Option<DateTime<Utc>>,
    connection_id: Option<String>,
) -> PyResult<WaitOptions> {
    Ok(WaitOptions {
        timeout: seconds("timeout", timeout).map_err(raise(py))?,
        poll_interval: seconds("poll_interval", poll_interval).map_err(raise(py))?,
        max_poll_interval: seconds("max_poll_interval", max_poll_interval).map_err(raise(py))?,
        since,
        connection_id,
    })
}

/// A count from Python (an int of any size): one that does not fit is `invalid_input` naming
/// the argument, not an `OverflowError`.
fn count(value: &Bound<'_, PyAny>, field: &str) -> PyResult<u32> {
    crate::args::count_named(value, field)
}

fn activity_query(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    page_size: Option<&Bound<'_, PyAny>>,
) -> PyResult<brokerlink::ActivityQuery> {
    Ok(brokerlink::ActivityQuery {
        start,
        end,
        page_size: page_size.map(|p| count(p, "page_size")).transpose()?,
    })
}

/// A page of activities, or the end of them: `StopIteration` (or `StopAsyncIteration`)
/// where Python's iteration protocols expect it.
struct Page {
    items: Option<Vec<brokerlink::Activity>>,
    asynchronous: bool,
}

impl<'py> IntoPyObject<'py> for Page {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.items {
            Some(items) => list::<_, Activity>(items).into_bound_py_any(py),
            None if self.asynchronous => Err(PyStopAsyncIteration::new_err(())),
            None => Err(PyStopIteration::new_err(())),
        }
    }
}

type SharedPages = Arc<tokio::sync::Mutex<brokerlink::ActivityPages>>;

/// An account's activities, one page (a list) per step: `for page in client.activity_pages(...)`.
#[pyclass(frozen, module = "brokerlink")]
#[derive(Debug)]
pub struct ActivityPages {
    pages: SharedPages,
}

impl ActivityPages {
    fn new(pages: brokerlink::ActivityPages) -> Self {
        ActivityPages {
            pages: Arc::new(tokio::sync::Mutex::new(pages)),
        }
    }
}

#[pymethods]
impl ActivityPages {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next page; a page that failed can be asked for again.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pages = self.pages.clone();
        runtime::block_on(py, async move {
            let items = pages.lock().await.next().await?;
            Ok(Page {
                items,
                asynchronous: false,
            })
        })
    }
}

/// An account's activities, one page (a list) per step:
/// `async for page in client.activity_pages(...)`.
#[pyclass(frozen, module = "brokerlink")]
#[derive(Debug)]
pub struct AsyncActivityPages {
    pages: SharedPages,
}

impl AsyncActivityPages {
    fn new(pages: brokerlink::ActivityPages) -> Self {
        AsyncActivityPages {
            pages: Arc::new(tokio::sync::Mutex::new(pages)),
        }
    }
}

#[pymethods]
impl AsyncActivityPages {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// An awaitable of the next page; a page that failed can be asked for again.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pages = self.pages.clone();
        runtime::spawn_async(py, async move {
            let items = pages.lock().await.next().await?;
            Ok(Page {
                items,
                asynchronous: true,
            })
        })
    }
}

/// `None` in Python (a bare `()` would become an empty tuple).
/// The core's token listener calling a Python callable; what it raises is reported as
/// unraisable (the refresh has happened at the server, so the call itself goes on).
fn token_listener(callback: Py<PyAny>) -> brokerlink::TokenListener {
    Arc::new(move |tokens: &brokerlink::OAuthTokens| {
        Python::attach(|py| {
            if let Err(e) = callback.call1(py, (OAuthTokens::from(tokens.clone()),)) {
                e.write_unraisable(py, Some(callback.bind(py)));
            }
        })
    })
}

fn none(_: ()) -> Option<()> {
    None
}

fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// Generates one client class. `$run` turns a core future into the Python result: a value
/// (blocking) or an awaitable (asyncio).
macro_rules! client_class {
    ($class:ident, $run:path, $pages:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "brokerlink")]
        #[derive(Debug)]
        pub struct $class {
            core: brokerlink::Client,
        }

        #[pymethods]
        impl $class {
            /// A SnapTrade client; the consumer key only signs requests and is never sent.
            #[staticmethod]
            #[pyo3(signature = (*, client_id, consumer_key, base_url = None, timeout = 30.0, retry = None, user_agent = None))]
            fn snaptrade(
                py: Python<'_>,
                client_id: String,
                consumer_key: String,
                base_url: Option<String>,
                timeout: f64,
                retry: Option<PyRef<'_, RetryPolicy>>,
                user_agent: Option<String>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let builder = brokerlink::Client::builder().snaptrade(client_id, Secret::new(consumer_key));
                    let core = build(py, builder, base_url, timeout, retry.as_deref(), user_agent)?;
                    Ok($class { core })
                })
            }

            /// A SnapTrade OAuth app (its backend holds the client secret): it authorizes
            /// SnapTrade Personal users; ``with_oauth_tokens`` gives a client acting as one.
            #[staticmethod]
            #[pyo3(signature = (*, client_id, client_secret, base_url = None, timeout = 30.0, retry = None, user_agent = None))]
            fn snaptrade_oauth(
                py: Python<'_>,
                client_id: String,
                client_secret: String,
                base_url: Option<String>,
                timeout: f64,
                retry: Option<PyRef<'_, RetryPolicy>>,
                user_agent: Option<String>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let builder = brokerlink::Client::builder().snaptrade_oauth(client_id, Secret::new(client_secret));
                    let core = build(py, builder, base_url, timeout, retry.as_deref(), user_agent)?;
                    Ok($class { core })
                })
            }

            /// Starts an authorization: send the user to ``url``; keep the request for the callback.
            #[pyo3(signature = (redirect_uri, scopes = None))]
            fn oauth_authorization_url<'py>(
                &self,
                py: Python<'py>,
                redirect_uri: String,
                scopes: Option<Vec<String>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    let scopes = scopes.unwrap_or_default();
                    $run(py, async move {
                        c.oauth_authorization_url(&redirect_uri, &scopes)
                            .await
                            .map(AuthorizationRequest::from)
                    })
                })
            }

            /// The user's tokens for the callback URL the server redirected to.
            fn oauth_exchange_code<'py>(
                &self,
                py: Python<'py>,
                request: PyRef<'py, AuthorizationRequest>,
                callback_url: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, request) = (self.core.clone(), request.inner.clone());
                    $run(py, async move {
                        c.oauth_exchange_code(&request, &callback_url).await.map(OAuthTokens::from)
                    })
                })
            }

            /// A client acting as the user these tokens belong to; ``on_refresh(tokens)`` hears
            /// every rotated pair (store it: the previous refresh token stops working).
            #[pyo3(signature = (tokens, on_refresh = None))]
            fn with_oauth_tokens(
                &self,
                py: Python<'_>,
                tokens: PyRef<'_, OAuthTokens>,
                on_refresh: Option<Py<PyAny>>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let listener = on_refresh.map(token_listener);
                    let core = self
                        .core
                        .with_oauth_tokens(tokens.inner.clone(), listener)
                        .map_err(raise(py))?;
                    Ok($class { core })
                })
            }

            /// The user's current tokens (after any refresh); ``None`` for the app's client.
            #[getter]
            fn oauth_tokens(&self) -> Option<OAuthTokens> {
                self.core.oauth_tokens().map(OAuthTokens::from)
            }

            /// Ends the user's grant at the server.
            fn oauth_revoke<'py>(&self, py: Python<'py>, tokens: PyRef<'py, OAuthTokens>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, tokens) = (self.core.clone(), tokens.inner.clone());
                    $run(py, async move { c.oauth_revoke(&tokens).await.map(none) })
                })
            }

            /// A SnapTrade client with a Personal API key: it acts as its own user, so
            /// user-scoped calls take ``None`` for the user and user management is refused.
            #[staticmethod]
            #[pyo3(signature = (*, client_id, consumer_key, base_url = None, timeout = 30.0, retry = None, user_agent = None))]
            fn snaptrade_personal(
                py: Python<'_>,
                client_id: String,
                consumer_key: String,
                base_url: Option<String>,
                timeout: f64,
                retry: Option<PyRef<'_, RetryPolicy>>,
                user_agent: Option<String>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let builder = brokerlink::Client::builder().snaptrade_personal(client_id, Secret::new(consumer_key));
                    let core = build(py, builder, base_url, timeout, retry.as_deref(), user_agent)?;
                    Ok($class { core })
                })
            }

            /// A Finatic client with exactly one of the company API key (server side only) and a
            /// one-time token the server minted (front ends).
            #[staticmethod]
            #[pyo3(signature = (*, api_key = None, one_time_token = None, base_url = None, environment = None, timeout = 30.0, retry = None, user_agent = None))]
            #[allow(clippy::too_many_arguments)]
            fn finatic(
                py: Python<'_>,
                api_key: Option<String>,
                one_time_token: Option<String>,
                base_url: Option<String>,
                environment: Option<String>,
                timeout: f64,
                retry: Option<PyRef<'_, RetryPolicy>>,
                user_agent: Option<String>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let credential = brokerlink::FinaticCredential::one_of(
                        api_key.map(Secret::new),
                        one_time_token.map(Secret::new),
                    )
                    .map_err(raise(py))?;
                    let mut builder = brokerlink::Client::builder().finatic_credential(credential);
                    if let Some(environment) = self::environment(py, environment.as_deref())? {
                        builder = builder.environment(environment);
                    }
                    let core = build(py, builder, base_url, timeout, retry.as_deref(), user_agent)?;
                    Ok($class { core })
                })
            }

            #[getter]
            fn provider<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                enums::member(py, &enums::get(py)?.provider_kind, self.core.provider().as_str())
            }

            /// The API root the client calls.
            #[getter]
            fn base_url(&self) -> &str {
                self.core.base_url()
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let url = PyString::new(py, self.core.base_url()).repr()?;
                Ok(format!("{}(provider='{}', base_url={url})", stringify!($class), self.core.provider().as_str()))
            }

            fn register_user<'py>(&self, py: Python<'py>, user_id: String) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.register_user(&user_id).await.map(UserCredentials::from) })
                })
            }

            fn delete_user<'py>(&self, py: Python<'py>, user: PyRef<'py, UserCredentials>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.delete_user(&user).await.map(none) })
                })
            }

            fn list_users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.list_users().await })
                })
            }

            fn rotate_user_secret<'py>(&self, py: Python<'py>, user: PyRef<'py, UserCredentials>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.rotate_user_secret(&user).await.map(UserCredentials::from) })
                })
            }

            #[pyo3(signature = (user = None, **options))]
            fn portal_url<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                options: Option<&Bound<'py, PyDict>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let options = portal_options(py, "portal_url", options)?;
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.portal_url(user.as_ref(), &options).await.map(PortalLink::from) })
                })
            }

            #[pyo3(signature = (user_id = None))]
            fn start_session<'py>(&self, py: Python<'py>, user_id: Option<String>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.start_session(user_id.as_deref()).await.map(Session::from) })
                })
            }

            fn mint_one_time_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.mint_one_time_token().await.map(|token| token.expose().to_owned()) })
                })
            }

            #[pyo3(signature = (session, **options))]
            fn session_portal_url<'py>(
                &self,
                py: Python<'py>,
                session: PyRef<'py, Session>,
                options: Option<&Bound<'py, PyDict>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let options = portal_options(py, "session_portal_url", options)?;
                    let (c, session) = (self.core.clone(), session.inner.clone());
                    $run(py, async move { c.session_portal_url(&session, &options).await.map(PortalLink::from) })
                })
            }

            fn session_user<'py>(&self, py: Python<'py>, session: PyRef<'py, Session>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, session) = (self.core.clone(), session.inner.clone());
                    $run(py, async move { c.session_user(&session).await.map(UserCredentials::from) })
                })
            }

            #[pyo3(signature = (user = None))]
            fn connections<'py>(&self, py: Python<'py>, user: Option<PyRef<'py, UserCredentials>>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.connections(user.as_ref()).await.map(list::<_, Connection>) })
                })
            }

            fn connection<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.connection(user.as_ref(), &connection_id).await.map(Connection::from) })
                })
            }

            fn remove_connection<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.remove_connection(user.as_ref(), &connection_id).await.map(none) })
                })
            }

            fn refresh_connection<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.refresh_connection(user.as_ref(), &connection_id).await.map(none) })
                })
            }

            fn disable_connection<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.disable_connection(user.as_ref(), &connection_id).await.map(none) })
                })
            }

            #[pyo3(signature = (user = None))]
            fn accounts<'py>(&self, py: Python<'py>, user: Option<PyRef<'py, UserCredentials>>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.accounts(user.as_ref()).await.map(list::<_, Account>) })
                })
            }

            fn account<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.account(user.as_ref(), &account_id).await.map(Account::from) })
                })
            }

            fn connection_accounts<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.connection_accounts(user.as_ref(), &connection_id).await.map(list::<_, Account>) })
                })
            }

            /// The event types the provider can send to a subscription (Finatic).
            fn webhook_catalog<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.webhook_catalog().await.map(list::<_, WebhookEventType>) })
                })
            }

            /// Every webhook subscription of your company, revoked ones included (Finatic).
            fn webhook_subscriptions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.webhook_subscriptions().await.map(list::<_, WebhookSubscription>) })
                })
            }

            /// Subscribes `url` to events; the answer's `secret` (sent once) signs deliveries.
            #[pyo3(signature = (*, url, event_types, description = None))]
            fn create_webhook_subscription<'py>(
                &self,
                py: Python<'py>,
                url: String,
                event_types: Vec<String>,
                description: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    let new = brokerlink::NewWebhookSubscription {
                        url,
                        event_types,
                        description,
                    };
                    $run(py, async move { c.create_webhook_subscription(&new).await.map(WebhookSubscription::from) })
                })
            }

            /// Changes what is given; `enabled=False` pauses deliveries, `True` resumes them.
            #[pyo3(signature = (subscription_id, *, url = None, event_types = None, description = None, enabled = None))]
            fn update_webhook_subscription<'py>(
                &self,
                py: Python<'py>,
                subscription_id: String,
                url: Option<String>,
                event_types: Option<Vec<String>>,
                description: Option<String>,
                enabled: Option<bool>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    let update = brokerlink::WebhookSubscriptionUpdate {
                        url,
                        event_types,
                        description,
                        enabled,
                    };
                    $run(py, async move {
                        c.update_webhook_subscription(&subscription_id, &update)
                            .await
                            .map(WebhookSubscription::from)
                    })
                })
            }

            /// Ends a subscription for good (Finatic).
            fn revoke_webhook_subscription<'py>(&self, py: Python<'py>, subscription_id: String) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.revoke_webhook_subscription(&subscription_id).await.map(WebhookSubscription::from) })
                })
            }

            /// Every position of an account: equities, ETFs, options, crypto, funds and cash
            /// equivalents.
            fn positions<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.positions(user.as_ref(), &account_id).await.map(list::<_, Position>) })
                })
            }

            /// An account's cash and buying power, one entry per currency.
            fn balances<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.balances(user.as_ref(), &account_id).await.map(list::<_, Balance>) })
                })
            }

            /// An account's orders: all (the default), the working ones (`state="open"`) or the
            /// executed ones, of the last `days`.
            #[pyo3(signature = (user, account_id, *, state = None, days = None))]
            fn orders<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
                state: Option<String>,
                days: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let query = brokerlink::OrderQuery {
                        state: state.as_deref().map(brokerlink::OrderState::parse).transpose().map_err(raise(py))?,
                        days: days.map(|d| count(d, "days")).transpose()?,
                    };
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.orders(user.as_ref(), &account_id, &query).await.map(list::<_, Order>) })
                })
            }

            /// The orders of the last 24 hours, read live from the broker (SnapTrade); the
            /// executed ones only unless `only_executed` is false.
            #[pyo3(signature = (user, account_id, *, only_executed = true))]
            fn recent_orders<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
                only_executed: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move {
                        c.recent_orders(user.as_ref(), &account_id, only_executed).await.map(list::<_, Order>)
                    })
                })
            }

            /// One order, by the broker's order id.
            fn order<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
                order_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.order(user.as_ref(), &account_id, &order_id).await.map(Order::from) })
                })
            }

            /// Every activity of an account between `start` and `end` (trade dates, both
            /// included), all pages, newest first.
            #[pyo3(signature = (user, account_id, *, start = None, end = None, page_size = None))]
            fn activities<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
                start: Option<NaiveDate>,
                end: Option<NaiveDate>,
                page_size: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let query = activity_query(start, end, page_size)?;
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.activities(user.as_ref(), &account_id, &query).await.map(list::<_, Activity>) })
                })
            }

            /// The same activities one page (a list) at a time, for histories too long to hold
            /// at once; the query is checked now, before any request.
            #[pyo3(signature = (user, account_id, *, start = None, end = None, page_size = None))]
            fn activity_pages(
                &self,
                py: Python<'_>,
                user: Option<PyRef<'_, UserCredentials>>,
                account_id: String,
                start: Option<NaiveDate>,
                end: Option<NaiveDate>,
                page_size: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<$pages> {
                guard(py, || {
                    let query = activity_query(start, end, page_size)?;
                    let pages = self
                        .core
                        .activity_pages(user.as_deref().map(|u| &u.inner), &account_id, &query)
                        .map_err(raise(py))?;
                    Ok($pages::new(pages))
                })
            }

            /// An account's total value over time, oldest first (SnapTrade).
            fn balance_history<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                account_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.balance_history(user.as_ref(), &account_id).await.map(BalanceHistory::from) })
                })
            }

            /// Polls until a new (or repaired, or the named) connection is active and synced.
            #[pyo3(signature = (user = None, *, timeout = 120.0, poll_interval = 0.5, max_poll_interval = 5.0, since = None, connection_id = None))]
            #[allow(clippy::too_many_arguments)]
            fn wait_for_connection<'py>(
                &self,
                py: Python<'py>,
                user: Option<PyRef<'py, UserCredentials>>,
                timeout: f64,
                poll_interval: f64,
                max_poll_interval: f64,
                since: Option<DateTime<Utc>>,
                connection_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let options = wait_options(py, timeout, poll_interval, max_poll_interval, since, connection_id)?;
                    let (c, user) = (self.core.clone(), user.map(|u| u.inner.clone()));
                    $run(py, async move { c.wait_for_connection(user.as_ref(), &options).await.map(Connection::from) })
                })
            }
        }
    };
}

client_class!(
    Client,
    runtime::block_on,
    ActivityPages,
    "A blocking client: each call waits with the GIL released (other threads keep running)."
);
client_class!(
    AsyncClient,
    runtime::spawn_async,
    AsyncActivityPages,
    "An asyncio client: each call returns an awaitable; concurrent calls share one connection pool."
);

/// Panics inside the module, to prove panics surface as `InternalError` (test builds only):
/// `mode` is `boundary` (in the entry point), `blocking` (in a task a blocking call waits
/// for) or `async` (in a task behind an awaitable, which is returned).
#[cfg(any(debug_assertions, feature = "test-hooks"))]
#[pyfunction]
#[pyo3(signature = (mode = "boundary"))]
pub fn _force_panic<'py>(py: Python<'py>, mode: &str) -> PyResult<Bound<'py, PyAny>> {
    async fn boom() -> brokerlink::Result<()> {
        panic!("forced panic in the runtime")
    }
    guard(py, || match mode {
        "blocking" => runtime::block_on(py, boom()),
        "async" => runtime::spawn_async(py, boom()),
        _ => panic!("forced panic at the boundary"),
    })
}
