//! Source code through tree-sitter, wrapped by ast-grep.
//!
//! We use ast-grep-core/ast-grep-config (rather than raw tree-sitter queries) because their rule
//! language — patterns written as code, `inside`/`has`/`not`, constraints — is what leads can write
//! without knowing grammar node names (see `RULE-LANGUAGE.md`). We implement ast-grep's `Language`
//! over our own grammar set instead of pulling `ast-grep-language`, which builds 28 grammars.

use std::borrow::Cow;

use ast_grep_core::matcher::{Pattern, PatternBuilder, PatternError};
use ast_grep_core::tree_sitter::{LanguageExt, StrDoc, TSLanguage};
use ast_grep_core::{AstGrep, Language};
use serde::Serialize;

use super::DocumentKind;

/// The tree-sitter languages bylaw parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Python,
    Javascript,
    Typescript,
    Tsx,
    Go,
    Rust,
    Bash,
}

impl Lang {
    pub fn from_kind(kind: DocumentKind) -> Option<Lang> {
        Some(match kind {
            DocumentKind::Python => Lang::Python,
            DocumentKind::Javascript => Lang::Javascript,
            DocumentKind::Typescript => Lang::Typescript,
            DocumentKind::Tsx => Lang::Tsx,
            DocumentKind::Go => Lang::Go,
            DocumentKind::Rust => Lang::Rust,
            DocumentKind::Shell => Lang::Bash,
            _ => return None,
        })
    }

    pub fn kind(self) -> DocumentKind {
        match self {
            Lang::Python => DocumentKind::Python,
            Lang::Javascript => DocumentKind::Javascript,
            Lang::Typescript => DocumentKind::Typescript,
            Lang::Tsx => DocumentKind::Tsx,
            Lang::Go => DocumentKind::Go,
            Lang::Rust => DocumentKind::Rust,
            Lang::Bash => DocumentKind::Shell,
        }
    }

    /// Parse a rule file's `language:` value (ast-grep's names and common aliases).
    pub fn from_name(name: &str) -> Option<Lang> {
        Some(match name.to_ascii_lowercase().as_str() {
            "python" | "py" => Lang::Python,
            "javascript" | "js" | "jsx" => Lang::Javascript,
            "typescript" | "ts" => Lang::Typescript,
            "tsx" => Lang::Tsx,
            "go" | "golang" => Lang::Go,
            "rust" | "rs" => Lang::Rust,
            "bash" | "sh" | "shell" => Lang::Bash,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Javascript => "javascript",
            Lang::Typescript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Rust => "rust",
            Lang::Bash => "bash",
        }
    }

    /// Parse source into an ast-grep tree. tree-sitter is error tolerant, so this only fails
    /// when the parser gives up entirely (for instance on a timeout).
    ///
    /// A tree deeper than [`MAX_TREE_DEPTH`] is refused: relational rules (`has`/`inside` with
    /// `stopBy: end`) cost grows with a power of the depth, so `$($($(…` or `((((…` thousands
    /// deep would stall the scan on one file.
    pub fn parse(self, text: &str) -> Result<AstGrep<StrDoc<Lang>>, String> {
        let tree = AstGrep::try_new(text, self)?;
        if tree_depth(tree.root().get_inner_node()) > MAX_TREE_DEPTH {
            return Err(format!(
                "syntax tree deeper than {MAX_TREE_DEPTH} levels; code rules not run"
            ));
        }
        Ok(tree)
    }
}

/// Deepest tree-sitter tree that code rules run on; real code stays far below it.
pub const MAX_TREE_DEPTH: usize = 1000;

/// Depth of a tree (iteratively, stopping once past [`MAX_TREE_DEPTH`]).
fn tree_depth(root: tree_sitter::Node<'_>) -> usize {
    let mut cursor = root.walk();
    let (mut depth, mut max) = (0usize, 0usize);
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            max = max.max(depth);
            if max > MAX_TREE_DEPTH {
                return max;
            }
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return max;
            }
            depth = depth.saturating_sub(1);
        }
    }
}

impl Language for Lang {
    fn kind_to_id(&self, kind: &str) -> u16 {
        self.get_ts_language().id_for_node_kind(kind, true)
    }

    fn field_to_id(&self, field: &str) -> Option<u16> {
        self.get_ts_language()
            .field_id_for_name(field)
            .map(|f| f.get())
    }

    fn expando_char(&self) -> char {
        match self {
            // `$` is a legal identifier character in JavaScript and TypeScript.
            Lang::Javascript | Lang::Typescript | Lang::Tsx => '$',
            _ => 'µ',
        }
    }

    fn pre_process_pattern<'q>(&self, query: &'q str) -> Cow<'q, str> {
        let expando = self.expando_char();
        if expando == '$' || !query.contains('$') {
            return Cow::Borrowed(query);
        }
        // Rewrite only metavariable sigils (`$X`, `$_`, `$$$ARGS` and anonymous `$$$`), not a
        // `$` in literal text such as a shell variable inside a pattern's string.
        let mut out = String::with_capacity(query.len());
        let mut dollars = 0usize;
        for c in query.chars() {
            if c == '$' {
                dollars += 1;
                continue;
            }
            let sigil = if c.is_ascii_uppercase() || c == '_' || dollars == 3 {
                expando
            } else {
                '$'
            };
            out.extend(std::iter::repeat_n(sigil, dollars));
            dollars = 0;
            out.push(c);
        }
        out.extend(std::iter::repeat_n(
            if dollars == 3 { expando } else { '$' },
            dollars,
        ));
        Cow::Owned(out)
    }

    fn build_pattern(&self, builder: &PatternBuilder) -> Result<Pattern, PatternError> {
        builder.build(|src| StrDoc::try_new(src, *self))
    }
}

impl LanguageExt for Lang {
    fn get_ts_language(&self) -> TSLanguage {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Javascript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::Typescript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Bash => tree_sitter_bash::LANGUAGE.into(),
        }
    }
}
