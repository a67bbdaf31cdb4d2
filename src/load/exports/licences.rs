//! Licences: Microsoft Graph `subscribedSkus` (`{"@odata.context", "value": [...]}`) and
//! `Get-MgSubscribedSku | ConvertTo-Json` (a bare array, or one object for one SKU, with
//! PascalCase keys), read into one [`SkuRecord`] per SKU with its service plans.
//!
//! `ConvertTo-Json` stops at depth 2 unless told otherwise and writes the type name of anything
//! deeper (`"Microsoft.Graph.PowerShell.Models.MicrosoftGraphServicePlanInfo"`); such a file has
//! lost the service plans, so it is refused with the command that exports it whole.

use serde_json::Value;

use super::{Field, Record, describe, excerpt, has_key, records};
use crate::diag::{Diagnostic, Location};

/// The PowerShell command that exports the SKUs with their service plans.
pub const PWSH_EXPORT: &str =
    "Get-MgSubscribedSku -All | ConvertTo-Json -Depth 5 | Out-File -Encoding utf8 skus.json";

const RERUN: &str = "export the licences again with `Get-MgSubscribedSku -All | ConvertTo-Json \
                     -Depth 5 | Out-File -Encoding utf8 skus.json`, or from Microsoft Graph \
                     `GET https://graph.microsoft.com/v1.0/subscribedSkus`";

/// One licence SKU the tenant holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuRecord {
    /// `SPE_E3`, `IDENTITY_THREAT_PROTECTION`, ... as exported.
    pub part_number: String,
    /// `Enabled`, `Warning`, `Suspended`, `Deleted`, `LockedOut`, as exported.
    pub capability_status: String,
    /// Units bought and usable (`prepaidUnits.enabled`).
    pub enabled_units: u64,
    pub consumed_units: u64,
    pub service_plans: Vec<ServicePlanRecord>,
}

/// A service plan inside a SKU: what the SKU actually grants (`WINDEFATP`, `AAD_PREMIUM_P2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePlanRecord {
    pub name: String,
    /// `Success`, `Disabled`, `PendingInput`, `PendingActivation`, ... as exported.
    pub provisioning_status: String,
}

impl SkuRecord {
    /// Whether the SKU grants anything: it is Enabled and has units to use. A suspended SKU, or
    /// one whose units are all suspended or locked out, grants nothing however many plans it
    /// lists.
    pub fn grants(&self) -> bool {
        self.capability_status.eq_ignore_ascii_case("Enabled") && self.enabled_units > 0
    }

    /// The names of the service plans not switched off in the SKU. This says nothing of the SKU
    /// itself: a caller asks [`SkuRecord::grants`] first.
    pub fn active_service_plans(&self) -> impl Iterator<Item = &str> {
        self.service_plans
            .iter()
            .filter(|plan| !plan.provisioning_status.eq_ignore_ascii_case("Disabled"))
            .map(|plan| plan.name.as_str())
    }
}

/// Whether a parsed document is a licence export, in either casing.
pub fn looks_like(value: &Value) -> bool {
    super::first_item(value).is_some_and(is_sku)
}

fn is_sku(item: &Value) -> bool {
    has_key(item, "skuPartNumber")
}

/// Reads every SKU in the export, in file order.
pub fn parse(file: &str, value: &Value) -> Result<Vec<SkuRecord>, Diagnostic> {
    let list = records(value, is_sku).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a licence export: expected Microsoft Graph `subscribedSkus` or \
                 `Get-MgSubscribedSku` output, found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;

    if list.items.is_empty() {
        return Err(Diagnostic::error(
            Location::file(file),
            "the export holds no licences: a tenant always has at least one SKU, so the export \
             was made without the right to read them (Organization.Read.All)",
        )
        .with_help(RERUN));
    }

    list.iter(file, RERUN).map(|r| read(&r?)).collect()
}

fn read(record: &Record<'_>) -> Result<SkuRecord, Diagnostic> {
    let part_number = record.required_str("skuPartNumber")?;

    // The shape of the nested fields is checked first: a flattened export fails on them, and
    // the message for that says how to fix the whole file.
    let prepaid = record.require("prepaidUnits")?;
    let Value::Object(prepaid_fields) = prepaid.value else {
        return Err(not_an_object(
            record,
            &prepaid,
            part_number,
            "an object of prepaid units",
        ));
    };
    let plans = record.require("servicePlans")?;
    let Value::Array(plan_items) = plans.value else {
        return Err(not_an_object(
            record,
            &plans,
            part_number,
            "a list of service plans",
        ));
    };

    let prepaid = Record::new(record.file, prepaid.path, prepaid_fields, RERUN);
    let enabled_units = prepaid
        .optional_u64("enabled")?
        .ok_or_else(|| prepaid.missing("enabled"))?;

    let service_plans = plan_items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{}[{i}]", plans.path);
            match item {
                Value::Object(fields) => {
                    service_plan(&Record::new(record.file, path, fields, RERUN))
                }
                other => Err(not_an_object(
                    record,
                    &Field { value: other, path },
                    part_number,
                    "a service plan",
                )),
            }
        })
        .collect::<Result<_, _>>()?;

    Ok(SkuRecord {
        part_number: part_number.to_string(),
        capability_status: record.required_str("capabilityStatus")?.to_string(),
        enabled_units,
        consumed_units: record.optional_u64("consumedUnits")?.unwrap_or(0),
        service_plans,
    })
}

fn service_plan(record: &Record<'_>) -> Result<ServicePlanRecord, Diagnostic> {
    Ok(ServicePlanRecord {
        name: record.required_str("servicePlanName")?.to_string(),
        provisioning_status: record.required_str("provisioningStatus")?.to_string(),
    })
}

/// The error for a nested field that is not the object (or list) it should be. Text there is
/// what `ConvertTo-Json` writes below its depth, so that case gets the command that avoids it.
fn not_an_object(record: &Record<'_>, field: &Field<'_>, sku: &str, expected: &str) -> Diagnostic {
    let flattened = match field.value {
        Value::String(text) => Some(text.as_str()),
        Value::Array(items) => items.iter().find_map(Value::as_str),
        _ => None,
    };
    match flattened {
        Some(text) => record
            .error(
                &field.path,
                format!(
                    "SKU `{sku}` has the text `{}` where {expected} belongs: PowerShell's \
                     ConvertTo-Json writes a type name like this for objects deeper than its \
                     -Depth (2 by default), so the export has lost them",
                    excerpt(text)
                ),
            )
            .with_help(format!("re-run `{PWSH_EXPORT}`")),
        None => record.wrong_kind(field, expected),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample(text: &str) -> Value {
        serde_json::from_str(text).expect("the fixture is JSON")
    }

    fn sku<'a>(skus: &'a [SkuRecord], part_number: &str) -> &'a SkuRecord {
        skus.iter()
            .find(|s| s.part_number == part_number)
            .unwrap_or_else(|| panic!("no SKU {part_number}"))
    }

    #[test]
    fn reads_graph_subscribed_skus() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/subscribed-skus-graph.json"
        ));
        assert!(looks_like(&value));
        let skus = parse("subscribed-skus-graph.json", &value).unwrap();
        let names: Vec<&str> = skus.iter().map(|s| s.part_number.as_str()).collect();
        assert_eq!(names, ["SPE_E3", "IDENTITY_THREAT_PROTECTION", "ATA"]);

        let e3 = sku(&skus, "SPE_E3");
        assert!(e3.grants());
        assert_eq!((e3.enabled_units, e3.consumed_units), (850, 812));
        assert_eq!(
            e3.active_service_plans().collect::<Vec<_>>(),
            ["MDE_LITE", "AAD_PREMIUM"]
        );

        let security = sku(&skus, "IDENTITY_THREAT_PROTECTION");
        assert!(security.grants());
        let plans: Vec<&str> = security.active_service_plans().collect();
        for plan in ["WINDEFATP", "ATA", "ATP_ENTERPRISE", "AAD_PREMIUM_P2"] {
            assert!(plans.contains(&plan), "{plan} missing from {plans:?}");
        }
    }

    #[test]
    fn the_suspended_sku_grants_nothing() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/subscribed-skus-graph.json"
        ));
        let skus = parse("subscribed-skus-graph.json", &value).unwrap();
        let ata = sku(&skus, "ATA");
        assert_eq!(ata.capability_status, "Suspended");
        assert_eq!(ata.enabled_units, 0);
        assert!(!ata.grants());
        assert_eq!(ata.active_service_plans().count(), 0);
    }

    #[test]
    fn an_enabled_sku_without_units_grants_nothing() {
        let value = json!({"value": [{"skuPartNumber": "EMSPREMIUM", "capabilityStatus": "enabled",
            "consumedUnits": 0, "prepaidUnits": {"enabled": 0, "suspended": 0},
            "servicePlans": [{"servicePlanName": "ATA", "provisioningStatus": "Success"}]}]});
        let skus = parse("s.json", &value).unwrap();
        assert!(!skus[0].grants());
    }

    #[test]
    fn powershell_output_at_the_default_depth_is_refused_with_the_fix() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/subscribed-skus-pwsh.json"
        ));
        assert!(looks_like(&value));
        let err = parse("subscribed-skus-pwsh.json", &value).unwrap_err();
        assert!(err.is_error());
        assert_eq!(err.location.file, "subscribed-skus-pwsh.json");
        // The first flattened field, the prepaid units, is the one named.
        assert!(
            err.message.starts_with(
                "[0].PrepaidUnits: SKU `SPB` has the text \
                 `Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseUnitsDetail`"
            ),
            "{}",
            err.message
        );
        assert!(err.message.contains("ConvertTo-Json"));
        assert_eq!(
            err.help.as_deref(),
            Some(
                "re-run `Get-MgSubscribedSku -All | ConvertTo-Json -Depth 5 | Out-File \
                 -Encoding utf8 skus.json`"
            )
        );
    }

    #[test]
    fn flattened_service_plans_are_refused_too() {
        let flattened_list = json!({"SkuPartNumber": "SPB", "CapabilityStatus": "Enabled",
            "PrepaidUnits": {"Enabled": 25},
            "ServicePlans": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphServicePlanInfo"});
        let err = parse("one.json", &flattened_list).unwrap_err();
        assert!(
            err.message.starts_with("ServicePlans: SKU `SPB`"),
            "{}",
            err.message
        );
        assert!(err.help.unwrap().contains("-Depth 5"));

        let flattened_items = json!([{"SkuPartNumber": "SPB", "CapabilityStatus": "Enabled",
            "PrepaidUnits": {"Enabled": 25},
            "ServicePlans": ["Microsoft.Graph.PowerShell.Models.MicrosoftGraphServicePlanInfo"]}]);
        let err = parse("list.json", &flattened_items).unwrap_err();
        assert!(
            err.message.starts_with("[0].ServicePlans[0]: SKU `SPB`"),
            "{}",
            err.message
        );
        assert!(err.help.unwrap().contains("-Depth 5"));
    }

    #[test]
    fn powershell_output_at_depth_5_is_read() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/subscribed-skus-pwsh-depth5.json"
        ));
        assert!(looks_like(&value));
        let skus = parse("subscribed-skus-pwsh-depth5.json", &value).unwrap();
        let names: Vec<&str> = skus.iter().map(|s| s.part_number.as_str()).collect();
        assert_eq!(names, ["SPB", "AAD_PREMIUM_P2"]);

        let business = sku(&skus, "SPB");
        assert!(business.grants());
        assert_eq!(
            (business.enabled_units, business.consumed_units),
            (150, 120)
        );
        assert_eq!(business.service_plans.len(), 4);
        // ADALLOM_S_DISCOVERY is switched off in this tenant.
        assert_eq!(
            business.active_service_plans().collect::<Vec<_>>(),
            ["MDE_SMB", "ATP_ENTERPRISE", "AAD_PREMIUM"]
        );

        let p2 = sku(&skus, "AAD_PREMIUM_P2");
        assert!(p2.grants());
        assert_eq!(
            p2.active_service_plans().collect::<Vec<_>>(),
            ["AAD_PREMIUM", "AAD_PREMIUM_P2"]
        );
    }

    #[test]
    fn a_lone_sku_with_numbers_as_text_is_read() {
        // One SKU through ConvertTo-Json is an object, not a list of one.
        let value = json!({"SkuPartNumber": "ATA", "CapabilityStatus": "Enabled",
            "ConsumedUnits": "12", "PrepaidUnits": {"Enabled": "25", "Suspended": "0"},
            "ServicePlans": [{"ServicePlanName": "ATA", "ProvisioningStatus": "Success"}]});
        assert!(looks_like(&value));
        let skus = parse("one.json", &value).unwrap();
        assert_eq!(skus.len(), 1);
        assert_eq!((skus[0].enabled_units, skus[0].consumed_units), (25, 12));
        assert!(skus[0].grants());
    }

    #[test]
    fn malformed_fields_are_errors_with_their_path() {
        let value = json!({"value": [{"skuPartNumber": "SPE_E3", "capabilityStatus": "Enabled",
            "prepaidUnits": {"enabled": "lots"}, "servicePlans": []}]});
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "value[0].prepaidUnits.enabled: expected a whole number of 0 or more, found the text `lots`"
        );

        let value = json!({"value": [{"skuPartNumber": "SPE_E3", "capabilityStatus": "Enabled",
            "prepaidUnits": {"enabled": 1}, "servicePlans": [{"servicePlanName": "MDE_LITE"}]}]});
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "value[0].servicePlans[0]: the record has no `provisioningStatus`"
        );

        let value = json!({"value": [{"skuPartNumber": "SPE_E3", "capabilityStatus": "Enabled",
            "servicePlans": []}]});
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(err.message, "value[0]: the record has no `prepaidUnits`");

        let value = json!({"value": [{"skuPartNumber": "SPE_E3", "capabilityStatus": "Enabled",
            "prepaidUnits": 5, "servicePlans": []}]});
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "value[0].prepaidUnits: expected an object of prepaid units, found the number 5"
        );
    }

    #[test]
    fn an_empty_export_is_an_error() {
        let value = json!({"@odata.context": "x", "value": []});
        let err = parse("s.json", &value).unwrap_err();
        assert!(err.message.starts_with("the export holds no licences"));
        assert!(err.help.unwrap().contains("Get-MgSubscribedSku"));
    }

    #[test]
    fn other_exports_do_not_look_like_licences() {
        for text in [
            include_str!("../../../tests/fixtures/exports/pricing-cli.json"),
            include_str!("../../../tests/fixtures/exports/settings-cli.json"),
            include_str!("../../../tests/fixtures/exports/resourcecontainers.json"),
        ] {
            assert!(!looks_like(&sample(text)));
        }
    }
}
