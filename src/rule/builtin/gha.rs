//! Built-in `gha` rules. Add `("gha/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `gha` pack.
pub const RULES: &[(&str, Factory)] = &[];
