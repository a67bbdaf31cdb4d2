//! The JUnit XML output, for CI test views. Requirements are test cases, findings their failures:
//!
//! - a test suite per MDR module, with a case per asset the module watches (named by the asset's
//!   id): it passes when the module covers the asset, fails with the asset's findings for that
//!   module, is skipped when its coverage is unknown, and fails as `coverage-gap` when it is a
//!   gap that a finding about the subscription or the organisation explains;
//! - `organisation`: a case per organisation-wide module check;
//! - `applications`: a case per application;
//! - `subscriptions`: a case per Defender plan a subscription needs;
//! - `inventory`: a case per finding that fits none of those (unclassified assets, unknown
//!   resource types).
//!
//! A case with several findings fails with the worst one's message and rule as the failure's
//! message and type, and lists all of them in the failure's text. Waived findings do not fail a
//! case: one whose findings are all waived is skipped, with the waiver as the reason. No timestamps or durations
//! are written: the same inputs give the same file.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use super::escape::clean;
use super::{Placed, Report};
use crate::domain::Coverage;

pub fn render(report: &Report<'_, '_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let junit = build(report);
    junit
        .serialize(&mut *out)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    out.write_all(b"\n")
}

/// Findings waiting for the case they belong to, by key; those left over get cases of their own.
struct Pending<'a> {
    findings: Vec<Option<Placed<'a>>>,
}

impl<'a> Pending<'a> {
    /// Takes the findings `wanted` accepts, worst first.
    fn take(&mut self, wanted: impl Fn(&Placed<'a>) -> bool) -> Vec<Placed<'a>> {
        let mut taken = Vec::new();
        for slot in &mut self.findings {
            if slot.as_ref().is_some_and(&wanted) {
                taken.extend(slot.take());
            }
        }
        taken
    }

    /// Takes the findings at these places that are still waiting.
    fn take_at(&mut self, places: Option<&Vec<usize>>) -> Vec<Placed<'a>> {
        places
            .into_iter()
            .flatten()
            .filter_map(|i| self.findings[*i].take())
            .collect()
    }
}

fn build(report: &Report<'_, '_>) -> Junit {
    let mut pending = Pending {
        findings: report.placed_findings().map(Some).collect(),
    };
    let mut junit = Junit::new("mdrplan");

    // Module suites: by module, the assets it watches, in id order.
    let mut watched: BTreeMap<usize, Vec<(&str, Coverage)>> = BTreeMap::new();
    let modules = &report.summary.modules;
    for asset in report.assets() {
        for m in &asset.modules {
            if m.coverage == Coverage::NotApplicable {
                continue;
            }
            if let Some(k) = modules.iter().position(|x| x.id == m.id) {
                watched.entry(k).or_default().push((asset.id, m.coverage));
            }
        }
    }
    // Findings by asset and module, for the module suites.
    let mut by_asset: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, f) in pending.findings.iter().enumerate() {
        if let Some((Some(asset), Some(module))) = f.as_ref().map(|f| (f.row.asset, f.row.module)) {
            by_asset.entry((asset, module)).or_default().push(i);
        }
    }
    for (k, module) in modules.iter().enumerate() {
        let mut suite = TestSuite::new(format!("module {}", clean(&module.id)));
        for (asset, coverage) in watched.remove(&k).unwrap_or_default() {
            let findings = pending.take_at(by_asset.get(&(asset, module.id.as_str())));
            let status = match status(&findings) {
                Some(s) => s,
                None => coverage_status(coverage, &module.id),
            };
            suite.add_test_case(case(asset, &module.id, status));
        }
        junit.add_test_suite(suite);
    }

    let mut organisation = TestSuite::new("organisation");
    for m in modules.iter().filter(|m| m.organization.is_some()) {
        let findings =
            pending.take(|f| f.rule.is_organization_wide() && f.row.module == Some(m.id.as_str()));
        let status = status(&findings)
            .unwrap_or_else(|| coverage_status(m.organization.unwrap_or(Coverage::Unknown), &m.id));
        organisation.add_test_case(case(&m.id, "organisation", status));
    }
    junit.add_test_suite(organisation);

    let mut applications = TestSuite::new("applications");
    for app in report.applications() {
        let findings = pending.take(|f| f.row.application == Some(app.id));
        let status = status(&findings)
            .unwrap_or_else(|| coverage_status(app.coverage, "custom-application"));
        applications.add_test_case(case(app.id, "applications", status));
    }
    junit.add_test_suite(applications);

    let mut subscriptions = TestSuite::new("subscriptions");
    for d in &report.plan.defender {
        let findings = pending.take(|f| {
            f.row.asset.is_none()
                && f.row.subscription == d.subscription
                && f.row.plan == Some(d.plan)
        });
        let label = d.subscription_name.or(d.subscription).unwrap_or("(none)");
        let status = status(&findings).unwrap_or_else(TestCaseStatus::success);
        subscriptions.add_test_case(case(
            &format!("{label} {}", d.plan),
            "subscriptions",
            status,
        ));
    }
    junit.add_test_suite(subscriptions);

    let mut inventory = TestSuite::new("inventory");
    // What is left, in the report's order (worst first).
    for f in pending.findings.into_iter().flatten() {
        let name = format!("{}: {}", f.concerns(), f.row.rule);
        let status = status(std::slice::from_ref(&f)).unwrap_or_else(TestCaseStatus::success);
        inventory.add_test_case(case(&name, "inventory", status));
    }
    junit.add_test_suite(inventory);
    junit
}

fn case(name: &str, class: &str, status: TestCaseStatus) -> TestCase {
    let mut case = TestCase::new(clean(name), status);
    case.set_classname(format!("mdrplan.{}", clean(class)));
    case
}

/// The status the findings give a case: a failure with the worst finding that no waiver
/// covers; skipped with the waiver when every finding is waived; `None` when there are none.
fn status(findings: &[Placed<'_>]) -> Option<TestCaseStatus> {
    let worst_open = findings
        .iter()
        .filter(|f| f.row.waiver.is_none())
        .max_by_key(|f| f.row.severity);
    let mut status = match worst_open {
        Some(worst) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(clean(&worst.row.message));
            s.set_type(worst.row.rule);
            s
        }
        None => {
            let note = findings.first()?.row.waiver_note()?;
            let mut s = TestCaseStatus::skipped();
            s.set_message(clean(&note));
            s
        }
    };
    let text: Vec<String> = findings
        .iter()
        .map(|f| {
            let mut line = format!(
                "{} {}: {}\n  fix: {}\n  fingerprint: {}",
                f.row.severity,
                f.row.rule,
                clean(&f.row.message),
                clean(f.row.remediation),
                f.row.fingerprint
            );
            if let Some(b) = f.row.baseline {
                line.push_str(&format!("\n  baseline: {}", b.as_str()));
            }
            if let Some(note) = f.row.waiver_note() {
                line.push_str(&format!("\n  {}", clean(&note)));
            }
            line
        })
        .collect();
    status.set_description(text.join("\n"));
    Some(status)
}

/// A case's status from its coverage alone (no finding of its own).
fn coverage_status(coverage: Coverage, module: &str) -> TestCaseStatus {
    match coverage {
        Coverage::Covered | Coverage::NotApplicable => TestCaseStatus::success(),
        Coverage::Unknown => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!(
                "coverage by {} unknown: see the findings about its subscription",
                clean(module)
            ));
            s
        }
        Coverage::Gap => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!(
                "not covered by {}: see the findings about its subscription or the organisation",
                clean(module)
            ));
            s.set_type("coverage-gap");
            s
        }
    }
}
