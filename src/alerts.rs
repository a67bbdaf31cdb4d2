//! Analytics rules for the use cases an application's alerting misses: one rule per use case,
//! built from the profile's query template for one of the application's telemetry sources, in
//! the Azure-Sentinel repository's YAML format. Read back as input, a rule counts as the
//! application's alert for its use case (by its `mdrplan-application:` and `mdrplan-use-case:`
//! tags).
//!
//! Which use cases get a rule: `missing` (no alert declared) and `rule-absent` (the declared
//! rule is not among the rules given, so there is nothing to enable). A `rule-disabled` use case
//! has a rule to enable and a `not-routed` one an alert to route: writing another would
//! duplicate it, so both are reported instead.

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Analysis;
use crate::diag::{Diagnostic, Location, suggestion};
use crate::evaluate::{UseCaseStatus, app_telemetry};
use crate::inventory::{Application, Inventory};
use crate::load::exports::sentinel::{APPLICATION_TAG, USE_CASE_TAG};
use crate::profile::model::{ParameterValue, QueryTemplate, TelemetrySource, UseCase};
use crate::profile::{Catalog, placeholders};

/// An analytics rule in the Azure-Sentinel repository's YAML format, its keys in that format's
/// order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: String,
    pub required_data_connectors: Vec<RequiredConnector>,
    pub query_frequency: String,
    pub query_period: String,
    pub trigger_operator: String,
    pub trigger_threshold: u32,
    pub tactics: Vec<String>,
    pub relevant_techniques: Vec<String>,
    pub query: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entity_mappings: Vec<EntityMapping>,
    pub version: String,
    pub kind: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredConnector {
    pub connector_id: String,
    pub data_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityMapping {
    pub entity_type: String,
    pub field_mappings: Vec<FieldMapping>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    pub identifier: String,
    pub column_name: String,
}

/// What a rule file opens with: what wrote it and what to do before enabling it.
const HEADER: &str = "# Written by `mdrplan alerts`. Before enabling it, tune the values its\n\
                      # description names to the application's traffic.\n";

impl AnalyticsRule {
    /// The rule as a YAML file.
    pub fn to_yaml(&self) -> String {
        // The types hold only texts, numbers and lists: serialising them cannot fail.
        let body = serde_yaml::to_string(self).unwrap_or_default();
        format!("{HEADER}{body}")
    }
}

/// A rule to write, with where it comes from.
#[derive(Debug, Clone)]
pub struct PlannedRule {
    pub use_case: String,
    /// The telemetry source whose template it was built from.
    pub source: String,
    /// The file name, `<application>-<use case>.yaml`.
    pub file_name: String,
    pub rule: AnalyticsRule,
}

/// A use case that gets no rule, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub use_case: String,
    pub status: UseCaseStatus,
    pub why: String,
    /// True when it is a gap the run could not close (no telemetry, no template); false when an
    /// existing rule or alert is to be fixed instead.
    pub gap: bool,
}

/// What `alerts` does for one application.
#[derive(Debug, Clone)]
pub struct ApplicationAlerts {
    pub id: String,
    pub name: String,
    pub tier: u8,
    /// Its telemetry sources (profile ids), declared or inferred.
    pub telemetry: Vec<String>,
    pub rules: Vec<PlannedRule>,
    pub skipped: Vec<Skipped>,
    /// Things to fix in rules that were written (a filter that can match nothing).
    pub notes: Vec<String>,
}

impl ApplicationAlerts {
    /// Use cases it needs a rule for and has no telemetry at all to build one from.
    pub fn lacks_telemetry(&self) -> bool {
        self.telemetry.is_empty() && self.skipped.iter().any(|s| s.gap)
    }
}

/// The rules for one application (`only`) or for every application, in the inventory's order.
pub fn plan(
    analysis: &Analysis<'_>,
    catalog: &Catalog,
    only: Option<&str>,
) -> Result<Vec<ApplicationAlerts>, Diagnostic> {
    let inv = &analysis.inventory;
    if catalog.profile.alert_rules.is_none() {
        return Err(Diagnostic::error(
            Location::file(format!("profile {}", catalog.name())),
            "the profile has no `alert_rules` section, so a rule's severity is unknown",
        )
        .with_help("add `alert_rules: {severity: {1: High, 2: Medium, 3: Low, 4: Informational}}` to the profile"));
    }
    let chosen: Vec<usize> = match only {
        Some(id) => {
            let found = inv
                .applications
                .iter()
                .position(|a| a.id.eq_ignore_ascii_case(id.trim()));
            match found {
                Some(i) => vec![i],
                None => {
                    let ids = inv.applications.iter().map(|a| a.id.as_str());
                    let help = if inv.applications.is_empty() {
                        "the inputs declare no application: declare it under `applications:` in the overlay".to_owned()
                    } else {
                        suggestion(id, ids)
                    };
                    return Err(Diagnostic::error(
                        Location::file("--app"),
                        format!("no application `{id}` in the inputs"),
                    )
                    .with_help(help));
                }
            }
        }
        None => (0..inv.applications.len()).collect(),
    };
    Ok(chosen
        .into_iter()
        .map(|i| for_application(analysis, catalog, i))
        .collect())
}

fn for_application(analysis: &Analysis<'_>, catalog: &Catalog, i: usize) -> ApplicationAlerts {
    let inv = &analysis.inventory;
    let app = &inv.applications[i];
    let tier = analysis.classification.applications[i].tier;
    let telemetry = app_telemetry(inv, catalog, app);
    let mut out = ApplicationAlerts {
        id: app.id.clone(),
        name: app.name.clone(),
        tier: tier.0,
        telemetry: telemetry.iter().map(|t| t.source.id.clone()).collect(),
        rules: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };

    for check in &analysis.evaluation.applications[i].use_cases {
        let uc = &check.use_case;
        let declared = check.rule.as_deref().unwrap_or_default();
        let skip = |why: String, gap: bool| Skipped {
            use_case: uc.clone(),
            status: check.status,
            why,
            gap,
        };
        match check.status {
            UseCaseStatus::Declared | UseCaseStatus::Verified => continue,
            UseCaseStatus::RuleDisabled => {
                out.skipped.push(skip(
                    format!(
                        "its rule \"{declared}\" is there but disabled{}: enable it rather than add another",
                        rule_location(inv, declared)
                    ),
                    false,
                ));
                continue;
            }
            UseCaseStatus::NotRouted => {
                let to = app
                    .alerts
                    .iter()
                    .find(|a| a.use_case == *uc && a.rule == declared)
                    .map_or_else(|| "elsewhere".to_owned(), |a| a.routed_to.to_string());
                out.skipped.push(skip(
                    format!(
                        "its alert \"{declared}\" goes to {to}, not to Sentinel: route it there (or drop it from the overlay and run `alerts` again for a Sentinel rule)"
                    ),
                    false,
                ));
                continue;
            }
            UseCaseStatus::Missing | UseCaseStatus::RuleAbsent => {}
        }
        let Some(use_case) = catalog.use_case(uc) else {
            continue;
        };

        // The sources the use case prefers first, in its order; then the others, in the profile's.
        let rank = |id: &str| {
            use_case
                .telemetry
                .iter()
                .position(|p| p == id)
                .unwrap_or(usize::MAX)
        };
        let mut sources: Vec<&crate::evaluate::TelemetryUse<'_>> = telemetry.iter().collect();
        sources.sort_by_key(|t| rank(&t.source.id));

        let mut reasons = Vec::new();
        let mut built = None;
        for t in sources {
            let Some(template) = t.source.queries.get(uc) else {
                continue;
            };
            let resources = source_resources(inv, app, t.source, &t.from);
            if resources.is_empty() && uses(template, "resource_ids") {
                reasons.push(format!(
                    "{} is declared but no component is of a type that writes it ({})",
                    t.source.id,
                    t.source.inferred_from.join(", ")
                ));
                continue;
            }
            // An overlay-only component has no resource id for `_ResourceId` to match.
            for r in resources.iter().filter(|r| !r.starts_with('/')) {
                let note = format!(
                    "component `{r}` is not an Azure resource id, so the rules' filter on `_ResourceId` matches none of its rows: put its resource id in the rules, or give the export that holds it"
                );
                if uses(template, "resource_ids") && !out.notes.contains(&note) {
                    out.notes.push(note);
                }
            }
            built = Some(build(
                catalog, app, tier.0, use_case, t.source, template, &resources,
            ));
            break;
        }
        match built {
            Some(rule) => out.rules.push(PlannedRule {
                use_case: uc.clone(),
                source: rule.1.to_owned(),
                file_name: file_name(&app.id, uc),
                rule: rule.0,
            }),
            None => out
                .skipped
                .push(skip(no_template(catalog, app, uc, &reasons), true)),
        }
    }
    out.rules.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    out
}

/// Where the declared rule of a disabled use case was read, as " (file:line)".
fn rule_location(inv: &Inventory, name: &str) -> String {
    let key = crate::inventory::rule_key(name);
    inv.analytics_rules
        .iter()
        .find(|r| r.keys().any(|k| k == key))
        .map(|r| format!(" ({})", inv.location(r.origin)))
        .unwrap_or_default()
}

/// Why no rule could be built for a use case, naming the telemetry that would serve it.
fn no_template(catalog: &Catalog, app: &Application, uc: &str, reasons: &[String]) -> String {
    let serving: Vec<&TelemetrySource> = catalog
        .profile
        .telemetry
        .iter()
        .filter(|t| t.queries.contains_key(uc))
        .collect();
    if serving.is_empty() {
        return format!("the profile has no query template for {uc}");
    }
    let names: Vec<String> = serving
        .iter()
        .map(|t| format!("{} (`{}`)", short_name(&t.name), t.id))
        .collect();
    let mut why = format!(
        "none of {}'s telemetry has a query for {uc}: add {}",
        app.id,
        names.join(" or ")
    );
    if !reasons.is_empty() {
        why.push_str(&format!(" ({})", reasons.join("; ")));
    }
    why
}

/// A telemetry source's name without its parenthesised detail: "Application Insights".
pub fn short_name(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name).trim()
}

fn uses(template: &QueryTemplate, placeholder: &str) -> bool {
    placeholders(&template.query)
        .iter()
        .any(|(_, p)| *p == placeholder)
}

/// The resource ids of the components that write a source: those it was inferred from, or,
/// when the overlay declares it, the components of the types it comes from. Sorted, each once.
fn source_resources(
    inv: &Inventory,
    app: &Application,
    source: &TelemetrySource,
    from: &[crate::inventory::AssetId],
) -> Vec<String> {
    let ids: BTreeSet<String> = if from.is_empty() {
        app.components
            .iter()
            .filter(|c| {
                let t = inv.type_of(&inv.assets[**c]);
                source
                    .inferred_from
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(t))
            })
            .map(|c| inv.assets[*c].id.to_string())
            .collect()
    } else {
        from.iter().map(|c| inv.assets[*c].id.to_string()).collect()
    };
    ids.into_iter().collect()
}

/// A KQL string literal.
fn kql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn kql_value(value: &ParameterValue) -> String {
    match value {
        ParameterValue::Integer(n) => n.to_string(),
        ParameterValue::Number(n) => n.to_string(),
        ParameterValue::Text(t) => kql_string(t),
    }
}

fn plain_value(value: &ParameterValue) -> String {
    match value {
        ParameterValue::Text(t) => t.clone(),
        other => kql_value(other),
    }
}

/// The template's query with its placeholders filled in.
fn fill(template: &QueryTemplate, app: &Application, resources: &[String]) -> String {
    let mut out = String::with_capacity(template.query.len() + 64);
    let mut last = 0;
    for (at, name) in placeholders(&template.query) {
        let value = match name {
            "resource_ids" => resources
                .iter()
                .map(|r| kql_string(r))
                .collect::<Vec<_>>()
                .join(", "),
            "application_name" => kql_string(app_name(app)),
            other => match template.parameters.get(other) {
                Some(p) => kql_value(&p.value),
                // Profile validation refuses unknown placeholders; keep the text if one slips by.
                None => continue,
            },
        };
        out.push_str(&template.query[last..at]);
        out.push_str(&value);
        last = at + name.len() + 2;
    }
    out.push_str(&template.query[last..]);
    out
}

fn app_name(app: &Application) -> &str {
    if app.name.trim().is_empty() {
        &app.id
    } else {
        app.name.trim()
    }
}

#[allow(clippy::too_many_arguments)]
fn build<'s>(
    catalog: &Catalog,
    app: &Application,
    tier: u8,
    use_case: &UseCase,
    source: &'s TelemetrySource,
    template: &QueryTemplate,
    resources: &[String],
) -> (AnalyticsRule, &'s str) {
    let severity = catalog
        .alert_severity(crate::domain::Tier(tier))
        .unwrap_or("Medium")
        .to_owned();
    let rule = AnalyticsRule {
        id: rule_id(&app.id, &use_case.id),
        name: format!("{} - {}", app_name(app), use_case.name),
        description: description(app, use_case, source, template, resources),
        severity,
        required_data_connectors: source
            .connector
            .iter()
            .map(|c| RequiredConnector {
                connector_id: c.id.clone(),
                data_types: c.data_types.clone(),
            })
            .collect(),
        query_frequency: template.frequency.clone(),
        query_period: template.period.clone(),
        trigger_operator: "gt".into(),
        trigger_threshold: 0,
        tactics: use_case.tactics.clone(),
        relevant_techniques: parent_techniques(&use_case.attack),
        query: fill(template, app, resources),
        entity_mappings: entity_mappings(template),
        version: "1.0.0".into(),
        kind: "Scheduled".into(),
        tags: vec![
            format!("{APPLICATION_TAG}{}", app.id),
            format!("{USE_CASE_TAG}{}", use_case.id),
        ],
    };
    (rule, &source.id)
}

/// What the rule detects, what it was written for, and the values to tune.
fn description(
    app: &Application,
    use_case: &UseCase,
    source: &TelemetrySource,
    template: &QueryTemplate,
    resources: &[String],
) -> String {
    let mut text = format!(
        "{} Written by mdrplan for the use case {} ({}) of the application {} ({}), from {}.",
        template.detects.trim(),
        use_case.name,
        use_case.id,
        app_name(app),
        app.id,
        source.name
    );
    if uses(template, "resource_ids") {
        let names: Vec<&str> = resources
            .iter()
            .map(|r| r.rsplit('/').next().unwrap_or(r))
            .collect();
        text.push_str(&format!(
            " It watches the rows written by {}.",
            names.join(", ")
        ));
    }
    if uses(template, "application_name") {
        text.push_str(&format!(
            " It finds the application by the name \"{}\": put the display name of its app registration there if that differs.",
            app_name(app)
        ));
    }
    let order = placeholders(&template.query);
    let mut seen = BTreeSet::new();
    let tune: Vec<String> = order
        .iter()
        .filter(|(_, p)| seen.insert(*p))
        .filter_map(|(_, p)| template.parameters.get(*p).map(|v| (p, v)))
        .map(|(p, v)| format!("{p} = {} ({})", plain_value(&v.value), v.meaning.trim()))
        .collect();
    if !tune.is_empty() {
        text.push_str(&format!(" Tune before enabling: {}.", tune.join("; ")));
    }
    text
}

/// One mapping per entity type, in the order the template first names each, with its fields.
fn entity_mappings(template: &QueryTemplate) -> Vec<EntityMapping> {
    let mut out: Vec<EntityMapping> = Vec::new();
    for e in &template.entities {
        let field = FieldMapping {
            identifier: e.identifier.clone(),
            column_name: e.column.clone(),
        };
        match out.iter_mut().find(|m| m.entity_type == e.entity) {
            Some(m) => m.field_mappings.push(field),
            None => out.push(EntityMapping {
                entity_type: e.entity.clone(),
                field_mappings: vec![field],
            }),
        }
    }
    out
}

/// The parent technique of each (T1110.004 gives T1110), each once, in order: analytics rules
/// accept parent techniques only (see the profile's `sentinel-rules` source).
pub fn parent_techniques(attack: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in attack {
        let parent = t.split('.').next().unwrap_or(t).trim().to_owned();
        if !parent.is_empty() && !out.contains(&parent) {
            out.push(parent);
        }
    }
    out
}

/// A name-based UUID for an application's rule for a use case: the first 16 bytes of a SHA-256
/// of both, with the version (8, RFC 9562's custom version, whose appendix uses it for
/// SHA-256 name-based ids) and variant bits set. The same application and use case always give
/// the same id, so a rule written again replaces the one deployed rather than adding another.
pub fn rule_id(application: &str, use_case: &str) -> String {
    let digest = Sha256::digest(
        format!(
            "mdrplan analytics rule\u{0}{}\u{0}{}",
            application.trim().to_lowercase(),
            use_case.trim().to_lowercase()
        )
        .as_bytes(),
    );
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `<application>-<use case>.yaml`, with anything but letters, digits, `-`, `_` and `.` in the
/// application's id replaced by `-`, lower-cased.
pub fn file_name(application: &str, use_case: &str) -> String {
    let safe = |s: &str| -> String {
        s.trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('.')
            .to_owned()
    };
    format!("{}-{}.yaml", safe(application), safe(use_case))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_fixed_uuids() {
        let id = rule_id("ledger", "traffic-spike");
        assert_eq!(id, rule_id("Ledger", "traffic-spike"));
        assert_ne!(id, rule_id("ledger", "api-abuse"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8", "version 8: {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "variant: {id}"
        );
        // Deployed rules are matched by this id: it must never change for the same inputs.
        assert_eq!(id, "f16a2a21-13d9-8ca6-ab1d-febf6d7c0c61");
    }

    #[test]
    fn sub_techniques_become_their_parents_once() {
        let attack: Vec<String> = ["T1110", "T1110.001", "T1078", "T1595.002"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(parent_techniques(&attack), ["T1110", "T1078", "T1595"]);
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("ledger", "api-abuse"), "ledger-api-abuse.yaml");
        assert_eq!(
            file_name("Web/Shop 2", "traffic-spike"),
            "web-shop-2-traffic-spike.yaml"
        );
        assert_eq!(file_name("..", "x"), "-x.yaml");
    }

    #[test]
    fn kql_strings_are_escaped() {
        assert_eq!(kql_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }
}
