//! Built-in `cloudformation` rules: AWS controls over CloudFormation templates (SAM and CDK
//! output included), read from the resolved value model of [`crate::document::cloudformation`].
//!
//! Most controls are one property of one resource type: [`Prop`] rows say which property, what
//! value is bad, and whether leaving it out is (CloudFormation's default); a finding points at the
//! property's line, or at the resource's `Type` line when the property is missing. Security
//! groups, IAM policies, bucket policies and Lambda environments need more ([`net`], [`policy`],
//! [`lambda`]). Each rule with a Terraform twin names it in its rule file (`control:`) and judges
//! with the predicates of [`crate::rule::builtin::aws::controls`]: see there how the two share.
//!
//! An unresolved intrinsic (`{Ref: …}`, `{Fn::…}` the template does not decide) is unknown:
//! never bad, never missing.

mod lambda;
mod net;
mod policy;

use serde_json::Value;

use super::Factory;
use super::aws::controls::{int, text};
use crate::document::cloudformation::{as_bool, is_unknown, origin};
use crate::document::{ConfigDoc, Document, pointer_escape};
use crate::finding::Related;
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::aws::controls::{ADMIN_PORTS, DATABASE_PORTS, Grant};
use crate::rule::builtin::terraform::report;

/// Report at `ptr`; a value resolved from a parameter default or a mapping also cites that line,
/// where the value is changed.
pub(crate) fn cite(cx: &mut RuleContext, doc: &Document, cdoc: &ConfigDoc, ptr: &str, msg: String) {
    report(cx, doc, cdoc, ptr, msg);
    add_origin(cx, doc, cdoc, ptr);
}

/// The related location of [`cite`], on the finding just reported.
pub(crate) fn add_origin(cx: &mut RuleContext, doc: &Document, cdoc: &ConfigDoc, ptr: &str) {
    if let Some(span) = origin(cdoc, ptr)
        && let Some(f) = cx.findings.last_mut()
    {
        f.related.push(Related {
            path: doc.path.clone(),
            span: Some(span),
            start: None,
            message: "the value is set here".to_string(),
        });
    }
}

/// One resource of a template.
pub(crate) struct Resource<'a> {
    pub id: &'a str,
    pub rtype: &'a str,
    /// `Properties`, or `Null` when the resource has none.
    pub props: &'a Value,
    /// JSON Pointer of the resource (`/Resources/<id>`).
    pub ptr: String,
}

static NULL: Value = Value::Null;

/// The resources of `cdoc` whose type satisfies `want`.
pub(crate) fn resources<'a>(cdoc: &'a ConfigDoc, want: impl Fn(&str) -> bool) -> Vec<Resource<'a>> {
    let Some(all) = cdoc.value.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    all.iter()
        .filter_map(|(id, r)| {
            let rtype = r.get("Type")?.as_str()?;
            if !want(rtype) {
                return None;
            }
            let props = r.get("Properties").unwrap_or(&NULL);
            // Properties chosen by an undecided condition: nothing is known about them.
            if is_unknown(props) {
                return None;
            }
            Some(Resource {
                id,
                rtype,
                props,
                ptr: format!("/Resources/{}", pointer_escape(id)),
            })
        })
        .collect()
}

/// What makes a property's value bad.
#[derive(Clone, Copy)]
enum Bad {
    /// Not `true`: `false`, or left out (CloudFormation's default is off).
    NotTrue,
    /// Explicitly `false` (the default is on).
    False,
    /// Explicitly `true`.
    True,
    /// `true` or left out (the default is on).
    TrueOrMissing,
    /// One of these strings (case-insensitive).
    OneOf(&'static [&'static str]),
    /// A number below this.
    Below(i64),
    /// Left out, whatever its value would be.
    Missing,
    /// Any string but this one, or left out.
    Not(&'static str),
}

/// A control on properties: for each resource type, the path under `Properties` to judge (`*`
/// stands for every item of a list; an item without the next key is skipped).
pub(crate) struct Prop {
    targets: &'static [(&'static str, &'static [&'static str])],
    bad: Bad,
    /// The finding's message: `{id}` is the logical id, `{prop}` the property path, `{value}`
    /// the value.
    msg: &'static str,
    /// Resources the control does not apply to, judged on their type and `Properties`.
    skip: Option<fn(&str, &Value) -> bool>,
}

/// A node found along a property path.
enum Found<'a> {
    Value(String, &'a Value),
    /// The path stops at this pointer; `top`: nothing of the path exists below `Properties`.
    Missing(String, bool),
}

fn walk<'a>(v: &'a Value, ptr: String, path: &[&str], top: bool, out: &mut Vec<Found<'a>>) {
    let Some((seg, rest)) = path.split_first() else {
        out.push(Found::Value(ptr, v));
        return;
    };
    if is_unknown(v) {
        return;
    }
    if *seg == "*" {
        let Some(items) = v.as_array() else { return };
        for (i, item) in items.iter().enumerate() {
            if let Some(next) = rest.first()
                && (is_unknown(item) || item.get(next).is_none())
            {
                continue;
            }
            walk(item, format!("{ptr}/{i}"), rest, false, out);
        }
        return;
    }
    // A missing list has no items to judge.
    let missing = |out: &mut Vec<Found<'a>>, ptr| {
        if !rest.contains(&"*") {
            out.push(Found::Missing(ptr, top));
        }
    };
    match v {
        Value::Object(m) => match m.get(*seg) {
            Some(c) => walk(
                c,
                format!("{ptr}/{}", pointer_escape(seg)),
                rest,
                false,
                out,
            ),
            None => missing(out, ptr),
        },
        Value::Null => missing(out, ptr),
        _ => {}
    }
}

impl Bad {
    fn value_is_bad(self, v: &Value) -> bool {
        match self {
            Bad::NotTrue | Bad::False => as_bool(v) == Some(false),
            Bad::True | Bad::TrueOrMissing => as_bool(v) == Some(true),
            Bad::OneOf(list) => v
                .as_str()
                .is_some_and(|s| list.iter().any(|x| x.eq_ignore_ascii_case(s))),
            Bad::Below(n) => int(Some(v)).is_some_and(|i| i < n),
            Bad::Missing => false,
            Bad::Not(want) => v.as_str().is_some_and(|s| s != want),
        }
    }

    fn missing_is_bad(self) -> bool {
        matches!(
            self,
            Bad::NotTrue | Bad::TrueOrMissing | Bad::Missing | Bad::Not(_)
        )
    }
}

impl Check for Prop {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            let types: Vec<&str> = self.targets.iter().map(|(t, _)| *t).collect();
            for r in resources(cdoc, |t| types.contains(&t)) {
                if self.skip.is_some_and(|skip| skip(r.rtype, r.props)) {
                    continue;
                }
                for (_, path) in self.targets.iter().filter(|(t, _)| *t == r.rtype) {
                    let mut found = Vec::new();
                    let props_ptr = format!("{}/Properties", r.ptr);
                    walk(r.props, props_ptr, path, true, &mut found);
                    let prop = path.join(".").replace(".*", "[]");
                    for f in found {
                        let (at, value) = match f {
                            Found::Value(p, v) if self.bad.value_is_bad(v) => (p, v),
                            // A resource without the property is cited at its `Type` line.
                            Found::Missing(p, top) if self.bad.missing_is_bad() => {
                                let at = if top { format!("{}/Type", r.ptr) } else { p };
                                (at, &NULL)
                            }
                            _ => continue,
                        };
                        let shown = match value {
                            Value::Null => "not set".to_string(),
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let msg = self
                            .msg
                            .replace("{id}", r.id)
                            .replace("{prop}", &prop)
                            .replace("{value}", &shown);
                        cite(cx, doc, cdoc, &at, msg);
                    }
                }
            }
        }
    }
}

/// An RDS instance whose storage, backups and availability belong to something else: an Aurora
/// cluster member or a read replica.
fn rds_delegated(rtype: &str, p: &Value) -> bool {
    rtype == DB_INSTANCE
        && (text(p.get("Engine")).is_some_and(|e| e.to_ascii_lowercase().starts_with("aurora"))
            || p.get("SourceDBInstanceIdentifier").is_some()
            || p.get("DBClusterIdentifier").is_some())
}

/// A database whose encryption is decided elsewhere: [`rds_delegated`], a restore from a
/// snapshot or a clone, or Aurora Serverless v1 (always encrypted).
fn rds_encryption_inherited(rtype: &str, p: &Value) -> bool {
    rds_delegated(rtype, p)
        || p.get("DBSnapshotIdentifier").is_some()
        || p.get("SnapshotIdentifier").is_some()
        || p.get("SourceDBClusterIdentifier").is_some()
        || text(p.get("EngineMode")).is_some_and(|m| m.eq_ignore_ascii_case("serverless"))
}

/// Asymmetric and HMAC KMS keys cannot rotate.
fn kms_not_rotatable(_: &str, p: &Value) -> bool {
    p.get("KeySpec")
        .is_some_and(|s| s.as_str() != Some("SYMMETRIC_DEFAULT"))
}

/// A listener whose default action redirects (to HTTPS).
fn lb_redirects(_: &str, p: &Value) -> bool {
    p.get("DefaultActions")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|x| text(x.get("Type")).is_some_and(|t| t.eq_ignore_ascii_case("redirect")))
        })
}

/// An EKS cluster whose public endpoint only admits listed ranges (none of them everything).
fn eks_restricted(_: &str, p: &Value) -> bool {
    let cidrs = p
        .get("ResourcesVpcConfig")
        .and_then(|c| c.get("PublicAccessCidrs"));
    match cidrs {
        Some(Value::Array(a)) => {
            !a.is_empty()
                && a.iter().all(|c| {
                    c.as_str()
                        .is_some_and(|c| !super::aws::controls::cidr_is_anywhere(c))
                })
        }
        Some(v) => is_unknown(v),
        None => false,
    }
}

const DB_INSTANCE: &str = "AWS::RDS::DBInstance";
const DB_CLUSTER: &str = "AWS::RDS::DBCluster";
const BUCKET: &str = "AWS::S3::Bucket";
const TRAIL: &str = "AWS::CloudTrail::Trail";

macro_rules! prop {
    ($targets:expr, $bad:expr, $msg:expr) => {
        || {
            Box::new(Prop {
                targets: $targets,
                bad: $bad,
                msg: $msg,
                skip: None,
            })
        }
    };
    ($targets:expr, $bad:expr, $msg:expr, $skip:expr) => {
        || {
            Box::new(Prop {
                targets: $targets,
                bad: $bad,
                msg: $msg,
                skip: Some($skip),
            })
        }
    };
}

/// Built-in rules of the `cloudformation` pack, sorted by id.
pub const RULES: &[(&str, Factory)] = &[
    (
        "cloudformation/aws-autoscaling-min-size",
        prop!(
            &[("AWS::AutoScaling::AutoScalingGroup", &["MinSize"])],
            Bad::Below(2),
            "Auto Scaling group '{id}' has MinSize {value} (below 2)"
        ),
    ),
    (
        "cloudformation/aws-cloudtrail-log-validation-disabled",
        prop!(
            &[(TRAIL, &["EnableLogFileValidation"])],
            Bad::NotTrue,
            "CloudTrail trail '{id}' does not validate log files (EnableLogFileValidation is {value})"
        ),
    ),
    (
        "cloudformation/aws-cloudtrail-logging-disabled",
        prop!(
            &[(TRAIL, &["IsLogging"])],
            Bad::False,
            "CloudTrail trail '{id}' is not logging (IsLogging is false)"
        ),
    ),
    (
        "cloudformation/aws-cloudtrail-not-multi-region",
        prop!(
            &[(TRAIL, &["IsMultiRegionTrail"])],
            Bad::NotTrue,
            "CloudTrail trail '{id}' covers one region only (IsMultiRegionTrail is {value})"
        ),
    ),
    (
        "cloudformation/aws-cloudtrail-unencrypted",
        prop!(
            &[(TRAIL, &["KMSKeyId"])],
            Bad::Missing,
            "CloudTrail trail '{id}' does not encrypt its logs with a KMS key (KMSKeyId not set)"
        ),
    ),
    (
        "cloudformation/aws-dynamodb-pitr-disabled",
        prop!(
            &[(
                "AWS::DynamoDB::Table",
                &[
                    "PointInTimeRecoverySpecification",
                    "PointInTimeRecoveryEnabled"
                ]
            )],
            Bad::NotTrue,
            "DynamoDB table '{id}' has no point-in-time recovery ({prop} is {value})"
        ),
    ),
    (
        "cloudformation/aws-ebs-unencrypted",
        prop!(
            &[("AWS::EC2::Volume", &["Encrypted"])],
            Bad::NotTrue,
            "EBS volume '{id}' is not encrypted (Encrypted is {value})"
        ),
    ),
    (
        "cloudformation/aws-efs-unencrypted",
        prop!(
            &[("AWS::EFS::FileSystem", &["Encrypted"])],
            Bad::NotTrue,
            "EFS file system '{id}' is not encrypted (Encrypted is {value})"
        ),
    ),
    (
        "cloudformation/aws-eks-public-endpoint",
        prop!(
            &[(
                "AWS::EKS::Cluster",
                &["ResourcesVpcConfig", "EndpointPublicAccess"]
            )],
            Bad::TrueOrMissing,
            "EKS cluster '{id}' has a public API endpoint open to the internet ({prop} is {value})",
            eks_restricted
        ),
    ),
    (
        "cloudformation/aws-elasticache-no-automatic-failover",
        prop!(
            &[(
                "AWS::ElastiCache::ReplicationGroup",
                &["AutomaticFailoverEnabled"]
            )],
            Bad::NotTrue,
            "ElastiCache replication group '{id}' has no automatic failover (AutomaticFailoverEnabled is {value})"
        ),
    ),
    (
        "cloudformation/aws-elasticache-unencrypted",
        prop!(
            &[(
                "AWS::ElastiCache::ReplicationGroup",
                &["AtRestEncryptionEnabled"]
            )],
            Bad::NotTrue,
            "ElastiCache replication group '{id}' is not encrypted at rest (AtRestEncryptionEnabled is {value})"
        ),
    ),
    ("cloudformation/aws-iam-passrole-wildcard", || {
        Box::new(policy::Identity(Grant::PassRole))
    }),
    ("cloudformation/aws-iam-wildcard-admin", || {
        Box::new(policy::Identity(Grant::Admin))
    }),
    (
        "cloudformation/aws-instance-block-device-unencrypted",
        prop!(
            &[
                (
                    "AWS::EC2::Instance",
                    &["BlockDeviceMappings", "*", "Ebs", "Encrypted"]
                ),
                (
                    "AWS::EC2::LaunchTemplate",
                    &[
                        "LaunchTemplateData",
                        "BlockDeviceMappings",
                        "*",
                        "Ebs",
                        "Encrypted"
                    ]
                ),
            ],
            Bad::NotTrue,
            "block device of '{id}' is not encrypted (Ebs.Encrypted is {value})"
        ),
    ),
    (
        "cloudformation/aws-kms-key-rotation-disabled",
        prop!(
            &[("AWS::KMS::Key", &["EnableKeyRotation"])],
            Bad::NotTrue,
            "KMS key '{id}' is not rotated (EnableKeyRotation is {value})",
            kms_not_rotatable
        ),
    ),
    ("cloudformation/aws-lambda-env-secret", || {
        Box::new(lambda::EnvSecret)
    }),
    (
        "cloudformation/aws-lb-listener-http",
        prop!(
            &[
                ("AWS::ElasticLoadBalancingV2::Listener", &["Protocol"]),
                // A classic load balancer cannot redirect.
                (
                    "AWS::ElasticLoadBalancing::LoadBalancer",
                    &["Listeners", "*", "Protocol"]
                ),
            ],
            Bad::OneOf(&["HTTP"]),
            "load balancer listener '{id}' accepts plain HTTP without redirecting",
            lb_redirects
        ),
    ),
    (
        "cloudformation/aws-rds-backup-disabled",
        prop!(
            &[(DB_INSTANCE, &["BackupRetentionPeriod"])],
            Bad::Below(1),
            "RDS instance '{id}' has automated backups disabled (BackupRetentionPeriod is {value})",
            rds_delegated
        ),
    ),
    (
        "cloudformation/aws-rds-deletion-protection-disabled",
        prop!(
            &[
                (DB_INSTANCE, &["DeletionProtection"]),
                (DB_CLUSTER, &["DeletionProtection"])
            ],
            Bad::NotTrue,
            "RDS database '{id}' has no deletion protection (DeletionProtection is {value})",
            rds_delegated
        ),
    ),
    (
        "cloudformation/aws-rds-publicly-accessible",
        prop!(
            &[(DB_INSTANCE, &["PubliclyAccessible"])],
            Bad::True,
            "RDS instance '{id}' is publicly accessible"
        ),
    ),
    (
        "cloudformation/aws-rds-single-az",
        prop!(
            &[(DB_INSTANCE, &["MultiAZ"])],
            Bad::NotTrue,
            "RDS instance '{id}' is single-AZ (MultiAZ is {value})",
            rds_delegated
        ),
    ),
    (
        "cloudformation/aws-rds-storage-unencrypted",
        prop!(
            &[
                (DB_INSTANCE, &["StorageEncrypted"]),
                (DB_CLUSTER, &["StorageEncrypted"])
            ],
            Bad::NotTrue,
            "RDS storage of '{id}' is not encrypted (StorageEncrypted is {value})",
            rds_encryption_inherited
        ),
    ),
    (
        "cloudformation/aws-s3-encryption-missing",
        prop!(
            &[(BUCKET, &["BucketEncryption"])],
            Bad::Missing,
            "S3 bucket '{id}' declares no default encryption (BucketEncryption not set)"
        ),
    ),
    (
        "cloudformation/aws-s3-public-access-block-disabled",
        prop!(
            &[
                (
                    BUCKET,
                    &["PublicAccessBlockConfiguration", "BlockPublicAcls"]
                ),
                (
                    BUCKET,
                    &["PublicAccessBlockConfiguration", "BlockPublicPolicy"]
                ),
                (
                    BUCKET,
                    &["PublicAccessBlockConfiguration", "IgnorePublicAcls"]
                ),
                (
                    BUCKET,
                    &["PublicAccessBlockConfiguration", "RestrictPublicBuckets"]
                ),
            ],
            Bad::False,
            "S3 bucket '{id}' turns off public access blocking ({prop} is false)"
        ),
    ),
    (
        "cloudformation/aws-s3-public-access-block-missing",
        prop!(
            &[(BUCKET, &["PublicAccessBlockConfiguration"])],
            Bad::Missing,
            "S3 bucket '{id}' has no PublicAccessBlockConfiguration"
        ),
    ),
    (
        "cloudformation/aws-s3-public-acl",
        prop!(
            &[(BUCKET, &["AccessControl"])],
            Bad::OneOf(&["PublicRead", "PublicReadWrite", "AuthenticatedRead"]),
            "S3 bucket '{id}' ACL grants public access ({value})"
        ),
    ),
    ("cloudformation/aws-s3-public-policy", || {
        Box::new(policy::PublicBucket)
    }),
    (
        "cloudformation/aws-s3-versioning-disabled",
        prop!(
            &[(BUCKET, &["VersioningConfiguration", "Status"])],
            Bad::Not("Enabled"),
            "S3 bucket '{id}' is not versioned (VersioningConfiguration.Status is {value})"
        ),
    ),
    ("cloudformation/aws-security-group-open-admin-port", || {
        Box::new(net::OpenPorts(net::Class::Service(ADMIN_PORTS)))
    }),
    ("cloudformation/aws-security-group-open-all-ports", || {
        Box::new(net::OpenPorts(net::Class::All))
    }),
    (
        "cloudformation/aws-security-group-open-database-port",
        || Box::new(net::OpenPorts(net::Class::Service(DATABASE_PORTS))),
    ),
    (
        "cloudformation/aws-subnet-public-ip-on-launch",
        prop!(
            &[("AWS::EC2::Subnet", &["MapPublicIpOnLaunch"])],
            Bad::True,
            "subnet '{id}' gives instances launched into it a public IP address (MapPublicIpOnLaunch is {value})"
        ),
    ),
];
