//! Built-in `docker` rules. Add `("docker/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `docker` pack.
pub const RULES: &[(&str, Factory)] = &[];
