//! The rule file format, as serde reads it. Unknown keys are errors, so a typo in a lead's rule is
//! caught on load with the file, the rule and the field named.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// One file `rules/<pack>/<name>.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRule {
    /// `pack/kebab-name`; the pack must match the folder and the name the file stem.
    pub id: String,
    /// Another rule (`terraform/aws-rds-single-az`) implementing the same control for another
    /// kind of document: its title, severity and rationale are used where this file gives none,
    /// and its tags and references come first. Description and remediation stay this file's own,
    /// as they name this kind's resources and properties.
    #[serde(default)]
    pub control: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub confidence: Option<String>,
    /// `config`, `code`, `text` or `builtin`.
    #[serde(rename = "type")]
    pub rule_type: String,
    /// Document kinds (`kubernetes`, `terraform`, …) or `any`. Code rules take them from `language`.
    #[serde(default)]
    pub applies_to: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub description: String,
    #[serde(default)]
    pub rationale: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// The rule's documentation page (`https://…`), linked from findings and SARIF.
    #[serde(default)]
    pub docs_url: Option<String>,
    /// Message template; `{{value}}`, `{{$.rel.path}}`, `{{root:$.path}}` (config), `$VAR` (code).
    #[serde(default)]
    pub message: Option<String>,
    /// Only files whose path matches one of these globs.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Never files whose path matches one of these globs.
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    /// Default options (built-in rules read them; `[rules.<id>]` in `bylaw.toml` overrides).
    #[serde(default)]
    pub options: Option<Value>,

    // --- config rules ---
    /// Document filter, evaluated on the document root.
    #[serde(default)]
    pub when: Option<RawPredicate>,
    /// RFC 9535 JSONPath choosing the nodes to judge (default `$`).
    #[serde(default)]
    pub for_each: Option<String>,
    /// A node for which this predicate holds is a finding.
    #[serde(default)]
    pub deny: Option<RawPredicate>,
    /// How to fix each finding (`bylaw check --fix`), relative to the selected node.
    #[serde(default)]
    pub fix: Option<RawFix>,

    // --- code rules ---
    /// ast-grep language(s): `python`, `javascript`, `typescript`, `tsx`, `go`, `rust`, `bash`.
    #[serde(default)]
    pub language: Option<OneOrMany>,
    /// The ast-grep rule core: `rule`, `constraints`, `utils`, `transform`.
    #[serde(default)]
    pub ast_grep: Option<ast_grep_config::SerializableRuleCore>,
    /// Inline tests for `bylaw test-rules`: snippets that must match / must not.
    #[serde(default)]
    pub tests: Option<RawTests>,

    // --- text rules ---
    /// Literal keywords (ASCII case-insensitive); the regex runs only where one occurs.
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub regex: Option<String>,
    /// Capture group holding the secret (redacted in every output). Default: 1 if the regex has
    /// groups, else the whole match.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy (bits per character) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Regexes; a secret (or its line) matching one is a placeholder, not a finding.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Whether matches are secrets (redacted). Default true for text rules; for config rules, the
    /// value the finding points at is a secret (default false).
    #[serde(default)]
    pub secret: Option<bool>,
    /// Offline verifier of the secret's format (`github-checksum`): a match that verifies is
    /// marked verified, one that does not is reported with confidence lowered to `medium`.
    #[serde(default)]
    pub verify: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTests {
    #[serde(default)]
    pub valid: Vec<String>,
    #[serde(default)]
    pub invalid: Vec<String>,
}

/// The metadata a rule naming a `control` takes from it.
#[derive(Clone)]
pub struct ControlMeta {
    title: String,
    severity: String,
    rationale: String,
    tags: Vec<String>,
    references: Vec<String>,
}

impl RawRule {
    pub fn control_meta(&self) -> ControlMeta {
        ControlMeta {
            title: self.title.clone(),
            severity: self.severity.clone(),
            rationale: self.rationale.clone(),
            tags: self.tags.clone(),
            references: self.references.clone(),
        }
    }

    /// Take what this rule leaves out from the rule it names in `control`.
    pub fn inherit(&mut self, control: &ControlMeta) {
        if self.title.trim().is_empty() {
            self.title = control.title.clone();
        }
        if self.severity.trim().is_empty() {
            self.severity = control.severity.clone();
        }
        if self.rationale.trim().is_empty() {
            self.rationale = control.rationale.clone();
        }
        let own = std::mem::take(&mut self.tags);
        self.tags = control.tags.clone();
        self.tags
            .extend(own.into_iter().filter(|t| !control.tags.contains(t)));
        let own = std::mem::take(&mut self.references);
        self.references = control.references.clone();
        self.references
            .extend(own.into_iter().filter(|r| !control.references.contains(r)));
    }
}

/// A predicate over a node. A leaf names a relative JSONPath (`path`, default the node itself)
/// and one or more tests; `all`/`any`/`not` combine predicates.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPredicate {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default, rename = "in")]
    pub in_: Option<Vec<Value>>,
    #[serde(default)]
    pub contains: Option<Value>,
    #[serde(default)]
    pub gt: Option<f64>,
    #[serde(default)]
    pub gte: Option<f64>,
    #[serde(default)]
    pub lt: Option<f64>,
    #[serde(default)]
    pub lte: Option<f64>,
    /// Type test: `string`, `number`, `boolean`, `array`, `object`, `null`.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// `true`: the value may be a credential — not a placeholder, a dummy word (`token`,
    /// `guest`, `YourApiToken`) or a database URL without a password, also once base64-decoded.
    #[serde(default)]
    pub credential: Option<bool>,
    #[serde(default)]
    pub all: Option<Vec<RawPredicate>>,
    #[serde(default)]
    pub any: Option<Vec<RawPredicate>>,
    #[serde(default)]
    pub not: Option<Box<RawPredicate>>,
}

/// A config rule's fix: `set` a field under the selected node to `value` (YAML documents), or
/// `replace` the first match of a regex in the selected node's source text `with` a literal.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFix {
    /// One line saying what the fix does.
    pub description: String,
    /// `$.a.b`: the field to set, relative to the selected node (plain names only).
    #[serde(default)]
    pub set: Option<String>,
    /// The value `set` writes: a scalar or a mapping of scalars.
    #[serde(default)]
    pub value: Option<Value>,
    /// A regex over the selected node's source text; its first match is replaced.
    #[serde(default)]
    pub replace: Option<String>,
    /// The literal text that replaces the match (no `$1` expansion).
    #[serde(default)]
    pub with: Option<String>,
}

/// Optional `pack.yaml` beside a pack's rules.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub extra: BTreeMap<String, Value>,
}
