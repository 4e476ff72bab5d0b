//! The plan's vocabulary: one engine API call per [`Op`], what the progress display calls the
//! object it acts on, and how a step prints (`up --dry-run`).

use std::fmt;

use crate::engine::{
    ConfigSpec, EndpointSettings, NetworkCreateRequest, SecretSpec, ServiceSpec,
    VolumeCreateRequest,
};

use super::spec;
use super::stack::Until;

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
    /// By ID (several networks may share a name), shown by name.
    RemoveNetwork {
        name: String,
        id: String,
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
    /// Takes a container off a network (by force: it may be stopped).
    /// By the network's ID (several networks may share a name), shown by its name.
    DisconnectNetwork {
        container: String,
        network: String,
        id: String,
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
    /// A Swarm service, created with its spec (`auth`: with the registry credentials).
    CreateService {
        name: String,
        spec: Box<ServiceSpec>,
        auth: bool,
    },
    /// A Swarm service updated from `version` to `spec`; `fields` say what differs.
    UpdateService {
        name: String,
        id: String,
        version: u64,
        spec: Box<ServiceSpec>,
        auth: bool,
        fields: Vec<String>,
    },
    RemoveService {
        name: String,
        id: String,
    },
    CreateSecret {
        spec: Box<SecretSpec>,
    },
    RemoveSecret {
        name: String,
        id: String,
    },
    CreateConfig {
        spec: Box<ConfigSpec>,
    },
    RemoveConfig {
        name: String,
        id: String,
    },
    /// Waits until a Swarm service's tasks run, completed, or are gone (`id`: the removed
    /// service's, whose tasks are looked for).
    WaitService {
        name: String,
        until: Until,
        id: String,
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
            Op::RemoveNetwork { name, .. } => format!("Network {name}"),
            Op::CreateVolume { spec } => {
                format!("Volume {}", spec.name.as_deref().unwrap_or_default())
            }
            Op::RemoveVolume { name } => format!("Volume {name}"),
            // a replacement is shown by the name it will have (Compose's `Recreate` line)
            Op::CreateContainer { name, .. } => format!(
                "Container {}",
                crate::names::replacement_target(name).unwrap_or(name)
            ),
            Op::StartContainer { name }
            | Op::StopContainer { name, .. }
            | Op::RestartContainer { name, .. }
            | Op::KillContainer { name, .. }
            | Op::PauseContainer { name }
            | Op::UnpauseContainer { name }
            | Op::RemoveContainer { name, .. }
            | Op::WaitHealthy { name }
            | Op::WaitCompleted { name }
            | Op::WaitReady { name } => format!("Container {name}"),
            Op::ConnectNetwork { container, .. }
            | Op::DisconnectNetwork { container, .. }
            | Op::CopyFiles { container, .. } => {
                format!("Container {container}")
            }
            Op::RenameContainer { to, .. } => format!("Container {to}"),
            Op::CreateService { name, .. }
            | Op::UpdateService { name, .. }
            | Op::RemoveService { name, .. }
            | Op::WaitService { name, .. } => format!("Service {name}"),
            Op::CreateSecret { spec } => {
                format!("Secret {}", spec.name.as_deref().unwrap_or_default())
            }
            Op::RemoveSecret { name, .. } => format!("Secret {name}"),
            Op::CreateConfig { spec } => {
                format!("Config {}", spec.name.as_deref().unwrap_or_default())
            }
            Op::RemoveConfig { name, .. } => format!("Config {name}"),
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
            Op::RemoveNetwork { name, .. } => write!(f, "remove network {name}"),
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
            Op::DisconnectNetwork {
                container, network, ..
            } => {
                write!(f, "disconnect container {container} from network {network}")
            }
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
            Op::CreateService { name, .. } => write!(f, "create service {name}"),
            Op::UpdateService { name, fields, .. } => {
                write!(f, "update service {name} ({})", fields.join(", "))
            }
            Op::RemoveService { name, .. } => write!(f, "remove service {name}"),
            Op::CreateSecret { spec } => {
                write!(
                    f,
                    "create secret {}",
                    spec.name.as_deref().unwrap_or_default()
                )
            }
            Op::RemoveSecret { name, .. } => write!(f, "remove secret {name}"),
            Op::CreateConfig { spec } => {
                write!(
                    f,
                    "create config {}",
                    spec.name.as_deref().unwrap_or_default()
                )
            }
            Op::RemoveConfig { name, .. } => write!(f, "remove config {name}"),
            Op::WaitService { name, until, .. } => match until {
                Until::Running => write!(f, "wait until service {name} runs"),
                Until::Complete => write!(f, "wait until service {name} completed"),
                Until::Gone => write!(f, "wait until the tasks of service {name} are gone"),
            },
        }
    }
}

impl Op {
    /// A wait only listens to the engine: it does not count against the parallel limit.
    pub fn is_wait(&self) -> bool {
        matches!(
            self,
            Op::WaitHealthy { .. }
                | Op::WaitCompleted { .. }
                | Op::WaitReady { .. }
                | Op::WaitService { .. }
        )
    }
}
