//! What mdrplan offers the tools around it: the input formats' JSON Schemas, shell completion
//! scripts, the manual pages, and the CI examples.
//!
//! Generated files are committed (`schemas/`, `doc/man/`) and kept in step with the code here:
//! when one differs, `MDRPLAN_BLESS=1 cargo test --test tooling` writes them afresh.

use std::path::Path;

use assert_cmd::Command;
use clap::CommandFactory;

fn mdrplan() -> Command {
    let mut cmd = Command::cargo_bin("mdrplan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    let out = mdrplan().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether generated files are to be written rather than compared.
fn blessing() -> bool {
    std::env::var_os("MDRPLAN_BLESS").is_some_and(|v| v == "1")
}

/// Compares a committed generated file with what the code generates now, or with
/// `MDRPLAN_BLESS=1` writes it.
fn in_step(relative: &str, generated: &[u8]) {
    let path = root().join(relative);
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} is out of step with the code that generates it: run \
         `MDRPLAN_BLESS=1 cargo test --test tooling`, review the diff and commit it"
    );
}

#[test]
fn overlay_schema_is_in_step() {
    in_step(
        "schemas/overlay.schema.json",
        &stdout_of(&["schema", "overlay"]),
    );
}

#[test]
fn overlay_schema_is_draft_2020_12_and_closed() {
    let schema: serde_json::Value =
        serde_json::from_slice(&stdout_of(&["schema", "overlay"])).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["required"], serde_json::json!(["version"]));
    assert_eq!(schema["properties"]["version"]["const"], 1);
    // deny_unknown_fields reaches the schema: every object type rejects unknown keys.
    assert_eq!(schema["additionalProperties"], false);
    let defs = schema["$defs"].as_object().unwrap();
    for name in [
        "OverlayAsset",
        "OverlayApplication",
        "Selector",
        "ComponentRef",
    ] {
        assert_eq!(defs[name]["additionalProperties"], false, "{name}");
    }
    assert_eq!(
        defs["Sensitivity"]["enum"],
        serde_json::json!(["public", "internal", "confidential", "restricted"])
    );
    assert_eq!(
        defs["OverlayAsset"]["properties"]["type"]["type"],
        serde_json::json!(["string", "null"])
    );
}

/// A YAML file as the JSON value a YAML language server checks against a schema.
fn yaml_as_json(relative: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(relative)).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

/// The schema's complaints about a file, one line each.
fn schema_errors(schema: &[u8], relative: &str) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_slice(schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance = yaml_as_json(relative);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{relative}: {e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn the_schemas_accept_the_files_mdrplan_reads_and_refuse_its_mistakes() {
    // An editor must not mark a good file as wrong, nor pass one mdrplan refuses.
    let overlay = stdout_of(&["schema", "overlay"]);
    for good in [
        "examples/company-a/overlay.yaml",
        "examples/company-b/overlay.yaml",
        "examples/company-c/overlay.yaml",
        "tests/fixtures/formats/tenant/overlay.yaml",
        "tests/fixtures/sentinel/overlay.yaml",
        "tests/fixtures/settings/overlay.yaml",
        "tests/fixtures/diagnostics/overlay.yaml",
        "tests/fixtures/alerts/overlay.yaml",
        "tests/fixtures/diff/company-a-later.yaml",
    ] {
        let errors = schema_errors(&overlay, good);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    for bad in [
        "tests/fixtures/bad/mistyped-key.yaml",
        "tests/fixtures/bad/unknown-value.yaml",
    ] {
        assert!(!schema_errors(&overlay, bad).is_empty(), "{bad}");
    }

    let waivers = stdout_of(&["schema", "waivers"]);
    for good in [
        "tests/fixtures/waivers/company-a.yaml",
        "tests/fixtures/waivers/company-c.yaml",
        "tests/fixtures/waivers/unused.yaml",
        "tests/fixtures/formats/waivers.yaml",
        "tests/fixtures/diff/waivers.yaml",
    ] {
        let errors = schema_errors(&waivers, good);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let unknown_rule = schema_errors(&waivers, "tests/fixtures/waivers/unknown-rule.yaml");
    assert!(!unknown_rule.is_empty());
}

#[test]
fn waivers_schema_is_in_step() {
    in_step(
        "schemas/waivers.schema.json",
        &stdout_of(&["schema", "waivers"]),
    );
}

#[test]
fn waivers_schema_names_the_rules_and_asks_for_the_essentials() {
    let schema: serde_json::Value =
        serde_json::from_slice(&stdout_of(&["schema", "waivers"])).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["properties"]["version"]["const"], 1);
    let waiver = &schema["$defs"]["Waiver"];
    assert_eq!(waiver["additionalProperties"], false);
    assert_eq!(
        waiver["required"],
        serde_json::json!(["rule", "reason", "owner", "expires"])
    );
    let rules: Vec<&str> = waiver["properties"]["rule"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let catalogue: Vec<&str> = mdrplan::rules::Rule::names().collect();
    assert_eq!(rules, catalogue);
    assert_eq!(waiver["properties"]["expires"]["format"], "date");
    // Two of asset, application, subscription and fingerprint at once are refused.
    assert_eq!(waiver["not"]["anyOf"].as_array().unwrap().len(), 6);
}

#[test]
fn schema_of_an_unknown_format_is_refused() {
    mdrplan()
        .args(["schema", "overlays"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("overlay"));
}

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    let subcommands: Vec<String> = mdrplan::cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect();
    assert!(subcommands.len() >= 10, "{subcommands:?}");
    for shell in SHELLS {
        let script = String::from_utf8(stdout_of(&["completions", shell])).unwrap();
        assert!(script.contains("mdrplan"), "{shell}");
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} lacks {sub}");
        }
        // Flags of a subcommand, and the values of an enumerated one.
        assert!(script.contains("focus"), "{shell} lacks --focus");
        assert!(script.contains("mermaid"), "{shell} lacks graph formats");
    }
}

#[test]
fn completions_for_an_unknown_shell_are_refused() {
    mdrplan()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values"));
}

/// Every manual page: `mdrplan.1`, and one per command (`mdrplan-graph.1`, ...), as `git`
/// has, with its file name.
fn manual_pages() -> Vec<(String, Vec<u8>)> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), out);
        }
        let man = clap_mangen::Man::new(cmd).manual("mdrplan manual");
        let mut page = Vec::new();
        man.render(&mut page).unwrap();
        out.push((man.get_filename(), page));
    }
    let mut cmd = mdrplan::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(cmd, &mut pages);
    pages.sort();
    pages
}

#[test]
fn manual_pages_are_in_step() {
    let pages = manual_pages();
    let dir = root().join("doc/man");
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"mdrplan.1"), "{names:?}");
    assert!(names.contains(&"mdrplan-graph.1"), "{names:?}");
    if blessing() && dir.exists() {
        // Pages of commands that are gone go too.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "1") {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    for (name, page) in &pages {
        in_step(&format!("doc/man/{name}"), page);
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".1"))
        .collect();
    committed.sort();
    assert_eq!(
        committed, names,
        "doc/man holds pages the code no longer generates: run \
         `MDRPLAN_BLESS=1 cargo test --test tooling` and commit the result"
    );
}

#[test]
fn manual_page_describes_the_commands_and_exit_codes() {
    let pages = manual_pages();
    let main = String::from_utf8(
        pages
            .iter()
            .find(|(n, _)| n == "mdrplan.1")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(main.contains(".TH mdrplan 1"), "{main}");
    assert!(main.contains("Exit codes"));
    for sub in ["report", "graph", "schema", "completions"] {
        assert!(main.contains(sub), "{sub}");
    }
    let graph = String::from_utf8(
        pages
            .iter()
            .find(|(n, _)| n == "mdrplan-graph.1")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(graph.contains("focus"));
}

fn ci_example(name: &str) -> serde_yaml::Value {
    let path = root().join("examples/ci").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"))
}

/// Every text of a key anywhere in the document (e.g. every `run` script).
fn texts_of<'a>(value: &'a serde_yaml::Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                if k.as_str() == Some(key)
                    && let Some(text) = v.as_str()
                {
                    out.push(text);
                }
                texts_of(v, key, out);
            }
        }
        serde_yaml::Value::Sequence(s) => s.iter().for_each(|v| texts_of(v, key, out)),
        serde_yaml::Value::Tagged(t) => texts_of(&t.value, key, out),
        _ => {}
    }
}

fn texts<'a>(doc: &'a serde_yaml::Value, key: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    texts_of(doc, key, &mut out);
    out
}

/// The script that runs the gated report: it names every output and the gate's inputs.
fn assert_runs_the_gate(scripts: &[&str], annotations: &str) {
    let run = scripts
        .iter()
        .find(|s| s.contains("--output-format"))
        .expect("a step runs mdrplan report with its outputs");
    for needle in [
        "report",
        annotations,
        "sarif=",
        "junit=",
        "markdown=",
        "json=",
        "--waivers",
        "--baseline",
        "--fail-on",
    ] {
        assert!(run.contains(needle), "the run step lacks {needle}");
    }
}

#[test]
fn github_actions_example_publishes_everything_and_gates() {
    let doc = ci_example("github-actions.yml");
    let jobs = doc["jobs"].as_mapping().unwrap();
    assert_eq!(jobs.len(), 1);
    let steps = jobs.values().next().unwrap()["steps"]
        .as_sequence()
        .unwrap();
    assert!(steps.len() >= 8);
    // An `if:` starting with `!` unquoted would be a YAML tag, not an expression.
    for step in steps {
        if let Some(condition) = step.get("if") {
            assert!(condition.is_string(), "{condition:?}");
        }
    }
    let uses = texts(&doc, "uses");
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@"))
    );
    let runs = texts(&doc, "run");
    assert_runs_the_gate(&runs, "--format github");
    assert!(runs.iter().any(|r| r.contains("$GITHUB_STEP_SUMMARY")));
    // A comment over GitHub's limit would fail the job: a long report is linked instead.
    let comment = runs.iter().find(|r| r.contains("gh pr comment")).unwrap();
    assert!(comment.contains("wc -c < mdrplan.md") && comment.contains("65000"));
    assert!(runs.iter().any(|r| r.contains("cargo install --locked")));
    let last = steps.last().unwrap();
    assert_eq!(last["if"], "steps.mdrplan.outputs.exit-code == '1'");
    assert!(last["run"].as_str().unwrap().contains("exit 1"));
}

#[test]
fn azure_pipelines_example_publishes_everything_and_gates() {
    let doc = ci_example("azure-pipelines.yml");
    let steps = doc["steps"].as_sequence().unwrap();
    assert!(steps.len() >= 8);
    let tasks = texts(&doc, "task");
    assert!(tasks.contains(&"PublishTestResults@2"));
    assert!(tasks.contains(&"PublishBuildArtifacts@1"));
    let scripts: Vec<&str> = texts(&doc, "bash")
        .into_iter()
        .chain(texts(&doc, "script"))
        .collect();
    assert_runs_the_gate(&scripts, "--format azure");
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("##vso[task.uploadsummary]"))
    );
    assert!(scripts.iter().any(|s| s.contains("cargo install --locked")));
    let junit = steps
        .iter()
        .find(|s| s["task"] == "PublishTestResults@2")
        .unwrap();
    assert_eq!(junit["inputs"]["testResultsFormat"], "JUnit");
    let last = steps.last().unwrap();
    assert!(last["condition"].as_str().unwrap().contains("MDRPLAN_EXIT"));
    assert!(last["bash"].as_str().unwrap().contains("exit 1"));
}

#[test]
fn ci_examples_use_only_flags_mdrplan_has() {
    let help = String::from_utf8(stdout_of(&["report", "--help"])).unwrap();
    for name in ["github-actions.yml", "azure-pipelines.yml"] {
        let doc = ci_example(name);
        let scripts: Vec<&str> = ["run", "bash", "script"]
            .iter()
            .flat_map(|k| texts(&doc, k))
            .filter(|s| s.contains("mdrplan report") || s.contains("args=(report"))
            .collect();
        assert!(scripts.len() >= 2, "{name}");
        for script in scripts {
            for word in script.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
                let word = word.trim_matches(|c| c == '"' || c == '\\');
                if let Some(flag) = word.strip_prefix("--")
                    && !flag.is_empty()
                {
                    let flag = flag.split('=').next().unwrap();
                    let flag = flag.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
                    assert!(help.contains(&format!("--{flag}")), "{name}: --{flag}");
                }
            }
            for format in ["github", "azure", "sarif", "junit", "markdown", "json"] {
                if script.contains(format) {
                    assert!(help.contains(format), "{name}: {format}");
                }
            }
        }
    }
}
