//! Microsoft Sentinel analytics rules, in the three shapes a consultant is handed:
//!
//! - the Azure-Sentinel repository's YAML, one rule per document (`id`, `name`, `kind`,
//!   `severity`, `query`, `tactics`, `relevantTechniques`, ...). Real files carry keys this
//!   reader does not know, and `version` as a number or a text: both are tolerated;
//! - `az sentinel alert-rule list` or the REST body: ARM resources of type
//!   `Microsoft.SecurityInsights/alertRules`, bare or under `value`, fields under `properties`;
//! - an exported ARM template, whose `resources` hold rules typed
//!   `Microsoft.OperationalInsights/workspaces/providers/alertRules`.
//!
//! Rules written by `mdrplan alerts` carry `mdrplan-application:ID` and `mdrplan-use-case:ID`
//! tags, so that, read back, they count as that application's alerts.

use serde_json::Value;

use super::{Record, describe, lookup, records};
use crate::diag::{Diagnostic, Location};
use crate::inventory::{AnalyticsRule, Origin};

const RERUN: &str = "export the rules again with `az sentinel alert-rule list --resource-group <rg> \
                     --workspace-name <workspace> -o json > rules.json`, or give the rule files of \
                     the Azure-Sentinel repository format";

/// Tag prefixes of the rules mdrplan writes.
pub const APPLICATION_TAG: &str = "mdrplan-application:";
pub const USE_CASE_TAG: &str = "mdrplan-use-case:";

/// Whether a resource type is an analytics rule's (in a listing or in a template).
fn is_rule_type(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    t.ends_with("/alertrules")
        && (t.starts_with("microsoft.securityinsights") || t.contains("/providers/"))
}

fn is_rule(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| lookup(m, "type"))
        .and_then(|(_, v)| v.as_str())
        .is_some_and(is_rule_type)
}

/// Reads the rules of an ARM listing or an ARM template.
pub fn parse_json(file: &str, value: &Value) -> Result<Vec<AnalyticsRule>, Diagnostic> {
    // An exported template: its `resources` hold the rules among other resources.
    if let Value::Object(map) = value
        && let Some((_, Value::Array(resources))) = lookup(map, "resources")
    {
        let mut out = Vec::new();
        for (i, item) in resources.iter().enumerate() {
            if !is_rule(item) {
                continue;
            }
            let Value::Object(fields) = item else {
                continue;
            };
            let record = Record::new(file, format!("resources[{i}]"), fields, RERUN);
            out.push(read_arm(&record, true)?);
        }
        return Ok(out);
    }
    let list = records(value, is_rule).ok_or_else(|| {
        Diagnostic::error(
            Location::file(file),
            format!(
                "not a list of Sentinel analytics rules: expected rules (bare, or under `value`) \
                 or an ARM template with `resources`, found {}",
                describe(value)
            ),
        )
        .with_help(RERUN)
    })?;
    list.iter(file, RERUN)
        .map(|r| read_arm(&r?, false))
        .collect()
}

fn read_arm(record: &Record<'_>, template: bool) -> Result<AnalyticsRule, Diagnostic> {
    let name = record.required_str("displayName")?;
    let id = record.optional_str("name")?.and_then(|n| {
        if template {
            guid_in_expression(n)
        } else {
            Some(n.trim().to_owned())
        }
    });
    let id = match id {
        Some(id) => Some(id),
        None if !template => record
            .optional_str("id")?
            .and_then(|full| full.rsplit('/').next())
            .map(str::to_owned),
        None => None,
    };
    Ok(AnalyticsRule {
        id,
        name: name.trim().to_owned(),
        template: record
            .optional_str("alertRuleTemplateName")?
            .map(str::to_owned),
        kind: record
            .optional_str("kind")?
            .unwrap_or("Scheduled")
            .to_owned(),
        // The API requires `enabled`; a template that leaves it out deploys an enabled rule.
        enabled: record.optional_bool("enabled")?.unwrap_or(true),
        severity: record.optional_str("severity")?.map(str::to_owned),
        query: record.optional_str("query")?.unwrap_or_default().to_owned(),
        application: None,
        use_case: None,
        // The file is numbered when the rules join the inventory; a listing has no lines.
        origin: Origin::default(),
    })
}

/// The GUID at the end of a template's resource name expression, e.g.
/// `[concat(parameters('workspace'),'/Microsoft.SecurityInsights/0d5a...')]`.
fn guid_in_expression(name: &str) -> Option<String> {
    let tail = name.trim_end_matches([']', ')', '\'', ' ']);
    let last = tail.rsplit(['/', '\'']).next()?;
    super::is_guid(last).then(|| last.to_ascii_lowercase())
}

/// Reads every rule of a YAML file (one per document).
pub fn parse_yaml(file: &str, text: &str) -> Result<Vec<AnalyticsRule>, Diagnostic> {
    use serde::Deserialize;
    let starts = document_lines(text);
    let mut out = Vec::new();
    for (n, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| crate::load::yaml::to_diagnostic(file, &e))?;
        if value.is_null() {
            continue;
        }
        let line = starts.get(n).copied().unwrap_or(1);
        out.push(read_yaml(file, text, line, &value)?);
    }
    if out.is_empty() {
        return Err(
            Diagnostic::error(Location::file(file), "the file holds no analytics rule").with_help(
                "an analytics rule in the Azure-Sentinel format has at least `name` and `query`",
            ),
        );
    }
    Ok(out)
}

/// The first line of each YAML document (1-based): line 1, and the line after each `---`.
fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pending = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" {
            pending = true;
            continue;
        }
        if pending && !trimmed.is_empty() && !trimmed.starts_with('#') {
            starts.push(i + 1);
            pending = false;
        }
    }
    starts
}

/// The line of a top-level `key:` in the document that starts at `line` (1-based), if it is
/// written there: rule files keep their keys at the start of a line.
fn key_line(text: &str, line: usize, key: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .take_while(|(_, l)| l.trim_end() != "---")
        .find(|(_, l)| {
            l.get(..key.len())
                .is_some_and(|k| k.eq_ignore_ascii_case(key) && l[key.len()..].starts_with(':'))
        })
        .map(|(i, _)| i + 1)
}

fn read_yaml(
    file: &str,
    source: &str,
    line: usize,
    value: &serde_yaml::Value,
) -> Result<AnalyticsRule, Diagnostic> {
    let at = Location::at(file, line, 1);
    let at_key = |key: &str| Location::at(file, key_line(source, line, key).unwrap_or(line), 1);
    let serde_yaml::Value::Mapping(map) = value else {
        return Err(
            Diagnostic::error(at, "expected an analytics rule (a mapping of keys)").with_help(
                "an analytics rule in the Azure-Sentinel format has at least `name` and `query`",
            ),
        );
    };
    let get = |key: &str| {
        map.iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    };
    let text = |key: &str| -> Result<Option<String>, Diagnostic> {
        match get(key) {
            None | Some(serde_yaml::Value::Null) => Ok(None),
            Some(serde_yaml::Value::String(s)) => {
                Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
            }
            Some(serde_yaml::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(serde_yaml::Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(Diagnostic::error(
                at_key(key),
                format!("`{key}` should be a text, not a list or a mapping"),
            )
            .with_help(format!(
                "write `{key}:` as one value, e.g. `{key}: |` followed by the text"
            ))),
        }
    };
    let name = text("name")?.ok_or_else(|| {
        Diagnostic::error(at.clone(), "the analytics rule has no `name`")
            .with_help("give the rule its display name under `name:`")
    })?;
    let kind = text("kind")?.unwrap_or_else(|| "Scheduled".to_owned());
    let query = text("query")?.unwrap_or_default();
    if query.is_empty()
        && (kind.eq_ignore_ascii_case("scheduled") || kind.eq_ignore_ascii_case("nrt"))
    {
        return Err(Diagnostic::error(
            at_key("query"),
            format!("the analytics rule `{name}` has no `query`"),
        )
        .with_help("a Scheduled or NRT rule runs a KQL query: write it under `query: |`"));
    }
    let enabled = match get("enabled") {
        None | Some(serde_yaml::Value::Null) => true,
        Some(serde_yaml::Value::Bool(b)) => *b,
        Some(serde_yaml::Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(serde_yaml::Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return Err(
                Diagnostic::error(at_key("enabled"), "`enabled` should be true or false")
                    .with_help("write `enabled: true` or `enabled: false`, or leave the key out (a rule is enabled by default)"),
            );
        }
    };
    let tags: Vec<&str> = match get("tags") {
        Some(serde_yaml::Value::Sequence(items)) => {
            items.iter().filter_map(|t| t.as_str()).collect()
        }
        _ => Vec::new(),
    };
    let tagged = |prefix: &str| {
        tags.iter()
            .find_map(|t| t.trim().strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(AnalyticsRule {
        id: text("id")?,
        name,
        template: None,
        kind,
        enabled,
        severity: text("severity")?,
        query,
        application: tagged(APPLICATION_TAG),
        use_case: tagged(USE_CASE_TAG),
        origin: Origin {
            file: 0,
            line: u32::try_from(line).unwrap_or(0),
            column: 1,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_give_their_guid() {
        assert_eq!(
            guid_in_expression("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/0D5A1F3C-9E7B-4C2D-8A6F-2B4C6D8E0F12')]").as_deref(),
            Some("0d5a1f3c-9e7b-4c2d-8a6f-2b4c6d8e0f12")
        );
        assert_eq!(guid_in_expression("[parameters('ruleName')]"), None);
    }

    #[test]
    fn yaml_documents_are_rules_with_their_lines() {
        let text = "# two rules\nid: a\nname: First\nquery: T | take 1\n---\nname: Second\nkind: NRT\nquery: T\nenabled: false\ntags:\n  - mdrplan-application:orders\n  - mdrplan-use-case:api-abuse\n  - Id: 1\n";
        let rules = parse_yaml("r.yaml", text).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            (
                rules[0].origin.line,
                rules[0].enabled,
                rules[0].id.as_deref()
            ),
            (2, true, Some("a"))
        );
        assert_eq!((rules[1].origin.line, rules[1].enabled), (6, false));
        assert_eq!(rules[1].application.as_deref(), Some("orders"));
        assert_eq!(rules[1].use_case.as_deref(), Some("api-abuse"));

        let e = parse_yaml(
            "r.yaml",
            "id: a\nname: A\nquery: T\n---\nid: b\nname: B\nquery: T\nenabled: maybe\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("r.yaml:8:1"), "{e}");
        assert!(
            e.help
                .as_deref()
                .unwrap_or_default()
                .contains("enabled: false"),
            "{e:?}"
        );
        let e = parse_yaml("r.yaml", "name: A\nquery:\n  - T\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("r.yaml:2:1: `query` should be a text"),
            "{e}"
        );

        let e = parse_yaml("r.yaml", "id: a\nname: No query\nkind: Scheduled\n").unwrap_err();
        assert!(
            e.to_string().contains("r.yaml:1:1") && e.message.contains("no `query`"),
            "{e}"
        );
    }
}
