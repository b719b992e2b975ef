//! `bylaw check --fix` / `--diff`: apply the fixes of the findings that count, scan the changed
//! text again, repeat until nothing is left to fix or [`super::MAX_ROUNDS`] is reached. Every
//! round works on the text in memory (the engine scans it in place of the file); files are
//! written once, at the end, and only by `--fix`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::{Fix, apply};
use crate::app::{Group, scan_groups};
use crate::document::Document;
use crate::error::Error;
use crate::finding::Finding;
use crate::report::{Report, is_baselined};
use crate::rule::registry::Registry;
use crate::suppress::baseline;

/// A file being fixed: where it is, its text before any fix, its text now.
pub struct Changed {
    pub path: PathBuf,
    /// A UTF-8 byte order mark the scan did not see, written back as it was.
    bom: bool,
    pub original: String,
    pub fixed: String,
}

impl Changed {
    /// The bytes to write (or to scan in place of the file).
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(self.fixed.len() + 3);
        if self.bom {
            b.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
        }
        b.extend_from_slice(self.fixed.as_bytes());
        b
    }
}

pub struct Outcome {
    /// Files whose text changed, by report path.
    pub files: BTreeMap<String, Changed>,
    /// Fixes applied, over every round.
    pub applied: usize,
    pub rounds: usize,
    /// Fixes were still being applied when the round limit stopped the loop.
    pub unsettled: bool,
    /// The scan of the fixed text (`None`: nothing was fixed, the first scan stands).
    pub report: Option<Report>,
    /// Files whose fixed text no longer parsed: left as they were.
    pub refused: BTreeSet<String>,
}

/// Whether `--fix` may apply a finding's fix: it has one, and the finding counts (not suppressed,
/// not baselined, in a context that fails the run).
pub fn fixable(f: &Finding) -> bool {
    f.fix.is_some() && !f.is_suppressed() && !is_baselined(f) && f.context_fails()
}

/// Read a file for fixing: UTF-8 text (after a byte order mark), as the scan decoded it.
fn read(path: &std::path::Path) -> Option<(bool, String)> {
    let bytes = std::fs::read(path).ok()?;
    let (bom, body) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (true, rest.to_vec()),
        None => (false, bytes),
    };
    String::from_utf8(body).ok().map(|t| (bom, t))
}

/// The fixed text parses wherever the text before did (a YAML, HCL or Dockerfile view).
fn still_parses(rel: &str, before: &str, after: &str) -> bool {
    let kind = crate::walk::classify::classify(rel, before);
    let was = Document::new(rel, kind, before).config().is_ok();
    let now = Document::new(rel, crate::walk::classify::classify(rel, after), after);
    !was || (now.kind == kind && now.config().is_ok())
}

/// The fixes computed on this very text (their spans index it); any other is never applied.
fn computed_on<'a>(text: &str, fixes: Vec<&'a Fix>) -> Vec<&'a Fix> {
    let basis = super::text_hash(text);
    fixes
        .into_iter()
        .filter(|f| f.basis.as_deref() == Some(basis.as_str()))
        .collect()
}

/// Run the fix loop from `first` (the first scan, baseline already applied).
pub fn run(
    registry: &Registry,
    groups: &mut [Group],
    first: &Report,
    baseline: Option<&BTreeSet<baseline::Entry>>,
) -> Result<Outcome, Error> {
    let base = groups
        .first()
        .map(|g| g.request.base.clone())
        .unwrap_or_default();
    let mut files: BTreeMap<String, Changed> = BTreeMap::new();
    let mut refused = BTreeSet::new();
    let (mut applied, mut rounds, mut unsettled) = (0, 0, false);
    let mut rescan: Option<Report> = None;
    loop {
        let report = rescan.as_ref().unwrap_or(first);
        let mut by_path: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
        for f in report.findings.iter().filter(|f| fixable(f)) {
            if let Some(fix) = f.fix.as_deref()
                && !refused.contains(&f.path)
            {
                by_path.entry(f.path.as_str()).or_default().push(fix);
            }
        }
        if by_path.is_empty() {
            break;
        }
        if rounds == super::MAX_ROUNDS {
            unsettled = true;
            break;
        }
        rounds += 1;
        let mut changed = false;
        for (rel, fixes) in by_path {
            let current = match files.get(rel) {
                Some(c) => c.fixed.clone(),
                None => {
                    let path = base.join(rel);
                    let Some((bom, text)) = read(&path) else {
                        continue;
                    };
                    files.insert(
                        rel.to_string(),
                        Changed {
                            path,
                            bom,
                            original: text.clone(),
                            fixed: text.clone(),
                        },
                    );
                    text
                }
            };
            let (new, done) = apply(&current, &computed_on(&current, fixes));
            if done.is_empty() {
                continue;
            }
            if !still_parses(rel, &current, &new) {
                refused.insert(rel.to_string());
                continue;
            }
            if let Some(c) = files.get_mut(rel) {
                c.fixed = new;
            }
            applied += done.len();
            changed = true;
        }
        if !changed {
            break;
        }
        let overrides: BTreeMap<String, Arc<[u8]>> = files
            .iter()
            .map(|(rel, c)| (rel.clone(), Arc::from(c.bytes())))
            .collect();
        for g in groups.iter_mut() {
            g.request.overrides = overrides.clone();
        }
        let mut next = scan_groups(registry, groups)?;
        next.fail_on = first.fail_on;
        if let Some(entries) = baseline {
            let run = next.rules_run.clone();
            baseline::apply(&mut next.findings, entries, &run);
            next.finalize();
        }
        rescan = Some(next);
    }
    files.retain(|_, c| c.fixed != c.original);
    Ok(Outcome {
        files,
        applied,
        rounds,
        unsettled,
        report: rescan,
        refused,
    })
}

/// `--diff`: every changed file as a unified diff, with the secrets either scan found masked.
pub fn render_diff(first: &Report, outcome: &Outcome) -> String {
    let redactions = |r: &Report, path: &str| -> Vec<crate::document::Span> {
        r.findings
            .iter()
            .filter(|f| f.path == path)
            .filter_map(|f| f.redact)
            .collect()
    };
    let mut out = String::new();
    for (rel, c) in &outcome.files {
        let old = crate::report::mask(&c.original, &redactions(first, rel));
        let last = outcome.report.as_ref().unwrap_or(first);
        let new = crate::report::mask(&c.fixed, &redactions(last, rel));
        out.push_str(&super::diff::unified(rel, &old, &new));
    }
    out
}

/// Write the fixed files (`--fix`).
pub fn write(outcome: &Outcome) -> Result<(), Error> {
    for c in outcome.files.values() {
        std::fs::write(&c.path, c.bytes()).map_err(|source| Error::Write {
            path: c.path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Span;
    use crate::fix::Edit;

    #[test]
    fn only_fixes_computed_on_the_text_apply() {
        let text = "a: 1\n";
        let mut on_it = Fix::one("t", Edit::new(Span::new(3, 4), "2"));
        on_it.basis = Some(crate::fix::text_hash(text));
        let mut elsewhere = on_it.clone();
        elsewhere.basis = Some(crate::fix::text_hash("a: 1\nb: 2\n"));
        let unstamped = Fix::one("t", Edit::new(Span::new(3, 4), "3"));
        let kept = computed_on(text, vec![&elsewhere, &unstamped, &on_it]);
        assert_eq!(kept, vec![&on_it]);
    }
}
