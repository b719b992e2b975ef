//! Findings: what a rule reports, with the exact span and a line-independent fingerprint.

pub mod severity;

use serde::Serialize;

use crate::document::{LineCol, Span};
use crate::project::context::{Context, Mode};
pub use severity::{Confidence, Severity};

/// A secondary location shown next to the primary one.
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    pub path: String,
    pub span: Option<Span>,
    pub start: Option<LineCol>,
    pub message: String,
}

/// Why a finding does not count (inline comment, waiver…). Suppressed findings stay in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    /// `inSource` (comment or annotation) or `external` (waiver in the policy file).
    pub kind: String,
    pub justification: Option<String>,
    pub owner: Option<String>,
    pub until: Option<String>,
}

/// Baseline state of a finding when `--baseline` is used.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
    Absent,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    /// Repository-relative path, `/` separated. For repository-level findings, the file that
    /// should change (for example `LICENSE`) or `.`.
    pub path: String,
    /// Primary span; `None` for findings about a file or a repository as a whole.
    pub span: Option<Span>,
    pub start: Option<LineCol>,
    pub end: Option<LineCol>,
    /// Short label printed under the span.
    pub label: Option<String>,
    pub related: Vec<Related>,
    /// How to fix, one paragraph (the rule's remediation summary by default).
    pub help: Option<String>,
    /// Stable id: rule, path and the normalised offending content, not the line number.
    pub fingerprint: String,
    /// What the fingerprint is computed from (set by rules; the engine adds rule and path).
    #[serde(skip)]
    pub fingerprint_key: String,
    /// Bytes to mask in every output (secrets).
    #[serde(skip)]
    pub redact: Option<Span>,
    /// The credential's format verified offline as real (for example a GitHub token whose
    /// checksum holds): such a finding fails in every file context, tests and docs included.
    #[serde(skip)]
    pub verified: bool,
    /// The context of the file the finding is in (production, test, …).
    pub context: Context,
    /// What findings in that context do: `fail` counts toward the exit code, `report` does not.
    #[serde(skip)]
    pub context_mode: Mode,
    pub suppression: Option<Box<Suppression>>,
    pub baseline: Option<BaselineState>,
    pub owners: Vec<String>,
    /// The edit that resolves the finding, where the rule can make it safely.
    pub fix: Option<Box<crate::fix::Fix>>,
}

impl Finding {
    pub fn new(rule_id: &str, severity: Severity, path: &str, message: String) -> Self {
        Finding {
            rule_id: rule_id.to_string(),
            severity,
            confidence: Confidence::High,
            message,
            path: path.to_string(),
            span: None,
            start: None,
            end: None,
            label: None,
            related: Vec::new(),
            help: None,
            fingerprint: String::new(),
            fingerprint_key: String::new(),
            redact: None,
            verified: false,
            context: Context::Production,
            context_mode: Mode::Fail,
            suppression: None,
            baseline: None,
            owners: Vec::new(),
            fix: None,
        }
    }

    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.fingerprint_key = key.into();
        self
    }

    pub fn with_related(
        mut self,
        path: &str,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            path: path.to_string(),
            span,
            start: None,
            message: message.into(),
        });
        self
    }

    /// Attach a fix to a finding already pushed into a context.
    pub fn with_fix_mut(&mut self, fix: Option<crate::fix::Fix>) -> &mut Self {
        self.fix = fix.map(Box::new);
        self
    }

    /// Set the fingerprint key on a finding already pushed into a context.
    pub fn with_key_mut(&mut self, key: impl Into<String>) -> &mut Self {
        self.fingerprint_key = key.into();
        self
    }

    /// Sort key for deterministic output.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        let (s, e) = self.span.map_or((0, 0), |s| (s.start, s.end));
        (&self.path, s, e, &self.rule_id, &self.message)
    }

    /// Whether the finding's context lets it fail the run: a `fail` context, or a credential
    /// verified as real, which fails in every context.
    pub fn context_fails(&self) -> bool {
        self.context_mode == Mode::Fail || self.verified
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

/// Short, non-reversible rendering of a secret: a prefix and the length.
pub fn redact_secret(secret: &str) -> String {
    let n = secret.chars().count();
    let shown: String = secret.chars().take(shown_chars(n)).collect();
    format!("{shown}… ({n} chars)")
}

/// How many leading characters of an `n`-character secret outputs may show: enough to recognise
/// it, never enough to matter (nothing of a very short one).
pub fn shown_chars(n: usize) -> usize {
    match n {
        16.. => 4,
        6.. => 2,
        _ => 0,
    }
}
