//! Runs every scenario in Rust and holds its transcript to the scenario's expectations and
//! to the committed golden transcript (`UPDATE_GOLDEN=1` rewrites them).

use brokerlink_conformance::check::check_transcript;
use brokerlink_conformance::{run, scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_matches_its_expectations_and_golden_transcript() {
    let scenarios = scenario::load_all(&scenario::scenarios_dir()).expect("scenarios load");
    assert!(scenarios.len() >= 12, "only {} scenarios", scenarios.len());
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let tasks: Vec<_> = scenarios
        .iter()
        .cloned()
        .map(|s| tokio::spawn(async move { run::run(&s).await }))
        .collect();
    let mut failures = Vec::new();
    for (scenario, task) in scenarios.iter().zip(tasks) {
        let raw = task.await.expect("scenario task");
        failures.extend(check_transcript(scenario, &raw, &scenario::golden_dir(), update));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
