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

fn render_err(files: &[(&str, &str)]) -> ChartError {
    render("c", &chart(files), &Options::default())
        .error
        .expect("an error")
}

fn tpl(body: &str, values: &str) -> String {
    one(&[META, ("values.yaml", values), ("templates/t.yaml", body)])
}

#[test]
fn control_structures() {
    assert_eq!(
        tpl(
            "{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}",
            "b: 1\n"
        ),
        "B"
    );
    assert_eq!(
        tpl(
            "{{ with .Values.m }}{{ .x }}{{ else }}none{{ end }}",
            "m: {x: 7}\n"
        ),
        "7"
    );
    assert_eq!(
        tpl(
            "{{ with .Values.m }}{{ .x }}{{ else }}none{{ end }}",
            "m: {}\n"
        ),
        "none"
    );
    assert_eq!(
        tpl(
            "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}",
            "m: {b: 2, a: 1}\n"
        ),
        "a=1;b=2;"
    );
    assert_eq!(
        tpl(
            "{{ range $i, $v := .Values.l }}{{ $i }}{{ $v }}{{ end }}",
            "l: [x, y]\n"
        ),
        "0x1y"
    );
    assert_eq!(
        tpl(
            "{{ range .Values.l }}{{ . }}{{ else }}empty{{ end }}",
            "l: []\n"
        ),
        "empty"
    );
    assert_eq!(tpl("{{ range 3 }}{{ . }}{{ end }}", ""), "012");
    assert_eq!(
        tpl(
            "{{ range until 9 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}",
            ""
        ),
        "013"
    );
    assert_eq!(
        tpl(
            "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" 5 }}{{ include \"x\" \"y\" | upper }}",
            ""
        ),
        "[5][Y]"
    );
    assert_eq!(
        tpl("{{ block \"b\" .Values.v }}<{{ . }}>{{ end }}", "v: 1\n"),
        "<1>"
    );
    assert_eq!(
        tpl(
            "{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ not true }} {{ and .Values.none.x }}",
            "none: {x: 1}\n"
        ),
        "0 3 false 1"
    );
    assert_eq!(
        tpl(
            "{{ (dict \"a\" (dict \"b\" 4)).a.b }} {{ index .Values.l 1 }} {{ index .Values.m \"k\" }}",
            "l: [a, b]\nm: {k: v}\n"
        ),
        "4 b v"
    );
}

#[test]
fn variables_are_scoped_like_go() {
    assert_eq!(
        tpl(
            "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}",
            ""
        ),
        "21"
    );
    assert_eq!(
        tpl(
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
            ""
        ),
        "2"
    );
    assert_eq!(
        tpl(
            "{{ range .Values.l }}{{ $.Values.p }}{{ . }}{{ end }}",
            "p: '-'\nl: [a, b]\n"
        ),
        "-a-b"
    );
    assert_eq!(
        tpl(
            "{{ define \"d\" }}{{ $.k }}{{ end }}{{ include \"d\" (dict \"k\" 3) }}",
            ""
        ),
        "3"
    );
}

#[test]
fn trimming_and_comments() {
    assert_eq!(
        tpl(
            "a  \n  {{- 1 -}}  \n  b{{/* note */}}c {{- /* trimmed */ -}} d",
            ""
        ),
        "a1bcd"
    );
    assert_eq!(tpl("x: {{ \"a-}}\" }}", ""), "x: a-}}");
    assert_eq!(tpl("{{ 3 -}}\n{{ -3 }}", ""), "3-3");
}

#[test]
fn values_print_as_helm_prints_them() {
    assert_eq!(
        tpl(
            "{{ .Values.n }} {{ .Values.f }} {{ .Values.big }} {{ .Values.none }}|{{ .Values.l }} {{ .Values.m }}",
            "n: 8080\nf: 0.5\nbig: 2000000\nl: [1, a]\nm: {a: 1}\n"
        ),
        "8080 0.5 2e+06 |[1 a] map[a:1]"
    );
    assert_eq!(
        tpl(
            "{{ toYaml .Values.m | nindent 2 }}",
            "m: {b: [1, {c: d}], a: 'yes'}\n"
        ),
        "\n  a: \"yes\"\n  b:\n  - 1\n  - c: d"
    );
}

#[test]
fn tpl_and_required() {
    assert_eq!(
        tpl(
            "{{ tpl .Values.t . }}",
            "t: '{{ .Release.Name }}-{{ .Values.x }}'\nx: 1\n"
        ),
        "release-name-1"
    );
    assert_eq!(tpl("{{ required \"need x\" .Values.x }}", "x: ok\n"), "ok");
    let e = render_err(&[
        META,
        (
            "templates/a.yaml",
            "a: 1\n\nb: {{ required \"x is required\" .Values.x }}\n",
        ),
    ]);
    assert_eq!(e.path, "c/templates/a.yaml");
    assert_eq!(e.line_col.map(|l| (l.line, l.col)), Some((3, 7)));
    assert!(e.message.contains("x is required"), "{}", e.message);
}

#[test]
fn errors_name_the_template_line() {
    let e = render_err(&[
        META,
        ("templates/a.yaml", "ok\n{{ if .Values.x }}\nnever closed\n"),
    ]);
    assert_eq!(e.path, "c/templates/a.yaml");
    assert!(e.message.contains("missing {{end}}"), "{}", e.message);
    let e = render_err(&[META, ("templates/a.yaml", "a\n  b: {{ nosuch 1 }}\n")]);
    assert_eq!(e.line_col.map(|l| l.line), Some(2));
    assert!(
        e.message.contains("\"nosuch\" not defined"),
        "{}",
        e.message
    );
    let e = render_err(&[META, ("templates/a.yaml", "{{ .Values.a.b.c }}")]);
    // A nil base is fine (`((.Values.a).b).c` is how charts guard), a nil inside a chain is not.
    assert_eq!(
        tpl(
            "[{{ ((.Values.a).b).c }}][{{ $x := .Values.a }}{{ $x.b }}]",
            ""
        ),
        "[][]"
    );
    // `.Values.a` is missing (nil), so `.b` fails, as in Go.
    assert!(
        e.message.contains("nil pointer evaluating interface {}.b"),
        "{}",
        e.message
    );
    // A helper's failure is reported in the helper.
    let e = render_err(&[
        META,
        (
            "templates/_h.tpl",
            "{{ define \"h\" }}\n{{ fail \"boom\" }}{{ end }}",
        ),
        ("templates/a.yaml", "{{ include \"h\" . }}"),
    ]);
    assert_eq!(
        (e.path.as_str(), e.line_col.map(|l| l.line)),
        ("c/templates/_h.tpl", Some(2))
    );
}

#[test]
fn runaway_templates_stop() {
    let e = render_err(&[
        META,
        (
            "templates/a.yaml",
            "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}",
        ),
    ]);
    assert!(e.message.contains("nested more than"), "{}", e.message);
    let e = render_err(&[
        META,
        (
            "templates/a.yaml",
            "{{ range until 100000 }}{{ $.Values.s }}{{ end }}",
        ),
        ("values.yaml", &format!("s: {}\n", "x".repeat(1000))),
    ]);
    assert!(e.message.contains("MiB"), "{}", e.message);
    let e = render_err(&[
        META,
        ("templates/a.yaml", "{{ range until 10000000 }}{{ end }}"),
    ]);
    assert!(e.message.contains("more than"), "{}", e.message);
    // A map that contains itself prints to a bounded depth instead of recursing forever.
    let out = tpl(
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ toYaml $d | len }} {{ toJson $d | len }} {{ eq $d $d }}",
        "",
    );
    assert!(out.ends_with(" true"), "{out}");
}

#[test]
fn other_templates_still_render_after_an_error() {
    let r = render(
        "c",
        &chart(&[
            META,
            ("templates/a.yaml", "{{ fail \"no\" }}"),
            ("templates/b.yaml", "kind: B\n"),
        ]),
        &Options::default(),
    );
    assert!(r.error.is_some());
    assert_eq!(r.manifests.len(), 1);
    assert_eq!(r.manifests[0].text, "kind: B\n");
}

#[test]
fn subcharts_get_their_own_values_and_globals() {
    let files = [
        (
            "Chart.yaml",
            "name: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  condition: sub.enabled\n- name: off\n  condition: off.enabled\n- name: other\n  alias: renamed\n",
        ),
        (
            "values.yaml",
            "global: {g: parent}\nsub: {x: fromParent}\noff: {enabled: false}\nrenamed: {y: aliased}\n",
        ),
        (
            "templates/t.yaml",
            "top: {{ .Values.sub.x }} {{ .Values.sub.d }}\n",
        ),
        ("charts/sub/Chart.yaml", "name: sub\nversion: 0.1.0\n"),
        (
            "charts/sub/values.yaml",
            "x: default\nd: subDefault\nglobal: {g: sub, h: subOnly}\n",
        ),
        (
            "charts/sub/templates/s.yaml",
            "sub: {{ .Values.x }} {{ .Values.global.g }} {{ .Values.global.h }} {{ .Chart.Name }} {{ .Template.Name }}\n",
        ),
        ("charts/off/Chart.yaml", "name: off\nversion: 0.1.0\n"),
        ("charts/off/templates/o.yaml", "off: rendered\n"),
        ("charts/other/Chart.yaml", "name: other\nversion: 0.1.0\n"),
        (
            "charts/other/templates/o.yaml",
            "other: {{ .Values.y }} {{ .Template.Name }}\n",
        ),
        ("charts/packed-1.0.0.tgz", ""),
    ];
    let r = render("c", &chart(&files), &Options::default());
    assert!(r.error.is_none(), "{:?}", r.error);
    let texts: Vec<(&str, &str)> = r
        .manifests
        .iter()
        .map(|m| (m.name.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (
                "top/charts/renamed/templates/o.yaml",
                "other: aliased top/charts/renamed/templates/o.yaml\n"
            ),
            (
                "top/charts/sub/templates/s.yaml",
                "sub: fromParent parent subOnly sub top/charts/sub/templates/s.yaml\n"
            ),
            ("top/templates/t.yaml", "top: fromParent subDefault\n"),
        ]
    );
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].path, "c/charts/packed-1.0.0.tgz");
    assert!(r.skipped[0].reason.contains(".tgz"));
}

#[test]
fn policy_values_files_merge_over_values_yaml() {
    let files = [
        META,
        ("values.yaml", "a: 1\nm: {x: 1, y: 2}\n"),
        ("ci/prod.yaml", "m: {y: 3, x: null}\n"),
        ("templates/t.yaml", "{{ .Values.a }} {{ toJson .Values.m }}"),
    ];
    let opts = Options {
        values_files: vec!["ci/prod.yaml".into(), "missing.yaml".into()],
    };
    let r = render("c", &chart(&files), &opts);
    assert_eq!(r.manifests[0].text, "1 {\"y\":3}");
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].path, "c/missing.yaml");
}

#[test]
fn library_charts_only_define() {
    let files = [
        META,
        ("templates/t.yaml", "{{ include \"lib.x\" . }}"),
        (
            "charts/lib/Chart.yaml",
            "name: lib\nversion: 1.0.0\ntype: library\n",
        ),
        (
            "charts/lib/templates/_x.tpl",
            "{{ define \"lib.x\" }}from-lib{{ end }}",
        ),
        ("charts/lib/templates/cm.yaml", "kind: NeverRendered\n"),
    ];
    assert_eq!(one(&files), "from-lib");
}

fn source<'a>(m: &'a Manifest, needle: &str) -> Source<'a> {
    let at = m
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {:?}", m.text));
    m.source_of(at).expect("mapped")
}

#[test]
fn origins_map_output_to_template_and_values() {
    let values = "image: nginx:latest\nsc:\n  privileged: true\n  runAsUser: 0\n";
    let tmpl = "kind: Pod\nspec:\n  hostNetwork: true\n  image: {{ .Values.image }}\n  sc:\n    {{- toYaml .Values.sc | nindent 4 }}\n  name: {{ .Release.Name }}\n";
    let r = render(
        "c",
        &chart(&[META, ("values.yaml", values), ("templates/p.yaml", tmpl)]),
        &Options::default(),
    );
    let m = &r.manifests[0];
    // Literal text: byte for byte.
    let s = source(m, "hostNetwork");
    assert_eq!(
        (s.file, s.span.start),
        ("c/templates/p.yaml", tmpl.find("hostNetwork").unwrap())
    );
    // A value: its node in values.yaml, with the action as related location.
    let s = source(m, "nginx:latest");
    assert_eq!(s.file, "c/values.yaml");
    assert_eq!(&values[s.span.start..s.span.end], "image: nginx:latest");
    let (rf, rs) = s.related.expect("related");
    assert_eq!(
        (rf.as_str(), &tmpl[rs.start..rs.end]),
        ("c/templates/p.yaml", "{{ .Values.image }}")
    );
    // toYaml of a values map: each line to its own node.
    let s = source(m, "privileged: true");
    assert_eq!(&values[s.span.start..s.span.end], "privileged: true");
    assert_eq!(s.key.map(|k| &values[k.start..k.end]), Some("privileged"));
    let s = source(m, "runAsUser: 0");
    assert_eq!(&values[s.span.start..s.span.end], "runAsUser: 0");
    // Anything else an action printed: the action.
    let s = source(m, "release-name");
    assert_eq!(&tmpl[s.span.start..s.span.end], "{{ .Release.Name }}");
}

#[test]
fn origins_survive_helpers_and_printf() {
    let values = "repo: web\ntag: latest\n";
    let files = [
        META,
        ("values.yaml", values),
        (
            "templates/_h.tpl",
            "{{- define \"img\" -}}\n{{ printf \"%s:%s\" .Values.repo .Values.tag }}\n{{- end }}",
        ),
        (
            "templates/p.yaml",
            "image: {{ include \"img\" . | quote }}\nplain: {{ include \"img\" . | trimSuffix \"x\" }}\n",
        ),
    ];
    let r = render("c", &chart(&files), &Options::default());
    let m = &r.manifests[0];
    assert_eq!(m.text, "image: \"web:latest\"\nplain: web:latest\n");
    let s = source(m, "latest\"");
    assert_eq!(&values[s.span.start..s.span.end], "tag: latest");
    let s = m.source_of(m.text.rfind("latest").unwrap()).unwrap();
    assert_eq!(&values[s.span.start..s.span.end], "tag: latest");
    let (rf, _) = s.related.unwrap();
    assert_eq!(rf, "c/templates/_h.tpl");
}

#[test]
fn files_stay_inside_the_chart() {
    let files = [
        META,
        ("files/a.txt", "A"),
        (
            "templates/t.yaml",
            "{{ .Files.Get \"files/a.txt\" }}|{{ .Files.Get \"../outside\" }}|{{ .Files.Get \"values.yaml\" }}|{{ .Files.Get \"templates/t.yaml\" }}",
        ),
    ];
    assert_eq!(one(&files), "A|||");
}

#[cfg(unix)]
#[test]
fn read_dir_does_not_follow_links_out_of_the_chart() {
    let tmp = std::env::temp_dir().join(format!("bylaw-helm-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("chart/files")).unwrap();
    std::fs::write(tmp.join("secret.txt"), "outside").unwrap();
    std::fs::write(tmp.join("chart/files/in.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(tmp.join("secret.txt"), tmp.join("chart/files/link.txt")).unwrap();
    let files = read_dir(&tmp.join("chart")).unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["files/in.txt"]);
}

/// Random token soup: parsing and rendering return (an error at worst), never panic or hang.
#[test]
fn arbitrary_templates_never_panic() {
    const PARTS: &[&str] = &[
        "{{",
        "}}",
        "{{-",
        " -}}",
        "{{/*",
        "*/}}",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "include",
        "\"x\"",
        "`raw`",
        "$",
        "$v",
        ":=",
        "=",
        ",",
        "|",
        "(",
        ")",
        ".",
        ".Values",
        ".a",
        "1",
        "-2",
        "3.5",
        "'c'",
        "nil",
        "true",
        "printf \"%s%d%-5q\"",
        "toYaml",
        "nindent 2",
        "tpl",
        "dict",
        "list",
        "index",
        "until 3",
        "fromYaml",
        "required \"r\"",
        "break",
        "continue",
        " ",
        "\n",
        "text",
        "é",
        "{",
        "}",
        "\"",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let n = (next() % 40) as usize;
        let body: String = (0..n)
            .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ");
        let files = chart(&[
            META,
            ("values.yaml", "a: {b: [1, 2]}\n"),
            ("templates/t.yaml", &body),
        ]);
        let r = render("c", &files, &Options::default());
        for m in &r.manifests {
            for at in 0..=m.text.len() {
                let _ = m.source_of(at);
            }
        }
    }
}

#[test]
fn huge_widths_and_doubling_strings_stop() {
    assert_eq!(
        tpl("{{ printf \"%99999999999999s\" \"x\" | len }}", ""),
        "10000"
    );
    let e = render_err(&[
        META,
        (
            "templates/a.yaml",
            "{{ $s := \"ab\" }}{{ range until 60 }}{{ $s = printf \"%s%s\" $s $s }}{{ end }}",
        ),
    ]);
    assert!(e.message.contains("too large"), "{}", e.message);
    let e = render_err(&[
        META,
        (
            "templates/a.yaml",
            "{{ $l := list 1 }}{{ range until 60 }}{{ $l = concat $l $l }}{{ end }}",
        ),
    ]);
    assert!(e.message.contains("too large"), "{}", e.message);
}

#[test]
fn dependencies_not_vendored_are_named() {
    let files = [
        (
            "Chart.yaml",
            "name: top\nversion: 1.0.0\ndependencies:\n- name: grafana\n  condition: grafana.enabled\n- name: off\n  condition: off.enabled\n- name: packed\n- name: sub\n",
        ),
        (
            "values.yaml",
            "grafana: {enabled: true}\noff: {enabled: false}\n",
        ),
        (
            "templates/t.yaml",
            "a: {{ (index .Values \"grafana\").rbac.create }}\n",
        ),
        ("charts/packed-1.0.0.tgz", ""),
        ("charts/sub/Chart.yaml", "name: sub\nversion: 0.1.0\n"),
    ];
    let r = render("c", &chart(&files), &Options::default());
    // Only `grafana` is missing: `off` is switched off, `packed` and `sub` are in charts/.
    let skipped: Vec<(&str, &str)> = r
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|(p, why)| *p == "c/Chart.yaml" && why.ends_with(": grafana")),
        "{skipped:?}"
    );
    // Rendering what the missing chart's values would have held fails, and the error says why.
    let e = r.error.expect("nil pointer");
    assert!(
        e.message
            .contains("not in charts/, which may be why: grafana"),
        "{}",
        e.message
    );
}
