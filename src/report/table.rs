//! The table output: what a consultant reads in a meeting. Grouped, aligned, the worst first;
//! long lists are cut with a count of what was left out and a pointer to `--format json`.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};

use super::escape::clean;
use super::{Report, Style, View};
use crate::domain::{Coverage, Severity};

/// How many rows a section shows before it summarises the rest.
pub(crate) const MAX_ROWS: usize = 40;

pub fn render(report: &Report<'_, '_>, view: View, style: Style) -> String {
    let mut out = String::new();
    header(&mut out, report, style);
    match view {
        View::Report => {
            modules(&mut out, report, style);
            findings(&mut out, report, style);
            tiers(&mut out, report, style, true);
            applications(&mut out, report, style);
        }
        View::Classify => {
            tiers(&mut out, report, style, false);
            applications(&mut out, report, style);
        }
        View::Plan => {
            modules(&mut out, report, style);
            defender(&mut out, report, style);
            licences(&mut out, report, style);
        }
        View::Gaps => findings(&mut out, report, style),
    }
    out
}

/// A cell of text that may come from the inputs or a profile, control characters removed.
fn text(s: impl AsRef<str>) -> Cell {
    Cell::new(clean(s.as_ref()))
}

pub(crate) fn table(style: Style, headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(style.width.unwrap_or(120));
    t.set_header(
        headers
            .iter()
            .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
    );
    t
}

/// Keeps the short columns whole, so that only the last, the prose, wraps; it keeps room
/// enough to be read.
pub(crate) fn keep_whole(t: &mut Table, columns: &[usize]) {
    for i in columns {
        if let Some(c) = t.column_mut(*i) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    let last = t.column_count().saturating_sub(1);
    if let Some(c) = t.column_mut(last) {
        c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(32)));
    }
}

pub(crate) fn heading(out: &mut String, style: Style, text: &str) {
    if style.color {
        let _ = writeln!(out, "\n\u{1b}[1m{text}\u{1b}[0m");
    } else {
        let _ = writeln!(out, "\n{text}");
    }
}

pub(crate) fn severity_cell(s: Severity) -> Cell {
    let cell = Cell::new(s.as_str());
    match s {
        Severity::Critical => cell.fg(Color::Magenta).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Cyan),
        Severity::Info => cell,
    }
}

fn coverage_cell(c: Coverage) -> Cell {
    let cell = Cell::new(c.as_str());
    match c {
        Coverage::Covered => cell.fg(Color::Green),
        Coverage::Gap => cell.fg(Color::Red),
        Coverage::Unknown => cell.fg(Color::Yellow),
        Coverage::NotApplicable => cell,
    }
}

fn header(out: &mut String, r: &Report<'_, '_>, style: Style) {
    let org = r
        .organization
        .name
        .as_deref()
        .map_or_else(|| "(organisation not named)".to_owned(), clean);
    let f = &r.summary.findings;
    let title = format!(
        "{org}: {} (PaaS monitoring need {})",
        r.organization.archetype, r.organization.paas_monitoring_need
    );
    if style.color {
        let _ = writeln!(out, "\u{1b}[1m{title}\u{1b}[0m");
    } else {
        let _ = writeln!(out, "{title}");
    }
    let _ = writeln!(
        out,
        "{} assets, {} applications; profile {} (facts as of {})",
        r.summary.assets,
        r.summary.applications,
        clean(&r.profile.name),
        clean(r.profile.as_of.as_deref().unwrap_or("unknown"))
    );
    let mut line = format!(
        "findings: {} critical, {} high, {} medium, {} low, {} info",
        f.critical, f.high, f.medium, f.low, f.info
    );
    if r.summary.waived > 0 {
        let _ = write!(line, "; {} waived", r.summary.waived);
    }
    if let Some(new) = r.summary.new {
        let _ = write!(line, "; {new} new since the baseline");
    }
    let _ = writeln!(out, "{line}");
}

fn modules(out: &mut String, r: &Report<'_, '_>, style: Style) {
    heading(out, style, "Coverage by module");
    let mut t = table(
        style,
        &["module", "assets watched", "covered", "organisation"],
    );
    for m in &r.summary.modules {
        t.add_row(vec![
            text(&m.id),
            Cell::new(m.assets),
            Cell::new(match (m.covered * 100).checked_div(m.assets) {
                None => "-".into(),
                Some(percent) => format!("{} ({percent}%)", m.covered),
            }),
            m.organization.map_or_else(|| Cell::new("-"), coverage_cell),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn findings(out: &mut String, r: &Report<'_, '_>, style: Style) {
    heading(out, style, "Findings, worst first");
    if r.finding_count() == 0 {
        let _ = writeln!(out, "none");
        return;
    }
    let mut t = table(style, &["severity", "rule", "concerns", "finding"]);
    for f in r.placed_findings().take(MAX_ROWS) {
        t.add_row(vec![
            severity_cell(f.row.severity),
            Cell::new(f.row.rule),
            text(f.concerns()),
            Cell::new(finding_text(&f.row)),
        ]);
    }
    keep_whole(&mut t, &[0, 1, 2]);
    let _ = writeln!(out, "{t}");
    more(out, r.finding_count());
}

/// A finding's message, with its waiver and baseline state when it has them.
fn finding_text(f: &super::FindingRow<'_>) -> String {
    let mut text = clean(&f.message);
    if f.baseline == Some(crate::baseline::BaselineState::New) {
        text.insert_str(0, "[new] ");
    }
    if let Some(w) = f.waiver {
        let _ = write!(
            text,
            "\nwaived until {} by {}: {}",
            w.expires,
            clean(&w.owner),
            clean(&w.reason)
        );
    }
    text
}

pub(crate) fn more(out: &mut String, total: usize) {
    if total > MAX_ROWS {
        let _ = writeln!(
            out,
            "... and {} more (all of them with --format json)",
            total - MAX_ROWS
        );
    }
}

fn tiers(out: &mut String, r: &Report<'_, '_>, style: Style, important_only: bool) {
    heading(
        out,
        style,
        if important_only {
            "Tier 1 and 2 assets a plan protects"
        } else {
            "Assets by tier"
        },
    );
    // The report lists what a plan decision concerns; `classify` lists everything.
    let mut rows: Vec<super::AssetRow<'_>> = r
        .assets()
        .filter(|a| !important_only || (a.tier.0 <= 2 && a.coverage != Coverage::NotApplicable))
        .collect();
    rows.sort_by(|a, b| a.tier.cmp(&b.tier).then_with(|| a.name.cmp(b.name)));
    if rows.is_empty() {
        let _ = writeln!(out, "none");
        return;
    }
    let mut headers = vec!["tier", "asset", "class", "sensitivity", "impact"];
    if important_only {
        headers.remove(2);
        headers.push("coverage");
    }
    headers.push("why");
    let mut t = table(style, &headers);
    for a in rows.iter().take(MAX_ROWS) {
        let (s, i) = (&a.reasons.sensitivity, &a.reasons.impact);
        let why = if s.text == i.text {
            s.text.to_string()
        } else {
            format!("{}: {}\n{}: {}", a.sensitivity, s.text, a.impact, i.text)
        };
        let mut row = vec![Cell::new(a.tier), text(a.name)];
        if !important_only {
            row.push(text(a.class.unwrap_or("(unknown type)")));
        }
        row.push(Cell::new(a.sensitivity));
        row.push(Cell::new(a.impact));
        if important_only {
            row.push(coverage_cell(a.coverage));
        }
        row.push(text(&why));
        t.add_row(row);
    }
    // Names may be long resource names: they wrap rather than push the table off the screen.
    let whole: Vec<usize> = (0..headers.len() - 1).filter(|i| *i != 1).collect();
    keep_whole(&mut t, &whole);
    let _ = writeln!(out, "{t}");
    more(out, rows.len());
    let counts: Vec<String> = r
        .summary
        .tiers
        .iter()
        .map(|(t, n)| format!("tier {t}: {n}"))
        .collect();
    let _ = writeln!(out, "{}", counts.join(", "));
}

fn applications(out: &mut String, r: &Report<'_, '_>, style: Style) {
    let apps: Vec<super::ApplicationRow<'_>> = r.applications().collect();
    if apps.is_empty() {
        return;
    }
    heading(out, style, "Applications");
    let mut t = table(
        style,
        &[
            "application",
            "delivery",
            "exposure",
            "tenancy",
            "tier",
            "use cases covered",
            "not covered",
            "coverage",
        ],
    );
    for a in apps.iter().take(MAX_ROWS) {
        let gaps = a.use_cases.not_covered();
        t.add_row(vec![
            text(a.id),
            Cell::new(a.delivery),
            Cell::new(a.exposure),
            Cell::new(a.tenancy),
            Cell::new(a.tier),
            Cell::new(a.use_cases.covered_label()),
            text(gaps.join(", ")),
            coverage_cell(a.coverage),
        ]);
    }
    let _ = writeln!(out, "{t}");
    more(out, apps.len());
    for a in apps.iter().filter(|a| !a.suggested_rules.is_empty()) {
        let _ = writeln!(
            out,
            "Rules that mention {} but that it does not declare (declare them under its `alerts:` if they are its own):",
            clean(a.id)
        );
        for r in &a.suggested_rules {
            let _ = writeln!(out, "  - {}", clean(&r.label()));
        }
    }
}

fn defender(out: &mut String, r: &Report<'_, '_>, style: Style) {
    heading(
        out,
        style,
        "Defender plans per subscription, with monthly list-price cost (USD)",
    );
    if r.plan.defender.is_empty() {
        let _ = writeln!(out, "no asset needs a plan");
        return;
    }
    let mut t = table(
        style,
        &[
            "subscription",
            "plan",
            "quantity",
            "unit price",
            "today",
            "recommended",
        ],
    );
    for d in r.plan.defender.iter().take(MAX_ROWS * 5) {
        let c = &d.cost;
        let today = match (d.state, d.sub_plan) {
            (s, Some(sub)) => format!("{s} {sub}: {}", crate::cost::money(c.current.monthly_usd)),
            (s, None) => format!("{s}: {}", crate::cost::money(c.current.monthly_usd)),
        };
        let today = match d.state {
            "on" => Cell::new(clean(&today)).fg(Color::Green),
            "off" => Cell::new(clean(&today)).fg(Color::Red),
            _ => Cell::new(clean(&today)).fg(Color::Yellow),
        };
        let quantity = match c.quantity {
            Some(q) => crate::cost::quantity(q, c.unit),
            None => format!("unknown {}", c.unit),
        };
        // A price by use (per 10k transactions) is not per the quantity's unit: say so.
        let price = |usd: f64, unit: Option<&str>| match unit {
            Some(u) if u.ends_with("transactions") || u.ends_with("api-calls") => {
                format!("{} per {u}", crate::cost::usd(usd))
            }
            _ => crate::cost::usd(usd),
        };
        let (now, then) = (&c.current, &c.recommended);
        let unit_price = match (now.unit_usd, then.unit_usd) {
            (Some(a), Some(b)) if (a - b).abs() > 1e-9 || now.price_unit != then.price_unit => {
                format!(
                    "{} → {}",
                    price(a, now.price_unit),
                    price(b, then.price_unit)
                )
            }
            (_, Some(b)) => price(b, then.price_unit),
            (Some(a), None) => price(a, now.price_unit),
            (None, None) => "unknown".into(),
        };
        // What the tiers need, when they ask for a sub-plan; otherwise the plan on.
        let recommended = format!(
            "{}: {}",
            c.recommended
                .sub_plan
                .or(d.required_sub_plan)
                .unwrap_or("on"),
            crate::cost::money(c.recommended.monthly_usd)
        );
        t.add_row(vec![
            text(d.subscription_name.or(d.subscription).unwrap_or("(none)")),
            text(d.plan),
            Cell::new(quantity),
            Cell::new(unit_price),
            today,
            text(recommended),
        ]);
    }
    // Subscription and plan names are identifiers: whole, whatever the width; the rest wraps.
    for i in [0, 1] {
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    let _ = writeln!(out, "{t}");
    let m = &r.plan.monthly_usd;
    let _ = writeln!(
        out,
        "a month: today {}, recommended {} ({}){}",
        crate::cost::money(m.current),
        crate::cost::money(m.recommended),
        crate::cost::change(m.difference),
        if m.complete {
            String::new()
        } else {
            format!(
                "; {} plan(s) without a known cost are not in these sums",
                m.unpriced.len()
            )
        }
    );

    // The reasoning where there is a choice to explain, or a cost that cannot be given.
    let explained: Vec<&super::DefenderPlanRow<'_>> = r
        .plan
        .defender
        .iter()
        .filter(|d| d.cost.unknown.is_some() || d.cost.reasoning.len() > 1)
        .collect();
    if explained.is_empty() {
        return;
    }
    heading(out, style, "How the costs were worked out");
    for d in explained.iter().take(MAX_ROWS) {
        let sub = clean(d.subscription_name.or(d.subscription).unwrap_or("(none)"));
        let _ = writeln!(out, "{sub} / {}:", d.plan);
        if let Some(why) = d.cost.unknown {
            let _ = writeln!(out, "  cost unknown: {}", clean(why));
        }
        for line in d.cost.reasoning {
            let _ = writeln!(out, "  - {}", clean(line));
        }
    }
    more(out, explained.len());
}

fn licences(out: &mut String, r: &Report<'_, '_>, style: Style) {
    heading(out, style, "Licences by module");
    if !r.plan.licence_checks.is_empty() {
        let mut t = table(
            style,
            &["module", "needs any of", "held", "state", "closed by"],
        );
        for c in &r.plan.licence_checks {
            t.add_row(vec![
                Cell::new(&c.module),
                Cell::new(c.needs_any.join(", ")),
                Cell::new(if c.held.is_empty() {
                    "-".into()
                } else {
                    c.held.join(", ")
                }),
                coverage_cell(c.state),
                Cell::new(
                    c.closed_by
                        .as_ref()
                        .map_or_else(|| "-".into(), |b| format!("{} ({})", b.name, b.part_number)),
                ),
            ]);
        }
        let _ = writeln!(out, "{t}");
        if let Some(b) = &r.plan.licence_bundle {
            let _ = writeln!(
                out,
                "one licence closes every gap: {} ({})",
                b.name, b.part_number
            );
        }
    }
    if r.plan.licences.is_empty() {
        let _ = writeln!(out, "no licences given");
        return;
    }
    let security: Vec<&super::LicenceRow> = r.plan.licences.iter().filter(|l| l.known).collect();
    let other = r.plan.licences.len() - security.len();
    if !security.is_empty() {
        let mut t = table(style, &["licence or service plan", "grants", "modules"]);
        for l in &security {
            t.add_row(vec![
                text(&l.name),
                Cell::new(l.products.join(", ")),
                Cell::new(l.modules.join(", ")),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    if other > 0 {
        let _ = writeln!(
            out,
            "{other} other licence(s) or service plan(s) grant no product the profile tracks (all of them with --format json)"
        );
    }
}
