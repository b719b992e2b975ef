//! Rust source through `syn`, for built-in rules that want a typed AST (unsafe blocks, attributes,
//! `#[cfg(test)]` scoping, macro calls). `proc-macro2`'s `span-locations` feature gives real lines
//! and columns outside proc-macros. A file syn cannot parse is reported; its text and tree-sitter
//! rules still run.

use super::{LineIndex, ParseError, Span};

pub fn parse(text: &str) -> Result<syn::File, ParseError> {
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
