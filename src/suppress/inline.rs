//! Inline suppression directives, one grammar in every comment syntax:
//!
//! `bylaw: ignore[k8s/privileged-container, docker/root-user] until=2027-03-31 reason="GPU driver needs host access"`
//!
//! One or more rule ids; `until=` and `reason=` optional, in either order. A directive covers its
//! own line (trailing comment) or the next code line (comment on a line of its own); in YAML it
//! also covers the whole mapping or list item that starts on that line. Kubernetes objects may
//! carry the same text in the annotation `bylaw.dev/ignore`, covering the whole object.

use crate::document::{Document, DocumentKind, LineCol, Span};

/// A parsed directive and the lines it covers (1-based, inclusive).
#[derive(Debug, Clone)]
pub struct Directive {
    pub path: String,
    pub span: Span,
    pub start: LineCol,
    pub rules: Vec<String>,
    pub until: Option<String>,
    pub reason: Option<String>,
    pub first_line: usize,
    pub last_line: usize,
    /// `comment` or `annotation`.
    pub origin: &'static str,
    /// Why the directive could not be read, when it could not.
    pub error: Option<String>,
}

/// Rule ids, `until` and `reason` of one directive.
pub type Parsed = (Vec<String>, Option<String>, Option<String>);

impl Directive {
    /// Fill ids, expiry and reason from the text after `bylaw:`, or record why it is unreadable.
    fn read_body(&mut self, body: &str) {
        match parse_body(body) {
            Ok((rules, until, reason)) => {
                self.rules = rules;
                self.until = until;
                self.reason = reason;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// The text after `bylaw:`: `ignore[ids] until=… reason="…"`.
pub fn parse_body(body: &str) -> Result<Parsed, String> {
    let body = body.trim_start();
    let Some(rest) = body.strip_prefix("ignore[") else {
        return Err("expected `ignore[rule-id, …]` after `bylaw:`".into());
    };
    let Some(close) = rest.find(']') else {
        return Err("missing `]` after the rule ids".into());
    };
    let rules: Vec<String> = rest[..close]
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if rules.is_empty() {
        return Err(
            "name at least one rule id: `ignore[pack/rule-id]` (ignore-all is not allowed)".into(),
        );
    }
    let mut until = None;
    let mut reason = None;
    let mut tail = rest[close + 1..].trim_start();
    while !tail.is_empty() {
        if let Some(r) = tail.strip_prefix("until=") {
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            let date = &r[..end];
            if !crate::config::load::valid_date(date) {
                return Err(format!(
                    "`until={date}` is not a date; write until=YYYY-MM-DD"
                ));
            }
            until = Some(date.to_string());
            tail = r[end..].trim_start();
        } else if let Some(r) = tail.strip_prefix("reason=") {
            let quote = r.chars().next().filter(|c| *c == '"' || *c == '\'');
            match quote {
                Some(q) => {
                    let inner = &r[1..];
                    let Some(end) = inner.find(q) else {
                        return Err("unterminated `reason=\"…\"`".into());
                    };
                    reason = Some(inner[..end].to_string());
                    tail = inner[end + 1..].trim_start();
                }
                None => {
                    let end = r.find(char::is_whitespace).unwrap_or(r.len());
                    reason = Some(r[..end].to_string());
                    tail = r[end..].trim_start();
                }
            }
        } else {
            // Trailing text (a closing `*/`, `-->`, or prose) ends the directive.
            break;
        }
    }
    if reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
        reason = None;
    }
    Ok((rules, until, reason))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

fn is_comment_or_blank(line: &str, leaders: &[&str]) -> bool {
    let t = line.trim_start();
    t.is_empty() || leaders.iter().any(|l| t.starts_with(l))
}

/// Every directive in a document's comments (and Kubernetes annotations).
pub fn collect(doc: &Document) -> Vec<Directive> {
    let text: &str = &doc.text;
    let mut out = Vec::new();
    if !text.contains("bylaw:") && !text.contains("bylaw.dev/ignore") {
        return out;
    }
    let leaders = doc.kind.comment_leaders();
    let leaders: &[&str] = if leaders.is_empty() {
        &["#", "//", "/*", "--"]
    } else {
        leaders
    };
    let lines = doc.lines();
    let all: Vec<&str> = (0..lines.line_count())
        .map(|i| lines.line_text(text, i))
        .collect();
    let in_scalar = if doc.kind.is_yaml() {
        yaml_block_scalar_lines(&all)
    } else {
        Vec::new()
    };
    // The first code line at or after each line, and the end of each YAML block: found once
    // for the file, not once per directive (a file may hold thousands).
    let mut next_code = vec![None; all.len() + 1];
    for j in (0..all.len()).rev() {
        next_code[j] = if is_comment_or_blank(all[j], leaders) {
            next_code[j + 1]
        } else {
            Some(j)
        };
    }
    let mut block_ends: Option<Vec<usize>> = None;
    for (i, line) in all.iter().enumerate() {
        let Some(pos) = line.find("bylaw:") else {
            continue;
        };
        // A `#` inside a YAML block scalar is text, not a comment (rule docs quoting examples).
        if in_scalar.get(i).copied().unwrap_or(false) {
            continue;
        }
        let before = &line[..pos];
        // The directive opens its comment: `# bylaw: …`, `// bylaw: …`, `/* bylaw: … */`. Doc
        // comments (`///`, `//!`) and prose that mentions bylaw are not directives.
        let Some(lead_at) = leaders
            .iter()
            .filter_map(|l| before.rfind(l).map(|at| (at, l.len())))
            .filter(|(at, len)| before[at + len..].trim().is_empty())
            .map(|(at, _)| at)
            .min()
        else {
            continue;
        };
        if !looks_like_directive(&line[pos + "bylaw:".len()..]) {
            continue;
        }
        let own_line = before[..lead_at].trim().is_empty();
        let line_start = lines.line_start(i);
        let start_off = line_start + pos;
        let body = &line[pos + "bylaw:".len()..];
        let mut d = Directive {
            path: doc.path.clone(),
            span: Span::new(start_off, line_start + line.len()),
            start: doc.line_col(start_off),
            rules: Vec::new(),
            until: None,
            reason: None,
            first_line: i + 1,
            last_line: i + 1,
            origin: "comment",
            error: None,
        };
        d.read_body(body);
        // Which line does it cover?
        let target = if own_line {
            next_code.get(i + 1).copied().flatten()
        } else {
            Some(i)
        };
        if let Some(t) = target {
            d.first_line = if own_line { i + 1 } else { t + 1 };
            d.last_line = t + 1;
            if doc.kind.is_yaml() {
                let tl = all[t];
                let trimmed = tl.trim_start();
                // A mapping key with a block value, or a list item: cover the nested block.
                let code = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
                if code.ends_with(':')
                    || trimmed.starts_with("- ")
                    || code.ends_with("|")
                    || code.ends_with(">")
                {
                    let ends = block_ends.get_or_insert_with(|| yaml_block_ends(&all));
                    d.last_line = ends.get(t).copied().unwrap_or(t) + 1;
                }
            }
        }
        out.push(d);
    }
    if doc.kind == DocumentKind::Kubernetes {
        out.extend(annotations(doc));
    }
    out
}

/// Whether the text after `bylaw:` is meant as a directive (well-formed or not), rather than
/// prose such as `bylaw: a linter`.
fn looks_like_directive(body: &str) -> bool {
    let word: String = body
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        word.as_str(),
        "ignore" | "disable" | "noqa" | "nolint" | "skip" | "allow" | "suppress"
    ) || body.trim_start().starts_with('[')
}

/// For each line, the last line of the block it opens: the last non-blank line before the next
/// non-blank one indented no deeper (the line itself when nothing below is deeper; blank lines
/// open nothing). One pass from the end, keeping the lines not yet closed by a shallower one on
/// a stack.
fn yaml_block_ends(all: &[&str]) -> Vec<usize> {
    let blank = |l: &str| l.trim().is_empty();
    let mut last_non_blank = vec![0; all.len()];
    let mut seen = 0;
    for (j, l) in all.iter().enumerate() {
        if !blank(l) {
            seen = j;
        }
        last_non_blank[j] = seen;
    }
    let mut ends = vec![0; all.len()];
    // Non-blank lines below, by (line, indent), indents strictly increasing towards the top.
    let mut below: Vec<(usize, usize)> = Vec::new();
    for t in (0..all.len()).rev() {
        if blank(all[t]) {
            ends[t] = t;
            continue;
        }
        let base = indent(all[t]);
        while below.last().is_some_and(|&(_, ind)| ind > base) {
            below.pop();
        }
        let stop = below.last().map_or(all.len(), |&(j, _)| j);
        ends[t] = last_non_blank.get(stop - 1).copied().unwrap_or(t).max(t);
        below.push((t, base));
    }
    ends
}

/// Lines that are the content of a YAML block scalar (`key: |`, `- >-`), by indentation.
fn yaml_block_scalar_lines(all: &[&str]) -> Vec<bool> {
    let mut out = vec![false; all.len()];
    let mut i = 0;
    while i < all.len() {
        let line = all[i];
        let code = line.split(" #").next().unwrap_or(line).trim_end();
        let header = code
            .rsplit_once([' ', ':'])
            .map_or(code, |(_, last)| last)
            .trim_start_matches(['-', ' ']);
        let opens = !line.trim_start().starts_with('#')
            && (header.starts_with('|') || header.starts_with('>'))
            && header[1..]
                .chars()
                .all(|c| c == '-' || c == '+' || c.is_ascii_digit());
        if !opens {
            i += 1;
            continue;
        }
        let base = indent(line);
        let mut j = i + 1;
        while j < all.len() && (all[j].trim().is_empty() || indent(all[j]) > base) {
            out[j] = true;
            j += 1;
        }
        i = j;
    }
    out
}

fn annotations(doc: &Document) -> Vec<Directive> {
    let mut out = Vec::new();
    let Ok(docs) = doc.config() else { return out };
    for cd in docs {
        let Some(v) = cd
            .value
            .pointer("/metadata/annotations/bylaw.dev~1ignore")
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        let ptr = "/metadata/annotations/bylaw.dev~1ignore";
        let span = cd.span_for(ptr);
        let whole = cd.span.clamp_to(&doc.text);
        let body = v.trim().strip_prefix("bylaw:").unwrap_or(v.trim());
        let mut d = Directive {
            path: doc.path.clone(),
            span,
            start: doc.line_col(span.start),
            rules: Vec::new(),
            until: None,
            reason: None,
            first_line: doc.line_col(whole.start).line,
            last_line: doc.line_col(whole.end).line,
            origin: "annotation",
            error: None,
        };
        d.read_body(body);
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grammar() {
        let (r, u, why) =
            parse_body(" ignore[k8s/a, docker/b] until=2027-03-31 reason=\"GPU driver\"").unwrap();
        assert_eq!(r, vec!["k8s/a", "docker/b"]);
        assert_eq!(u.as_deref(), Some("2027-03-31"));
        assert_eq!(why.as_deref(), Some("GPU driver"));
        let (_, u, why) = parse_body("ignore[x/y] reason='a b' until=2027-01-02 */").unwrap();
        assert_eq!(
            (u.as_deref(), why.as_deref()),
            (Some("2027-01-02"), Some("a b"))
        );
        assert!(parse_body("ignore[]").is_err());
        assert!(parse_body("ignore[x/y] until=tomorrow").is_err());
        assert!(parse_body("disable x").is_err());
    }

    #[test]
    fn yaml_block_coverage() {
        let text = "spec:\n  # bylaw: ignore[k8s/x] reason=\"r\"\n  securityContext:\n    privileged: true\n  other: 1\n";
        let doc = Document::new("a.yaml", DocumentKind::Kubernetes, text);
        let d = collect(&doc);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].first_line, d[0].last_line), (2, 4));
    }

    #[test]
    fn only_directives_that_open_a_comment() {
        let text = "//! bylaw: a linter\n/// # bylaw: ignore[k8s/x]\nlet a = 1; // see bylaw: docs\n// bylaw: ignore[k8s/x]\nlet b = 2;\n// bylaw: ignore k8s/x\n";
        let doc = Document::new("a.rs", DocumentKind::Rust, text);
        let d = collect(&doc);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].rules, vec!["k8s/x"]);
        assert!(d[1].error.is_some());
    }

    #[test]
    fn yaml_block_scalars_hold_no_comments() {
        let text = "examples:\n  bad: |\n    # bylaw: ignore[k8s/x]\n    privileged: true\n# bylaw: ignore[k8s/y]\nkey: 1\n";
        let doc = Document::new("r.yaml", DocumentKind::Yaml, text);
        let d = collect(&doc);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rules, vec!["k8s/y"]);
    }

    /// A block's end as found before, by walking down from the line.
    fn block_end_walking(all: &[&str], t: usize) -> usize {
        let base = indent(all[t]);
        let mut end = t;
        for (j, l) in all.iter().enumerate().skip(t + 1) {
            if l.trim().is_empty() {
                continue;
            }
            if indent(l) > base {
                end = j;
            } else {
                break;
            }
        }
        end
    }

    proptest! {
        #[test]
        fn block_ends_in_one_pass(lines in proptest::collection::vec("[ \t]{0,4}[a-z#]?", 0..40)) {
            let all: Vec<&str> = lines.iter().map(String::as_str).collect();
            let ends = yaml_block_ends(&all);
            for (t, line) in all.iter().enumerate() {
                if !line.trim().is_empty() {
                    prop_assert_eq!(ends[t], block_end_walking(&all, t), "line {}", t);
                }
            }
        }

        #[test]
        fn never_panics(s in "(?s).{0,120}") {
            let _ = parse_body(&s);
            let doc = Document::new("x.py", DocumentKind::Python, format!("# bylaw: {s}\nx = 1\n"));
            let _ = collect(&doc);
        }

        #[test]
        fn round_trips(ids in proptest::collection::vec("[a-z]{1,8}/[a-z][a-z-]{0,12}", 1..4),
                       reason in "[A-Za-z0-9 ,.]{1,30}", day in 1u32..29) {
            let date = format!("2027-02-{day:02}");
            let text = format!("ignore[{}] reason=\"{reason}\" until={date}", ids.join(", "));
            let (r, u, why) = parse_body(&text).unwrap();
            prop_assert_eq!(r, ids);
            prop_assert_eq!(u, Some(date));
            prop_assert_eq!(why.map(|w| w.trim().to_string()), Some(reason.trim().to_string()).filter(|s| !s.is_empty()));
        }
    }
}
