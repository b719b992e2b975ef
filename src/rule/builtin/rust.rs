//! Built-in `rust` rules. Add `("rust/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `rust` pack.
pub const RULES: &[(&str, Factory)] = &[];
