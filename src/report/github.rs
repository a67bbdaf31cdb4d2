//! GitHub Actions workflow commands: one annotation per finding, on the input file and line its
//! asset or application was read from (findings about a subscription or the organisation have
//! no file). Critical and high findings are errors, medium ones warnings, the rest notices; a
//! waived finding, and one a `--baseline` already holds, is a notice whatever its severity,
//! marked so in the title.
//! Every value is escaped as GitHub's runner expects, so no input text can end a command early
//! or start another.

use std::io::Write;

use super::Report;
use super::escape::{github_message, github_property};
use crate::baseline::BaselineState;
use crate::domain::Severity;

/// The workflow command for a severity.
pub fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

pub fn render(report: &Report<'_, '_>, out: &mut dyn Write) -> std::io::Result<()> {
    for f in report.placed_findings() {
        let mut properties = Vec::new();
        if let Some(place) = f.origin {
            properties.push(format!("file={}", github_property(place.path)));
            if let Some(line) = place.line {
                properties.push(format!("line={line}"));
            }
            if let Some(column) = place.column {
                properties.push(format!("col={column}"));
            }
        }
        let mut title = format!("{} {} ({})", f.row.severity, f.row.rule, f.concerns());
        let mut message = f.row.message.to_string();
        let mut command = match f.row.waiver_note() {
            Some(note) => {
                title.push_str(", waived");
                message = format!("{message} ({note})");
                "notice"
            }
            None => command(f.row.severity),
        };
        match f.row.baseline {
            Some(BaselineState::New) => title.push_str(", new"),
            // Already in the baseline, it does not count towards --fail-on: a notice, so that
            // the new findings are not lost among GitHub's few errors shown per step.
            Some(BaselineState::Unchanged) => {
                title.push_str(", unchanged");
                command = "notice";
            }
            None => {}
        }
        properties.push(format!("title={}", github_property(&title)));
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            github_message(&message)
        )?;
    }
    Ok(())
}
