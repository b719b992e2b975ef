//! Built-in `compose` rules: what a declaration cannot say well over `$.services.*` — secrets in
//! `environment` (map and `KEY=value` list forms, keys judged by name) and database ports
//! published on every interface (short `"[ip:][host:]container[/proto]"` and long syntax).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::docker::{is_literal_secret_value, is_secret_name};
use super::{Check, Factory};
use crate::decl::config_rule::best_span;
use crate::document::{ConfigDoc, Document, Span, pointer_escape};
use crate::finding::redact_secret;
use crate::rule::RuleContext;

/// Built-in rules of the `compose` pack.
pub const RULES: &[(&str, Factory)] = &[
    ("compose/database-exposed", || Box::new(DatabaseExposed)),
    ("compose/secret-in-environment", || {
        Box::new(SecretInEnvironment)
    }),
];

fn services(cdoc: &ConfigDoc) -> impl Iterator<Item = (&String, &Value)> {
    cdoc.value
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct SecretInEnvironment;

impl Check for SecretInEnvironment {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(docs) = doc.config() else { return };
        for cdoc in docs {
            for (name, svc) in services(cdoc) {
                let base = format!("/services/{}/environment", pointer_escape(name));
                let mut hits = Vec::new();
                match svc.get("environment") {
                    Some(Value::Object(m)) => {
                        for (k, v) in m {
                            if let Some(val) = scalar(v)
                                && is_secret_name(k)
                                && is_literal_secret_value(&val)
                            {
                                let ptr = format!("{base}/{}", pointer_escape(k));
                                let at = cdoc.literal_span(&doc.text, &ptr, &val);
                                hits.push((ptr, k.clone(), val, at));
                            }
                        }
                    }
                    Some(Value::Array(a)) => {
                        for (i, item) in a.iter().enumerate() {
                            let Some(s) = item.as_str() else { continue };
                            if let Some((k, val)) = s.split_once('=')
                                && is_secret_name(k.trim())
                                && is_literal_secret_value(val)
                            {
                                let ptr = format!("{base}/{i}");
                                // The value is what follows `KEY=` in the item's text (when the
                                // item is there verbatim; else the whole item is masked).
                                let item = cdoc.literal_span(&doc.text, &ptr, s);
                                let at = if doc.text.get(item.start..item.end) == Some(s) {
                                    Span::new(item.start + k.len() + 1, item.end)
                                } else {
                                    item
                                };
                                hits.push((ptr, k.trim().to_string(), val.to_string(), at));
                            }
                        }
                    }
                    _ => {}
                }
                for (ptr, key, val, at) in hits {
                    let span = best_span(cdoc, &ptr, &doc.text);
                    let f = cx.report(
                        &doc.path,
                        Some(span),
                        format!(
                            "service '{name}' sets {key} to a literal secret in environment: {}",
                            redact_secret(&val)
                        ),
                    );
                    f.with_key_mut(format!("{}#{name}/{key}", cdoc.index));
                    f.redact = Some(at);
                }
            }
        }
    }
}

static DB_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|/)(?:postgres(?:ql)?|postgis|timescaledb|mysql|mariadb|percona(?:-server)?|mongo(?:db)?|redis(?:-stack(?:-server)?)?|valkey|keydb|elasticsearch|opensearch|cassandra|scylla|couchdb|couchbase(?:-server)?|memcached|influxdb|clickhouse(?:-server)?|neo4j|cockroach|mssql|oracle(?:-xe|-database)?|rethinkdb|arangodb|questdb|etcd)(?:[:@/]|$)",
    )
    .expect("constant regex")
});

/// Well-known database and data-store ports.
const DB_PORTS: &[u32] = &[
    1433, 1521, 2379, 3306, 5432, 5984, 6379, 7474, 7687, 8086, 8123, 8529, 9042, 9200, 9300,
    11211, 26257, 27017, 27018, 28015, 33060,
];

/// A published port: host interface (None = all interfaces) and container port(s).
struct Published {
    host_ip: Option<String>,
    target: Option<(u32, u32)>,
}

fn port_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => s.parse().ok().map(|p| (p, p)),
    }
}

/// Parse the short syntax `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`.
fn parse_short(s: &str) -> Option<Published> {
    let s = s.trim();
    if s.contains('$') {
        return None;
    }
    let s = s.split('/').next().unwrap_or(s);
    let (ip, rest) = if let Some(r) = s.strip_prefix('[') {
        let (ip, rest) = r.split_once(']')?;
        (
            Some(ip.to_string()),
            rest.trim_start_matches(':').to_string(),
        )
    } else {
        let parts: Vec<&str> = s.split(':').collect();
        match parts.len() {
            0..=2 => (None, s.to_string()),
            3 => (Some(parts[0].to_string()), parts[1..].join(":")),
            n => (Some(parts[..n - 2].join(":")), parts[n - 2..].join(":")),
        }
    };
    let container = rest.rsplit(':').next().unwrap_or(&rest);
    Some(Published {
        host_ip: ip.filter(|i| !i.is_empty()),
        target: port_range(container),
    })
}

fn all_interfaces(ip: Option<&str>) -> bool {
    match ip {
        None => true,
        Some(ip) => matches!(ip.trim_matches(['[', ']']), "0.0.0.0" | "::" | "*" | ""),
    }
}

struct DatabaseExposed;

impl Check for DatabaseExposed {
    fn check(&self, doc: &Document, cx: &mut RuleContext) {
        let Ok(docs) = doc.config() else { return };
        for cdoc in docs {
            for (name, svc) in services(cdoc) {
                let image = svc.get("image").and_then(Value::as_str).unwrap_or("");
                let db_image = DB_IMAGE.is_match(image);
                let Some(ports) = svc.get("ports").and_then(Value::as_array) else {
                    continue;
                };
                for (i, p) in ports.iter().enumerate() {
                    let published = match p {
                        Value::String(s) => parse_short(s),
                        Value::Number(n) => parse_short(&n.to_string()),
                        Value::Object(m) => Some(Published {
                            host_ip: m.get("host_ip").and_then(scalar),
                            target: m
                                .get("target")
                                .and_then(scalar)
                                .and_then(|t| port_range(&t)),
                        }),
                        _ => None,
                    };
                    let Some(pb) = published else { continue };
                    if !all_interfaces(pb.host_ip.as_deref()) {
                        continue;
                    }
                    let db_port = pb
                        .target
                        .and_then(|(a, b)| DB_PORTS.iter().find(|p| (a..=b).contains(*p)).copied());
                    if !(db_image || db_port.is_some()) {
                        continue;
                    }
                    let port = db_port
                        .or(pb.target.map(|(a, _)| a))
                        .map_or_else(|| "?".to_string(), |p| p.to_string());
                    let ptr = format!("/services/{}/ports/{i}", pointer_escape(name));
                    let span = best_span(cdoc, &ptr, &doc.text);
                    cx.report(
                        &doc.path,
                        Some(span),
                        format!(
                            "service '{name}' publishes database port {port} on all interfaces"
                        ),
                    )
                    .with_key_mut(format!("{}#{name}/{port}", cdoc.index));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ports() {
        let p = parse_short("127.0.0.1:5432:5432").map(|p| (p.host_ip, p.target));
        assert_eq!(p, Some((Some("127.0.0.1".into()), Some((5432, 5432)))));
        let p = parse_short("5432:5432/tcp").map(|p| (p.host_ip, p.target));
        assert_eq!(p, Some((None, Some((5432, 5432)))));
        let p = parse_short("[::1]:6379:6379").map(|p| (p.host_ip, p.target));
        assert_eq!(p, Some((Some("::1".into()), Some((6379, 6379)))));
        let p = parse_short("27017").map(|p| (p.host_ip, p.target));
        assert_eq!(p, Some((None, Some((27017, 27017)))));
        let p = parse_short("9200-9300:9200-9300").map(|p| p.target);
        assert_eq!(p, Some(Some((9200, 9300))));
        assert!(parse_short("${PORT}:5432").is_none());
    }

    #[test]
    fn db_images() {
        for i in [
            "postgres:16",
            "bitnami/postgresql",
            "mongo",
            "redis/redis-stack:latest",
            "docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
            "mcr.microsoft.com/mssql/server:2022-latest",
            "mysql@sha256:abc",
        ] {
            assert!(DB_IMAGE.is_match(i), "{i}");
        }
        for i in [
            "nginx:1.25",
            "prometheuscommunity/postgres-exporter",
            "mongo-express:1",
            "grafana/grafana",
        ] {
            assert!(!DB_IMAGE.is_match(i), "{i}");
        }
    }
}
