//! Consistency checks on the loaded model: undefined networks, volumes, secrets, configs and
//! services, services without image or build, dependency cycles; and, for `watch`, the
//! `develop.watch` rules that cannot work.

use super::error::{ErrorKind, LoadError, LoadErrors, did_you_mean};
use super::yaml::Node;
use crate::model::Project;

/// The node at a key path; list items are written `[i]`.
fn span_of<'a>(dict: &'a Node, path: &[&str]) -> Option<&'a Node> {
    let mut n = dict;
    for p in path {
        n = match p.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
            Some(i) => n.as_seq()?.get(i.parse::<usize>().ok()?)?,
            None => n.get(p)?,
        };
    }
    Some(n)
}

/// An error at the key path `at` (list items written `[i]`), with its line and column when the
/// files have it.
fn located(dict: &Node, kind: ErrorKind, at: &[&str], message: String) -> LoadError {
    let mut e = LoadError::new(kind, message).path(at.join(".").replace(".[", "["));
    if let Some(n) = span_of(dict, at) {
        e = e.at(&n.span);
    }
    e
}

fn undefined(dict: &Node, kind: &str, name: &str, at: &[&str], known: Vec<&str>) -> LoadError {
    let message = format!("refers to undefined {kind} `{name}`");
    let mut e = located(dict, ErrorKind::Undefined, at, message);
    if let Some(best) = did_you_mean(name, known.iter().copied()) {
        e = e.hint(format!("did you mean `{best}`?"));
    } else {
        e = e.hint(format!("declare it under the top-level `{kind}s:` key"));
    }
    e
}

/// An enum-like value that the engine (or a Swarm) would refuse: the error at its key, with the
/// accepted words and the closest of them.
fn unknown_keyword(dict: &Node, at: &[&str], value: &str, accepted: &[&'static str]) -> LoadError {
    let words: Vec<String> = accepted.iter().map(|a| format!("`{a}`")).collect();
    let message = format!(
        "unknown value {value:?}: must be one of {}",
        words.join(", ")
    );
    let mut e = located(dict, ErrorKind::Type, at, message);
    // compared without the placeholder, suggested with it (`container:NAME`)
    let bare = |a: &'static str| a.trim_end_matches("[:N]").trim_end_matches(":NAME");
    if let Some(best) = did_you_mean(value, accepted.iter().map(|a| bare(a)))
        && let Some(full) = accepted.iter().find(|a| bare(a) == best)
    {
        e = e.hint(format!("did you mean `{full}`?"));
    }
    e
}

/// The service's enum-like values that the schema leaves open but the engine refuses (Compose
/// passes them on, so its `up` fails half-way, after creating networks): `restart`, `ipc`, `pid`,
/// and `deploy`'s `mode`, `endpoint_mode`, `restart_policy.condition` and `failure_action`s.
fn keywords(dict: &Node, name: &str, svc: &crate::model::Service) -> Vec<LoadError> {
    use crate::model::{DeployMode, Restart};
    let mut errors = Vec::new();
    let mut check = |key: &[&str], value: &str, ok: bool, accepted: &[&'static str]| {
        if !ok {
            let mut at = vec!["services", name];
            at.extend_from_slice(key);
            errors.push(unknown_keyword(dict, &at, value, accepted));
        }
    };
    // `container:NAME` / `service:NAME` forms of ipc and pid
    let joined = |v: &str| {
        ["container:", "service:"]
            .iter()
            .any(|p| v.strip_prefix(p).is_some_and(|n| !n.is_empty()))
    };
    // Compose maps `none` and `any` (deploy's words) to `no` and `always`; the count is a number
    let restart_ok = match &svc.restart {
        Restart::OnFailureMax(n) => n.parse::<u32>().is_ok(),
        Restart::Other(t) => t == "none" || t == "any",
        _ => true,
    };
    check(
        &["restart"],
        &svc.restart.as_str(),
        restart_ok,
        &["no", "always", "on-failure[:N]", "unless-stopped"],
    );
    let ipc = ["none", "private", "shareable", "host"];
    check(
        &["ipc"],
        &svc.ipc,
        svc.ipc.is_empty() || ipc.contains(&svc.ipc.as_str()) || joined(&svc.ipc),
        &[
            "none",
            "private",
            "shareable",
            "host",
            "container:NAME",
            "service:NAME",
        ],
    );
    check(
        &["pid"],
        &svc.pid,
        svc.pid.is_empty() || svc.pid == "host" || joined(&svc.pid),
        &["host", "container:NAME", "service:NAME"],
    );
    let Some(deploy) = &svc.deploy else {
        return errors;
    };
    check(
        &["deploy", "mode"],
        &deploy.mode.as_str(),
        !matches!(deploy.mode, DeployMode::Other(_)),
        &["replicated", "global", "replicated-job", "global-job"],
    );
    let endpoint = ["", "vip", "dnsrr"];
    check(
        &["deploy", "endpoint_mode"],
        &deploy.endpoint_mode,
        endpoint.contains(&deploy.endpoint_mode.as_str()),
        &endpoint[1..],
    );
    if let Some(rp) = &deploy.restart_policy {
        // Compose also takes the container words for a container's policy
        let also = ["no", "always", "unless-stopped"];
        let condition = ["", "none", "on-failure", "any"];
        let c = rp.condition.as_str();
        check(
            &["deploy", "restart_policy", "condition"],
            c,
            condition.contains(&c) || also.contains(&c),
            &condition[1..],
        );
    }
    let actions = ["", "continue", "pause", "rollback"];
    for (key, config) in [
        ("update_config", &deploy.update_config),
        ("rollback_config", &deploy.rollback_config),
    ] {
        if let Some(u) = config {
            check(
                &["deploy", key, "failure_action"],
                &u.failure_action,
                actions.contains(&u.failure_action.as_str()),
                &actions[1..],
            );
        }
    }
    errors
}

/// The pairs of keys that say one thing twice and must agree, as Compose requires: `mem_limit`
/// and `deploy.resources.limits.memory`, `cpus` and `.cpus`, `pids_limit` and `.pids`,
/// `mem_reservation` and `deploy.resources.reservations.memory`, `scale` and `deploy.replicas`;
/// and a `platform` that `build.platforms` must list.
fn same_twice(dict: &Node, name: &str, svc: &crate::model::Service) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut pair = |key: &str, other: &[&str], set: bool, distinct: bool| {
        if set && distinct {
            let e = located(
                dict,
                ErrorKind::Conflict,
                &["services", name, key],
                format!("`{key}` and `{}` have distinct values", other.join(".")),
            );
            errors.push(
                e.hint("keep one of them (they set the same thing), or give both the same value"),
            );
        }
    };
    let deploy = svc.deploy.as_ref();
    let resources = deploy.map(|d| &d.resources);
    if let Some(l) = resources.and_then(|r| r.limits.as_ref()) {
        // (key, its twin under deploy.resources.limits, both set, distinct)
        for (key, twin, set, distinct) in [
            (
                "mem_limit",
                "memory",
                svc.mem_limit.0 != 0 && l.memory.0 != 0,
                svc.mem_limit != l.memory,
            ),
            (
                "cpus",
                "cpus",
                svc.cpus != 0.0 && l.cpus != 0.0,
                svc.cpus != l.cpus,
            ),
            (
                "pids_limit",
                "pids",
                svc.pids_limit != 0 && l.pids != 0,
                svc.pids_limit != l.pids,
            ),
        ] {
            pair(key, &["deploy", "resources", "limits", twin], set, distinct);
        }
    }
    if let Some(reserved) = resources.and_then(|r| r.reservations.as_ref()) {
        let at = ["deploy", "resources", "reservations", "memory"];
        let set = svc.mem_reservation.0 != 0 && reserved.memory.0 != 0;
        pair(
            "mem_reservation",
            &at,
            set,
            svc.mem_reservation != reserved.memory,
        );
    }
    if let (Some(scale), Some(replicas)) = (svc.scale, deploy.and_then(|d| d.replicas)) {
        pair("scale", &["deploy", "replicas"], true, scale != replicas);
    }
    if let Some(build) = &svc.build
        && !svc.platform.is_empty()
        && !build.platforms.is_empty()
        && !build.platforms.contains(&svc.platform)
    {
        let e = located(
            dict,
            ErrorKind::Conflict,
            &["services", name, "platform"],
            format!(
                "platform {:?} is not one of `build.platforms` ({})",
                svc.platform,
                build.platforms.join(", ")
            ),
        );
        errors.push(e.hint("add it to `build.platforms`, or build for the platforms listed"));
    }
    errors
}

/// Checks references across the project; all problems are reported together.
pub fn check(project: &Project, dict: &Node) -> Result<(), LoadErrors> {
    let mut errors = Vec::new();
    for (name, svc) in &project.services {
        if svc.image.is_empty() && svc.build.is_none() && svc.provider.is_none() {
            let message = "has neither an image nor a build context specified".to_string();
            let e = located(dict, ErrorKind::Type, &["services", name], message);
            errors.push(e.hint("add `image:` or `build:`"));
        }
        for net in svc.networks.keys() {
            if !project.networks.contains_key(net) {
                errors.push(undefined(
                    dict,
                    "network",
                    net,
                    &["services", name, "networks", net],
                    project.networks.keys().map(String::as_str).collect(),
                ));
            }
        }
        for (i, v) in svc.volumes.iter().enumerate() {
            if v.kind == crate::model::VolumeKind::Volume
                && !v.source.is_empty()
                && !project.volumes.contains_key(&v.source)
            {
                errors.push(undefined(
                    dict,
                    "volume",
                    &v.source,
                    &["services", name, "volumes", &format!("[{i}]")],
                    project.volumes.keys().map(String::as_str).collect(),
                ));
            }
        }
        for (i, s) in svc.secrets.iter().enumerate() {
            if !project.secrets.contains_key(&s.source) {
                errors.push(undefined(
                    dict,
                    "secret",
                    &s.source,
                    &["services", name, "secrets", &format!("[{i}]")],
                    project.secrets.keys().map(String::as_str).collect(),
                ));
            }
        }
        for (i, c) in svc.configs.iter().enumerate() {
            if !project.configs.contains_key(&c.source) {
                errors.push(undefined(
                    dict,
                    "config",
                    &c.source,
                    &["services", name, "configs", &format!("[{i}]")],
                    project.configs.keys().map(String::as_str).collect(),
                ));
            }
        }
        for (dep, d) in &svc.depends_on {
            if project.services.contains_key(dep) || !d.required {
                continue;
            }
            if let Some(off) = project.disabled.get(dep) {
                // Compose refuses it too ("depends on undefined service"): `up` could not start it
                let at = ["services", name.as_str(), "depends_on", dep.as_str()];
                let message = format!(
                    "depends on service `{dep}`, which is not enabled (its profiles: {})",
                    off.profiles.join(", ")
                );
                let e = located(dict, ErrorKind::Undefined, &at, message);
                errors.push(e.hint(format!(
                    "enable it with `--profile {}`, or mark the dependency `required: false`",
                    off.profiles.first().map_or("", String::as_str)
                )));
            } else {
                errors.push(undefined(
                    dict,
                    "service",
                    dep,
                    &["services", name, "depends_on", dep],
                    project.services.keys().map(String::as_str).collect(),
                ));
            }
        }
        errors.extend(keywords(dict, name, svc));
        errors.extend(same_twice(dict, name, svc));
        if svc.container_name.is_empty() {
            continue;
        }
        if let Some((first, _)) = project
            .services
            .iter()
            .find(|(other, s)| s.container_name == svc.container_name && *other < name)
        {
            let e = located(
                dict,
                ErrorKind::Conflict,
                &["services", name, "container_name"],
                format!(
                    "container name {:?} is already the name of service {first}'s container",
                    svc.container_name
                ),
            );
            errors
                .push(e.hint("container names are unique on an engine: give each service its own"));
        }
        if let Some(scale) = svc.scale.or(svc.deploy.as_ref().and_then(|d| d.replicas))
            && scale > 1
        {
            let mut e = LoadError::new(
                ErrorKind::Conflict,
                format!(
                    "`container_name` {:?} cannot be used with scale {scale}",
                    svc.container_name
                ),
            )
            .path(format!("services.{name}"))
            .hint("container names are unique: drop `container_name` to run several replicas");
            if let Some(n) = span_of(dict, &["services", name, "container_name"]) {
                e = e.at(&n.span);
            }
            errors.push(e);
        }
    }
    if let Err(cycle) = crate::graph::Graph::new(project) {
        let mut cycle = LoadError::from(cycle);
        // point at the first edge of the cycle, `services.a.depends_on.b`
        let at: Vec<&str> = cycle
            .path
            .as_deref()
            .unwrap_or_default()
            .split('.')
            .collect();
        if let Some(n) = span_of(dict, &at) {
            cycle = cycle.at(&n.span);
        }
        errors.push(cycle);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LoadErrors(errors))
    }
}

/// The `develop.watch` rules of `services` (empty: all) that cannot work: `rebuild` without
/// `build:`, a sync without an absolute `target` (or one with `..`), `sync+exec` without a command.
pub fn check_watch(project: &Project, dict: &Node, services: &[String]) -> Result<(), LoadErrors> {
    let mut errors = Vec::new();
    for (name, svc) in &project.services {
        if !services.is_empty() && !services.contains(name) {
            continue;
        }
        let Some(develop) = &svc.develop else {
            continue;
        };
        for (i, rule) in develop.watch.iter().enumerate() {
            let item = format!("[{i}]");
            let located = |key: &str, message: String, hint: &str| {
                let mut at = vec!["services", name.as_str(), "develop", "watch", item.as_str()];
                if !key.is_empty() {
                    at.push(key);
                }
                located(dict, ErrorKind::Type, &at, message).hint(hint)
            };
            let syncs = rule.action.starts_with("sync");
            if rule.action == "rebuild" && svc.build.is_none() {
                errors.push(located(
                    "action",
                    format!("`rebuild` needs a build section, and service `{name}` has none"),
                    "add `build:` to the service, or use `sync` or `restart`",
                ));
            }
            if syncs && rule.target.is_empty() {
                errors.push(located(
                    "",
                    format!(
                        "`{}` needs a `target`: the folder in the container to copy into",
                        rule.action
                    ),
                    "add `target: /path/in/container`",
                ));
            } else if syncs
                && (!rule.target.starts_with('/') || rule.target.split('/').any(|p| p == ".."))
            {
                errors.push(located(
                    "target",
                    format!(
                        "sync target {:?} must be an absolute path without `..`",
                        rule.target
                    ),
                    &format!(
                        "write it as the absolute path it means: `{}`",
                        absolute(&rule.target)
                    ),
                ));
            }
            if rule.action == "sync+exec" && rule.exec.command.as_ref().is_none_or(|c| c.is_empty())
            {
                errors.push(located(
                    "",
                    "`sync+exec` needs `exec.command`: what to run after the sync".to_string(),
                    "add `exec: {command: [...]}`",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LoadErrors(errors))
    }
}

/// A container path made absolute, its `.` and `..` resolved (`app/../src` → `/src`).
fn absolute(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_are_made_absolute_as_they_read() {
        assert_eq!(super::absolute("app/src"), "/app/src");
        assert_eq!(super::absolute("/app/../src/./x/"), "/src/x");
        assert_eq!(super::absolute("../.."), "/");
    }
}
