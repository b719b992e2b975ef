//! The report: every finding (suppressed ones included), per-file problems, counts; and the
//! reporters that render it. Reporters never filter: they render what the report holds.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod scan;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use rayon::slice::ParallelSliceMut;

use serde::Serialize;

use crate::document::LineCol;
use crate::finding::{Finding, Severity};
use crate::project::context::Context;

/// A file the scan passed over on purpose (binary, too large…). Visible with `--verbose`.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
    /// Set when the file was skipped because its context's mode is `skip`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
}

impl Skipped {
    pub fn new(path: &str, reason: impl Into<String>) -> Self {
        Skipped {
            path: path.to_string(),
            reason: reason.into(),
            context: None,
        }
    }

    /// A file not scanned because its context is skipped.
    pub fn by_context(path: &str, context: Context) -> Self {
        Skipped {
            path: path.to_string(),
            reason: format!("{} file (context mode `skip`)", context.as_str()),
            context: Some(context),
        }
    }
}

/// A per-file problem: unreadable, unparsable, undecodable. Never stops the scan.
#[derive(Debug, Clone, Serialize)]
pub struct FileError {
    pub path: String,
    /// `read`, `parse`, `decode`, `timeout` or `internal`.
    pub kind: &'static str,
    pub message: String,
    pub location: Option<LineCol>,
    /// The context of the file (set once the scan knows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// In a context whose findings do not fail the run: human output counts it instead of
    /// listing it (unless `--verbose`).
    #[serde(skip)]
    pub quiet: bool,
}

impl FileError {
    pub fn read(path: &str, message: impl Into<String>) -> Self {
        Self::make(path, "read", message, None)
    }
    pub fn parse(path: &str, message: impl Into<String>, location: Option<LineCol>) -> Self {
        Self::make(path, "parse", message, location)
    }
    pub fn decode(path: &str, message: impl Into<String>) -> Self {
        Self::make(path, "decode", message, None)
    }
    pub fn internal(path: &str, message: impl Into<String>) -> Self {
        Self::make(path, "internal", message, None)
    }
    fn make(
        path: &str,
        kind: &'static str,
        message: impl Into<String>,
        location: Option<LineCol>,
    ) -> Self {
        FileError {
            path: path.to_string(),
            kind,
            message: message.into(),
            location,
            context: None,
            quiet: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by path, span, rule id.
    /// Boxed: the per-file lists and this one then move pointers, never 330-byte records (at
    /// 100,000 files, copying them into one list doubled the peak).
    pub findings: Vec<Box<Finding>>,
    pub errors: Vec<FileError>,
    pub skipped: Vec<Skipped>,
    pub files_scanned: usize,
    /// Ids of every rule that ran, sorted.
    pub rules_run: Vec<String>,
    /// Redacted text of files with findings, for snippets.
    pub sources: BTreeMap<String, Arc<str>>,
    pub elapsed: Duration,
    pub fail_on: Severity,
    /// Set when `--exit-zero` is given.
    pub exit_zero: bool,
    /// One-line fix hint per rule that ran (findings share it instead of each holding a copy).
    pub rule_help: BTreeMap<String, String>,
    /// Inline suppression directives found (for `bylaw suppressions`).
    pub directives: Vec<crate::suppress::Directive>,
    /// Where the scan comes from (`bylaw check` sets it; JSON `scan`).
    pub scan: Option<scan::ScanInfo>,
    /// Suppressions and waivers with owner and expiry (`bylaw check` sets it; JSON
    /// `suppressions`).
    pub suppressions: Option<Vec<scan::SuppressionEntry>>,
}

impl Report {
    /// The fix hint of a finding: its own, or its rule's.
    pub fn help<'a>(&'a self, f: &'a Finding) -> Option<&'a str> {
        f.help
            .as_deref()
            .or_else(|| self.rule_help.get(&f.rule_id).map(String::as_str))
    }

    /// Sort everything, make fingerprints unique, and mask secrets in the kept sources.
    pub fn finalize(&mut self) {
        // Before deduplication: every finding's secret is masked, even one merged away below.
        self.redact_sources();
        // Unstable sort: no buffer of half the findings; ties are equal keys that `dedup_by`
        // merges, and the input order is deterministic, so the output is too.
        self.findings
            .par_sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup_by(|a, b| {
            a.rule_id == b.rule_id && a.path == b.path && a.span == b.span && a.message == b.message
        });
        // A fingerprint covers rule and path, so equal ones sit in the same path's run: count
        // them per run instead of holding every fingerprint of the scan at once.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for i in 0..self.findings.len() {
            if i > 0 && self.findings[i - 1].path != self.findings[i].path {
                seen.clear();
            }
            let f = &mut self.findings[i];
            let n = seen.entry(f.fingerprint.clone()).or_insert(0);
            if *n > 0 {
                f.fingerprint = format!("{}:{}", f.fingerprint, n);
            }
            *n += 1;
        }
        self.errors
            .sort_by(|a, b| (&a.path, a.kind, &a.message).cmp(&(&b.path, b.kind, &b.message)));
        self.errors
            .dedup_by(|a, b| a.path == b.path && a.kind == b.kind && a.message == b.message);
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    }

    fn redact_sources(&mut self) {
        let mut by_path: BTreeMap<&str, Vec<crate::document::Span>> = BTreeMap::new();
        for f in &self.findings {
            if let Some(r) = f.redact {
                by_path.entry(&f.path).or_default().push(r);
            }
        }
        for (path, spans) in by_path {
            if let Some(src) = self.sources.get_mut(path) {
                *src = Arc::from(mask(src, &spans));
            }
        }
    }

    /// Findings that count towards the exit code: not suppressed, not baselined, at or above the
    /// threshold.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .map(Box::as_ref)
            .filter(|f| self.fails(f))
    }

    /// Whether one finding counts toward the exit code: active, at or above the threshold, and in
    /// a context whose findings fail the run.
    pub fn fails(&self, f: &Finding) -> bool {
        f.suppression.is_none()
            && !is_baselined(f)
            && f.severity >= self.fail_on
            && f.context_fails()
    }

    /// Active findings that do not fail the run because of their file's context, per context.
    pub fn not_failing_by_context(&self) -> BTreeMap<Context, usize> {
        let mut out = BTreeMap::new();
        for f in &self.findings {
            if f.suppression.is_none() && !is_baselined(f) && !f.context_fails() {
                *out.entry(f.context).or_insert(0) += 1;
            }
        }
        out
    }

    /// Active findings per context.
    pub fn by_context(&self) -> BTreeMap<Context, usize> {
        let mut out = BTreeMap::new();
        for f in &self.findings {
            if f.suppression.is_none() && !is_baselined(f) {
                *out.entry(f.context).or_insert(0) += 1;
            }
        }
        out
    }

    /// Files not scanned because of their context's `skip` mode, per context.
    pub fn skipped_by_context(&self) -> BTreeMap<Context, usize> {
        let mut out = BTreeMap::new();
        for s in &self.skipped {
            if let Some(c) = s.context {
                *out.entry(c).or_insert(0) += 1;
            }
        }
        out
    }

    pub fn exit_code(&self) -> i32 {
        if self.exit_zero || self.failing().next().is_none() {
            0
        } else {
            1
        }
    }

    /// Active (not suppressed, not baselined) findings per severity, highest first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    self.findings
                        .iter()
                        .filter(|f| f.severity == *s && f.suppression.is_none() && !is_baselined(f))
                        .count(),
                )
            })
            .collect()
    }
}

pub fn is_baselined(f: &Finding) -> bool {
    matches!(
        f.baseline,
        Some(crate::finding::BaselineState::Unchanged | crate::finding::BaselineState::Absent)
    )
}

/// Mask each span, keeping the prefix [`crate::finding::redact_secret`] shows and the byte length
/// (so spans stay valid).
pub fn mask(text: &str, spans: &[crate::document::Span]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for s in spans {
        let s = s.clamp_to(text);
        let secret = &text[s.start..s.end];
        let shown = crate::finding::shown_chars(secret.chars().count());
        let keep = secret
            .char_indices()
            .nth(shown)
            .map_or(s.end, |(i, _)| s.start + i);
        for b in &mut bytes[keep..s.end] {
            // Replace whole UTF-8 sequences byte for byte with ASCII so the length is unchanged;
            // line breaks stay, so the lines (and their numbers) do too.
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::mask;
    use crate::document::Span;

    #[test]
    fn mask_keeps_the_shown_prefix_the_length_and_the_lines() {
        let text = "a: abcdefghijklmnopqrst\nb: abcdefgh\nc: abc\nd: ab\ncd\ne";
        let spans = [
            Span::new(3, 23),
            Span::new(27, 35),
            Span::new(39, 42),
            Span::new(46, 51),
        ];
        assert_eq!(
            mask(text, &spans),
            "a: abcd****************\nb: ab******\nc: ***\nd: **\n**\ne"
        );
        // Out of range or mid-character: clamped, never a panic.
        assert_eq!(mask("é", &[Span::new(1, 9)]), "**");
    }
}
