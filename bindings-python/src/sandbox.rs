//! `brokerlink.Sandbox`: the sandbox server running in-process on the module's runtime, on a
//! free loopback port, with its admin operations as methods.

use crate::args::{seconds, to_json};
use crate::error::{guard, raise};
use crate::generated::PortalResult;
use crate::runtime;
use crate::sandbox_types::{SandboxConnection, SandboxDelivery, SandboxState, SandboxWebhook};
use brokerlink::{Error, ErrorKind};
use brokerlink_sandbox::{CompletePortal, ConnectionChange, FaultRule, SandboxConfig};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::json;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct Running {
    /// The process that started the server (its tasks live on that process's runtime).
    pid: u32,
    server: Option<brokerlink_sandbox::Sandbox>,
}

/// A local SnapTrade/Finatic sandbox for tests: `with Sandbox() as sandbox: ...`,
/// `async with Sandbox() as sandbox: ...`, or `start()` / `close()`.
#[pyclass(frozen, module = "brokerlink")]
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    running: Arc<Mutex<Running>>,
}

fn lock(running: &Mutex<Running>) -> MutexGuard<'_, Running> {
    running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn not_started() -> PyErr {
    PyRuntimeError::new_err("the sandbox is not running: call start() or use it in a with block")
}

async fn start(config: SandboxConfig, running: Arc<Mutex<Running>>) -> brokerlink::Result<()> {
    if lock(&running).server.is_some() {
        return Ok(());
    }
    config.check()?;
    let server = brokerlink_sandbox::Sandbox::start(config)
        .await
        .map_err(|e| Error::new(ErrorKind::Network, "the sandbox could not listen on 127.0.0.1").with_source(e))?;
    let mut slot = lock(&running);
    if slot.server.is_none() {
        *slot = Running {
            pid: runtime::current_pid(),
            server: Some(server),
        };
    }
    Ok(())
}

async fn close(running: Arc<Mutex<Running>>) -> brokerlink::Result<()> {
    let server = lock(&running).server.take();
    if let Some(server) = server {
        server.shutdown().await;
    }
    Ok(())
}

impl Sandbox {
    /// Runs `f` on the live server, in the process that started it.
    fn with<T>(&self, f: impl FnOnce(&brokerlink_sandbox::Sandbox) -> PyResult<T>) -> PyResult<T> {
        let running = lock(&self.running);
        let server = running.server.as_ref().ok_or_else(not_started)?;
        if running.pid != runtime::current_pid() {
            return Err(PyRuntimeError::new_err(format!(
                "this sandbox runs in process {}; after os.fork() a child can reach its url, not its methods",
                running.pid
            )));
        }
        f(server)
    }

    /// Forgets a server inherited through fork, or stops ours and waits for it.
    fn close_blocking(&self, py: Python<'_>) -> PyResult<()> {
        let server = {
            let mut running = lock(&self.running);
            if running.server.is_some() && running.pid != runtime::current_pid() {
                std::mem::forget(running.server.take());
                return Ok(());
            }
            running.server.take()
        };
        if let Some(server) = server {
            let handle = runtime::handle().map_err(|e| raise(py)(crate::error::no_runtime(e)))?;
            py.detach(move || handle.block_on(server.shutdown()));
        }
        Ok(())
    }
}

#[pymethods]
impl Sandbox {
    #[new]
    // 250 is DEFAULT_RATE_LIMIT_PER_MINUTE, written out so that the signature shows it.
    #[pyo3(signature = (*, rate_limit_per_minute = 250, account_rate_limit_per_minute = 0,
        rate_limit_window = None, pending_activation = None, expiring_after = None, portal_link_lifetime = None,
        client_id = None, consumer_key = None, api_key = None, webhook_retry_delays = None,
        history_activities = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::rate_limit)] rate_limit_per_minute: u32,
        #[pyo3(from_py_with = crate::args::account_rate_limit)] account_rate_limit_per_minute: u32,
        rate_limit_window: Option<f64>,
        pending_activation: Option<f64>,
        expiring_after: Option<f64>,
        portal_link_lifetime: Option<f64>,
        client_id: Option<String>,
        consumer_key: Option<String>,
        api_key: Option<String>,
        webhook_retry_delays: Option<Vec<f64>>,
        history_activities: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut config = SandboxConfig {
            rate_limit_per_minute,
            account_rate_limit_per_minute,
            ..SandboxConfig::default()
        };
        if let Some(count) = history_activities {
            config.history_activities = crate::args::count_named(count, "history_activities")? as usize;
        }
        let secs = |field: &str, v: f64| seconds(field, v).map_err(raise(py));
        if let Some(s) = rate_limit_window {
            config.rate_limit_window = secs("rate_limit_window", s)?;
        }
        if let Some(s) = pending_activation {
            config.pending_activation = secs("pending_activation", s)?;
        }
        if let Some(s) = expiring_after {
            config.expiring_after = secs("expiring_after", s)?;
        }
        if let Some(s) = portal_link_lifetime {
            config.portal_link_lifetime = secs("portal_link_lifetime", s)?;
        }
        if let Some(delays) = webhook_retry_delays {
            config.webhook_retry_delays = delays
                .into_iter()
                .map(|s| secs("webhook_retry_delays", s))
                .collect::<PyResult<_>>()?;
        }
        config.client_id = client_id.unwrap_or(config.client_id);
        config.consumer_key = consumer_key.unwrap_or(config.consumer_key);
        config.api_key = api_key.unwrap_or(config.api_key);
        Ok(Sandbox {
            config,
            running: Arc::default(),
        })
    }

    /// Starts serving on a free port of 127.0.0.1 (does nothing if already running).
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let handle = runtime::handle().map_err(|e| raise(py)(crate::error::no_runtime(e)))?;
            let (config, running) = (self.config.clone(), self.running.clone());
            py.detach(move || handle.block_on(start(config, running)))
                .map_err(raise(py))
        })
    }

    /// Stops the server; in-flight requests get up to five seconds to finish.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || self.close_blocking(py))
    }

    fn __enter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        slf.get().start(slf.py())?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        guard(py, || {
            let me = slf.clone().unbind();
            let (config, running) = (slf.get().config.clone(), slf.get().running.clone());
            runtime::spawn_async(py, async move { start(config, running).await.map(|()| me) })
        })
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(&self, py: Python<'py>, _args: &Bound<'py, pyo3::types::PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let running = self.running.clone();
            let inherited = {
                let mut slot = lock(&running);
                if slot.server.is_some() && slot.pid != runtime::current_pid() {
                    std::mem::forget(slot.server.take());
                    true
                } else {
                    false
                }
            };
            runtime::spawn_async(py, async move {
                if !inherited {
                    close(running).await?;
                }
                Ok(false)
            })
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    #[getter]
    fn url(&self) -> PyResult<String> {
        let running = lock(&self.running);
        running
            .server
            .as_ref()
            .map(|s| s.url().to_owned())
            .ok_or_else(not_started)
    }

    #[getter]
    fn running(&self) -> bool {
        lock(&self.running).server.is_some()
    }

    #[getter]
    fn client_id(&self) -> &str {
        &self.config.client_id
    }

    #[getter]
    fn consumer_key(&self) -> &str {
        &self.config.consumer_key
    }

    #[getter]
    fn api_key(&self) -> &str {
        &self.config.api_key
    }

    /// The OAuth app of the sandbox's authorization server (``/.well-known/oauth-authorization-server``).
    #[getter]
    fn oauth_client_id(&self) -> &str {
        &self.config.oauth_client_id
    }

    #[getter]
    fn oauth_client_secret(&self) -> &str {
        &self.config.oauth_client_secret
    }

    /// A SnapTrade Personal API key's client id (``Client.snaptrade_personal``).
    #[getter]
    fn personal_client_id(&self) -> &str {
        &self.config.personal_client_id
    }

    #[getter]
    fn personal_consumer_key(&self) -> &str {
        &self.config.personal_consumer_key
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let client_id = PyString::new(py, &self.config.client_id).repr()?;
        Ok(match self.url() {
            Ok(url) => format!(
                "Sandbox(url={}, client_id={client_id})",
                PyString::new(py, &url).repr()?
            ),
            Err(_) => format!("Sandbox(not running, client_id={client_id})"),
        })
    }

    /// Does what a person on the OAuth authorize page would for ``url``: signs in as a test user
    /// and presses Allow (or Deny); returns the callback URL the browser goes back to.
    #[pyo3(signature = (url, username, password, allow = true))]
    fn authorize_oauth(
        &self,
        py: Python<'_>,
        url: String,
        username: String,
        password: String,
        allow: bool,
    ) -> PyResult<String> {
        guard(py, || {
            self.with(|s| s.authorize_oauth(&url, &username, &password, allow).map_err(raise(py)))
        })
    }

    /// Does what a person on the portal page would, for a link this sandbox issued.
    #[pyo3(signature = (url, username, password, mfa_code = None, broker = None, connection_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn complete_portal(
        &self,
        py: Python<'_>,
        url: String,
        username: String,
        password: String,
        mfa_code: Option<String>,
        broker: Option<String>,
        connection_type: Option<String>,
    ) -> PyResult<PortalResult> {
        let request = CompletePortal {
            url,
            username,
            password,
            mfa_code,
            broker,
            connection_type,
        };
        guard(py, || {
            self.with(|s| Ok(PortalResult::from(s.complete_portal(&request))))
        })
    }

    /// Arms a fault (a dict as the README's admin table spells it, e.g. `{"status": 503}`) for the
    /// next `count` requests matching `method`, `path_prefix` and `path` (exact); returns its id
    /// (random, `flt_…`).
    #[pyo3(signature = (fault, *, method = None, path_prefix = None, path = None, count = 1))]
    fn inject_fault(
        &self,
        py: Python<'_>,
        fault: &Bound<'_, PyDict>,
        method: Option<String>,
        path_prefix: Option<String>,
        path: Option<String>,
        #[pyo3(from_py_with = crate::args::fault_count)] count: u32,
    ) -> PyResult<String> {
        guard(py, || {
            let rule = json!({ "method": method, "path_prefix": path_prefix, "path": path, "count": count, "fault": to_json(fault)? });
            let rule: FaultRule = serde_json::from_value(rule)
                .map_err(|e| raise(py)(Error::invalid_input("fault", format!("not a fault: {e}"))))?;
            self.with(|s| s.inject_fault(rule).map_err(raise(py)))
        })
    }

    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            self.with(|s| {
                s.clear_faults();
                Ok(())
            })
        })
    }

    /// How many faults still wait for a matching request.
    fn armed_faults(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || self.with(|s| Ok(s.armed_faults())))
    }

    /// Replaces what a user's accounts hold and did with a portfolio fixture (a dict in the
    /// format of docs/sandbox.md, or its JSON text): one account, or (without `account_id`)
    /// all of the user's. Returns the ids of the accounts loaded.
    #[pyo3(signature = (user_id, portfolio, *, account_id = None))]
    fn load_portfolio(
        &self,
        py: Python<'_>,
        user_id: &str,
        portfolio: &Bound<'_, PyAny>,
        account_id: Option<&str>,
    ) -> PyResult<Vec<String>> {
        guard(py, || {
            let text = match portfolio.extract::<String>() {
                Ok(text) => text,
                Err(_) => to_json(portfolio)?.to_string(),
            };
            self.with(|s| s.load_portfolio(user_id, account_id, &text).map_err(raise(py)))
        })
    }

    /// `disable`, `expire`, `remove` or `refresh` a connection as if it happened at the
    /// broker; returns the connection as stored.
    fn change_connection(&self, py: Python<'_>, connection_id: &str, action: &str) -> PyResult<SandboxConnection> {
        guard(py, || {
            let change = ConnectionChange::parse(action).map_err(raise(py))?;
            let view = self.with(|s| s.change_connection(connection_id, change).map_err(raise(py)))?;
            Ok(view.into())
        })
    }

    /// Empties users, sessions, connections and faults; keeps credentials.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            self.with(|s| {
                s.reset();
                Ok(())
            })
        })
    }

    /// What the sandbox holds: users, sessions, connections, accounts, faults, requests served.
    fn state(&self, py: Python<'_>) -> PyResult<SandboxState> {
        guard(py, || Ok(self.with(|s| Ok(s.state()))?.into()))
    }

    /// Registers a webhook endpoint (loopback or an allowed host); its `secret` is the
    /// endpoint's `whsec_…` signing secret.
    #[pyo3(signature = (url, *, provider = None, event_types = None))]
    fn add_webhook(
        &self,
        py: Python<'_>,
        url: String,
        provider: Option<String>,
        event_types: Option<Vec<String>>,
    ) -> PyResult<SandboxWebhook> {
        guard(py, || {
            let request = brokerlink_sandbox::NewWebhook {
                url,
                provider,
                event_types,
            };
            Ok(self.with(|s| s.add_webhook(&request).map_err(raise(py)))?.into())
        })
    }

    /// Removes an endpoint; whether it existed.
    fn remove_webhook(&self, py: Python<'_>, endpoint_id: &str) -> PyResult<bool> {
        guard(py, || self.with(|s| Ok(s.remove_webhook(endpoint_id))))
    }

    /// A new secret for the endpoint; the old one keeps signing beside it for `grace` seconds.
    #[pyo3(signature = (endpoint_id, *, grace = 3600.0))]
    fn rotate_webhook_secret(&self, py: Python<'_>, endpoint_id: &str, grace: f64) -> PyResult<String> {
        guard(py, || {
            let grace = seconds("grace", grace).map_err(raise(py))?;
            self.with(|s| s.rotate_webhook_secret(endpoint_id, grace).map_err(raise(py)))?
                .ok_or_else(|| {
                    raise(py)(Error::new(
                        ErrorKind::NotFound,
                        format!("no webhook endpoint {endpoint_id}"),
                    ))
                })
        })
    }

    /// The delivery log, oldest first: `[{id, event_id, event_type, endpoint_id, url, status,
    /// attempts, response_code, last_error}]`.
    fn webhook_deliveries(&self, py: Python<'_>) -> PyResult<Vec<SandboxDelivery>> {
        guard(py, || {
            Ok(self
                .with(|s| Ok(s.webhook_deliveries()))?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Sends a logged delivery's event again (same event id); the new delivery's id.
    fn replay_delivery(&self, py: Python<'_>, delivery_id: &str) -> PyResult<String> {
        guard(py, || {
            self.with(|s| Ok(s.replay_delivery(delivery_id)))?.ok_or_else(|| {
                raise(py)(Error::new(
                    ErrorKind::NotFound,
                    format!("no delivery {delivery_id}, or its endpoint is gone"),
                ))
            })
        })
    }
}
