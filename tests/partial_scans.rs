//! Pre-commit, `--staged`, `--since` and explicit files give the answers a full scan gives for
//! those files: cross-document rules see the whole repository, repository rules do not run,
//! waivers for other paths are not "unused", and paths that cannot be read are errors.

mod common;

use common::{bylaw, git, write};

use std::path::Path;

use serde_json::Value;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.25
";

const PDB: &str = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: web
";

const BUCKET: &str = "resource \"aws_s3_bucket\" \"logs\" {
  bucket = \"acme-logs\"
}
";

const BUCKET_BLOCK: &str = "resource \"aws_s3_bucket_public_access_block\" \"logs\" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
";

fn scan(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = bylaw(dir)
        .args(["check", "--no-cache", "--format", "json"])
        .args(args)
        .output()
        .expect("bylaw ran");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    (v, out.status.code().unwrap_or(-1), stderr)
}

/// `rule path` of every finding, sorted.
fn found(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap_or(""),
                f["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    out
}

/// A repository with a LICENSE, README and CODEOWNERS, a Deployment whose PDB sits in another
/// file, and a bucket whose public access block sits in another file; all committed.
fn repository() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path();
    git(p, &["init", "-q"]);
    write(p, "LICENSE", "MIT\n");
    write(p, "README.md", "# shop\n");
    write(p, ".github/CODEOWNERS", "* @shop\n");

    write(p, "deploy/web.yaml", DEPLOYMENT);
    write(p, "deploy/pdb.yaml", PDB);
    write(p, "infra/bucket.tf", BUCKET);
    write(p, "infra/block.tf", BUCKET_BLOCK);
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "init"]);
    d
}

const RELATED: &[&str] = &[
    "--select",
    "k8s/missing-pdb,terraform/aws-s3-public-access-block-missing,repo/missing-license,repo/missing-readme,repo/missing-codeowners",
];

#[test]
fn staged_files_are_judged_against_the_whole_repository() {
    let d = repository();
    let p = d.path();
    // Full scan: the companions are found, nothing to report.
    let (v, code, stderr) = scan(p, RELATED);
    assert_eq!((found(&v), code), (Vec::<String>::new(), 0), "{stderr}");
    // Stage a change to the Deployment and the bucket only.
    write(
        p,
        "deploy/web.yaml",
        &DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"),
    );
    write(
        p,
        "infra/bucket.tf",
        &BUCKET.replace("acme-logs", "acme-logs-2"),
    );
    git(p, &["add", "deploy/web.yaml", "infra/bucket.tf"]);
    let (v, code, stderr) = scan(p, &[&["--staged"], RELATED].concat());
    assert_eq!(v["summary"]["files_scanned"], 2, "{stderr}");
    // No missing PDB, no missing public access block, no missing LICENSE/CODEOWNERS/README.
    assert_eq!((found(&v), code), (Vec::<String>::new(), 0), "{stderr}");
}

#[test]
fn the_index_decides_for_staged_scans() {
    let d = repository();
    let p = d.path();
    // The PDB is deleted in the index (staged), but still on disk: the commit has no PDB.
    git(p, &["rm", "-q", "--cached", "deploy/pdb.yaml"]);
    write(
        p,
        "deploy/web.yaml",
        &DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"),
    );
    git(p, &["add", "deploy/web.yaml"]);
    let (v, code, _) = scan(p, &[&["--staged"], RELATED].concat());
    // The PDB is still on disk but untracked: the working tree fills in for files the index
    // does not hold, so the Deployment is covered.
    assert_eq!((found(&v), code), (Vec::<String>::new(), 0));

    // An unstaged edit that breaks the PDB's selector does not count: the index has the good one.
    git(p, &["add", "deploy/pdb.yaml"]);
    write(p, "deploy/pdb.yaml", &PDB.replace("app: web", "app: other"));
    let (v, _, _) = scan(p, &[&["--staged"], RELATED].concat());
    assert!(found(&v).is_empty(), "{:?}", found(&v));
    // …and a staged one does, reported on the Deployment being committed.
    git(p, &["add", "deploy/pdb.yaml"]);
    write(
        p,
        "deploy/web.yaml",
        &DEPLOYMENT.replace("nginx:1.25", "nginx:1.28"),
    );
    git(p, &["add", "deploy/web.yaml"]);
    let (v, code, _) = scan(p, &[&["--staged"], RELATED].concat());
    assert_eq!(
        (found(&v), code),
        (vec!["k8s/missing-pdb deploy/web.yaml".to_string()], 1)
    );
}

#[test]
fn explicit_files_and_since_see_the_repository_and_report_only_their_files() {
    let d = repository();
    let p = d.path();
    // As pre-commit passes them: file names.
    let (v, code, stderr) = scan(
        p,
        &[&["deploy/web.yaml", "infra/bucket.tf"], RELATED].concat(),
    );
    assert_eq!((found(&v), code), (Vec::<String>::new(), 0), "{stderr}");
    // A finding in an unchanged file is not reported for a changed one.
    write(
        p,
        "deploy/other.yaml",
        &DEPLOYMENT.replace("app: web", "app: api"),
    );
    let (v, _, _) = scan(p, &[&["deploy/web.yaml"], RELATED].concat());
    assert!(found(&v).is_empty(), "{:?}", found(&v));
    let (v, code, _) = scan(p, &[&["--since", "HEAD"], RELATED].concat());
    assert_eq!(
        (found(&v), code),
        (vec!["k8s/missing-pdb deploy/other.yaml".to_string()], 1)
    );
}

#[test]
fn terraform_relations_come_from_the_module_and_account_wide_settings() {
    let d = repository();
    let p = d.path();
    // A bucket alone in its module is missing its public access block…
    write(p, "modules/data/bucket.tf", BUCKET);
    let (v, code, _) = scan(p, &[&["modules/data/bucket.tf"], RELATED].concat());
    assert_eq!(
        (found(&v), code),
        (
            vec!["terraform/aws-s3-public-access-block-missing modules/data/bucket.tf".to_string()],
            1
        )
    );
    // …unless an account-wide block, declared in any module, covers every bucket.
    write(
        p,
        "global/account.tf",
        "resource \"aws_s3_account_public_access_block\" \"all\" {\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n",
    );
    let (v, code, _) = scan(p, &[&["modules/data/bucket.tf"], RELATED].concat());
    assert_eq!((found(&v), code), (Vec::<String>::new(), 0));
}

#[test]
fn waivers_for_other_paths_are_not_unused_in_partial_scans() {
    let d = repository();
    let p = d.path();
    write(
        p,
        "bylaw.toml",
        "[[waivers]]\nrules = [\"k8s/privileged-container\"]\npaths = [\"legacy/**\"]\nreason = \"old\"\n",
    );
    write(p, "a.py", "print('hi')\n");
    let (v, code, _) = scan(p, &["a.py"]);
    assert!(
        !found(&v)
            .iter()
            .any(|f| f.starts_with("bylaw/unused-suppression")),
        "{:?}",
        found(&v)
    );
    assert_eq!(code, 0);
    // A full scan still reports it.
    let (v, _, _) = scan(p, &["--select", "k8s,bylaw"]);
    assert!(
        found(&v).contains(&"bylaw/unused-suppression bylaw.toml".to_string()),
        "{:?}",
        found(&v)
    );
}

#[test]
fn explicit_paths_that_cannot_be_scanned_are_not_a_silent_pass() {
    let d = repository();
    let p = d.path();
    // A path that does not exist is a usage error.
    let out = bylaw(p)
        .args(["check", "--no-cache", "nope.yaml"])
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    // A directory given through a link is followed.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(p.join("deploy"), p.join("linked")).expect("symlink");
        let (v, code, _) = scan(p, &["--select", "k8s/missing-pdb", "linked"]);
        assert_eq!(v["summary"]["files_scanned"], 2);
        assert_eq!(code, 0);
    }
    // Every file given skipped: said on standard error.
    write(p, "vendor/lib/pod.yaml", DEPLOYMENT);
    let out = bylaw(p)
        .args(["check", "--no-cache", "vendor/lib/pod.yaml"])
        .output()
        .expect("ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing was scanned") && stderr.contains("vendor/lib/pod.yaml"),
        "{stderr}"
    );
}
