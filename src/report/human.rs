//! Human output through miette: file:line:col, the source with a label under the exact span, why
//! it matters and how to fix it; then per-file problems and a one-line summary.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Report, is_baselined};
use crate::document::Span;
use crate::finding::Finding;
use crate::project::context::Context;
use crate::rule::RuleMeta;
use crate::rule::registry::Registry;

pub struct HumanOptions {
    pub color: bool,
    pub verbose: bool,
    /// Include elapsed time in the summary (off in tests so output is byte-stable).
    pub timing: bool,
    /// Print findings in contexts that do not fail the run (tests, docs…) in full too.
    pub show_all: bool,
    /// `--quiet`: findings and errors only, no notes.
    pub quiet: bool,
}

/// Findings that do not fail the run are listed one line each, up to this many.
const COMPACT_LIMIT: usize = 20;

/// Widest snippet line shown, in characters: a longer line (minified code, one-line JSON) is cut
/// to this many around the finding, with `…` where text was left out.
pub const SNIPPET_WIDTH: usize = 160;

/// Render findings and problems (the summary is separate so it can go to stderr). Each rule's
/// help is printed once, under its first finding; how to suppress, once at the end.
pub fn render(report: &Report, registry: &Registry, opts: &HumanOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // No context lines, no blank header and no wrapping (the terminal wraps long lines, and a
    // message stays one line to grep): a finding is its message and the flagged line.
    let mut handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(0)
        .without_primary_span_start()
        .with_wrap_lines(false);
    if !opts.color {
        handler = handler.with_links(false);
    }
    let mut out = String::new();
    let mut compact = Vec::new();
    let mut helped: HashSet<&str> = HashSet::new();
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
        let mut diag =
            MietteDiagnostic::new(format!("[{}] {}: {}", f.severity, f.rule_id, f.message))
                .with_severity(f.severity.miette());
        // A blank line sets off each rule's first finding, which carries its help; the rule's
        // other findings follow without one.
        let first = helped.insert(f.rule_id.as_str());
        if first {
            diag = diag.with_help(rule_help(report, meta, f));
            if !out.is_empty() {
                out.push('\n');
            }
        }
        let loc = match f.start {
            Some(s) => format!("{}:{}:{}", f.path, s.line, s.col),
            None => f.path.clone(),
        };
        let source = report.sources.get(&f.path);
        match (f.span, source) {
            (Some(span), Some(src)) => {
                let mut spans = vec![span];
                spans.extend(
                    f.related
                        .iter()
                        .filter(|r| r.path == f.path)
                        .filter_map(|r| r.span),
                );
                // `snippet` returns one span per span given: `mapped[0]` is the finding's.
                let (text, mapped) = snippet(src, &spans);
                // The rule's title adds nothing under a message that already says it; a label
                // of the finding's own does.
                let label = f.label.clone().filter(|l| *l != f.message);
                diag = diag.with_label(LabeledSpan::new(label, mapped[0].start, mapped[0].len()));
                let related = f
                    .related
                    .iter()
                    .filter(|r| r.path == f.path && r.span.is_some());
                for (r, rs) in related.zip(&mapped[1..]) {
                    diag = diag.and_label(LabeledSpan::new(
                        Some(r.message.clone()),
                        rs.start,
                        rs.len(),
                    ));
                }
                // The name carries the location: miette would count columns in the cut line.
                let report_ =
                    miette::Report::new(diag).with_source_code(Snippet { name: loc, text });
                let mut one = String::new();
                let _ = handler.render_report(&mut one, report_.as_ref());
                for line in one.lines().filter(|l| !is_snippet_bottom(l)) {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            _ => {
                let help = diag
                    .help
                    .clone()
                    .map(|h| format!("{h}\n"))
                    .unwrap_or_default();
                let diag = diag.with_help(format!("{help}file: {loc}"));
                let _ = handler.render_report(&mut out, &diag);
            }
        }
    }
    if !helped.is_empty() && !opts.quiet {
        let _ = writeln!(
            out,
            "\nsuppress a finding with `# bylaw: ignore[<rule-id>] reason=\"…\"` on its line or the line above"
        );
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
            let loc = at(f.start);
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
        let loc = at(e.location);
        let _ = writeln!(
            out,
            "warning: {}{loc}: {} error: {}",
            e.path, e.kind, e.message
        );
    }
    if quiet > 0 && !opts.verbose && !opts.quiet {
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
fn context_counts(counts: &BTreeMap<Context, usize>) -> String {
    counts
        .iter()
        .map(|(c, n)| format!("{} {n}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rule's help, one line under its first finding: how to fix, where the rule is explained
/// (why it matters, how to suppress), and its documentation page when the rule names one.
fn rule_help(report: &Report, meta: Option<&RuleMeta>, f: &Finding) -> String {
    let mut help = report.help(f).unwrap_or_default().trim().to_string();
    if !help.is_empty() {
        help.push_str(" · ");
    }
    let _ = write!(help, "why: bylaw explain {}", f.rule_id);
    if let Some(url) = meta.and_then(RuleMeta::help_uri) {
        let _ = write!(help, " · docs: {url}");
    }
    help
}

/// Whether a rendered line is miette's closing `╰────` under a snippet (dropped: the next
/// finding's header or a blank line ends the snippet as well, in one line less per finding).
fn is_snippet_bottom(line: &str) -> bool {
    let t = line.trim_start();
    t.strip_prefix('╰')
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c == '─'))
}

/// A snippet's text as miette reads it: whole lines around each label, whatever context miette
/// asks for (the lines around are empty in [`snippet`]'s text; miette's own reader would start a
/// zero-context snippet at the span, losing the indentation), named with the finding's location.
struct Snippet {
    name: String,
    text: String,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let bytes = self.text.as_bytes();
        let line_start = bytes[..start]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line_end = bytes[end..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| end + i);
        let line = bytes[..line_start].iter().filter(|b| **b == b'\n').count();
        let lines = bytes[line_start..line_end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &bytes[line_start..line_end],
            (line_start, line_end - line_start).into(),
            line,
            0,
            lines,
        )))
    }
}

/// Where one line of the source went in a snippet: the part of `[start, end)` kept
/// (`[keep_start, keep_end)`), written at `at` after a marker of `marker` bytes.
struct LineMap {
    end: usize,
    keep_start: usize,
    keep_end: usize,
    at: usize,
    marker: usize,
}

/// The source as a snippet shows it, and `spans` moved into it: each span is shown on its first
/// line only (a block's first line says where it is; the header gives line and column), those
/// lines are kept (cut to [`SNIPPET_WIDTH`] characters around the first span on them when
/// longer), and every other line is left empty so line numbers stay right without copying a large
/// file per finding.
pub fn snippet(src: &str, spans: &[Span]) -> (String, Vec<Span>) {
    let spans: Vec<Span> = spans
        .iter()
        .map(|s| {
            let s = s.clamp_to(src);
            let first_line_end = src[s.start..s.end]
                .find(['\n', '\r'])
                .map_or(s.end, |i| s.start + i);
            Span::new(s.start, first_line_end)
        })
        .collect();
    // Only the lines from the first span to the last are looked at; the lines above become
    // empty ones, counted in one pass.
    let lo = spans.iter().map(|s| s.start).min().unwrap_or(0);
    let hi = spans.iter().map(|s| s.end).max().unwrap_or(0);
    let first = src[..lo].rfind('\n').map_or(0, |i| i + 1);
    let last = src[hi..].find('\n').map_or(src.len(), |i| hi + i + 1);
    let mut text = "\n".repeat(src[..first].matches('\n').count());
    let mut maps: Vec<LineMap> = Vec::new();
    let mut start = first;
    for raw in src[first..last].split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let end = start + body.len();
        let touched = spans.iter().any(|s| s.start <= end && s.end >= start);
        if touched {
            let anchor = spans
                .iter()
                .filter(|s| s.start >= start && s.start <= end)
                .map(|s| s.start - start)
                .min()
                .unwrap_or(0);
            let (keep_start, keep_end) = window(body, anchor);
            let before = if keep_start > 0 { "…" } else { "" };
            let after = if keep_end < body.len() { "…" } else { "" };
            maps.push(LineMap {
                end,
                keep_start: start + keep_start,
                keep_end: start + keep_end,
                at: text.len(),
                marker: before.len(),
            });
            text.push_str(before);
            text.push_str(&body[keep_start..keep_end]);
            text.push_str(after);
        }
        text.push_str(&raw[body.len()..]);
        start += raw.len();
    }
    let place = |o: usize| -> usize {
        match maps.iter().find(|m| o <= m.end) {
            Some(m) => m.at + m.marker + o.clamp(m.keep_start, m.keep_end) - m.keep_start,
            None => text.len(),
        }
    };
    let mapped = spans
        .iter()
        .map(|s| {
            let a = place(s.start);
            Span::new(a, place(s.end).max(a))
        })
        .collect();
    (text, mapped)
}

/// The byte range of `line` to show: all of it when it fits in [`SNIPPET_WIDTH`] characters,
/// else that many characters starting a little before `anchor`.
fn window(line: &str, anchor: usize) -> (usize, usize) {
    let chars = line.chars().count();
    if chars <= SNIPPET_WIDTH {
        return (0, line.len());
    }
    let mut anchor = anchor.min(line.len());
    while !line.is_char_boundary(anchor) {
        anchor -= 1;
    }
    let anchor_char = line[..anchor].chars().count();
    let first = anchor_char
        .saturating_sub(SNIPPET_WIDTH / 4)
        .min(chars - SNIPPET_WIDTH);
    let byte_at = |c: usize| line.char_indices().nth(c).map_or(line.len(), |(i, _)| i);
    (byte_at(first), byte_at(first + SNIPPET_WIDTH))
}

/// `--format concise`: one line per finding, `path:line:col: severity rule-id message`; per-file
/// problems the same way. Findings in contexts that do not fail the run are counted on one line
/// unless `--show-all`.
pub fn concise(report: &Report, opts: &HumanOptions) -> String {
    let mut out = String::new();
    let mut hidden = 0;
    for f in &report.findings {
        if f.suppression.is_some() || is_baselined(f) {
            continue;
        }
        if !f.context_fails() && !opts.show_all {
            hidden += 1;
            continue;
        }
        let loc = at(f.start);
        let _ = writeln!(
            out,
            "{}{loc}: {} {} {}",
            f.path,
            f.severity,
            f.rule_id,
            one_line(&f.message)
        );
    }
    for e in report.errors.iter().filter(|e| opts.verbose || !e.quiet) {
        let loc = at(e.location);
        let _ = writeln!(
            out,
            "{}{loc}: error {} {}",
            e.path,
            e.kind,
            one_line(&e.message)
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{hidden} more in files whose context does not fail the run ({}); --show-all lists them",
            context_counts(&report.not_failing_by_context())
        );
    }
    out
}

/// `:line:col`, or nothing for a finding or error without a position.
fn at(pos: Option<crate::document::LineCol>) -> String {
    pos.map(|p| format!(":{}:{}", p.line, p.col))
        .unwrap_or_default()
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `--statistics`: active findings per rule (most first), then per context.
pub fn statistics(report: &Report, registry: &Registry) -> String {
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_context: BTreeMap<Context, (usize, usize)> = BTreeMap::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && !is_baselined(f))
    {
        *per_rule.entry(&f.rule_id).or_insert(0) += 1;
        let c = per_context.entry(f.context).or_insert((0, 0));
        c.0 += 1;
        if report.fails(f) {
            c.1 += 1;
        }
    }
    let mut rows: Vec<(&str, usize)> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut table = vec![vec![
        "count".to_string(),
        "rule".into(),
        "severity".into(),
        "title".into(),
    ]];
    for (id, n) in rows {
        let meta = registry.get(id).map(|r| r.meta());
        table.push(vec![
            n.to_string(),
            id.to_string(),
            meta.map(|m| m.severity.to_string()).unwrap_or_default(),
            meta.map(|m| m.title.clone()).unwrap_or_default(),
        ]);
    }
    let mut out = aligned(&table, &[true, false, false, false]);
    out.push('\n');
    let mut table = vec![vec![
        "context".to_string(),
        "findings".into(),
        "failing".into(),
    ]];
    for (c, (n, failing)) in per_context {
        table.push(vec![
            c.as_str().to_string(),
            n.to_string(),
            failing.to_string(),
        ]);
    }
    out.push_str(&aligned(&table, &[false, true, true]));
    out
}

/// Rows as columns padded to their widest cell (right-aligned where `right`), two spaces apart;
/// the last column is not padded.
pub fn aligned(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i].saturating_sub(cell.chars().count());
            let last = i + 1 == r.len();
            if right.get(i).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if !last {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
    let mut table = vec![
        [
            "owner", "total", "critical", "high", "medium", "low", "info",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (owner, c) in rows {
        let total: usize = c.iter().sum();
        let mut row = vec![owner, total.to_string()];
        row.extend(c.iter().map(usize::to_string));
        table.push(row);
    }
    let mut right = vec![true; 7];
    right[0] = false;
    format!("\nfindings by owner:\n{}", aligned(&table, &right))
}

#[cfg(test)]
mod tests {
    use super::{SNIPPET_WIDTH, aligned, snippet};
    use crate::document::Span;

    #[test]
    fn snippets_keep_the_flagged_lines_and_their_numbers() {
        let src = "a: 1\nb: two\nc: 3\n";
        let (text, spans) = snippet(src, &[Span::new(8, 11)]);
        assert_eq!(text, "\nb: two\n");
        assert_eq!(&text[spans[0].start..spans[0].end], "two");
        // A span over several lines is shown on its first.
        let (text, spans) = snippet(src, &[Span::new(5, 16)]);
        assert_eq!(text, "\nb: two\n");
        assert_eq!(&text[spans[0].start..spans[0].end], "b: two");
        // Spans on several lines keep the lines between empty.
        let (text, spans2) = snippet(src, &[Span::new(0, 1), Span::new(15, 16)]);
        assert_eq!(text, "a: 1\n\nc: 3\n");
        assert_eq!(&text[spans2[1].start..spans2[1].end], "3");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}SECRET{}", "é".repeat(5000), "x".repeat(5000));
        let start = line.find("SECRET").unwrap();
        let (text, spans) = snippet(&line, &[Span::new(start, start + 6)]);
        assert!(text.starts_with('…') && text.ends_with('…'));
        assert_eq!(text.chars().count(), SNIPPET_WIDTH + 2);
        assert_eq!(&text[spans[0].start..spans[0].end], "SECRET");
        // Out-of-range spans are clamped, never a panic.
        let (_, spans) = snippet("ab", &[Span::new(1, 99)]);
        assert_eq!(spans[0], Span::new(1, 2));
    }

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["name".to_string(), "n".into()],
            vec!["a-long-name".to_string(), "12".into()],
        ];
        assert_eq!(
            aligned(&rows, &[false, true]),
            "name          n\na-long-name  12\n"
        );
    }
}
