//! Built-in `compose` rules. Add `("compose/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `compose` pack.
pub const RULES: &[(&str, Factory)] = &[];
