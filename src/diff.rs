//! `diff OLD NEW`: what changed between two JSON reports. Findings are matched by fingerprint,
//! assets and applications by id (without case), so the comparison holds across runs, input
//! order and versions of mdrplan that write the same report schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, InputErrors, Location};
use crate::domain::{Coverage, Impact, Sensitivity, Severity, Tier};
use crate::report::escape::{clean, markdown_cell, markdown_text};
use crate::report::{Style, table};

/// A finding as a JSON report holds it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FindingRecord {
    pub rule: String,
    pub severity: Severity,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub subscription: Option<String>,
    pub message: String,
    pub fingerprint: String,
    /// The waiver that covers it in its report, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverRecord>,
}

/// A finding's waiver, as a JSON report holds it (its `source` is not compared).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WaiverRecord {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

impl FindingRecord {
    /// Whether a waiver covered the finding when its report was written.
    pub fn waived(&self) -> bool {
        self.waiver.is_some()
    }

    /// The message, and for a waived finding the waiver that accepts it, as tables show it.
    fn message_marked(&self) -> String {
        match &self.waiver {
            Some(w) => format!(
                "{}\nwaived until {} by {}: {}",
                self.message, w.expires, w.owner, w.reason
            ),
            None => self.message.clone(),
        }
    }

    /// What the finding concerns, in a few words.
    pub fn concerns(&self) -> String {
        if let Some(a) = &self.application {
            format!("application {a}")
        } else if let Some(a) = &self.asset {
            short(a).to_owned()
        } else if let Some(s) = &self.subscription {
            format!("subscription {s}")
        } else {
            "organisation".to_owned()
        }
    }
}

/// An asset as a JSON report holds it (the fields a diff compares).
#[derive(Debug, Clone, Deserialize)]
struct AssetRecord {
    id: String,
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    sensitivity: Sensitivity,
    impact: Impact,
    tier: Tier,
    coverage: Coverage,
}

/// The parts of a report a diff reads; the others are skipped as they are parsed.
#[derive(Debug, Deserialize)]
struct ReportFile {
    schema_version: Option<u32>,
    #[serde(default)]
    assets: Option<Vec<AssetRecord>>,
    #[serde(default)]
    findings: Option<Vec<FindingRecord>>,
}

/// An asset added or removed.
#[derive(Debug, Clone, Serialize)]
pub struct AssetEntry {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub tier: Tier,
}

/// An asset's classification, on one side of the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
}

/// Something of one asset that differs between the two reports.
#[derive(Debug, Clone, Serialize)]
pub struct Changed<T> {
    pub id: String,
    pub name: String,
    pub before: T,
    pub after: T,
}

/// A finding present in both reports whose severity or message differs.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedFinding {
    pub fingerprint: String,
    pub rule: String,
    pub concerns: String,
    pub before: FindingState,
    pub after: FindingState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingState {
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Default, Serialize)]
pub struct FindingChanges {
    pub new: Vec<FindingRecord>,
    pub resolved: Vec<FindingRecord>,
    pub changed: Vec<ChangedFinding>,
}

#[derive(Debug, Default, Serialize)]
pub struct AssetChanges {
    pub added: Vec<AssetEntry>,
    pub removed: Vec<AssetEntry>,
    pub classification: Vec<Changed<Classification>>,
    pub coverage: Vec<Changed<Coverage>>,
}

#[derive(Debug, Serialize)]
pub struct DiffSummary {
    pub new_findings: usize,
    /// How many of the new findings a waiver covers in the new report.
    pub new_waived: usize,
    pub resolved_findings: usize,
    pub changed_findings: usize,
    /// `null` when a report holds no assets (a `gaps` report).
    pub assets_added: Option<usize>,
    pub assets_removed: Option<usize>,
    pub reclassified: Option<usize>,
    pub coverage_changed: Option<usize>,
}

/// What changed from one report to the next.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub old: String,
    pub new: String,
    pub summary: DiffSummary,
    pub findings: FindingChanges,
    /// `null` when either report holds no assets.
    pub assets: Option<AssetChanges>,
}

impl Diff {
    /// Compares the reports in two files.
    pub fn files(old: &std::path::Path, new: &std::path::Path) -> Result<Diff, InputErrors> {
        let (old_name, new_name) = (old.display().to_string(), new.display().to_string());
        let old_report = read(&old_name, old);
        let new_report = read(&new_name, new);
        let (old_report, new_report) = match (old_report, new_report) {
            (Ok(o), Ok(n)) => (o, n),
            (o, n) => {
                let mut errors = Vec::new();
                for e in [o.err(), n.err()].into_iter().flatten() {
                    errors.extend(e.0);
                }
                return Err(InputErrors(errors));
            }
        };
        Ok(Diff::compare(old_name, old_report, new_name, new_report))
    }

    fn compare(old_name: String, old: ReportFile, new_name: String, new: ReportFile) -> Diff {
        let findings = compare_findings(
            old.findings.unwrap_or_default(),
            new.findings.unwrap_or_default(),
        );
        let assets = match (old.assets, new.assets) {
            (Some(o), Some(n)) => Some(compare_assets(o, n)),
            _ => None,
        };
        let count = |f: fn(&AssetChanges) -> usize| assets.as_ref().map(f);
        Diff {
            schema_version: crate::report::SCHEMA_VERSION,
            old: old_name,
            new: new_name,
            summary: DiffSummary {
                new_findings: findings.new.len(),
                new_waived: findings.new.iter().filter(|f| f.waived()).count(),
                resolved_findings: findings.resolved.len(),
                changed_findings: findings.changed.len(),
                assets_added: count(|a| a.added.len()),
                assets_removed: count(|a| a.removed.len()),
                reclassified: count(|a| a.classification.len()),
                coverage_changed: count(|a| a.coverage.len()),
            },
            findings,
            assets,
        }
    }

    /// New findings at or above `level` that no waiver covers: what fails the run.
    pub fn failing(&self, level: Severity) -> usize {
        self.findings
            .new
            .iter()
            .filter(|f| f.severity >= level && !f.waived())
            .count()
    }

    /// The diff as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The diff as tables.
    pub fn to_table(&self, style: Style) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Changes from {} to {}", self.old, self.new);
        let _ = writeln!(out, "{}", self.headline());
        let finding_rows = |f: &FindingRecord| {
            vec![
                table::severity_cell(f.severity),
                comfy_table::Cell::new(&f.rule),
                comfy_table::Cell::new(clean(&f.concerns())),
                comfy_table::Cell::new(clean(&f.message_marked())),
            ]
        };
        for (title, list) in [
            ("New findings", &self.findings.new),
            ("Resolved findings", &self.findings.resolved),
        ] {
            if list.is_empty() {
                continue;
            }
            table::heading(&mut out, style, title);
            let mut t = table::table(style, &["severity", "rule", "concerns", "finding"]);
            for f in list.iter().take(table::MAX_ROWS) {
                t.add_row(finding_rows(f));
            }
            table::keep_whole(&mut t, &[0, 1, 2]);
            let _ = writeln!(out, "{t}");
            table::more(&mut out, list.len());
        }
        if !self.findings.changed.is_empty() {
            table::heading(&mut out, style, "Changed findings");
            let mut t = table::table(style, &["rule", "concerns", "before", "after"]);
            for c in self.findings.changed.iter().take(table::MAX_ROWS) {
                let side = |s: &FindingState| format!("{}: {}", s.severity, clean(&s.message));
                t.add_row(vec![
                    c.rule.clone(),
                    clean(&c.concerns),
                    side(&c.before),
                    side(&c.after),
                ]);
            }
            table::keep_whole(&mut t, &[0, 1]);
            let _ = writeln!(out, "{t}");
            table::more(&mut out, self.findings.changed.len());
        }
        if let Some(a) = &self.assets {
            for (title, list) in [("Assets added", &a.added), ("Assets removed", &a.removed)] {
                if list.is_empty() {
                    continue;
                }
                table::heading(&mut out, style, title);
                let mut t = table::table(style, &["tier", "asset", "type"]);
                for e in list.iter().take(table::MAX_ROWS) {
                    t.add_row(vec![
                        e.tier.to_string(),
                        clean(&e.name),
                        clean(&e.type_name),
                    ]);
                }
                let _ = writeln!(out, "{t}");
                table::more(&mut out, list.len());
            }
            if !a.classification.is_empty() {
                table::heading(&mut out, style, "Classification changes");
                let mut t = table::table(style, &["asset", "sensitivity", "impact", "tier"]);
                for c in a.classification.iter().take(table::MAX_ROWS) {
                    let (b, n) = (c.before, c.after);
                    t.add_row(vec![
                        clean(&c.name),
                        arrow(b.sensitivity, n.sensitivity),
                        arrow(b.impact, n.impact),
                        arrow(b.tier, n.tier),
                    ]);
                }
                let _ = writeln!(out, "{t}");
                table::more(&mut out, a.classification.len());
            }
            if !a.coverage.is_empty() {
                table::heading(&mut out, style, "Coverage changes");
                let mut t = table::table(style, &["asset", "coverage"]);
                for c in a.coverage.iter().take(table::MAX_ROWS) {
                    t.add_row(vec![clean(&c.name), arrow(c.before, c.after)]);
                }
                let _ = writeln!(out, "{t}");
                table::more(&mut out, a.coverage.len());
            }
        }
        out
    }

    /// The diff as Markdown, for a pull-request comment: counts, then each list in a table,
    /// the long ones folded.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### mdrplan: changes since {}\n\n{}\n",
            markdown_text(&self.old),
            markdown_text(&self.headline())
        );
        let mut section = |title: &str, header: &[&str], rows: Vec<Vec<String>>| {
            if rows.is_empty() {
                return;
            }
            let fold = rows.len() > 20;
            if fold {
                let _ = writeln!(
                    out,
                    "<details><summary>{title} ({})</summary>\n",
                    rows.len()
                );
            } else {
                let _ = writeln!(out, "#### {title}\n");
            }
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            out.push('\n');
            if fold {
                out.push_str("</details>\n\n");
            }
        };
        let finding_rows = |list: &[FindingRecord]| {
            list.iter()
                .map(|f| {
                    vec![
                        f.severity.to_string(),
                        f.rule.clone(),
                        f.concerns(),
                        f.message_marked(),
                    ]
                })
                .collect()
        };
        let header = ["severity", "rule", "concerns", "finding"];
        section("New findings", &header, finding_rows(&self.findings.new));
        section(
            "Resolved findings",
            &header,
            finding_rows(&self.findings.resolved),
        );
        section(
            "Changed findings",
            &["rule", "concerns", "before", "after"],
            self.findings
                .changed
                .iter()
                .map(|c| {
                    let side = |s: &FindingState| format!("{}: {}", s.severity, s.message);
                    vec![
                        c.rule.clone(),
                        c.concerns.clone(),
                        side(&c.before),
                        side(&c.after),
                    ]
                })
                .collect(),
        );
        if let Some(a) = &self.assets {
            let entries = |list: &[AssetEntry]| {
                list.iter()
                    .map(|e| vec![e.tier.to_string(), e.name.clone(), e.type_name.clone()])
                    .collect()
            };
            section(
                "Assets added",
                &["tier", "asset", "type"],
                entries(&a.added),
            );
            section(
                "Assets removed",
                &["tier", "asset", "type"],
                entries(&a.removed),
            );
            section(
                "Classification changes",
                &["asset", "sensitivity", "impact", "tier"],
                a.classification
                    .iter()
                    .map(|c| {
                        let (b, n) = (c.before, c.after);
                        vec![
                            c.name.clone(),
                            arrow_with(b.sensitivity, n.sensitivity, RIGHT),
                            arrow_with(b.impact, n.impact, RIGHT),
                            arrow_with(b.tier, n.tier, RIGHT),
                        ]
                    })
                    .collect(),
            );
            section(
                "Coverage changes",
                &["asset", "coverage"],
                a.coverage
                    .iter()
                    .map(|c| vec![c.name.clone(), arrow_with(c.before, c.after, RIGHT)])
                    .collect(),
            );
        }
        out
    }

    /// One line of counts.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        let waived = match s.new_waived {
            0 => String::new(),
            n => format!(" ({n} waived)"),
        };
        let mut line = format!(
            "findings: {} new{waived}, {} resolved, {} changed",
            s.new_findings, s.resolved_findings, s.changed_findings
        );
        match (
            s.assets_added,
            s.assets_removed,
            s.reclassified,
            s.coverage_changed,
        ) {
            (Some(added), Some(removed), Some(reclassified), Some(coverage)) => {
                let _ = write!(
                    line,
                    "; assets: {added} added, {removed} removed, {reclassified} reclassified, {coverage} with changed coverage"
                );
            }
            _ => line.push_str(
                "; assets not compared (a report without assets: write both with `report`)",
            ),
        }
        line
    }
}

/// The arrow Markdown shows between a value before and after.
const RIGHT: &str = "\u{2192}";

/// `before -> after` (with `sep` for the arrow), or the value alone when it did not change.
fn arrow_with<T: std::fmt::Display + PartialEq>(before: T, after: T, sep: &str) -> String {
    if before == after {
        after.to_string()
    } else {
        format!("{before} {sep} {after}")
    }
}

/// [`arrow_with`] for plain text.
fn arrow<T: std::fmt::Display + PartialEq>(before: T, after: T) -> String {
    arrow_with(before, after, "->")
}

/// The last segment of a resource id: the name a reader knows it by.
fn short(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

fn read(name: &str, path: &std::path::Path) -> Result<ReportFile, InputErrors> {
    let bytes = std::fs::read(path).map_err(|e| {
        InputErrors::one(
            Diagnostic::error(Location::file(name), format!("cannot read the report: {e}"))
                .with_help("give two reports written by `mdrplan report --format json`"),
        )
    })?;
    let (text, _) = crate::load::text::decode(name, &bytes).map_err(InputErrors::one)?;
    let report: ReportFile = serde_json::from_str(&text).map_err(|e| {
        InputErrors::one(
            Diagnostic::error(
                crate::baseline::json_location(name, &e),
                format!(
                    "not a JSON report: {}",
                    crate::load::strip_json_position(&e.to_string())
                ),
            )
            .with_help("give two reports written by `mdrplan report --format json`"),
        )
    })?;
    crate::baseline::check_version_or(
        name,
        report.schema_version,
        "give two reports written by `mdrplan report --format json`",
    )?;
    if report.findings.is_none() {
        return Err(InputErrors::one(
            Diagnostic::error(Location::file(name), "the report has no `findings`").with_help(
                "write it with `mdrplan report --format json` (`classify` and `plan` leave the findings out)",
            ),
        ));
    }
    Ok(report)
}

/// Worst first, then by rule, subject and fingerprint: the order of the report itself.
fn finding_order(a: &FindingRecord, b: &FindingRecord) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.concerns().cmp(&b.concerns()))
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
}

fn compare_findings(old: Vec<FindingRecord>, new: Vec<FindingRecord>) -> FindingChanges {
    let key = |f: &FindingRecord| f.fingerprint.to_ascii_lowercase();
    let mut old: BTreeMap<String, FindingRecord> = old.into_iter().map(|f| (key(&f), f)).collect();
    let mut changes = FindingChanges::default();
    for f in new {
        match old.remove(&key(&f)) {
            None => changes.new.push(f),
            Some(before) => {
                if before.severity != f.severity || before.message != f.message {
                    changes.changed.push(ChangedFinding {
                        fingerprint: f.fingerprint.clone(),
                        rule: f.rule.clone(),
                        concerns: f.concerns(),
                        before: FindingState {
                            severity: before.severity,
                            message: before.message,
                        },
                        after: FindingState {
                            severity: f.severity,
                            message: f.message,
                        },
                    });
                }
            }
        }
    }
    changes.resolved = old.into_values().collect();
    changes.new.sort_by(finding_order);
    changes.resolved.sort_by(finding_order);
    changes.changed.sort_by(|a, b| {
        b.after
            .severity
            .cmp(&a.after.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    changes
}

fn compare_assets(old: Vec<AssetRecord>, new: Vec<AssetRecord>) -> AssetChanges {
    let entry = |a: &AssetRecord| AssetEntry {
        id: a.id.clone(),
        name: a.name.clone(),
        type_name: a.type_name.clone(),
        tier: a.tier,
    };
    let class = |a: &AssetRecord| Classification {
        sensitivity: a.sensitivity,
        impact: a.impact,
        tier: a.tier,
    };
    let mut old: BTreeMap<String, AssetRecord> =
        old.into_iter().map(|a| (a.id.to_lowercase(), a)).collect();
    let mut changes = AssetChanges::default();
    let mut new: Vec<(String, AssetRecord)> =
        new.into_iter().map(|a| (a.id.to_lowercase(), a)).collect();
    new.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, a) in new {
        let Some(before) = old.remove(&key) else {
            changes.added.push(entry(&a));
            continue;
        };
        if class(&before) != class(&a) {
            changes.classification.push(Changed {
                id: a.id.clone(),
                name: a.name.clone(),
                before: class(&before),
                after: class(&a),
            });
        }
        if before.coverage != a.coverage {
            changes.coverage.push(Changed {
                id: a.id.clone(),
                name: a.name.clone(),
                before: before.coverage,
                after: a.coverage,
            });
        }
    }
    changes.removed = old.values().map(entry).collect();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(fp: &str, severity: Severity, message: &str) -> FindingRecord {
        FindingRecord {
            rule: "defender-plan-off".into(),
            severity,
            asset: Some(format!("/subscriptions/s/x/{fp}")),
            application: None,
            subscription: None,
            message: message.into(),
            fingerprint: fp.into(),
            waiver: None,
        }
    }

    #[test]
    fn findings_are_matched_by_fingerprint_without_case() {
        let old = vec![
            finding("AA", Severity::High, "m"),
            finding("bb", Severity::Low, "m"),
            finding("cc", Severity::Medium, "old words"),
        ];
        let new = vec![
            finding("aa", Severity::High, "m"),
            finding("dd", Severity::Info, "m"),
            finding("ee", Severity::Critical, "m"),
            finding("cc", Severity::High, "new words"),
        ];
        let c = compare_findings(old, new);
        let fps = |l: &[FindingRecord]| l.iter().map(|f| f.fingerprint.clone()).collect::<Vec<_>>();
        assert_eq!(fps(&c.new), ["ee", "dd"], "worst first");
        assert_eq!(fps(&c.resolved), ["bb"]);
        assert_eq!(c.changed.len(), 1);
        assert_eq!(c.changed[0].before.severity, Severity::Medium);
        assert_eq!(c.changed[0].after.message, "new words");
    }
}
