//! Releases: the release workflow is clean under bylaw's own rules, and action.yml's install step
//! installs the prebuilt archive the workflow's packaging script makes (checksum verified), fails
//! on a bad checksum, and builds from source only when there is no release. No network: the
//! step's download base is pointed at a local folder (`file://`).

use std::path::{Path, PathBuf};
use std::process::Command;

use bylaw::document::{DocumentKind, yaml};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release target this machine's action run would pick.
fn target() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" => format!("{arch}-unknown-linux-musl"),
        "macos" => format!("{arch}-apple-darwin"),
        "windows" => format!("{arch}-pc-windows-msvc"),
        other => panic!("no release target for {other}"),
    }
}

#[test]
fn release_workflow_builds_every_target_and_is_linted_clean() {
    let path = root().join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&path).expect("release workflow");
    let docs = yaml::parse(&text, DocumentKind::GithubWorkflow).expect("valid YAML");
    let wf = &docs[0].value;
    assert!(wf["on"]["push"]["tags"].is_array(), "runs on version tags");
    let targets: Vec<&str> = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a target matrix")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    for want in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&want), "{want} missing from {targets:?}");
    }
    // Every finding of every rule, whatever its severity, on the workflow and its script.
    let out = Command::new(env!("CARGO_BIN_EXE_bylaw"))
        .current_dir(root())
        .args([
            "check",
            ".github/workflows/release.yml",
            ".github/scripts/package.sh",
            "--no-cache",
            "--format",
            "json",
            "--config",
        ])
        .arg(root().join("bylaw.toml"))
        .output()
        .expect("bylaw runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["summary"]["files_scanned"], 2, "{report}");
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
}

/// The `run` script of action.yml's install step.
fn install_script() -> String {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let docs = yaml::parse(&text, DocumentKind::GithubAction).expect("valid YAML");
    let steps = docs[0].value["runs"]["steps"].as_array().expect("steps");
    let step = steps
        .iter()
        .find(|s| s["name"] == "Install bylaw")
        .expect("an install step");
    assert!(step.get("env").is_none(), "the step reads no action input");
    step["run"].as_str().expect("a run script").to_string()
}

struct Run {
    ok: bool,
    output: String,
    /// What the stand-in `cargo` was asked, if it was called.
    cargo: Option<String>,
    runner_temp: PathBuf,
}

/// Run the install step with its downloads pointed at `releases` and a `cargo` that only
/// records its arguments.
fn install(releases: &Path, scratch: &Path) -> Run {
    let fake_bin = scratch.join("fake-bin");
    std::fs::create_dir_all(&fake_bin).expect("mkdir");
    let marker = scratch.join("cargo-called");
    let cargo = fake_bin.join("cargo");
    std::fs::write(
        &cargo,
        format!("#!/bin/sh\necho \"$@\" > '{}'\n", marker.display()),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let runner_temp = scratch.join("runner");
    std::fs::create_dir_all(&runner_temp).expect("mkdir");
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(install_script())
        .env("PATH", path)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", &runner_temp)
        .env(
            "BYLAW_RELEASE_URL",
            format!("file://{}", releases.display()),
        )
        .output()
        .expect("bash runs");
    Run {
        ok: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        cargo: std::fs::read_to_string(&marker).ok(),
        runner_temp,
    }
}

/// A release folder as the workflow lays it out (`v<version>/<archive>` and its checksum), made
/// once per test run with the workflow's packaging script: compressing the debug binary is the
/// slow part of these tests.
fn local_release() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release-test");
        let _ = std::fs::remove_dir_all(&dir);
        let ok = Command::new("bash")
            .arg(root().join(".github/scripts/package.sh"))
            .args([VERSION, &target(), env!("CARGO_BIN_EXE_bylaw")])
            .arg(dir.join(format!("v{VERSION}")))
            .status()
            .expect("package.sh runs")
            .success();
        assert!(ok, "package.sh failed");
        dir
    })
}

fn archive_name() -> String {
    format!("bylaw-{VERSION}-{}.tar.gz", target())
}

#[test]
fn action_installs_the_prebuilt_release_after_checking_its_checksum() {
    let d = tempfile::tempdir().expect("tempdir");
    let run = install(local_release(), &d.path().join("good"));
    assert!(run.ok, "{}", run.output);
    assert_eq!(run.cargo, None, "built from source: {}", run.output);
    let bin = run.runner_temp.join("bylaw/bin/bylaw");
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .expect("installed");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("bylaw {VERSION}")
    );
}

#[test]
fn a_bad_checksum_fails_the_install() {
    let d = tempfile::tempdir().expect("tempdir");
    // The same archive beside a checksum file that does not match it.
    let good = local_release().join(format!("v{VERSION}"));
    let releases = d.path().join("releases");
    let bad = releases.join(format!("v{VERSION}"));
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::copy(good.join(archive_name()), bad.join(archive_name())).expect("copy");
    let sums = format!("{}.sha256", archive_name());
    let text = std::fs::read_to_string(good.join(&sums)).expect("checksum file");
    assert_eq!(text.len(), 64 + 2 + archive_name().len() + 1, "{text}");
    std::fs::write(
        bad.join(&sums),
        format!("{}{}", "0".repeat(64), &text[64..]),
    )
    .expect("write");
    let run = install(&releases, &d.path().join("bad"));
    assert!(!run.ok, "{}", run.output);
    assert!(run.output.contains("checksum mismatch"), "{}", run.output);
    assert_eq!(
        run.cargo, None,
        "fell back to a source build: {}",
        run.output
    );
    assert!(!run.runner_temp.join("bylaw/bin/bylaw").exists());
}

#[test]
fn without_a_release_the_action_builds_from_source() {
    let d = tempfile::tempdir().expect("tempdir");
    let empty = d.path().join("no-releases");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let run = install(&empty, &d.path().join("none"));
    assert!(run.ok, "{}", run.output);
    let args = run.cargo.expect("cargo install ran");
    assert_eq!(
        args.trim(),
        format!(
            "install --locked --path {} --root {}",
            root().display(),
            run.runner_temp.join("bylaw").display()
        )
    );
}

#[test]
fn binstall_metadata_names_the_release_archives() {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).expect("manifest"))
            .expect("valid TOML");
    let bin = &manifest["package"]["metadata"]["binstall"];
    let fill = |t: &str| {
        t.replace("{ name }", "bylaw")
            .replace("{ version }", VERSION)
            .replace("{ target }", &target())
            .replace("{ bin }", "bylaw")
            .replace("{ binary-ext }", "")
    };
    let url = fill(bin["pkg-url"].as_str().expect("pkg-url"));
    // The same place action.yml downloads from, and the archive package.sh makes.
    let script = install_script();
    let base = script
        .split("BYLAW_RELEASE_URL:-")
        .nth(1)
        .and_then(|r| r.split('}').next())
        .expect("a default download base");
    assert_eq!(url, format!("{base}/v{VERSION}/{}", archive_name()));
    assert!(
        local_release()
            .join(format!("v{VERSION}"))
            .join(archive_name())
            .is_file()
    );
    assert_eq!(bin["pkg-fmt"].as_str(), Some("tgz"));
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(
            local_release()
                .join(format!("v{VERSION}"))
                .join(archive_name()),
        )
        .output()
        .expect("tar runs");
    let inside = fill(bin["bin-dir"].as_str().expect("bin-dir"));
    assert!(
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .any(|l| l == inside),
        "{inside} not in the archive"
    );
}
