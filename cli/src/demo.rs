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
}

fn e(error: brokerlink::Error) -> String {
    error.to_string()
}

pub async fn run(args: DemoArgs) -> Result<(), String> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    println!("sandbox   {} ({} protocol)", sandbox.url(), args.provider);
    let since = chrono::Utc::now();
    let finatic = args.provider == "finatic";
    let builder = if finatic {
        Client::builder().finatic(sandbox.api_key())
    } else {
        Client::builder().snaptrade(sandbox.client_id(), sandbox.consumer_key())
    };
    let client = builder.base_url(sandbox.url()).build().map_err(e)?;

    // SnapTrade: the app registers its user first. Finatic: a session starts from a
    // one-time token, and the user id comes out of the portal login.
    let (link, who) = if finatic {
        let session = client.start_session(None).await.map_err(e)?;
        println!(
            "session   {} is {} (one-time token minted and spent)",
            session.id,
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
        println!(
            "user      {} registered (secret kept, shown as {:?})",
            user.user_id, user.user_secret
        );
        let link = client.portal_url(&user, &PortalOptions::default()).await.map_err(e)?;
        (link, Who::Registered(user))
    };
    print_link(&link);
    match complete(&sandbox, &link, &args.username) {
        PortalResult::Success { connection_id, .. } => println!(
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
            println!("user id   {} (save it: it names this user from now on)", user.user_id);
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
    println!(
        "waited    {} is {}\n",
        connection.broker.name,
        connection.status.as_str()
    );

    let connections = client.connections(&user).await.map_err(e)?;
    println!("{}\n", table::connections(&connections));
    let accounts = client.accounts(&user).await.map_err(e)?;
    println!("{}", table::accounts(&accounts));
    sandbox.shutdown().await;
    Ok(())
}

fn print_link(link: &PortalLink) {
    println!("portal    {}", link.url);
    println!("          expires {}", link.expires_at.format("%H:%M:%S UTC"));
}

/// What a person would do on the portal page, done headlessly.
fn complete(sandbox: &Sandbox, link: &PortalLink, username: &str) -> PortalResult {
    let password = if username == "user_locked" { "any" } else { "pass_good" };
    sandbox.complete_portal(&CompletePortal {
        url: link.url.clone(),
        username: username.to_owned(),
        password: password.into(),
        mfa_code: Some(brokerlink_sandbox::MFA_CODE.into()),
        broker: None,
        connection_type: None,
    })
}

/// How the demo knows its end user: registered up front, or learned from the session.
enum Who {
    Registered(UserCredentials),
    Session(brokerlink::Session),
}
