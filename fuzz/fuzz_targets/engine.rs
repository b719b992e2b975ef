//! The whole pipeline on one document: `Engine::check_document` with every rule, for a
//! fuzzer-chosen kind (first byte), plus inline suppressions.
#![no_main]

use std::sync::OnceLock;

use bylaw::config::Policy;
use bylaw::document::{Document, DocumentKind};
use bylaw::engine::Engine;
use bylaw::rule::registry::Registry;
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::load(&[]).unwrap_or_else(|_| Registry::from_rules(Vec::new())))
}

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::default)
}

fn engine() -> &'static Engine<'static> {
    static E: OnceLock<Engine<'static>> = OnceLock::new();
    E.get_or_init(|| Engine::new(registry(), policy()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let kind = DocumentKind::ALL[usize::from(k) % DocumentKind::ALL.len()];
    let engine = engine();
    let doc = Document::new("fuzz/input", kind, text.as_ref());
    let mut errors = Vec::new();
    let findings = engine.check_document(&doc, &mut errors);
    for f in &findings {
        if let Some(s) = f.span {
            assert!(s.start <= s.end && s.end <= doc.text.len(), "finding span out of range");
        }
    }
    let _ = bylaw::suppress::inline::collect(&doc);
});
