//! `bylaw test-rules DIR`: test an organisation's rule pack without writing Rust.
//!
//! Loads every rule file under `DIR` exactly as `bylaw check --packs DIR` does, then for each rule:
//! - runs its inline `tests:` — `invalid` snippets must produce at least one finding, `valid`
//!   snippets none. A snippet is checked as a file of the rule's first language (code rules) or
//!   first `applies-to` kind, named so the rule's `paths` globs accept it (`snippet.py`,
//!   `snippet.yaml`, `.github/workflows/snippet.yml`…). A snippet that does not parse fails.
//! - with `--fixtures FIXDIR`, runs the cases in `FIXDIR/<pack>/<name>/` (or `FIXDIR/<name>/`):
//!   `bad*` files/folders whose `expect: <rule-id>` marker lines must be flagged (and no other
//!   line), `good*` ones that must produce nothing — the same markers as bylaw's own fixtures.
//!
//! Exit 0 when every test passes, 1 when one fails, 2 when a rule file does not load (the error
//! names the file, the rule and the field).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::decl::{self, PathFilter, RuleLoadError};
use crate::document::code::Lang;
use crate::document::{Document, DocumentKind};
use crate::error::Error;
use crate::pack;
use crate::rule::{Rule, RuleContext};

/// What the rule file says about testing it.
struct TestSpec {
    valid: Vec<String>,
    invalid: Vec<String>,
    kind: DocumentKind,
    paths: Vec<String>,
}

/// One rule's outcome.
#[derive(Default)]
struct Outcome {
    passed: usize,
    failures: Vec<String>,
}

/// Run `bylaw test-rules`; returns the exit code.
pub fn run(dirs: &[PathBuf], fixtures: Option<&Path>) -> Result<i32, Error> {
    let mut sources = Vec::new();
    for dir in dirs {
        let found = pack::dir_sources(dir).map_err(|e| Error::Rules(vec![e]))?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "no rule files (*.yaml, *.yml) under {}",
                dir.display()
            )));
        }
        sources.extend(found);
    }
    let mut specs: BTreeMap<String, TestSpec> = BTreeMap::new();
    for s in &sources {
        if let Ok(raw) = decl::parse_rule_file(&s.file, &s.text) {
            let tests = raw.tests.clone().unwrap_or_default();
            let kind = first_kind(&raw);
            specs.insert(
                raw.id.clone(),
                TestSpec {
                    valid: tests.valid,
                    invalid: tests.invalid,
                    kind,
                    paths: raw.paths.clone(),
                },
            );
        }
    }
    let (mut rules, mut errors) = pack::compile_sources(sources);
    rules.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
    errors.extend(duplicates(&rules));
    if !errors.is_empty() {
        return Err(Error::Rules(errors));
    }

    let mut out = String::new();
    let (mut failed, mut untested) = (0, 0);
    for rule in &rules {
        let id = rule.meta().id.clone();
        let mut oc = Outcome::default();
        if let Some(spec) = specs.get(&id) {
            snippet_tests(rule.as_ref(), spec, &mut oc);
        }
        let mut cases = 0;
        if let Some(fx) = fixtures {
            cases = fixture_tests(rule.as_ref(), fx, &mut oc);
        }
        if oc.passed == 0 && oc.failures.is_empty() {
            untested += 1;
            let _ = writeln!(
                out,
                "NO TESTS {id}: add `tests: {{valid: [...], invalid: [...]}}` to {}",
                rule.meta().source
            );
            continue;
        }
        let fx_note = if cases > 0 {
            format!(", {cases} fixture case(s)")
        } else {
            String::new()
        };
        if oc.failures.is_empty() {
            let _ = writeln!(out, "PASS {id} ({} check(s){fx_note})", oc.passed);
        } else {
            failed += 1;
            let _ = writeln!(
                out,
                "FAIL {id} ({} passed, {} failed{fx_note})",
                oc.passed,
                oc.failures.len()
            );
            for f in &oc.failures {
                for (i, line) in f.lines().enumerate() {
                    let _ = writeln!(out, "{}{line}", if i == 0 { "  - " } else { "    " });
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "{} rule(s): {} passed, {failed} failed, {untested} without tests",
        rules.len(),
        rules.len() - failed - untested
    );
    print!("{out}");
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Duplicate ids inside the directory, and ids in a built-in pack (which `bylaw check --packs`
/// would refuse).
fn duplicates(rules: &[Box<dyn Rule>]) -> Vec<RuleLoadError> {
    let mut errors = Vec::new();
    for w in rules.windows(2) {
        if w[0].meta().id == w[1].meta().id {
            errors.push(RuleLoadError {
                file: w[1].meta().source.clone(),
                rule: Some(w[1].meta().id.clone()),
                message: format!("duplicate rule id, also declared in {}", w[0].meta().source),
            });
        }
    }
    errors.extend(pack::reserved_pack_errors(rules));
    errors
}

/// The kind a snippet is checked as: the first `language` of a code rule, else the first
/// `applies-to` kind (`any` → text).
fn first_kind(raw: &decl::schema::RawRule) -> DocumentKind {
    if let Some(l) = &raw.language
        && let Some(lang) = l.to_vec().first().and_then(|n| Lang::from_name(n))
    {
        return lang.kind();
    }
    raw.applies_to
        .first()
        .and_then(|k| DocumentKind::from_name(k))
        .unwrap_or(DocumentKind::Text)
}

/// A file name of `kind`, adjusted so the rule's include globs accept it when possible.
fn snippet_path(kind: DocumentKind, include: &[String]) -> String {
    let default = match kind {
        DocumentKind::Terraform => "snippet.tf",
        DocumentKind::Kubernetes | DocumentKind::Yaml => "snippet.yaml",
        DocumentKind::GithubWorkflow => ".github/workflows/snippet.yml",
        DocumentKind::GithubAction => "action.yml",
        DocumentKind::GitlabCi => ".gitlab-ci.yml",
        DocumentKind::Compose => "compose.yaml",
        DocumentKind::Dockerfile => "Dockerfile",
        DocumentKind::Json => "snippet.json",
        DocumentKind::Python => "snippet.py",
        DocumentKind::Javascript => "snippet.js",
        DocumentKind::Typescript => "snippet.ts",
        DocumentKind::Tsx => "snippet.tsx",
        DocumentKind::Go => "snippet.go",
        DocumentKind::Rust => "src/snippet.rs",
        DocumentKind::Shell => "snippet.sh",
        DocumentKind::Text => "snippet.txt",
    }
    .to_string();
    let Ok(filter) = PathFilter::new(include, &[]) else {
        return default;
    };
    if filter.allows(&default) {
        return default;
    }
    // Instantiate the first include glob: `**/` → nothing, `*` → `snippet`, `?` → `x`,
    // `{a,b}` → `a`, `[ab]` → `a`.
    for g in include {
        let mut s = String::new();
        let mut chars = g.replace("**/", "").replace("**", "snippet");
        chars = chars.replace('*', "snippet").replace('?', "x");
        let mut it = chars.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '{' => {
                    let mut first = String::new();
                    let mut in_first = true;
                    for c in it.by_ref() {
                        match c {
                            '}' => break,
                            ',' => in_first = false,
                            c if in_first => first.push(c),
                            _ => {}
                        }
                    }
                    s.push_str(&first);
                }
                '[' => {
                    let mut first = None;
                    for c in it.by_ref() {
                        if c == ']' {
                            break;
                        }
                        first.get_or_insert(c);
                    }
                    if let Some(c) = first {
                        s.push(c);
                    }
                }
                c => s.push(c),
            }
        }
        if filter.allows(&s) {
            return s;
        }
    }
    default
}

/// Run one rule on one document: findings' 1-based lines (0 = file-level), or an error.
fn check_one(rule: &dyn Rule, doc: &Document) -> Result<Vec<usize>, String> {
    let meta = rule.meta();
    let options = meta.options.clone();
    let mut cx = RuleContext::new(meta, &options);
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rule.check(doc, &mut cx)));
    if res.is_err() {
        return Err("the rule failed (internal error) on this input".into());
    }
    if doc.kind.is_yaml()
        || matches!(
            doc.kind,
            DocumentKind::Terraform | DocumentKind::Dockerfile | DocumentKind::Json
        )
    {
        let _ = doc.config();
    }
    if let Some(e) = doc.config_error().or(doc.rust_error()) {
        return Err(format!("does not parse: {}", e.message));
    }
    Ok(cx
        .findings
        .iter()
        .map(|f| f.span.map_or(0, |s| doc.line_col(s.start).line))
        .collect())
}

fn indent(snippet: &str) -> String {
    snippet
        .trim_end()
        .lines()
        .map(|l| format!("| {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn snippet_tests(rule: &dyn Rule, spec: &TestSpec, oc: &mut Outcome) {
    let path = snippet_path(spec.kind, &spec.paths);
    let cases = spec
        .invalid
        .iter()
        .enumerate()
        .map(|(i, s)| (true, i, s))
        .chain(spec.valid.iter().enumerate().map(|(i, s)| (false, i, s)));
    for (invalid, i, snippet) in cases {
        let which = if invalid { "invalid" } else { "valid" };
        let doc = Document::new(path.clone(), spec.kind, snippet.as_str());
        match check_one(rule, &doc) {
            Err(e) => oc.failures.push(format!(
                "{which} snippet #{} ({path}) {e}:\n{}",
                i + 1,
                indent(snippet)
            )),
            Ok(lines) if invalid && lines.is_empty() => oc.failures.push(format!(
                "invalid snippet #{} produced no finding:\n{}",
                i + 1,
                indent(snippet)
            )),
            Ok(lines) if !invalid && !lines.is_empty() => oc.failures.push(format!(
                "valid snippet #{} produced {} finding(s) (line {}):\n{}",
                i + 1,
                lines.len(),
                lines
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                indent(snippet)
            )),
            Ok(_) => oc.passed += 1,
        }
    }
}

/// Run the rule's fixture cases; returns how many cases there were.
fn fixture_tests(rule: &dyn Rule, root: &Path, oc: &mut Outcome) -> usize {
    let meta = rule.meta();
    let name = meta.id.rsplit('/').next().unwrap_or(&meta.id);
    let Some(dir) = [root.join(&meta.id), root.join(name)]
        .into_iter()
        .find(|d| d.is_dir())
    else {
        return 0;
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut cases: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    cases.sort();
    let mut n = 0;
    for case in cases {
        let case_name = case
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let good = case_name.starts_with("good");
        if !good && !case_name.starts_with("bad") {
            continue;
        }
        n += 1;
        match run_case(rule, &case, good) {
            Ok(()) => oc.passed += 1,
            Err(e) => oc.failures.push(format!("fixture {}: {e}", case.display())),
        }
    }
    n
}

/// One fixture case (a file, or a folder whose layout matters).
fn run_case(rule: &dyn Rule, case: &Path, good: bool) -> Result<(), String> {
    let meta = rule.meta();
    let (files, base): (Vec<PathBuf>, &Path) = if case.is_dir() {
        let files = walkdir::WalkDir::new(case)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .collect();
        (files, case)
    } else {
        (vec![case.to_path_buf()], case.parent().unwrap_or(case))
    };
    let mut want = BTreeSet::new();
    let mut got = BTreeSet::new();
    for f in files {
        let rel = crate::walk::relative(&f, base);
        let text = std::fs::read_to_string(&f).map_err(|e| format!("cannot read {rel}: {e}"))?;
        for line in marker_lines(&text, &meta.id) {
            want.insert((rel.clone(), line));
        }
        let kind = crate::walk::classify::classify(&rel, &text);
        if !meta.applies(kind) {
            continue;
        }
        let doc = Document::new(rel.clone(), kind, text);
        for line in check_one(rule, &doc).map_err(|e| format!("{rel} {e}"))? {
            got.insert((rel.clone(), line));
        }
    }
    if good && !want.is_empty() {
        return Err("a good case must not carry expect markers".into());
    }
    if !good && want.is_empty() {
        return Err(format!(
            "a bad case needs at least one `expect: {}` marker",
            meta.id
        ));
    }
    let missing: Vec<String> = want
        .difference(&got)
        .map(|(p, l)| format!("{p}:{l}"))
        .collect();
    let extra: Vec<String> = got
        .difference(&want)
        .map(|(p, l)| format!("{p}:{l}"))
        .collect();
    let mut msg = Vec::new();
    if !missing.is_empty() {
        msg.push(format!("expected but not flagged: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        msg.push(format!("flagged but not marked: {}", extra.join(", ")));
    }
    if msg.is_empty() {
        Ok(())
    } else {
        Err(msg.join("; "))
    }
}

/// 1-based lines an `expect: <id>` marker names: its own line when it ends a line of code, the
/// next non-marker line when it is a comment line of its own.
fn marker_lines(text: &str, id: &str) -> Vec<usize> {
    let marker = format!("expect: {id}");
    let lines: Vec<&str> = text.lines().collect();
    let marker_only = |l: &str| {
        let t = l.trim_start();
        let body = t
            .trim_start_matches('#')
            .trim_start_matches("//")
            .trim_start_matches("/*")
            .trim_start_matches("--")
            .trim_start_matches("<!--")
            .trim();
        body.starts_with("expect:") && body.len() < t.len()
    };
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for (pos, _) in l.match_indices(&marker) {
            let after = &l[pos + marker.len()..];
            if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
                continue;
            }
            if marker_only(l) {
                let target = (i + 1..lines.len()).find(|j| !marker_only(lines[*j]));
                out.push(target.map_or(i + 2, |j| j + 1));
            } else {
                out.push(i + 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_paths_follow_include_globs() {
        assert_eq!(snippet_path(DocumentKind::Python, &[]), "snippet.py");
        assert_eq!(
            snippet_path(DocumentKind::Python, &["**/settings*.py".into()]),
            "settingssnippet.py"
        );
        assert_eq!(
            snippet_path(DocumentKind::Yaml, &["deploy/{k8s,helm}/*.yaml".into()]),
            "deploy/k8s/snippet.yaml"
        );
    }

    #[test]
    fn markers() {
        let t = "a\nb // expect: x/y\n// expect: x/y\n\nc\n# expect: x/yz\n";
        assert_eq!(marker_lines(t, "x/y"), vec![2, 4]);
    }
}
