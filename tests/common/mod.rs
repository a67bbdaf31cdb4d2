//! Helpers shared by the integration tests: run the pipeline on an overlay written in the test,
//! and read its JSON report back into plain structures the assertions can use.

#![allow(dead_code)]

use std::path::PathBuf;

use mdrplan::domain::{Coverage, Severity};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Report {
    pub assets: Vec<Asset>,
    pub applications: Vec<Application>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Deserialize)]
pub struct Asset {
    pub id: String,
    pub tier: u8,
    pub coverage: Coverage,
}

#[derive(Debug, Deserialize)]
pub struct Application {
    pub id: String,
    pub use_cases: UseCases,
    pub coverage: Coverage,
}

#[derive(Debug, Deserialize)]
pub struct UseCases {
    pub required: Vec<String>,
    pub covered: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub asset: Option<String>,
    pub application: Option<String>,
    pub subscription: Option<String>,
    pub plan: Option<String>,
    pub message: String,
    pub remediation: String,
    pub fingerprint: String,
}

/// Writes `yaml` to a temporary overlay, runs the whole pipeline on it, and reads the JSON
/// report back.
pub fn report_with(profile: &str, yaml: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("overlay.yaml");
    std::fs::write(&path, yaml).unwrap();
    let catalog = mdrplan::profile::load(profile).unwrap();
    let analysis = mdrplan::analyze(&[path], &catalog).unwrap_or_else(|e| panic!("{e}"));
    let mut json = Vec::new();
    analysis
        .report(&catalog)
        .write_json(&mut json, &[])
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

pub fn report(yaml: &str) -> Report {
    report_with("standard", yaml)
}

/// The findings of one rule.
pub fn findings<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

/// The binary, run from the project root, with `NO_COLOR` unset and a terminal of `columns`
/// columns, so that tables wrap the same way on every machine.
pub fn mdrplan_at(columns: u16) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("mdrplan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("COLUMNS", columns.to_string());
    cmd
}

/// `report INPUT... --format json --fail-on never`, which must succeed, read back as JSON.
pub fn json_report(inputs: &[&str]) -> serde_json::Value {
    let out = mdrplan_at(120)
        .arg("report")
        .args(inputs)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The asset of a JSON report with this name.
pub fn asset_named<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no asset {name}"))
}

/// The findings of one rule in a JSON report.
pub fn rule_findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}
