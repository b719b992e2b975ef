//! Charts in a scan: every directory holding a `Chart.yaml` (other than a subchart unpacked in
//! another chart's `charts/`) is rendered, and each rendered template becomes a
//! [`RenderedFile`] the Kubernetes rules judge. Template files are claimed as templates (text
//! rules only: they are not YAML), so they no longer fail to parse.
//!
//! Findings move back through segments. Each rendered line that is a `key: value` entry gets an
//! entry segment: to the values file entry when its value was printed from values (the template
//! action as related location), else to the template from the key to the end of the line; every
//! piece of text maps to where it came from (the template byte for byte, the values entry, or
//! the action that printed it).

use std::collections::BTreeSet;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use super::chart::join;
use super::{Manifest, Options, Segment as HelmSegment};
use crate::config::Policy;
use crate::document::{DocumentKind, Span};
use crate::project::rendered::{Claim, Origin, Related, Rendered, RenderedFile, Segment};
use crate::report::{FileError, Skipped};
use crate::walk::WalkedFile;

/// The chart folders of a scan: folders with a `Chart.yaml` among the walked files, and the
/// charts around walked templates (a partial scan may name a template alone), except subcharts
/// unpacked in another chart's `charts/` (they render with their parent).
pub fn chart_dirs(files: &[WalkedFile], base: &Path) -> Vec<String> {
    let mut all: BTreeSet<String> = files
        .iter()
        .filter_map(|f| match f.rel.rsplit_once('/') {
            Some((dir, "Chart.yaml")) => Some(dir.to_string()),
            None if f.rel == "Chart.yaml" => Some(String::new()),
            _ => None,
        })
        .collect();
    let has_chart = |dir: &str| base.join(dir).join("Chart.yaml").is_file();
    let mut looked: BTreeSet<&str> = BTreeSet::new();
    for f in files {
        // `<chart>/templates/…`: the chart is the folder before the first `templates`.
        let Some(i) = f
            .rel
            .find("templates/")
            .filter(|i| *i == 0 || f.rel.as_bytes()[i - 1] == b'/')
        else {
            continue;
        };
        let dir = f.rel[..i].trim_end_matches('/');
        if all.contains(dir) || !looked.insert(dir) || !has_chart(dir) {
            continue;
        }
        // A subchart's template: render its top chart.
        let mut top = dir.to_string();
        while let Some(parent) = top
            .rsplit_once("/charts/")
            .map(|(p, _)| p.to_string())
            .or_else(|| top.starts_with("charts/").then(String::new))
        {
            if !has_chart(&parent) {
                break;
            }
            top = parent;
        }
        all.insert(top);
    }
    all.iter()
        .filter(|d| {
            !all.iter().any(|p| {
                let prefix = if p.is_empty() {
                    "charts/".to_string()
                } else {
                    format!("{p}/charts/")
                };
                d.starts_with(&prefix)
            })
        })
        .cloned()
        .collect()
}

/// A path inside a chart that is a template of it or of one of its subcharts.
fn is_template(rel: &str) -> bool {
    let mut parts = rel.split('/');
    loop {
        match parts.next() {
            Some("templates") => return parts.next().is_some(),
            Some("charts") => {
                if parts.next().is_none() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Render every chart among the walked files into `out`. Charts render in parallel, each into
/// its own [`Rendered`] (template values are single-threaded `Rc`s that never leave a chart),
/// merged in chart order so the output does not depend on scheduling.
pub fn render_all(
    files: &[WalkedFile],
    base: &Path,
    max_size: u64,
    policy: &Policy,
    out: &mut Rendered,
) {
    use rayon::prelude::*;
    let parts: Vec<Rendered> = chart_dirs(files, base)
        .par_iter()
        .map(|dir| {
            let mut part = Rendered::default();
            render_one(dir, files, base, max_size, policy, &mut part);
            part
        })
        .collect();
    for part in parts {
        out.files.extend(part.files);
        out.claims.extend(part.claims);
        out.sources.extend(part.sources);
        out.errors.extend(part.errors);
        out.skipped.extend(part.skipped);
    }
}

fn render_one(
    dir: &str,
    walked: &[WalkedFile],
    base: &Path,
    max_size: u64,
    policy: &Policy,
    out: &mut Rendered,
) {
    let chart_yaml = join(dir, "Chart.yaml");
    let mut files = match super::chart::read_dir_limited(&base.join(dir), max_size) {
        Ok(f) => f,
        Err(e) => {
            out.errors.push(FileError::read(
                &chart_yaml,
                format!("cannot read the chart: {e}"),
            ));
            return;
        }
    };
    // Staged content (`--staged`) wins over the working tree.
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    for f in walked {
        if let (Some(rel), Some(content)) = (f.rel.strip_prefix(&prefix), &f.content)
            && let Ok(text) = std::str::from_utf8(content)
        {
            files.insert(rel.to_string(), Rc::from(text));
        }
    }
    for rel in files.keys().filter(|r| is_template(r)) {
        out.claims.insert(join(dir, rel), Claim::Template);
    }
    let key = format!("{}{}", policy.path_prefix, dir)
        .trim_end_matches('/')
        .to_string();
    let opts = Options {
        values_files: policy.helm_values.get(&key).cloned().unwrap_or_default(),
    };
    let rendered = super::render(dir, &files, &opts);
    if let Some(e) = &rendered.error {
        if rendered.missing.is_empty() {
            out.errors.push(FileError::parse(
                &e.path,
                format!(
                    "Helm chart {} cannot be rendered: {}",
                    display(dir),
                    e.message
                ),
                e.line_col,
            ));
        } else {
            // Not a defect of the chart: its dependencies are fetched at build time. What
            // rendered without them is still judged.
            out.skipped.push(Skipped::new(
                &e.path,
                format!(
                    "not rendered without the chart's dependencies: {}",
                    e.message
                ),
            ));
        }
    }
    for s in rendered.skipped {
        out.skipped.push(Skipped::new(&s.path, s.reason));
    }
    // The template is the build: a partial scan that names a template checks what it renders.
    let build = |template: &str| Related {
        path: template.to_string(),
        span: None,
        message: format!(
            "rendered from the Helm chart {} with its default values",
            display(dir)
        ),
    };
    let mut used: BTreeSet<String> = BTreeSet::new();
    for m in &rendered.manifests {
        for s in &m.segments {
            used.insert(s.file.clone());
            if let Some((p, _)) = &s.related {
                used.insert(p.clone());
            }
        }
        out.files.push(RenderedFile {
            label: format!("{}#helm", m.template),
            kind: DocumentKind::Kubernetes,
            text: m.text.clone(),
            segments: segments(m),
            build: build(&m.template),
            assumed: m.assumed.clone(),
        });
    }
    for p in used {
        let rel = if dir.is_empty() {
            Some(p.as_str())
        } else {
            p.strip_prefix(&prefix)
        };
        if let Some(text) = rel.and_then(|r| files.get(r)) {
            out.sources.insert(p.clone(), Arc::from(&**text));
        }
    }
}

fn display(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

/// Bytes of indentation and list markers (`- `) at the start of `s`.
fn lead(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if b.get(i) == Some(&b'-') && matches!(b.get(i + 1), Some(b' ') | None) {
            i += 1;
            continue;
        }
        return i;
    }
}

/// The length of a `key:` at the start of `s`, if it is a mapping entry.
fn key_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let end = match b.first()? {
        q @ (b'"' | b'\'') => s[1..].find(*q as char)? + 2,
        b'#' | b'{' | b'[' | b'|' | b'>' => return None,
        _ => {
            let colon = s
                .find(": ")
                .or_else(|| s.ends_with(':').then(|| s.len() - 1))?;
            if s[..colon].contains(['{', '[', '#']) {
                return None;
            }
            colon
        }
    };
    (b.get(end) == Some(&b':')).then_some(end)
}

fn origin_of(s: &HelmSegment, out_start: usize, out_end: usize) -> Origin {
    let span = if s.linear {
        Span::new(
            s.src.start + (out_start - s.out.start),
            s.src.start + (out_end - s.out.start),
        )
    } else {
        s.src
    };
    Origin {
        path: s.file.clone(),
        span,
        key: s.key,
        via: s.related.as_ref().map(|(p, sp)| {
            Box::new(Related {
                path: p.clone(),
                span: Some(*sp),
                message: "the template action that inserts this value".into(),
            })
        }),
    }
}

/// Segments for the engine: each piece (indentation and list markers left out), plus one entry
/// segment per `key: value` line.
pub fn segments(m: &Manifest) -> Vec<Segment> {
    let text = &m.text;
    let mut out: Vec<Segment> = Vec::new();
    for s in &m.segments {
        let piece = &text[s.out.start..s.out.end];
        let skip = lead(piece);
        if skip >= piece.len() {
            continue;
        }
        let start = s.out.start + skip;
        let k = key_len(&text[start..s.out.end]).filter(|_| s.key.is_some() || s.linear);
        let mut origin = origin_of(s, start, s.out.end);
        if s.linear
            && let Some(k) = k
        {
            origin.key = Some(Span::new(origin.span.start, origin.span.start + k));
        }
        out.push(Segment {
            range: Span::new(start, s.out.end),
            key_len: k.unwrap_or(0),
            origin,
        });
    }
    // Entry segments, line by line.
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']).trim_end();
        let c = line_start + lead(body);
        let end = line_start + body.len();
        line_start += line.len();
        if c >= end {
            continue;
        }
        let Some(k) = key_len(&text[c..end]) else {
            continue;
        };
        let on_line: Vec<&HelmSegment> = m
            .segments
            .iter()
            .filter(|s| s.out.start < end && s.out.end > c)
            .collect();
        let Some(first) = on_line.iter().find(|s| s.out.end > c) else {
            continue;
        };
        let value_start = c + k + 1;
        // The value printed from values decides (the last one: `repo:tag` → the tag).
        let from_values = on_line
            .iter()
            .rev()
            .find(|s| s.out.end > value_start && s.related.is_some());
        let origin = match from_values {
            Some(v) => origin_of(v, v.out.start, v.out.end),
            None if first.linear && first.out.start <= c => {
                // The template, from the key to the end of what this line came from there.
                let key_src = first.src.start + (c - first.out.start);
                let last_same = on_line
                    .iter()
                    .rev()
                    .find(|s| s.file == first.file)
                    .copied()
                    .unwrap_or(first);
                let end_src = if last_same.linear {
                    last_same.src.start + (end.min(last_same.out.end) - last_same.out.start)
                } else {
                    last_same.src.end
                };
                Origin {
                    path: first.file.clone(),
                    span: Span::new(key_src, end_src.max(key_src + k)),
                    key: Some(Span::new(key_src, key_src + k)),
                    via: None,
                }
            }
            None => continue,
        };
        let key_len = if from_values.is_some() && origin.key.is_none() {
            0
        } else {
            k
        };
        out.push(Segment {
            range: Span::new(c, end),
            key_len,
            origin,
        });
    }
    out.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::finding::{Finding, Severity};

    fn chart(files: &[(&str, &str)]) -> BTreeMap<String, Rc<str>> {
        files
            .iter()
            .map(|(p, t)| (p.to_string(), Rc::from(*t)))
            .collect()
    }

    fn file_for(m: &Manifest) -> RenderedFile {
        RenderedFile {
            label: "x#helm".into(),
            kind: DocumentKind::Kubernetes,
            text: m.text.clone(),
            segments: segments(m),
            build: Related {
                path: "c/Chart.yaml".into(),
                span: None,
                message: "chart".into(),
            },
            assumed: m.assumed.clone(),
        }
    }

    /// Where a finding on the rendered entry `needle` (key start to line end) lands.
    fn lands<'a>(
        r: &RenderedFile,
        needle: &str,
        sources: &'a BTreeMap<&str, &'a str>,
    ) -> (String, &'a str) {
        let at = r.text.find(needle).unwrap_or_else(|| panic!("{needle:?}"));
        let f = Finding::new("k8s/x", Severity::High, &r.label, "m".into())
            .with_span(Span::new(at, at + needle.len()));
        let f = r.remap(f).expect("mapped");
        let span = f.span.unwrap();
        (
            f.path.clone(),
            &sources[f.path.as_str()][span.start..span.end],
        )
    }

    #[test]
    fn findings_land_on_the_template_or_values_entry() {
        let values = "image: web:latest\nsc:\n  privileged: true\n";
        let tmpl = "kind: Pod\nspec:\n  hostNetwork: true\n  containers:\n    - name: a\n      image: {{ .Values.image }}\n      securityContext:\n        {{- toYaml .Values.sc | nindent 8 }}\n";
        let files = chart(&[
            ("Chart.yaml", "name: c\nversion: 1.0.0\n"),
            ("values.yaml", values),
            ("templates/p.yaml", tmpl),
        ]);
        let r = super::super::render("c", &files, &Options::default());
        let f = file_for(&r.manifests[0]);
        let sources = BTreeMap::from([("c/values.yaml", values), ("c/templates/p.yaml", tmpl)]);
        assert_eq!(
            lands(&f, "hostNetwork: true", &sources),
            ("c/templates/p.yaml".into(), "hostNetwork: true")
        );
        assert_eq!(
            lands(&f, "image: web:latest", &sources),
            ("c/values.yaml".into(), "image: web:latest")
        );
        assert_eq!(
            lands(&f, "web:latest", &sources),
            ("c/values.yaml".into(), "image: web:latest")
        );
        assert_eq!(
            lands(&f, "privileged: true", &sources),
            ("c/values.yaml".into(), "privileged: true")
        );
        assert_eq!(
            lands(&f, "name: a", &sources),
            ("c/templates/p.yaml".into(), "name: a")
        );
        // The action that inserted a value is the related location.
        let at = f.text.find("web:latest").unwrap();
        let found = f
            .remap(
                Finding::new("k8s/x", Severity::High, "x#helm", "m".into())
                    .with_span(Span::new(at, at + 10)),
            )
            .unwrap();
        let via = found
            .related
            .iter()
            .find(|r| r.path == "c/templates/p.yaml")
            .expect("action related");
        let s = via.span.unwrap();
        assert_eq!(&tmpl[s.start..s.end], "{{ .Values.image }}");
    }

    #[test]
    fn charts_are_found_but_not_their_subcharts() {
        let w = |rel: &str| WalkedFile {
            path: rel.into(),
            rel: rel.into(),
            content: None,
        };
        let files = [
            w("Chart.yaml"),
            w("charts/sub/Chart.yaml"),
            w("deploy/app/Chart.yaml"),
            w("deploy/app/charts/x/Chart.yaml"),
            w("other/charts/y/Chart.yaml"),
        ];
        // `other/charts/y` has no chart above it: it is a chart of its own.
        assert_eq!(
            chart_dirs(&files[1..], Path::new("/nonexistent")),
            ["charts/sub", "deploy/app", "other/charts/y"]
        );
        assert_eq!(
            chart_dirs(&files, Path::new("/nonexistent")),
            ["", "deploy/app", "other/charts/y"]
        );
        assert!(is_template("templates/a.yaml"));
        assert!(is_template("charts/sub/templates/_h.tpl"));
        assert!(!is_template("values.yaml"));
        assert!(!is_template("charts/sub/values.yaml"));
        assert!(!is_template("files/templates"));
    }

    #[test]
    fn keys_are_found_in_lines() {
        assert_eq!(key_len("image: x"), Some(5));
        assert_eq!(key_len("securityContext:"), Some(15));
        assert_eq!(key_len("\"a: b\": c"), Some(6));
        assert_eq!(key_len("- x"), None);
        assert_eq!(key_len("http://x"), None);
        assert_eq!(lead("    - - name: a"), 8);
    }
}
