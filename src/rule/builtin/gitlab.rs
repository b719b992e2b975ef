//! Built-in `gitlab` rules. Add `("gitlab/<name>", factory)` rows to [`RULES`], sorted by id.

use super::Factory;

/// Built-in rules of the `gitlab` pack.
pub const RULES: &[(&str, Factory)] = &[];
