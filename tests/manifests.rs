//! Manifests in every shape: Kubernetes objects written as JSON (and `kind: List`), YAML with
//! quoted keys, compose files under other names — recognised by content, judged like their
//! plain counterparts.

mod common;

use common::write;

/// (rule, path, line) of every finding of `--select RULES`.
fn scan(dir: &std::path::Path, rules: &str) -> Vec<(String, String, u64)> {
    let v = common::check_json(dir, &["--select", rules]);
    let mut found: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn kubernetes_json_and_quoted_yaml_are_judged_like_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "deploy/pod.json",
        r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "web"},
  "spec": {
    "containers": [
      {"name": "web", "image": "nginx:1.25", "securityContext": {"privileged": true}}
    ]
  }
}
"#,
    );
    write(
        d,
        "deploy/list.json",
        r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
   "spec": {"hostNetwork": true, "containers": [{"name": "a", "image": "busybox:1.36"}]}}
]}
"#,
    );
    write(
        d,
        "deploy/quoted.yaml",
        "\"apiVersion\": v1\n\"kind\": Pod\nmetadata:\n  name: q\nspec:\n  hostPID: true\n  containers:\n    - name: q\n      image: busybox:1.36\n",
    );
    // Not manifests: package metadata and a JSON schema mentioning the words.
    write(d, "package.json", r#"{"name": "x", "kind": "library"}"#);
    let found = scan(d, "k8s/privileged-container,k8s/host-network,k8s/host-pid");
    assert_eq!(
        found,
        vec![
            ("k8s/host-network".into(), "deploy/list.json".into(), 3),
            ("k8s/host-pid".into(), "deploy/quoted.yaml".into(), 6),
            (
                "k8s/privileged-container".into(),
                "deploy/pod.json".into(),
                7
            ),
        ]
    );
}

#[test]
fn compose_files_are_known_by_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let compose = "services:\n  web:\n    image: nginx:1.25\n    privileged: true\n";
    write(d, "deploy/stack.yml", compose);
    // A GitLab-style top-level `services:` list is not compose.
    write(
        d,
        "ci/job.yml",
        "services:\n  - docker:dind\nimage: docker:24\n",
    );
    let found = scan(d, "compose");
    assert!(
        found.iter().any(|f| f.1 == "deploy/stack.yml" && f.2 == 4),
        "{found:?}"
    );
    assert!(found.iter().all(|f| f.1 != "ci/job.yml"), "{found:?}");
}
