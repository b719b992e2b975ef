//! Files a GitLab pipeline pulls in with `include: local:` (string, list or map form, with or
//! without `rules:`, `*`/`**` globs, nested includes). They hold jobs like `.gitlab-ci.yml`
//! does but can live anywhere (`ci/build.yml`), so the path alone does not say they are GitLab
//! CI: the engine classifies them as such and judges them in the including pipeline's context.

use std::collections::HashMap;

use serde_json::Value;

use super::WalkedFile;
use super::classify::classify;
use crate::document::{Document, DocumentKind};

/// A pipeline file larger than this is not read for includes (it is still scanned).
const MAX_PIPELINE_BYTES: u64 = 1 << 20;

/// For each file some GitLab pipeline in `files` includes as a local file (directly or through
/// other included files), the index in `files` of the top-level pipeline that includes it.
/// Local paths are relative to the directory of that top-level pipeline (the repository root
/// for a `.gitlab-ci.yml`).
pub fn gitlab_includes(files: &[WalkedFile]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut queue: Vec<(usize, usize)> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| classify(&f.rel, "") == DocumentKind::GitlabCi)
        .map(|(i, _)| (i, i))
        .collect();
    if queue.is_empty() {
        return out;
    }
    let by_rel: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.rel.as_str(), i))
        .collect();
    while let Some((i, top)) = queue.pop() {
        let base = files[top]
            .rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        for pattern in local_includes(&files[i]) {
            let pattern = format!("{base}{}", pattern.trim_start_matches('/'));
            let mut hit = |j: usize| {
                let rel = &files[j].rel;
                if j != top && !out.contains_key(rel) {
                    out.insert(rel.clone(), top);
                    queue.push((j, top));
                }
            };
            if pattern.contains('*') {
                let Ok(glob) = globset::GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                else {
                    continue;
                };
                let m = glob.compile_matcher();
                for (j, f) in files.iter().enumerate() {
                    if m.is_match(&f.rel) {
                        hit(j);
                    }
                }
            } else if let Some(&j) = by_rel.get(pattern.as_str()) {
                hit(j);
            }
        }
    }
    // A file named like a pipeline is classified as one anyway.
    out.retain(|rel, _| classify(rel, "") != DocumentKind::GitlabCi);
    out
}

/// The `local` paths of a pipeline file's `include:`.
fn local_includes(f: &WalkedFile) -> Vec<String> {
    let bytes = match &f.content {
        Some(c) => c.to_vec(),
        None => {
            let small = std::fs::metadata(&f.path)
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_PIPELINE_BYTES);
            match small.then(|| std::fs::read(&f.path)) {
                Some(Ok(b)) => b,
                _ => return Vec::new(),
            }
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Vec::new();
    };
    if !text.contains("include") {
        return Vec::new();
    }
    let doc = Document::new(f.rel.clone(), DocumentKind::GitlabCi, text);
    let Ok(cdocs) = doc.config() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cd in cdocs {
        let entries = match cd.value.get("include") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        };
        for e in entries {
            let path = match e {
                // A bare string is a local file unless it is a URL.
                Value::String(s) if !s.contains("://") => Some(s.as_str()),
                Value::Object(m) => m.get("local").and_then(Value::as_str),
                _ => None,
            };
            if let Some(p) = path
                .map(str::trim)
                .filter(|p| !p.is_empty() && !p.contains('$'))
            {
                out.push(p.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> WalkedFile {
        WalkedFile {
            path: rel.into(),
            rel: rel.into(),
            content: Some(text.as_bytes().into()),
        }
    }

    #[test]
    fn local_includes_in_every_form_and_nested() {
        let files = vec![
            file(
                ".gitlab-ci.yml",
                "include:\n  - local: /ci/build.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH\n  - 'ci/test.yml'\n  - local: 'jobs/*.yml'\n  - remote: https://example.com/x.yml\n  - project: g/p\n    file: /t.yml\n",
            ),
            file(
                "ci/build.yml",
                "include: ci/nested.yml\nbuild: {script: [make]}\n",
            ),
            file("ci/nested.yml", "n: {script: [x]}\n"),
            file("ci/test.yml", "t: {script: [x]}\n"),
            file("ci/unused.yml", "u: {script: [x]}\n"),
            file("jobs/a.yml", "a: {script: [x]}\n"),
            file("jobs/deep/b.yml", "b: {script: [x]}\n"),
            file("t.yml", "x: 1\n"),
        ];
        let got = gitlab_includes(&files);
        let mut names: Vec<&str> = got.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["ci/build.yml", "ci/nested.yml", "ci/test.yml", "jobs/a.yml"]
        );
        assert!(got.values().all(|&i| i == 0));
    }

    #[test]
    fn a_nested_pipeline_includes_from_its_own_directory() {
        let files = vec![
            file("svc/.gitlab-ci.yml", "include: {local: ci/jobs.yml}\n"),
            file("svc/ci/jobs.yml", "j: {script: [x]}\n"),
            file("ci/jobs.yml", "j: {script: [x]}\n"),
        ];
        let got = gitlab_includes(&files);
        assert_eq!(got.len(), 1);
        assert_eq!(got.get("svc/ci/jobs.yml"), Some(&0));
    }
}
