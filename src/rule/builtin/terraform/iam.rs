//! IAM policy documents in their three Terraform spellings: a JSON string (quoted or heredoc), a
//! `jsonencode({...})` value, and `data "aws_iam_policy_document"` `statement` blocks.
//!
//! - admin: an `Allow` statement on `*` resources granting `*` (or `*:*`) actions, or `iam:*`
//!   (whoever may change IAM can grant itself everything), or every action but a `NotAction`
//!   list that leaves some IAM privilege-granting action allowed; and attachments of the
//!   AWS-managed `AdministratorAccess` policy (in any partition).
//! - passrole: an `Allow` statement whose actions match `iam:PassRole` through a pattern narrower
//!   than `*` and other than `iam:*` (`iam:PassRole`, `iam:Pass*`), or a `NotAction` list that
//!   does not exclude it, on `*` resources — unless the statement is already admin-equivalent.
//! - public bucket: an S3 bucket policy `Allow` statement for principal `*` (or `{AWS = "*"}`)
//!   without any `Condition`.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{blocks, is_expression, items, report, strings, text};
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, Span};
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::aws::controls::{Stmt, glob_ci, json_statements};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Admin,
    PassRole,
    PublicBucket,
}

pub struct PolicyRule(pub Kind);

/// Where a policy lives, to cite a statement's parts. Statements are [`Stmt`]s, normalised as
/// for CloudFormation; their pointers are absolute when the policy is a value in the document
/// (`jsonencode`, data source) and relative to the parsed string otherwise.
enum Origin {
    /// The policy is a value in the document: statement pointers are absolute.
    Value,
    /// A JSON string at this attribute pointer: cite the line inside the string.
    Text(String),
}

/// IAM actions that let a principal grant itself any permission.
const IAM_ESCALATION: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
];

/// The AWS-managed administrator policy, in every partition.
static ADMIN_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[a-z-]+)?:iam::aws:policy/AdministratorAccess$").expect("static regex")
});

/// Attributes holding managed policy ARNs attached to a principal.
const ARN_KEYS: &[&str] = &[
    "policy_arn",
    "managed_policy_arn",
    "managed_policy_arns",
    "policy_arns",
];

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
            if self.0 == Kind::Admin {
                for key in ARN_KEYS {
                    for (rel, arn) in strings(b.value.get(*key)) {
                        if ADMIN_ARN.is_match(arn.trim()) {
                            report(
                                cx,
                                doc,
                                cdoc,
                                &format!("{}/{key}{rel}", b.ptr),
                                format!(
                                    "{} attaches the AWS-managed AdministratorAccess policy (every action on every resource)",
                                    b.rtype
                                ),
                            );
                        }
                    }
                }
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
        for s in stmts {
            if !s.allow || !s.resources.iter().any(|r| r == "*") {
                continue;
            }
            let admin = admin_grant(s);
            let hit = match (self.0, admin) {
                (Kind::Admin, Some((ptr, Grant::All))) => Some((
                    ptr,
                    "IAM policy allows every action ('*') on every resource".to_string(),
                    r#""(Action)"\s*:\s*(\[[^\]]*)?"\*(:\*)?""#,
                )),
                (Kind::Admin, Some((ptr, Grant::Iam))) => Some((
                    ptr,
                    "IAM policy allows 'iam:*' on every resource: the principal can grant itself \
                     every permission (admin-equivalent)"
                        .to_string(),
                    r#"(?i)"iam:\*""#,
                )),
                (Kind::Admin, Some((ptr, Grant::AllBut))) => Some((
                    ptr,
                    "IAM policy allows every action except its NotAction list on every resource, \
                     IAM included (admin-equivalent)"
                        .to_string(),
                    r#""NotAction"\s*:"#,
                )),
                (Kind::PassRole, None) => passrole(s).map(|(ptr, what)| {
                    (
                        ptr,
                        format!("IAM policy allows {what} (iam:PassRole) on any role ('*')"),
                        r#"(?i)"(iam:(PassRole|Pass\*|P\*)|NotAction)""#,
                    )
                }),
                _ => None,
            };
            if let Some((ptr, msg, needle)) = hit {
                cite(cx, doc, cdoc, origin, &ptr, needle, msg);
            }
        }
    }
}

/// How a statement on `*` resources grants administrator access.
enum Grant {
    /// `*` or `*:*`.
    All,
    /// `iam:*`: it can grant itself the rest.
    Iam,
    /// `NotAction` that leaves some IAM privilege-granting action allowed.
    AllBut,
}

/// Whether an `Allow` statement on `*` is admin-equivalent, and the pointer to cite.
fn admin_grant(s: &Stmt) -> Option<(String, Grant)> {
    if let Some((p, _)) = s.actions.iter().find(|(_, a)| a == "*" || a == "*:*") {
        return Some((p.clone(), Grant::All));
    }
    if let Some((p, _)) = s
        .actions
        .iter()
        .find(|(_, a)| a.eq_ignore_ascii_case("iam:*"))
    {
        return Some((p.clone(), Grant::Iam));
    }
    let (first, _) = s.not_actions.first()?;
    // An entry that is an expression may exclude anything: unknown, not a finding.
    if s.not_actions.iter().any(|(_, n)| unknown_action(n)) {
        return None;
    }
    let open = IAM_ESCALATION
        .iter()
        .any(|x| !s.not_actions.iter().any(|(_, n)| glob_ci(n, x)));
    open.then(|| (first.clone(), Grant::AllBut))
}

/// An action entry whose value is not known: an expression, or text that is no IAM action
/// (`service:Action` or `*`), such as a `dynamic` block iterator's reference.
fn unknown_action(a: &str) -> bool {
    is_expression(a) || (a != "*" && !a.contains(':'))
}

/// Whether a statement that is not admin-equivalent passes any role: the pointer to cite and
/// how it grants it.
fn passrole(s: &Stmt) -> Option<(String, String)> {
    if let Some((p, a)) = s.actions.iter().find(|(_, a)| glob_ci(a, "iam:PassRole")) {
        return Some((p.clone(), format!("'{a}'")));
    }
    let (first, _) = s.not_actions.first()?;
    if s.not_actions.iter().any(|(_, n)| unknown_action(n)) {
        return None;
    }
    (!s.not_actions
        .iter()
        .any(|(_, n)| glob_ci(n, "iam:PassRole")))
    .then(|| {
        (
            first.clone(),
            "every action outside its NotAction list".to_string(),
        )
    })
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
        if let Some(p) = &s.public_principal
            && s.allow
            && !s.has_condition
        {
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
            let not_actions = strings(s.get("not_actions"))
                .into_iter()
                .map(|(rel, a)| (format!("{p}/not_actions{rel}"), a.to_string()))
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
                not_actions,
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
