//! Built-in Dockerfile rules about references between build stages, which need the whole file's
//! stage list (a declarative rule judges one node at a time). Kept apart from `docker.rs`, whose
//! rules read RUN scripts.

use serde_json::Value;

use super::{Check, Factory};
use crate::document::{Document, DocumentKind, Span};
use crate::rule::RuleContext;

/// Built-in rules of the `docker` pack that live in this module, sorted by id.
pub const RULES: &[(&str, Factory)] = &[("docker/copy-from-unknown-stage", || {
    Box::new(CopyFromUnknownStage)
})];

// ---------------------------------------------------------------------------------------------
// docker/copy-from-unknown-stage

struct CopyFromUnknownStage;

impl Check for CopyFromUnknownStage {
    fn keywords(&self) -> &'static [&'static str] {
        &["--from"]
    }

    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if doc.kind != DocumentKind::Dockerfile {
            return;
        }
        let Some(cd) = doc.config().ok().and_then(|d| d.first()) else {
            return;
        };
        let stages: Vec<String> = cd.value["stages"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|st| st["name"].as_str())
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let Some(instructions) = cd.value["instructions"].as_array() else {
            return;
        };
        for (i, ins) in instructions.iter().enumerate() {
            if ins["instruction"] != "COPY" {
                continue;
            }
            let Some(from) = ins.pointer("/flags/from").and_then(Value::as_str) else {
                continue;
            };
            let Some(name) = unknown_stage(from, &stages) else {
                continue;
            };
            let entry = cd.span_for(&format!("/instructions/{i}"));
            let span = flag_value_span(&doc.text, entry, "--from=").unwrap_or(entry);
            cx.report(
                &doc.path,
                Some(span),
                format!(
                    "--from={name} names no build stage, so Docker pulls the image `{name}:latest` \
                     from Docker Hub instead"
                ),
            )
            .with_key_mut(format!("{}#/instructions/{i}", cd.index));
        }
    }
}

/// The `--from` value when it is a bare name that is no stage of the file (stage names are
/// case-insensitive). Stage indexes, image references (with a registry, path, tag or digest)
/// and values built from variables are not judged; a later stage is a valid reference too.
fn unknown_stage<'a>(from: &'a str, stages: &[String]) -> Option<&'a str> {
    let name = from.trim_matches(|c| c == '"' || c == '\'');
    let judged = !name.is_empty()
        && !name.bytes().all(|b| b.is_ascii_digit())
        && !name.contains(['$', '/', ':', '@', '.']);
    (judged && !stages.iter().any(|s| s.eq_ignore_ascii_case(name))).then_some(name)
}

/// The span of a flag's value (`builder` in `--from=builder`) inside an instruction's span.
fn flag_value_span(text: &str, entry: Span, flag: &str) -> Option<Span> {
    let entry = entry.clamp_to(text);
    let region = &text[entry.start..entry.end];
    let at = entry.start + region.find(flag)? + flag.len();
    let len = text[at..entry.end]
        .find(|c: char| c.is_whitespace())
        .unwrap_or(entry.end - at);
    Some(Span::new(at, at + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_names_that_are_no_stage_are_unknown() {
        let stages = vec!["builder".to_string(), "assets".to_string()];
        assert_eq!(unknown_stage("buidler", &stages), Some("buidler"));
        assert_eq!(unknown_stage("\"nginx\"", &stages), Some("nginx"));
        for known in [
            "builder",
            "Builder",
            "assets",
            "0",
            "nginx:1.27",
            "ghcr.io/acme/base",
            "acme/base",
            "alpine@sha256:0123",
            "${BASE}",
            "",
        ] {
            assert_eq!(unknown_stage(known, &stages), None, "{known}");
        }
    }

    #[test]
    fn the_value_span_follows_the_flag() {
        let text = "FROM a\nCOPY --chown=1:1 --from=buidler /out /app\n";
        let entry = Span::new(7, text.len() - 1);
        let s = flag_value_span(text, entry, "--from=").expect("flag present");
        assert_eq!(&text[s.start..s.end], "buidler");
        assert!(flag_value_span(text, entry, "--mount=").is_none());
    }
}
