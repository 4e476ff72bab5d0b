//! After all files are merged: defaults, absolute paths, environment resolution, Compose's
//! normalization (default network, implicit dependencies, resource names) and the value
//! conversions the typed model expects (lists of `k=v` to maps, commands to argv, hosts).

use std::path::{Path, PathBuf};

use super::error::path_string;
use super::error::{ErrorKind, LoadError, Span};
use super::merge::go_sprint;
use super::paths::PathTable;
use super::tables::{
    DEFAULTS, Defaulted as D, MODEL_VALUES, ModelValue as M, PATHS, PathKind as P,
};
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
    walk(doc, &mut Vec::new(), &DEFAULTS, &mut |n, _, kind| {
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
    let abs_str = |n: &mut Node| {
        if let Value::Str(s) = &mut n.value {
            *s = abs_path(base, s, home);
        }
    };
    walk(doc, &mut Vec::new(), &PATHS, &mut |n, _, kind| {
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

/// Converts values to the shapes the typed model reads (what Compose's decode hooks do).
pub fn prepare_for_model(doc: &mut Node) -> Result<(), LoadError> {
    walk(doc, &mut Vec::new(), &MODEL_VALUES, &mut |n, path, kind| {
        match kind {
            M::MapWithEquals => {
                to_map_with_equals(n);
            }
            M::StringMap => {
                to_string_map(n);
            }
            M::Command => {
                if let Value::Str(s) = &n.value {
                    let words = shell_words::split(s).map_err(|e| {
                        LoadError::new(
                            ErrorKind::Syntax,
                            format!("cannot split `{s}` into words: {e}"),
                        )
                        .at(&n.span)
                        .path(path_string(path))
                    })?;
                    n.value = Value::Seq(
                        words
                            .into_iter()
                            .map(|w| Node::str(w, n.span.clone()))
                            .collect(),
                    );
                } else if let Value::Seq(items) = &mut n.value {
                    for it in items.iter_mut() {
                        it.value = Value::Str(it.scalar_string().unwrap_or_default());
                    }
                }
            }
            M::HealthTest => {
                if let Value::Str(s) = &n.value {
                    let span = n.span.clone();
                    n.value = Value::Seq(vec![
                        Node::str("CMD-SHELL", span.clone()),
                        Node::str(s.clone(), span),
                    ]);
                }
            }
            M::ExtraHosts => {
                to_hosts(n);
            }
            M::StringList => match &mut n.value {
                Value::Seq(items) => {
                    for it in items.iter_mut() {
                        it.value = Value::Str(it.scalar_string().unwrap_or_default());
                    }
                }
                Value::Null => {}
                _ => {
                    let s = n.scalar_string().unwrap_or_default();
                    let span = n.span.clone();
                    n.value = Value::Seq(vec![Node::str(s, span)]);
                }
            },
            M::Port => {
                if let Some(pb) = n.get_mut("published")
                    && !matches!(pb.value, Value::Str(_) | Value::Null)
                {
                    pb.value = Value::Str(pb.scalar_string().unwrap_or_default());
                }
                if let Some(t) = n.get_mut("target")
                    && let Value::Str(s) = &t.value
                    && let Ok(i) = s.parse::<i64>()
                {
                    t.value = Value::Int(i);
                }
            }
            M::Count => {
                if let Value::Str(s) = &n.value {
                    if s.eq_ignore_ascii_case("all") {
                        n.value = Value::Int(-1);
                    } else if let Ok(i) = s.parse() {
                        n.value = Value::Int(i);
                    } else {
                        return Err(LoadError::new(
                            ErrorKind::Type,
                            format!("invalid count `{s}`: only `all` or a number is allowed"),
                        )
                        .at(&n.span)
                        .path(path_string(path)));
                    }
                }
            }
            M::Cpus => {
                if let Value::Str(s) = &n.value {
                    let f: f64 = s.trim().parse().map_err(|_| {
                        LoadError::new(ErrorKind::Type, format!("invalid number of CPUs `{s}`"))
                            .at(&n.span)
                            .path(path_string(path))
                    })?;
                    n.value = Value::Float(f);
                }
            }
            M::Ssh => {
                if let Value::Map(m) = &n.value {
                    let items = m
                        .iter()
                        .map(|(k, v)| match v.scalar_string().filter(|s| !s.is_empty()) {
                            Some(path) => Node::str(format!("{}={path}", k.name), v.span.clone()),
                            None => Node::str(k.name.clone(), k.span.clone()),
                        })
                        .collect();
                    n.value = Value::Seq(items);
                }
            }
            M::FileRef => {
                for k in ["uid", "gid"] {
                    if let Some(v) = n.get_mut(k)
                        && !matches!(v.value, Value::Str(_))
                    {
                        v.value = Value::Str(v.scalar_string().unwrap_or_default());
                    }
                }
            }
            M::ProviderOptions => {
                if let Value::Map(m) = &mut n.value {
                    for (_, v) in m.iter_mut() {
                        match &mut v.value {
                            Value::Seq(items) => {
                                for it in items.iter_mut() {
                                    it.value = Value::Str(it.scalar_string().unwrap_or_default());
                                }
                            }
                            _ => {
                                let s = v.scalar_string().unwrap_or_default();
                                v.value = Value::Seq(vec![Node::str(s, v.span.clone())]);
                            }
                        }
                    }
                }
            }
        }
        Ok(true)
    })
}

fn to_map_with_equals(n: &mut Node) {
    match &mut n.value {
        Value::Seq(items) => {
            let mut m = Map::new();
            for it in items.iter() {
                let s = it.scalar_string().unwrap_or_default();
                match s.split_once('=') {
                    Some((k, v)) => {
                        m.insert(Key::new(k, it.span.clone()), Node::str(v, it.span.clone()))
                    }
                    None => m.insert(Key::new(s, it.span.clone()), Node::null(it.span.clone())),
                };
            }
            n.value = Value::Map(m);
        }
        Value::Map(m) => {
            for (_, v) in m.iter_mut() {
                if !v.is_null() {
                    v.value = Value::Str(go_sprint(v));
                }
            }
        }
        _ => {}
    }
}

fn to_string_map(n: &mut Node) {
    match &mut n.value {
        Value::Seq(items) => {
            let mut m = Map::new();
            for it in items.iter() {
                let s = it.scalar_string().unwrap_or_default();
                let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                m.insert(Key::new(k, it.span.clone()), Node::str(v, it.span.clone()));
            }
            n.value = Value::Map(m);
        }
        Value::Map(m) => {
            for (_, v) in m.iter_mut() {
                v.value = Value::Str(if v.is_null() {
                    String::new()
                } else {
                    go_sprint(v)
                });
            }
        }
        _ => {}
    }
}

fn to_hosts(n: &mut Node) {
    let mut m = Map::new();
    // `host=ip1,ip2` names several addresses, as in Compose
    let mut add = |host: &str, ips: String, span: &Span| {
        let e = m
            .entry(Key::new(host, span.clone()))
            .or_insert_with(|| Node::new(Value::Seq(vec![]), span.clone()));
        if let Value::Seq(s) = &mut e.value {
            for ip in ips.split(',') {
                s.push(Node::str(ip, span.clone()));
            }
        }
    };
    match &n.value {
        Value::Seq(items) => {
            for it in items {
                let s = it.scalar_string().unwrap_or_default();
                let (h, ip) = match s.split_once('=') {
                    Some(x) => x,
                    None => s.split_once(':').unwrap_or((s.as_str(), "")),
                };
                add(h, ip.to_string(), &it.span);
            }
        }
        Value::Map(mm) => {
            for (k, v) in mm {
                match &v.value {
                    Value::Seq(ips) => ips.iter().for_each(|ip| {
                        add(&k.name, ip.scalar_string().unwrap_or_default(), &v.span)
                    }),
                    _ => add(&k.name, v.scalar_string().unwrap_or_default(), &v.span),
                }
            }
        }
        _ => return,
    }
    n.value = Value::Map(m);
}
