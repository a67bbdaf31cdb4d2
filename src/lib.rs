//! mdrplan plans Managed Detection and Response coverage: it reads an inventory (exports and an
//! overlay), classifies every asset by data sensitivity and business impact, maps each to the
//! modules and plans that should watch it, and reports the gaps.
//!
//! The pipeline runs one stage per module, each with a typed output:
//! [`load`] → [`inventory`] → [`graph`] → [`classify`] → [`map`] → [`evaluate`] → [`report`].
//! Facts about the vendor's products live in [`profile`] data, not in code.

pub mod alerts;
pub mod baseline;
pub mod classify;
pub mod cli;
pub mod cost;
pub mod diag;
pub mod diff;
pub mod domain;
pub mod evaluate;
pub mod graph;
pub mod inventory;
pub mod load;
pub mod map;
pub mod profile;
pub mod remediate;
pub mod report;
pub mod rules;
pub mod waivers;

use std::path::PathBuf;

use diag::{Diagnostic, InputErrors};
use profile::Catalog;

/// Every stage's output for one run. Names from the profile are borrowed, hence `'c`.
#[derive(Debug)]
pub struct Analysis<'c> {
    pub inventory: inventory::Inventory,
    pub classification: classify::Classification,
    pub mapping: map::Mapping<'c>,
    pub evaluation: evaluate::Evaluation<'c>,
    /// What each subscription's plans cost, today and as recommended.
    pub cost: cost::Estimate<'c>,
    /// Warnings from every stage, in a stable order.
    pub warnings: Vec<Diagnostic>,
}

/// Runs the whole pipeline over the inputs.
pub fn analyze<'c>(inputs: &[PathBuf], catalog: &'c Catalog) -> Result<Analysis<'c>, InputErrors> {
    analyze_with(inputs, catalog, load::Options::default())
}

/// [`analyze`], with options for reading the inputs.
pub fn analyze_with<'c>(
    inputs: &[PathBuf],
    catalog: &'c Catalog,
    options: load::Options,
) -> Result<Analysis<'c>, InputErrors> {
    let clock = std::time::Instant::now();
    let lap = |stage: &str| {
        log::debug!(
            "{stage} done after {:.1} ms{}",
            clock.elapsed().as_secs_f64() * 1e3,
            resident_memory()
        )
    };
    let loaded = load::load(inputs, catalog, options)?;
    lap("load");
    let inventory = loaded.inventory;
    // The assets' id order needs nothing but their ids: it is sorted on a second thread while
    // this one classifies and maps.
    let (classification, mapping, evaluation, cost) = std::thread::scope(|scope| {
        let order = scope.spawn(|| evaluate::id_order(&inventory));
        let graph = graph::AssetGraph::build(&inventory);
        lap("graph");
        let classification = classify::classify(&inventory, &graph, catalog);
        // The reports need the classification, not the graph's edges: free them now.
        drop(graph);
        lap("classify");
        let mapping = map::map(&inventory, &classification, catalog);
        lap("map");
        let order = order
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let evaluation =
            evaluate::evaluate_in_order(&inventory, &classification, &mapping, catalog, order);
        lap("evaluate");
        let cost = cost::estimate(&inventory, &mapping, &evaluation, catalog);
        lap("cost");
        (classification, mapping, evaluation, cost)
    });
    let mut warnings = loaded.warnings;
    warnings.extend(classification.warnings.iter().cloned());
    warnings.sort();
    warnings.dedup();
    Ok(Analysis {
        inventory,
        classification,
        mapping,
        evaluation,
        cost,
        warnings,
    })
}

/// ", 123 MiB resident" where the system says (Linux), for `-vv`.
fn resident_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(now), Some(peak)) => {
            format!(", {} MiB resident (peak {} MiB)", now / 1024, peak / 1024)
        }
        _ => String::new(),
    }
}

impl<'c> Analysis<'c> {
    pub fn report<'a>(&'a self, catalog: &'c Catalog) -> report::Report<'a, 'c> {
        report::Report::build(self, catalog)
    }
}
