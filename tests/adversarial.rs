//! Hostile input: the committed corpus in `fixtures/_adversarial/` (alias bombs, merge-key loops,
//! 10,000-deep nesting, broken encodings, CRLF, NUL bytes, empty files), inputs generated here
//! because git cannot hold them or they are too big to commit (symlink loops, links out of the
//! tree, unreadable paths, a FIFO, a file rewritten during the scan, megabyte lines, thousands of
//! suppressions in one file, a 20,000-line CODEOWNERS over 36,000 findings), and the
//! crashing inputs the fuzzers found (`fixtures/_adversarial/fuzz/<target>-<n>.*`).
//!
//! Every scan runs the real binary under a timeout and must end with exit code 0 or 1 (never a
//! panic, a signal or a hang), a per-file message for the odd file, and the finding planted in an
//! ordinary file of the same tree still reported.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use bylaw::document::{Document, DocumentKind};
use proptest::prelude::*;
use serde_json::Value;

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: planted
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext:
        privileged: true
";

const PLANTED: &str = "planted/pod.yaml";
const PRIVILEGED: &str = "k8s/privileged-container";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/_adversarial")
}

/// The outcome of one scan, already checked for a clean exit.
struct Scan {
    json: Value,
}

impl Scan {
    fn errors_for(&self, path: &str) -> Vec<(String, String)> {
        self.json["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["path"] == path)
            .map(|e| {
                (
                    e["kind"].as_str().unwrap_or_default().to_string(),
                    e["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn skipped_reason(&self, path: &str) -> Option<String> {
        self.json["skipped"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["path"] == path)
            .map(|s| s["reason"].as_str().unwrap_or_default().to_string())
    }

    fn has_finding(&self, path: &str, rule: &str) -> bool {
        self.findings()
            .any(|f| f["path"] == path && f["rule"] == rule)
    }

    fn findings(&self) -> impl Iterator<Item = &Value> {
        self.json["findings"].as_array().into_iter().flatten()
    }

    /// The named file got a per-file message: an error entry or a skipped entry.
    fn assert_reported(&self, path: &str) {
        assert!(
            !self.errors_for(path).is_empty() || self.skipped_reason(path).is_some(),
            "{path}: expected an `errors` or `skipped` entry naming it\n{:#}",
            self.json
        );
    }

    fn assert_planted(&self) {
        assert!(
            self.has_finding(PLANTED, PRIVILEGED),
            "the planted privileged pod must still be reported\n{:#}",
            self.json["findings"]
        );
    }
}

/// Run `bylaw check --no-cache --format json <args>` in `dir`; assert exit 0 or 1 and no panic.
fn scan(dir: &Path, args: &[&str]) -> Scan {
    let out = Command::cargo_bin("bylaw")
        .expect("the bylaw binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["check", "--no-cache", "--format", "json"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("bylaw ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit status {:?} (a crash, a signal or the 60 s timeout)\nstderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "a panic on stderr: {stderr}");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON output: {e}\nstderr: {stderr}"));
    Scan { json }
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

/// A temporary tree holding the planted pod, with a policy that scans vendored and generated
/// files (minified bundles are vendor context, skipped by default): these tests are about what
/// the front ends do with hostile input.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), PLANTED, PRIVILEGED_POD.as_bytes());
    write(
        dir.path(),
        "bylaw.toml",
        b"[contexts.vendor]\nmode = \"report\"\n\n[contexts.generated]\nmode = \"report\"\n",
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read corpus") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Run `f` on a thread with the scan workers' stack size (16 MiB), so that a stack overflow in a
/// front end fails the test the way it would crash a scan, and nothing else does.
fn on_worker_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(16 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("front end panicked");
}

#[test]
fn committed_corpus_scans_cleanly() {
    let dir = tree();
    copy_dir(&corpus(), &dir.path().join("corpus"));
    let s = scan(dir.path(), &[]);
    s.assert_planted();
    // The same pod, in other encodings and line endings, is still analysed.
    for f in [
        "crlf-pod.yaml",
        "utf16le-bom-pod.yaml",
        "utf16be-bom-pod.yaml",
        "utf8-bom-pod.yaml",
    ] {
        assert!(
            s.has_finding(&format!("corpus/{f}"), PRIVILEGED),
            "{f}: the privileged pod must be found"
        );
    }
    for f in [
        "alias-bomb.yaml",
        "merge-key-fanout.yaml",
        "deep-flow-seq.yaml",
        "deep-flow-map.yaml",
        "deep-block-seq.yaml",
        "deep-block-key.yaml",
        "deep-tuple.tf",
        "deep-blocks.tf",
        "deep-parens.rs",
        "deep-unary.rs",
        "deep-brackets.py",
        "deep-parens.py",
        "deep-brackets.js",
        "deep-objects.js",
        "deep-subshell.sh",
        "deep-array.json",
        "deep-object.json",
    ] {
        let errs = s.errors_for(&format!("corpus/{f}"));
        assert!(
            errs.iter().any(|(kind, _)| kind == "parse"),
            "{f}: expected a parse error naming the file, got {errs:?}"
        );
    }
    for f in ["invalid-utf8.yaml", "utf16le-lone-surrogate.yaml"] {
        let errs = s.errors_for(&format!("corpus/{f}"));
        assert!(
            errs.iter().any(|(kind, _)| kind == "decode"),
            "{f}: {errs:?}"
        );
    }
    assert_eq!(
        s.skipped_reason("corpus/nul-bytes.yaml").as_deref(),
        Some("binary file")
    );
    for f in [
        "empty.yaml",
        "empty.tf",
        "empty.py",
        "only-bom.yaml",
        "only-separators.yaml",
    ] {
        let errs = s.errors_for(&format!("corpus/{f}"));
        assert!(
            errs.is_empty(),
            "{f}: an empty file is not an error: {errs:?}"
        );
    }
}

#[test]
fn committed_corpus_through_each_front_end() {
    on_worker_stack(|| {
        for entry in std::fs::read_dir(corpus()).expect("corpus") {
            let path = entry.expect("entry").path();
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for kind in DocumentKind::ALL {
                let doc = Document::new(name.clone(), kind, text.as_str());
                let _ = doc.config();
                let _ = doc.code();
                let _ = doc.with_rust(|f| f.items.len());
                let _ = bylaw::suppress::inline::collect(&doc);
            }
            let _ = bylaw::document::yaml::parse_json(&text);
        }
    });
}

#[test]
fn deep_nesting_is_refused_by_every_front_end() {
    on_worker_stack(|| {
        let n = 10_000;
        let open_close =
            |o: &str, c: &str, mid: &str| format!("{}{mid}{}", o.repeat(n), c.repeat(n));
        let yaml = [
            open_close("[", "]", ""),
            open_close("{a: ", "}", "1"),
            format!("{}1\n", "- ".repeat(n)),
            format!("{}1\n", "? ".repeat(n)),
            format!("{}1\n", "- ? ".repeat(n)),
            // Indentation-only nesting, as deep as fits under the size limit.
            (0..1500)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect(),
        ];
        for text in &yaml {
            assert!(bylaw::document::yaml::parse(text, DocumentKind::Yaml).is_err());
        }
        assert!(bylaw::document::yaml::parse_json(&open_close("{\"a\": ", "}", "1")).is_err());
        assert!(
            bylaw::document::hcl::parse(&format!("x = {}\n", open_close("[", "]", ""))).is_err()
        );
        assert!(bylaw::document::hcl::parse(&open_close("a {\n", "}\n", "")).is_err());
        assert!(
            bylaw::document::rust::parse(&format!("fn f() {{ {}; }}", open_close("(", ")", "1")))
                .is_err()
        );
        use bylaw::document::code::Lang;
        for (lang, text) in [
            (Lang::Python, format!("x = {}\n", open_close("[", "]", ""))),
            (
                Lang::Javascript,
                format!("x = {};\n", open_close("(", ")", "1")),
            ),
            (
                Lang::Bash,
                format!("echo {}\n", open_close("$(", ")", "true")),
            ),
            (
                Lang::Go,
                format!("package p\nvar x = {}\n", open_close("(", ")", "1")),
            ),
        ] {
            assert!(lang.parse(&text).is_err(), "{lang:?}");
        }
        let _ = bylaw::document::dockerfile::parse(&format!(
            "FROM a\nRUN {}\n",
            open_close("$(", ")", "x")
        ));
    });
}

#[test]
fn fuzz_regressions_do_not_crash() {
    let dir = corpus().join("fuzz");
    // A missing or empty folder would replay nothing and pass.
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: the fuzz regressions are missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no fuzz regression", dir.display());
    on_worker_stack(move || {
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some((target, _)) = name.split_once('-') else {
                panic!("{name}: a fuzz regression is named `<target>-<n>.*`");
            };
            let data = std::fs::read(&path).expect("read");
            run_fuzz_target(target, &data);
        }
    });
}

/// The body of each fuzz target in `fuzz/fuzz_targets/`, replayed on one input.
fn run_fuzz_target(target: &str, data: &[u8]) {
    use bylaw::document::code::Lang;
    let text = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
    let pick = |d: &[u8]| d.first().map_or(0, |b| usize::from(*b));
    let rest = |d: &[u8]| text(d.get(1..).unwrap_or_default());
    match target {
        "yaml" => {
            const KINDS: [DocumentKind; 8] = [
                DocumentKind::Kubernetes,
                DocumentKind::GithubWorkflow,
                DocumentKind::GithubAction,
                DocumentKind::GitlabCi,
                DocumentKind::Compose,
                DocumentKind::Yaml,
                DocumentKind::Json,
                DocumentKind::Cloudformation,
            ];
            let kind = KINDS[pick(data) % KINDS.len()];
            let src = rest(data);
            let docs = match kind {
                DocumentKind::Cloudformation => {
                    bylaw::document::cloudformation::parse("template.yaml", &src)
                }
                _ => bylaw::document::yaml::parse(&src, kind),
            };
            for d in docs.into_iter().flatten() {
                for s in d.spans.values().chain(d.key_spans.values()) {
                    assert!(
                        src.get(s.start..s.end).is_some(),
                        "span {s:?} not inside {src:?}"
                    );
                }
            }
        }
        "hcl" => drop(bylaw::document::hcl::parse(&text(data))),
        "dockerfile" => drop(bylaw::document::dockerfile::parse(&text(data))),
        "rust" => drop(bylaw::document::rust::parse(&text(data))),
        "code" => {
            const LANGS: [Lang; 7] = [
                Lang::Python,
                Lang::Javascript,
                Lang::Typescript,
                Lang::Tsx,
                Lang::Go,
                Lang::Rust,
                Lang::Bash,
            ];
            let lang = LANGS[pick(data) % LANGS.len()];
            let src = text(data.get(2..).unwrap_or_default());
            let _ = lang.parse(&src);
            let doc = Document::new("fuzz/input", lang.kind(), src.as_str());
            run_all_rules(&doc);
        }
        "suppress" => {
            let src = rest(data);
            let _ = bylaw::suppress::inline::parse_body(&src);
            let kind = DocumentKind::ALL[pick(data) % DocumentKind::ALL.len()];
            let _ =
                bylaw::suppress::inline::collect(&Document::new("fuzz/input", kind, src.as_str()));
        }
        "rule_file" => {
            if let Ok(raw) = bylaw::decl::parse_rule_file("rules/fuzz/rule.yaml", &text(data)) {
                let _ = bylaw::decl::compile(raw, "rules/fuzz/rule.yaml", None);
            }
        }
        "config" => {
            let src = text(data);
            if toml::from_str::<bylaw::config::raw::RawConfig>(&src).is_ok() {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("bylaw.toml");
                std::fs::write(&path, &src).expect("write");
                if let Ok(layers) = bylaw::config::load::load_layers(&path) {
                    let reg =
                        bylaw::rule::registry::Registry::load(&[]).expect("built-in rules load");
                    let _ = bylaw::config::load::resolve(&layers, &reg, dir.path());
                }
            }
        }
        "engine" => {
            let kind = DocumentKind::ALL[pick(data) % DocumentKind::ALL.len()];
            let src = rest(data);
            run_all_rules(&Document::new("fuzz/input", kind, src.as_str()));
        }
        other => panic!("unknown fuzz target `{other}` in a regression file name"),
    }
}

fn run_all_rules(doc: &Document) {
    let registry = bylaw::rule::registry::Registry::load(&[]).expect("built-in rules load");
    let policy = bylaw::config::Policy::default();
    let engine = bylaw::engine::Engine::new(&registry, &policy);
    let mut errors = Vec::new();
    let _ = engine.check_document(doc, &mut errors);
}

#[test]
fn pathological_sizes() {
    let dir = tree();
    // A 1 MB single-line JSON document (under the size limit: parsed).
    let mut json = String::from("{\"items\": [");
    while json.len() < 1_000_000 {
        json.push_str("{\"name\": \"item\", \"value\": 12345, \"tags\": [\"a\", \"b\"]},");
    }
    json.push_str("{}]}");
    write(dir.path(), "big/one-line.json", json.as_bytes());
    // The same as YAML flow style.
    write(dir.path(), "big/one-line.yaml", json.as_bytes());
    // A minified bundle under the limit (1.5 MB, one line) and one over it (3 MB).
    let chunk = "function a(b,c){return b&&c?b.map(function(d){return d+c}):[]}var x=a([1,2,3],4);";
    let bundle = |size: usize| chunk.repeat(size / chunk.len() + 1);
    write(dir.path(), "big/under.min.js", bundle(1_500_000).as_bytes());
    write(dir.path(), "big/over.min.js", bundle(3_000_000).as_bytes());
    // Regex-hostile text: a keyword prefix of the secret rules at every position, on one line.
    write(
        dir.path(),
        "big/keywords.txt",
        "AKIAAKIAghp_xoxb-".repeat(90_000).as_bytes(),
    );
    // A long line of almost-secrets.
    write(
        dir.path(),
        "big/almost.env",
        "KEY=AKIA0123456789ABCDE".repeat(60_000).as_bytes(),
    );
    let s = scan(dir.path(), &[]);
    s.assert_planted();
    let reason = s.skipped_reason("big/over.min.js").unwrap_or_default();
    assert!(
        reason.contains("limit"),
        "over-limit bundle must be skipped and say why: {reason:?}"
    );
    for f in [
        "big/under.min.js",
        "big/one-line.json",
        "big/one-line.yaml",
        "big/keywords.txt",
    ] {
        assert!(
            s.skipped_reason(f).is_none(),
            "{f} is under the limit and must be scanned"
        );
    }
    // A smaller limit given on the command line skips them too, each with a message.
    let s = scan(dir.path(), &["--max-file-size", "100000"]);
    s.assert_planted();
    for f in ["big/under.min.js", "big/one-line.json", "big/keywords.txt"] {
        s.assert_reported(f);
    }
}

#[cfg(unix)]
#[test]
fn things_git_cannot_hold() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let outside = tempfile::tempdir().expect("temp dir");
    write(outside.path(), "secret/pod.yaml", PRIVILEGED_POD.as_bytes());
    let dir = tree();
    let root = dir.path();
    // Symlink loops: a directory link to its own parent, two links pointing at each other.
    std::fs::create_dir_all(root.join("loops")).expect("mkdir");
    symlink(root.join("loops"), root.join("loops/self")).expect("symlink");
    symlink(root.join("loops/b"), root.join("loops/a")).expect("symlink");
    symlink(root.join("loops/a"), root.join("loops/b")).expect("symlink");
    symlink("../..", root.join("loops/up")).expect("symlink");
    // Links out of the scanned tree, to a directory and to a file.
    symlink(outside.path().join("secret"), root.join("outside-dir")).expect("symlink");
    symlink(
        outside.path().join("secret/pod.yaml"),
        root.join("outside.yaml"),
    )
    .expect("symlink");
    symlink("/nonexistent/bylaw/target", root.join("dangling.yaml")).expect("symlink");
    // Unreadable file and directory.
    write(root, "locked/pod.yaml", PRIVILEGED_POD.as_bytes());
    write(root, "locked-file.yaml", PRIVILEGED_POD.as_bytes());
    std::fs::set_permissions(
        root.join("locked-file.yaml"),
        std::fs::Permissions::from_mode(0o000),
    )
    .expect("chmod");
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    // A FIFO: reading it would block forever.
    let fifo = root.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    let s = scan(root, &[]);
    s.assert_planted();
    assert!(
        !s.findings()
            .any(|f| f["path"].as_str().is_some_and(|p| p.starts_with("outside"))),
        "a symlink out of the scanned tree must not be followed"
    );
    if is_root() {
        // root reads everything: the locked files are simply scanned.
        assert!(s.has_finding("locked-file.yaml", PRIVILEGED));
    } else {
        s.assert_reported("locked-file.yaml");
        s.assert_reported("locked");
    }
    if made {
        // The FIFO named explicitly (as pre-commit would) and through a link is skipped, not read.
        let s = scan(root, &["pipe.yaml", PLANTED]);
        s.assert_planted();
        assert_eq!(
            s.skipped_reason("pipe.yaml").as_deref(),
            Some("not a regular file")
        );
        symlink(&fifo, root.join("pipe-link.yaml")).expect("symlink");
        let s = scan(root, &["pipe-link.yaml", PLANTED]);
        s.assert_planted();
        s.assert_reported("pipe-link.yaml");
    }
    // Loops and dangling links named explicitly.
    let s = scan(root, &["loops/a", "dangling.yaml", PLANTED]);
    s.assert_planted();
    s.assert_reported("loops/a");
    s.assert_reported("dangling.yaml");
    // Restore permissions so the temporary directory can be removed.
    let _ = std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755));
}

#[test]
fn file_rewritten_during_the_scan() {
    let dir = tree();
    let root = dir.path().to_path_buf();
    for i in 0..200 {
        write(
            &root,
            &format!("many/f{i}.yaml"),
            format!("k{i}: v\n").as_bytes(),
        );
    }
    std::fs::create_dir_all(root.join("churn")).expect("mkdir");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let path = root.join("churn/moving.yaml");
        std::thread::spawn(move || {
            let versions: [Vec<u8>; 5] = [
                PRIVILEGED_POD.as_bytes().to_vec(),
                Vec::new(),
                b"a: [unclosed\n\xff\xfe".to_vec(),
                "x: 1\n".repeat(50_000).into_bytes(),
                b"\x00\x01binary".to_vec(),
            ];
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                // Truncate-and-write (not an atomic rename): readers see partial content.
                let _ = std::fs::write(&path, &versions[i % versions.len()]);
                if i.is_multiple_of(7) {
                    let _ = std::fs::remove_file(&path);
                }
                i += 1;
            }
        })
    };
    for _ in 0..5 {
        let s = scan(&root, &[]);
        s.assert_planted();
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer thread");
}

/// Cross-document rules over 20,000 workloads, PodDisruptionBudgets and HPAs (4 files of 5,000
/// each): comparing every workload with every PDB and HPA took minutes; the scan must end within
/// the usual timeout, with the one workload left without a PDB reported and no other.
#[test]
fn many_workloads_pdbs_and_hpas() {
    let dir = tree();
    for f in 0..4 {
        let (mut workloads, mut hpas) = (String::new(), String::new());
        for i in 0..5_000 {
            let n = format!("w{f}-{i}");
            // One replica declared, three through the HPA: needs a PDB, is not single-replica.
            workloads.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {n}}}\n\
                 spec: {{replicas: 1, template: {{metadata: {{labels: {{app: {n}}}}}}}}}\n"
            ));
            if (f, i) != (0, 4_999) {
                workloads.push_str(&format!(
                    "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: {n}}}\n\
                     spec: {{selector: {{matchLabels: {{app: {n}}}}}}}\n"
                ));
            }
            hpas.push_str(&format!(
                "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: {n}}}\n\
                 spec: {{minReplicas: 3, scaleTargetRef: {{kind: Deployment, name: {n}}}}}\n"
            ));
        }
        write(
            dir.path(),
            &format!("k8s/workloads-{f}.yaml"),
            workloads.as_bytes(),
        );
        write(dir.path(), &format!("k8s/hpas-{f}.yaml"), hpas.as_bytes());
    }
    let s = scan(
        dir.path(),
        &[
            "--select",
            "k8s/missing-pdb,k8s/single-replica,k8s/privileged-container",
        ],
    );
    s.assert_planted();
    let cross: Vec<&Value> = s.findings().filter(|f| f["rule"] != PRIVILEGED).collect();
    assert_eq!(cross.len(), 1, "{cross:#?}");
    assert_eq!(cross[0]["rule"], "k8s/missing-pdb");
    assert!(
        cross[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'w0-4999'")),
        "{:#}",
        cross[0]
    );
}

/// YAML with more nodes than the limit is refused before it is parsed (flow collections, which
/// the parser reads ahead whole) or while it is (block ones): eight 1.8 MB files of nested flow
/// sequences took 3 GB at 8 threads.
#[test]
fn too_many_yaml_nodes() {
    let dir = tree();
    let flow = format!("[{}]\n", vec!["[[[],[]],[[],[]]]"; 100_000].join(","));
    for i in 0..8 {
        write(dir.path(), &format!("nodes/flow-{i}.yaml"), flow.as_bytes());
    }
    write(
        dir.path(),
        "nodes/block.yaml",
        "- [1]\n".repeat(150_000).as_bytes(),
    );
    let s = scan(dir.path(), &["--threads", "8"]);
    s.assert_planted();
    for f in (0..8)
        .map(|i| format!("nodes/flow-{i}.yaml"))
        .chain(["nodes/block.yaml".to_string()])
    {
        let errs = s.errors_for(&f);
        assert!(
            errs.iter()
                .any(|(kind, m)| kind == "parse" && m.contains("more than")),
            "{f}: expected the node limit, got {errs:?}"
        );
    }
}

fn yaml_key() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,8}".prop_filter("not a YAML keyword", |k| {
        !matches!(
            k.as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        )
    })
}

fn yaml_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9 ]{0,10}[a-z0-9]",
        "[0-9]{1,6}",
        Just("\"quoted: #1\"".to_string())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For generated block mappings (one level of nesting, either flow or block children), the span
    /// of every pointer starts with its key and the key span is exactly the key.
    #[test]
    fn yaml_spans_start_with_their_key(
        entries in proptest::collection::btree_map(
            yaml_key(),
            prop_oneof![
                yaml_scalar().prop_map(|s| (s, None)),
                proptest::collection::btree_map(yaml_key(), yaml_scalar(), 1..4)
                    .prop_map(|m| (String::new(), Some(m))),
            ],
            1..8,
        ),
        crlf in any::<bool>(),
        indent in 1usize..5,
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for (k, (v, children)) in &entries {
            match children {
                None => text.push_str(&format!("{k}: {v}{nl}")),
                Some(m) => {
                    text.push_str(&format!("{k}:{nl}"));
                    for (ck, cv) in m {
                        text.push_str(&format!("{}{ck}: {cv}{nl}", " ".repeat(indent)));
                    }
                }
            }
        }
        let docs = bylaw::document::yaml::parse(&text, DocumentKind::Yaml)
            .map_err(|e| TestCaseError::fail(format!("{}: {text:?}", e.message)))?;
        prop_assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        let check = |ptr: &str, key: &str| -> Result<(), TestCaseError> {
            let s = doc.span_for(ptr);
            let got = text.get(s.start..s.end).unwrap_or("<not a char boundary>");
            prop_assert!(got.starts_with(key), "{ptr}: span text {got:?} in {text:?}");
            let k = doc.key_span_for(ptr);
            prop_assert_eq!(text.get(k.start..k.end), Some(key));
            Ok(())
        };
        for (k, (_, children)) in &entries {
            check(&format!("/{k}"), k)?;
            for ck in children.iter().flat_map(|m| m.keys()) {
                check(&format!("/{k}/{ck}"), ck)?;
            }
        }
    }
}

/// Findings of `rule` in `path`: (total, suppressed).
fn suppressed_of(s: &Scan, path: &str, rule: &str) -> (usize, usize) {
    let of: Vec<&Value> = s
        .findings()
        .filter(|f| f["path"] == path && f["rule"] == rule)
        .collect();
    let quiet = of.iter().filter(|f| !f["suppression"].is_null()).count();
    (of.len(), quiet)
}

#[test]
fn thousands_of_suppressions_in_one_file() {
    let dir = tree();
    // A 2 MB manifest with 14,000 directives, each covering its container's block.
    let mut pod =
        String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: many\nspec:\n  containers:\n");
    for i in 0..14_000 {
        pod.push_str(&format!(
            "    - name: c{i}\n      image: app:1\n      # bylaw: ignore[k8s/privileged-container] reason=\"gpu\"\n      securityContext:\n        privileged: true\n"
        ));
    }
    write(dir.path(), "many/pod.yaml", pod.as_bytes());
    // 40,000 findings each under its own directive, in one 2.2 MB file (the limit is raised). Large
    // enough to show any per-directive cost, small enough to stay inside the per-file time budget
    // of a debug build on a loaded 2-core machine.
    let py = "# bylaw: ignore[python/eval-exec-non-literal]\neval(a)\n".repeat(40_000);
    write(dir.path(), "many/eval.py", py.as_bytes());
    // 14,000 directives in a row before the one line they all cover.
    let chain = "# bylaw: ignore[k8s/privileged-container] reason=\"x\"\n".repeat(14_000);
    write(
        dir.path(),
        "many/chain.yaml",
        format!("{chain}key: 1\n").as_bytes(),
    );
    // A staircase of 1,400 nested blocks, each under a directive (every block reaches the end).
    let mut stairs = String::new();
    for i in 0..1_400 {
        let pad = " ".repeat(i);
        stairs.push_str(&format!(
            "{pad}# bylaw: ignore[k8s/privileged-container]\n{pad}k{i}:\n"
        ));
    }
    write(dir.path(), "many/stairs.yaml", stairs.as_bytes());
    let s = scan(
        dir.path(),
        &[
            "--select",
            "k8s/privileged-container,python/eval-exec-non-literal",
            "--max-file-size",
            "8000000",
        ],
    );
    s.assert_planted();
    assert_eq!(
        suppressed_of(&s, "many/pod.yaml", PRIVILEGED),
        (14_000, 14_000)
    );
    assert_eq!(
        suppressed_of(&s, "many/eval.py", "python/eval-exec-non-literal"),
        (40_000, 40_000)
    );
    // Nothing there to suppress: every directive is reported unused.
    for (path, n) in [("many/chain.yaml", 14_000), ("many/stairs.yaml", 1_400)] {
        assert_eq!(
            suppressed_of(&s, path, "bylaw/unused-suppression").0,
            n,
            "{path}"
        );
    }
}

#[test]
fn codeowners_of_twenty_thousand_lines() {
    let dir = tree();
    // 36,000 findings in 300 files.
    let mut pod =
        String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n");
    for i in 0..10 {
        pod.push_str(&format!(
            "    - name: c{i}\n      image: app:latest\n      securityContext:\n        privileged: true\n"
        ));
    }
    for j in 0..300 {
        write(
            dir.path(),
            &format!("services/svc{j}/deploy/pod.yaml"),
            pod.as_bytes(),
        );
    }
    // Directories, extensions, paths that need a regex, names at any depth.
    let mut owners = String::from("* @org/all\n");
    for i in 0..5_000 {
        owners.push_str(&format!(
            "/services/svc{i}/ @org/team{i}\n*.ext{i} @org/ext{i}\ndocs/area{i}/*.md @org/docs{i}\nname{i} @org/name{i}\n"
        ));
    }
    owners.push_str("**/planted/*.yaml @org/planted\n");
    write(dir.path(), ".github/CODEOWNERS", owners.as_bytes());
    let s = scan(dir.path(), &[]);
    s.assert_planted();
    let owners_of = |path: &str| -> Vec<Value> {
        let mut all: Vec<Value> = s
            .findings()
            .filter(|f| f["path"] == path)
            .map(|f| f["owners"].clone())
            .collect();
        all.dedup();
        all
    };
    assert_eq!(owners_of(PLANTED), [serde_json::json!(["@org/planted"])]);
    assert_eq!(
        owners_of("services/svc299/deploy/pod.yaml"),
        [serde_json::json!(["@org/team299"])]
    );
    let findings = s
        .findings()
        .filter(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("services/"))
        })
        .count();
    assert!(findings >= 36_000, "{findings} findings");
}
