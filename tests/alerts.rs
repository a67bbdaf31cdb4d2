//! `mdrplan alerts`: analytics rules written for the use cases an application misses, read back
//! as inputs, one query template per telemetry source, and refusals with exit code 2.

mod common;

use common::json_report as report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;

const FIXTURE: &str = "tests/fixtures/alerts";

fn mdrplan() -> Command {
    common::mdrplan_at(160)
}

/// Runs `alerts` and returns the rule files it wrote, by file name.
fn alerts(inputs: &[&str], app: Option<&str>, dir: &Path) -> BTreeMap<String, String> {
    let mut cmd = mdrplan();
    cmd.arg("alerts").args(inputs).arg("--output").arg(dir);
    if let Some(app) = app {
        cmd.args(["--app", app]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    files(dir)
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

fn yaml(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).unwrap()
}

fn statuses(report: &serde_json::Value, app: &str) -> BTreeMap<String, String> {
    let app = report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == app)
        .unwrap();
    app["use_cases"]["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["use_case"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn generated_rules_read_back_cover_their_use_cases() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rules");
    let before = statuses(&report(&["examples/company-c"]), "ledger");
    let written = alerts(&["examples/company-c"], Some("ledger"), &out);

    // One file per use case with no alert; api-abuse has one, routed elsewhere, and keeps it.
    let expected: Vec<String> = before
        .iter()
        .filter(|(_, s)| *s == "missing")
        .map(|(uc, _)| format!("ledger-{uc}.yaml"))
        .collect();
    assert_eq!(written.keys().cloned().collect::<Vec<_>>(), {
        let mut e = expected.clone();
        e.sort();
        e
    });
    assert_eq!(expected.len(), 5, "{before:?}");

    let out_text = out.to_str().unwrap();
    let after = statuses(&report(&["examples/company-c", out_text]), "ledger");
    for (uc, status) in &before {
        let want = match status.as_str() {
            "missing" => "verified",
            other => other,
        };
        assert_eq!(after[uc], want, "{uc}: {after:?}");
    }

    // And they are valid input, each taken for what it is.
    let listing = mdrplan()
        .args(["validate", "examples/company-c", out_text])
        .output()
        .unwrap();
    assert_eq!(listing.status.code(), Some(0));
    let listing = String::from_utf8(listing.stdout).unwrap();
    for name in written.keys() {
        assert!(
            listing.contains(&format!("{name}: sentinel rules, 1 records")),
            "{listing}"
        );
    }

    // Nothing is left to write once they are among the inputs.
    let again = dir.path().join("again");
    assert!(alerts(&["examples/company-c", out_text], Some("ledger"), &again).is_empty());
}

#[test]
fn a_rule_file_in_the_azure_sentinel_format() {
    let dir = tempfile::tempdir().unwrap();
    let written = alerts(&[FIXTURE], Some("insights-app"), dir.path());
    insta::assert_snapshot!(written["insights-app-account-takeover.yaml"]);
}

#[test]
fn rule_fields_come_from_the_use_case_the_source_and_the_tier() {
    let dir = tempfile::tempdir().unwrap();
    let written = alerts(&[FIXTURE], None, dir.path());
    let rule = |file: &str| yaml(&written[file]);

    // Keys in the Azure-Sentinel format's order.
    let keys: Vec<String> = rule("edge-app-api-exploitation.yaml")
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "description",
            "severity",
            "requiredDataConnectors",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
            "tactics",
            "relevantTechniques",
            "query",
            "entityMappings",
            "version",
            "kind",
            "tags"
        ]
    );

    // Severity by tier: insights-app is critical (tier 1) ... edge-app public and low (tier 4).
    for (file, severity) in [
        ("insights-app-api-abuse.yaml", "High"),
        ("site-app-api-abuse.yaml", "Medium"),
        ("gateway-app-api-abuse.yaml", "Low"),
        ("edge-app-api-abuse.yaml", "Informational"),
    ] {
        assert_eq!(rule(file)["severity"], severity, "{file}");
    }

    // Parent techniques only, each with its tactic.
    let r = rule("insights-app-account-takeover.yaml");
    assert_eq!(
        r["relevantTechniques"],
        yaml("[T1110, T1078, T1621]"),
        "{r:?}"
    );
    assert_eq!(r["tactics"], yaml("[CredentialAccess, InitialAccess]"));
    assert_eq!(r["triggerOperator"], "gt");
    assert_eq!(r["triggerThreshold"], 0);
    assert_eq!(r["kind"], "Scheduled");
    assert_eq!(r["version"], "1.0.0");
    assert_eq!(
        r["tags"],
        yaml("[mdrplan-application:insights-app, mdrplan-use-case:account-takeover]")
    );
    // The thresholds to tune are named in the description with their values.
    let description = r["description"].as_str().unwrap();
    assert!(
        description.contains("failures = 20") && description.contains("sign_in_operation = login"),
        "{description}"
    );
    assert!(r["query"].as_str().unwrap().contains("Failures > 20"));

    // Connectors: none for Application Insights, the WAF connector for firewall logs.
    assert_eq!(r["requiredDataConnectors"], yaml("[]"));
    assert_eq!(
        rule("edge-app-traffic-spike.yaml")["requiredDataConnectors"],
        yaml("[{connectorId: WAF, dataTypes: [AzureDiagnostics]}]")
    );
    // A query with no entity column maps none.
    assert!(rule("edge-app-traffic-spike.yaml")["entityMappings"].is_null());
}

/// The query of every rule written for an application: each names the table and filters to the
/// application's own resource (or, for sign-in logs, its name).
fn queries(app: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    alerts(&[FIXTURE], Some(app), dir.path())
        .into_iter()
        .map(|(f, text)| (f, yaml(&text)["query"].as_str().unwrap().to_owned()))
        .collect()
}

fn resource(path: &str) -> String {
    format!(
        "_ResourceId in~ (\"/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-web/providers/{path}\")"
    )
}

#[test]
fn application_insights_templates() {
    let q = queries("insights-app");
    assert_eq!(q.len(), 7, "{q:#?}");
    for (file, query) in &q {
        assert!(
            query.starts_with("AppRequests\n") || query.starts_with("AppEvents\n"),
            "{file}: {query}"
        );
        assert!(
            query.contains(&resource("Microsoft.Insights/components/appi-web")),
            "{file}: {query}"
        );
    }
    assert!(q["insights-app-privilege-escalation.yaml"].contains("Name == \"RoleAssigned\""));
}

#[test]
fn app_service_http_log_templates() {
    let q = queries("site-app");
    assert!(q.len() >= 4, "{q:#?}");
    for (file, query) in &q {
        assert!(query.starts_with("AppServiceHTTPLogs\n"), "{file}: {query}");
        assert!(
            query.contains(&resource("Microsoft.Web/sites/app-web")),
            "{file}: {query}"
        );
        assert!(query.contains("CIp"), "{file}: {query}");
    }
}

#[test]
fn api_management_gateway_log_templates() {
    let q = queries("gateway-app");
    assert!(q.len() >= 4, "{q:#?}");
    for (file, query) in &q {
        assert!(
            query.starts_with("ApiManagementGatewayLogs\n"),
            "{file}: {query}"
        );
        assert!(
            query.contains(&resource("Microsoft.ApiManagement/service/apim-web")),
            "{file}: {query}"
        );
    }
    assert!(q["gateway-app-api-abuse.yaml"].contains("by ApimSubscriptionId, CallerIpAddress"));
}

#[test]
fn web_application_firewall_templates() {
    let q = queries("edge-app");
    assert!(q.len() >= 3, "{q:#?}");
    for (file, query) in &q {
        assert!(query.starts_with("AzureDiagnostics\n"), "{file}: {query}");
        assert!(
            query.contains(
                "Category in~ (\"FrontDoorWebApplicationFirewallLog\", \"ApplicationGatewayFirewallLog\")"
            ),
            "{file}: {query}"
        );
        assert!(
            query.contains(&resource("Microsoft.Cdn/profiles/afd-web")),
            "{file}: {query}"
        );
        // Front Door and Application Gateway spell the client column differently.
        assert!(
            query.contains("column_ifexists(\"clientIP_s\", \"\")")
                && query.contains("column_ifexists(\"clientIp_s\", \"\")"),
            "{file}: {query}"
        );
    }
    // Front Door logs a rule match below the blocking score, or in detection mode, as
    // AnomalyScoring or Log; Application Gateway as Matched or Detected.
    let exploitation = &q["edge-app-api-exploitation.yaml"];
    for action in [
        "\"AnomalyScoring\"",
        "\"Log\"",
        "\"Matched\"",
        "\"Detected\"",
    ] {
        assert!(exploitation.contains(action), "{action}: {exploitation}");
    }
}

#[test]
fn entra_sign_in_log_templates() {
    let q = queries("signin-app");
    let query = &q["signin-app-account-takeover.yaml"];
    assert!(query.starts_with("SigninLogs\n"), "{query}");
    // The application's name, quoted as a KQL string.
    assert!(
        query.contains(r#"AppDisplayName =~ "Contoso \"Sign-in\" portal""#),
        "{query}"
    );
    assert_eq!(
        q.len(),
        1,
        "only account takeover is served by sign-in logs"
    );
}

#[test]
fn use_cases_without_a_template_are_named_with_what_would_serve_them() {
    let dir = tempfile::tempdir().unwrap();
    mdrplan()
        .args(["alerts", FIXTURE, "--app", "edge-app", "--output"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("3 rule(s) written"))
        .stdout(contains(
            "skipped privilege-escalation (missing): none of edge-app's telemetry has a query for privilege-escalation: add Application Insights (`app-insights`)",
        ))
        .stderr(contains("warning: edge-app: no rule for data-exfiltration"));
}

#[test]
fn same_inputs_in_any_order_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let first = alerts(
        &[
            "examples/company-c/overlay.yaml",
            "examples/company-c/exports",
        ],
        None,
        &a,
    );
    let second = alerts(
        &[
            "examples/company-c/exports",
            "examples/company-c/overlay.yaml",
        ],
        None,
        &b,
    );
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn existing_files_are_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("signin-app-account-takeover.yaml");
    std::fs::write(&target, "mine").unwrap();
    mdrplan()
        .args(["alerts", FIXTURE, "--app", "signin-app", "--output"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("1 rule file(s) already exist"))
        .stderr(contains("signin-app-account-takeover.yaml"))
        .stderr(contains("--force"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");

    mdrplan()
        .args([
            "alerts",
            FIXTURE,
            "--app",
            "signin-app",
            "--force",
            "--output",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("SigninLogs")
    );
}

#[test]
fn an_unknown_application_gets_the_closest_id() {
    let dir = tempfile::tempdir().unwrap();
    mdrplan()
        .args(["alerts", FIXTURE, "--app", "gatway-app", "--output"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("no application `gatway-app` in the inputs"))
        .stderr(contains("did you mean `gateway-app`?"));
}

#[test]
fn an_application_without_telemetry_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    mdrplan()
        .args(["alerts", FIXTURE, "--app", "bare-app", "--output"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("application bare-app has no telemetry source"))
        .stderr(contains("`telemetry:`"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // Among all applications it is a warning; the others get their rules.
    mdrplan()
        .args(["alerts", FIXTURE, "--output"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(contains("warning: bare-app: no rule for account-takeover"));
}

#[test]
fn disabled_and_unrouted_alerts_are_reported_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    // The Sentinel fixture's api-abuse rule is disabled; company C's api-abuse alert goes to
    // another tool.
    mdrplan()
        .args(["alerts", "tests/fixtures/sentinel", "--output"])
        .arg(dir.path().join("s"))
        .assert()
        .stdout(contains("skipped api-abuse (rule-disabled): its rule \"Orders - API abuse: request rate per client\" is there but disabled"));
    mdrplan()
        .args(["alerts", "examples/company-c", "--app", "ledger", "--output"])
        .arg(dir.path().join("c"))
        .assert()
        .code(0)
        .stdout(contains("skipped api-abuse (not-routed): its alert \"Ledger - API call rate per tenant key above baseline\" goes to other, not to Sentinel"));
    assert!(!dir.path().join("c/ledger-api-abuse.yaml").exists());
}

#[test]
fn a_bad_query_template_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(
        &profile,
        r#"name: customer
extends: standard
as_of: "2026-12-03"
telemetry:
  - id: app-insights
    name: Application Insights
    tables: [AppRequests]
    inferred_from: [Microsoft.Insights/components]
    queries:
      acount-takeover:
        detects: Many failures.
        frequency: 1h
        period: 5m
        query: |
          AppRequests
          | where _ResourceId in~ ({resource_id})
          | summarize Failures = count() by ClientIP
          | where Failures > {failures}
        entities:
          - {entity: URL, identifier: Url, column: Url}
"#,
    )
    .unwrap();
    mdrplan()
        .arg("--profile")
        .arg(&profile)
        .args(["validate", FIXTURE])
        .assert()
        .code(2)
        .stderr(contains("profile.yaml:10:7: telemetry app-insights has a query for unknown use case `acount-takeover`"))
        .stderr(contains("did you mean `account-takeover`?"))
        .stderr(contains("unknown placeholder `{resource_id}`"))
        .stderr(contains("did you mean `resource_ids`?"))
        .stderr(contains("unknown placeholder `{failures}`"))
        .stderr(contains("entity URL maps column `Url`, which the query does not name"))
        .stderr(contains("the period 5m is shorter than the frequency 1h"));
}

#[test]
fn a_component_known_only_from_the_overlay_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.yaml");
    std::fs::write(
        &overlay,
        "version: 1\nassets:\n  - id: web-onprem\n    type: Microsoft.Web/sites\napplications:\n  - id: shop\n    delivery: saas\n    exposure: internet\n    components: [{id: web-onprem}]\n",
    )
    .unwrap();
    let out = mdrplan()
        .arg("alerts")
        .arg(&overlay)
        .arg("--output")
        .arg(dir.path().join("rules"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warning = "warning: shop: component `web-onprem` is not an Azure resource id";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
}

#[test]
fn each_use_case_is_written_from_the_source_best_placed_to_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = alerts(&["examples/company-c"], Some("ledger"), dir.path());
    let tables = |name: &str| {
        let rule = yaml(&files[name]);
        rule["query"].as_str().unwrap().to_owned()
    };
    // Ledger has Application Insights, API Management and Front Door: injection attempts are
    // the WAF's to see, call rates the gateway's, in-app events Application Insights'.
    assert!(tables("ledger-api-exploitation.yaml").contains("AzureDiagnostics"));
    assert!(tables("ledger-traffic-spike.yaml").contains("ApiManagementGatewayLogs"));
    assert!(
        tables("ledger-tenant-isolation.yaml").contains("AppTraces")
            || tables("ledger-tenant-isolation.yaml").contains("AppEvents")
    );
}

#[test]
fn a_use_case_preferring_an_unknown_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(
        &profile,
        "name: mine\nextends: standard\nas_of: 2026-12-03\nuse_cases:\n  - id: api-abuse\n    name: API abuse\n    description: Abnormal call rates.\n    telemetry: [apim-gateway-log]\n",
    )
    .unwrap();
    mdrplan()
        .arg("--profile")
        .arg(&profile)
        .args(["validate", "examples/company-c"])
        .assert()
        .code(2)
        .stderr(contains(
            "use case api-abuse names unknown telemetry source `apim-gateway-log`",
        ))
        .stderr(contains("did you mean `apim-gateway-logs`?"));
}

#[test]
fn an_output_that_is_a_file_is_refused() {
    mdrplan()
        .args([
            "alerts",
            "examples/company-c",
            "--app",
            "ledger",
            "--output",
            "README.md",
        ])
        .assert()
        .code(2)
        .stderr(contains("README.md: --output names a file"));
}

/// One stage of a KQL query (`where ...`, `summarize ...`) cut into words outside string
/// literals: the operator, the columns it reads, the names it assigns (`X = ...`), and the
/// columns it reads after `by`.
#[derive(Debug, Default, PartialEq)]
struct Stage {
    operator: String,
    reads: Vec<String>,
    assigns: Vec<String>,
    by: Vec<String>,
}

fn stage(text: &str) -> Stage {
    const KQL: &[&str] = &[
        "where",
        "in",
        "has",
        "and",
        "or",
        "not",
        "summarize",
        "by",
        "extend",
        "project",
        "count",
        "countif",
        "dcount",
        "make_set",
        "take_any",
        "strcat",
        "toint",
        "sum",
        "coalesce",
        "column_ifexists",
        "true",
        "false",
        "startswith",
    ];
    // String literals out, each replaced by a space.
    let mut bare = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        match (quoted, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => {
                quoted = false;
                bare.push(' ');
            }
            (true, false, _) => {}
            (false, _, '"') => quoted = true,
            (false, _, c) => bare.push(c),
        }
    }
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (at, c) in bare.char_indices().chain([(bare.len(), ' ')]) {
        match (start, c.is_alphanumeric() || c == '_') {
            (None, true) => start = Some(at),
            (Some(s), false) => {
                words.push((s, &bare[s..at]));
                start = None;
            }
            _ => {}
        }
    }
    let mut out = Stage {
        operator: words
            .first()
            .map(|(_, w)| (*w).to_owned())
            .unwrap_or_default(),
        ..Stage::default()
    };
    let by_at = words
        .iter()
        .find(|(_, w)| *w == "by")
        .map_or(usize::MAX, |(at, _)| *at);
    for (at, word) in words.iter().skip(1) {
        let rest = bare[at + word.len()..].trim_start();
        if rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=~") {
            out.assigns.push((*word).to_owned());
        } else if !KQL.contains(word) && !word.starts_with(|c: char| c.is_ascii_digit()) {
            out.reads.push((*word).to_owned());
            if *at > by_at {
                out.by.push((*word).to_owned());
            }
        }
    }
    out
}

#[test]
fn every_template_reads_real_columns_of_its_tables() {
    let tables: BTreeMap<String, Vec<String>> =
        serde_yaml::from_str(&std::fs::read_to_string("tests/fixtures/kql/tables.yaml").unwrap())
            .unwrap();
    let catalog = mdrplan::profile::load("standard").unwrap();
    let mut checked = 0;
    for source in &catalog.profile.telemetry {
        assert!(!source.queries.is_empty(), "{} has no template", source.id);
        for (use_case, template) in &source.queries {
            let what = format!("{} / {use_case}", source.id);
            // Placeholders stand for values, not columns.
            let query = template
                .query
                .split('{')
                .enumerate()
                .map(|(i, part)| match (i, part.split_once('}')) {
                    (0, _) | (_, None) => part.to_owned(),
                    (_, Some((_, rest))) => format!("\"value\"{rest}"),
                })
                .collect::<String>();
            let mut lines = query.lines();
            let table = lines.next().unwrap().trim();
            assert!(
                source.tables.iter().any(|t| t == table),
                "{what}: reads {table}, not one of the source's tables"
            );
            // What each stage may read: the table's columns, then what earlier stages made.
            let mut columns: BTreeSet<String> = tables[table].iter().cloned().collect();
            for line in lines {
                let step = stage(line.trim().trim_start_matches('|'));
                for read in &step.reads {
                    assert!(
                        columns.contains(read),
                        "{what}: `{read}` is neither a column of {table} nor made earlier\n{query}"
                    );
                }
                match step.operator.as_str() {
                    "summarize" => columns = step.assigns.into_iter().chain(step.by).collect(),
                    "project" => columns = step.assigns.into_iter().chain(step.reads).collect(),
                    "extend" => columns.extend(step.assigns),
                    "where" => {}
                    other => panic!("{what}: no check for the operator `{other}`"),
                }
            }
            // The entities map columns of the result.
            for e in &template.entities {
                assert!(
                    columns.contains(&e.column),
                    "{what}: entity {} maps `{}`, which the result does not hold",
                    e.entity,
                    e.column
                );
            }
            // Columns that exist only for some resource types are read with column_ifexists.
            for dynamic in query.split("column_ifexists(\"").skip(1) {
                let name = dynamic.split('"').next().unwrap();
                assert!(
                    tables["waf"].iter().any(|c| c == name),
                    "{what}: `{name}` is not a WAF log column"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} templates");
}

#[test]
fn the_column_check_tells_reads_from_assignments() {
    let s = stage(
        r#"summarize Failures = countif(ClientIp == "x"), Url = take_any(Url) by Account = UserAuthenticatedId, ClientIP"#,
    );
    assert_eq!(s.operator, "summarize");
    assert_eq!(
        s.reads,
        ["ClientIp", "Url", "UserAuthenticatedId", "ClientIP"]
    );
    assert_eq!(s.assigns, ["Failures", "Url", "Account"]);
    assert_eq!(s.by, ["UserAuthenticatedId", "ClientIP"]);
}

#[test]
fn an_application_with_nothing_missing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    mdrplan()
        .args(["alerts", "examples/company-a", "--app", "erp", "--output"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains(
            "erp (tier 1): nothing to write, no required use case lacks a rule",
        ))
        .stdout(contains("0 rule(s) written"));
    assert!(files(dir.path()).is_empty());
}
