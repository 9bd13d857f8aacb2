//! `brokerlink listen`: the local webhook loop. Registers with a running sandbox, verifies
//! every delivery, prints one line per event, and optionally forwards the raw request to the
//! app's own handler (whose status the sandbox then sees, so its retries are real).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use brokerlink::{verify_webhook, Secret, WebhookEvent, WebhookOptions};
use clap::Args;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The running sandbox to register with.
    #[arg(long, env = "BROKERLINK_BASE_URL", default_value = "http://127.0.0.1:7878")]
    sandbox_url: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Also send each raw delivery to this URL (your handler); its status is what the sandbox sees.
    #[arg(long)]
    forward_to: Option<String>,
    /// Only this provider's events: snaptrade or finatic.
    #[arg(long, value_parser = ["snaptrade", "finatic"])]
    provider: Option<String>,
    /// Only these event types (repeat the flag).
    #[arg(long = "event")]
    events: Vec<String>,
}

struct Listener {
    secrets: Vec<Secret>,
    forward_to: Option<String>,
    http: reqwest::Client,
}

pub async fn run(args: ListenArgs) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let socket = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| format!("could not listen: {e}"))?;
    let address = socket.local_addr().map_err(|e| e.to_string())?;
    let admin = format!("{}/_sandbox/webhooks", args.sandbox_url.trim_end_matches('/'));
    let mut registration = json!({ "url": format!("http://{address}/") });
    if let Some(provider) = &args.provider {
        registration["provider"] = json!(provider);
    }
    if !args.events.is_empty() {
        registration["event_types"] = json!(args.events);
    }
    let answer: Value = http
        .post(&admin)
        .json(&registration)
        .send()
        .await
        .map_err(|e| {
            format!(
                "could not reach the sandbox at {}: {}",
                args.sandbox_url,
                e.without_url()
            )
        })?
        .json()
        .await
        .map_err(|e| format!("unexpected answer from the sandbox: {e}"))?;
    let (Some(id), Some(secret)) = (answer["id"].as_str(), answer["secret"].as_str()) else {
        return Err(format!("the sandbox refused the registration: {answer}"));
    };
    say!(
        "listening on http://{address} for webhooks from {} (endpoint {id})",
        args.sandbox_url
    );
    if let Some(target) = &args.forward_to {
        say!("forwarding each delivery to {target}");
    }
    // The endpoint's whsec secret verifies every delivery; SnapTrade's own Signature also
    // verifies when the consumer key is at hand.
    let mut secrets = vec![Secret::new(secret)];
    if let Ok(key) = std::env::var("BROKERLINK_CONSUMER_KEY") {
        secrets.push(Secret::new(key));
    }
    let state = Arc::new(Listener {
        secrets,
        forward_to: args.forward_to,
        http: http.clone(),
    });
    let app = Router::new().route("/", post(receive)).with_state(state);
    let server = axum::serve(socket, app).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let outcome = server.await.map_err(|e| e.to_string());
    let _ = http.delete(format!("{admin}/{id}")).send().await;
    outcome
}

async fn receive(State(listener): State<Arc<Listener>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let verified = verify_webhook(
        &body,
        pairs.iter().map(|(k, v)| (k, v)),
        &listener.secrets,
        &WebhookOptions::default(),
    );
    let now = chrono::Utc::now().format("%H:%M:%S");
    match &verified {
        Ok(event) => say!("{now}  {}  verified", describe(event)),
        Err(e) => say!("{now}  rejected: {} ({})", e.reason().unwrap_or("invalid"), e.message()),
    }
    let mut status = if verified.is_ok() {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::BAD_REQUEST
    };
    if let Some(target) = &listener.forward_to {
        let mut request = listener.http.post(target).body(body.clone());
        for (name, value) in &pairs {
            if !matches!(name.as_str(), "host" | "content-length") {
                request = request.header(name, value);
            }
        }
        match request.send().await {
            Ok(response) => {
                status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                say!("          → {target} answered {}", status.as_u16());
            }
            Err(e) => {
                status = StatusCode::BAD_GATEWAY;
                say!("          → {target} failed: {}", e.without_url());
            }
        }
    }
    status
}

fn describe(event: &WebhookEvent) -> String {
    let mut line = format!("{:<26}", event.event_type);
    for (label, value) in [
        ("user", &event.user_id),
        ("connection", &event.connection_id),
        ("account", &event.account_id),
        ("result", &event.result),
    ] {
        if let Some(value) = value {
            line.push_str(&format!(" {label}={value}"));
        }
    }
    line.push_str(&format!(" id={}", event.id));
    line
}
