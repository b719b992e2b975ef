//! Terraform's JSON syntax (`*.tf.json`) → the HCL value model of [`super::hcl`].
//!
//! The top level reads as in HCL (`resource.<type>.<name>`, `data`, `module`, `variable`,
//! `locals`, `provider` as an array). JSON has no syntax for blocks, and without the providers'
//! schemas a block can only be told from a map attribute by its content: inside a resource, an
//! object holding any non-string value (`"versioning": {"enabled": true}`, `"ingress": {…}`) is
//! a nested block and becomes a one-element array, as the model wants; an object of strings
//! (`"tags"`) stays a map; an array of objects is a list of blocks. Strings with `${…}` are
//! expressions, whose value is unknown (kept as text, as in HCL). Spans are the JSON's.

use serde_json::{Map, Value};

use super::{ConfigDoc, ParseError, SpanMap, pointer_escape};

/// The parsed JSON file (its first document) and an empty document with its span, to build the
/// model into; `None` for an empty file. Shared with the plan reader ([`super::tfplan`]).
pub(super) fn source(path: &str, text: &str) -> Result<Option<(ConfigDoc, ConfigDoc)>, ParseError> {
    let Some(src) = super::yaml::parse_json_file(path, text)?.into_iter().next() else {
        return Ok(None);
    };
    let out = ConfigDoc {
        value: Value::Null,
        spans: SpanMap::default(),
        key_spans: SpanMap::default(),
        index: 0,
        span: src.span,
    };
    Ok(Some((src, out)))
}

pub fn parse(path: &str, text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    let Some((src, mut out)) = source(path, text)? else {
        return Ok(Vec::new());
    };
    let src = &src;
    let mut root = Map::new();
    let Some(top) = src.value.as_object() else {
        return Ok(vec![out]);
    };
    for (section, v) in top {
        let sp = format!("/{}", pointer_escape(section));
        copy(src, &mut out, &sp, &sp);
        let converted = match (section.as_str(), v) {
            // Labelled blocks: `<section>.<type>.<name>` or `<section>.<name>` bodies.
            ("resource" | "data", Value::Object(types)) => {
                let mut m = Map::new();
                for (t, named) in types {
                    let tp = format!("{sp}/{}", pointer_escape(t));
                    copy(src, &mut out, &tp, &tp);
                    let mut n = Map::new();
                    for (name, body) in named.as_object().into_iter().flatten() {
                        let bp = format!("{tp}/{}", pointer_escape(name));
                        // A body may be written as an array of one object.
                        let (body, old) = match body {
                            Value::Array(a) if a.len() == 1 => (&a[0], format!("{bp}/0")),
                            _ => (body, bp.clone()),
                        };
                        n.insert(name.clone(), block_body(src, &mut out, body, &old, &bp));
                    }
                    m.insert(t.clone(), Value::Object(n));
                }
                Value::Object(m)
            }
            ("module" | "variable" | "output", Value::Object(named)) => {
                let mut m = Map::new();
                for (name, body) in named {
                    let bp = format!("{sp}/{}", pointer_escape(name));
                    m.insert(name.clone(), block_body(src, &mut out, body, &bp, &bp));
                }
                Value::Object(m)
            }
            _ => {
                copy_tree(src, &mut out, &sp, &sp, v);
                v.clone()
            }
        };
        root.insert(section.clone(), converted);
    }
    out.value = Value::Object(root);
    Ok(vec![out])
}

/// A block body at `old` in the JSON, at `new` in the model: nested blocks become arrays.
fn block_body(src: &ConfigDoc, out: &mut ConfigDoc, v: &Value, old: &str, new: &str) -> Value {
    copy(src, out, old, new);
    let Value::Object(m) = v else {
        copy_tree(src, out, old, new, v);
        return v.clone();
    };
    let mut body = Map::new();
    for (k, c) in m {
        let t = pointer_escape(k);
        let (o, n) = (format!("{old}/{t}"), format!("{new}/{t}"));
        let value = match c {
            Value::Object(inner) if is_block(inner) => {
                copy(src, out, &o, &n);
                Value::Array(vec![block_body(src, out, c, &o, &format!("{n}/0"))])
            }
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                copy(src, out, &o, &n);
                Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            block_body(src, out, x, &format!("{o}/{i}"), &format!("{n}/{i}"))
                        })
                        .collect(),
                )
            }
            _ => {
                copy_tree(src, out, &o, &n, c);
                c.clone()
            }
        };
        body.insert(k.clone(), value);
    }
    Value::Object(body)
}

/// An object that is a nested block rather than a map of strings.
fn is_block(m: &Map<String, Value>) -> bool {
    m.values().any(|v| !v.is_string())
}

fn copy(src: &ConfigDoc, out: &mut ConfigDoc, old: &str, new: &str) {
    if let Some(s) = src.spans.get(old) {
        out.spans.insert(new, *s);
    }
    if let Some(s) = src.key_spans.get(old) {
        out.key_spans.insert(new, *s);
    }
}

/// [`copy`] for a node and everything under it, at the same relative pointers.
pub(super) fn copy_tree(src: &ConfigDoc, out: &mut ConfigDoc, old: &str, new: &str, v: &Value) {
    copy(src, out, old, new);
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let t = pointer_escape(k);
                copy_tree(src, out, &format!("{old}/{t}"), &format!("{new}/{t}"), c);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                copy_tree(src, out, &format!("{old}/{i}"), &format!("{new}/{i}"), c);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_become_arrays_and_maps_stay_maps() {
        let text = r#"{
  "resource": {
    "aws_security_group": {
      "web": {
        "tags": { "Name": "web" },
        "ingress": { "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"] },
        "egress": [{ "from_port": 0 }, { "from_port": 1 }],
        "name": "${var.name}"
      }
    }
  },
  "variable": { "name": { "default": "web" } }
}"#;
        let d = parse("main.tf.json", text).unwrap().remove(0);
        let sg = &d.value["resource"]["aws_security_group"]["web"];
        assert_eq!(sg["tags"], json!({"Name": "web"}));
        assert_eq!(sg["ingress"][0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(sg["egress"][1]["from_port"], json!(1));
        assert_eq!(sg["name"], json!("${var.name}"));
        assert_eq!(d.value["variable"]["name"]["default"], json!("web"));
        let p = "/resource/aws_security_group/web/ingress/0/cidr_blocks";
        let s = d.spans[p];
        assert!(text[s.start..s.end].starts_with(r#""cidr_blocks": ["0.0.0.0/0""#));
    }
}
