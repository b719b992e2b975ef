//! Kustomize overlays are judged as built: findings at the line that set the value (base,
//! patch, `images:` entry), each overlay's fixes honoured, patch files never judged alone.

mod common;

use std::path::Path;

use common::{bylaw, write};
use serde_json::Value;

/// (rule, path, line, related paths) of every finding of `--select k8s`.
fn scan(dir: &Path) -> Vec<(String, String, u64, Vec<String>)> {
    let v = common::check_json(dir, &["--select", "k8s"]);
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["start"]["line"].as_u64().unwrap_or(0),
                f["related"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x["path"].as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn base_and_two_overlays(dir: &Path) {
    write(
        dir,
        "base/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n",
    );
    write(
        dir,
        "base/deployment.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          securityContext:
            privileged: true
",
    );
    write(
        dir,
        "overlays/prod/kustomization.yaml",
        "resources:
  - ../../base
images:
  - name: registry.example.com/web
    newTag: latest
patches:
  - path: harden.yaml
",
    );
    write(
        dir,
        "overlays/prod/harden.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: false
",
    );
    write(
        dir,
        "overlays/dev/kustomization.yaml",
        "resources:
  - ../../base
namePrefix: dev-
patches:
  - target:
      kind: Deployment
      name: web
    patch: |-
      - op: add
        path: /spec/template/spec/hostNetwork
        value: true
",
    );
}

fn find<'a>(
    found: &'a [(String, String, u64, Vec<String>)],
    rule: &str,
) -> Vec<&'a (String, String, u64, Vec<String>)> {
    found.iter().filter(|f| f.0 == rule).collect()
}

#[test]
fn overlays_are_judged_as_built_at_the_line_that_set_each_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    base_and_two_overlays(dir.path());
    let found = scan(dir.path());
    // The patch file is never judged as a whole object.
    assert!(
        found.iter().all(|f| f.1 != "overlays/prod/harden.yaml"),
        "{found:#?}"
    );
    // The overlay's `newTag: latest` is reported on its `images:` entry.
    let latest = find(&found, "k8s/image-latest-tag");
    assert_eq!(latest.len(), 1, "{found:#?}");
    assert_eq!(
        (latest[0].1.as_str(), latest[0].2),
        ("overlays/prod/kustomization.yaml", 5)
    );
    // prod's patch clears the base's privileged container; dev keeps it, so the base line is
    // reported for dev only.
    let privileged = find(&found, "k8s/privileged-container");
    assert_eq!(privileged.len(), 1, "{found:#?}");
    assert_eq!(
        (privileged[0].1.as_str(), privileged[0].2),
        ("base/deployment.yaml", 17)
    );
    assert_eq!(privileged[0].3, vec!["overlays/dev/kustomization.yaml"]);
    // An inline JSON 6902 patch: the line inside the kustomization's literal block.
    let host = find(&found, "k8s/host-network");
    assert_eq!(host.len(), 1, "{found:#?}");
    assert_eq!(
        (host[0].1.as_str(), host[0].2),
        ("overlays/dev/kustomization.yaml", 11)
    );
    // A finding both overlays keep is reported once, on the base line, naming both.
    let ro = find(&found, "k8s/read-only-root-filesystem");
    assert_eq!(ro.len(), 1, "{found:#?}");
    assert_eq!(ro[0].1, "base/deployment.yaml");
    assert_eq!(ro[0].3.len(), 2);
}

#[test]
fn a_delete_patch_removes_the_object_and_remote_bases_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "app/kustomization.yaml",
        "resources:\n  - pods.yaml\n  - https://github.com/example/repo//base?ref=v1\npatchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: debug\n    $patch: delete\n",
    );
    write(
        d,
        "app/pods.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: busybox:1.36\n",
    );
    let found = scan(d);
    assert!(found.is_empty(), "{found:#?}");
    let out = bylaw(d)
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s",
            "--format",
            "json",
            ".",
        ])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let skipped = v["skipped"].to_string();
    assert!(skipped.contains("remote resource"), "{skipped}");
}

#[test]
fn a_kustomization_may_not_read_outside_the_tree() {
    let outer = tempfile::tempdir().expect("tempdir");
    write(outer.path(), "secret/pod.yaml", common::PRIVILEGED_POD);
    let d = outer.path().join("repo");
    write(
        &d,
        "kustomization.yaml",
        "resources:\n  - ../secret/pod.yaml\n",
    );
    let found = scan(&d);
    assert!(found.is_empty(), "{found:#?}");
}
