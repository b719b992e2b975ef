//! `bylaw report`: the organisation's posture on one page, rolled up from many repositories'
//! JSON reports (one per CI run, or per repository from `bylaw audit`).
//!
//! Streaming: each report is parsed, folded into a small per-repository summary
//! ([`RepoSummary`]: counts per rule, owner and context, and its governance entries) and dropped,
//! a few at a time in parallel, so memory holds one report per worker, never every finding. The
//! organisation-wide figures are then computed from those summaries. Outputs: a self-contained
//! HTML page (`html.rs`), Markdown (`markdown.rs`) and a JSON summary (this module's
//! [`Posture`], shape version 1), which `--previous` reads back for the trend.

pub mod cmd;
pub mod html;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::finding::Severity;

/// Shape version of the JSON summary.
pub const POSTURE_VERSION: &str = "1";
/// Owner name for findings and suppressions no CODEOWNERS entry or waiver owner claims.
pub const UNOWNED: &str = "(no owner)";

/// Options of one roll-up.
#[derive(Debug, Clone)]
pub struct Options {
    /// `YYYY-MM-DD`: what "expired" and "expiring" are relative to.
    pub today: String,
    /// Suppressions expiring within this many days of `today` are listed as expiring.
    pub expiring_days: i64,
}

// ---- Input: the JSON report, only the fields the roll-up reads (serde skips the rest). ----

#[derive(Deserialize)]
struct InReport {
    version: String,
    tool: InTool,
    #[serde(default)]
    scan: Option<InScan>,
    summary: InSummary,
    #[serde(default)]
    findings: Vec<InFinding>,
    #[serde(default)]
    suppressions: Vec<Suppression>,
}

#[derive(Deserialize)]
struct InTool {
    name: String,
}

#[derive(Deserialize, Default)]
struct InScan {
    repository: String,
    commit: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    bylaw_version: Option<String>,
    #[serde(default)]
    policy: InPolicy,
}

#[derive(Deserialize, Default)]
struct InPolicy {
    version: Option<String>,
    digest: Option<String>,
}

#[derive(Deserialize)]
struct InSummary {
    files_scanned: usize,
    #[serde(default)]
    files_with_errors: usize,
}

#[derive(Deserialize)]
struct InFinding {
    rule: String,
    severity: Severity,
    message: String,
    path: String,
    start: Option<InLineCol>,
    suppression: Option<serde::de::IgnoredAny>,
    baseline: Option<String>,
    #[serde(default)]
    owners: Vec<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    fails: bool,
}

#[derive(Deserialize)]
struct InLineCol {
    line: usize,
}

/// A suppression or waiver as the JSON report lists it (and as the summary repeats it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Suppression {
    pub origin: String,
    pub path: String,
    pub line: usize,
    pub rules: Vec<String>,
    pub owner: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub ticket: Option<String>,
    pub until: Option<String>,
}

impl Suppression {
    /// Who answers for it: the waiver's owner, else the CODEOWNERS owners of its file.
    pub fn responsible(&self) -> Vec<String> {
        match &self.owner {
            Some(o) => vec![o.clone()],
            None if self.owners.is_empty() => vec![UNOWNED.to_string()],
            None => self.owners.clone(),
        }
    }
}

// ---- Per repository ----

/// One repository's report, folded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepoSummary {
    pub repository: String,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub bylaw_version: Option<String>,
    pub policy_version: Option<String>,
    pub policy_digest: Option<String>,
    pub passing: bool,
    /// Findings that fail the run.
    pub failing: usize,
    pub failing_by_severity: BTreeMap<Severity, usize>,
    /// Failing findings per rule.
    pub failing_by_rule: BTreeMap<String, usize>,
    pub failing_by_context: BTreeMap<String, usize>,
    /// Failing findings per CODEOWNERS owner (a finding with two owners counts for both).
    pub failing_by_owner: BTreeMap<String, usize>,
    /// Findings suppressed inline or by a waiver.
    pub suppressed: usize,
    /// Findings accepted by a baseline (debt).
    pub baselined: usize,
    pub files_scanned: usize,
    pub files_with_errors: usize,
    pub suppressions: Vec<Suppression>,
    /// Attempts to switch off or suppress a required rule.
    pub required_overrides: Vec<RequiredOverride>,
    /// The report file it was read from.
    #[serde(skip)]
    pub source: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequiredOverride {
    pub repository: String,
    pub path: String,
    pub line: Option<usize>,
    pub rule: String,
    pub message: String,
}

/// Rules whose findings record an override or suppression of a required rule.
const REQUIRED_RULES: [&str; 2] = [
    crate::suppress::REQUIRED_OVERRIDE,
    crate::suppress::REQUIRED,
];

fn fold(report: InReport, source: &Path) -> RepoSummary {
    let scan = report.scan.unwrap_or_else(|| InScan {
        // A report from before the `scan` object: named after its file.
        repository: source
            .file_stem()
            .map_or_else(|| "?".into(), |s| s.to_string_lossy().into_owned()),
        ..InScan::default()
    });
    let mut r = RepoSummary {
        repository: scan.repository.clone(),
        commit: scan.commit,
        branch: scan.branch,
        bylaw_version: scan.bylaw_version,
        policy_version: scan.policy.version,
        policy_digest: scan.policy.digest,
        files_scanned: report.summary.files_scanned,
        files_with_errors: report.summary.files_with_errors,
        suppressions: report.suppressions,
        source: source.to_path_buf(),
        ..RepoSummary::default()
    };
    for f in report.findings {
        if f.suppression.is_some() {
            r.suppressed += 1;
        } else if matches!(f.baseline.as_deref(), Some("unchanged" | "absent")) {
            r.baselined += 1;
        }
        if REQUIRED_RULES.contains(&f.rule.as_str()) {
            r.required_overrides.push(RequiredOverride {
                repository: scan.repository.clone(),
                path: f.path.clone(),
                line: f.start.map(|s| s.line),
                rule: f.rule.clone(),
                message: f.message.clone(),
            });
        }
        if !f.fails {
            continue;
        }
        r.failing += 1;
        *r.failing_by_severity.entry(f.severity).or_default() += 1;
        *r.failing_by_context
            .entry(f.context.unwrap_or_else(|| "production".into()))
            .or_default() += 1;
        if f.owners.is_empty() {
            *r.failing_by_owner.entry(UNOWNED.into()).or_default() += 1;
        }
        for o in f.owners {
            *r.failing_by_owner.entry(o).or_default() += 1;
        }
        *r.failing_by_rule.entry(f.rule).or_default() += 1;
    }
    r.passing = r.failing == 0;
    r.required_overrides.sort();
    r
}

/// The first 12 characters of a commit id (by character: a report is untrusted input).
pub fn short_commit(c: Option<&str>) -> String {
    c.map(|c| c.chars().take(12).collect()).unwrap_or_default()
}

/// A file that could not be used as a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rejected {
    pub path: String,
    pub reason: String,
}

/// Read and fold one report file.
pub fn read_one(path: &Path) -> Result<RepoSummary, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let report: InReport =
        serde_json::from_slice(&bytes).map_err(|e| format!("not a bylaw JSON report: {e}"))?;
    // The text is no longer needed once parsed.
    drop(bytes);
    if report.tool.name != "bylaw" || report.version != crate::report::json::JSON_VERSION {
        return Err(format!(
            "not a bylaw JSON report of shape version {} (tool `{}`, version `{}`)",
            crate::report::json::JSON_VERSION,
            report.tool.name,
            report.version
        ));
    }
    Ok(fold(report, path))
}

/// The report files named by `inputs`: files as given, directories searched for `*.json`
/// (sorted, so the order and hence the output never depend on the file system).
pub fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for i in inputs {
        if i.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(i)
                .follow_links(false)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json")
                })
                .map(walkdir::DirEntry::into_path)
                .collect();
            found.sort();
            out.extend(found);
        } else if i.is_file() {
            out.push(i.clone());
        } else {
            return Err(format!("no such file or directory: {}", i.display()));
        }
    }
    Ok(out)
}

// ---- Organisation-wide ----

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Posture {
    pub version: String,
    pub tool: String,
    pub bylaw_version: String,
    pub today: String,
    pub expiring_days: i64,
    pub reports_read: usize,
    pub rejected: Vec<Rejected>,
    /// Two reports for one repository: the later file (in path order) is used.
    pub duplicates: Vec<String>,
    pub gate: Gate,
    pub rules: Vec<RuleRow>,
    pub teams: Vec<TeamRow>,
    pub repositories: Vec<RepoSummary>,
    pub governance: Governance,
    pub trend: Option<Trend>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Gate {
    pub repositories: usize,
    pub passing: usize,
    pub failing: usize,
    pub failing_findings: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_pack: BTreeMap<String, usize>,
    pub by_context: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleRow {
    pub rule: String,
    /// From this bylaw's rule metadata; `None` for a rule it does not know (another pack).
    pub title: Option<String>,
    pub severity: Option<Severity>,
    /// Repositories with at least one failing finding of the rule.
    pub repositories: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamRow {
    pub owner: String,
    pub findings: usize,
    pub repositories: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Governance {
    pub suppressions: usize,
    pub waivers: usize,
    /// Suppressions and waivers per responsible owner.
    pub by_owner: BTreeMap<String, usize>,
    pub expiring: Vec<GovEntry>,
    pub expired: Vec<GovEntry>,
    pub required_overrides: Vec<RequiredOverride>,
    /// Repositories with at least one required-rule override.
    pub repositories_overriding_required: usize,
    pub baselined: usize,
    pub suppressed_findings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GovEntry {
    pub repository: String,
    #[serde(flatten)]
    pub suppression: Suppression,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trend {
    /// The earlier summary's date.
    pub previous_today: String,
    pub failing_before: usize,
    pub failing_now: usize,
    /// Failing findings added (per repository and rule: the increase of its count).
    pub new: usize,
    /// Failing findings gone (per repository and rule: the decrease of its count).
    pub fixed: usize,
    pub repositories: Vec<TrendRow>,
    pub rules: Vec<TrendRow>,
    pub repositories_added: Vec<String>,
    pub repositories_removed: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrendRow {
    pub name: String,
    pub new: usize,
    pub fixed: usize,
}

/// Roll the reports named by `files` up (read in parallel, one report per worker at a time).
pub fn aggregate(
    files: &[PathBuf],
    opts: &Options,
    registry: &crate::rule::registry::Registry,
) -> Posture {
    let read: Vec<(PathBuf, Result<RepoSummary, String>)> =
        files.par_iter().map(|f| (f.clone(), read_one(f))).collect();
    let mut rejected = Vec::new();
    let mut duplicates = Vec::new();
    let mut repos: BTreeMap<String, RepoSummary> = BTreeMap::new();
    let mut reports_read = 0;
    for (path, r) in read {
        match r {
            Ok(s) => {
                reports_read += 1;
                if let Some(old) = repos.insert(s.repository.clone(), s) {
                    duplicates.push(format!("{} ({})", old.repository, old.source.display()));
                }
            }
            Err(reason) => rejected.push(Rejected {
                path: path.display().to_string(),
                reason,
            }),
        }
    }
    let mut p = Posture {
        version: POSTURE_VERSION.into(),
        tool: "bylaw".into(),
        bylaw_version: env!("CARGO_PKG_VERSION").into(),
        today: opts.today.clone(),
        expiring_days: opts.expiring_days,
        reports_read,
        rejected,
        duplicates,
        gate: Gate::default(),
        rules: Vec::new(),
        teams: Vec::new(),
        repositories: Vec::new(),
        governance: Governance::default(),
        trend: None,
    };
    let today = crate::config::load::days_from_civil(&opts.today).unwrap_or(0);
    let mut rules: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut teams: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let g = &mut p.gate;
    let gov = &mut p.governance;
    let mut overriding = BTreeSet::new();
    for r in repos.values() {
        g.repositories += 1;
        if r.passing {
            g.passing += 1;
        } else {
            g.failing += 1;
        }
        g.failing_findings += r.failing;
        for (s, n) in &r.failing_by_severity {
            *g.by_severity.entry(*s).or_default() += n;
        }
        for (c, n) in &r.failing_by_context {
            *g.by_context.entry(c.clone()).or_default() += n;
        }
        for (rule, n) in &r.failing_by_rule {
            let pack = rule.split('/').next().unwrap_or(rule);
            *g.by_pack.entry(pack.to_string()).or_default() += n;
            let e = rules.entry(rule).or_default();
            e.0 += 1;
            e.1 += n;
        }
        for (o, n) in &r.failing_by_owner {
            let e = teams.entry(o).or_default();
            e.0 += 1;
            e.1 += n;
        }
        for s in &r.suppressions {
            if s.origin == "waiver" {
                gov.waivers += 1;
            } else {
                gov.suppressions += 1;
            }
            for o in s.responsible() {
                *gov.by_owner.entry(o).or_default() += 1;
            }
            let Some(until) = s
                .until
                .as_deref()
                .and_then(crate::config::load::days_from_civil)
            else {
                continue;
            };
            let entry = || GovEntry {
                repository: r.repository.clone(),
                suppression: s.clone(),
            };
            if until < today {
                gov.expired.push(entry());
            } else if until - today <= opts.expiring_days {
                gov.expiring.push(entry());
            }
        }
        if !r.required_overrides.is_empty() {
            overriding.insert(&r.repository);
        }
        gov.required_overrides
            .extend(r.required_overrides.iter().cloned());
        gov.baselined += r.baselined;
        gov.suppressed_findings += r.suppressed;
    }
    gov.repositories_overriding_required = overriding.len();
    let by_date = |a: &GovEntry, b: &GovEntry| {
        (
            &a.suppression.until,
            &a.repository,
            &a.suppression.path,
            a.suppression.line,
        )
            .cmp(&(
                &b.suppression.until,
                &b.repository,
                &b.suppression.path,
                b.suppression.line,
            ))
    };
    gov.expiring.sort_by(by_date);
    gov.expired.sort_by(by_date);
    p.rules = rules
        .into_iter()
        .map(|(rule, (repos, findings))| {
            let meta = registry.get(rule).map(|r| r.meta());
            RuleRow {
                rule: rule.to_string(),
                title: meta.map(|m| m.title.clone()),
                severity: meta.map(|m| m.severity),
                repositories: repos,
                findings,
            }
        })
        .collect();
    p.rules.sort_by(|a, b| {
        (b.repositories, b.findings, &a.rule).cmp(&(a.repositories, a.findings, &b.rule))
    });
    p.teams = teams
        .into_iter()
        .map(|(owner, (repos, findings))| TeamRow {
            owner: owner.to_string(),
            findings,
            repositories: repos,
        })
        .collect();
    p.teams
        .sort_by(|a, b| (b.findings, &a.owner).cmp(&(a.findings, &b.owner)));
    p.repositories = repos.into_values().collect();
    p
}

/// Compare with an earlier summary (`--previous`): per repository and rule, the increase of
/// its failing count is new findings and the decrease fixed ones.
pub fn trend(now: &Posture, before: &Posture) -> Trend {
    let index = |p: &Posture| -> BTreeMap<String, BTreeMap<String, usize>> {
        p.repositories
            .iter()
            .map(|r| (r.repository.clone(), r.failing_by_rule.clone()))
            .collect()
    };
    let (a, b) = (index(before), index(now));
    let empty = BTreeMap::new();
    let mut t = Trend {
        previous_today: before.today.clone(),
        failing_before: before.gate.failing_findings,
        failing_now: now.gate.failing_findings,
        ..Trend::default()
    };
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let (was, is) = (a.get(name).unwrap_or(&empty), b.get(name).unwrap_or(&empty));
        match (a.contains_key(name), b.contains_key(name)) {
            (false, true) => t.repositories_added.push(name.clone()),
            (true, false) => t.repositories_removed.push(name.clone()),
            _ => {}
        }
        let mut row = TrendRow {
            name: name.clone(),
            ..TrendRow::default()
        };
        let rules: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
        for rule in rules {
            let (x, y) = (
                was.get(rule).copied().unwrap_or(0),
                is.get(rule).copied().unwrap_or(0),
            );
            let e = by_rule.entry(rule.clone()).or_default();
            if y > x {
                row.new += y - x;
                e.0 += y - x;
            } else {
                row.fixed += x - y;
                e.1 += x - y;
            }
        }
        t.new += row.new;
        t.fixed += row.fixed;
        if row.new + row.fixed > 0 {
            t.repositories.push(row);
        }
    }
    t.rules = by_rule
        .into_iter()
        .filter(|(_, (n, f))| n + f > 0)
        .map(|(name, (new, fixed))| TrendRow { name, new, fixed })
        .collect();
    let most =
        |x: &TrendRow, y: &TrendRow| (y.new + y.fixed, &x.name).cmp(&(x.new + x.fixed, &y.name));
    t.repositories.sort_by(most);
    t.rules.sort_by(most);
    t
}

/// Read an earlier JSON summary for `--previous`.
pub fn read_previous(path: &Path) -> Result<Posture, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let p: Posture = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}: not a `bylaw report --format json` summary: {e}",
            path.display()
        )
    })?;
    if p.version != POSTURE_VERSION {
        return Err(format!(
            "{}: summary shape version {} (this bylaw reads {POSTURE_VERSION})",
            path.display(),
            p.version
        ));
    }
    Ok(p)
}

/// The JSON summary.
pub fn to_json(p: &Posture) -> String {
    // Plain data with string keys: serialising cannot fail.
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}
