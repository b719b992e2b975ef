//! Kustomize, built natively: every kustomization that no other one includes (an overlay, or a
//! base applied on its own) is built the way `kustomize build` would, and the objects it
//! produces are what the Kubernetes rules judge. Each value keeps the place it was set — the base
//! resource, the patch, the `images:` or `replicas:` entry — so findings point at the line to
//! change ([`super::rendered`]).
//!
//! Written here rather than linked: kustomize is Go (no Rust port), and running a kustomize
//! binary would break "never executes what it scans". What is built: `resources` (files, `kind:
//! List`, local directories), `components`, `patches` / `patchesStrategicMerge` /
//! `patchesJson6902` (files or inline, `target` selectors), `images`, `replicas`, `namePrefix` /
//! `nameSuffix`, `namespace`, `commonLabels` / `labels`, `commonAnnotations`, and the literals of
//! `configMapGenerator` / `secretGenerator`. Remote resources and `helmCharts` are listed as
//! skipped. Reads stay inside the scanned tree (no `..` above it, no symbolic links).

pub mod patch;
pub mod tree;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::document::{Document, DocumentKind, Span};
use crate::project::rendered::{Claim, Origin, Related, Rendered, RenderedFile};
use crate::report::{FileError, Skipped};
use crate::walk::WalkedFile;
use tree::{Emitter, Node, Val};

/// Deeper nesting of bases than this is a cycle or an attack, not a real project.
const MAX_DEPTH: usize = 24;
/// Objects one build may produce.
const MAX_OBJECTS: usize = 20_000;

const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn is_kustomization(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    NAMES.contains(&name)
}

/// Build every top-level kustomization among the walked files into `out`.
pub fn build_all(files: &[WalkedFile], base: &Path, max_size: u64, out: &mut Rendered) {
    let kustomizations: Vec<&str> = files
        .iter()
        .map(|f| f.rel.as_str())
        .filter(|r| is_kustomization(r))
        .collect();
    if kustomizations.is_empty() {
        return;
    }
    let mut b = Builder {
        base,
        max_size,
        staged: files
            .iter()
            .filter_map(|f| f.content.as_ref().map(|c| (f.rel.as_str(), c.clone())))
            .collect(),
        out,
        referenced: HashSet::new(),
        built: HashMap::new(),
        stack: Vec::new(),
    };
    for k in &kustomizations {
        b.build(k, 0);
    }
    let mut roots: Vec<&str> = kustomizations
        .iter()
        .copied()
        .filter(|k| !b.referenced.contains(*k))
        .collect();
    roots.sort_unstable();
    for k in roots {
        let Some(objects) = b.built.get(k) else {
            continue;
        };
        if objects.is_empty() {
            continue;
        }
        let mut e = Emitter::default();
        for o in objects {
            e.document(o);
        }
        e.segments.sort_by_key(|s| s.range.start);
        b.out.files.push(RenderedFile {
            label: format!("{k}#kustomize"),
            kind: DocumentKind::Kubernetes,
            text: e.text,
            segments: e.segments,
            build: Related {
                path: k.to_string(),
                span: None,
                message: format!("as built by {k}"),
            },
            assumed: Vec::new(),
        });
    }
}

struct Builder<'a> {
    base: &'a Path,
    max_size: u64,
    /// Content to use instead of the disk (`--staged`).
    staged: HashMap<&'a str, Arc<[u8]>>,
    out: &'a mut Rendered,
    /// Kustomization files another one includes (as a resource directory or a component).
    referenced: HashSet<String>,
    /// Kustomization path → the objects it builds (`None` while building: a cycle).
    built: HashMap<String, Vec<Node>>,
    stack: Vec<String>,
}

impl Builder<'_> {
    /// The objects a kustomization builds (memoised).
    fn build(&mut self, krel: &str, depth: usize) -> Vec<Node> {
        if let Some(b) = self.built.get(krel) {
            return b.clone();
        }
        if depth > MAX_DEPTH || self.stack.iter().any(|s| s == krel) {
            self.error(
                krel,
                "kustomization includes itself (a cycle of bases); not built",
            );
            return Vec::new();
        }
        let Some(k) = self.kustomization(krel) else {
            return Vec::new();
        };
        self.stack.push(krel.to_string());
        let mut objects = Vec::new();
        self.run(krel, &k, &mut objects, depth);
        self.stack.pop();
        objects.truncate(MAX_OBJECTS);
        self.built.insert(krel.to_string(), objects.clone());
        objects
    }

    fn kustomization(&mut self, krel: &str) -> Option<Node> {
        let text = self.read(krel)?;
        let doc = Document::new(krel, DocumentKind::Yaml, text);
        // A broken kustomization is reported by the per-file scan as a parse error.
        let cd = doc.config().ok()?.first()?;
        let node = Node::from_doc(cd, krel);
        matches!(node.val, Val::Map(_)).then_some(node)
    }

    /// Resources, generators and components of `k`, added to `objects`; then `k`'s
    /// transformations, applied to all of `objects`.
    fn run(&mut self, krel: &str, k: &Node, objects: &mut Vec<Node>, depth: usize) {
        let dir = parent(krel);
        for field in ["resources", "bases"] {
            for entry in strings(k.get(field)) {
                self.resource(krel, dir, &entry, objects, depth);
            }
        }
        self.generators(k, objects);
        for entry in strings(k.get("components")) {
            let Some(cdir) = join(dir, &entry) else {
                self.outside(krel, &entry);
                continue;
            };
            let Some(ckrel) = self.kustomization_in(&cdir) else {
                self.error(
                    krel,
                    &format!("component `{entry}` has no kustomization file"),
                );
                continue;
            };
            self.referenced.insert(ckrel.clone());
            if let Some(c) = self.kustomization(&ckrel) {
                self.run(&ckrel, &c, objects, depth + 1);
            }
        }
        if k.get("helmCharts").is_some() {
            self.out.skipped.push(Skipped::new(
                krel,
                "helmCharts: charts are rendered from their own directories, not through kustomize",
            ));
        }
        self.patches(krel, dir, k, objects);
        transform_names(k, objects);
        transform_namespace(k, objects);
        transform_labels(k, objects);
        transform_images(k, objects);
        transform_replicas(k, objects);
    }

    fn resource(
        &mut self,
        krel: &str,
        dir: &str,
        entry: &str,
        objects: &mut Vec<Node>,
        depth: usize,
    ) {
        if is_remote(entry) {
            self.out.skipped.push(Skipped::new(
                krel,
                format!("remote resource `{entry}` is not fetched"),
            ));
            return;
        }
        let Some(rel) = join(dir, entry) else {
            self.outside(krel, entry);
            return;
        };
        if self.is_dir(&rel) {
            match self.kustomization_in(&rel) {
                Some(sub) => {
                    self.referenced.insert(sub.clone());
                    objects.extend(self.build(&sub, depth + 1));
                }
                None => self.error(
                    krel,
                    &format!("resource directory `{entry}` has no kustomization file"),
                ),
            }
            return;
        }
        let docs = self.load(&rel);
        if !docs.is_empty() {
            self.out.claims.insert(rel, Claim::Input);
        }
        for d in docs {
            match d.get("items").map(|n| &n.val) {
                Some(Val::Seq(items)) if d.str_at(&["kind"]) == Some("List") => {
                    objects.extend(items.iter().cloned());
                }
                _ => objects.push(d),
            }
        }
    }

    /// The documents of a YAML (or JSON) file, each as a tree with origins.
    fn load(&mut self, rel: &str) -> Vec<Node> {
        let Some(text) = self.read(rel) else {
            return Vec::new();
        };
        let kind = if rel.ends_with(".json") {
            DocumentKind::Json
        } else {
            DocumentKind::Yaml
        };
        let doc = Document::new(rel, kind, text);
        match doc.config() {
            Ok(docs) => docs
                .iter()
                .filter(|d| !d.value.is_null())
                .map(|d| Node::from_doc(d, rel))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A patch given inline (a YAML string in the kustomization): its documents, with origins
    /// mapped into the kustomization's text where the string is a literal block, else the
    /// entry's own place.
    fn inline(&mut self, krel: &str, at: &Node, text: &str) -> Vec<Node> {
        let doc = Document::new(krel, DocumentKind::Yaml, text);
        let Ok(docs) = doc.config() else {
            return Vec::new();
        };
        let source = self.out.sources.get(krel).cloned();
        let mapping = at
            .origin
            .as_ref()
            .zip(source.as_deref())
            .and_then(|(o, src)| BlockMap::new(src, o.span));
        docs.iter()
            .filter(|d| !d.value.is_null())
            .map(|d| {
                let mut n = Node::from_doc(d, krel);
                relocate(&mut n, &|o: &mut Origin| match &mapping {
                    Some(m) => {
                        o.span = m.span(text, o.span);
                        o.key = o.key.map(|k| m.span(text, k));
                    }
                    None => {
                        if let Some(a) = &at.origin {
                            o.span = a.span;
                            o.key = None;
                        }
                    }
                });
                n
            })
            .collect()
    }

    /// Patch documents named by one entry: a file path, or inline YAML.
    fn patch_docs(&mut self, krel: &str, dir: &str, at: &Node, spec: &str) -> Vec<Node> {
        if spec.contains('\n') || spec.trim_start().starts_with(['{', '[', '-']) {
            return self.inline(krel, at, spec);
        }
        match join(dir, spec.trim()) {
            Some(rel) => {
                let docs = self.load(&rel);
                if !docs.is_empty() {
                    self.out.claims.insert(rel, Claim::Input);
                }
                docs
            }
            None => {
                self.outside(krel, spec);
                Vec::new()
            }
        }
    }

    fn patches(&mut self, krel: &str, dir: &str, k: &Node, objects: &mut Vec<Node>) {
        if let Some(Val::Seq(items)) = k.get("patchesStrategicMerge").map(|n| &n.val) {
            for item in items.clone() {
                if let Val::Scalar(Value::String(spec)) = &item.val {
                    for p in self.patch_docs(krel, dir, &item, spec) {
                        apply_strategic(&p, None, objects);
                    }
                }
            }
        }
        for field in ["patchesJson6902", "patches"] {
            let Some(Val::Seq(items)) = k.get(field).map(|n| &n.val) else {
                continue;
            };
            for item in items.clone() {
                let target = item.get("target");
                let docs = match (item.str_at(&["path"]), item.get("patch")) {
                    (Some(path), _) => self.patch_docs(krel, dir, &item, path),
                    (None, Some(p)) => match &p.val {
                        Val::Scalar(Value::String(s)) => self.inline(krel, p, s),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                for d in docs {
                    if matches!(d.val, Val::Seq(_)) {
                        if let Some(t) = target {
                            for o in objects.iter_mut().filter(|o| selects(t, o)) {
                                patch::json6902(o, &d);
                            }
                        }
                    } else {
                        apply_strategic(&d, target, objects);
                    }
                }
            }
        }
    }

    fn generators(&mut self, k: &Node, objects: &mut Vec<Node>) {
        for (field, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            let Some(Val::Seq(gens)) = k.get(field).map(|n| &n.val) else {
                continue;
            };
            for g in gens {
                let Some(name) = g.get("name") else {
                    continue;
                };
                let mut data = Vec::new();
                if let Some(Val::Seq(lits)) = g.get("literals").map(|n| &n.val) {
                    for l in lits {
                        if let Val::Scalar(Value::String(s)) = &l.val
                            && let Some((key, value)) = s.split_once('=')
                        {
                            // Secret values stay out of the rendered text: rules judge the
                            // object's shape, and the secrets pack reads the kustomization.
                            let v = if kind == "Secret" {
                                String::new()
                            } else {
                                value.to_string()
                            };
                            data.push((
                                key.to_string(),
                                Node::scalar(Value::String(v), l.origin.clone()),
                            ));
                        }
                    }
                }
                let o = &g.origin;
                objects.push(Node::map(
                    vec![
                        (
                            "apiVersion".into(),
                            Node::scalar(Value::String("v1".into()), o.clone()),
                        ),
                        (
                            "kind".into(),
                            Node::scalar(Value::String(kind.into()), o.clone()),
                        ),
                        (
                            "metadata".into(),
                            Node::map(vec![("name".into(), name.clone())], o.clone()),
                        ),
                        ("data".into(), Node::map(data, o.clone())),
                    ],
                    o.clone(),
                ));
            }
        }
    }

    fn read(&mut self, rel: &str) -> Option<Arc<str>> {
        if let Some(t) = self.out.sources.get(rel) {
            return Some(t.clone());
        }
        let bytes: Vec<u8> = match self.staged.get(rel) {
            Some(c) => c.to_vec(),
            None => {
                let path = self.base.join(rel);
                let meta = std::fs::symlink_metadata(&path).ok()?;
                if !meta.is_file() || meta.len() > self.max_size {
                    return None;
                }
                std::fs::read(&path).ok()?
            }
        };
        let text: Arc<str> = String::from_utf8(bytes).ok()?.into();
        self.out.sources.insert(rel.to_string(), text.clone());
        Some(text)
    }

    fn is_dir(&self, rel: &str) -> bool {
        std::fs::symlink_metadata(self.base.join(rel)).is_ok_and(|m| m.is_dir())
    }

    fn kustomization_in(&self, dir: &str) -> Option<String> {
        NAMES.iter().find_map(|n| {
            let rel = if dir.is_empty() {
                n.to_string()
            } else {
                format!("{dir}/{n}")
            };
            (self.staged.contains_key(rel.as_str())
                || std::fs::symlink_metadata(self.base.join(&rel)).is_ok_and(|m| m.is_file()))
            .then_some(rel)
        })
    }

    fn error(&mut self, krel: &str, message: &str) {
        self.out.errors.push(FileError::parse(
            krel,
            format!("kustomize: {message}"),
            None,
        ));
    }

    fn outside(&mut self, krel: &str, entry: &str) {
        self.out.skipped.push(Skipped::new(
            krel,
            format!("`{entry}` lies outside the scanned tree; not read"),
        ));
    }
}

/// A literal block scalar (`patch: |-`) in a kustomization: offsets in its string value →
/// offsets in the file.
struct BlockMap {
    /// File offset of the start of each content line.
    line_starts: Vec<usize>,
    indent: usize,
}

impl BlockMap {
    fn new(src: &str, entry: Span) -> Option<BlockMap> {
        let text = src.get(entry.start..entry.end)?;
        let header_end = text.find('\n')?;
        let header = text[..header_end].trim_end();
        // Only literal blocks keep lines as they are; folded ones join them.
        if !header.rsplit(':').next()?.trim_start().starts_with('|') {
            return None;
        }
        let body_start = entry.start + header_end + 1;
        let body = src.get(body_start..entry.end.max(body_start))?;
        let indent = body
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())?;
        let mut line_starts = vec![body_start];
        for (i, c) in body.char_indices() {
            if c == '\n' {
                line_starts.push(body_start + i + 1);
            }
        }
        Some(BlockMap {
            line_starts,
            indent,
        })
    }

    fn span(&self, inline: &str, span: Span) -> Span {
        Span::new(self.map(inline, span.start), self.map(inline, span.end))
    }

    /// An offset in the string value (line, column) → the same character in the file.
    fn map(&self, inline: &str, o: usize) -> usize {
        let before = inline.get(..o).unwrap_or(inline);
        let line = before.matches('\n').count();
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
        match self.line_starts.get(line) {
            Some(start) => start + self.indent + col,
            None => self.line_starts.last().copied().unwrap_or(0),
        }
    }
}

fn relocate(n: &mut Node, f: &dyn Fn(&mut Origin)) {
    if let Some(o) = &mut n.origin {
        f(o);
    }
    match &mut n.val {
        Val::Map(entries) => entries.iter_mut().for_each(|(_, c)| relocate(c, f)),
        Val::Seq(items) => items.iter_mut().for_each(|c| relocate(c, f)),
        Val::Scalar(_) => {}
    }
}

fn strings(n: Option<&Node>) -> Vec<String> {
    match n.map(|n| &n.val) {
        Some(Val::Seq(items)) => items
            .iter()
            .filter_map(|i| match &i.val {
                Val::Scalar(Value::String(s)) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.contains("?ref=")
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir/entry`, normalised; `None` when it climbs above the scanned tree or is absolute.
fn join(dir: &str, entry: &str) -> Option<String> {
    if entry.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in entry.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Whether a `target` selector picks an object.
fn selects(target: &Node, o: &Node) -> bool {
    let field = |k: &str| target.str_at(&[k]);
    let api = o.str_at(&["apiVersion"]).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let name_ok = |want: &str| {
        let name = o.str_at(&["metadata", "name"]).unwrap_or("");
        regex::Regex::new(&format!("^(?:{want})$")).map_or(want == name, |r| r.is_match(name))
    };
    field("kind").is_none_or(|k| Some(k) == o.str_at(&["kind"]))
        && field("group").is_none_or(|g| g == group)
        && field("version").is_none_or(|v| v == version)
        && field("name").is_none_or(name_ok)
        && field("namespace").is_none_or(|n| Some(n) == o.str_at(&["metadata", "namespace"]))
        && field("labelSelector").is_none_or(|s| has_all(o, "labels", s))
        && field("annotationSelector").is_none_or(|s| has_all(o, "annotations", s))
}

/// Equality-based selectors (`a=b,c=d`); anything else selects nothing.
fn has_all(o: &Node, field: &str, selector: &str) -> bool {
    selector.split(',').all(|term| match term.split_once('=') {
        Some((k, v)) => {
            o.str_at(&["metadata", field, k.trim()]) == Some(v.trim().trim_start_matches('='))
        }
        None => false,
    })
}

/// A strategic-merge patch applied to the objects `target` selects, or to the object its own
/// kind and name identify.
fn apply_strategic(p: &Node, target: Option<&Node>, objects: &mut Vec<Node>) {
    let same = |o: &Node| {
        o.str_at(&["kind"]) == p.str_at(&["kind"])
            && o.str_at(&["metadata", "name"]) == p.str_at(&["metadata", "name"])
            && p.str_at(&["metadata", "namespace"])
                .is_none_or(|n| Some(n) == o.str_at(&["metadata", "namespace"]))
    };
    if patch::deletes_object(p) {
        objects.retain(|o| !target.map_or_else(|| same(o), |t| selects(t, o)));
        return;
    }
    for o in objects.iter_mut() {
        let picked = target.map_or_else(|| same(o), |t| selects(t, o));
        if !picked {
            continue;
        }
        // A targeted patch keeps the object's own identity.
        let mut p = p.clone();
        if target.is_some()
            && let Val::Map(entries) = &mut p.val
        {
            entries.retain(|(k, _)| k != "apiVersion" && k != "kind");
            if let Some(m) = p.get_mut("metadata")
                && let Val::Map(me) = &mut m.val
            {
                me.retain(|(k, _)| k != "name" && k != "namespace");
            }
        }
        patch::strategic_merge(o, &p);
    }
}

fn transform_names(k: &Node, objects: &mut [Node]) {
    let prefix = k.str_at(&["namePrefix"]).unwrap_or("");
    let suffix = k.str_at(&["nameSuffix"]).unwrap_or("");
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for o in objects {
        if let Some(n) = o.get_mut("metadata").and_then(|m| m.get_mut("name"))
            && let Val::Scalar(Value::String(s)) = &mut n.val
        {
            *s = format!("{prefix}{s}{suffix}");
        }
    }
}

/// Kinds that live outside namespaces: `namespace:` does not apply to them.
const CLUSTER_SCOPED: [&str; 10] = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
];

fn transform_namespace(k: &Node, objects: &mut [Node]) {
    let Some(ns) = k
        .get("namespace")
        .filter(|n| matches!(n.val, Val::Scalar(Value::String(_))))
    else {
        return;
    };
    for o in objects {
        if o.str_at(&["kind"])
            .is_some_and(|kind| CLUSTER_SCOPED.contains(&kind))
        {
            continue;
        }
        if let Some(m) = o.map_at("metadata", &ns.origin) {
            m.set("namespace", ns.clone());
        }
    }
}

fn transform_labels(k: &Node, objects: &mut [Node]) {
    // (pairs, also into pod templates and selectors)
    let mut sets: Vec<(&Node, bool, &str)> = Vec::new();
    if let Some(c) = k.get("commonLabels") {
        sets.push((c, true, "labels"));
    }
    if let Some(Val::Seq(items)) = k.get("labels").map(|n| &n.val) {
        for i in items {
            if let Some(p) = i.get("pairs") {
                let deep = matches!(
                    i.get("includeTemplates").map(|n| &n.val),
                    Some(Val::Scalar(Value::Bool(true)))
                );
                sets.push((p, deep, "labels"));
            }
        }
    }
    if let Some(c) = k.get("commonAnnotations") {
        sets.push((c, true, "annotations"));
    }
    for (pairs, deep, field) in sets {
        let Val::Map(entries) = &pairs.val else {
            continue;
        };
        for o in objects.iter_mut() {
            let mut targets: Vec<&mut Node> = Vec::new();
            let (meta, rest) = split_meta(o);
            if let Some(m) = meta {
                targets.push(m);
            }
            if deep
                && let Some(t) = rest
                    .and_then(|s| s.get_mut("template"))
                    .and_then(|t| t.get_mut("metadata"))
            {
                targets.push(t);
            }
            for t in targets {
                if let Some(l) = t.map_at(field, &pairs.origin) {
                    for (key, v) in entries {
                        l.set(key, v.clone());
                    }
                }
            }
        }
    }
}

/// An object's `metadata` and `spec`, borrowed together.
fn split_meta(o: &mut Node) -> (Option<&mut Node>, Option<&mut Node>) {
    let Val::Map(entries) = &mut o.val else {
        return (None, None);
    };
    let (mut meta, mut spec) = (None, None);
    for (k, v) in entries.iter_mut() {
        match k.as_str() {
            "metadata" => meta = Some(v),
            "spec" => spec = Some(v),
            _ => {}
        }
    }
    (meta, spec)
}

fn transform_images(k: &Node, objects: &mut [Node]) {
    let Some(Val::Seq(images)) = k.get("images").map(|n| &n.val) else {
        return;
    };
    for o in objects {
        visit_images(o, images);
    }
}

fn visit_images(n: &mut Node, images: &[Node]) {
    match &mut n.val {
        Val::Map(entries) => {
            for (key, v) in entries.iter_mut() {
                if matches!(
                    key.as_str(),
                    "containers" | "initContainers" | "ephemeralContainers"
                ) && let Val::Seq(cs) = &mut v.val
                {
                    for c in cs.iter_mut() {
                        if let Some(img) = c.get_mut("image") {
                            retag(img, images);
                        }
                    }
                }
                visit_images(v, images);
            }
        }
        Val::Seq(items) => items.iter_mut().for_each(|i| visit_images(i, images)),
        Val::Scalar(_) => {}
    }
}

/// Rewrite one `image:` value by the first `images:` entry naming it; the value then comes
/// from the entry's most specific field (`digest`, `newTag`, `newName`).
fn retag(img: &mut Node, images: &[Node]) {
    let Val::Scalar(Value::String(current)) = &img.val else {
        return;
    };
    let (name, suffix) = split_image(current);
    let Some(entry) = images.iter().find(|e| e.str_at(&["name"]) == Some(name)) else {
        return;
    };
    let new_name = entry.str_at(&["newName"]).unwrap_or(name).to_string();
    let (value, from) = if let Some(d) = entry.str_at(&["digest"]) {
        (format!("{new_name}@{d}"), entry.get("digest"))
    } else if let Some(t) = entry.get("newTag") {
        let tag = match &t.val {
            Val::Scalar(Value::String(s)) => s.clone(),
            Val::Scalar(v) => v.to_string(),
            _ => return,
        };
        (format!("{new_name}:{tag}"), Some(t))
    } else {
        (format!("{new_name}{suffix}"), entry.get("newName"))
    };
    let origin = from
        .and_then(|n| n.origin.clone())
        .or_else(|| entry.origin.clone());
    *img = Node::scalar(Value::String(value), origin);
}

/// `registry/name:tag@digest` → (`registry/name`, `:tag@digest`).
fn split_image(image: &str) -> (&str, &str) {
    let cut = image.find('@').unwrap_or(image.len());
    let slash = image[..cut].rfind('/').map_or(0, |i| i + 1);
    let cut = image[slash..cut].find(':').map_or(cut, |i| slash + i);
    (&image[..cut], &image[cut..])
}

fn transform_replicas(k: &Node, objects: &mut [Node]) {
    let Some(Val::Seq(entries)) = k.get("replicas").map(|n| &n.val) else {
        return;
    };
    for e in entries {
        let (Some(name), Some(count)) = (e.str_at(&["name"]), e.get("count")) else {
            continue;
        };
        for o in objects.iter_mut() {
            if o.str_at(&["metadata", "name"]) != Some(name) {
                continue;
            }
            if let Some(spec) = o.map_at("spec", &count.origin) {
                spec.set("replicas", count.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_tree() {
        assert_eq!(join("overlays/prod", "../../base").as_deref(), Some("base"));
        assert_eq!(
            join("overlays/prod", "./patch.yaml").as_deref(),
            Some("overlays/prod/patch.yaml")
        );
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a", "/etc/passwd"), None);
    }

    #[test]
    fn image_names_split_from_tag_and_digest() {
        assert_eq!(split_image("nginx:1.2"), ("nginx", ":1.2"));
        assert_eq!(
            split_image("reg:5000/team/app@sha256:ab"),
            ("reg:5000/team/app", "@sha256:ab")
        );
        assert_eq!(split_image("reg:5000/app"), ("reg:5000/app", ""));
    }

    #[test]
    fn literal_block_offsets_map_into_the_file() {
        let src = "patches:\n  - patch: |-\n      kind: Pod\n      spec:\n        x: 1\n";
        let start = src.find("patch:").expect("entry");
        let m = BlockMap::new(src, Span::new(start, src.len() - 1)).expect("literal block");
        let inline = "kind: Pod\nspec:\n  x: 1";
        let at = inline.find("x: 1").expect("x");
        let mapped = m.map(inline, at);
        assert_eq!(&src[mapped..mapped + 4], "x: 1");
    }
}
