//! The cost estimate as a user checks it: quantities from the inventory, prices from the
//! profile (or a user profile, or `--prices`), the cheapest setting that meets every tier with
//! its arithmetic, and unknown costs that stay unknown.

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn plan_json(args: &[&str]) -> Value {
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["plan"].clone()
}

fn row<'a>(plan: &'a Value, subscription: &str, name: &str) -> &'a Value {
    plan["defender"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["plan"] == name
                && (r["subscription"] == subscription || r["subscription_name"] == subscription)
        })
        .unwrap_or_else(|| panic!("no row for {subscription} {name}"))
}

fn fixture(path: &str) -> String {
    common::fixture(path).display().to_string()
}

#[test]
fn mixed_tiers_in_one_subscription_get_p2_for_the_subscription_with_the_arithmetic() {
    let plan = plan_json(&["plan", &fixture("cost/mixed.yaml"), "--format", "json"]);
    let vm = row(&plan, "sub-mixed", "VirtualMachines");
    let cost = &vm["cost"];
    // Eight machines and a scale set of four instances.
    assert_eq!(cost["quantity"], 12.0);
    assert_eq!(cost["current"]["sub_plan"], "P1");
    assert_eq!(cost["current"]["monthly_usd"], 60.0);
    assert_eq!(vm["monthly_usd"], 60.0, "monthly_usd stays today's cost");
    assert_eq!(cost["recommended"]["setting"], "P2 for the subscription");
    assert_eq!(cost["recommended"]["monthly_usd"], 180.0);
    assert_eq!(cost["difference_usd"], 120.0);
    let reasoning: Vec<&str> = cost["reasoning"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        reasoning.contains(&"servers: 3 need P2, 9 need P1"),
        "{reasoning:?}"
    );
    assert!(
        reasoning.contains(
            &"P1 for the subscription: 12 × $5 = $60, but 3 of the servers need a stronger sub-plan"
        ),
        "{reasoning:?}"
    );
    assert!(reasoning.contains(&"P2 for the subscription: 12 × $15 = $180"));
    assert!(
        reasoning
            .iter()
            .any(|l| l
                .starts_with("each at its own sub-plan (3 × $15 + 9 × $5 = $90) is not possible")),
        "{reasoning:?}"
    );

    // Low tiers on P2: P1 meets them and costs less.
    let low = &row(&plan, "sub-low", "VirtualMachines")["cost"];
    assert_eq!(low["current"]["monthly_usd"], 30.0);
    assert_eq!(low["recommended"]["sub_plan"], "P1");
    assert_eq!(low["recommended"]["monthly_usd"], 10.0);
    assert_eq!(low["difference_usd"], -20.0);

    assert_eq!(plan["monthly_usd"]["current"], 90.0);
    assert_eq!(plan["monthly_usd"]["recommended"], 190.0);
    assert_eq!(plan["monthly_usd"]["complete"], true);
}

#[test]
fn a_user_profile_that_changes_one_price_changes_the_totals() {
    let example = format!("{}/examples/company-a", env!("CARGO_MANIFEST_DIR"));
    let standard = plan_json(&["plan", &example, "--format", "json"]);
    let custom = plan_json(&[
        "--profile",
        &fixture("cost/customer-prices.yaml"),
        "plan",
        &example,
        "--format",
        "json",
    ]);
    let vm = |p: &Value| row(p, "Adatum-Production", "VirtualMachines")["cost"].clone();
    assert_eq!(vm(&standard)["recommended"]["unit_usd"], 15.0);
    assert_eq!(vm(&custom)["recommended"]["unit_usd"], 20.0);
    // Ten servers on P2: 50 dollars more a month.
    let total = |p: &Value| p["monthly_usd"]["recommended"].as_f64().unwrap();
    assert_eq!(total(&custom) - total(&standard), 50.0);
    // The P1 price came from the standard profile and did not move.
    assert_eq!(
        standard["monthly_usd"]["current"],
        custom["monthly_usd"]["current"]
    );
}

#[test]
fn a_price_file_overrides_for_one_run_and_a_bad_one_is_refused_with_its_place() {
    let example = format!("{}/examples/company-a", env!("CARGO_MANIFEST_DIR"));
    let plan = plan_json(&[
        "plan",
        &example,
        "--format",
        "json",
        "--prices",
        &fixture("cost/prices.yaml"),
    ]);
    let vm = &row(&plan, "Adatum-Production", "VirtualMachines")["cost"];
    assert_eq!(vm["recommended"]["monthly_usd"], 120.0);

    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .args([
            "plan",
            &example,
            "--prices",
            &fixture("cost/bad-prices.yaml"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-prices.yaml:4:7: plan VirtualMachines has no sub-plan `P3`"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `P2`?") || err.contains("P1, P2"),
        "{err}"
    );
    // Containers are counted in vCores: a price per server would multiply the wrong quantity.
    assert!(
        err.contains("bad-prices.yaml:11:7: plan Containers is not counted in `server-month`"),
        "{err}"
    );
    assert!(err.contains("use one of: vcore-month"), "{err}");
}

#[test]
fn unknown_prices_and_quantities_stay_unknown_never_zero() {
    let plan = plan_json(&[
        "plan",
        &fixture("cost/resources.json"),
        &fixture("cost/pricings.json"),
        "--format",
        "json",
    ]);
    let sub = "5b1c0000-0000-4000-8000-000000000001";
    // The deallocated machine is not billed.
    let vm = &row(&plan, sub, "VirtualMachines")["cost"];
    assert_eq!(vm["quantity"], 1.0);
    assert_eq!(vm["deallocated"], 1);
    assert_eq!(vm["current"]["monthly_usd"], 5.0);
    // A node pool of a size the profile does not know: the vCores, so the cost, are unknown.
    let aks = &row(&plan, sub, "Containers")["cost"];
    assert!(aks["quantity"].is_null());
    assert!(aks["recommended"]["monthly_usd"].is_null());
    assert!(
        aks["unknown"]
            .as_str()
            .unwrap()
            .contains("Standard_NC24ads_A100_v4 is not in the profile's vm_sizes")
    );
    // Off today: nothing is paid, whatever the count.
    assert_eq!(aks["current"]["monthly_usd"], 0.0);
    assert_eq!(plan["monthly_usd"]["complete"], false);
    assert_eq!(plan["monthly_usd"]["recommended"], 15.0);

    // A plan the sheet has no price for (SQL Server on machines) is unknown, not free.
    let example = format!("{}/examples/company-a", env!("CARGO_MANIFEST_DIR"));
    let a = plan_json(&["plan", &example, "--format", "json"]);
    let sql = &row(&a, "Adatum-Production", "SqlServerVirtualMachines")["cost"];
    assert!(sql["recommended"]["monthly_usd"].is_null());
    assert!(sql["recommended"]["unit_usd"].is_null());
    assert!(
        a["monthly_usd"]["unpriced"][0]
            .as_str()
            .unwrap()
            .contains("no price for SqlServerVirtualMachines")
    );
}

#[test]
fn aks_vcores_are_node_count_times_the_size_vcpus() {
    let example = format!("{}/examples/company-b", env!("CARGO_MANIFEST_DIR"));
    let plan = plan_json(&["plan", &example, "--format", "json"]);
    let aks = &row(&plan, "Woodgrove-Apps", "Containers")["cost"];
    // 3 × Standard_D4ds_v5 (4 vCPUs) + 4 × Standard_D8ds_v5 (8 vCPUs).
    assert_eq!(aks["quantity"], 44.0);
    assert_eq!(aks["unit"], "vCores");
    assert_eq!(aks["recommended"]["monthly_usd"], 308.0);
}

#[test]
fn licence_gaps_name_the_licence_that_closes_them_most_simply() {
    let example = format!("{}/examples/company-c", env!("CARGO_MANIFEST_DIR"));
    let plan = plan_json(&["plan", &example, "--format", "json"]);
    // Microsoft 365 E3 alone: the E5 Security add-on closes every gap without re-buying E3.
    assert_eq!(
        plan["licence_bundle"]["part_number"],
        "IDENTITY_THREAT_PROTECTION"
    );
    let checks = plan["licence_checks"].as_array().unwrap();
    let endpoint = checks.iter().find(|c| c["check"] == "endpoint").unwrap();
    assert_eq!(endpoint["state"], "gap");
    assert_eq!(endpoint["held"], serde_json::json!([]));
    // Service plans that grant nothing the profile tracks are kept, and marked.
    let rows = plan["licences"].as_array().unwrap();
    let teams = rows.iter().find(|l| l["name"] == "TEAMS1").unwrap();
    assert_eq!(teams["known"], false);
    assert_eq!(teams["security"], false);

    let a = plan_json(&[
        "plan",
        &format!("{}/examples/company-a", env!("CARGO_MANIFEST_DIR")),
        "--format",
        "json",
    ]);
    assert!(a["licence_bundle"].is_null(), "E3 + E5 Security: no gap");
}

#[test]
fn the_markdown_plan_shows_costs_and_licences_side_by_side() {
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "examples/company-a", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| Adatum-Production | VirtualMachines | on P1 | P2 | 10 servers | &#36;50 | P2 | &#36;150 |"),
        "{md}"
    );
    assert!(
        md.contains("**A month:** today &#36;60, recommended &#36;160 (+&#36;100)"),
        "{md}"
    );
    assert!(md.contains("### Licences by module"), "{md}");
    // GitHub would read text between two dollar signs as mathematics.
    assert!(!md.contains('$'), "{md}");
}

#[test]
fn a_plan_that_is_on_with_no_countable_unit_costs_unknown_not_nothing() {
    // The tenant's web app runs on an App Service plan no input holds: AppServices is on, but
    // how many instances it bills is not known.
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "tests/fixtures/formats/tenant", "--format", "json"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = r["plan"]["defender"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["plan"] == "AppServices")
        .unwrap();
    assert_eq!(row["state"], "on");
    assert_eq!(row["cost"]["current"]["setting"], "on");
    assert_eq!(row["monthly_usd"], Value::Null, "{row:#}");
    assert!(
        row["cost"]["unknown"]
            .as_str()
            .unwrap()
            .contains("App Service plan")
    );
}

#[test]
fn the_plan_table_puts_today_and_the_recommendation_side_by_side() {
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "120")
        .args(["plan", "examples/company-a", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("┆ VirtualMachines "))
        .unwrap_or_else(|| panic!("{text}"));
    for cell in [
        "Adatum-Production",
        "10 servers",
        "$5 → $15",
        "on P1: $50",
        "P2: $150",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
}

#[test]
fn a_price_by_use_says_what_it_is_charged_per() {
    // Woodgrove's Key Vault plan runs the legacy per-transaction sub-plan: $0.02 is per 10,000
    // transactions, not per vault, and the table must not read as if it were.
    let example = format!("{}/examples/company-b", env!("CARGO_MANIFEST_DIR"));
    let plan = plan_json(&["plan", &example, "--format", "json"]);
    let kv = &row(&plan, "Woodgrove-Apps", "KeyVaults")["cost"];
    assert_eq!(kv["current"]["unit_usd"], 0.02);
    assert_eq!(kv["current"]["price_unit"], "10k-transactions");
    assert!(kv["current"]["monthly_usd"].is_null());

    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .args(["--color", "never", "plan", &example])
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    let line = table
        .lines()
        .find(|l| l.contains("KeyVaults"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains("$0.02 per"), "{table}");
}
