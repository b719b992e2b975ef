//! CODEOWNERS: which team owns a path, so findings can be routed (`--group-by owner`, SARIF and
//! JSON `owners`). GitHub/GitLab semantics: the last matching pattern wins; a pattern without a
//! slash matches at any depth; a leading `/` anchors at the root; a directory matches everything
//! below it. Globs are compiled with globset.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{Candidate, Glob, GlobSet, GlobSetBuilder};

use crate::finding::Finding;
use crate::project::roots::Roots;

pub struct CodeOwners {
    /// Every pattern compiled together, as (index of its first entry, set): one set, or several
    /// when the patterns together exceed the regex engine's size limit.
    sets: Vec<(usize, GlobSet)>,
    entries: Vec<Entry>,
}

struct Entry {
    owners: Vec<String>,
    /// `dir/`: only what is below the directory, not a file of that name.
    dir_only: bool,
    /// GitLab `[Section]` the line is in (0: before any section header).
    section: usize,
}

impl CodeOwners {
    /// Read `CODEOWNERS`, `.github/CODEOWNERS`, `.gitlab/CODEOWNERS` or `docs/CODEOWNERS` under `base`.
    pub fn load(base: &Path) -> Option<CodeOwners> {
        let text = [
            "CODEOWNERS",
            ".github/CODEOWNERS",
            ".gitlab/CODEOWNERS",
            "docs/CODEOWNERS",
        ]
        .iter()
        .find_map(|p| std::fs::read_to_string(base.join(p)).ok())?;
        Some(CodeOwners::parse(&text))
    }

    pub fn parse(text: &str) -> CodeOwners {
        let mut entries = Vec::new();
        let mut globs = Vec::new();
        for (glob, owners, section) in lines(text) {
            // A name may be a directory: it matches everything below it too. That is matched by
            // testing the glob on each folder above a path, so one glob per line does.
            let dir_only = glob.ends_with('/');
            let Ok(g) = Glob::new(glob.trim_end_matches('/')) else {
                continue;
            };
            globs.push(g);
            entries.push(Entry {
                owners,
                dir_only,
                section,
            });
        }
        let sets = compile(&globs, 0);
        CodeOwners { sets, entries }
    }

    /// The owners of a path (relative to the CODEOWNERS file's root): the last matching line's;
    /// with GitLab `[Section]`s, the last matching line's of each section, together.
    pub fn owners_of(&self, path: &str) -> Vec<String> {
        let file = Candidate::new(path);
        let dirs: Vec<Candidate> = path
            .match_indices('/')
            .map(|(i, _)| Candidate::new(&path[..i]))
            .collect();
        let mut hits = Vec::new();
        // The last matching line of each section (entries are in file order).
        let mut last: Vec<Option<usize>> = Vec::new();
        let mut note = |i: usize| {
            if let Some(e) = self.entries.get(i) {
                if last.len() <= e.section {
                    last.resize(e.section + 1, None);
                }
                last[e.section] = last[e.section].max(Some(i));
            }
        };
        for (first, set) in &self.sets {
            set.matches_candidate_into(&file, &mut hits);
            for &i in &hits {
                if self.entries.get(first + i).is_some_and(|e| !e.dir_only) {
                    note(first + i);
                }
            }
            for d in &dirs {
                set.matches_candidate_into(d, &mut hits);
                hits.iter().for_each(|&i| note(first + i));
            }
        }
        let mut out: Vec<String> = Vec::new();
        for i in last.into_iter().flatten() {
            for o in &self.entries[i].owners {
                if !out.contains(o) {
                    out.push(o.clone());
                }
            }
        }
        out
    }
}

/// The rules of a CODEOWNERS text, in order: each pattern as a glob from the root (`/`-ended for a
/// directory), its owners and its section. Comments and blank lines are skipped. GitLab section
/// headers (`[Name]`, `^[Optional]`, `[Name][2]`, each with optional default owners) start a
/// section (same-named ones, in any case, are one); a line in a section without owners of its
/// own takes the section's default owners.
fn lines(text: &str) -> impl Iterator<Item = (String, Vec<String>, usize)> + '_ {
    let mut sections: Vec<String> = Vec::new();
    let mut section = 0;
    let mut defaults: Vec<String> = Vec::new();
    text.lines().filter_map(move |line| {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        if let Some((name, rest)) = section_header(line) {
            let key = name.to_lowercase();
            section = match sections.iter().position(|s| *s == key) {
                Some(i) => i + 1,
                None => {
                    sections.push(key);
                    sections.len()
                }
            };
            defaults = rest.split_whitespace().map(str::to_string).collect();
            return None;
        }
        let mut parts = line.split_whitespace();
        let pattern = parts.next()?;
        let mut owners: Vec<String> = parts.map(str::to_string).collect();
        if owners.is_empty() {
            owners.clone_from(&defaults);
        }
        let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
        let p = pattern.trim_start_matches('/');
        let glob = if anchored {
            p.to_string()
        } else {
            format!("**/{p}")
        };
        Some((glob, owners, section))
    })
}

/// `[Name]`, `^[Name]`, `[Name][2]` followed by default owners: (name, the rest).
fn section_header(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix('^').unwrap_or(line).strip_prefix('[')?;
    let (name, mut rest) = body.split_once(']')?;
    if let Some(r) = rest.strip_prefix('[')
        && let Some((n, after)) = r.split_once(']')
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        rest = after;
    }
    Some((name.trim(), rest))
}

/// One set for `globs` (the first at `offset`), or halves of them when the regex engine refuses
/// the whole (a pattern it refuses alone is dropped: it can match nothing).
fn compile(globs: &[Glob], offset: usize) -> Vec<(usize, GlobSet)> {
    if globs.is_empty() {
        return Vec::new();
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(g.clone());
    }
    match b.build() {
        Ok(set) => vec![(offset, set)],
        Err(_) if globs.len() > 1 => {
            let mid = globs.len() / 2;
            let mut sets = compile(&globs[..mid], offset);
            sets.extend(compile(&globs[mid..], offset + mid));
            sets
        }
        Err(_) => Vec::new(),
    }
}

/// Owners of paths as reports show them (relative to the scan base), each from the CODEOWNERS
/// of the path's own root (its repository's, for a scan holding several), matched against its
/// path from that root. Each CODEOWNERS file is read once and each path matched once.
pub struct Lookup<'r> {
    roots: &'r Roots,
    files: HashMap<PathBuf, Option<CodeOwners>>,
    by_path: HashMap<String, Vec<String>>,
}

impl<'r> Lookup<'r> {
    pub fn new(roots: &'r Roots) -> Self {
        Lookup {
            roots,
            files: HashMap::new(),
            by_path: HashMap::new(),
        }
    }

    pub fn owners(&mut self, path: &str) -> Vec<String> {
        if let Some(o) = self.by_path.get(path) {
            return o.clone();
        }
        let (root, rel) = self.roots.locate(path);
        let owners = self
            .files
            .entry(root)
            .or_insert_with_key(|r| CodeOwners::load(r))
            .as_ref()
            .map(|o| o.owners_of(&rel))
            .unwrap_or_default();
        self.by_path.insert(path.to_string(), owners.clone());
        owners
    }
}

/// Give every finding the owners its path has (see [`Lookup`]).
pub fn assign(findings: &mut [Box<Finding>], roots: &Roots) {
    let mut lookup = Lookup::new(roots);
    for f in findings {
        f.owners = lookup.owners(&f.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_match_wins() {
        let o = CodeOwners::parse(
            "* @org/all\n/deploy/ @org/platform\n*.tf @org/infra\ndocs @org/docs\n",
        );
        assert_eq!(o.owners_of("src/a.rs"), vec!["@org/all"]);
        assert_eq!(o.owners_of("deploy/k8s/app.yaml"), vec!["@org/platform"]);
        assert_eq!(o.owners_of("deploy/main.tf"), vec!["@org/infra"]);
        assert_eq!(o.owners_of("x/docs/readme.md"), vec!["@org/docs"]);
    }

    #[test]
    fn gitlab_sections_each_contribute_their_last_match() {
        let o = CodeOwners::parse(
            "* @org/all\n\
             [Docs] @org/docs\n\
             *.md\n\
             /api/*.md @org/api-docs\n\
             ^[Security][2] @org/sec\n\
             /deploy/\n\
             [docs]\n\
             /guides/ @org/writers\n",
        );
        // Outside every section's patterns: the unsectioned rule alone.
        assert_eq!(o.owners_of("src/a.rs"), vec!["@org/all"]);
        // A section line without owners takes the section's default owners.
        assert_eq!(o.owners_of("README.md"), vec!["@org/all", "@org/docs"]);
        assert_eq!(o.owners_of("api/x.md"), vec!["@org/all", "@org/api-docs"]);
        assert_eq!(o.owners_of("deploy/app.yaml"), vec!["@org/all", "@org/sec"]);
        // Same-named sections are one: `/guides/` is the last match of Docs there.
        assert_eq!(o.owners_of("guides/a.md"), vec!["@org/all", "@org/writers"]);
        // Without sections, nothing changes: the last line wins.
        let plain = CodeOwners::parse("*.md @org/docs\n/api/ @org/api\n");
        assert_eq!(plain.owners_of("api/x.md"), vec!["@org/api"]);
    }

    /// The matching before one set was compiled for the whole file: one set per line, tried
    /// from the last, each holding the glob and `glob/**`.
    fn owners_line_by_line(text: &str, path: &str) -> Vec<String> {
        let mut entries = Vec::new();
        for (glob, owners, _) in lines(text) {
            let below = format!("{}/**", glob.trim_end_matches('/'));
            let variants = if glob.ends_with('/') {
                vec![below]
            } else {
                vec![glob.clone(), below]
            };
            let mut b = GlobSetBuilder::new();
            for v in variants {
                b.add(Glob::new(&v).expect("test patterns are valid"));
            }
            entries.push((b.build().expect("builds"), owners));
        }
        entries
            .iter()
            .rev()
            .find(|(g, _)| g.is_match(path))
            .map(|(_, o)| o.clone())
            .unwrap_or_default()
    }

    #[test]
    fn one_set_matches_as_line_by_line() {
        let patterns = [
            "*",
            "/deploy/",
            "deploy/",
            "deploy",
            "*.tf",
            "docs",
            "/docs/*.md",
            "docs/**/*.md",
            "**/tests/",
            "a/b/c",
            "/a/",
            "a*/b",
            "*/",
            "src/**",
            "/src/x.rs",
            "x.rs",
            "b/",
            "**/b",
            "a/**/c",
        ];
        let paths = [
            "src/a.rs",
            "src/x.rs",
            "deploy",
            "deploy/k8s/app.yaml",
            "deploy/main.tf",
            "x/deploy",
            "x/deploy/a",
            "docs/readme.md",
            "docs/a/b.md",
            "x/docs/readme.md",
            "tests/a.py",
            "a/tests/b/c.py",
            "a/b/c",
            "a/b/c/d",
            "ab/b/x",
            "a/x/y/c",
            "b",
            "b/c",
            ".",
            "a",
        ];
        // Every pair of patterns, in both orders: which line wins depends on the order.
        for p in patterns {
            for q in patterns {
                let text = format!("{p} @first\n{q} @second\n");
                let o = CodeOwners::parse(&text);
                for path in paths {
                    assert_eq!(
                        o.owners_of(path),
                        owners_line_by_line(&text, path),
                        "{text:?} on {path}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_pattern_too_big_to_compile_loses_only_its_own_line() {
        // A megabyte pattern: more than the regex engine accepts in a set.
        let text = format!(
            "* @org/all\n/src/ @org/src\n{} @org/huge\n*.md @org/docs\n",
            "?".repeat(300_000)
        );
        let o = CodeOwners::parse(&text);
        assert!(o.sets.len() > 1, "the set was not split");
        assert_eq!(o.owners_of("src/a.rs"), vec!["@org/src"]);
        assert_eq!(o.owners_of("src/a.md"), vec!["@org/docs"]);
        assert_eq!(o.owners_of("x"), vec!["@org/all"]);
    }

    #[test]
    fn owners_come_from_each_files_repository() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path();
        for (repo, file, owner) in [
            ("one", "CODEOWNERS", "@org/one"),
            ("two", ".github/CODEOWNERS", "@org/two"),
        ] {
            std::fs::create_dir_all(top.join(repo).join(".git")).expect("mkdir");
            let at = top.join(repo).join(file);
            std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
            std::fs::write(at, format!("/src/ {owner}\n")).expect("write");
        }
        let mut findings: Vec<Box<Finding>> = ["one/src/a.rs", "two/src/a.rs", "two/a.rs"]
            .iter()
            .map(|p| {
                Box::new(Finding::new(
                    "r/x",
                    crate::finding::Severity::Low,
                    p,
                    "m".into(),
                ))
            })
            .collect();
        let roots = Roots::new(top, &[top.to_path_buf()]);
        assign(&mut findings, &roots);
        let owners: Vec<&[String]> = findings.iter().map(|f| f.owners.as_slice()).collect();
        assert_eq!(
            owners,
            [
                &["@org/one".to_string()][..],
                &["@org/two".to_string()],
                &[]
            ]
        );
    }
}
