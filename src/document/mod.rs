//! Documents: one scanned file, its kind, and its parsed forms, each built lazily and once.
//!
//! Configuration formats (YAML, HCL, Dockerfile) become [`ConfigDoc`]s: a JSON-like value tree
//! plus a map from JSON Pointer to source span, so that one rule language serves Kubernetes,
//! workflows, compose files and Terraform. Code becomes a tree-sitter tree (through ast-grep) and,
//! for Rust, also a `syn` AST.

pub mod cloudformation;
pub mod code;
pub mod dockerfile;
pub mod hcl;
pub mod hcl_eval;
pub mod rust;
pub mod span;
pub mod tfjson;
pub mod tfplan;
pub mod tfregistry;
pub mod yaml;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde_json::Value;

pub use span::{LineCol, LineIndex, Span};

/// What a file is, decided by [`crate::walk::classify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// Terraform / HCL (`*.tf`, `*.tfvars`, `*.hcl`).
    Terraform,
    /// YAML with `apiVersion` and `kind`.
    Kubernetes,
    /// `.github/workflows/*.yml`.
    GithubWorkflow,
    /// `action.yml` / `action.yaml` (composite or docker action metadata).
    GithubAction,
    /// `.gitlab-ci.yml` and files it includes.
    GitlabCi,
    /// `compose*.yml`, `docker-compose*.yml`.
    Compose,
    /// `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, `Containerfile`.
    Dockerfile,
    /// AWS CloudFormation templates (YAML or JSON, SAM, CDK output), recognised by content.
    Cloudformation,
    /// Any other YAML.
    Yaml,
    /// JSON files.
    Json,
    Python,
    Javascript,
    Typescript,
    Tsx,
    Go,
    Rust,
    Shell,
    /// Any other text file; text rules (secrets) still run.
    Text,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 18] = [
        DocumentKind::Terraform,
        DocumentKind::Kubernetes,
        DocumentKind::GithubWorkflow,
        DocumentKind::GithubAction,
        DocumentKind::GitlabCi,
        DocumentKind::Compose,
        DocumentKind::Dockerfile,
        DocumentKind::Cloudformation,
        DocumentKind::Yaml,
        DocumentKind::Json,
        DocumentKind::Python,
        DocumentKind::Javascript,
        DocumentKind::Typescript,
        DocumentKind::Tsx,
        DocumentKind::Go,
        DocumentKind::Rust,
        DocumentKind::Shell,
        DocumentKind::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Terraform => "terraform",
            DocumentKind::Kubernetes => "kubernetes",
            DocumentKind::GithubWorkflow => "github-workflow",
            DocumentKind::GithubAction => "github-action",
            DocumentKind::GitlabCi => "gitlab-ci",
            DocumentKind::Compose => "compose",
            DocumentKind::Dockerfile => "dockerfile",
            DocumentKind::Cloudformation => "cloudformation",
            DocumentKind::Yaml => "yaml",
            DocumentKind::Json => "json",
            DocumentKind::Python => "python",
            DocumentKind::Javascript => "javascript",
            DocumentKind::Typescript => "typescript",
            DocumentKind::Tsx => "tsx",
            DocumentKind::Go => "go",
            DocumentKind::Rust => "rust",
            DocumentKind::Shell => "shell",
            DocumentKind::Text => "text",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            DocumentKind::Kubernetes
                | DocumentKind::GithubWorkflow
                | DocumentKind::GithubAction
                | DocumentKind::GitlabCi
                | DocumentKind::Compose
                | DocumentKind::Cloudformation
                | DocumentKind::Yaml
        )
    }

    /// Comment leaders used by this kind's syntax (for suppressions and fixture markers).
    pub fn comment_leaders(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Python | DocumentKind::Shell | DocumentKind::Dockerfile => &["#"],
            k if k.is_yaml() => &["#"],
            DocumentKind::Terraform => &["#", "//", "/*"],
            DocumentKind::Javascript
            | DocumentKind::Typescript
            | DocumentKind::Tsx
            | DocumentKind::Go
            | DocumentKind::Rust => &["//", "/*"],
            DocumentKind::Json => &[],
            _ => &["#", "//", "/*", "--", "<!--"],
        }
    }
}

/// JSON Pointer → span, keyed by a 64-bit hash of the pointer rather than the pointer itself:
/// documents kept for cross-document rules hold one entry per node, and full pointer strings
/// made them several times larger than their text.
///
/// The pointer is hashed with foldhash (fixed seed: deterministic, and several times faster than
/// SipHash on these short strings, which were 3–4 % of a scan); the map then uses that hash as is.
#[derive(Debug, Clone, Default)]
pub struct SpanMap(HashMap<u64, Span, BuildHasherDefault<PassThrough>>);

fn pointer_hash(p: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0).hash_one(p)
}

/// A hasher for keys that already are well-mixed 64-bit hashes.
#[derive(Default)]
pub struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for `u64` keys; fold anything else in so it stays a hash.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl SpanMap {
    pub fn get(&self, pointer: &str) -> Option<&Span> {
        self.0.get(&pointer_hash(pointer))
    }
    pub fn contains_key(&self, pointer: &str) -> bool {
        self.0.contains_key(&pointer_hash(pointer))
    }
    pub fn insert(&mut self, pointer: impl AsRef<str>, span: Span) {
        self.0.insert(pointer_hash(pointer.as_ref()), span);
    }
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Span> {
        self.0.values_mut()
    }
    pub fn values(&self) -> impl Iterator<Item = &Span> {
        self.0.values()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// String-keyed maps built while parsing (pointer → span before it becomes a [`SpanMap`]):
/// fixed-seed foldhash, as SipHash was a tenth of Dockerfile parsing.
pub type StrMap<V> = HashMap<String, V, foldhash::quality::FixedState>;

impl From<&StrMap<Span>> for SpanMap {
    fn from(m: &StrMap<Span>) -> Self {
        SpanMap(m.iter().map(|(k, v)| (pointer_hash(k), *v)).collect())
    }
}

impl From<StrMap<Span>> for SpanMap {
    fn from(m: StrMap<Span>) -> Self {
        SpanMap::from(&m)
    }
}

impl std::ops::Index<&str> for SpanMap {
    type Output = Span;
    fn index(&self, pointer: &str) -> &Span {
        // Test-only convenience; production code uses `get`.
        self.get(pointer).unwrap_or(&EMPTY_SPAN)
    }
}

static EMPTY_SPAN: Span = Span { start: 0, end: 0 };

/// One parsed configuration document: a value tree and where each node came from.
#[derive(Debug, Clone, Default)]
pub struct ConfigDoc {
    pub value: Value,
    /// JSON Pointer (RFC 6901) → span of the node (for a mapping entry: key start to value end).
    pub spans: SpanMap,
    /// JSON Pointer → span of the mapping key alone, where the node is a mapping entry.
    pub key_spans: SpanMap,
    /// Position of this document in its file (YAML streams, `kind: List` items).
    pub index: usize,
    /// Span of the whole document.
    pub span: Span,
}

impl ConfigDoc {
    /// The span for a pointer, or for its deepest ancestor that has one.
    pub fn span_for(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                return *s;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.span,
            }
        }
    }

    /// The span of the mapping key for a pointer when it has one, else [`Self::span_for`].
    pub fn key_span_for(&self, pointer: &str) -> Span {
        self.key_spans
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.span_for(pointer))
    }

    /// The bytes of `literal` (a scalar's text, for example a secret to mask) in the node at
    /// `pointer`, after its key. Where the text is not there verbatim (escapes, folding), the
    /// whole value after the key and its `:` or `=`: masking too much beats printing a secret.
    pub fn literal_span(&self, text: &str, pointer: &str, literal: &str) -> Span {
        let entry = self.span_for(pointer).clamp_to(text);
        let start = self
            .key_spans
            .get(pointer)
            .map_or(entry.start, |k| k.clamp_to(text).end)
            .clamp(entry.start, entry.end);
        let region = &text[start..entry.end];
        if !literal.is_empty()
            && let Some(i) = region.find(literal)
        {
            return Span::new(start + i, start + i + literal.len());
        }
        let body = region.trim_start_matches(|c: char| c == ':' || c == '=' || c.is_whitespace());
        let at = start + region.len() - body.len();
        Span::new(at, at + body.trim_end().len())
    }

    /// A copy with only the nodes under the pointer prefixes `keep` (string prefixes: `/a/b_`
    /// keeps `/a/b_c`), their ancestors, and the spans of both. A `*` reference token in a prefix
    /// stands for any one token (`/containers/*/image` keeps every container's image). Array
    /// elements that are dropped become `null` so that the pointers of the kept ones do not
    /// change.
    pub fn project(&self, keep: &[&str]) -> ConfigDoc {
        let mut out = ConfigDoc {
            value: Value::Null,
            spans: SpanMap::default(),
            key_spans: SpanMap::default(),
            index: self.index,
            span: self.span,
        };
        // Each prefix as its reference tokens, matched token by token on the way down: a node
        // is tested only against the prefixes still alive at its depth.
        let patterns: Vec<Vec<&str>> = keep
            .iter()
            .map(|k| k.split('/').skip(1).collect())
            .collect();
        let alive: Vec<usize> = (0..patterns.len()).collect();
        let mut ptr = String::new();
        let mut walk = Projection {
            doc: self,
            patterns: &patterns,
            spans: &mut out.spans,
            key_spans: &mut out.key_spans,
        };
        out.value = walk.node(&self.value, &mut ptr, &alive, 0, false);
        out
    }

    /// The deepest pointer prefix of `pointer` that exists in the value tree.
    pub fn deepest_existing(&self, pointer: &str) -> String {
        let mut p = pointer.to_string();
        while !p.is_empty() && self.value.pointer(&p).is_none() {
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => p.clear(),
            }
        }
        p
    }
}

/// The walk of [`ConfigDoc::project`].
struct Projection<'a> {
    doc: &'a ConfigDoc,
    /// Kept prefixes as reference tokens; `*` stands for any one token, and the last token is a
    /// string prefix (`b_` keeps `b_c`).
    patterns: &'a [Vec<&'a str>],
    spans: &'a mut SpanMap,
    key_spans: &'a mut SpanMap,
}

impl Projection<'_> {
    /// Copy `v` (at `ptr`, `depth` tokens deep) keeping what the `alive` patterns reach, or
    /// everything under a node some pattern names whole (`whole`).
    fn node(
        &mut self,
        v: &Value,
        ptr: &mut String,
        alive: &[usize],
        depth: usize,
        whole: bool,
    ) -> Value {
        if let Some(s) = self.doc.spans.get(ptr) {
            self.spans.insert(ptr.as_str(), *s);
        }
        if let Some(s) = self.doc.key_spans.get(ptr) {
            self.key_spans.insert(ptr.as_str(), *s);
        }
        let whole = whole || alive.iter().any(|&i| self.patterns[i].len() == depth);
        let mut next = Vec::new();
        let mut child = |this: &mut Self, v: &Value, token: &str, ptr: &mut String| {
            let escaped = pointer_escape(token);
            next.clear();
            if !whole {
                next.extend(alive.iter().copied().filter(|&i| {
                    let p = &this.patterns[i];
                    let t = p[depth];
                    t == "*" || t == escaped || (depth + 1 == p.len() && escaped.starts_with(t))
                }));
                if next.is_empty() {
                    return None;
                }
            }
            let len = ptr.len();
            ptr.push('/');
            ptr.push_str(&escaped);
            let alive = std::mem::take(&mut next);
            let out = this.node(v, ptr, &alive, depth + 1, whole);
            next = alive;
            ptr.truncate(len);
            Some(out)
        };
        match v {
            Value::Object(m) => {
                let kept: Vec<(String, Value)> = m
                    .iter()
                    .filter_map(|(k, cv)| child(self, cv, k, ptr).map(|x| (k.clone(), x)))
                    .collect();
                // Exact capacity: a growing map reserves room for more entries than it gets, and
                // tens of thousands of small maps are kept until the scan-level rules run.
                let mut o = serde_json::Map::with_capacity(kept.len());
                o.extend(kept);
                Value::Object(o)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, cv)| child(self, cv, &i.to_string(), ptr).unwrap_or(Value::Null))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Escape one JSON Pointer reference token (borrowed when there is nothing to escape).
pub fn pointer_escape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

/// What evaluating a Terraform file recorded ([`hcl::parse_in`]), per configuration document
/// (one per instance of its module).
#[derive(Debug, Clone, Default)]
pub struct TerraformView {
    /// (document index, pointer, origin) of values that came through a variable or local.
    pub origins: Vec<(usize, String, Arc<hcl_eval::Origin>)>,
    /// Per document index, the `module` block that calls this instance.
    pub calls: Vec<Option<Arc<hcl_eval::Origin>>>,
}

/// A parse failure: a per-file diagnostic that never stops the scan.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub span: Option<Span>,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Option<Span>) -> Self {
        ParseError {
            message: message.into(),
            span,
        }
    }
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A scanned file with lazily parsed views.
pub struct Document {
    /// Repository-relative path with `/` separators (what reports show).
    pub path: String,
    pub kind: DocumentKind,
    pub text: Arc<str>,
    line_index: OnceLock<LineIndex>,
    config: OnceLock<Result<Vec<ConfigDoc>, ParseError>>,
    /// A `.tf` file's module: the variables and locals its expressions are evaluated with.
    terraform_module: OnceLock<Arc<dyn hcl_eval::Module>>,
    /// What the evaluation recorded, once the configuration view is built.
    terraform: OnceLock<TerraformView>,
    /// Something the configuration parse tolerated (a duplicate key), set with `config`.
    config_note: OnceLock<ParseError>,
    /// Unique per document; keys the per-thread `syn` cache (syn trees are not `Send`).
    id: u64,
    rust_error: OnceLock<Option<ParseError>>,
    /// `Err(None)`: not a code kind; `Err(Some(_))`: tree-sitter gave up or the tree is too deep.
    #[allow(clippy::type_complexity)]
    code: OnceLock<
        Result<
            ast_grep_core::AstGrep<ast_grep_core::tree_sitter::StrDoc<code::Lang>>,
            Option<ParseError>,
        >,
    >,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .finish()
    }
}

impl Document {
    pub fn new(path: impl Into<String>, kind: DocumentKind, text: impl Into<Arc<str>>) -> Self {
        Document {
            path: path.into(),
            kind,
            text: text.into(),
            line_index: OnceLock::new(),
            config: OnceLock::new(),
            terraform_module: OnceLock::new(),
            terraform: OnceLock::new(),
            config_note: OnceLock::new(),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            rust_error: OnceLock::new(),
            code: OnceLock::new(),
        }
    }

    /// A copy for cross-document rules: the same text, and the configuration view (parsed
    /// now if it was not yet) cut down to the pointer prefixes `keep` ([`ConfigDoc::project`]).
    pub fn slim(&self, keep: &[&str]) -> Document {
        let slim = Document::new(self.path.clone(), self.kind, self.text.clone());
        let config = match self.config() {
            Ok(docs) => Ok(docs.iter().map(|d| d.project(keep)).collect()),
            Err(e) => Err(e.clone()),
        };
        // A fresh OnceLock is empty: setting it cannot fail.
        let _ = slim.config.set(config);
        if let Some(t) = self.terraform.get() {
            let _ = slim.terraform.set(t.clone());
        }
        slim
    }

    /// Unique per document built in this process (a key for per-document caches).
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn lines(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines().line_col(&self.text, offset)
    }

    /// The configuration view (YAML, HCL, Dockerfile), parsed on first use.
    pub fn config(&self) -> Result<&[ConfigDoc], &ParseError> {
        self.config
            .get_or_init(|| match self.kind {
                DocumentKind::Terraform if self.path.ends_with(".tf.json") => {
                    tfjson::parse(&self.path, &self.text)
                }
                DocumentKind::Terraform if self.path.ends_with(".json") => {
                    tfplan::parse(&self.path, &self.text)
                }
                DocumentKind::Terraform => match self.terraform_module.get() {
                    Some(module) => self.terraform_instances(module.as_ref()),
                    None => hcl::parse(&self.text),
                },
                DocumentKind::Dockerfile => dockerfile::parse(&self.text),
                DocumentKind::Json => yaml::parse_json_file(&self.path, &self.text),
                k if k.is_yaml() => {
                    let (docs, note) = match k {
                        DocumentKind::Cloudformation => {
                            cloudformation::parse_noted(&self.path, &self.text)
                        }
                        _ => yaml::parse_noted(&self.text, self.kind),
                    };
                    if let Some(n) = note {
                        // Set once, inside the only initialisation of `config`.
                        let _ = self.config_note.set(n);
                    }
                    docs
                }
                _ => Ok(Vec::new()),
            })
            .as_ref()
            .map(Vec::as_slice)
    }

    /// Evaluate this Terraform file's expressions with its module's variables and locals (before
    /// the configuration view is first built; later calls change nothing).
    pub fn set_terraform_module(&self, module: Arc<dyn hcl_eval::Module>) {
        let _ = self.terraform_module.set(module);
    }

    /// What evaluating this Terraform file recorded (empty before the configuration view is
    /// built, and for other kinds).
    pub fn terraform(&self) -> &TerraformView {
        static EMPTY: TerraformView = TerraformView {
            origins: Vec::new(),
            calls: Vec::new(),
        };
        self.terraform.get().unwrap_or(&EMPTY)
    }

    /// One configuration document per instance of the file's module.
    fn terraform_instances(
        &self,
        module: &dyn hcl_eval::Module,
    ) -> Result<Vec<ConfigDoc>, ParseError> {
        let mut view = TerraformView::default();
        let mut docs = Vec::new();
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        let instances = module.instances();
        let tree = module.parsed(name, &self.text);
        for (i, inst) in instances.into_iter().enumerate() {
            let (parsed, origins) = hcl::parse_parsed_in(&self.text, tree.as_deref(), inst.scope)?;
            for mut d in parsed {
                d.index = i;
                docs.push(d);
            }
            view.origins
                .extend(origins.into_iter().map(|(p, o)| (i, p, o)));
            view.calls.push(inst.call);
        }
        // Set only here, once, inside the config cell's initialisation.
        let _ = self.terraform.set(view);
        Ok(docs)
    }

    /// What the configuration parse tolerated (duplicate keys, a badly indented quoted scalar),
    /// if it was built.
    pub fn config_note(&self) -> Option<&ParseError> {
        self.config_note.get()
    }

    /// The configuration parse failure, if the configuration view was built and failed.
    pub fn config_error(&self) -> Option<&ParseError> {
        self.config.get().and_then(|r| r.as_ref().err())
    }

    /// The syn parse failure, if the Rust view was built and failed.
    pub fn rust_error(&self) -> Option<&ParseError> {
        self.rust_error.get().and_then(Option::as_ref)
    }

    /// The tree-sitter tree (through ast-grep) of a code file, parsed on first use.
    pub fn code(
        &self,
    ) -> Option<&ast_grep_core::AstGrep<ast_grep_core::tree_sitter::StrDoc<code::Lang>>> {
        self.code
            .get_or_init(|| match code::Lang::from_kind(self.kind) {
                None => Err(None),
                Some(l) => l
                    .parse(&self.text)
                    .map_err(|m| Some(ParseError::new(m, None))),
            })
            .as_ref()
            .ok()
    }

    /// Why the tree-sitter view could not be built, if it was built and failed.
    pub fn code_error(&self) -> Option<&ParseError> {
        self.code
            .get()
            .and_then(|r| r.as_ref().err())
            .and_then(Option::as_ref)
    }

    /// Run `f` on the `syn` AST of this Rust file, parsed once per document. `None` when syn
    /// cannot parse the file (the failure is reported by the engine).
    pub fn with_rust<R>(&self, f: impl FnOnce(&syn::File) -> R) -> Option<R> {
        rust::with_cached(self.id, &self.text, &self.rust_error, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keeps_wildcard_prefixes() {
        let text = "spec:\n  containers:\n    - name: a\n      image: a:1\n      imagePullPolicy: Never\n      env: [{name: X, value: y}]\n    - name: b\n      image: b\n  volumes: [{name: v}]\n";
        let doc = Document::new("p.yaml", DocumentKind::Kubernetes, text);
        let cd = &doc.config().expect("valid YAML")[0];
        let kept = cd.project(&["/spec/containers/*/image", "/spec/containers/*/name"]);
        assert_eq!(
            kept.value,
            serde_json::json!({"spec": {"containers": [
                {"name": "a", "image": "a:1", "imagePullPolicy": "Never"},
                {"name": "b", "image": "b"}
            ]}})
        );
        assert!(kept.spans.contains_key("/spec/containers/1/image"));
        // Plain prefixes keep whole subtrees, as before.
        let kept = cd.project(&["/spec/volumes"]);
        assert_eq!(
            kept.value,
            serde_json::json!({"spec": {"volumes": [{"name": "v"}]}})
        );
    }
}
