//! Built-in `terraform` rules: what a per-node declaration cannot say — companion resources that
//! must reference an S3 bucket (across the files of one module directory), IAM policy documents
//! in their three spellings (JSON string, `jsonencode`, `aws_iam_policy_document`), and port
//! ranges in security groups, firewalls and network security groups.
//!
//! All of them read the HCL value model documented in [`crate::document::hcl`]. A value that is
//! not a literal (a reference or expression, kept as its source text) is never a finding.

mod cidr;
mod iam;
mod net;
mod s3;

use serde_json::Value;

use super::Factory;
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, pointer_escape};
use crate::rule::RuleContext;

/// Built-in rules of the `terraform` pack, sorted by id.
pub const RULES: &[(&str, Factory)] = &[
    ("terraform/aws-iam-passrole-wildcard", || {
        Box::new(iam::PolicyRule(iam::Kind::PassRole))
    }),
    ("terraform/aws-iam-wildcard-admin", || {
        Box::new(iam::PolicyRule(iam::Kind::Admin))
    }),
    ("terraform/aws-s3-encryption-missing", || {
        Box::new(s3::Companion(s3::Which::Encryption))
    }),
    ("terraform/aws-s3-public-access-block-missing", || {
        Box::new(s3::Companion(s3::Which::PublicAccessBlock))
    }),
    ("terraform/aws-s3-public-policy", || {
        Box::new(iam::PolicyRule(iam::Kind::PublicBucket))
    }),
    ("terraform/aws-s3-versioning-disabled", || {
        Box::new(s3::Companion(s3::Which::Versioning))
    }),
    ("terraform/aws-security-group-open-admin-port", || {
        Box::new(net::OpenPorts(net::Class::AwsAdmin))
    }),
    ("terraform/aws-security-group-open-all-ports", || {
        Box::new(net::OpenPorts(net::Class::AwsAll))
    }),
    ("terraform/aws-security-group-open-database-port", || {
        Box::new(net::OpenPorts(net::Class::AwsDatabase))
    }),
    ("terraform/azure-nsg-open-admin-port", || {
        Box::new(net::OpenPorts(net::Class::AzureAdmin))
    }),
    ("terraform/gcp-firewall-open-admin-port", || {
        Box::new(net::OpenPorts(net::Class::GcpAdmin))
    }),
];

/// One `resource` (or `data`) block of a parsed file.
pub(crate) struct Block<'a> {
    pub rtype: &'a str,
    pub name: &'a str,
    pub value: &'a Value,
    /// JSON Pointer of the block (`/resource/<type>/<name>`).
    pub ptr: String,
}

/// Blocks of `section` (`resource` or `data`) whose type satisfies `want`.
pub(crate) fn blocks<'a>(
    cdoc: &'a ConfigDoc,
    section: &str,
    want: impl Fn(&str) -> bool,
) -> Vec<Block<'a>> {
    let mut out = Vec::new();
    let Some(types) = cdoc.value.get(section).and_then(Value::as_object) else {
        return out;
    };
    for (rtype, named) in types {
        if !want(rtype) {
            continue;
        }
        let Some(named) = named.as_object() else {
            continue;
        };
        for (name, value) in named {
            if !value.is_object() {
                continue;
            }
            out.push(Block {
                rtype,
                name,
                value,
                ptr: format!(
                    "/{section}/{}/{}",
                    pointer_escape(rtype),
                    pointer_escape(name)
                ),
            });
        }
    }
    out
}

/// The items of a nested block (or list attribute) `key` of `v`, with their pointers.
pub(crate) fn items<'a>(v: &'a Value, ptr: &str, key: &str) -> Vec<(String, &'a Value)> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .filter(|(_, x)| x.is_object())
            .map(|(i, x)| (format!("{ptr}/{}/{i}", pointer_escape(key)), x))
            .collect(),
        Some(o @ Value::Object(_)) => vec![(format!("{ptr}/{}", pointer_escape(key)), o)],
        _ => Vec::new(),
    }
}

/// Report at `ptr` of `cdoc`, with a stable fingerprint key.
pub(crate) fn report(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    msg: String,
) {
    let span = best_span(cdoc, ptr, &doc.text);
    cx.report(&doc.path, Some(span), msg)
        .with_key_mut(format!("{}#{ptr}", cdoc.index));
}

/// A literal string value (references are strings too, so callers decide what they accept).
pub(crate) fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// Whether a string of the value tree is an expression's source text rather than a literal
/// (see [`crate::document::hcl`]): a reference to a variable, local, module output, data source,
/// iterator or count, a function call, or a template with interpolation. Its value is unknown.
pub(crate) fn is_expression(s: &str) -> bool {
    const ROOTS: &[&str] = &[
        "var.",
        "local.",
        "module.",
        "data.",
        "each.",
        "count.",
        "self.",
        "path.",
        "terraform.",
    ];
    let s = s.trim();
    let call = s.find('(').is_some_and(|i| {
        i > 0
            && s[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
    });
    // A `dynamic` block iterator (`ingress.value.port`, `rule.key`): any name, then key/value.
    let mut segs = s.split('.');
    let iterator = segs.next().is_some_and(|first| {
        !first.is_empty()
            && first
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    }) && matches!(segs.next(), Some("value" | "key"));
    ROOTS.iter().any(|r| s.starts_with(r)) || call || iterator || s.contains("${")
}

/// A literal number, also written as a string (`"22"`); `None` for references.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The strings of a list attribute (or a single string), ignoring non-strings.
/// Each comes with its pointer relative to the attribute (`/3`, or empty for a single string).
pub(crate) fn strings(v: Option<&Value>) -> Vec<(String, &str)> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.as_str().map(|s| (format!("/{i}"), s)))
            .collect(),
        Some(Value::String(s)) => vec![(String::new(), s.as_str())],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_expression;

    #[test]
    fn expressions_are_not_literals() {
        for e in [
            "var.encrypted",
            "local.rot",
            "each.value.enabled",
            "data.aws_kms_key.x.arn",
            "module.bucket.id",
            "lookup(var.x, \"k\", true)",
            "provider::aws::arn_parse(var.arn)",
            "${var.prefix}-logs",
            "statement.value.not_actions",
            "rule.key",
        ] {
            assert!(is_expression(e), "{e}");
        }
        for l in [
            "acme-logs",
            "my.bucket.example.com",
            "AES256",
            "(not a call)",
            "",
        ] {
            assert!(!is_expression(l), "{l}");
        }
    }
}
