//! Meta-tests that keep rules, docs and generated files consistent.

use bylaw::rule::registry::Registry;

#[test]
fn readme_rule_table_is_current() {
    let registry = Registry::load(&[]).unwrap_or_else(|e| panic!("rules do not load: {e:?}"));
    let table = bylaw::docs::rule_table(&registry);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- rules-table:start -->\n", "<!-- rules-table:end -->");
    let a = readme.find(start).expect("start marker") + start.len();
    let b = readme.find(end).expect("end marker");
    if readme[a..b] != table {
        if std::env::var_os("BYLAW_UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..a], table, &readme[b..]);
            std::fs::write(path, updated).unwrap();
        } else {
            panic!(
                "README rule table is stale: run `BYLAW_UPDATE_README=1 cargo test --test consistency`"
            );
        }
    }
}

#[test]
fn every_rule_is_documented() {
    let registry = Registry::load(&[]).unwrap();
    let mut problems = Vec::new();
    for m in registry.metas() {
        if m.title.ends_with('.') || m.title.trim().is_empty() {
            problems.push(format!(
                "{}: title must be one line without a trailing period",
                m.id
            ));
        }
        if m.description.len() < 20 || m.rationale.len() < 20 {
            problems.push(format!(
                "{}: description and rationale must say what and why",
                m.id
            ));
        }
        if !m.remediation.contains("```") {
            problems.push(format!(
                "{}: remediation needs a corrected snippet in a fenced block",
                m.id
            ));
        }
        if m.references.is_empty() {
            problems.push(format!("{}: needs at least one reference", m.id));
        }
        let md = bylaw::docs::rule_markdown(m);
        for h in ["## What it checks", "## Why it matters", "## Remediation"] {
            if !md.contains(h) {
                problems.push(format!("{}: generated docs lack {h}", m.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_builtin_logic_has_a_rule_file() {
    let registry = Registry::load(&[]).unwrap();
    let orphans: Vec<&str> = bylaw::rule::builtin::ids()
        .filter(|id| registry.get(id).is_none())
        .collect();
    assert!(
        orphans.is_empty(),
        "built-in logic without a rule file: {orphans:?}"
    );
}

#[test]
fn starter_rules_exist() {
    let registry = Registry::load(&[]).unwrap();
    for id in [
        "k8s/privileged-container",
        "terraform/aws-s3-public-acl",
        "docker/latest-base-image",
        "gha/script-injection",
        "python/subprocess-shell-true",
        "secrets/aws-access-key-id",
        "rust/undocumented-unsafe",
        "repo/missing-license",
    ] {
        assert!(registry.get(id).is_some(), "{id} missing");
    }
}

/// The integration files at the root parse, and bylaw's own rules find nothing in them.
#[test]
fn integration_files_are_valid_and_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (file, kind) in [
        ("action.yml", bylaw::document::DocumentKind::GithubAction),
        (
            ".pre-commit-hooks.yaml",
            bylaw::document::DocumentKind::Yaml,
        ),
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        let docs = bylaw::document::yaml::parse(&text, kind)
            .unwrap_or_else(|e| panic!("{file}: {}", e.message));
        assert_eq!(docs.len(), 1, "{file}");
    }
    let hooks = std::fs::read_to_string(format!("{root}/.pre-commit-hooks.yaml")).unwrap();
    let docs = bylaw::document::yaml::parse(&hooks, bylaw::document::DocumentKind::Yaml).unwrap();
    assert_eq!(docs[0].value[0]["id"], "bylaw");
    let registry = Registry::load(&[]).unwrap();
    let policy = bylaw::config::Policy::default();
    let engine = bylaw::engine::Engine::new(&registry, &policy);
    let req =
        bylaw::engine::ScanRequest::new(vec![format!("{root}/action.yml").into()], root.into());
    let report = engine.scan(&req);
    let active: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity > bylaw::finding::Severity::Info)
        .collect();
    assert!(active.is_empty(), "{active:#?}");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}
