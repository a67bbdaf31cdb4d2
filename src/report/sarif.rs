//! The SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.
//!
//! The driver lists the whole rule catalogue (so rule indexes never change with the findings),
//! each rule with its summary, the `rules explain` text as help, its base severity under the
//! profile as default level, and a `security-severity` number that GitHub uses to rank alerts.
//! Each finding is a result with its tier-adjusted level, the finding's fingerprint as a partial
//! fingerprint, and a location in the input file its asset or application was read from.
//!
//! Locations: an asset's or application's finding points at its input file, with the line and
//! column where the input has them (overlays); exported rows have none, so the region is line 1.
//! A waived finding carries an accepted external suppression with the waiver's reason as its
//! justification; with `--baseline`, each result has its `baselineState` (`new`, `unchanged`).
//!
//! Findings about a subscription, the organisation or a resource type point at line 1 of the
//! first overlay (or, without one, the first input). GitHub code scanning needs a file and a
//! line for every result, hence line 1 rather than no region. No timestamps or durations are
//! written: the same inputs give the same file.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif;

use super::escape::clean;
use super::{Place, Placed, Report};
use crate::domain::Severity;
use crate::rules::Rule;

/// The partial fingerprint key: the finding's own fingerprint, stable across runs.
pub const FINGERPRINT_KEY: &str = "mdrplanFingerprint/v1";

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF level of a severity: critical and high are errors, medium a warning, the rest notes.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score: 9.0 and above is critical, 7.0 high, 4.0
/// medium, above 0 low; GitHub has no "info", so it ranks as low).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub fn render(report: &Report<'_, '_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let log = build(report);
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

fn build(report: &Report<'_, '_>) -> sarif::Sarif {
    let rules: Vec<sarif::ReportingDescriptor> =
        Rule::ALL.iter().map(|r| descriptor(report, *r)).collect();
    let driver = sarif::ToolComponent::builder()
        .name(report.tool.name)
        .version(report.tool.version)
        .semantic_version(report.tool.version)
        .rules(rules)
        .build();
    let fallback = report.fallback_place();
    let results: Vec<sarif::Result> = report
        .placed_findings()
        .map(|f| result(&f, fallback))
        .collect();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::from(driver))
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    sarif::Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn text(s: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.into())
        .build()
}

fn descriptor(report: &Report<'_, '_>, r: Rule) -> sarif::ReportingDescriptor {
    let base = report.catalog.base_severity(r);
    let help_markdown = format!(
        "{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n\n**Example.** {}\n\n{}",
        report.catalog.rule_summary(r),
        report.catalog.rule_why(r),
        report.catalog.rule_fix(r),
        report.catalog.rule_example(r),
        r.severity_note()
    );
    let help = sarif::MultiformatMessageString::builder()
        .text(r.explain(report.catalog))
        .markdown(help_markdown)
        .build();
    let properties = sarif::PropertyBag::builder()
        .tags(vec!["security".to_owned(), r.scope_name().to_owned()])
        .additional_properties(BTreeMap::from([(
            "security-severity".to_owned(),
            json!(security_severity(base)),
        )]))
        .build();
    sarif::ReportingDescriptor::builder()
        .id(r.name())
        .name(r.name())
        .short_description(text(report.catalog.rule_summary(r)))
        .full_description(text(format!(
            "{} {}",
            report.catalog.rule_summary(r),
            report.catalog.rule_why(r)
        )))
        .help(help)
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(base)))
                .build(),
        )
        .properties(properties)
        .build()
}

fn location(place: Place<'_>, f: &Placed<'_>) -> sarif::Location {
    let mut region = sarif::Region::builder()
        .start_line(i64::from(place.line.unwrap_or(1)))
        .build();
    region.start_column = place.column.map(i64::from);
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(super::escape::uri_path(place.path))
                .build(),
        )
        .region(region)
        .build();
    let mut location = sarif::Location::builder()
        .physical_location(physical)
        .build();
    location.logical_locations = logical(f);
    location
}

/// The asset or application a finding concerns, by id, as a logical location.
fn logical(f: &Placed<'_>) -> Option<Vec<sarif::LogicalLocation>> {
    let (name, id, kind) = match (f.row.asset, f.row.application) {
        (Some(id), _) => (f.asset_name.unwrap_or(id), id, "resource"),
        (None, Some(app)) => (app, app, "module"),
        _ => return None,
    };
    Some(vec![
        sarif::LogicalLocation::builder()
            .name(clean(name))
            .fully_qualified_name(clean(id))
            .kind(kind)
            .build(),
    ])
}

fn result(f: &Placed<'_>, fallback: Option<Place<'_>>) -> sarif::Result {
    let row = &f.row;
    let mut properties = BTreeMap::from([
        ("severity".to_owned(), json!(row.severity.as_str())),
        ("concerns".to_owned(), json!(clean(&f.concerns()))),
        ("remediation".to_owned(), json!(clean(row.remediation))),
        (
            "security-severity".to_owned(),
            json!(security_severity(row.severity)),
        ),
    ]);
    let optional = [
        ("asset", row.asset),
        ("application", row.application),
        ("subscription", row.subscription),
        ("module", row.module),
        ("plan", row.plan),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            properties.insert(key.to_owned(), json!(clean(v)));
        }
    }
    let mut result = sarif::Result::builder()
        .rule_id(row.rule)
        .rule_index(Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0) as i64)
        .level(level_enum(row.severity))
        .message(sarif::Message::builder().text(clean(&row.message)).build())
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            row.fingerprint.clone(),
        )]))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.locations = f.origin.or(fallback).map(|p| vec![location(p, f)]);
    result.baseline_state = row.baseline.map(|b| json!(b.as_str()));
    result.suppressions = row.waiver.map(|w| {
        let mut suppression = sarif::Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(clean(&w.reason))
            .build();
        suppression.properties = Some(
            sarif::PropertyBag::builder()
                .additional_properties(BTreeMap::from([
                    ("owner".to_owned(), json!(clean(&w.owner))),
                    ("expires".to_owned(), json!(w.expires)),
                    ("source".to_owned(), json!(clean(&w.source))),
                ]))
                .build(),
        );
        vec![suppression]
    });
    result
}

fn level_enum(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
        for s in Severity::ALL {
            assert_eq!(
                serde_json::to_value(level_enum(*s)).unwrap(),
                json!(level(*s))
            );
        }
    }

    #[test]
    fn security_severity_falls_in_githubs_bands() {
        let score = |s| security_severity(s).parse::<f64>().unwrap();
        assert!(score(Severity::Critical) >= 9.0);
        assert!((7.0..9.0).contains(&score(Severity::High)));
        assert!((4.0..7.0).contains(&score(Severity::Medium)));
        assert!((0.1..4.0).contains(&score(Severity::Low)));
        assert!(score(Severity::Info) < score(Severity::Low));
    }
}
