//! YAML (and JSON, a YAML 1.2 subset) → [`ConfigDoc`]s, through saphyr's `MarkedYaml`.
//!
//! saphyr is the maintained YAML crate that gives a span on every node across multi-document
//! streams with anchors resolved and a bound on alias expansion (so an alias bomb is a parse
//! error, not a hang). We expand `<<` merge keys ourselves (GitLab CI relies on them), split
//! Kubernetes `kind: List` into one document per item, and refuse absurd nesting before parsing so
//! that neither the parser nor the recursive drop of the tree can exhaust a worker's stack.

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::{Event, SpannedEventReceiver};
use serde_json::{Map, Number, Value};

use super::{ConfigDoc, DocumentKind, LineIndex, ParseError, Span, pointer_escape};

/// Deepest nesting we convert; real configuration never comes close.
pub const MAX_DEPTH: usize = 256;

/// Most nodes (scalars, aliases, sequences, mappings) one YAML file may have. Each costs a few
/// hundred bytes across the parser, its tree and ours: a 1.8 MB file of tiny flow sequences took
/// 400 MB. CRDs and manifests run at 50 bytes a node or more, dense JSON data at about 10, so
/// every real file under the 2 MiB size limit fits.
pub const MAX_NODES: usize = 200_000;

fn too_many_nodes() -> ParseError {
    ParseError::new(
        format!("YAML file has more than {MAX_NODES} nodes; file not analysed"),
        None,
    )
}

pub fn parse(text: &str, kind: DocumentKind) -> Result<Vec<ConfigDoc>, ParseError> {
    parse_noted(text, kind).0
}

/// [`parse`], tolerant as kubectl is: duplicate keys keep their last value, and a quoted scalar
/// whose continuation lines sit at its key's indentation, or a flow collection closed there, is
/// read anyway. Each comes back as a note (a diagnostic that does not stop the file being
/// judged).
pub fn parse_noted(
    text: &str,
    kind: DocumentKind,
) -> (Result<Vec<ConfigDoc>, ParseError>, Option<ParseError>) {
    let mut note = None;
    let mut lifts: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut current = std::borrow::Cow::Borrowed(text);
    let mut allow_duplicates = false;
    // Each round mends one quoted scalar; a file with more than this many is not YAML kubectl
    // reads either.
    for _ in 0..64 {
        match parse_bom(&current, kind, allow_duplicates) {
            Err(e) if !allow_duplicates && e.message.ends_with("duplicated key in mapping") => {
                allow_duplicates = true;
                note.get_or_insert(ParseError::new(
                    "duplicate key in a mapping: the last value is used, as kubectl does; remove the other",
                    e.span.map(|s| back(&lifts, s)),
                ));
            }
            Err(e) if e.message.ends_with("invalid indentation in quoted scalar") => {
                let Some((mended, inserts)) = e.span.and_then(|s| lift_quoted(&current, s.start))
                else {
                    return (Err(with_lifts(e, &lifts)), note);
                };
                note.get_or_insert(ParseError::new(
                    "a quoted scalar continues at its key's indentation: read as kubectl reads it; indent the continuation lines",
                    e.span.map(|s| back(&lifts, s)),
                ));
                lifts.push(inserts);
                current = std::borrow::Cow::Owned(mended);
            }
            // go-yaml also reads a flow collection closed at its key's indentation
            // (`args: [` … `]` with `]` under `args`).
            Err(e) if e.message.ends_with("invalid indentation") => {
                let Some((mended, inserts)) = e.span.and_then(|s| lift_closing(&current, s.start))
                else {
                    return (Err(with_lifts(e, &lifts)), note);
                };
                note.get_or_insert(ParseError::new(
                    "a flow collection closes at its key's indentation: read as kubectl reads it; indent the closing bracket",
                    e.span.map(|s| back(&lifts, s)),
                ));
                lifts.push(inserts);
                current = std::borrow::Cow::Owned(mended);
            }
            Err(e) => return (Err(with_lifts(e, &lifts)), note),
            Ok(mut docs) => {
                if !lifts.is_empty() {
                    for d in &mut docs {
                        d.span = back(&lifts, d.span);
                        d.spans
                            .values_mut()
                            .chain(d.key_spans.values_mut())
                            .for_each(|s| *s = back(&lifts, *s));
                    }
                }
                return (Ok(docs), note);
            }
        }
    }
    (
        Err(ParseError::new(
            "invalid YAML: too many badly indented quoted scalars",
            None,
        )),
        note,
    )
}

fn with_lifts(mut e: ParseError, lifts: &[Vec<(usize, usize)>]) -> ParseError {
    e.span = e.span.map(|s| back(lifts, s));
    e
}

/// A span in a mended text → the same place in the original (inserted spaces map to where
/// they were inserted).
fn back(lifts: &[Vec<(usize, usize)>], span: Span) -> Span {
    let point = |mut p: usize| {
        for inserts in lifts.iter().rev() {
            let mut shift = 0;
            for &(at, n) in inserts {
                let mended_at = at + shift;
                if p >= mended_at + n {
                    shift += n;
                } else if p >= mended_at {
                    shift = p - at;
                    break;
                } else {
                    break;
                }
            }
            p -= shift;
        }
        p
    };
    Span::new(point(span.start), point(span.end))
}

/// Indent the continuation lines of the quoted scalar starting at `start` past its key's
/// indentation. Returns the mended text and the insertions (original offset, spaces).
fn lift_quoted(text: &str, start: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let key_indent = text[line_start..]
        .bytes()
        .take_while(|b| *b == b' ')
        .count();
    let want = key_indent + 2;
    let mut inserts = Vec::new();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            // An escaped character is skipped, but not an escaped line break (`\` at the end of
            // a line): the next line is a continuation that needs its indentation too.
            b'\\' if quote == b'"' && !matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            q if q == quote => break,
            b'\n' => {
                let next = i + 1;
                let indent = bytes[next..].iter().take_while(|b| **b == b' ').count();
                let blank = matches!(bytes.get(next + indent), Some(b'\n') | None);
                if !blank && indent < want {
                    inserts.push((next, want - indent));
                }
            }
            _ => {}
        }
        i += 1;
    }
    if inserts.is_empty() || i >= bytes.len() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * want);
    let mut from = 0;
    for &(at, n) in &inserts {
        out.push_str(&text[from..at]);
        out.extend(std::iter::repeat_n(' ', n));
        from = at;
    }
    out.push_str(&text[from..]);
    Some((out, inserts))
}

/// Indent the line of the closing `]` or `}` at `at` (alone after spaces on its line) by two
/// spaces. Returns the mended text and the insertion.
fn lift_closing(text: &str, at: usize) -> Option<(String, Vec<(usize, usize)>)> {
    if !matches!(text.as_bytes().get(at), Some(b']' | b'}')) {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at].bytes().all(|b| b == b' ') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(&text[..line_start]);
    out.push_str("  ");
    out.push_str(&text[line_start..]);
    Some((out, vec![(line_start, 2)]))
}

/// [`parse_unmarked`] after a byte order mark, if any.
fn parse_bom(
    text: &str,
    kind: DocumentKind,
    allow_duplicates: bool,
) -> Result<Vec<ConfigDoc>, ParseError> {
    // Spans must index the text as given: parse without a leading BOM, then shift them back.
    match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            let bom = text.len() - rest.len();
            let shift = |s: &mut Span| *s = Span::new(s.start + bom, s.end + bom);
            match parse_unmarked(rest, kind, allow_duplicates) {
                Ok(mut docs) => {
                    for d in &mut docs {
                        shift(&mut d.span);
                        d.spans
                            .values_mut()
                            .chain(d.key_spans.values_mut())
                            .for_each(shift);
                    }
                    Ok(docs)
                }
                Err(mut e) => {
                    if let Some(s) = e.span.as_mut() {
                        shift(s);
                    }
                    Err(e)
                }
            }
        }
        None => parse_unmarked(text, kind, allow_duplicates),
    }
}

/// [`parse`] for text that does not start with a byte order mark.
fn parse_unmarked(
    text: &str,
    kind: DocumentKind,
    allow_duplicates: bool,
) -> Result<Vec<ConfigDoc>, ParseError> {
    if flow_depth(text) > MAX_DEPTH {
        return Err(ParseError::new(
            format!("YAML nesting deeper than {MAX_DEPTH} levels; file not analysed"),
            None,
        ));
    }
    // The parser reads a whole flow collection ahead before its first event (it might be a
    // key), so its nodes are estimated before parsing: each item needs a `,`, `[` or `{` (a flow
    // mapping's pair one for two nodes, `[]` two for one). Those in strings and comments count
    // too; real files have a tenth of the limit or less.
    if text
        .bytes()
        .filter(|b| matches!(b, b',' | b'[' | b'{'))
        .count()
        > MAX_NODES
    {
        return Err(too_many_nodes());
    }
    let docs = load(text, allow_duplicates)?;
    let conv = Converter::new(text, kind == DocumentKind::Cloudformation);
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let mut doc = ConfigDoc {
            index: out.len(),
            ..ConfigDoc::default()
        };
        let mut spans = crate::document::StrMap::default();
        let mut keys = crate::document::StrMap::default();
        doc.value = conv.convert(d, String::new(), 0, &mut spans, &mut keys)?;
        doc.span = conv.span(d);
        if d.span.start == d.span.end && matches!(d.data, YamlData::Value(Scalar::Null)) {
            // An empty document between `---` separators.
            continue;
        }
        let _ = i;
        if kind == DocumentKind::Kubernetes && is_list(&doc.value) {
            let first = out.len();
            out.extend(split_list(doc, &spans, &keys, first));
        } else {
            doc.spans = spans.into();
            doc.key_spans = keys.into();
            doc.index = out.len();
            out.push(doc);
        }
    }
    Ok(out)
}

/// Drive saphyr's event parser into its `MarkedYaml` loader ourselves instead of through
/// `MarkedYaml::load_from_str`, whose `Parser::load` recurses once per nesting level: block
/// nesting (`- - - - …`, `? ? ? …`, indentation) that no bracket count sees would overflow the
/// stack. Here the parser and the loader are both iterative and depth is counted on the events.
fn load(text: &str, allow_duplicates: bool) -> Result<Vec<MarkedYaml<'_>>, ParseError> {
    let scan_error = |e: saphyr::ScanError| {
        let m = e.marker();
        let idx = LineIndex::new(text);
        let off = idx.offset_of_char_col(text, m.line().saturating_sub(1), m.col());
        ParseError::new(
            format!("invalid YAML: {}", e.info()),
            Some(Span::new(off, off)),
        )
    };
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    loader.allow_duplicate_keys(allow_duplicates);
    let (mut depth, mut nodes) = (0usize, 0usize);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(scan_error)?;
        if matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        ) {
            nodes += 1;
            if nodes > MAX_NODES {
                return Err(too_many_nodes());
            }
        }
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(ParseError::new(
                        format!("YAML nesting deeper than {MAX_DEPTH} levels; file not analysed"),
                        None,
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        loader.on_event(event, span);
        if let Some(e) = loader.error() {
            return Err(scan_error(e.clone()));
        }
    }
    Ok(loader.into_documents())
}

/// JSON files: parsed with the same YAML parser so that they get spans too.
pub fn parse_json(text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    parse(text, DocumentKind::Json)
}

/// A `.json` file at `path`, parsed with YAML for the spans and checked as strict JSON, which
/// YAML is not (it reads `// note` as a plain key). Where the two disagree on valid JSON (tabs,
/// keys over 1,024 characters) the JSON parse decides, and the value is kept without node
/// spans. JSON-with-comments files ([`is_jsonc`]) are parsed with their comments blanked
/// (offsets kept) and are not held to strict JSON: YAML flow collections accept their trailing
/// commas. An empty file is no error, as for the other configuration formats.
pub fn parse_json_file(path: &str, text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    let jsonc = is_jsonc(path);
    let blanked;
    let text = if jsonc {
        blanked = blank_json_comments(text);
        blanked.as_str()
    } else {
        text
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim().is_empty() {
        return Ok(Vec::new());
    }
    let bom = text.len() - body.len();
    // Syntax only, nothing allocated. serde_json stops at 128 levels of nesting (no stack
    // overflow); deeper files are left to YAML's own limit.
    let strict = serde_json::from_str::<serde::de::IgnoredAny>(body)
        .map(drop)
        .map_err(|e| {
            let at = (e.line() > 0).then(|| {
                let idx = LineIndex::new(body);
                let off =
                    (idx.line_start(e.line() - 1) + e.column().saturating_sub(1)).min(body.len());
                let off = (0..=off)
                    .rev()
                    .find(|o| body.is_char_boundary(*o))
                    .unwrap_or(0);
                Span::new(off + bom, off + bom)
            });
            ParseError::new(format!("invalid JSON: {e}"), at)
        });
    let strict = match strict {
        Err(e) if e.message.contains("recursion limit exceeded") => Ok(()),
        r => r,
    };
    match (parse_json(text), strict) {
        (Ok(docs), Ok(())) => Ok(docs),
        (Ok(docs), Err(e)) => {
            if jsonc {
                Ok(docs)
            } else {
                Err(e)
            }
        }
        (Err(_), Err(e)) if !jsonc => Err(e),
        (Err(yaml), _) => match serde_json::from_str::<Value>(body) {
            Ok(value) => Ok(vec![ConfigDoc {
                value,
                span: Span::new(0, text.len()),
                ..ConfigDoc::default()
            }]),
            Err(_) => Err(ParseError {
                message: yaml.message.replacen("YAML", "JSON", 1),
                ..yaml
            }),
        },
    }
}

/// Files that tools read as JSON with comments (and trailing commas), though named `.json`:
/// TypeScript and JavaScript project files, VS Code settings, dev containers, ESLint, Babel,
/// Turborepo, Biome, Deno, cSpell and markdownlint configuration.
pub fn is_jsonc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    (name.starts_with("tsconfig") || name.starts_with("jsconfig"))
        || lower.starts_with(".vscode/")
        || lower.contains("/.vscode/")
        || lower.starts_with(".devcontainer/")
        || lower.contains("/.devcontainer/")
        || matches!(
            name,
            "devcontainer.json"
                | ".devcontainer.json"
                | ".eslintrc.json"
                | ".babelrc.json"
                | "babel.config.json"
                | "turbo.json"
                | "biome.json"
                | "deno.json"
                | "cspell.json"
                | ".cspell.json"
                | ".markdownlint.json"
                | "tslint.json"
                | "typedoc.json"
                | "api-extractor.json"
                | "language-configuration.json"
        )
}

/// `//` and `/* */` comments outside strings replaced by spaces (line breaks kept).
fn blank_json_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if !in_str && b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                for o in &mut out[i..end] {
                    if *o != b'\n' && *o != b'\r' {
                        *o = b' ';
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn is_list(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("List")
        && v.get("items").is_some_and(Value::is_array)
}

fn split_list(
    mut doc: ConfigDoc,
    spans: &crate::document::StrMap<Span>,
    keys: &crate::document::StrMap<Span>,
    first_index: usize,
) -> Vec<ConfigDoc> {
    let Some(items) = doc.value.get("items").and_then(Value::as_array) else {
        doc.spans = spans.into();
        doc.key_spans = keys.into();
        return vec![doc];
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let prefix = format!("/items/{i}");
            let rekey = |m: &crate::document::StrMap<Span>| -> crate::document::SpanMap {
                m.iter()
                    .filter_map(|(k, v)| {
                        let rest = k.strip_prefix(&prefix)?;
                        (rest.is_empty() || rest.starts_with('/')).then(|| (rest.to_string(), *v))
                    })
                    .collect::<crate::document::StrMap<Span>>()
                    .into()
            };
            ConfigDoc {
                value: item.clone(),
                spans: rekey(spans),
                key_spans: rekey(keys),
                index: first_index + i,
                span: spans.get(&prefix).copied().unwrap_or(doc.span),
            }
        })
        .collect()
}

/// Maximum bracket nesting outside quotes: a cheap guard against `[[[[…` bombs.
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<u8> = None;
    let mut comment = false;
    for b in text.bytes() {
        match (quote, b) {
            (_, b'\n') => {
                comment = false;
                if quote == Some(b'\'') || quote == Some(b'"') {
                    continue;
                }
            }
            _ if comment => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'#') => comment = true,
            (None, b'"') if depth > 0 => quote = Some(b'"'),
            (None, b'[' | b'{') => {
                depth += 1;
                max = max.max(depth);
            }
            (None, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

struct Converter<'t> {
    text: &'t str,
    /// CloudFormation's short-form tags (`!Ref x`) become their long forms (`{Ref: x}`).
    intrinsics: bool,
    lines: LineIndex,
    /// Computed once: asking per node made a 1 MB one-line document quadratic.
    ascii: bool,
    /// For long lines of non-ASCII text: the byte offset of each character from the line start,
    /// so that a column lookup is not a scan of the line (a 1 MB single line would be quadratic).
    long_lines: std::cell::RefCell<std::collections::HashMap<usize, Vec<u32>>>,
}

impl<'t> Converter<'t> {
    fn new(text: &'t str, intrinsics: bool) -> Self {
        Converter {
            text,
            intrinsics,
            lines: LineIndex::new(text),
            ascii: text.is_ascii(),
            long_lines: Default::default(),
        }
    }

    fn offset(&self, m: saphyr::Marker) -> usize {
        if self.ascii {
            return m.index().min(self.text.len());
        }
        let (line, col) = (m.line().saturating_sub(1), m.col());
        let line_text = self.lines.line_text(self.text, line);
        if line_text.len() <= 256 {
            return self.lines.offset_of_char_col(self.text, line, col);
        }
        let start = self.lines.line_start(line).min(self.text.len());
        let mut cache = self.long_lines.borrow_mut();
        let table = cache.entry(line).or_insert_with(|| {
            line_text
                .char_indices()
                .map(|(b, _)| u32::try_from(b).unwrap_or(u32::MAX))
                .collect()
        });
        let within = table.get(col).map_or(line_text.len(), |b| *b as usize);
        (start + within.min(line_text.len())).min(self.text.len())
    }

    fn span(&self, node: &MarkedYaml) -> Span {
        let start = self.offset(node.span.start);
        let mut end = self.offset(node.span.end).max(start);
        // saphyr ends block nodes where the next token starts; trim the trailing blank space.
        while end > start && self.text.as_bytes()[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        Span::new(start, end)
    }

    fn convert(
        &self,
        node: &MarkedYaml,
        ptr: String,
        depth: usize,
        spans: &mut crate::document::StrMap<Span>,
        keys: &mut crate::document::StrMap<Span>,
    ) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                format!("YAML nesting deeper than {MAX_DEPTH} levels; file not analysed"),
                Some(self.span(node)),
            ));
        }
        spans.entry(ptr.clone()).or_insert_with(|| self.span(node));
        Ok(match &node.data {
            YamlData::Value(s) => scalar(s),
            YamlData::Representation(s, _, _) => Value::String(s.to_string()),
            YamlData::Tagged(tag, inner) => {
                if self.intrinsics
                    && tag.handle == "!"
                    && let Some(long) = super::cloudformation::long_form(&tag.suffix)
                {
                    // The tag's node spans the whole `!Tag value`; the inner scalar has none.
                    let child = format!("{ptr}/{long}");
                    spans.insert(child.clone(), self.span(node));
                    let arg = self.convert(inner, child, depth + 1, spans, keys)?;
                    return Ok(super::cloudformation::long_value(long, arg));
                }
                return self.convert(inner, ptr, depth + 1, spans, keys);
            }
            YamlData::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.convert(item, format!("{ptr}/{i}"), depth + 1, spans, keys)?);
                }
                Value::Array(out)
            }
            YamlData::Mapping(map) => {
                let mut out = Map::new();
                let mut merges = Vec::new();
                for (k, v) in map {
                    let key = key_string(k);
                    if key == "<<" {
                        merges.push(v);
                        continue;
                    }
                    let child = format!("{ptr}/{}", pointer_escape(&key));
                    let ks = self.span(k);
                    let vs = self.span(v);
                    spans.insert(child.clone(), Span::new(ks.start, vs.end.max(ks.end)));
                    keys.insert(child.clone(), ks);
                    let value = self.convert(v, child, depth + 1, spans, keys)?;
                    out.insert(key, value);
                }
                // `<<: *base` (or a list of them): keys already present win.
                for m in merges {
                    let sources: Vec<&MarkedYaml> = match &m.data {
                        YamlData::Sequence(s) => s.iter().collect(),
                        _ => vec![m],
                    };
                    for src in sources {
                        let mut scratch_spans = crate::document::StrMap::default();
                        let mut scratch_keys = crate::document::StrMap::default();
                        if let Value::Object(merged) = self.convert(
                            src,
                            ptr.clone(),
                            depth + 1,
                            &mut scratch_spans,
                            &mut scratch_keys,
                        )? {
                            for (k, v) in merged {
                                if !out.contains_key(&k) {
                                    let child = format!("{ptr}/{}", pointer_escape(&k));
                                    spans.entry(child).or_insert_with(|| self.span(m));
                                    out.insert(k, v);
                                }
                            }
                        }
                    }
                }
                Value::Object(out)
            }
            YamlData::Alias(_) | YamlData::BadValue => Value::Null,
        })
    }
}

fn key_string(k: &MarkedYaml) -> String {
    match &k.data {
        YamlData::Value(Scalar::String(s)) => s.to_string(),
        YamlData::Value(s) => match scalar(s) {
            Value::Null => "null".into(),
            other => other.to_string(),
        },
        YamlData::Representation(s, _, _) => s.to_string(),
        YamlData::Tagged(_, inner) => key_string(inner),
        _ => "<complex key>".into(),
    }
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_files_are_strict_unless_jsonc() {
        let broken = [
            "{\"a\": 1,,}\n",
            "{\"a\": \n",
            "{\n  // note\n  \"a\": 1\n}\n",
            "{a: 1}\n",
        ];
        for text in broken {
            let e = parse_json_file("config.json", text).expect_err(text);
            assert!(
                e.message.starts_with("invalid JSON"),
                "{text}: {}",
                e.message
            );
        }
        let e = parse_json_file("x.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n").unwrap_err();
        assert_eq!(e.span.map(|s| s.start), Some(18), "{}", e.message);
        // Valid JSON that YAML alone refuses or reads differently.
        let tabs = "{\n\t\"a\": [1,\n\t\t2]\n}\n";
        let docs = parse_json_file("x.json", tabs).expect("tabs are JSON whitespace");
        assert_eq!(docs[0].value["a"][1], 2);
        let long = format!("{{\"{}\": 1}}", "k".repeat(2000));
        assert!(parse_json_file("x.json", &long).is_ok());
        for empty in ["", "\n", "\u{feff}"] {
            assert!(parse_json_file("x.json", empty).is_ok_and(|d| d.is_empty()));
        }
        // JSON with comments and trailing commas, where tools expect it; spans stay exact.
        let jsonc = "{\n  // strict\n  \"compilerOptions\": {\"strict\": true, /* a */},\n}\n";
        for path in [
            "tsconfig.json",
            "web/tsconfig.base.json",
            ".vscode/settings.json",
        ] {
            let docs = parse_json_file(path, jsonc).expect(path);
            assert_eq!(docs[0].value["compilerOptions"]["strict"], true);
            let s = docs[0].span_for("/compilerOptions/strict");
            assert_eq!(&jsonc[s.start..s.end], "\"strict\": true");
        }
        assert!(parse_json_file("package.json", jsonc).is_err());
        assert!(parse_json_file("tsconfig.json", "{\"a\": [\n").is_err());
        // A comment marker inside a string is text.
        assert_eq!(
            blank_json_comments("{\"u\": \"http://x/*y\\\"//\"} // z"),
            "{\"u\": \"http://x/*y\\\"//\"}     "
        );
    }

    #[test]
    fn spans_point_at_keys_and_items() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n";
        let docs = parse(text, DocumentKind::Kubernetes).unwrap();
        assert_eq!(docs.len(), 1);
        let s = docs[0].span_for("/spec/containers/0/image");
        assert_eq!(&text[s.start..s.end], "image: nginx:latest");
        let k = docs[0].key_span_for("/spec/containers/0/image");
        assert_eq!(&text[k.start..k.end], "image");
    }

    #[test]
    fn multi_document_and_list() {
        let text = "kind: A\n---\nkind: List\nitems:\n- kind: B\n- kind: C\n";
        let docs = parse(text, DocumentKind::Kubernetes).unwrap();
        let kinds: Vec<_> = docs.iter().map(|d| d.value["kind"].clone()).collect();
        assert_eq!(kinds, vec!["A", "B", "C"]);
        let s = docs[2].span_for("/kind");
        assert_eq!(&text[s.start..s.end], "kind: C");
    }

    #[test]
    fn merge_keys_are_expanded() {
        let text = ".base: &b\n  image: x\n  stage: t\njob:\n  <<: *b\n  stage: build\n";
        let docs = parse(text, DocumentKind::GitlabCi).unwrap();
        assert_eq!(docs[0].value["job"]["image"], "x");
        assert_eq!(docs[0].value["job"]["stage"], "build");
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "a: \"héllo\"\nb: 1\n";
        let docs = parse(text, DocumentKind::Yaml).unwrap();
        let s = docs[0].span_for("/b");
        assert_eq!(&text[s.start..s.end], "b: 1");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&text, DocumentKind::Yaml).is_err());
    }

    /// Flow collections (read ahead whole by the parser) and block ones (counted as parsed)
    /// over the node limit are refused; the same number of nodes up to it is parsed.
    #[test]
    fn too_many_nodes_is_an_error() {
        let flow = |n: usize| format!("[{}]\n", vec!["1"; n].join(","));
        let block = |n: usize| "- 1\n".repeat(n);
        let nested = |n: usize| format!("a: [{}]\n", vec!["[1]"; n].join(","));
        for text in [
            flow(MAX_NODES + 1),
            block(MAX_NODES + 1),
            nested(MAX_NODES / 2 + 1),
        ] {
            let e = parse(&text, DocumentKind::Yaml).unwrap_err();
            assert!(e.message.contains("nodes"), "{}", e.message);
        }
        // One node for the sequence itself.
        for text in [flow(MAX_NODES - 1), block(MAX_NODES - 1)] {
            assert!(parse(&text, DocumentKind::Yaml).is_ok());
        }
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(parse(&text, DocumentKind::Yaml).is_err());
    }

    #[test]
    fn tolerated_as_kubectl_reads_it_with_a_note() {
        // A quoted scalar continued at its key's indentation, then a value after it.
        let text = "metadata:\n  annotations:\n    d: \"a long\n    text\"\n    e: 'x\n    y'\nspec:\n  hostNetwork: true\n";
        let (docs, note) = parse_noted(text, DocumentKind::Kubernetes);
        let docs = docs.expect("read as kubectl reads it");
        assert_eq!(docs[0].value["metadata"]["annotations"]["d"], "a long text");
        assert_eq!(docs[0].value["metadata"]["annotations"]["e"], "x y");
        let at = docs[0].spans["/spec/hostNetwork"];
        assert_eq!(&text[at.start..at.end], "hostNetwork: true");
        let d = docs[0].spans["/metadata/annotations/d"];
        assert_eq!(&text[d.start..d.end], "d: \"a long\n    text\"");
        assert!(note.expect("noted").message.contains("quoted scalar"));
        // A sequence item whose lines end in escaped line breaks and continue at the parent key's
        // indentation (a `command:` list as public manifests write it).
        let text = "command:\n  - sh\n  - \"exec server \\\ncommand:x \\\n--flag\"\nimage: app\n";
        let (docs, note) = parse_noted(text, DocumentKind::Kubernetes);
        let docs = docs.expect("read as kubectl reads it");
        assert_eq!(docs[0].value["command"][1], "exec server command:x --flag");
        assert_eq!(docs[0].value["image"], "app");
        assert!(note.is_some());
        // A flow sequence closed at its key's indentation.
        let text = "vault:\n  server:\n    args: [\n      \"server\",\n      \"-dev\"\n    ]\n    env: x\n";
        let (docs, note) = parse_noted(text, DocumentKind::Yaml);
        let docs = docs.expect("read as go-yaml reads it");
        assert_eq!(docs[0].value["vault"]["server"]["args"][1], "-dev");
        let at = docs[0].spans["/vault/server/env"];
        assert_eq!(&text[at.start..at.end], "env: x");
        assert!(note.expect("noted").message.contains("flow collection"));
        // Duplicate keys: the last value, and a note at the second key.
        let text = "spec:\n  a: 1\n  a: 2\n";
        let (docs, note) = parse_noted(text, DocumentKind::Kubernetes);
        assert_eq!(docs.expect("loads")[0].value["spec"]["a"], 2);
        let note = note.expect("noted");
        assert_eq!(
            note.span.map(|s| s.start),
            Some(text.rfind("a:").expect("key"))
        );
        // Strict parses are unchanged and carry no note.
        assert!(parse_noted("a: 1\n", DocumentKind::Yaml).1.is_none());
    }
}
