//! Rule packs: the built-in packs embedded from `rules/` at build time, and an organisation's
//! packs read from directories named in its policy. `include_dir` embeds the folder wholesale, so
//! adding a rule file needs no registry edit.

use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::decl::schema::{ControlMeta, RawRule};
use crate::decl::{self, RuleLoadError};
use crate::rule::Rule;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// A rule file's name and text, from the embedded packs or from disk.
pub struct RuleSource {
    /// Display name: `rules/k8s/privileged-container.yaml`, or the path on disk.
    pub file: String,
    /// `pack/stem` when the location fixes the id.
    pub expected_id: Option<String>,
    pub text: String,
}

fn is_rule_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    ) && path.file_stem().and_then(|s| s.to_str()) != Some("pack")
}

/// The built-in rule files, sorted by path.
pub fn embedded_sources() -> Vec<RuleSource> {
    let mut out = Vec::new();
    fn walk(dir: &Dir<'static>, out: &mut Vec<RuleSource>) {
        for f in dir.files() {
            let p = f.path();
            if !is_rule_file(p) {
                continue;
            }
            let pack = p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|s| s.to_str());
            let stem = p.file_stem().and_then(|s| s.to_str());
            out.push(RuleSource {
                file: format!("rules/{}", p.display()),
                expected_id: pack.zip(stem).map(|(p, s)| format!("{p}/{s}")),
                text: String::from_utf8_lossy(f.contents()).into_owned(),
            });
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    walk(&EMBEDDED, &mut out);
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The names of the built-in packs (`k8s`, `gha`…).
pub fn builtin_pack_names() -> BTreeSet<String> {
    EMBEDDED
        .dirs()
        .filter_map(|d| d.path().file_name()?.to_str().map(String::from))
        .collect()
}

/// An error for every rule of an organisation's pack whose id takes a built-in pack's name: its
/// rules would mix with bylaw's (`select = ["k8s"]` would pick them up, and a later built-in
/// rule could take the same id).
pub fn reserved_pack_errors(rules: &[Box<dyn Rule>]) -> Vec<RuleLoadError> {
    let builtin = builtin_pack_names();
    let builtin_ids: BTreeSet<String> = embedded_sources()
        .into_iter()
        .filter_map(|s| s.expected_id)
        .collect();
    rules
        .iter()
        .map(|r| r.meta())
        .filter(|m| builtin.contains(&m.pack))
        .map(|m| RuleLoadError {
            file: m.source.clone(),
            rule: Some(m.id.clone()),
            message: if builtin_ids.contains(&m.id) {
                "field `id`: a built-in rule already has this id; use your own pack name".into()
            } else {
                format!(
                    "field `id`: `{}` is a built-in pack; use your own pack name (`acme/{}`)",
                    m.pack,
                    m.id.rsplit('/').next().unwrap_or(&m.id)
                )
            },
        })
        .collect()
}

/// Rule files under a user pack directory (recursively), sorted by path.
pub fn dir_sources(dir: &Path) -> Result<Vec<RuleSource>, RuleLoadError> {
    let mut files: Vec<PathBuf> = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|e| RuleLoadError {
            file: dir.display().to_string(),
            rule: None,
            message: format!("cannot read rule pack directory: {e}"),
        })?;
        if entry.file_type().is_file() && is_rule_file(entry.path()) {
            files.push(entry.into_path());
        }
    }
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| RuleLoadError {
                file: p.display().to_string(),
                rule: None,
                message: format!("cannot read: {e}"),
            })?;
            Ok(RuleSource {
                file: p.display().to_string(),
                expected_id: None,
                text,
            })
        })
        .collect()
}

/// Compile rule sources; every broken file is reported, not just the first. Rules compile in
/// parallel (regexes and ast-grep patterns are most of start-up) and keep their source order.
/// A rule naming a `control` takes the metadata it leaves out from that rule, which must be
/// among the same sources and name no control itself.
pub fn compile_sources(sources: Vec<RuleSource>) -> (Vec<Box<dyn Rule>>, Vec<RuleLoadError>) {
    let parsed: Vec<Result<(RuleSource, RawRule), RuleLoadError>> = sources
        .into_par_iter()
        .map(|s| decl::parse_rule_file(&s.file, &s.text).map(|raw| (s, raw)))
        .collect();
    let controls: HashMap<String, ControlMeta> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .filter(|(_, raw)| raw.control.is_none())
        .map(|(_, raw)| (raw.id.clone(), raw.control_meta()))
        .collect();
    let ready: Vec<Result<(RuleSource, RawRule), RuleLoadError>> = parsed
        .into_iter()
        .map(|p| {
            let (s, mut raw) = p?;
            if let Some(id) = raw.control.as_deref() {
                let Some(control) = controls.get(id) else {
                    return Err(RuleLoadError {
                        file: s.file.clone(),
                        rule: Some(raw.id.clone()),
                        message: format!(
                            "field `control`: no rule `{id}` (that itself names no control)"
                        ),
                    });
                };
                raw.inherit(control);
            }
            Ok((s, raw))
        })
        .collect();
    let compiled: Vec<Result<Box<dyn Rule>, RuleLoadError>> = ready
        .into_par_iter()
        .map(|r| r.and_then(|(s, raw)| compile_source(s, raw)))
        .collect();
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for c in compiled {
        match c {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    (rules, errors)
}

fn compile_source(s: RuleSource, raw: RawRule) -> Result<Box<dyn Rule>, RuleLoadError> {
    if s.expected_id.is_none()
        && let Some(stem) = Path::new(&s.file).file_stem().and_then(|x| x.to_str())
        && raw.id.rsplit('/').next() != Some(stem)
    {
        return Err(RuleLoadError {
            file: s.file.clone(),
            rule: Some(raw.id.clone()),
            message: format!(
                "field `id`: the name after the pack must equal the file name `{stem}`"
            ),
        });
    }
    decl::compile(raw, &s.file, s.expected_id.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> RuleSource {
        RuleSource {
            file: format!("rules/{name}.yaml"),
            expected_id: Some(name.to_string()),
            text: text.to_string(),
        }
    }

    const TWIN: &str = "id: a/x\ntitle: shared title\nseverity: high\ntype: config\nfor-each: $\ndeny: {path: $.x, exists: true}\nmessage: m\n\
        applies-to: [terraform]\ntags: [cwe:1]\ndescription: the terraform one, long enough\n\
        rationale: why it matters, shared by both\nremediation: r\nreferences: [https://a]\n";

    #[test]
    fn a_rule_takes_what_it_leaves_out_from_its_control() {
        let own = "id: b/x\ncontrol: a/x\ntype: config\nfor-each: $\ndeny: {path: $.x, exists: true}\nmessage: m\napplies-to: [cloudformation]\n\
            tags: [cwe:2]\ndescription: the cloudformation one, long enough\nremediation: r\n\
            references: [https://b, https://a]\n";
        let (rules, errors) = compile_sources(vec![source("a/x", TWIN), source("b/x", own)]);
        assert!(errors.is_empty(), "{errors:?}");
        let m = rules
            .iter()
            .map(|r| r.meta())
            .find(|m| m.id == "b/x")
            .expect("b/x loads");
        assert_eq!(m.title, "shared title");
        assert_eq!(m.severity, crate::finding::Severity::High);
        assert_eq!(m.rationale, "why it matters, shared by both");
        assert_eq!(m.tags, ["cwe:1", "cwe:2"]);
        assert_eq!(m.references, ["https://a", "https://b"]);
        assert_eq!(m.description, "the cloudformation one, long enough");
        // Its own title wins.
        let titled = own.replace("type:", "title: own title\ntype:");
        let (rules, _) = compile_sources(vec![source("a/x", TWIN), source("b/x", &titled)]);
        assert!(rules.iter().any(|r| r.meta().title == "own title"));
    }

    #[test]
    fn a_control_must_exist_and_name_no_control() {
        let own = "id: b/x\ncontrol: a/y\ntype: config\nfor-each: $\ndeny: {path: $.x, exists: true}\nmessage: m\napplies-to: [cloudformation]\n\
            description: d\nremediation: r\n";
        let (_, errors) = compile_sources(vec![source("a/x", TWIN), source("b/x", own)]);
        assert!(
            errors.iter().any(|e| e.message.contains("field `control`")),
            "{errors:?}"
        );
        let chained = "id: c/x\ncontrol: b/x\ntype: config\nfor-each: $\ndeny: {path: $.x, exists: true}\nmessage: m\napplies-to: [cloudformation]\n\
            description: d\nremediation: r\n";
        let own = own.replace("a/y", "a/x");
        let (_, errors) = compile_sources(vec![
            source("a/x", TWIN),
            source("b/x", &own),
            source("c/x", chained),
        ]);
        assert!(
            errors.iter().any(|e| e.rule.as_deref() == Some("c/x")),
            "{errors:?}"
        );
        // Without a control, title and rationale are required.
        let bare = "id: d/x\ntitle: t\nseverity: low\ntype: config\nfor-each: $\ndeny: {path: $.x, exists: true}\nmessage: m\napplies-to: [terraform]\ndescription: d\nremediation: r\n";
        let (_, errors) = compile_sources(vec![source("d/x", bare)]);
        assert!(
            errors.iter().any(|e| e.message.contains("rationale")),
            "{errors:?}"
        );
    }
}
