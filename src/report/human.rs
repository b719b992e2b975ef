//! Human output through miette: file:line:col, the source with a label under the exact span, why
//! it matters and how to fix it; then per-file problems and a one-line summary.

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use super::{Report, is_baselined};
use crate::project::context::Context;
use crate::rule::registry::Registry;

pub struct HumanOptions {
    pub color: bool,
    pub verbose: bool,
    /// Include elapsed time in the summary (off in tests so output is byte-stable).
    pub timing: bool,
    /// Print findings in contexts that do not fail the run (tests, docs…) in full too.
    pub show_all: bool,
}

/// Findings that do not fail the run are listed one line each, up to this many.
const COMPACT_LIMIT: usize = 20;

/// Render findings and problems (the summary is separate so it can go to stderr).
pub fn render(report: &Report, registry: &Registry, opts: &HumanOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100);
    if !opts.color {
        handler = handler.with_links(false);
    }
    let mut out = String::new();
    let mut compact = Vec::new();
    for f in &report.findings {
        if f.suppression.is_some() || is_baselined(f) {
            continue;
        }
        // Findings in tests, examples and docs stay visible without burying the ones that fail.
        if !f.context_fails() && !opts.show_all {
            compact.push(f);
            continue;
        }
        let meta = registry.get(&f.rule_id).map(|r| r.meta());
        let mut help = String::new();
        if let Some(m) = meta {
            let why = first_sentence(&m.rationale);
            if !why.is_empty() {
                let _ = writeln!(help, "why: {why}");
            }
        }
        if let Some(h) = report.help(f) {
            let _ = write!(help, "fix: {h}");
        }
        if !f.rule_id.starts_with("bylaw/") {
            let _ = write!(
                help,
                "\nsuppress: # bylaw: ignore[{}] reason=\"…\"",
                f.rule_id
            );
        }
        let mut diag = MietteDiagnostic::new(format!("[{}] {}", f.severity, f.message))
            .with_code(f.rule_id.clone())
            .with_severity(f.severity.miette())
            .with_help(help.clone());
        if let Some(m) = meta {
            diag = diag.with_url(m.help_uri());
        }
        let source = report.sources.get(&f.path);
        match (f.span, source) {
            (Some(span), Some(src)) => {
                let label = f
                    .label
                    .clone()
                    .or_else(|| meta.map(|m| m.title.clone()))
                    .unwrap_or_else(|| "here".into());
                diag = diag.with_label(LabeledSpan::new(Some(label), span.start, span.len()));
                for r in &f.related {
                    if r.path == f.path
                        && let Some(rs) = r.span
                    {
                        diag = diag.and_label(LabeledSpan::new(
                            Some(r.message.clone()),
                            rs.start,
                            rs.len(),
                        ));
                    }
                }
                let report_ = miette::Report::new(diag).with_source_code(
                    NamedSource::new(f.path.clone(), src.to_string()).with_language("text"),
                );
                let _ = handler.render_report(&mut out, report_.as_ref());
            }
            _ => {
                let loc = match f.start {
                    Some(s) => format!("{}:{}:{}", f.path, s.line, s.col),
                    None => f.path.clone(),
                };
                let diag = diag.with_help(format!("{help}\nfile: {loc}"));
                let _ = handler.render_report(&mut out, &diag);
            }
        }
        out.push('\n');
    }
    if !compact.is_empty() {
        let _ = writeln!(
            out,
            "{} finding{} in files whose context does not fail the run ({}):",
            compact.len(),
            if compact.len() == 1 { "" } else { "s" },
            context_counts(&report.not_failing_by_context())
        );
        for f in compact.iter().take(COMPACT_LIMIT) {
            let loc = f
                .start
                .map(|s| format!(":{}:{}", s.line, s.col))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{loc}: {} {} {} [{}]",
                f.path,
                f.severity,
                f.rule_id,
                f.message,
                f.context.as_str()
            );
        }
        if compact.len() > COMPACT_LIMIT {
            let _ = writeln!(
                out,
                "  … and {} more (--show-all prints every finding in full)",
                compact.len() - COMPACT_LIMIT
            );
        }
        out.push('\n');
    }
    let quiet = report.errors.iter().filter(|e| e.quiet).count();
    for e in report.errors.iter().filter(|e| opts.verbose || !e.quiet) {
        let loc = e
            .location
            .map(|l| format!(":{}:{}", l.line, l.col))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "warning: {}{loc}: {} error: {}",
            e.path, e.kind, e.message
        );
    }
    if quiet > 0 && !opts.verbose {
        let _ = writeln!(
            out,
            "note: {quiet} file{} in contexts that do not fail the run could not be fully analysed (--verbose lists them)",
            if quiet == 1 { "" } else { "s" }
        );
    }
    if opts.verbose {
        for s in &report.skipped {
            let _ = writeln!(out, "skipped: {}: {}", s.path, s.reason);
        }
    }
    out
}

/// `found 3 issues (1 high, 2 low) · 120 files scanned, 2 skipped, 1 unreadable · 0.12s`
pub fn summary(report: &Report, opts: &HumanOptions) -> String {
    let counts = report.counts();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let suppressed = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .count();
    let baselined = report.findings.iter().filter(|f| is_baselined(f)).count();
    let mut s = if total == 0 {
        "no issues found".to_string()
    } else {
        format!(
            "found {total} issue{} ({})",
            if total == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    if suppressed > 0 {
        let _ = write!(s, ", {suppressed} suppressed");
    }
    if baselined > 0 {
        let _ = write!(s, ", {baselined} baselined");
    }
    let by_context = report.by_context();
    if by_context.keys().any(|c| *c != Context::Production) {
        let _ = write!(s, " · by context: {}", context_counts(&by_context));
    }
    let _ = write!(
        s,
        " · {} file{} scanned, {} skipped",
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" },
        report.skipped.len()
    );
    let skipped = report.skipped_by_context();
    if !skipped.is_empty() {
        let _ = write!(s, " ({})", context_counts(&skipped));
    }
    if !report.errors.is_empty() {
        let _ = write!(s, ", {} with problems", report.errors.len());
    }
    if opts.timing {
        let _ = write!(s, " · {:.2}s", report.elapsed.as_secs_f64());
    }
    let failing = report.failing().count();
    if failing > 0 && !report.exit_zero {
        let _ = write!(s, " · failing: {failing} at or above {}", report.fail_on);
    }
    s
}

/// `production 3, test 12`
fn context_counts(counts: &std::collections::BTreeMap<Context, usize>) -> String {
    counts
        .iter()
        .map(|(c, n)| format!("{} {n}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_sentence(s: &str) -> String {
    let s = s.replace('\n', " ");
    match s.find(". ") {
        Some(i) => s[..=i].trim().to_string(),
        None => s.trim().to_string(),
    }
}

/// `--group-by owner`: active findings per CODEOWNERS owner, most first.
pub fn by_owner(report: &Report) -> String {
    let mut counts: std::collections::BTreeMap<String, [usize; 5]> = Default::default();
    for f in report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && !is_baselined(f))
    {
        let owners = if f.owners.is_empty() {
            vec!["(no owner)".to_string()]
        } else {
            f.owners.clone()
        };
        for o in owners {
            counts.entry(o).or_default()[4 - f.severity as usize] += 1;
        }
    }
    let mut rows: Vec<(String, [usize; 5])> = counts.into_iter().collect();
    rows.sort_by(|a, b| {
        b.1.iter()
            .sum::<usize>()
            .cmp(&a.1.iter().sum::<usize>())
            .then(a.0.cmp(&b.0))
    });
    let mut s = String::from("\nfindings by owner:\n");
    for (owner, c) in rows {
        let total: usize = c.iter().sum();
        let _ = writeln!(
            s,
            "  {owner:<30} {total:>5}  (critical {}, high {}, medium {}, low {}, info {})",
            c[0], c[1], c[2], c[3], c[4]
        );
    }
    s
}
