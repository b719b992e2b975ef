//! File contexts end to end: what each context's findings do to the exit code and to every
//! output format, the policy's `[contexts]` table, and bylaw's own repository scanning clean.

mod common;

use common::{PRIVILEGED_POD, bylaw, write};

use std::path::Path;

use serde_json::Value;

/// `bylaw check --no-cache --select k8s/privileged-container --format json` in `dir`.
fn scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = bylaw(dir)
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .expect("bylaw ran");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (path, context, fails) of every finding.
fn contexts(v: &Value) -> Vec<(String, String, bool)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["context"].as_str().unwrap_or_default().to_string(),
                f["fails"].as_bool().unwrap_or(true),
            )
        })
        .collect()
}

/// The same privileged pod in a test folder, an example, the docs, vendored code and a cluster
/// dump: reported (or skipped) without failing the run.
fn tree_with_every_context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "tests/e2e/pod.yaml", PRIVILEGED_POD);
    write(d, "examples/pod.yaml", PRIVILEGED_POD);
    write(d, "docs/pod.yaml", PRIVILEGED_POD);
    write(d, "vendor/chart/pod.yaml", PRIVILEGED_POD);
    let dump = format!(
        "{}status:\n  phase: Running\n",
        PRIVILEGED_POD.replace(
            "  name: web\n",
            "  name: web\n  uid: 6b1f\n  resourceVersion: \"81\"\n"
        )
    );
    write(d, "cluster/live-pod.yaml", &dump);
    dir
}

#[test]
fn findings_outside_production_are_reported_and_do_not_fail() {
    let dir = tree_with_every_context();
    let (code, v, stderr) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        contexts(&v),
        vec![
            ("docs/pod.yaml".into(), "docs".into(), false),
            ("examples/pod.yaml".into(), "example".into(), false),
            ("tests/e2e/pod.yaml".into(), "test".into(), false),
        ]
    );
    assert_eq!(v["summary"]["failing"], 0);
    assert_eq!(
        v["summary"]["skipped_by_context"],
        serde_json::json!({"generated": 1, "vendor": 1})
    );
    assert_eq!(
        v["summary"]["not_failing_by_context"],
        serde_json::json!({"docs": 1, "example": 1, "test": 1})
    );
    let human = bylaw(dir.path())
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
        ])
        .output()
        .expect("ran");
    let summary = String::from_utf8_lossy(&human.stderr);
    assert!(
        summary.contains("by context: test 1, example 1, docs 1")
            && summary.contains("2 skipped (vendor 1, generated 1)"),
        "{summary}"
    );

    // A production file still fails the run.
    write(dir.path(), "deploy/pod.yaml", PRIVILEGED_POD);
    let (code, v, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(contexts(&v).contains(&("deploy/pod.yaml".into(), "production".into(), true)));
    assert_eq!(v["summary"]["failing"], 1);
}

#[test]
fn the_policy_moves_files_between_contexts_and_sets_modes() {
    let dir = tree_with_every_context();
    write(
        dir.path(),
        "bylaw.toml",
        r#"
[contexts.test]
mode = "fail"

[contexts.production]
paths = ["examples/**"]

[contexts.docs]
builtin = false

[contexts.vendor]
mode = "report"
"#,
    );
    let (code, v, stderr) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        contexts(&v),
        vec![
            // Without its built-in patterns, docs/ is production.
            ("docs/pod.yaml".into(), "production".into(), true),
            // The policy says examples/ is deployed.
            ("examples/pod.yaml".into(), "production".into(), true),
            ("tests/e2e/pod.yaml".into(), "test".into(), true),
            ("vendor/chart/pod.yaml".into(), "vendor".into(), false),
        ]
    );
}

#[test]
fn policy_globs_add_to_the_built_in_patterns() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "qa/pod.yaml", PRIVILEGED_POD);
    write(
        dir.path(),
        "bylaw.toml",
        "[contexts.test]\npaths = [\"qa\"]\n",
    );
    let (code, v, _) = scan(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        contexts(&v),
        vec![("qa/pod.yaml".into(), "test".into(), false)]
    );
}

#[test]
fn unknown_contexts_and_modes_are_configuration_errors() {
    for (toml, says) in [
        (
            "[contexts.staging]\nmode = \"fail\"\n",
            "unknown context `staging`",
        ),
        (
            "[contexts.test]\nmode = \"maybe\"\n",
            "unknown context mode `maybe`",
        ),
        ("[contexts.test]\npaths = [\"[\"]\n", "invalid glob"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "pod.yaml", PRIVILEGED_POD);
        write(dir.path(), "bylaw.toml", toml);
        let out = bylaw(dir.path())
            .args(["check", "--no-cache"])
            .output()
            .expect("ran");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}: {stderr}");
        assert!(stderr.contains(says), "{toml}: {stderr}");
        assert!(stderr.contains("bylaw.toml"), "{toml}: {stderr}");
    }
}

#[test]
fn sarif_and_annotations_mark_non_failing_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "tests/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "deploy/pod.yaml", PRIVILEGED_POD);
    let run = |format: &str| {
        let out = bylaw(dir.path())
            .args([
                "check",
                "--no-cache",
                "--select",
                "k8s/privileged-container",
                "--format",
                format,
            ])
            .output()
            .expect("ran");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sarif: Value = serde_json::from_str(&run("sarif")).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let by_path = |p: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == p)
            .unwrap_or_else(|| panic!("no result for {p}"))
    };
    assert_eq!(by_path("tests/pod.yaml")["level"], "note");
    assert_eq!(by_path("tests/pod.yaml")["properties"]["context"], "test");
    assert_eq!(by_path("deploy/pod.yaml")["level"], "error");
    assert_eq!(
        by_path("deploy/pod.yaml")["properties"]["context"],
        "production"
    );

    let github = run("github");
    assert!(
        github.contains("::notice file=tests/pod.yaml")
            && github.contains("::error file=deploy/pod.yaml"),
        "{github}"
    );
    let junit = run("junit");
    assert!(
        junit.contains("deploy/pod.yaml") && !junit.contains("tests/pod.yaml"),
        "{junit}"
    );

    // Human output: the failing finding in full, the test one on one line.
    let human = run("human");
    assert!(
        human.contains("1 finding in files whose context does not fail the run (test 1)")
            && human.contains("tests/pod.yaml:10:9: high k8s/privileged-container"),
        "{human}"
    );
    let all = bylaw(dir.path())
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
            "--show-all",
        ])
        .output()
        .expect("ran");
    let all = String::from_utf8_lossy(&all.stdout);
    assert!(!all.contains("does not fail the run"), "{all}");
    // The test file's finding in full too: its snippet, under its location.
    assert!(
        all.contains("[tests/pod.yaml:10:9]") && !human.contains("[tests/pod.yaml:10:9]"),
        "{all}"
    );
}

/// The acceptance test of the file-contexts work: `bylaw check .` at the root of bylaw's own
/// repository (fixtures, tests and docs included) exits 0.
#[test]
fn bylaws_own_repository_scans_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = bylaw(root)
        .args(["check", "--no-cache", "--format", "json", "."])
        .output()
        .expect("ran");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let failing: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["fails"] == true)
        .map(|f| format!("{} {} {}", f["path"], f["rule"], f["message"]))
        .collect();
    assert_eq!(out.status.code(), Some(0), "failing findings: {failing:#?}");
    // The fixtures are still scanned: thousands of findings, none failing.
    assert!(v["summary"]["not_failing_by_context"]["test"].as_u64() > Some(1000));
}

/// A GitHub token whose checksum holds is real whatever the folder: it fails the run in tests,
/// examples and docs too; one whose checksum does not hold is reported there without failing.
#[test]
fn a_verified_credential_fails_in_every_context() {
    use bylaw::decl::verify::{base62_6, crc32};
    // Built at run time so that no checksum-valid token sits in the repository.
    let body = "Xk29QmLp0vR7tZ4wYb8NcJ1sDf5Gh3";
    let valid = format!("ghp_{body}{}", base62_6(crc32(body.as_bytes())));
    let invalid = format!("ghp_{body}AAAAAA");
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "tests/fixtures/config.py",
        &format!("GITHUB = \"{invalid}\"\n"),
    );
    let run = |dir: &Path| {
        let out = bylaw(dir)
            .args([
                "check",
                "--no-cache",
                "--select",
                "secrets",
                "--format",
                "json",
            ])
            .output()
            .expect("ran");
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (out.status.code(), v)
    };
    let (code, v) = run(dir.path());
    assert_eq!(code, Some(0), "{v}");
    assert!(
        contexts(&v)
            .iter()
            .any(|(p, c, fails)| p == "tests/fixtures/config.py" && c == "test" && !fails),
        "{v}"
    );
    write(
        dir.path(),
        "docs/setup.md",
        &format!("Use `export GITHUB_TOKEN={valid}`\n"),
    );
    let (code, v) = run(dir.path());
    assert_eq!(code, Some(1), "{v}");
    assert!(
        contexts(&v)
            .iter()
            .any(|(p, c, fails)| p == "docs/setup.md" && c == "docs" && *fails),
        "{v}"
    );
    // The token is never printed in full.
    assert!(!v.to_string().contains(&valid));
}

/// Contexts come from each file's repository: the same for a scan from the root, from above it
/// and from inside a subfolder; a folder above the repository never counts.
#[test]
fn contexts_are_read_from_each_files_repository() {
    let top = tempfile::tempdir().expect("tempdir");
    // A checkout that happens to live under a folder named `tests`.
    let repo = top.path().join("tests/shop");
    write(&repo, "tests/pod.yaml", PRIVILEGED_POD);
    write(&repo, "deploy/pod.yaml", PRIVILEGED_POD);
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir .git");
    let of = |dir: &Path, args: &[&str]| {
        let (_, v, _) = scan(dir, args);
        let mut c: Vec<(String, bool)> = contexts(&v)
            .into_iter()
            .map(|(p, c, _)| {
                (
                    p.rsplit("shop/").next().unwrap_or(&p).to_string(),
                    c == "test",
                )
            })
            .collect();
        c.sort();
        c
    };
    let want = vec![
        ("deploy/pod.yaml".to_string(), false),
        ("tests/pod.yaml".to_string(), true),
    ];
    assert_eq!(of(&repo, &[]), want);
    assert_eq!(of(top.path(), &["tests/shop"]), want);
    assert_eq!(
        of(&repo.join("tests"), &["."]),
        vec![("pod.yaml".to_string(), true)]
    );
}
