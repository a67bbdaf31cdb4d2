//! Defender for Cloud settings (`az security setting list`, or the REST body): whether Defender
//! for Cloud shares data with Defender for Cloud Apps (`MCAS`) and Defender for Endpoint
//! (`WDATP`), and whether its alerts are synchronised to Sentinel (`Sentinel`).

use serde_json::Value;

use super::{Record, describe, records, type_is};
use crate::diag::{Diagnostic, Location};

/// The resource type of a setting, compared without case.
const SETTING_TYPE: &str = "microsoft.security/settings";

/// The kinds a setting comes in; the newer API adds none that this tool reads differently.
const SETTING_KINDS: &[&str] = &["DataExportSettings", "AlertSyncSettings"];

const RERUN: &str = "export the settings again with `az security setting list -o json > \
                     settings.json` (add `--subscription <id>` for each subscription)";

/// One Defender for Cloud setting in one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingRecord {
    /// The subscription GUID, lower-cased, when the export says which one it is.
    pub subscription_id: Option<String>,
    /// `MCAS`, `WDATP`, `Sentinel`, or a newer setting's name, as exported.
    pub name: String,
    /// `DataExportSettings` or `AlertSyncSettings`, as exported.
    pub kind: Option<String>,
    pub enabled: bool,
}

/// Whether a parsed document is a settings export.
pub fn looks_like(value: &Value) -> bool {
    super::first_item(value).is_some_and(is_setting)
}

/// A setting is typed as one, or is of one of the settings' kinds.
fn is_setting(item: &Value) -> bool {
    if type_is(item, SETTING_TYPE) {
        return true;
    }
    let kind = item
        .as_object()
        .and_then(|map| super::lookup(map, "kind"))
        .and_then(|(_, v)| v.as_str());
    kind.is_some_and(|kind| SETTING_KINDS.iter().any(|k| k.eq_ignore_ascii_case(kind)))
}

/// Reads every setting in the export, in file order.
pub fn parse(file: &str, value: &Value) -> Result<Vec<SettingRecord>, Diagnostic> {
    let list = records(value, is_setting).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a Defender for Cloud settings export: expected a list of settings (bare, or \
                 under `value`), found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;

    if list.items.is_empty() {
        return Err(Diagnostic::error(
            Location::file(file),
            "the export holds no settings: a subscription with Defender for Cloud always has \
             some, so the export was made without access to one",
        )
        .with_help(format!(
            "re-run it signed in with a role that can read Defender for Cloud (Security Reader); \
             {RERUN}"
        )));
    }

    list.iter(file, RERUN).map(|r| read(&r?)).collect()
}

fn read(record: &Record<'_>) -> Result<SettingRecord, Diagnostic> {
    if let Some(kind) = record.kind_of()?
        && !kind.eq_ignore_ascii_case(SETTING_TYPE)
    {
        return Err(record
            .error(
                &record.path,
                format!("is a `{kind}`, not a Defender for Cloud setting"),
            )
            .with_help(RERUN));
    }

    let name = record.required_str("name")?.to_string();
    let enabled = record
        .optional_bool("enabled")?
        .ok_or_else(|| record.missing("enabled"))?;

    Ok(SettingRecord {
        subscription_id: record.subscription()?,
        kind: record.optional_str("kind")?.map(str::to_string),
        name,
        enabled,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CORP: &str = "6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21";

    fn sample(text: &str) -> Value {
        serde_json::from_str(text).expect("the fixture is JSON")
    }

    #[test]
    fn reads_the_cli_export() {
        let value = sample(include_str!(
            "../../../tests/fixtures/exports/settings-cli.json"
        ));
        assert!(looks_like(&value));
        let settings = parse("settings-cli.json", &value).unwrap();

        let summary: Vec<(&str, Option<&str>, bool)> = settings
            .iter()
            .map(|s| (s.name.as_str(), s.kind.as_deref(), s.enabled))
            .collect();
        assert_eq!(
            summary,
            [
                ("MCAS", Some("DataExportSettings"), true),
                ("WDATP", Some("DataExportSettings"), false),
                ("Sentinel", Some("AlertSyncSettings"), false),
            ]
        );
        assert!(
            settings
                .iter()
                .all(|s| s.subscription_id.as_deref() == Some(CORP))
        );
    }

    #[test]
    fn reads_the_rest_body_with_enabled_as_text() {
        let value = json!({"value": [
            {"id": "/subscriptions/6F1C2A3E-8B4D-4C2A-9E11-3A5B7C9D0E21/providers/Microsoft.Security/settings/WDATP",
             "name": "WDATP", "type": "Microsoft.Security/settings", "kind": "DataExportSettings",
             "properties": {"enabled": "True"}},
            {"name": "Sentinel", "kind": "AlertSyncSettings", "enabled": "false"}
        ]});
        assert!(looks_like(&value));
        let settings = parse("s.json", &value).unwrap();
        assert_eq!(settings[0].name, "WDATP");
        assert!(settings[0].enabled);
        assert_eq!(settings[0].subscription_id.as_deref(), Some(CORP));

        // Without an id the subscription is unknown, not guessed.
        assert_eq!(settings[1].subscription_id, None);
        assert!(!settings[1].enabled);
    }

    #[test]
    fn a_setting_without_a_state_is_an_error() {
        let value = json!([
            {"name": "MCAS", "kind": "DataExportSettings", "enabled": true},
            {"name": "WDATP", "kind": "DataExportSettings", "enabled": null}
        ]);
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(err.message, "[1]: the record has no `enabled`");
        assert!(err.help.unwrap().contains("az security setting list"));

        let value = json!([{"name": "MCAS", "kind": "DataExportSettings", "enabled": "On"}]);
        let err = parse("s.json", &value).unwrap_err();
        assert_eq!(
            err.message,
            "[0].enabled: expected true or false, found the text `On`"
        );
    }

    #[test]
    fn an_empty_export_is_an_error() {
        let err = parse("s.json", &json!([])).unwrap_err();
        assert!(err.message.starts_with("the export holds no settings"));
    }

    #[test]
    fn other_exports_do_not_look_like_settings() {
        for text in [
            include_str!("../../../tests/fixtures/exports/pricing-cli.json"),
            include_str!("../../../tests/fixtures/exports/pricing-rest.json"),
            include_str!("../../../tests/fixtures/exports/pricing-arg.json"),
            include_str!("../../../tests/fixtures/exports/subscribed-skus-graph.json"),
            include_str!("../../../tests/fixtures/exports/resourcecontainers.json"),
        ] {
            assert!(!looks_like(&sample(text)));
        }
    }
}
