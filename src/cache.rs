//! Result cache: an unchanged file is not re-evaluated when the rules, the policy and bylaw itself
//! are unchanged. Keyed per file by a blake3 hash of (path, content); the whole cache is keyed by
//! a hash of every rule file, the policy and the version, and lives in one JSON file per scan base
//! under the cache directory (`--cache-dir`, `$BYLAW_CACHE_DIR`, `$XDG_CACHE_HOME/bylaw` or
//! `~/.cache/bylaw`). `--no-cache` turns it off. Nothing is written anywhere else.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::{Confidence, Finding};
use crate::report::FileError;

pub fn dir(flag: Option<&Path>) -> PathBuf {
    if let Some(d) = flag {
        return d.to_path_buf();
    }
    if let Some(d) = std::env::var_os("BYLAW_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("bylaw");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".cache").join("bylaw"),
        None => std::env::temp_dir().join("bylaw-cache"),
    }
}

/// A byte range as stored in the cache.
pub type Range = Option<(usize, usize)>;
/// A per-file error as stored: kind, message, line and column.
pub type CachedError = (String, String, Range);

/// What one file produced, as cached.
#[derive(Serialize, Deserialize, Clone)]
pub struct Entry {
    pub hash: String,
    pub findings: Vec<CachedFinding>,
    pub errors: Vec<CachedError>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct CachedFinding {
    pub rule_id: String,
    pub message: String,
    pub span: Option<(usize, usize)>,
    pub label: Option<String>,
    /// The finding's fingerprint (its key is not kept after fingerprinting).
    pub key: String,
    pub redact: Option<(usize, usize)>,
    pub related: Vec<(String, Range, String)>,
    /// The finding's own confidence (a rule may lower it per finding, as for a token whose
    /// checksum does not hold); absent from older cache files.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub fix: Option<crate::fix::Fix>,
}

impl CachedFinding {
    pub fn from_finding(f: &Finding) -> Self {
        CachedFinding {
            rule_id: f.rule_id.clone(),
            message: f.message.clone(),
            span: f.span.map(|s| (s.start, s.end)),
            label: f.label.clone(),
            key: f.fingerprint.clone(),
            redact: f.redact.map(|s| (s.start, s.end)),
            related: f
                .related
                .iter()
                .map(|r| {
                    (
                        r.path.clone(),
                        r.span.map(|s| (s.start, s.end)),
                        r.message.clone(),
                    )
                })
                .collect(),
            confidence: Some(f.confidence),
            verified: f.verified,
            fix: f.fix.as_deref().cloned(),
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
pub struct CacheFile {
    /// The finding's fingerprint (its key is not kept after fingerprinting).
    pub key: String,
    pub files: HashMap<String, Entry>,
}

/// One cache file per scan base and cache key, so groups with different policies in one run (a
/// monorepo with nested bylaw.toml files) do not overwrite each other.
pub fn file_for(dir: &Path, base: &Path, key: &str) -> PathBuf {
    let b = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let h = blake3::hash(b.to_string_lossy().as_bytes()).to_hex();
    let k = blake3::hash(key.as_bytes()).to_hex();
    dir.join(format!("scan-{}-{}.json", &h[..16], &k[..16]))
}

pub fn load(path: &Path, key: &str) -> CacheFile {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
        .filter(|c| c.key == key)
        .unwrap_or_else(|| CacheFile {
            key: key.to_string(),
            files: HashMap::new(),
        })
}

pub fn save(path: &Path, cache: &CacheFile) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Ok(bytes) = serde_json::to_vec(cache) {
        // Write then rename, so a concurrent run never reads half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}

pub fn content_hash(rel: &str, bytes: &[u8]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(rel.as_bytes());
    h.update(&[0]);
    h.update(bytes);
    h.finalize().to_hex()[..32].to_string()
}

pub fn error_tuple(e: &FileError) -> CachedError {
    (
        e.kind.to_string(),
        e.message.clone(),
        e.location.map(|l| (l.line, l.col)),
    )
}
