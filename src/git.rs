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
    let mut files = Vec::new();
    for n in names {
        let blob = git(&top, &["show", &format!(":{n}")])?;
        let path = top.join(&n);
        files.push(WalkedFile {
            rel: relative(&path, &canonical(base)),
            path,
            content: Some(Arc::from(blob)),
        });
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
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
