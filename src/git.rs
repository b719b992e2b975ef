//! File lists from git for `--staged` and `--since`. This runs the `git` program on the
//! repository's metadata (never anything from the scanned content) and reads staged blobs, so a
//! pre-commit run sees exactly what will be committed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use crate::error::Error;
use crate::walk::{WalkedFile, relative};

fn git(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let out = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

fn toplevel(cwd: &Path) -> Result<PathBuf, Error> {
    let out = git(cwd, &["rev-parse", "--show-toplevel"])?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out).trim()))
}

fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Files added, copied, modified or renamed in the index, with their staged content.
pub fn staged_files(cwd: &Path, base: &Path) -> Result<Vec<WalkedFile>, Error> {
    let top = toplevel(cwd)?;
    let names = split_z(&git(
        &top,
        &[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMR",
        ],
    )?);
    let base = canonical(base);
    let mut files: Vec<WalkedFile> = index_blobs(&top, &names)?
        .into_iter()
        .map(|(n, blob)| {
            let path = top.join(&n);
            WalkedFile {
                rel: relative(&path, &base),
                path,
                content: Some(Arc::from(blob)),
            }
        })
        .collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

/// The repository as the index holds it, where that differs from the working tree: the staged
/// content of every tracked file with unstaged changes (path relative to the repository root →
/// content). Every other file reads the same from disk.
pub fn index_where_worktree_differs(top: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let names = split_z(&git(top, &["diff", "--name-only", "-z"])?);
    index_blobs(top, &names)
}

/// The index version of each path, in one `git cat-file --batch` (one process, however many
/// files: a pre-commit run stays fast). Paths the index does not hold are left out.
fn index_blobs(top: &Path, names: &[String]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    use std::io::Write as _;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(top)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    let mut input = Vec::new();
    for n in names {
        // A name with a newline cannot be asked for on this protocol; it is read from disk.
        if !n.contains('\n') {
            input.extend_from_slice(format!(":{n}\n").as_bytes());
        }
    }
    // Feed stdin from a thread: git writes while it reads, and a full pipe would block both.
    let mut stdin = child.stdin.take();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&input);
        }
        drop(stdin);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Usage(format!("git cat-file failed: {e}")))?;
    let _ = feeder.join();
    if !out.status.success() {
        return Err(Error::Usage("git cat-file --batch failed".into()));
    }
    let mut blobs = Vec::new();
    let mut rest = out.stdout.as_slice();
    for n in names.iter().filter(|n| !n.contains('\n')) {
        let Some(eol) = rest.iter().position(|b| *b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
        rest = &rest[eol + 1..];
        // `<oid> blob <size>`, or `<name> missing`.
        let mut parts = header.rsplitn(3, ' ');
        let (Some(size), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(size) = size.parse::<usize>() else {
            continue;
        };
        if rest.len() < size {
            break;
        }
        if kind == "blob" {
            blobs.push((n.clone(), rest[..size].to_vec()));
        }
        rest = rest.get(size + 1..).unwrap_or_default();
    }
    Ok(blobs)
}

/// Files changed since `since` (committed, staged or not) and new untracked files.
pub fn changed_since(cwd: &Path, base: &Path, since: &str) -> Result<Vec<WalkedFile>, Error> {
    if since.starts_with('-') {
        return Err(Error::Usage(format!("--since: `{since}` is not a git ref")));
    }
    let top = toplevel(cwd)?;
    let mut names = split_z(&git(
        &top,
        &[
            "diff",
            "--name-only",
            "-z",
            "--diff-filter=ACMRT",
            since,
            "--",
        ],
    )?);
    names.extend(split_z(&git(
        &top,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?));
    names.sort();
    names.dedup();
    let base = canonical(base);
    Ok(names
        .into_iter()
        .map(|n| top.join(n))
        .filter(|p| p.is_file())
        .map(|path| WalkedFile {
            rel: relative(&path, &base),
            path,
            content: None,
        })
        .collect())
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
