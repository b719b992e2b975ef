//! Terraform / HCL → [`ConfigDoc`], through hcl-edit (which keeps byte spans on every node).
//!
//! One [`ConfigDoc`] per file. The value model, which the `terraform` rules are written against:
//!
//! - Top-level blocks with two labels become `<ident>.<label1>.<label2>` objects:
//!   `resource "aws_s3_bucket" "logs" {…}` → `$.resource.aws_s3_bucket.logs`, likewise
//!   `data.<type>.<name>`. With one label: `module.<name>`, `variable.<name>`, `output.<name>`.
//!   (A repeated address, which Terraform rejects, keeps the last block.)
//! - `provider "<name>"` blocks are repeatable (aliases), so `provider.<name>` is ALWAYS an array of
//!   objects: rules write `$.provider.aws[*].access_key`.
//! - Label-less top-level `locals` and `terraform` blocks are merged into one object each
//!   (`$.locals.x`, `$.terraform.required_providers[0]`); other label-less top-level blocks
//!   (`moved`, `import`, …) become arrays of objects under their name.
//! - Top-level attributes (`*.tfvars`) are root keys.
//! - Nested blocks are ALWAYS arrays of objects under the block name, even when there is one:
//!   `ingress {…} ingress {…}` → `ingress: [{…}, {…}]`, so rules write `$.ingress[*].cidr_blocks`.
//!   A labelled nested block adds one object level per label before the array.
//! - `dynamic "ingress" { for_each = … content {…} }` is one `ingress` block per element when
//!   `for_each` is known (a list or map; the iterator — the label or `iterator = name` — bound to
//!   each element's `key` and `value`), and else one block whose iterator values are unknown:
//!   `$.ingress[*]` sees them like static ones. Their pointers' spans are the whole `dynamic`
//!   block and its header; their attributes' spans are the content's.
//! - A top-level block whose `count` is known 0 or whose `for_each` is known empty is left out
//!   (Terraform creates nothing); with a known `count`, the first instance is judged
//!   (`count.index` = 0). `each.*` stays unknown.
//! - With a module scope ([`parse_in`]), every expression whose value Terraform would know is that
//!   value ([`super::hcl_eval`]); the pointers whose value came through a variable or local are
//!   listed with their [`Origin`].
//! - Attribute values: literals decoded (null, bools, numbers, strings, `-1`); arrays and objects
//!   recursively; `jsonencode(X)` / `yamlencode(X)` / `tolist(X)` / `toset(X)` / `tomap(X)` → the
//!   value of X (so inline policies can be checked); parentheses are transparent; templates and
//!   heredocs without interpolation → their string; everything else — references, templates with
//!   interpolation, other function calls, conditionals, operators, `for` expressions — → a string
//!   holding the expression's source text (`"aws_s3_bucket.logs.id"`, `"${var.x}-suffix"`, without
//!   the quotes of a quoted template; a heredoc with interpolations keeps its body with the
//!   `${…}` written out, so a JSON policy in it can still be read).
//!
//! Spans: an attribute's pointer gets the attribute span (key to end of value) and its key span;
//! elements of arrays and objects get their own spans; a block's pointer gets the block span and,
//! as key span, its header (identifier and labels) so multi-line blocks are cited at their first
//! line. Intermediate pointers (`/resource`, `/resource/aws_s3_bucket`, `/ingress`) take the
//! first block's spans. Parse errors carry the byte offset of the error.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{Block, BlockLabel, Body};
use hcl_edit::template::{Element, Template};
use serde_json::{Map, Number, Value};

use std::sync::Arc;

use super::hcl_eval::{NoScope, Origin, Scope, Val, eval, eval_template};
use super::{ConfigDoc, ParseError, Span, StrMap, pointer_escape};

/// Deepest nesting we convert (hcl-edit itself refuses more than 64 nested levels).
pub const MAX_DEPTH: usize = 256;

/// Functions whose value, for checking, is their single argument.
const TRANSPARENT_FUNCS: &[&str] = &["jsonencode", "yamlencode", "tolist", "toset", "tomap"];

pub fn parse(text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    parse_in(text, &NoScope).map(|(docs, _)| docs)
}

/// Pointers whose value came from a variable or local, with where that value is written.
pub type Origins = Vec<(String, Arc<Origin>)>;

/// [`parse`] with the module's variables and locals: expressions whose value Terraform would know
/// ([`super::hcl_eval`]) become that value, and each value that came through a variable or local
/// is listed with its pointer and [`Origin`].
pub fn parse_in(text: &str, scope: &dyn Scope) -> Result<(Vec<ConfigDoc>, Origins), ParseError> {
    parse_parsed_in(text, None, scope)
}

/// [`parse_in`] reusing `parsed`, the syntax tree of `text` when the module already built it.
pub fn parse_parsed_in(
    text: &str,
    parsed: Option<&Body>,
    scope: &dyn Scope,
) -> Result<(Vec<ConfigDoc>, Origins), ParseError> {
    // hcl-edit spans are byte offsets into the string it parsed; strip a BOM but keep offsets.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let src = &text[bom..];
    let owned;
    let body = match parsed {
        Some(b) if bom == 0 => b,
        _ => {
            owned = hcl_edit::parser::parse_body(src).map_err(|e| {
                let off = bom + e.location().offset();
                let off = off.min(text.len());
                ParseError::new(
                    format!("invalid HCL: {}", e.message()),
                    Some(Span::new(off, off)),
                )
            })?;
            &owned
        }
    };
    let mut conv = Converter {
        text: src,
        shift: bom,
        spans: StrMap::default(),
        keys: StrMap::default(),
        scope,
        origins: Vec::new(),
        iters: Vec::new(),
    };
    let value = conv.top_body(body)?;
    let doc = ConfigDoc {
        value,
        spans: conv.spans.into(),
        key_spans: conv.keys.into(),
        index: 0,
        span: Span::new(0, text.len()),
    };
    Ok((vec![doc], conv.origins))
}

struct Converter<'t> {
    text: &'t str,
    shift: usize,
    spans: StrMap<Span>,
    keys: StrMap<Span>,
    scope: &'t dyn Scope,
    origins: Origins,
    /// Iterators of the `dynamic` blocks (and `count`) being expanded: name, key, value.
    iters: Vec<(String, Value, Val)>,
}

/// A scope with iterators bound over a module's scope.
struct Stacked<'a> {
    base: &'a dyn Scope,
    iters: &'a [(String, Value, Val)],
}

impl Scope for Stacked<'_> {
    fn lookup(&self, root: &str, name: &str) -> Option<Val> {
        match self.iters.iter().rev().find(|(n, _, _)| n == root) {
            Some((_, key, value)) => match name {
                "key" => Some(Val {
                    v: key.clone(),
                    o: None,
                }),
                "value" => Some(value.clone()),
                // `count.index` is bound as the key of `count`.
                "index" => Some(Val {
                    v: key.clone(),
                    o: None,
                }),
                _ => None,
            },
            None => self.base.lookup(root, name),
        }
    }
}

fn too_deep() -> ParseError {
    ParseError::new(
        format!("HCL nesting deeper than {MAX_DEPTH} levels; file not analysed"),
        None,
    )
}

impl Converter<'_> {
    fn span(&self, r: Option<Range<usize>>) -> Option<Span> {
        r.map(|r| Span::new(r.start + self.shift, r.end + self.shift))
    }

    fn source(&self, r: Option<Range<usize>>) -> String {
        r.and_then(|r| self.text.get(r))
            .unwrap_or_default()
            .to_string()
    }

    /// Record spans for a pointer; `first` keeps an existing entry (intermediate pointers).
    fn mark(&mut self, ptr: &str, span: Option<Span>, key: Option<Span>, first: bool) {
        if let Some(s) = span {
            if first {
                self.spans.entry(ptr.to_string()).or_insert(s);
            } else {
                self.spans.insert(ptr.to_string(), s);
            }
        }
        if let Some(k) = key {
            if first {
                self.keys.entry(ptr.to_string()).or_insert(k);
            } else {
                self.keys.insert(ptr.to_string(), k);
            }
        }
    }

    /// Header of a block: identifier through the last label.
    fn header(&self, b: &Block) -> Option<Span> {
        let start = b.ident.span()?.start;
        let end = b
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| b.ident.span())?
            .end;
        self.span(Some(start..end))
    }

    fn top_body(&mut self, body: &Body) -> Result<Value, ParseError> {
        let mut root = Map::new();
        for attr in body.attributes() {
            let key = attr.key.as_str().to_string();
            let ptr = format!("/{}", pointer_escape(&key));
            let v = self.expr(&attr.value, &ptr, 1)?;
            self.mark(
                &ptr,
                self.span(attr.span()),
                self.span(attr.key.span()),
                false,
            );
            root.insert(key, v);
        }
        for block in body.blocks() {
            let ident = block.ident.as_str().to_string();
            let labels: Vec<String> = block.labels.iter().map(label_str).collect();
            let bspan = self.span(block.span());
            let hspan = self.header(block);
            let base = format!("/{}", pointer_escape(&ident));
            let repeatable = ident == "provider"
                || (labels.is_empty() && ident != "locals" && ident != "terraform");
            let mut ptr = base;
            self.mark(&ptr, bspan, hspan, true);
            for l in &labels {
                ptr = format!("{ptr}/{}", pointer_escape(l));
                self.mark(&ptr, bspan, hspan, true);
            }
            if repeatable {
                // An array under the last label (`provider.aws[0]`, `moved[0]`).
                let mut slot = root
                    .entry(ident.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                for l in &labels {
                    slot = ensure_object(slot)
                        .entry(l.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                }
                let arr = ensure_array(slot);
                let item_ptr = format!("{ptr}/{}", arr.len());
                let v = self.body(&block.body, &item_ptr, 2)?;
                self.mark(&item_ptr, bspan, hspan, false);
                arr.push(v);
                continue;
            }
            // `count = 0` or an empty `for_each` (known): Terraform creates nothing to judge.
            let instances = self.instances(&block.body);
            if instances == Some(0) {
                continue;
            }
            let counted = instances.is_some() && block.body.get_attribute("count").is_some();
            if counted {
                // Every instance has the same settings but `count.index`: judge the first.
                let zero = Value::Number(0.into());
                self.iters
                    .push(("count".into(), zero.clone(), Val::plain(zero)));
            }
            let v = self.body(&block.body, &ptr, 2);
            if counted {
                self.iters.pop();
            }
            let v = v?;
            self.mark(&ptr, bspan, hspan, false);
            if ident == "module"
                && let [name] = labels.as_slice()
            {
                self.registry_call(&mut root, name, &v, &ptr, bspan, hspan);
            }
            let mut slot = root
                .entry(ident.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            for l in labels.iter().take(labels.len().saturating_sub(1)) {
                slot = ensure_object(slot)
                    .entry(l.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
            }
            match labels.last() {
                Some(last) => {
                    ensure_object(slot).insert(last.clone(), v);
                }
                None => {
                    // `locals` / `terraform`: merge repeated blocks.
                    let target = ensure_object(slot);
                    if let Value::Object(m) = v {
                        for (k, val) in m {
                            match (target.get_mut(&k), val) {
                                (Some(Value::Array(a)), Value::Array(b)) => a.extend(b),
                                (_, val) => {
                                    target.insert(k, val);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(Value::Object(root))
    }

    fn body(&mut self, body: &Body, ptr: &str, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        let mut map = Map::new();
        for attr in body.attributes() {
            let key = attr.key.as_str().to_string();
            let p = format!("{ptr}/{}", pointer_escape(&key));
            let v = self.expr(&attr.value, &p, depth + 1)?;
            self.mark(
                &p,
                self.span(attr.span()),
                self.span(attr.key.span()),
                false,
            );
            map.insert(key, v);
        }
        let empty = Body::default();
        for block in body.blocks() {
            let bspan = self.span(block.span());
            let hspan = self.header(block);
            // `dynamic "X" { content {…} }` is an `X` block with the content's body: one per
            // element when `for_each` is known, else one whose iterator values are unknown.
            if let Some((x, content)) = dynamic_block(block) {
                let inner = content.unwrap_or(&empty);
                match self.dynamic_elements(block) {
                    Some((iter, elements)) => {
                        for (key, value) in elements {
                            self.iters.push((iter.clone(), key, value));
                            let pushed =
                                self.nested(&mut map, ptr, &x, &[], inner, bspan, hspan, depth);
                            self.iters.pop();
                            pushed?;
                        }
                    }
                    None => self.nested(&mut map, ptr, &x, &[], inner, bspan, hspan, depth)?,
                }
                continue;
            }
            let labels: Vec<String> = block.labels.iter().map(label_str).collect();
            let ident = block.ident.as_str().to_string();
            self.nested(
                &mut map,
                ptr,
                &ident,
                &labels,
                &block.body,
                bspan,
                hspan,
                depth,
            )?;
        }
        Ok(Value::Object(map))
    }

    /// The resources a call of a well-known registry module creates ([`super::tfregistry`]),
    /// as `resource.<type>["module.<name>"]`, cited at the arguments that set them (and the
    /// call's header for defaults), with the arguments' origins.
    fn registry_call(
        &mut self,
        root: &mut Map<String, Value>,
        name: &str,
        call: &Value,
        call_ptr: &str,
        bspan: Option<Span>,
        hspan: Option<Span>,
    ) {
        for synth in super::tfregistry::expand(call) {
            let rname = format!("module.{name}");
            let base = format!(
                "/resource/{}/{}",
                pointer_escape(synth.rtype),
                pointer_escape(&rname)
            );
            self.mark("/resource", bspan, hspan, true);
            self.mark(&format!("/resource/{}", synth.rtype), bspan, hspan, true);
            self.mark(&base, bspan, hspan, false);
            for (rel, arg) in &synth.from {
                let from = format!("{call_ptr}{arg}");
                let at = format!("{base}{rel}");
                let (span, key) = (
                    self.spans.get(&from).copied(),
                    self.keys.get(&from).copied(),
                );
                self.mark(&at, span, key, false);
                let carried: Vec<Arc<Origin>> = self
                    .origins
                    .iter()
                    .filter(|(p, _)| *p == from)
                    .map(|(_, o)| o.clone())
                    .collect();
                for o in carried {
                    self.origins.push((at.clone(), o));
                }
            }
            let types = ensure_object(
                root.entry("resource")
                    .or_insert_with(|| Value::Object(Map::new())),
            );
            ensure_object(
                types
                    .entry(synth.rtype)
                    .or_insert_with(|| Value::Object(Map::new())),
            )
            .insert(rname, synth.value);
        }
    }

    /// How many instances a block's known `count` or `for_each` creates (`None`: unknown or
    /// neither).
    fn instances(&self, body: &Body) -> Option<usize> {
        if let Some(c) = body.get_attribute("count") {
            let n = eval(&c.value, self.text, &self.scoped())?.v.as_f64()?;
            return Some(if n >= 1.0 { n as usize } else { 0 });
        }
        let each = body.get_attribute("for_each")?;
        match eval(&each.value, self.text, &self.scoped())?.v {
            Value::Array(a) => Some(a.len()),
            Value::Object(m) => Some(m.len()),
            _ => None,
        }
    }

    /// The iterator name and elements (key, value) of a `dynamic` block whose `for_each` is known.
    fn dynamic_elements(&self, b: &Block) -> Option<(String, Vec<(Value, Val)>)> {
        let iter = match b.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            Some(_) => return None,
            None => label_str(b.labels.first()?),
        };
        let each = b.body.get_attribute("for_each")?;
        let coll = eval(&each.value, self.text, &self.scoped())?;
        let keys: Vec<Value> = match &coll.v {
            Value::Array(a) => (0..a.len()).map(|i| Value::Number(i.into())).collect(),
            Value::Object(m) => m.keys().map(|k| Value::String(k.clone())).collect(),
            _ => return None,
        };
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let v = coll.clone().member(&k)?;
            // A set's elements are their own keys; a list's key is its index.
            out.push((k, v));
        }
        Some((iter, out))
    }

    /// Convert one nested block (`ident`, `labels`, `inner` body) into the next element of its
    /// array in `map`.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        &mut self,
        map: &mut Map<String, Value>,
        ptr: &str,
        ident: &str,
        labels: &[String],
        inner: &Body,
        bspan: Option<Span>,
        hspan: Option<Span>,
        depth: usize,
    ) -> Result<(), ParseError> {
        let mut p = format!("{ptr}/{}", pointer_escape(ident));
        self.mark(&p, bspan, hspan, true);
        let mut path = vec![ident.to_string()];
        for l in labels {
            p = format!("{p}/{}", pointer_escape(l));
            self.mark(&p, bspan, hspan, true);
            path.push(l.clone());
        }
        let idx = lookup_len(map, &path);
        let item = format!("{p}/{idx}");
        let v = self.body(inner, &item, depth + 1)?;
        self.mark(&item, bspan, hspan, false);
        let fresh = |last: bool| {
            if last {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        let mut slot = map
            .entry(ident.to_string())
            .or_insert_with(|| fresh(path.len() == 1));
        for (i, seg) in path.iter().enumerate().skip(1) {
            slot = ensure_object(slot)
                .entry(seg.clone())
                .or_insert_with(|| fresh(i + 1 == path.len()));
        }
        ensure_array(slot).push(v);
        Ok(())
    }

    /// The scope expressions are evaluated in: the module's, under the iterators being expanded.
    fn scoped(&self) -> Stacked<'_> {
        Stacked {
            base: self.scope,
            iters: &self.iters,
        }
    }

    fn expr(&mut self, e: &Expression, ptr: &str, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => number(n.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, item) in a.iter().enumerate() {
                    let p = format!("{ptr}/{i}");
                    let v = self.expr(item, &p, depth + 1)?;
                    self.mark(&p, self.span(item.span()), None, false);
                    out.push(v);
                }
                Value::Array(out)
            }
            Expression::Object(o) => {
                let mut out = Map::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(other) => {
                            let src = self.source(other.span());
                            src.trim_start_matches('(')
                                .trim_end_matches(')')
                                .to_string()
                        }
                    };
                    let p = format!("{ptr}/{}", pointer_escape(&key));
                    let val = self.expr(v.expr(), &p, depth + 1)?;
                    let kspan = k.span();
                    let entry = match (kspan.clone(), v.expr().span()) {
                        (Some(a), Some(b)) => Some(a.start..b.end),
                        (a, b) => a.or(b),
                    };
                    self.mark(&p, self.span(entry), self.span(kspan), false);
                    out.insert(key, val);
                }
                Value::Object(out)
            }
            Expression::StringTemplate(t) => match literal(t) {
                Some(s) => Value::String(s),
                None => self.known(e, ptr).unwrap_or_else(|| {
                    let src = self.source(t.span());
                    let inner = src
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .unwrap_or(&src);
                    Value::String(inner.to_string())
                }),
            },
            Expression::HeredocTemplate(h) => {
                match eval_template(&h.template, self.text, &self.scoped()) {
                    Some(v) => self.keep(v, ptr),
                    None => Value::String(self.template(&h.template)),
                }
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), ptr, depth + 1)?,
            Expression::UnaryOp(u) => match (u.operator.value(), &u.expr) {
                (UnaryOperator::Neg, Expression::Number(n)) => {
                    let v = n.value();
                    if let Some(i) = v.as_i64().and_then(|i| i.checked_neg()) {
                        Value::Number(i.into())
                    } else {
                        v.as_f64()
                            .and_then(|f| Number::from_f64(-f))
                            .map_or(Value::Null, Value::Number)
                    }
                }
                _ => self.evaluated(e, ptr),
            },
            Expression::FuncCall(f)
                if f.name.namespace.is_empty()
                    && TRANSPARENT_FUNCS.contains(&f.name.name.as_str())
                    && f.args.len() == 1
                    && !f.args.expand_final() =>
            {
                match f.args.get(0) {
                    Some(arg) => self.expr(arg, ptr, depth + 1)?,
                    None => Value::Null,
                }
            }
            _ => self.evaluated(e, ptr),
        })
    }

    /// The value of an expression Terraform would know, else its source text (unknown).
    fn evaluated(&mut self, e: &Expression, ptr: &str) -> Value {
        self.known(e, ptr)
            .unwrap_or_else(|| Value::String(self.source(e.span())))
    }

    fn known(&mut self, e: &Expression, ptr: &str) -> Option<Value> {
        let v = eval(e, self.text, &self.scoped())?;
        Some(self.keep(v, ptr))
    }

    /// Record where a value that came through a variable or local is written.
    fn keep(&mut self, v: super::hcl_eval::Val, ptr: &str) -> Value {
        if let Some(o) = v.o {
            self.origins.push((ptr.to_string(), o));
        }
        v.v
    }

    /// A heredoc's text: literals as written, interpolations and directives as source.
    fn template(&self, t: &Template) -> String {
        let mut out = String::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    out.push_str("${");
                    out.push_str(&self.source(i.expr.span()));
                    out.push('}');
                }
                Element::Directive(_) => out.push_str(&self.source(el.span())),
            }
        }
        out
    }
}

/// The string of a template that holds only literals.
fn literal(t: &hcl_edit::template::StringTemplate) -> Option<String> {
    let mut out = String::new();
    for el in t.iter() {
        out.push_str(el.as_literal()?.value());
    }
    Some(out)
}

pub(crate) fn number(n: &hcl_edit::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

/// For `dynamic "X" { … content {…} }`: `X` and the content block's body, if it has one.
fn dynamic_block(b: &Block) -> Option<(String, Option<&Body>)> {
    let [label] = b.labels.as_slice() else {
        return None;
    };
    if b.ident.as_str() != "dynamic" {
        return None;
    }
    let content = b
        .body
        .blocks()
        .find(|c| c.ident.as_str() == "content" && c.labels.is_empty());
    Some((label_str(label), content.map(|c| &c.body)))
}

pub(crate) fn label_str(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_string(),
        BlockLabel::String(s) => s.value().clone(),
    }
}

fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

fn ensure_array(v: &mut Value) -> &mut Vec<Value> {
    if !v.is_array() {
        *v = Value::Array(Vec::new());
    }
    match v {
        Value::Array(a) => a,
        _ => unreachable!("just made an array"),
    }
}

/// Length of the array at `path` inside `map` (0 when absent).
fn lookup_len(map: &Map<String, Value>, path: &[String]) -> usize {
    let mut cur: Option<&Value> = None;
    for (i, seg) in path.iter().enumerate() {
        let next = match cur {
            None => map.get(seg),
            Some(v) => v.get(seg),
        };
        match next {
            Some(v) => cur = Some(v),
            None => return 0,
        }
        let _ = i;
    }
    cur.and_then(Value::as_array).map_or(0, Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> ConfigDoc {
        let mut docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn at<'a>(d: &'a ConfigDoc, text: &'a str, ptr: &str) -> &'a str {
        let s = d
            .spans
            .get(ptr)
            .unwrap_or_else(|| panic!("no span for {ptr}"));
        &text[s.start..s.end]
    }

    #[test]
    fn resources_and_nested_blocks() {
        let text = r#"
resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port = -1
    enabled   = true
    nothing   = null
  }
}
"#;
        let d = one(text);
        let sg = &d.value["resource"]["aws_security_group"]["web"];
        assert_eq!(sg["name"], json!("web"));
        assert_eq!(sg["ingress"][0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(sg["ingress"][1]["from_port"], json!(-1));
        assert_eq!(sg["ingress"][1]["enabled"], json!(true));
        assert_eq!(sg["ingress"][1]["nothing"], json!(null));
        let p = "/resource/aws_security_group/web/ingress/0/cidr_blocks";
        assert_eq!(at(&d, text, p), r#"cidr_blocks = ["0.0.0.0/0"]"#);
        assert_eq!(at(&d, text, &format!("{p}/0")), r#""0.0.0.0/0""#);
        let k = d.key_spans["/resource/aws_security_group/web"];
        assert_eq!(
            &text[k.start..k.end],
            r#"resource "aws_security_group" "web""#
        );
        let k = d.key_spans["/resource/aws_security_group/web/ingress/1"];
        assert_eq!(&text[k.start..k.end], "ingress");
        assert!(d.spans.contains_key("/resource"));
        assert!(d.spans.contains_key("/resource/aws_security_group"));
    }

    #[test]
    fn expressions_become_source_text() {
        let text = r#"
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.logs.id
  name   = "${var.env}-logs"
  plain  = "a$${b}"
  cond   = var.x ? 1 : 2
  call   = file("x.json")
  known  = lower("X")
  paren  = (true)
  list   = tolist(["a"])
  obj    = { "Key" = 1, other = "x" }
}
"#;
        let d = one(text);
        let r = &d.value["resource"]["aws_s3_bucket_versioning"]["v"];
        assert_eq!(r["bucket"], json!("aws_s3_bucket.logs.id"));
        assert_eq!(r["name"], json!("${var.env}-logs"));
        assert_eq!(r["plain"], json!("a${b}"));
        assert_eq!(r["cond"], json!("var.x ? 1 : 2"));
        assert_eq!(r["call"], json!(r#"file("x.json")"#));
        // Literals from literals are evaluated.
        assert_eq!(r["known"], json!("x"));
        assert_eq!(r["paren"], json!(true));
        assert_eq!(r["list"], json!(["a"]));
        assert_eq!(r["obj"], json!({"Key": 1, "other": "x"}));
    }

    #[test]
    fn jsonencode_and_heredoc_policies() {
        let text = r#"
resource "aws_iam_policy" "a" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
resource "aws_iam_policy" "b" {
  policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Resource": "${aws_s3_bucket.x.arn}"}]}
  EOT
}
"#;
        let d = one(text);
        let a = &d.value["resource"]["aws_iam_policy"]["a"]["policy"];
        assert_eq!(a["Statement"][0]["Action"], json!("*"));
        let b = d.value["resource"]["aws_iam_policy"]["b"]["policy"]
            .as_str()
            .unwrap();
        let parsed: Value = serde_json::from_str(b).unwrap();
        assert_eq!(
            parsed["Statement"][0]["Resource"],
            json!("${aws_s3_bucket.x.arn}")
        );
        let p = "/resource/aws_iam_policy/a/policy/Statement/0/Action";
        assert_eq!(at(&d, text, p), r#"Action = "*""#);
    }

    #[test]
    fn providers_modules_locals_and_labelled_nested_blocks() {
        let text = r#"
provider "aws" { region = "us-east-1" }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
locals { a = 1 }
locals { b = 2 }
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
moved {
  from = a.b
  to   = a.c
}
resource "aws_security_group" "d" {
  ingress { from_port = 80 }
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
region = "eu-west-1"
"#;
        let d = one(text);
        let v = &d.value;
        assert_eq!(v["provider"]["aws"][1]["alias"], json!("west"));
        assert_eq!(v["module"]["vpc"]["version"], json!("5.0.0"));
        assert_eq!(v["locals"], json!({"a": 1, "b": 2}));
        assert_eq!(
            v["terraform"]["required_providers"][0]["aws"]["source"],
            json!("hashicorp/aws")
        );
        assert_eq!(v["moved"][0]["to"], json!("a.c"));
        // A dynamic block is a block of its label's type, after any static ones.
        let sg = &v["resource"]["aws_security_group"]["d"];
        assert_eq!(sg["ingress"][0]["from_port"], json!(80));
        assert_eq!(sg["ingress"][1]["from_port"], json!("ingress.value.port"));
        assert_eq!(sg["ingress"][1]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert!(sg.get("dynamic").is_none());
        let k = d.key_spans["/resource/aws_security_group/d/ingress/1"];
        assert_eq!(&text[k.start..k.end], r#"dynamic "ingress""#);
        let a = d.spans["/resource/aws_security_group/d/ingress/1/cidr_blocks"];
        assert_eq!(&text[a.start..a.end], r#"cidr_blocks = ["0.0.0.0/0"]"#);
        assert_eq!(v["region"], json!("eu-west-1"));
        let k = d.key_spans["/provider/aws/1"];
        assert_eq!(&text[k.start..k.end], r#"provider "aws""#);
    }

    #[test]
    fn dynamic_blocks_expand_over_known_collections_and_count_zero_drops_a_block() {
        let text = r#"
resource "aws_security_group" "a" {
  dynamic "ingress" {
    for_each = [22, 3389]
    content {
      from_port = ingress.value
      label     = "rule-${ingress.key}"
    }
  }
  dynamic "egress" {
    for_each = { web = 443 }
    iterator = e
    content {
      to_port = e.value
      name    = e.key
    }
  }
}
resource "aws_instance" "off" {
  count = 1 > 2 ? 1 : 0
}
resource "aws_instance" "on" {
  count = 3
  name  = "web-${count.index}"
}
"#;
        let d = one(text);
        let sg = &d.value["resource"]["aws_security_group"]["a"];
        assert_eq!(sg["ingress"][0]["from_port"], json!(22));
        assert_eq!(sg["ingress"][1]["from_port"], json!(3389));
        assert_eq!(sg["ingress"][1]["label"], json!("rule-1"));
        assert_eq!(sg["egress"][0], json!({"to_port": 443, "name": "web"}));
        // Each generated block is cited at the content's lines.
        let a = d.spans["/resource/aws_security_group/a/ingress/1/from_port"];
        assert_eq!(&text[a.start..a.end], "from_port = ingress.value");
        assert!(d.value["resource"]["aws_instance"].get("off").is_none());
        assert_eq!(
            d.value["resource"]["aws_instance"]["on"]["name"],
            json!("web-0")
        );
    }

    #[test]
    fn errors_have_a_span_and_never_panic() {
        let e = parse("resource \"x\" \"y\" {\n  a = \n}\n").unwrap_err();
        assert!(e.span.is_some());
        let deep = format!("a = {}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&deep).is_err());
        let deep = format!("{}{}", "b {\n".repeat(3000), "}\n".repeat(3000));
        let _ = parse(&deep);
        for s in [
            "",
            "\u{feff}a = 1",
            "x {",
            "\"",
            "a = <<EOT\n",
            "é = 1",
            "a = -\"x\"",
        ] {
            let _ = parse(s);
        }
        assert_eq!(one("\u{feff}a = 1").value, json!({"a": 1}));
    }
}
