//! Finding, reading and resolving `bylaw.toml`: discovery (nearest file upwards from a scanned
//! path), `extends` (depth first, in order: later files override earlier ones, the extending file
//! overrides everything it extends), and validation against the loaded rules. Every error names
//! the file and line and says how to fix it (exit code 2).
//!
//! Merge rules, documented in the README: scalar keys (`fail-on`, `require-reason`) and the lists
//! `select`/`ignore` are replaced by a later file that sets them; the tables `severity` and
//! `rules.<id>` merge key by key; `required`, `packs`, `exclude`, `overrides` and `waivers`
//! accumulate (an organisation's required rules cannot be dropped by a file that extends it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::raw::{RawConfig, RawOverride};
use super::{Override, Policy, PolicyViolation, Selector, Waiver};
use crate::error::Error;
use crate::finding::Severity;
use crate::rule::registry::Registry;

pub const FILE_NAME: &str = "bylaw.toml";

/// One policy file, parsed.
pub struct Layer {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub text: String,
    pub raw: RawConfig,
}

impl Layer {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn err<T>(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: String,
        help: &str,
    ) -> Result<T, Error> {
        let loc = match span {
            Some(s) => format!("{}:{}", self.path.display(), self.line(s.start)),
            None => self.path.display().to_string(),
        };
        Err(Error::Config {
            message: format!("{loc}: {message}"),
            help: Some(help.to_string()),
        })
    }
}

/// The nearest `bylaw.toml` at or above `start`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Read a policy file and everything it extends, base layers first.
pub fn load_layers(path: &Path) -> Result<Vec<Layer>, Error> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    load_into(path, &mut out, &mut stack)?;
    Ok(out)
}

fn load_into(path: &Path, out: &mut Vec<Layer>, stack: &mut Vec<PathBuf>) -> Result<(), Error> {
    let canon = std::fs::canonicalize(path).map_err(|e| Error::Config {
        message: format!("{}: cannot read policy file: {e}", path.display()),
        help: Some("check the path given to --config or in `extends`".into()),
    })?;
    if stack.contains(&canon) {
        return Err(Error::Config {
            message: format!("{}: `extends` cycle", canon.display()),
            help: Some("remove one of the files from the other's `extends`".into()),
        });
    }
    if out.iter().any(|l| l.path == canon) {
        return Ok(());
    }
    let text = std::fs::read_to_string(&canon).map_err(|e| Error::Config {
        message: format!("{}: cannot read policy file: {e}", canon.display()),
        help: None,
    })?;
    let raw: RawConfig = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            return Err(Error::Config {
                message: format!(
                    "{}{}: {}",
                    canon.display(),
                    line.map(|l| format!(":{l}")).unwrap_or_default(),
                    e.message()
                ),
                help: Some(
                    "valid keys: extends, version, select, ignore, required, fail-on, require-reason, packs, exclude, [severity], [[overrides]], [rules.<id>], [[waivers]], [contexts.<name>], [helm.values], [terraform]; `bylaw schema` prints the JSON Schema"
                        .into(),
                ),
            });
        }
    };
    let dir = canon.parent().map(Path::to_path_buf).unwrap_or_default();
    stack.push(canon.clone());
    for e in &raw.extends {
        load_into(&dir.join(e.get_ref()), out, stack)?;
    }
    stack.pop();
    out.push(Layer {
        path: canon,
        dir,
        text,
        raw,
    });
    Ok(())
}

/// Extra pack directories named by the layers (resolved against each file's folder).
pub fn packs(layers: &[Layer]) -> Vec<PathBuf> {
    layers
        .iter()
        .flat_map(|l| l.raw.packs.iter().map(|p| l.dir.join(p.get_ref())))
        .collect()
}

fn glob_set(layer: &Layer, globs: &[Spanned<String>], prefix: &str) -> Result<GlobSet, Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let pattern = format!("{prefix}{}", g.get_ref().trim_start_matches("./"));
        let glob = match Glob::new(&pattern) {
            Ok(x) => x,
            Err(e) => {
                return layer.err(
                    Some(g.span()),
                    format!("invalid glob `{}`: {e}", g.get_ref()),
                    "globs use `*`, `**`, `?`, `[ab]`, `{a,b}`",
                );
            }
        };
        b.add(glob);
        // `dir` and `dir/` also mean everything below.
        if !pattern.contains('*')
            && let Ok(x) = Glob::new(&format!("{}/**", pattern.trim_end_matches('/')))
        {
            b.add(x);
        }
    }
    b.build().map_err(|e| Error::Config {
        message: e.to_string(),
        help: None,
    })
}

fn selector(
    layer: &Layer,
    registry: &Registry,
    s: &Spanned<String>,
    what: &str,
) -> Result<Selector, Error> {
    let sel = Selector::parse(s.get_ref());
    if sel.exists_in(registry) {
        Ok(sel)
    } else {
        let close = registry.did_you_mean(s.get_ref());
        layer.err(
            Some(s.span()),
            format!("unknown rule or pack `{}` in `{what}`", s.get_ref()),
            &match close.strip_prefix("; ") {
                Some(c) => c.to_string(),
                None => "`bylaw rules` lists every rule id and pack".to_string(),
            },
        )
    }
}

fn selectors(
    layer: &Layer,
    registry: &Registry,
    list: &[Spanned<String>],
    what: &str,
) -> Result<Vec<Selector>, Error> {
    list.iter()
        .map(|s| selector(layer, registry, s, what))
        .collect()
}

fn severity(layer: &Layer, s: &Spanned<String>) -> Result<Severity, Error> {
    match Severity::parse(s.get_ref()) {
        Some(v) => Ok(v),
        None => layer.err(
            Some(s.span()),
            format!("`{}` is not a severity", s.get_ref()),
            "use one of info, low, medium, high, critical",
        ),
    }
}

/// Check `YYYY-MM-DD`.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// `YYYY-MM-DD` → days since 1970-01-01 (the inverse of [`civil_from_days`]); `None` when it
/// is not a date.
pub fn days_from_civil(date: &str) -> Option<i64> {
    if !valid_date(date) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| date[r].parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today's date, `YYYY-MM-DD` (UTC). `BYLAW_TODAY` overrides it, for reproducible tests and audits.
pub fn today() -> String {
    if let Ok(t) = std::env::var("BYLAW_TODAY")
        && valid_date(&t)
    {
        return t;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_from_days(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

/// Resolve layers into a policy, validating every rule id, glob, severity and date.
/// `base` is the scan base (absolute); `display` renders a policy file path for reports.
pub fn resolve(layers: &[Layer], registry: &Registry, base: &Path) -> Result<Policy, Error> {
    let mut p = Policy::default();
    let Some(nearest) = layers.last() else {
        return Ok(p);
    };
    p.path_prefix = match base.strip_prefix(&nearest.dir) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            format!("{}/", rel.to_string_lossy().replace('\\', "/"))
        }
        _ => String::new(),
    };
    let mut required_sources: Vec<(usize, Selector)> = Vec::new();
    for (li, layer) in layers.iter().enumerate() {
        let raw = &layer.raw;
        p.files.push(layer.path.clone());
        if raw.version.is_some() {
            p.version.clone_from(&raw.version);
        }
        // Globs are anchored at each file's folder; express them relative to the nearest file's.
        let prefix = match layer.dir.strip_prefix(&nearest.dir) {
            Ok(rel) if !rel.as_os_str().is_empty() => {
                format!("{}/", rel.to_string_lossy().replace('\\', "/"))
            }
            _ => String::new(),
        };
        if let Some(s) = &raw.select {
            p.select = selectors(layer, registry, s, "select")?;
        }
        if let Some(s) = &raw.ignore {
            p.ignore = selectors(layer, registry, s, "ignore")?;
        }
        for r in &raw.required {
            required_sources.push((li, selector(layer, registry, r, "required")?));
        }
        if let Some(f) = &raw.fail_on {
            p.fail_on = severity(layer, f)?;
        }
        if let Some(b) = raw.require_reason {
            p.require_reason = b;
        }
        resolve_helm(layer, &prefix, &mut p)?;
        p.packs
            .extend(raw.packs.iter().map(|x| layer.dir.join(x.get_ref())));
        if !raw.exclude.is_empty() {
            let set = glob_set(layer, &raw.exclude, &prefix)?;
            p.exclude = Some(match p.exclude.take() {
                None => set,
                Some(_) => {
                    // Rebuild from every layer's globs so earlier excludes stay.
                    let mut all: Vec<Spanned<String>> = Vec::new();
                    for l in &layers[..=li] {
                        all.extend(l.raw.exclude.iter().cloned());
                    }
                    glob_set(layer, &all, "")?
                }
            });
        }
        for (id, sev) in &raw.severity {
            let key = Spanned::new(sev.span(), id.clone());
            let sel = selector(layer, registry, &key, "severity")?;
            let v = severity(layer, sev)?;
            for m in registry.metas().filter(|m| sel.matches(m)) {
                p.severity.insert(m.id.clone(), v);
            }
        }
        for o in &raw.overrides {
            p.overrides
                .push(resolve_override(layer, registry, o, &prefix)?);
        }
        for (id, v) in &raw.rules {
            if registry.get(id).is_none() {
                let at = layer.text.find(&format!("\"{id}\"")).map(|o| o..o + 1);
                return layer.err(
                    at,
                    format!("unknown rule id `{id}` in [rules]"),
                    &format!(
                        "`bylaw rules` lists every rule id{}",
                        registry.did_you_mean(id)
                    ),
                );
            }
            let json = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
            let id_at = layer
                .text
                .find(&format!("\"{id}\""))
                .or(layer.text.find(id.as_str()));
            let Some(n) = json.as_object() else {
                return layer.err(
                    id_at.map(|o| o..o + 1),
                    format!("[rules.\"{id}\"] must be a table of options"),
                    "write `[rules.\"<id>\"]` followed by `key = value` lines",
                );
            };
            // Each value must have its default's type; regexes are compiled here, once.
            let defaults = registry.get(id).map(|r| &r.meta().options);
            for (k, val) in n {
                let at = id_at.and_then(|o| layer.text[o..].find(k.as_str()).map(|k| o + k));
                let problem = match defaults.and_then(|d| d.get(k)) {
                    None => Err(format!(
                        "unknown option; `bylaw explain {id}` lists the rule's options"
                    )),
                    Some(default) => crate::rule::options::check(k, default, val),
                };
                match problem {
                    Ok(Some(regexes)) => p
                        .option_regexes
                        .entry(id.clone())
                        .or_default()
                        .insert(k, regexes),
                    Ok(None) => {}
                    Err(why) => {
                        return layer.err(
                            at.map(|o| o..o + 1),
                            format!("rule `{id}`, option `{k}`: {why}"),
                            "fix or remove the option in [rules]; `bylaw explain <rule-id>` shows its default",
                        );
                    }
                }
            }
            let entry = p
                .options
                .entry(id.clone())
                .or_insert_with(|| serde_json::json!({}));
            if let Some(e) = entry.as_object_mut() {
                for (k, val) in n {
                    e.insert(k.clone(), val.clone());
                }
            }
        }
        for w in &raw.waivers {
            let span = w.span();
            let w = w.get_ref();
            let mut rules = Vec::new();
            for r in &w.rules {
                rules.push(selector(
                    layer,
                    registry,
                    &Spanned::new(span.clone(), r.clone()),
                    "waivers.rules",
                )?);
            }
            let until = match &w.until {
                None => None,
                Some(v) => {
                    let s = match v {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => other.to_string(),
                    };
                    if !valid_date(&s) {
                        return layer.err(
                            Some(span),
                            format!("waiver `until` is not a date: `{s}`"),
                            "write `until = 2027-03-31` (YYYY-MM-DD)",
                        );
                    }
                    Some(s)
                }
            };
            let globs: Vec<Spanned<String>> = w
                .paths
                .iter()
                .map(|g| Spanned::new(span.clone(), g.clone()))
                .collect();
            p.waivers.push(Waiver {
                rules,
                rule_names: w.rules.clone(),
                paths: if globs.is_empty() {
                    None
                } else {
                    Some(glob_set(layer, &globs, &prefix)?)
                },
                path_globs: w.paths.clone(),
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                until,
                ticket: w.ticket.clone(),
                file: display_path(&layer.path, base),
                line: layer.line(span.start),
            });
        }
    }
    resolve_contexts(layers, &mut p)?;
    // The nearest file naming var-files decides them (a team's environment, not a base's).
    for layer in layers {
        if layer.raw.terraform.var_files.is_empty() {
            continue;
        }
        p.terraform_var_files.clear();
        for f in &layer.raw.terraform.var_files {
            if !crate::project::terraform::safe_relative(f.get_ref()) {
                return layer.err(
                    Some(f.span()),
                    format!("`var-files` entry `{}` leaves the module directory", f.get_ref()),
                    "name .tfvars files by a path relative to the Terraform module directory, without `..`",
                );
            }
            p.terraform_var_files.push(f.get_ref().clone());
        }
    }
    p.required = required_sources.iter().map(|(_, s)| s.clone()).collect();
    // Report (and ignore) attempts to switch off or lower a required rule.
    for layer in layers {
        let raw = &layer.raw;
        let mut check = |list: Option<&Vec<Spanned<String>>>, what: &str| {
            for s in list.into_iter().flatten() {
                let sel = Selector::parse(s.get_ref());
                for m in registry
                    .metas()
                    .filter(|m| sel.matches(m) && p.required.iter().any(|r| r.matches(m)))
                {
                    p.violations.push(PolicyViolation {
                        file: display_path(&layer.path, base),
                        line: layer.line(s.span().start),
                        message: format!("`{what}` names required rule {}; required rules cannot be switched off, the entry is ignored", m.id),
                    });
                }
            }
        };
        check(raw.ignore.as_ref(), "ignore");
        for o in &raw.overrides {
            check(o.ignore.as_ref(), "overrides.ignore");
        }
    }
    for w in &p.waivers {
        for m in registry.metas().filter(|m| {
            w.rules.iter().any(|r| r.matches(m)) && p.required.iter().any(|r| r.matches(m))
        }) {
            p.violations.push(PolicyViolation {
                file: w.file.clone(),
                line: w.line,
                message: format!("a waiver names required rule {}; required rules cannot be waived, the waiver does not apply to it", m.id),
            });
        }
    }
    Ok(p)
}

/// `[helm.values]` of one layer, chart folders anchored at the nearest file's folder (`prefix`);
/// a later file's list for a chart replaces an earlier one's. Values files are read from inside
/// the chart only.
fn resolve_helm(layer: &Layer, prefix: &str, p: &mut Policy) -> Result<(), Error> {
    for (chart, list) in &layer.raw.helm.values {
        let mut files = Vec::new();
        for f in list {
            let v = f.get_ref().trim_start_matches("./");
            if v.is_empty() || v.starts_with('/') || v.split(['/', '\\']).any(|c| c == "..") {
                return layer.err(
                    Some(f.span()),
                    format!("values file `{}` is not inside the chart", f.get_ref()),
                    "name values files relative to the chart folder, without `..`",
                );
            }
            files.push(v.to_string());
        }
        let dir = format!("{prefix}{}", chart.get_ref().trim_start_matches("./"));
        p.helm_values
            .insert(dir.trim_end_matches('/').to_string(), files);
    }
    Ok(())
}

/// `[contexts.<name>]` of every layer: globs accumulate (each anchored at its own file's folder),
/// `builtin` and `mode` are replaced by the later file that sets them.
fn resolve_contexts(layers: &[Layer], p: &mut Policy) -> Result<(), Error> {
    use crate::project::context::{Context, Mode};
    let Some(nearest) = layers.last() else {
        return Ok(());
    };
    let mut globs: BTreeMap<Context, Vec<Spanned<String>>> = BTreeMap::new();
    for layer in layers {
        let prefix = match layer.dir.strip_prefix(&nearest.dir) {
            Ok(rel) if !rel.as_os_str().is_empty() => {
                format!("{}/", rel.to_string_lossy().replace('\\', "/"))
            }
            _ => String::new(),
        };
        for (name, raw) in &layer.raw.contexts {
            let Some(c) = Context::parse(name.get_ref()) else {
                return layer.err(
                    Some(name.span()),
                    format!("unknown context `{}`", name.get_ref()),
                    "contexts are production, test, example, docs, vendor and generated",
                );
            };
            if let Some(m) = &raw.mode {
                let Some(mode) = Mode::parse(m.get_ref()) else {
                    return layer.err(
                        Some(m.span()),
                        format!("unknown context mode `{}`", m.get_ref()),
                        "`mode` is fail, report or skip",
                    );
                };
                p.contexts.setting_mut(c).mode = mode;
            }
            if let Some(b) = raw.builtin {
                p.contexts.setting_mut(c).builtin = b;
            }
            // Validate each layer's globs where they are written, then anchor them.
            glob_set(layer, &raw.paths, &prefix)?;
            globs
                .entry(c)
                .or_default()
                .extend(raw.paths.iter().map(|g| {
                    Spanned::new(
                        g.span(),
                        format!("{prefix}{}", g.get_ref().trim_start_matches("./")),
                    )
                }));
        }
    }
    for (c, list) in globs {
        if !list.is_empty() {
            p.contexts.setting_mut(c).paths = Some(glob_set(nearest, &list, "")?);
        }
    }
    Ok(())
}

fn resolve_override(
    layer: &Layer,
    registry: &Registry,
    o: &RawOverride,
    prefix: &str,
) -> Result<Override, Error> {
    let mut severity = Vec::new();
    for (id, sev) in &o.severity {
        let key = Spanned::new(sev.span(), id.clone());
        severity.push((
            selector(layer, registry, &key, "overrides.severity")?,
            self::severity(layer, sev)?,
        ));
    }
    Ok(Override {
        paths: glob_set(layer, &o.paths, prefix)?,
        select: match &o.select {
            Some(s) => selectors(layer, registry, s, "overrides.select")?,
            None => Vec::new(),
        },
        ignore: match &o.ignore {
            Some(s) => selectors(layer, registry, s, "overrides.ignore")?,
            None => Vec::new(),
        },
        severity,
    })
}

/// A policy file path as reports show it: relative to the scan base when inside it.
pub fn display_path(path: &Path, base: &Path) -> String {
    let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    crate::walk::relative(path, &base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(valid_date("2027-03-31"));
        assert!(!valid_date("2027-13-01"));
        assert!(!valid_date("27-03-31"));
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_603), "2026-05-30");
    }
}
