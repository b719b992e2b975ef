//! Built-in `python` rules. Add `("python/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `python` pack.
pub const RULES: &[(&str, Factory)] = &[];
