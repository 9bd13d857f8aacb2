//! The Rust runner: executes a scenario against a fresh in-process sandbox and records one
//! raw (not yet normalised) JSON line per step.

use crate::canonical;
use crate::scenario::{resolve, ClientSettings, Scenario};
use brokerlink::{
    parse_portal_result, verify_webhook, ActivityQuery, AuthorizationRequest, Client, ConnectionType,
    NewWebhookSubscription, OAuthTokens, OrderQuery, OrderState, PortalMode, PortalOptions, PortalTheme, RetryPolicy,
    Secret, Session, SessionStatus, UserCredentials, WaitOptions, WebhookOptions, WebhookSubscriptionUpdate,
};
use brokerlink_sandbox::{CompletePortal, FaultRule, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

type Outcome = Result<Value, Value>;

/// Runs every step; failures are recorded, never raised, so the checker sees them all.
pub async fn run(scenario: &Scenario) -> Vec<Value> {
    let mut config = SandboxConfig::default();
    let s = &scenario.sandbox;
    if let Some(limit) = s.rate_limit_per_minute {
        config.rate_limit_per_minute = limit;
    }
    if let Some(limit) = s.account_rate_limit_per_minute {
        config.account_rate_limit_per_minute = limit;
    }
    if let Some(secs) = s.pending_seconds {
        config.pending_activation = Duration::from_secs_f64(secs);
    }
    if let Some(secs) = s.expiring_seconds {
        config.expiring_after = Duration::from_secs_f64(secs);
    }
    if let Some(secs) = s.portal_link_seconds {
        config.portal_link_lifetime = Duration::from_secs_f64(secs);
    }
    if let Some(delays) = &s.webhook_retry_ms {
        config.webhook_retry_delays = delays.iter().map(|ms| Duration::from_millis(*ms)).collect();
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => return vec![json!({ "runner_error": format!("sandbox did not start: {e}") })],
    };
    let mut lines = vec![json!({ "sandbox": sandbox.url() })];
    let mut saved = BTreeMap::new();
    // One client per name for the whole scenario, as an app keeps one: what a client learns
    // (its rate-limit buckets) carries from step to step.
    let mut clients = HashMap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let outcome = match resolve(&step.args, &saved) {
            Ok(args) => {
                let client_name = step.client.as_deref().unwrap_or("default");
                match resolved_settings(scenario.clients.get(client_name), &saved) {
                    Ok(settings) => {
                        let named = Named {
                            name: client_name,
                            settings: settings.as_ref(),
                            clients: &mut clients,
                        };
                        execute(&sandbox, &scenario.provider, named, &step.call, &args).await
                    }
                    Err(message) => Err(json!({ "runner_error": message })),
                }
            }
            Err(message) => Err(json!({ "runner_error": message })),
        };
        let mut line = json!({ "step": index, "call": step.call });
        match outcome {
            Ok(value) => {
                if let Some(name) = &step.save {
                    saved.insert(name.clone(), value.clone());
                }
                line["ok"] = value;
            }
            Err(error) => line["error"] = error,
        }
        lines.push(line);
    }
    sandbox.shutdown().await;
    lines
}

/// A client's settings with a `$saved` one-time token resolved (tokens are minted mid-scenario).
fn resolved_settings(
    settings: Option<&ClientSettings>,
    saved: &BTreeMap<String, Value>,
) -> Result<Option<ClientSettings>, String> {
    let Some(mut settings) = settings.cloned() else {
        return Ok(None);
    };
    if let Some(token) = &settings.one_time_token {
        let value = resolve(&Value::String(token.clone()), saved)?;
        settings.one_time_token = Some(value.as_str().unwrap_or_default().to_owned());
    }
    if let Some(tokens) = &settings.oauth_tokens {
        settings.oauth_tokens = Some(resolve(tokens, saved)?);
    }
    Ok(Some(settings))
}

fn client(sandbox: &Sandbox, provider: &str, settings: Option<&ClientSettings>) -> brokerlink::Result<Client> {
    let settings = settings.cloned().unwrap_or_default();
    let oauth = settings.oauth == Some(true) || settings.oauth_tokens.is_some();
    let mut builder = if oauth {
        Client::builder().snaptrade_oauth(sandbox.oauth_client_id(), sandbox.oauth_client_secret())
    } else if settings.personal == Some(true) {
        let client_id = settings
            .client_id
            .unwrap_or_else(|| sandbox.personal_client_id().to_owned());
        let consumer_key = settings
            .consumer_key
            .unwrap_or_else(|| sandbox.personal_consumer_key().to_owned());
        Client::builder().snaptrade_personal(client_id, consumer_key)
    } else if provider == "finatic" {
        let api_key = match settings.one_time_token {
            Some(_) => settings.api_key.map(Secret::new),
            None => Some(Secret::new(
                settings.api_key.unwrap_or_else(|| sandbox.api_key().to_owned()),
            )),
        };
        let credential = brokerlink::FinaticCredential::one_of(api_key, settings.one_time_token.map(Secret::new))?;
        Client::builder().finatic_credential(credential)
    } else {
        let client_id = settings.client_id.unwrap_or_else(|| sandbox.client_id().to_owned());
        let consumer_key = settings
            .consumer_key
            .unwrap_or_else(|| sandbox.consumer_key().to_owned());
        Client::builder().snaptrade(client_id, consumer_key)
    };
    builder = builder.base_url(sandbox.url());
    if let Some(ms) = settings.timeout_ms {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    if let Some(retry) = settings.retry {
        let defaults = RetryPolicy::default();
        let ms = |v: Option<u64>, d: Duration| v.map(Duration::from_millis).unwrap_or(d);
        builder = builder.retry(RetryPolicy {
            max_attempts: retry.max_attempts,
            initial_backoff: ms(retry.initial_backoff_ms, defaults.initial_backoff),
            max_backoff: ms(retry.max_backoff_ms, defaults.max_backoff),
            max_retry_after: ms(retry.max_retry_after_ms, defaults.max_retry_after),
        });
    }
    let client = builder.build()?;
    match &settings.oauth_tokens {
        Some(tokens) => client.with_oauth_tokens(tokens_arg(tokens), None),
        None => Ok(client),
    }
}

/// Tokens given back as their canonical form.
fn tokens_arg(t: &Value) -> OAuthTokens {
    OAuthTokens {
        access_token: Secret::new(text(t, "access_token").unwrap_or_default()),
        refresh_token: Secret::new(text(t, "refresh_token").unwrap_or_default()),
        expires_at: text(t, "expires_at")
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
            .map_or_else(chrono::Utc::now, |at| at.with_timezone(&chrono::Utc)),
        scope: text(t, "scope").unwrap_or_default(),
        user_id: text(t, "user_id"),
        email: text(t, "email"),
    }
}

/// An authorization request given back as its canonical form.
fn request_arg(r: &Value) -> AuthorizationRequest {
    AuthorizationRequest {
        url: text(r, "url").unwrap_or_default(),
        redirect_uri: text(r, "redirect_uri").unwrap_or_default(),
        state: Secret::new(text(r, "state").unwrap_or_default()),
        code_verifier: Secret::new(text(r, "code_verifier").unwrap_or_default()),
        nonce: Secret::new(text(r, "nonce").unwrap_or_default()),
    }
}

fn text(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn string_list(args: &Value, key: &str) -> Option<Vec<String>> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

/// The step's user; `null` is the client's own user (a SnapTrade Personal key).
fn user_arg(args: &Value) -> Result<Option<UserCredentials>, Value> {
    let user = args
        .get("user")
        .ok_or_else(|| json!({ "runner_error": "missing user" }))?;
    if user.is_null() {
        return Ok(None);
    }
    let user_id = text(user, "user_id").unwrap_or_default();
    Ok(Some(match text(user, "user_secret") {
        Some(secret) => UserCredentials::new(user_id, secret),
        None => UserCredentials::id_only(user_id),
    }))
}

/// A user for the user-management calls, which always name one.
fn named_user(args: &Value) -> Result<UserCredentials, Value> {
    Ok(user_arg(args)?.unwrap_or_else(|| UserCredentials::id_only("")))
}

fn portal_options(args: &Value) -> brokerlink::Result<PortalOptions> {
    let o = args.get("options").cloned().unwrap_or(Value::Null);
    let flag = |k: &str| o.get(k).and_then(Value::as_bool);
    Ok(PortalOptions {
        broker: text(&o, "broker"),
        connection_type: text(&o, "connection_type")
            .as_deref()
            .map(ConnectionType::parse)
            .transpose()?,
        mode: text(&o, "mode").as_deref().map(PortalMode::parse).transpose()?,
        locale: text(&o, "locale"),
        redirect_url: text(&o, "redirect_url"),
        immediate_redirect: flag("immediate_redirect"),
        reconnect: text(&o, "reconnect"),
        show_close_button: flag("show_close_button"),
        portal_version: text(&o, "portal_version"),
        brokers: strings(&o, "brokers"),
        email: text(&o, "email"),
        theme: match o.get("theme") {
            Some(Value::String(name)) => Some(PortalTheme::Preset(name.clone())),
            Some(object @ Value::Object(_)) => Some(PortalTheme::Custom(object.clone())),
            _ => None,
        },
        broker_type: text(&o, "broker_type"),
        capabilities: strings(&o, "capabilities"),
        stages: strings(&o, "stages"),
    })
}

fn strings(args: &Value, key: &str) -> Vec<String> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn list<T>(items: Vec<T>, f: fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

/// The client a step names, built on first use and kept for the scenario.
struct Named<'a> {
    name: &'a str,
    settings: Option<&'a ClientSettings>,
    clients: &'a mut HashMap<String, Client>,
}

async fn execute(sandbox: &Sandbox, provider: &str, named: Named<'_>, call: &str, args: &Value) -> Outcome {
    if let Some(admin) = call.strip_prefix("sandbox.") {
        return sandbox_call(sandbox, admin, args).await;
    }
    if call == "sleep" {
        let ms = args.get("ms").and_then(Value::as_u64).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return Ok(Value::Null);
    }
    if call == "verify_webhook" {
        return verify(args);
    }
    if call == "parse_portal_result" {
        let input = text(args, "input").unwrap_or_default();
        return parse_portal_result(&input)
            .map(|r| canonical::portal_result(&r))
            .map_err(|e| canonical::error(&e));
    }
    let c = match named.clients.get(named.name) {
        Some(c) => c.clone(),
        None => {
            let c = client(sandbox, provider, named.settings).map_err(|e| canonical::error(&e))?;
            named.clients.insert(named.name.to_owned(), c.clone());
            c
        }
    };
    let e = |err: brokerlink::Error| canonical::error(&err);
    let id = |key: &str| text(args, key).unwrap_or_default();
    let result: brokerlink::Result<Value> = async {
        Ok(match call {
            "register_user" => canonical::user(&c.register_user(&id("user_id")).await?),
            "delete_user" => c
                .delete_user(&named_user(args).map_err(|_| missing())?)
                .await
                .map(|()| Value::Null)?,
            "list_users" => json!(c.list_users().await?),
            "rotate_user_secret" => {
                canonical::user(&c.rotate_user_secret(&named_user(args).map_err(|_| missing())?).await?)
            }
            "portal_url" => {
                let user = user_arg(args).map_err(|_| missing())?;
                canonical::link(&c.portal_url(user.as_ref(), &portal_options(args)?).await?)
            }
            "start_session" => canonical::session(&c.start_session(text(args, "user_id").as_deref()).await?),
            "mint_one_time_token" => json!({ "one_time_token": c.mint_one_time_token().await?.expose() }),
            "oauth_authorization_url" => canonical::authorization_request(
                &c.oauth_authorization_url(
                    &text(args, "redirect_uri").unwrap_or_default(),
                    &string_list(args, "scopes").unwrap_or_default(),
                )
                .await?,
            ),
            "oauth_exchange_code" => canonical::oauth_tokens(
                &c.oauth_exchange_code(
                    &request_arg(args.get("request").unwrap_or(&Value::Null)),
                    &text(args, "callback_url").unwrap_or_default(),
                )
                .await?,
            ),
            "oauth_revoke" => {
                c.oauth_revoke(&tokens_arg(args.get("tokens").unwrap_or(&Value::Null)))
                    .await?;
                Value::Null
            }
            "session_portal_url" => canonical::link(
                &c.session_portal_url(&session_arg(args)?, &portal_options(args)?)
                    .await?,
            ),
            "session_user" => canonical::user(&c.session_user(&session_arg(args)?).await?),
            "connections" => list(
                c.connections(user_arg(args).map_err(|_| missing())?.as_ref()).await?,
                canonical::connection,
            ),
            "connection" => canonical::connection(
                &c.connection(user_arg(args).map_err(|_| missing())?.as_ref(), &id("connection_id"))
                    .await?,
            ),
            "remove_connection" => {
                c.remove_connection(user_arg(args).map_err(|_| missing())?.as_ref(), &id("connection_id"))
                    .await?;
                Value::Null
            }
            "refresh_connection" => {
                c.refresh_connection(user_arg(args).map_err(|_| missing())?.as_ref(), &id("connection_id"))
                    .await?;
                Value::Null
            }
            "disable_connection" => {
                c.disable_connection(user_arg(args).map_err(|_| missing())?.as_ref(), &id("connection_id"))
                    .await?;
                Value::Null
            }
            "webhook_catalog" => list(c.webhook_catalog().await?, canonical::webhook_event_type),
            "webhook_subscriptions" => list(c.webhook_subscriptions().await?, canonical::webhook_subscription),
            "create_webhook_subscription" => {
                let new = NewWebhookSubscription {
                    url: id("url"),
                    event_types: string_list(args, "event_types").unwrap_or_default(),
                    description: text(args, "description"),
                };
                canonical::webhook_subscription(&c.create_webhook_subscription(&new).await?)
            }
            "update_webhook_subscription" => {
                let update = WebhookSubscriptionUpdate {
                    url: text(args, "url"),
                    event_types: string_list(args, "event_types"),
                    description: text(args, "description"),
                    enabled: args.get("enabled").and_then(Value::as_bool),
                };
                canonical::webhook_subscription(&c.update_webhook_subscription(&id("subscription_id"), &update).await?)
            }
            "revoke_webhook_subscription" => {
                canonical::webhook_subscription(&c.revoke_webhook_subscription(&id("subscription_id")).await?)
            }
            "accounts" => list(
                c.accounts(user_arg(args).map_err(|_| missing())?.as_ref()).await?,
                canonical::account,
            ),
            "account" => canonical::account(
                &c.account(user_arg(args).map_err(|_| missing())?.as_ref(), &id("account_id"))
                    .await?,
            ),
            "connection_accounts" => list(
                c.connection_accounts(user_arg(args).map_err(|_| missing())?.as_ref(), &id("connection_id"))
                    .await?,
                canonical::account,
            ),
            "positions" => list(
                c.positions(user_arg(args).map_err(|_| missing())?.as_ref(), &id("account_id"))
                    .await?,
                canonical::position,
            ),
            "balances" => list(
                c.balances(user_arg(args).map_err(|_| missing())?.as_ref(), &id("account_id"))
                    .await?,
                canonical::balance,
            ),
            "orders" => {
                let query = OrderQuery {
                    state: text(args, "state").as_deref().map(OrderState::parse).transpose()?,
                    days: args.get("days").and_then(Value::as_u64).map(|d| d as u32),
                };
                list(
                    c.orders(
                        user_arg(args).map_err(|_| missing())?.as_ref(),
                        &id("account_id"),
                        &query,
                    )
                    .await?,
                    canonical::order,
                )
            }
            "recent_orders" => {
                let only_executed = args.get("only_executed").and_then(Value::as_bool).unwrap_or(true);
                list(
                    c.recent_orders(
                        user_arg(args).map_err(|_| missing())?.as_ref(),
                        &id("account_id"),
                        only_executed,
                    )
                    .await?,
                    canonical::order,
                )
            }
            "order" => canonical::order(
                &c.order(
                    user_arg(args).map_err(|_| missing())?.as_ref(),
                    &id("account_id"),
                    &id("order_id"),
                )
                .await?,
            ),
            "activities" => list(
                c.activities(
                    user_arg(args).map_err(|_| missing())?.as_ref(),
                    &id("account_id"),
                    &activity_query(args),
                )
                .await?,
                canonical::activity,
            ),
            "activity_pages" => {
                let mut pages = c.activity_pages(
                    user_arg(args).map_err(|_| missing())?.as_ref(),
                    &id("account_id"),
                    &activity_query(args),
                )?;
                let mut all = Vec::new();
                while let Some(page) = pages.next().await? {
                    all.push(list(page, canonical::activity));
                }
                Value::Array(all)
            }
            "balance_history" => canonical::balance_history(
                &c.balance_history(user_arg(args).map_err(|_| missing())?.as_ref(), &id("account_id"))
                    .await?,
            ),
            "wait_for_connection" => {
                let user = user_arg(args).map_err(|_| missing())?;
                let ms = |k: &str, d: u64| Duration::from_millis(args.get(k).and_then(Value::as_u64).unwrap_or(d));
                let options = WaitOptions {
                    timeout: ms("timeout_ms", 10_000),
                    poll_interval: ms("poll_ms", 100),
                    max_poll_interval: ms("max_poll_ms", 1_000),
                    since: None,
                    connection_id: text(args, "connection_id"),
                };
                canonical::connection(&c.wait_for_connection(user.as_ref(), &options).await?)
            }
            other => return Err(brokerlink::Error::internal(format!("unknown call {other:?}"))),
        })
    }
    .await;
    result.map_err(e)
}

/// `start` and `end` as `YYYY-MM-DD`, `page_size` a count.
fn activity_query(args: &Value) -> ActivityQuery {
    let day = |key: &str| text(args, key).and_then(|t| brokerlink::NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok());
    ActivityQuery {
        start: day("start"),
        end: day("end"),
        page_size: args.get("page_size").and_then(Value::as_u64).map(|n| n as u32),
    }
}

/// A session given back as its canonical form.
fn session_arg(args: &Value) -> brokerlink::Result<Session> {
    let s = args.get("session").ok_or_else(missing)?;
    Ok(Session {
        id: text(s, "id").unwrap_or_default().into(),
        company_id: text(s, "company_id").unwrap_or_default(),
        status: SessionStatus::parse(&text(s, "status").unwrap_or_default()),
        expires_at: None,
        user_id: text(s, "user_id"),
    })
}

fn missing() -> brokerlink::Error {
    brokerlink::Error::internal("scenario step lacks a user argument")
}

/// `verify_webhook {body, headers, secrets, now?, tolerance_seconds?, max_event_age_seconds?}`
fn verify(args: &Value) -> Outcome {
    let body = text(args, "body").unwrap_or_default();
    let headers: Vec<(String, String)> = args
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let secrets: Vec<Secret> = strings(args, "secrets").into_iter().map(Secret::new).collect();
    let seconds = |key: &str| args.get(key).and_then(Value::as_f64).map(Duration::from_secs_f64);
    let options = WebhookOptions {
        tolerance: seconds("tolerance_seconds").unwrap_or(brokerlink::DEFAULT_TOLERANCE),
        max_event_age: seconds("max_event_age_seconds"),
        now: args
            .get("now")
            .and_then(Value::as_i64)
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
    };
    verify_webhook(body.as_bytes(), headers.iter().map(|(k, v)| (k, v)), &secrets, &options)
        .map(|event| canonical::webhook_event(&event))
        .map_err(|e| canonical::error(&e))
}

/// The admin API over HTTP, as every language's runner reaches it.
async fn admin(sandbox: &Sandbox, method: reqwest::Method, path: &str, body: Option<Value>) -> Outcome {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sandbox.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let fail = |e: reqwest::Error| json!({ "runner_error": e.without_url().to_string() });
    request.send().await.map_err(fail)?.json().await.map_err(fail)
}

async fn sandbox_call(sandbox: &Sandbox, call: &str, args: &Value) -> Outcome {
    let runner_error = |message: String| json!({ "runner_error": message });
    match call {
        "add_webhook" => {
            // `sink` names the sandbox's own receiver; `fail_first` makes it refuse deliveries.
            let sink = text(args, "sink").unwrap_or_default();
            let fail_first = args.get("fail_first").and_then(Value::as_u64).unwrap_or(0);
            let mut body = json!({ "url": format!("{}/_sandbox/sink/{sink}?fail_first={fail_first}", sandbox.url()) });
            for key in ["provider", "event_types"] {
                if let Some(value) = args.get(key) {
                    body[key] = value.clone();
                }
            }
            admin(sandbox, reqwest::Method::POST, "/_sandbox/webhooks", Some(body)).await
        }
        "sink" => {
            let name = text(args, "name").unwrap_or_default();
            let count = args.get("count").and_then(Value::as_u64).unwrap_or(1);
            let timeout = args.get("timeout_ms").and_then(Value::as_u64).unwrap_or(5000);
            let path = format!("/_sandbox/sink/{name}?count={count}&timeout_ms={timeout}");
            admin(sandbox, reqwest::Method::GET, &path, None).await
        }
        "oauth_authorize" => {
            let allow = text(args, "decision").is_none_or(|d| d == "allow");
            let to = sandbox
                .authorize_oauth(
                    &text(args, "url").unwrap_or_default(),
                    &text(args, "username").unwrap_or_default(),
                    &text(args, "password").unwrap_or_default(),
                    allow,
                )
                .map_err(|e| runner_error(e.to_string()))?;
            Ok(json!({ "redirect_url": to }))
        }
        "complete_portal" => {
            let request: CompletePortal =
                serde_json::from_value(args.clone()).map_err(|e| runner_error(e.to_string()))?;
            Ok(canonical::portal_result(&sandbox.complete_portal(&request)))
        }
        "connection" => {
            let id = text(args, "id").unwrap_or_default();
            let action = text(args, "action").unwrap_or_default();
            let view = brokerlink_sandbox::ConnectionChange::parse(&action)
                .and_then(|change| sandbox.change_connection(&id, change))
                .map_err(|e| runner_error(e.to_string()))?;
            serde_json::to_value(view).map_err(|e| runner_error(e.to_string()))
        }
        "fault" => {
            let rule: FaultRule = serde_json::from_value(args.clone()).map_err(|e| runner_error(e.to_string()))?;
            sandbox.inject_fault(rule).map_err(|e| runner_error(e.to_string()))?;
            Ok(Value::Null)
        }
        "clear_faults" => {
            sandbox.clear_faults();
            Ok(Value::Null)
        }
        "faults" => Ok(json!({ "armed": sandbox.armed_faults() })),
        "load_portfolio" => {
            let portfolio = args.get("portfolio").cloned().unwrap_or_default().to_string();
            let user_id = text(args, "user_id").unwrap_or_default();
            sandbox
                .load_portfolio(&user_id, text(args, "account_id").as_deref(), &portfolio)
                .map(|ids| json!(ids))
                .map_err(|e| runner_error(e.to_string()))
        }
        "state" => Ok(json!(sandbox.state())),
        other => Err(runner_error(format!("unknown sandbox call {other:?}"))),
    }
}
