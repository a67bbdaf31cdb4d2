//! What decides a CI run's exit code besides the findings: waivers (`--waivers`) and baselines
//! (`--baseline`), on the company A example.

mod common;

use common::rule_findings as with_rule;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn mdrplan() -> Command {
    let mut cmd = common::mdrplan_at(160);
    cmd.env("MDRPLAN_TODAY", "2026-12-03");
    cmd
}

fn report(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = mdrplan()
        .args(["report", "examples/company-a", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn waived_findings_stay_in_the_report_marked_and_stop_failing_the_run() {
    let (code, _, _) = report(&[]);
    assert_eq!(code, 1, "company A has a critical and three high findings");

    let (code, r, stderr) = report(&["--waivers", "tests/fixtures/waivers/company-a.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["summary"]["waived"], 4);
    assert_eq!(r["summary"]["findings"]["critical"], 1, "still counted");
    let sql = &with_rule(&r, "defender-plan-off")[0];
    assert_eq!(sql["waiver"]["owner"], "dba-team@adatum.example", "{sql:#}");
    assert_eq!(sql["waiver"]["expires"], "2027-03-31");
    assert!(
        sql["waiver"]["source"]
            .as_str()
            .unwrap()
            .ends_with("company-a.yaml:10:5")
    );
    // The glob covers the ERP servers only: the domain controllers' findings are not waived.
    let p2 = with_rule(&r, "servers-p2-required");
    let waived: Vec<_> = p2.iter().filter(|f| f.get("waiver").is_some()).collect();
    assert_eq!(waived.len(), 3);
    assert!(p2.iter().any(|f| f.get("waiver").is_none()));

    // --fail-on medium still fails: the domain controllers' medium findings are not waived.
    let (code, _, _) = report(&[
        "--waivers",
        "tests/fixtures/waivers/company-a.yaml",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(code, 1);
}

#[test]
fn the_table_marks_waived_findings() {
    mdrplan()
        .args(["gaps", "examples/company-a"])
        .args(["--waivers", "tests/fixtures/waivers/company-a.yaml"])
        .assert()
        .code(0)
        .stdout(contains("; 4 waived"))
        .stdout(contains(
            "waived until 2027-03-31 by dba-team@adatum.example",
        ));
}

#[test]
fn an_expired_waiver_no_longer_applies_and_says_so() {
    let out = mdrplan()
        .env("MDRPLAN_TODAY", "2027-04-01")
        .args(["report", "examples/company-a", "--format", "json"])
        .args(["--waivers", "tests/fixtures/waivers/company-a.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("company-a.yaml:10:5: waiver of `defender-plan-off` owned by dba-team@adatum.example expired on 2027-03-31: the 1 finding(s) it covered count again"),
        "{stderr}"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["waived"], 0);

    // The expiry day itself is still covered.
    let (code, _, _) = {
        let out = mdrplan()
            .env("MDRPLAN_TODAY", "2027-03-31")
            .args(["report", "examples/company-a", "--format", "json"])
            .args(["--waivers", "tests/fixtures/waivers/company-a.yaml"])
            .output()
            .unwrap();
        (out.status.code().unwrap(), (), ())
    };
    assert_eq!(code, 0);
}

#[test]
fn an_unknown_rule_is_an_error_with_the_closest_rule() {
    mdrplan()
        .args(["report", "examples/company-a"])
        .args(["--waivers", "tests/fixtures/waivers/unknown-rule.yaml"])
        .assert()
        .code(2)
        .stderr(contains(
            "unknown-rule.yaml:3:5: unknown rule `servers-p2-requird`",
        ))
        .stderr(contains("did you mean `servers-p2-required`?"));
}

#[test]
fn a_waiver_that_matches_nothing_is_a_warning_and_an_error_with_strict() {
    mdrplan()
        .args(["report", "examples/company-a", "--fail-on", "never"])
        .args(["--waivers", "tests/fixtures/waivers/unused.yaml"])
        .assert()
        .code(0)
        .stderr(contains("matches no finding"));
    mdrplan()
        .args(["--strict", "report", "examples/company-a"])
        .args(["--waivers", "tests/fixtures/waivers/unused.yaml"])
        .assert()
        .code(2)
        .stderr(contains("error: tests/fixtures/waivers/unused.yaml:3:5"));
}

#[test]
fn a_bad_today_is_refused() {
    mdrplan()
        .env("MDRPLAN_TODAY", "tomorrow")
        .args(["report", "examples/company-a"])
        .args(["--waivers", "tests/fixtures/waivers/company-a.yaml"])
        .assert()
        .code(2)
        .stderr(contains("MDRPLAN_TODAY"));
}

#[test]
fn a_waiver_narrows_by_application_fingerprint_subscription_or_nothing() {
    let out = mdrplan()
        .args(["report", "examples/company-c", "--format", "json"])
        .args(["--waivers", "tests/fixtures/waivers/company-c.yaml"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let waived = |f: &serde_json::Value| f.get("waiver").is_some();
    let findings = r["findings"].as_array().unwrap();
    for f in findings {
        let expected = match f["rule"].as_str().unwrap() {
            "custom-app-use-case-missing" => f["application"] == "ledger",
            "custom-app-alert-not-routed" => f["fingerprint"] == "68aea6ab40c1432a037adfb8bfa78ecb",
            "plan-does-not-cover" | "email-protection-missing" => true,
            _ => false,
        };
        assert_eq!(waived(f), expected, "{f:#}");
    }
    assert_eq!(
        r["summary"]["waived"],
        findings.iter().filter(|f| waived(f)).count()
    );
    assert_eq!(r["summary"]["waived"], 8);
    // Every waiver matched something: no warning.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The high findings left (licences, pricing-api's alerting) still fail the run.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_baseline_counts_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let old = &write_report(dir.path(), "old.json", &[]);

    let (code, r, stderr) = report(&["--baseline", old]);
    assert_eq!(code, 0, "nothing is new: {stderr}");
    assert_eq!(r["summary"]["new"], 0);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["baseline"] == "unchanged")
    );

    // A baseline of another tenant knows none of these findings: all are new.
    let other = dir.path().join("other.json");
    mdrplan()
        .args(["gaps", "examples/company-b", "--format", "json", "--output"])
        .arg(&other)
        .assert()
        .code(1);
    let (code, r, _) = report(&["--baseline", other.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(r["summary"]["new"], r["findings"].as_array().unwrap().len());
}

#[test]
fn a_baseline_that_is_not_a_report_is_refused() {
    mdrplan()
        .args(["report", "examples/company-a"])
        .args(["--baseline", "examples/company-a/overlay.yaml"])
        .assert()
        .code(2)
        .stderr(contains(
            "overlay.yaml:1:1: the baseline is not a JSON report",
        ))
        .stderr(contains("--format json"));
    mdrplan()
        .args(["report", "examples/company-a"])
        .args(["--baseline", "tests/fixtures/does-not-exist.json"])
        .assert()
        .code(2)
        .stderr(contains("cannot read the baseline").and(contains("--baseline")));
}

/// Writes company A's JSON report, with `extra` inputs, into `dir/name`.
fn write_report(dir: &std::path::Path, name: &str, extra: &[&str]) -> String {
    let path = dir.join(name);
    mdrplan()
        .args(["report", "examples/company-a"])
        .args(extra)
        .args(["--format", "json", "--output"])
        .arg(&path)
        .assert()
        .code(1);
    path.to_str().unwrap().to_owned()
}

/// Company A's reports of today and of a month later, in a temporary folder (kept alive by the
/// first value).
fn month_apart() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let old = write_report(dir.path(), "old.json", &[]);
    let new = write_report(
        dir.path(),
        "new.json",
        &["tests/fixtures/diff/company-a-later.yaml"],
    );
    (dir, old, new)
}

#[test]
fn diff_shows_new_resolved_findings_and_asset_changes() {
    let (_dir, old, new) = month_apart();
    let out = mdrplan()
        .args(["diff", &old, &new, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "nothing new at high or above");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &d["summary"];
    assert_eq!(
        (
            &s["new_findings"],
            &s["resolved_findings"],
            &s["assets_added"]
        ),
        (&2.into(), &1.into(), &1.into()),
        "{s:#}"
    );
    let new_rules: Vec<_> = d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(new_rules, ["servers-p2-required", "unclassified-asset"]);
    assert_eq!(d["findings"]["resolved"][0]["rule"], "unclassified-asset");
    let print = d["assets"]["classification"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "vm-print01")
        .unwrap();
    assert_eq!(
        (&print["before"]["tier"], &print["after"]["tier"]),
        (&3.into(), &2.into())
    );
    assert_eq!(d["assets"]["coverage"][0]["after"], "gap");

    // The new medium finding fails a run that gates on medium.
    mdrplan()
        .args(["diff", &old, &new, "--fail-on", "medium"])
        .assert()
        .code(1)
        .stdout(contains("New findings"))
        .stdout(contains("internal -> confidential"));
    // Reversed, the P2 finding is resolved; only the print server's info finding is new.
    mdrplan()
        .args(["diff", &new, &old, "--fail-on", "low", "--format", "json"])
        .assert()
        .code(0)
        .stdout(contains("\"new_findings\": 1"));
}

#[test]
fn diff_shows_changed_findings_and_does_not_fail_on_them() {
    // The same findings under a profile that rates servers-p2-required a step higher: their
    // fingerprints stay, their severities move.
    let dir = tempfile::tempdir().unwrap();
    let old = write_report(dir.path(), "old.json", &[]);
    let new = &write_report(
        dir.path(),
        "new.json",
        &["--profile", "tests/fixtures/diff/servers-p2-high.yaml"],
    );

    let out = mdrplan()
        .args(["diff", &old, new, "--format", "json", "--fail-on", "low"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "a changed finding is not new");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["summary"]["new_findings"], 0);
    assert_eq!(d["summary"]["resolved_findings"], 0);
    let changed = d["findings"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 6, "{changed:#?}");
    let app01 = changed
        .iter()
        .find(|c| c["concerns"] == "vm-erp-app01")
        .unwrap();
    assert_eq!(
        (&app01["before"]["severity"], &app01["after"]["severity"]),
        (&"high".into(), &"critical".into()),
        "{app01:#}"
    );

    mdrplan()
        .args(["diff", &old, new])
        .assert()
        .code(0)
        .stdout(contains("0 new, 0 resolved, 6 changed"))
        .stdout(contains("Changed findings"))
        .stdout(contains("critical: vm-erp-app01"));
}

#[test]
fn diff_does_not_fail_on_a_new_finding_that_is_waived() {
    let dir = tempfile::tempdir().unwrap();
    let old = write_report(dir.path(), "old.json", &[]);
    let new = write_report(
        dir.path(),
        "new.json",
        &[
            "tests/fixtures/diff/company-a-later.yaml",
            "--waivers",
            "tests/fixtures/diff/waivers.yaml",
        ],
    );
    // The print server's medium finding is new but waived: only the info finding counts, and
    // every view says which is waived, until when and by whom.
    mdrplan()
        .args(["diff", &old, &new, "--fail-on", "medium"])
        .assert()
        .code(0)
        .stdout(contains("findings: 2 new (1 waived), 1 resolved"))
        .stdout(contains("waived until 2027-01-31 by"));
    mdrplan()
        .args([
            "diff",
            &old,
            &new,
            "--fail-on",
            "info",
            "--format",
            "markdown",
        ])
        .assert()
        .code(1)
        .stdout(contains(
            "needs P2<br>waived until 2027-01-31 by platform-team&#64;&#8203;adatum.example: The print \
             server is replaced in January |",
        ));
    let out = mdrplan()
        .args(["diff", &old, &new, "--format", "json"])
        .output()
        .unwrap();
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["summary"]["new_waived"], 1);
    let waived: Vec<_> = d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("waiver").is_some())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["rule"], "servers-p2-required");
    assert_eq!(waived[0]["waiver"]["expires"], "2027-01-31");
}

#[test]
fn diff_markdown_neutralises_names_from_the_inputs() {
    let (_dir, old, new) = month_apart();
    let out = mdrplan()
        .args(["diff", &old, &new, "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("#### Assets added"), "{md}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(
        md.contains("| 3 | web&#124;&lt;script&gt;alert(1)&lt;/script&gt; |"),
        "{md}"
    );
    assert!(md.contains("internal \u{2192} confidential"), "{md}");
}

#[test]
fn diff_refuses_what_is_not_a_full_report() {
    let dir = tempfile::tempdir().unwrap();
    let old = write_report(dir.path(), "old.json", &[]);
    let classified = dir.path().join("classify.json");
    mdrplan()
        .args([
            "classify",
            "examples/company-a",
            "--format",
            "json",
            "--output",
        ])
        .arg(&classified)
        .assert()
        .code(0);
    mdrplan()
        .args(["diff", &old])
        .arg(&classified)
        .assert()
        .code(2)
        .stderr(contains("the report has no `findings`"));
    mdrplan()
        .args(["diff", &old, "examples/company-a/overlay.yaml"])
        .assert()
        .code(2)
        .stderr(contains("overlay.yaml:1:1: not a JSON report"));
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "{}").unwrap();
    mdrplan()
        .args(["diff", &old])
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(contains("empty.json: the file has no `schema_version`"))
        .stderr(contains(
            "help: give two reports written by `mdrplan report",
        ));
}

#[test]
fn a_report_in_an_input_folder_is_named_as_one() {
    // A CI job that writes its report into the inventory folder reads it back on the next run.
    let dir = tempfile::tempdir().unwrap();
    write_report(dir.path(), "report.json", &[]);
    mdrplan()
        .args(["report", "examples/company-a"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains(
            "report.json: this is a JSON report written by mdrplan, not an input",
        ))
        .stderr(contains("--baseline FILE"));
}

#[test]
fn a_waiver_file_given_as_an_input_is_pointed_at_the_flag() {
    mdrplan()
        .args([
            "report",
            "examples/company-a",
            "tests/fixtures/waivers/company-a.yaml",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "company-a.yaml: this is a waiver file, not an input",
        ))
        .stderr(contains("--waivers FILE"));
}
