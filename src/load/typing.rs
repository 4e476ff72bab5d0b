//! The value conversions the typed model expects, as Compose's decode hooks do them: lists of
//! `k=v` to maps, string commands to argv, `extra_hosts` to `host:ip` lists, and the like.

use std::sync::LazyLock;

use super::error::{ErrorKind, LoadError, Span};
use super::interpolate::path_string;
use super::merge::go_sprint;
use super::normalize::walk;
use super::paths::PathTable;
use super::yaml::{Key, Map, Node, Value};

/// Converts values to the shapes the typed model reads (what Compose's decode hooks do).
pub fn prepare_for_model(doc: &mut Node) -> Result<(), LoadError> {
    #[derive(Clone, Copy)]
    enum M {
        MapWithEquals,
        StringMap,
        Command,
        HealthTest,
        ExtraHosts,
        StringList,
        Port,
        Count,
        Cpus,
        Ssh,
        FileRef,
        ProviderOptions,
    }
    static TABLE: LazyLock<PathTable<M>> = LazyLock::new(|| {
        PathTable::new(&[
            ("services.*.environment", M::MapWithEquals),
            ("services.*.build.args", M::MapWithEquals),
            ("services.*.post_start.*.environment", M::MapWithEquals),
            ("services.*.pre_stop.*.environment", M::MapWithEquals),
            (
                "services.*.develop.watch.*.exec.environment",
                M::MapWithEquals,
            ),
            ("services.*.labels", M::StringMap),
            ("services.*.annotations", M::StringMap),
            ("services.*.sysctls", M::StringMap),
            ("services.*.deploy.labels", M::StringMap),
            ("services.*.build.labels", M::StringMap),
            ("networks.*.labels", M::StringMap),
            ("volumes.*.labels", M::StringMap),
            ("secrets.*.labels", M::StringMap),
            ("configs.*.labels", M::StringMap),
            ("services.*.volumes.*.volume.labels", M::StringMap),
            ("services.*.logging.options", M::StringMap),
            ("networks.*.driver_opts", M::StringMap),
            ("volumes.*.driver_opts", M::StringMap),
            ("networks.*.ipam.options", M::StringMap),
            ("services.*.storage_opt", M::StringMap),
            ("services.*.log_opt", M::StringMap),
            ("services.*.networks.*.driver_opts", M::StringMap),
            ("networks.*.ipam.config.*.aux_addresses", M::StringMap),
            (
                "services.*.deploy.resources.reservations.devices.*.options",
                M::StringMap,
            ),
            ("services.*.gpus.*.options", M::StringMap),
            ("secrets.*.driver_opts", M::StringMap),
            ("configs.*.driver_opts", M::StringMap),
            ("services.*.command", M::Command),
            ("services.*.entrypoint", M::Command),
            ("services.*.post_start.*.command", M::Command),
            ("services.*.pre_stop.*.command", M::Command),
            ("services.*.develop.watch.*.exec.command", M::Command),
            ("services.*.healthcheck.test", M::HealthTest),
            ("services.*.extra_hosts", M::ExtraHosts),
            ("services.*.build.extra_hosts", M::ExtraHosts),
            ("services.*.expose", M::StringList),
            ("services.*.dns", M::StringList),
            ("services.*.dns_search", M::StringList),
            ("services.*.tmpfs", M::StringList),
            ("services.*.build.tags", M::StringList),
            ("services.*.build.cache_from", M::StringList),
            ("services.*.build.cache_to", M::StringList),
            ("services.*.build.platforms", M::StringList),
            ("services.*.profiles", M::StringList),
            ("services.*.security_opt", M::StringList),
            ("services.*.cap_add", M::StringList),
            ("services.*.cap_drop", M::StringList),
            ("services.*.group_add", M::StringList),
            ("services.*.ports.*", M::Port),
            (
                "services.*.deploy.resources.reservations.devices.*.count",
                M::Count,
            ),
            ("services.*.gpus.*.count", M::Count),
            ("services.*.cpus", M::Cpus),
            ("services.*.deploy.resources.limits.cpus", M::Cpus),
            ("services.*.deploy.resources.reservations.cpus", M::Cpus),
            ("services.*.build.ssh", M::Ssh),
            ("services.*.secrets.*", M::FileRef),
            ("services.*.configs.*", M::FileRef),
            ("services.*.build.secrets.*", M::FileRef),
            ("services.*.provider.options", M::ProviderOptions),
        ])
    });
    walk(doc, &mut Vec::new(), &TABLE, &mut |n, path, kind| {
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
