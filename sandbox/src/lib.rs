//! brokerlink's sandbox: a local server that speaks SnapTrade's wire protocol (and Finatic's),
//! serves a real connection portal page, and injects faults on request. Used by the CLI demo,
//! every test and benchmark, and the language packages' in-process `Sandbox`.

mod admin;
mod admin_guard;
pub mod brokers;
mod config;
mod faults;
mod finatic;
mod flow;
mod limits;
mod oauth;
mod portal;
mod portfolio;
mod ratelimit;
mod server;
mod sink;
mod snaptrade;
mod store;
mod webhooks;

pub use admin::{CompletePortal, ConnectionChange, NewWebhook, SandboxConnection};
pub use config::{SandboxConfig, DEFAULT_RATE_LIMIT_PER_MINUTE, TIMESTAMP_WINDOW};
pub use faults::{Fault, FaultRule};
pub use flow::{MFA_CODE, TEST_CREDENTIALS};
pub use snaptrade::SNAPTRADE_ROUTES;
pub use store::StateCounts;
pub use webhooks::{Delivery, Endpoint};

use axum::Router;
use brokerlink::PortalResult;
use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::Arc;
use store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Shared by every handler.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub store: Arc<Store>,
    /// `http://127.0.0.1:PORT`, for links the sandbox hands out.
    pub base_url: Arc<str>,
    /// The port it listens on: pages of the sandbox's own origin carry it.
    pub port: u16,
}

/// `prefix_` and 128 random bits in hex: an id nobody can guess.
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

pub(crate) fn snaptrade_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    app: App,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    deliveries: JoinHandle<()>,
}

impl Sandbox {
    /// Binds (port 0 picks a free one) and starts serving on the current tokio runtime.
    /// A configuration that fails [`SandboxConfig::check`] is refused as `InvalidInput`.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        config
            .check()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        let address = listener.local_addr()?;
        let app = App {
            base_url: format!("http://{address}").into(),
            port: address.port(),
            store: Arc::new(Store::new(config)),
        };
        let router = Router::new()
            .merge(admin::router(app.clone()))
            .merge(sink::router(app.clone()))
            .merge(portal::router(app.clone()))
            .merge(oauth::router(app.clone()))
            .merge(snaptrade::router(app.clone()))
            .fallback(snaptrade::not_found)
            .method_not_allowed_fallback(snaptrade::method_not_allowed);
        let routers = server::Routers {
            main: router,
            finatic: finatic::router(app.clone()),
        };
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, app.clone(), routers, rx));
        let receiver = app.store.webhooks.take_receiver();
        let store = app.store.clone();
        let deliveries = tokio::spawn(async move {
            if let Some(receiver) = receiver {
                webhooks::run_deliveries(store, receiver).await;
            }
        });
        Ok(Sandbox {
            app,
            shutdown: Some(tx),
            task: Some(task),
            deliveries,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.app.base_url
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.app.store.config
    }

    pub fn client_id(&self) -> &str {
        &self.app.store.config.client_id
    }

    pub fn consumer_key(&self) -> &str {
        &self.app.store.config.consumer_key
    }

    /// The SnapTrade Personal API key's client id; the key acts as `personal_user_id`.
    pub fn personal_client_id(&self) -> &str {
        &self.app.store.config.personal_client_id
    }

    pub fn personal_consumer_key(&self) -> &str {
        &self.app.store.config.personal_consumer_key
    }

    /// The SnapTrade Personal user the personal key acts as (what OAuth tokens and webhooks
    /// of that user name).
    pub fn personal_user_id(&self) -> &str {
        &self.app.store.personal_user_id
    }

    /// The OAuth app registered with the sandbox's authorization server.
    pub fn oauth_client_id(&self) -> &str {
        &self.app.store.config.oauth_client_id
    }

    pub fn oauth_client_secret(&self) -> &str {
        &self.app.store.config.oauth_client_secret
    }

    /// Registers a non-loopback redirect URI for the OAuth app (loopback ones need none).
    pub fn register_oauth_redirect_uri(&self, uri: &str) {
        self.app.store.oauth.register_redirect_uri(uri.to_owned());
    }

    pub fn api_key(&self) -> &str {
        &self.app.store.config.api_key
    }

    /// Does what a person on the OAuth authorize page would for `url`: signs in as a test user
    /// and presses Allow (or Deny). Answers the callback URL the browser goes back to; a page
    /// that would show an error (unknown client or redirect URI, wrong password) is
    /// `invalid_input`.
    pub fn authorize_oauth(
        &self,
        url: &str,
        username: &str,
        password: &str,
        allow: bool,
    ) -> brokerlink::Result<String> {
        oauth::authorize(&self.app, url, username, password, allow)
            .map_err(|why| brokerlink::Error::invalid_input("url", why))
    }

    /// Does what a person on the portal page would, for a link this sandbox issued.
    pub fn complete_portal(&self, request: &CompletePortal) -> PortalResult {
        match admin::complete_portal(&self.app.store, request) {
            flow::Outcome::Success {
                connection_id, user_id, ..
            } => PortalResult::Success {
                connection_id: Some(connection_id),
                user_id: Some(user_id),
            },
            flow::Outcome::Error {
                error_code,
                status_code,
                detail,
            } => PortalResult::Error {
                code: error_code.to_owned(),
                message: Some(detail),
                status_code: Some(status_code),
            },
            flow::Outcome::MfaRequired => PortalResult::Error {
                code: flow::codes::BAD_MFA_CODE.to_owned(),
                message: Some("an MFA code is required".into()),
                status_code: Some(401),
            },
        }
    }

    /// Arms a fault for the next matching requests; returns its id.
    /// `invalid_input` once [`limits::ARMED_FAULTS`] rules are armed.
    pub fn inject_fault(&self, rule: FaultRule) -> brokerlink::Result<String> {
        self.app.store.faults.add(rule)
    }

    /// Faults still waiting for a matching request.
    pub fn armed_faults(&self) -> usize {
        self.app.store.faults.ids().len()
    }

    pub fn clear_faults(&self) {
        self.app.store.faults.clear();
    }

    /// Replaces what a user's accounts hold and did with a fixture (JSON, the format of
    /// `docs/sandbox.md`): one account, or all of the user's. Answers the accounts loaded;
    /// `not_found` for an unknown user or account, `invalid_input` naming `portfolio` for a
    /// fixture that is not valid.
    pub fn load_portfolio(
        &self,
        user_id: &str,
        account_id: Option<&str>,
        fixture_json: &str,
    ) -> brokerlink::Result<Vec<String>> {
        let portfolio = serde_json::from_str(fixture_json)
            .map_err(|e| brokerlink::Error::invalid_input("portfolio", format!("is not a portfolio fixture: {e}")))?;
        let request = admin::LoadPortfolio {
            user_id: user_id.to_owned(),
            account_id: account_id.map(str::to_owned),
            portfolio,
        };
        admin::load_portfolio(&self.app.store, &request)
    }

    /// `disable`, `expire`, `remove` or `refresh` a connection as if it happened at the
    /// broker.
    /// `not_found` for a connection the sandbox does not have.
    pub fn change_connection(
        &self,
        connection_id: &str,
        change: ConnectionChange,
    ) -> brokerlink::Result<SandboxConnection> {
        admin::change_connection(&self.app.store, connection_id, change)
    }

    /// Registers a webhook endpoint (loopback or an allowed host); returns it with its
    /// `whsec_` secret.
    pub fn add_webhook(&self, request: &NewWebhook) -> brokerlink::Result<Endpoint> {
        admin::add_webhook(&self.app.store, request)
    }

    pub fn remove_webhook(&self, id: &str) -> bool {
        self.app.store.webhooks.endpoints.remove(id).is_some()
    }

    /// A new secret for the endpoint; the old one keeps signing beside it for `grace`.
    /// `Ok(None)`: no such endpoint; a grace beyond [`brokerlink::MAX_DURATION`] is
    /// `invalid_input`.
    pub fn rotate_webhook_secret(&self, id: &str, grace: std::time::Duration) -> brokerlink::Result<Option<String>> {
        let grace = brokerlink::checked_duration("grace", grace)?;
        Ok(self.app.store.webhooks.rotate(id, grace))
    }

    /// The delivery log, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.app.store.webhooks.deliveries()
    }

    /// Sends a logged delivery's event again (same event id); returns the new delivery id.
    pub fn replay_delivery(&self, delivery_id: &str) -> Option<String> {
        self.app.store.webhooks.replay(delivery_id)
    }

    /// Empties users, sessions, connections, faults, webhook endpoints and deliveries; keeps
    /// credentials.
    pub fn reset(&self) {
        self.app.store.reset();
    }

    pub fn state(&self) -> StateCounts {
        self.app.store.counts()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.deliveries.abort();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.deliveries.abort();
    }
}

/// Entry points for the fuzz targets in `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Signature verification, query and body parsing of the SnapTrade face, fault rules and
    /// the Finatic/SnapTrade dispatch, on arbitrary input.
    pub fn request(path: &str, query: &str, body: &[u8], signature: &str) {
        crate::snaptrade::fuzz_request(path, query, body, signature);
        let _ = serde_json::from_slice::<crate::FaultRule>(body);
        let _ = crate::finatic::claims(&axum::http::Method::GET, path, &axum::http::HeaderMap::new());
    }
}
