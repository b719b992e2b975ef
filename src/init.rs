//! `bylaw init`: a starter `bylaw.toml` for the repository in the current directory. It looks at
//! the files there the way a scan would (kind from path and content, context from the built-in
//! conventions), selects the packs whose rules apply to the kinds found, lists the contexts found,
//! and explains every key in a comment. It never overwrites a policy file without `--force`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::config::load::FILE_NAME;
use crate::document::DocumentKind;
use crate::error::Error;
use crate::project::context::{Context, Contexts};
use crate::rule::registry::Registry;

/// Files looked at: enough to see what a repository holds, bounded on huge trees.
const MAX_FILES: usize = 20_000;
/// Bytes read per file: classification needs the start (shebang, `apiVersion`, markers).
const HEAD_BYTES: u64 = 64 * 1024;

/// What a repository holds: files per kind and per context.
#[derive(Debug, Default)]
pub struct Survey {
    pub kinds: BTreeMap<DocumentKind, usize>,
    pub contexts: BTreeMap<Context, usize>,
    pub files: usize,
}

/// Look at the files under `dir` (git-ignored ones and `.git` excluded).
pub fn survey(dir: &Path) -> Survey {
    let contexts = Contexts::default();
    let mut s = Survey::default();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker.flatten().take(MAX_FILES) {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let mut head = Vec::new();
        let read = std::fs::File::open(entry.path())
            .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut head));
        if read.is_err() {
            continue;
        }
        let Some(text) = crate::engine::decode_text(&head) else {
            continue;
        };
        let kind = crate::walk::classify::classify(&rel, &text);
        *s.kinds.entry(kind).or_insert(0) += 1;
        *s.contexts
            .entry(contexts.classify(&rel, &rel, kind, &text))
            .or_insert(0) += 1;
        s.files += 1;
    }
    s
}

/// Built-in packs for what the survey found: packs whose rules apply to every kind (secrets,
/// repository hygiene, bylaw's own) and packs with a rule for a kind present.
pub fn packs(survey: &Survey, registry: &Registry) -> Vec<String> {
    let builtin = crate::pack::builtin_pack_names();
    let mut by_pack: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for m in registry.metas().filter(|m| builtin.contains(&m.pack)) {
        let e = by_pack.entry(&m.pack).or_insert((true, false));
        e.0 &= m.applies_to.len() == DocumentKind::ALL.len();
        e.1 |= m.applies_to.iter().any(|k| survey.kinds.contains_key(k));
    }
    by_pack
        .into_iter()
        .filter(|(_, (universal, present))| *universal || *present)
        .map(|(p, _)| p.to_string())
        .collect()
}

/// The starter policy text.
pub fn render(survey: &Survey, registry: &Registry) -> String {
    let packs = packs(survey, registry);
    let quoted: Vec<String> = packs.iter().map(|p| format!("\"{p}\"")).collect();
    let found: Vec<String> = survey
        .kinds
        .iter()
        .filter(|(k, _)| **k != DocumentKind::Text)
        .map(|(k, n)| format!("{} {n}", k.name()))
        .collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# bylaw policy, written by `bylaw init`. `bylaw schema` prints every key; the README's\n\
         # \"Policy file\" section explains them."
    );
    let _ = writeln!(
        s,
        "\n# Rules to run: packs (`k8s`), rule ids (`k8s/privileged-container`) or tags (`cwe:798`).\n\
         # Chosen for the files found here ({} files{}); `bylaw rules` lists every pack.",
        survey.files,
        if found.is_empty() {
            String::new()
        } else {
            format!(": {}", found.join(", "))
        }
    );
    let _ = writeln!(s, "select = [{}]", quoted.join(", "));
    let unused: BTreeSet<&str> = registry
        .packs()
        .into_iter()
        .filter(|p| !packs.iter().any(|q| q == p))
        .collect();
    if !unused.is_empty() {
        let _ = writeln!(
            s,
            "# Not selected (no matching files): {}",
            unused.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    s.push_str(
        "\n# Rules, packs or tags to skip, e.g. \"docker/missing-healthcheck\".\n\
         ignore = []\n\
         \n# Rules no suppression comment, waiver or local override can silence.\n\
         required = []\n\
         \n# Lowest severity that fails `bylaw check`: info | low | medium | high | critical.\n\
         fail-on = \"low\"\n\
         \n# Every suppression comment and waiver must say why (`reason=\"…\"`).\n\
         require-reason = true\n\
         \n# Paths never scanned (globs relative to this file), e.g. \"legacy/**\".\n\
         exclude = []\n\
         \n# The organisation's own rule packs (directories of rule files), e.g. \"policy/rules\".\n\
         packs = []\n",
    );
    let others: Vec<(&Context, &usize)> = survey
        .contexts
        .iter()
        .filter(|(c, _)| **c != Context::Production)
        .collect();
    s.push_str(
        "\n# File contexts decide what findings do to the run: `fail` counts them, `report` shows\n\
         # them without failing, `skip` does not scan the files. Built-in patterns put files in\n\
         # test, example, docs, vendor and generated; `paths` adds globs.\n",
    );
    if others.is_empty() {
        s.push_str("# Every file found here is production.\n");
    }
    for (c, n) in others {
        let _ = writeln!(
            s,
            "\n# {n} {} file{} found here.\n[contexts.{}]\npaths = []\nmode = \"{}\"",
            c.as_str(),
            if *n == 1 { "" } else { "s" },
            c.as_str(),
            c.default_mode().as_str()
        );
    }
    s
}

/// Write `bylaw.toml` in `dir`; an existing one only with `force`. Returns its path.
pub fn write(dir: &Path, force: bool) -> Result<PathBuf, Error> {
    let path = dir.join(FILE_NAME);
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; `bylaw init --force` overwrites it",
            path.display()
        )));
    }
    let registry = crate::app::load_registry(&[])?;
    let text = render(&survey(dir), &registry);
    std::fs::write(&path, text).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(path)
}
