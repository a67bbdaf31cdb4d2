//! The command line as clap reads it. Each flag is defined once here; [`super::Settings`] turns
//! them into validated settings before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::suggestion;
pub use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "mdrplan",
    version,
    about = "Plan Managed Detection and Response coverage for a Microsoft estate",
    long_about = "Reads an inventory (Azure exports and a YAML overlay), classifies every asset by data \
sensitivity and business impact, maps each to the MDR modules and Defender plans that should watch it, \
and reports the gaps.\n\nExit codes: 0 success, 1 findings at or above --fail-on, 2 the command could not do its job."
)]
pub struct Cli {
    /// Built-in profile name or path to a profile file
    #[arg(
        short,
        long,
        global = true,
        default_value = "standard",
        value_name = "NAME|PATH"
    )]
    pub profile: String,

    /// Print errors only
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more about what is done (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Treat warnings about the inputs as errors (exit code 2)
    #[arg(long, global = true)]
    pub strict: bool,

    /// When to colour the output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classification, plan and gaps in one report
    Report(ReportArgs),
    /// Each asset's sensitivity, impact and tier, with the reason for each
    Classify(ReportArgs),
    /// Modules and Defender plans needed, per asset and per subscription
    Plan(ReportArgs),
    /// The findings alone
    Gaps(ReportArgs),
    /// Read and check the inputs; say what each file was taken to be
    Validate(ValidateArgs),
    /// The rule catalogue, or one rule in full
    Rules(RulesArgs),
    /// The built-in profiles, or one printed as YAML
    Profiles(ProfilesArgs),
    /// The asset graph (dot, mermaid, json), optionally around one application
    ///
    /// Nodes are the applications and assets, each with its name, type, class and tier; edges
    /// point the way importance flows and are labelled with their kind: component, depends-on,
    /// hosted-on, child-of, nodes-on, manages, served-by. Nodes are named n0, n1, ... in id
    /// order, applications first, so the same inputs always give the same output.
    ///
    /// With --focus APP only the application's blast radius is kept: what it is built on (its
    /// components and dependencies, and what those depend on, run on, belong to, manage or are
    /// served by), and what relies on any of that (other assets and applications that share
    /// it). Render DOT with Graphviz (`dot -Tsvg`); paste Mermaid into Markdown.
    Graph(GraphArgs),
    /// What changed between two JSON reports: findings, assets, classification, coverage
    Diff(DiffArgs),
    /// A script or template that switches on exactly the missing or too weak Defender plans
    Remediate(RemediateArgs),
    /// The JSON Schema of an input file format
    ///
    /// JSON Schema draft 2020-12, generated from the types that read the format. Point an
    /// editor at it to check an overlay while it is written.
    Schema(SchemaArgs),
    /// Shell completion script
    ///
    /// Examples:
    ///   bash:       mdrplan completions bash > ~/.local/share/bash-completion/completions/mdrplan
    ///   zsh:        mdrplan completions zsh > ~/.zfunc/_mdrplan   (with ~/.zfunc in $fpath)
    ///   fish:       mdrplan completions fish > ~/.config/fish/completions/mdrplan.fish
    ///   PowerShell: mdrplan completions powershell | Out-String | Invoke-Expression
    ///   elvish:     eval (mdrplan completions elvish | slurp)
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Sentinel analytics rules (Azure-Sentinel YAML) for the use cases an application's alerting
    /// misses, one file per rule
    Alerts(AlertsArgs),
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Input files or folders (.json, .yaml, .yml, .csv; folders are read recursively)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// The application to write rules for (its id in the overlay); every application when left out
    #[arg(long, value_name = "ID")]
    pub app: Option<String>,

    /// The folder to write the rules into (created when missing)
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

    /// Replace rule files that already exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    /// Input files or folders (.json, .yaml, .yml, .csv; folders are read recursively)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// What to write: an `az` script, a Bicep template, or Terraform
    #[arg(long, value_enum, default_value_t = RemediateFormat::Az)]
    pub format: RemediateFormat,

    /// Write the output to this file instead of standard output (atomically; a missing folder
    /// is made; `-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemediateFormat {
    Az,
    Bicep,
    Terraform,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Input files or folders (.json, .yaml, .yml, .csv; folders are read recursively)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format of the main output (standard output, or --output)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the main output to this file instead of standard output (atomically; a missing
    /// folder is made; `-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to PATH (as --output does); repeat for several formats from
    /// one analysis, e.g. --output-format sarif=reports/mdr.sarif --output-format
    /// junit=reports/mdr.xml
    #[arg(long = "output-format", value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<Output>,

    /// Exit with 1 when a finding at or above this severity is present
    #[arg(long, value_enum, default_value_t = FailOn::High, value_name = "LEVEL")]
    pub fail_on: FailOn,

    /// Accept known gaps listed in this waiver file: they stay in the report, marked, and do not
    /// count towards --fail-on
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,

    /// Count only findings that are not in this earlier JSON report towards --fail-on
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,

    /// Prices that replace the profile's, for the cost estimate (a YAML file holding a
    /// `prices:` section as a profile writes it)
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

/// One more output: a format and the file it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub path: PathBuf,
}

/// Reads `FORMAT=PATH`, with the closest format suggested for a mistyped one.
fn parse_output(text: &str) -> Result<Output, String> {
    let Some((name, path)) = text.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH, e.g. sarif=reports/mdr.sarif (formats: {})",
            Format::names().collect::<Vec<_>>().join(", ")
        ));
    };
    let Some(format) = Format::parse(name.trim()) else {
        return Err(format!(
            "unknown format `{name}`: {}",
            suggestion(&name.to_ascii_lowercase(), Format::names())
        ));
    };
    if path.trim().is_empty() {
        return Err(format!(
            "no file after `{name}=`: expected FORMAT=PATH, e.g. {name}=reports/mdr.{name}"
        ));
    }
    Ok(Output {
        format,
        path: PathBuf::from(path),
    })
}

/// The formats of lists (`rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (`report --format json`)
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,

    /// The later report
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,

    /// Write the output to this file instead of standard output (atomically; a missing folder
    /// is made; `-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a new finding at or above this severity is present
    #[arg(long, value_enum, default_value_t = FailOn::High, value_name = "LEVEL")]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Input files or folders
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// One rule in full: what it checks, why it matters, how to fix it, an example
    Explain {
        /// The rule's name, e.g. servers-p2-required
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    pub action: Option<ProfilesAction>,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// Print a profile as YAML: the effective profile, or with --raw the file as written
    Show {
        /// A built-in profile name or a profile file
        name: String,
        /// Print the file as written (with its comments), not the merged result
        #[arg(long)]
        raw: bool,
    },
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Input files or folders (.json, .yaml, .yml, .csv; folders are read recursively)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format: Graphviz DOT, a Mermaid flowchart, or JSON
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,

    /// Keep only this application's blast radius: what it is built on and what relies on that
    #[arg(long, value_name = "APP")]
    pub focus: Option<String>,

    /// Write the output to this file instead of standard output (atomically; a missing folder
    /// is made; `-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The input file format
    #[arg(value_enum)]
    pub format: SchemaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The overlay file (format version 1)
    Overlay,
    /// The waiver file of --waivers (format version 1)
    Waivers,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_are_read_with_their_path() {
        assert_eq!(
            parse_output("sarif=reports/mdr.sarif"),
            Ok(Output {
                format: Format::Sarif,
                path: PathBuf::from("reports/mdr.sarif")
            })
        );
        // Only the first `=` separates: a path may hold one.
        assert_eq!(
            parse_output("JUnit=a=b.xml").unwrap().path,
            PathBuf::from("a=b.xml")
        );
    }

    #[test]
    fn bad_output_formats_say_what_to_write() {
        let typo = parse_output("sarf=x.sarif").unwrap_err();
        assert!(typo.contains("did you mean `sarif`"), "{typo}");
        let bare = parse_output("sarif").unwrap_err();
        assert!(bare.contains("expected FORMAT=PATH"), "{bare}");
        let empty = parse_output("csv=").unwrap_err();
        assert!(empty.contains("no file after `csv=`"), "{empty}");
    }
}
