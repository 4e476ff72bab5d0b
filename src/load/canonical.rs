//! Short syntax → long syntax, per file after merging (ports, volumes, devices, depends_on,
//! env_file, build, extends, secrets/configs, networks, ulimits, external resources).

use super::error::path_string;
use super::error::{ErrorKind, LoadError};
use super::merge::to_mapping;
use super::tables::{TRANSFORMS, Transform as T};
use super::yaml::{Key, Map, Node, Value, map_of};

/// Applies the canonical transforms to a whole document.
/// Rewrites every short syntax of `doc` into its long form. `lenient` (loading without
/// interpolation) keeps a value that does not parse as written when it holds a `$`: it may be a
/// `${VARIABLE}` that would have made it valid.
pub fn canonical(doc: &mut Node, lenient: bool) -> Result<(), LoadError> {
    let mut path = Vec::new();
    transform(doc, &mut path, lenient)
}

fn has_variable(node: &Node) -> bool {
    match &node.value {
        Value::Str(s) => s.contains('$'),
        Value::Seq(items) => items.iter().any(has_variable),
        Value::Map(m) => m.values().any(has_variable),
        _ => false,
    }
}

fn transform(node: &mut Node, path: &mut Vec<String>, lenient: bool) -> Result<(), LoadError> {
    if let Some(t) = TRANSFORMS.find(path) {
        if lenient && has_variable(node) {
            let mut attempt = node.clone();
            if apply(t, &mut attempt, path, lenient).is_ok() {
                *node = attempt;
            }
            return Ok(());
        }
        return apply(t, node, path, lenient);
    }
    if !TRANSFORMS.reaches_below(path) {
        return Ok(());
    }
    recurse(node, path, lenient)
}

fn recurse(node: &mut Node, path: &mut Vec<String>, lenient: bool) -> Result<(), LoadError> {
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                path.push(k.name.clone());
                let r = transform(v, path, lenient);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                let r = transform(v, path, lenient);
                path.pop();
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn syntax(node: &Node, path: &[String], msg: String) -> LoadError {
    LoadError::new(ErrorKind::Syntax, msg)
        .at(&node.span)
        .path(path_string(path))
}

fn apply(t: T, node: &mut Node, path: &mut Vec<String>, lenient: bool) -> Result<(), LoadError> {
    let span = node.span.clone();
    match t {
        T::Service | T::Build | T::Extends | T::MaybeExternal => {
            if let (T::Build, Value::Str(s)) = (t, &node.value) {
                *node = map_of(vec![("context", Node::str(s.clone(), span.clone()))], &span);
                return Ok(());
            }
            if let (T::Extends, Value::Str(s)) = (t, &node.value) {
                *node = map_of(vec![("service", Node::str(s.clone(), span.clone()))], &span);
                return Ok(());
            }
            recurse(node, path, lenient)?;
            if let T::MaybeExternal = t {
                external(node, path)?;
            }
        }
        T::FileMount => {
            if let Value::Str(s) = &node.value {
                *node = map_of(vec![("source", Node::str(s.clone(), span.clone()))], &span);
            }
        }
        T::Include => {
            if let Value::Str(s) = &node.value {
                *node = map_of(vec![("path", Node::str(s.clone(), span.clone()))], &span);
            }
        }
        T::StringOrX => {
            if !matches!(node.value, Value::Str(_)) {
                let s = super::merge::go_sprint(node);
                *node = Node::str(s, span);
            }
        }
        T::KeyValue => {
            if let Value::Seq(items) = &node.value {
                let mut m = Map::new();
                for it in items {
                    let s = it.scalar_string().unwrap_or_default();
                    let Some((k, v)) = s.split_once('=') else {
                        return Err(syntax(
                            it,
                            path,
                            format!("invalid value `{s}`, expected key=value"),
                        ));
                    };
                    m.insert(Key::new(k, it.span.clone()), Node::str(v, it.span.clone()));
                }
                node.value = Value::Map(m);
            }
        }
        T::DependsOn => {
            if let Value::Map(m) = &mut node.value {
                for (k, d) in m.iter_mut() {
                    let Value::Map(dm) = &mut d.value else {
                        return Err(syntax(
                            d,
                            path,
                            format!("dependency `{}` must be a mapping", k.name),
                        ));
                    };
                    if !dm.contains_key("condition") {
                        dm.insert(
                            Key::new("condition", d.span.clone()),
                            Node::str("service_started", d.span.clone()),
                        );
                    }
                    if !dm.contains_key("required") {
                        dm.insert(
                            Key::new("required", d.span.clone()),
                            Node::new(Value::Bool(true), d.span.clone()),
                        );
                    }
                }
            } else {
                let taken = std::mem::replace(node, Node::null(span));
                *node = to_mapping(taken, true);
            }
        }
        T::EnvFile => {
            let entry = |n: &Node| -> Node {
                match &n.value {
                    Value::Str(s) => map_of(
                        vec![
                            ("path", Node::str(s.clone(), n.span.clone())),
                            ("required", Node::new(Value::Bool(true), n.span.clone())),
                        ],
                        &n.span,
                    ),
                    Value::Map(_) => {
                        let mut m = n.clone();
                        if m.get("required").is_none() {
                            m.insert("required", Node::new(Value::Bool(true), n.span.clone()));
                        }
                        m
                    }
                    _ => n.clone(),
                }
            };
            match &node.value {
                Value::Str(_) => *node = Node::new(Value::Seq(vec![entry(node)]), span),
                Value::Seq(items) => {
                    let items = items.iter().map(entry).collect();
                    node.value = Value::Seq(items);
                }
                _ => {}
            }
        }
        // `dns: ""` (often an unset variable) means no server, as in Compose
        T::Dns if matches!(&node.value, Value::Str(s) if s.is_empty()) => {
            node.value = Value::Seq(vec![]);
        }
        T::StringOrList | T::Dns => {
            if let Value::Str(_) = node.value {
                let n = node.clone();
                node.value = Value::Seq(vec![n]);
            }
        }
        T::Gpus => match &node.value {
            Value::Str(_) => {
                *node = Node::new(
                    Value::Seq(vec![map_of(
                        vec![("count", Node::str("all", span.clone()))],
                        &span,
                    )]),
                    span,
                );
            }
            _ => recurse(node, path, lenient)?,
        },
        T::SliceToMap => {
            if let Value::Seq(_) = node.value {
                let taken = std::mem::replace(node, Node::null(span));
                *node = to_mapping(taken, false);
            }
        }
        T::Volume => {
            if let Value::Str(s) = &node.value {
                let v = parse_volume(s).map_err(|m| syntax(node, path, m))?;
                *node = v.to_node(&span);
            }
        }
        T::Device => {
            if let Value::Str(s) = &node.value {
                let parts: Vec<&str> = s.split(':').collect();
                let (src, mut dst, perm) = match parts.len() {
                    1 => (parts[0], "", "rwm"),
                    2 => (parts[0], parts[1], "rwm"),
                    3 => (parts[0], parts[1], parts[2]),
                    _ => {
                        return Err(syntax(
                            node,
                            path,
                            format!("confusing device mapping `{s}`, please use the long syntax"),
                        ));
                    }
                };
                if dst.is_empty() {
                    dst = src;
                }
                *node = map_of(
                    vec![
                        ("source", Node::str(src, span.clone())),
                        ("target", Node::str(dst, span.clone())),
                        ("permissions", Node::str(perm, span.clone())),
                    ],
                    &span,
                );
            }
        }
        T::Ports => {
            if let Value::Seq(items) = &node.value {
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    match &it.value {
                        Value::Int(_) | Value::Str(_) => {
                            let s = it.scalar_string().unwrap_or_default();
                            path.push(format!("[{i}]"));
                            let parsed = parse_ports(&s).map_err(|m| syntax(it, path, m));
                            path.pop();
                            for p in parsed? {
                                out.push(p.to_node(&it.span));
                            }
                        }
                        Value::Map(_) => out.push(it.clone()),
                        _ => {
                            path.push(format!("[{i}]"));
                            let e = syntax(
                                it,
                                path,
                                format!(
                                    "a port must be a number, a string or a mapping, found {}",
                                    it.kind_name()
                                ),
                            );
                            path.pop();
                            return Err(e);
                        }
                    }
                }
                node.value = Value::Seq(out);
            }
        }
        T::Ssh => {
            if let Value::Seq(items) = &node.value {
                let mut m = Map::new();
                for it in items {
                    let s = it.scalar_string().unwrap_or_default();
                    match s.split_once('=') {
                        Some((id, p)) => {
                            m.insert(Key::new(id, it.span.clone()), Node::str(p, it.span.clone()));
                        }
                        None if s == "default" => {
                            m.insert(Key::new(s, it.span.clone()), Node::null(it.span.clone()));
                        }
                        None => return Err(syntax(it, path, format!("invalid ssh key `{s}`"))),
                    }
                }
                node.value = Value::Map(m);
            }
        }
    }
    Ok(())
}

/// `external: {name: x}` (deprecated) becomes `external: true` + `name: x`.
fn external(node: &mut Node, path: &[String]) -> Result<(), LoadError> {
    let Value::Map(m) = &mut node.value else {
        return Ok(());
    };
    let Some(ext) = m.get("external") else {
        return Ok(());
    };
    let Value::Map(em) = &ext.value else {
        return Ok(());
    };
    let ext_name = em.get("name").cloned();
    let span = ext.span.clone();
    m.insert(
        Key::new("external", span.clone()),
        Node::new(Value::Bool(true), span.clone()),
    );
    if let Some(en) = ext_name {
        match m.get("name") {
            Some(n) if n.scalar_string() != en.scalar_string() => {
                return Err(LoadError::new(
                    ErrorKind::Conflict,
                    "name and external.name conflict; only use name",
                )
                .at(&en.span)
                .path(path_string(path)));
            }
            Some(_) => {}
            None => {
                m.insert(Key::new("name", en.span.clone()), en);
            }
        }
    }
    Ok(())
}

pub use super::short::{ShortPort, ShortVolume, clean_path, parse_ports, parse_volume};
