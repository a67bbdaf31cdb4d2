//! Classification: each asset's and application's sensitivity and impact, with the reason for
//! each, and the tier that follows. Sources, strongest first: the asset's own entry, classify
//! rules, tags, what flows along the graph, the profile's default for the type, and finally the
//! profile's default (which raises `unclassified-asset`). Propagation only raises a value.

use std::collections::{BTreeMap, VecDeque};

use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::diag::{Diagnostic, Location};
use crate::domain::{Impact, Sensitivity, Tier};
use crate::graph::{AssetGraph, Cycle, Edge, Node};
use crate::inventory::{AssetIndex, Inventory};
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

/// Why an axis has its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub source: Source,
    pub text: String,
    /// Where the value was written, for values set in an input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// For values that flowed along the graph: the node ids from the source to this node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
}

/// The classification of one asset or application.
#[derive(Debug, Clone)]
pub struct Classified {
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
    pub sensitivity_reason: Reason,
    pub impact_reason: Reason,
}

impl Classified {
    /// Whether either axis fell back to the profile's default.
    pub fn defaulted(&self) -> bool {
        self.sensitivity_reason.source == Source::Default
            || self.impact_reason.source == Source::Default
    }
}

#[derive(Debug)]
pub struct Classification {
    pub assets: Vec<Classified>,
    pub applications: Vec<Classified>,
    pub cycles: Vec<Cycle>,
    pub warnings: Vec<Diagnostic>,
}

/// A value on one axis before propagation, as a level 0..=3.
#[derive(Clone)]
struct Base {
    level: u8,
    reason: Reason,
}

/// Both axes have four levels.
const LEVELS: u8 = 4;

pub fn classify(inv: &Inventory, graph: &AssetGraph, catalog: &Catalog) -> Classification {
    let mut warnings = Vec::new();
    let rule_matches = match_rules(inv, catalog);
    let nodes = graph.graph.node_count();

    let mut explicit_s: Vec<Option<Base>> = vec![None; nodes];
    let mut explicit_i: Vec<Option<Base>> = vec![None; nodes];
    let mut typed_s: Vec<Option<Base>> = vec![None; nodes];
    let mut typed_i: Vec<Option<Base>> = vec![None; nodes];
    let mut tag_problems: BTreeMap<(String, String), (usize, Location)> = BTreeMap::new();

    for (i, asset) in inv.assets.iter().enumerate() {
        let n = graph.assets[i].index();
        let declared = |level: Option<u8>| {
            level.map(|level| Base {
                level,
                reason: Reason {
                    source: Source::Overlay,
                    text: "set for the asset".into(),
                    at: Some(asset.origin.to_string()),
                    path: vec![],
                },
            })
        };
        let tags = tag_values(asset, catalog, &mut tag_problems);
        explicit_s[n] = declared(asset.declared.sensitivity.map(|s| s as u8))
            .or_else(|| {
                rule_value(&rule_matches, i, inv, |r| {
                    r.set.sensitivity.map(|s| s as u8)
                })
            })
            .or(tags.0);
        explicit_i[n] = declared(asset.declared.impact.map(|s| s as u8))
            .or_else(|| rule_value(&rule_matches, i, inv, |r| r.set.impact.map(|s| s as u8)))
            .or(tags.1);
        if let Some(defaults) = catalog
            .resource_type(&asset.type_name)
            .and_then(|t| t.defaults)
        {
            let reason = |axis: &str| Reason {
                source: Source::TypeDefault,
                text: format!("profile default {axis} for {}", asset.type_name),
                at: None,
                path: vec![],
            };
            typed_s[n] = defaults.sensitivity.map(|s| Base {
                level: s as u8,
                reason: reason("sensitivity"),
            });
            typed_i[n] = defaults.impact.map(|s| Base {
                level: s as u8,
                reason: reason("impact"),
            });
        }
    }
    for (i, app) in inv.applications.iter().enumerate() {
        let n = graph.applications[i].index();
        let reason = || Reason {
            source: Source::Overlay,
            text: "set for the application".into(),
            at: Some(app.origin.to_string()),
            path: vec![],
        };
        explicit_s[n] = app.declared.sensitivity.map(|s| Base {
            level: s as u8,
            reason: reason(),
        });
        explicit_i[n] = app.declared.impact.map(|s| Base {
            level: s as u8,
            reason: reason(),
        });
    }

    for ((key, value), (count, at)) in tag_problems {
        warnings.push(
            Diagnostic::warning(at, format!("tag {key}={value} on {count} asset(s) has a value the profile does not know; it is ignored"))
                .with_help("use one of the values the profile maps (`mdrplan profiles show standard`, under tags), or extend the profile"),
        );
    }

    let default = catalog.default_classification();
    let sens = propagate(inv, graph, &explicit_s, &typed_s, default.sensitivity as u8);
    let imp = propagate(inv, graph, &explicit_i, &typed_i, default.impact as u8);

    let make = |n: usize| {
        let (s, sr) = sens[n].clone();
        let (i, ir) = imp[n].clone();
        let sensitivity = Sensitivity::ALL[s as usize];
        let impact = Impact::ALL[i as usize];
        Classified {
            sensitivity,
            impact,
            tier: Tier::of(sensitivity, impact),
            sensitivity_reason: sr,
            impact_reason: ir,
        }
    };
    let cycles = graph.cycles();
    for cycle in &cycles {
        let names: Vec<String> = cycle.nodes.iter().map(|n| node_label(inv, *n)).collect();
        let at = match cycle.nodes[0] {
            Node::Asset(a) => inv.assets[a].origin.clone(),
            Node::Application(a) => inv.applications[a].origin.clone(),
        };
        warnings.push(
            Diagnostic::warning(at, format!("dependency cycle between {}; propagation stops where the loop closes", names.join(", ")))
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

/// For each classify rule, the assets it matches (sorted).
fn match_rules(inv: &Inventory, catalog: &Catalog) -> Vec<Vec<usize>> {
    if inv.classify_rules.is_empty() {
        return Vec::new();
    }
    let index = AssetIndex::new(&inv.assets);
    inv.classify_rules
        .iter()
        .map(|r| index.select(inv, &r.selector, catalog))
        .collect()
}

fn rule_value(
    matches: &[Vec<usize>],
    asset: usize,
    inv: &Inventory,
    get: impl Fn(&crate::inventory::ClassifyRule) -> Option<u8>,
) -> Option<Base> {
    inv.classify_rules
        .iter()
        .zip(matches)
        .find_map(|(rule, matched)| {
            let level = get(rule)?;
            matched.binary_search(&asset).ok()?;
            Some(Base {
                level,
                reason: Reason {
                    source: Source::Rule,
                    text: rule.label.clone(),
                    at: Some(rule.origin.to_string()),
                    path: vec![],
                },
            })
        })
}

/// The sensitivity and impact an asset's tags give (the first known key for each), noting
/// values under a known key that the profile cannot read.
fn tag_values(
    asset: &crate::inventory::Asset,
    catalog: &Catalog,
    problems: &mut BTreeMap<(String, String), (usize, Location)>,
) -> (Option<Base>, Option<Base>) {
    let (mut sensitivity, mut impact) = (None, None);
    let Some(tags) = catalog.profile.tags.as_ref() else {
        return (None, None);
    };
    for (key, value) in &asset.tags {
        let nk = normalize_tag(key);
        let nv = normalize_tag(value);
        let (slot, level) = if catalog.is_sensitivity_key(&nk) {
            let values = tags.sensitivity.as_ref().map(|a| &a.values);
            (
                &mut sensitivity,
                values
                    .and_then(|v| v.iter().find(|(k, _)| normalize_tag(k) == nv))
                    .map(|(_, v)| *v as u8),
            )
        } else if catalog.is_impact_key(&nk) {
            let values = tags.impact.as_ref().map(|a| &a.values);
            (
                &mut impact,
                values
                    .and_then(|v| v.iter().find(|(k, _)| normalize_tag(k) == nv))
                    .map(|(_, v)| *v as u8),
            )
        } else {
            continue;
        };
        match level {
            Some(level) if slot.is_none() => {
                *slot = Some(Base {
                    level,
                    reason: Reason {
                        source: Source::Tag,
                        text: format!("tag {key}={value}"),
                        at: None,
                        path: vec![],
                    },
                });
            }
            Some(_) => {}
            None => {
                problems
                    .entry((key.clone(), value.clone()))
                    .or_insert((0, asset.origin.clone()))
                    .0 += 1
            }
        }
    }
    (sensitivity, impact)
}

/// Final value and reason per node: the highest base value among the node and every node with
/// a path to it. Levels are visited from the highest down, each node settled once, so loops
/// end by themselves.
fn propagate(
    inv: &Inventory,
    graph: &AssetGraph,
    explicit: &[Option<Base>],
    typed: &[Option<Base>],
    default: u8,
) -> Vec<(u8, Reason)> {
    let g = &graph.graph;
    let n = g.node_count();
    let mut settled: Vec<Option<(u8, Reason)>> = vec![None; n];
    let mut parent: Vec<Option<(usize, Edge)>> = vec![None; n];
    let mut queue = VecDeque::new();

    for level in (0..LEVELS).rev() {
        for seeds in [explicit, typed] {
            for (i, base) in seeds.iter().enumerate() {
                if let Some(b) = base
                    && b.level == level
                    && settled[i].is_none()
                {
                    settled[i] = Some((level, b.reason.clone()));
                    queue.push_back(i);
                }
            }
            while let Some(u) = queue.pop_front() {
                for e in g.edges_directed(petgraph::graph::NodeIndex::new(u), Direction::Outgoing) {
                    let v = e.target().index();
                    if settled[v].is_none() {
                        parent[v] = Some((u, *e.weight()));
                        let reason = graph_reason(inv, graph, v, &parent);
                        settled[v] = Some((level, reason));
                        queue.push_back(v);
                    }
                }
            }
        }
    }

    settled
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| {
                (
                    default,
                    Reason {
                        source: Source::Default,
                        text: "profile default: nothing classifies it".into(),
                        at: None,
                        path: vec![],
                    },
                )
            })
        })
        .collect()
}

fn node_label(inv: &Inventory, n: Node) -> String {
    match n {
        Node::Asset(a) => inv.assets[a].name.clone(),
        Node::Application(a) => format!("application {}", inv.applications[a].id),
    }
}

fn node_id(inv: &Inventory, n: Node) -> String {
    match n {
        Node::Asset(a) => inv.assets[a].id.clone(),
        Node::Application(a) => inv.applications[a].id.clone(),
    }
}

/// "depends on it: vm-erp-app01", with the whole path when it is longer than one step.
fn graph_reason(
    inv: &Inventory,
    graph: &AssetGraph,
    v: usize,
    parent: &[Option<(usize, Edge)>],
) -> Reason {
    let g = &graph.graph;
    let mut chain = vec![v];
    let mut cur = v;
    while let Some((p, _)) = parent[cur] {
        chain.push(p);
        cur = p;
        if chain.len() > g.node_count() {
            break;
        }
    }
    chain.reverse();
    let (from, edge) = parent[v].expect("a graph reason has a parent");
    let from_node = g[petgraph::graph::NodeIndex::new(from)];
    let near = match edge {
        Edge::Component => format!("component of {}", node_label(inv, from_node)),
        Edge::DependsOn => format!("depends on it: {}", node_label(inv, from_node)),
        Edge::HostedOn => format!("hosts {}", node_label(inv, from_node)),
        Edge::ChildOf => format!("parent of {}", node_label(inv, from_node)),
        Edge::NodesOn => format!("runs the nodes of {}", node_label(inv, from_node)),
    };
    let text = if chain.len() > 2 {
        let before: Vec<String> = chain[..chain.len() - 1]
            .iter()
            .map(|i| node_label(inv, g[petgraph::graph::NodeIndex::new(*i)]))
            .collect();
        format!("{near}, from {}", before.join(" -> "))
    } else {
        near
    };
    Reason {
        source: Source::Graph,
        text,
        at: None,
        path: chain
            .iter()
            .map(|i| node_id(inv, g[petgraph::graph::NodeIndex::new(*i)]))
            .collect(),
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
pub(crate) mod tests {
    use super::*;
    use crate::inventory::{Application, Asset, Relation, RelationKind};
    use crate::profile::model::PartialAxes;

    pub(crate) fn asset(id: &str) -> Asset {
        Asset {
            id: id.into(),
            name: id.into(),
            type_name: "Microsoft.Compute/virtualMachines".into(),
            kind: None,
            sku: None,
            subscription: None,
            resource_group: None,
            location: None,
            tags: vec![],
            declared: PartialAxes::default(),
            roles: vec![],
            capabilities: vec![],
            origin: Location::file("o.yaml"),
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
            origin: Location::file("o.yaml"),
        }
    }

    fn run(inv: &Inventory) -> Classification {
        let catalog = crate::profile::load("standard").unwrap();
        classify(inv, &AssetGraph::build(inv), &catalog)
    }

    #[test]
    fn critical_application_makes_its_dependencies_tier_1_with_the_path() {
        let mut inv = Inventory::default();
        inv.assets = vec![asset("vm-app"), asset("vm-sql"), asset("vm-other")];
        inv.relations = vec![Relation {
            from: 0,
            to: 1,
            kind: RelationKind::DependsOn,
        }];
        inv.applications = vec![app("erp", Impact::Critical, vec![0])];
        let c = run(&inv);
        assert_eq!(c.assets[0].tier, Tier(1));
        assert_eq!(
            c.assets[0].impact_reason.text,
            "component of application erp"
        );
        assert_eq!(c.assets[1].tier, Tier(1));
        assert_eq!(c.assets[1].impact_reason.source, Source::Graph);
        assert_eq!(
            c.assets[1].impact_reason.path,
            vec!["erp", "vm-app", "vm-sql"]
        );
        assert!(
            c.assets[1]
                .impact_reason
                .text
                .starts_with("depends on it: vm-app")
        );
        assert!(c.assets[2].defaulted());
    }

    #[test]
    fn propagation_only_raises() {
        let mut inv = Inventory::default();
        inv.assets = vec![asset("low"), asset("high")];
        inv.assets[0].declared.impact = Some(Impact::Low);
        inv.assets[1].declared.impact = Some(Impact::Critical);
        inv.relations = vec![Relation {
            from: 0,
            to: 1,
            kind: RelationKind::DependsOn,
        }];
        let c = run(&inv);
        assert_eq!(c.assets[1].impact, Impact::Critical);
        assert_eq!(c.assets[1].impact_reason.source, Source::Overlay);
        assert_eq!(c.assets[0].impact, Impact::Low);
    }

    #[test]
    fn cycles_end_propagation_and_are_reported() {
        let mut inv = Inventory::default();
        inv.assets = vec![asset("a"), asset("b")];
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
        let mut inv = Inventory::default();
        inv.assets = vec![asset("a"), asset("b")];
        inv.assets[0].tags = vec![("data-classification".into(), "highly confidential".into())];
        inv.assets[1].tags = vec![
            ("BusinessCriticality".into(), "Mission-critical".into()),
            ("Criticality".into(), "Huge".into()),
        ];
        let c = run(&inv);
        assert_eq!(c.assets[0].sensitivity, Sensitivity::Restricted);
        assert_eq!(
            c.assets[0].sensitivity_reason.text,
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
