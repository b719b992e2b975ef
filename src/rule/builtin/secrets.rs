//! Built-in `secrets` rules: the detectors that need more judgement than a regex can carry.
//! Provider formats with a fixed prefix are declarative text rules (`rules/secrets/*.yaml`).
//!
//! - `secrets/generic-secret-assignment`: `password = "…"`, `api_key: …`, `TOKEN=…`, JSON
//!   `"secret": "…"`, Kubernetes `name: DB_PASSWORD` / `value: …` pairs; gated by the key's
//!   words, the value's shape and entropy, and a placeholder allowlist.
//! - `secrets/url-credentials`: `scheme://user:password@host`, quiet for `${VAR}`, `$VAR`,
//!   `%s`, `<password>`, placeholder words and `user:user@` defaults.
//!
//! Every finding carries `redact` over the secret and shows it as prefix + length only.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::{Match, Regex};

use super::{Check, Factory};
use crate::decl::text_rule::{entropy, is_placeholder};
use crate::document::{Document, DocumentKind, Span};
use crate::finding::redact_secret;
use crate::rule::RuleContext;

/// Built-in rules of the `secrets` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("secrets/generic-secret-assignment", || {
        Box::new(GenericSecretAssignment)
    }),
    ("secrets/url-credentials", || Box::new(UrlCredentials)),
];

fn report_secret(cx: &mut RuleContext, doc: &Document, start: usize, value: &str, message: String) {
    let span = Span::new(start, start + value.len());
    let f = cx.report(&doc.path, Some(span), message);
    f.fingerprint_key = blake3::hash(value.as_bytes()).to_hex()[..16].to_string();
    f.redact = Some(span);
}

fn option_f64(cx: &RuleContext, key: &str, default: f64) -> f64 {
    cx.options
        .get(key)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// generic-secret-assignment
// ---------------------------------------------------------------------------------------------

pub struct GenericSecretAssignment;

/// Literal prefilter: a line must contain one of these (ASCII case-insensitive).
static KEY_WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "passw",
            "pwd",
            "passphrase",
            "secret",
            "token",
            "apikey",
            "api_key",
            "api-key",
            "accesskey",
            "access_key",
            "access-key",
            "privatekey",
            "private_key",
            "authkey",
            "auth_key",
        ])
        .ok()
});

/// `key <op> value` on one line. The key may be quoted (JSON, dict subscripts), the operator is
/// `=`, `:=`, `:`, `=>` or `?=`; the value is quoted (group `qv`) or bare (group `uv`).
static ASSIGN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        (?:^|[\s{,(\[;"'`\-])
        (?P<key>[A-Za-z_$@][A-Za-z0-9_.\-]{1,80})
        ["'`]?\]?
        # An optional type annotation: `API_KEY: &str =`, `apiKey: string =`, `key: &'static str =`.
        (?:[\ \t]*:[\ \t]*&?(?:'static[\ \t]+)?(?:str|String|string|\[\]byte)[\ \t]*)?
        [\ \t]*(?P<op>:=|=>|\?=|=|:)[\ \t]*
        (?:
            (?:[rbuf]|@)?(?P<q>["'`])(?P<qv>[^"'`\r\n]{1,300})["'`]
          | (?P<uv>[^\s"'`,;\#()\[\]{}]{1,300})
        )"#,
    )
    .ok()
});

/// Dockerfile `ENV KEY value` (the space form).
static DOCKER_ENV: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)^\s*ENV\s+(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s+["']?(?P<uv>[^\s"'=]+)["']?\s*$"#)
        .ok()
});

/// Kubernetes / compose style `- name: DB_PASSWORD` followed by `value: …`.
static NAME_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?name:\s*["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*$"#).ok()
});
static VALUE_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^\s*value:\s*(?:(?P<q>["'])(?P<qv>[^"'\r\n]+)["']|(?P<uv>[^\s"'#]+))\s*(?:#.*)?$"#,
    )
    .ok()
});

/// Split an identifier into lowercase words: `dbPassword`, `DB_PASSWORD`, `db.password`.
fn words(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What kind of secret a key names, if any: `password` or `key`. The secret word must be the
/// last meaningful word (`db_password` yes, `password_file`, `secretName`, `tokenizer` no).
fn secret_key_kind(key: &str) -> Option<&'static str> {
    let w = words(key);
    const TRAILING_OK: &[&str] = &[
        "value",
        "base",
        "str",
        "string",
        "b64",
        "base64",
        "hex",
        "raw",
        "plain",
        "plaintext",
        "enc",
        "encoded",
        "data",
    ];
    let mut end = w.len();
    while end > 0 && TRAILING_OK.contains(&w[end - 1].as_str()) {
        end -= 1;
    }
    if end == 0 {
        return None;
    }
    let last = w[end - 1].as_str();
    let prev = if end >= 2 { w[end - 2].as_str() } else { "" };
    match last {
        "password" | "passwd" | "pwd" | "passphrase" | "pass" if last != "pass" || end >= 2 => {
            Some("password")
        }
        "secret" | "token" | "apikey" | "secretkey" | "accesskey" | "privatekey" | "authkey"
        | "authtoken" | "accesstoken" | "clientsecret" => Some("key"),
        "key"
            if matches!(
                prev,
                "api"
                    | "access"
                    | "secret"
                    | "private"
                    | "auth"
                    | "signing"
                    | "encryption"
                    | "master"
            ) =>
        {
            Some("key")
        }
        _ => None,
    }
}

/// Placeholder, reference or expression rather than a literal secret.
fn is_generic_placeholder(value: &str, key: &str) -> bool {
    if is_placeholder(value) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    // Syntax that marks a template, a reference or an elided value: always a placeholder.
    const HARD: &[&str] = &[
        "example",
        "xxx",
        "***",
        "...",
        "…",
        "<",
        ">",
        "$(",
        "%(",
        "%s",
        "{",
        "}",
        "(",
        "[",
        "process.env",
        "os.environ",
        "getenv",
        "env.",
        "environ",
        "vault:",
        "arn:aws",
        "ssm:",
        "secretsmanager",
        "keyvault",
    ];
    if HARD.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // Words that make a value a stand-in when little else is left once they are removed
    // (`fake-password`, `test123`); `FakeWsztfk6lAz7b2p!` still has a real-looking rest. Whole
    // words only, so `Devon1987!xQ` or `Sunset#Enter42` are not stand-ins. Keep this list in
    // step with the rule's description.
    let tokens = value_words(value);
    let mut rest = String::new();
    let mut hit = false;
    let mut i = 0;
    while i < tokens.len() {
        // A word may be written in two parts: `change-me`, `hunter2`, `correct_horse`.
        let pair = tokens.get(i + 1).map(|n| format!("{}{n}", tokens[i]));
        if pair
            .as_deref()
            .is_some_and(|p| PLACEHOLDER_WORDS.contains(&p))
        {
            hit = true;
            i += 2;
            continue;
        }
        if PLACEHOLDER_WORDS.contains(&tokens[i].as_str()) {
            hit = true;
        } else {
            rest.push_str(&tokens[i]);
        }
        i += 1;
    }
    if hit && (rest.len() < 10 || entropy(&rest) < 3.0) {
        return true;
    }
    // `invalid-api-key`, `not-a-valid-token`: self-declared stand-ins.
    if tokens.first().is_some_and(|t| t == "invalid")
        || tokens.get(..3).is_some_and(|t| t == ["not", "a", "valid"])
    {
        return true;
    }
    // `SERVICE_AUTH_TOKEN`: the name of the environment variable that holds the secret.
    if is_env_var_name(value) {
        return true;
    }
    // `webhook.provider.secret`, `header.payload.signature`: a configuration key or a format.
    if is_config_key_path(value) {
        return true;
    }
    // The value repeats the key's name (`password: db_password`).
    let key_lower = key.to_ascii_lowercase();
    if lower == key_lower || lower.contains(&key_lower) {
        return true;
    }
    let first = value.chars().next().unwrap_or(' ');
    if matches!(
        first,
        '$' | '%' | '@' | '/' | '~' | '.' | '&' | '*' | '!' | ':' | '#' | '='
    ) {
        return true;
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("file:") {
        return true;
    }
    // Numbers, booleans, null-ish words.
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        || matches!(
            lower.as_str(),
            "true" | "false" | "null" | "none" | "nil" | "empty" | "string" | "str" | "bool"
        )
    {
        return true;
    }
    false
}

/// Whole words that mark a value as a stand-in (matched as words of the value, also written in
/// two parts such as `change-me`); listed in the rule's description.
const PLACEHOLDER_WORDS: &[&str] = &[
    "dummy",
    "sample",
    "fake",
    "test",
    "mock",
    "placeholder",
    "your",
    "password",
    "passwd",
    "secret",
    "token",
    "changeme",
    "changeit",
    "changethis",
    "replace",
    "replaceme",
    "redacted",
    "todo",
    "fixme",
    "undefined",
    "qwerty",
    "letmein",
    "hunter2",
    "admin123",
    "correcthorse",
];

/// The words of a value in lowercase: split at symbols and at camel-case humps, with leading and
/// trailing digits as words of their own (`Password123` → `password`, `123`).
fn value_words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in words(value) {
        let is_digit = |c: char| c.is_ascii_digit();
        let lead = w.len() - w.trim_start_matches(is_digit).len();
        if lead == w.len() {
            out.push(w);
            continue;
        }
        // `words` yields ASCII alphanumerics only, so these are character boundaries.
        let end = w.trim_end_matches(is_digit).len();
        for part in [&w[..lead], &w[lead..end], &w[end..]] {
            if !part.is_empty() {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// `SERVICE_AUTH_TOKEN`, `OAUTH2_CLIENT_SECRET`: upper-case words joined by `_`, each starting
/// with a letter.
fn is_env_var_name(v: &str) -> bool {
    v.contains('_')
        && v.split('_').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// `webhook.provider.secret`, `spring.datasource.password`: dotted segments that each start
/// with a lower-case letter (narrower than [`is_dotted_identifier`], as it applies to quoted
/// values too).
fn is_config_key_path(v: &str) -> bool {
    v.contains('.')
        && v.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// `config.secret`, `base64.RawURLEncoding.EncodeToString`: a member access, not a literal.
fn is_dotted_identifier(v: &str) -> bool {
    v.contains('.')
        && v.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Values a provider-specific detector reports (with a better message); not reported twice.
fn has_provider_prefix(value: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "gldt-",
        "glrt-",
        "GR1348941",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xoxs-",
        "xoxe-",
        "xapp-",
        "sk_live_",
        "rk_live_",
        "AIza",
        "npm_",
        "pypi-",
        "dckr_pat_",
        "dckr_oat_",
        "SG.",
        "shpat_",
        "shpss_",
        "shpca_",
        "shppa_",
        "ATATT3",
        "hvs.",
        "hvb.",
        "dapi",
        "sk-",
        "eyJ",
        "-----BEGIN",
    ];
    PREFIXES.iter().any(|p| value.starts_with(p))
        || value.contains(".atlasv1.")
        || value.get(4..6) == Some("Q~")
}

/// Kinds whose bare values are expressions (`password = config.get(...)`), not literals.
fn bare_values_are_code(doc: &Document) -> bool {
    match doc.kind {
        DocumentKind::Python
        | DocumentKind::Javascript
        | DocumentKind::Typescript
        | DocumentKind::Tsx
        | DocumentKind::Go
        | DocumentKind::Rust
        | DocumentKind::Terraform
        | DocumentKind::Json => true,
        DocumentKind::Text => {
            let name = doc.path.rsplit('/').next().unwrap_or("");
            let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
            !matches!(
                ext.to_ascii_lowercase().as_str(),
                "" | "env"
                    | "properties"
                    | "ini"
                    | "cfg"
                    | "conf"
                    | "config"
                    | "toml"
                    | "txt"
                    | "example"
                    | "local"
                    | "dev"
                    | "prod"
                    | "production"
                    | "staging"
                    | "npmrc"
                    | "pypirc"
                    | "netrc"
            ) && !name.starts_with(".env")
        }
        _ => false,
    }
}

impl GenericSecretAssignment {
    /// Judge one candidate; `quoted` says whether the value was a string literal.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        doc: &Document,
        cx: &mut RuleContext,
        key: &str,
        value: &str,
        start: usize,
        quoted: bool,
        code: bool,
        min_entropy: f64,
        min_len: usize,
    ) {
        let Some(kind) = secret_key_kind(key) else {
            return;
        };
        if !quoted && code {
            return;
        }
        let value = value.trim();
        if value.chars().count() < min_len || value.contains(char::is_whitespace) {
            return;
        }
        if is_generic_placeholder(value, key) || has_provider_prefix(value) {
            return;
        }
        // A bare word with no digit or symbol is an identifier or a word, not a secret.
        if !quoted
            && value
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-' || c == '.')
        {
            return;
        }
        if entropy(value) < min_entropy {
            return;
        }
        let what = if kind == "password" {
            "password"
        } else {
            "secret"
        };
        let message = format!(
            "hard-coded {what} assigned to `{}`: {}",
            shorten(key),
            redact_secret(value)
        );
        report_secret(cx, doc, start, value, message);
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut t: String = s.chars().take(39).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

impl Check for GenericSecretAssignment {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let (Some(words_ac), Some(assign), Some(docker_env), Some(name_line), Some(value_line)) = (
            KEY_WORDS.as_ref(),
            ASSIGN.as_ref(),
            DOCKER_ENV.as_ref(),
            NAME_LINE.as_ref(),
            VALUE_LINE.as_ref(),
        ) else {
            return;
        };
        let text: &str = &doc.text;
        if !words_ac.is_match(text) {
            return;
        }
        let min_entropy = option_f64(cx, "min-entropy", 3.0);
        let min_len = option_f64(cx, "min-length", 8.0).max(1.0) as usize;
        let code = bare_values_are_code(doc);
        let mut offset = 0usize;
        let mut pending_name: Option<String> = None;
        for raw_line in text.split_inclusive('\n') {
            let line_start = offset;
            offset += raw_line.len();
            let line = raw_line.trim_end_matches(['\n', '\r']);
            if line.len() > 4000 {
                pending_name = None;
                continue;
            }
            // `name: X` / `value: …` pairs (Kubernetes env, ECS task definitions in YAML).
            if let Some(key) = pending_name.take()
                && let Some(c) = value_line.captures(line)
            {
                let quoted = c.name("qv").is_some();
                if let Some(v) = c.name("qv").or_else(|| c.name("uv")) {
                    self.judge(
                        doc,
                        cx,
                        &key,
                        v.as_str(),
                        line_start + v.start(),
                        quoted,
                        false,
                        min_entropy,
                        min_len,
                    );
                }
                continue;
            }
            if let Some(c) = name_line.captures(line)
                && let Some(k) = c.name("key")
            {
                if secret_key_kind(k.as_str()).is_some() {
                    pending_name = Some(k.as_str().to_string());
                }
                continue;
            }
            if !words_ac.is_match(line) {
                continue;
            }
            let trimmed = line.trim_start();
            // A commented-out assignment (`# api_key = "…"`) is still a committed secret; other
            // comment text is prose, so in comments only quoted values are judged.
            let stripped = ["//", "/*", "#", "*", "--"]
                .iter()
                .find_map(|l| trimmed.strip_prefix(l));
            let (line, line_start) = match stripped {
                Some(rest) => (rest, line_start + (line.len() - rest.len())),
                None => (line, line_start),
            };
            if doc.kind == DocumentKind::Dockerfile
                && let Some(c) = docker_env.captures(line)
                && let (Some(k), Some(v)) = (c.name("key"), c.name("uv"))
            {
                self.judge(
                    doc,
                    cx,
                    k.as_str(),
                    v.as_str(),
                    line_start + v.start(),
                    false,
                    false,
                    min_entropy,
                    min_len,
                );
                continue;
            }
            for c in assign.captures_iter(line) {
                let Some(k) = c.name("key") else { continue };
                let (v, quoted) = match (c.name("qv"), c.name("uv")) {
                    (Some(v), _) => (v, true),
                    (None, Some(v)) => (v, false),
                    _ => continue,
                };
                // `a == b`, `a => b`, `x := f()`, `k: pkg.Func(…)`: expressions, not literals.
                if !quoted {
                    let op = c.name("op").map_or("", |m| m.as_str());
                    let next = line[v.end()..].chars().next();
                    if v.as_str().starts_with('=')
                        || matches!(op, ":=" | "=>")
                        || matches!(next, Some('(' | '[' | '{' | '.' | '<'))
                        || is_dotted_identifier(v.as_str())
                    {
                        continue;
                    }
                }
                self.judge(
                    doc,
                    cx,
                    k.as_str().trim_start_matches(['$', '@']),
                    v.as_str(),
                    line_start + v.start(),
                    quoted,
                    code,
                    min_entropy,
                    min_len,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// url-credentials
// ---------------------------------------------------------------------------------------------

pub struct UrlCredentials;

static URL_CRED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?P<scheme>[a-z][a-z0-9+.\-]{1,30})://(?P<user>[^\s:/@'"`<>{}\[\]]{0,128}):(?P<pass>[^\s@/'"`<>]{1,256})@(?P<host>[a-z0-9\[][^\s/'"`@:?#<>]*)"#,
    )
    .ok()
});

fn url_password_is_placeholder(user: &str, pass: &str) -> bool {
    if is_placeholder(pass) {
        return true;
    }
    let lower = pass.to_ascii_lowercase();
    if lower == user.to_ascii_lowercase() {
        return true;
    }
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "pw",
        "p",
        "x",
        "xxx",
        "changeme",
        "changeit",
        "token",
        "apikey",
        "api_key",
        "key",
        "dummy",
        "fake",
        "test",
        "sample",
        "foo",
        "bar",
        "baz",
        "user",
        "username",
        "admin",
        "root",
        "guest",
        "mypassword",
        "mysecretpassword",
        "yourpassword",
        "pa$$word",
        "pa55word",
        "example",
        "none",
        "null",
        "redacted",
        "hidden",
        "masked",
        "****",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    let first = pass.chars().next().unwrap_or(' ');
    if matches!(first, '$' | '%' | '{' | '<' | '*' | '[') {
        return true;
    }
    // Templating and references anywhere in the password.
    const MARKERS: &[&str] = &[
        "${",
        "$(",
        "{{",
        "}}",
        "%(",
        "%s",
        "<",
        ">",
        "***",
        "…",
        "...",
        "process.env",
    ];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // Escaped shell/Go templates: `$$PASS`, `:$PG_PASS`.
    if pass.starts_with("$$") {
        return true;
    }
    false
}

/// The `scheme://user:password@host` credentials in `text` that look real (not placeholders,
/// references or example hosts), as (scheme, user, password) matches.
pub(crate) fn url_credentials(text: &str) -> Vec<(Match<'_>, Match<'_>, Match<'_>)> {
    let mut out = Vec::new();
    let Some(re) = URL_CRED.as_ref() else {
        return out;
    };
    if !text.contains("://") {
        return out;
    }
    for c in re.captures_iter(text) {
        let (Some(scheme), Some(user), Some(pass), Some(host)) = (
            c.name("scheme"),
            c.name("user"),
            c.name("pass"),
            c.name("host"),
        ) else {
            continue;
        };
        if url_password_is_placeholder(user.as_str(), pass.as_str()) {
            continue;
        }
        // `user:${PASS}@` style in the user part too means a template.
        if user.as_str().contains('$')
            || user.as_str().contains('%') && !user.as_str().contains("%40")
        {
            continue;
        }
        let host_s = host.as_str().to_ascii_lowercase();
        if host_s.is_empty() || host_s == "host" || host_s.starts_with("example.") {
            continue;
        }
        out.push((scheme, user, pass));
    }
    out
}

impl Check for UrlCredentials {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for (scheme, user, pass) in url_credentials(&doc.text) {
            let message = format!(
                "password in a {} URL for user `{}`: {}",
                scheme.as_str().to_ascii_lowercase(),
                shorten(user.as_str()),
                redact_secret(pass.as_str())
            );
            report_secret(cx, doc, pass.start(), pass.as_str(), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The detectors' patterns are built lazily and a bad one would silently disable its rule.
    #[test]
    fn every_pattern_compiles() {
        assert!(KEY_WORDS.is_some());
        assert!(ASSIGN.is_some());
        assert!(DOCKER_ENV.is_some());
        assert!(NAME_LINE.is_some());
        assert!(VALUE_LINE.is_some());
        assert!(URL_CRED.is_some());
    }

    #[test]
    fn key_words() {
        assert_eq!(secret_key_kind("DB_PASSWORD"), Some("password"));
        assert_eq!(secret_key_kind("dbPassword"), Some("password"));
        assert_eq!(secret_key_kind("api_key"), Some("key"));
        assert_eq!(secret_key_kind("apiKey"), Some("key"));
        assert_eq!(secret_key_kind("AWS_SECRET_ACCESS_KEY"), Some("key"));
        assert_eq!(secret_key_kind("secret_key_base"), Some("key"));
        assert_eq!(secret_key_kind("password_file"), None);
        assert_eq!(secret_key_kind("secretName"), None);
        assert_eq!(secret_key_kind("tokenizer"), None);
        assert_eq!(secret_key_kind("pass"), None);
        assert_eq!(secret_key_kind("key"), None);
    }

    #[test]
    fn generic_placeholders() {
        for v in [
            "SERVICE_AUTH_TOKEN",
            "OAUTH2_CLIENT_SECRET",
            "webhook.provider.secret",
            "header.payload.signature",
            "invalid-api-key",
            "invalidAccessToken42",
            "not_a_valid_key_9f8e",
            "NotAValidSecret",
            "ChangeMe123!",
            "change-me-please",
            "xxxxxxxxxxxxxxxx",
            "MY_EXAMPLE_SECRET_1234",
            "example-Zq8mK2vL9xR4",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "test1234",
            "fake-password",
            "password123",
            "Hunter2!",
            "mySecretToken",
        ] {
            assert!(is_generic_placeholder(v, "api_key"), "{v}");
        }
        for v in [
            "Devon1987!xQ",
            "Sunset#Enter42",
            "Adm1nPa55!2024",
            "Localhost-Qz81!mR",
            "RandomDemo#Kq82",
            "FakeWsztfk6lAz7b2p!",
            "P4SSW0RD_PROD_2024",
            "Zq8.mK2vL9.xR4",
            "Invalidate#9xKq2Lm",
            "Testament#8kQz2Lp",
        ] {
            assert!(!is_generic_placeholder(v, "api_key"), "{v}");
        }
    }

    #[test]
    fn value_words_split_digits_off_the_ends() {
        assert_eq!(value_words("Password123"), ["password", "123"]);
        assert_eq!(value_words("2024secret"), ["2024", "secret"]);
        assert_eq!(value_words("Adm1nPa55!2024"), ["adm1n", "pa", "55", "2024"]);
        assert_eq!(value_words("not-a-valid"), ["not", "a", "valid"]);
    }

    #[test]
    fn url_placeholders() {
        assert!(url_password_is_placeholder("user", "${DB_PASS}"));
        assert!(url_password_is_placeholder("postgres", "postgres"));
        assert!(url_password_is_placeholder("user", "password"));
        assert!(!url_password_is_placeholder("app", "Zk83jd92kLxq"));
    }
}
