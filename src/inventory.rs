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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sku {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub capacity: Option<u64>,
}

/// A resource, server or other thing to protect.
#[derive(Debug, Clone)]
pub struct Asset {
    /// As given: a resource id, or the overlay's id.
    pub id: String,
    pub name: String,
    /// The resource type, spelled as the profile spells it when the profile knows it.
    pub type_name: String,
    pub kind: Option<String>,
    pub sku: Option<Sku>,
    /// The subscription's id.
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub location: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Classification written for this asset itself.
    pub declared: PartialAxes,
    pub roles: Vec<String>,
    pub capabilities: Vec<String>,
    /// Where the asset was read.
    pub origin: Location,
}

impl Asset {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
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
    pub origin: Location,
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
    pub origin: Location,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub name: Option<String>,
}

impl Subscription {
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// The state of one plan as an input declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanState {
    /// Standard (on) or Free (off).
    pub on: bool,
    pub sub_plan: Option<String>,
    /// Where the state was read.
    pub origin: Location,
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
}

impl PlanStates {
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
    pub origin: Location,
}

/// A classification rule from the overlay: first rule that sets an axis wins.
#[derive(Debug, Clone)]
pub struct ClassifyRule {
    pub selector: Selector,
    pub set: PartialAxes,
    /// How the rule is named in reasons, e.g. `classify rule 2`.
    pub label: String,
    pub origin: Location,
}

/// What one input file was taken to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct InputSummary {
    pub path: String,
    pub kind: String,
    pub records: usize,
}

/// Everything the inputs say, normalised.
#[derive(Debug, Default)]
pub struct Inventory {
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
}

impl Inventory {
    pub fn subscription(&self, id: Option<&str>) -> Option<&Subscription> {
        let id = id?;
        self.subscriptions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
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
    pub fn matches(
        &self,
        asset: &Asset,
        aliases: &[String],
        subscription: Option<&Subscription>,
    ) -> bool {
        let opt = |p: &Option<Pattern>, v: Option<&str>| match p {
            None => true,
            Some(p) => v.is_some_and(|v| p.is_match(v)),
        };
        opt(&self.id, Some(&asset.id))
            && opt(&self.name, Some(&asset.name))
            && self.type_name.as_ref().is_none_or(|p| {
                p.is_match(&asset.type_name) || aliases.iter().any(|a| p.is_match(a))
            })
            && opt(&self.resource_group, asset.resource_group.as_deref())
            && self.subscription.as_ref().is_none_or(|p| {
                asset.subscription.as_deref().is_some_and(|s| p.is_match(s))
                    || subscription
                        .and_then(|s| s.name.as_deref())
                        .is_some_and(|n| p.is_match(n))
            })
            && self
                .tags
                .iter()
                .all(|(k, p)| asset.tag(k).is_some_and(|v| p.is_match(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, name: &str) -> Subscription {
        Subscription {
            id: id.into(),
            name: Some(name.into()),
        }
    }

    fn state(on: bool) -> PlanState {
        PlanState {
            on,
            sub_plan: None,
            origin: Location::file("o.yaml"),
        }
    }

    #[test]
    fn most_specific_plan_state_wins() {
        let mut s = PlanStates::default();
        s.entries.push(PlanStateEntry {
            scope: SubscriptionScope::parse("corp-prod").unwrap(),
            plan: "KeyVaults".into(),
            state: state(true),
        });
        s.entries.push(PlanStateEntry {
            scope: SubscriptionScope::parse("*").unwrap(),
            plan: "KeyVaults".into(),
            state: state(false),
        });
        s.entries.push(PlanStateEntry {
            scope: SubscriptionScope::parse("corp-*").unwrap(),
            plan: "Dns".into(),
            state: state(true),
        });
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
        let asset = Asset {
            id: "/subscriptions/1/resourceGroups/RG-Payments-EU/providers/x/y/z".into(),
            name: "vm1".into(),
            type_name: "Microsoft.Compute/virtualMachines".into(),
            kind: None,
            sku: None,
            subscription: Some("1".into()),
            resource_group: Some("RG-Payments-EU".into()),
            location: None,
            tags: vec![("Env".into(), "Prod".into())],
            declared: PartialAxes::default(),
            roles: vec![],
            capabilities: vec![],
            origin: Location::file("f"),
        };
        let sel = Selector {
            resource_group: Some(Pattern::new("rg-payments-*").unwrap()),
            tags: vec![("env".into(), Pattern::new("prod").unwrap())],
            type_name: Some(Pattern::new("server").unwrap()),
            ..Selector::default()
        };
        assert!(sel.matches(&asset, &["server".into()], None));
        assert!(!sel.matches(&asset, &["vm".into()], None));
        let by_id = Selector {
            id: Some(Pattern::new("/subscriptions/1/*").unwrap()),
            ..Selector::default()
        };
        assert!(by_id.matches(&asset, &[], None));
    }
}

/// Look-ups that let a selector with a literal field skip the assets it cannot match.
#[derive(Debug, Default)]
pub struct AssetIndex {
    by_id: std::collections::HashMap<String, AssetId>,
    by_name: std::collections::HashMap<String, Vec<AssetId>>,
    by_group: std::collections::HashMap<String, Vec<AssetId>>,
    by_tag: std::collections::HashMap<(String, String), Vec<AssetId>>,
}

impl AssetIndex {
    pub fn new(assets: &[Asset]) -> AssetIndex {
        let mut index = AssetIndex::default();
        for (i, a) in assets.iter().enumerate() {
            index.by_id.insert(a.id.to_ascii_lowercase(), i);
            index
                .by_name
                .entry(a.name.to_ascii_lowercase())
                .or_default()
                .push(i);
            if let Some(rg) = &a.resource_group {
                index
                    .by_group
                    .entry(rg.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
            for (k, v) in &a.tags {
                index
                    .by_tag
                    .entry((k.to_ascii_lowercase(), v.to_ascii_lowercase()))
                    .or_default()
                    .push(i);
            }
        }
        index
    }

    pub fn id(&self, id: &str) -> Option<AssetId> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// Assets with this name (without case).
    pub fn named(&self, name: &str) -> &[AssetId] {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The assets a selector may match, or `None` when only a full scan can tell.
    fn candidates(&self, s: &Selector) -> Option<Vec<AssetId>> {
        if let Some(id) = s.id.as_ref().and_then(Pattern::literal) {
            return Some(self.by_id.get(id).map(|i| vec![*i]).unwrap_or_default());
        }
        if let Some((k, v)) = s.tags.iter().find_map(|(k, p)| p.literal().map(|v| (k, v))) {
            return Some(
                self.by_tag
                    .get(&(k.to_ascii_lowercase(), v.to_owned()))
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        if let Some(n) = s.name.as_ref().and_then(Pattern::literal) {
            return Some(self.by_name.get(n).cloned().unwrap_or_default());
        }
        if let Some(g) = s.resource_group.as_ref().and_then(Pattern::literal) {
            return Some(self.by_group.get(g).cloned().unwrap_or_default());
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
                .resource_type(&a.type_name)
                .map_or(&[][..], |t| t.aliases.as_slice());
            s.matches(a, aliases, inv.subscription(a.subscription.as_deref()))
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
