//! The scenario format of docs/design.md §7, shared by every language's runner.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_provider")]
    pub provider: String,
    #[serde(default)]
    pub sandbox: SandboxSettings,
    /// Extra clients by name; `default` is built from the sandbox's credentials.
    #[serde(default)]
    pub clients: BTreeMap<String, ClientSettings>,
    pub steps: Vec<Step>,
}

fn default_provider() -> String {
    "snaptrade".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSettings {
    pub rate_limit_per_minute: Option<u32>,
    pub account_rate_limit_per_minute: Option<u32>,
    pub pending_seconds: Option<f64>,
    pub expiring_seconds: Option<f64>,
    pub portal_link_seconds: Option<f64>,
    /// Pauses between webhook delivery attempts, in milliseconds.
    pub webhook_retry_ms: Option<Vec<u64>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    pub client_id: Option<String>,
    pub consumer_key: Option<String>,
    pub api_key: Option<String>,
    /// A SnapTrade Personal API key (the sandbox's unless `client_id` / `consumer_key` say).
    pub personal: Option<bool>,
    /// The sandbox's SnapTrade OAuth app.
    pub oauth: Option<bool>,
    /// The OAuth app's client for the user of these tokens (`"$saved"`, resolved at first use).
    pub oauth_tokens: Option<Value>,
    /// A Finatic one-time token, usually `"$saved.one_time_token"`: resolved when the client
    /// is first used. With it, no API key is defaulted.
    pub one_time_token: Option<String>,
    pub timeout_ms: Option<u64>,
    pub retry: Option<RetrySettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySettings {
    pub max_attempts: u32,
    pub initial_backoff_ms: Option<u64>,
    pub max_backoff_ms: Option<u64>,
    pub max_retry_after_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub call: String,
    /// What the step shows, for readers; not executed.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub args: Value,
    #[serde(default)]
    pub client: Option<String>,
    /// Keep the raw result under this name; later arguments say `$name` or `$name.field`.
    #[serde(default)]
    pub save: Option<String>,
    /// A subset of the normalised result that must match.
    #[serde(default)]
    pub expect: Option<Value>,
    /// The error kind the call must fail with.
    #[serde(default)]
    pub expect_error: Option<String>,
}

pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden")
}

/// Every scenario in `dir`, sorted by file name.
pub fn load_all(dir: &Path) -> Result<Vec<Scenario>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let scenario: Scenario = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if scenario.name != stem {
                return Err(format!(
                    "{}: name {:?} must equal the file name",
                    path.display(),
                    scenario.name
                ));
            }
            Ok(scenario)
        })
        .collect()
}

/// Replaces `"$name"` / `"$name.path.to.field"` strings with saved results.
pub fn resolve(args: &Value, saved: &BTreeMap<String, Value>) -> Result<Value, String> {
    Ok(match args {
        Value::String(s) if s.starts_with('$') => {
            let mut parts = s[1..].split('.');
            let name = parts.next().unwrap_or_default();
            let mut value = saved.get(name).ok_or_else(|| format!("nothing saved as {name:?}"))?;
            for part in parts {
                value = match value {
                    Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                    other => other.get(part),
                }
                .ok_or_else(|| format!("{s}: no field {part:?}"))?;
            }
            value.clone()
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, saved)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, saved)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}
