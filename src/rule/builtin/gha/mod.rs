//! Built-in `gha` rules: GitHub Actions workflows (`.github/workflows/*.yml`) and action metadata
//! (`action.yml`, composite steps under `runs.steps`).
//!
//! Add `("gha/<name>", factory)` rows to [`RULES`], sorted by id.

pub mod ci;

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::{Check, Factory};
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, DocumentKind, Span};
use crate::finding::redact_secret;
use crate::rule::RuleContext;
use ci::{
    child, child_idx, clip, context_refs, image_problem, is_credential_name, is_literal_credential,
    lazy_re, pipe_to_shell, raw_expressions, truthy, untrusted_refs, value_expressions,
    value_region,
};

/// Built-in rules of the `gha` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("gha/broad-job-permissions", || {
        Box::new(BroadJobPermissions)
    }),
    ("gha/checkout-persist-credentials", || {
        Box::new(CheckoutPersistCredentials)
    }),
    ("gha/curl-pipe-shell", || Box::new(CurlPipeShell)),
    ("gha/dangerous-trigger", || Box::new(DangerousTrigger)),
    ("gha/docker-action-unpinned", || {
        Box::new(DockerActionUnpinned)
    }),
    ("gha/github-env-injection", || Box::new(GithubEnvInjection)),
    ("gha/hardcoded-credentials", || {
        Box::new(HardcodedCredentials)
    }),
    ("gha/invalid-local-action-path", || {
        Box::new(InvalidLocalActionPath)
    }),
    ("gha/missing-permissions", || Box::new(MissingPermissions)),
    ("gha/script-injection", || {
        Box::new(ScriptInjection { inputs: false })
    }),
    ("gha/secrets-inherit", || Box::new(SecretsInherit)),
    ("gha/self-hosted-runner-pr", || Box::new(SelfHostedRunnerPr)),
    ("gha/unpinned-action", || Box::new(UnpinnedAction)),
    ("gha/unpinned-container-image", || {
        Box::new(UnpinnedContainerImage)
    }),
    ("gha/unsecure-commands", || Box::new(UnsecureCommands)),
    ("gha/untrusted-checkout", || Box::new(UntrustedCheckout)),
    ("gha/workflow-input-injection", || {
        Box::new(ScriptInjection { inputs: true })
    }),
    ("gha/workflow-write-permissions", || {
        Box::new(WorkflowWritePermissions)
    }),
    ("gha/write-all-permissions", || {
        Box::new(WriteAllPermissions)
    }),
];

// ---------------------------------------------------------------------------------------------
// Workflow model.

struct Job<'a> {
    id: String,
    ptr: String,
    m: &'a Map<String, Value>,
}

struct Step<'a> {
    ptr: String,
    m: &'a Map<String, Value>,
    /// The job the step belongs to (`None` for a composite action's step).
    job: Option<&'a Map<String, Value>>,
}

impl<'a> Step<'a> {
    fn uses(&self) -> Option<&'a str> {
        self.m.get("uses").and_then(Value::as_str).map(str::trim)
    }
    fn uses_action(&self, action: &str) -> bool {
        self.uses().is_some_and(|u| {
            let name = u.split('@').next().unwrap_or(u).to_ascii_lowercase();
            name == action || name.starts_with(&format!("{action}/"))
        })
    }
    fn with_str(&self, key: &str) -> Option<&'a str> {
        self.m.get("with")?.get(key)?.as_str()
    }
}

fn jobs(root: &Value) -> Vec<Job<'_>> {
    let Some(jobs) = root.get("jobs").and_then(Value::as_object) else {
        return Vec::new();
    };
    jobs.iter()
        .filter_map(|(id, j)| {
            Some(Job {
                id: id.clone(),
                ptr: child("/jobs", id),
                m: j.as_object()?,
            })
        })
        .collect()
}

fn job_steps<'a>(job: &Job<'a>) -> Vec<Step<'a>> {
    let Some(steps) = job.m.get("steps").and_then(Value::as_array) else {
        return Vec::new();
    };
    let base = child(&job.ptr, "steps");
    steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Some(Step {
                ptr: child_idx(&base, i),
                m: s.as_object()?,
                job: Some(job.m),
            })
        })
        .collect()
}

/// Every step: workflow jobs' steps and composite actions' `runs.steps`.
fn all_steps(root: &Value) -> Vec<Step<'_>> {
    let mut out: Vec<Step> = jobs(root).iter().flat_map(job_steps).collect();
    if let Some(steps) = root
        .get("runs")
        .and_then(|r| r.get("steps"))
        .and_then(Value::as_array)
    {
        for (i, s) in steps.iter().enumerate() {
            if let Some(m) = s.as_object() {
                out.push(Step {
                    ptr: format!("/runs/steps/{i}"),
                    m,
                    job: None,
                });
            }
        }
    }
    out
}

/// The `on:` value and its pointer (`on` is a string key in YAML 1.2; `true` in 1.1 readers).
fn on_ptr(root: &Value) -> Option<(&Value, &'static str)> {
    if let Some(v) = root.get("on") {
        return Some((v, "/on"));
    }
    root.get("true").map(|v| (v, "/true"))
}

/// Triggers as (event name, pointer of where it is named). `on:` may be a string, a list or a map.
fn triggers(root: &Value) -> Vec<(String, String)> {
    let Some((on, p)) = on_ptr(root) else {
        return Vec::new();
    };
    match on {
        Value::String(s) => vec![(s.trim().to_string(), p.to_string())],
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((v.as_str()?.trim().to_string(), child_idx(p, i))))
            .collect(),
        Value::Object(m) => m.keys().map(|k| (k.clone(), child(p, k))).collect(),
        _ => Vec::new(),
    }
}

fn has_trigger(root: &Value, names: &[&str]) -> bool {
    triggers(root)
        .iter()
        .any(|(t, _)| names.contains(&t.as_str()))
}

/// Triggers that run with the base repository's secrets and a write token on events an outsider
/// can cause.
const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

/// Each config document of a document, with its text.
pub(crate) fn for_docs(doc: &Document, mut f: impl FnMut(&ConfigDoc)) {
    if let Ok(docs) = doc.config() {
        for d in docs {
            if d.value.is_object() {
                f(d);
            }
        }
    }
}

pub(crate) fn report_at(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    span: Span,
    key: &str,
    msg: String,
) {
    cx.report(&doc.path, Some(span), msg)
        .with_key_mut(format!("{}#{key}", cdoc.index));
}

pub(crate) fn report_ptr(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    msg: String,
) {
    let span = ci::trim_quoted_end(cdoc, &doc.text, ptr, best_span(cdoc, ptr, &doc.text));
    report_at(cx, doc, cdoc, span, ptr, msg);
}

/// Report a literal credential `secret`, the value at `ptr`, masked in every output (`msg` shows
/// it with [`redact_secret`] only).
pub(crate) fn report_secret_ptr(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    msg: String,
    secret: &str,
) {
    let span = ci::trim_quoted_end(cdoc, &doc.text, ptr, best_span(cdoc, ptr, &doc.text));
    let f = cx.report(&doc.path, Some(span), msg);
    f.with_key_mut(format!("{}#{ptr}", cdoc.index));
    f.redact = Some(cdoc.literal_span(&doc.text, ptr, secret));
}

/// Report at the mapping key of `ptr` (for entries whose value spans several lines).
pub(crate) fn report_key(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    msg: String,
) {
    let span = cdoc.key_span_for(ptr).clamp_to(&doc.text);
    let span = if doc.text[span.start..span.end].contains('\n') {
        best_span(cdoc, ptr, &doc.text)
    } else {
        span
    };
    report_at(cx, doc, cdoc, span, ptr, msg);
}

/// Actions that run one of their inputs as a script, a command line or a program (shell,
/// PowerShell, JavaScript, jq/yq), so an expression expanded into that input is code injection
/// like one in `run:`. Curated from the actions' documentation (and the sinks CodeQL and zizmor
/// track); input names compare case-insensitively, as GitHub does.
const SCRIPT_INPUTS: &[(&str, &[&str], &str)] = &[
    ("actions/github-script", &["script"], "github-script script"),
    ("amadevus/pwsh-script", &["script"], "PowerShell script"),
    ("addnab/docker-run-action", &["run"], "container script"),
    ("appleboy/ssh-action", &["script"], "remote shell script"),
    ("azure/cli", &["inlinescript"], "Azure CLI script"),
    ("azure/powershell", &["inlinescript"], "PowerShell script"),
    (
        "cloudflare/wrangler-action",
        &["command", "precommands", "postcommands"],
        "wrangler command",
    ),
    ("devcontainers/ci", &["runcmd"], "dev container command"),
    ("devorbitus/yq-action-output", &["cmd"], "yq command"),
    (
        "gautamkrishnar/blog-post-workflow",
        &["item_exec"],
        "JavaScript snippet",
    ),
    (
        "jannekem/run-python-script-action",
        &["script"],
        "Python script",
    ),
    ("mikefarah/yq", &["cmd"], "yq command"),
    ("nick-fields/retry", &["command"], "retried command"),
    ("nick-invision/retry", &["command"], "retried command"),
    ("sergeysova/jq-action", &["cmd"], "jq command"),
    (
        "uraimo/run-on-arch-action",
        &["run"],
        "emulated shell script",
    ),
];

/// Scripts a step runs: `run:` and the script inputs of the actions in [`SCRIPT_INPUTS`].
fn step_scripts<'a>(step: &Step<'a>) -> Vec<(String, &'a str, &'static str)> {
    let mut out = Vec::new();
    if let Some(run) = step.m.get("run").and_then(Value::as_str) {
        out.push((child(&step.ptr, "run"), run, "run script"));
    }
    let Some(with) = step.m.get("with").and_then(Value::as_object) else {
        return out;
    };
    for (action, inputs, what) in SCRIPT_INPUTS {
        if !step.uses_action(action) {
            continue;
        }
        for (k, v) in with {
            if let Some(script) = v.as_str()
                && inputs.contains(&k.to_ascii_lowercase().as_str())
            {
                out.push((child(&format!("{}/with", step.ptr), k), script, what));
            }
        }
    }
    out
}

/// The `env.NAME` entry a step sees, as (name as declared, value): its own `env:`, else its
/// job's, else the workflow's (names compare case-insensitively, as in expressions).
fn env_value<'a>(root: &'a Value, step: &Step<'a>, name: &str) -> Option<(&'a str, &'a str)> {
    [
        Some(step.m),
        step.job,
        root.as_object().filter(|_| step.job.is_some()),
    ]
    .into_iter()
    .flatten()
    .find_map(|m| {
        m.get("env")?
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
    })
}

/// Why an expression expanded into a script is injectable. With `inputs` false: an
/// attacker-controlled context, directly or through an `env.NAME` whose value holds one. With
/// `inputs` true (when the first finds nothing): a workflow input, which only users who can run
/// the workflow (or a calling workflow) set.
fn injection_source(root: &Value, step: &Step<'_>, expr: &str, inputs: bool) -> Option<String> {
    let direct = untrusted_refs(expr).into_iter().next();
    let via_env = || {
        context_refs(expr).into_iter().find_map(|r| {
            let [ctx, name] = r.as_slice() else {
                return None;
            };
            let (key, v) = env_value(root, step, name).filter(|_| ctx == "env")?;
            let first = value_expressions(v)
                .iter()
                .find_map(|e| untrusted_refs(e).into_iter().next())?;
            Some(format!(
                "`env.{key}`, which holds attacker-controlled `{first}`,"
            ))
        })
    };
    let untrusted = match direct {
        Some(first) => Some(format!("attacker-controlled `{first}`")),
        None => via_env(),
    };
    if !inputs {
        return untrusted;
    }
    if untrusted.is_some() {
        return None;
    }
    context_refs(expr)
        .into_iter()
        .find(|r| {
            r.len() >= 2 && r[0] == "inputs"
                || r.len() >= 4 && r[0] == "github" && r[1] == "event" && r[2] == "inputs"
        })
        .map(|r| format!("workflow input `{}`", r.join(".")))
}

/// "a run script", "an Azure CLI script".
fn article(what: &str) -> &'static str {
    if what.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Only `run:` scripts (shell).
fn step_run<'a>(step: &Step<'a>) -> Option<(String, &'a str)> {
    step.m
        .get("run")
        .and_then(Value::as_str)
        .map(|r| (child(&step.ptr, "run"), r))
}

/// Every `env:` map: workflow, job, job container and services, steps, composite steps.
fn env_maps(root: &Value) -> Vec<(String, &Map<String, Value>)> {
    let mut out = Vec::new();
    fn push<'v>(
        out: &mut Vec<(String, &'v Map<String, Value>)>,
        ptr: String,
        v: Option<&'v Value>,
    ) {
        if let Some(m) = v.and_then(Value::as_object) {
            out.push((ptr, m));
        }
    }
    push(&mut out, "/env".into(), root.get("env"));
    for job in jobs(root) {
        push(&mut out, child(&job.ptr, "env"), job.m.get("env"));
        if let Some(c) = job.m.get("container") {
            push(&mut out, format!("{}/container/env", job.ptr), c.get("env"));
        }
        if let Some(s) = job.m.get("services").and_then(Value::as_object) {
            for (name, svc) in s {
                push(
                    &mut out,
                    format!("{}/env", child(&format!("{}/services", job.ptr), name)),
                    svc.get("env"),
                );
            }
        }
    }
    for step in all_steps(root) {
        push(&mut out, child(&step.ptr, "env"), step.m.get("env"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// gha/script-injection

/// `gha/script-injection`, or with `inputs`, `gha/workflow-input-injection`.
struct ScriptInjection {
    inputs: bool,
}

impl Check for ScriptInjection {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            let root = &cdoc.value;
            for step in all_steps(root) {
                for (ptr, script, what) in step_scripts(&step) {
                    if !script.contains("${{") {
                        continue;
                    }
                    let mut found = false;
                    if let Some(region) = value_region(cdoc, &doc.text, &ptr) {
                        for (n, e) in raw_expressions(&doc.text, region, script)
                            .iter()
                            .enumerate()
                        {
                            let Some(source) = injection_source(root, &step, &e.inner, self.inputs)
                            else {
                                continue;
                            };
                            found = true;
                            let msg = format!(
                                "`{}` expands {source} into {} {what}",
                                clip(&format!("${{{{ {} }}}}", e.inner.trim()), 80),
                                article(what)
                            );
                            report_at(cx, doc, cdoc, e.span, &format!("{ptr}#{n}"), msg);
                        }
                    }
                    if !found {
                        // Not locatable in the raw text (unusual escaping): point at the entry.
                        for e in value_expressions(script) {
                            if let Some(source) = injection_source(root, &step, &e, self.inputs) {
                                let msg = format!(
                                    "`{}` expands {source} into {} {what}",
                                    clip(&format!("${{{{ {} }}}}", e.trim()), 80),
                                    article(what)
                                );
                                report_ptr(cx, doc, cdoc, &ptr, msg);
                                break;
                            }
                        }
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/unpinned-action

struct UnpinnedAction;

static SHA_RE: LazyLock<Option<Regex>> = LazyLock::new(|| lazy_re(r"^[0-9a-fA-F]{40}$"));
static VERSION_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| lazy_re(r"^v?\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?$"));

fn is_full_sha(r: &str) -> bool {
    SHA_RE.as_ref().is_some_and(|re| re.is_match(r))
}

fn is_version_tag(r: &str) -> bool {
    VERSION_RE.as_ref().is_some_and(|re| re.is_match(r))
}

/// A reusable workflow of the SLSA GitHub generator (`slsa-framework/slsa-github-generator/
/// .github/workflows/*.yml`), which must be referenced by a version tag.
fn is_slsa_generator_workflow(name: &str) -> bool {
    name.to_ascii_lowercase()
        .strip_prefix("slsa-framework/slsa-github-generator/.github/workflows/")
        .is_some_and(|f| !f.contains('/') && (f.ends_with(".yml") || f.ends_with(".yaml")))
}

/// All `uses:` pointers with their values: steps, composite steps and reusable-workflow jobs.
fn all_uses(root: &Value) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for job in jobs(root) {
        if let Some(u) = job.m.get("uses").and_then(Value::as_str) {
            out.push((child(&job.ptr, "uses"), u.trim()));
        }
    }
    for step in all_steps(root) {
        if let Some(u) = step.uses() {
            out.push((child(&step.ptr, "uses"), u));
        }
    }
    out
}

/// `../shared-action`: a path that is not GitHub's `./` local-action syntax (see
/// `gha/invalid-local-action-path`).
fn is_parent_path(uses: &str) -> bool {
    uses == ".." || uses.starts_with("../") || uses.starts_with("..\\")
}

// ---------------------------------------------------------------------------------------------
// gha/invalid-local-action-path

struct InvalidLocalActionPath;

impl Check for InvalidLocalActionPath {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for (ptr, uses) in all_uses(&cdoc.value) {
                if is_parent_path(uses) {
                    report_ptr(
                        cx,
                        doc,
                        cdoc,
                        &ptr,
                        format!(
                            "`{uses}` is not a valid action reference: local actions start with `./` (the repository root)"
                        ),
                    );
                }
            }
        });
    }
}

impl Check for UnpinnedAction {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let trusted: Vec<String> = cx
            .option_str_list("trusted-owners")
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let first_party_tags = cx.option_bool("allow-first-party-tags").unwrap_or(true);
        for_docs(doc, |cdoc| {
            for (ptr, uses) in all_uses(&cdoc.value) {
                if uses.starts_with("./")
                    || uses.starts_with(".\\")
                    || is_parent_path(uses)
                    || uses.to_ascii_lowercase().starts_with("docker://")
                    || uses.contains("${{")
                    || uses.is_empty()
                {
                    continue;
                }
                let (name, reference) = match uses.rsplit_once('@') {
                    Some((n, r)) => (n, Some(r.trim())),
                    None => (uses, None),
                };
                let owner = name.split('/').next().unwrap_or(name).to_ascii_lowercase();
                if trusted
                    .iter()
                    .any(|t| *t == owner || name.to_ascii_lowercase() == *t)
                {
                    continue;
                }
                let msg = match reference {
                    None | Some("") => format!("`{uses}` is not pinned to any version"),
                    Some(r) if is_full_sha(r) => continue,
                    Some(r) if is_version_tag(r) => {
                        if first_party_tags && matches!(owner.as_str(), "actions" | "github") {
                            continue;
                        }
                        // The SLSA generator verifies the tag its reusable workflows are called
                        // by; a SHA makes provenance generation fail.
                        if is_slsa_generator_workflow(name) {
                            continue;
                        }
                        format!(
                            "`{name}` is pinned to the mutable tag `{r}`, not a full commit SHA"
                        )
                    }
                    Some(r)
                        if r.len() < 40
                            && r.bytes().all(|b| b.is_ascii_hexdigit())
                            && r.len() >= 7 =>
                    {
                        format!(
                            "`{name}` is pinned to the short SHA `{r}`; use the full 40-character commit SHA"
                        )
                    }
                    Some(r) => format!(
                        "`{name}` is pinned to the branch or ref `{r}`, not a full commit SHA"
                    ),
                };
                report_ptr(cx, doc, cdoc, &ptr, msg);
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/docker-action-unpinned

struct DockerActionUnpinned;

impl Check for DockerActionUnpinned {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            let mut refs = all_uses(&cdoc.value);
            if let Some(img) = cdoc
                .value
                .get("runs")
                .and_then(|r| r.get("image"))
                .and_then(Value::as_str)
            {
                refs.push(("/runs/image".into(), img.trim()));
            }
            for (ptr, uses) in refs {
                let lower = uses.to_ascii_lowercase();
                let Some(image) = lower.strip_prefix("docker://") else {
                    continue;
                };
                if image.contains("@sha256:") || image.contains("${{") {
                    continue;
                }
                let image = &uses["docker://".len()..];
                report_ptr(
                    cx,
                    doc,
                    cdoc,
                    &ptr,
                    format!(
                        "Docker action `{image}` is referenced by tag, not by `@sha256:` digest"
                    ),
                );
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/dangerous-trigger

struct DangerousTrigger;

impl Check for DangerousTrigger {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for (name, ptr) in triggers(&cdoc.value) {
                if PRIVILEGED_TRIGGERS.contains(&name.as_str()) {
                    report_key(
                        cx,
                        doc,
                        cdoc,
                        &ptr,
                        format!(
                            "workflow runs on `{name}`, with secrets and a write token, for events outsiders can trigger"
                        ),
                    );
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/untrusted-checkout

struct UntrustedCheckout;

static HEAD_REF_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)github\.event\.pull_request\.head\.(?:sha|ref)|github\.event\.pull_request\.merge_commit_sha|github\.head_ref|github\.event\.workflow_run\.head_(?:sha|branch|commit\.id)|github\.event\.workflow_run\.pull_requests|refs/pull/|\bpull/\$|github\.event\.number",
    )
});

static HEAD_REPO_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)github\.event\.pull_request\.head\.repo\.full_name|github\.event\.workflow_run\.head_repository\.full_name",
    )
});

static GIT_CHECKOUT_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)\bgh\s+pr\s+checkout\b|\bgit\s+(?:fetch|checkout|switch|pull|reset)\b[^\n#]*?(?:refs/pull/|\bpull/|head\.sha|head\.ref|head_ref|head_sha|head_branch|head_commit\.id|merge_commit_sha)",
    )
});

impl Check for UntrustedCheckout {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let (Some(head), Some(repo), Some(git)) = (
            HEAD_REF_RE.as_ref(),
            HEAD_REPO_RE.as_ref(),
            GIT_CHECKOUT_RE.as_ref(),
        ) else {
            return;
        };
        for_docs(doc, |cdoc| {
            let trig: Vec<String> = triggers(&cdoc.value)
                .into_iter()
                .map(|(t, _)| t)
                .filter(|t| {
                    matches!(
                        t.as_str(),
                        "pull_request_target" | "workflow_run" | "issue_comment"
                    )
                })
                .collect();
            let Some(trigger) = trig.first() else { return };
            for step in all_steps(&cdoc.value) {
                if step.uses_action("actions/checkout") {
                    for (key, re) in [("ref", head), ("repository", repo)] {
                        if let Some(v) = step.with_str(key)
                            && re.is_match(v)
                        {
                            report_ptr(
                                cx,
                                doc,
                                cdoc,
                                &format!("{}/with/{key}", step.ptr),
                                format!(
                                    "`{trigger}` workflow checks out untrusted pull request code (`{key}: {}`)",
                                    clip(v, 60)
                                ),
                            );
                        }
                    }
                }
                if let Some((ptr, run)) = step_run(&step)
                    && git.is_match(run)
                {
                    let region = value_region(cdoc, &doc.text, &ptr);
                    let mut reported = false;
                    if let Some(r) = region
                        && let Some(slice) = doc.text.get(r.start..r.end)
                    {
                        for m in git.find_iter(slice) {
                            reported = true;
                            let span = Span::new(r.start + m.start(), r.start + m.end());
                            report_at(
                                cx,
                                doc,
                                cdoc,
                                span,
                                &format!("{ptr}#{}", m.start()),
                                format!(
                                    "`{trigger}` workflow fetches untrusted pull request code: `{}`",
                                    clip(m.as_str(), 60)
                                ),
                            );
                        }
                    }
                    if !reported {
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &ptr,
                            format!("`{trigger}` workflow fetches untrusted pull request code"),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/write-all-permissions

struct WriteAllPermissions;

impl Check for WriteAllPermissions {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            let mut ptrs = vec![("/permissions".to_string(), "workflow".to_string())];
            for job in jobs(&cdoc.value) {
                ptrs.push((child(&job.ptr, "permissions"), format!("job `{}`", job.id)));
            }
            for (ptr, what) in ptrs {
                if cdoc
                    .value
                    .pointer(&ptr)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("write-all"))
                {
                    report_ptr(
                        cx,
                        doc,
                        cdoc,
                        &ptr,
                        format!("{what} grants the GITHUB_TOKEN `write-all` permissions"),
                    );
                }
            }
        });
    }
}

/// The jobs that set no `permissions:` of their own (they take the workflow's).
fn without_permissions<'a, 'b>(js: &'b [Job<'a>]) -> Vec<&'b Job<'a>> {
    js.iter()
        .filter(|j| !j.m.contains_key("permissions"))
        .collect()
}

/// The first three job ids, quoted, and `…` for more: `` `lint`, `test`, `build`, … ``.
fn job_list(js: &[&Job]) -> String {
    let names: Vec<&str> = js.iter().take(3).map(|j| j.id.as_str()).collect();
    let more = if js.len() > 3 { ", …" } else { "" };
    format!("`{}`{more}", names.join("`, `"))
}

// ---------------------------------------------------------------------------------------------
// gha/workflow-write-permissions

struct WorkflowWritePermissions;

impl Check for WorkflowWritePermissions {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if doc.kind != DocumentKind::GithubWorkflow {
            return;
        }
        for_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let Some(perms) = root.get("permissions").and_then(Value::as_object) else {
                return;
            };
            let js = jobs(root);
            // Workflow-level permissions act as job-level ones when there is one job, when every
            // job sets its own, or when only callers run the workflow (they decide its token).
            let ts = triggers(root);
            let reusable_only = ts.len() == 1 && ts[0].0 == "workflow_call";
            let inheriting = without_permissions(&js);
            if js.len() < 2 || inheriting.is_empty() || reusable_only {
                return;
            }
            let names = job_list(&inheriting);
            for (scope, level) in perms {
                if level.as_str().map(str::trim) != Some("write") {
                    continue;
                }
                report_ptr(
                    cx,
                    doc,
                    cdoc,
                    &child("/permissions", scope),
                    format!(
                        "`{scope}: write` is set for the whole workflow, so job(s) {names} get it whether they need it or not"
                    ),
                );
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/missing-permissions

struct MissingPermissions;

impl Check for MissingPermissions {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        if doc.kind != DocumentKind::GithubWorkflow {
            return;
        }
        for_docs(doc, |cdoc| {
            let root = &cdoc.value;
            if root.get("permissions").is_some() {
                return;
            }
            let js = jobs(root);
            let open = without_permissions(&js);
            if open.is_empty() {
                return;
            }
            let msg = format!(
                "no top-level `permissions:`; job(s) {} run with the repository's default GITHUB_TOKEN scope",
                job_list(&open)
            );
            match on_ptr(root) {
                Some((_, p)) => report_key(cx, doc, cdoc, p, msg),
                None => report_key(cx, doc, cdoc, "/jobs", msg),
            }
            // `contents: read` is all these jobs need only when their steps are known to need no
            // more; otherwise the fix would break them, and none is offered.
            if open.iter().all(|j| reads_only(j)) {
                let after = on_ptr(root).map(|(_, p)| &p[1..]);
                let fix = crate::fix::yaml::set(
                    &doc.text,
                    cdoc,
                    "",
                    &["permissions"],
                    &serde_json::json!({"contents": "read"}),
                    after,
                )
                .map(|e| crate::fix::Fix::one("add `permissions: contents: read`", e));
                if let Some(f) = cx.findings.last_mut() {
                    f.with_fix_mut(fix);
                }
            }
        });
    }
}

/// Actions that need no token scope beyond reading the repository.
const READ_ONLY_ACTIONS: &[&str] = &[
    "actions/checkout",
    "actions/setup-",
    "actions/cache",
    "actions/upload-artifact",
    "actions/download-artifact",
    "dtolnay/rust-toolchain",
    "swatinem/rust-cache",
];

/// A job whose steps only read the repository: no reusable workflow, only actions from
/// [`READ_ONLY_ACTIONS`], and no step that hands the token on.
fn reads_only(job: &Job) -> bool {
    if job.m.contains_key("uses") {
        return false;
    }
    job_steps(job).iter().all(|s| {
        let action_ok = s.uses().is_none_or(|u| {
            let name = u.split('@').next().unwrap_or(u).to_ascii_lowercase();
            READ_ONLY_ACTIONS.iter().any(|a| name.starts_with(a))
        });
        let text = Value::Object(s.m.clone()).to_string().to_ascii_lowercase();
        action_ok && !text.contains("github_token") && !text.contains("github.token")
    })
}

// ---------------------------------------------------------------------------------------------
// gha/broad-job-permissions

struct BroadJobPermissions;

const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "unit",
    "unittest",
    "unittests",
    "integration",
    "lint",
    "linter",
    "linting",
    "check",
    "checks",
    "fmt",
    "format",
    "clippy",
    "coverage",
    "e2e",
    "spec",
    "specs",
    "typecheck",
    "vet",
    "style",
    "pytest",
    "jest",
];

const BROAD_SCOPES: &[&str] = &["contents", "packages", "actions", "deployments", "pages"];

static WRITE_STEP_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r"(?i)release|publish|deploy|pages|push|commit|create-pull-request|\btag\b|changeset|upload-release|\bgh\s+(?:release|pr|api|workflow)\b|\bgit\s+tag\b|twine\s+upload|docker\s+push",
    )
});

fn looks_like_test_job(job: &Job) -> bool {
    let mut text = job.id.clone();
    if let Some(n) = job.m.get("name").and_then(Value::as_str) {
        text.push(' ');
        text.push_str(n);
    }
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| TEST_WORDS.contains(&w))
}

impl Check for BroadJobPermissions {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Some(write_re) = WRITE_STEP_RE.as_ref() else {
            return;
        };
        for_docs(doc, |cdoc| {
            for job in jobs(&cdoc.value) {
                let Some(perms) = job.m.get("permissions").and_then(Value::as_object) else {
                    continue;
                };
                if !looks_like_test_job(&job) {
                    continue;
                }
                let writes = job_steps(&job).iter().any(|s| {
                    s.uses().is_some_and(|u| write_re.is_match(u))
                        || s.m
                            .get("run")
                            .and_then(Value::as_str)
                            .is_some_and(|r| write_re.is_match(r))
                });
                if writes {
                    continue;
                }
                for (scope, level) in perms {
                    if BROAD_SCOPES.contains(&scope.as_str())
                        && level
                            .as_str()
                            .is_some_and(|l| l.trim().eq_ignore_ascii_case("write"))
                    {
                        let ptr = child(&child(&job.ptr, "permissions"), scope);
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &ptr,
                            format!(
                                "job `{}` looks like a test or check job but is granted `{scope}: write`",
                                job.id
                            ),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/secrets-inherit

struct SecretsInherit;

impl Check for SecretsInherit {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for job in jobs(&cdoc.value) {
                if job
                    .m
                    .get("secrets")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.trim() == "inherit")
                {
                    let target = job
                        .m
                        .get("uses")
                        .and_then(Value::as_str)
                        .unwrap_or("a reusable workflow");
                    report_ptr(
                        cx,
                        doc,
                        cdoc,
                        &child(&job.ptr, "secrets"),
                        format!(
                            "job `{}` passes every secret to `{}` with `secrets: inherit`",
                            job.id,
                            clip(target, 80)
                        ),
                    );
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/checkout-persist-credentials

struct CheckoutPersistCredentials;

fn persist_false(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => !b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("false"),
        _ => false,
    }
}

impl Check for CheckoutPersistCredentials {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            let steps = all_steps(&cdoc.value);
            if !steps
                .iter()
                .any(|s| s.uses_action("actions/upload-artifact"))
            {
                return;
            }
            for s in &steps {
                if !s.uses_action("actions/checkout") {
                    continue;
                }
                let with = s.m.get("with");
                if persist_false(with.and_then(|w| w.get("persist-credentials"))) {
                    continue;
                }
                report_ptr(
                    cx,
                    doc,
                    cdoc,
                    &child(&s.ptr, "uses"),
                    "`actions/checkout` keeps the token in `.git/config` (no `persist-credentials: false`) in a workflow that uploads artifacts".into(),
                );
                let fix = crate::fix::yaml::set(
                    &doc.text,
                    cdoc,
                    &s.ptr,
                    &["with", "persist-credentials"],
                    &Value::Bool(false),
                    None,
                )
                .map(|e| crate::fix::Fix::one("set `persist-credentials: false`", e));
                if let Some(f) = cx.findings.last_mut() {
                    f.with_fix_mut(fix);
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/github-env-injection

struct GithubEnvInjection;

static ENV_WRITE_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    lazy_re(
        r#"(?i)(?:>>?|\btee\b(?:\s+-[a-z]+|\s+--append)*)\s*["']?\$\{?(?:env:)?GITHUB_(?:ENV|PATH)\b\}?["']?|(?:Out-File|Add-Content|Set-Content)\b[^\n]*\$env:GITHUB_(?:ENV|PATH)\b|(?:-FilePath|-Path)\s+["']?\$env:GITHUB_(?:ENV|PATH)\b"#,
    )
});

static EXPANSION_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| lazy_re(r"\$\(|`|\$\{\{|\$\{?(?:env:)?([A-Za-z_][A-Za-z0-9_]*)"));

/// Env variable names bound to attacker-controlled expressions at any level visible to a step.
fn tainted_env(maps: &[&Map<String, Value>]) -> Vec<String> {
    maps.iter()
        .flat_map(|m| m.iter())
        .filter(|(_, v)| {
            v.as_str().is_some_and(|s| {
                value_expressions(s)
                    .iter()
                    .any(|e| !untrusted_refs(e).is_empty())
            })
        })
        .map(|(k, _)| k.to_ascii_uppercase())
        .collect()
}

impl Check for GithubEnvInjection {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let (Some(write_re), Some(exp_re)) = (ENV_WRITE_RE.as_ref(), EXPANSION_RE.as_ref()) else {
            return;
        };
        for_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let privileged = has_trigger(root, PRIVILEGED_TRIGGERS);
            let wf_env = root.get("env").and_then(Value::as_object);
            let mut steps: Vec<(Option<&Map<String, Value>>, Step)> = Vec::new();
            for job in jobs(root) {
                let jenv = job.m.get("env").and_then(Value::as_object);
                for s in job_steps(&job) {
                    steps.push((jenv, s));
                }
            }
            let n_job_steps = steps.len();
            for (i, s) in all_steps(root).into_iter().enumerate() {
                if i >= n_job_steps {
                    steps.push((None, s));
                }
            }
            for (jenv, step) in steps {
                let Some((ptr, run)) = step_run(&step) else {
                    continue;
                };
                if !run.contains("GITHUB_ENV") && !run.contains("GITHUB_PATH") {
                    continue;
                }
                let Some(region) = value_region(cdoc, &doc.text, &ptr) else {
                    continue;
                };
                let Some(slice) = doc.text.get(region.start..region.end) else {
                    continue;
                };
                let maps: Vec<&Map<String, Value>> =
                    [wf_env, jenv, step.m.get("env").and_then(Value::as_object)]
                        .into_iter()
                        .flatten()
                        .collect();
                let tainted_vars = tainted_env(&maps);
                for m in write_re.find_iter(slice) {
                    let line_start = slice[..m.start()].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = slice[m.end()..]
                        .find('\n')
                        .map_or(slice.len(), |i| m.end() + i);
                    let line = &slice[line_start..line_end];
                    if line.trim_start().starts_with('#') {
                        continue;
                    }
                    let file_var = if m.as_str().to_ascii_uppercase().contains("GITHUB_PATH") {
                        "$GITHUB_PATH"
                    } else {
                        "$GITHUB_ENV"
                    };
                    let mut why: Option<String> = None;
                    if line.contains("${{")
                        && raw_expressions(
                            &doc.text,
                            Span::new(region.start + line_start, region.start + line_end),
                            run,
                        )
                        .iter()
                        .any(|e| !untrusted_refs(&e.inner).is_empty())
                    {
                        why = Some("an attacker-controlled expression".into());
                    }
                    if why.is_none() {
                        for c in exp_re.captures_iter(line) {
                            if let Some(name) = c.get(1) {
                                let n = name.as_str().to_ascii_uppercase();
                                if tainted_vars.contains(&n) {
                                    why = Some(format!(
                                        "`${}`, which holds attacker-controlled input",
                                        name.as_str()
                                    ));
                                    break;
                                }
                            }
                        }
                    }
                    if why.is_none() && privileged {
                        let t = line.trim_start();
                        let grouped =
                            t.starts_with('}') || t.starts_with("done") || t.starts_with(')');
                        let dynamic = exp_re.captures_iter(line).any(|c| match c.get(1) {
                            Some(n) => !matches!(
                                n.as_str().to_ascii_uppercase().as_str(),
                                "GITHUB_ENV" | "GITHUB_PATH"
                            ),
                            None => true,
                        });
                        if grouped || dynamic {
                            why = Some(
                                "computed data in a `pull_request_target`/`workflow_run` workflow"
                                    .into(),
                            );
                        }
                    }
                    if let Some(why) = why {
                        let span = Span::new(region.start + m.start(), region.start + m.end());
                        report_at(
                            cx,
                            doc,
                            cdoc,
                            span,
                            &format!("{ptr}#{}", m.start()),
                            format!(
                                "writes {why} to `{file_var}`, which can set the environment or PATH of later steps"
                            ),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/unsecure-commands

struct UnsecureCommands;

static UNSECURE_RUN_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| lazy_re(r#"(?i)ACTIONS_ALLOW_UNSECURE_COMMANDS\s*=\s*["']?(?:true|1)\b"#));

impl Check for UnsecureCommands {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for (ptr, m) in env_maps(&cdoc.value) {
                for (k, v) in m {
                    if k.trim()
                        .eq_ignore_ascii_case("ACTIONS_ALLOW_UNSECURE_COMMANDS")
                        && truthy(v)
                    {
                        report_ptr(cx, doc, cdoc, &child(&ptr, k), "`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables the deprecated `set-env`/`add-path` workflow commands".into());
                    }
                }
            }
            let Some(re) = UNSECURE_RUN_RE.as_ref() else {
                return;
            };
            for step in all_steps(&cdoc.value) {
                let Some((ptr, run)) = step_run(&step) else {
                    continue;
                };
                if !re.is_match(run) {
                    continue;
                }
                let Some(region) = value_region(cdoc, &doc.text, &ptr) else {
                    continue;
                };
                let Some(slice) = doc.text.get(region.start..region.end) else {
                    continue;
                };
                for m in re.find_iter(slice) {
                    report_at(cx, doc, cdoc, Span::new(region.start + m.start(), region.start + m.end()), &format!("{ptr}#{}", m.start()), "script sets `ACTIONS_ALLOW_UNSECURE_COMMANDS`, re-enabling the deprecated `set-env`/`add-path` workflow commands".into());
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/curl-pipe-shell

struct CurlPipeShell;

/// Report downloads piped into a shell in the script at `ptr` (shared with the GitLab pack).
pub(crate) fn report_pipe_to_shell(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    script: &str,
) {
    if pipe_to_shell(script).is_empty() {
        return;
    }
    let mut reported = false;
    if let Some(region) = value_region(cdoc, &doc.text, ptr)
        && let Some(slice) = doc.text.get(region.start..region.end)
    {
        for (s, e) in pipe_to_shell(slice) {
            reported = true;
            let snippet = slice.get(s..e).unwrap_or("");
            report_at(
                cx,
                doc,
                cdoc,
                Span::new(region.start + s, region.start + e),
                &format!("{ptr}#{s}"),
                format!(
                    "downloaded script is piped straight into an interpreter: `{}`",
                    clip(snippet, 80)
                ),
            );
        }
    }
    if !reported {
        report_ptr(
            cx,
            doc,
            cdoc,
            ptr,
            "downloaded script is piped straight into an interpreter".into(),
        );
    }
}

impl Check for CurlPipeShell {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for step in all_steps(&cdoc.value) {
                if let Some((ptr, run)) = step_run(&step) {
                    report_pipe_to_shell(cx, doc, cdoc, &ptr, run);
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/self-hosted-runner-pr

struct SelfHostedRunnerPr;

fn mentions_self_hosted(v: &Value) -> bool {
    match v {
        Value::String(s) => s.to_ascii_lowercase().contains("self-hosted"),
        Value::Array(a) => a.iter().any(mentions_self_hosted),
        Value::Object(m) => m.get("labels").is_some_and(mentions_self_hosted),
        _ => false,
    }
}

impl Check for SelfHostedRunnerPr {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            if !has_trigger(&cdoc.value, &["pull_request"]) {
                return;
            }
            for job in jobs(&cdoc.value) {
                let Some(runs_on) = job.m.get("runs-on") else {
                    continue;
                };
                if !mentions_self_hosted(runs_on) {
                    continue;
                }
                let gated = job.m.get("if").and_then(Value::as_str).is_some_and(|c| {
                    let c = c.to_ascii_lowercase();
                    c.contains("head.repo.full_name")
                        || c.contains("head.repo.fork")
                        || c.contains("github.event_name != 'pull_request'")
                });
                if gated {
                    continue;
                }
                report_ptr(
                    cx,
                    doc,
                    cdoc,
                    &child(&job.ptr, "runs-on"),
                    format!(
                        "job `{}` runs pull request code (including from forks) on a self-hosted runner",
                        job.id
                    ),
                );
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/unpinned-container-image

struct UnpinnedContainerImage;

impl Check for UnpinnedContainerImage {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            for job in jobs(&cdoc.value) {
                let mut images: Vec<(String, &str, String)> = Vec::new();
                match job.m.get("container") {
                    Some(Value::String(s)) => {
                        images.push((child(&job.ptr, "container"), s, "job container".into()))
                    }
                    Some(Value::Object(c)) => {
                        if let Some(s) = c.get("image").and_then(Value::as_str) {
                            images.push((
                                format!("{}/container/image", job.ptr),
                                s,
                                "job container".into(),
                            ));
                        }
                    }
                    _ => {}
                }
                if let Some(svcs) = job.m.get("services").and_then(Value::as_object) {
                    for (name, svc) in svcs {
                        let base = child(&format!("{}/services", job.ptr), name);
                        match svc {
                            Value::String(s) => images.push((base, s, format!("service `{name}`"))),
                            Value::Object(o) => {
                                if let Some(s) = o.get("image").and_then(Value::as_str) {
                                    images.push((
                                        child(&base, "image"),
                                        s,
                                        format!("service `{name}`"),
                                    ));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                for (ptr, image, what) in images {
                    if let Some(problem) = image_problem(image) {
                        let how = if problem == "latest" {
                            "uses the floating `:latest` tag"
                        } else {
                            "has no tag or digest"
                        };
                        report_ptr(
                            cx,
                            doc,
                            cdoc,
                            &ptr,
                            format!("{what} image `{}` {how}", clip(image, 80)),
                        );
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// gha/hardcoded-credentials

struct HardcodedCredentials;

impl Check for HardcodedCredentials {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        for_docs(doc, |cdoc| {
            let root = &cdoc.value;
            let mut maps = env_maps(root);
            for step in all_steps(root) {
                if let Some(w) = step.m.get("with").and_then(Value::as_object) {
                    maps.push((child(&step.ptr, "with"), w));
                }
            }
            for (ptr, m) in maps {
                for (k, v) in m {
                    let name = k.replace('-', "_");
                    let Some(val) = v.as_str() else { continue };
                    if is_credential_name(&name) && is_literal_credential(val) {
                        report_secret_ptr(
                            cx,
                            doc,
                            cdoc,
                            &child(&ptr, k),
                            format!(
                                "`{k}` is set to a literal credential ({}); use `${{{{ secrets.… }}}}`",
                                redact_secret(val)
                            ),
                            val,
                        );
                    }
                }
            }
            for job in jobs(root) {
                let mut creds = Vec::new();
                if let Some(c) = job.m.get("container").and_then(|c| c.get("credentials")) {
                    creds.push((format!("{}/container/credentials", job.ptr), c));
                }
                if let Some(svcs) = job.m.get("services").and_then(Value::as_object) {
                    for (name, svc) in svcs {
                        if let Some(c) = svc.get("credentials") {
                            creds.push((
                                format!(
                                    "{}/credentials",
                                    child(&format!("{}/services", job.ptr), name)
                                ),
                                c,
                            ));
                        }
                    }
                }
                for (ptr, c) in creds {
                    if let Some(p) = c.get("password").and_then(Value::as_str)
                        && !p.trim().is_empty()
                        && !p.contains("${{")
                    {
                        report_secret_ptr(
                            cx,
                            doc,
                            cdoc,
                            &child(&ptr, "password"),
                            format!(
                                "container registry password is a literal ({}); use `${{{{ secrets.… }}}}`",
                                redact_secret(p)
                            ),
                            p,
                        );
                    }
                }
            }
        });
    }
}
