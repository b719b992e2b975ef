//! Built-in `secrets` rules. Add `("secrets/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `secrets` pack.
pub const RULES: &[(&str, Factory)] = &[];
