//! Rendered files: documents that exist only once the project is built — the objects a
//! Kustomize overlay produces, the manifests a Helm chart renders — with every part of their text
//! traced back to the file and span it came from.
//!
//! A builder (Kustomize in [`super::kustomize`], Helm charts) produces a [`RenderedFile`]: the
//! text the rules run on, of a kind (`kubernetes`), plus [`Segment`]s mapping byte ranges of that
//! text to an [`Origin`] in a real file. The engine scans the rendered text like any file, then
//! [`Rendered::remap`] moves each finding to the real file and span a user edits (the base
//! manifest, the patch, the `images:` entry, the template or values line), keeping the build
//! (overlay, chart) as a related location. Findings several builds share (one base, many
//! overlays) are reported once.
//!
//! Builders also [`Claim`] the files they consume: a Kustomize patch is not a whole object and a
//! Helm template is not YAML, so the per-file scan must not judge them as such.
//!
//! Builders read only files inside the scan's repository (the walk's files and what they name
//! under the same root), never run anything and never fetch: a remote resource is reported as
//! skipped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::document::{DocumentKind, Span};
use crate::finding::Finding;
use crate::report::{FileError, Skipped};
use crate::walk::WalkedFile;

/// Where a part of a rendered text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Scan-relative path of the real file (as reports show it).
    pub path: String,
    /// The node's span in that file (for a mapping entry: key start to value end).
    pub span: Span,
    /// The mapping key's span, where the node is a mapping entry.
    pub key: Option<Span>,
    /// A second place worth showing (the template action that inserted a values entry).
    pub via: Option<Box<Related>>,
}

/// A related location attached to remapped findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub path: String,
    pub span: Option<Span>,
    pub message: String,
}

/// A byte range of a rendered text and its origin.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Range in the rendered text (for a mapping entry: key start to value end).
    pub range: Span,
    /// Length of the mapping key at the start of `range` (0 when not an entry): a finding on
    /// the key alone maps to the origin's key.
    pub key_len: usize,
    pub origin: Origin,
}

/// One rendered document set: what a build produced.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    /// A name for the build, unique in the scan (`overlays/prod/kustomization.yaml`): the
    /// rendered document's path while rules run; never shown as a finding's path.
    pub label: String,
    pub kind: DocumentKind,
    pub text: String,
    /// Sorted by `range.start`; nested ranges allowed (an entry and its children).
    pub segments: Vec<Segment>,
    /// Shown with each finding (e.g. "in the overlay built by overlays/prod/kustomization.yaml").
    pub build: Related,
    /// Ranges of `text` holding values chosen at install time rather than written in the
    /// repository (a Helm release's namespace): a finding on a one-line entry holding one is
    /// dropped — no file in the repository sets it.
    pub assumed: Vec<Span>,
}

/// How a builder consumes a file, and so how the per-file scan must (not) judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Part of a build's input (a Kustomize resource or patch): judged only as built; its
    /// own findings as a standalone object would be wrong. Still parsed (syntax errors) and
    /// read by text rules.
    Input,
    /// Not of its apparent format at all (a Helm template): text rules only.
    Template,
}

impl Claim {
    /// The kind the per-file scan gives a claimed file.
    pub fn kind(self, classified: DocumentKind) -> DocumentKind {
        match self {
            Claim::Input if classified == DocumentKind::Kubernetes => DocumentKind::Yaml,
            Claim::Input => classified,
            Claim::Template => DocumentKind::Text,
        }
    }
}

/// Everything the builders produced for one scan.
#[derive(Debug, Default)]
pub struct Rendered {
    pub files: Vec<RenderedFile>,
    /// Scan-relative path → how a build consumes it.
    pub claims: HashMap<String, Claim>,
    /// The texts of the real files that origins point into (for line numbers and snippets).
    pub sources: HashMap<String, Arc<str>>,
    pub errors: Vec<FileError>,
    pub skipped: Vec<Skipped>,
}

impl Rendered {
    /// Run every builder over the walked files.
    pub fn build(
        files: &[WalkedFile],
        base: &std::path::Path,
        max_size: u64,
        policy: &crate::config::Policy,
    ) -> Rendered {
        let mut out = Rendered::default();
        super::kustomize::build_all(files, base, max_size, &mut out);
        super::helm::scan::render_all(files, base, max_size, policy, &mut out);
        out
    }

    /// The real file's text for an origin path.
    pub fn source(&self, path: &str) -> Option<&Arc<str>> {
        self.sources.get(path)
    }
}

impl RenderedFile {
    /// The innermost segment holding `span` (or, failing that, its start).
    fn segment_for(&self, span: Span) -> Option<&Segment> {
        let holds = |s: &&Segment| s.range.start <= span.start && span.end <= s.range.end;
        let starts = |s: &&Segment| s.range.start <= span.start && span.start < s.range.end;
        let smallest = |a: &&Segment, b: &&Segment| {
            (a.range.end - a.range.start)
                .cmp(&(b.range.end - b.range.start))
                .then(b.range.start.cmp(&a.range.start))
        };
        self.segments
            .iter()
            .filter(holds)
            .min_by(smallest)
            .or_else(|| self.segments.iter().filter(starts).min_by(smallest))
    }

    /// Move a finding made on the rendered text to the real file its span came from. `None`
    /// when no part of the rendered text maps there (the finding is dropped: a user could not
    /// act on it).
    pub fn remap(&self, mut f: Finding) -> Option<Finding> {
        let span = f.span?;
        let one_line = self
            .text
            .get(span.start..span.end)
            .is_some_and(|t| !t.contains('\n'));
        if one_line
            && self
                .assumed
                .iter()
                .any(|a| span.start <= a.start && a.end <= span.end)
        {
            return None;
        }
        let seg = self.segment_for(span)?;
        let on_key = seg.key_len > 0
            && span.start == seg.range.start
            && span.end <= seg.range.start + seg.key_len;
        let target = match (on_key, seg.origin.key) {
            (true, Some(k)) => k,
            _ => seg.origin.span,
        };
        f.path = seg.origin.path.clone();
        f.span = Some(target);
        // A redaction span pointed into the rendered text: mask the whole target instead.
        if f.redact.is_some() {
            f.redact = Some(target);
        }
        // Related locations inside the rendered text mean nothing to a user.
        f.related.retain(|r| r.path != self.label);
        if let Some(via) = &seg.origin.via {
            f = f.with_related(&via.path, via.span, via.message.clone());
        }
        f = f.with_related(
            &self.build.path,
            self.build.span,
            self.build.message.clone(),
        );
        Some(f)
    }

    /// Map a parse error of the rendered text (a Helm template that renders to broken YAML) to
    /// the real file, as a location there.
    pub fn remap_offset(&self, offset: usize) -> Option<(&str, Span)> {
        let seg = self.segment_for(Span::new(offset, offset))?;
        Some((seg.origin.path.as_str(), seg.origin.span))
    }
}

/// Findings that several builds report at the same place (a base shared by overlays): one
/// finding, with every build as a related location. Order: first occurrence.
pub fn merge_shared(findings: Vec<Finding>) -> Vec<Finding> {
    let mut at: BTreeMap<(String, String, usize, usize), usize> = BTreeMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let Some(span) = f.span else {
            out.push(f);
            continue;
        };
        let key = (f.rule_id.clone(), f.path.clone(), span.start, span.end);
        match at.get(&key) {
            Some(&i) => {
                let kept = &mut out[i];
                for r in f.related {
                    if !kept
                        .related
                        .iter()
                        .any(|k| k.path == r.path && k.span == r.span && k.message == r.message)
                    {
                        kept.related.push(r);
                    }
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn origin(path: &str, a: usize, b: usize) -> Origin {
        Origin {
            path: path.into(),
            span: Span::new(a, b),
            key: Some(Span::new(a, a + 3)),
            via: None,
        }
    }

    fn rendered() -> RenderedFile {
        RenderedFile {
            label: "overlay/kustomization.yaml".into(),
            kind: DocumentKind::Kubernetes,
            text: "kind: Pod\nspec:\n  x: 1\n".into(),
            segments: vec![
                Segment {
                    range: Span::new(0, 23),
                    key_len: 0,
                    origin: origin("base/pod.yaml", 0, 40),
                },
                Segment {
                    range: Span::new(17, 21),
                    key_len: 1,
                    origin: origin("overlay/patch.yaml", 30, 38),
                },
            ],
            build: Related {
                path: "overlay/kustomization.yaml".into(),
                span: None,
                message: "in the overlay built by overlay/kustomization.yaml".into(),
            },
            assumed: Vec::new(),
        }
    }

    #[test]
    fn findings_move_to_the_innermost_origin() {
        let r = rendered();
        let f = Finding::new("k8s/x", Severity::High, &r.label, "m".into())
            .with_span(Span::new(17, 21));
        let f = r.remap(f).expect("mapped");
        assert_eq!(f.path, "overlay/patch.yaml");
        assert_eq!(f.span, Some(Span::new(30, 38)));
        assert_eq!(f.related.len(), 1);
        // On the key alone: the origin's key.
        let f = Finding::new("k8s/x", Severity::High, &r.label, "m".into())
            .with_span(Span::new(17, 18));
        assert_eq!(r.remap(f).and_then(|f| f.span), Some(Span::new(30, 33)));
        // Outside the inner segment: the enclosing one.
        let f =
            Finding::new("k8s/x", Severity::High, &r.label, "m".into()).with_span(Span::new(0, 4));
        assert_eq!(
            r.remap(f).map(|f| f.path),
            Some("base/pod.yaml".to_string())
        );
    }

    #[test]
    fn shared_findings_are_reported_once_with_every_build() {
        let a = rendered();
        let mut b = rendered();
        b.build.path = "other/kustomization.yaml".into();
        let f =
            || Finding::new("k8s/x", Severity::High, "x", "m".into()).with_span(Span::new(0, 4));
        let merged = merge_shared(vec![
            a.remap(f()).expect("mapped"),
            b.remap(f()).expect("mapped"),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].related.len(), 2);
    }
}
