//! Literal secrets in Lambda environment variables (`AWS::Lambda::Function`,
//! `AWS::Serverless::Function`, SAM `Globals.Function`). Names and values are judged as for
//! Dockerfiles and compose files; dynamic references (`{{resolve:secretsmanager:…}}`) and
//! unresolved intrinsics are not literals. The value is masked in every output; a value from a
//! parameter's `Default` is not cited there as a related location, whose line would show it.

use serde_json::Value;

use super::resources;
use crate::document::{ConfigDoc, Document, pointer_escape};
use crate::finding::redact_secret;
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::docker::{is_literal_secret_value, is_secret_name};
use crate::rule::builtin::gha::report_secret_ptr;

pub struct EnvSecret;

fn judge(
    doc: &Document,
    cdoc: &ConfigDoc,
    cx: &mut RuleContext,
    who: &str,
    env: &Value,
    ptr: &str,
) {
    let Some(vars) = env
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, v) in vars {
        let Some(s) = v.as_str() else { continue };
        if !is_secret_name(name) || !is_literal_secret_value(s) || s.contains("{{resolve:") {
            continue;
        }
        report_secret_ptr(
            cx,
            doc,
            cdoc,
            &format!("{ptr}/Environment/Variables/{}", pointer_escape(name)),
            format!(
                "{who} has a literal secret in environment variable {name} ({})",
                redact_secret(s)
            ),
            s,
        );
    }
}

impl Check for EnvSecret {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            for r in resources(cdoc, |t| {
                t == "AWS::Lambda::Function" || t == "AWS::Serverless::Function"
            }) {
                let who = format!("Lambda function '{}'", r.id);
                judge(
                    doc,
                    cdoc,
                    cx,
                    &who,
                    r.props,
                    &format!("{}/Properties", r.ptr),
                );
            }
            if let Some(g) = cdoc.value.get("Globals").and_then(|g| g.get("Function")) {
                judge(
                    doc,
                    cdoc,
                    cx,
                    "SAM Globals.Function",
                    g,
                    "/Globals/Function",
                );
            }
        }
    }
}
