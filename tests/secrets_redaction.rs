//! Secrets must never be printed in full, in any output format. Plants realistic (synthetic)
//! secrets in a temporary tree, runs the `bylaw` binary once per output format the CLI offers, and
//! checks that neither standard output nor standard error contains any planted value, nor any
//! 10-character piece of one, while the findings themselves are reported.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Deterministic pseudo-random strings, built at run time so the test source holds no secret.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize])
            .collect()
    }
}

const UPPER: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ234567";
const ALNUM: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
const B64: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789+/";

struct Planted {
    /// (rule id, secret value) pairs.
    secrets: Vec<(&'static str, String)>,
}

fn plant(dir: &Path) -> Planted {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let akid = format!("AKIA{}", g.pick(UPPER, 16));
    let aws_secret = g.pick(B64, 40);
    let ghp = format!("{}_{}", "ghp", g.pick(ALNUM, 36));
    let slack = format!(
        "{}-{}-{}-{}",
        "xoxb",
        g.pick("0123456789", 12),
        g.pick("0123456789", 13),
        g.pick(ALNUM, 24)
    );
    let stripe = format!("{}_{}", "sk_live", g.pick(ALNUM, 32));
    let db_pass = g.pick(ALNUM, 18);
    let generic = g.pick(ALNUM, 22);
    let jwt = format!(
        "eyJ{}.eyJ{}.{}",
        g.pick(ALNUM, 30),
        g.pick(ALNUM, 40),
        g.pick(ALNUM, 43)
    );
    let key_lines: Vec<String> = (0..6).map(|_| g.pick(B64, 64)).collect();

    let write = |rel: &str, text: String| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        ".env",
        format!(
            "AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nDATABASE_URL=postgres://app:{db_pass}@db.internal:5432/app\n"
        ),
    );
    write(
        "deploy/ci.yaml",
        format!("env:\n  GH_TOKEN: \"{ghp}\"\n  SLACK_TOKEN: {slack}\n  api_key: \"{generic}\"\n"),
    );
    write(
        "src/billing.py",
        format!("import stripe\n\nstripe.api_key = \"{stripe}\"\nAUTH = \"Bearer {jwt}\"\n"),
    );
    write(
        "keys/server.key",
        format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
            key_lines.join("\n")
        ),
    );
    let mut secrets = vec![
        ("secrets/aws-access-key-id", akid),
        ("secrets/aws-secret-access-key", aws_secret),
        ("secrets/github-pat", ghp),
        ("secrets/slack-token", slack),
        ("secrets/stripe-secret-key", stripe),
        ("secrets/url-credentials", db_pass),
        ("secrets/generic-secret-assignment", generic),
        ("secrets/jwt", jwt),
    ];
    for l in key_lines {
        secrets.push(("secrets/private-key", l));
    }
    Planted { secrets }
}

fn bylaw(dir: &Path, cache: &Path) -> Command {
    let mut c = Command::cargo_bin("bylaw").unwrap();
    c.current_dir(dir)
        .env("BYLAW_CACHE_DIR", cache)
        .env("NO_COLOR", "1");
    c
}

/// Every `--format` value `bylaw check --help` lists (so new formats are covered automatically).
fn formats(dir: &Path, cache: &Path) -> Vec<String> {
    let out = bylaw(dir, cache)
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    let mut found = Vec::new();
    if let Some(start) = help.find("--format") {
        let section = &help[start..];
        if let Some(pv) = section.find("Possible values:") {
            for line in section[pv..].lines().skip(1) {
                let t = line.trim();
                let Some(item) = t.strip_prefix("- ") else {
                    break;
                };
                let name = item.split([':', ' ']).next().unwrap_or("").trim();
                if !name.is_empty() {
                    found.push(name.to_string());
                }
            }
        } else if let Some(pv) = section.find("[possible values: ") {
            let rest = &section[pv + "[possible values: ".len()..];
            let end = rest.find(']').unwrap_or(rest.len());
            found.extend(rest[..end].split(", ").map(|s| s.trim().to_string()));
        }
    }
    for must in ["human", "json", "sarif"] {
        assert!(
            found.iter().any(|f| f == must),
            "format `{must}` not offered by `bylaw check --help`: {found:?}"
        );
    }
    found
}

/// No planted value, and no 10-character window of one, in `output`.
fn assert_no_leak(format: &str, stream: &str, output: &str, planted: &Planted) {
    for (rule, secret) in &planted.secrets {
        assert!(
            !output.contains(secret.as_str()),
            "{format} {stream}: full secret of {rule} printed"
        );
        let chars: Vec<char> = secret.chars().collect();
        for w in chars.windows(10) {
            let piece: String = w.iter().collect();
            assert!(
                !output.contains(&piece),
                "{format} {stream}: a 10-character piece of the {rule} secret was printed ({}…)",
                &piece[..2]
            );
        }
    }
}

#[test]
fn no_output_format_prints_a_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    let planted = plant(&dir);
    let help = bylaw(&dir, &cache)
        .args(["check", "--help"])
        .output()
        .unwrap();
    let no_cache = String::from_utf8_lossy(&help.stdout).contains("--no-cache");

    for format in formats(&dir, &cache) {
        let mut cmd = bylaw(&dir, &cache);
        cmd.args(["check", "--format", &format, "--select", "secrets"]);
        if no_cache {
            cmd.arg("--no-cache");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.code() != Some(2),
            "{format}: bylaw failed: {stderr}"
        );
        assert!(!stdout.trim().is_empty(), "{format}: empty output");
        assert_no_leak(&format, "stdout", &stdout, &planted);
        assert_no_leak(&format, "stderr", &stderr, &planted);

        // Verbose human output (snippets with context) too.
        if format == "human" {
            let mut cmd = bylaw(&dir, &cache);
            cmd.args(["check", "--format", "human", "-v", "--select", "secrets"]);
            if no_cache {
                cmd.arg("--no-cache");
            }
            let out = cmd.output().unwrap();
            assert_no_leak(
                "human -v",
                "stdout",
                &String::from_utf8_lossy(&out.stdout),
                &planted,
            );
            assert_no_leak(
                "human -v",
                "stderr",
                &String::from_utf8_lossy(&out.stderr),
                &planted,
            );
        }
    }

    // The same run with a cache (second run served from it) must not leak either.
    for _ in 0..2 {
        let out = bylaw(&dir, &cache)
            .args(["check", "--format", "json", "--select", "secrets"])
            .output()
            .unwrap();
        assert_no_leak(
            "json (cached)",
            "stdout",
            &String::from_utf8_lossy(&out.stdout),
            &planted,
        );
    }
}

#[test]
fn planted_secrets_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    let planted = plant(&dir);
    let out = bylaw(&dir, &cache)
        .args(["check", "--format", "json", "--select", "secrets"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let rules: Vec<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    for (rule, _) in &planted.secrets {
        assert!(rules.contains(rule), "{rule} not reported; got {rules:?}");
    }
    // Messages show a prefix and the length only.
    for f in &findings {
        let msg = f["message"].as_str().unwrap_or("");
        assert!(!msg.is_empty());
    }
    assert_eq!(out.status.code(), Some(1), "secrets must fail the run");
}
