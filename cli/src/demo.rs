//! `brokerlink demo`: the whole product flow against an in-process sandbox, for either
//! provider.

use crate::table;
use brokerlink::{Client, PortalLink, PortalOptions, PortalResult, UserCredentials, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Aggregator protocol to demonstrate.
    #[arg(long, default_value = "snaptrade", value_parser = ["snaptrade", "finatic"])]
    provider: String,
    /// Test login to use on the portal (see the sandbox's test credentials).
    #[arg(long, default_value = "user_good")]
    username: String,
    /// Use this running sandbox (e.g. one `brokerlink listen` watches) instead of an
    /// embedded one; credentials from BROKERLINK_CLIENT_ID / _CONSUMER_KEY / _API_KEY.
    #[arg(long)]
    base_url: Option<String>,
}

/// The embedded sandbox, or a running one driven through its admin API.
enum Target {
    Embedded(Sandbox),
    Running { url: String, http: reqwest::Client },
}

impl Target {
    fn url(&self) -> &str {
        match self {
            Target::Embedded(sandbox) => sandbox.url(),
            Target::Running { url, .. } => url,
        }
    }

    fn builder(&self, finatic: bool) -> Result<brokerlink::ClientBuilder, String> {
        let env = |name: &str| std::env::var(name).map_err(|_| format!("{name} is required with --base-url"));
        Ok(match (self, finatic) {
            (Target::Embedded(s), true) => Client::builder().finatic(s.api_key()),
            (Target::Embedded(s), false) => Client::builder().snaptrade(s.client_id(), s.consumer_key()),
            (Target::Running { .. }, true) => Client::builder().finatic(env("BROKERLINK_API_KEY")?),
            (Target::Running { .. }, false) => {
                Client::builder().snaptrade(env("BROKERLINK_CLIENT_ID")?, env("BROKERLINK_CONSUMER_KEY")?)
            }
        }
        .base_url(self.url()))
    }

    /// What a person would do on the portal page, done headlessly.
    async fn complete(&self, link: &PortalLink, username: &str) -> Result<PortalResult, String> {
        let request = CompletePortal {
            url: link.url.clone(),
            username: username.to_owned(),
            password: if username == "user_locked" { "any" } else { "pass_good" }.into(),
            mfa_code: Some(brokerlink_sandbox::MFA_CODE.into()),
            broker: None,
            connection_type: None,
        };
        match self {
            Target::Embedded(sandbox) => Ok(sandbox.complete_portal(&request)),
            Target::Running { url, http } => {
                let body = serde_json::json!({
                    "url": request.url, "username": request.username,
                    "password": request.password, "mfa_code": request.mfa_code,
                });
                let answer: serde_json::Value = http
                    .post(format!("{url}/_sandbox/portal/complete"))
                    .json(&body)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| format!("the sandbox's admin API failed: {}", e.without_url()))?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                let text = |k: &str| answer[k].as_str().map(str::to_owned);
                Ok(match answer["status"].as_str() {
                    Some("SUCCESS") => PortalResult::Success {
                        connection_id: text("connection_id"),
                        user_id: text("user_id"),
                    },
                    _ => PortalResult::Error {
                        code: text("error_code").unwrap_or_default(),
                        message: text("detail"),
                        status_code: answer["status_code"].as_u64().and_then(|n| u16::try_from(n).ok()),
                    },
                })
            }
        }
    }
}

fn e(error: brokerlink::Error) -> String {
    error.to_string()
}

pub async fn run(args: DemoArgs) -> Result<(), String> {
    let target = match &args.base_url {
        Some(url) => Target::Running {
            url: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(|e| e.to_string())?,
        },
        None => Target::Embedded(
            Sandbox::start(SandboxConfig::default())
                .await
                .map_err(|e| format!("could not start the sandbox: {e}"))?,
        ),
    };
    say!("sandbox   {} ({} protocol)", target.url(), args.provider);
    let since = chrono::Utc::now();
    let finatic = args.provider == "finatic";
    let client = target.builder(finatic)?.build().map_err(e)?;

    // SnapTrade: the app registers its user first. Finatic: a session starts from a
    // one-time token, and the user id comes out of the portal login.
    let (link, who) = if finatic {
        let session = client.start_session(None).await.map_err(e)?;
        say!(
            "session   started, {} (one-time token minted and spent; the id stays hidden)",
            session.status.as_str()
        );
        let link = client
            .session_portal_url(&session, &PortalOptions::default())
            .await
            .map_err(e)?;
        (link, Who::Session(session))
    } else {
        let user_id = format!("demo-user-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let user = client.register_user(&user_id).await.map_err(e)?;
        say!(
            "user      {} registered (secret kept, shown as {:?})",
            user.user_id,
            user.user_secret
        );
        let link = client.portal_url(&user, &PortalOptions::default()).await.map_err(e)?;
        (link, Who::Registered(user))
    };
    print_link(&link);
    match target.complete(&link, &args.username).await? {
        PortalResult::Success { connection_id, .. } => say!(
            "completed portal as {} → connection {}",
            args.username,
            connection_id.as_deref().unwrap_or("?")
        ),
        other => return Err(format!("the portal reported {other:?}")),
    }
    let user = match who {
        Who::Registered(user) => user,
        Who::Session(session) => {
            let user = client.session_user(&session).await.map_err(e)?;
            say!("user id   {} (save it: it names this user from now on)", user.user_id);
            user
        }
    };

    let wait = WaitOptions {
        timeout: Duration::from_secs(30),
        poll_interval: Duration::from_millis(200),
        since: Some(since),
        ..WaitOptions::default()
    };
    let connection = client.wait_for_connection(&user, &wait).await.map_err(e)?;
    say!(
        "waited    {} is {}\n",
        connection.broker.name,
        connection.status.as_str()
    );

    let connections = client.connections(&user).await.map_err(e)?;
    say!("{}\n", table::connections(&connections));
    let accounts = client.accounts(&user).await.map_err(e)?;
    say!("{}", table::accounts(&accounts));
    if let Some(first) = accounts.first() {
        let positions = client.positions(&user, &first.id).await.map_err(e)?;
        say!(
            "\n{}\n{}",
            first.name.as_deref().unwrap_or(&first.id),
            table::positions(&positions)
        );
    }
    if let Target::Embedded(sandbox) = target {
        sandbox.shutdown().await;
    }
    Ok(())
}

fn print_link(link: &PortalLink) {
    // The link logs the user in and names the portal session: shown with both hidden.
    say!("portal    {}", brokerlink::redact_link(&link.url));
    say!("          expires {}", link.expires_at.format("%H:%M:%S UTC"));
}

/// How the demo knows its end user: registered up front, or learned from the session.
enum Who {
    Registered(UserCredentials),
    Session(brokerlink::Session),
}
