//! Executing parsed templates: Go `text/template` semantics over [`V`] values, writing text plus
//! origin segments, within budgets (call depth, output size, steps) so that no template can run
//! away with a worker.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::parse::{Arg, Branches, Cmd, List, Node, Pipe};
use super::value::{OriginId, Seg, V, Val};
use super::{RenderError, funcs};
use crate::document::Span;

/// Deepest nesting of `template`/`include`/`tpl` calls (Go allows 100,000; real charts use < 20).
pub const MAX_CALL_DEPTH: usize = 64;
/// Most bytes one chart may render in all (all templates and included helpers together).
pub const MAX_OUTPUT: usize = 32 << 20;
/// Most nodes, commands and range iterations one chart may execute.
pub const MAX_STEPS: u64 = 20_000_000;

/// Where some output came from: a span of a chart file, and for values the template action
/// that printed them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: u32,
    /// For a values entry: key start to value end (as [`crate::document::ConfigDoc`] spans).
    pub span: Span,
    /// The mapping key of a values entry.
    pub key: Option<Span>,
    /// Read from a values file (so the action that prints it is worth naming).
    pub values: bool,
    pub related: Option<(u32, Span)>,
}

/// A file the templates and values were read from.
#[derive(Debug)]
pub struct SrcFile {
    /// Path as reported (relative to the scan root, `/`-separated).
    pub path: String,
    pub text: Rc<str>,
}

/// Text being built, with its segments.
#[derive(Default, Debug)]
pub struct Out {
    pub text: String,
    pub segs: Vec<Seg>,
}

impl Out {
    /// Append a string with its segments (shifted).
    pub fn push_segmented(&mut self, s: &str, segs: &[Seg]) {
        let base = self.text.len();
        self.text.push_str(s);
        self.segs.extend(segs.iter().map(|g| Seg {
            start: g.start + base,
            end: g.end + base,
            ..*g
        }));
    }

    /// Append text covered line by line by `origin` (a whole-range origin).
    pub fn push_origin(&mut self, s: &str, origin: OriginId) {
        self.push_lines(s, origin, None);
    }

    /// Append text with one segment per line from `origin`; `copied_from`: the offset in the
    /// origin's file the text was copied from verbatim (a linear segment), else a whole-range
    /// origin.
    fn push_lines(&mut self, s: &str, origin: OriginId, copied_from: Option<usize>) {
        let base = self.text.len();
        self.text.push_str(s);
        for (a, b) in line_pieces(s) {
            self.segs.push(Seg {
                start: base + a,
                end: base + b,
                origin,
                linear: copied_from.is_some(),
                skip: copied_from.map_or(0, |from| from + a),
            });
        }
    }
}

/// Non-empty `[start, end)` pieces of `s` between line breaks.
pub fn line_pieces(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'\n' {
            if i > start {
                out.push((start, i));
            }
            start = i + 1;
        }
    }
    if s.len() > start {
        out.push((start, s.len()));
    }
    out
}

pub enum Stop {
    Err(RenderError),
    Break,
    Continue,
}

impl From<RenderError> for Stop {
    fn from(e: RenderError) -> Self {
        Stop::Err(e)
    }
}

type Res<T> = Result<T, Stop>;

/// Templates of one chart tree and everything needed to run them.
pub struct Engine {
    pub files: Vec<SrcFile>,
    pub origins: Vec<Origin>,
    /// The origin of each file's own text (linear segments).
    pub file_origins: Vec<OriginId>,
    related_cache: HashMap<(OriginId, u32, Span), OriginId>,
    pub defines: HashMap<String, (Rc<List>, u32)>,
    /// Helm template name of each file that is a template (for `.Template.Name`).
    pub names: HashMap<u32, String>,
    steps: u64,
    output: usize,
    depth: usize,
}

/// The state of one template invocation.
struct Frame {
    file: u32,
    vars: Vec<(String, V)>,
    /// `.Template` for this invocation.
    template: V,
}

impl Engine {
    pub fn new() -> Self {
        Engine {
            files: Vec::new(),
            origins: Vec::new(),
            file_origins: Vec::new(),
            related_cache: HashMap::new(),
            defines: HashMap::new(),
            names: HashMap::new(),
            steps: 0,
            output: 0,
            depth: 0,
        }
    }

    /// Add a file; its index is also its linear origin.
    pub fn add_file(&mut self, path: String, text: Rc<str>) -> u32 {
        let id = self.files.len() as u32;
        let len = text.len();
        self.files.push(SrcFile { path, text });
        let o = self.add_origin(Origin {
            file: id,
            span: Span::new(0, len),
            key: None,
            values: false,
            related: None,
        });
        self.file_origins.push(o);
        id
    }

    pub fn add_origin(&mut self, o: Origin) -> OriginId {
        self.origins.push(o);
        (self.origins.len() - 1) as OriginId
    }

    fn err(&self, file: u32, pos: usize, message: impl Into<String>) -> Stop {
        Stop::Err(RenderError {
            file: file as usize,
            pos,
            message: message.into(),
        })
    }

    fn step(&mut self, file: u32, pos: usize) -> Res<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.err(
                file,
                pos,
                format!("template runs more than {MAX_STEPS} steps; rendering stopped"),
            ));
        }
        Ok(())
    }

    /// The origin of a values node as printed by the action at `span` of `file`.
    fn with_related(&mut self, o: OriginId, file: u32, span: Span) -> OriginId {
        let base = self.origins[o as usize];
        if base.related.is_some() || !base.values {
            return o;
        }
        if let Some(id) = self.related_cache.get(&(o, file, span)) {
            return *id;
        }
        let id = self.add_origin(Origin {
            related: Some((file, span)),
            ..base
        });
        self.related_cache.insert((o, file, span), id);
        id
    }

    fn action_origin(&mut self, file: u32, span: Span) -> OriginId {
        self.add_origin(Origin {
            file,
            span,
            key: None,
            values: false,
            related: None,
        })
    }

    /// Execute a template file's body (or a define) with `dot`, returning its text and segments.
    pub fn run(&mut self, file: u32, body: &List, dot: V, template: V) -> Result<Out, RenderError> {
        let mut frame = Frame {
            file,
            vars: vec![(String::new(), dot.clone())],
            template,
        };
        let mut out = Out::default();
        match self.list(&mut frame, body, &dot, &mut out) {
            Ok(()) => Ok(out),
            Err(Stop::Err(e)) => Err(e),
            Err(_) => Err(RenderError {
                file: file as usize,
                pos: 0,
                message: "break or continue outside range".into(),
            }),
        }
    }

    /// `include`/`template`: run the named define with `dot`.
    pub fn call_template(
        &mut self,
        name: &str,
        dot: V,
        from: (u32, usize),
        template: V,
    ) -> Res<Out> {
        let Some((body, file)) = self.defines.get(name).cloned() else {
            return Err(self.err(
                from.0,
                from.1,
                format!("no template {name:?} associated with template"),
            ));
        };
        if self.depth >= MAX_CALL_DEPTH {
            return Err(self.err(
                from.0,
                from.1,
                format!("template {name:?}: calls nested more than {MAX_CALL_DEPTH} deep"),
            ));
        }
        self.depth += 1;
        let r = self.run(file, &body, dot, template);
        self.depth -= 1;
        Ok(r?)
    }

    fn list(&mut self, f: &mut Frame, list: &List, dot: &V, out: &mut Out) -> Res<()> {
        for node in list {
            self.node(f, node, dot, out)?;
        }
        Ok(())
    }

    fn scoped(&mut self, f: &mut Frame, list: &List, dot: &V, out: &mut Out) -> Res<()> {
        let mark = f.vars.len();
        let r = self.list(f, list, dot, out);
        f.vars.truncate(mark);
        r
    }

    fn node(&mut self, f: &mut Frame, node: &Node, dot: &V, out: &mut Out) -> Res<()> {
        match node {
            Node::Text { start, end } => {
                self.step(f.file, *start)?;
                let text = self.files[f.file as usize].text.clone();
                let s = &text[*start..*end];
                self.grow(f.file, *start, s.len())?;
                out.push_lines(s, self.file_origins[f.file as usize], Some(*start));
            }
            Node::Action { pipe, pos, end } => {
                self.step(f.file, *pos)?;
                let v = self.pipe(f, pipe, dot)?;
                if pipe.decl.is_empty() {
                    self.emit(f.file, Span::new(*pos, *end), &v, out)?;
                }
            }
            Node::If(b) => self.branches(f, b, dot, out, false)?,
            Node::With(b) => self.branches(f, b, dot, out, true)?,
            Node::Range {
                pipe,
                body,
                else_,
                pos,
            } => self.range(f, pipe, body, else_.as_ref(), *pos, dot, out)?,
            Node::Template {
                name, pipe, pos, ..
            } => {
                let arg = match pipe {
                    Some(p) => self.pipe(f, p, dot)?,
                    None => V::nil(),
                };
                let o = self.call_template(name, arg, (f.file, *pos), f.template.clone())?;
                self.grow(f.file, *pos, o.text.len())?;
                out.push_segmented(&o.text, &o.segs);
            }
            Node::Break(_) => return Err(Stop::Break),
            Node::Continue(_) => return Err(Stop::Continue),
        }
        Ok(())
    }

    fn grow(&mut self, file: u32, pos: usize, n: usize) -> Res<()> {
        self.output += n;
        if self.output > MAX_OUTPUT {
            return Err(self.err(
                file,
                pos,
                format!(
                    "chart renders more than {} MiB; rendering stopped",
                    MAX_OUTPUT >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Print a value as an action does, mapping it to where it came from.
    fn emit(&mut self, file: u32, action: Span, v: &V, out: &mut Out) -> Res<()> {
        let s = match &v.val {
            Val::Nil => return Ok(()),
            _ => v.to_go_string(),
        };
        self.grow(file, action.start, s.len())?;
        if let Some(o) = v.origin {
            let o = self.with_related(o, file, action);
            out.push_origin(&s, o);
            return Ok(());
        }
        let segs = v.segs();
        if segs.is_empty() {
            let o = self.action_origin(file, action);
            out.push_origin(&s, o);
            return Ok(());
        }
        // Segmented string: keep its segments (values ones gain this action as related), and
        // cover the rest with the action.
        let mut fixed = Vec::with_capacity(segs.len());
        for g in segs {
            let origin = if g.linear {
                g.origin
            } else {
                self.with_related(g.origin, file, action)
            };
            fixed.push(Seg { origin, ..*g });
        }
        let act = self.action_origin(file, action);
        let base = out.text.len();
        out.text.push_str(&s);
        let mut at = 0;
        for g in &fixed {
            if g.start > at {
                for (a, b) in line_pieces(&s[at..g.start]) {
                    out.segs.push(Seg {
                        start: base + at + a,
                        end: base + at + b,
                        origin: act,
                        linear: false,
                        skip: 0,
                    });
                }
            }
            out.segs.push(Seg {
                start: base + g.start,
                end: base + g.end,
                ..*g
            });
            at = at.max(g.end);
        }
        if at < s.len() {
            for (a, b) in line_pieces(&s[at..]) {
                out.segs.push(Seg {
                    start: base + at + a,
                    end: base + at + b,
                    origin: act,
                    linear: false,
                    skip: 0,
                });
            }
        }
        Ok(())
    }

    fn branches(
        &mut self,
        f: &mut Frame,
        b: &Branches,
        dot: &V,
        out: &mut Out,
        with: bool,
    ) -> Res<()> {
        let mark = f.vars.len();
        for (pipe, body) in &b.arms {
            self.step(f.file, b.pos)?;
            let v = self.pipe(f, pipe, dot)?;
            if v.truthy() {
                let r = if with {
                    self.scoped(f, body, &v, out)
                } else {
                    self.scoped(f, body, dot, out)
                };
                f.vars.truncate(mark);
                return r;
            }
        }
        let r = match &b.else_ {
            Some(e) => self.scoped(f, e, dot, out),
            None => Ok(()),
        };
        f.vars.truncate(mark);
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        f: &mut Frame,
        pipe: &Pipe,
        body: &List,
        else_: Option<&List>,
        pos: usize,
        dot: &V,
        out: &mut Out,
    ) -> Res<()> {
        let mark = f.vars.len();
        // The pipeline is evaluated without declaring; the variables take key/element.
        let bare = Pipe {
            decl: Vec::new(),
            assign: false,
            cmds: pipe.cmds.clone(),
            pos: pipe.pos,
        };
        let v = self.pipe(f, &bare, dot)?;
        let items: Vec<(V, V)> = match &v.val {
            Val::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, x)| (V::int(i as i64), x.clone()))
                .collect(),
            Val::Map(m) => m
                .borrow()
                .iter()
                .map(|(k, x)| (V::str(k.as_str()), x.clone()))
                .collect(),
            Val::Files(m) => m
                .iter()
                .map(|(k, x)| (V::str(k.as_str()), V::str(x.clone())))
                .collect(),
            Val::Int(n) => {
                if *n > funcs::MAX_LIST as i64 {
                    return Err(self.err(
                        f.file,
                        pos,
                        format!("range over {n}: more than {} iterations", funcs::MAX_LIST),
                    ));
                }
                (0..*n).map(|i| (V::int(i), V::int(i))).collect()
            }
            Val::Nil => Vec::new(),
            Val::ApiVersions(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (V::int(i as i64), V::str(x.as_str())))
                .collect(),
            _ => {
                return Err(self.err(
                    f.file,
                    pos,
                    format!("range can't iterate over {}", v.sprint()),
                ));
            }
        };
        if items.is_empty() {
            if let Some(e) = else_ {
                return self.scoped(f, e, dot, out);
            }
            return Ok(());
        }
        for (k, x) in items {
            self.step(f.file, pos)?;
            f.vars.truncate(mark);
            match pipe.decl.len() {
                0 => {}
                1 => self.declare(f, &pipe.decl[0], x.clone(), pipe.assign),
                _ => {
                    self.declare(f, &pipe.decl[0], k, pipe.assign);
                    self.declare(f, &pipe.decl[1], x.clone(), pipe.assign);
                }
            }
            match self.list(f, body, &x, out) {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(e) => {
                    f.vars.truncate(mark);
                    return Err(e);
                }
            }
        }
        f.vars.truncate(mark);
        Ok(())
    }

    fn declare(&mut self, f: &mut Frame, name: &str, v: V, assign: bool) {
        if assign && let Some(slot) = f.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
            return;
        }
        f.vars.push((name.to_string(), v));
    }

    fn pipe(&mut self, f: &mut Frame, pipe: &Pipe, dot: &V) -> Res<V> {
        let mut prev: Option<V> = None;
        for cmd in &pipe.cmds {
            self.step(f.file, cmd.pos)?;
            prev = Some(self.cmd(f, cmd, dot, prev)?);
        }
        let v = prev.unwrap_or_else(V::nil);
        for name in &pipe.decl {
            if pipe.assign && !f.vars.iter().any(|(n, _)| n == name) {
                return Err(self.err(f.file, pipe.pos, format!("undefined variable: ${name}")));
            }
            self.declare(f, name, v.clone(), pipe.assign);
        }
        Ok(v)
    }

    fn var(&self, f: &Frame, name: &str, pos: usize) -> Res<V> {
        f.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.err(f.file, pos, format!("undefined variable: ${name}")))
    }

    fn cmd(&mut self, f: &mut Frame, cmd: &Cmd, dot: &V, prev: Option<V>) -> Res<V> {
        let first = &cmd.args[0];
        if let Arg::Ident(name, pos) = first {
            return self.call(f, name, *pos, &cmd.args[1..], dot, prev);
        }
        // A field chain with arguments is a method call (`.Files.Get "x"`).
        let method_args = cmd.args.len() > 1 || prev.is_some();
        if method_args && let Some((base, method)) = self.method_target(f, first, dot, cmd.pos)? {
            let mut args = Vec::new();
            for a in &cmd.args[1..] {
                args.push(self.arg(f, a, dot, cmd.pos)?);
            }
            args.extend(prev);
            return self.method(f, &base, &method, args, cmd.pos);
        }
        if cmd.args.len() > 1 || prev.is_some() {
            return Err(self.err(f.file, cmd.pos, "can't give argument to non-function"));
        }
        self.arg(f, first, dot, cmd.pos)
    }

    /// For `.A.B.Method args`: the value holding the method and its name, when `B` names a
    /// method of `A` (Files and APIVersions have methods; map fields never do).
    fn method_target(
        &mut self,
        f: &mut Frame,
        a: &Arg,
        dot: &V,
        pos: usize,
    ) -> Res<Option<(V, String)>> {
        let (base, chain) = match a {
            Arg::Dot(c) if !c.is_empty() => (dot.clone(), c),
            Arg::Var(n, c) if !c.is_empty() => (self.var(f, n, pos)?, c),
            Arg::Sub(p, c) if !c.is_empty() => {
                let v = self.pipe(f, p, dot)?;
                (v, c)
            }
            _ => return Ok(None),
        };
        let Some((last, init)) = chain.split_last() else {
            return Ok(None);
        };
        let mut v = base;
        for name in init {
            v = self.field(f, &v, name, pos)?;
        }
        match (&v.val, last.as_str()) {
            (Val::Files(_), _) | (Val::ApiVersions(_), "Has") => Ok(Some((v, last.clone()))),
            _ => Ok(None),
        }
    }

    fn method(&mut self, f: &Frame, base: &V, name: &str, args: Vec<V>, pos: usize) -> Res<V> {
        match (&base.val, name) {
            (Val::ApiVersions(list), "Has") => {
                let want = args.first().and_then(V::as_str).unwrap_or("");
                Ok(V::bool(list.iter().any(|x| x == want)))
            }
            (Val::Files(files), _) => {
                funcs::files_method(files, name, &args).map_err(|m| self.err(f.file, pos, m))
            }
            _ => Err(self.err(
                f.file,
                pos,
                format!("can't call method {name} on {}", base.type_name()),
            )),
        }
    }

    fn field(&self, f: &Frame, v: &V, name: &str, pos: usize) -> Res<V> {
        match &v.val {
            Val::Map(m) => Ok(m.borrow().get(name).cloned().unwrap_or_else(V::nil)),
            // `(.Files.Glob "x/*").AsConfig`: a method without arguments reads like a field.
            Val::Files(files) if matches!(name, "AsConfig" | "AsSecrets") => {
                funcs::files_method(files, name, &[]).map_err(|m| self.err(f.file, pos, m))
            }
            Val::Files(files) => Ok(files
                .get(name)
                .map(|s| V::str(s.clone()))
                .unwrap_or_else(V::nil)),
            Val::Nil => Err(self.err(
                f.file,
                pos,
                format!("nil pointer evaluating interface {{}}.{name}"),
            )),
            _ => Err(self.err(
                f.file,
                pos,
                format!("can't evaluate field {name} in type {}", v.type_name()),
            )),
        }
    }

    fn chain(&self, f: &Frame, mut v: V, chain: &[String], pos: usize) -> Res<V> {
        // A nil base (a pipeline's, a variable's or dot's value) has no fields and is no error,
        // which is why charts write `((.Values.a).b).c`; only a nil met inside the chain is.
        if v.is_nil() {
            return Ok(v);
        }
        for name in chain {
            v = self.field(f, &v, name, pos)?;
        }
        Ok(v)
    }

    fn arg(&mut self, f: &mut Frame, a: &Arg, dot: &V, pos: usize) -> Res<V> {
        Ok(match a {
            Arg::Dot(c) => self.chain(f, dot.clone(), c, pos)?,
            Arg::Var(n, c) => {
                let v = self.var(f, n, pos)?;
                self.chain(f, v, c, pos)?
            }
            Arg::Str(s) => V::str(s.clone()),
            Arg::Int(i) => V::int(*i),
            Arg::Float(x) => Val::Float(*x).into(),
            Arg::Bool(b) => V::bool(*b),
            Arg::Nil => V::nil(),
            Arg::Sub(p, c) => {
                let v = self.pipe(f, p, dot)?;
                self.chain(f, v, c, pos)?
            }
            Arg::Ident(name, ipos) => self.call(f, name, *ipos, &[], dot, None)?,
        })
    }

    fn call(
        &mut self,
        f: &mut Frame,
        name: &str,
        pos: usize,
        args: &[Arg],
        dot: &V,
        prev: Option<V>,
    ) -> Res<V> {
        // `and`/`or` stop at the first deciding value, as Go ≥ 1.18 does.
        if name == "and" || name == "or" {
            let mut last = V::nil();
            let n = args.len() + prev.is_some() as usize;
            if n == 0 {
                return Err(self.err(
                    f.file,
                    pos,
                    format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            for a in args {
                last = self.arg(f, a, dot, pos)?;
                if last.truthy() == (name == "or") {
                    return Ok(last);
                }
            }
            if let Some(p) = prev {
                last = p;
            }
            return Ok(last);
        }
        let mut vals = Vec::with_capacity(args.len() + 1);
        for a in args {
            vals.push(self.arg(f, a, dot, pos)?);
        }
        vals.extend(prev);
        match name {
            "include" | "template" => {
                let tname = vals.first().and_then(V::as_str).map(str::to_string);
                let Some(tname) = tname else {
                    return Err(self.err(f.file, pos, "include: template name must be a string"));
                };
                let arg = vals.get(1).cloned().unwrap_or_else(V::nil);
                let o = self.call_template(&tname, arg, (f.file, pos), f.template.clone())?;
                Ok(V::seg_str(o.text, o.segs))
            }
            "tpl" => {
                let (Some(src), Some(ctx)) = (vals.first(), vals.get(1)) else {
                    return Err(self.err(f.file, pos, "wrong number of args for tpl: want 2"));
                };
                let text = src
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| src.sprint());
                self.tpl(f, &text, src.origin, ctx.clone(), pos)
            }
            "required" => {
                let msg = vals.first().map(V::sprint).unwrap_or_default();
                let v = vals.get(1).cloned().unwrap_or_else(V::nil);
                if v.is_nil() || v.as_str() == Some("") {
                    return Err(self.err(f.file, pos, format!("error calling required: {msg}")));
                }
                Ok(v)
            }
            "fail" => {
                let msg = vals.first().map(V::sprint).unwrap_or_default();
                Err(self.err(f.file, pos, format!("error calling fail: {msg}")))
            }
            "lookup" => Ok(V::map(BTreeMap::new())),
            _ => {
                let v = funcs::call(name, vals).map_err(|m| self.err(f.file, pos, m))?;
                // Strings and lists that double on every loop pass would exhaust memory long
                // before the step budget: cap what one call may return.
                let too_big = match &v.val {
                    Val::Str(s, _) => s.len() > MAX_OUTPUT,
                    Val::List(l) => l.len() > funcs::MAX_LIST * 10,
                    _ => false,
                };
                if too_big {
                    return Err(self.err(
                        f.file,
                        pos,
                        format!("{name}: result too large; rendering stopped"),
                    ));
                }
                Ok(v)
            }
        }
    }

    /// `tpl`: render a string as a template with `ctx`; its output maps to the string's origin.
    fn tpl(
        &mut self,
        f: &mut Frame,
        text: &str,
        origin: Option<OriginId>,
        ctx: V,
        pos: usize,
    ) -> Res<V> {
        if self.depth >= MAX_CALL_DEPTH {
            return Err(self.err(f.file, pos, "tpl: calls nested too deep"));
        }
        let parsed = super::parse::parse(text)
            .map_err(|e| self.err(f.file, pos, format!("error calling tpl: {}", e.message)))?;
        let file = f.file;
        // Text nodes index `text`, not the template file: run over a scratch file (empty path:
        // its segments are dropped below).
        let scratch = self.add_file(String::new(), text.into());
        // A tpl string may define templates for later includes, as Helm allows.
        for (name, body) in parsed.defines {
            self.defines.insert(name, (body, scratch));
        }
        self.depth += 1;
        let r = self.run(scratch, &parsed.body, ctx, f.template.clone());
        self.depth -= 1;
        let o = r.map_err(|mut e| {
            if e.file == scratch as usize {
                e.file = file as usize;
                e.pos = pos;
            }
            e
        })?;
        let mut v = V::str(o.text.as_str());
        v.origin = origin;
        if origin.is_none() {
            // Keep segments from values printed inside; drop the scratch text mapping.
            let segs: Vec<Seg> = o
                .segs
                .into_iter()
                .filter(|g| self.origins[g.origin as usize].file != scratch)
                .collect();
            v = V::seg_str(o.text, segs);
        }
        Ok(v)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}
