//! The README's examples work as written: every built-in rule id it names exists, every
//! `bylaw.toml` example loads, and its suppression example suppresses.

mod common;

use common::{bylaw, write};

use std::path::Path;

use serde_json::Value;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The fenced code blocks of one language, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&fence) {
        let body = &rest[at + fence.len()..];
        let end = body.find("```").unwrap_or(body.len());
        out.push(body[..end].to_string());
        rest = &body[end..];
    }
    out
}

#[test]
fn every_rule_id_the_readme_names_exists() {
    let out = bylaw(Path::new("."))
        .args(["rules", "--format", "json"])
        .output()
        .expect("ran");
    let rules: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<&str> = rules
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    let packs: std::collections::BTreeSet<&str> =
        ids.iter().filter_map(|id| id.split('/').next()).collect();
    let text = readme();
    let mut unknown = Vec::new();
    for (i, _) in text.match_indices('/') {
        let start = text[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |p| p + 1);
        let end = text[i + 1..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .map_or(text.len(), |p| i + 1 + p);
        let (pack, name) = (&text[start..i], &text[i + 1..end]);
        // Only ids of built-in packs, preceded by a delimiter (not part of a path or URL).
        let before = text[..start].chars().next_back().unwrap_or(' ');
        if packs.contains(pack)
            && !name.is_empty()
            && matches!(before, '`' | '"' | '[' | ' ' | '(' | ',')
            && !ids.contains(&&text[start..end])
        {
            unknown.push(text[start..end].to_string());
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "README names unknown rule ids: {unknown:?}"
    );
}

#[test]
fn every_policy_example_loads() {
    let examples = blocks(&readme(), "toml");
    assert!(examples.len() >= 2, "README policy examples");
    for (n, toml) in examples.iter().enumerate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        // What the examples point at: an organisation's base file and a rule pack folder.
        write(dir.path(), "org/bylaw.toml", "");
        std::fs::create_dir_all(repo.join("policy/rules")).expect("mkdir");
        write(&repo, "bylaw.toml", toml);
        write(&repo, "app.py", "print('hi')\n");
        let out = bylaw(&repo)
            .args(["check", "--no-cache"])
            .output()
            .expect("ran");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "README policy example #{} does not load:\n{toml}\n{stderr}",
            n + 1
        );
    }
}

#[test]
fn the_suppression_example_suppresses() {
    let text = readme();
    let example = blocks(&text, "yaml")
        .into_iter()
        .find(|b| b.contains("bylaw: ignore["))
        .expect("a YAML suppression example");
    // The example is a container's security context: put it in a pod.
    let body: String = example.lines().map(|l| format!("      {l}\n")).collect();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: gpu\nspec:\n  containers:\n    - name: gpu\n      image: cuda:12\n{body}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", &pod);
    let out = bylaw(dir.path())
        .args(["check", "--no-cache", "--format", "json", "pod.yaml"])
        .output()
        .expect("ran");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = v["findings"].as_array().expect("findings");
    let privileged = findings
        .iter()
        .find(|f| f["rule"] == "k8s/privileged-container")
        .expect("the privileged container is found");
    assert!(
        !privileged["suppression"].is_null(),
        "the example suppresses it: {privileged}"
    );
    let meta: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["rule"] == "bylaw/invalid-suppression"
                || f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("unknown rule"))
        })
        .collect();
    assert!(meta.is_empty(), "{meta:?}");
}
