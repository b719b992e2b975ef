//! Built-in `repo` rules. Add `("repo/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `repo` pack.
pub const RULES: &[(&str, Factory)] = &[];
