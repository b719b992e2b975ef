//! `rust/tls-verification-disabled`, `rust/shell-command-injection`, `rust/sql-format-string`,
//! `rust/weak-hash`.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, UseTree};

use super::walk::{Ctx, Event, Hooks, walk};
use super::{
    Hits, is_bool, is_constant, last_seg, macro_args, method_span, path_segs, peel, run, span,
    str_lit,
};
use crate::document::Document;
use crate::rule::RuleContext;
use crate::rule::builtin::Check;

// ---------------------------------------------------------------------------------------------
// rust/tls-verification-disabled

pub struct TlsVerificationDisabled;

impl Check for TlsVerificationDisabled {
    fn keywords(&self) -> &'static [&'static str] {
        &["danger_accept_invalid", "ssl_verify_", "set_verify"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut h = TlsHooks {
                doc,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

struct TlsHooks<'d> {
    doc: &'d Document,
    hits: Hits,
}

impl Hooks for TlsHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        let Event::Expr(e) = ev else { return };
        match e {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let first = m.args.first();
                let msg = match name.as_str() {
                    "danger_accept_invalid_certs" if first.is_some_and(|a| is_bool(a, true)) => {
                        "TLS certificate verification disabled: `danger_accept_invalid_certs(true)`"
                    }
                    "danger_accept_invalid_hostnames"
                        if first.is_some_and(|a| is_bool(a, true)) =>
                    {
                        "TLS hostname verification disabled: `danger_accept_invalid_hostnames(true)`"
                    }
                    "ssl_verify_peer" | "ssl_verify_host"
                        if first.is_some_and(|a| is_bool(a, false)) =>
                    {
                        "TLS verification disabled in a curl handle"
                    }
                    "set_verify" | "set_verify_callback"
                        if first.is_some_and(|a| {
                            matches!(peel(a), Expr::Path(p) if {
                                let s = path_segs(&p.path);
                                s.last().is_some_and(|l| l == "NONE")
                                    && s.iter().rev().nth(1).is_none_or(|x| x == "SslVerifyMode")
                            })
                        }) =>
                    {
                        "OpenSSL peer verification disabled: `SslVerifyMode::NONE`"
                    }
                    _ => return,
                };
                self.hits.push((method_span(self.doc, m), msg.to_string()));
            }
            Expr::Path(p) => {
                let last = last_seg(&p.path);
                if matches!(
                    last.as_str(),
                    "DANGER_ACCEPT_INVALID_CERTS" | "DANGER_ACCEPT_INVALID_HOSTS"
                ) {
                    self.hits.push((
                        span(self.doc, p.span()),
                        format!("TLS verification disabled: `SslOption::{last}`"),
                    ));
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rust/shell-command-injection

pub struct ShellCommandInjection;

impl Check for ShellCommandInjection {
    fn keywords(&self) -> &'static [&'static str] {
        &["Command"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut h = ShellHooks {
                doc,
                vars: HashMap::new(),
                seen: HashSet::new(),
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

/// Where a shell command's arguments are: before the `-c` flag, expecting the script, or past it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    Flags,
    Script,
    Done,
}

struct ShellHooks<'d> {
    doc: &'d Document,
    /// Local variables bound to `Command::new(<shell>)` and their argument state.
    vars: HashMap<String, St>,
    /// Method calls already judged as part of an outer chain (by source position).
    seen: HashSet<(usize, usize)>,
    hits: Hits,
}

fn is_shell(prog: &str) -> bool {
    let base = prog.rsplit(['/', '\\']).next().unwrap_or(prog);
    let base = base
        .strip_suffix(".exe")
        .unwrap_or(base)
        .to_ascii_lowercase();
    matches!(
        base.as_str(),
        "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" | "fish" | "cmd" | "powershell" | "pwsh"
    )
}

/// `-c`, combined short flags ending in a `c` (`-ec`, `-lc`), `/C` (cmd), `-Command` (PowerShell).
fn is_script_flag(s: &str) -> bool {
    if s.eq_ignore_ascii_case("/c") || s.eq_ignore_ascii_case("-command") {
        return true;
    }
    s.strip_prefix('-').is_some_and(|f| {
        !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()) && f.ends_with('c')
    })
}

/// `Command::new(<shell literal>)`.
fn is_shell_ctor(e: &Expr) -> bool {
    let Expr::Call(c) = peel(e) else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let s = path_segs(&p.path);
    s.len() >= 2
        && s[s.len() - 1] == "new"
        && s[s.len() - 2] == "Command"
        && c.args
            .first()
            .and_then(str_lit)
            .is_some_and(|p| is_shell(&p))
}

/// Arguments a call adds, in order; `None` when they cannot be listed (`.args(v)`).
fn added_args(m: &syn::ExprMethodCall) -> Option<Vec<Expr>> {
    match m.method.to_string().as_str() {
        "arg" => Some(m.args.iter().take(1).cloned().collect()),
        "args" => {
            let a = m.args.first()?;
            match peel(a) {
                Expr::Array(arr) => Some(arr.elems.iter().cloned().collect()),
                Expr::Macro(mac) if last_seg(&mac.mac.path) == "vec" => macro_args(&mac.mac),
                _ => None,
            }
        }
        _ => Some(Vec::new()),
    }
}

impl ShellHooks<'_> {
    /// Root of a method chain and the calls on it, innermost first.
    fn chain(e: &Expr) -> (&Expr, Vec<&syn::ExprMethodCall>) {
        let mut calls = Vec::new();
        let mut cur = e;
        while let Expr::MethodCall(m) = peel_call(cur) {
            calls.push(m);
            cur = &m.receiver;
        }
        calls.reverse();
        (peel(cur), calls)
    }

    fn root_state(&self, root: &Expr) -> Option<(St, Option<String>)> {
        if is_shell_ctor(root) {
            return Some((St::Flags, None));
        }
        if let Expr::Path(p) = root
            && let Some(id) = p.path.get_ident()
        {
            let name = id.to_string();
            return self.vars.get(&name).map(|s| (*s, Some(name)));
        }
        None
    }

    /// Feed a chain's arguments through the state machine; report a non-constant script.
    fn judge(&mut self, mut st: St, calls: &[&syn::ExprMethodCall], report: bool) -> St {
        for m in calls {
            if st == St::Done {
                break;
            }
            match added_args(m) {
                Some(args) => {
                    for a in &args {
                        match st {
                            St::Flags => {
                                if str_lit(a).is_some_and(|s| is_script_flag(&s)) {
                                    st = St::Script;
                                } else if !is_constant(a) {
                                    st = St::Done;
                                }
                            }
                            St::Script => {
                                if report && !is_constant(a) {
                                    self.hits.push((
                                        span(self.doc, a.span()),
                                        "shell command (`sh -c`) built from a non-literal value"
                                            .to_string(),
                                    ));
                                }
                                st = St::Done;
                            }
                            St::Done => {}
                        }
                    }
                }
                None => {
                    if st == St::Script
                        && report
                        && let Some(a) = m.args.first()
                    {
                        self.hits.push((
                            span(self.doc, a.span()),
                            "shell command (`sh -c`) arguments taken from a non-literal list"
                                .to_string(),
                        ));
                    }
                    st = St::Done;
                }
            }
        }
        st
    }
}

/// Through `?`/`.await`-free wrappers only: parentheses and groups.
fn peel_call(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => peel_call(&p.expr),
        Expr::Group(g) => peel_call(&g.expr),
        Expr::Reference(r) => peel_call(&r.expr),
        _ => e,
    }
}

impl Hooks for ShellHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        match ev {
            Event::Local(l) => {
                let syn::Pat::Ident(pi) = peel_pat(&l.pat) else {
                    return;
                };
                let name = pi.ident.to_string();
                let Some(init) = &l.init else {
                    self.vars.remove(&name);
                    return;
                };
                let (root, calls) = Self::chain(&init.expr);
                match self.root_state(root) {
                    Some((st, _)) if is_shell_ctor(root) => {
                        let st = self.judge(st, &calls, false);
                        self.vars.insert(name, st);
                    }
                    _ => {
                        self.vars.remove(&name);
                    }
                }
            }
            Event::Expr(e @ Expr::MethodCall(m)) => {
                let pos = m.method.span().start();
                if !self.seen.insert((pos.line, pos.column)) {
                    return;
                }
                let (root, calls) = Self::chain(e);
                for c in &calls {
                    let p = c.method.span().start();
                    self.seen.insert((p.line, p.column));
                }
                let Some((st, var)) = self.root_state(root) else {
                    return;
                };
                let st = self.judge(st, &calls, true);
                if let Some(v) = var {
                    self.vars.insert(v, st);
                }
            }
            _ => {}
        }
    }
}

fn peel_pat(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => peel_pat(&t.pat),
        _ => p,
    }
}

// ---------------------------------------------------------------------------------------------
// rust/sql-format-string

pub struct SqlFormatString;

impl Check for SqlFormatString {
    fn keywords(&self) -> &'static [&'static str] {
        &[
            "select", "insert", "update", "delete", "replace", "drop", "create", "alter",
            "truncate",
        ]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut h = SqlHooks {
                doc,
                vars: HashSet::new(),
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

static SQL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?is)\b(select\b.+\bfrom|insert\s+(or\s+\w+\s+)?into|update\b.+\bset|delete\s+from|replace\s+into|drop\s+(table|database|index|view)|create\s+(table|index|database|view)|alter\s+table|truncate\s+table)\b",
    )
    .ok()
});

fn looks_like_sql(s: &str) -> bool {
    SQL.as_ref().is_some_and(|r| r.is_match(s))
}

/// Whether a format string interpolates something (`{}`, `{name}`, `{0:?}`; not `{{`).
fn has_placeholder(s: &str) -> bool {
    let s = s.replace("{{", "").replace("}}", "");
    s.contains('{')
}

/// Which callees take an SQL statement as their first argument.
const SQL_SINKS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_one",
    "query_opt",
    "query_row",
    "query_map",
    "execute",
    "execute_batch",
    "batch_execute",
    "simple_query",
    "prepare",
    "prepare_cached",
    "sql_query",
    "raw_sql",
];

struct SqlHooks<'d> {
    doc: &'d Document,
    /// Locals holding an SQL string built with `format!`/`+`.
    vars: HashSet<String>,
    hits: Hits,
}

/// `format!("SELECT … {}", x)` or `"SELECT …" + &x` (possibly through `&`/`.as_str()`).
fn is_dynamic_sql(e: &Expr) -> bool {
    match peel(e) {
        Expr::Macro(m) if last_seg(&m.mac.path) == "format" => macro_args(&m.mac)
            .and_then(|a| a.first().and_then(str_lit))
            .is_some_and(|s| looks_like_sql(&s) && has_placeholder(&s)),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            let mut parts = Vec::new();
            flatten_add(peel(e), &mut parts);
            parts
                .iter()
                .any(|p| str_lit(p).is_some_and(|s| looks_like_sql(&s)))
                && parts.iter().any(|p| !is_constant(p))
        }
        _ => false,
    }
}

fn flatten_add<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            flatten_add(peel(&b.left), out);
            flatten_add(peel(&b.right), out);
        }
        _ => out.push(e),
    }
}

impl SqlHooks<'_> {
    fn judge_arg(&mut self, callee: &str, a: &Expr) {
        let dynamic = is_dynamic_sql(a)
            || matches!(peel(a), Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.vars.contains(&i.to_string())));
        if dynamic {
            self.hits.push((
                span(self.doc, a.span()),
                format!(
                    "SQL statement built with `format!` or `+` passed to `{callee}` (SQL injection)"
                ),
            ));
        }
    }
}

impl Hooks for SqlHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        match ev {
            Event::Local(l) => {
                let syn::Pat::Ident(pi) = peel_pat(&l.pat) else {
                    return;
                };
                let name = pi.ident.to_string();
                if l.init.as_ref().is_some_and(|i| is_dynamic_sql(&i.expr)) {
                    self.vars.insert(name);
                } else {
                    self.vars.remove(&name);
                }
            }
            Event::Expr(Expr::MethodCall(m)) => {
                let name = m.method.to_string();
                if SQL_SINKS.contains(&name.as_str())
                    && let Some(a) = m.args.first()
                {
                    self.judge_arg(&name, a);
                }
            }
            Event::Expr(Expr::Call(c)) => {
                let Expr::Path(p) = &*c.func else { return };
                let name = last_seg(&p.path);
                if SQL_SINKS.contains(&name.as_str())
                    && let Some(a) = c.args.first()
                {
                    self.judge_arg(&name, a);
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rust/weak-hash

pub struct WeakHash;

impl Check for WeakHash {
    fn keywords(&self) -> &'static [&'static str] {
        &["md5", "md4", "md2", "sha1"]
    }
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        run(doc, cx, |file| {
            let mut mods = LocalMods::default();
            mods.visit_file(file);
            let mut h = HashHooks {
                doc,
                local: mods.0,
                hits: Vec::new(),
            };
            walk(file, &mut h);
            h.hits
        });
    }
}

/// Crates whose whole purpose is a broken hash (`md-5` and `md5` both import as `md5`; `sha-1`
/// and `sha1` as `sha1`).
const WEAK_CRATES: &[&str] = &["md5", "md4", "md2", "sha1", "sha1_smol"];

/// Module names declared in the file (`mod sha1;` is the crate's own code, not the crate).
#[derive(Default)]
struct LocalMods(HashSet<String>);

impl<'ast> Visit<'ast> for LocalMods {
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.0.insert(i.ident.to_string());
        syn::visit::visit_item_mod(self, i);
    }
}

struct HashHooks<'d> {
    doc: &'d Document,
    local: HashSet<String>,
    hits: Hits,
}

impl HashHooks<'_> {
    fn weak_crate(&self, name: &str) -> Option<&'static str> {
        WEAK_CRATES
            .iter()
            .find(|c| **c == name && !self.local.contains(name))
            .copied()
    }

    /// The weak algorithm a path names, if any.
    fn weak_path(&self, segs: &[String]) -> Option<String> {
        let first = segs.first()?;
        if segs.len() >= 2
            && let Some(c) = self.weak_crate(first)
        {
            return Some(c.to_string());
        }
        // rust-crypto: crypto::md5::Md5, crypto::sha1::Sha1
        if first == "crypto"
            && let Some(second) = segs.get(1)
            && matches!(second.as_str(), "md5" | "sha1")
        {
            return Some(second.clone());
        }
        let n = segs.len();
        // openssl: MessageDigest::md5() / sha1()
        if n >= 2
            && segs[n - 2] == "MessageDigest"
            && matches!(segs[n - 1].as_str(), "md5" | "sha1")
        {
            return Some(segs[n - 1].clone());
        }
        // ring: digest::SHA1_FOR_LEGACY_USE_ONLY
        if segs[n - 1] == "SHA1_FOR_LEGACY_USE_ONLY" {
            return Some("sha1".into());
        }
        None
    }

    fn use_root(&self, tree: &UseTree) -> Option<String> {
        match tree {
            UseTree::Name(n) => self.weak_crate(&n.ident.to_string()).map(str::to_string),
            UseTree::Rename(r) => self.weak_crate(&r.ident.to_string()).map(str::to_string),
            UseTree::Path(p) => {
                let first = p.ident.to_string();
                if let Some(c) = self.weak_crate(&first) {
                    return Some(c.to_string());
                }
                if first == "crypto" {
                    return use_names(&p.tree)
                        .into_iter()
                        .find(|n| n == "md5" || n == "sha1");
                }
                None
            }
            UseTree::Group(g) => g.items.iter().find_map(|t| self.use_root(t)),
            UseTree::Glob(_) => None,
        }
    }
}

/// First segment names under a use tree (`{md5, sha2}` → `md5`, `sha2`).
fn use_names(t: &UseTree) -> Vec<String> {
    match t {
        UseTree::Path(p) => vec![p.ident.to_string()],
        UseTree::Name(n) => vec![n.ident.to_string()],
        UseTree::Rename(r) => vec![r.ident.to_string()],
        UseTree::Group(g) => g.items.iter().flat_map(use_names).collect(),
        UseTree::Glob(_) => Vec::new(),
    }
}

impl Hooks for HashHooks<'_> {
    fn on(&mut self, ev: Event<'_>, _cx: &Ctx) {
        match ev {
            Event::Use(u) => {
                if let Some(alg) = self.use_root(&u.tree) {
                    self.hits.push((
                        span(self.doc, u.use_token.span),
                        format!(
                            "weak hash `{alg}` imported; MD5 and SHA-1 are broken for security use"
                        ),
                    ));
                }
            }
            Event::Expr(Expr::Path(p)) => {
                if let Some(alg) = self.weak_path(&path_segs(&p.path)) {
                    self.hits.push((
                        span(self.doc, p.span()),
                        format!(
                            "weak hash `{alg}` used; MD5 and SHA-1 are broken for security use"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
}
