//! Code front end: `document::code::Lang::parse` for a fuzzer-chosen language (first byte), then
//! one compiled code rule for that language (second byte picks it) on the same document.
#![no_main]

use std::sync::OnceLock;

use bylaw::document::Document;
use bylaw::document::code::Lang;
use bylaw::rule::registry::Registry;
use bylaw::rule::{RuleContext, RuleType};
use libfuzzer_sys::fuzz_target;

const LANGS: [Lang; 7] =
    [Lang::Python, Lang::Javascript, Lang::Typescript, Lang::Tsx, Lang::Go, Lang::Rust, Lang::Bash];

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::load(&[]).unwrap_or_else(|_| Registry::from_rules(Vec::new())))
}

fuzz_target!(|data: &[u8]| {
    let [l, r, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let lang = LANGS[usize::from(*l) % LANGS.len()];
    let _ = lang.parse(text);
    let rules: Vec<_> = registry()
        .rules()
        .iter()
        .filter(|x| x.meta().rule_type == RuleType::Code && x.meta().applies(lang.kind()))
        .collect();
    if rules.is_empty() {
        return;
    }
    let rule = rules[usize::from(*r) % rules.len()];
    let doc = Document::new("fuzz/input", lang.kind(), text);
    let mut cx = RuleContext::new(rule.meta(), &rule.meta().options);
    rule.check(&doc, &mut cx);
});
