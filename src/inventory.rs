//! The inventory: every asset, application, subscription and organisation fact the inputs
//! give, normalised into one model. Exports and overlays both load into it; later stages read
//! only this.

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobMatcher};

use crate::diag::Location;
use crate::domain::{Delivery, Exposure, Routing, Tenancy};
use crate::profile::model::PartialAxes;

/// Index of an asset in [`Inventory::assets`].
pub type AssetId = usize;
/// Index of an application in [`Inventory::applications`].
pub type AppId = usize;

/// A string shared by many records (a type, a location, a tag), stored once in [`Strings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(std::num::NonZeroU32);

/// The inventory's shared strings. A million resources use a few thousand distinct types,
/// locations, subscriptions, resource groups and tags: each is kept once.
#[derive(Debug, Default)]
pub struct Strings {
    index: rustc_hash::FxHashMap<Box<str>, Sym>,
    list: Vec<Box<str>>,
}

impl Strings {
    pub fn intern(&mut self, text: &str) -> Sym {
        if let Some(sym) = self.index.get(text) {
            return *sym;
        }
        let sym =
            // Numbered from 1, so that `Option<Sym>` takes no more room than a `Sym`.
            Sym(std::num::NonZeroU32::new(u32::try_from(self.list.len() + 1).expect("fewer than 4 billion distinct strings")).expect("above zero"));
        self.list.push(text.into());
        self.index.insert(text.into(), sym);
        sym
    }

    pub fn get(&self, sym: Sym) -> &str {
        &self.list[sym.0.get() as usize - 1]
    }

    /// The symbol of a string already interned.
    pub fn find(&self, text: &str) -> Option<Sym> {
        self.index.get(text).copied()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Where a record was read: a file of [`Inventory::files`], and a line and column where the
/// format has them (0 where it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Origin {
    pub file: u32,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sku {
    pub name: Option<Sym>,
    pub tier: Option<Sym>,
    pub capacity: Option<u64>,
    /// A cluster's node pools: the size of their machines and how many there are.
    pub pools: Box<[(Sym, u32)]>,
}

impl Sku {
    /// A SKU whose texts are kept in `strings`.
    pub fn interned(
        strings: &mut Strings,
        name: Option<&str>,
        tier: Option<&str>,
        capacity: Option<u64>,
    ) -> Box<Sku> {
        Box::new(Sku {
            name: name.map(|n| strings.intern(n)),
            tier: tier.map(|t| strings.intern(t)),
            capacity,
            pools: Box::new([]),
        })
    }
}

/// A resource, server or other thing to protect, in a compact form: repeated strings are
/// symbols, lists are boxed slices.
#[derive(Debug, Clone)]
pub struct Asset {
    /// As given: a resource id, or the overlay's id.
    pub id: Box<str>,
    /// The name, where it is not the last segment of the id (most exported resources').
    pub own_name: Option<Box<str>>,
    /// The resource type, spelled as the profile spells it when the profile knows it.
    pub type_name: Sym,
    pub kind: Option<Sym>,
    pub sku: Option<Box<Sku>>,
    /// The subscription's id.
    pub subscription: Option<Sym>,
    pub resource_group: Option<Sym>,
    pub location: Option<Sym>,
    pub tags: Box<[(Sym, Sym)]>,
    /// Classification written for this asset itself.
    pub declared: PartialAxes,
    pub roles: Box<[Sym]>,
    pub capabilities: Box<[Sym]>,
    /// Where the asset was read.
    pub origin: Origin,
    /// Facts an export gives that change how the asset is covered ([`Asset::NODE_POOL`]).
    pub flags: u8,
}

impl Asset {
    /// The scale set runs a Kubernetes cluster's nodes: the cluster's plan covers it.
    pub const NODE_POOL: u8 = 1;
    /// The export says the machine is deallocated (it is not billed).
    pub const DEALLOCATED: u8 = 2;
    /// The export gives the machine's power state.
    pub const POWER_KNOWN: u8 = 4;

    /// The asset's name: its own, or the last segment of its id.
    pub fn name(&self) -> &str {
        self.own_name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }

    /// What to keep for a name: nothing when the id says it already.
    pub fn name_to_keep(id: &str, name: &str) -> Option<Box<str>> {
        (last_segment(id) != name).then(|| name.into())
    }

    pub fn is_node_pool(&self) -> bool {
        self.flags & Asset::NODE_POOL != 0
    }

    pub fn is_deallocated(&self) -> bool {
        self.flags & Asset::DEALLOCATED != 0
    }
}

/// A relation between two assets that classification follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RelationKind {
    /// `from` depends on `to`.
    DependsOn,
    /// `from` runs on `to` (an app on its App Service plan).
    HostedOn,
    /// `from` is a child resource of `to`.
    ChildOf,
    /// `from` (a cluster) runs its nodes on `to` (a scale set).
    NodesOn,
    /// `from` manages `to` (a virtual machine its disk).
    Manages,
    /// `to` is a private endpoint that serves `from`.
    ServedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relation {
    pub from: AssetId,
    pub to: AssetId,
    pub kind: RelationKind,
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub use_case: String,
    pub rule: String,
    pub routed_to: Routing,
    pub origin: Origin,
}

/// A home-built application and the assets it is made of.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub delivery: Delivery,
    pub exposure: Exposure,
    pub tenancy: Tenancy,
    pub declared: PartialAxes,
    /// Component assets, sorted, each once.
    pub components: Vec<AssetId>,
    /// Assets the application depends on without being made of them.
    pub depends_on: Vec<AssetId>,
    pub alerts: Vec<Alert>,
    /// Telemetry sources the overlay declares (profile ids, sorted); empty: inferred.
    pub telemetry: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub name: Option<String>,
    pub tags: Box<[(Sym, Sym)]>,
    /// The label shown for it: its name, with its id where another subscription has that name.
    pub shown: Option<String>,
}

impl Subscription {
    pub fn label(&self) -> &str {
        self.shown
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// The state of one plan as an input declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanState {
    /// Standard (on) or Free (off).
    pub on: bool,
    pub sub_plan: Option<String>,
    /// The plan's extensions an export shows enabled (`AgentlessVmScanning`, ...), sorted;
    /// empty where the input does not say.
    pub extensions: Vec<String>,
    /// Where the state was read.
    pub origin: Origin,
}

/// Which subscriptions a plan-state entry speaks for.
#[derive(Debug, Clone)]
pub enum SubscriptionScope {
    /// One subscription, by id or name (lower-cased).
    Exact(String),
    Pattern(GlobMatcher),
    All,
}

impl SubscriptionScope {
    pub fn parse(text: &str) -> Result<SubscriptionScope, globset::Error> {
        if text == "*" {
            Ok(SubscriptionScope::All)
        } else if is_glob(text) {
            Ok(SubscriptionScope::Pattern(glob(text)?))
        } else {
            Ok(SubscriptionScope::Exact(text.to_ascii_lowercase()))
        }
    }

    /// How specific a match is (higher wins), or `None` when it does not match.
    fn rank(&self, sub: Option<&Subscription>) -> Option<u8> {
        match self {
            SubscriptionScope::All => Some(0),
            SubscriptionScope::Pattern(g) => {
                let sub = sub?;
                (g.is_match(&sub.id) || sub.name.as_deref().is_some_and(|n| g.is_match(n)))
                    .then_some(1)
            }
            SubscriptionScope::Exact(s) => {
                let sub = sub?;
                (sub.id.eq_ignore_ascii_case(s)
                    || sub
                        .name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(s)))
                .then_some(2)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlanStateEntry {
    pub scope: SubscriptionScope,
    /// The plan's name as the profile spells it.
    pub plan: String,
    pub state: PlanState,
}

/// Every plan state the inputs declared; the most specific entry for a subscription wins, and
/// among equally specific ones the last read.
#[derive(Debug, Clone, Default)]
pub struct PlanStates {
    pub entries: Vec<PlanStateEntry>,
    /// Resource-level pricings, by the hash of the lower-cased resource id.
    pub resources: rustc_hash::FxHashMap<u64, Vec<(String, PlanState)>>,
}

impl PlanStates {
    /// The state of a plan for one asset: its own resource-level pricing where an export gives
    /// one, else its subscription's.
    pub fn lookup_asset(
        &self,
        asset_id: &str,
        sub: Option<&Subscription>,
        plan: &str,
    ) -> Option<&PlanState> {
        if !self.resources.is_empty()
            && let Some(own) = self.resources.get(&fold_hash(asset_id))
            && let Some((_, state)) = own.iter().rev().find(|(p, _)| p.eq_ignore_ascii_case(plan))
        {
            return Some(state);
        }
        self.lookup(sub, plan)
    }

    pub fn lookup(&self, sub: Option<&Subscription>, plan: &str) -> Option<&PlanState> {
        let mut best: Option<(u8, &PlanState)> = None;
        for e in self
            .entries
            .iter()
            .filter(|e| e.plan.eq_ignore_ascii_case(plan))
        {
            if let Some(rank) = e.scope.rank(sub)
                && best.is_none_or(|(b, _)| rank >= b)
            {
                best = Some((rank, &e.state));
            }
        }
        best.map(|(_, s)| s)
    }
}

/// Managed clients, by platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clients {
    pub windows: u64,
    pub macos: u64,
    pub linux: u64,
    pub ios: u64,
    pub android: u64,
}

impl Clients {
    pub fn total(&self) -> u64 {
        self.windows + self.macos + self.linux + self.ios + self.android
    }
}

/// A licence the organisation holds, as named in an input.
#[derive(Debug, Clone)]
pub struct Licence {
    pub name: String,
    pub origin: Origin,
}

/// A classification rule from the overlay: first rule that sets an axis wins.
#[derive(Debug, Clone)]
pub struct ClassifyRule {
    pub selector: Selector,
    pub set: PartialAxes,
    /// How the rule is named in reasons, e.g. `classify rule 2`.
    pub label: String,
    pub origin: Origin,
}

/// What one input file was taken to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct InputSummary {
    pub path: String,
    pub kind: String,
    pub records: usize,
}

/// Tag pairs, key and value.
pub type Tags = Box<[(Sym, Sym)]>;

/// Everything the inputs say, normalised.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The input files, by [`Origin::file`].
    pub files: Vec<String>,
    pub strings: Strings,
    pub organization: Option<String>,
    pub assets: Vec<Asset>,
    pub applications: Vec<Application>,
    pub subscriptions: Vec<Subscription>,
    pub relations: Vec<Relation>,
    pub plan_states: PlanStates,
    pub licences: Vec<Licence>,
    pub clients: Clients,
    pub on_premises_ad: bool,
    /// Workspaces known to run the SIEM.
    pub siem_workspaces: BTreeSet<String>,
    pub classify_rules: Vec<ClassifyRule>,
    pub inputs: Vec<InputSummary>,
    /// Tags of resource groups, by subscription id and lower-cased group name: they apply to
    /// the resources the group holds.
    pub group_tags: rustc_hash::FxHashMap<(String, String), Tags>,
    /// Subscriptions by lower-cased id, into `subscriptions`.
    pub subscription_index: rustc_hash::FxHashMap<String, usize>,
    /// Each asset type's place in the profile's resource types (`None`: unknown), so that the
    /// per-asset stages look a type up by number rather than by text.
    pub type_index: rustc_hash::FxHashMap<Sym, Option<usize>>,
    /// Products granted beyond service plans (a licence suite's own product).
    pub products: BTreeSet<String>,
    /// Defender for Cloud settings read.
    pub settings: Vec<DefenderSetting>,
    /// Microsoft Sentinel analytics rules read from the inputs.
    pub analytics_rules: Vec<AnalyticsRule>,
    /// Whether any input held analytics rules: only then can a declared rule be found missing.
    pub rules_given: bool,
    /// Diagnostic settings by the lower-cased id of the resource they belong to.
    pub diagnostics: rustc_hash::FxHashMap<String, Vec<DiagnosticSetting>>,
    /// Whether any input held diagnostic settings: only then is a component's silence a finding.
    pub diagnostics_given: bool,
}

/// One Defender for Cloud setting of one subscription (`WDATP`, `MCAS`, `Sentinel`).
#[derive(Debug, Clone)]
pub struct DefenderSetting {
    /// The subscription's id, lower-cased, when the export says.
    pub subscription: Option<String>,
    pub name: String,
    pub enabled: bool,
    pub origin: Origin,
}

/// Where one diagnostic setting of a resource sends its logs.
#[derive(Debug, Clone)]
pub struct DiagnosticSetting {
    pub name: String,
    /// The Log Analytics workspace's name, lower-cased.
    pub workspace: Option<String>,
    /// Enabled log categories and category groups, lower-cased.
    pub categories: Vec<String>,
    pub origin: Origin,
}

/// A Microsoft Sentinel analytics rule, from the Azure-Sentinel YAML format or an ARM export.
#[derive(Debug, Clone, Default)]
pub struct AnalyticsRule {
    /// The rule's id (a GUID), when the export gives one.
    pub id: Option<String>,
    /// The display name.
    pub name: String,
    /// The template the rule was made from (`alertRuleTemplateName`).
    pub template: Option<String>,
    /// `Scheduled`, `NRT`, or another kind as exported.
    pub kind: String,
    pub enabled: bool,
    pub severity: Option<String>,
    pub query: String,
    /// The application and use case a rule generated by mdrplan was written for.
    pub application: Option<String>,
    pub use_case: Option<String>,
    pub origin: Origin,
}

impl AnalyticsRule {
    /// The texts an overlay's `rule:` may name this rule by: display name, id, template name;
    /// each trimmed, case-folded and with runs of white space as one space.
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.name.as_str())
            .chain(self.id.as_deref())
            .chain(self.template.as_deref())
            .map(rule_key)
    }
}

/// How rule names are compared: trimmed, case-folded, white space runs as one space.
pub fn rule_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Inventory {
    pub fn subscription(&self, id: Option<&str>) -> Option<&Subscription> {
        let id = id?;
        if let Some(i) = self.subscription_index.get(id) {
            return self.subscriptions.get(*i);
        }
        if id.bytes().any(|b| b.is_ascii_uppercase()) {
            return self
                .subscription_index
                .get(&id.to_ascii_lowercase())
                .and_then(|i| self.subscriptions.get(*i));
        }
        None
    }

    /// Sorts the subscriptions, rebuilds their index, and tells apart those that share a
    /// display name (two subscriptions with one name stay two).
    pub fn index_subscriptions(&mut self) {
        self.subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
        let mut names: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
        for s in &self.subscriptions {
            if let Some(n) = &s.name {
                *names.entry(n.to_ascii_lowercase()).or_default() += 1;
            }
        }
        for s in &mut self.subscriptions {
            s.shown = s
                .name
                .as_ref()
                .filter(|n| names.get(&n.to_ascii_lowercase()).is_some_and(|c| *c > 1))
                .map(|n| format!("{n} ({})", s.id));
        }
        self.subscription_index = self
            .subscriptions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.to_ascii_lowercase(), i))
            .collect();
    }

    /// The profile's entry for an asset's type.
    pub fn resource_type<'c>(
        &self,
        catalog: &'c crate::profile::Catalog,
        a: &Asset,
    ) -> Option<&'c crate::profile::model::ResourceType> {
        match self.type_index.get(&a.type_name) {
            Some(i) => i.map(|i| &catalog.profile.resource_types[i]),
            None => catalog.resource_type(self.type_of(a)),
        }
    }

    /// Fills [`Inventory::type_index`] for every asset type.
    pub fn index_types(&mut self, catalog: &crate::profile::Catalog) {
        let mut index = std::mem::take(&mut self.type_index);
        for a in &self.assets {
            index
                .entry(a.type_name)
                .or_insert_with(|| catalog.resource_type_index(self.strings.get(a.type_name)));
        }
        self.type_index = index;
    }

    /// The tags of the resource group that holds `a`.
    pub fn group_tags_of(&self, a: &Asset) -> &[(Sym, Sym)] {
        if self.group_tags.is_empty() {
            return &[];
        }
        let (Some(sub), Some(rg)) = (a.subscription, a.resource_group) else {
            return &[];
        };
        let key = (
            self.s(sub).to_ascii_lowercase(),
            self.s(rg).to_ascii_lowercase(),
        );
        self.group_tags.get(&key).map_or(&[], |t| t)
    }

    /// The text of a shared string.
    pub fn s(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }

    pub fn opt(&self, sym: Option<Sym>) -> Option<&str> {
        sym.map(|s| self.strings.get(s))
    }

    pub fn type_of(&self, a: &Asset) -> &str {
        self.s(a.type_name)
    }

    pub fn subscription_of(&self, a: &Asset) -> Option<&str> {
        self.opt(a.subscription)
    }

    /// A tag's value, the key compared without case.
    pub fn tag<'a>(&'a self, a: &Asset, key: &str) -> Option<&'a str> {
        a.tags
            .iter()
            .find(|(k, _)| self.s(*k).eq_ignore_ascii_case(key))
            .map(|(_, v)| self.s(*v))
    }

    /// A readable location for a record's origin.
    pub fn location(&self, o: Origin) -> Location {
        let file = self.files.get(o.file as usize).cloned().unwrap_or_default();
        if o.line == 0 {
            Location::file(file)
        } else {
            Location::at(file, o.line as usize, o.column as usize)
        }
    }

    /// Registers an input file, returning its number for [`Origin`]s.
    pub fn add_file(&mut self, display: &str) -> u32 {
        self.files.push(display.to_owned());
        u32::try_from(self.files.len() - 1).expect("fewer than 4 billion files")
    }
}

/// Whether a pattern has glob syntax.
pub fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// A case-insensitive glob; `/` is an ordinary character, so `*` spans it.
pub fn glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()?
        .compile_matcher())
}

/// One selector field: a literal compared without case, or a glob.
#[derive(Debug, Clone)]
pub enum Pattern {
    Literal(String),
    Glob(GlobMatcher),
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, globset::Error> {
        if is_glob(text) {
            Ok(Pattern::Glob(glob(text)?))
        } else {
            Ok(Pattern::Literal(text.to_ascii_lowercase()))
        }
    }

    pub fn is_match(&self, value: &str) -> bool {
        match self {
            Pattern::Literal(l) => value.eq_ignore_ascii_case(l),
            Pattern::Glob(g) => g.is_match(value),
        }
    }

    pub fn literal(&self) -> Option<&str> {
        match self {
            Pattern::Literal(l) => Some(l),
            Pattern::Glob(_) => None,
        }
    }
}

/// A compiled `match:` selector. Every field given must match.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub id: Option<Pattern>,
    pub name: Option<Pattern>,
    /// Matched against the type and the profile's aliases for it.
    pub type_name: Option<Pattern>,
    pub resource_group: Option<Pattern>,
    /// Matched against the subscription's id and name.
    pub subscription: Option<Pattern>,
    pub tags: Vec<(String, Pattern)>,
}

impl Selector {
    /// Whether `asset` matches; `aliases` are the profile's short names for its type.
    pub fn matches(&self, inv: &Inventory, asset: &Asset, aliases: &[String]) -> bool {
        let opt = |p: &Option<Pattern>, v: Option<&str>| match p {
            None => true,
            Some(p) => v.is_some_and(|v| p.is_match(v)),
        };
        opt(&self.id, Some(&asset.id))
            && opt(&self.name, Some(asset.name()))
            && self.type_name.as_ref().is_none_or(|p| {
                p.is_match(inv.type_of(asset)) || aliases.iter().any(|a| p.is_match(a))
            })
            && opt(&self.resource_group, inv.opt(asset.resource_group))
            && self.subscription.as_ref().is_none_or(|p| {
                let id = inv.subscription_of(asset);
                id.is_some_and(|s| p.is_match(s))
                    || inv
                        .subscription(id)
                        .and_then(|s| s.name.as_deref())
                        .is_some_and(|n| p.is_match(n))
            })
            && self
                .tags
                .iter()
                .all(|(k, p)| inv.tag(asset, k).is_some_and(|v| p.is_match(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, name: &str) -> Subscription {
        Subscription {
            id: id.into(),
            name: Some(name.into()),
            tags: Box::new([]),
            shown: None,
        }
    }

    fn state(on: bool) -> PlanState {
        PlanState {
            on,
            sub_plan: None,
            extensions: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn most_specific_plan_state_wins() {
        let mut s = PlanStates::default();
        let entry = |scope: &str, plan: &str, on: bool| PlanStateEntry {
            scope: SubscriptionScope::parse(scope).unwrap(),
            plan: plan.into(),
            state: state(on),
        };
        s.entries.push(entry("corp-prod", "KeyVaults", true));
        s.entries.push(entry("*", "KeyVaults", false));
        s.entries.push(entry("corp-*", "Dns", true));
        let corp = sub("1111", "Corp-Prod");
        let other = sub("2222", "saas");
        assert!(s.lookup(Some(&corp), "keyvaults").unwrap().on);
        assert!(!s.lookup(Some(&other), "KeyVaults").unwrap().on);
        assert!(s.lookup(Some(&corp), "Dns").unwrap().on);
        assert!(s.lookup(Some(&other), "Dns").is_none());
        assert!(!s.lookup(None, "KeyVaults").unwrap().on);
    }

    #[test]
    fn selector_globs_ignore_case_and_span_slashes() {
        let mut inv = Inventory::default();
        let asset = Asset {
            id: "/subscriptions/1/resourceGroups/RG-Payments-EU/providers/x/y/vm1".into(),
            own_name: None,
            type_name: inv.strings.intern("Microsoft.Compute/virtualMachines"),
            kind: None,
            sku: None,
            subscription: Some(inv.strings.intern("1")),
            resource_group: Some(inv.strings.intern("RG-Payments-EU")),
            location: None,
            tags: vec![(inv.strings.intern("Env"), inv.strings.intern("Prod"))].into(),
            declared: PartialAxes::default(),
            roles: Box::new([]),
            capabilities: Box::new([]),
            origin: Origin::default(),
            flags: 0,
        };
        let sel = Selector {
            resource_group: Some(Pattern::new("rg-payments-*").unwrap()),
            tags: vec![("env".into(), Pattern::new("prod").unwrap())],
            type_name: Some(Pattern::new("server").unwrap()),
            ..Selector::default()
        };
        assert!(sel.matches(&inv, &asset, &["server".into()]));
        assert!(!sel.matches(&inv, &asset, &["vm".into()]));
        let by_id = Selector {
            id: Some(Pattern::new("/subscriptions/1/*").unwrap()),
            ..Selector::default()
        };
        assert!(by_id.matches(&inv, &asset, &[]));
    }
}

/// What follows an id's last `/` (all of it when it has none): an ARM resource's name.
pub fn last_segment(id: &str) -> &str {
    memchr::memrchr(b'/', id.as_bytes()).map_or(id, |i| &id[i + 1..])
}

/// A case-blind hash of a text, for look-ups that must not keep a copy of every id.
pub fn fold_hash(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    let mut buf = [0u8; 64];
    for chunk in text.as_bytes().chunks(64) {
        for (d, b) in buf.iter_mut().zip(chunk) {
            *d = b.to_ascii_lowercase();
        }
        h.write(&buf[..chunk.len()]);
    }
    h.finish()
}

/// Look-ups that let a selector with a literal field skip the assets it cannot match. Keys
/// are hashes of the lower-cased text (candidates are checked against the selector anyway), so
/// the index costs a few words per asset, not a copy of every id.
#[derive(Debug, Default)]
pub struct AssetIndex {
    by_id: rustc_hash::FxHashMap<u64, Vec<AssetId>>,
    by_name: rustc_hash::FxHashMap<u64, Vec<AssetId>>,
    by_group: rustc_hash::FxHashMap<u64, Vec<AssetId>>,
    by_tag: rustc_hash::FxHashMap<(u64, u64), Vec<AssetId>>,
}

impl AssetIndex {
    pub fn new(inv: &Inventory) -> AssetIndex {
        let mut index = AssetIndex::default();
        for (i, a) in inv.assets.iter().enumerate() {
            index.by_id.entry(fold_hash(&a.id)).or_default().push(i);
            index
                .by_name
                .entry(fold_hash(a.name()))
                .or_default()
                .push(i);
            if let Some(rg) = a.resource_group {
                index
                    .by_group
                    .entry(fold_hash(inv.s(rg)))
                    .or_default()
                    .push(i);
            }
            for (k, v) in a.tags.iter() {
                index
                    .by_tag
                    .entry((fold_hash(inv.s(*k)), fold_hash(inv.s(*v))))
                    .or_default()
                    .push(i);
            }
        }
        index
    }

    /// The asset with this id (without case).
    pub fn id(&self, inv: &Inventory, id: &str) -> Option<AssetId> {
        self.by_id
            .get(&fold_hash(id))?
            .iter()
            .copied()
            .find(|a| inv.assets[*a].id.eq_ignore_ascii_case(id))
    }

    /// Assets with this name (without case).
    pub fn named(&self, inv: &Inventory, name: &str) -> Vec<AssetId> {
        self.by_name
            .get(&fold_hash(name))
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|a| inv.assets[*a].name().eq_ignore_ascii_case(name))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The assets a selector may match, or `None` when only a full scan can tell.
    fn candidates(&self, s: &Selector) -> Option<Vec<AssetId>> {
        let get = |map: &rustc_hash::FxHashMap<u64, Vec<AssetId>>, text: &str| {
            map.get(&fold_hash(text)).cloned().unwrap_or_default()
        };
        if let Some(id) = s.id.as_ref().and_then(Pattern::literal) {
            return Some(get(&self.by_id, id));
        }
        if let Some((k, v)) = s.tags.iter().find_map(|(k, p)| p.literal().map(|v| (k, v))) {
            return Some(
                self.by_tag
                    .get(&(fold_hash(k), fold_hash(v)))
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        if let Some(n) = s.name.as_ref().and_then(Pattern::literal) {
            return Some(get(&self.by_name, n));
        }
        if let Some(g) = s.resource_group.as_ref().and_then(Pattern::literal) {
            return Some(get(&self.by_group, g));
        }
        None
    }

    /// Every asset the selector matches, in asset order.
    pub fn select(
        &self,
        inv: &Inventory,
        s: &Selector,
        catalog: &crate::profile::Catalog,
    ) -> Vec<AssetId> {
        let check = |i: &AssetId| {
            let a = &inv.assets[*i];
            let aliases = catalog
                .resource_type(inv.type_of(a))
                .map_or(&[][..], |t| t.aliases.as_slice());
            s.matches(inv, a, aliases)
        };
        let mut out: Vec<AssetId> = match self.candidates(s) {
            Some(c) => c.into_iter().filter(check).collect(),
            None => (0..inv.assets.len()).filter(check).collect(),
        };
        out.sort_unstable();
        out.dedup();
        out
    }
}
