//! Terraform modules as Terraform evaluates them: a module is a directory, and the value of
//! `var.x` and `local.y` in one of its `.tf` files comes from the others and from `.tfvars` files.
//!
//! Design:
//! - [`Modules`] (one per engine) hands every `.tf` document a [`ModuleHandle`] for its directory,
//!   shared by all the directory's files. The handle is the document's evaluation [`Scope`]: the
//!   first `var.`/`local.` lookup builds the module's [`Env`] once (lazily, so a directory whose
//!   files never refer to a variable is never re-read), later lookups reuse it.
//! - Building the environment reads only that directory: the `.tf` files that declare variables
//!   or locals (others are skipped unparsed; a file parsed here hands its syntax tree to its own
//!   document, which then does not parse it again), then `terraform.tfvars`, `*.auto.tfvars` (by name)
//!   and the policy's `[terraform] var-files`, in Terraform's order of precedence. Values are
//!   converted to a variable's primitive `type` (`"false"` for a `bool` is `false`). Locals are
//!   evaluated once each, in dependency order, a cycle being unknown. Nothing outside the
//!   directory (and the var-files under it) is read, nothing is executed.
//! - The document converter ([`crate::document::hcl`]) turns each known expression into its value
//!   and records, per pointer, the [`Origin`] of a value that came through a variable or local.
//!   [`reroute`] then moves a finding whose span is such a use site to the origin — the default,
//!   the `.tfvars` entry or the `locals` entry a user edits — says so in its message, and keeps the
//!   use site as a related location.
//!
//! Limits: a partial scan reads the module's other files from the working tree (not the index);
//! a finding moved to another file is reported as long as the file using the value is scanned.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use serde_json::Value;

use crate::decl::config_rule::best_span;
use crate::document::hcl_eval::{
    Instance as DocInstance, Module, NoScope, Origin, Scope, Val, eval, truthy,
};
use crate::document::{Document, DocumentKind, Span};
use crate::finding::Finding;

/// Largest file read into a module's environment (the engine's default file limit).
const MAX_FILE: u64 = crate::engine::DEFAULT_MAX_FILE_SIZE;

/// Every module directory of a scan, each evaluated at most once.
pub struct Modules {
    shared: Arc<Shared>,
}

/// What every module of a scan shares.
struct Shared {
    var_files: Arc<[String]>,
    dirs: Mutex<HashMap<PathBuf, Arc<ModuleHandle>>>,
    /// The scan's `.tf` files (path on disk, path in reports): where module calls are found.
    files: Mutex<Arc<Vec<(PathBuf, String)>>>,
    /// Local module calls by called directory, found on first need.
    calls: Mutex<Option<Arc<CallIndex>>>,
}

impl Modules {
    /// `var_files`: the policy's `[terraform] var-files`, relative to each module directory.
    pub fn new(var_files: &[String]) -> Self {
        Modules {
            shared: Arc::new(Shared {
                var_files: var_files.into(),
                dirs: Mutex::new(HashMap::new()),
                files: Mutex::new(Arc::new(Vec::new())),
                calls: Mutex::new(None),
            }),
        }
    }

    /// Start a scan of these files (`(path on disk, path in reports)`): module calls are looked
    /// for among their `.tf` files, and nothing evaluated for an earlier scan is kept.
    pub fn start(&self, files: impl Iterator<Item = (PathBuf, String)>) {
        let tf: Vec<(PathBuf, String)> = files.filter(|(_, rel)| rel.ends_with(".tf")).collect();
        *lock(&self.shared.files) = Arc::new(tf);
        *lock(&self.shared.calls) = None;
        lock(&self.shared.dirs).clear();
    }

    /// Give a `.tf` document (at `path` on disk) its module directory.
    pub fn attach(&self, doc: &Document, path: &Path) {
        if let Some(h) = self.handle(doc, path) {
            doc.set_terraform_module(h);
        }
    }

    /// What a `.tf` document's findings depend on besides its own text (its module's other
    /// files, var-files and callers), as a hash for the result cache; empty for other documents.
    pub fn digest(&self, doc: &Document, path: &Path) -> String {
        self.handle(doc, path)
            .map(|h| h.digest.get_or_init(|| h.inputs_digest()).clone())
            .unwrap_or_default()
    }

    fn handle(&self, doc: &Document, path: &Path) -> Option<Arc<ModuleHandle>> {
        if doc.kind != DocumentKind::Terraform || !doc.path.ends_with(".tf") {
            return None;
        }
        let rel_dir = doc.path.rsplit_once('/').map_or("", |(d, _)| d);
        Some(self.shared.handle(&self.shared, path.parent()?, rel_dir))
    }
}

/// A lock whose data stays valid when another thread panicked holding it (plain maps).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn handle(&self, me: &Arc<Shared>, dir: &Path, rel_dir: &str) -> Arc<ModuleHandle> {
        lock(&self.dirs)
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                Arc::new(ModuleHandle {
                    dir: dir.to_path_buf(),
                    rel_dir: rel_dir.to_string(),
                    shared: Arc::downgrade(me),
                    env: OnceLock::new(),
                    instances: OnceLock::new(),
                    digest: OnceLock::new(),
                })
            })
            .clone()
    }

    /// Local module calls (`source = "./…"` or `"../…"`) of the scan's files, by called
    /// directory; built once, on the first module with variables.
    fn calls(&self) -> Arc<CallIndex> {
        let mut slot = lock(&self.calls);
        if let Some(c) = slot.as_ref() {
            return c.clone();
        }
        let files = lock(&self.files).clone();
        let mut out = CallIndex::new();
        for (path, rel) in files.iter() {
            let Ok(meta) = std::fs::symlink_metadata(path) else {
                continue;
            };
            if !meta.is_file() || meta.len() > MAX_FILE {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            // Most files call no module: look before parsing.
            if !(text.contains("module") && (text.contains("\"./") || text.contains("\"../"))) {
                continue;
            }
            let Ok(body) = hcl_edit::parser::parse_body(&text) else {
                continue;
            };
            let Some(dir) = path.parent() else { continue };
            let src = Arc::new(Source {
                rel: rel.clone(),
                text: Arc::from(text),
                body: Arc::default(),
            });
            for block in body.get_blocks("module") {
                let Some(Expression::String(source)) =
                    block.body.get_attribute("source").map(|a| &a.value)
                else {
                    continue;
                };
                let source = source.value();
                if !(source.starts_with("./") || source.starts_with("../")) {
                    continue;
                }
                out.entry(normalize(&dir.join(source.as_str())))
                    .or_default()
                    .push(Call {
                        src: src.clone(),
                        block: block.clone(),
                        caller_dir: dir.to_path_buf(),
                        caller_rel_dir: rel.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
                    });
            }
        }
        let out = Arc::new(out);
        *slot = Some(out.clone());
        out
    }
}

/// A path with `.` and `..` resolved lexically (no file system access, no links followed).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Local module calls by the (lexically normalised) directory they call.
type CallIndex = HashMap<PathBuf, Vec<Call>>;

/// A `module` block calling a local module.
struct Call {
    /// The calling file (its syntax tree not kept: only the `module` block is).
    src: Arc<Source>,
    block: hcl_edit::structure::Block,
    caller_dir: PathBuf,
    caller_rel_dir: String,
}

/// Calls of one module judged per module: more are left out (the module is judged with the
/// first ones).
const MAX_INSTANCES: usize = 16;

/// A module as one of its callers instantiates it.
struct Instance {
    vars: HashMap<String, Val>,
    locals: HashMap<String, Val>,
    call: Arc<Origin>,
}

impl Scope for Instance {
    fn lookup(&self, root: &str, name: &str) -> Option<Val> {
        match root {
            "var" => self.vars.get(name).cloned(),
            "local" => self.locals.get(name).cloned(),
            _ => None,
        }
    }
}

/// One module directory; its environment is built on first use.
pub struct ModuleHandle {
    dir: PathBuf,
    /// The directory relative to the scan base (`""` at the top), for the origins' paths.
    rel_dir: String,
    /// Weak: the shared state holds every handle.
    shared: std::sync::Weak<Shared>,
    env: OnceLock<Env>,
    instances: OnceLock<Vec<Instance>>,
    digest: OnceLock<String>,
}

impl ModuleHandle {
    fn env(&self) -> &Env {
        self.env.get_or_init(|| {
            let shared = self.shared.upgrade();
            let var_files = shared.as_ref().map(|s| s.var_files.clone());
            let mut env = Env::build(
                &self.dir,
                &self.rel_dir,
                var_files.as_deref().unwrap_or(&[]),
            );
            // Syntax trees are large: keep them for the per-call evaluation of locals only when
            // some module block calls this one.
            if !shared.is_some_and(|s| s.calls().contains_key(&normalize(&self.dir))) {
                env.sources = Mutex::default();
            }
            env
        })
    }

    /// The module as each local `module` block calling it instantiates it: the module's
    /// defaults overridden by the call's arguments (evaluated in the caller's module; an argument
    /// whose value is unknown makes the variable unknown). Empty when nothing calls it or it has
    /// no variables.
    fn instances(&self) -> &[Instance] {
        self.instances.get_or_init(|| {
            let Some(shared) = self.shared.upgrade() else {
                return Vec::new();
            };
            // Most modules are called by none: their variables are read only if a file uses one.
            let calls = shared.calls();
            let Some(calls) = calls.get(&normalize(&self.dir)) else {
                return Vec::new();
            };
            let env = self.env();
            let sources = std::mem::take(&mut *lock(&env.sources));
            if env.declared.is_empty() {
                return Vec::new();
            }
            let mut out = Vec::new();
            for call in calls.iter().take(MAX_INSTANCES) {
                let block = &call.block;
                let caller = shared.handle(&shared, &call.caller_dir, &call.caller_rel_dir);
                let name = block
                    .labels
                    .first()
                    .map(crate::document::hcl::label_str)
                    .unwrap_or_default();
                let mut vars = env
                    .vars
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<HashMap<_, _>>();
                for attr in block.body.attributes() {
                    let arg = attr.key.as_str();
                    if !env.declared.contains_key(arg) {
                        continue;
                    }
                    match eval(&attr.value, &call.src.text, caller.as_ref()) {
                        Some(v) => {
                            let o = match &v.o {
                                Some(o) => Arc::new(Origin {
                                    via: format!("argument {arg} of module.{name}, from {}", o.via),
                                    ..Origin::clone(o)
                                }),
                                None => call
                                    .src
                                    .origin(attr, format!("argument {arg} of module.{name}")),
                            };
                            vars.insert(arg.to_string(), Val { v: v.v, o: Some(o) });
                        }
                        None => {
                            vars.remove(arg);
                        }
                    }
                }
                for (k, val) in &mut vars {
                    if let Some(Some(t)) = env.declared.get(k) {
                        convert(&mut val.v, t);
                    }
                }
                let locals = eval_locals(&sources, &vars);
                let header = block.ident.span().map(|r| {
                    let end = block
                        .labels
                        .last()
                        .and_then(|l| l.span())
                        .map_or(r.end, |l| l.end);
                    Span::new(r.start, end)
                });
                let header = header.unwrap_or_default();
                out.push(Instance {
                    vars,
                    locals,
                    call: Arc::new(Origin {
                        path: call.src.rel.clone(),
                        span: header,
                        value: header,
                        text: call.src.text.clone(),
                        via: format!("module.{name}"),
                    }),
                });
            }
            out
        })
    }

    /// A hash of every file [`Env::build`] may read.
    fn inputs_digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".tf") || n.ends_with(".tfvars"))
            .collect();
        names.sort();
        if let Some(shared) = self.shared.upgrade() {
            names.extend(
                shared
                    .var_files
                    .iter()
                    .filter(|f| safe_relative(f))
                    .cloned(),
            );
        }
        for n in names {
            h.update(n.as_bytes());
            h.update(&[0]);
            h.update(&std::fs::read(self.dir.join(&n)).unwrap_or_default());
            h.update(&[0]);
        }
        // The files calling this module decide its variables too.
        for i in self.instances() {
            h.update(i.call.path.as_bytes());
            h.update(&[0]);
            h.update(i.call.text.as_bytes());
        }
        h.finalize().to_hex().to_string()
    }
}

impl Module for ModuleHandle {
    fn parsed(&self, file_name: &str, text: &str) -> Option<Arc<Body>> {
        // A file that uses a variable or local builds the environment anyway (parsing the
        // module's declaring files): build it first and take this file's tree from it.
        if self.env.get().is_none() && !(text.contains("var.") || text.contains("local.")) {
            return None;
        }
        let (read, body) = lock(&self.env().parsed).remove(file_name)?;
        // The file as this document read it, not a later version.
        (*read == *text).then_some(body)
    }

    fn instances(&self) -> Vec<DocInstance<'_>> {
        let called = ModuleHandle::instances(self);
        if called.is_empty() {
            return vec![DocInstance {
                scope: self,
                call: None,
            }];
        }
        called
            .iter()
            .map(|i| DocInstance {
                scope: i,
                call: Some(i.call.clone()),
            })
            .collect()
    }
}

impl Scope for ModuleHandle {
    fn lookup(&self, root: &str, name: &str) -> Option<Val> {
        match root {
            "var" => self.env().vars.get(name).cloned(),
            "local" => self.env().locals.get(name).cloned(),
            _ => None,
        }
    }
}

/// The known values of a module's variables and locals.
#[derive(Default)]
pub struct Env {
    vars: HashMap<String, Val>,
    locals: HashMap<String, Val>,
    /// The files declaring variables or locals, until the module's instances are known (locals
    /// are evaluated again per call); then dropped, as syntax trees are large.
    sources: Mutex<Vec<Source>>,
    /// Declared variables with their primitive type (`bool`, `number`) when they have one.
    declared: HashMap<String, Option<&'static str>>,
    /// The `.tf` files parsed here, by name, until their own document takes its syntax tree
    /// instead of parsing the file a second time.
    parsed: Mutex<HashMap<String, ParsedFile>>,
}

/// A file's text as read, and its syntax tree.
type ParsedFile = (Arc<str>, Arc<Body>);

/// A parsed file of the module.
pub(super) struct Source {
    rel: String,
    text: Arc<str>,
    body: Arc<Body>,
}

impl Source {
    /// The origin of the attribute `attr` of this file.
    fn origin(&self, attr: &hcl_edit::structure::Attribute, via: String) -> Arc<Origin> {
        let span = |r: Option<std::ops::Range<usize>>| {
            r.map_or(Span::new(0, 0), |r| Span::new(r.start, r.end))
        };
        Arc::new(Origin {
            path: self.rel.clone(),
            span: span(attr.span()),
            value: span(attr.value.span()),
            text: self.text.clone(),
            via,
        })
    }
}

impl Env {
    fn build(dir: &Path, rel_dir: &str, var_files: &[String]) -> Env {
        let rel = |name: &str| {
            if rel_dir.is_empty() {
                name.to_string()
            } else {
                format!("{rel_dir}/{name}")
            }
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        // `wanted`: whether a file's text is worth parsing.
        let read = |name: &str, wanted: &dyn Fn(&str) -> bool| -> Option<Source> {
            let path = dir.join(name);
            let meta = std::fs::symlink_metadata(&path).ok()?;
            if !meta.is_file() || meta.len() > MAX_FILE {
                return None;
            }
            let text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
            if !wanted(&text) {
                return None;
            }
            let body = Arc::new(hcl_edit::parser::parse_body(&text).ok()?);
            Some(Source {
                rel: rel(name),
                text: Arc::from(text),
                body,
            })
        };
        // Only files that can declare a variable or a local are parsed.
        let declares = |t: &str| t.contains("variable") || t.contains("locals");
        let tf: Vec<Source> = names
            .iter()
            .filter(|n| n.ends_with(".tf"))
            .filter_map(|n| read(n, &declares))
            .collect();
        let mut env = Env::default();
        for src in &tf {
            for block in src.body.get_blocks("variable") {
                let [label] = block.labels.as_slice() else {
                    continue;
                };
                let name = crate::document::hcl::label_str(label);
                let ty = match block.body.get_attribute("type").map(|t| &t.value) {
                    Some(Expression::Variable(v)) if v.as_str() == "bool" => Some("bool"),
                    Some(Expression::Variable(v)) if v.as_str() == "number" => Some("number"),
                    _ => None,
                };
                env.declared.insert(name.clone(), ty);
                if let Some(d) = block.body.get_attribute("default")
                    && let Some(v) = eval(&d.value, &src.text, &NoScope)
                {
                    let o = src.origin(d, format!("the default of var.{name}"));
                    env.vars.insert(name, Val { v: v.v, o: Some(o) });
                }
            }
        }
        // Terraform's precedence: terraform.tfvars, then *.auto.tfvars by name, then -var-file.
        let mut tfvars: Vec<String> = Vec::new();
        if names.iter().any(|n| n == "terraform.tfvars") {
            tfvars.push("terraform.tfvars".into());
        }
        tfvars.extend(
            names
                .iter()
                .filter(|n| n.ends_with(".auto.tfvars"))
                .cloned(),
        );
        tfvars.extend(var_files.iter().filter(|f| safe_relative(f)).cloned());
        for file in &tfvars {
            let Some(src) = read(file, &|_| true) else {
                continue;
            };
            for attr in src.body.attributes() {
                let name = attr.key.as_str();
                // Terraform ignores (with a warning) values for undeclared variables.
                if !env.declared.contains_key(name) {
                    continue;
                }
                if let Some(v) = eval(&attr.value, &src.text, &NoScope) {
                    let shown = file.rsplit('/').next().unwrap_or(file);
                    let o = src.origin(attr, format!("var.{name} in {shown}"));
                    env.vars
                        .insert(name.to_string(), Val { v: v.v, o: Some(o) });
                }
            }
        }
        env.convert_types();
        env.locals = eval_locals(&tf, &env.vars);
        let parsed = tf
            .iter()
            .map(|src| {
                let name = src.rel.rsplit('/').next().unwrap_or(&src.rel).to_string();
                (name, (src.text.clone(), src.body.clone()))
            })
            .collect();
        env.parsed = Mutex::new(parsed);
        env.sources = Mutex::new(tf);
        env
    }

    /// Values converted to their variable's primitive type, as Terraform does.
    fn convert_types(&mut self) {
        for (name, val) in &mut self.vars {
            if let Some(Some(t)) = self.declared.get(name) {
                convert(&mut val.v, t);
            }
        }
    }
}

/// Every local of `sources`, evaluated once each with `vars`; a cycle is unknown.
fn eval_locals(sources: &[Source], vars: &HashMap<String, Val>) -> HashMap<String, Val> {
    let mut defs = HashMap::new();
    for (i, src) in sources.iter().enumerate() {
        for block in src.body.get_blocks("locals") {
            for attr in block.body.attributes() {
                defs.insert(attr.key.as_str().to_string(), (i, attr));
            }
        }
    }
    let locals = Locals {
        tf: sources,
        vars,
        defs: &defs,
        memo: RefCell::new(HashMap::new()),
        busy: RefCell::new(HashSet::new()),
    };
    let mut names: Vec<&String> = defs.keys().collect();
    names.sort();
    let mut out = HashMap::new();
    for n in names {
        if let Some(v) = locals.lookup("local", n) {
            out.insert(n.clone(), v);
        }
    }
    out
}

/// A `var-files` entry that stays inside the module directory.
pub fn safe_relative(f: &str) -> bool {
    let p = Path::new(f);
    !p.is_absolute()
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}

/// A primitive variable value converted to its declared type, as Terraform does.
fn convert(v: &mut Value, t: &str) {
    let Value::String(s) = v else { return };
    match t {
        "bool" => {
            if let Some(b) = truthy(v) {
                *v = Value::Bool(b);
            }
        }
        _ => {
            if let Ok(n) = s.trim().parse::<i64>() {
                *v = Value::Number(n.into());
            }
        }
    }
}

/// The scope locals are evaluated in: variables, and other locals on demand.
struct Locals<'a> {
    tf: &'a [Source],
    vars: &'a HashMap<String, Val>,
    defs: &'a HashMap<String, (usize, &'a hcl_edit::structure::Attribute)>,
    memo: RefCell<HashMap<String, Option<Val>>>,
    /// Locals being evaluated: a reference back to one of them is a cycle (unknown).
    busy: RefCell<HashSet<String>>,
}

impl Scope for Locals<'_> {
    fn lookup(&self, root: &str, name: &str) -> Option<Val> {
        match root {
            "var" => return self.vars.get(name).cloned(),
            "local" => {}
            _ => return None,
        }
        if let Some(v) = self.memo.borrow().get(name) {
            return v.clone();
        }
        let &(i, attr) = self.defs.get(name)?;
        if !self.busy.borrow_mut().insert(name.to_string()) {
            return None;
        }
        let src = &self.tf[i];
        let v = eval(&attr.value, &src.text, self).map(|v| {
            let o = match &v.o {
                // Through a variable: the variable's value is what a user changes.
                Some(o) => Arc::new(Origin {
                    via: format!("local.{name}, from {}", o.via),
                    ..Origin::clone(o)
                }),
                None => src.origin(attr, format!("local.{name}")),
            };
            Val { v: v.v, o: Some(o) }
        });
        self.busy.borrow_mut().remove(name);
        self.memo.borrow_mut().insert(name.to_string(), v.clone());
        v
    }
}

/// Move each finding of `doc` reported at a value that came through a variable or local to where
/// that value is written, with the use site as a related location; a finding in a module instance
/// a `module` block calls also names that call.
///
/// A finding is matched to a value by its pointer (rules key findings `<doc index>#<pointer>`):
/// the origin recorded at the longest prefix of it, narrowed to the member the rest of the
/// pointer names (`/cidr_blocks/1` of a list default cites that element). A finding without a
/// pointer key is matched by its span.
pub fn reroute(doc: &Document, findings: &mut [Finding]) {
    let view = doc.terraform();
    if (view.origins.is_empty() && view.calls.iter().all(Option::is_none)) || findings.is_empty() {
        return;
    }
    let Ok(cdocs) = doc.config() else { return };
    let mut by_span: HashMap<Span, &Arc<Origin>> = HashMap::new();
    for (i, ptr, o) in &view.origins {
        if let Some(cdoc) = cdocs.get(*i) {
            by_span.entry(best_span(cdoc, ptr, &doc.text)).or_insert(o);
        }
    }
    for f in findings.iter_mut() {
        if f.path != doc.path {
            continue;
        }
        let keyed = f
            .fingerprint_key
            .split_once('#')
            .and_then(|(i, p)| Some((i.parse::<usize>().ok()?, p.to_string())));
        let call = keyed
            .as_ref()
            .and_then(|(i, _)| view.calls.get(*i).cloned().flatten());
        let by_ptr = keyed.as_ref().and_then(|(index, p)| {
            view.origins
                .iter()
                .filter(|(i, _, _)| i == index)
                .filter_map(|(_, o_ptr, o)| {
                    let rest = p.strip_prefix(o_ptr.as_str())?;
                    (rest.is_empty() || rest.starts_with('/')).then_some((o_ptr.len(), rest, o))
                })
                .max_by_key(|(len, _, _)| *len)
                .map(|(_, rest, o)| narrow(o, rest))
        });
        let origin = match (by_ptr, keyed.is_some()) {
            (Some(o), _) => Some(o),
            (None, true) => None,
            (None, false) => f.span.and_then(|s| by_span.get(&s)).map(|o| Arc::clone(o)),
        };
        if let Some(o) = &origin {
            let use_site = f.span;
            let lines = crate::document::LineIndex::new(&o.text);
            let span = first_line(o.span.clamp_to(&o.text), &o.text);
            f.fingerprint_key = format!("{}@{}#{}", o.via, doc.path, f.fingerprint_key);
            f.message = format!("{} (value set through {})", f.message, o.via);
            f.related.push(crate::finding::Related {
                path: doc.path.clone(),
                span: use_site,
                start: use_site.map(|s| doc.line_col(s.start)),
                message: "the value is used here".into(),
            });
            f.path = o.path.clone();
            f.span = Some(span);
            f.start = Some(lines.line_col(&o.text, span.start));
            f.end = Some(lines.line_col(&o.text, span.end));
        }
        if let Some(c) = call {
            let at = crate::document::LineIndex::new(&c.text).line_col(&c.text, c.span.start);
            f.related.push(crate::finding::Related {
                path: c.path.clone(),
                span: Some(c.span),
                start: Some(at),
                message: format!("{} calls the module here", c.via),
            });
        }
    }
}

/// One finding where several instances of a module produced the same one (same rule, place and
/// message), with every instance's related locations.
pub fn dedupe(findings: &mut Vec<Finding>) {
    let mut seen: HashMap<(String, String, Option<Span>, String), usize> = HashMap::new();
    let mut keep: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        let key = (f.rule_id.clone(), f.path.clone(), f.span, f.message.clone());
        match seen.get(&key) {
            Some(&i) => {
                for r in f.related {
                    let dup = keep[i]
                        .related
                        .iter()
                        .any(|x| x.path == r.path && x.span == r.span && x.message == r.message);
                    if !dup {
                        keep[i].related.push(r);
                    }
                }
            }
            None => {
                seen.insert(key, keep.len());
                keep.push(f);
            }
        }
    }
    *findings = keep;
}

/// The origin of the member `rest` (`/1/port`) of a value, as far as it is written literally.
fn narrow(o: &Arc<Origin>, rest: &str) -> Arc<Origin> {
    let mut cur = Arc::clone(o);
    for token in rest.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let key = match token.parse::<u64>() {
            Ok(i) => Value::Number(i.into()),
            Err(_) => Value::String(token),
        };
        match cur.member(&key) {
            Some(m) => cur = Arc::new(m),
            None => break,
        }
    }
    cur
}

/// A multi-line value (a list default) is cited at its first line.
fn first_line(s: Span, text: &str) -> Span {
    match text[s.start..s.end].find('\n') {
        Some(i) => Span::new(s.start, s.start + i),
        None => s,
    }
}

/// The texts of the files findings were moved to (reporters show their lines).
pub fn moved_sources(doc: &Document, findings: &[Finding]) -> Vec<(String, Arc<str>)> {
    let mut out: Vec<(String, Arc<str>)> = Vec::new();
    let view = doc.terraform();
    let calls = view.calls.iter().flatten();
    for o in view.origins.iter().map(|(_, _, o)| o).chain(calls) {
        if !out.iter().any(|(p, _)| *p == o.path) && findings.iter().any(|f| f.path == o.path) {
            out.push((o.path.clone(), o.text.clone()));
        }
    }
    out
}

/// A finding in a plan (`terraform show -json`) names the address of the resource it is about.
pub fn name_addresses(doc: &Document, findings: &mut [Finding]) {
    if !doc.path.ends_with(".json") || doc.path.ends_with(".tf.json") {
        return;
    }
    for f in findings.iter_mut().filter(|f| f.path == doc.path) {
        let Some(addr) = f
            .fingerprint_key
            .split_once('#')
            .and_then(|(_, p)| crate::document::tfplan::address_of(p))
        else {
            continue;
        };
        if !f.message.contains(&addr) {
            f.message = format!("{} (resource {addr})", f.message);
        }
    }
}
