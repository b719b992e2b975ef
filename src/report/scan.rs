//! Where a report comes from: the `scan` object of the JSON report (repository, commit, branch,
//! bylaw and policy versions), and the suppression and waiver entries it lists, so that
//! `bylaw report` can roll many repositories' reports up without rescanning them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Policy;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScanInfo {
    /// `--repository`, else the `origin` remote as `host/path` (no credentials), else the name
    /// of the scanned directory.
    pub repository: String,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub bylaw_version: &'static str,
    pub policy: PolicyInfo,
    /// UTC time of the scan, only with `--timestamp` (reports are otherwise reproducible).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The `version` key of the nearest policy file that sets one.
    pub version: Option<String>,
    /// `blake3:` and the first 16 hex digits of the digest of the policy files' contents, in
    /// load order (`extends` first); `None` without a policy file.
    pub digest: Option<String>,
}

/// One inline suppression or policy waiver, as the JSON report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressionEntry {
    /// `comment`, `annotation` or `waiver`.
    pub origin: String,
    /// The file holding it (for a waiver: the policy file), relative to the scan base.
    pub path: String,
    pub line: usize,
    pub rules: Vec<String>,
    /// The waiver's `owner`; inline suppressions have none.
    pub owner: Option<String>,
    /// CODEOWNERS owners of `path`.
    pub owners: Vec<String>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`.
    pub until: Option<String>,
}

/// The scan object for a scan of `base` under `policies` (one per policy group).
pub fn describe(
    base: &Path,
    policies: &[&Policy],
    repository: Option<&str>,
    timestamp: bool,
) -> ScanInfo {
    let facts = crate::git::facts(base);
    let repository = repository
        .map(str::to_string)
        .or_else(|| facts.as_ref().and_then(|f| f.origin.clone()))
        .or_else(|| {
            let dir = facts
                .as_ref()
                .map_or_else(|| canonical(base), |f| f.toplevel.clone());
            dir.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| ".".into());
    let (commit, branch) = facts.map_or((None, None), |f| (f.commit, f.branch));
    ScanInfo {
        repository,
        commit,
        branch,
        bylaw_version: env!("CARGO_PKG_VERSION"),
        policy: policy_info(policies),
        time: timestamp.then(now_utc),
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn policy_info(policies: &[&Policy]) -> PolicyInfo {
    let mut files: Vec<&PathBuf> = Vec::new();
    for p in policies {
        for f in &p.files {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let digest = (!files.is_empty()).then(|| {
        let mut h = blake3::Hasher::new();
        for f in files {
            // The policy was loaded from these files a moment ago; one that vanished since
            // hashes as empty.
            let bytes = std::fs::read(f).unwrap_or_default();
            // Length-prefixed, so moving text from one file to the next changes the digest.
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        format!("blake3:{}", &h.finalize().to_hex()[..16])
    });
    PolicyInfo {
        version: policies.iter().find_map(|p| p.version.clone()),
        digest,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = crate::config::load::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Every readable inline suppression of the report and every waiver of the policies, soonest
/// expiry first (entries without one last), then by place.
pub fn suppressions(
    report: &super::Report,
    policies: &[&Policy],
    owners: &mut crate::owners::Lookup,
) -> Vec<SuppressionEntry> {
    let mut out: Vec<SuppressionEntry> = report
        .directives
        .iter()
        .filter(|d| d.error.is_none())
        .map(|d| SuppressionEntry {
            origin: d.origin.to_string(),
            path: d.path.clone(),
            line: d.start.line,
            rules: d.rules.clone(),
            owner: None,
            owners: owners.owners(&d.path),
            reason: d.reason.clone(),
            ticket: None,
            until: d.until.clone(),
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for p in policies {
        for w in &p.waivers {
            if !seen.insert((w.file.clone(), w.line)) {
                continue;
            }
            out.push(SuppressionEntry {
                origin: "waiver".into(),
                path: w.file.clone(),
                line: w.line,
                rules: w.rule_names.clone(),
                owner: w.owner.clone(),
                owners: owners.owners(&w.file),
                reason: w.reason.clone(),
                ticket: w.ticket.clone(),
                until: w.until.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.until.is_none(), &a.until, &a.path, a.line, &a.rules).cmp(&(
            b.until.is_none(),
            &b.until,
            &b.path,
            b.line,
            &b.rules,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use crate::config::load::{civil_from_days, days_from_civil};

    #[test]
    fn dates_round_trip() {
        for d in [
            "1970-01-01",
            "2000-02-29",
            "2026-12-31",
            "2027-01-01",
            "1969-12-31",
        ] {
            let n = days_from_civil(d).unwrap();
            assert_eq!(civil_from_days(n), d);
        }
        assert_eq!(days_from_civil("1970-01-31"), Some(30));
        assert_eq!(days_from_civil("2026-13-01"), None);
    }
}
