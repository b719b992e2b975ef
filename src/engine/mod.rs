//! The engine: reads each walked file in parallel (rayon), classifies it, runs the rules that
//! apply to its kind, finishes the findings (line/column, fingerprint, policy severity, redaction)
//! and gathers everything into a sorted [`Report`]. Rules never see the CLI; reporters never filter.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use crate::cache;
use crate::config::Policy;
use crate::document::code::Lang;
use crate::document::{Document, DocumentKind, LineIndex};
use crate::finding::Finding;
use crate::project::context::{Context, Mode};
use crate::project::rendered::{Claim, Rendered, RenderedFile};
use crate::project::roots::Roots;
use crate::report::{FileError, Report, Skipped};
use crate::rule::registry::Registry;
use crate::rule::{RuleContext, RuleType, ScanContext};
use crate::suppress::{self, Directive, SuppressContext};
use crate::walk::{self, WalkedFile, classify::classify};
use ast_grep_core::matcher::{Matcher, MatcherExt};

/// Default size limit per file: larger files are skipped and counted.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// Time one file may take before its remaining rules are skipped (reported as `timeout`).
pub const FILE_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub paths: Vec<PathBuf>,
    /// Paths in reports are relative to this directory.
    pub base: PathBuf,
    pub threads: usize,
    pub max_file_size: u64,
    /// Run repository-level rules even when the scan is not a whole repository.
    pub force_repo_rules: bool,
    /// Scan exactly these files (with optional in-memory content) instead of walking `paths`:
    /// `--staged`, `--since`.
    pub files: Option<Vec<WalkedFile>>,
    /// Where the result cache lives; `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// Subdirectories not to enter: they have their own bylaw.toml and their own scan.
    pub skip_dirs: Vec<PathBuf>,
    /// Never run repository-level rules (a subtree scanned under its own policy).
    pub no_repo_rules: bool,
    /// Only some files are checked (`--staged`, `--since`, explicit files): cross-document rules
    /// still see the rest of the repository, findings are reported only for these files, and
    /// repository-level rules do not run (unless forced).
    pub partial: bool,
    /// `--staged`: the rest of the repository is read as the index holds it.
    pub staged: bool,
    /// What the user asked to scan (a group under a nested policy scans a subtree of it): the
    /// root of fingerprints and CODEOWNERS paths for files outside any repository.
    pub scan_roots: Vec<PathBuf>,
    /// Text to scan in place of these files (by report path): `--fix` re-scans fixed text
    /// before anything is written.
    pub overrides: BTreeMap<String, Arc<[u8]>>,
    /// Counts files found and checked, for the progress line on a terminal.
    pub progress: Option<Arc<crate::progress::Progress>>,
}

impl ScanRequest {
    pub fn new(paths: Vec<PathBuf>, base: PathBuf) -> Self {
        ScanRequest {
            scan_roots: paths.clone(),
            paths,
            base,
            threads: 0,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            force_repo_rules: false,
            files: None,
            cache_dir: None,
            skip_dirs: Vec::new(),
            no_repo_rules: false,
            partial: false,
            staged: false,
            overrides: BTreeMap::new(),
            progress: None,
        }
    }
}

pub struct Engine<'a> {
    registry: &'a Registry,
    policy: &'a Policy,
    /// Rule indices per document kind (non-text rules), in id order.
    by_kind: HashMap<DocumentKind, Vec<usize>>,
    /// Text rules behind the shared keyword automaton: pattern index → rule index.
    text_rules: Vec<usize>,
    prefilter: Option<(AhoCorasick, Vec<usize>)>,
    /// Rules with keywords: always run on every kind they apply to when keywords are absent.
    scan_rules: Vec<usize>,
    /// Kinds kept for scan-level rules, with the pointer prefixes they read (`None`: all).
    keep_kinds: BTreeMap<DocumentKind, Option<Vec<&'static str>>>,
    /// Per kept kind, which documents outside a partial scan's files matter to some
    /// cross-document rule.
    relation_filter: BTreeMap<DocumentKind, RelationFilter>,
    /// Code rules per language, indexed by tree-sitter node kind: one traversal runs them all.
    code: HashMap<Lang, CodeTable>,
    /// Rules run through `code` (for the list of rules that ran).
    code_rules: Vec<usize>,
    /// Literals code rules need in a file's text before they can match.
    code_filter: CodeFilter,
    /// [`FILE_TIME_BUDGET`], shortened by tests.
    file_budget: std::time::Duration,
    /// Terraform module directories, each evaluated once for the `.tf` files in it.
    terraform: crate::project::terraform::Modules,
}

/// For one language: node kind id → (rule index, matcher index) pairs that may match it.
#[derive(Default)]
struct CodeTable {
    by_kind: Vec<Vec<(usize, usize)>>,
    /// Every rule in `by_kind`: if none can match a file, it is not parsed at all.
    rules: BTreeSet<usize>,
}

/// Automata over every literal code rules need ([`crate::decl::needs`]): one exact, one
/// ASCII-case-insensitive for folded literals; per rule, the clauses as literal ids. A rule with
/// no entry needs nothing and always runs.
#[derive(Default)]
struct CodeFilter {
    exact: Option<AhoCorasick>,
    folded: Option<AhoCorasick>,
    /// Exact literals first, then folded ones: literal id = position in that order.
    exact_len: usize,
    needs: HashMap<usize, Vec<Vec<usize>>>,
}

impl CodeFilter {
    fn new(rules: &[Box<dyn crate::rule::Rule>], enabled: &[usize]) -> Self {
        use crate::decl::needs::{FOLD_HAZARDS, Literal};
        let mut exact: Vec<String> = Vec::new();
        let mut folded: Vec<String> = Vec::new();
        let mut ids: HashMap<&Literal, (bool, usize)> = HashMap::new();
        let mut raw = Vec::new();
        for &i in enabled {
            let Some(cr) = rules[i].as_code() else {
                continue;
            };
            if cr.needs.is_empty() {
                continue;
            }
            let clauses: Vec<Vec<(bool, usize)>> = cr
                .needs
                .iter()
                .map(|c| {
                    c.iter()
                        .map(|l| {
                            *ids.entry(l).or_insert_with(|| {
                                let list = if l.fold { &mut folded } else { &mut exact };
                                list.push(l.text.clone());
                                (l.fold, list.len() - 1)
                            })
                        })
                        .collect()
                })
                .collect();
            raw.push((i, clauses));
        }
        // Text with a non-ASCII case variant of an ASCII letter may match a folded literal the
        // ASCII-insensitive search misses: these sentinels make every folded literal count.
        if !folded.is_empty() {
            exact.extend(FOLD_HAZARDS.iter().map(|h| h.to_string()));
        }
        let exact_len = exact.len();
        let build = |lits: &[String], fold: bool| {
            (!lits.is_empty())
                .then(|| {
                    AhoCorasick::builder()
                        .ascii_case_insensitive(fold)
                        .build(lits)
                        .ok()
                })
                .flatten()
        };
        let (exact_ac, folded_ac) = (build(&exact, false), build(&folded, true));
        // A literal set that failed to build filters nothing: every rule then runs.
        if exact_ac.is_none() != exact.is_empty() || folded_ac.is_none() != folded.is_empty() {
            return CodeFilter::default();
        }
        let needs = raw
            .into_iter()
            .map(|(i, clauses)| {
                let clauses = clauses
                    .into_iter()
                    .map(|c| {
                        c.into_iter()
                            .map(|(fold, id)| if fold { exact_len + id } else { id })
                            .collect()
                    })
                    .collect();
                (i, clauses)
            })
            .collect();
        CodeFilter {
            exact: exact_ac,
            folded: folded_ac,
            exact_len,
            needs,
        }
    }

    /// Which literals occur in `text` (empty when there is no filter).
    fn hits(&self, text: &str) -> Vec<bool> {
        let folded_len = self.folded.as_ref().map_or(0, AhoCorasick::patterns_len);
        if self.exact.is_none() && folded_len == 0 {
            return Vec::new();
        }
        let mut hit = vec![false; self.exact_len + folded_len];
        if let Some(ac) = &self.exact {
            for m in ac.find_overlapping_iter(text) {
                hit[m.pattern().as_usize()] = true;
            }
        }
        if let Some(ac) = &self.folded {
            // The hazard sentinels are the last exact literals (added only with folded ones).
            let hazard = self.exact_len >= crate::decl::needs::FOLD_HAZARDS.len()
                && hit[self.exact_len - crate::decl::needs::FOLD_HAZARDS.len()..self.exact_len]
                    .iter()
                    .any(|&h| h);
            if hazard {
                hit[self.exact_len..].fill(true);
            } else {
                for m in ac.find_overlapping_iter(text) {
                    hit[self.exact_len + m.pattern().as_usize()] = true;
                }
            }
        }
        hit
    }

    /// Whether rule `i` can match a text with these literal hits.
    fn allows(&self, i: usize, hits: &[bool]) -> bool {
        self.needs.get(&i).is_none_or(|clauses| {
            clauses
                .iter()
                .all(|c| c.iter().any(|&l| hits.get(l).copied().unwrap_or(true)))
        })
    }
}

/// What one file produced.
#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
    errors: Vec<FileError>,
    skipped: Option<Skipped>,
    directives: Vec<Directive>,
    kept: Option<Arc<Document>>,
    source: Option<Arc<str>>,
    scanned: bool,
    /// The file's context, once known (not for files that could not be read).
    context: Option<Context>,
    cache_entry: Option<(String, cache::Entry)>,
    /// Texts of other files findings were moved to (a variable's default), by path.
    moved_sources: Vec<(String, Arc<str>)>,
}

impl<'a> Engine<'a> {
    pub fn new(registry: &'a Registry, policy: &'a Policy) -> Self {
        let mut by_kind: HashMap<DocumentKind, Vec<usize>> = HashMap::new();
        let mut text_rules = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rule = Vec::new();
        let mut scan_rules = Vec::new();
        let mut keep_kinds: BTreeMap<DocumentKind, Option<Vec<&'static str>>> = BTreeMap::new();
        // Per kind: words that make a document matter anywhere / in a checked file's directory
        // (`None`: every document).
        type Words = Option<Vec<&'static str>>;
        let mut relation_words: BTreeMap<DocumentKind, (Words, Words)> = BTreeMap::new();
        let mut code: HashMap<Lang, CodeTable> = HashMap::new();
        let mut code_rules = Vec::new();
        let mut enabled_code = Vec::new();
        for (i, rule) in registry.rules().iter().enumerate() {
            let meta = rule.meta();
            if !policy.enabled(meta, None) {
                continue;
            }
            if let Some(cr) = rule.as_code() {
                enabled_code.push(i);
                let mut indexed = true;
                for (mi, (lang, core)) in cr.matchers.iter().enumerate() {
                    let table = code.entry(*lang).or_default();
                    match core.potential_kinds() {
                        Some(kinds) => {
                            for k in kinds.iter() {
                                if table.by_kind.len() <= k {
                                    table.by_kind.resize_with(k + 1, Vec::new);
                                }
                                table.by_kind[k].push((i, mi));
                            }
                            table.rules.insert(i);
                        }
                        None => indexed = false,
                    }
                }
                if indexed {
                    code_rules.push(i);
                    continue;
                }
                // A rule without potential kinds falls back to its own traversal.
                for t in code.values_mut() {
                    for v in &mut t.by_kind {
                        v.retain(|(r, _)| *r != i);
                    }
                    t.rules.remove(&i);
                }
            }
            if rule.is_scan_level() {
                scan_rules.push(i);
                for k in rule.scan_kinds() {
                    let entry = keep_kinds.entry(*k).or_insert_with(|| Some(Vec::new()));
                    match (entry.as_mut(), rule.scan_pointers()) {
                        (Some(v), Some(p)) => v.extend_from_slice(p),
                        _ => *entry = None,
                    }
                    let (anywhere, near) = relation_words
                        .entry(*k)
                        .or_insert_with(|| (Some(Vec::new()), Some(Vec::new())));
                    let add = |set: &mut Words, w: Option<&[&'static str]>| match (set.as_mut(), w)
                    {
                        (Some(v), Some(w)) => v.extend_from_slice(w),
                        _ => *set = None,
                    };
                    match rule.relation_directory_only() {
                        Some(global) => {
                            add(anywhere, Some(global));
                            add(near, rule.relation_keywords());
                        }
                        None => add(anywhere, rule.relation_keywords()),
                    }
                }
            }
            match rule.prefilter_keywords() {
                Some(kws) if !kws.is_empty() => {
                    text_rules.push(i);
                    for k in kws {
                        patterns.push(k.clone());
                        pattern_rule.push(i);
                    }
                }
                _ => {
                    for k in &meta.applies_to {
                        by_kind.entry(*k).or_default().push(i);
                    }
                }
            }
        }
        let prefilter = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&patterns)
                .ok()
                .map(|ac| (ac, pattern_rule))
        };
        // Several rules read the same pointers (the k8s rules share one list): test each once
        // per node of every kept document.
        for keep in keep_kinds.values_mut().flatten() {
            keep.sort_unstable();
            keep.dedup();
        }
        let code_filter = CodeFilter::new(registry.rules(), &enabled_code);
        let relation_filter = relation_words
            .into_iter()
            .map(|(k, (anywhere, near))| {
                // An automaton that fails to build filters nothing: every document then counts.
                let build = |w: Words| match w {
                    None => RelationWords::All,
                    Some(w) if w.is_empty() => RelationWords::None,
                    Some(w) => AhoCorasick::new(w).map_or(RelationWords::All, RelationWords::Any),
                };
                (
                    k,
                    RelationFilter {
                        anywhere: build(anywhere),
                        near: build(near),
                    },
                )
            })
            .collect();
        Engine {
            registry,
            policy,
            by_kind,
            text_rules,
            prefilter,
            scan_rules,
            keep_kinds,
            relation_filter,
            code,
            code_rules,
            code_filter,
            file_budget: FILE_TIME_BUDGET,
            terraform: crate::project::terraform::Modules::new(&policy.terraform_var_files),
        }
    }

    /// Run every indexed code rule of the document's language in one traversal. Returns `false`
    /// when the file's time budget (counted from `started`) ran out part-way.
    fn check_code(
        &self,
        doc: &Document,
        hits: &[bool],
        started: Instant,
        findings: &mut Vec<Finding>,
    ) -> bool {
        let Some(lang) = Lang::from_kind(doc.kind) else {
            return true;
        };
        let Some(table) = self.code.get(&lang) else {
            return true;
        };
        let rules = self.registry.rules();
        // Rules that can match this file; if there are none the file is never parsed.
        let live: HashMap<usize, bool> = table
            .rules
            .iter()
            .map(|&i| {
                let r = &rules[i];
                let on = self.code_filter.allows(i, hits)
                    && self.policy.enabled(r.meta(), Some(&doc.path))
                    && r.as_code().is_some_and(|c| c.filter.allows(&doc.path));
                (i, on)
            })
            .collect();
        if !live.values().any(|&on| on) {
            return true;
        }
        let on = |i: usize| live.get(&i).copied().unwrap_or(false);
        let Some(tree) = doc.code() else { return true };
        for (n, node) in tree.root().dfs().enumerate() {
            // A tree of a million nodes is one traversal: look at the clock inside it too.
            if n % 1024 == 0 && started.elapsed() > self.file_budget {
                return false;
            }
            let Some(cands) = table.by_kind.get(node.kind_id() as usize) else {
                continue;
            };
            for &(ri, mi) in cands {
                if !on(ri) {
                    continue;
                }
                let Some(cr) = rules[ri].as_code() else {
                    continue;
                };
                if let Some(m) = cr.matchers[mi].1.match_node(node.clone()) {
                    let (span, msg, key) = cr.describe(&m);
                    let mut f = Finding::new(&cr.meta.id, cr.meta.severity, &doc.path, msg);
                    f.confidence = cr.meta.confidence;
                    f.span = Some(span);
                    f.fingerprint_key = key;
                    findings.push(f);
                }
            }
        }
        true
    }

    /// Ids of every rule that runs (for SARIF descriptors), sorted.
    pub fn active_rule_ids(&self) -> Vec<String> {
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for v in self.by_kind.values() {
            for i in v {
                ids.insert(self.registry.rules()[*i].meta().id.clone());
            }
        }
        for i in self
            .text_rules
            .iter()
            .chain(&self.scan_rules)
            .chain(&self.code_rules)
        {
            ids.insert(self.registry.rules()[*i].meta().id.clone());
        }
        ids.into_iter().collect()
    }

    pub fn scan(&self, req: &ScanRequest) -> Report {
        let started = Instant::now();
        let (mut files, walk_errors) = match &req.files {
            Some(f) => (f.clone(), Vec::new()),
            None => walk::walk_skipping(&req.paths, &req.base, req.threads.max(1), &req.skip_dirs),
        };
        if !req.overrides.is_empty() {
            for f in &mut files {
                if let Some(c) = req.overrides.get(&f.rel) {
                    f.content = Some(c.clone());
                }
            }
        }
        let mut report = Report::default();
        for e in walk_errors {
            report.errors.push(FileError::read(&e.rel, e.message));
        }
        let cache_key = self.cache_key();
        let cache_path = req
            .cache_dir
            .as_ref()
            .map(|d| cache::file_for(d, &req.base, &cache_key));
        let old_cache = cache_path
            .as_ref()
            .map(|p| cache::load(p, &cache_key))
            .unwrap_or_default();
        let roots = Roots::new(&req.base, &req.scan_roots);
        let includes = walk::includes::gitlab_includes(&files);
        self.terraform
            .start(files.iter().map(|f| (f.path.clone(), f.rel.clone())));
        if let Some(p) = &req.progress {
            p.total
                .fetch_add(files.len(), std::sync::atomic::Ordering::Relaxed);
        }
        // What the files build (Kustomize overlays, Helm charts), and the files those builds
        // consume, which are not judged on their own.
        let rendered = Rendered::build(&files, &req.base, req.max_file_size, self.policy);
        let outcomes: Vec<FileOutcome> = files
            .par_iter()
            .map(|f| {
                if let Some(p) = &req.progress {
                    p.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                // A file a GitLab pipeline includes is judged as part of that pipeline.
                let pipeline = includes.get(&f.rel).map(|&i| Place {
                    scoped: self.policy.scoped(&files[i].rel).into_owned(),
                    stable: roots.locate_file(&files[i].path).1,
                    claim: None,
                });
                self.check_file(
                    f,
                    &roots,
                    pipeline.as_ref(),
                    req.max_file_size,
                    cache_path.as_ref().map(|_| &old_cache),
                    &rendered.claims,
                )
            })
            .collect();
        // Outcomes are in the order of `files`: each file's context under its own path.
        let mut contexts: HashMap<&str, Context> = HashMap::new();
        let mut new_cache = old_cache;
        let mut kept = Vec::new();
        let mut directives = Vec::new();
        // Reserve exactly: growing by doubling would hold up to twice the findings at the peak.
        report
            .findings
            .reserve_exact(outcomes.iter().map(|o| o.findings.len()).sum());
        for (f, o) in files.iter().zip(outcomes) {
            if let Some(c) = o.context {
                contexts.insert(f.rel.as_str(), c);
            }
            directives.extend(o.directives);
            if let Some((rel, entry)) = o.cache_entry {
                new_cache.files.insert(rel, entry);
            }
            report.findings.extend(o.findings.into_iter().map(Box::new));
            report.errors.extend(o.errors);
            if let Some(s) = o.skipped {
                report.skipped.push(s);
            }
            if let Some(d) = o.kept {
                kept.push(d);
            }
            if let Some(src) = o.source {
                report.sources.insert(f.rel.clone(), src);
            }
            for (p, src) in o.moved_sources {
                report.sources.entry(p).or_insert(src);
            }
            if o.scanned {
                report.files_scanned += 1;
            }
        }
        if let Some(p) = &cache_path {
            cache::save(p, &new_cache);
        }
        // A finding moved to where its value is written (a Terraform variable set in an example)
        // takes that file's context.
        for f in report.findings.iter_mut().filter(|f| !f.related.is_empty()) {
            if let Some(c) = contexts.get(f.path.as_str()) {
                set_context(f, *c, self.policy);
            }
        }
        let (mut rendered_findings, rendered_kept) =
            self.check_rendered(&rendered, &contexts, &mut report.errors);
        kept.extend(rendered_kept);
        // A partial scan: the rest of the repository, for the rules that relate documents (and
        // those that read a build tool's files from the file list).
        let in_scope: HashSet<&str> = if req.partial {
            files.iter().map(|f| f.rel.as_str()).collect()
        } else {
            HashSet::new()
        };
        let mut all_files: Vec<String> = files.iter().map(|f| f.rel.clone()).collect();
        if req.partial
            && !self.scan_rules.is_empty()
            && let Some(repo) = roots.repository_of(&req.base)
        {
            let rest = crate::project::scope::rest_of_repository(
                &repo,
                &req.base,
                &in_scope,
                req.threads.max(1),
                req.staged,
            );
            if !self.keep_kinds.is_empty() {
                let dirs: HashSet<&str> = in_scope.iter().map(|p| parent_dir(p)).collect();
                kept.par_extend(rest.par_iter().filter_map(|f| {
                    let near = dirs.contains(parent_dir(&f.rel));
                    self.relation_document(f, &roots, req.max_file_size, near)
                }));
                // Same order as a full scan, so whole-scan rules pick the same places.
                kept.sort_by(|a, b| a.path.cmp(&b.path));
            }
            all_files.extend(rest.into_iter().map(|f| f.rel));
            all_files.sort();
        }
        // Scan-level rules (cross-document, repository).
        let repo_roots = repo_roots(req);
        let scan_cx = ScanContext {
            documents: kept,
            files: all_files,
            repo_roots,
            base: req.base.clone(),
        };
        // Per-file findings that the whole scan shows to be wrong ([`Rule::dropped_paths`]).
        for rule in self
            .registry
            .rules()
            .iter()
            .filter(|r| r.filters_findings())
        {
            let id = rule.meta().id.as_str();
            let paths: BTreeSet<&str> = report
                .findings
                .iter()
                .filter(|f| f.rule_id == id)
                .map(|f| f.path.as_str())
                .collect();
            if paths.is_empty() {
                continue;
            }
            let paths: Vec<&str> = paths.into_iter().collect();
            // A panic keeps every finding (nothing dropped) and is reported.
            let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rule.dropped_paths(&scan_cx, &paths)
            }));
            let dropped: HashSet<String> = match dropped {
                Ok(d) => d.into_iter().collect(),
                Err(_) => {
                    report
                        .errors
                        .push(scan_rule_failed(id, "filtering its findings, all kept,"));
                    HashSet::new()
                }
            };
            if !dropped.is_empty() {
                report
                    .findings
                    .retain(|f| f.rule_id != id || !dropped.contains(&f.path));
            }
        }
        let ran: Vec<Result<Vec<Finding>, FileError>> = self
            .scan_rules
            .par_iter()
            .map(|&i| {
                let rule = &self.registry.rules()[i];
                let options = self.policy.options_for(rule.meta());
                let mut cx = RuleContext::new(rule.meta(), &options)
                    .with_regexes(self.policy.option_regexes.get(&rule.meta().id));
                // As per file: a panicking whole-scan rule loses its own findings only.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rule.check_scan(&scan_cx, &mut cx);
                }))
                .map(|()| cx.findings)
                .map_err(|_| scan_rule_failed(&rule.meta().id, "on the whole scan"))
            })
            .collect();
        let mut scan_findings = Vec::new();
        for r in ran {
            match r {
                Ok(f) => scan_findings.extend(f),
                Err(e) => report.errors.push(e),
            }
        }
        // Whole-scan findings on rendered documents move to the files they came from.
        let by_label: HashMap<&str, &RenderedFile> = rendered
            .files
            .iter()
            .map(|r| (r.label.as_str(), r))
            .collect();
        let (on_rendered, rest): (Vec<Finding>, Vec<Finding>) = scan_findings
            .into_iter()
            .partition(|f| by_label.contains_key(f.path.as_str()));
        scan_findings = rest;
        for f in on_rendered {
            if let Some(moved) = by_label.get(f.path.as_str()).and_then(|r| r.remap(f)) {
                rendered_findings.push(moved);
            }
        }
        let mut rendered_findings = self.finish_rendered(rendered_findings, &rendered, &roots);
        // A partial scan reports only on its own files.
        if req.partial {
            scan_findings.retain(|f| in_scope.contains(f.path.as_str()));
            rendered_findings.retain(|f| in_scope.contains(f.path.as_str()));
        }
        for f in &rendered_findings {
            if let Some(src) = rendered.source(&f.path) {
                report
                    .sources
                    .entry(f.path.clone())
                    .or_insert_with(|| src.clone());
            }
        }
        // Locate scan-level findings in the documents they name.
        let docs: HashMap<&str, &Arc<Document>> = scan_cx
            .documents
            .iter()
            .map(|d| (d.path.as_str(), d))
            .collect();
        scan_findings.par_iter_mut().for_each(|f| {
            if let Some(d) = docs.get(f.path.as_str()) {
                crate::project::terraform::reroute(d, std::slice::from_mut(f));
                crate::project::terraform::name_addresses(d, std::slice::from_mut(f));
            }
        });
        // Instances of one Terraform module can report the same finding once each.
        let (mut tf, other): (Vec<Finding>, Vec<Finding>) = scan_findings
            .into_iter()
            .partition(|f| f.rule_id.starts_with("terraform/"));
        crate::project::terraform::dedupe(&mut tf);
        let mut scan_findings = other;
        scan_findings.extend(tf);
        scan_findings.par_iter_mut().for_each(|f| {
            let doc = docs.get(f.path.as_str()).map(|d| d.as_ref());
            let stable = roots.stable_path(&f.path);
            finish(f, self.policy, self.registry, doc, &stable);
        });
        // Their fixes are tied to the text they were computed on, as per-file ones are.
        let mut bases: HashMap<&str, String> = HashMap::new();
        for f in &mut scan_findings {
            if let (Some(fix), Some(d)) = (f.fix.as_deref_mut(), docs.get(f.path.as_str())) {
                let basis = bases
                    .entry(d.path.as_str())
                    .or_insert_with(|| crate::fix::text_hash(&d.text));
                fix.basis = Some(basis.clone());
            }
        }
        for f in &scan_findings {
            if let Some(d) = docs.get(f.path.as_str())
                && !report.sources.contains_key(&f.path)
            {
                report.sources.insert(f.path.clone(), d.text.clone());
            }
            for r in &f.related {
                if let Some(d) = docs.get(r.path.as_str()) {
                    for (p, src) in crate::project::terraform::moved_sources(d, &scan_findings) {
                        report.sources.entry(p).or_insert(src);
                    }
                }
            }
        }
        let per_file_count = report.findings.len();
        report
            .findings
            .extend(scan_findings.into_iter().map(Box::new));
        report
            .findings
            .extend(rendered_findings.into_iter().map(Box::new));
        report.errors.extend(rendered.errors);
        report.skipped.extend(rendered.skipped);
        report.rules_run = self.active_rule_ids();
        report.rule_help = report
            .rules_run
            .iter()
            .filter_map(|id| {
                self.registry
                    .get(id)
                    .map(|r| (id.clone(), r.meta().short_help()))
            })
            .collect();
        let active: BTreeSet<String> = report.rules_run.iter().cloned().collect();
        let cx = SuppressContext {
            policy: self.policy,
            registry: self.registry,
            today: crate::config::load::today(),
            active: &active,
            partial: req.partial,
            roots: &roots,
        };
        let extra = suppress::apply(&mut report.findings, &directives, &cx);
        report.findings.extend(extra.into_iter().map(Box::new));
        // Findings of whole-scan rules and about suppressions take the context of the file
        // they point at; a file the scan did not read (LICENSE, the policy file) by its path.
        for f in &mut report.findings[per_file_count..] {
            let c = contexts
                .get(f.path.as_str())
                .copied()
                .unwrap_or_else(|| self.context_of_unscanned(&req.base, &roots, &f.path));
            set_context(f, c, self.policy);
        }
        for e in &mut report.errors {
            let c = contexts
                .get(e.path.as_str())
                .copied()
                .unwrap_or_else(|| self.context_of_unscanned(&req.base, &roots, &e.path));
            e.context = Some(c);
            e.quiet = self.policy.contexts.mode(c) != Mode::Fail;
        }
        report.directives = directives;
        report.elapsed = started.elapsed();
        report.fail_on = self.policy.fail_on;
        report.finalize();
        // Kept documents and the file list take milliseconds to free at 10,000 files.
        drop_in_background((scan_cx, files));
        report
    }

    /// Everything that decides a file's raw findings besides its content.
    fn cache_key(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        // Cached findings carry their fixes from this format on.
        h.update(b"fixes-1");
        h.update(self.registry.content_hash.as_bytes());
        for f in &self.policy.files {
            h.update(f.to_string_lossy().as_bytes());
            h.update(&std::fs::read(f).unwrap_or_default());
        }
        h.update(
            format!(
                "{:?}{:?}{:?}",
                self.policy.select, self.policy.ignore, self.policy.options
            )
            .as_bytes(),
        );
        h.finalize().to_hex().to_string()
    }

    /// `roots`: each file's root, for its context and fingerprints.
    /// `pipeline`: the GitLab pipeline that includes the file, whose context it takes.
    fn check_file(
        &self,
        f: &WalkedFile,
        roots: &Roots,
        pipeline: Option<&Place>,
        max_size: u64,
        cache: Option<&cache::CacheFile>,
        claims: &HashMap<String, Claim>,
    ) -> FileOutcome {
        let mut out = FileOutcome::default();
        if self.policy.is_excluded(&f.rel) {
            out.skipped = Some(Skipped::new(&f.rel, "excluded by policy"));
            return out;
        }
        let place = Place {
            scoped: self.policy.scoped(&f.rel).into_owned(),
            stable: roots.locate_file(&f.path).1,
            claim: claims.get(&f.rel).copied(),
        };
        // A path whose context is skipped whatever its content says is not even read.
        if let Some(c) = self.skipped_by_path(pipeline.unwrap_or(&place)) {
            out.skipped = Some(Skipped::by_context(&f.rel, c));
            return out;
        }
        if let Some(content) = &f.content {
            return self.check_bytes(f, &place, pipeline, content, max_size, out, cache);
        }
        // Walked directories never yield links; an explicit argument can be one (a staged
        // symlink passed by pre-commit). Its target may lie outside the tree: never read it.
        if std::fs::symlink_metadata(&f.path).is_ok_and(|m| m.file_type().is_symlink()) {
            out.skipped = Some(Skipped::new(&f.rel, "symbolic link (not followed)"));
            return out;
        }
        let meta = match std::fs::metadata(&f.path) {
            Ok(m) => m,
            Err(e) => {
                out.errors
                    .push(FileError::read(&f.rel, format!("cannot read: {e}")));
                return out;
            }
        };
        if !meta.is_file() {
            out.skipped = Some(Skipped::new(&f.rel, "not a regular file"));
            return out;
        }
        if meta.len() > max_size {
            out.skipped = Some(Skipped::new(
                &f.rel,
                format!(
                    "larger than the {max_size}-byte limit ({} bytes)",
                    meta.len()
                ),
            ));
            return out;
        }
        let bytes = match std::fs::read(&f.path) {
            Ok(b) => b,
            Err(e) => {
                out.errors
                    .push(FileError::read(&f.rel, format!("cannot read: {e}")));
                return out;
            }
        };
        self.check_bytes(f, &place, pipeline, &bytes, max_size, out, cache)
    }

    /// A document outside a partial scan's files that some cross-document rule could use: of a
    /// kept kind, in a context that is scanned, holding one of the rules' relation keywords;
    /// cut down like the documents a full scan keeps. `near`: the file sits in the directory of
    /// a file being checked.
    fn relation_document(
        &self,
        f: &WalkedFile,
        roots: &Roots,
        max_size: u64,
        near: bool,
    ) -> Option<Arc<Document>> {
        // Kinds by path first: only YAML can turn out to be Kubernetes once its text is read.
        let by_path = classify(&f.rel, "");
        let may_keep = self.keep_kinds.contains_key(&by_path)
            || (by_path == DocumentKind::Yaml
                && self.keep_kinds.contains_key(&DocumentKind::Kubernetes));
        if !may_keep || self.policy.is_excluded(&f.rel) {
            return None;
        }
        // A document far from every checked file that no rule could use is not even read (the
        // Terraform files of other modules).
        if !near
            && let Some(filter) = self.relation_filter.get(&by_path)
            && matches!(filter.anywhere, RelationWords::None)
        {
            return None;
        }
        let place = Place {
            scoped: self.policy.scoped(&f.rel).into_owned(),
            stable: roots.locate_file(&f.path).1,
            claim: None,
        };
        if self.skipped_by_path(&place).is_some() {
            return None;
        }
        let bytes: std::borrow::Cow<[u8]> = match &f.content {
            Some(c) => std::borrow::Cow::Borrowed(c),
            None => {
                let meta = std::fs::symlink_metadata(&f.path).ok()?;
                if !meta.is_file() || meta.len() > max_size {
                    return None;
                }
                std::borrow::Cow::Owned(std::fs::read(&f.path).ok()?)
            }
        };
        if bytes.len() as u64 > max_size {
            return None;
        }
        let text = match decode(&bytes) {
            Decoded::Text(t) | Decoded::Lossy(t) => t,
            Decoded::Binary => return None,
        };
        let kind = classify(&f.rel, &text);
        let keep = self.keep_kinds.get(&kind)?;
        if let Some(filter) = self.relation_filter.get(&kind)
            && !(filter.anywhere.admits(&text) || near && filter.near.admits(&text))
        {
            return None;
        }
        let context = self
            .policy
            .contexts
            .classify(&place.scoped, &place.stable, kind, &text);
        if self.policy.contexts.mode(context) == Mode::Skip {
            return None;
        }
        let doc = Document::new(f.rel.clone(), kind, text);
        self.terraform.attach(&doc, &f.path);
        Some(Arc::new(match keep {
            Some(keep) => doc.slim(keep),
            None => doc,
        }))
    }

    /// The context of a path the scan did not read: an existing file (a policy file, a binary)
    /// by its path; a file a repository rule asks to create (`LICENSE`) or the repository itself
    /// is production.
    fn context_of_unscanned(&self, base: &Path, roots: &Roots, rel: &str) -> Context {
        if rel == "." || !base.join(rel).is_file() {
            return Context::Production;
        }
        self.policy
            .contexts
            .by_path(&self.policy.scoped(rel), &roots.stable_path(rel))
    }

    /// The context a path is skipped in, when its content could not change that: the policy's
    /// globs decided, or every context the content could reveal (generated, minified) is
    /// skipped too.
    fn skipped_by_path(&self, place: &Place) -> Option<Context> {
        let cx = &self.policy.contexts;
        if let Some(c) = cx.by_policy_glob(&place.scoped) {
            return (cx.mode(c) == Mode::Skip).then_some(c);
        }
        let c = cx.by_path(&place.scoped, &place.stable);
        let content_may_change = [Context::Generated, Context::Vendor]
            .into_iter()
            .any(|k| cx.setting(k).builtin && cx.mode(k) != Mode::Skip);
        (cx.mode(c) == Mode::Skip && !content_may_change).then_some(c)
    }

    #[allow(clippy::too_many_arguments)]
    fn check_bytes(
        &self,
        f: &WalkedFile,
        place: &Place,
        pipeline: Option<&Place>,
        bytes: &[u8],
        max_size: u64,
        mut out: FileOutcome,
        cache: Option<&cache::CacheFile>,
    ) -> FileOutcome {
        if bytes.len() as u64 > max_size {
            out.skipped = Some(Skipped::new(
                &f.rel,
                format!(
                    "larger than the {max_size}-byte limit ({} bytes)",
                    bytes.len()
                ),
            ));
            return out;
        }
        let text = match decode(bytes) {
            Decoded::Text(t) => t,
            Decoded::Binary => {
                out.skipped = Some(Skipped::new(&f.rel, "binary file"));
                return out;
            }
            Decoded::Lossy(t) => {
                out.errors.push(FileError::decode(
                    &f.rel,
                    "not valid UTF-8; scanned with invalid bytes replaced",
                ));
                t
            }
        };
        let claim = place.claim;
        let kind = classify(&f.rel, &text);
        let mut kind = claim.map_or(kind, |c| c.kind(kind));
        let context = match pipeline {
            Some(p) => {
                if kind == DocumentKind::Yaml {
                    kind = DocumentKind::GitlabCi;
                }
                self.policy
                    .contexts
                    .classify(&p.scoped, &p.stable, DocumentKind::GitlabCi, "")
            }
            None => self
                .policy
                .contexts
                .classify(&place.scoped, &place.stable, kind, &text),
        };
        if self.policy.contexts.mode(context) == Mode::Skip {
            out.skipped = Some(Skipped::by_context(&f.rel, context));
            return out;
        }
        out.context = Some(context);
        let doc = Document::new(f.rel.clone(), kind, text);
        self.terraform.attach(&doc, &f.path);
        out.scanned = true;
        // The cached fingerprints depend on the file's root as well as its path, a Terraform
        // file's findings on the rest of its module, and an included GitLab file's on the
        // pipeline that makes it one.
        let hash = cache.map(|_| {
            let module = self.terraform.digest(&doc, &f.path);
            let pipeline = pipeline.map_or(String::new(), |p| format!("\0{}", p.stable));
            cache::content_hash(
                &format!("{}\0{}\0{claim:?}{module}{pipeline}", f.rel, place.stable),
                bytes,
            )
        });
        let hit = cache
            .zip(hash.as_ref())
            .and_then(|(c, h)| c.files.get(&f.rel).filter(|e| e.hash == *h));
        match hit {
            Some(entry) => {
                out.errors
                    .extend(entry.errors.iter().map(|(k, m, l)| FileError {
                        path: f.rel.clone(),
                        kind: match k.as_str() {
                            "read" => "read",
                            "parse" => "parse",
                            "decode" => "decode",
                            "timeout" => "timeout",
                            _ => "internal",
                        },
                        message: m.clone(),
                        location: l.map(|(line, col)| crate::document::LineCol { line, col }),
                        context: None,
                        quiet: false,
                    }));
                out.findings = entry
                    .findings
                    .iter()
                    .map(|c| self.revive(c, &doc))
                    .collect();
                out.cache_entry = Some((f.rel.clone(), entry.clone()));
            }
            None => {
                out.findings = self.check_document_at(&doc, &place.stable, &mut out.errors);
                // A file cut short is not cached, so the next run tries it again in full; nor is
                // one with findings moved to another file (the cache holds a file's own).
                let moved = out.findings.iter().any(|x| x.path != f.rel);
                if let Some(h) =
                    hash.filter(|_| !moved && !out.errors.iter().any(|e| e.kind == "timeout"))
                {
                    out.cache_entry = Some((
                        f.rel.clone(),
                        cache::Entry {
                            hash: h,
                            findings: out
                                .findings
                                .iter()
                                .map(cache::CachedFinding::from_finding)
                                .collect(),
                            errors: out.errors.iter().map(cache::error_tuple).collect(),
                        },
                    ));
                }
            }
        }
        for finding in &mut out.findings {
            set_context(finding, context, self.policy);
        }
        if out.findings.iter().any(|f| f.fix.is_some()) {
            let basis = crate::fix::text_hash(&doc.text);
            for fix in out.findings.iter_mut().filter_map(|f| f.fix.as_deref_mut()) {
                fix.basis = Some(basis.clone());
            }
        }
        out.directives = suppress::inline::collect(&doc);
        if !out.findings.is_empty() {
            out.source = Some(doc.text.clone());
            out.moved_sources = crate::project::terraform::moved_sources(&doc, &out.findings);
        }
        match self.keep_kinds.get(&kind) {
            Some(Some(keep)) => out.kept = Some(Arc::new(doc.slim(keep))),
            Some(None) => out.kept = Some(Arc::new(doc)),
            None => {}
        }
        out
    }

    /// Run the rules on every rendered document whose build file was scanned (not skipped by
    /// its context). Findings come back moved to their real files but not yet finished; parse
    /// errors of a rendered text are reported at the place it came from.
    fn check_rendered(
        &self,
        rendered: &Rendered,
        contexts: &HashMap<&str, Context>,
        errors: &mut Vec<FileError>,
    ) -> (Vec<Finding>, Vec<Arc<Document>>) {
        type Ran = (Vec<Finding>, Vec<FileError>, Option<Arc<Document>>);
        let ran: Vec<Ran> = rendered
            .files
            .par_iter()
            .filter(|r| {
                contexts
                    .get(r.build.path.as_str())
                    .is_some_and(|c| self.policy.contexts.mode(*c) != Mode::Skip)
            })
            .map(|r| {
                let doc = Document::new(r.label.clone(), r.kind, r.text.as_str());
                let mut errs = Vec::new();
                let found = self.run_rules(&doc, &mut errs);
                let errs = errs
                    .into_iter()
                    .map(|mut e| {
                        e.path = r.build.path.clone();
                        e.location = None;
                        if e.kind == "parse"
                            && let Some((path, span)) = doc
                                .config_error()
                                .and_then(|pe| pe.span)
                                .and_then(|s| r.remap_offset(s.start))
                            && let Some(src) = rendered.source(path)
                        {
                            e.path = path.to_string();
                            e.location = Some(
                                crate::document::LineIndex::new(src).line_col(src, span.start),
                            );
                        }
                        e.message = format!("{} ({})", e.message, r.build.message);
                        e
                    })
                    .collect();
                // Text rules and the secrets pack (whose built-in rules read text too) read the
                // real files themselves (a Helm template is claimed as text, values files are
                // plain YAML); on the rendered text they would report each secret a second time,
                // or its base64 encoding.
                let found = found
                    .into_iter()
                    .filter(|f| {
                        !f.rule_id.starts_with("secrets/")
                            && self
                                .registry
                                .get(&f.rule_id)
                                .is_none_or(|rule| rule.meta().rule_type != RuleType::Text)
                    })
                    .filter_map(|f| r.remap(f))
                    .collect();
                let kept = match self.keep_kinds.get(&doc.kind) {
                    Some(Some(keep)) => Some(Arc::new(doc.slim(keep))),
                    Some(None) => Some(Arc::new(doc)),
                    None => None,
                };
                (found, errs, kept)
            })
            .collect();
        let mut findings = Vec::new();
        let mut kept = Vec::new();
        for (f, e, k) in ran {
            findings.extend(f);
            errors.extend(e);
            kept.extend(k);
        }
        (findings, kept)
    }

    /// Finish rendered findings against the real files they now point at, and report a place
    /// several builds share once.
    fn finish_rendered(
        &self,
        findings: Vec<Finding>,
        rendered: &Rendered,
        roots: &Roots,
    ) -> Vec<Finding> {
        let mut docs: HashMap<String, Document> = HashMap::new();
        let mut out = Vec::with_capacity(findings.len());
        for mut f in findings {
            let Some(src) = rendered.source(&f.path) else {
                continue;
            };
            // A fix indexes the rendered text, not the files the finding moved to.
            f.fix = None;
            let doc = docs
                .entry(f.path.clone())
                .or_insert_with(|| Document::new(f.path.clone(), DocumentKind::Yaml, src.clone()));
            let stable = roots.stable_path(&f.path);
            finish(&mut f, self.policy, self.registry, Some(doc), &stable);
            out.push(f);
        }
        crate::project::rendered::merge_shared(out)
    }

    /// Rebuild a finding from the cache and finish it against the current document.
    fn revive(&self, c: &cache::CachedFinding, doc: &Document) -> Finding {
        let sev = self
            .registry
            .get(&c.rule_id)
            .map_or(crate::finding::Severity::Medium, |r| r.meta().severity);
        let mut f = Finding::new(&c.rule_id, sev, &doc.path, c.message.clone());
        f.span = c.span.map(|(a, b)| crate::document::Span::new(a, b));
        f.label = c.label.clone();
        f.redact = c.redact.map(|(a, b)| crate::document::Span::new(a, b));
        for (p, s, m) in &c.related {
            f = f.with_related(
                p,
                s.map(|(a, b)| crate::document::Span::new(a, b)),
                m.clone(),
            );
        }
        if let Some(r) = self.registry.get(&c.rule_id) {
            f.confidence = r.meta().confidence;
        }
        if let Some(conf) = c.confidence {
            f.confidence = conf;
        }
        f.verified = c.verified;
        f.fix = c.fix.clone().map(Box::new);
        finish(&mut f, self.policy, self.registry, Some(doc), "");
        f.fingerprint = c.key.clone();
        f
    }

    /// Run every applicable rule on one document and finish its findings.
    pub fn check_document(&self, doc: &Document, errors: &mut Vec<FileError>) -> Vec<Finding> {
        self.check_document_at(doc, &doc.path, errors)
    }

    /// [`Engine::check_document`], fingerprinting findings by `stable`, the document's path
    /// relative to its root ([`Roots`]).
    fn check_document_at(
        &self,
        doc: &Document,
        stable: &str,
        errors: &mut Vec<FileError>,
    ) -> Vec<Finding> {
        let mut findings = self.run_rules(doc, errors);
        for f in &mut findings {
            finish(f, self.policy, self.registry, Some(doc), stable);
        }
        findings
    }

    /// Every applicable rule on one document, findings not yet finished (their spans are still
    /// in `doc`: a rendered document's findings move to their real files first).
    fn run_rules(&self, doc: &Document, errors: &mut Vec<FileError>) -> Vec<Finding> {
        let rules = self.registry.rules();
        let mut indices: Vec<usize> = self.by_kind.get(&doc.kind).cloned().unwrap_or_default();
        if let Some((ac, pattern_rule)) = &self.prefilter {
            let mut hit = BTreeSet::new();
            for m in ac.find_overlapping_iter(doc.text.as_ref()) {
                hit.insert(pattern_rule[m.pattern().as_usize()]);
            }
            indices.extend(
                hit.into_iter()
                    .filter(|i| rules[*i].meta().applies(doc.kind)),
            );
        }
        indices.sort_unstable();
        indices.dedup();
        // Search for code-rule literals only where a code rule could run (not, say, on Rust files
        // when only built-in Rust rules are enabled).
        let has_code_rules = Lang::from_kind(doc.kind).is_some_and(|l| self.code.contains_key(&l))
            || indices.iter().any(|&i| rules[i].as_code().is_some());
        let hits = if has_code_rules {
            self.code_filter.hits(&doc.text)
        } else {
            Vec::new()
        };
        // Code rules outside the combined traversal still honour the literal prefilter.
        indices.retain(|&i| rules[i].as_code().is_none() || self.code_filter.allows(i, &hits));
        let mut findings = Vec::new();
        let started = Instant::now();
        let total = indices.len();
        let timeout = |message: String| FileError {
            path: doc.path.clone(),
            kind: "timeout",
            message,
            location: None,
            context: None,
            quiet: false,
        };
        let mut timed_out = false;
        for (n, i) in indices.into_iter().enumerate() {
            // A per-file time budget: one pathological file must not stall the scan.
            if started.elapsed() > self.file_budget {
                errors.push(timeout(format!(
                    "analysis cut short after {}s: {} of {total} rules not run on this file",
                    self.file_budget.as_secs(),
                    total - n
                )));
                timed_out = true;
                break;
            }
            let rule = &rules[i];
            if !self.policy.enabled(rule.meta(), Some(&doc.path)) {
                continue;
            }
            let options = self.policy.options_for(rule.meta());
            let mut cx = RuleContext::new(rule.meta(), &options)
                .with_regexes(self.policy.option_regexes.get(&rule.meta().id));
            // A panicking rule must not take the scan down; report it against the file.
            let res =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rule.check(doc, &mut cx)));
            if res.is_err() {
                errors.push(FileError::internal(
                    &doc.path,
                    format!(
                        "rule {} failed on this file (internal error); other rules still ran",
                        rule.meta().id
                    ),
                ));
                continue;
            }
            findings.extend(cx.findings);
        }
        // Parsing and the code-rule traversal are guarded like each rule: a panic there must not
        // take the scan down either.
        let rest = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Configuration formats are always parsed, so a broken file is reported even when
            // no enabled rule looked at it.
            if doc.kind.is_yaml()
                || matches!(
                    doc.kind,
                    DocumentKind::Terraform | DocumentKind::Dockerfile | DocumentKind::Json
                )
            {
                let _ = doc.config();
            }
            timed_out || self.check_code(doc, &hits, started, &mut findings)
        }));
        match rest {
            Ok(true) => {}
            Ok(false) => errors.push(timeout(format!(
                "analysis cut short after {}s: code rules stopped part-way through this file",
                self.file_budget.as_secs()
            ))),
            Err(_) => errors.push(FileError::internal(
                &doc.path,
                "parsing or code rules failed on this file (internal error); other rules still ran",
            )),
        }
        if let Some(e) = doc.config_error() {
            errors.push(FileError::parse(
                &doc.path,
                e.message.clone(),
                e.span.map(|s| doc.line_col(s.start)),
            ));
        }
        if let Some(n) = doc.config_note() {
            errors.push(FileError::parse(
                &doc.path,
                n.message.clone(),
                n.span.map(|s| doc.line_col(s.start)),
            ));
        }
        if let Some(e) = doc.code_error() {
            errors.push(FileError::parse(&doc.path, e.message.clone(), None));
        }
        if let Some(e) = doc.rust_error() {
            errors.push(FileError::parse(
                &doc.path,
                e.message.clone(),
                e.span.map(|s| doc.line_col(s.start)),
            ));
        }
        if doc.kind == DocumentKind::Terraform {
            crate::project::terraform::reroute(doc, &mut findings);
            crate::project::terraform::name_addresses(doc, &mut findings);
            if doc.terraform().calls.len() > 1 {
                crate::project::terraform::dedupe(&mut findings);
            }
        }
        findings
    }
}

/// A whole-scan rule that panicked, reported against the scan (`.`); `what` says where.
fn scan_rule_failed(id: &str, what: &str) -> FileError {
    FileError::internal(
        ".",
        format!("rule {id} failed {what} (internal error); other rules still ran"),
    )
}

/// Which documents outside a partial scan's files matter to the cross-document rules of a kind.
struct RelationFilter {
    /// Anywhere in the repository.
    anywhere: RelationWords,
    /// In the directory of a file being checked.
    near: RelationWords,
}

/// A keyword test: every document, none, or those containing one of the words.
enum RelationWords {
    All,
    None,
    Any(AhoCorasick),
}

impl RelationWords {
    fn admits(&self, text: &str) -> bool {
        match self {
            RelationWords::All => true,
            RelationWords::None => false,
            RelationWords::Any(ac) => ac.is_match(text),
        }
    }
}

/// The directory part of a `/`-separated relative path (`""` at the top).
fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Where a file sits: relative to the policy file's folder (the policy's globs) and to its own
/// root ([`Roots`]: its repository), which the built-in context conventions and fingerprints
/// read. Then `tests/a.py` is a test file whether bylaw runs at the repository root, above it or
/// inside `tests/`, and folders above the repository (a checkout under `~/src/test/`) never count.
struct Place {
    scoped: String,
    stable: String,
    /// How a build (Kustomize, Helm) consumes the file, if one does.
    claim: Option<Claim>,
}

fn set_context(f: &mut Finding, c: Context, policy: &Policy) {
    f.context = c;
    f.context_mode = policy.contexts.mode(c);
}

/// Fill line/column, help, severity from the policy and the fingerprint; `stable` is the path the
/// fingerprint holds, relative to the file's root so that it does not depend on where bylaw runs.
fn finish(
    f: &mut Finding,
    policy: &Policy,
    registry: &Registry,
    doc: Option<&Document>,
    stable: &str,
) {
    // A finding moved to another file (a Terraform variable's default) is located already.
    let doc = doc.filter(|d| d.path == f.path);
    let meta = registry.get(&f.rule_id).map(|r| r.meta());
    if let Some(meta) = meta {
        f.severity = policy.severity_for(meta, &f.path);
    }
    // A fix edits the text it was computed on: only a finding in that very file keeps it.
    if doc.is_none_or(|d| d.path != f.path) {
        f.fix = None;
    }
    let mut key = f.fingerprint_key.clone();
    if let Some(doc) = doc
        && let Some(span) = f.span
    {
        let span = span.clamp_to(&doc.text);
        f.span = Some(span);
        f.start = Some(doc.line_col(span.start));
        f.end = Some(doc.line_col(span.end));
        if key.is_empty() {
            key = normalized_lines(&doc.text, doc.lines(), span.start, span.end);
        }
        if let Some(fix) = f.fix.as_deref_mut() {
            for e in &mut fix.edits {
                e.start = Some(doc.line_col(e.span.start));
                e.end = Some(doc.line_col(e.span.end));
            }
        }
        for r in &mut f.related {
            if r.path == doc.path
                && let Some(s) = r.span
            {
                r.start = Some(doc.line_col(s.clamp_to(&doc.text).start));
            }
        }
    }
    f.fingerprint = fingerprint(&f.rule_id, stable, &key);
    // The key served its purpose; do not carry it (it can be a few lines of text) per finding.
    f.fingerprint_key = String::new();
    mask_url_passwords(f, doc);
}

/// A URL password a finding shows (an `ADD https://user:pass@host/…`, a module source…) is masked
/// whichever rule reported it: prefix and length in the texts, and over the finding's span when
/// it has no secret of its own.
fn mask_url_passwords(f: &mut Finding, doc: Option<&Document>) {
    use crate::rule::builtin::secrets::url_credentials;
    let texts = std::iter::once(&mut f.message)
        .chain(f.label.as_mut())
        .chain(f.related.iter_mut().map(|r| &mut r.message));
    for t in texts {
        let passwords: Vec<String> = url_credentials(t)
            .into_iter()
            .map(|(_, _, p)| p.as_str().to_string())
            .collect();
        for p in passwords {
            *t = t.replace(&p, &crate::finding::redact_secret(&p));
        }
    }
    if f.redact.is_none()
        && let (Some(doc), Some(span)) = (doc, f.span)
        && let Some(shown) = doc.text.get(span.start..span.end)
        && let Some((_, _, p)) = url_credentials(shown).first()
    {
        f.redact = Some(crate::document::Span::new(
            span.start + p.start(),
            span.start + p.end(),
        ));
    }
}

/// Whitespace-normalised text of the lines a span touches: independent of line numbers.
fn normalized_lines(text: &str, lines: &LineIndex, start: usize, end: usize) -> String {
    let (a, b) = (lines.line_of(start), lines.line_of(end.max(start)));
    (a..=b.min(a + 5))
        .map(|l| {
            lines
                .line_text(text, l)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn fingerprint(rule: &str, path: &str, key: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(rule.as_bytes());
    h.update(&[0]);
    h.update(path.as_bytes());
    h.update(&[0]);
    h.update(key.as_bytes());
    h.finalize().to_hex()[..32].to_string()
}

enum Decoded {
    Text(String),
    Lossy(String),
    Binary,
}

fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Decoded::Binary;
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded::Text(s.to_string()),
        Err(_) => Decoded::Lossy(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// A file's text as the scan reads it (BOMs, UTF-16, invalid UTF-8 replaced); `None` for binary.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    match decode(bytes) {
        Decoded::Text(t) | Decoded::Lossy(t) => Some(t),
        Decoded::Binary => None,
    }
}

fn utf16(bytes: &[u8], f: fn([u8; 2]) -> u16) -> Decoded {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| f([c[0], c[1]])).collect();
    match String::from_utf16(&units) {
        Ok(s) => Decoded::Text(s),
        Err(_) => Decoded::Lossy(String::from_utf16_lossy(&units)),
    }
}

/// Repository roots for repository-level rules: every directory argument that is a repository
/// root (holds `.git`) or that has no repository above it; with `force`, every directory argument.
fn repo_roots(req: &ScanRequest) -> Vec<String> {
    let mut roots = BTreeMap::new();
    // Repository rules judge a whole repository: never a subtree under its own policy, nor the
    // few files of a partial scan (unless `--repo-rules` asks for them).
    if req.no_repo_rules || (req.partial && !req.force_repo_rules) {
        return Vec::new();
    }
    for p in &req.paths {
        if !p.is_dir() {
            continue;
        }
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let is_root = abs.join(".git").exists();
        let inside_repo = abs.ancestors().skip(1).any(|a| a.join(".git").exists());
        if req.force_repo_rules || is_root || !inside_repo {
            let rel = walk::relative(p, &req.base);
            roots.insert(if rel == "." { String::new() } else { rel }, ());
        }
    }
    roots.into_keys().collect()
}

/// Free `value` on a detached thread, off the caller's path: large scans leave tens of
/// milliseconds of freeing behind, and a process that is about to exit need not wait for it.
/// If no thread can be started, it is freed here.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("bylaw-free".into())
        .spawn(move || drop(value));
}

/// Choose the base for relative paths: the current directory when every path is under it,
/// else the first directory argument (or a file's parent).
pub fn choose_base(paths: &[PathBuf]) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let all_under = paths.iter().all(|p| p.is_relative() || p.starts_with(&cwd));
    if all_under {
        return cwd;
    }
    let first = &paths[0];
    if first.is_dir() {
        first.clone()
    } else {
        first
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;
    use crate::rule::{Rule, RuleMeta, RuleType};

    /// A test rule: reports every YAML file, and panics where `panics` says.
    struct Probe {
        meta: RuleMeta,
        /// Panic in `check_scan` (else report the scan), and in `dropped_paths`.
        panics: bool,
    }

    impl Probe {
        fn boxed(id: &str, panics: bool) -> Box<dyn Rule> {
            Box::new(Probe {
                meta: RuleMeta {
                    id: id.into(),
                    pack: "test".into(),
                    title: "probe".into(),
                    severity: crate::finding::Severity::High,
                    confidence: Confidence::High,
                    rule_type: RuleType::Builtin,
                    applies_to: vec![DocumentKind::Yaml],
                    tags: Vec::new(),
                    description: String::new(),
                    rationale: String::new(),
                    remediation: String::new(),
                    references: Vec::new(),
                    options: serde_json::Value::Null,
                    option_regexes: Default::default(),
                    docs_url: None,
                    source: String::new(),
                    fix: None,
                },
                panics,
            })
        }
    }

    impl Rule for Probe {
        fn meta(&self) -> &RuleMeta {
            &self.meta
        }
        fn check(&self, doc: &Document, cx: &mut RuleContext) {
            cx.report(&doc.path, None, "per file");
        }
        fn is_scan_level(&self) -> bool {
            true
        }
        fn check_scan(&self, _scan: &ScanContext, cx: &mut RuleContext) {
            assert!(!self.panics, "check_scan panics");
            cx.report(".", None, "whole scan");
        }
        fn filters_findings(&self) -> bool {
            true
        }
        fn dropped_paths(&self, _scan: &ScanContext, _paths: &[&str]) -> Vec<String> {
            assert!(!self.panics, "dropped_paths panics");
            Vec::new()
        }
    }

    /// A whole-scan rule (and its finding filter) that panics is reported against the scan;
    /// every other finding, per file and whole-scan, still comes out.
    #[test]
    fn panicking_whole_scan_rules_are_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").expect("write");
        let registry = Registry::from_rules(vec![
            Probe::boxed("test/boom", true),
            Probe::boxed("test/ok", false),
        ]);
        let policy = Policy::default();
        let engine = Engine::new(&registry, &policy);
        let req = ScanRequest::new(vec![dir.path().to_path_buf()], dir.path().to_path_buf());
        let report = engine.scan(&req);
        let found: BTreeSet<(&str, &str)> = report
            .findings
            .iter()
            .map(|f| (f.rule_id.as_str(), f.message.as_str()))
            .collect();
        for want in [
            ("test/boom", "per file"),
            ("test/ok", "per file"),
            ("test/ok", "whole scan"),
        ] {
            assert!(found.contains(&want), "{want:?} in {found:?}");
        }
        let internal: Vec<&FileError> = report
            .errors
            .iter()
            .filter(|e| e.kind == "internal" && e.path == ".")
            .collect();
        assert_eq!(internal.len(), 2, "{:?}", report.errors);
        assert!(internal.iter().all(|e| e.message.contains("test/boom")));
    }

    /// The time budget stops the code-rule traversal too, not only between rules: with none
    /// left, a file whose code rules would match yields a timeout and no code findings.
    #[test]
    fn code_rules_honour_the_time_budget() {
        let registry = Registry::load(&[]).expect("built-in rules load");
        // Only the code rule (`bylaw/*` rules run under any selection unless ignored): the
        // budget then runs out inside the traversal, not between rules.
        let policy = Policy {
            select: vec![crate::config::Selector::parse(
                "python/eval-exec-non-literal",
            )],
            ignore: vec![crate::config::Selector::parse("bylaw")],
            ..Policy::default()
        };
        let text = "def f(x):\n    eval(x)\n";
        let doc = || Document::new("a.py", DocumentKind::Python, text);
        let mut engine = Engine::new(&registry, &policy);
        let mut errors = Vec::new();
        let findings = engine.check_document(&doc(), &mut errors);
        assert!(
            findings
                .iter()
                .any(|f| f.rule_id == "python/eval-exec-non-literal"),
            "the code rule matches with time to spare: {findings:?}"
        );
        assert!(errors.is_empty(), "{errors:?}");
        engine.file_budget = std::time::Duration::ZERO;
        let mut errors = Vec::new();
        let findings = engine.check_document(&doc(), &mut errors);
        assert!(
            !findings
                .iter()
                .any(|f| f.rule_id == "python/eval-exec-non-literal"),
            "{findings:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.kind == "timeout" && e.message.contains("code rules")),
            "{errors:?}"
        );
    }

    /// What a rule set per finding (a lowered confidence, `verified`) survives the result cache.
    #[test]
    fn revived_findings_keep_confidence_and_verified() {
        let registry = Registry::load(&[]).expect("built-in rules load");
        let policy = Policy::default();
        let engine = Engine::new(&registry, &policy);
        let doc = Document::new("a.sh", DocumentKind::Shell, "T=ghp_x\n");
        let mut f = Finding::new(
            "secrets/github-pat",
            crate::finding::Severity::High,
            "a.sh",
            "m".into(),
        );
        f.span = Some(crate::document::Span::new(2, 7));
        for (confidence, verified) in [(Confidence::Medium, false), (Confidence::High, true)] {
            f.confidence = confidence;
            f.verified = verified;
            let json = serde_json::to_string(&cache::CachedFinding::from_finding(&f)).unwrap();
            let cached: cache::CachedFinding = serde_json::from_str(&json).unwrap();
            let revived = engine.revive(&cached, &doc);
            assert_eq!(revived.confidence, confidence);
            assert_eq!(revived.verified, verified);
        }
    }
}
