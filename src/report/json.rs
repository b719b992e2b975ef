//! JSON output, shape version `1` (documented in the README):
//! `{ "version", "tool", "scan", "summary", "findings": [...], "errors": [...], "skipped": [...],
//! "suppressions": [...] }` (`scan` and `suppressions` when the report has them).
//! No timestamps or durations, so the same input gives the same bytes. Serialised from borrowed
//! structs rather than a `serde_json::Value` tree, so large reports do not double in memory.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::{FileError, Report, Skipped, is_baselined};
use crate::document::{LineCol, Span};
use crate::finding::{BaselineState, Confidence, Related, Severity, Suppression};
use crate::project::context::Context;

pub const JSON_VERSION: &str = "1";

#[derive(Serialize)]
struct Doc<'a> {
    version: &'static str,
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<&'a super::scan::ScanInfo>,
    summary: Summary,
    /// Always empty here: `write` splices the findings in.
    findings: &'a [JsonFinding<'a>],
    errors: &'a [FileError],
    skipped: &'a [Skipped],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<&'a [super::scan::SuppressionEntry]>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    counts: BTreeMap<&'static str, usize>,
    files_scanned: usize,
    files_skipped: usize,
    files_with_errors: usize,
    suppressed: usize,
    baselined: usize,
    fail_on: Severity,
    failing: usize,
    /// Active findings per context.
    by_context: BTreeMap<&'static str, usize>,
    /// Active findings that do not fail the run because of their context, per context.
    not_failing_by_context: BTreeMap<&'static str, usize>,
    /// Files not scanned because their context is skipped, per context.
    skipped_by_context: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    confidence: Confidence,
    message: &'a str,
    path: &'a str,
    start: Option<LineCol>,
    end: Option<LineCol>,
    span: Option<JsonSpan>,
    snippet: Option<&'a str>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    related: &'a [Related],
    fingerprint: &'a str,
    suppression: Option<&'a Suppression>,
    baseline: Option<BaselineState>,
    owners: &'a [String],
    context: Context,
    fails: bool,
    /// The fix bylaw can apply (`--fix`), with its edits' byte spans and line/columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a crate::fix::Fix>,
}

/// Findings per batch rendered in parallel and written before the next: large reports are
/// never held as one buffer (240,000 findings at 100,000 files would be ~180 MB of JSON).
const BATCH: usize = 4096;
/// Findings per parallel piece of a batch.
const PIECE: usize = 256;

fn json_finding<'a>(report: &'a Report, f: &'a crate::finding::Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule_id,
        severity: f.severity,
        confidence: f.confidence,
        message: &f.message,
        path: &f.path,
        start: f.start,
        end: f.end,
        span: f.span.map(|s| JsonSpan {
            start: s.start,
            end: s.end,
        }),
        snippet: snippet(report, &f.path, f.span),
        label: f.label.as_deref(),
        help: report.help(f),
        related: &f.related,
        fingerprint: &f.fingerprint,
        suppression: f.suppression.as_deref(),
        baseline: f.baseline,
        owners: &f.owners,
        context: f.context,
        fails: report.fails(f),
        fix: f.fix.as_deref(),
    }
}

/// The findings from `first` on, each as the pretty printer would write it as an element of the
/// top-level `findings` array: `,` between elements, a newline and four spaces before each, and
/// its own lines indented by four more spaces (JSON strings hold no raw newlines, so every
/// newline byte is the printer's).
fn render_findings(
    report: &Report,
    first: usize,
    findings: &[Box<crate::finding::Finding>],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(findings.len() * 800);
    let mut one = Vec::with_capacity(1024);
    for (n, f) in findings.iter().enumerate() {
        if first + n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\n    ");
        one.clear();
        // Writing to a Vec cannot fail, and these structs always serialise.
        let _ = serde_json::to_writer_pretty(&mut one, &json_finding(report, f));
        for &b in &one {
            out.push(b);
            if b == b'\n' {
                out.extend_from_slice(b"    ");
            }
        }
    }
    out
}

fn snippet<'a>(report: &'a Report, path: &str, span: Option<Span>) -> Option<&'a str> {
    let src = report.sources.get(path)?;
    let s = span?.clamp_to(src);
    Some(&src[s.start..s.end])
}

fn named(counts: BTreeMap<Context, usize>) -> BTreeMap<&'static str, usize> {
    counts.into_iter().map(|(c, n)| (c.as_str(), n)).collect()
}

/// Write the JSON report to `w`, streaming the findings.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Severity order (critical first), as the README documents.
    let mut counts = BTreeMap::new();
    for (s, n) in report.counts() {
        counts.insert(s.as_str(), n);
    }
    let doc = Doc {
        version: JSON_VERSION,
        tool: Tool {
            name: "bylaw",
            version: env!("CARGO_PKG_VERSION"),
        },
        scan: report.scan.as_ref(),
        summary: Summary {
            counts,
            files_scanned: report.files_scanned,
            files_skipped: report.skipped.len(),
            files_with_errors: report.errors.len(),
            suppressed: report
                .findings
                .iter()
                .filter(|f| f.suppression.is_some())
                .count(),
            baselined: report.findings.iter().filter(|f| is_baselined(f)).count(),
            fail_on: report.fail_on,
            failing: report.failing().count(),
            by_context: named(report.by_context()),
            not_failing_by_context: named(report.not_failing_by_context()),
            skipped_by_context: named(report.skipped_by_context()),
        },
        findings: &[],
        errors: &report.errors,
        skipped: &report.skipped,
        suppressions: report.suppressions.as_deref(),
    };
    // Everything but the findings is printed as usual with an empty list, and the findings are
    // spliced in where it stands, rendered in parallel: the same bytes as one pretty print.
    let mut head = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    head.push(b'\n');
    const EMPTY: &[u8] = b"\n  \"findings\": []";
    // What comes before it holds numbers, fixed words and JSON strings (which hold no raw
    // newline), so this is the findings key.
    let at = head
        .windows(EMPTY.len())
        .position(|win| win == EMPTY)
        .ok_or_else(|| std::io::Error::other("JSON report without a findings list"))?;
    let open = at + EMPTY.len() - 1;
    w.write_all(&head[..open])?;
    for (b, batch) in report.findings.chunks(BATCH).enumerate() {
        let pieces: Vec<Vec<u8>> = batch
            .par_chunks(PIECE)
            .enumerate()
            .map(|(p, piece)| render_findings(report, b * BATCH + p * PIECE, piece))
            .collect();
        for piece in pieces {
            w.write_all(&piece)?;
        }
    }
    if !report.findings.is_empty() {
        w.write_all(b"\n  ")?;
    }
    w.write_all(&head[open..])
}
