//! JSON output, shape version `1` (documented in the README):
//! `{ "version", "tool", "summary", "findings": [...], "errors": [...], "skipped": [...] }`.
//! No timestamps or durations, so the same input gives the same bytes. Serialised from borrowed
//! structs rather than a `serde_json::Value` tree, so large reports do not double in memory.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{FileError, Report, Skipped, is_baselined};
use crate::document::{LineCol, Span};
use crate::finding::{BaselineState, Confidence, Related, Severity, Suppression};

pub const JSON_VERSION: &str = "1";

#[derive(Serialize)]
struct Doc<'a> {
    version: &'static str,
    tool: Tool,
    summary: Summary,
    findings: Findings<'a>,
    errors: &'a [FileError],
    skipped: &'a [Skipped],
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
}

/// Findings are converted one at a time while serialising.
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(report.findings.iter().map(|f| JsonFinding {
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
        }))
    }
}

fn snippet<'a>(report: &'a Report, path: &str, span: Option<Span>) -> Option<&'a str> {
    let src = report.sources.get(path)?;
    let s = span?.clamp_to(src);
    Some(&src[s.start..s.end])
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
        },
        findings: Findings(report),
        errors: &report.errors,
        skipped: &report.skipped,
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}
