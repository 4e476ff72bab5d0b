//! Desired state (the model) vs observed state (the engine) → a plan: a list of steps, each one
//! engine API call with the steps it waits for and the reason it exists. Pure: it prints as text
//! (`up --dry-run`) and is tested as text; the executor walks it without deciding anything.

pub mod hash;
pub mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::engine::{ContainerInfo, EndpointSettings, NetworkCreateRequest, VolumeCreateRequest};
use crate::model::{Condition, DeployMode, Project, PullPolicy, Service, VolumeKind};
use crate::observe::Observed;

/// One engine API call.
#[derive(Debug, Clone)]
pub enum Op {
    PullImage {
        image: String,
    },
    /// Builds from a context folder (made into a tar when the step runs).
    BuildImage {
        spec: Box<crate::build::BuildSpec>,
    },
    TagImage {
        source: String,
        target: String,
    },
    PushImage {
        image: String,
    },
    RemoveImage {
        image: String,
    },
    CreateNetwork {
        spec: Box<NetworkCreateRequest>,
    },
    RemoveNetwork {
        name: String,
    },
    CreateVolume {
        spec: Box<VolumeCreateRequest>,
    },
    RemoveVolume {
        name: String,
    },
    CreateContainer {
        name: String,
        spec: Box<spec::ContainerSpec>,
    },
    ConnectNetwork {
        container: String,
        network: String,
        endpoint: Box<EndpointSettings>,
    },
    /// Copies a tar (secrets, configs) into a folder of a created container.
    CopyFiles {
        container: String,
        dir: String,
        tar: Vec<u8>,
    },
    StartContainer {
        name: String,
    },
    StopContainer {
        name: String,
        timeout: Option<i64>,
    },
    RestartContainer {
        name: String,
        timeout: Option<i64>,
    },
    KillContainer {
        name: String,
        signal: String,
    },
    PauseContainer {
        name: String,
    },
    UnpauseContainer {
        name: String,
    },
    RemoveContainer {
        name: String,
        force: bool,
        volumes: bool,
    },
    RenameContainer {
        from: String,
        to: String,
    },
    /// Waits until the container is healthy (a `service_healthy` dependency).
    WaitHealthy {
        name: String,
    },
    /// Waits until the container exited 0 (a `service_completed_successfully` dependency).
    WaitCompleted {
        name: String,
    },
    /// Waits until the container is running (healthy if it has a healthcheck), or exited 0 (`--wait`).
    WaitReady {
        name: String,
    },
}

impl Op {
    /// What the progress display calls the object: `Container p-web-1`, `Network p_default`.
    pub fn resource(&self) -> String {
        match self {
            Op::PullImage { image } | Op::RemoveImage { image } | Op::PushImage { image } => {
                format!("Image {image}")
            }
            Op::BuildImage { spec } => format!("Image {}", spec.request.tag),
            Op::TagImage { target, .. } => format!("Image {target}"),
            Op::CreateNetwork { spec } => format!("Network {}", spec.name),
            Op::RemoveNetwork { name } => format!("Network {name}"),
            Op::CreateVolume { spec } => {
                format!("Volume {}", spec.name.as_deref().unwrap_or_default())
            }
            Op::RemoveVolume { name } => format!("Volume {name}"),
            Op::CreateContainer { name, .. }
            | Op::StartContainer { name }
            | Op::StopContainer { name, .. }
            | Op::RestartContainer { name, .. }
            | Op::KillContainer { name, .. }
            | Op::PauseContainer { name }
            | Op::UnpauseContainer { name }
            | Op::RemoveContainer { name, .. }
            | Op::WaitHealthy { name }
            | Op::WaitCompleted { name }
            | Op::WaitReady { name } => format!("Container {name}"),
            Op::ConnectNetwork { container, .. } | Op::CopyFiles { container, .. } => {
                format!("Container {container}")
            }
            Op::RenameContainer { to, .. } => format!("Container {to}"),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::PullImage { image } => write!(f, "pull image {image}"),
            Op::BuildImage { spec } => write!(f, "build image {}", spec.request.tag),
            Op::TagImage { source, target } => write!(f, "tag image {source} as {target}"),
            Op::PushImage { image } => write!(f, "push image {image}"),
            Op::RemoveImage { image } => write!(f, "remove image {image}"),
            Op::CreateNetwork { spec } => write!(f, "create network {}", spec.name),
            Op::RemoveNetwork { name } => write!(f, "remove network {name}"),
            Op::CreateVolume { spec } => {
                write!(
                    f,
                    "create volume {}",
                    spec.name.as_deref().unwrap_or_default()
                )
            }
            Op::RemoveVolume { name } => write!(f, "remove volume {name}"),
            Op::CreateContainer { name, .. } => write!(f, "create container {name}"),
            Op::ConnectNetwork {
                container, network, ..
            } => write!(f, "connect container {container} to network {network}"),
            Op::CopyFiles { container, dir, .. } => {
                write!(f, "copy files into container {container}:{dir}")
            }
            Op::StartContainer { name } => write!(f, "start container {name}"),
            Op::StopContainer { name, .. } => write!(f, "stop container {name}"),
            Op::RestartContainer { name, .. } => write!(f, "restart container {name}"),
            Op::KillContainer { name, signal } => write!(f, "kill container {name} ({signal})"),
            Op::PauseContainer { name } => write!(f, "pause container {name}"),
            Op::UnpauseContainer { name } => write!(f, "unpause container {name}"),
            Op::RemoveContainer { name, .. } => write!(f, "remove container {name}"),
            Op::RenameContainer { from, to } => write!(f, "rename container {from} to {to}"),
            Op::WaitHealthy { name } => write!(f, "wait until container {name} is healthy"),
            Op::WaitCompleted { name } => {
                write!(f, "wait until container {name} completed successfully")
            }
            Op::WaitReady { name } => write!(f, "wait until container {name} is ready"),
        }
    }
}

/// A step: an operation, the steps it waits for, and why it is there.
#[derive(Debug, Clone)]
pub struct Step {
    pub op: Op,
    /// The service the step works for, for messages.
    pub service: Option<String>,
    pub deps: Vec<usize>,
    pub reason: String,
    /// A failure is only a warning (a `required: false` dependency).
    pub optional: bool,
}

/// The steps to run, in an order that respects their dependencies, and what planning noticed.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub warnings: Vec<String>,
}

impl Plan {
    fn add(&mut self, op: Op, service: Option<&str>, deps: Vec<usize>, reason: &str) -> usize {
        let mut deps = deps;
        deps.sort_unstable();
        deps.dedup();
        self.steps.push(Step {
            op,
            service: service.map(str::to_string),
            deps,
            reason: reason.to_string(),
            optional: false,
        });
        self.steps.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            write!(f, "{:>3}. {}", i + 1, s.op)?;
            if !s.deps.is_empty() {
                let deps: Vec<String> = s.deps.iter().map(|d| (d + 1).to_string()).collect();
                write!(f, "  after {}", deps.join(","))?;
            }
            if !s.reason.is_empty() {
                write!(f, "  # {}", s.reason)?;
            }
            if s.optional {
                write!(f, " (optional)")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// A problem that stops planning before anything is touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub service: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.service {
            write!(f, "service `{s}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

fn error(service: Option<&str>, message: String, hint: Option<String>) -> PlanError {
    PlanError {
        service: service.map(str::to_string),
        message,
        hint,
    }
}

/// When to recreate containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recreate {
    /// When their configuration or image changed.
    #[default]
    Diverged,
    Force,
    Never,
}

impl Recreate {
    /// From `--force-recreate` / `--no-recreate`.
    pub fn from_flags(force: bool, never: bool) -> Recreate {
        match (force, never) {
            (true, _) => Recreate::Force,
            (_, true) => Recreate::Never,
            _ => Recreate::Diverged,
        }
    }
}

/// When to pull images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pull {
    /// Images the engine does not have.
    #[default]
    Missing,
    Always,
    Never,
}

/// The options of `up` / `create` that shape the plan.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// Services named on the command line (empty: all).
    pub services: Vec<String>,
    pub no_deps: bool,
    pub recreate: Recreate,
    /// Recreate dependencies too (`--always-recreate-deps`).
    pub recreate_deps: bool,
    /// `-V`: fresh anonymous volumes on recreate.
    pub renew_anon_volumes: bool,
    pub remove_orphans: bool,
    pub scale: BTreeMap<String, u32>,
    pub no_start: bool,
    /// `--wait`: wait for every started container to be ready.
    pub wait: bool,
    /// Stop timeout (seconds) for replaced containers.
    pub timeout: Option<i64>,
    /// `--env-file` files (a container label).
    pub env_files: Vec<String>,
    /// Orphan containers are not reported (`COMPOSE_IGNORE_ORPHANS`).
    pub ignore_orphans: bool,
}

/// The services `names` need (themselves and what they depend on, unless `no_deps`).
pub fn services_in_scope(project: &Project, names: &[String], no_deps: bool) -> BTreeSet<String> {
    if names.is_empty() {
        return project.services.keys().cloned().collect();
    }
    let mut keep = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(n) = todo.pop() {
        if !keep.insert(n.clone()) || no_deps {
            continue;
        }
        if let Some(s) = project.services.get(&n) {
            todo.extend(
                s.depends_on
                    .keys()
                    .filter(|d| project.services.contains_key(*d))
                    .cloned(),
            );
        }
    }
    keep
}

/// How many replicas a service runs.
pub fn replicas(svc: &Service, scale: Option<u32>) -> u32 {
    if let Some(n) = scale {
        return n;
    }
    if let Some(n) = svc.scale {
        return n.max(0) as u32;
    }
    match svc.deploy.as_ref() {
        Some(d) if d.mode == DeployMode::Global => 1,
        Some(d) => d.replicas.map_or(1, |r| r.max(0) as u32),
        None => 1,
    }
}

/// When `up` builds images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Build {
    /// Those that are missing, and those with `pull_policy: build`.
    #[default]
    Missing,
    /// Every service with a `build` section (`--build`, `rcompose build`).
    Always,
    /// None (`--no-build`).
    Never,
}

/// The builds `up` or `build` runs: one step per distinct build (tagged for every service that
/// shares it), each after the builds whose images it starts `FROM`.
pub fn builds(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    when: Build,
    overrides: &crate::build::Overrides,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let wanted: BTreeSet<String> = scope
        .iter()
        .filter(|name| {
            let svc = &project.services[*name];
            let missing =
                !observed
                    .images
                    .contains_key(&crate::names::image_name(&project.name, name, svc));
            svc.build.is_some()
                && match when {
                    Build::Always => true,
                    Build::Never => false,
                    Build::Missing => missing || svc.pull_policy == PullPolicy::Build,
                }
        })
        .cloned()
        .collect();
    let ordered =
        crate::build::ordered(project, &wanted, overrides).map_err(|m| error(None, m, None))?;
    for name in &wanted {
        let mut w = crate::build::ignored(name, &project.services[name]);
        plan.warnings.append(&mut w);
    }
    let mut steps: Vec<usize> = Vec::new();
    for crate::build::OrderedBuild {
        spec: s,
        services: names,
        needs: deps,
    } in ordered
    {
        let source = s.request.tag.clone();
        let tags = s.extra_tags.clone();
        let reason = if names.len() > 1 {
            format!("for {}", names.join(", "))
        } else {
            String::new()
        };
        let deps: Vec<usize> = deps.iter().map(|&d| steps[d]).collect();
        let built = plan.add(
            Op::BuildImage { spec: Box::new(s) },
            Some(&names[0]),
            deps,
            &reason,
        );
        let mut last = built;
        for target in tags {
            last = plan.add(
                Op::TagImage {
                    source: source.clone(),
                    target,
                },
                Some(&names[0]),
                vec![built],
                "",
            );
        }
        steps.push(last);
    }
    Ok(plan)
}

/// The images to pull before planning `up` (their IDs label the containers); images that are
/// built (`built`) are not pulled.
pub fn pulls(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    policy: Pull,
    build: Build,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in scope {
        let svc = &project.services[name];
        let image = crate::names::image_name(&project.name, name, svc);
        let present = observed.images.contains_key(&image);
        let stale = observed
            .images
            .get(&image)
            .is_some_and(|i| older_than_policy(&i.last_tagged, &svc.pull_policy));
        let policy = match svc.pull_policy {
            PullPolicy::Always => Pull::Always,
            PullPolicy::Never | PullPolicy::Build => Pull::Never,
            _ if stale => Pull::Always,
            _ => policy,
        };
        let want = match policy {
            Pull::Always => svc.build.is_none() || !svc.image.is_empty(),
            Pull::Missing => !present,
            Pull::Never => false,
        };
        // an image another service of the project builds is built, not pulled (as Compose)
        let built_by_another = svc.build.is_none()
            && !svc.image.is_empty()
            && project
                .services
                .values()
                .any(|s| s.build.is_some() && s.image == svc.image);
        if built_by_another && build != Build::Never {
            continue;
        }
        if svc.build.is_some() && build != Build::Never {
            // built, not pulled (unless an image to pull is named and policy says so)
            let pull_anyway = svc.pull_policy == PullPolicy::Always && !svc.image.is_empty();
            if !pull_anyway {
                continue;
            }
        }
        if !present && (!want || svc.build.is_some() && svc.image.is_empty()) {
            if svc.build.is_some() {
                return Err(error(
                    Some(name),
                    format!("image `{image}` is not on the engine and --no-build was given"),
                    Some("build it (`rcompose build`) or drop --no-build".into()),
                ));
            }
            return Err(error(
                Some(name),
                format!("image `{image}` is not on the engine and pulling is disabled"),
                Some("pull it, or drop `pull_policy: never` / `--pull never`".into()),
            ));
        }
        if want && seen.insert(image.clone()) {
            let reason = if present {
                "pull policy: always"
            } else {
                "missing"
            };
            plan.add(Op::PullImage { image }, Some(name), vec![], reason);
        }
    }
    Ok(plan)
}

/// `pull_policy: daily|weekly|every_<duration>`: was the image last pulled longer ago than that?
fn older_than_policy(last_tagged: &str, policy: &PullPolicy) -> bool {
    let interval = match policy {
        PullPolicy::Daily => 86_400,
        PullPolicy::Weekly => 7 * 86_400,
        PullPolicy::Every(d) => match crate::model::Duration::parse(d) {
            Some(d) => d.0 / 1_000_000_000,
            None => return false,
        },
        _ => return false,
    };
    let Some(then) = crate::clock::rfc3339_seconds(last_tagged) else {
        // the engine does not know when: pull
        return true;
    };
    crate::clock::now_secs() - then > interval
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

/// The steps creating the missing networks and volumes the services in `scope` use (external
/// ones must exist); returns them, for the containers to wait on.
fn infra(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    plan: &mut Plan,
) -> Result<Vec<usize>, PlanError> {
    // networks and volumes the services in scope use
    let mut net_keys = BTreeSet::new();
    let mut vol_keys = BTreeSet::new();
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
    let mut infra: Vec<usize> = Vec::new();
    for key in &net_keys {
        let Some(n) = project.networks.get(key) else {
            continue;
        };
        let name = crate::names::network_name(project, key);
        match observed.networks.get(&name) {
            Some(found) if !n.external => {
                let label = found.labels.get(crate::names::labels::NETWORK);
                if label.is_some_and(|l| l != key) {
                    return Err(error(
                        None,
                        format!(
                            "network {name} exists with label {}={:?}, expected {key:?}",
                            crate::names::labels::NETWORK,
                            label.map(String::as_str).unwrap_or_default()
                        ),
                        Some(format!(
                            "remove it (`docker network rm {name}`) or mark it `external: true`"
                        )),
                    ));
                }
                let hash = found.labels.get(crate::names::labels::CONFIG_HASH);
                if hash.is_some_and(|h| !h.is_empty() && *h != hash::network(n)) {
                    plan.warnings.push(format!(
                        "network {name} was created with another configuration: `rcompose down` then `up` applies the new one"
                    ));
                }
                if found.labels.get(crate::names::labels::PROJECT) != Some(&project.name) {
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
                let i = plan.add(
                    Op::CreateNetwork {
                        spec: Box::new(spec::network(project, key)),
                    },
                    None,
                    vec![],
                    "missing",
                );
                infra.push(i);
            }
        }
    }
    for key in &vol_keys {
        let v = &project.volumes[key];
        let name = crate::names::volume_name(project, key);
        match observed.volumes.get(&name) {
            Some(found) => {
                if !v.external
                    && found.labels.get(crate::names::labels::PROJECT) != Some(&project.name)
                {
                    plan.warnings.push(format!(
                        "volume {name} already exists but was not created by this project: using it (set `external: true` to make that explicit)"
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
                let i = plan.add(
                    Op::CreateVolume {
                        spec: Box::new(spec::volume(project, key)),
                    },
                    None,
                    vec![],
                    "missing",
                );
                infra.push(i);
            }
        }
    }

    Ok(infra)
}

/// The plan of `up` (and `create` with `no_start`).
pub fn up(project: &Project, observed: &Observed, opts: &UpOptions) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let scope = services_in_scope(project, &opts.services, opts.no_deps);
    for s in &opts.services {
        if !project.services.contains_key(s) {
            return Err(error(None, format!("no such service: {s}"), None));
        }
    }

    let infra = infra(project, observed, &scope, &mut plan)?;

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
    let mut gates = Gates::default();
    for name in &order {
        let svc = &project.services[name];
        plan_service(
            project,
            observed,
            opts,
            name,
            svc,
            jobs.contains(name.as_str()),
            &scope,
            &infra,
            &mut gates,
            &mut plan,
        )?;
    }

    orphans(project, observed, opts, &mut plan);
    Ok(plan)
}

/// Containers of services that are gone (one-offs aside): removed with `--remove-orphans`,
/// otherwise a warning (unless `COMPOSE_IGNORE_ORPHANS`).
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
            let stop = plan.add(
                Op::StopContainer {
                    name: c.name.clone(),
                    timeout: opts.timeout,
                },
                Some(c.service()),
                vec![],
                "orphan",
            );
            plan.add(
                Op::RemoveContainer {
                    name: c.name.clone(),
                    force: true,
                    volumes: false,
                },
                Some(c.service()),
                vec![stop],
                "orphan",
            );
        }
    } else if !orphans.is_empty() && !opts.ignore_orphans {
        let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
        plan.warnings.push(format!(
            "found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up",
            names.join(", ")
        ));
    }
}

/// A one-off container of `rcompose run`: the service as the command line changed it, its
/// name and slug.
#[derive(Debug, Clone)]
pub struct OneOff {
    pub service: String,
    pub svc: Service,
    pub name: String,
    /// 64 hex characters; the name ends with its first 12.
    pub slug: String,
    /// Wait for the dependencies' conditions (not with `--no-deps`).
    pub wait_for_deps: bool,
    pub env_files: Vec<String>,
    /// Keep the service's network aliases (`--use-aliases`); otherwise it has none.
    pub use_aliases: bool,
}

/// The plan of `run` once its dependencies are up: the networks and volumes the service uses,
/// waits for the dependencies' conditions, and the one-off container, created (the command
/// attaches to it and starts it).
pub fn oneoff(project: &Project, observed: &Observed, o: &OneOff) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let scope = BTreeSet::from([o.service.clone()]);
    let mut deps = infra(project, observed, &scope, &mut plan)?;
    if o.wait_for_deps {
        // the dependencies are up (the command ran `up` for them): only their conditions wait
        let mut gates = Gates::default();
        for (dep, d) in &o.svc.depends_on {
            for c in observed.service_containers(dep) {
                let r = Requirement {
                    container: c.name.clone(),
                    service: dep.clone(),
                    condition: d.condition.clone(),
                    optional: !d.required,
                    dependent: o.service.clone(),
                };
                deps.extend(r.gate(&mut plan, &mut gates));
            }
        }
    }
    let image = crate::names::image_name(&project.name, &o.service, &o.svc);
    let image_id = observed
        .images
        .get(&image)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let none = BTreeMap::new();
    let ctx = spec::Context {
        project,
        api_version: &observed.api_version,
        image_id: &image_id,
        env_files: &o.env_files,
        inherited_volumes: &none,
    };
    let hash = hash::service(&o.svc);
    create_steps(
        &mut plan, &ctx, &o.service, &o.svc, 1, &hash, &o.name, &deps, "one-off", None,
    );
    // a one-off is told apart by its labels: no number, `oneoff=True`, and its slug
    for step in &mut plan.steps {
        if let Op::CreateContainer { spec, .. } = &mut step.op
            && let Some(labels) = spec.body.labels.as_mut()
        {
            use crate::names::labels as l;
            labels.remove(l::NUMBER);
            labels.insert(l::ONEOFF.into(), "True".into());
            labels.insert(l::SLUG.into(), o.slug.clone());
        }
        if let Op::CreateContainer { spec, .. } = &mut step.op
            && o.svc.stdin_open
        {
            // the end of our stdin ends the container's
            spec.body.attach_stdin = Some(true);
            spec.body.stdin_once = Some(true);
        }
        if o.use_aliases {
            continue;
        }
        match &mut step.op {
            Op::CreateContainer { spec, .. } => {
                let endpoints = spec
                    .body
                    .networking_config
                    .as_mut()
                    .and_then(|n| n.endpoints_config.as_mut());
                for e in endpoints.into_iter().flat_map(|m| m.values_mut()) {
                    e.aliases = None;
                }
            }
            Op::ConnectNetwork { endpoint, .. } => endpoint.aliases = None,
            _ => {}
        }
    }
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
fn plan_service(
    project: &Project,
    observed: &Observed,
    opts: &UpOptions,
    name: &str,
    svc: &Service,
    is_job: bool,
    scope: &BTreeSet<String>,
    infra: &[usize],
    gates: &mut Gates,
    plan: &mut Plan,
) -> Result<(), PlanError> {
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
    let image = crate::names::image_name(&project.name, name, svc);
    let image_id = observed
        .images
        .get(&image)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let config_hash = hash::service(svc);
    let existing = observed.service_containers(name);

    // what creating a container of this service needs, and what starting it waits for (the
    // waits are made only for a container that does start)
    let mut create_deps: Vec<usize> = infra.to_vec();
    let mut requirements: Vec<Requirement> = Vec::new();
    let mut restart_for: Vec<String> = Vec::new();
    for (dep, d) in &svc.depends_on {
        if !scope.contains(dep) {
            continue;
        }
        let dep_svc = &project.services[dep];
        for n in 1..=replicas(dep_svc, opts.scale.get(dep).copied()) {
            let c = crate::names::container_name(&project.name, dep, dep_svc, n);
            if let Some(&i) = gates.created.get(&c) {
                create_deps.push(i);
            }
            requirements.push(Requirement {
                container: c,
                service: dep.clone(),
                condition: d.condition.clone(),
                optional: !d.required,
                dependent: name.to_string(),
            });
        }
        if d.restart && gates.replaced.contains(dep) {
            restart_for.push(dep.clone());
        }
    }
    let start_deps = |plan: &mut Plan, gates: &mut Gates| -> Vec<usize> {
        let mut deps = infra.to_vec();
        deps.extend(requirements.iter().filter_map(|r| r.gate(plan, gates)));
        deps
    };

    // scale down: the highest numbers go first
    for c in existing
        .iter()
        .filter(|c| c.number() > want || c.number() == 0)
    {
        let stop = plan.add(
            Op::StopContainer {
                name: c.name.clone(),
                timeout: opts.timeout,
            },
            Some(name),
            vec![],
            "scaled down",
        );
        plan.add(
            Op::RemoveContainer {
                name: c.name.clone(),
                force: true,
                volumes: false,
            },
            Some(name),
            vec![stop],
            "scaled down",
        );
    }

    let expected_nets: Vec<String> = spec::networks_by_priority(svc)
        .iter()
        .map(|k| crate::names::network_name(project, k))
        .collect();
    let force = opts.recreate == Recreate::Force
        || (opts.recreate_deps
            && !opts.services.is_empty()
            && !opts.services.iter().any(|s| s == name));
    for number in 1..=want {
        let cname = crate::names::container_name(&project.name, name, svc, number);
        let current = existing
            .iter()
            .find(|c| c.number() == number || c.name == cname)
            .copied();
        let inherited = match current {
            Some(c) if !opts.renew_anon_volumes => anonymous_volumes(c, svc),
            _ => BTreeMap::new(),
        };
        let ctx = spec::Context {
            project,
            api_version: &observed.api_version,
            image_id: &image_id,
            env_files: &opts.env_files,
            inherited_volumes: &inherited,
        };
        let Some(c) = current else {
            let created = create_steps(
                plan,
                &ctx,
                name,
                svc,
                number,
                &config_hash,
                &cname,
                &create_deps,
                "created",
                None,
            );
            gates.created.insert(cname.clone(), created);
            let start = (!opts.no_start).then(|| {
                let mut deps = start_deps(plan, gates);
                deps.push(created);
                plan.add(
                    Op::StartContainer {
                        name: cname.clone(),
                    },
                    Some(name),
                    deps,
                    "",
                )
            });
            gates.started.insert(cname.clone(), start);
            wait_ready(plan, opts, name, &cname, start, is_job);
            continue;
        };
        let reason = if opts.recreate == Recreate::Never {
            None
        } else if force {
            Some("forced")
        } else if c.label(crate::names::labels::CONFIG_HASH) != config_hash {
            Some("config changed")
        } else if !image_id.is_empty() && c.label(crate::names::labels::IMAGE) != image_id {
            Some("image changed")
        } else if c.is_running() && expected_nets.iter().any(|n| !c.networks.contains_key(n)) {
            Some("network missing")
        } else {
            None
        };
        if let Some(reason) = reason {
            // the new container exists before the old one goes
            let tmp = format!("{}_{}", &c.id[..c.id.len().min(12)], cname);
            let replaced = if svc.container_name.is_empty() {
                format!("{name}-{number}")
            } else {
                svc.container_name.clone()
            };
            let created = create_steps(
                plan,
                &ctx,
                name,
                svc,
                number,
                &config_hash,
                &tmp,
                &create_deps,
                reason,
                Some(&replaced),
            );
            let stop = plan.add(
                Op::StopContainer {
                    name: c.name.clone(),
                    timeout: opts.timeout,
                },
                Some(name),
                vec![created],
                reason,
            );
            let remove = plan.add(
                Op::RemoveContainer {
                    name: c.name.clone(),
                    force: true,
                    volumes: false,
                },
                Some(name),
                vec![stop],
                reason,
            );
            let rename = plan.add(
                Op::RenameContainer {
                    from: tmp,
                    to: cname.clone(),
                },
                Some(name),
                vec![remove],
                reason,
            );
            gates.created.insert(cname.clone(), rename);
            gates.replaced.insert(name.to_string());
            let start = (!opts.no_start).then(|| {
                let mut deps = start_deps(plan, gates);
                deps.push(rename);
                plan.add(
                    Op::StartContainer {
                        name: cname.clone(),
                    },
                    Some(name),
                    deps,
                    reason,
                )
            });
            gates.started.insert(cname.clone(), start);
            wait_ready(plan, opts, name, &cname, start, is_job);
            continue;
        }
        let completed_job = is_job && c.state == "exited" && c.exit_code() == Some(0);
        let start = if !restart_for.is_empty() && c.is_running() && !opts.no_start {
            gates.replaced.insert(name.to_string());
            let reason = format!("{} was replaced (restart: true)", restart_for.join(", "));
            let deps = start_deps(plan, gates);
            let stop = plan.add(
                Op::StopContainer {
                    name: cname.clone(),
                    timeout: opts.timeout,
                },
                Some(name),
                deps,
                &reason,
            );
            Some(plan.add(
                Op::StartContainer {
                    name: cname.clone(),
                },
                Some(name),
                vec![stop],
                &reason,
            ))
        } else if c.is_running() || completed_job || opts.no_start {
            None
        } else if c.state == "paused" {
            let deps = start_deps(plan, gates);
            Some(plan.add(
                Op::UnpauseContainer {
                    name: cname.clone(),
                },
                Some(name),
                deps,
                "paused",
            ))
        } else {
            let deps = start_deps(plan, gates);
            Some(plan.add(
                Op::StartContainer {
                    name: cname.clone(),
                },
                Some(name),
                deps,
                "stopped",
            ))
        };
        gates.started.insert(cname.clone(), start);
        if start.is_some() || !completed_job {
            wait_ready(plan, opts, name, &cname, start, is_job);
        }
    }
    Ok(())
}

/// A container a dependent's start waits for, and on what condition.
struct Requirement {
    container: String,
    service: String,
    condition: Condition,
    optional: bool,
    dependent: String,
}

impl Requirement {
    /// The step a dependent's start waits for: the dependency's start, or a wait step made once
    /// per container and condition. `None` when the dependency is already running.
    fn gate(&self, plan: &mut Plan, gates: &mut Gates) -> Option<usize> {
        let started = gates.started.get(&self.container).copied().flatten();
        let (op, map) = match self.condition {
            Condition::ServiceHealthy => (
                Op::WaitHealthy {
                    name: self.container.clone(),
                },
                &mut gates.healthy,
            ),
            Condition::ServiceCompletedSuccessfully => (
                Op::WaitCompleted {
                    name: self.container.clone(),
                },
                &mut gates.completed,
            ),
            _ => return started,
        };
        let reason = format!(
            "{} depends on {}: {}",
            self.dependent, self.service, self.condition
        );
        let step = *map.entry(self.container.clone()).or_insert_with(|| {
            plan.add(
                op,
                Some(&self.service),
                started.into_iter().collect(),
                &reason,
            )
        });
        if self.optional {
            plan.steps[step].optional = true;
        }
        Some(step)
    }
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

/// Create, connect and copy steps of one container; returns the last of them.
#[allow(clippy::too_many_arguments)]
fn create_steps(
    plan: &mut Plan,
    ctx: &spec::Context<'_>,
    service: &str,
    svc: &Service,
    number: u32,
    config_hash: &str,
    create_as: &str,
    deps: &[usize],
    reason: &str,
    replaces: Option<&str>,
) -> usize {
    // the spec names the final container (aliases), whatever it is created as
    let mut s = spec::container(ctx, service, svc, number, config_hash);
    if let (Some(old), Some(labels)) = (replaces, s.body.labels.as_mut()) {
        labels.insert(crate::names::labels::REPLACE.into(), old.to_string());
    }
    plan.warnings.append(&mut s.warnings);
    let extra = std::mem::take(&mut s.extra_networks);
    let copies = std::mem::take(&mut s.copies);
    let mut last = plan.add(
        Op::CreateContainer {
            name: create_as.to_string(),
            spec: Box::new(s),
        },
        Some(service),
        deps.to_vec(),
        reason,
    );
    let created = last;
    for (network, endpoint) in extra {
        last = plan.add(
            Op::ConnectNetwork {
                container: create_as.to_string(),
                network,
                endpoint: Box::new(endpoint),
            },
            Some(service),
            vec![last],
            "",
        );
    }
    for (dir, tar) in copies {
        last = plan.add(
            Op::CopyFiles {
                container: create_as.to_string(),
                dir,
                tar,
            },
            Some(service),
            vec![created.max(last)],
            "secrets and configs",
        );
    }
    last
}

/// `--wait`: a step that waits for the container to be ready, or for a job to complete.
fn wait_ready(
    plan: &mut Plan,
    opts: &UpOptions,
    service: &str,
    name: &str,
    start: Option<usize>,
    is_job: bool,
) {
    if opts.wait && !opts.no_start {
        let name = name.to_string();
        let op = if is_job {
            Op::WaitCompleted { name }
        } else {
            Op::WaitReady { name }
        };
        plan.add(op, Some(service), start.into_iter().collect(), "--wait");
    }
}

/// Services in stopping order, from the dependency labels of the containers: dependents first.
/// Returns levels; each level stops in parallel.
pub fn stop_levels(containers: &[&ContainerInfo]) -> Vec<Vec<String>> {
    // service → the services it depends on (from `com.docker.compose.depends_on`)
    let mut deps: BTreeMap<String, BTreeSet<String>> = containers
        .iter()
        .map(|c| (c.service().to_string(), BTreeSet::new()))
        .collect();
    for c in containers {
        for d in c.label(crate::names::labels::DEPENDS_ON).split(',') {
            let dep = d.split(':').next().unwrap_or_default();
            if deps.contains_key(dep) && dep != c.service() {
                deps.get_mut(c.service())
                    .expect("every service has an entry")
                    .insert(dep.to_string());
            }
        }
    }
    crate::graph::stop_levels(&deps)
}

/// The options of `down`.
#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    pub remove_orphans: bool,
    pub volumes: bool,
    /// `--rmi local|all`.
    pub images: Option<String>,
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
            let stop = plan.add(
                Op::StopContainer {
                    name: c.name.clone(),
                    timeout: opts.timeout,
                },
                Some(c.service()),
                previous.clone(),
                "",
            );
            this_level.push(stop);
            removed.push(plan.add(
                Op::RemoveContainer {
                    name: c.name.clone(),
                    force: true,
                    volumes: opts.volumes,
                },
                Some(c.service()),
                vec![stop],
                "",
            ));
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
        if n.labels
            .get(crate::names::labels::PROJECT)
            .map(String::as_str)
            == Some(name)
            && !external_nets.contains(&n.name)
        {
            if in_use.contains(&n.name) {
                plan.warnings.push(format!(
                    "network {} is still in use by the containers left behind: kept",
                    n.name
                ));
                continue;
            }
            plan.add(
                Op::RemoveNetwork {
                    name: n.name.clone(),
                },
                None,
                removed.clone(),
                "",
            );
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
            let i = plan.add(
                Op::RemoveVolume { name: name.clone() },
                None,
                removed.clone(),
                "anonymous",
            );
            plan.steps[i].optional = true;
        }
        for v in observed.volumes.values() {
            let external = model.is_some_and(|p| {
                p.volumes
                    .values()
                    .any(|pv| pv.external && pv.name == v.name)
            });
            if v.labels
                .get(crate::names::labels::PROJECT)
                .map(String::as_str)
                == Some(name)
                && !external
            {
                plan.add(
                    Op::RemoveVolume {
                        name: v.name.clone(),
                    },
                    None,
                    removed.clone(),
                    "",
                );
            }
        }
    }
    if let Some(which) = &opts.images {
        let mut images: BTreeSet<String> = BTreeSet::new();
        for c in &targets {
            let built = model
                .and_then(|p| p.services.get(c.service()))
                .is_some_and(|s| s.image.is_empty());
            if which == "all" || built {
                images.insert(c.image.clone());
            }
        }
        for image in images {
            plan.add(Op::RemoveImage { image }, None, removed.clone(), "");
        }
    }
    plan
}

/// A plan that applies `op` to each container, dependents first (stop, kill, pause...) or
/// dependencies first (start, unpause, restart), each level in parallel.
pub fn per_container(
    containers: &[&ContainerInfo],
    dependents_first: bool,
    op: impl Fn(&ContainerInfo) -> Op,
) -> Plan {
    let mut plan = Plan::default();
    let mut levels = stop_levels(containers);
    if !dependents_first {
        levels.reverse();
    }
    let mut previous: Vec<usize> = Vec::new();
    for level in levels {
        let mut this_level = Vec::new();
        for c in containers
            .iter()
            .filter(|c| level.iter().any(|s| s == c.service()))
        {
            this_level.push(plan.add(op(c), Some(c.service()), previous.clone(), ""));
        }
        if !this_level.is_empty() {
            previous = this_level;
        }
    }
    plan
}

#[cfg(test)]
mod tests;
