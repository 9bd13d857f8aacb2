//! `brokerlink demo`: the whole product flow against an in-process sandbox.

use crate::table;
use brokerlink::{Client, PortalOptions, PortalResult, WaitOptions};
use brokerlink_sandbox::{CompletePortal, Sandbox, SandboxConfig};
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Aggregator protocol to demonstrate.
    #[arg(long, default_value = "snaptrade", value_parser = ["snaptrade"])]
    provider: String,
    /// Test login to use on the portal (see the sandbox's test credentials).
    #[arg(long, default_value = "user_good")]
    username: String,
}

pub async fn run(args: DemoArgs) -> Result<(), String> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    println!("sandbox   {} ({} protocol)", sandbox.url(), args.provider);
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .map_err(|e| e.to_string())?;

    let user_id = format!("demo-user-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let user = client.register_user(&user_id).await.map_err(|e| e.to_string())?;
    println!(
        "user      {} registered (secret kept, shown as {:?})",
        user.user_id, user.user_secret
    );

    let since = chrono::Utc::now();
    let link = client
        .portal_url(&user, &PortalOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("portal    {}", link.url);
    println!("          expires {}", link.expires_at.format("%H:%M:%S UTC"));

    let password = if args.username == "user_locked" {
        "any"
    } else {
        "pass_good"
    };
    let result = sandbox.complete_portal(&CompletePortal {
        url: link.url.clone(),
        username: args.username.clone(),
        password: password.into(),
        mfa_code: Some(brokerlink_sandbox::MFA_CODE.into()),
        broker: None,
        connection_type: None,
    });
    match &result {
        PortalResult::Success { connection_id, .. } => {
            println!(
                "completed portal as {} → connection {}",
                args.username,
                connection_id.as_deref().unwrap_or("?")
            )
        }
        other => return Err(format!("the portal reported {other:?}")),
    }

    let wait = WaitOptions {
        timeout: Duration::from_secs(30),
        poll_interval: Duration::from_millis(200),
        since: Some(since),
        ..WaitOptions::default()
    };
    let connection = client
        .wait_for_connection(&user, &wait)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "waited    {} is {}\n",
        connection.broker.name,
        connection.status.as_str()
    );

    let connections = client.connections(&user).await.map_err(|e| e.to_string())?;
    println!("{}\n", table::connections(&connections));
    let accounts = client.accounts(&user).await.map_err(|e| e.to_string())?;
    println!("{}", table::accounts(&accounts));
    sandbox.shutdown().await;
    Ok(())
}
