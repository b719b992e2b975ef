//! Orchestration: policy → walk → parse → evaluate → suppress → baseline → report → exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::{
    BaselineAction, CheckArgs, Cli, ColorChoice, Command, Format, GroupBy, ListFormat, PackArgs,
    RulesArgs, RulesFormat, ScanArgs, SuppressionsArgs,
};
use crate::config::{Policy, Selector, load};
use crate::engine::{Engine, ScanRequest, choose_base};
use crate::error::Error;
use crate::finding::Severity;
use crate::report::{Report, github, gitlab, human, json, junit, sarif};
use crate::rule::registry::Registry;
use crate::suppress::baseline;

/// `eprintln!` that never panics: standard error closed early (`bylaw check 2>&1 | head`) is not
/// worth a crash.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => rules(args),
        Command::Explain { id, packs } => explain(&id, &packs),
        Command::TestRules {
            dir,
            fixtures,
            packs,
        } => {
            let dirs = match dir {
                Some(d) => vec![d],
                None => pack_dirs(&packs)?,
            };
            if dirs.is_empty() {
                return Err(Error::Usage(
                    "no rule pack to test: name a directory, pass --packs DIR, or list `packs` in bylaw.toml".into(),
                ));
            }
            crate::testrules::run(&dirs, fixtures.as_deref())
        }
        Command::Baseline { action } => baseline_cmd(action),
        Command::Suppressions(args) => suppressions(args),
        Command::Schema => {
            write_output(None, crate::config::SCHEMA)?;
            Ok(0)
        }
        Command::Report(args) => crate::posture::cmd::report(args),
        Command::Audit(args) => crate::posture::cmd::audit(args),
        Command::Inspect { file, line, config } => {
            write_output(None, &crate::inspect::run(&file, config, line)?)?;
            Ok(0)
        }
        Command::Init { force } => {
            let dir = std::env::current_dir()
                .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
            let path = crate::init::write(&dir, force)?;
            say!("wrote {}", path.display());
            Ok(0)
        }
    }
}

pub fn load_registry(packs: &[PathBuf]) -> Result<Registry, Error> {
    Registry::load(packs).map_err(Error::Rules)
}

/// The organisation's pack directories `check` would load from the current directory: `--packs`
/// and the `packs` of the policy file (`--config`, else the nearest `bylaw.toml` and what it
/// extends), sorted, without repeats.
pub fn pack_dirs(args: &PackArgs) -> Result<Vec<PathBuf>, Error> {
    let mut dirs = args.packs.clone();
    let config = match &args.config {
        Some(c) => Some(c.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| load::discover(&d)),
    };
    if let Some(c) = config {
        dirs.extend(load::packs(&load::load_layers(&c)?));
    }
    dirs.sort();
    dirs.dedup();
    Ok(dirs)
}

/// A set of paths that share one policy.
pub struct Group {
    pub policy: Policy,
    pub request: ScanRequest,
}

/// Resolve paths, policies and rules for a scan.
pub fn prepare(scan: &ScanArgs) -> Result<(Registry, Vec<Group>), Error> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let mut paths: Vec<PathBuf> = if scan.paths.is_empty() {
        vec![cwd.clone()]
    } else {
        scan.paths
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
    for p in &paths {
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            return Err(Error::Usage(format!(
                "no such file or directory: {}",
                p.display()
            )));
        };
        // A path the user named and bylaw cannot read is an error, never a silent pass. (A
        // link named as a file is reported as skipped: its target is not read; a FIFO or device is
        // skipped, never opened: opening a FIFO blocks.)
        let readable = if meta.is_symlink() && !p.is_dir() {
            Ok(())
        } else if p.is_dir() {
            std::fs::read_dir(p).map(|_| ())
        } else if meta.is_file() {
            std::fs::File::open(p).map(|_| ())
        } else {
            Ok(())
        };
        if let Err(e) = readable {
            return Err(Error::Usage(format!("cannot read {}: {e}", p.display())));
        }
    }
    let base = scan.base.clone().unwrap_or_else(|| choose_base(&paths));
    let git_files = if scan.staged {
        Some(crate::git::staged_files(&cwd, &base)?)
    } else if let Some(r) = &scan.since {
        Some(crate::git::changed_since(&cwd, &base, r)?)
    } else {
        None
    };
    // Only some files are checked: the staged or changed ones, or files named one by one (as
    // pre-commit passes them). A directory argument makes it a scan of that tree.
    let partial = git_files.is_some() || paths.iter().all(|p| !p.is_dir());
    if git_files.is_some() {
        paths = vec![cwd.clone()];
    }
    // Group paths by the policy that governs them (nearest bylaw.toml, or --config). A directory
    // scan also honours bylaw.toml files below it: each such subtree is its own group, and the
    // enclosing group does not enter it.
    let mut by_config: BTreeMap<(Option<PathBuf>, bool), Vec<PathBuf>> = BTreeMap::new();
    let mut nested: Vec<PathBuf> = Vec::new();
    for p in &paths {
        let cfg = match &scan.config {
            Some(c) => Some(c.clone()),
            None => load::discover(p).filter(|c| {
                !scan.own_policy_only
                    || std::fs::canonicalize(p).is_ok_and(|dir| c.starts_with(dir))
            }),
        };
        by_config.entry((cfg, false)).or_default().push(p.clone());
        if scan.config.is_none() && git_files.is_none() && p.is_dir() {
            for dir in nested_policy_dirs(p) {
                by_config
                    .entry((Some(dir.join(load::FILE_NAME)), true))
                    .or_default()
                    .push(dir.clone());
                nested.push(dir);
            }
        }
    }
    let mut layered = Vec::new();
    let mut packs = scan.packs.clone();
    for ((cfg, is_nested), ps) in by_config {
        let layers = match &cfg {
            Some(c) => load::load_layers(c)?,
            None => Vec::new(),
        };
        packs.extend(load::packs(&layers));
        let skip: Vec<PathBuf> = nested
            .iter()
            .filter(|n| ps.iter().any(|p| n.starts_with(p) && *n != p))
            .cloned()
            .collect();
        layered.push((layers, ps, skip, is_nested));
    }
    packs.sort();
    packs.dedup();
    let registry = load_registry(&packs)?;
    let mut groups = Vec::new();
    for (layers, ps, skip, is_nested) in layered {
        let mut policy = load::resolve(&layers, &registry, &base)?;
        if !scan.select.is_empty() {
            policy.select = Vec::new();
        }
        for s in &scan.select {
            policy.select.push(cli_selector(&registry, s)?);
        }
        for s in &scan.ignore {
            policy.ignore.push(cli_selector(&registry, s)?);
        }
        policy.no_ignores = scan.no_ignores;
        let mut req = ScanRequest::new(ps, base.clone());
        req.threads = scan.threads.unwrap_or(0);
        if req.threads == 0 {
            req.threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        }
        if let Some(m) = scan.max_file_size {
            req.max_file_size = m;
        }
        req.force_repo_rules = scan.repo_rules && !is_nested;
        req.no_repo_rules = is_nested;
        req.skip_dirs = skip;
        req.files = git_files.clone();
        req.partial = partial;
        req.staged = scan.staged;
        req.scan_roots = paths.clone();
        if !scan.no_cache {
            req.cache_dir = Some(crate::cache::dir(scan.cache_dir.as_deref()));
        }
        groups.push(Group {
            policy,
            request: req,
        });
    }
    Ok((registry, groups))
}

/// Directories strictly below `root` that hold their own bylaw.toml (git-ignored ones excluded).
fn nested_policy_dirs(root: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        if entry.file_name() == load::FILE_NAME
            && entry.file_type().is_some_and(|t| t.is_file())
            && let Some(dir) = entry.path().parent()
            && dir != root
        {
            out.push(dir.to_path_buf());
        }
    }
    out.sort();
    out
}

/// Run every group's scan on one worker pool and merge the reports.
pub fn scan_groups(registry: &Registry, groups: &[Group]) -> Result<Report, Error> {
    let threads = groups.first().map_or(1, |g| g.request.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    // One policy (the usual case): the engine's report is already final.
    if let [g] = groups {
        let engine = Engine::new(registry, &g.policy);
        return Ok(pool.install(|| engine.scan(&g.request)));
    }
    let mut merged = Report::default();
    for (i, g) in groups.iter().enumerate() {
        let engine = Engine::new(registry, &g.policy);
        let r = pool.install(|| engine.scan(&g.request));
        if i == 0 {
            merged.fail_on = r.fail_on;
        }
        merged.findings.extend(r.findings);
        merged.errors.extend(r.errors);
        merged.skipped.extend(r.skipped);
        merged.files_scanned += r.files_scanned;
        merged.sources.extend(r.sources);
        merged.directives.extend(r.directives);
        merged.rule_help.extend(r.rule_help);
        merged.elapsed += r.elapsed;
        let mut run: BTreeSet<String> = merged.rules_run.drain(..).collect();
        run.extend(r.rules_run);
        merged.rules_run = run.into_iter().collect();
    }
    merged.finalize();
    Ok(merged)
}

fn cli_selector(registry: &Registry, raw: &str) -> Result<Selector, Error> {
    let sel = Selector::parse(raw);
    if sel.exists_in(registry) {
        Ok(sel)
    } else {
        Err(Error::Usage(format!(
            "unknown rule or pack `{raw}`{}; `bylaw rules` lists them",
            registry.did_you_mean(raw)
        )))
    }
}

/// One requested output: a format and a file (standard output when `None`).
fn outputs(args: &CheckArgs) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    use clap::ValueEnum;
    if args.output.is_empty() {
        return Ok(vec![(args.format, None)]);
    }
    let mut out = Vec::new();
    for o in &args.output {
        let parse_fmt = |s: &str| Format::from_str(s, true).ok();
        match o.split_once('=') {
            Some((f, p)) => {
                let fmt = parse_fmt(f).ok_or_else(|| {
                    Error::Usage(format!(
                        "-o {o}: unknown format `{f}` (human, concise, json, sarif, github, gitlab, junit)"
                    ))
                })?;
                out.push((fmt, Some(PathBuf::from(p))));
            }
            None => match parse_fmt(o) {
                Some(fmt) => out.push((fmt, None)),
                None => {
                    // `-o results.sarif` without `--format`: take the format from the extension.
                    let by_ext = match o.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
                        Some(e) if e == "sarif" => Some(Format::Sarif),
                        Some(e) if e == "json" => Some(Format::Json),
                        Some(e) if e == "xml" => Some(Format::Junit),
                        _ => None,
                    };
                    let fmt = match (args.format, by_ext) {
                        (Format::Human, Some(f)) => f,
                        (f, _) => f,
                    };
                    out.push((fmt, Some(PathBuf::from(o))));
                }
            },
        }
    }
    Ok(out)
}

fn check(args: CheckArgs) -> Result<i32, Error> {
    let outs = outputs(&args)?;
    let min_severity = match &args.min_severity {
        Some(s) => Some(parse_severity("--min-severity", s)?),
        None => None,
    };
    let fail_on = match &args.fail_on {
        Some(s) => Some(parse_severity("--fail-on", s)?),
        None => None,
    };
    let (registry, mut groups) = prepare(&args.scan)?;
    let spinner = if !args.quiet
        && crate::progress::wanted(std::io::stderr().is_terminal(), |k| std::env::var(k).ok())
    {
        let progress = std::sync::Arc::new(crate::progress::Progress::default());
        for g in &mut groups {
            g.request.progress = Some(progress.clone());
        }
        Some(crate::progress::Spinner::start(
            progress,
            std::sync::Arc::new(std::sync::Mutex::new(std::io::stderr())),
            crate::progress::DELAY,
        ))
    } else {
        None
    };
    let mut report = scan_groups(&registry, &groups)?;
    if let Some(s) = spinner {
        s.stop();
    }
    if let Some(f) = fail_on {
        report.fail_on = f;
    }
    if let Some(b) = &args.baseline {
        apply_baseline(&mut report, b)?;
    }
    if args.fix || args.diff {
        use crate::fix::run;
        // Each re-scan is marked against the same baseline.
        let entries = args.baseline.as_deref().map(baseline::load).transpose()?;
        let outcome = run::run(&registry, &mut groups, &report, entries.as_ref())?;
        let files = outcome.files.len();
        if outcome.unsettled {
            say!(
                "bylaw: fixes still changing files after {} rounds; stopped",
                crate::fix::MAX_ROUNDS
            );
        }
        for rel in &outcome.refused {
            say!("bylaw: {rel}: fixes left out: the fixed file would not parse");
        }
        if args.diff {
            write_output(None, &run::render_diff(&report, &outcome))?;
            say!(
                "bylaw: {} fix(es) in {files} file(s) would be applied (--fix writes them)",
                outcome.applied
            );
            return Ok(i32::from(files > 0));
        }
        run::write(&outcome)?;
        if let Some(r) = outcome.report {
            report = r;
        }
        let remaining = report
            .findings
            .iter()
            .filter(|f| f.suppression.is_none() && !crate::report::is_baselined(f))
            .count();
        say!(
            "bylaw: applied {} fix(es) in {files} file(s); {remaining} finding(s) remain",
            outcome.applied
        );
    }
    report.exit_zero = args.exit_zero;
    describe_scan(&mut report, &groups, &args.provenance);
    // The exit code and the summary count every finding; `--min-severity` and `--quiet` only
    // change what is shown.
    let code = report.exit_code();
    let mut summary = human::summary(
        &report,
        &human::HumanOptions {
            color: false,
            verbose: false,
            timing: true,
            show_all: false,
            quiet: false,
        },
    );
    let hidden = hide_findings(&mut report, min_severity, args.quiet);
    if hidden > 0
        && let Some(min) = min_severity
    {
        summary.push_str(&format!(" · {hidden} below {min} not shown"));
    }

    let stdout_terminal = std::io::stdout().is_terminal();
    let color = match (args.no_color, args.color) {
        (true, _) | (_, ColorChoice::Never) => false,
        (_, ColorChoice::Always) => true,
        (_, ColorChoice::Auto) => stdout_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    for (fmt, path) in &outs {
        let hopts = human::HumanOptions {
            color: path.is_none() && color,
            verbose: args.verbose,
            timing: true,
            show_all: args.show_all,
            quiet: args.quiet,
        };
        let group_by_owner = args.group_by == Some(GroupBy::Owner);
        // JSON and SARIF are streamed to the destination, so large reports are never held as
        // one string; the other formats are small enough to render first.
        write_with(path.as_ref(), |w| match fmt {
            Format::Json => json::write(&report, w),
            Format::Sarif => sarif::write(&report, &registry, w),
            Format::Human | Format::Concise => {
                let mut body = if args.statistics {
                    human::statistics(&report, &registry)
                } else if *fmt == Format::Concise {
                    human::concise(&report, &hopts)
                } else {
                    human::render(&report, &registry, &hopts)
                };
                if group_by_owner {
                    body.push_str(&human::by_owner(&report));
                }
                w.write_all(body.as_bytes())
            }
            Format::Github => w.write_all(github::render(&report).as_bytes()),
            Format::Gitlab => w.write_all(gitlab::render(&report).as_bytes()),
            Format::Junit => w.write_all(junit::render(&report, &registry).as_bytes()),
        })?;
    }
    if outs.iter().any(|(f, _)| *f == Format::Github) {
        github_extras(&report)?;
    }
    // Every format ends with the one-line summary on standard error, out of the way of what is
    // piped from standard output.
    if !args.quiet {
        say!("{summary}");
    }
    if report.files_scanned == 0 && !report.skipped.is_empty() {
        let why: Vec<String> = report
            .skipped
            .iter()
            .take(3)
            .map(|s| format!("{}: {}", s.path, s.reason))
            .collect();
        say!(
            "bylaw: nothing was scanned: every file was skipped ({}{})",
            why.join("; "),
            if report.skipped.len() > 3 {
                "; …"
            } else {
                ""
            }
        );
    }
    // The process is about to exit: freeing every finding and source need not hold it up.
    crate::engine::drop_in_background((report, registry, groups));
    Ok(code)
}

/// Mark the findings a baseline file holds.
pub fn apply_baseline(report: &mut Report, file: &std::path::Path) -> Result<(), Error> {
    let entries = baseline::load(file)?;
    let run = report.rules_run.clone();
    baseline::apply(&mut report.findings, &entries, &run);
    report.finalize();
    Ok(())
}

/// Owners of every finding, and where the scan comes from with its suppressions and waivers
/// (for the JSON report's `scan` and `suppressions`).
pub fn describe_scan(
    report: &mut Report,
    groups: &[Group],
    provenance: &crate::cli::ProvenanceArgs,
) {
    let Some(g) = groups.first() else {
        return;
    };
    let roots = crate::project::roots::Roots::new(&g.request.base, &g.request.scan_roots);
    crate::owners::assign(&mut report.findings, &roots);
    let policies: Vec<&Policy> = groups.iter().map(|g| &g.policy).collect();
    let mut owners = crate::owners::Lookup::new(&roots);
    report.suppressions = Some(crate::report::scan::suppressions(
        report,
        &policies,
        &mut owners,
    ));
    // What was scanned, not where bylaw ran: `bylaw check ../api` describes `api`.
    let scanned = g.request.scan_roots.first().unwrap_or(&g.request.base);
    let scanned = if scanned.is_dir() {
        scanned.as_path()
    } else {
        scanned.parent().unwrap_or(&g.request.base)
    };
    report.scan = Some(crate::report::scan::describe(
        scanned,
        &policies,
        provenance.repository.as_deref(),
        provenance.timestamp,
    ));
}

fn parse_severity(flag: &str, s: &str) -> Result<Severity, Error> {
    Severity::parse(s).ok_or_else(|| {
        Error::Usage(format!(
            "{flag}: `{s}` is not one of info, low, medium, high, critical"
        ))
    })
}

/// Drop the findings not to show: below `min` (`--min-severity`), or, with `--quiet`, every one
/// that does not fail the run. Returns how many were dropped for their severity.
fn hide_findings(report: &mut Report, min: Option<Severity>, quiet: bool) -> usize {
    let below = |f: &crate::finding::Finding| min.is_some_and(|m| f.severity < m);
    let hidden = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && !crate::report::is_baselined(f) && below(f))
        .count();
    let keep: Vec<bool> = report
        .findings
        .iter()
        .map(|f| !below(f) && (!quiet || report.fails(f)))
        .collect();
    let mut keep = keep.into_iter();
    report.findings.retain(|_| keep.next().unwrap_or(true));
    if quiet {
        // Errors stay; the notes about other contexts and skipped files go.
        report.skipped.clear();
    }
    hidden
}

/// Under `--format github`: say how many findings GitHub will not annotate, and write the job
/// summary when `$GITHUB_STEP_SUMMARY` names a file.
fn github_extras(report: &Report) -> Result<(), Error> {
    let summary_file = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty());
    let hidden = github::unannotated(report);
    if hidden > 0 {
        say!(
            "bylaw: {hidden} finding{} not shown as annotations (GitHub shows {} per level per step); {}",
            if hidden == 1 { "" } else { "s" },
            github::ANNOTATIONS_PER_LEVEL,
            if summary_file.is_some() {
                "the job summary lists them"
            } else {
                "run with --format concise or -o sarif=FILE for the full report"
            }
        );
    }
    if let Some(p) = summary_file {
        let links = github::Links::from_env(|k| std::env::var(k).ok());
        let body = github::step_summary(report, &links);
        // GitHub collects the file after the step: append, other steps may have written to it.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .and_then(|mut file| file.write_all(body.as_bytes()))
            .map_err(|source| Error::Write {
                path: PathBuf::from(&p).display().to_string(),
                source,
            })?;
    }
    Ok(())
}

fn baseline_cmd(action: BaselineAction) -> Result<i32, Error> {
    let (args, update) = match action {
        BaselineAction::Create(a) => (a, false),
        BaselineAction::Update(a) => (a, true),
    };
    let (registry, groups) = prepare(&args.scan)?;
    let report = scan_groups(&registry, &groups)?;
    let current = baseline::entries_of(&report.findings);
    let entries = if update {
        let old = baseline::load(&args.file)?;
        baseline::still_found(&report.findings, &old)
    } else {
        current
    };
    baseline::write(&args.file, &entries)?;
    say!(
        "wrote {} finding(s) to {}",
        entries.len(),
        args.file.display()
    );
    Ok(0)
}

fn suppressions(args: SuppressionsArgs) -> Result<i32, Error> {
    let (registry, groups) = prepare(&args.scan)?;
    let report = scan_groups(&registry, &groups)?;
    #[derive(serde::Serialize)]
    struct Row {
        until: Option<String>,
        origin: String,
        location: String,
        rules: Vec<String>,
        owner: Option<String>,
        reason: Option<String>,
        ticket: Option<String>,
    }
    let policies: Vec<&Policy> = groups.iter().map(|g| &g.policy).collect();
    let roots = match groups.first() {
        Some(g) => crate::project::roots::Roots::new(&g.request.base, &g.request.scan_roots),
        None => crate::project::roots::Roots::new(std::path::Path::new("."), &[]),
    };
    let mut owners = crate::owners::Lookup::new(&roots);
    let rows: Vec<Row> = crate::report::scan::suppressions(&report, &policies, &mut owners)
        .into_iter()
        .map(|e| Row {
            until: e.until,
            origin: e.origin,
            location: format!("{}:{}", e.path, e.line),
            rules: e.rules,
            owner: e.owner,
            reason: e.reason,
            ticket: e.ticket,
        })
        .collect();
    let today = load::today();
    let body = match args.format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            s
        }
        ListFormat::Human => {
            let mut s = String::new();
            for r in &rows {
                let until = match &r.until {
                    Some(u) if *u < today => format!("{u} (expired)"),
                    Some(u) => u.clone(),
                    None => "no expiry".into(),
                };
                s.push_str(&format!(
                    "{until:<22} {:<10} {:<40} {}  owner: {}  reason: {}{}\n",
                    r.origin,
                    r.location,
                    r.rules.join(", "),
                    r.owner.as_deref().unwrap_or("-"),
                    r.reason.as_deref().unwrap_or("-"),
                    r.ticket
                        .as_deref()
                        .map(|t| format!("  ticket: {t}"))
                        .unwrap_or_default(),
                ));
            }
            s.push_str(&format!("{} suppression(s)\n", rows.len()));
            s
        }
    };
    write_output(None, &body)?;
    Ok(0)
}

/// Stream output to a file or standard output through a buffer.
pub fn write_with(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p).map_err(|source| Error::Write {
                path: p.display().to_string(),
                source,
            })?;
            let mut w = std::io::BufWriter::new(file);
            f(&mut w)
                .and_then(|()| w.flush())
                .map_err(|source| Error::Write {
                    path: p.display().to_string(),
                    source,
                })
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`bylaw check | head`) is not an error worth reporting.
            let _ = f(&mut w).and_then(|()| w.flush());
            Ok(())
        }
    }
}

fn write_output(path: Option<&PathBuf>, body: &str) -> Result<(), Error> {
    write_with(path, |w| w.write_all(body.as_bytes()))
}

fn rules(args: RulesArgs) -> Result<i32, Error> {
    let registry = load_registry(&pack_dirs(&args.packs)?)?;
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

fn explain(id: &str, packs: &PackArgs) -> Result<i32, Error> {
    let registry = load_registry(&pack_dirs(packs)?)?;
    let Some(rule) = registry.get(id) else {
        return Err(Error::Usage(format!(
            "unknown rule `{id}`{}",
            registry.did_you_mean(id)
        )));
    };
    write_output(None, &crate::docs::rule_markdown(rule.meta()))?;
    Ok(0)
}
