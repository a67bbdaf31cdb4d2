//! Custom application alerting checked against Microsoft Sentinel's analytics rules: rules read
//! from YAML, ARM listings and ARM templates, matched to the overlay's declared alerts.

mod common;

use common::json_report as report;

use assert_cmd::Command;
use predicates::str::contains;

fn mdrplan() -> Command {
    common::mdrplan_at(160)
}

fn status<'a>(app: &'a serde_json::Value, use_case: &str) -> &'a str {
    app["use_cases"]["status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["use_case"] == use_case)
        .unwrap_or_else(|| panic!("no {use_case}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn every_rule_shape_is_detected_and_counted() {
    mdrplan()
        .args(["validate", "tests/fixtures/sentinel"])
        .assert()
        .code(0)
        .stdout(contains(
            "tests/fixtures/sentinel/orders-credential-stuffing.yaml: sentinel rules, 1 records",
        ))
        .stdout(contains(
            "tests/fixtures/sentinel/rules-arm.json: sentinel rules, 2 records",
        ))
        .stdout(contains(
            "tests/fixtures/sentinel/template.json: sentinel rules, 1 records",
        ));
}

#[test]
fn declared_alerts_are_verified_against_the_rules() {
    let r = report(&["tests/fixtures/sentinel"]);
    let app = &r["applications"][0];
    // Enabled in YAML, matched by display name despite case and spaces.
    assert_eq!(status(app, "account-takeover"), "verified");
    // Disabled in the ARM export.
    assert_eq!(status(app, "api-abuse"), "rule-disabled");
    // In no export.
    assert_eq!(status(app, "data-exfiltration"), "rule-absent");
    // Named by the rule's id.
    assert_eq!(status(app, "traffic-spike"), "verified");
    assert_eq!(status(app, "tenant-isolation"), "missing");
    assert_eq!(
        app["use_cases"]["covered"],
        serde_json::json!(["account-takeover", "traffic-spike"])
    );
    assert_eq!(app["use_cases"]["score"], 28);

    let not_found: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "custom-app-alert-rule-not-found")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(not_found.len(), 2, "{not_found:#?}");
    assert!(not_found.iter().any(|m| m.contains(
        "the rule \"Orders - API abuse: request rate per client\" declared for api-abuse is disabled (tests/fixtures/sentinel/rules-arm.json)"
    )), "{not_found:#?}");
    assert!(not_found.iter().any(|m| m.contains(
        "the rule \"Orders - mass export of customer records\" declared for data-exfiltration is not among the 4 analytics rules given"
    )), "{not_found:#?}");
    // A use case whose rule is not found is that finding, not also a missing use case.
    assert!(!r["findings"].as_array().unwrap().iter().any(|f| {
        f["rule"] == "custom-app-use-case-missing"
            && f["message"].as_str().unwrap().contains("data-exfiltration")
    }));
}

#[test]
fn rules_that_mention_an_application_are_suggested_not_counted() {
    let r = report(&["tests/fixtures/sentinel"]);
    let suggested = &r["applications"][0]["suggested_rules"];
    assert_eq!(
        suggested,
        &serde_json::json!([{
            "name": "Orders - privilege change in the admin console",
            "id": "6a8c0e2b-4d6f-4a8c-9e0b-3c5d7f9a1b2d",
            "enabled": true,
            "at": "tests/fixtures/sentinel/template.json"
        }])
    );
    assert_eq!(
        status(&r["applications"][0], "privilege-escalation"),
        "missing"
    );
}

#[test]
fn without_rules_the_overlay_is_trusted() {
    let r = report(&["tests/fixtures/sentinel/overlay.yaml"]);
    let app = &r["applications"][0];
    assert_eq!(status(app, "data-exfiltration"), "declared");
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "custom-app-alert-rule-not-found")
    );
}

#[test]
fn a_rule_without_a_query_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-rule.yaml");
    std::fs::write(
        &bad,
        "id: 1\nname: Orders - nothing\nkind: Scheduled\nqueryFrequency: 5m\n",
    )
    .unwrap();
    mdrplan()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains(
            "bad-rule.yaml:1:1: the analytics rule `Orders - nothing` has no `query`",
        ));
}

#[test]
fn company_c_shows_verified_and_suggested_rules() {
    mdrplan()
        .args(["report", "examples/company-c"])
        .assert()
        .code(1)
        .stdout(contains("1/7 (14%)"))
        .stdout(contains("api-abuse (not routed)"))
        .stdout(contains("Ledger - invoice read across tenants (examples/company-c/exports/sentinel-rules.json, disabled)"));
}

fn log_findings(r: &serde_json::Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "component-logs-not-in-sentinel")
        .map(|f| {
            let id = f["asset"].as_str().unwrap();
            (
                id.rsplit('/').next().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn components_of_important_applications_must_send_logs_to_sentinel() {
    let r = report(&["tests/fixtures/diagnostics"]);
    let found = log_findings(&r);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    // apim-billing sends its gateway logs to Sentinel; app-intranet serves a tier 3 application.
    assert_eq!(
        names,
        ["agw-billing", "app-billing-api", "app-billing-web"],
        "{found:#?}"
    );
    assert!(found[0].1.ends_with(
        "its diagnostic setting `access-only` sends to the Sentinel workspace law-sentinel but not its ApplicationGatewayFirewallLog logs"
    ));
    assert!(found[1].1.ends_with(
        "its diagnostic settings (`to-ops` to workspace law-ops) reach no Sentinel workspace"
    ));
    assert!(found[2].1.ends_with(
        "no diagnostic setting in the exports sends its AppServiceHTTPLogs logs anywhere"
    ));
    let fix = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "component-logs-not-in-sentinel")
        .unwrap()["remediation"]
        .as_str()
        .unwrap();
    assert!(
        fix.starts_with(
            "az monitor diagnostic-settings create --name to-sentinel --resource /subscriptions/"
        ),
        "{fix}"
    );
    assert!(fix.contains("--workspace law-sentinel --logs '[{\"category\":\"ApplicationGatewayFirewallLog\",\"enabled\":true}]'"), "{fix}");
}

#[test]
fn without_diagnostic_settings_no_component_is_judged() {
    let r = report(&["tests/fixtures/diagnostics/overlay.yaml"]);
    assert!(log_findings(&r).is_empty());
}

#[test]
fn telemetry_is_inferred_from_components_or_declared() {
    let r = report(&["tests/fixtures/diagnostics"]);
    let sources: Vec<(&str, &str)> = r["applications"][0]["telemetry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["source"].as_str().unwrap(), t["how"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [
            ("appservice-http-logs", "inferred"),
            ("apim-gateway-logs", "inferred"),
            ("waf-logs", "inferred")
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.yaml");
    std::fs::write(
        &overlay,
        "version: 1\napplications:\n  - id: shop\n    delivery: saas\n    exposure: internet\n    telemetry: [entra-signin-logs, app-insights]\n",
    )
    .unwrap();
    let r = report(&[overlay.to_str().unwrap()]);
    let t = &r["applications"][0]["telemetry"];
    assert_eq!(t[0]["source"], "app-insights");
    assert_eq!(t[1]["source"], "entra-signin-logs");
    assert_eq!(t[1]["how"], "declared");

    std::fs::write(
        &overlay,
        "version: 1\napplications:\n  - id: shop\n    delivery: saas\n    exposure: internet\n    telemetry: [app-insight]\n",
    )
    .unwrap();
    mdrplan()
        .arg("validate")
        .arg(&overlay)
        .assert()
        .code(2)
        .stderr(contains(
            "overlay.yaml:6:17: unknown telemetry source `app-insight`",
        ))
        .stderr(contains("did you mean `app-insights`?"));
}

#[test]
fn rest_bodies_rule_folders_and_template_names() {
    mdrplan()
        .args(["validate", "tests/fixtures/sentinel-shapes"])
        .assert()
        .code(0)
        .stdout(contains(
            "tests/fixtures/sentinel-shapes/rules-rest.json: sentinel rules, 3 records",
        ))
        .stdout(contains(
            "tests/fixtures/sentinel-shapes/detections/shop-errors.yaml: sentinel rules, 2 records",
        ))
        .stdout(contains(
            "tests/fixtures/sentinel-shapes/detections/web/shop-enumeration.yaml: sentinel rules, 1 records",
        ));

    let r = report(&["tests/fixtures/sentinel-shapes"]);
    let app = &r["applications"][0];
    // Named by the template the rule was created from, in other letters' case.
    assert_eq!(status(app, "account-takeover"), "verified");
    // An NRT rule in a nested folder.
    assert_eq!(status(app, "api-abuse"), "verified");
    // Disabled in the REST body.
    assert_eq!(status(app, "traffic-spike"), "rule-disabled");
    // The second document of a file, by its id.
    assert_eq!(status(app, "api-exploitation"), "verified");
    // The file's other rule mentions the application and is only suggested, with its line.
    assert_eq!(
        app["suggested_rules"],
        serde_json::json!([{
            "name": "Shop - slow checkout",
            "id": "1a3c5e7f-9b2d-4f6a-8c0e-3b5d7f9a1c2e",
            "enabled": true,
            "at": "tests/fixtures/sentinel-shapes/detections/shop-errors.yaml:2:1"
        }])
    );
}

#[test]
fn classic_alert_rules_in_a_resource_export_are_resources() {
    // Resource Graph lists classic Azure Monitor alert rules (`microsoft.insights/alertrules`)
    // with the other resources: the file is a resource export, not Sentinel rules.
    mdrplan()
        .args([
            "validate",
            "tests/fixtures/exports/arg-classic-alert-rules.json",
        ])
        .assert()
        .code(0)
        .stdout(contains(
            "tests/fixtures/exports/arg-classic-alert-rules.json: resources, 2 records",
        ));
}

#[test]
fn declared_telemetry_decides_which_logs_must_reach_sentinel() {
    // Billing declares that its alerts read the gateway and firewall logs only: its web apps'
    // HTTP logs are not what its detection relies on, so their absence is no finding.
    let dir = tempfile::tempdir().unwrap();
    let overlay = std::fs::read_to_string("tests/fixtures/diagnostics/overlay.yaml")
        .unwrap()
        .replace(
            "    alerts:\n      - use_case: account-takeover",
            "    telemetry: [apim-gateway-logs, waf-logs]\n    alerts:\n      - use_case: account-takeover",
        );
    assert!(overlay.contains("telemetry: [apim-gateway-logs, waf-logs]"));
    std::fs::write(dir.path().join("overlay.yaml"), overlay).unwrap();
    std::fs::copy(
        "tests/fixtures/diagnostics/diagnostic-settings.json",
        dir.path().join("diagnostic-settings.json"),
    )
    .unwrap();
    let r = report(&[dir.path().to_str().unwrap()]);
    let names: Vec<String> = log_findings(&r).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["agw-billing"]);
}
