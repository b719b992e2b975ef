//! Ingress open to the whole internet on sensitive ports: AWS security groups (inline `ingress`
//! blocks, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`), GCP firewall rules
//! and Azure network security rules (standalone or inline `security_rule`).
//!
//! Port ranges are read as ranges (`from_port = 0, to_port = 1024` contains 22); AWS protocol
//! `-1`/`all` and a 0–65535 range mean every port. CIDRs are parsed ([`super::cidr`]), so every
//! spelling of "anywhere" counts. On AWS a rule open on every port is reported
//! only by the all-ports rule, so one mistake is one finding. Values that are references are
//! unknown and never a finding.

use serde_json::Value;

use super::cidr::is_anywhere;
use super::{blocks, int, items, report, strings, text};
use crate::document::{ConfigDoc, Document};
use crate::rule::RuleContext;
use crate::rule::builtin::Check;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Class {
    AwsAdmin,
    AwsDatabase,
    AwsAll,
    GcpAdmin,
    AzureAdmin,
}

pub struct OpenPorts(pub Class);

const ADMIN: &[(i64, &str)] = &[(22, "SSH"), (3389, "RDP")];

const DATABASE: &[(i64, &str)] = &[
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
enum Ports {
    All,
    Range(i64, i64),
}

impl Ports {
    fn new(lo: i64, hi: i64) -> Ports {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        if lo <= 1 && hi >= 65535 {
            Ports::All
        } else {
            Ports::Range(lo, hi)
        }
    }
}

impl OpenPorts {
    /// The service exposed, if this rule class cares about `ports`.
    fn exposes(&self, ports: Ports) -> Option<String> {
        let table = match self.0 {
            Class::AwsAll => {
                return (ports == Ports::All).then(|| "all ports".to_string());
            }
            Class::AwsDatabase => DATABASE,
            Class::AwsAdmin | Class::GcpAdmin | Class::AzureAdmin => ADMIN,
        };
        match ports {
            Ports::All if matches!(self.0, Class::GcpAdmin | Class::AzureAdmin) => {
                Some("all ports (including SSH 22 and RDP 3389)".to_string())
            }
            Ports::All => None,
            Ports::Range(lo, hi) => table
                .iter()
                .find(|(p, _)| (lo..=hi).contains(p))
                .map(|(p, name)| format!("{name} ({p})")),
        }
    }
}

impl Check for OpenPorts {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            match self.0 {
                Class::AwsAdmin | Class::AwsDatabase | Class::AwsAll => self.aws(doc, cdoc, cx),
                Class::GcpAdmin => self.gcp(doc, cdoc, cx),
                Class::AzureAdmin => self.azure(doc, cdoc, cx),
            }
        }
    }
}

/// AWS protocol + from/to → ports; `None` for ICMP, other protocols or unknown values.
fn aws_ports(protocol: Option<&Value>, from: Option<&Value>, to: Option<&Value>) -> Option<Ports> {
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

impl OpenPorts {
    fn aws(&self, doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext) {
        let judge = |ptr: String, rule: &Value, cidr_keys: &[&str], cx: &mut RuleContext| {
            let Some(ports) = aws_ports(
                rule.get("protocol").or_else(|| rule.get("ip_protocol")),
                rule.get("from_port"),
                rule.get("to_port"),
            ) else {
                return;
            };
            let Some(what) = self.exposes(ports) else {
                return;
            };
            for key in cidr_keys {
                if let Some((rel, cidr)) = strings(rule.get(*key))
                    .into_iter()
                    .find(|(_, c)| is_anywhere(c))
                {
                    report(
                        cx,
                        doc,
                        cdoc,
                        &format!("{ptr}/{key}{rel}"),
                        format!("security group allows ingress on {what} from {cidr}"),
                    );
                }
            }
        };
        for b in blocks(cdoc, "resource", |t| {
            matches!(
                t,
                "aws_security_group"
                    | "aws_default_security_group"
                    | "aws_security_group_rule"
                    | "aws_vpc_security_group_ingress_rule"
            )
        }) {
            match b.rtype {
                "aws_security_group_rule" => {
                    if text(b.value.get("type")) == Some("ingress") {
                        judge(b.ptr, b.value, &["cidr_blocks", "ipv6_cidr_blocks"], cx);
                    }
                }
                "aws_vpc_security_group_ingress_rule" => {
                    judge(b.ptr, b.value, &["cidr_ipv4", "cidr_ipv6"], cx);
                }
                _ => {
                    for (p, rule) in items(b.value, &b.ptr, "ingress") {
                        judge(p, rule, &["cidr_blocks", "ipv6_cidr_blocks"], cx);
                    }
                }
            }
        }
    }

    fn gcp(&self, doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext) {
        for b in blocks(cdoc, "resource", |t| t == "google_compute_firewall") {
            let v = b.value;
            let direction = text(v.get("direction")).unwrap_or("INGRESS");
            if !direction.eq_ignore_ascii_case("ingress")
                || v.get("disabled") == Some(&Value::Bool(true))
            {
                continue;
            }
            // With no source at all, GCP applies an ingress rule to 0.0.0.0/0.
            let no_source = ["source_ranges", "source_tags", "source_service_accounts"]
                .iter()
                .all(|k| v.get(*k).is_none());
            let world = strings(v.get("source_ranges"))
                .into_iter()
                .find(|(_, c)| is_anywhere(c));
            let at = match (world, no_source) {
                (Some((rel, _)), _) => format!("{}/source_ranges{rel}", b.ptr),
                (None, true) => b.ptr.clone(),
                (None, false) => continue,
            };
            let mut what = None;
            for (_, allow) in items(v, &b.ptr, "allow") {
                let proto = match allow.get("protocol") {
                    Some(Value::String(s)) => s.to_ascii_lowercase(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => continue,
                };
                if !matches!(
                    proto.as_str(),
                    "all" | "tcp" | "udp" | "sctp" | "6" | "17" | "132"
                ) {
                    continue;
                }
                // No `ports` (or an empty list) means every port of the protocol.
                let no_ports = allow
                    .get("ports")
                    .is_none_or(|p| p.as_array().is_some_and(Vec::is_empty));
                let specs: Vec<Ports> = if proto == "all" || no_ports {
                    vec![Ports::All]
                } else {
                    strings(allow.get("ports"))
                        .iter()
                        .filter_map(|(_, p)| port_spec(p))
                        .collect()
                };
                what = specs.into_iter().find_map(|p| self.exposes(p));
                if what.is_some() {
                    break;
                }
            }
            if let Some(what) = what {
                report(
                    cx,
                    doc,
                    cdoc,
                    &at,
                    format!(
                        "firewall rule '{}' allows ingress on {what} from the internet",
                        b.name
                    ),
                );
            }
        }
    }

    fn azure(&self, doc: &Document, cdoc: &ConfigDoc, cx: &mut RuleContext) {
        let mut rules: Vec<(String, &Value)> = Vec::new();
        for b in blocks(cdoc, "resource", |t| {
            t == "azurerm_network_security_rule" || t == "azurerm_network_security_group"
        }) {
            if b.rtype == "azurerm_network_security_rule" {
                rules.push((b.ptr, b.value));
            } else {
                rules.extend(items(b.value, &b.ptr, "security_rule"));
            }
        }
        for (ptr, r) in rules {
            let is =
                |k: &str, want: &str| text(r.get(k)).is_some_and(|s| s.eq_ignore_ascii_case(want));
            if !is("direction", "Inbound") || !is("access", "Allow") {
                continue;
            }
            let proto = text(r.get("protocol")).unwrap_or("").to_ascii_lowercase();
            if !matches!(proto.as_str(), "*" | "tcp" | "udp") {
                continue;
            }
            let world = |s: &str| {
                let s = s.trim();
                s == "*"
                    || is_anywhere(s)
                    || s.eq_ignore_ascii_case("internet")
                    || s.eq_ignore_ascii_case("any")
            };
            let source = if text(r.get("source_address_prefix")).is_some_and(world) {
                Some(format!("{ptr}/source_address_prefix"))
            } else {
                strings(r.get("source_address_prefixes"))
                    .into_iter()
                    .find(|(_, s)| world(s))
                    .map(|(rel, _)| format!("{ptr}/source_address_prefixes{rel}"))
            };
            let Some(at) = source else { continue };
            let mut ports: Vec<&str> = Vec::new();
            ports.extend(text(r.get("destination_port_range")));
            ports.extend(
                strings(r.get("destination_port_ranges"))
                    .into_iter()
                    .map(|(_, s)| s),
            );
            if let Some(what) = ports
                .into_iter()
                .filter_map(port_spec)
                .find_map(|p| self.exposes(p))
            {
                report(
                    cx,
                    doc,
                    cdoc,
                    &at,
                    format!("network security rule allows inbound {what} from the internet"),
                );
            }
        }
    }
}

/// `"22"`, `"1000-2000"`, `"*"` → ports; `None` for anything else (references).
fn port_spec(s: &str) -> Option<Ports> {
    let s = s.trim();
    if s == "*" {
        return Some(Ports::All);
    }
    match s.split_once('-') {
        Some((a, b)) => Some(Ports::new(a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p: i64 = s.parse().ok()?;
            Some(Ports::new(p, p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        assert_eq!(port_spec("*"), Some(Ports::All));
        assert_eq!(port_spec("0-65535"), Some(Ports::All));
        assert_eq!(port_spec("20-30"), Some(Ports::Range(20, 30)));
        assert_eq!(port_spec("var.port"), None);
        let p = OpenPorts(Class::AwsAdmin);
        assert!(p.exposes(Ports::Range(0, 1024)).is_some());
        assert!(p.exposes(Ports::All).is_none());
        assert!(OpenPorts(Class::AwsAll).exposes(Ports::All).is_some());
        assert!(OpenPorts(Class::AzureAdmin).exposes(Ports::All).is_some());
    }
}
