//! S3 buckets and their companion resources (`aws_s3_bucket_public_access_block`,
//! `aws_s3_bucket_server_side_encryption_configuration`, `aws_s3_bucket_versioning`).
//!
//! Scan-level: a Terraform module is a directory, so a bucket in `main.tf` and its companion in
//! `s3.tf` belong together, while two directories are two modules. A companion belongs to a bucket
//! when its `bucket` (or `for_each`) mentions `aws_s3_bucket.<name>` — `.id`, `.bucket`, `[0].id`,
//! `each.value.id` over `for_each = aws_s3_bucket.<name>` — or repeats the bucket's literal name.
//! The legacy inline blocks (`versioning {}`, `server_side_encryption_configuration {}`) count too.
//! An encryption configuration (companion or inline) whose `rule` sets no
//! `apply_server_side_encryption_by_default.sse_algorithm` is not encryption: it is reported where
//! it is written, once, instead of the bucket.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{blocks, is_expression, items, report, text};
use crate::document::{ConfigDoc, Document, DocumentKind};
use crate::rule::builtin::Check;
use crate::rule::{RuleContext, ScanContext};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    PublicAccessBlock,
    Encryption,
    Versioning,
}

impl Which {
    fn companion(self) -> &'static str {
        match self {
            Which::PublicAccessBlock => "aws_s3_bucket_public_access_block",
            Which::Encryption => "aws_s3_bucket_server_side_encryption_configuration",
            Which::Versioning => "aws_s3_bucket_versioning",
        }
    }
}

pub struct Companion(pub Which);

static BUCKET_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\baws_s3_bucket\.([A-Za-z_][A-Za-z0-9_-]*)").expect("static regex")
});

/// The directory of a repository-relative path (`""` at the root).
fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

struct Bucket<'a> {
    doc: &'a Document,
    cdoc: &'a ConfigDoc,
    name: &'a str,
    value: &'a Value,
    ptr: String,
}

impl Check for Companion {
    fn scan_kinds(&self) -> &[DocumentKind] {
        &[DocumentKind::Terraform]
    }

    /// Buckets, their companions and the account-wide block: every `aws_s3_*` resource.
    fn scan_pointers(&self) -> Option<&'static [&'static str]> {
        Some(&["/resource/aws_s3_"])
    }

    /// Other files matter only through the `aws_s3_*` resources they declare.
    fn relation_keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["aws_s3_"])
    }

    /// Companions cover the buckets of their own directory (module); an account-wide public
    /// access block covers every bucket, wherever it is declared.
    fn relation_directory_only(&self) -> Option<&'static [&'static str]> {
        Some(&["aws_s3_account_public_access_block"])
    }

    fn is_scan_level(&self) -> bool {
        true
    }

    fn check_scan(&self, scan: &ScanContext, cx: &mut RuleContext) {
        let which = self.0;
        // An account-wide public access block covers every bucket of the scan.
        let mut account_block = false;
        // Per directory: buckets, and the bucket names / literal bucket names companions cover.
        let mut by_dir: BTreeMap<&str, (Vec<Bucket>, HashSet<String>)> = BTreeMap::new();
        for doc in &scan.documents {
            if doc.kind != DocumentKind::Terraform {
                continue;
            }
            let Ok(cdocs) = doc.config() else { continue };
            let entry = by_dir.entry(dir_of(&doc.path)).or_default();
            for cdoc in cdocs {
                for b in blocks(cdoc, "resource", |t| {
                    t == "aws_s3_bucket"
                        || t == which.companion()
                        || t == "aws_s3_account_public_access_block"
                }) {
                    match b.rtype {
                        "aws_s3_bucket" => entry.0.push(Bucket {
                            doc,
                            cdoc,
                            name: b.name,
                            value: b.value,
                            ptr: b.ptr,
                        }),
                        "aws_s3_account_public_access_block" => {
                            account_block |= which == Which::PublicAccessBlock;
                        }
                        _ => {
                            // A plan leaves a bucket name known only after apply null: any
                            // bucket of the module, like an expression.
                            if b.value.get("bucket") == Some(&Value::Null) {
                                entry.1.insert(UNKNOWN.to_string());
                            }
                            for key in ["bucket", "for_each"] {
                                if let Some(s) = text(b.value.get(key)) {
                                    let mut refs = false;
                                    for c in BUCKET_REF.captures_iter(s) {
                                        entry.1.insert(format!("ref:{}", &c[1]));
                                        refs = true;
                                    }
                                    // `var.bucket`, `local.id`, `module.x.id`: it may be any
                                    // bucket of the module, so none of them is "missing" it.
                                    if key == "bucket" && !refs && is_expression(s) {
                                        entry.1.insert(UNKNOWN.to_string());
                                    }
                                    entry.1.insert(format!("lit:{s}"));
                                }
                            }
                            if which == Which::Versioning {
                                disabled_companion(cx, doc, cdoc, &b.ptr, b.value);
                            }
                            if which == Which::Encryption
                                && let Some(at) = no_default_algorithm(b.value, &b.ptr)
                            {
                                report(cx, doc, cdoc, &at, NO_ALGORITHM.to_string());
                            }
                        }
                    }
                }
            }
        }
        if account_block {
            return;
        }
        for (buckets, covered) in by_dir.values() {
            if covered.contains(UNKNOWN) {
                continue;
            }
            for b in buckets {
                let by_ref = covered.contains(&format!("ref:{}", b.name));
                let by_name = text(b.value.get("bucket"))
                    .is_some_and(|n| covered.contains(&format!("lit:{n}")));
                if by_ref || by_name {
                    continue;
                }
                match which {
                    Which::PublicAccessBlock => report(
                        cx,
                        b.doc,
                        b.cdoc,
                        &b.ptr,
                        format!(
                            "S3 bucket '{}' has no aws_s3_bucket_public_access_block",
                            b.name
                        ),
                    ),
                    Which::Encryption => {
                        let inline = items(b.value, &b.ptr, "server_side_encryption_configuration");
                        for (p, conf) in &inline {
                            if let Some(at) = no_default_algorithm(conf, p) {
                                report(cx, b.doc, b.cdoc, &at, NO_ALGORITHM.to_string());
                            }
                        }
                        if inline.is_empty() {
                            report(
                                cx,
                                b.doc,
                                b.cdoc,
                                &b.ptr,
                                format!(
                                    "S3 bucket '{}' has no server-side encryption configuration",
                                    b.name
                                ),
                            );
                        }
                    }
                    Which::Versioning => inline_versioning(cx, b),
                }
            }
        }
    }
}

const NO_ALGORITHM: &str = "S3 encryption configuration sets no default encryption algorithm \
     (apply_server_side_encryption_by_default.sse_algorithm), so it does not encrypt";

/// Where an encryption configuration (`rule` blocks) fails to set a default algorithm: an empty
/// `sse_algorithm`, else the first rule (or the configuration when it has none); `None` when some
/// rule sets one, even through an unknown value.
fn no_default_algorithm(conf: &Value, ptr: &str) -> Option<String> {
    let rules = items(conf, ptr, "rule");
    let mut empty = None;
    for (rp, r) in &rules {
        for (dp, d) in items(r, rp, "apply_server_side_encryption_by_default") {
            match d.get("sse_algorithm") {
                Some(Value::Null) | None => {}
                Some(Value::String(a)) if a.is_empty() => {
                    empty.get_or_insert(format!("{dp}/sse_algorithm"));
                }
                Some(_) => return None,
            }
        }
    }
    empty
        .or_else(|| rules.first().map(|(rp, _)| rp.clone()))
        .or_else(|| Some(ptr.to_string()))
}

/// Marks a directory with a companion whose bucket is not known.
const UNKNOWN: &str = "unknown";

/// Legacy inline `versioning { enabled = … }` on the bucket, or nothing at all.
fn inline_versioning(cx: &mut RuleContext, b: &Bucket) {
    let blocks = items(b.value, &b.ptr, "versioning");
    if blocks.is_empty() {
        report(
            cx,
            b.doc,
            b.cdoc,
            &b.ptr,
            format!("S3 bucket '{}' has no versioning enabled", b.name),
        );
        return;
    }
    for (ptr, v) in blocks {
        match v.get("enabled") {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) | None => {
                let at = if v.get("enabled").is_some() {
                    format!("{ptr}/enabled")
                } else {
                    ptr
                };
                report(
                    cx,
                    b.doc,
                    b.cdoc,
                    &at,
                    format!("S3 bucket '{}' has versioning disabled", b.name),
                );
            }
            // A reference or expression: unknown, not a finding.
            Some(_) => {}
        }
    }
}

/// `aws_s3_bucket_versioning` whose status is literally `Suspended` or `Disabled`.
fn disabled_companion(
    cx: &mut RuleContext,
    doc: &Document,
    cdoc: &ConfigDoc,
    ptr: &str,
    v: &Value,
) {
    for (cptr, conf) in items(v, ptr, "versioning_configuration") {
        if let Some(status) = text(conf.get("status"))
            && matches!(status, "Suspended" | "Disabled")
        {
            report(
                cx,
                doc,
                cdoc,
                &format!("{cptr}/status"),
                format!("S3 bucket versioning is set to '{status}'"),
            );
        }
    }
}
