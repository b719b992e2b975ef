//! Built-in `docker` rules: what needs a look inside RUN scripts (line continuations, `&&`
//! chains, pipes, here-documents, exec form) or across stages (the user and health check the
//! shipped image ends up with).
//!
//! They read the Dockerfile's configuration view (see `crate::document::dockerfile`) and, for
//! RUN bodies, re-join the source text of each command so a finding lands on the physical line
//! where the offending command starts.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Check, Factory};
use crate::document::dockerfile::join_lines;
use crate::document::{ConfigDoc, Document, Span};
use crate::finding::redact_secret;
use crate::rule::RuleContext;

/// Built-in rules of the `docker` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("docker/apt-update-alone", || Box::new(AptUpdateAlone)),
    ("docker/chmod-world-writable", || {
        Box::new(ChmodWorldWritable)
    }),
    ("docker/curl-pipe-shell", || Box::new(CurlPipeShell)),
    ("docker/missing-healthcheck", || {
        Box::new(MissingHealthcheck)
    }),
    ("docker/pipe-without-pipefail", || {
        Box::new(PipeWithoutPipefail)
    }),
    ("docker/package-cache-not-cleaned", || {
        Box::new(PackageCacheNotCleaned)
    }),
    ("docker/root-user", || Box::new(RootUser)),
    ("docker/run-cd", || Box::new(RunCd)),
    ("docker/secret-build-arg", || Box::new(SecretBuildArg)),
    ("docker/secret-in-env-arg", || Box::new(SecretInEnvArg)),
    ("docker/sudo", || Box::new(Sudo)),
    ("docker/unpinned-package-version", || {
        Box::new(UnpinnedPackageVersion)
    }),
];

// ---------------------------------------------------------------------------------------------
// Shared: scripts of RUN instructions and a small shell tokenizer.

/// One shell script of a RUN instruction (its command, or one of its here-documents).
struct Script<'v> {
    text: String,
    /// Absolute byte offset in the file for each byte of `text` (plus one for the end).
    map: Vec<usize>,
    /// The RUN instruction's value.
    instr: &'v Value,
    /// JSON Pointer of the instruction (fingerprint keys).
    ptr: String,
    /// Index of the RUN instruction among all instructions.
    index: usize,
    shipped: bool,
    heredoc: bool,
}

impl Script<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        let at = |i: usize| self.map.get(i).or(self.map.last()).copied().unwrap_or(0);
        let s = at(start);
        Span::new(s, at(end.max(start + 1) - 1) + 1)
    }

    fn word_span(&self, w: &Word) -> Span {
        self.span(w.start, w.end)
    }
}

fn config(doc: &Document) -> Option<&ConfigDoc> {
    doc.config().ok().and_then(|d| d.first())
}

fn stage_shipped(root: &Value, stage: Option<u64>) -> bool {
    stage.is_some_and(|s| {
        root["stages"][s as usize]["shipped"]
            .as_bool()
            .unwrap_or(false)
    })
}

/// Every RUN script in the file (ONBUILD RUN triggers included).
fn scripts<'v>(cdoc: &'v ConfigDoc, text: &str) -> Vec<Script<'v>> {
    let root = &cdoc.value;
    let escape = root["escape"]
        .as_str()
        .and_then(|s| s.chars().next())
        .unwrap_or('\\');
    let mut out = Vec::new();
    let Some(list) = root["instructions"].as_array() else {
        return out;
    };
    for (k, ins) in list.iter().enumerate() {
        let (ins, ptr) = if ins["instruction"] == "ONBUILD" {
            (&ins["trigger"], format!("/instructions/{k}/trigger"))
        } else {
            (ins, format!("/instructions/{k}"))
        };
        if ins["instruction"] != "RUN" {
            continue;
        }
        let shipped = stage_shipped(root, ins["stage"].as_u64());
        let cmd_span = cdoc.span_for(&format!("{ptr}/command")).clamp_to(text);
        if ins["form"] == "exec" {
            let t = ins["command"].as_str().unwrap_or("").to_string();
            let map = vec![cmd_span.start; t.len() + 1];
            out.push(Script {
                text: t,
                map,
                instr: ins,
                ptr: ptr.clone(),
                index: k,
                shipped,
                heredoc: false,
            });
        } else {
            let (t, map) = join_lines(&text[cmd_span.start..cmd_span.end], escape);
            out.push(Script {
                text: t,
                map: map.into_iter().map(|m| m + cmd_span.start).collect(),
                instr: ins,
                ptr: ptr.clone(),
                index: k,
                shipped,
                heredoc: false,
            });
        }
        let n = ins["heredocs"].as_array().map_or(0, Vec::len);
        for h in 0..n {
            let s = cdoc.span_for(&format!("{ptr}/heredocs/{h}")).clamp_to(text);
            let (t, map) = join_lines(&text[s.start..s.end], '\\');
            out.push(Script {
                text: t,
                map: map.into_iter().map(|m| m + s.start).collect(),
                instr: ins,
                ptr: ptr.clone(),
                index: k,
                shipped,
                heredoc: true,
            });
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

#[derive(Debug, Default)]
struct Cmd {
    words: Vec<Word>,
    /// Fed by a pipe from the previous command.
    piped: bool,
}

/// Split a shell script into simple commands. Command and process substitutions start new
/// commands; quotes are removed from words; comments are skipped.
fn commands(s: &str) -> Vec<Cmd> {
    let b = s.as_bytes();
    let mut cmds = Vec::new();
    let mut cur = Cmd::default();
    let mut word = String::new();
    let mut wstart: Option<usize> = None;
    let mut i = 0;
    let end_word = |cur: &mut Cmd, word: &mut String, wstart: &mut Option<usize>, at: usize| {
        if let Some(st) = wstart.take() {
            cur.words.push(Word {
                text: std::mem::take(word),
                start: st,
                end: at,
            });
        }
    };
    let end_cmd = |cmds: &mut Vec<Cmd>, cur: &mut Cmd, piped_next: bool| {
        let done = std::mem::take(cur);
        if !done.words.is_empty() {
            cmds.push(done);
        }
        cur.piped = piped_next;
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' => {
                wstart.get_or_insert(i);
                if let Some(ch) = s.get(i + 1..).and_then(|r| r.chars().next()) {
                    if ch != '\n' {
                        word.push(ch);
                    }
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
                continue;
            }
            b'\'' => {
                wstart.get_or_insert(i);
                let close = s[i + 1..].find('\'').map_or(b.len(), |k| i + 1 + k);
                word.push_str(&s[i + 1..close]);
                i = close + 1;
                continue;
            }
            b'"' => {
                wstart.get_or_insert(i);
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        j += 1;
                    }
                    j += 1;
                }
                let inner = &s[i + 1..j.min(b.len())];
                word.push_str(&inner.replace("\\\"", "\""));
                i = j + 1;
                continue;
            }
            b'#' if wstart.is_none() => {
                i = s[i..].find('\n').map_or(b.len(), |k| i + k);
                continue;
            }
            b' ' | b'\t' | b'\r' => end_word(&mut cur, &mut word, &mut wstart, i),
            b'\n' | b';' | b'(' | b')' | b'`' => {
                end_word(&mut cur, &mut word, &mut wstart, i);
                end_cmd(&mut cmds, &mut cur, false);
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                end_word(&mut cur, &mut word, &mut wstart, i);
                end_cmd(&mut cmds, &mut cur, false);
                i += 2;
                continue;
            }
            b'<' if b.get(i + 1) == Some(&b'(') => {
                end_word(&mut cur, &mut word, &mut wstart, i);
                end_cmd(&mut cmds, &mut cur, false);
                i += 2;
                continue;
            }
            b'&' if i > 0 && matches!(b[i - 1], b'>' | b'<') || b.get(i + 1) == Some(&b'>') => {
                wstart.get_or_insert(i);
                word.push('&');
            }
            b'&' | b'|' => {
                end_word(&mut cur, &mut word, &mut wstart, i);
                let double = b.get(i + 1) == Some(&c);
                end_cmd(&mut cmds, &mut cur, c == b'|' && !double);
                i += if double { 2 } else { 1 };
                continue;
            }
            _ => {
                wstart.get_or_insert(i);
                let ch = s[i..].chars().next().unwrap_or(' ');
                word.push(ch);
                i += ch.len_utf8();
                continue;
            }
        }
        i += 1;
    }
    end_word(&mut cur, &mut word, &mut wstart, b.len());
    end_cmd(&mut cmds, &mut cur, false);
    cmds
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "exec", "command",
    "nohup", "fi", "done",
];

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((n, _)) => {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !n.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn base(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// The argv a command runs: leading keywords and `VAR=x` assignments dropped. With `unwrap`,
/// `sudo`/`env`/`doas`/`nice`/`stdbuf` wrappers (and their options) are dropped too.
fn argv(cmd: &Cmd, unwrap: bool) -> &[Word] {
    let mut w = &cmd.words[..];
    loop {
        let Some(first) = w.first() else {
            return w;
        };
        let t = first.text.as_str();
        if KEYWORDS.contains(&t) || is_assignment(t) {
            w = &w[1..];
            continue;
        }
        if unwrap
            && matches!(
                base(t),
                "sudo" | "doas" | "env" | "nice" | "stdbuf" | "timeout"
            )
        {
            let takes_value: &[&str] = match base(t) {
                "sudo" => &["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"],
                "env" => &["-u", "-C", "-S"],
                "nice" => &["-n"],
                _ => &[],
            };
            w = &w[1..];
            while let Some(f) = w.first() {
                let t = f.text.as_str();
                if takes_value.contains(&t) {
                    w = w.get(2..).unwrap_or(&[]);
                } else if t.starts_with('-') || is_assignment(t) {
                    w = &w[1..];
                } else {
                    break;
                }
            }
            if base(t) == "timeout" && !w.is_empty() {
                w = &w[1..];
            }
            continue;
        }
        return w;
    }
}

fn name_of(argv: &[Word]) -> &str {
    argv.first().map_or("", |w| base(&w.text))
}

fn is_package_cmd(argv: &[Word], tools: &[&str], subs: &[&str]) -> bool {
    if !tools.contains(&name_of(argv)) {
        return false;
    }
    argv[1..]
        .iter()
        .find(|w| !w.text.starts_with('-'))
        .is_some_and(|w| subs.contains(&w.text.as_str()))
}

/// The operands after the subcommand, skipping options (and the values of `takes_value` ones).
fn operands<'a>(argv: &'a [Word], sub: &[&str], takes_value: &[&str]) -> Vec<&'a Word> {
    let mut out = Vec::new();
    let mut seen_sub = false;
    let mut skip = false;
    for w in argv.iter().skip(1) {
        let t = w.text.as_str();
        if skip {
            skip = false;
            continue;
        }
        if t.starts_with('-') {
            if takes_value.contains(&t) {
                skip = true;
            }
            continue;
        }
        if !seen_sub {
            if sub.contains(&t) {
                seen_sub = true;
            }
            continue;
        }
        out.push(w);
    }
    out
}

fn has_flag(argv: &[Word], flags: &[&str]) -> bool {
    argv.iter().any(|w| flags.contains(&w.text.as_str()))
}

fn report(cx: &mut RuleContext, doc: &Document, s: &Script<'_>, span: Span, msg: String) {
    let key = format!("{}#{msg}", s.ptr);
    cx.report(&doc.path, Some(span), msg).with_key_mut(key);
}

// ---------------------------------------------------------------------------------------------
// Rules over RUN scripts.

const INTERPRETERS: &[&str] = &[
    "sh", "bash", "ash", "dash", "zsh", "ksh", "fish", "python", "python2", "python3", "perl",
    "ruby", "node", "php",
];

static SUBST_EXEC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s;&|({])(?:(?:ba|z|da|k|a)?sh|eval|source|\.)\s+(?:-\S+\s+)*["']?(?:\$\(|<\(|`)\s*(?:(?:sudo|env)\s+)?(?:\S*/)?(?:curl|wget)\b"#,
    )
    .expect("constant regex")
});

/// `curl … | sh`, `wget -O- … | sudo bash`, `sh -c "$(curl …)"`, `bash <(curl …)`.
struct CurlPipeShell;

impl Check for CurlPipeShell {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        for s in scripts(cdoc, &doc.text) {
            let mut hits: BTreeSet<usize> = BTreeSet::new();
            let cmds = commands(&s.text);
            let mut i = 0;
            while i < cmds.len() {
                // A pipeline: cmds[i..j] where each later one is piped.
                let mut j = i + 1;
                while j < cmds.len() && cmds[j].piped {
                    j += 1;
                }
                let pipeline = &cmds[i..j];
                if let Some(dl) = pipeline
                    .iter()
                    .position(|c| matches!(name_of(argv(c, true)), "curl" | "wget"))
                {
                    let runs = pipeline[dl + 1..].iter().any(|c| {
                        let a = argv(c, true);
                        let n = name_of(a);
                        let n = n.trim_end_matches(|ch: char| ch.is_ascii_digit() || ch == '.');
                        INTERPRETERS.contains(&n)
                            && !(matches!(n, "python" | "perl" | "ruby" | "node" | "php")
                                && has_flag(a, &["-c", "-e", "-r", "-m"]))
                    });
                    if runs && let Some(w) = argv(&pipeline[dl], true).first() {
                        hits.insert(w.start);
                    }
                }
                i = j;
            }
            for m in SUBST_EXEC.find_iter(&s.text) {
                let st = m.start()
                    + s.text[m.start()..]
                        .find(|c: char| !c.is_whitespace() && !";&|({".contains(c))
                        .unwrap_or(0);
                hits.insert(st);
            }
            for st in hits {
                let end = s.text[st..].find('\n').map_or(s.text.len(), |k| st + k);
                report(
                    cx,
                    doc,
                    &s,
                    s.span(st, end),
                    "a remote script is downloaded and executed in one step (curl/wget piped to a shell)"
                        .into(),
                );
            }
        }
    }
}

/// `sudo` in a RUN: the build already runs as root or as a chosen USER.
struct Sudo;

impl Check for Sudo {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        for s in scripts(cdoc, &doc.text) {
            for c in commands(&s.text) {
                let a = argv(&c, false);
                if let Some(w) = a.first()
                    && base(&w.text) == "sudo"
                {
                    report(cx, doc, &s, s.word_span(w), "RUN uses sudo".into());
                }
            }
        }
    }
}

/// Whether a chmod mode grants write to others (octal `xx7`, `a+w`, `o=rwx`…). A sticky bit
/// (`1777`, `+t`) marks a shared directory such as `/tmp`: not flagged.
fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() <= 4 && mode.chars().all(|c| ('0'..='7').contains(&c)) {
        let d: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let other = d.last().copied().unwrap_or(0);
        let sticky = d.len() == 4 && d[0] & 1 == 1;
        return other & 2 == 2 && !sticky;
    }
    if mode.contains('t') {
        return false;
    }
    mode.split(',').any(|clause| {
        let who_end = clause.find(['+', '=']).unwrap_or(clause.len());
        let who = &clause[..who_end];
        let perms = &clause[who_end.min(clause.len())..];
        (who.contains('o') || who.contains('a')) && perms.contains('w')
    })
}

struct ChmodWorldWritable;

impl Check for ChmodWorldWritable {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        for s in scripts(cdoc, &doc.text) {
            for c in commands(&s.text) {
                let a = argv(&c, true);
                if name_of(a) != "chmod" {
                    continue;
                }
                let Some(mode) = a[1..].iter().find(|w| {
                    !w.text.starts_with('-') || w.text[1..].starts_with(|c: char| "rwx".contains(c))
                }) else {
                    continue;
                };
                if world_writable(&mode.text) {
                    let end = a.last().map_or(mode.end, |w| w.end);
                    report(
                        cx,
                        doc,
                        &s,
                        s.span(a[0].start, end),
                        format!("chmod {} makes files writable by every user", mode.text),
                    );
                }
            }
        }
    }
}

/// `cd` in a RUN instead of WORKDIR.
struct RunCd;

impl Check for RunCd {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        for s in scripts(cdoc, &doc.text) {
            if s.heredoc || s.instr["form"] == "exec" {
                continue;
            }
            if let Some((c, w)) = commands(&s.text).iter().find_map(|c| {
                let a = argv(c, false);
                (name_of(a) == "cd").then(|| (c, a[0].clone()))
            }) {
                let end = c.words.last().map_or(w.end, |l| l.end);
                let target = argv(c, false).get(1).map_or("", |w| w.text.as_str());
                report(
                    cx,
                    doc,
                    &s,
                    s.span(w.start, end),
                    format!("RUN changes directory with `cd {target}`; use WORKDIR"),
                );
            }
        }
    }
}

/// Whether the SHELL in effect for instruction `index` (in its stage or a stage it is built
/// FROM) sets pipefail, or is not a POSIX shell at all (PowerShell and cmd have no `set -o`).
fn shell_fails_pipes(root: &Value, stage: Option<u64>, index: usize) -> bool {
    let mut cur = stage.map(|s| s as usize);
    let mut seen = Vec::new();
    while let Some(s) = cur {
        if seen.contains(&s) {
            break;
        }
        seen.push(s);
        // The last SHELL of the stage before the instruction (later stages: their last SHELL).
        let shell = root["instructions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(k, i)| {
                (seen.len() > 1 || *k < index)
                    && i["instruction"] == "SHELL"
                    && i["stage"].as_u64() == Some(s as u64)
            })
            .last();
        if let Some((_, sh)) = shell {
            let words: Vec<&str> = sh["exec"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let posix = words.first().is_some_and(|w| {
                let b = base(w).trim_end_matches(".exe").to_ascii_lowercase();
                !matches!(b.as_str(), "pwsh" | "powershell" | "cmd")
            });
            return !posix || words.contains(&"pipefail");
        }
        cur = root["stages"][s]["base_stage"].as_u64().map(|b| b as usize);
    }
    false
}

/// A pipeline in a shell-form RUN whose earlier commands may fail unnoticed.
struct PipeWithoutPipefail;

impl Check for PipeWithoutPipefail {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let root = &cdoc.value;
        for s in scripts(cdoc, &doc.text) {
            if s.instr["form"] == "exec" && !s.heredoc
                || shell_fails_pipes(root, s.instr["stage"].as_u64(), s.index)
            {
                continue;
            }
            let cmds = commands(&s.text);
            for (k, c) in cmds.iter().enumerate() {
                let a = argv(c, false);
                if name_of(a) == "set" && a.iter().any(|w| w.text == "pipefail") {
                    break;
                }
                if !cmds.get(k + 1).is_some_and(|n| n.piped) {
                    continue;
                }
                let (Some(first), Some(next)) = (c.words.first(), argv(&cmds[k + 1], true).first())
                else {
                    continue;
                };
                let end = s.text[first.start..]
                    .find('\n')
                    .map_or(s.text.len(), |e| first.start + e);
                report(
                    cx,
                    doc,
                    &s,
                    s.span(first.start, end),
                    format!(
                        "`{}` is piped into `{}` without `set -o pipefail`: if `{}` fails, the build goes on",
                        name_of(a),
                        base(&next.text),
                        name_of(a)
                    ),
                );
                break;
            }
        }
    }
}

const APT: &[&str] = &["apt-get", "apt", "aptitude"];
const YUM: &[&str] = &["yum", "dnf", "microdnf", "tdnf"];

/// `apt-get update` (or `apk update`) in a RUN of its own: the cached layer goes stale.
struct AptUpdateAlone;

impl Check for AptUpdateAlone {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let all = scripts(cdoc, &doc.text);
        for s in &all {
            let same: Vec<&Script<'_>> = all.iter().filter(|o| o.index == s.index).collect();
            let installs = same.iter().any(|o| {
                commands(&o.text).iter().any(|c| {
                    let a = argv(c, true);
                    is_package_cmd(
                        a,
                        APT,
                        &["install", "upgrade", "dist-upgrade", "full-upgrade"],
                    ) || is_package_cmd(a, &["apk"], &["add", "upgrade"])
                })
            });
            if installs {
                continue;
            }
            for c in commands(&s.text) {
                let a = argv(&c, true);
                if is_package_cmd(a, APT, &["update"]) || is_package_cmd(a, &["apk"], &["update"]) {
                    let end = a.last().map_or(a[0].end, |w| w.end);
                    report(
                        cx,
                        doc,
                        s,
                        s.span(a[0].start, end),
                        format!(
                            "`{} update` runs in a RUN without an install; the cached index layer goes stale",
                            name_of(a)
                        ),
                    );
                }
            }
        }
    }
}

/// Package installs that leave the package manager's cache in the shipped image.
struct PackageCacheNotCleaned;

impl Check for PackageCacheNotCleaned {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let all = scripts(cdoc, &doc.text);
        for (si, s) in all.iter().enumerate() {
            if !s.shipped {
                continue;
            }
            // A BuildKit cache (or tmpfs) mount keeps the cache out of the layer.
            let cache_mount = s.instr["options"].as_array().is_some_and(|o| {
                o.iter().any(|f| {
                    f["name"] == "mount"
                        && f["value"]
                            .as_str()
                            .is_some_and(|v| v.contains("type=cache") || v.contains("type=tmpfs"))
                })
            });
            if cache_mount {
                continue;
            }
            // `ENV PIP_NO_CACHE_DIR=1` earlier in the file.
            let pip_env_off = cdoc.value["instructions"]
                .as_array()
                .into_iter()
                .flatten()
                .take(s.index)
                .filter(|i| i["instruction"] == "ENV" || i["instruction"] == "ARG")
                .flat_map(|i| i["vars"].as_array().into_iter().flatten())
                .any(|v| {
                    v["name"] == "PIP_NO_CACHE_DIR" && v["value"].as_str().is_some_and(turns_on)
                });
            let mine = commands(&s.text);
            // Commands of the same RUN after this script (its other here-documents).
            let later: Vec<Cmd> = all
                .iter()
                .enumerate()
                .filter(|(j, o)| o.index == s.index && *j > si)
                .flat_map(|(_, o)| commands(&o.text))
                .collect();
            // The last apt-get install of the RUN carries the cleanup fix: one `rm` after it
            // cleans up after every install before it.
            let last_apt = mine
                .iter()
                .rposition(|c| is_package_cmd(argv(c, true), APT, &["install"]));
            for (k, c) in mine.iter().enumerate() {
                // A cleanup counts when it runs after the install, in the same RUN.
                let after: Vec<&Cmd> = mine[k + 1..].iter().chain(&later).collect();
                let rm_of = |paths: &[&str]| {
                    after.iter().any(|c| {
                        let a = argv(c, true);
                        name_of(a) == "rm"
                            && a.iter().any(|w| paths.iter().any(|p| w.text.contains(p)))
                    })
                };
                let cleans = |tools: &[&str], subs: &[&str]| {
                    after
                        .iter()
                        .any(|o| is_package_cmd(argv(o, true), tools, subs))
                };
                let a = argv(c, true);
                let msg = if is_package_cmd(a, APT, &["install"]) {
                    (!rm_of(&["/var/lib/apt/lists"])).then_some(
                        "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN",
                    )
                } else if is_package_cmd(a, &["apk"], &["add"]) {
                    (!has_flag(a, &["--no-cache"]) && !rm_of(&["/var/cache/apk"]))
                        .then_some("apk add without --no-cache")
                } else if is_pip_install(a) {
                    // `PIP_NO_CACHE_DIR=1 pip …` or an earlier `export PIP_NO_CACHE_DIR=1`.
                    let inline_off = mine[..=k].iter().any(|o| {
                        o.words.iter().any(|w| {
                            w.text
                                .strip_prefix("PIP_NO_CACHE_DIR=")
                                .is_some_and(turns_on)
                        })
                    });
                    (!has_flag(a, &["--no-cache-dir"]) && !pip_env_off && !inline_off)
                        .then_some("pip install without --no-cache-dir")
                } else if is_package_cmd(a, &["zypper"], &["install", "in"]) {
                    let cleaned =
                        cleans(&["zypper"], &["clean", "cc"]) || rm_of(&["/var/cache/zypp"]);
                    (!cleaned).then_some("zypper install without `zypper clean` in the same RUN")
                } else if name_of(a) == "yarn"
                    && matches!(a.get(1).map(|w| w.text.as_str()), None | Some("install"))
                {
                    let cleaned = after.iter().any(|o| {
                        let b = argv(o, true);
                        name_of(b) == "yarn"
                            && b.get(1).is_some_and(|w| w.text == "cache")
                            && b.get(2).is_some_and(|w| w.text == "clean")
                    });
                    (!cleaned).then_some("yarn install without `yarn cache clean` in the same RUN")
                } else if is_package_cmd(
                    a,
                    YUM,
                    &["install", "in", "groupinstall", "reinstall", "rei"],
                ) {
                    let cleaned = cleans(YUM, &["clean"])
                        || rm_of(&["/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"]);
                    (!cleaned).then_some("package install without `clean all` in the same RUN")
                } else {
                    None
                };
                if let Some(m) = msg {
                    let end = a.last().map_or(a[0].end, |w| w.end);
                    let end = s.text[a[0].start..end]
                        .find('\n')
                        .map_or(end, |e| a[0].start + e);
                    report(cx, doc, s, s.span(a[0].start, end), m.into());
                    // cache_fix knows apt, apk and the yum family (not pip, zypper, yarn).
                    let fixable =
                        name_of(a) == "apk" || YUM.contains(&name_of(a)) || last_apt == Some(k);
                    let fix = fixable.then(|| cache_fix(s, a)).flatten();
                    if let Some(f) = cx.findings.last_mut() {
                        f.with_fix_mut(fix);
                    }
                }
            }
        }
    }
}

/// Whether an environment value turns a setting on (`1`, `true`, `yes`, `on`…).
fn turns_on(v: &str) -> bool {
    !matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "off" | "no"
    )
}

/// `pip`, `pip3`, `pip3.12` (not `pipenv`, `pipx`).
fn is_pip(name: &str) -> bool {
    name.strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `pip install …`, `pip3.12 install …`, `python3 -m pip install …`.
fn is_pip_install(a: &[Word]) -> bool {
    let n = name_of(a);
    let rest = if n.starts_with("python") && a.get(1).is_some_and(|w| w.text == "-m") {
        match a.get(2) {
            Some(w) if is_pip(&w.text) => &a[2..],
            _ => return false,
        }
    } else if is_pip(n) {
        a
    } else {
        return false;
    };
    rest[1..]
        .iter()
        .find(|w| !w.text.starts_with('-'))
        .is_some_and(|w| w.text == "install")
}

/// The cleanup a package install lacks, in its own RUN: `--no-cache` after `apk add`, else
/// `&& rm -rf /var/lib/apt/lists/*` or `&& <tool> clean all` right after the command. Only in
/// the shell form, where the command ends the script or a `&&`/`;` follows it (a pipe or a
/// redirection after it would change meaning).
fn cache_fix(s: &Script<'_>, a: &[Word]) -> Option<crate::fix::Fix> {
    if s.heredoc || s.instr["form"] != "shell" {
        return None;
    }
    let (first, last) = (a.first()?, a.last()?);
    let after_word = |w: &Word| s.span(w.start, w.end).end;
    if name_of(a) == "apk" {
        let add = a[1..].iter().find(|w| !w.text.starts_with('-'))?;
        let edit = crate::fix::Edit::insert(after_word(add), " --no-cache");
        return Some(crate::fix::Fix::one("add `--no-cache` to `apk add`", edit));
    }
    let rest = s.text[last.end..].trim_start_matches([' ', '\t']);
    let ends = rest.is_empty()
        || rest.starts_with("&&")
        || (rest.starts_with(';') && !rest.starts_with(";;"));
    if !ends || first.start >= last.end {
        return None;
    }
    let cleanup = if is_package_cmd(a, APT, &["install"]) {
        "rm -rf /var/lib/apt/lists/*".to_string()
    } else {
        format!("{} clean all", name_of(a))
    };
    let edit = crate::fix::Edit::insert(after_word(last), format!(" && {cleanup}"));
    Some(crate::fix::Fix::one(
        format!("add `{cleanup}` in the same RUN"),
        edit,
    ))
}

/// apt/apk/pip/npm -g installs without version pins.
struct UnpinnedPackageVersion;

fn unpinned(argv: &[Word]) -> Option<(&'static str, Vec<String>)> {
    let n = name_of(argv);
    let dynamic = |w: &&Word| !w.text.contains('$') && !w.text.is_empty();
    if is_package_cmd(argv, APT, &["install"]) {
        let ops = operands(
            argv,
            &["install"],
            &["-o", "-t", "-c", "--target-release", "--option"],
        );
        let bad = ops
            .into_iter()
            .filter(dynamic)
            .filter(|w| !w.text.contains('=') && !w.text.ends_with(".deb") && !w.text.contains('/'))
            .map(|w| w.text.clone())
            .collect();
        return Some(("apt", bad));
    }
    if is_package_cmd(argv, &["apk"], &["add"]) {
        let ops = operands(
            argv,
            &["add"],
            &[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "--arch",
                "-p",
                "--root",
                "--keys-dir",
                "--repositories-file",
                "--cache-dir",
            ],
        );
        let bad = ops
            .into_iter()
            .filter(dynamic)
            .filter(|w| !w.text.contains(['=', '<', '>', '~']) && !w.text.ends_with(".apk"))
            .map(|w| w.text.clone())
            .collect();
        return Some(("apk", bad));
    }
    // pip / pip3 / python -m pip, and pipx (which installs a tool's latest release unless
    // pinned); not pipenv, which installs what its lock file says.
    let pip_args: Option<&[Word]> = if is_pip(n) || n == "pipx" {
        Some(argv)
    } else if n.starts_with("python")
        && argv.get(1).is_some_and(|w| w.text == "-m")
        && argv.get(2).is_some_and(|w| is_pip(&w.text))
    {
        argv.get(2..)
    } else {
        None
    };
    if let Some(a) = pip_args
        && a.get(1..)
            .and_then(|r| r.iter().find(|w| !w.text.starts_with('-')))
            .is_some_and(|w| w.text == "install")
    {
        // A constraints file pins what the command line names.
        if a.iter().any(|w| {
            matches!(w.text.as_str(), "-c" | "--constraint") || w.text.starts_with("--constraint=")
        }) {
            return Some(("pip", Vec::new()));
        }
        let upgrade = has_flag(a, &["-U", "--upgrade"]);
        let ops = operands(
            a,
            &["install"],
            &[
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-e",
                "--editable",
                "-i",
                "--index-url",
                "--extra-index-url",
                "-f",
                "--find-links",
                "-t",
                "--target",
                "--prefix",
                "--root",
                "--src",
                "--trusted-host",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--cache-dir",
                "--log",
                "--proxy",
                "--retries",
                "--timeout",
                "--upgrade-strategy",
                "--only-binary",
                "--no-binary",
                "-C",
                "--config-settings",
                "--global-option",
                "--progress-bar",
                "--root-user-action",
                "--report",
                "--python",
                "--exists-action",
                "--keyring-provider",
                "--cert",
                "--client-cert",
                "--index",
                "--extra-index",
                "--dist-dir",
            ],
        );
        let bad = ops
            .into_iter()
            .filter(dynamic)
            .filter(|w| {
                let t = w.text.as_str();
                !t.contains(['=', '<', '>', '@', '/'])
                    && !t.starts_with('.')
                    && !t.ends_with(".whl")
                    && !t.ends_with(".tar.gz")
                    && !t.ends_with(".zip")
                    && (!upgrade || !matches!(t, "pip" | "setuptools" | "wheel"))
            })
            .map(|w| w.text.clone())
            .collect();
        return Some(("pip", bad));
    }
    if n == "npm"
        && is_package_cmd(argv, &["npm"], &["install", "i", "add"])
        && has_flag(argv, &["-g", "--global"])
    {
        let ops = operands(argv, &["install", "i", "add"], &["--prefix", "--registry"]);
        let bad = ops
            .into_iter()
            .filter(dynamic)
            .filter(|w| {
                let t = w.text.as_str();
                !t.strip_prefix('@').unwrap_or(t).contains('@')
                    && !t.starts_with(['.', '/'])
                    && !t.contains(':')
                    && !t.ends_with(".tgz")
            })
            .map(|w| w.text.clone())
            .collect();
        return Some(("npm", bad));
    }
    None
}

impl Check for UnpinnedPackageVersion {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        for s in scripts(cdoc, &doc.text) {
            for c in commands(&s.text) {
                let a = argv(&c, true);
                let Some((tool, bad)) = unpinned(a) else {
                    continue;
                };
                if bad.is_empty() {
                    continue;
                }
                let shown: Vec<&str> = bad.iter().take(3).map(String::as_str).collect();
                let more = if bad.len() > 3 {
                    format!(" and {} more", bad.len() - 3)
                } else {
                    String::new()
                };
                let end = s.text[a[0].start..]
                    .find('\n')
                    .map_or(s.text.len(), |k| a[0].start + k)
                    .min(a.last().map_or(a[0].end, |w| w.end));
                report(
                    cx,
                    doc,
                    &s,
                    s.span(a[0].start, end.max(a[0].end)),
                    format!(
                        "{tool} installs packages without a pinned version: {}{more}",
                        shown.join(", ")
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets in ENV / ARG.

/// Name words that mark a variable as holding a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PASSPHRASE",
];
/// A `KEY` word after one of these is a secret key (`API_KEY`, `SECRET_KEY`, `PRIVATE_KEY`).
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "ACCESS",
    "PRIVATE",
    "SECRET",
    "AUTH",
    "ENCRYPTION",
    "SIGNING",
    "MASTER",
    "CLIENT",
    "APP",
    "LICENSE",
];
/// Words that make the variable name a reference or setting, not the secret itself.
const NOT_SECRET_WORDS: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "TTL",
    "TIMEOUT",
    "TYPE",
    "NAME",
    "USER",
    "USERNAME",
    "ID",
    "HEADER",
    "FIELD",
    "PARAM",
    "ENABLED",
    "ENABLE",
    "REQUIRED",
    "POLICY",
    "SIZE",
    "VERSION",
    "COMMAND",
    "CMD",
    "PROVIDER",
    "ALGORITHM",
    "MODE",
    "REF",
    "LOCATION",
    "SOURCE",
    "HINT",
    "PROMPT",
    "KEYRING",
];

/// Whether an environment/build-arg name denotes a secret (`DB_PASSWORD`, `GITHUB_TOKEN`,
/// `AWS_SECRET_ACCESS_KEY`), excluding references such as `PASSWORD_FILE` or `TOKEN_URL`.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| NOT_SECRET_WORDS.contains(w)) {
        return false;
    }
    words.iter().enumerate().any(|(i, w)| {
        SECRET_WORDS.contains(w)
            || (*w == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1]))
            || (*w == "PASS" && i + 1 == words.len() && i > 0)
            || w.ends_with("PASSWORD")
            || w.ends_with("TOKEN") && w.len() > 5 && i + 1 == words.len()
            || *w == "PWD" && i > 0
    })
}

/// Whether a value is a literal secret (not empty, not interpolated, not a path or boolean).
pub(crate) fn is_literal_secret_value(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty()
        && !t.contains('$')
        && !t.starts_with('/')
        && !matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null" | "0" | "1"
        )
}

/// The raw bytes of a variable's value, quotes included, in `NAME=value` or legacy `NAME value`
/// text that starts at `start` (the name) within an instruction ending at `end`.
fn var_value_span(text: &str, start: usize, end: usize, name: &str, escape: char) -> Span {
    let whole = Span::new(start, end).clamp_to(text);
    let raw = &text[whole.start..whole.end];
    let after = if raw.starts_with(name) { name.len() } else { 0 };
    let rest = &raw[after..];
    let (at, legacy) = match rest.strip_prefix('=') {
        Some(_) => (after + 1, false),
        None => (raw.len() - rest.trim_start().len(), true),
    };
    let body = &raw[at..];
    // Legacy `ENV NAME value with spaces` takes the rest; `NAME=value` ends at the first
    // unquoted, unescaped blank (a line continuation is escaped, so the value goes on).
    let mut len = body.trim_end().len();
    if !legacy {
        let mut quote = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match (quote, c) {
                (_, c) if c == escape && quote != Some('\'') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (None, '"' | '\'') => quote = Some(c),
                (None, c) if c.is_whitespace() => {
                    len = i;
                    break;
                }
                _ => {}
            }
        }
    }
    // Quotes are not the secret: without them the kept prefix is the secret's own.
    let value = &body[..len];
    let inner = ['"', '\'']
        .iter()
        .any(|q| value.len() >= 2 && value.starts_with(*q) && value.ends_with(*q));
    let (at, len) = if inner { (at + 1, len - 2) } else { (at, len) };
    Span::new(whole.start + at, whole.start + at + len)
}

struct SecretInEnvArg;

impl Check for SecretInEnvArg {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let Some(list) = cdoc.value["instructions"].as_array() else {
            return;
        };
        for (k, ins) in list.iter().enumerate() {
            let kind = ins["instruction"].as_str().unwrap_or("");
            if kind != "ENV" && kind != "ARG" {
                continue;
            }
            for (j, var) in ins["vars"].as_array().into_iter().flatten().enumerate() {
                let name = var["name"].as_str().unwrap_or("");
                let Some(value) = var["value"].as_str() else {
                    continue;
                };
                if is_secret_name(name) && is_literal_secret_value(value) {
                    let ptr = format!("/instructions/{k}/vars/{j}");
                    let span = cdoc.span_for(&ptr);
                    let end = cdoc.span_for(&format!("/instructions/{k}")).end;
                    let f = cx.report(
                        &doc.path,
                        Some(span),
                        format!(
                            "{kind} {name} sets a literal secret value baked into the image: {}",
                            redact_secret(value)
                        ),
                    );
                    f.with_key_mut(format!("{kind}:{name}"));
                    let escape = cdoc.value["escape"]
                        .as_str()
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\\');
                    f.redact = Some(var_value_span(&doc.text, span.start, end, name, escape));
                }
            }
        }
    }
}

struct SecretBuildArg;

impl Check for SecretBuildArg {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let Some(list) = cdoc.value["instructions"].as_array() else {
            return;
        };
        for (k, ins) in list.iter().enumerate() {
            if ins["instruction"] != "ARG" {
                continue;
            }
            for (j, var) in ins["vars"].as_array().into_iter().flatten().enumerate() {
                let name = var["name"].as_str().unwrap_or("");
                let literal = var["value"].as_str().is_some_and(is_literal_secret_value);
                if is_secret_name(name) && !literal {
                    let span = cdoc.span_for(&format!("/instructions/{k}/vars/{j}"));
                    cx.report(
                        &doc.path,
                        Some(span),
                        format!(
                            "secret passed as build argument {name} (visible in the image history)"
                        ),
                    )
                    .with_key_mut(format!("ARG:{name}"));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-stage rules on the shipped image.

/// The chain of stages the final image is built from: final stage first.
fn shipped_chain(root: &Value) -> Vec<usize> {
    let stages = root["stages"].as_array().map_or(&[][..], Vec::as_slice);
    let mut out = Vec::new();
    let mut cur = stages.len().checked_sub(1);
    while let Some(i) = cur {
        if out.contains(&i) {
            break;
        }
        out.push(i);
        cur = stages[i]["base_stage"].as_u64().map(|b| b as usize);
    }
    out
}

struct RootUser;

impl Check for RootUser {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let root = &cdoc.value;
        let chain = shipped_chain(root);
        let Some(&last) = chain.first() else { return };
        for &i in &chain {
            let ins = root["stages"][i]["instructions"].as_array();
            let user = ins
                .into_iter()
                .flatten()
                .enumerate()
                .filter(|(_, x)| x["instruction"] == "USER")
                .last();
            if let Some((j, u)) = user {
                let name = u["user"].as_str().unwrap_or("");
                if matches!(name.trim(), "root" | "0") {
                    let span = cdoc.key_span_for(&format!("/stages/{i}/instructions/{j}"));
                    let raw = u["value"].as_str().unwrap_or(name);
                    let msg = if raw.contains('$') {
                        format!("the image runs as root (USER {raw}, which defaults to {name})")
                    } else {
                        format!("the image runs as root (USER {name})")
                    };
                    cx.report(&doc.path, Some(span), msg)
                        .with_key_mut("root-user");
                }
                return;
            }
        }
        // No USER anywhere in the chain: the base image's user applies.
        let Some(&first) = chain.last() else { return };
        let base = &root["stages"][first];
        if base["ref"] == "fragment" {
            // A fragment's base image (and so its user) is set elsewhere.
            return;
        }
        let image = base["resolved"]
            .as_str()
            .or(base["from"].as_str())
            .unwrap_or("");
        if cx
            .option_regexes("nonroot-image-patterns")
            .iter()
            .any(|re| re.is_match(image))
        {
            return;
        }
        let span = cdoc.key_span_for(&format!("/stages/{last}"));
        cx.report(
            &doc.path,
            Some(span),
            "the final stage has no USER instruction, so the container runs as root".to_string(),
        )
        .with_key_mut("root-user");
    }
}

struct MissingHealthcheck;

impl Check for MissingHealthcheck {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(cdoc) = config(doc) else { return };
        let root = &cdoc.value;
        let chain = shipped_chain(root);
        let Some(&last) = chain.first() else { return };
        // A fragment's base image may well define the health check.
        let fragment = chain
            .last()
            .is_some_and(|&i| root["stages"][i]["ref"] == "fragment");
        let has = fragment
            || chain.iter().any(|&i| {
                root["stages"][i]["instructions"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x["instruction"] == "HEALTHCHECK"))
            });
        if !has {
            let span = cdoc.key_span_for(&format!("/stages/{last}"));
            cx.report(
                &doc.path,
                Some(span),
                "the final image has no HEALTHCHECK".to_string(),
            )
            .with_key_mut("missing-healthcheck");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<Vec<String>> {
        commands(s)
            .iter()
            .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
            .collect()
    }

    #[test]
    fn tokenizer_splits_commands() {
        assert_eq!(
            names("apt-get update && apt-get install -y 'a b' c; echo \"x|y\" | sh 2>&1"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "a b", "c"],
                vec!["echo", "x|y"],
                vec!["sh", "2>&1"],
            ]
        );
        let c = commands("curl -fsSL x | sudo -E bash -");
        assert!(c[1].piped);
        assert_eq!(name_of(argv(&c[1], true)), "bash");
    }

    #[test]
    fn tokenizer_never_panics_on_prefixes() {
        let s = "é \\é 'x\\' \"a\\é\" $(curl é|sh) <(x) `y` 2>&1 &>/dev/null # c\nz";
        for (i, _) in s.char_indices() {
            let _ = commands(&s[..i]);
        }
        let _ = unpinned(argv(&commands("npm install -g é")[0], true));
    }

    #[test]
    fn modes() {
        assert!(world_writable("777"));
        assert!(world_writable("0777"));
        assert!(world_writable("666"));
        assert!(world_writable("a+rwx"));
        assert!(world_writable("o+w"));
        assert!(!world_writable("1777"));
        assert!(!world_writable("755"));
        assert!(!world_writable("u+x"));
        assert!(!world_writable("+x"));
    }

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "SECRET_KEY_BASE",
            "MYSQL_ROOT_PASSWORD",
            "NPM_AUTH_TOKEN",
            "client_secret",
            "DB_PASS",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "PATH",
            "PWD",
            "KEY",
            "PASSWORD_MIN_LENGTH",
            "HOME",
            "SECRET_NAME",
            "PUBLIC_KEY",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn unpinned_packages() {
        let get = |s: &str| {
            let c = commands(s);
            unpinned(argv(&c[0], true)).map(|(_, b)| b)
        };
        assert_eq!(
            get("apt-get install -y --no-install-recommends curl=7.0 git"),
            Some(vec!["git".to_string()])
        );
        assert_eq!(
            get("apk add --no-cache --virtual .deps gcc=1 musl-dev"),
            Some(vec!["musl-dev".to_string()])
        );
        assert_eq!(get("pip install -r requirements.txt"), Some(vec![]));
        assert_eq!(
            get("python3 -m pip install --upgrade pip flask"),
            Some(vec!["flask".to_string()])
        );
        assert_eq!(
            get("npm install -g @angular/cli typescript@5.4"),
            Some(vec!["@angular/cli".to_string()])
        );
        assert_eq!(get("apt-get update"), None);
    }

    #[test]
    fn secret_value_spans() {
        let at = |text: &str, name: &str| {
            let start = text.find(name).unwrap_or(0);
            let s = var_value_span(text, start, text.trim_end().len(), name, '\\');
            text[s.start..s.end].to_string()
        };
        assert_eq!(at("ENV DB_PASSWORD=hunter2x", "DB_PASSWORD"), "hunter2x");
        // Quotes are not part of it; the next variable is not either.
        assert_eq!(
            at("ENV A=1 API_KEY=\"a b\\\"c\" B=2", "API_KEY"),
            "a b\\\"c"
        );
        assert_eq!(
            at("ENV TOKEN  legacy value here", "TOKEN"),
            "legacy value here"
        );
        // A line continuation goes on with the value.
        assert_eq!(at("ARG NPM_TOKEN=abc\\\ndef\n", "NPM_TOKEN"), "abc\\\ndef");
        assert_eq!(at("ARG PASSWORD=PASS", "PASSWORD"), "PASS");
        // Never out of bounds, whatever the span.
        let s = var_value_span("ENV X", 40, 3, "Y", '\\');
        assert!(s.start <= s.end && s.end <= 5);
    }
}
