//! The CSV output, for spreadsheets: the findings (`report`, `gaps`), the assets (`classify`)
//! or the Defender plans per subscription (`plan`), one row each with a header row. Every cell
//! goes through [`escape::csv_cell`](super::escape::csv_cell), so a name that starts with `=`
//! stays text when the file is opened. Findings carry their waiver (`waived` yes or no, with
//! its reason, owner and expiry) and their state against the baseline (`new`, `unchanged`, or
//! empty without `--baseline`).

use std::io::Write;

use super::escape::csv_cell;
use super::{Report, View};

/// The findings' columns.
pub const FINDING_COLUMNS: &[&str] = &[
    "rule",
    "severity",
    "asset",
    "application",
    "subscription",
    "module",
    "plan",
    "message",
    "remediation",
    "fingerprint",
    "waived",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
    "baseline",
];

pub fn render(report: &Report<'_, '_>, view: View, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    match view {
        View::Report | View::Gaps => findings(report, &mut w)?,
        View::Classify => assets(report, &mut w)?,
        View::Plan => plans(report, &mut w)?,
    }
    w.flush()
}

fn write_row<W: Write>(w: &mut csv::Writer<W>, cells: &[&str]) -> std::io::Result<()> {
    w.write_record(cells.iter().map(|c| csv_cell(c)))
        .map_err(std::io::Error::other)
}

fn findings<W: Write>(r: &Report<'_, '_>, w: &mut csv::Writer<W>) -> std::io::Result<()> {
    write_row(w, FINDING_COLUMNS)?;
    for f in r.findings() {
        let waiver = f.waiver;
        write_row(
            w,
            &[
                f.rule,
                f.severity.as_str(),
                f.asset.unwrap_or(""),
                f.application.unwrap_or(""),
                f.subscription.unwrap_or(""),
                f.module.unwrap_or(""),
                f.plan.unwrap_or(""),
                &f.message,
                f.remediation,
                &f.fingerprint,
                if waiver.is_some() { "yes" } else { "no" },
                waiver.map_or("", |w| &w.reason),
                waiver.map_or("", |w| &w.owner),
                waiver.map_or("", |w| &w.expires),
                f.baseline.map_or("", |b| b.as_str()),
            ],
        )?;
    }
    Ok(())
}

fn assets<W: Write>(r: &Report<'_, '_>, w: &mut csv::Writer<W>) -> std::io::Result<()> {
    write_row(
        w,
        &[
            "id",
            "name",
            "type",
            "class",
            "subscription",
            "resource_group",
            "sensitivity",
            "impact",
            "tier",
            "coverage",
        ],
    )?;
    for a in r.assets() {
        let tier = a.tier.to_string();
        write_row(
            w,
            &[
                a.id,
                a.name,
                a.type_name,
                a.class.unwrap_or(""),
                a.subscription.unwrap_or(""),
                a.resource_group.unwrap_or(""),
                a.sensitivity.as_str(),
                a.impact.as_str(),
                &tier,
                a.coverage.as_str(),
            ],
        )?;
    }
    Ok(())
}

fn plans<W: Write>(r: &Report<'_, '_>, w: &mut csv::Writer<W>) -> std::io::Result<()> {
    write_row(
        w,
        &[
            "subscription",
            "subscription_name",
            "plan",
            "state",
            "sub_plan",
            "required_sub_plan",
            "resources",
            "monthly_usd",
        ],
    )?;
    for d in &r.plan.defender {
        let resources = d.resources.to_string();
        let cost = d.monthly_usd.map(|c| format!("{c:.2}")).unwrap_or_default();
        write_row(
            w,
            &[
                d.subscription.unwrap_or(""),
                d.subscription_name.unwrap_or(""),
                d.plan,
                d.state,
                d.sub_plan.unwrap_or(""),
                d.required_sub_plan.unwrap_or(""),
                &resources,
                &cost,
            ],
        )?;
    }
    Ok(())
}
