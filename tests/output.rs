//! What a person sees: the concise and full terminal formats, `--statistics`, `--min-severity`,
//! `--quiet`, `--color`, sizes with units, "did you mean", the owner table, the summary on
//! standard error, GitHub's annotation limit and job summary, rule docs links, the packs every
//! command sees, `bylaw inspect` and `bylaw init`.

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, bylaw, write};
use serde_json::Value;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = bylaw(dir).args(args).output().expect("bylaw runs");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn check(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--no-cache"];
    all.extend_from_slice(args);
    run(dir, &all)
}

/// Error text without miette's wrapping (and without spaces): errors are wrapped to a width.
fn flat(s: &str) -> String {
    s.replace(['\n', '│', ' '], "")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&check(dir, &all).stdout).expect("JSON output")
}

/// A tree with the privileged pod (many k8s findings, several per rule) and a test-context copy.
fn pods() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "deploy/pod.yaml", PRIVILEGED_POD);
    write(
        d.path(),
        "deploy/two.yaml",
        &PRIVILEGED_POD.replace("name: web", "name: api"),
    );
    write(d.path(), "tests/pod.yaml", PRIVILEGED_POD);
    d
}

const K8S: &[&str] = &["--select", "k8s"];

#[test]
fn concise_prints_one_line_per_finding() {
    let d = pods();
    let v = json(d.path(), K8S);
    let mut expected = Vec::new();
    let mut not_failing_context = 0;
    for f in v["findings"].as_array().expect("findings") {
        if f["context"] != "production" {
            not_failing_context += 1;
            continue;
        }
        expected.push(format!(
            "{}:{}:{}: {} {} {}",
            f["path"].as_str().unwrap(),
            f["start"]["line"],
            f["start"]["col"],
            f["severity"].as_str().unwrap(),
            f["rule"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        ));
    }
    assert!(expected.len() > 10 && not_failing_context > 0);
    let r = check(d.path(), &["--format", "concise", "--select", "k8s"]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(&lines[..expected.len()], expected.as_slice());
    // The test file's findings are one count line, not one line each.
    assert_eq!(lines.len(), expected.len() + 1, "{}", r.stdout);
    assert!(lines[expected.len()].starts_with(&format!("{not_failing_context} more in files")));
    // `--show-all` lists them too.
    let all = check(
        d.path(),
        &["--format", "concise", "--select", "k8s", "--show-all"],
    );
    assert_eq!(
        all.stdout.lines().count(),
        expected.len() + not_failing_context
    );
    assert!(
        r.stderr.starts_with("found "),
        "summary on stderr: {}",
        r.stderr
    );
}

#[test]
fn full_output_prints_each_rules_help_once() {
    let d = pods();
    let r = check(d.path(), K8S);
    // Two pods: every rule fires twice in production, its help is printed once.
    let privileged = r
        .stdout
        .matches("k8s/privileged-container: container")
        .count();
    assert_eq!(privileged, 2, "{}", r.stdout);
    assert_eq!(
        r.stdout
            .matches("why: bylaw explain k8s/privileged-container")
            .count(),
        1
    );
    assert_eq!(
        r.stdout.matches("suppress a finding with").count(),
        1,
        "{}",
        r.stdout
    );
    // Each finding names its exact location.
    assert!(r.stdout.contains("[deploy/pod.yaml:10:9]"), "{}", r.stdout);
    assert!(r.stdout.contains("[deploy/two.yaml:10:9]"), "{}", r.stdout);
}

#[test]
fn long_lines_are_cut_around_the_finding() {
    let d = tempfile::tempdir().unwrap();
    let pad = "x".repeat(20_000);
    write(
        d.path(),
        "run.sh",
        &format!("#!/bin/bash\nset -euo pipefail\necho {pad}; eval $cmd; echo {pad}\n"),
    );
    let r = check(d.path(), &["--select", "shell/eval-variable"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // `echo `, 20,000 x and `; ` come before it.
    assert!(r.stdout.contains("[run.sh:3:20008]"), "{}", r.stdout);
    let widest = r
        .stdout
        .lines()
        .filter(|l| !l.contains("help:"))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(widest < 200, "a snippet line of {widest} characters");
    let code = r
        .stdout
        .lines()
        .find(|l| l.contains("eval $cmd"))
        .expect("the flagged code is shown");
    assert!(code.contains("…x") && code.contains("x…"), "{code}");
}

#[test]
fn statistics_count_per_rule_and_context() {
    let d = pods();
    let r = check(d.path(), &["--statistics", "--select", "k8s"]);
    let v = json(d.path(), K8S);
    let n = |rule: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count()
    };
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>()[..3],
        ["count", "rule", "severity"]
    );
    let row = lines
        .iter()
        .find(|l| l.contains("k8s/privileged-container"))
        .expect("a row per rule");
    assert_eq!(
        row.split_whitespace().next(),
        Some(n("k8s/privileged-container").to_string().as_str())
    );
    // Sorted by count, most first.
    let counts: Vec<usize> = lines[1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    // Per context: the test pod's findings are counted and do not fail.
    let test = lines
        .iter()
        .find(|l| l.starts_with("test "))
        .expect("a test row");
    let cols: Vec<&str> = test.split_whitespace().collect();
    assert_eq!(cols[2], "0", "{test}");
    assert!(cols[1].parse::<usize>().unwrap() > 0);
    assert!(!r.stdout.contains("╭"), "no findings in full: {}", r.stdout);
}

#[test]
fn min_severity_hides_and_fail_on_still_decides() {
    let d = pods();
    let r = check(
        d.path(),
        &[
            "--format",
            "concise",
            "--select",
            "k8s",
            "--min-severity",
            "high",
        ],
    );
    assert!(!r.stdout.is_empty());
    assert!(
        r.stdout
            .lines()
            .filter(|l| !l.contains("more in files"))
            .all(|l| l.contains(": high ")),
        "{}",
        r.stdout
    );
    // Low findings still fail the run (fail-on low), and the summary says what was hidden.
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("below high not shown"), "{}", r.stderr);
    let only_low = check(
        d.path(),
        &[
            "--select",
            "k8s/missing-cpu-request",
            "--min-severity",
            "critical",
        ],
    );
    assert_eq!(only_low.code, 1, "hidden findings still fail");
    let json = json(d.path(), &["--select", "k8s", "--min-severity", "medium"]);
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "low")
    );
    let bad = check(d.path(), &["--min-severity", "severe"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--min-severity"));
}

#[test]
fn quiet_prints_only_failing_findings() {
    let d = pods();
    let r = check(
        d.path(),
        &[
            "--format",
            "concise",
            "--select",
            "k8s",
            "--quiet",
            "--fail-on",
            "medium",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.is_empty(), "no summary: {}", r.stderr);
    assert!(!r.stdout.contains("tests/pod.yaml") && !r.stdout.contains("more in files"));
    assert!(!r.stdout.contains(": low "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("deploy/pod.yaml:10:9: high k8s/privileged-container")
    );
    let full = check(
        d.path(),
        &["--select", "k8s", "--quiet", "--fail-on", "medium"],
    );
    assert!(full.stdout.contains("[deploy/pod.yaml:10:9]"));
    assert!(!full.stdout.contains("suppress a finding with"), "no notes");
    assert!(
        !full.stdout.contains("missing-cpu-request"),
        "{}",
        full.stdout
    );
    let loud = check(d.path(), &["--format", "concise", "--select", "k8s"]);
    assert!(loud.stdout.contains(": low ") && !loud.stderr.is_empty());
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let d = pods();
    let esc = |r: &Run| r.stdout.contains('\u{1b}');
    let r = bylaw(d.path())
        .env_remove("NO_COLOR")
        .args([
            "check",
            "--no-cache",
            "--select",
            "k8s",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&r.stdout).contains('\u{1b}'));
    assert!(!esc(&check(
        d.path(),
        &["--select", "k8s", "--color", "never"]
    )));
    // Not a terminal: auto means none.
    let auto = bylaw(d.path())
        .env_remove("NO_COLOR")
        .args(["check", "--no-cache", "--select", "k8s"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&auto.stdout).contains('\u{1b}'));
    // --no-color wins over --color always.
    assert!(!esc(&check(
        d.path(),
        &["--select", "k8s", "--color", "always", "--no-color"]
    )));
}

#[test]
fn max_file_size_takes_units() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "big.yaml", &format!("a: {}\n", "x".repeat(3000)));
    let skipped = |size: &str| -> bool {
        json(d.path(), &["--max-file-size", size])["summary"]["files_skipped"] == 1
    };
    assert!(skipped("2KiB"));
    assert!(skipped("2KB"));
    assert!(!skipped("4KiB"));
    assert!(!skipped("1MB"));
    assert!(skipped("100"));
    let bad = check(d.path(), &["--max-file-size", "2XB"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown unit"), "{}", bad.stderr);
}

#[test]
fn unknown_ids_suggest_the_closest() {
    let d = pods();
    let r = check(d.path(), &["--select", "k8s/privleged-container"]);
    assert_eq!(r.code, 2);
    assert!(
        flat(&r.stderr).contains("didyoumean`k8s/privileged-container`?"),
        "{}",
        r.stderr
    );
    let r = check(d.path(), &["--ignore", "terraform/aws-s3-public-acll"]);
    assert!(
        flat(&r.stderr).contains("didyoumean`terraform/aws-s3-public-acl`"),
        "{}",
        r.stderr
    );
    let r = run(d.path(), &["explain", "k8s/privleged-container"]);
    assert!(flat(&r.stderr).contains("didyoumean`k8s/privileged-container`?"));
    write(
        d.path(),
        "deploy/pod.yaml",
        &format!("# bylaw: ignore[k8s/privilegd-container] reason=\"x\"\n{PRIVILEGED_POD}"),
    );
    let v = json(d.path(), &[]);
    let unknown = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap_or("").contains("unknown rule"))
        .expect("the unknown id is reported");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `k8s/privileged-container`?"),
        "{unknown}"
    );
}

#[test]
fn owner_table_is_aligned() {
    let d = pods();
    write(
        d.path(),
        ".github/CODEOWNERS",
        "* @o/everyone\n/deploy/two.yaml @org/a-much-longer-team-name\n",
    );
    let r = check(d.path(), &["--select", "k8s", "--group-by", "owner"]);
    let table: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| *l != "findings by owner:")
        .skip(1)
        .collect();
    assert_eq!(table.len(), 3, "{}", r.stdout);
    assert!(table[0].starts_with("owner") && table[0].ends_with("info"));
    // Right-aligned number columns: every row ends each column at the same place.
    let ends = |l: &str| -> Vec<usize> {
        l.char_indices()
            .filter(|(i, c)| *c != ' ' && l[i + c.len_utf8()..].starts_with(' '))
            .map(|(i, _)| i)
            .collect()
    };
    let header = ends(table[0]);
    for row in &table[1..] {
        assert_eq!(ends(row)[1..], header[1..], "{row}\n{}", table[0]);
    }
}

#[test]
fn every_format_prints_the_summary_on_stderr() {
    let d = pods();
    for fmt in [
        "human", "concise", "json", "sarif", "github", "gitlab", "junit",
    ] {
        let r = check(d.path(), &["--format", fmt, "--select", "k8s"]);
        assert!(
            r.stderr.lines().any(|l| l.starts_with("found ")),
            "{fmt}: {}",
            r.stderr
        );
        assert!(
            !r.stdout.contains("files scanned"),
            "{fmt}: stdout stays clean"
        );
    }
}

#[test]
fn github_says_what_was_not_annotated_and_writes_the_job_summary() {
    let d = pods();
    let summary = d.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = bylaw(d.path())
        .args([
            "check",
            "--no-cache",
            "--format",
            "github",
            "--select",
            "k8s",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_SHA", "0123abc")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings = stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .count();
    let errors = stdout.lines().filter(|l| l.starts_with("::error")).count();
    let notices = stdout.lines().filter(|l| l.starts_with("::notice")).count();
    let beyond =
        warnings.saturating_sub(10) + errors.saturating_sub(10) + notices.saturating_sub(10);
    assert!(beyond > 0, "the test needs more than ten of a level");
    assert!(
        stderr.contains(&format!("{beyond} findings not shown as annotations")),
        "{stderr}"
    );
    assert!(stderr.contains("the job summary lists them"));
    // The most severe are annotated first.
    assert!(
        stdout.lines().next().unwrap().starts_with("::error"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n## bylaw\n"), "appended: {md}");
    // Two pods in production and one in tests: three of each rule's findings.
    assert!(md.contains("| high | 3 |"), "{md}");
    assert!(
        md.contains("| `k8s/privileged-container` | high | 3 |"),
        "{md}"
    );
    assert!(
        md.contains(
            "[deploy/pod.yaml:10](https://github.example/acme/app/blob/0123abc/deploy/pod.yaml#L10)"
        ),
        "{md}"
    );
    assert!(
        md.contains(&format!("{beyond} findings are not annotated")),
        "{md}"
    );
    // Without the variable nothing is written and the note points elsewhere.
    let plain = check(d.path(), &["--format", "github", "--select", "k8s"]);
    assert!(plain.stderr.contains("--format concise or -o sarif=FILE"));
}

const DOC_RULE: &str = "id: acme/team-label
title: workload has no team label
severity: low
type: config
applies-to: [kubernetes]
description: Every workload names its team.
rationale: Findings need an owner.
remediation: Add a `team` label.
docs-url: https://wiki.example/rules/team-label
deny:
  not:
    path: $.metadata.labels.team
    exists: true
tests:
  invalid:
    - \"apiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: x\\n\"
  valid:
    - \"apiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: x\\n  labels: {team: a}\\n\"
";

#[test]
fn docs_links_come_from_rule_metadata_only() {
    let d = pods();
    write(d.path(), "policy/acme/team-label.yaml", DOC_RULE);
    write(d.path(), "bylaw.toml", "packs = [\"policy\"]\n");
    let r = check(d.path(), &["--select", "acme,k8s/privileged-container"]);
    assert!(
        r.stdout
            .contains("docs: https://wiki.example/rules/team-label"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("docs: http") || r.stdout.matches("docs: ").count() == 1);
    let sarif: Value = serde_json::from_str(
        &check(
            d.path(),
            &[
                "--format",
                "sarif",
                "--select",
                "acme,k8s/privileged-container",
            ],
        )
        .stdout,
    )
    .unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for rule in rules {
        match rule["id"].as_str().unwrap() {
            "acme/team-label" => {
                assert_eq!(rule["helpUri"], "https://wiki.example/rules/team-label")
            }
            // Built without BYLAW_DOCS_URL: no link rather than a made-up one.
            _ => assert!(rule.get("helpUri").is_none(), "{rule}"),
        }
    }
    // Nor anywhere else: no address of a repository that does not exist.
    assert!(!sarif.to_string().contains("bylaw-dev/bylaw/blob"));
    // A docs-url that is not a web address is a load error naming the field.
    write(
        d.path(),
        "policy/acme/team-label.yaml",
        &DOC_RULE.replace("https://wiki.example/rules/team-label", "wiki/team-label"),
    );
    let bad = check(d.path(), &[]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("docs-url"), "{}", bad.stderr);
}

#[test]
fn rules_explain_and_test_rules_see_the_policys_packs() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "policy/acme/team-label.yaml", DOC_RULE);
    write(d.path(), "bylaw.toml", "packs = [\"policy\"]\n");
    write(d.path(), "sub/dir/.keep", "");
    let sub = d.path().join("sub/dir");
    let rules = run(&sub, &["rules"]);
    assert!(rules.stdout.contains("acme/team-label"), "{}", rules.stdout);
    let explain = run(&sub, &["explain", "acme/team-label"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(explain.stdout.contains("Every workload names its team."));
    assert!(
        explain
            .stdout
            .contains("docs: https://wiki.example/rules/team-label")
    );
    let tested = run(&sub, &["test-rules"]);
    assert_eq!(tested.code, 0, "{}{}", tested.stdout, tested.stderr);
    assert!(
        tested.stdout.contains("PASS acme/team-label"),
        "{}",
        tested.stdout
    );
    // --packs and --config work the same way from anywhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let pack = d.path().join("policy");
    let via_flag = run(
        elsewhere.path(),
        &[
            "explain",
            "acme/team-label",
            "--packs",
            pack.to_str().unwrap(),
        ],
    );
    assert_eq!(via_flag.code, 0, "{}", via_flag.stderr);
    let cfg = d.path().join("bylaw.toml");
    let via_config = run(
        elsewhere.path(),
        &["rules", "--config", cfg.to_str().unwrap()],
    );
    assert!(via_config.stdout.contains("acme/team-label"));
    let none = run(elsewhere.path(), &["test-rules"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no rule pack to test"));
}

#[test]
fn custom_packs_cannot_take_a_builtin_packs_name() {
    let d = pods();
    write(
        d.path(),
        "policy/k8s/team-label.yaml",
        &DOC_RULE.replace("acme/team-label", "k8s/team-label"),
    );
    let r = check(d.path(), &["--packs", "policy"]);
    assert_eq!(r.code, 2);
    assert!(
        flat(&r.stderr).contains("`k8s`isabuilt-inpack"),
        "{}",
        r.stderr
    );
    let t = run(d.path(), &["test-rules", "policy"]);
    assert_eq!(t.code, 2);
    assert!(flat(&t.stderr).contains("`k8s`isabuilt-inpack"));
}

#[test]
fn inspect_shows_pointers_lines_and_context() {
    let d = pods();
    let r = run(d.path(), &["inspect", "deploy/pod.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("kind: kubernetes"));
    assert!(r.stdout.contains("context: production (mode fail)"));
    let row = |ptr: &str| -> Vec<String> {
        r.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(ptr))
            .unwrap_or_else(|| panic!("{ptr} in {}", r.stdout))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(
        row("/spec/containers/0/securityContext/privileged")[1..],
        ["10", "true"]
    );
    assert_eq!(
        row("/spec/containers/0/image")[1..],
        ["8", "\"nginx:1.25\""]
    );
    assert_eq!(
        row("/spec/containers")[1..],
        ["6", "[sequence,", "1", "item]"]
    );
    let test = run(d.path(), &["inspect", "tests/pod.yaml"]);
    assert!(test.stdout.contains("context: test (mode report)"));
    let only = run(d.path(), &["inspect", "deploy/pod.yaml", "--line", "8"]);
    let pointers: Vec<&str> = only
        .stdout
        .lines()
        .filter(|l| l.starts_with("  /"))
        .collect();
    assert_eq!(pointers.len(), 1, "{}", only.stdout);

    write(d.path(), "app.py", "import os\n\nos.system(cmd)\n");
    let code = run(d.path(), &["inspect", "app.py"]);
    assert!(code.stdout.contains("kind: python"));
    let line3 = code
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("3 "))
        .expect("line 3");
    assert!(
        line3.contains("expression_statement call attribute"),
        "{line3}"
    );
    let at = run(d.path(), &["inspect", "app.py", "--line", "3"]);
    assert!(at.stdout.contains("call") && at.stdout.contains("os.system(cmd)"));
    let missing = run(d.path(), &["inspect", "nope.yaml"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn init_writes_a_policy_the_loader_accepts() {
    let d = pods();
    write(d.path(), "Dockerfile", "FROM alpine:3.20\n");
    write(d.path(), "docs/guide.md", "# guide\n");
    let r = run(d.path(), &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = d.path().join("bylaw.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let select = text
        .lines()
        .find(|l| l.starts_with("select = "))
        .expect("a select line");
    for pack in ["\"k8s\"", "\"docker\"", "\"secrets\"", "\"repo\""] {
        assert!(select.contains(pack), "{select}");
    }
    for pack in ["\"terraform\"", "\"gha\"", "\"python\""] {
        assert!(!select.contains(pack), "{select}");
    }
    assert!(text.contains("[contexts.test]") && text.contains("[contexts.docs]"));
    assert!(!text.contains("[contexts.vendor]"), "only contexts found");
    // The existing loader accepts it, and a scan under it works.
    let layers = bylaw::config::load::load_layers(&path).expect("loads");
    let registry = bylaw::rule::registry::Registry::load(&[]).unwrap();
    let policy = bylaw::config::load::resolve(&layers, &registry, d.path()).expect("resolves");
    assert!(!policy.select.is_empty());
    assert_eq!(check(d.path(), &[]).code, 1);
    // Never overwritten without --force.
    std::fs::write(&path, "fail-on = \"high\"\n").unwrap();
    let again = run(d.path(), &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "fail-on = \"high\"\n"
    );
    assert_eq!(run(d.path(), &["init", "--force"]).code, 0);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("select = ")
    );
}
