//! Reading the inputs: files and folders, their encodings, what kind of input each one is,
//! and the overlay's facts turned into the [`Inventory`].

pub mod exports;
pub mod input;
pub mod overlay;
pub mod resources;
pub mod text;
pub mod yaml;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, InputErrors, Location, suggestion};
use crate::inventory::*;
use crate::profile::Catalog;
use crate::profile::model::PartialAxes;

/// The extensions read from a folder.
pub const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "csv"];

/// Overlays are written by hand; a larger file is not one.
const MAX_OVERLAY_BYTES: u64 = 64 * 1024 * 1024;

/// The inventory and the warnings raised while reading it.
#[derive(Debug)]
pub struct Loaded {
    pub inventory: Inventory,
    pub warnings: Vec<Diagnostic>,
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Show a progress bar on standard error for large files.
    pub progress: bool,
}

const PAGES_HELP: &str = "give every page of the query as input (they are merged), or export again with `az graph query --first 1000` and `--skip-token` until none is returned";

/// Files of this size or more get a progress bar.
const PROGRESS_BYTES: u64 = 32 * 1024 * 1024;
/// Pricing, licence, settings and container exports are read whole; none is near this size.
const MAX_SMALL_EXPORT_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads every input and builds the inventory. Exports are read first and overlays after them
/// (so that an overlay can speak of exported resources), each in path order, so the result
/// does not depend on the order the inputs were named in.
pub fn load(
    inputs: &[PathBuf],
    catalog: &Catalog,
    options: Options,
) -> Result<Loaded, InputErrors> {
    let files = expand(inputs)?;
    let mut diags = Diagnostics::default();
    let mut builder = Builder::new(catalog);
    let mut overlays = Vec::new();
    for file in &files {
        let display = file.to_string_lossy().replace('\\', "/");
        let opened = match input::open(file, &display) {
            Ok(o) => o,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let kind = match input::sniff(&opened) {
            Ok(k) => k,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let result = match kind {
            input::Kind::Overlay => input::read_all(file, &opened, MAX_OVERLAY_BYTES, "overlay")
                .and_then(|text| {
                    check_overlay_text(&display, &text)?;
                    let parsed = overlay::parse(&display, &text)?;
                    overlays.push((display.clone(), text, parsed));
                    Ok(())
                }),
            input::Kind::Resources | input::Kind::ResourcesCsv => {
                builder.add_resources(file, &opened, kind, options, &mut diags)
            }
            input::Kind::SentinelRules => {
                input::read_all(file, &opened, MAX_SMALL_EXPORT_BYTES, "rules export")
                    .and_then(|text| builder.add_rules(&display, &text))
            }
            _ => input::read_all(file, &opened, MAX_SMALL_EXPORT_BYTES, "export")
                .and_then(|text| builder.add_small_export(&display, kind, &text, &mut diags)),
        };
        if let Err(d) = result {
            diags.push(d);
        }
    }
    if diags.has_errors() {
        return Err(finish_errors(diags));
    }
    builder.link_exports(&mut diags);
    for (display, text, parsed) in overlays {
        let positions = yaml::Positions::index(&text);
        let records = parsed.assets.len() + parsed.applications.len();
        let here = Here {
            file_no: builder.inv.add_file(&display),
            file: &display,
            positions: &positions,
        };
        builder.add_overlay(&here, parsed, &mut diags);
        builder.inv.inputs.push(InputSummary {
            path: display.clone(),
            kind: "overlay".into(),
            records,
        });
    }
    if diags.has_errors() {
        return Err(finish_errors(diags));
    }
    builder.resolve(&mut diags);
    let warnings = diags.finish()?;
    Ok(Loaded {
        inventory: builder.inv,
        warnings,
    })
}

/// An overlay's text is not empty and, when it is JSON, valid JSON (reported in JSON's terms).
fn check_overlay_text(display: &str, text: &str) -> Result<(), Diagnostic> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(Diagnostic::error(Location::file(display), "the file is empty").with_help(
            "an overlay starts with `version: 1`; remove the file from the inputs if it is not one",
        ));
    }
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
    {
        return Err(json_error(display, &e));
    }
    Ok(())
}

fn finish_errors(diags: Diagnostics) -> InputErrors {
    match diags.finish() {
        Err(e) => e,
        Ok(_) => InputErrors(Vec::new()),
    }
}

/// Files named, and the input files below folders named, sorted and each once.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputErrors> {
    let mut out = BTreeSet::new();
    let mut errors = Vec::new();
    for input in inputs {
        let shown = input.display().to_string();
        if input.is_dir() {
            let before = out.len();
            if let Err(e) = walk(input, &mut out) {
                errors.push(Diagnostic::error(
                    Location::file(&shown),
                    format!("cannot read the folder: {e}"),
                ));
            } else if out.len() == before {
                errors.push(
                    Diagnostic::error(Location::file(&shown), "the folder holds no input files")
                        .with_help(format!("inputs end in .{}", EXTENSIONS.join(", ."))),
                );
            }
        } else if input.is_file() {
            out.insert(input.clone());
        } else {
            errors.push(
                Diagnostic::error(Location::file(&shown), "no such file or folder")
                    .with_help("check the path; inputs are files or folders of .json, .yaml, .yml and .csv files"),
            );
        }
    }
    if errors.is_empty() {
        Ok(out.into_iter().collect())
    } else {
        Err(InputErrors(errors))
    }
}

fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
        {
            out.insert(path);
        }
    }
    Ok(())
}

fn json_error(display: &str, e: &serde_json::Error) -> Diagnostic {
    let what = if e.is_eof() {
        "the JSON ends too early"
    } else {
        "invalid JSON"
    };
    Diagnostic::error(
        Location::at(display, e.line(), e.column()),
        format!("{what}: {}", strip_json_position(&e.to_string())),
    )
    .with_help("fix the JSON at that position, or export the file again if it was cut off")
}

/// serde_json's message without the " at line L column C" it ends with: the location says it.
pub(crate) fn strip_json_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// A reference written in an overlay, resolved once every file is read.
struct PendingRef {
    from: Ref,
    target: String,
    kind: RelationKind,
    at: Location,
}

#[derive(Clone, Copy)]
enum Ref {
    Asset(AssetId),
    AppComponent(AppId),
    AppDependency(AppId),
}

struct PendingSelector {
    app: AppId,
    selector: Selector,
    at: Location,
}

/// Where in one overlay file a record is: for diagnostics and for [`Origin`]s.
struct Here<'p> {
    file_no: u32,
    file: &'p str,
    positions: &'p yaml::Positions,
}

impl Here<'_> {
    fn loc(&self, path: &str) -> Location {
        self.positions.locate(self.file, path)
    }

    fn origin(&self, path: &str) -> Origin {
        let (line, column) = self.positions.position(path).unwrap_or((0, 0));
        Origin {
            file: self.file_no,
            line: line as u32,
            column: column as u32,
        }
    }
}

/// The id a relation read from an export names.
enum Named {
    /// The asset's parent, whose id is the first this many bytes of the asset's own: nearly
    /// every resource has one, and it costs no copy.
    Parent(usize),
    Id(Box<str>),
}

struct Builder<'a> {
    catalog: &'a Catalog,
    inv: Inventory,
    /// Exported assets by a hash of their lower-cased id.
    ids: HashMap<u64, u32>,
    /// The rare ids whose hash another id has already.
    collisions: HashMap<u64, Vec<AssetId>>,
    /// Type spellings met in exports, to the profile's spelling.
    types: HashMap<Box<str>, Sym>,
    /// Relations named in exports, resolved once every export is read: the asset, the id it
    /// names, the kind, and whether the named asset is the relation's source.
    pending: Vec<(AssetId, Named, RelationKind, bool)>,
    /// Clusters and the (subscription, lower-cased resource group) of their nodes.
    node_groups: Vec<(AssetId, Sym, String)>,
    unknown_plans: BTreeSet<String>,
    /// The subscription id text of the last row, and its symbol.
    last_subscription: Option<(Box<str>, Sym)>,
    /// Resource Graph pages read, to tell a missing page from the last one of a query.
    pages: Vec<(String, resources::PageInfo)>,
    /// Exported assets by a hash of their lower-cased name, built when an overlay needs it.
    names: Option<HashMap<u64, Vec<AssetId>>>,
    asset_seen: HashMap<String, Location>,
    app_seen: HashMap<String, Location>,
    refs: Vec<PendingRef>,
    selectors: Vec<PendingSelector>,
    organization_from: Option<Location>,
    /// Subscriptions that formatted CSV results name by display name (lower-cased), with the
    /// name as written and the file that wrote it: resolved to ids once every export is read.
    named_subscriptions: BTreeMap<String, (String, String)>,
}

impl<'a> Builder<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        Builder {
            catalog,
            inv: Inventory::default(),
            ids: HashMap::default(),
            collisions: HashMap::default(),
            types: HashMap::default(),
            pending: Vec::new(),
            node_groups: Vec::new(),
            unknown_plans: BTreeSet::new(),
            pages: Vec::new(),
            last_subscription: None,
            names: None,
            asset_seen: HashMap::default(),
            app_seen: HashMap::default(),
            refs: Vec::new(),
            selectors: Vec::new(),
            organization_from: None,
            named_subscriptions: BTreeMap::new(),
        }
    }

    /// The subscription named by an id or a display name, added when no input knew it.
    fn subscription_id(&mut self, text: &str) -> Sym {
        if let Some(i) = self.inv.subscription_index.get(&text.to_ascii_lowercase()) {
            let id = self.inv.subscriptions[*i].id.clone();
            return self.inv.strings.intern(&id);
        }
        let known = self.inv.subscriptions.iter().find(|s| {
            s.id.eq_ignore_ascii_case(text)
                || s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(text))
        });
        let id = match known {
            Some(s) => s.id.clone(),
            None => {
                self.add_subscription(text);
                text.to_owned()
            }
        };
        self.inv.strings.intern(&id)
    }

    /// The subscription with this id (lower-cased), added when no input knew it.
    fn subscription_sym(&mut self, id: &str) -> Sym {
        let lower = id.to_ascii_lowercase();
        if !self.inv.subscription_index.contains_key(&lower) {
            self.add_subscription(&lower);
        }
        self.inv.strings.intern(&lower)
    }

    /// A subscription no input described yet, known by its id only.
    fn add_subscription(&mut self, id: &str) {
        self.inv.subscriptions.push(Subscription {
            id: id.to_owned(),
            name: None,
            tags: Box::new([]),
            shown: None,
        });
        self.inv
            .subscription_index
            .insert(id.to_ascii_lowercase(), self.inv.subscriptions.len() - 1);
    }

    /// Formatted CSV results name subscriptions by display name: each such name that exactly
    /// one subscription of a `resourcecontainers` export carries becomes that subscription, so
    /// that its pricings and tags apply. The others stay known by name, with a warning.
    fn adopt_named_subscriptions(&mut self, diags: &mut Diagnostics) {
        let mut placeholders = Vec::new();
        for (lower, (name, file)) in std::mem::take(&mut self.named_subscriptions) {
            let Some(&at) = self.inv.subscription_index.get(&lower) else {
                continue;
            };
            if self.inv.subscriptions[at].name.is_some() {
                continue;
            }
            let named: Vec<usize> = (0..self.inv.subscriptions.len())
                .filter(|&i| {
                    i != at
                        && self.inv.subscriptions[i]
                            .name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                })
                .collect();
            match named.as_slice() {
                [one] => {
                    let real = self.inv.subscriptions[*one].id.to_ascii_lowercase();
                    let (from, to) = (
                        self.inv.strings.intern(&lower),
                        self.inv.strings.intern(&real),
                    );
                    for a in &mut self.inv.assets {
                        if a.subscription == Some(from) {
                            a.subscription = Some(to);
                        }
                    }
                    placeholders.push(at);
                }
                [] => {
                    self.inv.subscriptions[at].name = Some(name.clone());
                    diags.warning(
                        Location::file(&file),
                        format!("subscription `{name}` is known by its display name only: its Defender plans and tags cannot be read from other exports"),
                    ).help = Some("add the `resourcecontainers` export (subscriptions with their names and ids) to the inputs".into());
                }
                many => {
                    self.inv.subscriptions[at].name = Some(name.clone());
                    diags.warning(
                        Location::file(&file),
                        format!("{} subscriptions are named `{name}`: the formatted results cannot say which one holds its rows", many.len()),
                    ).help = Some("download the raw results (Download as CSV), which carry subscription ids".into());
                }
            }
        }
        if !placeholders.is_empty() {
            let mut i = 0;
            self.inv.subscriptions.retain(|_| {
                i += 1;
                !placeholders.contains(&(i - 1))
            });
            self.inv.index_subscriptions();
        }
    }

    /// The asset already read with this id (without case).
    fn exported(&self, id: &str) -> Option<AssetId> {
        self.exported_by_hash(fold_hash(id), id)
    }

    /// [`Builder::exported`], given the id's [`fold_hash`].
    fn exported_by_hash(&self, h: u64, id: &str) -> Option<AssetId> {
        let same = |a: &AssetId| self.inv.assets[*a].id.eq_ignore_ascii_case(id);
        match self.ids.get(&h) {
            Some(a) if same(&(*a as usize)) => Some(*a as usize),
            Some(_) => self.collisions.get(&h)?.iter().copied().find(same),
            None => None,
        }
    }

    /// Streams a resource export into the inventory.
    fn add_resources(
        &mut self,
        path: &Path,
        opened: &input::Opened,
        kind: input::Kind,
        options: Options,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        let display = opened.display.as_str();
        let file_no = self.inv.add_file(display);
        let bar = (options.progress && opened.size >= PROGRESS_BYTES).then(|| {
            let bar = indicatif::ProgressBar::new(opened.size);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(display.to_owned());
            bar
        });
        let reader = input::reader(path, opened, bar.as_ref())?;
        let (mut rows, mut duplicates, mut incomplete) = (0usize, 0usize, 0usize);
        let mut sink = |raw: &resources::RawResource<'_>, at: resources::At| match self
            .add_raw(file_no, at, raw)
        {
            Row::Added => rows += 1,
            Row::Duplicate => duplicates += 1,
            Row::Incomplete => incomplete += 1,
        };
        let mut warnings = Vec::new();
        let mut named_subscriptions = BTreeSet::new();
        let result = match kind {
            input::Kind::ResourcesCsv => {
                resources::read_csv(display, reader, &mut sink, &mut |w| warnings.push(w)).map(
                    |read| {
                        if read.shape == resources::CsvShape::Formatted {
                            named_subscriptions = read.subscription_names;
                        }
                        None
                    },
                )
            }
            _ => resources::read_json(display, reader, &mut sink).map(Some),
        };
        for name in named_subscriptions {
            self.named_subscriptions
                .entry(name.to_ascii_lowercase())
                .or_insert((name, display.to_owned()));
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        diags.extend(warnings);
        if let Some(page) = result? {
            self.pages.push((display.to_owned(), page));
        }
        if incomplete > 0 {
            diags
                .warning(
                    Location::file(display),
                    format!("{incomplete} row(s) without an id or a type were left out"),
                )
                .help = Some("project at least id, name and type in the query".into());
        }
        if rows == 0 && duplicates == 0 {
            return Err(Diagnostic::error(
                Location::file(display),
                "the export holds no resources",
            )
            .with_help("check the query's scope and filters, then export again"));
        }
        self.inv.inputs.push(InputSummary {
            path: display.to_owned(),
            kind: kind.name().into(),
            records: rows + duplicates,
        });
        Ok(())
    }

    /// One exported resource into the inventory.
    fn add_raw(
        &mut self,
        file_no: u32,
        at: resources::At,
        raw: &resources::RawResource<'_>,
    ) -> Row {
        let (Some(id), Some(type_given)) = (
            raw.id.as_ref().or(raw.name.as_ref()),
            raw.type_name.as_deref(),
        ) else {
            return Row::Incomplete;
        };
        let id: &str = id;
        let id_hash = fold_hash(id);
        if self.exported_by_hash(id_hash, id).is_some() {
            return Row::Duplicate;
        }
        let subscription = match raw.subscription_id.as_deref().filter(|s| !s.is_empty()) {
            // Rows come grouped by subscription: the last one is usually the same.
            Some(s) => match &self.last_subscription {
                Some((text, sym)) if **text == *s => Some(*sym),
                _ => {
                    let sym = self.subscription_sym(s);
                    self.last_subscription = Some((s.into(), sym));
                    Some(sym)
                }
            },
            None => exports::subscription_of(id).map(|s| self.subscription_sym(&s)),
        };
        let group: Option<Cow<'_, str>> = raw
            .resource_group
            .clone()
            .filter(|g| !g.is_empty())
            .or_else(|| id_segment(id, "resourcegroups").map(Cow::Owned));
        let type_name = self.type_sym(type_given);
        let name: &str = raw.name.as_deref().unwrap_or_else(|| last_segment(id));
        let asset_id = self.inv.assets.len();

        let no_properties = resources::RawProperties::default();
        let props = raw.properties.as_deref().unwrap_or(&no_properties);
        if let Some(parent) = parent_len(id) {
            self.pending.push((
                asset_id,
                Named::Parent(parent),
                RelationKind::ChildOf,
                false,
            ));
        }
        if let Some(farm) = props.server_farm_id.as_deref().filter(|f| !f.is_empty()) {
            self.pending.push((
                asset_id,
                Named::Id(farm.into()),
                RelationKind::HostedOn,
                false,
            ));
        }
        if let Some(manager) = raw.managed_by.as_deref().filter(|m| !m.is_empty()) {
            self.pending.push((
                asset_id,
                Named::Id(manager.into()),
                RelationKind::Manages,
                true,
            ));
        }
        for link in props.private_link_service_connections.iter().flatten() {
            if let Some(target) = link
                .properties
                .as_ref()
                .and_then(|p| p.private_link_service_id.as_deref())
            {
                self.pending.push((
                    asset_id,
                    Named::Id(target.into()),
                    RelationKind::ServedBy,
                    true,
                ));
            }
        }
        if let (Some(nodes), Some(sub)) = (props.node_resource_group.as_deref(), subscription) {
            self.node_groups
                .push((asset_id, sub, nodes.to_ascii_lowercase()));
        }
        let (is_solution, is_onboarding, is_scale_set) = {
            let t = self.inv.s(type_name);
            (
                t.eq_ignore_ascii_case("microsoft.operationsmanagement/solutions"),
                t.eq_ignore_ascii_case("microsoft.securityinsights/onboardingstates"),
                t.eq_ignore_ascii_case("microsoft.compute/virtualmachinescalesets"),
            )
        };
        if is_solution
            && (name.to_ascii_lowercase().starts_with("securityinsights(")
                || raw
                    .plan
                    .as_ref()
                    .and_then(|p| p.product.as_deref())
                    .is_some_and(|p| p.to_ascii_lowercase().contains("securityinsights")))
        {
            let workspace = props
                .workspace_resource_id
                .as_deref()
                .and_then(|w| w.rsplit('/').next().map(str::to_owned))
                .or_else(|| {
                    name.split_once('(')
                        .map(|(_, w)| w.trim_end_matches(')').to_owned())
                });
            if let Some(w) = workspace {
                self.inv.siem_workspaces.insert(w.to_ascii_lowercase());
            }
        }
        if is_onboarding && let Some(w) = id_segment(id, "workspaces") {
            self.inv.siem_workspaces.insert(w.to_ascii_lowercase());
        }
        let node_pool = is_scale_set
            && raw
                .tags
                .iter()
                .any(|(k, _)| k.len() > 12 && k[..12].eq_ignore_ascii_case("aks-managed-"));

        let mut sku = raw.sku.as_deref().map(|s| {
            Sku::interned(
                &mut self.inv.strings,
                s.name.as_deref(),
                s.tier.as_deref(),
                s.capacity,
            )
        });
        if let Some(pools) = props.agent_pool_profiles.as_deref()
            && !pools.is_empty()
        {
            let strings = &mut self.inv.strings;
            let pools: Box<[(Sym, u32)]> = pools
                .iter()
                .map(|p| {
                    (
                        strings.intern(p.vm_size.as_deref().unwrap_or("")),
                        p.count
                            .map_or(u32::MAX, |c| u32::try_from(c).unwrap_or(u32::MAX - 1)),
                    )
                })
                .collect();
            sku.get_or_insert_with(Box::default).pools = pools;
        }
        // `PowerState/deallocated` (Resource Graph's instance view); a stopped but allocated
        // machine is still billed.
        let power = props
            .extended
            .as_ref()
            .and_then(|e| e.instance_view.as_ref())
            .and_then(|v| v.power_state.as_ref())
            .and_then(|p| p.code.as_deref());
        let power_flags = match power {
            Some(code) if code.to_ascii_lowercase().ends_with("/deallocated") => {
                Asset::DEALLOCATED | Asset::POWER_KNOWN
            }
            Some(_) => Asset::POWER_KNOWN,
            None => 0,
        };
        let strings = &mut self.inv.strings;
        let mut sym = |t: &str| strings.intern(t);
        let asset = Asset {
            id: id.into(),
            own_name: Asset::name_to_keep(id, name),
            type_name,
            kind: raw.kind.as_deref().filter(|k| !k.is_empty()).map(&mut sym),
            sku,
            subscription,
            resource_group: group.as_deref().map(&mut sym),
            location: raw
                .location
                .as_deref()
                .filter(|l| !l.is_empty())
                .map(&mut sym),
            tags: raw.tags.iter().map(|(k, v)| (sym(k), sym(v))).collect(),
            declared: PartialAxes::default(),
            roles: Box::new([]),
            capabilities: props
                .capabilities
                .iter()
                .flatten()
                .filter_map(|c| c.name.as_deref())
                .map(&mut sym)
                .collect(),
            origin: Origin {
                file: file_no,
                line: at.line,
                column: at.column,
            },
            flags: power_flags | if node_pool { Asset::NODE_POOL } else { 0 },
        };
        let h = id_hash;
        match self.ids.entry(h) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(asset_id as u32);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collisions.entry(h).or_default().push(asset_id)
            }
        }
        self.inv.assets.push(asset);
        Row::Added
    }

    /// The type as the profile spells it, remembered per spelling met in the exports.
    fn type_sym(&mut self, given: &str) -> Sym {
        if let Some(sym) = self.types.get(given) {
            return *sym;
        }
        let canonical = self
            .catalog
            .resource_type(given)
            .map_or(given, |t| t.type_name.as_str());
        let sym = self.inv.strings.intern(canonical);
        self.types.insert(given.into(), sym);
        sym
    }

    /// A pricing, settings, licence or containers export, read whole.
    fn add_small_export(
        &mut self,
        display: &str,
        kind: input::Kind,
        text: &str,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| json_error(display, &e))?;
        let file_no = self.inv.add_file(display);
        let origin = Origin {
            file: file_no,
            line: 0,
            column: 0,
        };
        if let Some(warning) = exports::truncation(&value) {
            diags.warning(Location::file(display), warning);
        }
        let records = match kind {
            input::Kind::Containers => {
                let c = exports::containers::parse(display, &value)?;
                for s in &c.subscriptions {
                    let sym = self.subscription_sym(&s.id);
                    let _ = sym;
                    let tags: Box<[(Sym, Sym)]> = s
                        .tags
                        .iter()
                        .map(|(k, v)| (self.inv.strings.intern(k), self.inv.strings.intern(v)))
                        .collect();
                    if let Some(i) = self
                        .inv
                        .subscription_index
                        .get(&s.id.to_ascii_lowercase())
                        .copied()
                    {
                        self.inv.subscriptions[i].name = Some(s.name.clone());
                        self.inv.subscriptions[i].tags = tags;
                    }
                }
                for g in &c.resource_groups {
                    let tags: Box<[(Sym, Sym)]> = g
                        .tags
                        .iter()
                        .map(|(k, v)| (self.inv.strings.intern(k), self.inv.strings.intern(v)))
                        .collect();
                    self.inv.group_tags.insert(
                        (
                            g.subscription_id.to_ascii_lowercase(),
                            g.name.to_ascii_lowercase(),
                        ),
                        tags,
                    );
                }
                c.subscriptions.len() + c.resource_groups.len() + c.other
            }
            input::Kind::Pricings => {
                let pricings = exports::pricing::parse(display, &value)?;
                for p in &pricings {
                    let Some(plan) = self.catalog.plan(&p.plan) else {
                        if self.unknown_plans.insert(p.plan.clone()) {
                            diags.warning(Location::file(display), format!("plan `{}` is not known to the profile; its state is not used", p.plan)).help =
                                Some("a newer plan than the profile knows: extend the profile, or ignore this".into());
                        }
                        continue;
                    };
                    let mut extensions: Vec<String> = p
                        .extensions
                        .iter()
                        .filter(|e| e.enabled)
                        .map(|e| e.name.clone())
                        .collect();
                    extensions.sort();
                    extensions.dedup();
                    let state = PlanState {
                        on: p.on,
                        sub_plan: p.sub_plan.clone().filter(|s| !s.is_empty()),
                        extensions,
                        origin,
                    };
                    match &p.resource_id {
                        Some(resource) => self
                            .inv
                            .plan_states
                            .resources
                            .entry(fold_hash(resource))
                            .or_default()
                            .push((plan.name.clone(), state)),
                        None => self.inv.plan_states.entries.push(PlanStateEntry {
                            scope: SubscriptionScope::Exact(p.subscription_id.to_ascii_lowercase()),
                            plan: plan.name.clone(),
                            state,
                        }),
                    }
                    self.subscription_sym(&p.subscription_id);
                }
                pricings.len()
            }
            input::Kind::Licences => {
                let skus = exports::licences::parse(display, &value)?;
                for sku in skus.iter().filter(|s| s.grants()) {
                    for plan in sku.active_service_plans() {
                        self.inv.licences.push(Licence {
                            name: plan.to_owned(),
                            origin,
                        });
                    }
                    if let Some(extra) = self.catalog.sku_grants(&sku.part_number) {
                        self.inv.products.extend(extra.iter().cloned());
                    }
                }
                skus.len()
            }
            input::Kind::DiagnosticSettings => {
                let settings = exports::diagnostics::parse(display, &value)?;
                self.inv.diagnostics_given = true;
                let records = settings.len();
                for (resource, mut setting) in settings {
                    setting.origin = origin;
                    self.inv
                        .diagnostics
                        .entry(resource)
                        .or_default()
                        .push(setting);
                }
                records
            }
            input::Kind::Settings => {
                let settings = exports::settings::parse(display, &value)?;
                self.inv
                    .settings
                    .extend(settings.iter().map(|s| DefenderSetting {
                        subscription: s.subscription_id.clone(),
                        name: s.name.clone(),
                        enabled: s.enabled,
                        origin,
                    }));
                settings.len()
            }
            _ => 0,
        };
        self.inv.inputs.push(InputSummary {
            path: display.to_owned(),
            kind: kind.name().into(),
            records,
        });
        Ok(())
    }

    /// Reads Sentinel analytics rules: an ARM listing or template (JSON) or rules in the
    /// Azure-Sentinel YAML format.
    fn add_rules(&mut self, display: &str, text: &str) -> Result<(), Diagnostic> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let rules = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| json_error(display, &e))?;
            exports::sentinel::parse_json(display, &value)?
        } else {
            exports::sentinel::parse_yaml(display, text)?
        };
        let file = self.inv.add_file(display);
        self.inv.rules_given = true;
        let records = rules.len();
        self.inv
            .analytics_rules
            .extend(rules.into_iter().map(|mut r| {
                r.origin.file = file;
                r
            }));
        self.inv.inputs.push(InputSummary {
            path: display.to_owned(),
            kind: input::Kind::SentinelRules.name().into(),
            records,
        });
        Ok(())
    }

    /// Rules that mdrplan wrote for an application (tagged with it and a use case) are that
    /// application's alerts, routed to Sentinel by being Sentinel rules.
    fn adopt_generated_rules(&mut self, diags: &mut Diagnostics) {
        for r in &self.inv.analytics_rules {
            let (Some(app), Some(use_case)) = (&r.application, &r.use_case) else {
                continue;
            };
            let at = self.inv.location(r.origin);
            let Some(target) = self
                .inv
                .applications
                .iter_mut()
                .find(|a| a.id.eq_ignore_ascii_case(app))
            else {
                diags.warning(at, format!("the rule `{}` was written for application `{app}`, which no overlay declares; it counts for no application", r.name)).help =
                    Some("declare the application in the overlay, or fix the rule's `mdrplan-application:` tag".into());
                continue;
            };
            if self.catalog.use_case(use_case).is_none() {
                diags.warning(at, format!("the rule `{}` names the unknown use case `{use_case}`; it counts for none", r.name)).help =
                    Some(suggestion(use_case, self.catalog.use_case_names()));
                continue;
            }
            let declared = target
                .alerts
                .iter()
                .any(|a| a.use_case == *use_case && rule_key(&a.rule) == rule_key(&r.name));
            if !declared {
                target.alerts.push(Alert {
                    use_case: use_case.clone(),
                    rule: r.name.clone(),
                    routed_to: crate::domain::Routing::Sentinel,
                    origin: r.origin,
                });
            }
        }
    }

    /// Warns of exports that look incomplete. Pages that give a total are judged together:
    /// the pages of one query (one total) are complete when their rows reach it.
    fn check_pages(&mut self, diags: &mut Diagnostics) {
        let mut by_total: std::collections::BTreeMap<u64, (u64, Vec<&str>)> =
            std::collections::BTreeMap::new();
        for (file, page) in &self.pages {
            match page.total {
                Some(total) if !page.truncated => {
                    let e = by_total.entry(total).or_default();
                    e.0 += page.count.unwrap_or(page.rows as u64);
                    e.1.push(file);
                }
                _ => {
                    if let Some(warning) = page.truncation() {
                        diags.warning(Location::file(file), warning).help = Some(PAGES_HELP.into());
                    }
                }
            }
        }
        for (total, (rows, files)) in by_total {
            if rows < total {
                diags.warning(
                    Location::file(files[0]),
                    format!("the pages of this query hold {rows} of its {total} rows ({}): a page is missing", files.join(", ")),
                )
                .help = Some(PAGES_HELP.into());
            }
        }
    }

    /// Relations between exported resources, once every export is read.
    fn link_exports(&mut self, diags: &mut Diagnostics) {
        self.check_pages(diags);
        self.adopt_named_subscriptions(diags);
        // Nearly every named resource is exported: a relation each, in one allocation.
        self.inv.relations.reserve(self.pending.len());
        for (asset, named, kind, reversed) in std::mem::take(&mut self.pending) {
            let target = match &named {
                Named::Parent(len) => &self.inv.assets[asset].id[..*len],
                Named::Id(id) => id,
            };
            let Some(other) = self.exported(target) else {
                continue;
            };
            if other == asset {
                continue;
            }
            let (from, to) = if reversed {
                (other, asset)
            } else {
                (asset, other)
            };
            self.inv.relations.push(Relation { from, to, kind });
        }
        if !self.node_groups.is_empty() {
            // The scale-set type as each export spelt it: symbols compare without the text.
            let scale_sets: Vec<Sym> = self
                .types
                .values()
                .copied()
                .filter(|t| {
                    self.inv
                        .s(*t)
                        .eq_ignore_ascii_case("Microsoft.Compute/virtualMachineScaleSets")
                })
                .collect();
            let mut groups: HashMap<(Sym, String), Vec<AssetId>> = HashMap::default();
            for (i, a) in self.inv.assets.iter().enumerate() {
                if let (Some(sub), Some(rg)) = (a.subscription, a.resource_group)
                    && scale_sets.contains(&a.type_name)
                {
                    groups
                        .entry((sub, self.inv.s(rg).to_ascii_lowercase()))
                        .or_default()
                        .push(i);
                }
            }
            for (cluster, sub, rg) in std::mem::take(&mut self.node_groups) {
                for vmss in groups.get(&(sub, rg)).into_iter().flatten() {
                    self.inv.relations.push(Relation {
                        from: cluster,
                        to: *vmss,
                        kind: RelationKind::NodesOn,
                    });
                    self.inv.assets[*vmss].flags |= Asset::NODE_POOL;
                }
            }
        }
    }

    fn add_overlay(&mut self, here: &Here<'_>, o: overlay::Overlay, diags: &mut Diagnostics) {
        if let Some(org) = o.organization {
            match (&self.inv.organization, &self.organization_from) {
                (Some(prev), Some(from)) if prev != &org => {
                    diags
                        .warning(
                            here.loc("organization"),
                            format!("organization `{org}` differs from `{prev}` given in {from}; keeping `{prev}`"),
                        )
                        .help = Some("name the organisation in one overlay only".into());
                }
                (Some(_), _) => {}
                (None, _) => {
                    self.inv.organization = Some(org);
                    self.organization_from = Some(here.loc("organization"));
                }
            }
        }

        for (i, name) in o.licences.iter().enumerate() {
            let path = format!("licences[{i}]");
            if self.catalog.licence_products(name).is_none() {
                diags
                    .warning(
                        here.loc(&path),
                        format!(
                            "licence `{name}` is not known to the profile; it counts for nothing"
                        ),
                    )
                    .help = Some(format!(
                    "{} (SKU part numbers such as SPE_E5, or service-plan names such as WINDEFATP)",
                    suggestion(name, self.catalog.licence_names())
                ));
            }
            self.inv.licences.push(Licence {
                name: name.clone(),
                origin: here.origin(&path),
            });
        }

        if let Some(e) = o.endpoints {
            let c = &mut self.inv.clients;
            c.windows += e.windows;
            c.macos += e.macos;
            c.linux += e.linux;
            c.ios += e.ios;
            c.android += e.android;
        }
        if let Some(identity) = o.identity {
            self.inv.on_premises_ad |= identity.on_premises_ad;
        }
        self.inv
            .siem_workspaces
            .extend(o.sentinel.iter().map(|w| w.to_ascii_lowercase()));

        for (i, entry) in o.defender.iter().enumerate() {
            self.add_defender(here, i, entry, diags);
        }

        for (i, a) in o.assets.into_iter().enumerate() {
            self.add_asset(here, i, a, diags);
        }

        for (i, rule) in o.classify.into_iter().enumerate() {
            let path = format!("classify[{i}]");
            if rule.sensitivity.is_none() && rule.impact.is_none() {
                diags
                    .warning(
                        here.loc(&path),
                        "this classify rule sets neither sensitivity nor impact",
                    )
                    .help =
                    Some("add `sensitivity:` or `impact:` to the rule, or remove it".into());
            }
            let Some(selector) =
                compile_selector(&rule.selector, &here.loc(&format!("{path}.match")), diags)
            else {
                continue;
            };
            self.inv.classify_rules.push(ClassifyRule {
                selector,
                set: PartialAxes {
                    sensitivity: rule.sensitivity,
                    impact: rule.impact,
                },
                label: format!("classify rule {}", i + 1),
                origin: here.origin(&path),
            });
        }

        for (i, app) in o.applications.into_iter().enumerate() {
            self.add_application(here, i, app, diags);
        }
    }

    fn add_defender(
        &mut self,
        here: &Here<'_>,
        i: usize,
        entry: &overlay::DefenderEntry,
        diags: &mut Diagnostics,
    ) {
        let path = format!("defender[{i}]");
        let scope = match SubscriptionScope::parse(&entry.subscription) {
            Ok(s) => s,
            Err(e) => {
                diags.error(
                    here.loc(&format!("{path}.subscription")),
                    format!("invalid subscription pattern: {e}"),
                );
                return;
            }
        };
        for (plan_name, value) in &entry.plans {
            let plan_path = format!("{path}.plans.{plan_name}");
            let at = here.loc(&plan_path);
            let Some(plan) = self.catalog.plan(plan_name) else {
                diags
                    .error(at, format!("unknown Defender plan `{plan_name}`"))
                    .help = Some(suggestion(plan_name, self.catalog.plan_names()));
                continue;
            };
            let origin = here.origin(&plan_path);
            let state = match value.to_ascii_lowercase().as_str() {
                "free" | "off" => PlanState {
                    on: false,
                    sub_plan: None,
                    extensions: Vec::new(),
                    origin,
                },
                "standard" | "on" => PlanState {
                    on: true,
                    sub_plan: None,
                    extensions: Vec::new(),
                    origin,
                },
                _ => match plan
                    .sub_plans
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(value))
                {
                    Some(s) => PlanState {
                        on: true,
                        sub_plan: Some(s.name.clone()),
                        extensions: Vec::new(),
                        origin,
                    },
                    None => {
                        let accepted: Vec<&str> = ["free", "standard"]
                            .into_iter()
                            .chain(plan.sub_plans.iter().map(|s| s.name.as_str()))
                            .collect();
                        diags
                            .error(
                                at,
                                format!("unknown state `{value}` for plan {}", plan.name),
                            )
                            .help = Some(suggestion(value, accepted.iter().copied()));
                        continue;
                    }
                },
            };
            self.inv.plan_states.entries.push(PlanStateEntry {
                scope: scope.clone(),
                plan: plan.name.clone(),
                state,
            });
        }
    }

    fn add_asset(
        &mut self,
        here: &Here<'_>,
        i: usize,
        a: overlay::OverlayAsset,
        diags: &mut Diagnostics,
    ) {
        let path = format!("assets[{i}]");
        let at = |p: &str| here.loc(&format!("{path}{p}"));
        let key = a.id.to_ascii_lowercase();
        if let Some(first) = self.asset_seen.get(&key) {
            diags
                .error(
                    at(".id"),
                    format!("asset `{}` is declared twice (first at {first})", a.id),
                )
                .help = Some("keep one entry per asset; ids are compared without case".into());
            return;
        }
        self.asset_seen.insert(key, at(""));

        // An entry about an exported resource (by id, or by a name only one resource has) adds
        // the consultant's facts to it.
        let mut ambiguous = false;
        let exported = self.exported(&a.id).or_else(|| {
            if self.ids.is_empty() {
                return None;
            }
            let names = self.names.get_or_insert_with(|| {
                let mut names: HashMap<u64, Vec<AssetId>> = HashMap::default();
                for (i, x) in self.inv.assets.iter().enumerate() {
                    names.entry(fold_hash(x.name())).or_default().push(i);
                }
                names
            });
            let named: Vec<AssetId> = names
                .get(&fold_hash(&a.id))
                .into_iter()
                .flatten()
                .copied()
                .filter(|i| self.inv.assets[*i].name().eq_ignore_ascii_case(&a.id))
                .collect();
            match named.as_slice() {
                [one] => Some(*one),
                [] => None,
                many => match prefer_machine(&self.inv, self.catalog, many) {
                    Some(one) => Some(one),
                    None => {
                        diags
                            .error(
                                at(".id"),
                                format!("`{}` names {} exported resources", a.id, many.len()),
                            )
                            .help = Some("use the resource's full id to say which one".into());
                        ambiguous = true;
                        None
                    }
                },
            }
        });

        if ambiguous {
            return;
        }
        let type_name = match (a.type_name.as_deref(), exported) {
            (None, Some(e)) => self.inv.type_of(&self.inv.assets[e]).to_owned(),
            (None, None) => {
                diags.error(at(""), format!("asset `{}` has no type, and no export holds it", a.id)).help = Some(
                    "add `type:` with a resource type (Microsoft.Compute/virtualMachines) or a short name such as `server`, or give the export that holds it".into(),
                );
                return;
            }
            (Some(t), _) if t.contains('/') => self
                .catalog
                .resource_type(t)
                .map_or_else(|| t.to_owned(), |rt| rt.type_name.clone()),
            (Some(t), _) => match self.catalog.resource_type(t) {
                Some(rt) => rt.type_name.clone(),
                None => {
                    diags
                        .error(at(".type"), format!("unknown asset type `{t}`"))
                        .help = Some(format!(
                        "{} (or write a resource type such as Microsoft.Compute/virtualMachines)",
                        suggestion(t, self.catalog.aliases())
                    ));
                    return;
                }
            },
        };
        if let Some(e) = exported
            && !self
                .inv
                .type_of(&self.inv.assets[e])
                .eq_ignore_ascii_case(&type_name)
        {
            diags.warning(
                at(".type"),
                format!(
                    "the export says `{}` is a {}; the overlay's type is ignored",
                    a.id,
                    self.inv.type_of(&self.inv.assets[e])
                ),
            );
        }

        let class = self
            .catalog
            .resource_type(&type_name)
            .map(|t| t.class.clone());
        for (j, role) in a.roles.iter().enumerate() {
            let role_at = at(&format!(".roles[{j}]"));
            match self.catalog.role(role) {
                None => {
                    diags.error(role_at, format!("unknown role `{role}`")).help =
                        Some(suggestion(role, self.catalog.role_names()));
                }
                Some(r) => {
                    if let Some(class) = &class
                        && !r.applies_to.contains(class)
                    {
                        diags.warning(
                            role_at,
                            format!(
                                "role `{role}` applies to {}, not to a {class}",
                                r.applies_to.join(", ")
                            ),
                        );
                    }
                }
            }
        }

        let subscription = a.subscription.as_deref().map(|s| self.subscription_id(s));
        let id = exported.unwrap_or(self.inv.assets.len());
        for (j, target) in a.depends_on.iter().enumerate() {
            self.refs.push(PendingRef {
                from: Ref::Asset(id),
                target: target.clone(),
                kind: RelationKind::DependsOn,
                at: at(&format!(".depends_on[{j}]")),
            });
        }
        if let Some(host) = &a.hosted_on {
            self.refs.push(PendingRef {
                from: Ref::Asset(id),
                target: host.clone(),
                kind: RelationKind::HostedOn,
                at: at(".hosted_on"),
            });
        }
        let sku = a.sku.as_ref().map(|s| {
            Sku::interned(
                &mut self.inv.strings,
                s.name.as_deref(),
                s.tier.as_deref(),
                s.capacity,
            )
        });
        let strings = &mut self.inv.strings;
        let mut sym = |t: &str| strings.intern(t);
        let tags: Vec<(Sym, Sym)> = a.tags.iter().map(|(k, v)| (sym(k), sym(v))).collect();
        let roles: Vec<Sym> = a.roles.iter().map(|r| sym(r)).collect();
        let capabilities: Vec<Sym> = a.capabilities.iter().map(|c| sym(c)).collect();
        let declared = PartialAxes {
            sensitivity: a.sensitivity,
            impact: a.impact,
        };

        if let Some(e) = exported {
            // The export's facts win; say which of the overlay's were not used.
            let ignored: Vec<&str> = [
                ("name", a.name.is_some()),
                ("kind", a.kind.is_some()),
                ("sku", a.sku.is_some()),
                ("subscription", a.subscription.is_some()),
                ("resource_group", a.resource_group.is_some()),
                ("location", a.location.is_some()),
            ]
            .into_iter()
            .filter_map(|(k, given)| given.then_some(k))
            .collect();
            if !ignored.is_empty() {
                diags.warning(
                    at(""),
                    format!("`{}` is an exported resource: its {} come from the export; the overlay's are ignored", a.id, ignored.join(", ")),
                )
                .help = Some("remove these keys from the entry, or correct the export".into());
            }
            let asset = &mut self.inv.assets[e];
            asset.declared = declared;
            asset.roles = roles.into();
            if !tags.is_empty() {
                asset.tags = asset.tags.iter().copied().chain(tags).collect();
            }
            if !capabilities.is_empty() {
                asset.capabilities = capabilities.into();
            }
            return;
        }
        let asset = Asset {
            // Without a `name`, an overlay asset is called by its whole id unless the id is a
            // resource id (`/subscriptions/...`), which ends in the name: `srv/erp-01` is not one.
            own_name: match a.name.as_deref() {
                Some(name) => Asset::name_to_keep(&a.id, name),
                None if a.id.starts_with('/') => None,
                None => Asset::name_to_keep(&a.id, &a.id),
            },
            id: a.id.into(),
            type_name: sym(&type_name),
            kind: a.kind.as_deref().map(&mut sym),
            sku,
            subscription,
            resource_group: a.resource_group.as_deref().map(&mut sym),
            location: a.location.as_deref().map(&mut sym),
            tags: tags.into(),
            declared,
            roles: roles.into(),
            capabilities: capabilities.into(),
            origin: here.origin(&path),
            flags: 0,
        };
        self.inv.assets.push(asset);
    }

    fn add_application(
        &mut self,
        here: &Here<'_>,
        i: usize,
        app: overlay::OverlayApplication,
        diags: &mut Diagnostics,
    ) {
        let path = format!("applications[{i}]");
        let at = |p: &str| here.loc(&format!("{path}{p}"));
        if let Some(first) = self.app_seen.get(&app.id.to_ascii_lowercase()) {
            diags.error(
                at(".id"),
                format!(
                    "application `{}` is declared twice (first at {first})",
                    app.id
                ),
            );
            return;
        }
        self.app_seen.insert(app.id.to_ascii_lowercase(), at(""));
        let id = self.inv.applications.len();

        for (j, c) in app.components.iter().enumerate() {
            let component = at(&format!(".components[{j}]"));
            match (&c.id, &c.selector) {
                (Some(target), None) => {
                    self.refs.push(PendingRef {
                        from: Ref::AppComponent(id),
                        target: target.clone(),
                        kind: RelationKind::DependsOn,
                        at: component,
                    });
                }
                (None, Some(sel)) => {
                    if let Some(selector) =
                        compile_selector(sel, &at(&format!(".components[{j}].match")), diags)
                    {
                        self.selectors.push(PendingSelector {
                            app: id,
                            selector,
                            at: component,
                        });
                    }
                }
                _ => {
                    diags.error(component, "a component is an asset `id:` or a `match:` selector, exactly one of them").help =
                        Some("write `- id: aks-orders` or `- match: { tag: { app: orders } }`".into());
                }
            }
        }
        for (j, target) in app.depends_on.iter().enumerate() {
            self.refs.push(PendingRef {
                from: Ref::AppDependency(id),
                target: target.clone(),
                kind: RelationKind::DependsOn,
                at: at(&format!(".depends_on[{j}]")),
            });
        }

        let mut alerts = Vec::new();
        for (j, alert) in app.alerts.into_iter().enumerate() {
            let use_case_path = format!("{path}.alerts[{j}].use_case");
            if self.catalog.use_case(&alert.use_case).is_none() {
                diags
                    .error(
                        here.loc(&use_case_path),
                        format!("unknown use case `{}`", alert.use_case),
                    )
                    .help = Some(suggestion(&alert.use_case, self.catalog.use_case_names()));
                continue;
            }
            alerts.push(Alert {
                use_case: alert.use_case,
                rule: alert.rule,
                routed_to: alert.routed_to,
                origin: here.origin(&format!("{path}.alerts[{j}]")),
            });
        }

        let mut telemetry = Vec::new();
        for (j, source) in app.telemetry.into_iter().enumerate() {
            match self.catalog.telemetry(source.trim()) {
                Some(t) => telemetry.push(t.id.clone()),
                None => {
                    diags
                        .error(
                            here.loc(&format!("{path}.telemetry[{j}]")),
                            format!("unknown telemetry source `{source}`"),
                        )
                        .help = Some(suggestion(&source, self.catalog.telemetry_names()));
                }
            }
        }
        telemetry.sort();
        telemetry.dedup();

        self.inv.applications.push(Application {
            name: app.name.unwrap_or_else(|| app.id.clone()),
            id: app.id,
            delivery: app.delivery,
            exposure: app.exposure,
            tenancy: app.tenancy,
            declared: PartialAxes {
                sensitivity: app.sensitivity,
                impact: app.impact,
            },
            components: Vec::new(),
            depends_on: Vec::new(),
            alerts,
            telemetry,
            origin: here.origin(&path),
        });
    }

    /// Resolves references and selectors once every file is read.
    fn resolve(&mut self, diags: &mut Diagnostics) {
        self.adopt_generated_rules(diags);
        // The index costs memory on the largest tenants: build it only when an overlay refers.
        let index = if self.refs.is_empty() && self.selectors.is_empty() {
            AssetIndex::default()
        } else {
            AssetIndex::new(&self.inv)
        };
        for r in std::mem::take(&mut self.refs) {
            // A reference names an asset by id, or by a name only one asset has.
            let to = index.id(&self.inv, &r.target).or_else(|| {
                match index.named(&self.inv, &r.target).as_slice() {
                    [one] => Some(*one),
                    [] => None,
                    many => match prefer_machine(&self.inv, self.catalog, many) {
                        Some(one) => Some(one),
                        None => {
                            diags
                                .error(
                                    r.at.clone(),
                                    format!("`{}` names {} assets", r.target, many.len()),
                                )
                                .help = Some("use the resource's full id to say which one".into());
                            Some(usize::MAX)
                        }
                    },
                }
            });
            let Some(to) = to else {
                let names = self.inv.assets.iter().map(|a| a.name());
                let hint = match crate::diag::closest(&r.target, names) {
                    Some(best) => format!("did you mean `{best}`? Otherwise add the asset to the overlay or remove the reference"),
                    None => "add the asset to the overlay (or give the export that holds it), or remove the reference".into(),
                };
                diags
                    .error(r.at, format!("`{}` names no asset in the inputs", r.target))
                    .help = Some(hint);
                continue;
            };
            if to == usize::MAX {
                continue;
            }
            match r.from {
                Ref::Asset(from) if from == to => {
                    diags.warning(
                        r.at,
                        format!(
                            "asset `{}` refers to itself; the reference is ignored",
                            r.target
                        ),
                    );
                }
                Ref::Asset(from) => self.inv.relations.push(Relation {
                    from,
                    to,
                    kind: r.kind,
                }),
                Ref::AppComponent(app) => self.inv.applications[app].components.push(to),
                Ref::AppDependency(app) => self.inv.applications[app].depends_on.push(to),
            }
        }

        for s in std::mem::take(&mut self.selectors) {
            let matched = index.select(&self.inv, &s.selector, self.catalog);
            if matched.is_empty() {
                diags.warning(s.at, "this selector matches no asset").help =
                    Some("check the pattern against the assets' ids, names, types, resource groups and tags".into());
            }
            self.inv.applications[s.app].components.extend(matched);
        }
        for app in &mut self.inv.applications {
            app.components.sort_unstable();
            app.components.dedup();
            app.depends_on.sort_unstable();
            app.depends_on.dedup();
        }
        self.inv.relations.sort_unstable();
        self.inv.relations.dedup();
        self.inv.index_subscriptions();
        self.inv.index_types(self.catalog);
    }
}

/// Of several assets that share a name, the one machine among them: a VM and the resources
/// named after it (its SQL IaaS extension, say) share a name, and an overlay that names a
/// machine means the machine.
fn prefer_machine(inv: &Inventory, catalog: &Catalog, many: &[AssetId]) -> Option<AssetId> {
    let machines: Vec<AssetId> = many
        .iter()
        .copied()
        .filter(|a| {
            inv.resource_type(catalog, &inv.assets[*a])
                .and_then(|t| catalog.class(&t.class))
                .is_some_and(|c| c.server)
        })
        .collect();
    match machines.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// What became of an exported row.
enum Row {
    Added,
    /// The same id was read already (overlapping pages): counted once.
    Duplicate,
    /// No id or no type: nothing to classify.
    Incomplete,
}

/// The segment after `key` in an ARM id (`resourceGroups`, `workspaces`), compared without case.
fn id_segment(id: &str, key: &str) -> Option<String> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case(key) {
            return parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
        }
    }
    None
}

/// How much of a child resource's id is its parent's: `.../servers/sql1/databases/db1` has
/// `.../servers/sql1`; an extension resource (`.../vaults/v1/providers/X/y/z`) has the resource
/// it extends.
fn parent_len(id: &str) -> Option<usize> {
    let id = id.trim_end_matches('/');
    // The slashes from the end, each opening the segment that runs to the one after it: found
    // one by one, without splitting the id or keeping their places.
    let mut slashes = memchr::memrchr_iter(b'/', id.as_bytes());
    let mut end = id.len();
    // Segments after the last `providers`, and the slash before the last but one.
    let mut after = 0;
    let mut second_last = None;
    let last_providers = loop {
        let slash = slashes.next()?;
        if id[slash + 1..end].eq_ignore_ascii_case("providers") {
            break slash;
        }
        if after == 1 {
            second_last = Some(slash);
        }
        after += 1;
        end = slash;
    };
    if after >= 5 && after % 2 == 1 {
        second_last
    } else if after == 3 {
        // An extension resource: a `providers` before the last one.
        let mut end = last_providers;
        slashes
            .any(|slash| {
                let providers = id[slash + 1..end].eq_ignore_ascii_case("providers");
                end = slash;
                providers
            })
            .then_some(last_providers)
    } else {
        None
    }
}

/// Compiles a selector's globs, reporting a bad pattern at the selector.
fn compile_selector(
    s: &overlay::Selector,
    at: &Location,
    diags: &mut Diagnostics,
) -> Option<Selector> {
    if *s == overlay::Selector::default() {
        diags
            .error(at.clone(), "an empty selector would match every asset")
            .help =
            Some("give at least one of id, name, type, resource_group, subscription, tag".into());
        return None;
    }
    let mut bad = false;
    let mut pattern = |text: Option<&String>| -> Option<Pattern> {
        let text = text?;
        match Pattern::new(text) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.error(at.clone(), format!("invalid pattern `{text}`: {e}"));
                bad = true;
                None
            }
        }
    };
    let mut out = Selector {
        id: pattern(s.id.as_ref()),
        name: pattern(s.name.as_ref()),
        type_name: pattern(s.type_name.as_ref()),
        resource_group: pattern(s.resource_group.as_ref()),
        subscription: pattern(s.subscription.as_ref()),
        tags: Vec::new(),
    };
    for (k, v) in &s.tag {
        if let Some(p) = pattern(Some(v)) {
            out.tags.push((k.clone(), p));
        }
    }
    (!bad).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parent's length as first written, by a list of the slashes, to hold the one that
    /// walks them from the end to it.
    fn parent_len_by_split(id: &str) -> Option<usize> {
        let id = id.trim_end_matches('/');
        // Byte offsets of the slashes, from the end, found without splitting the id.
        let slashes: Vec<usize> = id.match_indices('/').map(|(i, _)| i).collect();
        let segment = |k: usize| {
            let start = slashes[k] + 1;
            let end = slashes.get(k + 1).copied().unwrap_or(id.len());
            &id[start..end]
        };
        let last_providers = (0..slashes.len())
            .rev()
            .find(|k| segment(*k).eq_ignore_ascii_case("providers"))?;
        let after = slashes.len() - last_providers - 1;
        if after >= 5 && after % 2 == 1 {
            Some(slashes[slashes.len() - 2])
        } else if after == 3
            && (0..last_providers).any(|k| segment(k).eq_ignore_ascii_case("providers"))
        {
            Some(slashes[last_providers])
        } else {
            None
        }
    }

    #[test]
    fn parent_len_walks_the_slashes_as_a_split_would() {
        let ids = [
            "",
            "/",
            "providers",
            "/providers/a/b/c",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/sql1",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/sql1/databases/db1",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/sql1/databases/db1/",
            "/subscriptions/s/resourceGroups/g/providers/A.B/c/d/e/f/g/h",
            "/subscriptions/s/resourceGroups/g/providers/A.B/c/d/e/f/g",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v1/providers/X/y/z",
            "/subscriptions/s/resourceGroups/g/PROVIDERS/a/b/c/Providers/X/y/z",
            "/subscriptions/s/providers/X/y/z",
            "/subscriptions/s/resourceGroups/g/providers/A/b/c/providers/X/y",
            "//providers//a/b//providers///",
            "/providers/providers/providers/a/b/c",
        ];
        for id in ids {
            assert_eq!(parent_len(id), parent_len_by_split(id), "{id}");
        }
    }
}
