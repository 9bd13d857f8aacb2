//! brokerlink's conformance harness: the scenario format, the Rust runner, and the
//! normaliser/checker that every language's transcripts go through.

pub mod canonical;
pub mod check;
pub mod normalise;
pub mod run;
pub mod scenario;
