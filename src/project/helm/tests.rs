//! Engine tests over small in-memory charts; outputs derived by hand from Go/Helm semantics.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::*;

fn chart(files: &[(&str, &str)]) -> BTreeMap<String, Rc<str>> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), Rc::from(*t)))
        .collect()
}

fn one(files: &[(&str, &str)]) -> String {
    let r = render("c", &chart(files), &Options::default());
    assert!(r.error.is_none(), "{:?}", r.error);
    r.manifests
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("---\n")
}

const META: (&str, &str) = (
    "Chart.yaml",
    "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: \"4.5\"\n",
);

#[test]
fn text_actions_and_trimming() {
    let out = one(&[
        META,
        ("values.yaml", "a: 1\nname: x\n"),
        (
            "templates/t.yaml",
            "k: {{ .Values.name }}\n{{- /* c */}}\nn: {{- 3 -}} !\nr: {{ .Release.Name }} {{ .Chart.Name }} {{ .Chart.AppVersion }}\n",
        ),
    ]);
    assert_eq!(out, "k: x\nn:3!\nr: release-name app 4.5\n");
}
