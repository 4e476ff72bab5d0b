//! The desired engine objects of a project, pure: a service's container create body (labels,
//! environment, ports, healthcheck; mounts and files in `mounts`, the host config in `host`, the
//! networks in `network`), its extra networks and the secret/config files to copy in; network
//! and volume create requests. Field by field as Compose maps them.

mod host;
mod mounts;
mod network;

use std::collections::{BTreeMap, HashMap};

use bollard::models::{EndpointSettings, HealthConfig, PortBinding};

use crate::engine::ContainerCreateBody;
use crate::model::{Project, Service};
use crate::names::{container_name, image_name, labels};

pub use network::{endpoint, network, volume};

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

pub use crate::engine::api_version as version;

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

pub(super) fn some_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

pub(super) fn some_map<K: Ord + std::hash::Hash + Eq, V>(
    m: HashMap<K, V>,
) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

pub(super) fn nonzero(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

pub(super) fn nonempty(s: &str) -> Option<String> {
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
    l.insert(
        labels::DEPENDS_ON.into(),
        crate::names::depends_on_label(svc),
    );
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
    let name = container_name(p, service, svc, number);
    let mut warnings = Vec::new();
    let api = version(ctx.api_version);

    let env = environment(svc);

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
        match mounts::mount_for(p, v, ctx.inherited_volumes) {
            mounts::Mounted::Bind(b) => binds.push(b),
            mounts::Mounted::Mount(m) => mounts.push(*m),
        }
    }
    let copies = mounts::files(ctx, service, svc, &mut mounts, &mut warnings);

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
        network::networking(ctx, service, svc, number, &name);
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

    let host = host::config(
        ctx,
        service,
        svc,
        host::Parts {
            binds,
            mounts,
            network_mode,
            bindings,
        },
        &mut warnings,
    );

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
        image: Some(image_name(p, service, svc)),
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

/// A service's environment as the engine takes it: `KEY=value`, or `KEY` alone for a variable
/// with no value.
pub(crate) fn environment(svc: &Service) -> Vec<String> {
    svc.environment
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        })
        .collect()
}
