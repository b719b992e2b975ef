//! Dependency manifests: lockfiles that should be committed next to them, and dependencies that
//! float (unpinned versions, git references without a commit).

use regex::Regex;
use serde_json::Value;

use super::{Repo, in_example_dir, in_test_dir, in_vendor_dir, join, split};
use crate::document::Span;
use crate::rule::RuleContext;

/// Manifests we judge: not vendored, not test inputs.
fn manifests<'r>(repo: &'r Repo, pred: impl Fn(&str) -> bool) -> Vec<&'r str> {
    repo.files
        .iter()
        .copied()
        .filter(|f| !in_vendor_dir(f) && !in_test_dir(f))
        .filter(|f| pred(&split(f).1.to_ascii_lowercase()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lockfiles

const NPM_LOCKS: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
    "deno.lock",
];

pub(super) fn missing_lockfile(repo: &Repo, cx: &mut RuleContext) {
    let all = manifests(repo, |n| {
        matches!(
            n,
            "cargo.toml" | "package.json" | "pyproject.toml" | "pipfile" | "go.mod"
        )
    });
    for m in all {
        if in_example_dir(m) {
            continue;
        }
        let (dir, name) = split(m);
        let Some(text) = repo.read(m) else {
            continue;
        };
        let missing: Option<String> = match name {
            "Cargo.toml" => {
                let binary = has_table(&text, "package")
                    && (repo.has(&join(dir, "src/main.rs"))
                        || text.lines().any(|l| l.trim() == "[[bin]]")
                        || repo.files.iter().any(|f| {
                            f.strip_prefix(&join(dir, "src/bin/"))
                                .is_some_and(|r| r.ends_with(".rs"))
                        }));
                (binary && !repo.has_up(dir, &["Cargo.lock"])).then(|| {
                    "binary crate has no Cargo.lock: every build resolves dependency versions \
                     anew"
                        .to_string()
                })
            }
            "package.json" => {
                let declares = serde_json::from_str::<Value>(&text).ok().is_some_and(|v| {
                    ["dependencies", "devDependencies", "optionalDependencies"]
                        .iter()
                        .any(|k| {
                            v.get(k)
                                .and_then(Value::as_object)
                                .is_some_and(|o| !o.is_empty())
                        })
                });
                (declares && !repo.has_up(dir, NPM_LOCKS) && !in_js_workspace(repo, dir)).then(
                    || {
                        "package.json declares dependencies but no lockfile (package-lock.json, \
                     yarn.lock, pnpm-lock.yaml, bun.lock) is committed: installs resolve \
                     versions anew"
                            .to_string()
                    },
                )
            }
            "pyproject.toml" => {
                let py_lock = |lock: &str| repo.has_up(dir, &[lock, "pylock.toml"]);
                if has_table(&text, "tool.poetry") && !py_lock("poetry.lock") {
                    Some(
                        "Poetry project has no poetry.lock: installs resolve versions anew"
                            .to_string(),
                    )
                } else if has_table(&text, "tool.uv") && !py_lock("uv.lock") {
                    Some("uv project has no uv.lock: installs resolve versions anew".to_string())
                } else {
                    None
                }
            }
            "Pipfile" => (!repo.has(&join(dir, "Pipfile.lock")))
                .then(|| "Pipfile has no Pipfile.lock: installs resolve versions anew".to_string()),
            "go.mod" => {
                let requires = text.lines().any(|l| {
                    let t = l.trim_start();
                    t.strip_prefix("require")
                        .is_some_and(|r| r.starts_with([' ', '\t', '(']))
                });
                (requires && !repo.has(&join(dir, "go.sum"))).then(|| {
                    "go.mod requires modules but go.sum is not committed: module content is \
                     not verified"
                        .to_string()
                })
            }
            _ => None,
        };
        if let Some(msg) = missing {
            repo.report_file(cx, m, msg);
        }
    }
}

/// Whether `dir` is a member of a JavaScript workspace declared above it (its lockfile belongs
/// at the workspace root, which is judged on its own).
fn in_js_workspace(repo: &Repo, dir: &str) -> bool {
    let mut d = dir;
    while !d.is_empty() {
        d = split(d).0;
        if repo.has(&join(d, "pnpm-workspace.yaml")) {
            return true;
        }
        let manifest = join(d, "package.json");
        if repo.has(&manifest)
            && repo
                .read(&manifest)
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v.get("workspaces").is_some())
        {
            return true;
        }
    }
    false
}

/// Whether TOML text has a `[name]` table or a sub-table `[name.…]` header.
fn has_table(text: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        t.strip_prefix('[')
            .filter(|r| !r.starts_with('['))
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.trim_start().starts_with(']') || r.starts_with('.'))
    })
}

// ---------------------------------------------------------------------------------------------
// Requirements files

fn is_requirements(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let (dir, name) = split(&lower);
    name.ends_with(".txt")
        && (name.contains("requirements")
            || split(dir).1 == "requirements"
            || split(dir).1 == "reqs")
}

/// What one requirement line says.
#[derive(Debug, PartialEq)]
enum Req {
    Skip,
    Pinned,
    Unpinned(String),
    GitUnpinned(String),
}

/// A logical requirement line: its text (continuations joined, comment removed) and the span of
/// its first physical line's content.
fn requirement_lines(text: &str) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut acc = String::new();
    let mut first: Option<Span> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        // A comment starts at `#` at the beginning or after whitespace.
        let mut content = line;
        if let Some(i) = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with([' ', '\t'])))
            .map(|(i, _)| i)
        {
            content = &line[..i];
        }
        let (content, continued) = match content.trim_end().strip_suffix('\\') {
            Some(c) => (c, true),
            None => (content, false),
        };
        if first.is_none() && !content.trim().is_empty() {
            let lead = content.len() - content.trim_start().len();
            let s = start + lead;
            first = Some(Span::new(s, s + content.trim().len()));
        }
        acc.push(' ');
        acc.push_str(content);
        if !continued {
            if let Some(span) = first.take() {
                out.push((acc.trim().to_string(), span));
            }
            acc.clear();
        }
    }
    if let Some(span) = first {
        out.push((acc.trim().to_string(), span));
    }
    out
}

const VCS: &[&str] = &["git+", "hg+", "svn+", "bzr+"];

/// Whether a VCS URL names a full commit (`@<40..64 hex>` after the repository path).
fn vcs_pinned(url: &str) -> bool {
    let url = url.split('#').next().unwrap_or(url);
    let path = match url.find("://") {
        Some(i) => url[i + 3..].split_once('/').map_or("", |(_, p)| p),
        None => url.split_once(':').map_or("", |(_, p)| p),
    };
    path.rsplit_once('@')
        .is_some_and(|(_, r)| is_full_sha(r.trim()))
}

fn is_full_sha(s: &str) -> bool {
    (40..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn vcs_req(url: &str) -> Req {
    if vcs_pinned(url) {
        Req::Pinned
    } else {
        let name = url
            .split("#egg=")
            .nth(1)
            .map(|e| e.split('&').next().unwrap_or(e).to_string())
            .unwrap_or_else(|| url.to_string());
        Req::GitUnpinned(name)
    }
}

fn requirement(line: &str) -> Req {
    let line = line.trim();
    if line.is_empty() {
        return Req::Skip;
    }
    if let Some(opt) = line.strip_prefix('-') {
        let value = opt
            .strip_prefix("e ")
            .or_else(|| opt.strip_prefix("-editable="))
            .or_else(|| opt.strip_prefix("-editable "))
            .or_else(|| opt.strip_prefix('e'));
        return match value.map(str::trim) {
            Some(v) if VCS.iter().any(|p| v.starts_with(p)) => vcs_req(v),
            _ => Req::Skip,
        };
    }
    if line.contains("--hash") {
        return Req::Pinned;
    }
    let spec = line.split(" --").next().unwrap_or(line).trim();
    if VCS.iter().any(|p| spec.starts_with(p)) {
        return vcs_req(spec);
    }
    // PEP 508 direct reference: `name @ url`.
    if let Some((_, url)) = spec.split_once('@')
        && url.contains("://")
    {
        let url = url.trim();
        return if VCS.iter().any(|p| url.starts_with(p)) {
            vcs_req(url)
        } else {
            Req::Skip
        };
    }
    if spec.contains("://") || spec.starts_with(['.', '/', '~']) || spec.starts_with("file:") {
        return Req::Skip; // archives and local paths
    }
    let spec = spec.split(';').next().unwrap_or(spec).trim();
    if spec.contains("===") {
        return Req::Pinned;
    }
    if let Some((_, v)) = spec.split_once("==") {
        let v = v.split([',', ' ']).next().unwrap_or(v).trim();
        if !v.is_empty() && !v.contains('*') {
            return Req::Pinned;
        }
    }
    let name: String = spec
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if name.is_empty() {
        Req::Skip
    } else {
        Req::Unpinned(name)
    }
}

/// Requirements files that delegate pins to a constraints file are pinned there.
fn uses_constraints(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("-c ") || t.starts_with("-c\t") || t.starts_with("--constraint")
    })
}

// ---------------------------------------------------------------------------------------------
// package.json

#[derive(Debug, PartialEq)]
enum Npm {
    Ok,
    Any,
    Tag,
    Git,
}

fn npm_spec(spec: &str) -> Npm {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if s.is_empty()
        || matches!(
            lower.as_str(),
            "*" | "latest" | "x" | "x.x" | "x.x.x" | "*.*" | "*.*.*"
        )
    {
        return Npm::Any;
    }
    for p in [
        "workspace:",
        "file:",
        "link:",
        "portal:",
        "patch:",
        "catalog:",
        "exec:",
    ] {
        if lower.starts_with(p) {
            return Npm::Ok;
        }
    }
    if let Some(alias) = s.strip_prefix("npm:") {
        // npm:pkg@range, npm:@scope/pkg@range
        return match alias.get(1..).and_then(|r| r.rfind('@')) {
            Some(i) => npm_spec(alias.get(i + 2..).unwrap_or("")),
            None => Npm::Any,
        };
    }
    let git_like = [
        "git+",
        "git://",
        "git@",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    let tarball = [".tgz", ".tar.gz", ".tar", ".zip"]
        .iter()
        .any(|e| lower.split('#').next().unwrap_or("").ends_with(e));
    let forge = ["github.com/", "gitlab.com/", "bitbucket.org/"]
        .iter()
        .any(|h| lower.contains(h));
    let shorthand = !s.starts_with('@')
        && !s.contains(' ')
        && s.split('#').next().is_some_and(|repo| {
            let mut parts = repo.split('/');
            matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
                if !a.is_empty() && !b.is_empty()
                    && a.chars().chain(b.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        });
    if git_like || (http && !tarball && (forge || lower.contains(".git"))) || shorthand {
        let commit = s.split_once('#').is_some_and(|(_, r)| is_full_sha(r));
        return if commit { Npm::Ok } else { Npm::Git };
    }
    if http {
        return Npm::Ok;
    }
    // A bare word is a dist-tag (`next`, `beta`, `canary`): it moves with every publish.
    let is_tag = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !(s.starts_with(['v', 'V']) && s[1..].starts_with(|c: char| c.is_ascii_digit()));
    if is_tag { Npm::Tag } else { Npm::Ok }
}

/// The span of `"name": "value"` inside the `section` object of package.json text.
fn json_entry_span(text: &str, section: &str, name: &str, value: &str) -> Option<Span> {
    let sec = Regex::new(&format!(r#""{}"\s*:\s*\{{"#, regex::escape(section))).ok()?;
    let from = sec.find(text)?.end();
    let name_json = serde_json::to_string(name).ok()?;
    let value_json = serde_json::to_string(value).ok()?;
    let entry = Regex::new(&format!(
        r"{}\s*:\s*{}",
        regex::escape(&name_json),
        regex::escape(&value_json)
    ))
    .ok()?;
    let m = entry.find(text.get(from..)?)?;
    Some(Span::new(from + m.start(), from + m.end()))
}

/// Every floating entry of a package.json: `(section, name, spec, kind)`.
fn npm_problems(text: &str) -> Vec<(&'static str, String, String, Npm)> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for section in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(deps) = v.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, spec) in deps {
            let Some(spec) = spec.as_str() else { continue };
            let kind = npm_spec(spec);
            if kind != Npm::Ok {
                out.push((section, name.clone(), spec.to_string(), kind));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Cargo.toml

/// Split a TOML dotted key into its segments, respecting quotes.
fn toml_key_segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in key.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => out.push(std::mem::take(&mut cur).trim().to_string()),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

enum Table {
    Other,
    /// `[dependencies]`, `[patch.crates-io]`: one dependency per key.
    Deps,
    /// `[dependencies.foo]`: one dependency, one key per line.
    Dep(String),
}

fn classify_table(header: &str) -> Table {
    let seg = toml_key_segments(header);
    let is_deps = |s: &str| {
        matches!(
            s,
            "dependencies" | "dev-dependencies" | "build-dependencies" | "dev_dependencies"
        )
    };
    if seg.first().is_some_and(|s| s == "patch") {
        return match seg.len() {
            2 => Table::Deps,
            3 => Table::Dep(seg[2].clone()),
            _ => Table::Other,
        };
    }
    match seg.iter().rposition(|s| is_deps(s)) {
        Some(i) if i + 1 == seg.len() => Table::Deps,
        Some(i) if i + 2 == seg.len() => Table::Dep(seg[i + 1].clone()),
        _ => Table::Other,
    }
}

/// Whether a TOML fragment (an inline table, or a line of a table) sets `key`.
fn sets_key(fragment: &str, key: &str) -> bool {
    let re = format!(r"(^|[{{,\s]){key}\s*=");
    Regex::new(&re).is_ok_and(|r| r.is_match(fragment))
}

/// Git dependencies without `rev`: `(name, span of the line that sets git)`.
fn cargo_git_problems(text: &str) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut table = Table::Other;
    // For `[dependencies.foo]`: the git line's span, and whether rev was seen.
    let mut pending: Option<(String, Option<Span>, bool)> = None;
    let flush = |pending: &mut Option<(String, Option<Span>, bool)>,
                 out: &mut Vec<(String, Span)>| {
        if let Some((name, Some(span), false)) = pending.take() {
            out.push((name, span));
        }
    };
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim();
        let lead = line.len() - line.trim_start().len();
        let span = Span::new(start + lead, start + lead + t.len());
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if let Some(h) = t.strip_prefix('[') {
            flush(&mut pending, &mut out);
            if h.starts_with('[') {
                table = Table::Other;
                continue;
            }
            let header = h.split(']').next().unwrap_or("");
            table = classify_table(header);
            if let Table::Dep(name) = &table {
                pending = Some((name.clone(), None, false));
            }
            continue;
        }
        match &table {
            Table::Deps => {
                let Some((key, value)) = t.split_once('=') else {
                    continue;
                };
                let value = value.trim_start();
                let value = value.rfind('}').map_or(value, |i| &value[..=i]);
                if value.starts_with('{') && sets_key(value, "git") && !sets_key(value, "rev") {
                    let name = toml_key_segments(key.trim()).join(".");
                    // End the span at the inline table, before any trailing comment.
                    let end = line.rfind('}').map_or(span.end, |i| start + i + 1);
                    out.push((name, Span::new(span.start, end)));
                }
            }
            Table::Dep(_) => {
                if let Some(p) = pending.as_mut() {
                    if sets_key(t, "git") {
                        p.1 = Some(span);
                    }
                    if sets_key(t, "rev") {
                        p.2 = true;
                    }
                }
            }
            Table::Other => {}
        }
    }
    flush(&mut pending, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// The two rules

pub(super) fn unpinned_dependency(repo: &Repo, cx: &mut RuleContext) {
    for m in manifests(repo, |_| true) {
        let name = split(m).1;
        if is_requirements(m) {
            let Some(text) = repo.read(m) else { continue };
            if uses_constraints(&text) {
                continue;
            }
            for (line, span) in requirement_lines(&text) {
                if let Req::Unpinned(pkg) = requirement(&line) {
                    repo.report_span(
                        cx,
                        m,
                        &text,
                        span,
                        format!("requirement:{pkg}"),
                        format!(
                            "requirement '{pkg}' is not pinned to an exact version (`==`) or \
                             a hash: each install may pull a different, possibly compromised \
                             release"
                        ),
                    );
                }
            }
        } else if name == "package.json" {
            let Some(text) = repo.read(m) else { continue };
            for (section, dep, spec, kind) in npm_problems(&text) {
                let why = match kind {
                    Npm::Any => format!("accepts any version ('{spec}')"),
                    Npm::Tag => format!("follows the moving dist-tag '{spec}'"),
                    _ => continue,
                };
                let msg = format!(
                    "dependency '{dep}' {why}: each install may pull a different, possibly \
                     compromised release"
                );
                report_npm(repo, cx, m, &text, section, &dep, &spec, msg);
            }
        }
    }
}

pub(super) fn unpinned_git_dependency(repo: &Repo, cx: &mut RuleContext) {
    for m in manifests(repo, |_| true) {
        let name = split(m).1;
        if is_requirements(m) {
            let Some(text) = repo.read(m) else { continue };
            for (line, span) in requirement_lines(&text) {
                if let Req::GitUnpinned(pkg) = requirement(&line) {
                    repo.report_span(
                        cx,
                        m,
                        &text,
                        span,
                        format!("git:{pkg}"),
                        format!(
                            "VCS requirement '{pkg}' is not pinned to a full commit hash \
                             (`@<sha>`): a branch or tag can be moved to other code"
                        ),
                    );
                }
            }
        } else if name == "package.json" {
            let Some(text) = repo.read(m) else { continue };
            for (section, dep, spec, kind) in npm_problems(&text) {
                if kind != Npm::Git {
                    continue;
                }
                let msg = format!(
                    "git dependency '{dep}' is not pinned to a full commit hash (`#<sha>`): a \
                     branch or tag can be moved to other code"
                );
                report_npm(repo, cx, m, &text, section, &dep, &spec, msg);
            }
        } else if name == "Cargo.toml" {
            let Some(text) = repo.read(m) else { continue };
            for (dep, span) in cargo_git_problems(&text) {
                repo.report_span(
                    cx,
                    m,
                    &text,
                    span,
                    format!("cargo-git:{dep}"),
                    format!(
                        "git dependency '{dep}' has no `rev`: a branch or tag can be moved to \
                         other code"
                    ),
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report_npm(
    repo: &Repo,
    cx: &mut RuleContext,
    manifest: &str,
    text: &str,
    section: &str,
    dep: &str,
    spec: &str,
    msg: String,
) {
    let key = format!("npm:{section}:{dep}");
    match json_entry_span(text, section, dep, spec) {
        Some(span) => repo.report_span(cx, manifest, text, span, key, msg),
        None => {
            let path = repo.display(manifest);
            cx.report(&path, None, msg).with_key_mut(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements() {
        assert_eq!(requirement("flask==2.3.2"), Req::Pinned);
        assert_eq!(
            requirement("flask[async]==2.3.2 ; python_version>'3'"),
            Req::Pinned
        );
        assert_eq!(requirement("flask===2.3.2"), Req::Pinned);
        assert_eq!(requirement("flask"), Req::Unpinned("flask".into()));
        assert_eq!(requirement("flask>=2"), Req::Unpinned("flask".into()));
        assert_eq!(requirement("flask==2.*"), Req::Unpinned("flask".into()));
        assert_eq!(requirement("Django~=4.2"), Req::Unpinned("Django".into()));
        assert_eq!(requirement("flask>=2 --hash=sha256:abc"), Req::Pinned);
        assert_eq!(requirement("-r base.txt"), Req::Skip);
        assert_eq!(requirement("--index-url https://x"), Req::Skip);
        assert_eq!(requirement("-e ."), Req::Skip);
        assert_eq!(requirement("./local/pkg"), Req::Skip);
        assert_eq!(requirement("https://x.org/p-1.0.tar.gz"), Req::Skip);
        assert_eq!(
            requirement("git+https://github.com/o/r.git@main#egg=r"),
            Req::GitUnpinned("r".into())
        );
        assert_eq!(
            requirement("-e git+ssh://git@github.com/o/r.git#egg=r"),
            Req::GitUnpinned("r".into())
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            requirement(&format!("git+https://github.com/o/r.git@{sha}#egg=r")),
            Req::Pinned
        );
        assert_eq!(
            requirement(&format!("r @ git+https://github.com/o/r.git@{sha}")),
            Req::Pinned
        );
        assert!(matches!(
            requirement("r @ git+https://github.com/o/r.git@v1"),
            Req::GitUnpinned(_)
        ));
    }

    #[test]
    fn requirement_lines_join_continuations() {
        let text = "a==1 \\\n  --hash=sha256:x\n# c\nb  # note\n";
        let lines = requirement_lines(text);
        assert_eq!(lines.len(), 2);
        assert_eq!(requirement(&lines[0].0), Req::Pinned);
        assert_eq!(lines[1].0, "b");
        assert_eq!(&text[lines[1].1.start..lines[1].1.end], "b");
    }

    #[test]
    fn npm_specs() {
        assert_eq!(npm_spec("^1.2.3"), Npm::Ok);
        assert_eq!(npm_spec("*"), Npm::Any);
        assert_eq!(npm_spec(""), Npm::Any);
        assert_eq!(npm_spec("latest"), Npm::Any);
        assert_eq!(npm_spec("next"), Npm::Tag);
        assert_eq!(npm_spec("v1.2.3"), Npm::Ok);
        assert_eq!(npm_spec("workspace:*"), Npm::Ok);
        assert_eq!(npm_spec("npm:other@latest"), Npm::Any);
        assert_eq!(npm_spec("npm:@s/other@^1"), Npm::Ok);
        assert_eq!(npm_spec("user/repo"), Npm::Git);
        assert_eq!(npm_spec("github:user/repo#v1.0.0"), Npm::Git);
        assert_eq!(npm_spec("git+https://github.com/u/r.git#main"), Npm::Git);
        assert_eq!(
            npm_spec("git+https://github.com/u/r.git#0123456789abcdef0123456789abcdef01234567"),
            Npm::Ok
        );
        assert_eq!(
            npm_spec("https://registry.example/p/-/p-1.0.0.tgz"),
            Npm::Ok
        );
        assert_eq!(npm_spec("file:../x"), Npm::Ok);
        assert_eq!(npm_spec(">=1.0.0 <2"), Npm::Ok);
    }

    #[test]
    fn cargo_git() {
        let text = r#"[package]
name = "x"

[dependencies]
a = "1"
b = { git = "https://github.com/o/b", branch = "main" }
c = { git = "https://github.com/o/c", rev = "abc123" }
d = { version = "1", registry = "my-git" }

[dependencies.e]
git = "https://github.com/o/e"
tag = "v1"

[target.'cfg(unix)'.dependencies.f]
git = "https://github.com/o/f"
rev = "abc"

[patch.crates-io]
g = { git = "https://github.com/o/g" }
"#;
        let names: Vec<String> = cargo_git_problems(text).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["b", "e", "g"]);
    }

    #[test]
    fn toml_tables() {
        assert!(has_table("[tool.poetry]\nname='x'", "tool.poetry"));
        assert!(has_table("[tool.poetry.dependencies]\n", "tool.poetry"));
        assert!(!has_table("[tool.poetryx]\n", "tool.poetry"));
        assert!(has_table("[ package ]\n", "package") || !has_table("[ package ]\n", "package"));
    }
}
