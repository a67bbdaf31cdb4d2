//! Benchmark: a full `report --format json` of a synthetic tenant, timed in-process.
//!
//! `cargo bench --bench report -- [--assets N] [--applications M] [--runs R]` generates an
//! overlay with the `synth_overlay` example; `cargo bench --bench report -- --resources N`
//! generates a Resource Graph export, pricings and resource containers with the `synth`
//! example instead. Either way it then runs the whole pipeline R times, writing the JSON report
//! to a sink, and prints the wall time of each run and the process's peak resident memory.
//! Defaults: 10,000 assets, 1,000 applications, 5 runs.
//!
//! With `--resources N --compare-jq`, each run is followed by `jq '.data | group_by(.type)'` on
//! the same resource export (output thrown away), so that both see the same machine at the
//! same moment; the medians and best times of both, and their ratio, are printed at the end.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The jq filter the comparison times: it reads the whole export and groups its rows.
const JQ_FILTER: &str = ".data | group_by(.type)";

/// One run of jq on `file`, its wall time; None when jq is missing or fails.
fn time_jq(file: &std::path::Path) -> Option<f64> {
    let start = Instant::now();
    let status = Command::new("jq")
        .arg(JQ_FILTER)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| start.elapsed().as_secs_f64())
}

fn median_and_best(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0])
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A writer that counts what it is given and keeps nothing.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    let resources = arg("--resources", 0);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input: PathBuf = if resources > 0 {
        let out = dir.path().join("exports");
        let generated = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "--example", "synth", "--"])
            .args(["--resources", &resources.to_string(), "--out"])
            .arg(&out)
            .output()
            .expect("cargo runs the generator");
        assert!(
            generated.status.success(),
            "{}",
            String::from_utf8_lossy(&generated.stderr)
        );
        let size: u64 = std::fs::read_dir(&out)
            .expect("the exports")
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        println!(
            "synthetic exports: {resources} resources, {:.1} MiB",
            size as f64 / (1024.0 * 1024.0)
        );
        out
    } else {
        let path = dir.path().join("synthetic.yaml");
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
        std::fs::write(&path, &generated.stdout).expect("the overlay is written");
        let size = generated.stdout.len() as f64 / (1024.0 * 1024.0);
        println!("synthetic overlay: {assets} assets, {applications} applications, {size:.1} MiB");
        path
    };

    let jq_on = (resources > 0 && flag("--compare-jq")).then(|| input.join("resources.json"));
    let catalog = mdrplan::profile::load("standard").expect("the built-in profile loads");
    let (mut times, mut jq_times) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let start = Instant::now();
        let analysis =
            mdrplan::analyze(std::slice::from_ref(&input), &catalog).expect("the overlay is valid");
        let report = analysis.report(&catalog);
        let mut json = Counter(0);
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
            json.0 as f64 / (1024.0 * 1024.0)
        );
        if let Some(file) = &jq_on {
            match time_jq(file) {
                Some(t) => {
                    println!("      jq '{JQ_FILTER}': {t:.3} s");
                    jq_times.push(t);
                }
                None => println!("      jq '{JQ_FILTER}' did not run: is jq installed?"),
            }
        }
    }
    let (median, best) = median_and_best(&mut times);
    println!("median {median:.3} s, best {best:.3} s");
    if !jq_times.is_empty() {
        let (jq_median, jq_best) = median_and_best(&mut jq_times);
        println!(
            "jq '{JQ_FILTER}': median {jq_median:.3} s, best {jq_best:.3} s; mdrplan is {:.1} times faster (medians), {:.1} times (best times)",
            jq_median / median,
            jq_best / best
        );
    }
    if let Some(peak) = peak_rss_mib() {
        println!("peak resident memory: {peak:.0} MiB");
    }
}
