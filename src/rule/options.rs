//! Rule options: defaults in the rule file's `options:`, overridden per rule by `[rules.<id>]` in
//! `bylaw.toml`. An option's type is its default's: a string, a number, a boolean or a list of
//! strings. Keys ending in `-pattern` (a string) or `-patterns` (a list) hold regular expressions,
//! compiled once when the rule file or the policy loads (a bad one is a load error), never per file.

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

/// Compiled regular-expression options of one rule: key → its regexes.
#[derive(Debug, Clone, Default)]
pub struct CompiledOptions(BTreeMap<String, Arc<Vec<Regex>>>);

impl CompiledOptions {
    pub fn get(&self, key: &str) -> Option<&[Regex]> {
        self.0.get(key).map(|v| v.as_slice())
    }

    pub fn insert(&mut self, key: &str, regexes: Vec<Regex>) {
        self.0.insert(key.to_string(), Arc::new(regexes));
    }
}

/// Whether `key` holds regular expressions.
pub fn is_regex_key(key: &str) -> bool {
    key.ends_with("-pattern") || key.ends_with("-patterns")
}

/// The type an option's default declares, for messages: `None` when no policy value can have it.
fn type_name(default: &Value) -> Option<&'static str> {
    match default {
        Value::String(_) => Some("a string"),
        Value::Number(_) => Some("a number"),
        Value::Bool(_) => Some("a boolean"),
        Value::Array(a) if a.iter().all(Value::is_string) => Some("a list of strings"),
        _ => None,
    }
}

/// Check `value` against the type of `default` and compile it when `key` holds regexes.
/// `Ok(None)`: valid, no regex. `Err`: what is wrong, for a message naming the file, rule and key.
pub fn check(key: &str, default: &Value, value: &Value) -> Result<Option<Vec<Regex>>, String> {
    let Some(want) = type_name(default) else {
        return Err("this option cannot be set from a policy file".into());
    };
    let ok = match default {
        Value::String(_) => value.is_string(),
        Value::Number(_) => value.is_number(),
        Value::Bool(_) => value.is_boolean(),
        _ => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string)),
    };
    if !ok {
        return Err(format!("expected {want}, got {}", describe(value)));
    }
    if !is_regex_key(key) {
        return Ok(None);
    }
    let texts: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    texts
        .into_iter()
        .map(|t| Regex::new(t).map_err(|e| format!("invalid regular expression `{t}`: {e}")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Validate a rule file's `options:` (a table of defaults whose types a policy can match) and
/// compile its regex defaults.
pub fn compile_defaults(options: &Value) -> Result<CompiledOptions, String> {
    let mut out = CompiledOptions::default();
    let Some(map) = options.as_object() else {
        return Err("expected a table of option defaults".into());
    };
    for (key, default) in map {
        match check(key, default, default) {
            Ok(Some(res)) => out.insert(key, res),
            Ok(None) => {}
            Err(e) => return Err(format!("option `{key}`: {e}")),
        }
    }
    Ok(out)
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(a) if a.iter().all(Value::is_string) => "a list of strings".into(),
        Value::Array(_) => "a list with values that are not strings".into(),
        Value::Object(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_must_have_the_defaults_type() {
        assert!(check("min-entropy", &json!(3.0), &json!(4)).is_ok());
        let e = check("min-entropy", &json!(3.0), &json!("high")).unwrap_err();
        assert_eq!(e, "expected a number, got the string \"high\"");
        let e = check("trusted-owners", &json!([]), &json!([1, 2])).unwrap_err();
        assert!(e.contains("expected a list of strings"), "{e}");
        assert!(check("trusted-owners", &json!([]), &json!(["my-org"])).is_ok());
        assert!(check("allow-x", &json!(true), &json!("yes")).is_err());
        assert!(check("name", &json!("a"), &json!(["a"])).is_err());
    }

    #[test]
    fn regex_options_compile_once() {
        let e = check("nonroot-image-patterns", &json!([]), &json!(["("])).unwrap_err();
        assert!(e.starts_with("invalid regular expression `(`"), "{e}");
        let res = check("nonroot-image-patterns", &json!([]), &json!(["^a", "b$"]))
            .unwrap()
            .unwrap();
        assert_eq!(res.len(), 2);
        let one = check("skip-pattern", &json!(""), &json!("x+"))
            .unwrap()
            .unwrap();
        assert!(one[0].is_match("xx"));
        let defaults = compile_defaults(&json!({"x-patterns": ["^a"], "n": 1})).unwrap();
        assert!(
            defaults
                .get("x-patterns")
                .is_some_and(|r| r[0].is_match("ab"))
        );
        assert!(defaults.get("n").is_none());
        assert!(compile_defaults(&json!({"x-patterns": ["("]})).is_err());
        assert!(compile_defaults(&json!({"nested": {"a": 1}})).is_err());
    }
}
