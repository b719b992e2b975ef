//! Path and content sniffing → [`DocumentKind`].

use crate::document::DocumentKind;

/// Classify by path first, then by content (YAML with `apiVersion` + `kind`, shebangs).
pub fn classify(rel_path: &str, text: &str) -> DocumentKind {
    let lower = rel_path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let is_yaml = matches!(ext, "yml" | "yaml");

    // `Dockerfile.dev` is a Dockerfile; `dockerfile.rs` or `Dockerfile.md` are not.
    let dockerfile_suffix = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            !matches!(
                rest,
                "rs" | "py"
                    | "go"
                    | "js"
                    | "ts"
                    | "md"
                    | "txt"
                    | "json"
                    | "yml"
                    | "yaml"
                    | "sh"
                    | "toml"
                    | "html"
                    | "rst"
            )
        })
    };
    if name == "dockerfile"
        || name == "containerfile"
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
        || dockerfile_suffix("dockerfile.")
        || dockerfile_suffix("containerfile.")
    {
        return DocumentKind::Dockerfile;
    }
    if matches!(ext, "tf" | "tfvars" | "hcl") {
        return DocumentKind::Terraform;
    }
    if is_yaml {
        if lower.contains(".github/workflows/") {
            return DocumentKind::GithubWorkflow;
        }
        if name == "action.yml" || name == "action.yaml" {
            return DocumentKind::GithubAction;
        }
        if name == ".gitlab-ci.yml"
            || name == ".gitlab-ci.yaml"
            || name.ends_with(".gitlab-ci.yml")
            || lower.starts_with(".gitlab/ci/")
            || lower.contains("/.gitlab/ci/")
        {
            return DocumentKind::GitlabCi;
        }
        if name.starts_with("compose") || name.starts_with("docker-compose") {
            return DocumentKind::Compose;
        }
        if looks_like_kubernetes(text) {
            return DocumentKind::Kubernetes;
        }
        if looks_like_compose(text) {
            return DocumentKind::Compose;
        }
        return DocumentKind::Yaml;
    }
    match ext {
        // Terraform's JSON syntax, and `terraform show -json` output: judged by the Terraform
        // rules.
        "json" if name.ends_with(".tf.json") || crate::document::tfplan::is_plan(text) => {
            return DocumentKind::Terraform;
        }
        // A Kubernetes object (or `kind: List`) written as JSON is judged like its YAML twin.
        "json" if looks_like_kubernetes_json(text) => return DocumentKind::Kubernetes,
        "json" => return DocumentKind::Json,
        "py" | "pyi" => return DocumentKind::Python,
        "js" | "mjs" | "cjs" | "jsx" => return DocumentKind::Javascript,
        "ts" | "mts" | "cts" => return DocumentKind::Typescript,
        "tsx" => return DocumentKind::Tsx,
        "go" => return DocumentKind::Go,
        "rs" => return DocumentKind::Rust,
        "sh" | "bash" | "ksh" | "zsh" => return DocumentKind::Shell,
        _ => {}
    }
    if let Some(first) = text.lines().next()
        && let Some(shebang) = first.strip_prefix("#!")
    {
        let interp = shebang
            .split_whitespace()
            .flat_map(|w| w.rsplit('/').next())
            .find(|w| *w != "env" && !w.starts_with('-'))
            .unwrap_or("");
        match interp {
            "sh" | "bash" | "dash" | "ksh" | "ash" | "zsh" | "mksh" => return DocumentKind::Shell,
            i if i.starts_with("python") => return DocumentKind::Python,
            "node" => return DocumentKind::Javascript,
            _ => {}
        }
    }
    DocumentKind::Text
}

/// A YAML stream where some document has top-level `apiVersion:` and `kind:` keys.
pub fn looks_like_kubernetes(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    for line in text.lines() {
        if line.starts_with("---") {
            if api && kind {
                return true;
            }
            api = false;
            kind = false;
        } else if top_level_key(line, "apiVersion") {
            api = true;
        } else if top_level_key(line, "kind") {
            kind = true;
        }
    }
    api && kind
}

/// `key:` at the start of a line, bare or quoted (`"apiVersion": v1`).
fn top_level_key(line: &str, key: &str) -> bool {
    let rest = match line.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => line[1..]
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(char::from(*q))),
        _ => line.strip_prefix(key),
    };
    rest.is_some_and(|r| r.starts_with(':'))
}

/// A JSON object with `"apiVersion"` and `"kind"` among its first keys: a Kubernetes manifest.
/// Read from the first few kilobytes only (package.json and friends never have both).
fn looks_like_kubernetes_json(text: &str) -> bool {
    let cut = (0..=text.len().min(4096))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let head = &text[..cut];
    head.trim_start().starts_with('{')
        && head.contains("\"apiVersion\"")
        && head.contains("\"kind\"")
}

/// A compose file under another name: a top-level `services:` mapping of named services, one of
/// which has an `image:` or `build:` (GitLab CI's top-level `services:` is a list).
fn looks_like_compose(text: &str) -> bool {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != "services:");
    if lines.next().is_none() {
        return false;
    }
    let mut rest = lines.filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let named_service = rest.next().is_some_and(|l| {
        let t = l.trim();
        l.starts_with("  ") && t.ends_with(':') && !t.starts_with('-')
    });
    named_service
        && rest.take_while(|l| l.starts_with(' ')).any(|l| {
            let t = l.trim_start();
            l.len() - t.len() >= 4 && (t.starts_with("image:") || t.starts_with("build:"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentKind::*;

    #[test]
    fn by_path_and_content() {
        let k8s = "apiVersion: v1\nkind: Pod\n";
        let cases = [
            ("main.tf", "", Terraform),
            ("deploy/app.yaml", k8s, Kubernetes),
            ("values.yaml", "a: 1\n", Yaml),
            (".github/workflows/ci.yml", "on: push\n", GithubWorkflow),
            ("action.yml", "runs: {}\n", GithubAction),
            (".gitlab-ci.yml", "job: {}\n", GitlabCi),
            ("docker-compose.prod.yml", "services: {}\n", Compose),
            ("compose.yaml", "services: {}\n", Compose),
            (
                "deploy/stack.yml",
                "version: '3'\nservices:\n  web:\n    # the app\n    image: nginx\n",
                Compose,
            ),
            (
                ".ci/jobs.yml",
                "services:\n  - docker:dind\nimage: docker\n",
                Yaml,
            ),
            ("values.yaml", "services:\n  web:\n    port: 80\n", Yaml),
            (
                "deploy/pod.json",
                "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\"\n}\n",
                Kubernetes,
            ),
            ("package.json", "{\"name\": \"x\", \"kind\": \"lib\"}", Json),
            (
                "deploy/quoted.yaml",
                "\"apiVersion\": v1\n'kind': Pod\n",
                Kubernetes,
            ),
            ("Dockerfile", "", Dockerfile),
            ("api.Dockerfile", "", Dockerfile),
            ("Dockerfile.dev", "", Dockerfile),
            ("Containerfile", "", Dockerfile),
            ("src/document/dockerfile.rs", "", Rust),
            ("docs/Dockerfile.md", "", Text),
            ("a.py", "", Python),
            ("a.jsx", "", Javascript),
            ("a.ts", "", Typescript),
            ("a.tsx", "", Tsx),
            ("a.go", "", Go),
            ("a.rs", "", Rust),
            ("run.sh", "", Shell),
            ("bin/deploy", "#!/usr/bin/env bash\nset -e\n", Shell),
            ("prompt.zsh", "", Shell),
            ("bin/setup", "#!/usr/bin/env zsh\nmake\n", Shell),
            ("bin/old", "#!/bin/mksh\nmake\n", Shell),
            ("bin/tool", "#!/usr/bin/python3\n", Python),
            ("notes.txt", "", Text),
        ];
        for (path, text, want) in cases {
            assert_eq!(classify(path, text), want, "{path}");
        }
    }
}
