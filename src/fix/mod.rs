//! Autofixes: the edit a rule proposes with a finding, and applying several of them to a file.
//!
//! A [`Fix`] is a list of byte-range [`Edit`]s into the text the rule read, built from the same
//! spans as detection (ConfigDoc spans and key spans, Dockerfile instruction and word spans).
//! Fixes are offered only where they are safe by construction: they change the offending node's
//! text and nothing else, keep comments and formatting, and leave nothing for the rule to find,
//! so applying them twice changes nothing. Where that cannot be guaranteed (flow mappings,
//! anchors, tabs, merged keys…) the rule offers no fix rather than a doubtful one.
//!
//! `bylaw check --fix` applies the fixes of findings that count (not suppressed, not baselined,
//! in a context that fails the run), the non-overlapping ones first, then scans again and
//! repeats, a bounded number of times, as ruff does. `--diff` prints the result as a unified
//! diff ([`diff`], our own: the one crate in reach, `similar`, would be a new dependency for
//! ~150 lines) instead of writing it.

pub mod diff;
pub mod run;
pub mod yaml;

use serde::{Deserialize, Serialize};

use crate::document::{LineCol, Span};

/// One replacement: the bytes of `span` (empty: an insertion at `span.start`) become
/// `replacement`. Replacements use `\n`; applying them to a CRLF file writes `\r\n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
    /// Line and column of the span's ends, filled when the finding is finished (for JSON/SARIF).
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub start: Option<LineCol>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub end: Option<LineCol>,
}

impl Edit {
    pub fn new(span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            span,
            replacement: replacement.into(),
            start: None,
            end: None,
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit::new(Span::new(at, at), text)
    }
}

/// What a finding's fix does (one line, shown in outputs) and its edits, which apply together
/// or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
    /// [`text_hash`] of the text the edits index, stamped by the engine on the file's findings:
    /// `--fix` applies a fix only to that very text (never to a document derived from it).
    #[serde(skip)]
    pub basis: Option<String>,
}

/// The hash that ties a fix to the text it was computed on.
pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..32].to_string()
}

impl Fix {
    pub fn new(description: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            description: description.into(),
            edits,
            basis: None,
        }
    }

    pub fn one(description: impl Into<String>, edit: Edit) -> Self {
        Fix::new(description, vec![edit])
    }
}

/// Most rounds of fix, re-scan: a fix that makes room for another (a `securityContext` added
/// for one rule, then a key under it for the next) needs a second round; real files settle in
/// two or three.
pub const MAX_ROUNDS: usize = 10;

/// Two edits conflict when they overlap or touch: two insertions at one place, or an insertion
/// at the end of a replaced range, would depend on their order.
fn conflicts(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Apply, in the order given, every fix whose edits are valid in `text` and conflict with no
/// edit applied before them. Returns the new text and the indices of the fixes applied.
pub fn apply(text: &str, fixes: &[&Fix]) -> (String, Vec<usize>) {
    let crlf = text.contains("\r\n");
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for (i, fix) in fixes.iter().enumerate() {
        let valid = !fix.edits.is_empty()
            && fix.edits.iter().all(|e| {
                e.span.end <= text.len()
                    && text.is_char_boundary(e.span.start)
                    && text.is_char_boundary(e.span.end)
            });
        let own_clash = fix
            .edits
            .iter()
            .enumerate()
            .any(|(j, a)| fix.edits[j + 1..].iter().any(|b| conflicts(a.span, b.span)));
        if !valid
            || own_clash
            || fix
                .edits
                .iter()
                .any(|e| taken.iter().any(|t| conflicts(t.span, e.span)))
        {
            continue;
        }
        taken.extend(fix.edits.iter());
        applied.push(i);
    }
    taken.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.span.start]);
        if crlf {
            out.push_str(&e.replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(&e.replacement);
        }
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(start: usize, end: usize, with: &str) -> Fix {
        Fix::one("t", Edit::new(Span::new(start, end), with))
    }

    #[test]
    fn non_overlapping_fixes_apply_and_the_rest_wait() {
        let text = "abcdef";
        let a = fix(0, 1, "A");
        let b = fix(1, 2, "B"); // touches a: waits for the next round
        let c = fix(4, 4, "-");
        let d = fix(4, 4, "+"); // same insertion point as c
        let (out, applied) = apply(text, &[&a, &b, &c, &d]);
        assert_eq!(out, "Abcd-ef");
        assert_eq!(applied, vec![0, 2]);
        // Out of range or inside a character: never applied, never a panic.
        let (out, applied) = apply("é", &[&fix(1, 2, "x"), &fix(0, 9, "x")]);
        assert_eq!((out.as_str(), applied.len()), ("é", 0));
    }

    #[test]
    fn crlf_files_keep_their_line_ends() {
        let text = "a: 1\r\nb: 2\r\n";
        let (out, _) = apply(text, &[&fix(4, 4, "\nc: 3")]);
        assert_eq!(out, "a: 1\r\nc: 3\r\nb: 2\r\n");
    }
}
