//! Go `text/template` source → tree: a lexer over the whole file (text and actions with their byte
//! offsets) and a recursive-descent parser, following Go's grammar (`{{-`/`-}}` trimming,
//! comments, pipelines with declarations, `if`/`else if`/`range`/`with`/`define`/`template`/
//! `block`/`break`/`continue`, parenthesised pipelines with field chains).

use std::collections::HashMap;
use std::rc::Rc;

use super::TemplateError;

/// A parsed template body.
pub type List = Vec<Node>;

#[derive(Debug)]
pub enum Node {
    /// Literal text: byte range in the template file (after trimming).
    Text {
        start: usize,
        end: usize,
    },
    /// `{{ pipeline }}`.
    Action {
        pipe: Pipe,
        pos: usize,
        end: usize,
    },
    If(Branches),
    With(Branches),
    Range {
        pipe: Pipe,
        body: List,
        else_: Option<List>,
        pos: usize,
    },
    Template {
        name: String,
        pipe: Option<Pipe>,
        pos: usize,
        end: usize,
    },
    Break(usize),
    Continue(usize),
}

/// `if`/`with` with their `else if`/`else with` chain.
#[derive(Debug)]
pub struct Branches {
    pub arms: Vec<(Pipe, List)>,
    pub else_: Option<List>,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub struct Pipe {
    /// Variables declared (`:=`) or assigned (`=`), without the `$`.
    pub decl: Vec<String>,
    pub assign: bool,
    pub cmds: Vec<Cmd>,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub struct Cmd {
    pub args: Vec<Arg>,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub enum Arg {
    /// `.` or `.A.B` (fields of dot).
    Dot(Vec<String>),
    /// `$x.A.B`; the name is without `$` (`""` for `$`).
    Var(String, Vec<String>),
    /// A function name.
    Ident(String, usize),
    Str(Rc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `(pipeline).A.B`.
    Sub(Box<Pipe>, Vec<String>),
}

/// One parsed file: its top-level body and the `define`/`block` templates it declares.
#[derive(Debug, Default)]
pub struct Parsed {
    pub body: List,
    pub defines: Vec<(String, Rc<List>)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Text(usize, usize),
    Left,
    Right,
    Ident(String),
    Field(String),
    Var(String),
    Dot,
    Str(Rc<str>),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn err(pos: usize, message: impl Into<String>) -> TemplateError {
    TemplateError {
        pos,
        message: message.into(),
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn lex(src: &str) -> Result<Vec<Token>, TemplateError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut trim_next = false;
    while i < b.len() {
        let open = src[i..].find("{{").map(|o| i + o);
        let text_end = open.unwrap_or(b.len());
        let mut ts = i;
        if trim_next {
            while ts < text_end && is_space(b[ts]) {
                ts += 1;
            }
        }
        let mut te = text_end;
        let Some(open) = open else {
            if ts < te {
                out.push(Token {
                    tok: Tok::Text(ts, te),
                    start: ts,
                    end: te,
                });
            }
            break;
        };
        let mut p = open + 2;
        let trim_left = b.get(p) == Some(&b'-') && b.get(p + 1).is_some_and(|c| is_space(*c));
        if trim_left {
            while te > ts && is_space(b[te - 1]) {
                te -= 1;
            }
            p += 2;
        }
        if ts < te {
            out.push(Token {
                tok: Tok::Text(ts, te),
                start: ts,
                end: te,
            });
        }
        // Comment: `{{/* ... */}}`, optionally trimmed.
        let mut q = p;
        while trim_left && q < b.len() && is_space(b[q]) {
            q += 1;
        }
        if src[q..].starts_with("/*") {
            let close = src[q + 2..]
                .find("*/")
                .map(|o| q + 2 + o)
                .ok_or_else(|| err(open, "unclosed comment"))?;
            let mut r = close + 2;
            let mut trim_right = false;
            if src[r..].starts_with(" -}}") || src[r..].starts_with("\t-}}") {
                trim_right = true;
                r += 4;
            } else if src[r..].starts_with("}}") {
                r += 2;
            } else {
                return Err(err(close, "comment ends before closing delimiter"));
            }
            trim_next = trim_right;
            i = r;
            continue;
        }
        out.push(Token {
            tok: Tok::Left,
            start: open,
            end: p,
        });
        // Inside the action.
        let mut j = p;
        loop {
            while j < b.len() && is_space(b[j]) {
                // ` -}}` closes with trimming.
                if src[j..].starts_with(" -}}")
                    || src[j..].starts_with("\t-}}")
                    || src[j..].starts_with("\n-}}")
                    || src[j..].starts_with("\r-}}")
                {
                    break;
                }
                j += 1;
            }
            if j >= b.len() {
                return Err(err(open, "unclosed action"));
            }
            if is_space(b[j]) {
                // ` -}}`
                out.push(Token {
                    tok: Tok::Right,
                    start: j,
                    end: j + 4,
                });
                trim_next = true;
                j += 4;
                break;
            }
            if src[j..].starts_with("}}") {
                out.push(Token {
                    tok: Tok::Right,
                    start: j,
                    end: j + 2,
                });
                trim_next = false;
                j += 2;
                break;
            }
            let start = j;
            let c = b[j];
            let tok = match c {
                b'(' => {
                    j += 1;
                    Tok::LParen
                }
                b')' => {
                    j += 1;
                    Tok::RParen
                }
                b'|' => {
                    j += 1;
                    Tok::Pipe
                }
                b',' => {
                    j += 1;
                    Tok::Comma
                }
                b':' if b.get(j + 1) == Some(&b'=') => {
                    j += 2;
                    Tok::Declare
                }
                b'=' => {
                    j += 1;
                    Tok::Assign
                }
                b'"' => {
                    let (s, n) =
                        lex_quoted(src, j).ok_or_else(|| err(j, "unterminated quoted string"))?;
                    j = n;
                    Tok::Str(s.into())
                }
                b'`' => {
                    let close = src[j + 1..]
                        .find('`')
                        .map(|o| j + 1 + o)
                        .ok_or_else(|| err(j, "unterminated raw quoted string"))?;
                    let s = &src[j + 1..close];
                    j = close + 1;
                    Tok::Str(s.into())
                }
                b'\'' => {
                    let rest = &src[j + 1..];
                    let mut chars = rest.char_indices();
                    let (ch, len) = match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => ('\n', 2),
                            Some((_, 't')) => ('\t', 2),
                            Some((_, c)) => (c, 1 + c.len_utf8()),
                            None => return Err(err(j, "unterminated character constant")),
                        },
                        Some((_, c)) => (c, c.len_utf8()),
                        None => return Err(err(j, "unterminated character constant")),
                    };
                    if rest.as_bytes().get(len) != Some(&b'\'') {
                        return Err(err(j, "malformed character constant"));
                    }
                    j += len + 2;
                    Tok::Int(ch as i64)
                }
                b'$' => {
                    j += 1;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    Tok::Var(src[start + 1..j].to_string())
                }
                b'.' if b
                    .get(j + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
                {
                    j += 1;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    Tok::Field(src[start + 1..j].to_string())
                }
                b'.' if !b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    j += 1;
                    Tok::Dot
                }
                c if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                    j += 1;
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric()
                            || b[j] == b'.'
                            || b[j] == b'_'
                            || ((b[j] == b'-' || b[j] == b'+')
                                && matches!(b[j - 1], b'e' | b'E' | b'p' | b'P')))
                    {
                        j += 1;
                    }
                    parse_number(&src[start..j]).ok_or_else(|| {
                        err(start, format!("bad number syntax: {:?}", &src[start..j]))
                    })?
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    Tok::Ident(src[start..j].to_string())
                }
                _ => {
                    let ch = src[j..].chars().next().unwrap_or('?');
                    return Err(err(j, format!("unexpected {ch:?} in action")));
                }
            };
            out.push(Token { tok, start, end: j });
        }
        i = j;
    }
    Ok(out)
}

fn parse_number(s: &str) -> Option<Tok> {
    let clean = s.replace('_', "");
    let (neg, body) = match clean.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let int = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(bn) = body.strip_prefix("0b") {
        i64::from_str_radix(bn, 2).ok()
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|c| c.is_ascii_digit()) {
        i64::from_str_radix(&body[1..], 8).ok()
    } else {
        body.parse::<i64>().ok()
    };
    if let Some(v) = int {
        return Some(Tok::Int(if neg { -v } else { v }));
    }
    let f: f64 = body.parse().ok()?;
    Some(Tok::Float(if neg { -f } else { f }))
}

/// A Go interpreted string literal starting at `at` (the opening quote): value and end offset.
fn lex_quoted(src: &str, at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut it = src[at + 1..].char_indices();
    while let Some((o, c)) = it.next() {
        match c {
            '"' => return Some((out, at + 1 + o + 1)),
            '\n' => return None,
            '\\' => {
                let (_, e) = it.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut hex = String::new();
                        for _ in 0..n {
                            hex.push(it.next()?.1);
                        }
                        let v = u32::from_str_radix(&hex, 16).ok()?;
                        out.push(char::from_u32(v)?);
                    }
                    c if c.is_digit(8) => {
                        let mut oct = String::from(c);
                        for _ in 0..2 {
                            oct.push(it.next()?.1);
                        }
                        out.push(char::from_u32(u32::from_str_radix(&oct, 8).ok()?)?);
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Most nested blocks and parentheses a template may have: keeps the parser's recursion bounded.
const MAX_NESTING: usize = 200;

struct Parser<'a> {
    toks: &'a [Token],
    i: usize,
    defines: Vec<(String, Rc<List>)>,
    nesting: usize,
}

/// What ended a list.
enum Closing {
    Eof,
    End(usize),
    /// `{{else}}` or `{{else if ...}}` / `{{else with ...}}`: the keyword after else, if any.
    Else(Option<String>, usize),
}

pub fn parse(src: &str) -> Result<Parsed, TemplateError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks: &toks,
        i: 0,
        defines: Vec::new(),
        nesting: 0,
    };
    let (body, end) = p.list()?;
    match end {
        Closing::Eof => {}
        Closing::End(pos) => return Err(err(pos, "unexpected {{end}}")),
        Closing::Else(_, pos) => return Err(err(pos, "unexpected {{else}}")),
    }
    Ok(Parsed {
        body,
        defines: p.defines,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }

    fn pos(&self) -> usize {
        self.peek()
            .map(|t| t.start)
            .or_else(|| self.toks.last().map(|t| t.end))
            .unwrap_or(0)
    }

    fn expect_right(&mut self, what: &str) -> Result<usize, TemplateError> {
        match self.next() {
            Some(Token {
                tok: Tok::Right,
                end,
                ..
            }) => Ok(end),
            Some(t) => Err(err(t.start, format!("unexpected token in {what}"))),
            None => Err(err(self.pos(), format!("unclosed {what}"))),
        }
    }

    fn list(&mut self) -> Result<(List, Closing), TemplateError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(err(self.pos(), "template nested too deeply"));
        }
        let mut out = Vec::new();
        let end = loop {
            let Some(t) = self.next() else {
                break Closing::Eof;
            };
            match t.tok {
                Tok::Text(s, e) => out.push(Node::Text { start: s, end: e }),
                Tok::Left => {
                    let kw = match self.peek() {
                        Some(Token {
                            tok: Tok::Ident(k), ..
                        }) => Some(k.clone()),
                        _ => None,
                    };
                    let pos = t.start;
                    match kw.as_deref() {
                        Some("end") => {
                            self.i += 1;
                            self.expect_right("end")?;
                            break Closing::End(pos);
                        }
                        Some("else") => {
                            self.i += 1;
                            match self.peek() {
                                Some(Token {
                                    tok: Tok::Ident(k), ..
                                }) if k == "if" || k == "with" => {
                                    let k = k.clone();
                                    self.i += 1;
                                    break Closing::Else(Some(k), pos);
                                }
                                _ => {
                                    self.expect_right("else")?;
                                    break Closing::Else(None, pos);
                                }
                            }
                        }
                        Some("if") | Some("with") => {
                            self.i += 1;
                            let is_if = kw.as_deref() == Some("if");
                            let b = self.branches(pos, is_if)?;
                            out.push(if is_if { Node::If(b) } else { Node::With(b) });
                        }
                        Some("range") => {
                            self.i += 1;
                            let pipe = self.pipeline(true)?;
                            self.expect_right("range")?;
                            let (body, end) = self.list()?;
                            let else_ = match end {
                                Closing::End(_) => None,
                                Closing::Else(None, _) => {
                                    let (l, e) = self.list()?;
                                    if !matches!(e, Closing::End(_)) {
                                        return Err(err(pos, "range: missing {{end}}"));
                                    }
                                    Some(l)
                                }
                                _ => return Err(err(pos, "range: missing {{end}}")),
                            };
                            out.push(Node::Range {
                                pipe,
                                body,
                                else_,
                                pos,
                            });
                        }
                        Some("define") | Some("block") => {
                            self.i += 1;
                            let name = match self.next() {
                                Some(Token {
                                    tok: Tok::Str(s), ..
                                }) => s.to_string(),
                                _ => return Err(err(pos, "define/block needs a quoted name")),
                            };
                            let is_block = kw.as_deref() == Some("block");
                            let pipe = if is_block {
                                Some(self.pipeline(false)?)
                            } else {
                                None
                            };
                            let end = self.expect_right("define")?;
                            let (body, e) = self.list()?;
                            if !matches!(e, Closing::End(_)) {
                                return Err(err(
                                    pos,
                                    format!("define {name:?}: missing {{{{end}}}}"),
                                ));
                            }
                            self.defines.push((name.clone(), Rc::new(body)));
                            if is_block {
                                out.push(Node::Template {
                                    name,
                                    pipe,
                                    pos,
                                    end,
                                });
                            }
                        }
                        Some("template") => {
                            self.i += 1;
                            let name = match self.next() {
                                Some(Token {
                                    tok: Tok::Str(s), ..
                                }) => s.to_string(),
                                _ => return Err(err(pos, "template needs a quoted name")),
                            };
                            let pipe = match self.peek() {
                                Some(Token {
                                    tok: Tok::Right, ..
                                }) => None,
                                _ => Some(self.pipeline(false)?),
                            };
                            let end = self.expect_right("template")?;
                            out.push(Node::Template {
                                name,
                                pipe,
                                pos,
                                end,
                            });
                        }
                        Some("break") => {
                            self.i += 1;
                            self.expect_right("break")?;
                            out.push(Node::Break(pos));
                        }
                        Some("continue") => {
                            self.i += 1;
                            self.expect_right("continue")?;
                            out.push(Node::Continue(pos));
                        }
                        _ => {
                            let pipe = self.pipeline(true)?;
                            let end = self.expect_right("action")?;
                            out.push(Node::Action { pipe, pos, end });
                        }
                    }
                }
                _ => return Err(err(t.start, "unexpected token outside action")),
            }
        };
        self.nesting -= 1;
        Ok((out, end))
    }

    /// After `if`/`with` (or `else if`/`else with`): the pipeline, body and else chain.
    fn branches(&mut self, pos: usize, is_if: bool) -> Result<Branches, TemplateError> {
        let mut arms = Vec::new();
        let mut else_ = None;
        loop {
            let pipe = self.pipeline(true)?;
            self.expect_right(if is_if { "if" } else { "with" })?;
            let (body, end) = self.list()?;
            arms.push((pipe, body));
            match end {
                Closing::End(_) => break,
                Closing::Else(None, _) => {
                    let (l, e) = self.list()?;
                    if !matches!(e, Closing::End(_)) {
                        return Err(err(pos, "missing {{end}}"));
                    }
                    else_ = Some(l);
                    break;
                }
                Closing::Else(Some(k), p) => {
                    if (k == "if") != is_if {
                        // `{{with}}...{{else if}}` nests a new construct in the else branch.
                        let b = self.branches(p, k == "if")?;
                        else_ = Some(vec![if k == "if" {
                            Node::If(b)
                        } else {
                            Node::With(b)
                        }]);
                        break;
                    }
                }
                Closing::Eof => return Err(err(pos, "missing {{end}}")),
            }
        }
        Ok(Branches { arms, else_, pos })
    }

    fn pipeline(&mut self, allow_decl: bool) -> Result<Pipe, TemplateError> {
        let pos = self.pos();
        let mut decl = Vec::new();
        let mut assign = false;
        if allow_decl {
            // `$x :=`, `$x =`, `$i, $v :=`
            let save = self.i;
            let mut names = Vec::new();
            while let Some(Token {
                tok: Tok::Var(v), ..
            }) = self.peek()
            {
                names.push(v.clone());
                self.i += 1;
                match self.peek().map(|t| &t.tok) {
                    Some(Tok::Comma) => {
                        self.i += 1;
                    }
                    Some(Tok::Declare) => {
                        self.i += 1;
                        decl = names;
                        break;
                    }
                    Some(Tok::Assign) => {
                        self.i += 1;
                        decl = names;
                        assign = true;
                        break;
                    }
                    _ => {
                        self.i = save;
                        break;
                    }
                }
            }
            if decl.is_empty() {
                self.i = save;
            }
        }
        let mut cmds = Vec::new();
        loop {
            let cpos = self.pos();
            let mut args = Vec::new();
            loop {
                match self.peek().map(|t| &t.tok) {
                    None | Some(Tok::Right) | Some(Tok::RParen) | Some(Tok::Pipe) => break,
                    _ => args.push(self.operand()?),
                }
            }
            if args.is_empty() {
                return Err(err(cpos, "missing value for command"));
            }
            cmds.push(Cmd { args, pos: cpos });
            if matches!(self.peek().map(|t| &t.tok), Some(Tok::Pipe)) {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(Pipe {
            decl,
            assign,
            cmds,
            pos,
        })
    }

    /// Field tokens glued to the previous token (no space): a chain.
    fn chain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(t) = self.peek() {
            let prev_end = self.toks[self.i - 1].end;
            match &t.tok {
                Tok::Field(f) if t.start == prev_end => {
                    out.push(f.clone());
                    self.i += 1;
                }
                _ => break,
            }
        }
        out
    }

    fn operand(&mut self) -> Result<Arg, TemplateError> {
        let Some(t) = self.next() else {
            return Err(err(self.pos(), "unexpected end of action"));
        };
        Ok(match t.tok {
            Tok::Dot => Arg::Dot(Vec::new()),
            Tok::Field(f) => {
                let mut c = vec![f];
                c.extend(self.chain());
                Arg::Dot(c)
            }
            Tok::Var(v) => {
                let c = self.chain();
                Arg::Var(v, c)
            }
            Tok::Str(s) => Arg::Str(s),
            Tok::Int(i) => Arg::Int(i),
            Tok::Float(f) => Arg::Float(f),
            Tok::Ident(id) => match id.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                _ => Arg::Ident(id, t.start),
            },
            Tok::LParen => {
                self.nesting += 1;
                if self.nesting > MAX_NESTING {
                    return Err(err(t.start, "template nested too deeply"));
                }
                let p = self.pipeline(true)?;
                self.nesting -= 1;
                match self.next() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => {}
                    _ => return Err(err(t.start, "unclosed left paren")),
                }
                let c = self.chain();
                Arg::Sub(Box::new(p), c)
            }
            _ => return Err(err(t.start, "unexpected token in operand")),
        })
    }
}

/// Defines collected across files; later ones replace earlier ones, as in Go.
pub type Defines = HashMap<String, (Rc<List>, usize)>;
