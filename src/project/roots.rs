//! The root a file's stable identity is taken from: the nearest folder above it holding `.git`
//! (its repository), else the outermost directory the scan was given that holds it, else the
//! scan base. Fingerprints and CODEOWNERS use paths relative to it, so they are the same whether
//! bylaw runs at the repository root, in a parent folder or in a subdirectory; reports still show
//! paths relative to the base.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

pub struct Roots {
    base: PathBuf,
    /// Directory arguments: the root of files outside any repository.
    scan_dirs: Vec<PathBuf>,
    /// Folder → the repository holding it (`None`: none), filled as folders are asked about,
    /// so a tree costs one `.git` lookup per folder.
    repos: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl Roots {
    /// `scan_paths`: what the user asked to scan (files among them are ignored).
    pub fn new(base: &Path, scan_paths: &[PathBuf]) -> Roots {
        let base = normalize(base);
        let mut scan_dirs: Vec<PathBuf> = scan_paths
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| normalize(&base.join(p)))
            .collect();
        // Outermost first: a directory named inside another one does not make a second root.
        scan_dirs.sort_by_key(|d| d.components().count());
        Roots {
            base,
            scan_dirs,
            repos: Mutex::new(HashMap::new()),
        }
    }

    /// The root of a file and its path relative to that root (`/`-separated; `.` for the root).
    pub fn locate_file(&self, path: &Path) -> (PathBuf, String) {
        let path = normalize(&self.base.join(path));
        let dir = path.parent().unwrap_or(&path);
        self.locate_in(&path, dir)
    }

    /// [`Roots::locate_file`] for a path as reports show it (relative to the base), which may
    /// name a folder (`.`, a repository a repository-level rule judged).
    pub fn locate(&self, rel: &str) -> (PathBuf, String) {
        let path = normalize(&self.base.join(rel));
        let dir = if path.is_dir() {
            path.as_path()
        } else {
            path.parent().unwrap_or(&path)
        };
        self.locate_in(&path, dir)
    }

    /// `path` relative to its root, for fingerprints.
    pub fn stable_path(&self, rel: &str) -> String {
        self.locate(rel).1
    }

    fn locate_in(&self, path: &Path, dir: &Path) -> (PathBuf, String) {
        let root = self
            .repository_of(dir)
            .or_else(|| self.scan_dirs.iter().find(|d| path.starts_with(d)).cloned())
            .unwrap_or_else(|| self.base.clone());
        let rel = match path.strip_prefix(&root) {
            Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
            Ok(p) => p.to_string_lossy().replace('\\', "/"),
            // Outside the base (an absolute path argument elsewhere): as the report shows it.
            Err(_) => crate::walk::relative(path, &self.base),
        };
        (root, rel)
    }

    /// The repository holding `dir`: the nearest folder at or above it with `.git`.
    pub fn repository_of(&self, dir: &Path) -> Option<PathBuf> {
        // A poisoned lock only means another thread panicked mid-insert: the map is still valid.
        let mut repos = self.repos.lock().unwrap_or_else(|e| e.into_inner());
        let mut chain = Vec::new();
        let mut found = None;
        for a in dir.ancestors() {
            if let Some(known) = repos.get(a) {
                found = known.clone();
                break;
            }
            chain.push(a.to_path_buf());
            if a.join(".git").exists() {
                found = Some(a.to_path_buf());
                break;
            }
        }
        for a in chain {
            repos.insert(a, found.clone());
        }
        found
    }
}

/// `..` and `.` resolved by hand (not through links: the path need not exist, and a link's
/// target is not what the user named).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_then_scan_directory_then_base() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path();
        for d in ["repo/.git", "repo/sub", "loose/deep", "other"] {
            std::fs::create_dir_all(top.join(d)).expect("mkdir");
        }
        let roots = Roots::new(top, &[top.join("loose"), top.join("repo")]);
        assert_eq!(
            roots.locate("repo/sub/a.yaml"),
            (top.join("repo"), "sub/a.yaml".to_string())
        );
        assert_eq!(roots.locate("repo"), (top.join("repo"), ".".to_string()));
        assert_eq!(
            roots.locate_file(&top.join("loose/deep/../deep/b.tf")),
            (top.join("loose"), "deep/b.tf".to_string())
        );
        assert_eq!(roots.stable_path("other/c.sh"), "other/c.sh");
        // From inside the repository, the same answer.
        let inner = Roots::new(&top.join("repo/sub"), &[top.join("repo/sub")]);
        assert_eq!(inner.stable_path("a.yaml"), "sub/a.yaml");
        assert_eq!(inner.stable_path("../sub/a.yaml"), "sub/a.yaml");
    }
}
