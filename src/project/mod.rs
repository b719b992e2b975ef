//! The project stage: what the files form, between parsing and the rules. Rules keep judging
//! plain documents; this stage knows the repository around them.
//!
//! - [`context`]: the context of every file (production, test, example, docs, vendor,
//!   generated) and what its findings do to the run.
//! - [`scope`]: which files a scan reports on when it checks only some of them (pre-commit,
//!   `--staged`, `--since`, explicit files), while cross-document rules still see the repository.
//! - [`helm`]: Helm charts rendered natively, with the source of every rendered byte.
//! - [`terraform`]: Terraform modules evaluated with their variables, locals and `.tfvars`;
//!   findings on values that came through them moved to where the value is written.
//! - [`roots`]: the root (its repository) each file's context, fingerprint and CODEOWNERS path
//!   are read from.

pub mod context;
pub mod helm;
pub mod kustomize;
pub mod rendered;
pub mod roots;
pub mod scope;
pub mod terraform;
