//! Commands for the tools around mdrplan: JSON Schemas of the input formats (for editors and
//! linters that check an overlay as it is typed) and completion scripts for shells.

use clap::CommandFactory;

use super::args::{CompletionsArgs, SchemaArgs, SchemaKind};
use super::{Cli, EXIT_OK, emit};

/// `mdrplan schema FORMAT`: the format's JSON Schema (draft 2020-12), generated from the
/// types that read it, so the two cannot disagree.
pub(super) fn schema(a: &SchemaArgs) -> anyhow::Result<u8> {
    let schema = match a.format {
        SchemaKind::Overlay => schemars::schema_for!(crate::load::overlay::Overlay),
        SchemaKind::Waivers => schemars::schema_for!(crate::waivers::WaiverFile),
    };
    let text = serde_json::to_string_pretty(&schema)?;
    emit(None, &format!("{text}\n"))?;
    Ok(EXIT_OK)
}

/// `mdrplan completions SHELL`: the shell's completion script, from the same argument
/// definitions the parser uses.
pub(super) fn completions(a: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut command, "mdrplan", &mut script);
    super::emit_with(None, &|w| w.write_all(&script))?;
    Ok(EXIT_OK)
}
