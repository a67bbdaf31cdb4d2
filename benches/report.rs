//! Benchmark: a full `report --format json` of a synthetic tenant, timed in-process.
//!
//! `cargo bench --bench report -- [--assets N] [--applications M] [--runs R]` generates an
//! overlay with the `synth_overlay` example, then runs the whole pipeline R times and prints the
//! wall time of each run and the process's peak resident memory. Defaults: 10,000 assets,
//! 1,000 applications, 5 runs.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process, from the kernel, where it says.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let (assets, applications, runs) = (
        arg("--assets", 10_000),
        arg("--applications", 1_000),
        arg("--runs", 5),
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let overlay: PathBuf = dir.path().join("synthetic.yaml");

    let generated = Command::new(env!("CARGO"))
        .args([
            "run",
            "--release",
            "--quiet",
            "--example",
            "synth_overlay",
            "--",
        ])
        .args([
            "--assets",
            &assets.to_string(),
            "--applications",
            &applications.to_string(),
        ])
        .output()
        .expect("cargo runs the generator");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    std::fs::write(&overlay, &generated.stdout).expect("the overlay is written");
    let size = generated.stdout.len() as f64 / (1024.0 * 1024.0);
    println!("synthetic overlay: {assets} assets, {applications} applications, {size:.1} MiB");

    let catalog = mdrplan::profile::load("standard").expect("the built-in profile loads");
    let mut times = Vec::new();
    for run in 1..=runs {
        let start = Instant::now();
        let analysis = mdrplan::analyze(std::slice::from_ref(&overlay), &catalog)
            .expect("the overlay is valid");
        let report = analysis.report(&catalog);
        let mut json = Vec::new();
        report
            .write_json(&mut json, &[])
            .expect("the report serialises");
        let elapsed = start.elapsed().as_secs_f64();
        times.push(elapsed);
        println!(
            "run {run}: {:.3} s ({} assets, {} findings, {:.1} MiB of JSON)",
            elapsed,
            report.summary.assets,
            report.finding_count(),
            json.len() as f64 / (1024.0 * 1024.0)
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median {:.3} s, best {:.3} s",
        times[times.len() / 2],
        times[0]
    );
    if let Some(peak) = peak_rss_mib() {
        println!("peak resident memory: {peak:.0} MiB");
    }
}
