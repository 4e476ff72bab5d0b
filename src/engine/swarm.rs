//! Swarm's objects in rcompose's own light types: the local node's place in a swarm, nodes,
//! services (with their spec as the engine keeps it), tasks, and the secrets and configs of a
//! stack. The specs themselves are the Engine API's (`ServiceSpec`, `SecretSpec`, `ConfigSpec`).

use std::collections::BTreeMap;

pub use bollard::models::{
    ConfigSpec, NodeState, SecretSpec, ServiceSpec, ServiceUpdateStatusStateEnum as UpdateState,
    TaskState,
};

/// Where the engine rcompose talks to stands in a swarm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmState {
    /// `active`, `inactive`, `pending`, `error`, `locked`.
    pub local_state: String,
    /// It is a manager (it can take service changes).
    pub manager: bool,
    pub node_id: String,
    /// The address other nodes reach it at.
    pub node_addr: String,
    /// The host name of the engine.
    pub hostname: String,
}

/// A node of the swarm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmNode {
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `active`, `pause`, `drain`.
    pub availability: String,
    pub state: NodeState,
    pub addr: String,
}

/// A service as the engine keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SwarmService {
    pub id: String,
    pub name: String,
    /// The version an update must name.
    pub version: u64,
    pub spec: ServiceSpec,
    /// The state of its last update (`None` when never updated).
    pub update_state: Option<UpdateState>,
    pub update_message: String,
}

impl SwarmService {
    /// A label of its spec.
    pub fn label(&self, key: &str) -> &str {
        self.spec
            .labels
            .as_ref()
            .and_then(|l| l.get(key))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The replicas it asks for (`None` for global services).
    pub fn replicas(&self) -> Option<u64> {
        let mode = self.spec.mode.as_ref()?;
        if let Some(r) = &mode.replicated {
            return Some(r.replicas.unwrap_or(1) as u64);
        }
        mode.replicated_job
            .as_ref()
            .map(|j| j.total_completions.unwrap_or(1) as u64)
    }

    /// It runs once per node.
    pub fn is_global(&self) -> bool {
        self.spec
            .mode
            .as_ref()
            .is_some_and(|m| m.global.is_some() || m.global_job.is_some())
    }

    /// It is a job (its tasks complete).
    pub fn is_job(&self) -> bool {
        self.spec
            .mode
            .as_ref()
            .is_some_and(|m| m.replicated_job.is_some() || m.global_job.is_some())
    }
}

/// A task of a service: one container on one node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SwarmTask {
    pub id: String,
    pub service_id: String,
    /// The replica number (replicated services).
    pub slot: Option<i64>,
    pub node_id: String,
    /// What the orchestrator wants of it (running, complete for a job, shutdown).
    pub desired: TaskState,
    pub state: TaskState,
    pub message: String,
    /// Why it failed or could not be placed.
    pub err: String,
    pub exit_code: Option<i64>,
    /// When its state last changed (RFC 3339).
    pub timestamp: String,
    pub image: String,
    /// The task template it was made from (a service's tasks of an earlier spec still run
    /// while an update has not begun); `None` when not known.
    pub spec: Option<bollard::models::TaskSpec>,
}

/// A secret or a config: its name and labels (their data is never read back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmObject {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}
