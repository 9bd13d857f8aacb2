#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! `parse_portal_result` against the shared fixture tests/conformance/portal-messages.json,
//! which the Python, Node and browser tests (the JavaScript parser of `brokerlink/portal`)
//! read too: every implementation gives the same result for the same input.

use brokerlink::{parse_portal_result, PortalResult};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A result as the Node package's `PortalResult` spells it; an error as `{"error": kind}`.
fn as_json(result: brokerlink::Result<PortalResult>) -> Value {
    match result {
        Ok(PortalResult::Success { connection_id, user_id }) => {
            json!({ "type": "success", "connectionId": connection_id, "userId": user_id })
        }
        Ok(PortalResult::Error {
            code,
            message,
            status_code,
        }) => json!({ "type": "error", "code": code, "message": message, "statusCode": status_code }),
        Ok(PortalResult::Closed) => json!({ "type": "closed" }),
        Ok(PortalResult::Abandoned) => json!({ "type": "abandoned" }),
        Ok(PortalResult::Resize { height }) => json!({ "type": "resize", "height": height }),
        Err(error) => json!({ "error": error.kind().as_str() }),
    }
}

fn fixture() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/portal-messages.json");
    let text = std::fs::read_to_string(path).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    document["cases"].as_array().unwrap().clone()
}

#[test]
fn every_fixture_case_parses_as_expected() {
    let cases = fixture();
    let mut failures = Vec::new();
    for case in &cases {
        let input = case["input"].as_str().unwrap();
        let got = as_json(parse_portal_result(input));
        if got != case["expect"] {
            failures.push(format!(
                "{} / {}: input {input:?}\n  expected {}\n  got      {got}",
                case["kind"], case["name"], case["expect"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_fixture_covers_every_kind_of_input_and_result() {
    let cases = fixture();
    let kinds: BTreeSet<&str> = cases.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    let expected = [
        "redirect",
        "query",
        "snaptrade-object",
        "plain",
        "legacy",
        "finatic-flat",
        "finatic-data",
        "invalid",
    ];
    assert_eq!(kinds, expected.into_iter().collect());
    let results: BTreeSet<String> = cases
        .iter()
        .map(|c| {
            let expect = &c["expect"];
            expect["type"]
                .as_str()
                .map_or_else(|| format!("error:{}", expect["error"].as_str().unwrap()), str::to_owned)
        })
        .collect();
    for result in [
        "success",
        "error",
        "closed",
        "abandoned",
        "resize",
        "error:invalid_input",
    ] {
        assert!(results.contains(result), "no case expects {result}");
    }
    let names: BTreeSet<(&str, &str)> = cases
        .iter()
        .map(|c| (c["kind"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names.len(), cases.len(), "case names repeat within a kind");
}
