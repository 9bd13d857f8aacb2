//! Turns a raw transcript (from any language) into its normalised form, checks the
//! scenario's expectations, and compares with the golden transcript.

use crate::scenario::Scenario;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Replaces what differs between runs — ids, secrets, tokens, timestamps, the sandbox's port —
/// with stable placeholders. Ids are numbered by first appearance, so a repeated id (a
/// reconnect keeping its connection) still shows as the same placeholder.
#[derive(Debug, Default)]
pub struct Normaliser {
    sandbox_url: Option<String>,
    ids: HashMap<String, usize>,
    /// The sandbox's own random ids (`we_…`, `dl_…`, `flt_…`), numbered per prefix.
    sandbox_ids: HashMap<String, String>,
}

impl Normaliser {
    pub fn line(&mut self, line: &Value) -> Value {
        if let Some(url) = line.get("sandbox").and_then(Value::as_str) {
            self.sandbox_url = Some(url.to_owned());
            return serde_json::json!({ "sandbox": "<sandbox>" });
        }
        self.value(None, line)
    }

    fn value(&mut self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::Object(_) if key == Some("headers") => Value::String("<headers>".into()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(Some(k), v)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(key, v)).collect()),
            Value::String(s) => self.string(key, s),
            Value::Number(_) if key == Some("retry_after") => Value::String("<seconds>".into()),
            other => other.clone(),
        }
    }

    fn string(&mut self, key: Option<&str>, s: &str) -> Value {
        let placeholder = match key {
            Some("user_secret" | "userSecret") => Some("<secret>".to_owned()),
            Some("request_id") => Some("<request_id>".to_owned()),
            Some("token") => Some("<token>".to_owned()),
            Some("clientId" | "client_id") => Some("<client_id>".to_owned()),
            // Raw deliveries differ per run (ids, times, signatures); they are checked by the
            // verify_webhook steps that read them.
            Some("body") => Some("<body>".to_owned()),
            Some("secret" | "one_time_token") => Some("<secret>".to_owned()),
            // OAuth: tokens, PKCE and CSRF values are random per run; a callback carries a code.
            Some("access_token" | "refresh_token" | "state" | "code_verifier" | "code_challenge" | "nonce") => {
                Some("<secret>".to_owned())
            }
            Some("redirect_url") => Some("<redirect_url>".to_owned()),
            _ => None,
        };
        if let Some(p) = placeholder {
            return Value::String(p);
        }
        if let Some(base) = self.sandbox_url.clone() {
            if let Some(rest) = s.strip_prefix(&base) {
                return self.sandbox_url_parts(rest);
            }
        }
        if is_uuid(s) {
            let next = self.ids.len() + 1;
            let n = *self.ids.entry(s.to_ascii_lowercase()).or_insert(next);
            return Value::String(format!("<id:{n}>"));
        }
        if let Some(prefix) = sandbox_id_prefix(s) {
            let next = 1 + self
                .sandbox_ids
                .keys()
                .filter(|k| sandbox_id_prefix(k) == Some(prefix))
                .count();
            let shown = self
                .sandbox_ids
                .entry(s.to_owned())
                .or_insert_with(|| format!("<{prefix}_{next}>"));
            return Value::String(shown.clone());
        }
        if is_timestamp(s) {
            return Value::String("<time>".into());
        }
        Value::String(s.to_owned())
    }

    /// A link into the sandbox as its path and sorted, normalised query.
    fn sandbox_url_parts(&mut self, rest: &str) -> Value {
        let parsed = url::Url::parse(&format!("http://sandbox{rest}"));
        let Ok(parsed) = parsed else {
            return Value::String(format!("<sandbox>{rest}"));
        };
        let mut query = Map::new();
        let mut pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        pairs.sort();
        for (k, v) in pairs {
            let normalised = self.string(Some(&k), &v);
            query.insert(k, normalised);
        }
        serde_json::json!({ "sandbox_path": parsed.path(), "query": query })
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `we_…`: a short lowercase prefix and 32 hex digits, as the sandbox makes its ids.
fn sandbox_id_prefix(s: &str) -> Option<&str> {
    let (prefix, random) = s.split_once('_')?;
    let prefix_ok = (2..=4).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_lowercase());
    let random_ok = random.len() == 32 && random.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    (prefix_ok && random_ok).then_some(prefix)
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
}

pub fn normalise(raw: &[Value]) -> Vec<Value> {
    let mut normaliser = Normaliser::default();
    raw.iter().map(|line| normaliser.line(line)).collect()
}

/// Every way the normalised transcript fails the scenario's own expectations.
pub fn check_expectations(scenario: &Scenario, transcript: &[Value]) -> Vec<String> {
    let mut failures = Vec::new();
    if transcript.len() != scenario.steps.len() + 1 {
        failures.push(format!(
            "{}: transcript has {} lines for {} steps",
            scenario.name,
            transcript.len(),
            scenario.steps.len()
        ));
    }
    for (index, step) in scenario.steps.iter().enumerate() {
        let Some(line) = transcript.get(index + 1) else { break };
        let at = format!("{} step {index} ({})", scenario.name, step.call);
        if let Some(e) = line.get("error").and_then(|e| e.get("runner_error")) {
            failures.push(format!("{at}: runner error {e}"));
            continue;
        }
        match (&step.expect_error, line.get("error")) {
            (Some(kind), Some(error)) if error.get("kind").and_then(Value::as_str) == Some(kind) => {}
            (Some(kind), Some(error)) => failures.push(format!("{at}: expected {kind}, got {error}")),
            (Some(kind), None) => failures.push(format!("{at}: expected {kind}, but the call succeeded")),
            (None, Some(error)) => failures.push(format!("{at}: unexpected error {error}")),
            (None, None) => {}
        }
        if let Some(expected) = &step.expect {
            let actual = line.get("ok").or_else(|| line.get("error")).unwrap_or(&Value::Null);
            if let Err(path) = subset(expected, actual, String::from("$")) {
                failures.push(format!("{at}: {path}: expected {expected}, got {actual}"));
            }
        }
    }
    failures
}

/// `expected` matches if every key it names matches (arrays element-wise, same length).
fn subset(expected: &Value, actual: &Value, path: String) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .try_for_each(|(k, v)| subset(v, a.get(k).unwrap_or(&Value::Null), format!("{path}.{k}"))),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (e, a))| subset(e, a, format!("{path}[{i}]"))),
        (e, a) if e == a => Ok(()),
        _ => Err(path),
    }
}

/// JSON Lines with sorted keys and no spaces, the form every runner's output is compared in.
pub fn to_jsonl(lines: &[Value]) -> String {
    lines
        .iter()
        .map(|line| brokerlink::signing::canonical_json(line, brokerlink::signing::NonAscii::Raw))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub fn parse_jsonl(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad transcript line {l:?}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_keep_their_identity_and_urls_split() {
        let raw = vec![
            json!({"sandbox": "http://127.0.0.1:5"}),
            json!({"ok": {"id": "0f6662a7-62e4-45e0-a557-573ffe5d4b00", "at": "2026-11-23T20:20:01.5Z", "user_secret": "s"}}),
            json!({"ok": {"again": "0F6662A7-62E4-45E0-A557-573FFE5D4B00",
                          "url": "http://127.0.0.1:5/snapTrade/redeemToken?token=abc&locale=en&clientId=X"}}),
        ];
        let out = normalise(&raw);
        assert_eq!(
            out[1],
            json!({"ok": {"id": "<id:1>", "at": "<time>", "user_secret": "<secret>"}})
        );
        assert_eq!(out[2]["ok"]["again"], "<id:1>");
        assert_eq!(
            out[2]["ok"]["url"],
            json!({"sandbox_path": "/snapTrade/redeemToken", "query": {"clientId": "<client_id>", "locale": "en", "token": "<token>"}})
        );
    }

    #[test]
    fn subset_matching() {
        assert!(subset(&json!({"a": 1}), &json!({"a": 1, "b": 2}), "$".into()).is_ok());
        assert!(subset(&json!({"a": 2}), &json!({"a": 1}), "$".into()).is_err());
        assert!(subset(&json!([{"a": 1}]), &json!([{"a": 1}, {"a": 2}]), "$".into()).is_err());
        assert!(subset(&json!({"missing": null}), &json!({}), "$".into()).is_ok());
    }
}
