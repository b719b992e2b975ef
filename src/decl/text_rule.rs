//! Text rules: a regex over raw text behind a literal keyword prefilter, with an entropy gate and
//! a placeholder allowlist. Matches are secrets by default and are redacted in every output.

use regex::Regex;

use crate::document::{Document, Span};
use crate::finding::redact_secret;
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
/// documented example, a template (`${…}`, `{{…}}`, `<…>`) or a run of one repeated character
/// after its prefix. Words such as "example" inside a well-formed token are not enough: synthetic
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
    };
    // `AIzaSyXXXXXXXX…`: one character makes up nearly the whole value.
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let dominant = counts.values().copied().max().unwrap_or(0);
    repeated_tail || (value.len() >= 12 && dominant * 10 >= value.chars().count() * 8)
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
            let span = Span::new(secret.start(), secret.end());
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
