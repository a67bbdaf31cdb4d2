//! `mdrplan graph`: the asset graph in DOT, Mermaid or JSON, whole or around one application.
//!
//! The pipeline drops its graph once assets are classified, so that `report` keeps its memory
//! low; this command builds it again from the inventory, which costs it alone.

use crate::diag::{Diagnostic, InputErrors, Location, suggestion};
use crate::graph::AssetGraph;
use crate::inventory::AppId;
use crate::report::graph::{GraphView, MERMAID_MAX_EDGES, READABLE_NODES};

use super::args::{GraphArgs, GraphFormat};
use super::{Cli, EXIT_OK, Settings, emit_with, load_profile, strict_check};

pub(super) fn run(cli: &Cli, settings: &Settings, a: &GraphArgs) -> anyhow::Result<u8> {
    let catalog = load_profile(&cli.profile)?;
    let options = crate::load::Options {
        progress: settings.progress,
    };
    let analysis = crate::analyze_with(&a.inputs, &catalog, options)?;
    strict_check(cli, &analysis.warnings)?;
    for w in &analysis.warnings {
        log::warn!("{w}");
    }
    let focus = match &a.focus {
        Some(id) => Some(application(&analysis.inventory, id)?),
        None => None,
    };

    let graph = AssetGraph::build(&analysis.inventory);
    let view = GraphView::build(&analysis, &graph, &catalog, focus);
    drop(graph);
    warn_if_unreadable(&view, a.format);

    emit_with(a.output.as_deref(), &|w| match a.format {
        GraphFormat::Dot => view.write_dot(w),
        GraphFormat::Mermaid => view.write_mermaid(w),
        GraphFormat::Json => view.write_json(w),
    })?;
    Ok(EXIT_OK)
}

/// The application `--focus` names, or an error suggesting the closest id.
fn application(inv: &crate::inventory::Inventory, id: &str) -> Result<AppId, InputErrors> {
    if let Some(i) = inv.applications.iter().position(|app| app.id == id) {
        return Ok(i);
    }
    let help = if inv.applications.is_empty() {
        "the inputs declare no applications: they are listed under `applications:` in an overlay"
            .to_owned()
    } else {
        let mut ids: Vec<&str> = inv.applications.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        format!(
            "{} (--focus takes an application's id)",
            suggestion(id, ids)
        )
    };
    Err(InputErrors::one(
        Diagnostic::error(
            Location::file("<command line>"),
            format!("--focus: no application `{id}` in the inputs"),
        )
        .with_help(help),
    ))
}

/// A drawing of thousands of nodes helps nobody: say so, and what to do, on standard error.
fn warn_if_unreadable(view: &GraphView<'_>, format: GraphFormat) {
    let nodes = view.nodes.len();
    if nodes > READABLE_NODES {
        match view.focus {
            None => log::warn!(
                "the graph has {nodes} nodes, too many to read as a drawing: \
                 --focus APP narrows it to one application's blast radius"
            ),
            Some(app) => log::warn!(
                "the blast radius of `{app}` has {nodes} nodes, too many to read as a drawing: \
                 the JSON format suits tools better"
            ),
        }
    }
    if format == GraphFormat::Mermaid && view.edges.len() > MERMAID_MAX_EDGES {
        log::warn!(
            "the graph has {} edges: Mermaid renders at most {MERMAID_MAX_EDGES} unless its \
             `maxEdges` setting is raised; --focus APP or --format dot may serve better",
            view.edges.len()
        );
    }
}
