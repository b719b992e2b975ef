//! Calls of the most used public registry modules, understood without fetching them: a table of
//! which inputs set which resource attributes, with the modules' documented defaults (latest
//! major versions: s3-bucket 4, rds 6, security-group 5, eks 20/21, vpc 5). A call becomes, in the
//! caller's value tree, the resources the module would create with those values, named
//! `module.<name>` (`$.resource.aws_db_instance["module.db"]`), so the ordinary rules judge them
//! and cite the argument's line (or, for a default, the `module` block).
//!
//! Covered: `terraform-aws-modules/s3-bucket` (`acl`, the four public access block flags),
//! `rds` (`storage_encrypted`, `publicly_accessible`, `multi_az`, `deletion_protection`),
//! `security-group` and its `//modules/<service>` presets (`ingress_rules` with
//! `ingress_cidr_blocks`/`ingress_ipv6_cidr_blocks`, `ingress_with_cidr_blocks`) and `eks`
//! (public endpoint and its CIDRs) and `vpc` (the default security group it manages, with the
//! rules passed in `default_security_group_ingress`/`_egress`; public subnets and
//! `map_public_ip_on_launch`).
//! A module call whose `source` is anything else is not expanded.

use serde_json::{Map, Value, json};

/// A resource a module call creates: its type, its attributes, and for each attribute pointer
/// (relative to the resource) the call argument pointer (relative to the `module` block) it
/// comes from.
pub struct Synth {
    pub rtype: &'static str,
    pub value: Value,
    pub from: Vec<(String, String)>,
}

/// The named rules of the security-group module: (name, from, to, protocol).
const SG_RULES: &[(&str, i64, i64, &str)] = &[
    ("all-all", -1, -1, "-1"),
    ("all-tcp", 0, 65535, "tcp"),
    ("all-udp", 0, 65535, "udp"),
    ("ssh-tcp", 22, 22, "tcp"),
    ("rdp-tcp", 3389, 3389, "tcp"),
    ("rdp-udp", 3389, 3389, "udp"),
    ("http-80-tcp", 80, 80, "tcp"),
    ("https-443-tcp", 443, 443, "tcp"),
    ("mysql-tcp", 3306, 3306, "tcp"),
    ("postgresql-tcp", 5432, 5432, "tcp"),
    ("mssql-tcp", 1433, 1433, "tcp"),
    ("oracle-db-tcp", 1521, 1521, "tcp"),
    ("redis-tcp", 6379, 6379, "tcp"),
    ("memcached-tcp", 11211, 11211, "tcp"),
    ("mongodb-27017-tcp", 27017, 27017, "tcp"),
    ("elasticsearch-rest-tcp", 9200, 9200, "tcp"),
    ("redshift-tcp", 5439, 5439, "tcp"),
    ("cassandra-clients-tcp", 9042, 9042, "tcp"),
];

/// The registry module a `source` names (`terraform-aws-modules/<name>/aws`, with an optional
/// `//modules/<sub>`, or the registry host in front).
fn module_of(source: &str) -> Option<(&str, Option<&str>)> {
    let s = source.trim_start_matches("registry.terraform.io/");
    let (main, sub) = match s.split_once("//") {
        Some((m, sub)) => (m, sub.strip_prefix("modules/")),
        None => (s, None),
    };
    let name = main
        .strip_prefix("terraform-aws-modules/")?
        .strip_suffix("/aws")?;
    Some((name, sub))
}

/// The resources a call of a known registry module creates; empty for any other module.
pub fn expand(call: &Value) -> Vec<Synth> {
    let Some((name, sub)) = call
        .get("source")
        .and_then(Value::as_str)
        .and_then(module_of)
    else {
        return Vec::new();
    };
    // Each attribute: (attribute, argument, default).
    let simple = |rtype: &'static str, attrs: &[(&str, &str, Value)]| {
        let mut value = Map::new();
        let mut from = Vec::new();
        for (attr, arg, default) in attrs {
            match call.get(*arg) {
                Some(v) => {
                    value.insert(attr.to_string(), v.clone());
                    from.push((format!("/{attr}"), format!("/{arg}")));
                }
                None if !default.is_null() => {
                    value.insert(attr.to_string(), default.clone());
                }
                None => {}
            }
        }
        Synth {
            rtype,
            value: Value::Object(value),
            from,
        }
    };
    match name {
        "s3-bucket" => {
            let mut out = Vec::new();
            if call.get("acl").is_some() {
                out.push(simple("aws_s3_bucket_acl", &[("acl", "acl", Value::Null)]));
            }
            out.push(simple(
                "aws_s3_bucket_public_access_block",
                &[
                    ("block_public_acls", "block_public_acls", json!(true)),
                    ("block_public_policy", "block_public_policy", json!(true)),
                    ("ignore_public_acls", "ignore_public_acls", json!(true)),
                    (
                        "restrict_public_buckets",
                        "restrict_public_buckets",
                        json!(true),
                    ),
                ],
            ));
            out
        }
        "rds" => vec![simple(
            "aws_db_instance",
            &[
                ("storage_encrypted", "storage_encrypted", json!(true)),
                ("publicly_accessible", "publicly_accessible", json!(false)),
                ("multi_az", "multi_az", json!(false)),
                ("deletion_protection", "deletion_protection", json!(false)),
            ],
        )],
        "eks" => {
            // v21 dropped the `cluster_` prefix; either spelling is read.
            let arg = |a: &'static str| {
                let old = format!("cluster_{a}");
                if call.get(&old).is_some() {
                    old
                } else {
                    a.to_string()
                }
            };
            let (public, cidrs) = (
                arg("endpoint_public_access"),
                arg("endpoint_public_access_cidrs"),
            );
            let mut cfg = Map::new();
            let mut from = Vec::new();
            cfg.insert(
                "endpoint_public_access".into(),
                call.get(&public).cloned().unwrap_or(json!(false)),
            );
            if call.get(&public).is_some() {
                from.push((
                    "/vpc_config/0/endpoint_public_access".into(),
                    format!("/{public}"),
                ));
            }
            cfg.insert(
                "public_access_cidrs".into(),
                call.get(&cidrs).cloned().unwrap_or(json!(["0.0.0.0/0"])),
            );
            if call.get(&cidrs).is_some() {
                from.push((
                    "/vpc_config/0/public_access_cidrs".into(),
                    format!("/{cidrs}"),
                ));
            }
            vec![Synth {
                rtype: "aws_eks_cluster",
                value: json!({ "vpc_config": [Value::Object(cfg)] }),
                from,
            }]
        }
        "security-group" => security_group(call, sub),
        "vpc" => vpc(call),
        _ => Vec::new(),
    }
}

/// One `aws_security_group` whose inline `ingress` blocks are the call's rules.
fn security_group(call: &Value, sub: Option<&str>) -> Vec<Synth> {
    let mut ingress = Vec::new();
    let mut from = Vec::new();
    let mut add = |rule: Value, sources: Vec<(String, String)>, from: &mut Vec<_>| {
        let i = ingress.len();
        for (attr, arg) in sources {
            from.push((format!("/ingress/{i}/{attr}"), arg));
        }
        ingress.push(rule);
    };
    let named = |n: &str| SG_RULES.iter().find(|(name, ..)| *name == n);
    let cidr_args = [
        ("cidr_blocks", "ingress_cidr_blocks"),
        ("ipv6_cidr_blocks", "ingress_ipv6_cidr_blocks"),
    ];
    // `ingress_rules` (and a preset's `auto_ingress_rules`, which the preset names after itself).
    let mut rules: Vec<(String, String)> = call
        .get("ingress_rules")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(i, r)| Some((r.as_str()?.to_string(), format!("/ingress_rules/{i}"))))
                .collect()
        })
        .unwrap_or_default();
    if let Some(preset) = sub
        && call.get("ingress_cidr_blocks").is_some()
    {
        let n = match preset {
            "ssh" => "ssh-tcp",
            "rdp" => "rdp-tcp",
            "postgresql" => "postgresql-tcp",
            "mysql" => "mysql-tcp",
            "mssql" => "mssql-tcp",
            "redis" => "redis-tcp",
            "mongodb" => "mongodb-27017-tcp",
            "elasticsearch" => "elasticsearch-rest-tcp",
            _ => "",
        };
        if !n.is_empty() {
            rules.push((n.to_string(), String::new()));
        }
    }
    for (name, _) in &rules {
        let Some((_, lo, hi, proto)) = named(name) else {
            continue;
        };
        let mut rule = json!({ "from_port": lo, "to_port": hi, "protocol": proto });
        let mut sources = Vec::new();
        for (attr, arg) in cidr_args {
            if let Some(c) = call.get(arg) {
                rule[attr] = c.clone();
                sources.push((attr.to_string(), format!("/{arg}")));
            }
        }
        add(rule, sources, &mut from);
    }
    for (i, r) in call
        .get("ingress_with_cidr_blocks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let base = format!("/ingress_with_cidr_blocks/{i}");
        let mut rule = match r.get("rule").and_then(Value::as_str).and_then(named) {
            Some((_, lo, hi, proto)) => {
                json!({ "from_port": lo, "to_port": hi, "protocol": proto })
            }
            None => json!({
                "from_port": r.get("from_port").cloned().unwrap_or(Value::Null),
                "to_port": r.get("to_port").cloned().unwrap_or(Value::Null),
                "protocol": r.get("protocol").cloned().unwrap_or(Value::Null),
            }),
        };
        let mut sources = Vec::new();
        // The module takes a comma-separated string here, and falls back to the call's lists.
        for (attr, arg) in cidr_args {
            let key = attr;
            match r.get(key) {
                Some(Value::String(s)) => {
                    rule[attr] = Value::Array(
                        s.split(',')
                            .map(|c| Value::String(c.trim().to_string()))
                            .collect(),
                    );
                    sources.push((attr.to_string(), format!("{base}/{key}")));
                }
                Some(other) => {
                    rule[attr] = other.clone();
                    sources.push((attr.to_string(), format!("{base}/{key}")));
                }
                None => {
                    if let Some(c) = call.get(arg) {
                        rule[attr] = c.clone();
                        sources.push((attr.to_string(), format!("/{arg}")));
                    }
                }
            }
        }
        add(rule, sources, &mut from);
    }
    if ingress.is_empty() {
        return Vec::new();
    }
    vec![Synth {
        rtype: "aws_security_group",
        value: json!({ "ingress": ingress }),
        from,
    }]
}

/// The `vpc` module: the default security group it manages (v5: `manage_default_security_group`
/// defaults to true, with no rules, so it restricts all traffic) and its public subnets.
fn vpc(call: &Value) -> Vec<Synth> {
    let mut out = Vec::new();
    if call.get("manage_default_security_group") != Some(&json!(false)) {
        let mut value = Map::new();
        let mut from = Vec::new();
        for (attr, arg) in [
            ("ingress", "default_security_group_ingress"),
            ("egress", "default_security_group_egress"),
        ] {
            let Some(rules) = call.get(arg).and_then(Value::as_array) else {
                continue;
            };
            let mut list = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                let Some(r) = r.as_object() else { continue };
                // The module splits comma-separated CIDR strings, as the security-group module.
                let mut rule = r.clone();
                for key in ["cidr_blocks", "ipv6_cidr_blocks"] {
                    if let Some(Value::String(s)) = r.get(key) {
                        let cidrs = s
                            .split(',')
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .map(|c| Value::String(c.to_string()))
                            .collect();
                        rule.insert(key.to_string(), Value::Array(cidrs));
                    }
                }
                from.push((format!("/{attr}/{}", list.len()), format!("/{arg}/{i}")));
                for key in rule.keys() {
                    from.push((
                        format!("/{attr}/{}/{key}", list.len()),
                        format!("/{arg}/{i}/{key}"),
                    ));
                }
                list.push(Value::Object(rule));
            }
            value.insert(attr.to_string(), Value::Array(list));
        }
        out.push(Synth {
            rtype: "aws_default_security_group",
            value: Value::Object(value),
            from,
        });
    }
    let public = call
        .get("public_subnets")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if public && let Some(v) = call.get("map_public_ip_on_launch") {
        out.push(Synth {
            rtype: "aws_subnet",
            value: json!({ "map_public_ip_on_launch": v }),
            from: vec![(
                "/map_public_ip_on_launch".into(),
                "/map_public_ip_on_launch".into(),
            )],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_tables() {
        assert_eq!(
            module_of("terraform-aws-modules/rds/aws"),
            Some(("rds", None))
        );
        assert_eq!(
            module_of("terraform-aws-modules/security-group/aws//modules/ssh"),
            Some(("security-group", Some("ssh")))
        );
        assert_eq!(module_of("./modules/rds"), None);
        let rds =
            expand(&json!({"source": "terraform-aws-modules/rds/aws", "storage_encrypted": false}));
        assert_eq!(rds[0].value["storage_encrypted"], json!(false));
        assert_eq!(rds[0].value["multi_az"], json!(false));
        let sg = expand(&json!({
            "source": "terraform-aws-modules/security-group/aws",
            "ingress_rules": ["ssh-tcp", "unknown-rule"],
            "ingress_cidr_blocks": ["0.0.0.0/0"],
            "ingress_with_cidr_blocks": [{"from_port": 3389, "to_port": 3389, "protocol": "tcp", "cidr_blocks": "10.0.0.0/8, ::/0"}]
        }));
        let ing = &sg[0].value["ingress"];
        assert_eq!(ing[0]["from_port"], json!(22));
        assert_eq!(ing[0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(ing[1]["cidr_blocks"], json!(["10.0.0.0/8", "::/0"]));
        assert_eq!(ing.as_array().map(Vec::len), Some(2));
        assert!(expand(&json!({"source": "terraform-aws-modules/unknown/aws"})).is_empty());
        // The vpc module manages a closed default security group unless told otherwise.
        let vpc = expand(&json!({"source": "terraform-aws-modules/vpc/aws"}));
        assert_eq!(vpc.len(), 1);
        assert_eq!(vpc[0].rtype, "aws_default_security_group");
        assert_eq!(vpc[0].value, json!({}));
        let vpc = expand(&json!({
            "source": "terraform-aws-modules/vpc/aws",
            "default_security_group_ingress": [{"protocol": "-1", "cidr_blocks": "0.0.0.0/0"}],
            "public_subnets": ["10.0.1.0/24"],
            "map_public_ip_on_launch": true
        }));
        assert_eq!(
            vpc[0].value["ingress"][0]["cidr_blocks"],
            json!(["0.0.0.0/0"])
        );
        assert_eq!(vpc[1].rtype, "aws_subnet");
        assert!(
            expand(&json!({"source": "terraform-aws-modules/vpc/aws", "manage_default_security_group": false}))
                .is_empty()
        );
    }
}
