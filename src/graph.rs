//! The asset graph: assets and applications as nodes; components, dependencies and the
//! relations found in exports as edges. An edge points the way importance flows: its target is
//! at least as important as its source.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::inventory::{AppId, AssetId, Inventory, RelationKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Asset(AssetId),
    Application(AppId),
}

/// Why importance flows along an edge, in words a reason can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Application to one of its components.
    Component,
    /// Dependent to dependency.
    DependsOn,
    /// Hosted asset to its host.
    HostedOn,
    /// Child resource to its parent.
    ChildOf,
    /// Cluster to its node scale set.
    NodesOn,
    /// Manager to what it manages (a virtual machine to its disk).
    Manages,
    /// Resource to the private endpoint that serves it.
    ServedBy,
}

impl Edge {
    /// How the target relates to the source, e.g. "component of".
    pub fn describe(self) -> &'static str {
        match self {
            Edge::Component => "component of",
            Edge::DependsOn => "depended on by",
            Edge::HostedOn => "hosts",
            Edge::ChildOf => "parent of",
            Edge::NodesOn => "runs the nodes of",
            Edge::Manages => "managed by",
            Edge::ServedBy => "private endpoint of",
        }
    }
}

#[derive(Debug)]
pub struct AssetGraph {
    pub graph: DiGraph<Node, Edge>,
    /// Node index of each asset, by asset id.
    pub assets: Vec<NodeIndex>,
    /// Node index of each application, by application id.
    pub applications: Vec<NodeIndex>,
}

/// A group of nodes that depend on each other in a loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub nodes: Vec<Node>,
}

impl AssetGraph {
    pub fn build(inv: &Inventory) -> AssetGraph {
        let mut graph = DiGraph::with_capacity(
            inv.assets.len() + inv.applications.len(),
            inv.relations.len()
                + inv
                    .applications
                    .iter()
                    .map(|a| a.components.len())
                    .sum::<usize>(),
        );
        let assets: Vec<_> = (0..inv.assets.len())
            .map(|i| graph.add_node(Node::Asset(i)))
            .collect();
        let applications: Vec<_> = (0..inv.applications.len())
            .map(|i| graph.add_node(Node::Application(i)))
            .collect();
        for r in &inv.relations {
            let edge = match r.kind {
                RelationKind::DependsOn => Edge::DependsOn,
                RelationKind::HostedOn => Edge::HostedOn,
                RelationKind::ChildOf => Edge::ChildOf,
                RelationKind::NodesOn => Edge::NodesOn,
                RelationKind::Manages => Edge::Manages,
                RelationKind::ServedBy => Edge::ServedBy,
            };
            graph.add_edge(assets[r.from], assets[r.to], edge);
        }
        for (i, app) in inv.applications.iter().enumerate() {
            for c in &app.components {
                graph.add_edge(applications[i], assets[*c], Edge::Component);
            }
            for d in &app.depends_on {
                graph.add_edge(applications[i], assets[*d], Edge::DependsOn);
            }
        }
        AssetGraph {
            graph,
            assets,
            applications,
        }
    }

    /// Every loop of relations, each with its members sorted, in a stable order.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut out: Vec<Cycle> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let mut nodes: Vec<Node> = scc.iter().map(|n| self.graph[*n]).collect();
                nodes.sort_unstable();
                Cycle { nodes }
            })
            .collect();
        out.sort_by(|a, b| a.nodes.cmp(&b.nodes));
        out
    }

    pub fn node(&self, n: Node) -> NodeIndex {
        match n {
            Node::Asset(i) => self.assets[i],
            Node::Application(i) => self.applications[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Relation;

    #[test]
    fn finds_cycles_once_each() {
        let mut inv = Inventory::default();
        for _ in 0..3 {
            let a = crate::classify::tests::asset(&mut inv, "x");
            inv.assets.push(a);
        }
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
            Relation {
                from: 1,
                to: 2,
                kind: RelationKind::DependsOn,
            },
        ];
        let g = AssetGraph::build(&inv);
        assert_eq!(
            g.cycles(),
            vec![Cycle {
                nodes: vec![Node::Asset(0), Node::Asset(1)]
            }]
        );
    }
}
