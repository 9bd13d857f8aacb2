//! `Client` (blocking, GIL released while waiting) and `AsyncClient` (asyncio awaitables): the
//! same calls, generated once by `client_class!`, forwarding to one shared `brokerlink::Client`.

use crate::args::{portal_options, seconds};
use crate::enums;
use crate::error::{guard, raise};
use crate::generated::{Account, Connection, WebhookEventType, WebhookSubscription};
use crate::runtime;
use crate::types::{PortalLink, RetryPolicy, Session, UserCredentials};
use brokerlink::{Environment, Secret, WaitOptions};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

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

/// `None` in Python (a bare `()` would become an empty tuple).
fn none(_: ()) -> Option<()> {
    None
}

fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// Generates one client class. `$run` turns a core future into the Python result: a value
/// (blocking) or an awaitable (asyncio).
macro_rules! client_class {
    ($class:ident, $run:path, $doc:literal) => {
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

            /// A Finatic client with the company API key (server side only).
            #[staticmethod]
            #[pyo3(signature = (*, api_key, base_url = None, environment = None, timeout = 30.0, retry = None, user_agent = None))]
            fn finatic(
                py: Python<'_>,
                api_key: String,
                base_url: Option<String>,
                environment: Option<String>,
                timeout: f64,
                retry: Option<PyRef<'_, RetryPolicy>>,
                user_agent: Option<String>,
            ) -> PyResult<Self> {
                guard(py, || {
                    let mut builder = brokerlink::Client::builder().finatic(Secret::new(api_key));
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

            #[pyo3(signature = (user, **options))]
            fn portal_url<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                options: Option<&Bound<'py, PyDict>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let options = portal_options(py, "portal_url", options)?;
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.portal_url(&user, &options).await.map(PortalLink::from) })
                })
            }

            #[pyo3(signature = (user_id = None))]
            fn start_session<'py>(&self, py: Python<'py>, user_id: Option<String>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let c = self.core.clone();
                    $run(py, async move { c.start_session(user_id.as_deref()).await.map(Session::from) })
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

            fn connections<'py>(&self, py: Python<'py>, user: PyRef<'py, UserCredentials>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.connections(&user).await.map(list::<_, Connection>) })
                })
            }

            fn connection<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.connection(&user, &connection_id).await.map(Connection::from) })
                })
            }

            fn remove_connection<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.remove_connection(&user, &connection_id).await.map(none) })
                })
            }

            fn refresh_connection<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.refresh_connection(&user, &connection_id).await.map(none) })
                })
            }

            fn disable_connection<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.disable_connection(&user, &connection_id).await.map(none) })
                })
            }

            fn accounts<'py>(&self, py: Python<'py>, user: PyRef<'py, UserCredentials>) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.accounts(&user).await.map(list::<_, Account>) })
                })
            }

            fn account<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                account_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.account(&user, &account_id).await.map(Account::from) })
                })
            }

            fn connection_accounts<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                connection_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.connection_accounts(&user, &connection_id).await.map(list::<_, Account>) })
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

            /// Polls until a new (or repaired, or the named) connection is active and synced.
            #[pyo3(signature = (user, *, timeout = 120.0, poll_interval = 0.5, max_poll_interval = 5.0, since = None, connection_id = None))]
            #[allow(clippy::too_many_arguments)]
            fn wait_for_connection<'py>(
                &self,
                py: Python<'py>,
                user: PyRef<'py, UserCredentials>,
                timeout: f64,
                poll_interval: f64,
                max_poll_interval: f64,
                since: Option<DateTime<Utc>>,
                connection_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                guard(py, || {
                    let options = wait_options(py, timeout, poll_interval, max_poll_interval, since, connection_id)?;
                    let (c, user) = (self.core.clone(), user.inner.clone());
                    $run(py, async move { c.wait_for_connection(&user, &options).await.map(Connection::from) })
                })
            }
        }
    };
}

client_class!(
    Client,
    runtime::block_on,
    "A blocking client: each call waits with the GIL released (other threads keep running)."
);
client_class!(
    AsyncClient,
    runtime::spawn_async,
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
