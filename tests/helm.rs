//! Helm rendering compared with `helm template` output.
//!
//! The reference files in tests/data/helm/ are what Helm 4.2 (the helm-python-sdk 0.2.2 wheel's
//! libhelm) rendered with default values, release name `release-name`, namespace `default`:
//! - `fixture-*.helm.json`: this project's own charts under fixtures/helm-charts/ (always run);
//! - `prometheus`, `nginx`, `loki-distributed`: public charts (prometheus-community `prometheus`
//!   with its four subcharts unpacked in charts/, bitnami `nginx` with bitnami `common` unpacked,
//!   grafana `loki-distributed`). The charts themselves are not in this repository: the test runs
//!   when `BYLAW_HELM_CHARTS` names a folder holding them, and says so when it is skipped.
//!
//! Objects are compared as parsed YAML, not as bytes. Certificates and keys that `genCA`/
//! `genSignedCert` make up anew on every run were replaced by `GENERATED` in the reference (bylaw
//! never generates keys); such a field is compared for presence only.

use std::collections::BTreeMap;
use std::path::Path;

use bylaw::document::{DocumentKind, yaml};
use bylaw::project::helm;

fn objects(text: &str) -> Vec<serde_json::Value> {
    yaml::parse(text, DocumentKind::Yaml)
        .unwrap_or_else(|e| panic!("rendered text does not parse: {}\n{text}", e.message))
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

/// Where the reference says `GENERATED`, accept whatever bylaw put there.
fn mask_generated(got: &mut serde_json::Value, want: &serde_json::Value) {
    use serde_json::Value::*;
    match (got, want) {
        (g, String(w)) if w == "GENERATED" => *g = String(w.clone()),
        (Object(g), Object(w)) => {
            for (k, wv) in w {
                if let Some(gv) = g.get_mut(k) {
                    mask_generated(gv, wv);
                }
            }
        }
        (Array(g), Array(w)) => {
            for (gv, wv) in g.iter_mut().zip(w) {
                mask_generated(gv, wv);
            }
        }
        _ => {}
    }
}

/// Compare bylaw's render of `dir` with Helm's reference; returns the number of objects.
fn compare(dir: &Path, reference: &Path) -> usize {
    let files = helm::read_dir(dir).expect("chart readable");
    let r = helm::render("chart", &files, &helm::Options::default());
    assert!(r.error.is_none(), "{}: {:?}", dir.display(), r.error);
    let want: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(reference).expect("reference"))
            .expect("reference json");
    let want: BTreeMap<String, Vec<serde_json::Value>> = want
        .into_iter()
        .filter(|(k, _)| !k.ends_with("NOTES.txt"))
        .map(|(k, t)| (k, objects(&t)))
        .filter(|(_, o)| !o.is_empty())
        .collect();
    let got: BTreeMap<String, Vec<serde_json::Value>> = r
        .manifests
        .iter()
        .map(|m| (m.name.clone(), objects(&m.text)))
        .filter(|(_, o)| !o.is_empty())
        .collect();
    let wk: Vec<&String> = want.keys().collect();
    let gk: Vec<&String> = got.keys().collect();
    assert_eq!(gk, wk, "{}: rendered templates differ", dir.display());
    let mut n = 0;
    for (k, w) in &want {
        let mut g = got[k].clone();
        for (gv, wv) in g.iter_mut().zip(w) {
            mask_generated(gv, wv);
        }
        assert_eq!(
            serde_json::to_string_pretty(&g).unwrap(),
            serde_json::to_string_pretty(w).unwrap(),
            "{}: template {k} renders differently",
            dir.display()
        );
        n += w.len();
    }
    n
}

#[test]
fn public_charts_render_like_helm_template() {
    let Ok(root) = std::env::var("BYLAW_HELM_CHARTS") else {
        eprintln!(
            "skipped: set BYLAW_HELM_CHARTS to a folder with prometheus/, nginx/, loki-distributed/"
        );
        return;
    };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/helm");
    for c in ["prometheus", "nginx", "loki-distributed"] {
        let n = compare(
            &Path::new(&root).join(c),
            &data.join(format!("{c}.helm.json")),
        );
        eprintln!("{c}: {n} objects equal to helm template");
        assert!(n > 5);
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/_helm")
        .join(name)
}

fn reference(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/helm/{name}.helm.json"))
}

#[test]
fn fixture_chart_renders_like_helm_template() {
    let n = compare(&fixture("webapp"), &reference("fixture-webapp"));
    assert!(n >= 8, "{n}");
}

/// Beyond equal objects, the text itself: toYaml, nindent, quoting and trimming produce
/// Helm's bytes.
#[test]
fn fixture_chart_renders_helms_bytes() {
    let files = helm::read_dir(&fixture("webapp")).expect("chart readable");
    let r = helm::render("chart", &files, &helm::Options::default());
    let want: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(reference("fixture-webapp")).unwrap())
            .unwrap();
    for m in &r.manifests {
        assert_eq!(m.text, want[&m.name], "{}", m.name);
    }
    assert_eq!(
        r.manifests.len(),
        want.iter()
            .filter(|(k, v)| !k.ends_with("NOTES.txt") && !v.trim().is_empty())
            .count()
    );
}
