//! The context of every file — production, test, example, docs, vendor or generated — and what a
//! finding in each context does to the run (`fail`, `report`, `skip`).
//!
//! Recognition is by path first (directory names and file-name conventions of every language and
//! format bylaw scans) and then by content for what only the content says: files that declare they
//! are generated, minified bundles, and Kubernetes objects dumped from a live cluster. A policy adds
//! its own globs per context (`[contexts.<name>] paths`), can drop the built-in patterns of a
//! context (`builtin = false`) and sets each context's mode. Rules never see the context: the
//! engine and the report decide what counts.
//!
//! Matching is hand-written over path segments rather than a globset of built-in patterns: the
//! conventions are "a directory named X anywhere" and "a file name ending in Y", which a segment
//! loop says directly and runs in well under a microsecond per path.

use globset::GlobSet;
use serde::Serialize;

use crate::document::DocumentKind;

/// What a file is in its project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Context {
    #[default]
    Production,
    Test,
    Example,
    Docs,
    Vendor,
    Generated,
}

impl Context {
    pub const ALL: [Context; 6] = [
        Context::Production,
        Context::Test,
        Context::Example,
        Context::Docs,
        Context::Vendor,
        Context::Generated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Production => "production",
            Context::Test => "test",
            Context::Example => "example",
            Context::Docs => "docs",
            Context::Vendor => "vendor",
            Context::Generated => "generated",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// What a finding in this context does when the policy does not say.
    pub fn default_mode(self) -> Mode {
        match self {
            Context::Production => Mode::Fail,
            Context::Test | Context::Example | Context::Docs => Mode::Report,
            Context::Vendor | Context::Generated => Mode::Skip,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What findings in a context do to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Counted toward the exit code, like production.
    Fail,
    /// Reported, never failing.
    Report,
    /// Not scanned at all; counted in the summary.
    Skip,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "fail" => Some(Mode::Fail),
            "report" => Some(Mode::Report),
            "skip" => Some(Mode::Skip),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Fail => "fail",
            Mode::Report => "report",
            Mode::Skip => "skip",
        }
    }
}

/// One context's settings from the policy.
#[derive(Debug, Clone)]
pub struct ContextSetting {
    /// Whether the built-in patterns of this context apply.
    pub builtin: bool,
    pub mode: Mode,
    /// The policy's own globs (relative to the policy file's folder).
    pub paths: Option<GlobSet>,
}

/// Every context's settings: how files are recognised and what their findings do.
#[derive(Debug, Clone)]
pub struct Contexts {
    settings: [ContextSetting; 6],
}

impl Default for Contexts {
    fn default() -> Self {
        Contexts {
            settings: Context::ALL.map(|c| ContextSetting {
                builtin: true,
                mode: c.default_mode(),
                paths: None,
            }),
        }
    }
}

/// Order in which a policy's own globs are tried: a path the policy names as production is
/// production whatever else it matches (the escape hatch for, say, an `examples/` folder that is
/// really deployed); otherwise the most specific kind of non-production context wins.
const GLOB_ORDER: [Context; 6] = [
    Context::Production,
    Context::Generated,
    Context::Vendor,
    Context::Test,
    Context::Example,
    Context::Docs,
];

impl Contexts {
    pub fn setting(&self, c: Context) -> &ContextSetting {
        &self.settings[c.index()]
    }

    pub fn setting_mut(&mut self, c: Context) -> &mut ContextSetting {
        &mut self.settings[c.index()]
    }

    pub fn mode(&self, c: Context) -> Mode {
        self.setting(c).mode
    }

    /// The context of a file known only by its path (`scoped`: relative to the policy file's
    /// folder, for the policy's globs; `repo_path`: relative to the file's repository root, for
    /// the built-in conventions). Content (a generated marker, minified lines) may still change
    /// it: see [`Contexts::classify`].
    pub fn by_path(&self, scoped: &str, repo_path: &str) -> Context {
        self.by_policy_glob(scoped)
            .unwrap_or_else(|| self.builtin(repo_path))
    }

    /// The built-in conventions for a path, with the patterns the policy keeps.
    fn builtin(&self, repo_path: &str) -> Context {
        builtin_by_path(repo_path, |c| self.setting(c).builtin).unwrap_or(Context::Production)
    }

    /// Whether a policy glob decided the context of this path (content is then not consulted).
    pub fn by_policy_glob(&self, scoped: &str) -> Option<Context> {
        GLOB_ORDER.into_iter().find(|&c| {
            self.setting(c)
                .paths
                .as_ref()
                .is_some_and(|g| g.is_match(scoped))
        })
    }

    /// The context of a file from its path and content.
    pub fn classify(
        &self,
        scoped: &str,
        repo_path: &str,
        kind: DocumentKind,
        text: &str,
    ) -> Context {
        if let Some(c) = self.by_policy_glob(scoped) {
            return c;
        }
        if self.setting(Context::Generated).builtin && is_generated(repo_path, kind, text) {
            return Context::Generated;
        }
        if self.setting(Context::Vendor).builtin && is_minified(repo_path, kind, text) {
            return Context::Vendor;
        }
        self.builtin(repo_path)
    }
}

/// Directory names that make everything below them a context.
const VENDOR_DIRS: &[&str] = &[
    "vendor",
    "vendors",
    "third_party",
    "third-party",
    "thirdparty",
    "3rdparty",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "site-packages",
    "dist-packages",
    ".venv",
    "venv",
    "_vendor",
];
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "test-data",
    "test_data",
    "testfixtures",
    "test-fixtures",
    "test_fixtures",
    "__tests__",
    "__mocks__",
    "__fixtures__",
    "__snapshots__",
    "e2e",
    "e2e-tests",
    "integration-tests",
    "integration_tests",
    "fixtures",
    "fixture",
    "spec",
    "specs",
    "mocks",
    "testing",
    "testutil",
    "testutils",
    "benches",
    "bench",
    "benchmarks",
    "fuzz",
];
const EXAMPLE_DIRS: &[&str] = &[
    "examples",
    "example",
    "_examples",
    "samples",
    "sample",
    "demo",
    "demos",
    "quickstart",
    "quickstarts",
    "tutorial",
    "tutorials",
];
const DOCS_DIRS: &[&str] = &["docs", "doc", "documentation", "_docs", "man"];

/// Built-in recognition by path (`enabled` says which contexts keep their built-in patterns).
/// Directory segments decide first (the outermost wins: `vendor/x/tests/` is vendor, `tests/
/// fixtures/` is test), then the file name.
fn builtin_by_path(path: &str, enabled: impl Fn(Context) -> bool) -> Option<Context> {
    let lower = path.to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split('/').collect();
    let name = segments.pop().unwrap_or("");
    for seg in &segments {
        let c = if VENDOR_DIRS.contains(seg) {
            Context::Vendor
        } else if TEST_DIRS.contains(seg) {
            Context::Test
        } else if EXAMPLE_DIRS.contains(seg) {
            Context::Example
        } else if DOCS_DIRS.contains(seg) {
            Context::Docs
        } else {
            continue;
        };
        if enabled(c) {
            return Some(c);
        }
    }
    // Helm chart tests (`templates/tests/`) are covered by the directory rule above; the values
    // files chart-testing installs a chart with (`ci/*-values.yaml`) are test inputs too.
    let chart_testing = segments.last() == Some(&"ci")
        && (name.ends_with("values.yaml") || name.ends_with("values.yml"));
    let by_name = if chart_testing {
        Some(Context::Test)
    } else if is_generated_name(name) {
        Some(Context::Generated)
    } else if is_minified_name(name) {
        Some(Context::Vendor)
    } else if is_test_name(name) {
        Some(Context::Test)
    } else if is_example_name(name) {
        Some(Context::Example)
    } else if is_docs_name(name) {
        Some(Context::Docs)
    } else {
        None
    };
    by_name.filter(|c| enabled(*c))
}

fn is_test_name(name: &str) -> bool {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let js = matches!(
        ext,
        "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts"
    );
    (ext == "go" && stem.ends_with("_test"))
        || (ext == "py" && (stem.starts_with("test_") || stem.ends_with("_test")))
        || (ext == "py" && stem == "conftest")
        || (js && (stem.ends_with(".test") || stem.ends_with(".spec") || stem.ends_with("-test")))
        || (ext == "rs" && (stem.ends_with("_test") || stem == "tests"))
        || (ext == "rb" && stem.ends_with("_spec"))
        || (matches!(ext, "sh" | "bash") && (stem.starts_with("test_") || stem.ends_with("_test")))
        || ext == "bats"
        || name.ends_with(".tftest.hcl")
        || name.ends_with(".tftest.json")
}

fn is_example_name(name: &str) -> bool {
    // `.env.example`, `config.example.yaml`, `values.sample.yml`, `terraform.tfvars.example`.
    name.ends_with(".example")
        || name.ends_with(".sample")
        || name.ends_with(".dist")
        || name.contains(".example.")
        || name.contains(".sample.")
        || name.starts_with("example.")
        || name.starts_with("sample.")
}

fn is_docs_name(name: &str) -> bool {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "md" | "mdx" | "markdown" | "rst" | "adoc" | "asciidoc")
}

fn is_minified_name(name: &str) -> bool {
    name.contains(".min.") || name.ends_with(".min") || name.ends_with(".bundle.js")
}

fn is_generated_name(name: &str) -> bool {
    name.ends_with(".pb.go")
        || name.ends_with(".pb.gw.go")
        || name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
        || name.ends_with("_pb2.pyi")
        || name.starts_with("zz_generated")
        || name.ends_with(".generated.go")
        || name.ends_with(".g.dart")
}

/// Lockfiles say they are generated, but what they pin is what gets installed: they are judged
/// as production (the dependency rules read them).
fn is_lockfile(name: &str) -> bool {
    name.ends_with(".lock")
        || name.ends_with("-lock.json")
        || name.ends_with("-lock.yaml")
        || name.ends_with(".sum")
        || (name.starts_with("requirements") && name.ends_with(".txt"))
        || name == "npm-shrinkwrap.json"
}

/// How much of a file's head is searched for a "generated" marker.
const MARKER_WINDOW: usize = 4096;

/// A file that declares it is generated (`Code generated … DO NOT EDIT`, `@generated`,
/// "auto-generated … do not edit" in its first lines), or a Kubernetes object dumped from a live
/// cluster (`status` plus `metadata.uid`, `resourceVersion` or `managedFields`).
pub fn is_generated(path: &str, kind: DocumentKind, text: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if is_lockfile(&name) {
        return false;
    }
    let head = head(text, MARKER_WINDOW);
    if declares_generated(head) {
        return true;
    }
    matches!(
        kind,
        DocumentKind::Kubernetes | DocumentKind::Yaml | DocumentKind::Json
    ) && is_cluster_dump(text)
}

fn head(text: &str, n: usize) -> &str {
    let mut end = text.len().min(n);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// "generated" in any case: most files do not say it, and need no closer look.
static GENERATED_WORD: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["generated"])
            .ok()
    });

fn declares_generated(head: &str) -> bool {
    if GENERATED_WORD.as_ref().is_some_and(|ac| !ac.is_match(head)) {
        return false;
    }
    let lines: Vec<&str> = head.lines().take(40).collect();
    for (i, line) in lines.iter().enumerate() {
        let l = line.to_ascii_lowercase();
        // A marker lives in a comment or a docstring, not in code that handles the word, nor
        // in documentation comments (`///`, `//!`) that describe markers.
        let t = l.trim_start();
        let comment = [
            "//", "#", "/*", "*", "--", "<!--", ";", "\"\"\"", "'''", "{{/*",
        ]
        .iter()
        .any(|p| t.starts_with(p));
        if !comment || t.starts_with("///") || t.starts_with("//!") {
            continue;
        }
        if has_generated_tag(t) {
            return true;
        }
        let generated = t.contains("code generated")
            || t.contains("auto-generated")
            || t.contains("autogenerated")
            || t.contains("automatically generated")
            || t.contains("this file is generated")
            || t.contains("this file was generated")
            || t.contains("generated by");
        if !generated {
            continue;
        }
        let next = lines
            .get(i + 1)
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let no_edit = |s: &str| {
            s.contains("do not edit")
                || s.contains("don't edit")
                || s.contains("do not modify")
                || s.contains("not intended for manual editing")
                || s.contains("manual changes")
                || s.contains("changes to this file")
        };
        if no_edit(t) || no_edit(&next) {
            return true;
        }
    }
    false
}

/// `@generated` as a word of its own (not quoted, not in backticks).
fn has_generated_tag(line: &str) -> bool {
    line.match_indices("@generated").any(|(at, m)| {
        let before = line[..at].chars().next_back();
        let after = line[at + m.len()..].chars().next();
        before.is_none_or(|c| c.is_whitespace() || c == '*' || c == '/' || c == '#')
            && after.is_none_or(|c| c.is_whitespace() || c == '.' || c == ',')
    })
}

/// `kubectl get -o yaml` output: a `status` plus server-set metadata.
fn is_cluster_dump(text: &str) -> bool {
    // Most manifests have no status at all: one search instead of a look at every line.
    if !text.contains("status") {
        return false;
    }
    let key = |t: &str, k: &str| {
        t.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with("\":"))
    };
    let mut status = false;
    let mut server_meta = false;
    for line in text.lines() {
        let t = line.trim_start().trim_start_matches('"');
        if key(t, "status") {
            status = true;
        } else if ["uid", "resourceVersion", "managedFields"]
            .iter()
            .any(|k| key(t, k))
        {
            server_meta = true;
        }
        if status && server_meta {
            return true;
        }
    }
    false
}

/// A minified script or stylesheet: a line longer than any a person writes.
fn is_minified(path: &str, kind: DocumentKind, text: &str) -> bool {
    const LONG_LINE: usize = 2000;
    let css = path.to_ascii_lowercase().ends_with(".css");
    if !css
        && !matches!(
            kind,
            DocumentKind::Javascript | DocumentKind::Typescript | DocumentKind::Tsx
        )
    {
        return false;
    }
    head(text, 64 * 1024).lines().any(|l| l.len() > LONG_LINE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Context::*;

    fn ctx(path: &str, text: &str) -> Context {
        let kind = crate::walk::classify::classify(path, text);
        Contexts::default().classify(path, path, kind, text)
    }

    #[test]
    fn by_path() {
        let cases = [
            ("main.tf", Production),
            ("deploy/app.yaml", Production),
            ("src/lib.rs", Production),
            ("tests/cli.rs", Test),
            ("fixtures/k8s/bad.yaml", Test),
            ("pkg/x/testdata/a.yaml", Test),
            ("web/__tests__/a.js", Test),
            ("e2e/run.sh", Test),
            ("spec/models/user_spec.rb", Test),
            ("benches/scan.rs", Test),
            ("pkg/server_test.go", Test),
            ("app/test_views.py", Test),
            ("app/views_test.py", Test),
            ("app/conftest.py", Test),
            ("web/button.test.ts", Test),
            ("web/button.spec.js", Test),
            ("modules/vpc/main.tftest.hcl", Test),
            ("chart/templates/tests/test-connection.yaml", Test),
            ("charts/web/ci/tls-values.yaml", Test),
            ("examples/basic/main.tf", Example),
            ("samples/pod.yaml", Example),
            ("demo/compose.yml", Example),
            (".env.example", Example),
            ("config.sample.yaml", Example),
            ("docs/deploy.yaml", Docs),
            ("README.md", Docs),
            ("guide/setup.rst", Docs),
            ("vendor/github.com/x/y.go", Vendor),
            ("third_party/lib/a.py", Vendor),
            ("vendor/x/tests/a.go", Vendor),
            ("static/app.min.js", Vendor),
            ("api/v1/zz_generated.deepcopy.go", Generated),
            ("proto/api.pb.go", Generated),
            // Words inside names are not directories.
            ("src/testing_tools.py", Production),
            ("contest/main.go", Production),
            ("latest/deploy.yaml", Production),
        ];
        for (path, want) in cases {
            assert_eq!(ctx(path, ""), want, "{path}");
        }
    }

    #[test]
    fn by_content() {
        assert_eq!(
            ctx(
                "pkg/api/types.go",
                "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n"
            ),
            Generated
        );
        assert_eq!(
            ctx("src/schema.rs", "// @generated by build.rs\nfn a() {}\n"),
            Generated
        );
        assert_eq!(
            ctx(
                "client.py",
                "# This file was auto-generated by the SDK builder.\n# Do not edit.\n"
            ),
            Generated
        );
        // Documentation about markers is not a marker.
        assert_eq!(
            ctx(
                "src/rust.rs",
                "//! - generated files (`@generated`, \"DO NOT EDIT\")\nfn a() {}\n"
            ),
            Production
        );
        // Code that handles the marker is not generated.
        assert_eq!(
            ctx(
                "src/gen.rs",
                "fn mark() -> &'static str { \"// Code generated DO NOT EDIT\" }\n"
            ),
            Production
        );
        // Lockfiles say so, but are what gets installed.
        assert_eq!(
            ctx(
                "Cargo.lock",
                "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n"
            ),
            Production
        );
        let dump = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  uid: 0b1c\n  resourceVersion: \"12\"\nspec: {}\nstatus:\n  phase: Running\n";
        assert_eq!(ctx("cluster/pod.yaml", dump), Generated);
        assert_eq!(
            ctx(
                "deploy/pod.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec: {}\n"
            ),
            Production
        );
        let long = format!("var a={};\n", "1+".repeat(3000));
        assert_eq!(ctx("static/app.js", &long), Vendor);
        assert_eq!(ctx("static/app.js", "var a = 1;\n"), Production);
    }

    #[test]
    fn builtin_off_and_policy_globs() {
        let mut cx = Contexts::default();
        cx.setting_mut(Test).builtin = false;
        assert_eq!(
            cx.classify("tests/a.py", "tests/a.py", DocumentKind::Python, ""),
            Production
        );
        let mut b = globset::GlobSetBuilder::new();
        b.add(globset::Glob::new("examples/prod/**").unwrap());
        cx.setting_mut(Production).paths = Some(b.build().unwrap());
        assert_eq!(
            cx.classify(
                "examples/prod/main.tf",
                "examples/prod/main.tf",
                DocumentKind::Terraform,
                ""
            ),
            Production
        );
        assert_eq!(
            cx.classify(
                "examples/dev/main.tf",
                "examples/dev/main.tf",
                DocumentKind::Terraform,
                ""
            ),
            Example
        );
    }
}
