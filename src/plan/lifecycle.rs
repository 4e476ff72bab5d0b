//! The plans of the lifecycle commands (`start`, `stop`, `restart`, `kill`, `pause`, `unpause`):
//! which of the selected containers each acts on, and in what order (dependents first to stop,
//! dependencies first to start), each level in parallel.

use crate::engine::{ContainerInfo, Status};

use super::{Op, Plan, Reason, stop_levels};

/// What a lifecycle command does to a service's containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    /// Starts the containers that do not run.
    Start,
    /// Stops the running (paused, restarting) ones, in `timeout` seconds at most each.
    Stop {
        /// Seconds before the engine kills (the service's `stop_grace_period` when none).
        timeout: Option<i64>,
    },
    /// Restarts them all.
    Restart {
        /// Seconds before the engine kills (the service's `stop_grace_period` when none).
        timeout: Option<i64>,
    },
    /// Sends a signal to the running ones.
    Kill {
        /// `SIGKILL`, `SIGTERM`...
        signal: String,
    },
    /// Pauses the running ones.
    Pause,
    /// Resumes the paused ones.
    Unpause,
}

impl Lifecycle {
    /// Whether it acts on `c` as it is.
    pub fn applies_to(&self, c: &ContainerInfo) -> bool {
        match self {
            Lifecycle::Start => !c.is_running(),
            Lifecycle::Stop { .. } => c.is_up(),
            Lifecycle::Restart { .. } => true,
            Lifecycle::Kill { .. } | Lifecycle::Pause => c.is_running(),
            Lifecycle::Unpause => c.state == Status::Paused,
        }
    }

    /// The containers stop dependents first; they start dependencies first.
    fn dependents_first(&self) -> bool {
        matches!(
            self,
            Lifecycle::Stop { .. } | Lifecycle::Kill { .. } | Lifecycle::Pause
        )
    }

    fn op(&self, c: &ContainerInfo) -> Op {
        let name = c.name.clone();
        match self {
            Lifecycle::Start => Op::StartContainer { name },
            Lifecycle::Stop { timeout } => Op::StopContainer {
                name,
                timeout: *timeout,
            },
            Lifecycle::Restart { timeout } => Op::RestartContainer {
                name,
                timeout: *timeout,
            },
            Lifecycle::Kill { signal } => Op::KillContainer {
                name,
                signal: signal.clone(),
            },
            Lifecycle::Pause => Op::PauseContainer { name },
            Lifecycle::Unpause => Op::UnpauseContainer { name },
        }
    }

    /// How a command says it found nothing: `no container to stop`.
    pub fn purpose(&self) -> &'static str {
        match self {
            Lifecycle::Start => "to start",
            Lifecycle::Stop { .. } => "to stop",
            Lifecycle::Restart { .. } => "to restart",
            Lifecycle::Kill { .. } => "to kill",
            Lifecycle::Pause => "to pause",
            Lifecycle::Unpause => "to unpause",
        }
    }

    /// The plan of this action on `containers` (those it applies to; one-offs never).
    pub fn plan(&self, containers: &[&ContainerInfo]) -> Plan {
        let mine: Vec<&ContainerInfo> = containers
            .iter()
            .copied()
            .filter(|c| !c.is_oneoff() && self.applies_to(c))
            .collect();
        per_container(&mine, self.dependents_first(), |c| self.op(c))
    }
}

/// The services a `restart` of `services` acts on: them, and (unless `--no-deps`) the services
/// whose `depends_on` asks to be restarted with one of them (`restart: true`), transitively.
pub fn restarted_with_dependents(
    project: &crate::model::Project,
    services: &[String],
) -> Vec<String> {
    let mut all: Vec<String> = services.to_vec();
    let mut i = 0;
    while i < all.len() {
        let restarted = all[i].clone();
        for (name, svc) in &project.services {
            let follows = svc.depends_on.get(&restarted).is_some_and(|d| d.restart);
            if follows && !all.contains(name) {
                all.push(name.clone());
            }
        }
        i += 1;
    }
    all
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
            let step = plan.for_service(c.service(), op(c), previous.clone(), Reason::None);
            this_level.push(step);
        }
        if !this_level.is_empty() {
            previous = this_level;
        }
    }
    plan
}
