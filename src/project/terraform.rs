//! Terraform modules as Terraform evaluates them: a module is a directory, and the value of
//! `var.x` and `local.y` in one of its `.tf` files comes from the others and from `.tfvars` files.
//!
//! Design:
//! - [`Modules`] (one per engine) hands every `.tf` document a [`ModuleHandle`] for its directory,
//!   shared by all the directory's files. The handle is the document's evaluation [`Scope`]: the
//!   first `var.`/`local.` lookup builds the module's [`Env`] once (lazily, so a directory whose
//!   files never refer to a variable is never re-read), later lookups reuse it.
//! - Building the environment reads only that directory: the `.tf` files that declare variables
//!   or locals (others are skipped unparsed), then `terraform.tfvars`, `*.auto.tfvars` (by name)
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
use crate::document::hcl_eval::{NoScope, Origin, Scope, Val, eval, truthy};
use crate::document::{Document, DocumentKind, Span};
use crate::finding::Finding;

/// Largest file read into a module's environment (the engine's default file limit).
const MAX_FILE: u64 = crate::engine::DEFAULT_MAX_FILE_SIZE;

/// Every module directory of a scan, each evaluated at most once.
pub struct Modules {
    var_files: Arc<[String]>,
    dirs: Mutex<HashMap<PathBuf, Arc<ModuleHandle>>>,
}

impl Modules {
    /// `var_files`: the policy's `[terraform] var-files`, relative to each module directory.
    pub fn new(var_files: &[String]) -> Self {
        Modules {
            var_files: var_files.into(),
            dirs: Mutex::new(HashMap::new()),
        }
    }

    /// Give a `.tf` document (at `path` on disk) the scope of its module directory.
    pub fn attach(&self, doc: &Document, path: &Path) {
        if let Some(h) = self.handle(doc, path) {
            doc.set_terraform_scope(h);
        }
    }

    /// What a `.tf` document's findings depend on besides its own text (its module's other
    /// files and var-files), as a hash for the result cache; empty for other documents.
    pub fn digest(&self, doc: &Document, path: &Path) -> String {
        self.handle(doc, path)
            .map(|h| h.digest.get_or_init(|| h.inputs_digest()).clone())
            .unwrap_or_default()
    }

    fn handle(&self, doc: &Document, path: &Path) -> Option<Arc<ModuleHandle>> {
        if doc.kind != DocumentKind::Terraform || !doc.path.ends_with(".tf") {
            return None;
        }
        let dir = path.parent()?;
        let rel_dir = doc.path.rsplit_once('/').map_or("", |(d, _)| d);
        // A poisoned lock only means another thread panicked while inserting: the map is intact.
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        let handle = dirs.entry(dir.to_path_buf()).or_insert_with(|| {
            Arc::new(ModuleHandle {
                dir: dir.to_path_buf(),
                rel_dir: rel_dir.to_string(),
                var_files: self.var_files.clone(),
                env: OnceLock::new(),
                digest: OnceLock::new(),
            })
        });
        Some(handle.clone())
    }
}

/// One module directory; its environment is built on first use.
pub struct ModuleHandle {
    dir: PathBuf,
    /// The directory relative to the scan base (`""` at the top), for the origins' paths.
    rel_dir: String,
    var_files: Arc<[String]>,
    env: OnceLock<Env>,
    digest: OnceLock<String>,
}

impl ModuleHandle {
    fn env(&self) -> &Env {
        self.env
            .get_or_init(|| Env::build(&self.dir, &self.rel_dir, &self.var_files))
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
        names.extend(self.var_files.iter().filter(|f| safe_relative(f)).cloned());
        for n in names {
            h.update(n.as_bytes());
            h.update(&[0]);
            h.update(&std::fs::read(self.dir.join(&n)).unwrap_or_default());
            h.update(&[0]);
        }
        h.finalize().to_hex().to_string()
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
}

/// A parsed file of the module.
struct Source {
    rel: String,
    text: Arc<str>,
    body: Body,
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
            let body = hcl_edit::parser::parse_body(&text).ok()?;
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
        let mut types: HashMap<String, &'static str> = HashMap::new();
        for src in &tf {
            for block in src.body.get_blocks("variable") {
                let [label] = block.labels.as_slice() else {
                    continue;
                };
                let name = crate::document::hcl::label_str(label);
                if let Some(t) = block.body.get_attribute("type")
                    && let Expression::Variable(v) = &t.value
                {
                    match v.as_str() {
                        "bool" => types.insert(name.clone(), "bool"),
                        "number" => types.insert(name.clone(), "number"),
                        _ => None,
                    };
                }
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
        let declared: HashSet<String> = tf
            .iter()
            .flat_map(|s| s.body.get_blocks("variable"))
            .filter_map(|b| b.labels.first().map(crate::document::hcl::label_str))
            .collect();
        for file in &tfvars {
            let Some(src) = read(file, &|_| true) else {
                continue;
            };
            for attr in src.body.attributes() {
                let name = attr.key.as_str();
                // Terraform ignores (with a warning) values for undeclared variables.
                if !declared.contains(name) {
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
        for (name, t) in types {
            if let Some(val) = env.vars.get_mut(&name) {
                convert(&mut val.v, t);
            }
        }
        let mut defs = HashMap::new();
        for (i, src) in tf.iter().enumerate() {
            for block in src.body.get_blocks("locals") {
                for attr in block.body.attributes() {
                    defs.insert(attr.key.as_str().to_string(), (i, attr));
                }
            }
        }
        let locals = Locals {
            tf: &tf,
            vars: &env.vars,
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
        env.locals = out;
        env
    }
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
/// that value is written, with the use site as a related location.
///
/// A finding is matched to a value by its pointer (rules key findings `<doc index>#<pointer>`):
/// the origin recorded at the longest prefix of it, narrowed to the member the rest of the
/// pointer names (`/cidr_blocks/1` of a list default cites that element). A finding without a
/// pointer key is matched by its span.
pub fn reroute(doc: &Document, findings: &mut [Finding]) {
    let origins = doc.terraform_origins();
    if origins.is_empty() || findings.is_empty() {
        return;
    }
    let Ok(cdocs) = doc.config() else { return };
    let Some(cdoc) = cdocs.first() else { return };
    let mut by_span: HashMap<Span, &Arc<Origin>> = HashMap::new();
    for (ptr, o) in origins {
        by_span.entry(best_span(cdoc, ptr, &doc.text)).or_insert(o);
    }
    for f in findings.iter_mut() {
        if f.path != doc.path {
            continue;
        }
        let pointer = f
            .fingerprint_key
            .split_once('#')
            .map(|(_, p)| p.to_string());
        let by_ptr = pointer.as_deref().and_then(|p| {
            origins
                .iter()
                .filter_map(|(o_ptr, o)| {
                    let rest = p.strip_prefix(o_ptr.as_str())?;
                    (rest.is_empty() || rest.starts_with('/')).then_some((o_ptr.len(), rest, o))
                })
                .max_by_key(|(len, _, _)| *len)
                .map(|(_, rest, o)| narrow(o, rest))
        });
        let origin = match (by_ptr, pointer.is_some()) {
            (Some(o), _) => o,
            (None, true) => continue,
            (None, false) => match f.span.and_then(|s| by_span.get(&s)) {
                Some(o) => Arc::clone(o),
                None => continue,
            },
        };
        let o = origin.as_ref();
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
    for (_, o) in doc.terraform_origins() {
        if !out.iter().any(|(p, _)| *p == o.path) && findings.iter().any(|f| f.path == o.path) {
            out.push((o.path.clone(), o.text.clone()));
        }
    }
    out
}
