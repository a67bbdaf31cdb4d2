//! Helpers shared by the integration tests: run the pipeline on an overlay written in the test.

#![allow(dead_code)]

use std::path::PathBuf;

use mdrplan::report::{FindingRow, Report};

/// Writes `yaml` to a temporary overlay and runs the whole pipeline on it.
pub fn report_with(profile: &str, yaml: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("overlay.yaml");
    std::fs::write(&path, yaml).unwrap();
    let catalog = mdrplan::profile::load(profile).unwrap();
    let analysis = mdrplan::analyze(&[path], &catalog).unwrap_or_else(|e| panic!("{e}"));
    analysis.report(&catalog)
}

pub fn report(yaml: &str) -> Report {
    report_with("standard", yaml)
}

/// The findings of one rule.
pub fn findings<'a>(r: &'a Report, rule: &str) -> Vec<&'a FindingRow> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}
