//! Errors that stop bylaw before or instead of a scan (exit code 2): bad arguments, bad policy,
//! broken rule files. Per-file problems are not errors; they are entries in the report.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("{0}")]
    #[diagnostic(code(bylaw::usage))]
    Usage(String),

    #[error("invalid rule file(s):\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(
        code(bylaw::rules),
        help("fix the named field; `bylaw explain <id>` shows a rule's documented shape")
    )]
    Rules(Vec<crate::decl::RuleLoadError>),

    #[error("{message}")]
    #[diagnostic(code(bylaw::config))]
    Config {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(bylaw::io))]
    Write {
        path: String,
        source: std::io::Error,
    },
}
