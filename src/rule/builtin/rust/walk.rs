//! One `syn` visitor shared by the Rust rules. It tracks what the rules need to know about where
//! they are (test code, constant initialisers, trait impls, the enclosing statement's first line)
//! and looks inside macro invocations whose body parses as comma-separated expressions or as
//! statements (`println!`, `assert!`, `vec!`, `format!`…), so a call hidden in a macro argument is
//! still seen. Each rule implements [`Hooks`] and receives [`Event`]s in source order (outer
//! expressions before inner ones).

use proc_macro2::Span as PSpan;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, Token};

use super::is_test_item;

/// Where the walker is.
#[derive(Clone, Copy, Default)]
pub struct Ctx {
    /// Inside `#[cfg(test)]` code or a `#[test]`-like function.
    pub in_test: bool,
    /// Inside a `const`/`static` initialiser (evaluated at compile time).
    pub in_const: bool,
    /// Inside `impl Trait for Type` (the trait documents its unsafe methods' contracts).
    pub in_trait_impl: bool,
    /// 1-based first line of the innermost statement, item, match arm or struct field value.
    pub anchor_line: Option<usize>,
}

pub enum Event<'a> {
    Expr(&'a Expr),
    Macro(&'a syn::Macro),
    Attr(&'a Attribute),
    Use(&'a syn::ItemUse),
    Local(&'a syn::Local),
    /// An `unsafe` block, with the first lines of the statements, match arms and struct field
    /// values that enclose it within its item, outermost first (empty without anchor lines).
    UnsafeBlock {
        block: &'a syn::ExprUnsafe,
        enclosing: &'a [usize],
    },
    /// `unsafe fn` (not in a trait impl): the `unsafe` keyword, the item's attributes and the
    /// line of the end of its body (of the signature when it has none).
    UnsafeFn {
        unsafety: PSpan,
        attrs: &'a [Attribute],
        end_line: usize,
    },
    UnsafeImpl {
        unsafety: PSpan,
        attrs: &'a [Attribute],
    },
}

pub trait Hooks {
    fn on(&mut self, ev: Event<'_>, cx: &Ctx);
}

/// Walk a whole file (without anchor lines: `Ctx::anchor_line` stays `None`).
pub fn walk(file: &syn::File, hooks: &mut impl Hooks) {
    let mut w = Walker {
        hooks,
        cx: Ctx::default(),
        depth: 0,
        anchors: false,
        enclosing: Vec::new(),
    };
    w.visit_file(file);
}

/// Walk a whole file whose source text is `text`. `Spanned::span()` on a statement or an item
/// prints its whole token stream (syn joins the spans of every token), so anchor lines — only
/// needed to find `// SAFETY:` comments — are computed only when the file mentions `unsafe`.
pub fn walk_text(file: &syn::File, text: &str, hooks: &mut impl Hooks) {
    let mut w = Walker {
        hooks,
        cx: Ctx::default(),
        depth: 0,
        anchors: text.contains("unsafe"),
        enclosing: Vec::new(),
    };
    w.visit_file(file);
}

/// Macro bodies are parsed at most this deep (a macro inside a macro inside …).
const MAX_MACRO_DEPTH: usize = 16;

struct Walker<'h, H> {
    hooks: &'h mut H,
    cx: Ctx,
    depth: usize,
    /// Whether anchor lines are needed at all (see [`walk_text`]).
    anchors: bool,
    /// Anchor lines of the statements, arms and field values enclosing the current node within
    /// its item, outermost first.
    enclosing: Vec<usize>,
}

impl<H: Hooks> Walker<'_, H> {
    fn emit(&mut self, ev: Event<'_>) {
        let cx = self.cx;
        self.hooks.on(ev, &cx);
    }

    /// Run `f` with a modified context, restoring it afterwards.
    fn scoped(&mut self, change: impl FnOnce(&mut Ctx), f: impl FnOnce(&mut Self)) {
        let saved = self.cx;
        change(&mut self.cx);
        f(self);
        self.cx = saved;
    }

    /// Visit an item: the statements enclosing it do not enclose its contents.
    fn item(&mut self, line: Option<usize>, f: impl FnOnce(&mut Self)) {
        let outer = std::mem::take(&mut self.enclosing);
        self.scoped(|c| c.anchor_line = line, f);
        self.enclosing = outer;
    }

    /// Visit a statement, match arm or field value starting on `line`.
    fn anchored(&mut self, line: Option<usize>, f: impl FnOnce(&mut Self)) {
        if let Some(l) = line {
            self.enclosing.push(l);
        }
        self.scoped(|c| c.anchor_line = line, f);
        if line.is_some() {
            self.enclosing.pop();
        }
    }

    fn expand(&mut self, mac: &syn::Macro) {
        if self.depth >= MAX_MACRO_DEPTH || mac.path.is_ident("macro_rules") {
            return;
        }
        self.depth += 1;
        if let Ok(exprs) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for e in &exprs {
                self.visit_expr(e);
            }
        } else if let Ok(stmts) = mac.parse_body_with(syn::Block::parse_within) {
            for s in &stmts {
                self.visit_stmt(s);
            }
        }
        self.depth -= 1;
    }
}

fn line_of(s: PSpan) -> usize {
    s.start().line
}

/// The line of a block's closing brace (its span alone, not the whole token stream's).
fn line_of_end(b: &syn::Block) -> usize {
    b.brace_token.span.close().end().line
}

impl<'ast, H: Hooks> Visit<'ast> for Walker<'_, H> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        let line = if self.anchors {
            Some(line_of(i.span()))
        } else {
            None
        };
        self.item(line, |w| visit::visit_item(w, i));
    }

    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        let t = is_test_item(&i.attrs);
        self.scoped(|c| c.in_test |= t, |w| visit::visit_item_mod(w, i));
    }

    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        if let Some(u) = &i.sig.unsafety {
            self.emit(Event::UnsafeFn {
                unsafety: u.span,
                attrs: &i.attrs,
                end_line: line_of_end(&i.block),
            });
        }
        let t = is_test_item(&i.attrs);
        self.scoped(|c| c.in_test |= t, |w| visit::visit_item_fn(w, i));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if let Some(u) = &i.unsafety {
            self.emit(Event::UnsafeImpl {
                unsafety: u.span,
                attrs: &i.attrs,
            });
        }
        let t = is_test_item(&i.attrs);
        let tr = i.trait_.is_some();
        self.scoped(
            |c| {
                c.in_test |= t;
                c.in_trait_impl = tr;
            },
            |w| visit::visit_item_impl(w, i),
        );
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        let t = is_test_item(&i.attrs);
        self.scoped(
            |c| {
                c.in_test |= t;
                c.in_trait_impl = false;
            },
            |w| visit::visit_item_trait(w, i),
        );
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.scoped(|c| c.in_const = true, |w| visit::visit_item_const(w, i));
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.scoped(|c| c.in_const = true, |w| visit::visit_item_static(w, i));
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        let line = if self.anchors {
            Some(line_of(i.span()))
        } else {
            None
        };
        self.item(line, |w| visit::visit_impl_item(w, i));
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        if let Some(u) = &i.sig.unsafety
            && !self.cx.in_trait_impl
        {
            self.emit(Event::UnsafeFn {
                unsafety: u.span,
                attrs: &i.attrs,
                end_line: line_of_end(&i.block),
            });
        }
        let t = is_test_item(&i.attrs);
        self.scoped(|c| c.in_test |= t, |w| visit::visit_impl_item_fn(w, i));
    }

    fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
        self.scoped(
            |c| c.in_const = true,
            |w| visit::visit_impl_item_const(w, i),
        );
    }

    fn visit_trait_item(&mut self, i: &'ast syn::TraitItem) {
        let line = if self.anchors {
            Some(line_of(i.span()))
        } else {
            None
        };
        self.item(line, |w| visit::visit_trait_item(w, i));
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        if let Some(u) = &i.sig.unsafety {
            self.emit(Event::UnsafeFn {
                unsafety: u.span,
                attrs: &i.attrs,
                end_line: i
                    .default
                    .as_ref()
                    .map_or_else(|| line_of(u.span), line_of_end),
            });
        }
        let t = is_test_item(&i.attrs);
        self.scoped(|c| c.in_test |= t, |w| visit::visit_trait_item_fn(w, i));
    }

    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        self.emit(Event::Use(i));
        visit::visit_item_use(self, i);
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        let line = if self.anchors {
            Some(line_of(s.span()))
        } else {
            None
        };
        self.anchored(line, |w| visit::visit_stmt(w, s));
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.emit(Event::Local(l));
        visit::visit_local(self, l);
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        let line = if self.anchors {
            Some(line_of(a.span()))
        } else {
            None
        };
        self.anchored(line, |w| visit::visit_arm(w, a));
    }

    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        let line = if self.anchors {
            Some(line_of(f.span()))
        } else {
            None
        };
        self.anchored(line, |w| visit::visit_field_value(w, f));
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        self.emit(Event::Expr(e));
        visit::visit_expr(self, e);
    }

    fn visit_expr_unsafe(&mut self, e: &'ast syn::ExprUnsafe) {
        let cx = self.cx;
        self.hooks.on(
            Event::UnsafeBlock {
                block: e,
                enclosing: &self.enclosing,
            },
            &cx,
        );
        visit::visit_expr_unsafe(self, e);
    }

    fn visit_attribute(&mut self, a: &'ast Attribute) {
        self.emit(Event::Attr(a));
        visit::visit_attribute(self, a);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.emit(Event::Macro(m));
        visit::visit_macro(self, m);
        self.expand(m);
    }
}
