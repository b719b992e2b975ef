//! Built-in rules: logic in Rust for what a declaration cannot say well (expression analysis in
//! workflows, typed Rust ASTs, cross-document and repository-level checks).
//!
//! Metadata still lives in the rule's YAML file (`type: builtin`); this module only maps an id to
//! its logic. To add one: write `rules/<pack>/<name>.yaml`, the logic in this pack's module, and
//! one row in that module's `RULES`.

pub mod bylaw;
pub mod compose;
pub mod docker;
pub mod docker_stages;
pub mod gha;
pub mod gitlab;
pub mod go;
pub mod javascript;
pub mod k8s;
pub mod python;
pub mod repo;
pub mod rust;
pub mod secrets;
pub mod shell;
pub mod terraform;

use crate::decl::PathFilter;
use crate::document::{Document, DocumentKind};
use crate::rule::{Rule, RuleContext, RuleMeta, ScanContext};

/// The logic half of a built-in rule.
pub trait Check: Send + Sync {
    fn check(&self, _doc: &Document, _cx: &mut RuleContext) {}
    fn scan_kinds(&self) -> &[DocumentKind] {
        &[]
    }
    /// See [`Rule::scan_pointers`].
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        None
    }
    /// See [`Rule::relation_keywords`].
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        None
    }
    /// See [`Rule::relation_directory_only`].
    fn relation_directory_only(&self) -> Option<&'static [&'static str]> {
        None
    }
    fn is_scan_level(&self) -> bool {
        false
    }
    fn check_scan(&self, _scan: &ScanContext, _cx: &mut RuleContext) {}
    /// See [`Rule::filters_findings`].
    fn filters_findings(&self) -> bool {
        false
    }
    /// See [`Rule::dropped_paths`].
    fn dropped_paths(&self, _scan: &ScanContext, _paths: &[&str]) -> Vec<String> {
        Vec::new()
    }
    /// Literals (ASCII case-insensitive) without which `check` cannot find anything: the engine
    /// then calls it only on files that contain one, and may never parse the others.
    fn keywords(&self) -> &'static [&'static str] {
        &[]
    }
}

pub type Factory = fn() -> Box<dyn Check>;

/// Every pack's built-in rules; each pack module lists its own.
const PACKS: &[&[(&str, Factory)]] = &[
    bylaw::RULES,
    compose::RULES,
    docker::RULES,
    docker_stages::RULES,
    gha::RULES,
    gitlab::RULES,
    go::RULES,
    javascript::RULES,
    k8s::RULES,
    k8s::env::RULES,
    python::RULES,
    repo::RULES,
    rust::RULES,
    secrets::RULES,
    shell::RULES,
    terraform::RULES,
];

fn builtins() -> impl Iterator<Item = &'static (&'static str, Factory)> {
    PACKS.iter().flat_map(|p| p.iter())
}

pub struct BuiltinRule {
    meta: RuleMeta,
    filter: PathFilter,
    logic: Box<dyn Check>,
    keywords: Vec<String>,
}

pub fn instantiate(meta: RuleMeta, filter: PathFilter) -> Result<Box<dyn Rule>, String> {
    let Some((_, factory)) = builtins().find(|(id, _)| *id == meta.id) else {
        return Err(format!(
            "field `type`: `builtin` but no built-in logic is registered for `{}`",
            meta.id
        ));
    };
    let logic = factory();
    Ok(Box::new(BuiltinRule {
        meta,
        filter,
        keywords: logic.keywords().iter().map(|k| k.to_string()).collect(),
        logic,
    }))
}

/// Ids with built-in logic (for the consistency test).
pub fn ids() -> impl Iterator<Item = &'static str> {
    builtins().map(|(id, _)| *id)
}

impl Rule for BuiltinRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if self.filter.allows(&doc.path) {
            self.logic.check(doc, cx);
        }
    }
    fn scan_kinds(&self) -> &[DocumentKind] {
        self.logic.scan_kinds()
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        self.logic.scan_pointers()
    }
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        self.logic.relation_keywords()
    }
    fn relation_directory_only(&self) -> Option<&'static [&'static str]> {
        self.logic.relation_directory_only()
    }
    fn is_scan_level(&self) -> bool {
        self.logic.is_scan_level()
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        self.logic.check_scan(scan, cx);
    }
    fn filters_findings(&self) -> bool {
        self.logic.filters_findings()
    }
    fn dropped_paths(&self, scan: &ScanContext, paths: &[&str]) -> Vec<String> {
        self.logic.dropped_paths(scan, paths)
    }
    fn prefilter_keywords(&self) -> Option<&[String]> {
        Some(&self.keywords)
            .filter(|k| !k.is_empty())
            .map(Vec::as_slice)
    }
}
