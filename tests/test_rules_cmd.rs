//! `bylaw test-rules DIR`: an organisation's rules tested without writing Rust. Also keeps the
//! README's "Custom rules" examples honest: they are the files under `fixtures/_custom-rules/`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bylaw() -> Command {
    Command::cargo_bin("bylaw").expect("binary built")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const EVAL_RULE: &str = r#"id: acme/no-eval
title: eval of a non-literal
severity: high
type: code
language: python
description: Flags eval() of anything but a string literal.
rationale: eval runs code.
remediation: Parse the data instead.
ast-grep:
  rule:
    pattern: eval($X)
  constraints:
    X:
      not:
        kind: string
tests:
  invalid:
    - eval(user_input)
  valid:
    - eval("1 + 1")
"#;

#[test]
fn readme_examples_pass() {
    let dir = root().join("fixtures/_custom-rules");
    bylaw()
        .arg("test-rules")
        .arg(dir.join("rules"))
        .arg("--fixtures")
        .arg(dir.join("fixtures"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS acme/requests-timeout"))
        .stdout(predicate::str::contains("PASS acme/team-label"))
        .stdout(predicate::str::contains("2 fixture case(s)"))
        .stdout(predicate::str::contains("2 rule(s): 2 passed, 0 failed"));
}

#[test]
fn readme_shows_the_example_files_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let section = readme
        .split("## Custom rules")
        .nth(1)
        .expect("README has a `## Custom rules` section");
    for f in ["requests-timeout.yaml", "team-label.yaml"] {
        let text =
            std::fs::read_to_string(root().join("fixtures/_custom-rules/rules/acme").join(f))
                .expect("example rule");
        // The file's leading `#` comment line points back at the README; the rest is shown.
        let body: String = text
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            section.contains(&body),
            "README `## Custom rules` must show fixtures/_custom-rules/rules/acme/{f} verbatim"
        );
    }
}

#[test]
fn examples_also_run_through_check_packs() {
    let dir = root().join("fixtures/_custom-rules");
    let run = |extra: &[&str], code: i32| {
        bylaw()
            .current_dir(&dir)
            .args([
                "check",
                "--no-color",
                "--no-cache",
                "--format",
                "json",
                "--packs",
                "rules",
            ])
            .args(extra)
            .args(["--select", "acme", "fixtures"])
            .assert()
            .code(code)
            .stdout(predicate::str::contains("acme/requests-timeout"))
            .stdout(predicate::str::contains("acme/team-label"))
    };
    // The examples sit in a `fixtures/` folder: test context, reported without failing the run…
    run(&[], 0).stdout(predicate::str::contains("\"context\": \"test\""));
    // …until a policy makes test findings fail.
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "bylaw.toml",
        "[contexts.test]\nmode = \"fail\"\n",
    );
    let config = tmp.path().join("bylaw.toml");
    run(&["--config", config.to_str().expect("utf-8 path")], 1)
        .stdout(predicate::str::contains("\"fails\": true"));
}

#[test]
fn failing_snippets_exit_1_and_show_the_snippet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The invalid snippet uses a string literal, so the rule does not fire: FAIL.
    let broken = EVAL_RULE
        .replace("- eval(user_input)", "- eval(\"still_literal\")")
        .replace("- eval(\"1 + 1\")", "- eval(data)");
    write(tmp.path(), "acme/no-eval.yaml", &broken);
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL acme/no-eval (0 passed, 2 failed)",
        ))
        .stdout(predicate::str::contains(
            "invalid snippet #1 produced no finding",
        ))
        .stdout(predicate::str::contains("| eval(\"still_literal\")"))
        .stdout(predicate::str::contains(
            "valid snippet #1 produced 1 finding(s)",
        ))
        .stdout(predicate::str::contains("| eval(data)"));
}

#[test]
fn passing_snippets_exit_0() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "acme/no-eval.yaml", EVAL_RULE);
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS acme/no-eval (2 check(s))"));
}

#[test]
fn rules_without_tests_are_listed_not_failed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let untested = EVAL_RULE
        .split("tests:")
        .next()
        .expect("has tests")
        .to_string();
    write(tmp.path(), "acme/no-eval.yaml", &untested);
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("NO TESTS acme/no-eval"))
        .stdout(predicate::str::contains("1 without tests"));
}

#[test]
fn config_snippet_that_does_not_parse_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rule =
        std::fs::read_to_string(root().join("fixtures/_custom-rules/rules/acme/team-label.yaml"))
            .expect("example");
    let rule = rule.replace(
        "  invalid:\n",
        "  invalid:\n    - \"kind: Deployment\\nmetadata: [unclosed\\n\"\n",
    );
    write(tmp.path(), "team-label.yaml", &rule);
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("invalid snippet #1"))
        .stdout(predicate::str::contains("does not parse"));
}

#[test]
fn fixture_markers_are_checked_both_ways() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "rules/acme/no-eval.yaml", EVAL_RULE);
    // Line 1 is flagged but not marked; line 2 is marked but not flagged.
    write(
        tmp.path(),
        "fx/acme/no-eval/bad.py",
        "eval(x)\neval('ok')  # expect: acme/no-eval\n",
    );
    write(tmp.path(), "fx/acme/no-eval/good.py", "eval('1')\n");
    bylaw()
        .arg("test-rules")
        .arg(tmp.path().join("rules"))
        .arg("--fixtures")
        .arg(tmp.path().join("fx"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "expected but not flagged: bad.py:2",
        ))
        .stdout(predicate::str::contains("flagged but not marked: bad.py:1"));
}

#[test]
fn load_errors_exit_2_naming_file_rule_and_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "acme/no-eval.yaml",
        &EVAL_RULE.replace("severity: high", "severity: urgent"),
    );
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-eval.yaml"))
        .stderr(predicate::str::contains("acme/no-eval"))
        .stderr(predicate::str::contains("`severity`: `urgent`"));

    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "acme/no-eval.yaml",
        &EVAL_RULE.replace("tests:", "testz:"),
    );
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("testz"));

    // Option defaults are checked too: a bad regex default does not load.
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "acme/no-eval.yaml",
        &EVAL_RULE.replace(
            "severity: high",
            "severity: high\noptions:\n  skip-patterns: ['(']",
        ),
    );
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("acme/no-eval"))
        .stderr(predicate::str::contains("option `skip-patterns`"))
        .stderr(predicate::str::contains("invalid regular expression"));
}

#[test]
fn builtin_ids_and_empty_dirs_are_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule files"));

    let builtin = EVAL_RULE.replace("acme/no-eval", "rust/undocumented-unsafe");
    write(tmp.path(), "undocumented-unsafe.yaml", &builtin);
    bylaw()
        .arg("test-rules")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "built-in rule already has this id",
        ));
}
