//! What a code rule needs to see in a file's text before it can match: the prefilter that lets
//! the engine skip parsing a file no code rule could match (as Semgrep does).
//!
//! The result is a conjunction of clauses, each a disjunction of literal strings. It is derived
//! from the ast-grep rule itself, so rule authors write nothing extra, and it is sound by
//! construction: every identifier a pattern spells out (outside metavariables) is a leaf of the
//! matched code; every match of a `regex` starts with one of its prefix literals (regex-syntax's
//! extractor, the one the regex crate itself uses); `all`, `has`, `inside`, `precedes`, `follows`
//! and `matches` must all hold; `any` needs one clause of one alternative; `not`, `kind`,
//! `nthChild` and contextual patterns need nothing. Anything unclear yields no requirement.
//! The rule is read through its serialised form because ast-grep-config does not export the
//! types of its rule fields.

use ast_grep_config::SerializableRuleCore;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use serde_json::{Map, Value};

/// Literals shorter than this filter almost nothing: a clause holding one is dropped.
const MIN_LITERAL: usize = 3;

/// Rule nesting followed at most (utilities included; a cycle stops here too).
const MAX_DEPTH: usize = 16;

/// Rule nodes visited per rule at most (utilities included); the built-in packs need under 100.
const VISIT_BUDGET: usize = 10_000;

/// Clauses that must all hold; each holds when the text contains one of its literals.
pub type Clauses = Vec<Vec<String>>;

/// The literal requirement of a rule core (empty: none known, always run).
pub fn required_literals(core: &SerializableRuleCore) -> Clauses {
    let rule = serde_json::to_value(&core.rule).unwrap_or(Value::Null);
    let utils = core
        .utils
        .as_ref()
        .and_then(|u| serde_json::to_value(u).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    // Utilities are expanded where they are used, so a chain of utilities that each use the next
    // several times grows exponentially: a visit budget stops the walk (needing less is sound).
    let mut budget = VISIT_BUDGET;
    let mut clauses = rule_needs(&rule, &utils, 0, &mut budget);
    // A constraint restricts a metavariable's node whenever it is bound; for a metavariable
    // every match binds, what the constraint needs the file needs too.
    if let Some(cons) = &core.constraints {
        let bound = surely_bound(&rule, 0);
        for (var, c) in cons {
            if bound.contains(var.as_str()) {
                let c = serde_json::to_value(c).unwrap_or(Value::Null);
                clauses.extend(rule_needs(&c, &utils, 0, &mut budget));
            }
        }
    }
    for c in &mut clauses {
        c.sort();
        c.dedup();
    }
    clauses.sort();
    clauses.dedup();
    clauses
}

fn rule_needs(r: &Value, utils: &Map<String, Value>, depth: usize, budget: &mut usize) -> Clauses {
    // Utilities can refer to each other; a cycle (or absurd depth) just stops adding clauses.
    let Some(r) = r.as_object().filter(|_| depth <= MAX_DEPTH && *budget > 0) else {
        return Vec::new();
    };
    *budget -= 1;
    let mut out = Clauses::new();
    // A contextual pattern (an object) also spells out its context: it needs nothing.
    if let Some(Value::String(p)) = r.get("pattern") {
        out.extend(pattern_identifiers(p).into_iter().map(|t| vec![t]));
    }
    if let Some(Value::String(re)) = r.get("regex")
        && let Some(c) = regex_prefixes(re)
    {
        out.push(c);
    }
    for rel in ["inside", "has", "precedes", "follows"] {
        if let Some(sub) = r.get(rel) {
            out.extend(rule_needs(sub, utils, depth + 1, budget));
        }
    }
    if let Some(Value::Array(all)) = r.get("all") {
        for s in all {
            out.extend(rule_needs(s, utils, depth + 1, budget));
        }
    }
    if let Some(Value::Array(any)) = r.get("any") {
        let mut union = Vec::new();
        let mut every = !any.is_empty();
        for s in any {
            match best(rule_needs(s, utils, depth + 1, budget)) {
                Some(c) => union.extend(c),
                None => {
                    every = false;
                    break;
                }
            }
        }
        if every {
            out.push(union);
        }
    }
    if let Some(Value::String(id)) = r.get("matches")
        && let Some(u) = utils.get(id)
    {
        out.extend(rule_needs(u, utils, depth + 1, budget));
    }
    out
}

/// Single metavariables every match of `r` binds: those of its pattern, of each `all` member,
/// and those every `any` alternative binds.
fn surely_bound(r: &Value, depth: usize) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let Some(r) = r.as_object().filter(|_| depth <= MAX_DEPTH) else {
        return out;
    };
    if let Some(Value::String(p)) = r.get("pattern") {
        out.extend(single_metavariables(p));
    }
    if let Some(Value::Array(all)) = r.get("all") {
        for s in all {
            out.extend(surely_bound(s, depth + 1));
        }
    }
    if let Some(Value::Array(any)) = r.get("any") {
        let mut sets = any.iter().map(|s| surely_bound(s, depth + 1));
        if let Some(first) = sets.next() {
            out.extend(sets.fold(first, |acc, s| acc.intersection(&s).cloned().collect()));
        }
    }
    out
}

/// `$NAME` metavariables of a pattern (not `$$$NAME` lists, not `$_` non-capturing ones).
fn single_metavariables(p: &str) -> Vec<String> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let dollars = b[i..].iter().take_while(|&&c| c == b'$').count();
        let start = i + dollars;
        let mut j = start;
        while j < b.len() && (b[j].is_ascii_uppercase() || b[j].is_ascii_digit() || b[j] == b'_') {
            j += 1;
        }
        if dollars == 1 && j > start && b[start] != b'_' {
            out.push(p[start..j].to_string());
        }
        i = j.max(i + 1);
    }
    out
}

/// The most selective clause: the one whose shortest literal is longest.
fn best(clauses: Clauses) -> Option<Vec<String>> {
    clauses
        .into_iter()
        .max_by_key(|c| c.iter().map(String::len).min().unwrap_or(0))
}

/// Identifiers of a pattern that are not metavariables (`$X`, `$$$ARGS`, `$_`).
fn pattern_identifiers(p: &str) -> Vec<String> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let meta = start > 0 && b[start - 1] == b'$';
            // An identifier glued to non-ASCII text may be part of a longer token: skip it.
            let glued = i < b.len() && !b[i].is_ascii();
            if !meta && !glued && i - start >= MIN_LITERAL {
                out.push(p[start..i].to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Literals every match of `re` starts (or ends) with, if there are finitely many and none is
/// short; of the two, the more selective.
fn regex_prefixes(re: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    let extract = |kind| -> Option<Vec<String>> {
        // Tight limits: start-up pays for this on every rule, and huge sets filter little.
        let seq = Extractor::new()
            .kind(kind)
            .limit_class(4)
            .limit_total(64)
            .extract(&hir);
        let lits = seq.literals()?;
        if lits.is_empty() {
            return None;
        }
        lits.iter()
            .map(|l| {
                let s = std::str::from_utf8(l.as_bytes()).ok()?;
                (s.len() >= MIN_LITERAL).then(|| s.to_string())
            })
            .collect()
    };
    let shortest = |c: &Vec<String>| c.iter().map(String::len).min().unwrap_or(0);
    match (extract(ExtractKind::Prefix), extract(ExtractKind::Suffix)) {
        (Some(p), Some(s)) => Some(if shortest(&s) > shortest(&p) { s } else { p }),
        (p, s) => p.or(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(yaml: &str) -> Clauses {
        let core: SerializableRuleCore = serde_saphyr::from_str(yaml).expect("valid rule");
        required_literals(&core)
    }

    #[test]
    fn pattern_identifiers_skip_metavariables() {
        assert_eq!(
            needs("rule: {pattern: 'subprocess.run($$$ARGS, shell=True)'}"),
            vec![
                vec!["True".to_string()],
                vec!["run".into()],
                vec!["shell".into()],
                vec!["subprocess".into()]
            ]
        );
        assert!(needs("rule: {pattern: '$X'}").is_empty());
    }

    #[test]
    fn regex_prefixes_and_alternatives() {
        let c = needs("rule: {kind: call, regex: '^(eval|exec)\\('}");
        assert_eq!(c, vec![vec!["eval(".to_string(), "exec(".into()]]);
        // Regexes without a literal start or end give no requirement.
        assert!(needs("rule: {regex: '(?i)[a-z]+[0-9]'}").is_empty());
        assert!(needs("rule: {regex: '.*'}").is_empty());
        // An open start but a literal end: the suffixes are needed.
        let c = needs("rule: {regex: '^(\\S*/)?(curl|wget)$'}");
        assert_eq!(
            c,
            vec![vec![
                "/curl".to_string(),
                "/wget".into(),
                "curl".into(),
                "wget".into()
            ]]
        );
    }

    #[test]
    fn any_needs_every_alternative_and_not_needs_nothing() {
        let c = needs("rule: {any: [{pattern: 'md5($A)'}, {pattern: 'sha1($A)'}]}");
        assert_eq!(c, vec![vec!["md5".to_string(), "sha1".into()]]);
        assert!(needs("rule: {any: [{pattern: 'md5($A)'}, {kind: call}]}").is_empty());
        assert!(needs("rule: {kind: call, not: {pattern: 'safe_call($A)'}}").is_empty());
    }

    #[test]
    fn constraints_on_surely_bound_metavariables() {
        let c = needs(
            "rule: {any: [{pattern: '$M.$FN($$$A)'}, {pattern: '$FN($$$A)'}]}\nconstraints: {FN: {regex: '^(system|popen)$'}, M: {regex: '^os$'}}",
        );
        // $M is not bound by every alternative: only $FN's constraint counts.
        assert_eq!(c, vec![vec!["popen".to_string(), "system".into()]]);
        assert!(needs("rule: {pattern: '$$$X'}\nconstraints: {X: {regex: 'abc'}}").is_empty());
    }

    #[test]
    fn utilities_and_relations_are_followed() {
        let c = needs(
            "utils: {danger: {regex: '^dangerous_'}}\nrule: {kind: call, has: {field: function, matches: danger}}",
        );
        assert_eq!(c, vec![vec!["dangerous_".to_string()]]);
        let cyclic = "utils: {a: {matches: b}, b: {matches: a}}\nrule: {matches: a}";
        assert!(needs(cyclic).is_empty());
    }

    #[test]
    fn exponential_utility_chains_stop_at_the_budget() {
        // u0 uses u1 16 times, u1 uses u2 16 times, ...: 16^8 visits before the depth cap.
        let mut yaml = String::from("utils:\n");
        for i in 0..15 {
            let alts = vec![format!("{{matches: u{}}}", i + 1); 16].join(", ");
            yaml.push_str(&format!("  u{i}: {{all: [{alts}]}}\n"));
        }
        yaml.push_str("  u15: {pattern: 'dangerous_call($X)'}\nrule: {matches: u0}\n");
        let c = needs(&yaml);
        // Cut short, the answer may be weaker (needing less is sound) but never something else.
        assert!(
            c.is_empty() || c == vec![vec!["dangerous_call".to_string()]],
            "{c:?}"
        );
    }
}
