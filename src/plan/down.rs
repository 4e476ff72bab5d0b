//! The plan of `down`: the project's containers, dependents first (each level in parallel), then
//! its networks, volumes (`-v`) and images (`--rmi`), from the engine's labels alone (a project
//! goes without its files); and the stop order other commands share.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::ContainerInfo;
use crate::model::Project;
use crate::names::{self, labels};
use crate::observe::Observed;

use super::{Group, Op, Plan, Reason};

/// Services in stopping order, from the dependency labels of the containers: dependents first.
/// Returns levels; each level stops in parallel.
pub fn stop_levels(containers: &[&ContainerInfo]) -> Vec<Vec<String>> {
    // service → the services it depends on (from `com.docker.compose.depends_on`)
    let mut deps: BTreeMap<String, BTreeSet<String>> = containers
        .iter()
        .map(|c| (c.service().to_string(), BTreeSet::new()))
        .collect();
    for c in containers {
        for dep in names::depends_on_services(c.label(labels::DEPENDS_ON)) {
            if deps.contains_key(dep) && dep != c.service() {
                deps.get_mut(c.service())
                    .expect("every service has an entry")
                    .insert(dep.to_string());
            }
        }
    }
    crate::graph::stop_levels(&deps)
}

/// `down --rmi`: which images go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveImages {
    /// Those the project built under its own name.
    Local,
    /// Every image the project's containers use.
    All,
}

/// The options of `down`.
#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    /// Also one-offs and the containers of services the files no longer have.
    pub remove_orphans: bool,
    /// Also the project's named volumes and the anonymous ones of its containers.
    pub volumes: bool,
    /// `--rmi local|all`.
    pub images: Option<RemoveImages>,
    /// Seconds a container may take to stop (its `stop_grace_period` when none).
    pub timeout: Option<i64>,
}

/// The plan of `down`: containers in reverse dependency order (each level in parallel), then the
/// project's networks, then volumes (`-v`) and images (`--rmi`). Works from labels alone, so a
/// project is torn down without its files; `model` adds what only the files know.
pub fn down(name: &str, model: Option<&Project>, observed: &Observed, opts: &DownOptions) -> Plan {
    let mut plan = Plan::default();
    let known: Option<BTreeSet<&String>> =
        model.map(|p| p.services.keys().chain(p.disabled.keys()).collect());
    let targets: Vec<&ContainerInfo> = observed
        .containers
        .iter()
        .filter(|c| {
            let orphan = known
                .as_ref()
                .is_some_and(|k| !k.contains(&c.service().to_string()));
            opts.remove_orphans || !(c.is_oneoff() || orphan)
        })
        .collect();
    let left_behind = observed.containers.len() - targets.len();
    let mut previous: Vec<usize> = Vec::new();
    let mut removed: Vec<usize> = Vec::new();
    for level in stop_levels(&targets) {
        let mut this_level = Vec::new();
        for c in targets
            .iter()
            .filter(|c| level.iter().any(|s| s == c.service()))
        {
            let stop = Op::StopContainer {
                name: c.name.clone(),
                timeout: opts.timeout,
            };
            let stop = plan.for_service(c.service(), stop, previous.clone(), Reason::None);
            this_level.push(stop);
            let rm = Op::RemoveContainer {
                name: c.name.clone(),
                force: true,
                volumes: opts.volumes,
            };
            removed.push(plan.for_service(c.service(), rm, vec![stop], Reason::None));
        }
        if !this_level.is_empty() {
            previous = this_level;
        }
    }
    if left_behind > 0 && !opts.remove_orphans {
        plan.warnings.push(format!(
            "{left_behind} one-off or orphan container(s) left: `--remove-orphans` removes them"
        ));
    }
    // networks and volumes the project created (labelled), external ones never
    let external_nets: BTreeSet<String> = model
        .map(|p| {
            p.networks
                .values()
                .filter(|n| n.external)
                .map(|n| n.name.clone())
                .collect()
        })
        .unwrap_or_default();
    // networks still used by the containers left behind stay, as in Compose
    let in_use: BTreeSet<&String> = observed
        .containers
        .iter()
        .filter(|c| !targets.iter().any(|t| t.name == c.name))
        .flat_map(|c| c.networks.keys())
        .collect();
    for n in observed.networks.values() {
        if n.labels.get(labels::PROJECT).map(String::as_str) == Some(name)
            && !external_nets.contains(&n.name)
        {
            if in_use.contains(&n.name) {
                plan.warnings.push(format!(
                    "network {} is still in use by the containers left behind: kept",
                    n.name
                ));
                continue;
            }
            let rm = Op::RemoveNetwork {
                name: n.name.clone(),
                id: n.id.clone(),
            };
            plan.add(rm, Group::Project, removed.clone(), Reason::None);
        }
    }
    // networks of the same name that runs which raced made: all go (those still in use by
    // containers left behind stay, as above)
    for n in &observed.duplicate_networks {
        let used = observed
            .containers
            .iter()
            .filter(|c| !targets.iter().any(|t| t.name == c.name))
            .any(|c| c.networks.values().any(|id| *id == n.id));
        if !used && !external_nets.contains(&n.name) {
            let rm = Op::RemoveNetwork {
                name: n.name.clone(),
                id: n.id.clone(),
            };
            plan.add(rm, Group::Project, removed.clone(), Reason::Duplicate);
        }
    }
    if opts.volumes {
        // anonymous volumes (64 hex characters): a recreated container mounts its predecessor's
        // by name, and the engine's `rm -v` then keeps it
        let anonymous: BTreeSet<&String> = targets
            .iter()
            .flat_map(|c| c.volumes.keys())
            .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        for name in anonymous {
            let rm = Op::RemoveVolume { name: name.clone() };
            let i = plan.add(rm, Group::Project, removed.clone(), Reason::Anonymous);
            plan.steps[i].optional = true;
        }
        for v in observed.volumes.values() {
            let external = model.is_some_and(|p| {
                p.volumes
                    .values()
                    .any(|pv| pv.external && pv.name == v.name)
            });
            if v.labels.get(labels::PROJECT).map(String::as_str) == Some(name) && !external {
                let rm = Op::RemoveVolume {
                    name: v.name.clone(),
                };
                plan.add(rm, Group::Project, removed.clone(), Reason::None);
            }
        }
    }
    if let Some(which) = &opts.images {
        let mut images: BTreeSet<String> = BTreeSet::new();
        for c in &targets {
            let built = model
                .and_then(|p| p.services.get(c.service()))
                .is_some_and(|s| s.image.is_empty());
            if *which == RemoveImages::All || built {
                images.insert(c.image.clone());
            }
        }
        // and the model's that the engine has: after a plain `down`, no container names them
        if let Some(p) = model {
            for (key, s) in &p.services {
                let image = crate::names::image_name(p, key, s);
                if (*which == RemoveImages::All || s.image.is_empty())
                    && observed.images.contains_key(&image)
                {
                    images.insert(image);
                }
            }
        }
        for image in images {
            let rm = Op::RemoveImage { image };
            plan.add(rm, Group::Project, removed.clone(), Reason::None);
        }
        // what the project built whose tag another build took since (runs that built one shared
        // name at once): no name leads to them any more
        for id in &observed.dangling_images {
            let rm = Op::RemoveImage { image: id.clone() };
            let i = plan.add(rm, Group::Project, removed.clone(), Reason::None);
            plan.steps[i].optional = true;
        }
    }
    plan
}
