//! YAML and JSON front end: `document::yaml::parse` with each YAML kind (the first byte picks it),
//! and CloudFormation templates (`document::cloudformation::parse`: tags and resolution).
#![no_main]

use bylaw::document::{DocumentKind, cloudformation, yaml};
use libfuzzer_sys::fuzz_target;

const KINDS: [DocumentKind; 8] = [
    DocumentKind::Kubernetes,
    DocumentKind::GithubWorkflow,
    DocumentKind::GithubAction,
    DocumentKind::GitlabCi,
    DocumentKind::Compose,
    DocumentKind::Yaml,
    DocumentKind::Json,
    DocumentKind::Cloudformation,
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = KINDS[usize::from(k) % KINDS.len()];
    let docs = match kind {
        DocumentKind::Json => yaml::parse_json(text),
        DocumentKind::Cloudformation => cloudformation::parse("template.yaml", text),
        _ => yaml::parse(text, kind),
    };
    if let Ok(docs) = docs {
        for d in &docs {
            // Every span must lie on character boundaries inside the text.
            for s in d.spans.values().chain(d.key_spans.values()) {
                assert!(s.start <= s.end && s.end <= text.len(), "span out of range");
                assert!(text.get(s.start..s.end).is_some(), "span not on a char boundary");
            }
        }
    }
});
