//! Diagnostic settings (`az monitor diagnostic-settings list --resource ID`, or the REST body):
//! where a resource sends its logs. The current CLI prints a bare, flattened list; older ones
//! wrap it in `value`; REST nests the fields under `properties`. `workspaceId` may be empty,
//! `null` or lower-cased, so workspaces are compared by name without case.

use serde_json::Value;

use super::{Record, describe, records, type_is};
use crate::diag::{Diagnostic, Location};
use crate::inventory::{DiagnosticSetting, Origin};

const SETTING_TYPE: &str = "microsoft.insights/diagnosticsettings";

/// Where a setting's id names the resource it belongs to.
const MARKER: &str = "/providers/microsoft.insights/diagnosticsettings/";

const RERUN: &str = "export the settings again with `az monitor diagnostic-settings list --resource \
                     <resource id> -o json` for each resource, and join the lists into one file";

/// Whether a parsed document is a diagnostic-settings export.
pub fn looks_like(value: &Value) -> bool {
    super::first_item(value).is_some_and(is_setting)
}

fn is_setting(item: &Value) -> bool {
    type_is(item, SETTING_TYPE)
        || item
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.to_ascii_lowercase().contains(MARKER))
}

/// Reads every setting in the export, in file order, each with the lower-cased id of the
/// resource it belongs to.
pub fn parse(file: &str, value: &Value) -> Result<Vec<(String, DiagnosticSetting)>, Diagnostic> {
    let list = records(value, is_setting).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a diagnostic-settings export: expected a list of settings (bare, or under \
                 `value`), found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;
    list.iter(file, RERUN).map(|r| read(&r?)).collect()
}

fn read(record: &Record<'_>) -> Result<(String, DiagnosticSetting), Diagnostic> {
    let id = record.required_str("id")?;
    let lower = id.to_ascii_lowercase();
    let Some(at) = lower.find(MARKER) else {
        let field = record.require("id")?;
        return Err(record.wrong_kind(&field, "a diagnostic setting's id (`<resource id>/providers/microsoft.insights/diagnosticSettings/<name>`)"));
    };
    let resource = lower[..at].to_owned();
    let name = id[at + MARKER.len()..].to_owned();
    let workspace = record
        .optional_str("workspaceId")?
        .and_then(|w| w.trim_end_matches('/').rsplit('/').next())
        .map(str::to_ascii_lowercase);
    let mut categories = Vec::new();
    if let Some(field) = record.get("logs") {
        let Value::Array(logs) = field.value else {
            return Err(record.wrong_kind(&field, "a list of log categories"));
        };
        for log in logs {
            let enabled = log.get("enabled").and_then(super::as_bool).unwrap_or(false);
            let category = log
                .get("category")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .or_else(|| log.get("categoryGroup").and_then(Value::as_str));
            if let (true, Some(c)) = (enabled, category) {
                categories.push(c.to_ascii_lowercase());
            }
        }
    }
    Ok((
        resource,
        DiagnosticSetting {
            name,
            workspace,
            categories,
            origin: Origin::default(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_flat_cli_list_and_the_rest_body() {
        let cli = serde_json::json!([{
            "id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ApiManagement/service/APIM-1/providers/microsoft.insights/diagnosticSettings/to-sentinel",
            "name": "to-sentinel",
            "workspaceId": "/subscriptions/s/resourcegroups/rg-sec/providers/microsoft.operationalinsights/workspaces/LAW-Sentinel",
            "logs": [
                {"category": "GatewayLogs", "categoryGroup": null, "enabled": true},
                {"category": "WebSocketConnectionLogs", "enabled": false}
            ]
        }]);
        let r = parse("d.json", &cli).unwrap();
        assert_eq!(
            r[0].0,
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.apimanagement/service/apim-1"
        );
        assert_eq!(r[0].1.workspace.as_deref(), Some("law-sentinel"));
        assert_eq!(r[0].1.categories, ["gatewaylogs"]);

        let rest = serde_json::json!({"value": [{
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/web/providers/microsoft.insights/diagnosticSettings/all",
            "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {"workspaceId": "", "logs": [{"categoryGroup": "allLogs", "enabled": true}]}
        }]});
        let r = parse("d.json", &rest).unwrap();
        assert_eq!(
            (r[0].1.workspace.as_deref(), r[0].1.categories.as_slice()),
            (None, &["alllogs".to_owned()][..])
        );
    }
}
