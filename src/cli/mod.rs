//! The command-line layer: arguments to settings, settings to a command, a command's result to
//! an exit code. Reports go to standard output or `--output`; diagnostics go to standard error.

mod args;
mod graph;
mod integration;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::diag::{InputErrors, suggestion};
use crate::domain::Severity;
use crate::profile::{self, Catalog};
use crate::report::{Style, View};
use crate::rules::Rule;
pub use args::{Cli, ColorChoice, Command, FailOn, Format, ListFormat, Output};

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
        Command::Graph(a) => graph::run(cli, settings, a),
        Command::Diff(a) => diff(settings, a),
        Command::Remediate(a) => remediate(cli, a),
        Command::Schema(a) => integration::schema(a),
        Command::Completions(a) => integration::completions(a),
        Command::Alerts(a) => alerts(cli, a),
    }
}

/// Writes one analytics rule file per use case an application's alerting misses, and says on
/// standard output what it wrote and what it skipped.
fn alerts(cli: &Cli, a: &args::AlertsArgs) -> anyhow::Result<u8> {
    use crate::diag::{Diagnostic, Location};
    use anyhow::Context;

    let catalog = load_profile(&cli.profile)?;
    let analysis = crate::analyze(&a.inputs, &catalog)?;
    strict_check(cli, &analysis.warnings)?;
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    let plans =
        crate::alerts::plan(&analysis, &catalog, a.app.as_deref()).map_err(InputErrors::one)?;

    // Asked for one application that needs rules and has nothing to build them from.
    if a.app.is_some()
        && let Some(p) = plans.iter().find(|p| p.lacks_telemetry())
    {
        let serving: Vec<String> = catalog
            .profile
            .telemetry
            .iter()
            .filter(|t| !t.queries.is_empty())
            .map(|t| format!("{} (`{}`)", crate::alerts::short_name(&t.name), t.id))
            .collect();
        return Err(InputErrors::one(
            Diagnostic::error(
                Location::file("--app"),
                format!(
                    "application {} has no telemetry source, so no rule can be written for its {} missing use case(s)",
                    p.id,
                    p.skipped.iter().filter(|s| s.gap).count()
                ),
            )
            .with_help(format!(
                "add a component that writes telemetry ({}), or declare the sources it has under its `telemetry:` in the overlay",
                serving.join(", ")
            )),
        )
        .into());
    }

    let dir = &a.output;
    if dir.exists() && !dir.is_dir() {
        return Err(InputErrors::one(
            Diagnostic::error(
                Location::file(dir.display().to_string()),
                "--output names a file; `alerts` writes one file per rule into a folder",
            )
            .with_help("give a folder (it is created when missing), e.g. `--output rules/`"),
        )
        .into());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let targets: Vec<(std::path::PathBuf, &crate::alerts::PlannedRule)> = plans
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| (dir.join(&r.file_name), r)))
        .collect();
    if !a.force {
        let existing: Vec<String> = targets
            .iter()
            .filter(|(path, _)| path.exists())
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(InputErrors::one(
                Diagnostic::error(
                    Location::file(dir.display().to_string()),
                    format!(
                        "{} rule file(s) already exist: {}",
                        existing.len(),
                        existing.join(", ")
                    ),
                )
                .with_help(
                    "write into another folder, remove them, or pass --force to replace them",
                ),
            )
            .into());
        }
    }
    for (path, planned) in &targets {
        let text = planned.rule.to_yaml();
        emit_with(Some(path), &|w| w.write_all(text.as_bytes()))?;
    }

    let mut out = String::new();
    let (mut written, mut skipped) = (0, 0);
    for p in &plans {
        if p.rules.is_empty() && p.skipped.is_empty() {
            out.push_str(&format!(
                "{} (tier {}): nothing to write, no required use case lacks a rule\n",
                p.id, p.tier
            ));
            continue;
        }
        let sources = if p.telemetry.is_empty() {
            "no telemetry".to_owned()
        } else {
            format!("telemetry: {}", p.telemetry.join(", "))
        };
        out.push_str(&format!(
            "{} (tier {}, {sources})
",
            p.id, p.tier
        ));
        for r in &p.rules {
            written += 1;
            out.push_str(&format!(
                "  wrote {}: {} from {}
",
                dir.join(&r.file_name).display(),
                r.use_case,
                r.source
            ));
        }
        for note in &p.notes {
            log::warn!("{}: {note}", p.id);
        }
        for s in &p.skipped {
            skipped += 1;
            out.push_str(&format!(
                "  skipped {} ({}): {}
",
                s.use_case,
                s.status.as_str(),
                s.why
            ));
            if s.gap {
                log::warn!("{}: no rule for {}: {}", p.id, s.use_case, s.why);
            }
        }
    }
    out.push_str(&format!(
        "{written} rule(s) written to {}, {skipped} use case(s) skipped
",
        dir.display()
    ));
    emit(None, &out)?;
    Ok(EXIT_OK)
}

fn remediate(cli: &Cli, a: &args::RemediateArgs) -> anyhow::Result<u8> {
    let catalog = load_profile(&cli.profile)?;
    let analysis = crate::analyze(&a.inputs, &catalog)?;
    strict_check(cli, &analysis.warnings)?;
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    let (changes, skipped) = crate::remediate::changes(&analysis, &catalog);
    let format = match a.format {
        args::RemediateFormat::Az => crate::remediate::Format::Az,
        args::RemediateFormat::Bicep => crate::remediate::Format::Bicep,
        args::RemediateFormat::Terraform => crate::remediate::Format::Terraform,
    };
    for s in &skipped {
        log::info!("left alone: {s}");
    }
    emit(
        a.output.as_deref(),
        &crate::remediate::render(&changes, &skipped, &catalog, format),
    )?;
    Ok(EXIT_OK)
}

fn diff(settings: &Settings, a: &args::DiffArgs) -> anyhow::Result<u8> {
    let diff = crate::diff::Diff::files(&a.old, &a.new)?;
    let text = match a.format {
        args::DiffFormat::Json => diff.to_json(),
        args::DiffFormat::Markdown => diff.to_markdown(),
        args::DiffFormat::Table => diff.to_table(Style {
            color: settings.color_stdout && a.output.is_none(),
            width: settings.width,
        }),
    };
    emit(a.output.as_deref(), &text)?;
    let failing = threshold(a.fail_on).map_or(0, |level| diff.failing(level));
    if failing > 0 {
        log::info!(
            "{failing} new finding(s) at or above --fail-on {:?}",
            a.fail_on
        );
        return Ok(EXIT_FINDINGS);
    }
    Ok(EXIT_OK)
}

fn analyze(cli: &Cli, settings: &Settings, a: &args::ReportArgs, view: View) -> anyhow::Result<u8> {
    let outputs = outputs(a, view)?;
    let mut catalog = load_profile(&cli.profile)?;
    if let Some(prices) = &a.prices {
        profile::apply_price_file(&mut catalog, prices)?;
    }
    // The gate's files are read first: a mistake in them should not wait for a large analysis.
    let waivers = a
        .waivers
        .as_deref()
        .map(crate::waivers::Waivers::load)
        .transpose()?;
    let baseline = a
        .baseline
        .as_deref()
        .map(crate::baseline::Baseline::load)
        .transpose()?;
    let today = match waivers {
        Some(_) => today()?,
        None => crate::waivers::Date::today(),
    };
    let options = crate::load::Options {
        progress: settings.progress,
    };
    let analysis = crate::analyze_with(&a.inputs, &catalog, options)?;
    strict_check(cli, &analysis.warnings)?;
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    let gate = crate::report::Gate::new(&analysis, waivers.as_ref(), baseline.as_ref(), today);
    if let Some(applied) = &gate.waivers {
        strict_check(cli, &applied.notes)?;
        for note in &applied.notes {
            log::warn!("{note}");
        }
    }

    // One analysis, one report, written in every format asked for.
    let report = analysis.report(&catalog).with_gate(&gate);
    for (format, path) in &outputs {
        let style = Style {
            color: settings.color_stdout && path.is_none() && *format == Format::Table,
            width: settings.width,
        };
        emit_with(path.as_deref(), &|w| report.write(*format, view, style, w))?;
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

/// The outputs of a run: the main one (`--format`, to `--output` or standard output), then each
/// `--output-format`, checked before any work starts.
fn outputs(a: &args::ReportArgs, view: View) -> anyhow::Result<Vec<(Format, Option<PathBuf>)>> {
    let mut all = vec![(a.format, a.output.clone())];
    all.extend(a.outputs.iter().map(|o| (o.format, Some(o.path.clone()))));
    let command = match view {
        View::Report => "report",
        View::Classify => "classify",
        View::Plan => "plan",
        View::Gaps => "gaps",
    };
    // `-` names standard output, as `--output` left out does.
    for (_, path) in &mut all {
        if path.as_deref().is_some_and(is_stdout) {
            *path = None;
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (format, path) in &all {
        if !format.supports(view) {
            anyhow::bail!(
                "`{command}` cannot write {format}: it is a format for findings; use it with `report` or `gaps` (`{command}` writes table, json, markdown or csv)"
            );
        }
        if !seen.insert(path.clone()) {
            match path {
                Some(path) => anyhow::bail!(
                    "{} is given as the file of two outputs: give each output its own file",
                    path.display()
                ),
                None => anyhow::bail!(
                    "two outputs go to standard output: give all but one a file (`--output-format FORMAT=PATH`)"
                ),
            }
        }
        if let Some(path) = path
            && path.is_dir()
        {
            anyhow::bail!(
                "cannot write {}: it is a folder; give the path of a file in it",
                path.display()
            );
        }
    }
    Ok(all)
}

/// The day waivers are judged on: `MDRPLAN_TODAY` (YYYY-MM-DD) when set, for runs that must
/// give the same result on any day; otherwise the system clock's (UTC).
fn today() -> anyhow::Result<crate::waivers::Date> {
    match std::env::var("MDRPLAN_TODAY") {
        Ok(text) => crate::waivers::Date::parse(&text).ok_or_else(|| {
            InputErrors::one(
                crate::diag::Diagnostic::error(
                    crate::diag::Location::file("MDRPLAN_TODAY"),
                    format!("`{text}` is not a date"),
                )
                .with_help("set MDRPLAN_TODAY as YYYY-MM-DD, or unset it to use today's date"),
            )
            .into()
        }),
        Err(_) => Ok(crate::waivers::Date::today()),
    }
}

/// Whether an output path is `-`, which names standard output.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes through `write` to the file, atomically (a temporary file renamed into place, so a
/// reader never sees half a report), or to standard output (no file, or `-`).
fn emit_with(
    output: Option<&Path>,
    write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    match output.filter(|p| !is_stdout(p)) {
        // A device or a pipe (`--output /dev/null`, a named pipe) is written to as it is:
        // renaming a file over it would replace it.
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
            out.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
        Some(path) => {
            if path.is_dir() {
                anyhow::bail!(
                    "cannot write {}: it is a folder; give the path of a file in it",
                    path.display()
                );
            }
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            // A report's folder (`reports/mdr.sarif`) is made when missing, as `alerts` does
            // for its output folder.
            std::fs::create_dir_all(dir).with_context(|| {
                format!(
                    "cannot write {}: cannot make its folder {}; check the path and its permissions",
                    path.display(),
                    dir.display()
                )
            })?;
            // The temporary file is made as any new file would be (0666 less the umask), not
            // private to its owner: a report is published, by other users and CI steps too.
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            let tmp = builder.tempfile_in(dir).map_err(|e| {
                anyhow::anyhow!(
                    "cannot write {}: cannot make a file in {}: {}; check that the folder is writable",
                    path.display(),
                    dir.display(),
                    std::io::Error::from(e.kind())
                )
            })?;
            let mut buffered = std::io::BufWriter::new(tmp);
            write(&mut buffered).with_context(|| format!("cannot write {}", path.display()))?;
            let tmp = buffered
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tmp.persist(path)
                .map_err(|e| e.error)
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
            ListFormat::Json => {
                let list: Vec<_> = Rule::ALL
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "rule": r.name(),
                            "severity": catalog.base_severity(*r),
                            "scope": r.scope(),
                            "summary": catalog.rule_summary(*r),
                        })
                    })
                    .collect();
                format!("{}\n", serde_json::to_string_pretty(&list)?)
            }
            ListFormat::Table => {
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
                        catalog.rule_summary(*r).to_owned(),
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
            r.explain(&catalog)
        }
    };
    emit(None, &text)?;
    Ok(EXIT_OK)
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
