//! Rule documentation rendered from [`RuleMeta`]: `bylaw explain`, SARIF help and the README table.

use std::fmt::Write as _;

use crate::rule::RuleMeta;
use crate::rule::registry::Registry;

/// Full markdown documentation of one rule.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", m.id, m.title);
    let kinds: Vec<&str> = m.applies_to.iter().map(|k| k.name()).collect();
    let _ = writeln!(
        s,
        "severity: {} · confidence: {} · type: {} · applies to: {}",
        m.severity,
        m.confidence.as_str(),
        m.rule_type.as_str(),
        if kinds.len() >= crate::document::DocumentKind::ALL.len() {
            "every text file".to_string()
        } else {
            kinds.join(", ")
        }
    );
    if !m.tags.is_empty() {
        let _ = writeln!(s, "tags: {}", m.tags.join(", "));
    }
    if let Some(url) = m.help_uri() {
        let _ = writeln!(s, "docs: {url}");
    }
    let _ = writeln!(s, "\n## What it checks\n\n{}\n", m.description);
    let _ = writeln!(s, "## Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(s, "## Remediation\n\n{}\n", m.remediation);
    if let Some(fix) = &m.fix {
        let _ = writeln!(
            s,
            "## Fix\n\n`bylaw check --fix` can {fix} where it is safe to.\n"
        );
    }
    if !m.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in &m.references {
            let _ = writeln!(s, "- {r}");
        }
        s.push('\n');
    }
    if m.options.as_object().is_some_and(|o| !o.is_empty()) {
        let _ = writeln!(
            s,
            "## Options (set in `[rules.\"{}\"]` of bylaw.toml)\n\n```json\n{}\n```\n",
            m.id,
            serde_json::to_string_pretty(&m.options).unwrap_or_default()
        );
    }
    let _ = writeln!(
        s,
        "## Suppress\n\n`bylaw: ignore[{}] until=YYYY-MM-DD reason=\"…\"` in a comment on or above the line.",
        m.id
    );
    s
}

/// The markdown rule table for the README (between the generated-table markers).
pub fn rule_table(registry: &Registry) -> String {
    let mut s = String::new();
    let mut packs: Vec<&str> = registry.packs().into_iter().collect();
    packs.sort();
    let _ = writeln!(s, "| pack | rules |\n|---|---|");
    for p in &packs {
        let n = registry.metas().filter(|m| m.pack == *p).count();
        let _ = writeln!(s, "| `{p}` | {n} |");
    }
    let _ = writeln!(s, "\n| id | severity | type | title |\n|---|---|---|---|");
    for m in registry.metas() {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            m.id,
            m.severity,
            m.rule_type.as_str(),
            m.title
        );
    }
    s
}
