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
        return DocumentKind::Yaml;
    }
    match ext {
        // Terraform's JSON syntax, and `terraform show -json` output: judged by the Terraform
        // rules.
        "json" if name.ends_with(".tf.json") || crate::document::tfplan::is_plan(text) => {
            return DocumentKind::Terraform;
        }
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
        } else if line.starts_with("apiVersion:") {
            api = true;
        } else if line.starts_with("kind:") {
            kind = true;
        }
    }
    api && kind
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
