//! The asset graph as a picture or as data: Graphviz DOT, Mermaid, or JSON, whole or narrowed
//! to one application's blast radius ([`AssetGraph::blast_radius`]).
//!
//! Nodes are listed applications first, then assets, each in id order, and named `n0`, `n1`,
//! ... in that order: the same inputs give the same bytes whatever order they were read in, and
//! no text from an input is ever used as a DOT or Mermaid identifier. Names are escaped for
//! each format.

use std::io::{self, Write};

use serde::Serialize;

use crate::Analysis;
use crate::domain::{Impact, Sensitivity, Tier};
use crate::graph::{AssetGraph, Edge, Node};
use crate::inventory::AppId;
use crate::profile::Catalog;

/// Version of the JSON graph format.
pub const SCHEMA_VERSION: u32 = 1;

/// Above this many nodes a drawing stops being readable.
pub const READABLE_NODES: usize = 2_000;

/// Mermaid renderers refuse diagrams with more edges than this unless configured otherwise.
pub const MERMAID_MAX_EDGES: usize = 500;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Application,
    Asset,
}

/// One node, with what the outputs show of it.
#[derive(Debug, Serialize)]
pub struct GraphNode<'a> {
    /// The node's name in this output (`n0`, `n1`, ...); edges refer to nodes by it.
    pub key: String,
    pub id: &'a str,
    pub name: &'a str,
    pub kind: NodeKind,
    /// The resource type (`None` for an application).
    #[serde(rename = "type")]
    pub type_name: Option<&'a str>,
    /// The profile's class for the type (`None` for an application or an unknown type).
    pub class: Option<&'a str>,
    pub sensitivity: Sensitivity,
    pub impact: Impact,
    pub tier: Tier,
}

/// One edge, between two nodes' places in [`GraphView::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    pub kind: Edge,
}

/// The part of the asset graph an output shows, in output order.
#[derive(Debug)]
pub struct GraphView<'a> {
    /// The application the view is narrowed to, if any.
    pub focus: Option<&'a str>,
    pub nodes: Vec<GraphNode<'a>>,
    /// Sorted by source, target and kind; each once.
    pub edges: Vec<GraphEdge>,
}

impl<'a> GraphView<'a> {
    /// The view of `graph` (built from `analysis`'s inventory): every node, or with `focus` the
    /// blast radius of that application.
    pub fn build(
        analysis: &'a Analysis<'_>,
        graph: &AssetGraph,
        catalog: &'a Catalog,
        focus: Option<AppId>,
    ) -> GraphView<'a> {
        let inv = &analysis.inventory;
        let kept = focus.map(|app| graph.blast_radius(app));
        let keep = |n: Node| kept.as_ref().is_none_or(|k| k[graph.node(n).index()]);

        let mut apps: Vec<AppId> = (0..inv.applications.len())
            .filter(|i| keep(Node::Application(*i)))
            .collect();
        apps.sort_by(|a, b| inv.applications[*a].id.cmp(&inv.applications[*b].id));
        // The evaluation's asset order is the reports' id order.
        let assets = analysis
            .evaluation
            .order
            .iter()
            .map(|i| *i as usize)
            .filter(|i| keep(Node::Asset(*i)));
        let order: Vec<Node> = apps
            .into_iter()
            .map(Node::Application)
            .chain(assets.map(Node::Asset))
            .collect();

        // Place of each graph node in the output; usize::MAX for those left out.
        let mut place = vec![usize::MAX; graph.graph.node_count()];
        for (p, n) in order.iter().enumerate() {
            place[graph.node(*n).index()] = p;
        }
        let mut edges: Vec<GraphEdge> = graph
            .graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = graph.graph.edge_endpoints(e)?;
                let (from, to) = (place[a.index()], place[b.index()]);
                (from != usize::MAX && to != usize::MAX).then_some(GraphEdge {
                    from,
                    to,
                    kind: graph.graph[e],
                })
            })
            .collect();
        edges.sort_unstable();
        edges.dedup();

        let nodes = order
            .iter()
            .enumerate()
            .map(|(p, n)| node(analysis, catalog, *n, p))
            .collect();
        GraphView {
            focus: focus.map(|app| inv.applications[app].id.as_str()),
            nodes,
            edges,
        }
    }

    /// Graphviz DOT: applications as boxes, assets as rounded boxes, filled by tier; each edge
    /// labelled with its kind. Render with e.g. `dot -Tsvg`.
    pub fn write_dot(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"digraph mdrplan {\n")?;
        out.write_all(b"  graph [rankdir=LR, fontname=\"Helvetica\"];\n")?;
        out.write_all(b"  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n")?;
        out.write_all(b"  edge [fontname=\"Helvetica\", fontsize=10];\n")?;
        for n in &self.nodes {
            let shape = match n.kind {
                NodeKind::Application => ", shape=box, style=\"filled,bold\"",
                NodeKind::Asset => "",
            };
            writeln!(
                out,
                "  {} [label=\"{}\", tooltip=\"{}\", fillcolor=\"{}\"{shape}];",
                n.key,
                label_lines(n)
                    .iter()
                    .map(|l| dot_escape(l))
                    .collect::<Vec<_>>()
                    .join("\\n"),
                dot_escape(n.id),
                tier_colour(n.tier).0,
            )?;
        }
        for e in &self.edges {
            writeln!(
                out,
                "  {} -> {} [label=\"{}\"];",
                self.nodes[e.from].key,
                self.nodes[e.to].key,
                e.kind.name()
            )?;
        }
        out.write_all(b"}\n")
    }

    /// A Mermaid flowchart: applications as stadiums, assets as rounded boxes, one class per
    /// tier. Paste into Markdown (a ```mermaid block) on GitHub or Azure DevOps.
    pub fn write_mermaid(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"flowchart LR\n")?;
        for n in &self.nodes {
            let label = label_lines(n)
                .iter()
                .map(|l| mermaid_escape(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let (open, close) = match n.kind {
                NodeKind::Application => ("([", "])"),
                NodeKind::Asset => ("(", ")"),
            };
            writeln!(out, "  {}{open}\"{label}\"{close}", n.key)?;
        }
        for e in &self.edges {
            writeln!(
                out,
                "  {} -->|{}| {}",
                self.nodes[e.from].key,
                e.kind.name(),
                self.nodes[e.to].key
            )?;
        }
        for tier in Tier::ALL {
            let members: Vec<&str> = self
                .nodes
                .iter()
                .filter(|n| n.tier == tier)
                .map(|n| n.key.as_str())
                .collect();
            if members.is_empty() {
                continue;
            }
            let (fill, stroke) = tier_colour(tier);
            writeln!(out, "  classDef tier{tier} fill:{fill},stroke:{stroke}")?;
            writeln!(out, "  class {} tier{tier}", members.join(","))?;
        }
        Ok(())
    }

    /// The graph as data: `{schema_version, focus, nodes, edges}`, edges naming nodes by key.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        #[derive(Serialize)]
        struct EdgeRow<'a> {
            from: &'a str,
            to: &'a str,
            kind: &'static str,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            schema_version: u32,
            focus: Option<&'a str>,
            nodes: &'a [GraphNode<'a>],
            edges: Vec<EdgeRow<'a>>,
        }
        let doc = Document {
            schema_version: SCHEMA_VERSION,
            focus: self.focus,
            nodes: &self.nodes,
            edges: self
                .edges
                .iter()
                .map(|e| EdgeRow {
                    from: &self.nodes[e.from].key,
                    to: &self.nodes[e.to].key,
                    kind: e.kind.name(),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")
    }
}

fn node<'a>(
    analysis: &'a Analysis<'_>,
    catalog: &'a Catalog,
    n: Node,
    place: usize,
) -> GraphNode<'a> {
    let inv = &analysis.inventory;
    let key = format!("n{place}");
    match n {
        Node::Application(i) => {
            let app = &inv.applications[i];
            let c = &analysis.classification.applications[i];
            GraphNode {
                key,
                id: &app.id,
                name: &app.name,
                kind: NodeKind::Application,
                type_name: None,
                class: None,
                sensitivity: c.sensitivity,
                impact: c.impact,
                tier: c.tier,
            }
        }
        Node::Asset(i) => {
            let a = &inv.assets[i];
            let c = &analysis.classification.assets[i];
            GraphNode {
                key,
                id: &a.id,
                name: a.name(),
                kind: NodeKind::Asset,
                type_name: Some(inv.type_of(a)),
                class: analysis.mapping.assets[i].class(catalog),
                sensitivity: c.sensitivity,
                impact: c.impact,
                tier: c.tier,
            }
        }
    }
}

/// What a drawn node says, one line each: its name; what it is; its tier and why.
fn label_lines(n: &GraphNode<'_>) -> [String; 3] {
    let what = match (n.kind, n.type_name, n.class) {
        (NodeKind::Application, ..) => format!("application {}", n.id),
        (NodeKind::Asset, Some(t), Some(class)) => format!("{t} ({class})"),
        (NodeKind::Asset, Some(t), None) => t.to_owned(),
        (NodeKind::Asset, None, _) => "asset".to_owned(),
    };
    [
        n.name.to_owned(),
        what,
        format!("tier {} ({} / {})", n.tier, n.sensitivity, n.impact),
    ]
}

/// Fill and stroke colours of a tier: warmer for the crown jewels.
fn tier_colour(tier: Tier) -> (&'static str, &'static str) {
    match tier.0 {
        1 => ("#f4cccc", "#990000"),
        2 => ("#fce5cd", "#b45f06"),
        3 => ("#fff2cc", "#bf9000"),
        _ => ("#d9ead3", "#38761d"),
    }
}

/// Text for inside a DOT double-quoted string: backslashes and quotes escaped, line breaks as
/// DOT's `\n`, other control characters as spaces.
pub fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a quoted Mermaid label: every character Mermaid or the HTML it renders
/// could read as markup written as a Mermaid entity (`#quot;`, `#lt;`, `#35;`, ...), line
/// breaks and other control characters included.
pub fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' | '#' | '`' | '\\' => out.push_str(&format!("#{};", c as u32)),
            c if c.is_control() => out.push_str(&format!("#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escape_keeps_strings_closed() {
        assert_eq!(dot_escape(r#"a "b" \c"#), r#"a \"b\" \\c"#);
        assert_eq!(dot_escape("one\ntwo\r\nthree"), "one\\ntwo\\nthree");
        assert_eq!(dot_escape("tab\there"), "tab here");
        assert_eq!(dot_escape("</script>"), "</script>");
    }

    #[test]
    fn mermaid_escape_leaves_no_markup() {
        let hostile = "<script>alert(\"x\")</script> | a#b\n`c` \\ &";
        let escaped = mermaid_escape(hostile);
        for c in ['<', '>', '"', '|', '\n', '`', '\\', '&'] {
            assert!(!escaped.contains(c), "{c:?} left in {escaped}");
        }
        assert_eq!(
            escaped,
            "#lt;script#gt;alert(#quot;x#quot;)#lt;/script#gt; #124; a#35;b#10;#96;c#96; #92; #amp;"
        );
    }
}
