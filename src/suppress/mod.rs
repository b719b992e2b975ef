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
                    format!(
                        "suppression names unknown rule `{r}`{}",
                        cx.registry.did_you_mean(r)
                    ),
                    &format!("unknown|{r}|{}", dkey(d)),
                ));
            }
        }
    }
    // Directives by file and line, so each finding looks only at those covering its line.
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in directives.iter().enumerate() {
        if d.error.is_none() {
            by_path.entry(d.path.as_str()).or_default().push(i);
        }
    }
    let coverage: HashMap<&str, Coverage> = by_path
        .into_iter()
        .map(|(path, members)| (path, Coverage::new(directives, &members)))
        .collect();
    let mut candidates = Vec::new();
    for f in findings.iter_mut() {
        if f.rule_id.starts_with("bylaw/") || f.suppression.is_some() {
            continue;
        }
        let Some(cover) = coverage.get(f.path.as_str()) else {
            continue;
        };
        let line = f.start.map_or(0, |s| s.line);
        cover.covering(line, &mut candidates);
        if candidates.is_empty() {
            continue;
        }
        let required = cx
            .registry
            .get(&f.rule_id)
            .is_some_and(|r| cx.policy.is_required(r.meta()));
        for &i in &candidates {
            let d = &directives[i];
            if !d.rules.contains(&f.rule_id) {
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

/// The directives of one file by the lines they cover: a segment tree over the lines where some
/// directive starts or stops covering, so a finding meets only the directives covering its line,
/// however many the file holds.
struct Coverage {
    /// Lines where coverage changes, ascending: leaf `k` stands for `bounds[k]..bounds[k + 1]`.
    bounds: Vec<usize>,
    /// Node `p` (leaves at `bounds.len()..`) holds the directives covering all of its lines.
    nodes: Vec<Vec<usize>>,
    /// Annotations also cover findings without a line (about their object's file as a whole).
    annotations: Vec<usize>,
}

impl Coverage {
    fn new(directives: &[Directive], members: &[usize]) -> Coverage {
        let mut bounds: Vec<usize> = members
            .iter()
            .flat_map(|&i| {
                let d = &directives[i];
                [d.first_line, d.last_line.saturating_add(1)]
            })
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let n = bounds.len();
        let mut nodes = vec![Vec::new(); 2 * n];
        let at = |line: usize| n + bounds.partition_point(|&b| b < line);
        for &i in members {
            let d = &directives[i];
            // Lines first..=last as leaves [l, r); an empty range adds nothing.
            let (mut l, mut r) = (at(d.first_line), at(d.last_line.saturating_add(1)));
            while l < r {
                if l & 1 == 1 {
                    nodes[l].push(i);
                    l += 1;
                }
                if r & 1 == 1 {
                    r -= 1;
                    nodes[r].push(i);
                }
                l >>= 1;
                r >>= 1;
            }
        }
        let annotations = members
            .iter()
            .copied()
            .filter(|&i| directives[i].origin == "annotation")
            .collect();
        Coverage {
            bounds,
            nodes,
            annotations,
        }
    }

    /// The directives covering `line` (0: a finding without one), in directive order.
    fn covering(&self, line: usize, out: &mut Vec<usize>) {
        out.clear();
        let n = self.bounds.len();
        let k = self.bounds.partition_point(|&b| b <= line);
        if k > 0 {
            let mut p = n + k - 1;
            while p >= 1 {
                out.extend_from_slice(&self.nodes[p]);
                p >>= 1;
            }
        }
        if line == 0 {
            out.extend_from_slice(&self.annotations);
        }
        out.sort_unstable();
        out.dedup();
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn directive(first_line: usize, last_line: usize, annotation: bool) -> Directive {
        Directive {
            path: "a.yaml".into(),
            span: Span::new(0, 0),
            start: LineCol { line: 1, col: 1 },
            rules: vec!["k8s/x".into()],
            until: None,
            reason: None,
            first_line,
            last_line,
            origin: if annotation { "annotation" } else { "comment" },
            error: None,
        }
    }

    proptest! {
        /// The index gives what testing every directive of the file gives.
        #[test]
        fn coverage_is_the_directives_covering_the_line(
            ranges in proptest::collection::vec((0usize..40, 0usize..12, any::<bool>()), 0..30),
        ) {
            let directives: Vec<Directive> = ranges
                .iter()
                .map(|&(first, len, ann)| directive(first, (first + len).saturating_sub(2), ann))
                .collect();
            let members: Vec<usize> = (0..directives.len()).collect();
            let cover = Coverage::new(&directives, &members);
            let mut got = Vec::new();
            for line in 0..60 {
                cover.covering(line, &mut got);
                let want: Vec<usize> = directives
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| {
                        (line >= d.first_line && line <= d.last_line)
                            || (line == 0 && d.origin == "annotation")
                    })
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(&got, &want, "line {}", line);
            }
        }
    }
}
