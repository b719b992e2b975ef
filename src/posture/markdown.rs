//! The posture as Markdown, for a wiki page or an issue: the same sections as the page, as
//! tables.

use std::fmt::Write as _;

use super::Posture;
use crate::finding::Severity;

/// Text for a table cell: no line breaks, pipes escaped, HTML-significant characters escaped
/// (renderers pass inline HTML through).
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(p: &Posture, title: &str) -> String {
    let mut o = String::new();
    let g = &p.gate;
    let _ = writeln!(
        o,
        "# {}\n\n{} repositories from {} report(s), as of {} (bylaw {}).\n",
        cell(title),
        g.repositories,
        p.reports_read,
        p.today,
        p.bylaw_version
    );
    let _ = writeln!(
        o,
        "## Gate\n\n| passing | failing | failing findings |\n|---:|---:|---:|\n| {} | {} | {} |\n",
        g.passing, g.failing, g.failing_findings
    );
    let _ = writeln!(o, "| severity | failing findings |\n|---|---:|");
    for s in Severity::ALL {
        let _ = writeln!(
            o,
            "| {} | {} |",
            s.as_str(),
            g.by_severity.get(&s).unwrap_or(&0)
        );
    }
    let _ = writeln!(o, "\n| pack | failing findings |\n|---|---:|");
    for (k, v) in &g.by_pack {
        let _ = writeln!(o, "| {} | {v} |", cell(k));
    }
    let _ = writeln!(o, "\n| context | failing findings |\n|---|---:|");
    for (k, v) in &g.by_context {
        let _ = writeln!(o, "| {} | {v} |", cell(k));
    }

    let _ = writeln!(
        o,
        "\n## Rules by repositories failing\n\n| rule | severity | repositories | findings |\n|---|---|---:|---:|"
    );
    for r in &p.rules {
        let _ = writeln!(
            o,
            "| `{}` {} | {} | {} | {} |",
            cell(&r.rule),
            cell(r.title.as_deref().unwrap_or("")),
            r.severity.map_or("", Severity::as_str),
            r.repositories,
            r.findings
        );
    }
    let _ = writeln!(o, "\n`bylaw explain <rule>` prints a rule's documentation.");

    let _ = writeln!(
        o,
        "\n## Teams\n\n| owner | failing findings | repositories |\n|---|---:|---:|"
    );
    for t in &p.teams {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            cell(&t.owner),
            t.findings,
            t.repositories
        );
    }

    let _ = writeln!(
        o,
        "\n## Repositories\n\n| repository | status | failing | critical | high | medium | low | suppressions | required overrides | baselined | policy | commit |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    );
    for r in &p.repositories {
        let sev = |s: Severity| r.failing_by_severity.get(&s).copied().unwrap_or(0);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.repository),
            if r.passing { "passing" } else { "failing" },
            r.failing,
            sev(Severity::Critical),
            sev(Severity::High),
            sev(Severity::Medium),
            sev(Severity::Low),
            r.suppressions.len(),
            r.required_overrides.len(),
            r.baselined,
            cell(
                r.policy_version
                    .as_deref()
                    .or(r.policy_digest.as_deref())
                    .unwrap_or("")
            ),
            cell(&super::short_commit(r.commit.as_deref())),
        );
    }

    let gov = &p.governance;
    let _ = writeln!(
        o,
        "\n## Governance\n\n| inline suppressions | waivers | expiring in {} days | expired | repositories overriding required rules | baselined findings |\n|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} | {} |",
        p.expiring_days,
        gov.suppressions,
        gov.waivers,
        gov.expiring.len(),
        gov.expired.len(),
        gov.repositories_overriding_required,
        gov.baselined
    );
    let _ = writeln!(
        o,
        "\n### Suppressions and waivers per owner\n\n| owner | suppressions and waivers |\n|---|---:|"
    );
    for (k, v) in &gov.by_owner {
        let _ = writeln!(o, "| {} | {v} |", cell(k));
    }
    for (heading, list) in [
        (
            format!("Expiring in the next {} days", p.expiring_days),
            &gov.expiring,
        ),
        ("Expired".to_string(), &gov.expired),
    ] {
        let _ = writeln!(
            o,
            "\n### {heading}\n\n| until | repository | where | rules | owner | reason |\n|---|---|---|---|---|---|"
        );
        for e in list {
            let s = &e.suppression;
            let _ = writeln!(
                o,
                "| {} | {} | `{}:{}` {} | {} | {} | {} |",
                cell(s.until.as_deref().unwrap_or("")),
                cell(&e.repository),
                cell(&s.path),
                s.line,
                cell(&s.origin),
                cell(&s.rules.join(", ")),
                cell(&s.responsible().join(", ")),
                cell(s.reason.as_deref().unwrap_or("")),
            );
        }
    }
    let _ = writeln!(
        o,
        "\n### Required rules overridden or suppressed\n\n| repository | where | rule | finding |\n|---|---|---|---|"
    );
    for r in &gov.required_overrides {
        let _ = writeln!(
            o,
            "| {} | `{}{}` | `{}` | {} |",
            cell(&r.repository),
            cell(&r.path),
            r.line.map(|l| format!(":{l}")).unwrap_or_default(),
            cell(&r.rule),
            cell(&r.message)
        );
    }
    let _ = writeln!(
        o,
        "\n### Baselined findings (debt) per repository\n\n| repository | baselined |\n|---|---:|"
    );
    let mut debt: Vec<_> = p.repositories.iter().filter(|r| r.baselined > 0).collect();
    debt.sort_by(|a, b| (b.baselined, &a.repository).cmp(&(a.baselined, &b.repository)));
    for r in debt {
        let _ = writeln!(o, "| {} | {} |", cell(&r.repository), r.baselined);
    }

    if let Some(t) = &p.trend {
        let _ = writeln!(
            o,
            "\n## Trend since {}\n\n| failing then | failing now | new | fixed |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |",
            t.previous_today, t.failing_before, t.failing_now, t.new, t.fixed
        );
        for (what, rows) in [("repository", &t.repositories), ("rule", &t.rules)] {
            let _ = writeln!(o, "\n| {what} | new | fixed |\n|---|---:|---:|");
            for r in rows {
                let _ = writeln!(o, "| {} | {} | {} |", cell(&r.name), r.new, r.fixed);
            }
        }
    }
    if !p.rejected.is_empty() {
        let _ = writeln!(o, "\n## Inputs not used\n");
        for r in &p.rejected {
            let _ = writeln!(o, "- `{}`: {}", cell(&r.path), cell(&r.reason));
        }
    }
    o
}
