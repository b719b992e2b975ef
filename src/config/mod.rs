//! The resolved policy: which rules run where, at what severity, with which options, what fails
//! the build, and which exceptions (waivers) are recorded. Built in two stages: `raw` (serde, with
//! spans for error messages) → [`Policy`] (validated), see `load.rs`.

pub mod load;
pub mod raw;

/// JSON Schema of `bylaw.toml` (`bylaw schema`).
pub const SCHEMA: &str = include_str!("schema.json");

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::GlobSet;
use serde_json::Value;

use crate::finding::Severity;
use crate::project::context::Contexts;
use crate::rule::RuleMeta;

/// How a selector names rules: an id, a pack, or a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    Pack(String),
    Rule(String),
    Tag(String),
}

impl Selector {
    pub fn parse(s: &str) -> Selector {
        if s == "all" || s == "*" {
            Selector::All
        } else if s.contains('/') {
            Selector::Rule(s.to_string())
        } else if s.contains(':') {
            Selector::Tag(s.to_string())
        } else {
            Selector::Pack(s.to_string())
        }
    }

    /// Whether the selector names something that exists (tags and `all` always do).
    pub fn exists_in(&self, registry: &crate::rule::registry::Registry) -> bool {
        match self {
            Selector::All | Selector::Tag(_) => true,
            Selector::Pack(p) => registry.packs().contains(p.as_str()),
            Selector::Rule(r) => registry.get(r).is_some(),
        }
    }

    pub fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Pack(p) => meta.pack == *p,
            Selector::Rule(r) => meta.id == *r,
            Selector::Tag(t) => meta.tags.iter().any(|x| x.eq_ignore_ascii_case(t)),
        }
    }
}

/// Path-scoped changes (`[[overrides]]`).
#[derive(Debug, Clone)]
pub struct Override {
    pub paths: GlobSet,
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub severity: Vec<(Selector, Severity)>,
}

/// A recorded exception from the policy file.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub rules: Vec<Selector>,
    pub rule_names: Vec<String>,
    /// `None`: every path.
    pub paths: Option<GlobSet>,
    pub path_globs: Vec<String>,
    pub reason: Option<String>,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub until: Option<String>,
    pub ticket: Option<String>,
    /// Where it is declared: the policy file (relative to the scan base) and line.
    pub file: String,
    pub line: usize,
}

/// An attempt in a policy file to silence a required rule; reported, never honoured.
#[derive(Debug, Clone)]
pub struct PolicyViolation {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The resolved policy the engine applies.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Empty means every rule.
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub severity: BTreeMap<String, Severity>,
    pub options: BTreeMap<String, Value>,
    /// The regular-expression options among them, compiled on load, by rule id.
    pub option_regexes: BTreeMap<String, crate::rule::options::CompiledOptions>,
    pub fail_on: Severity,
    pub required: Vec<Selector>,
    pub require_reason: bool,
    pub packs: Vec<PathBuf>,
    pub exclude: Option<GlobSet>,
    pub overrides: Vec<Override>,
    pub waivers: Vec<Waiver>,
    pub violations: Vec<PolicyViolation>,
    /// Prefix that turns a path relative to the scan base into one relative to the policy file's
    /// folder, where `paths` globs are anchored (`""` when they coincide).
    pub path_prefix: String,
    /// Policy files loaded, nearest last (for the cache key and `bylaw suppressions`).
    pub files: Vec<PathBuf>,
    /// The `version` key of the nearest policy file that sets one.
    pub version: Option<String>,
    /// Ignore inline suppressions and waivers (`--no-ignores`).
    pub no_ignores: bool,
    /// How files are put into contexts, and what each context's findings do.
    pub contexts: Contexts,
    /// Helm chart folder (relative to the nearest policy file's folder, no trailing `/`) →
    /// values files (relative to the chart) rendered over its values.yaml.
    pub helm_values: BTreeMap<String, Vec<String>>,
    /// `[terraform] var-files`: `.tfvars` files (relative to each Terraform module directory)
    /// applied after `terraform.tfvars` and `*.auto.tfvars`, in order.
    pub terraform_var_files: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            select: Vec::new(),
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            options: BTreeMap::new(),
            option_regexes: BTreeMap::new(),
            // By default every severity but `info` fails the build.
            fail_on: Severity::Low,
            required: Vec::new(),
            require_reason: false,
            packs: Vec::new(),
            exclude: None,
            overrides: Vec::new(),
            waivers: Vec::new(),
            violations: Vec::new(),
            path_prefix: String::new(),
            files: Vec::new(),
            version: None,
            no_ignores: false,
            contexts: Contexts::default(),
            helm_values: BTreeMap::new(),
            terraform_var_files: Vec::new(),
        }
    }
}

impl Policy {
    /// `path` (relative to the scan base) as seen from the policy file's folder.
    pub fn scoped<'p>(&self, path: &'p str) -> std::borrow::Cow<'p, str> {
        if self.path_prefix.is_empty() {
            std::borrow::Cow::Borrowed(path)
        } else {
            std::borrow::Cow::Owned(format!("{}{path}", self.path_prefix))
        }
    }

    pub fn is_required(&self, meta: &RuleMeta) -> bool {
        self.required.iter().any(|s| s.matches(meta))
    }

    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|g| g.is_match(self.scoped(path).as_ref()))
    }

    /// Whether a rule runs on a file at `path` (`None`: anywhere, for building the rule set).
    pub fn enabled(&self, meta: &RuleMeta, path: Option<&str>) -> bool {
        if self.is_required(meta) {
            return true;
        }
        // Findings about the policy and its suppressions (`bylaw/*`) are not hidden by a
        // selection that names other packs; only `ignore` turns them off.
        let selected = self.select.is_empty()
            || meta.pack == "bylaw"
            || self.select.iter().any(|s| s.matches(meta));
        let mut on = selected && !self.ignore.iter().any(|s| s.matches(meta));
        match path {
            Some(p) if !self.overrides.is_empty() => {
                let scoped = self.scoped(p);
                for o in &self.overrides {
                    if o.paths.is_match(scoped.as_ref()) {
                        if o.select.iter().any(|s| s.matches(meta)) {
                            on = true;
                        }
                        if o.ignore.iter().any(|s| s.matches(meta)) {
                            on = false;
                        }
                    }
                }
                on
            }
            // Building the rule set: a rule any override selects must be available.
            None => {
                on || self
                    .overrides
                    .iter()
                    .any(|o| o.select.iter().any(|s| s.matches(meta)))
            }
            Some(_) => on,
        }
    }

    pub fn severity_for(&self, meta: &RuleMeta, path: &str) -> Severity {
        let mut sev = self
            .severity
            .get(&meta.id)
            .copied()
            .unwrap_or(meta.severity);
        if !self.overrides.is_empty() {
            let scoped = self.scoped(path);
            for o in &self.overrides {
                if o.paths.is_match(scoped.as_ref()) {
                    for (s, v) in &o.severity {
                        if s.matches(meta) {
                            sev = *v;
                        }
                    }
                }
            }
        }
        // A required rule is never lowered below its declared severity.
        if self.is_required(meta) && sev < meta.severity {
            return meta.severity;
        }
        sev
    }

    /// The rule's options: defaults from its YAML, overridden key by key by the policy.
    pub fn options_for(&self, meta: &RuleMeta) -> Value {
        let mut merged = meta.options.clone();
        if let (Some(Value::Object(over)), Value::Object(base)) =
            (self.options.get(&meta.id), &mut merged)
        {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
        merged
    }
}
