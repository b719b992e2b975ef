//! Built-in `repo` rules: repository standards judged once per repository root, offline, from the
//! list of walked files and a few small files read from disk (manifests, CI configuration).
//!
//! Every rule here is scan-level. For each root in [`ScanContext::repo_roots`] the rule sees a
//! [`Repo`]: the root-relative paths of every walked file under it. Findings point at the file that
//! should change: the expected path for a missing file (`LICENSE`), the manifest for a missing
//! lockfile, the offending line of a manifest for an unpinned dependency.

mod deps;
mod files;

use std::collections::HashSet;
use std::path::PathBuf;

use super::{Check, Factory};
use crate::document::{LineIndex, Span};
use crate::rule::{RuleContext, ScanContext};

/// Built-in rules of the `repo` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("repo/committed-binary", || {
        Box::new(RepoRule(files::committed_binary))
    }),
    ("repo/committed-env-file", || {
        Box::new(RepoRule(files::committed_env_file))
    }),
    ("repo/committed-private-key", || {
        Box::new(RepoRule(files::committed_private_key))
    }),
    ("repo/missing-ci", || Box::new(RepoRule(files::missing_ci))),
    ("repo/missing-codeowners", || {
        Box::new(RepoRule(files::missing_codeowners))
    }),
    ("repo/missing-dependency-updates", || {
        Box::new(RepoRule(files::missing_dependency_updates))
    }),
    ("repo/missing-license", || {
        Box::new(RepoRule(files::missing_license))
    }),
    ("repo/missing-lockfile", || {
        Box::new(RepoRule(deps::missing_lockfile))
    }),
    ("repo/missing-readme", || {
        Box::new(RepoRule(files::missing_readme))
    }),
    ("repo/missing-security-policy", || {
        Box::new(RepoRule(files::missing_security_policy))
    }),
    ("repo/missing-security-scanning", || {
        Box::new(RepoRule(files::missing_security_scanning))
    }),
    ("repo/unpinned-dependency", || {
        Box::new(RepoRule(deps::unpinned_dependency))
    }),
    ("repo/unpinned-git-dependency", || {
        Box::new(RepoRule(deps::unpinned_git_dependency))
    }),
];

/// Largest file read from disk by these rules.
const MAX_READ: u64 = 1024 * 1024;

/// A repository-level check: called once per repository root.
type RepoFn = fn(&Repo, &mut RuleContext);

struct RepoRule(RepoFn);

impl Check for RepoRule {
    fn is_scan_level(&self) -> bool {
        true
    }

    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        for root in &scan.repo_roots {
            let repo = Repo::new(scan, root);
            if repo.files.is_empty() {
                continue;
            }
            (self.0)(&repo, cx);
        }
    }
}

/// One repository root: its files relative to the root, and how to read them.
pub(crate) struct Repo<'a> {
    /// The root relative to the scan base (`""` for the base itself).
    root: &'a str,
    base: PathBuf,
    /// Root-relative, `/`-separated, sorted.
    files: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> Repo<'a> {
    fn new(scan: &'a ScanContext, root: &'a str) -> Self {
        let root = root.trim_end_matches('/');
        let root = if root == "." { "" } else { root };
        // Repositories nested in this one (other roots) are judged on their own.
        let nested: Vec<String> = scan
            .repo_roots
            .iter()
            .map(|r| r.trim_end_matches('/'))
            .filter(|r| !r.is_empty() && *r != "." && *r != root)
            .filter_map(|r| {
                if root.is_empty() {
                    Some(format!("{r}/"))
                } else {
                    r.strip_prefix(root)
                        .and_then(|x| x.strip_prefix('/'))
                        .map(|x| format!("{x}/"))
                }
            })
            .collect();
        let files: Vec<&str> = scan
            .files
            .iter()
            .filter_map(|f| {
                if root.is_empty() {
                    // Files outside the base are listed with absolute paths: not in this root.
                    let outside = f.starts_with(['/', '\\'])
                        || f.starts_with("../")
                        || f.get(1..2) == Some(":");
                    (!outside).then_some(f.as_str())
                } else {
                    f.strip_prefix(root).and_then(|r| r.strip_prefix('/'))
                }
            })
            .filter(|f| !nested.iter().any(|n| f.starts_with(n.as_str())))
            .collect();
        let set = files.iter().copied().collect();
        Repo {
            root,
            base: scan.base.clone(),
            files,
            set,
        }
    }

    /// A root-relative path as a scan-relative path (what findings carry).
    fn display(&self, rel: &str) -> String {
        if self.root.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.root)
        }
    }

    fn has(&self, rel: &str) -> bool {
        self.set.contains(rel)
    }

    /// Whether a file whose name matches `pred` (case-insensitively, lowercased name) lives
    /// directly in `dir` (`""` for the root).
    fn has_in_dir(&self, dir: &str, pred: impl Fn(&str) -> bool) -> bool {
        self.files.iter().any(|f| {
            let (d, name) = split(f);
            d == dir && pred(&name.to_ascii_lowercase())
        })
    }

    /// Whether any of `names` exists in `dir` or one of its ancestors up to the root.
    fn has_up(&self, dir: &str, names: &[&str]) -> bool {
        let mut d = dir;
        loop {
            if names.iter().any(|n| self.has(&join(d, n))) {
                return true;
            }
            if d.is_empty() {
                return false;
            }
            d = split(d).0;
        }
    }

    /// The text of a root-relative file, if it is small, readable and valid enough UTF-8.
    fn read(&self, rel: &str) -> Option<String> {
        let path = self.base.join(self.display(rel));
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_READ {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The first `n` bytes of a root-relative file.
    fn head(&self, rel: &str, n: usize) -> Option<Vec<u8>> {
        use std::io::Read;
        let path = self.base.join(self.display(rel));
        let file = std::fs::File::open(path).ok()?;
        let mut buf = Vec::with_capacity(n);
        file.take(n as u64).read_to_end(&mut buf).ok()?;
        Some(buf)
    }

    /// Report a finding about the whole file `rel` (or a missing file expected there).
    fn report_file(&self, cx: &mut RuleContext, rel: &str, message: String) {
        let path = self.display(rel);
        cx.report(&path, None, message)
            .with_key_mut(rel.to_string());
    }

    /// Report a finding on `span` of `text` (the content of `rel`), with its line and column.
    fn report_span(
        &self,
        cx: &mut RuleContext,
        rel: &str,
        text: &str,
        span: Span,
        key: String,
        message: String,
    ) {
        let path = self.display(rel);
        let span = span.clamp_to(text);
        let lines = LineIndex::new(text);
        let f = cx.report(&path, Some(span), message);
        f.start = Some(lines.line_col(text, span.start));
        f.end = Some(lines.line_col(text, span.end));
        f.with_key_mut(key);
    }

    /// Which forge the repository most likely lives on, for naming expected files.
    fn is_gitlab(&self) -> bool {
        let gitlab = self.files.iter().any(|f| {
            f.starts_with(".gitlab/") || *f == ".gitlab-ci.yml" || *f == ".gitlab-ci.yaml"
        });
        let github = self.files.iter().any(|f| f.starts_with(".github/"));
        gitlab && !github
    }
}

/// `(dir, name)` of a `/`-separated path; `dir` is `""` at the top.
fn split(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory components of a path, lowercased.
fn dirs(path: &str) -> impl Iterator<Item = String> + '_ {
    let (d, _) = split(path);
    d.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_lowercase)
}

/// Inside a test, fixture or test-data directory: artifacts there are inputs, not releases.
fn in_test_dir(path: &str) -> bool {
    dirs(path).any(|c| {
        matches!(
            c.as_str(),
            "spec" | "specs" | "e2e" | "__tests__" | "__mocks__" | "mocks" | "testdata"
        ) || c.starts_with("test")
            || c.ends_with("tests")
            || c.ends_with("_test")
            || c.ends_with("-test")
            || c.contains("fixture")
    })
}

/// Inside vendored or installed third-party code.
fn in_vendor_dir(path: &str) -> bool {
    dirs(path).any(|c| {
        matches!(
            c.as_str(),
            "node_modules"
                | "bower_components"
                | "jspm_packages"
                | "vendor"
                | "third_party"
                | "third-party"
                | "thirdparty"
                | "external"
                | "site-packages"
                | ".venv"
                | "venv"
                | ".tox"
                | ".cargo"
                | "target"
                | "dist"
                | "build"
        )
    })
}

/// Inside documentation examples and samples (often intentionally minimal projects).
fn in_example_dir(path: &str) -> bool {
    dirs(path).any(|c| {
        matches!(
            c.as_str(),
            "example" | "examples" | "sample" | "samples" | "demo" | "demos" | "templates"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(files: &[&str], roots: &[&str]) -> ScanContext {
        ScanContext {
            documents: Vec::new(),
            files: files.iter().map(|f| f.to_string()).collect(),
            repo_roots: roots.iter().map(|r| r.to_string()).collect(),
            base: PathBuf::from("."),
        }
    }

    #[test]
    fn roots_see_only_their_files() {
        let sc = scan(
            &[
                "LICENSE",
                "a/LICENSE",
                "a/src/x.rs",
                "b/README.md",
                "/abs/other/LICENSE",
            ],
            &["", "a"],
        );
        let top = Repo::new(&sc, "");
        assert_eq!(top.files, ["LICENSE", "b/README.md"]);
        let a = Repo::new(&sc, "a");
        assert_eq!(a.files, ["LICENSE", "src/x.rs"]);
        assert_eq!(a.display("LICENSE"), "a/LICENSE");
        assert!(a.has_up("src", &["LICENSE"]));
        assert!(!a.has_up("src", &["Cargo.lock"]));
    }

    #[test]
    fn path_helpers() {
        assert_eq!(split("a/b/c.txt"), ("a/b", "c.txt"));
        assert_eq!(split("c.txt"), ("", "c.txt"));
        assert_eq!(join("", "x"), "x");
        assert_eq!(join("a", "x"), "a/x");
        assert!(in_test_dir("src/test/resources/a.jar"));
        assert!(in_test_dir("pkg/testdata/key.pem"));
        assert!(in_test_dir("fixtures/repo/x/bad/a.exe"));
        assert!(!in_test_dir("tests.jar"));
        assert!(!in_test_dir("lib/a.jar"));
        assert!(in_vendor_dir("node_modules/x/package.json"));
        assert!(!in_vendor_dir("package.json"));
    }
}
