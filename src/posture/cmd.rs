//! The `bylaw report` and `bylaw audit` commands.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::app::{apply_baseline, describe_scan, prepare, scan_groups, write_with};
use crate::cli::{AuditArgs, PostureFormat, ProvenanceArgs, ReportArgs, ScanArgs};
use crate::config::load;
use crate::error::Error;

/// `eprintln!` that never panics on a closed standard error.
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// `bylaw report`: exit 0 when at least one report was read, 2 otherwise.
pub fn report(args: ReportArgs) -> Result<i32, Error> {
    let today = match &args.today {
        Some(t) if load::valid_date(t) => t.clone(),
        Some(t) => {
            return Err(Error::Usage(format!(
                "--today: `{t}` is not a date (YYYY-MM-DD)"
            )));
        }
        None => load::today(),
    };
    let format = args.format.unwrap_or_else(|| {
        match args
            .output
            .as_ref()
            .and_then(|o| o.extension())
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("md" | "markdown") => PostureFormat::Markdown,
            Some("json") => PostureFormat::Json,
            _ => PostureFormat::Html,
        }
    });
    let previous = match &args.previous {
        Some(p) => Some(super::read_previous(p).map_err(Error::Usage)?),
        None => None,
    };
    let files = super::input_files(&args.reports).map_err(Error::Usage)?;
    let registry = crate::app::load_registry(&args.packs)?;
    let opts = super::Options {
        today,
        expiring_days: i64::from(args.expiring_days),
    };
    let mut posture = super::aggregate(&files, &opts, &registry);
    for r in &posture.rejected {
        say(&format!("bylaw: skipped {}: {}", r.path, r.reason));
    }
    for d in &posture.duplicates {
        say(&format!(
            "bylaw: {d}: another report of the same repository comes later and is used"
        ));
    }
    if posture.reports_read == 0 {
        return Err(Error::Usage(format!(
            "no bylaw JSON report among {} file(s)",
            files.len()
        )));
    }
    if let Some(before) = &previous {
        posture.trend = Some(super::trend(&posture, before));
    }
    let body = match format {
        PostureFormat::Html => super::html::render(&posture, &registry, &args.title),
        PostureFormat::Markdown => super::markdown::render(&posture, &args.title),
        PostureFormat::Json => super::to_json(&posture),
    };
    write_with(args.output.as_ref(), |w| w.write_all(body.as_bytes()))?;
    say(&format!(
        "bylaw: {} repositories: {} passing, {} failing",
        posture.gate.repositories, posture.gate.passing, posture.gate.failing
    ));
    Ok(0)
}

/// The repositories in `dir`: its subdirectories holding `.git`, sorted.
fn repositories(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.join(".git").exists())
        .collect();
    out.sort();
    Ok(out)
}

/// What one repository's scan came to.
enum Outcome {
    Passing,
    Failing(usize),
    Error(String),
}

/// `bylaw audit`: exit 0 when every repository passes (or `--exit-zero`), 1 when one fails, 2
/// when one could not be scanned.
pub fn audit(args: AuditArgs) -> Result<i32, Error> {
    let repos = repositories(&args.dir)?;
    if repos.is_empty() {
        return Err(Error::Usage(format!(
            "no repository (a folder with .git) directly in {}",
            args.dir.display()
        )));
    }
    std::fs::create_dir_all(&args.output_dir).map_err(|source| Error::Write {
        path: args.output_dir.display().to_string(),
        source,
    })?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    // One repository per worker, each scanned on one thread: repositories are many and mostly
    // small, and one scan's parallelism would only compete with the others'.
    let outcomes: Vec<(String, Outcome)> = pool.install(|| {
        repos
            .par_iter()
            .map(|repo| {
                let name = repo
                    .file_name()
                    .map_or_else(|| "repository".into(), |n| n.to_string_lossy().into_owned());
                let out = args.output_dir.join(format!("{name}.json"));
                let outcome = match audit_one(repo, &out, &args) {
                    Ok(0) => Outcome::Passing,
                    Ok(n) => Outcome::Failing(n),
                    Err(e) => Outcome::Error(e.to_string()),
                };
                (name, outcome)
            })
            .collect()
    });
    let (mut failing, mut errors) = (0, 0);
    for (name, o) in &outcomes {
        match o {
            Outcome::Passing => say(&format!("{name}: passing")),
            Outcome::Failing(n) => {
                failing += 1;
                say(&format!("{name}: {n} failing finding(s)"));
            }
            Outcome::Error(e) => {
                errors += 1;
                say(&format!("{name}: not scanned: {e}"));
            }
        }
    }
    say(&format!(
        "bylaw: {} repositories audited, {failing} failing, {errors} not scanned; reports in {}",
        outcomes.len(),
        args.output_dir.display()
    ));
    Ok(if errors > 0 {
        2
    } else if failing > 0 && !args.exit_zero {
        1
    } else {
        0
    })
}

/// Scan one repository as its own root and write its JSON report; returns its failing count.
fn audit_one(repo: &Path, out: &Path, args: &AuditArgs) -> Result<usize, Error> {
    // Absolute, as the scan paths are made: paths are then reported relative to the repository.
    let repo = &std::fs::canonicalize(repo)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", repo.display())))?;
    let scan = ScanArgs {
        paths: vec![repo.to_path_buf()],
        threads: Some(1),
        packs: args.packs.clone(),
        no_cache: args.no_cache,
        cache_dir: args.cache_dir.clone(),
        own_policy_only: true,
        base: Some(repo.to_path_buf()),
        ..ScanArgs::default()
    };
    let (registry, groups) = prepare(&scan)?;
    let mut report = scan_groups(&registry, &groups)?;
    if let Some(b) = &args.baseline {
        let file = repo.join(b);
        if file.is_file() {
            apply_baseline(&mut report, &file)?;
        }
    }
    let provenance = ProvenanceArgs {
        repository: None,
        timestamp: args.timestamp,
    };
    describe_scan(&mut report, &groups, &provenance);
    let failing = report.failing().count();
    write_with(Some(&out.to_path_buf()), |w| {
        crate::report::json::write(&report, w)
    })?;
    Ok(failing)
}
