//! The posture page in a real browser: Debian's headless Chromium driven over WebDriver by
//! chromedriver (plain HTTP from std::net: no client library). The page must render without
//! console errors, and sorting and filtering the repository table must work. A screenshot is
//! written to `<target>/tmp/posture-screenshot.png`.
//!
//! Without Chromium and chromedriver the test is skipped locally, and fails in CI (`CI=true`),
//! where `.ci/run` installs them.

mod common;
mod synth;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// One HTTP/1.1 exchange with chromedriver; the JSON `value` of its answer.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("chromedriver listens");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // chromedriver may keep the connection open: read the head, then what it announces.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "{method} {path}: connection closed before an answer");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let mut payload = raw[split + 4..].to_vec();
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let done = match length {
            Some(n) => payload.len() >= n,
            None if chunked => payload.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        payload.extend_from_slice(&buf[..n]);
    }
    if chunked {
        payload = dechunk(&payload);
    }
    let v: Value = serde_json::from_slice(&payload).unwrap_or_else(|e| {
        panic!(
            "{method} {path}: {e}: {}",
            String::from_utf8_lossy(&payload)
        )
    });
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if let Some(err) = value.get("error") {
        panic!("{method} {path}: {err}: {}", value["message"]);
    }
    value
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= u32::from(val(*c)) << (18 - 6 * i);
        }
        let keep = chunk.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + keep]);
    }
    out
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(exe: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

impl Drop for Session<'_> {
    /// Close the browser even when an assertion failed (killing chromedriver would leave it
    /// running); best effort, never a panic.
    fn drop(&mut self) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.driver.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
                self.id
            );
            let _ = s.read(&mut [0u8; 1024]);
        }
    }
}

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        call(
            self.driver.port,
            method,
            &format!("/session/{}{path}", self.id),
            body.as_ref(),
        )
    }
    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }
    fn element(&self, css: &str) -> String {
        let e = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        e.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string()
    }
    fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }
    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }
    /// Console messages at level SEVERE (errors) since the last call.
    fn console_errors(&self) -> Vec<String> {
        self.call("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["level"] == "SEVERE")
            .map(|m| m["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

fn open_session<'d>(driver: &'d Driver, chromium: &Path, profile: &Path) -> Session<'d> {
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1800",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }}});
    let v = call(driver.port, "POST", "/session", Some(&caps));
    Session {
        driver,
        id: v["sessionId"].as_str().expect("session id").to_string(),
    }
}

/// The failing counts of the visible rows, top to bottom.
const VISIBLE_FAILING: &str = "return Array.prototype.slice.call(document.querySelectorAll('#repos tbody tr'))\
    .filter(function (r) { return !r.hidden; })\
    .map(function (r) { return Number(r.cells[2].getAttribute('data-v')); });";

#[test]
fn posture_page_renders_sorts_and_filters_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        find(&["chromium", "chromium-browser"]),
        find(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium and chromedriver are missing: .ci/run installs the Debian packages chromium and chromium-driver"
        );
        eprintln!("skipped: no chromium/chromedriver on PATH (install chromium chromium-driver)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let e = synth::generate(&tmp.path().join("reports"), 40, 12, false, 99);
    let page = tmp.path().join("posture.html");
    let out = common::bylaw(tmp.path())
        .args(["report", "reports", "-o"])
        .arg(&page)
        .args(["--today", synth::TODAY])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A page that throws: shows the console check can see an error.
    let broken = tmp.path().join("broken.html");
    std::fs::write(&broken, "<!doctype html><script>null.boom()</script>").unwrap();

    let driver = start_driver(&chromedriver);
    let s = open_session(&driver, &chromium, &tmp.path().join("profile"));
    let url = |p: &Path| format!("file://{}", p.display());

    s.call("POST", "/url", Some(json!({"url": url(&broken)})));
    assert!(!s.console_errors().is_empty(), "a script error is reported");

    s.call("POST", "/url", Some(json!({"url": url(&page)})));
    assert_eq!(s.console_errors(), Vec::<String>::new());
    assert_eq!(
        s.script("return document.getElementById('gate-findings').textContent"),
        json!(e.failing_findings.to_string())
    );
    let all = s.script(VISIBLE_FAILING);
    assert_eq!(all.as_array().unwrap().len(), e.repositories);

    // Sorting: the failing column ascending, then descending.
    s.click("#repos thead th:nth-child(3) button");
    let asc: Vec<u64> = serde_json::from_value(s.script(VISIBLE_FAILING)).unwrap();
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "{asc:?}");
    s.click("#repos thead th:nth-child(3) button");
    let desc: Vec<u64> = serde_json::from_value(s.script(VISIBLE_FAILING)).unwrap();
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "{desc:?}");
    assert_ne!(asc, desc);
    assert_eq!(
        s.script("return document.querySelector('#repos thead th:nth-child(3)').getAttribute('aria-sort')"),
        json!("descending")
    );
    // By name, text order.
    s.click("#repos thead th:nth-child(1) button");
    let names: Vec<String> = serde_json::from_value(s.script(
        "return Array.prototype.slice.call(document.querySelectorAll('#repos tbody tr')).map(function (r) { return r.getAttribute('data-repo'); });",
    ))
    .unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // Filtering: by text, then failing only.
    s.type_into("#repo-filter", "repo-0007");
    assert_eq!(s.script(VISIBLE_FAILING).as_array().unwrap().len(), 1);
    assert_eq!(
        s.script("return document.getElementById('repo-shown').textContent"),
        json!("1")
    );
    s.type_into("#repo-filter", "");
    s.script("var f = document.getElementById('repo-filter'); f.dispatchEvent(new Event('input')); return null;");
    s.click("#failing-only");
    let failing: Vec<u64> = serde_json::from_value(s.script(VISIBLE_FAILING)).unwrap();
    assert_eq!(failing.len(), e.repositories - e.passing);
    assert!(failing.iter().all(|n| *n > 0));
    s.click("#failing-only");
    s.type_into("#repo-filter", "repo-00");
    assert_eq!(s.script(VISIBLE_FAILING).as_array().unwrap().len(), 40);

    // A screenshot for the record, with the table sorted by failing findings.
    s.type_into("#repo-filter", "");
    s.script("var f = document.getElementById('repo-filter'); f.dispatchEvent(new Event('input')); return null;");
    s.click("#repos thead th:nth-child(3) button");
    s.click("#repos thead th:nth-child(3) button");
    assert_eq!(s.console_errors(), Vec::<String>::new());
    let png = base64_decode(s.call("GET", "/screenshot", None).as_str().unwrap());
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("posture-screenshot.png");
    std::fs::write(&shot, png).unwrap();
    eprintln!("screenshot: {}", shot.display());
}
