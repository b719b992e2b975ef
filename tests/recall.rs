//! Constructs the specialist linters handle, end to end: what a finding says and how sure it is
//! where the fixture harness (which checks lines and columns) cannot tell.

mod common;

use common::{bylaw, write};

use serde_json::Value;

/// (rule, line, confidence, message) of every finding of a scan of `dir`.
fn findings(dir: &std::path::Path) -> Vec<(String, u64, String, String)> {
    let v = common::check_json(dir, &[]);
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["start"]["line"].as_u64().unwrap_or(0),
                f["confidence"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn dockerfile_variables_resolve_and_unresolved_ones_lower_confidence() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "Dockerfile",
        "FROM alpine:3.20\nARG CONF=app.json\nADD ${CONF} /etc/\nADD ${SRC} /srv/\nARG U=0\nUSER $U\n",
    );
    let f = findings(d.path());
    let of = |rule: &str, line: u64| {
        f.iter()
            .find(|x| x.0 == rule && x.1 == line)
            .unwrap_or_else(|| panic!("no {rule} on line {line}: {f:?}"))
    };
    assert_eq!(of("docker/add-instead-of-copy", 3).2, "high");
    assert_eq!(of("docker/add-instead-of-copy", 4).2, "low");
    assert_eq!(
        of("docker/root-user", 6).3,
        "the image runs as root (USER $U, which defaults to 0)"
    );
}

#[test]
fn gitlab_included_files_take_the_pipeline_context() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        ".gitlab-ci.yml",
        "include:\n  - local: tests/ci/deploy.yml\n",
    );
    let job = "deploy:\n  script: curl -fsSL https://x.example/i.sh | sh\n";
    write(d.path(), "tests/ci/deploy.yml", job);
    // The same text, not included: plain YAML in a test folder.
    write(d.path(), "tests/ci/other.yml", job);
    let out = bylaw(d.path())
        .args(["check", ".", "--no-cache", "--format", "json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let hits: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "gitlab/curl-pipe-shell")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or(""),
                f["context"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(hits, [("tests/ci/deploy.yml", "production")]);
}

/// (start line, end line, end column) of each finding of `rule` in `dir`.
fn spans(dir: &std::path::Path, rule: &str) -> Vec<(u64, u64, u64)> {
    let v = common::check_json(dir, &["--select", rule]);
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap_or(0),
                f["end"]["line"].as_u64().unwrap_or(0),
                f["end"]["col"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_private_key_finding_spans_the_key_block_only() {
    let d = tempfile::tempdir().expect("tempdir");
    let body: String = (0..4)
        .map(|i| format!("{}\n", format!("MIIEow{i}IBAAKCAQEAx").repeat(3)))
        .collect();
    // With its END line, then blank lines and more text.
    write(
        d.path(),
        "key.pem",
        &format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n\n\nnext: 1\n"
        ),
    );
    // Without an END line: the block ends at its last line of key material.
    write(
        d.path(),
        "notes.txt",
        &format!("key:\n-----BEGIN PRIVATE KEY-----\n{body}\n\nthe rest of the notes\n"),
    );
    let mut got = spans(d.path(), "secrets/private-key");
    got.sort_unstable();
    // key.pem: lines 1-6, ending after `-----END RSA PRIVATE KEY-----` (29 chars);
    // notes.txt: lines 2-6, ending after the last 54-character body line.
    assert_eq!(got, [(1, 6, 30), (2, 6, 55)]);
}
