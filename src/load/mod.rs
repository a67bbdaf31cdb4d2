//! Reading the inputs: files and folders, their encodings, what kind of input each one is,
//! and the overlay's facts turned into the [`Inventory`].

pub mod exports;
pub mod overlay;
pub mod resources;
pub mod text;
pub mod yaml;

use std::collections::{BTreeSet, HashMap};
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

/// Reads every input and builds the inventory. Files are read in path order, so the result does
/// not depend on the order they were named in.
pub fn load(inputs: &[PathBuf], catalog: &Catalog) -> Result<Loaded, InputErrors> {
    let files = expand(inputs)?;
    let mut diags = Diagnostics::default();
    let mut builder = Builder::new(catalog);
    for file in &files {
        let display = file.to_string_lossy().replace('\\', "/");
        match read_text(file, &display) {
            Ok(text) => builder.add_file(&display, &text, &mut diags),
            Err(d) => diags.push(d),
        }
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

fn read_text(path: &Path, display: &str) -> Result<String, Diagnostic> {
    let size = std::fs::metadata(path)
        .map_err(|e| {
            Diagnostic::error(
                Location::file(display),
                format!("cannot read the file: {e}"),
            )
        })?
        .len();
    if size > MAX_OVERLAY_BYTES {
        return Err(Diagnostic::error(
            Location::file(display),
            format!(
                "the file is {} MiB, far larger than any overlay",
                size / (1024 * 1024)
            ),
        )
        .with_help(
            "this version of mdrplan reads overlay files; pass the overlay, not an export",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            Location::file(display),
            format!("cannot read the file: {e}"),
        )
    })?;
    let (text, _) = text::decode(display, &bytes)?;
    Ok(text)
}

/// What an input file holds, decided from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Overlay,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Overlay => "overlay",
        }
    }
}

/// Decides the kind of a file from its parsed content.
fn detect(display: &str, text: &str) -> Result<Kind, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(Location::file(display), "the file is empty").with_help(
            "an overlay starts with `version: 1`; remove the file from the inputs if it is not one",
        ));
    }
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
    {
        return Err(json_error(display, &e));
    }
    if overlay::looks_like_overlay(text) {
        return Ok(Kind::Overlay);
    }
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(parse_error(display, text, &e)),
    };
    let what = describe_export(&value);
    Err(Diagnostic::error(Location::file(display), format!("not an input mdrplan reads: {what}")).with_help(
        "this version reads overlay files: a YAML or JSON mapping with `version: 1` (see the README)",
    ))
}

/// A parse error, in JSON's terms when the file is JSON.
fn parse_error(display: &str, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Err(je) = serde_json::from_str::<serde::de::IgnoredAny>(text)
    {
        return json_error(display, &je);
    }
    let mut d = yaml::to_diagnostic(display, e);
    d.message = format!("invalid YAML: {}", d.message);
    if d.help.is_none() {
        d.help =
            Some("fix the YAML at that position (indentation, quotes, a missing colon)".into());
    }
    d
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

fn strip_json_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// A short description of a document that is not an overlay, naming the export it resembles.
fn describe_export(value: &serde_yaml::Value) -> String {
    let has = |k: &str| value.as_mapping().is_some_and(|m| m.contains_key(k));
    let first_item_has = |k: &str| {
        let items = value
            .as_sequence()
            .or_else(|| value.get("value").and_then(|v| v.as_sequence()));
        let items = items.or_else(|| value.get("data").and_then(|v| v.as_sequence()));
        items
            .and_then(|s| s.first())
            .and_then(|i| i.as_mapping())
            .is_some_and(|m| m.contains_key(k))
    };
    if first_item_has("skuPartNumber") || first_item_has("SkuPartNumber") {
        "a licence export (subscribedSkus)".into()
    } else if first_item_has("pricingTier")
        || first_item_has("properties") && value.get("value").is_some()
    {
        "a Defender pricing export".into()
    } else if has("total_records") || has("totalRecords") || first_item_has("resourceGroup") {
        "a Resource Graph export".into()
    } else if has("query") {
        "an analytics rule".into()
    } else if value.is_sequence() {
        "a list, not a mapping with `version: 1`".into()
    } else if value.is_mapping() {
        "a mapping without `version: 1`".into()
    } else {
        "a single value, not a mapping with `version: 1`".into()
    }
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

struct Builder<'a> {
    catalog: &'a Catalog,
    inv: Inventory,
    asset_seen: HashMap<String, Location>,
    app_seen: HashMap<String, Location>,
    refs: Vec<PendingRef>,
    selectors: Vec<PendingSelector>,
    organization_from: Option<Location>,
}

impl<'a> Builder<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        Builder {
            catalog,
            inv: Inventory::default(),
            asset_seen: HashMap::new(),
            app_seen: HashMap::new(),
            refs: Vec::new(),
            selectors: Vec::new(),
            organization_from: None,
        }
    }

    fn add_file(&mut self, display: &str, text: &str, diags: &mut Diagnostics) {
        let kind = match detect(display, text) {
            Ok(k) => k,
            Err(d) => return diags.push(d),
        };
        match kind {
            Kind::Overlay => match overlay::parse(display, text) {
                Ok(o) => {
                    let positions = yaml::Positions::index(text);
                    let records = o.assets.len() + o.applications.len();
                    let here = Here {
                        file_no: self.inv.add_file(display),
                        file: display,
                        positions: &positions,
                    };
                    self.add_overlay(&here, o, diags);
                    self.inv.inputs.push(InputSummary {
                        path: display.to_owned(),
                        kind: kind.name().into(),
                        records,
                    });
                }
                Err(d) => diags.push(d),
            },
        }
    }

    /// The subscription named by an id or a display name, added when no input knew it.
    fn subscription_id(&mut self, text: &str) -> Sym {
        let known = self.inv.subscriptions.iter().find(|s| {
            s.id.eq_ignore_ascii_case(text)
                || s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(text))
        });
        let id = match known {
            Some(s) => s.id.clone(),
            None => {
                self.inv.subscriptions.push(Subscription {
                    id: text.to_owned(),
                    name: None,
                });
                text.to_owned()
            }
        };
        self.inv.strings.intern(&id)
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
                    origin,
                },
                "standard" | "on" => PlanState {
                    on: true,
                    sub_plan: None,
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

        let type_name = match a.type_name.as_deref() {
            None => {
                diags.error(at(""), format!("asset `{}` has no type", a.id)).help = Some(
                    "add `type:` with a resource type (Microsoft.Compute/virtualMachines) or a short name such as `server`".into(),
                );
                return;
            }
            Some(t) if t.contains('/') => self
                .catalog
                .resource_type(t)
                .map_or_else(|| t.to_owned(), |rt| rt.type_name.clone()),
            Some(t) => match self.catalog.resource_type(t) {
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
        let id = self.inv.assets.len();
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
        let strings = &mut self.inv.strings;
        let mut sym = |t: &str| strings.intern(t);
        let asset = Asset {
            name: a.name.unwrap_or_else(|| a.id.clone()).into(),
            id: a.id.into(),
            type_name: sym(&type_name),
            kind: a.kind.as_deref().map(&mut sym),
            sku: a.sku.map(|s| {
                Box::new(Sku {
                    name: s.name.as_deref().map(&mut sym),
                    tier: s.tier.as_deref().map(&mut sym),
                    capacity: s.capacity,
                })
            }),
            subscription,
            resource_group: a.resource_group.as_deref().map(&mut sym),
            location: a.location.as_deref().map(&mut sym),
            tags: a.tags.iter().map(|(k, v)| (sym(k), sym(v))).collect(),
            declared: PartialAxes {
                sensitivity: a.sensitivity,
                impact: a.impact,
            },
            roles: a.roles.iter().map(|r| sym(r)).collect(),
            capabilities: a.capabilities.iter().map(|c| sym(c)).collect(),
            origin: here.origin(&path),
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
            origin: here.origin(&path),
        });
    }

    /// Resolves references and selectors once every file is read.
    fn resolve(&mut self, diags: &mut Diagnostics) {
        let index = AssetIndex::new(&self.inv);
        for r in std::mem::take(&mut self.refs) {
            let Some(to) = index.id(&r.target) else {
                let ids = self.inv.assets.iter().map(|a| &*a.id);
                let hint = match crate::diag::closest(&r.target, ids) {
                    Some(best) => format!("did you mean `{best}`? Otherwise add the asset to the overlay or remove the reference"),
                    None => "add the asset to the overlay (or give the export that holds it), or remove the reference".into(),
                };
                diags
                    .error(r.at, format!("`{}` names no asset in the inputs", r.target))
                    .help = Some(hint);
                continue;
            };
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
        self.inv.subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
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
