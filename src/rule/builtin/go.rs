//! Built-in `go` rules. Add `("go/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `go` pack.
pub const RULES: &[(&str, Factory)] = &[];
