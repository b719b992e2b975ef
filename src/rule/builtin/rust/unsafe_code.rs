//! `rust/undocumented-unsafe`, `rust/allow-unsafe-code`, `rust/mem-transmute`.

use std::collections::HashMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{AttrStyle, Attribute, Expr, UseTree};

use super::walk::{Ctx, Event, Hooks, walk, walk_text};
use super::{Hits, line_text, path_segs, run, span};
use crate::document::Document;
use crate::rule::RuleContext;
use crate::rule::builtin::Check;

// ---------------------------------------------------------------------------------------------
// rust/undocumented-unsafe

pub struct UndocumentedUnsafe;

impl Check for UndocumentedUnsafe {
    fn keywords(&self) -> &'static [&'static str] {
        &["unsafe"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut h = UnsafeHooks {
                doc,
                hits: Vec::new(),
                contracts: Vec::new(),
            };
            walk_text(file, &doc.text, &mut h);
            h.hits
        });
    }
}

struct UnsafeHooks<'d> {
    doc: &'d Document,
    hits: Hits,
    /// Line ranges of the `unsafe fn`s seen so far whose docs have a `# Safety` section: the
    /// unsafe blocks in their bodies rely on that contract.
    contracts: Vec<(usize, usize)>,
}

fn says_safety(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("safety:") || l.contains("# safety")
}

/// A line that may sit between a `SAFETY:` comment and the code it documents.
fn is_comment_or_attr(t: &str) -> bool {
    t.starts_with("//")
        || t.starts_with("/*")
        || t.starts_with('*')
        || t.ends_with("*/")
        || t.starts_with("#[")
        || t.starts_with("#![")
}

impl UnsafeHooks<'_> {
    /// `SAFETY:` on the line itself or in the comment/attribute lines right above it.
    fn above(&self, line1: usize) -> bool {
        if says_safety(line_text(self.doc, line1)) {
            return true;
        }
        for l in (1..line1).rev() {
            let t = line_text(self.doc, l).trim();
            if !is_comment_or_attr(t) {
                return false;
            }
            if says_safety(t) {
                return true;
            }
        }
        false
    }

    /// `SAFETY:` in the comment lines that open the block (`unsafe {` then `// SAFETY: …`).
    fn inside(&self, line1: usize) -> bool {
        let count = self.doc.lines().line_count();
        for l in line1 + 1..=count {
            let t = line_text(self.doc, l).trim();
            if !is_comment_or_attr(t) {
                return false;
            }
            if says_safety(t) {
                return true;
            }
        }
        false
    }

    fn documented(&self, line1: usize, cx: &Ctx, inside: bool) -> bool {
        self.above(line1)
            || cx.anchor_line.is_some_and(|a| a < line1 && self.above(a))
            || (inside && self.inside(line1))
    }

    /// A block: also `SAFETY:` above any enclosing statement (or arm, or field value), or the
    /// `# Safety` contract of the enclosing `unsafe fn`.
    fn block_documented(&self, line1: usize, cx: &Ctx, enclosing: &[usize]) -> bool {
        self.documented(line1, cx, true)
            || enclosing
                .iter()
                .any(|&a| a < line1 && Some(a) != cx.anchor_line && self.above(a))
            || self
                .contracts
                .iter()
                .any(|&(start, end)| start <= line1 && line1 <= end)
    }
}

fn doc_says_safety(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc")
            && matches!(&a.meta, syn::Meta::NameValue(nv) if matches!(&nv.value,
                Expr::Lit(l) if matches!(&l.lit, syn::Lit::Str(s) if says_safety(&s.value()))))
    })
}

impl Hooks for UnsafeHooks<'_> {
    fn on(&mut self, ev: Event<'_>, cx: &Ctx) {
        let (kw, msg) = match ev {
            Event::UnsafeBlock { block, enclosing } => {
                let kw = block.unsafe_token.span;
                if self.block_documented(kw.start().line, cx, enclosing) {
                    return;
                }
                (
                    kw,
                    "`unsafe` block without a `// SAFETY:` comment explaining why it is sound",
                )
            }
            Event::UnsafeFn {
                unsafety,
                attrs,
                end_line,
            } => {
                if doc_says_safety(attrs) {
                    // Source order: the body's blocks come after this event.
                    self.contracts.push((unsafety.start().line, end_line));
                    return;
                }
                if self.documented(unsafety.start().line, cx, false) {
                    return;
                }
                (
                    unsafety,
                    "`unsafe fn` without a `# Safety` doc section or `SAFETY:` comment stating its contract",
                )
            }
            Event::UnsafeImpl { unsafety, attrs } => {
                if doc_says_safety(attrs) || self.documented(unsafety.start().line, cx, true) {
                    return;
                }
                (
                    unsafety,
                    "`unsafe impl` without a `// SAFETY:` comment explaining why the invariants hold",
                )
            }
            _ => return,
        };
        self.hits.push((span(self.doc, kw), msg.to_string()));
    }
}

// ---------------------------------------------------------------------------------------------
// rust/allow-unsafe-code

pub struct AllowUnsafeCode;

impl Check for AllowUnsafeCode {
    fn keywords(&self) -> &'static [&'static str] {
        &["unsafe_code"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut h = AllowHooks {
                doc,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

struct AllowHooks<'d> {
    doc: &'d Document,
    hits: Hits,
}

/// `unsafe_code` (not `clippy::…`) among a lint list's tokens.
fn lint_list_names_unsafe_code(tokens: TokenStream) -> bool {
    let mut prev_colon = false;
    for t in tokens {
        match &t {
            TokenTree::Ident(i) if i == "unsafe_code" && !prev_colon => return true,
            TokenTree::Punct(p) => {
                prev_colon = p.as_char() == ':';
                continue;
            }
            _ => {}
        }
        prev_colon = false;
    }
    false
}

/// `allow(…unsafe_code…)` / `expect(…)` anywhere in a `cfg_attr` body.
fn nested_allow(tokens: TokenStream) -> bool {
    let v: Vec<TokenTree> = tokens.into_iter().collect();
    v.iter().enumerate().any(|(i, t)| match t {
        TokenTree::Ident(id) if id == "allow" || id == "expect" => matches!(
            v.get(i + 1),
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis
                && lint_list_names_unsafe_code(g.stream())
        ),
        TokenTree::Group(g) => nested_allow(g.stream()),
        _ => false,
    })
}

fn allows_unsafe_code(a: &Attribute) -> bool {
    let syn::Meta::List(list) = &a.meta else {
        return false;
    };
    if list.path.is_ident("allow") || list.path.is_ident("expect") {
        lint_list_names_unsafe_code(list.tokens.clone())
    } else if list.path.is_ident("cfg_attr") {
        nested_allow(list.tokens.clone())
    } else {
        false
    }
}

impl Hooks for AllowHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        let Event::Attr(a) = ev else { return };
        if !allows_unsafe_code(a) {
            return;
        }
        let msg = match a.style {
            AttrStyle::Inner(_) => {
                "`#![allow(unsafe_code)]` switches the `unsafe_code` lint off for this whole crate or module"
            }
            AttrStyle::Outer => {
                "`#[allow(unsafe_code)]` exempts this item from the `unsafe_code` lint"
            }
        };
        let s = span(self.doc, syn::spanned::Spanned::span(a));
        self.hits.push((s, msg.to_string()));
    }
}

// ---------------------------------------------------------------------------------------------
// rust/mem-transmute

pub struct MemTransmute;

impl Check for MemTransmute {
    fn keywords(&self) -> &'static [&'static str] {
        &["transmute"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut uses = Uses::default();
            uses.visit_file(file);
            let mut h = TransmuteHooks {
                doc,
                uses,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

/// `use` declarations of a file: local name → full path, and glob imports.
#[derive(Default)]
pub(super) struct Uses {
    pub alias: HashMap<String, Vec<String>>,
    pub globs: Vec<Vec<String>>,
}

impl Uses {
    fn add(&mut self, tree: &UseTree, prefix: &mut Vec<String>) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add(&p.tree, prefix);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        self.alias.insert(last.clone(), prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(name.clone());
                    self.alias.insert(name, full);
                }
            }
            UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                self.alias.insert(r.rename.to_string(), full);
            }
            UseTree::Glob(_) => self.globs.push(prefix.clone()),
            UseTree::Group(g) => {
                for t in &g.items {
                    self.add(t, prefix);
                }
            }
        }
    }

    /// The full path a use-qualified path stands for.
    pub fn resolve(&self, p: &syn::Path) -> Vec<String> {
        let segs = path_segs(p);
        if p.leading_colon.is_some() {
            return segs;
        }
        let Some(first) = segs.first() else {
            return segs;
        };
        if let Some(full) = self.alias.get(first) {
            let mut out = full.clone();
            out.extend(segs[1..].iter().cloned());
            return out;
        }
        segs
    }
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        self.add(&i.tree, &mut Vec::new());
    }
}

struct TransmuteHooks<'d> {
    doc: &'d Document,
    uses: Uses,
    hits: Hits,
}

fn is_transmute(full: &[String]) -> bool {
    let n = full.len();
    n >= 2
        && matches!(full[n - 1].as_str(), "transmute" | "transmute_copy")
        && matches!(full[n - 2].as_str(), "mem" | "intrinsics")
}

impl Hooks for TransmuteHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        let Event::Expr(Expr::Path(p)) = ev else {
            return;
        };
        let mut full = self.uses.resolve(&p.path);
        if full.len() == 1
            && let Some(g) = self
                .uses
                .globs
                .iter()
                .find(|g| g.last().is_some_and(|l| l == "mem" || l == "intrinsics"))
        {
            let mut x = g.clone();
            x.append(&mut full);
            full = x;
        }
        if is_transmute(&full) {
            let name = full.last().cloned().unwrap_or_default();
            self.hits.push((
                span(self.doc, syn::spanned::Spanned::span(p)),
                format!(
                    "`mem::{name}` reinterprets the bits of a value as another type, unchecked by the compiler"
                ),
            ));
        }
    }
}
