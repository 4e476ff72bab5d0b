//! Short syntax → long syntax, per file after merging (ports, volumes, devices, depends_on,
//! env_file, build, extends, secrets/configs, networks, ulimits, external resources).

use super::error::{ErrorKind, LoadError, Span};
use super::interpolate::path_string;
use super::merge::to_mapping;
use super::paths::PathTable;
use super::yaml::{Key, Map, Node, Value};

#[derive(Clone, Copy)]
enum T {
    Service,
    FileMount,
    StringOrX,
    KeyValue,
    DependsOn,
    EnvFile,
    StringOrList,
    Dns,
    Extends,
    Gpus,
    SliceToMap,
    Volume,
    Device,
    Ports,
    Build,
    Ssh,
    MaybeExternal,
    Include,
}

static TRANSFORMS: std::sync::LazyLock<PathTable<T>> =
    std::sync::LazyLock::new(|| PathTable::new(TRANSFORM_LIST));

const TRANSFORM_LIST: &[(&str, T)] = &[
    ("services.*", T::Service),
    ("services.*.build.secrets.*", T::FileMount),
    ("services.*.build.provenance", T::StringOrX),
    ("services.*.build.sbom", T::StringOrX),
    ("services.*.build.additional_contexts", T::KeyValue),
    ("services.*.depends_on", T::DependsOn),
    ("services.*.env_file", T::EnvFile),
    ("services.*.label_file", T::StringOrList),
    ("services.*.extends", T::Extends),
    ("services.*.gpus", T::Gpus),
    ("services.*.networks", T::SliceToMap),
    ("services.*.models", T::SliceToMap),
    ("services.*.volumes.*", T::Volume),
    ("services.*.dns", T::Dns),
    ("services.*.devices.*", T::Device),
    ("services.*.secrets.*", T::FileMount),
    ("services.*.configs.*", T::FileMount),
    ("services.*.ports", T::Ports),
    ("services.*.build", T::Build),
    ("services.*.build.ssh", T::Ssh),
    ("services.*.develop.watch.*.ignore", T::StringOrList),
    ("services.*.develop.watch.*.include", T::StringOrList),
    ("volumes.*", T::MaybeExternal),
    ("networks.*", T::MaybeExternal),
    ("secrets.*", T::MaybeExternal),
    ("configs.*", T::MaybeExternal),
    ("include.*", T::Include),
];

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

fn map_of(entries: Vec<(&str, Node)>, span: &Span) -> Node {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(Key::new(k, span.clone()), v);
    }
    Node::new(Value::Map(m), span.clone())
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

/// A parsed short volume (`src:dst:opts`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ShortVolume {
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub nocopy: bool,
    pub propagation: String,
    pub selinux: String,
    pub has_bind: bool,
}

impl ShortVolume {
    pub fn to_node(&self, span: &Span) -> Node {
        let s = |v: &str| Node::str(v, span.clone());
        let mut e = vec![("type", s(self.kind))];
        if !self.source.is_empty() {
            e.push(("source", s(&self.source)));
        }
        e.push(("target", s(&self.target)));
        if self.read_only {
            e.push(("read_only", Node::new(Value::Bool(true), span.clone())));
        }
        if self.kind == "bind" {
            let mut b = vec![(
                "create_host_path",
                Node::new(Value::Bool(true), span.clone()),
            )];
            if !self.propagation.is_empty() {
                b.push(("propagation", s(&self.propagation)));
            }
            if !self.selinux.is_empty() {
                b.push(("selinux", s(&self.selinux)));
            }
            e.push(("bind", map_of(b, span)));
        } else {
            let mut v = vec![];
            if self.nocopy {
                v.push(("nocopy", Node::new(Value::Bool(true), span.clone())));
            }
            e.push(("volume", map_of(v, span)));
            if self.has_bind {
                let mut b = vec![];
                if !self.propagation.is_empty() {
                    b.push(("propagation", s(&self.propagation)));
                }
                if !self.selinux.is_empty() {
                    b.push(("selinux", s(&self.selinux)));
                }
                e.push(("bind", map_of(b, span)));
            }
        }
        map_of(e, span)
    }
}

fn is_file_path(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    if s.starts_with(['.', '/', '~']) || s.starts_with("\\\\") {
        return true;
    }
    let mut chars = s.chars();
    let first = chars.next().unwrap_or(' ');
    chars.next() == Some(':') && first.is_alphabetic()
}

/// Parses a short volume spec as Compose does (Windows drives, `${...}` kept whole).
pub fn parse_volume(spec: &str) -> Result<ShortVolume, String> {
    let mut v = ShortVolume::default();
    match spec.chars().count() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => {
            v.target = spec.to_string();
            v.kind = "volume";
            return Ok(v);
        }
        _ => {}
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut buffer: Vec<char> = Vec::new();
    let mut in_var = 0;
    let mut i = 0;
    let finish = |buffer: &[char], end: bool, v: &mut ShortVolume| -> Result<(), String> {
        let s: String = buffer.iter().collect();
        if buffer.is_empty() {
            return Err(format!(
                "invalid spec: {spec}: empty section between colons"
            ));
        }
        if v.source.is_empty() && end {
            v.target = s;
            return Ok(());
        }
        if v.source.is_empty() {
            v.source = s;
            return Ok(());
        }
        if v.target.is_empty() {
            v.target = s;
            return Ok(());
        }
        if !end {
            return Err(format!("invalid spec: {spec}: too many colons"));
        }
        for opt in s.split(',') {
            match opt {
                "ro" => v.read_only = true,
                "rw" => v.read_only = false,
                "nocopy" => v.nocopy = true,
                "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                    v.propagation = opt.to_string();
                    v.has_bind = true;
                }
                "z" | "Z" => {
                    v.selinux = opt.to_string();
                    v.has_bind = true;
                }
                _ => {}
            }
        }
        Ok(())
    };
    while i <= chars.len() {
        let c = chars.get(i).copied();
        i += 1;
        if c == Some('$') && chars.get(i) == Some(&'{') {
            in_var += 1;
            buffer.push('$');
            continue;
        }
        if c == Some('}') && in_var > 0 {
            in_var -= 1;
            buffer.push('}');
            continue;
        }
        let windows_drive = c == Some(':') && buffer.len() == 1 && buffer[0].is_alphabetic();
        match c {
            Some(':') if !windows_drive && in_var == 0 => {
                finish(&buffer, false, &mut v)?;
                buffer.clear();
            }
            None if in_var == 0 => {
                finish(&buffer, true, &mut v)?;
                buffer.clear();
            }
            Some(ch) => buffer.push(ch),
            None => {
                finish(&buffer, true, &mut v)?;
            }
        }
    }
    v.kind = if is_file_path(&v.source) {
        "bind"
    } else {
        "volume"
    };
    if !v.target.is_empty() {
        v.target = clean_path(&v.target);
    }
    Ok(v)
}

/// Lexical clean of a slash path, like Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// One published port from the short syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortPort {
    pub host_ip: String,
    pub target: u32,
    pub published: String,
    pub protocol: String,
}

impl ShortPort {
    pub fn to_node(&self, span: &Span) -> Node {
        let s = |v: &str| Node::str(v, span.clone());
        let mut e = vec![("mode", s("ingress"))];
        if !self.host_ip.is_empty() {
            e.push(("host_ip", s(&self.host_ip)));
        }
        e.push((
            "target",
            Node::new(Value::Int(self.target as i64), span.clone()),
        ));
        if !self.published.is_empty() {
            e.push(("published", s(&self.published)));
        }
        e.push(("protocol", s(&self.protocol)));
        map_of(e, span)
    }
}

fn port_range(s: &str) -> Option<(u64, u64)> {
    if s.is_empty() {
        return None;
    }
    match s.split_once('-') {
        None => s.parse::<u16>().ok().map(|p| (p as u64, p as u64)),
        Some((a, b)) => {
            let a = a.parse::<u16>().ok()? as u64;
            let b = b.parse::<u16>().ok()? as u64;
            (b >= a).then_some((a, b))
        }
    }
}

/// Parses `[ip:][host[-end]:]container[-end][/proto]` as Docker does; ranges expand.
pub fn parse_ports(spec: &str) -> Result<Vec<ShortPort>, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1];
    let (mut ip, host) = match n {
        1 => (String::new(), ""),
        2 => (String::new(), parts[0]),
        3 => (parts[0].to_string(), parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2]),
    };
    let (container, proto) = match container.split_once('/') {
        Some((c, p)) => (c, if p.is_empty() { "tcp" } else { p }),
        None => (container, "tcp"),
    };
    if ip.starts_with('[') && ip.ends_with(']') && ip.len() >= 2 {
        ip = ip[1..ip.len() - 1].to_string();
    }
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address `{ip}` in port `{spec}`"));
    }
    if container.is_empty() {
        return Err(format!("no container port specified in `{spec}`"));
    }
    let (start, end) = port_range(container)
        .ok_or_else(|| format!("invalid container port `{container}` in `{spec}`"))?;
    let (hstart, hend) = if host.is_empty() {
        (0, 0)
    } else {
        port_range(host).ok_or_else(|| format!("invalid host port `{host}` in `{spec}`"))?
    };
    if !host.is_empty() && (end - start) != (hend - hstart) && end != start {
        return Err(format!(
            "invalid ranges specified for container and host ports: {container} and {host}"
        ));
    }
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid protocol `{proto}` in `{spec}`"));
    }
    let mut out = Vec::new();
    for i in 0..=(end - start) {
        let mut published = if host.is_empty() {
            String::new()
        } else {
            (hstart + i).to_string()
        };
        if start == end && hstart != hend {
            published = format!("{published}-{hend}");
        }
        out.push(ShortPort {
            host_ip: ip.clone(),
            target: (start + i) as u32,
            published,
            protocol: proto.clone(),
        });
    }
    // Docker keys ports by "port/proto" and sorts those keys as strings.
    out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_short_syntax() {
        let p = parse_ports("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(
            p,
            vec![ShortPort {
                host_ip: "127.0.0.1".into(),
                target: 80,
                published: "8080".into(),
                protocol: "udp".into()
            }]
        );
        let r = parse_ports("9000-9001:80-81").unwrap();
        assert_eq!(
            r.iter()
                .map(|p| (p.target, p.published.as_str()))
                .collect::<Vec<_>>(),
            vec![(80, "9000"), (81, "9001")]
        );
        assert_eq!(
            parse_ports("8000-8010:80").unwrap()[0].published,
            "8000-8010"
        );
        assert_eq!(parse_ports("[::1]:80:80").unwrap()[0].host_ip, "::1");
        assert_eq!(parse_ports("80").unwrap()[0].published, "");
        assert!(parse_ports("80:80:80:80x").is_err());
        assert!(parse_ports("abc").is_err());
        assert!(parse_ports("1-3:1-2").is_err());
    }

    #[test]
    fn volumes_short_syntax() {
        let v = parse_volume("./data:/var/lib/data:ro,z").unwrap();
        assert_eq!(
            (v.kind, v.source.as_str(), v.target.as_str(), v.read_only),
            ("bind", "./data", "/var/lib/data", true)
        );
        assert_eq!(v.selinux, "z");
        let v = parse_volume("db:/data/").unwrap();
        assert_eq!((v.kind, v.target.as_str()), ("volume", "/data"));
        let v = parse_volume("/anon").unwrap();
        assert_eq!(
            (v.kind, v.source.as_str(), v.target.as_str()),
            ("volume", "", "/anon")
        );
        let v = parse_volume("C:\\data:/data").unwrap();
        assert_eq!((v.kind, v.source.as_str()), ("bind", "C:\\data"));
        assert!(parse_volume("aa:bb:cc:dd").is_err());
        assert!(parse_volume("aa::b").is_err());
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("/a/b/../c/"), "/a/c");
        assert_eq!(clean_path("a/./b"), "a/b");
        assert_eq!(clean_path("/.."), "/");
    }
}
