//! Writes a synthetic Azure tenant as the exports mdrplan reads, for measuring it on large
//! inputs: `resources.json` (one Resource Graph page as `az graph query -o json` writes it with
//! extension 2.x), `pricings.json` (`az security pricing list`, current CLI) and
//! `resourcecontainers.json` (the subscriptions and resource groups).
//!
//! ```sh
//! cargo run --release --example synth -- --resources 1000000 --out /tmp/synth-1m
//! time cargo run --release -- report /tmp/synth-1m --format json > /dev/null
//! ```
//!
//! The mix follows a real estate: disks, network interfaces and VMs first, then PaaS, and about
//! 3% of types no profile knows. Relations hold as in a real export, so the graph stages get
//! work: web apps name a plan in their group, SQL databases sit under a server, disks are
//! managed by VMs, AKS clusters own a `MC_` group holding their node scale sets, private
//! endpoints name a storage account or SQL server, and every subscription has a Sentinel
//! workspace. Rows are written as they are made, one per line (a million are about 610 MB);
//! the same arguments give the same bytes. Exit code 0 when done, 1 when a file cannot be
//! written, 2 for bad arguments.

#[path = "common/rng.rs"]
mod rng;

use rng::Rng;
use std::fmt::{self, Display};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: synth --resources N [--seed S] [--out DIR] [--subscriptions K]

Writes a synthetic tenant's Azure exports into DIR: resources.json (N rows), pricings.json
and resourcecontainers.json.
  --resources N      number of resource rows (at least 1)
  --seed S           seed for the generator (default 1); the same seed gives the same files
  --out DIR          output folder, created if missing (default synth-out)
  --subscriptions K  number of subscriptions (default 10)";

#[derive(Clone, Copy, PartialEq)]
#[rustfmt::skip]
enum Kind {
    Disk, Nic, Vm, Pip, Nsg, Vnet, Storage, Site, Farm, SqlServer, SqlDb, Vault, Aks, Vmss,
    Cosmos, Apim, Postgres, Workspace, Endpoint, Unknown,
}

/// A variant of a resource: its weight among the variants, `kind`, `sku` (JSON, empty for
/// null) and its properties after `provisioningState`. In the templates `$` stands for the
/// name, `@` for a fresh GUID and `#` for a number from 0 to 255.
type Variant = (u64, &'static str, &'static str, &'static str);

const DISK: &str = r#","diskSizeGB":128"#;
const PREMIUM: &str = r#"{"name":"Premium_LRS","tier":"Premium"}"#;
const STANDARD: &str = r#"{"name":"Standard_LRS","tier":"Standard"}"#;
const SSD: &str = r#"{"name":"StandardSSD_LRS","tier":"Standard"}"#;
const WINDOWS: &str = concat!(
    r#","hardwareProfile":{"vmSize":"Standard_D4s_v5"},"#,
    r#""storageProfile":{"osDisk":{"osType":"Windows"}}"#
);
const LINUX: &str = concat!(
    r#","hardwareProfile":{"vmSize":"Standard_D2s_v3"},"#,
    r#""storageProfile":{"osDisk":{"osType":"Linux"}}"#
);
const IP: &str = r#","publicIPAllocationMethod":"Static","ipAddress":"20.#.#.#""#;
const TLS: &str = r#","minimumTlsVersion":"TLS1_2""#;
const WEB: &str = r#","state":"Running","defaultHostName":"$.azurewebsites.net","httpsOnly":true"#;
const ASP: &str = r#"{"name":"P1v3","tier":"PremiumV3","size":"P1v3","family":"Pv3","capacity":2}"#;
const Y1: &str = r#"{"name":"Y1","tier":"Dynamic","size":"Y1","family":"Y","capacity":0}"#;
const SQL: &str = concat!(
    r#","version":"12.0","publicNetworkAccess":"Disabled","#,
    r#""fullyQualifiedDomainName":"$.database.windows.net""#
);
const GP: &str = r#"{"name":"GP_Gen5","tier":"GeneralPurpose","family":"Gen5","capacity":2}"#;
const VAULT: &str = concat!(
    r#","enableSoftDelete":true,"enableRbacAuthorization":true,"#,
    r#""vaultUri":"https://$.vault.azure.net/""#
);
const SCALE_SET: &str = r#","orchestrationMode":"Uniform","uniqueId":"@""#;
const COSMOS: &str = r#","databaseAccountOfferType":"Standard","capabilities":[]"#;
const CASSANDRA: &str = concat!(
    r#","databaseAccountOfferType":"Standard","#,
    r#""capabilities":[{"name":"EnableCassandra"}]"#
);
const MONGO: &str =
    r#","databaseAccountOfferType":"Standard","capabilities":[{"name":"EnableMongo"}]"#;
const GATEWAY: &str = r#","gatewayUrl":"https://$.azure-api.net""#;
const PG: &str =
    r#","state":"Ready","version":"16","fullyQualifiedDomainName":"$.postgres.database.azure.com""#;
const LAW: &str = r#","customerId":"@","sku":{"name":"PerGB2018"},"retentionInDays":90"#;
const NODES: &str = r#"{"name":"Standard_D4ds_v5","tier":"Standard","capacity":3}"#;

/// Each kind: its share of rows in per mille, its type, a name prefix and its variants. The
/// shares are approximate: a web app or database drawn into a group without a plan or server
/// becomes that plan or server, and a cluster brings its node scale sets.
#[rustfmt::skip]
const SPECS: &[(Kind, u64, &str, &str, &[Variant])] = &[
    (Kind::Disk, 250, "Microsoft.Compute/disks", "disk",
        &[(3, "", PREMIUM, DISK), (2, "", SSD, DISK)]),
    (Kind::Nic, 200, "Microsoft.Network/networkInterfaces", "nic",
        &[(1, "", "", r#","enableAcceleratedNetworking":true"#)]),
    (Kind::Vm, 120, "Microsoft.Compute/virtualMachines", "vm",
        &[(3, "", "", WINDOWS), (2, "", "", LINUX)]),
    (Kind::Pip, 50, "Microsoft.Network/publicIPAddresses", "pip",
        &[(1, "", r#"{"name":"Standard","tier":"Regional"}"#, IP)]),
    (Kind::Nsg, 50, "Microsoft.Network/networkSecurityGroups", "nsg", &[(1, "", "", "")]),
    (Kind::Vnet, 30, "Microsoft.Network/virtualNetworks", "vnet",
        &[(1, "", "", r#","addressSpace":{"addressPrefixes":["10.#.0.0/16"]}"#)]),
    (Kind::Storage, 80, "Microsoft.Storage/storageAccounts", "st",
        &[(6, "StorageV2", STANDARD, TLS), (1, "BlockBlobStorage", PREMIUM, TLS)]),
    (Kind::Site, 40, "Microsoft.Web/sites", "app",
        &[(3, "app", "", WEB), (1, "functionapp", "", WEB)]),
    (Kind::Farm, 18, "Microsoft.Web/serverfarms", "asp",
        &[(6, "app", ASP, r#","numberOfSites":2"#), (1, "functionapp", Y1, "")]),
    (Kind::SqlServer, 18, "Microsoft.Sql/servers", "sql", &[(1, "v12.0", "", SQL)]),
    (Kind::SqlDb, 30, "Microsoft.Sql/servers/databases", "sqldb",
        &[(1, "v12.0,user,vcore", GP, r#","status":"Online""#)]),
    (Kind::Vault, 20, "Microsoft.KeyVault/vaults", "kv", &[(1, "", "", VAULT)]),
    (Kind::Aks, 3, "Microsoft.ContainerService/managedClusters", "aks", &[
        (1, "", r#"{"name":"Base","tier":"Free"}"#, r#","kubernetesVersion":"1.29.7""#),
        (1, "", r#"{"name":"Base","tier":"Standard"}"#, r#","kubernetesVersion":"1.30.3""#)]),
    (Kind::Vmss, 5, "Microsoft.Compute/virtualMachineScaleSets", "vmss",
        &[(1, "", r#"{"name":"Standard_D2s_v5","tier":"Standard","capacity":3}"#, SCALE_SET)]),
    (Kind::Cosmos, 10, "Microsoft.DocumentDB/databaseAccounts", "cosmos", &[
        (6, "GlobalDocumentDB", "", COSMOS), (1, "GlobalDocumentDB", "", CASSANDRA),
        (1, "MongoDB", "", MONGO)]),
    (Kind::Apim, 2, "Microsoft.ApiManagement/service", "apim", &[
        (3, "", r#"{"name":"Developer","capacity":1}"#, GATEWAY),
        (1, "", r#"{"name":"Consumption","capacity":0}"#, GATEWAY)]),
    (Kind::Postgres, 10, "Microsoft.DBforPostgreSQL/flexibleServers", "psql", &[
        (2, "", r#"{"name":"Standard_D2ds_v4","tier":"GeneralPurpose"}"#, PG),
        (1, "", r#"{"name":"Standard_B1ms","tier":"Burstable"}"#, PG)]),
    (Kind::Workspace, 3, "Microsoft.OperationalInsights/workspaces", "law", &[(1, "", "", LAW)]),
    (Kind::Endpoint, 10, "Microsoft.Network/privateEndpoints", "pe", &[(1, "", "", "")]),
    (Kind::Unknown, 30, "", "x", &[(1, "", "", "")]),
];
/// Types the standard profile does not know, so `unknown-resource-type` has work.
#[rustfmt::skip]
const UNKNOWN: &[&str] = &[
    "Microsoft.Contoso/widgets", "Microsoft.Fabrikam/gadgets", "Microsoft.Databricks/workspaces",
    "Microsoft.EventHub/namespaces", "Microsoft.ServiceBus/namespaces", "Microsoft.Logic/workflows",
];
#[rustfmt::skip]
const APPS: &[&str] =
    &["erp", "crm", "web", "data", "identity", "payments", "hr", "intranet", "shared", "billing"];
const ENVS: &[&str] = &["prod", "prod", "test", "dev", "dr"];
#[rustfmt::skip]
const LOCATIONS: &[&str] =
    &["westeurope", "northeurope", "eastus", "eastus2", "uksouth", "swedencentral"];
#[rustfmt::skip]
const OWNERS: &[&str] = &["platform-team", "j.smith", "a.kumar", "m.garcia", "data-office"];
const CLASSIFICATION: &[&str] = &["Public", "General", "Confidential", "Highly confidential"];
const CRITICALITY: &[&str] = &["Low", "Medium", "High", "Mission-critical"];
const MDE: &str = concat!(
    r#"[{"isEnabled":"True","name":"MdeDesignatedSubscription"},"#,
    r#"{"isEnabled":"True","name":"AgentlessVmScanning"}]"#
);
const MALWARE: &str = concat!(
    r#"[{"isEnabled":"True","name":"OnUploadMalwareScanning","additionalExtensionProperties":"#,
    r#"{"CapGBPerMonthPerStorageAccount":"5000"}}]"#
);
const REGISTRIES: &str =
    r#"[{"isEnabled":"True","name":"ContainerRegistriesVulnerabilityAssessments"}]"#;
const DISCOVERY: &str = r#"[{"isEnabled":"True","name":"AgentlessDiscoveryForKubernetes"}]"#;
/// Defender plans: name, sub-plan when on (`P2` stands for P1 or P2), extensions when on.
#[rustfmt::skip]
const PLANS: &[(&str, &str, &str)] = &[
    ("VirtualMachines", "P2", MDE), ("SqlServers", "", "null"),
    ("SqlServerVirtualMachines", "", "null"), ("OpenSourceRelationalDatabases", "", "null"),
    ("CosmosDbs", "", "null"), ("AppServices", "", "null"),
    ("StorageAccounts", "DefenderForStorageV2", MALWARE), ("KeyVaults", "PerKeyVault", "null"),
    ("Arm", "PerSubscription", "null"), ("Containers", "", REGISTRIES),
    ("KubernetesService", "", "null"), ("Api", "P1", "null"), ("AI", "", "null"),
    ("CloudPosture", "", DISCOVERY),
];

struct Args {
    resources: u64,
    seed: u64,
    out: PathBuf,
    subscriptions: u64,
}

/// `Ok(None)` asks for the usage text.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut resources, mut seed, mut out, mut subscriptions) = (0, 1, "synth-out".into(), 10);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if !["--resources", "--seed", "--out", "--subscriptions"].contains(&flag.as_str()) {
            return Err(format!("unknown argument `{flag}`"));
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = value
            .parse()
            .map_err(|_| format!("{flag}: `{value}` is not a number"));
        match flag.as_str() {
            "--resources" => resources = number?,
            "--seed" => seed = number?,
            "--subscriptions" => subscriptions = number?,
            _ => out = PathBuf::from(value),
        }
    }
    if resources == 0 {
        return Err("--resources N (at least 1) is required".into());
    }
    if subscriptions == 0 {
        return Err("--subscriptions must be at least 1".into());
    }
    Ok(Some(Args {
        resources,
        seed,
        out,
        subscriptions,
    }))
}

/// A JSON string literal. Generated text is plain ASCII and takes the fast path; the escapes
/// keep the syntax whole should a table ever gain a quote or a backslash.
struct Q<'a>(&'a str);

impl Display for Q<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            return write!(f, "\"{}\"", self.0);
        }
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                c if c < ' ' => write!(f, "\\u{:04x}", c as u32)?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

fn or_null(json: &str) -> &str {
    if json.is_empty() { "null" } else { json }
}

/// The properties object of a resource that deployed, with more members after the first.
fn provisioned(members: &str) -> String {
    format!(r#"{{"provisioningState":"Succeeded"{members}}}"#)
}

/// One row of a Resource Graph export (`resources` or `resourcecontainers`). `tags`,
/// `properties`, `sku` and `plan` hold JSON, the last two `null` when empty.
#[derive(Default)]
struct Row {
    id: String,
    name: String,
    /// As ARM spells it; written lower-cased, as Resource Graph returns it (so is `group`).
    ty: &'static str,
    kind: &'static str,
    location: &'static str,
    group: String,
    sub: String,
    tags: String,
    sku: String,
    managed_by: String,
    plan: String,
    properties: String,
}

impl Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            concat!(
                r#"{{"id":{},"name":{},"type":{},"kind":{},"location":{},"resourceGroup":{},"#,
                r#""subscriptionId":{},"tags":{},"sku":{},"managedBy":{},"plan":{},"#,
                r#""properties":{}}}"#
            ),
            Q(&self.id),
            Q(&self.name),
            Q(&self.ty.to_ascii_lowercase()),
            Q(self.kind),
            Q(self.location),
            Q(&self.group.to_ascii_lowercase()),
            Q(&self.sub),
            self.tags,
            or_null(&self.sku),
            Q(&self.managed_by),
            or_null(&self.plan),
            self.properties,
        )
    }
}

/// The resource group being filled, with what later resources in it may point at.
#[derive(Default)]
struct Group {
    sub: usize,
    name: String,
    location: &'static str,
    app: &'static str,
    env: &'static str,
    vms: Vec<String>,
    /// App Service plans, and whether each is Consumption (Y1), which hosts functions only.
    farms: Vec<(String, bool)>,
    servers: Vec<String>,
}

struct Tenant {
    rng: Rng,
    out: BufWriter<File>,
    rows: u64,
    limit: u64,
    subs: Vec<String>,
    /// `resourcecontainers` rows: thousands, not millions, so they wait in memory.
    containers: Vec<Row>,
    group: Group,
    /// Recent private-link targets (id, group id): endpoints may point across groups.
    targets: Vec<(String, &'static str)>,
    serial: u64,
}

impl Tenant {
    fn resources(&mut self) -> io::Result<()> {
        write!(self.out, "{{\"count\": {}, \"data\": [", self.limit)?;
        let mut group_no = 0;
        while self.rows < self.limit {
            let (app, env) = (self.rng.pick(APPS), self.rng.pick(ENVS));
            let mut name = format!("rg-{app}-{env}-{group_no:03}");
            if self.rng.below(4) == 0 {
                name.make_ascii_uppercase();
            }
            // Round robin, so that every subscription gets a group (and Sentinel) early.
            let (sub, location) = (group_no % self.subs.len(), self.rng.pick(LOCATIONS));
            self.group = Group {
                sub,
                name,
                location,
                app,
                env,
                ..Group::default()
            };
            let tags = self.tags(30, 40);
            self.container(tags, String::new());

            let end = (self.rows + 50 + self.rng.below(151)).min(self.limit);
            if group_no < self.subs.len() && self.limit - self.rows >= 2 {
                self.sentinel()?;
            }
            while self.rows < end {
                let kind = self.rng.weighted(SPECS, |s| s.1).0;
                self.resource(kind)?;
            }
            group_no += 1;
        }
        let total = self.limit;
        writeln!(
            self.out,
            "\n], \"skip_token\": null, \"total_records\": {total}}}"
        )?;
        self.out.flush()
    }

    /// Records the current group for `resourcecontainers.json`.
    fn container(&mut self, tags: String, managed_by: String) {
        let (g, sub) = (&self.group, &self.subs[self.group.sub]);
        self.containers.push(Row {
            id: format!("/subscriptions/{sub}/resourceGroups/{}", g.name),
            name: g.name.clone(),
            ty: "Microsoft.Resources/subscriptions/resourceGroups",
            location: g.location,
            group: g.name.clone(),
            sub: sub.clone(),
            tags,
            managed_by,
            properties: provisioned(""),
            ..Row::default()
        });
    }

    /// Tags for a resource or group: `caf` percent carry the Cloud Adoption Framework's
    /// classification tags, `team` percent the team's own, the rest none.
    fn tags(&mut self, caf: u64, team: u64) -> String {
        let draw = self.rng.below(100);
        let (class, critical) = (self.rng.pick(CLASSIFICATION), self.rng.pick(CRITICALITY));
        let (owner, g) = (self.rng.pick(OWNERS), &self.group);
        if draw < caf {
            let caf = format!(r#""DataClassification":"{class}","Criticality":"{critical}""#);
            format!(r#"{{{caf},"env":"{}"}}"#, g.env)
        } else if draw < caf + team {
            let owner = format!(r#""owner":"{owner}@contoso.com""#);
            format!(r#"{{"env":"{}","app":"{}",{owner}}}"#, g.env, g.app)
        } else {
            "{}".into()
        }
    }

    /// The subscription's Sentinel workspace and the solution that says Sentinel runs on it.
    fn sentinel(&mut self) -> io::Result<()> {
        let law = format!("law-sentinel-{:02}", self.group.sub + 1);
        let properties = provisioned(&self.render(LAW, &law));
        let workspace = self.put(Row {
            ty: "Microsoft.OperationalInsights/workspaces",
            name: law.clone(),
            properties,
            ..Row::default()
        })?;

        let name = format!("SecurityInsights({law})");
        let plan = format!(
            concat!(
                r#"{{"name":"{}","product":"OMSGallery/SecurityInsights","#,
                r#""publisher":"Microsoft","promotionCode":""}}"#
            ),
            name
        );
        let members = format!(r#","workspaceResourceId":"{workspace}","containedResources":[]"#);
        self.put(Row {
            ty: "Microsoft.OperationsManagement/solutions",
            name,
            plan,
            properties: provisioned(&members),
            ..Row::default()
        })?;
        Ok(())
    }

    /// Fills a template: `$` the name, `@` a fresh GUID, `#` a number below 256.
    fn render(&mut self, template: &str, name: &str) -> String {
        let mut text = String::with_capacity(template.len() + 64);
        for c in template.chars() {
            match c {
                '$' => text.push_str(name),
                '@' => text.push_str(&self.rng.guid()),
                '#' => text.push_str(&self.rng.below(256).to_string()),
                c => text.push(c),
            }
        }
        text
    }

    /// Writes a resource of this kind, or a stand-in when what it needs is missing: a plan
    /// before any web app of a group, a server before any database, room for node pools.
    fn resource(&mut self, kind: Kind) -> io::Result<()> {
        let g = &self.group;
        let kind = match kind {
            Kind::Site if g.farms.is_empty() => Kind::Farm,
            Kind::SqlDb if g.servers.is_empty() => Kind::SqlServer,
            Kind::Endpoint if self.targets.is_empty() => Kind::Storage,
            Kind::Aks if self.limit - self.rows < 4 => Kind::Vmss,
            kind => kind,
        };
        let &(_, _, ty, prefix, variants) = SPECS.iter().find(|s| s.0 == kind).expect("a spec");
        let &(_, sort, sku, template) = self.rng.weighted(variants, |v| v.0);
        self.serial += 1;
        let mut name = format!("{prefix}-{}-{}-{:05}", g.app, g.env, self.serial);
        let (mut row, mut extra) = (Row::default(), String::new());
        (row.ty, row.kind, row.sku) = (ty, sort, sku.into());

        // What ties this resource to others, and the names Azure gives some kinds.
        match kind {
            Kind::Disk if !g.vms.is_empty() && self.rng.below(100) < 85 => {
                row.managed_by = g.vms[self.rng.index(g.vms.len())].clone();
                let (a, b) = (self.rng.next(), self.rng.next());
                name = format!("{}_OsDisk_1_{a:016x}{b:016x}", last(&row.managed_by));
                extra = r#","diskState":"Attached""#.into();
            }
            Kind::Disk => extra = r#","diskState":"Unattached""#.into(),
            Kind::Storage => name.retain(|c| c != '-'),
            Kind::Site => {
                let (farm, dynamic) = &g.farms[self.rng.index(g.farms.len())];
                row.kind = if *dynamic { "functionapp" } else { sort };
                extra = format!(r#","serverFarmId":"{farm}""#);
            }
            Kind::SqlDb => {
                let server = &g.servers[self.rng.index(g.servers.len())];
                row.id = format!("{server}/databases/{name}");
            }
            Kind::Endpoint => {
                let (target, group_id) = &self.targets[self.rng.index(self.targets.len())];
                let link =
                    format!(r#""privateLinkServiceId":"{target}","groupIds":["{group_id}"]"#);
                let connection = format!(r#"{{"name":"{name}","properties":{{{link}}}}}"#);
                extra = format!(r#","privateLinkServiceConnections":[{connection}]"#);
            }
            Kind::Aks => {
                let nodes = format!("MC_{}_{name}_{}", g.name, g.location);
                extra = format!(r#","nodeResourceGroup":"{nodes}""#);
            }
            Kind::Unknown => row.ty = self.rng.pick(UNKNOWN),
            _ => {}
        }
        row.properties = provisioned(&(self.render(template, &name) + &extra));
        row.name = name;
        let id = self.put(row)?;

        match kind {
            Kind::Vm => self.group.vms.push(id),
            Kind::Farm => self.group.farms.push((id, sku == Y1)),
            Kind::SqlServer => {
                self.group.servers.push(id.clone());
                self.target(id, "sqlServer");
            }
            Kind::Storage => self.target(id, "blob"),
            Kind::Aks => self.node_pools(&id)?,
            _ => {}
        }
        Ok(())
    }

    /// A cluster's node scale sets, in the `MC_` group AKS manages for it.
    fn node_pools(&mut self, cluster_id: &str) -> io::Result<()> {
        let cluster = last(cluster_id);
        let owner = std::mem::take(&mut self.group);
        self.group = Group {
            sub: owner.sub,
            name: format!("MC_{}_{cluster}_{}", owner.name, owner.location),
            location: owner.location,
            app: owner.app,
            env: owner.env,
            ..Group::default()
        };
        let rg = owner.name.to_ascii_lowercase();
        let tags =
            format!(r#""aks-managed-cluster-name":"{cluster}","aks-managed-cluster-rg":"{rg}""#);
        self.container(format!("{{{tags}}}"), cluster_id.to_string());

        let pools = 1 + self.rng.index(3);
        for pool in &["system", "nodepool1", "user1"][..pools] {
            let name = format!("aks-{pool}-{:08}-vmss", self.rng.below(100_000_000));
            let tags = format!(
                r#""aks-managed-poolName":"{pool}","aks-managed-orchestrator":"Kubernetes""#
            );
            let properties = provisioned(&self.render(SCALE_SET, &name));
            self.put(Row {
                ty: "Microsoft.Compute/virtualMachineScaleSets",
                name,
                tags: format!("{{{tags}}}"),
                sku: NODES.into(),
                properties,
                ..Row::default()
            })?;
        }
        self.group = owner;
        Ok(())
    }

    fn target(&mut self, id: String, group_id: &'static str) {
        if self.targets.len() == 64 {
            self.targets.remove(0);
        }
        self.targets.push((id, group_id));
    }

    /// Places the row in the current group, writes it and returns its id.
    fn put(&mut self, mut row: Row) -> io::Result<String> {
        if row.tags.is_empty() {
            row.tags = self.tags(25, 35);
        }
        let g = &self.group;
        row.sub.clone_from(&self.subs[g.sub]);
        if row.id.is_empty() {
            let group = format!("/subscriptions/{}/resourceGroups/{}", row.sub, g.name);
            row.id = format!("{group}/providers/{}/{}", row.ty, row.name);
        }
        (row.location, row.group) = (g.location, g.name.clone());
        let separator = if self.rows == 0 { "\n" } else { ",\n" };
        write!(self.out, "{separator}{row}")?;
        self.rows += 1;
        Ok(row.id)
    }
}

/// The last segment of a resource id: the resource's name.
fn last(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// One item per plan and subscription: most plans on, a few off in each subscription.
fn pricings(subs: &[String], rng: &mut Rng) -> Vec<String> {
    let mut items = Vec::new();
    for sub in subs {
        for &(plan, sub_plan, extensions) in PLANS {
            let deprecated = plan == "KubernetesService";
            let on = !deprecated && rng.below(100) < 80;
            let sub_plan = match sub_plan {
                name if !on || name.is_empty() => "null".into(),
                "P2" if rng.below(2) == 0 => "\"P1\"".into(),
                name => format!("\"{name}\""),
            };
            let (tier, since, extensions) = match on {
                true => (
                    "Standard",
                    "\"2024-03-01T12:42:42.192110+00:00\"",
                    extensions,
                ),
                false => ("Free", "null", "null"),
            };
            let (deprecated, replaced) = match deprecated {
                true => ("true", r#"["Containers"]"#),
                false => ("null", "null"),
            };
            let id = format!("/subscriptions/{sub}/providers/Microsoft.Security/pricings/{plan}");
            items.push(format!(
                concat!(
                    r#"{{"deprecated":{},"enablementTime":{},"extensions":{},"#,
                    r#""freeTrialRemainingTime":"0:00:00","id":"{}","name":"{}","#,
                    r#""pricingTier":"{}","#,
                    r#""replacedBy":{},"subPlan":{},"type":"Microsoft.Security/pricings"}}"#
                ),
                deprecated, since, extensions, id, plan, tier, replaced, sub_plan
            ));
        }
    }
    items
}

/// The subscriptions' rows, which come first: mdrplan tells an export from its first row.
fn subscription_rows(subs: &[String]) -> Vec<Row> {
    let areas = [
        "Production",
        "Development",
        "Test",
        "Shared Services",
        "Sandbox",
    ];
    let row = |(i, sub): (usize, &String)| {
        let critical = if i % 5 == 0 {
            r#""Criticality":"High","#
        } else {
            ""
        };
        Row {
            id: format!("/subscriptions/{sub}"),
            name: format!("Contoso {} {:02}", areas[i % 5], i + 1),
            ty: "Microsoft.Resources/subscriptions",
            sub: sub.clone(),
            tags: format!(r#"{{{critical}"costCenter":"CC-{}"}}"#, 1000 + i),
            properties: r#"{"state":"Enabled"}"#.into(),
            ..Row::default()
        }
    };
    subs.iter().enumerate().map(row).collect()
}

/// Writes `head`, the rows one a line, and `tail`.
fn write_list(path: &Path, head: &str, rows: &[impl Display], tail: &str) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    write!(out, "{head}")?;
    for (i, row) in rows.iter().enumerate() {
        write!(out, "{}{row}", if i == 0 { "\n" } else { ",\n" })?;
    }
    writeln!(out, "\n{tail}")?;
    out.flush()
}

/// Writes the three files; returns the number of resource groups and the bytes written.
fn run(args: &Args) -> io::Result<(usize, u64)> {
    let dir = &args.out;
    fs::create_dir_all(dir)?;
    let mut rng = Rng::new(args.seed);
    let subs: Vec<String> = (0..args.subscriptions).map(|_| rng.guid()).collect();
    let out = BufWriter::with_capacity(1 << 20, File::create(dir.join("resources.json"))?);
    let mut t = Tenant {
        rng,
        out,
        rows: 0,
        limit: args.resources,
        containers: subscription_rows(&subs),
        subs,
        group: Group::default(),
        targets: Vec::new(),
        serial: 0,
    };
    t.resources()?;

    let n = t.containers.len();
    let head = format!("{{\"count\": {n}, \"data\": [");
    let tail = format!("], \"skip_token\": null, \"total_records\": {n}}}");
    write_list(
        &dir.join("resourcecontainers.json"),
        &head,
        &t.containers,
        &tail,
    )?;
    let items = pricings(&t.subs, &mut t.rng);
    write_list(&dir.join("pricings.json"), "{\"value\": [", &items, "]}")?;

    let mut bytes = 0;
    for file in ["resources.json", "resourcecontainers.json", "pricings.json"] {
        bytes += fs::metadata(dir.join(file))?.len();
    }
    Ok((n - t.subs.len(), bytes))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("synth: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let start = Instant::now();
    match run(&args) {
        Ok((groups, bytes)) => {
            let (rows, subs, seconds) = (args.resources, args.subscriptions, start.elapsed());
            let summary = format!("{rows} rows, {subs} subscriptions, {groups} resource groups");
            let dir = args.out.display();
            eprintln!(
                "synth: {summary}, {bytes} bytes in {:.2} s into {dir}",
                seconds.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth: cannot write into {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
