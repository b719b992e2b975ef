//! `semverCompare` constraints (Masterminds/semver, as Sprig uses): `||` alternatives of
//! comma- or space-separated comparisons, with `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards
//! (`1.x`, `*`) and a `v` prefix. Pre-release versions match only constraints that name one
//! (`>=1.19-0`), as in Masterminds.

pub type Ver = (u64, u64, u64);

/// Parse `v1.2.3`, `1.2`, `1.2.3-rc.1+build` → (major, minor, patch); pre-release is dropped.
pub fn parse(s: &str) -> Option<Ver> {
    let (v, _) = split_pre(s.trim().trim_start_matches(['v', 'V']));
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    let patch = it.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    if it.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

fn split_pre(s: &str) -> (&str, Option<&str>) {
    let s = s.split('+').next().unwrap_or(s);
    match s.split_once('-') {
        Some((v, p)) => (v, Some(p)),
        None => (s, None),
    }
}

pub fn compare(constraint: &str, version: &str) -> Result<bool, String> {
    let trimmed = version.trim().trim_start_matches(['v', 'V']);
    let has_pre = split_pre(trimmed).1.is_some();
    let v = parse(version).ok_or_else(|| {
        format!("error calling semverCompare: invalid semantic version {version:?}")
    })?;
    for alt in constraint.split("||") {
        let mut all = true;
        let mut any_pre = false;
        let mut n = 0;
        for term in terms(alt) {
            n += 1;
            let (ok, pre) = check(&term, v).ok_or_else(|| {
                format!("error calling semverCompare: improper constraint: {constraint}")
            })?;
            any_pre |= pre;
            all &= ok;
        }
        if n == 0 {
            continue;
        }
        if all && (!has_pre || any_pre) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Split `>= 1.2, < 2` / `>=1.2 <2` into `[">=1.2", "<2"]`.
fn terms(alt: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in alt.split([',', ' ']).filter(|p| !p.is_empty()) {
        match out.last_mut() {
            Some(last) if last.chars().all(|c| "=!<>~^".contains(c)) => last.push_str(part),
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// Evaluate one comparison; also whether it names a pre-release.
fn check(term: &str, v: Ver) -> Option<(bool, bool)> {
    let op_len = term
        .find(|c: char| !"=!<>~^".contains(c))
        .unwrap_or(term.len());
    let (op, rest) = term.split_at(op_len);
    let rest = rest.trim().trim_start_matches(['v', 'V']);
    let (ver, pre) = split_pre(rest);
    let parts: Vec<&str> = ver.split('.').collect();
    let wild = |p: Option<&&str>| p.is_none_or(|x| matches!(*x, "x" | "X" | "*"));
    let num = |p: Option<&&str>| -> Option<u64> {
        match p {
            Some(x) if !matches!(*x, "x" | "X" | "*") => x.parse().ok(),
            _ => Some(0),
        }
    };
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let c = (num(parts.first())?, num(parts.get(1))?, num(parts.get(2))?);
    let (wmaj, wmin, wpat) = (
        parts.first().is_some_and(|x| matches!(*x, "x" | "X" | "*")),
        wild(parts.get(1)),
        wild(parts.get(2)),
    );
    // Upper bound of a wildcard or tilde/caret range.
    let next_minor = (c.0, c.1 + 1, 0);
    let next_major = (c.0 + 1, 0, 0);
    let ok = match op {
        "" | "=" => {
            if wmaj {
                true
            } else if wmin {
                v >= c && v < next_major
            } else if wpat {
                v >= c && v < next_minor
            } else {
                v == c
            }
        }
        "!=" => {
            if wmaj {
                false
            } else if wmin {
                !(v >= c && v < next_major)
            } else if wpat {
                !(v >= c && v < next_minor)
            } else {
                v != c
            }
        }
        ">" => {
            if wmin && !wmaj {
                v >= next_major
            } else if wpat && !wmin {
                v >= next_minor
            } else {
                v > c
            }
        }
        ">=" | "=>" => v >= c,
        "<" => v < c,
        "<=" | "=<" => {
            if wmin && !wmaj {
                v < next_major
            } else if wpat && !wmin {
                v < next_minor
            } else {
                v <= c
            }
        }
        "~" | "~>" => v >= c && if wmin { v < next_major } else { v < next_minor },
        "^" => {
            if c.0 > 0 || wmin {
                v >= c && v < next_major
            } else if c.1 > 0 || wpat {
                v >= c && v < next_minor
            } else {
                v >= c && v < (0, 0, c.2 + 1)
            }
        }
        _ => return None,
    };
    Some((ok, pre.is_some()))
}

#[cfg(test)]
mod tests {
    use super::compare;

    #[test]
    fn constraints_charts_use() {
        assert!(compare(">=1.19-0", "v1.36.0").unwrap());
        assert!(compare(">=1.16-0, <1.19-0", "v1.17.3").unwrap());
        assert!(!compare(">=1.16-0, <1.19-0", "v1.36.0").unwrap());
        assert!(compare("^1.2", "1.9.0").unwrap());
        assert!(!compare("~1.2", "1.3.0").unwrap());
        assert!(compare("1.x", "1.30.1").unwrap());
        assert!(compare("<1.14-0 || >=1.30", "v1.36.0").unwrap());
        assert!(!compare(">=1.19", "v1.20.0-rc.1").unwrap());
        assert!(compare(">=1.19-0", "v1.20.0-rc.1").unwrap());
        assert!(compare("what", "1.0.0").is_err());
    }
}
