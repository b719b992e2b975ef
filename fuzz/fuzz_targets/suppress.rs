//! Inline suppressions: `suppress::inline::parse_body` and `collect` over a document of a
//! fuzzer-chosen kind (the first byte picks it).
#![no_main]

use bylaw::document::{Document, DocumentKind};
use bylaw::suppress::inline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let _ = inline::parse_body(text);
    let kind = DocumentKind::ALL[usize::from(k) % DocumentKind::ALL.len()];
    let doc = Document::new("fuzz/input", kind, text);
    for d in inline::collect(&doc) {
        assert!(text.get(d.span.start..d.span.end).is_some(), "directive span not inside the text");
    }
});
