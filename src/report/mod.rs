//! The report model: one versioned structure (the README, "The JSON report") built from every stage's
//! output, from which each output format is rendered.

pub mod azure;
pub mod csv;
pub mod escape;
pub mod github;
pub mod graph;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::Analysis;
use crate::baseline::{Baseline, BaselineState};
use crate::classify::{Axis, Reason};
use crate::domain::{Archetype, Coverage, Impact, PaasNeed, Sensitivity, Severity, Tier};
use crate::graph::Node;
use crate::inventory::InputSummary;
use crate::profile::Catalog;
use crate::waivers::{Applied, Date, WaiverMark, Waivers};

pub const SCHEMA_VERSION: u32 = 1;

/// Rendering options for the table output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width, when known.
    pub width: Option<u16>,
}

/// Which sections a command shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Report,
    Classify,
    Plan,
    Gaps,
}

impl View {
    /// The top-level keys each command's JSON keeps (empty: all of them).
    pub fn json_keys(self) -> &'static [&'static str] {
        match self {
            View::Report => &[],
            View::Classify => &[
                "schema_version",
                "tool",
                "profile",
                "inputs",
                "organization",
                "assets",
                "applications",
                "warnings",
            ],
            View::Plan => &[
                "schema_version",
                "tool",
                "profile",
                "inputs",
                "organization",
                "summary",
                "assets",
                "plan",
                "warnings",
            ],
            View::Gaps => &[
                "schema_version",
                "tool",
                "profile",
                "inputs",
                "summary",
                "findings",
                "warnings",
            ],
        }
    }
}

/// The output formats, each rendered from the one report by its own module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal or a meeting
    Table,
    /// The versioned report, the source of the others
    Json,
    /// A pull-request comment
    Markdown,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// JUnit XML, a test suite per module
    Junit,
    /// GitHub Actions workflow annotations
    Github,
    /// Azure DevOps logging commands
    Azure,
    /// Findings (or, for classify and plan, assets and plans) as CSV
    Csv,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Table,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Azure,
        Format::Csv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Azure => "azure",
            Format::Csv => "csv",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    pub fn names() -> impl Iterator<Item = &'static str> + Clone {
        Format::ALL.iter().map(|f| f.as_str())
    }

    /// Whether a view can be written in this format: the findings formats (SARIF, JUnit and
    /// the CI annotations) need the findings, which `classify` and `plan` do not show.
    pub fn supports(self, view: View) -> bool {
        match self {
            Format::Table | Format::Json | Format::Markdown | Format::Csv => true,
            Format::Sarif | Format::Junit | Format::Github | Format::Azure => {
                matches!(view, View::Report | View::Gaps)
            }
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    gate: Option<&'a Gate>,
}

/// What decides which findings count towards `--fail-on`: waivers, and a baseline of findings
/// already known.
#[derive(Debug, Default)]
pub struct Gate {
    pub waivers: Option<Applied>,
    /// Each finding's state against the baseline, when one is given.
    pub baseline: Option<Vec<BaselineState>>,
}

impl Gate {
    /// Applies the waivers (judged on `today`) and the baseline to the analysis's findings.
    pub fn new(
        analysis: &Analysis<'_>,
        waivers: Option<&Waivers>,
        baseline: Option<&Baseline>,
        today: Date,
    ) -> Gate {
        let inv = &analysis.inventory;
        let findings = &analysis.evaluation.findings;
        Gate {
            waivers: waivers.map(|w| w.apply(findings, inv, today)),
            baseline: baseline.map(|b| {
                findings
                    .iter()
                    .map(|f| b.state(&f.fingerprint(inv)))
                    .collect()
            }),
        }
    }

    /// The waiver covering finding `i`.
    pub fn waiver(&self, i: usize) -> Option<&WaiverMark> {
        self.waivers.as_ref().and_then(|w| w.mark(i))
    }

    /// Finding `i`'s state against the baseline.
    pub fn baseline(&self, i: usize) -> Option<BaselineState> {
        self.baseline.as_ref().map(|b| b[i])
    }

    /// Whether finding `i` counts towards `--fail-on`: not waived, and new when a baseline is
    /// given.
    pub fn counts(&self, i: usize) -> bool {
        self.waiver(i).is_none() && self.baseline(i) != Some(BaselineState::Unchanged)
    }
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
    /// Findings a waiver covers.
    pub waived: usize,
    /// Findings not in the baseline; `null` without `--baseline`.
    pub new: Option<usize>,
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
    pub suggested_rules: Vec<SuggestedRule<'a>>,
    /// Where the application's telemetry lands: declared, or inferred from components.
    pub telemetry: Vec<TelemetryRow<'a>>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct TelemetryRow<'a> {
    pub source: &'a str,
    pub tables: &'a [String],
    /// `declared` in the overlay, or `inferred` from the components listed in `from`.
    pub how: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct UseCases<'a> {
    pub required: &'a [String],
    pub covered: &'a [String],
    pub missing: Vec<&'a str>,
    /// Each required use case's state.
    pub status: Vec<UseCaseRow<'a>>,
    /// The share of required use cases covered, in percent; `null` when none is required.
    pub score: Option<u8>,
}

impl UseCases<'_> {
    /// `covered/required (score%)`, e.g. `1/7 (14%)`.
    pub fn covered_label(&self) -> String {
        let score = self.score.map_or_else(String::new, |s| format!(" ({s}%)"));
        format!("{}/{}{score}", self.covered.len(), self.required.len())
    }

    /// The required use cases not covered, each with why when an alert exists for it
    /// (`api-abuse (rule disabled)`).
    pub fn not_covered(&self) -> Vec<String> {
        self.status
            .iter()
            .filter(|c| !c.status.covers())
            .map(|c| match c.status {
                crate::evaluate::UseCaseStatus::Missing => c.use_case.to_owned(),
                other => format!("{} ({})", c.use_case, other.as_str().replace('-', " ")),
            })
            .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct UseCaseRow<'a> {
    pub use_case: &'a str,
    pub status: crate::evaluate::UseCaseStatus,
    pub rule: Option<&'a str>,
}

/// An analytics rule that evidently concerns an application it is not declared for.
#[derive(Debug, Serialize)]
pub struct SuggestedRule<'a> {
    pub name: &'a str,
    pub id: Option<&'a str>,
    pub enabled: bool,
    pub at: String,
}

impl SuggestedRule<'_> {
    /// `name (where it is[, disabled])`, as the table and Markdown list it (unescaped).
    pub fn label(&self) -> String {
        let state = if self.enabled { "" } else { ", disabled" };
        format!("{} ({}{state})", self.name, self.at)
    }
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
    /// The waiver that covers the finding, if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<&'a WaiverMark>,
    /// Whether the finding was in the baseline, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// A finding with what the formats other than JSON need beyond its row.
#[derive(Debug)]
pub struct Placed<'a> {
    pub row: FindingRow<'a>,
    pub rule: crate::rules::Rule,
    /// The asset's name, for an asset's finding.
    pub asset_name: Option<&'a str>,
    /// The subscription's label (its name, with its id where two share one).
    pub subscription_name: Option<&'a str>,
    /// Where the asset or application was read; `None` for findings about a subscription, the
    /// organisation or a resource type.
    pub origin: Option<Place<'a>>,
}

impl Placed<'_> {
    /// What the finding concerns, in words: `application orders`, an asset's name,
    /// `subscription corp-prod`, or `organisation`.
    pub fn concerns(&self) -> String {
        if let Some(a) = self.row.application {
            return format!("application {a}");
        }
        if let Some(name) = self.asset_name {
            return name.to_owned();
        }
        if self.rule.scope() == crate::rules::Scope::ResourceType {
            return "resource type".to_owned();
        }
        if let Some(s) = self.subscription_name.or(self.row.subscription) {
            return format!("subscription {s}");
        }
        "organisation".to_owned()
    }
}

impl FindingRow<'_> {
    /// The waiver in words, `waived until 2027-03-31 by owner: reason`, for a waived finding.
    pub fn waiver_note(&self) -> Option<String> {
        self.waiver
            .map(|w| format!("waived until {} by {}: {}", w.expires, w.owner, w.reason))
    }
}

/// A place in an input file, as given on the command line (with forward slashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// The path as given on the command line, without a leading `./`: code scanning and
    /// annotations match it against the repository's paths, which never start with one.
    pub path: &'a str,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// A path without its leading `./` (or `.\`): `./inventory/overlay.yaml` is
/// `inventory/overlay.yaml`.
fn repository_relative(path: &str) -> &str {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix(".\\")) {
        path = rest;
    }
    path
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
    /// Today's monthly cost; `null` when the price or the quantity is unknown.
    pub monthly_usd: Option<f64>,
    pub cost: CostRow<'a>,
}

/// A plan's cost in one subscription: the quantity billed, today's setting and the
/// recommended one, each with its unit price and monthly cost.
#[derive(Debug, Serialize)]
pub struct CostRow<'a> {
    pub quantity: Option<f64>,
    pub unit: &'static str,
    /// Machines left out because they are deallocated.
    pub deallocated: usize,
    pub current: CostSetting<'a>,
    pub recommended: CostSetting<'a>,
    /// Recommended minus current.
    pub difference_usd: Option<f64>,
    /// Why the cost is unknown, when it is.
    pub unknown: Option<&'a str>,
    /// The options compared, with the arithmetic.
    pub reasoning: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct CostSetting<'a> {
    pub setting: &'a str,
    pub sub_plan: Option<&'a str>,
    pub unit_usd: Option<f64>,
    /// What `unit_usd` is charged per (`server-month`, `10k-transactions`, ...).
    pub price_unit: Option<&'static str>,
    pub monthly_usd: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct LicenceRow {
    pub name: String,
    pub known: bool,
    pub products: Vec<String>,
    /// Whether it grants a security product an organisation check asks for.
    pub security: bool,
    /// The modules those products deliver.
    pub modules: Vec<String>,
}

/// What one organisation-wide module needs from the licences, and whether the organisation
/// has it; when it does not, the licence that closes the gap most simply.
#[derive(Debug, Serialize)]
pub struct LicenceCheckRow {
    pub module: String,
    pub check: String,
    /// Facts that make the check apply (clients exist, on-premises AD, ...).
    pub when: Vec<String>,
    /// Any of these products meets it.
    pub needs_any: Vec<String>,
    /// Those the organisation holds.
    pub held: Vec<String>,
    /// `covered`, `gap`, or `not-applicable` when its conditions do not hold.
    pub state: Coverage,
    /// The licence that closes this gap with the fewest products already held.
    pub closed_by: Option<BundleRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleRow {
    pub part_number: String,
    pub name: String,
    /// The gaps (check ids) it closes.
    pub closes: Vec<String>,
}

/// The month's total over the subscriptions' plans. Plans whose cost is unknown are not in the
/// sums: `complete` says whether any is missing and `unpriced` which.
#[derive(Debug, Serialize)]
pub struct MonthlyCost {
    pub current: Option<f64>,
    pub recommended: Option<f64>,
    pub difference: Option<f64>,
    pub complete: bool,
    pub unpriced: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Plan<'a> {
    pub defender: Vec<DefenderPlanRow<'a>>,
    pub licences: Vec<LicenceRow>,
    pub licence_checks: Vec<LicenceCheckRow>,
    /// One licence that closes every licence gap, when one does.
    pub licence_bundle: Option<BundleRow>,
    pub monthly_usd: MonthlyCost,
}

#[derive(Debug, Serialize)]
pub struct WarningRow {
    pub location: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Each organisation check that licences meet, with its state; the licence that closes each
/// gap, and one that closes them all. "Most simply" is the licence that re-buys the fewest
/// products the organisation already holds, then the one with the fewest products.
fn licence_checks(
    catalog: &Catalog,
    facts: &std::collections::BTreeSet<String>,
) -> (Vec<LicenceCheckRow>, Option<BundleRow>) {
    let product_facts = |c: &crate::profile::model::OrganizationCheck| {
        c.requires_any
            .iter()
            .all(|f| !crate::profile::model::ORGANIZATION_FACTS.contains(&f.as_str()))
    };
    let skus: Vec<(
        &crate::profile::model::LicenceSku,
        std::collections::BTreeSet<String>,
    )> = catalog
        .profile
        .licences
        .iter()
        .flat_map(|l| l.skus.iter())
        .filter_map(|s| Some((s, catalog.licence_products(&s.part_number)?)))
        .collect();
    // Ties go to the licence listed first in the profile.
    let best = |gaps: &[&crate::profile::model::OrganizationCheck]| -> Option<BundleRow> {
        skus.iter()
            .filter(|(_, products)| {
                gaps.iter()
                    .all(|c| c.requires_any.iter().any(|p| products.contains(p)))
            })
            .enumerate()
            .min_by_key(|(i, (_, products))| {
                (
                    products.iter().filter(|p| facts.contains(*p)).count(),
                    products.len(),
                    *i,
                )
            })
            .map(|(_, (s, _))| BundleRow {
                part_number: s.part_number.clone(),
                name: s.name.clone(),
                closes: gaps.iter().map(|c| c.id.clone()).collect(),
            })
    };
    let mut rows = Vec::new();
    let mut gaps = Vec::new();
    for c in catalog
        .profile
        .organization_checks
        .iter()
        .filter(|c| product_facts(c))
    {
        let applies = c.when.iter().all(|f| facts.contains(f));
        let held: Vec<String> = c
            .requires_any
            .iter()
            .filter(|p| facts.contains(*p))
            .cloned()
            .collect();
        let state = if !applies {
            Coverage::NotApplicable
        } else if held.is_empty() {
            gaps.push(c);
            Coverage::Gap
        } else {
            Coverage::Covered
        };
        rows.push(LicenceCheckRow {
            module: c.module.clone(),
            check: c.id.clone(),
            when: c.when.clone(),
            needs_any: c.requires_any.clone(),
            held,
            state,
            closed_by: (state == Coverage::Gap).then(|| best(&[c])).flatten(),
        });
    }
    let bundle = if gaps.is_empty() { None } else { best(&gaps) };
    (rows, bundle)
}

/// The month's totals: the sums over the plans whose cost is known, and which are not.
fn totals(rows: &[DefenderPlanRow<'_>]) -> MonthlyCost {
    let (mut current, mut recommended) = (0.0, 0.0);
    let (mut any_current, mut any_recommended) = (false, false);
    let mut unpriced = Vec::new();
    for r in rows {
        match (r.cost.current.monthly_usd, r.cost.recommended.monthly_usd) {
            (Some(c), Some(m)) => {
                current += c;
                recommended += m;
                any_current = true;
                any_recommended = true;
            }
            _ => unpriced.push(format!(
                "{} {}: {}",
                r.subscription_name
                    .or(r.subscription)
                    .unwrap_or("(no subscription)"),
                r.plan,
                r.cost.unknown.unwrap_or("today's plan state is unknown")
            )),
        }
    }
    let round = |x: f64| (x * 100.0).round() / 100.0;
    MonthlyCost {
        current: any_current.then(|| round(current)),
        recommended: any_recommended.then(|| round(recommended)),
        difference: (any_current && any_recommended).then(|| round(recommended - current)),
        complete: unpriced.is_empty(),
        unpriced,
    }
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

        let defender: Vec<DefenderPlanRow<'a>> = analysis
            .evaluation
            .defender
            .iter()
            .zip(&analysis.cost.plans)
            .map(|(d, c)| DefenderPlanRow {
                subscription: d.subscription.as_deref(),
                subscription_name: inv
                    .subscription(d.subscription.as_deref())
                    .and_then(|s| s.name.as_deref()),
                plan: d.plan,
                sub_plan: d.sub_plan.as_deref(),
                required_sub_plan: d.required_sub_plan,
                state: d.state,
                resources: d.resources,
                monthly_usd: c.current.monthly_usd,
                cost: CostRow {
                    quantity: c.quantity,
                    unit: c.unit,
                    deallocated: c.deallocated,
                    current: CostSetting {
                        setting: &c.current.label,
                        sub_plan: c.current.sub_plan,
                        unit_usd: c.current.unit_usd,
                        price_unit: c.current.price_unit.map(|u| u.as_str()),
                        monthly_usd: c.current.monthly_usd,
                    },
                    recommended: CostSetting {
                        setting: &c.recommended.label,
                        sub_plan: c.recommended.sub_plan,
                        unit_usd: c.recommended.unit_usd,
                        price_unit: c.recommended.price_unit.map(|u| u.as_str()),
                        monthly_usd: c.recommended.monthly_usd,
                    },
                    difference_usd: c.difference(),
                    unknown: c.unknown.as_deref(),
                    reasoning: &c.reasoning,
                },
            })
            .collect();
        let monthly_usd = totals(&defender);

        let mut licences: Vec<LicenceRow> = inv
            .licences
            .iter()
            .map(|l| {
                let products = catalog.licence_products(&l.name);
                let modules: std::collections::BTreeSet<String> = catalog
                    .profile
                    .organization_checks
                    .iter()
                    .filter(|c| {
                        products
                            .iter()
                            .flatten()
                            .any(|p| c.requires_any.contains(p))
                    })
                    .map(|c| c.module.clone())
                    .collect();
                LicenceRow {
                    name: l.name.clone(),
                    known: products.is_some(),
                    products: products.unwrap_or_default().into_iter().collect(),
                    security: !modules.is_empty(),
                    modules: modules.into_iter().collect(),
                }
            })
            .collect();
        licences.sort_by(|a, b| a.name.cmp(&b.name));
        licences.dedup_by(|a, b| a.name == b.name);
        let (licence_checks, licence_bundle) = licence_checks(catalog, &analysis.mapping.facts);

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
                waived: 0,
                new: None,
                modules,
            },
            plan: Plan {
                defender,
                licences,
                licence_checks,
                licence_bundle,
                monthly_usd,
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
            gate: None,
        }
    }

    /// Writes the view of the report in a format.
    pub fn write(
        &self,
        format: Format,
        view: View,
        style: Style,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match format {
            Format::Json => self.write_json(out, view.json_keys()),
            Format::Table => out.write_all(table::render(self, view, style).as_bytes()),
            Format::Markdown => out.write_all(markdown::render(self, view).as_bytes()),
            Format::Csv => csv::render(self, view, out),
            Format::Sarif => sarif::render(self, out),
            Format::Junit => junit::render(self, out),
            Format::Github => github::render(self, out),
            Format::Azure => azure::render(self, out),
        }
    }

    /// Marks the findings with waivers and baseline states, and counts them in the summary.
    pub fn with_gate(mut self, gate: &'a Gate) -> Self {
        let n = self.analysis.evaluation.findings.len();
        self.summary.waived = (0..n).filter(|i| gate.waiver(*i).is_some()).count();
        self.summary.new = gate
            .baseline
            .as_ref()
            .map(|b| b.iter().filter(|s| **s == BaselineState::New).count());
        self.gate = Some(gate);
        self
    }

    /// Findings at or above `level` that count towards `--fail-on`: waived findings and those
    /// already in the baseline do not.
    pub fn count_at_least(&self, level: Severity) -> usize {
        self.analysis
            .evaluation
            .findings
            .iter()
            .enumerate()
            .filter(|(i, f)| f.severity >= level && self.gate.is_none_or(|g| g.counts(*i)))
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
                status: e
                    .use_cases
                    .iter()
                    .map(|c| UseCaseRow {
                        use_case: &c.use_case,
                        status: c.status,
                        rule: c.rule.as_deref(),
                    })
                    .collect(),
                score: e.score(),
            },
            telemetry: crate::evaluate::app_telemetry(inv, self.catalog, app)
                .into_iter()
                .map(|t| {
                    let mut from: Vec<&str> = t.from.iter().map(|c| &*inv.assets[*c].id).collect();
                    from.sort_unstable();
                    TelemetryRow {
                        source: &t.source.id,
                        tables: &t.source.tables,
                        how: if t.from.is_empty() {
                            "declared"
                        } else {
                            "inferred"
                        },
                        from,
                    }
                })
                .collect(),
            suggested_rules: e
                .suggested_rules
                .iter()
                .map(|k| {
                    let r = &inv.analytics_rules[*k];
                    SuggestedRule {
                        name: &r.name,
                        id: r.id.as_deref(),
                        enabled: r.enabled,
                        at: inv.location(r.origin).to_string(),
                    }
                })
                .collect(),
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

    /// Every finding, worst first, with what a format needs beyond its row: the rule, the name
    /// of what it concerns, and where that was read.
    pub fn placed_findings(&self) -> impl Iterator<Item = Placed<'a>> + '_ {
        (0..self.analysis.evaluation.findings.len()).map(|i| self.placed(i))
    }

    fn placed(&self, i: usize) -> Placed<'a> {
        let inv = &self.analysis.inventory;
        let f = &self.analysis.evaluation.findings[i];
        let asset = f.asset().map(|a| &inv.assets[a]);
        let application = f.application().map(|a| &inv.applications[a]);
        let origin = asset
            .map(|a| a.origin)
            .or(application.map(|a| a.origin))
            .and_then(|o| self.place(o));
        Placed {
            row: self.finding(i),
            rule: f.rule,
            asset_name: asset.map(|a| a.name()),
            subscription_name: f
                .subscription(inv)
                .and_then(|s| inv.subscription(Some(s)))
                .map(|s| s.label()),
            origin,
        }
    }

    /// An origin as a place in an input file, line and column where the input has them.
    fn place(&self, o: crate::inventory::Origin) -> Option<Place<'a>> {
        let path = self.analysis.inventory.files.get(o.file as usize)?;
        Some(Place {
            path: repository_relative(path),
            line: (o.line > 0).then_some(o.line),
            column: (o.line > 0 && o.column > 0).then_some(o.column),
        })
    }

    /// The file a finding that has no origin of its own (a subscription's, the organisation's)
    /// is shown against where a format needs one: the first overlay, where the organisation is
    /// described, or else the first input; both in path order.
    pub fn fallback_place(&self) -> Option<Place<'_>> {
        let first = self
            .inputs
            .iter()
            .find(|i| i.kind == "overlay")
            .or(self.inputs.first())?;
        Some(Place {
            path: repository_relative(&first.path),
            line: None,
            column: None,
        })
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
            waiver: self.gate.and_then(|g| g.waiver(i)),
            baseline: self.gate.and_then(|g| g.baseline(i)),
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
            waiver: None,
            baseline: None,
        };
        let mark = WaiverMark {
            reason: "accepted \"for now\"".into(),
            owner: "team@example.com".into(),
            expires: "2027-03-31".into(),
            source: "w.yaml:3:5".into(),
        };
        let marked = FindingRow {
            waiver: Some(&mark),
            baseline: Some(BaselineState::New),
            message: Cow::Borrowed("m"),
            fingerprint: "11ee".into(),
            ..finding
        };
        for finding in [&finding, &marked] {
            let mut by_hand = Vec::new();
            fast::finding(&mut by_hand, finding);
            let (mut by_serde, mut scratch) = (Vec::new(), Vec::new());
            serde_row(finding, &mut by_serde, &mut scratch).unwrap();
            assert_eq!(
                String::from_utf8(by_hand).unwrap(),
                String::from_utf8(by_serde).unwrap()
            );
        }

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

/// Rows per block: blocks are put into JSON on two threads, then written in order. Up to six
/// blocks' text is held at once (on each helper, one being rendered and one handed over; one
/// being written; a spare), so a block is kept small: a million assets' report stays within
/// their export's size in memory.
const BLOCK: usize = 1024;

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
///
/// The rows are put into JSON a block at a time by two helper threads, one for the even blocks
/// and one for the odd, each into buffers of its own; this thread writes the blocks in order.
/// Writing into a file is much of the kernel's work (a gigabyte for a million assets), and here
/// it goes on while the helpers render, rather than in turn with this thread's own share. Each
/// helper may run a block ahead, so no thread waits for another at every block, and no thread
/// is started per block.
fn write_rows<K: Sync>(
    out: &mut dyn std::io::Write,
    keys: &[K],
    render: impl Fn(&K, &mut Vec<u8>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    if keys.is_empty() {
        return out.write_all(b"[]");
    }
    if keys.len() <= BLOCK {
        // One block: no helper is worth starting.
        out.write_all(b"[")?;
        let (mut buf, mut scratch) = (Vec::new(), Vec::new());
        render_rows(keys, &render, &mut buf, &mut scratch)?;
        out.write_all(&buf)?;
        return out.write_all(b"\n  ]");
    }
    let render = &render;
    out.write_all(b"[")?;
    std::thread::scope(|scope| {
        // Made inside the scope, so that this thread's ends are dropped, and the helpers stop,
        // even if this thread fails or unwinds.
        let mut lanes = Vec::with_capacity(RENDERERS);
        let mut helpers = Vec::with_capacity(RENDERERS);
        for lane in 0..RENDERERS {
            let (done, rendered) = std::sync::mpsc::sync_channel(1);
            let (spare, spares) = std::sync::mpsc::channel::<Vec<u8>>();
            helpers.push(scope.spawn(move || {
                let mut scratch = Vec::new();
                for block in keys.chunks(BLOCK).skip(lane).step_by(RENDERERS) {
                    let mut buf = spares.try_recv().unwrap_or_default();
                    buf.clear();
                    let block = render_rows(block, render, &mut buf, &mut scratch).map(|()| buf);
                    if done.send(block).is_err() {
                        // This thread stopped at an error.
                        return;
                    }
                }
            }));
            lanes.push((rendered, spare));
        }
        let written = write_blocks(out, keys.len().div_ceil(BLOCK), &lanes);
        drop(lanes);
        let helpers = helpers.into_iter().all(|h| h.join().is_ok());
        match (written, helpers) {
            (Err(e), _) => Err(e),
            (Ok(()), false) => Err(std::io::Error::other("a writer thread failed")),
            (Ok(()), true) => Ok(()),
        }
    })?;
    out.write_all(b"\n  ]")
}

/// Threads that put a long list's blocks into JSON.
const RENDERERS: usize = 2;

/// A helper's rendered blocks, and the way its emptied buffers go back to it.
type Lane = (
    std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    std::sync::mpsc::Sender<Vec<u8>>,
);

/// [`write_rows`]' part on this thread: takes the blocks from the helpers in turn (and gives
/// them their buffers back), and writes them all in order.
fn write_blocks(
    out: &mut dyn std::io::Write,
    blocks: usize,
    lanes: &[Lane],
) -> std::io::Result<()> {
    for b in 0..blocks {
        if b > 0 {
            out.write_all(b",")?;
        }
        let (rendered, spare) = &lanes[b % lanes.len()];
        let block = rendered
            .recv()
            .map_err(|_| std::io::Error::other("a writer thread failed"))??;
        out.write_all(&block)?;
        // The helper may have finished: then the buffer is dropped here.
        let _ = spare.send(block);
    }
    Ok(())
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
        if let Some(w) = f.waiver {
            key!(buf, 6, "waiver");
            buf.push(b'{');
            key!(buf, first, 8, "reason");
            string(buf, &w.reason);
            key!(buf, 8, "owner");
            string(buf, &w.owner);
            key!(buf, 8, "expires");
            string(buf, &w.expires);
            key!(buf, 8, "source");
            string(buf, &w.source);
            close(buf, 6, b'}');
        }
        if let Some(b) = f.baseline {
            key!(buf, 6, "baseline");
            string(buf, b.as_str());
        }
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
