//! Rule files: `decl::parse_rule_file` then `decl::compile`, and (when it compiles) one run of the
//! rule on a small document of each kind it applies to.
#![no_main]

use bylaw::document::Document;
use bylaw::rule::RuleContext;
use libfuzzer_sys::fuzz_target;

const SAMPLE: &str = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n    securityContext: {privileged: true}\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(raw) = bylaw::decl::parse_rule_file("rules/fuzz/rule.yaml", text) else { return };
    let Ok(rule) = bylaw::decl::compile(raw, "rules/fuzz/rule.yaml", None) else { return };
    let meta = rule.meta().clone();
    for kind in meta.applies_to.iter().take(3) {
        let doc = Document::new("fuzz/sample", *kind, SAMPLE);
        let mut cx = RuleContext::new(&meta, &meta.options);
        rule.check(&doc, &mut cx);
    }
});
