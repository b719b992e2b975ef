//! The posture page: one self-contained HTML file. CSS, JavaScript and SVG charts are inline and
//! a Content-Security-Policy forbids every request, so it works opened from disk, attached to a
//! CI run or published as is. Every text from a report is escaped. The tables are rendered
//! here (the numbers are in the HTML, readable without JavaScript); the script only sorts and
//! filters the repository table.

use std::fmt::Write as _;

use super::{Posture, UNOWNED};
use crate::finding::Severity;
use crate::rule::registry::Registry;

/// Text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa;--bad:#cf222e;--ok:#1a7f37;--bar:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.muted{color:var(--muted)}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:24px}.bad{color:var(--bad)}.ok{color:var(--ok)}
.charts{display:flex;gap:24px;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tbody tr:nth-child(even){background:var(--alt)}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th[aria-sort=ascending] button::after{content:" \25B2"}th[aria-sort=descending] button::after{content:" \25BC"}
details pre{white-space:pre-wrap;background:var(--alt);padding:8px;border-radius:6px;max-width:900px}
.tools{display:flex;gap:16px;align-items:center;margin:6px 0}input[type=search]{padding:4px 8px;min-width:260px}
code{font-size:12px}
.scroll{overflow-x:auto}
"#;

const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('repos');
  if (!table) return;
  var body = table.tBodies[0];
  var filter = document.getElementById('repo-filter');
  var failingOnly = document.getElementById('failing-only');
  var shown = document.getElementById('repo-shown');
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var n = 0;
    for (var i = 0; i < body.rows.length; i++) {
      var tr = body.rows[i];
      var show = (!q || tr.getAttribute('data-search').indexOf(q) >= 0) &&
        (!failingOnly.checked || tr.getAttribute('data-status') === 'failing');
      tr.hidden = !show;
      if (show) n++;
    }
    shown.textContent = String(n);
  }
  filter.addEventListener('input', apply);
  failingOnly.addEventListener('change', apply);
  var heads = table.tHead.rows[0].cells;
  for (var c = 0; c < heads.length; c++) {
    (function (th, col) {
      var button = th.querySelector('button');
      if (!button) return;
      button.addEventListener('click', function () {
        var numeric = th.getAttribute('data-type') === 'num';
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        for (var k = 0; k < heads.length; k++) heads[k].removeAttribute('aria-sort');
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (x, y) {
          var a = x.cells[col].getAttribute('data-v'), b = y.cells[col].getAttribute('data-v');
          var r = numeric ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0);
          return r * dir || Number(x.getAttribute('data-i')) - Number(y.getAttribute('data-i'));
        });
        for (var j = 0; j < rows.length; j++) body.appendChild(rows[j]);
      });
    })(heads[c], c);
  }
  apply();
})();
"#;

/// A horizontal bar chart.
fn bars(out: &mut String, title: &str, id: &str, items: &[(String, usize)]) {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let row = 22;
    let height = row * items.len().max(1) + 28;
    let _ = write!(
        out,
        r#"<figure><svg id="{id}" xmlns="http://www.w3.org/2000/svg" width="360" height="{height}" role="img" aria-label="{t}"><text x="0" y="14" font-size="13" font-weight="600">{t}</text>"#,
        t = esc(title)
    );
    if items.is_empty() {
        let _ = write!(
            out,
            r##"<text x="0" y="36" font-size="12" fill="#57606a">none</text>"##
        );
    }
    for (i, (label, n)) in items.iter().enumerate() {
        let y = 24 + i * row;
        let w = (*n as f64 / max as f64 * 180.0).round() as usize;
        let _ = write!(
            out,
            r##"<text x="0" y="{ty}" font-size="12">{l}</text><rect x="120" y="{y}" width="{w}" height="16" fill="#0969da"><title>{l}: {n}</title></rect><text x="{tx}" y="{ty}" font-size="12">{n}</text>"##,
            ty = y + 12,
            tx = 124 + w,
            l = esc(label),
        );
    }
    out.push_str("</svg></figure>");
}

fn sev_cell(s: Option<Severity>) -> &'static str {
    s.map_or("", Severity::as_str)
}

/// The page.
pub fn render(p: &Posture, registry: &Registry, title: &str) -> String {
    let mut o = String::with_capacity(64 * 1024 + p.repositories.len() * 600);
    let g = &p.gate;
    let _ = write!(
        o,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="bylaw {v}">
<title>{t}</title><style>{STYLE}</style></head><body>
<h1>{t}</h1>
<p class="muted">{n} repositories from {r} report(s) · as of {today} · bylaw {v}</p>
"#,
        v = esc(&p.bylaw_version),
        t = esc(title),
        n = g.repositories,
        r = p.reports_read,
        today = esc(&p.today),
    );

    // The gate.
    let _ = write!(
        o,
        r#"<h2 id="gate">Gate</h2><div class="cards">
<div class="card">passing<b class="ok" id="gate-passing">{}</b></div>
<div class="card">failing<b class="bad" id="gate-failing">{}</b></div>
<div class="card">failing findings<b id="gate-findings">{}</b></div>
</div><div class="charts">"#,
        g.passing, g.failing, g.failing_findings
    );
    let sev: Vec<(String, usize)> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                g.by_severity.get(s).copied().unwrap_or(0),
            )
        })
        .collect();
    bars(
        &mut o,
        "Failing findings by severity",
        "chart-severity",
        &sev,
    );
    let mut packs: Vec<(String, usize)> = g.by_pack.iter().map(|(k, v)| (k.clone(), *v)).collect();
    packs.sort_by(|a, b| (b.1, &a.0).cmp(&(a.1, &b.0)));
    bars(&mut o, "Failing findings by pack", "chart-pack", &packs);
    let ctx: Vec<(String, usize)> = g.by_context.iter().map(|(k, v)| (k.clone(), *v)).collect();
    bars(&mut o, "Failing findings by context", "chart-context", &ctx);
    o.push_str("</div>\n");

    // Rules.
    o.push_str(r#"<h2 id="rules">Rules by repositories failing</h2><table id="rules-table"><thead><tr><th>rule</th><th>severity</th><th class="n">repositories</th><th class="n">findings</th><th>explain</th></tr></thead><tbody>"#);
    for r in &p.rules {
        let explain = registry
            .get(&r.rule)
            .map(|rule| crate::docs::rule_markdown(rule.meta()));
        let _ = write!(
            o,
            r#"<tr data-rule="{id}"><td><code>{id}</code><br><span class="muted">{title}</span></td><td>{sev}</td><td class="n">{repos}</td><td class="n">{n}</td><td>{ex}</td></tr>"#,
            id = esc(&r.rule),
            title = esc(r.title.as_deref().unwrap_or("")),
            sev = sev_cell(r.severity),
            repos = r.repositories,
            n = r.findings,
            ex = match explain {
                Some(text) => format!(
                    "<details><summary>explain</summary><pre>{}</pre></details>",
                    esc(&text)
                ),
                None => r#"<span class="muted">not a rule of this bylaw</span>"#.to_string(),
            }
        );
    }
    o.push_str("</tbody></table>\n");

    // Teams.
    o.push_str(r#"<h2 id="teams">Teams</h2><p class="muted">Failing findings per CODEOWNERS owner; a finding with two owners counts for both.</p><table id="teams-table"><thead><tr><th>owner</th><th class="n">failing findings</th><th class="n">repositories</th></tr></thead><tbody>"#);
    for t in &p.teams {
        let _ = write!(
            o,
            r#"<tr data-owner="{o}"><td>{o}</td><td class="n">{f}</td><td class="n">{r}</td></tr>"#,
            o = esc(&t.owner),
            f = t.findings,
            r = t.repositories
        );
    }
    o.push_str("</tbody></table>\n");

    // Repositories.
    let _ = write!(
        o,
        r#"<h2 id="repositories">Repositories</h2><div class="tools"><input type="search" id="repo-filter" placeholder="Filter repositories, branches, policy versions…" aria-label="Filter repositories"><label><input type="checkbox" id="failing-only"> failing only</label><span class="muted"><span id="repo-shown">{n}</span> of {n} shown</span></div>
<div class="scroll"><table id="repos"><thead><tr>"#,
        n = p.repositories.len()
    );
    let heads: [(&str, bool); 14] = [
        ("repository", false),
        ("status", false),
        ("failing", true),
        ("critical", true),
        ("high", true),
        ("medium", true),
        ("low", true),
        ("suppressions", true),
        ("expiring", true),
        ("expired", true),
        ("required overrides", true),
        ("baselined", true),
        ("policy", false),
        ("commit", false),
    ];
    for (h, num) in heads {
        let _ = write!(
            o,
            r#"<th{cls} data-type="{t}"><button type="button">{h}</button></th>"#,
            cls = if num { r#" class="n""# } else { "" },
            t = if num { "num" } else { "text" },
        );
    }
    o.push_str("</tr></thead><tbody>");
    let today = crate::config::load::days_from_civil(&p.today).unwrap_or(0);
    for (i, r) in p.repositories.iter().enumerate() {
        let (mut expiring, mut expired) = (0, 0);
        for s in &r.suppressions {
            if let Some(d) = s
                .until
                .as_deref()
                .and_then(crate::config::load::days_from_civil)
            {
                if d < today {
                    expired += 1;
                } else if d - today <= p.expiring_days {
                    expiring += 1;
                }
            }
        }
        let status = if r.passing { "passing" } else { "failing" };
        let policy = match (&r.policy_version, &r.policy_digest) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        };
        let commit = super::short_commit(r.commit.as_deref());
        let search = format!(
            "{} {} {} {}",
            r.repository,
            r.branch.as_deref().unwrap_or(""),
            policy,
            status
        )
        .to_lowercase();
        let _ = write!(
            o,
            r#"<tr data-i="{i}" data-repo="{name}" data-status="{status}" data-search="{search}"><td data-v="{name}">{name}{branch}</td><td data-v="{status}" class="{cls}">{status}</td>"#,
            name = esc(&r.repository),
            branch = r
                .branch
                .as_deref()
                .map(|b| format!(r#" <span class="muted">{}</span>"#, esc(b)))
                .unwrap_or_default(),
            search = esc(&search),
            cls = if r.passing { "ok" } else { "bad" },
        );
        let sev = |s: Severity| r.failing_by_severity.get(&s).copied().unwrap_or(0);
        for n in [
            r.failing,
            sev(Severity::Critical),
            sev(Severity::High),
            sev(Severity::Medium),
            sev(Severity::Low),
            r.suppressions.len(),
            expiring,
            expired,
            r.required_overrides.len(),
            r.baselined,
        ] {
            let _ = write!(o, r#"<td class="n" data-v="{n}">{n}</td>"#);
        }
        let _ = write!(
            o,
            r#"<td data-v="{p}">{p}</td><td data-v="{c}"><code>{c}</code></td></tr>"#,
            p = esc(&policy),
            c = esc(&commit)
        );
    }
    // The repository table may be wider than the page: it scrolls on its own.
    o.push_str("</tbody></table></div>\n");

    // Governance.
    let gov = &p.governance;
    let _ = write!(
        o,
        r#"<h2 id="governance">Governance</h2><div class="cards">
<div class="card">inline suppressions<b id="gov-suppressions">{}</b></div>
<div class="card">waivers<b id="gov-waivers">{}</b></div>
<div class="card">expiring in {} days<b id="gov-expiring">{}</b></div>
<div class="card">expired<b class="bad" id="gov-expired">{}</b></div>
<div class="card">repositories overriding required rules<b class="bad" id="gov-required-repos">{}</b></div>
<div class="card">baselined findings<b id="gov-baselined">{}</b></div>
</div>"#,
        gov.suppressions,
        gov.waivers,
        p.expiring_days,
        gov.expiring.len(),
        gov.expired.len(),
        gov.repositories_overriding_required,
        gov.baselined
    );
    o.push_str(r#"<h3>Suppressions and waivers per owner</h3><table id="gov-owners"><thead><tr><th>owner</th><th class="n">suppressions and waivers</th></tr></thead><tbody>"#);
    let mut owners: Vec<(&String, &usize)> = gov.by_owner.iter().collect();
    owners.sort_by(|a, b| (b.1, a.0).cmp(&(a.1, b.0)));
    for (owner, n) in owners {
        let _ = write!(
            o,
            r#"<tr data-owner="{o}"><td>{o}</td><td class="n">{n}</td></tr>"#,
            o = esc(owner)
        );
    }
    o.push_str("</tbody></table>");
    for (id, heading, list) in [
        (
            "gov-expiring-table",
            format!("Expiring in the next {} days", p.expiring_days),
            &gov.expiring,
        ),
        ("gov-expired-table", "Expired".to_string(), &gov.expired),
    ] {
        let _ = write!(
            o,
            r#"<h3>{}</h3><table id="{id}"><thead><tr><th>until</th><th>repository</th><th>where</th><th>rules</th><th>owner</th><th>reason</th></tr></thead><tbody>"#,
            esc(&heading)
        );
        for e in list {
            let s = &e.suppression;
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td><code>{}:{}</code> {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(s.until.as_deref().unwrap_or("")),
                esc(&e.repository),
                esc(&s.path),
                s.line,
                esc(&s.origin),
                esc(&s.rules.join(", ")),
                esc(&s.responsible().join(", ")),
                esc(s.reason.as_deref().unwrap_or("")),
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str(r#"<h3>Required rules overridden or suppressed</h3><table id="gov-required"><thead><tr><th>repository</th><th>where</th><th>finding</th></tr></thead><tbody>"#);
    for r in &gov.required_overrides {
        let _ = write!(
            o,
            "<tr><td>{}</td><td><code>{}{}</code></td><td><code>{}</code> {}</td></tr>",
            esc(&r.repository),
            esc(&r.path),
            r.line.map(|l| format!(":{l}")).unwrap_or_default(),
            esc(&r.rule),
            esc(&r.message),
        );
    }
    o.push_str("</tbody></table>");
    o.push_str(r#"<h3>Baselined findings (debt) per repository</h3><table id="gov-baselined-table"><thead><tr><th>repository</th><th class="n">baselined</th></tr></thead><tbody>"#);
    let mut debt: Vec<_> = p.repositories.iter().filter(|r| r.baselined > 0).collect();
    debt.sort_by(|a, b| (b.baselined, &a.repository).cmp(&(a.baselined, &b.repository)));
    for r in debt {
        let _ = write!(
            o,
            r#"<tr data-repo="{n}"><td>{n}</td><td class="n">{b}</td></tr>"#,
            n = esc(&r.repository),
            b = r.baselined
        );
    }
    o.push_str("</tbody></table>\n");

    // Trend.
    if let Some(t) = &p.trend {
        let _ = write!(
            o,
            r#"<h2 id="trend">Trend since {}</h2><div class="cards">
<div class="card">failing then<b id="trend-before">{}</b></div>
<div class="card">failing now<b id="trend-now">{}</b></div>
<div class="card">new<b class="bad" id="trend-new">{}</b></div>
<div class="card">fixed<b class="ok" id="trend-fixed">{}</b></div>
</div><p class="muted">Per repository and rule, an increase of the failing count counts as new findings and a decrease as fixed ones.{}{}</p>"#,
            esc(&t.previous_today),
            t.failing_before,
            t.failing_now,
            t.new,
            t.fixed,
            if t.repositories_added.is_empty() {
                String::new()
            } else {
                format!(
                    " New repositories: {}.",
                    esc(&t.repositories_added.join(", "))
                )
            },
            if t.repositories_removed.is_empty() {
                String::new()
            } else {
                format!(" Gone: {}.", esc(&t.repositories_removed.join(", ")))
            },
        );
        for (id, what, rows) in [
            ("trend-repos", "repository", &t.repositories),
            ("trend-rules", "rule", &t.rules),
        ] {
            let _ = write!(
                o,
                r#"<table id="{id}"><thead><tr><th>{what}</th><th class="n">new</th><th class="n">fixed</th></tr></thead><tbody>"#
            );
            for r in rows {
                let _ = write!(
                    o,
                    r#"<tr data-name="{n}"><td>{n}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                    r.new,
                    r.fixed,
                    n = esc(&r.name)
                );
            }
            o.push_str("</tbody></table>");
        }
    }

    if !p.rejected.is_empty() || !p.duplicates.is_empty() {
        o.push_str(r#"<h2 id="inputs">Inputs not used</h2><ul>"#);
        for r in &p.rejected {
            let _ = write!(
                o,
                "<li><code>{}</code>: {}</li>",
                esc(&r.path),
                esc(&r.reason)
            );
        }
        for d in &p.duplicates {
            let _ = write!(
                o,
                "<li>{}: an earlier report of the same repository (a later one is used)</li>",
                esc(d)
            );
        }
        o.push_str("</ul>");
    }
    let _ = write!(
        o,
        "\n<p class=\"muted\">Owners without a CODEOWNERS entry show as {}.</p>\n<script>{SCRIPT}</script>\n</body></html>\n",
        esc(UNOWNED)
    );
    o
}
