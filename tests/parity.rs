//! The parity map (`docs/parity/*.toml` → `docs/parity.md`): every check of the specialist tools,
//! mapped to the bylaw rules that cover it or to a reason why not. The data is checked against the
//! rule registry and the Markdown is regenerated and compared, so neither can drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bylaw::rule::registry::Registry;
use serde::Deserialize;

/// Why a peer check has no bylaw rule. The order is the order of the summary columns.
const REASONS: &[(&str, &str)] = &[
    ("gap", "not covered yet"),
    (
        "in-progress",
        "being added to existing rules and parsers under issue 15 §2",
    ),
    (
        "build-error",
        "`docker build` or the API server rejects it at once, so it cannot ship unnoticed",
    ),
    (
        "org-policy",
        "an organisation's own convention; write it as a custom rule",
    ),
    (
        "network",
        "needs network access (registries, the GitHub API, advisories); bylaw makes no network calls",
    ),
    (
        "other-tool",
        "outside bylaw's scope; the note names the tool for it",
    ),
    (
        "obsolete",
        "targets a feature that was removed or reached end of life",
    ),
    (
        "style",
        "style, log or image size only: no security, availability or reproducibility effect",
    ),
    ("tool-internal", "concerns the peer tool itself"),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolMap {
    tool: String,
    source: String,
    commit: String,
    catalogue: String,
    rules: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    bylaw: Vec<String>,
    reason: Option<String>,
    note: Option<String>,
}

fn parity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/parity")
}

/// The maps, keyed by file stem (the tag prefix rules use, such as `zizmor`), in name order.
fn load_maps() -> BTreeMap<String, ToolMap> {
    let mut maps = BTreeMap::new();
    for e in std::fs::read_dir(parity_dir()).expect("docs/parity exists") {
        let path = e.expect("readable dir entry").path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable map");
        let map: ToolMap =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().expect("a file name").to_string_lossy();
        maps.insert(stem.into_owned(), map);
    }
    maps
}

/// Everything wrong with the maps; `known` says whether a bylaw rule id exists.
fn problems(maps: &BTreeMap<String, ToolMap>, known: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (file, map) in maps {
        if map.rules.is_empty() {
            out.push(format!("{file}: no rules"));
        }
        if map.commit.len() != 40 || !map.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push(format!("{file}: commit must be a full hash"));
        }
        let mut seen = BTreeSet::new();
        for e in &map.rules {
            let at = format!("{file}: {}", e.id);
            if e.id.trim().is_empty() {
                out.push(format!("{file}: an entry has no id"));
            }
            if !seen.insert(&e.id) {
                out.push(format!("{at}: listed twice"));
            }
            match (&e.reason, e.bylaw.is_empty()) {
                (None, true) => out.push(format!("{at}: needs `bylaw` rules or a `reason`")),
                (Some(_), false) => out.push(format!("{at}: has both `bylaw` and `reason`")),
                (Some(r), true) if !REASONS.iter().any(|(k, _)| k == r) => {
                    out.push(format!("{at}: unknown reason `{r}`"))
                }
                _ => {}
            }
            let mut ids = BTreeSet::new();
            for id in &e.bylaw {
                if !known(id) {
                    out.push(format!("{at}: no bylaw rule `{id}`"));
                }
                if !ids.insert(id) {
                    out.push(format!("{at}: `{id}` listed twice"));
                }
            }
            for text in [&e.name, e.note.as_deref().unwrap_or_default()] {
                if text.contains('\n') {
                    out.push(format!("{at}: name and note must be one line"));
                }
            }
        }
    }
    out
}

/// Rules tagged `<map>:<check>` (such as `zizmor:secrets-inherit`) must be listed for that check.
fn tag_problems(maps: &BTreeMap<String, ToolMap>, registry: &Registry) -> Vec<String> {
    let mut out = Vec::new();
    for m in registry.metas() {
        for tag in &m.tags {
            let Some((tool, check)) = tag.split_once(':') else {
                continue;
            };
            let Some(map) = maps.get(tool) else {
                continue;
            };
            match map.rules.iter().find(|e| e.id == check) {
                None => out.push(format!("{}: tag {tag} names no check of {tool}", m.id)),
                Some(e) if !e.bylaw.contains(&m.id) => {
                    out.push(format!("{}: tagged {tag} but not mapped to it", m.id))
                }
                Some(_) => {}
            }
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn render(maps: &BTreeMap<String, ToolMap>) -> String {
    let mut s = String::new();
    s.push_str("# Parity with the specialist tools\n\n");
    s.push_str(
        "Every check of hadolint, zizmor, kube-linter and gitleaks (its default configuration), and\n\
         Checkov's Dockerfile, GitHub Actions, Kubernetes and AWS Terraform checks, with the bylaw\n\
         rules that cover it or the reason none does. Generated from `docs/parity/*.toml` by\n\
         `BYLAW_UPDATE_PARITY=1 cargo test --test parity`; `cargo test` fails when this file, the\n\
         data or the rule registry disagree. Edit the TOML files, not this one.\n\n",
    );
    s.push_str("## Summary\n\n| tool | checks | covered |");
    for (k, _) in REASONS {
        let _ = write!(s, " {k} |");
    }
    s.push_str("\n|---|--:|--:|");
    s.push_str(&"--:|".repeat(REASONS.len()));
    s.push('\n');
    for map in maps.values() {
        let covered = map.rules.iter().filter(|e| !e.bylaw.is_empty()).count();
        let _ = write!(
            s,
            "| [{}](#{}) | {} | {covered} |",
            map.tool,
            anchor(&map.tool),
            map.rules.len()
        );
        for (k, _) in REASONS {
            let n = map
                .rules
                .iter()
                .filter(|e| e.reason.as_deref() == Some(k))
                .count();
            let _ = write!(s, " {n} |");
        }
        s.push('\n');
    }
    s.push_str("\nReasons:\n\n");
    for (k, v) in REASONS {
        let _ = writeln!(s, "- `{k}`: {v}");
    }
    for map in maps.values() {
        let _ = write!(
            s,
            "\n## {}\n\nCatalogue: {}, from [{}]({}) at commit `{}`.\n\n| check | name | bylaw rules | note |\n|---|---|---|---|\n",
            map.tool,
            map.catalogue,
            map.source.trim_start_matches("https://github.com/"),
            map.source,
            map.commit
        );
        for e in &map.rules {
            let rules = if e.bylaw.is_empty() {
                format!("— ({})", e.reason.as_deref().unwrap_or_default())
            } else {
                e.bylaw
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {rules} | {} |",
                e.id,
                cell(&e.name),
                cell(e.note.as_deref().unwrap_or_default())
            );
        }
    }
    s
}

/// GitHub's heading anchor: lowercase, spaces to dashes, punctuation other than `-`/`_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn parity_map_is_consistent_and_current() {
    let registry = Registry::load(&[]).unwrap_or_else(|e| panic!("rules do not load: {e:?}"));
    let maps = load_maps();
    for tool in [
        "hadolint",
        "zizmor",
        "kube-linter",
        "gitleaks",
        "checkov-dockerfile",
        "checkov-github-actions",
        "checkov-kubernetes",
        "checkov-terraform-aws",
    ] {
        assert!(maps.contains_key(tool), "docs/parity/{tool}.toml missing");
    }
    let mut all = problems(&maps, &|id| registry.get(id).is_some());
    all.extend(tag_problems(&maps, &registry));
    assert!(all.is_empty(), "{}", all.join("\n"));

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/parity.md");
    let want = render(&maps);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("BYLAW_UPDATE_PARITY").is_some() {
            std::fs::write(&path, want).expect("write docs/parity.md");
        } else {
            panic!("docs/parity.md is stale: run `BYLAW_UPDATE_PARITY=1 cargo test --test parity`");
        }
    }
}

#[test]
fn parity_checks_catch_bad_entries() {
    let text = r#"
tool = "t"
source = "https://github.com/o/t"
commit = "0123456789abcdef0123456789abcdef01234567"
catalogue = "c"
rules = [
  { id = "A", bylaw = ["k8s/nope"] },
  { id = "A", reason = "gap" },
  { id = "B" },
  { id = "C", reason = "because" },
  { id = "D", bylaw = ["k8s/ok"], reason = "gap" },
  { id = "E", reason = "style", note = "two\nlines" },
]
"#;
    let mut maps = BTreeMap::new();
    maps.insert("t".to_string(), toml::from_str::<ToolMap>(text).unwrap());
    let got = problems(&maps, &|id| id == "k8s/ok");
    assert_eq!(
        got,
        [
            "t: A: no bylaw rule `k8s/nope`",
            "t: A: listed twice",
            "t: B: needs `bylaw` rules or a `reason`",
            "t: C: unknown reason `because`",
            "t: D: has both `bylaw` and `reason`",
            "t: E: name and note must be one line",
        ]
    );
}
