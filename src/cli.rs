//! Command-line arguments, as parsed (clap derive). `app` turns them into a scan.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "bylaw",
    version,
    about = "Security-policy and engineering-standards linter"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan paths (default: the current directory) and report findings.
    Check(CheckArgs),
    /// List every rule: id, severity, title, pack.
    Rules(RulesArgs),
    /// Show the full documentation of one rule.
    Explain {
        /// Rule id, e.g. `k8s/privileged-container`.
        id: String,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Test the rules in pack directories against their `tests:` snippets (and fixtures): DIR,
    /// else every pack the policy file and `--packs` name.
    TestRules {
        /// Rule pack directory (as given to `--packs`).
        dir: Option<PathBuf>,
        /// Folder of fixture cases: `<pack>/<name>/` or `<name>/` with `bad*`/`good*` files.
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Create or update a baseline file of current findings.
    Baseline {
        #[command(subcommand)]
        action: BaselineAction,
    },
    /// List every inline suppression and waiver with owner, reason and expiry, soonest first.
    Suppressions(SuppressionsArgs),
    /// Print the JSON Schema of bylaw.toml (for editor completion and validation).
    Schema,
    /// Print the document bylaw builds for a file: kind, context, and the value tree with the
    /// JSON Pointer and line of every node (code: the tree-sitter node kinds per line).
    Inspect {
        file: PathBuf,
        /// Only the nodes on this line (code: with their text).
        #[arg(long, value_name = "N")]
        line: Option<usize>,
        /// Use this policy file (for the file's context) instead of the nearest `bylaw.toml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write a starter `bylaw.toml` for the repository in the current directory: the packs that
    /// match its files and the contexts found, every key explained.
    Init {
        /// Overwrite an existing `bylaw.toml`.
        #[arg(long)]
        force: bool,
    },
    /// Roll many repositories' JSON reports up into one posture page (HTML), Markdown or a JSON
    /// summary.
    Report(ReportArgs),
    /// Scan every repository in a directory, each as its own root with its own policy, and write
    /// one JSON report per repository (for `bylaw report`).
    Audit(AuditArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PostureFormat {
    /// A self-contained page (inline CSS, JavaScript and SVG; no external requests).
    Html,
    Markdown,
    /// A summary for dashboards, also read back by `--previous`.
    Json,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// JSON reports (`bylaw check --format json`), or directories searched for `*.json`.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Output format (default: from the `-o` extension, `.md` or `.json`; else html).
    #[arg(long, value_enum)]
    pub format: Option<PostureFormat>,
    /// Where to write (default: standard output).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// An earlier JSON summary (`bylaw report --format json`): show new and fixed findings.
    #[arg(long, value_name = "SUMMARY")]
    pub previous: Option<PathBuf>,
    /// The date expiry is judged against, `YYYY-MM-DD` (default: today, UTC, or `BYLAW_TODAY`).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Suppressions and waivers expiring within this many days are listed as expiring.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub expiring_days: u32,
    /// Page title.
    #[arg(long, default_value = "Security and engineering posture")]
    pub title: String,
    /// Extra rule pack directory, for the titles and `explain` text of its rules; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// A directory holding one repository (a folder with `.git`) per subdirectory.
    pub dir: PathBuf,
    /// Where to write `<repository folder>.json` for each repository (created if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: PathBuf,
    /// Repositories scanned at once (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// A baseline file, relative to each repository, applied where it exists.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Always exit 0 when every repository was scanned.
    #[arg(long)]
    pub exit_zero: bool,
    /// Add each scan's UTC time to its report.
    #[arg(long)]
    pub timestamp: bool,
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Cache directory (default: $BYLAW_CACHE_DIR, else $XDG_CACHE_HOME/bylaw, else ~/.cache/bylaw).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum BaselineAction {
    /// Write every current finding to FILE (overwrites).
    Create(BaselineArgs),
    /// Drop entries that are fixed; keep the rest. New findings are not added.
    Update(BaselineArgs),
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// The baseline file.
    pub file: PathBuf,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args, Debug)]
pub struct SuppressionsArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Every finding with its source snippet (miette); help once per rule.
    Human,
    /// One line per finding: `path:line:col: severity rule-id message`.
    Concise,
    Json,
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    Junit,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// Summarise findings per CODEOWNERS owner.
    Owner,
}

/// What to scan and with which policy; shared by `check`, `baseline` and `suppressions`.
#[derive(Args, Debug, Default)]
pub struct ScanArgs {
    /// Files and directories to scan (default: the current directory). Explicit files are scanned
    /// even when git-ignored, the way pre-commit passes them.
    pub paths: Vec<PathBuf>,
    /// Use this policy file instead of discovering `bylaw.toml` upwards from each path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Scan only files staged in the git index, reading their staged content.
    #[arg(long, conflicts_with = "since")]
    pub staged: bool,
    /// Scan only files changed since a git ref (committed or not).
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
    /// Ignore inline suppressions and waivers: show everything (audits).
    #[arg(long)]
    pub no_ignores: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this (default 2 MiB): bytes, or with a unit: `2MB`, `512KiB`,
    /// `1.5M` (KB/MB/GB are powers of 1000, KiB/MiB/GiB and K/M/G powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Only these rules, packs (`k8s`) or tags (`cwe:798`); comma-separated or repeated;
    /// replaces the policy's `select`.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also skip these rules, packs or tags; comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Run repository-level rules even when the scan is not a whole repository.
    #[arg(long)]
    pub repo_rules: bool,
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Cache directory (default: $BYLAW_CACHE_DIR, else $XDG_CACHE_HOME/bylaw, else ~/.cache/bylaw).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Look for the policy only inside the scanned directory, not above it (`bylaw audit`:
    /// each repository is governed by its own `bylaw.toml` or none).
    #[arg(skip)]
    pub own_policy_only: bool,
    /// Report paths relative to this directory instead of the current one (`bylaw audit`: each
    /// repository's paths from its own root).
    #[arg(skip)]
    pub base: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output format (for standard output and for `-o FILE` without a format).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Where to write: `FILE` (in --format, or by extension: .sarif, .json, .xml), `FORMAT=FILE`, or
    /// `FORMAT` (standard output). Repeatable:
    /// `-o sarif=results.sarif -o human`.
    #[arg(short = 'o', long = "output", value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,
    /// Lowest severity that fails the run (default: the policy's `fail-on`, else low).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Always exit 0 when the scan ran (findings are still reported).
    #[arg(long)]
    pub exit_zero: bool,
    /// Fail only on findings not in this baseline file; marks SARIF baselineState.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Summarise findings per owner from CODEOWNERS.
    #[arg(long, value_enum)]
    pub group_by: Option<GroupBy>,
    /// Also list skipped files.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print findings in contexts that do not fail the run (tests, examples, docs) in full, not
    /// as one line each.
    #[arg(long)]
    pub show_all: bool,
    /// Never use colour (same as `--color never`).
    #[arg(long)]
    pub no_color: bool,
    /// Apply the safe fixes of the findings that count (not suppressed, not baselined, in a
    /// failing context), scan again and repeat; then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "staged"])]
    pub fix: bool,
    /// Print the fixes `--fix` would apply as a unified diff, without writing; exits 1 when
    /// there is one.
    #[arg(long, conflicts_with = "staged")]
    pub diff: bool,
    /// When to colour the terminal output.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show only findings at or above this severity (`--fail-on` still decides the exit code).
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<String>,
    /// Print only the findings that fail the run and per-file errors: no summary, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    /// Instead of the findings, print how many there are per rule and per context.
    #[arg(long)]
    pub statistics: bool,
    #[command(flatten)]
    pub provenance: ProvenanceArgs,
}

/// What the JSON report's `scan` object says beyond what git knows.
#[derive(Args, Debug, Default, Clone)]
pub struct ProvenanceArgs {
    /// Repository name in the JSON report's `scan` (default: the `origin` remote as
    /// `host/path`, else the directory name).
    #[arg(long, value_name = "NAME")]
    pub repository: Option<String>,
    /// Add the scan's UTC time to the JSON report's `scan` (reports are otherwise the same
    /// bytes for the same input).
    #[arg(long)]
    pub timestamp: bool,
}

/// `--max-file-size`: plain bytes, or a number with a unit (`2MB`, `512KiB`, `1.5M`).
pub fn parse_size(raw: &str) -> Result<u64, String> {
    let s = raw.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{raw}`: unknown unit `{}` (use bytes, KB, MB, GB, KiB, MiB or GiB)",
                unit.trim()
            ));
        }
    };
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{raw}` is not a size (e.g. 2097152, 2MB, 512KiB)"))?;
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{raw}` is out of range"));
    }
    // Whole bytes: `1.5K` is 1536.
    Ok(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_units() {
        assert_eq!(parse_size("100000"), Ok(100_000));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert_eq!(parse_size("2 mb"), Ok(2_000_000));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("3B"), Ok(3));
        assert!(parse_size("2XB").unwrap_err().contains("unknown unit"));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("1.2.3MB").is_err());
    }
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Which rule packs a command sees besides the built-in ones: those `bylaw check` would load
/// from the current directory.
#[derive(Args, Debug, Default)]
pub struct PackArgs {
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
    /// Take the policy's `packs` from this file instead of the nearest `bylaw.toml` upwards from
    /// the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
