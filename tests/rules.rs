//! The fixture harness: every rule has `fixtures/<rule-id>/` with `bad*` and `good*` cases
//! (files, or folders when the layout matters). Inline markers name the lines that must be
//! flagged: `expect: <rule-id>` at the end of a line flags that line; on a comment line of its own
//! it flags the next line that is not itself a marker. `expect: <rule-id>@<col>` also pins the
//! finding's start column (1-based, in code points). One marker stands for one finding: a line
//! flagged twice needs two markers. A `bylaw-expect.txt` in a case folder lists
//! `path[:line] rule-id` for findings without a line (repository rules). Strict in both
//! directions: a marked line not flagged fails, a finding of the rule on an unmarked line (or one
//! more finding than markers) fails. Good cases must produce no finding of their rule. A case
//! fails too when a rule crashed (`internal`) or ran out of time (`timeout`) on it, and when it
//! does not parse (unless its name says `broken`).

use std::path::{Path, PathBuf};

use bylaw::config::{Policy, Selector};
use bylaw::engine::{Engine, ScanRequest};
use bylaw::rule::registry::Registry;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One expected finding: relative path, line (0 = none) and, when the marker pins it, the column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    path: String,
    line: usize,
    col: Option<usize>,
}

/// The findings expected for `rule` in a case, one entry per marker.
fn expectations(case: &Path, base: &Path, rule: &str) -> Result<Vec<Expected>, String> {
    let mut out = Vec::new();
    let files: Vec<PathBuf> = if case.is_dir() {
        walkdir::WalkDir::new(case)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect()
    } else {
        vec![case.to_path_buf()]
    };
    let marker = format!("expect: {rule}");
    for f in files {
        let rel = f
            .strip_prefix(base)
            .map_err(|_| format!("{} is outside {}", f.display(), base.display()))?
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if f.file_name().is_some_and(|n| n == "bylaw-expect.txt") {
            for line in text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                let (loc, id) = line
                    .rsplit_once(' ')
                    .ok_or_else(|| format!("{rel}: `{line}` is not `path[:line] rule-id`"))?;
                if id != rule {
                    continue;
                }
                let (path, line) = match loc.rsplit_once(':') {
                    Some((p, n)) => match n.parse::<usize>() {
                        Ok(n) => (p.to_string(), n),
                        Err(_) => (loc.to_string(), 0),
                    },
                    None => (loc.to_string(), 0),
                };
                out.push(Expected {
                    path,
                    line,
                    col: None,
                });
            }
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        let is_marker_only = |l: &str| {
            let t = l.trim_start();
            let body = t
                .trim_start_matches("#")
                .trim_start_matches("//")
                .trim_start_matches("/*")
                .trim_start_matches("--")
                .trim_start_matches("<!--")
                .trim();
            body.starts_with("expect:") && body.len() < t.len()
        };
        for (i, l) in lines.iter().enumerate() {
            for (pos, _) in l.match_indices(&marker) {
                // The id must end here (not a prefix of a longer id).
                let after = &l[pos + marker.len()..];
                if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
                    continue;
                }
                let col = match after.strip_prefix('@') {
                    Some(rest) => {
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        Some(digits.parse::<usize>().map_err(|_| {
                            format!("{rel}:{}: `{marker}@` needs a column number", i + 1)
                        })?)
                    }
                    None => None,
                };
                let line = if is_marker_only(l) {
                    let target = (i + 1..lines.len()).find(|j| !is_marker_only(lines[*j]));
                    target.map_or(i + 2, |j| j + 1)
                } else {
                    i + 1
                };
                out.push(Expected {
                    path: rel.clone(),
                    line,
                    col,
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Match findings `(path, line, col)` to markers, one to one: markers with a column first, then
/// the others by line. Returns the markers left unmatched and the findings left unmarked.
fn match_findings(
    want: &[Expected],
    mut got: Vec<(String, usize, usize)>,
) -> (Vec<String>, Vec<String>) {
    let mut missing = Vec::new();
    let (pinned, loose): (Vec<&Expected>, Vec<&Expected>) =
        want.iter().partition(|e| e.col.is_some());
    for e in pinned.into_iter().chain(loose) {
        let hit = got.iter().position(|(p, l, c)| {
            *p == e.path && *l == e.line && e.col.is_none_or(|want| want == *c)
        });
        match hit {
            Some(i) => {
                got.remove(i);
            }
            None => missing.push(match e.col {
                Some(c) => format!("{}:{}:{c}", e.path, e.line),
                None => format!("{}:{}", e.path, e.line),
            }),
        }
    }
    let extra = got
        .into_iter()
        .map(|(p, l, c)| format!("{p}:{l}:{c}"))
        .collect();
    (missing, extra)
}

/// Run one fixture case of `rule` with the rules of `registry`.
fn run_case(
    registry: &Registry,
    rule: &str,
    case: &Path,
    fixture_dir: &Path,
) -> Result<(), String> {
    let (paths, base) = if case.is_dir() {
        (vec![case.to_path_buf()], case.to_path_buf())
    } else {
        (vec![case.to_path_buf()], fixture_dir.to_path_buf())
    };
    // Findings of `bylaw/*` rules come from the suppression stage, which needs the other rules to
    // run; a case folder may carry its own bylaw.toml.
    let mut policy = match case.join("bylaw.toml") {
        cfg if case.is_dir() && cfg.is_file() => {
            let layers = bylaw::config::load::load_layers(&cfg).map_err(|e| format!("{e}"))?;
            bylaw::config::load::resolve(&layers, registry, &base).map_err(|e| format!("{e}"))?
        }
        _ => Policy::default(),
    };
    if !rule.starts_with("bylaw/") {
        policy.select = vec![Selector::Rule(rule.to_string())];
    }
    let engine = Engine::new(registry, &policy);
    let mut req = ScanRequest::new(paths, base.clone());
    req.force_repo_rules = true;
    req.threads = 1;
    let report = engine.scan(&req);
    let case_name = case
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // A rule that crashed or ran out of time reported nothing: that must not pass as "clean".
    if let Some(e) = report
        .errors
        .iter()
        .find(|e| e.kind == "internal" || e.kind == "timeout")
    {
        return Err(format!(
            "{case_name}: {} error: {}: {}",
            e.kind, e.path, e.message
        ));
    }
    if !case_name.contains("broken")
        && let Some(e) = report.errors.iter().find(|e| e.kind == "parse")
    {
        return Err(format!(
            "{case_name}: fixture does not parse: {}: {}",
            e.path, e.message
        ));
    }
    let got: Vec<(String, usize, usize)> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| {
            let (line, col) = f.start.map_or((0, 0), |s| (s.line, s.col));
            (f.path.clone(), line, col)
        })
        .collect();
    let want = expectations(case, &base, rule).map_err(|e| format!("{case_name}: {e}"))?;
    let is_good = case_name.starts_with("good");
    if is_good && !want.is_empty() {
        return Err(format!(
            "{case_name}: a good case must not carry expect markers"
        ));
    }
    if !is_good && want.is_empty() {
        return Err(format!(
            "{case_name}: a bad case needs at least one expect marker"
        ));
    }
    let (missing, extra) = match_findings(&want, got);
    if missing.is_empty() && extra.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{case_name}: not flagged (expected): {missing:?}; flagged but not marked: {extra:?}"
        ))
    }
}

#[test]
fn every_rule_passes_its_fixtures() {
    let registry = Registry::load(&[]).unwrap_or_else(|e| panic!("rules do not load: {e:?}"));
    let only = std::env::var("BYLAW_FIXTURE").ok();
    let mut failures = Vec::new();
    let mut cases = 0;
    for meta in registry.metas() {
        if only.as_deref().is_some_and(|o| !meta.id.starts_with(o)) {
            continue;
        }
        let dir = root().join("fixtures").join(&meta.id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            failures.push(format!("{}: no fixtures folder {}", meta.id, dir.display()));
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        let (mut bad, mut good) = (0, 0);
        for case in entries {
            let name = case.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("bad") {
                bad += 1;
            } else if name.starts_with("good") {
                good += 1;
            } else {
                continue;
            }
            cases += 1;
            if let Err(e) = run_case(&registry, &meta.id, &case, &dir) {
                failures.push(format!("{}: {e}", meta.id));
            }
        }
        if bad == 0 || good == 0 {
            failures.push(format!(
                "{}: needs at least one bad* and one good* case (has {bad} bad, {good} good)",
                meta.id
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s) in {cases} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_folder_belongs_to_a_rule() {
    let registry = Registry::load(&[]).unwrap();
    let fixtures = root().join("fixtures");
    let mut orphans = Vec::new();
    for pack in std::fs::read_dir(&fixtures).unwrap().filter_map(Result::ok) {
        let pack_name = pack.file_name().to_string_lossy().to_string();
        if pack_name.starts_with('_') || !pack.path().is_dir() {
            continue;
        }
        for rule in std::fs::read_dir(pack.path())
            .unwrap()
            .filter_map(Result::ok)
        {
            let id = format!("{pack_name}/{}", rule.file_name().to_string_lossy());
            if registry.get(&id).is_none() {
                orphans.push(id);
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "fixture folders without a rule: {orphans:?}"
    );
}

/// A rule that crashes on every document, to prove the harness does not count a crash as clean.
struct Panics(bylaw::rule::RuleMeta);

impl bylaw::rule::Rule for Panics {
    fn meta(&self) -> &bylaw::rule::RuleMeta {
        &self.0
    }

    fn check(&self, _doc: &bylaw::document::Document, _cx: &mut bylaw::rule::RuleContext) {
        panic!("deliberate crash of a test rule");
    }
}

#[test]
fn a_rule_that_crashes_fails_its_good_case() {
    use bylaw::document::DocumentKind;
    use bylaw::finding::{Confidence, Severity};
    let meta = bylaw::rule::RuleMeta {
        id: "test/panics".into(),
        pack: "test".into(),
        title: "crashes".into(),
        severity: Severity::High,
        confidence: Confidence::High,
        rule_type: bylaw::rule::RuleType::Builtin,
        applies_to: vec![DocumentKind::Yaml],
        tags: Vec::new(),
        description: String::new(),
        rationale: String::new(),
        remediation: String::new(),
        references: Vec::new(),
        options: serde_json::json!({}),
        option_regexes: Default::default(),
        fix: None,
        docs_url: None,
        source: "tests/rules.rs".into(),
    };
    let registry = Registry::from_rules(vec![Box::new(Panics(meta))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let case = dir.path().join("good.yaml");
    std::fs::write(&case, "a: 1\n").expect("write");
    let err = run_case(&registry, "test/panics", &case, dir.path())
        .expect_err("a crashing rule must fail its case");
    assert!(err.contains("internal error"), "{err}");
}

#[test]
fn markers_count_and_pin_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let case = dir.path().join("bad.py");
    std::fs::write(
        &case,
        "a()  # expect: x/y expect: x/y@3\n# expect: x/y@7\n# expect: x/yz\nb()\n",
    )
    .expect("write");
    let want = expectations(&case, dir.path(), "x/y").expect("markers parse");
    let at = |line, col| Expected {
        path: "bad.py".into(),
        line,
        col,
    };
    assert_eq!(want, vec![at(1, None), at(1, Some(3)), at(4, Some(7))]);
    let f = |line, col| ("bad.py".to_string(), line, col);
    // Two markers on line 1 need two findings there; the pinned one needs its column.
    let (missing, extra) = match_findings(&want, vec![f(1, 1), f(1, 3), f(4, 7)]);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{missing:?} {extra:?}"
    );
    let (missing, extra) = match_findings(&want, vec![f(1, 3), f(4, 7)]);
    assert_eq!((missing, extra), (vec!["bad.py:1".to_string()], vec![]));
    let (missing, extra) = match_findings(&want, vec![f(1, 1), f(1, 3), f(4, 7), f(4, 7)]);
    assert_eq!((missing, extra), (vec![], vec!["bad.py:4:7".to_string()]));
    let (missing, extra) = match_findings(&want, vec![f(1, 1), f(1, 3), f(4, 8)]);
    assert_eq!(
        (missing, extra),
        (
            vec!["bad.py:4:7".to_string()],
            vec!["bad.py:4:8".to_string()]
        )
    );
}
