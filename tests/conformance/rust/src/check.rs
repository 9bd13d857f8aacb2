//! Checking one language's raw transcripts against the scenarios and the golden transcripts.

use crate::normalise::{check_expectations, normalise, parse_jsonl, to_jsonl};
use crate::scenario::Scenario;
use serde_json::Value;
use std::path::Path;

/// Normalises, checks expectations and compares to golden; returns every failure found.
/// With `update`, writes the golden file instead of comparing (for the Rust runner only).
pub fn check_transcript(scenario: &Scenario, raw: &[Value], golden_dir: &Path, update: bool) -> Vec<String> {
    let transcript = normalise(raw);
    let mut failures = check_expectations(scenario, &transcript);
    let text = to_jsonl(&transcript);
    let golden_path = golden_dir.join(format!("{}.jsonl", scenario.name));
    if update {
        if let Err(e) = std::fs::write(&golden_path, &text) {
            failures.push(format!("{}: {e}", golden_path.display()));
        }
        return failures;
    }
    match std::fs::read_to_string(&golden_path) {
        Ok(golden) if golden == text => {}
        Ok(golden) => failures.push(first_difference(&scenario.name, &golden, &text)),
        Err(e) => failures.push(format!(
            "{}: {e} (run with --update-golden to create it)",
            golden_path.display()
        )),
    }
    failures
}

fn first_difference(name: &str, golden: &str, actual: &str) -> String {
    let (g, a): (Vec<&str>, Vec<&str>) = (golden.lines().collect(), actual.lines().collect());
    for i in 0..g.len().max(a.len()) {
        let (gl, al) = (
            g.get(i).copied().unwrap_or("<end>"),
            a.get(i).copied().unwrap_or("<end>"),
        );
        if gl != al {
            return format!(
                "{name}: line {} differs from golden\n  golden: {gl}\n  actual: {al}",
                i + 1
            );
        }
    }
    format!("{name}: differs from golden")
}

/// Reads `dir/<scenario>.jsonl` for every scenario and checks each.
pub fn check_dir(scenarios: &[Scenario], dir: &Path, golden_dir: &Path, update: bool) -> Vec<String> {
    let mut failures = Vec::new();
    for scenario in scenarios {
        let path = dir.join(format!("{}.jsonl", scenario.name));
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_jsonl(&t))
        {
            Ok(raw) => failures.extend(check_transcript(scenario, &raw, golden_dir, update)),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    failures
}
