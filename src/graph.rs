//! The asset graph: assets and applications as nodes; components, dependencies and the
//! relations found in exports as edges. An edge points the way importance flows: its target is
//! at least as important as its source.

use petgraph::Direction;
use petgraph::algo::TarjanScc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::inventory::{AppId, AssetId, Inventory, RelationKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Asset(AssetId),
    Application(AppId),
}

/// Why importance flows along an edge, in words a reason can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Every kind, in the order outputs list them.
    pub const ALL: [Edge; 7] = [
        Edge::Component,
        Edge::DependsOn,
        Edge::HostedOn,
        Edge::ChildOf,
        Edge::NodesOn,
        Edge::Manages,
        Edge::ServedBy,
    ];

    /// The kind's stable kebab-case name, as graph outputs write it.
    pub fn name(self) -> &'static str {
        match self {
            Edge::Component => "component",
            Edge::DependsOn => "depends-on",
            Edge::HostedOn => "hosted-on",
            Edge::ChildOf => "child-of",
            Edge::NodesOn => "nodes-on",
            Edge::Manages => "manages",
            Edge::ServedBy => "served-by",
        }
    }

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
        // Each component is looked at where the search holds it: nearly all are one node
        // without a loop, and are not copied out.
        let mut out: Vec<Cycle> = Vec::new();
        TarjanScc::new().run(&self.graph, |scc| {
            if scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]) {
                let mut nodes: Vec<Node> = scc.iter().map(|n| self.graph[*n]).collect();
                nodes.sort_unstable();
                out.push(Cycle { nodes });
            }
        });
        out.sort_by(|a, b| a.nodes.cmp(&b.nodes));
        out
    }

    /// An application's blast radius, as a flag per node index: the application itself; what
    /// it is built on, following edges forwards from it (its components and dependencies, and
    /// in turn what those depend on, run on, belong to, manage or are served by); and what
    /// relies on any of that, following edges backwards from it (other assets and applications
    /// that use a shared component, depend on a shared database, run on a shared plan, ...).
    /// It stops there: the other components of an application that shares one are not in it.
    pub fn blast_radius(&self, app: AppId) -> Vec<bool> {
        let mut kept = vec![false; self.graph.node_count()];
        let start = self.applications[app];
        let below = self.reach(&[start], Direction::Outgoing, &mut kept);
        self.reach(&below, Direction::Incoming, &mut kept);
        kept
    }

    /// Marks in `seen` the nodes reachable from `from` (themselves included) one way along the
    /// edges; returns those it marked or found marked, in the order met.
    fn reach(&self, from: &[NodeIndex], way: Direction, seen: &mut [bool]) -> Vec<NodeIndex> {
        let mut met = Vec::new();
        let mut visited = vec![false; self.graph.node_count()];
        let mut stack: Vec<NodeIndex> = from.to_vec();
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut visited[n.index()], true) {
                continue;
            }
            seen[n.index()] = true;
            met.push(n);
            stack.extend(self.graph.neighbors_directed(n, way));
        }
        met
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

    fn application(id: &str, components: Vec<AssetId>) -> crate::inventory::Application {
        crate::inventory::Application {
            id: id.into(),
            name: id.into(),
            delivery: crate::domain::Delivery::Internal,
            exposure: crate::domain::Exposure::Internal,
            tenancy: crate::domain::Tenancy::Single,
            declared: Default::default(),
            components,
            depends_on: vec![],
            alerts: vec![],
            telemetry: vec![],
            origin: Default::default(),
        }
    }

    fn relation(from: AssetId, to: AssetId, kind: RelationKind) -> Relation {
        Relation { from, to, kind }
    }

    #[test]
    fn blast_radius_is_what_an_application_needs_and_what_relies_on_that() {
        // 0 web app, 1 its database, 2 the database's server, 3 another database on that
        // server, 4 a second application's web app using database 1, 5 that application's
        // cache, 6 a stranger; applications: 0 "shop" (web app 0), 1 "crm" (4 and 5).
        let mut inv = Inventory::default();
        for id in [
            "web",
            "db",
            "server",
            "db2",
            "crm-web",
            "crm-cache",
            "stranger",
        ] {
            let a = crate::classify::tests::asset(&mut inv, id);
            inv.assets.push(a);
        }
        inv.relations = vec![
            relation(0, 1, RelationKind::DependsOn),
            relation(1, 2, RelationKind::ChildOf),
            relation(3, 2, RelationKind::ChildOf),
            relation(4, 1, RelationKind::DependsOn),
        ];
        inv.applications = vec![application("shop", vec![0]), application("crm", vec![4, 5])];
        let g = AssetGraph::build(&inv);

        let kept = g.blast_radius(0);
        let assets: Vec<AssetId> = (0..7).filter(|i| kept[g.assets[*i].index()]).collect();
        // Not the crm's cache: it neither serves the shop nor relies on what the shop needs.
        assert_eq!(assets, vec![0, 1, 2, 3, 4]);
        assert!(kept[g.applications[0].index()]);
        assert!(
            kept[g.applications[1].index()],
            "crm relies on the shop's database"
        );

        let kept = g.blast_radius(1);
        let assets: Vec<AssetId> = (0..7).filter(|i| kept[g.assets[*i].index()]).collect();
        assert_eq!(assets, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn edge_names_are_unique() {
        let mut names: Vec<&str> = Edge::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Edge::ALL.len());
    }

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
