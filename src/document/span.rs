//! Byte spans and the one place where bytes become lines and columns.
//!
//! Every parser front end hands us a different unit (saphyr: characters, tree-sitter: bytes with
//! 0-based rows, syn: 1-based lines with character columns). Findings store byte ranges only; the
//! [`LineIndex`] converts them when a reporter needs a line and column.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into a file's text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The span clamped to a text of `len` bytes and moved onto char boundaries.
    pub fn clamp_to(self, text: &str) -> Span {
        let mut start = self.start.min(text.len());
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = self.end.min(text.len()).max(start);
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        Span { start, end }
    }
}

/// A 1-based line and column. `col` counts Unicode scalar values (SARIF `unicodeCodePoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// Start offsets of every line, for byte → line/column conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.starts.get(line0).copied().unwrap_or(usize::MAX)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of a 0-based line and a 0-based column counted in characters.
    pub fn offset_of_char_col(&self, text: &str, line0: usize, col_chars: usize) -> usize {
        let start = self.line_start(line0).min(text.len());
        let rest = &text[start..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end]
            .char_indices()
            .nth(col_chars)
            .map_or(start + line_end, |(b, _)| start + b)
    }

    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line0 = self.line_of(offset);
        let start = self.starts[line0].min(offset);
        let mut b = offset;
        while b > start && !text.is_char_boundary(b) {
            b -= 1;
        }
        LineCol {
            line: line0 + 1,
            col: text[start..b].chars().count() + 1,
        }
    }

    /// The text of a 0-based line, without its line terminator.
    pub fn line_text<'t>(&self, text: &'t str, line0: usize) -> &'t str {
        let start = self.line_start(line0).min(text.len());
        let end = self
            .starts
            .get(line0 + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| (*b == b'\n').then_some(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: \"héllo\"\nb: 1\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, col: 1 });
        let b = text.find("b:").unwrap();
        assert_eq!(idx.line_col(text, b), LineCol { line: 2, col: 1 });
        let q = text.find('l').unwrap();
        assert_eq!(idx.line_col(text, q), LineCol { line: 1, col: 7 });
    }

    proptest! {
        #[test]
        fn char_col_round_trips(text in "(?s).{0,200}", pick in 0usize..400) {
            let idx = LineIndex::new(&text);
            let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let off = offsets[pick % offsets.len()];
            let lc = idx.line_col(&text, off);
            let back = idx.offset_of_char_col(&text, lc.line - 1, lc.col - 1);
            prop_assert_eq!(back, off);
        }

        #[test]
        fn clamp_is_always_on_boundaries(text in "(?s).{0,50}", a in 0usize..80, b in 0usize..80) {
            let s = Span::new(a, b).clamp_to(&text);
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            prop_assert!(s.start <= s.end);
        }
    }
}
