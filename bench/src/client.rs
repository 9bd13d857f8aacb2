//! The Rust contenders: brokerlink's own client, and the floor — a bare reqwest client sending
//! the same signed requests (same query, same canonical-JSON HMAC per request, the body read and
//! checked as JSON, items counted) with none of brokerlink's typing, validation, retries or
//! error mapping.
//!
//! One run per process (so peak RSS is the run's), one JSON line on stdout (brokerlink_bench::report).

use brokerlink::signing::{hmac_base64, signing_string, NonAscii};
use brokerlink::{ActivityQuery, Client, PortalOptions, UserCredentials};
use brokerlink_bench::{drive, report, Outcome, UsersFile};
use clap::{Parser, ValueEnum};
use reqwest::{Method, RequestBuilder, Url};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Brokerlink,
    Raw,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Mode {
    /// Sequential "list connections" for the first SnapTrade user.
    Latency,
    /// "list connections" for every SnapTrade user, `--concurrency` in flight.
    Bulk,
    /// A portal link for every SnapTrade user.
    Portal,
    /// Sequential "list accounts" for the first Finatic user (one session, reused).
    FinaticLatency,
    /// "list accounts" for every Finatic user: token, session for the saved user, accounts.
    FinaticBulk,
    /// The positions of every SnapTrade user's first account, `--concurrency` in flight.
    Positions,
    /// `--calls` sequential reads of every activity of the long-history account (all pages,
    /// decoded), after one untimed read.
    Activities,
}

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    users: String,
    #[arg(long, value_enum)]
    contender: Kind,
    #[arg(long, value_enum)]
    mode: Mode,
    /// Calls in the latency modes.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Untimed calls before a latency run.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Latency modes only: make each call from a plain thread, handed to a multi-thread runtime
    /// and waited for (no spinning), as a binding whose event loop is not the runtime must.
    #[arg(long)]
    handoff: bool,
}

/// The floor: reqwest with signing done inline.
#[derive(Debug)]
struct Raw {
    http: reqwest::Client,
    users: UsersFile,
}

/// What a Finatic session's calls carry in their headers.
#[derive(Debug, Deserialize)]
struct RawSession {
    session_id: String,
    company_id: String,
    csrf_token: Option<String>,
}

impl Raw {
    fn new(users: UsersFile) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Raw { http, users })
    }

    /// A SnapTrade request for a user, signed as brokerlink and the official SDKs sign it.
    fn signed(&self, method: Method, path: &str, user: usize) -> Result<RequestBuilder, String> {
        let user = &self.users.snaptrade[user];
        self.signed_for(method, path, &user.user_id, &user.user_secret, &[])
    }

    fn signed_for(
        &self,
        method: Method,
        path: &str,
        user_id: &str,
        user_secret: &str,
        params: &[(&str, String)],
    ) -> Result<RequestBuilder, String> {
        let mut url = Url::parse(&format!("{}{path}", self.users.base_url)).map_err(|e| e.to_string())?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("clientId", &self.users.client_id)
                .append_pair("userId", user_id)
                .append_pair("userSecret", user_secret);
            for (key, value) in params {
                query.append_pair(key, value);
            }
            query.append_pair("timestamp", &chrono::Utc::now().timestamp().to_string());
        }
        let canonical = signing_string(None, path, url.query().unwrap_or_default(), NonAscii::Escape);
        let signature = hmac_base64(self.users.consumer_key.as_bytes(), canonical.as_bytes());
        Ok(self
            .http
            .request(method, url)
            .header("Accept", "application/json")
            .header("Signature", signature))
    }

    /// Sends, reads the body, and decodes only what the caller looks at: `IgnoredAny` checks
    /// the JSON and counts items without building values.
    async fn json<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, String> {
        let response = request.send().await.map_err(|e| e.without_url().to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.without_url().to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    async fn connections(&self, user: usize) -> Result<usize, String> {
        let list: Vec<IgnoredAny> = Self::json(self.signed(Method::GET, "/authorizations", user)?).await?;
        Ok(list.len())
    }

    /// Every page of the long account, one after another, each checked as JSON and its rows
    /// counted without building them: the least any client can do for a full read.
    async fn activities(&self) -> Result<usize, String> {
        let h = &self.users.history;
        let path = format!("/accounts/{}/activities", h.account_id);
        let mut rows = 0;
        for _ in 0..MAX_PAGES {
            let params = [("offset", rows.to_string()), ("limit", "1000".to_owned())];
            let page: RawPage =
                Self::json(self.signed_for(Method::GET, &path, &h.user_id, &h.user_secret, &params)?).await?;
            rows += page.data.len();
            if page.data.is_empty() || rows >= page.pagination.total {
                return Ok(rows);
            }
        }
        Err("activities never ended".into())
    }

    async fn portal(&self, user: usize) -> Result<usize, String> {
        let link: Login = Self::json(self.signed(Method::POST, "/snapTrade/login", user)?).await?;
        Ok(usize::from(!link.redirect_uri.is_empty()))
    }

    fn finatic(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.users.base_url))
            .header("X-API-Key", &self.users.api_key)
            .header("X-Finatic-Environment", "sandbox")
            .header("Accept", "application/json")
    }

    /// `success.data` of a Finatic W envelope.
    async fn finatic_data<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, String> {
        let envelope: Envelope<T> = Self::json(request).await?;
        match envelope {
            Envelope {
                success: Some(Success { data }),
                error: None,
            } => Ok(data),
            Envelope { error, .. } => Err(format!("Finatic error: {error:?}")),
        }
    }

    async fn finatic_session(&self, user: usize) -> Result<RawSession, String> {
        let token: Token = Self::finatic_data(self.finatic(Method::POST, "/api/v1/session/init")).await?;
        Self::finatic_data(
            self.finatic(Method::POST, "/api/v1/session/start")
                .header("One-Time-Token", token.one_time_token)
                .json(&json!({ "user_id": self.users.finatic[user].user_id })),
        )
        .await
    }

    async fn finatic_accounts(&self, session: &RawSession) -> Result<usize, String> {
        let mut request = self
            .finatic(Method::GET, "/api/beta/brokers/data/accounts?limit=100&offset=0")
            .header("X-Session-ID", &session.session_id)
            .header("X-Company-ID", &session.company_id);
        if let Some(csrf) = &session.csrf_token {
            request = request.header("X-CSRF-Token", csrf);
        }
        let accounts: Vec<IgnoredAny> = Self::finatic_data(request).await?;
        Ok(accounts.len())
    }
}

/// Pages one read may take before it is called endless.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Deserialize)]
struct RawPage {
    data: Vec<IgnoredAny>,
    pagination: RawPagination,
}

#[derive(Debug, Deserialize)]
struct RawPagination {
    total: usize,
}

#[derive(Debug, Deserialize)]
struct Login {
    #[serde(rename = "redirectURI")]
    redirect_uri: String,
}

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    success: Option<Success<T>>,
    error: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Success<T> {
    data: T,
}

#[derive(Debug, Deserialize)]
struct Token {
    one_time_token: String,
}

fn snaptrade_user(users: &UsersFile, i: usize) -> UserCredentials {
    let user = &users.snaptrade[i];
    UserCredentials::new(user.user_id.clone(), user.user_secret.as_str())
}

/// A contender, ready to make one call of a mode for user `i`.
#[derive(Debug)]
enum Contender {
    Brokerlink(Client, UsersFile),
    /// The floor, with a session for Finatic user 0 in the Finatic latency mode.
    Raw(Raw, Option<RawSession>),
}

impl Contender {
    async fn new(kind: Kind, mode: Mode, users: UsersFile) -> Result<Self, String> {
        let finatic = matches!(mode, Mode::FinaticLatency | Mode::FinaticBulk);
        Ok(match kind {
            Kind::Brokerlink => {
                let builder = Client::builder().base_url(&users.base_url);
                let builder = if finatic {
                    builder.finatic(users.api_key.as_str())
                } else {
                    builder.snaptrade(&users.client_id, users.consumer_key.as_str())
                };
                Contender::Brokerlink(builder.build().map_err(|e| e.to_string())?, users)
            }
            Kind::Raw => {
                let raw = Raw::new(users)?;
                let session = match mode {
                    Mode::FinaticLatency => Some(raw.finatic_session(0).await?),
                    _ => None,
                };
                Contender::Raw(raw, session)
            }
        })
    }

    /// One call; the number of items it returned.
    async fn call(&self, mode: Mode, i: usize) -> Result<usize, String> {
        match self {
            Contender::Brokerlink(client, users) => match mode {
                Mode::Latency | Mode::Bulk => client.connections(&snaptrade_user(users, i)).await.map(|c| c.len()),
                Mode::Portal => client
                    .portal_url(&snaptrade_user(users, i), &PortalOptions::default())
                    .await
                    .map(|link| usize::from(!link.url.is_empty())),
                Mode::FinaticLatency | Mode::FinaticBulk => client
                    .accounts(&UserCredentials::id_only(users.finatic[i].user_id.clone()))
                    .await
                    .map(|a| a.len()),
                Mode::Positions => client
                    .positions(&snaptrade_user(users, i), &users.snaptrade[i].account_id)
                    .await
                    .map(|p| p.len()),
                Mode::Activities => {
                    let h = &users.history;
                    let user = UserCredentials::new(h.user_id.clone(), h.user_secret.as_str());
                    client
                        .activities(&user, &h.account_id, &ActivityQuery::default())
                        .await
                        .map(|rows| rows.len())
                }
            }
            .map_err(|e| e.to_string()),
            Contender::Raw(raw, session) => match (mode, session) {
                (Mode::Latency | Mode::Bulk, _) => raw.connections(i).await,
                (Mode::Portal, _) => raw.portal(i).await,
                (Mode::FinaticLatency, Some(session)) => raw.finatic_accounts(session).await,
                (Mode::FinaticLatency | Mode::FinaticBulk, _) => {
                    raw.finatic_accounts(&raw.finatic_session(i).await?).await
                }
                (Mode::Activities, _) => raw.activities().await,
                (Mode::Positions, _) => Err("the floor does not read positions".into()),
            },
        }
    }
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    if args.handoff {
        return handed_off(args);
    }
    // Sequential calls run best with everything on one thread (no wake-ups between threads,
    // which cost tens of microseconds on small VMs); concurrent ones want every core.
    let runtime = match args.mode {
        Mode::Latency | Mode::FinaticLatency => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    }
    .map_err(|e| e.to_string())?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let users = UsersFile::load(&args.users)?;
    let count = match args.mode {
        Mode::Latency | Mode::FinaticLatency => None,
        Mode::Bulk | Mode::Portal => Some(users.snaptrade.len()),
        Mode::FinaticBulk => Some(users.finatic.len()),
        Mode::Positions => Some(users.snaptrade.len()),
        // Sequential full reads; the one untimed read warms up as in the bulk modes.
        Mode::Activities => Some(args.calls),
    };
    let concurrency = if args.mode == Mode::Activities {
        1
    } else {
        args.concurrency
    };
    let mode = args.mode;
    let contender = Arc::new(Contender::new(args.contender, mode, users).await?);
    let call = move |i: usize| {
        let contender = contender.clone();
        async move { contender.call(mode, i).await }
    };
    let outcome = match count {
        // Warm up (connection, lazy setup), then time sequential calls for user 0.
        None => {
            drive(1, args.warmup, {
                let call = call.clone();
                move |_| call(0)
            })
            .await;
            drive(1, args.calls, move |_| call(0)).await
        }
        // One untimed call first, as in every language; then every user, N in flight.
        Some(count) => {
            call(0).await?;
            drive(concurrency, count, call).await
        }
    };
    println!("{}", report(&outcome));
    Ok(())
}

/// The `--handoff` latency run: sequential calls from this (non-runtime) thread, each spawned on
/// a multi-thread runtime, the thread sleeping until the answer is handed back.
fn handed_off(args: Args) -> Result<(), String> {
    if !matches!(args.mode, Mode::Latency | Mode::FinaticLatency) {
        return Err("--handoff is for the latency modes".into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let users = UsersFile::load(&args.users)?;
    let (mode, contender) = (
        args.mode,
        Arc::new(runtime.block_on(Contender::new(args.contender, args.mode, users))?),
    );
    let one_call = || {
        let answer = Arc::new((std::sync::Mutex::new(None), std::sync::Condvar::new()));
        let (contender, handed) = (contender.clone(), answer.clone());
        runtime.spawn(async move {
            let result = contender.call(mode, 0).await;
            let (slot, ready) = &*handed;
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            ready.notify_one();
        });
        let (slot, ready) = &*answer;
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match slot.take() {
                Some(result) => return result,
                None => slot = ready.wait(slot).unwrap_or_else(|p| p.into_inner()),
            }
        }
    };
    for _ in 0..args.warmup {
        one_call()?;
    }
    let mut outcome = Outcome::default();
    let (started, cpu_before) = (std::time::Instant::now(), brokerlink_bench::cpu_ms());
    for _ in 0..args.calls {
        let sent = std::time::Instant::now();
        let result = one_call();
        outcome.latencies_us.push(sent.elapsed().as_micros() as u64);
        match result {
            Ok(items) => outcome.items += items as u64,
            Err(e) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert(e);
            }
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.cpu_ms = brokerlink_bench::cpu_ms() - cpu_before;
    println!("{}", report(&outcome));
    Ok(())
}
