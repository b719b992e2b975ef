//! Rust source through `syn`, for built-in rules that want a typed AST (unsafe blocks, attributes,
//! `#[cfg(test)]` scoping, macro calls). `proc-macro2`'s `span-locations` feature gives real lines
//! and columns outside proc-macros. A file syn cannot parse is reported; its text and tree-sitter
//! rules still run.

use super::{LineIndex, ParseError, Span};

/// Deepest nesting (see [`nesting_estimate`]) handed to syn. syn is a recursive-descent parser
/// with no depth limit of its own, so `((((…` or `!!!!…` thousands deep overflows the stack;
/// real code stays far below this.
pub const MAX_NESTING: usize = 1000;

pub fn parse(text: &str) -> Result<syn::File, ParseError> {
    if nesting_estimate(text) > MAX_NESTING {
        return Err(ParseError::new(
            format!("Rust nesting deeper than {MAX_NESTING} levels; syn-based rules not run"),
            None,
        ));
    }
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        let idx = LineIndex::new(text);
        let off = idx.offset_of_char_col(text, start.line.saturating_sub(1), start.column);
        ParseError::new(
            format!("Rust syntax error (syn): {e}"),
            Some(Span::new(off, off)),
        )
    })
}

thread_local! {
    /// The last parsed file on this thread: all rules for one document run on one thread, and
    /// `syn` trees hold `Rc`s, so they cannot live in the shared `Document`.
    static CACHE: std::cell::RefCell<Option<(u64, std::rc::Rc<syn::File>)>> = const { std::cell::RefCell::new(None) };
}

pub fn with_cached<R>(
    id: u64,
    text: &str,
    error: &std::sync::OnceLock<Option<ParseError>>,
    f: impl FnOnce(&syn::File) -> R,
) -> Option<R> {
    if error.get().is_some_and(Option::is_some) {
        return None;
    }
    let file = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some((cid, file)) = c.as_ref()
            && *cid == id
        {
            return Some(file.clone());
        }
        match parse(text) {
            Ok(file) => {
                let file = std::rc::Rc::new(file);
                *c = Some((id, file.clone()));
                let _ = error.set(None);
                Some(file)
            }
            Err(e) => {
                let _ = error.set(Some(e));
                None
            }
        }
    })?;
    Some(f(&file))
}

/// Byte span of a `proc_macro2::Span` within `text`.
pub fn span_of(text: &str, lines: &LineIndex, span: proc_macro2::Span) -> Span {
    let (s, e) = (span.start(), span.end());
    let start = lines.offset_of_char_col(text, s.line.saturating_sub(1), s.column);
    let end = lines.offset_of_char_col(text, e.line.saturating_sub(1), e.column);
    Span::new(start, end)
}

/// A cheap upper bound on how deep syn recurses: every open bracket group, plus every punctuation
/// character and keyword since the last `;`, `,` or closed brace at each level (prefix operators,
/// closures, generics, `return`/`break` chains are what nest without brackets). Comments, strings
/// and character literals are skipped. Over-counting is harmless; under-counting is not.
pub fn nesting_estimate(text: &str) -> usize {
    // Keywords that open a construct syn parses recursively (a `matches!` compiles to a few length
    // and byte comparisons; this runs on every identifier of every Rust file).
    let keyword = |w: &[u8]| {
        matches!(
            w,
            b"as"
                | b"async"
                | b"await"
                | b"box"
                | b"break"
                | b"const"
                | b"continue"
                | b"dyn"
                | b"else"
                | b"fn"
                | b"for"
                | b"if"
                | b"impl"
                | b"in"
                | b"let"
                | b"loop"
                | b"match"
                | b"mod"
                | b"move"
                | b"mut"
                | b"raw"
                | b"ref"
                | b"return"
                | b"static"
                | b"struct"
                | b"trait"
                | b"type"
                | b"unsafe"
                | b"where"
                | b"while"
                | b"yield"
        )
    };
    let b = text.as_bytes();
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80;
    let mut stack: Vec<usize> = Vec::new();
    let (mut base, mut run, mut max) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut level = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        level += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => {
                // A character literal (`'x'`, `'\n'`, `'\u{1F600}'`) or a lifetime / label.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
                        i += 1;
                    }
                } else if let Some(ch) = text.get(i + 1..).and_then(|t| t.chars().next()) {
                    let after = i + 1 + ch.len_utf8();
                    if b.get(after) == Some(&b'\'') {
                        i = after;
                    } else {
                        while i + 1 < b.len() && ident(b[i + 1]) {
                            i += 1;
                        }
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                stack.push(run);
                base += 1 + run;
                run = 0;
            }
            b')' | b']' | b'}' => {
                if let Some(r) = stack.pop() {
                    base -= 1 + r;
                    run = if c == b'}' { 0 } else { r };
                }
            }
            b';' | b',' => run = 0,
            c if ident(c) => {
                let start = i;
                while i + 1 < b.len() && ident(b[i + 1]) {
                    i += 1;
                }
                let word = &b[start..=i];
                // Raw strings: r"…", r#"…"#, br"…", cr"…".
                if matches!(word, b"r" | b"br" | b"cr") && matches!(b.get(i + 1), Some(b'"' | b'#'))
                {
                    let mut j = i + 1;
                    let mut hashes = 0usize;
                    while b.get(j) == Some(&b'#') {
                        hashes += 1;
                        j += 1;
                    }
                    if b.get(j) == Some(&b'"') {
                        let close: Vec<u8> = std::iter::once(b'"')
                            .chain(std::iter::repeat_n(b'#', hashes))
                            .collect();
                        j += 1;
                        while j < b.len() && !b[j..].starts_with(&close) {
                            j += 1;
                        }
                        i = j + close.len();
                        continue;
                    }
                }
                if keyword(word) {
                    run += 1;
                }
            }
            c if c.is_ascii_punctuation() => run += 1,
            _ => {}
        }
        max = max.max(base + run);
        i += 1;
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let n = 20_000;
        let cases = [
            format!(
                "fn main() {{ let x = {}1{}; }}",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!("fn main() {{ let x = {}a; }}", "!".repeat(n)),
            format!("fn main() {{ let x = {}a; }}", "- ".repeat(n)),
            format!("fn main() {{ let f = {}1; }}", "|x| ".repeat(n)),
            format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
            format!("fn main() {{ {}1; }}", "return ".repeat(n)),
            format!("{}{}", "mod a { ".repeat(n), "}".repeat(n)),
        ];
        for text in cases {
            assert!(nesting_estimate(&text) > MAX_NESTING);
            assert!(parse(&text).is_err());
        }
    }

    #[test]
    fn ordinary_code_is_far_below_the_limit() {
        let text = "// a (((( comment\nfn main() {\n    let s = \"((((\";\n    let r = r#\"\"((((\"#;\n    let c = '(';\n    let l: &'static str = s;\n    if a < b && !c { x(-1, &y) } else { z::<Vec<u8>>() }\n}\n";
        let n = nesting_estimate(text);
        assert!(n < 20, "estimate {n}");
        assert!(parse(text).is_ok());
    }
}
