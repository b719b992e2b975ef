//! The organisation roll-up: reports that say where they come from (`scan`, `suppressions`),
//! `bylaw report` over many of them, `bylaw audit` over a directory of repositories, and the
//! rollout workflows.

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, bylaw, git, write};
use serde_json::Value;

fn json_report(dir: &Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = bylaw(dir)
        .args([
            "check",
            ".",
            "--no-cache",
            "--format",
            "json",
            "--exit-zero",
        ])
        .args(extra)
        .env("BYLAW_TODAY", "2026-12-06")
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        out.stdout,
    )
}

const POLICY: &str = r#"version = "2026.12"
[[waivers]]
rules = ["k8s/privileged-container"]
paths = ["deploy/*"]
owner = "@acme/platform"
until = "2027-01-05"
reason = "GPU nodes"
ticket = "OPS-1"
"#;

#[test]
fn json_report_says_which_repository_commit_branch_and_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("api");
    write(&dir, "bylaw.toml", POLICY);
    write(&dir, "deploy/pod.yaml", PRIVILEGED_POD);
    write(&dir, "CODEOWNERS", "* @acme/api\n");
    write(
        &dir,
        "app.py",
        "import os\nos.system(cmd)  # bylaw: ignore[python/shell-command-non-literal] reason=\"fixed input\" until=2026-12-20\n",
    );
    git(&dir, &["init", "-q", "-b", "trunk"]);
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "https://x-access-token:ghp_TOPSECRET123@github.com/acme/api.git",
        ],
    );
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "init"]);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();

    let (r, bytes) = json_report(&dir, &[]);
    let scan = &r["scan"];
    assert_eq!(scan["repository"], "github.com/acme/api");
    assert_eq!(scan["commit"], head.as_str());
    assert_eq!(scan["branch"], "trunk");
    assert_eq!(scan["bylaw_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(scan["policy"]["version"], "2026.12");
    let digest = scan["policy"]["digest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("blake3:"), "{digest}");
    assert!(scan.get("time").is_none(), "no timestamp unless asked");
    // The token in the remote URL never reaches the report.
    assert!(!String::from_utf8_lossy(&bytes).contains("TOPSECRET"));
    // Same input, same bytes.
    assert_eq!(json_report(&dir, &[]).1, bytes);

    // Suppressions and waivers with owner, expiry and reason, soonest expiry first.
    let s = r["suppressions"].as_array().unwrap();
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(s[0]["origin"], "comment");
    assert_eq!(s[0]["path"], "app.py");
    assert_eq!(s[0]["line"], 2);
    assert_eq!(s[0]["until"], "2026-12-20");
    assert_eq!(s[0]["owners"], serde_json::json!(["@acme/api"]));
    assert_eq!(s[1]["origin"], "waiver");
    assert_eq!(s[1]["owner"], "@acme/platform");
    assert_eq!(s[1]["until"], "2027-01-05");
    assert_eq!(s[1]["ticket"], "OPS-1");
    assert_eq!(
        s[1]["rules"],
        serde_json::json!(["k8s/privileged-container"])
    );

    // A changed policy changes the digest.
    write(&dir, "bylaw.toml", &format!("fail-on = \"high\"\n{POLICY}"));
    let (r2, _) = json_report(&dir, &["--repository", "acme/api", "--timestamp"]);
    assert_ne!(r2["scan"]["policy"]["digest"], digest.as_str());
    assert_eq!(r2["scan"]["repository"], "acme/api");
    let time = r2["scan"]["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
}

#[test]
fn outside_git_the_repository_is_the_directory_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("billing-svc");
    write(&dir, "deploy/pod.yaml", PRIVILEGED_POD);
    let (r, _) = json_report(&dir, &[]);
    assert_eq!(r["scan"]["repository"], "billing-svc");
    assert_eq!(r["scan"]["commit"], Value::Null);
    assert_eq!(r["scan"]["branch"], Value::Null);
    assert_eq!(r["scan"]["policy"]["digest"], Value::Null);
    assert_eq!(r["suppressions"], serde_json::json!([]));
}

mod synth;

/// `bylaw report` on `dir` in `format`, judged on `synth::TODAY`.
fn roll_up(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out = bylaw(dir)
        .args(["report", ".", "--format", format, "--today", synth::TODAY])
        .args(extra)
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The number an HTML element with this id holds.
fn html_number(html: &str, id: &str) -> usize {
    let at = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].parse().unwrap()
}

#[test]
fn posture_of_generated_repositories_matches_what_was_generated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reports");
    let e = synth::generate(&dir, 300, 40, false, 17);
    assert!(e.expired > 0 && e.expiring > 0 && e.overriding_repos > 0 && e.baselined > 0);
    assert!(e.passing > 0 && e.passing < e.repositories);

    // JSON summary.
    let json: Value = serde_json::from_str(&roll_up(&dir, "json", &[])).unwrap();
    let g = &json["gate"];
    assert_eq!(json["reports_read"], 300);
    assert_eq!(g["repositories"], e.repositories);
    assert_eq!(g["passing"], e.passing);
    assert_eq!(g["failing"], e.repositories - e.passing);
    assert_eq!(g["failing_findings"], e.failing_findings);
    for (s, n) in &e.by_severity {
        assert_eq!(g["by_severity"][*s], *n, "{s}");
    }
    for (p, n) in &e.by_pack {
        assert_eq!(g["by_pack"][p], *n, "{p}");
    }
    for (c, n) in &e.by_context {
        assert_eq!(g["by_context"][*c], *n, "{c}");
    }
    assert!(
        g["by_context"].get("test").is_none(),
        "test findings do not fail"
    );
    let rules = json["rules"].as_array().unwrap();
    assert_eq!(rules.len(), e.rules.len());
    for r in rules {
        let want = e.rules[r["rule"].as_str().unwrap()];
        assert_eq!(
            (r["repositories"].clone(), r["findings"].clone()),
            (want.0.into(), want.1.into())
        );
    }
    // Ranked by repositories failing, most first.
    let ranks: Vec<u64> = rules
        .iter()
        .map(|r| r["repositories"].as_u64().unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    assert_eq!(
        rules
            .iter()
            .find(|r| r["rule"] == "acme/team-label")
            .unwrap()["title"],
        Value::Null
    );
    for t in json["teams"].as_array().unwrap() {
        let want = e.teams[t["owner"].as_str().unwrap()];
        assert_eq!(
            (t["findings"].clone(), t["repositories"].clone()),
            (want.0.into(), want.1.into())
        );
    }
    assert_eq!(json["teams"].as_array().unwrap().len(), e.teams.len());
    for r in json["repositories"].as_array().unwrap() {
        let name = r["repository"].as_str().unwrap();
        assert_eq!(r["failing"], e.repo_failing[name], "{name}");
        assert_eq!(r["passing"], e.repo_failing[name] == 0, "{name}");
    }
    let gov = &json["governance"];
    assert_eq!(gov["suppressions"], e.inline);
    assert_eq!(gov["waivers"], e.waivers);
    assert_eq!(gov["expiring"].as_array().unwrap().len(), e.expiring);
    assert_eq!(gov["expired"].as_array().unwrap().len(), e.expired);
    assert_eq!(gov["repositories_overriding_required"], e.overriding_repos);
    assert_eq!(
        gov["required_overrides"].as_array().unwrap().len(),
        e.overriding_repos
    );
    assert_eq!(gov["baselined"], e.baselined);
    assert_eq!(gov["suppressed_findings"], e.suppressed);
    for (o, n) in &e.gov_by_owner {
        assert_eq!(gov["by_owner"][o], *n, "{o}");
    }
    // 31 days later the expiring ones have expired (and those due on day 31 are expiring).
    let out = bylaw(&dir)
        .args(["report", ".", "--format", "json", "--today", "2027-01-06"])
        .output()
        .unwrap();
    let later: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        later["governance"]["expired"].as_array().unwrap().len(),
        e.expired + e.expiring
    );

    // HTML: the same numbers, and report text escaped.
    let html = roll_up(&dir, "html", &[]);
    assert_eq!(html_number(&html, "gate-passing"), e.passing);
    assert_eq!(
        html_number(&html, "gate-failing"),
        e.repositories - e.passing
    );
    assert_eq!(html_number(&html, "gate-findings"), e.failing_findings);
    assert_eq!(html_number(&html, "gov-suppressions"), e.inline);
    assert_eq!(html_number(&html, "gov-waivers"), e.waivers);
    assert_eq!(html_number(&html, "gov-expiring"), e.expiring);
    assert_eq!(html_number(&html, "gov-expired"), e.expired);
    assert_eq!(html_number(&html, "gov-required-repos"), e.overriding_repos);
    assert_eq!(html_number(&html, "gov-baselined"), e.baselined);
    assert_eq!(html.matches("<tr data-i=").count(), e.repositories);
    for (name, failing) in &e.repo_failing {
        let status = if *failing == 0 { "passing" } else { "failing" };
        let row = format!("data-repo=\"{name}\" data-status=\"{status}\"");
        let at = html.find(&row).unwrap_or_else(|| panic!("{row}"));
        // The third cell is the failing count.
        let cells: Vec<&str> = html[at..].split("data-v=\"").skip(1).take(3).collect();
        assert!(
            cells[2].starts_with(&format!("{failing}\"")),
            "{name}: {}",
            cells[2]
        );
    }
    for (rule, (repos, findings)) in &e.rules {
        let at = html.find(&format!("<tr data-rule=\"{rule}\">")).unwrap();
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        assert!(
            row.contains(&format!(
                "<td class=\"n\">{repos}</td><td class=\"n\">{findings}</td>"
            )),
            "{row}"
        );
        // `explain` one click away for the rules this bylaw knows.
        assert_eq!(
            row.contains("<details><summary>explain</summary>"),
            rule != "acme/team-label",
            "{rule}"
        );
    }
    assert!(html.contains("&lt;b&gt;reviewed&lt;/b&gt;"));
    assert!(!html.contains("<b>reviewed</b>"));
    for banned in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }

    // Markdown: the same numbers.
    let md = roll_up(&dir, "markdown", &[]);
    assert!(md.contains(&format!(
        "| passing | failing | failing findings |\n|---:|---:|---:|\n| {} | {} | {} |",
        e.passing,
        e.repositories - e.passing,
        e.failing_findings
    )));
    assert!(md.contains(&format!(
        "| {} | {} | {} | {} | {} | {} |",
        e.inline, e.waivers, e.expiring, e.expired, e.overriding_repos, e.baselined
    )));
    for (name, failing) in &e.repo_failing {
        let status = if *failing == 0 { "passing" } else { "failing" };
        assert!(
            md.contains(&format!("| {name} | {status} | {failing} |")),
            "{name}"
        );
    }
    assert!(md.contains("&lt;b&gt;reviewed&lt;/b&gt; \\| ok"));
    // Same input, same bytes.
    assert_eq!(roll_up(&dir, "html", &[]), html);
}

#[test]
fn previous_summary_gives_new_and_fixed_per_repository_and_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let before_dir = tmp.path().join("before");
    let now_dir = tmp.path().join("now");
    // Different seeds: every repository's counts change.
    let before = synth::generate(&before_dir, 60, 20, false, 1);
    let now = synth::generate(&now_dir, 50, 20, false, 2);
    let summary = tmp.path().join("before.json");
    std::fs::write(&summary, roll_up(&before_dir, "json", &[])).unwrap();
    let json: Value = serde_json::from_str(&roll_up(
        &now_dir,
        "json",
        &["--previous", summary.to_str().unwrap()],
    ))
    .unwrap();
    let t = &json["trend"];
    let (mut new, mut fixed) = (0usize, 0usize);
    let mut per_repo: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for name in before.repo_rules.keys().chain(now.repo_rules.keys()) {
        let empty = Default::default();
        let (a, b) = (
            before.repo_rules.get(name).unwrap_or(&empty),
            now.repo_rules.get(name).unwrap_or(&empty),
        );
        let (mut n, mut f) = (0, 0);
        for rule in a
            .keys()
            .chain(b.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (x, y) = (*a.get(rule).unwrap_or(&0), *b.get(rule).unwrap_or(&0));
            n += y.saturating_sub(x);
            f += x.saturating_sub(y);
        }
        per_repo.insert(name, (n, f));
    }
    for (n, f) in per_repo.values() {
        new += n;
        fixed += f;
    }
    assert_eq!(t["failing_before"], before.failing_findings);
    assert_eq!(t["failing_now"], now.failing_findings);
    assert_eq!(t["new"], new);
    assert_eq!(t["fixed"], fixed);
    assert_eq!(now.failing_findings + fixed, before.failing_findings + new);
    assert_eq!(t["repositories_removed"].as_array().unwrap().len(), 10);
    for r in t["repositories"].as_array().unwrap() {
        let want = per_repo[r["name"].as_str().unwrap()];
        assert_eq!(
            (r["new"].clone(), r["fixed"].clone()),
            (want.0.into(), want.1.into())
        );
    }
    let html = roll_up(&now_dir, "html", &["--previous", summary.to_str().unwrap()]);
    assert_eq!(html_number(&html, "trend-new"), new);
    assert_eq!(html_number(&html, "trend-fixed"), fixed);
}

#[test]
fn report_rejects_what_is_not_a_report_and_fails_without_any() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.json",
        "{\"version\": \"2.1.0\", \"runs\": []}",
    );
    let out = bylaw(tmp.path()).args(["report", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a bylaw JSON report"));
    synth::generate(&tmp.path().join("r"), 2, 3, false, 5);
    let out = bylaw(tmp.path())
        .args(["report", ".", "--format", "json", "--today", synth::TODAY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reports_read"], 2);
    assert_eq!(json["rejected"][0]["path"], "./a.json");
    let out = bylaw(tmp.path())
        .args(["report", ".", "--today", "tomorrow"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_scans_each_repository_as_its_own_root() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // A policy above the repositories governs none of them.
    write(root, "bylaw.toml", "select = [\"docker\"]\n");
    // `api`: its own policy fails only on high and waives the privileged pod.
    let api = root.join("api");
    write(&api, "bylaw.toml", &format!("fail-on = \"high\"\n{POLICY}"));
    write(&api, "deploy/pod.yaml", PRIVILEGED_POD);
    git(&api, &["init", "-q", "-b", "main"]);
    git(
        &api,
        &["remote", "add", "origin", "git@github.com:acme/api.git"],
    );
    git(&api, &["add", "-A"]);
    git(&api, &["commit", "-qm", "init"]);
    // `web`: no policy, so every rule and the repository rules run.
    let web = root.join("web");
    write(&web, "deploy/pod.yaml", PRIVILEGED_POD);
    git(&web, &["init", "-q"]);
    // Not a repository: not audited.
    write(root, "notes/pod.yaml", PRIVILEGED_POD);

    let out = bylaw(root)
        .args(["audit", ".", "-o", "reports", "--no-cache", "--jobs", "2"])
        .env("BYLAW_TODAY", "2026-12-06")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("api: passing"), "{stderr}");
    assert!(stderr.contains("web: "), "{stderr}");
    let mut written: Vec<String> = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["api.json", "web.json"]);
    let read = |n: &str| -> Value {
        serde_json::from_slice(&std::fs::read(root.join("reports").join(n)).unwrap()).unwrap()
    };
    let (a, w) = (read("api.json"), read("web.json"));
    assert_eq!(a["scan"]["repository"], "github.com/acme/api");
    assert_eq!(a["scan"]["branch"], "main");
    assert_eq!(a["scan"]["policy"]["version"], "2026.12");
    assert_eq!(a["summary"]["failing"], 0);
    assert_eq!(
        a["summary"]["suppressed"], 1,
        "the repository's own waiver applies"
    );
    assert_eq!(w["scan"]["repository"], "web");
    assert_eq!(
        w["scan"]["policy"]["digest"],
        Value::Null,
        "the policy above is not used"
    );
    let rules: Vec<&str> = w["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"k8s/privileged-container"), "{rules:?}");
    assert!(
        rules.contains(&"repo/missing-license"),
        "repository rules run: {rules:?}"
    );
    // Paths are relative to each repository.
    assert!(
        w["findings"].as_array().unwrap().iter().all(|f| !f["path"]
            .as_str()
            .unwrap()
            .starts_with("web/")
            && !f["path"].as_str().unwrap().starts_with('/'))
    );
    // The same report as `bylaw check` run in the repository.
    let mut check = bylaw(&api);
    check
        .args(["check", ".", "--no-cache", "--format", "json"])
        .env("BYLAW_TODAY", "2026-12-06");
    assert_eq!(
        check.output().unwrap().stdout,
        std::fs::read(root.join("reports/api.json")).unwrap()
    );

    // Ready for `bylaw report`.
    let out = bylaw(root)
        .args([
            "report",
            "reports",
            "--format",
            "json",
            "--today",
            "2026-12-06",
        ])
        .output()
        .unwrap();
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["gate"]["repositories"], 2);
    assert_eq!(p["gate"]["passing"], 1);
    assert_eq!(p["governance"]["waivers"], 1);
    assert_eq!(p["governance"]["suppressed_findings"], 1);
}

/// Findings above `info` and file errors of `bylaw check` on exactly these files.
fn lint(dir: &Path, files: &[&str]) -> Vec<String> {
    let out = bylaw(dir)
        .args(["check", "--no-cache", "--format", "json", "--exit-zero"])
        .args(files)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut problems: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["path"], f["start"]["line"], f["rule"], f["message"]
            )
        })
        .collect();
    problems.extend(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{}: {}", e["path"], e["message"])),
    );
    assert_eq!(r["summary"]["files_scanned"], files.len(), "{files:?}");
    problems
}

#[test]
fn rollout_workflows_and_templates_are_clean_under_bylaws_own_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflows = [
        ".github/workflows/bylaw.yml",
        ".github/workflows/bylaw-posture.yml",
    ];
    assert_eq!(lint(root, &workflows), Vec::<String>::new());
    for w in workflows {
        let text = std::fs::read_to_string(root.join(w)).unwrap();
        assert!(text.contains("workflow_call:"), "{w} is reusable");
    }
    // GitLab reads components from templates/; bylaw recognises pipelines by their file name.
    let tmp = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    for t in ["bylaw", "bylaw-posture"] {
        let text = std::fs::read_to_string(root.join(format!("templates/{t}.yml"))).unwrap();
        assert!(
            text.starts_with('#') && text.contains("spec:\n  inputs:") && text.contains("\n---\n")
        );
        write(tmp.path(), &format!("{t}/.gitlab-ci.yml"), &text);
        copies.push(format!("{t}/.gitlab-ci.yml"));
    }
    let copies: Vec<&str> = copies.iter().map(String::as_str).collect();
    assert_eq!(lint(tmp.path(), &copies), Vec::<String>::new());

    // The lint sees into these files: the same files, made worse, are flagged.
    let text = std::fs::read_to_string(root.join("templates/bylaw.yml")).unwrap();
    write(
        tmp.path(),
        "worse/.gitlab-ci.yml",
        &text.replace("image: $[[ inputs.image ]]", "image: rust"),
    );
    let found = lint(tmp.path(), &["worse/.gitlab-ci.yml"]);
    assert!(
        found.iter().any(|f| f.contains("gitlab/unpinned-image")),
        "{found:?}"
    );
    let text = std::fs::read_to_string(root.join(workflows[0])).unwrap();
    write(
        tmp.path(),
        ".github/workflows/worse.yml",
        &text.replace("permissions: {}\n", "").replace(
            "    permissions:\n      contents: read\n      security-events: write\n      actions: read\n",
            "",
        ),
    );
    let found = lint(tmp.path(), &[".github/workflows/worse.yml"]);
    assert!(
        found.iter().any(|f| f.contains("gha/missing-permissions")),
        "{found:?}"
    );
}

#[test]
fn hostile_reports_are_escaped_and_never_crash_the_roll_up() {
    let tmp = tempfile::tempdir().unwrap();
    let finding = serde_json::json!({
        "rule": "acme/<img src=x onerror=alert(1)>", "severity": "high", "confidence": "high",
        "message": "</td><script>alert(2)</script>", "path": "a|b\nc", "start": {"line": 1, "col": 1},
        "suppression": null, "baseline": null, "owners": ["<b>team</b>"], "context": "production",
        "fails": true
    });
    let report = serde_json::json!({
        "version": "1", "tool": {"name": "bylaw", "version": "0.1.0"},
        "scan": {"repository": "<script>alert(3)</script>|x", "commit": "ééééééééééééééé",
                 "branch": "\"><svg onload=alert(4)>", "bylaw_version": "0.1.0",
                 "policy": {"version": "'; alert(5); '", "digest": null}},
        "summary": {"files_scanned": 1},
        "findings": [finding],
        "suppressions": [{"origin": "waiver", "path": "bylaw.toml", "line": 1, "rules": [],
                          "owner": "<i>o</i>", "owners": [], "reason": "<script>", "ticket": null,
                          "until": "2026-99-99"}]
    });
    write(tmp.path(), "r.json", &report.to_string());
    let html = roll_up(tmp.path(), "html", &[]);
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b>team",
        "<i>o</i>",
    ] {
        assert!(!html.contains(raw), "{raw}");
    }
    assert!(html.contains("&lt;script&gt;alert(3)&lt;/script&gt;|x"));
    assert!(
        html.contains("<code>éééééééééééé</code>"),
        "12 characters of the commit"
    );
    // The page's own script is the only one.
    assert_eq!(html.matches("<script>").count(), 1);
    let md = roll_up(tmp.path(), "markdown", &[]);
    assert!(md.contains("&lt;script&gt;alert(3)&lt;/script&gt;\\|x"));
    assert!(!md.contains("<script>"));
    let json: Value = serde_json::from_str(&roll_up(tmp.path(), "json", &[])).unwrap();
    // An impossible date is neither expired nor expiring.
    assert_eq!(json["governance"]["expired"], serde_json::json!([]));
    assert_eq!(json["governance"]["expiring"], serde_json::json!([]));
}
