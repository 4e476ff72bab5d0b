//! Whether a service's spec changed: the spec rcompose would send against the one the engine
//! keeps, which the engine filled with defaults of its own. Every field rcompose sets must be
//! there with the same value (lists as long, label maps equal); a field rcompose leaves out is
//! the engine's business.

use serde_json::Value;

use crate::engine::ServiceSpec;

/// The fields of `desired` that `current` does not have as `desired` says, as paths
/// (`TaskTemplate.ContainerSpec.Env`); empty when the service needs no update.
pub fn differences(desired: &ServiceSpec, current: &ServiceSpec) -> Vec<String> {
    let d = serde_json::to_value(desired).unwrap_or_default();
    let c = serde_json::to_value(current).unwrap_or_default();
    let mut out = Vec::new();
    walk(&d, &c, "", &mut out);
    out
}

fn walk(d: &Value, c: &Value, path: &str, out: &mut Vec<String>) {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (d, c) {
        (Value::Object(dm), Value::Object(cm)) => {
            // labels are the file's own: one more or one less is a change
            if path.ends_with("Labels") && dm.len() != cm.len() {
                out.push(path.to_string());
                return;
            }
            for (k, dv) in dm {
                match cm.get(k) {
                    Some(cv) => walk(dv, cv, &at(k), out),
                    None if is_empty(dv) => {}
                    None => out.push(at(k)),
                }
            }
        }
        (Value::Array(da), Value::Array(ca)) => {
            if da.len() != ca.len() {
                out.push(path.to_string());
                return;
            }
            // the list is one field, however many of its items differ
            let mut items = Vec::new();
            for (dv, cv) in da.iter().zip(ca) {
                walk(dv, cv, path, &mut items);
            }
            if !items.is_empty() {
                out.push(path.to_string());
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        (a, Value::Null) if is_empty(a) => {}
        _ => out.push(path.to_string()),
    }
}

/// Nothing set: `{}`, `[]`, `false`, `0`, `""`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: serde_json::Value) -> ServiceSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn what_the_engine_adds_is_no_change_and_what_the_file_changes_is() {
        let desired = spec(serde_json::json!({
            "Name": "s_web",
            "Labels": {"a": "1"},
            "TaskTemplate": {"ContainerSpec": {"Image": "web", "Env": ["A=1", "B=2"]}},
            "Mode": {"Replicated": {"Replicas": 2}}
        }));
        let filled = spec(serde_json::json!({
            "Name": "s_web",
            "Labels": {"a": "1"},
            "TaskTemplate": {
                "ContainerSpec": {"Image": "web", "Env": ["A=1", "B=2"], "Isolation": "default"},
                "Resources": {"Limits": {}, "Reservations": {}},
                "ForceUpdate": 0, "Runtime": "container"
            },
            "Mode": {"Replicated": {"Replicas": 2}},
            "EndpointSpec": {"Mode": "vip"}
        }));
        assert_eq!(differences(&desired, &filled), Vec::<String>::new());
        let mut other = filled.clone();
        let c = other
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
            .unwrap();
        c.env = Some(vec!["A=1".into()]);
        other
            .labels
            .as_mut()
            .unwrap()
            .insert("b".into(), "2".into());
        other.mode =
            serde_json::from_value(serde_json::json!({"Replicated": {"Replicas": 3}})).unwrap();
        assert_eq!(
            differences(&desired, &other),
            [
                "Labels",
                "TaskTemplate.ContainerSpec.Env",
                "Mode.Replicated.Replicas"
            ]
        );
    }
}
