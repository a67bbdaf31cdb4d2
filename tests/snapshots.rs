//! JSON report snapshots of the three examples: any change to what mdrplan concludes about them
//! shows up here as a diff to review.

use assert_cmd::Command;

fn report(company: &str) -> String {
    let out = Command::cargo_bin("mdrplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "report",
            &format!("examples/{company}"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn company_a_report() {
    insta::assert_snapshot!(report("company-a"));
}

#[test]
fn company_b_report() {
    insta::assert_snapshot!(report("company-b"));
}

#[test]
fn company_c_report() {
    insta::assert_snapshot!(report("company-c"));
}
