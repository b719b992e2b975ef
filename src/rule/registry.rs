//! The set of loaded rules: built-in packs plus the organisation's packs, sorted by id.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::decl::RuleLoadError;
use crate::pack;
use crate::rule::{Rule, RuleMeta};

pub struct Registry {
    rules: Vec<Box<dyn Rule>>,
    /// Hash of every rule file's text (part of the result-cache key).
    pub content_hash: String,
}

impl Registry {
    /// Load the embedded packs and any extra pack directories. Duplicate ids are errors.
    pub fn load(extra_dirs: &[PathBuf]) -> Result<Registry, Vec<RuleLoadError>> {
        let mut sources = pack::embedded_sources();
        let mut errors = Vec::new();
        for d in extra_dirs {
            match pack::dir_sources(d) {
                Ok(s) => sources.extend(s),
                Err(e) => errors.push(e),
            }
        }
        let mut h = blake3::Hasher::new();
        for s in &sources {
            h.update(s.file.as_bytes());
            h.update(s.text.as_bytes());
        }
        let content_hash = h.finalize().to_hex().to_string();
        let (mut rules, errs) = pack::compile_sources(sources);
        errors.extend(errs);
        rules.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
        for w in rules.windows(2) {
            if w[0].meta().id == w[1].meta().id {
                errors.push(RuleLoadError {
                    file: w[1].meta().source.clone(),
                    rule: Some(w[1].meta().id.clone()),
                    message: format!("duplicate rule id, also declared in {}", w[0].meta().source),
                });
            }
        }
        if errors.is_empty() {
            Ok(Registry {
                rules,
                content_hash,
            })
        } else {
            Err(errors)
        }
    }

    pub fn from_rules(mut rules: Vec<Box<dyn Rule>>) -> Registry {
        rules.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
        Registry {
            rules,
            content_hash: String::new(),
        }
    }

    pub fn rules(&self) -> &[Box<dyn Rule>] {
        &self.rules
    }

    pub fn metas(&self) -> impl Iterator<Item = &RuleMeta> {
        self.rules.iter().map(|r| r.meta())
    }

    pub fn get(&self, id: &str) -> Option<&dyn Rule> {
        self.rules
            .binary_search_by(|r| r.meta().id.as_str().cmp(id))
            .ok()
            .map(|i| self.rules[i].as_ref())
    }

    pub fn packs(&self) -> BTreeSet<&str> {
        self.metas().map(|m| m.pack.as_str()).collect()
    }
}
