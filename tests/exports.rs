//! Real export shapes: each sample is detected and read, and a tenant written for the purpose
//! (overlapping pages, a UTF-16 file from Windows PowerShell, REST pricings, Graph licences,
//! resource-group tags) gives the right assets, tiers, plan states and findings.

mod common;

use common::{asset_named as asset, json_report as report, rule_findings as findings};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;

fn mdrplan() -> Command {
    common::mdrplan_at(120)
}

#[test]
fn every_sample_shape_is_detected_with_its_record_count() {
    for (file, kind, records) in [
        ("arg-cli.json", "resources", 4),
        ("arg-rest.json", "resources", 2),
        ("az-resource-list.json", "resources", 5),
        ("az-resource-list-utf16.json", "resources", 1),
        ("arg-results.csv", "resources (CSV)", 2),
        ("resourcecontainers.json", "containers", 4),
        ("pricing-cli.json", "pricings", 5),
        ("pricing-rest.json", "pricings", 5),
        ("pricing-arg.json", "pricings", 2),
        ("settings-cli.json", "settings", 3),
        ("subscribed-skus-graph.json", "licences", 3),
    ] {
        let path = format!("tests/fixtures/exports/{file}");
        mdrplan()
            .args(["validate", &path])
            .assert()
            .code(0)
            .stdout(contains(format!("{path}: {kind}, {records} records")));
    }
}

#[test]
fn powershell_licences_flattened_by_convert_to_json_ask_for_depth() {
    mdrplan()
        .args([
            "validate",
            "tests/fixtures/exports/subscribed-skus-pwsh.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("ConvertTo-Json"))
        .stderr(contains("-Depth 5"));
}

#[test]
fn a_tenant_from_its_exports() {
    let r = report(&["tests/fixtures/tenant"]);

    // Thirteen resources: the page overlap is counted once, the UTF-16 file is read.
    assert_eq!(r["summary"]["assets"], 13);
    assert_eq!(
        asset(&r, "sql-web")["type"],
        "Microsoft.Sql/servers",
        "type spelled as the profile spells it"
    );

    // Resource-group tags apply to what the group holds; the graph carries them on.
    let vm = asset(&r, "vm-pay01");
    assert_eq!(vm["tier"], 1);
    assert_eq!(
        vm["reasons"]["impact"]["text"],
        "tag Criticality=Mission-critical on resource group rg-pay"
    );
    assert_eq!(
        asset(&r, "vm-pay01-os")["reasons"]["impact"]["source"],
        "tag"
    );
    // A child resource makes its parent at least as important.
    assert_eq!(
        asset(&r, "sql-web")["reasons"]["sensitivity"]["text"],
        "parent of db-web"
    );
    // The overlay names an exported resource by its unique name.
    assert_eq!(asset(&r, "kv-shop")["sensitivity"], "restricted");

    // Plan states from the REST pricings, per subscription.
    let p2: Vec<_> = findings(&r, "servers-p2-required")
        .iter()
        .map(|f| f["asset"].as_str().unwrap())
        .collect();
    assert_eq!(p2.len(), 1);
    assert!(p2[0].ends_with("/virtualMachines/vm-pay01"));
    let unknown = findings(&r, "defender-plan-unknown");
    assert_eq!(
        unknown.len(),
        1,
        "the second subscription has no pricing data"
    );
    assert_eq!(
        unknown[0]["subscription"],
        "22222222-2222-4222-8222-222222222222"
    );
    assert_eq!(unknown[0]["plan"], "SqlServers");
    // Two subscriptions with one display name stay two, and messages tell them apart.
    assert!(
        unknown[0]["message"]
            .as_str()
            .unwrap()
            .contains("shop-prod (22222222-2222-4222-8222-222222222222)")
    );

    // Deprecated plans and legacy sub-plans.
    let mut deprecated: Vec<_> = findings(&r, "deprecated-plan")
        .iter()
        .map(|f| f["plan"].as_str().unwrap())
        .collect();
    deprecated.sort();
    assert_eq!(
        deprecated,
        ["KeyVaults", "KubernetesService", "StorageAccounts"]
    );

    // Variants the plans cannot cover.
    let mut uncovered: Vec<_> = findings(&r, "plan-does-not-cover")
        .iter()
        .map(|f| f["asset"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    uncovered.sort();
    assert_eq!(
        uncovered,
        [
            "apim-edge",
            "cosmos-cassandra",
            "cosmos-mongo",
            "func-ingest"
        ]
    );

    // AKS nodes are covered through Containers, not as servers.
    let nodes = asset(&r, "aks-nodepool1-123-vmss");
    assert_eq!(nodes["coverage"], "not-applicable");
    assert!(nodes["plan"].as_array().unwrap().is_empty());
    let off: Vec<_> = findings(&r, "defender-plan-off")
        .iter()
        .map(|f| f["plan"].as_str().unwrap())
        .collect();
    assert_eq!(off, ["Containers"]);

    // Sentinel from the SecurityInsights solution; licences from Graph, the suspended SKU not.
    assert_eq!(
        r["organization"]["siem_workspaces"],
        serde_json::json!(["law-sec"])
    );
    assert!(findings(&r, "log-detection-missing").is_empty());
    let products = r["organization"]["products"].as_array().unwrap();
    assert!(products.contains(&Value::from("defender-for-identity")));
    assert!(findings(&r, "identity-protection-missing").is_empty());
    assert!(findings(&r, "endpoint-protection-missing").is_empty());
    assert!(
        r["warnings"].as_array().unwrap().is_empty(),
        "{:#}",
        r["warnings"]
    );
}

#[test]
fn same_exports_in_any_order_give_the_same_bytes() {
    let run = |args: &[&str]| {
        let out = mdrplan()
            .args(["report", "--format", "json", "--fail-on", "never"])
            .args(args)
            .output()
            .unwrap();
        out.stdout
    };
    let a = run(&[
        "tests/fixtures/tenant/resources-page2.json",
        "tests/fixtures/tenant/resources-page1.json",
    ]);
    let b = run(&[
        "tests/fixtures/tenant/resources-page1.json",
        "tests/fixtures/tenant/resources-page2.json",
    ]);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn a_missing_page_is_a_warning_and_strict_makes_it_an_error() {
    mdrplan()
        .args(["validate", "tests/fixtures/tenant/resources-page1.json"])
        .assert()
        .code(0)
        .stderr(contains("hold 7 of its 12 rows"));
    mdrplan()
        .args(["--strict", "validate", "tests/fixtures/tenant/resources-page1.json"])
        .assert()
        .code(2)
        .stderr(contains("error: tests/fixtures/tenant/resources-page1.json: the pages of this query hold 7 of its 12 rows"));
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn bad_exports_get_one_clear_message_each() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(format!(
        "{}/tests/fixtures/tenant/resources-page1.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();

    let cut = write(&dir, "cut.json", &page.as_bytes()[..page.len() / 2]);
    mdrplan()
        .args(["validate", &cut])
        .assert()
        .code(2)
        .stderr(contains("cut.json:"))
        .stderr(contains("cut off"));

    let unknown = write(
        &dir,
        "unknown.json",
        br#"{"kind": "something else", "items": [1, 2]}"#,
    );
    mdrplan()
        .args(["validate", &unknown])
        .assert()
        .code(2)
        .stderr(contains("unknown.json"))
        .stderr(contains("not a resource export"));

    let utf16: Vec<u8> = page.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let no_bom = write(&dir, "no-bom.json", &utf16);
    mdrplan()
        .args(["validate", &no_bom])
        .assert()
        .code(2)
        .stderr(contains("UTF-16 without a byte-order mark"));

    let ragged = write(
        &dir,
        "ragged.csv",
        b"id,name,type\n/a,a,microsoft.compute/disks\n/b,b\n",
    );
    mdrplan()
        .args(["validate", &ragged])
        .assert()
        .code(2)
        .stderr(contains("ragged.csv:3:"))
        .stderr(contains("2 fields where the header has 3"));

    let tier = write(
        &dir,
        "tier.json",
        br#"{"value": [{"id": "/subscriptions/11111111-1111-4111-8111-111111111111/providers/Microsoft.Security/pricings/Dns", "name": "Dns", "type": "Microsoft.Security/pricings", "pricingTier": "Premium"}]}"#,
    );
    mdrplan()
        .args(["validate", &tier])
        .assert()
        .code(2)
        .stderr(contains("unknown pricing tier `Premium`"));

    let empty = write(&dir, "empty.json", b"[]");
    mdrplan()
        .args(["validate", &empty])
        .assert()
        .code(2)
        .stderr(contains("empty.json"))
        .stderr(contains("holds no resources"));
}

#[test]
fn garbage_is_refused_at_once_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.json");
    // 64 MiB of non-JSON after an opening bracket: refused at the first bad byte.
    let mut data = vec![b'['];
    data.extend(std::iter::repeat_n(b'#', 64 * 1024 * 1024));
    std::fs::write(&path, &data).unwrap();
    let start = std::time::Instant::now();
    mdrplan()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("garbage.json:1:2"));
    assert!(start.elapsed().as_secs() < 20);
}

#[test]
fn an_overlay_names_a_machine_that_shares_its_name_with_its_sql_extension() {
    let dir = tempfile::tempdir().unwrap();
    let vm = "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-erp/providers/Microsoft.Compute/virtualMachines/vm-sql01";
    let ext = "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-erp/providers/Microsoft.SqlVirtualMachine/sqlVirtualMachines/vm-sql01";
    write(
        &dir,
        "resources.json",
        format!(r#"[{{"id": "{vm}", "name": "vm-sql01", "type": "microsoft.compute/virtualmachines"}}, {{"id": "{ext}", "name": "vm-sql01", "type": "microsoft.sqlvirtualmachine/sqlvirtualmachines"}}]"#).as_bytes(),
    );
    write(
        &dir,
        "overlay.yaml",
        b"version: 1\nassets:\n  - id: vm-sql01\n    impact: critical\n    location: westeurope\n",
    );
    let out = mdrplan()
        .arg("report")
        .arg(dir.path())
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its location come from the export; the overlay's are ignored"),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let machine = r["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == vm)
        .unwrap();
    assert_eq!(
        machine["impact"], "critical",
        "the overlay speaks of the machine"
    );
}

#[test]
fn integrations_the_plans_rely_on_are_checked_from_the_settings_export() {
    let r = report(&["tests/fixtures/settings"]);
    let off = findings(&r, "defender-integration-off");
    let plans: Vec<&serde_json::Value> = off.iter().map(|f| &f["plan"]).collect();
    assert_eq!(
        plans,
        [&Value::Null, &Value::from("VirtualMachines")],
        "{off:#?}"
    );
    assert!(off[1]["message"].as_str().unwrap().contains(
        "the Defender for Endpoint integration (WDATP) is off while plan VirtualMachines is on"
    ));
    assert_eq!(
        off[1]["remediation"],
        "az security setting create --subscription 6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21 --name WDATP --data-export-settings enabled=true"
    );

    // Switched on, nothing is raised; and without a SIEM, alert sync is not asked for.
    let dir = tempfile::tempdir().unwrap();
    let settings = std::fs::read_to_string("tests/fixtures/settings/settings.json")
        .unwrap()
        .replace("\"enabled\": false", "\"enabled\": true");
    std::fs::write(dir.path().join("settings.json"), settings).unwrap();
    let overlay = std::fs::read_to_string("tests/fixtures/settings/overlay.yaml").unwrap();
    std::fs::write(dir.path().join("overlay.yaml"), overlay).unwrap();
    let r = report(&[dir.path().to_str().unwrap()]);
    assert!(findings(&r, "defender-integration-off").is_empty());
}

#[test]
fn formatted_csv_results_are_read_by_display_names() {
    let r = report(&["tests/fixtures/formatted"]);
    let assets = r["assets"].as_array().unwrap();
    assert_eq!(
        assets.len(),
        5,
        "two VMs that share a name in two groups stay two"
    );

    // Display names become the profile's types; subscription names become their ids.
    let erp: Vec<_> = assets.iter().filter(|a| a["name"] == "vm-erp01").collect();
    for vm in &erp {
        assert_eq!(vm["type"], "Microsoft.Compute/virtualMachines");
        assert_eq!(vm["subscription"], "6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21");
    }
    assert_eq!(asset(&r, "kv-erp")["type"], "Microsoft.KeyVault/vaults");
    assert_eq!(
        asset(&r, "orders-api")["subscription"],
        "0b7e9d42-1c3f-4a8e-b6d2-5f4e3c2b1a09",
        "subscription names are matched without case"
    );

    // With the subscription known, its group's tags and its pricings apply.
    let in_erp = erp
        .iter()
        .find(|a| {
            a["id"]
                .as_str()
                .unwrap()
                .contains("/resourceGroups/rg-erp/")
        })
        .unwrap();
    assert_eq!(in_erp["impact"], "high", "{:#}", in_erp["reasons"]);
    let p2 = findings(&r, "servers-p2-required");
    assert_eq!(p2.len(), 1);
    assert_eq!(p2[0]["asset"], in_erp["id"]);

    // What the file lacks is said, and a subscription no export names is kept by its name.
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("formatted Resource Graph results"),
        "{warnings}"
    );
    assert!(
        warnings.contains("subscription `Lab subscription` is known by its display name only"),
        "{warnings}"
    );
    assert_eq!(
        asset(&r, "vm-lab")["type"],
        "Microsoft.Compute/virtualMachines"
    );
}
