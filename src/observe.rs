//! What the engine has of a project, read once: its containers, networks and volumes by the
//! project label, the networks and volumes the model names (external ones included), and the IDs
//! of the images its services use.

use std::collections::BTreeMap;

use futures_util::future::try_join_all;

use crate::engine::{ContainerInfo, Engine, ImageInfo, NetworkInfo, Result, VolumeInfo};
use crate::model::Project;

/// The observed state a plan is made from.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The project's containers, stopped and one-off ones included.
    pub containers: Vec<ContainerInfo>,
    /// Networks by engine name.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Volumes by engine name.
    pub volumes: BTreeMap<String, VolumeInfo>,
    /// Image reference → what the engine has of it.
    pub images: BTreeMap<String, ImageInfo>,
    /// The negotiated API version.
    pub api_version: String,
}

impl Observed {
    /// The containers of a service (not one-off), by number.
    pub fn service_containers(&self, service: &str) -> Vec<&ContainerInfo> {
        let mut v: Vec<&ContainerInfo> = self
            .containers
            .iter()
            .filter(|c| c.service() == service && !c.is_oneoff())
            .collect();
        v.sort_by_key(|c| (c.number(), c.name.clone()));
        v
    }
}

/// Reads the state of `project` (its name is enough when `model` is `None`).
pub async fn observe<E: Engine>(
    engine: &E,
    name: &str,
    model: Option<&Project>,
) -> Result<Observed> {
    let (containers, networks, volumes) = futures_util::try_join!(
        engine.list_containers(Some(name), true),
        engine.list_networks(name),
        engine.list_volumes(name),
    )?;
    let mut obs = Observed {
        containers,
        networks: networks.into_iter().map(|n| (n.name.clone(), n)).collect(),
        volumes: volumes.into_iter().map(|v| (v.name.clone(), v)).collect(),
        images: BTreeMap::new(),
        api_version: engine.api_version(),
    };
    let Some(project) = model else {
        return Ok(obs);
    };
    // resources the model names that carry no project label (external, or made by hand)
    let nets: Vec<String> = project
        .networks
        .values()
        .map(|n| n.name.clone())
        .filter(|n| !n.is_empty() && !obs.networks.contains_key(n))
        .collect();
    let vols: Vec<String> = project
        .volumes
        .values()
        .map(|v| v.name.clone())
        .filter(|v| !v.is_empty() && !obs.volumes.contains_key(v))
        .collect();
    let mut images: Vec<String> = project
        .services
        .iter()
        .map(|(k, s)| crate::names::image_name(&project.name, k, s))
        .collect();
    images.sort();
    images.dedup();
    let (found_nets, found_vols, ids) = futures_util::try_join!(
        try_join_all(nets.iter().map(|n| engine.find_network(n))),
        try_join_all(vols.iter().map(|v| engine.find_volume(v))),
        try_join_all(images.iter().map(|i| engine.image_info(i))),
    )?;
    obs.networks.extend(
        found_nets
            .into_iter()
            .flatten()
            .map(|n| (n.name.clone(), n)),
    );
    obs.volumes.extend(
        found_vols
            .into_iter()
            .flatten()
            .map(|v| (v.name.clone(), v)),
    );
    obs.images.extend(
        images
            .into_iter()
            .zip(ids)
            .filter_map(|(i, id)| Some((i, id?))),
    );
    Ok(obs)
}
