//! The report model: one versioned structure (DESIGN.md section 9) built from every stage's
//! output, from which each output format is rendered.

pub mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::{Classification, Reason};
use crate::diag::Diagnostic;
use crate::domain::{Archetype, Coverage, Impact, PaasNeed, Sensitivity, Severity, Tier};
use crate::evaluate::Evaluation;
use crate::inventory::{InputSummary, Inventory};
use crate::map::Mapping;
use crate::profile::Catalog;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub profile: ProfileInfo,
    pub inputs: Vec<InputSummary>,
    pub organization: Organization,
    pub summary: Summary,
    pub assets: Vec<AssetRow>,
    pub applications: Vec<ApplicationRow>,
    pub findings: Vec<FindingRow>,
    pub plan: Plan,
    pub warnings: Vec<WarningRow>,
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
pub struct Reasons {
    pub sensitivity: Reason,
    pub impact: Reason,
}

#[derive(Debug, Serialize)]
pub struct ModuleCoverage {
    pub id: String,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct PlanRow {
    pub plan: String,
    pub required_sub_plan: Option<String>,
    pub state: &'static str,
    pub sub_plan: Option<String>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct AssetRow {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub class: Option<String>,
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub reasons: Reasons,
    pub modules: Vec<ModuleCoverage>,
    pub plan: Vec<PlanRow>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct AlertRow {
    pub use_case: String,
    pub rule: String,
    pub routed_to: crate::domain::Routing,
}

#[derive(Debug, Serialize)]
pub struct ApplicationRow {
    pub id: String,
    pub name: String,
    pub delivery: crate::domain::Delivery,
    pub exposure: crate::domain::Exposure,
    pub tenancy: crate::domain::Tenancy,
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub reasons: Reasons,
    pub components: Vec<String>,
    pub use_cases: UseCases,
    pub alerts: Vec<AlertRow>,
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct UseCases {
    pub required: Vec<String>,
    pub covered: Vec<String>,
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FindingRow {
    pub rule: &'static str,
    pub severity: Severity,
    pub asset: Option<String>,
    pub application: Option<String>,
    pub subscription: Option<String>,
    pub module: Option<String>,
    pub plan: Option<String>,
    pub message: String,
    pub remediation: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize)]
pub struct DefenderPlanRow {
    pub subscription: Option<String>,
    pub subscription_name: Option<String>,
    pub plan: String,
    pub sub_plan: Option<String>,
    pub required_sub_plan: Option<String>,
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
pub struct Plan {
    pub defender: Vec<DefenderPlanRow>,
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

impl Report {
    /// Findings at or above `level`.
    pub fn count_at_least(&self, level: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= level).count()
    }
}

/// Everything the stages produced, for [`build`].
pub struct Stages<'a> {
    pub catalog: &'a Catalog,
    pub inventory: &'a Inventory,
    pub classification: &'a Classification,
    pub mapping: &'a Mapping,
    pub evaluation: &'a Evaluation,
    pub warnings: &'a [Diagnostic],
}

pub fn build(s: &Stages<'_>) -> Report {
    let inv = s.inventory;
    let catalog = s.catalog;
    let mut assets: Vec<AssetRow> = inv
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let c = &s.classification.assets[i];
            let m = &s.mapping.assets[i];
            let e = &s.evaluation.assets[i];
            AssetRow {
                id: a.id.clone(),
                name: a.name.clone(),
                type_name: a.type_name.clone(),
                class: m.class.clone(),
                subscription: a.subscription.clone(),
                resource_group: a.resource_group.clone(),
                sensitivity: c.sensitivity,
                impact: c.impact,
                tier: c.tier,
                reasons: Reasons {
                    sensitivity: c.sensitivity_reason.clone(),
                    impact: c.impact_reason.clone(),
                },
                modules: e
                    .modules
                    .iter()
                    .map(|(id, coverage)| ModuleCoverage {
                        id: id.clone(),
                        coverage: *coverage,
                    })
                    .collect(),
                plan: e
                    .plans
                    .iter()
                    .map(|p| PlanRow {
                        plan: p.plan.clone(),
                        required_sub_plan: p.required_sub_plan.clone(),
                        state: p.state,
                        sub_plan: p.sub_plan.clone(),
                        coverage: p.coverage,
                    })
                    .collect(),
                coverage: e.coverage,
            }
        })
        .collect();
    assets.sort_by(|a, b| {
        a.id.to_ascii_lowercase()
            .cmp(&b.id.to_ascii_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });

    let mut applications: Vec<ApplicationRow> = inv
        .applications
        .iter()
        .enumerate()
        .map(|(i, app)| {
            let c = &s.classification.applications[i];
            let e = &s.evaluation.applications[i];
            let mut components: Vec<String> = app
                .components
                .iter()
                .map(|c| inv.assets[*c].id.clone())
                .collect();
            components.sort();
            ApplicationRow {
                id: app.id.clone(),
                name: app.name.clone(),
                delivery: app.delivery,
                exposure: app.exposure,
                tenancy: app.tenancy,
                sensitivity: c.sensitivity,
                impact: c.impact,
                tier: c.tier,
                reasons: Reasons {
                    sensitivity: c.sensitivity_reason.clone(),
                    impact: c.impact_reason.clone(),
                },
                components,
                use_cases: UseCases {
                    required: e.required.clone(),
                    covered: e.covered.clone(),
                    missing: e
                        .required
                        .iter()
                        .filter(|u| !e.covered.contains(u))
                        .cloned()
                        .collect(),
                },
                alerts: app
                    .alerts
                    .iter()
                    .map(|a| AlertRow {
                        use_case: a.use_case.clone(),
                        rule: a.rule.clone(),
                        routed_to: a.routed_to,
                    })
                    .collect(),
                coverage: e.coverage,
            }
        })
        .collect();
    applications.sort_by(|a, b| a.id.cmp(&b.id));

    let findings: Vec<FindingRow> = s
        .evaluation
        .findings
        .iter()
        .map(|f| FindingRow {
            rule: f.rule.name(),
            severity: f.severity,
            asset: f.asset.clone(),
            application: f.application.clone(),
            subscription: f.subscription.clone(),
            module: f.module.clone(),
            plan: f.plan.clone(),
            message: f.message.clone(),
            remediation: f.remediation.clone(),
            fingerprint: f.fingerprint.clone(),
        })
        .collect();

    let mut by_severity = FindingCounts::default();
    for f in &findings {
        by_severity.add(f.severity);
    }
    let mut tiers: BTreeMap<String, usize> = Tier::ALL.iter().map(|t| (t.to_string(), 0)).collect();
    for a in &assets {
        *tiers.entry(a.tier.to_string()).or_default() += 1;
    }

    let modules = catalog
        .profile
        .modules
        .iter()
        .map(|m| {
            let watched: Vec<&ModuleCoverage> = assets
                .iter()
                .flat_map(|a| {
                    a.modules
                        .iter()
                        .filter(|x| x.id == m.id && x.coverage != Coverage::NotApplicable)
                })
                .collect();
            ModuleSummary {
                id: m.id.clone(),
                name: m.name.clone(),
                assets: watched.len(),
                covered: watched
                    .iter()
                    .filter(|x| x.coverage == Coverage::Covered)
                    .count(),
                organization: s.evaluation.organization.get(&m.id).copied(),
            }
        })
        .collect();

    let defender = s
        .evaluation
        .defender
        .iter()
        .map(|d| DefenderPlanRow {
            subscription: d.subscription.clone(),
            subscription_name: inv
                .subscription(d.subscription.as_deref())
                .and_then(|s| s.name.clone()),
            plan: d.plan.clone(),
            sub_plan: d.sub_plan.clone(),
            required_sub_plan: d.required_sub_plan.clone(),
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
            archetype: s.mapping.archetype,
            paas_monitoring_need: s.mapping.archetype.paas_monitoring_need(),
            clients: inv.clients.total(),
            on_premises_ad: inv.on_premises_ad,
            siem_workspaces: inv.siem_workspaces.iter().cloned().collect(),
            products: s
                .mapping
                .facts
                .iter()
                .filter(|f| !crate::profile::model::ORGANIZATION_FACTS.contains(&f.as_str()))
                .cloned()
                .collect(),
        },
        summary: Summary {
            assets: assets.len(),
            applications: applications.len(),
            tiers,
            findings: by_severity,
            modules,
        },
        assets,
        applications,
        findings,
        plan: Plan {
            defender,
            licences,
            monthly_usd: MonthlyCost {
                current: None,
                recommended: None,
            },
        },
        warnings: s
            .warnings
            .iter()
            .map(|w| WarningRow {
                location: w.location.to_string(),
                message: w.message.clone(),
                help: w.help.clone(),
            })
            .collect(),
    }
}
