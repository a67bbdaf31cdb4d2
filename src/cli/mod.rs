//! The command-line layer: arguments to settings, settings to a command, a command's result to
//! an exit code. Reports go to standard output or `--output`; diagnostics go to standard error.

mod args;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::diag::{InputErrors, suggestion};
use crate::domain::Severity;
use crate::profile::{self, Catalog};
use crate::report::table::{self, Style, View};
use crate::rules::Rule;
pub use args::{Cli, ColorChoice, Command, FailOn, Format};

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: the command could not do its job.
pub const EXIT_ERROR: u8 = 2;

/// Parses the command line, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let settings = Settings::new(&cli);
    init_logging(&settings);
    match run(&cli, &settings) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            match e.downcast_ref::<InputErrors>() {
                Some(errors) => {
                    for d in &errors.0 {
                        log::error!("{d}");
                    }
                }
                None => log::error!("{e:#}"),
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The command line turned into what the commands need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub level: log::LevelFilter,
    pub width: Option<u16>,
    /// Progress bars for large inputs: only on a terminal, and not with --quiet.
    pub progress: bool,
}

impl Settings {
    pub fn new(cli: &Cli) -> Settings {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |terminal: bool| match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let level = if cli.quiet {
            log::LevelFilter::Error
        } else {
            match cli.verbose {
                0 => log::LevelFilter::Warn,
                1 => log::LevelFilter::Info,
                _ => log::LevelFilter::Debug,
            }
        };
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
        Settings {
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
            progress: std::io::stderr().is_terminal() && !cli.quiet,
            level,
            width,
        }
    }
}

struct StderrLogger {
    color: bool,
}

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let (label, code) = match record.level() {
            log::Level::Error => ("error", "31"),
            log::Level::Warn => ("warning", "33"),
            log::Level::Info => ("info", "36"),
            _ => ("debug", "2"),
        };
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(err, "\u{1b}[1;{code}m{label}\u{1b}[0m: {}", record.args())
        } else {
            writeln!(err, "{label}: {}", record.args())
        };
    }

    fn flush(&self) {}
}

fn init_logging(settings: &Settings) {
    let logger = Box::new(StderrLogger {
        color: settings.color_stderr,
    });
    if log::set_boxed_logger(logger).is_ok() {
        log::set_max_level(settings.level);
    }
}

fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

fn load_profile(name: &str) -> anyhow::Result<Catalog> {
    Ok(profile::load(name)?)
}

/// Runs one command; the exit code on success, an error when the command could not do its job.
pub fn run(cli: &Cli, settings: &Settings) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Report(a) => analyze(cli, settings, a, View::Report),
        Command::Classify(a) => analyze(cli, settings, a, View::Classify),
        Command::Plan(a) => analyze(cli, settings, a, View::Plan),
        Command::Gaps(a) => analyze(cli, settings, a, View::Gaps),
        Command::Validate(a) => validate(cli, &a.inputs),
        Command::Rules(a) => rules(cli, settings, a),
        Command::Profiles(a) => profiles(a),
    }
}

fn analyze(cli: &Cli, settings: &Settings, a: &args::ReportArgs, view: View) -> anyhow::Result<u8> {
    let catalog = load_profile(&cli.profile)?;
    let options = crate::load::Options {
        progress: settings.progress,
    };
    let analysis = crate::analyze_with(&a.inputs, &catalog, options)?;
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    let report = analysis.report(&catalog);
    match a.format {
        Format::Json => emit_with(a.output.as_deref(), &|w| {
            report.write_json(w, json_keys(view))
        })?,
        Format::Table => {
            let color = settings.color_stdout && a.output.is_none();
            let style = Style {
                color,
                width: settings.width,
            };
            emit(a.output.as_deref(), &table::render(&report, view, style))?;
        }
    }

    // Only the commands that evaluate the rules gate on findings.
    let gates = matches!(view, View::Report | View::Gaps);
    let failing = threshold(a.fail_on).map_or(0, |level| report.count_at_least(level));
    drop(report);
    // The command ends here: the system takes the process's memory back at once, where freeing
    // the analysis would visit every allocation of a million assets first.
    std::mem::forget(analysis);
    if gates && failing > 0 {
        log::info!("{failing} finding(s) at or above --fail-on {:?}", a.fail_on);
        return Ok(EXIT_FINDINGS);
    }
    Ok(EXIT_OK)
}

/// The top-level keys each command's JSON keeps (empty: all of them).
fn json_keys(view: View) -> &'static [&'static str] {
    match view {
        View::Report => &[],
        View::Classify => &[
            "schema_version",
            "tool",
            "profile",
            "inputs",
            "organization",
            "assets",
            "applications",
            "warnings",
        ],
        View::Plan => &[
            "schema_version",
            "tool",
            "profile",
            "inputs",
            "organization",
            "summary",
            "assets",
            "plan",
            "warnings",
        ],
        View::Gaps => &[
            "schema_version",
            "tool",
            "profile",
            "inputs",
            "summary",
            "findings",
            "warnings",
        ],
    }
}

/// Writes through `write` to the file, atomically (a temporary file renamed into place, so a
/// reader never sees half a report), or to standard output.
fn emit_with(
    output: Option<&Path>,
    write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    match output {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| {
                format!(
                    "cannot write to {}: check that the folder exists and is writable",
                    dir.display()
                )
            })?;
            let mut buffered = std::io::BufWriter::new(tmp);
            write(&mut buffered).with_context(|| format!("cannot write {}", path.display()))?;
            let tmp = buffered
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tmp.persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

fn emit(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    emit_with(output, &|w| w.write_all(text.as_bytes()))
}

/// With `--strict`, warnings about the inputs stop the command as errors.
fn strict_check(cli: &Cli, warnings: &[crate::diag::Diagnostic]) -> anyhow::Result<()> {
    if cli.strict && !warnings.is_empty() {
        let errors = warnings.iter().cloned().map(|mut w| {
            w.level = crate::diag::Level::Error;
            w
        });
        return Err(InputErrors(errors.collect()).into());
    }
    Ok(())
}

fn validate(cli: &Cli, inputs: &[std::path::PathBuf]) -> anyhow::Result<u8> {
    let catalog = load_profile(&cli.profile)?;
    let analysis = crate::analyze(inputs, &catalog)?;
    strict_check(cli, &analysis.warnings)?;
    let mut out = String::new();
    let mut files = analysis.inventory.inputs.clone();
    files.sort();
    for f in &files {
        out.push_str(&format!("{}: {}, {} records\n", f.path, f.kind, f.records));
    }
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    out.push_str(&format!(
        "ok: {} file(s), {} assets, {} applications, {} warning(s)\n",
        files.len(),
        analysis.inventory.assets.len(),
        analysis.inventory.applications.len(),
        analysis.warnings.len()
    ));
    emit(None, &out)?;
    Ok(EXIT_OK)
}

fn rules(cli: &Cli, settings: &Settings, a: &args::RulesArgs) -> anyhow::Result<u8> {
    let catalog = load_profile(&cli.profile)?;
    let text = match &a.action {
        None => match a.format {
            Format::Json => {
                let list: Vec<_> = Rule::ALL
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "rule": r.name(),
                            "severity": catalog.base_severity(*r),
                            "scope": r.scope(),
                            "summary": r.summary(),
                        })
                    })
                    .collect();
                format!("{}\n", serde_json::to_string_pretty(&list)?)
            }
            Format::Table => {
                let mut t = comfy_table::Table::new();
                t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
                if !settings.color_stdout {
                    t.force_no_tty();
                }
                t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
                t.set_width(settings.width.unwrap_or(120));
                t.set_header(vec!["rule", "base severity", "concerns", "raised when"]);
                for r in Rule::ALL {
                    let scope = serde_json::to_value(r.scope())?
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    t.add_row(vec![
                        r.name().to_owned(),
                        catalog.base_severity(*r).to_string(),
                        scope,
                        r.summary().to_owned(),
                    ]);
                }
                format!(
                    "{t}\nSeverity moves with the tier of what a finding concerns: tier 1 one step up, tier 3 one down, tier 4 two down;\norganisation-wide rules keep theirs. `mdrplan rules explain RULE` tells more.\n"
                )
            }
        },
        Some(args::RulesAction::Explain { rule }) => {
            let Some(r) = Rule::from_name(rule) else {
                return Err(InputErrors::one(
                    crate::diag::Diagnostic::error(
                        crate::diag::Location::file("<command line>"),
                        format!("unknown rule `{rule}`"),
                    )
                    .with_help(format!(
                        "{} (`mdrplan rules` lists them)",
                        suggestion(rule, Rule::names())
                    )),
                )
                .into());
            };
            explain(r, &catalog)
        }
    };
    emit(None, &text)?;
    Ok(EXIT_OK)
}

fn explain(r: Rule, catalog: &Catalog) -> String {
    let scope = serde_json::to_value(r.scope())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let organisation = if r.is_organization_wide() {
        "It is organisation-wide: its severity does not move with tiers."
    } else {
        "Tier 1 raises it one step (to at most critical), tier 3 lowers it one step and tier 4 two (to at least info)."
    };
    format!(
        "{name}\n\n{summary}\n\nBase severity: {sev} (profile {profile}). {organisation}\nConcerns: {scope}\n\nWhy it matters\n  {why}\n\nHow to fix it\n  {fix}\n\nExample\n  {example}\n",
        name = r.name(),
        summary = r.summary(),
        sev = catalog.base_severity(r),
        profile = catalog.name(),
        why = r.why(),
        fix = r.fix(),
        example = r.example(),
    )
}

fn profiles(a: &args::ProfilesArgs) -> anyhow::Result<u8> {
    let text = match &a.action {
        None => {
            let mut out = String::new();
            for (name, file, _) in profile::BUILTIN {
                let catalog = profile::load(name)?;
                out.push_str(&format!(
                    "{name:<10} {} (facts as of {}; {file})\n",
                    catalog.profile.description.lines().next().unwrap_or(""),
                    catalog.profile.as_of.as_deref().unwrap_or("unknown")
                ));
            }
            out.push_str("\nA profile file may `extends: standard` and override parts; pass it with --profile PATH.\n");
            out
        }
        Some(args::ProfilesAction::Show { name, raw }) => {
            if *raw {
                match profile::builtin_text(name) {
                    Some(text) => text.to_owned(),
                    None => {
                        let bytes = std::fs::read(name).map_err(|_| {
                            InputErrors::one(
                                crate::diag::Diagnostic::error(
                                    crate::diag::Location::file(name.as_str()),
                                    "no built-in profile and no file by that name",
                                )
                                .with_help("`mdrplan profiles` lists the built-in profiles"),
                            )
                        })?;
                        crate::load::text::decode(name, &bytes)
                            .map_err(InputErrors::one)?
                            .0
                    }
                }
            } else {
                profile::to_yaml(&profile::load(name)?.profile)
            }
        }
    };
    emit(None, &text)?;
    Ok(EXIT_OK)
}
