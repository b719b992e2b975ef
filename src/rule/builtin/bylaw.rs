//! The `bylaw` pack: findings about suppressions and the policy itself. They are produced by the
//! suppression stage (`crate::suppress`), not by document checks, so their logic here is empty.

use super::{Check, Factory};

struct ProducedBySuppression;

impl Check for ProducedBySuppression {}

fn make() -> Box<dyn Check> {
    Box::new(ProducedBySuppression)
}

/// Built-in rules of the `bylaw` pack, sorted by id.
pub const RULES: &[(&str, Factory)] = &[
    ("bylaw/expired-suppression", make),
    ("bylaw/invalid-suppression", make),
    ("bylaw/missing-suppression-reason", make),
    ("bylaw/required-rule-override", make),
    ("bylaw/suppression-of-required-rule", make),
    ("bylaw/unused-suppression", make),
];
