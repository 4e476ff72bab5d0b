//! Rules Compose enforces that its JSON Schema cannot express (exclusive keys, required sources),
//! checked on the located tree right after schema validation so each error keeps its place.

use super::error::{ErrorKind, LoadError};
use super::yaml::{Key, Node, Value};

fn conflict(node: &Node, path: String, a: &str, b: &str) -> LoadError {
    LoadError::new(
        ErrorKind::Conflict,
        format!("`{a}` and `{b}` cannot be used together"),
    )
    .at(&node.span)
    .path(path)
}

fn entries<'a>(doc: &'a Node, key: &str) -> impl Iterator<Item = (&'a Key, &'a Node)> {
    doc.get(key)
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|m| m.iter())
}

/// `external: true`, or the deprecated `external: {name: ...}`.
fn is_external(n: Option<&Node>) -> bool {
    matches!(n.map(|n| &n.value), Some(Value::Bool(true) | Value::Map(_)))
        || n.and_then(Node::as_str).is_some_and(|s| s == "true")
}

/// Returns every violation found in a merged document.
pub fn check(doc: &Node) -> Vec<LoadError> {
    let mut errors = Vec::new();
    for (Key { name, .. }, vol) in entries(doc, "volumes") {
        if is_external(vol.get("external")) {
            for key in ["driver", "driver_opts", "labels"] {
                if let Some(n) = vol.get(key) {
                    errors.push(
                        conflict(n, format!("volumes.{name}"), "external", key)
                            .hint("an external volume is created outside this project: drop the key or `external`"),
                    );
                }
            }
        }
    }
    for (key, secret) in entries(doc, "secrets") {
        if !is_external(secret.get("external"))
            && secret.get("file").is_none()
            && secret.get("environment").is_none()
        {
            errors.push(
                LoadError::new(
                    ErrorKind::Type,
                    "a secret needs `file` or `environment` (or `external: true`)",
                )
                .at(&key.span)
                .path(format!("secrets.{}", key.name)),
            );
        }
    }
    for (Key { name, .. }, svc) in entries(doc, "services") {
        if let (Some(mode), Some(nets)) = (svc.get("network_mode"), svc.get("networks")) {
            let mode = mode.as_str().unwrap_or_default();
            if !mode.is_empty() {
                errors.push(
                    conflict(nets, format!("services.{name}"), "network_mode", "networks")
                        .hint(format!("`network_mode: {mode}` replaces the service's networks: remove one of them")),
                );
            }
        }
        if let Some(Value::Seq(vols)) = svc.get("volumes").map(|v| &v.value) {
            for (i, v) in vols.iter().enumerate() {
                let is_bind = v.get("type").and_then(Node::as_str) == Some("bind");
                let source = v.get("source").and_then(Node::scalar_string);
                if is_bind && source.as_deref().is_none_or(str::is_empty) {
                    errors.push(
                        LoadError::new(ErrorKind::Type, "a bind mount needs a `source`")
                            .at(&v.span)
                            .path(format!("services.{name}.volumes[{i}]"))
                            .hint("name the host path to mount, or use `type: volume`"),
                    );
                }
            }
        }
        let devices = svc
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("reservations"))
            .and_then(|r| r.get("devices"));
        if let Some(Value::Seq(devs)) = devices.map(|d| &d.value) {
            for (i, d) in devs.iter().enumerate() {
                if let (Some(c), Some(_)) = (d.get("count"), d.get("device_ids")) {
                    errors.push(conflict(
                        c,
                        format!("services.{name}.deploy.resources.reservations.devices[{i}]"),
                        "count",
                        "device_ids",
                    ));
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn errors(text: &str) -> Vec<String> {
        let doc = super::super::yaml::parse(text, &Arc::from("c.yaml"))
            .unwrap()
            .remove(0);
        check(&doc).into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn external_volumes_take_no_driver() {
        assert_eq!(
            errors("volumes:\n  v:\n    external: true\n    driver: x\n"),
            vec![
                "c.yaml:4:13: volumes.v: `external` and `driver` cannot be used together\n  hint: an external volume is created outside this project: drop the key or `external`"
            ]
        );
    }

    #[test]
    fn network_mode_excludes_networks() {
        let e = errors("services:\n  a:\n    network_mode: host\n    networks: [n]\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("c.yaml:4:15: services.a: `network_mode` and `networks`"),
            "{e:?}"
        );
    }

    #[test]
    fn bind_mounts_need_a_source_and_secrets_a_file() {
        let e = errors(
            "services:\n  a:\n    volumes:\n      - type: bind\n        target: /x\nsecrets:\n  s:\n    name: n\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("c.yaml:7:3: secrets.s: a secret needs"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("c.yaml:4:9: services.a.volumes[0]: a bind mount needs a `source`"),
            "{e:?}"
        );
    }

    #[test]
    fn device_count_excludes_ids() {
        let e = errors(
            "services:\n  a:\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - count: 2\n              device_ids: [x]\n",
        );
        assert_eq!(e.len(), 1);
        assert!(
            e[0].contains("devices[0]: `count` and `device_ids`"),
            "{e:?}"
        );
    }
}
