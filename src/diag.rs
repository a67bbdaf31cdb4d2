//! Diagnostics for people: what went wrong, where (file, line, column), and what to do.
//!
//! Every stage that reads user input reports problems as [`Diagnostic`]s. Errors stop the
//! command (exit code 2); warnings are logged and the command goes on.

use std::fmt;

/// Where a diagnostic points: a file, and a line and column where the format has them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line and column, both counted from 1. A parser that reports the end of a line as
    /// column 0 (serde_json at an unexpected end of file) is shown at column 1.
    pub fn at(file: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line.max(1)),
            column: Some(column.max(1)),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// One problem found in an input, with the advice that goes with it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub level: Level,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The errors that stopped a command, all of them, in a stable order.
#[derive(Debug, Clone, thiserror::Error)]
pub struct InputErrors(pub Vec<Diagnostic>);

impl InputErrors {
    pub fn one(diagnostic: Diagnostic) -> Self {
        InputErrors(vec![diagnostic])
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics while a stage runs, so that every problem is reported at once.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn error(&mut self, location: Location, message: impl Into<String>) -> &mut Diagnostic {
        self.items.push(Diagnostic::error(location, message));
        self.items.last_mut().expect("just pushed")
    }

    pub fn warning(&mut self, location: Location, message: impl Into<String>) -> &mut Diagnostic {
        self.items.push(Diagnostic::warning(location, message));
        self.items.last_mut().expect("just pushed")
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Splits into errors (when there are any) and warnings.
    pub fn finish(self) -> Result<Vec<Diagnostic>, InputErrors> {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            self.items.into_iter().partition(Diagnostic::is_error);
        if errors.is_empty() {
            Ok(warnings)
        } else {
            Err(InputErrors(errors))
        }
    }
}

/// The closest of `candidates` to `word`, when one is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// "did you mean `x`?" for a help line, or a list of what is accepted.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(word, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let all: Vec<&str> = candidates.into_iter().collect();
            if all.len() <= 12 {
                format!("expected one of: {}", all.join(", "))
            } else {
                format!(
                    "expected one of {} known values, for example {}",
                    all.len(),
                    all[..6].join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let keys = ["sensitivity", "impact", "roles", "depends_on"];
        assert_eq!(closest("sensitivty", keys), Some("sensitivity"));
        assert_eq!(closest("dependson", keys), Some("depends_on"));
        assert_eq!(closest("zzz", keys), None);
    }

    #[test]
    fn location_prints_what_it_has() {
        assert_eq!(Location::file("a.yaml").to_string(), "a.yaml");
        assert_eq!(Location::at("a.yaml", 3, 7).to_string(), "a.yaml:3:7");
        assert_eq!(Location::at("a.json", 2, 0).to_string(), "a.json:2:1");
    }
}
