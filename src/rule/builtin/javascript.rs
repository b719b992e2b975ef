//! Built-in `javascript` rules. Add `("javascript/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `javascript` pack.
pub const RULES: &[(&str, Factory)] = &[];
