//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per active
//! finding, shown inline on pull requests.

use super::{Report, is_baselined};
use crate::finding::Severity;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        if f.suppression.is_some() || is_baselined(f) {
            continue;
        }
        let level = match f.severity {
            _ if !f.context_fails() => "notice",
            Severity::Info => "notice",
            Severity::Low | Severity::Medium => "warning",
            Severity::High | Severity::Critical => "error",
        };
        let mut props = vec![format!("file={}", escape_prop(&f.path))];
        if let (Some(s), Some(e)) = (f.start, f.end) {
            props.push(format!("line={}", s.line));
            props.push(format!("col={}", s.col));
            props.push(format!("endLine={}", e.line));
            if e.line == s.line {
                props.push(format!("endColumn={}", e.col));
            }
        }
        props.push(format!(
            "title={}",
            escape_prop(&if f.context_fails() {
                format!("{} ({})", f.rule_id, f.severity)
            } else {
                format!(
                    "{} ({}, {} file)",
                    f.rule_id,
                    f.severity,
                    f.context.as_str()
                )
            })
        ));
        let mut msg = f.message.clone();
        if let Some(h) = report.help(f) {
            msg.push_str("\nfix: ");
            msg.push_str(h);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&msg)
        ));
    }
    out
}
