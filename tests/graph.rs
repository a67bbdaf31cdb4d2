//! `mdrplan graph`: the three formats on the examples, `--focus`, names that try to break out
//! of a label, and the same bytes whatever order the inputs come in.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn mdrplan() -> Command {
    common::mdrplan_at(120)
}

/// Standard output of a graph command that must succeed.
fn graph(args: &[&str]) -> String {
    let out = mdrplan().arg("graph").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&graph(&all)).unwrap()
}

/// The names of the graph's nodes, in output order.
fn names(doc: &serde_json::Value) -> Vec<&str> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

#[test]
fn dot_of_company_a() {
    insta::assert_snapshot!(graph(&["examples/company-a"]));
}

#[test]
fn mermaid_of_the_ledger_blast_radius() {
    insta::assert_snapshot!(graph(&[
        "examples/company-c",
        "--focus",
        "ledger",
        "--format",
        "mermaid"
    ]));
}

#[test]
fn json_of_the_erp_blast_radius() {
    insta::assert_snapshot!(graph(&[
        "examples/company-a",
        "--focus",
        "erp",
        "--format",
        "json"
    ]));
}

#[test]
fn json_lists_every_asset_and_application_once() {
    let doc = json(&["examples/company-c"]);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["focus"], serde_json::Value::Null);
    let report: serde_json::Value = serde_json::from_slice(
        &mdrplan()
            .args(["report", "examples/company-c", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    let assets = nodes.iter().filter(|n| n["kind"] == "asset").count();
    let apps = nodes.iter().filter(|n| n["kind"] == "application").count();
    assert_eq!(assets, report["assets"].as_array().unwrap().len());
    assert_eq!(apps, report["applications"].as_array().unwrap().len());
    // Keys are n0, n1, ... in order, and every edge names two of them.
    for (i, n) in nodes.iter().enumerate() {
        assert_eq!(n["key"], format!("n{i}"));
        assert!(n["tier"].as_u64().is_some_and(|t| (1..=4).contains(&t)));
    }
    let edges = doc["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for e in edges {
        for end in ["from", "to"] {
            let key = e[end].as_str().unwrap();
            assert!(nodes.iter().any(|n| n["key"] == key), "{key}");
        }
    }
    // An asset's tier is the report's.
    let kv = nodes
        .iter()
        .find(|n| n["name"] == "kv-ledger-prod")
        .unwrap();
    let row = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "kv-ledger-prod")
        .unwrap();
    assert_eq!(kv["tier"], row["tier"]);
    assert_eq!(kv["type"], row["type"]);
    assert_eq!(kv["class"], row["class"]);
}

#[test]
fn focus_keeps_what_the_application_needs_and_what_relies_on_it() {
    let doc = json(&["examples/company-a", "--focus", "erp"]);
    assert_eq!(doc["focus"], "erp");
    let kept_names = names(&doc);
    for kept in [
        "ERP (finance, warehouse, transport)",
        "vm-erp-app01",
        "vm-erp-app02",
        "vm-erp-sql01",
        "vm-erp-sql01-data01",
    ] {
        assert!(kept_names.contains(&kept), "{kept} missing: {kept_names:?}");
    }
    for left in [
        "vm-erp-test01",
        "vm-dc01",
        "vm-backup01",
        "vm-erp-app01-nic",
    ] {
        assert!(!kept_names.contains(&left), "{left} kept: {kept_names:?}");
    }
    assert_eq!(kept_names.len(), 8, "{kept_names:?}");

    // A shared database brings in the other application that relies on it, but not that
    // application's other parts.
    let doc = json(&["tests/fixtures/graph/shared.yaml", "--focus", "shop"]);
    assert_eq!(
        names(&doc),
        ["CRM", "Shop", "crm-web", "db", "server", "shop-web"]
    );
}

#[test]
fn unknown_focus_exits_2_with_the_closest_id() {
    mdrplan()
        .args(["graph", "examples/company-c", "--focus", "ledgr"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("no application `ledgr`"))
        .stderr(contains("did you mean `ledger`?"));
    mdrplan()
        .args([
            "graph",
            "tests/fixtures/graph/hostile.yaml",
            "--focus",
            "zzz-nothing",
        ])
        .assert()
        .code(2)
        .stderr(contains("expected one of: app-hostile"));
}

/// Whether every double-quoted string on the line is closed, reading `\` as an escape.
fn quotes_balance(line: &str) -> bool {
    let (mut open, mut escaped) = (false, false);
    for c in line.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') if open => escaped = true,
            (false, '"') => open = !open,
            _ => {}
        }
    }
    !open
}

#[test]
fn hostile_names_stay_inside_dot_labels() {
    let dot = graph(&["tests/fixtures/graph/hostile.yaml"]);
    let lines: Vec<&str> = dot.lines().collect();
    assert_eq!(lines.first(), Some(&"digraph mdrplan {"));
    assert_eq!(lines.last(), Some(&"}"));
    for line in &lines[1..lines.len() - 1] {
        assert!(line.starts_with("  "), "{line}");
        assert!(line.ends_with("];"), "{line}");
        assert!(quotes_balance(line), "{line}");
    }
    assert!(dot.contains(r#"label="db \"quoted\" | piped \\ back\n"#));
    assert!(dot.contains(r#"label="line one\nline two\n} digraph x {\n"#));
    assert!(dot.contains(r#"tooltip="srv-<script>""#));
    // Node names are generated, never the ids.
    assert!(dot.contains("  n3 -> n1 [label=\"depends-on\"];"));
}

#[test]
fn hostile_names_are_entities_in_mermaid() {
    let mermaid = graph(&["tests/fixtures/graph/hostile.yaml", "--format", "mermaid"]);
    let mut labels = 0;
    for line in mermaid.lines().skip(1) {
        let Some((head, rest)) = line.split_once('"') else {
            continue;
        };
        let (label, tail) = rest.rsplit_once('"').unwrap();
        assert!(head.trim_start().starts_with('n'), "{line}");
        assert!(matches!(tail, ")" | "])"), "{line}");
        let text = label.replace("<br/>", "");
        for c in ['"', '<', '>', '|', '`', '\\', '\r'] {
            assert!(!text.contains(c), "{c:?} in {line}");
        }
        labels += 1;
    }
    assert_eq!(labels, 5);
    assert!(mermaid.contains("#lt;script#gt;alert(1)#lt;/script#gt;"));
    assert!(mermaid.contains("db #quot;quoted#quot; #124; piped #92; back"));
    assert!(mermaid.contains("line one#10;line two#13;#10;} digraph x {"));
    assert!(mermaid.contains("  n3 -->|depends-on| n1"));
}

#[test]
fn hostile_names_round_trip_through_json() {
    let doc = json(&["tests/fixtures/graph/hostile.yaml"]);
    let names = names(&doc);
    assert!(names.contains(&"<script>alert(1)</script>"));
    assert!(names.contains(&"line one\nline two\r\n} digraph x {"));
    assert!(names.contains(&"db \"quoted\" | piped \\ back"));
}

/// The same overlay with its assets, applications and components in another order.
const SHUFFLED: &str = r#"
applications:
  - id: shop
    name: Shop
    delivery: saas
    exposure: internet
    components: [{ id: shop-web }]
  - id: crm
    name: CRM
    delivery: internal
    exposure: internal
    components: [{ id: crm-cache }, { id: crm-web }]
assets:
  - { id: shop-web, type: web-app, depends_on: [db] }
  - { id: server, type: azure-sql-server }
  - { id: crm-web, type: web-app, depends_on: [db] }
  - { id: db, type: server, depends_on: [server] }
  - { id: crm-cache, type: server }
version: 1
"#;

#[test]
fn same_inputs_in_any_order_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let shuffled = dir.path().join("shuffled.yaml");
    std::fs::write(&shuffled, SHUFFLED).unwrap();
    let shuffled = shuffled.to_str().unwrap();
    for format in ["dot", "mermaid", "json"] {
        let a = graph(&["tests/fixtures/graph/shared.yaml", "--format", format]);
        let b = graph(&[shuffled, "--format", format]);
        assert_eq!(a, b, "{format}");
    }

    // Export pages named in either order, and files listed in either order.
    let c = "examples/company-c";
    let one = graph(&[
        &format!("{c}/exports/resources-page2.json"),
        &format!("{c}/exports/resources-page1.json"),
        &format!("{c}/overlay.yaml"),
        "--format",
        "json",
    ]);
    let two = graph(&[
        &format!("{c}/overlay.yaml"),
        &format!("{c}/exports/resources-page1.json"),
        &format!("{c}/exports/resources-page2.json"),
        "--format",
        "json",
    ]);
    assert_eq!(one, two);
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.dot");
    mdrplan()
        .args(["graph", "examples/company-a", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, graph(&["examples/company-a"]));
}

#[test]
fn a_large_graph_is_written_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let mut yaml = String::from("version: 1\nassets:\n");
    for i in 0..2_001 {
        yaml.push_str(&format!("  - {{ id: srv-{i:04}, type: server }}\n"));
    }
    std::fs::write(&path, yaml).unwrap();
    let assert = mdrplan()
        .arg("graph")
        .arg(&path)
        .args(["--format", "mermaid"])
        .assert()
        .success()
        .stderr(contains("2001 nodes"))
        .stderr(contains("--focus"));
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("n2000(\"srv-2000"));

    // Below the limit, nothing is said.
    mdrplan()
        .args(["graph", "examples/company-a"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}
