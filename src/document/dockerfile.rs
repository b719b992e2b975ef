//! Dockerfile → [`ConfigDoc`] (through `parse-dockerfile`).
//!
//! One Dockerfile becomes one document whose value is shaped for declarative rules:
//!
//! ```text
//! {
//!   "fragment": false,               // true when instructions come before any FROM (a template
//!                                    // part): they form stage 0, whose `ref` is "fragment"
//!   "escape": "\\",                  // the escape character (parser directive `# escape=`)
//!   "syntax": "docker/dockerfile:1" | null,
//!   "args": [ <instruction> ... ],    // global ARGs (before the first FROM)
//!   "stages": [ {
//!       "index": 0,
//!       "name": "builder" | null,     // `AS name`, as written
//!       "from": "golang:${GO}",        // the raw image argument of FROM
//!       "resolved": "golang:1.22",    // after substituting global ARG defaults; null if unresolved
//!       "ref": "image" | "stage" | "scratch" | "variable" | "fragment",
//!       "image": "golang", "tag": "1.22" | null, "digest": "sha256:…" | null,
//!       "base_stage": 0 | null,       // index of the earlier stage when ref = "stage"
//!       "platform": "linux/amd64" | null,
//!       "final": true | false,        // the last stage (what `docker build` ships by default)
//!       "shipped": true | false,      // the final stage or a stage it is built FROM (transitively)
//!       "instructions": [ <instruction> ... ]   // the stage's instructions after its FROM
//!   } ],
//!   "instructions": [ <instruction> ... ]       // every instruction in file order (FROM included)
//! }
//! ```
//!
//! An instruction is `{ "instruction": "RUN", "line": 12, "stage": 1 | null, "value": "<raw
//! text after the keyword>", "flags": {"mount": "type=cache,target=/root/.cache"}, "options":
//! [{"name": "mount", "value": …}], … }` plus fields by kind:
//! - RUN, CMD, ENTRYPOINT, HEALTHCHECK: `form` (`shell`|`exec`), `command` (the shell text with
//!   line continuations joined and interleaved comment lines removed; for the exec form the
//!   script of `["sh", "-c", script]` or the arguments joined by spaces), `exec` (array, exec form
//!   only), `heredocs` (here-document bodies); HEALTHCHECK NONE has `none: true` instead.
//! - ENV, ARG, LABEL: `vars: [{"name", "value" | null}]` (both `k=v` and legacy `ENV k v` forms).
//! - ADD, COPY: `sources` (array of strings, quotes removed), `dest`, `heredocs`.
//! - In a stage, ADD/COPY `sources`, USER `user`/`group` and EXPOSE `ports` have the stage's
//!   ARG/ENV values substituted; when a variable there has no value, the text stays as written
//!   and the instruction has `"unresolved": true` (config rules then report at low confidence).
//! - EXPOSE: `ports` (strings as written, e.g. `"22/tcp"`).  USER: `user`, `group` | null.
//! - WORKDIR: `path`. MAINTAINER: `name`. SHELL: `exec`. VOLUME: `paths`. STOPSIGNAL: `signal`.
//! - ONBUILD: `trigger` (the wrapped instruction, same shape). FROM: `image` (raw), `name`.
//!
//! Every pointer has a span: an instruction (and a stage) maps to the whole instruction, its key
//! span to its first line (so findings land on the instruction's line); image/tag/digest map to
//! the image token, a variable or port or source to its token; any other field to its
//! instruction. Spans are byte offsets into the original text (a UTF-8 BOM is accounted for).

use std::collections::HashMap;
use std::ops::Range;

use parse_dockerfile as pd;
use serde_json::{Map, Value, json};

use super::{ConfigDoc, ParseError, Span, StrMap, pointer_escape};

/// Parse a Dockerfile into one [`ConfigDoc`]. Never panics.
pub fn parse(text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    let off = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let (masked, extra) = mask_inline_heredocs(text);
    let patched: String;
    let parsed = std::panic::catch_unwind(|| pd::parse(&masked));
    // A fragment (a template part, an include) has instructions before any FROM: parse it with
    // a FROM placed before its first instruction, so every instruction-level rule still runs.
    let at = match &parsed {
        Ok(Err(e)) => fragment_at(&masked, e),
        _ => None,
    };
    let parsed = match at {
        Some(at) => {
            patched = format!("{}{FRAGMENT_FROM}{}", &masked[..at], &masked[at..]);
            std::panic::catch_unwind(|| pd::parse(&patched))
        }
        None => parsed,
    };
    let df = match parsed {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => {
            return Err(ParseError::new(
                format!("Dockerfile: {e:#}"),
                line_span(text, e.line()),
            ));
        }
        Err(_) => {
            return Err(ParseError::new(
                "Dockerfile: the parser failed on this input",
                None,
            ));
        }
    };
    let escape = df
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);
    let b = Builder {
        text,
        off,
        escape,
        extra,
        fragment: at,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    Ok(vec![b.build(&df)])
}

/// What [`parse`] places before the first instruction of a fragment. It starts with a line
/// break so it also parses after a last line without one.
const FRAGMENT_FROM: &str = "\nFROM scratch\n";

/// Where a fragment's stage starts: the start of the first instruction that the parser wanted a
/// FROM before (`expected FROM`), or the end of a file of only ARGs (`no stage`).
fn fragment_at(text: &str, e: &pd::Error) -> Option<usize> {
    let msg = format!("{e:#}");
    if msg == "expected FROM" {
        line_span(text, e.line()).map(|s| s.start)
    } else if msg == "expected at least one FROM instruction" {
        Some(text.len())
    } else {
        None
    }
}

/// The span of 1-based line `line`, without its line break.
fn line_span(text: &str, line: usize) -> Option<Span> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if text[start..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    Some(Span::new(start, end))
}

static HEREDOC_MARK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?:^|[^<])<<(-?)\s*(?:"([A-Za-z_][A-Za-z0-9_]*)"|'([A-Za-z_][A-Za-z0-9_]*)'|([A-Za-z_][A-Za-z0-9_]*))"#)
        .expect("constant regex")
});
static RUN_LEADING_HEREDOC: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)^\s*(?:RUN|COPY|ADD)\s+(?:--\S+\s+)*<<").expect("constant regex")
});

/// The parser understands a here-document only right after `RUN`/`COPY`/`ADD` (and options);
/// `RUN cat <<EOF > /etc/app.conf` or `RUN python3 <<EOF` would make it read the body as
/// instructions. Blank out such bodies (same byte length, as comment lines) so the rest parses,
/// and return each body's (marker offset, body span) to attach to its RUN afterwards.
fn mask_inline_heredocs(text: &str) -> (std::borrow::Cow<'_, str>, Vec<(usize, Span)>) {
    if !text.contains("<<") {
        return (std::borrow::Cow::Borrowed(text), Vec::new());
    }
    let mut out = text.as_bytes().to_vec();
    let mut extra = Vec::new();
    let mut in_run = false;
    let mut continues = false;
    let mut pos = 0;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..end];
        let trimmed = line.trim_start();
        if !continues {
            let word: String = trimmed
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_uppercase();
            in_run = word == "RUN";
        }
        let ends_cont = line.trim_end().ends_with('\\') || line.trim_end().ends_with('`');
        let mut next = if end < text.len() {
            end + 1
        } else {
            text.len()
        };
        if in_run && !trimmed.starts_with('#') && (continues || !RUN_LEADING_HEREDOC.is_match(line))
        {
            for c in HEREDOC_MARK.captures_iter(line) {
                let strip_tabs = c.get(1).is_some_and(|m| !m.as_str().is_empty());
                let Some(delim) = c.get(2).or(c.get(3)).or(c.get(4)) else {
                    continue;
                };
                let marker = pos + delim.start();
                let body_start = next;
                let mut q = next;
                let mut body_end = text.len();
                while q < text.len() {
                    let e = text[q..].find('\n').map_or(text.len(), |i| q + i);
                    let l = text[q..e].trim_end_matches('\r');
                    let l = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if l == delim.as_str() {
                        body_end = q;
                        q = if e < text.len() { e + 1 } else { text.len() };
                        break;
                    }
                    q = if e < text.len() { e + 1 } else { text.len() };
                }
                // Mask body and delimiter lines: '#' then spaces, keeping line breaks.
                let mut line_start = true;
                for b in out.iter_mut().take(q).skip(body_start) {
                    if *b == b'\n' || *b == b'\r' {
                        line_start = true;
                        continue;
                    }
                    *b = if line_start { b'#' } else { b' ' };
                    line_start = false;
                }
                extra.push((marker, Span::new(body_start, body_end.max(body_start))));
                next = q;
            }
        }
        continues = ends_cont && next == end + 1;
        pos = next;
    }
    if extra.is_empty() {
        return (std::borrow::Cow::Borrowed(text), extra);
    }
    // Masking replaced whole UTF-8 sequences byte by byte with ASCII, so this cannot fail.
    match String::from_utf8(out) {
        Ok(s) => (std::borrow::Cow::Owned(s), extra),
        Err(_) => (std::borrow::Cow::Borrowed(text), Vec::new()),
    }
}

/// Join Dockerfile line continuations (`escape` + newline) and drop the comment and empty lines
/// that may sit inside a continued instruction. Returns the joined text and, for each of its
/// bytes, the byte offset in `raw` it came from (plus one final entry for the end).
pub fn join_lines(raw: &str, escape: char) -> (String, Vec<usize>) {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < raw.len() {
        let Some(c) = raw[i..].chars().next() else {
            break;
        };
        if c == escape {
            let mut j = i + c.len_utf8();
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\r' {
                j += 1;
            }
            if j >= bytes.len() {
                break;
            }
            if bytes[j] == b'\n' {
                j += 1;
                // Comment and empty lines inside a continuation are removed by Docker.
                loop {
                    let end = raw[j..].find('\n').map_or(raw.len(), |k| j + k);
                    let line = raw[j..end].trim();
                    if end < raw.len() && (line.is_empty() || line.starts_with('#')) {
                        j = end + 1;
                        continue;
                    }
                    break;
                }
                i = j;
                continue;
            }
        }
        out.push(c);
        for _ in 0..c.len_utf8() {
            map.push(i);
        }
        i += c.len_utf8();
    }
    map.push(raw.len());
    (out, map)
}

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "pwsh",
    "powershell",
    "cmd",
];

struct Builder<'t> {
    text: &'t str,
    off: usize,
    escape: char,
    /// Here-documents the parser does not see (see [`mask_inline_heredocs`]).
    extra: Vec<(usize, Span)>,
    /// For a fragment, where [`FRAGMENT_FROM`] was placed in the text the parser read.
    fragment: Option<usize>,
    line_starts: Vec<usize>,
}

/// One instruction: its value, whole span, first-line span and spans of sub-fields (pointers
/// relative to the instruction).
struct Instr {
    value: Map<String, Value>,
    span: Span,
    head: Span,
    sub: Vec<(String, Span)>,
}

#[derive(Default)]
struct Spans {
    spans: StrMap<Span>,
    key_spans: StrMap<Span>,
}

impl Spans {
    fn put_instr(&mut self, ptr: &str, ins: &Instr) {
        self.spans.insert(ptr.to_string(), ins.span);
        self.key_spans.insert(ptr.to_string(), ins.head);
        for (rel, s) in &ins.sub {
            self.spans.insert(format!("{ptr}{rel}"), *s);
        }
    }
}

impl Builder<'_> {
    fn sp(&self, r: &Range<usize>) -> Span {
        Span::new(self.unshift(r.start), self.unshift(r.end)).clamp_to(self.text)
    }

    /// A parser offset as an offset in `text`: past the BOM, and before the FROM placed in a
    /// fragment (which itself maps to where it was placed).
    fn unshift(&self, x: usize) -> usize {
        let x = match self.fragment {
            Some(at) if x >= at + FRAGMENT_FROM.len() => x - FRAGMENT_FROM.len(),
            Some(at) if x >= at => at,
            _ => x,
        };
        x + self.off
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn head(&self, start: usize, end: usize) -> Span {
        let nl = self.text[start..end].find('\n').map_or(end, |i| start + i);
        let line = self.text[start..nl].trim_end();
        Span::new(start, start + line.len())
    }

    fn build(&self, df: &pd::Dockerfile<'_>) -> ConfigDoc {
        let mut sp = Spans::default();
        let mut all = Vec::new();
        let mut global_args = Vec::new();
        let mut arg_defaults: HashMap<String, String> = HashMap::new();
        let mut stages: Vec<Map<String, Value>> = Vec::new();
        let mut stage_spans: Vec<(Span, Span)> = Vec::new();
        let mut stage_instrs: Vec<Vec<Value>> = Vec::new();
        let mut stage_names: Vec<Option<String>> = Vec::new();
        // The variables with a value that a stage's instructions see: its ARGs (a global
        // default when redeclared without one) and ENVs.
        let mut scope: HashMap<String, String> = HashMap::new();
        for ins in &df.instructions {
            let stage = stages.len().checked_sub(1);
            let k = all.len();
            let gptr = format!("/instructions/{k}");
            if let pd::Instruction::From(from) = ins {
                scope.clear();
                let idx = stages.len();
                let (mut st, ispan, head, sub) = self.stage(from, idx, &arg_defaults, &stage_names);
                if idx == 0 && self.fragment.is_some() {
                    // The placed FROM: a stage whose base image is unknown, no instruction.
                    for k in ["from", "resolved", "image"] {
                        st.insert(k.into(), Value::Null);
                    }
                    st.insert("ref".into(), json!("fragment"));
                    sp.spans.insert(format!("/stages/{idx}"), ispan);
                    sp.key_spans.insert(format!("/stages/{idx}"), head);
                    stage_names.push(None);
                    stages.push(st);
                    stage_spans.push((ispan, head));
                    stage_instrs.push(Vec::new());
                    continue;
                }
                let sptr = format!("/stages/{idx}");
                sp.spans.insert(sptr.clone(), ispan);
                sp.key_spans.insert(sptr.clone(), head);
                sp.spans.insert(format!("{sptr}/instructions"), ispan);
                for (rel, s) in &sub {
                    sp.spans.insert(format!("{sptr}{rel}"), *s);
                }
                stage_names.push(
                    st.get("name")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase),
                );
                // The FROM instruction in the flat list.
                let instr = self.instruction(ins, Some(idx));
                sp.put_instr(&gptr, &instr);
                all.push(Value::Object(instr.value));
                stages.push(st);
                stage_spans.push((ispan, head));
                stage_instrs.push(Vec::new());
                continue;
            }
            let mut instr = self.instruction(ins, stage);
            if stage.is_some() {
                self.declare(ins, &arg_defaults, &mut scope);
                resolve(&mut instr.value, &scope);
            }
            sp.put_instr(&gptr, &instr);
            match stage {
                None => {
                    if let pd::Instruction::Arg(a) = ins {
                        for (name, value, _) in self.vars(&a.arguments, false) {
                            if let Some(v) = value {
                                let v = substitute(&v, &arg_defaults).unwrap_or(v);
                                arg_defaults.insert(name, v);
                            }
                        }
                    }
                    sp.put_instr(&format!("/args/{}", global_args.len()), &instr);
                    global_args.push(Value::Object(instr.value.clone()));
                }
                Some(s) => {
                    if let Some(list) = stage_instrs.get_mut(s) {
                        sp.put_instr(&format!("/stages/{s}/instructions/{}", list.len()), &instr);
                        list.push(Value::Object(instr.value.clone()));
                    }
                }
            }
            all.push(Value::Object(instr.value));
        }
        // Which stages end up in the shipped image: the final one and its FROM chain.
        let n = stages.len();
        let mut shipped = vec![false; n];
        let mut cur = n.checked_sub(1);
        while let Some(i) = cur {
            if shipped[i] {
                break;
            }
            shipped[i] = true;
            cur = stages[i]
                .get("base_stage")
                .and_then(Value::as_u64)
                .map(|b| b as usize)
                .filter(|b| *b < i);
        }
        let stages: Vec<Value> = stages
            .into_iter()
            .zip(stage_instrs)
            .enumerate()
            .map(|(i, (mut st, list))| {
                st.insert("final".into(), Value::Bool(i + 1 == n));
                st.insert("shipped".into(), Value::Bool(shipped[i]));
                st.insert("instructions".into(), Value::Array(list));
                Value::Object(st)
            })
            .collect();
        let value = json!({
            "fragment": self.fragment.is_some(),
            "escape": self.escape.to_string(),
            "syntax": df.parser_directives.syntax.as_ref().map(|d| d.value.value),
            "args": global_args,
            "stages": stages,
            "instructions": all,
        });
        let whole = Span::new(0, self.text.len());
        sp.spans.insert(String::new(), whole);
        fill_spans(&value, String::new(), whole, &mut sp.spans);
        ConfigDoc {
            value,
            spans: sp.spans.into(),
            key_spans: sp.key_spans.into(),
            index: 0,
            span: whole,
        }
    }

    /// Record what an ARG or ENV of a stage declares in its `scope`.
    fn declare(
        &self,
        ins: &pd::Instruction<'_>,
        global: &HashMap<String, String>,
        scope: &mut HashMap<String, String>,
    ) {
        let (args, legacy, is_arg) = match ins {
            pd::Instruction::Arg(a) => (&a.arguments, false, true),
            pd::Instruction::Env(e) => (&e.arguments, true, false),
            _ => return,
        };
        for (name, value, _) in self.vars(args, legacy) {
            let value = match value {
                Some(v) => substitute(&v, scope),
                // `ARG NAME` brings a global default into the stage; a build argument may
                // still override it, which is why a value is a default, not a certainty.
                None if is_arg => global.get(&name).cloned(),
                None => None,
            };
            match value {
                Some(v) => scope.insert(name, v),
                None => scope.remove(&name),
            };
        }
    }

    #[allow(clippy::type_complexity)]
    fn stage(
        &self,
        from: &pd::FromInstruction<'_>,
        idx: usize,
        args: &HashMap<String, String>,
        earlier: &[Option<String>],
    ) -> (Map<String, Value>, Span, Span, Vec<(String, Span)>) {
        let start = self.sp(&from.from.span).start;
        let mut end = self.sp(&from.image.span).end;
        let name = from.as_.as_ref().map(|(_, n)| {
            end = end.max(self.sp(&n.span).end);
            (n.value.to_string(), self.sp(&n.span))
        });
        let span = Span::new(start, end);
        let head = self.head(start, end);
        let raw = from.image.value.to_string();
        let image_span = self.sp(&from.image.span);
        let resolved = substitute(&raw, args);
        let mut st = Map::new();
        st.insert("index".into(), json!(idx));
        st.insert(
            "name".into(),
            name.as_ref().map_or(Value::Null, |(n, _)| json!(n)),
        );
        st.insert("from".into(), json!(raw));
        st.insert("resolved".into(), json!(resolved));
        let platform = from
            .options
            .iter()
            .find(|f| f.name.value.eq_ignore_ascii_case("platform"));
        let (image, tag, digest) = split_image_ref(resolved.as_deref().unwrap_or(&raw));
        let lower = image.to_ascii_lowercase();
        let base_stage = if resolved.is_some() && tag.is_none() && digest.is_none() {
            earlier
                .iter()
                .position(|n| n.as_deref() == Some(lower.as_str()))
        } else {
            None
        };
        let kind = if resolved.is_none() {
            "variable"
        } else if base_stage.is_some() {
            "stage"
        } else if lower == "scratch" {
            "scratch"
        } else {
            "image"
        };
        st.insert("ref".into(), json!(kind));
        st.insert("image".into(), json!(image));
        st.insert("tag".into(), json!(tag));
        st.insert("digest".into(), json!(digest));
        st.insert("base_stage".into(), json!(base_stage));
        st.insert(
            "platform".into(),
            json!(platform.and_then(|f| f.value.as_ref().map(|v| v.value.to_string()))),
        );
        let mut sub = Vec::new();
        for f in [
            "from",
            "resolved",
            "ref",
            "image",
            "tag",
            "digest",
            "base_stage",
        ] {
            sub.push((format!("/{f}"), image_span));
        }
        if let Some((_, s)) = &name {
            sub.push(("/name".into(), *s));
        }
        if let Some(p) = platform {
            sub.push(("/platform".into(), self.sp(&p.span())));
        }
        (st, span, head, sub)
    }

    fn flags(
        &self,
        flags: &[pd::Flag<'_>],
        v: &mut Map<String, Value>,
        sub: &mut Vec<(String, Span)>,
    ) {
        let mut map = Map::new();
        let mut list = Vec::new();
        for f in flags {
            let name = f.name.value.to_string();
            let val = f
                .value
                .as_ref()
                .map_or(Value::Bool(true), |x| json!(x.value));
            let i = list.len();
            sub.push((format!("/options/{i}"), self.sp(&f.span())));
            if !map.contains_key(&name) {
                sub.push((
                    format!("/flags/{}", pointer_escape(&name)),
                    self.sp(&f.span()),
                ));
                map.insert(name.clone(), val.clone());
            }
            list.push(json!({"name": name, "value": val}));
        }
        v.insert("flags".into(), Value::Object(map));
        v.insert("options".into(), Value::Array(list));
    }

    fn command(
        &self,
        cmd: &pd::Command<'_>,
        v: &mut Map<String, Value>,
        sub: &mut Vec<(String, Span)>,
    ) -> usize {
        match cmd {
            pd::Command::Exec(arr) => {
                let items: Vec<String> = arr.value.iter().map(|s| s.value.to_string()).collect();
                let span = self.sp(&arr.span);
                for (i, s) in arr.value.iter().enumerate() {
                    sub.push((format!("/exec/{i}"), self.sp(&s.span)));
                }
                sub.push(("/command".into(), span));
                v.insert("form".into(), json!("exec"));
                v.insert("command".into(), json!(exec_script(&items)));
                v.insert("exec".into(), json!(items));
                span.end
            }
            pd::Command::Shell(s) => {
                let span = self.sp(&s.span);
                let raw = &self.text[span.start..span.end];
                sub.push(("/command".into(), span));
                v.insert("form".into(), json!("shell"));
                v.insert("command".into(), json!(join_lines(raw, self.escape).0));
                span.end
            }
            _ => 0,
        }
    }

    fn heredocs(
        &self,
        docs: &[&pd::HereDoc<'_>],
        v: &mut Map<String, Value>,
        sub: &mut Vec<(String, Span)>,
    ) -> usize {
        let mut end = 0;
        let mut list = Vec::new();
        for (i, h) in docs.iter().enumerate() {
            let s = self.sp(&h.span);
            end = end.max(s.end);
            sub.push((format!("/heredocs/{i}"), s));
            list.push(json!(h.value));
        }
        v.insert("heredocs".into(), Value::Array(list));
        end
    }

    /// ADD and COPY share a shape.
    fn add_copy(
        &self,
        options: &[pd::Flag<'_>],
        src: &[pd::Source<'_>],
        dest: &pd::UnescapedString<'_>,
        v: &mut Map<String, Value>,
        sub: &mut Vec<(String, Span)>,
    ) -> usize {
        self.flags(options, v, sub);
        let mut sources = Vec::new();
        let mut docs = Vec::new();
        for s in src {
            match s {
                pd::Source::Path(p) => {
                    sub.push((format!("/sources/{}", sources.len()), self.sp(&p.span)));
                    // Docker takes `ADD "a b.tar.gz" /x` as the path between the quotes.
                    sources.push(json!(unquote(&p.value)));
                }
                pd::Source::HereDoc(h) => docs.push(h),
                _ => {}
            }
        }
        v.insert("sources".into(), Value::Array(sources));
        v.insert("dest".into(), json!(dest.value));
        let dspan = self.sp(&dest.span);
        sub.push(("/dest".into(), dspan));
        dspan.end.max(self.heredocs(&docs, v, sub))
    }

    /// `name[=value]` words (ARG, ENV, LABEL). With `legacy`, `NAME value with spaces` is accepted
    /// when the first word has no `=`. Returns (name, value, span of the word).
    fn vars(
        &self,
        args: &pd::UnescapedString<'_>,
        legacy: bool,
    ) -> Vec<(String, Option<String>, Span)> {
        let aspan = self.sp(&args.span);
        let raw_src = &self.text[aspan.start..aspan.end];
        let words = split_words(&args.value);
        let mut out = Vec::new();
        let mut cursor = 0;
        let mut locate = |name: &str| -> Span {
            match raw_src.get(cursor..).and_then(|r| r.find(name)) {
                Some(i) => {
                    let s = aspan.start + cursor + i;
                    cursor += i + name.len();
                    let end = raw_src[cursor..]
                        .find('\n')
                        .map_or(aspan.end, |k| aspan.start + cursor + k);
                    Span::new(s, end.max(s + name.len()))
                }
                None => aspan,
            }
        };
        if legacy
            && let Some((first, rest_at)) = words.first()
            && !first.contains('=')
        {
            let rest = args.value.get(*rest_at..).unwrap_or("").trim();
            let value = unquote(rest);
            let span = locate(first);
            out.push((first.clone(), Some(value), Span::new(span.start, aspan.end)));
            return out;
        }
        for (w, _) in words {
            let (name, value) = match w.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (w.clone(), None),
            };
            if name.is_empty() {
                continue;
            }
            let span = locate(&name);
            let span = self.head(span.start, span.end.max(span.start));
            out.push((name, value, span));
        }
        out
    }

    fn put_vars(
        &self,
        list: Vec<(String, Option<String>, Span)>,
        v: &mut Map<String, Value>,
        sub: &mut Vec<(String, Span)>,
    ) {
        let mut vars = Vec::new();
        for (i, (n, val, s)) in list.into_iter().enumerate() {
            sub.push((format!("/vars/{i}"), s));
            vars.push(json!({"name": n, "value": val}));
        }
        v.insert("vars".into(), Value::Array(vars));
    }

    fn instruction(&self, ins: &pd::Instruction<'_>, stage: Option<usize>) -> Instr {
        let mut v = Map::new();
        let mut sub = Vec::new();
        let (name, kw, end) = match ins {
            pd::Instruction::Add(a) => {
                let end = self.add_copy(&a.options, &a.src, &a.dest, &mut v, &mut sub);
                ("ADD", &a.add, end)
            }
            pd::Instruction::Copy(c) => {
                let end = self.add_copy(&c.options, &c.src, &c.dest, &mut v, &mut sub);
                ("COPY", &c.copy, end)
            }
            pd::Instruction::Arg(a) => {
                let list = self.vars(&a.arguments, false);
                self.put_vars(list, &mut v, &mut sub);
                ("ARG", &a.arg, self.sp(&a.arguments.span).end)
            }
            pd::Instruction::Env(a) => {
                let list = self.vars(&a.arguments, true);
                self.put_vars(list, &mut v, &mut sub);
                ("ENV", &a.env, self.sp(&a.arguments.span).end)
            }
            pd::Instruction::Label(a) => {
                let list = self.vars(&a.arguments, true);
                self.put_vars(list, &mut v, &mut sub);
                ("LABEL", &a.label, self.sp(&a.arguments.span).end)
            }
            pd::Instruction::Cmd(c) => {
                let end = self.command(&c.arguments, &mut v, &mut sub);
                ("CMD", &c.cmd, end)
            }
            pd::Instruction::Entrypoint(c) => {
                let end = self.command(&c.arguments, &mut v, &mut sub);
                ("ENTRYPOINT", &c.entrypoint, end)
            }
            pd::Instruction::Run(r) => {
                self.flags(&r.options, &mut v, &mut sub);
                let mut end = self.command(&r.arguments, &mut v, &mut sub);
                let docs: Vec<&pd::HereDoc<'_>> = r.here_docs.iter().collect();
                end = end.max(self.heredocs(&docs, &mut v, &mut sub));
                let kw = self.sp(&r.run.span);
                let cmd_end = end;
                for (_, body) in self
                    .extra
                    .iter()
                    .filter(|(at, _)| (kw.start..=cmd_end).contains(at))
                {
                    if let Some(list) = v.get_mut("heredocs").and_then(Value::as_array_mut) {
                        sub.push((format!("/heredocs/{}", list.len()), *body));
                        list.push(json!(&self.text[body.start..body.end]));
                    }
                    end = end.max(body.end);
                }
                ("RUN", &r.run, end)
            }
            pd::Instruction::Healthcheck(h) => {
                self.flags(&h.options, &mut v, &mut sub);
                let mut end = self.sp(&h.healthcheck.span).end;
                match &h.arguments {
                    pd::HealthcheckArguments::Cmd { arguments, .. } => {
                        v.insert("none".into(), json!(false));
                        end = end.max(self.command(arguments, &mut v, &mut sub));
                    }
                    pd::HealthcheckArguments::None { none, .. } => {
                        v.insert("none".into(), json!(true));
                        end = end.max(self.sp(&none.span).end);
                    }
                    _ => {}
                }
                ("HEALTHCHECK", &h.healthcheck, end)
            }
            pd::Instruction::Expose(e) => {
                let mut ports = Vec::new();
                let mut end = self.sp(&e.expose.span).end;
                for (i, p) in e.arguments.iter().enumerate() {
                    let s = self.sp(&p.span);
                    end = end.max(s.end);
                    sub.push((format!("/ports/{i}"), s));
                    ports.push(json!(p.value));
                }
                v.insert("ports".into(), Value::Array(ports));
                ("EXPOSE", &e.expose, end)
            }
            pd::Instruction::From(f) => {
                self.flags(&f.options, &mut v, &mut sub);
                v.insert("image".into(), json!(f.image.value));
                sub.push(("/image".into(), self.sp(&f.image.span)));
                let mut end = self.sp(&f.image.span).end;
                match &f.as_ {
                    Some((_, n)) => {
                        end = end.max(self.sp(&n.span).end);
                        sub.push(("/name".into(), self.sp(&n.span)));
                        v.insert("name".into(), json!(n.value));
                    }
                    None => {
                        v.insert("name".into(), Value::Null);
                    }
                }
                ("FROM", &f.from, end)
            }
            pd::Instruction::Maintainer(m) => {
                v.insert("name".into(), json!(m.name.value));
                ("MAINTAINER", &m.maintainer, self.sp(&m.name.span).end)
            }
            pd::Instruction::Onbuild(o) => {
                let inner = self.instruction(&o.instruction, stage);
                let end = inner.span.end;
                sub.push(("/trigger".into(), inner.span));
                for (rel, s) in inner.sub {
                    sub.push((format!("/trigger{rel}"), s));
                }
                v.insert("trigger".into(), Value::Object(inner.value));
                ("ONBUILD", &o.onbuild, end)
            }
            pd::Instruction::Shell(s) => {
                let items: Vec<String> = s.arguments.iter().map(|a| a.value.to_string()).collect();
                let end = s
                    .arguments
                    .iter()
                    .map(|a| self.sp(&a.span).end + 1)
                    .max()
                    .unwrap_or(0);
                v.insert("exec".into(), json!(items));
                ("SHELL", &s.shell, end)
            }
            pd::Instruction::Stopsignal(s) => {
                v.insert("signal".into(), json!(s.arguments.value));
                ("STOPSIGNAL", &s.stopsignal, self.sp(&s.arguments.span).end)
            }
            pd::Instruction::User(u) => {
                let raw = u.arguments.value.trim();
                let (user, group) = match raw.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (raw, None),
                };
                v.insert("user".into(), json!(user));
                v.insert("group".into(), json!(group));
                sub.push(("/user".into(), self.sp(&u.arguments.span)));
                ("USER", &u.user, self.sp(&u.arguments.span).end)
            }
            pd::Instruction::Volume(vol) => {
                let (items, end) = match &vol.arguments {
                    pd::JsonOrStringArray::Json(a) => (
                        a.value
                            .iter()
                            .map(|s| s.value.to_string())
                            .collect::<Vec<_>>(),
                        self.sp(&a.span).end,
                    ),
                    pd::JsonOrStringArray::String(a) => (
                        a.iter().map(|s| s.value.to_string()).collect(),
                        a.iter().map(|s| self.sp(&s.span).end).max().unwrap_or(0),
                    ),
                };
                v.insert("paths".into(), json!(items));
                ("VOLUME", &vol.volume, end)
            }
            pd::Instruction::Workdir(w) => {
                v.insert("path".into(), json!(w.arguments.value));
                ("WORKDIR", &w.workdir, self.sp(&w.arguments.span).end)
            }
            _ => {
                // A future instruction kind: keep its keyword only.
                return self.bare(ins, stage);
            }
        };
        let kw = self.sp(&kw.span);
        let end = end.max(kw.end).min(self.text.len());
        self.finish(name, kw, end, stage, v, sub)
    }

    fn bare(&self, _ins: &pd::Instruction<'_>, stage: Option<usize>) -> Instr {
        let mut v = Map::new();
        v.insert("instruction".into(), json!("UNKNOWN"));
        v.insert("stage".into(), json!(stage));
        Instr {
            value: v,
            span: Span::default(),
            head: Span::default(),
            sub: Vec::new(),
        }
    }

    fn finish(
        &self,
        name: &str,
        kw: Span,
        end: usize,
        stage: Option<usize>,
        body: Map<String, Value>,
        sub: Vec<(String, Span)>,
    ) -> Instr {
        // The raw argument text: from after the keyword to the end of the instruction's first
        // part (here-document bodies excluded).
        let args_end = sub
            .iter()
            .filter(|(p, _)| !p.starts_with("/heredocs"))
            .map(|(_, s)| s.end)
            .max()
            .unwrap_or(end)
            .clamp(kw.end, end);
        let raw = self.text.get(kw.end..args_end).unwrap_or("").trim();
        let mut v = Map::new();
        v.insert("instruction".into(), json!(name));
        v.insert("line".into(), json!(self.line_of(kw.start)));
        v.insert("stage".into(), json!(stage));
        v.insert("value".into(), json!(raw));
        if !body.contains_key("flags") {
            v.insert("flags".into(), Value::Object(Map::new()));
            v.insert("options".into(), Value::Array(Vec::new()));
        }
        v.extend(body);
        Instr {
            value: v,
            span: Span::new(kw.start, end),
            head: self.head(kw.start, end),
            sub,
        }
    }
}

/// Give every node without a span its parent's span.
fn fill_spans(v: &Value, ptr: String, parent: Span, spans: &mut StrMap<Span>) {
    let here = *spans.entry(ptr.clone()).or_insert(parent);
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                fill_spans(c, format!("{ptr}/{}", pointer_escape(k)), here, spans);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                fill_spans(c, format!("{ptr}/{i}"), here, spans);
            }
        }
        _ => {}
    }
}

/// The script an exec-form command runs: `["sh", "-c", "script"]` → `script`, else the words.
fn exec_script(items: &[String]) -> String {
    if let Some(first) = items.first() {
        let base = first.rsplit(['/', '\\']).next().unwrap_or(first);
        let base = base.trim_end_matches(".exe").to_ascii_lowercase();
        if SHELLS.contains(&base.as_str())
            && let Some(i) = items
                .iter()
                .position(|a| a == "-c" || a == "/c" || a == "-Command" || a == "/S")
            && i + 1 < items.len()
        {
            return items[i + 1..].join(" ");
        }
    }
    items.join(" ")
}

/// Split `a=1 b="x y" c` into words (quotes removed, backslash escapes applied), each with the
/// byte offset where the word ends in the input (so legacy `ENV k v` can take the rest).
fn split_words(s: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                in_word = true;
                if let Some((_, n)) = chars.next()
                    && n != '\n'
                {
                    cur.push(n);
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push((std::mem::take(&mut cur), i));
                    in_word = false;
                }
            }
            (None, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push((cur, s.len()));
    }
    out
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// Replace variables in the fields rules judge (ADD/COPY `sources`, USER `user`/`group`,
/// EXPOSE `ports`) by the values in `scope`; what does not resolve stays as written, and the
/// instruction gets `"unresolved": true` so a rule judging it can lower its confidence.
fn resolve(v: &mut Map<String, Value>, scope: &HashMap<String, String>) {
    let mut unresolved = false;
    let mut one = |x: &mut Value| {
        if let Some(t) = x.as_str().filter(|t| t.contains('$')) {
            match substitute(t, scope) {
                Some(r) => *x = Value::String(r),
                None => unresolved = true,
            }
        }
    };
    for key in ["sources", "ports"] {
        if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(&mut one);
        }
    }
    for key in ["user", "group"] {
        if let Some(x) = v.get_mut(key) {
            one(x);
        }
    }
    if unresolved {
        v.insert("unresolved".into(), Value::Bool(true));
    }
}

/// Substitute `$X`, `${X}`, `${X:-default}` and `${X:+alt}` from `vars`; `None` when a variable
/// has no value (the result is unknown at lint time).
pub fn substitute(s: &str, vars: &HashMap<String, String>) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let close = body.find('}')?;
            let expr = &body[..close];
            let (name, op, word) = if let Some((n, w)) = expr.split_once(":-") {
                (n, "-", w)
            } else if let Some((n, w)) = expr.split_once(":+") {
                (n, "+", w)
            } else {
                (expr, "", "")
            };
            let val = vars.get(name).filter(|v| !v.is_empty());
            match (op, val) {
                ("-", Some(v)) | ("", Some(v)) => out.push_str(v),
                ("-", None) => out.push_str(word),
                ("+", Some(_)) => out.push_str(word),
                ("+", None) => {}
                _ => return None,
            }
            rest = &body[close + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(vars.get(&after[..len]).filter(|v| !v.is_empty())?);
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// `registry:5000/team/app:1.2@sha256:…` → (`registry:5000/team/app`, `1.2`, `sha256:…`).
pub fn split_image_ref(s: &str) -> (String, Option<String>, Option<String>) {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (s, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(c) => (
            rest[..slash + c].to_string(),
            Some(rest[slash + c + 1..].to_string()),
            digest,
        ),
        None => (rest.to_string(), None, digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> ConfigDoc {
        match parse(text) {
            Ok(mut v) => v.remove(0),
            Err(e) => panic!("parse failed: {}", e.message),
        }
    }

    #[test]
    fn stages_and_refs() {
        let text = "ARG GO=1.22\nFROM golang:${GO} AS build\nRUN go build\nFROM build AS test\nFROM gcr.io/distroless/static@sha256:abc\nCOPY --from=build /app /app\nUSER 65532:65532\n";
        let d = doc(text);
        let st = &d.value["stages"];
        assert_eq!(st[0]["resolved"], "golang:1.22");
        assert_eq!(st[0]["tag"], "1.22");
        assert_eq!(st[0]["ref"], "image");
        assert_eq!(st[1]["ref"], "stage");
        assert_eq!(st[1]["base_stage"], 0);
        assert_eq!(st[2]["digest"], "sha256:abc");
        assert_eq!(st[2]["final"], true);
        assert_eq!(st[2]["shipped"], true);
        assert_eq!(st[0]["shipped"], false);
        assert_eq!(st[2]["instructions"][1]["user"], "65532");
        assert_eq!(st[2]["instructions"][1]["group"], "65532");
        assert_eq!(d.value["instructions"].as_array().map(Vec::len), Some(7));
        assert_eq!(d.value["args"][0]["vars"][0]["value"], "1.22");
        // The tag pointer maps to the image token on the FROM line.
        let s = d.span_for("/stages/2/tag");
        assert_eq!(&text[s.start..s.end], "gcr.io/distroless/static@sha256:abc");
    }

    #[test]
    fn unresolved_variable_is_unknown() {
        let d = doc("ARG BASE\nFROM ${BASE}\n");
        assert_eq!(d.value["stages"][0]["ref"], "variable");
        let d = doc("FROM scratch\n");
        assert_eq!(d.value["stages"][0]["ref"], "scratch");
    }

    #[test]
    fn run_continuations_and_heredocs() {
        let text = "FROM alpine:3\nRUN apk add \\\n# a comment\n    curl && \\\n    echo ok\nRUN <<EOF\nset -e\ncurl x | sh\nEOF\nRUN [\"sh\", \"-c\", \"echo hi\"]\n";
        let d = doc(text);
        let ins = &d.value["stages"][0]["instructions"];
        assert_eq!(ins[0]["command"], "apk add     curl &&     echo ok");
        assert_eq!(ins[0]["line"], 2);
        assert_eq!(ins[1]["heredocs"][0], "set -e\ncurl x | sh\n");
        assert_eq!(ins[2]["form"], "exec");
        assert_eq!(ins[2]["command"], "echo hi");
        let head = d.key_span_for("/stages/0/instructions/0");
        assert_eq!(&text[head.start..head.end], "RUN apk add \\");
    }

    #[test]
    fn env_forms() {
        let d = doc("FROM a:1\nENV A=1 B=\"two words\"\nENV LEGACY some value\nARG TOKEN\n");
        let ins = &d.value["stages"][0]["instructions"];
        assert_eq!(ins[0]["vars"][1]["value"], "two words");
        assert_eq!(ins[1]["vars"][0]["name"], "LEGACY");
        assert_eq!(ins[1]["vars"][0]["value"], "some value");
        assert_eq!(ins[2]["vars"][0]["value"], Value::Null);
    }

    #[test]
    fn join_lines_maps_offsets() {
        let raw = "a \\\n  b";
        let (s, map) = join_lines(raw, '\\');
        assert_eq!(s, "a   b");
        assert_eq!(map[s.len() - 1], raw.len() - 1);
    }

    #[test]
    fn errors_have_spans_and_never_panic() {
        for t in [
            "",
            "FROM",
            "FROM a\nRUN <<EOF\n",
            "\u{feff}FROM a\nUSER",
            "FROM a\nFOO bar\n",
            "FROM a\nRUN [\"x\"\n",
        ] {
            let _ = parse(t);
        }
        let e = parse("FROM a\nBOGUS x\n").err();
        assert!(e.and_then(|e| e.span).is_some());
    }

    #[test]
    fn fragments_parse_with_original_spans() {
        let text = "\u{feff}# escape=`\nARG A=1\nRUN echo `\n  hi\nUSER root";
        let d = &parse(text).unwrap()[0];
        assert_eq!(d.value["fragment"], true);
        assert_eq!(d.value["stages"][0]["ref"], "fragment");
        let list = d.value["instructions"].as_array().unwrap();
        let names: Vec<&str> = list
            .iter()
            .filter_map(|i| i["instruction"].as_str())
            .collect();
        assert_eq!(names, ["ARG", "RUN", "USER"]);
        assert_eq!(list[1]["line"], 3);
        assert_eq!(list[2]["line"], 5);
        let s = d.span_for("/stages/0/instructions/1/user");
        assert_eq!(&text[s.start..s.end], "root");
        let s = d.span_for("/instructions/1/command");
        assert_eq!(&text[s.start..s.end], "echo `\n  hi");
        // Only ARGs: one empty fragment stage after them.
        let d = &parse("ARG X=1").unwrap()[0];
        assert_eq!(d.value["args"][0]["vars"][0]["value"], "1");
        assert_eq!(d.value["stages"].as_array().map(Vec::len), Some(1));
        assert_eq!(parse("FROM a\nRUN x").unwrap()[0].value["fragment"], false);
    }

    #[test]
    fn prefixes_never_panic() {
        let text = "\u{feff}# escape=`\nARG A=é\nFROM a:${A} AS b\nRUN x `\n  y <<EOF\né\nEOF\nENV K=\"v é\" L 'm'\nCOPY <<E /d\nz\nE\nONBUILD RUN echo\nHEALTHCHECK NONE\nUSER 1:2\n";
        for (i, _) in text.char_indices() {
            let _ = parse(&text[..i]);
        }
        let _ = join_lines("é\\\n# c\n\n é\\", '\\');
        let _ = substitute("${", &HashMap::new());
        let _ = split_image_ref("@:/");
    }

    #[test]
    fn image_refs() {
        assert_eq!(
            split_image_ref("localhost:5000/app"),
            ("localhost:5000/app".into(), None, None)
        );
        assert_eq!(
            split_image_ref("nginx:1.25@sha256:x"),
            ("nginx".into(), Some("1.25".into()), Some("sha256:x".into()))
        );
    }
}

#[cfg(test)]
mod heredoc_tests {
    use super::*;

    #[test]
    fn inline_heredoc_bodies_are_kept_out_of_the_instruction_stream() {
        let text = "FROM alpine:3.19\nRUN cat <<EOF > /etc/x.conf\nhello world\nEOF\nRUN python3 <<'PY'\nimport os\nPY\nRUN echo hi\n";
        let d = match parse(text) {
            Ok(mut v) => v.remove(0),
            Err(e) => panic!("{}", e.message),
        };
        let ins = &d.value["stages"][0]["instructions"];
        assert_eq!(ins.as_array().map(Vec::len), Some(3));
        assert_eq!(ins[0]["heredocs"][0], "hello world\n");
        assert_eq!(ins[1]["heredocs"][0], "import os\n");
        assert_eq!(ins[2]["command"], "echo hi");
        assert_eq!(ins[2]["line"], 8);
    }
}
