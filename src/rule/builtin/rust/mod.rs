//! Built-in `rust` rules, on the `syn` AST (`Document::with_rust`). One shared visitor
//! ([`walk`]) knows about test code, constant initialisers and macro bodies; each rule hooks into
//! it. Add `("rust/<name>", factory)` rows to [`RULES`], sorted by id.
//!
//! Scoping decisions (documented in the rules' YAML too):
//! - test code is `#[cfg(test)]` (or `cfg(all(test, …))`) modules and items, `#[test]`-like
//!   functions (`#[test]`, `#[tokio::test]`, `#[rstest]`, `#[bench]`…), and files under `tests/`,
//!   `benches/`, `examples/`, `fuzz/`, or named `tests.rs` / `*_test.rs`;
//! - generated files (`@generated`, "automatically generated", "DO NOT EDIT" in the first five
//!   lines) are skipped by every rule;
//! - binaries are `main.rs`, `build.rs` and `src/bin/**`: the unwrap rule skips them (a binary may
//!   choose to abort), the debug-macro rule does not.

mod calls;
mod standards;
mod unsafe_code;
mod walk;

use proc_macro2::Span as PSpan;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Lit, Meta, Token};

use super::Factory;
use crate::document::{Document, DocumentKind, Span};
use crate::rule::RuleContext;

/// Built-in rules of the `rust` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("rust/allow-unsafe-code", || {
        Box::new(unsafe_code::AllowUnsafeCode)
    }),
    ("rust/leftover-debug-macro", || {
        Box::new(standards::LeftoverDebugMacro)
    }),
    ("rust/mem-transmute", || Box::new(unsafe_code::MemTransmute)),
    ("rust/shell-command-injection", || {
        Box::new(calls::ShellCommandInjection)
    }),
    ("rust/sql-format-string", || {
        Box::new(calls::SqlFormatString)
    }),
    ("rust/tls-verification-disabled", || {
        Box::new(calls::TlsVerificationDisabled)
    }),
    ("rust/undocumented-unsafe", || {
        Box::new(unsafe_code::UndocumentedUnsafe)
    }),
    ("rust/unwrap-in-library", || {
        Box::new(standards::UnwrapInLibrary)
    }),
    ("rust/weak-hash", || Box::new(calls::WeakHash)),
];

/// Findings of one rule on one file: byte span and message.
type Hits = Vec<(Span, String)>;

/// Parse (once per document, cached) and run `f`; report what it found. A file syn cannot parse
/// yields nothing here: the engine reports the parse failure and other rules still run.
fn run(doc: &Document, cx: &mut RuleContext, f: impl FnOnce(&syn::File) -> Hits) {
    if doc.kind != DocumentKind::Rust || is_generated(&doc.text) {
        return;
    }
    let Some(hits) = doc.with_rust(f) else { return };
    for (span, msg) in hits {
        cx.report(&doc.path, Some(span), msg);
    }
}

/// Generated code (bindgen output, `@generated` markers in the first lines): not written by
/// hand, not reviewed line by line, regenerated on the next build.
fn is_generated(text: &str) -> bool {
    text.lines().take(5).any(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("@generated")
            || l.contains("automatically generated")
            || l.contains("auto-generated")
            || l.contains("do not edit")
    })
}

/// Byte span of a syn span.
fn span(doc: &Document, s: PSpan) -> Span {
    crate::document::rust::span_of(&doc.text, doc.lines(), s)
}

/// Byte span from the start of `a` to the end of `b`.
fn span2(doc: &Document, a: PSpan, b: PSpan) -> Span {
    let (x, y) = (span(doc, a), span(doc, b));
    Span::new(x.start, y.end.max(x.start))
}

/// Text of a 1-based line (empty when out of range).
fn line_text(doc: &Document, line1: usize) -> &str {
    if line1 == 0 || line1 > doc.lines().line_count() {
        return "";
    }
    doc.lines().line_text(&doc.text, line1 - 1)
}

const TEST_ATTRS: &[&str] = &[
    "test",
    "bench",
    "rstest",
    "test_case",
    "quickcheck",
    "proptest",
    "wasm_bindgen_test",
];

/// `#[cfg(test)]`-only or a test function attribute.
fn is_test_item(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        if p.is_ident("cfg") {
            return a.parse_args::<Meta>().is_ok_and(|m| cfg_test_only(&m));
        }
        p.segments
            .last()
            .is_some_and(|s| TEST_ATTRS.iter().any(|t| s.ident == t))
    })
}

/// Whether a `cfg` predicate can only hold in test builds.
fn cfg_test_only(m: &Meta) -> bool {
    match m {
        Meta::Path(p) => p.is_ident("test"),
        Meta::List(l) => {
            let Ok(nested) = l.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            else {
                return false;
            };
            if l.path.is_ident("all") {
                nested.iter().any(cfg_test_only)
            } else if l.path.is_ident("any") {
                !nested.is_empty() && nested.iter().all(cfg_test_only)
            } else {
                false
            }
        }
        Meta::NameValue(_) => false,
    }
}

/// Directories and file names of `path` (repository-relative, `/`-separated).
fn split_path(path: &str) -> (Vec<&str>, &str) {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or("");
    (parts, file)
}

/// Test, benchmark, example and fuzzing code by location.
fn is_test_path(path: &str) -> bool {
    let (dirs, file) = split_path(path);
    dirs.iter()
        .any(|d| matches!(*d, "tests" | "test" | "benches" | "examples" | "fuzz"))
        || matches!(file, "tests.rs" | "test.rs")
        || file.ends_with("_test.rs")
        || file.ends_with("_tests.rs")
}

/// Binary crate roots and build scripts.
fn is_binary_path(path: &str) -> bool {
    let (dirs, file) = split_path(path);
    matches!(file, "main.rs" | "build.rs") || dirs.windows(2).any(|w| w == ["src", "bin"])
}

/// `a::b::c` as strings (leading `::` dropped).
fn path_segs(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn last_seg(p: &syn::Path) -> String {
    p.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Strip references, parentheses and value-preserving conversions (`.as_str()`, `.to_string()`,
/// `String::from(..)`, `Path::new(..)`…) to reach the expression that carries the value.
fn peel(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "as_str"
                            | "as_ref"
                            | "to_string"
                            | "to_owned"
                            | "into"
                            | "as_bytes"
                            | "clone"
                            | "borrow"
                    ) =>
            {
                &m.receiver
            }
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, Expr::Path(p) if matches!(
                        path_segs(&p.path).iter().rev().take(2).map(String::as_str).collect::<Vec<_>>().as_slice(),
                        ["from", "String" | "OsString" | "PathBuf"] | ["new", "OsStr" | "Path" | "OsString"]
                    )) =>
            {
                match c.args.first() {
                    Some(a) => a,
                    None => return e,
                }
            }
            _ => return e,
        };
    }
}

/// The value of a string literal (after [`peel`]).
fn str_lit(e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

fn is_bool(e: &Expr, value: bool) -> bool {
    matches!(peel(e), Expr::Lit(l) if matches!(&l.lit, Lit::Bool(b) if b.value == value))
}

/// A compile-time constant: a literal, a `SCREAMING_CASE` constant path, `concat!`/`include_str!`
/// of literals, or `format!` of a lone literal.
fn is_constant(e: &Expr) -> bool {
    match peel(e) {
        Expr::Lit(_) => true,
        Expr::Path(p) => {
            let last = last_seg(&p.path);
            last.len() > 1
                && last
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        Expr::Macro(m) => {
            let name = last_seg(&m.mac.path);
            match name.as_str() {
                "concat" | "include_str" | "env" | "stringify" => true,
                "format" => m
                    .mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .is_ok_and(|a| {
                        a.len() == 1
                            && str_lit(&a[0]).is_some_and(|s| !s.contains('{') || s.contains("{{"))
                    }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Comma-separated expressions of a macro body (`vec![..]`, `format!(..)`).
fn macro_args(m: &syn::Macro) -> Option<Vec<Expr>> {
    m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()
        .map(|p| p.into_iter().collect())
}

/// Span from a method name to the closing parenthesis of its call.
fn method_span(doc: &Document, m: &syn::ExprMethodCall) -> Span {
    span2(doc, m.method.span(), m.paren_token.span.close())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_test_path("tests/it.rs"));
        assert!(is_test_path("crates/x/benches/b.rs"));
        assert!(is_test_path("src/parser_test.rs"));
        assert!(!is_test_path("src/lib.rs"));
        assert!(is_binary_path("src/main.rs"));
        assert!(is_binary_path("src/bin/tool.rs"));
        assert!(is_binary_path("build.rs"));
        assert!(!is_binary_path("src/binary.rs"));
    }

    #[test]
    fn cfg() {
        let f = syn::parse_file(
            "#[cfg(all(test, feature = \"x\"))] mod a {}\n#[cfg(any(test, feature = \"x\"))] mod b {}",
        )
        .unwrap();
        let attrs: Vec<_> = f
            .items
            .iter()
            .map(|i| match i {
                syn::Item::Mod(m) => is_test_item(&m.attrs),
                _ => false,
            })
            .collect();
        assert_eq!(attrs, vec![true, false]);
    }
}
