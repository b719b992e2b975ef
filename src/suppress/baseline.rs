//! Baselines: a sorted, timestamp-free file of (rule, path, fingerprint) entries. Fingerprints
//! come from the offending content or structural route, never the line number, so inserting lines
//! above a finding or moving it does not make it new.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finding::{BaselineState, Finding};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

pub fn entries_of(findings: &[Box<Finding>]) -> BTreeSet<Entry> {
    findings
        .iter()
        .filter(|f| f.suppression.is_none() && f.baseline != Some(BaselineState::Absent))
        .map(|f| Entry {
            rule: f.rule_id.clone(),
            path: f.path.clone(),
            fingerprint: f.fingerprint.clone(),
        })
        .collect()
}

pub fn load(path: &Path) -> Result<BTreeSet<Entry>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read baseline {}: {e}", path.display())))?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}:{}: not a bylaw baseline: {e}; create one with `bylaw baseline create {}`",
            path.display(),
            e.line(),
            path.display()
        ))
    })?;
    Ok(file.findings.into_iter().collect())
}

pub fn write(path: &Path, entries: &BTreeSet<Entry>) -> Result<(), Error> {
    let file = BaselineFile {
        version: 1,
        tool: "bylaw".into(),
        findings: entries.iter().cloned().collect(),
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    std::fs::write(path, s).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })
}

/// The entry each finding matches, if any. A fingerprint holds the rule and the path from the
/// file's repository root, so it matches wherever bylaw runs; the entry's path is relative to
/// where the baseline was made. An entry with the finding's path is taken first, then any other
/// one with its fingerprint (the same file seen from another folder); each entry serves one
/// finding.
fn matches<'a>(findings: &[Box<Finding>], baseline: &'a BTreeSet<Entry>) -> Vec<Option<&'a Entry>> {
    let counts = |f: &Finding| f.suppression.is_none() && f.baseline != Some(BaselineState::Absent);
    let mut taken: BTreeSet<&Entry> = BTreeSet::new();
    let mut out: Vec<Option<&Entry>> = findings
        .iter()
        .map(|f| {
            let e = Entry {
                rule: f.rule_id.clone(),
                path: f.path.clone(),
                fingerprint: f.fingerprint.clone(),
            };
            let hit = baseline.get(&e).filter(|_| counts(f));
            if let Some(e) = hit {
                taken.insert(e);
            }
            hit
        })
        .collect();
    let mut by_fingerprint: HashMap<(&str, &str), Vec<&Entry>> = HashMap::new();
    for e in baseline.iter().filter(|e| !taken.contains(e)) {
        by_fingerprint
            .entry((&e.rule, &e.fingerprint))
            .or_default()
            .push(e);
    }
    for (f, slot) in findings.iter().zip(&mut out) {
        if slot.is_some() || !counts(f) {
            continue;
        }
        if let Some(free) = by_fingerprint.get_mut(&(f.rule_id.as_str(), f.fingerprint.as_str())) {
            *slot = free.pop();
        }
    }
    out
}

/// The entries of `baseline` some finding still matches (`baseline update`).
pub fn still_found(findings: &[Box<Finding>], baseline: &BTreeSet<Entry>) -> BTreeSet<Entry> {
    matches(findings, baseline)
        .into_iter()
        .flatten()
        .cloned()
        .collect()
}

/// Mark each finding new or unchanged; add an `absent` record for every entry of a rule that ran
/// and is no longer found.
pub fn apply(findings: &mut Vec<Box<Finding>>, baseline: &BTreeSet<Entry>, rules_run: &[String]) {
    let hits = matches(findings, baseline);
    let mut seen = BTreeSet::new();
    for (f, hit) in findings.iter_mut().zip(hits) {
        if f.suppression.is_some() {
            continue;
        }
        match hit {
            Some(e) => {
                f.baseline = Some(BaselineState::Unchanged);
                seen.insert(e.clone());
            }
            None => f.baseline = Some(BaselineState::New),
        }
    }
    for e in baseline
        .difference(&seen)
        .filter(|e| rules_run.contains(&e.rule))
    {
        let mut f = Finding::new(
            &e.rule,
            crate::finding::Severity::Info,
            &e.path,
            format!("fixed since the baseline: {} no longer reported", e.rule),
        );
        f.fingerprint = e.fingerprint.clone();
        f.baseline = Some(BaselineState::Absent);
        findings.push(Box::new(f));
    }
}
