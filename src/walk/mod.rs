//! Walking: ignore's parallel walker (built on walkdir and globset), so `.gitignore`, `.ignore`
//! and git's excludes are honoured exactly as git does, which re-implementing on walkdir would not.
//! Hidden files are scanned (`.github/`, `.gitlab-ci.yml`), `.git` is skipped, symlinks are not
//! followed. Paths named explicitly on the command line are always scanned.

pub mod classify;
pub mod includes;

use std::path::{Path, PathBuf};
// A poisoned lock only means a walker thread panicked; the list it guards is still whole.
use std::sync::{Mutex, PoisonError};

use ignore::{WalkBuilder, WalkState};

/// A file to scan.
#[derive(Debug, Clone)]
pub struct WalkedFile {
    pub path: PathBuf,
    /// Relative to the scan base, `/` separated.
    pub rel: String,
    /// Content to scan instead of the file on disk (staged blobs for `--staged`).
    pub content: Option<std::sync::Arc<[u8]>>,
}

/// A path the walk could not enter.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub rel: String,
    pub message: String,
}

/// Repository-relative display path.
pub fn relative(path: &Path, base: &Path) -> String {
    let p = path.strip_prefix(base).unwrap_or(path);
    let s = p.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s).to_string();
    if s.is_empty() { ".".into() } else { s }
}

/// Walk every path; returns files sorted by relative path, and walk errors.
pub fn walk(paths: &[PathBuf], base: &Path, threads: usize) -> (Vec<WalkedFile>, Vec<WalkError>) {
    walk_skipping(paths, base, threads, &[])
}

/// [`walk`], not entering the directories in `skip` (subtrees governed by their own policy).
pub fn walk_skipping(
    paths: &[PathBuf],
    base: &Path,
    threads: usize,
    skip: &[PathBuf],
) -> (Vec<WalkedFile>, Vec<WalkError>) {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for root in paths {
        // An explicit argument is followed when it is a link (the user chose it); links met
        // during the walk are not.
        let meta = std::fs::metadata(root);
        match meta {
            Err(e) => {
                errors
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(WalkError {
                        rel: relative(root, base),
                        message: format!("cannot read: {e}"),
                    });
                continue;
            }
            Ok(m) if !m.is_dir() => {
                // An explicit file argument (as pre-commit passes them) is scanned even if ignored.
                files
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(WalkedFile {
                        path: root.clone(),
                        rel: relative(root, base),
                        content: None,
                    });
                continue;
            }
            Ok(_) => {}
        }
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .threads(threads)
            .filter_entry({
                // filter_entry needs 'static: own a copy of the (usually empty) skip list.
                let skip = skip.to_vec();
                move |e| e.file_name() != ".git" && !skip.iter().any(|s| s == e.path())
            })
            .build_parallel();
        walker.run(|| {
            let files = &files;
            let errors = &errors;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file()) {
                            files
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .push(WalkedFile {
                                    rel: relative(e.path(), base),
                                    path: e.into_path(),
                                    content: None,
                                });
                        }
                    }
                    Err(err) => {
                        let (rel, message) = describe(&err, base);
                        errors
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(WalkError { rel, message });
                    }
                }
                WalkState::Continue
            })
        });
    }
    let mut files = files.into_inner().unwrap_or_else(PoisonError::into_inner);
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files.dedup_by(|a, b| a.rel == b.rel);
    let mut errors = errors.into_inner().unwrap_or_else(PoisonError::into_inner);
    errors.sort_by(|a, b| a.rel.cmp(&b.rel).then(a.message.cmp(&b.message)));
    (files, errors)
}

fn describe(err: &ignore::Error, base: &Path) -> (String, String) {
    match err {
        ignore::Error::WithPath { path, err } => (relative(path, base), err.to_string()),
        ignore::Error::WithDepth { err, .. } => describe(err, base),
        ignore::Error::Loop { child, .. } => (relative(child, base), "symlink loop".into()),
        other => (".".into(), other.to_string()),
    }
}
