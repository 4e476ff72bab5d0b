//! The desired engine objects of a project, pure: a service's container create body (labels,
//! environment, mounts, ports, resources, networking), its extra networks and the secret/config
//! files to copy in; network and volume create requests. Field by field as Compose maps them.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    DeviceMapping, DeviceRequest, EndpointIpamConfig, EndpointSettings, HealthConfig, HostConfig,
    HostConfigCgroupnsModeEnum, HostConfigIsolationEnum, HostConfigLogConfig, Ipam, IpamConfig,
    Mount, MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountType,
    MountVolumeOptions, NetworkCreateRequest, NetworkingConfig, PortBinding,
    ResourcesBlkioWeightDevice, ResourcesUlimits, RestartPolicy, RestartPolicyNameEnum,
    ThrottleDevice, VolumeCreateRequest,
};

use crate::engine::ContainerCreateBody;
use crate::model::{
    FileObject, FileReference, Project, Restart, Service, ServiceVolume, UlimitValue, VolumeKind,
};
use crate::names::{container_name, image_name, labels, network_name, volume_name};

/// What a container spec depends on beyond the service itself.
pub struct Context<'a> {
    pub project: &'a Project,
    /// The negotiated API version (`1.41`).
    pub api_version: &'a str,
    /// The ID of the service's image (the `com.docker.compose.image` label).
    pub image_id: &'a str,
    /// `--env-file` files given (the `com.docker.compose.project.environment_file` label).
    pub env_files: &'a [String],
    /// Anonymous volumes of the container being replaced: target → volume name.
    pub inherited_volumes: &'a BTreeMap<String, String>,
}

/// A container to create: the body, the networks to connect before start (API < 1.44 takes one
/// at create), the files to copy in before start (folder, tar), and warnings.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    pub body: ContainerCreateBody,
    pub extra_networks: Vec<(String, EndpointSettings)>,
    pub copies: Vec<(String, Vec<u8>)>,
    pub warnings: Vec<String>,
}

/// `1.41` → (1, 41).
pub fn version(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|p| p.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// Networks of a service by priority (then name), as Compose orders them.
pub fn networks_by_priority(svc: &Service) -> Vec<String> {
    let mut nets: Vec<(i64, &String)> = svc
        .networks
        .iter()
        .map(|(k, v)| (v.as_ref().map_or(0, |n| n.priority), k))
        .collect();
    nets.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    nets.into_iter().map(|(_, k)| k.clone()).collect()
}

fn some_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn some_map<K: Ord + std::hash::Hash + Eq, V>(m: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

fn nonzero(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The labels of a service's container (Compose's own and the service's).
pub fn container_labels(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    number: u32,
    hash: &str,
) -> HashMap<String, String> {
    let p = ctx.project;
    let mut l: HashMap<String, String> = svc.labels.clone().into_iter().collect();
    l.insert(labels::PROJECT.into(), p.name.clone());
    l.insert(labels::SERVICE.into(), service.into());
    l.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    l.insert(labels::WORKING_DIR.into(), p.working_dir.clone());
    l.insert(labels::CONFIG_FILES.into(), p.compose_files.join(","));
    l.insert(labels::ONEOFF.into(), "False".into());
    if !ctx.env_files.is_empty() {
        l.insert(labels::ENVIRONMENT_FILE.into(), ctx.env_files.join(","));
    }
    l.insert(labels::CONFIG_HASH.into(), hash.into());
    l.insert(labels::NUMBER.into(), number.to_string());
    let deps: Vec<String> = svc
        .depends_on
        .iter()
        .map(|(name, d)| format!("{name}:{}:{}", d.condition, d.restart))
        .collect();
    l.insert(labels::DEPENDS_ON.into(), deps.join(","));
    if !ctx.image_id.is_empty() {
        l.insert(labels::IMAGE.into(), ctx.image_id.into());
    }
    l
}

/// The container spec of replica `number` of `service`.
pub fn container(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    number: u32,
    hash: &str,
) -> ContainerSpec {
    let p = ctx.project;
    let name = container_name(&p.name, service, svc, number);
    let mut warnings = Vec::new();
    let api = version(ctx.api_version);

    let env: Vec<String> = svc
        .environment
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        })
        .collect();

    let mut exposed: Vec<String> = svc
        .expose
        .iter()
        .map(|e| {
            if e.contains('/') {
                e.clone()
            } else {
                format!("{e}/tcp")
            }
        })
        .collect();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for port in &svc.ports {
        let proto = if port.protocol.is_empty() {
            "tcp"
        } else {
            &port.protocol
        };
        let key = format!("{}/{proto}", port.target);
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: nonempty(&port.host_ip),
                host_port: nonempty(&port.published),
            });
    }

    let healthcheck = svc.healthcheck.as_ref().map(|h| {
        if h.disable {
            return HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..Default::default()
            };
        }
        if h.start_interval.is_some() && api < (1, 44) {
            warnings.push(format!(
                "services.{service}.healthcheck.start_interval needs Docker Engine API 1.44 (this engine speaks {}): ignored",
                ctx.api_version
            ));
        }
        HealthConfig {
            test: some_vec(h.test.clone()),
            interval: h.interval.map(|d| d.0),
            timeout: h.timeout.map(|d| d.0),
            retries: h.retries.map(|r| r as i64),
            start_period: h.start_period.map(|d| d.0),
            start_interval: h.start_interval.filter(|_| api >= (1, 44)).map(|d| d.0),
        }
    });

    // mounts: simple binds and named volumes as `Binds` strings (the engine creates missing host
    // folders for those), the rest through the mount API
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for v in &svc.volumes {
        match mount_for(p, v, ctx.inherited_volumes) {
            Mounted::Bind(b) => binds.push(b),
            Mounted::Mount(m) => mounts.push(*m),
        }
    }
    let mut copies = Vec::new();
    for (refs, base, kind) in [
        (&svc.secrets, "/run/secrets/", "secret"),
        (&svc.configs, "/", "config"),
    ] {
        let defined = if kind == "secret" {
            &p.secrets
        } else {
            &p.configs
        };
        for r in refs {
            let Some(obj) = defined.get(&r.source) else {
                continue;
            };
            let target = file_target(r, base);
            if !obj.file.is_empty() {
                if mounts
                    .iter()
                    .any(|m: &Mount| m.target.as_deref() == Some(&target))
                {
                    continue;
                }
                mounts.push(Mount {
                    typ: Some(MountType::BIND),
                    source: Some(obj.file.clone()),
                    target: Some(target),
                    read_only: Some(true),
                    ..Default::default()
                });
            } else if let Some(content) = file_content(p, obj) {
                copies.push(file_archive(&target, &content, r));
            } else if obj.external {
                warnings.push(format!(
                    "services.{service}.{kind}s: external {kind} `{}` needs Swarm: not mounted",
                    r.source
                ));
            }
        }
    }

    // keys this engine client cannot honour: said, never dropped silently
    for (set, key, why) in [
        (
            !svc.platform.is_empty(),
            "platform",
            "the engine runs its own platform",
        ),
        (
            !svc.post_start.is_empty(),
            "post_start",
            "lifecycle hooks are not supported yet",
        ),
        (
            !svc.pre_stop.is_empty(),
            "pre_stop",
            "lifecycle hooks are not supported yet",
        ),
        (
            svc.provider.is_some(),
            "provider",
            "providers are not supported",
        ),
        (!svc.models.is_empty(), "models", "models are not supported"),
        (svc.use_api_socket, "use_api_socket", "not supported yet"),
        (
            svc.credential_spec.is_some(),
            "credential_spec",
            "Windows only",
        ),
    ] {
        if set {
            warnings.push(format!("services.{service}.{key} is ignored: {why}"));
        }
    }
    let (network_mode, mut networking, extra_networks) =
        networking(ctx, service, svc, number, &name);
    if !svc.mac_address.is_empty() {
        // API 1.44 moved the MAC address to the endpoint; older engines need a field this
        // client does not send
        match networking.as_mut().and_then(|n| n.endpoints_config.as_mut()) {
            Some(eps) if api >= (1, 44) => {
                for ep in eps.values_mut() {
                    ep.mac_address.get_or_insert_with(|| svc.mac_address.clone());
                }
            }
            _ => warnings.push(format!(
                "services.{service}.mac_address needs Docker Engine API 1.44 (this engine speaks {}): ignored",
                ctx.api_version
            )),
        }
    }

    let host = HostConfig {
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
    };

    let body = ContainerCreateBody {
        hostname: nonempty(&svc.hostname),
        domainname: nonempty(&svc.domainname),
        user: nonempty(&svc.user),
        exposed_ports: some_vec(exposed),
        tty: svc.tty.then_some(true),
        open_stdin: svc.stdin_open.then_some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        env: some_vec(env),
        cmd: svc.command.clone(),
        entrypoint: svc.entrypoint.clone(),
        healthcheck,
        image: Some(image_name(&p.name, service, svc)),
        working_dir: nonempty(&svc.working_dir),
        network_disabled: (svc.network_mode == "disabled").then_some(true),
        labels: Some(container_labels(ctx, service, svc, number, hash)),
        stop_signal: nonempty(&svc.stop_signal),
        stop_timeout: svc.stop_grace_period.map(|d| d.0 / 1_000_000_000),
        host_config: Some(host),
        networking_config: networking,
        ..Default::default()
    };
    ContainerSpec {
        body,
        extra_networks,
        copies,
        warnings,
    }
}

enum Mounted {
    Bind(String),
    Mount(Box<Mount>),
}

fn mount_for(p: &Project, v: &ServiceVolume, inherited: &BTreeMap<String, String>) -> Mounted {
    let access = if v.read_only { "ro" } else { "rw" };
    match &v.kind {
        VolumeKind::Bind => {
            let b = v.bind.clone().unwrap_or_default();
            let needs_api = b.create_host_path == Some(false)
                || !b.propagation.is_empty()
                || !b.recursive.is_empty();
            if !needs_api {
                let mut opts = vec![access.to_string()];
                if !b.selinux.is_empty() {
                    opts.push(b.selinux.clone());
                }
                return Mounted::Bind(format!("{}:{}:{}", v.source, v.target, opts.join(",")));
            }
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::BIND),
                source: Some(v.source.clone()),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                bind_options: Some(MountBindOptions {
                    propagation: propagation(&b.propagation),
                    non_recursive: (b.recursive == "disabled").then_some(true),
                    create_mountpoint: (b.create_host_path != Some(false)).then_some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        VolumeKind::Volume => {
            let opts = v.volume.clone().unwrap_or_default();
            let source = if v.source.is_empty() {
                // an anonymous volume keeps its data across a recreate
                inherited.get(&v.target).cloned().unwrap_or_default()
            } else {
                p.volumes
                    .get(&v.source)
                    .map(|vol| vol.name.clone())
                    .unwrap_or_else(|| v.source.clone())
            };
            let simple = opts.labels.is_empty() && opts.subpath.is_empty() && !opts.nocopy;
            if simple && !source.is_empty() {
                return Mounted::Bind(format!("{source}:{}:{access}", v.target));
            }
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::VOLUME),
                source: nonempty(&source),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                volume_options: (!simple).then(|| MountVolumeOptions {
                    no_copy: opts.nocopy.then_some(true),
                    labels: some_map(opts.labels.clone().into_iter().collect()),
                    subpath: nonempty(&opts.subpath),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        VolumeKind::Tmpfs => {
            let t = v.tmpfs.clone().unwrap_or_default();
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::TMPFS),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                tmpfs_options: Some(MountTmpfsOptions {
                    size_bytes: nonzero(t.size.0),
                    mode: nonzero(t.mode as i64),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        other => Mounted::Mount(Box::new(Mount {
            typ: Some(match other {
                VolumeKind::Npipe => MountType::NPIPE,
                VolumeKind::Cluster => MountType::CLUSTER,
                VolumeKind::Image => MountType::IMAGE,
                _ => MountType::VOLUME,
            }),
            source: nonempty(&v.source),
            target: Some(v.target.clone()),
            read_only: v.read_only.then_some(true),
            ..Default::default()
        })),
    }
}

fn propagation(p: &str) -> Option<MountBindOptionsPropagationEnum> {
    Some(match p {
        "private" => MountBindOptionsPropagationEnum::PRIVATE,
        "rprivate" => MountBindOptionsPropagationEnum::RPRIVATE,
        "shared" => MountBindOptionsPropagationEnum::SHARED,
        "rshared" => MountBindOptionsPropagationEnum::RSHARED,
        "slave" => MountBindOptionsPropagationEnum::SLAVE,
        "rslave" => MountBindOptionsPropagationEnum::RSLAVE,
        _ => return None,
    })
}

/// Where a secret or config lands: `target`, absolute or under `base`, or `base` + its name.
fn file_target(r: &FileReference, base: &str) -> String {
    if r.target.is_empty() {
        format!("{base}{}", r.source)
    } else if r.target.starts_with('/') {
        r.target.clone()
    } else {
        format!("{base}{}", r.target)
    }
}

/// The content of a secret or config given as `environment:` or `content:`.
fn file_content(p: &Project, obj: &FileObject) -> Option<String> {
    if !obj.environment.is_empty() {
        return Some(
            p.environment
                .get(&obj.environment)
                .cloned()
                .unwrap_or_default(),
        );
    }
    (!obj.content.is_empty()).then(|| obj.content.clone())
}

/// A tar holding one file at `target`, to extract at `/` (the engine creates missing parent
/// folders; it refuses to extract into a folder that does not exist): ("/", archive).
fn file_archive(target: &str, content: &str, r: &FileReference) -> (String, Vec<u8>) {
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(r.mode.map_or(0o444, |m| m.0 as u32));
    header.set_uid(r.uid.parse().unwrap_or(0));
    header.set_gid(r.gid.parse().unwrap_or(0));
    header.set_mtime(0);
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(
            &mut header,
            target.trim_start_matches('/'),
            content.as_bytes(),
        )
        .expect("writing a tar to memory cannot fail");
    let tar = builder
        .into_inner()
        .expect("writing a tar to memory cannot fail");
    ("/".into(), tar)
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
fn namespace_mode(p: &Project, mode: &str) -> String {
    match mode.strip_prefix("service:") {
        Some(other) => match p.services.get(other) {
            Some(s) => format!("container:{}", container_name(&p.name, other, s, 1)),
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
        .map(|s| container_name(&p.name, svc, s, 1))
        .unwrap_or_else(|| svc.to_string());
    match mode {
        Some(m) => format!("{name}:{m}"),
        None => name,
    }
}

/// `links: [db, db:database]` → `<container>:<alias>` entries, plus `external_links`.
fn links(p: &Project, svc: &Service) -> Vec<String> {
    let mut out = Vec::new();
    for l in &svc.links {
        let (target, alias) = l.split_once(':').unwrap_or((l, l));
        if let Some(s) = p.services.get(target) {
            let name = container_name(&p.name, target, s, 1);
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

fn endpoint(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    key: &str,
    container: &str,
) -> EndpointSettings {
    let cfg = svc.networks.get(key).cloned().flatten().unwrap_or_default();
    let mut aliases = vec![container.to_string(), service.to_string()];
    aliases.extend(cfg.aliases.iter().cloned());
    let api = version(ctx.api_version);
    let has_ipam = !cfg.ipv4_address.is_empty()
        || !cfg.ipv6_address.is_empty()
        || !cfg.link_local_ips.is_empty();
    let mut driver_opts: HashMap<String, String> = cfg.driver_opts.clone().into_iter().collect();
    if !cfg.interface_name.is_empty() {
        driver_opts.insert(
            "com.docker.network.endpoint.ifname".into(),
            cfg.interface_name.clone(),
        );
    }
    EndpointSettings {
        aliases: Some(aliases),
        // on a user-defined network the engine resolves legacy links per endpoint
        links: some_vec(links(ctx.project, svc)),
        ipam_config: has_ipam.then(|| EndpointIpamConfig {
            ipv4_address: nonempty(&cfg.ipv4_address),
            ipv6_address: nonempty(&cfg.ipv6_address),
            link_local_ips: some_vec(cfg.link_local_ips.clone()),
        }),
        mac_address: nonempty(&cfg.mac_address).filter(|_| api >= (1, 44)),
        driver_opts: some_map(driver_opts),
        gw_priority: nonzero(cfg.gateway_priority).filter(|_| api >= (1, 48)),
        ..Default::default()
    }
}

type Networking = (
    String,
    Option<NetworkingConfig>,
    Vec<(String, EndpointSettings)>,
);

/// The network mode, the primary network's endpoint (at create) and the others (connected before
/// start: API < 1.44 takes a single network at create).
fn networking(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    _number: u32,
    container: &str,
) -> Networking {
    let p = ctx.project;
    if !svc.network_mode.is_empty() {
        return (namespace_mode(p, &svc.network_mode), None, Vec::new());
    }
    let order = networks_by_priority(svc);
    let Some(primary) = order.first() else {
        return ("none".into(), None, Vec::new());
    };
    let engine_name = |key: &str| network_name(p, key);
    let primary_name = engine_name(primary);
    let mut endpoints = HashMap::new();
    endpoints.insert(
        primary_name.clone(),
        endpoint(ctx, service, svc, primary, container),
    );
    let extra = order[1..]
        .iter()
        .map(|k| (engine_name(k), endpoint(ctx, service, svc, k, container)))
        .collect();
    (
        primary_name,
        Some(NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        extra,
    )
}

/// The create request of a project network (`key` in the file).
pub fn network(project: &Project, key: &str) -> NetworkCreateRequest {
    let n = project.networks.get(key).cloned().unwrap_or_default();
    let mut labels: HashMap<String, String> = n.labels.clone().into_iter().collect();
    labels.insert(labels::NETWORK.into(), key.into());
    labels.insert(labels::PROJECT.into(), project.name.clone());
    labels.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    labels.insert(labels::CONFIG_HASH.into(), super::hash::network(&n));
    let ipam = (!n.ipam.driver.is_empty() || !n.ipam.config.is_empty()).then(|| Ipam {
        driver: nonempty(&n.ipam.driver),
        config: some_vec(
            n.ipam
                .config
                .iter()
                .map(|c| IpamConfig {
                    subnet: nonempty(&c.subnet),
                    ip_range: nonempty(&c.ip_range),
                    gateway: nonempty(&c.gateway),
                    auxiliary_addresses: some_map(c.aux_addresses.clone().into_iter().collect()),
                })
                .collect(),
        ),
        options: some_map(n.ipam.options.clone().into_iter().collect()),
    });
    NetworkCreateRequest {
        name: network_name(project, key),
        driver: nonempty(&n.driver),
        internal: n.internal.then_some(true),
        attachable: n.attachable.then_some(true),
        ipam,
        enable_ipv4: n.enable_ipv4,
        enable_ipv6: n.enable_ipv6,
        options: some_map(n.driver_opts.clone().into_iter().collect()),
        labels: Some(labels),
        ..Default::default()
    }
}

/// The create request of a project volume (`key` in the file).
pub fn volume(project: &Project, key: &str) -> VolumeCreateRequest {
    let v = project.volumes.get(key).cloned().unwrap_or_default();
    let mut labels: HashMap<String, String> = v.labels.clone().into_iter().collect();
    labels.insert(labels::VOLUME.into(), key.into());
    labels.insert(labels::PROJECT.into(), project.name.clone());
    labels.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    labels.insert(labels::CONFIG_HASH.into(), super::hash::volume(&v));
    VolumeCreateRequest {
        name: Some(volume_name(project, key)),
        driver: nonempty(&v.driver),
        driver_opts: some_map(v.driver_opts.clone().into_iter().collect()),
        labels: Some(labels),
        ..Default::default()
    }
}
