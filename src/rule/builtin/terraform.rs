//! Built-in `terraform` rules. Add `("terraform/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `terraform` pack.
pub const RULES: &[(&str, Factory)] = &[];
