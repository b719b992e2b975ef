//! `bylaw.toml` as serde reads it (`deny_unknown_fields`, so a typo is an error with its line).
//! Field docs here are the reference for the JSON Schema in `bylaw.schema.json`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConfig {
    /// Policy files this one builds on, in order; later ones override earlier ones, and this file
    /// overrides all of them. Paths are relative to this file.
    #[serde(default)]
    pub extends: Vec<Spanned<String>>,
    /// A version name for this policy (`"2026.12"`), reported in each JSON report's
    /// `scan.policy.version`; the nearest file that sets one wins.
    pub version: Option<String>,
    /// Rules, packs (`k8s`) or tags (`cwe:798`) to run; absent means every rule.
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules, packs or tags never to run.
    pub ignore: Option<Vec<Spanned<String>>>,
    /// Rules, packs or tags that no inline comment, waiver or local override may silence.
    #[serde(default)]
    pub required: Vec<Spanned<String>>,
    /// Lowest severity that fails the run: info, low, medium, high, critical.
    pub fail_on: Option<Spanned<String>>,
    /// Require `reason="…"` on every inline suppression and waiver.
    pub require_reason: Option<bool>,
    /// Extra rule pack directories, relative to this file.
    #[serde(default)]
    pub packs: Vec<Spanned<String>>,
    /// Paths (globs relative to this file) never scanned.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Severity remaps: `"docker/missing-healthcheck" = "info"`.
    #[serde(default)]
    pub severity: BTreeMap<String, Spanned<String>>,
    /// Path-scoped changes: `paths` globs with their own `select`/`ignore`/`severity`.
    #[serde(default)]
    pub overrides: Vec<RawOverride>,
    /// Options per rule: `[rules."gha/unpinned-action"] trusted-owners = ["my-org"]`.
    #[serde(default)]
    pub rules: BTreeMap<String, toml::Value>,
    /// Recorded exceptions with a reason, an owner and an expiry.
    #[serde(default)]
    pub waivers: Vec<Spanned<RawWaiver>>,
    /// File contexts: `[contexts.test] paths = ["qa/**"]`, `builtin = false`, `mode = "fail"`.
    #[serde(default)]
    pub contexts: BTreeMap<Spanned<String>, RawContext>,
    /// Helm charts: `[helm.values] "deploy/app" = ["values-prod.yaml"]`.
    #[serde(default)]
    pub helm: RawHelm,
    /// Terraform evaluation: `[terraform] var-files = ["env/prod.tfvars"]`.
    #[serde(default)]
    pub terraform: RawTerraform,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHelm {
    /// Chart folder (relative to this file) → values files (relative to the chart) merged over
    /// its values.yaml, in order, when the chart is rendered.
    #[serde(default)]
    pub values: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTerraform {
    /// `.tfvars` files, relative to each Terraform module directory, applied (in order) after
    /// `terraform.tfvars` and `*.auto.tfvars`, as `terraform plan -var-file=…` would.
    #[serde(default)]
    pub var_files: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawContext {
    /// Globs (relative to this file) added to the built-in patterns of the context.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// `false` drops the built-in patterns of the context (only `paths` then name its files).
    pub builtin: Option<bool>,
    /// `fail` (counts toward the exit code), `report` (reported, never fails) or `skip` (not
    /// scanned; counted in the summary).
    pub mode: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOverride {
    pub paths: Vec<Spanned<String>>,
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub severity: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawWaiver {
    pub rules: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    pub reason: Option<String>,
    pub owner: Option<String>,
    /// `YYYY-MM-DD` (a TOML date or a string).
    pub until: Option<toml::Value>,
    pub ticket: Option<String>,
}
