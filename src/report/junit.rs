//! JUnit XML: one test suite per rule that ran, one test case per file with findings (failing) so
//! CI systems that only read JUnit still show what failed and where.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Report, is_baselined};
use crate::rule::registry::Registry;

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(report: &Report, registry: &Registry) -> String {
    let mut by_rule: BTreeMap<&str, Vec<&crate::finding::Finding>> = BTreeMap::new();
    for id in &report.rules_run {
        by_rule.entry(id.as_str()).or_default();
    }
    for f in report
        .findings
        .iter()
        // Findings in contexts that do not fail the run (tests, docs…) are not failures.
        .filter(|f| f.suppression.is_none() && !is_baselined(f) && f.context_fails())
    {
        by_rule.entry(f.rule_id.as_str()).or_default().push(f);
    }
    let failures: usize = by_rule.values().map(Vec::len).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"bylaw\" tests=\"{}\" failures=\"{failures}\">",
        by_rule.len().max(1)
    );
    for (rule, findings) in &by_rule {
        let title = registry
            .get(rule)
            .map(|r| r.meta().title.clone())
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            xml(rule),
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\"/>",
                xml(rule),
                xml(&title)
            );
        }
        for f in findings {
            let loc = f
                .start
                .map(|p| format!("{}:{}:{}", f.path, p.line, p.col))
                .unwrap_or(f.path.clone());
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">",
                xml(rule),
                xml(&loc),
                xml(&f.path)
            );
            let _ = writeln!(
                s,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.severity,
                xml(&f.message),
                xml(&format!(
                    "{loc}: {}\n{}",
                    f.message,
                    report.help(f).unwrap_or_default()
                ))
            );
            let _ = writeln!(s, "    </testcase>");
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}
