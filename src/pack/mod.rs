//! Rule packs: the built-in packs embedded from `rules/` at build time, and an organisation's
//! packs read from directories named in its policy. `include_dir` embeds the folder wholesale, so
//! adding a rule file needs no registry edit.

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

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
pub fn compile_sources(sources: Vec<RuleSource>) -> (Vec<Box<dyn Rule>>, Vec<RuleLoadError>) {
    let compiled: Vec<Result<Box<dyn Rule>, RuleLoadError>> =
        sources.into_par_iter().map(compile_source).collect();
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

fn compile_source(s: RuleSource) -> Result<Box<dyn Rule>, RuleLoadError> {
    let raw = decl::parse_rule_file(&s.file, &s.text)?;
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
