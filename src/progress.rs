//! A progress line on standard error while a long scan runs: only when standard error is a
//! terminal, not in CI, and only once the scan has taken more than [`DELAY`] (a quick scan prints
//! nothing). Hand-written instead of indicatif: one line of counts needs no dependency.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a scan runs before the line appears.
pub const DELAY: Duration = Duration::from_millis(800);
const TICK: Duration = Duration::from_millis(100);

/// Files found and files checked so far; the engine counts, the line reads.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: AtomicUsize,
    pub done: AtomicUsize,
}

/// Whether to show progress: standard error is a terminal and no CI system is running us (CI
/// logs keep every `\r` frame).
pub fn wanted(stderr_is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    stderr_is_terminal && env("CI").is_none_or(|v| v.is_empty() || v == "false")
}

/// `scanning… 1,204 of 9,600 files`
pub fn line(done: usize, total: usize) -> String {
    format!(
        "scanning… {} of {} files",
        thousands(done),
        thousands(total)
    )
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The thread drawing the line; [`Spinner::stop`] (or dropping it) erases the line.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Spinner {
    pub fn start(
        progress: Arc<Progress>,
        out: Arc<Mutex<dyn Write + Send>>,
        delay: Duration,
    ) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            let mut drawn = false;
            while !flag.load(Ordering::Relaxed) {
                if started.elapsed() >= delay
                    && let Ok(mut w) = out.lock()
                {
                    let text = line(
                        progress.done.load(Ordering::Relaxed),
                        progress.total.load(Ordering::Relaxed),
                    );
                    // `\r` and erase-line: the line is redrawn in place.
                    let _ = write!(w, "\r\x1b[2K{text}");
                    let _ = w.flush();
                    drawn = true;
                }
                std::thread::sleep(TICK);
            }
            if drawn && let Ok(mut w) = out.lock() {
                let _ = write!(w, "\r\x1b[2K");
                let _ = w.flush();
            }
        });
        Spinner {
            stop,
            handle: Some(handle),
        }
    }

    pub fn stop(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_on_a_terminal_outside_ci() {
        let none = |_: &str| None;
        assert!(wanted(true, none));
        assert!(!wanted(false, none));
        assert!(!wanted(true, |k: &str| (k == "CI").then(|| "true".to_string())));
        assert!(wanted(true, |k: &str| (k == "CI").then(|| "false".to_string())));
    }

    #[test]
    fn the_line_counts_files() {
        assert_eq!(line(1204, 9600), "scanning… 1,204 of 9,600 files");
        assert_eq!(line(0, 12), "scanning… 0 of 12 files");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn a_slow_scan_draws_and_erases_the_line_a_quick_one_nothing() {
        let p = Arc::new(Progress::default());
        p.total.store(10, Ordering::Relaxed);
        p.done.store(3, Ordering::Relaxed);
        let buf: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
        let s = Spinner::start(p.clone(), buf.clone(), Duration::ZERO);
        std::thread::sleep(Duration::from_millis(250));
        s.stop();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert!(text.contains("scanning… 3 of 10 files"), "{text:?}");
        assert!(text.ends_with("\r\x1b[2K"), "erased at the end: {text:?}");

        let quiet: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
        Spinner::start(p, quiet.clone(), Duration::from_secs(60)).stop();
        assert!(quiet.lock().unwrap().is_empty());
    }
}
