//! IAM policy documents in their three Terraform spellings: a JSON string (quoted or heredoc), a
//! `jsonencode({...})` value, and `data "aws_iam_policy_document"` `statement` blocks.
//!
//! - admin: an `Allow` statement granting `*` (or `*:*`) actions on `*` resources.
//! - passrole: an `Allow` statement whose actions match `iam:PassRole` through a pattern narrower
//!   than `*` (`iam:PassRole`, `iam:*`, `iam:Pass*`) on `*` resources.
//! - public bucket: an S3 bucket policy `Allow` statement for principal `*` (or `{AWS = "*"}`)
//!   without any `Condition`.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{blocks, items, report, strings, text};
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, Span};
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::aws::controls::{Grant, Stmt, json_statements};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Admin,
    PassRole,
    PublicBucket,
}

pub struct PolicyRule(pub Kind);

/// Where a policy lives, to cite a statement's parts.
enum Origin {
    /// The policy is a value in the document: statement pointers are absolute.
    Value,
    /// A JSON string at this attribute pointer: cite the line inside the string.
    Text(String),
}

static DATA_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bdata\.aws_iam_policy_document\.([A-Za-z_][A-Za-z0-9_-]*)").expect("static regex")
});

impl Check for PolicyRule {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            match self.0 {
                Kind::Admin | Kind::PassRole => self.identity(doc, cdoc, cx),
                Kind::PublicBucket => public_bucket(doc, cdoc, cx),
            }
        }
    }
}

impl PolicyRule {
    fn identity(&self, doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext) {
        let iam = |t: &str| t.starts_with("aws_iam_") || t.starts_with("aws_ssoadmin_");
        for b in blocks(cdoc, "resource", iam) {
            let mut attrs: Vec<(String, &Value)> = Vec::new();
            for key in ["policy", "inline_policy"] {
                if let Some(v) = b.value.get(key)
                    && !v.is_array()
                {
                    attrs.push((format!("{}/{key}", b.ptr), v));
                }
            }
            for (ip, inline) in items(b.value, &b.ptr, "inline_policy") {
                if let Some(v) = inline.get("policy") {
                    attrs.push((format!("{ip}/policy"), v));
                }
            }
            for (ptr, v) in attrs {
                let (stmts, origin) = policy_statements(v, &ptr);
                self.judge(doc, cdoc, cx, &stmts, &origin);
            }
        }
        for b in blocks(cdoc, "data", |t| t == "aws_iam_policy_document") {
            let stmts = data_statements(b.value, &b.ptr);
            self.judge(doc, cdoc, cx, &stmts, &Origin::Value);
        }
    }

    fn judge(
        &self,
        doc: &Document,
        cdoc: &ConfigDoc,
        cx: &mut RuleContext,
        stmts: &[Stmt],
        origin: &Origin,
    ) {
        let grant = match self.0 {
            Kind::Admin => Grant::Admin,
            Kind::PassRole => Grant::PassRole,
            Kind::PublicBucket => return,
        };
        for s in stmts {
            let Some((ptr, action)) = s.grants(grant) else {
                continue;
            };
            let (msg, needle) = match grant {
                Grant::Admin => (
                    "IAM policy allows every action ('*') on every resource".to_string(),
                    r#""(Action)"\s*:\s*(\[[^\]]*)?"\*(:\*)?""#,
                ),
                Grant::PassRole => (
                    format!("IAM policy allows '{action}' (iam:PassRole) on any role ('*')"),
                    r#"(?i)"iam:(PassRole|\*|Pass\*|P\*)""#,
                ),
            };
            cite(cx, doc, cdoc, origin, ptr, needle, msg);
        }
    }
}

/// Bucket policies (`aws_s3_bucket_policy`, legacy `aws_s3_bucket.policy`), following a
/// `data.aws_iam_policy_document.<name>.json` reference into the same file.
fn public_bucket(doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext) {
    let mut seen_data = HashSet::new();
    let data: Vec<_> = blocks(cdoc, "data", |t| t == "aws_iam_policy_document");
    for b in blocks(cdoc, "resource", |t| {
        t == "aws_s3_bucket_policy" || t == "aws_s3_bucket"
    }) {
        let Some(v) = b.value.get("policy") else {
            continue;
        };
        let ptr = format!("{}/policy", b.ptr);
        if let Some(s) = v.as_str()
            && let Some(c) = DATA_REF.captures(s)
        {
            if let Some(d) = data.iter().find(|d| d.name == &c[1])
                && seen_data.insert(d.name)
            {
                judge_public(
                    doc,
                    cdoc,
                    cx,
                    &data_statements(d.value, &d.ptr),
                    &Origin::Value,
                );
            }
            continue;
        }
        let (stmts, origin) = policy_statements(v, &ptr);
        judge_public(doc, cdoc, cx, &stmts, &origin);
    }
}

fn judge_public(
    doc: &Document,
    cdoc: &ConfigDoc,
    cx: &mut RuleContext,
    stmts: &[Stmt],
    origin: &Origin,
) {
    for s in stmts {
        if let Some(p) = s.public_grant() {
            cite(
                cx,
                doc,
                cdoc,
                origin,
                p,
                r#""Principal"\s*:\s*(\{[^}]*)?"\*""#,
                "S3 bucket policy allows access to everyone (Principal '*') without a condition"
                    .to_string(),
            );
        }
    }
}

fn cite(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    origin: &Origin,
    ptr: &str,
    needle: &str,
    msg: String,
) {
    match origin {
        Origin::Value => report(cx, doc, cdoc, ptr, msg),
        Origin::Text(attr) => {
            let span = line_in(cdoc, attr, needle, &doc.text)
                .unwrap_or_else(|| best_span(cdoc, attr, &doc.text));
            cx.report(&doc.path, Some(span), msg)
                .with_key_mut(format!("{}#{attr}{ptr}", cdoc.index));
        }
    }
}

/// The line (trimmed) where `needle` first matches inside the attribute at `attr`.
fn line_in(cdoc: &ConfigDoc, attr: &str, needle: &str, text: &str) -> Option<Span> {
    let re = Regex::new(needle).ok()?;
    let whole = cdoc.span_for(attr).clamp_to(text);
    let body = text.get(whole.start..whole.end)?;
    let at = whole.start + re.find(body)?.start();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let lead = text[start..end].len() - text[start..end].trim_start().len();
    Some(Span::new(start + lead, end))
}

/// Statements of a policy given as a value (`jsonencode`) or a JSON string.
fn policy_statements(v: &Value, ptr: &str) -> (Vec<Stmt>, Origin) {
    match v {
        Value::Object(_) => (json_statements(v, ptr), Origin::Value),
        Value::String(s) => match serde_json::from_str::<Value>(s.trim()) {
            Ok(parsed) if parsed.is_object() => {
                (json_statements(&parsed, ""), Origin::Text(ptr.to_string()))
            }
            _ => (Vec::new(), Origin::Value),
        },
        _ => (Vec::new(), Origin::Value),
    }
}

/// Statements of `data "aws_iam_policy_document"` (`effect` defaults to `Allow`).
fn data_statements(v: &Value, ptr: &str) -> Vec<Stmt> {
    items(v, ptr, "statement")
        .into_iter()
        .map(|(p, s)| {
            let actions = strings(s.get("actions"))
                .into_iter()
                .map(|(rel, a)| (format!("{p}/actions{rel}"), a.to_string()))
                .collect();
            let mut public_principal = None;
            for (pp, pr) in items(s, &p, "principals") {
                let ty = text(pr.get("type")).unwrap_or_default();
                if ty != "*" && ty != "AWS" {
                    continue;
                }
                if let Some((rel, _)) = strings(pr.get("identifiers"))
                    .into_iter()
                    .find(|(_, x)| *x == "*")
                {
                    public_principal = Some(format!("{pp}/identifiers{rel}"));
                    break;
                }
            }
            Stmt {
                allow: text(s.get("effect")).is_none_or(|e| e.eq_ignore_ascii_case("allow"))
                    && s.get("effect").is_none_or(Value::is_string),
                not_action: s.get("not_actions").is_some(),
                actions,
                resources: strings(s.get("resources"))
                    .into_iter()
                    .map(|(_, r)| r.to_string())
                    .collect(),
                public_principal,
                has_condition: s.get("condition").is_some(),
            }
        })
        .collect()
}
