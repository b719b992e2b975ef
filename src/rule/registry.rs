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
        let builtin = pack::embedded_sources();
        let mut extra = Vec::new();
        let mut errors = Vec::new();
        for d in extra_dirs {
            match pack::dir_sources(d) {
                Ok(s) => extra.extend(s),
                Err(e) => errors.push(e),
            }
        }
        let mut h = blake3::Hasher::new();
        for s in builtin.iter().chain(&extra) {
            h.update(s.file.as_bytes());
            h.update(s.text.as_bytes());
        }
        let content_hash = h.finalize().to_hex().to_string();
        let (mut rules, errs) = pack::compile_sources(builtin);
        errors.extend(errs);
        let (org_rules, errs) = pack::compile_sources(extra);
        errors.extend(errs);
        errors.extend(pack::reserved_pack_errors(&org_rules));
        rules.extend(org_rules);
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

    /// Rule ids and packs close to an unknown `name`, closest first (at most three): a small
    /// edit distance, or the same rule name in another pack, or a name the id contains.
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        let name = name.trim().to_ascii_lowercase();
        let tail = name.rsplit('/').next().unwrap_or(&name);
        let packs = self.packs();
        let mut scored: Vec<(usize, &str)> = self
            .metas()
            .map(|m| m.id.as_str())
            .chain(packs.iter().copied())
            .filter_map(|c| {
                let c_tail = c.rsplit('/').next().unwrap_or(c);
                let d = edit_distance(&name, c).min(edit_distance(tail, c_tail) + 1);
                let limit = (name.chars().count() / 4).max(2);
                if c_tail == tail {
                    Some((0, c))
                } else if d <= limit {
                    Some((d, c))
                } else if tail.len() >= 4 && c_tail.contains(tail) {
                    Some((limit + 1, c))
                } else {
                    None
                }
            })
            .collect();
        scored.sort();
        scored.dedup_by(|a, b| a.1 == b.1);
        // Only the closest: a one-letter typo should not also suggest ids five edits away.
        let best = scored.first().map_or(0, |s| s.0);
        scored
            .into_iter()
            .take_while(|(d, _)| *d <= best + 1)
            .take(3)
            .map(|(_, c)| c)
            .collect()
    }

    /// `; did you mean `a`, `b`?` for an unknown `name`, or nothing when no id is close.
    pub fn did_you_mean(&self, name: &str) -> String {
        let close = self.suggest(name);
        if close.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
            format!("; did you mean {}?", quoted.join(", "))
        }
    }
}

/// Levenshtein distance in characters (ids are short: the quadratic table is tiny).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{Registry, edit_distance};

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("privleged", "privileged"), 1);
    }

    #[test]
    fn unknown_ids_get_the_closest_rule_or_pack() {
        let r = Registry::load(&[]).expect("built-in rules load");
        assert_eq!(
            r.suggest("k8s/privleged-container").first(),
            Some(&"k8s/privileged-container")
        );
        // The right name in the wrong pack, or no pack at all.
        assert!(
            r.suggest("privileged-container")
                .contains(&"k8s/privileged-container")
        );
        assert_eq!(r.suggest("k8").first(), Some(&"k8s"));
        assert!(r.suggest("zzzzzzzzzzzzzzzz").is_empty());
        assert_eq!(r.did_you_mean("zzzzzzzzzzzzzzzz"), "");
        assert!(
            r.did_you_mean("k8s/privleged-container")
                .contains("did you mean `k8s/privileged-container`")
        );
    }
}
