//! Terraform plan JSON (`terraform show -json plan.out`) → the HCL value model of
//! [`super::hcl`], so the `terraform` rules judge what Terraform is about to create.
//!
//! Recognised by content ([`is_plan`]: `format_version` and `planned_values`). Every resource of
//! `planned_values` — the root module and, recursively, its `child_modules` — becomes
//! `$.resource.<type>.<address>` (data sources `$.data.<type>.<address>`) holding its `values`:
//! the names are full resource addresses (`module.logs.aws_s3_bucket.this[0]`), so messages that
//! name a resource name its address, and [`address_of`] gives it to the engine for every other
//! finding. Nested blocks already are arrays of objects in plan JSON, as the model wants. A value
//! Terraform only knows after apply is absent or `null` there, never a literal, so it is never a
//! finding for the rules that judge values.
//!
//! Spans: each node keeps the span of the JSON it came from; a resource is cited at its
//! `"address"` line.

use serde_json::{Map, Value};

use super::tfjson::{copy_tree, source};
use super::{ConfigDoc, ParseError, pointer_escape};

/// Whether a JSON text is a Terraform plan (a cheap look before parsing).
pub fn is_plan(text: &str) -> bool {
    let head = &text[..text.len().min(4096)];
    head.contains("\"format_version\"") && text.contains("\"planned_values\"")
}

pub fn parse(path: &str, text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    let Some((src, mut out)) = source(path, text)? else {
        return Ok(Vec::new());
    };
    let src = &src;
    let mut root = Map::new();
    let mut stack = vec!["/planned_values/root_module".to_string()];
    // Modules nest; a hostile plan cannot nest deeper than serde_json's 128 levels.
    while let Some(mptr) = stack.pop() {
        let Some(module) = src.value.pointer(&mptr) else {
            continue;
        };
        if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
            for i in (0..children.len()).rev() {
                stack.push(format!("{mptr}/child_modules/{i}"));
            }
        }
        let Some(resources) = module.get("resources").and_then(Value::as_array) else {
            continue;
        };
        for (i, r) in resources.iter().enumerate() {
            let (Some(address), Some(rtype)) = (
                r.get("address").and_then(Value::as_str),
                r.get("type").and_then(Value::as_str),
            ) else {
                continue;
            };
            let section = match r.get("mode").and_then(Value::as_str) {
                Some("data") => "data",
                _ => "resource",
            };
            let values = r
                .get("values")
                .cloned()
                .unwrap_or(Value::Object(Map::new()));
            let old = format!("{mptr}/resources/{i}");
            let new = format!(
                "/{section}/{}/{}",
                pointer_escape(rtype),
                pointer_escape(address)
            );
            copy_tree(src, &mut out, &format!("{old}/values"), &new, &values);
            if let Some(s) = src.spans.get(&old) {
                out.spans.insert(&new, *s);
            }
            if let Some(s) = src.spans.get(&format!("{old}/address")) {
                out.key_spans.insert(&new, *s);
            }
            let by_type = root
                .entry(section)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = by_type {
                let named = m.entry(rtype).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(n) = named {
                    n.insert(address.to_string(), values);
                }
            }
        }
    }
    out.value = Value::Object(root);
    Ok(vec![out])
}

/// The resource address a finding's pointer (`/resource/<type>/<address>/…`) is under.
pub fn address_of(pointer: &str) -> Option<String> {
    let mut parts = pointer.split('/').skip(1);
    let section = parts.next()?;
    if section != "resource" && section != "data" {
        return None;
    }
    parts.next()?;
    Some(parts.next()?.replace("~1", "/").replace("~0", "~"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn planned_values_become_resources_by_address() {
        let text = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_s3_bucket_acl.site",
          "mode": "managed",
          "type": "aws_s3_bucket_acl",
          "name": "site",
          "values": { "acl": "public-read", "bucket": "acme" }
        }
      ],
      "child_modules": [
        {
          "address": "module.db",
          "resources": [
            {
              "address": "module.db.aws_db_instance.this[0]",
              "mode": "managed",
              "type": "aws_db_instance",
              "values": { "storage_encrypted": false, "tags": {} }
            }
          ]
        }
      ]
    }
  }
}"#;
        assert!(is_plan(text));
        let d = parse("plan.json", text).unwrap().remove(0);
        assert_eq!(
            d.value["resource"]["aws_s3_bucket_acl"]["aws_s3_bucket_acl.site"]["acl"],
            json!("public-read")
        );
        let db = "/resource/aws_db_instance/module.db.aws_db_instance.this[0]";
        assert_eq!(
            d.value.pointer(&format!("{db}/storage_encrypted")),
            Some(&json!(false))
        );
        let s = d.spans[format!("{db}/storage_encrypted").as_str()];
        assert_eq!(&text[s.start..s.end], r#""storage_encrypted": false"#);
        let k = d.key_spans[db];
        assert_eq!(
            &text[k.start..k.end],
            r#""address": "module.db.aws_db_instance.this[0]""#
        );
        assert_eq!(
            address_of(&format!("{db}/storage_encrypted")).as_deref(),
            Some("module.db.aws_db_instance.this[0]")
        );
        assert!(!is_plan(r#"{"format_version": "1.0"}"#));
    }
}
