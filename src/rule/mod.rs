//! The one rule interface and the metadata every rule declares once.
//!
//! Every rule — declarative (config, code, text) or built in Rust — has its metadata in a YAML file
//! under `rules/<pack>/<name>.yaml`. `bylaw explain`, `bylaw rules`, the README table and SARIF rule
//! descriptors are all rendered from [`RuleMeta`]. Built-in rules add their logic in
//! `src/rule/builtin/` and are matched to their YAML by id.

pub mod builtin;
pub mod options;
pub mod registry;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::document::{Document, DocumentKind, Span};
use crate::finding::{Confidence, Finding, Severity};

/// How a rule is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleType {
    /// JSONPath selector + predicates over a configuration value tree.
    Config,
    /// An ast-grep rule over a tree-sitter tree.
    Code,
    /// Regex with a literal prefilter over raw text (secrets).
    Text,
    /// Rust code in `src/rule/builtin/`.
    Builtin,
}

impl RuleType {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleType::Config => "config",
            RuleType::Code => "code",
            RuleType::Text => "text",
            RuleType::Builtin => "builtin",
        }
    }
}

/// Metadata declared once per rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    /// `pack/kebab-name`, stable forever.
    pub id: String,
    pub pack: String,
    /// One line, lowercase, no trailing period.
    pub title: String,
    pub severity: Severity,
    pub confidence: Confidence,
    #[serde(rename = "type")]
    pub rule_type: RuleType,
    pub applies_to: Vec<DocumentKind>,
    /// `cwe:250`, `cis-k8s:5.2.1`, `owasp:A05`, `pss:baseline`…
    pub tags: Vec<String>,
    /// What the rule checks.
    pub description: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix, with a corrected snippet.
    pub remediation: String,
    pub references: Vec<String>,
    /// Default options, overridable by `[rules.<id>]` in `bylaw.toml`.
    pub options: Value,
    /// The regular-expression defaults among them, compiled on load ([`options`]).
    #[serde(skip)]
    pub option_regexes: options::CompiledOptions,
    /// Where the rule was declared (`rules/k8s/privileged-container.yaml`).
    pub source: String,
    /// What the rule's fix does, when it offers one (`bylaw check --fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The rule's documentation page: its own `docs-url`, or for a built-in rule the page the
    /// build named (`BYLAW_DOCS_URL`); `None` when there is none, never a guessed address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs_url: Option<String>,
}

impl RuleMeta {
    /// The documentation link shown with findings and in SARIF, if the rule has one.
    pub fn help_uri(&self) -> Option<&str> {
        self.docs_url.as_deref()
    }

    /// The first paragraph of the remediation, used as a finding's help line.
    pub fn short_help(&self) -> String {
        self.remediation
            .split("\n\n")
            .next()
            .unwrap_or("")
            .trim()
            .replace('\n', " ")
    }

    pub fn applies(&self, kind: DocumentKind) -> bool {
        self.applies_to.contains(&kind)
    }
}

/// Documentation page template for the built-in rules, fixed when bylaw is built: a distributor
/// sets `BYLAW_DOCS_URL=https://example.org/rules/{id}` (`{id}`, `{pack}` and `{name}` are filled
/// in; without a placeholder the id is appended as a path segment). Unset: no link.
pub const BUILTIN_DOCS_URL: Option<&str> = option_env!("BYLAW_DOCS_URL");

/// A built-in rule's documentation page under `template` (see [`BUILTIN_DOCS_URL`]).
pub fn builtin_docs_url(template: Option<&str>, id: &str) -> Option<String> {
    let t = template?.trim();
    if t.is_empty() {
        return None;
    }
    let (pack, name) = id.split_once('/').unwrap_or(("", id));
    if t.contains("{id}") || t.contains("{pack}") || t.contains("{name}") {
        Some(
            t.replace("{id}", id)
                .replace("{pack}", pack)
                .replace("{name}", name),
        )
    } else {
        Some(format!("{}/{id}", t.trim_end_matches('/')))
    }
}

/// Everything a rule may read while checking, and where it puts findings.
pub struct RuleContext<'a> {
    pub meta: &'a RuleMeta,
    /// The rule's options: its defaults merged with the policy's `[rules.<id>]`.
    pub options: &'a Value,
    /// The policy's compiled regular-expression options for this rule, if it sets any.
    pub regexes: Option<&'a options::CompiledOptions>,
    pub findings: Vec<Finding>,
}

impl<'a> RuleContext<'a> {
    pub fn new(meta: &'a RuleMeta, options: &'a Value) -> Self {
        RuleContext {
            meta,
            options,
            regexes: None,
            findings: Vec::new(),
        }
    }

    /// Use the policy's compiled regular-expression options.
    pub fn with_regexes(mut self, regexes: Option<&'a options::CompiledOptions>) -> Self {
        self.regexes = regexes;
        self
    }

    /// A regular-expression option (`*-pattern`, `*-patterns`), compiled when the policy or the
    /// rule loaded: the policy's value, else the rule's default.
    pub fn option_regexes(&self, key: &str) -> &[regex::Regex] {
        self.regexes
            .and_then(|c| c.get(key))
            .or_else(|| self.meta.option_regexes.get(key))
            .unwrap_or(&[])
    }

    /// Report a finding at `span` of `path`; returns it so the caller can add a label,
    /// related locations or a fingerprint key.
    pub fn report(
        &mut self,
        path: &str,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> &mut Finding {
        let mut f = Finding::new(&self.meta.id, self.meta.severity, path, message.into());
        f.confidence = self.meta.confidence;
        f.span = span;
        let at = self.findings.len();
        self.findings.push(f);
        &mut self.findings[at]
    }

    pub fn option_str_list(&self, key: &str) -> Vec<String> {
        self.options
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn option_bool(&self, key: &str) -> Option<bool> {
        self.options.get(key).and_then(Value::as_bool)
    }
}

/// What scan-level rules see: documents kept for cross-file checks and every path scanned.
pub struct ScanContext {
    /// Documents of the kinds some scan-level rule asked for.
    pub documents: Vec<Arc<Document>>,
    /// Every file the walk found (including skipped ones), repository-relative, sorted.
    pub files: Vec<String>,
    /// Repository roots judged by repository-level rules, as relative paths (`""` for the base).
    pub repo_roots: Vec<String>,
    /// The scan base on disk: every path above is relative to it (for reading a few files).
    pub base: std::path::PathBuf,
}

/// The one rule interface. Rules detect; the engine and the policy decide what counts.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &RuleMeta;

    /// Check one document. Called only for kinds in `meta().applies_to`.
    fn check(&self, _doc: &Document, _cx: &mut RuleContext) {}

    /// Document kinds this rule needs kept in memory for [`Rule::check_scan`].
    fn scan_kinds(&self) -> &[DocumentKind] {
        &[]
    }

    /// JSON Pointer prefixes [`Rule::check_scan`] reads in the kept documents (`None`: all of
    /// them). Documents are kept cut down to these nodes, so memory does not grow with what
    /// cross-document rules never look at.
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Text a document outside the files being checked must contain to matter to
    /// [`Rule::check_scan`], when only some files are checked (pre-commit, `--staged`, `--since`,
    /// explicit files): for a rule relating a workload to its PodDisruptionBudget,
    /// `PodDisruptionBudget`. The engine then reads the rest of the repository but parses only
    /// the documents that contain one. `None`: every document of [`Rule::scan_kinds`] matters.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// For rules that relate documents within one directory only (a Terraform module is a
    /// directory): `Some(anywhere)` says that, in a partial scan, a document outside the
    /// directories of the files being checked matters only if it contains one of `anywhere`
    /// (an account-wide setting); the rule's [`Rule::relation_keywords`] then apply within those
    /// directories. `None`: the whole repository matters.
    fn relation_directory_only(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Whether [`Rule::check_scan`] should run (cross-document and repository rules).
    fn is_scan_level(&self) -> bool {
        false
    }

    /// Check the whole scan once, after every document.
    fn check_scan(&self, _scan: &ScanContext, _cx: &mut RuleContext) {}

    /// Whether [`Rule::dropped_paths`] should run.
    fn filters_findings(&self) -> bool {
        false
    }

    /// Of `paths` (the files this rule reported on, one document at a time), those whose
    /// findings the whole scan shows to be wrong; they are dropped. A per-file finding may
    /// depend on other files (a crate without a library target is a binary), and per-file
    /// results are cached by content, so the other files are judged here, after every file.
    fn dropped_paths(&self, _scan: &ScanContext, _paths: &[&str]) -> Vec<String> {
        Vec::new()
    }

    /// Literal keywords without which the rule cannot match (text rules); the engine runs one
    /// shared automaton over each file and calls only the rules whose keywords occur.
    fn prefilter_keywords(&self) -> Option<&[String]> {
        None
    }

    /// The ast-grep side of a code rule, so the engine can run every code rule of a language in
    /// one traversal of the tree (indexed by node kind) instead of one traversal per rule.
    fn as_code(&self) -> Option<&crate::decl::code_rule::CodeRule> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::builtin_docs_url;

    #[test]
    fn builtin_docs_links_come_from_the_build_template_only() {
        assert_eq!(builtin_docs_url(None, "k8s/privileged-container"), None);
        assert_eq!(builtin_docs_url(Some("  "), "k8s/x"), None);
        assert_eq!(
            builtin_docs_url(Some("https://d.example/{pack}/{name}.html"), "k8s/x").as_deref(),
            Some("https://d.example/k8s/x.html")
        );
        assert_eq!(
            builtin_docs_url(Some("https://d.example/rules/"), "k8s/x").as_deref(),
            Some("https://d.example/rules/k8s/x")
        );
    }
}
