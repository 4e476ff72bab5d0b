//! After all files are merged: defaults, absolute paths, environment resolution, Compose's
//! normalization (default network, implicit dependencies, resource names); the value
//! conversions the typed model expects are in `typing`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::error::{LoadError, Span};
use super::paths::PathTable;
use super::yaml::{Key, Map, Node, Value};

/// A visitor, called where a pattern of the walk's table matches: (node, key path, the
/// pattern's kind) → stop descending?
type Visit<'a, K> = dyn FnMut(&mut Node, &[String], K) -> Result<bool, LoadError> + 'a;

/// Walks the nodes `table` reaches, calling `f` on those it matches.
pub(super) fn walk<K: Copy>(
    node: &mut Node,
    path: &mut Vec<String>,
    table: &PathTable<K>,
    f: &mut Visit<'_, K>,
) -> Result<(), LoadError> {
    if let Some(kind) = table.find(path)
        && f(node, path, kind)?
    {
        return Ok(());
    }
    if !table.reaches_below(path) {
        return Ok(());
    }
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                path.push(k.name.clone());
                let r = walk(v, path, table, f);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                let r = walk(v, path, table, f);
                path.pop();
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn b(v: bool, span: &Span) -> Node {
    Node::new(Value::Bool(v), span.clone())
}

fn set_default(node: &mut Node, key: &str, value: Node) {
    if let Value::Map(m) = &mut node.value
        && !m.contains_key(key)
    {
        m.insert(Key::new(key, value.span.clone()), value);
    }
}

/// Compose's default values (build context, secret targets, port protocol/mode, bind options).
pub fn set_defaults(doc: &mut Node) -> Result<(), LoadError> {
    #[derive(Clone, Copy)]
    enum D {
        Build,
        Secret,
        Port,
        Device,
    }
    static TABLE: LazyLock<PathTable<D>> = LazyLock::new(|| {
        PathTable::new(&[
            ("services.*.build", D::Build),
            ("services.*.secrets.*", D::Secret),
            ("services.*.ports.*", D::Port),
            (
                "services.*.deploy.resources.reservations.devices.*",
                D::Device,
            ),
            ("services.*.gpus.*", D::Device),
        ])
    });
    walk(doc, &mut Vec::new(), &TABLE, &mut |n, _, kind| {
        let span = n.span.clone();
        match kind {
            D::Build => set_default(n, "context", Node::str(".", span)),
            D::Secret => {
                if let Some(src) = n.get("source").and_then(Node::scalar_string) {
                    set_default(n, "target", Node::str(format!("/run/secrets/{src}"), span));
                }
            }
            D::Port => {
                set_default(n, "protocol", Node::str("tcp", span.clone()));
                set_default(n, "mode", Node::str("ingress", span));
            }
            D::Device => {
                if n.get("count").is_none() && n.get("device_ids").is_none() {
                    set_default(n, "count", Node::str("all", span));
                }
            }
        }
        Ok(true)
    })
}

/// `~` → the user's `home` (from the load's environment).
pub fn expand_user(p: &str, home: Option<&str>) -> String {
    if (p == "~" || p.starts_with("~/"))
        && let Some(home) = home
    {
        return format!("{home}{}", &p[1..]);
    }
    p.to_string()
}

/// `C:\x`, `z:/` or `\\server\share`: already absolute on Windows, kept as written.
fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with("\\\\")
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'))
}

/// `~` and relative paths → absolute, against `base`.
pub fn abs_path(base: &Path, p: &str, home: Option<&str>) -> String {
    let p = expand_user(p, home);
    if p.is_empty() || Path::new(&p).is_absolute() || is_windows_abs(&p) {
        return p;
    }
    let joined: PathBuf = base.join(&p);
    super::canonical::clean_path(&joined.to_string_lossy())
}

fn is_remote_context(v: &str) -> bool {
    v.contains("://")
        || v.starts_with("service:")
        || [
            "https://",
            "http://",
            "git://",
            "ssh://",
            "github.com/",
            "git@",
        ]
        .iter()
        .any(|p| v.starts_with(p))
}

/// Makes the file paths of the model absolute, as Compose does.
pub fn resolve_paths(doc: &mut Node, base: &Path, home: Option<&str>) -> Result<(), LoadError> {
    #[derive(Clone, Copy)]
    enum P {
        Context,
        File,
        Volume,
        LocalVolume,
    }
    static TABLE: LazyLock<PathTable<P>> = LazyLock::new(|| {
        PathTable::new(&[
            ("services.*.build.context", P::Context),
            ("services.*.build.additional_contexts.*", P::Context),
            ("services.*.env_file.*.path", P::File),
            ("services.*.label_file.*", P::File),
            ("services.*.develop.watch.*.path", P::File),
            ("services.*.build.ssh.*", P::File),
            ("configs.*.file", P::File),
            ("secrets.*.file", P::File),
            ("services.*.extends.file", P::File),
            ("services.*.volumes.*", P::Volume),
            ("volumes.*", P::LocalVolume),
        ])
    });
    let abs_str = |n: &mut Node| {
        if let Value::Str(s) = &mut n.value {
            *s = abs_path(base, s, home);
        }
    };
    walk(doc, &mut Vec::new(), &TABLE, &mut |n, _, kind| {
        match kind {
            P::Context => {
                if let Value::Str(s) = &n.value
                    && !is_remote_context(s)
                {
                    abs_str(n);
                }
            }
            P::File => abs_str(n),
            P::Volume => {
                if n.get("type").and_then(Node::as_str) == Some("bind")
                    && let Some(src) = n.get_mut("source")
                {
                    abs_str(src);
                }
            }
            P::LocalVolume => {
                if n.get("driver").and_then(Node::as_str) == Some("local") {
                    let is_bind = n
                        .get("driver_opts")
                        .and_then(|d| d.get("o"))
                        .and_then(Node::as_str)
                        .is_some_and(|o| o.split(',').any(|x| x == "bind"));
                    if is_bind
                        && let Some(dev) =
                            n.get_mut("driver_opts").and_then(|d| d.get_mut("device"))
                    {
                        abs_str(dev);
                    }
                }
            }
        }
        Ok(true)
    })
}

/// Environment entries without a value (`- FOO`) take the value from the project environment.
pub fn resolve_environment(doc: &mut Node, env: &dyn Fn(&str) -> Option<String>) {
    if let Some(Value::Map(services)) = doc.get_mut("services").map(|s| &mut s.value) {
        for (_, svc) in services.iter_mut() {
            if let Some(Value::Seq(items)) = svc.get_mut("environment").map(|e| &mut e.value) {
                for it in items.iter_mut() {
                    if let Value::Str(s) = &mut it.value
                        && !s.contains('=')
                        && let Some(v) = env(s)
                    {
                        *s = format!("{s}={v}");
                    }
                }
            }
        }
    }
    for kind in ["secrets", "configs"] {
        if let Some(Value::Map(m)) = doc.get_mut(kind).map(|s| &mut s.value) {
            for (_, res) in m.iter_mut() {
                let Some(var) = res.get("environment").and_then(Node::scalar_string) else {
                    continue;
                };
                if let Some(v) = env(&var)
                    && kind == "configs"
                {
                    let span = res.span.clone();
                    res.insert("content", Node::str(v, span));
                }
            }
        }
    }
}

fn dependency(restart: bool, span: &Span) -> Node {
    let mut m = Node::map(span.clone());
    m.insert("condition", Node::str("service_started", span.clone()));
    m.insert("restart", b(restart, span));
    m.insert("required", b(true, span));
    m
}

/// Compose's Normalize: pull policy alias, build defaults, args/environment resolution, implicit
/// dependencies (links, `service:` namespaces, volumes_from), clean targets, default network, names.
pub fn normalize(
    doc: &mut Node,
    project: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), LoadError> {
    normalize_networks(doc);
    if let Some(Value::Map(services)) = doc.get_mut("services").map(|s| &mut s.value) {
        for (_, svc) in services.iter_mut() {
            let span = svc.span.clone();
            if svc.get("pull_policy").and_then(Node::as_str) == Some("if_not_present") {
                svc.insert("pull_policy", Node::str("missing", span.clone()));
            }
            if let Some(build) = svc.get_mut("build") {
                let bspan = build.span.clone();
                if build.get("context").is_none_or(Node::is_null) {
                    build.insert("context", Node::str(".", bspan.clone()));
                }
                if build.get("dockerfile").is_none_or(Node::is_null)
                    && build.get("dockerfile_inline").is_none_or(Node::is_null)
                {
                    build.insert("dockerfile", Node::str("Dockerfile", bspan));
                }
                if let Some(args) = build.get_mut("args") {
                    resolve_values(args, env, false);
                }
            }
            if let Some(e) = svc.get_mut("environment") {
                resolve_values(e, env, true);
            }
            let mut deps: Map = match svc.get("depends_on").map(|d| &d.value) {
                Some(Value::Map(m)) => m.clone(),
                _ => Map::new(),
            };
            if let Some(Value::Seq(links)) = svc.get("links").map(|l| &l.value) {
                for l in links {
                    let s = l.scalar_string().unwrap_or_default();
                    let parts: Vec<&str> = s.split(':').collect();
                    let name = if parts.len() == 2 {
                        parts[0]
                    } else {
                        s.as_str()
                    };
                    if !deps.contains_key(name) {
                        deps.insert(Key::new(name, l.span.clone()), dependency(true, &l.span));
                    }
                }
            }
            for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
                if let Some(n) = svc.get(ns)
                    && let Some(shared) = n.as_str().and_then(|r| r.strip_prefix("service:"))
                    && !deps.contains_key(shared)
                {
                    deps.insert(Key::new(shared, n.span.clone()), dependency(true, &n.span));
                }
            }
            if let Some(Value::Seq(vols)) = svc.get_mut("volumes").map(|v| &mut v.value) {
                for v in vols.iter_mut() {
                    if let Some(Value::Str(t)) = v.get_mut("target").map(|t| &mut t.value) {
                        *t = super::canonical::clean_path(t);
                    }
                }
            }
            if let Some(Value::Seq(vf)) = svc.get("volumes_from").map(|v| &v.value) {
                for v in vf {
                    let s = v.scalar_string().unwrap_or_default();
                    if !s.starts_with("container:") {
                        let name = s.split(':').next().unwrap_or_default().to_string();
                        if !deps.contains_key(name.as_str()) {
                            deps.insert(Key::new(name, v.span.clone()), dependency(false, &v.span));
                        }
                    }
                }
            }
            if !deps.is_empty() {
                svc.insert("depends_on", Node::new(Value::Map(deps), span.clone()));
            }
        }
    }
    // resource names
    for kind in ["networks", "volumes", "configs", "secrets"] {
        if let Some(Value::Map(m)) = doc.get_mut(kind).map(|s| &mut s.value) {
            for (k, r) in m.iter_mut() {
                if r.is_null() {
                    *r = Node::map(r.span.clone());
                }
                let has_name = r.get("name").is_some_and(|n| !n.is_null());
                if !has_name {
                    let external = r
                        .get("external")
                        .is_some_and(|e| matches!(e.value, Value::Bool(true)));
                    let name = if external {
                        k.name.clone()
                    } else {
                        format!("{project}_{}", k.name)
                    };
                    let s = r.span.clone();
                    r.insert("name", Node::str(name, s));
                }
            }
        }
    }
    Ok(())
}

fn normalize_networks(doc: &mut Node) {
    let mut uses_default = false;
    if let Some(Value::Map(services)) = doc.get_mut("services").map(|s| &mut s.value) {
        for (_, svc) in services.iter_mut() {
            if svc.get("provider").is_some() || svc.get("network_mode").is_some() {
                continue;
            }
            let span = svc.span.clone();
            match svc.get("networks").map(|n| &n.value) {
                None | Some(Value::Null) => {
                    let mut m = Node::map(span.clone());
                    m.insert("default", Node::null(span.clone()));
                    svc.insert("networks", m);
                    uses_default = true;
                }
                Some(Value::Map(m)) if m.is_empty() => {
                    let mut m = Node::map(span.clone());
                    m.insert("default", Node::null(span.clone()));
                    svc.insert("networks", m);
                    uses_default = true;
                }
                Some(Value::Map(m)) if m.contains_key("default") => {
                    uses_default = true;
                }
                _ => {}
            }
        }
    }
    if uses_default {
        let span = doc.span.clone();
        if doc.get("networks").is_none_or(Node::is_null) {
            doc.insert("networks", Node::map(span.clone()));
        }
        let nets = doc.get_mut("networks").expect("just inserted");
        if nets.get("default").is_none() {
            nets.insert("default", Node::null(span));
        }
    }
}

/// Variables without a value take the environment's; `keep_empty` keeps the unresolved ones.
fn resolve_values(node: &mut Node, env: &dyn Fn(&str) -> Option<String>, keep_empty: bool) {
    match &mut node.value {
        Value::Seq(items) => {
            items.retain_mut(|it| {
                let Some(s) = it.scalar_string() else {
                    return true;
                };
                if s.contains('=') {
                    return true;
                }
                match env(&s) {
                    Some(v) => {
                        it.value = Value::Str(format!("{s}={v}"));
                        true
                    }
                    None => keep_empty,
                }
            });
        }
        Value::Map(m) => {
            m.retain(|k, v| {
                if !v.is_null() {
                    return true;
                }
                match env(&k.name) {
                    Some(val) => {
                        v.value = Value::Str(val);
                        true
                    }
                    None => keep_empty,
                }
            });
        }
        _ => {}
    }
}
