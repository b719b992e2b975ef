//! What a code rule needs to see in a file's text before it can match: the prefilter that lets
//! the engine skip parsing a file no code rule could match (as Semgrep does).
//!
//! The result is a conjunction of clauses, each a disjunction of literal strings. It is derived
//! from the ast-grep rule itself, so rule authors write nothing extra, and it is sound by
//! construction: every identifier a pattern spells out (outside metavariables) is a leaf of the
//! matched code; every match of a `regex` starts with one of its prefix literals (regex-syntax's
//! extractor, the one the regex crate itself uses); `all`, `has`, `inside`, `precedes`, `follows`
//! and `matches` must all hold; `any` needs, for every way of picking one clause of each
//! alternative, one of the picked literals (the CNF of a disjunction); `not`, `kind`, `nthChild`
//! and contextual patterns need nothing. Anything unclear yields no requirement.
//!
//! Case-insensitive regexes (`(?i)select`) would expand into every letter-case combination, which
//! no extractor keeps; their letter classes are folded to one lowercase letter first and the
//! literals are searched ASCII-case-insensitively ([`Literal::fold`]). Unicode folding adds two
//! non-ASCII variants of ASCII letters (`ſ` for s, the Kelvin sign for k): a file containing
//! either counts as containing every folded literal.
//! The rule is read through its serialised form because ast-grep-config does not export the
//! types of its rule fields.

use ast_grep_config::SerializableRuleCore;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};
use serde_json::{Map, Value};

/// Literals shorter than this filter almost nothing: a clause holding one is dropped.
const MIN_LITERAL: usize = 3;

/// Rule nesting followed at most (utilities included; a cycle stops here too).
const MAX_DEPTH: usize = 16;

/// Rule nodes visited per rule at most (utilities included); the built-in packs need under 100.
const VISIT_BUDGET: usize = 10_000;

/// Ways of picking one clause per `any` alternative computed in full; beyond this, each
/// alternative contributes only its most selective clause.
const MAX_PRODUCT: usize = 32;

/// Non-ASCII characters that Unicode case folding maps to ASCII letters (`ſ`→s, Kelvin sign→k).
pub const FOLD_HAZARDS: [&str; 2] = ["\u{17F}", "\u{212A}"];

/// A string a file must contain: exactly, or with `fold` in any ASCII letter case (the text is
/// then lowercase).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    pub text: String,
    pub fold: bool,
}

impl Literal {
    fn exact(text: impl Into<String>) -> Self {
        Literal {
            text: text.into(),
            fold: false,
        }
    }
}

/// Clauses that must all hold; each holds when the text contains one of its literals.
pub type Clauses = Vec<Vec<Literal>>;

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
    normalize(clauses)
}

/// Sort, deduplicate, and drop clauses implied by a smaller one (a superset of another clause).
fn normalize(mut clauses: Clauses) -> Clauses {
    for c in &mut clauses {
        c.sort();
        c.dedup();
    }
    clauses.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    clauses.dedup();
    let mut kept: Clauses = Vec::new();
    for c in clauses {
        if !kept.iter().any(|k| k.iter().all(|l| c.contains(l))) {
            kept.push(c);
        }
    }
    kept.sort();
    kept
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
        out.extend(
            pattern_identifiers(p)
                .into_iter()
                .map(|t| vec![Literal::exact(t)]),
        );
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
        let mut alternatives = Vec::new();
        for s in any {
            let needs = rule_needs(s, utils, depth + 1, budget);
            // An alternative that needs nothing lets the whole `any` match anything.
            if needs.is_empty() {
                alternatives.clear();
                break;
            }
            alternatives.push(needs);
        }
        out.extend(disjunction(alternatives));
    }
    if let Some(Value::String(id)) = r.get("matches")
        && let Some(u) = utils.get(id)
    {
        out.extend(rule_needs(u, utils, depth + 1, budget));
    }
    out
}

/// Single metavariables every match of `r` binds: those of its pattern, of each `all` member and
/// relational rule, and those every `any` alternative binds.
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
    // A relational rule that must hold binds what its inner rule binds (ast-grep passes the
    // match environment through `has`, `inside`, `precedes` and `follows`).
    for rel in ["inside", "has", "precedes", "follows"] {
        if let Some(sub) = r.get(rel) {
            out.extend(surely_bound(sub, depth + 1));
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

/// The CNF of "one of these alternatives holds": one clause per way of picking a clause of each
/// alternative (the union of the picks), or, when there are too many ways, the union of each
/// alternative's most selective clause.
fn disjunction(alternatives: Vec<Clauses>) -> Clauses {
    if alternatives.is_empty() {
        return Vec::new();
    }
    let ways = alternatives
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.len()))
        .filter(|&n| n <= MAX_PRODUCT);
    if ways.is_none() {
        let union = alternatives
            .into_iter()
            .filter_map(best)
            .flatten()
            .collect();
        return vec![union];
    }
    let mut product: Clauses = vec![Vec::new()];
    for alt in &alternatives {
        product = product
            .iter()
            .flat_map(|p| {
                alt.iter().map(move |c| {
                    let mut u = p.clone();
                    u.extend(c.iter().cloned());
                    u
                })
            })
            .collect();
    }
    product
}

/// The most selective clause: the one whose shortest literal is longest.
fn best(clauses: Clauses) -> Option<Vec<Literal>> {
    clauses
        .into_iter()
        .max_by_key(|c| c.iter().map(|l| l.text.len()).min().unwrap_or(0))
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
fn regex_prefixes(re: &str) -> Option<Vec<Literal>> {
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    let (hir, fold) = fold_case(&hir);
    let extract = |kind| -> Option<Vec<Literal>> {
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
                (s.len() >= MIN_LITERAL).then(|| Literal {
                    // Folded classes became lowercase letters; other letters may still be
                    // uppercase, and an ASCII-case-insensitive search finds those too.
                    text: if fold {
                        s.to_ascii_lowercase()
                    } else {
                        s.to_string()
                    },
                    fold,
                })
            })
            .collect()
    };
    let shortest = |c: &Vec<Literal>| c.iter().map(|l| l.text.len()).min().unwrap_or(0);
    match (extract(ExtractKind::Prefix), extract(ExtractKind::Suffix)) {
        (Some(p), Some(s)) => Some(if shortest(&s) > shortest(&p) { s } else { p }),
        (p, s) => p.or(s),
    }
}

/// `re` with every case-folding class of one ASCII letter (`[Ss]`, `[Ssſ]`) replaced by the
/// lowercase letter, and whether any was: the folded regex's literals, searched
/// case-insensitively, are where the original can match.
fn fold_case(h: &Hir) -> (Hir, bool) {
    match h.kind() {
        HirKind::Class(c) => match folded_letter(c) {
            Some(b) => (Hir::literal([b]), true),
            None => (h.clone(), false),
        },
        // Rebuilt field by field: `..r.clone()` would copy the whole subtree only to drop it.
        HirKind::Repetition(r) => {
            let (sub, f) = fold_case(&r.sub);
            let rep = Repetition {
                min: r.min,
                max: r.max,
                greedy: r.greedy,
                sub: Box::new(sub),
            };
            (Hir::repetition(rep), f)
        }
        HirKind::Capture(c) => {
            let (sub, f) = fold_case(&c.sub);
            let cap = Capture {
                index: c.index,
                name: c.name.clone(),
                sub: Box::new(sub),
            };
            (Hir::capture(cap), f)
        }
        HirKind::Concat(parts) => {
            let (parts, f) = fold_all(parts);
            (Hir::concat(parts), f)
        }
        HirKind::Alternation(parts) => {
            let (parts, f) = fold_all(parts);
            (Hir::alternation(parts), f)
        }
        _ => (h.clone(), false),
    }
}

fn fold_all(parts: &[Hir]) -> (Vec<Hir>, bool) {
    let mut any = false;
    let parts = parts
        .iter()
        .map(|p| {
            let (p, f) = fold_case(p);
            any |= f;
            p
        })
        .collect();
    (parts, any)
}

/// The lowercase ASCII letter a class stands for when it is exactly that letter's case variants.
fn folded_letter(c: &Class) -> Option<u8> {
    let mut chars: Vec<char> = Vec::new();
    match c {
        Class::Unicode(u) => {
            for r in u.iter() {
                if chars.len() + (r.end() as usize - r.start() as usize) >= 3 {
                    return None;
                }
                chars.extend(r.start()..=r.end());
            }
        }
        Class::Bytes(b) => {
            for r in b.iter() {
                if chars.len() + usize::from(r.end() - r.start()) >= 3 {
                    return None;
                }
                chars.extend((r.start()..=r.end()).map(char::from));
            }
        }
    }
    let lower = chars
        .iter()
        .find(|c| c.is_ascii_lowercase())?
        .to_ascii_lowercase();
    let mut want = vec![lower, lower.to_ascii_uppercase()];
    match lower {
        's' => want.push('\u{17F}'),
        'k' => want.push('\u{212A}'),
        _ => {}
    }
    chars.sort_unstable();
    want.sort_unstable();
    // (?i) in Unicode mode adds the non-ASCII variant; (?i-u) or a written [Ss] does not.
    let exact = chars == want || (chars.len() == 2 && chars[..] == want[..2]);
    exact.then_some(lower as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule's clauses, folded literals written `(?i)text`.
    fn needs(yaml: &str) -> Vec<Vec<String>> {
        let core: SerializableRuleCore = serde_saphyr::from_str(yaml).expect("valid rule");
        required_literals(&core)
            .into_iter()
            .map(|c| {
                c.into_iter()
                    .map(|l| {
                        if l.fold {
                            format!("(?i){}", l.text)
                        } else {
                            l.text
                        }
                    })
                    .collect()
            })
            .collect()
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
    fn any_distributes_over_every_clause_of_its_alternatives() {
        // (InsecureSkipVerify ∧ true) ∨ (InsecureSkipVerify ∧ true): both literals are needed.
        let c = needs(
            "rule: {any: [{kind: keyed_element, all: [{has: {regex: '^InsecureSkipVerify$'}}, {has: {regex: '^true$'}}]}, {pattern: '$C.InsecureSkipVerify = true'}]}",
        );
        assert_eq!(
            c,
            vec![vec!["InsecureSkipVerify".to_string()], vec!["true".into()]]
        );
        // (abc ∧ def) ∨ ghi: (abc ∨ ghi) ∧ (def ∨ ghi).
        let c = needs("rule: {any: [{pattern: 'abc(def)'}, {pattern: 'ghi()'}]}");
        assert_eq!(
            c,
            vec![
                vec!["abc".to_string(), "ghi".into()],
                vec!["def".into(), "ghi".into()]
            ]
        );
    }

    #[test]
    fn case_insensitive_regexes_give_folded_literals() {
        let c = needs("rule: {regex: '(?is)\\b(select\\b.+\\bfrom|insert\\s+into|order\\s+by)'}");
        assert_eq!(
            c,
            vec![vec![
                "(?i)insert".to_string(),
                "(?i)order".into(),
                "(?i)select".into()
            ]]
        );
        // Only the case-insensitive part is folded; the search is case-insensitive throughout.
        let c = needs("rule: {regex: '^Exec(?i:ute)Now'}");
        assert_eq!(c, vec![vec!["(?i)executenow".to_string()]]);
        // A class that is not one letter's cases is not folded.
        assert!(needs("rule: {regex: '(?i)[a-c]+'}").is_empty());
        assert_eq!(
            needs("rule: {regex: '[Ss]ecret'}"),
            vec![vec!["(?i)secret".to_string()]]
        );
    }

    #[test]
    fn folded_letters() {
        let class = |re: &str| match regex_syntax::Parser::new().parse(re).map(|h| h.into_kind()) {
            Ok(HirKind::Class(c)) => c,
            other => panic!("{re} is not a class: {other:?}"),
        };
        assert_eq!(folded_letter(&class("(?i)s")), Some(b's'));
        assert_eq!(folded_letter(&class("(?i)k")), Some(b'k'));
        assert_eq!(folded_letter(&class("(?i-u)s")), Some(b's'));
        assert_eq!(folded_letter(&class("[aA]")), Some(b'a'));
        assert_eq!(folded_letter(&class("[ab]")), None);
        assert_eq!(folded_letter(&class("[sſ]")), None);
        assert_eq!(folded_letter(&class("[a-z]")), None);
    }

    #[test]
    fn constraints_on_surely_bound_metavariables() {
        let c = needs(
            "rule: {any: [{pattern: '$M.$FN($$$A)'}, {pattern: '$FN($$$A)'}]}\nconstraints: {FN: {regex: '^(system|popen)$'}, M: {regex: '^os$'}}",
        );
        // $M is not bound by every alternative: only $FN's constraint counts.
        assert_eq!(c, vec![vec!["popen".to_string(), "system".into()]]);
        assert!(needs("rule: {pattern: '$$$X'}\nconstraints: {X: {regex: 'abc'}}").is_empty());
        // A metavariable bound inside a relational rule that must hold is bound by every match;
        // one bound only under `not` is not.
        let c = needs(
            "rule: {kind: call, has: {field: function, has: {pattern: $FN}}}\nconstraints: {FN: {regex: '^(Query|Exec)$'}}",
        );
        assert_eq!(c, vec![vec!["Exec".to_string(), "Query".into()]]);
        let c = needs(
            "rule: {kind: call, not: {has: {pattern: $FN}}}\nconstraints: {FN: {regex: '^Query$'}}",
        );
        assert!(c.is_empty());
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
