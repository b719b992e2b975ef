//! Built-in `shell` rules. Add `("shell/<name>", factory)` rows to [`RULES`], sorted by id.
//!
//! - `shell/missing-errexit`: an executable script (shebang) with real work in it that never turns
//!   on errexit (`set -e`, `set -o errexit`, or `-e` on the shebang line).

use super::{Check, Factory};
use crate::document::{Document, Span};
use crate::rule::RuleContext;

/// Built-in rules of the `shell` pack.
pub const RULES: &[(&str, Factory)] = &[("shell/missing-errexit", || Box::new(MissingErrexit))];

pub struct MissingErrexit;

/// Does a `set` invocation's argument list turn errexit on? `-e`, `-eu`, `-Eeuo pipefail`,
/// `-o errexit`, `-euxo pipefail`. `+e` turns it off; `set -- -e` sets positional parameters.
fn set_enables_errexit(args: &[&str]) -> bool {
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if a == "--" || a == "-" {
            return false;
        }
        if let Some(flags) = a.strip_prefix('-') {
            if flags.contains('e') {
                return true;
            }
            if flags.ends_with('o') && args.get(i + 1) == Some(&"errexit") {
                return true;
            }
        } else if !a.starts_with('+') && a != "errexit" && a != "pipefail" && a != "nounset" {
            // `set -o pipefail` style option names are skipped; anything else ends the options.
            if i > 0 && args[i - 1].ends_with('o') {
                i += 1;
                continue;
            }
            return false;
        }
        i += 1;
    }
    false
}

/// Whether one line (outside comments) enables errexit through `set`.
fn line_enables_errexit(line: &str) -> bool {
    // Split on command separators so `cd "$(dirname "$0")" && set -e` and `set -e; foo` count.
    line.split([';', '&', '|']).map(str::trim).any(|cmd| {
        let mut words = cmd.split_whitespace();
        match words.next() {
            Some("set") => {
                let args: Vec<&str> = words.take_while(|w| !w.starts_with('#')).collect();
                set_enables_errexit(&args)
            }
            _ => false,
        }
    })
}

impl Check for MissingErrexit {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let text: &str = &doc.text;
        let Some(first) = text.lines().next() else {
            return;
        };
        let Some(shebang) = first.strip_prefix("#!") else {
            // No shebang: a library meant to be sourced; errexit there would change the caller.
            return;
        };
        let words: Vec<&str> = shebang.split_whitespace().collect();
        let interp = words
            .iter()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .find(|w| *w != "env" && !w.starts_with('-'))
            .unwrap_or("");
        if !matches!(
            interp,
            "sh" | "bash" | "dash" | "ksh" | "zsh" | "ash" | "mksh"
        ) {
            return;
        }
        // `#!/bin/bash -e`, `#!/usr/bin/env -S bash -eu`.
        if words
            .iter()
            .skip_while(|w| w.rsplit('/').next() != Some(interp))
            .skip(1)
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
        {
            return;
        }
        let mut commands = 0usize;
        for line in text.lines().skip(1) {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if line_enables_errexit(t) {
                return;
            }
            commands += 1;
        }
        if commands < 2 {
            return;
        }
        let end = first.len();
        cx.report(
            &doc.path,
            Some(Span::new(0, end)),
            "script does not enable errexit: add `set -euo pipefail` (bash) or `set -eu` (sh)",
        )
        .with_key_mut("missing-errexit");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_forms() {
        assert!(line_enables_errexit("set -e"));
        assert!(line_enables_errexit("set -euo pipefail"));
        assert!(line_enables_errexit("set -Eeuo pipefail"));
        assert!(line_enables_errexit("set -o errexit"));
        assert!(line_enables_errexit("set -o nounset -o errexit"));
        assert!(line_enables_errexit("cd /x && set -e"));
        assert!(!line_enables_errexit("set -u"));
        assert!(!line_enables_errexit("set -o pipefail"));
        assert!(!line_enables_errexit("set +e"));
        assert!(!line_enables_errexit("set -- -e foo"));
        assert!(!line_enables_errexit("echo set -e"));
    }
}
