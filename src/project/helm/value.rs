//! Template values: Go's `interface{}` as Helm sees it (YAML numbers are float64, maps have
//! string keys and range in key order), plus where a value came from.
//!
//! A value read from a values file carries an [`Origin`] (the node's span); a string built by
//! templates (`include`, `toYaml`, `printf`, `nindent`…) carries [`Seg`]s saying which of its
//! bytes came from where, so that rendered output can be mapped back line by line.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Maps are shared and mutable, as Go maps are: Sprig's `set`, `unset` and `merge` change them
/// in place and charts rely on it (`$_ := set $d "k" v`).
pub type Map = Rc<RefCell<BTreeMap<String, V>>>;

/// Deepest nesting printed, compared or converted (a map can be made to contain itself).
pub const MAX_NEST: usize = 200;

/// Index into the renderer's origin table.
pub type OriginId = u32;

/// Part of a string that came from somewhere: `[start, end)` in the string. A `linear` segment
/// maps byte for byte onto its origin's span (template text); otherwise the whole range maps to
/// the origin's span (a value). Segments never contain a line break, so indenting a string only
/// shifts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    pub start: usize,
    pub end: usize,
    pub origin: OriginId,
    pub linear: bool,
    /// For linear segments: offset into the origin span where this piece starts.
    pub skip: usize,
}

#[derive(Clone, Debug)]
pub enum Val {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>, Option<Rc<Vec<Seg>>>),
    List(Rc<Vec<V>>),
    Map(Map),
    /// `.Files` (or a `Glob` of it): path relative to the chart → content.
    Files(Rc<BTreeMap<String, Rc<str>>>),
    /// `.Capabilities.APIVersions`.
    ApiVersions(Rc<Vec<String>>),
}

/// A value and, when it was read from a values file, the node it came from.
#[derive(Clone, Debug)]
pub struct V {
    pub val: Val,
    pub origin: Option<OriginId>,
}

impl From<Val> for V {
    fn from(val: Val) -> Self {
        V { val, origin: None }
    }
}

impl V {
    pub fn nil() -> V {
        Val::Nil.into()
    }
    pub fn str(s: impl Into<Rc<str>>) -> V {
        Val::Str(s.into(), None).into()
    }
    pub fn seg_str(s: String, segs: Vec<Seg>) -> V {
        let segs = if segs.is_empty() {
            None
        } else {
            Some(Rc::new(segs))
        };
        Val::Str(s.into(), segs).into()
    }
    pub fn bool(b: bool) -> V {
        Val::Bool(b).into()
    }
    pub fn int(i: i64) -> V {
        Val::Int(i).into()
    }
    pub fn list(v: Vec<V>) -> V {
        Val::List(Rc::new(v)).into()
    }
    pub fn map(m: BTreeMap<String, V>) -> V {
        Val::Map(Rc::new(RefCell::new(m))).into()
    }

    pub fn is_nil(&self) -> bool {
        matches!(self.val, Val::Nil)
    }

    /// Go template truth: false, 0, nil, and empty strings/lists/maps are false.
    pub fn truthy(&self) -> bool {
        match &self.val {
            Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s, _) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Map(m) => !m.borrow().is_empty(),
            Val::Files(f) => !f.is_empty(),
            Val::ApiVersions(_) => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn segs(&self) -> &[Seg] {
        match &self.val {
            Val::Str(_, Some(s)) => s,
            _ => &[],
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.val {
            Val::Nil => "nil",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(..) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
            Val::Files(_) => "chart.Files",
            Val::ApiVersions(_) => "chartutil.VersionSet",
        }
    }

    /// Go's `fmt.Sprint` of the value (what `{{ x }}` prints, before Helm drops `<no value>`).
    pub fn to_go_string(&self) -> String {
        match &self.val {
            Val::Nil => "<no value>".into(),
            _ => self.sprint(),
        }
    }

    /// `%v` formatting, nested values included.
    pub fn sprint(&self) -> String {
        self.sprint_at(0)
    }

    fn sprint_at(&self, depth: usize) -> String {
        if depth > MAX_NEST {
            return "...".into();
        }
        match &self.val {
            Val::Nil => "<nil>".into(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => go_float(*f),
            Val::Str(s, _) => s.to_string(),
            Val::List(l) => {
                let parts: Vec<String> = l.iter().map(|x| x.sprint_at(depth + 1)).collect();
                format!("[{}]", parts.join(" "))
            }
            Val::Map(m) => {
                let parts: Vec<String> = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", v.sprint_at(depth + 1)))
                    .collect();
                format!("map[{}]", parts.join(" "))
            }
            Val::Files(_) => "map[]".into(),
            Val::ApiVersions(v) => format!("[{}]", v.join(" ")),
        }
    }

    /// As a number, if it is one (Go templates compare ints and floats by value).
    pub fn as_f64(&self) -> Option<f64> {
        match self.val {
            Val::Int(i) => Some(i as f64),
            Val::Float(f) => Some(f),
            _ => None,
        }
    }

    /// Sprig's `toInt64`-style conversion (strings parse, bools are 0/1, nil is 0).
    pub fn to_i64(&self) -> i64 {
        match &self.val {
            Val::Int(i) => *i,
            Val::Float(f) => *f as i64,
            Val::Bool(b) => *b as i64,
            Val::Str(s, _) => {
                let t = s.trim();
                t.parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }

    pub fn to_f64(&self) -> f64 {
        match &self.val {
            Val::Int(i) => *i as f64,
            Val::Float(f) => *f,
            Val::Bool(b) => *b as i64 as f64,
            Val::Str(s, _) => s.trim().parse().unwrap_or(0.0),
            _ => 0.0,
        }
    }

    /// Deep equality of plain data (origins ignored), Go `eq` style for basic kinds.
    pub fn equal(&self, other: &V) -> bool {
        self.equal_at(other, 0)
    }

    fn equal_at(&self, other: &V, depth: usize) -> bool {
        if depth > MAX_NEST {
            return false;
        }
        match (&self.val, &other.val) {
            (Val::Nil, Val::Nil) => true,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Str(a, _), Val::Str(b, _)) => a == b,
            (Val::List(a), Val::List(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.equal_at(y, depth + 1))
            }
            (Val::Map(a), Val::Map(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.equal_at(vb, depth + 1))
            }
            _ => match (self.as_f64(), other.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    /// Plain JSON (origins dropped).
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_at(0)
    }

    fn to_json_at(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value as J;
        if depth > MAX_NEST {
            return J::Null;
        }
        match &self.val {
            Val::Nil => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    J::from(*f as i64)
                } else {
                    serde_json::Number::from_f64(*f)
                        .map(J::Number)
                        .unwrap_or(J::Null)
                }
            }
            Val::Str(s, _) => J::String(s.to_string()),
            Val::List(l) => J::Array(l.iter().map(|x| x.to_json_at(depth + 1)).collect()),
            Val::Map(m) => J::Object(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json_at(depth + 1)))
                    .collect(),
            ),
            Val::Files(f) => J::Object(
                f.iter()
                    .map(|(k, v)| (k.clone(), J::String(v.to_string())))
                    .collect(),
            ),
            Val::ApiVersions(v) => J::Array(v.iter().map(|s| J::String(s.clone())).collect()),
        }
    }

    /// From plain JSON; numbers become float64 as Helm's YAML loading makes them.
    pub fn from_json(j: &serde_json::Value) -> V {
        use serde_json::Value as J;
        match j {
            J::Null => V::nil(),
            J::Bool(b) => V::bool(*b),
            J::Number(n) => Val::Float(n.as_f64().unwrap_or(0.0)).into(),
            J::String(s) => V::str(s.as_str()),
            J::Array(a) => V::list(a.iter().map(V::from_json).collect()),
            J::Object(o) => V::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), V::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Go's `%v` for a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest digits, exponent
/// form when the exponent is below -4 or at least 6, so a values-file 1000000 prints `1e+06`.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        // %e form with at least two exponent digits.
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go() {
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(100_000.0), "100000");
        assert_eq!(go_float(8080.0), "8080");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(123_456_789.0), "1.23456789e+08");
        assert_eq!(go_float(1.5e6), "1.5e+06");
        assert_eq!(go_float(-3.0), "-3");
    }
}
