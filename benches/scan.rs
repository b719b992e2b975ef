//! `cargo bench`: scan throughput of the engine on an in-memory-generated tree (Kubernetes,
//! Terraform, Dockerfiles, workflows, Python, JavaScript, Go, Rust, shell and text, some with
//! planted problems). Prints files/s for one and for all threads. `benches/corpus.sh` runs the
//! whole binary on `gen_corpus.py` output side by side with ripgrep.

use std::path::Path;
use std::time::Instant;

use bylaw::config::Policy;
use bylaw::engine::{Engine, ScanRequest};
use bylaw::rule::registry::Registry;

const SAMPLES: &[(&str, &str)] = &[
    (
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n          securityContext:\n            privileged: true\n",
    ),
    (
        "main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n",
    ),
    (
        "Dockerfile",
        "FROM ubuntu:latest\nRUN apt-get update && apt-get install -y curl\nRUN curl -sL https://example.com/x.sh | sh\n",
    ),
    (
        ".github/workflows/ci.yml",
        "on: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
    ),
    (
        "app.py",
        "import subprocess\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n",
    ),
    (
        "app.js",
        "const cp = require('child_process');\nfunction f(x) { cp.exec('ls ' + x); }\n",
    ),
    (
        "main.go",
        "package main\n\nimport \"os/exec\"\n\nfunc f(x string) { exec.Command(\"sh\", \"-c\", x).Run() }\n",
    ),
    ("lib.rs", "pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n"),
    (
        "run.sh",
        "#!/bin/sh\ncurl -s https://example.com/install.sh | sh\n",
    ),
    (
        "notes.txt",
        "nothing to see here\nkey = AKIAQX7RZ2M4KD9PLW3N\n",
    ),
];

fn generate(dir: &Path, n: usize) {
    for i in 0..n {
        let (name, text) = SAMPLES[i % SAMPLES.len()];
        let p = dir.join(format!("d{}/{i}", i / 100)).join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn main() {
    let n: usize = std::env::var("BYLAW_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), n);
    let t = Instant::now();
    let registry = Registry::load(&[]).unwrap();
    println!(
        "rule load + compile: {:.1} ms ({} rules)",
        t.elapsed().as_secs_f64() * 1e3,
        registry.rules().len()
    );
    let policy = Policy::default();
    let engine = Engine::new(&registry, &policy);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    for threads in [1, cores] {
        let mut req = ScanRequest::new(vec![dir.path().to_path_buf()], dir.path().to_path_buf());
        req.threads = threads;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let t = Instant::now();
        let report = pool.install(|| engine.scan(&req));
        let secs = t.elapsed().as_secs_f64();
        println!(
            "threads {threads}: {} files in {:.3} s = {:.0} files/s, {} findings",
            report.files_scanned,
            secs,
            report.files_scanned as f64 / secs,
            report.findings.len()
        );
    }
}
