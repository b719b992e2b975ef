//! Partial scans: pre-commit, `--staged`, `--since` and explicit files check only some files,
//! but a rule relating documents (a Deployment and its PodDisruptionBudget, a bucket and its
//! public access block) must judge them against the repository as it stands. This module finds
//! the rest of the repository: every other file, as the index holds it for `--staged` (a file with
//! unstaged changes is read from the index; untracked files from the working tree). The engine
//! reads and parses only those a cross-document rule could use, and reports findings only for
//! the files in scope.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::walk::{self, WalkedFile};

/// Every file of the repository at `root` that is not in scope, with paths relative to `base`
/// like the files in scope. With `staged`, files whose working tree differs from the index carry
/// their index content (and index-only files are included).
pub fn rest_of_repository(
    root: &Path,
    base: &Path,
    in_scope: &HashSet<&str>,
    threads: usize,
    staged: bool,
) -> Vec<WalkedFile> {
    let (mut files, _errors) = walk::walk(&[root.to_path_buf()], base, threads);
    files.retain(|f| !in_scope.contains(f.rel.as_str()));
    if staged {
        // A failing git leaves the working tree as the best available picture.
        let index: HashMap<PathBuf, Vec<u8>> = crate::git::index_where_worktree_differs(root)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, blob)| (root.join(name), blob))
            .collect();
        let mut seen = HashSet::new();
        for f in &mut files {
            if let Some(blob) = index.get(&f.path) {
                f.content = Some(Arc::from(blob.as_slice()));
                seen.insert(f.path.clone());
            }
        }
        // Deleted from the working tree but still in the index: part of the commit's repository.
        for (path, blob) in index {
            let rel = walk::relative(&path, base);
            if !seen.contains(&path) && !in_scope.contains(rel.as_str()) {
                files.push(WalkedFile {
                    rel,
                    path,
                    content: Some(Arc::from(blob)),
                });
            }
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
    }
    files
}
