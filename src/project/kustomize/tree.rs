//! A value tree whose every node remembers where it came from, and its YAML rendering with
//! [`Segment`]s: what Kustomize operations edit and what the rules finally read.

use serde_json::Value;

use crate::document::{ConfigDoc, Span};
use crate::project::rendered::{Origin, Segment};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub val: Val,
    pub origin: Option<Origin>,
}

impl Node {
    pub fn scalar(v: Value, origin: Option<Origin>) -> Node {
        Node {
            val: Val::Scalar(v),
            origin,
        }
    }

    pub fn map(entries: Vec<(String, Node)>, origin: Option<Origin>) -> Node {
        Node {
            val: Val::Map(entries),
            origin,
        }
    }

    /// The tree of a parsed document, each node tagged with its span in `path`.
    pub fn from_doc(doc: &ConfigDoc, path: &str) -> Node {
        let mut pointer = String::new();
        from_value(&doc.value, doc, path, &mut pointer)
    }

    /// A tree whose nodes all come from one place (a value a kustomization sets).
    pub fn from_value_at(v: &Value, origin: &Option<Origin>) -> Node {
        let val = match v {
            Value::Array(a) => Val::Seq(a.iter().map(|x| Node::from_value_at(x, origin)).collect()),
            Value::Object(m) => Val::Map(
                m.iter()
                    .map(|(k, x)| (k.clone(), Node::from_value_at(x, origin)))
                    .collect(),
            ),
            _ => Val::Scalar(v.clone()),
        };
        Node {
            val,
            origin: origin.clone(),
        }
    }

    pub fn to_value(&self) -> Value {
        match &self.val {
            Val::Scalar(v) => v.clone(),
            Val::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Val::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, n)| (k.clone(), n.to_value()))
                    .collect(),
            ),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.val {
            Val::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.val {
            Val::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        let mut n = self;
        for k in path {
            n = n.get(k)?;
        }
        match &n.val {
            Val::Scalar(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Set `key` in a mapping (appending it when absent); a no-op on other nodes.
    pub fn set(&mut self, key: &str, node: Node) {
        if let Val::Map(entries) = &mut self.val {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, n)) => *n = node,
                None => entries.push((key.to_string(), node)),
            }
        }
    }

    /// The mapping at `key`, created (with `origin`) when absent or not a mapping.
    pub fn map_at(&mut self, key: &str, origin: &Option<Origin>) -> Option<&mut Node> {
        if !matches!(self.get(key).map(|n| &n.val), Some(Val::Map(_))) {
            self.set(key, Node::map(Vec::new(), origin.clone()));
        }
        self.get_mut(key)
    }

    /// The node at an RFC 6901 pointer.
    pub fn pointer_mut(&mut self, pointer: &[String]) -> Option<&mut Node> {
        let mut n = self;
        for tok in pointer {
            n = match &mut n.val {
                Val::Map(entries) => entries.iter_mut().find(|(k, _)| k == tok).map(|(_, n)| n)?,
                Val::Seq(items) => items.get_mut(tok.parse::<usize>().ok()?)?,
                Val::Scalar(_) => return None,
            };
        }
        Some(n)
    }
}

fn from_value(v: &Value, doc: &ConfigDoc, path: &str, pointer: &mut String) -> Node {
    let origin = doc.spans.get(pointer).map(|s| Origin {
        path: path.to_string(),
        span: *s,
        key: doc.key_spans.get(pointer).copied(),
        via: None,
    });
    let len = pointer.len();
    let val = match v {
        Value::Array(a) => Val::Seq(
            a.iter()
                .enumerate()
                .map(|(i, x)| {
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    let n = from_value(x, doc, path, pointer);
                    pointer.truncate(len);
                    n
                })
                .collect(),
        ),
        Value::Object(m) => Val::Map(
            m.iter()
                .map(|(k, x)| {
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    let n = from_value(x, doc, path, pointer);
                    pointer.truncate(len);
                    (k.clone(), n)
                })
                .collect(),
        ),
        _ => Val::Scalar(v.clone()),
    };
    Node { val, origin }
}

/// Renders trees as one YAML stream, recording where each node with an origin landed.
#[derive(Default)]
pub struct Emitter {
    pub text: String,
    pub segments: Vec<Segment>,
}

impl Emitter {
    /// Append one document (`---` separated).
    pub fn document(&mut self, root: &Node) {
        if !self.text.is_empty() {
            self.text.push_str("---\n");
        }
        let start = self.text.len();
        match &root.val {
            Val::Map(entries) if !entries.is_empty() => self.entries(entries, 0),
            _ => {
                self.scalar_or_flow(root);
                self.text.push('\n');
            }
        }
        self.record(root, start, 0);
    }

    fn record(&mut self, node: &Node, start: usize, key_len: usize) {
        if let Some(o) = &node.origin {
            // Trailing newline excluded: the parser's spans end at the value.
            let end = self.text.trim_end_matches('\n').len().max(start);
            self.segments.push(Segment {
                range: Span::new(start, end),
                key_len,
                origin: o.clone(),
            });
        }
    }

    fn indent(&mut self, n: usize) {
        self.text.extend(std::iter::repeat_n(' ', n));
    }

    fn entries(&mut self, entries: &[(String, Node)], indent: usize) {
        for (i, (k, n)) in entries.iter().enumerate() {
            if i > 0 {
                self.indent(indent);
            }
            let start = self.text.len();
            let key = quote(k);
            self.text.push_str(&key);
            self.text.push(':');
            self.value_after(n, indent);
            self.record(n, start, key.len());
        }
    }

    /// A value after `key:` or `- `: inline when scalar or empty, else on the next lines.
    fn value_after(&mut self, n: &Node, indent: usize) {
        match &n.val {
            Val::Map(e) if !e.is_empty() => {
                self.text.push('\n');
                self.indent(indent + 2);
                self.entries(e, indent + 2);
            }
            Val::Seq(items) if !items.is_empty() => {
                self.text.push('\n');
                self.items(items, indent);
            }
            _ => {
                self.text.push(' ');
                self.scalar_or_flow(n);
                self.text.push('\n');
            }
        }
    }

    fn items(&mut self, items: &[Node], indent: usize) {
        for n in items {
            self.indent(indent);
            let start = self.text.len();
            self.text.push_str("- ");
            match &n.val {
                Val::Map(e) if !e.is_empty() => self.entries(e, indent + 2),
                Val::Seq(inner) if !inner.is_empty() => {
                    self.text.push('\n');
                    self.items(inner, indent + 2);
                }
                _ => {
                    self.scalar_or_flow(n);
                    self.text.push('\n');
                }
            }
            self.record(n, start, 0);
        }
    }

    fn scalar_or_flow(&mut self, n: &Node) {
        match &n.val {
            Val::Map(_) => self.text.push_str("{}"),
            Val::Seq(_) => self.text.push_str("[]"),
            Val::Scalar(Value::String(s)) => self.text.push_str(&quote(s)),
            // Numbers, booleans and null print as JSON does, which YAML reads back the same.
            Val::Scalar(v) => self.text.push_str(&v.to_string()),
        }
    }
}

/// A string as a YAML scalar: plain when it reads back as the same string, else JSON-quoted
/// (a valid YAML double-quoted scalar).
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !s.starts_with(['-', '.'])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        )
        && s.parse::<f64>().is_err()
        && !s.starts_with("0x")
        && !s.starts_with("0o");
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Document, DocumentKind};

    #[test]
    fn rendering_reads_back_as_the_same_value_with_spans_on_each_entry() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"007\"\n  labels: {}\nspec:\n  containers:\n    - name: a\n      image: \"x:1\"\n      args: [\"-c\", \"true\", \"yes\"]\n      securityContext:\n        privileged: true\n    - name: b\n      ports: []\n";
        let doc = Document::new("p.yaml", DocumentKind::Kubernetes, src);
        let cd = &doc.config().expect("valid")[0];
        let node = Node::from_doc(cd, "p.yaml");
        let mut e = Emitter::default();
        e.document(&node);
        let back = Document::new("r.yaml", DocumentKind::Kubernetes, e.text.clone());
        let rd = &back.config().expect("rendered YAML parses")[0];
        assert_eq!(rd.value, cd.value, "{}", e.text);
        // The privileged entry's segment maps to its line in the source.
        let at = e.text.find("privileged").expect("emitted");
        let seg = e
            .segments
            .iter()
            .filter(|s| s.range.start == at)
            .min_by_key(|s| s.range.end - s.range.start)
            .expect("segment");
        assert_eq!(
            &src[seg.origin.span.start..seg.origin.span.end],
            "privileged: true"
        );
        assert_eq!(
            rd.spans
                .get("/spec/containers/0/securityContext/privileged")
                .map(|s| s.start),
            Some(at)
        );
    }
}
