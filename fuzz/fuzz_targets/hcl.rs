//! HCL / Terraform front end: `document::hcl::parse`.
#![no_main]

use bylaw::document::hcl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(docs) = hcl::parse(text) {
        for d in &docs {
            for s in d.spans.values().chain(d.key_spans.values()) {
                assert!(text.get(s.start..s.end).is_some(), "span not inside the text");
            }
        }
    }
});
