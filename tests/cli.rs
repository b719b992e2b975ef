//! End-to-end tests of the `bylaw` binary: exit codes, formats, bad input, determinism, policy,
//! suppressions, baselines, diff mode, cache and ownership.

mod common;

use common::{PRIVILEGED_POD, git, write};

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn bylaw(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("bylaw").unwrap();
    c.current_dir(dir)
        .env("BYLAW_CACHE_DIR", cache_of(dir))
        .env("NO_COLOR", "1");
    c
}

/// A cache directory beside (not inside) the scanned tree.
fn cache_of(dir: &Path) -> std::path::PathBuf {
    let mut s = dir.as_os_str().to_owned();
    s.push("-cache");
    std::path::PathBuf::from(s)
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

fn rule_lines(v: &Value, rule: &str) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn scan_json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = bylaw(dir)
        .args(["check", "--format", "json", "--no-cache"])
        .args(args)
        .output()
        .unwrap();
    (json_of(&out.stdout), out.status.code().unwrap())
}

#[test]
fn exit_codes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok.txt", "hello\n");
    bylaw(d.path())
        .args(["check", "--no-cache", "--ignore", "repo"])
        .assert()
        .code(0);
    write(d.path(), "pod.yaml", PRIVILEGED_POD);
    bylaw(d.path())
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
        ])
        .assert()
        .code(1);
    bylaw(d.path())
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
            "--fail-on",
            "critical",
        ])
        .assert()
        .code(0);
    bylaw(d.path())
        .args(["check", "--no-cache", "--exit-zero"])
        .assert()
        .code(0);
    bylaw(d.path())
        .args(["check", "--no-such-flag"])
        .assert()
        .code(2);
    bylaw(d.path())
        .args(["check", "--select", "k8s/not-a-rule"])
        .assert()
        .code(2);
    bylaw(d.path())
        .args(["check", "--fail-on", "severe"])
        .assert()
        .code(2);
    bylaw(d.path())
        .args(["check", "does/not/exist"])
        .assert()
        .code(2);
    bylaw(d.path())
        .args(["explain", "k8s/privileged-container"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("## Why it matters"));
    bylaw(d.path())
        .args(["explain", "k8s/nope"])
        .assert()
        .code(2);
}

#[test]
fn bad_input_is_reported_and_does_not_hide_findings() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "pod.yaml", PRIVILEGED_POD);
    std::fs::write(p.join("blob.bin"), [0u8, 1, 2, 3, 0, 255, 0]).unwrap();
    std::fs::write(p.join("latin1.txt"), [b'c', b'a', b'f', 0xE9, b'\n']).unwrap();
    write(p, "broken.yaml", "a: [1, 2\nb: {\n");
    write(
        p,
        "broken.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n",
    );
    write(p, "Dockerfile", "FROM\nRUN [\"unterminated\n");
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='k' {
        bomb.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = c;
    }
    write(p, "bomb.yaml", &bomb);
    write(
        p,
        "deep.yaml",
        &format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(
        p,
        "deep.json",
        &format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)),
    );
    write(
        p,
        "crlf.yaml",
        &PRIVILEGED_POD
            .replace('\n', "\r\n")
            .replace("name: web", "name: crlf"),
    );
    write(p, "empty.yaml", "");
    write(p, "broken.json", "{\"name\": \"app\",\n  \"version\": }\n");
    // JSON with comments where tools accept it is not broken.
    write(
        p,
        "tsconfig.json",
        "{\n  // strict mode\n  \"compilerOptions\": {\"strict\": true,},\n}\n",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(p.join("loop"), p.join("loop")).ok();
        std::fs::create_dir_all(p.join("dir")).unwrap();
        std::os::unix::fs::symlink(p.join("dir"), p.join("dir/self")).ok();
        std::os::unix::fs::symlink("/etc/passwd", p.join("outside")).ok();
    }
    let out = bylaw(p)
        .args(["check", "--format", "json", "--no-cache", "--verbose"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    let errors = v["errors"].as_array().unwrap();
    let err_paths: Vec<&str> = errors.iter().map(|e| e["path"].as_str().unwrap()).collect();
    for f in [
        "broken.yaml",
        "broken.tf",
        "Dockerfile",
        "bomb.yaml",
        "deep.yaml",
        "deep.json",
        "broken.json",
        "latin1.txt",
    ] {
        assert!(err_paths.contains(&f), "{f} not reported: {errors:#?}");
    }
    assert!(!err_paths.contains(&"tsconfig.json"), "{errors:#?}");
    let broken_json = errors.iter().find(|e| e["path"] == "broken.json");
    assert_eq!(
        broken_json.map(|e| (&e["kind"], &e["location"]["line"])),
        Some((&Value::from("parse"), &Value::from(2))),
        "{errors:#?}"
    );
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"blob.bin"), "{skipped:?}");
    let lines = rule_lines(&v, "k8s/privileged-container");
    assert!(lines.contains(&("pod.yaml".into(), 10)), "{lines:?}");
    assert!(lines.contains(&("crlf.yaml".into(), 10)), "{lines:?}");
    // Human output names the broken files too.
    let human = bylaw(p).args(["check", "--no-cache"]).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("broken.yaml:") && text.contains("parse error"),
        "{text}"
    );
    assert!(!String::from_utf8_lossy(&human.stderr).contains("panicked"));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pod.yaml", PRIVILEGED_POD);
    write(d.path(), "broken.yaml", "a: [\n");
    write(d.path(), "sub dir/pod.yaml", PRIVILEGED_POD);
    let out = bylaw(d.path())
        .args(["check", "--format", "sarif", "--no-cache"])
        .output()
        .unwrap();
    let instance = json_of(&out.stdout);
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &instance["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], r["ruleId"]);
        assert!(r["partialFingerprints"]["bylaw/v1"].is_string());
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            !loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
    }
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "sub%20dir/pod.yaml"
    ));
    assert!(
        !run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The check is real: a broken level is rejected.
    let mut broken = instance.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(d.path(), &format!("k/{i}/pod.yaml"), PRIVILEGED_POD);
        write(d.path(), &format!("k/{i}/notes.md"), "nothing\n");
    }
    for fmt in ["human", "json", "sarif", "github", "gitlab", "junit"] {
        let one = bylaw(d.path())
            .args(["check", "--no-cache", "--threads", "1", "--format", fmt])
            .output()
            .unwrap();
        let two = bylaw(d.path())
            .args(["check", "--no-cache", "--threads", "2", "--format", fmt])
            .output()
            .unwrap();
        let again = bylaw(d.path())
            .args(["check", "--no-cache", "--threads", "2", "--format", fmt])
            .output()
            .unwrap();
        assert!(!one.stdout.is_empty(), "{fmt}: no output");
        assert!(
            one.stdout == two.stdout,
            "{fmt}: output differs between 1 and 2 threads"
        );
        assert!(
            two.stdout == again.stdout,
            "{fmt}: output differs between runs"
        );
    }
}

#[test]
fn several_outputs_at_once() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pod.yaml", PRIVILEGED_POD);
    let out = bylaw(d.path())
        .args([
            "check",
            "--no-cache",
            "-o",
            "sarif=out.sarif",
            "-o",
            "junit=out.xml",
            "-o",
            "gitlab=cq.json",
            "-o",
            "github",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let gh = String::from_utf8_lossy(&out.stdout);
    assert!(gh.contains("::error file=pod.yaml,line=10,col=9"), "{gh}");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let xml = std::fs::read_to_string(d.path().join("out.xml")).unwrap();
    assert!(
        xml.contains("<testsuite name=\"k8s/privileged-container\"") && xml.contains("<failure"),
        "{xml}"
    );
    let cq: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("cq.json")).unwrap()).unwrap();
    assert!(
        cq.as_array()
            .unwrap()
            .iter()
            .any(|i| i["check_name"] == "k8s/privileged-container"
                && i["location"]["lines"]["begin"] == 10)
    );
}

#[test]
fn policy_extends_precedence_and_local_override() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "org/base.toml",
        "fail-on = \"critical\"\nignore = [\"k8s/privileged-container\"]\n[severity]\n\"k8s/privileged-container\" = \"low\"\n",
    );
    write(
        p,
        "org/team.toml",
        "fail-on = \"high\"\n[severity]\n\"k8s/privileged-container\" = \"critical\"\n",
    );
    write(
        p,
        "repo/bylaw.toml",
        "extends = [\"../org/base.toml\", \"../org/team.toml\"]\nignore = []\n\n[[overrides]]\npaths = [\"tests/**\"]\nignore = [\"k8s/privileged-container\"]\n",
    );
    write(p, "repo/deploy/pod.yaml", PRIVILEGED_POD);
    write(p, "repo/tests/pod.yaml", PRIVILEGED_POD);
    let repo = p.join("repo");
    let (v, code) = scan_json(&repo, &["--select", "k8s/privileged-container"]);
    // team.toml (later) overrides base.toml; the repo file re-enables the rule; the override scopes it away from tests/.
    assert_eq!(
        rule_lines(&v, "k8s/privileged-container"),
        vec![("deploy/pod.yaml".to_string(), 10)]
    );
    assert_eq!(v["findings"][0]["severity"], "critical");
    assert_eq!(v["summary"]["fail_on"], "high");
    assert_eq!(code, 1);
    // Unknown keys, unknown rules, bad globs and bad dates are configuration errors (exit 2) with file and line.
    for (cfg, needle) in [
        ("selct = [\"k8s\"]\n", "bylaw.toml:1"),
        ("ignore = [\"k8s/nope\"]\n", "bylaw.toml:1"),
        ("\n[[overrides]]\npaths = [\"a/[\"]\n", "bylaw.toml:3"),
        (
            "[[waivers]]\nrules = [\"k8s/privileged-container\"]\nuntil = \"soon\"\n",
            "bylaw.toml:1",
        ),
    ] {
        write(p, "bad/bylaw.toml", cfg);
        write(p, "bad/x.txt", "x\n");
        let out = bylaw(&p.join("bad"))
            .args(["check", "--no-cache"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cfg}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{cfg}: {err}");
    }
}

#[test]
fn required_rule_cannot_be_silenced_by_a_comment() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "bylaw.toml",
        "required = [\"k8s/privileged-container\"]\n",
    );
    write(
        p,
        "pod.yaml",
        &PRIVILEGED_POD.replace(
            "privileged: true",
            "privileged: true # bylaw: ignore[k8s/privileged-container] reason=\"needed\"",
        ),
    );
    let (v, code) = scan_json(p, &[]);
    assert_eq!(code, 1);
    let f: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "k8s/privileged-container")
        .collect();
    assert_eq!(f.len(), 1);
    assert!(f[0]["suppression"].is_null());
    assert_eq!(
        rule_lines(&v, "bylaw/suppression-of-required-rule"),
        vec![("pod.yaml".to_string(), 10)]
    );
}

#[test]
fn waivers_expire_and_unused_suppressions_are_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "bylaw.toml",
        "[[waivers]]\nrules = [\"k8s/privileged-container\"]\npaths = [\"legacy/**\"]\nreason = \"migration\"\nowner = \"team-a\"\nuntil = 2001-01-01\nticket = \"SEC-1\"\n\n[[waivers]]\nrules = [\"k8s/privileged-container\"]\npaths = [\"current/**\"]\nreason = \"GPU\"\nowner = \"team-b\"\nuntil = 2999-01-01\n",
    );
    write(p, "legacy/pod.yaml", PRIVILEGED_POD);
    write(p, "current/pod.yaml", PRIVILEGED_POD);
    write(
        p,
        "clean/pod.yaml",
        &PRIVILEGED_POD.replace(
            "privileged: true",
            "privileged: false # bylaw: ignore[k8s/privileged-container] reason=\"old\"",
        ),
    );
    let (v, _) = scan_json(p, &[]);
    let f: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "k8s/privileged-container")
        .collect();
    let legacy = f.iter().find(|f| f["path"] == "legacy/pod.yaml").unwrap();
    assert!(
        legacy["suppression"].is_null(),
        "expired waiver must not suppress"
    );
    let current = f.iter().find(|f| f["path"] == "current/pod.yaml").unwrap();
    assert_eq!(current["suppression"]["kind"], "external");
    assert_eq!(current["suppression"]["owner"], "team-b");
    assert_eq!(
        rule_lines(&v, "bylaw/expired-suppression"),
        vec![("bylaw.toml".to_string(), 1)]
    );
    assert_eq!(
        rule_lines(&v, "bylaw/unused-suppression"),
        vec![("clean/pod.yaml".to_string(), 10)]
    );
    // --no-ignores shows everything.
    let (v, _) = scan_json(p, &["--no-ignores"]);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["suppression"].is_null())
    );
    // `bylaw suppressions` lists them soonest first.
    let out = bylaw(p)
        .args(["suppressions", "--no-cache"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let a = text.find("2001-01-01").unwrap();
    let b = text.find("2999-01-01").unwrap();
    let c = text.find("no expiry").unwrap();
    assert!(a < b && b < c, "{text}");
    assert!(text.contains("team-a") && text.contains("SEC-1"));
    // SARIF carries suppressions with their justification.
    let out = bylaw(p)
        .args(["check", "--no-cache", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif = json_of(&out.stdout);
    let sup = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| r.get("suppressions"))
        .unwrap();
    assert_eq!(sup[0]["kind"], "external");
    assert_eq!(sup[0]["justification"], "GPU");
}

#[test]
fn baseline_survives_lines_inserted_above() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "pod.yaml", PRIVILEGED_POD);
    bylaw(p)
        .args(["baseline", "create", "baseline.json", "--no-cache"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(p.join("baseline.json")).unwrap();
    assert!(text.contains("k8s/privileged-container") && !text.contains("line"));
    // Insert lines above and move the finding: still not new.
    write(
        p,
        "pod.yaml",
        &format!(
            "# comment\n# another\n{}",
            PRIVILEGED_POD.replace("metadata:", "metadata:\n  labels: {a: b}")
        ),
    );
    let (v, code) = scan_json(
        p,
        &[
            "--baseline",
            "baseline.json",
            "--select",
            "k8s/privileged-container",
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    let pod: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "pod.yaml")
        .collect();
    assert_eq!(pod.len(), 1, "{v:#}");
    assert_eq!(pod[0]["baseline"], "unchanged");
    // A new finding fails.
    write(p, "pod2.yaml", PRIVILEGED_POD);
    let (v, code) = scan_json(
        p,
        &[
            "--baseline",
            "baseline.json",
            "--select",
            "k8s/privileged-container",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "pod2.yaml" && f["baseline"] == "new")
    );
    // Fixing the original marks it absent, and `update` drops it.
    write(
        p,
        "pod.yaml",
        &PRIVILEGED_POD.replace("privileged: true", "privileged: false"),
    );
    let out = bylaw(p)
        .args([
            "check",
            "--no-cache",
            "--format",
            "sarif",
            "--baseline",
            "baseline.json",
            "--select",
            "k8s/privileged-container",
        ])
        .output()
        .unwrap();
    let sarif = json_of(&out.stdout);
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"absent") && states.contains(&"new"),
        "{states:?}"
    );
    bylaw(p)
        .args(["baseline", "update", "baseline.json", "--no-cache"])
        .assert()
        .code(0);
    let b: Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("baseline.json")).unwrap()).unwrap();
    let entries = b["findings"].as_array().unwrap();
    assert!(
        !entries
            .iter()
            .any(|e| e["rule"] == "k8s/privileged-container" && e["path"] == "pod.yaml"),
        "fixed entry kept"
    );
    assert!(
        !entries.iter().any(|e| e["path"] == "pod2.yaml"),
        "update must not add new findings"
    );
    assert!(
        entries.iter().any(|e| e["path"] == "pod.yaml"),
        "unfixed entries are kept"
    );
}

#[test]
fn staged_and_since_scan_only_changed_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    git(p, &["init", "-q"]);
    write(p, "old.yaml", PRIVILEGED_POD);
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "init"]);
    write(p, "new.yaml", PRIVILEGED_POD);
    git(p, &["add", "new.yaml"]);
    // The working copy is clean, but the staged content is what counts.
    write(
        p,
        "new.yaml",
        &PRIVILEGED_POD.replace("privileged: true", "privileged: false"),
    );
    let (v, code) = scan_json(p, &["--staged", "--select", "k8s/privileged-container"]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_lines(&v, "k8s/privileged-container"),
        vec![("new.yaml".to_string(), 10)]
    );
    let (v, _) = scan_json(p, &["--since", "HEAD", "--select", "k8s"]);
    assert!(rule_lines(&v, "k8s/privileged-container").is_empty());
    assert_eq!(v["summary"]["files_scanned"], 1);
}

#[test]
fn cache_gives_the_same_results() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "pod.yaml", PRIVILEGED_POD);
    write(p, "ok.yaml", "a: 1\n");
    let run = || {
        bylaw(p)
            .args(["check", "--format", "json"])
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        cache_of(p).read_dir().unwrap().next().is_some(),
        "cache written"
    );
    let second = run();
    let (a, b) = (
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&second.stdout),
    );
    assert!(
        a == b,
        "cached run differs:\n{}",
        a.lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y)
            .map(|(x, y)| format!("- {x}\n+ {y}"))
            .take(10)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(first.status.code(), Some(1));
    assert_eq!(second.status.code(), Some(1));
    // A changed file is re-evaluated.
    write(
        p,
        "pod.yaml",
        &PRIVILEGED_POD.replace("privileged: true", "privileged: false"),
    );
    let v = json_of(&run().stdout);
    assert!(rule_lines(&v, "k8s/privileged-container").is_empty());
}

#[test]
fn findings_carry_owners_and_group_by_owner() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        ".github/CODEOWNERS",
        "* @org/everyone\n/deploy/ @org/platform\n",
    );
    write(p, "deploy/pod.yaml", PRIVILEGED_POD);
    let (v, _) = scan_json(p, &["--select", "k8s/privileged-container"]);
    assert_eq!(
        v["findings"][0]["owners"],
        serde_json::json!(["@org/platform"])
    );
    let out = bylaw(p)
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s/privileged-container",
            "--group-by",
            "owner",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("@org/platform"));
}

/// (rule, fingerprint, owners) of every finding whose path starts with `prefix`.
fn identities(v: &Value, prefix: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with(prefix))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
                f["owners"].to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fingerprints_and_owners_do_not_depend_on_the_working_directory() {
    let d = tempfile::tempdir().unwrap();
    let top = d.path();
    let repo = top.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    write(&repo, "CODEOWNERS", "* @org/all\n/deploy/ @org/platform\n");
    write(&repo, "deploy/pod.yaml", PRIVILEGED_POD);
    // An unused suppression: a finding made by the suppression stage.
    write(
        &repo,
        "deploy/app/pod.yaml",
        &PRIVILEGED_POD.replace(
            "  containers:",
            "  # bylaw: ignore[k8s/host-network] reason=\"x\"\n  containers:",
        ),
    );
    let other = top.join("other");
    std::fs::create_dir_all(&other).unwrap();
    git(&other, &["init", "-q"]);
    write(&other, ".github/CODEOWNERS", "* @org/other\n");
    write(&other, "deploy/pod.yaml", PRIVILEGED_POD);
    let at_root = scan_json(&repo, &[]).0;
    let from_parent = scan_json(top, &["repo"]).0;
    let from_sub = scan_json(&repo.join("deploy"), &[]).0;
    let both = scan_json(top, &[]).0;
    let expected = identities(&at_root, "deploy/");
    assert!(
        expected
            .iter()
            .any(|(r, _, _)| r == "k8s/privileged-container")
            && expected
                .iter()
                .any(|(r, _, _)| r == "bylaw/unused-suppression")
            && expected.iter().all(|(_, _, o)| o == "[\"@org/platform\"]"),
        "{expected:#?}"
    );
    assert_eq!(identities(&from_parent, "repo/deploy/"), expected);
    assert_eq!(identities(&from_sub, ""), expected);
    assert_eq!(identities(&both, "repo/deploy/"), expected);
    // Beside it, the other repository's own CODEOWNERS.
    let theirs = identities(&both, "other/");
    assert!(
        !theirs.is_empty() && theirs.iter().all(|(_, _, o)| o == "[\"@org/other\"]"),
        "{theirs:#?}"
    );
    // A baseline made at the root holds from the parent and from a subdirectory, and updating it
    // from elsewhere keeps what is still found.
    bylaw(&repo)
        .args(["baseline", "create", "baseline.json", "--no-cache"])
        .assert()
        .code(0);
    let made = std::fs::read_to_string(repo.join("baseline.json")).unwrap();
    for (dir, args) in [
        (
            top.to_path_buf(),
            ["repo", "--baseline", "repo/baseline.json"],
        ),
        (repo.join("deploy"), [".", "--baseline", "../baseline.json"]),
    ] {
        let (v, code) = scan_json(&dir, &args);
        assert_eq!(code, 0, "{v:#}");
        let states: Vec<&Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["baseline"])
            .collect();
        assert!(!states.iter().any(|s| *s == "new"), "{v:#}");
        let unchanged = states.iter().filter(|s| **s == "unchanged").count();
        assert!(unchanged >= expected.len(), "{v:#}");
    }
    bylaw(top)
        .args([
            "baseline",
            "update",
            "repo/baseline.json",
            "repo",
            "--no-cache",
        ])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(repo.join("baseline.json")).unwrap(),
        made
    );
}

#[test]
fn cached_fingerprints_follow_the_scan_root() {
    // Outside a repository, the directory scanned is the root: `check loose` and `check .` from
    // the same folder fingerprint `loose/pod.yaml` differently, and the cache must not mix them.
    let d = tempfile::tempdir().unwrap();
    let top = d.path();
    write(top, "loose/pod.yaml", PRIVILEGED_POD);
    let fresh = identities(&scan_json(top, &["."]).0, "loose/pod.yaml");
    let cached = |args: &[&str]| {
        let out = bylaw(top)
            .args(["check", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        json_of(&out.stdout)
    };
    let narrow = identities(&cached(&["loose"]), "loose/pod.yaml");
    assert_ne!(narrow, fresh, "a different root, a different fingerprint");
    assert_eq!(identities(&cached(&["."]), "loose/pod.yaml"), fresh);
    assert_eq!(identities(&cached(&["loose"]), "loose/pod.yaml"), narrow);
}

#[test]
fn policy_schema_accepts_a_full_example() {
    let out = Command::cargo_bin("bylaw")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    let schema = json_of(&out.stdout);
    let example = r#"
extends = ["../org/bylaw.toml"]
select = ["k8s", "cwe:798"]
ignore = ["k8s/privileged-container"]
required = ["secrets"]
fail-on = "medium"
require-reason = true
packs = ["./policy"]
exclude = ["vendor/**"]
[severity]
"k8s/privileged-container" = "info"
[[overrides]]
paths = ["tests/**"]
ignore = ["secrets"]
[rules."k8s/privileged-container"]
x = 1
[[waivers]]
rules = ["k8s/privileged-container"]
paths = ["gpu/**"]
reason = "GPU"
owner = "ml"
until = "2027-03-31"
ticket = "SEC-1"
[contexts.test]
paths = ["qa/**"]
mode = "fail"
[contexts.vendor]
builtin = false
"#;
    let value: toml::Value = toml::from_str(example).unwrap();
    let instance = serde_json::to_value(value).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&instance));
    let mut bad = instance.clone();
    bad["selct"] = serde_json::json!(["k8s"]);
    assert!(!validator.is_valid(&bad));
    let mut bad_mode = instance.clone();
    bad_mode["contexts"]["test"]["mode"] = serde_json::json!("maybe");
    assert!(!validator.is_valid(&bad_mode));
    let mut bad_context = instance.clone();
    bad_context["contexts"]["staging"] = serde_json::json!({"mode": "fail"});
    assert!(!validator.is_valid(&bad_context));
}

#[test]
fn nested_policy_files_govern_their_subtrees() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "bylaw.toml", "fail-on = \"low\"\n");
    write(
        p,
        "team/bylaw.toml",
        "ignore = [\"k8s/privileged-container\"]\n",
    );
    write(p, "root.yaml", PRIVILEGED_POD);
    write(p, "team/pod.yaml", PRIVILEGED_POD);
    write(p, "team/deep/pod.yaml", PRIVILEGED_POD);
    let (v, _) = scan_json(p, &[]);
    assert_eq!(
        rule_lines(&v, "k8s/privileged-container"),
        vec![("root.yaml".to_string(), 10)]
    );
    // Files passed one by one (as pre-commit does) find the same nearest policy.
    let (v, _) = scan_json(p, &["root.yaml", "team/pod.yaml"]);
    assert_eq!(
        rule_lines(&v, "k8s/privileged-container"),
        vec![("root.yaml".to_string(), 10)]
    );
    // Repository rules are judged once, for the root, not for the subtree.
    let (v, _) = scan_json(p, &["--repo-rules"]);
    let license: Vec<_> = rule_lines(&v, "repo/missing-license");
    assert_eq!(license.len(), 1, "{license:?}");
}

#[cfg(unix)]
#[test]
fn explicit_symlink_arguments_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.yaml", PRIVILEGED_POD);
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        d.path().join("link.yaml"),
    )
    .unwrap();
    let (v, code) = scan_json(d.path(), &["link.yaml"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert_eq!(v["skipped"][0]["path"], "link.yaml");
}

#[test]
fn output_format_follows_the_file_extension() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pod.yaml", PRIVILEGED_POD);
    bylaw(d.path())
        .args([
            "check",
            "--no-cache",
            "-o",
            "r.sarif",
            "-o",
            "r.json",
            "-o",
            "r.xml",
        ])
        .assert()
        .code(1);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["version"], "1");
    assert!(
        std::fs::read_to_string(d.path().join("r.xml"))
            .unwrap()
            .starts_with("<?xml")
    );
}

#[test]
fn findings_about_the_policy_survive_a_select_of_other_packs() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "pod.yaml", PRIVILEGED_POD);
    write(
        p,
        "app.py",
        "x = 1  # bylaw: ignore k8s/privileged-container\n",
    );
    write(
        p,
        "bylaw.toml",
        "[[waivers]]\nrules = [\"k8s/privileged-container\"]\npaths = [\"pod.yaml\"]\nreason = \"r\"\nuntil = 2020-01-01\n",
    );
    let (v, _) = scan_json(p, &["--select", "k8s"]);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"bylaw/expired-suppression"), "{rules:?}");
    assert!(rules.contains(&"bylaw/invalid-suppression"), "{rules:?}");
    // `ignore` still turns them off.
    let (v, _) = scan_json(
        p,
        &["--select", "k8s", "--ignore", "bylaw/invalid-suppression"],
    );
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "bylaw/invalid-suppression")
    );
}

#[test]
fn select_and_ignore_take_comma_separated_lists() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pod.yaml", PRIVILEGED_POD);
    write(d.path(), "Dockerfile", "FROM alpine:3.19\nUSER root\n");
    let (v, _) = scan_json(d.path(), &["--select", "k8s/privileged-container,docker"]);
    let mut packs: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str()?.split('/').next())
        .collect();
    packs.sort();
    packs.dedup();
    assert_eq!(packs, vec!["docker", "k8s"]);
    let (v, _) = scan_json(
        d.path(),
        &[
            "--select",
            "k8s,docker",
            "--ignore",
            "docker,k8s/privileged-container",
        ],
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "k8s/privileged-container"
                && !f["rule"].as_str().unwrap().starts_with("docker/"))
    );
}

#[test]
fn rule_options_are_validated_when_the_policy_loads() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "Dockerfile",
        "FROM registry.example.com/app:1\nRUN make\n",
    );
    for (rule, key, value, why) in [
        (
            "docker/root-user",
            "nonroot-image-patterns",
            r#"["("]"#,
            "invalid regular expression",
        ),
        (
            "secrets/generic-secret-assignment",
            "min-entropy",
            r#""high""#,
            "expected a number",
        ),
        (
            "gha/unpinned-action",
            "trusted-owners",
            "[1, 2]",
            "expected a list of strings",
        ),
        (
            "gha/unpinned-action",
            "trusted-owner",
            r#"["x"]"#,
            "unknown option",
        ),
    ] {
        write(
            d.path(),
            "bylaw.toml",
            &format!("fail-on = \"high\"\n\n[rules.\"{rule}\"]\n{key} = {value}\n"),
        );
        let out = bylaw(d.path())
            .args(["check", "--no-cache", "--no-color"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{key} = {value}: {err}");
        // The message is wrapped to the terminal: compare without the wrapping.
        let squash = |s: &str| s.replace(|c: char| c.is_whitespace() || c == '│', "");
        for part in ["bylaw.toml:4", rule, &format!("option `{key}`"), why] {
            assert!(
                squash(&err).contains(&squash(part)),
                "{key} = {value}: no `{part}` in {err}"
            );
        }
    }
    // A valid pattern is compiled and used: the image it names is not reported as root.
    let root_user = |d: &Path| {
        let out = bylaw(d)
            .args(["check", "--no-cache", "--format", "json"])
            .output()
            .unwrap();
        rule_lines(&json_of(&out.stdout), "docker/root-user")
    };
    write(d.path(), "bylaw.toml", "");
    assert_eq!(root_user(d.path()).len(), 1);
    write(
        d.path(),
        "bylaw.toml",
        "[rules.\"docker/root-user\"]\nnonroot-image-patterns = ['^registry\\.example\\.com/']\n",
    );
    assert!(root_user(d.path()).is_empty());
}
