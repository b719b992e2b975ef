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

mod common;

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

/// Copy a fixture chart into `dir/rel`.
fn copy_chart(name: &str, dir: &Path, rel: &str) {
    for entry in walkdir::WalkDir::new(fixture(name)) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let sub = entry.path().strip_prefix(fixture(name)).unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            common::write(dir, &format!("{rel}/{}", sub.to_string_lossy()), &text);
        }
    }
}

/// `bylaw check . --format json` in `dir`: the report.
fn scan(dir: &Path, extra: &[&str]) -> serde_json::Value {
    common::check_json(dir, extra)
}

/// (rule, path, line, column) of every finding of the three planted rules.
fn planted(report: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            [
                "k8s/privileged-container",
                "k8s/host-network",
                "k8s/image-latest-tag",
            ]
            .contains(&f["rule"].as_str().unwrap())
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["col"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn own(rule: &str, path: &str, line: u64, col: u64) -> (String, String, u64, u64) {
    (rule.to_string(), path.to_string(), line, col)
}

#[test]
fn planted_findings_point_at_the_template_or_values_line() {
    let d = tempfile::tempdir().unwrap();
    copy_chart("planted", d.path(), "chart");
    let report = scan(d.path(), &[]);
    assert_eq!(
        planted(&report),
        [
            own("k8s/host-network", "chart/templates/literal.yaml", 17, 7),
            own("k8s/host-network", "chart/values.yaml", 4, 1),
            own(
                "k8s/image-latest-tag",
                "chart/templates/literal.yaml",
                20,
                11
            ),
            own("k8s/image-latest-tag", "chart/values.yaml", 3, 3),
            own(
                "k8s/privileged-container",
                "chart/templates/literal.yaml",
                22,
                13
            ),
            own("k8s/privileged-container", "chart/values.yaml", 7, 3),
        ]
    );
    // A value's finding names the template action that inserted it.
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s/privileged-container" && f["path"] == "chart/values.yaml")
        .unwrap();
    assert!(
        f["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "chart/templates/from-values.yaml"),
        "{f}"
    );
    // Templates are not YAML: no parse errors, and nothing judged on the raw template.
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        report["errors"]
    );
}

#[test]
fn values_files_named_in_the_policy_are_rendered_over_values_yaml() {
    let d = tempfile::tempdir().unwrap();
    copy_chart("planted", d.path(), "deploy/app");
    common::write(
        d.path(),
        "deploy/app/values-prod.yaml",
        "hostNetwork: false\nimage:\n  tag: \"1.27\"\n",
    );
    common::write(
        d.path(),
        "bylaw.toml",
        "[helm.values]\n\"deploy/app\" = [\"values-prod.yaml\"]\n",
    );
    let got = planted(&scan(d.path(), &[]));
    assert!(
        !got.iter()
            .any(|f| f.1 == "deploy/app/values.yaml" && f.0 != "k8s/privileged-container"),
        "{got:?}"
    );
    assert!(
        got.contains(&own(
            "k8s/privileged-container",
            "deploy/app/values.yaml",
            7,
            3
        )),
        "{got:?}"
    );
    // A values file outside the chart is refused when the policy loads.
    common::write(
        d.path(),
        "bylaw.toml",
        "[helm.values]\n\"deploy/app\" = [\"../secrets.yaml\"]\n",
    );
    let out = common::bylaw(d.path())
        .args(["check", ".", "--no-cache"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not inside"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_chart_that_cannot_render_is_one_error_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    copy_chart("planted", d.path(), "chart");
    common::write(
        d.path(),
        "chart/templates/broken.yaml",
        "kind: ConfigMap\ndata:\n  a: {{ required \"set a\" .Values.a }}\n",
    );
    common::write(d.path(), "chart/charts/dep-1.0.0.tgz", "");
    common::write(d.path(), "pod.yaml", common::PRIVILEGED_POD);
    let report = scan(d.path(), &[]);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "chart/templates/broken.yaml");
    assert_eq!(errors[0]["location"]["line"], 3, "{errors:?}");
    assert!(errors[0]["message"].as_str().unwrap().contains("set a"));
    // The rest of the chart and the other files are still checked.
    let got = planted(&report);
    assert!(
        got.contains(&own("k8s/privileged-container", "pod.yaml", 10, 9)),
        "{got:?}"
    );
    assert!(
        got.iter().any(|f| f.1 == "chart/templates/literal.yaml"),
        "{got:?}"
    );
    let skipped = report["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "chart/charts/dep-1.0.0.tgz"),
        "{skipped:?}"
    );
}

/// Copy a chart folder (any files) into `dir/rel`.
fn copy_tree(from: &Path, dir: &Path, rel: &str) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let to = dir.join(rel).join(entry.path().strip_prefix(from).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?}")) as u64
        + 1
}

#[test]
fn public_charts_report_planted_findings_at_the_template_or_values_line() {
    let Ok(root) = std::env::var("BYLAW_HELM_CHARTS") else {
        eprintln!(
            "skipped: set BYLAW_HELM_CHARTS to a folder with prometheus/, nginx/, loki-distributed/"
        );
        return;
    };
    // Per chart: values planted through a policy values file, and a literal planted in a template
    // where the chart has no value for it (`None`: the chart's own template line is expected).
    // A literal planted in a template: (template, anchor line, replacement).
    type Literal = Option<(&'static str, &'static str, &'static str)>;
    let cases: [(&str, &str, Literal); 3] = [
        (
            "prometheus",
            "server:\n  image:\n    tag: latest\n  hostNetwork: true\n  containerSecurityContext:\n    privileged: true\n",
            None,
        ),
        (
            "nginx",
            "image:\n  tag: latest\nhostNetwork: true\ncontainerSecurityContext:\n  privileged: true\n",
            None,
        ),
        (
            "loki-distributed",
            "loki:\n  image:\n    tag: latest\n  containerSecurityContext:\n    privileged: true\n",
            Some((
                "templates/distributor/deployment-distributor.yaml",
                "    spec:\n",
                "    spec:\n      hostNetwork: true\n",
            )),
        ),
    ];
    for (chart, planted_values, literal) in cases {
        let d = tempfile::tempdir().unwrap();
        copy_tree(&Path::new(&root).join(chart), d.path(), "chart");
        common::write(d.path(), "chart/planted.yaml", planted_values);
        common::write(
            d.path(),
            "bylaw.toml",
            "[helm.values]\n\"chart\" = [\"planted.yaml\"]\n",
        );
        let mut want = vec![
            own(
                "k8s/image-latest-tag",
                "chart/planted.yaml",
                line_of(planted_values, "tag: latest"),
                0,
            ),
            own(
                "k8s/privileged-container",
                "chart/planted.yaml",
                line_of(planted_values, "privileged: true"),
                0,
            ),
        ];
        match literal {
            Some((template, anchor, with)) => {
                let p = d.path().join("chart").join(template);
                let text = std::fs::read_to_string(&p)
                    .unwrap()
                    .replacen(anchor, with, 1);
                std::fs::write(&p, &text).unwrap();
                want.push(own(
                    "k8s/host-network",
                    &format!("chart/{template}"),
                    line_of(&text, "hostNetwork: true"),
                    0,
                ));
            }
            None if chart == "prometheus" => {
                let t =
                    std::fs::read_to_string(d.path().join("chart/templates/deploy.yaml")).unwrap();
                want.push(own(
                    "k8s/host-network",
                    "chart/templates/deploy.yaml",
                    line_of(&t, "      hostNetwork: true"),
                    0,
                ));
            }
            None => want.push(own(
                "k8s/host-network",
                "chart/planted.yaml",
                line_of(planted_values, "hostNetwork"),
                0,
            )),
        }
        let report = scan(d.path(), &[]);
        let got: Vec<_> = planted(&report)
            .into_iter()
            .map(|(r, p, l, _)| (r, p, l, 0))
            .collect();
        for w in &want {
            assert!(got.contains(w), "{chart}: {w:?} not in {got:?}");
        }
        eprintln!("{chart}: planted findings at {want:?}");
    }
}

#[test]
fn a_secret_from_values_is_reported_once_where_it_is_written() {
    let d = tempfile::tempdir().unwrap();
    common::write(
        d.path(),
        "c/Chart.yaml",
        "apiVersion: v2\nname: s\nversion: 1.0.0\n",
    );
    common::write(d.path(), "c/values.yaml", "awsKey: AKIAQWERTYUIOPASDFGH\n");
    common::write(
        d.path(),
        "c/templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  KEY: {{ .Values.awsKey }}\n  LITERAL: AKIAZXCVBNMASDFGHJKL\n",
    );
    let report = scan(d.path(), &["--select", "secrets"]);
    let mut got: Vec<(String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["col"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("c/templates/secret.yaml".to_string(), 7, 12),
            ("c/values.yaml".to_string(), 1, 9)
        ]
    );
    assert!(!report.to_string().contains("AKIAQWERTYUIOPASDFGH"));
}

#[test]
fn a_template_named_alone_is_rendered_with_its_chart() {
    let d = tempfile::tempdir().unwrap();
    copy_chart("webapp", d.path(), "deploy/app");
    copy_chart("planted", d.path(), "deploy/app/charts/planted");
    // Only the subchart's template is checked (as a pre-commit hook would pass it): no YAML parse
    // error, and what it renders inside its top chart is judged.
    let out = common::bylaw(d.path())
        .args([
            "check",
            "deploy/app/charts/planted/templates/literal.yaml",
            "--no-cache",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        report["errors"]
    );
    let got = planted(&report);
    assert!(
        got.contains(&own(
            "k8s/privileged-container",
            "deploy/app/charts/planted/templates/literal.yaml",
            22,
            13
        )),
        "{got:?}"
    );
}

#[test]
fn the_release_namespace_is_chosen_at_install_not_written_in_the_chart() {
    let d = tempfile::tempdir().unwrap();
    common::write(
        d.path(),
        "c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    common::write(d.path(), "c/values.yaml", "ns: default\n");
    common::write(
        d.path(),
        "c/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: {{ .Release.Namespace }}\n\
         ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: {{ .Values.ns }}\n\
         ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n",
    );
    let report = scan(d.path(), &[]);
    let mut got: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "k8s/default-namespace")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    // `helm install -n …` decides the first; the values file and the literal are the chart's own.
    assert_eq!(
        got,
        [
            ("c/templates/cm.yaml".to_string(), 17),
            ("c/values.yaml".to_string(), 1)
        ]
    );
}

#[test]
fn a_chart_whose_dependencies_are_not_vendored_is_skipped_not_an_error() {
    let d = tempfile::tempdir().unwrap();
    common::write(
        d.path(),
        "c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: common\n  repository: oci://registry-1.docker.io/bitnamicharts\n  version: 2.x.x\n",
    );
    common::write(d.path(), "c/values.yaml", "hostNetwork: true\n");
    common::write(
        d.path(),
        "c/templates/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"common.names.fullname\" . }}\n",
    );
    common::write(
        d.path(),
        "c/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: a\n      image: a:1.0\n",
    );
    let report = scan(d.path(), &[]);
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        report["errors"]
    );
    let skipped = report["skipped"].as_array().unwrap();
    for (path, why) in [
        ("c/Chart.yaml", "not in charts/"),
        ("c/templates/svc.yaml", "common.names.fullname"),
    ] {
        assert!(
            skipped
                .iter()
                .any(|s| s["path"] == path && s["reason"].as_str().unwrap().contains(why)),
            "{path}: {skipped:?}"
        );
    }
    // What renders without the dependency is still judged.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "k8s/host-network" && f["path"] == "c/values.yaml"),
        "{}",
        report["findings"]
    );
}
