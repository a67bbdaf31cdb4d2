//! Subscriptions and resource groups from Resource Graph's `resourcecontainers` table (the CLI's
//! `{count, data, skip_token, total_records}`, the REST body, or a bare array): their display
//! names, which resources do not carry, and their tags, which classification rules may use.

use serde_json::Value;

use super::{Record, describe, records};
use crate::diag::{Diagnostic, Location};

const SUBSCRIPTION_TYPE: &str = "microsoft.resources/subscriptions";
const RESOURCE_GROUP_TYPE: &str = "microsoft.resources/subscriptions/resourcegroups";
/// Also in `resourcecontainers`; counted, not read, because no asset lives in one directly.
const MANAGEMENT_GROUP_TYPE: &str = "microsoft.management/managementgroups";

const RERUN: &str = "export them again with `az graph query -q \"resourcecontainers | where type \
                     in~ ('microsoft.resources/subscriptions', \
                     'microsoft.resources/subscriptions/resourcegroups')\" --first 1000 -o json`";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    /// The subscription GUID, lower-cased.
    pub id: String,
    /// The display name; two subscriptions may share one.
    pub name: String,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceGroupRecord {
    /// The subscription GUID, lower-cased.
    pub subscription_id: String,
    pub name: String,
    pub tags: Vec<(String, String)>,
}

/// What a `resourcecontainers` export holds, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Containers {
    pub subscriptions: Vec<SubscriptionRecord>,
    pub resource_groups: Vec<ResourceGroupRecord>,
    /// Rows of other types (management groups, ...): counted so that the caller can say they
    /// were seen and not read.
    pub other: usize,
}

/// Whether a parsed document is a `resourcecontainers` export: its first row is a subscription,
/// a resource group or a management group (a query without a filter may list those first).
pub fn looks_like(value: &Value) -> bool {
    super::first_item(value).is_some_and(|row| {
        [
            SUBSCRIPTION_TYPE,
            RESOURCE_GROUP_TYPE,
            MANAGEMENT_GROUP_TYPE,
        ]
        .iter()
        .any(|t| super::type_is(row, t))
    })
}

/// Reads every row of the export.
pub fn parse(file: &str, value: &Value) -> Result<Containers, Diagnostic> {
    let list = records(value, looks_like).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a Resource Graph `resourcecontainers` export: expected a list of rows \
                 (bare, or under `data`), found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;

    if list.items.is_empty() {
        return Err(Diagnostic::error(
            Location::file(file),
            "the export holds no subscriptions or resource groups: the query found none it \
             could read",
        )
        .with_help(format!(
            "re-run it signed in with Reader on the subscriptions (or their management group); \
             {RERUN}"
        )));
    }

    let mut containers = Containers::default();
    for record in list.iter(file, RERUN) {
        let record = record?;
        let kind = record.kind_of()?.ok_or_else(|| record.missing("type"))?;
        if kind.eq_ignore_ascii_case(SUBSCRIPTION_TYPE) {
            containers.subscriptions.push(SubscriptionRecord {
                id: subscription(&record)?,
                name: record.required_str("name")?.to_string(),
                tags: tags(&record)?,
            });
        } else if kind.eq_ignore_ascii_case(RESOURCE_GROUP_TYPE) {
            containers.resource_groups.push(ResourceGroupRecord {
                subscription_id: subscription(&record)?,
                name: record.required_str("name")?.to_string(),
                tags: tags(&record)?,
            });
        } else {
            containers.other += 1;
        }
    }
    Ok(containers)
}

fn subscription(record: &Record<'_>) -> Result<String, Diagnostic> {
    record.subscription()?.ok_or_else(|| {
        record
            .error(
                &record.path,
                "cannot tell which subscription this is: no `subscriptionId` column, and no \
                 `/subscriptions/<id>` in its `id`",
            )
            .with_help(RERUN)
    })
}

/// Tags as (key, value) pairs in file order. Resource Graph writes `{}` for none and the CLI
/// sometimes `null`; values that are not text (numbers, booleans set through ARM templates) are
/// kept as their JSON text, so that a classification rule can still match them.
fn tags(record: &Record<'_>) -> Result<Vec<(String, String)>, Diagnostic> {
    let Some(field) = record.get("tags") else {
        return Ok(Vec::new());
    };
    let parsed;
    let map = match field.value {
        Value::Object(map) => map,
        // Tags re-saved as JSON text in a cell (`"{\"env\":\"prod\"}"`).
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => {
                parsed = map;
                &parsed
            }
            Ok(Value::Null) => return Ok(Vec::new()),
            _ => return Err(record.wrong_kind(&field, "an object of tags")),
        },
        _ => return Err(record.wrong_kind(&field, "an object of tags")),
    };
    Ok(map
        .iter()
        .map(|(key, value)| (key.clone(), tag_text(value)))
        .collect())
}

fn tag_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
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

    fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
        tags.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_subscriptions_and_resource_groups() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/resourcecontainers.json"
        ));
        assert!(looks_like(&value));
        let containers = parse("resourcecontainers.json", &value).unwrap();

        assert_eq!(
            containers.subscriptions,
            [
                SubscriptionRecord {
                    id: CORP.into(),
                    name: "fabrikam-corp-prod".into(),
                    tags: pairs(&[("owner", "it-ops")]),
                },
                SubscriptionRecord {
                    id: SAAS.into(),
                    name: "fabrikam-saas-prod".into(),
                    tags: Vec::new(),
                },
            ]
        );
        assert_eq!(
            containers.resource_groups,
            [
                ResourceGroupRecord {
                    subscription_id: SAAS.into(),
                    name: "rg-orders".into(),
                    tags: pairs(&[
                        ("DataClassification", "Confidential"),
                        ("Criticality", "Mission-critical")
                    ]),
                },
                ResourceGroupRecord {
                    subscription_id: CORP.into(),
                    name: "rg-erp".into(),
                    tags: pairs(&[("Criticality", "High")]),
                },
            ]
        );
        assert_eq!(containers.other, 0);
    }

    #[test]
    fn management_groups_are_counted_and_ids_lower_cased() {
        let value = json!({"totalRecords": 3, "count": 3, "resultTruncated": "false", "data": [
            {"id": "/providers/Microsoft.Management/managementGroups/root", "name": "root",
             "type": "microsoft.management/managementgroups", "tags": null},
            {"id": "/subscriptions/6F1C2A3E-8B4D-4C2A-9E11-3A5B7C9D0E21", "name": "prod",
             "type": "Microsoft.Resources/subscriptions", "tags": null},
            {"id": "/subscriptions/6F1C2A3E-8B4D-4C2A-9E11-3A5B7C9D0E21/resourceGroups/RG-Web",
             "name": "RG-Web", "type": "Microsoft.Resources/subscriptions/resourceGroups"}
        ]});
        assert!(looks_like(&value));
        let containers = parse("rest.json", &value).unwrap();
        assert_eq!(containers.other, 1);
        assert_eq!(containers.subscriptions[0].id, CORP);
        assert!(containers.subscriptions[0].tags.is_empty());
        assert_eq!(containers.resource_groups[0].subscription_id, CORP);
        assert_eq!(containers.resource_groups[0].name, "RG-Web");
    }

    #[test]
    fn subscriptions_with_the_same_name_stay_two() {
        let value = json!([
            {"id": format!("/subscriptions/{CORP}"), "name": "prod",
             "type": "microsoft.resources/subscriptions", "subscriptionId": CORP},
            {"id": format!("/subscriptions/{SAAS}"), "name": "prod",
             "type": "microsoft.resources/subscriptions", "subscriptionId": SAAS}
        ]);
        let containers = parse("bare.json", &value).unwrap();
        let ids: Vec<&str> = containers
            .subscriptions
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, [CORP, SAAS]);
    }

    #[test]
    fn tag_values_that_are_not_text_keep_their_text() {
        let value = json!({"count": 1, "data": [
            {"id": format!("/subscriptions/{CORP}/resourceGroups/rg"), "name": "rg",
             "type": "microsoft.resources/subscriptions/resourcegroups", "subscriptionId": CORP,
             "tags": {"CostCenter": 4711, "Backup": true, "Note": null, "Env": "prod"}}
        ], "skip_token": null, "total_records": 1});
        let containers = parse("t.json", &value).unwrap();
        assert_eq!(
            containers.resource_groups[0].tags,
            pairs(&[
                ("CostCenter", "4711"),
                ("Backup", "true"),
                ("Note", ""),
                ("Env", "prod")
            ])
        );
    }

    #[test]
    fn tags_written_as_json_text_are_read() {
        let value = json!([
            {"id": format!("/subscriptions/{CORP}"), "name": "prod",
             "type": "microsoft.resources/subscriptions",
             "tags": "{\"Criticality\":\"High\"}"}
        ]);
        let containers = parse("t.json", &value).unwrap();
        assert_eq!(
            containers.subscriptions[0].tags,
            pairs(&[("Criticality", "High")])
        );

        let value = json!([
            {"id": format!("/subscriptions/{CORP}"), "name": "prod",
             "type": "microsoft.resources/subscriptions", "tags": ["a"]}
        ]);
        let err = parse("t.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "[0].tags: expected an object of tags, found a list"
        );
    }

    #[test]
    fn rows_without_a_subscription_or_type_are_errors() {
        let value = json!({"data": [
            {"id": format!("/subscriptions/{CORP}"), "name": "prod",
             "type": "microsoft.resources/subscriptions"},
            {"id": "/resourceGroups/rg", "name": "rg",
             "type": "microsoft.resources/subscriptions/resourcegroups"}
        ]});
        let err = parse("c.json", &value).unwrap_err();
        assert!(
            err.message
                .starts_with("data[1]: cannot tell which subscription this is"),
            "{}",
            err.message
        );

        let value = json!({"data": [
            {"id": format!("/subscriptions/{CORP}"), "name": "prod",
             "type": "microsoft.resources/subscriptions"},
            {"id": format!("/subscriptions/{CORP}/resourceGroups/rg"), "name": "rg"}
        ]});
        let err = parse("c.json", &value).unwrap_err();
        assert_eq!(err.message, "data[1]: the record has no `type`");
    }

    #[test]
    fn an_empty_export_is_an_error() {
        let value = json!({"count": 0, "data": [], "skip_token": null, "total_records": 0});
        let err = parse("c.json", &value).unwrap_err();
        assert!(
            err.message
                .starts_with("the export holds no subscriptions or resource groups")
        );
        assert!(err.help.unwrap().contains("resourcecontainers"));
    }

    #[test]
    fn other_exports_do_not_look_like_containers() {
        for text in [
            include_str!("../../../tests/fixtures/exports/pricing-arg.json"),
            include_str!("../../../tests/fixtures/exports/settings-cli.json"),
            include_str!("../../../tests/fixtures/exports/subscribed-skus-graph.json"),
        ] {
            assert!(!looks_like(&sample(text)));
        }
        let resources = json!({"count": 1, "data": [
            {"id": format!("/subscriptions/{CORP}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"),
             "name": "vm1", "type": "microsoft.compute/virtualmachines"}
        ]});
        assert!(!looks_like(&resources));
    }
}
