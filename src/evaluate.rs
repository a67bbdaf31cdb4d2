//! Evaluation: the rules run over the classified, mapped inventory, giving findings and each
//! asset's coverage. Every finding carries a fingerprint that stays stable across runs.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::classify::Classification;
use crate::domain::{Coverage, Delivery, Exposure, Routing, Severity, Tier};
use crate::inventory::Inventory;
use crate::map::Mapping;
use crate::profile::Catalog;
use crate::profile::model::{AppCondition, Status};
use crate::rules::Rule;

/// One gap or problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
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

/// How one plan an asset needs stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCheck {
    pub plan: String,
    pub required_sub_plan: Option<String>,
    /// `on`, `off` or `unknown`.
    pub state: &'static str,
    pub sub_plan: Option<String>,
    pub coverage: Coverage,
}

#[derive(Debug, Clone)]
pub struct AssetCoverage {
    pub plans: Vec<PlanCheck>,
    pub coverage: Coverage,
    /// Each module watching the asset, with its coverage.
    pub modules: Vec<(String, Coverage)>,
}

#[derive(Debug, Clone)]
pub struct ApplicationCoverage {
    pub required: Vec<String>,
    pub covered: Vec<String>,
    pub coverage: Coverage,
}

/// A subscription's state for one plan, with the assets that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefenderRow {
    pub subscription: Option<String>,
    pub plan: String,
    pub state: &'static str,
    pub sub_plan: Option<String>,
    pub required_sub_plan: Option<String>,
    pub resources: usize,
}

#[derive(Debug)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub assets: Vec<AssetCoverage>,
    pub applications: Vec<ApplicationCoverage>,
    /// Organisation-level modules and whether their checks pass.
    pub organization: BTreeMap<String, Coverage>,
    pub defender: Vec<DefenderRow>,
}

/// A fixed hash of a rule and what it concerns: stable across runs and versions.
pub fn fingerprint(rule: Rule, subject: &str) -> String {
    let digest =
        Sha256::digest(format!("{}\u{0}{}", rule.name(), subject.to_lowercase()).as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

struct Ctx<'a> {
    inv: &'a Inventory,
    classes: &'a Classification,
    catalog: &'a Catalog,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn severity(&self, rule: Rule, tier: Option<Tier>) -> Severity {
        let base = self.catalog.base_severity(rule);
        match tier {
            Some(t) if !rule.is_organization_wide() => base.shifted(self.catalog.tier_shift(t)),
            _ => base,
        }
    }

    fn remediation(
        &self,
        plan: &str,
        sub_plan: Option<&str>,
        subscription: Option<&str>,
    ) -> String {
        let Some(r) = &self.catalog.profile.remediation else {
            return String::new();
        };
        let template = if sub_plan.is_some() {
            &r.enable_sub_plan
        } else {
            &r.enable_plan
        };
        template
            .replace("{plan}", plan)
            .replace("{sub_plan}", sub_plan.unwrap_or(""))
            .replace("{subscription}", subscription.unwrap_or("<subscription>"))
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        tier: Option<Tier>,
        subject: &str,
        asset: Option<String>,
        application: Option<String>,
        subscription: Option<String>,
        module: Option<&str>,
        plan: Option<&str>,
        message: String,
        remediation: String,
    ) {
        self.findings.push(Finding {
            rule,
            severity: self.severity(rule, tier),
            asset,
            application,
            subscription,
            module: module.map(str::to_owned),
            plan: plan.map(str::to_owned),
            message,
            remediation,
            fingerprint: fingerprint(rule, subject),
        });
    }

    fn sub_label(&self, sub: Option<&str>) -> String {
        match self.inv.subscription(sub) {
            Some(s) => s.label().to_owned(),
            None => "no subscription".into(),
        }
    }
}

pub fn evaluate(
    inv: &Inventory,
    classes: &Classification,
    mapping: &Mapping,
    catalog: &Catalog,
) -> Evaluation {
    let mut cx = Ctx {
        inv,
        classes,
        catalog,
        findings: Vec::new(),
    };
    let organization = organization_checks(&mut cx, mapping);
    let applications = application_checks(&mut cx);

    // Per (subscription, plan): the assets needing it and the best tier among them.
    let mut rows = Rows::new();
    // Unknown types by lower-cased name: the first spelling seen, and the count.
    let mut unknown_types: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut assets = Vec::with_capacity(inv.assets.len());

    for (i, a) in inv.assets.iter().enumerate() {
        let m = &mapping.assets[i];
        let c = &classes.assets[i];
        let sub = inv.subscription(a.subscription.as_deref());
        let mut plans = Vec::new();
        if m.class.is_none() {
            unknown_types
                .entry(a.type_name.to_ascii_lowercase())
                .or_insert_with(|| (a.type_name.clone(), 0))
                .1 += 1;
        }
        if c.defaulted() {
            cx.push(
                Rule::UnclassifiedAsset,
                Some(c.tier),
                &a.id,
                Some(a.id.clone()),
                None,
                a.subscription.clone(),
                None,
                None,
                format!(
                    "{}: nothing classifies it; the profile's default ({} / {}) applies",
                    a.name, c.sensitivity, c.impact
                ),
                Rule::UnclassifiedAsset.fix().to_owned(),
            );
        }
        for req in &m.requirements {
            let entry = rows
                .entry((a.subscription.clone(), req.plan.clone()))
                .or_insert((0, c.tier, None));
            entry.0 += 1;
            entry.1 = entry.1.min(c.tier);
            if entry
                .2
                .as_ref()
                .is_none_or(|s| weaker(catalog, &req.plan, s, req.sub_plan.as_deref()))
            {
                entry.2 = req.sub_plan.clone().or(entry.2.take());
            }
            let state = inv.plan_states.lookup(sub, &req.plan);
            let uncovered = m.uncovered.iter().find(|u| u.plan == req.plan);
            let (coverage, state_name, sub_plan) = match (uncovered, state) {
                (Some(u), s) => {
                    cx.push(Rule::PlanDoesNotCover, Some(c.tier), &format!("{}|{}", a.id, u.variant), Some(a.id.clone()), None, a.subscription.clone(), Some("cloud-platform"), Some(&req.plan),
                        format!("{}: {} ({}); plan {} cannot protect it", a.name, u.description, u.variant, req.plan),
                        "Move the resource to a variant the plan protects, or watch it through custom application alerting and record the accepted gap.".into());
                    (
                        Coverage::Gap,
                        s.map_or("unknown", |s| if s.on { "on" } else { "off" }),
                        s.and_then(|s| s.sub_plan.clone()),
                    )
                }
                (None, None) => (Coverage::Unknown, "unknown", None),
                (None, Some(s)) if !s.on => {
                    let fix = cx.remediation(
                        &req.plan,
                        req.sub_plan.as_deref(),
                        a.subscription.as_deref(),
                    );
                    cx.push(
                        Rule::DefenderPlanOff,
                        Some(c.tier),
                        &a.id,
                        Some(a.id.clone()),
                        None,
                        a.subscription.clone(),
                        Some("cloud-platform"),
                        Some(&req.plan),
                        format!(
                            "{} (tier {}): plan {} is Free in {}{}",
                            a.name,
                            c.tier,
                            req.plan,
                            cx.sub_label(a.subscription.as_deref()),
                            if req.because.starts_with("role") {
                                format!(" (needed for its {})", req.because)
                            } else {
                                String::new()
                            }
                        ),
                        fix,
                    );
                    (Coverage::Gap, "off", None)
                }
                (None, Some(s)) => {
                    let effective = s.sub_plan.clone().or_else(|| {
                        catalog
                            .plan(&req.plan)
                            .and_then(|p| p.default_sub_plan.clone())
                    });
                    let coverage = match (&req.sub_plan, &effective) {
                        (Some(need), Some(have))
                            if is_current(catalog, &req.plan, have)
                                && weaker(catalog, &req.plan, have, Some(need)) =>
                        {
                            let rule = req
                                .weaker_rule
                                .as_deref()
                                .and_then(Rule::from_name)
                                .unwrap_or(Rule::ServersP2Required);
                            let fix =
                                cx.remediation(&req.plan, Some(need), a.subscription.as_deref());
                            cx.push(
                                rule,
                                Some(c.tier),
                                &a.id,
                                Some(a.id.clone()),
                                None,
                                a.subscription.clone(),
                                Some("cloud-platform"),
                                Some(&req.plan),
                                format!(
                                    "{} (tier {}) runs on {} {have}; its tier needs {need}",
                                    a.name, c.tier, req.plan
                                ),
                                fix,
                            );
                            Coverage::Gap
                        }
                        _ => Coverage::Covered,
                    };
                    (coverage, "on", effective)
                }
            };
            plans.push(PlanCheck {
                plan: req.plan.clone(),
                required_sub_plan: req.sub_plan.clone(),
                state: state_name,
                sub_plan,
                coverage,
            });
        }
        let coverage = if m.class.is_none() {
            Coverage::Unknown
        } else if plans.is_empty() {
            Coverage::NotApplicable
        } else {
            plans
                .iter()
                .map(|p| p.coverage)
                .max_by_key(|c| coverage_rank(*c))
                .unwrap_or(Coverage::Covered)
        };
        let modules = m
            .modules
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    module_coverage(id, coverage, &organization, catalog, inv, i, &applications),
                )
            })
            .collect();
        assets.push(AssetCoverage {
            plans,
            coverage,
            modules,
        });
    }

    for (type_name, count) in unknown_types.values() {
        cx.push(Rule::UnknownResourceType, None, type_name, None, None, None, None, None,
            format!("{count} asset(s) of type {type_name}, which the profile does not know; their coverage is unknown"),
            Rule::UnknownResourceType.fix().to_owned());
    }

    let defender = subscription_checks(&mut cx, &rows);
    let mut findings = cx.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.name().cmp(b.rule.name()))
            .then_with(|| subject(a).cmp(&subject(b)))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    Evaluation {
        findings,
        assets,
        applications,
        organization,
        defender,
    }
}

/// Per subscription and plan: how many assets need it, the best tier among them, and the
/// strongest sub-plan their tiers need.
type Rows = BTreeMap<(Option<String>, String), (usize, Tier, Option<String>)>;

fn subject(f: &Finding) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    (
        f.application.as_deref(),
        f.asset.as_deref(),
        f.subscription.as_deref(),
        f.plan.as_deref(),
    )
}

fn coverage_rank(c: Coverage) -> u8 {
    match c {
        Coverage::NotApplicable => 0,
        Coverage::Covered => 1,
        Coverage::Unknown => 2,
        Coverage::Gap => 3,
    }
}

fn sub_plan_index(catalog: &Catalog, plan: &str, sub: &str) -> Option<usize> {
    catalog
        .plan(plan)?
        .sub_plans
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(sub))
}

/// Whether `have` is weaker than `need` in the plan's order of sub-plans.
fn weaker(catalog: &Catalog, plan: &str, have: &str, need: Option<&str>) -> bool {
    match (
        sub_plan_index(catalog, plan, have),
        need.and_then(|n| sub_plan_index(catalog, plan, n)),
    ) {
        (Some(h), Some(n)) => h < n,
        _ => false,
    }
}

fn is_current(catalog: &Catalog, plan: &str, sub: &str) -> bool {
    catalog
        .plan(plan)
        .and_then(|p| {
            p.sub_plans
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(sub))
        })
        .is_none_or(|s| s.status == Status::Current)
}

fn module_coverage(
    id: &str,
    plan_coverage: Coverage,
    organization: &BTreeMap<String, Coverage>,
    catalog: &Catalog,
    inv: &Inventory,
    asset: usize,
    apps: &[ApplicationCoverage],
) -> Coverage {
    use crate::profile::model::ModuleScope;
    match catalog.module(id).map(|m| m.scope) {
        Some(ModuleScope::Always) => Coverage::Covered,
        Some(ModuleScope::Organization) => {
            organization.get(id).copied().unwrap_or(Coverage::Covered)
        }
        _ if id == "custom-application" => inv
            .applications
            .iter()
            .zip(apps)
            .filter(|(a, _)| a.components.binary_search(&asset).is_ok())
            .map(|(_, c)| c.coverage)
            .max_by_key(|c| coverage_rank(*c))
            .unwrap_or(Coverage::NotApplicable),
        _ => plan_coverage,
    }
}

fn organization_checks(cx: &mut Ctx<'_>, mapping: &Mapping) -> BTreeMap<String, Coverage> {
    let mut modules: BTreeMap<String, Coverage> = BTreeMap::new();
    for m in cx
        .catalog
        .profile
        .modules
        .iter()
        .filter(|m| m.scope == crate::profile::model::ModuleScope::Organization)
    {
        modules.insert(m.id.clone(), Coverage::NotApplicable);
    }
    for check in &cx.catalog.profile.organization_checks {
        if !check.when.iter().all(|f| mapping.facts.contains(f)) {
            continue;
        }
        let ok = check.requires_any.iter().any(|f| mapping.facts.contains(f));
        let entry = modules
            .entry(check.module.clone())
            .or_insert(Coverage::NotApplicable);
        if ok {
            if *entry != Coverage::Gap {
                *entry = Coverage::Covered;
            }
            continue;
        }
        *entry = Coverage::Gap;
        let Some(rule) = Rule::from_name(&check.rule) else {
            continue;
        };
        let wanted: Vec<&str> = check
            .requires_any
            .iter()
            .map(|p| cx.catalog.product_name(p))
            .collect();
        let clients = cx.inv.clients.total();
        let message = check
            .message
            .replace("{clients}", &clients.to_string())
            .replace("{requires}", &wanted.join(" or "));
        cx.push(
            rule,
            None,
            &format!("organization|{}", check.id),
            None,
            None,
            None,
            Some(&check.module),
            None,
            message,
            check.remediation.clone(),
        );
    }
    modules
}

fn required_use_cases(catalog: &Catalog, app: &crate::inventory::Application) -> Vec<String> {
    let matches = |c: &AppCondition| {
        c.delivery.is_none_or(|d| d == app.delivery)
            && c.exposure.is_none_or(|e| e == app.exposure)
            && c.tenancy.is_none_or(|t| t == app.tenancy)
    };
    catalog
        .profile
        .use_cases
        .iter()
        .filter(|u| u.required_when.iter().any(matches))
        .map(|u| u.id.clone())
        .collect()
}

fn application_checks(cx: &mut Ctx<'_>) -> Vec<ApplicationCoverage> {
    let mut out = Vec::new();
    for (i, app) in cx.inv.applications.iter().enumerate() {
        let tier = cx.classes.applications[i].tier;
        let required = required_use_cases(cx.catalog, app);
        let declared: BTreeSet<&str> = app.alerts.iter().map(|a| a.use_case.as_str()).collect();
        let routed: BTreeSet<&str> = app
            .alerts
            .iter()
            .filter(|a| a.routed_to == Routing::Sentinel)
            .map(|a| a.use_case.as_str())
            .collect();
        let exposed = app.delivery == Delivery::Saas || app.exposure == Exposure::Internet;
        let mut gap = false;
        let module = Some("custom-application");

        if exposed && app.alerts.is_empty() {
            gap = true;
            cx.push(
                Rule::CustomAppAlertingMissing,
                Some(tier),
                &format!("application|{}", app.id),
                None,
                Some(app.id.clone()),
                None,
                module,
                None,
                format!(
                    "application {} ({}, {}) has no custom alerts; required use cases: {}",
                    app.id,
                    app.delivery,
                    app.exposure,
                    if required.is_empty() {
                        "none".into()
                    } else {
                        required.join(", ")
                    }
                ),
                Rule::CustomAppAlertingMissing.fix().to_owned(),
            );
        } else {
            for uc in required.iter().filter(|u| !declared.contains(u.as_str())) {
                gap = true;
                let name = cx
                    .catalog
                    .use_case(uc)
                    .map_or(uc.as_str(), |u| u.name.as_str());
                cx.push(Rule::CustomAppUseCaseMissing, Some(tier), &format!("application|{}|{uc}", app.id), None, Some(app.id.clone()), None, module, None,
                    format!("application {} has no alert for {uc} ({name})", app.id),
                    format!("Build an alert for {uc} in {} and declare it under its `alerts:`, routed to the SIEM.", app.id));
            }
        }
        for alert in app
            .alerts
            .iter()
            .filter(|a| a.routed_to != Routing::Sentinel)
        {
            gap = true;
            cx.push(
                Rule::CustomAppAlertNotRouted,
                Some(tier),
                &format!("application|{}|{}|{}", app.id, alert.use_case, alert.rule),
                None,
                Some(app.id.clone()),
                None,
                module,
                None,
                format!(
                    "application {}: alert \"{}\" ({}) is routed to {}, not to the SIEM",
                    app.id, alert.rule, alert.use_case, alert.routed_to
                ),
                Rule::CustomAppAlertNotRouted.fix().to_owned(),
            );
        }
        let coverage = if gap {
            Coverage::Gap
        } else if required.is_empty() && app.alerts.is_empty() {
            Coverage::NotApplicable
        } else {
            Coverage::Covered
        };
        let covered = required
            .iter()
            .filter(|u| routed.contains(u.as_str()))
            .cloned()
            .collect();
        out.push(ApplicationCoverage {
            required,
            covered,
            coverage,
        });
    }
    out
}

/// Subscription-level rules: unknown plan states, deprecated plans and legacy sub-plans in use.
fn subscription_checks(cx: &mut Ctx<'_>, rows: &Rows) -> Vec<DefenderRow> {
    let mut out = Vec::new();
    for ((sub_id, plan), (count, tier, required)) in rows {
        let sub = cx.inv.subscription(sub_id.as_deref());
        let state = cx.inv.plan_states.lookup(sub, plan);
        if state.is_none() {
            let fix = format!(
                "Give a pricing export for {} or declare {plan} under `defender:` in the overlay.",
                cx.sub_label(sub_id.as_deref())
            );
            cx.push(
                Rule::DefenderPlanUnknown,
                Some(*tier),
                &format!("{}|{plan}", sub_id.as_deref().unwrap_or("")),
                None,
                None,
                sub_id.clone(),
                Some("cloud-platform"),
                Some(plan),
                format!(
                    "no state known for plan {plan} in {} ({count} asset(s) need it)",
                    cx.sub_label(sub_id.as_deref())
                ),
                fix,
            );
        }
        out.push(DefenderRow {
            subscription: sub_id.clone(),
            plan: plan.clone(),
            state: state.map_or("unknown", |s| if s.on { "on" } else { "off" }),
            sub_plan: state.and_then(|s| s.sub_plan.clone()),
            required_sub_plan: required.clone(),
            resources: *count,
        });
    }

    // Deprecated plans and legacy sub-plans, in every subscription the inputs name.
    let mut subs: Vec<Option<String>> = cx
        .inv
        .subscriptions
        .iter()
        .map(|s| Some(s.id.clone()))
        .collect();
    if subs.is_empty() || cx.inv.assets.iter().any(|a| a.subscription.is_none()) {
        subs.push(None);
    }
    for sub_id in subs {
        let sub = cx.inv.subscription(sub_id.as_deref());
        let best_tier = rows
            .iter()
            .filter(|((s, _), _)| *s == sub_id)
            .map(|(_, v)| v.1)
            .min();
        for plan in &cx.catalog.profile.plans {
            let Some(state) = cx.inv.plan_states.lookup(sub, &plan.name).filter(|s| s.on) else {
                continue;
            };
            let label = cx.sub_label(sub_id.as_deref());
            if plan.status == Status::Deprecated
                && !plan
                    .replaced_by
                    .iter()
                    .any(|r| cx.inv.plan_states.lookup(sub, r).is_some_and(|s| s.on))
            {
                let replacement = plan.replaced_by.join(" or ");
                let fix = plan
                    .replaced_by
                    .first()
                    .map(|r| cx.remediation(r, None, sub_id.as_deref()))
                    .unwrap_or_default();
                cx.push(Rule::DeprecatedPlan, best_tier, &format!("{}|{}", sub_id.as_deref().unwrap_or(""), plan.name), None, None, sub_id.clone(), Some("cloud-platform"), Some(&plan.name),
                    format!("deprecated plan {} is on in {label} while its replacement {replacement} is off", plan.name), fix);
            }
            if let Some(sp) = state.sub_plan.as_deref().and_then(|s| {
                plan.sub_plans
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(s))
            }) && sp.status != Status::Current
            {
                let replacement = sp
                    .replaced_by
                    .clone()
                    .or_else(|| plan.default_sub_plan.clone());
                let fix = cx.remediation(&plan.name, replacement.as_deref(), sub_id.as_deref());
                cx.push(
                    Rule::DeprecatedPlan,
                    best_tier,
                    &format!(
                        "{}|{}|{}",
                        sub_id.as_deref().unwrap_or(""),
                        plan.name,
                        sp.name
                    ),
                    None,
                    None,
                    sub_id.clone(),
                    Some("cloud-platform"),
                    Some(&plan.name),
                    format!(
                        "plan {} in {label} uses the legacy sub-plan {}{}",
                        plan.name,
                        sp.name,
                        replacement
                            .map(|r| format!("; replaced by {r}"))
                            .unwrap_or_default()
                    ),
                    fix,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_fixed_and_case_blind() {
        assert_eq!(
            fingerprint(Rule::DefenderPlanOff, "VM-1"),
            fingerprint(Rule::DefenderPlanOff, "vm-1")
        );
        assert_ne!(
            fingerprint(Rule::DefenderPlanOff, "vm-1"),
            fingerprint(Rule::ServersP2Required, "vm-1")
        );
        // A changed fingerprint breaks every user's baseline: this value must never change.
        assert_eq!(
            fingerprint(Rule::DefenderPlanOff, "vm-1"),
            "2eb85e6908df6dc22b2dd5d3fa83b8c8"
        );
    }
}
