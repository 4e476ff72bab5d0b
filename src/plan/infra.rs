//! The networks and volumes a plan needs first: those the services in scope use and the engine
//! lacks are created, external ones must exist, one made elsewhere under the same name is used
//! with a warning, and one whose configuration changed is recreated (a volume only when the
//! user says so). Duplicate project networks (runs that raced each made one) and the
//! replacements of interrupted recreates are healed before anything else is planned.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{ContainerInfo, NetworkInfo, VolumeInfo};
use crate::model::{Project, Volume, VolumeKind};
use crate::names::labels;
use crate::observe::Observed;

use super::{Group, Op, Plan, PlanError, Reason, UpOptions, error, hash, spec};

/// A replacement container that an interrupted recreate left under its temporary name
/// (`<old id>_<name>`, with the `replace` label): it never started (a replacement starts once
/// renamed).
pub struct Leftover<'a> {
    pub container: &'a ContainerInfo,
    /// The name it was made to take.
    pub name: String,
    /// The container it replaces, when still there (it goes first).
    pub original: Option<&'a ContainerInfo>,
}

/// The replacements that interrupted recreates left (rcompose or Compose killed between the
/// replacement's create and its rename).
pub fn leftovers(observed: &Observed) -> Vec<Leftover<'_>> {
    observed
        .containers
        .iter()
        .filter(|c| !c.label(labels::REPLACE).is_empty() && !c.is_oneoff())
        .filter_map(|c| {
            let name = crate::names::replacement_target(&c.name)?;
            Some(Leftover {
                container: c,
                name: name.to_string(),
                original: observed.containers.iter().find(|o| o.name == name),
            })
        })
        .collect()
}

/// Whether [`heal`] has anything to do.
pub fn needs_healing(observed: &Observed) -> bool {
    !observed.duplicate_networks.is_empty() || !leftovers(observed).is_empty()
}

/// The plan that heals what other runs left. Duplicate project networks: the oldest of a name
/// is kept (every run that heals picks the same one); the containers on the others are removed
/// (the `up` planned next creates them again, on the kept one), then the others themselves.
/// A replacement an interrupted recreate left (it has the configuration that recreate wanted
/// and the old container's anonymous volumes) finishes that recreate: the container it
/// replaces, when still there, is stopped and removed, and the replacement takes the name (the
/// `up` planned next starts it, or recreates it when the configuration changed since). Keeping
/// the old one instead is not safe: the interrupted run's stop of it may still be under way in
/// the engine, and would stop it after the next run looked.
pub fn heal(observed: &Observed, timeout: Option<i64>) -> Plan {
    let mut plan = Plan::default();
    for left in leftovers(observed) {
        let c = left.container;
        let deps = left
            .original
            .map(|o| {
                super::up::remove(
                    &mut plan,
                    o,
                    c.service(),
                    timeout,
                    vec![],
                    Reason::Interrupted,
                )
            })
            .into_iter()
            .collect();
        let rename = Op::RenameContainer {
            from: c.name.clone(),
            to: left.name.clone(),
        };
        plan.for_service(c.service(), rename, deps, Reason::Interrupted);
    }
    for dup in &observed.duplicate_networks {
        let removed: Vec<usize> = observed
            .containers
            .iter()
            .filter(|c| c.networks.values().any(|id| *id == dup.id))
            .map(|c| {
                super::up::remove(
                    &mut plan,
                    c,
                    c.service(),
                    timeout,
                    vec![],
                    Reason::Duplicate,
                )
            })
            .collect();
        let rm = Op::RemoveNetwork {
            name: dup.name.clone(),
            id: dup.id.clone(),
        };
        plan.add(rm, Group::Project, removed, Reason::Duplicate);
    }
    plan
}

/// The networks (keys) and volumes (keys) that the services in `scope` use (`all`: every one
/// of the model).
fn used(
    project: &Project,
    scope: &BTreeSet<String>,
    all: bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut net_keys = BTreeSet::new();
    let mut vol_keys = BTreeSet::new();
    if all {
        net_keys.extend(project.networks.keys().cloned());
        vol_keys.extend(project.volumes.keys().cloned());
    }
    for name in scope {
        let svc = &project.services[name];
        if svc.network_mode.is_empty() {
            net_keys.extend(svc.networks.keys().cloned());
        }
        for v in &svc.volumes {
            if v.kind == VolumeKind::Volume && project.volumes.contains_key(&v.source) {
                vol_keys.insert(v.source.clone());
            }
        }
    }
    (net_keys, vol_keys)
}

/// Whether a volume on the engine was made from another configuration than the model's: its
/// `com.docker.compose.config-hash` label (when it has one, as Compose's and ours do) differs.
fn diverged(v: &Volume, found: &VolumeInfo) -> bool {
    !v.external
        && found
            .labels
            .get(labels::CONFIG_HASH)
            .is_some_and(|h| *h != hash::volume(v))
}

/// The volumes (engine names) that an `up` with `opts` would use and whose configuration
/// changed since they were created: what Compose asks about before recreating them.
pub fn diverged_volumes(project: &Project, observed: &Observed, opts: &UpOptions) -> Vec<String> {
    let scope = super::services_in_scope(project, &opts.services, opts.no_deps);
    let (_, vol_keys) = used(project, &scope, opts.all_resources);
    vol_keys
        .iter()
        .filter_map(|key| {
            let name = crate::names::volume_name(project, key);
            let found = observed.volumes.get(&name)?;
            diverged(&project.volumes[key], found).then_some(name)
        })
        .collect()
}

/// The networks and volumes a plan needs first.
pub(super) struct Infra {
    /// The steps creating them: every container waits for them.
    pub steps: Vec<usize>,
    /// The containers removed so that a diverged volume can be recreated: the services' plans
    /// take them as gone.
    pub removed: BTreeSet<String>,
    /// The containers moved onto a recreated network: name → the step after which they are
    /// on it (a removal of one waits for it). Those of services in scope that were up are
    /// started again by the services' plans, the others here.
    pub moved: BTreeMap<String, usize>,
}

/// The steps creating the missing networks and volumes the services in `scope` use (with
/// `opts.all_resources`, every one of the model; external ones must exist), recreating the
/// networks whose configuration changed (as Compose does, without asking: a network holds no
/// data), and the diverged volumes that `opts.diverged_volumes` says to (the others are kept,
/// with a warning).
pub(super) fn infra(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    opts: &UpOptions,
    plan: &mut Plan,
) -> Result<Infra, PlanError> {
    let (net_keys, vol_keys) = used(project, scope, opts.all_resources);
    let mut infra = Infra {
        steps: Vec::new(),
        removed: BTreeSet::new(),
        moved: BTreeMap::new(),
    };
    let ctx = Recreation {
        project,
        observed,
        scope,
        opts,
    };
    for key in &net_keys {
        let Some(n) = project.networks.get(key) else {
            continue;
        };
        let name = crate::names::network_name(project, key);
        match observed.networks.get(&name) {
            Some(found) if !n.external => {
                let label = found.labels.get(labels::NETWORK);
                if label.is_some_and(|l| l != key) {
                    return Err(error(
                        None,
                        format!(
                            "network {name} exists with label {}={:?}, expected {key:?}",
                            labels::NETWORK,
                            label.map(String::as_str).unwrap_or_default()
                        ),
                        Some(format!(
                            "remove it (`docker network rm {name}`) or mark it `external: true`"
                        )),
                    ));
                }
                let hash = found.labels.get(labels::CONFIG_HASH);
                let ours = found.labels.get(labels::PROJECT) == Some(&project.name);
                if ours && hash.is_some_and(|h| !h.is_empty() && *h != hash::network(n)) {
                    match recreate_network(&ctx, key, found, &mut infra, plan) {
                        Ok(create) => infra.steps.push(create),
                        Err(staying) => plan.warnings.push(format!(
                            "network {name} exists but doesn't match configuration in compose file: kept as it is, since containers that this run does not start again are on it ({}); `rcompose down` then `up` applies the new one",
                            staying.join(", ")
                        )),
                    }
                }
                if !ours {
                    plan.warnings.push(format!(
                        "a network named {name} exists but was not created for this project: using it (set `external: true` to make that explicit)"
                    ));
                }
            }
            Some(_) => {}
            None if n.external => {
                return Err(error(
                    None,
                    format!("external network {name} not found"),
                    Some(format!("create it first: `docker network create {name}`")),
                ));
            }
            None => {
                let create = Op::CreateNetwork {
                    spec: Box::new(spec::network(project, key)),
                };
                let i = plan.add(create, Group::Project, vec![], Reason::Missing);
                infra.steps.push(i);
            }
        }
    }
    for key in &vol_keys {
        let v = &project.volumes[key];
        let name = crate::names::volume_name(project, key);
        match observed.volumes.get(&name) {
            Some(found) => {
                if !v.external && found.labels.get(labels::PROJECT) != Some(&project.name) {
                    plan.warnings.push(format!(
                        "volume {name} already exists but was not created by this project: using it (set `external: true` to make that explicit)"
                    ));
                }
                if diverged(v, found) && opts.diverged_volumes.recreates(&name) {
                    let create = recreate_volume(&ctx, key, &mut infra, plan)?;
                    infra.steps.push(create);
                } else if diverged(v, found) {
                    plan.warnings.push(format!(
                        "volume {name} exists but doesn't match configuration in compose file: kept as it is (`up -y` recreates it; its data is lost)"
                    ));
                }
            }
            None if v.external => {
                return Err(error(
                    None,
                    format!("external volume {name} not found"),
                    Some(format!("create it first: `docker volume create {name}`")),
                ));
            }
            None => {
                let create = Op::CreateVolume {
                    spec: Box::new(spec::volume(project, key)),
                };
                let i = plan.add(create, Group::Project, vec![], Reason::Missing);
                infra.steps.push(i);
            }
        }
    }

    Ok(infra)
}

/// What recreating a network or a volume looks at.
struct Recreation<'a> {
    project: &'a Project,
    observed: &'a Observed,
    scope: &'a BTreeSet<String>,
    opts: &'a UpOptions,
}

impl Recreation<'_> {
    /// The containers `on` selects: those of services in scope, and the others (one-offs,
    /// services not in scope or gone from the model).
    fn users(
        &self,
        on: impl Fn(&ContainerInfo) -> bool,
    ) -> (Vec<&ContainerInfo>, Vec<&ContainerInfo>) {
        (self.observed.containers.iter())
            .filter(|c| on(c))
            .partition(|c| !c.is_oneoff() && self.scope.contains(c.service()))
    }
}

/// Recreates network `key` (its configuration changed), keeping the containers on it as
/// Compose does: each is stopped and taken off it, the network removed and created from the
/// model, each connected again with its service's endpoint (aliases, addresses) and started
/// again when it ran (those of services in scope by the services' plans, in dependency order).
/// A one-off, a container of a service gone from the model or one not of this project on it
/// keeps the network as it is (`Err`, their names): stopping those is not the user's request
/// (and the engine does not remove a network a running container is on).
fn recreate_network(
    ctx: &Recreation<'_>,
    key: &str,
    found: &NetworkInfo,
    infra: &mut Infra,
    plan: &mut Plan,
) -> Result<usize, Vec<String>> {
    let (project, opts) = (ctx.project, ctx.opts);
    let name = crate::names::network_name(project, key);
    let (in_scope, others) = ctx.users(|c| c.networks.values().any(|id| *id == found.id));
    let (services, staying): (Vec<&ContainerInfo>, Vec<&ContainerInfo>) = others
        .into_iter()
        .partition(|c| !c.is_oneoff() && project.services.contains_key(c.service()));
    // and those not of this project (run by hand on it, another project's)
    let users = ctx.observed.network_users.get(&name).into_iter().flatten();
    let foreign = users.filter(|u| !ctx.observed.containers.iter().any(|c| c.name == **u));
    let staying: Vec<String> = (staying.iter().map(|c| c.name.clone()))
        .chain(foreign.cloned())
        .collect();
    if !staying.is_empty() {
        return Err(staying);
    }
    let reason = Reason::NetworkChanged;
    let on_it: Vec<&ContainerInfo> = in_scope.iter().chain(&services).copied().collect();
    let off: Vec<usize> = on_it
        .iter()
        .map(|c| {
            let stop = Op::StopContainer {
                name: c.name.clone(),
                timeout: opts.timeout,
            };
            let after = infra.moved.get(&c.name).copied().into_iter().collect();
            let stop = plan.for_service(c.service(), stop, after, reason.clone());
            let off = Op::DisconnectNetwork {
                container: c.name.clone(),
                network: name.clone(),
                id: found.id.clone(),
            };
            plan.for_service(c.service(), off, vec![stop], reason.clone())
        })
        .collect();
    let rm = Op::RemoveNetwork {
        name: name.clone(),
        id: found.id.clone(),
    };
    let rm = plan.add(rm, Group::Project, off, reason.clone());
    let create = Op::CreateNetwork {
        spec: Box::new(spec::network(project, key)),
    };
    let create = plan.add(create, Group::Project, vec![rm], reason.clone());
    for c in &on_it {
        let (api, service) = (&ctx.observed.api_version, c.service());
        let svc = &project.services[service];
        let endpoint = spec::endpoint(project, api, service, svc, key, &c.name);
        let connect = Op::ConnectNetwork {
            container: c.name.clone(),
            network: name.clone(),
            endpoint: Box::new(endpoint),
        };
        let on = plan.for_service(c.service(), connect, vec![create], reason.clone());
        infra.moved.insert(c.name.clone(), on);
        infra.steps.push(on);
    }
    if !opts.no_start {
        for c in services.iter().filter(|c| c.is_up()) {
            let start = Op::StartContainer {
                name: c.name.clone(),
            };
            let after = vec![infra.moved[&c.name]];
            plan.for_service(c.service(), start, after, reason.clone());
        }
    }
    Ok(create)
}

/// Recreates volume `key`: the containers that mount it are stopped and removed (the services'
/// plans create them again), then it is removed and created from the model; returns the
/// create step. A container that this run would not create again (a one-off, a service not in
/// scope) stops it before anything is done: removing that is not the user's request.
fn recreate_volume(
    ctx: &Recreation<'_>,
    key: &str,
    infra: &mut Infra,
    plan: &mut Plan,
) -> Result<usize, PlanError> {
    let project = ctx.project;
    let name = crate::names::volume_name(project, key);
    let (mounting, others) = ctx.users(|c| c.volumes.contains_key(&name));
    if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|c| c.name.as_str()).collect();
        return Err(error(
            None,
            format!(
                "volume {name} cannot be recreated (its configuration changed): containers that this run does not create again use it ({})",
                names.join(", ")
            ),
            Some(
                "remove them first (`rcompose rm -sf SERVICE`, or `rcompose down`), or keep the volume as it is (without `-y`)".into(),
            ),
        ));
    }
    let removals: Vec<usize> = mounting
        .iter()
        .map(|c| {
            // a container moved onto a recreated network first is removed after the move
            let after = infra.moved.get(&c.name).copied().into_iter().collect();
            let reason = Reason::VolumeChanged;
            super::up::remove(plan, c, c.service(), ctx.opts.timeout, after, reason)
        })
        .collect();
    let rm = Op::RemoveVolume { name };
    let rm = plan.add(rm, Group::Project, removals, Reason::VolumeChanged);
    let create = Op::CreateVolume {
        spec: Box::new(spec::volume(project, key)),
    };
    let create = plan.add(create, Group::Project, vec![rm], Reason::VolumeChanged);
    infra
        .removed
        .extend(mounting.iter().map(|c| c.name.clone()));
    Ok(create)
}
