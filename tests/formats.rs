//! Every output format, from one fixture tenant: a snapshot of each, SARIF checked against the
//! official SARIF 2.1.0 schema, JUnit read back as XML, hostile input text kept inert in every
//! format, the same bytes whatever the order of the inputs, and several outputs from one run.

mod common;

use assert_cmd::Command;

const TENANT: &str = "tests/fixtures/formats/tenant";
const OVERLAY: &str = "tests/fixtures/formats/tenant/overlay.yaml";
const EXPORT: &str = "tests/fixtures/formats/tenant/resources.json";
const WAIVERS: &str = "tests/fixtures/formats/waivers.yaml";
const HOSTILE: &str = "tests/fixtures/hostile";

const FORMATS: &[&str] = &[
    "table", "json", "markdown", "sarif", "junit", "github", "azure", "csv",
];

fn mdrplan() -> Command {
    let mut cmd = common::mdrplan_at(120);
    cmd.env("MDRPLAN_TODAY", "2026-12-01");
    cmd
}

/// Runs mdrplan and returns its standard output; it must exit 0 or 1.
fn run(args: &[&str]) -> String {
    let out = mdrplan().args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The fixture tenant's report in a format, with a waiver.
fn tenant(format: &str) -> String {
    run(&[
        "report",
        TENANT,
        "--waivers",
        WAIVERS,
        "--format",
        format,
        "--fail-on",
        "never",
    ])
}

fn hostile(format: &str) -> String {
    run(&[
        "--color",
        "never",
        "report",
        HOSTILE,
        "--format",
        format,
        "--fail-on",
        "never",
    ])
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn every_format_has_a_snapshot() {
    for format in FORMATS {
        insta::assert_snapshot!(format!("tenant_{format}"), tenant(format));
    }
}

#[test]
fn gaps_and_classify_have_their_own_markdown_and_csv() {
    for (command, format) in [
        ("gaps", "markdown"),
        ("classify", "markdown"),
        ("plan", "markdown"),
        ("classify", "csv"),
        ("plan", "csv"),
    ] {
        let out = run(&[command, TENANT, "--format", format, "--fail-on", "never"]);
        insta::assert_snapshot!(format!("tenant_{command}_{format}"), out);
    }
}

/// The number of findings in the fixture's JSON report.
fn finding_count(report: &str) -> usize {
    json(report)["findings"].as_array().unwrap().len()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let mut schema = json(include_str!("schemas/sarif-schema-2.1.0.json"));
    // The schema's one known defect: the `language` patterns have a stray `]`, which a strict
    // ECMA-262 regular expression check refuses. They become the pattern the specification
    // describes (`xx` or `xx-XX`); mdrplan writes no `language` anyway.
    fn fix_language(v: &mut serde_json::Value) -> usize {
        const DEFECT: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match v {
            serde_json::Value::Object(o) => {
                let mut fixed = 0;
                if o.get("pattern").is_some_and(|p| p == DEFECT) {
                    o.insert("pattern".into(), "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into());
                    fixed += 1;
                }
                fixed + o.values_mut().map(fix_language).sum::<usize>()
            }
            serde_json::Value::Array(a) => a.iter_mut().map(fix_language).sum(),
            _ => 0,
        }
    }
    assert!(fix_language(&mut schema) > 0);
    let validator = jsonschema::validator_for(&schema).unwrap();
    for sarif in [tenant("sarif"), hostile("sarif")] {
        let sarif = json(&sarif);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    // The check has teeth: a result without its message is refused.
    let mut broken = json(&tenant("sarif"));
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_results_carry_rules_levels_fingerprints_and_lines() {
    let sarif = json(&tenant("sarif"));
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), mdrplan::rules::Rule::ALL.len());
    let off = rules
        .iter()
        .find(|r| r["id"] == "defender-plan-off")
        .unwrap();
    assert_eq!(off["defaultConfiguration"]["level"], "error");
    assert_eq!(off["properties"]["security-severity"], "8.0");
    assert!(
        off["help"]["text"]
            .as_str()
            .unwrap()
            .contains("How to fix it")
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), finding_count(&tenant("json")));
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], rule);
        assert!(
            r["partialFingerprints"]["mdrplanFingerprint/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 32)
        );
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("tests/fixtures/formats/tenant/"), "{uri}");
    }

    // An overlay asset points at its line and column; an exported one at its row of the export.
    let on = |name: &str| {
        results
            .iter()
            .find(|r| {
                r["locations"][0]["logicalLocations"][0]["name"] == name
                    && r["ruleId"] != "unclassified-asset"
            })
            .unwrap_or_else(|| panic!("no result on {name}"))
    };
    let kv = &on("kv-orders")["locations"][0]["physicalLocation"];
    assert_eq!(kv["artifactLocation"]["uri"], OVERLAY);
    assert_eq!(kv["region"]["startLine"], 20);
    assert_eq!(kv["region"]["startColumn"], 5);
    assert_eq!(on("kv-orders")["level"], "error");
    let storage = &results
        .iter()
        .find(|r| {
            r["properties"]["asset"]
                .as_str()
                .is_some_and(|a| a.ends_with("stnwexport"))
        })
        .unwrap()["locations"][0]["physicalLocation"];
    assert_eq!(storage["artifactLocation"]["uri"], EXPORT);
    assert_eq!(storage["region"]["startLine"], 5);
    assert_eq!(storage["region"]["startColumn"], 5);

    // The waived finding is suppressed with the waiver's reason.
    let waived: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["ruleId"], "servers-p2-required");
    let suppression = &waived[0]["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(
        suppression["justification"],
        "Moves to Servers P2 with the next budget"
    );
}

#[test]
fn locations_drop_a_leading_dot_slash() {
    // `./inventory` and `inventory` name the same files; code scanning and annotations match a
    // location against the repository's paths, which never start with `./`.
    let dotted = format!("./{TENANT}");
    let args = |format| {
        [
            "report",
            dotted.as_str(),
            "--format",
            format,
            "--fail-on",
            "never",
        ]
    };
    assert_eq!(run(&args("sarif")), tenant_without_waivers("sarif"));
    let github = run(&args("github"));
    assert!(github.contains(&format!("file={OVERLAY},")), "{github}");
    assert!(!github.contains("file=./"), "{github}");
    let azure = run(&args("azure"));
    assert!(azure.contains(&format!("sourcepath={OVERLAY};")), "{azure}");
}

fn tenant_without_waivers(format: &str) -> String {
    run(&["report", TENANT, "--format", format, "--fail-on", "never"])
}

#[test]
fn against_a_baseline_only_new_findings_raise_ci_errors() {
    // A baseline without the key vault's finding: it alone is new.
    let dir = tempfile::tempdir().unwrap();
    let mut old = json(&tenant("json"));
    let findings = old["findings"].as_array_mut().unwrap();
    let before = findings.len();
    findings.retain(|f| f["rule"] != "defender-plan-off");
    assert_eq!(findings.len(), before - 1);
    let path = dir.path().join("old.json");
    std::fs::write(&path, serde_json::to_string(&old).unwrap()).unwrap();
    let path = path.to_str().unwrap();
    let args = |format| {
        [
            "report",
            TENANT,
            "--baseline",
            path,
            "--format",
            format,
            "--fail-on",
            "never",
        ]
    };

    let github = run(&args("github"));
    assert_eq!(github.lines().count(), before);
    for line in github.lines() {
        if line.contains("defender-plan-off") {
            assert!(
                line.starts_with("::error ") && line.contains("%2C new::"),
                "{line}"
            );
        } else {
            assert!(
                line.starts_with("::notice ") && line.contains("%2C unchanged::"),
                "{line}"
            );
        }
    }

    // The pull-request comment puts what is new first.
    let markdown = run(&args("markdown"));
    let (_, new) = markdown.split_once("### New since the baseline\n").unwrap();
    let (new, _) = new.split_once("### Findings, worst first").unwrap();
    let rows: Vec<&str> = new.lines().filter(|l| l.starts_with("| high")).collect();
    assert_eq!(rows.len(), 1, "{new}");
    assert!(rows[0].contains("`defender-plan-off`"), "{new}");
    assert!(markdown.contains("1 new since the baseline."));

    let azure = run(&args("azure"));
    let issues: Vec<&str> = azure.lines().filter(|l| l.starts_with("##vso[")).collect();
    assert_eq!(issues.len(), 1, "{azure}");
    assert!(
        issues[0].contains("code=defender-plan-off]new high"),
        "{azure}"
    );
    assert_eq!(
        azure
            .lines()
            .filter(|l| l.starts_with("unchanged "))
            .count(),
        before - 1
    );
}

#[test]
fn a_baseline_gives_sarif_baseline_states_and_csv_columns() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, tenant("json")).unwrap();
    let old = old.to_str().unwrap();
    let sarif = json(&run(&[
        "report",
        TENANT,
        "--baseline",
        old,
        "--format",
        "sarif",
    ]));
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(r["baselineState"], "unchanged");
    }
    let markdown = run(&["report", TENANT, "--baseline", old, "--format", "markdown"]);
    assert!(
        markdown.contains(
            "### New since the baseline\n\nNone: every finding was already in the baseline.\n"
        ),
        "{markdown}"
    );
    let csv = run(&["report", TENANT, "--baseline", old, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = headers.iter().position(|h| h == "baseline").unwrap();
    for row in reader.records() {
        assert_eq!(&row.unwrap()[column], "unchanged");
    }
}

/// The XML events of a JUnit file, read with quick-xml: it must be well-formed.
fn junit_elements(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut elements = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attributes = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.normalized_value(quick_xml::XmlVersion::default())
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                elements.push((
                    String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    attributes,
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    elements
}

fn attr<'a>(attributes: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn junit_is_xml_with_a_suite_per_module_and_failures_for_findings() {
    let elements = junit_elements(&tenant("junit"));
    let suites: Vec<&str> = elements
        .iter()
        .filter(|(n, _)| n == "testsuite")
        .filter_map(|(_, a)| attr(a, "name"))
        .collect();
    for expected in [
        "module mdr-24x7",
        "module cloud-platform",
        "module custom-application",
        "organisation",
        "applications",
        "subscriptions",
        "inventory",
    ] {
        assert!(suites.contains(&expected), "{expected} in {suites:?}");
    }
    let failures: Vec<&str> = elements
        .iter()
        .filter(|(n, _)| n == "failure")
        .filter_map(|(_, a)| attr(a, "type"))
        .collect();
    for rule in [
        "log-detection-missing",
        "defender-plan-off",
        "custom-app-alert-not-routed",
        "defender-plan-unknown",
        "unclassified-asset",
    ] {
        assert!(failures.contains(&rule), "{rule} in {failures:?}");
    }
    // Passing cases too: the module covers the key vault's sibling web app.
    let cases = elements.iter().filter(|(n, _)| n == "testcase").count();
    assert!(cases > failures.len());
    // The waived finding is a skipped case with the waiver as its reason.
    let skipped: Vec<&str> = elements
        .iter()
        .filter(|(n, _)| n == "skipped")
        .filter_map(|(_, a)| attr(a, "message"))
        .collect();
    assert!(
        skipped
            .iter()
            .any(|m| m.contains("waived until 2027-06-30 by platform-team")),
        "{skipped:?}"
    );
}

/// What no format may let through from the hostile fixture.
fn assert_no_escape_sequences(format: &str, out: &str) {
    assert!(
        !out.contains('\u{1b}'),
        "{format}: an escape sequence got through"
    );
    assert!(
        !out.contains('\u{202E}'),
        "{format}: a bidirectional override got through"
    );
}

#[test]
fn hostile_text_stays_inert_in_table_and_markdown() {
    assert_no_escape_sequences("table", &hostile("table"));

    let md = hostile("markdown");
    assert_no_escape_sequences("markdown", &md);
    // `://` would be a bare link on GitHub, as `@` followed by a name would be a mention.
    for markup in ["<script", "<img", "<b>", "](http", "`*", "://"] {
        assert!(!md.contains(markup), "markdown holds {markup:?}");
    }
    // Every row of a table has as many cell separators as its header.
    let mut columns = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let bars = line.matches('|').count();
            match columns {
                None => columns = Some(bars),
                Some(n) => assert_eq!(bars, n, "{line}"),
            }
        } else {
            columns = None;
        }
    }
}

#[test]
fn hostile_text_cannot_forge_ci_commands() {
    let json_report = hostile("json");
    let findings = finding_count(&json_report);

    let github = hostile("github");
    assert_no_escape_sequences("github", &github);
    assert_eq!(github.lines().count(), findings);
    for line in github.lines() {
        let rest = line
            .strip_prefix("::error ")
            .or_else(|| line.strip_prefix("::warning "))
            .or_else(|| line.strip_prefix("::notice "))
            .unwrap_or_else(|| panic!("not an annotation: {line}"));
        let (properties, _message) = rest.split_once("::").unwrap();
        for p in properties.split(',') {
            let key = p.split_once('=').unwrap().0;
            assert!(["file", "line", "col", "title"].contains(&key), "{line}");
        }
    }

    let azure = hostile("azure");
    assert_no_escape_sequences("azure", &azure);
    assert_eq!(azure.lines().count(), findings);
    for line in azure.lines() {
        match line.strip_prefix("##vso[task.logissue ") {
            Some(rest) => {
                assert_eq!(rest.matches(']').count(), 1, "{line}");
                let (properties, _) = rest.split_once(']').unwrap();
                for p in properties.split(';') {
                    let key = p.split_once('=').unwrap().0;
                    assert!(
                        ["type", "sourcepath", "linenumber", "columnnumber", "code"].contains(&key),
                        "{line}"
                    );
                }
            }
            None => assert!(!line.contains("##"), "{line}"),
        }
    }
}

#[test]
fn hostile_text_is_no_formula_in_csv() {
    let out = hostile("csv");
    assert_no_escape_sequences("csv", &out);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let mut rows = 0;
    for row in reader.records() {
        rows += 1;
        for cell in row.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
    assert_eq!(rows, finding_count(&hostile("json")));
    assert!(out.contains("'=HYPERLINK"));
}

#[test]
fn an_overlay_asset_without_a_name_is_called_by_its_whole_id() {
    // Only a resource id ends in the asset's name: the slashes in these ids are not separators,
    // and the whole text (with its formula) reaches each message, where it must stay inert.
    let report = json(&hostile("json"));
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "servers-p2-required")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for id in [
        "=HYPERLINK(\"http://evil.example\")",
        "+cmd|' /C calc'!A0\u{FFFE}\u{1}",
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with(&format!("{id} (tier 1)"))),
            "{id} in {messages:#?}"
        );
    }

    let csv = hostile("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let message = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "message");
    let message = message.unwrap();
    let formulas = reader
        .records()
        .map(|r| r.unwrap()[message].to_owned())
        .filter(|m| m.starts_with("'=HYPERLINK") || m.starts_with("'+cmd"))
        .count();
    assert_eq!(formulas, 2, "{csv}");
}

#[test]
fn hostile_text_stays_text_in_sarif_and_junit() {
    let sarif = hostile("sarif");
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&json(&sarif), &mut all);
    assert!(
        all.iter()
            .all(|s| !s.contains('\u{1b}') && !s.contains('\u{202E}'))
    );

    let junit = hostile("junit");
    assert_no_escape_sequences("junit", &junit);
    // Characters XML 1.0 does not allow, even as references, would make the file unreadable.
    assert!(
        !junit.contains(['\u{FFFE}', '\u{1}']),
        "a character XML cannot hold got through"
    );
    let names: std::collections::BTreeSet<String> =
        junit_elements(&junit).into_iter().map(|(n, _)| n).collect();
    for name in &names {
        assert!(
            ["testsuites", "testsuite", "testcase", "failure", "skipped"].contains(&name.as_str()),
            "element {name} in the JUnit file"
        );
    }
}

#[test]
fn the_order_of_the_inputs_changes_no_byte() {
    for format in FORMATS {
        let forward = run(&[
            "report",
            OVERLAY,
            EXPORT,
            "--format",
            format,
            "--fail-on",
            "never",
        ]);
        let backward = run(&[
            "report",
            EXPORT,
            OVERLAY,
            "--format",
            format,
            "--fail-on",
            "never",
        ]);
        assert_eq!(forward, backward, "{format}");
    }
}

#[test]
fn several_outputs_come_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (sarif, junit, csv) = (path("mdr.sarif"), path("mdr.xml"), path("mdr.csv"));
    let stdout = run(&[
        "report",
        TENANT,
        "--waivers",
        WAIVERS,
        "--format",
        "markdown",
        "--output-format",
        &format!("sarif={sarif}"),
        "--output-format",
        &format!("junit={junit}"),
        "--output-format",
        &format!("csv={csv}"),
        "--fail-on",
        "never",
    ]);
    assert_eq!(stdout, tenant("markdown"));
    assert_eq!(std::fs::read_to_string(&sarif).unwrap(), tenant("sarif"));
    assert_eq!(std::fs::read_to_string(&junit).unwrap(), tenant("junit"));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), tenant("csv"));
}

#[test]
fn output_format_mistakes_exit_2_with_a_clear_message() {
    let stderr = |args: &[&str]| {
        let out = mdrplan().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let typo = stderr(&["report", TENANT, "--output-format", "sarf=x.sarif"]);
    assert!(typo.contains("did you mean `sarif`"), "{typo}");
    let bare = stderr(&["report", TENANT, "--output-format", "sarif"]);
    assert!(bare.contains("expected FORMAT=PATH"), "{bare}");
    let twice = stderr(&[
        "report",
        TENANT,
        "--output-format",
        "sarif=same.out",
        "--output-format",
        "junit=same.out",
    ]);
    assert!(twice.contains("two outputs"), "{twice}");
    let findings_format = stderr(&["classify", TENANT, "--format", "sarif"]);
    assert!(
        findings_format.contains("use it with `report` or `gaps`"),
        "{findings_format}"
    );
}

#[test]
fn the_exit_code_does_not_depend_on_the_format() {
    for format in FORMATS {
        mdrplan()
            .args(["report", TENANT, "--format", format])
            .assert()
            .code(1);
    }
}

#[test]
fn remediation_commands_quote_text_from_the_inputs() {
    let out = mdrplan()
        .args(["gaps", "tests/fixtures/hostile", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("az security pricing create --subscription 'sub;x]' --name"),
        "{text}"
    );
    assert!(!text.contains("--subscription sub;x]"));
}
