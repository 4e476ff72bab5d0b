//! The plan of `up` (and `create`): networks and volumes first, then each service in dependency
//! order — surplus replicas removed, missing ones created, diverged ones replaced (the new
//! container exists before the old one goes), stopped ones started, dependents restarted when a
//! `restart: true` dependency was replaced — each start after its dependencies' conditions;
//! `--wait` steps; orphans.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{ContainerInfo, Status};
use crate::model::{Condition, Project, Service, VolumeKind};
use crate::names::{self, labels};
use crate::observe::Observed;

use super::{
    Divergence, Op, Plan, PlanError, Reason, Recreate, UpOptions, error, hash, infra, replicas,
    services_in_scope, spec,
};

/// The plan of `up` (and `create` with `no_start`).
pub fn up(project: &Project, observed: &Observed, opts: &UpOptions) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let scope = services_in_scope(project, &opts.services, opts.no_deps);
    for s in &opts.services {
        if !project.services.contains_key(s) {
            return Err(error(None, format!("no such service: {s}"), None));
        }
    }
    let infra = infra::infra(project, observed, &scope, opts, &mut plan)?;
    // the containers removed for a volume's sake are gone for the services' plans (those
    // stopped to move onto a recreated network are started by them)
    let pruned;
    let observed = match infra.removed.is_empty() {
        true => observed,
        false => {
            pruned = Observed {
                containers: (observed.containers.iter())
                    .filter(|c| !infra.removed.contains(&c.name))
                    .cloned()
                    .collect(),
                ..observed.clone()
            };
            &pruned
        }
    };
    // containers, dependencies first
    let graph = crate::graph::Graph::new(project).map_err(|e| error(None, e.to_string(), None))?;
    let order: Vec<String> = graph
        .levels()
        .into_iter()
        .flatten()
        .filter(|s| scope.contains(s))
        .collect();
    let jobs: BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|s| s.depends_on.iter())
        .filter(|(_, d)| d.condition == Condition::ServiceCompletedSuccessfully)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut planner = Planner {
        project,
        observed,
        opts,
        scope,
        infra: infra.steps,
        moved: infra.moved,
        gates: Gates::default(),
        plan,
    };
    for name in &order {
        planner.service(name, jobs.contains(name.as_str()))?;
    }
    let mut plan = planner.plan;
    orphans(project, observed, opts, &mut plan);
    Ok(plan)
}

/// Containers of services that are gone (one-offs aside): removed with `--remove-orphans`,
/// otherwise a warning (unless `opts.ignore_orphans`).
pub fn orphans(project: &Project, observed: &Observed, opts: &UpOptions, plan: &mut Plan) {
    let known: BTreeSet<&String> = project
        .services
        .keys()
        .chain(project.disabled.keys())
        .collect();
    let orphans: Vec<&ContainerInfo> = observed
        .containers
        .iter()
        .filter(|c| !c.is_oneoff() && !known.contains(&c.service().to_string()))
        .collect();
    if opts.remove_orphans {
        for c in orphans {
            remove(plan, c, c.service(), opts.timeout, vec![], Reason::Orphan);
        }
    } else if !orphans.is_empty() && !opts.ignore_orphans {
        let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
        plan.warnings.push(format!(
            "found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up",
            names.join(", ")
        ));
    }
}

/// Stops and removes a container; returns the removal.
pub(super) fn remove(
    plan: &mut Plan,
    c: &ContainerInfo,
    service: &str,
    timeout: Option<i64>,
    deps: Vec<usize>,
    reason: Reason,
) -> usize {
    let stop = Op::StopContainer {
        name: c.name.clone(),
        timeout,
    };
    let stop = plan.for_service(service, stop, deps, reason.clone());
    let rm = Op::RemoveContainer {
        name: c.name.clone(),
        force: true,
        volumes: false,
    };
    plan.for_service(service, rm, vec![stop], reason)
}

/// What the dependents of a service wait for, by container.
#[derive(Default)]
struct Gates {
    /// Container name → the step after which it is started (none: already running).
    started: BTreeMap<String, Option<usize>>,
    /// Container name → the wait step for `service_healthy` / `service_completed_successfully`.
    healthy: BTreeMap<String, usize>,
    completed: BTreeMap<String, usize>,
    /// Container name → its create step (for `network_mode: service:x`, `volumes_from`).
    created: BTreeMap<String, usize>,
    /// Services whose containers this plan recreates or restarts.
    replaced: BTreeSet<String>,
}

/// Planning `up`, service after service: the inputs and what is planned so far.
struct Planner<'a> {
    project: &'a Project,
    observed: &'a Observed,
    opts: &'a UpOptions,
    scope: BTreeSet<String>,
    /// The steps creating networks and volumes: every container waits for them.
    infra: Vec<usize>,
    /// Containers moved onto a recreated network → the step that put them on it (those that
    /// were up were stopped for the move: they start again).
    moved: BTreeMap<String, usize>,
    gates: Gates,
    plan: Plan,
}

/// What a service's containers wait for.
struct Needs {
    /// The creates of the dependencies' containers.
    create: Vec<usize>,
    /// The conditions of the dependencies' containers.
    requirements: Vec<Requirement>,
    /// The dependencies with `restart: true` that this plan replaces.
    restart_for: Vec<String>,
}

/// One replica of a service being planned.
pub(super) struct Replica<'s> {
    service: &'s str,
    svc: &'s Service,
    number: u32,
    name: String,
    is_job: bool,
}

impl Planner<'_> {
    fn service(&mut self, name: &str, is_job: bool) -> Result<(), PlanError> {
        let (project, opts) = (self.project, self.opts);
        let svc = &project.services[name];
        let want = replicas(svc, opts.scale.get(name).copied());
        if want > 1 && !svc.container_name.is_empty() {
            return Err(error(
                Some(name),
                format!(
                    "`container_name` {:?} cannot be used with {want} replicas",
                    svc.container_name
                ),
                Some("drop `container_name` to run several replicas".into()),
            ));
        }
        // one host port cannot take several replicas: say so before anything is created
        // (the engine would refuse the second replica's start, "port is already allocated")
        if let Some(port) = svc
            .ports
            .iter()
            .find(|p| !p.published.is_empty() && !p.published.contains('-'))
            && want > 1
        {
            let n = port.published.parse::<u32>().unwrap_or(0);
            return Err(error(
                Some(name),
                format!(
                    "each of its {want} replicas would publish host port {}: only one can bind it",
                    port.published
                ),
                Some(format!(
                    "publish a range of {want} ports (`{n}-{}:{}`), or let the engine choose the host port (`\"{}\"`)",
                    n + want - 1,
                    port.target,
                    port.target
                )),
            ));
        }
        let image = names::image_name(project, name, svc);
        let image_id = self
            .observed
            .images
            .get(&image)
            .map(|i| i.id.clone())
            .unwrap_or_default();
        let config_hash = hash::service(svc);
        let existing = self.observed.service_containers(name);
        let needs = self.needs(name, svc);
        // scale down: the highest numbers go first
        for c in existing
            .iter()
            .filter(|c| c.number() > want || c.number() == 0)
        {
            let after = self.moved.get(&c.name).copied().into_iter().collect();
            remove(
                &mut self.plan,
                c,
                name,
                opts.timeout,
                after,
                Reason::ScaledDown,
            );
        }
        let expected_nets: Vec<String> = spec::networks_by_priority(svc)
            .iter()
            .map(|k| names::network_name(project, k))
            .collect();
        let force = opts.recreate == Recreate::Force
            || (opts.recreate_deps
                && !opts.services.is_empty()
                && !opts.services.iter().any(|s| s == name));
        for number in 1..=want {
            let r = Replica {
                service: name,
                svc,
                number,
                name: names::container_name(project, name, svc, number),
                is_job,
            };
            let current = existing
                .iter()
                .find(|c| c.number() == number || c.name == r.name)
                .copied();
            let inherited = match current {
                Some(c) if !opts.renew_anon_volumes => anonymous_volumes(c, svc),
                _ => BTreeMap::new(),
            };
            let ctx = spec::Context {
                project,
                api_version: &self.observed.api_version,
                image_id: &image_id,
                env_files: &opts.env_files,
                inherited_volumes: &inherited,
            };
            let Some(c) = current else {
                self.create(&r, &ctx, &config_hash, &needs);
                continue;
            };
            let divergence = if opts.recreate == Recreate::Never {
                None
            } else if matches!(c.state, Status::Dead | Status::Removing) {
                Some(Divergence::Broken)
            } else if force {
                Some(Divergence::Forced)
            } else if c.label(labels::CONFIG_HASH) != config_hash {
                Some(Divergence::ConfigChanged)
            } else if !image_id.is_empty() && c.label(labels::IMAGE) != image_id {
                Some(Divergence::ImageChanged)
            } else if c.is_running() && expected_nets.iter().any(|n| !c.networks.contains_key(n)) {
                Some(Divergence::NetworkMissing)
            } else {
                None
            };
            match divergence {
                Some(d) => self.replace(&r, c, &ctx, &config_hash, &needs, d),
                None => self.keep(&r, c, &needs),
            }
        }
        Ok(())
    }

    /// What creating a container of `name` needs, and what starting it waits for (the waits
    /// are made only for a container that does start).
    fn needs(&self, name: &str, svc: &Service) -> Needs {
        let mut needs = Needs {
            create: self.infra.clone(),
            requirements: Vec::new(),
            restart_for: Vec::new(),
        };
        for (dep, d) in &svc.depends_on {
            if !self.scope.contains(dep) {
                continue;
            }
            let dep_svc = &self.project.services[dep];
            for n in 1..=replicas(dep_svc, self.opts.scale.get(dep).copied()) {
                let c = names::container_name(self.project, dep, dep_svc, n);
                if let Some(&i) = self.gates.created.get(&c) {
                    needs.create.push(i);
                }
                needs.requirements.push(Requirement {
                    container: c,
                    service: dep.clone(),
                    condition: d.condition.clone(),
                    optional: !d.required,
                    dependent: name.to_string(),
                });
            }
            if d.restart && self.gates.replaced.contains(dep) {
                needs.restart_for.push(dep.clone());
            }
        }
        needs
    }

    /// The steps a start waits for: the networks and volumes, and the dependencies' gates.
    fn start_deps(&mut self, needs: &Needs) -> Vec<usize> {
        let mut deps = self.infra.clone();
        for r in &needs.requirements {
            deps.extend(r.gate(&mut self.plan, &mut self.gates));
        }
        deps
    }

    /// A start of replica `r` after `deps` (none with `--no-start`), recorded as its gate; then
    /// its `--wait`.
    fn start(&mut self, r: &Replica<'_>, op: Op, deps: Vec<usize>, reason: Reason) {
        let start =
            (!self.opts.no_start).then(|| self.plan.for_service(r.service, op, deps, reason));
        self.gates.started.insert(r.name.clone(), start);
        self.wait_ready(r, start);
    }

    /// A replica that does not exist yet.
    fn create(&mut self, r: &Replica<'_>, ctx: &spec::Context<'_>, hash: &str, needs: &Needs) {
        let created = create_steps(
            &mut self.plan,
            ctx,
            r,
            hash,
            &r.name,
            &needs.create,
            Reason::Created,
            None,
        );
        self.start_new(r, created, needs, Reason::None);
    }

    /// The start of a new container of replica `r` once `created` is done (and what its
    /// dependencies' conditions need).
    fn start_new(&mut self, r: &Replica<'_>, created: usize, needs: &Needs, reason: Reason) {
        self.gates.created.insert(r.name.clone(), created);
        let mut deps = Vec::new();
        if !self.opts.no_start {
            deps = self.start_deps(needs);
            deps.push(created);
        }
        let op = Op::StartContainer {
            name: r.name.clone(),
        };
        self.start(r, op, deps, reason);
    }

    /// A replica that diverged: the new container is created under a temporary name, then the
    /// old one stops and goes, and the new one takes its name and starts.
    fn replace(
        &mut self,
        r: &Replica<'_>,
        c: &ContainerInfo,
        ctx: &spec::Context<'_>,
        hash: &str,
        needs: &Needs,
        d: Divergence,
    ) {
        let reason = Reason::Recreate(d);
        let tmp = names::replacement_name(&c.id, &r.name);
        let replaced = names::replaced_label(self.project.separator(), r.service, r.svc, r.number);
        let created = create_steps(
            &mut self.plan,
            ctx,
            r,
            hash,
            &tmp,
            &needs.create,
            reason.clone(),
            Some(&replaced),
        );
        let gone = remove(
            &mut self.plan,
            c,
            r.service,
            self.opts.timeout,
            vec![created],
            reason.clone(),
        );
        let rename = Op::RenameContainer {
            from: tmp,
            to: r.name.clone(),
        };
        let rename = self
            .plan
            .for_service(r.service, rename, vec![gone], reason.clone());
        self.gates.replaced.insert(r.service.to_string());
        self.start_new(r, rename, needs, reason);
    }

    /// A replica that stays: restarted when a `restart: true` dependency was replaced, started
    /// when stopped (a job that completed stays as it is), unpaused when paused.
    fn keep(&mut self, r: &Replica<'_>, c: &ContainerInfo, needs: &Needs) {
        let completed_job = r.is_job && c.state == Status::Exited && c.exit_code() == Some(0);
        let name = r.name.clone();
        let start = if self.moved.contains_key(&name) && c.is_up() && !self.opts.no_start {
            // it was up, and was stopped to move onto a recreated network
            let deps = self.start_deps(needs);
            let op = Op::StartContainer { name };
            Some(
                self.plan
                    .for_service(r.service, op, deps, Reason::NetworkChanged),
            )
        } else if !needs.restart_for.is_empty() && c.is_running() && !self.opts.no_start {
            self.gates.replaced.insert(r.service.to_string());
            let reason = Reason::Replaced(needs.restart_for.clone());
            let deps = self.start_deps(needs);
            let stop = Op::StopContainer {
                name: name.clone(),
                timeout: self.opts.timeout,
            };
            let stop = self.plan.for_service(r.service, stop, deps, reason.clone());
            let op = Op::StartContainer { name };
            Some(self.plan.for_service(r.service, op, vec![stop], reason))
        } else if c.is_running() || completed_job || self.opts.no_start {
            None
        } else if c.state == Status::Paused {
            let deps = self.start_deps(needs);
            let op = Op::UnpauseContainer { name };
            Some(self.plan.for_service(r.service, op, deps, Reason::Paused))
        } else {
            let deps = self.start_deps(needs);
            let op = Op::StartContainer { name };
            Some(self.plan.for_service(r.service, op, deps, Reason::Stopped))
        };
        self.gates.started.insert(r.name.clone(), start);
        if start.is_some() || !completed_job {
            self.wait_ready(r, start);
        }
    }

    /// `--wait`: a step that waits for the container to be ready, or for a job to complete.
    fn wait_ready(&mut self, r: &Replica<'_>, start: Option<usize>) {
        if self.opts.wait && !self.opts.no_start {
            let name = r.name.clone();
            let op = if r.is_job {
                Op::WaitCompleted { name }
            } else {
                Op::WaitReady { name }
            };
            let deps = start.into_iter().collect();
            self.plan.for_service(r.service, op, deps, Reason::Wait);
        }
    }
}

/// A container a dependent's start waits for, and on what condition.
pub(super) struct Requirement {
    pub container: String,
    pub service: String,
    pub condition: Condition,
    pub optional: bool,
    pub dependent: String,
}

impl Requirement {
    /// The step a dependent's start waits for: the dependency's start, or a wait step made once
    /// per container and condition. `None` when the dependency is already running.
    fn gate(&self, plan: &mut Plan, gates: &mut Gates) -> Option<usize> {
        let started = gates.started.get(&self.container).copied().flatten();
        let name = self.container.clone();
        let (op, map) = match self.condition {
            Condition::ServiceHealthy => (Op::WaitHealthy { name }, &mut gates.healthy),
            Condition::ServiceCompletedSuccessfully => {
                (Op::WaitCompleted { name }, &mut gates.completed)
            }
            _ => return started,
        };
        let reason = Reason::DependsOn {
            dependent: self.dependent.clone(),
            service: self.service.clone(),
            condition: self.condition.clone(),
        };
        let step = *map.entry(self.container.clone()).or_insert_with(|| {
            plan.for_service(&self.service, op, started.into_iter().collect(), reason)
        });
        if self.optional {
            plan.steps[step].optional = true;
        }
        Some(step)
    }
}

/// The gates of the dependencies of a one-off (they are up): the wait steps of their conditions.
pub(super) fn oneoff_gates(plan: &mut Plan, requirements: &[Requirement]) -> Vec<usize> {
    let mut gates = Gates::default();
    requirements
        .iter()
        .filter_map(|r| r.gate(plan, &mut gates))
        .collect()
}

/// Anonymous volumes of a container being replaced, by target: they keep their data.
fn anonymous_volumes(c: &ContainerInfo, svc: &Service) -> BTreeMap<String, String> {
    c.volumes
        .iter()
        .filter(|(_, target)| {
            svc.volumes.iter().any(|v| {
                v.kind == VolumeKind::Volume && v.source.is_empty() && &v.target == *target
            })
        })
        .map(|(name, target)| (target.clone(), name.clone()))
        .collect()
}

/// Create, connect and copy steps of replica `r`, created as `create_as`; returns the last.
#[allow(clippy::too_many_arguments)]
pub(super) fn create_steps(
    plan: &mut Plan,
    ctx: &spec::Context<'_>,
    r: &Replica<'_>,
    config_hash: &str,
    create_as: &str,
    deps: &[usize],
    reason: Reason,
    replaces: Option<&str>,
) -> usize {
    // the spec names the final container (aliases), whatever it is created as
    let mut s = spec::container(ctx, r.service, r.svc, r.number, config_hash);
    if let (Some(old), Some(labels)) = (replaces, s.body.labels.as_mut()) {
        labels.insert(labels::REPLACE.into(), old.to_string());
    }
    plan.warnings.append(&mut s.warnings);
    let extra = std::mem::take(&mut s.extra_networks);
    let copies = std::mem::take(&mut s.copies);
    let service = r.service;
    let create = Op::CreateContainer {
        name: create_as.to_string(),
        spec: Box::new(s),
    };
    let mut last = plan.for_service(service, create, deps.to_vec(), reason);
    let created = last;
    for (network, endpoint) in extra {
        let connect = Op::ConnectNetwork {
            container: create_as.to_string(),
            network,
            endpoint: Box::new(endpoint),
        };
        last = plan.for_service(service, connect, vec![last], Reason::None);
    }
    for (dir, tar) in copies {
        let copy = Op::CopyFiles {
            container: create_as.to_string(),
            dir,
            tar,
        };
        let deps = vec![created.max(last)];
        last = plan.for_service(service, copy, deps, Reason::SecretsAndConfigs);
    }
    last
}

/// A one-off's replica: number 1 of the service as `run` changed it.
pub(super) fn oneoff_replica<'s>(service: &'s str, svc: &'s Service, name: &str) -> Replica<'s> {
    Replica {
        service,
        svc,
        number: 1,
        name: name.to_string(),
        is_job: false,
    }
}
