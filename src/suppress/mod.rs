//! Suppression: inline directives, policy waivers and baselines decide which findings count.
//! Nothing is dropped: a suppressed finding stays in the report with its justification, and
//! directives that are expired, unused, malformed, missing a required reason, or aimed at a
//! required rule become findings themselves (`bylaw/*` rules).

pub mod baseline;
pub mod inline;

use std::collections::{BTreeSet, HashMap};

use crate::config::Policy;
use crate::document::{LineCol, Span};
use crate::finding::{Finding, Suppression};
use crate::rule::registry::Registry;
pub use inline::Directive;

pub const EXPIRED: &str = "bylaw/expired-suppression";
pub const UNUSED: &str = "bylaw/unused-suppression";
pub const INVALID: &str = "bylaw/invalid-suppression";
pub const MISSING_REASON: &str = "bylaw/missing-suppression-reason";
pub const REQUIRED: &str = "bylaw/suppression-of-required-rule";
pub const REQUIRED_OVERRIDE: &str = "bylaw/required-rule-override";

/// What suppression needs to know about the scan.
pub struct SuppressContext<'a> {
    pub policy: &'a Policy,
    pub registry: &'a Registry,
    /// `YYYY-MM-DD`.
    pub today: String,
    /// Ids of the rules that ran; an unused directive is only reported for those.
    pub active: &'a BTreeSet<String>,
    /// Only some files were checked: a waiver that matched nothing may match a file outside
    /// them, so it is not reported unused.
    pub partial: bool,
    /// The roots fingerprints are relative to.
    pub roots: &'a crate::project::roots::Roots,
}

impl SuppressContext<'_> {
    fn meta_finding(
        &self,
        rule: &str,
        path: &str,
        span: Option<Span>,
        start: Option<LineCol>,
        message: String,
        key: &str,
    ) -> Option<Finding> {
        if !self.active.contains(rule) {
            return None;
        }
        let meta = self.registry.get(rule)?.meta();
        let mut f = Finding::new(rule, self.policy.severity_for(meta, path), path, message);
        f.span = span;
        f.start = start;
        f.end = start;
        f.fingerprint = crate::engine::fingerprint(rule, &self.roots.stable_path(path), key);
        Some(f)
    }
}

/// Apply directives and waivers to `findings`; returns the meta findings to add.
pub fn apply(
    findings: &mut [Box<Finding>],
    directives: &[Directive],
    cx: &SuppressContext,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    for v in &cx.policy.violations {
        let start = LineCol {
            line: v.line,
            col: 1,
        };
        extra.extend(cx.meta_finding(
            REQUIRED_OVERRIDE,
            &v.file,
            None,
            Some(start),
            v.message.clone(),
            &v.message,
        ));
    }
    if cx.policy.no_ignores {
        return extra;
    }
    let mut used = vec![false; directives.len()];
    let mut reported: BTreeSet<(usize, &'static str, String)> = BTreeSet::new();
    let dkey = |d: &Directive| {
        format!(
            "{}|{}",
            d.rules.join(","),
            d.reason.clone().unwrap_or_default()
        )
    };
    for (i, d) in directives.iter().enumerate() {
        if let Some(e) = &d.error {
            extra.extend(cx.meta_finding(
                INVALID,
                &d.path,
                Some(d.span),
                Some(d.start),
                format!("unreadable suppression: {e}"),
                &format!("invalid|{e}"),
            ));
            used[i] = true;
            continue;
        }
        for r in &d.rules {
            if cx.registry.get(r).is_none() {
                extra.extend(cx.meta_finding(
                    UNUSED,
                    &d.path,
                    Some(d.span),
                    Some(d.start),
                    format!("suppression names unknown rule `{r}`"),
                    &format!("unknown|{r}|{}", dkey(d)),
                ));
            }
        }
    }
    // Directives by file, so each finding looks only at its own file's.
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in directives.iter().enumerate() {
        if d.error.is_none() {
            by_path.entry(d.path.as_str()).or_default().push(i);
        }
    }
    for f in findings.iter_mut() {
        if f.rule_id.starts_with("bylaw/") || f.suppression.is_some() {
            continue;
        }
        let Some(candidates) = by_path.get(f.path.as_str()) else {
            continue;
        };
        let line = f.start.map_or(0, |s| s.line);
        let required = cx
            .registry
            .get(&f.rule_id)
            .is_some_and(|r| cx.policy.is_required(r.meta()));
        for &i in candidates {
            let d = &directives[i];
            if !d.rules.contains(&f.rule_id) {
                continue;
            }
            let covers = line >= d.first_line && line <= d.last_line;
            let whole_file = line == 0 && d.origin == "annotation";
            if !covers && !whole_file {
                continue;
            }
            used[i] = true;
            if required {
                if reported.insert((i, REQUIRED, f.rule_id.clone())) {
                    extra.extend(cx.meta_finding(REQUIRED, &d.path, Some(d.span), Some(d.start),
                        format!("{} is required by policy and cannot be suppressed; the finding stays active", f.rule_id),
                        &format!("required|{}|{}", f.rule_id, dkey(d))));
                }
                continue;
            }
            if let Some(until) = &d.until
                && *until < cx.today
            {
                if reported.insert((i, EXPIRED, String::new())) {
                    extra.extend(cx.meta_finding(
                        EXPIRED,
                        &d.path,
                        Some(d.span),
                        Some(d.start),
                        format!(
                            "suppression of {} expired on {until}; it no longer applies",
                            d.rules.join(", ")
                        ),
                        &format!("expired|{}|{until}", dkey(d)),
                    ));
                }
                continue;
            }
            if cx.policy.require_reason && d.reason.is_none() {
                if reported.insert((i, MISSING_REASON, String::new())) {
                    extra.extend(cx.meta_finding(MISSING_REASON, &d.path, Some(d.span), Some(d.start),
                        "policy requires a reason: add reason=\"…\" to this suppression; it does not apply without one".into(),
                        &format!("reason|{}", dkey(d))));
                }
                continue;
            }
            f.suppression = Some(Box::new(Suppression {
                kind: "inSource".into(),
                justification: d.reason.clone(),
                owner: None,
                until: d.until.clone(),
            }));
            break;
        }
    }
    for (i, d) in directives.iter().enumerate() {
        if used[i] || d.error.is_some() {
            continue;
        }
        let known_active: Vec<&String> =
            d.rules.iter().filter(|r| cx.active.contains(*r)).collect();
        if known_active.is_empty() {
            continue;
        }
        extra.extend(cx.meta_finding(
            UNUSED,
            &d.path,
            Some(d.span),
            Some(d.start),
            format!(
                "suppression of {} matches no finding; remove it",
                d.rules.join(", ")
            ),
            &format!("unused|{}", dkey(d)),
        ));
    }
    extra.extend(apply_waivers(findings, cx));
    extra
}

fn apply_waivers(findings: &mut [Box<Finding>], cx: &SuppressContext) -> Vec<Finding> {
    let mut extra = Vec::new();
    let policy = cx.policy;
    if policy.waivers.is_empty() {
        return extra;
    }
    let mut used = vec![false; policy.waivers.len()];
    let mut expired_reported = vec![false; policy.waivers.len()];
    for f in findings.iter_mut() {
        if f.suppression.is_some() || f.rule_id.starts_with("bylaw/") {
            continue;
        }
        let Some(meta) = cx.registry.get(&f.rule_id).map(|r| r.meta()) else {
            continue;
        };
        if policy.is_required(meta) {
            continue;
        }
        let scoped = policy.scoped(&f.path);
        for (i, w) in policy.waivers.iter().enumerate() {
            if !w.rules.iter().any(|s| s.matches(meta))
                || !w.paths.as_ref().is_none_or(|g| g.is_match(scoped.as_ref()))
            {
                continue;
            }
            used[i] = true;
            if let Some(until) = &w.until
                && *until < cx.today
            {
                if !expired_reported[i] {
                    expired_reported[i] = true;
                    extra.extend(cx.meta_finding(
                        EXPIRED,
                        &w.file,
                        None,
                        Some(LineCol {
                            line: w.line,
                            col: 1,
                        }),
                        format!(
                            "waiver for {} expired on {until}; it no longer applies",
                            w.rule_names.join(", ")
                        ),
                        &format!("waiver-expired|{}|{until}", w.rule_names.join(",")),
                    ));
                }
                continue;
            }
            if policy.require_reason && w.reason.is_none() {
                continue;
            }
            let justification = match (&w.reason, &w.ticket) {
                (Some(r), Some(t)) => Some(format!("{r} ({t})")),
                (Some(r), None) => Some(r.clone()),
                (None, Some(t)) => Some(t.clone()),
                (None, None) => None,
            };
            f.suppression = Some(Box::new(Suppression {
                kind: "external".into(),
                justification,
                owner: w.owner.clone(),
                until: w.until.clone(),
            }));
            break;
        }
    }
    for (i, w) in policy.waivers.iter().enumerate() {
        let active = cx
            .registry
            .metas()
            .any(|m| cx.active.contains(&m.id) && w.rules.iter().any(|s| s.matches(m)));
        if !used[i] && active && !cx.partial {
            extra.extend(cx.meta_finding(
                UNUSED,
                &w.file,
                None,
                Some(LineCol {
                    line: w.line,
                    col: 1,
                }),
                format!(
                    "waiver for {} matches no finding; remove it",
                    w.rule_names.join(", ")
                ),
                &format!(
                    "waiver-unused|{}|{}",
                    w.rule_names.join(","),
                    w.path_globs.join(",")
                ),
            ));
        }
        if policy.require_reason && w.reason.is_none() {
            extra.extend(cx.meta_finding(MISSING_REASON, &w.file, None, Some(LineCol { line: w.line, col: 1 }),
                "policy requires a reason: add `reason = \"…\"` to this waiver; it does not apply without one".into(),
                &format!("waiver-reason|{}", w.rule_names.join(","))));
        }
    }
    extra
}
