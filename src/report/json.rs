//! JSON output, shape version `1` (documented in the README):
//! `{ "version", "tool", "summary", "findings": [...], "errors": [...], "skipped": [...] }`.
//! No timestamps or durations, so the same input gives the same bytes.

use serde_json::{Value, json};

use super::{Report, is_baselined};

pub const JSON_VERSION: &str = "1";

pub fn render(report: &Report) -> String {
    let counts: serde_json::Map<String, Value> = report
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule_id,
                "severity": f.severity,
                "confidence": f.confidence,
                "message": f.message,
                "path": f.path,
                "start": f.start,
                "end": f.end,
                "span": f.span.map(|s| json!({"start": s.start, "end": s.end})),
                "snippet": f.span.and_then(|s| report.sources.get(&f.path).map(|src| {
                    let s = s.clamp_to(src);
                    src[s.start..s.end].to_string()
                })),
                "label": f.label,
                "help": f.help,
                "related": f.related,
                "fingerprint": f.fingerprint,
                "suppression": f.suppression,
                "baseline": f.baseline,
                "owners": f.owners,
            })
        })
        .collect();
    let doc = json!({
        "version": JSON_VERSION,
        "tool": {"name": "bylaw", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "counts": counts,
            "files_scanned": report.files_scanned,
            "files_skipped": report.skipped.len(),
            "files_with_errors": report.errors.len(),
            "suppressed": report.findings.iter().filter(|f| f.suppression.is_some()).count(),
            "baselined": report.findings.iter().filter(|f| is_baselined(f)).count(),
            "fail_on": report.fail_on,
            "failing": report.failing().count(),
        },
        "findings": findings,
        "errors": report.errors,
        "skipped": report.skipped,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
