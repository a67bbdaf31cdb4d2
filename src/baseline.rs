//! Baselines: the findings of an earlier JSON report, by fingerprint, so that a CI run fails on
//! what is new rather than on what was already known.

use rustc_hash::FxHashSet;
use serde::Deserialize;

use crate::diag::{Diagnostic, InputErrors, Location};

/// Whether a finding was in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineState {
    /// Not in the baseline: it counts towards `--fail-on`.
    New,
    /// Already in the baseline.
    Unchanged,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

/// The fingerprints of an earlier report's findings.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: FxHashSet<String>,
}

impl Baseline {
    /// Reads the findings' fingerprints from a JSON report written by `report` or `gaps`.
    pub fn load(path: &std::path::Path) -> Result<Baseline, InputErrors> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            InputErrors::one(
                Diagnostic::error(
                    Location::file(display.as_str()),
                    format!("cannot read the baseline: {e}"),
                )
                .with_help("check the path given to --baseline"),
            )
        })?;
        let (text, _) = crate::load::text::decode(&display, &bytes).map_err(InputErrors::one)?;
        Baseline::parse(&display, &text)
    }

    /// Reads a report's text; `path` names it in messages.
    pub fn parse(path: &str, text: &str) -> Result<Baseline, InputErrors> {
        #[derive(Deserialize)]
        struct Row<'a> {
            #[serde(borrow)]
            fingerprint: std::borrow::Cow<'a, str>,
        }
        #[derive(Deserialize)]
        struct Report<'a> {
            schema_version: Option<u32>,
            #[serde(borrow)]
            findings: Option<Vec<Row<'a>>>,
        }
        let report: Report<'_> = serde_json::from_str(text).map_err(|e| {
            InputErrors::one(
                Diagnostic::error(
                    json_location(path, &e),
                    format!(
                        "the baseline is not a JSON report: {}",
                        crate::load::strip_json_position(&e.to_string())
                    ),
                )
                .with_help(MAKE_ONE),
            )
        })?;
        check_version(path, report.schema_version)?;
        let Some(findings) = report.findings else {
            return Err(InputErrors::one(
                Diagnostic::error(Location::file(path), "the baseline has no `findings`")
                    .with_help(MAKE_ONE),
            ));
        };
        Ok(Baseline {
            fingerprints: findings
                .into_iter()
                .map(|r| r.fingerprint.to_ascii_lowercase())
                .collect(),
        })
    }

    /// The state of a finding with this fingerprint.
    pub fn state(&self, fingerprint: &str) -> BaselineState {
        if self.fingerprints.contains(fingerprint) {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        }
    }

    /// How many findings the baseline holds.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

const MAKE_ONE: &str = "make a baseline with `mdrplan report INPUT... --format json --output baseline.json` (or `gaps`)";

/// Where serde_json stopped, as a location.
pub(crate) fn json_location(path: &str, e: &serde_json::Error) -> Location {
    if e.line() == 0 {
        Location::file(path)
    } else {
        Location::at(path, e.line(), e.column())
    }
}

/// Refuses reports of a schema version this mdrplan does not read.
pub(crate) fn check_version(path: &str, version: Option<u32>) -> Result<(), InputErrors> {
    check_version_or(path, version, MAKE_ONE)
}

/// As [`check_version`], with the help to give when the file is no report at all.
pub(crate) fn check_version_or(
    path: &str,
    version: Option<u32>,
    make_one: &str,
) -> Result<(), InputErrors> {
    match version {
        Some(crate::report::SCHEMA_VERSION) => Ok(()),
        Some(v) => Err(InputErrors::one(
            Diagnostic::error(
                Location::file(path),
                format!(
                    "the report has schema_version {v}; this mdrplan reads version {}",
                    crate::report::SCHEMA_VERSION
                ),
            )
            .with_help("write the report again with this version of mdrplan"),
        )),
        None => Err(InputErrors::one(
            Diagnostic::error(Location::file(path), "the file has no `schema_version`")
                .with_help(make_one),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fingerprints_and_refuses_what_is_not_a_report() {
        let b = Baseline::parse(
            "old.json",
            r#"{"schema_version": 1, "assets": [{"id": "x"}], "findings": [{"rule": "r", "fingerprint": "AB12"}]}"#,
        )
        .unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b.state("ab12"), BaselineState::Unchanged);
        assert_eq!(b.state("cd34"), BaselineState::New);

        let e = Baseline::parse(
            "old.json",
            "{\n  \"schema_version\": 1,\n  \"findings\": [}",
        )
        .unwrap_err();
        assert!(e.0[0].to_string().contains("old.json:3:"), "{}", e.0[0]);
        let e = Baseline::parse("old.json", r#"{"schema_version": 1, "assets": []}"#).unwrap_err();
        assert!(e.0[0].message.contains("no `findings`"));
        let e =
            Baseline::parse("old.json", r#"{"schema_version": 9, "findings": []}"#).unwrap_err();
        assert!(e.0[0].message.contains("schema_version 9"));
    }
}
