//! Synthetic repositories' JSON reports for `bylaw report`, written through bylaw's own JSON
//! reporter (so they have the real shape), together with the figures the roll-up must find:
//! the test oracle. Shared by tests/posture.rs and benches/posture.rs.

#![allow(dead_code)] // the bench uses only part of it

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bylaw::finding::{BaselineState, Finding, Severity, Suppression};
use bylaw::project::context::{Context, Mode};
use bylaw::report::Report;
use bylaw::report::scan::{PolicyInfo, ScanInfo, SuppressionEntry};

pub const TODAY: &str = "2026-12-06";
/// Rules findings are drawn from; the last is not a rule bylaw knows (an organisation's pack).
pub const RULES: [&str; 6] = [
    "k8s/privileged-container",
    "docker/root-user",
    "secrets/aws-access-key-id",
    "terraform/aws-cloudtrail-logging-disabled",
    "gha/unpinned-action",
    "acme/team-label",
];
pub const TEAMS: [&str; 3] = ["@acme/platform", "@acme/web", "@acme/data"];
pub const UNOWNED: &str = "(no owner)";

/// What the roll-up of the generated reports must say.
#[derive(Debug, Default)]
pub struct Expected {
    pub repositories: usize,
    pub passing: usize,
    pub failing_findings: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub by_pack: BTreeMap<String, usize>,
    pub by_context: BTreeMap<&'static str, usize>,
    /// rule → (repositories failing, failing findings).
    pub rules: BTreeMap<String, (usize, usize)>,
    /// owner → (failing findings, repositories).
    pub teams: BTreeMap<String, (usize, usize)>,
    /// repository → failing findings.
    pub repo_failing: BTreeMap<String, usize>,
    /// repository → rule → failing findings (for the trend).
    pub repo_rules: BTreeMap<String, BTreeMap<String, usize>>,
    pub inline: usize,
    pub waivers: usize,
    pub gov_by_owner: BTreeMap<String, usize>,
    pub expiring: usize,
    pub expired: usize,
    pub overriding_repos: usize,
    pub baselined: usize,
    pub suppressed: usize,
}

/// xorshift64*: reproducible without a dependency.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn day_offset(today: &str, days: i64) -> String {
    let d = bylaw::config::load::days_from_civil(today).expect("a date");
    bylaw::config::load::civil_from_days(d + days)
}

/// Write `repos` reports into `dir` (`repo-NNNN.json`); `per_repo` is the most findings a
/// repository has (every seventh has none), or with `exact` the number every one has. Returns
/// what the roll-up must find.
pub fn generate(dir: &Path, repos: usize, per_repo: usize, exact: bool, seed: u64) -> Expected {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut rng = Rng::new(seed);
    let mut e = Expected::default();
    for i in 0..repos {
        let name = format!("github.com/acme/repo-{i:04}");
        let mut report = Report {
            fail_on: Severity::Low,
            files_scanned: 40 + i,
            ..Report::default()
        };
        let n = if exact {
            per_repo
        } else if i % 7 == 0 {
            0
        } else {
            1 + rng.below(per_repo as u64) as usize
        };
        let mut findings = Vec::with_capacity(n + 1);
        for k in 0..n {
            let rule = RULES[rng.below(RULES.len() as u64) as usize];
            let severity = Severity::ALL[rng.below(5) as usize];
            let mut f = Finding::new(
                rule,
                severity,
                &format!("src/f{}.yaml", k % 50),
                format!("finding {k} of {rule}"),
            );
            f.start = Some(bylaw::document::LineCol {
                line: k + 1,
                col: 1,
            });
            f.fingerprint = format!("{i}-{k}");
            if rng.below(5) == 0 {
                f.context = Context::Test;
                f.context_mode = Mode::Report;
            }
            f.owners = match rng.below(8) {
                0 | 1 => Vec::new(),
                2 => vec![TEAMS[0].into(), TEAMS[1].into()],
                x => vec![TEAMS[x as usize % 3].into()],
            };
            match rng.below(10) {
                0 => {
                    f.suppression = Some(Box::new(Suppression {
                        kind: "inSource".into(),
                        justification: Some("reviewed".into()),
                        owner: None,
                        until: None,
                    }))
                }
                1 => f.baseline = Some(BaselineState::Unchanged),
                2 => f.baseline = Some(BaselineState::New),
                _ => {}
            }
            findings.push(f);
        }
        if i % 11 == 3 {
            let mut f = Finding::new(
                "bylaw/required-rule-override",
                Severity::High,
                "bylaw.toml",
                "`ignore` names required rule secrets/aws-access-key-id".into(),
            );
            f.start = Some(bylaw::document::LineCol { line: 4, col: 1 });
            f.owners = vec![TEAMS[0].into()];
            findings.push(f);
            e.overriding_repos += 1;
        }
        // The expected figures, from the same findings.
        let mut failing = 0;
        let mut owners_here: BTreeSet<String> = BTreeSet::new();
        let mut rules_here: BTreeMap<String, usize> = BTreeMap::new();
        for f in &findings {
            if f.suppression.is_some() {
                e.suppressed += 1;
            } else if f.baseline == Some(BaselineState::Unchanged) {
                e.baselined += 1;
            }
            let fails = f.suppression.is_none()
                && f.baseline != Some(BaselineState::Unchanged)
                && f.severity >= Severity::Low
                && f.context_mode == Mode::Fail;
            if !fails {
                continue;
            }
            failing += 1;
            *e.by_severity.entry(f.severity.as_str()).or_default() += 1;
            *e.by_context.entry(f.context.as_str()).or_default() += 1;
            let pack = f.rule_id.split('/').next().unwrap().to_string();
            *e.by_pack.entry(pack).or_default() += 1;
            *rules_here.entry(f.rule_id.clone()).or_default() += 1;
            let owners = if f.owners.is_empty() {
                vec![UNOWNED.to_string()]
            } else {
                f.owners.clone()
            };
            for o in owners {
                e.teams.entry(o.clone()).or_default().0 += 1;
                owners_here.insert(o);
            }
        }
        for o in owners_here {
            e.teams.entry(o).or_default().1 += 1;
        }
        for (r, c) in &rules_here {
            let x = e.rules.entry(r.clone()).or_default();
            x.0 += 1;
            x.1 += c;
        }
        e.repositories += 1;
        e.failing_findings += failing;
        if failing == 0 {
            e.passing += 1;
        }
        e.repo_failing.insert(name.clone(), failing);
        e.repo_rules.insert(name.clone(), rules_here);

        // Suppressions and waivers: expired, expiring (the 30th day included), later, none.
        let mut entries = Vec::new();
        for s in 0..rng.below(5) {
            let waiver = s % 2 == 1;
            let (until, kind) = match rng.below(6) {
                0 => (Some(day_offset(TODAY, -10)), 1),
                1 => (Some(day_offset(TODAY, 0)), 2),
                2 => (Some(day_offset(TODAY, 30)), 2),
                3 => (Some(day_offset(TODAY, 31)), 0),
                4 => (Some(day_offset(TODAY, 200)), 0),
                _ => (None, 0),
            };
            match kind {
                1 => e.expired += 1,
                2 => e.expiring += 1,
                _ => {}
            }
            let owner = waiver.then(|| "@acme/security".to_string());
            let owners: Vec<String> = match rng.below(3) {
                0 => Vec::new(),
                x => vec![TEAMS[x as usize].into()],
            };
            let responsible = match (&owner, owners.is_empty()) {
                (Some(o), _) => vec![o.clone()],
                (None, true) => vec![UNOWNED.to_string()],
                (None, false) => owners.clone(),
            };
            for o in responsible {
                *e.gov_by_owner.entry(o).or_default() += 1;
            }
            if waiver {
                e.waivers += 1;
            } else {
                e.inline += 1;
            }
            entries.push(SuppressionEntry {
                origin: if waiver { "waiver" } else { "comment" }.into(),
                path: if waiver {
                    "bylaw.toml".into()
                } else {
                    format!("src/f{s}.yaml")
                },
                line: 3 + s as usize,
                rules: vec![RULES[s as usize % RULES.len()].into()],
                owner,
                owners,
                reason: Some("<b>reviewed</b> | ok".into()),
                ticket: None,
                until,
            });
        }
        report.findings = findings.into_iter().map(Box::new).collect();
        report.finalize();
        report.suppressions = Some(entries);
        report.scan = Some(ScanInfo {
            repository: name,
            commit: Some(format!(
                "{:016x}{:016x}{:08x}",
                rng.next(),
                rng.next(),
                rng.next() >> 32
            )),
            branch: Some("main".into()),
            bylaw_version: env!("CARGO_PKG_VERSION"),
            policy: PolicyInfo {
                version: Some("2026.12".into()),
                digest: Some("blake3:0123456789abcdef".into()),
            },
            time: None,
        });
        let file = std::fs::File::create(dir.join(format!("repo-{i:04}.json"))).expect("create");
        let mut w = std::io::BufWriter::new(file);
        bylaw::report::json::write(&report, &mut w).expect("write");
    }
    e
}
