//! Built-in `shell` rules. Add `("shell/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `shell` pack.
pub const RULES: &[(&str, Factory)] = &[];
