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
    },
    /// Test the rules in a pack directory against their `tests:` snippets (and fixtures).
    TestRules {
        /// Rule pack directory (as given to `--packs`).
        dir: PathBuf,
        /// Folder of fixture cases: `<pack>/<name>/` or `<name>/` with `bad*`/`good*` files.
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
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
    Human,
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
    /// Skip files larger than this many bytes (default 2 MiB).
    #[arg(long, value_name = "BYTES")]
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
    /// Never use colour.
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
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
}
