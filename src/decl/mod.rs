//! Declarative rules: YAML rule files compiled into [`Rule`] objects.
//!
//! Three declarative kinds share one metadata model ([`RuleMeta`]): config rules (RFC 9535
//! JSONPath via serde_json_path + a small predicate vocabulary), code rules (an ast-grep rule core,
//! run by ast-grep-core with our own language enum) and text rules (regex + aho-corasick keyword
//! prefilter). `type: builtin` files carry only metadata; their logic lives in `rule::builtin`.
//! Rule files are read with serde-saphyr (already in the tree through ast-grep-config), with
//! `deny_unknown_fields`, so a typo names its file, rule and field.

pub mod code_rule;
pub mod config_rule;
pub mod needs;
pub mod predicate;
pub mod schema;
pub mod text_rule;
pub mod verify;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde_json::Value;

use crate::document::DocumentKind;
use crate::document::code::Lang;
use crate::finding::{Confidence, Severity};
use crate::rule::{Rule, RuleMeta, RuleType};
use schema::RawRule;

/// Include/exclude globs of a rule, matched against repository-relative paths.
#[derive(Default, Clone)]
pub struct PathFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl PathFilter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, String> {
        let build = |globs: &[String]| -> Result<Option<GlobSet>, String> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| format!("invalid glob `{g}`: {e}"))?);
            }
            b.build().map(Some).map_err(|e| e.to_string())
        };
        Ok(PathFilter {
            include: build(include)?,
            exclude: build(exclude)?,
        })
    }

    pub fn allows(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(path))
            && self.exclude.as_ref().is_none_or(|g| !g.is_match(path))
    }
}

/// A rule file that failed to load: names the file, the rule and what is wrong.
#[derive(Debug, Clone)]
pub struct RuleLoadError {
    pub file: String,
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RuleLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(r) => write!(f, "{}: rule `{r}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Parse one rule file's text.
pub fn parse_rule_file(file: &str, text: &str) -> Result<RawRule, RuleLoadError> {
    serde_saphyr::from_str::<RawRule>(text).map_err(|e| RuleLoadError {
        file: file.to_string(),
        rule: text
            .lines()
            .find_map(|l| l.strip_prefix("id:"))
            .map(|s| s.trim().trim_matches(['"', '\'']).to_string()),
        message: e.to_string(),
    })
}

/// Compile a parsed rule file into a rule. `expected_id` is `pack/stem` from the file's location.
pub fn compile(
    raw: RawRule,
    file: &str,
    expected_id: Option<&str>,
) -> Result<Box<dyn Rule>, RuleLoadError> {
    let err = |m: String| RuleLoadError {
        file: file.to_string(),
        rule: Some(raw.id.clone()),
        message: m,
    };
    if let Some(exp) = expected_id
        && exp != raw.id
    {
        return Err(err(format!(
            "field `id`: `{}` does not match the file's location (expected `{exp}`)",
            raw.id
        )));
    }
    let Some((pack, name)) = raw.id.split_once('/') else {
        return Err(err("field `id`: must be `pack/kebab-name`".into()));
    };
    if !is_kebab(pack) || !is_kebab(name) {
        return Err(err(
            "field `id`: pack and name must be lowercase kebab-case".into(),
        ));
    }
    let severity = Severity::parse(&raw.severity).ok_or_else(|| {
        err(format!(
            "field `severity`: `{}` is not one of info, low, medium, high, critical",
            raw.severity
        ))
    })?;
    let confidence = match raw.confidence.as_deref() {
        None | Some("high") => Confidence::High,
        Some("medium") => Confidence::Medium,
        Some("low") => Confidence::Low,
        Some(other) => {
            return Err(err(format!(
                "field `confidence`: `{other}` is not one of low, medium, high"
            )));
        }
    };
    let rule_type = match raw.rule_type.as_str() {
        "config" => RuleType::Config,
        "code" => RuleType::Code,
        "text" => RuleType::Text,
        "builtin" => RuleType::Builtin,
        other => {
            return Err(err(format!(
                "field `type`: `{other}` is not one of config, code, text, builtin"
            )));
        }
    };
    if raw.title.trim().is_empty() || raw.title.ends_with('.') {
        return Err(err("field `title`: one line, no trailing period".into()));
    }
    let mut applies_to = Vec::new();
    for k in &raw.applies_to {
        if k == "any" {
            applies_to.extend(DocumentKind::ALL);
        } else {
            applies_to.push(
                DocumentKind::from_name(k).ok_or_else(|| {
                    err(format!("field `applies-to`: unknown document kind `{k}`"))
                })?,
            );
        }
    }
    let langs: Vec<Lang> = match &raw.language {
        Some(l) => l
            .to_vec()
            .iter()
            .map(|n| {
                Lang::from_name(n)
                    .ok_or_else(|| err(format!("field `language`: unknown language `{n}`")))
            })
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    if rule_type == RuleType::Code {
        if langs.is_empty() {
            return Err(err("field `language`: code rules need a language".into()));
        }
        for l in &langs {
            if !applies_to.contains(&l.kind()) {
                applies_to.push(l.kind());
            }
        }
    }
    if applies_to.is_empty() {
        return Err(err(
            "field `applies-to`: name at least one document kind (or `any`)".into(),
        ));
    }
    applies_to.sort();
    applies_to.dedup();
    let filter = PathFilter::new(&raw.paths, &raw.exclude_paths)
        .map_err(|e| err(format!("field `paths`: {e}")))?;
    let options = raw
        .options
        .clone()
        .unwrap_or(Value::Object(Default::default()));
    let option_regexes = crate::rule::options::compile_defaults(&options)
        .map_err(|e| err(format!("field `options`: {e}")))?;
    let docs_url = match raw.docs_url.as_deref().map(str::trim) {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u.to_string()),
        Some(u) => {
            return Err(err(format!(
                "field `docs-url`: `{u}` is not an http(s) address"
            )));
        }
        // A built-in rule (its location fixes its id) links to the docs the build names.
        None if expected_id.is_some() => {
            crate::rule::builtin_docs_url(crate::rule::BUILTIN_DOCS_URL, &raw.id)
        }
        None => None,
    };
    let meta = RuleMeta {
        id: raw.id.clone(),
        pack: pack.to_string(),
        title: raw.title.trim().to_string(),
        severity,
        confidence,
        rule_type,
        applies_to,
        tags: raw.tags.clone(),
        description: raw.description.trim().to_string(),
        rationale: raw.rationale.trim().to_string(),
        remediation: raw.remediation.trim().to_string(),
        references: raw.references.clone(),
        options,
        option_regexes,
        source: file.to_string(),
        fix: raw.fix.as_ref().map(|f| f.description.trim().to_string()),
        docs_url,
    };
    let message = raw.message.clone().unwrap_or_else(|| meta.title.clone());
    let type_only = |field: &str, present: bool, allowed: RuleType| -> Result<(), RuleLoadError> {
        if present && rule_type != allowed {
            return Err(err(format!(
                "field `{field}` is only valid for `type: {}` rules",
                allowed.as_str()
            )));
        }
        Ok(())
    };
    type_only("deny", raw.deny.is_some(), RuleType::Config)?;
    type_only("for-each", raw.for_each.is_some(), RuleType::Config)?;
    type_only("when", raw.when.is_some(), RuleType::Config)?;
    // A built-in rule declares only what its fix does; the fix itself is in its code.
    if let Some(f) = &raw.fix {
        let action =
            f.set.is_some() || f.value.is_some() || f.replace.is_some() || f.with.is_some();
        match rule_type {
            RuleType::Config => {}
            RuleType::Builtin if !action => {}
            RuleType::Builtin => {
                return Err(err(
                    "field `fix`: built-in rules declare only its `description`".into(),
                ));
            }
            _ => type_only("fix", true, RuleType::Config)?,
        }
    }
    type_only("ast-grep", raw.ast_grep.is_some(), RuleType::Code)?;
    type_only("regex", raw.regex.is_some(), RuleType::Text)?;
    type_only("keywords", !raw.keywords.is_empty(), RuleType::Text)?;
    if raw.secret.is_some() && !matches!(rule_type, RuleType::Text | RuleType::Config) {
        return Err(err(
            "field `secret` is only valid for `type: text` and `type: config` rules".into(),
        ));
    }
    type_only("verify", raw.verify.is_some(), RuleType::Text)?;

    match rule_type {
        RuleType::Config => {
            let deny = raw
                .deny
                .as_ref()
                .ok_or_else(|| err("field `deny`: config rules need a `deny` predicate".into()))?;
            let deny = predicate::Predicate::compile(deny)
                .map_err(|e| err(format!("field `deny`: {e}")))?;
            let when = raw
                .when
                .as_ref()
                .map(predicate::Predicate::compile)
                .transpose()
                .map_err(|e| err(format!("field `when`: {e}")))?;
            let fix = raw
                .fix
                .as_ref()
                .map(config_rule::DeclFix::compile)
                .transpose()
                .map_err(|e| err(format!("field `fix`: {e}")))?;
            let selector = raw.for_each.as_deref().unwrap_or("$");
            let for_each = config_rule::Selector::compile(selector)
                .map_err(|e| err(format!("field `for-each`: {e}")))?;
            Ok(Box::new(config_rule::ConfigRule {
                meta,
                when,
                for_each,
                for_each_id: config_rule::selector_id(selector),
                deny,
                message,
                filter,
                secret: raw.secret.unwrap_or(false),
                fix,
            }))
        }
        RuleType::Code => {
            let core = raw.ast_grep.as_ref().ok_or_else(|| {
                err("field `ast-grep`: code rules need an `ast-grep` rule".into())
            })?;
            let mut matchers = Vec::new();
            for l in langs {
                let m = code_rule::CodeRule::compile_core(core, l)
                    .map_err(|e| err(format!("field `ast-grep`: {e}")))?;
                matchers.push((l, m));
            }
            Ok(Box::new(code_rule::CodeRule {
                meta,
                matchers,
                message,
                filter,
                needs: needs::required_literals(core),
            }))
        }
        RuleType::Text => {
            let re = raw
                .regex
                .as_deref()
                .ok_or_else(|| err("field `regex`: text rules need a `regex`".into()))?;
            let regex = Regex::new(re).map_err(|e| err(format!("field `regex`: {e}")))?;
            if let Some(g) = raw.secret_group
                && g >= regex.captures_len()
            {
                return Err(err(format!(
                    "field `secret-group`: the regex has no group {g}"
                )));
            }
            let allow = raw
                .allow
                .iter()
                .map(|a| Regex::new(a).map_err(|e| err(format!("field `allow`: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let verify = raw
                .verify
                .as_deref()
                .map(|v| {
                    verify::Verifier::parse(v).ok_or_else(|| {
                        err(format!(
                            "field `verify`: `{v}` is not one of {}",
                            verify::Verifier::NAMES.join(", ")
                        ))
                    })
                })
                .transpose()?;
            let keyword_matcher = if raw.keywords.is_empty() {
                None
            } else {
                Some(
                    aho_corasick::AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .build(&raw.keywords)
                        .map_err(|e| err(format!("field `keywords`: {e}")))?,
                )
            };
            Ok(Box::new(text_rule::TextRule {
                meta,
                keywords: raw.keywords.clone(),
                keyword_matcher,
                regex,
                secret_group: raw.secret_group,
                min_entropy: raw.min_entropy,
                allow,
                secret: raw.secret.unwrap_or(true),
                verify,
                message,
                filter,
            }))
        }
        RuleType::Builtin => crate::rule::builtin::instantiate(meta, filter).map_err(err),
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
