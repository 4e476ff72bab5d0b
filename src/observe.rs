//! Everything the planner reads, gathered here so that planning stays pure: what the engine has
//! of a project (its containers, networks and volumes by the project label, who is on its
//! networks, the networks and volumes the model names, external ones included, and the images
//! its services use), the time, and, before builds are planned, their contexts and Dockerfiles
//! from the disk.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::try_join_all;

use crate::build::{DockerfileSource, Overrides, Source, Sources as BuildSources};
use crate::engine::{
    ContainerInfo, Engine, ImageInfo, Inventory, NetworkInfo, Result, Swarm, SwarmObject,
    SwarmService, VolumeInfo,
};
use crate::model::Project;

/// The observed state a plan is made from.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The project's containers, stopped and one-off ones included.
    pub containers: Vec<ContainerInfo>,
    /// Networks by engine name (of several with one name, the oldest).
    pub networks: BTreeMap<String, NetworkInfo>,
    /// The project's other networks of a name already in `networks`: made by runs that raced
    /// (the engine lets several networks share a name), to be healed.
    pub duplicate_networks: Vec<NetworkInfo>,
    /// The containers on each of the project's networks that the model declares, by engine
    /// name (another project's or one run by hand included: a network to recreate must be
    /// free of those).
    pub network_users: BTreeMap<String, Vec<String>>,
    /// Volumes by engine name.
    pub volumes: BTreeMap<String, VolumeInfo>,
    /// Image reference → what the engine has of it.
    pub images: BTreeMap<String, ImageInfo>,
    /// The project's untagged images (read for `down --rmi` only).
    pub dangling_images: Vec<String>,
    /// The negotiated API version.
    pub api_version: String,
    /// When it was observed (Unix seconds): pull policies with intervals compare with it.
    pub now: i64,
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

/// The oldest network of each name (every run that heals picks the same one), and the others.
fn oldest_of_each_name(
    mut all: Vec<NetworkInfo>,
) -> (BTreeMap<String, NetworkInfo>, Vec<NetworkInfo>) {
    all.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let mut kept = BTreeMap::new();
    let mut others = Vec::new();
    for n in all {
        if kept.contains_key(&n.name) {
            others.push(n);
        } else {
            kept.insert(n.name.clone(), n);
        }
    }
    (kept, others)
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
    let (networks, duplicate_networks) = oldest_of_each_name(networks);
    let mut obs = Observed {
        containers,
        networks,
        duplicate_networks,
        network_users: BTreeMap::new(),
        volumes: volumes.into_iter().map(|v| (v.name.clone(), v)).collect(),
        images: BTreeMap::new(),
        dangling_images: Vec::new(),
        api_version: engine.api_version(),
        now: crate::clock::now_secs(),
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
        .map(|(k, s)| crate::names::image_name(project, k, s))
        .collect();
    images.sort();
    images.dedup();
    // and who is on the project's own networks that the model declares
    let ours: Vec<&NetworkInfo> = (project.networks.iter())
        .filter(|(_, n)| !n.external)
        .filter_map(|(key, _)| obs.networks.get(&crate::names::network_name(project, key)))
        .collect();
    let (found_nets, found_vols, ids, users) = futures_util::try_join!(
        try_join_all(nets.iter().map(|n| engine.find_network(n))),
        try_join_all(vols.iter().map(|v| engine.find_volume(v))),
        try_join_all(images.iter().map(|i| engine.image_info(i))),
        try_join_all(ours.iter().map(|n| engine.network_users(&n.id))),
    )?;
    let names = ours.iter().map(|n| n.name.clone());
    obs.network_users = names.zip(users).collect();
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

/// The contexts and Dockerfiles of the builds of `services` (those with a `build` section), read
/// from the disk for the build planner; a build the chosen builder refuses is skipped
/// (planning reports it).
pub fn build_sources(
    project: &Project,
    services: &BTreeSet<String>,
    overrides: &Overrides,
) -> BuildSources {
    let mut out = BuildSources::new();
    for name in services {
        let svc = &project.services[name];
        let Ok(spec) = crate::build::spec(project, name, svc, overrides) else {
            continue;
        };
        let dockerfile = match (&spec.dockerfile, crate::build::dockerfile_path(&spec)) {
            (DockerfileSource::Inline(text), _) => Ok(text.clone()),
            (_, Some(path)) => std::fs::read_to_string(&path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            }),
            (_, None) => Ok(String::new()),
        };
        let source = Source {
            context_is_dir: spec.context.is_dir(),
            dockerfile,
        };
        out.insert(name.clone(), source);
    }
    out
}

/// What a swarm has of a stack, and the objects outside it that the stack names.
#[derive(Debug, Clone, Default)]
pub struct ObservedStack {
    /// The stack's services.
    pub services: Vec<SwarmService>,
    /// The stack's networks.
    pub networks: Vec<NetworkInfo>,
    /// Every network by name (external ones are looked up here).
    pub all_networks: BTreeMap<String, NetworkInfo>,
    /// Every secret and config (the stack's carry its label).
    pub secrets: Vec<SwarmObject>,
    pub configs: Vec<SwarmObject>,
}

/// What the swarm has of stack `stack`: its services (their networks named, as the file names
/// them, where the engine keeps IDs), networks, and every network, secret and config (the
/// stack's and the external ones it may name).
pub async fn stack<E: Swarm + Inventory>(engine: &E, stack: &str) -> Result<ObservedStack> {
    let (services, networks, secrets, configs) = futures_util::try_join!(
        engine.list_services(Some(stack)),
        engine.stack_networks(stack),
        engine.list_secrets(None),
        engine.list_configs(None),
    )?;
    let mut all_networks: BTreeMap<String, NetworkInfo> = BTreeMap::new();
    for n in engine.all_networks().await? {
        all_networks.insert(n.name.clone(), n);
    }
    let name_of: BTreeMap<&str, &str> = all_networks
        .values()
        .map(|n| (n.id.as_str(), n.name.as_str()))
        .collect();
    let services = services
        .into_iter()
        .map(|mut s| {
            let attachments = s
                .spec
                .task_template
                .as_mut()
                .and_then(|t| t.networks.as_mut());
            for a in attachments.into_iter().flatten() {
                if let Some(name) = a.target.as_deref().and_then(|t| name_of.get(t)) {
                    a.target = Some(name.to_string());
                }
            }
            s
        })
        .collect();
    Ok(ObservedStack {
        services,
        networks,
        all_networks,
        secrets,
        configs,
    })
}

/// The contents of the secrets and configs `project` gives as `file:`, by `secrets.<key>` and
/// `configs.<key>` (or why one cannot be read).
pub fn stack_files(project: &Project) -> BTreeMap<String, std::result::Result<Vec<u8>, String>> {
    let mut out = BTreeMap::new();
    for (kind, objects) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for (key, obj) in objects
            .iter()
            .filter(|(_, o)| !o.file.is_empty() && !o.external)
        {
            let read = std::fs::read(&obj.file).map_err(|e| e.to_string());
            out.insert(format!("{kind}.{key}"), read);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_sources_are_read_from_the_disk() {
        let dir = std::env::temp_dir().join(format!("rcompose-sources-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/Dockerfile"), "FROM x AS base\n").unwrap();
        let mut o = crate::load::Options::new(&dir);
        o.files = vec!["-".into()];
        o.stdin = Some(
            "services:\n  app: {build: ./app}\n  gone: {build: {context: ./app, dockerfile: Nope}}\n  none: {build: ./none}\n  inline: {build: {dockerfile_inline: FROM y}}\n"
                .into(),
        );
        o.project_name = Some("p".into());
        let p = crate::load::load(&o).unwrap().project;
        let all: BTreeSet<String> = p.services.keys().cloned().collect();
        let s = build_sources(&p, &all, &Overrides::default());
        assert_eq!(s["app"].dockerfile, Ok("FROM x AS base\n".into()));
        assert!(s["app"].context_is_dir);
        assert_eq!(s["gone"].dockerfile, Err("no such file".into()));
        assert!(!s["none"].context_is_dir);
        assert_eq!(s["inline"].dockerfile, Ok("FROM y".into()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
