//! A container's host config: resources, restart policy, namespaces, logging, security options
//! and the rest of `HostConfig`, with the API version gates said as warnings.

use bollard::models::{
    DeviceMapping, DeviceRequest, HostConfig, HostConfigCgroupnsModeEnum, HostConfigIsolationEnum,
    HostConfigLogConfig, Mount, PortBinding, ResourcesBlkioWeightDevice, ResourcesUlimits,
    RestartPolicy, RestartPolicyNameEnum, ThrottleDevice,
};
use std::collections::HashMap;

use crate::model::{Project, Restart, Service, UlimitValue};
use crate::names::container_name;

use super::{Context, nonempty, nonzero, some_map, some_vec, version};

/// What the container spec worked out before the host config.
pub(super) struct Parts {
    pub binds: Vec<String>,
    pub mounts: Vec<Mount>,
    pub network_mode: String,
    pub bindings: HashMap<String, Option<Vec<PortBinding>>>,
}

/// The host config of `service`'s container.
pub(super) fn config(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    parts: Parts,
    warnings: &mut Vec<String>,
) -> HostConfig {
    let p = ctx.project;
    let api = version(ctx.api_version);
    let Parts {
        binds,
        mounts,
        network_mode,
        bindings,
    } = parts;
    HostConfig {
        binds: some_vec(binds),
        mounts: some_vec(mounts),
        cap_add: some_vec(svc.cap_add.clone()),
        cap_drop: some_vec(svc.cap_drop.clone()),
        network_mode: Some(network_mode),
        init: svc.init,
        ipc_mode: Some(namespace_mode(p, &svc.ipc)).filter(|s| !s.is_empty()),
        cgroupns_mode: match svc.cgroup.as_str() {
            "host" => Some(HostConfigCgroupnsModeEnum::HOST),
            "private" => Some(HostConfigCgroupnsModeEnum::PRIVATE),
            _ => None,
        },
        readonly_rootfs: svc.read_only.then_some(true),
        restart_policy: restart_policy(svc),
        shm_size: nonzero(svc.shm_size.0),
        sysctls: some_map(svc.sysctls.clone().into_iter().collect()),
        port_bindings: some_map(bindings),
        volume_driver: nonempty(&svc.volume_driver),
        volumes_from: some_vec(
            svc.volumes_from
                .iter()
                .map(|v| volumes_from(p, v))
                .collect(),
        ),
        dns: some_vec(svc.dns.clone()),
        dns_search: some_vec(svc.dns_search.clone()),
        dns_options: some_vec(svc.dns_opt.clone()),
        extra_hosts: some_vec(svc.extra_hosts.as_list(":")),
        security_opt: some_vec(
            svc.security_opt
                .iter()
                .filter(|o| *o != "systempaths=unconfined")
                .cloned()
                .collect(),
        ),
        masked_paths: svc
            .security_opt
            .iter()
            .any(|o| o == "systempaths=unconfined")
            .then(Vec::new),
        readonly_paths: svc
            .security_opt
            .iter()
            .any(|o| o == "systempaths=unconfined")
            .then(Vec::new),
        storage_opt: some_map(svc.storage_opt.clone().into_iter().collect()),
        userns_mode: nonempty(&svc.userns_mode),
        uts_mode: nonempty(&svc.uts),
        privileged: svc.privileged.then_some(true),
        pid_mode: Some(namespace_mode(p, &svc.pid)).filter(|s| !s.is_empty()),
        tmpfs: some_map(
            svc.tmpfs
                .iter()
                .map(|t| match t.split_once(':') {
                    Some((path, opts)) => (path.to_string(), opts.to_string()),
                    None => (t.clone(), String::new()),
                })
                .collect(),
        ),
        runtime: nonempty(&svc.runtime),
        log_config: match &svc.logging {
            Some(l) => Some(HostConfigLogConfig {
                typ: nonempty(&l.driver),
                config: some_map(l.options.clone().into_iter().collect()),
            }),
            // the legacy `log_driver` / `log_opt` keys
            None if !svc.log_driver.is_empty() || !svc.log_opt.is_empty() => {
                Some(HostConfigLogConfig {
                    typ: nonempty(&svc.log_driver),
                    config: some_map(svc.log_opt.clone().into_iter().collect()),
                })
            }
            None => None,
        },
        isolation: match svc.isolation.as_str() {
            "default" => Some(HostConfigIsolationEnum::DEFAULT),
            "process" => Some(HostConfigIsolationEnum::PROCESS),
            "hyperv" => Some(HostConfigIsolationEnum::HYPERV),
            _ => None,
        },
        group_add: some_vec(svc.group_add.clone()),
        links: some_vec(links(p, svc)),
        oom_score_adj: nonzero(svc.oom_score_adj),
        annotations: if svc.annotations.is_empty() {
            None
        } else if api < (1, 43) {
            warnings.push(format!(
                "services.{service}.annotations needs Docker Engine API 1.43 (this engine speaks {}): ignored",
                ctx.api_version
            ));
            None
        } else {
            Some(svc.annotations.clone().into_iter().collect())
        },
        ..resources(svc)
    }
}

fn restart_policy(svc: &Service) -> Option<RestartPolicy> {
    let name = |c: &str| match c {
        "none" | "no" | "" => RestartPolicyNameEnum::NO,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        _ => RestartPolicyNameEnum::ALWAYS,
    };
    if let Some(rp) = svc.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        return Some(RestartPolicy {
            name: Some(name(&rp.condition)),
            maximum_retry_count: rp.max_attempts.map(|m| m as i64),
        });
    }
    let (policy, attempts) = match &svc.restart {
        Restart::Unset => return None,
        Restart::No => (RestartPolicyNameEnum::NO, None),
        Restart::Always => (RestartPolicyNameEnum::ALWAYS, None),
        Restart::OnFailure => (RestartPolicyNameEnum::ON_FAILURE, None),
        Restart::UnlessStopped => (RestartPolicyNameEnum::UNLESS_STOPPED, None),
        Restart::OnFailureMax(n) => (RestartPolicyNameEnum::ON_FAILURE, n.parse().ok()),
        // a policy Docker does not know restarts always, with its count if it has one
        Restart::Other(text) => match text.split_once(':') {
            Some((p, n)) => (name(p), n.parse().ok()),
            None => (name(text), None),
        },
    };
    Some(RestartPolicy {
        name: Some(policy),
        maximum_retry_count: attempts,
    })
}

fn resources(svc: &Service) -> HostConfig {
    let mut h = HostConfig {
        cgroup_parent: nonempty(&svc.cgroup_parent),
        memory: nonzero(svc.mem_limit.0),
        memory_swap: nonzero(svc.memswap_limit.0),
        memory_swappiness: nonzero(svc.mem_swappiness.0),
        memory_reservation: nonzero(svc.mem_reservation.0),
        oom_kill_disable: svc.oom_kill_disable.then_some(true),
        cpu_count: nonzero(svc.cpu_count),
        cpu_period: nonzero(svc.cpu_period),
        cpu_quota: nonzero(svc.cpu_quota),
        cpu_realtime_period: nonzero(svc.cpu_rt_period),
        cpu_realtime_runtime: nonzero(svc.cpu_rt_runtime),
        cpu_shares: nonzero(svc.cpu_shares),
        nano_cpus: nonzero((svc.cpus as f64 * 1e9).round() as i64),
        cpu_percent: nonzero((svc.cpu_percent * 100.0) as i64),
        cpuset_cpus: nonempty(&svc.cpuset),
        device_cgroup_rules: some_vec(svc.device_cgroup_rules.clone()),
        pids_limit: nonzero(svc.pids_limit),
        ..Default::default()
    };
    if let Some(b) = &svc.blkio_config {
        h.blkio_weight = (b.weight != 0).then_some(b.weight);
        h.blkio_weight_device = some_vec(
            b.weight_device
                .iter()
                .map(|w| ResourcesBlkioWeightDevice {
                    path: Some(w.path.clone()),
                    weight: Some(w.weight as usize),
                })
                .collect(),
        );
        let throttle = |l: &Vec<crate::model::ThrottleDevice>| {
            some_vec(
                l.iter()
                    .map(|t| ThrottleDevice {
                        path: Some(t.path.clone()),
                        rate: Some(t.rate.0),
                    })
                    .collect(),
            )
        };
        h.blkio_device_read_bps = throttle(&b.device_read_bps);
        h.blkio_device_write_bps = throttle(&b.device_write_bps);
        h.blkio_device_read_iops = throttle(&b.device_read_iops);
        h.blkio_device_write_iops = throttle(&b.device_write_iops);
    }
    let mut requests: Vec<DeviceRequest> = Vec::new();
    if let Some(d) = &svc.deploy {
        if let Some(l) = &d.resources.limits {
            if l.memory.0 != 0 {
                h.memory = Some(l.memory.0);
            }
            if l.cpus != 0.0 {
                h.nano_cpus = Some((l.cpus as f64 * 1e9).round() as i64);
            }
            if l.pids > 0 {
                h.pids_limit = Some(l.pids);
            }
        }
        if let Some(r) = &d.resources.reservations {
            if r.memory.0 != 0 {
                h.memory_reservation = Some(r.memory.0);
            }
            requests.extend(r.devices.iter().map(|dev| DeviceRequest {
                driver: nonempty(&dev.driver),
                count: nonzero(dev.count),
                device_ids: some_vec(dev.device_ids.clone()),
                capabilities: Some(vec![dev.capabilities.clone()]),
                options: some_map(dev.options.clone().into_iter().collect()),
            }));
        }
    }
    requests.extend(svc.gpus.iter().map(|g| {
        let mut caps = g.capabilities.clone();
        caps.push("gpu".into());
        DeviceRequest {
            driver: nonempty(&g.driver),
            count: nonzero(g.count),
            device_ids: some_vec(g.device_ids.clone()),
            capabilities: Some(vec![caps]),
            options: some_map(g.options.clone().into_iter().collect()),
        }
    }));
    h.device_requests = some_vec(requests);
    h.devices = some_vec(
        svc.devices
            .iter()
            .map(|d| DeviceMapping {
                path_on_host: Some(d.source.clone()),
                path_in_container: Some(if d.target.is_empty() {
                    d.source.clone()
                } else {
                    d.target.clone()
                }),
                cgroup_permissions: Some(if d.permissions.is_empty() {
                    "rwm".into()
                } else {
                    d.permissions.clone()
                }),
            })
            .collect(),
    );
    h.ulimits = some_vec(
        svc.ulimits
            .iter()
            .map(|(name, u)| {
                let (soft, hard) = match *u {
                    UlimitValue::Single(n) => (n, n),
                    UlimitValue::Pair { soft, hard } => (soft, hard),
                };
                ResourcesUlimits {
                    name: Some(name.clone()),
                    soft: Some(soft),
                    hard: Some(hard),
                }
            })
            .collect(),
    );
    h
}

/// `service:x` → the container of x (its first replica); other modes as written.
pub(super) fn namespace_mode(p: &Project, mode: &str) -> String {
    match mode.strip_prefix("service:") {
        Some(other) => match p.services.get(other) {
            Some(s) => format!("container:{}", container_name(p, other, s, 1)),
            None => mode.to_string(),
        },
        None => mode.to_string(),
    }
}

/// `volumes_from: [svc:ro, container:name]` → container names.
fn volumes_from(p: &Project, v: &str) -> String {
    if let Some(c) = v.strip_prefix("container:") {
        return c.to_string();
    }
    let (svc, mode) = match v.split_once(':') {
        Some((s, m)) => (s, Some(m)),
        None => (v, None),
    };
    let name = p
        .services
        .get(svc)
        .map(|s| container_name(p, svc, s, 1))
        .unwrap_or_else(|| svc.to_string());
    match mode {
        Some(m) => format!("{name}:{m}"),
        None => name,
    }
}

/// `links: [db, db:database]` → `<container>:<alias>` entries, plus `external_links`.
pub(super) fn links(p: &Project, svc: &Service) -> Vec<String> {
    let mut out = Vec::new();
    for l in &svc.links {
        let (target, alias) = l.split_once(':').unwrap_or((l, l));
        if let Some(s) = p.services.get(target) {
            let name = container_name(p, target, s, 1);
            out.push(format!("{name}:{alias}"));
            if alias != target {
                out.push(format!("{name}:{target}"));
            }
        }
    }
    for l in &svc.external_links {
        out.push(if l.contains(':') {
            l.clone()
        } else {
            format!("{l}:{l}")
        });
    }
    out
}
