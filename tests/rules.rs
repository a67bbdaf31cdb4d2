//! One test (or more) per rule of the catalogue, each on a small overlay written for it.

mod common;

use common::{findings, report, report_with};
use mdrplan::domain::Severity;

const ORG_COVERED: &str = "
licences: [SPE_E5]
endpoints: { windows: 10 }
identity: { on_premises_ad: true }
sentinel: [law-sentinel]
";

fn overlay(body: &str) -> String {
    format!("version: 1\norganization: Test\n{ORG_COVERED}\n{body}")
}

#[test]
fn defender_plan_off_follows_the_assets_tier() {
    let r = report(&overlay(
        "
defender:
  - subscription: corp
    plans: { KeyVaults: free, StorageAccounts: free }
assets:
  - { id: kv-crown, type: key-vault, subscription: corp, impact: critical }
  - { id: st-logs, type: storage-account, subscription: corp, sensitivity: public, impact: low }
",
    ));
    let off = findings(&r, "defender-plan-off");
    assert_eq!(off.len(), 2);
    let kv = off
        .iter()
        .find(|f| f.asset.as_deref() == Some("kv-crown"))
        .unwrap();
    assert_eq!(
        kv.severity,
        Severity::Critical,
        "tier 1 raises high to critical"
    );
    assert_eq!(kv.plan.as_deref(), Some("KeyVaults"));
    assert!(
        kv.remediation.contains("az security pricing create"),
        "{}",
        kv.remediation
    );
    assert!(
        kv.remediation.contains("--name KeyVaults"),
        "{}",
        kv.remediation
    );
    let st = off
        .iter()
        .find(|f| f.asset.as_deref() == Some("st-logs"))
        .unwrap();
    assert_eq!(st.severity, Severity::Low, "tier 4 lowers high two steps");
}

#[test]
fn defender_plan_unknown_is_raised_once_per_subscription_and_plan() {
    let r = report(&overlay(
        "
assets:
  - { id: vm1, type: server, subscription: corp, impact: high }
  - { id: vm2, type: server, subscription: corp }
  - { id: vm3, type: server, subscription: saas }
",
    ));
    let unknown = findings(&r, "defender-plan-unknown");
    assert_eq!(unknown.len(), 2, "{unknown:#?}");
    let corp = unknown
        .iter()
        .find(|f| f.subscription.as_deref() == Some("corp"))
        .unwrap();
    assert!(corp.message.contains("2 asset(s)"), "{}", corp.message);
    assert_eq!(
        corp.severity,
        Severity::Medium,
        "the best tier among them (2) keeps the base"
    );
    assert!(
        r.assets
            .iter()
            .all(|a| a.coverage == mdrplan::domain::Coverage::Unknown)
    );
}

#[test]
fn tier_1_and_2_servers_need_p2() {
    let r = report(&overlay(
        "
defender:
  - subscription: '*'
    plans: { VirtualMachines: P1 }
assets:
  - { id: crown, type: server, impact: critical }
  - { id: important, type: server, sensitivity: confidential }
  - { id: ordinary, type: server, sensitivity: internal, impact: medium }
",
    ));
    let p2 = findings(&r, "servers-p2-required");
    let assets: Vec<_> = p2.iter().map(|f| f.asset.as_deref().unwrap()).collect();
    assert_eq!(assets, ["crown", "important"]);
    assert_eq!(p2[0].severity, Severity::High);
    assert_eq!(p2[1].severity, Severity::Medium);
    assert!(
        p2[0].remediation.ends_with("--subplan P2"),
        "{}",
        p2[0].remediation
    );
    let ordinary = r.assets.iter().find(|a| a.id == "ordinary").unwrap();
    assert_eq!(ordinary.coverage, mdrplan::domain::Coverage::Covered);
}

#[test]
fn p2_on_the_subscription_satisfies_every_tier() {
    let r = report(&overlay(
        "
defender:
  - subscription: '*'
    plans: { VirtualMachines: P2 }
assets:
  - { id: crown, type: server, impact: critical }
",
    ));
    assert!(findings(&r, "servers-p2-required").is_empty());
}

#[test]
fn plan_does_not_cover_consumption_functions_other_cosmos_apis_and_apim_consumption() {
    let r = report(&overlay(
        "
defender:
  - subscription: '*'
    plans: { AppServices: standard, CosmosDbs: standard, Api: P1 }
assets:
  - { id: asp-y1, type: app-service-plan, sku: { name: Y1, tier: Dynamic }, impact: low, sensitivity: public }
  - { id: func, type: function-app, hosted_on: asp-y1, impact: low, sensitivity: public }
  - { id: asp-p1, type: app-service-plan, sku: { name: P1v3, tier: PremiumV3 }, impact: low, sensitivity: public }
  - { id: web, type: web-app, hosted_on: asp-p1, impact: low, sensitivity: public }
  - { id: mongo, type: cosmos-db, kind: MongoDB, impact: low, sensitivity: public }
  - { id: cassandra, type: cosmos-db, capabilities: [EnableCassandra], impact: low, sensitivity: public }
  - { id: nosql, type: cosmos-db, kind: GlobalDocumentDB, impact: low, sensitivity: public }
  - { id: apim-c, type: api-management, sku: { name: Consumption }, impact: low, sensitivity: public }
  - { id: apim-p, type: api-management, sku: { name: Premium }, impact: low, sensitivity: public }
",
    ));
    let mut uncovered: Vec<_> = findings(&r, "plan-does-not-cover")
        .iter()
        .map(|f| f.asset.clone().unwrap())
        .collect();
    uncovered.sort();
    assert_eq!(
        uncovered,
        ["apim-c", "cassandra", "func", "mongo"],
        "the apps carry it, not their App Service plan"
    );
    for id in ["web", "nosql", "apim-p"] {
        let a = r.assets.iter().find(|a| a.id == id).unwrap();
        assert_eq!(a.coverage, mdrplan::domain::Coverage::Covered, "{id}");
    }
}

#[test]
fn deprecated_plans_and_legacy_sub_plans_are_reported() {
    let r = report(&overlay(
        "
defender:
  - subscription: corp
    plans: { KubernetesService: standard, Containers: free, KeyVaults: PerTransaction, StorageAccounts: PerStorageAccount }
  - subscription: other
    plans: { KubernetesService: standard, Containers: standard }
assets:
  - { id: kv, type: key-vault, subscription: corp }
  - { id: aks2, type: aks, subscription: other }
",
    ));
    let deprecated = findings(&r, "deprecated-plan");
    let plans: Vec<_> = deprecated
        .iter()
        .map(|f| (f.subscription.clone().unwrap(), f.plan.clone().unwrap()))
        .collect();
    assert!(
        plans.contains(&("corp".into(), "KubernetesService".into())),
        "{plans:?}"
    );
    assert!(
        plans.contains(&("corp".into(), "KeyVaults".into())),
        "{plans:?}"
    );
    assert!(
        plans.contains(&("corp".into(), "StorageAccounts".into())),
        "{plans:?}"
    );
    assert!(
        !plans.contains(&("other".into(), "KubernetesService".into())),
        "with Containers on, the old plan is not in use instead of it"
    );
    let kv = deprecated
        .iter()
        .find(|f| f.plan.as_deref() == Some("KeyVaults"))
        .unwrap();
    assert!(kv.message.contains("PerKeyVault"), "{}", kv.message);
}

#[test]
fn organisation_rules_keep_their_base_severity() {
    let r = report(
        "
version: 1
licences: [SPE_E3]
endpoints: { windows: 100, macos: 5 }
identity: { on_premises_ad: true }
assets:
  - { id: crown, type: server, impact: critical }
",
    );
    let sev = |rule: &str| {
        findings(&r, rule)
            .iter()
            .map(|f| f.severity)
            .collect::<Vec<_>>()
    };
    assert_eq!(sev("log-detection-missing"), [Severity::Critical]);
    assert_eq!(sev("endpoint-protection-missing"), [Severity::High]);
    assert_eq!(
        sev("identity-protection-missing"),
        [Severity::High, Severity::High]
    );
    assert_eq!(sev("email-protection-missing"), [Severity::Medium]);
}

#[test]
fn e5_security_add_on_on_e3_closes_the_licence_gaps() {
    let r = report(
        "
version: 1
licences: [SPE_E3, IDENTITY_THREAT_PROTECTION]
endpoints: { windows: 100 }
identity: { on_premises_ad: true }
sentinel: [law]
",
    );
    for rule in [
        "log-detection-missing",
        "endpoint-protection-missing",
        "identity-protection-missing",
        "email-protection-missing",
    ] {
        assert!(findings(&r, rule).is_empty(), "{rule}");
    }
}

#[test]
fn no_clients_and_no_directory_need_no_endpoint_or_identity_licence_for_them() {
    let r = report("version: 1\nlicences: [AAD_PREMIUM_P2]\nsentinel: [law]\n");
    assert!(findings(&r, "endpoint-protection-missing").is_empty());
    assert!(findings(&r, "identity-protection-missing").is_empty());
    assert!(
        findings(&r, "email-protection-missing").is_empty(),
        "no Microsoft 365, no mail rule"
    );
}

const APP_ASSETS: &str = "
assets:
  - { id: aks-orders, type: aks }
";

#[test]
fn internet_facing_application_without_alerts() {
    let r = report(&overlay(&format!(
        "{APP_ASSETS}
applications:
  - id: orders
    delivery: saas
    exposure: internet
    tenancy: multi
    impact: critical
    components: [{{ id: aks-orders }}]
"
    )));
    let missing = findings(&r, "custom-app-alerting-missing");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].application.as_deref(), Some("orders"));
    assert_eq!(
        missing[0].severity,
        Severity::Critical,
        "tier 1 raises high"
    );
    assert!(
        missing[0].message.contains("tenant-isolation"),
        "{}",
        missing[0].message
    );
    assert!(
        findings(&r, "custom-app-use-case-missing").is_empty(),
        "one finding for an application with no alerts at all, not one per use case"
    );
}

#[test]
fn missing_use_cases_and_unrouted_alerts() {
    let r = report(&overlay(&format!(
        "{APP_ASSETS}
applications:
  - id: orders
    delivery: saas
    exposure: internet
    tenancy: multi
    sensitivity: confidential
    components: [{{ id: aks-orders }}]
    alerts:
      - {{ use_case: account-takeover, rule: Orders ATO, routed_to: sentinel }}
      - {{ use_case: api-abuse, rule: Orders scraping, routed_to: other }}
"
    )));
    let mut missing: Vec<_> = findings(&r, "custom-app-use-case-missing")
        .iter()
        .map(|f| {
            f.message
                .split(" for ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    missing.sort();
    assert_eq!(
        missing,
        [
            "api-exploitation",
            "data-exfiltration",
            "privilege-escalation",
            "tenant-isolation",
            "traffic-spike"
        ]
    );
    let not_routed = findings(&r, "custom-app-alert-not-routed");
    assert_eq!(not_routed.len(), 1);
    assert!(not_routed[0].message.contains("Orders scraping"));
    let app = &r.applications[0];
    assert_eq!(app.use_cases.covered, ["account-takeover"]);
    assert_eq!(app.coverage, mdrplan::domain::Coverage::Gap);
}

#[test]
fn internal_application_needs_no_custom_alerts() {
    let r = report(&overlay(&format!(
        "{APP_ASSETS}
applications:
  - id: hr
    delivery: internal
    exposure: internal
    impact: critical
    components: [{{ id: aks-orders }}]
"
    )));
    assert!(
        r.findings.iter().all(|f| !f.rule.starts_with("custom-app")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn strict_profile_requires_every_use_case_for_internet_facing_internal_apps() {
    let yaml = overlay(&format!(
        "{APP_ASSETS}
applications:
  - id: portal
    delivery: internal
    exposure: internet
    components: [{{ id: aks-orders }}]
    alerts:
      - {{ use_case: account-takeover, rule: Portal ATO, routed_to: sentinel }}
"
    ));
    let standard = findings(&report(&yaml), "custom-app-use-case-missing").len();
    let strict = findings(&report_with("strict", &yaml), "custom-app-use-case-missing").len();
    assert!(strict > standard, "strict {strict} > standard {standard}");
    assert_eq!(strict, 6, "all seven use cases required, one declared");
}

#[test]
fn unclassified_assets_are_flagged_once_each() {
    let r = report(&overlay(
        "assets:\n  - { id: vm-nobody, type: server }\n  - { id: vm-tagged, type: server, tags: { Criticality: High, DataClassification: General } }\n",
    ));
    let un = findings(&r, "unclassified-asset");
    assert_eq!(un.len(), 1);
    assert_eq!(un[0].asset.as_deref(), Some("vm-nobody"));
    assert_eq!(un[0].severity, Severity::Info);
}

#[test]
fn unknown_resource_types_are_counted_once_per_type() {
    let r = report(&overlay(
        "
assets:
  - { id: w1, type: Contoso.Widgets/gadgets, impact: low, sensitivity: public }
  - { id: w2, type: contoso.widgets/GADGETS, impact: low, sensitivity: public }
  - { id: d1, type: Microsoft.Compute/disks, impact: low, sensitivity: public }
",
    ));
    let unknown = findings(&r, "unknown-resource-type");
    assert_eq!(unknown.len(), 1, "types compare without case: {unknown:#?}");
    assert!(
        unknown[0]
            .message
            .starts_with("2 asset(s) of type Contoso.Widgets/gadgets"),
        "{}",
        unknown[0].message
    );
    let disk = r.assets.iter().find(|a| a.id == "d1").unwrap();
    assert_eq!(
        disk.coverage,
        mdrplan::domain::Coverage::NotApplicable,
        "infrastructure is known"
    );
}

#[test]
fn fingerprints_are_stable_and_unique() {
    let yaml = overlay(
        "
defender:
  - subscription: '*'
    plans: { VirtualMachines: free }
assets:
  - { id: vm1, type: server }
  - { id: vm2, type: server }
",
    );
    let a = report(&yaml);
    let b = report(&yaml);
    let fa: Vec<_> = a.findings.iter().map(|f| &f.fingerprint).collect();
    let fb: Vec<_> = b.findings.iter().map(|f| &f.fingerprint).collect();
    assert_eq!(fa, fb);
    let unique: std::collections::BTreeSet<_> = fa.iter().collect();
    assert_eq!(unique.len(), fa.len());
}
