//! Helpers shared by the CI packs (`gha`, `gitlab`): locating scalar text in the raw file,
//! container image references, `curl | sh` detection and literal-credential heuristics.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::document::{ConfigDoc, Span, pointer_escape};

/// A regex compiled once; `None` only if the (constant) pattern were invalid.
pub fn lazy_re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// `ptr` + one escaped reference token.
pub fn child(ptr: &str, token: &str) -> String {
    format!("{ptr}/{}", pointer_escape(token))
}

/// `ptr` + an array index.
pub fn child_idx(ptr: &str, i: usize) -> String {
    format!("{ptr}/{i}")
}

/// The raw bytes of a node's value in the file: for a mapping entry, from just after its key to
/// the end of the value (so it includes `:` and any block indicator); for a sequence item or the
/// document root, the node itself.
pub fn value_region(doc: &ConfigDoc, text: &str, ptr: &str) -> Option<Span> {
    let entry = doc.spans.get(ptr)?.clamp_to(text);
    let start = match doc.key_spans.get(ptr) {
        Some(k) => k.clamp_to(text).end.min(entry.end),
        None => entry.start,
    };
    Some(Span::new(start, entry.end).clamp_to(text))
}

/// Shorten a span that ends after a quoted scalar's closing quote (the YAML front end can
/// stretch quoted scalars over a trailing comment) so that it ends at the quote.
pub fn trim_quoted_end(doc: &ConfigDoc, text: &str, ptr: &str, span: Span) -> Span {
    let Some(region) = value_region(doc, text, ptr) else {
        return span;
    };
    let Some(slice) = text.get(region.start..region.end) else {
        return span;
    };
    let lead = slice.len()
        - slice
            .trim_start_matches(|c: char| c == ':' || c == '-' || c.is_whitespace())
            .len();
    let body = &slice[lead..];
    let b = body.as_bytes();
    let Some(&q) = b.first() else { return span };
    if q != b'"' && q != b'\'' {
        return span;
    }
    let mut i = 1;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            let end = region.start + lead + i + 1;
            if end > span.start && end < span.end {
                return Span::new(span.start, end);
            }
            return span;
        }
        i += 1;
    }
    span
}

/// How a scalar is written, judged from the first non-blank character of its region.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Quoting {
    Plain,
    Single,
    Double,
}

pub fn quoting_of(region: &str) -> Quoting {
    let t = region.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    let t = t.strip_prefix('-').unwrap_or(t).trim_start();
    match t.chars().next() {
        Some('\'') => Quoting::Single,
        Some('"') => Quoting::Double,
        _ => Quoting::Plain,
    }
}

/// Undo the quoting escapes that can appear inside a `${{ … }}` expression.
pub fn unquote_fragment(raw: &str, q: Quoting) -> String {
    match q {
        Quoting::Plain => raw.to_string(),
        Quoting::Single => raw.replace("''", "'"),
        Quoting::Double => raw.replace("\\\"", "\"").replace("\\\\", "\\"),
    }
}

/// Whitespace-collapsed form, for comparing raw text with parsed values (block scalars fold and
/// strip indentation).
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `${{ … }}` expression found in the raw file text.
#[derive(Debug, Clone)]
pub struct RawExpr {
    /// The whole `${{ … }}` in the file.
    pub span: Span,
    /// The expression between the braces, unescaped.
    pub inner: String,
}

/// Every `${{ … }}` inside `region` of `text` that is really part of the parsed `value` (a
/// trailing YAML comment is not).
pub fn raw_expressions(text: &str, region: Span, value: &str) -> Vec<RawExpr> {
    let mut out = Vec::new();
    let Some(slice) = text.get(region.start..region.end) else {
        return out;
    };
    let q = quoting_of(slice);
    let collapsed_value = collapse_ws(value);
    let mut from = 0;
    while let Some(rel) = slice[from..].find("${{") {
        let open = from + rel;
        let body_start = open + 3;
        let Some(close_rel) = slice[body_start..].find("}}") else {
            break;
        };
        let close = body_start + close_rel;
        let inner = unquote_fragment(&slice[body_start..close], q);
        let whole = collapse_ws(&format!("${{{{{inner}}}}}"));
        if collapsed_value.contains(&whole) || collapsed_value.contains(&collapse_ws(&inner)) {
            out.push(RawExpr {
                span: Span::new(region.start + open, region.start + close + 2),
                inner,
            });
        }
        from = close + 2;
    }
    out
}

/// `${{ … }}` expressions in a parsed string value (no positions).
pub fn value_expressions(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = value[from..].find("${{") {
        let body = from + rel + 3;
        let Some(close) = value[body..].find("}}") else {
            break;
        };
        out.push(value[body..body + close].to_string());
        from = body + close + 2;
    }
    out
}

/// Context references (`github.event.issue.title`, `matrix.os`…) in a GitHub expression, as
/// lowercase segments with indexes and `['x']` normalised (`[0]` and `[*]` become `*`). Function
/// names and string literals are skipped.
pub fn context_refs(expr: &str) -> Vec<Vec<String>> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let is_start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        if !is_start(c) {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let s = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        segs.push(expr[s..i].to_ascii_lowercase());
        loop {
            match b.get(i) {
                Some(b'.') => {
                    if b.get(i + 1) == Some(&b'*') {
                        segs.push("*".into());
                        i += 2;
                    } else if b.get(i + 1).is_some_and(|c| is_start(*c)) {
                        let s = i + 1;
                        i += 1;
                        while i < b.len() && is_ident(b[i]) {
                            i += 1;
                        }
                        segs.push(expr[s..i].to_ascii_lowercase());
                    } else {
                        break;
                    }
                }
                Some(b'[') => {
                    let Some(close) = expr[i..].find(']') else {
                        break;
                    };
                    let inside = expr[i + 1..i + close].trim();
                    let quoted = inside
                        .strip_prefix('\'')
                        .and_then(|x| x.strip_suffix('\''))
                        .or_else(|| inside.strip_prefix('"').and_then(|x| x.strip_suffix('"')));
                    segs.push(match quoted {
                        Some(q) => q.to_ascii_lowercase(),
                        None => "*".into(),
                    });
                    i += close + 1;
                }
                _ => break,
            }
        }
        let next = expr[i..].trim_start();
        if next.starts_with('(') {
            continue; // a function name
        }
        if matches!(segs[0].as_str(), "true" | "false" | "null") && segs.len() == 1 {
            continue;
        }
        out.push(segs);
    }
    out
}

/// Contexts an outside contributor controls (GitHub Security Lab's list plus workflow_run and
/// check-suite equivalents). `*` matches any one segment.
const UNTRUSTED: &[&str] = &[
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.pull_request.head.repo.description",
    "github.event.pull_request.head.repo.homepage",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.commits.*.committer.email",
    "github.event.commits.*.committer.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.head_commit.committer.email",
    "github.event.head_commit.committer.name",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.workflow_run.head_branch",
    // A workflow file on a fork's branch names itself: its `name`, and where it lives.
    "github.event.workflow_run.name",
    "github.event.workflow_run.path",
    "github.event.workflow.name",
    "github.event.workflow.path",
    "github.event.workflow_run.display_title",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.head_commit.committer.email",
    "github.event.workflow_run.head_commit.committer.name",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.event.workflow_run.head_repository.description",
    "github.event.check_suite.head_branch",
    "github.event.check_run.check_suite.head_branch",
    "github.event.merge_group.head_commit.message",
    "github.head_ref",
];

static UNTRUSTED_SEGS: LazyLock<Vec<Vec<&'static str>>> =
    LazyLock::new(|| UNTRUSTED.iter().map(|p| p.split('.').collect()).collect());

fn seg_eq(a: &str, b: &str) -> bool {
    a == b || a == "*" || b == "*"
}

/// Whether a context reference is attacker-controlled: it names an untrusted field (or something
/// inside one), or a whole object that contains one (`toJSON(github.event.issue)`).
pub fn is_untrusted(r: &[String]) -> bool {
    UNTRUSTED_SEGS.iter().any(|p| {
        let n = r.len().min(p.len());
        let common = r.iter().zip(p.iter()).take(n).all(|(a, b)| seg_eq(a, b));
        if !common {
            return false;
        }
        // Longer or equal: a field of an untrusted value. Shorter: an enclosing object.
        r.len() >= p.len() || (r.len() >= 2 && r[0] == "github" && r[1] == "event")
    })
}

/// Attacker-controlled references of an expression, rendered dotted.
pub fn untrusted_refs(expr: &str) -> Vec<String> {
    let mut out: Vec<String> = context_refs(expr)
        .into_iter()
        .filter(|r| is_untrusted(r))
        .map(|r| r.join("."))
        .collect();
    out.dedup();
    out
}

/// Shorten a snippet for a message.
pub fn clip(s: &str, max: usize) -> String {
    let s = collapse_ws(s);
    if s.chars().count() > max {
        format!(
            "{}…",
            s.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Shell: download piped into an interpreter.

static PIPE_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^|;&\n]*(?:\|[^|;&\n]*)?\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+)?(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:/usr/bin/|/bin/|/usr/bin/env\s+)?(?:ba|z|k|da|a|fi)?sh\b|(?i)\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:python[0-9.]*|perl|ruby|node)\b|(?i)\b(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b[^;\n]*\|\s*(?:iex|invoke-expression)\b",
    )
});

static SUBST_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r#"(?i)(?:\b(?:ba|z|k|da)?sh\b|\bsource\b|(?:^|[;&|]\s*)\.)\s+(?:-\S+\s+)*["']?(?:\$\(|<\(|`)\s*(?:curl|wget)\b|(?i)\b(?:iex|invoke-expression)\b\s*\(?\s*(?:\(?\s*(?:iwr|irm|invoke-webrequest|invoke-restmethod|new-object\s+(?:system\.)?net\.webclient)\b)"#,
    )
});

/// Byte ranges (relative to `script`) of downloads piped or substituted into an interpreter.
/// Comment lines are skipped; `\`-continued lines are judged together.
pub fn pipe_to_shell(script: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (Some(pipe), Some(subst)) = (PIPE_RE.as_ref(), SUBST_RE.as_ref()) else {
        return out;
    };
    // Logical lines: (start offset of the first physical line, joined text, offsets map).
    let mut offset = 0;
    let mut logical = String::new();
    let mut map: Vec<usize> = Vec::new(); // byte in `logical` -> byte in `script`
    let lines: Vec<&str> = script.split_inclusive('\n').collect();
    for (idx, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let cont = line.ends_with('\\');
        let body = if cont { &line[..line.len() - 1] } else { line };
        for (bi, _) in body.bytes().enumerate() {
            map.push(offset + bi);
        }
        logical.push_str(body);
        if cont {
            logical.push(' ');
            map.push(offset + body.len());
        }
        offset += raw.len();
        if !cont || idx + 1 == lines.len() {
            let t = logical.trim_start();
            if !t.starts_with('#') && !t.starts_with("REM ") {
                for re in [pipe, subst] {
                    for m in re.find_iter(&logical) {
                        let s = map.get(m.start()).copied().unwrap_or(0);
                        let e = map
                            .get(m.end().saturating_sub(1))
                            .map_or(s, |x| x + 1)
                            .max(s);
                        out.push((s, e));
                    }
                }
            }
            logical.clear();
            map.clear();
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Map findings on a parsed script onto the raw file: search each matched snippet (first line
/// of it) inside the node's region; fall back to `fallback`.
pub fn locate_snippet(text: &str, region: Option<Span>, snippet: &str, nth: usize) -> Option<Span> {
    let region = region?;
    let slice = text.get(region.start..region.end)?;
    let first_line = snippet.lines().next().unwrap_or(snippet).trim();
    if first_line.is_empty() {
        return None;
    }
    let found: Vec<usize> = slice.match_indices(first_line).map(|(i, _)| i).collect();
    let i = found.get(nth).or_else(|| found.first())?;
    Some(Span::new(
        region.start + i,
        region.start + i + first_line.len(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Container images.

/// A container image reference split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub fn parse_image(image: &str) -> ImageRef<'_> {
    let image = image.trim();
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(c) => ImageRef {
            name: &rest[..last_slash + c],
            tag: Some(&rest[last_slash + c + 1..]),
            digest,
        },
        None => ImageRef {
            name: rest,
            tag: None,
            digest,
        },
    }
}

/// Why an image is not pinned: `Some("latest")` / `Some("untagged")`, `None` when pinned by tag
/// or digest or when it is built from variables we cannot judge.
pub fn image_problem(image: &str) -> Option<&'static str> {
    let image = image.trim();
    if image.is_empty() || image.contains("${{") {
        return None;
    }
    let r = parse_image(image);
    if r.digest.is_some_and(|d| !d.is_empty()) {
        return None;
    }
    match r.tag {
        Some(t) if t.eq_ignore_ascii_case("latest") => Some("latest"),
        Some("") => Some("untagged"),
        Some(_) => None,
        None if r.name.contains('$') => None,
        None => Some("untagged"),
    }
}

// ---------------------------------------------------------------------------------------------
// Literal credentials.

static CRED_NAME_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)(?:TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|AUTH_?KEY|CLIENT_?SECRET|CREDENTIALS?)",
    )
});

static CRED_NAME_EXCLUDE_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)(?:_(?:FILE|PATH|DIR|NAME|NAMES|URL|URI|ENDPOINT|HOST|PORT|USER|USERNAME|TYPE|HEADER|ENV|VAR|REGION|LENGTH|LEN|FORMAT|ENABLED|DISABLED|MODE|VERSION|ID|IDS|ARN|TTL|EXPIRY|EXPIRES|TIMEOUT|SCOPE|SCOPES|FIELD|KEY_ID|SOURCE|PROVIDER|LOCATION|REF|STORE|COUNT)$|^(?:PWD|OLDPWD)$|_ID$)",
    )
});

static PLACEHOLDER_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)^(?:x+|\*+|\.+|-+|0+|none|null|nil|true|false|yes|no|on|off|changeme|change[-_]?me|placeholder|redacted|dummy|fake|example|sample|test|testing|secret|password|passw0rd|pass|token|root|admin|postgres|mysql|guest|user|default|local|dev|ci|required|optional|todo|tbd|unset|empty)$|(?i)example|dummy|fake|placeholder|changeme|redacted|your[-_]|xxxx|^[x*._-]+$|^<.*>$|^\{\{.*\}\}$|^%.*%$|^\$",
    )
});

/// Whether an environment variable name looks like it holds a credential.
pub fn is_credential_name(name: &str) -> bool {
    let (Some(yes), Some(no)) = (CRED_NAME_RE.as_ref(), CRED_NAME_EXCLUDE_RE.as_ref()) else {
        return false;
    };
    yes.is_match(name) && !no.is_match(name)
}

/// Whether a literal value looks like a real credential rather than a placeholder, a reference
/// to a secret store (`${{ secrets.X }}`, `$VAR`) or a throwaway test value.
pub fn is_literal_credential(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 6 || v.contains("${{") || v.contains('$') || v.contains(char::is_whitespace) {
        return false;
    }
    if PLACEHOLDER_RE.as_ref().is_none_or(|re| re.is_match(v)) {
        return false;
    }
    let classes = [
        v.bytes().any(|c| c.is_ascii_lowercase()),
        v.bytes().any(|c| c.is_ascii_uppercase()),
        v.bytes().any(|c| c.is_ascii_digit()),
        v.bytes().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    classes >= 2 || v.len() >= 20
}

/// A variable value as a string: plain scalars, or GitLab's `{value: …}` form.
pub fn variable_value(v: &Value) -> Option<(String, bool)> {
    match v {
        Value::String(s) => Some((s.clone(), false)),
        Value::Number(n) => Some((n.to_string(), false)),
        Value::Object(m) => match m.get("value") {
            Some(Value::String(s)) => Some((s.clone(), true)),
            Some(Value::Number(n)) => Some((n.to_string(), true)),
            _ => None,
        },
        _ => None,
    }
}

/// `true`, `"true"`, `"1"` (any case).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_normalised() {
        let r = context_refs("toJSON(github.event['issue'].title) || github.head_ref && 'x.y'");
        let r: Vec<String> = r.iter().map(|s| s.join(".")).collect();
        assert_eq!(r, vec!["github.event.issue.title", "github.head_ref"]);
        assert!(untrusted_refs("github.event.pages[0].page_name").len() == 1);
        assert!(untrusted_refs("toJSON(github.event.issue)").len() == 1);
        assert!(untrusted_refs("github.event.issue.number").is_empty());
        assert!(untrusted_refs("github.event.pull_request.head.sha").is_empty());
        assert!(untrusted_refs("github.event_name").is_empty());
    }

    #[test]
    fn pipes() {
        assert_eq!(pipe_to_shell("curl -fsSL https://x | sh").len(), 1);
        assert_eq!(
            pipe_to_shell("curl -fsSL https://x | sudo -E bash -").len(),
            1
        );
        assert_eq!(pipe_to_shell("wget -qO- x \\\n  | bash").len(), 1);
        assert_eq!(pipe_to_shell("bash <(curl -s https://x)").len(), 1);
        assert_eq!(pipe_to_shell("sh -c \"$(curl -fsSL https://x)\"").len(), 1);
        assert_eq!(pipe_to_shell("iwr https://x | iex").len(), 1);
        assert!(pipe_to_shell("curl -o x.sh https://x && sha256sum -c s && sh x.sh").is_empty());
        assert!(pipe_to_shell("curl x | shasum -a 256").is_empty());
        assert!(pipe_to_shell("# curl x | sh").is_empty());
        assert!(pipe_to_shell("curl x | jq .").is_empty());
    }

    #[test]
    fn images() {
        assert_eq!(image_problem("node"), Some("untagged"));
        assert_eq!(image_problem("node:latest"), Some("latest"));
        assert_eq!(image_problem("registry:5000/node"), Some("untagged"));
        assert_eq!(image_problem("registry:5000/node:20"), None);
        assert_eq!(image_problem("node@sha256:abc"), None);
        assert_eq!(image_problem("$CI_REGISTRY_IMAGE"), None);
        assert_eq!(image_problem("${{ matrix.image }}"), None);
    }

    #[test]
    fn credentials() {
        assert!(is_credential_name("NPM_TOKEN"));
        assert!(is_credential_name("DB_PASSWORD"));
        assert!(!is_credential_name("TOKEN_URL"));
        assert!(!is_credential_name("AWS_ACCESS_KEY_ID"));
        assert!(is_literal_credential("s3cr3t-Pa55"));
        assert!(!is_literal_credential("postgres"));
        assert!(!is_literal_credential("${{ secrets.X }}"));
        assert!(!is_literal_credential("$NPM_TOKEN"));
        assert!(!is_literal_credential("XXXXX-XXXXX-XXXXX-XXXXX"));
        assert!(!is_literal_credential("my-dummy-Token1"));
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;
    use crate::document::DocumentKind;

    #[test]
    fn quoted_scalar_spans_stop_at_the_quote() {
        let text = "a:\n  - uses: \"x/y@v1\" # c\n";
        let docs =
            crate::document::yaml::parse(text, DocumentKind::GithubWorkflow).unwrap_or_default();
        let d = &docs[0];
        let ptr = "/a/0/uses";
        let s = d.span_for(ptr);
        let t = trim_quoted_end(d, text, ptr, s);
        assert_eq!(&text[t.start..t.end], "uses: \"x/y@v1\"");
        let text2 = "a: 'it''s # x' # c\n";
        let docs = crate::document::yaml::parse(text2, DocumentKind::Yaml).unwrap_or_default();
        let s = docs[0].span_for("/a");
        let t = trim_quoted_end(&docs[0], text2, "/a", s);
        assert_eq!(&text2[t.start..t.end], "a: 'it''s # x'");
    }
}
