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

/// Where a scan comes from, as git knows it: for the `scan` object of the JSON report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The repository's top-level directory.
    pub toplevel: PathBuf,
    /// The `origin` remote's URL without credentials (see [`clean_remote`]).
    pub origin: Option<String>,
    pub commit: Option<String>,
    /// `None` on a detached HEAD.
    pub branch: Option<String>,
}

/// Git facts of the repository holding `dir`; `None` outside git (or without git installed).
/// Only plumbing that reads refs and config runs: nothing that refreshes the index or starts a
/// hook or filesystem monitor the scanned repository could configure.
pub fn facts(dir: &Path) -> Option<Facts> {
    let top = toplevel(dir).ok()?;
    let one = |args: &[&str]| {
        git(&top, args)
            .ok()
            .map(|o| String::from_utf8_lossy(&o).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Some(Facts {
        origin: one(&["config", "--get", "remote.origin.url"]).and_then(|u| clean_remote(&u)),
        // Both fail in a repository without commits: left out.
        commit: one(&["rev-parse", "--verify", "--quiet", "HEAD"]),
        branch: one(&["symbolic-ref", "--quiet", "--short", "HEAD"]),
        toplevel: top,
    })
}

/// A remote URL as a repository name: `host/path` without scheme, credentials, port, query or
/// `.git` (`https://x-access-token:TOKEN@github.com/acme/api.git` and `git@github.com:acme/api`
/// are both `github.com/acme/api`). A local path gives its last component. The user-info part
/// never survives: a token embedded in a remote URL must not reach a report.
pub fn clean_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let (rest, scheme) = match url.split_once("://") {
        Some((s, r)) => (r, Some(s)),
        None => (url, None),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let local = scheme == Some("file")
        || (scheme.is_none()
            && (rest.starts_with('/') || rest.starts_with('.') || !rest.contains(':')));
    let name = if local {
        rest.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        // Everything up to the last `@` is user-info, even if a malformed password holds a `/`
        // or `:` (a path with an `@` then loses its start: a wrong name, never a leaked token).
        let rest = rest.rsplit('@').next().unwrap_or_default();
        // The authority ends at the first `/` (URL form) or, for scp form, at the `:`.
        let (authority, path) = match scheme {
            Some(_) => rest.split_once('/').unwrap_or((rest, "")),
            None => rest.split_once(':').unwrap_or((rest, "")),
        };
        let host = match authority.rsplit_once(':') {
            // A port (a credential without `@` is not a URL git accepts).
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => authority,
        };
        let path = path.trim_matches('/');
        if path.is_empty() {
            host.to_string()
        } else {
            format!("{host}/{path}")
        }
    };
    let name = name
        .strip_suffix(".git")
        .unwrap_or(&name)
        .trim_end_matches('/');
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::clean_remote;

    #[test]
    fn remote_urls_become_names_without_credentials() {
        for (url, want) in [
            ("https://github.com/acme/api.git", "github.com/acme/api"),
            (
                // bylaw: ignore[secrets/url-credentials] reason="made-up token the test proves is dropped"
                "https://x-access-token:ghp_SECRET@github.com/acme/api.git",
                "github.com/acme/api",
            ),
            (
                "https://user@gitlab.example.com:8443/group/sub/app/",
                "gitlab.example.com/group/sub/app",
            ),
            ("git@github.com:acme/api.git", "github.com/acme/api"),
            (
                "ssh://git:pw@host.example/acme/api?x=1",
                "host.example/acme/api",
            ),
            ("/srv/git/api.git", "api"),
            ("file:///srv/git/api", "api"),
            ("../api", "api"),
            (
                "https://u:pa/ss@host.example/acme/api",
                "host.example/acme/api",
            ),
        ] {
            assert_eq!(clean_remote(url).as_deref(), Some(want), "{url}");
        }
        assert_eq!(clean_remote(""), None);
        assert!(
            !clean_remote("https://tok:SECRET@h/x")
                .unwrap()
                .contains("SECRET")
        );
    }
}
