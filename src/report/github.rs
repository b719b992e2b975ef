//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per active
//! finding, shown inline on pull requests; and the Markdown job summary.
//!
//! GitHub shows only [`ANNOTATIONS_PER_LEVEL`] annotations of each level per step and drops the
//! rest without a word, so annotations go out most severe first, [`unannotated`] counts what
//! GitHub will not show, and [`step_summary`] lists the findings in full.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Report, is_baselined};
use crate::finding::{Finding, Severity};

/// Annotations of one level (error, warning, notice) GitHub displays per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Findings listed in the job summary, most severe first.
const SUMMARY_FINDINGS: usize = 50;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn level(f: &Finding) -> &'static str {
    match f.severity {
        _ if !f.context_fails() => "notice",
        Severity::Info => "notice",
        Severity::Low | Severity::Medium => "warning",
        Severity::High | Severity::Critical => "error",
    }
}

/// Active findings in annotation order: most severe first (those GitHub shows when it cuts),
/// then report order (the sort is stable).
fn ordered(report: &Report) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = report
        .findings
        .iter()
        .map(Box::as_ref)
        .filter(|f| f.suppression.is_none() && !is_baselined(f))
        .collect();
    v.sort_by_key(|f| (!f.context_fails(), std::cmp::Reverse(f.severity)));
    v
}

/// How many active findings GitHub will not show as annotations (beyond
/// [`ANNOTATIONS_PER_LEVEL`] of a level).
pub fn unannotated(report: &Report) -> usize {
    let mut per_level: BTreeMap<&str, usize> = BTreeMap::new();
    for f in ordered(report) {
        *per_level.entry(level(f)).or_insert(0) += 1;
    }
    per_level
        .values()
        .map(|n| n.saturating_sub(ANNOTATIONS_PER_LEVEL))
        .sum()
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in ordered(report) {
        let level = level(f);
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

/// Where the job summary links a file line: the blob on GitHub when the workflow's environment
/// names the server, repository and commit.
pub struct Links {
    /// `https://github.com/owner/repo/blob/<sha>`
    pub blob: Option<String>,
}

impl Links {
    /// From `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA`.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Links {
        let blob = match (
            get("GITHUB_SERVER_URL"),
            get("GITHUB_REPOSITORY"),
            get("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha))
                if !server.is_empty() && !repo.is_empty() && !sha.is_empty() =>
            {
                Some(format!(
                    "{}/{repo}/blob/{sha}",
                    server.trim_end_matches('/')
                ))
            }
            _ => None,
        };
        Links { blob }
    }

    fn location(&self, f: &Finding) -> String {
        let line = f.start.map(|s| s.line);
        let text = match line {
            Some(l) => format!("{}:{l}", f.path),
            None => f.path.clone(),
        };
        match &self.blob {
            Some(b) => format!(
                "[{}]({b}/{}{})",
                md(&text),
                f.path,
                line.map(|l| format!("#L{l}")).unwrap_or_default()
            ),
            None => format!("`{}`", text.replace('`', "'")),
        }
    }
}

/// Markdown table cells: no line breaks, no cell separators, no HTML.
fn md(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Markdown job summary (`$GITHUB_STEP_SUMMARY`): counts by severity, rule and owner, then
/// the most severe findings with links to their lines.
pub fn step_summary(report: &Report, links: &Links) -> String {
    let findings = ordered(report);
    let mut s = String::from("## bylaw\n\n");
    if findings.is_empty() {
        s.push_str("No findings.\n");
        return s;
    }
    let failing = findings.iter().filter(|f| report.fails(f)).count();
    let _ = writeln!(
        s,
        "{} finding{}, {failing} failing the run (at or above {}).\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        report.fail_on
    );
    let hidden = unannotated(report);
    if hidden > 0 {
        let _ = writeln!(
            s,
            "GitHub shows {ANNOTATIONS_PER_LEVEL} annotations per level per step: {hidden} finding{} {} not annotated and {} listed here.\n",
            if hidden == 1 { "" } else { "s" },
            if hidden == 1 { "is" } else { "are" },
            if findings.len() > SUMMARY_FINDINGS {
                "the most severe are"
            } else {
                "all are"
            },
        );
    }
    s.push_str("| severity | findings |\n|---|---:|\n");
    for sev in Severity::ALL {
        let n = findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            let _ = writeln!(s, "| {sev} | {n} |");
        }
    }
    let mut rules: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        rules.entry(&f.rule_id).or_insert((f.severity, 0)).1 += 1;
        if f.owners.is_empty() {
            *owners.entry("(no owner)").or_insert(0) += 1;
        }
        for o in &f.owners {
            *owners.entry(o).or_insert(0) += 1;
        }
    }
    let mut rules: Vec<_> = rules.into_iter().collect();
    rules.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    s.push_str("\n| rule | severity | findings |\n|---|---|---:|\n");
    for (id, (sev, n)) in rules {
        let _ = writeln!(s, "| `{id}` | {sev} | {n} |");
    }
    if findings.iter().any(|f| !f.owners.is_empty()) {
        let mut owners: Vec<_> = owners.into_iter().collect();
        owners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        s.push_str("\n| owner | findings |\n|---|---:|\n");
        for (o, n) in owners {
            let _ = writeln!(s, "| {} | {n} |", md(o));
        }
    }
    s.push_str("\n| severity | rule | location | message |\n|---|---|---|---|\n");
    for f in findings.iter().take(SUMMARY_FINDINGS) {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} |",
            f.severity,
            f.rule_id,
            links.location(f),
            md(&f.message)
        );
    }
    if findings.len() > SUMMARY_FINDINGS {
        let _ = writeln!(
            s,
            "\n… and {} more: run `bylaw check --format concise` or upload `-o sarif=bylaw.sarif` for the full list.",
            findings.len() - SUMMARY_FINDINGS
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{Links, md};

    #[test]
    fn links_need_the_whole_environment() {
        let env = |k: &str| match k {
            "GITHUB_SERVER_URL" => Some("https://github.com/".to_string()),
            "GITHUB_REPOSITORY" => Some("o/r".to_string()),
            "GITHUB_SHA" => Some("abc".to_string()),
            _ => None,
        };
        assert_eq!(
            Links::from_env(env).blob.as_deref(),
            Some("https://github.com/o/r/blob/abc")
        );
        let partial = |k: &str| (k == "GITHUB_SHA").then(|| "abc".to_string());
        assert!(Links::from_env(partial).blob.is_none());
    }

    #[test]
    fn markdown_cells_stay_cells() {
        assert_eq!(md("a|b\n<c>"), "a\\|b &lt;c&gt;");
    }
}
