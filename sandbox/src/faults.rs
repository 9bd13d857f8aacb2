//! Faults injected through the admin API, applied to the next matching requests.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Mutex;

/// What goes wrong, as `POST /_sandbox/faults` spells it (docs/design.md §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Fault {
    /// Answer with this status (and body / `Retry-After`) instead of serving the request.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Serve the request, then answer only after this delay.
    Delay { delay_ms: u64 },
    /// Close the connection without answering.
    Reset { reset: bool },
    /// Serve the request but cut the body off half-way.
    Truncate { truncate: bool },
    /// Serve the request's status with a body that is not JSON.
    InvalidJson { invalid_json: bool },
    /// Answer 200 with a JSON body of this many bytes (for response size limits).
    LargeBody { large_body_bytes: u64 },
}

#[derive(Debug, Clone, Deserialize)]
pub struct FaultRule {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Only this exact path (with or without the legacy `/api/v1` prefix).
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    pub fault: Fault,
}

fn one() -> u32 {
    1
}

#[derive(Debug)]
struct Armed {
    id: String,
    rule: FaultRule,
}

#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<Armed>>,
}

impl Faults {
    /// Arms a rule and returns its id: random, so that nothing that did not arm it (a page in
    /// the developer's browser, say) can name it.
    /// Refused past [`crate::limits::ARMED_FAULTS`] rules still armed.
    pub fn add(&self, rule: FaultRule) -> brokerlink::Result<String> {
        let id = crate::random_id("flt");
        if rule.count > 0 {
            let mut armed = self.lock();
            if armed.len() >= crate::limits::ARMED_FAULTS {
                return Err(brokerlink::Error::invalid_input(
                    "fault",
                    format!(
                        "{} faults are armed already, the most the sandbox keeps: clear them first",
                        armed.len()
                    ),
                ));
            }
            armed.push(Armed { id: id.clone(), rule });
        }
        Ok(id)
    }

    /// The fault for this request, if one is armed; uses up one of its count.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut armed = self.lock();
        if armed.is_empty() {
            return None;
        }
        let legacy_free = path.strip_prefix("/api/v1").filter(|p| p.starts_with('/'));
        let index = armed.iter().position(|a| {
            let method_ok = a.rule.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
            let path_ok =
                a.rule.path_prefix.as_deref().is_none_or(|prefix| {
                    path.starts_with(prefix) || legacy_free.is_some_and(|p| p.starts_with(prefix))
                });
            let exact_ok = a
                .rule
                .path
                .as_deref()
                .is_none_or(|exact| path == exact || legacy_free == Some(exact));
            method_ok && path_ok && exact_ok
        })?;
        let fault = armed[index].rule.fault.clone();
        armed[index].rule.count -= 1;
        if armed[index].rule.count == 0 {
            armed.remove(index);
        }
        Some(fault)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn ids(&self) -> Vec<String> {
        self.lock().iter().map(|a| a.id.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Armed>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.armed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: Value) -> FaultRule {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn every_documented_fault_shape_parses() {
        let cases = [
            (
                json!({"status": 503}),
                Fault::Status {
                    status: 503,
                    body: None,
                    retry_after: None,
                },
            ),
            (json!({"delay_ms": 50}), Fault::Delay { delay_ms: 50 }),
            (json!({"reset": true}), Fault::Reset { reset: true }),
            (json!({"truncate": true}), Fault::Truncate { truncate: true }),
            (json!({"invalid_json": true}), Fault::InvalidJson { invalid_json: true }),
        ];
        for (fault, expected) in cases {
            assert_eq!(rule(json!({"count": 1, "fault": fault})).fault, expected);
        }
    }

    #[test]
    fn faults_match_method_and_prefix_and_run_out() {
        let faults = Faults::default();
        faults
            .add(rule(
                json!({"method": "GET", "path_prefix": "/authorizations", "count": 2, "fault": {"status": 500}}),
            ))
            .unwrap();
        assert!(faults.take("POST", "/authorizations").is_none());
        assert!(faults.take("GET", "/accounts").is_none());
        assert!(faults.take("GET", "/authorizations/x").is_some());
        assert!(faults.take("GET", "/api/v1/authorizations").is_some());
        assert!(faults.take("GET", "/authorizations").is_none());
        assert!(faults.ids().is_empty());
    }

    #[test]
    fn arming_is_bounded() {
        let faults = Faults::default();
        let never = || rule(json!({"path": "/nowhere", "count": 1, "fault": {"status": 500}}));
        for _ in 0..crate::limits::ARMED_FAULTS {
            faults.add(never()).unwrap();
        }
        assert_eq!(faults.add(never()).unwrap_err().field(), Some("fault"));
        faults.clear();
        assert!(faults.add(never()).is_ok());
    }
}
