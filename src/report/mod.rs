//! The report model: one versioned structure (DESIGN.md section 9) built from every stage's
//! output, from which each output format is rendered.

pub mod table;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::Analysis;
use crate::classify::{Axis, Reason};
use crate::domain::{Archetype, Coverage, Impact, PaasNeed, Sensitivity, Severity, Tier};
use crate::graph::Node;
use crate::inventory::InputSummary;
use crate::profile::Catalog;

pub const SCHEMA_VERSION: u32 = 1;

/// The report: small sections held, the large ones (assets, applications, findings) built row
/// by row while they are written, so a million assets never exist twice in memory.
#[derive(Debug)]
pub struct Report<'a, 'c> {
    pub schema_version: u32,
    pub tool: Tool,
    pub profile: ProfileInfo,
    pub inputs: Vec<InputSummary>,
    pub organization: Organization,
    pub summary: Summary,
    pub plan: Plan<'a>,
    pub warnings: Vec<WarningRow>,
    analysis: &'a Analysis<'c>,
    catalog: &'c Catalog,
    /// Assets in id order.
    order: &'a [u32],
    app_order: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ProfileInfo {
    pub name: String,
    pub as_of: Option<String>,
    pub extends: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Organization {
    pub name: Option<String>,
    pub archetype: Archetype,
    pub paas_monitoring_need: PaasNeed,
    pub clients: u64,
    pub on_premises_ad: bool,
    pub siem_workspaces: Vec<String>,
    /// Products the licences grant.
    pub products: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub assets: usize,
    pub applications: usize,
    pub tiers: BTreeMap<String, usize>,
    pub findings: FindingCounts,
    pub modules: Vec<ModuleSummary>,
}

#[derive(Debug, Default, Serialize)]
pub struct FindingCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl FindingCounts {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ModuleSummary {
    pub id: String,
    pub name: String,
    pub assets: usize,
    pub covered: usize,
    /// For organisation-wide modules: whether the organisation's checks pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Coverage>,
}

#[derive(Debug, Serialize)]
pub struct Reasons<'a> {
    pub sensitivity: Reason<'a>,
    pub impact: Reason<'a>,
}

#[derive(Debug, Serialize)]
pub struct ModuleCoverage<'a> {
    pub id: &'a str,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct PlanRow<'a> {
    pub plan: &'a str,
    pub required_sub_plan: Option<&'a str>,
    pub state: &'static str,
    pub sub_plan: Option<&'a str>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct AssetRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub type_name: &'a str,
    pub class: Option<&'a str>,
    pub subscription: Option<&'a str>,
    pub resource_group: Option<&'a str>,
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub reasons: Reasons<'a>,
    pub modules: Vec<ModuleCoverage<'a>>,
    pub plan: Vec<PlanRow<'a>>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct AlertRow<'a> {
    pub use_case: &'a str,
    pub rule: &'a str,
    pub routed_to: crate::domain::Routing,
}

#[derive(Debug, Serialize)]
pub struct ApplicationRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub delivery: crate::domain::Delivery,
    pub exposure: crate::domain::Exposure,
    pub tenancy: crate::domain::Tenancy,
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub reasons: Reasons<'a>,
    pub components: Vec<&'a str>,
    pub use_cases: UseCases<'a>,
    pub alerts: Vec<AlertRow<'a>>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct UseCases<'a> {
    pub required: &'a [String],
    pub covered: &'a [String],
    pub missing: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct FindingRow<'a> {
    pub rule: &'static str,
    pub severity: Severity,
    pub asset: Option<&'a str>,
    pub application: Option<&'a str>,
    pub subscription: Option<&'a str>,
    pub module: Option<&'a str>,
    pub plan: Option<&'a str>,
    pub message: Cow<'a, str>,
    pub remediation: &'a str,
    pub fingerprint: String,
}

#[derive(Debug, Serialize)]
pub struct DefenderPlanRow<'a> {
    pub subscription: Option<&'a str>,
    pub subscription_name: Option<&'a str>,
    pub plan: &'a str,
    pub sub_plan: Option<&'a str>,
    pub required_sub_plan: Option<&'a str>,
    pub state: &'static str,
    pub resources: usize,
    /// Monthly cost; `null` while the profile holds no price for the plan.
    pub monthly_usd: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct LicenceRow {
    pub name: String,
    pub known: bool,
    pub products: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MonthlyCost {
    pub current: Option<f64>,
    pub recommended: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Plan<'a> {
    pub defender: Vec<DefenderPlanRow<'a>>,
    pub licences: Vec<LicenceRow>,
    pub monthly_usd: MonthlyCost,
}

#[derive(Debug, Serialize)]
pub struct WarningRow {
    pub location: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl<'a, 'c> Report<'a, 'c> {
    pub fn build(analysis: &'a Analysis<'c>, catalog: &'c Catalog) -> Report<'a, 'c> {
        let inv = &analysis.inventory;
        let order = analysis.evaluation.order.as_slice();
        let mut app_order: Vec<usize> = (0..inv.applications.len()).collect();
        app_order.sort_by(|a, b| inv.applications[*a].id.cmp(&inv.applications[*b].id));

        let mut by_severity = FindingCounts::default();
        for f in &analysis.evaluation.findings {
            by_severity.add(f.severity);
        }
        let mut tiers: BTreeMap<String, usize> =
            Tier::ALL.iter().map(|t| (t.to_string(), 0)).collect();
        for c in &analysis.classification.assets {
            *tiers.entry(c.tier.to_string()).or_default() += 1;
        }

        // Module coverage, counted in one pass over the assets.
        let mut counts = vec![(0usize, 0usize); catalog.profile.modules.len()];
        for (i, m) in analysis.mapping.assets.iter().enumerate() {
            for k in (0..catalog.profile.modules.len()).filter(|k| m.modules.contains(*k)) {
                let coverage = analysis.evaluation.module_coverage(catalog, i, k);
                if coverage != Coverage::NotApplicable {
                    counts[k].0 += 1;
                    counts[k].1 += usize::from(coverage == Coverage::Covered);
                }
            }
        }
        let modules = catalog
            .profile
            .modules
            .iter()
            .zip(counts)
            .map(|(m, (assets, covered))| ModuleSummary {
                id: m.id.clone(),
                name: m.name.clone(),
                assets,
                covered,
                organization: analysis.evaluation.organization.get(&m.id).copied(),
            })
            .collect();

        let defender = analysis
            .evaluation
            .defender
            .iter()
            .map(|d| DefenderPlanRow {
                subscription: d.subscription.as_deref(),
                subscription_name: inv
                    .subscription(d.subscription.as_deref())
                    .and_then(|s| s.name.as_deref()),
                plan: d.plan,
                sub_plan: d.sub_plan.as_deref(),
                required_sub_plan: d.required_sub_plan,
                state: d.state,
                resources: d.resources,
                monthly_usd: None,
            })
            .collect();

        let mut licences: Vec<LicenceRow> = inv
            .licences
            .iter()
            .map(|l| {
                let products = catalog.licence_products(&l.name);
                LicenceRow {
                    name: l.name.clone(),
                    known: products.is_some(),
                    products: products.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect();
        licences.sort_by(|a, b| a.name.cmp(&b.name));
        licences.dedup_by(|a, b| a.name == b.name);

        let mut inputs = inv.inputs.clone();
        inputs.sort();
        let archetype = analysis.mapping.archetype;

        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            profile: ProfileInfo {
                name: catalog.name().to_owned(),
                as_of: catalog.profile.as_of.clone(),
                extends: catalog.chain.clone(),
            },
            inputs,
            organization: Organization {
                name: inv.organization.clone(),
                archetype,
                paas_monitoring_need: archetype.paas_monitoring_need(),
                clients: inv.clients.total(),
                on_premises_ad: inv.on_premises_ad,
                siem_workspaces: inv.siem_workspaces.iter().cloned().collect(),
                products: analysis
                    .mapping
                    .facts
                    .iter()
                    .filter(|f| !crate::profile::model::ORGANIZATION_FACTS.contains(&f.as_str()))
                    .cloned()
                    .collect(),
            },
            summary: Summary {
                assets: inv.assets.len(),
                applications: inv.applications.len(),
                tiers,
                findings: by_severity,
                modules,
            },
            plan: Plan {
                defender,
                licences,
                monthly_usd: MonthlyCost {
                    current: None,
                    recommended: None,
                },
            },
            warnings: analysis
                .warnings
                .iter()
                .map(|w| WarningRow {
                    location: w.location.to_string(),
                    message: w.message.clone(),
                    help: w.help.clone(),
                })
                .collect(),
            analysis,
            catalog,
            order,
            app_order,
        }
    }

    /// Findings at or above `level`.
    pub fn count_at_least(&self, level: Severity) -> usize {
        self.analysis
            .evaluation
            .findings
            .iter()
            .filter(|f| f.severity >= level)
            .count()
    }

    fn reasons(&self, node: Node) -> Reasons<'a> {
        let a = self.analysis;
        let reason = |axis| {
            a.classification
                .reason(&a.inventory, self.catalog, node, axis)
        };
        Reasons {
            sensitivity: reason(Axis::Sensitivity),
            impact: reason(Axis::Impact),
        }
    }

    /// One asset's row.
    pub fn asset(&self, i: usize) -> AssetRow<'a> {
        let an = self.analysis;
        let inv = &an.inventory;
        let a = &inv.assets[i];
        let c = &an.classification.assets[i];
        let m = &an.mapping.assets[i];
        let e = &an.evaluation.assets[i];
        AssetRow {
            id: &a.id,
            name: a.name(),
            type_name: inv.type_of(a),
            class: m.class(self.catalog),
            subscription: inv.subscription_of(a),
            resource_group: inv.opt(a.resource_group),
            sensitivity: c.sensitivity,
            impact: c.impact,
            tier: c.tier,
            reasons: self.reasons(Node::Asset(i)),
            modules: self
                .catalog
                .profile
                .modules
                .iter()
                .enumerate()
                .filter(|(k, _)| m.modules.contains(*k))
                .map(|(k, module)| ModuleCoverage {
                    id: &module.id,
                    coverage: an.evaluation.module_coverage(self.catalog, i, k),
                })
                .collect(),
            plan: an
                .evaluation
                .plans(i)
                .iter()
                .map(|p| PlanRow {
                    plan: p.plan,
                    required_sub_plan: p.required_sub_plan,
                    state: p.state.as_str(),
                    sub_plan: p.sub_plan.as_deref(),
                    coverage: p.coverage,
                })
                .collect(),
            coverage: e.coverage,
        }
    }

    /// Every asset's row, in id order.
    pub fn assets(&self) -> impl Iterator<Item = AssetRow<'a>> + '_ {
        self.order.iter().map(|i| self.asset(*i as usize))
    }

    pub fn applications(&self) -> impl Iterator<Item = ApplicationRow<'a>> + '_ {
        self.app_order.iter().map(|i| self.application(*i))
    }

    fn application(&self, i: usize) -> ApplicationRow<'a> {
        let an = self.analysis;
        let inv = &an.inventory;
        let app = &inv.applications[i];
        let c = &an.classification.applications[i];
        let e = &an.evaluation.applications[i];
        let mut components: Vec<&str> =
            app.components.iter().map(|c| &*inv.assets[*c].id).collect();
        components.sort_unstable();
        ApplicationRow {
            id: &app.id,
            name: &app.name,
            delivery: app.delivery,
            exposure: app.exposure,
            tenancy: app.tenancy,
            sensitivity: c.sensitivity,
            impact: c.impact,
            tier: c.tier,
            reasons: self.reasons(Node::Application(i)),
            components,
            use_cases: UseCases {
                required: &e.required,
                covered: &e.covered,
                missing: e
                    .required
                    .iter()
                    .filter(|u| !e.covered.contains(u))
                    .map(String::as_str)
                    .collect(),
            },
            alerts: app
                .alerts
                .iter()
                .map(|a| AlertRow {
                    use_case: &a.use_case,
                    rule: &a.rule,
                    routed_to: a.routed_to,
                })
                .collect(),
            coverage: e.coverage,
        }
    }

    /// Every finding's row, worst first.
    pub fn findings(&self) -> impl Iterator<Item = FindingRow<'a>> + '_ {
        (0..self.analysis.evaluation.findings.len()).map(|i| self.finding(i))
    }

    /// The name to show for an asset id (its name), for tables.
    pub fn asset_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.analysis
            .inventory
            .assets
            .iter()
            .find(|a| &*a.id == id)
            .map_or(id, |a| a.name())
    }

    /// How many findings there are.
    pub fn finding_count(&self) -> usize {
        self.analysis.evaluation.findings.len()
    }

    /// Writes the JSON of a view (`keep` lists the top-level keys; empty keeps them all).
    ///
    /// The document is the one `serde_json::to_writer_pretty` would write; the long lists are
    /// written in blocks whose rows are put into JSON on two threads.
    pub fn write_json(&self, out: &mut dyn std::io::Write, keep: &[&str]) -> std::io::Result<()> {
        let wanted = |k: &str| keep.is_empty() || keep.contains(&k);
        let mut first = true;
        let mut key = |out: &mut dyn std::io::Write, name: &str| -> std::io::Result<bool> {
            if !wanted(name) {
                return Ok(false);
            }
            out.write_all(if first { b"{\n  \"" } else { b",\n  \"" })?;
            first = false;
            out.write_all(name.as_bytes())?;
            out.write_all(b"\": ")?;
            Ok(true)
        };
        if key(out, "schema_version")? {
            write_value(out, &self.schema_version)?;
        }
        if key(out, "tool")? {
            write_value(out, &self.tool)?;
        }
        if key(out, "profile")? {
            write_value(out, &self.profile)?;
        }
        if key(out, "inputs")? {
            write_value(out, &self.inputs)?;
        }
        if key(out, "organization")? {
            write_value(out, &self.organization)?;
        }
        if key(out, "summary")? {
            write_value(out, &self.summary)?;
        }
        if key(out, "assets")? {
            write_rows(out, self.order, |i, buf, _| {
                fast::asset(buf, &self.asset(*i as usize));
                Ok(())
            })?;
        }
        if key(out, "applications")? {
            write_rows(out, &self.app_order, |i, buf, scratch| {
                serde_row(self.application(*i), buf, scratch)
            })?;
        }
        if key(out, "findings")? {
            let all: Vec<usize> = (0..self.analysis.evaluation.findings.len()).collect();
            write_rows(out, &all, |i, buf, _| {
                fast::finding(buf, &self.finding(*i));
                Ok(())
            })?;
        }
        if key(out, "plan")? {
            write_value(out, &self.plan)?;
        }
        if key(out, "warnings")? {
            write_value(out, &self.warnings)?;
        }
        out.write_all(if first { b"{}\n" } else { b"\n}\n" })
    }

    /// One finding's row.
    fn finding(&self, i: usize) -> FindingRow<'a> {
        let an = self.analysis;
        let inv = &an.inventory;
        let f = &an.evaluation.findings[i];
        FindingRow {
            rule: f.rule.name(),
            severity: f.severity,
            asset: f.asset().map(|a| &*inv.assets[a].id),
            application: f.application().map(|a| inv.applications[a].id.as_str()),
            subscription: f.subscription(inv),
            module: f.module,
            plan: f.plan,
            message: f.message(inv, &an.classification),
            remediation: &f.remediation,
            fingerprint: f.fingerprint(inv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings and numbers written by hand are serde_json's, wherever the escapes fall.
    #[test]
    fn fast_strings_and_numbers_match_serde() {
        let long = "0123456789abcdef".repeat(3);
        let check = |text: &str| {
            let mut by_hand = Vec::new();
            fast::string(&mut by_hand, text);
            assert_eq!(by_hand, serde_json::to_vec(text).unwrap(), "{text:?}");
        };
        for len in [0, 1, 3, 7, 8, 9, 15, 16, 17, 48] {
            check(&long[..len]);
            for at in 0..len {
                for special in ["\"", "\\", "\n", "\u{1f}", "\u{0}", "\u{7f}", "é", "!", "]"] {
                    let mut text = long[..len].to_owned();
                    text.replace_range(at..at + 1, special);
                    check(&text);
                }
            }
        }
        for n in [0u8, 7, 10, 99, 100, 255] {
            let mut by_hand = Vec::new();
            fast::number(&mut by_hand, n);
            assert_eq!(by_hand, n.to_string().into_bytes());
        }
    }

    /// The hand-written asset rows are what serde_json writes, whatever the text holds.
    #[test]
    fn fast_asset_rows_match_serde() {
        let reason = |text: &'static str, at: Option<&str>, path: Vec<&'static str>| Reason {
            source: crate::classify::Source::Graph,
            text: Cow::Borrowed(text),
            at: at.map(str::to_owned),
            path,
        };
        let rows = [
            AssetRow {
                id: "/subscriptions/s/resourceGroups/g/providers/P/t/n\"quote\"",
                name: "tab\there \u{1} é \\ back",
                type_name: "P/t",
                class: None,
                subscription: Some("s"),
                resource_group: None,
                sensitivity: Sensitivity::Restricted,
                impact: Impact::Low,
                tier: Tier(1),
                reasons: Reasons {
                    sensitivity: reason("line\nbreak", Some("o.yaml:3:5"), vec!["a", "b\"c"]),
                    impact: reason("plain", None, vec![]),
                },
                modules: vec![ModuleCoverage {
                    id: "mdr-24x7",
                    coverage: Coverage::Covered,
                }],
                plan: vec![PlanRow {
                    plan: "VirtualMachines",
                    required_sub_plan: Some("P2"),
                    state: "on",
                    sub_plan: None,
                    coverage: Coverage::Gap,
                }],
                coverage: Coverage::Gap,
            },
            AssetRow {
                id: "x",
                name: "x",
                type_name: "t",
                class: Some("server"),
                subscription: None,
                resource_group: Some("g"),
                sensitivity: Sensitivity::Public,
                impact: Impact::Critical,
                tier: Tier(4),
                reasons: Reasons {
                    sensitivity: reason("a", None, vec![]),
                    impact: reason("b", None, vec![]),
                },
                modules: vec![],
                plan: vec![],
                coverage: Coverage::NotApplicable,
            },
        ];
        let finding = FindingRow {
            rule: "defender-plan-off",
            severity: Severity::High,
            asset: Some("a\"b"),
            application: None,
            subscription: Some("s"),
            module: Some("cloud-platform"),
            plan: None,
            message: Cow::Borrowed("two\nlines"),
            remediation: "az security pricing create",
            fingerprint: "00ff".into(),
        };
        let mut by_hand = Vec::new();
        fast::finding(&mut by_hand, &finding);
        let (mut by_serde, mut scratch) = (Vec::new(), Vec::new());
        serde_row(&finding, &mut by_serde, &mut scratch).unwrap();
        assert_eq!(
            String::from_utf8(by_hand).unwrap(),
            String::from_utf8(by_serde).unwrap()
        );

        for row in &rows {
            let mut by_hand = Vec::new();
            fast::asset(&mut by_hand, row);
            let (mut by_serde, mut scratch) = (Vec::new(), Vec::new());
            serde_row(row, &mut by_serde, &mut scratch).unwrap();
            assert_eq!(
                String::from_utf8(by_hand).unwrap(),
                String::from_utf8(by_serde).unwrap()
            );
        }
    }
}

/// Writes a value as pretty JSON one level in (its lines indented by two spaces).
fn write_value<T: Serialize>(out: &mut dyn std::io::Write, value: &T) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(std::io::Error::from)?;
    write_indented(out, &text, b"  ")
}

/// Copies JSON text, indenting every line after the first.
fn write_indented(out: &mut dyn std::io::Write, text: &[u8], indent: &[u8]) -> std::io::Result<()> {
    let mut lines = text.split(|b| *b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(indent)?;
        out.write_all(line)?;
    }
    Ok(())
}

/// Rows per block: each block is put into JSON on two threads, then written in order.
const BLOCK: usize = 4096;

/// Appends one row as pretty JSON two levels in, through serde.
fn serde_row<T: Serialize>(
    row: T,
    buf: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> std::io::Result<()> {
    // A row serialised inside two arrays comes out indented as it stands in the document;
    // the arrays' own brackets are cut off again.
    const HEAD: usize = b"[\n  [\n    ".len();
    const TAIL: usize = b"\n  ]\n]".len();
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, &[[row]]).map_err(std::io::Error::from)?;
    buf.extend_from_slice(&scratch[HEAD..scratch.len() - TAIL]);
    Ok(())
}

/// Appends rows, each after `,` and a new line.
fn render_rows<K>(
    part: &[K],
    render: &impl Fn(&K, &mut Vec<u8>, &mut Vec<u8>) -> std::io::Result<()>,
    buf: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> std::io::Result<()> {
    for (n, k) in part.iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"\n    ");
        render(k, buf, scratch)?;
    }
    Ok(())
}

/// Writes a list of rows as pretty JSON two levels in; `render` appends the row for a key.
fn write_rows<K: Sync>(
    out: &mut dyn std::io::Write,
    keys: &[K],
    render: impl Fn(&K, &mut Vec<u8>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    if keys.is_empty() {
        return out.write_all(b"[]");
    }
    let (mut left_buf, mut right_buf) = (Vec::new(), Vec::new());
    let (mut left_scratch, mut right_scratch) = (Vec::new(), Vec::new());
    out.write_all(b"[")?;
    for (b, block) in keys.chunks(BLOCK).enumerate() {
        if b > 0 {
            out.write_all(b",")?;
        }
        let (left, right) = block.split_at(block.len() / 2);
        left_buf.clear();
        right_buf.clear();
        let (mine, other) = std::thread::scope(|scope| {
            let other =
                scope.spawn(|| render_rows(right, &render, &mut right_buf, &mut right_scratch));
            let mine = render_rows(left, &render, &mut left_buf, &mut left_scratch);
            (
                mine,
                other
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a writer thread failed"))),
            )
        });
        mine?;
        other?;
        out.write_all(&left_buf)?;
        if !left_buf.is_empty() && !right_buf.is_empty() {
            out.write_all(b",")?;
        }
        out.write_all(&right_buf)?;
    }
    out.write_all(b"\n  ]")
}

/// JSON writing by hand for the one list that runs to a million rows, byte for byte what
/// serde_json's pretty printer writes for [`AssetRow`] at that depth (a test holds it to that).
mod fast {
    use super::{AssetRow, FindingRow, Reason};

    /// Whether a byte must be escaped in a JSON string.
    fn escaped(b: u8) -> bool {
        b < 0x20 || b == b'"' || b == b'\\'
    }

    /// Whether any byte of the text must be escaped. Looked at sixteen bytes at a time without
    /// stopping early, which the compiler turns into vector instructions: nearly every string
    /// in a report needs no escape, so the whole of it is read anyway.
    fn needs_escape(bytes: &[u8]) -> bool {
        let chunks = bytes.chunks_exact(16);
        let rest = chunks.remainder();
        chunks
            .into_iter()
            .any(|c| c.iter().fold(false, |any, b| any | escaped(*b)))
            || rest.iter().any(|b| escaped(*b))
    }

    /// A JSON string, escaped as serde_json escapes.
    pub fn string(buf: &mut Vec<u8>, s: &str) {
        buf.push(b'"');
        let bytes = s.as_bytes();
        if !needs_escape(bytes) {
            buf.extend_from_slice(bytes);
        } else {
            for &b in bytes {
                match b {
                    b'"' => buf.extend_from_slice(b"\\\""),
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    0x08 => buf.extend_from_slice(b"\\b"),
                    0x0c => buf.extend_from_slice(b"\\f"),
                    b if b < 0x20 => {
                        const HEX: &[u8; 16] = b"0123456789abcdef";
                        buf.extend_from_slice(b"\\u00");
                        buf.push(HEX[(b >> 4) as usize]);
                        buf.push(HEX[(b & 0xf) as usize]);
                    }
                    b => buf.push(b),
                }
            }
        }
        buf.push(b'"');
    }

    /// A number as JSON writes it.
    pub fn number(buf: &mut Vec<u8>, n: u8) {
        if n >= 100 {
            buf.push(b'0' + n / 100);
        }
        if n >= 10 {
            buf.push(b'0' + n / 10 % 10);
        }
        buf.push(b'0' + n % 10);
    }

    fn opt(buf: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => string(buf, s),
            None => buf.extend_from_slice(b"null"),
        }
    }

    /// A new line and the indent of the deepest line a row writes.
    const NEW_LINE: &[u8; 13] = b"\n            ";

    /// A new line indented by `indent` spaces.
    fn new_line(buf: &mut Vec<u8>, indent: usize) {
        buf.extend_from_slice(&NEW_LINE[..1 + indent]);
    }

    /// The spaces of an indent, as text the compiler can join to others.
    macro_rules! spaces {
        (6) => {
            "      "
        };
        (8) => {
            "        "
        };
        (10) => {
            "          "
        };
    }

    /// `"key": ` on a new line at an indent of 6, 8 or 10 spaces, after a comma unless it is
    /// the `first`: one piece of text made by the compiler, copied at once.
    macro_rules! key {
        ($buf:expr, first, $indent:tt, $name:literal) => {
            $buf.extend_from_slice(concat!("\n", spaces!($indent), "\"", $name, "\": ").as_bytes())
        };
        ($buf:expr, $indent:tt, $name:literal) => {
            $buf.extend_from_slice(concat!(",\n", spaces!($indent), "\"", $name, "\": ").as_bytes())
        };
    }

    fn close(buf: &mut Vec<u8>, indent: usize, bracket: u8) {
        new_line(buf, indent);
        buf.push(bracket);
    }

    /// A list of objects three levels in: `[]`, or each object's fields written by `fields`.
    fn list<T>(buf: &mut Vec<u8>, items: &[T], fields: impl Fn(&mut Vec<u8>, &T)) {
        if items.is_empty() {
            buf.extend_from_slice(b"[]");
            return;
        }
        buf.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            new_line(buf, 8);
            buf.push(b'{');
            fields(buf, item);
            close(buf, 8, b'}');
        }
        close(buf, 6, b']');
    }

    fn reason(buf: &mut Vec<u8>, r: &Reason<'_>) {
        buf.push(b'{');
        key!(buf, first, 10, "source");
        string(buf, r.source.as_str());
        key!(buf, 10, "text");
        string(buf, &r.text);
        if let Some(at) = &r.at {
            key!(buf, 10, "at");
            string(buf, at);
        }
        if !r.path.is_empty() {
            key!(buf, 10, "path");
            buf.push(b'[');
            for (i, p) in r.path.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                new_line(buf, 12);
                string(buf, p);
            }
            close(buf, 10, b']');
        }
        close(buf, 8, b'}');
    }

    /// A finding row, starting at its `{`.
    pub fn finding(buf: &mut Vec<u8>, f: &FindingRow<'_>) {
        buf.push(b'{');
        key!(buf, first, 6, "rule");
        string(buf, f.rule);
        key!(buf, 6, "severity");
        string(buf, f.severity.as_str());
        key!(buf, 6, "asset");
        opt(buf, f.asset);
        key!(buf, 6, "application");
        opt(buf, f.application);
        key!(buf, 6, "subscription");
        opt(buf, f.subscription);
        key!(buf, 6, "module");
        opt(buf, f.module);
        key!(buf, 6, "plan");
        opt(buf, f.plan);
        key!(buf, 6, "message");
        string(buf, &f.message);
        key!(buf, 6, "remediation");
        string(buf, f.remediation);
        key!(buf, 6, "fingerprint");
        string(buf, &f.fingerprint);
        close(buf, 4, b'}');
    }

    /// An asset row, starting at its `{` (its line's indent is the caller's).
    pub fn asset(buf: &mut Vec<u8>, a: &AssetRow<'_>) {
        buf.push(b'{');
        key!(buf, first, 6, "id");
        string(buf, a.id);
        key!(buf, 6, "name");
        string(buf, a.name);
        key!(buf, 6, "type");
        string(buf, a.type_name);
        key!(buf, 6, "class");
        opt(buf, a.class);
        key!(buf, 6, "subscription");
        opt(buf, a.subscription);
        key!(buf, 6, "resource_group");
        opt(buf, a.resource_group);
        key!(buf, 6, "sensitivity");
        string(buf, a.sensitivity.as_str());
        key!(buf, 6, "impact");
        string(buf, a.impact.as_str());
        key!(buf, 6, "tier");
        number(buf, a.tier.0);
        key!(buf, 6, "reasons");
        buf.push(b'{');
        key!(buf, first, 8, "sensitivity");
        reason(buf, &a.reasons.sensitivity);
        key!(buf, 8, "impact");
        reason(buf, &a.reasons.impact);
        close(buf, 6, b'}');
        key!(buf, 6, "modules");
        list(buf, &a.modules, |buf, m| {
            key!(buf, first, 10, "id");
            string(buf, m.id);
            key!(buf, 10, "coverage");
            string(buf, m.coverage.as_str());
        });
        key!(buf, 6, "plan");
        list(buf, &a.plan, |buf, p| {
            key!(buf, first, 10, "plan");
            string(buf, p.plan);
            key!(buf, 10, "required_sub_plan");
            opt(buf, p.required_sub_plan);
            key!(buf, 10, "state");
            string(buf, p.state);
            key!(buf, 10, "sub_plan");
            opt(buf, p.sub_plan);
            key!(buf, 10, "coverage");
            string(buf, p.coverage.as_str());
        });
        key!(buf, 6, "coverage");
        string(buf, a.coverage.as_str());
        close(buf, 4, b'}');
    }
}
