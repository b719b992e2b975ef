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
    // Messages show a prefix and the length only (a private key is one finding over its lines).
    for (rule, secret) in planted
        .secrets
        .iter()
        .filter(|(r, _)| *r != "secrets/private-key")
    {
        assert_shown_in_message(&findings, rule, secret);
    }
    assert_eq!(out.status.code(), Some(1), "secrets must fail the run");
}

// ---------------------------------------------------------------------------------------------
// Rules outside the `secrets` pack that report a literal credential.

/// How many leading characters outputs may show of an `n`-character secret.
fn prefix_len(n: usize) -> usize {
    match n {
        16.. => 4,
        6.. => 2,
        _ => 0,
    }
}

/// What a message shows of a secret: `abcd… (20 chars)`.
fn shown(secret: &str) -> String {
    let n = secret.chars().count();
    let p: String = secret.chars().take(prefix_len(n)).collect();
    format!("{p}… ({n} chars)")
}

/// What a snippet or context line shows of a secret: its prefix, then one `*` per byte.
fn masked(secret: &str) -> String {
    let p: String = secret
        .chars()
        .take(prefix_len(secret.chars().count()))
        .collect();
    format!("{p}{}", "*".repeat(secret.len() - p.len()))
}

/// A finding of `rule` whose message shows `secret` as prefix and length, and no character more
/// of it.
fn assert_shown_in_message(findings: &[Value], rule: &str, secret: &str) {
    let msgs: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains(&shown(secret))),
        "{rule}: no message shows `{}`: {msgs:?}",
        shown(secret)
    );
    let one_more: String = secret
        .chars()
        .take(prefix_len(secret.chars().count()) + 1)
        .collect();
    for m in msgs {
        assert!(
            !m.contains(&one_more),
            "{rule}: a message shows more than the prefix: {m}"
        );
    }
}

/// Every file under `dir`, as text.
fn files_text(dir: &Path) -> Vec<(String, String)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().display().to_string(),
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned(),
            )
        })
        .collect()
}

struct Scenario {
    /// `--select` value.
    select: &'static str,
    files: Vec<(&'static str, String)>,
    /// (rule id, literal credential): each reported, shown as prefix and length only.
    secrets: Vec<(&'static str, String)>,
    /// Variable references that must stay readable (in `bylaw inspect`).
    references: Vec<&'static str>,
}

/// Run every output format (standard output and `-o` files, twice so the second run comes from
/// the cache), verbose human output, a baseline and a run against it, and check that no secret of
/// the scenario is printed or stored anywhere, while each is reported as prefix and length.
fn assert_never_printed(s: &Scenario) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let cache = tmp.path().join("cache");
    let outdir = tmp.path().join("out");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&outdir).unwrap();
    for (rel, text) in &s.files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let planted = Planted {
        secrets: s.secrets.clone(),
    };
    let cache_arg = cache.display().to_string();
    let run = |args: &[&str]| {
        let out = bylaw(&dir, &cache)
            .args(args)
            .args(["--select", s.select, "--cache-dir", &cache_arg])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.code() != Some(2),
            "{args:?} failed: {stderr}{stdout}"
        );
        (stdout, stderr)
    };

    let mut json = String::new();
    for format in formats(&dir, &cache) {
        for pass in ["fresh", "cached"] {
            let file = outdir.join(format!("{format}-{pass}.out"));
            let to_file = format!("{format}={}", file.display());
            let (stdout, stderr) = run(&["check", "-o", &to_file, "-o", &format]);
            let what = format!("{format} ({pass})");
            assert!(!stdout.trim().is_empty(), "{what}: empty output");
            assert_no_leak(&what, "stdout", &stdout, &planted);
            assert_no_leak(&what, "stderr", &stderr, &planted);
            let written = std::fs::read_to_string(&file).unwrap();
            assert!(!written.trim().is_empty(), "{what}: empty output file");
            assert_no_leak(&what, "output file", &written, &planted);
            if format == "json" {
                json = stdout;
            }
        }
    }
    let (stdout, stderr) = run(&["check", "-v", "--format", "human"]);
    assert_no_leak("human -v", "stdout", &stdout, &planted);
    assert_no_leak("human -v", "stderr", &stderr, &planted);

    // The cache holds the findings, and no secret.
    let cached = files_text(&cache);
    assert!(!cached.is_empty(), "no cache written");
    for (path, text) in &cached {
        assert_no_leak("cache", path, text, &planted);
    }

    // A baseline, and a run against it (every finding baselined, sources still masked).
    let baseline = outdir.join("baseline.json");
    let b = baseline.display().to_string();
    let (stdout, stderr) = run(&["baseline", "create", &b]);
    assert_no_leak("baseline create", "stdout", &stdout, &planted);
    assert_no_leak("baseline create", "stderr", &stderr, &planted);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("fingerprint"), "empty baseline: {text}");
    assert_no_leak("baseline", "file", &text, &planted);
    for format in ["json", "sarif", "human"] {
        let (stdout, stderr) = run(&["check", "--baseline", &b, "--format", format]);
        assert_no_leak(&format!("{format} --baseline"), "stdout", &stdout, &planted);
        assert_no_leak(&format!("{format} --baseline"), "stderr", &stderr, &planted);
    }

    // Each secret is reported, shown as prefix and length, its snippet masked the same way.
    let v: Value = serde_json::from_str(&json).unwrap();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    for (rule, secret) in &s.secrets {
        assert_shown_in_message(&findings, rule, secret);
        let snippets: Vec<&str> = findings
            .iter()
            .filter(|f| f["rule"] == *rule)
            .filter_map(|f| f["snippet"].as_str())
            .collect();
        assert!(
            snippets.iter().any(|t| t.contains(&masked(secret))),
            "{rule}: no snippet shows `{}`: {snippets:?}",
            masked(secret)
        );
    }
    // `bylaw inspect` prints every value of the file: secrets masked, references as written (the
    // terminal output shows only flagged lines, so it no longer shows them).
    for (rel, _) in &s.files {
        let out = bylaw(&dir, &cache).args(["inspect", rel]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "inspect {rel}: {stderr}");
        assert_no_leak(&format!("inspect {rel}"), "stdout", &stdout, &planted);
        assert_no_leak(&format!("inspect {rel}"), "stderr", &stderr, &planted);
        for r in &s.references {
            let value = r.split_once([':', '=']).map_or(*r, |(_, v)| v).trim();
            assert!(
                stdout.contains(value),
                "reference `{value}` not shown as is:\n{stdout}"
            );
        }
    }
}

#[test]
fn docker_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0001);
    let env = g.pick(ALNUM, 18);
    let quoted = g.pick(ALNUM, 20);
    let legacy = g.pick(ALNUM, 17);
    let suppressed = g.pick(ALNUM, 19);
    let url_pass = g.pick(ALNUM, 16);
    let dockerfile = format!(
        "FROM alpine:3.19\n\
         ENV DB_PASSWORD={env}\n\
         ENV A=1 API_KEY=\"{quoted}\" B=2\n\
         ENV GITHUB_TOKEN {legacy}\n\
         ARG NPM_TOKEN=${{NPM_TOKEN}}\n\
         # bylaw: ignore[docker/secret-in-env-arg] reason=\"rotated\"\n\
         ENV SESSION_SECRET={suppressed}\n\
         RUN sudo apk add curl\n\
         ADD https://deploy:{url_pass}@files.internal/app.tgz /app/\n"
    );
    assert_never_printed(&Scenario {
        select: "docker",
        files: vec![("Dockerfile", dockerfile)],
        secrets: vec![
            ("docker/secret-in-env-arg", env),
            ("docker/secret-in-env-arg", quoted),
            ("docker/secret-in-env-arg", legacy),
            ("docker/secret-in-env-arg", suppressed),
            ("docker/add-remote-url", url_pass),
        ],
        references: vec!["ARG NPM_TOKEN=${NPM_TOKEN}"],
    });
}

#[test]
fn kubernetes_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0002);
    let block = g.pick(ALNUM, 18);
    let flow = g.pick(ALNUM, 24);
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n\
         \x20   - name: app\n      image: app:1\n      env:\n\
         \x20       - name: DB_PASSWORD\n          value: \"{block}\"\n\
         \x20       - name: REF_TOKEN\n          value: $(OTHER_TOKEN)\n\
         \x20       - {{name: API_TOKEN, value: {flow}}}\n"
    );
    assert_never_printed(&Scenario {
        select: "k8s",
        files: vec![("deploy/pod.yaml", manifest)],
        secrets: vec![("k8s/secret-in-env", block), ("k8s/secret-in-env", flow)],
        references: vec!["value: $(OTHER_TOKEN)"],
    });
}

#[test]
fn compose_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0003);
    let map = g.pick(ALNUM, 18);
    let list = g.pick(ALNUM, 21);
    let compose = format!(
        "services:\n  db:\n    image: postgres:latest\n    environment:\n\
         \x20     POSTGRES_PASSWORD: \"{map}\"\n      OTHER_TOKEN: ${{OTHER_TOKEN}}\n\
         \x20 app:\n    image: app:latest\n    environment:\n\
         \x20     - API_SECRET={list}\n"
    );
    assert_never_printed(&Scenario {
        select: "compose",
        files: vec![("compose.yaml", compose)],
        secrets: vec![
            ("compose/secret-in-environment", map),
            ("compose/secret-in-environment", list),
        ],
        references: vec!["OTHER_TOKEN: ${OTHER_TOKEN}"],
    });
}

#[test]
fn github_actions_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0004);
    let ghp = format!("{}_{}", "ghp", g.pick(ALNUM, 36));
    let registry = g.pick(ALNUM, 17);
    let input = g.pick(ALNUM, 22);
    let workflow = format!(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    container:\n\
         \x20     image: ghcr.io/acme/build:1\n      credentials:\n        username: bot\n\
         \x20       password: {registry}\n    env:\n      GH_TOKEN: {ghp}\n\
         \x20     NPM_TOKEN: ${{{{ secrets.NPM_TOKEN }}}}\n    steps:\n\
         \x20     - uses: actions/checkout@v4\n      - uses: acme/deploy@v1\n        with:\n\
         \x20         api-key: \"{input}\"\n"
    );
    assert_never_printed(&Scenario {
        select: "gha",
        files: vec![(".github/workflows/ci.yml", workflow)],
        secrets: vec![
            ("gha/hardcoded-credentials", ghp),
            ("gha/hardcoded-credentials", registry),
            ("gha/hardcoded-credentials", input),
        ],
        references: vec!["NPM_TOKEN: ${{ secrets.NPM_TOKEN }}"],
    });
}

#[test]
fn gitlab_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0005);
    let plain = g.pick(ALNUM, 18);
    let nested = g.pick(ALNUM, 20);
    let pipeline = format!(
        "variables:\n  DEPLOY_TOKEN: \"{plain}\"\n  REF_PASSWORD: $CI_JOB_TOKEN\n\
         build:\n  image: node:latest\n  variables:\n    DB_PASSWORD:\n\
         \x20     value: {nested}\n      description: db\n  script:\n    - npm test\n"
    );
    assert_never_printed(&Scenario {
        select: "gitlab",
        files: vec![(".gitlab-ci.yml", pipeline)],
        secrets: vec![
            ("gitlab/hardcoded-credentials", plain),
            ("gitlab/hardcoded-credentials", nested),
        ],
        references: vec!["REF_PASSWORD: $CI_JOB_TOKEN"],
    });
}

#[test]
fn terraform_provider_secrets_are_never_printed() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0006);
    let akid = format!("AKIA{}", g.pick(UPPER, 16));
    let secret_key = g.pick(ALNUM, 40);
    let token = g.pick(ALNUM, 24);
    let tf = format!(
        "provider \"aws\" {{\n  region     = \"eu-west-1\"\n  access_key = \"{akid}\"\n\
         \x20 secret_key = \"{secret_key}\"\n}}\n\n\
         provider \"github\" {{\n  owner = \"acme\"\n  token = \"{token}\"\n\
         \x20 app_auth {{}}\n}}\n\n\
         provider \"postgresql\" {{\n  host     = \"db\"\n  password = var.db_password\n}}\n"
    );
    assert_never_printed(&Scenario {
        select: "terraform/provider-hardcoded-credentials",
        files: vec![("main.tf", tf)],
        secrets: vec![
            ("terraform/provider-hardcoded-credentials", akid),
            ("terraform/provider-hardcoded-credentials", secret_key),
            ("terraform/provider-hardcoded-credentials", token),
        ],
        references: vec![],
    });
}

#[test]
fn url_passwords_are_never_printed_by_any_rule() {
    let mut g = Gen(0x0DDB_1A5E_5EED_0007);
    let module = g.pick(ALNUM, 16);
    let include = g.pick(ALNUM, 18);
    let tf = format!(
        "module \"vpc\" {{\n  source = \"git::https://deploy:{module}@git.internal/acme/vpc.git?ref=main\"\n}}\n"
    );
    let pipeline = format!(
        "include:\n  - remote: \"https://bot:{include}@gitlab.internal/ci/t.yml\"\nbuild:\n  script: [echo]\n"
    );
    assert_never_printed(&Scenario {
        select: "terraform",
        files: vec![("main.tf", tf)],
        secrets: vec![("terraform/module-source-mutable-ref", module)],
        references: vec![],
    });
    assert_never_printed(&Scenario {
        select: "gitlab",
        files: vec![(".gitlab-ci.yml", pipeline)],
        secrets: vec![("gitlab/unpinned-include", include)],
        references: vec![],
    });
}
