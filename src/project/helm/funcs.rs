//! The Go template builtins and the Sprig/Helm functions charts use. Pure functions of their
//! arguments; the ones that need the engine (`include`, `tpl`, `required`, `fail`, `lookup`) are
//! in `exec`. Functions that would make output differ between runs (`randAlphaNum`, `now`,
//! `uuidv4`, certificate generators) return fixed values, so a scan is deterministic.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::value::{MAX_NEST, Map, Seg, V, Val, go_float};
use super::yamlout;

/// Longest list `until`/`untilStep`/`range N`/`repeat` may build.
pub const MAX_LIST: usize = 100_000;
/// Widest `printf` padding and deepest `indent` honoured (real charts use two digits).
const MAX_WIDTH: usize = 10_000;

type R = Result<V, String>;

fn argn(name: &str, args: &[V], want: usize) -> Result<(), String> {
    if args.len() != want {
        return Err(format!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        ));
    }
    Ok(())
}

fn s(v: &V) -> String {
    match &v.val {
        Val::Str(s, _) => s.to_string(),
        Val::Nil => String::new(),
        _ => v.sprint(),
    }
}

/// Sprig's `toString`/strval: nil is `<nil>`.
fn strval(v: &V) -> String {
    match &v.val {
        Val::Nil => "<nil>".into(),
        _ => s(v),
    }
}

/// Keep where a derived scalar came from: the origin of the input it was computed from.
fn from(mut out: V, input: &V) -> V {
    if out.origin.is_none() {
        out.origin = input.origin;
    }
    out
}

/// Sprig `empty`.
pub fn empty(v: &V) -> bool {
    !v.truthy()
}

fn list_of(v: &V) -> Result<Rc<Vec<V>>, String> {
    match &v.val {
        Val::List(l) => Ok(l.clone()),
        Val::Nil => Ok(Rc::new(Vec::new())),
        _ => Err(format!("cannot use {} as a list", v.type_name())),
    }
}

fn map_of(v: &V) -> Result<Map, String> {
    match &v.val {
        Val::Map(m) => Ok(m.clone()),
        Val::Nil => Ok(Map::default()),
        _ => Err(format!("cannot use {} as a map", v.type_name())),
    }
}

/// Shift a string's segments after slicing `[from, to)` out of it and prefixing `prefix` bytes.
fn slice_segs(segs: &[Seg], from: usize, to: usize, prefix: usize) -> Vec<Seg> {
    segs.iter()
        .filter(|g| g.end > from && g.start < to)
        .map(|g| {
            let a = g.start.max(from);
            let b = g.end.min(to);
            Seg {
                start: a - from + prefix,
                end: b - from + prefix,
                skip: if g.linear {
                    g.skip + (a - g.start)
                } else {
                    g.skip
                },
                ..*g
            }
        })
        .collect()
}

/// Indent every line of `v` by `n` spaces (and prefix a newline for `nindent`), moving segments.
fn indent(v: &V, n: usize, newline: bool) -> V {
    let text = s(v);
    let pad = " ".repeat(n);
    let mut out = String::with_capacity(text.len() + n * 4);
    // Offset shift for each original byte position, recorded at line starts.
    let mut starts: Vec<(usize, usize)> = Vec::new();
    if newline {
        out.push('\n');
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        let orig = offset_of(&text, line);
        starts.push((orig, out.len() - orig));
        out.push_str(line);
    }
    let shift = |p: usize| -> usize {
        let i = starts.partition_point(|(o, _)| *o <= p);
        starts[i.saturating_sub(1)].1
    };
    let mut segs: Vec<Seg> = v
        .segs()
        .iter()
        .map(|g| {
            let d = shift(g.start);
            Seg {
                start: g.start + d,
                end: g.end + d,
                ..*g
            }
        })
        .collect();
    if segs.is_empty()
        && let Some(o) = v.origin
    {
        // A whole value indented: every line of it maps to the value.
        segs = super::exec::line_pieces(&out)
            .into_iter()
            .map(|(a, b)| Seg {
                start: a,
                end: b,
                origin: o,
                linear: false,
                skip: 0,
            })
            .collect();
    }
    V::seg_str(out, segs)
}

/// Byte offset of `part` (a sub-slice) in `whole`.
fn offset_of(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

fn trim_with(v: &V, f: impl Fn(&str) -> &str) -> V {
    let text = s(v);
    let t = f(&text);
    let from_ = offset_of(&text, t);
    let segs = slice_segs(v.segs(), from_, from_ + t.len(), 0);
    from(V::seg_str(t.to_string(), segs), v)
}

fn wrap(v: &V, pre: &str, post: &str, body: String) -> V {
    let segs = slice_segs(v.segs(), 0, usize::MAX, pre.len());
    from(V::seg_str(format!("{pre}{body}{post}"), segs), v)
}

fn cmp_vals(a: &V, b: &V) -> Result<std::cmp::Ordering, String> {
    match (&a.val, &b.val) {
        (Val::Str(x, _), Val::Str(y, _)) => Ok(x.cmp(y)),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x
                .partial_cmp(&y)
                .ok_or_else(|| "incomparable numbers".to_string()),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                a.type_name(),
                b.type_name()
            )),
        },
    }
}

fn num_result(f: f64, ints: bool) -> V {
    if ints {
        V::int(f as i64)
    } else {
        Val::Float(f).into()
    }
}

pub fn call(name: &str, args: Vec<V>) -> R {
    let a = &args;
    let one = |n: &str| -> Result<&V, String> {
        a.last()
            .ok_or_else(|| format!("wrong number of args for {n}: want 1 got 0"))
    };
    match name {
        // --- Go builtins ---
        "eq" => {
            if a.len() < 2 {
                return Err("wrong number of args for eq: want at least 2".into());
            }
            Ok(V::bool(a[1..].iter().any(|x| a[0].equal(x))))
        }
        "ne" => {
            argn(name, a, 2)?;
            Ok(V::bool(!a[0].equal(&a[1])))
        }
        "lt" | "le" | "gt" | "ge" => {
            argn(name, a, 2)?;
            let o = cmp_vals(&a[0], &a[1])?;
            use std::cmp::Ordering::*;
            Ok(V::bool(match name {
                "lt" => o == Less,
                "le" => o != Greater,
                "gt" => o == Greater,
                _ => o != Less,
            }))
        }
        "not" => {
            argn(name, a, 1)?;
            Ok(V::bool(!a[0].truthy()))
        }
        "len" => {
            argn(name, a, 1)?;
            Ok(V::int(match &a[0].val {
                Val::Str(s, _) => s.len(),
                Val::List(l) => l.len(),
                Val::Map(m) => m.borrow().len(),
                Val::Files(f) => f.len(),
                Val::Nil => 0,
                _ => return Err(format!("len of type {}", a[0].type_name())),
            } as i64))
        }
        "index" => {
            let Some((base, keys)) = a.split_first() else {
                return Err("wrong number of args for index".into());
            };
            let mut v = base.clone();
            for k in keys {
                v = match &v.val {
                    Val::Map(m) => m.borrow().get(&s(k)).cloned().unwrap_or_else(V::nil),
                    Val::List(l) => {
                        let i = k.to_i64();
                        l.get(usize::try_from(i).map_err(|_| format!("index out of range: {i}"))?)
                            .cloned()
                            .ok_or_else(|| format!("index out of range: {i}"))?
                    }
                    Val::Nil => return Err("index of untyped nil".into()),
                    _ => return Err(format!("can't index item of type {}", v.type_name())),
                };
            }
            Ok(v)
        }
        "print" => Ok(V::str(a.iter().map(s).collect::<Vec<_>>().join(""))),
        "println" => Ok(V::str(a.iter().map(s).collect::<Vec<_>>().join(" ") + "\n")),
        "printf" => printf(a),
        "html" | "js" | "urlquery" => Ok(V::str(a.iter().map(s).collect::<String>())),
        "slice" => {
            let Some((base, idx)) = a.split_first() else {
                return Err("wrong number of args for slice".into());
            };
            let i = idx.first().map(|x| x.to_i64() as usize).unwrap_or(0);
            match &base.val {
                Val::Str(t, _) => {
                    let j = idx.get(1).map(|x| x.to_i64() as usize).unwrap_or(t.len());
                    t.get(i..j)
                        .map(V::str)
                        .ok_or_else(|| "slice index out of range".into())
                }
                _ => {
                    let l = list_of(base)?;
                    let j = idx.get(1).map(|x| x.to_i64() as usize).unwrap_or(l.len());
                    l.get(i..j)
                        .map(|x| V::list(x.to_vec()))
                        .ok_or_else(|| "slice index out of range".into())
                }
            }
        }
        // --- defaults and flow ---
        "default" => {
            if a.is_empty() || a.len() > 2 {
                return Err("wrong number of args for default".into());
            }
            let given = a.get(1);
            match given {
                Some(g) if !empty(g) => Ok(g.clone()),
                _ => Ok(a[0].clone()),
            }
        }
        "empty" => Ok(V::bool(empty(one(name)?))),
        "coalesce" => Ok(a.iter().find(|x| !empty(x)).cloned().unwrap_or_else(V::nil)),
        "ternary" => {
            argn(name, a, 3)?;
            Ok(if a[2].truthy() {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }
        "all" => Ok(V::bool(a.iter().all(|x| !empty(x)))),
        "any" => Ok(V::bool(a.iter().any(|x| !empty(x)))),
        // --- strings ---
        "quote" => Ok(wrap_many(a, "\"", "\"", |x| go_quote_body(&strval(x)))),
        "squote" => Ok(wrap_many(a, "'", "'", strval)),
        "toString" => {
            let x = one(name)?;
            Ok(match &x.val {
                Val::Str(..) => x.clone(),
                _ => from(V::str(strval(x)), x),
            })
        }
        "trim" => Ok(trim_with(one(name)?, str::trim)),
        "trimSuffix" => {
            argn(name, a, 2)?;
            let suf = s(&a[0]);
            Ok(trim_with(&a[1], |t| {
                t.strip_suffix(suf.as_str()).unwrap_or(t)
            }))
        }
        "trimPrefix" => {
            argn(name, a, 2)?;
            let pre = s(&a[0]);
            Ok(trim_with(&a[1], |t| {
                t.strip_prefix(pre.as_str()).unwrap_or(t)
            }))
        }
        "trimAll" => {
            argn(name, a, 2)?;
            let cut = s(&a[0]);
            Ok(trim_with(&a[1], |t| t.trim_matches(|c| cut.contains(c))))
        }
        "trunc" => {
            argn(name, a, 2)?;
            let n = a[0].to_i64();
            let t = s(&a[1]);
            let len = t.len() as i64;
            let (from_, to) = if n >= 0 {
                (0, n.min(len))
            } else {
                ((len + n).max(0), len)
            };
            let (from_, to) = (floor_char(&t, from_ as usize), floor_char(&t, to as usize));
            let segs = slice_segs(a[1].segs(), from_, to, 0);
            Ok(from(V::seg_str(t[from_..to].to_string(), segs), &a[1]))
        }
        "replace" => {
            argn(name, a, 3)?;
            Ok(from(V::str(s(&a[2]).replace(&s(&a[0]), &s(&a[1]))), &a[2]))
        }
        "lower" => Ok(from(V::str(s(one(name)?).to_lowercase()), one(name)?)),
        "upper" => Ok(from(V::str(s(one(name)?).to_uppercase()), one(name)?)),
        "title" => Ok(from(V::str(title(&s(one(name)?))), one(name)?)),
        "untitle" => {
            let t = s(one(name)?);
            let mut c = t.chars();
            Ok(V::str(match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }))
        }
        "camelcase" => Ok(V::str(
            s(one(name)?)
                .split(['_', '-', ' '])
                .map(title)
                .collect::<String>(),
        )),
        "kebabcase" => Ok(V::str(snake(&s(one(name)?), '-'))),
        "snakecase" => Ok(V::str(snake(&s(one(name)?), '_'))),
        "nospace" => Ok(V::str(s(one(name)?).split_whitespace().collect::<String>())),
        "repeat" => {
            argn(name, a, 2)?;
            let n = a[0].to_i64().max(0) as usize;
            let t = s(&a[1]);
            if n.saturating_mul(t.len()) > MAX_LIST * 64 {
                return Err("repeat: result too large".into());
            }
            Ok(V::str(t.repeat(n)))
        }
        "substr" => {
            argn(name, a, 3)?;
            let t = s(&a[2]);
            let start = a[0].to_i64().max(0) as usize;
            let end = a[1].to_i64();
            let end = if end < 0 {
                t.len()
            } else {
                (end as usize).min(t.len())
            };
            let (st, en) = (floor_char(&t, start.min(end)), floor_char(&t, end));
            Ok(V::str(&t[st..en]))
        }
        "abbrev" => {
            argn(name, a, 2)?;
            let n = a[0].to_i64().max(0) as usize;
            let t = s(&a[1]);
            Ok(V::str(if t.chars().count() <= n || n < 3 {
                t
            } else {
                t.chars().take(n - 3).collect::<String>() + "..."
            }))
        }
        "contains" => {
            argn(name, a, 2)?;
            Ok(V::bool(s(&a[1]).contains(&s(&a[0]))))
        }
        "hasPrefix" => {
            argn(name, a, 2)?;
            Ok(V::bool(s(&a[1]).starts_with(&s(&a[0]))))
        }
        "hasSuffix" => {
            argn(name, a, 2)?;
            Ok(V::bool(s(&a[1]).ends_with(&s(&a[0]))))
        }
        "cat" => Ok(V::str(
            a.iter()
                .filter(|x| !x.is_nil())
                .map(s)
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "indent" => {
            argn(name, a, 2)?;
            Ok(indent(
                &a[1],
                (a[0].to_i64().max(0) as usize).min(MAX_WIDTH),
                false,
            ))
        }
        "nindent" => {
            argn(name, a, 2)?;
            Ok(indent(
                &a[1],
                (a[0].to_i64().max(0) as usize).min(MAX_WIDTH),
                true,
            ))
        }
        "split" => {
            argn(name, a, 2)?;
            let t = s(&a[1]);
            let sep = s(&a[0]);
            let m = t
                .split(sep.as_str())
                .enumerate()
                .map(|(i, p)| (format!("_{i}"), V::str(p)))
                .collect();
            Ok(V::map(m))
        }
        "splitList" => {
            argn(name, a, 2)?;
            let t = s(&a[1]);
            let sep = s(&a[0]);
            Ok(V::list(t.split(sep.as_str()).map(V::str).collect()))
        }
        "splitn" => {
            argn(name, a, 3)?;
            let t = s(&a[2]);
            let sep = s(&a[0]);
            let n = a[1].to_i64().max(0) as usize;
            let m = t
                .splitn(n, sep.as_str())
                .enumerate()
                .map(|(i, p)| (format!("_{i}"), V::str(p)))
                .collect();
            Ok(V::map(m))
        }
        "join" => {
            argn(name, a, 2)?;
            let sep = s(&a[0]);
            let items: Vec<String> = match &a[1].val {
                Val::List(l) => l.iter().map(s).collect(),
                _ => vec![s(&a[1])],
            };
            Ok(V::str(items.join(&sep)))
        }
        "sortAlpha" => {
            let mut l: Vec<String> = list_of(one(name)?)?.iter().map(s).collect();
            l.sort();
            Ok(V::list(l.into_iter().map(V::str).collect()))
        }
        "b64enc" => Ok(from(V::str(b64(s(one(name)?).as_bytes())), one(name)?)),
        "b64dec" => Ok(V::str(
            unb64(&s(one(name)?)).unwrap_or_else(|| "illegal base64 data".into()),
        )),
        "sha256sum" => Ok(V::str(super::sha256::hex(s(one(name)?).as_bytes()))),
        "adler32sum" => {
            let (mut x, mut y) = (1u32, 0u32);
            for b in s(one(name)?).bytes() {
                x = (x + b as u32) % 65521;
                y = (y + x) % 65521;
            }
            Ok(V::str(((y << 16) | x).to_string()))
        }
        "regexMatch" | "mustRegexMatch" => {
            argn(name, a, 2)?;
            let re = regex(&s(&a[0]))?;
            Ok(V::bool(re.is_match(&s(&a[1]))))
        }
        "regexFind" => {
            argn(name, a, 2)?;
            let re = regex(&s(&a[0]))?;
            Ok(V::str(
                re.find(&s(&a[1]))
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            ))
        }
        "regexFindAll" => {
            argn(name, a, 3)?;
            let re = regex(&s(&a[0]))?;
            let t = s(&a[1]);
            let n = a[2].to_i64();
            let it = re.find_iter(&t).map(|m| V::str(m.as_str()));
            Ok(V::list(if n < 0 {
                it.collect()
            } else {
                it.take(n as usize).collect()
            }))
        }
        "regexReplaceAll" | "regexReplaceAllLiteral" => {
            argn(name, a, 3)?;
            let re = regex(&s(&a[0]))?;
            let t = s(&a[1]);
            let rep = s(&a[2]);
            Ok(V::str(if name == "regexReplaceAll" {
                // Go's `$1`/`${1}`/`$name` expansion is the regex crate's syntax too.
                re.replace_all(&t, rep.as_str()).into_owned()
            } else {
                re.replace_all(&t, regex::NoExpand(&rep)).into_owned()
            }))
        }
        "regexSplit" => {
            argn(name, a, 3)?;
            let re = regex(&s(&a[0]))?;
            let t = s(&a[1]);
            Ok(V::list(re.split(&t).map(V::str).collect()))
        }
        // --- conversions ---
        "int" | "int64" | "atoi" => {
            let x = one(name)?;
            Ok(from(V::int(x.to_i64()), x))
        }
        "float64" => {
            let x = one(name)?;
            Ok(from(Val::Float(x.to_f64()).into(), x))
        }
        "toStrings" => Ok(V::list(
            list_of(one(name)?)?
                .iter()
                .map(|x| V::str(strval(x)))
                .collect(),
        )),
        "toDecimal" => Ok(V::int(i64::from_str_radix(&s(one(name)?), 8).unwrap_or(0))),
        // --- math ---
        // Sprig's integer arithmetic: every argument through toInt64.
        "add" => Ok(V::int(
            a.iter().fold(0i64, |acc, x| acc.wrapping_add(x.to_i64())),
        )),
        "mul" => Ok(V::int(
            a.iter().fold(1i64, |acc, x| acc.wrapping_mul(x.to_i64())),
        )),
        "add1" => Ok(V::int(one(name)?.to_i64() + 1)),
        "sub" | "div" | "mod" => {
            argn(name, a, 2)?;
            let (x, y) = (a[0].to_i64(), a[1].to_i64());
            if (name == "div" || name == "mod") && y == 0 {
                return Err(format!("error calling {name}: integer divide by zero"));
            }
            Ok(V::int(match name {
                "sub" => x.wrapping_sub(y),
                "div" => x.wrapping_div(y),
                _ => x.wrapping_rem(y),
            }))
        }
        "max" | "min" => {
            let it = a.iter().map(V::to_i64);
            Ok(V::int(if name == "max" {
                it.max().unwrap_or(0)
            } else {
                it.min().unwrap_or(0)
            }))
        }
        "addf" | "subf" | "mulf" | "divf" => {
            let Some((h, t)) = a.split_first() else {
                return Err(format!("wrong number of args for {name}"));
            };
            let mut r = h.to_f64();
            for x in t {
                let y = x.to_f64();
                r = match name {
                    "addf" => r + y,
                    "subf" => r - y,
                    "mulf" => r * y,
                    _ => r / y,
                };
            }
            Ok(num_result(r, false))
        }
        "floor" => Ok(num_result(one(name)?.to_f64().floor(), false)),
        "ceil" => Ok(num_result(one(name)?.to_f64().ceil(), false)),
        "round" => Ok(num_result(one(name)?.to_f64().round(), false)),
        "until" => {
            let n = one(name)?.to_i64();
            if n > MAX_LIST as i64 {
                return Err(format!("until {n}: more than {MAX_LIST} items"));
            }
            Ok(V::list((0..n.max(0)).map(V::int).collect()))
        }
        "untilStep" => {
            argn(name, a, 3)?;
            let (start, stop, step) = (a[0].to_i64(), a[1].to_i64(), a[2].to_i64());
            let mut out = Vec::new();
            if step != 0 {
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    if out.len() >= MAX_LIST {
                        return Err(format!("untilStep: more than {MAX_LIST} items"));
                    }
                    out.push(V::int(i));
                    i += step;
                }
            }
            Ok(V::list(out))
        }
        "seq" => {
            let nums: Vec<i64> = a.iter().map(V::to_i64).collect();
            let (start, step, end) = match nums.as_slice() {
                [e] => (1, 1, *e),
                [s_, e] => (*s_, if s_ <= e { 1 } else { -1 }, *e),
                [s_, st, e] => (*s_, *st, *e),
                _ => return Err("wrong number of args for seq".into()),
            };
            let mut out = Vec::new();
            let mut i = start;
            while step != 0 && ((step > 0 && i <= end) || (step < 0 && i >= end)) {
                if out.len() >= MAX_LIST {
                    return Err(format!("seq: more than {MAX_LIST} items"));
                }
                out.push(i.to_string());
                i += step;
            }
            Ok(V::str(out.join(" ")))
        }
        // --- lists ---
        "list" | "tuple" => Ok(V::list(a.clone())),
        "first" | "mustFirst" => Ok(list_of(one(name)?)?.first().cloned().unwrap_or_else(V::nil)),
        "last" | "mustLast" => Ok(list_of(one(name)?)?.last().cloned().unwrap_or_else(V::nil)),
        "rest" => Ok(V::list(
            list_of(one(name)?)?.iter().skip(1).cloned().collect(),
        )),
        "initial" => {
            let l = list_of(one(name)?)?;
            Ok(V::list(l[..l.len().saturating_sub(1)].to_vec()))
        }
        "reverse" => Ok(V::list(
            list_of(one(name)?)?.iter().rev().cloned().collect(),
        )),
        "append" | "push" | "mustAppend" | "mustPush" => {
            argn(name, a, 2)?;
            let mut l = list_of(&a[0])?.to_vec();
            l.push(a[1].clone());
            Ok(V::list(l))
        }
        "prepend" | "mustPrepend" => {
            argn(name, a, 2)?;
            let mut l = list_of(&a[0])?.to_vec();
            l.insert(0, a[1].clone());
            Ok(V::list(l))
        }
        "concat" => {
            let mut out = Vec::new();
            for x in a {
                out.extend(list_of(x)?.iter().cloned());
            }
            Ok(V::list(out))
        }
        "uniq" | "mustUniq" => {
            let mut out: Vec<V> = Vec::new();
            for x in list_of(one(name)?)?.iter() {
                if !out.iter().any(|y| y.equal(x)) {
                    out.push(x.clone());
                }
            }
            Ok(V::list(out))
        }
        "compact" | "mustCompact" => Ok(V::list(
            list_of(one(name)?)?
                .iter()
                .filter(|x| !empty(x))
                .cloned()
                .collect(),
        )),
        "without" => {
            let Some((l, drop)) = a.split_first() else {
                return Err("wrong number of args for without".into());
            };
            Ok(V::list(
                list_of(l)?
                    .iter()
                    .filter(|x| !drop.iter().any(|d| d.equal(x)))
                    .cloned()
                    .collect(),
            ))
        }
        "has" => {
            argn(name, a, 2)?;
            Ok(V::bool(list_of(&a[1])?.iter().any(|x| x.equal(&a[0]))))
        }
        // --- dicts ---
        "dict" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                m.insert(
                    strval(&pair[0]),
                    pair.get(1).cloned().unwrap_or_else(|| V::str("")),
                );
            }
            Ok(V::map(m))
        }
        "get" => {
            argn(name, a, 2)?;
            Ok(map_of(&a[0])?
                .borrow()
                .get(&s(&a[1]))
                .cloned()
                .unwrap_or_else(|| V::str("")))
        }
        "hasKey" => {
            argn(name, a, 2)?;
            Ok(V::bool(map_of(&a[0])?.borrow().contains_key(&s(&a[1]))))
        }
        "keys" => {
            let mut out = Vec::new();
            for x in a {
                out.extend(map_of(x)?.borrow().keys().map(|k| V::str(k.as_str())));
            }
            Ok(V::list(out))
        }
        "values" => Ok(V::list(
            map_of(one(name)?)?.borrow().values().cloned().collect(),
        )),
        "pluck" => {
            let Some((k, maps)) = a.split_first() else {
                return Err("wrong number of args for pluck".into());
            };
            let k = s(k);
            Ok(V::list(
                maps.iter()
                    .filter_map(|m| map_of(m).ok()?.borrow().get(&k).cloned())
                    .collect(),
            ))
        }
        "pick" | "omit" => {
            let Some((m, ks)) = a.split_first() else {
                return Err(format!("wrong number of args for {name}"));
            };
            let ks: Vec<String> = ks.iter().map(s).collect();
            let keep = name == "pick";
            Ok(V::map(
                map_of(m)?
                    .borrow()
                    .iter()
                    .filter(|(k, _)| ks.contains(k) == keep)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        }
        "dig" => {
            let [keys @ .., def, m] = a.as_slice() else {
                return Err("wrong number of args for dig".into());
            };
            if keys.is_empty() {
                return Err("wrong number of args for dig".into());
            }
            let mut v = m.clone();
            for k in keys {
                match &v.val {
                    Val::Map(mm) => {
                        let next = mm.borrow().get(&s(k)).cloned();
                        match next {
                            Some(x) => v = x,
                            None => return Ok(def.clone()),
                        }
                    }
                    _ => return Ok(def.clone()),
                }
            }
            Ok(v)
        }
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => {
            let Some((dst, srcs)) = a.split_first() else {
                return Err(format!("wrong number of args for {name}"));
            };
            let overwrite = name.contains("Overwrite");
            let d = map_of(dst)?;
            for src in srcs {
                merge_into(&d, &map_of(src)?, overwrite, 0);
            }
            Ok(V {
                val: Val::Map(d),
                origin: dst.origin,
            })
        }
        // Sprig changes the dict in place and returns it.
        "set" => {
            argn(name, a, 3)?;
            let m = map_of(&a[0])?;
            m.borrow_mut().insert(s(&a[1]), a[2].clone());
            Ok(V {
                val: Val::Map(m),
                origin: a[0].origin,
            })
        }
        "unset" => {
            argn(name, a, 2)?;
            let m = map_of(&a[0])?;
            m.borrow_mut().remove(&s(&a[1]));
            Ok(V {
                val: Val::Map(m),
                origin: a[0].origin,
            })
        }
        "deepCopy" | "mustDeepCopy" => Ok(deep_copy(one(name)?, 0)),
        // --- types ---
        "kindOf" => Ok(V::str(kind_of(one(name)?))),
        "kindIs" => {
            argn(name, a, 2)?;
            Ok(V::bool(s(&a[0]) == kind_of(&a[1])))
        }
        "typeOf" => Ok(V::str(one(name)?.type_name())),
        "typeIs" => {
            argn(name, a, 2)?;
            Ok(V::bool(s(&a[0]) == a[1].type_name()))
        }
        // --- encodings ---
        "toYaml" | "mustToYaml" => {
            let x = one(name)?;
            let o = yamlout::to_yaml(x);
            let text = o.text.strip_suffix('\n').unwrap_or(&o.text).to_string();
            let segs = slice_segs(&o.segs, 0, text.len(), 0);
            Ok(V::seg_str(text, segs))
        }
        "toJson" | "mustToJson" | "toRawJson" | "mustToRawJson" => {
            let mut out = String::new();
            yamlout::json(one(name)?, &mut out, name.contains("Raw"), None, 0);
            Ok(from(V::str(out), one(name)?))
        }
        "toPrettyJson" | "mustToPrettyJson" => {
            let mut out = String::new();
            yamlout::json(one(name)?, &mut out, false, Some("  "), 0);
            Ok(V::str(out))
        }
        "fromYaml" => Ok(from_yaml(&s(one(name)?), false)),
        "fromYamlArray" => Ok(from_yaml(&s(one(name)?), true)),
        "fromJson" | "mustFromJson" => Ok(
            match serde_json::from_str::<serde_json::Value>(&s(one(name)?)) {
                Ok(serde_json::Value::Object(o)) => V::from_json(&serde_json::Value::Object(o)),
                Ok(_) => V::map(BTreeMap::new()),
                Err(e) => V::map(BTreeMap::from([(
                    "Error".to_string(),
                    V::str(e.to_string()),
                )])),
            },
        ),
        "fromJsonArray" => Ok(
            match serde_json::from_str::<serde_json::Value>(&s(one(name)?)) {
                Ok(j @ serde_json::Value::Array(_)) => V::from_json(&j),
                _ => V::list(Vec::new()),
            },
        ),
        // --- versions ---
        "semverCompare" => {
            argn(name, a, 2)?;
            super::semver::compare(&s(&a[0]), &s(&a[1])).map(V::bool)
        }
        "semver" => {
            let v = super::semver::parse(&s(one(name)?)).ok_or("invalid semantic version")?;
            Ok(V::map(BTreeMap::from([
                ("Major".to_string(), V::int(v.0 as i64)),
                ("Minor".to_string(), V::int(v.1 as i64)),
                ("Patch".to_string(), V::int(v.2 as i64)),
            ])))
        }
        // --- deterministic stand-ins for random and clock functions ---
        "randAlphaNum" | "randAlpha" | "randAscii" | "randNumeric" => {
            let n = one(name)?.to_i64().clamp(0, 4096) as usize;
            Ok(V::str("x".repeat(n)))
        }
        "uuidv4" => Ok(V::str("00000000-0000-4000-8000-000000000000")),
        "now" => Ok(V::str("1970-01-01 00:00:00 +0000 UTC")),
        "date" | "dateInZone" | "htmlDate" => Ok(V::str("1970-01-01")),
        "unixEpoch" => Ok(V::str("0")),
        "genCA" | "genSelfSignedCert" | "genSignedCert" | "genPrivateKey" | "buildCustomCert" => {
            let m = BTreeMap::from([
                ("Cert".to_string(), V::str("")),
                ("Key".to_string(), V::str("")),
            ]);
            Ok(if name == "genPrivateKey" {
                V::str("")
            } else {
                V::map(m)
            })
        }
        "env" | "expandenv" => Ok(V::str("")),
        "toToml" => Ok(V::str("")),
        _ => Err(format!("function {name:?} not defined")),
    }
}

fn floor_char(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `quote`/`squote` over several arguments: each wrapped, joined by spaces.
fn wrap_many(a: &[V], pre: &str, post: &str, body: impl Fn(&V) -> String) -> V {
    match a {
        [x] => wrap(x, pre, post, body(x)),
        _ => V::str(
            a.iter()
                .filter(|x| !x.is_nil())
                .map(|x| format!("{pre}{}{post}", body(x)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

/// The inside of Go's `%q` (strconv.Quote without the outer quotes).
pub fn go_quote_body(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn title(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut prev_letter = false;
    for c in t.chars() {
        if !prev_letter {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '\'';
    }
    out
}

fn snake(t: &str, sep: char) -> String {
    let mut out = String::new();
    for (i, c) in t.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 && !out.ends_with(sep) {
                out.push(sep);
            }
            out.extend(c.to_lowercase());
        } else if c == '_' || c == '-' || c == ' ' {
            out.push(sep);
        } else {
            out.push(c);
        }
    }
    out
}

fn kind_of(v: &V) -> &'static str {
    match v.val {
        Val::Nil => "invalid",
        Val::Bool(_) => "bool",
        Val::Int(_) => "int",
        Val::Float(_) => "float64",
        Val::Str(..) => "string",
        Val::List(_) | Val::ApiVersions(_) => "slice",
        Val::Map(_) | Val::Files(_) => "map",
    }
}

fn regex(p: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(p)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regular expression: {e}"))
}

/// Sprig `merge` (dst wins) / `mergeOverwrite` (src wins) of `src` into `dst`, deep on maps.
pub fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_NEST || Rc::ptr_eq(dst, src) {
        return;
    }
    let src = src.borrow().clone();
    for (k, sv) in src {
        let cur = dst.borrow().get(&k).cloned();
        let nv = match cur {
            Some(dv) => match (&dv.val, &sv.val) {
                (Val::Map(dm), Val::Map(sm)) => {
                    merge_into(dm, sm, overwrite, depth + 1);
                    continue;
                }
                _ if overwrite => sv,
                _ if empty(&dv) && !matches!(dv.val, Val::Bool(_)) => sv,
                _ => continue,
            },
            None => sv,
        };
        dst.borrow_mut().insert(k, nv);
    }
}

/// A copy sharing no map with the original.
pub fn deep_copy(v: &V, depth: usize) -> V {
    match &v.val {
        _ if depth > MAX_NEST => V::nil(),
        Val::Map(m) => V {
            val: Val::Map(Rc::new(std::cell::RefCell::new(
                m.borrow()
                    .iter()
                    .map(|(k, x)| (k.clone(), deep_copy(x, depth + 1)))
                    .collect(),
            ))),
            origin: v.origin,
        },
        Val::List(l) => V {
            val: Val::List(Rc::new(l.iter().map(|x| deep_copy(x, depth + 1)).collect())),
            origin: v.origin,
        },
        _ => v.clone(),
    }
}

/// Helm's `fromYaml` is go-yaml v2 unmarshalling, which keeps the last of duplicate keys (charts
/// do render configs with duplicates); our parser refuses them, so retry with serde-saphyr's
/// last-wins policy before giving up.
fn parse_lenient(t: &str) -> Result<serde_json::Value, String> {
    match crate::document::yaml::parse(t, crate::document::DocumentKind::Yaml) {
        Ok(docs) => Ok(docs
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(serde_json::Value::Null)),
        Err(e) => {
            let mut o = serde_saphyr::Options::default();
            o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
            serde_saphyr::from_str_with_options::<serde_json::Value>(t, o).map_err(|_| e.message)
        }
    }
}

fn from_yaml(t: &str, array: bool) -> V {
    match parse_lenient(t) {
        Ok(j) => match (&j, array) {
            (serde_json::Value::Array(_), true) | (serde_json::Value::Object(_), false) => {
                V::from_json(&j)
            }
            (_, true) => V::list(Vec::new()),
            _ => V::map(BTreeMap::new()),
        },
        Err(e) => {
            let m = BTreeMap::from([("Error".to_string(), V::str(e.as_str()))]);
            if array {
                V::list(vec![V::map(m)])
            } else {
                V::map(m)
            }
        }
    }
}

pub fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Sprig's `b64dec` (padding optional, as Go's decoder with padding stripped accepts it).
fn unb64(t: &str) -> Option<String> {
    let unpadded = t.trim_end_matches('=');
    let padded = format!("{unpadded}{}", "=".repeat((4 - unpadded.len() % 4) % 4));
    crate::decl::text_rule::base64_text(&padded)
}

/// Go's `fmt.Sprintf` for the verbs charts use; an argument printed by `%s`/`%v`/`%d` keeps its
/// origin as a segment of the result.
fn printf(a: &[V]) -> R {
    let Some((fmt, args)) = a.split_first() else {
        return Err("wrong number of args for printf".into());
    };
    let fmt = s(fmt);
    let mut out = String::new();
    let mut segs: Vec<Seg> = Vec::new();
    let mut next = 0;
    let mut chars = fmt.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some((_, f)) = chars.peek().copied() {
            if "+-# 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some((_, d)) = chars.peek().copied() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let mut prec: Option<usize> = None;
        if let Some((_, '.')) = chars.peek().copied() {
            chars.next();
            let mut p = String::new();
            while let Some((_, d)) = chars.peek().copied() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            prec = Some(p.parse::<usize>().unwrap_or(0).min(MAX_WIDTH));
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let body = match verb {
            's' | 'v' => {
                let t = match &arg.val {
                    Val::Nil => {
                        if verb == 'v' {
                            "<nil>".to_string()
                        } else {
                            "%!s(<nil>)".to_string()
                        }
                    }
                    _ => arg.sprint(),
                };
                match prec {
                    Some(p) => t.chars().take(p).collect(),
                    None => t,
                }
            }
            'd' => match &arg.val {
                Val::Int(i) => i.to_string(),
                Val::Float(f) => format!("%!d(float64={})", go_float(*f)),
                _ => format!("%!d({}={})", arg.type_name(), arg.sprint()),
            },
            'q' => format!("\"{}\"", go_quote_body(&s(arg))),
            't' => arg.sprint(),
            'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), arg.to_f64()),
            'g' => go_float(arg.to_f64()),
            'x' => match &arg.val {
                Val::Str(t, _) => t.bytes().map(|b| format!("{b:02x}")).collect(),
                _ => format!("{:x}", arg.to_i64()),
            },
            'X' => format!("{:X}", arg.to_i64()),
            'o' => format!("{:o}", arg.to_i64()),
            'c' => char::from_u32(arg.to_i64() as u32)
                .map(String::from)
                .unwrap_or_default(),
            _ => format!("%!{verb}({})", arg.sprint()),
        };
        let w: usize = width.parse::<usize>().unwrap_or(0).min(MAX_WIDTH);
        let pad = w.saturating_sub(body.chars().count());
        let padded = if flags.contains('-') {
            format!("{body}{}", " ".repeat(pad))
        } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'x') {
            format!("{}{body}", "0".repeat(pad))
        } else {
            format!("{}{body}", " ".repeat(pad))
        };
        let base = out.len();
        if matches!(verb, 's' | 'v' | 'd') && pad == 0 && prec.is_none() {
            if let Some(o) = arg.origin {
                if !padded.is_empty() {
                    segs.push(Seg {
                        start: base,
                        end: base + padded.len(),
                        origin: o,
                        linear: false,
                        skip: 0,
                    });
                }
            } else {
                segs.extend(slice_segs(arg.segs(), 0, usize::MAX, base));
            }
        }
        out.push_str(&padded);
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|x| format!("{}={}", x.type_name(), x.sprint()))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    // Keep segments single-line.
    let segs = segs
        .into_iter()
        .flat_map(|g| {
            super::exec::line_pieces(&out[g.start..g.end])
                .into_iter()
                .map(move |(x, y)| Seg {
                    start: g.start + x,
                    end: g.start + y,
                    ..g
                })
        })
        .collect();
    Ok(V::seg_str(out, segs))
}

/// `.Files` methods.
pub fn files_method(files: &Rc<BTreeMap<String, Rc<str>>>, name: &str, args: &[V]) -> R {
    let arg = args.first().map(s).unwrap_or_default();
    match name {
        "Get" | "GetBytes" => Ok(V::str(
            files.get(&arg).cloned().unwrap_or_else(|| "".into()),
        )),
        "Lines" => Ok(V::list(
            files
                .get(&arg)
                // Helm drops one trailing newline before splitting.
                .map(|t| {
                    t.strip_suffix('\n')
                        .unwrap_or(t)
                        .split('\n')
                        .map(V::str)
                        .collect()
                })
                .unwrap_or_default(),
        )),
        "Glob" => {
            let g = globset::GlobBuilder::new(&arg)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("Glob {arg:?}: {e}"))?
                .compile_matcher();
            let m: BTreeMap<String, Rc<str>> = files
                .iter()
                .filter(|(k, _)| g.is_match(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Val::Files(Rc::new(m)).into())
        }
        "AsConfig" | "AsSecrets" => {
            let m: BTreeMap<String, V> = files
                .iter()
                .map(|(k, v)| {
                    let base = k.rsplit('/').next().unwrap_or(k).to_string();
                    let body = if name == "AsSecrets" {
                        b64(v.as_bytes())
                    } else {
                        v.to_string()
                    };
                    (base, V::str(body))
                })
                .collect();
            let o = yamlout::to_yaml(&V::map(m));
            Ok(V::str(o.text.strip_suffix('\n').unwrap_or(&o.text)))
        }
        _ => Err(format!("can't evaluate field {name} in type chart.Files")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(v: &V) -> String {
        v.as_str().unwrap_or("").to_string()
    }

    #[test]
    fn from_yaml_keeps_the_last_duplicate_key() {
        let v = call("fromYaml", vec![V::str("a:\n  b: 1\n  b: 2\nc: [x]\n")]).unwrap();
        assert_eq!(v.to_json(), serde_json::json!({"a": {"b": 2}, "c": ["x"]}));
        let v = call("fromYaml", vec![V::str("a: [")]).unwrap();
        assert!(v.to_json()["Error"].is_string());
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(b64(b"hello"), "aGVsbG8=");
        assert_eq!(b64(b"ab"), "YWI=");
        assert_eq!(unb64("aGVsbG8=").as_deref(), Some("hello"));
    }

    #[test]
    fn strings_and_lists() {
        assert_eq!(
            st(&call("trunc", vec![V::int(3), V::str("abcdef")]).unwrap()),
            "abc"
        );
        assert_eq!(
            st(&call("trunc", vec![V::int(-2), V::str("abcdef")]).unwrap()),
            "ef"
        );
        assert_eq!(
            st(&call("title", vec![V::str("hello world")]).unwrap()),
            "Hello World"
        );
        assert_eq!(
            st(&call("quote", vec![V::str("a\"b")]).unwrap()),
            "\"a\\\"b\""
        );
        assert_eq!(
            st(&call("nindent", vec![V::int(2), V::str("a\nb")]).unwrap()),
            "\n  a\n  b"
        );
        assert_eq!(
            st(&call(
                "printf",
                vec![
                    V::str("%s-%d|%5s|%q"),
                    V::str("x"),
                    V::int(3),
                    V::str("ab"),
                    V::str("q")
                ]
            )
            .unwrap()),
            "x-3|   ab|\"q\""
        );
        assert_eq!(call("until", vec![V::int(3)]).unwrap().sprint(), "[0 1 2]");
        assert_eq!(
            call("untilStep", vec![V::int(0), V::int(10), V::int(4)])
                .unwrap()
                .sprint(),
            "[0 4 8]"
        );
        assert_eq!(
            st(&call(
                "regexReplaceAll",
                vec![V::str("a(x*)b"), V::str("-ab-axxb-"), V::str("${1}W")]
            )
            .unwrap()),
            "-W-xxW-"
        );
        assert!(call("until", vec![V::int(1 << 40)]).is_err());
        assert_eq!(
            call("sortAlpha", vec![V::list(vec![V::str("b"), V::str("a")])])
                .unwrap()
                .sprint(),
            "[a b]"
        );
    }

    #[test]
    fn merge_prefers_destination_unless_overwrite() {
        let d = || V::from_json(&serde_json::json!({"a": 1, "n": {"x": 1}}));
        let s_ = V::from_json(&serde_json::json!({"a": 2, "b": 3, "n": {"x": 2, "y": 2}}));
        assert_eq!(
            call("merge", vec![d(), s_.clone()]).unwrap().to_json(),
            serde_json::json!({"a": 1, "b": 3, "n": {"x": 1, "y": 2}})
        );
        assert_eq!(
            call("mergeOverwrite", vec![d(), s_]).unwrap().to_json(),
            serde_json::json!({"a": 2, "b": 3, "n": {"x": 2, "y": 2}})
        );
        // `set` changes the dict it is given, as charts expect.
        let m = d();
        call("set", vec![m.clone(), V::str("k"), V::int(1)]).unwrap();
        assert_eq!(m.to_json()["k"], serde_json::json!(1));
    }

    #[test]
    fn indent_moves_segments() {
        let v = V::seg_str(
            "ab\ncd".into(),
            vec![Seg {
                start: 3,
                end: 5,
                origin: 7,
                linear: false,
                skip: 0,
            }],
        );
        let r = call("nindent", vec![V::int(4), v]).unwrap();
        assert_eq!(r.as_str(), Some("\n    ab\n    cd"));
        assert_eq!(
            &r.as_str().unwrap()[r.segs()[0].start..r.segs()[0].end],
            "cd"
        );
    }
}
