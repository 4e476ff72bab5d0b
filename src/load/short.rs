//! The short syntaxes of ports (`127.0.0.1:8080-8081:80-81/udp`) and volumes
//! (`./data:/data:ro,z`) parsed as Compose parses them, and path cleaning.

use super::error::Span;
use super::yaml::{Node, Value, map_of};

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
