//! `rust/unwrap-in-library`, `rust/leftover-debug-macro`.

use std::collections::HashMap;
use std::path::Path;

use syn::Expr;
use syn::spanned::Spanned;

use super::walk::{Ctx, Event, Hooks, walk};
use super::{Hits, is_binary_path, is_constant, is_test_path, last_seg, method_span, run, span};
use crate::document::Document;
use crate::rule::builtin::Check;
use crate::rule::{RuleContext, ScanContext};

// ---------------------------------------------------------------------------------------------
// rust/unwrap-in-library

pub struct UnwrapInLibrary;

impl Check for UnwrapInLibrary {
    fn keywords(&self) -> &'static [&'static str] {
        &["unwrap", "expect", "panic"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if is_test_path(&doc.path) || is_binary_path(&doc.path) {
            return;
        }
        run(doc, cx, |file| {
            let mut h = UnwrapHooks {
                doc,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }

    fn filters_findings(&self) -> bool {
        true
    }
    /// Files of a crate with no library target are binary code, wherever they sit.
    fn dropped_paths(&self, scan: &ScanContext, paths: &[&str]) -> Vec<String> {
        // Crate directory → whether it is a binary-only package; most files share a crate.
        let mut binary: HashMap<&str, bool> = HashMap::new();
        paths
            .iter()
            .filter(|p| {
                let Some(dir) = crate_dir(&scan.base, p) else {
                    return false;
                };
                *binary
                    .entry(dir)
                    .or_insert_with(|| is_binary_only_package(&scan.base, dir))
            })
            .map(|p| p.to_string())
            .collect()
    }
}

/// Largest `Cargo.toml` read.
const MAX_MANIFEST: u64 = 256 * 1024;

/// The directory (relative to the scan base, `""` for the base) of the nearest `Cargo.toml`
/// above `path` within the scan base.
fn crate_dir<'p>(base: &Path, path: &'p str) -> Option<&'p str> {
    let mut dir = path;
    while let Some(i) = dir.rfind('/') {
        dir = &dir[..i];
        if is_file(&base.join(dir).join("Cargo.toml")) {
            return Some(dir);
        }
    }
    is_file(&base.join("Cargo.toml")).then_some("")
}

/// A regular file (a symbolic link is never followed).
fn is_file(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
}

/// A package (`[package]`) without a library target: no `[lib]` table and no `src/lib.rs`.
/// A virtual workspace manifest or an unreadable one is not judged.
fn is_binary_only_package(base: &Path, dir: &str) -> bool {
    let root = base.join(dir);
    let manifest = root.join("Cargo.toml");
    if std::fs::symlink_metadata(&manifest).map_or(true, |m| m.len() > MAX_MANIFEST) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return false;
    };
    let table = |name: &str| text.lines().any(|l| l.trim() == name);
    table("[package]") && !table("[lib]") && !is_file(&root.join("src").join("lib.rs"))
}

struct UnwrapHooks<'d> {
    doc: &'d Document,
    hits: Hits,
}

/// Receivers whose failure is not a real possibility or is conventionally unwrapped: a lock
/// (`.lock()`, `.read()`, `.write()`: poisoning), or a constructor/parse fed only literals
/// (`Regex::new("…")`, `"127.0.0.1".parse()`, `NonZeroU32::new(8)`).
fn conventional_receiver(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            (m.args.is_empty() && matches!(name.as_str(), "lock" | "read" | "write"))
                || (is_constant(&m.receiver) && m.args.iter().all(is_constant))
        }
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(_))
                && !c.args.is_empty()
                && c.args.iter().all(is_constant)
        }
        Expr::Paren(p) => conventional_receiver(&p.expr),
        _ => false,
    }
}

impl Hooks for UnwrapHooks<'_> {
    fn on(&mut self, ev: Event<'_>, cx: &Ctx) {
        if cx.in_test || cx.in_const {
            return;
        }
        match ev {
            Event::Expr(Expr::MethodCall(m)) => {
                let name = m.method.to_string();
                let hit = (name == "unwrap" && m.args.is_empty())
                    || (name == "expect" && m.args.len() == 1);
                if hit && !conventional_receiver(&m.receiver) {
                    self.hits.push((
                        method_span(self.doc, m),
                        format!("`.{name}()` in library code panics on `None`/`Err`; return the error instead"),
                    ));
                }
            }
            Event::Macro(mac) if last_seg(&mac.path) == "panic" => {
                self.hits.push((
                    span(self.doc, mac.span()),
                    "`panic!` in library code; return an error instead".to_string(),
                ));
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rust/leftover-debug-macro

pub struct LeftoverDebugMacro;

impl Check for LeftoverDebugMacro {
    fn keywords(&self) -> &'static [&'static str] {
        &["dbg", "todo", "unimplemented"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if is_test_path(&doc.path) {
            return;
        }
        run(doc, cx, |file| {
            let mut h = DebugHooks {
                doc,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

struct DebugHooks<'d> {
    doc: &'d Document,
    hits: Hits,
}

impl Hooks for DebugHooks<'_> {
    fn on(&mut self, ev: Event<'_>, cx: &Ctx) {
        if cx.in_test {
            return;
        }
        let Event::Macro(mac) = ev else { return };
        let name = last_seg(&mac.path);
        let what = match name.as_str() {
            "dbg" => "prints to stderr in release builds too",
            "todo" | "unimplemented" => "panics when reached",
            _ => return,
        };
        self.hits.push((
            span(self.doc, mac.span()),
            format!("`{name}!` left in non-test code ({what})"),
        ));
    }
}
