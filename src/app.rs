//! Orchestration: policy → walk → parse → evaluate → report → exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::{CheckArgs, Cli, Command, Format, RulesArgs, RulesFormat};
use crate::config::{Policy, Selector};
use crate::engine::{Engine, ScanRequest, choose_base};
use crate::error::Error;
use crate::finding::Severity;
use crate::report::{human, json, sarif};
use crate::rule::registry::Registry;

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => rules(args),
        Command::Explain { id } => explain(&id),
    }
}

pub fn load_registry(packs: &[PathBuf]) -> Result<Registry, Error> {
    Registry::load(packs).map_err(Error::Rules)
}

fn check(args: CheckArgs) -> Result<i32, Error> {
    let registry = load_registry(&args.packs)?;
    let mut policy = Policy::default();
    if let Some(f) = &args.fail_on {
        policy.fail_on = Severity::parse(f).ok_or_else(|| {
            Error::Usage(format!(
                "--fail-on: `{f}` is not one of info, low, medium, high, critical"
            ))
        })?;
    }
    for (list, target) in [
        (&args.select, &mut policy.select),
        (&args.ignore, &mut policy.ignore),
    ] {
        for s in list {
            let sel = Selector::parse(s);
            validate_selector(&registry, &sel, s)?;
            target.push(sel);
        }
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![cwd.clone()]
    } else {
        args.paths
            .iter()
            .map(|p| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    cwd.join(p)
                }
            })
            .collect()
    };
    let mut req = ScanRequest::new(paths.clone(), choose_base(&paths));
    req.threads = args.threads.unwrap_or(0);
    if req.threads == 0 {
        req.threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    }
    if let Some(m) = args.max_file_size {
        req.max_file_size = m;
    }
    req.force_repo_rules = args.repo_rules;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads)
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    let engine = Engine::new(&registry, &policy);
    let mut report = pool.install(|| engine.scan(&req));
    report.exit_zero = args.exit_zero;

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let hopts = human::HumanOptions {
        color: to_terminal && !args.no_color && std::env::var_os("NO_COLOR").is_none(),
        verbose: args.verbose,
        timing: true,
    };
    let body = match args.format {
        Format::Human => human::render(&report, &registry, &hopts),
        Format::Json => json::render(&report),
        Format::Sarif => sarif::render(&report, &registry),
    };
    write_output(args.output.as_ref(), &body)?;
    if args.format == Format::Human || args.output.is_some() {
        eprintln!("{}", human::summary(&report, &hopts));
    }
    Ok(report.exit_code())
}

fn validate_selector(registry: &Registry, sel: &Selector, raw: &str) -> Result<(), Error> {
    let ok = match sel {
        Selector::All | Selector::Tag(_) => true,
        Selector::Pack(p) => registry.packs().contains(p.as_str()),
        Selector::Rule(r) => registry.get(r).is_some(),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "unknown rule or pack `{raw}`; `bylaw rules` lists them"
        )))
    }
}

fn write_output(path: Option<&PathBuf>, body: &str) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, body).map_err(|source| Error::Write {
            path: p.display().to_string(),
            source,
        }),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`bylaw check | head`) is not an error worth a panic.
            let _ = out.write_all(body.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

fn rules(args: RulesArgs) -> Result<i32, Error> {
    let registry = load_registry(&args.packs)?;
    let body = match args.format {
        RulesFormat::Json => {
            let metas: Vec<_> = registry.metas().collect();
            let mut s = serde_json::to_string_pretty(&metas).unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Markdown => crate::docs::rule_table(&registry),
        RulesFormat::Human => {
            let width = registry.metas().map(|m| m.id.len()).max().unwrap_or(10);
            let mut s = String::new();
            for m in registry.metas() {
                s.push_str(&format!(
                    "{:<width$}  {:<8}  {:<10}  {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.pack,
                    m.title
                ));
            }
            s.push_str(&format!(
                "{} rules in {} packs\n",
                registry.rules().len(),
                registry.packs().len()
            ));
            s
        }
    };
    write_output(None, &body)?;
    Ok(0)
}

fn explain(id: &str) -> Result<i32, Error> {
    let registry = load_registry(&[])?;
    let Some(rule) = registry.get(id) else {
        let close: Vec<&str> = registry
            .metas()
            .filter(|m| m.id.contains(id.rsplit('/').next().unwrap_or(id)))
            .map(|m| m.id.as_str())
            .take(5)
            .collect();
        return Err(Error::Usage(format!(
            "unknown rule `{id}`{}",
            if close.is_empty() {
                String::new()
            } else {
                format!("; did you mean: {}", close.join(", "))
            }
        )));
    };
    write_output(None, &crate::docs::rule_markdown(rule.meta()))?;
    Ok(0)
}
