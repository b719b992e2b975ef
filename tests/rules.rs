//! The fixture harness: every rule has `fixtures/<rule-id>/` with `bad*` and `good*` cases
//! (files, or folders when the layout matters). Inline markers name the lines that must be
//! flagged: `expect: <rule-id>` at the end of a line flags that line; on a comment line of its own
//! it flags the next line that is not itself a marker. A `bylaw-expect.txt` in a case folder lists
//! `path[:line] rule-id` for findings without a line (repository rules). Strict in both
//! directions: a marked line not flagged fails, and a finding of the rule on an unmarked line
//! fails. Good cases must produce no finding of their rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bylaw::config::{Policy, Selector};
use bylaw::engine::{Engine, ScanRequest};
use bylaw::rule::registry::Registry;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (relative path, line) pairs expected for `rule` in a case.
fn expectations(case: &Path, base: &Path, rule: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
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
            .unwrap()
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
                let (loc, id) = line.rsplit_once(' ').expect("`path[:line] rule-id`");
                if id != rule {
                    continue;
                }
                let (p, n) = match loc.rsplit_once(':') {
                    Some((p, n)) if n.parse::<usize>().is_ok() => {
                        (p.to_string(), n.parse().unwrap())
                    }
                    _ => (loc.to_string(), 0),
                };
                out.insert((p, n));
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
                if is_marker_only(l) {
                    let target = (i + 1..lines.len()).find(|j| !is_marker_only(lines[*j]));
                    out.insert((rel.clone(), target.map_or(i + 2, |j| j + 1)));
                } else {
                    out.insert((rel.clone(), i + 1));
                }
            }
        }
    }
    out
}

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
    let case_name = case.file_name().unwrap().to_string_lossy().to_string();
    if !case_name.contains("broken")
        && let Some(e) = report.errors.iter().find(|e| e.kind == "parse")
    {
        return Err(format!(
            "{case_name}: fixture does not parse: {}: {}",
            e.path, e.message
        ));
    }
    let got: BTreeSet<(String, usize)> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| (f.path.clone(), f.start.map_or(0, |s| s.line)))
        .collect();
    let want = expectations(case, &base, rule);
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
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
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
