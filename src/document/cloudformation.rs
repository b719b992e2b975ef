//! AWS CloudFormation templates (YAML or JSON, SAM, CDK output) → [`ConfigDoc`]s in one shape,
//! with what the template alone decides already resolved.
//!
//! - Short-form tags (`!Ref x`, `!Sub …`, `!GetAtt a.b`) become their long forms (`{Ref: x}`,
//!   `{Fn::Sub: …}`, `{Fn::GetAtt: [a, b]}`) in the YAML converter ([`long_form`]); the long form
//!   gets the span of the tagged node.
//! - [`resolve`] then rewrites `Resources` and SAM `Globals`: `Ref` to a parameter becomes its
//!   `Default`; `Fn::If` with a condition the template decides becomes the chosen branch (whose
//!   nodes keep their own spans), and a property whose value is `Ref: AWS::NoValue` is removed;
//!   `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` of known parts and `Fn::FindInMap` over
//!   literal `Mappings` become their result. Booleans written as strings (`"true"`, `"False"`)
//!   become booleans, as CloudFormation converts them.
//! - Everything else stays as written: a single-key `{Ref | Condition | Fn::…: …}` object is an
//!   unknown value ([`is_unknown`]) that rules read neither as missing nor as false.
//!
//! A resolved value keeps the span of the property that referenced it: the line a reader of the
//! resource sees. Where it came whole from a parameter's `Default` or a `Mappings` entry, that
//! line is recorded too ([`origin`]), for findings to show as the place to change. It is done here rather than in `src/project/` because a template resolves from
//! its own text alone, with no other file involved.

use serde_json::{Map, Value};

use super::{ConfigDoc, DocumentKind, ParseError, pointer_escape, yaml};

/// Parse a template: JSON by extension (strict, as other JSON files), YAML otherwise (JSON is
/// YAML too, for `*.template`), then [`resolve`] each document.
pub fn parse(path: &str, text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    parse_noted(path, text).0
}

/// [`parse`], with what the YAML front end tolerated ([`yaml::parse_noted`]).
pub fn parse_noted(
    path: &str,
    text: &str,
) -> (Result<Vec<ConfigDoc>, ParseError>, Option<ParseError>) {
    let (docs, note) = if path.to_ascii_lowercase().ends_with(".json") {
        (yaml::parse_json_file(path, text), None)
    } else {
        yaml::parse_noted(text, DocumentKind::Cloudformation)
    };
    let docs = docs.map(|mut docs| {
        for d in &mut docs {
            resolve(d);
        }
        docs
    });
    (docs, note)
}

/// The long form of a short-form intrinsic tag's suffix (`Ref` for `!Ref`).
pub fn long_form(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "Sub" => "Fn::Sub",
        "GetAtt" => "Fn::GetAtt",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "If" => "Fn::If",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "FindInMap" => "Fn::FindInMap",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Transform" => "Fn::Transform",
        "ToJsonString" => "Fn::ToJsonString",
        "Length" => "Fn::Length",
        _ => return None,
    })
}

/// The long-form value for a short-form tag's argument: `!GetAtt a.b` is `[a, b]` in long form.
pub fn long_value(long: &str, arg: Value) -> Value {
    let arg = match (long, arg) {
        ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
            Some((res, attr)) => Value::Array(vec![res.into(), attr.into()]),
            None => Value::String(s),
        },
        (_, arg) => arg,
    };
    let mut m = Map::with_capacity(1);
    m.insert(long.to_string(), arg);
    Value::Object(m)
}

/// Whether `v` is an intrinsic function call (or `Ref`/`Condition`) left unresolved: its value is
/// unknown.
pub fn is_unknown(v: &Value) -> bool {
    v.as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.keys().next())
        .is_some_and(|k| is_intrinsic_key(k))
}

fn is_intrinsic_key(k: &str) -> bool {
    k == "Ref" || k == "Condition" || k.starts_with("Fn::")
}

/// A boolean as CloudFormation reads it: `true`, or a string `"true"` in any case.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The span of the parameter `Default` or `Mappings` entry the value at `pointer` was resolved
/// from, if it was. Kept in the span map under `origin:<pointer>`, a key no JSON Pointer can be
/// (they are empty or start with `/`).
pub fn origin(doc: &ConfigDoc, pointer: &str) -> Option<super::Span> {
    doc.spans.get(&format!("origin:{pointer}")).copied()
}

/// Bound on nested conditions and intrinsics evaluated for one value (a condition naming itself
/// must not recurse forever).
const MAX_EVAL_DEPTH: usize = 64;

/// What a template knows about itself.
struct Template {
    /// Parameter name → default (lists for `CommaDelimitedList` and `List<…>` parameters).
    params: Map<String, Value>,
    mappings: Value,
    conditions: Value,
    /// Bytes resolution may still produce: a large default referenced many times (or a `Sub`
    /// repeating it) must not turn a 2 MiB template into gigabytes. Past it, values stay unknown.
    budget: std::cell::Cell<usize>,
}

/// Approximate bytes of a value (strings, plus a little per node).
fn weight(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 8,
        Value::Array(a) => a.iter().map(weight).sum::<usize>() + 8,
        Value::Object(m) => m.iter().map(|(k, x)| k.len() + weight(x)).sum::<usize>() + 8,
        _ => 8,
    }
}

/// Resolve what the template decides in `Resources` and `Globals` (see the module comment).
pub fn resolve(doc: &mut ConfigDoc) {
    let Some(root) = doc.value.as_object() else {
        return;
    };
    let mut params = Map::new();
    if let Some(ps) = root.get("Parameters").and_then(Value::as_object) {
        for (name, p) in ps {
            let Some(default) = p.get("Default") else {
                continue;
            };
            let ty = p.get("Type").and_then(Value::as_str).unwrap_or("String");
            // An SSM parameter's default is the parameter's name, not its value.
            if ty.starts_with("AWS::SSM::") {
                continue;
            }
            let list = ty == "CommaDelimitedList" || ty.starts_with("List<");
            let value = match default {
                Value::String(s) if list => {
                    Value::Array(s.split(',').map(|x| x.trim().into()).collect())
                }
                other => other.clone(),
            };
            params.insert(name.clone(), value);
        }
    }
    let t = Template {
        params,
        mappings: root.get("Mappings").cloned().unwrap_or(Value::Null),
        conditions: root.get("Conditions").cloned().unwrap_or(Value::Null),
        budget: std::cell::Cell::new(doc.span.end.max(1 << 16).saturating_mul(4)),
    };
    let Some(root) = doc.value.as_object_mut() else {
        return;
    };
    let mut spans = SpanEdit::default();
    for section in ["Resources", "Globals"] {
        if let Some(v) = root.get_mut(section) {
            let mut ptr = format!("/{section}");
            t.rewrite(v, &mut ptr, 0, &mut spans);
        }
    }
    for (from, to) in spans.moves {
        if let Some(s) = doc.spans.get(&from).copied() {
            doc.spans.insert(&to, s);
        }
        if let Some(s) = doc.key_spans.get(&from).copied() {
            doc.key_spans.insert(&to, s);
        }
    }
    for (at, source) in spans.origins {
        if let Some(s) = doc.spans.get(&source).copied() {
            doc.spans.insert(format!("origin:{at}"), s);
        }
    }
}

/// Span copies to make once the tree is rewritten: (from pointer, to pointer), and the origins
/// of resolved values: (value pointer, pointer of its `Default` or mapping entry).
#[derive(Default)]
struct SpanEdit {
    moves: Vec<(String, String)>,
    origins: Vec<(String, String)>,
}

impl SpanEdit {
    /// Every node under `v` (now at `to`) takes the span it had under `from`; `to` itself keeps
    /// its own (the property's line).
    fn copy_tree(&mut self, v: &Value, from: &str, to: &str) {
        let child = |c: &Value, token: &str, this: &mut Self| {
            let (f, t) = (format!("{from}/{token}"), format!("{to}/{token}"));
            this.moves.push((f.clone(), t.clone()));
            this.copy_tree(c, &f, &t);
        };
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    child(c, &pointer_escape(k), self);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    child(c, &i.to_string(), self);
                }
            }
            _ => {}
        }
    }
}

/// What to do with a rewritten node.
enum Outcome {
    Keep,
    /// `Ref: AWS::NoValue`: the property is absent.
    Remove,
}

impl Template {
    /// Rewrite `v` (at `ptr`) in place: resolve the intrinsics the template decides, read
    /// booleans in strings.
    fn rewrite(
        &self,
        v: &mut Value,
        ptr: &mut String,
        depth: usize,
        spans: &mut SpanEdit,
    ) -> Outcome {
        if depth > super::yaml::MAX_DEPTH {
            return Outcome::Keep;
        }
        if is_unknown(v) {
            if v.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue") {
                return Outcome::Remove;
            }
            if let Some(args) = v.get("Fn::If").and_then(Value::as_array)
                && args.len() == 3
                && let Some(c) = self.condition(&args[0], 0)
            {
                let i = if c { 1 } else { 2 };
                let branch = args[i].clone();
                spans.copy_tree(&branch, &format!("{ptr}/Fn::If/{i}"), ptr);
                *v = branch;
                return self.rewrite(v, ptr, depth + 1, spans);
            }
            if let Some(known) = self.eval(v, 0) {
                if let Some(source) = self.source(v) {
                    spans.origins.push((ptr.clone(), source));
                }
                *v = known;
                bools(v);
            }
            return Outcome::Keep;
        }
        match v {
            Value::Object(m) => {
                let mut gone = Vec::new();
                for (k, c) in m.iter_mut() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&pointer_escape(k));
                    if let Outcome::Remove = self.rewrite(c, ptr, depth + 1, spans) {
                        gone.push(k.clone());
                    }
                    ptr.truncate(len);
                }
                for k in gone {
                    m.remove(&k);
                }
            }
            Value::Array(a) => {
                // An item that is `AWS::NoValue` stays unknown: removing it would move the
                // pointers (and spans) of the items after it.
                for (i, c) in a.iter_mut().enumerate() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    self.rewrite(c, ptr, depth + 1, spans);
                    ptr.truncate(len);
                }
            }
            Value::String(_) => {
                if let Some(b) = as_bool(v) {
                    *v = Value::Bool(b);
                }
            }
            _ => {}
        }
        Outcome::Keep
    }

    /// The pointer of the `Default` or mapping entry a `Ref` or `Fn::FindInMap` takes its value
    /// from.
    fn source(&self, v: &Value) -> Option<String> {
        if let Some(name) = v.get("Ref").and_then(Value::as_str) {
            return self
                .params
                .contains_key(name)
                .then(|| format!("/Parameters/{}/Default", pointer_escape(name)));
        }
        let keys = v.get("Fn::FindInMap")?.as_array()?;
        let mut ptr = String::from("/Mappings");
        for k in keys.iter().take(3) {
            ptr.push('/');
            ptr.push_str(&pointer_escape(&scalar_text(&self.eval(k, 0)?)?));
        }
        Some(ptr)
    }

    /// Take `n` bytes from the budget; `false` (and nothing left) when it does not hold them.
    fn spend(&self, n: usize) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(n));
        n <= left
    }

    /// The value of `v` when the template decides it (within the budget), else `None`.
    fn eval(&self, v: &Value, depth: usize) -> Option<Value> {
        let out = self.eval_unbudgeted(v, depth)?;
        self.spend(weight(&out)).then_some(out)
    }

    fn eval_unbudgeted(&self, v: &Value, depth: usize) -> Option<Value> {
        if depth > MAX_EVAL_DEPTH {
            return None;
        }
        let d = depth + 1;
        if !is_unknown(v) {
            return match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| self.eval(x, d))
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array),
                Value::Object(m) => m
                    .iter()
                    .map(|(k, x)| Some((k.clone(), self.eval(x, d)?)))
                    .collect::<Option<Map<_, _>>>()
                    .map(Value::Object),
                other => Some(other.clone()),
            };
        }
        let (key, arg) = v.as_object()?.iter().next()?;
        let args = arg.as_array();
        match key.as_str() {
            "Ref" => self.params.get(arg.as_str()?).cloned(),
            "Fn::If" => {
                let a = args.filter(|a| a.len() == 3)?;
                let c = self.condition(&a[0], d)?;
                self.eval(&a[if c { 1 } else { 2 }], d)
            }
            "Fn::Join" => {
                let a = args.filter(|a| a.len() == 2)?;
                let sep = a[0].as_str()?;
                let parts = self.eval(&a[1], d)?;
                let parts: Vec<String> = parts
                    .as_array()?
                    .iter()
                    .map(scalar_text)
                    .collect::<Option<_>>()?;
                let len = parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
                self.spend(len).then(|| Value::String(parts.join(sep)))
            }
            "Fn::Split" => {
                let a = args.filter(|a| a.len() == 2)?;
                let sep = a[0].as_str().filter(|s| !s.is_empty())?;
                let s = self.eval(&a[1], d)?;
                Some(Value::Array(
                    s.as_str()?.split(sep).map(|x| x.into()).collect(),
                ))
            }
            "Fn::Select" => {
                let a = args.filter(|a| a.len() == 2)?;
                let i = scalar_text(&self.eval(&a[0], d)?)?.parse::<usize>().ok()?;
                self.eval(&a[1], d)?.as_array()?.get(i).cloned()
            }
            "Fn::FindInMap" => {
                let a = args.filter(|a| a.len() == 3)?;
                let mut at = &self.mappings;
                for k in a {
                    at = at.get(scalar_text(&self.eval(k, d)?)?)?;
                }
                (!is_unknown(at)).then(|| at.clone())
            }
            "Fn::Sub" => {
                let (template, vars) = match arg {
                    Value::String(s) => (s.as_str(), None),
                    Value::Array(a) if a.len() == 2 => (a[0].as_str()?, a[1].as_object()),
                    _ => return None,
                };
                self.sub(template, vars, d).map(Value::String)
            }
            _ => None,
        }
    }

    /// `Fn::Sub` with every `${Name}` known (`${!Name}` is the literal `${Name}`).
    fn sub(
        &self,
        template: &str,
        vars: Option<&Map<String, Value>>,
        depth: usize,
    ) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find("${") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after.find('}')?;
            let name = &after[..close];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
            } else {
                let v = match vars.and_then(|m| m.get(name.trim())) {
                    Some(v) => self.eval(v, depth)?,
                    None => self.params.get(name.trim())?.clone(),
                };
                let v = scalar_text(&v)?;
                if !self.spend(v.len()) {
                    return None;
                }
                out.push_str(&v);
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// A condition's truth when the template decides it: a condition name, or a condition
    /// function (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`).
    fn condition(&self, c: &Value, depth: usize) -> Option<bool> {
        if depth > MAX_EVAL_DEPTH {
            return None;
        }
        let d = depth + 1;
        match c {
            Value::String(name) => self.condition(self.conditions.get(name)?, d),
            Value::Bool(b) => Some(*b),
            Value::Object(m) if m.len() == 1 => {
                let (key, arg) = m.iter().next()?;
                let list = || arg.as_array().map(Vec::as_slice).unwrap_or_default();
                match key.as_str() {
                    "Condition" => self.condition(self.conditions.get(arg.as_str()?)?, d),
                    "Fn::Equals" => {
                        let [a, b] = list() else { return None };
                        let a = scalar_text(&self.eval(a, d)?)?;
                        let b = scalar_text(&self.eval(b, d)?)?;
                        Some(a == b)
                    }
                    "Fn::Not" => {
                        let [x] = list() else { return None };
                        self.condition(x, d).map(|b| !b)
                    }
                    // Decided by any false (true) operand, else unknown if one is unknown.
                    "Fn::And" | "Fn::Or" => {
                        let decisive = key == "Fn::Or";
                        let mut unknown = false;
                        for x in list() {
                            match self.condition(x, d) {
                                Some(b) if b == decisive => return Some(decisive),
                                Some(_) => {}
                                None => unknown = true,
                            }
                        }
                        (!unknown).then_some(!decisive)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A scalar as the text CloudFormation compares and joins.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Booleans written as strings, in a resolved value.
fn bools(v: &mut Value) {
    match v {
        Value::String(_) => {
            if let Some(b) = as_bool(v) {
                *v = Value::Bool(b);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(bools),
        Value::Object(m) => m.values_mut().for_each(bools),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(text: &str) -> ConfigDoc {
        parse("t.yaml", text).expect("valid template").remove(0)
    }

    const TEMPLATE: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Encrypt:
    Type: String
    Default: 'false'
  Env:
    Type: String
    Default: prod
  Subnets:
    Type: CommaDelimitedList
    Default: a, b
  Ami:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /aws/ami
  NoDefault:
    Type: String
Mappings:
  Sizes:
    prod: {Size: 3}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknown: !Equals [!Ref NoDefault, x]
  Mixed: !Or [!Condition Unknown, !Condition IsProd]
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      StorageEncrypted: !Ref Encrypt
      MultiAZ: !If [IsProd, true, false]
      DeletionProtection: !If [IsDev, true, !Ref AWS::NoValue]
      BackupRetentionPeriod: !FindInMap [Sizes, !Ref Env, Size]
      DBName: !Sub '${Env}-db-${!Literal}'
      Name2: !Join ['-', [!Ref Env, x]]
      Sub: !Select [1, !Ref Subnets]
      Image: !Ref Ami
      Other: !Ref NoDefault
      Arn: !GetAtt Bucket.Arn
      Publicly: 'True'
      Flag: !If [Mixed, {Nested: 'false'}, {}]
      Region: !Sub '${AWS::Region}-x'
";

    #[test]
    fn short_forms_become_long_forms_and_resolve() {
        let d = doc(TEMPLATE);
        let p = &d.value["Resources"]["Db"]["Properties"];
        assert_eq!(p["StorageEncrypted"], json!(false));
        assert_eq!(p["MultiAZ"], json!(true));
        assert!(
            p.get("DeletionProtection").is_none(),
            "AWS::NoValue removes"
        );
        assert_eq!(p["BackupRetentionPeriod"], json!(3));
        assert_eq!(p["DBName"], json!("prod-db-${Literal}"));
        assert_eq!(p["Name2"], json!("prod-x"));
        assert_eq!(p["Sub"], json!("b"));
        assert_eq!(p["Publicly"], json!(true));
        assert_eq!(p["Flag"], json!({"Nested": false}));
        // Unknowns stay in long form.
        assert_eq!(p["Image"], json!({"Ref": "Ami"}));
        assert_eq!(p["Other"], json!({"Ref": "NoDefault"}));
        assert_eq!(p["Arn"], json!({"Fn::GetAtt": ["Bucket", "Arn"]}));
        assert_eq!(p["Region"], json!({"Fn::Sub": "${AWS::Region}-x"}));
        assert!(is_unknown(&p["Other"]) && !is_unknown(&p["MultiAZ"]));
        // Conditions stay unresolved where they are written.
        assert_eq!(
            d.value["Conditions"]["IsDev"],
            json!({"Fn::Not": [{"Condition": "IsProd"}]})
        );
    }

    #[test]
    fn resolved_values_keep_the_property_span() {
        let d = doc(TEMPLATE);
        let line = |ptr: &str| {
            let s = d.span_for(ptr);
            TEMPLATE[s.start..s.end]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        };
        assert_eq!(
            line("/Resources/Db/Properties/StorageEncrypted"),
            "StorageEncrypted: !Ref Encrypt"
        );
        // The chosen branch's nodes keep their own spans, the property its line.
        assert_eq!(
            line("/Resources/Db/Properties/Flag/Nested"),
            "Nested: 'false'"
        );
        assert!(line("/Resources/Db/Properties/Flag").starts_with("Flag: !If [Mixed"));
        assert_eq!(line("/Resources/Db/Properties/Other/Ref"), "!Ref NoDefault");
        // Where a resolved value was set.
        let origin =
            |ptr: &str| origin(&d, ptr).map(|s| TEMPLATE[s.start..s.end].trim().to_string());
        assert_eq!(
            origin("/Resources/Db/Properties/StorageEncrypted").as_deref(),
            Some("Default: 'false'")
        );
        assert_eq!(
            origin("/Resources/Db/Properties/BackupRetentionPeriod").as_deref(),
            Some("Size: 3")
        );
        assert_eq!(origin("/Resources/Db/Properties/MultiAZ"), None);
        assert_eq!(origin("/Resources/Db/Properties/Other"), None);
    }

    #[test]
    fn tolerated_yaml_is_noted() {
        let text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Type: AWS::S3::Bucket\n";
        let (docs, note) = parse_noted("t.yaml", text);
        assert_eq!(docs.expect("read as kubectl would").len(), 1);
        assert!(note.is_some_and(|n| n.message.contains("duplicate")));
    }

    #[test]
    fn other_yaml_keeps_tags_as_before() {
        let text = "a: !Ref x\nb: !reference [.job, script]\n";
        let d = yaml::parse(text, DocumentKind::Yaml)
            .expect("valid")
            .remove(0);
        assert_eq!(d.value, json!({"a": "x", "b": [".job", "script"]}));
        let d = yaml::parse(text, DocumentKind::Cloudformation)
            .expect("valid")
            .remove(0);
        assert_eq!(d.value, json!({"a": {"Ref": "x"}, "b": [".job", "script"]}));
    }

    #[test]
    fn json_templates_resolve_too() {
        let text = r#"{"Parameters": {"P": {"Type": "String", "Default": "true"}},
 "Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"X": {"Ref": "P"}, "Y": {"Fn::If": ["C", 1, 2]}}}}}"#;
        let d = parse("t.json", text).expect("valid").remove(0);
        assert_eq!(d.value["Resources"]["B"]["Properties"]["X"], json!(true));
        // An undefined condition is unknown.
        assert!(is_unknown(&d.value["Resources"]["B"]["Properties"]["Y"]));
    }

    /// A large default referenced many times resolves until the budget is spent, then stays
    /// unknown: the document does not grow without bound.
    #[test]
    fn resolution_is_bounded() {
        let big = "x".repeat(100_000);
        let mut text = format!(
            "Parameters:\n  P:\n    Type: String\n    Default: {big}\nResources:\n  R:\n    Properties:\n"
        );
        for i in 0..2000 {
            text.push_str(&format!("      K{i}: !Sub '${{P}}${{P}}${{P}}'\n"));
        }
        let d = doc(&text);
        let props = d.value["Resources"]["R"]["Properties"]
            .as_object()
            .expect("map");
        let known = props.values().filter(|v| v.is_string()).count();
        assert!(known > 0 && known < 100, "{known} resolved");
        assert!(is_unknown(&props["K1999"]));
    }

    #[test]
    fn self_referencing_conditions_end() {
        let d = doc(
            "Conditions:\n  A: !Condition A\nResources:\n  R:\n    Properties:\n      X: !If [A, 1, 2]\n",
        );
        assert!(is_unknown(&d.value["Resources"]["R"]["Properties"]["X"]));
    }
}
