//! Security group ingress open to the whole internet: the inline `SecurityGroupIngress` rules of
//! `AWS::EC2::SecurityGroup` and standalone `AWS::EC2::SecurityGroupIngress` resources, IPv4
//! (`CidrIp`) and IPv6 (`CidrIpv6`). Ports, protocols and "anywhere" are read by the predicates
//! shared with Terraform; a rule open on every port is reported by the all-ports rule only.

use serde_json::Value;

use super::{cite, resources};
use crate::document::cloudformation::is_unknown;
use crate::document::{ConfigDoc, Document};
use crate::rule::RuleContext;
use crate::rule::builtin::Check;
use crate::rule::builtin::aws::controls::{Ports, aws_ports, cidr_is_anywhere, text};

pub enum Class {
    /// A port of this table (admin, database) in the range.
    Service(&'static [(i64, &'static str)]),
    /// Every port.
    All,
}

pub struct OpenPorts(pub Class);

impl OpenPorts {
    fn judge(
        &self,
        doc: &Document,
        cdoc: &ConfigDoc,
        cx: &mut RuleContext,
        id: &str,
        rule: &Value,
        ptr: &str,
    ) {
        let Some(ports) = aws_ports(
            rule.get("IpProtocol"),
            rule.get("FromPort"),
            rule.get("ToPort"),
        ) else {
            return;
        };
        let what = match self.0 {
            Class::All => (ports == Ports::All).then(|| "all ports".to_string()),
            Class::Service(table) => ports.service(table),
        };
        let Some(what) = what else { return };
        for key in ["CidrIp", "CidrIpv6"] {
            if let Some(cidr) = text(rule.get(key))
                && cidr_is_anywhere(cidr)
            {
                cite(
                    cx,
                    doc,
                    cdoc,
                    &format!("{ptr}/{key}"),
                    format!("security group '{id}' allows ingress on {what} from {cidr}"),
                );
            }
        }
    }
}

impl Check for OpenPorts {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(cdocs) = doc.config() else { return };
        for cdoc in cdocs {
            for r in resources(cdoc, |t| {
                t == "AWS::EC2::SecurityGroup" || t == "AWS::EC2::SecurityGroupIngress"
            }) {
                let props = format!("{}/Properties", r.ptr);
                if r.rtype == "AWS::EC2::SecurityGroupIngress" {
                    self.judge(doc, cdoc, cx, r.id, r.props, &props);
                    continue;
                }
                let Some(rules) = r
                    .props
                    .get("SecurityGroupIngress")
                    .and_then(Value::as_array)
                else {
                    continue;
                };
                for (i, rule) in rules.iter().enumerate() {
                    if !is_unknown(rule) {
                        let at = format!("{props}/SecurityGroupIngress/{i}");
                        self.judge(doc, cdoc, cx, r.id, rule, &at);
                    }
                }
            }
        }
    }
}
