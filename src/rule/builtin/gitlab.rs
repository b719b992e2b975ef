//! Built-in `gitlab` rules: `.gitlab-ci.yml`, `*.gitlab-ci.yml` and `.gitlab/ci/**.yml`.
//!
//! Top-level keywords (`stages`, `variables`, `default`, `include`, `workflow`, `image`,
//! `services`, `before_script`, `after_script`, `cache`, `spec`) are not jobs; every other
//! top-level mapping is a job, and hidden jobs (`.name`) are templates whose content still runs
//! in the jobs that extend them, so content rules judge them too.
//!
//! Add `("gitlab/<name>", factory)` rows to [`RULES`], sorted by id.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::gha::ci::{
    child, child_idx, clip, image_problem, is_credential_name, is_literal_credential, lazy_re,
    truthy, variable_value,
};
use super::gha::{for_docs, report_pipe_to_shell, report_ptr, report_secret_ptr};
use super::{Check, Factory};
use crate::document::{ConfigDoc, Document};
use crate::finding::redact_secret;
use crate::rule::RuleContext;

/// Built-in rules of the `gitlab` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("gitlab/artifacts-expose-secrets", || {
        Box::new(ArtifactsExposeSecrets)
    }),
    ("gitlab/ci-debug-trace", || Box::new(CiDebugTrace)),
    ("gitlab/curl-pipe-shell", || Box::new(CurlPipeShell)),
    ("gitlab/dind-without-tls", || Box::new(DindWithoutTls)),
    ("gitlab/hardcoded-credentials", || {
        Box::new(HardcodedCredentials)
    }),
    ("gitlab/security-job-allow-failure", || {
        Box::new(SecurityJobAllowFailure)
    }),
    ("gitlab/unpinned-image", || Box::new(UnpinnedImage)),
    ("gitlab/unpinned-include", || Box::new(UnpinnedInclude)),
];

const RESERVED: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "types",
    "spec",
];

struct Job<'a> {
    name: &'a str,
    ptr: String,
    m: &'a Map<String, Value>,
}

impl Job<'_> {
    fn hidden(&self) -> bool {
        self.name.starts_with('.')
    }
}

/// The documents of a pipeline file, without a component's `spec:` header document.
fn pipeline_docs(doc: &Document, mut f: impl FnMut(&ConfigDoc)) {
    for_docs(doc, |cdoc| {
        let Some(m) = cdoc.value.as_object() else {
            return;
        };
        if m.len() == 1 && m.contains_key("spec") {
            return;
        }
        f(cdoc);
    });
}

fn jobs(root: &Value) -> Vec<Job<'_>> {
    let Some(m) = root.as_object() else {
        return Vec::new();
    };
    m.iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            Some(Job {
                name: k,
                ptr: child("", k),
                m: v.as_object()?,
            })
        })
        .collect()
}

/// Mappings that can carry job keywords: every job and `default`.
fn job_like(root: &Value) -> Vec<(String, &Map<String, Value>)> {
    let mut out: Vec<(String, &Map<String, Value>)> =
        jobs(root).into_iter().map(|j| (j.ptr, j.m)).collect();
    if let Some(d) = root.get("default").and_then(Value::as_object) {
        out.push(("/default".into(), d));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// gitlab/unpinned-image

struct UnpinnedImage;

/// (pointer, image) for an `image:` value (string or `{name:}`).
fn image_at(ptr: String, v: Option<&Value>) -> Option<(String, &str)> {
    match v? {
        Value::String(s) => Some((ptr, s)),
        Value::Object(o) => o
            .get("name")
            .and_then(Value::as_str)
            .map(|s| (child(&ptr, "name"), s)),
        _ => None,
    }
}

/// Services as (pointer, image name, the service value).
fn services_at(ptr: &str, v: Option<&Value>) -> Vec<(String, String, Option<Value>)> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let p = child_idx(ptr, i);
            match item {
                Value::String(s) => Some((p, s.clone(), None)),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(|s| (child(&p, "name"), s.to_string(), Some(item.clone()))),
                _ => None,
            }
        })
        .collect()
}

impl Check for UnpinnedImage {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        pipeline_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let mut scopes: Vec<(String, &Map<String, Value>)> = job_like(root);
            if let Some(m) = root.as_object() {
                scopes.push((String::new(), m));
            }
            for (ptr, m) in scopes {
                let mut images: Vec<(String, String, &str)> = Vec::new();
                if let Some((p, s)) = image_at(child(&ptr, "image"), m.get("image")) {
                    images.push((p, s.to_string(), "image"));
                }
                for (p, s, _) in services_at(&child(&ptr, "services"), m.get("services")) {
                    images.push((p, s, "service image"));
                }
                for (p, image, what) in images {
                    if let Some(problem) = image_problem(&image) {
                        let how = if problem == "latest" {
                            "uses the floating `:latest` tag"
                        } else {
                            "has no tag or digest (implicitly `:latest`)"
                        };
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &p,
                            format!("{what} `{}` {how}", clip(&image, 80)),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gitlab/curl-pipe-shell

struct CurlPipeShell;

/// Every script line: `script`, `before_script`, `after_script` (string or nested lists).
fn script_lines<'a>(ptr: &str, v: &'a Value, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((ptr.to_string(), s)),
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                script_lines(&child_idx(ptr, i), item, out);
            }
        }
        _ => {}
    }
}

impl Check for CurlPipeShell {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        pipeline_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let mut scopes = job_like(root);
            if let Some(m) = root.as_object() {
                scopes.push((String::new(), m));
            }
            let mut lines = Vec::new();
            for (ptr, m) in scopes {
                for key in ["before_script", "script", "after_script"] {
                    if ptr.is_empty() && key == "script" {
                        continue;
                    }
                    if let Some(v) = m.get(key) {
                        script_lines(&child(&ptr, key), v, &mut lines);
                    }
                }
            }
            for (ptr, line) in lines {
                report_pipe_to_shell(cx, doc, cdoc, &ptr, line);
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Variables.

/// Every `variables:` map: global and per job (and per service).
fn variable_maps(root: &Value) -> Vec<(String, &Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(m) = root.get("variables").and_then(Value::as_object) {
        out.push(("/variables".to_string(), m));
    }
    for job in jobs(root) {
        if let Some(m) = job.m.get("variables").and_then(Value::as_object) {
            out.push((child(&job.ptr, "variables"), m));
        }
    }
    out
}

struct HardcodedCredentials;

impl Check for HardcodedCredentials {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        pipeline_docs(doc, |cdoc| {
            for (ptr, m) in variable_maps(&cdoc.value) {
                for (k, v) in m {
                    let Some((val, nested)) = variable_value(v) else {
                        continue;
                    };
                    if !is_credential_name(k) || !is_literal_credential(&val) {
                        continue;
                    }
                    let entry = child(&ptr, k);
                    let p = if nested {
                        child(&entry, "value")
                    } else {
                        entry
                    };
                    report_secret_ptr(
                        cx,
                        doc,
                        cdoc,
                        &p,
                        format!(
                            "variable `{k}` holds a literal credential ({}); define it as a masked CI/CD variable in the project settings",
                            redact_secret(&val)
                        ),
                        &val,
                    );
                }
            }
        });
    }
}

struct CiDebugTrace;

impl Check for CiDebugTrace {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        pipeline_docs(doc, |cdoc| {
            for (ptr, m) in variable_maps(&cdoc.value) {
                for (k, v) in m {
                    let key = k.trim().to_ascii_uppercase();
                    if key != "CI_DEBUG_TRACE" && key != "CI_DEBUG_SERVICES" {
                        continue;
                    }
                    let (on, at) = match v {
                        Value::Object(o) => (
                            o.get("value").is_some_and(truthy),
                            child(&child(&ptr, k), "value"),
                        ),
                        other => (truthy(other), child(&ptr, k)),
                    };
                    if on {
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &at,
                            format!(
                                "`{k}` is enabled: job logs will contain every CI/CD variable, including masked secrets"
                            ),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gitlab/dind-without-tls

struct DindWithoutTls;

fn is_dind(image: &str) -> bool {
    let lower = image.trim().to_ascii_lowercase();
    let r = super::gha::ci::parse_image(&lower);
    let base = r.name.rsplit('/').next().unwrap_or(r.name);
    (base == "docker" || base.ends_with("dind")) && r.tag.is_some_and(|t| t.contains("dind"))
        || base == "dind"
}

static PLAIN_DOCKER_HOST: LazyLock<Option<Regex>> =
    LazyLock::new(|| lazy_re(r"(?i)^\s*tcp://[^/\s]+:2375\b"));

impl Check for DindWithoutTls {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(plain) = PLAIN_DOCKER_HOST.as_ref() else {
            return;
        };
        pipeline_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let global_services = root
                .get("default")
                .and_then(|d| d.get("services"))
                .map(|_| "/default/services".to_string())
                .or_else(|| root.get("services").map(|_| "/services".to_string()));
            let global_vars = root.get("variables").and_then(Value::as_object);
            let mut seen = HashSet::new();
            for job in jobs(root) {
                let (sptr, svalue) = match job.m.get("services") {
                    Some(v) => (child(&job.ptr, "services"), Some(v)),
                    None => match &global_services {
                        Some(p) => (p.clone(), root.pointer(p)),
                        None => continue,
                    },
                };
                let services = services_at(&sptr, svalue);
                let dind: Vec<_> = services.iter().filter(|(_, s, _)| is_dind(s)).collect();
                if dind.is_empty() {
                    continue;
                }
                let mut hits: Vec<(String, String)> = Vec::new();
                let job_vars = job.m.get("variables").and_then(Value::as_object);
                for (name, why) in [
                    ("DOCKER_TLS_CERTDIR", "disables TLS for the Docker daemon"),
                    (
                        "DOCKER_HOST",
                        "talks to the Docker daemon over plain TCP (port 2375)",
                    ),
                ] {
                    let (ptr, v) = match job_vars.and_then(|m| m.get(name)) {
                        Some(v) => (child(&child(&job.ptr, "variables"), name), v),
                        None => match global_vars.and_then(|m| m.get(name)) {
                            Some(v) => (child("/variables", name), v),
                            None => continue,
                        },
                    };
                    let Some((val, _)) = variable_value(v) else {
                        continue;
                    };
                    let bad = if name == "DOCKER_TLS_CERTDIR" {
                        val.trim().is_empty()
                    } else {
                        plain.is_match(&val)
                    };
                    if bad {
                        hits.push((ptr, format!("`{name}` {why} of the `docker:dind` service")));
                    }
                }
                for (p, _, svc) in &dind {
                    let tls_off = svc
                        .as_ref()
                        .and_then(|s| s.get("command"))
                        .and_then(Value::as_array)
                        .is_some_and(|c| {
                            c.iter().any(|a| {
                                a.as_str().is_some_and(|s| {
                                    let s = s.replace(' ', "");
                                    s == "--tls=false" || s.starts_with("--host=tcp://0.0.0.0:2375")
                                })
                            })
                        });
                    if tls_off {
                        hits.push((
                            format!("{}/command", p.strip_suffix("/name").unwrap_or(p)),
                            "`docker:dind` service is started with TLS disabled".into(),
                        ));
                    }
                }
                for (p, msg) in hits {
                    if seen.insert(p.clone()) {
                        report_ptr(cx, doc, cdoc, &p, format!("{msg} (job `{}`)", job.name));
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gitlab/security-job-allow-failure

struct SecurityJobAllowFailure;

static SECURITY_JOB_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)(?:^|[^a-z])(?:sast|dast|dependency[-_ ]scanning|secret[-_ ]detection|container[-_ ]scanning|license[-_ ]scanning|api[-_ ]fuzzing|coverage[-_ ]fuzzing|iac[-_ ]scanning|cluster[-_ ]image[-_ ]scanning|gemnasium|secrets?[-_ ]analyzer|ds[-_ ]analyzer|cs[-_ ]analyzer|semgrep|spotbugs|kics|trivy|grype|gitleaks|bandit|brakeman|security[-_ ]scan(?:ning)?)(?:$|[^a-z])",
    )
});

impl Check for SecurityJobAllowFailure {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(re) = SECURITY_JOB_RE.as_ref() else {
            return;
        };
        pipeline_docs(doc, |cdoc| {
            for job in jobs(&cdoc.value) {
                if job.hidden() {
                    continue;
                }
                let mut names = vec![job.name.to_string()];
                match job.m.get("extends") {
                    Some(Value::String(s)) => names.push(s.clone()),
                    Some(Value::Array(a)) => {
                        names.extend(a.iter().filter_map(|v| v.as_str().map(str::to_string)))
                    }
                    _ => {}
                }
                if !names.iter().any(|n| re.is_match(n)) {
                    continue;
                }
                let Some(af) = job.m.get("allow_failure") else {
                    continue;
                };
                if matches!(af, Value::Bool(true))
                    || af
                        .as_str()
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
                {
                    report_ptr(
                        cx,
                        doc,
                        cdoc,
                        &child(&job.ptr, "allow_failure"),
                        format!(
                            "security job `{}` may fail without failing the pipeline (`allow_failure: true`)",
                            job.name
                        ),
                    );
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gitlab/artifacts-expose-secrets

struct ArtifactsExposeSecrets;

const KEY_EXTENSIONS: &[&str] = &[
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".ppk",
    ".asc",
    ".gpg",
];
const KEY_NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    "credentials.json",
    "service-account.json",
    ".dockercfg",
    "kubeconfig",
];

/// Why an artifact path exposes secrets, if it does.
fn secret_path(path: &str) -> Option<&'static str> {
    let p = path.trim().trim_end_matches('/').to_ascii_lowercase();
    let base = p.rsplit('/').next().unwrap_or(&p);
    let benign = ["example", "sample", "template", "dist", "defaults"];
    if base == ".env" || base.starts_with(".env.") {
        if benign.iter().any(|b| base.ends_with(b)) {
            return None;
        }
        return Some("a `.env` file");
    }
    if base == ".ssh" || p.ends_with("/.ssh") {
        return Some("an SSH directory");
    }
    if p.ends_with(".docker/config.json") {
        return Some("Docker registry credentials");
    }
    if KEY_NAMES.contains(&base) || KEY_NAMES.iter().any(|n| base.ends_with(&format!("/{n}"))) {
        return Some("a credential file");
    }
    if KEY_EXTENSIONS.iter().any(|e| base.ends_with(e)) {
        return Some("key material");
    }
    None
}

impl Check for ArtifactsExposeSecrets {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        pipeline_docs(doc, |cdoc| {
            for (ptr, m) in job_like(&cdoc.value) {
                let Some(paths) = m
                    .get("artifacts")
                    .and_then(|a| a.get("paths"))
                    .and_then(Value::as_array)
                else {
                    continue;
                };
                let base = format!("{ptr}/artifacts/paths");
                for (i, p) in paths.iter().enumerate() {
                    let Some(s) = p.as_str() else { continue };
                    if let Some(why) = secret_path(s) {
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &child_idx(&base, i),
                            format!(
                                "artifact path `{}` publishes {why} to everyone who can download job artifacts",
                                clip(s, 80)
                            ),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gitlab/unpinned-include

struct UnpinnedInclude;

fn is_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_version(r: &str) -> bool {
    let r = r.trim().trim_start_matches(['v', 'V']);
    !r.is_empty()
        && r.split(['.', '-', '+'])
            .next()
            .is_some_and(|major| !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
}

impl Check for UnpinnedInclude {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let allow_tags = cx.option_bool("allow-tags").unwrap_or(true);
        pipeline_docs(doc, |cdoc| {
            let Some(inc) = cdoc.value.get("include") else {
                return;
            };
            let items: Vec<(String, &Value)> = match inc {
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (child_idx("/include", i), v))
                    .collect(),
                other => vec![("/include".to_string(), other)],
            };
            let pinned = |r: &str| is_sha(r) || r.contains('$') || (allow_tags && is_version(r));
            for (ptr, item) in items {
                match item {
                    Value::String(s) => {
                        let l = s.trim().to_ascii_lowercase();
                        if l.starts_with("http://") || l.starts_with("https://") {
                            report_ptr(
                                cx,
                                doc,
                                cdoc,
                                &ptr,
                                format!(
                                    "remote include `{}` can change at any time; it has no `integrity:` hash",
                                    clip(s, 80)
                                ),
                            );
                        }
                    }
                    Value::Object(o) => {
                        if let Some(url) = o.get("remote").and_then(Value::as_str)
                            && !o.contains_key("integrity")
                        {
                            report_ptr(
                                cx,
                                doc,
                                cdoc,
                                &child(&ptr, "remote"),
                                format!(
                                    "remote include `{}` can change at any time; it has no `integrity:` hash",
                                    clip(url, 80)
                                ),
                            );
                        }
                        if let Some(project) = o.get("project").and_then(Value::as_str) {
                            match o.get("ref").map(|r| match r {
                                Value::String(s) => s.trim().to_string(),
                                other => other.to_string(),
                            }) {
                                None => report_ptr(
                                    cx,
                                    doc,
                                    cdoc,
                                    &child(&ptr, "project"),
                                    format!(
                                        "include from project `{}` has no `ref:`, so it follows the default branch",
                                        clip(project, 80)
                                    ),
                                ),
                                Some(r) if !pinned(&r) => report_ptr(
                                    cx,
                                    doc,
                                    cdoc,
                                    &child(&ptr, "ref"),
                                    format!(
                                        "include from project `{}` is pinned to the moving ref `{r}`, not a commit SHA",
                                        clip(project, 80)
                                    ),
                                ),
                                Some(_) => {}
                            }
                        }
                        if let Some(comp) = o.get("component").and_then(Value::as_str) {
                            let version = comp.rsplit_once('@').map(|(_, v)| v.trim());
                            let bad = match version {
                                None | Some("") => true,
                                Some(v) => v.starts_with('~') || !pinned(v),
                            };
                            if bad {
                                report_ptr(
                                    cx,
                                    doc,
                                    cdoc,
                                    &child(&ptr, "component"),
                                    format!(
                                        "component `{}` is not pinned to a released version or commit SHA",
                                        clip(comp, 80)
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dind_images() {
        assert!(is_dind("docker:dind"));
        assert!(is_dind("docker:24.0.5-dind"));
        assert!(is_dind(
            "registry.example.com/mirror/docker:27-dind-rootless"
        ));
        assert!(!is_dind("docker:24.0.5"));
        assert!(!is_dind("postgres:16"));
    }

    #[test]
    fn secret_paths() {
        assert!(secret_path(".env").is_some());
        assert!(secret_path("config/.env.production").is_some());
        assert!(secret_path(".env.example").is_none());
        assert!(secret_path("certs/*.pem").is_some());
        assert!(secret_path("~/.ssh/id_rsa").is_some());
        assert!(secret_path("dist/").is_none());
    }

    #[test]
    fn versions() {
        assert!(is_version("v1.2.3"));
        assert!(is_version("2"));
        assert!(!is_version("main"));
        assert!(is_sha("0123456789abcdef0123456789abcdef01234567"));
    }
}
