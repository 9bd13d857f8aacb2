//! Prepares the users every contender reads: SnapTrade users each with one active connection
//! (register → portal link → the sandbox's headless portal login), and Finatic users (session →
//! portal link → login → session user). Writes them, with the sandbox's credentials, as JSON.

use brokerlink::{Client, PortalOptions, UserCredentials};
use brokerlink_bench::{drive, FinaticUser, HistoryUser, SnapTradeUser, UsersFile};
use clap::Parser;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long)]
    client_id: String,
    #[arg(long)]
    consumer_key: String,
    #[arg(long)]
    api_key: String,
    #[arg(long, default_value_t = 1000)]
    snaptrade_users: usize,
    #[arg(long, default_value_t = 1000)]
    finatic_users: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How many activities the sandbox gives `user_history` (its `--history-activities`).
    #[arg(long)]
    history_activities: usize,
    #[arg(long)]
    out: String,
}

/// Logs in on a portal link through the sandbox's admin API; returns its JSON answer.
async fn complete(http: &reqwest::Client, base: &str, link: &str, username: &str) -> Result<Value, String> {
    let answer: Value = http
        .post(format!("{base}/_sandbox/portal/complete"))
        .json(&json!({ "url": link, "username": username, "password": "pass_good" }))
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?
        .json()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if answer["status"] != "SUCCESS" {
        return Err(format!("portal login failed: {answer}"));
    }
    Ok(answer)
}

/// The prepared users, in index order.
fn take<T>(slots: &Mutex<Vec<Option<T>>>) -> Vec<T> {
    std::mem::take(&mut *slots.lock().unwrap_or_else(|p| p.into_inner()))
        .into_iter()
        .flatten()
        .collect()
}

fn text(answer: &Value, key: &str) -> String {
    answer[key].as_str().unwrap_or_default().to_owned()
}

/// The `user_history` login's one account, connected for a SnapTrade user of its own.
async fn history_user(
    client: &Client,
    http: &reqwest::Client,
    base: &str,
    activities: usize,
) -> Result<HistoryUser, String> {
    let user = client.register_user("bench-history").await.map_err(|e| e.to_string())?;
    let link = client
        .portal_url(&user, &PortalOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    complete(http, base, &link.url, "user_history").await?;
    let accounts = client.accounts(&user).await.map_err(|e| e.to_string())?;
    Ok(HistoryUser {
        account_id: accounts.first().ok_or("user_history has no account")?.id.clone(),
        user_secret: user
            .user_secret
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_default(),
        user_id: user.user_id,
        activities,
    })
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let snaptrade = Client::builder()
        .snaptrade(&args.client_id, args.consumer_key.as_str())
        .base_url(&base)
        .build()
        .map_err(|e| e.to_string())?;
    let finatic = Client::builder()
        .finatic(args.api_key.as_str())
        .base_url(&base)
        .build()
        .map_err(|e| e.to_string())?;

    let st_users = Arc::new(Mutex::new(vec![None; args.snaptrade_users]));
    let (client, http_, base_, slots) = (snaptrade.clone(), http.clone(), base.clone(), st_users.clone());
    let outcome = drive(args.concurrency, args.snaptrade_users, move |i| {
        let (client, http, base, slots) = (client.clone(), http_.clone(), base_.clone(), slots.clone());
        async move {
            let user = client
                .register_user(&format!("bench-st-{i:05}"))
                .await
                .map_err(|e| e.to_string())?;
            let link = client
                .portal_url(&user, &PortalOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            let done = complete(&http, &base, &link.url, "user_good").await?;
            let accounts = client.accounts(&user).await.map_err(|e| e.to_string())?;
            let account_id = accounts.first().ok_or("the connection has no accounts")?.id.clone();
            let secret = user
                .user_secret
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default();
            slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(SnapTradeUser {
                user_id: user.user_id,
                user_secret: secret,
                connection_id: text(&done, "connection_id"),
                account_id,
            });
            Ok(1)
        }
    })
    .await;
    if outcome.errors > 0 {
        return Err(format!(
            "SnapTrade users: {} failed, first: {:?}",
            outcome.errors, outcome.first_error
        ));
    }

    let fin_users = Arc::new(Mutex::new(vec![None; args.finatic_users]));
    let (client, http_, base_, slots) = (finatic.clone(), http.clone(), base.clone(), fin_users.clone());
    let outcome = drive(args.concurrency, args.finatic_users, move |i| {
        let (client, http, base, slots) = (client.clone(), http_.clone(), base_.clone(), slots.clone());
        async move {
            let session = client.start_session(None).await.map_err(|e| e.to_string())?;
            let link = client
                .session_portal_url(&session, &PortalOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            let done = complete(&http, &base, &link.url, "user_good").await?;
            let user: UserCredentials = client.session_user(&session).await.map_err(|e| e.to_string())?;
            slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(FinaticUser {
                user_id: user.user_id,
                connection_id: text(&done, "connection_id"),
            });
            Ok(1)
        }
    })
    .await;
    if outcome.errors > 0 {
        return Err(format!(
            "Finatic users: {} failed, first: {:?}",
            outcome.errors, outcome.first_error
        ));
    }

    let history = history_user(&snaptrade, &http, &base, args.history_activities).await?;
    let file = UsersFile {
        base_url: base,
        client_id: args.client_id,
        consumer_key: args.consumer_key,
        api_key: args.api_key,
        snaptrade: take(&st_users),
        finatic: take(&fin_users),
        history,
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text).map_err(|e| format!("{}: {e}", args.out))?;
    eprintln!(
        "prepared {} SnapTrade and {} Finatic users in {}",
        file.snaptrade.len(),
        file.finatic.len(),
        args.out
    );
    Ok(())
}
