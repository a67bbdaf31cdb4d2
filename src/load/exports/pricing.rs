//! Defender for Cloud plan state: `az security pricing list` (the current CLI's flattened items
//! and the 2017 CLI's bare array), the REST body, and Resource Graph `securityresources` rows,
//! each read into one [`PricingRecord`] per plan and subscription (or resource).
//!
//! The shapes differ in where the fields sit (flattened or under `properties`), how the
//! subscription is given (an id or a `subscriptionId` column) and how values are spelled (tier
//! casing, booleans as text); the records do not.

use serde_json::Value;

use super::{Field, Record, describe, has_key, records, type_is};
use crate::diag::{Diagnostic, Location};

/// The resource type of a pricing, compared without case.
const PRICING_TYPE: &str = "microsoft.security/pricings";

/// The last segments of a pricing's id; what comes before them is its scope.
const PRICING_SCOPE_SUFFIX: &str = "/providers/microsoft.security/pricings/";

const RERUN: &str = "export the plans again with `az security pricing list -o json > \
                     pricings.json` (add `--subscription <id>` for each subscription), or with the \
                     Resource Graph query `securityresources | where type == \
                     \"microsoft.security/pricings\"`";

/// One Defender plan's state in one subscription, or on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingRecord {
    /// The subscription GUID, lower-cased.
    pub subscription_id: String,
    /// The plan as the pricing API names it (`VirtualMachines`, `KeyVaults`, ...).
    pub plan: String,
    /// Whether the plan is on: pricing tier Standard (Free is off).
    pub on: bool,
    pub sub_plan: Option<String>,
    pub deprecated: bool,
    /// The plans that replace a deprecated one.
    pub replaced_by: Vec<String>,
    pub extensions: Vec<Extension>,
    /// The resource a resource-level pricing applies to (a VM's id, as exported); `None` for a
    /// pricing of the whole subscription.
    pub resource_id: Option<String>,
    /// For a resource-level pricing: whether it follows the subscription's setting.
    pub inherited: Option<bool>,
}

/// A plan extension (`AgentlessVmScanning`, `OnUploadMalwareScanning`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub enabled: bool,
}

/// Whether a parsed document is a pricing export, in any of its shapes.
pub fn looks_like(value: &Value) -> bool {
    super::first_item(value).is_some_and(is_pricing)
}

/// A pricing is typed as one, or has a tier (the 2017 CLI's items may carry no `type`).
fn is_pricing(item: &Value) -> bool {
    type_is(item, PRICING_TYPE) || has_key(item, "pricingTier")
}

/// Reads every pricing in the export, in file order.
pub fn parse(file: &str, value: &Value) -> Result<Vec<PricingRecord>, Diagnostic> {
    let list = records(value, is_pricing).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a Defender pricing export: expected a list of pricings (bare, or under \
                 `value` or `data`), found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;

    if list.items.is_empty() {
        return Err(Diagnostic::error(
            Location::file(file),
            "the export holds no pricings: a subscription always has some, so the export was \
             made without access to one, or from an empty query",
        )
        .with_help(
            "re-run `az security pricing list -o json > pricings.json` signed in with a role \
             that can read Defender for Cloud (Security Reader), once per subscription with \
             `--subscription <id>`",
        ));
    }

    list.iter(file, RERUN).map(|r| read(&r?)).collect()
}

fn read(record: &Record<'_>) -> Result<PricingRecord, Diagnostic> {
    if let Some(kind) = record.kind_of()?
        && !kind.eq_ignore_ascii_case(PRICING_TYPE)
    {
        return Err(record
            .error(
                &record.path,
                format!("is a `{kind}`, not a Defender pricing"),
            )
            .with_help(
                "keep only pricings in the export, e.g. `securityresources | where type == \
                 \"microsoft.security/pricings\"`",
            ));
    }

    let id = record.optional_str("id")?;
    let plan = match (record.optional_str("name")?, id.and_then(plan_in_id)) {
        (Some(name), _) | (None, Some(name)) => name.to_string(),
        (None, None) => return Err(record.missing("name")),
    };

    let subscription_id = record.subscription()?.ok_or_else(|| {
        record
            .error(
                &record.path,
                format!(
                    "cannot tell which subscription plan `{plan}` belongs to: no \
                     `subscriptionId` column, and no `/subscriptions/<id>/` in its id {}",
                    id.map_or("(there is none)".to_string(), |id| format!("`{id}`"))
                ),
            )
            .with_help(RERUN)
    })?;

    Ok(PricingRecord {
        subscription_id,
        on: tier(record, &plan)?,
        sub_plan: record.optional_str("subPlan")?.map(str::to_string),
        deprecated: record.optional_bool("deprecated")?.unwrap_or(false),
        replaced_by: replaced_by(record)?,
        extensions: extensions(record)?,
        resource_id: id.and_then(resource_scope),
        inherited: record.optional_bool("inherited")?,
        plan,
    })
}

/// `Standard` is on and `Free` off; exports spell them in any case (`free`, `Free`).
///
/// The duration fields next to the tier (`freeTrialRemainingTime` as `PT0S` or `0:00:00`) are
/// not read: a trial is on or off through the tier alone.
fn tier(record: &Record<'_>, plan: &str) -> Result<bool, Diagnostic> {
    let field = record.require("pricingTier")?;
    let Some(text) = field.value.as_str() else {
        return Err(record.wrong_kind(&field, "the text Free or Standard"));
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "standard" => Ok(true),
        "free" => Ok(false),
        _ => Err(record
            .error(
                &field.path,
                format!("unknown pricing tier `{text}` for plan `{plan}`"),
            )
            .with_help(
                "the pricing API knows two tiers, Free and Standard (in any case); check that \
                 the file is an unedited export",
            )),
    }
}

/// `replacedBy`: `null`, a list of plan names, or (after some PowerShell round trips) one name.
fn replaced_by(record: &Record<'_>) -> Result<Vec<String>, Diagnostic> {
    let Some(field) = record.get("replacedBy") else {
        return Ok(Vec::new());
    };
    match field.value {
        Value::String(one) => Ok(vec![one.clone()]),
        Value::Array(names) => names
            .iter()
            .enumerate()
            .map(|(i, name)| match name {
                Value::String(name) => Ok(name.clone()),
                other => Err(record.wrong_kind(
                    &Field {
                        value: other,
                        path: format!("{}[{i}]", field.path),
                    },
                    "a plan name",
                )),
            })
            .collect(),
        _ => Err(record.wrong_kind(&field, "a list of plan names")),
    }
}

/// `extensions`: `null` or a list of `{name, isEnabled}`, where `isEnabled` is usually the text
/// `"True"` or `"False"`.
fn extensions(record: &Record<'_>) -> Result<Vec<Extension>, Diagnostic> {
    let Some(field) = record.get("extensions") else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = field.value else {
        return Err(record.wrong_kind(&field, "a list of extensions"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{}[{i}]", field.path);
            let Value::Object(fields) = item else {
                return Err(record.wrong_kind(
                    &Field { value: item, path },
                    "an extension (an object with `name` and `isEnabled`)",
                ));
            };
            let extension = Record::new(record.file, path, fields, RERUN);
            Ok(Extension {
                name: extension.required_str("name")?.to_string(),
                enabled: extension
                    .optional_bool("isEnabled")?
                    .ok_or_else(|| extension.missing("isEnabled"))?,
            })
        })
        .collect()
}

/// The plan named at the end of a pricing id, for items that carry no `name`.
fn plan_in_id(id: &str) -> Option<&str> {
    let at = id.to_ascii_lowercase().rfind(PRICING_SCOPE_SUFFIX)?;
    Some(&id[at + PRICING_SCOPE_SUFFIX.len()..])
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// The resource a resource-level pricing applies to. A pricing's id is its scope followed by
/// `/providers/Microsoft.Security/pricings/<plan>`; the scope of a subscription-level one is
/// `/subscriptions/<guid>` (two segments), anything longer is a resource (VMs, for now).
fn resource_scope(id: &str) -> Option<String> {
    // Lower-casing ASCII keeps byte offsets, so the position found applies to `id`.
    let at = id.to_ascii_lowercase().rfind(PRICING_SCOPE_SUFFIX)?;
    let scope = id[..at].trim_end_matches('/');
    let segments = scope.split('/').filter(|s| !s.is_empty()).count();
    (segments > 2).then(|| scope.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CORP: &str = "6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21";
    const SAAS: &str = "0b7e9d42-1c3f-4a8e-b6d2-5f4e3c2b1a09";

    fn sample(text: &str) -> Value {
        serde_json::from_str(text).expect("the fixture is JSON")
    }

    fn plan<'a>(records: &'a [PricingRecord], name: &str) -> &'a PricingRecord {
        records
            .iter()
            .find(|r| r.plan == name)
            .unwrap_or_else(|| panic!("no plan {name}"))
    }

    #[test]
    fn reads_the_current_cli_export() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/pricing-cli.json"
        ));
        assert!(looks_like(&value));
        let records = parse("pricing-cli.json", &value).unwrap();

        let names: Vec<&str> = records.iter().map(|r| r.plan.as_str()).collect();
        assert_eq!(
            names,
            [
                "VirtualMachines",
                "SqlServers",
                "StorageAccounts",
                "KubernetesService",
                "OpenSourceRelationalDatabases"
            ]
        );
        assert!(records.iter().all(|r| r.subscription_id == CORP));
        assert!(records.iter().all(|r| r.resource_id.is_none()));

        let servers = plan(&records, "VirtualMachines");
        assert!(servers.on);
        assert_eq!(servers.sub_plan.as_deref(), Some("P1"));
        assert!(!servers.deprecated);
        assert_eq!(
            servers.extensions,
            [
                Extension {
                    name: "MdeDesignatedSubscription".into(),
                    enabled: true
                },
                Extension {
                    name: "AgentlessVmScanning".into(),
                    enabled: true
                }
            ]
        );

        let sql = plan(&records, "SqlServers");
        assert!(!sql.on);
        assert_eq!(sql.sub_plan, None);
        assert!(sql.extensions.is_empty());

        let storage = plan(&records, "StorageAccounts");
        assert!(storage.on);
        assert_eq!(storage.sub_plan.as_deref(), Some("DefenderForStorageV2"));
        assert_eq!(storage.extensions[0].name, "OnUploadMalwareScanning");

        let kubernetes = plan(&records, "KubernetesService");
        assert!(kubernetes.deprecated);
        assert!(!kubernetes.on);
        assert_eq!(kubernetes.replaced_by, ["Containers"]);

        // The lower-case `free` is Free.
        assert!(!plan(&records, "OpenSourceRelationalDatabases").on);
    }

    #[test]
    fn reads_the_rest_body() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/pricing-rest.json"
        ));
        assert!(looks_like(&value));
        let records = parse("pricing-rest.json", &value).unwrap();
        assert_eq!(records.len(), 5);
        assert!(records.iter().all(|r| r.subscription_id == SAAS));

        let servers = plan(&records, "VirtualMachines");
        assert!(servers.on);
        assert_eq!(servers.sub_plan.as_deref(), Some("P2"));
        assert_eq!(
            servers.extensions,
            [Extension {
                name: "FileIntegrityMonitoring".into(),
                enabled: true
            }]
        );

        assert!(plan(&records, "Containers").on);
        assert!(!plan(&records, "CosmosDbs").on);

        let vaults = plan(&records, "KeyVaults");
        assert!(vaults.on);
        assert_eq!(vaults.sub_plan.as_deref(), Some("PerTransaction"));

        let dns = plan(&records, "Dns");
        assert!(!dns.on);
        assert!(dns.deprecated);
        assert_eq!(dns.replaced_by, ["VirtualMachines"]);
    }

    #[test]
    fn reads_resource_graph_rows() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/pricing-arg.json"
        ));
        assert!(looks_like(&value));
        let records = parse("pricing-arg.json", &value).unwrap();
        assert_eq!(records.len(), 2);

        let app = plan(&records, "AppServices");
        assert!(!app.on);
        assert_eq!(app.subscription_id, SAAS);

        let api = plan(&records, "Api");
        assert!(api.on);
        assert_eq!(api.sub_plan.as_deref(), Some("P1"));
    }

    #[test]
    fn the_subscription_column_wins_and_is_lower_cased() {
        let value = json!({"totalRecords": 1, "count": 1, "data": [
            {"id": "/providers/x", "name": "Arm", "type": "microsoft.security/pricings",
             "subscriptionId": "0B7E9D42-1C3F-4A8E-B6D2-5F4E3C2B1A09",
             "properties": {"pricingTier": "Standard", "subPlan": "PerSubscription"}}
        ]});
        let records = parse("arg.json", &value).unwrap();
        assert_eq!(records[0].subscription_id, SAAS);
        assert_eq!(records[0].sub_plan.as_deref(), Some("PerSubscription"));
    }

    #[test]
    fn reads_the_2017_cli_default_plan() {
        // The 2017-08-01-preview API priced a subscription as a whole, through one plan named
        // `default`; it is kept under that name for the mapping to interpret.
        let value = json!([
            {"id": "/subscriptions/6F1C2A3E-8B4D-4C2A-9E11-3A5B7C9D0E21/providers/Microsoft.Security/pricings/default",
             "name": "default", "pricingTier": "Standard", "type": "Microsoft.Security/pricings"}
        ]);
        assert!(looks_like(&value));
        let records = parse("old.json", &value).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].plan, "default");
        assert!(records[0].on);
        assert_eq!(records[0].subscription_id, CORP);
    }

    #[test]
    fn booleans_written_as_text_are_read() {
        let value = json!({"value": [
            {"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/ContainerRegistry"),
             "name": "ContainerRegistry", "type": "Microsoft.Security/pricings",
             "properties": {"pricingTier": "FREE", "deprecated": "True", "replacedBy": "Containers",
                            "enforce": "False",
                            "extensions": [{"name": "ContainerSensor", "isEnabled": "False"},
                                           {"name": "AgentlessDiscoveryForKubernetes", "isEnabled": true}]}}
        ]});
        let record = &parse("p.json", &value).unwrap()[0];
        assert!(!record.on);
        assert!(record.deprecated);
        assert_eq!(record.replaced_by, ["Containers"]);
        assert!(!record.extensions[0].enabled);
        assert!(record.extensions[1].enabled);
    }

    #[test]
    fn a_resource_level_pricing_names_its_resource() {
        let vm = format!(
            "/subscriptions/{CORP}/resourceGroups/rg-erp/providers/Microsoft.Compute/virtualMachines/vm-erp-app01"
        );
        let value = json!({"value": [
            {"id": format!("{vm}/providers/Microsoft.Security/pricings/virtualMachines"),
             "name": "virtualMachines", "type": "Microsoft.Security/pricings",
             "properties": {"pricingTier": "Standard", "subPlan": "P1", "inherited": "False",
                            "inheritedFrom": format!("/subscriptions/{CORP}")}}
        ]});
        let record = &parse("vm.json", &value).unwrap()[0];
        assert_eq!(record.resource_id.as_deref(), Some(vm.as_str()));
        assert_eq!(record.inherited, Some(false));
        assert_eq!(record.subscription_id, CORP);
    }

    #[test]
    fn an_unknown_tier_is_an_error_that_names_the_record() {
        let value = json!({"value": [
            {"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/Arm"),
             "name": "Arm", "pricingTier": "Free"},
            {"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/Dns"),
             "name": "Dns", "pricingTier": "Premium"}
        ]});
        let err = parse("p.json", &value).unwrap_err();
        assert!(err.is_error());
        assert_eq!(err.location.file, "p.json");
        assert_eq!(
            err.message,
            "value[1].pricingTier: unknown pricing tier `Premium` for plan `Dns`"
        );
        let help = err.help.unwrap();
        assert!(help.contains("Free") && help.contains("Standard"), "{help}");
    }

    #[test]
    fn an_empty_export_is_an_error() {
        for value in [
            json!([]),
            json!({"value": []}),
            json!({"count": 0, "data": []}),
        ] {
            let err = parse("p.json", &value).unwrap_err();
            assert!(
                err.message.starts_with("the export holds no pricings"),
                "{}",
                err.message
            );
            assert!(err.help.unwrap().contains("az security pricing list"));
        }
    }

    #[test]
    fn malformed_fields_are_errors_with_their_path() {
        let base = |properties: Value| {
            json!({"value": [{"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/Arm"),
                              "name": "Arm", "properties": properties}]})
        };

        let err = parse("p.json", &base(json!({"pricingTier": "Standard", "extensions": [{"name": "x", "isEnabled": "maybe"}]}))).unwrap_err();
        assert_eq!(
            err.message,
            "value[0].properties.extensions[0].isEnabled: expected true or false, found the text `maybe`"
        );

        let err = parse(
            "p.json",
            &base(json!({"pricingTier": "Standard", "extensions": [{"name": "x"}]})),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "value[0].properties.extensions[0]: the record has no `isEnabled`"
        );

        let err = parse("p.json", &base(json!({"subPlan": "P1"}))).unwrap_err();
        assert_eq!(err.message, "value[0]: the record has no `pricingTier`");

        let err = parse("p.json", &base(json!({"pricingTier": true}))).unwrap_err();
        assert!(
            err.message
                .starts_with("value[0].properties.pricingTier: expected the text")
        );

        let err = parse(
            "p.json",
            &base(json!({"pricingTier": "Free", "deprecated": "sometimes"})),
        )
        .unwrap_err();
        assert!(err.message.starts_with("value[0].properties.deprecated:"));
    }

    #[test]
    fn a_pricing_without_a_subscription_is_an_error() {
        let value = json!([{"name": "Arm", "pricingTier": "Free"}]);
        let err = parse("p.json", &value).unwrap_err();
        assert!(
            err.message
                .starts_with("[0]: cannot tell which subscription plan `Arm`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn other_security_resources_are_refused() {
        let value = json!({"count": 2, "data": [
            {"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/Arm"),
             "name": "Arm", "type": "microsoft.security/pricings", "subscriptionId": CORP,
             "properties": {"pricingTier": "Free"}},
            {"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/assessments/a1"),
             "name": "a1", "type": "microsoft.security/assessments", "subscriptionId": CORP,
             "properties": {"pricingTier": "Free"}}
        ]});
        let err = parse("sr.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "data[1]: is a `microsoft.security/assessments`, not a Defender pricing"
        );
    }

    #[test]
    fn a_lone_pricing_object_is_read() {
        // `az security pricing show` prints one object.
        let value = json!({"id": format!("/subscriptions/{CORP}/providers/Microsoft.Security/pricings/KeyVaults"),
                           "name": "KeyVaults", "pricingTier": "Standard", "subPlan": "PerKeyVault"});
        assert!(looks_like(&value));
        let records = parse("show.json", &value).unwrap();
        assert_eq!(records[0].plan, "KeyVaults");
        assert_eq!(records[0].sub_plan.as_deref(), Some("PerKeyVault"));
    }

    #[test]
    fn other_exports_do_not_look_like_pricings() {
        for text in [
            include_str!("../../../tests/fixtures/exports/settings-cli.json"),
            include_str!("../../../tests/fixtures/exports/subscribed-skus-graph.json"),
            include_str!("../../../tests/fixtures/exports/subscribed-skus-pwsh.json"),
            include_str!("../../../tests/fixtures/exports/resourcecontainers.json"),
        ] {
            assert!(!looks_like(&sample(text)));
        }
        assert!(!looks_like(&json!([])));
        assert!(!looks_like(&json!({"version": 1, "assets": []})));

        let err = parse("o.json", &json!({"version": 1})).unwrap_err();
        assert!(err.message.starts_with("not a Defender pricing export"));
    }
}
