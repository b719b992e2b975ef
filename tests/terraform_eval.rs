//! Terraform evaluated as Terraform does, end to end: a finding on a value that came through a
//! variable or local is reported where the value is written, says so, and keeps the use site;
//! the result cache follows the module's other files; inline suppressions work at the new place.

mod common;

use std::path::Path;

use common::{bylaw, write};
use serde_json::Value;

const VARIABLES: &str = r#"variable "encrypted" {
  type    = bool
  default = true
}
"#;

const MAIN: &str = r#"resource "aws_db_instance" "main" {
  engine            = "postgres"
  storage_encrypted = var.encrypted
}
"#;

fn findings(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = bylaw(dir)
        .args([
            "check",
            ".",
            "--select",
            "terraform/aws-rds-storage-unencrypted",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_tfvars_value_is_reported_at_its_line_with_the_use_site_related() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "variables.tf", VARIABLES);
    write(dir.path(), "main.tf", MAIN);
    write(
        dir.path(),
        "prod.auto.tfvars",
        "region    = \"eu-west-1\"\nencrypted = false\n",
    );
    let f = findings(dir.path(), &["--no-cache"]);
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(f["path"], "prod.auto.tfvars");
    assert_eq!(f["start"]["line"], 2);
    assert_eq!(f["snippet"], "encrypted = false");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("(value set through var.encrypted in prod.auto.tfvars)"),
        "{}",
        f["message"]
    );
    let r = &f["related"][0];
    assert_eq!(r["path"], "main.tf");
    assert_eq!(r["start"]["line"], 3);
    assert_eq!(r["message"], "the value is used here");
}

#[test]
fn the_cache_follows_the_other_files_of_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_arg = cache.path().to_string_lossy().to_string();
    write(dir.path(), "variables.tf", VARIABLES);
    write(dir.path(), "main.tf", MAIN);
    assert!(findings(dir.path(), &["--cache-dir", &cache_arg]).is_empty());
    // Only variables.tf changes: main.tf's cached result must not be reused.
    write(
        dir.path(),
        "variables.tf",
        &VARIABLES.replace("true", "false"),
    );
    let f = findings(dir.path(), &["--cache-dir", &cache_arg]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "variables.tf");
    // A second run (the moved finding is not cached as main.tf's own) says the same.
    assert_eq!(findings(dir.path(), &["--cache-dir", &cache_arg]), f);
}

#[test]
fn a_suppression_at_the_default_silences_the_moved_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "variables.tf",
        &VARIABLES.replace(
            "  default = true",
            "  # bylaw: ignore[terraform/aws-rds-storage-unencrypted] reason=\"dev sandbox\"\n  default = false",
        ),
    );
    write(dir.path(), "main.tf", MAIN);
    let f = findings(dir.path(), &["--no-cache"]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "variables.tf");
    assert!(f[0]["suppression"].is_object(), "{:#?}", f[0]);
}

#[test]
fn var_files_must_stay_in_the_module_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", MAIN);
    write(
        dir.path(),
        "bylaw.toml",
        "[terraform]\nvar-files = [\"../secrets.tfvars\"]\n",
    );
    let out = bylaw(dir.path())
        .args(["check", ".", "--no-cache"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`../secrets.tfvars` leaves"), "{err}");
}

#[test]
fn a_finding_in_a_called_module_names_the_call_and_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "modules/db/variables.tf", VARIABLES);
    write(dir.path(), "modules/db/main.tf", MAIN);
    write(
        dir.path(),
        "live/main.tf",
        "module \"db\" {\n  source    = \"../modules/db\"\n  encrypted = false\n}\n",
    );
    let f = findings(dir.path(), &["--no-cache"]);
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(f["path"], "live/main.tf");
    assert_eq!(f["start"]["line"], 3);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("(value set through argument encrypted of module.db)"),
        "{}",
        f["message"]
    );
    let related: Vec<(String, u64, String)> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            (
                "modules/db/main.tf".to_string(),
                3,
                "the value is used here".to_string()
            ),
            (
                "live/main.tf".to_string(),
                1,
                "module.db calls the module here".to_string()
            ),
        ]
    );
}

#[test]
fn a_value_set_in_an_example_takes_the_example_context() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "variables.tf", VARIABLES);
    write(dir.path(), "main.tf", MAIN);
    write(
        dir.path(),
        "examples/basic/main.tf",
        "module \"db\" {\n  source    = \"../../\"\n  encrypted = false\n}\n",
    );
    let f = findings(dir.path(), &["--no-cache"]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "examples/basic/main.tf");
    assert_eq!(f[0]["context"], "example");
    assert_eq!(f[0]["fails"], false);
}

#[test]
fn a_plan_finding_names_the_resource_address() {
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/terraform/aws-rds-storage-unencrypted/bad-plan/plan.json"),
    )
    .unwrap();
    write(dir.path(), "out/plan.json", &plan);
    let f = findings(dir.path(), &["--no-cache"]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "out/plan.json");
    assert_eq!(f[0]["start"]["line"], 20);
    assert_eq!(
        f[0]["message"],
        "RDS storage_encrypted is not true (resource module.db.aws_db_instance.this[0])"
    );
}
