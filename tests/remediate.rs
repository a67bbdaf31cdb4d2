//! `remediate`: what switches on exactly the missing or too weak plans, in each format, checked
//! against golden files; the script is valid bash; plans already on are left alone.

mod common;

use assert_cmd::Command;

fn remediate(inputs: &[&str], format: &str) -> String {
    let mut args = vec!["remediate".to_owned()];
    args.extend(inputs.iter().map(|i| (*i).to_owned()));
    args.extend(["--format".to_owned(), format.to_owned()]);
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn golden_files_for_each_format() {
    for example in ["company-a", "company-b", "company-c"] {
        let path = format!("examples/{example}");
        for format in ["az", "bicep", "terraform"] {
            insta::assert_snapshot!(
                format!("remediate_{}_{format}", example.replace('-', "_")),
                remediate(&[&path], format)
            );
        }
    }
}

#[test]
fn the_az_script_is_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    for example in ["company-a", "company-b", "company-c"] {
        let script = dir.path().join(format!("{example}.sh"));
        std::fs::write(&script, remediate(&[&format!("examples/{example}")], "az")).unwrap();
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(&script)
            .status()
            .unwrap();
        assert!(status.success(), "bash -n refused the script for {example}");
    }
}

#[test]
fn plans_already_on_are_left_alone() {
    let fixture = common::fixture("cost/mixed.yaml").display().to_string();
    let script = remediate(&[&fixture], "az");
    // sub-mixed runs P1 where three servers need P2; sub-low runs P2, more than it needs.
    let commands: Vec<&str> = script.lines().filter(|l| l.starts_with("az ")).collect();
    assert_eq!(
        commands,
        [
            "az security pricing create --subscription sub-mixed --name VirtualMachines --tier standard --subplan P2"
        ]
    );
    assert!(!script.contains("sub-low"), "{script}");

    // Company A: Servers on P1 under tier 1 and 2 servers, SQL on machines off; its storage
    // plan is on as needed and is not touched.
    let a = remediate(&["examples/company-a"], "terraform");
    assert!(a.contains("resource_type = \"SqlServerVirtualMachines\""));
    assert!(a.contains("subplan       = \"P2\""));
    assert!(!a.contains("StorageAccounts"), "{a}");
}

#[test]
fn the_same_inputs_in_any_order_give_the_same_bytes() {
    let one = remediate(
        &[
            "examples/company-c/exports",
            "examples/company-c/overlay.yaml",
        ],
        "bicep",
    );
    let other = remediate(
        &[
            "examples/company-c/overlay.yaml",
            "examples/company-c/exports",
        ],
        "bicep",
    );
    assert_eq!(one, other);
}
