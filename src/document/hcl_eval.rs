//! Terraform expressions evaluated to values, where Terraform itself would know them before any
//! resource exists: literals, references to input variables and locals (through a [`Scope`]),
//! interpolation, conditionals with a known condition, arithmetic and comparisons, and the pure
//! functions that build literals from literals (`lookup`, `merge`, `concat`, `coalesce`,
//! `coalescelist`, `jsonencode`/`jsondecode`, `tolist`/`toset`/`tomap`, `format`, `join`,
//! `split`, `compact`, `distinct`, `flatten`, `keys`, `values`, `length`, `element`, `contains`,
//! `lower`, `upper`).
//!
//! Design: [`eval`] returns `None` for an unknown value — a resource attribute, a data source, a
//! variable without a value, a function we do not model — and the caller keeps the expression's
//! source text, which rules already treat as unknown (never "missing" or "false"). Inside a known
//! collection an unknown member is kept the same way, as its source text. Every known value carries
//! the [`Origin`] of the variable or local it came from (the first one that shaped the value; a
//! conditional's condition or a lookup's key only select, so they do not count), which is where a
//! user changes it: the finding is moved there, with the use site as a related location.
//!
//! Nothing is executed or read here: the scope holds values already evaluated from the module's
//! own files.

use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};
use serde_json::{Map, Number, Value};

use super::Span;

/// Deepest expression nesting evaluated (the converter refuses deeper documents anyway).
const MAX_DEPTH: usize = 128;

/// Where a value a user would change is written: a variable's `default`, a `.tfvars` entry, a
/// `locals` entry, a module call argument.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Path of the file, relative to the scan base like every document path.
    pub path: String,
    /// What a finding cites: the attribute (`default = false`) or the member (`dev = false`).
    pub span: Span,
    /// The value expression inside `span` (`false`), which a lookup narrows down.
    pub value: Span,
    /// The file's text (line and column, and the snippet reporters show).
    pub text: Arc<str>,
    /// How the value got to the use site: `the default of var.acl`, `local.acl, from var.acl in
    /// prod.tfvars`.
    pub via: String,
}

/// A known value and where it came from.
#[derive(Debug, Clone)]
pub struct Val {
    pub v: Value,
    pub o: Option<Arc<Origin>>,
}

impl Val {
    pub fn plain(v: Value) -> Self {
        Val { v, o: None }
    }

    /// The member `key` (a string for a map, a number for a list) of this value, with its origin
    /// narrowed to the member's own entry when it is written literally there.
    pub fn member(self, key: &Value) -> Option<Val> {
        let v = match (&self.v, key) {
            (Value::Array(a), k) => a.get(usize::try_from(num(k)? as i64).ok()?)?.clone(),
            (Value::Object(m), Value::String(k)) => m.get(k)?.clone(),
            _ => return None,
        };
        let o = self.o.map(|o| o.member(key).map_or(o, Arc::new));
        Some(Val { v, o })
    }
}

impl Origin {
    /// The origin of member `key` of this value, where the value is a literal list or map.
    pub fn member(&self, key: &Value) -> Option<Origin> {
        let expr = self.text.get(self.value.start..self.value.end)?;
        // Parsed on its own as `x = <value>`: offsets shift by the 4 bytes of `x = `.
        let src = format!("x = {expr}");
        let body = hcl_edit::parser::parse_body(&src).ok()?;
        let value = &body.attributes().next()?.value;
        let at = |r: std::ops::Range<usize>| {
            Span::new(self.value.start + r.start - 4, self.value.start + r.end - 4)
        };
        let (entry, member) = match (value, key) {
            (Expression::Array(a), k) => {
                let item = a.get(usize::try_from(num(k)? as i64).ok()?)?;
                (item.span()?, item.span()?)
            }
            (Expression::Object(o), Value::String(k)) => o.iter().find_map(|(ok, ov)| {
                let name = match ok {
                    ObjectKey::Ident(i) => i.as_str(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().as_str(),
                    ObjectKey::Expression(_) => return None,
                };
                let (ks, vs) = (ok.span()?, ov.expr().span()?);
                (name == k).then_some((ks.start..vs.end, vs))
            })?,
            _ => return None,
        };
        Some(Origin {
            span: at(entry),
            value: at(member),
            ..self.clone()
        })
    }
}

/// The names an expression can refer to: `var.x`, `local.x`, and iterators (`each`, `count`,
/// a `dynamic` block's iterator). `None`: unknown.
pub trait Scope {
    fn lookup(&self, root: &str, name: &str) -> Option<Val>;
}

/// A Terraform module directory as a file of it is judged: once per instance — per call of the
/// module from elsewhere in the repository, or once on its own.
pub trait Module: Send + Sync {
    fn instances(&self) -> Vec<Instance<'_>>;

    /// The syntax tree of the module's file `file_name`, if the module parsed it already while
    /// reading its variables and locals and `text` is what it read.
    fn parsed(&self, _file_name: &str, _text: &str) -> Option<Arc<hcl_edit::structure::Body>> {
        None
    }
}

/// One instance of a module: the scope its expressions are evaluated in, and the `module` block
/// that calls it (`None`: the module on its own).
pub struct Instance<'a> {
    pub scope: &'a dyn Scope,
    pub call: Option<Arc<Origin>>,
}

/// A scope where nothing is known (literal-only evaluation).
pub struct NoScope;

impl Scope for NoScope {
    fn lookup(&self, _: &str, _: &str) -> Option<Val> {
        None
    }
}

/// The value of `e` (written in `text`, whose byte offsets its spans count), if Terraform would
/// know it from `scope`.
pub fn eval(e: &Expression, text: &str, scope: &dyn Scope) -> Option<Val> {
    Ev { text, scope }.expr(e, 0)
}

/// A template's string, if every interpolation in it is known and it has no directives.
pub fn eval_template(t: &Template, text: &str, scope: &dyn Scope) -> Option<Val> {
    Ev { text, scope }.template(t.iter(), 0)
}

struct Ev<'a> {
    text: &'a str,
    scope: &'a dyn Scope,
}

/// The first origin of several parts.
fn first(a: Option<Arc<Origin>>, b: &Option<Arc<Origin>>) -> Option<Arc<Origin>> {
    a.or_else(|| b.clone())
}

impl Ev<'_> {
    fn source(&self, e: &Expression) -> String {
        e.span()
            .and_then(|r| self.text.get(r))
            .unwrap_or_default()
            .to_string()
    }

    /// A member of a collection: its value, or its source text when unknown.
    fn member(&self, e: &Expression, depth: usize) -> Val {
        self.expr(e, depth)
            .unwrap_or_else(|| Val::plain(Value::String(self.source(e))))
    }

    fn expr(&self, e: &Expression, depth: usize) -> Option<Val> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match e {
            Expression::Null(_) => Some(Val::plain(Value::Null)),
            Expression::Bool(b) => Some(Val::plain(Value::Bool(*b.value()))),
            Expression::Number(n) => Some(Val::plain(super::hcl::number(n.value()))),
            Expression::String(s) => Some(Val::plain(Value::String(s.value().clone()))),
            Expression::Array(a) => {
                let mut o = None;
                let mut out = Vec::with_capacity(a.len());
                for item in a.iter() {
                    let m = self.member(item, d);
                    o = first(o, &m.o);
                    out.push(m.v);
                }
                Some(Val {
                    v: Value::Array(out),
                    o,
                })
            }
            Expression::Object(obj) => {
                let mut o = None;
                let mut out = Map::new();
                for (k, v) in obj.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => match self.expr(ke, d)?.v {
                            Value::String(s) => s,
                            other => scalar_text(&other)?,
                        },
                    };
                    let m = self.member(v.expr(), d);
                    o = first(o, &m.o);
                    out.insert(key, m.v);
                }
                Some(Val {
                    v: Value::Object(out),
                    o,
                })
            }
            Expression::StringTemplate(t) => self.template(t.iter(), d),
            Expression::HeredocTemplate(h) => self.template(h.template.iter(), d),
            Expression::Parenthesis(p) => self.expr(p.inner(), d),
            Expression::Variable(_) => None,
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return None;
                };
                let mut ops = t.operators.iter();
                let Some(TraversalOperator::GetAttr(name)) = ops.next().map(|o| o.value()) else {
                    return None;
                };
                let mut cur = self.scope.lookup(root.as_str(), name.as_str())?;
                for op in ops {
                    let key = match op.value() {
                        TraversalOperator::GetAttr(a) => Value::String(a.as_str().to_string()),
                        TraversalOperator::LegacyIndex(i) => Value::Number((*i.value()).into()),
                        TraversalOperator::Index(ie) => self.expr(ie, d)?.v,
                        _ => return None,
                    };
                    cur = cur.member(&key)?;
                }
                Some(cur)
            }
            Expression::Conditional(c) => {
                let cond = self.expr(&c.cond_expr, d)?;
                match truthy(&cond.v)? {
                    true => self.expr(&c.true_expr, d),
                    false => self.expr(&c.false_expr, d),
                }
            }
            Expression::UnaryOp(u) => {
                let x = self.expr(&u.expr, d)?;
                let v = match (u.operator.value(), &x.v) {
                    (UnaryOperator::Not, v) => Value::Bool(!truthy(v)?),
                    (UnaryOperator::Neg, v) => num_value(-num(v)?)?,
                };
                Some(Val { v, o: x.o })
            }
            Expression::BinaryOp(b) => {
                let l = self.expr(&b.lhs_expr, d)?;
                let r = self.expr(&b.rhs_expr, d)?;
                let op = *b.operator.value();
                let v = binary(op, &l.v, &r.v)?;
                // A comparison is a new value written at the use site; arithmetic and `&&`/`||`
                // carry their operands' values.
                let carried = matches!(
                    op,
                    BinaryOperator::And
                        | BinaryOperator::Or
                        | BinaryOperator::Plus
                        | BinaryOperator::Minus
                        | BinaryOperator::Mul
                        | BinaryOperator::Div
                        | BinaryOperator::Mod
                );
                Some(Val {
                    v,
                    o: if carried { first(l.o, &r.o) } else { None },
                })
            }
            Expression::FuncCall(f) => {
                if !f.name.namespace.is_empty() || f.args.expand_final() {
                    return None;
                }
                self.call(f.name.name.as_str(), f.args.iter().collect(), d)
            }
            Expression::ForExpr(_) => None,
        }
    }

    fn template<'t>(
        &self,
        elements: impl Iterator<Item = &'t Element>,
        depth: usize,
    ) -> Option<Val> {
        let mut out = String::new();
        let mut o = None;
        for el in elements {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    let x = self.expr(&i.expr, depth)?;
                    out.push_str(&scalar_text(&x.v)?);
                    o = first(o, &x.o);
                }
                Element::Directive(_) => return None,
            }
        }
        Some(Val {
            v: Value::String(out),
            o,
        })
    }

    fn call(&self, name: &str, args: Vec<&Expression>, d: usize) -> Option<Val> {
        // Arguments are evaluated on demand: `coalesce` stops at the first usable one.
        let arg = |i: usize| args.get(i).and_then(|e| self.expr(e, d));
        let all = || {
            args.iter()
                .map(|e| self.expr(e, d))
                .collect::<Option<Vec<Val>>>()
        };
        let joined = |vals: &[Val]| vals.iter().fold(None, |o, v| first(o, &v.o));
        match (name, args.len()) {
            ("jsonencode" | "yamlencode" | "tolist" | "tomap", 1) => arg(0),
            ("toset", 1) => {
                let mut x = arg(0)?;
                if let Value::Array(a) = &mut x.v {
                    let mut seen = Vec::new();
                    a.retain(|v| {
                        let new = !seen.contains(v);
                        if new {
                            seen.push(v.clone());
                        }
                        new
                    });
                }
                Some(x)
            }
            ("jsondecode", 1) => {
                let x = arg(0)?;
                let v = serde_json::from_str(x.v.as_str()?).ok()?;
                Some(Val { v, o: x.o })
            }
            ("lookup", 2 | 3) => {
                let map = arg(0)?;
                let key = arg(1)?;
                if !map.v.as_object()?.contains_key(key.v.as_str()?) {
                    return arg(2);
                }
                map.member(&key.v)
            }
            ("merge", _) => {
                let vals = all()?;
                let mut out = Map::new();
                for v in &vals {
                    match &v.v {
                        Value::Object(m) => out.extend(m.clone()),
                        Value::Null => {}
                        _ => return None,
                    }
                }
                Some(Val {
                    o: joined(&vals),
                    v: Value::Object(out),
                })
            }
            ("concat", _) => {
                let vals = all()?;
                let mut out = Vec::new();
                for v in &vals {
                    out.extend(v.v.as_array()?.iter().cloned());
                }
                Some(Val {
                    o: joined(&vals),
                    v: Value::Array(out),
                })
            }
            ("coalesce", _) => {
                for i in 0..args.len() {
                    let x = arg(i)?;
                    if !(x.v.is_null() || x.v.as_str() == Some("")) {
                        return Some(x);
                    }
                }
                None
            }
            ("coalescelist", _) => {
                for i in 0..args.len() {
                    let x = arg(i)?;
                    if !x.v.as_array()?.is_empty() {
                        return Some(x);
                    }
                }
                None
            }
            ("format", n) if n >= 1 => {
                let vals = all()?;
                let s = format(vals[0].v.as_str()?, &vals[1..])?;
                Some(Val {
                    o: joined(&vals[1..]),
                    v: Value::String(s),
                })
            }
            ("join", 2..) => {
                let vals = all()?;
                let sep = vals[0].v.as_str()?;
                let mut parts = Vec::new();
                for list in &vals[1..] {
                    for x in list.v.as_array()? {
                        parts.push(scalar_text(x)?);
                    }
                }
                Some(Val {
                    o: joined(&vals[1..]),
                    v: Value::String(parts.join(sep)),
                })
            }
            ("length", 1) => {
                let x = arg(0)?;
                let n = match &x.v {
                    Value::Array(a) => a.len(),
                    Value::Object(m) => m.len(),
                    Value::String(s) => s.chars().count(),
                    _ => return None,
                };
                Some(Val {
                    v: Value::Number(n.into()),
                    o: x.o,
                })
            }
            ("element", 2) => {
                let list = arg(0)?;
                let len = list.v.as_array()?.len();
                let i = usize::try_from(arg(1)?.v.as_i64()?).ok()?;
                list.member(&Value::Number(i.checked_rem(len)?.into()))
            }
            ("contains", 2) => {
                let list = arg(0)?;
                let x = arg(1)?;
                let v = Value::Bool(list.v.as_array()?.contains(&x.v));
                Some(Val { v, o: list.o })
            }
            ("split", 2) => {
                let (sep, x) = (arg(0)?, arg(1)?);
                let parts =
                    x.v.as_str()?
                        .split(sep.v.as_str()?)
                        .map(|p| Value::String(p.to_string()))
                        .collect();
                Some(Val {
                    v: Value::Array(parts),
                    o: x.o,
                })
            }
            ("compact" | "distinct" | "flatten", 1) => {
                let x = arg(0)?;
                let mut out: Vec<Value> = Vec::new();
                for v in x.v.as_array()? {
                    match (name, v) {
                        ("compact", Value::Null) => {}
                        ("compact", Value::String(s)) if s.is_empty() => {}
                        ("distinct", v) if out.contains(v) => {}
                        ("flatten", Value::Array(inner)) => out.extend(inner.iter().cloned()),
                        (_, v) => out.push(v.clone()),
                    }
                }
                Some(Val {
                    v: Value::Array(out),
                    o: x.o,
                })
            }
            ("keys" | "values", 1) => {
                let x = arg(0)?;
                let m = x.v.as_object()?;
                let v = if name == "keys" {
                    m.keys().map(|k| Value::String(k.clone())).collect()
                } else {
                    m.values().cloned().collect()
                };
                Some(Val {
                    v: Value::Array(v),
                    o: x.o,
                })
            }
            ("lower" | "upper", 1) => {
                let x = arg(0)?;
                let s = x.v.as_str()?;
                let s = if name == "lower" {
                    s.to_lowercase()
                } else {
                    s.to_uppercase()
                };
                Some(Val {
                    v: Value::String(s),
                    o: x.o,
                })
            }
            _ => None,
        }
    }
}

/// A boolean, also written as a string (`"true"`), as Terraform converts it.
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number as JSON: an integer when it is one.
fn num_value(f: f64) -> Option<Value> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(Value::Number((f as i64).into()))
    } else {
        Number::from_f64(f).map(Value::Number)
    }
}

/// A primitive as the string Terraform converts it to.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value) -> Option<Value> {
    use BinaryOperator as B;
    Some(match op {
        B::Eq | B::NotEq => {
            let same = match (num(l), num(r)) {
                (Some(a), Some(b)) if l.is_number() && r.is_number() => a == b,
                _ => l == r,
            };
            Value::Bool(same == (op == B::Eq))
        }
        B::And => Value::Bool(truthy(l)? && truthy(r)?),
        B::Or => Value::Bool(truthy(l)? || truthy(r)?),
        B::Less => Value::Bool(num(l)? < num(r)?),
        B::LessEq => Value::Bool(num(l)? <= num(r)?),
        B::Greater => Value::Bool(num(l)? > num(r)?),
        B::GreaterEq => Value::Bool(num(l)? >= num(r)?),
        B::Plus => num_value(num(l)? + num(r)?)?,
        B::Minus => num_value(num(l)? - num(r)?)?,
        B::Mul => num_value(num(l)? * num(r)?)?,
        B::Div => {
            let d = num(r)?;
            if d == 0.0 {
                return None;
            }
            num_value(num(l)? / d)?
        }
        B::Mod => {
            let d = num(r)?;
            if d == 0.0 {
                return None;
            }
            num_value(num(l)? % d)?
        }
    })
}

/// Terraform's `format` for the verbs `%s`, `%d`, `%v`, `%q` and `%%`; other verbs: unknown.
fn format(spec: &str, args: &[Val]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'v' => out.push_str(&scalar_text(&args.next()?.v)?),
            'd' => {
                let n = num(&args.next()?.v)?;
                if n.fract() != 0.0 {
                    return None;
                }
                out.push_str(&(n as i64).to_string());
            }
            'q' => out.push_str(&serde_json::to_string(&scalar_text(&args.next()?.v)?).ok()?),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    struct Vars(HashMap<&'static str, Value>);

    impl Scope for Vars {
        fn lookup(&self, root: &str, name: &str) -> Option<Val> {
            let v = self.0.get(format!("{root}.{name}").as_str())?.clone();
            let o = Origin {
                path: "variables.tf".into(),
                span: Span::new(0, 1),
                value: Span::new(0, 1),
                text: Arc::from("x"),
                via: format!("{root}.{name}"),
            };
            Some(Val {
                v,
                o: Some(Arc::new(o)),
            })
        }
    }

    fn run(src: &str) -> Option<(Value, Option<String>)> {
        let scope = Vars(HashMap::from([
            ("var.env", json!("prod")),
            ("var.open", json!(["0.0.0.0/0"])),
            ("var.tags", json!({"team": "a"})),
            ("var.enabled", json!("true")),
            (
                "local.acls",
                json!({"prod": "private", "dev": "public-read"}),
            ),
            ("var.n", json!(3)),
        ]));
        let text = format!("x = {src}\n");
        let body = hcl_edit::parser::parse_body(&text).unwrap();
        let attr = body.attributes().next().unwrap();
        eval(&attr.value, &text, &scope).map(|v| (v.v, v.o.map(|o| o.via.clone())))
    }

    fn val(src: &str) -> Value {
        run(src).unwrap_or_else(|| panic!("unknown: {src}")).0
    }

    #[test]
    fn literals_from_literals() {
        assert_eq!(val(r#""${var.env}-logs""#), json!("prod-logs"));
        assert_eq!(val(r#"var.env == "prod" ? "a" : "b""#), json!("a"));
        assert_eq!(
            val(r#"lookup(local.acls, "dev", "x")"#),
            json!("public-read")
        );
        assert_eq!(val(r#"lookup(local.acls, "qa", "x")"#), json!("x"));
        assert_eq!(val(r#"local.acls[var.env]"#), json!("private"));
        assert_eq!(
            val(r#"merge(var.tags, { b = 1 })"#),
            json!({"team": "a", "b": 1})
        );
        assert_eq!(
            val(r#"concat(var.open, ["::/0"])"#),
            json!(["0.0.0.0/0", "::/0"])
        );
        assert_eq!(val(r#"coalesce("", null, var.env)"#), json!("prod"));
        assert_eq!(val(r#"jsondecode("{\"a\": [1]}")"#), json!({"a": [1]}));
        assert_eq!(val(r#"jsonencode({ A = var.env })"#), json!({"A": "prod"}));
        assert_eq!(val(r#"toset(["a", "b", "a"])"#), json!(["a", "b"]));
        assert_eq!(val(r#"tolist(var.open)"#), json!(["0.0.0.0/0"]));
        assert_eq!(val(r#"format("%s-%d%%", var.env, 3)"#), json!("prod-3%"));
        assert_eq!(val(r#"join(",", var.open, ["b"])"#), json!("0.0.0.0/0,b"));
        assert_eq!(val(r#"var.enabled ? 1 : 0"#), json!(1));
        assert_eq!(val(r#"!var.enabled"#), json!(false));
        assert_eq!(val(r#"var.n * 2 - 1"#), json!(5));
        assert_eq!(val(r#"length(var.open)"#), json!(1));
        assert_eq!(val(r#"var.open[0]"#), json!("0.0.0.0/0"));
        assert_eq!(
            val(r#"compact(split(",", "0.0.0.0/0,,10.0.0.0/8"))"#),
            json!(["0.0.0.0/0", "10.0.0.0/8"])
        );
        assert_eq!(val(r#"distinct(["a", "b", "a"])"#), json!(["a", "b"]));
        assert_eq!(val(r#"flatten([["a"], "b", []])"#), json!(["a", "b"]));
        assert_eq!(val(r#"keys(local.acls)"#), json!(["prod", "dev"]));
        assert_eq!(val(r#"values(var.tags)"#), json!(["a"]));
        // A member that is unknown keeps its source text inside a known collection.
        assert_eq!(
            val(r#"{ a = aws_s3_bucket.b.id, c = var.env }"#),
            json!({"a": "aws_s3_bucket.b.id", "c": "prod"})
        );
    }

    #[test]
    fn origins_follow_the_value_not_the_selector() {
        assert_eq!(run(r#"var.open"#).unwrap().1.as_deref(), Some("var.open"));
        // The condition only selects: the chosen literal is written at the use site.
        assert_eq!(run(r#"var.env == "prod" ? "a" : "b""#).unwrap().1, None);
        assert_eq!(
            run(r#"lookup(local.acls, var.env)"#).unwrap().1.as_deref(),
            Some("local.acls")
        );
    }

    #[test]
    fn unknown_stays_unknown() {
        for src in [
            "var.missing",
            "aws_s3_bucket.b.id",
            r#"var.x == "a" ? true : false"#,
            r#"lookup(var.missing, "a")"#,
            r#"merge(var.tags, data.x.y)"#,
            r#"format("%08.3f", 1)"#,
            r#"cidrsubnet("10.0.0.0/8", 8, 1)"#,
            r#"[for x in var.open : x]"#,
            r#""%{if true}a%{endif}""#,
            "var.open[*]",
            "1 / 0",
            r#"element([], 0)"#,
            r#"coalesce(var.missing, "a")"#,
        ] {
            assert!(run(src).is_none(), "{src}");
        }
    }
}
