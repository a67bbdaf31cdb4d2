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
fn extensions_on_today_stay_on_and_changes_in_one_subscription_run_one_at_a_time() {
    // Company A with Defender for Endpoint's designated-subscription extension on under P1.
    let dir = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/company-a");
    std::fs::copy(
        example.join("overlay.yaml"),
        dir.path().join("overlay.yaml"),
    )
    .unwrap();
    for file in ["containers.json", "licences.json", "resources.json"] {
        std::fs::copy(example.join("exports").join(file), dir.path().join(file)).unwrap();
    }
    let pricings = std::fs::read_to_string(example.join("exports/pricings.json")).unwrap();
    let off = "\"isEnabled\": \"False\",\n          \"name\": \"MdeDesignatedSubscription\"";
    assert!(pricings.contains(off));
    let on = off.replace("False", "True");
    std::fs::write(dir.path().join("pricings.json"), pricings.replace(off, &on)).unwrap();
    let input = dir.path().display().to_string();

    let tf = remediate(&[&input], "terraform");
    let vm = &tf[tf.find("resource_type = \"VirtualMachines\"").unwrap()..];
    assert!(
        vm.contains("extension {\n    name = \"MdeDesignatedSubscription\"\n  }"),
        "{tf}"
    );
    assert!(
        vm.contains("depends_on = [azurerm_security_center_subscription_pricing.sub_3f2b8c1e_7a4d_4e9b_9c61_2d5f0a8b7e14_sqlservervirtualmachines]"),
        "{tf}"
    );
    // The storage plan's extensions are on too, but the plan is left alone.
    assert!(!tf.contains("OnUploadMalwareScanning\"\n"), "{tf}");

    let bicep = remediate(&[&input], "bicep");
    assert!(
        bicep.contains("extensions: [\n          {\n            name: 'MdeDesignatedSubscription'\n            isEnabled: 'True'"),
        "{bicep}"
    );
    assert!(
        bicep.contains("@batchSize(1)\nresource pricings 'Microsoft.Security/pricings@2024-01-01'"),
        "{bicep}"
    );

    let az = remediate(&[&input], "az");
    assert!(
        az.contains("# Extensions on today, kept on: MdeDesignatedSubscription"),
        "{az}"
    );

    // As exported, the extension is off: nothing to keep.
    let plain = remediate(&["examples/company-a"], "terraform");
    assert!(!plain.contains("extension {"), "{plain}");
}

#[test]
fn terraform_output_is_canonical_hcl_where_terraform_is_installed() {
    let Ok(status) = std::process::Command::new("terraform")
        .arg("version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    else {
        eprintln!("terraform is not installed: its syntax check is skipped");
        return;
    };
    assert!(status.success());
    for example in ["company-a", "company-b"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("main.tf");
        std::fs::write(
            &file,
            remediate(&[&format!("examples/{example}")], "terraform"),
        )
        .unwrap();
        let out = std::process::Command::new("terraform")
            .args(["fmt", "-check", "-diff"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "terraform fmt refused {example}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
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
