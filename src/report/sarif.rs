//! SARIF 2.1.0, hand-written with serde_json (serde-sarif costs ~25 s of build for the dozen
//! objects we emit). Shaped for GitHub code scanning: repository-relative URIs under
//! `%SRCROOT%`, a descriptor for every rule that ran, `ruleIndex`, `security-severity`,
//! `partialFingerprints`, `columnKind`, suppressions and tool notifications for unreadable files.

use serde_json::{Value, json};

use super::Report;
use crate::rule::registry::Registry;

pub fn render(report: &Report, registry: &Registry) -> String {
    let rules: Vec<Value> = report
        .rules_run
        .iter()
        .filter_map(|id| registry.get(id))
        .map(|r| {
            let m = r.meta();
            let mut tags = m.tags.clone();
            tags.insert(0, "security".into());
            json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.description},
                "help": {
                    "text": format!("{}\n\n{}", m.rationale, m.remediation),
                    "markdown": crate::docs::rule_markdown(m),
                },
                "helpUri": m.help_uri(),
                "defaultConfiguration": {"level": m.severity.sarif_level()},
                "properties": {
                    "tags": tags,
                    "security-severity": m.severity.security_severity(),
                    "precision": match m.confidence {
                        crate::finding::Confidence::High => "high",
                        crate::finding::Confidence::Medium => "medium",
                        crate::finding::Confidence::Low => "low",
                    },
                },
            })
        })
        .collect();
    let index_of = |id: &str| report.rules_run.iter().position(|r| r == id);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut region = serde_json::Map::new();
            match (f.start, f.end) {
                (Some(s), Some(e)) => {
                    region.insert("startLine".into(), json!(s.line));
                    region.insert("startColumn".into(), json!(s.col));
                    region.insert("endLine".into(), json!(e.line));
                    region.insert("endColumn".into(), json!(e.col.max(1)));
                    if let (Some(span), Some(src)) = (f.span, report.sources.get(&f.path)) {
                        let span = span.clamp_to(src);
                        region.insert("snippet".into(), json!({"text": &src[span.start..span.end]}));
                    }
                }
                _ => {
                    region.insert("startLine".into(), json!(1));
                }
            }
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": f.severity.sarif_level(),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }],
                "partialFingerprints": {"bylaw/v1": f.fingerprint},
                "properties": {
                    "severity": f.severity,
                    "confidence": f.confidence,
                    "security-severity": f.severity.security_severity(),
                },
            });
            if let Some(i) = index_of(&f.rule_id) {
                result["ruleIndex"] = json!(i);
            }
            if !f.owners.is_empty() {
                result["properties"]["owners"] = json!(f.owners);
            }
            if !f.related.is_empty() {
                result["relatedLocations"] = Value::Array(
                    f.related
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut loc = json!({
                                "id": i,
                                "physicalLocation": {
                                    "artifactLocation": {"uri": uri(&r.path), "uriBaseId": "%SRCROOT%"},
                                },
                                "message": {"text": r.message},
                            });
                            if let Some(s) = r.start {
                                loc["physicalLocation"]["region"] = json!({"startLine": s.line, "startColumn": s.col});
                            }
                            loc
                        })
                        .collect(),
                );
            }
            if let Some(s) = &f.suppression {
                let mut sup = json!({"kind": s.kind, "status": "accepted"});
                if let Some(j) = &s.justification {
                    sup["justification"] = json!(j);
                }
                result["suppressions"] = json!([sup]);
            }
            if let Some(b) = f.baseline {
                result["baselineState"] = json!(b);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut loc = json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.path), "uriBaseId": "%SRCROOT%"}}});
            if let Some(l) = e.location {
                loc["physicalLocation"]["region"] = json!({"startLine": l.line, "startColumn": l.col});
            }
            json!({
                "level": "warning",
                "message": {"text": format!("{} error: {}", e.kind, e.message)},
                "locations": [loc],
                "descriptor": {"id": format!("bylaw/{}-error", e.kind)},
            })
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bylaw",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/bylaw-dev/bylaw",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    s.push('\n');
    s
}

/// Percent-encode what a relative URI reference cannot hold literally.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
