//! Merging compose files (and `extends`) with Compose's rules: mappings merge, lists append, some
//! keys replace or merge on a key; `!reset` drops and `!override` replaces; then de-duplication.

use super::error::path_string;
use super::error::{ErrorKind, LoadError};
use super::tables::{Index, RULES, Rule, UNIQUE};
use super::yaml::{Key, MergeTag, Node, Value};

/// Merges `over` into `base`. `path` is the key path of `base`.
pub fn merge(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, LoadError> {
    if over.tag == MergeTag::Override {
        return Ok(over);
    }
    if let Some(rule) = RULES.find(path) {
        return apply_rule(rule, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut node = Node {
                value: Value::Map(b),
                span: base.span,
                tag: base.tag,
            };
            merge_maps(&mut node, o, path)?;
            Ok(node)
        }
        (Value::Seq(mut b), Value::Seq(o)) => {
            b.extend(o);
            Ok(Node {
                value: Value::Seq(b),
                span: base.span,
                tag: base.tag,
            })
        }
        (Value::Map(_) | Value::Seq(_), _) => Err(LoadError::new(
            ErrorKind::Conflict,
            format!("cannot override {}", path_string(path)),
        )
        .at(&over.span)
        .path(path_string(path))),
        (_, v) => Ok(Node {
            value: v,
            span: over.span,
            tag: over.tag,
        }),
    }
}

/// Merges the entries of `over` into the mapping `base`, honouring `!reset` and `!override`.
pub fn merge_maps(
    base: &mut Node,
    over: super::yaml::Map,
    path: &mut Vec<String>,
) -> Result<(), LoadError> {
    let Value::Map(b) = &mut base.value else {
        return Ok(());
    };
    for (k, v) in over {
        match v.tag {
            MergeTag::Reset => {
                b.shift_remove(k.name.as_str());
                continue;
            }
            MergeTag::Override => {
                b.insert(k, v);
                continue;
            }
            MergeTag::None => {}
        }
        match b.get_index_of(k.name.as_str()) {
            None => {
                b.insert(k, v);
            }
            Some(i) => {
                let (_, old) = b.get_index_mut(i).expect("index exists");
                let old = std::mem::replace(old, Node::null(v.span.clone()));
                path.push(k.name.clone());
                let merged = merge(old, v, path);
                path.pop();
                *b.get_index_mut(i).expect("index exists").1 = merged?;
            }
        }
    }
    Ok(())
}

fn apply_rule(
    rule: Rule,
    base: Node,
    over: Node,
    path: &mut Vec<String>,
) -> Result<Node, LoadError> {
    match rule {
        Rule::Replace => Ok(over),
        Rule::ToSequence => {
            // `KEY: !reset` in a mapping drops the base's KEY
            let reset: Vec<String> = match &over.value {
                Value::Map(m) => m
                    .iter()
                    .filter(|(_, v)| v.tag == MergeTag::Reset)
                    .map(|(k, _)| k.name.clone())
                    .collect(),
                _ => Vec::new(),
            };
            let span = base.span.clone();
            let mut seq: Vec<Node> = to_sequence(base)
                .into_iter()
                .filter(|n| {
                    let key = n.as_str().unwrap_or_default().split('=').next();
                    !key.is_some_and(|k| reset.iter().any(|r| r == k))
                })
                .collect();
            seq.extend(to_sequence(over));
            Ok(Node::new(Value::Seq(seq), span))
        }
        Rule::ExtraHosts => {
            let span = base.span.clone();
            let mut right = to_sequence(base);
            let left = to_sequence(over);
            for l in left {
                let lj = l.to_json();
                if !right.iter().any(|r| r.to_json() == lj) {
                    right.push(l);
                }
            }
            Ok(Node::new(Value::Seq(right), span))
        }
        Rule::Build => {
            let b = build_to_map(base);
            let o = build_to_map(over);
            let mut node = b;
            if let Value::Map(om) = o.value {
                merge_maps(&mut node, om, path)?;
            }
            Ok(node)
        }
        Rule::DependsOn => {
            let mut node = to_mapping(base, true);
            if let Value::Map(om) = to_mapping(over, true).value {
                merge_maps(&mut node, om, path)?;
            }
            Ok(node)
        }
        Rule::ToMapping => {
            let mut node = to_mapping(base, false);
            if let Value::Map(om) = to_mapping(over, false).value {
                merge_maps(&mut node, om, path)?;
            }
            Ok(node)
        }
        Rule::Logging => {
            let bd = base.get("driver").and_then(Node::scalar_string);
            let od = over.get("driver").and_then(Node::scalar_string);
            if bd.is_some() && od.is_some() && bd != od {
                return Ok(over);
            }
            let mut node = base;
            if let Value::Map(om) = over.value {
                merge_maps(&mut node, om, path)?;
            }
            Ok(node)
        }
        Rule::IpamConfig => {
            let (Some(b), Some(o)) = (base.as_seq(), over.as_seq()) else {
                return Ok(over);
            };
            let subnet = |n: &Node| n.get("subnet").map(Node::to_json);
            let mut out: Vec<Node> = Vec::new();
            for original in b {
                for ov in o {
                    if subnet(ov) != subnet(original) {
                        if !out.iter().any(|a| subnet(a) == subnet(ov)) {
                            out.push(ov.clone());
                        }
                        continue;
                    }
                    let mut merged = original.clone();
                    if let Value::Map(m) = ov.value.clone() {
                        merge_maps(&mut merged, m, path)?;
                    }
                    match out.iter().position(|a| subnet(a) == subnet(&merged)) {
                        Some(i) => out[i] = merged,
                        None => out.push(merged),
                    }
                }
            }
            Ok(Node::new(Value::Seq(out), base.span))
        }
    }
}

/// A mapping becomes sorted `key=value` strings (`key` alone for null); a string a one-item list.
fn to_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Map(m) => {
            let mut seq: Vec<Node> = Vec::new();
            for (k, v) in m {
                if v.tag == MergeTag::Reset {
                    continue;
                }
                match &v.value {
                    Value::Null => seq.push(Node::str(k.name, k.span)),
                    Value::Seq(items) => {
                        for it in items {
                            seq.push(Node::str(
                                format!("{}={}", k.name, go_sprint(it)),
                                v.span.clone(),
                            ));
                        }
                    }
                    _ => seq.push(Node::str(
                        format!("{}={}", k.name, go_sprint(&v)),
                        v.span.clone(),
                    )),
                }
            }
            seq.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            seq
        }
        Value::Seq(s) => s,
        Value::Str(_) => vec![node],
        _ => Vec::new(),
    }
}

/// Go's `%v` of a YAML value (scalars as text, lists as `[a b]`).
pub fn go_sprint(n: &Node) -> String {
    match &n.value {
        Value::Null => "<nil>".into(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{}:{}", k.name, go_sprint(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => n.scalar_string().unwrap_or_default(),
    }
}

fn build_to_map(node: Node) -> Node {
    match node.value {
        Value::Str(s) => {
            let mut m = Node::map(node.span.clone());
            m.insert("context", Node::str(s, node.span));
            m
        }
        _ => node,
    }
}

/// A list of names becomes a mapping (of default dependency conditions for `depends_on`).
pub fn to_mapping(node: Node, dependency: bool) -> Node {
    match node.value {
        Value::Seq(items) => {
            let mut m = Node::map(node.span.clone());
            for it in items {
                let name = it.scalar_string().unwrap_or_default();
                let value = if dependency {
                    let mut d = Node::map(it.span.clone());
                    d.insert("condition", Node::str("service_started", it.span.clone()));
                    d.insert("required", Node::new(Value::Bool(true), it.span.clone()));
                    d
                } else {
                    Node::null(it.span.clone())
                };
                if let Value::Map(mm) = &mut m.value {
                    mm.insert(Key::new(name, it.span.clone()), value);
                }
            }
            m
        }
        _ => node,
    }
}

fn index_key(ix: Index, n: &Node) -> Option<String> {
    let s = n.scalar_string();
    match ix {
        Index::KeyValue => s.map(|s| s.split_once('=').map(|(k, _)| k.to_string()).unwrap_or(s)),
        Index::Expose => s,
        Index::EnvFile => s.or_else(|| n.get("path").and_then(Node::scalar_string)),
        Index::Mount(prefix) => match s {
            Some(s) => Some(format!("{prefix}/{s}")),
            None => n.get("target").and_then(Node::scalar_string).or_else(|| {
                n.get("source")
                    .and_then(Node::scalar_string)
                    .map(|src| format!("{prefix}/{src}"))
            }),
        },
        Index::Volume => match s {
            Some(s) => super::short::parse_volume(&s).ok().map(|v| v.target),
            None => n.get("target").and_then(Node::scalar_string),
        },
        Index::Device => match s {
            Some(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                Some(if parts.len() == 1 {
                    parts[0].to_string()
                } else {
                    parts[1].to_string()
                })
            }
            None => n.get("target").and_then(Node::scalar_string),
        },
        Index::Port => match s {
            Some(s) => Some(s),
            None => {
                let g = |k: &str, d: &str| {
                    n.get(k)
                        .and_then(Node::scalar_string)
                        .unwrap_or_else(|| d.to_string())
                };
                Some(format!(
                    "{}:{}:{}/{}",
                    g("host_ip", "0.0.0.0"),
                    g("published", ""),
                    g("target", ""),
                    g("protocol", "tcp")
                ))
            }
        },
    }
}

/// Removes duplicates from the lists Compose keys (last one wins, in the first one's place).
pub fn enforce_unicity(node: &mut Node, path: &mut Vec<String>) {
    match &mut node.value {
        Value::Map(m) if UNIQUE.reaches_below(path) => {
            for (k, v) in m.iter_mut() {
                path.push(k.name.clone());
                enforce_unicity(v, path);
                path.pop();
            }
        }
        Value::Seq(items) => {
            let Some(ix) = UNIQUE.find(path) else {
                return;
            };
            let mut out: Vec<Node> = Vec::with_capacity(items.len());
            let mut keys: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            for it in std::mem::take(items) {
                match index_key(ix, &it) {
                    Some(k) => match keys.get(&k) {
                        Some(&j) => out[j] = it,
                        None => {
                            keys.insert(k, out.len());
                            out.push(it);
                        }
                    },
                    None => out.push(it),
                }
            }
            *items = out;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn doc(t: &str) -> Node {
        super::super::yaml::parse(t, &Arc::from("t.yaml"))
            .unwrap()
            .remove(0)
    }

    fn merged(a: &str, b: &str) -> serde_json::Value {
        let mut n = merge(doc(a), doc(b), &mut Vec::new()).unwrap();
        enforce_unicity(&mut n, &mut Vec::new());
        n.to_json()
    }

    #[test]
    fn maps_merge_lists_append_commands_replace() {
        let j = merged(
            "services:\n  a:\n    image: x\n    command: [a, b]\n    cap_add: [A]\n",
            "services:\n  a:\n    command: [c]\n    cap_add: [B]\n    init: true\n",
        );
        assert_eq!(
            j["services"]["a"],
            serde_json::json!({"image": "x", "command": ["c"], "cap_add": ["A", "B"], "init": true})
        );
    }

    #[test]
    fn environment_merges_on_key() {
        let j = merged(
            "services:\n  a:\n    environment: {A: 1, B: 2}\n",
            "services:\n  a:\n    environment: [B=3, C]\n",
        );
        assert_eq!(
            j["services"]["a"]["environment"],
            serde_json::json!(["A=1", "B=3", "C"])
        );
    }

    #[test]
    fn ports_merge_on_their_key() {
        let j = merged(
            "services:\n  a:\n    ports: ['80:80']\n",
            "services:\n  a:\n    ports: ['80:80', '81:81']\n",
        );
        assert_eq!(
            j["services"]["a"]["ports"],
            serde_json::json!(["80:80", "81:81"])
        );
    }

    #[test]
    fn reset_and_override() {
        let j = merged(
            "services:\n  a:\n    ports: ['80:80']\n    labels: {a: b}\n",
            "services:\n  a:\n    ports: !reset []\n    labels: !override {c: d}\n",
        );
        assert_eq!(
            j["services"]["a"],
            serde_json::json!({"labels": {"c": "d"}})
        );
    }
}
