//! The organisation roll-up: reports that say where they come from (`scan`, `suppressions`),
//! `bylaw report` over many of them, `bylaw audit` over a directory of repositories, and the
//! rollout workflows.

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, bylaw, git, write};
use serde_json::Value;

fn json_report(dir: &Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = bylaw(dir)
        .args([
            "check",
            ".",
            "--no-cache",
            "--format",
            "json",
            "--exit-zero",
        ])
        .args(extra)
        .env("BYLAW_TODAY", "2026-12-06")
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        out.stdout,
    )
}

const POLICY: &str = r#"version = "2026.12"
[[waivers]]
rules = ["k8s/privileged-container"]
paths = ["deploy/*"]
owner = "@acme/platform"
until = "2027-01-05"
reason = "GPU nodes"
ticket = "OPS-1"
"#;

#[test]
fn json_report_says_which_repository_commit_branch_and_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("api");
    write(&dir, "bylaw.toml", POLICY);
    write(&dir, "deploy/pod.yaml", PRIVILEGED_POD);
    write(&dir, "CODEOWNERS", "* @acme/api\n");
    write(
        &dir,
        "app.py",
        "import os\nos.system(cmd)  # bylaw: ignore[python/shell-command-non-literal] reason=\"fixed input\" until=2026-12-20\n",
    );
    git(&dir, &["init", "-q", "-b", "trunk"]);
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "https://x-access-token:ghp_TOPSECRET123@github.com/acme/api.git",
        ],
    );
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "init"]);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();

    let (r, bytes) = json_report(&dir, &[]);
    let scan = &r["scan"];
    assert_eq!(scan["repository"], "github.com/acme/api");
    assert_eq!(scan["commit"], head.as_str());
    assert_eq!(scan["branch"], "trunk");
    assert_eq!(scan["bylaw_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(scan["policy"]["version"], "2026.12");
    let digest = scan["policy"]["digest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("blake3:"), "{digest}");
    assert!(scan.get("time").is_none(), "no timestamp unless asked");
    // The token in the remote URL never reaches the report.
    assert!(!String::from_utf8_lossy(&bytes).contains("TOPSECRET"));
    // Same input, same bytes.
    assert_eq!(json_report(&dir, &[]).1, bytes);

    // Suppressions and waivers with owner, expiry and reason, soonest expiry first.
    let s = r["suppressions"].as_array().unwrap();
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(s[0]["origin"], "comment");
    assert_eq!(s[0]["path"], "app.py");
    assert_eq!(s[0]["line"], 2);
    assert_eq!(s[0]["until"], "2026-12-20");
    assert_eq!(s[0]["owners"], serde_json::json!(["@acme/api"]));
    assert_eq!(s[1]["origin"], "waiver");
    assert_eq!(s[1]["owner"], "@acme/platform");
    assert_eq!(s[1]["until"], "2027-01-05");
    assert_eq!(s[1]["ticket"], "OPS-1");
    assert_eq!(
        s[1]["rules"],
        serde_json::json!(["k8s/privileged-container"])
    );

    // A changed policy changes the digest.
    write(&dir, "bylaw.toml", &format!("fail-on = \"high\"\n{POLICY}"));
    let (r2, _) = json_report(&dir, &["--repository", "acme/api", "--timestamp"]);
    assert_ne!(r2["scan"]["policy"]["digest"], digest.as_str());
    assert_eq!(r2["scan"]["repository"], "acme/api");
    let time = r2["scan"]["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
}

#[test]
fn outside_git_the_repository_is_the_directory_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("billing-svc");
    write(&dir, "deploy/pod.yaml", PRIVILEGED_POD);
    let (r, _) = json_report(&dir, &[]);
    assert_eq!(r["scan"]["repository"], "billing-svc");
    assert_eq!(r["scan"]["commit"], Value::Null);
    assert_eq!(r["scan"]["branch"], Value::Null);
    assert_eq!(r["scan"]["policy"]["digest"], Value::Null);
    assert_eq!(r["suppressions"], serde_json::json!([]));
}
