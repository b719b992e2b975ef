//! Config rules: `when` filters documents, `for-each` selects nodes, `deny` judges each node.
//!
//! Many rules select the same nodes (seven k8s rules walk every container with one descendant
//! query), so a selection is computed once per document and shared: the selected nodes' JSON
//! Pointers are kept per thread for the document being checked (all rules of a document run on
//! one thread, one after another).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;
use serde_json_path::JsonPath;

use super::predicate::{Predicate, as_text, compile_path};
use crate::document::{ConfigDoc, Document, DocumentKind};
use crate::finding::{Confidence, redact_secret};
use crate::rule::{Rule, RuleContext, RuleMeta};

pub struct ConfigRule {
    pub meta: RuleMeta,
    pub when: Option<Predicate>,
    pub for_each: Selector,
    /// The same id for every rule with the same `for-each` text ([`selector_id`]).
    pub for_each_id: u32,
    pub deny: Predicate,
    pub message: String,
    pub filter: super::PathFilter,
    /// The value the finding points at is a secret: masked in every output, and `{{value}}`
    /// (or any interpolation holding it) shows a prefix and the length only.
    pub secret: bool,
    /// The fix offered with each finding, where it can be made safely.
    pub fix: Option<DeclFix>,
}

/// What a config rule's `fix:` does to the node its `for-each` selected.
pub struct DeclFix {
    pub description: String,
    pub action: FixAction,
}

pub enum FixAction {
    /// Make the field at these keys (below the node) hold the value: YAML documents only.
    Set { keys: Vec<String>, value: Value },
    /// Replace the first match in the node's source text with a literal.
    Replace { regex: regex::Regex, with: String },
}

impl DeclFix {
    pub fn compile(raw: &super::schema::RawFix) -> Result<Self, String> {
        let action = match (&raw.set, &raw.value, &raw.replace, &raw.with) {
            (Some(path), Some(value), None, None) => {
                let keys: Vec<String> = path
                    .strip_prefix("$.")
                    .map(|p| p.split('.').map(str::to_string).collect())
                    .unwrap_or_default();
                let plain = |k: &String| {
                    !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                };
                if keys.is_empty() || !keys.iter().all(plain) {
                    return Err(format!(
                        "`set: {path}` must be `$.name` or `$.a.b` with plain field names"
                    ));
                }
                FixAction::Set {
                    keys,
                    value: value.clone(),
                }
            }
            (None, None, Some(re), Some(with)) => FixAction::Replace {
                regex: regex::Regex::new(re).map_err(|e| format!("`replace`: {e}"))?,
                with: with.clone(),
            },
            _ => {
                return Err("give either `set` with `value`, or `replace` with `with`".to_string());
            }
        };
        Ok(DeclFix {
            description: raw.description.trim().to_string(),
            action,
        })
    }

    /// The fix for the node at `base` of `doc`, or `None` where it cannot be made safely.
    fn build(
        &self,
        kind: DocumentKind,
        text: &str,
        doc: &ConfigDoc,
        base: &str,
    ) -> Option<crate::fix::Fix> {
        let edit = match &self.action {
            FixAction::Set { keys, value } => {
                if !kind.is_yaml() {
                    return None;
                }
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                crate::fix::yaml::set(text, doc, base, &keys, value, None)?
            }
            FixAction::Replace { regex, with } => {
                let node = doc.spans.get(base)?.clamp_to(text);
                let m = regex.find(&text[node.start..node.end])?;
                crate::fix::Edit::new(
                    crate::document::Span::new(node.start + m.start(), node.start + m.end()),
                    with.clone(),
                )
            }
        };
        Some(crate::fix::Fix::one(self.description.clone(), edit))
    }
}

/// What `for-each` selects: a JSONPath, or a named Kubernetes structure found from the
/// object's kind (`@pod-spec`, `@containers`) optionally followed by a path relative to it
/// (`@pod-spec.volumes[*]`).
pub enum Selector {
    Path(JsonPath),
    Named { base: Named, rest: Option<JsonPath> },
}

#[derive(Clone, Copy)]
pub enum Named {
    /// The pod spec of a workload, wherever its kind keeps it (even with no `containers`).
    PodSpec,
    /// Every container, init container and ephemeral container of the pod spec that is an
    /// object (a templated string in the list is not a container).
    Containers,
    /// Containers and init containers (not ephemeral debugging containers).
    RegularContainers,
    /// The `containers` list alone.
    MainContainers,
}

impl Selector {
    pub fn compile(src: &str) -> Result<Selector, String> {
        let Some(named) = src.strip_prefix('@') else {
            return compile_path(src).map(Selector::Path);
        };
        let split = named.find(['.', '[']).unwrap_or(named.len());
        let base = match &named[..split] {
            "pod-spec" => Named::PodSpec,
            "containers" => Named::Containers,
            "regular-containers" => Named::RegularContainers,
            "main-containers" => Named::MainContainers,
            other => {
                return Err(format!(
                    "unknown named selector `@{other}` (known: @pod-spec, @containers, \
                     @regular-containers, @main-containers)"
                ));
            }
        };
        let rest = &named[split..];
        let rest = (!rest.is_empty())
            .then(|| compile_path(&format!("${rest}")))
            .transpose()?;
        Ok(Selector::Named { base, rest })
    }

    fn pointers(&self, v: &Value) -> Vec<String> {
        let query = |p: &JsonPath, v: &Value| -> Vec<String> {
            p.query_located(v)
                .into_iter()
                .map(|l| l.location().to_json_pointer())
                .collect()
        };
        match self {
            Selector::Path(p) => query(p, v),
            Selector::Named { base, rest } => {
                use crate::rule::builtin::k8s;
                let bases = match k8s::workflow_spec_pointer(v) {
                    Some(spec) => workflow_bases(v, spec, *base),
                    None => match k8s::pod_spec_pointer(v) {
                        Some(pod) => pod_bases(v, pod, *base),
                        None => return Vec::new(),
                    },
                };
                match rest {
                    None => bases,
                    Some(r) => bases
                        .iter()
                        .flat_map(|b| {
                            v.pointer(b)
                                .map(|node| {
                                    query(r, node)
                                        .into_iter()
                                        .map(|p| format!("{b}{p}"))
                                        .collect::<Vec<_>>()
                                })
                                .unwrap_or_default()
                        })
                        .collect(),
                }
            }
        }
    }
}

/// [`Named`] selections in a pod spec at `pod`.
fn pod_bases(v: &Value, pod: &str, base: Named) -> Vec<String> {
    match base {
        Named::PodSpec => vec![pod.to_string()],
        Named::Containers | Named::RegularContainers | Named::MainContainers => {
            let lists: &[&str] = match base {
                Named::Containers => &["containers", "initContainers", "ephemeralContainers"],
                Named::RegularContainers => &["containers", "initContainers"],
                _ => &["containers"],
            };
            let spec = v.pointer(pod);
            lists
                .iter()
                .flat_map(|list| {
                    let items = spec.and_then(|s| s.get(*list)).and_then(Value::as_array);
                    items
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .filter(|(_, c)| c.is_object())
                        .map(move |(i, _)| format!("{pod}/{list}/{i}"))
                        .collect::<Vec<_>>()
                })
                .collect()
        }
    }
}

/// [`Named`] selections in an Argo workflow spec: its pod-level settings, and the containers
/// of its templates (`container`, `script`, `containerSet.containers`, init containers and
/// sidecars).
fn workflow_bases(v: &Value, spec: &str, base: Named) -> Vec<String> {
    if matches!(base, Named::PodSpec) {
        return vec![spec.to_string()];
    }
    let Some(templates) = v
        .pointer(&format!("{spec}/templates"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, t) in templates.iter().enumerate() {
        let at = format!("{spec}/templates/{i}");
        for single in ["container", "script"] {
            if t.get(single).is_some_and(Value::is_object) {
                out.push(format!("{at}/{single}"));
            }
        }
        let mut lists = vec![(
            "containerSet/containers",
            t.pointer("/containerSet/containers"),
        )];
        if !matches!(base, Named::MainContainers) {
            lists.push(("initContainers", t.get("initContainers")));
            lists.push(("sidecars", t.get("sidecars")));
        }
        for (name, list) in lists {
            for (j, c) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if c.is_object() {
                    out.push(format!("{at}/{name}/{j}"));
                }
            }
        }
    }
    out
}

/// A small id per distinct selector text: rules sharing a selector share its results.
pub fn selector_id(src: &str) -> u32 {
    static IDS: OnceLock<Mutex<HashMap<String, u32>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    *ids.entry(src.to_string()).or_insert(next)
}

/// Selections made on this thread's current document: (file id, document index, selector id)
/// → pointers of the selected nodes, in query order.
type Selections = (u64, HashMap<(usize, u32), Rc<[String]>>);

thread_local! {
    static SELECTIONS: RefCell<Selections> = RefCell::new((u64::MAX, HashMap::new()));
}

impl ConfigRule {
    /// Pointers of the nodes `for-each` selects in `doc`, shared with every rule that has the
    /// same selector while file `file_id` is being checked.
    fn select(&self, file_id: u64, doc: &ConfigDoc) -> Rc<[String]> {
        SELECTIONS.with(|s| {
            let mut s = s.borrow_mut();
            if s.0 != file_id {
                s.0 = file_id;
                s.1.clear();
            }
            s.1.entry((doc.index, self.for_each_id))
                .or_insert_with(|| self.for_each.pointers(&doc.value).into())
                .clone()
        })
    }

    pub fn check_config(
        &self,
        file_id: u64,
        kind: DocumentKind,
        path: &str,
        text: &str,
        docs: &[ConfigDoc],
        cx: &mut RuleContext,
    ) {
        for doc in docs {
            if let Some(w) = &self.when
                && !w.eval(&doc.value).0
            {
                continue;
            }
            for base in self.select(file_id, doc).iter() {
                // The pointer came from a query on this very value: it resolves.
                let Some(node) = doc.value.pointer(base) else {
                    continue;
                };
                // A secret rule reports each credential it finds (each is masked on its own).
                let hits = if self.secret {
                    self.deny.eval_each(node)
                } else {
                    match self.deny.eval(node) {
                        (true, rel) => vec![rel],
                        (false, _) => continue,
                    }
                };
                let pointers: Vec<String> = hits.iter().map(|r| format!("{base}{r}")).collect();
                // A secret that is not a scalar (a whole map, say) is masked as a whole.
                let secrets: Vec<String> = if self.secret {
                    pointers
                        .iter()
                        .map(|p| doc.value.pointer(p).and_then(as_text).unwrap_or_default())
                        .collect()
                } else {
                    Vec::new()
                };
                for (i, pointer) in pointers.iter().enumerate() {
                    let span = best_span(doc, pointer, text);
                    let value = doc.value.pointer(pointer).unwrap_or(&Value::Null);
                    let message = interpolate(&self.message, value, node, &doc.value, &secrets);
                    let f = cx.report(path, Some(span), message);
                    f.with_key_mut(format!("{}#{}", doc.index, pointer));
                    // A judged value holds a variable without a known value (a Dockerfile
                    // `ADD ${SRC}` with no default): the finding is a guess, and gets no fix.
                    let unresolved = node["unresolved"] == true;
                    if unresolved {
                        f.confidence = f.confidence.min(Confidence::Low);
                    }
                    if let Some(fix) = self.fix.as_ref().filter(|_| !unresolved) {
                        f.with_fix_mut(fix.build(kind, text, doc, base));
                    }
                    if let Some(s) = secrets.get(i) {
                        f.redact = Some(doc.literal_span(text, pointer, s));
                    }
                }
            }
        }
    }
}

/// The entry span (`key: value`) when it fits on one line, else the key alone.
pub fn best_span(doc: &ConfigDoc, pointer: &str, text: &str) -> crate::document::Span {
    let entry = doc.span_for(pointer).clamp_to(text);
    if text[entry.start..entry.end].contains('\n') {
        let key = doc.key_span_for(pointer).clamp_to(text);
        if !text[key.start..key.end].contains('\n') {
            return key;
        }
        // A multi-line node with no key (a sequence item): its first line.
        let first = text[entry.start..entry.end]
            .find('\n')
            .map_or(entry.end, |i| entry.start + i);
        return crate::document::Span::new(entry.start, first);
    }
    entry
}

/// Fill `{{value}}`, `{{$.rel}}` (relative to the selected node) and `{{root:$.path}}`;
/// `secrets` are shown as prefix and length wherever they appear in them.
pub fn interpolate(
    template: &str,
    value: &Value,
    node: &Value,
    root: &Value,
    secrets: &[String],
) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expr = after[..close].trim();
        rest = &after[close + 2..];
        // A quoted name that YAML read as null (`name: ##NAME##` is a comment to YAML) is not
        // quoted back as 'null': say that it is not a literal.
        let quoted = out.ends_with('\'') && rest.starts_with('\'');
        if quoted && let Some(field) = null_field(expr, node, root) {
            out.pop();
            out.push_str(&format!("({field} not a literal)"));
            rest = &rest[1..];
            continue;
        }
        let rendered = if expr == "value" {
            render(value, secrets)
        } else if let Some(p) = expr.strip_prefix("root:") {
            lookup(p.trim(), root, secrets)
        } else {
            lookup(expr, node, secrets)
        };
        out.push_str(&rendered);
    }
    out.push_str(rest);
    out
}

/// The last field name of a `{{path}}` placeholder whose value is null (only named fields).
fn null_field<'p>(expr: &'p str, node: &Value, root: &Value) -> Option<&'p str> {
    let (path, v) = match expr.strip_prefix("root:") {
        Some(p) => (p.trim(), root),
        None => (expr, node),
    };
    let field = path.rsplit('.').next().filter(|f| {
        !f.is_empty()
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })?;
    let found = compile_path(path).ok()?;
    let nodes = found.query(v);
    matches!(nodes.first(), Some(Value::Null)).then_some(field)
}

fn lookup(path: &str, v: &Value, secrets: &[String]) -> String {
    compile_path(path)
        .ok()
        .and_then(|p| p.query(v).first().map(|v| render(v, secrets)))
        .unwrap_or_else(|| "?".into())
}

fn render(v: &Value, secrets: &[String]) -> String {
    let mut s = as_text(v).unwrap_or_else(|| match v {
        Value::Null => "null".into(),
        other => other.to_string(),
    });
    for secret in secrets.iter().filter(|x| !x.is_empty()) {
        if s.contains(secret.as_str()) {
            s = s.replace(secret.as_str(), &redact_secret(secret));
        }
    }
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(77).collect::<String>())
    } else {
        s
    }
}

impl Rule for ConfigRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if !self.filter.allows(&doc.path) {
            return;
        }
        if let Ok(docs) = doc.config() {
            self.check_config(doc.id(), doc.kind, &doc.path, &doc.text, docs, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentKind;

    fn rule(id: &str, deny: &str) -> Box<dyn Rule> {
        let text = format!(
            "id: {id}\ntitle: t\nseverity: low\ntype: config\napplies-to: [kubernetes]\n\
             description: d\nrationale: w\nremediation: r\nreferences: [x]\nmessage: m\n\
             for-each: \"$..containers[*]\"\ndeny: {deny}\n"
        );
        let raw = super::super::parse_rule_file("t.yaml", &text).expect("valid rule file");
        super::super::compile(raw, "t.yaml", None).expect("rule compiles")
    }

    fn lines(r: &dyn Rule, doc: &Document) -> Vec<usize> {
        let options = Value::Null;
        let mut cx = RuleContext::new(r.meta(), &options);
        r.check(doc, &mut cx);
        cx.findings
            .iter()
            .filter_map(|f| f.span.map(|s| doc.line_col(s.start).line))
            .collect()
    }

    #[test]
    fn a_null_name_is_not_a_literal_not_null() {
        let template = "{{root:$.kind}} '{{root:$.metadata.name}}' grants {{value}}";
        let text = "kind: ClusterRole\nmetadata:\n  name: ##NAME##\n";
        let doc = Document::new("r.yaml", DocumentKind::Kubernetes, text);
        let root = &doc.config().expect("valid YAML")[0].value;
        let verb = Value::String("escalate".into());
        assert_eq!(
            interpolate(template, &verb, root, root, &[]),
            "ClusterRole (name not a literal) grants escalate"
        );
        let named = serde_json::json!({"kind": "Role", "metadata": {"name": "admin"}});
        assert_eq!(
            interpolate(template, &verb, &named, &named, &[]),
            "Role 'admin' grants escalate"
        );
        // Missing and unquoted placeholders keep their rendering.
        let unnamed = serde_json::json!({"kind": "Role"});
        assert_eq!(
            interpolate("'{{root:$.metadata.name}}'", &verb, &unnamed, &unnamed, &[]),
            "'?'"
        );
        assert_eq!(
            interpolate("{{value}}", &Value::Null, &unnamed, &unnamed, &[]),
            "null"
        );
    }

    #[test]
    fn rules_sharing_a_selector_share_it_per_document_only() {
        let privileged = rule("t/privileged", "{path: $.privileged, equals: true}");
        let latest = rule("t/latest", "{path: $.image, matches: ':latest$'}");
        let pod = |a: &str, b: &str| {
            format!(
                "kind: Pod\nspec:\n  containers:\n    - image: {a}\n      privileged: true\n    - image: {b}\n"
            )
        };
        let first = Document::new("a.yaml", DocumentKind::Kubernetes, pod("x:latest", "y:1"));
        assert_eq!(lines(privileged.as_ref(), &first), vec![5]);
        assert_eq!(lines(latest.as_ref(), &first), vec![4]);
        // Another document on the same thread, with its containers elsewhere, gets its own
        // selection, not the first one's.
        let second = Document::new(
            "b.yaml",
            DocumentKind::Kubernetes,
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: y:latest\n          privileged: true\n",
        );
        assert_eq!(lines(latest.as_ref(), &second), vec![6]);
        assert_eq!(lines(privileged.as_ref(), &second), vec![7]);
        assert_eq!(lines(latest.as_ref(), &first), vec![4]);
    }

    fn compile_text(text: &str) -> Result<Box<dyn Rule>, String> {
        let raw = super::super::parse_rule_file("t.yaml", text).map_err(|e| e.to_string())?;
        super::super::compile(raw, "t.yaml", None).map_err(|e| e.to_string())
    }

    #[test]
    fn a_secret_value_is_masked_and_each_credential_reported() {
        let r = compile_text(
            "id: t/secret\ntitle: t\nseverity: high\ntype: config\napplies-to: [kubernetes]\n\
             description: d\nrationale: w\nremediation: r\nreferences: [x]\n\
             message: \"{{$.name}} holds {{value}} ({{$.password}})\"\nsecret: true\n\
             for-each: \"$.creds[*]\"\n\
             deny: {any: [{path: $.password, matches: '^[a-z0-9]{8,}$'}, {path: $.token, matches: '^t'}]}\n",
        )
        .expect("rule compiles");
        let text = "creds:\n  - name: db\n    password: \"hunter2isbad\"\n    token: tok3n-AbCdEf\n  - name: ref\n    password: ${DB_PASSWORD}\n";
        let doc = Document::new("a.yaml", DocumentKind::Kubernetes, text);
        let options = Value::Null;
        let mut cx = RuleContext::new(r.meta(), &options);
        r.check(&doc, &mut cx);
        let got: Vec<(&str, &str)> = cx
            .findings
            .iter()
            .map(|f| {
                let m = f.redact.expect("a secret finding masks its value");
                (f.message.as_str(), &text[m.start..m.end])
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("db holds hu… (12 chars) (hu… (12 chars))", "hunter2isbad"),
                ("db holds to… (12 chars) (hu… (12 chars))", "tok3n-AbCdEf"),
            ]
        );
    }

    #[test]
    fn a_fix_is_checked_on_load_and_offered_per_finding() {
        let head = "id: t/fix\ntitle: t\nseverity: low\ntype: config\napplies-to: [kubernetes]\n\
             description: d\nrationale: w\nremediation: r\nreferences: [x]\nmessage: m\n\
             for-each: \"$..containers[*]\"\ndeny: {not: {path: $.securityContext.ro, equals: true}}\n";
        for (fix, why) in [
            (
                "fix: {description: d, set: '$.a[0]', value: 1}",
                "plain field names",
            ),
            (
                "fix: {description: d, set: $.a}",
                "either `set` with `value`",
            ),
            (
                "fix: {description: d, set: $.a, value: 1, replace: x, with: y}",
                "either",
            ),
            ("fix: {description: d, replace: '(', with: y}", "`replace`"),
        ] {
            let err = compile_text(&format!("{head}{fix}\n"))
                .err()
                .unwrap_or_default();
            assert!(
                err.contains("field `fix`") && err.contains(why),
                "{fix}: {err}"
            );
        }
        let builtin = "id: t/b\ntitle: t\nseverity: low\ntype: builtin\napplies-to: [kubernetes]\n\
             description: d\nrationale: w\nremediation: r\nreferences: [x]\n\
             fix: {description: d, set: $.a, value: 1}\n";
        let err = compile_text(builtin).err().unwrap_or_default();
        assert!(err.contains("only its `description`"), "{err}");
        let r = compile_text(&format!(
            "{head}fix: {{description: set it, set: $.securityContext.ro, value: true}}\n"
        ))
        .expect("rule compiles");
        assert_eq!(r.meta().fix.as_deref(), Some("set it"));
        let text = "kind: Pod\nspec:\n  containers:\n    - name: a\n      image: a\n    - {name: b, image: b}\n";
        let doc = Document::new("p.yaml", DocumentKind::Kubernetes, text);
        let options = Value::Null;
        let mut cx = RuleContext::new(r.meta(), &options);
        r.check(&doc, &mut cx);
        let fixes: Vec<Option<String>> = cx
            .findings
            .iter()
            .map(|f| f.fix.as_ref().map(|x| x.edits[0].replacement.clone()))
            .collect();
        // The flow mapping gets no fix; the block one gets the new keys at its indentation.
        assert_eq!(
            fixes,
            vec![
                Some("\n      securityContext:\n        ro: true".to_string()),
                None
            ]
        );
    }

    #[test]
    fn secret_is_only_for_config_and_text_rules() {
        let err = compile_text(
            "id: t/code\ntitle: t\nseverity: low\ntype: code\nlanguage: python\n\
             description: d\nrationale: w\nremediation: r\nreferences: [x]\nmessage: m\n\
             secret: true\nast-grep: {rule: {pattern: eval($X)}}\n",
        )
        .err()
        .unwrap_or_default();
        assert!(err.contains("field `secret`"), "{err}");
    }

    #[test]
    fn named_selectors_find_pod_specs_by_kind() {
        let v = serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "spec": {"template": {"spec": {
                "containers": ["${X}", {"name": "a", "env": [{"name": "E"}]}],
                "initContainers": [{"name": "i"}]
            }}}
        });
        let sel = |s: &str| Selector::compile(s).expect("compiles").pointers(&v);
        assert_eq!(sel("@pod-spec"), vec!["/spec/template/spec"]);
        assert_eq!(
            sel("@containers"),
            vec![
                "/spec/template/spec/containers/1",
                "/spec/template/spec/initContainers/0"
            ]
        );
        assert_eq!(
            sel("@main-containers"),
            vec!["/spec/template/spec/containers/1"]
        );
        assert_eq!(
            sel("@containers.env[*]"),
            vec!["/spec/template/spec/containers/1/env/0"]
        );
        // A core Service is no workload, whatever it holds.
        let svc = serde_json::json!({"apiVersion": "v1", "kind": "Service", "spec": {}});
        assert!(
            Selector::compile("@pod-spec")
                .expect("compiles")
                .pointers(&svc)
                .is_empty()
        );
        assert!(Selector::compile("@pods").is_err());
    }
}
