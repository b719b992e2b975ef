//! A chart directory as `helm template` sees it: Chart.yaml, values (values.yaml plus files the
//! policy names), unpacked subcharts in `charts/` with their own value scope, `.Files`, and the
//! built-in objects. Only files inside the chart are read; packaged `.tgz` dependencies are
//! listed as skipped (bylaw does not unpack archives), and so are dependencies `Chart.yaml`
//! names that are not in `charts/` at all (fetched at build time, never by bylaw).
//! `.Release.Namespace` prints from an install-time pseudo-file, so a finding on it (the default
//! namespace) is not the chart's.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use super::exec::{Engine, Origin};
use super::parse;
use super::value::{V, Val};
use super::{Manifest, RenderError, Rendered, Segment, Skipped};
use crate::document::{DocumentKind, Span, pointer_escape};

/// What `helm template` reports for the cluster it does not talk to (Helm 4.2, client-go 1.36).
pub const KUBE_VERSION: (u32, u32) = (1, 36);
/// `.Capabilities.APIVersions` of `helm template` without `--api-versions`: the group/versions
/// client-go knows (kinds are not listed, so `Has "apps/v1/Deployment"` is false).
pub const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "admissionregistration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1beta1",
    "authentication.k8s.io/v1alpha1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1alpha2",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1beta1",
    "node.k8s.io/v1alpha1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
];

/// Largest file of a chart read (templates, values, `.Files`).
const MAX_FILE: u64 = 2 << 20;
/// Most files read from one chart tree.
const MAX_FILES: usize = 5_000;
/// Deepest subchart nesting followed.
const MAX_SUBCHART_DEPTH: usize = 8;

/// Read every text file under `dir` (relative `/`-separated path → text), not following
/// symbolic links, so nothing outside the chart is read.
pub fn read_dir(dir: &Path) -> std::io::Result<BTreeMap<String, Rc<str>>> {
    read_dir_limited(dir, MAX_FILE)
}

/// [`read_dir`] skipping files larger than `max_size` bytes (the scan's limit).
pub fn read_dir_limited(dir: &Path, max_size: u64) -> std::io::Result<BTreeMap<String, Rc<str>>> {
    let max_size = max_size.min(MAX_FILE);
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not a folder",
        ));
    }
    let mut out = BTreeMap::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker.into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() || out.len() >= MAX_FILES {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        if rel.split('/').any(|p| p == ".git") {
            continue;
        }
        let is_tgz = rel.ends_with(".tgz") || rel.ends_with(".tar.gz");
        if is_tgz {
            // Listed, never opened.
            out.insert(rel, Rc::from(""));
            continue;
        }
        if entry.metadata().map(|m| m.len() > max_size).unwrap_or(true) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            out.insert(rel, text.into());
        }
    }
    Ok(out)
}

/// Options of a render.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Values files (paths relative to the chart) merged over values.yaml, in order.
    pub values_files: Vec<String>,
}

/// One chart of the tree (the top chart or an enabled subchart).
struct Node {
    /// Path prefix inside the top chart (`""` or `charts/sub/`).
    prefix: String,
    /// Helm's template-name prefix (`app` or `app/charts/sub`).
    name_prefix: String,
    meta: V,
    values: V,
    files: V,
    library: bool,
}

struct Loader<'a> {
    root: &'a str,
    files: &'a BTreeMap<String, Rc<str>>,
    eng: Engine,
    skipped: Vec<Skipped>,
    nodes: Vec<Node>,
    /// Per chart (`<prefix>Chart.yaml`): enabled dependencies that are not in its `charts/`.
    missing: Vec<(String, Vec<String>)>,
}

/// `root/rel`, or `rel` for the scan root.
pub(super) fn join(root: &str, rel: &str) -> String {
    if root.is_empty() || root == "." {
        rel.to_string()
    } else {
        format!("{}/{rel}", root.trim_end_matches('/'))
    }
}

/// Render the chart whose files are `files` (relative to the chart directory, reported under
/// `root`).
pub fn render(root: &str, files: &BTreeMap<String, Rc<str>>, opts: &Options) -> Rendered {
    let mut l = Loader {
        root,
        files,
        eng: Engine::new(),
        skipped: Vec::new(),
        nodes: Vec::new(),
        missing: Vec::new(),
    };
    let top_values = l.load_values("", &opts.values_files);
    let top_values = match top_values {
        Ok(v) => v,
        Err(e) => return l.finish(Vec::new(), Some(e)),
    };
    if let Err(e) = l.load_chart("", String::new(), top_values, 0) {
        return l.finish(Vec::new(), Some(e));
    }
    // Parse every template of every enabled chart; subcharts first, so that a parent's define
    // of the same name wins, as in Helm.
    let mut to_render = Vec::new();
    let order: Vec<usize> = (0..l.nodes.len()).rev().collect();
    for ni in order {
        let prefix = l.nodes[ni].prefix.clone();
        let tdir = format!("{prefix}templates/");
        let paths: Vec<String> = l
            .files
            .keys()
            .filter(|p| p.starts_with(&tdir) && !p[prefix.len()..].contains("/charts/"))
            .cloned()
            .collect();
        for p in paths {
            let text = l.files[&p].clone();
            let id = l.eng.add_file(join(l.root, &p), text.clone());
            let name = format!("{}/{}", l.nodes[ni].name_prefix, &p[prefix.len()..]);
            l.eng.names.insert(id, name.clone());
            match parse::parse(&text) {
                Ok(parsed) => {
                    for (dname, body) in parsed.defines {
                        l.eng.defines.insert(dname, (body, id));
                    }
                    // Each file is also a template of its own name (`include (print
                    // $.Template.BasePath "/configmap.yaml") .` hashes another template).
                    let body = Rc::new(parsed.body);
                    l.eng.defines.insert(name.clone(), (body.clone(), id));
                    let base = p.rsplit('/').next().unwrap_or(&p);
                    if !base.starts_with('_') && base != "NOTES.txt" && !l.nodes[ni].library {
                        to_render.push((ni, id, name, body));
                    }
                }
                Err(e) => {
                    let err = RenderError {
                        file: id as usize,
                        pos: e.pos,
                        message: format!("template parse error: {}", e.message),
                    };
                    return l.finish(Vec::new(), Some(err));
                }
            }
        }
    }
    // Render in Helm's output order (template name).
    to_render.sort_by(|a, b| a.2.cmp(&b.2));
    let mut out = Vec::new();
    let mut error = None;
    // Values `helm install` decides (the release's namespace) print from this origin.
    let install = l.eng.add_file(INSTALL_TIME.to_string(), "".into());
    let assumed = l.eng.file_origins[install as usize];
    for (ni, id, name, body) in to_render {
        let node = &l.nodes[ni];
        let base_path = name
            .rsplit_once("/templates/")
            .map(|(a, _)| format!("{a}/templates"))
            .unwrap_or_default();
        let template = V::map(BTreeMap::from([
            ("Name".to_string(), V::str(name.as_str())),
            ("BasePath".to_string(), V::str(base_path)),
        ]));
        let dot = top_objects(node, template.clone(), assumed);
        match l.eng.run(id, &body, dot, template) {
            Ok(o) => out.push((id, name, o)),
            Err(e) => {
                if error.is_none() {
                    error = Some(e);
                }
            }
        }
    }
    let manifests = out
        .into_iter()
        .filter(|(_, _, o)| !o.text.trim().is_empty())
        .map(|(id, name, o)| l.manifest(id, name, o))
        .collect();
    l.finish(manifests, error)
}

/// The pseudo-file of values chosen at install time.
const INSTALL_TIME: &str = "<install time>";

fn top_objects(node: &Node, template: V, assumed: super::value::OriginId) -> V {
    let mut namespace = V::str("default");
    namespace.origin = Some(assumed);
    let release = V::map(BTreeMap::from([
        ("Name".to_string(), V::str("release-name")),
        ("Namespace".to_string(), namespace),
        ("Service".to_string(), V::str("Helm")),
        ("IsInstall".to_string(), V::bool(true)),
        ("IsUpgrade".to_string(), V::bool(false)),
        ("Revision".to_string(), V::int(1)),
    ]));
    let (maj, min) = KUBE_VERSION;
    let kv = format!("v{maj}.{min}.0");
    let capabilities = V::map(BTreeMap::from([
        (
            "KubeVersion".to_string(),
            V::map(BTreeMap::from([
                ("Version".to_string(), V::str(kv.as_str())),
                ("GitVersion".to_string(), V::str(kv.as_str())),
                ("Major".to_string(), V::str(maj.to_string())),
                ("Minor".to_string(), V::str(min.to_string())),
            ])),
        ),
        (
            "APIVersions".to_string(),
            Val::ApiVersions(Rc::new(
                API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            ))
            .into(),
        ),
        (
            "HelmVersion".to_string(),
            V::map(BTreeMap::from([("Version".to_string(), V::str("v4.2"))])),
        ),
    ]));
    V::map(BTreeMap::from([
        ("Values".to_string(), node.values.clone()),
        ("Release".to_string(), release),
        ("Chart".to_string(), node.meta.clone()),
        ("Capabilities".to_string(), capabilities),
        ("Files".to_string(), node.files.clone()),
        ("Template".to_string(), template),
    ]))
}

/// Chart.yaml keys as Go field names (`appVersion` → `AppVersion`).
fn chart_field(k: &str) -> String {
    match k {
        "apiVersion" => "APIVersion".into(),
        "kubeVersion" => "KubeVersion".into(),
        _ => {
            let mut c = k.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// Helm's value coalescing: `over` wins, maps merge deeply, a null in `over` deletes the key.
fn coalesce(base: &V, over: &V) -> V {
    match (&base.val, &over.val) {
        (Val::Map(b), Val::Map(o)) => {
            let mut m = b.borrow().clone();
            for (k, ov) in o.borrow().iter() {
                if ov.is_nil() {
                    m.remove(k);
                    continue;
                }
                let nv = match m.get(k) {
                    Some(bv) => coalesce(bv, ov),
                    None => ov.clone(),
                };
                m.insert(k.clone(), nv);
            }
            V {
                val: V::map(m).val,
                origin: over.origin.or(base.origin),
            }
        }
        _ => over.clone(),
    }
}

/// Drop null-valued keys, as Helm does when it loads values.
fn drop_nulls(v: &V) -> V {
    match &v.val {
        Val::Map(m) => {
            let m: BTreeMap<String, V> = m
                .borrow()
                .iter()
                .filter(|(_, x)| !x.is_nil())
                .map(|(k, x)| (k.clone(), drop_nulls(x)))
                .collect();
            V {
                val: V::map(m).val,
                origin: v.origin,
            }
        }
        _ => v.clone(),
    }
}

fn get_path(v: &V, path: &str) -> Option<V> {
    let mut cur = v.clone();
    for p in path.split('.') {
        let next = match &cur.val {
            Val::Map(m) => m.borrow().get(p).cloned(),
            _ => None,
        }?;
        cur = next;
    }
    Some(cur)
}

impl Loader<'_> {
    /// A YAML file of the chart as a value whose nodes carry their spans.
    fn yaml_value(&mut self, rel: &str) -> Result<Option<(u32, V)>, RenderError> {
        let Some(text) = self.files.get(rel).cloned() else {
            return Ok(None);
        };
        let id = self.eng.add_file(join(self.root, rel), text.clone());
        let docs =
            crate::document::yaml::parse(&text, DocumentKind::Yaml).map_err(|e| RenderError {
                file: id as usize,
                pos: e.span.map(|s| s.start).unwrap_or(0),
                message: format!("cannot parse {rel}: {}", e.message),
            })?;
        let Some(doc) = docs.into_iter().next() else {
            return Ok(Some((id, V::map(BTreeMap::new()))));
        };
        let mut ptr = String::new();
        let v = self.with_origins(&doc, &doc.value, &mut ptr, id, 0);
        Ok(Some((id, v)))
    }

    fn with_origins(
        &mut self,
        doc: &crate::document::ConfigDoc,
        j: &Value,
        ptr: &mut String,
        file: u32,
        depth: usize,
    ) -> V {
        let mut v = match j {
            Value::Object(o) if depth < 200 => {
                let mut m = BTreeMap::new();
                for (k, x) in o {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&pointer_escape(k));
                    m.insert(k.clone(), self.with_origins(doc, x, ptr, file, depth + 1));
                    ptr.truncate(len);
                }
                V::map(m)
            }
            Value::Array(a) if depth < 200 => {
                let mut l = Vec::with_capacity(a.len());
                for (i, x) in a.iter().enumerate() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    l.push(self.with_origins(doc, x, ptr, file, depth + 1));
                    ptr.truncate(len);
                }
                V::list(l)
            }
            _ => V::from_json(j),
        };
        if let Some(span) = doc.spans.get(ptr) {
            v.origin = Some(self.eng.add_origin(Origin {
                file,
                span: *span,
                key: doc.key_spans.get(ptr).copied(),
                values: true,
                related: None,
            }));
        }
        v
    }

    /// values.yaml of the chart at `prefix`, with `extra` files merged over it.
    fn load_values(&mut self, prefix: &str, extra: &[String]) -> Result<V, RenderError> {
        let mut v = match self.yaml_value(&format!("{prefix}values.yaml"))? {
            Some((_, v)) => v,
            None => V::map(BTreeMap::new()),
        };
        for f in extra {
            let rel = format!("{prefix}{}", f.trim_start_matches("./"));
            match self.yaml_value(&rel)? {
                Some((_, over)) => v = coalesce(&v, &over),
                None => self.skipped.push(Skipped {
                    path: join(self.root, &rel),
                    reason: "values file named in the policy is not in the chart".into(),
                }),
            }
        }
        Ok(drop_nulls(&v))
    }

    fn load_chart(
        &mut self,
        prefix: &str,
        parent_name: String,
        values: V,
        depth: usize,
    ) -> Result<(), RenderError> {
        let meta_rel = format!("{prefix}Chart.yaml");
        let meta_json = match self.yaml_value(&meta_rel)? {
            Some((_, v)) => v,
            None => V::map(BTreeMap::new()),
        };
        let mut meta = BTreeMap::new();
        if let Val::Map(m) = &meta_json.val {
            for (k, x) in m.borrow().iter() {
                meta.insert(chart_field(k), x.clone());
            }
        }
        let name = meta
            .get("Name")
            .and_then(V::as_str)
            .unwrap_or("chart")
            .to_string();
        let library = meta.get("Type").and_then(V::as_str) == Some("library");
        let name_prefix = if parent_name.is_empty() {
            name.clone()
        } else {
            format!("{parent_name}/charts/{name}")
        };
        // `.Files`: everything but templates, values, Chart.yaml and subcharts.
        let files: BTreeMap<String, Rc<str>> = self
            .files
            .iter()
            .filter_map(|(k, t)| {
                let rel = k.strip_prefix(prefix)?;
                let hidden = rel.starts_with("templates/")
                    || rel.starts_with("charts/")
                    || matches!(
                        rel,
                        "Chart.yaml"
                            | "values.yaml"
                            | "values.schema.json"
                            | "Chart.lock"
                            | "requirements.yaml"
                    );
                (!hidden).then(|| (rel.to_string(), t.clone()))
            })
            .collect();
        let deps: Vec<BTreeMap<String, V>> = match meta.get("Dependencies").map(|d| d.val.clone()) {
            Some(Val::List(l)) => l
                .iter()
                .filter_map(|d| match &d.val {
                    Val::Map(m) => Some(m.borrow().clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let index = self.nodes.len();
        self.nodes.push(Node {
            prefix: prefix.to_string(),
            name_prefix: name_prefix.clone(),
            meta: V::map(meta),
            values: values.clone(),
            files: Val::Files(Rc::new(files)).into(),
            library,
        });
        if depth >= MAX_SUBCHART_DEPTH {
            return Ok(());
        }
        // Subcharts: unpacked directories with a Chart.yaml; archives are skipped.
        let sub_prefix = format!("{prefix}charts/");
        let mut subdirs: Vec<String> = Vec::new();
        let mut archives: Vec<&str> = Vec::new();
        let mut present: Vec<String> = Vec::new();
        for k in self.files.keys() {
            let Some(rest) = k.strip_prefix(&sub_prefix) else {
                continue;
            };
            if !rest.contains('/') && (rest.ends_with(".tgz") || rest.ends_with(".tar.gz")) {
                archives.push(rest);
                self.skipped.push(Skipped {
                    path: join(self.root, k),
                    reason: "packaged chart dependency (.tgz) is not unpacked; its templates are not checked".into(),
                });
            }
            if let Some(dir) = rest.strip_suffix("/Chart.yaml")
                && !dir.contains('/')
            {
                subdirs.push(dir.to_string());
            }
        }
        let mut values = values;
        for dir in subdirs {
            let sub = format!("{sub_prefix}{dir}/");
            let sub_name = self
                .files
                .get(&format!("{sub}Chart.yaml"))
                .and_then(|t| crate::document::yaml::parse(t, DocumentKind::Yaml).ok())
                .and_then(|d| d.into_iter().next())
                .and_then(|d| {
                    d.value
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| dir.clone());
            present.push(sub_name.clone());
            let dep = deps
                .iter()
                .find(|d| d.get("name").and_then(V::as_str) == Some(sub_name.as_str()));
            let alias = dep
                .and_then(|d| d.get("alias").and_then(V::as_str).map(str::to_string))
                .unwrap_or_else(|| sub_name.clone());
            // `condition`: the first path that exists decides; absent means enabled.
            if let Some(cond) =
                dep.and_then(|d| d.get("condition").and_then(V::as_str).map(str::to_string))
            {
                let decided = cond
                    .split(',')
                    .map(str::trim)
                    .find_map(|p| get_path(&values, p));
                if let Some(v) = decided
                    && let Val::Bool(false) = v.val
                {
                    continue;
                }
            }
            if let Some(Val::List(tags)) = dep.and_then(|d| d.get("tags")).map(|t| t.val.clone()) {
                let tag_vals: Vec<Option<bool>> =
                    tags.iter()
                        .map(|t| {
                            get_path(&values, &format!("tags.{}", t.as_str().unwrap_or("")))
                                .and_then(|v| match v.val {
                                    Val::Bool(b) => Some(b),
                                    _ => None,
                                })
                        })
                        .collect();
                if !tag_vals.is_empty() && tag_vals.iter().all(|t| *t == Some(false)) {
                    continue;
                }
            }
            let defaults = self.load_values(&sub, &[])?;
            let from_parent = get_path(&values, &alias).unwrap_or_else(|| V::map(BTreeMap::new()));
            let mut sub_values = coalesce(&defaults, &from_parent);
            if let Some(global) = get_path(&values, "global") {
                let sub_global =
                    get_path(&sub_values, "global").unwrap_or_else(|| V::map(BTreeMap::new()));
                let merged = coalesce(&sub_global, &global);
                if let Val::Map(m) = &sub_values.val {
                    let mut m = m.borrow().clone();
                    m.insert("global".into(), merged);
                    sub_values = V {
                        val: V::map(m).val,
                        origin: sub_values.origin,
                    };
                }
            }
            let sub_values = drop_nulls(&sub_values);
            // The parent sees the subchart's merged values under its name, as in Helm.
            if let Val::Map(m) = &values.val {
                let mut m = m.borrow().clone();
                m.insert(alias.clone(), sub_values.clone());
                values = V {
                    val: V::map(m).val,
                    origin: values.origin,
                };
                self.nodes[index].values = values.clone();
            }
            // A subchart's template names use its (aliased) name.
            let before = self.nodes.len();
            self.load_chart(&sub, name_prefix.clone(), sub_values, depth + 1)?;
            if alias != sub_name
                && let Some(n) = self.nodes.get_mut(before)
            {
                n.name_prefix = format!("{name_prefix}/charts/{alias}");
            }
        }
        // Dependencies `helm dependency build` has not vendored: Helm refuses to render without
        // them; bylaw renders the rest and says what is missing.
        let missing: Vec<String> = deps
            .iter()
            .filter_map(|d| {
                let name = d.get("name").and_then(V::as_str)?;
                let vendored = present.iter().any(|p| p == name)
                    || archives.iter().any(|a| a.starts_with(&format!("{name}-")));
                let off = d
                    .get("condition")
                    .and_then(V::as_str)
                    .and_then(|c| {
                        c.split(',')
                            .map(str::trim)
                            .find_map(|p| get_path(&values, p))
                    })
                    .is_some_and(|v| matches!(v.val, Val::Bool(false)));
                (!vendored && !off).then(|| name.to_string())
            })
            .collect();
        if !missing.is_empty() {
            self.missing.push((format!("{prefix}Chart.yaml"), missing));
        }
        Ok(())
    }

    fn manifest(&self, id: u32, name: String, o: super::exec::Out) -> Manifest {
        let assumed = o
            .segs
            .iter()
            .filter(|g| {
                self.eng
                    .origins
                    .get(g.origin as usize)
                    .is_some_and(|origin| self.eng.files[origin.file as usize].path == INSTALL_TIME)
            })
            .map(|g| Span::new(g.start, g.end))
            .collect();
        let segments = o
            .segs
            .iter()
            .filter_map(|g| {
                let origin = self.eng.origins.get(g.origin as usize)?;
                let file = &self.eng.files[origin.file as usize].path;
                if file.is_empty() || file == INSTALL_TIME {
                    return None;
                }
                let src = if g.linear {
                    Span::new(g.skip, g.skip + (g.end - g.start))
                } else {
                    origin.span
                };
                Some(Segment {
                    out: Span::new(g.start, g.end),
                    file: file.clone(),
                    src,
                    key: if g.linear { None } else { origin.key },
                    linear: g.linear,
                    related: origin
                        .related
                        .map(|(f, s)| (self.eng.files[f as usize].path.clone(), s)),
                })
            })
            .collect();
        Manifest {
            template: self.eng.files[id as usize].path.clone(),
            name,
            text: o.text,
            segments,
            assumed,
        }
    }

    fn finish(mut self, manifests: Vec<Manifest>, error: Option<RenderError>) -> Rendered {
        let missing: Vec<String> = self
            .missing
            .iter()
            .flat_map(|(_, names)| names.iter().cloned())
            .collect();
        for (chart, names) in std::mem::take(&mut self.missing) {
            self.skipped.push(Skipped {
                path: join(self.root, &chart),
                reason: format!(
                    "dependencies named here are not in charts/ (`helm dependency build` vendors them), so their templates are not checked: {}",
                    names.join(", ")
                ),
            });
        }
        let error = error.map(|mut e| {
            if !missing.is_empty() {
                e.message = format!(
                    "{} (dependencies not in charts/, which may be why: {}; `helm dependency build` vendors them)",
                    e.message,
                    missing.join(", ")
                );
            }
            let f = self.eng.files.get(e.file);
            super::ChartError {
                path: f
                    .map(|f| f.path.clone())
                    .unwrap_or_else(|| self.root.to_string()),
                span: Span::new(e.pos, e.pos),
                line_col: f
                    .map(|f| crate::document::LineIndex::new(&f.text).line_col(&f.text, e.pos)),
                message: e.message,
            }
        });
        Rendered {
            manifests,
            skipped: self.skipped,
            error,
            missing,
        }
    }
}
