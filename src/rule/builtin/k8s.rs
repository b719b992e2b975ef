//! Built-in `k8s` rules. Add `("k8s/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `k8s` pack.
pub const RULES: &[(&str, Factory)] = &[];
