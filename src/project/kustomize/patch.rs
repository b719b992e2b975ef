//! Kustomize patches: strategic merge (with the merge keys of the core workload fields and the
//! `$patch` directives) and JSON 6902. Nodes a patch sets keep the patch's origin, so a finding
//! on a patched value points at the patch line.

use serde_json::Value;

use super::tree::{Node, Val};

/// The list fields whose items merge by a key, as the Kubernetes API declares them
/// (`patchMergeKey`); every other list is replaced whole.
fn merge_key(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => &["name"],
        "volumeMounts" | "volumeDevices" => &["mountPath", "devicePath"],
        "ports" => &["containerPort", "port"],
        "hostAliases" => &["ip"],
        _ => return None,
    })
}

fn directive(n: &Node) -> Option<&str> {
    n.str_at(&["$patch"])
}

/// Apply a strategic-merge patch to `target` in place.
pub fn strategic_merge(target: &mut Node, patch: &Node) {
    match (&mut target.val, &patch.val) {
        (Val::Map(_), Val::Map(_)) if directive(patch) == Some("replace") => {
            *target = without_directives(patch);
        }
        (Val::Map(entries), Val::Map(pentries)) => {
            for (k, pv) in pentries {
                if k.starts_with('$') {
                    continue;
                }
                if matches!(pv.val, Val::Scalar(Value::Null)) {
                    entries.retain(|(ek, _)| ek != k);
                    continue;
                }
                match entries.iter_mut().find(|(ek, _)| ek == k) {
                    Some((_, tv)) => merge_field(k, tv, pv),
                    None => entries.push((k.clone(), without_directives(pv))),
                }
            }
        }
        _ => *target = without_directives(patch),
    }
}

fn merge_field(field: &str, target: &mut Node, patch: &Node) {
    match (&mut target.val, &patch.val) {
        // A patch restating a value (the name that identifies a container) changes nothing:
        // the value still comes from where it was first written.
        (Val::Scalar(a), Val::Scalar(b)) if a == b => {}
        (Val::Map(_), Val::Map(_)) => strategic_merge(target, patch),
        (Val::Seq(items), Val::Seq(pitems)) => match merge_key(field) {
            Some(keys) => {
                for pi in pitems {
                    let Some((key, id)) = keys
                        .iter()
                        .find_map(|k| pi.get(k).map(|v| (*k, v.to_value())))
                    else {
                        items.push(without_directives(pi));
                        continue;
                    };
                    let at = items
                        .iter()
                        .position(|t| t.get(key).map(Node::to_value).as_ref() == Some(&id));
                    match (at, directive(pi)) {
                        (Some(i), Some("delete")) => {
                            items.remove(i);
                        }
                        (None, Some("delete")) => {}
                        (Some(i), Some("replace")) => items[i] = without_directives(pi),
                        (Some(i), _) => strategic_merge(&mut items[i], pi),
                        (None, _) => items.push(without_directives(pi)),
                    }
                }
            }
            None => *target = without_directives(patch),
        },
        _ => *target = without_directives(patch),
    }
}

/// A patch subtree with its `$…` directives dropped (what lands in the object).
fn without_directives(n: &Node) -> Node {
    let val = match &n.val {
        Val::Map(entries) => Val::Map(
            entries
                .iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), without_directives(v)))
                .collect(),
        ),
        Val::Seq(items) => Val::Seq(items.iter().map(without_directives).collect()),
        Val::Scalar(v) => Val::Scalar(v.clone()),
    };
    Node {
        val,
        origin: n.origin.clone(),
    }
}

/// Whether a strategic-merge patch deletes the whole object (`$patch: delete` at its top).
pub fn deletes_object(patch: &Node) -> bool {
    directive(patch) == Some("delete")
}

/// Apply JSON 6902 operations (a list of `{op, path, value?, from?}` nodes). Operations that
/// do not apply (a missing path) are skipped, as a failed `test` stops the rest.
pub fn json6902(target: &mut Node, ops: &Node) {
    let Val::Seq(ops) = &ops.val else {
        return;
    };
    for op in ops {
        let (Some(kind), Some(path)) = (op.str_at(&["op"]), op.str_at(&["path"])) else {
            continue;
        };
        let path = split_pointer(path);
        let value = op.get("value").cloned();
        match kind {
            "add" => {
                if let Some(v) = value {
                    add(target, &path, v);
                }
            }
            "replace" => {
                if let (Some(v), Some(n)) = (value, target.pointer_mut(&path)) {
                    *n = v;
                }
            }
            "remove" => {
                remove(target, &path);
            }
            "copy" | "move" => {
                let Some(from) = op.str_at(&["from"]).map(split_pointer) else {
                    continue;
                };
                let Some(v) = target.pointer_mut(&from).map(|n| n.clone()) else {
                    continue;
                };
                if kind == "move" {
                    remove(target, &from);
                }
                add(target, &path, v);
            }
            "test" => {
                let same = value
                    .zip(target.pointer_mut(&path))
                    .is_some_and(|(v, n)| v.to_value() == n.to_value());
                if !same {
                    return;
                }
            }
            _ => {}
        }
    }
}

fn split_pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn add(target: &mut Node, path: &[String], v: Node) {
    let Some((last, parent)) = path.split_last() else {
        *target = v;
        return;
    };
    let Some(p) = target.pointer_mut(parent) else {
        return;
    };
    match &mut p.val {
        Val::Map(_) => p.set(last, v),
        Val::Seq(items) => {
            if last == "-" {
                items.push(v);
            } else if let Ok(i) = last.parse::<usize>()
                && i <= items.len()
            {
                items.insert(i, v);
            }
        }
        Val::Scalar(_) => {}
    }
}

fn remove(target: &mut Node, path: &[String]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let Some(p) = target.pointer_mut(parent) else {
        return;
    };
    match &mut p.val {
        Val::Map(entries) => entries.retain(|(k, _)| k != last),
        Val::Seq(items) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        Val::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(v: Value) -> Node {
        Node::from_value_at(&v, &None)
    }

    #[test]
    fn strategic_merge_by_name_delete_and_null() {
        let mut t = node(json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "securityContext": {"privileged": true}},
            {"name": "b", "image": "b:1"}
        ], "hostNetwork": true}}));
        let p = node(json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"privileged": false}},
            {"name": "b", "$patch": "delete"},
            {"name": "c", "image": "c:1"}
        ], "hostNetwork": null}}));
        strategic_merge(&mut t, &p);
        assert_eq!(
            t.to_value(),
            json!({"spec": {"containers": [
                {"name": "a", "image": "a:1", "securityContext": {"privileged": false}},
                {"name": "c", "image": "c:1"}
            ]}})
        );
    }

    #[test]
    fn json6902_operations() {
        let mut t = node(json!({"spec": {"containers": [{"name": "a", "args": ["x"]}]}}));
        let ops = node(json!([
            {"op": "add", "path": "/spec/containers/0/securityContext", "value": {"runAsNonRoot": true}},
            {"op": "add", "path": "/spec/containers/0/args/-", "value": "y"},
            {"op": "replace", "path": "/spec/containers/0/name", "value": "b"},
            {"op": "remove", "path": "/spec/missing"},
            {"op": "copy", "from": "/spec/containers/0/name", "path": "/spec/first"}
        ]));
        json6902(&mut t, &ops);
        assert_eq!(
            t.to_value(),
            json!({"spec": {"containers": [{"name": "b", "args": ["x", "y"],
                "securityContext": {"runAsNonRoot": true}}], "first": "b"}})
        );
    }
}
