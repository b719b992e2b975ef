//! One AWS control, two document shapes: the predicates the `terraform` and `cloudformation`
//! packs share, so that "open to the world on an admin port" or "admin policy" means the same in
//! both.
//!
//! Sharing works at two levels:
//! - **Metadata**: a `cloudformation/<id>` rule file names its Terraform twin in `control:` and
//!   takes its title, severity, rationale, tags and references from it ([`crate::pack`]); only
//!   the description and remediation, which name each shape's resources, are its own.
//! - **Logic**: each pack finds the values in its own shape (HCL blocks and attributes,
//!   CloudFormation resources and properties) and judges them here: port tables and ranges, the
//!   protocol → ports reading and "anywhere" CIDRs. IAM JSON statements (the shape is the same in
//!   both: `jsonencode`/JSON strings in Terraform, `PolicyDocument` in CloudFormation) are
//!   normalised here for both ([`json_statements`], with [`glob_ci`] for action patterns);
//!   CloudFormation judges them with [`Stmt::grants`], while Terraform's `iam.rs` adds its
//!   `NotAction`-aware reading and the `aws_iam_policy_document` spelling on the same [`Stmt`].
//!
//! Values that are not literals never satisfy a predicate: in Terraform they are strings holding
//! an expression, in CloudFormation unresolved intrinsic objects; the readers below skip both.

use serde_json::Value;

/// Remote administration ports.
pub const ADMIN_PORTS: &[(i64, &str)] = &[(22, "SSH"), (3389, "RDP")];

/// Database and cache ports.
pub const DATABASE_PORTS: &[(i64, &str)] = &[
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (5439, "Redshift"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (7000, "Cassandra"),
    (7001, "Cassandra"),
    (9042, "Cassandra"),
    (9200, "Elasticsearch"),
    (9300, "Elasticsearch"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
    (27018, "MongoDB"),
];

/// Which ports a rule opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ports {
    All,
    Range(i64, i64),
}

impl Ports {
    pub fn new(lo: i64, hi: i64) -> Ports {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        if lo <= 1 && hi >= 65535 {
            Ports::All
        } else {
            Ports::Range(lo, hi)
        }
    }

    /// The first service of `table` whose port is in this range (`SSH (22)`); `None` for
    /// [`Ports::All`], which callers report as all ports.
    pub fn service(self, table: &[(i64, &str)]) -> Option<String> {
        match self {
            Ports::All => None,
            Ports::Range(lo, hi) => table
                .iter()
                .find(|(p, _)| (lo..=hi).contains(p))
                .map(|(p, name)| format!("{name} ({p})")),
        }
    }
}

/// AWS protocol + from/to port → ports; `None` for ICMP, other protocols or unknown values.
/// (Terraform `protocol`/`ip_protocol`, CloudFormation `IpProtocol`.)
pub fn aws_ports(
    protocol: Option<&Value>,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Option<Ports> {
    let proto = match protocol? {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        _ => return None,
    };
    match proto.as_str() {
        "-1" | "all" => Some(Ports::All),
        "tcp" | "udp" | "6" | "17" => Some(Ports::new(int(from)?, int(to)?)),
        _ => None,
    }
}

/// Whether a CIDR (or bare address) is the whole IPv4 or IPv6 internet, parsed: every spelling
/// of `/0`. One implementation for both packs; it lives with Terraform's CIDR reading.
pub use crate::rule::builtin::terraform::cidr::is_anywhere as cidr_is_anywhere;

/// A literal number, also written as a string (`"22"`); `None` for references.
pub fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A literal string value (Terraform references are strings too, so callers decide what they
/// accept).
pub fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// The strings of a list (or a single string), ignoring everything else.
/// Each comes with its pointer relative to the attribute (`/3`, or empty for a single string).
pub fn strings(v: Option<&Value>) -> Vec<(String, &str)> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.as_str().map(|s| (format!("/{i}"), s)))
            .collect(),
        Some(Value::String(s)) => vec![(String::new(), s.as_str())],
        _ => Vec::new(),
    }
}

/// One IAM policy statement, normalised. Pointers are relative to the document's root when the
/// policy is a value in it, and to the parsed string otherwise.
#[derive(Default)]
pub struct Stmt {
    pub allow: bool,
    /// The statement has a `NotAction` (whatever its value).
    pub not_action: bool,
    /// (pointer, action) of the `NotAction` entries that are literals.
    pub not_actions: Vec<(String, String)>,
    /// (pointer, action)
    pub actions: Vec<(String, String)>,
    pub resources: Vec<String>,
    /// Pointer of a public principal (`*`, `{AWS: "*"}`).
    pub public_principal: Option<String>,
    pub has_condition: bool,
}

/// What an identity policy statement must not grant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Every action (`*`, `*:*`) on every resource.
    Admin,
    /// `iam:PassRole` through a pattern narrower than `*` (`iam:PassRole`, `iam:*`,
    /// `iam:Pass*`) on every resource.
    PassRole,
}

impl Stmt {
    /// The first action (pointer, action) by which this statement grants `grant`.
    pub fn grants(&self, grant: Grant) -> Option<&(String, String)> {
        if !self.allow || self.not_action || !self.resources.iter().any(|r| r == "*") {
            return None;
        }
        self.actions.iter().find(|(_, a)| {
            let full = a == "*" || a == "*:*";
            match grant {
                Grant::Admin => full,
                Grant::PassRole => !full && glob_ci(a, "iam:PassRole"),
            }
        })
    }

    /// The pointer of the public principal when this statement allows everyone, unconditioned.
    pub fn public_grant(&self) -> Option<&str> {
        self.public_principal
            .as_deref()
            .filter(|_| self.allow && !self.has_condition)
    }
}

/// Normalise IAM JSON statements (`Statement` as an object or an array) of `policy`, whose
/// pointer is `base`.
pub fn json_statements(policy: &Value, base: &str) -> Vec<Stmt> {
    let list: Vec<(String, &Value)> = match policy.get("Statement") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{base}/Statement/{i}"), s))
            .collect(),
        Some(s @ Value::Object(_)) => vec![(format!("{base}/Statement"), s)],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter(|(_, s)| s.is_object())
        .map(|(p, s)| {
            let actions = strings(s.get("Action"))
                .into_iter()
                .map(|(rel, a)| (format!("{p}/Action{rel}"), a.to_string()))
                .collect();
            let not_actions = strings(s.get("NotAction"))
                .into_iter()
                .map(|(rel, a)| (format!("{p}/NotAction{rel}"), a.to_string()))
                .collect();
            let public_principal = match s.get("Principal") {
                Some(Value::String(x)) if x == "*" => Some(format!("{p}/Principal")),
                Some(Value::Object(m)) => m.get("AWS").and_then(|aws| {
                    strings(Some(aws))
                        .into_iter()
                        .find(|(_, x)| *x == "*")
                        .map(|(rel, _)| format!("{p}/Principal/AWS{rel}"))
                }),
                _ => None,
            };
            Stmt {
                allow: text(s.get("Effect")).is_some_and(|e| e.eq_ignore_ascii_case("allow")),
                not_action: s.get("NotAction").is_some(),
                not_actions,
                actions,
                resources: strings(s.get("Resource"))
                    .into_iter()
                    .map(|(_, r)| r.to_string())
                    .collect(),
                public_principal,
                has_condition: s
                    .get("Condition")
                    .is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty())),
            }
        })
        .collect()
}

/// Case-insensitive IAM wildcard match (`*` any run, `?` one character) of `pattern` on `name`.
pub fn glob_ci(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let n: Vec<char> = name.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iam_globs() {
        assert!(glob_ci("iam:PassRole", "iam:PassRole"));
        assert!(glob_ci("IAM:passrole", "iam:PassRole"));
        assert!(glob_ci("iam:*", "iam:PassRole"));
        assert!(glob_ci("iam:Pass*", "iam:PassRole"));
        assert!(glob_ci("*", "iam:PassRole"));
        assert!(!glob_ci("iam:Get*", "iam:PassRole"));
        assert!(!glob_ci("s3:*", "iam:PassRole"));
    }

    #[test]
    fn ports_and_services() {
        assert_eq!(Ports::new(0, 65535), Ports::All);
        assert_eq!(Ports::new(30, 20), Ports::Range(20, 30));
        assert_eq!(
            Ports::new(0, 1024).service(ADMIN_PORTS).as_deref(),
            Some("SSH (22)")
        );
        assert_eq!(Ports::All.service(ADMIN_PORTS), None);
        let tcp = json!("tcp");
        assert_eq!(
            aws_ports(Some(&tcp), Some(&json!("5432")), Some(&json!(5432))),
            Some(Ports::Range(5432, 5432))
        );
        assert_eq!(aws_ports(Some(&json!(-1)), None, None), Some(Ports::All));
        assert_eq!(aws_ports(Some(&json!("icmp")), Some(&json!(0)), None), None);
        assert_eq!(
            aws_ports(Some(&tcp), Some(&json!({"Ref": "P"})), Some(&json!(22))),
            None
        );
    }

    #[test]
    fn statements() {
        let p = json!({"Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:Pass*", "Resource": ["*"]},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:x", "*"]}, "Action": "s3:*", "Resource": "x"},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "x",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "iam:*", "Action": "*", "Resource": "*"}
        ]});
        let s = json_statements(&p, "/P");
        assert_eq!(s.len(), 6);
        assert_eq!(
            s[0].grants(Grant::Admin).map(|x| x.0.as_str()),
            Some("/P/Statement/0/Action/1")
        );
        assert!(s[0].grants(Grant::PassRole).is_none());
        assert!(s[1].grants(Grant::PassRole).is_some());
        assert_eq!(s[2].public_grant(), Some("/P/Statement/2/Principal/AWS/1"));
        assert!(s[3].public_grant().is_none());
        assert!(s[4].grants(Grant::Admin).is_none() && s[5].grants(Grant::Admin).is_none());
    }
}
