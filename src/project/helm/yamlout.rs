//! `toYaml` and `toJson` as Helm formats them. Helm's `toYaml` is sigs.k8s.io/yaml: the value goes
//! through JSON (so keys are strings, numbers are JSON numbers) and out through go-yaml v2: keys
//! sorted in go-yaml's natural order, 2-space indent, sequences not indented under their key,
//! multi-line strings as literal blocks, strings that would read as another type double-quoted,
//! strings that cannot be plain single-quoted. Charts rely on this layout with `nindent`.
//!
//! Each scalar (and each key line of a nested map or list) of a value read from a values file is
//! a segment mapping back to its node.

use std::cmp::Ordering;

use super::exec::{Out, line_pieces};
use super::value::{MAX_NEST, Seg, V, Val, go_float};

pub fn to_yaml(v: &V) -> Out {
    let mut out = Out::default();
    match &v.val {
        Val::Map(m) if !m.borrow().is_empty() => map(v, &mut out, 0, 0),
        Val::List(l) if !l.is_empty() => list(v, &mut out, 0, 0),
        _ => {
            let mut line = String::new();
            scalar_inline(v, &mut line, 0);
            push(&mut out, &line, v.origin);
            out.text.push('\n');
        }
    }
    out
}

fn push(out: &mut Out, s: &str, origin: Option<u32>) {
    match origin {
        Some(o) => out.push_origin(s, o),
        None => out.text.push_str(s),
    }
}

/// go-yaml v2's key order: letters after non-letters, digit runs compared as numbers.
fn key_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

fn is_block(v: &V) -> bool {
    match &v.val {
        Val::Map(m) => !m.borrow().is_empty(),
        Val::List(l) => !l.is_empty(),
        _ => false,
    }
}

fn map(v: &V, out: &mut Out, ind: usize, depth: usize) {
    let Val::Map(m) = &v.val else { return };
    let mut entries: Vec<(String, V)> = m
        .borrow()
        .iter()
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    entries.sort_by(|a, b| key_cmp(&a.0, &b.0));
    for (k, x) in entries {
        let mut line = " ".repeat(ind);
        scalar_str(&k, &mut line, ind);
        line.push(':');
        entry(&x, line, out, ind, depth, false);
    }
}

fn list(v: &V, out: &mut Out, ind: usize, depth: usize) {
    let Val::List(l) = &v.val else { return };
    for x in l.iter() {
        let line = format!("{}-", " ".repeat(ind));
        entry(x, line, out, ind, depth, true);
    }
}

/// Write one `key:` or `-` entry whose prefix is `line`.
fn entry(x: &V, mut line: String, out: &mut Out, ind: usize, depth: usize, in_list: bool) {
    if depth > MAX_NEST {
        line.push_str(" null\n");
        out.text.push_str(&line);
        return;
    }
    if is_block(x) {
        match (&x.val, in_list) {
            // `- a: 1` (or `- - x`): the first line of the block shares the dash line.
            (Val::Map(_) | Val::List(_), true) => {
                let mut sub = Out::default();
                if matches!(x.val, Val::Map(_)) {
                    map(x, &mut sub, ind + 2, depth + 1);
                } else {
                    list(x, &mut sub, ind + 2, depth + 1);
                }
                let body = &sub.text[ind + 2..];
                let base = out.text.len();
                push(out, &line, x.origin);
                out.text.push(' ');
                let shift = (base + line.len() + 1) as isize - (ind + 2) as isize;
                out.text.push_str(body);
                out.segs.extend(sub.segs.iter().map(|g| Seg {
                    start: (g.start as isize + shift) as usize,
                    end: (g.end as isize + shift) as usize,
                    ..*g
                }));
            }
            (Val::Map(_), false) => {
                push(out, &line, x.origin);
                out.text.push('\n');
                map(x, out, ind + 2, depth + 1);
            }
            _ => {
                // go-yaml v2 does not indent a sequence under its key.
                push(out, &line, x.origin);
                out.text.push('\n');
                list(x, out, ind, depth + 1);
            }
        }
        return;
    }
    line.push(' ');
    scalar_inline(x, &mut line, ind + 2);
    let base = out.text.len();
    out.text.push_str(&line);
    out.text.push('\n');
    if let Some(o) = x.origin {
        // The whole entry maps to the value; a finding on the key line lands on the value.
        for (a, b) in line_pieces(&line) {
            out.segs.push(Seg {
                start: base + a,
                end: base + b,
                origin: o,
                linear: false,
                skip: 0,
            });
        }
    }
}

fn scalar_inline(v: &V, line: &mut String, ind: usize) {
    match &v.val {
        Val::Nil => line.push_str("null"),
        Val::Bool(b) => line.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => line.push_str(&i.to_string()),
        Val::Float(f) => line.push_str(&json_float(*f)),
        Val::Str(s, _) => scalar_str(s, line, ind),
        Val::Map(_) | Val::Files(_) => line.push_str("{}"),
        Val::List(_) | Val::ApiVersions(_) => line.push_str("[]"),
    }
}

/// A float as encoding/json writes it, read back as go-yaml would print it.
fn json_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        go_float(f)
    }
}

/// Would go-yaml v2 (YAML 1.1) read this plain scalar as something other than a string?
fn resolves_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if WORDS.contains(&s) || is_timestamp(s) {
        return true;
    }
    let t = s.replace('_', "");
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if body.is_empty() {
        return false;
    }
    if body.parse::<f64>().is_ok() && !body.contains(['i', 'I', 'n', 'N']) {
        return true;
    }
    if let Some(h) = body.strip_prefix("0x") {
        return !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(b) = body.strip_prefix("0b") {
        return !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1');
    }
    // Sexagesimal (base 60) numbers such as 1:20.
    let parts: Vec<&str> = body.split(':').collect();
    parts.len() > 1
        && parts[0].bytes().all(|c| c.is_ascii_digit())
        && !parts[0].is_empty()
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit()))
}

/// go-yaml v2 reads `2006-1-2` (optionally followed by a time) as a timestamp.
fn is_timestamp(s: &str) -> bool {
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let ok_date = parts.len() == 3
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
        && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()));
    ok_date
        && time.is_none_or(|t| {
            t.split(':').count() == 3 && t.starts_with(|c: char| c.is_ascii_digit())
        })
}

fn printable(c: char) -> bool {
    matches!(c, '\n' | '\u{85}')
        || (' '..='~').contains(&c)
        || (c >= '\u{a0}' && c != '\u{feff}' && c != '\u{fffe}' && c != '\u{ffff}')
}

fn plain_allowed(s: &str) -> bool {
    if s.is_empty() || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    let second = s.chars().nth(1);
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if matches!(first, '-' | '?' | ':') && second.is_none_or(|c| c == ' ' || c == '\t') {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.contains('\n') {
        return false;
    }
    let cs: Vec<char> = s.chars().collect();
    for (i, c) in cs.iter().enumerate() {
        if !printable(*c) {
            return false;
        }
        if *c == ':' && cs.get(i + 1).is_none_or(|n| *n == ' ') {
            return false;
        }
        if *c == '#' && i > 0 && cs[i - 1] == ' ' {
            return false;
        }
    }
    true
}

fn scalar_str(s: &str, line: &mut String, ind: usize) {
    let special = s.chars().any(|c| !printable(c));
    if s.contains('\n') && !special && block_allowed(s) {
        literal(s, line, ind);
    } else if !resolves_non_string(s) && plain_allowed(s) {
        line.push_str(s);
    } else if !special && !s.contains('\n') && !resolves_non_string(s) {
        line.push('\'');
        line.push_str(&s.replace('\'', "''"));
        line.push('\'');
    } else {
        line.push('"');
        for c in s.chars() {
            match c {
                '"' => line.push_str("\\\""),
                '\\' => line.push_str("\\\\"),
                '\n' => line.push_str("\\n"),
                '\t' => line.push_str("\\t"),
                '\r' => line.push_str("\\r"),
                '\0' => line.push_str("\\0"),
                c if !printable(c) => {
                    let n = c as u32;
                    if n <= 0xff {
                        line.push_str(&format!("\\x{n:02X}"));
                    } else if n <= 0xffff {
                        line.push_str(&format!("\\u{n:04X}"));
                    } else {
                        line.push_str(&format!("\\U{n:08X}"));
                    }
                }
                c => line.push(c),
            }
        }
        line.push('"');
    }
}

/// A literal block is refused for text with a space before a line break or at the very end.
fn block_allowed(s: &str) -> bool {
    !s.contains(" \n") && !s.ends_with(' ') && !s.contains("\t\n")
}

fn literal(s: &str, line: &mut String, ind: usize) {
    line.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        line.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => line.push('-'),
        1 => {}
        _ => line.push('+'),
    }
    let body = if trailing == 1 {
        &s[..s.len() - 1]
    } else {
        s.trim_end_matches('\n')
    };
    let pad = " ".repeat(ind);
    for l in body.split('\n') {
        line.push('\n');
        if !l.is_empty() {
            line.push_str(&pad);
            line.push_str(l);
        }
    }
    for _ in 1..trailing {
        line.push('\n');
    }
}

/// encoding/json output of a value (keys sorted bytewise; `<`, `>`, `&` escaped unless raw).
pub fn json(v: &V, out: &mut String, raw: bool, pretty: Option<&str>, depth: usize) {
    if depth > MAX_NEST {
        out.push_str("null");
        return;
    }
    let nl = |out: &mut String, d: usize| {
        if let Some(p) = pretty {
            out.push('\n');
            out.push_str(&p.repeat(d));
        }
    };
    match &v.val {
        Val::Nil => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) => {
            let a = f.abs();
            if a != 0.0 && !(1e-6..1e21).contains(&a) {
                let g = go_float(*f);
                // encoding/json writes e-07 as e-7.
                out.push_str(&g.replace("e-0", "e-").replace("e+0", "e+"));
            } else {
                out.push_str(&format!("{f}"));
            }
        }
        Val::Str(s, _) => json_str(s, out, raw),
        Val::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                json(x, out, raw, pretty, depth + 1);
            }
            if !l.is_empty() {
                nl(out, depth);
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            let m = m.borrow();
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                json_str(k, out, raw);
                out.push(':');
                if pretty.is_some() {
                    out.push(' ');
                }
                json(x, out, raw, pretty, depth + 1);
            }
            if !m.is_empty() {
                nl(out, depth);
            }
            out.push('}');
        }
        Val::Files(_) | Val::ApiVersions(_) => {
            json(&V::from_json(&v.to_json()), out, raw, pretty, depth + 1)
        }
    }
}

fn json_str(s: &str, out: &mut String, raw: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if !raw => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(j: serde_json::Value) -> String {
        to_yaml(&V::from_json(&j)).text
    }

    #[test]
    fn formats_like_sigs_yaml() {
        assert_eq!(
            y(
                serde_json::json!({"b": [1, "x", true], "a": {"z": 1, "y": "multi\nline"}, "e": {}, "l": [], "s": "true", "q": "*.x", "n": ""})
            ),
            // `y` and `n` are booleans to go-yaml v2, so even as keys they are quoted.
            "a:\n  \"y\": |-\n    multi\n    line\n  z: 1\nb:\n- 1\n- x\n- true\ne: {}\nl: []\n\"n\": \"\"\nq: '*.x'\ns: \"true\"\n"
        );
        assert_eq!(
            y(serde_json::json!([{"name": "a", "ports": [{"p": 80}]}, ["x"]])),
            "- name: a\n  ports:\n  - p: 80\n- - x\n"
        );
        assert_eq!(
            y(serde_json::json!({"k": "a: b", "m": "1.5", "t": "line\n"})),
            "k: 'a: b'\nm: \"1.5\"\nt: |\n  line\n"
        );
        assert_eq!(
            y(serde_json::json!({"d": "2020-09-07", "e": "2020-09-07x"})),
            "d: \"2020-09-07\"\ne: 2020-09-07x\n"
        );
    }

    #[test]
    fn key_order_is_natural() {
        let mut k = vec!["a10", "a9", "B", "_x", "a"];
        k.sort_by(|a, b| key_cmp(a, b));
        assert_eq!(k, ["_x", "B", "a", "a9", "a10"]);
    }

    #[test]
    fn json_escapes_html() {
        let mut o = String::new();
        json(
            &V::from_json(&serde_json::json!({"b": "<a&b>", "a": 0.5})),
            &mut o,
            false,
            None,
            0,
        );
        assert_eq!(o, r#"{"a":0.5,"b":"\u003ca\u0026b\u003e"}"#);
    }
}
