//! `bylaw inspect FILE`: the document bylaw builds for a file, so a rule author sees what a
//! selector or pattern runs on: its kind, its context, and
//! - for configuration formats (YAML, JSON, Terraform, Dockerfile…): every node of the value tree
//!   with its JSON Pointer, the line it maps to and its value (what `for-each` JSONPaths select
//!   and `deny` predicates judge);
//! - for code: the tree-sitter node kinds that start on each line (what ast-grep `kind:` and
//!   patterns match), or only those of `--line N` with their text.
//!
//! Values come from the file's text as reports hold it: every credential a built-in rule finds
//! is masked (prefix and length kept), so `inspect` prints no secret either.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::ScanArgs;
use crate::document::{ConfigDoc, Document, pointer_escape};
use crate::error::Error;
use crate::project::context::{Context, Mode};
use crate::project::roots::Roots;

/// Text shown for one scalar before it is cut (`…`).
const VALUE_WIDTH: usize = 60;

/// Run `bylaw inspect`; returns the text to print.
pub fn run(file: &Path, config: Option<PathBuf>, line: Option<usize>) -> Result<String, Error> {
    // Every built-in pack runs on the file, whatever the policy selects, so that every credential
    // a rule recognises is masked before a value is printed.
    let scan = ScanArgs {
        paths: vec![file.to_path_buf()],
        config,
        no_cache: true,
        select: crate::pack::builtin_pack_names().into_iter().collect(),
        ..ScanArgs::default()
    };
    let (registry, mut groups) = crate::app::prepare(&scan)?;
    let group = groups
        .first_mut()
        .ok_or_else(|| Error::Usage(format!("nothing to inspect in {}", file.display())))?;
    let abs = match group.request.paths.first() {
        Some(p) => p.clone(),
        None => file.to_path_buf(),
    };
    if !abs.is_file() {
        return Err(Error::Usage(format!("{} is not a file", file.display())));
    }
    let rel = abs
        .strip_prefix(&group.request.base)
        .unwrap_or(&abs)
        .to_string_lossy()
        .replace('\\', "/");
    let bytes = std::fs::read(&abs)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    let Some(text) = crate::engine::decode_text(&bytes) else {
        return Ok(format!(
            "file: {rel}\nbinary: bylaw does not scan binary files\n"
        ));
    };
    let kind = crate::walk::classify::classify(&rel, &text);
    let roots = Roots::new(&group.request.base, &group.request.scan_roots);
    let contexts = &group.policy.contexts;
    let context = contexts.classify(
        &group.policy.scoped(&rel),
        &roots.stable_path(&rel),
        kind,
        &text,
    );
    let mode = contexts.mode(context);
    // Scan it even where the policy would not (a skipped context, an excluded path) and show
    // the text as the report holds it: credentials masked, same length, same lines.
    for c in Context::ALL {
        group.policy.contexts.setting_mut(c).mode = Mode::Report;
    }
    group.policy.exclude = None;
    group.request.max_file_size = u64::MAX;
    let report = crate::app::scan_groups(&registry, &groups)?;
    let text = match report.sources.get(&rel) {
        Some(masked) => masked.to_string(),
        None => text,
    };
    let mut out = String::new();
    let _ = writeln!(out, "file: {rel}");
    let _ = writeln!(out, "kind: {}", kind.name());
    let _ = writeln!(
        out,
        "context: {} (mode {})",
        context.as_str(),
        mode.as_str()
    );
    let doc = Document::new(rel.clone(), kind, text);
    if crate::document::code::Lang::from_kind(kind).is_some() {
        code_view(&doc, line, &mut out);
    }
    match doc.config() {
        Ok(docs) => {
            for d in docs {
                config_view(d, &doc, line, &mut out);
            }
        }
        Err(e) => {
            let at = e
                .span
                .map(|s| format!(" at line {}", doc.line_col(s.start).line))
                .unwrap_or_default();
            let _ = writeln!(out, "parse error{at}: {}", e.message);
        }
    }
    Ok(out)
}

/// Every node of one configuration document: pointer, line, value.
fn config_view(d: &ConfigDoc, lines: &Document, only: Option<usize>, out: &mut String) {
    let start = lines.line_col(d.span.start).line;
    let end = lines
        .line_col(d.span.end.saturating_sub(1).max(d.span.start))
        .line;
    let _ = writeln!(
        out,
        "\ndocument {} (lines {start}-{end}): JSON Pointer, line, value",
        d.index
    );
    let mut rows: Vec<(String, Option<usize>, String)> = Vec::new();
    walk(&d.value, String::new(), d, lines, &mut rows);
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, l, _)| only.is_none() || *l == only)
        .collect();
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(1);
    for (ptr, line, value) in rows {
        let line = line.map_or_else(|| "-".to_string(), |l| l.to_string());
        let _ = writeln!(out, "  {ptr:<width$}  {line:>5}  {value}");
    }
}

fn walk(
    v: &Value,
    ptr: String,
    d: &ConfigDoc,
    lines: &Document,
    rows: &mut Vec<(String, Option<usize>, String)>,
) {
    // Only nodes with a span of their own have a line; the others (a merged default) show `-`.
    let line = if ptr.is_empty() {
        Some(lines.line_col(d.span.start).line)
    } else {
        d.spans.get(&ptr).map(|s| lines.line_col(s.start).line)
    };
    let shown = if ptr.is_empty() { "/" } else { ptr.as_str() };
    rows.push((shown.to_string(), line, summary(v)));
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                walk(c, format!("{ptr}/{}", pointer_escape(k)), d, lines, rows);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                walk(c, format!("{ptr}/{i}"), d, lines, rows);
            }
        }
        _ => {}
    }
}

/// A node's value on one line: scalars as JSON (cut when long), containers by size.
fn summary(v: &Value) -> String {
    match v {
        Value::Object(m) => format!("{{mapping, {} key{}}}", m.len(), plural(m.len())),
        Value::Array(a) => format!("[sequence, {} item{}]", a.len(), plural(a.len())),
        scalar => {
            let s = scalar.to_string();
            if s.chars().count() > VALUE_WIDTH {
                let cut: String = s.chars().take(VALUE_WIDTH).collect();
                format!("{cut}…")
            } else {
                s
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The named tree-sitter nodes starting on each line (or on `only`, with their text).
fn code_view(doc: &Document, only: Option<usize>, out: &mut String) {
    let Some(tree) = doc.code() else {
        let why = doc
            .code_error()
            .map_or("no tree-sitter view".to_string(), |e| e.message.clone());
        let _ = writeln!(out, "\ntree-sitter: {why}");
        return;
    };
    let _ = writeln!(
        out,
        "\ntree-sitter node kinds starting on each line (outermost first){}:",
        if only.is_some() {
            ", with their text"
        } else {
            ""
        }
    );
    let mut current: Option<usize> = None;
    let mut kinds: Vec<String> = Vec::new();
    let flush = |line: Option<usize>, kinds: &mut Vec<String>, out: &mut String| {
        if let Some(l) = line
            && !kinds.is_empty()
        {
            let _ = writeln!(out, "  {l:>5}  {}", kinds.join(" "));
        }
        kinds.clear();
    };
    for node in tree.root().dfs() {
        if !node.is_named() {
            continue;
        }
        let line = node.start_pos().line() + 1;
        if only.is_some_and(|o| o != line) {
            continue;
        }
        if only.is_some() {
            let text = node.text();
            let first = text.lines().next().unwrap_or("");
            let mut shown: String = first.chars().take(VALUE_WIDTH).collect();
            if shown.len() < text.len() {
                shown.push('…');
            }
            let _ = writeln!(out, "  {line:>5}  {:<28}  {shown}", node.kind());
            continue;
        }
        if current != Some(line) {
            flush(current, &mut kinds, out);
            current = Some(line);
        }
        kinds.push(node.kind().to_string());
    }
    flush(current, &mut kinds, out);
}
