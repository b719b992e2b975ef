//! The resolved policy: which rules run where, at what severity, with which options, and what
//! fails the build. Built from `bylaw.toml` (see `raw.rs` when present) and command-line flags.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::finding::Severity;
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

    pub fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Pack(p) => meta.pack == *p,
            Selector::Rule(r) => meta.id == *r,
            Selector::Tag(t) => meta.tags.iter().any(|x| x.eq_ignore_ascii_case(t)),
        }
    }
}

/// The resolved policy the engine applies.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Empty means every rule.
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub severity: BTreeMap<String, Severity>,
    pub options: BTreeMap<String, Value>,
    pub fail_on: Severity,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            select: Vec::new(),
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            options: BTreeMap::new(),
            // By default every severity but `info` fails the build.
            fail_on: Severity::Low,
        }
    }
}

impl Policy {
    /// Whether a rule runs on a file at `path` (`None`: scan-level).
    pub fn enabled(&self, meta: &RuleMeta, _path: Option<&str>) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| s.matches(meta));
        selected && !self.ignore.iter().any(|s| s.matches(meta))
    }

    pub fn severity_for(&self, meta: &RuleMeta, _path: &str) -> Severity {
        self.severity
            .get(&meta.id)
            .copied()
            .unwrap_or(meta.severity)
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
