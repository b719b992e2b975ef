//! Autofix cases: `fixtures/<rule-id>/fix/<case>/` holds files laid out as in a repository; each
//! file with a sibling `<file>.expected` must become exactly that under `bylaw check --fix
//! --select <rule-id>`, every other file must stay as it is. The fixed files must parse, carry no
//! finding of the rule, and a second `--fix` (and `--diff`) must change nothing.

mod common;

use std::path::{Path, PathBuf};

use common::bylaw;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// Every `fixtures/<pack>/<rule>/fix/<case>` folder, with its rule id.
fn cases() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for pack in std::fs::read_dir(root().join("fixtures")).expect("fixtures") {
        let pack = pack.expect("entry").path();
        if !pack.is_dir()
            || pack
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            continue;
        }
        for rule in std::fs::read_dir(&pack).expect("pack folder") {
            let fix = rule.expect("entry").path().join("fix");
            let Ok(entries) = std::fs::read_dir(&fix) else {
                continue;
            };
            let id = format!(
                "{}/{}",
                pack.file_name().unwrap_or_default().to_string_lossy(),
                fix.parent()
                    .and_then(Path::file_name)
                    .unwrap_or_default()
                    .to_string_lossy()
            );
            for case in entries {
                out.push((id.clone(), case.expect("entry").path()));
            }
        }
    }
    out.sort();
    out
}

/// The JSON report of `dir` for one rule.
fn findings(dir: &Path, rule: &str) -> serde_json::Value {
    common::check_json(dir, &["--select", rule])
}

fn run_case(rule: &str, case: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut expected = Vec::new();
    for f in files_under(case) {
        let rel = f.strip_prefix(case).map_err(|e| e.to_string())?;
        let name = rel.to_string_lossy().to_string();
        if let Some(target) = name.strip_suffix(".expected") {
            expected.push((
                target.to_string(),
                std::fs::read_to_string(&f).unwrap_or_default(),
            ));
            continue;
        }
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap_or(tmp.path())).map_err(|e| e.to_string())?;
        std::fs::copy(&f, &to).map_err(|e| e.to_string())?;
    }
    if expected.is_empty() {
        return Err("no `<file>.expected`".into());
    }
    let before: Vec<(PathBuf, String)> = files_under(tmp.path())
        .into_iter()
        .map(|p| {
            let t = std::fs::read_to_string(&p).unwrap_or_default();
            (p, t)
        })
        .collect();
    for (target, want) in &expected {
        let input = std::fs::read_to_string(tmp.path().join(target)).unwrap_or_default();
        if &input == want {
            return Err(format!("{target}: input and expected are the same"));
        }
    }
    let report = findings(tmp.path(), rule);
    let offered = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule && f["fix"].is_object())
        .count();
    if offered == 0 {
        return Err("the input has no finding with a fix".into());
    }
    let fix = bylaw(tmp.path())
        .args(["check", ".", "--no-cache", "--fix", "--select", rule])
        .output()
        .expect("bylaw runs");
    let stderr = String::from_utf8_lossy(&fix.stderr);
    if !stderr.contains("applied ") {
        return Err(format!("--fix did not report what it applied: {stderr}"));
    }
    for (path, old) in &before {
        let rel = path
            .strip_prefix(tmp.path())
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let now = std::fs::read_to_string(path).unwrap_or_default();
        match expected.iter().find(|(t, _)| *t == rel) {
            Some((_, want)) if &now != want => {
                return Err(format!(
                    "{rel}: fixed text differs\n--- got\n{now}\n--- want\n{want}"
                ));
            }
            None if &now != old => return Err(format!("{rel}: changed but has no .expected")),
            _ => {}
        }
    }
    // Re-parsed and re-scanned: no finding of the rule, no parse error.
    let after = findings(tmp.path(), rule);
    let left: Vec<String> = after["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule && f["suppression"].is_null())
        .map(|f| format!("{}:{}", f["path"], f["start"]["line"]))
        .collect();
    if !left.is_empty() {
        return Err(format!("findings left after --fix: {left:?}"));
    }
    if after["errors"].as_array().is_some_and(|e| !e.is_empty()) {
        return Err(format!("errors after --fix: {}", after["errors"]));
    }
    // Idempotent: nothing more to fix or diff.
    let diff = bylaw(tmp.path())
        .args(["check", ".", "--no-cache", "--diff", "--select", rule])
        .output()
        .expect("bylaw runs");
    if !diff.stdout.is_empty() || diff.status.code() != Some(0) {
        return Err(format!(
            "second run still fixes:\n{}",
            String::from_utf8_lossy(&diff.stdout)
        ));
    }
    Ok(())
}

#[test]
fn every_fix_case_gives_its_expected_file() {
    let only = std::env::var("BYLAW_FIXTURE").ok();
    let mut failures = Vec::new();
    let mut rules = std::collections::BTreeSet::new();
    for (rule, case) in cases() {
        if only.as_deref().is_some_and(|o| !rule.starts_with(o)) {
            continue;
        }
        rules.insert(rule.clone());
        if let Err(e) = run_case(&rule, &case) {
            failures.push(format!("{rule} {}: {e}", case.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if only.is_none() {
        assert!(rules.len() >= 10, "fix cases cover only {rules:?}");
    }
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: a
      image: nginx:1.25
      securityContext:
        # bylaw: ignore[k8s/privileged-container] reason=\"node agent\"
        privileged: true
    - name: b
      image: nginx:1.25
      securityContext:
        privileged: true
";

#[test]
fn fixes_are_in_json_and_in_sarif_that_validates() {
    let d = tempfile::tempdir().expect("tempdir");
    common::write(d.path(), "pod.yaml", POD);
    let json = findings(d.path(), "k8s/privileged-container");
    let fixed: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["fix"].is_object())
        .collect();
    assert_eq!(fixed.len(), 2, "{json}");
    let edit = &fixed[1]["fix"]["edits"][0];
    assert_eq!(edit["replacement"], "false");
    assert_eq!(edit["start"]["line"], 15);
    assert_eq!(
        &POD[edit["span"]["start"].as_u64().unwrap_or(0) as usize
            ..edit["span"]["end"].as_u64().unwrap_or(0) as usize],
        "true"
    );
    let out = bylaw(d.path())
        .args(["check", "--no-cache", "--format", "sarif"])
        .output()
        .expect("bylaw runs");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("validator");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "k8s/privileged-container" && r["suppressions"].is_null())
        .expect("active privileged finding");
    let change = &r["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "pod.yaml");
    let rep = &change["replacements"][0];
    assert_eq!(rep["deletedRegion"]["startLine"], 15);
    assert_eq!(rep["deletedRegion"]["startColumn"], 21);
    assert_eq!(rep["deletedRegion"]["endColumn"], 25);
    assert_eq!(rep["insertedContent"]["text"], "false");
}

#[test]
fn suppressed_baselined_and_report_only_findings_are_never_fixed() {
    let d = tempfile::tempdir().expect("tempdir");
    common::write(d.path(), "pod.yaml", POD);
    common::write(d.path(), "old/pod.yaml", POD);
    common::write(d.path(), "tests/pod.yaml", POD);
    let base = d.path().join("baseline.json");
    // A repository: fingerprints hold paths from its root, wherever the scan starts.
    common::git(d.path(), &["init", "-q"]);
    bylaw(d.path())
        .args(["baseline", "create", "baseline.json", "old", "--no-cache"])
        .assert()
        .success();
    let out = bylaw(d.path())
        .args([
            "check",
            ".",
            "--no-cache",
            "--fix",
            "--select",
            "k8s/privileged-container",
        ])
        .arg("--baseline")
        .arg(&base)
        .output()
        .expect("bylaw runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("applied 1 fix(es) in 1 file(s)"),
        "{stderr}"
    );
    let fixed = std::fs::read_to_string(d.path().join("pod.yaml")).expect("read");
    // The suppressed container keeps its value; the other is fixed.
    assert_eq!(
        fixed,
        POD.replacen(
            "        privileged: true\n",
            "        privileged: false\n",
            2
        )
        .replacen(
            "        privileged: false\n",
            "        privileged: true\n",
            1,
        )
    );
    for untouched in ["old/pod.yaml", "tests/pod.yaml"] {
        assert_eq!(
            std::fs::read_to_string(d.path().join(untouched)).expect("read"),
            POD,
            "{untouched}"
        );
    }
}

#[test]
fn diff_prints_without_writing_and_what_cannot_be_fixed_remains() {
    let d = tempfile::tempdir().expect("tempdir");
    let flow = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: a:1\n      securityContext: {runAsNonRoot: true}\n    - name: b\n      image: b:1\n";
    common::write(d.path(), "pod.yaml", flow);
    let rule = "k8s/allow-privilege-escalation";
    let out = bylaw(d.path())
        .args(["check", ".", "--no-cache", "--diff", "--select", rule])
        .output()
        .expect("bylaw runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "--- a/pod.yaml\n+++ b/pod.yaml\n@@ -9,3 +9,5 @@\n       securityContext: {runAsNonRoot: true}\n     - name: b\n       image: b:1\n+      securityContext:\n+        allowPrivilegeEscalation: false\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("pod.yaml")).expect("read"),
        flow
    );
    // The flow mapping is not edited: its finding remains, and is counted.
    let out = bylaw(d.path())
        .args(["check", ".", "--no-cache", "--fix", "--select", rule])
        .output()
        .expect("bylaw runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("applied 1 fix(es) in 1 file(s); 1 finding(s) remain"),
        "{stderr}"
    );
}

#[test]
fn rules_that_declare_a_fix_are_the_rules_with_fix_cases() {
    let registry = bylaw::rule::registry::Registry::load(&[]).expect("rules load");
    let declared: std::collections::BTreeSet<String> = registry
        .metas()
        .filter(|m| m.fix.is_some())
        .map(|m| m.id.clone())
        .collect();
    let cased: std::collections::BTreeSet<String> = cases().into_iter().map(|(r, _)| r).collect();
    assert_eq!(declared, cased);
}

#[test]
fn diff_context_never_shows_a_secret_in_full() {
    let d = tempfile::tempdir().expect("tempdir");
    let secret = "s3cr3t-Passw0rd-9f8e7d";
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: a:1\n      env:\n        - name: DB_PASSWORD\n          value: \"{secret}\"\n"
    );
    common::write(d.path(), "pod.yaml", &pod);
    let out = bylaw(d.path())
        .args(["check", ".", "--no-cache", "--diff"])
        .output()
        .expect("bylaw runs");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("+      securityContext:"), "{diff}");
    assert!(
        diff.contains("s3cr"),
        "the masked value keeps its prefix: {diff}"
    );
    assert!(!diff.contains(secret), "{diff}");
}

#[test]
fn findings_moved_from_a_built_overlay_carry_no_fix() {
    let d = tempfile::tempdir().expect("tempdir");
    common::write(
        d.path(),
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          securityContext:\n            runAsNonRoot: true\n",
    );
    common::write(
        d.path(),
        "base/kustomization.yaml",
        "resources:\n  - deploy.yaml\n",
    );
    common::write(
        d.path(),
        "overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\nnamePrefix: prod-\n",
    );
    let report = findings(d.path(), "k8s/allow-privilege-escalation");
    let found = report["findings"].as_array().expect("findings");
    // The finding is on the base, found in the built overlay: its edits would index the built
    // text, not the base file.
    assert!(
        found.iter().any(|f| f["path"] == "base/deploy.yaml"
            && f["related"].as_array().is_some_and(|r| !r.is_empty())),
        "{report}"
    );
    assert!(found.iter().all(|f| f["fix"].is_null()), "{report}");
}
