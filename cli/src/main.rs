//! The `brokerlink` command: run the sandbox, run the demo, or call an aggregator.

/// `println!` for output that may go to a closed pipe (`brokerlink demo | head`): a reader
/// that stopped listening ends the program quietly instead of with a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod demo;
mod listen;
mod table;

use brokerlink::{Client, ConnectionType, PortalMode, PortalOptions, Secret, UserCredentials};
use brokerlink_sandbox::{Sandbox, SandboxConfig};
use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

// The sandbox allocates on every request (JSON values, headers, query pairs): under load glibc's
// malloc was about a sixth of its CPU (perf, issue 10); mimalloc is much cheaper there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "brokerlink",
    version,
    about = "Connect brokerage accounts through an aggregator's portal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the local sandbox server until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Run the whole flow against an in-process sandbox: user, portal, connection, accounts.
    Demo(demo::DemoArgs),
    /// Print a connection-portal link for a user.
    PortalUrl(PortalUrlArgs),
    /// List a user's connections and accounts.
    Connections(ConnectionsArgs),
    /// Receive a running sandbox's webhooks: verify, print, optionally forward.
    Listen(listen::ListenArgs),
    /// List the positions of one account, or of every account of the user.
    Positions(PositionsArgs),
    /// List an account's activities, newest first, page by page as they arrive.
    Activities(ActivitiesArgs),
}

#[derive(Args, Debug)]
struct SandboxArgs {
    #[arg(long, env = "BROKERLINK_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    #[arg(long, env = "BROKERLINK_SANDBOX_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, env = "BROKERLINK_SANDBOX_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    #[arg(long, env = "BROKERLINK_SANDBOX_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The OAuth app registered with the sandbox's authorization server.
    #[arg(long, env = "BROKERLINK_SANDBOX_OAUTH_CLIENT_ID")]
    oauth_client_id: Option<String>,
    #[arg(long, env = "BROKERLINK_SANDBOX_OAUTH_CLIENT_SECRET", hide_env_values = true)]
    oauth_client_secret: Option<String>,
    /// The SnapTrade Personal API key's client id (the key acts as its own user).
    #[arg(long, env = "BROKERLINK_SANDBOX_PERSONAL_CLIENT_ID")]
    personal_client_id: Option<String>,
    #[arg(long, env = "BROKERLINK_SANDBOX_PERSONAL_CONSUMER_KEY", hide_env_values = true)]
    personal_consumer_key: Option<String>,
    /// Requests per minute per client id; 0 turns limiting off.
    #[arg(long, env = "BROKERLINK_SANDBOX_RATE_LIMIT", default_value_t = brokerlink_sandbox::DEFAULT_RATE_LIMIT_PER_MINUTE)]
    rate_limit: u32,
    /// Data calls per minute per account (SnapTrade's account-level bucket; 0, the default,
    /// turns it off, as for Commercial keys).
    #[arg(long, env = "BROKERLINK_SANDBOX_ACCOUNT_RATE_LIMIT", default_value_t = 0)]
    account_rate_limit: u32,
    /// Seconds a `user_pending` connection stays pending.
    #[arg(long, env = "BROKERLINK_SANDBOX_PENDING_SECONDS")]
    pending_seconds: Option<f64>,
    /// Seconds a `user_expiring` connection stays active before it breaks.
    #[arg(long, env = "BROKERLINK_SANDBOX_EXPIRING_SECONDS")]
    expiring_seconds: Option<f64>,
    /// How many activities `user_history`'s account has.
    #[arg(long, env = "BROKERLINK_SANDBOX_HISTORY_ACTIVITIES")]
    history_activities: Option<usize>,
}

/// Where the aggregator is and who is calling.
#[derive(Args, Debug)]
struct Target {
    /// snaptrade or finatic
    #[arg(long, env = "BROKERLINK_PROVIDER", default_value = "snaptrade", value_parser = ["snaptrade", "finatic"])]
    provider: String,
    /// API root, e.g. a sandbox's http://127.0.0.1:PORT.
    #[arg(long, env = "BROKERLINK_BASE_URL")]
    base_url: Option<String>,
    #[arg(long, env = "BROKERLINK_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, env = "BROKERLINK_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<Secret>,
    /// Finatic company API key.
    #[arg(long, env = "BROKERLINK_API_KEY", hide_env_values = true)]
    api_key: Option<Secret>,
    /// SnapTrade: the user you registered. Finatic: a saved Finatic user id (omit for a new user).
    #[arg(long)]
    user_id: Option<String>,
    /// Prefer the environment variable: flags are visible to other local users.
    #[arg(long, env = "BROKERLINK_USER_SECRET", hide_env_values = true)]
    user_secret: Option<Secret>,
}

fn required<'a, T>(value: &'a Option<T>, what: &str) -> Result<&'a T, String> {
    value.as_ref().ok_or_else(|| format!("{what} is required"))
}

impl Target {
    fn client(&self) -> Result<Client, String> {
        let mut builder = if self.provider == "finatic" {
            Client::builder().finatic(required(&self.api_key, "BROKERLINK_API_KEY (or --api-key)")?.clone())
        } else {
            let client_id = required(&self.client_id, "BROKERLINK_CLIENT_ID (or --client-id)")?;
            let key = required(&self.consumer_key, "BROKERLINK_CONSUMER_KEY (or --consumer-key)")?;
            Client::builder().snaptrade(client_id.as_str(), key.clone())
        };
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        builder.build().map_err(s)
    }

    fn user(&self) -> Result<UserCredentials, String> {
        let user_id = required(&self.user_id, "--user-id")?;
        Ok(match &self.user_secret {
            Some(secret) => UserCredentials::new(user_id.as_str(), secret.clone()),
            None => UserCredentials::id_only(user_id.as_str()),
        })
    }
}

#[derive(Args, Debug)]
struct PortalUrlArgs {
    #[command(flatten)]
    target: Target,
    #[arg(long)]
    broker: Option<String>,
    /// read, trade or trade-if-available
    #[arg(long)]
    connection_type: Option<String>,
    /// light or dark
    #[arg(long)]
    mode: Option<String>,
    #[arg(long)]
    locale: Option<String>,
    #[arg(long)]
    redirect_url: Option<String>,
    #[arg(long)]
    immediate_redirect: bool,
    /// Id of a disabled connection to repair.
    #[arg(long)]
    reconnect: Option<String>,
    #[arg(long)]
    hide_close_button: bool,
    /// Finatic: offer only these brokers (repeat the flag).
    #[arg(long = "only-broker")]
    brokers: Vec<String>,
    /// Finatic: prefill the portal's email field.
    #[arg(long)]
    email: Option<String>,
}

#[derive(Args, Debug)]
struct ConnectionsArgs {
    #[command(flatten)]
    target: Target,
    /// Skip the accounts table.
    #[arg(long)]
    no_accounts: bool,
}

#[derive(Args, Debug)]
struct PositionsArgs {
    #[command(flatten)]
    target: Target,
    /// One account; without it, every account of the user.
    #[arg(long)]
    account_id: Option<String>,
}

#[derive(Args, Debug)]
struct ActivitiesArgs {
    #[command(flatten)]
    target: Target,
    #[arg(long)]
    account_id: String,
    /// The first trade date to show (YYYY-MM-DD).
    #[arg(long)]
    since: Option<brokerlink::NaiveDate>,
    /// The last trade date to show (YYYY-MM-DD).
    #[arg(long)]
    until: Option<brokerlink::NaiveDate>,
    /// Activities per request (1 to 1,000).
    #[arg(long)]
    page_size: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("could not start the async runtime: {e}")),
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Sandbox(args) => run_sandbox(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::PortalUrl(args) => portal_url(args).await,
            Command::Connections(args) => connections(args).await,
            Command::Listen(args) => listen::run(args).await,
            Command::Positions(args) => positions(args).await,
            Command::Activities(args) => activities(args).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

async fn run_sandbox(args: SandboxArgs) -> Result<(), String> {
    let mut config = SandboxConfig {
        port: args.port,
        rate_limit_per_minute: args.rate_limit,
        account_rate_limit_per_minute: args.account_rate_limit,
        ..SandboxConfig::default()
    };
    if let Some(v) = args.client_id {
        config.client_id = v;
    }
    if let Some(v) = args.consumer_key {
        config.consumer_key = v;
    }
    if let Some(v) = args.api_key {
        config.api_key = v;
    }
    if let Some(v) = args.oauth_client_id {
        config.oauth_client_id = v;
    }
    if let Some(v) = args.oauth_client_secret {
        config.oauth_client_secret = v;
    }
    if let Some(v) = args.personal_client_id {
        config.personal_client_id = v;
    }
    if let Some(v) = args.personal_consumer_key {
        config.personal_consumer_key = v;
    }
    if let Some(v) = args.pending_seconds {
        config.pending_activation = seconds("--pending-seconds", v)?;
    }
    if let Some(v) = args.expiring_seconds {
        config.expiring_after = seconds("--expiring-seconds", v)?;
    }
    if let Some(v) = args.history_activities {
        config.history_activities = v;
    }
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    let stop = stop_signal();
    // Other tools parse these lines (docs/design.md §6): keep them exactly so.
    say!("brokerlink sandbox listening on {}", sandbox.url());
    say!("client_id={}", sandbox.client_id());
    say!("consumer_key={}", sandbox.consumer_key());
    say!("api_key={}", sandbox.api_key());
    say!("oauth_client_id={}", sandbox.oauth_client_id());
    say!("oauth_client_secret={}", sandbox.oauth_client_secret());
    say!("personal_client_id={}", sandbox.personal_client_id());
    say!("personal_consumer_key={}", sandbox.personal_consumer_key());
    stop.await;
    eprintln!("stopping");
    sandbox.shutdown().await;
    Ok(())
}

fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("{flag} must be a non-negative number of seconds"))
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when it
/// is first polled: a tool that reads the contract lines and signals at once must not meet the
/// default action (death by signal) in between.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        if let (Some(mut int), Some(mut term)) = handlers {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn portal_url(args: PortalUrlArgs) -> Result<(), String> {
    let options = PortalOptions {
        broker: args.broker,
        connection_type: args
            .connection_type
            .as_deref()
            .map(ConnectionType::parse)
            .transpose()
            .map_err(s)?,
        mode: args.mode.as_deref().map(PortalMode::parse).transpose().map_err(s)?,
        locale: args.locale,
        redirect_url: args.redirect_url,
        immediate_redirect: args.immediate_redirect.then_some(true),
        reconnect: args.reconnect,
        show_close_button: args.hide_close_button.then_some(false),
        brokers: args.brokers,
        email: args.email,
        ..PortalOptions::default()
    };
    let client = args.target.client()?;
    let link = if args.target.provider == "finatic" && args.target.user_id.is_none() {
        // A new Finatic user: the portal login creates them. The session id authorises calls
        // on its own, so it is never printed.
        let session = client.start_session(None).await.map_err(s)?;
        eprintln!("session started for a new user (id hidden: it is a credential)");
        client.session_portal_url(&session, &options).await.map_err(s)?
    } else {
        client.portal_url(&args.target.user()?, &options).await.map_err(s)?
    };
    say!("{}", link.url);
    eprintln!(
        "portal session *** · expires {}",
        link.expires_at.format("%H:%M:%S UTC")
    );
    Ok(())
}

async fn connections(args: ConnectionsArgs) -> Result<(), String> {
    let client = args.target.client()?;
    let user = args.target.user()?;
    let connections = client.connections(&user).await.map_err(s)?;
    say!("{}", table::connections(&connections));
    if !args.no_accounts {
        let accounts = client.accounts(&user).await.map_err(s)?;
        say!("\n{}", table::accounts(&accounts));
    }
    Ok(())
}

async fn positions(args: PositionsArgs) -> Result<(), String> {
    let client = args.target.client()?;
    let user = args.target.user()?;
    let accounts = match args.account_id {
        Some(id) => vec![client.account(&user, &id).await.map_err(s)?],
        None => client.accounts(&user).await.map_err(s)?,
    };
    for (n, account) in accounts.iter().enumerate() {
        let positions = client.positions(&user, &account.id).await.map_err(s)?;
        let name = account.name.as_deref().unwrap_or(&account.id);
        say!(
            "{}{name}\n{}",
            if n > 0 { "\n" } else { "" },
            table::positions(&positions)
        );
    }
    Ok(())
}

async fn activities(args: ActivitiesArgs) -> Result<(), String> {
    let client = args.target.client()?;
    let user = args.target.user()?;
    let query = brokerlink::ActivityQuery {
        start: args.since,
        end: args.until,
        page_size: args.page_size,
    };
    let mut pages = client.activity_pages(&user, &args.account_id, &query).map_err(s)?;
    let mut shown = 0;
    while let Some(page) = pages.next().await.map_err(s)? {
        // A table per page: a long history starts printing at once.
        say!("{}{}", if shown > 0 { "\n" } else { "" }, table::activities(&page));
        shown += page.len();
    }
    if shown == 0 {
        say!("{}", table::activities(&[]));
    }
    eprintln!("{shown} activities");
    Ok(())
}

fn s(error: brokerlink::Error) -> String {
    error.to_string()
}
