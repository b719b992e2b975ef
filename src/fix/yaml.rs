//! Edits of YAML block mappings by JSON Pointer, keeping comments and layout.
//!
//! [`set`] makes a node hold a value: it rewrites an existing plain or quoted scalar in place, or
//! inserts the missing keys as new lines after the last entry of the deepest existing mapping,
//! at that mapping's indentation (nested keys one indentation step deeper, the step read from the
//! file). It declines — returns `None` — wherever the result could surprise: flow mappings
//! (`{a: 1}`), anchors, aliases, tags and merged keys on the way, tabs, block scalars, a key
//! whose value is null, or entries that share a line.

use serde_json::Value;

use super::Edit;
use crate::document::{ConfigDoc, Span, pointer_escape};

/// An edit that makes the node at `base` followed by the keys `path` hold `value` (a scalar, or a
/// mapping of them), or `None` when that cannot be done safely. New keys go after the entry of
/// the key `after` when the mapping has it, else after its last entry.
pub fn set(
    text: &str,
    doc: &ConfigDoc,
    base: &str,
    path: &[&str],
    value: &Value,
    after: Option<&str>,
) -> Option<Edit> {
    let mut ptr = base.to_string();
    let mut node = doc.value.pointer(base)?;
    for (i, key) in path.iter().enumerate() {
        let Value::Object(map) = node else {
            return None;
        };
        let child = format!("{ptr}/{}", pointer_escape(key));
        match map.get(*key) {
            Some(v) if i + 1 == path.len() => {
                if v.is_object() || v.is_array() || value.is_object() || v == value {
                    return None;
                }
                clean_path(text, doc, &child)?;
                return replace_scalar(text, doc, &child, value);
            }
            Some(v) => {
                node = v;
                ptr = child;
            }
            None => {
                clean_path(text, doc, &ptr)?;
                return insert(text, doc, &ptr, &path[i..], value, after);
            }
        }
    }
    None
}

/// The start of the line holding `off`.
fn line_start(text: &str, off: usize) -> usize {
    text[..off].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `off`, before its `\n` or `\r\n`.
fn line_end(text: &str, off: usize) -> usize {
    let end = text[off..].find('\n').map_or(text.len(), |i| off + i);
    if end > off && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The value's text after a key: what follows `key:` on the key's line.
fn after_key(text: &str, key: Span) -> &str {
    let rest = &text[key.end..line_end(text, key.end)];
    rest.trim_start_matches([' ', '"', '\''])
        .strip_prefix(':')
        .unwrap_or("")
        .trim_start_matches(' ')
}

/// Every node from the document root to `ptr` is plain: no anchor, alias or tag where its value
/// starts, no merged (key-less) entry, sequence items started by `- ` alone. An edit under an
/// anchor would change every alias of it too.
fn clean_path(text: &str, doc: &ConfigDoc, ptr: &str) -> Option<()> {
    let mut p = String::new();
    let tokens: Vec<&str> = if ptr.is_empty() {
        Vec::new()
    } else {
        ptr.split('/').skip(1).collect()
    };
    let mut parent = &doc.value;
    for t in tokens {
        p.push('/');
        p.push_str(t);
        match parent {
            Value::Object(_) => {
                let key = doc.key_spans.get(&p)?.clamp_to(text);
                if after_key(text, key).starts_with(['&', '*', '!']) {
                    return None;
                }
            }
            Value::Array(_) => {
                let item = doc.spans.get(&p)?.clamp_to(text);
                let lead = &text[line_start(text, item.start)..item.start];
                if !lead.chars().all(|c| c == ' ' || c == '-')
                    || text[item.start..].starts_with(['&', '*', '!'])
                {
                    return None;
                }
            }
            _ => return None,
        }
        parent = doc.value.pointer(&p)?;
    }
    Some(())
}

/// One entry of a block mapping: its key, key span and entry span.
struct Entry {
    name: String,
    key: Span,
    entry: Span,
}

/// Where an entry's content ends: a node that is a mapping or sequence runs on to the next
/// token, over blank lines and comment lines; those at or left of the mapping's column `col` are
/// about what follows, so they are left out. (A block scalar's lines are indented past `col`.)
fn content_end(text: &str, start: usize, mut end: usize, col: usize) -> usize {
    loop {
        let ls = line_start(text, end);
        if ls <= start {
            return end;
        }
        let line = &text[ls..end];
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let body = body.trim_end();
        if !(body.is_empty() || (body.starts_with('#') && indent <= col)) {
            return end;
        }
        end = ls - 1;
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
    }
}

/// The entries of the block mapping at `ptr`, in text order, and the column of its keys; `None`
/// unless it is a block mapping whose every entry starts a line of its own at that column.
fn block_mapping(text: &str, doc: &ConfigDoc, ptr: &str) -> Option<(usize, Vec<Entry>)> {
    let Value::Object(map) = doc.value.pointer(ptr)? else {
        return None;
    };
    let mut entries = Vec::new();
    for k in map.keys() {
        let child = format!("{ptr}/{}", pointer_escape(k));
        entries.push(Entry {
            name: k.clone(),
            key: doc.key_spans.get(&child)?.clamp_to(text),
            entry: doc.spans.get(&child)?.clamp_to(text),
        });
    }
    entries.sort_by_key(|e| e.key.start);
    let first = entries.first()?;
    let col = first.key.start - line_start(text, first.key.start);
    for e in &mut entries {
        e.entry.end = content_end(text, e.key.start, e.entry.end, col);
    }
    for (i, e) in entries.iter().enumerate() {
        let lead = &text[line_start(text, e.key.start)..e.key.start];
        // The first key of a sequence item follows its `- `; every other key starts its line.
        let plain = lead.chars().all(|c| c == ' ')
            || (i == 0 && lead.chars().all(|c| c == ' ' || c == '-'));
        let tail = text[e.entry.end..line_end(text, e.entry.end)].trim_start_matches(' ');
        if lead.len() != col || !plain || !(tail.is_empty() || tail.starts_with('#')) {
            return None;
        }
    }
    Some((col, entries))
}

/// The file's indentation step near `ptr` (whose keys sit at `col`): the distance from a mapping's
/// keys to those of a mapping in it, or from the nearest keyed mapping above to its keys; 2 when
/// the file shows none.
fn indent_step(text: &str, doc: &ConfigDoc, ptr: &str, col: usize) -> usize {
    let near =
        |inner: usize, outer: usize| (inner > outer && inner - outer <= 8).then(|| inner - outer);
    if let Some(Value::Object(m)) = doc.value.pointer(ptr) {
        for k in m.keys().take(16) {
            let child = format!("{ptr}/{}", pointer_escape(k));
            if let Some(step) = block_mapping(text, doc, &child).and_then(|(c, _)| near(c, col)) {
                return step;
            }
        }
    }
    let mut p = ptr.to_string();
    loop {
        if let Some(k) = doc.key_spans.get(&p)
            && let Some((c, _)) = block_mapping(text, doc, &p)
        {
            let k = k.clamp_to(text);
            if let Some(step) = near(c, k.start - line_start(text, k.start)) {
                return step;
            }
        }
        match p.rfind('/') {
            Some(i) => p.truncate(i),
            None => return 2,
        }
    }
}

/// A key as YAML writes it plainly, or quoted where it must be.
fn render_key(k: &str) -> String {
    let plain = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if plain {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

/// A scalar as YAML reads it back as the same value; `None` for null and collections.
fn render_scalar(v: &Value) -> Option<String> {
    match v {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => {
            let reserved = matches!(
                s.to_ascii_lowercase().as_str(),
                "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ""
            );
            let plain = !reserved
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
            Some(if plain {
                s.clone()
            } else {
                Value::String(s.clone()).to_string()
            })
        }
        _ => None,
    }
}

/// `key: value` lines at `indent` (mappings nested `step` deeper).
fn render(
    keys: &[&str],
    value: &Value,
    indent: usize,
    step: usize,
    out: &mut Vec<String>,
) -> Option<()> {
    let pad = " ".repeat(indent);
    match keys {
        [] => None,
        [k] => match value {
            Value::Object(m) if !m.is_empty() => {
                out.push(format!("{pad}{}:", render_key(k)));
                for (ck, cv) in m {
                    render(&[ck.as_str()], cv, indent + step, step, out)?;
                }
                Some(())
            }
            v => {
                out.push(format!("{pad}{}: {}", render_key(k), render_scalar(v)?));
                Some(())
            }
        },
        [k, rest @ ..] => {
            out.push(format!("{pad}{}:", render_key(k)));
            render(rest, value, indent + step, step, out)
        }
    }
}

fn insert(
    text: &str,
    doc: &ConfigDoc,
    ptr: &str,
    keys: &[&str],
    value: &Value,
    after: Option<&str>,
) -> Option<Edit> {
    let (col, entries) = block_mapping(text, doc, ptr)?;
    let step = indent_step(text, doc, ptr, col);
    let mut lines = Vec::new();
    render(keys, value, col, step, &mut lines)?;
    let anchor = after
        .and_then(|a| entries.iter().find(|e| e.name == a).map(|e| e.entry.end))
        .or_else(|| entries.iter().map(|e| e.entry.end).max())?;
    // A block scalar or a multi-line entry ends on a later line; the insertion follows it.
    let at = line_end(text, anchor);
    Some(Edit::insert(at, format!("\n{}", lines.join("\n"))))
}

fn replace_scalar(text: &str, doc: &ConfigDoc, ptr: &str, value: &Value) -> Option<Edit> {
    let key = doc.key_spans.get(ptr)?.clamp_to(text);
    let entry = doc.spans.get(ptr)?.clamp_to(text);
    let region = &text[key.end..entry.end];
    let colon = region.find(':')?;
    let body = &region[colon + 1..];
    let lead = body.len() - body.trim_start_matches(' ').len();
    let start = key.end + colon + 1 + lead;
    let old = &text[start..entry.end];
    if lead == 0
        || old.is_empty()
        || old.contains('\n')
        || old.starts_with(['&', '*', '!', '|', '>', '{', '['])
    {
        return None;
    }
    // A quoted scalar's node can run on over a comment after it: end at the closing quote.
    let len = scalar_len(old)?;
    let rest = old[len..].trim_start_matches(' ');
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some(Edit::new(
        Span::new(start, start + len),
        render_scalar(value)?,
    ))
}

/// The length of the one-line scalar at the start of `s`: through its closing quote, or a plain
/// scalar up to a ` #` comment.
fn scalar_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'\'' => {
            let mut i = 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some(i + 1);
                }
                i += 1;
            }
            None
        }
        b'"' => {
            let mut i = 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        _ => Some(s.find(" #").unwrap_or(s.len()).min(s.trim_end().len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{DocumentKind, yaml::parse};
    use serde_json::json;

    fn apply(text: &str, base: &str, path: &[&str], value: Value) -> Option<String> {
        let docs = parse(text, DocumentKind::Yaml).expect("valid YAML");
        let e = set(text, &docs[0], base, path, &value, None)?;
        let fix = super::super::Fix::one("t", e);
        let (out, _) = super::super::apply(text, &[&fix]);
        // The result parses, holds the value, and nothing else changed.
        let back = parse(&out, DocumentKind::Yaml).expect("fixed YAML parses");
        let mut want = docs[0].value.clone();
        let mut node = want.pointer_mut(base).expect("base exists");
        for k in &path[..path.len() - 1] {
            node = node
                .as_object_mut()
                .expect("mapping")
                .entry(k.to_string())
                .or_insert_with(|| json!({}));
        }
        node.as_object_mut()
            .expect("mapping")
            .insert(path[path.len() - 1].to_string(), value);
        assert_eq!(back[0].value, want, "{out}");
        Some(out)
    }

    #[test]
    fn inserts_at_the_mapping_indentation_with_the_file_step() {
        // Items indented past their dash: the step comes from `spec:` → `containers:`.
        let text = "spec:\n  containers:\n    - name: a # the app\n      image: x\n    - name: b\n";
        let out = apply(
            text,
            "/spec/containers/0",
            &["securityContext", "allowPrivilegeEscalation"],
            json!(false),
        )
        .expect("block mapping");
        assert_eq!(
            out,
            "spec:\n  containers:\n    - name: a # the app\n      image: x\n      securityContext:\n        allowPrivilegeEscalation: false\n    - name: b\n"
        );
    }

    #[test]
    fn comments_about_what_follows_stay_with_it() {
        let text =
            "items:\n  - name: a\n    env:\n      X: 1\n    # b runs the proxy\n  - name: b\n";
        let out = apply(text, "/items/0", &["ro"], json!(true)).expect("block mapping");
        assert_eq!(
            out,
            "items:\n  - name: a\n    env:\n      X: 1\n    ro: true\n    # b runs the proxy\n  - name: b\n"
        );
        // Lines of a block scalar are content, even when they look like comments.
        let script = "steps:\n  - run: |\n      make\n      # done\n";
        let out = apply(script, "/steps/0", &["shell"], json!("bash")).expect("block mapping");
        assert_eq!(
            out,
            "steps:\n  - run: |\n      make\n      # done\n    shell: bash\n"
        );
    }

    #[test]
    fn replaces_a_scalar_in_place_keeping_its_comment() {
        let text = "a:\n  privileged: true   # why\n  b: 1\n";
        let out = apply(text, "/a", &["privileged"], json!(false)).expect("plain scalar");
        assert_eq!(out, "a:\n  privileged: false   # why\n  b: 1\n");
        let quoted = "a: {x: 1}\nb:\n  c: 'it''s' # note\n  d: \"a\\\"b\"  # x\n";
        assert_eq!(
            apply(quoted, "/b", &["c"], json!("no")).as_deref(),
            Some("a: {x: 1}\nb:\n  c: \"no\" # note\n  d: \"a\\\"b\"  # x\n")
        );
        assert_eq!(
            apply(quoted, "/b", &["d"], json!(1)).as_deref(),
            Some("a: {x: 1}\nb:\n  c: 'it''s' # note\n  d: 1  # x\n")
        );
    }

    #[test]
    fn declines_what_it_cannot_edit_safely() {
        let cases = [
            ("a: {b: 1}\n", "/a", vec!["c"]),
            ("a: {\n  b: 1,\n  c: 2 }\n", "/a", vec!["d"]),
            ("a: &x\n  b: 1\nc: *x\n", "/a", vec!["d"]),
            ("base: &b\n  x: 1\nc:\n  <<: *b\n  y: 2\n", "/c", vec!["z"]),
            ("a:\n  b: |\n    text\n", "/a", vec!["b"]),
            ("a:\n  b:\n", "/a", vec!["b", "c"]),
            ("a:\n  b: !!str 1\n", "/a", vec!["b"]),
            ("a:\n  b: 1\n  c: 2\n", "/a", vec!["b", "x"]),
        ];
        for (text, base, path) in cases {
            assert!(apply(text, base, &path, json!(true)).is_none(), "{text}");
        }
    }

    #[test]
    fn root_insertions_go_after_a_named_key() {
        let text = "on: push\n\njobs:\n  t:\n    runs-on: x\n";
        let docs = parse(text, DocumentKind::Yaml).expect("valid YAML");
        let e = set(
            text,
            &docs[0],
            "",
            &["permissions"],
            &json!({"contents": "read"}),
            Some("on"),
        )
        .expect("root is a block mapping");
        let (out, _) = super::super::apply(text, &[&super::super::Fix::one("t", e)]);
        assert_eq!(
            out,
            "on: push\npermissions:\n  contents: read\n\njobs:\n  t:\n    runs-on: x\n"
        );
    }
}
