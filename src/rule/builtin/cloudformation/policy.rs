//! IAM policies in templates: identity policies (`AWS::IAM::Policy`, `ManagedPolicy`,
//! `RolePolicy`/`UserPolicy`/`GroupPolicy`, the inline `Policies` of roles, users and groups,
//! SAM functions' `Policies`) judged for admin and wildcard `iam:PassRole` grants, and the
//! AWS-managed `AdministratorAccess` attached by ARN or by SAM policy name; and S3 bucket
//! policies judged for unconditioned public access. Statements are normalised and judged by the
//! functions shared with Terraform ([`crate::rule::builtin::aws::controls`]).

use serde_json::Value;

use super::{Resource, cite, resources};
use crate::document::{ConfigDoc, Document};
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::aws::controls::{Grant, json_statements};

pub struct Identity(pub Grant);

pub struct PublicBucket;

/// The policy documents of an identity resource, with their pointers.
fn documents<'a>(r: &Resource<'a>) -> Vec<(String, &'a Value)> {
    let props = format!("{}/Properties", r.ptr);
    let mut out = Vec::new();
    match r.rtype {
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => {
            if let Some(d) = r.props.get("PolicyDocument") {
                out.push((format!("{props}/PolicyDocument"), d));
            }
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            for (i, p) in r
                .props
                .get("Policies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(d) = p.get("PolicyDocument") {
                    out.push((format!("{props}/Policies/{i}/PolicyDocument"), d));
                }
            }
        }
        // SAM: one policy document, or a list of documents, managed policy names and templates.
        _ => match r.props.get("Policies") {
            Some(d @ Value::Object(_)) if d.get("Statement").is_some() => {
                out.push((format!("{props}/Policies"), d));
            }
            Some(Value::Array(a)) => {
                for (i, d) in a.iter().enumerate() {
                    if d.get("Statement").is_some() {
                        out.push((format!("{props}/Policies/{i}"), d));
                    }
                }
            }
            _ => {}
        },
    }
    out
}

/// AWS-managed `AdministratorAccess` attached by ARN (`ManagedPolicyArns`) or by name (SAM
/// `Policies`): the pointer of the entry.
fn admin_attachments(r: &Resource) -> Vec<String> {
    let props = format!("{}/Properties", r.ptr);
    let key = if r.rtype == "AWS::Serverless::Function" {
        "Policies"
    } else {
        "ManagedPolicyArns"
    };
    let entries: Vec<&Value> = match r.props.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::String(_)) => vec![v],
        _ => Vec::new(),
    };
    let is_admin = |v: &Value| {
        // `arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess` stays a `Fn::Sub`.
        let s = v
            .as_str()
            .or_else(|| v.get("Fn::Sub").and_then(Value::as_str))
            .unwrap_or("");
        s == "AdministratorAccess" || s.ends_with(":iam::aws:policy/AdministratorAccess")
    };
    let single = matches!(r.props.get(key), Some(Value::String(_)));
    entries
        .into_iter()
        .enumerate()
        .filter(|(_, v)| is_admin(v))
        .map(|(i, _)| {
            if single {
                format!("{props}/{key}")
            } else {
                format!("{props}/{key}/{i}")
            }
        })
        .collect()
}

impl Check for Identity {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            for r in resources(cdoc, |t| {
                t.starts_with("AWS::IAM::") || t == "AWS::Serverless::Function"
            }) {
                self.judge(doc, cdoc, cx, &r);
            }
        }
    }
}

impl Identity {
    fn judge(&self, doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext, r: &Resource) {
        for (ptr, d) in documents(r) {
            for s in json_statements(d, &ptr) {
                let Some((at, action)) = s.grants(self.0) else {
                    continue;
                };
                let msg = match self.0 {
                    Grant::Admin => format!(
                        "IAM policy of '{}' allows every action ('*') on every resource",
                        r.id
                    ),
                    Grant::PassRole => format!(
                        "IAM policy of '{}' allows '{action}' (iam:PassRole) on any role ('*')",
                        r.id
                    ),
                };
                cite(cx, doc, cdoc, at, msg);
            }
        }
        if self.0 == Grant::Admin {
            for at in admin_attachments(r) {
                cite(
                    cx,
                    doc,
                    cdoc,
                    &at,
                    format!(
                        "'{}' is granted the AWS-managed AdministratorAccess policy",
                        r.id
                    ),
                );
            }
        }
    }
}

impl Check for PublicBucket {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            for r in resources(cdoc, |t| t == "AWS::S3::BucketPolicy") {
                let Some(d) = r.props.get("PolicyDocument") else {
                    continue;
                };
                let ptr = format!("{}/Properties/PolicyDocument", r.ptr);
                for s in json_statements(d, &ptr) {
                    if let Some(at) = s.public_grant() {
                        cite(
                            cx,
                            doc,
                            cdoc,
                            at,
                            format!(
                                "S3 bucket policy '{}' allows access to everyone (Principal '*') without a condition",
                                r.id
                            ),
                        );
                    }
                }
            }
        }
    }
}
