//! Built-in `k8s` rules. Add `("k8s/<name>", factory)` rows to [`RULES`], sorted by id.
//!
//! What the declarative form cannot say: settings resolved between a container and its pod
//! (`runAsNonRoot`, seccomp), quantity arithmetic (`500m` vs `1`), and cross-document checks
//! (HPA → workload, PDB → pod template labels, namespace → quota).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Check, Factory};
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, DocumentKind, Span, pointer_escape};
use crate::rule::{RuleContext, ScanContext};

pub mod env;

/// Built-in rules of the `k8s` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("k8s/apparmor-unconfined", || Box::new(AppArmorUnconfined)),
    ("k8s/automount-service-account-token", || {
        Box::new(AutomountToken)
    }),
    ("k8s/image-latest-tag", || {
        Box::new(MutableImage { pull_policy: false })
    }),
    ("k8s/image-pull-policy", || {
        Box::new(MutableImage { pull_policy: true })
    }),
    ("k8s/missing-pdb", || Box::new(MissingPdb)),
    ("k8s/namespace-without-quota", || {
        Box::new(NamespaceWithoutQuota)
    }),
    ("k8s/requests-exceed-limits", || {
        Box::new(RequestsExceedLimits)
    }),
    ("k8s/run-as-non-root", || Box::new(RunAsNonRoot)),
    ("k8s/run-as-root-user", || Box::new(RunAsRootUser)),
    ("k8s/seccomp-profile", || Box::new(SeccompProfile)),
    ("k8s/single-replica", || Box::new(SingleReplica)),
];

const KUBERNETES: &[DocumentKind] = &[DocumentKind::Kubernetes];

/// Namespaces managed by the cluster itself.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn kind_of(v: &Value) -> Option<&str> {
    v.get("kind").and_then(Value::as_str)
}

fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?")
}

fn namespace_of(v: &Value) -> Option<&str> {
    v.pointer("/metadata/namespace").and_then(Value::as_str)
}

/// Workload kinds and where their pod template sits: (API group the `apiVersion` must start
/// with, or `""` for any; kind; pointer of the pod spec; pointer of the pod metadata). A custom
/// kind that embeds a pod template is one more entry.
const WORKLOADS: &[(&str, &str, &str, &str)] = &[
    ("", "Pod", "/spec", "/metadata"),
    (
        "",
        "CronJob",
        "/spec/jobTemplate/spec/template/spec",
        "/spec/jobTemplate/spec/template/metadata",
    ),
    (
        "",
        "Deployment",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "",
        "StatefulSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "",
        "DaemonSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "",
        "ReplicaSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    ("", "Job", "/spec/template/spec", "/spec/template/metadata"),
    (
        "",
        "ReplicationController",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    ("", "PodTemplate", "/template/spec", "/template/metadata"),
    // OpenShift.
    (
        "",
        "DeploymentConfig",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    // Argo Rollouts.
    (
        "argoproj.io/",
        "Rollout",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    // Knative Serving (its `Service` is not the core Service: the group tells them apart).
    (
        "serving.knative.dev/",
        "Service",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "serving.knative.dev/",
        "Configuration",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    ("serving.knative.dev/", "Revision", "/spec", "/metadata"),
    // KEDA.
    (
        "keda.sh/",
        "ScaledJob",
        "/spec/jobTargetRef/template/spec",
        "/spec/jobTargetRef/template/metadata",
    ),
];

fn workload(
    v: &Value,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    let kind = kind_of(v)?;
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    WORKLOADS
        .iter()
        .find(|(group, k, _, _)| *k == kind && api.starts_with(group))
}

/// Pointer of the pod spec of a workload object.
fn pod_spec_ptr(v: &Value) -> Option<&'static str> {
    workload(v).map(|w| w.2)
}

/// The pod spec of a workload with its pointer.
fn pod_spec(v: &Value) -> Option<(&'static str, &Value)> {
    let ptr = pod_spec_ptr(v)?;
    Some((ptr, v.pointer(ptr)?))
}

/// Argo Workflows kinds: pointer of the workflow spec, which holds pod-level settings
/// (`hostNetwork`, `securityContext`, `volumes`) and `templates` whose steps run containers.
pub fn workflow_spec_pointer(v: &Value) -> Option<&'static str> {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !api.starts_with("argoproj.io/") {
        return None;
    }
    match kind_of(v)? {
        "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate" => Some("/spec"),
        "CronWorkflow" => Some("/spec/workflowSpec"),
        _ => None,
    }
}

/// The pod spec of an object: by its kind ([`WORKLOADS`]), else — a custom kind not in the
/// table — where pod templates usually sit, if a pod spec with containers is there. For the
/// declarative rules' `@pod-spec` and `@containers` selectors.
pub fn pod_spec_pointer(v: &Value) -> Option<&'static str> {
    pod_spec_ptr(v).or_else(|| {
        [
            "/spec/template/spec",
            "/spec/jobTemplate/spec/template/spec",
        ]
        .into_iter()
        .find(|p| v.pointer(p).is_some_and(|s| s.get("containers").is_some()))
    })
}

/// Pointer of the pod metadata (labels, annotations) of a workload object.
fn pod_meta_ptr(v: &Value) -> Option<&'static str> {
    workload(v).map(|w| w.3)
}

/// Every container of a pod spec with its pointer, for the given container lists.
fn containers<'a>(pod_ptr: &str, pod: &'a Value, lists: &[&str]) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    for list in lists {
        if let Some(items) = pod.get(*list).and_then(Value::as_array) {
            for (i, c) in items.iter().enumerate() {
                if c.is_object() {
                    out.push((format!("{pod_ptr}/{list}/{i}"), c));
                }
            }
        }
    }
    out
}

const ALL_CONTAINERS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

fn container_name(c: &Value) -> &str {
    c.get("name").and_then(Value::as_str).unwrap_or("?")
}

fn is_windows_pod(pod: &Value) -> bool {
    pod.pointer("/os/name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.eq_ignore_ascii_case("windows"))
}

/// A number, or a string holding one (templated manifests sometimes quote integers).
fn as_count(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The span to report for `ptr` in `cd` (exact key where it exists, else its deepest ancestor).
fn span_at(cd: &ConfigDoc, ptr: &str, text: &str) -> Span {
    best_span(cd, &cd.deepest_existing(ptr), text)
}

fn report(cx: &mut RuleContext, doc: &Document, cd: &ConfigDoc, ptr: &str, message: String) {
    let span = span_at(cd, ptr, &doc.text);
    cx.report(&doc.path, Some(span), message)
        .with_key_mut(format!("{}#{}", cd.index, ptr));
}

/// What the cross-document rules read of each object (see [`Rule::scan_pointers`]); `report`
/// pointers are among them so that findings keep their exact spans.
///
/// [`Rule::scan_pointers`]: crate::rule::Rule::scan_pointers
const SCAN_POINTERS: &[&str] = &[
    "/apiVersion",
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
    "/spec/replicas",
    "/spec/minReplicas",
    "/spec/scaleTargetRef",
    "/spec/selector",
    "/spec/template/metadata/labels",
];

/// Every parsed Kubernetes object of the scan, with the document it comes from.
fn objects(scan: &ScanContext) -> Vec<(&Document, &ConfigDoc)> {
    let mut out = Vec::new();
    for doc in &scan.documents {
        if doc.kind != DocumentKind::Kubernetes {
            continue;
        }
        if let Ok(cdocs) = doc.config() {
            for cd in cdocs {
                if cd.value.is_object() {
                    out.push((doc.as_ref(), cd));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// k8s/run-as-non-root

struct RunAsNonRoot;

impl Check for RunAsNonRoot {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let v = &cd.value;
            let Some((pod_ptr, pod)) = pod_spec(v) else {
                continue;
            };
            if is_windows_pod(pod) {
                continue;
            }
            let pod_sc = pod.get("securityContext");
            let pod_nonroot = pod_sc.and_then(|s| s.get("runAsNonRoot")).map(|b| {
                (
                    b.as_bool(),
                    format!("{pod_ptr}/securityContext/runAsNonRoot"),
                )
            });
            let pod_uid = pod_sc.and_then(|s| s.get("runAsUser")).and_then(as_count);
            let mut seen = HashSet::new();
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                let csc = c.get("securityContext").filter(|s| s.is_object());
                let nonroot = csc
                    .and_then(|s| s.get("runAsNonRoot"))
                    .map(|b| (b.as_bool(), format!("{cptr}/securityContext/runAsNonRoot")))
                    .or_else(|| pod_nonroot.clone());
                let uid = csc
                    .and_then(|s| s.get("runAsUser"))
                    .and_then(as_count)
                    .or(pod_uid);
                if nonroot.as_ref().is_some_and(|(b, _)| *b == Some(true))
                    || uid.is_some_and(|u| u > 0.0)
                {
                    continue;
                }
                let name = container_name(c);
                let (ptr, message) = match nonroot {
                    Some((Some(false), p)) => (
                        p,
                        format!("container '{name}' may run as root: runAsNonRoot is false"),
                    ),
                    _ => (
                        if csc.is_some() {
                            format!("{cptr}/securityContext")
                        } else {
                            cptr.clone()
                        },
                        format!(
                            "container '{name}' may run as root: runAsNonRoot is not true on the container or its pod"
                        ),
                    ),
                };
                if seen.insert(ptr.clone()) {
                    report(cx, doc, cd, &ptr, message);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/run-as-root-user

/// The user and group each container runs as, container value over pod value: UID 0 or GID 0
/// is reported where it is set, once, and a pod-level 0 that every container overrides is not.
struct RunAsRootUser;

impl Check for RunAsRootUser {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let v = &cd.value;
            let Some((pod_ptr, pod)) = pod_spec(v) else {
                continue;
            };
            let mut seen = HashSet::new();
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                for (key, what) in [("runAsUser", "root"), ("runAsGroup", "root's group")] {
                    let set_at = |owner: &Value, ptr: &str| {
                        let x = owner.get("securityContext")?.get(key)?;
                        Some((as_count(x), format!("{ptr}/securityContext/{key}")))
                    };
                    let Some((Some(id), ptr)) = set_at(c, &cptr).or_else(|| set_at(pod, pod_ptr))
                    else {
                        continue;
                    };
                    if id == 0.0 && seen.insert(ptr.clone()) {
                        let name = container_name(c);
                        let level = if ptr.starts_with(&cptr) {
                            "container"
                        } else {
                            "pod"
                        };
                        report(
                            cx,
                            doc,
                            cd,
                            &ptr,
                            format!(
                                "container '{name}' runs as {what}: {key}: 0 set on the {level}"
                            ),
                        );
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/seccomp-profile

struct SeccompProfile;

enum Profile {
    Confined,
    Unconfined(String),
}

fn classify_type(t: &Value) -> Option<Profile> {
    let s = t.as_str()?.trim();
    if s.eq_ignore_ascii_case("unconfined") {
        Some(Profile::Unconfined(s.to_string()))
    } else if s.is_empty() {
        None
    } else {
        Some(Profile::Confined)
    }
}

impl Check for SeccompProfile {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let v = &cd.value;
            let (Some(pod_ptr), Some(meta_ptr)) = (pod_spec_ptr(v), pod_meta_ptr(v)) else {
                continue;
            };
            let Some(pod) = v.pointer(pod_ptr) else {
                continue;
            };
            if is_windows_pod(pod) {
                continue;
            }
            let annotations = v
                .pointer(&format!("{meta_ptr}/annotations"))
                .and_then(Value::as_object);
            let annotation = |key: &str| {
                annotations.and_then(|a| a.get(key)).and_then(|t| {
                    classify_type(t)
                        .map(|p| (p, format!("{meta_ptr}/annotations/{}", pointer_escape(key))))
                })
            };
            let pod_level = pod
                .pointer("/securityContext/seccompProfile/type")
                .and_then(classify_type)
                .map(|p| (p, format!("{pod_ptr}/securityContext/seccompProfile/type")))
                .or_else(|| annotation("seccomp.security.alpha.kubernetes.io/pod"));
            let mut seen = HashSet::new();
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                let name = container_name(c);
                let effective = c
                    .pointer("/securityContext/seccompProfile/type")
                    .and_then(classify_type)
                    .map(|p| (p, format!("{cptr}/securityContext/seccompProfile/type")))
                    .or_else(|| {
                        annotation(&format!(
                            "container.seccomp.security.alpha.kubernetes.io/{name}"
                        ))
                    });
                let effective = match effective {
                    Some(e) => Some(e),
                    None => match &pod_level {
                        Some((Profile::Confined, p)) => Some((Profile::Confined, p.clone())),
                        Some((Profile::Unconfined(s), p)) => {
                            Some((Profile::Unconfined(s.clone()), p.clone()))
                        }
                        None => None,
                    },
                };
                let (ptr, message) = match effective {
                    Some((Profile::Confined, _)) => continue,
                    Some((Profile::Unconfined(s), p)) => (
                        p,
                        format!("container '{name}' runs with seccomp profile {s}"),
                    ),
                    None => (
                        if c.get("securityContext").is_some_and(Value::is_object) {
                            format!("{cptr}/securityContext")
                        } else {
                            cptr.clone()
                        },
                        format!(
                            "container '{name}' has no seccomp profile (set seccompProfile.type: RuntimeDefault on the pod or container)"
                        ),
                    ),
                };
                if seen.insert(ptr.clone()) {
                    report(cx, doc, cd, &ptr, message);
                    let fix = seccomp_fix(&doc.text, cd, &cptr, &ptr);
                    if let Some(f) = cx.findings.last_mut() {
                        f.with_fix_mut(fix);
                    }
                }
            }
        }
    }
}

/// RuntimeDefault where the finding is: the Unconfined profile or annotation it points at
/// rewritten, or, with no profile at all, one added to the container's securityContext.
fn seccomp_fix(
    text: &str,
    cd: &crate::document::ConfigDoc,
    cptr: &str,
    ptr: &str,
) -> Option<crate::fix::Fix> {
    let runtime_default = Value::String("RuntimeDefault".into());
    let edit = if ptr.ends_with("/seccompProfile/type") {
        let parent = &ptr[..ptr.len() - "/type".len()];
        crate::fix::yaml::set(text, cd, parent, &["type"], &runtime_default, None)?
    } else if let Some((annotations, key)) = ptr.rsplit_once('/')
        && annotations.ends_with("/annotations")
    {
        let key = key.replace("~1", "/").replace("~0", "~");
        let value = Value::String("runtime/default".into());
        crate::fix::yaml::set(text, cd, annotations, &[key.as_str()], &value, None)?
    } else {
        crate::fix::yaml::set(
            text,
            cd,
            cptr,
            &["securityContext", "seccompProfile", "type"],
            &runtime_default,
            None,
        )?
    };
    Some(crate::fix::Fix::one(
        "use the RuntimeDefault seccomp profile",
        edit,
    ))
}

// ---------------------------------------------------------------------------------------------
// k8s/apparmor-unconfined

struct AppArmorUnconfined;

impl Check for AppArmorUnconfined {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let v = &cd.value;
            let (Some(pod_ptr), Some(meta_ptr)) = (pod_spec_ptr(v), pod_meta_ptr(v)) else {
                continue;
            };
            let Some(pod) = v.pointer(pod_ptr) else {
                continue;
            };
            let annotations = v
                .pointer(&format!("{meta_ptr}/annotations"))
                .and_then(Value::as_object);
            let unconfined = |t: &Value| {
                t.as_str()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("unconfined"))
            };
            let pod_level = pod
                .pointer("/securityContext/appArmorProfile/type")
                .map(|t| {
                    (
                        unconfined(t),
                        format!("{pod_ptr}/securityContext/appArmorProfile/type"),
                    )
                });
            let mut seen = HashSet::new();
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                let name = container_name(c);
                let key = format!("container.apparmor.security.beta.kubernetes.io/{name}");
                let effective = c
                    .pointer("/securityContext/appArmorProfile/type")
                    .map(|t| {
                        (
                            unconfined(t),
                            format!("{cptr}/securityContext/appArmorProfile/type"),
                        )
                    })
                    .or_else(|| {
                        annotations.and_then(|a| a.get(&key)).map(|t| {
                            (
                                unconfined(t),
                                format!("{meta_ptr}/annotations/{}", pointer_escape(&key)),
                            )
                        })
                    })
                    .or_else(|| pod_level.clone());
                if let Some((true, ptr)) = effective
                    && seen.insert(ptr.clone())
                {
                    let message = format!("container '{name}' runs with AppArmor unconfined");
                    report(cx, doc, cd, &ptr, message);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/requests-exceed-limits

struct RequestsExceedLimits;

/// Parse a Kubernetes resource quantity (`500m`, `0.5`, `1e3`, `512Mi`, `2G`) into base units.
pub fn parse_quantity(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_quantity_str(s),
        _ => None,
    }
}

fn parse_quantity_str(s: &str) -> Option<f64> {
    let s = s.trim();
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    let (num, suffix) = s.split_at(i);
    let n: f64 = num.parse().ok()?;
    let k = 1024f64;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => k,
        "Mi" => k.powi(2),
        "Gi" => k.powi(3),
        "Ti" => k.powi(4),
        "Pi" => k.powi(5),
        "Ei" => k.powi(6),
        other => {
            let exp: i32 = other.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exp.clamp(-300, 300))
        }
    };
    let q = n * mult;
    q.is_finite().then_some(q)
}

impl Check for RequestsExceedLimits {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cd in cdocs {
            let v = &cd.value;
            let Some((pod_ptr, pod)) = pod_spec(v) else {
                continue;
            };
            for (cptr, c) in containers(pod_ptr, pod, &["containers", "initContainers"]) {
                let Some(res) = c.get("resources") else {
                    continue;
                };
                for r in ["cpu", "memory", "ephemeral-storage"] {
                    let req = res.get("requests").and_then(|m| m.get(r));
                    let lim = res.get("limits").and_then(|m| m.get(r));
                    let (Some(req), Some(lim)) = (req, lim) else {
                        continue;
                    };
                    let (Some(rq), Some(lq)) = (parse_quantity(req), parse_quantity(lim)) else {
                        continue;
                    };
                    if rq > lq * (1.0 + 1e-9) {
                        let show = |x: &Value| match x {
                            Value::String(s) => s.trim().to_string(),
                            other => other.to_string(),
                        };
                        let message = format!(
                            "container '{}' requests {r} {} but its limit is {}",
                            container_name(c),
                            show(req),
                            show(lim)
                        );
                        let ptr = format!("{cptr}/resources/requests/{}", pointer_escape(r));
                        report(cx, doc, cd, &ptr, message);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Replica counting shared by k8s/single-replica and k8s/missing-pdb

struct Hpa<'a> {
    namespace: Option<&'a str>,
    kind: &'a str,
    name: &'a str,
    min: f64,
    hpa_name: &'a str,
}

/// The scan's HorizontalPodAutoscalers by target (kind, name): per target, the first HPA, the
/// first without a namespace and the first in each namespace, so that a workload finds the HPA a
/// scan in order would (5,000 workloads against 5,000 HPAs was quadratic).
struct Hpas<'a> {
    list: Vec<Hpa<'a>>,
    by_target: HashMap<(&'a str, &'a str), HpaTargets<'a>>,
}

struct HpaTargets<'a> {
    first: usize,
    no_namespace: Option<usize>,
    by_namespace: HashMap<&'a str, usize>,
}

fn hpas<'a>(objs: &[(&'a Document, &'a ConfigDoc)]) -> Hpas<'a> {
    let list: Vec<Hpa<'a>> = objs
        .iter()
        .filter(|(_, cd)| kind_of(&cd.value) == Some("HorizontalPodAutoscaler"))
        .filter_map(|(_, cd)| {
            let v = &cd.value;
            let target = v.pointer("/spec/scaleTargetRef")?;
            Some(Hpa {
                namespace: namespace_of(v),
                kind: target.get("kind").and_then(Value::as_str)?,
                name: target.get("name").and_then(Value::as_str)?,
                min: v
                    .pointer("/spec/minReplicas")
                    .and_then(as_count)
                    .unwrap_or(1.0),
                hpa_name: name_of(v),
            })
        })
        .collect();
    let mut by_target: HashMap<(&str, &str), HpaTargets> = HashMap::new();
    for (i, h) in list.iter().enumerate() {
        let t = by_target
            .entry((h.kind, h.name))
            .or_insert_with(|| HpaTargets {
                first: i,
                no_namespace: None,
                by_namespace: HashMap::new(),
            });
        match h.namespace {
            Some(ns) => {
                t.by_namespace.entry(ns).or_insert(i);
            }
            None => {
                t.no_namespace.get_or_insert(i);
            }
        }
    }
    Hpas { list, by_target }
}

/// Replica facts of a Deployment or StatefulSet: (declared replicas, HPA targeting it).
fn replicas<'h, 'a>(v: &Value, hpas: &'h Hpas<'a>) -> (Option<f64>, bool, Option<&'h Hpa<'a>>) {
    let declared = v.pointer("/spec/replicas");
    let parsed = declared.and_then(as_count);
    let kind = kind_of(v).unwrap_or("");
    let name = name_of(v);
    // The first HPA in scan order whose namespace may be the workload's.
    let hpa = hpas.by_target.get(&(kind, name)).and_then(|t| {
        let i = match namespace_of(v) {
            None => Some(t.first),
            Some(ns) => match (t.by_namespace.get(ns).copied(), t.no_namespace) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        };
        i.and_then(|i| hpas.list.get(i))
    });
    (parsed, declared.is_some(), hpa)
}

fn is_replicated_kind(v: &Value) -> bool {
    match kind_of(v) {
        Some("Deployment" | "StatefulSet" | "DeploymentConfig") => true,
        // Argo Rollouts replace Deployments and default to one replica too.
        Some("Rollout") => v
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("argoproj.io/")),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/single-replica

struct SingleReplica;

impl Check for SingleReplica {
    fn scan_kinds(&self) -> &[DocumentKind] {
        KUBERNETES
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(SCAN_POINTERS)
    }
    /// Other files matter only through the HorizontalPodAutoscalers that scale a workload.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["HorizontalPodAutoscaler"])
    }
    fn is_scan_level(&self) -> bool {
        true
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let objs = objects(scan);
        let hpas = hpas(&objs);
        for (doc, cd) in &objs {
            let v = &cd.value;
            if !is_replicated_kind(v) {
                continue;
            }
            let (parsed, declared, hpa) = replicas(v, &hpas);
            if declared && parsed.is_none() {
                continue; // templated or malformed: cannot judge
            }
            let kind = kind_of(v).unwrap_or("?");
            let name = name_of(v);
            let message = match hpa {
                Some(h) if h.min >= 2.0 => continue,
                Some(h) => format!(
                    "{kind} '{name}' can scale down to a single replica (HPA '{}' has minReplicas {})",
                    h.hpa_name, h.min
                ),
                None => match parsed {
                    Some(n) if n == 0.0 || n >= 2.0 => continue,
                    Some(_) => format!("{kind} '{name}' runs a single replica"),
                    None => format!(
                        "{kind} '{name}' runs a single replica (spec.replicas unset, defaults to 1)"
                    ),
                },
            };
            let ptr = if declared { "/spec/replicas" } else { "/spec" };
            report(cx, doc, cd, ptr, message);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/missing-pdb

struct MissingPdb;

/// Whether a label selector (`matchLabels` + `matchExpressions`) selects `labels`.
fn selector_matches(selector: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let Some(sel) = selector.as_object() else {
        return false; // a null selector selects nothing
    };
    if let Some(ml) = sel.get("matchLabels") {
        let Some(ml) = ml.as_object() else {
            return false;
        };
        for (k, want) in ml {
            if labels.get(k) != Some(want) {
                // Compare as text: `version: 2` vs `version: "2"`.
                let have = labels.get(k).and_then(crate::decl::predicate::as_text);
                if have.is_none() || have != crate::decl::predicate::as_text(want) {
                    return false;
                }
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions") {
        let Some(exprs) = exprs.as_array() else {
            return false;
        };
        for e in exprs {
            let Some(key) = e.get("key").and_then(Value::as_str) else {
                return false;
            };
            let op = e.get("operator").and_then(Value::as_str).unwrap_or("");
            let values: Vec<String> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(crate::decl::predicate::as_text)
                        .collect()
                })
                .unwrap_or_default();
            let have = labels.get(key).and_then(crate::decl::predicate::as_text);
            let ok = match op {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn pod_labels(v: &Value) -> Option<&serde_json::Map<String, Value>> {
    v.pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
}

/// A label value as selectors compare it (`version: 2` and `version: "2"` are equal).
fn label_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => crate::decl::predicate::as_text(other).map(Cow::Owned),
    }
}

/// A label as an index key: (key, value as text).
type Label<'a> = (&'a str, Cow<'a, str>);

/// The scan's PodDisruptionBudget selectors, indexed so that a workload is compared only with
/// those that can select it: each selector under one of its `matchLabels` pairs (the one fewest
/// workloads carry), which every pod it selects must have. Selectors without such a pair (only
/// `matchExpressions`, or empty) are checked against every workload of their namespace.
/// Comparing every workload with every PDB took 37 s at 20,000 of each.
#[derive(Default)]
struct PdbIndex<'a> {
    /// (PDB namespace, label key, label value) → selectors.
    by_label: HashMap<(Option<&'a str>, Label<'a>), Vec<&'a Value>>,
    /// For workloads without a namespace, which any PDB may cover: (key, value) → selectors.
    by_label_any: HashMap<Label<'a>, Vec<&'a Value>>,
    /// Selectors without a pair to index them by, per PDB namespace.
    fallback: HashMap<Option<&'a str>, Vec<&'a Value>>,
    fallback_any: Vec<&'a Value>,
}

impl<'a> PdbIndex<'a> {
    fn new(
        objs: &[(&'a Document, &'a ConfigDoc)],
        workload_labels: impl Iterator<Item = &'a serde_json::Map<String, Value>>,
    ) -> Self {
        let mut carried: HashMap<Label, usize> = HashMap::new();
        for labels in workload_labels {
            for (k, v) in labels {
                if let Some(t) = label_text(v) {
                    *carried.entry((k.as_str(), t)).or_default() += 1;
                }
            }
        }
        let mut index = PdbIndex::default();
        for (_, cd) in objs {
            let v = &cd.value;
            if kind_of(v) != Some("PodDisruptionBudget") {
                continue;
            }
            let Some(sel) = v.pointer("/spec/selector") else {
                continue;
            };
            let ns = namespace_of(v);
            // A selector that is not an object, or whose `matchLabels` is not one, selects nothing.
            let pairs = match sel.as_object().map(|o| o.get("matchLabels")) {
                None => continue,
                Some(None) => Vec::new(),
                Some(Some(ml)) => match ml.as_object() {
                    None => continue,
                    Some(ml) => ml
                        .iter()
                        .filter_map(|(k, v)| Some((k.as_str(), label_text(v)?)))
                        .collect(),
                },
            };
            let rarest = pairs
                .into_iter()
                .min_by_key(|(k, t)| carried.get(&(*k, t.clone())).copied().unwrap_or(0));
            match rarest {
                Some((k, t)) => {
                    index
                        .by_label
                        .entry((ns, (k, t.clone())))
                        .or_default()
                        .push(sel);
                    index.by_label_any.entry((k, t)).or_default().push(sel);
                }
                None => {
                    index.fallback.entry(ns).or_default().push(sel);
                    index.fallback_any.push(sel);
                }
            }
        }
        index
    }

    /// Whether some PDB whose namespace may be `ns` selects pods with these labels.
    fn covers(&self, ns: Option<&str>, labels: &serde_json::Map<String, Value>) -> bool {
        let matches = |sels: Option<&Vec<&Value>>| {
            sels.is_some_and(|s| s.iter().any(|sel| selector_matches(sel, labels)))
        };
        let no_ns: Option<&str> = None;
        let by_pair = labels.iter().any(|(k, v)| {
            let Some(t) = label_text(v) else {
                return false;
            };
            match ns {
                Some(_) => {
                    matches(self.by_label.get(&(ns, (k.as_str(), t.clone()))))
                        || matches(self.by_label.get(&(no_ns, (k.as_str(), t))))
                }
                None => matches(self.by_label_any.get(&(k.as_str(), t))),
            }
        });
        by_pair
            || match ns {
                Some(_) => matches(self.fallback.get(&ns)) || matches(self.fallback.get(&no_ns)),
                None => matches(Some(&self.fallback_any)),
            }
    }
}

impl Check for MissingPdb {
    fn scan_kinds(&self) -> &[DocumentKind] {
        KUBERNETES
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(SCAN_POINTERS)
    }
    /// Other files matter only through PodDisruptionBudgets and HorizontalPodAutoscalers.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["PodDisruptionBudget", "HorizontalPodAutoscaler"])
    }
    fn is_scan_level(&self) -> bool {
        true
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let objs = objects(scan);
        let hpas = hpas(&objs);
        let empty = serde_json::Map::new();
        let workload_labels = objs
            .iter()
            .filter(|(_, cd)| is_replicated_kind(&cd.value))
            .filter_map(|(_, cd)| pod_labels(&cd.value));
        let pdbs = PdbIndex::new(&objs, workload_labels);
        for (doc, cd) in &objs {
            let v = &cd.value;
            if !is_replicated_kind(v) {
                continue;
            }
            let (parsed, _, hpa) = replicas(v, &hpas);
            let count = match hpa {
                Some(h) => h.min,
                None => parsed.unwrap_or(1.0),
            };
            if count < 2.0 {
                continue;
            }
            let labels = pod_labels(v).unwrap_or(&empty);
            let covered = pdbs.covers(namespace_of(v), labels);
            if covered {
                continue;
            }
            let kind = kind_of(v).unwrap_or("?");
            let message = format!(
                "{kind} '{}' ({count} replicas) has no PodDisruptionBudget selecting its pods",
                name_of(v)
            );
            report(cx, doc, cd, "/metadata/name", message);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/automount-service-account-token

struct AutomountToken;

/// What the automount rule reads: pod specs' token settings and service account names (and that
/// they have containers), ServiceAccounts' own setting, and the subjects of role bindings.
const AUTOMOUNT_POINTERS: &[&str] = &[
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
    "/automountServiceAccountToken",
    "/subjects",
    "/spec/automountServiceAccountToken",
    "/spec/serviceAccount",
    "/spec/containers/0/name",
    "/spec/template/spec/automountServiceAccountToken",
    "/spec/template/spec/serviceAccount",
    "/spec/template/spec/containers/0/name",
    "/spec/jobTemplate/spec/template/spec/automountServiceAccountToken",
    "/spec/jobTemplate/spec/template/spec/serviceAccount",
    "/spec/jobTemplate/spec/template/spec/containers/0/name",
    "/template/spec/automountServiceAccountToken",
    "/template/spec/serviceAccount",
    "/template/spec/containers/0/name",
];

/// A set of service accounts by (namespace, name), where a namespace may be left to apply time
/// (absent): such an entry, or a lookup without one, matches any namespace.
#[derive(Default)]
struct ServiceAccounts<'a> {
    exact: HashSet<(&'a str, &'a str)>,
    any_namespace: HashSet<&'a str>,
    names: HashSet<&'a str>,
    /// Namespaces all of whose service accounts are included (`system:serviceaccounts:<ns>`).
    namespaces: HashSet<&'a str>,
    all: bool,
}

impl<'a> ServiceAccounts<'a> {
    fn insert(&mut self, namespace: Option<&'a str>, name: &'a str) {
        match namespace {
            Some(ns) => {
                self.exact.insert((ns, name));
            }
            None => {
                self.any_namespace.insert(name);
            }
        }
        self.names.insert(name);
    }

    fn contains(&self, namespace: Option<&str>, name: &str) -> bool {
        if self.all || self.any_namespace.contains(name) {
            return true;
        }
        match namespace {
            Some(ns) => self.exact.contains(&(ns, name)) || self.namespaces.contains(ns),
            None => self.names.contains(name) || !self.namespaces.is_empty(),
        }
    }

    /// Add the service accounts a RoleBinding or ClusterRoleBinding subject names.
    fn insert_subject(&mut self, s: &'a Value) {
        let name = s.get("name").and_then(Value::as_str);
        match (s.get("kind").and_then(Value::as_str), name) {
            (Some("ServiceAccount"), Some(name)) => {
                self.insert(s.get("namespace").and_then(Value::as_str), name);
            }
            (Some("User"), Some(user)) => {
                if let Some((ns, name)) = user
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|r| r.split_once(':'))
                {
                    self.insert(Some(ns), name);
                }
            }
            (Some("Group"), Some("system:serviceaccounts")) => self.all = true,
            (Some("Group"), Some(group)) => {
                if let Some(ns) = group.strip_prefix("system:serviceaccounts:") {
                    self.namespaces.insert(ns);
                }
            }
            _ => {}
        }
    }
}

impl Check for AutomountToken {
    fn scan_kinds(&self) -> &[DocumentKind] {
        KUBERNETES
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(AUTOMOUNT_POINTERS)
    }
    /// Other files matter through the bindings that grant a ServiceAccount permissions and the
    /// ServiceAccounts that switch automounting off.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["RoleBinding", "ServiceAccount"])
    }
    fn is_scan_level(&self) -> bool {
        true
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let objs = objects(scan);
        // Service accounts a binding grants permissions to (their pods call the API and need
        // the token), and those that switch automounting off themselves.
        let mut bound = ServiceAccounts::default();
        let mut opted_out = ServiceAccounts::default();
        for (_, cd) in &objs {
            let v = &cd.value;
            match kind_of(v) {
                Some("RoleBinding" | "ClusterRoleBinding") => {
                    for s in v
                        .get("subjects")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        bound.insert_subject(s);
                    }
                }
                Some("ServiceAccount") => {
                    if v.get("automountServiceAccountToken") == Some(&Value::Bool(false))
                        && let Some(name) = v.pointer("/metadata/name").and_then(Value::as_str)
                    {
                        opted_out.insert(namespace_of(v), name);
                    }
                }
                _ => {}
            }
        }
        for (doc, cd) in &objs {
            let v = &cd.value;
            let Some((pod_ptr, pod)) = pod_spec(v).filter(|(_, p)| p.get("containers").is_some())
            else {
                continue;
            };
            let setting = pod.get("automountServiceAccountToken");
            if setting == Some(&Value::Bool(false)) {
                continue;
            }
            // `serviceAccount` is the deprecated alias; a pod without either runs as `default`.
            let account = match pod
                .get("serviceAccountName")
                .or_else(|| pod.get("serviceAccount"))
            {
                None => Some("default"),
                Some(name) => name.as_str(),
            };
            let ns = namespace_of(v);
            if let Some(sa) = account
                && (bound.contains(ns, sa) || (setting.is_none() && opted_out.contains(ns, sa)))
            {
                continue;
            }
            let who = account.map_or_else(
                || "its service account".to_string(),
                |sa| format!("service account '{sa}'"),
            );
            let (ptr, message) = match setting {
                Some(_) => (
                    format!("{pod_ptr}/automountServiceAccountToken"),
                    format!(
                        "pod mounts its service account token although {who} has no role binding in this scan"
                    ),
                ),
                None => (
                    pod_ptr.to_string(),
                    format!(
                        "pod does not set automountServiceAccountToken: false and {who} has no role binding in this scan"
                    ),
                ),
            };
            report(cx, doc, cd, &ptr, message);
            // The kept document holds only what the rule reads, but its spans are the file's:
            // the key goes after the last kept entry of the pod spec (`containers`, or the
            // service account), which is as valid as after the mapping's last entry.
            let fix = crate::fix::yaml::set(
                &doc.text,
                cd,
                pod_ptr,
                &["automountServiceAccountToken"],
                &Value::Bool(false),
                None,
            )
            .map(|e| crate::fix::Fix::one("set `automountServiceAccountToken: false`", e));
            if let Some(f) = cx.findings.last_mut() {
                f.with_fix_mut(fix);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/image-latest-tag, k8s/image-pull-policy

/// `:latest`, or no tag and no digest (which means latest). A registry port is not a tag;
/// images given by a variable (`${IMAGE}`, `$(IMAGE)`, `{{ }}`) are left alone.
static LATEST_TAG: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern: it compiles.
    Regex::new(r"^[^@$]*:latest$").expect("valid regex")
});
static UNTAGGED: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern: it compiles.
    Regex::new(r"^(?:[^/@${}\s]*/)*[^:/@${}\s]+$").expect("valid regex")
});

/// What the image rules read: every container's name, image and pull policy.
const IMAGE_POINTERS: &[&str] = &[
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
    // `image` also keeps `imagePullPolicy` (prefixes are string prefixes).
    "/spec/containers/*/image",
    "/spec/containers/*/name",
    "/spec/initContainers/*/image",
    "/spec/initContainers/*/name",
    "/spec/ephemeralContainers/*/image",
    "/spec/ephemeralContainers/*/name",
    "/spec/template/spec/containers/*/image",
    "/spec/template/spec/containers/*/name",
    "/spec/template/spec/initContainers/*/image",
    "/spec/template/spec/initContainers/*/name",
    "/spec/template/spec/ephemeralContainers/*/image",
    "/spec/template/spec/ephemeralContainers/*/name",
    "/spec/jobTemplate/spec/template/spec/containers/*/image",
    "/spec/jobTemplate/spec/template/spec/containers/*/name",
    "/spec/jobTemplate/spec/template/spec/initContainers/*/image",
    "/spec/jobTemplate/spec/template/spec/initContainers/*/name",
    "/spec/jobTemplate/spec/template/spec/ephemeralContainers/*/image",
    "/spec/jobTemplate/spec/template/spec/ephemeralContainers/*/name",
    "/template/spec/containers/*/image",
    "/template/spec/containers/*/name",
    "/template/spec/initContainers/*/image",
    "/template/spec/initContainers/*/name",
    "/template/spec/ephemeralContainers/*/image",
    "/template/spec/ephemeralContainers/*/name",
];

/// Largest build or deploy tool file read from disk for its image names.
const MAX_TOOL_FILE: u64 = 1024 * 1024;

/// `app` and `docker.io/library/app` name the same image.
fn familiar_image_name(name: &str) -> &str {
    let name = name.trim();
    [
        "docker.io/library/",
        "index.docker.io/library/",
        "docker.io/",
        "index.docker.io/",
    ]
    .iter()
    .find_map(|p| name.strip_prefix(p))
    .unwrap_or(name)
}

static TILT_BUILD: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern: it compiles.
    Regex::new(
        r#"\b(?:docker_build|docker_build_with_restart|custom_build)\(\s*(?:ref\s*=\s*)?['"]([^'"\s]+)['"]"#,
    )
    .expect("valid regex")
});

/// Images that a build or deploy tool of the repository substitutes at deploy time, so a bare
/// name in a manifest is a placeholder, not `latest`: skaffold `build.artifacts[].image` (also
/// in profiles), kustomize `images[].name` and Tilt `docker_build('name', …)`/`custom_build`.
/// Read from disk: skaffold and kustomize files may or may not look like Kubernetes objects,
/// and a Tiltfile is plain text.
fn placeholder_images(scan: &ScanContext) -> HashSet<String> {
    let mut out = HashSet::new();
    for rel in &scan.files {
        let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        let skaffold = yaml && name.starts_with("skaffold");
        let kustomize = matches!(
            name.as_str(),
            "kustomization.yaml" | "kustomization.yml" | "kustomization"
        );
        let tilt =
            name == "tiltfile" || name.starts_with("tiltfile.") || name.ends_with(".tiltfile");
        if !(skaffold || kustomize || tilt) {
            continue;
        }
        let path = scan.base.join(rel);
        // Never follow a link out of the tree; skip anything large.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_TOOL_FILE {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if tilt {
            for c in TILT_BUILD.captures_iter(&text) {
                out.insert(familiar_image_name(&c[1]).to_string());
            }
            continue;
        }
        let doc = Document::new(rel.clone(), DocumentKind::Yaml, text.as_ref());
        let Ok(cdocs) = doc.config() else { continue };
        let strings = |v: Option<&Value>, field: &str| -> Vec<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| a.get(field).and_then(Value::as_str))
                .map(|n| familiar_image_name(n).to_string())
                .collect()
        };
        for cd in cdocs {
            let v = &cd.value;
            if kustomize {
                out.extend(strings(v.get("images"), "name"));
                continue;
            }
            out.extend(strings(v.pointer("/build/artifacts"), "image"));
            for p in v
                .get("profiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.extend(strings(p.pointer("/build/artifacts"), "image"));
            }
        }
    }
    out
}

/// `k8s/image-latest-tag` (a mutable tag) and `k8s/image-pull-policy` (a mutable tag pulled
/// with `IfNotPresent` or `Never`).
struct MutableImage {
    pull_policy: bool,
}

impl Check for MutableImage {
    fn scan_kinds(&self) -> &[DocumentKind] {
        KUBERNETES
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(IMAGE_POINTERS)
    }
    /// Other manifests do not matter; the build tools' files are read from the file list.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }
    fn is_scan_level(&self) -> bool {
        true
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let objs = objects(scan);
        let mut placeholders = None;
        for (doc, cd) in &objs {
            let v = &cd.value;
            let Some((pod_ptr, pod)) = pod_spec(v) else {
                continue;
            };
            for (cptr, c) in containers(pod_ptr, pod, ALL_CONTAINERS) {
                let Some(image) = c.get("image").and_then(Value::as_str) else {
                    continue;
                };
                let untagged = UNTAGGED.is_match(image);
                if !untagged && !LATEST_TAG.is_match(image) {
                    continue;
                }
                // Read the tools' files only once some image could be one of theirs.
                if untagged
                    && placeholders
                        .get_or_insert_with(|| placeholder_images(scan))
                        .contains(familiar_image_name(image))
                {
                    continue;
                }
                let name = container_name(c);
                if self.pull_policy {
                    let Some(policy) = c
                        .get("imagePullPolicy")
                        .and_then(Value::as_str)
                        .filter(|p| matches!(*p, "IfNotPresent" | "Never"))
                    else {
                        continue;
                    };
                    let message = format!(
                        "container '{name}' pulls mutable image '{image}' with imagePullPolicy {policy}"
                    );
                    report(cx, doc, cd, &format!("{cptr}/imagePullPolicy"), message);
                } else {
                    let message = format!("container '{name}' uses a mutable image tag: {image}");
                    report(cx, doc, cd, &format!("{cptr}/image"), message);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// k8s/namespace-without-quota

struct NamespaceWithoutQuota;

impl Check for NamespaceWithoutQuota {
    fn scan_kinds(&self) -> &[DocumentKind] {
        KUBERNETES
    }
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(SCAN_POINTERS)
    }
    /// Other files matter through the namespaces they declare or use and the quotas and limit
    /// ranges that cover them (`amespace` matches `namespace:` and `kind: Namespace`).
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["amespace", "ResourceQuota", "LimitRange"])
    }
    fn is_scan_level(&self) -> bool {
        true
    }
    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let objs = objects(scan);
        // namespace → (declared by a Namespace object, document, config doc, pointer)
        let mut seen: BTreeMap<String, (bool, &Document, &ConfigDoc, &'static str)> =
            BTreeMap::new();
        let mut covered = BTreeSet::new();
        for (doc, cd) in &objs {
            let v = &cd.value;
            match kind_of(v) {
                Some("Namespace") => {
                    if let Some(n) = v.pointer("/metadata/name").and_then(Value::as_str) {
                        let entry = seen.entry(n.to_string());
                        match entry {
                            std::collections::btree_map::Entry::Occupied(mut o) => {
                                if !o.get().0 {
                                    o.insert((true, doc, cd, "/metadata/name"));
                                }
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert((true, doc, cd, "/metadata/name"));
                            }
                        }
                    }
                }
                Some("ResourceQuota" | "LimitRange") => {
                    if let Some(n) = namespace_of(v) {
                        covered.insert(n.to_string());
                    }
                }
                _ => {
                    if let Some(n) = namespace_of(v) {
                        seen.entry(n.to_string()).or_insert((
                            false,
                            doc,
                            cd,
                            "/metadata/namespace",
                        ));
                    }
                }
            }
        }
        for (ns, (_, doc, cd, ptr)) in seen {
            if covered.contains(&ns) || SYSTEM_NAMESPACES.contains(&ns.as_str()) {
                continue;
            }
            let message =
                format!("namespace '{ns}' has no ResourceQuota or LimitRange in this scan");
            report(cx, doc, cd, ptr, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        let q = |s: &str| parse_quantity_str(s);
        assert_eq!(q("500m"), Some(0.5));
        assert_eq!(q("0.5"), Some(0.5));
        assert_eq!(q("2"), Some(2.0));
        assert_eq!(q("1e3"), Some(1000.0));
        assert_eq!(q("1E3"), Some(1000.0));
        assert_eq!(q("1E"), Some(1e18));
        assert_eq!(q("1Ki"), Some(1024.0));
        assert_eq!(q("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(q("1Gi"), Some(1024f64.powi(3)));
        assert_eq!(q("2G"), Some(2e9));
        assert_eq!(q(" 100M "), Some(1e8));
        assert_eq!(q("abc"), None);
        assert_eq!(q(""), None);
        assert_eq!(q("1x"), None);
        assert!(q("1e99999").is_some_and(f64::is_finite));
        assert_eq!(parse_quantity(&json!(1)), Some(1.0));
        assert_eq!(parse_quantity(&json!(0.25)), Some(0.25));
        assert!(q("1Gi") > q("1000Mi"));
    }

    /// Two namespaces may be the same one: equal, or one of them left to apply time.
    fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
        match (a, b) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
    }

    /// The PDB and HPA indexes answer what comparing every workload with every PDB and HPA in
    /// scan order does, across namespaces (set, unset), label value types and selector shapes.
    #[test]
    fn indexes_agree_with_pairwise_comparison() {
        let namespaces = ["", "namespace: a, ", "namespace: b, "];
        let labels = [
            "{}",
            "{app: web}",
            "{app: web, tier: '1'}",
            "{app: api, tier: 1}",
            "{tier: 1}",
            "{app: db}",
            "{app: cache}",
        ];
        // Namespace `a` has selectors that select everything; `b` and no namespace do not.
        let selectors = [
            ("", "null"),
            ("", "{matchLabels: {tier: 1}}"),
            ("", "{matchLabels: [app]}"),
            (
                "",
                "{matchExpressions: [{key: app, operator: In, values: [db]}]}",
            ),
            (
                "",
                "{matchLabels: {app: api}, matchExpressions: [{key: tier, operator: In, values: ['1']}]}",
            ),
            ("namespace: a, ", "{}"),
            ("namespace: a, ", "{matchLabels: {}}"),
            ("namespace: b, ", "{matchLabels: {app: web}}"),
            ("namespace: b, ", "{matchLabels: {app: {x: 1}}}"),
            (
                "namespace: b, ",
                "{matchLabels: {app: web, tier: '1'}, matchExpressions: [{key: canary, operator: DoesNotExist}]}",
            ),
        ];
        let mut text = String::new();
        let mut n = 0;
        for ns in namespaces {
            for l in labels {
                n += 1;
                text.push_str(&format!(
                    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{}, {ns}}}\n\
                     spec: {{template: {{metadata: {{labels: {l}}}}}}}\n",
                    n % 4
                ));
            }
        }
        for (ns, sel) in selectors {
            text.push_str(&format!(
                "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\n\
                 metadata: {{name: p, {ns}}}\nspec: {{selector: {sel}}}\n"
            ));
        }
        // HPAs without a namespace come last: a namespaced workload still finds its own first.
        for (i, ns) in namespaces.iter().enumerate().rev() {
            for w in 0..4 {
                text.push_str(&format!(
                    "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n\
                     metadata: {{name: h{i}{w}, {ns}}}\n\
                     spec: {{minReplicas: {}, scaleTargetRef: {{kind: Deployment, name: w{w}}}}}\n",
                    i + w
                ));
            }
        }
        let doc = Document::new("all.yaml", DocumentKind::Kubernetes, text.as_str());
        let cdocs = doc.config().expect("the generated manifests parse");
        let objs: Vec<(&Document, &ConfigDoc)> = cdocs.iter().map(|cd| (&doc, cd)).collect();
        let workloads: Vec<&Value> = objs
            .iter()
            .map(|(_, cd)| &cd.value)
            .filter(|v| is_replicated_kind(v))
            .collect();
        let pdbs = PdbIndex::new(&objs, workloads.iter().filter_map(|v| pod_labels(v)));
        let hpas = hpas(&objs);
        let empty = serde_json::Map::new();
        let mut covered = 0;
        for v in &workloads {
            let ns = namespace_of(v);
            let labels = pod_labels(v).unwrap_or(&empty);
            let pairwise = objs.iter().any(|(_, cd)| {
                kind_of(&cd.value) == Some("PodDisruptionBudget")
                    && same_namespace(namespace_of(&cd.value), ns)
                    && cd
                        .value
                        .pointer("/spec/selector")
                        .is_some_and(|s| selector_matches(s, labels))
            });
            assert_eq!(pdbs.covers(ns, labels), pairwise, "{v}");
            covered += usize::from(pairwise);
            let first_hpa = hpas.list.iter().find(|h| {
                h.kind == "Deployment" && h.name == name_of(v) && same_namespace(h.namespace, ns)
            });
            let found = replicas(v, &hpas).2;
            assert_eq!(
                found.map(|h| h.hpa_name),
                first_hpa.map(|h| h.hpa_name),
                "{v}"
            );
        }
        // Both answers occur.
        assert!(covered > 0 && covered < workloads.len(), "{covered}");
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "frontend", "v": "2"});
        let labels = labels.as_object().unwrap();
        assert!(selector_matches(&json!({}), labels));
        assert!(!selector_matches(&Value::Null, labels));
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "web"}}),
            labels
        ));
        assert!(selector_matches(&json!({"matchLabels": {"v": 2}}), labels));
        assert!(!selector_matches(
            &json!({"matchLabels": {"app": "api"}}),
            labels
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]},
                                         {"key": "canary", "operator": "DoesNotExist"}]}),
            labels
        ));
        assert!(!selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["frontend"]}]}),
            labels
        ));
    }
}
