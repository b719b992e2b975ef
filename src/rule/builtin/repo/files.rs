//! Presence rules (LICENSE, README, SECURITY.md, CODEOWNERS, update bots, CI, security scanning)
//! and committed files that should not be in a repository (binaries, `.env`, private keys).

use super::{Repo, in_test_dir, in_vendor_dir, split};
use crate::rule::RuleContext;

// ---------------------------------------------------------------------------------------------
// Missing files

pub(super) fn missing_license(repo: &Repo, cx: &mut RuleContext) {
    let at_root = repo.has_in_dir("", |n| {
        let stem = n.split('.').next().unwrap_or(n);
        matches!(
            stem,
            "license" | "licence" | "copying" | "unlicense" | "copyright"
        ) || ["license", "licence", "copying"]
            .iter()
            .any(|p| stem.starts_with(&format!("{p}-")) || stem.starts_with(&format!("{p}_")))
            || stem.ends_with("-license")
            || stem.ends_with("_license")
            || stem.ends_with("-licence")
    });
    // REUSE `LICENSES/<SPDX-id>.txt`, or a `LICENSE/` folder of texts.
    let reuse = repo.files.iter().any(|f| {
        f.split_once('/').is_some_and(|(top, _)| {
            let top = top.to_ascii_lowercase();
            matches!(
                top.as_str(),
                "licenses" | "license" | "licences" | "licence"
            )
        })
    });
    if !at_root && !reuse {
        repo.report_file(
            cx,
            "LICENSE",
            "repository has no license file (LICENSE, LICENSE.md, COPYING…): others cannot \
             legally use, audit or contribute to it"
                .into(),
        );
    }
}

pub(super) fn missing_readme(repo: &Repo, cx: &mut RuleContext) {
    let is_readme = |n: &str| n == "readme" || n.starts_with("readme.");
    if ["", ".github", "docs", ".gitlab", ".gitea"]
        .iter()
        .any(|d| repo.has_in_dir(d, is_readme))
    {
        return;
    }
    repo.report_file(
        cx,
        "README.md",
        "repository has no README describing what it is, how to build it and who maintains it"
            .into(),
    );
}

pub(super) fn missing_security_policy(repo: &Repo, cx: &mut RuleContext) {
    let is_policy = |n: &str| n == "security" || n.starts_with("security.");
    if ["", ".github", "docs", ".gitlab", ".gitea"]
        .iter()
        .any(|d| repo.has_in_dir(d, is_policy))
    {
        return;
    }
    repo.report_file(
        cx,
        "SECURITY.md",
        "repository has no security policy (SECURITY.md in the root, .github/ or docs/): \
         reporters do not know how to disclose a vulnerability privately"
            .into(),
    );
}

pub(super) fn missing_codeowners(repo: &Repo, cx: &mut RuleContext) {
    if ["", ".github", "docs", ".gitlab", ".gitea"]
        .iter()
        .any(|d| repo.has_in_dir(d, |n| n == "codeowners"))
    {
        return;
    }
    let expected = if repo.is_gitlab() {
        ".gitlab/CODEOWNERS"
    } else {
        ".github/CODEOWNERS"
    };
    repo.report_file(
        cx,
        expected,
        "repository has no CODEOWNERS file (root, .github/ or docs/): no one is required to \
         review changes to sensitive paths"
            .into(),
    );
}

/// Files that configure Dependabot, Renovate or PyUp.
const UPDATE_CONFIGS: &[&str] = &[
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    ".gitlab/dependabot.yml",
    ".gitlab/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".pyup.yml",
    ".pyup.yaml",
];

/// Whether a path is something an update bot would update.
fn is_dependency_file(path: &str) -> bool {
    if in_vendor_dir(path) || in_test_dir(path) {
        return false;
    }
    let (dir, name) = split(path);
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "package.json"
            | "cargo.toml"
            | "go.mod"
            | "pyproject.toml"
            | "pipfile"
            | "setup.py"
            | "setup.cfg"
            | "gemfile"
            | "composer.json"
            | "pom.xml"
            | "build.gradle"
            | "build.gradle.kts"
            | "packages.config"
            | "mix.exs"
            | "pubspec.yaml"
            | "package.swift"
            | "podfile"
            | "dockerfile"
            | "containerfile"
            | "deno.json"
            | "environment.yml"
    ) || (lower.contains("requirements") && lower.ends_with(".txt"))
        || lower.ends_with(".csproj")
        || lower.ends_with(".fsproj")
        || (dir == ".github/workflows" && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
}

pub(super) fn missing_dependency_updates(repo: &Repo, cx: &mut RuleContext) {
    if UPDATE_CONFIGS.iter().any(|c| repo.has(c)) {
        return;
    }
    if !repo.files.iter().any(|f| is_dependency_file(f)) {
        return;
    }
    // Renovate also reads a `renovate` key in the root package.json.
    if repo.has("package.json")
        && let Some(text) = repo.read("package.json")
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && v.get("renovate").is_some()
    {
        return;
    }
    let expected = if repo.is_gitlab() {
        "renovate.json"
    } else {
        ".github/dependabot.yml"
    };
    repo.report_file(
        cx,
        expected,
        "repository has dependencies but no Dependabot or Renovate configuration: \
         vulnerable versions are not proposed for update"
            .into(),
    );
}

// ---------------------------------------------------------------------------------------------
// CI

/// Whether a root-relative path is CI configuration of some provider.
fn is_ci_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let (dir, name) = split(&lower);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    match dir {
        ".github/workflows" | ".gitea/workflows" | ".forgejo/workflows" => yaml,
        ".circleci" => name == "config.yml" || name == "config.yaml",
        ".azure-pipelines" | ".pipelines" | ".woodpecker" | ".tekton" => yaml,
        ".gitlab/ci" => yaml,
        ".semaphore" => yaml,
        "" => {
            matches!(
                name,
                ".gitlab-ci.yml"
                    | ".gitlab-ci.yaml"
                    | ".travis.yml"
                    | ".travis.yaml"
                    | "bitbucket-pipelines.yml"
                    | "bitbucket-pipelines.yaml"
                    | "azure-pipelines.yml"
                    | "azure-pipelines.yaml"
                    | ".drone.yml"
                    | ".drone.yaml"
                    | ".woodpecker.yml"
                    | ".woodpecker.yaml"
                    | "appveyor.yml"
                    | ".appveyor.yml"
                    | ".cirrus.yml"
                    | "cloudbuild.yaml"
                    | "cloudbuild.yml"
                    | "buildspec.yml"
                    | "buildspec.yaml"
                    | "codefresh.yml"
                    | "wercker.yml"
                    | ".gitlab-ci.jsonnet"
            ) || name.starts_with("jenkinsfile")
        }
        _ => {
            dir.starts_with(".buildkite")
                || dir.starts_with(".teamcity")
                || dir.starts_with("bamboo-specs")
                || (name.starts_with("jenkinsfile") && !in_test_dir(path))
        }
    }
}

fn ci_files<'r>(repo: &'r Repo) -> Vec<&'r str> {
    repo.files
        .iter()
        .copied()
        .filter(|f| is_ci_file(f))
        .collect()
}

pub(super) fn missing_ci(repo: &Repo, cx: &mut RuleContext) {
    if !ci_files(repo).is_empty() {
        return;
    }
    let expected = if repo.is_gitlab() {
        ".gitlab-ci.yml"
    } else {
        ".github/workflows/ci.yml"
    };
    repo.report_file(
        cx,
        expected,
        "repository has no CI configuration (GitHub Actions, GitLab CI, CircleCI, Jenkins…): \
         changes are merged without automated build, test or security checks"
            .into(),
    );
}

/// Substrings (lowercase) that show a security scanner runs in CI.
const SCANNERS: &[&str] = &[
    "codeql",
    "semgrep",
    "trivy",
    "gitleaks",
    "zizmor",
    "checkov",
    "snyk",
    "bylaw",
    "dependency-review",
    "osv-scanner",
    "cargo audit",
    "cargo-audit",
    "cargo deny",
    "cargo-deny",
    "audit-check",
    "npm audit",
    "yarn audit",
    "yarn npm audit",
    "pnpm audit",
    "bun audit",
    "pip-audit",
    "safety check",
    "safety scan",
    "bandit",
    "gosec",
    "govulncheck",
    "brakeman",
    "bundler-audit",
    "bundle-audit",
    "grype",
    "anchore",
    "trufflehog",
    "detect-secrets",
    "ggshield",
    "gitguardian",
    "tfsec",
    "terrascan",
    "kics",
    "sonar",
    "dependency-check",
    "dependencycheck",
    "retire.js",
    "retirejs",
    "scorecard",
    "upload-sarif",
    "security-events",
    "docker scout",
    "docker/scout-action",
    "veracode",
    "checkmarx",
    "fortify",
    "blackduck",
    "mend.io",
    "whitesource",
    "sast",
    "sast-iac",
    "secret-detection",
    "secret_detection",
    "dependency-scanning",
    "dependency_scanning",
    "container-scanning",
    "container_scanning",
    "auto-devops",
];

/// Whether `word` occurs in `text` as a word: not preceded or followed by a letter or digit
/// (so `sast` matches `Jobs/SAST.gitlab-ci.yml` but not `disaster`). A trailing letter is allowed
/// after the longer names (`sonarcloud`, `codeql-action`, `trivy-action`).
fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let left = !before.is_some_and(|c| c.is_ascii_alphanumeric());
        let right = word.len() > 4 || !after.is_some_and(|c| c.is_ascii_alphanumeric());
        left && right
    })
}

pub(super) fn missing_security_scanning(repo: &Repo, cx: &mut RuleContext) {
    let files = ci_files(repo);
    let Some(first) = files.first() else {
        return; // no CI at all: repo/missing-ci says so
    };
    for f in &files {
        let Some(text) = repo.read(f) else {
            // Unreadable or very large: assume the best rather than guess.
            return;
        };
        let lower = text.to_ascii_lowercase();
        if SCANNERS.iter().any(|s| mentions(&lower, s)) {
            return;
        }
    }
    let target = files
        .iter()
        .find(|f| f.starts_with(".github/workflows/") || **f == ".gitlab-ci.yml")
        .unwrap_or(first);
    repo.report_file(
        cx,
        target,
        "CI runs no security scanning step (CodeQL, Semgrep, Trivy, gitleaks, dependency \
         audit, bylaw…): vulnerable code and dependencies are merged unnoticed"
            .into(),
    );
}

// ---------------------------------------------------------------------------------------------
// Committed files

/// Extensions of compiled artifacts; `true` = the extension alone is ambiguous and the content
/// must look binary too.
const BINARY_EXTS: &[(&str, bool)] = &[
    ("exe", false),
    ("dll", false),
    ("so", false),
    ("dylib", false),
    ("jar", false),
    ("war", false),
    ("ear", false),
    ("class", false),
    ("pyc", false),
    ("pyo", false),
    ("o", true),
    ("a", true),
    ("lib", true),
    ("obj", true),
    ("msi", false),
    ("deb", false),
    ("rpm", false),
    ("apk", false),
    ("whl", false),
    ("egg", false),
    ("wasm", false),
    ("dex", false),
    ("crx", false),
    ("ocx", false),
    ("efi", false),
    ("elf", true),
];

/// The artifact extension of a file name, if it has one (`libfoo.so.1.2` counts as `.so`).
fn binary_ext(name: &str) -> Option<(&'static str, bool)> {
    let lower = name.to_ascii_lowercase();
    let mut parts = lower.split('.');
    parts.next()?; // the stem
    let exts: Vec<&str> = parts.collect();
    if exts.is_empty() {
        return None;
    }
    let last = exts.last().copied().unwrap_or_default();
    if let Some(hit) = BINARY_EXTS.iter().find(|(e, _)| *e == last) {
        return Some(*hit);
    }
    // Versioned shared objects: libfoo.so.1, libfoo.so.1.2.3
    if let Some(i) = exts.iter().position(|e| *e == "so")
        && exts[i + 1..]
            .iter()
            .all(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(("so", false));
    }
    None
}

/// Build tool wrappers that are committed on purpose (and verified by their own tooling).
fn is_wrapper(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with("gradle/wrapper/gradle-wrapper.jar")
        || lower.ends_with(".mvn/wrapper/maven-wrapper.jar")
}

pub(super) fn committed_binary(repo: &Repo, cx: &mut RuleContext) {
    for f in &repo.files {
        let (_, name) = split(f);
        let Some((ext, ambiguous)) = binary_ext(name) else {
            continue;
        };
        if in_test_dir(f) || is_wrapper(f) {
            continue;
        }
        if ambiguous {
            let Some(head) = repo.head(f, 8192) else {
                continue;
            };
            let binary = head.contains(&0) || head.starts_with(b"!<arch>");
            if !binary {
                continue;
            }
        }
        repo.report_file(
            cx,
            f,
            format!(
                "binary artifact '{f}' (.{ext}) is committed: it cannot be reviewed and may \
                 not match its source"
            ),
        );
    }
}

/// Whether a file name is a dotenv file with real values (not a template).
fn is_env_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix(".env") else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(suffix) = rest.strip_prefix('.') else {
        return false; // .envrc, .environment
    };
    !suffix.split('.').any(|s| {
        matches!(
            s,
            "example"
                | "examples"
                | "sample"
                | "samples"
                | "template"
                | "templates"
                | "tmpl"
                | "tpl"
                | "dist"
                | "default"
                | "defaults"
                | "schema"
                | "skel"
                | "stub"
                | "j2"
                | "jinja"
                | "erb"
                | "md"
        )
    })
}

/// Prefixes of variables that frameworks embed in client bundles: public by design.
const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "NUXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "VUE_APP_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
];

/// Whether dotenv text assigns at least one non-empty value to a variable that is not public
/// by design (`NEXT_PUBLIC_…`, `VITE_…`).
fn assigns_values(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        if l.starts_with('#') {
            return false;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            return false;
        };
        let k = k.trim();
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        !k.is_empty()
            && !PUBLIC_PREFIXES.iter().any(|p| k.starts_with(p))
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
            && !v.is_empty()
    })
}

pub(super) fn committed_env_file(repo: &Repo, cx: &mut RuleContext) {
    for f in &repo.files {
        let (_, name) = split(f);
        if !is_env_name(name) || in_test_dir(f) {
            continue;
        }
        // Unreadable or too large: still a committed .env file.
        if let Some(text) = repo.read(f)
            && !assigns_values(&text)
        {
            continue;
        }
        repo.report_file(
            cx,
            f,
            format!(
                "environment file '{f}' is committed: .env files hold local credentials; \
                 commit a template (.env.example) and ignore the real file"
            ),
        );
    }
}

/// Names of OpenSSH private key files (their public halves end in `.pub`).
const SSH_KEY_NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
];

/// Whether `text` holds a PEM/OpenSSH/PGP private key block; returns its kind.
fn private_key_block(text: &str) -> Option<String> {
    for (i, _) in text.match_indices("-----BEGIN ") {
        let rest = &text[i + 11..];
        let Some(end) = rest.find("-----") else {
            continue;
        };
        let label = &rest[..end];
        if label.len() <= 40 && label.contains("PRIVATE KEY") {
            return Some(label.to_string());
        }
    }
    None
}

pub(super) fn committed_private_key(repo: &Repo, cx: &mut RuleContext) {
    for f in &repo.files {
        if in_test_dir(f) {
            continue;
        }
        let (_, name) = split(f);
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let by_name = matches!(ext, "p12" | "pfx");
        let ppk = ext == "ppk";
        let content_check = SSH_KEY_NAMES.contains(&lower.as_str())
            || matches!(
                ext,
                "pem" | "key" | "priv" | "private" | "pk8" | "p8" | "asc"
            );
        let kind = if by_name {
            Some("PKCS#12 key store".to_string())
        } else if ppk {
            repo.read(f)
                .filter(|t| t.contains("PuTTY-User-Key-File") && t.contains("Private-Lines"))
                .map(|_| "PuTTY private key".to_string())
        } else if content_check {
            repo.read(f).and_then(|t| private_key_block(&t))
        } else {
            None
        };
        let Some(kind) = kind else {
            continue;
        };
        repo.report_file(
            cx,
            f,
            format!(
                "private key file '{f}' ({kind}) is committed: anyone with read access to the \
                 repository or its history holds the key"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_extensions() {
        assert_eq!(binary_ext("a.exe"), Some(("exe", false)));
        assert_eq!(binary_ext("libz.so.1.2"), Some(("so", false)));
        assert_eq!(binary_ext("x.so.conf"), None);
        assert_eq!(binary_ext("Makefile"), None);
        assert_eq!(binary_ext("lib.rs"), None);
        assert_eq!(binary_ext("App.CLASS"), Some(("class", false)));
    }

    #[test]
    fn env_names() {
        assert!(is_env_name(".env"));
        assert!(is_env_name(".env.production"));
        assert!(is_env_name(".env.local"));
        assert!(!is_env_name(".env.example"));
        assert!(!is_env_name(".env.local.sample"));
        assert!(!is_env_name(".envrc"));
        assert!(!is_env_name("env"));
        assert!(assigns_values("# c\nexport A=1\n"));
        assert!(!assigns_values("A=\nB=\"\"\n# C=1\n"));
        assert!(!assigns_values("NEXT_PUBLIC_API=https://x\nVITE_KEY=abc\n"));
    }

    #[test]
    fn key_blocks() {
        assert_eq!(
            private_key_block("x\n-----BEGIN RSA PRIVATE KEY-----\nabc").as_deref(),
            Some("RSA PRIVATE KEY")
        );
        assert!(private_key_block("-----BEGIN CERTIFICATE-----\n").is_none());
        assert!(private_key_block("-----BEGIN ").is_none());
    }

    #[test]
    fn ci_paths() {
        assert!(is_ci_file(".github/workflows/ci.yml"));
        assert!(is_ci_file(".gitlab-ci.yml"));
        assert!(is_ci_file("Jenkinsfile"));
        assert!(is_ci_file(".buildkite/pipeline.yml"));
        assert!(!is_ci_file(".github/workflows/README.md"));
        assert!(!is_ci_file("docs/ci.yml"));
    }

    #[test]
    fn scanner_mentions() {
        assert!(mentions(
            "include:\n  - template: jobs/sast.gitlab-ci.yml",
            "sast"
        ));
        assert!(!mentions("job: disaster-recovery", "sast"));
        assert!(mentions(
            "uses: sonarsource/sonarcloud-github-action",
            "sonar"
        ));
        assert!(mentions("run: cargo deny check", "cargo deny"));
        assert!(!mentions("run: pnpm audit", "npm audit"));
        assert!(!mentions("recommend", "mend.io"));
    }
}
