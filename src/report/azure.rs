//! Azure DevOps logging commands: a `##vso[task.logissue ...]` per finding, on the input file
//! and line its asset or application was read from, with the rule as its code. Azure DevOps knows
//! two issue types: critical and high findings are errors, medium and low ones warnings, and info
//! findings plain log lines that inform without raising an issue; so are waived findings,
//! whatever their severity, with their waiver, and findings a `--baseline` already holds. Every value is escaped as the
//! agent expects, so no input text can end a command early or start another.
//!
//! No `##vso[task.complete]` is written: the exit code (`--fail-on`) decides whether the step
//! fails, in one place, and a task.complete would end the step's record before later output.

use std::io::Write;

use super::Report;
use super::escape::{azure, azure_plain};
use crate::baseline::BaselineState;
use crate::domain::Severity;

/// The issue type for a severity; `None` for findings written as plain log lines.
pub fn issue_type(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical | Severity::High => Some("error"),
        Severity::Medium | Severity::Low => Some("warning"),
        Severity::Info => None,
    }
}

pub fn render(report: &Report<'_, '_>, out: &mut dyn Write) -> std::io::Result<()> {
    for f in report.placed_findings() {
        let new = match f.row.baseline {
            Some(BaselineState::New) => "new ",
            Some(BaselineState::Unchanged) => "unchanged ",
            None => "",
        };
        let mut message = format!(
            "{new}{} {} ({}): {}",
            f.row.severity,
            f.row.rule,
            f.concerns(),
            f.row.message
        );
        let note = f.row.waiver_note();
        if let Some(note) = &note {
            message = format!("{message} ({note})");
        }
        // Only what counts towards --fail-on raises an issue: not a waived finding, nor one the
        // baseline already holds.
        let counts = note.is_none() && f.row.baseline != Some(BaselineState::Unchanged);
        let kind = issue_type(f.row.severity).filter(|_| counts);
        let Some(kind) = kind else {
            writeln!(out, "{}", azure_plain(&message))?;
            continue;
        };
        let mut properties = vec![format!("type={kind}")];
        if let Some(place) = f.origin {
            properties.push(format!("sourcepath={}", azure(place.path)));
            if let Some(line) = place.line {
                properties.push(format!("linenumber={line}"));
            }
            if let Some(column) = place.column {
                properties.push(format!("columnnumber={column}"));
            }
        }
        properties.push(format!("code={}", f.row.rule));
        writeln!(
            out,
            "##vso[task.logissue {}]{}",
            properties.join(";"),
            azure(&message)
        )?;
    }
    Ok(())
}
