//! `conformance run [--out DIR]` runs every scenario in Rust and writes raw transcripts;
//! `conformance check DIR [--update-golden]` normalises a language's raw transcripts, checks
//! each scenario's expectations and compares with the golden transcripts.

use brokerlink_conformance::check::check_dir;
use brokerlink_conformance::normalise::to_jsonl;
use brokerlink_conformance::{run, scenario};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let scenarios_dir = value("--scenarios")
        .map(PathBuf::from)
        .unwrap_or_else(scenario::scenarios_dir);
    let golden_dir = value("--golden")
        .map(PathBuf::from)
        .unwrap_or_else(scenario::golden_dir);
    let scenarios = match scenario::load_all(&scenarios_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match args.first().map(String::as_str) {
        Some("run") => {
            let out = value("--out")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("target/conformance/rust"));
            if let Err(e) = std::fs::create_dir_all(&out) {
                eprintln!("error: {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
            let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
            let transcripts = runtime.block_on(async {
                let tasks: Vec<_> = scenarios
                    .iter()
                    .cloned()
                    .map(|s| tokio::spawn(async move { (s.name.clone(), run::run(&s).await) }))
                    .collect();
                let mut done = Vec::new();
                for task in tasks {
                    done.push(task.await.expect("scenario task"));
                }
                done
            });
            for (name, lines) in transcripts {
                if let Err(e) = std::fs::write(out.join(format!("{name}.jsonl")), to_jsonl(&lines)) {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
            println!("ran {} scenarios into {}", scenarios.len(), out.display());
            ExitCode::SUCCESS
        }
        Some("check") => {
            let Some(dir) = args.get(1).filter(|a| !a.starts_with("--")) else {
                eprintln!("usage: conformance check DIR [--update-golden]");
                return ExitCode::FAILURE;
            };
            let failures = check_dir(&scenarios, &PathBuf::from(dir), &golden_dir, flag("--update-golden"));
            if failures.is_empty() {
                println!("{dir}: all {} scenarios match", scenarios.len());
                ExitCode::SUCCESS
            } else {
                for failure in &failures {
                    eprintln!("FAIL {failure}");
                }
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: conformance run [--out DIR] | conformance check DIR [--update-golden]");
            ExitCode::FAILURE
        }
    }
}
