//! Unified diff of a file before and after its fixes (`bylaw check --diff`), with three lines of
//! context, as `git diff` and `patch` read it. Lines are compared with Myers' O(ND) algorithm
//! after the common head and tail are set aside; fixes change few lines, so D stays small.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal,
    Delete,
    Insert,
}

/// Beyond this many differing lines the middle is shown as removed and re-added whole: the
/// trace of Myers' algorithm grows with D times the length.
const MAX_D: usize = 4000;

const CONTEXT: usize = 3;

/// The edit script turning `a` into `b`.
fn ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out = vec![Op::Equal; head];
    out.extend(myers(a_mid, b_mid).unwrap_or_else(|| {
        let mut all = vec![Op::Delete; a_mid.len()];
        all.extend(vec![Op::Insert; b_mid.len()]);
        all
    }));
    out.extend(vec![Op::Equal; tail]);
    out
}

fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = n + m;
    let off = max + 1;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let at = |k: isize| (off + k) as usize;
    for d in 0..=max {
        if d as usize > MAX_D {
            return None;
        }
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m, off));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(trace: &[Vec<isize>], n: isize, m: isize, off: isize) -> Vec<Op> {
    let at = |k: isize| (off + k) as usize;
    let (mut x, mut y) = (n, m);
    let mut out = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[at(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            out.push(Op::Equal);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                out.push(Op::Insert);
            } else {
                out.push(Op::Delete);
            }
        }
        x = prev_x;
        y = prev_y;
    }
    out.reverse();
    out
}

/// One line of a hunk, with the "no newline" marker when it is the file's unterminated last line.
fn push_line(out: &mut String, sign: char, line: &str) {
    out.push(sign);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The unified diff from `old` to `new` for `path` (`a/path`, `b/path`); empty when equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let script = ops(&a, &b);
    // Old and new line index before each op.
    let mut pos = Vec::with_capacity(script.len() + 1);
    let (mut i, mut j) = (0usize, 0usize);
    for op in &script {
        pos.push((i, j));
        match op {
            Op::Equal => {
                i += 1;
                j += 1;
            }
            Op::Delete => i += 1,
            Op::Insert => j += 1,
        }
    }
    pos.push((i, j));
    // Op ranges of the hunks: each change with its context, merged when they touch.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for (k, op) in script.iter().enumerate() {
        if *op == Op::Equal {
            continue;
        }
        let (s, e) = (
            k.saturating_sub(CONTEXT),
            (k + 1 + CONTEXT).min(script.len()),
        );
        match hunks.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => hunks.push((s, e)),
        }
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for (s, e) in hunks {
        let (os, ns) = pos[s];
        let (oe, ne) = pos[e];
        let head = |start: usize, count: usize| {
            if count == 0 {
                format!("{start},0")
            } else {
                format!("{},{count}", start + 1)
            }
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            head(os, oe - os),
            head(ns, ne - ns)
        ));
        for (k, op) in script[s..e].iter().enumerate() {
            let (i, j) = pos[s + k];
            match op {
                Op::Equal => push_line(&mut out, ' ', a[i]),
                Op::Delete => push_line(&mut out, '-', a[i]),
                Op::Insert => push_line(&mut out, '+', b[j]),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hunks_have_context_and_line_numbers() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nc\nd\nX\ne\nf\ng\nh\ni\nJ\n";
        assert_eq!(
            unified("f.yml", old, new),
            "--- a/f.yml\n+++ b/f.yml\n@@ -2,9 +2,10 @@\n b\n c\n d\n+X\n e\n f\n g\n h\n i\n-j\n+J\n"
        );
        assert_eq!(unified("f", "x", "x"), "");
        assert_eq!(
            unified("f", "x", "y"),
            "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n"
        );
    }

    /// Applying the script to the old lines gives the new ones.
    fn replay(a: &[&str], b: &[&str]) -> Vec<String> {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        for op in ops(a, b) {
            match op {
                Op::Equal => {
                    assert_eq!(a[i], b[j]);
                    out.push(a[i].to_string());
                    i += 1;
                    j += 1;
                }
                Op::Delete => i += 1,
                Op::Insert => {
                    out.push(b[j].to_string());
                    j += 1;
                }
            }
        }
        assert_eq!((i, j), (a.len(), b.len()));
        out
    }

    proptest! {
        #[test]
        fn scripts_turn_old_into_new(a in proptest::collection::vec("[abc]", 0..12), b in proptest::collection::vec("[abc]", 0..12)) {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            prop_assert_eq!(replay(&a, &b), b.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        }
    }
}
