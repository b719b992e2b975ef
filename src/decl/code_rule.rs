//! Code rules: an ast-grep rule core compiled once per language, matched on the document's tree.

use ast_grep_config::{DeserializeEnv, RuleCore, SerializableRuleCore};
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep, NodeMatch};

use crate::document::code::Lang;
use crate::document::{Document, Span};
use crate::rule::{Rule, RuleContext, RuleMeta};

pub struct CodeRule {
    pub meta: RuleMeta,
    pub matchers: Vec<(Lang, RuleCore)>,
    pub message: String,
    pub filter: super::PathFilter,
    /// Literals the file must contain before the rule can match ([`super::needs`]).
    pub needs: super::needs::Clauses,
}

impl CodeRule {
    pub fn compile_core(core: &SerializableRuleCore, lang: Lang) -> Result<RuleCore, String> {
        core.get_matcher(DeserializeEnv::new(lang))
            .map_err(|e| format!("invalid ast-grep rule for {}: {e}", lang.name()))
    }

    /// The finding for one match: span, message and a whitespace-normalised fingerprint key.
    pub fn describe(&self, m: &NodeMatch<StrDoc<Lang>>) -> (Span, String, String) {
        let r = m.range();
        let key = m.text().split_whitespace().collect::<Vec<_>>().join(" ");
        (
            Span::new(r.start, r.end),
            interpolate(&self.message, m),
            key,
        )
    }

    /// Run on an already parsed tree; returns (span, message, fingerprint key) per match.
    pub fn matches(&self, lang: Lang, tree: &AstGrep<StrDoc<Lang>>) -> Vec<(Span, String, String)> {
        self.matchers
            .iter()
            .filter(|(l, _)| *l == lang)
            .flat_map(|(_, core)| {
                tree.root()
                    .find_all(core)
                    .map(|m| self.describe(&m))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Replace `$NAME` in the message with the captured node's text (shortened).
fn interpolate(template: &str, m: &NodeMatch<StrDoc<Lang>>) -> String {
    let env = m.get_env();
    let mut out = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_ascii_uppercase() || chars[j] == '_' || chars[j].is_ascii_digit())
            {
                j += 1;
            }
            if j > i + 1 {
                let name: String = chars[i + 1..j].iter().collect();
                if let Some(node) = env.get_match(&name) {
                    let t = node.text();
                    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    if t.chars().count() > 60 {
                        out.push_str(&t.chars().take(57).collect::<String>());
                        out.push('…');
                    } else {
                        out.push_str(&t);
                    }
                    i = j;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

impl Rule for CodeRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn as_code(&self) -> Option<&CodeRule> {
        Some(self)
    }

    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if !self.filter.allows(&doc.path) {
            return;
        }
        let Some(lang) = Lang::from_kind(doc.kind) else {
            return;
        };
        let Some(tree) = doc.code() else { return };
        for (span, msg, key) in self.matches(lang, tree) {
            cx.report(&doc.path, Some(span), msg).with_key_mut(key);
        }
    }
}
