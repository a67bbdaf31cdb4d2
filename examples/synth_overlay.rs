//! Writes a synthetic tenant as an overlay (format version 1), for measuring mdrplan on large
//! inputs: the target is a full report of 10,000 assets and 1,000 applications with selectors
//! in under a second.
//!
//! ```sh
//! cargo run --release --example synth_overlay -- --assets 10000 --applications 1000 > big.yaml
//! time cargo run --release -- report --format json big.yaml > /dev/null
//! ```
//!
//! The mix resembles a real estate: mostly servers, then PaaS, across eight subscriptions and 50
//! resource groups; Cloud Adoption Framework tags on a share of the assets; `depends_on` chains
//! that only point at lower-numbered assets (so the graph has no cycles); a few dozen `classify`
//! rules with resource-group, tag and type globs; applications whose components are given both by
//! id and by a tag selector; alerts for some use cases, some routed elsewhere than Sentinel.
//! The same arguments and `--seed` always give the same bytes.

#[path = "common/rng.rs"]
mod rng;

use rng::Rng;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: synth_overlay --assets N --applications M [--seed N]

Writes a synthetic overlay with N assets and M applications to stdout.
  --assets N        number of assets (at least 1)
  --applications M  number of applications
  --seed N          seed for the generator (default 1); the same seed gives the same file";

/// The asset types drawn: the overlay alias, an id prefix, and a weight in the mix.
#[rustfmt::skip]
const KINDS: &[(&str, &str, u64)] = &[
    ("server", "vm", 40), ("arc-server", "arc", 5), ("app-service-plan", "asp", 4),
    ("web-app", "app", 8), ("function-app", "func", 4), ("azure-sql-server", "sql", 3),
    ("azure-sql-database", "sqldb", 6), ("storage-account", "st", 9), ("key-vault", "kv", 5),
    ("aks", "aks", 2), ("container-registry", "cr", 2), ("cosmos-db", "cosmos", 3),
    ("api-management", "apim", 1), ("postgresql", "pg", 2),
    ("Microsoft.Network/virtualNetworks", "vnet", 6),
];

#[rustfmt::skip]
const WORKLOADS: &[&str] =
    &["erp", "crm", "web", "data", "identity", "payments", "hr", "intranet", "shared", "analytics"];
const ENVS: &[&str] = &["prod", "test", "dev", "dr", "int"];
const SUBSCRIPTIONS: u64 = 8;
const SENSITIVITY: &[&str] = &["public", "internal", "confidential", "restricted"];
const IMPACT: &[&str] = &["low", "medium", "high", "critical"];
#[rustfmt::skip]
const DATA_CLASSIFICATION: &[&str] =
    &["Non-business", "Public", "General", "Confidential", "Highly confidential"];
#[rustfmt::skip]
const CRITICALITY: &[&str] =
    &["Low", "Medium", "High", "Business unit-critical", "Mission-critical"];
#[rustfmt::skip]
const USE_CASES: &[&str] = &[
    "account-takeover", "api-abuse", "traffic-spike", "api-exploitation", "tenant-isolation",
    "privilege-escalation", "data-exfiltration",
];
/// What every synthetic tenant shares: licences, the SIEM, and the plan baseline for all
/// subscriptions (some get an override below it).
const PRELUDE: &str = "licences: [SPE_E3, IDENTITY_THREAT_PROTECTION]
identity: { on_premises_ad: true }
sentinel: [law-synth-sentinel]
defender:
  - subscription: \"*\"
    plans: { VirtualMachines: P1, SqlServers: standard, SqlServerVirtualMachines: free,
             OpenSourceRelationalDatabases: standard, CosmosDbs: free, AppServices: standard,
             StorageAccounts: DefenderForStorageV2, KeyVaults: PerKeyVault, Containers: standard,
             Api: P1, Arm: PerSubscription, CloudPosture: standard }";
#[rustfmt::skip]
const OVERRIDES: &[&str] = &[
    "VirtualMachines: P2", "CosmosDbs: standard", "AppServices: free",
    "KeyVaults: PerTransaction", "KubernetesService: standard",
];

struct Args {
    assets: u64,
    applications: u64,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let (mut assets, mut applications, mut seed) = (None, None, 1);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if !["--assets", "--applications", "--seed"].contains(&flag.as_str()) {
            return Err(format!("unknown argument `{flag}`"));
        }
        let text = args
            .next()
            .ok_or_else(|| format!("{flag} needs a number"))?;
        let number = text
            .parse()
            .map_err(|_| format!("{flag}: `{text}` is not a whole number"))?;
        match flag.as_str() {
            "--assets" => assets = Some(number),
            "--applications" => applications = Some(number),
            _ => seed = number,
        }
    }
    let assets = assets
        .filter(|n| *n > 0)
        .ok_or("--assets N (at least 1) is required")?;
    let applications = applications.ok_or("--applications M is required")?;
    Ok(Args {
        assets,
        applications,
        seed,
    })
}

/// What is drawn before any line is written: each asset's type (an index into [`KINDS`]), the
/// subscription ids, and the number of applications.
struct Tenant {
    kinds: Vec<usize>,
    subscriptions: Vec<String>,
    applications: u64,
}

impl Tenant {
    fn new(rng: &mut Rng, args: &Args) -> Tenant {
        let subscriptions = (0..SUBSCRIPTIONS).map(|_| rng.guid()).collect();
        let kinds = (0..args.assets).map(|_| draw_kind(rng)).collect();
        Tenant {
            kinds,
            subscriptions,
            applications: args.applications,
        }
    }

    fn assets(&self) -> u64 {
        self.kinds.len() as u64
    }

    /// Ids carry their index, so `depends_on` can point at any earlier asset by number.
    fn id(&self, i: u64) -> String {
        format!("{}-{i:06}", KINDS[self.kinds[i as usize]].1)
    }
}

/// An index into [`KINDS`], drawn by weight.
fn draw_kind(rng: &mut Rng) -> usize {
    let mut roll = rng.below(KINDS.iter().map(|k| k.2).sum());
    for (index, kind) in KINDS.iter().enumerate() {
        if roll < kind.2 {
            return index;
        }
        roll -= kind.2;
    }
    0
}

fn write_organization(out: &mut impl Write, seed: u64, tenant: &Tenant) -> io::Result<()> {
    let (windows, macos) = (tenant.assets() / 2, tenant.assets() / 20);
    writeln!(
        out,
        "version: 1\norganization: Synthetic tenant (seed {seed})"
    )?;
    writeln!(
        out,
        "endpoints: {{ windows: {windows}, macos: {macos} }}\n{PRELUDE}"
    )?;
    for (n, subscription) in tenant.subscriptions.iter().enumerate().step_by(2) {
        let plan = OVERRIDES[n / 2 % OVERRIDES.len()];
        writeln!(
            out,
            "  - subscription: {subscription}\n    plans: {{ {plan} }}"
        )?;
    }
    Ok(())
}

fn write_assets(out: &mut impl Write, rng: &mut Rng, t: &Tenant) -> io::Result<()> {
    let (mut plans, mut sql_servers) = (Vec::new(), Vec::new());
    writeln!(out, "assets:")?;
    for i in 0..t.assets() {
        let (id, alias) = (t.id(i), KINDS[t.kinds[i as usize]].0);
        let group = rng.below((WORKLOADS.len() * ENVS.len()) as u64) as usize;
        let (workload, env) = (WORKLOADS[group / ENVS.len()], ENVS[group % ENVS.len()]);
        let subscription = &t.subscriptions[group % t.subscriptions.len()];
        writeln!(
            out,
            "  - id: {id}\n    type: {alias}\n    subscription: {subscription}"
        )?;
        writeln!(
            out,
            "    resource_group: rg-{workload}-{env}\n    location: westeurope"
        )?;

        match alias {
            "app-service-plan" => {
                let (name, tier) = [("P1v3", "PremiumV3"), ("S1", "Standard"), ("Y1", "Dynamic")]
                    [rng.below(3) as usize];
                writeln!(out, "    sku: {{ name: {name}, tier: {tier} }}")?;
                plans.push(i);
            }
            "web-app" | "function-app" if !plans.is_empty() => {
                writeln!(
                    out,
                    "    hosted_on: {}",
                    t.id(plans[rng.below(plans.len() as u64) as usize])
                )?;
            }
            "azure-sql-server" => sql_servers.push(i),
            "azure-sql-database" if !sql_servers.is_empty() => {
                writeln!(
                    out,
                    "    hosted_on: {}",
                    t.id(sql_servers[rng.below(sql_servers.len() as u64) as usize])
                )?;
            }
            "cosmos-db" => {
                let kind = if rng.chance(80) {
                    "GlobalDocumentDB"
                } else {
                    "MongoDB"
                };
                writeln!(out, "    kind: {kind}")?;
            }
            "api-management" => {
                let sku = rng.pick(&["Developer", "Standard", "Premium", "Consumption"]);
                writeln!(out, "    sku: {{ name: {sku} }}")?;
            }
            "server" if rng.chance(10) => writeln!(out, "    roles: [sql-server]")?,
            _ => {}
        }

        let mut tags = format!("env: {env}");
        if rng.chance(40) {
            let (data, criticality) = (rng.pick(DATA_CLASSIFICATION), rng.pick(CRITICALITY));
            tags += &format!(", DataClassification: {data}, Criticality: {criticality}");
        }
        // Every application gets tagged components (the first assets go round them once);
        // after that, a third of the assets belong to a random one.
        if t.applications > 0 && (i < t.applications || rng.chance(30)) {
            let app = if i < t.applications {
                i
            } else {
                rng.below(t.applications)
            };
            tags += &format!(", app: app{app}");
        }
        writeln!(out, "    tags: {{ {tags} }}")?;
        if rng.chance(5) {
            let (sensitivity, impact) = (rng.pick(SENSITIVITY), rng.pick(IMPACT));
            writeln!(out, "    sensitivity: {sensitivity}\n    impact: {impact}")?;
        }
        if i > 0 && rng.chance(30) {
            let mut targets: Vec<u64> = (0..1 + rng.below(3))
                .map(|_| i - 1 - rng.below(i.min(200)))
                .collect();
            targets.sort_unstable();
            targets.dedup();
            let ids: Vec<String> = targets.iter().map(|&j| t.id(j)).collect();
            writeln!(out, "    depends_on: [{}]", ids.join(", "))?;
        }
    }
    Ok(())
}

/// A few dozen rules, one of each kind of selector: resource-group, tag, type and subscription
/// globs, and a tag glob combined with a type glob.
fn write_classify(out: &mut impl Write, rng: &mut Rng, tenant: &Tenant) -> io::Result<()> {
    writeln!(out, "classify:")?;
    let mut rule = |selector: String, axis: &str, values: &[&str]| {
        let value = rng.pick(values);
        writeln!(out, "  - match: {{ {selector} }}\n    {axis}: {value}")
    };
    for workload in WORKLOADS {
        rule(
            format!("resource_group: \"rg-{workload}-*\""),
            "sensitivity",
            SENSITIVITY,
        )?;
    }
    for (env, impact) in [
        ("prod", "high"),
        ("dr", "high"),
        ("int", "medium"),
        ("test", "low"),
    ] {
        rule(format!("tag: {{ env: {env} }}"), "impact", &[impact])?;
    }
    for service in [
        "Sql",
        "KeyVault",
        "DocumentDB",
        "Web",
        "ContainerService",
        "Storage",
    ] {
        rule(
            format!("type: \"Microsoft.{service}/*\""),
            "sensitivity",
            SENSITIVITY,
        )?;
    }
    for subscription in &tenant.subscriptions {
        rule(
            format!("subscription: \"{}*\"", &subscription[..8]),
            "impact",
            IMPACT,
        )?;
    }
    for digit in 1..=9 {
        let selector = format!("tag: {{ app: \"app{digit}*\" }}, type: \"Microsoft.Web/*\"");
        rule(selector, "impact", IMPACT)?;
    }
    Ok(())
}

fn write_applications(out: &mut impl Write, rng: &mut Rng, t: &Tenant) -> io::Result<()> {
    if t.applications > 0 {
        writeln!(out, "applications:")?;
    }
    for k in 0..t.applications {
        let saas = rng.chance(30);
        let internet = saas || rng.chance(15);
        let delivery = if saas { "saas" } else { "internal" };
        let exposure = if internet { "internet" } else { "internal" };
        let tenancy = if saas && rng.chance(50) {
            "multi"
        } else {
            "single"
        };
        let (sensitivity, impact) = (rng.pick(SENSITIVITY), rng.pick(IMPACT));
        writeln!(
            out,
            "  - id: app{k}\n    name: Application {k}\n    delivery: {delivery}"
        )?;
        writeln!(out, "    exposure: {exposure}\n    tenancy: {tenancy}")?;
        writeln!(
            out,
            "    sensitivity: {sensitivity}\n    impact: {impact}\n    components:"
        )?;
        for _ in 0..1 + rng.below(4) {
            writeln!(out, "      - id: {}", t.id(rng.below(t.assets())))?;
        }
        writeln!(out, "      - match: {{ tag: {{ app: app{k} }} }}")?;
        if rng.chance(10) {
            let (group, web) = (rng.pick(WORKLOADS), "Microsoft.Web/*");
            writeln!(
                out,
                "      - match: {{ resource_group: rg-{group}-prod, type: \"{web}\" }}"
            )?;
        }

        // Internal applications need no custom alerts; a fifth of the exposed ones have none.
        if !internet || rng.chance(20) {
            continue;
        }
        let chosen: Vec<&str> = USE_CASES
            .iter()
            .copied()
            .filter(|_| rng.chance(60))
            .collect();
        if !chosen.is_empty() {
            writeln!(out, "    alerts:")?;
        }
        for use_case in chosen {
            let routed_to = match rng.below(20) {
                0..=15 => "sentinel",
                16..=18 => "other",
                _ => "none",
            };
            writeln!(
                out,
                "      - use_case: {use_case}\n        rule: \"app{k} - {use_case}\""
            )?;
            writeln!(out, "        routed_to: {routed_to}")?;
        }
    }
    Ok(())
}

fn write_overlay(out: &mut impl Write, args: &Args) -> io::Result<()> {
    let mut rng = Rng::new(args.seed);
    let tenant = Tenant::new(&mut rng, args);
    write_organization(out, args.seed, &tenant)?;
    write_assets(out, &mut rng, &tenant)?;
    write_classify(out, &mut rng, &tenant)?;
    write_applications(out, &mut rng, &tenant)
}

fn main() -> ExitCode {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("synth_overlay: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let mut out = BufWriter::new(io::stdout().lock());
    match write_overlay(&mut out, &args).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth_overlay: cannot write the overlay: {e}");
            ExitCode::from(2)
        }
    }
}
