//! CODEOWNERS: which team owns a path, so findings can be routed (`--group-by owner`, SARIF and
//! JSON `owners`). GitHub/GitLab semantics: the last matching pattern wins; a pattern without a
//! slash matches at any depth; a leading `/` anchors at the root; a directory matches everything
//! below it. Globs are compiled with globset.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

pub struct CodeOwners {
    entries: Vec<(GlobSet, Vec<String>)>,
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
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts.map(str::to_string).collect();
            let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
            let p = pattern.trim_start_matches('/');
            let glob = if anchored {
                p.to_string()
            } else {
                format!("**/{p}")
            };
            let mut b = GlobSetBuilder::new();
            let below = format!("{}/**", glob.trim_end_matches('/'));
            // A name may be a directory: match it and everything below.
            let variants = if glob.ends_with('/') {
                vec![below]
            } else {
                vec![glob.clone(), below]
            };
            let mut ok = true;
            for v in variants {
                match Glob::new(&v) {
                    Ok(g) => {
                        b.add(g);
                    }
                    Err(_) => ok = false,
                }
            }
            if let (true, Ok(set)) = (ok, b.build()) {
                entries.push((set, owners));
            }
        }
        CodeOwners { entries }
    }

    pub fn owners_of(&self, path: &str) -> Vec<String> {
        self.entries
            .iter()
            .rev()
            .find(|(g, _)| g.is_match(path))
            .map(|(_, o)| o.clone())
            .unwrap_or_default()
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
}
