//! A container's networking (the network mode, the endpoint at create, the networks connected
//! before start) and the create requests of the project's networks and volumes.

use std::collections::HashMap;

use bollard::models::{
    EndpointIpamConfig, EndpointSettings, Ipam, IpamConfig, NetworkCreateRequest, NetworkingConfig,
    VolumeCreateRequest,
};

use crate::model::{Project, Service};
use crate::names::{labels, network_name, volume_name};

use super::host::{links, namespace_mode};
use super::{Context, networks_by_priority, nonempty, nonzero, some_map, some_vec, version};

/// The endpoint of container `container` of `service` on network `key`: at its create, and when
/// the network is recreated and it is connected again.
pub fn endpoint(
    p: &Project,
    api_version: &str,
    service: &str,
    svc: &Service,
    key: &str,
    container: &str,
) -> EndpointSettings {
    let cfg = svc.networks.get(key).cloned().flatten().unwrap_or_default();
    let mut aliases = vec![container.to_string(), service.to_string()];
    aliases.extend(cfg.aliases.iter().cloned());
    let api = version(api_version);
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
        links: some_vec(links(p, svc)),
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

pub(super) type Networking = (
    String,
    Option<NetworkingConfig>,
    Vec<(String, EndpointSettings)>,
);

/// The network mode, the primary network's endpoint (at create) and the others (connected before
/// start: API < 1.44 takes a single network at create).
pub(super) fn networking(
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
        endpoint(p, ctx.api_version, service, svc, primary, container),
    );
    let extra = order[1..]
        .iter()
        .map(|k| {
            (
                engine_name(k),
                endpoint(p, ctx.api_version, service, svc, k, container),
            )
        })
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
    labels.insert(labels::CONFIG_HASH.into(), crate::plan::hash::network(&n));
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
    labels.insert(labels::CONFIG_HASH.into(), crate::plan::hash::volume(&v));
    VolumeCreateRequest {
        name: Some(volume_name(project, key)),
        driver: nonempty(&v.driver),
        driver_opts: some_map(v.driver_opts.clone().into_iter().collect()),
        labels: Some(labels),
        ..Default::default()
    }
}
