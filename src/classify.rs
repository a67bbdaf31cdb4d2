//! Classification: each asset's and application's sensitivity and impact, with the reason for
//! each, and the tier that follows. Sources, strongest first: the asset's own entry, classify
//! rules, tags, what flows along the graph, the profile's default for the type, and finally the
//! profile's default (which raises `unclassified-asset`). Propagation only raises a value.
//!
//! Reasons are kept compact ([`Why`]: a few bytes per asset) and put into words only when a
//! report asks for them ([`Classification::reason`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::diag::{Diagnostic, Location};
use crate::domain::{Impact, Sensitivity, Tier};
use crate::graph::{AssetGraph, Cycle, Edge, Node};
use crate::inventory::{Asset, AssetIndex, Inventory, Origin, Sym};
use crate::profile::{Catalog, normalize_tag};

/// Where a classification value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Overlay,
    Rule,
    Tag,
    Graph,
    TypeDefault,
    Default,
}

impl Source {
    /// The name the JSON report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Overlay => "overlay",
            Source::Rule => "rule",
            Source::Tag => "tag",
            Source::Graph => "graph",
            Source::TypeDefault => "type-default",
            Source::Default => "default",
        }
    }
}

/// Why an axis has its value, in compact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Written for the asset or application itself.
    Overlay,
    /// Set by the classify rule with this index.
    Rule(u32),
    Tag {
        key: Sym,
        value: Sym,
    },
    /// A tag of the resource group that holds the asset.
    GroupTag {
        key: Sym,
        value: Sym,
    },
    /// A tag of the asset's subscription.
    SubscriptionTag {
        key: Sym,
        value: Sym,
    },
    /// Flowed from graph node `from` along an edge of this kind.
    Graph {
        from: u32,
        edge: Edge,
    },
    TypeDefault,
    Default,
}

impl Why {
    pub fn source(self) -> Source {
        match self {
            Why::Overlay => Source::Overlay,
            Why::Rule(_) => Source::Rule,
            Why::Tag { .. } | Why::GroupTag { .. } | Why::SubscriptionTag { .. } => Source::Tag,
            Why::Graph { .. } => Source::Graph,
            Why::TypeDefault => Source::TypeDefault,
            Why::Default => Source::Default,
        }
    }
}

/// Why an axis has its value, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason<'i> {
    pub source: Source,
    pub text: Cow<'i, str>,
    /// Where the value was written, for values set in an input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// For values that flowed along the graph: the node ids from the source to this node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<&'i str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Sensitivity,
    Impact,
}

impl Axis {
    fn name(self) -> &'static str {
        match self {
            Axis::Sensitivity => "sensitivity",
            Axis::Impact => "impact",
        }
    }
}

/// The classification of one asset or application.
#[derive(Debug, Clone, Copy)]
pub struct Classified {
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub sensitivity_why: Why,
    pub impact_why: Why,
}

impl Classified {
    /// Whether either axis fell back to the profile's default.
    pub fn defaulted(&self) -> bool {
        self.sensitivity_why == Why::Default || self.impact_why == Why::Default
    }

    /// Whether nothing at all classifies it: both axes fell back to the profile's default.
    pub fn unclassified(&self) -> bool {
        self.sensitivity_why == Why::Default && self.impact_why == Why::Default
    }

    fn why(&self, axis: Axis) -> Why {
        match axis {
            Axis::Sensitivity => self.sensitivity_why,
            Axis::Impact => self.impact_why,
        }
    }
}

#[derive(Debug)]
pub struct Classification {
    pub assets: Vec<Classified>,
    pub applications: Vec<Classified>,
    pub cycles: Vec<Cycle>,
    pub warnings: Vec<Diagnostic>,
}

/// Both axes have four levels.
const LEVELS: u8 = 4;

/// A value on one axis before propagation, as a level 0..=3.
type Base = Option<(u8, Why)>;

pub fn classify(inv: &Inventory, graph: &AssetGraph, catalog: &Catalog) -> Classification {
    let mut warnings = Vec::new();
    let nodes = graph.graph.node_count();
    // `Classification::node_at` relies on this order.
    debug_assert!(graph.assets.iter().enumerate().all(|(i, n)| n.index() == i));
    debug_assert!(
        graph
            .applications
            .iter()
            .enumerate()
            .all(|(i, n)| n.index() == inv.assets.len() + i)
    );
    let (rule_s, rule_i) = rule_values(inv, catalog);
    let mut tags = TagReader::new(catalog);

    // One base value per node and axis: an explicit one, else the type's default (marked
    // `Why::TypeDefault`, seeded after the explicit ones at each level).
    let mut base_s: Vec<Base> = vec![None; nodes];
    let mut base_i: Vec<Base> = vec![None; nodes];

    for (i, asset) in inv.assets.iter().enumerate() {
        let n = graph.assets[i].index();
        let (tag_s, tag_i) = tags.read(inv, asset);
        let defaults = inv
            .resource_type(catalog, asset)
            .and_then(|t| t.defaults)
            .unwrap_or_default();
        base_s[n] = asset
            .declared
            .sensitivity
            .map(|s| (s as u8, Why::Overlay))
            .or(rule_s.get(i).copied().flatten())
            .or(tag_s)
            .or(defaults.sensitivity.map(|s| (s as u8, Why::TypeDefault)));
        base_i[n] = asset
            .declared
            .impact
            .map(|v| (v as u8, Why::Overlay))
            .or(rule_i.get(i).copied().flatten())
            .or(tag_i)
            .or(defaults.impact.map(|v| (v as u8, Why::TypeDefault)));
    }
    drop((rule_s, rule_i));
    for (i, app) in inv.applications.iter().enumerate() {
        let n = graph.applications[i].index();
        base_s[n] = app.declared.sensitivity.map(|s| (s as u8, Why::Overlay));
        base_i[n] = app.declared.impact.map(|v| (v as u8, Why::Overlay));
    }

    for ((key, value), (count, origin)) in tags.problems {
        warnings.push(
            Diagnostic::warning(
                inv.location(origin),
                format!("tag {key}={value} on {count} asset(s) has a value the profile does not know; it is ignored"),
            )
            .with_help("use one of the values the profile maps (`mdrplan profiles show standard`, under tags), or extend the profile"),
        );
    }

    let default = catalog.default_classification();
    let sens = propagate(graph, &base_s, default.sensitivity as u8);
    drop(base_s);
    let imp = propagate(graph, &base_i, default.impact as u8);
    drop(base_i);
    let make = |n: usize| {
        let (s, sw) = sens[n];
        let (i, iw) = imp[n];
        let sensitivity = Sensitivity::ALL[s as usize];
        let impact = Impact::ALL[i as usize];
        Classified {
            sensitivity,
            impact,
            tier: Tier::of(sensitivity, impact),
            sensitivity_why: sw,
            impact_why: iw,
        }
    };

    let cycles = graph.cycles();
    for cycle in &cycles {
        let names: Vec<String> = cycle.nodes.iter().map(|n| node_label(inv, *n)).collect();
        let origin = match cycle.nodes[0] {
            Node::Asset(a) => inv.assets[a].origin,
            Node::Application(a) => inv.applications[a].origin,
        };
        warnings.push(
            Diagnostic::warning(
                inv.location(origin),
                format!("dependency cycle between {}; propagation stops where the loop closes", names.join(", ")),
            )
            .with_help("a dependency cycle usually means one `depends_on` points the wrong way: check these entries"),
        );
    }
    Classification {
        assets: graph.assets.iter().map(|n| make(n.index())).collect(),
        applications: graph.applications.iter().map(|n| make(n.index())).collect(),
        cycles,
        warnings,
    }
}

/// For each asset, the first classify rule that sets each axis. Rules are matched once each
/// (through the asset index), not once per asset.
fn rule_values(inv: &Inventory, catalog: &Catalog) -> (Vec<Base>, Vec<Base>) {
    if inv.classify_rules.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut sens: Vec<Base> = vec![None; inv.assets.len()];
    let mut imp: Vec<Base> = vec![None; inv.assets.len()];
    let index = AssetIndex::new(inv);
    for (r, rule) in inv.classify_rules.iter().enumerate() {
        let why = Why::Rule(r as u32);
        for a in index.select(inv, &rule.selector, catalog) {
            if let (Some(v), None) = (rule.set.sensitivity, sens[a]) {
                sens[a] = Some((v as u8, why));
            }
            if let (Some(v), None) = (rule.set.impact, imp[a]) {
                imp[a] = Some((v as u8, why));
            }
        }
    }
    (sens, imp)
}

/// A group's tags, shared by the assets the group holds.
type SharedTags = std::rc::Rc<[(Sym, Sym)]>;

/// Reads classification from tags, remembering what each distinct key and value means so that
/// a million resources with a few hundred distinct tags cost a few hundred look-ups.
struct TagReader<'c> {
    catalog: &'c Catalog,
    // Looked up for every tag of every asset, by symbol: a fast hash, never iterated.
    keys: FxHashMap<Sym, Option<Axis>>,
    values: FxHashMap<(Sym, bool), Option<u8>>,
    /// Resource-group tags by (subscription, group), so each group is looked up once.
    groups: FxHashMap<(Option<Sym>, Option<Sym>), SharedTags>,
    /// Values under a known key that the profile cannot read, with a count and a first place.
    problems: BTreeMap<(String, String), (usize, Origin)>,
}

impl<'c> TagReader<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        TagReader {
            catalog,
            keys: FxHashMap::default(),
            values: FxHashMap::default(),
            groups: FxHashMap::default(),
            problems: BTreeMap::new(),
        }
    }

    /// The values the asset's own tags give, then those of its resource group and its
    /// subscription for an axis still unset.
    fn read(&mut self, inv: &Inventory, asset: &Asset) -> (Base, Base) {
        let mut found = (None, None);
        self.scan(
            inv,
            asset,
            &asset.tags,
            |key, value| Why::Tag { key, value },
            &mut found,
        );
        if (found.0.is_none() || found.1.is_none()) && !inv.group_tags.is_empty() {
            let key = (asset.subscription, asset.resource_group);
            let group = self
                .groups
                .entry(key)
                .or_insert_with(|| inv.group_tags_of(asset).into())
                .clone();
            self.scan(
                inv,
                asset,
                &group,
                |key, value| Why::GroupTag { key, value },
                &mut found,
            );
        }
        if (found.0.is_none() || found.1.is_none())
            && let Some(sub) = inv.subscription(inv.subscription_of(asset))
            && !sub.tags.is_empty()
        {
            self.scan(
                inv,
                asset,
                &sub.tags,
                |key, value| Why::SubscriptionTag { key, value },
                &mut found,
            );
        }
        found
    }

    fn scan(
        &mut self,
        inv: &Inventory,
        asset: &Asset,
        tags: &[(Sym, Sym)],
        why: fn(Sym, Sym) -> Why,
        found: &mut (Base, Base),
    ) {
        for (key, value) in tags {
            let catalog = self.catalog;
            let axis = *self.keys.entry(*key).or_insert_with(|| {
                let nk = normalize_tag(inv.s(*key));
                if catalog.is_sensitivity_key(&nk) {
                    Some(Axis::Sensitivity)
                } else if catalog.is_impact_key(&nk) {
                    Some(Axis::Impact)
                } else {
                    None
                }
            });
            let Some(axis) = axis else { continue };
            let is_sens = axis == Axis::Sensitivity;
            let level = *self
                .values
                .entry((*value, is_sens))
                .or_insert_with(|| tag_level(catalog, is_sens, inv.s(*value)));
            let slot = if is_sens { &mut found.0 } else { &mut found.1 };
            match level {
                Some(level) if slot.is_none() => *slot = Some((level, why(*key, *value))),
                Some(_) => {}
                None => {
                    let e = self
                        .problems
                        .entry((inv.s(*key).to_owned(), inv.s(*value).to_owned()))
                        .or_insert((0, asset.origin));
                    e.0 += 1;
                }
            }
        }
    }
}

fn tag_level(catalog: &Catalog, sensitivity: bool, value: &str) -> Option<u8> {
    let tags = catalog.profile.tags.as_ref()?;
    let nv = normalize_tag(value);
    if sensitivity {
        tags.sensitivity
            .as_ref()?
            .values
            .iter()
            .find(|(k, _)| normalize_tag(k) == nv)
            .map(|(_, v)| *v as u8)
    } else {
        tags.impact
            .as_ref()?
            .values
            .iter()
            .find(|(k, _)| normalize_tag(k) == nv)
            .map(|(_, v)| *v as u8)
    }
}

/// Final value and reason per node: the highest base value among the node and every node with
/// a path to it. Levels are visited from the highest down, each node settled once, so loops
/// end by themselves.
fn propagate(graph: &AssetGraph, bases: &[Base], default: u8) -> Vec<(u8, Why)> {
    let g = &graph.graph;
    let mut settled: Vec<Option<(u8, Why)>> = vec![None; g.node_count()];
    let mut queue = VecDeque::new();
    for level in (0..LEVELS).rev() {
        for typed in [false, true] {
            for (i, base) in bases.iter().enumerate() {
                if let Some((l, why)) = base
                    && *l == level
                    && (*why == Why::TypeDefault) == typed
                    && settled[i].is_none()
                {
                    settled[i] = Some((level, *why));
                    queue.push_back(i);
                }
            }
            while let Some(u) = queue.pop_front() {
                for e in g.edges_directed(NodeIndex::new(u), Direction::Outgoing) {
                    let v = e.target().index();
                    if settled[v].is_none() {
                        settled[v] = Some((
                            level,
                            Why::Graph {
                                from: u as u32,
                                edge: *e.weight(),
                            },
                        ));
                        queue.push_back(v);
                    }
                }
            }
        }
    }
    settled
        .into_iter()
        .map(|s| s.unwrap_or((default, Why::Default)))
        .collect()
}

fn node_label(inv: &Inventory, n: Node) -> String {
    match n {
        Node::Asset(a) => inv.assets[a].name().to_string(),
        Node::Application(a) => ["application ", inv.applications[a].id.as_str()].concat(),
    }
}

fn node_id(inv: &Inventory, n: Node) -> &str {
    match n {
        Node::Asset(a) => &inv.assets[a].id,
        Node::Application(a) => &inv.applications[a].id,
    }
}

impl Classification {
    /// The node a graph index stands for: the graph holds the assets first, then the
    /// applications, in inventory order.
    fn node_at(&self, i: usize) -> Node {
        if i < self.assets.len() {
            Node::Asset(i)
        } else {
            Node::Application(i - self.assets.len())
        }
    }

    fn index_of(&self, node: Node) -> usize {
        match node {
            Node::Asset(a) => a,
            Node::Application(a) => self.assets.len() + a,
        }
    }

    fn at(&self, node: usize) -> &Classified {
        match self.node_at(node) {
            Node::Asset(a) => &self.assets[a],
            Node::Application(a) => &self.applications[a],
        }
    }

    /// An axis's reason in words, for reports. Every asset's row has two, so their texts are
    /// joined from their pieces (`concat`, allocated once at their length) rather than with
    /// `format!`, which costs several times as much.
    pub fn reason<'i>(
        &self,
        inv: &'i Inventory,
        catalog: &Catalog,
        node: Node,
        axis: Axis,
    ) -> Reason<'i> {
        let n = self.index_of(node);
        let why = self.at(n).why(axis);
        let origin_of = |node: Node| match node {
            Node::Asset(a) => inv.assets[a].origin,
            Node::Application(a) => inv.applications[a].origin,
        };
        let plain = |text: Cow<'i, str>, at: Option<Location>| Reason {
            source: why.source(),
            text,
            at: at.map(|l| l.to_string()),
            path: Vec::new(),
        };
        match why {
            Why::Overlay => {
                let text = if matches!(node, Node::Asset(_)) {
                    "set for the asset"
                } else {
                    "set for the application"
                };
                plain(Cow::Borrowed(text), Some(inv.location(origin_of(node))))
            }
            Why::Rule(r) => {
                let rule = &inv.classify_rules[r as usize];
                plain(
                    Cow::Borrowed(rule.label.as_str()),
                    Some(inv.location(rule.origin)),
                )
            }
            Why::Tag { key, value } => plain(
                Cow::Owned(["tag ", inv.s(key), "=", inv.s(value)].concat()),
                None,
            ),
            Why::GroupTag { key, value } => {
                let group = match node {
                    Node::Asset(a) => inv.opt(inv.assets[a].resource_group).unwrap_or(""),
                    Node::Application(_) => "",
                };
                plain(
                    Cow::Owned(
                        [
                            "tag ",
                            inv.s(key),
                            "=",
                            inv.s(value),
                            " on resource group ",
                            group,
                        ]
                        .concat(),
                    ),
                    None,
                )
            }
            Why::SubscriptionTag { key, value } => {
                let sub = match node {
                    Node::Asset(a) => inv
                        .subscription(inv.subscription_of(&inv.assets[a]))
                        .map_or("", |s| s.label()),
                    Node::Application(_) => "",
                };
                plain(
                    Cow::Owned(
                        [
                            "tag ",
                            inv.s(key),
                            "=",
                            inv.s(value),
                            " on subscription ",
                            sub,
                        ]
                        .concat(),
                    ),
                    None,
                )
            }
            Why::TypeDefault => {
                let type_name = match node {
                    Node::Asset(a) => inv.type_of(&inv.assets[a]),
                    Node::Application(_) => "",
                };
                plain(
                    Cow::Owned(["profile default ", axis.name(), " for ", type_name].concat()),
                    None,
                )
            }
            Why::Default => plain(
                Cow::Borrowed("profile default: nothing classifies it"),
                None,
            ),
            Why::Graph { from, edge } => {
                let _ = catalog;
                let mut chain = vec![n];
                let mut cur = n;
                while let Why::Graph { from, .. } = self.at(cur).why(axis) {
                    cur = from as usize;
                    chain.push(cur);
                    if chain.len() > self.assets.len() + self.applications.len() {
                        break;
                    }
                }
                chain.reverse();
                let label = |i: usize| node_label(inv, self.node_at(i));
                let from_label = label(from as usize);
                let how = match edge {
                    Edge::Component => "component of ",
                    Edge::DependsOn => "depends on it: ",
                    Edge::HostedOn => "hosts ",
                    Edge::ChildOf => "parent of ",
                    Edge::NodesOn => "runs the nodes of ",
                    Edge::Manages => "managed by ",
                    Edge::ServedBy => "private endpoint of ",
                };
                let near = [how, from_label.as_str()].concat();
                let text = if chain.len() > 2 {
                    let before: Vec<String> =
                        chain[..chain.len() - 1].iter().map(|i| label(*i)).collect();
                    format!("{near}, from {}", before.join(" -> "))
                } else {
                    near
                };
                Reason {
                    source: Source::Graph,
                    text: Cow::Owned(text),
                    at: None,
                    path: chain
                        .iter()
                        .map(|i| node_id(inv, self.node_at(*i)))
                        .collect(),
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
pub(crate) mod tests {
    use super::*;
    use crate::inventory::{Application, Relation, RelationKind};
    use crate::profile::model::PartialAxes;

    pub(crate) fn asset(inv: &mut Inventory, id: &str) -> Asset {
        Asset {
            id: id.into(),
            own_name: None,
            type_name: inv.strings.intern("Microsoft.Compute/virtualMachines"),
            kind: None,
            sku: None,
            subscription: None,
            resource_group: None,
            location: None,
            tags: Box::new([]),
            declared: PartialAxes::default(),
            roles: Box::new([]),
            capabilities: Box::new([]),
            origin: Origin::default(),
            flags: 0,
        }
    }

    fn app(id: &str, impact: Impact, components: Vec<usize>) -> Application {
        Application {
            id: id.into(),
            name: id.into(),
            delivery: crate::domain::Delivery::Internal,
            exposure: crate::domain::Exposure::Internal,
            tenancy: crate::domain::Tenancy::Single,
            declared: PartialAxes {
                sensitivity: None,
                impact: Some(impact),
            },
            components,
            depends_on: vec![],
            alerts: vec![],
            telemetry: vec![],
            origin: Origin::default(),
        }
    }

    fn inventory(ids: &[&str]) -> Inventory {
        let mut inv = Inventory::default();
        for id in ids {
            let a = asset(&mut inv, id);
            inv.assets.push(a);
        }
        inv
    }

    fn run(inv: &Inventory) -> Classification {
        let catalog = crate::profile::load("standard").unwrap();
        classify(inv, &AssetGraph::build(inv), &catalog)
    }

    /// An axis's reason in words.
    fn reason<'i>(inv: &'i Inventory, c: &Classification, asset: usize, axis: Axis) -> Reason<'i> {
        let catalog = crate::profile::load("standard").unwrap();
        c.reason(inv, &catalog, Node::Asset(asset), axis)
    }

    #[test]
    fn critical_application_makes_its_dependencies_tier_1_with_the_path() {
        let mut inv = inventory(&["vm-app", "vm-sql", "vm-other"]);
        inv.relations = vec![Relation {
            from: 0,
            to: 1,
            kind: RelationKind::DependsOn,
        }];
        inv.applications = vec![app("erp", Impact::Critical, vec![0])];
        let c = run(&inv);
        assert_eq!(c.assets[0].tier, Tier(1));
        assert_eq!(
            reason(&inv, &c, 0, Axis::Impact).text,
            "component of application erp"
        );
        assert_eq!(c.assets[1].tier, Tier(1));
        let r = reason(&inv, &c, 1, Axis::Impact);
        assert_eq!(r.source, Source::Graph);
        assert_eq!(r.path, vec!["erp", "vm-app", "vm-sql"]);
        assert_eq!(
            r.text,
            "depends on it: vm-app, from application erp -> vm-app"
        );
        assert!(c.assets[2].defaulted());
    }

    #[test]
    fn propagation_only_raises() {
        let mut inv = inventory(&["low", "high"]);
        inv.assets[0].declared.impact = Some(Impact::Low);
        inv.assets[1].declared.impact = Some(Impact::Critical);
        inv.relations = vec![Relation {
            from: 0,
            to: 1,
            kind: RelationKind::DependsOn,
        }];
        let c = run(&inv);
        assert_eq!(c.assets[1].impact, Impact::Critical);
        assert_eq!(c.assets[1].impact_why, Why::Overlay);
        assert_eq!(c.assets[0].impact, Impact::Low);
    }

    #[test]
    fn the_consultants_value_beats_the_type_default() {
        let mut inv = inventory(&["kv"]);
        inv.assets[0].type_name = inv.strings.intern("Microsoft.KeyVault/vaults");
        let c = run(&inv);
        assert_eq!(
            c.assets[0].sensitivity,
            Sensitivity::Confidential,
            "the profile's default for vaults"
        );
        assert_eq!(c.assets[0].sensitivity_why, Why::TypeDefault);
        inv.assets[0].declared.sensitivity = Some(Sensitivity::Internal);
        let c = run(&inv);
        assert_eq!(c.assets[0].sensitivity, Sensitivity::Internal);
        assert_eq!(c.assets[0].sensitivity_why, Why::Overlay);
    }

    #[test]
    fn cycles_end_propagation_and_are_reported() {
        let mut inv = inventory(&["a", "b"]);
        inv.assets[0].declared.impact = Some(Impact::High);
        inv.relations = vec![
            Relation {
                from: 0,
                to: 1,
                kind: RelationKind::DependsOn,
            },
            Relation {
                from: 1,
                to: 0,
                kind: RelationKind::DependsOn,
            },
        ];
        let c = run(&inv);
        assert_eq!(c.assets[1].impact, Impact::High);
        assert_eq!(c.cycles.len(), 1);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.message.contains("dependency cycle"))
        );
    }

    #[test]
    fn tags_are_read_in_their_common_spellings() {
        let mut inv = inventory(&["a", "b"]);
        let tag =
            |inv: &mut Inventory, k: &str, v: &str| (inv.strings.intern(k), inv.strings.intern(v));
        inv.assets[0].tags =
            vec![tag(&mut inv, "data-classification", "highly confidential")].into();
        inv.assets[1].tags = vec![
            tag(&mut inv, "BusinessCriticality", "Mission-critical"),
            tag(&mut inv, "Criticality", "Huge"),
        ]
        .into();
        let c = run(&inv);
        assert_eq!(c.assets[0].sensitivity, Sensitivity::Restricted);
        assert_eq!(
            reason(&inv, &c, 0, Axis::Sensitivity).text,
            "tag data-classification=highly confidential"
        );
        assert_eq!(c.assets[1].impact, Impact::Critical);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.message.contains("Criticality=Huge"))
        );
    }
}
