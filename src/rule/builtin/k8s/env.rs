//! `k8s/duplicate-env-var`: a container that sets one environment variable twice. A child module
//! of `k8s` so that it shares that pack's workload table and reporting helpers.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::Value;

use super::{ALL_CONTAINERS, container_name, containers, pod_spec_ptr, report};
use crate::document::Document;
use crate::rule::RuleContext;
use crate::rule::builtin::{Check, Factory};

/// Built-in rules of the `k8s` pack that live in this module.
pub const RULES: &[(&str, Factory)] = &[("k8s/duplicate-env-var", || Box::new(DuplicateEnvVar))];

struct DuplicateEnvVar;

impl Check for DuplicateEnvVar {
    fn keywords(&self) -> &'static [&'static str] {
        &["env"]
    }

    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let Some(pod_ptr) = pod_spec_ptr(&cd.value) else {
                continue;
            };
            let Some(pod) = cd.value.pointer(pod_ptr) else {
                continue;
            };
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                let Some(env) = c.get("env").and_then(Value::as_array) else {
                    continue;
                };
                // Variable name → 1-based position of its first definition.
                let mut first: HashMap<&str, usize> = HashMap::new();
                for (i, e) in env.iter().enumerate() {
                    let Some(name) = e.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    match first.entry(name) {
                        Entry::Vacant(v) => {
                            v.insert(i + 1);
                        }
                        Entry::Occupied(o) => report(
                            cx,
                            doc,
                            cd,
                            &format!("{cptr}/env/{i}/name"),
                            format!(
                                "container '{}' sets {name} again (first set by env entry {}): \
                                 only this later value takes effect",
                                container_name(c),
                                o.get()
                            ),
                        ),
                    }
                }
            }
        }
    }
}
