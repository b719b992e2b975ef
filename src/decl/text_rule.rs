//! Text rules: a regex over raw text behind a literal keyword prefilter, with an entropy gate,
//! a placeholder allowlist and an optional offline format verifier (`verify:`). Matches are secrets by default and are redacted in every output.

use regex::Regex;

use crate::document::{Document, Span};
use crate::finding::{Confidence, redact_secret};
use crate::rule::{Rule, RuleContext, RuleMeta};

pub struct TextRule {
    pub meta: RuleMeta,
    /// Keywords (ASCII case-insensitive); the engine's shared prefilter uses them.
    pub keywords: Vec<String>,
    pub keyword_matcher: Option<aho_corasick::AhoCorasick>,
    pub regex: Regex,
    pub secret_group: Option<usize>,
    pub min_entropy: Option<f64>,
    pub allow: Vec<Regex>,
    pub secret: bool,
    /// Offline format check: a match that verifies is marked verified, one that does not is
    /// reported with confidence lowered to medium.
    pub verify: Option<super::verify::Verifier>,
    pub message: String,
    pub filter: super::PathFilter,
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Values that documentation, templates and tests use in place of a real secret. Deliberately
/// narrow: these substrings do not occur in real random tokens by chance (in practice).
/// Documentation values published by providers: never real, safe to skip everywhere.
pub const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
];

/// For provider formats (fixed prefix or checksum): a value is a placeholder only when it is a
/// documented example, a template (`${…}`, `{{…}}`, `<…>`) or, after its prefix, a run of one
/// repeated character or a short sequence repeated (`1234567890123…`, `abcabc…`). Words such as "example" inside a well-formed token are not enough: synthetic
/// test tokens are written that way and scanners are judged on them.
pub fn is_format_placeholder(value: &str) -> bool {
    if DOCUMENTED_EXAMPLES.contains(&value) || value.contains("${") || value.contains("{{") {
        return true;
    }
    if value.starts_with('<') && value.ends_with('>') {
        return true;
    }
    let tail = value
        .rsplit(['_', '-', '.', '/'])
        .next()
        .filter(|t| t.len() >= 8)
        .unwrap_or(value);
    let mut chars = tail.chars();
    let repeated_tail = match chars.next() {
        Some(first) => tail.len() >= 8 && chars.all(|c| c == first || c == '*'),
        None => false,
    } || is_periodic(tail);
    // `AIzaSyXXXXXXXX…`: one character makes up nearly the whole value.
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let dominant = counts.values().copied().max().unwrap_or(0);
    repeated_tail || (value.len() >= 12 && dominant * 10 >= value.chars().count() * 8)
}

/// A string of at least 8 characters made of a sequence repeated at least twice (the last
/// repetition may be cut short). A random token of that length is never periodic in practice.
fn is_periodic(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && (1..=b.len() / 2).any(|p| b[p..].iter().zip(b).all(|(x, y)| x == y))
}

/// Whether `value` may be a credential: not a placeholder ([`is_placeholder`]), not a dummy word
/// standing for one (`token`, `guest`, `YourPingdomApiToken`, `somepassword`), not a database
/// URL without a password (`mongodb://mongodb:27017`) — judged on the value and, when it is
/// base64 of text (a Secret's `data`), on the decoded text too.
pub fn may_be_credential(value: &str) -> bool {
    let value = value.trim();
    let decoded = base64_text(value);
    let text = decoded.as_deref().unwrap_or(value);
    !(stands_in(value) || decoded.as_deref().is_some_and(stands_in) || config_without_secret(text))
}

/// A configuration file (several lines) none of whose secret-named settings (`password = …`,
/// `api_key: …`, `slack_webhook: …`) holds more than a stand-in, and that holds no key block.
fn config_without_secret(text: &str) -> bool {
    static SETTING: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
        Regex::new(
            r#"(?im)^[\s\-]*["']?[A-Za-z0-9_.\-]*(?:pass|pwd|secret|token|key|credential|auth|webhook|api_url)[A-Za-z0-9_.\-]*["']?\s*[:=]\s*["']?([^"'\s]+)"#,
        )
        .ok()
    });
    if !text.trim().contains('\n') || text.contains("-----BEGIN") {
        return false;
    }
    let Some(re) = SETTING.as_ref() else {
        return false;
    };
    re.captures_iter(text)
        .filter_map(|c| c.get(1))
        .all(|v| stands_in(v.as_str()))
}

fn stands_in(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || is_placeholder(v) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    // A few letters naming what the value stands for.
    const WORDS: &[&str] = &[
        "password", "passwd", "paswword", "pass", "token", "secret", "key", "guest", "admin",
        "test", "dummy", "default", "sample", "demo", "changeit",
    ];
    if v.len() <= 20
        && lower
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
        && WORDS.iter().any(|w| lower.contains(w))
    {
        return true;
    }
    // A connection URL that carries no password (nor query parameters that could).
    const SCHEMES: &[&str] = &[
        "mongodb",
        "mongodb+srv",
        "postgres",
        "postgresql",
        "mysql",
        "redis",
        "rediss",
        "amqp",
        "amqps",
        "nats",
        "memcached",
        "ldap",
        "ldaps",
        "tcp",
    ];
    if let Some((scheme, rest)) = lower.split_once("://") {
        return SCHEMES.contains(&scheme) && !rest.contains(['@', '?']) && !rest.contains(' ');
    }
    false
}

/// The text `t` encodes in standard base64, if it is base64 of UTF-8 text.
pub fn base64_text(t: &str) -> Option<String> {
    if t.is_empty() || !t.len().is_multiple_of(4) {
        return None;
    }
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in t.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// For free-form values (generic `password = "…"` assignments): the broader placeholder list.
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    // "example" inside a long random-looking value (`wJalr…EXAMPLE` style test keys) is a
    // synthetic secret that scanners are expected to report; alone or nearly alone it is a
    // placeholder.
    if lower.contains("example") {
        let rest: String = lower
            .replace("example", "")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        if rest.len() < 12 || entropy(&rest) < 3.0 {
            return true;
        }
    }
    const MARKERS: &[&str] = &[
        "xxxxx",
        "*****",
        "placeholder",
        "changeme",
        "change_me",
        "redacted",
        "your_",
        "your-",
        "${",
        "{{",
        "123456789",
        "abcdefghij",
    ];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    if lower.starts_with('<') && lower.ends_with('>') {
        return true;
    }
    // A value made of one repeated character (`0000…`, `aaaa…`) after any fixed prefix.
    let tail = value
        .rsplit(['_', '-', '.'])
        .next()
        .filter(|t| t.len() >= 8)
        .unwrap_or(value);
    let mut chars = tail.chars();
    match chars.next() {
        Some(first) => tail.len() >= 8 && chars.all(|c| c == first),
        None => false,
    }
}

impl TextRule {
    pub fn scan(&self, path: &str, text: &str, cx: &mut RuleContext) {
        // The engine's shared prefilter has usually run already; this keeps the rule correct on
        // its own and costs one automaton pass over files that passed the shared filter.
        if let Some(ac) = &self.keyword_matcher
            && !ac.is_match(text)
        {
            return;
        }
        for caps in self.regex.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            // Without `secret-group`, the first group that took part in the match holds the
            // secret, so one regex can offer alternatives (`sig=…&sv=…` | `sv=…&sig=…`).
            let secret = match self.secret_group {
                Some(g) => caps.get(g),
                None if caps.len() > 1 => caps.iter().skip(1).flatten().next(),
                None => Some(whole),
            };
            let Some(secret) = secret else { continue };
            let value = secret.as_str();
            if let Some(min) = self.min_entropy
                && entropy(value) < min
            {
                continue;
            }
            if self.secret && is_format_placeholder(value) {
                continue;
            }
            let line_start = text[..whole.start()].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[whole.end()..]
                .find('\n')
                .map_or(text.len(), |i| whole.end() + i);
            let line = &text[line_start..line_end];
            if self
                .allow
                .iter()
                .any(|a| a.is_match(value) || a.is_match(line))
            {
                continue;
            }
            // A match may end in the spaces or line breaks between a value and what follows.
            let span = Span::new(secret.start(), secret.start() + value.trim_end().len());
            let shown = if self.secret {
                redact_secret(value)
            } else {
                value.to_string()
            };
            let message = self.message.replace("{{secret}}", &shown);
            let f = cx.report(path, Some(span), message);
            f.fingerprint_key = blake3::hash(value.as_bytes()).to_hex()[..16].to_string();
            if self.secret {
                f.redact = Some(span);
            }
            if let Some(v) = self.verify {
                if v.verifies(value) {
                    f.verified = true;
                } else {
                    // Right shape, wrong checksum: a made-up or mistyped value more often than
                    // a live credential, but still worth a look.
                    f.confidence = f.confidence.min(Confidence::Medium);
                }
            }
        }
    }
}

impl Rule for TextRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if self.filter.allows(&doc.path) {
            self.scan(&doc.path, &doc.text, cx);
        }
    }

    fn prefilter_keywords(&self) -> Option<&[String]> {
        Some(&self.keywords)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::verify::{base62_6, crc32};
    use crate::document::DocumentKind;
    use crate::finding::Finding;
    use serde_json::Value;

    #[test]
    fn stand_ins_are_not_credentials() {
        assert_eq!(base64_text("dG9rZW4=").as_deref(), Some("token"));
        assert_eq!(base64_text("token"), None);
        for v in [
            "token",
            "dG9rZW4=",
            "guest",
            "YourPingdomApiToken",
            "somepaswword",
        ] {
            assert!(!may_be_credential(v), "{v}");
        }
        assert!(!may_be_credential("mongodb://mongodb:27017"));
        assert!(!may_be_credential(
            "[client]\nuser = exporter\npassword = password\n"
        ));
        // Built at run time so that bylaw's own scan does not see a credential in this file.
        let url = format!("postgres://app:{}@db:5432/app", "Zq8v1pW2x");
        for v in [
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "YXBwdXNlcg==",
            url.as_str(),
            "[client]\npassword = Zq8v1pW2x-prod\n",
            "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(may_be_credential(v), "{v}");
        }
    }

    fn load(file: &str, text: &str) -> Result<Box<dyn Rule>, String> {
        let raw = crate::decl::parse_rule_file(file, text).map_err(|e| e.to_string())?;
        crate::decl::compile(raw, file, None).map_err(|e| e.to_string())
    }

    fn findings(rule: &dyn Rule, text: &str) -> Vec<Finding> {
        let doc = Document::new("deploy.sh", DocumentKind::Shell, text);
        let options = Value::Null;
        let mut cx = RuleContext::new(rule.meta(), &options);
        rule.check(&doc, &mut cx);
        cx.findings
    }

    /// A token in GitHub's format whose checksum holds, built here rather than written out.
    fn valid_token(prefix: &str, random: &str) -> String {
        format!("{prefix}{random}{}", base62_6(crc32(random.as_bytes())))
    }

    #[test]
    fn github_checksum_verifies_or_lowers_confidence() {
        for (file, text, prefix) in [
            (
                "rules/secrets/github-pat.yaml",
                include_str!("../../rules/secrets/github-pat.yaml"),
                "ghp_",
            ),
            (
                "rules/secrets/github-oauth-token.yaml",
                include_str!("../../rules/secrets/github-oauth-token.yaml"),
                "gho_",
            ),
            (
                "rules/secrets/github-app-token.yaml",
                include_str!("../../rules/secrets/github-app-token.yaml"),
                "ghs_",
            ),
            (
                "rules/secrets/github-app-token.yaml",
                include_str!("../../rules/secrets/github-app-token.yaml"),
                "ghu_",
            ),
            (
                "rules/secrets/github-refresh-token.yaml",
                include_str!("../../rules/secrets/github-refresh-token.yaml"),
                "ghr_",
            ),
            (
                "rules/secrets/npm-token.yaml",
                include_str!("../../rules/secrets/npm-token.yaml"),
                "npm_",
            ),
        ] {
            let rule = load(file, text).expect("rule loads");
            let good = valid_token(prefix, "Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGu");
            // The same token with its last checksum character changed.
            let mut bad = good.clone();
            let last = if bad.ends_with('A') { 'B' } else { 'A' };
            bad.pop();
            bad.push(last);

            let f = findings(rule.as_ref(), &format!("export TOKEN={good}\n"));
            assert_eq!(f.len(), 1, "{file}");
            assert!(f[0].verified, "{file}: a valid checksum verifies");
            assert_eq!(f[0].confidence, Confidence::High, "{file}");

            let f = findings(rule.as_ref(), &format!("export TOKEN={bad}\n"));
            assert_eq!(f.len(), 1, "{file}: an invalid checksum is still reported");
            assert!(!f[0].verified, "{file}");
            assert_eq!(f[0].confidence, Confidence::Medium, "{file}");
        }
    }

    #[test]
    fn periodic_bodies_are_placeholders() {
        let rule = load(
            "rules/secrets/github-pat.yaml",
            include_str!("../../rules/secrets/github-pat.yaml"),
        )
        .expect("rule loads");
        for body in [
            "123456789012345678901234567890123456",
            "abcabcabcabcabcabcabcabcabcabcabcabc",
            "AbAbAbAbAbAbAbAbAbAbAbAbAbAbAbAbAbAb",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert!(
                findings(rule.as_ref(), &format!("t=ghp_{body}\n")).is_empty(),
                "{body}"
            );
        }
        assert!(is_periodic("abcdabcd"));
        assert!(!is_periodic("abcdabc"));
        assert!(!is_periodic("Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGu"));
    }

    #[test]
    fn verify_is_validated_on_load() {
        let rule = |extra: &str| {
            format!(
                "id: t/tok\ntitle: t\nseverity: high\ntype: text\napplies-to: [any]\n\
                 description: d\nrationale: w\nremediation: r\nregex: 'tok_[a-z]+'\n{extra}"
            )
        };
        assert!(load("t.yaml", &rule("verify: github-checksum\n")).is_ok());
        let e = load("t.yaml", &rule("verify: luhn\n"))
            .err()
            .expect("unknown verifier");
        assert!(e.contains("field `verify`"), "{e}");
        let e = load(
            "t.yaml",
            "id: t/b\ntitle: t\nseverity: high\ntype: builtin\napplies-to: [any]\n\
             description: d\nrationale: w\nremediation: r\nverify: github-checksum\n",
        )
        .err()
        .expect("verify on a non-text rule");
        assert!(e.contains("field `verify`"), "{e}");
    }
}
