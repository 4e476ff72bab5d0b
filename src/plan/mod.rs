//! Desired state (the model) vs observed state (the engine) → a plan: a list of steps, each one
//! engine API call with the steps it waits for, a typed reason and the service it works for.
//! Pure: everything it reads is in its arguments (the observation carries the engine's state,
//! the Dockerfiles and the time), so a plan prints as text (`up --dry-run`) and is tested as
//! text; the executor walks it without deciding anything. One file per concern: `up` (with
//! `infra`), `down`, `images`, `oneoff`, `lifecycle`; `spec` maps a service to its container,
//! `hash` gives the config hashes.

mod down;
pub mod hash;
mod images;
mod infra;
mod lifecycle;
mod oneoff;
mod op;
mod reason;
pub mod spec;
pub mod stack;
mod up;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{DeployMode, Project, Service};

pub use down::{DownOptions, RemoveImages, down, stop_levels};
pub use images::{builds, pull_command, pulls, push_command, wanted_builds};
pub use infra::{diverged_volumes, heal, leftovers, needs_healing};
pub use lifecycle::{Lifecycle, per_container, restarted_with_dependents};
pub use oneoff::{OneOff, oneoff};
pub use op::Op;
pub use reason::{Divergence, Reason};
pub use up::{orphans, up};

/// Who a step works for: a service (its messages name it) or the project as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Group {
    #[default]
    Project,
    Service(String),
}

impl Group {
    pub fn service(&self) -> Option<&str> {
        match self {
            Group::Project => None,
            Group::Service(s) => Some(s),
        }
    }
}

impl From<Option<&str>> for Group {
    fn from(s: Option<&str>) -> Group {
        s.map_or(Group::Project, |s| Group::Service(s.to_string()))
    }
}

/// A step: an operation, the steps it waits for, why it is there and whom it works for.
#[derive(Debug, Clone)]
pub struct Step {
    pub op: Op,
    pub group: Group,
    pub deps: Vec<usize>,
    pub reason: Reason,
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
    /// Adds a step; returns its index, for the steps that wait for it.
    pub fn add(&mut self, op: Op, group: Group, deps: Vec<usize>, reason: Reason) -> usize {
        let mut deps = deps;
        deps.sort_unstable();
        deps.dedup();
        self.steps.push(Step {
            op,
            group,
            deps,
            reason,
            optional: false,
        });
        self.steps.len() - 1
    }

    /// [`Plan::add`] for a step of `service`.
    fn for_service(&mut self, service: &str, op: Op, deps: Vec<usize>, reason: Reason) -> usize {
        self.add(op, Group::Service(service.to_string()), deps, reason)
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
            if s.reason != Reason::None {
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
        f.write_str(&self.message)
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
    /// Every network and volume of the model is created, used or not (`--all-resources`).
    pub all_resources: bool,
    /// What becomes of a volume whose configuration changed since it was created.
    pub diverged_volumes: DivergedVolumes,
}

/// What `up` does with a volume whose configuration changed since it was created (its
/// `com.docker.compose.config-hash` label is not the model's): Compose asks whether to recreate
/// it, `-y` says yes. Recreating removes the containers that mount it first: its data is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DivergedVolumes {
    /// Kept as it is, with a warning.
    #[default]
    Keep,
    /// Every one recreated (`-y`).
    RecreateAll,
    /// These (engine names) recreated, the others kept: the user's answers.
    Recreate(BTreeSet<String>),
}

impl DivergedVolumes {
    /// Whether volume `name` (its engine name) is recreated.
    pub fn recreates(&self, name: &str) -> bool {
        match self {
            DivergedVolumes::Keep => false,
            DivergedVolumes::RecreateAll => true,
            DivergedVolumes::Recreate(names) => names.contains(name),
        }
    }
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

#[cfg(test)]
mod diverged_tests;
#[cfg(test)]
mod tests;
