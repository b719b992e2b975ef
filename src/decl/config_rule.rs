//! Config rules: `when` filters documents, `for-each` selects nodes, `deny` judges each node.

use serde_json::Value;
use serde_json_path::JsonPath;

use super::predicate::{Predicate, as_text, compile_path};
use crate::document::{ConfigDoc, Document};
use crate::rule::{Rule, RuleContext, RuleMeta};

pub struct ConfigRule {
    pub meta: RuleMeta,
    pub when: Option<Predicate>,
    pub for_each: JsonPath,
    pub deny: Predicate,
    pub message: String,
    pub filter: super::PathFilter,
}

impl ConfigRule {
    pub fn check_config(&self, path: &str, text: &str, docs: &[ConfigDoc], cx: &mut RuleContext) {
        for doc in docs {
            if let Some(w) = &self.when
                && !w.eval(&doc.value).0
            {
                continue;
            }
            for located in self.for_each.query_located(&doc.value) {
                let base = located.location().to_json_pointer();
                let node = located.node();
                let (hit, rel) = self.deny.eval(node);
                if !hit {
                    continue;
                }
                let pointer = format!("{base}{rel}");
                let span = best_span(doc, &pointer, text);
                let value = doc.value.pointer(&pointer).unwrap_or(&Value::Null);
                let message = interpolate(&self.message, value, node, &doc.value);
                cx.report(path, Some(span), message)
                    .with_key_mut(format!("{}#{}", doc.index, pointer));
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

/// Fill `{{value}}`, `{{$.rel}}` (relative to the selected node) and `{{root:$.path}}`.
pub fn interpolate(template: &str, value: &Value, node: &Value, root: &Value) -> String {
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
        let rendered = if expr == "value" {
            render(value)
        } else if let Some(p) = expr.strip_prefix("root:") {
            lookup(p.trim(), root)
        } else {
            lookup(expr, node)
        };
        out.push_str(&rendered);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

fn lookup(path: &str, v: &Value) -> String {
    compile_path(path)
        .ok()
        .and_then(|p| p.query(v).first().map(render))
        .unwrap_or_else(|| "?".into())
}

fn render(v: &Value) -> String {
    let s = as_text(v).unwrap_or_else(|| match v {
        Value::Null => "null".into(),
        other => other.to_string(),
    });
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
            self.check_config(&doc.path, &doc.text, docs, cx);
        }
    }
}
