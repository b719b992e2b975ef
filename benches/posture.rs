//! `cargo bench --bench posture`: `bylaw report`'s roll-up of 2,000 repository reports with 500
//! findings each (written first by bylaw's own JSON reporter, `tests/synth`). Prints reports/s,
//! MB/s and the process's peak memory before and after the roll-up (Linux `VmHWM`).
//! `BYLAW_POSTURE_BENCH_DIR=DIR` keeps the reports in DIR (to time the release binary on them).

#[path = "../tests/synth/mod.rs"]
mod synth;

use std::time::Instant;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let repos: usize = std::env::var("BYLAW_POSTURE_REPOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let per_repo = 500;
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let dir = std::env::var_os("BYLAW_POSTURE_BENCH_DIR")
        .map_or_else(|| tmp.path().join("reports"), std::path::PathBuf::from);
    let t = Instant::now();
    let expected = synth::generate(&dir, repos, per_repo, true, 2000);
    let files = bylaw::posture::input_files(std::slice::from_ref(&dir)).expect("reports");
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    println!(
        "generated {repos} reports ({} findings, {:.0} MB) in {:.1}s; peak RSS so far {:.0} MiB",
        repos * per_repo,
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    let registry = bylaw::rule::registry::Registry::load(&[]).expect("rules");
    let opts = bylaw::posture::Options {
        today: synth::TODAY.into(),
        expiring_days: 30,
    };
    for threads in [1, 0] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let t = Instant::now();
        let p = pool.install(|| bylaw::posture::aggregate(&files, &opts, &registry));
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(p.gate.failing_findings, expected.failing_findings);
        let html = bylaw::posture::html::render(&p, &registry, "bench");
        println!(
            "roll-up on {} thread(s): {:.2}s, {:.0} reports/s, {:.0} MB/s, page {:.1} MB; peak RSS {:.0} MiB",
            pool.current_num_threads(),
            secs,
            files.len() as f64 / secs,
            bytes as f64 / 1e6 / secs,
            html.len() as f64 / 1e6,
            peak_rss_mib().unwrap_or(f64::NAN)
        );
    }
}
