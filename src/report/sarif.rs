//! SARIF 2.1.0, hand-written with serde_json (serde-sarif costs ~25 s of build for the dozen
//! objects we emit). Shaped for GitHub code scanning: repository-relative URIs under
//! `%SRCROOT%`, a descriptor for every rule that ran, `ruleIndex`, `security-severity`,
//! `partialFingerprints`, `columnKind`, suppressions and tool notifications for unreadable files.

use serde_json::{Value, json};

use super::Report;
use crate::rule::registry::Registry;

/// Results are serialised one at a time, so a report with a quarter of a million findings never
/// holds its whole SARIF tree in memory.
struct Results<'a, F: Fn(&crate::finding::Finding) -> Value> {
    report: &'a Report,
    to_value: F,
}

impl<F: Fn(&crate::finding::Finding) -> Value> serde::Serialize for Results<'_, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.report.findings.iter().map(|f| (self.to_value)(f)))
    }
}

/// Write the SARIF log to `w`.
pub fn write(
    report: &Report,
    registry: &Registry,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let rules: Vec<Value> = report
        .rules_run
        .iter()
        .filter_map(|id| registry.get(id))
        .map(|r| {
            let m = r.meta();
            let mut tags = m.tags.clone();
            tags.insert(0, "security".into());
            let mut rule = json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.description},
                "help": {
                    "text": format!("{}\n\n{}", m.rationale, m.remediation),
                    "markdown": crate::docs::rule_markdown(m),
                },
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
            });
            // No link is better than a made-up one: SARIF's helpUri is optional.
            if let (Some(u), Some(o)) = (m.help_uri(), rule.as_object_mut()) {
                o.insert("helpUri".into(), json!(u));
            }
            rule
        })
        .collect();
    let index_of = |id: &str| report.rules_run.iter().position(|r| r == id);
    let to_value = |f: &crate::finding::Finding| -> Value {
        let mut region = serde_json::Map::new();
        match (f.start, f.end) {
            (Some(s), Some(e)) => {
                region.insert("startLine".into(), json!(s.line));
                region.insert("startColumn".into(), json!(s.col));
                region.insert("endLine".into(), json!(e.line));
                region.insert("endColumn".into(), json!(e.col.max(1)));
                if let (Some(span), Some(src)) = (f.span, report.sources.get(&f.path)) {
                    let span = span.clamp_to(src);
                    region.insert(
                        "snippet".into(),
                        json!({"text": &src[span.start..span.end]}),
                    );
                }
            }
            _ => {
                region.insert("startLine".into(), json!(1));
            }
        }
        let mut result = json!({
            "ruleId": f.rule_id,
            // A finding whose file context does not fail the run (tests, docs…) is a note, so
            // code scanning shows it without gating on it.
            "level": if f.context_fails() { f.severity.sarif_level() } else { "note" },
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
                "context": f.context,
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
                            loc["physicalLocation"]["region"] =
                                json!({"startLine": s.line, "startColumn": s.col});
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
        if let Some(fix) = &f.fix {
            result["fixes"] = json!([sarif_fix(&f.path, fix)]);
        }
        result
    };
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
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": null,
        }],
    });
    // Splice the streamed results into the envelope: everything before `"results": null` is
    // written as is, then the results array, then the rest.
    let envelope = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    let marker = "\"results\": null";
    let (head, tail) = envelope.split_at(envelope.find(marker).unwrap_or(envelope.len()));
    let tail = tail.strip_prefix(marker).unwrap_or(tail);
    w.write_all(head.as_bytes())?;
    w.write_all(b"\"results\": ")?;
    let results = Results { report, to_value };
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *w,
        serde_json::ser::PrettyFormatter::with_indent(b"  "),
    );
    serde::Serialize::serialize(&results, &mut ser).map_err(std::io::Error::other)?;
    w.write_all(tail.as_bytes())?;
    w.write_all(b"\n")
}

/// A SARIF `fix`: one artifact change whose replacements give each edit's deleted region in
/// lines and columns (the run's `columnKind`) and the inserted text.
fn sarif_fix(path: &str, fix: &crate::fix::Fix) -> Value {
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .filter_map(|e| {
            let (s, end) = (e.start?, e.end?);
            Some(json!({
                "deletedRegion": {
                    "startLine": s.line,
                    "startColumn": s.col,
                    "endLine": end.line,
                    "endColumn": end.col,
                },
                "insertedContent": {"text": e.replacement},
            }))
        })
        .collect();
    json!({
        "description": {"text": fix.description},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri(path), "uriBaseId": "%SRCROOT%"},
            "replacements": replacements,
        }],
    })
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
