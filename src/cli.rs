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
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files and directories to scan.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Lowest severity that fails the run (default: low, so only `info` does not fail).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Always exit 0 when the scan ran (findings are still reported).
    #[arg(long)]
    pub exit_zero: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes (default 2 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Also list skipped files.
    #[arg(short, long)]
    pub verbose: bool,
    /// Only these rules, packs (`k8s`) or tags (`cwe:798`); repeatable.
    #[arg(long, value_name = "SELECTOR")]
    pub select: Vec<String>,
    /// Not these rules, packs or tags; repeatable.
    #[arg(long, value_name = "SELECTOR")]
    pub ignore: Vec<String>,
    /// Run repository-level rules even when the scan is not a whole repository.
    #[arg(long)]
    pub repo_rules: bool,
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
    /// Never use colour.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    /// Extra rule pack directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
}
