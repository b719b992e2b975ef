//! bylaw: a security-policy and engineering-standards linter.
//!
//! Pipeline, one folder per stage: `walk` (find and classify files) → `document` (parse lazily)
//! → `project` (the context of each file, the repository around a partial scan) → `engine` (run
//! the rules from `rule` and `decl`, loaded by `pack`) → `finding` → `report` (human, JSON,
//! SARIF) → exit code. `config` holds the resolved policy.

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod decl;
pub mod docs;
pub mod document;
pub mod engine;
pub mod error;
pub mod finding;
pub mod fix;
pub mod git;
pub mod init;
pub mod inspect;
pub mod owners;
pub mod pack;
pub mod posture;
pub mod progress;
pub mod project;
pub mod report;
pub mod rule;
pub mod suppress;
pub mod testrules;
pub mod walk;
