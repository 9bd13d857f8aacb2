//! Finatic: a company API key mints one-time tokens; a session starts from one; the portal
//! URL comes from the session; data calls carry the session. Users are Finatic user ids.

mod data;
mod envelope;
mod portal;
mod session;
mod wire;

use envelope::Answer;
use portal::portal_params;
use session::{Auth, Credential, Request, UserSession};

use crate::account_data::{ActivityQuery, Balance, Order, OrderQuery, OrderState, OrderStatus, Position};
use crate::client::FinaticCredential;
use crate::error::{Error, ErrorKind, Result};
use crate::http::Transport;
use crate::portal::{PortalLink, PortalOptions, PORTAL_LINK_LIFETIME};
use crate::providers::ActivityPage;
use crate::providers::{gone_is_done, path_segment, Protocol};
use crate::secret::Secret;
use crate::subscriptions::{NewWebhookSubscription, WebhookEventType, WebhookSubscription, WebhookSubscriptionUpdate};
use crate::types::{Account, Connection, ConnectionStatus, Environment, Session, UserCredentials};
use crate::validate;
use chrono::Utc;
use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::OnceCell;
use url::Url;
#[cfg(feature = "fuzzing")]
use {bytes::Bytes, reqwest::header::HeaderMap};

pub const DEFAULT_BASE_URL: &str = "https://api.finatic.dev";
/// A cached user session is replaced this long before it expires.
const SESSION_REFRESH_MARGIN: Duration = Duration::from_secs(60);
const ACCOUNTS_PAGE_SIZE: u64 = 100;
/// Pagination is followed to the end, but never past this many pages.
const MAX_PAGES: usize = 1000;
/// A Finatic connection is an account grant (v1).
const GRANTS: &str = "/api/v1/account-grants";
/// `{session}` is the user's session id (`user_call` fills it in).
const SYNC_STATUS: &str = "/api/v1/sessions/{session}/sync-status";
const SUBSCRIPTIONS: &str = "/api/v1/webhooks/subscriptions";
/// Rows per request on the account-data routes (the spec's largest `limit`).
const DATA_PAGE_SIZE: u32 = 1000;

pub(crate) struct Finatic {
    credential: Credential,
    base_url: Url,
    /// `None` only for a token client not told one: the session already knows it.
    environment: Option<Environment>,
    user_sessions: Mutex<HashMap<String, UserSession>>,
    brokers: OnceCell<Vec<wire::WireBroker>>,
}

// Hand-written: cached session ids authorise data calls on their own, so they stay out.
impl std::fmt::Debug for Finatic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finatic")
            .field("credential", &self.credential)
            .field("base_url", &self.base_url.as_str())
            .field("environment", &self.environment)
            .field("cached_sessions", &self.sessions().len())
            .finish_non_exhaustive()
    }
}

impl Finatic {
    pub fn new(credential: FinaticCredential, base_url: Url, environment: Option<Environment>) -> Result<Self> {
        let credential = match credential {
            FinaticCredential::ApiKey(api_key) => {
                if api_key.is_empty() {
                    return Err(Error::invalid_input("api_key", "must not be empty"));
                }
                Credential::ApiKey(api_key)
            }
            FinaticCredential::OneTimeToken(token) => {
                validate::identifier("one_time_token", token.expose())?;
                Credential::OneTimeToken {
                    token: Mutex::new(Some(token)),
                    session: Mutex::new(None),
                }
            }
        };
        let environment = environment.or(match &credential {
            Credential::ApiKey(key) if key.expose().starts_with("fntc_sandbox_") => Some(Environment::Sandbox),
            Credential::ApiKey(_) => Some(Environment::Live),
            Credential::OneTimeToken { .. } => None,
        });
        Ok(Finatic {
            credential,
            base_url,
            environment,
            user_sessions: Mutex::new(HashMap::new()),
            brokers: OnceCell::new(),
        })
    }

    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The broker catalogue: the one beta route left, since v1 has no broker list.
    async fn broker_list(&self, t: &Transport) -> Result<&Vec<wire::WireBroker>> {
        self.brokers
            .get_or_try_init(|| async {
                let answer = self
                    .call(
                        t,
                        Request {
                            what: "list brokers",
                            method: Method::GET,
                            path: "/api/beta/brokers/",
                            query: &[],
                            auth: Auth::default(),
                            body: None,
                        },
                    )
                    .await?;
                answer.decode::<Vec<wire::WireBroker>>("list brokers")
            })
            .await
    }

    /// Every account the user's grants share, all pages, with their sync state.
    async fn account_pages(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<Account>> {
        let mut accounts = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let query = vec![
                ("limit", ACCOUNTS_PAGE_SIZE.to_string()),
                ("offset", offset.to_string()),
                ("include_sync_status", "true".to_owned()),
            ];
            let Answer { data, meta, origin } = self
                .user_call(t, user, "list accounts", Method::GET, "/api/v1/accounts", &query)
                .await?;
            let page: Vec<wire::WireAccount> = origin.decode("list accounts", &data)?;
            let fetched = page.len() as u64;
            accounts.extend(page.into_iter().map(Account::from));
            let pagination: Option<wire::Pagination> = meta
                .get("pagination")
                .cloned()
                .map(|p| origin.decode_meta("list accounts pagination", p))
                .transpose()?;
            // Without pagination metadata, a short page is the last one.
            let more = pagination
                .as_ref()
                .map_or(fetched >= ACCOUNTS_PAGE_SIZE, |p| p.has_more);
            if !more || fetched == 0 {
                return Ok(accounts);
            }
            offset = pagination.and_then(|p| p.next_offset).unwrap_or(offset + fetched);
        }
        Err(Error::decode(format!("list accounts: more than {MAX_PAGES} pages")))
    }

    async fn grants(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<wire::AccountGrant>> {
        self.user_call(t, user, "list account grants", Method::GET, GRANTS, &[])
            .await?
            .decode("list account grants")
    }

    async fn grant(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<wire::AccountGrant> {
        grant_id(id)?;
        let path = format!("{GRANTS}/{}", path_segment(id));
        self.user_call(t, user, "account grant", Method::GET, &path, &[])
            .await?
            .decode("account grant")
    }
}

impl Finatic {
    /// `/api/v1/accounts/{id}/{resource}`, the account id checked first.
    fn data_path(account_id: &str, resource: &str) -> Result<String> {
        validate::identifier("account_id", account_id)?;
        Ok(format!("/api/v1/accounts/{}/{resource}", path_segment(account_id)))
    }

    /// One page of an account-data route, and the offset of the next page if there is one.
    async fn data_page<T: serde::de::DeserializeOwned>(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        path: &str,
        what: &str,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<T>, Option<u64>)> {
        let query = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
        let Answer { data, meta, origin } = self.user_call(t, user, what, Method::GET, path, &query).await?;
        let page: Vec<T> = origin.decode(what, &data)?;
        let fetched = page.len() as u64;
        let pagination: Option<wire::Pagination> = meta
            .get("pagination")
            .cloned()
            .map(|p| origin.decode_meta(what, p))
            .transpose()?;
        // Without pagination metadata, a short page is the last one.
        let more = pagination.as_ref().map_or(fetched >= u64::from(limit), |p| p.has_more);
        let next = (more && fetched > 0)
            .then(|| pagination.and_then(|p| p.next_offset).unwrap_or(offset + fetched))
            .filter(|next| *next > offset);
        Ok((page, next))
    }

    /// Every row of an account-data route, all pages.
    async fn data_rows<T: serde::de::DeserializeOwned>(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        resource: &str,
        what: &str,
    ) -> Result<Vec<T>> {
        let path = Self::data_path(account_id, resource)?;
        let mut rows = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let (page, next) = self.data_page(t, user, &path, what, offset, DATA_PAGE_SIZE).await?;
            rows.extend(page);
            match next {
                Some(next) => offset = next,
                None => return Ok(rows),
            }
        }
        Err(Error::decode(format!("{what}: more than {MAX_PAGES} pages")))
    }
}

impl Protocol for Finatic {
    const NAME: &'static str = "Finatic";

    fn instead(call: &str) -> &'static str {
        match call {
            "register_user" => "Finatic issues user ids through the portal; use start_session",
            "delete_user" => "users are managed by Finatic",
            "list_users" => "Finatic has no user listing",
            "rotate_user_secret" => "Finatic users have no secret",
            "refresh_connection" => "start a new session to resync",
            "disable_connection" => "there is no test-only disable call",
            "recent_orders" => "use orders: Finatic lists every order",
            "balance_history" => "Finatic keeps no balance history",
            _ => "Finatic has no such call",
        }
    }

    async fn start_session(&self, t: &Transport, user_id: Option<&str>) -> Result<Session> {
        Ok(self.start(t, user_id).await?.0)
    }

    async fn mint_one_time_token(&self, t: &Transport) -> Result<Secret> {
        self.mint_token(t, "mint_one_time_token").await
    }

    async fn session_portal_url(
        &self,
        t: &Transport,
        session: &Session,
        options: &PortalOptions,
    ) -> Result<PortalLink> {
        validate::identifier("session.id", session.id.expose())?;
        let params = portal_params(options)?;
        let auth = Auth {
            session: Some((&session.id, &session.company_id, None)),
            ..Auth::default()
        };
        let answer = self
            .call(
                t,
                Request {
                    what: "portal url",
                    method: Method::GET,
                    path: "/api/v1/session/portal",
                    query: &[],
                    auth,
                    body: None,
                },
            )
            .await?;
        let portal: wire::PortalUrl = answer.decode("portal url")?;
        let mut url = Url::parse(&portal.portal_url)
            .map_err(|e| Error::decode(format!("portal url: Finatic returned an invalid URL ({e})")))?;
        // The SDKs set (replace) these parameters on the URL the API returns.
        let names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !names.contains(&k.as_ref()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept).extend_pairs(params);
        Ok(PortalLink {
            url: url.into(),
            session_id: session.id.clone(),
            expires_at: Utc::now() + PORTAL_LINK_LIFETIME,
        })
    }

    async fn portal_url(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        options: &PortalOptions,
    ) -> Result<PortalLink> {
        if self.is_token_client() {
            return Err(Error::invalid_input(
                "portal_url",
                "starts a session with the company API key: a client built from a one-time token calls \
                 start_session, then session_portal_url",
            ));
        }
        let user = saved_user(user)?;
        portal_params(options)?;
        let (session, _) = self.start(t, Some(&user.user_id)).await?;
        self.session_portal_url(t, &session, options).await
    }

    async fn session_user(&self, t: &Transport, session: &Session) -> Result<UserCredentials> {
        validate::identifier("session.id", session.id.expose())?;
        let path = format!("/api/v1/session/{}/user", path_segment(session.id.expose()));
        let auth = Auth {
            session: Some((&session.id, &session.company_id, None)),
            ..Auth::default()
        };
        let answer = self
            .call(
                t,
                Request {
                    what: "session user",
                    method: Method::GET,
                    path: &path,
                    query: &[],
                    auth,
                    body: None,
                },
            )
            .await?;
        let user: wire::SessionUser = answer.decode("session user")?;
        let user_id = user.user_id.filter(|id| !id.is_empty());
        if let (Credential::OneTimeToken { session: slot, .. }, Some(id)) = (&self.credential, &user_id) {
            if let Some(started) = lock(slot).as_mut().filter(|s| s.session.id == session.id) {
                started.user_id = Some(id.clone());
            }
        }
        user_id.map(UserCredentials::id_only).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                "session user: no user has logged in through this session yet",
            )
        })
    }

    async fn connections(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<Connection>> {
        let grants = self.grants(t, user).await?;
        // Broker names only enrich the list: without the catalogue, connections still come back.
        let brokers = self.broker_list(t).await.ok();
        Ok(grants
            .into_iter()
            .filter(|g| !g.is_revoked())
            .map(|g| {
                let broker = brokers.and_then(|all| all.iter().find(|b| b.id == g.broker_id));
                g.into_connection(broker)
            })
            .collect())
    }

    async fn connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<Connection> {
        let grant = self.grant(t, user, id).await?;
        let brokers = self.broker_list(t).await.ok();
        let broker = brokers.and_then(|all| all.iter().find(|b| b.id == grant.broker_id));
        Ok(grant.into_connection(broker))
    }

    async fn remove_connection(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<()> {
        grant_id(id)?;
        let path = format!("{GRANTS}/{}/revoke", path_segment(id));
        let outcome = self
            .user_call(t, user, "revoke account grant", Method::POST, &path, &[])
            .await;
        gone_is_done(outcome.map(drop))
    }

    async fn accounts(&self, t: &Transport, user: Option<&UserCredentials>) -> Result<Vec<Account>> {
        self.account_pages(t, user).await
    }

    async fn connection_accounts(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        id: &str,
    ) -> Result<Vec<Account>> {
        grant_id(id)?;
        let mut accounts = self.account_pages(t, user).await?;
        accounts.retain(|a| a.connection_id.as_deref() == Some(id));
        Ok(accounts)
    }

    async fn account(&self, t: &Transport, user: Option<&UserCredentials>, id: &str) -> Result<Account> {
        validate::identifier("account_id", id)?;
        let path = format!("/api/v1/accounts/{}", path_segment(id));
        let answer = self
            .user_call(t, user, "account detail", Method::GET, &path, &[])
            .await?;
        Ok(answer.decode::<wire::WireAccount>("account detail")?.into())
    }

    async fn positions(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
    ) -> Result<Vec<Position>> {
        let rows: Vec<data::FdxPosition> = self
            .data_rows(t, user, account_id, "positions", "list positions")
            .await?;
        Ok(rows
            .into_iter()
            .filter(data::FdxPosition::is_open)
            .filter_map(|p| p.into_position(account_id))
            .collect())
    }

    async fn balances(&self, t: &Transport, user: Option<&UserCredentials>, account_id: &str) -> Result<Vec<Balance>> {
        let rows: Vec<data::FdxBalance> = self.data_rows(t, user, account_id, "balances", "list balances").await?;
        Ok(rows.into_iter().map(Balance::from).collect())
    }

    /// Finatic lists every order; the state and the days are applied here.
    async fn orders(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        query: &OrderQuery,
    ) -> Result<Vec<Order>> {
        let rows: Vec<data::FdxOrder> = self.data_rows(t, user, account_id, "orders", "list orders").await?;
        let since = query
            .days
            .map(|days| Utc::now() - chrono::Duration::days(i64::from(days)));
        Ok(rows
            .into_iter()
            .map(|o| o.into_order(account_id))
            .filter(|o| match query.state.unwrap_or(OrderState::All) {
                OrderState::All => true,
                OrderState::Open => matches!(
                    o.status,
                    OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::Pending
                ),
                OrderState::Executed => matches!(o.status, OrderStatus::Filled | OrderStatus::PartiallyFilled),
            })
            .filter(|o| match (since, o.placed_at) {
                (Some(since), Some(placed)) => placed >= since,
                _ => true,
            })
            .collect())
    }

    async fn order(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        order_id: &str,
    ) -> Result<Order> {
        let path = format!("{}/{}", Self::data_path(account_id, "orders")?, path_segment(order_id));
        let order: data::FdxOrder = self
            .user_call(t, user, "order detail", Method::GET, &path, &[])
            .await?
            .decode("order detail")?;
        Ok(order.into_order(account_id))
    }

    /// Finatic's transactions have no date filter; the range is applied to each page here.
    async fn activity_page(
        &self,
        t: &Transport,
        user: Option<&UserCredentials>,
        account_id: &str,
        query: &ActivityQuery,
        offset: u64,
        limit: u32,
    ) -> Result<ActivityPage> {
        let path = Self::data_path(account_id, "transactions")?;
        let (rows, next_offset) = self
            .data_page::<data::FdxTransaction>(t, user, &path, "list activities", offset, limit)
            .await?;
        let items = rows
            .into_iter()
            .map(|row| row.into_activity(account_id))
            .filter(|a| match a.trade_date {
                Some(date) => query.start.is_none_or(|s| date >= s) && query.end.is_none_or(|e| date <= e),
                None => query.start.is_none() && query.end.is_none(),
            })
            .collect();
        Ok(ActivityPage {
            items,
            next_offset,
            total: None,
        })
    }

    async fn webhook_catalog(&self, t: &Transport) -> Result<Vec<WebhookEventType>> {
        let list: Vec<wire::EventDefinition> = self
            .company_call(
                t,
                "webhook_catalog",
                "webhook catalog",
                Method::GET,
                "/api/v1/webhooks/catalog",
                None,
            )
            .await?
            .decode("webhook catalog")?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    async fn webhook_subscriptions(&self, t: &Transport) -> Result<Vec<WebhookSubscription>> {
        let list: Vec<wire::Subscription> = self
            .company_call(
                t,
                "webhook_subscriptions",
                "list webhook subscriptions",
                Method::GET,
                SUBSCRIPTIONS,
                None,
            )
            .await?
            .decode("list webhook subscriptions")?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    async fn create_webhook_subscription(
        &self,
        t: &Transport,
        new: &NewWebhookSubscription,
    ) -> Result<WebhookSubscription> {
        new.check()?;
        let mut body = json!({ "url": new.url, "eventTypes": new.event_types });
        if let Some(description) = &new.description {
            body["description"] = json!(description);
        }
        let created: wire::Subscription = self
            .company_call(
                t,
                "create_webhook_subscription",
                "create webhook subscription",
                Method::POST,
                SUBSCRIPTIONS,
                Some(body),
            )
            .await?
            .decode("create webhook subscription")?;
        Ok(created.into())
    }

    async fn update_webhook_subscription(
        &self,
        t: &Transport,
        id: &str,
        update: &WebhookSubscriptionUpdate,
    ) -> Result<WebhookSubscription> {
        validate::identifier("subscription_id", id)?;
        update.check()?;
        let WebhookSubscriptionUpdate {
            url,
            event_types,
            description,
            enabled,
        } = update;
        let mut body = json!({});
        if let Some(url) = url {
            body["url"] = json!(url);
        }
        if let Some(types) = event_types {
            body["eventTypes"] = json!(types);
        }
        if let Some(description) = description {
            body["description"] = json!(description);
        }
        if let Some(enabled) = enabled {
            body["status"] = json!(if *enabled { "active" } else { "disabled" });
        }
        let path = format!("{SUBSCRIPTIONS}/{}", path_segment(id));
        let updated: wire::Subscription = self
            .company_call(
                t,
                "update_webhook_subscription",
                "update webhook subscription",
                Method::PATCH,
                &path,
                Some(body),
            )
            .await?
            .decode("update webhook subscription")?;
        Ok(updated.into())
    }

    async fn revoke_webhook_subscription(&self, t: &Transport, id: &str) -> Result<WebhookSubscription> {
        validate::identifier("subscription_id", id)?;
        let path = format!("{SUBSCRIPTIONS}/{}/revoke", path_segment(id));
        let revoked: wire::Subscription = self
            .company_call(
                t,
                "revoke_webhook_subscription",
                "revoke webhook subscription",
                Method::POST,
                &path,
                None,
            )
            .await?
            .decode("revoke webhook subscription")?;
        Ok(revoked.into())
    }

    /// Active, and its account reported `ready` by the session's sync status (which needs the
    /// API key; a token client reads the same state from the accounts list).
    async fn is_ready(&self, t: &Transport, user: Option<&UserCredentials>, connection: &Connection) -> Result<bool> {
        if connection.status != ConnectionStatus::Active {
            return Ok(false);
        }
        if self.is_token_client() {
            let accounts = self.account_pages(t, user).await?;
            return Ok(accounts
                .iter()
                .any(|a| a.connection_id.as_deref() == Some(connection.id.as_str()) && a.synced));
        }
        let grant = self.grant(t, user, &connection.id).await?;
        let answer = self
            .user_call(t, user, "sync status", Method::GET, SYNC_STATUS, &[])
            .await?;
        let sync: wire::SyncStatus = answer.decode("sync status")?;
        Ok(sync
            .accounts
            .iter()
            .any(|a| a.account_id.as_deref() == Some(grant.broker_account_id.as_str()) && a.sync_status == "ready"))
    }
}

/// A Finatic connection id is an account grant's id, which the spec types as a UUID.
fn grant_id(id: &str) -> Result<()> {
    validate::identifier("connection_id", id)?;
    uuid::Uuid::parse_str(id)
        .map(drop)
        .map_err(|_| Error::invalid_input("connection_id", "is not a Finatic account grant id (a UUID)"))
}

/// The saved user an API-key client's call is for: Finatic has no caller-owned user there.
fn saved_user(user: Option<&UserCredentials>) -> Result<&UserCredentials> {
    let user = user.ok_or_else(|| {
        Error::invalid_input(
            "user",
            "is required: an API-key client reads for a saved user (its Finatic user id)",
        )
    })?;
    validate::identifier("user_id", &user.user_id)?;
    Ok(user)
}

/// A poisoned lock only means another call panicked mid-update; the slot's value is still whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn session_is_gone(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::PortalExpired | ErrorKind::Unauthorized)
        || e.provider_code() == Some("SESSION_NOT_FOUND")
}

/// Every decoder of this provider on arbitrary bytes; for the fuzzer.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_decoders(status: u16, headers: &HeaderMap, body: &[u8]) {
    let Ok(base) = Url::parse("http://127.0.0.1:1") else {
        return;
    };
    let Ok(finatic) = Finatic::new(FinaticCredential::ApiKey(Secret::new("fntc_sandbox_fuzz")), base, None) else {
        return;
    };
    let reply = crate::http::Reply {
        status,
        headers: headers.clone(),
        body: Bytes::copy_from_slice(body),
        attempts: 1,
        carried: Vec::new(),
    };
    let _ = finatic.error_from(&reply, "fuzz");
    if let Ok(Answer { data, meta, origin }) = finatic.unwrap_envelope(&reply, "fuzz") {
        if let Ok(s) = origin.decode::<wire::StartedSession>("fuzz", &data) {
            let _ = s.to_session();
        }
        if let Ok(list) = origin.decode::<Vec<wire::AccountGrant>>("fuzz", &data) {
            let _: Vec<Connection> = list.into_iter().map(|g| g.into_connection(None)).collect();
        }
        let _ = origin.decode::<wire::SyncStatus>("fuzz", &data);
        if let Ok(list) = origin.decode::<Vec<wire::WireAccount>>("fuzz", &data) {
            let _: Vec<Account> = list.into_iter().map(Account::from).collect();
        }
        let _ = origin.decode_meta::<wire::Pagination>("fuzz", meta);
        let _ = origin.decode::<Vec<wire::WireBroker>>("fuzz", &data);
    }
}
