//! Profiles: the vendor's facts as data. Built-in profiles are compiled into the binary; a user
//! profile may `extends:` one and override parts of it. A profile is checked when loaded:
//! unknown keys and dangling references are errors with their location.

pub mod model;

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::diag::{Diagnostic, Diagnostics, InputErrors, Location, suggestion};
use crate::load::yaml::{self, Positions};
use crate::rules::Rule;

pub use model::Profile;
use model::*;

/// The profiles compiled into the binary: name, file, text.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "standard",
        "profiles/standard.yaml",
        include_str!("../../profiles/standard.yaml"),
    ),
    (
        "strict",
        "profiles/strict.yaml",
        include_str!("../../profiles/strict.yaml"),
    ),
];

/// The text of a built-in profile.
pub fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, _, text)| *text)
}

/// A profile read from one file, with what is needed to point into that file.
struct Layer {
    file: String,
    positions: Positions,
    profile: Profile,
}

/// A loaded, merged and checked profile with indexes for the lookups the pipeline makes.
#[derive(Debug)]
pub struct Catalog {
    pub profile: Profile,
    /// The names of the profiles folded into this one, the built-in base first.
    pub chain: Vec<String>,
    types: HashMap<String, usize>,
    aliases: HashMap<String, usize>,
    plans: HashMap<String, usize>,
    /// Plans by their name as the profile spells it.
    plan_names: HashMap<String, usize>,
    classes: HashMap<String, usize>,
    modules: HashMap<String, usize>,
    roles: HashMap<String, usize>,
    use_cases: HashMap<String, usize>,
    service_plans: HashMap<String, usize>,
    skus: HashMap<String, usize>,
    products: BTreeSet<String>,
    tiers: HashMap<String, usize>,
    sensitivity_keys: BTreeSet<String>,
    impact_keys: BTreeSet<String>,
    /// Prices by plan (lower-cased), and sub-plan (lower-cased) where the entry names one.
    prices: HashMap<(String, Option<String>), usize>,
    /// vCPUs by lower-cased size name.
    vcpus: HashMap<String, u32>,
}

/// Loads a profile by built-in name or path, folds it onto what it extends, and checks it.
pub fn load(spec: &str) -> Result<Catalog, InputErrors> {
    let mut layers = Vec::new();
    let mut next = Some(spec.to_owned());
    while let Some(spec) = next.take() {
        if layers.len() >= 8 || layers.iter().any(|l: &Layer| l.profile.name == spec) {
            let chain: Vec<_> = layers.iter().map(|l| l.profile.name.as_str()).collect();
            return Err(InputErrors::one(
                Diagnostic::error(
                    Location::file(layers.last().map_or(spec.as_str(), |l| l.file.as_str())),
                    format!("profiles extend each other in a loop: {} -> {spec}", chain.join(" -> ")),
                )
                .with_help("a profile may extend a built-in profile or another file, without coming back to itself"),
            ));
        }
        let layer = read_layer(&spec).map_err(InputErrors::one)?;
        next = layer.profile.extends.clone();
        layers.push(layer);
    }
    layers.reverse();
    check_duplicates(&layers)?;

    let (profile, origins) = merge(&layers);
    let catalog = Catalog::new(
        profile,
        layers.iter().map(|l| l.profile.name.clone()).collect(),
    );
    let problems = validate(&catalog, &origins, &layers);
    problems.finish().map_err(|mut e| {
        e.0.sort();
        e
    })?;
    Ok(catalog)
}

fn read_layer(spec: &str) -> Result<Layer, Diagnostic> {
    let (file, text) = match BUILTIN.iter().find(|(name, ..)| *name == spec) {
        Some((_, file, text)) => ((*file).to_owned(), (*text).to_owned()),
        None => {
            let path = std::path::Path::new(spec);
            if !path.exists() {
                let names = BUILTIN.iter().map(|(n, ..)| *n);
                return Err(Diagnostic::error(
                    Location::file(spec),
                    format!("no built-in profile and no file named `{spec}`"),
                )
                .with_help(format!(
                    "{} (built-in profiles: {}; `mdrplan profiles` lists them)",
                    suggestion(spec, names.clone()),
                    names.collect::<Vec<_>>().join(", ")
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| {
                Diagnostic::error(
                    Location::file(spec),
                    format!("cannot read the profile: {e}"),
                )
            })?;
            let (text, _) = crate::load::text::decode(spec, &bytes)?;
            (spec.to_owned(), text)
        }
    };
    let profile: Profile = yaml::from_str(&file, &text)?;
    let positions = Positions::index(&text);
    Ok(Layer {
        file,
        positions,
        profile,
    })
}

/// Where each keyed entry of the merged profile was written: layer and path in its file.
type Origins = HashMap<(&'static str, String), (usize, String)>;

/// Two entries with one key in one file: the second would silently replace the first.
fn check_duplicates(layers: &[Layer]) -> Result<(), InputErrors> {
    let mut problems = Diagnostics::default();
    for layer in layers {
        let mut check = |section: &'static str, items: &dyn KeyedList| {
            let mut seen = HashMap::default();
            for i in 0..items.len() {
                let key = items.key(i);
                if let Some(first) = seen.insert(key.clone(), i) {
                    problems
                        .error(
                            layer
                                .positions
                                .locate(&layer.file, &format!("{section}[{i}]")),
                            format!("`{key}` appears twice in {section} (also entry {first})"),
                        )
                        .help = Some("keep one entry per key".into());
                }
            }
        };
        visit_sections(&layer.profile, &mut check);
    }
    problems.finish().map(|_| ())
}

/// A list whose entries are identified by a key, seen without its element type.
trait KeyedList {
    fn len(&self) -> usize;
    fn key(&self, i: usize) -> String;
}

struct Keyed<'a, T> {
    items: &'a [T],
    key: fn(&T) -> String,
}

impl<T> KeyedList for Keyed<'_, T> {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn key(&self, i: usize) -> String {
        (self.key)(&self.items[i])
    }
}

fn visit_sections(p: &Profile, f: &mut dyn FnMut(&'static str, &dyn KeyedList)) {
    macro_rules! visit {
        ($section:expr, $items:expr, $key:expr) => {
            f(
                $section,
                &Keyed {
                    items: $items,
                    key: $key,
                },
            )
        };
    }
    visit!("modules", &p.modules, |e: &Module| e.id.clone());
    visit!("plans", &p.plans, |e: &Plan| e.name.clone());
    visit!("classes", &p.classes, |e: &AssetClass| e.id.clone());
    visit!("resource_types", &p.resource_types, |e: &ResourceType| e
        .type_name
        .to_ascii_lowercase());
    visit!("roles", &p.roles, |e: &Role| e.id.clone());
    visit!("tiers", &p.tiers, |e: &TierRequirement| e.plan.clone());
    visit!("use_cases", &p.use_cases, |e: &UseCase| e.id.clone());
    visit!("setting_checks", &p.setting_checks, |e: &SettingCheck| e
        .setting
        .to_ascii_lowercase());
    visit!("telemetry", &p.telemetry, |e: &TelemetrySource| e
        .id
        .clone());
    visit!(
        "organization_checks",
        &p.organization_checks,
        |e: &OrganizationCheck| e.id.clone()
    );
    if let Some(prices) = &p.prices {
        visit!("prices.items", &prices.items, |e: &Price| e.key());
    }
    if let Some(l) = &p.licences {
        visit!("licences.products", &l.products, |e: &Product| e.id.clone());
        visit!(
            "licences.service_plans",
            &l.service_plans,
            |e: &ServicePlan| e.name.to_ascii_uppercase()
        );
        visit!("licences.skus", &l.skus, |e: &LicenceSku| e
            .part_number
            .to_ascii_uppercase());
    }
}

/// Replaces entries with the same key, appends new ones.
fn merge_keyed<T>(into: &mut Vec<T>, from: Vec<T>, key: impl Fn(&T) -> String) {
    for item in from {
        let k = key(&item);
        match into.iter().position(|e| key(e) == k) {
            Some(i) => into[i] = item,
            None => into.push(item),
        }
    }
}

fn merge_axis<T: Clone>(into: &mut Option<TagAxis<T>>, from: Option<TagAxis<T>>) {
    match (into.as_mut(), from) {
        (Some(a), Some(b)) => {
            for k in b.keys {
                if !a.keys.contains(&k) {
                    a.keys.push(k);
                }
            }
            a.values.extend(b.values);
            a.sources.extend(b.sources);
        }
        (None, Some(b)) => *into = Some(b),
        _ => {}
    }
}

/// Folds the layers, base first, into one profile, and records where each entry came from.
fn merge(layers: &[Layer]) -> (Profile, Origins) {
    let mut origins = Origins::default();
    let mut out = Profile::default();
    for (n, layer) in layers.iter().enumerate() {
        let mut record = |section: &'static str, items: &dyn KeyedList| {
            for i in 0..items.len() {
                origins.insert((section, items.key(i)), (n, format!("{section}[{i}]")));
            }
        };
        visit_sections(&layer.profile, &mut record);

        let p = layer.profile.clone();
        out.name = p.name;
        out.extends = p.extends;
        if !p.description.is_empty() {
            out.description = p.description;
        }
        if p.as_of.is_some() {
            out.as_of = p.as_of;
        }
        out.sources.extend(p.sources);
        merge_keyed(&mut out.modules, p.modules, |e| e.id.clone());
        if !p.always_modules.is_empty() {
            out.always_modules = p.always_modules;
        }
        merge_keyed(&mut out.plans, p.plans, |e| e.name.clone());
        merge_keyed(&mut out.classes, p.classes, |e| e.id.clone());
        merge_keyed(&mut out.resource_types, p.resource_types, |e| {
            e.type_name.to_ascii_lowercase()
        });
        merge_keyed(&mut out.roles, p.roles, |e| e.id.clone());
        if let Some(tags) = p.tags {
            let into = out.tags.get_or_insert_with(TagMappings::default);
            merge_axis(&mut into.sensitivity, tags.sensitivity);
            merge_axis(&mut into.impact, tags.impact);
        }
        if p.default_classification.is_some() {
            out.default_classification = p.default_classification;
        }
        merge_keyed(&mut out.tiers, p.tiers, |e| e.plan.clone());
        if let Some(s) = p.severity {
            let into = out.severity.get_or_insert_with(SeverityPolicy::default);
            into.base.extend(s.base);
            into.tier_shift.extend(s.tier_shift);
        }
        // Part by part: a profile that rewords a rule's fix keeps its parent's `why`.
        for (rule, doc) in p.rule_docs {
            let into = out.rule_docs.entry(rule).or_default();
            for (part, new) in [
                (&mut into.summary, doc.summary),
                (&mut into.why, doc.why),
                (&mut into.fix, doc.fix),
                (&mut into.example, doc.example),
            ] {
                if new.is_some() {
                    *part = new;
                }
            }
            into.sources.extend(doc.sources);
            into.sources.sort();
            into.sources.dedup();
        }
        merge_keyed(&mut out.use_cases, p.use_cases, |e| e.id.clone());
        merge_keyed(&mut out.telemetry, p.telemetry, |e| e.id.clone());
        merge_keyed(&mut out.setting_checks, p.setting_checks, |e| {
            e.setting.to_ascii_lowercase()
        });
        if p.alert_rules.is_some() {
            out.alert_rules = p.alert_rules;
        }
        if let Some(l) = p.licences {
            let into = out.licences.get_or_insert_with(Licences::default);
            merge_keyed(&mut into.products, l.products, |e| e.id.clone());
            merge_keyed(&mut into.service_plans, l.service_plans, |e| {
                e.name.to_ascii_uppercase()
            });
            merge_keyed(&mut into.skus, l.skus, |e| {
                e.part_number.to_ascii_uppercase()
            });
        }
        merge_keyed(&mut out.organization_checks, p.organization_checks, |e| {
            e.id.clone()
        });
        if p.remediation.is_some() {
            out.remediation = p.remediation;
        }
        if let Some(prices) = p.prices {
            merge_prices(out.prices.get_or_insert_with(PriceSheet::default), prices);
        }
        if let Some(sizes) = p.vm_sizes {
            let into = out.vm_sizes.get_or_insert_with(VmSizes::default);
            into.vcpus.extend(sizes.vcpus);
            into.sources.extend(sizes.sources);
            if sizes.as_of.is_some() {
                into.as_of = sizes.as_of;
            }
        }
    }
    (out, origins)
}

/// Folds a price sheet onto another: an entry with the same plan and sub-plan replaces the
/// earlier one whole.
fn merge_prices(into: &mut PriceSheet, from: PriceSheet) {
    if from.hours_per_month.is_some() {
        into.hours_per_month = from.hours_per_month;
    }
    merge_keyed(&mut into.items, from.items, Price::key);
}

/// Reads a price file (`--prices`), checks it against the catalog, and folds it onto the
/// catalog's prices. Errors name the file, line and column.
pub fn apply_price_file(catalog: &mut Catalog, path: &std::path::Path) -> Result<(), InputErrors> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        InputErrors::one(
            Diagnostic::error(
                Location::file(&file),
                format!("cannot read the price file: {e}"),
            )
            .with_help("check the path given with --prices"),
        )
    })?;
    let (text, _) = crate::load::text::decode(&file, &bytes).map_err(InputErrors::one)?;
    let parsed: PriceFile = yaml::from_str(&file, &text).map_err(|mut d| {
        if d.help.is_none() {
            d.help = Some(
                "a price file holds one `prices:` section as a profile writes it: hours_per_month and items [{plan, sub_plan, usd, unit, source, as_of}]"
                    .into(),
            );
        }
        InputErrors::one(d)
    })?;
    let positions = Positions::index(&text);
    let mut problems = Diagnostics::default();
    check_prices(catalog, &parsed.prices, &mut |path, message, help| {
        problems.push(
            Diagnostic::error(positions.locate(&file, &format!("prices.{path}")), message)
                .with_help(help),
        )
    });
    let mut seen = HashMap::default();
    for (i, item) in parsed.prices.items.iter().enumerate() {
        if let Some(first) = seen.insert(item.key(), i) {
            problems.push(
                Diagnostic::error(
                    positions.locate(&file, &format!("prices.items[{i}]")),
                    format!("`{}` is priced twice (also entry {first})", item.key()),
                )
                .with_help("keep one entry per plan and sub-plan"),
            );
        }
    }
    problems.finish().map_err(|mut e| {
        e.0.sort();
        e
    })?;
    merge_prices(
        catalog
            .profile
            .prices
            .get_or_insert_with(PriceSheet::default),
        parsed.prices,
    );
    catalog.index_prices();
    Ok(())
}

/// Checks a price sheet against the plans it prices; `report` takes the path under `prices.`,
/// the message and the help.
fn check_prices(c: &Catalog, sheet: &PriceSheet, report: &mut dyn FnMut(String, String, String)) {
    if let Some(h) = sheet.hours_per_month
        && !(h.is_finite() && h > 0.0 && h <= 744.0)
    {
        report(
            "hours_per_month".into(),
            format!("hours_per_month `{h}` is not a month's hours"),
            "write the hours billed in a month (Azure bills 730)".into(),
        );
    }
    let plan_names: Vec<&str> = c.plan_names().collect();
    for (i, item) in sheet.items.iter().enumerate() {
        let at = |field: &str| format!("items[{i}].{field}");
        match c.plan(&item.plan) {
            None => report(
                at("plan"),
                format!("price for unknown plan `{}`", item.plan),
                suggestion(&item.plan, plan_names.iter().copied()),
            ),
            Some(plan) => {
                if let Some(sub) = &item.sub_plan
                    && !plan.sub_plans.iter().any(|s| &s.name == sub)
                {
                    let subs: Vec<&str> = plan.sub_plans.iter().map(|s| s.name.as_str()).collect();
                    report(
                        at("sub_plan"),
                        format!("plan {} has no sub-plan `{sub}`", plan.name),
                        if subs.is_empty() {
                            "the plan has no sub-plans: leave sub_plan out".into()
                        } else {
                            suggestion(sub, subs.iter().copied())
                        },
                    );
                }
            }
        }
        if let Some(units) = units_for(c, &item.plan)
            && !item.unit.is_metered()
            && !units.contains(&item.unit)
        {
            let names: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
            report(
                at("unit"),
                format!(
                    "plan {} is not counted in `{}`: its quantity would be multiplied by the wrong unit",
                    item.plan,
                    item.unit.as_str()
                ),
                format!("use one of: {}", names.join(", ")),
            );
        }
        if !(item.usd.is_finite() && item.usd >= 0.0) {
            report(
                at("usd"),
                format!("price `{}` is not an amount", item.usd),
                "write the list price in US dollars, e.g. 15 or 0.0012; leave an unknown price out"
                    .into(),
            );
        }
        if !is_month(&item.as_of) && !is_date(&item.as_of) {
            report(
                at("as_of"),
                format!("as_of `{}` is not a date", item.as_of),
                "write when the source gave the price, as YYYY-MM or YYYY-MM-DD".into(),
            );
        }
        if item.source.trim().is_empty() {
            report(
                at("source"),
                "the price has no source".into(),
                "say where the price was read (a price list, a quote, a workbook)".into(),
            );
        }
    }
}

/// The price units that fit how a plan's resources are counted (their `billing`), or `None`
/// when the profile does not say how any of them is counted. Units metered by use always fit:
/// they leave the cost unknown.
fn units_for(c: &Catalog, plan: &str) -> Option<Vec<PriceUnit>> {
    let billings = c
        .profile
        .resource_types
        .iter()
        .filter(|t| {
            t.plan
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(plan))
        })
        .filter_map(|t| t.billing)
        .chain(
            c.profile
                .roles
                .iter()
                .filter(|r| {
                    r.plan
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case(plan))
                })
                .filter_map(|r| r.billing),
        );
    let mut units = Vec::new();
    for billing in billings {
        let fit: &[PriceUnit] = match billing {
            Billing::Each | Billing::Capacity | Billing::HostCapacity => &[
                PriceUnit::ServerMonth,
                PriceUnit::InstanceMonth,
                PriceUnit::StorageAccountMonth,
                PriceUnit::ServerOrInstanceMonth,
                PriceUnit::ResourceMonth,
                PriceUnit::KeyVaultMonth,
            ],
            Billing::NodeVcores => &[PriceUnit::VcoreMonth],
            Billing::Throughput => &[PriceUnit::HundredRusHour],
            Billing::Subscription => &[PriceUnit::SubscriptionMonth],
            Billing::Through => &[],
        };
        units.extend_from_slice(fit);
    }
    units.sort();
    units.dedup();
    (!units.is_empty()).then_some(units)
}

fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 7 && b[4] == b'-' && is_date(&format!("{s}-01")))
        || (b.len() == 4 && b.iter().all(u8::is_ascii_digit))
}

/// Lower-cases and drops spaces, hyphens and underscores: how tag keys and values compare.
pub fn normalize_tag(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn index<T>(items: &[T], key: impl Fn(&T) -> String) -> HashMap<String, usize> {
    items.iter().enumerate().map(|(i, e)| (key(e), i)).collect()
}

impl Catalog {
    fn new(profile: Profile, chain: Vec<String>) -> Catalog {
        let mut aliases = HashMap::default();
        for (i, t) in profile.resource_types.iter().enumerate() {
            for a in t.aliases.iter().chain(&t.display_names) {
                aliases.entry(a.to_ascii_lowercase()).or_insert(i);
            }
        }
        let licences = profile.licences.clone().unwrap_or_default();
        let tags = profile.tags.clone().unwrap_or_default();
        Catalog {
            types: index(&profile.resource_types, |t| {
                t.type_name.to_ascii_lowercase()
            }),
            aliases,
            plans: index(&profile.plans, |p| p.name.to_ascii_lowercase()),
            plan_names: index(&profile.plans, |p| p.name.clone()),
            classes: index(&profile.classes, |c| c.id.clone()),
            modules: index(&profile.modules, |m| m.id.clone()),
            roles: index(&profile.roles, |r| r.id.clone()),
            use_cases: index(&profile.use_cases, |u| u.id.clone()),
            service_plans: index(&licences.service_plans, |s| s.name.to_ascii_uppercase()),
            skus: index(&licences.skus, |s| s.part_number.to_ascii_uppercase()),
            products: licences.products.iter().map(|p| p.id.clone()).collect(),
            tiers: index(&profile.tiers, |t| t.plan.to_ascii_lowercase()),
            sensitivity_keys: tags
                .sensitivity
                .iter()
                .flat_map(|a| a.keys.iter().map(|k| normalize_tag(k)))
                .collect(),
            impact_keys: tags
                .impact
                .iter()
                .flat_map(|a| a.keys.iter().map(|k| normalize_tag(k)))
                .collect(),
            chain,
            prices: HashMap::default(),
            vcpus: profile
                .vm_sizes
                .iter()
                .flat_map(|v| v.vcpus.iter().map(|(k, n)| (k.to_ascii_lowercase(), *n)))
                .collect(),
            profile,
        }
        .with_price_index()
    }

    fn with_price_index(mut self) -> Catalog {
        self.index_prices();
        self
    }

    fn index_prices(&mut self) {
        self.prices = self
            .profile
            .prices
            .iter()
            .flat_map(|p| p.items.iter().enumerate())
            .map(|(i, p)| {
                (
                    (
                        p.plan.to_ascii_lowercase(),
                        p.sub_plan.as_ref().map(|s| s.to_ascii_lowercase()),
                    ),
                    i,
                )
            })
            .collect();
    }

    /// The price of a plan at a sub-plan: the sub-plan's own entry, or the plan's entry
    /// without a sub-plan. `None`: the sheet has no price for it.
    pub fn price(&self, plan: &str, sub_plan: Option<&str>) -> Option<&Price> {
        let items = &self.profile.prices.as_ref()?.items;
        let plan = plan.to_ascii_lowercase();
        sub_plan
            .and_then(|s| {
                self.prices
                    .get(&(plan.clone(), Some(s.to_ascii_lowercase())))
            })
            .or_else(|| self.prices.get(&(plan, None)))
            .map(|i| &items[*i])
    }

    /// Hours billed in a month, for prices per hour.
    pub fn hours_per_month(&self) -> Option<f64> {
        self.profile.prices.as_ref()?.hours_per_month
    }

    /// A virtual machine size's vCPUs, when the profile knows the size.
    pub fn vcpus(&self, size: &str) -> Option<u32> {
        self.vcpus.get(&size.to_ascii_lowercase()).copied()
    }

    pub fn name(&self) -> &str {
        &self.profile.name
    }

    /// A resource type by its vendor name or an alias, without case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        let lower = name.to_ascii_lowercase();
        self.types
            .get(&lower)
            .or_else(|| self.aliases.get(&lower))
            .map(|i| &self.profile.resource_types[*i])
    }

    /// A resource type's place in `profile.resource_types`.
    pub fn resource_type_index(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.types
            .get(&lower)
            .or_else(|| self.aliases.get(&lower))
            .copied()
    }

    /// Every alias an overlay may use for a type.
    pub fn aliases(&self) -> impl Iterator<Item = &str> + Clone {
        self.profile
            .resource_types
            .iter()
            .flat_map(|t| t.aliases.iter().map(String::as_str))
    }

    pub fn plan(&self, name: &str) -> Option<&Plan> {
        // Most look-ups use the profile's own spelling: no need to fold the case then.
        let i = match self.plan_names.get(name) {
            Some(i) => Some(i),
            None => self.plans.get(&name.to_ascii_lowercase()),
        };
        i.map(|i| &self.profile.plans[*i])
    }

    pub fn plan_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.profile.plans.iter().map(|p| p.name.as_str())
    }

    pub fn class(&self, id: &str) -> Option<&AssetClass> {
        self.classes.get(id).map(|i| &self.profile.classes[*i])
    }

    /// A class's place in `profile.classes`.
    pub fn class_index(&self, id: &str) -> Option<usize> {
        self.classes.get(id).copied()
    }

    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.get(id).map(|i| &self.profile.modules[*i])
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.get(id).map(|i| &self.profile.roles[*i])
    }

    pub fn role_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.profile.roles.iter().map(|r| r.id.as_str())
    }

    pub fn use_case(&self, id: &str) -> Option<&UseCase> {
        self.use_cases.get(id).map(|i| &self.profile.use_cases[*i])
    }

    pub fn use_case_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.profile.use_cases.iter().map(|u| u.id.as_str())
    }

    pub fn telemetry(&self, id: &str) -> Option<&TelemetrySource> {
        self.profile.telemetry.iter().find(|t| t.id == id)
    }

    pub fn telemetry_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.profile.telemetry.iter().map(|t| t.id.as_str())
    }

    /// The severity an analytics rule for an application of this tier gets, as the SIEM spells it.
    pub fn alert_severity(&self, tier: crate::domain::Tier) -> Option<&str> {
        self.profile
            .alert_rules
            .as_ref()
            .and_then(|r| r.severity.get(&tier.0))
            .map(String::as_str)
    }

    pub fn tier_requirement(&self, plan: &str) -> Option<&TierRequirement> {
        self.tiers
            .get(&plan.to_ascii_lowercase())
            .map(|i| &self.profile.tiers[*i])
    }

    /// The products a licence name grants: a SKU part number (through its service plans) or a
    /// service-plan name. `None` when the profile knows neither.
    pub fn licence_products(&self, name: &str) -> Option<BTreeSet<String>> {
        let upper = name.to_ascii_uppercase();
        let licences = self.profile.licences.as_ref()?;
        let mut out = BTreeSet::new();
        if let Some(i) = self.skus.get(&upper) {
            let sku = &licences.skus[*i];
            out.extend(sku.grants.iter().cloned());
            for sp in &sku.service_plans {
                out.extend(self.service_plan_products(sp));
            }
            return Some(out);
        }
        self.service_plans
            .get(&upper)
            .map(|i| licences.service_plans[*i].grants.iter().cloned().collect())
    }

    /// The products one service plan grants (nothing when the profile does not know it).
    pub fn service_plan_products(&self, name: &str) -> Vec<String> {
        let licences = self.profile.licences.as_ref();
        self.service_plans
            .get(&name.to_ascii_uppercase())
            .and_then(|i| licences.map(|l| l.service_plans[*i].grants.clone()))
            .unwrap_or_default()
    }

    /// The products a licence SKU grants by itself, beyond its service plans.
    pub fn sku_grants(&self, part_number: &str) -> Option<&[String]> {
        let licences = self.profile.licences.as_ref()?;
        self.skus
            .get(&part_number.to_ascii_uppercase())
            .map(|i| licences.skus[*i].grants.as_slice())
    }

    pub fn product_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.profile
            .licences
            .as_ref()
            .and_then(|l| l.products.iter().find(|p| p.id == id))
            .map_or(id, |p| p.name.as_str())
    }

    pub fn licence_names(&self) -> impl Iterator<Item = &str> + Clone {
        let l = self.profile.licences.as_ref();
        l.into_iter().flat_map(|l| {
            l.skus
                .iter()
                .map(|s| s.part_number.as_str())
                .chain(l.service_plans.iter().map(|s| s.name.as_str()))
        })
    }

    /// Whether a normalised tag key carries sensitivity (or impact).
    pub fn is_sensitivity_key(&self, normalized: &str) -> bool {
        self.sensitivity_keys.contains(normalized)
    }

    pub fn is_impact_key(&self, normalized: &str) -> bool {
        self.impact_keys.contains(normalized)
    }

    /// A rule's one-line summary, in the profile's words where it has them.
    pub fn rule_summary(&self, rule: Rule) -> &str {
        self.rule_doc(rule, |d| &d.summary)
            .unwrap_or(rule.summary())
    }

    /// Why a rule matters, in the profile's words where it has them.
    pub fn rule_why(&self, rule: Rule) -> &str {
        self.rule_doc(rule, |d| &d.why).unwrap_or(rule.why())
    }

    /// How to fix a rule's findings, in the profile's words where it has them.
    pub fn rule_fix(&self, rule: Rule) -> &str {
        self.rule_doc(rule, |d| &d.fix).unwrap_or(rule.fix())
    }

    /// An example of a rule's finding, in the profile's words where it has them.
    pub fn rule_example(&self, rule: Rule) -> &str {
        self.rule_doc(rule, |d| &d.example)
            .unwrap_or(rule.example())
    }

    fn rule_doc(
        &self,
        rule: Rule,
        part: impl Fn(&model::RuleDoc) -> &Option<String>,
    ) -> Option<&str> {
        self.profile
            .rule_docs
            .get(rule.name())
            .and_then(|d| part(d).as_deref())
    }

    /// The base severity of a rule under this profile.
    pub fn base_severity(&self, rule: Rule) -> crate::domain::Severity {
        self.profile
            .severity
            .as_ref()
            .and_then(|s| s.base.get(rule.name()).copied())
            .unwrap_or_else(|| rule.default_severity())
    }

    /// How many steps a tier moves a severity.
    pub fn tier_shift(&self, tier: crate::domain::Tier) -> i8 {
        let default = match tier.0 {
            1 => 1,
            2 => 0,
            3 => -1,
            _ => -2,
        };
        self.profile
            .severity
            .as_ref()
            .and_then(|s| s.tier_shift.get(&tier.0).copied())
            .unwrap_or(default)
    }

    /// The default classification for assets nothing else classifies.
    pub fn default_classification(&self) -> AxisValues {
        self.profile.default_classification.unwrap_or(AxisValues {
            sensitivity: crate::domain::Sensitivity::Internal,
            impact: crate::domain::Impact::Medium,
        })
    }
}

/// Checks every reference in the merged profile, pointing each problem at the file and line
/// where the entry was written.
fn validate(c: &Catalog, origins: &Origins, layers: &[Layer]) -> Diagnostics {
    let p = &c.profile;
    let mut out = Diagnostics::default();
    let top = layers.last().expect("at least one layer");
    let at = |section: &'static str, key: &str, field: &str| -> Location {
        match origins.get(&(section, key.to_owned())) {
            Some((n, path)) => {
                let l = &layers[*n];
                let full = if field.is_empty() {
                    path.clone()
                } else {
                    format!("{path}.{field}")
                };
                l.positions.locate(&l.file, &full)
            }
            None => top.positions.locate(&top.file, section),
        }
    };
    let mut err = |loc: Location, msg: String, help: String| {
        out.push(Diagnostic::error(loc, msg).with_help(help));
    };

    match &p.as_of {
        Some(d) if is_date(d) => {}
        Some(d) => err(
            top.positions.locate(&top.file, "as_of"),
            format!("as_of `{d}` is not a date"),
            "write the date the facts were checked as YYYY-MM-DD".into(),
        ),
        None => err(
            Location::file(&top.file),
            "the profile has no `as_of` date".into(),
            "add `as_of: YYYY-MM-DD`, the date its facts were checked".into(),
        ),
    }
    if p.remediation.is_none() {
        err(
            Location::file(&top.file),
            "the profile has no `remediation` templates".into(),
            "add remediation.enable_plan and remediation.enable_sub_plan".into(),
        );
    }

    let source_keys: Vec<&str> = p.sources.keys().map(String::as_str).collect();
    let check_sources = |section: &'static str,
                         key: &str,
                         sources: &[String],
                         err: &mut dyn FnMut(Location, String, String)| {
        for s in sources {
            if !p.sources.contains_key(s) {
                err(
                    at(section, key, "sources"),
                    format!("unknown source key `{s}`"),
                    suggestion(s, source_keys.iter().copied()),
                );
            }
        }
    };

    let module_ids: Vec<&str> = p.modules.iter().map(|m| m.id.as_str()).collect();
    for m in &p.always_modules {
        if c.module(m).is_none() {
            err(
                top.positions.locate(&top.file, "always_modules"),
                format!("always_modules names unknown module `{m}`"),
                suggestion(m, module_ids.iter().copied()),
            );
        }
    }

    let plan_names: Vec<&str> = c.plan_names().collect();
    for plan in &p.plans {
        check_sources("plans", &plan.name, &plan.sources, &mut err);
        for r in &plan.replaced_by {
            if c.plan(r).is_none() {
                err(
                    at("plans", &plan.name, "replaced_by"),
                    format!("plan {} is replaced by unknown plan `{r}`", plan.name),
                    suggestion(r, plan_names.iter().copied()),
                );
            }
        }
        let subs: Vec<&str> = plan.sub_plans.iter().map(|s| s.name.as_str()).collect();
        for s in plan
            .sub_plans
            .iter()
            .filter_map(|s| s.replaced_by.as_ref())
            .chain(plan.default_sub_plan.as_ref())
        {
            if !subs.contains(&s.as_str()) {
                err(
                    at("plans", &plan.name, "sub_plans"),
                    format!("plan {} names unknown sub-plan `{s}`", plan.name),
                    suggestion(s, subs.iter().copied()),
                );
            }
        }
    }

    let class_ids: Vec<&str> = p.classes.iter().map(|c| c.id.as_str()).collect();
    let mut aliases: BTreeMap<String, &str> = BTreeMap::new();
    for t in &p.resource_types {
        let key = t.type_name.to_ascii_lowercase();
        if !t.type_name.contains('/') {
            err(at("resource_types", &key, "type"), format!("`{}` is not a resource type (Provider/type)", t.type_name), "write the vendor's type name, e.g. Microsoft.Compute/virtualMachines; short names go under aliases".into());
        }
        if c.class(&t.class).is_none() {
            err(
                at("resource_types", &key, "class"),
                format!(
                    "resource type {} names unknown class `{}`",
                    t.type_name, t.class
                ),
                suggestion(&t.class, class_ids.iter().copied()),
            );
        }
        if let Some(plan) = &t.plan
            && c.plan(plan).is_none()
        {
            err(
                at("resource_types", &key, "plan"),
                format!("resource type {} names unknown plan `{plan}`", t.type_name),
                suggestion(plan, plan_names.iter().copied()),
            );
        }
        for m in &t.modules {
            if c.module(m).is_none() {
                err(
                    at("resource_types", &key, "modules"),
                    format!("resource type {} names unknown module `{m}`", t.type_name),
                    suggestion(m, module_ids.iter().copied()),
                );
            }
        }
        for (field, names) in [("aliases", &t.aliases), ("display_names", &t.display_names)] {
            for a in names {
                if let Some(other) = aliases.insert(a.to_ascii_lowercase(), &t.type_name) {
                    err(
                        at("resource_types", &key, field),
                        format!(
                            "the name `{a}` is given to both {other} and {}",
                            t.type_name
                        ),
                        "give each alias and display name to one type".into(),
                    );
                }
            }
        }
        check_sources("resource_types", &key, &t.sources, &mut err);
        for v in &t.not_covered {
            check_sources("resource_types", &key, &v.sources, &mut err);
        }
        if let Some(b) = &t.billed_by_use {
            check_sources("resource_types", &key, &b.sources, &mut err);
        }
    }
    let use_case_ids: Vec<&str> = p.use_cases.iter().map(|u| u.id.as_str()).collect();
    for t in &p.telemetry {
        check_sources("telemetry", &t.id, &t.sources, &mut err);
        for (use_case, template) in &t.queries {
            let field = format!("queries.{use_case}");
            if c.use_case(use_case).is_none() {
                err(
                    at("telemetry", &t.id, &field),
                    format!(
                        "telemetry {} has a query for unknown use case `{use_case}`",
                        t.id
                    ),
                    suggestion(use_case, use_case_ids.iter().copied()),
                );
            }
            for problem in check_template(template) {
                err(
                    at("telemetry", &t.id, &format!("{field}.{}", problem.field)),
                    format!(
                        "telemetry {}, query for {use_case}: {}",
                        t.id, problem.message
                    ),
                    problem.help,
                );
            }
        }
    }
    let telemetry_ids: Vec<&str> = p.telemetry.iter().map(|t| t.id.as_str()).collect();
    for u in &p.use_cases {
        for t in &u.telemetry {
            if !telemetry_ids.contains(&t.as_str()) {
                err(
                    at("use_cases", &u.id, "telemetry"),
                    format!("use case {} names unknown telemetry source `{t}`", u.id),
                    suggestion(t, telemetry_ids.iter().copied()),
                );
            }
        }
    }
    for check in &p.setting_checks {
        let key = check.setting.to_ascii_lowercase();
        check_sources("setting_checks", &key, &check.sources, &mut err);
        if let Some(plan) = &check.plan
            && c.plan(plan).is_none()
        {
            err(
                at("setting_checks", &key, "plan"),
                format!(
                    "setting check {} names unknown plan `{plan}`",
                    check.setting
                ),
                suggestion(plan, plan_names.iter().copied()),
            );
        }
    }
    if let Some(rules) = &p.alert_rules {
        let missing: Vec<String> = (1..=4u8)
            .filter(|t| !rules.severity.contains_key(t))
            .map(|t| t.to_string())
            .collect();
        let extra: Vec<String> = rules
            .severity
            .keys()
            .filter(|t| !(1..=4).contains(*t))
            .map(|t| t.to_string())
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            err(
                top.positions.locate(&top.file, "alert_rules.severity"),
                format!(
                    "alert_rules.severity should give a severity for each tier 1 to 4 (missing: {}; unknown: {})",
                    if missing.is_empty() { "none".into() } else { missing.join(", ") },
                    if extra.is_empty() { "none".into() } else { extra.join(", ") },
                ),
                "write `severity: {1: High, 2: Medium, 3: Low, 4: Informational}` or your own choice".into(),
            );
        }
        for s in &rules.sources {
            if !p.sources.contains_key(s) {
                err(
                    top.positions.locate(&top.file, "alert_rules.sources"),
                    format!("unknown source key `{s}`"),
                    suggestion(s, source_keys.iter().copied()),
                );
            }
        }
    }

    for r in &p.roles {
        for cl in &r.applies_to {
            if c.class(cl).is_none() {
                err(
                    at("roles", &r.id, "applies_to"),
                    format!("role {} names unknown class `{cl}`", r.id),
                    suggestion(cl, class_ids.iter().copied()),
                );
            }
        }
        if let Some(plan) = &r.plan
            && c.plan(plan).is_none()
        {
            err(
                at("roles", &r.id, "plan"),
                format!("role {} names unknown plan `{plan}`", r.id),
                suggestion(plan, plan_names.iter().copied()),
            );
        }
        for m in &r.modules {
            if c.module(m).is_none() {
                err(
                    at("roles", &r.id, "modules"),
                    format!("role {} names unknown module `{m}`", r.id),
                    suggestion(m, module_ids.iter().copied()),
                );
            }
        }
    }

    let rule_names: Vec<&str> = Rule::names().collect();
    for t in &p.tiers {
        let Some(plan) = c.plan(&t.plan) else {
            err(
                at("tiers", &t.plan, "plan"),
                format!("tier requirement names unknown plan `{}`", t.plan),
                suggestion(&t.plan, plan_names.iter().copied()),
            );
            continue;
        };
        for (tier, sub) in &t.sub_plans {
            if !(1..=4).contains(tier) {
                err(
                    at("tiers", &t.plan, "sub_plans"),
                    format!("tier {tier} does not exist"),
                    "tiers are 1 to 4".into(),
                );
            }
            if !plan.sub_plans.iter().any(|s| &s.name == sub) {
                let subs = plan.sub_plans.iter().map(|s| s.name.as_str());
                err(
                    at("tiers", &t.plan, "sub_plans"),
                    format!("plan {} has no sub-plan `{sub}`", t.plan),
                    suggestion(sub, subs),
                );
            }
        }
        if Rule::from_name(&t.rule).is_none() {
            err(
                at("tiers", &t.plan, "rule"),
                format!("unknown rule `{}`", t.rule),
                suggestion(&t.rule, rule_names.iter().copied()),
            );
        }
    }

    if let Some(s) = &p.severity {
        for rule in s.base.keys() {
            if Rule::from_name(rule).is_none() {
                err(
                    top.positions
                        .locate(&top.file, &format!("severity.base.{rule}")),
                    format!("unknown rule `{rule}`"),
                    suggestion(rule, rule_names.iter().copied()),
                );
            }
        }
        for tier in s.tier_shift.keys() {
            if !(1..=4).contains(tier) {
                err(
                    top.positions.locate(&top.file, "severity.tier_shift"),
                    format!("tier {tier} does not exist"),
                    "tiers are 1 to 4".into(),
                );
            }
        }
    }

    for (rule, doc) in &p.rule_docs {
        if Rule::from_name(rule).is_none() {
            err(
                top.positions
                    .locate(&top.file, &format!("rule_docs.{rule}")),
                format!("unknown rule `{rule}`"),
                suggestion(rule, rule_names.iter().copied()),
            );
        }
        for source in doc.sources.iter().filter(|s| !p.sources.contains_key(*s)) {
            err(
                top.positions
                    .locate(&top.file, &format!("rule_docs.{rule}.sources")),
                format!("unknown source key `{source}`"),
                suggestion(source, source_keys.iter().copied()),
            );
        }
    }

    if let Some(l) = &p.licences {
        let product_ids: Vec<&str> = l.products.iter().map(|p| p.id.as_str()).collect();
        for sp in &l.service_plans {
            for g in &sp.grants {
                if !c.products.contains(g) {
                    err(
                        at(
                            "licences.service_plans",
                            &sp.name.to_ascii_uppercase(),
                            "grants",
                        ),
                        format!("service plan {} grants unknown product `{g}`", sp.name),
                        suggestion(g, product_ids.iter().copied()),
                    );
                }
            }
        }
        let plan_names: Vec<&str> = l.service_plans.iter().map(|s| s.name.as_str()).collect();
        for sku in &l.skus {
            let key = sku.part_number.to_ascii_uppercase();
            for sp in &sku.service_plans {
                if !c.service_plans.contains_key(&sp.to_ascii_uppercase()) {
                    err(
                        at("licences.skus", &key, "service_plans"),
                        format!(
                            "licence {} names unknown service plan `{sp}`",
                            sku.part_number
                        ),
                        suggestion(sp, plan_names.iter().copied()),
                    );
                }
            }
            for g in &sku.grants {
                if !c.products.contains(g) {
                    err(
                        at("licences.skus", &key, "grants"),
                        format!("licence {} grants unknown product `{g}`", sku.part_number),
                        suggestion(g, product_ids.iter().copied()),
                    );
                }
            }
        }
    }

    if let Some(sheet) = &p.prices {
        let mut report = |path: String, message: String, help: String| {
            // `items[i].field`: find the layer that wrote that entry.
            let loc = path
                .strip_prefix("items[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(i, field)| {
                    let item = sheet.items.get(i.parse::<usize>().ok()?)?;
                    Some(at(
                        "prices.items",
                        &item.key(),
                        field.trim_start_matches('.'),
                    ))
                })
                .unwrap_or_else(|| top.positions.locate(&top.file, &format!("prices.{path}")));
            err(loc, message, help);
        };
        check_prices(c, sheet, &mut report);
    }

    let facts: Vec<&str> = c
        .products
        .iter()
        .map(String::as_str)
        .chain(model::ORGANIZATION_FACTS.iter().copied())
        .collect();
    for check in &p.organization_checks {
        match Rule::from_name(&check.rule) {
            Some(r) if r.is_organization_wide() => {}
            Some(_) => err(
                at("organization_checks", &check.id, "rule"),
                format!("rule `{}` is not an organisation-wide rule", check.rule),
                "organisation checks raise log-detection-missing and the -protection-missing rules"
                    .into(),
            ),
            None => err(
                at("organization_checks", &check.id, "rule"),
                format!("unknown rule `{}`", check.rule),
                suggestion(&check.rule, rule_names.iter().copied()),
            ),
        }
        if c.module(&check.module).is_none() {
            err(
                at("organization_checks", &check.id, "module"),
                format!("unknown module `{}`", check.module),
                suggestion(&check.module, module_ids.iter().copied()),
            );
        }
        for f in check.when.iter().chain(&check.requires_any) {
            if !facts.contains(&f.as_str()) {
                err(
                    at("organization_checks", &check.id, "requires_any"),
                    format!("unknown product or fact `{f}`"),
                    suggestion(f, facts.iter().copied()),
                );
            }
        }
    }
    out
}

/// A mistake in a query template: the field it is in, what is wrong, what to do.
struct TemplateProblem {
    field: &'static str,
    message: String,
    help: String,
}

/// The placeholders every query template may use besides its own parameters.
pub const TEMPLATE_PLACEHOLDERS: &[&str] = &["resource_ids", "application_name"];

/// The `{name}` placeholders of a template, in order of appearance (`name` is lower-case
/// letters, digits and underscores; other braces are KQL's own).
pub fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{') {
        let start = rest + open + 1;
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(text.len() - start);
        if len > 0 && text[start + len..].starts_with('}') {
            out.push((start - 1, &text[start..start + len]));
        }
        rest = start;
    }
    out
}

/// A duration as analytics rules write it (`5m`, `1h`, `2d`), in minutes.
pub fn duration_minutes(text: &str) -> Option<u64> {
    let unit = match text.chars().last()? {
        'm' => 1,
        'h' => 60,
        'd' => 1440,
        _ => return None,
    };
    let n: u64 = text[..text.len() - 1].parse().ok()?;
    (n > 0).then_some(n * unit)
}

fn check_template(t: &QueryTemplate) -> Vec<TemplateProblem> {
    let mut out = Vec::new();
    let mut problem = |field, message: String, help: &str| {
        out.push(TemplateProblem {
            field,
            message,
            help: help.to_owned(),
        })
    };

    let known: Vec<&str> = TEMPLATE_PLACEHOLDERS
        .iter()
        .copied()
        .chain(t.parameters.keys().map(String::as_str))
        .collect();
    let used: BTreeSet<&str> = placeholders(&t.query).into_iter().map(|(_, p)| p).collect();
    for p in &used {
        if !known.contains(p) {
            problem(
                "query",
                format!("unknown placeholder `{{{p}}}`"),
                &format!(
                    "{} (placeholders: {}, or a name under `parameters`)",
                    suggestion(p, known.iter().copied()),
                    TEMPLATE_PLACEHOLDERS.join(", ")
                ),
            );
        }
    }
    for name in t.parameters.keys() {
        if !used.contains(name.as_str()) {
            problem(
                "parameters",
                format!("parameter `{name}` is not used in the query"),
                "write `{name}` where the query needs the value, or remove the parameter",
            );
        }
        if TEMPLATE_PLACEHOLDERS.contains(&name.as_str()) {
            problem(
                "parameters",
                format!("parameter `{name}` has the name of a built-in placeholder"),
                "give the parameter another name",
            );
        }
    }

    let words: BTreeSet<&str> = t
        .query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    for e in &t.entities {
        if !words.contains(e.column.as_str()) {
            problem(
                "entities",
                format!(
                    "entity {} maps column `{}`, which the query does not name",
                    e.entity, e.column
                ),
                "map a column the query projects, or project it",
            );
        }
    }

    let duration_help = "write a number and m, h or d, e.g. 5m, 1h, 1d";
    let frequency = duration_minutes(&t.frequency);
    let period = duration_minutes(&t.period);
    if frequency.is_none() {
        problem(
            "frequency",
            format!("`{}` is not a duration", t.frequency),
            duration_help,
        );
    }
    if period.is_none() {
        problem(
            "period",
            format!("`{}` is not a duration", t.period),
            duration_help,
        );
    }
    if let (Some(f), Some(p)) = (frequency, period)
        && p < f
    {
        problem(
            "period",
            format!(
                "the period {} is shorter than the frequency {}",
                t.period, t.frequency
            ),
            "a run should look back at least as far as the time since the last run",
        );
    }
    out
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

/// A profile as YAML, for `profiles show`.
pub fn to_yaml(profile: &Profile) -> String {
    serde_yaml::to_string(profile).unwrap_or_default()
}
