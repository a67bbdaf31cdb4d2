//! The command line as a user meets it: every command, every exit code, and the bad inputs of
//! the README's "Bad input", each with one clear message.

mod common;

use assert_cmd::Command;
use common::{asset_named, fixture, rule_findings as findings};
use predicates::prelude::*;
use predicates::str::contains;

fn mdrplan() -> Command {
    common::mdrplan_at(120)
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = mdrplan()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The short name at the end of an asset id (exported ids are full resource ids).
fn short(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

#[test]
fn report_on_company_c_is_readable_and_exits_1() {
    mdrplan()
        .args(["report", "examples/company-c"])
        .assert()
        .code(1)
        .stdout(contains(
            "saas-provider (PaaS monitoring need high-very-high)",
        ))
        .stdout(contains("Findings, worst first"))
        .stdout(contains("Coverage by module"))
        .stdout(contains("Applications"))
        .stdout(contains("\u{1b}[").not());
}

#[test]
fn json_report_has_the_design_keys() {
    let r = json(&["report", "examples/company-c"]);
    for key in [
        "schema_version",
        "tool",
        "profile",
        "inputs",
        "organization",
        "summary",
        "assets",
        "findings",
        "plan",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    assert_eq!(r["schema_version"], 1);
    for key in ["name", "archetype", "paas_monitoring_need"] {
        assert!(r["organization"].get(key).is_some(), "organization.{key}");
    }
    for key in ["critical", "high", "medium", "low", "info"] {
        assert!(
            r["summary"]["findings"][key].is_u64(),
            "summary.findings.{key}"
        );
    }
    for key in ["id", "assets", "covered"] {
        assert!(
            r["summary"]["modules"][0].get(key).is_some(),
            "summary.modules[].{key}"
        );
    }
    let asset = &r["assets"][0];
    for key in [
        "id",
        "name",
        "type",
        "class",
        "subscription",
        "sensitivity",
        "impact",
        "tier",
        "reasons",
        "modules",
        "plan",
        "coverage",
    ] {
        assert!(asset.get(key).is_some(), "assets[].{key}");
    }
    let finding = &r["findings"][0];
    for key in [
        "rule",
        "severity",
        "asset",
        "subscription",
        "module",
        "plan",
        "message",
        "remediation",
        "fingerprint",
    ] {
        assert!(finding.get(key).is_some(), "findings[].{key}");
    }
    for key in ["defender", "licences", "monthly_usd"] {
        assert!(r["plan"].get(key).is_some(), "plan.{key}");
    }
    for key in [
        "current",
        "recommended",
        "difference",
        "complete",
        "unpriced",
    ] {
        assert!(
            r["plan"]["monthly_usd"].get(key).is_some(),
            "plan.monthly_usd.{key}"
        );
    }
    let row = &r["plan"]["defender"][0];
    for key in ["monthly_usd", "cost"] {
        assert!(row.get(key).is_some(), "plan.defender[].{key}");
    }
}

#[test]
fn company_a_is_traditional_with_p2_and_sql_findings() {
    let r = json(&["report", "examples/company-a"]);
    assert_eq!(r["organization"]["archetype"], "traditional");
    assert_eq!(r["organization"]["paas_monitoring_need"], "low-medium");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["module"] != "custom-application")
    );

    let p2: Vec<_> = findings(&r, "servers-p2-required")
        .iter()
        .map(|f| short(f["asset"].as_str().unwrap()))
        .collect();
    for server in ["vm-erp-app01", "vm-erp-app02", "vm-erp-sql01"] {
        assert!(
            p2.contains(&server),
            "{server} is business-critical and needs P2: {p2:?}"
        );
    }
    let sql = asset_named(&r, "vm-erp-sql01");
    assert_eq!(sql["tier"], 1);
    let plans: Vec<_> = sql["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plan"].as_str().unwrap())
        .collect();
    assert!(plans.contains(&"SqlServerVirtualMachines"), "{plans:?}");
    let off = findings(&r, "defender-plan-off");
    assert!(
        off.iter()
            .any(|f| short(f["asset"].as_str().unwrap()) == "vm-erp-sql01"
                && f["plan"] == "SqlServerVirtualMachines")
    );
}

#[test]
fn company_b_is_internal_paas_with_plan_off_findings() {
    let r = json(&["report", "examples/company-b"]);
    assert_eq!(r["organization"]["archetype"], "internal-paas");
    let off: Vec<_> = findings(&r, "defender-plan-off")
        .iter()
        .map(|f| f["plan"].as_str().unwrap())
        .collect();
    for plan in ["AppServices", "CosmosDbs", "Containers"] {
        assert!(
            off.contains(&plan),
            "{plan} is off on PaaS resources: {off:?}"
        );
    }
    assert!(!findings(&r, "plan-does-not-cover").is_empty());
    assert!(!findings(&r, "deprecated-plan").is_empty());
}

#[test]
fn company_c_has_serious_custom_application_findings() {
    let r = json(&["report", "examples/company-c"]);
    assert_eq!(r["organization"]["archetype"], "saas-provider");
    assert_eq!(r["organization"]["paas_monitoring_need"], "high-very-high");
    let custom: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"].as_str().unwrap().starts_with("custom-app") && f["application"] == "ledger"
        })
        .collect();
    assert!(!custom.is_empty());
    assert!(
        custom
            .iter()
            .all(|f| f["severity"] == "high" || f["severity"] == "critical"),
        "{custom:#?}"
    );
    mdrplan()
        .args(["gaps", "examples/company-c"])
        .assert()
        .code(1);
    mdrplan()
        .args(["gaps", "examples/company-c", "--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn classify_shows_the_path_to_a_dependency() {
    mdrplan()
        .env("COLUMNS", "200")
        .args(["classify", "examples/company-a"])
        .assert()
        .code(0)
        .stdout(contains("depends on it: vm-erp-app0"))
        .stdout(contains("from application erp -> vm-erp-app0"));
    let r = json(&["classify", "examples/company-a"]);
    let sql = asset_named(&r, "vm-erp-sql01");
    let path = sql["reasons"]["impact"]["path"].as_array().unwrap();
    assert_eq!(path.first().unwrap(), "erp");
    assert_eq!(
        short(path.last().unwrap().as_str().unwrap()),
        "vm-erp-sql01"
    );
    assert!(
        r.get("findings").is_none(),
        "classify shows classification only"
    );
}

#[test]
fn every_asset_appears_exactly_once() {
    let root = env!("CARGO_MANIFEST_DIR");
    for company in ["a", "b", "c"] {
        // Every resource row of the exports (pages merged, ids without case) ...
        let mut expected = std::collections::BTreeSet::new();
        for entry in
            std::fs::read_dir(format!("{root}/examples/company-{company}/exports")).unwrap()
        {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("resources")
            {
                for row in doc["data"].as_array().unwrap() {
                    expected.insert(row["id"].as_str().unwrap().to_ascii_lowercase());
                }
            }
        }
        // ... and every overlay asset no export holds.
        let text =
            std::fs::read_to_string(format!("{root}/examples/company-{company}/overlay.yaml"))
                .unwrap();
        let overlay: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        for a in overlay["assets"].as_sequence().into_iter().flatten() {
            let id = a["id"].as_str().unwrap();
            if !expected.iter().any(|e| short(e) == id.to_ascii_lowercase()) {
                expected.insert(id.to_ascii_lowercase());
            }
        }
        let r = json(&["report", &format!("examples/company-{company}")]);
        let reported: Vec<String> = r["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_ascii_lowercase())
            .collect();
        let unique: std::collections::BTreeSet<_> = reported.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            reported.len(),
            "company {company}: an asset appears twice"
        );
        assert_eq!(unique, expected, "company {company}");
        assert_eq!(r["summary"]["assets"], expected.len());
    }
}

#[test]
fn plan_and_gaps_views() {
    mdrplan()
        .args(["plan", "examples/company-b"])
        .assert()
        .code(0)
        .stdout(contains("Defender plans per subscription"))
        .stdout(contains("Licences"));
    mdrplan()
        .args(["gaps", "examples/company-a", "--fail-on", "critical"])
        .assert()
        .code(1)
        .stdout(contains("defender-plan-off"));
    let r = json(&["plan", "examples/company-b"]);
    assert!(
        r["plan"]["defender"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["plan"] == "CosmosDbs" && d["state"] == "off")
    );
}

/// The process's file-creation mask, as `umask` prints it.
#[cfg(unix)]
fn umask() -> u32 {
    let out = std::process::Command::new("sh")
        .args(["-c", "umask"])
        .output()
        .unwrap();
    u32::from_str_radix(String::from_utf8(out.stdout).unwrap().trim(), 8).unwrap()
}

#[test]
fn output_is_written_atomically_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    mdrplan()
        .args([
            "report",
            "examples/company-a",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["organization"]["archetype"], "traditional");
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file left behind");

    // Not private to its owner: a report is published by other users and CI steps.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044 & !umask(), "mode {mode:o}");
    }

    // A missing folder on the path is made, for the main output and the others alike.
    let nested = dir.path().join("reports/ci/report.txt");
    let sarif = dir.path().join("reports/sarif/mdr.sarif");
    mdrplan()
        .args(["report", "examples/company-a", "--fail-on", "never"])
        .arg("--output")
        .arg(&nested)
        .arg("--output-format")
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(0);
    assert!(std::fs::read_to_string(&nested).unwrap().contains("Adatum"));
    assert!(
        std::fs::read_to_string(&sarif)
            .unwrap()
            .contains("\"2.1.0\"")
    );

    // A folder is refused before any input is read; `-` is standard output.
    mdrplan()
        .args(["report", "tests/fixtures/does-not-exist"])
        .arg("--output-format")
        .arg(format!("sarif={}", dir.path().display()))
        .assert()
        .code(2)
        .stderr(contains("it is a folder; give the path of a file in it"));
    mdrplan()
        .args([
            "report",
            "examples/company-a",
            "--format",
            "json",
            "--output",
            "-",
        ])
        .assert()
        .code(1)
        .stdout(contains("\"schema_version\": 1"));
    mdrplan()
        .args(["report", "examples/company-a", "--output-format", "json=-"])
        .assert()
        .code(2)
        .stderr(contains("two outputs go to standard output"));
}

#[test]
fn same_inputs_in_any_order_give_the_same_bytes() {
    let files = [
        "examples/company-c/exports/resources-page2.json",
        "examples/company-c/overlay.yaml",
        "examples/company-c/exports/pricings-tailspin-ledger-prod.json",
        "examples/company-c/exports/resources-page1.json",
        "examples/company-c/exports/containers.json",
    ];
    let run = |order: &[&str]| {
        mdrplan()
            .args(["report", "--format", "json", "--fail-on", "never"])
            .args(order)
            .output()
            .unwrap()
            .stdout
    };
    let forward = run(&files);
    let mut reversed = files;
    reversed.reverse();
    assert!(!forward.is_empty());
    assert_eq!(forward, run(&reversed));
}

#[test]
fn validate_says_what_each_file_is() {
    mdrplan()
        .args(["validate", "examples/company-b"])
        .assert()
        .code(0)
        .stdout(contains("examples/company-b/overlay.yaml: overlay,"))
        .stdout(contains(
            "examples/company-b/exports/resources.json: resources,",
        ))
        .stdout(contains(
            "examples/company-b/exports/licences.json: licences,",
        ))
        .stdout(contains(
            "examples/company-b/exports/pricings-woodgrove-apps.json: pricings,",
        ))
        .stdout(contains("ok: 6 file(s)"));
}

#[test]
fn rules_lists_the_catalogue_and_explains_one() {
    mdrplan()
        .args(["rules"])
        .assert()
        .code(0)
        .stdout(contains("servers-p2-required"))
        .stdout(contains("custom-app-alert-rule-not-found"));
    mdrplan()
        .args(["rules", "explain", "servers-p2-required"])
        .assert()
        .code(0)
        .stdout(contains("Why it matters"))
        .stdout(contains("Base severity: medium"));
    mdrplan()
        .args(["rules", "explain", "server-p2-required"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `servers-p2-required`?"));
    let list = json(&["rules"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 17);
    assert!(names.contains(&"defender-integration-off"));
}

#[test]
fn profiles_are_listed_and_shown() {
    mdrplan()
        .args(["profiles"])
        .assert()
        .code(0)
        .stdout(contains("standard"))
        .stdout(contains("strict"));
    mdrplan()
        .args(["profiles", "show", "standard"])
        .assert()
        .code(0)
        .stdout(contains("name: standard"))
        .stdout(contains("VirtualMachines"));
    mdrplan()
        .args(["profiles", "show", "strict"])
        .assert()
        .code(0)
        .stdout(contains("name: strict"))
        .stdout(contains("SqlServerVirtualMachines"));
    mdrplan()
        .args(["profiles", "show", "standard", "--raw"])
        .assert()
        .code(0)
        .stdout(contains("#"));
    mdrplan()
        .args(["profiles", "show", "standrad"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `standard`?"));
}

#[test]
fn a_user_profile_extends_and_overrides_the_built_in_one() {
    let r = json(&[
        "-p",
        fixture("profiles/extends-standard.yaml").to_str().unwrap(),
        "report",
        "examples/company-a",
    ]);
    assert_eq!(r["profile"]["name"], "customer");
    assert_eq!(
        r["profile"]["extends"],
        serde_json::json!(["standard", "customer"])
    );
    let standard = json(&["report", "examples/company-a"]);
    let count = |r: &serde_json::Value| findings(r, "servers-p2-required").len();
    assert!(
        count(&r) > count(&standard),
        "tier 3 servers now need P2 too"
    );
}

#[test]
fn a_profile_words_rules_in_its_vendors_terms() {
    // The built-in profile gives the catalogue's vendor-neutral words Microsoft's terms.
    mdrplan()
        .args(["rules", "explain", "servers-p2-required"])
        .assert()
        .code(0)
        .stdout(contains(
            "Only Defender for Servers P2 adds agentless scanning",
        ));

    // A profile of one's own rewords a part and keeps the others: `rules explain` and the
    // findings' remediation both say it.
    let profile = fixture("profiles/rule-docs.yaml");
    let profile = profile.to_str().unwrap();
    mdrplan()
        .args(["-p", profile, "rules", "explain", "unclassified-asset"])
        .assert()
        .code(0)
        .stdout(contains("Set the asset's classification in the CMDB"))
        .stdout(contains("a consultant should decide"));
    let r = json(&["-p", profile, "report", "examples/company-a"]);
    let unclassified = findings(&r, "unclassified-asset");
    assert!(!unclassified.is_empty());
    for f in unclassified {
        assert_eq!(
            f["remediation"],
            "Set the asset's classification in the CMDB; the next export carries it as tags."
        );
    }

    mdrplan()
        .args([
            "-p",
            fixture("profiles/bad-rule-docs.yaml").to_str().unwrap(),
            "rules",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "bad-rule-docs.yaml:5:3: unknown rule `unclasified-asset`",
        ))
        .stderr(contains("did you mean `unclassified-asset`?"))
        .stderr(contains(
            "bad-rule-docs.yaml:9:5: unknown source key `nowhere`",
        ));
}

#[test]
fn a_broken_user_profile_is_refused_with_its_location() {
    mdrplan()
        .args([
            "-p",
            fixture("profiles/unknown-key.yaml").to_str().unwrap(),
            "report",
            "examples/company-a",
        ])
        .assert()
        .code(2)
        .stderr(contains("unknown-key.yaml:5:5"))
        .stderr(contains("did you mean `sub_plans`?"));
    mdrplan()
        .args([
            "-p",
            fixture("profiles/dangling.yaml").to_str().unwrap(),
            "report",
            "examples/company-a",
        ])
        .assert()
        .code(2)
        .stderr(contains("dangling.yaml:5:5"))
        .stderr(contains("unknown class `gadget`"))
        .stderr(contains("unknown plan `VirtualMachine`"))
        .stderr(contains("did you mean `VirtualMachines`?"));
    mdrplan()
        .args(["-p", "no-such-profile", "rules"])
        .assert()
        .code(2)
        .stderr(contains("built-in profiles: standard, strict"));
}

#[test]
fn strict_profile_asks_more() {
    let standard = json(&["report", "examples/company-a"]);
    let strict = json(&["-p", "strict", "report", "examples/company-a"]);
    let count = |r: &serde_json::Value| findings(r, "servers-p2-required").len();
    assert!(count(&strict) > count(&standard));
}

#[test]
fn bad_arguments_exit_2() {
    mdrplan().args(["report"]).assert().code(2);
    mdrplan()
        .args(["report", "examples/company-a", "--format", "xml"])
        .assert()
        .code(2);
    mdrplan().args(["frobnicate"]).assert().code(2);
    mdrplan()
        .args(["--help"])
        .assert()
        .code(0)
        .stdout(contains("Exit codes"));
}

/// Runs validate on a bad input and checks the one message it gives.
fn refuse(file: &str, code: i32, location: &str, message: &str, help: &str) {
    let path = format!("tests/fixtures/bad/{file}");
    let out = mdrplan().args(["validate", &path]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{file}: {stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains(&format!("{path}{location}")),
        "{file}: location {location} in {first}"
    );
    assert!(stderr.contains(message), "{file}: {message} in {stderr}");
    assert!(stderr.contains(help), "{file}: help {help} in {stderr}");
    assert!(!stderr.contains("panicked"), "{file}");
}

#[test]
fn mistyped_key() {
    refuse(
        "mistyped-key.yaml",
        2,
        ":5:5",
        "unknown field `sensitivty`",
        "did you mean `sensitivity`?",
    );
}

#[test]
fn unknown_value() {
    refuse(
        "unknown-value.yaml",
        2,
        ":5:13",
        "unknown variant `huge`",
        "accepted: low, medium, high, critical",
    );
}

#[test]
fn broken_yaml() {
    refuse(
        "broken.yaml",
        2,
        ":5:4",
        "did not find expected '-' indicator",
        "help:",
    );
}

#[test]
fn broken_json() {
    refuse(
        "broken.json",
        2,
        ":1:56",
        "invalid JSON",
        "export the file again",
    );
}

#[test]
fn empty_file() {
    refuse("empty.yaml", 2, ":", "the file is empty", "version: 1");
}

#[test]
fn alias_bomb_ends_quickly() {
    let start = std::time::Instant::now();
    refuse(
        "alias-bomb.yaml",
        2,
        ":",
        "unknown field `a`",
        "accepted: version",
    );
    refuse("alias-bomb-overlay.yaml", 2, ":2:", "invalid type", "");
    refuse(
        "alias-bomb-rule.yaml",
        2,
        ":",
        "repetition limit exceeded",
        "remove the anchors (&) and aliases (*)",
    );
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn dangling_depends_on() {
    refuse(
        "dangling-depends-on.yaml",
        2,
        ":5:18",
        "`bb` names no asset",
        "did you mean `b`?",
    );
}

#[test]
fn unknown_plan_and_state() {
    refuse(
        "unknown-plan.yaml",
        2,
        ":4:",
        "unknown Defender plan `VirtualMachine`",
        "did you mean `VirtualMachines`?",
    );
    mdrplan()
        .args(["validate", "tests/fixtures/bad/unknown-plan.yaml"])
        .assert()
        .stderr(contains("unknown state `PerVault` for plan KeyVaults"))
        .stderr(contains("did you mean `PerKeyVault`?"));
}

#[test]
fn cycle_is_a_warning_and_the_report_still_comes() {
    mdrplan()
        .args(["validate", "tests/fixtures/bad/cycle.yaml"])
        .assert()
        .code(0)
        .stderr(contains("warning: tests/fixtures/bad/cycle.yaml:3:"))
        .stderr(contains("dependency cycle between a, b"));
    let r = json(&["classify", "tests/fixtures/bad/cycle.yaml"]);
    let tiers: Vec<_> = r["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["tier"].as_u64().unwrap())
        .collect();
    assert_eq!(
        tiers,
        [2, 2],
        "the cycle passes `high` round once and stops"
    );
}

#[test]
fn missing_file() {
    mdrplan()
        .args(["validate", "tests/fixtures/bad/not-there.yaml"])
        .assert()
        .code(2)
        .stderr(contains("not-there.yaml: no such file or folder"));
}

#[test]
fn binary_and_utf16_without_bom_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("tool.json");
    std::fs::write(
        &binary,
        [
            0x7Fu8, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3E, 0,
        ],
    )
    .unwrap();
    mdrplan()
        .arg("validate")
        .arg(&binary)
        .assert()
        .code(2)
        .stderr(contains("the file is binary"));

    let utf16: Vec<u8> = "version: 1\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let no_bom = dir.path().join("overlay.yaml");
    std::fs::write(&no_bom, &utf16).unwrap();
    mdrplan()
        .arg("validate")
        .arg(&no_bom)
        .assert()
        .code(2)
        .stderr(contains("UTF-16 without a byte-order mark"));

    let mut with_bom = vec![0xFF, 0xFE];
    with_bom.extend(
        "version: 1\r\nassets:\r\n  - { id: a, type: server }\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let ok = dir.path().join("windows.yaml");
    std::fs::write(&ok, &with_bom).unwrap();
    mdrplan()
        .arg("validate")
        .arg(&ok)
        .assert()
        .code(0)
        .stdout(contains("overlay, 1 records"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("mdrplan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "report",
            "examples/company-c",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn color_is_off_when_piped_and_forced_with_always() {
    mdrplan()
        .args(["report", "examples/company-a"])
        .assert()
        .stdout(contains("\u{1b}[").not());
    mdrplan()
        .args(["--color", "always", "report", "examples/company-a"])
        .assert()
        .stdout(contains("\u{1b}["));
}

#[test]
fn strict_turns_warnings_into_errors_in_every_command() {
    for command in ["report", "gaps", "classify", "plan", "validate"] {
        mdrplan()
            .args(["--strict", command, "tests/fixtures/bad/cycle.yaml"])
            .assert()
            .code(2)
            .stderr(contains("error: tests/fixtures/bad/cycle.yaml:3:"));
    }
}

/// `--output` on a named pipe writes into the pipe: it must not rename a file over it.
#[cfg(unix)]
#[test]
fn output_to_a_named_pipe_keeps_the_pipe() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    mdrplan()
        .args(["gaps", "examples/company-a", "--format", "csv", "--output"])
        .arg(&fifo)
        .assert()
        .code(1);
    let text = reader.join().unwrap();
    assert!(text.starts_with("rule,severity,"), "{text}");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_setting_check_for_an_unknown_plan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(
        &profile,
        "name: mine\nextends: standard\nas_of: 2026-12-03\nsetting_checks:\n  - setting: WDATP\n    name: Defender for Endpoint integration\n    plan: VirtualMachine\n    effect: no sensor\n    fix: az security setting create --name WDATP\n",
    )
    .unwrap();
    mdrplan()
        .arg("--profile")
        .arg(&profile)
        .args(["validate", "examples/company-a"])
        .assert()
        .code(2)
        .stderr(contains(
            "profile.yaml:7:5: setting check WDATP names unknown plan `VirtualMachine`",
        ))
        .stderr(contains("did you mean `VirtualMachines`?"));
}
