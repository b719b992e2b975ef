//! GitLab Code Quality report (JSON array), for merge-request widgets.

use serde_json::{Value, json};

use super::{Report, is_baselined};
use crate::finding::Severity;

pub fn render(report: &Report) -> String {
    let items: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && !is_baselined(f))
        .map(|f| {
            let severity = match f.severity {
                _ if !f.context_fails() => "info",
                Severity::Info => "info",
                Severity::Low => "minor",
                Severity::Medium => "major",
                Severity::High => "critical",
                Severity::Critical => "blocker",
            };
            json!({
                "type": "issue",
                "check_name": f.rule_id,
                "description": format!("{}: {}", f.rule_id, f.message),
                "categories": ["Security"],
                "fingerprint": f.fingerprint,
                "severity": severity,
                "location": {
                    "path": f.path,
                    "lines": {"begin": f.start.map_or(1, |s| s.line), "end": f.end.map_or(1, |e| e.line)},
                },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_default();
    s.push('\n');
    s
}
