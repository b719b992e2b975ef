//! Helpers shared by the end-to-end tests of the newer test files: the binary, files, git.

#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;

use assert_cmd::Command;

pub const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext:
        privileged: true
";

/// The bylaw binary, run in `dir` without colour.
pub fn bylaw(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("bylaw").expect("binary built");
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// Run git in `dir` with a throwaway identity; the command must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args([
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// `bylaw check . --no-cache --format json` in `dir`, then `extra`: the JSON report.
pub fn check_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = bylaw(dir)
        .args(["check", ".", "--no-cache", "--format", "json"])
        .args(extra)
        .output()
        .expect("bylaw runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
