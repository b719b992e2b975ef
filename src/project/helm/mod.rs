//! Helm charts rendered natively, as `helm template` would with default values: no helm binary,
//! no cluster, no network. Evaluation is pure data transformation over the chart's own files.
//!
//! - [`parse`]: Go `text/template` source → tree (actions, pipelines, control structures,
//!   `define`/`template`/`block`, trimming, comments).
//! - [`exec`]: runs templates over [`value::V`] values within budgets (call depth, output size,
//!   steps, list lengths), writing text plus origin segments.
//! - [`funcs`]: Go builtins and the Sprig/Helm functions charts use; [`yamlout`]: `toYaml` and
//!   `toJson` formatted as Helm does; [`semver`], [`sha256`]: small helpers written out rather
//!   than adding crates for one function each.
//! - [`chart`]: Chart.yaml, values (values.yaml plus files the policy names), subcharts with
//!   their own value scope, `.Files`, `.Release`, `.Capabilities`.
//! - [`scan`]: the charts of a scan rendered into [`crate::project::rendered`] files, with
//!   findings mapped back to the template or values line.
//!
//! Every rendered template comes with [`Segment`]s: byte ranges of the rendered text and where
//! they came from. Literal template text maps byte for byte onto the template (`linear`); text an
//! action printed maps onto the action, or, when the value came from a values file, onto that
//! value's node with the action as the related location. Segments never span a line break.
//! A consumer that scans the rendered text as Kubernetes YAML maps a finding back with
//! [`Manifest::source_of`].

pub mod chart;
pub mod exec;
pub mod funcs;
pub mod parse;
pub mod scan;
pub mod semver;
pub mod sha256;
pub mod value;
pub mod yamlout;

use crate::document::{LineCol, Span};

pub use chart::{Options, read_dir, render};

/// A template syntax error at a byte offset of its file.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub pos: usize,
    pub message: String,
}

/// A rendering error: engine file index and byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError {
    pub file: usize,
    pub pos: usize,
    pub message: String,
}

/// Why a chart (or part of it) could not be rendered: the file and line to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    pub path: String,
    pub span: Span,
    pub line_col: Option<LineCol>,
    pub message: String,
}

/// Something in a chart that was not rendered, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Where a range of rendered text came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Byte range in the rendered text.
    pub out: Span,
    /// The chart file it came from (reported path).
    pub file: String,
    /// Span in that file: the same length as `out` when `linear`, else the whole node/action
    /// (a values entry: key start to value end).
    pub src: Span,
    /// A values entry's key.
    pub key: Option<Span>,
    pub linear: bool,
    /// For values: the template action that printed it.
    pub related: Option<(String, Span)>,
}

/// One rendered template.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The template file (reported path).
    pub template: String,
    /// Helm's name for it (`chart/templates/x.yaml`).
    pub name: String,
    pub text: String,
    /// Sorted by `out.start`, non-overlapping.
    pub segments: Vec<Segment>,
    /// Ranges of `text` printed from values chosen at install time (`.Release.Namespace`): not
    /// the repository's to judge.
    pub assumed: Vec<Span>,
}

/// The source of one rendered byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Source<'a> {
    pub file: &'a str,
    pub span: Span,
    pub key: Option<Span>,
    pub related: Option<&'a (String, Span)>,
}

impl Manifest {
    /// Where the rendered byte at `offset` came from. A linear segment gives the exact byte; a
    /// value or action gives its whole span. Offsets on indentation that no segment covers
    /// take the next segment on the same line.
    pub fn source_of(&self, offset: usize) -> Option<Source<'_>> {
        let i = self.segments.partition_point(|s| s.out.end <= offset);
        let seg = self.segments.get(i)?;
        let line_end = self
            .text
            .get(offset..)
            .and_then(|t| t.find('\n'))
            .map_or(self.text.len(), |e| offset + e);
        if seg.out.start > line_end {
            return None;
        }
        let span = if seg.linear {
            let at = seg.src.start + offset.saturating_sub(seg.out.start);
            Span::new(at, at)
        } else {
            seg.src
        };
        Some(Source {
            file: &seg.file,
            span,
            key: seg.key,
            related: seg.related.as_ref(),
        })
    }
}

/// A rendered chart.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub manifests: Vec<Manifest>,
    pub skipped: Vec<Skipped>,
    /// The first error; templates that rendered before or without it are still in `manifests`.
    pub error: Option<ChartError>,
    /// Dependencies `Chart.yaml` names that are not in `charts/` (then an error is expected).
    pub missing: Vec<String>,
}

#[cfg(test)]
mod tests;
