//! Predicates over JSON-like values, with RFC 9535 JSONPath selectors (serde_json_path).
//!
//! Evaluation returns, besides the verdict, the pointer of the node that decided it: the matching
//! node when a test holds, otherwise the selected node or — for a missing field — its deepest
//! existing ancestor. That is what lets a finding point at the exact offending key.

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use super::schema::RawPredicate;

#[derive(Debug)]
pub enum Test {
    Exists(bool),
    Equals(Value),
    Matches(Regex),
    In(Vec<Value>),
    Contains(Value),
    Cmp(CmpOp, f64),
    Type(String),
    Credential(bool),
}

#[derive(Debug, Clone, Copy)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug)]
pub enum Predicate {
    Leaf {
        path: Option<(JsonPath, Vec<Segment>)>,
        test: Test,
    },
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
}

/// A plain path segment, for finding the deepest existing ancestor of a missing field.
#[derive(Debug, Clone)]
pub enum Segment {
    Key(String),
    Index(usize),
}

pub fn compile_path(src: &str) -> Result<JsonPath, String> {
    JsonPath::parse(src).map_err(|e| format!("invalid JSONPath `{src}`: {e}"))
}

impl Predicate {
    pub fn compile(raw: &RawPredicate) -> Result<Predicate, String> {
        let mut parts = Vec::new();
        if let Some(all) = &raw.all {
            let v = all
                .iter()
                .map(Predicate::compile)
                .collect::<Result<_, _>>()?;
            parts.push(Predicate::All(v));
        }
        if let Some(any) = &raw.any {
            let v = any
                .iter()
                .map(Predicate::compile)
                .collect::<Result<_, _>>()?;
            parts.push(Predicate::Any(v));
        }
        if let Some(not) = &raw.not {
            parts.push(Predicate::Not(Box::new(Predicate::compile(not)?)));
        }
        let mut tests = Vec::new();
        if let Some(b) = raw.exists {
            tests.push(Test::Exists(b));
        }
        if let Some(v) = &raw.equals {
            tests.push(Test::Equals(v.clone()));
        }
        if let Some(r) = &raw.matches {
            let re = Regex::new(r).map_err(|e| format!("invalid regex in `matches`: {e}"))?;
            tests.push(Test::Matches(re));
        }
        if let Some(v) = &raw.in_ {
            tests.push(Test::In(v.clone()));
        }
        if let Some(v) = &raw.contains {
            tests.push(Test::Contains(v.clone()));
        }
        for (op, v) in [
            (CmpOp::Gt, raw.gt),
            (CmpOp::Gte, raw.gte),
            (CmpOp::Lt, raw.lt),
            (CmpOp::Lte, raw.lte),
        ] {
            if let Some(v) = v {
                tests.push(Test::Cmp(op, v));
            }
        }
        if let Some(t) = &raw.type_ {
            if !matches!(
                t.as_str(),
                "string" | "number" | "boolean" | "array" | "object" | "null"
            ) {
                return Err(format!("unknown `type` test `{t}`"));
            }
            tests.push(Test::Type(t.clone()));
        }
        if let Some(b) = raw.credential {
            tests.push(Test::Credential(b));
        }
        if raw.path.is_some() && tests.is_empty() {
            return Err(
                "a predicate with `path` needs a test (exists, equals, matches, in, contains, gt, gte, lt, lte, type, credential)"
                    .into(),
            );
        }
        let path = match &raw.path {
            Some(p) => Some((compile_path(p)?, simple_segments(p))),
            None => None,
        };
        for test in tests {
            parts.push(Predicate::Leaf {
                path: path.clone(),
                test,
            });
        }
        if parts.len() > 1 {
            return Ok(Predicate::All(parts));
        }
        parts
            .pop()
            .ok_or_else(|| "empty predicate: give a test or all/any/not".into())
    }

    /// Evaluate on `node`; returns the verdict and a pointer (relative to `node`) to cite.
    pub fn eval(&self, node: &Value) -> (bool, String) {
        match self {
            Predicate::All(ps) => {
                let mut hint = String::new();
                for p in ps {
                    let (ok, h) = p.eval(node);
                    if !ok {
                        return (false, h);
                    }
                    if h.len() >= hint.len() {
                        hint = h;
                    }
                }
                (true, hint)
            }
            Predicate::Any(ps) => {
                let mut first = None;
                for p in ps {
                    let (ok, h) = p.eval(node);
                    if ok {
                        return (true, h);
                    }
                    first.get_or_insert(h);
                }
                (false, first.unwrap_or_default())
            }
            Predicate::Not(p) => {
                let (ok, h) = p.eval(node);
                (!ok, h)
            }
            Predicate::Leaf { path, test } => eval_leaf(path.as_ref(), test, node),
        }
    }

    /// Where the predicate holds, once per alternative: each `any` branch that holds and each
    /// node a leaf selects that passes its test (so a secret rule reports every credential of a
    /// node, not just the first). Empty where it does not hold.
    pub fn eval_each(&self, node: &Value) -> Vec<String> {
        match self {
            Predicate::Any(ps) => {
                let mut out: Vec<String> = Vec::new();
                for h in ps.iter().flat_map(|p| p.eval_each(node)) {
                    if !out.contains(&h) {
                        out.push(h);
                    }
                }
                out
            }
            Predicate::Leaf { path, test } if !matches!(test, Test::Exists(_)) => {
                select(path.as_ref(), node)
                    .into_iter()
                    .filter(|(_, v)| test_value(test, v))
                    .map(|(p, _)| p)
                    .collect()
            }
            _ => match self.eval(node) {
                (true, h) => vec![h],
                (false, _) => Vec::new(),
            },
        }
    }
}

impl Clone for Predicate {
    fn clone(&self) -> Self {
        match self {
            Predicate::Leaf { path, test } => Predicate::Leaf {
                path: path.clone(),
                test: match test {
                    Test::Exists(b) => Test::Exists(*b),
                    Test::Equals(v) => Test::Equals(v.clone()),
                    Test::Matches(r) => Test::Matches(r.clone()),
                    Test::Credential(b) => Test::Credential(*b),
                    Test::In(v) => Test::In(v.clone()),
                    Test::Contains(v) => Test::Contains(v.clone()),
                    Test::Cmp(o, v) => Test::Cmp(*o, *v),
                    Test::Type(t) => Test::Type(t.clone()),
                },
            },
            Predicate::All(v) => Predicate::All(v.clone()),
            Predicate::Any(v) => Predicate::Any(v.clone()),
            Predicate::Not(p) => Predicate::Not(p.clone()),
        }
    }
}

/// The nodes a leaf's path selects, with their pointers (the node itself without a path).
fn select<'v>(
    path: Option<&(JsonPath, Vec<Segment>)>,
    node: &'v Value,
) -> Vec<(String, &'v Value)> {
    match path {
        None => vec![(String::new(), node)],
        Some((p, _)) => p
            .query_located(node)
            .into_iter()
            .map(|n| (n.location().to_json_pointer(), n.node()))
            .collect(),
    }
}

fn eval_leaf(path: Option<&(JsonPath, Vec<Segment>)>, test: &Test, node: &Value) -> (bool, String) {
    let selected = select(path, node);
    let fallback = || match path {
        Some((_, segs)) => deepest_existing(node, segs),
        None => String::new(),
    };
    match test {
        Test::Exists(want) => {
            let hint = selected.first().map_or_else(fallback, |(p, _)| p.clone());
            (selected.is_empty() != *want, hint)
        }
        _ => {
            for (p, v) in &selected {
                if test_value(test, v) {
                    return (true, p.clone());
                }
            }
            let hint = selected.first().map_or_else(fallback, |(p, _)| p.clone());
            (false, hint)
        }
    }
}

pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn test_value(test: &Test, v: &Value) -> bool {
    match test {
        Test::Exists(_) => true,
        Test::Equals(want) => loose_eq(v, want),
        Test::Matches(re) => as_text(v).is_some_and(|s| re.is_match(&s)),
        Test::Credential(want) => {
            as_text(v).is_some_and(|s| crate::decl::text_rule::may_be_credential(&s) == *want)
        }
        Test::In(list) => list.iter().any(|w| loose_eq(v, w)),
        Test::Contains(want) => match (v, want) {
            (Value::Array(items), _) => items.iter().any(|i| loose_eq(i, want)),
            (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
            _ => false,
        },
        Test::Cmp(op, n) => as_number(v).is_some_and(|x| match op {
            CmpOp::Gt => x > *n,
            CmpOp::Gte => x >= *n,
            CmpOp::Lt => x < *n,
            CmpOp::Lte => x <= *n,
        }),
        Test::Type(t) => match t.as_str() {
            "string" => v.is_string(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => v.is_null(),
        },
    }
}

/// Split `$.a.b['c'][0]` into plain segments; stops at the first non-plain selector.
pub fn simple_segments(src: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let s = src.trim();
    let Some(mut rest) = s.strip_prefix('$') else {
        return out;
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let _ = r;
            break;
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name == "*" || name.is_empty() {
                break;
            }
            out.push(Segment::Key(name.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = r.find(']') else { break };
            let inner = r[..close].trim();
            if let Ok(i) = inner.parse::<usize>() {
                out.push(Segment::Index(i));
            } else if (inner.starts_with('\'') && inner.ends_with('\'') && inner.len() >= 2)
                || (inner.starts_with('"') && inner.ends_with('"') && inner.len() >= 2)
            {
                out.push(Segment::Key(inner[1..inner.len() - 1].to_string()));
            } else {
                break;
            }
            rest = &r[close + 1..];
        } else {
            break;
        }
    }
    out
}

fn deepest_existing(node: &Value, segs: &[Segment]) -> String {
    let mut ptr = String::new();
    let mut cur = node;
    for seg in segs {
        let next = match seg {
            Segment::Key(k) => cur.get(k.as_str()),
            Segment::Index(i) => cur.get(*i),
        };
        match next {
            Some(n) => {
                ptr.push('/');
                ptr.push_str(&match seg {
                    Segment::Key(k) => crate::document::pointer_escape(k).into_owned(),
                    Segment::Index(i) => i.to_string(),
                });
                cur = n;
            }
            None => break,
        }
    }
    ptr
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pred(yaml: &str) -> Predicate {
        let raw: RawPredicate = serde_saphyr::from_str(yaml).unwrap();
        Predicate::compile(&raw).unwrap()
    }

    #[test]
    fn equals_points_at_leaf() {
        let p = pred("path: $.securityContext.privileged\nequals: true\n");
        let node = json!({"securityContext": {"privileged": true}});
        assert_eq!(p.eval(&node), (true, "/securityContext/privileged".into()));
    }

    #[test]
    fn missing_field_points_at_deepest_ancestor() {
        let p = pred("not:\n  path: $.securityContext.runAsNonRoot\n  equals: true\n");
        let node = json!({"securityContext": {"x": 1}});
        assert_eq!(p.eval(&node), (true, "/securityContext".into()));
    }

    #[test]
    fn any_element_in_list() {
        let p = pred("path: $.add[*]\nin: [SYS_ADMIN, ALL]\n");
        assert_eq!(
            p.eval(&json!({"add": ["CHOWN", "ALL"]})),
            (true, "/add/1".into())
        );
        assert!(!p.eval(&json!({"add": ["CHOWN"]})).0);
    }

    #[test]
    fn path_without_test_is_rejected() {
        let raw: RawPredicate = serde_saphyr::from_str("path: $.a\n").unwrap();
        assert!(Predicate::compile(&raw).is_err());
    }
}
