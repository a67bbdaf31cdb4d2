//! The Markdown output: a pull-request comment. A summary line, the findings new since a
//! baseline when one is given, the worst findings, coverage per module and per application,
//! short enough to read on the pull request; the complete list of findings folded into a
//! `<details>` section. Every text from the inputs goes through
//! [`escape::markdown_cell`], so no name or tag can become HTML, a link or a mention.

use std::fmt::Write as _;

use super::escape::{markdown_cell as cell, markdown_text};
use super::{Placed, Report, View};
use crate::domain::Coverage;

/// Findings shown before the fold; the rest are in the complete list.
const VISIBLE: usize = 20;

pub fn render(report: &Report<'_, '_>, view: View) -> String {
    let mut out = String::new();
    header(&mut out, report);
    match view {
        View::Report => {
            worst_findings(&mut out, report);
            modules(&mut out, report);
            applications(&mut out, report);
            all_findings(&mut out, report);
        }
        View::Gaps => {
            worst_findings(&mut out, report);
            all_findings(&mut out, report);
        }
        View::Classify => {
            applications(&mut out, report);
            assets(&mut out, report);
        }
        View::Plan => {
            modules(&mut out, report);
            defender(&mut out, report);
            licences(&mut out, report);
        }
    }
    out
}

fn header(out: &mut String, r: &Report<'_, '_>) {
    let org = r
        .organization
        .name
        .as_deref()
        .map_or_else(|| "organisation not named".to_owned(), markdown_text);
    let f = &r.summary.findings;
    let total = f.critical + f.high + f.medium + f.low + f.info;
    let mut gate = String::new();
    if r.summary.waived > 0 {
        let _ = write!(gate, " {} waived.", r.summary.waived);
    }
    if let Some(new) = r.summary.new {
        let _ = write!(gate, " {new} new since the baseline.");
    }
    let _ = writeln!(
        out,
        "## mdrplan: {org}\n\n**{total} finding{s}**: {} critical, {} high, {} medium, {} low, {} info.{gate} \
{} assets, {} applications; {} (PaaS monitoring need {}); profile {}.\n",
        f.critical,
        f.high,
        f.medium,
        f.low,
        f.info,
        r.summary.assets,
        r.summary.applications,
        r.organization.archetype,
        r.organization.paas_monitoring_need,
        markdown_text(&r.profile.name),
        s = if total == 1 { "" } else { "s" },
    );
}

/// Against a baseline, what a pull request brings comes first: the new findings, worst first.
fn new_findings(out: &mut String, r: &Report<'_, '_>) {
    let Some(total) = r.summary.new else {
        return;
    };
    let _ = writeln!(out, "### New since the baseline\n");
    if total == 0 {
        let _ = writeln!(out, "None: every finding was already in the baseline.\n");
        return;
    }
    let new = r
        .placed_findings()
        .filter(|f| f.row.baseline == Some(crate::baseline::BaselineState::New));
    finding_table(out, new, total);
}

fn worst_findings(out: &mut String, r: &Report<'_, '_>) {
    new_findings(out, r);
    let _ = writeln!(out, "### Findings, worst first\n");
    let total = r.finding_count();
    if total == 0 {
        let _ = writeln!(out, "None.\n");
        return;
    }
    finding_table(out, r.placed_findings(), total);
}

/// The first [`VISIBLE`] of `total` findings as a table, and how many more the complete list
/// holds.
fn finding_table<'a>(out: &mut String, findings: impl Iterator<Item = Placed<'a>>, total: usize) {
    let _ = writeln!(out, "| severity | rule | concerns | finding |");
    let _ = writeln!(out, "|---|---|---|---|");
    for f in findings.take(VISIBLE) {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            f.row.severity,
            f.row.rule,
            cell(&f.concerns()),
            finding(&f.row)
        );
    }
    if total > VISIBLE {
        let _ = writeln!(
            out,
            "\n{} more in the complete list below.",
            total - VISIBLE
        );
    }
    out.push('\n');
}

/// A finding's message for a cell, marked **new** against a baseline and with its waiver.
fn finding(f: &super::FindingRow<'_>) -> String {
    let mut text = cell(&f.message);
    if f.baseline == Some(crate::baseline::BaselineState::New) {
        text.insert_str(0, "**new** ");
    }
    if let Some(note) = f.waiver_note() {
        let _ = write!(text, "<br>**{}**", cell(&note));
    }
    text
}

fn all_findings(out: &mut String, r: &Report<'_, '_>) {
    let total = r.finding_count();
    if total == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "<details>\n<summary>All {total} finding{} with their remediation</summary>\n",
        if total == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "| severity | rule | concerns | finding | remediation | fingerprint |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for f in r.placed_findings() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | `{}` |",
            f.row.severity,
            f.row.rule,
            cell(&f.concerns()),
            finding(&f.row),
            cell(f.row.remediation),
            &f.row.fingerprint[..f.row.fingerprint.len().min(16)],
        );
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn percent(covered: usize, of: usize) -> String {
    match (covered * 100).checked_div(of) {
        None => "-".into(),
        Some(p) => format!("{covered} ({p}%)"),
    }
}

fn modules(out: &mut String, r: &Report<'_, '_>) {
    let _ = writeln!(out, "### Coverage by module\n");
    let _ = writeln!(out, "| module | assets watched | covered | organisation |");
    let _ = writeln!(out, "|---|---:|---:|---|");
    for m in &r.summary.modules {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&m.id),
            m.assets,
            percent(m.covered, m.assets),
            m.organization.map_or("-", Coverage::as_str)
        );
    }
    out.push('\n');
}

fn applications(out: &mut String, r: &Report<'_, '_>) {
    let apps: Vec<_> = r.applications().collect();
    if apps.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Applications\n");
    let _ = writeln!(
        out,
        "| application | delivery | exposure | tier | use cases covered | not covered | coverage |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---|---|");
    for a in &apps {
        let gaps = a.use_cases.not_covered();
        let not_covered = if gaps.is_empty() {
            "-".to_owned()
        } else {
            cell(&gaps.join(", "))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(a.id),
            a.delivery,
            a.exposure,
            a.tier,
            a.use_cases.covered_label(),
            not_covered,
            a.coverage
        );
    }
    for a in apps.iter().filter(|a| !a.suggested_rules.is_empty()) {
        let _ = writeln!(
            out,
            "\nRules that mention {} but that it does not declare:\n",
            cell(a.id)
        );
        for r in &a.suggested_rules {
            let _ = writeln!(out, "- {}", cell(&r.label()));
        }
    }
    out.push('\n');
}

fn assets(out: &mut String, r: &Report<'_, '_>) {
    let counts: Vec<String> = r
        .summary
        .tiers
        .iter()
        .map(|(t, n)| format!("tier {t}: {n}"))
        .collect();
    let _ = writeln!(out, "### Assets by tier\n\n{}\n", counts.join(", "));
    if r.summary.assets == 0 {
        return;
    }
    let mut rows: Vec<_> = r.assets().collect();
    rows.sort_by(|a, b| a.tier.cmp(&b.tier).then_with(|| a.name.cmp(b.name)));
    let _ = writeln!(
        out,
        "<details>\n<summary>All {} assets</summary>\n",
        rows.len()
    );
    let _ = writeln!(
        out,
        "| tier | asset | class | sensitivity | impact | coverage |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---|---|");
    for a in &rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            a.tier,
            cell(a.name),
            cell(a.class.unwrap_or("(unknown type)")),
            a.sensitivity,
            a.impact,
            a.coverage
        );
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn defender(out: &mut String, r: &Report<'_, '_>) {
    use crate::cost::{change, money};
    let _ = writeln!(
        out,
        "### Defender plans per subscription, with monthly list-price cost (USD)\n"
    );
    if r.plan.defender.is_empty() {
        let _ = writeln!(out, "No asset needs a plan.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| subscription | plan | today | tier needs | quantity | today, USD a month | recommended | then, USD a month |"
    );
    let _ = writeln!(out, "|---|---|---|---|---:|---:|---|---:|");
    for d in &r.plan.defender {
        let c = &d.cost;
        let today = match d.sub_plan {
            Some(sub) => format!("{} {sub}", d.state),
            None => d.state.to_owned(),
        };
        let quantity = c.quantity.map_or_else(
            || format!("unknown {}", c.unit),
            |q| crate::cost::quantity(q, c.unit),
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(d.subscription_name.or(d.subscription).unwrap_or("(none)")),
            cell(d.plan),
            cell(&today),
            cell(d.required_sub_plan.unwrap_or("-")),
            cell(&quantity),
            cell(&money(c.current.monthly_usd)),
            cell(c.recommended.sub_plan.unwrap_or("on")),
            cell(&money(c.recommended.monthly_usd)),
        );
    }
    let m = &r.plan.monthly_usd;
    let sums = format!(
        "today {}, recommended {} ({}){}.",
        money(m.current),
        money(m.recommended),
        change(m.difference),
        if m.complete {
            String::new()
        } else {
            format!(
                "; {} plan(s) without a known cost are not in these sums",
                m.unpriced.len()
            )
        }
    );
    let _ = writeln!(out, "\n**A month:** {}\n", cell(&sums));
    let explained: Vec<_> = r
        .plan
        .defender
        .iter()
        .filter(|d| d.cost.unknown.is_some() || d.cost.reasoning.len() > 1)
        .collect();
    if explained.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details>\n<summary>How the costs were worked out</summary>\n"
    );
    for d in explained {
        let _ = writeln!(
            out,
            "- **{} / {}**",
            cell(d.subscription_name.or(d.subscription).unwrap_or("(none)")),
            cell(d.plan)
        );
        if let Some(why) = &d.cost.unknown {
            let _ = writeln!(out, "  - cost unknown: {}", cell(why));
        }
        for line in d.cost.reasoning {
            let _ = writeln!(out, "  - {}", cell(line));
        }
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn licences(out: &mut String, r: &Report<'_, '_>) {
    if r.plan.licence_checks.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Licences by module\n");
    let _ = writeln!(out, "| module | needs any of | held | state | closed by |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for c in &r.plan.licence_checks {
        let held = if c.held.is_empty() {
            "-".to_owned()
        } else {
            c.held.join(", ")
        };
        let closed = c.closed_by.as_ref().map_or_else(
            || "-".to_owned(),
            |b| format!("{} ({})", b.name, b.part_number),
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&c.module),
            cell(&c.needs_any.join(", ")),
            cell(&held),
            c.state,
            cell(&closed)
        );
    }
    if let Some(b) = &r.plan.licence_bundle {
        let _ = writeln!(
            out,
            "\nOne licence closes every gap: {} ({}).",
            cell(&b.name),
            cell(&b.part_number)
        );
    }
    out.push('\n');
}
