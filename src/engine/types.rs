//! The engine's objects in rcompose's own light types: containers (typed status and health,
//! Compose's labels read through accessors), networks, volumes, images, events, logs, and the
//! requests of builds and execs.

use std::collections::BTreeMap;
use std::pin::Pin;

use crate::names::labels;

use super::{BoxStream, Result};

/// A published port of a container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortInfo {
    #[serde(rename = "URL")]
    pub host_ip: String,
    #[serde(rename = "TargetPort")]
    pub private: u16,
    #[serde(rename = "PublishedPort")]
    pub public: u16,
    #[serde(rename = "Protocol")]
    pub protocol: String,
}

crate::model::keywords::keywords! {
    /// A container's status as the engine reports it (`Removed`: gone, from a destroy event).
    Status {
        Created = "created",
        Running = "running",
        Paused = "paused",
        Restarting = "restarting",
        Removing = "removing",
        Exited = "exited",
        Dead = "dead",
        Removed = "removed",
    }
}

impl Status {
    /// It ran and stopped (exited or dead).
    pub fn is_stopped(&self) -> bool {
        matches!(self, Status::Exited | Status::Dead)
    }
}

crate::model::keywords::keywords! {
    /// A container's health (`Unset` without a healthcheck).
    Health {
        Starting = "starting",
        Healthy = "healthy",
        Unhealthy = "unhealthy",
    }
}

/// What happened to a container, from the event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Start,
    Restart,
    Unpause,
    Pause,
    Die,
    Destroy,
    /// `health_status: healthy` and the like.
    Health(Health),
    /// Any other action, as the engine names it.
    Other(String),
}

impl Action {
    pub fn parse(action: &str) -> Action {
        match action {
            "create" => Action::Create,
            "start" => Action::Start,
            "restart" => Action::Restart,
            "unpause" => Action::Unpause,
            "pause" => Action::Pause,
            "die" => Action::Die,
            "destroy" => Action::Destroy,
            a => match a.strip_prefix("health_status: ") {
                Some(h) => Action::Health(Health::from(h)),
                None => Action::Other(a.to_string()),
            },
        }
    }
}

/// A container as the listing shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub image: String,
    pub image_id: String,
    pub command: String,
    pub state: Status,
    /// `Up 3 seconds (healthy)`, `Exited (0) 2 minutes ago`.
    pub status: String,
    pub created: i64,
    /// Network name → network ID.
    pub networks: BTreeMap<String, String>,
    /// Mounted volumes (named and anonymous): name → target in the container.
    pub volumes: BTreeMap<String, String>,
    /// Every mount (volumes and binds), by name.
    pub mounts: Vec<MountInfo>,
    pub ports: Vec<PortInfo>,
}

/// A mount of a container, as the engine lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountInfo {
    /// A volume's name, a bind's source.
    pub name: String,
    /// A volume of the `local` driver.
    pub local: bool,
}

impl ContainerInfo {
    pub fn label(&self, key: &str) -> &str {
        self.labels.get(key).map(String::as_str).unwrap_or_default()
    }
    pub fn service(&self) -> &str {
        self.label(labels::SERVICE)
    }
    pub fn number(&self) -> u32 {
        self.label(labels::NUMBER).parse().unwrap_or(0)
    }
    pub fn is_oneoff(&self) -> bool {
        self.label(labels::ONEOFF) == "True"
    }
    pub fn is_running(&self) -> bool {
        self.state == Status::Running
    }
    /// Running, paused or restarting: what `stop` acts on and `ps` lists.
    pub fn is_up(&self) -> bool {
        matches!(
            self.state,
            Status::Running | Status::Paused | Status::Restarting
        )
    }
    /// Its health, read from the status text (`Up 3 seconds (healthy)`).
    pub fn health(&self) -> Health {
        for (text, h) in [
            ("(unhealthy)", Health::Unhealthy),
            ("(healthy)", Health::Healthy),
            ("(health: starting)", Health::Starting),
        ] {
            if self.status.contains(text) {
                return h;
            }
        }
        Health::Unset
    }
    /// The exit code in `Exited (N) ...`.
    pub fn exit_code(&self) -> Option<i64> {
        let rest = self.status.strip_prefix("Exited (")?;
        rest.split(')').next()?.parse().ok()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// `bridge`, `overlay`, `host`...
    pub driver: String,
    /// `local` or `swarm`.
    pub scope: String,
    /// When it was made (Unix nanoseconds; 0: not known).
    pub created: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
    /// Where the volume's data is on the engine's host.
    pub mountpoint: String,
    /// `local` or `global`.
    pub scope: String,
}

/// A container's state from an inspection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub health: Health,
    /// How many healthchecks in a row failed.
    pub health_failures: i64,
    /// The last healthcheck's exit code and output (trimmed), when one ran.
    pub health_last: Option<(i64, String)>,
    pub exit_code: i64,
    /// When it started, RFC 3339 (empty if never).
    pub started_at: String,
    /// When it last stopped, RFC 3339 (empty or year 1 if never).
    pub finished_at: String,
    pub labels: BTreeMap<String, String>,
    /// Whether it was created with a TTY.
    pub tty: bool,
}

/// A container event from the engine's event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub id: String,
    /// The container name (without `/`).
    pub name: String,
    pub action: Action,
    /// The exit code of a `die`.
    pub exit_code: Option<i64>,
    pub service: String,
    pub time_nano: i64,
}

/// Where a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    Stdout,
    Stderr,
}

/// One chunk of a container's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub source: LogSource,
    pub text: Vec<u8>,
}

/// An image the engine has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: String,
    pub tags: Vec<String>,
    /// RFC 3339.
    pub created: String,
    /// When it was last tagged (pulled or built), RFC 3339; empty when unknown.
    pub last_tagged: String,
    pub size: i64,
    pub labels: BTreeMap<String, String>,
    /// `linux/amd64`.
    pub platform: String,
}

/// An API version as numbers: `1.41` → (1, 41) (what is not a number is 0).
pub fn api_version(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|p| p.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// Which of the engine's builders runs a build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Builder {
    /// The engine's BuildKit, with a session (`/build?version=2`).
    #[default]
    BuildKit,
    /// The classic builder (`DOCKER_BUILDKIT=0`, or an engine without BuildKit).
    Classic,
}

/// Where a build secret's bytes come from; never printed.
#[derive(Clone, PartialEq, Eq)]
pub enum BuildSecret {
    File(std::path::PathBuf),
    /// A value from the project's environment (`environment: VAR`).
    Value(Vec<u8>),
}

impl std::fmt::Debug for BuildSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildSecret::File(p) => write!(f, "File({})", p.display()),
            BuildSecret::Value(_) => write!(f, "Value(<hidden>)"),
        }
    }
}

/// What an SSH id of a build forwards: a running agent's socket, or key files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshSource {
    Agent(std::path::PathBuf),
    Keys(Vec<std::path::PathBuf>),
}

/// What a build sends as its context.
pub enum BuildContext {
    /// The folder as a tar, in the request's body (the classic builder).
    Tar(Vec<u8>),
    /// The folder, which the engine's BuildKit reads through the session as it needs it.
    Local(std::sync::Arc<super::context::Local>),
}

/// An image build through the engine: BuildKit with a session, or the classic builder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildRequest {
    pub builder: Builder,
    /// The Dockerfile's name inside the context tar, or in the session's `dockerfile` folder.
    pub dockerfile: String,
    pub tag: String,
    pub args: BTreeMap<String, String>,
    pub target: String,
    pub labels: BTreeMap<String, String>,
    /// Images whose cache the build may use.
    pub cache_from: Vec<String>,
    pub network: String,
    pub extra_hosts: Vec<String>,
    pub shm_size: i64,
    /// The build container's memory limit in bytes (classic builder; 0: none).
    pub memory: i64,
    /// `name` → (soft, hard).
    pub ulimits: BTreeMap<String, (i64, i64)>,
    pub no_cache: bool,
    pub pull: bool,
    /// `os/arch`, or empty for the engine's own.
    pub platform: String,
    /// BuildKit only: secrets by id, for `RUN --mount=type=secret`.
    pub secrets: BTreeMap<String, BuildSecret>,
    /// BuildKit only: SSH ids, for `RUN --mount=type=ssh`.
    pub ssh: BTreeMap<String, SshSource>,
}

/// What a build reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildOutput {
    /// A line of the classic builder.
    Line(String),
    /// A BuildKit step (a vertex) started, was cached, finished or failed.
    Step(BuildStep),
    /// Output of a BuildKit step.
    Log { number: usize, text: String },
}

/// A BuildKit step, numbered in the order it first appeared (`#5`).
#[derive(Debug, Clone, PartialEq)]
pub struct BuildStep {
    pub number: usize,
    /// `[build 2/3] RUN make`, `[internal] load build definition from Dockerfile`.
    pub name: String,
    pub state: StepState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    Started,
    Cached,
    /// Finished, after this many seconds.
    Done(f64),
    Error(String),
}

/// Progress of an image pull, one layer at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullProgress {
    pub layer: String,
    pub status: String,
    pub current: u64,
    pub total: u64,
}

/// Options of a log stream.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub follow: bool,
    pub tail: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub timestamps: bool,
}

/// A process to run in a running container (`exec`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecRequest {
    pub cmd: Vec<String>,
    /// `KEY=value`.
    pub env: Vec<String>,
    pub user: String,
    pub workdir: String,
    pub privileged: bool,
    pub tty: bool,
    /// Keep stdin open and send ours.
    pub stdin: bool,
}

/// An attached process (exec or attach): its output, and its stdin.
pub struct Session {
    pub output: BoxStream<'static, Result<LogChunk>>,
    pub input: Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
}

/// An image made from a container's changes (`POST /commit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitSpec {
    /// `repo:tag`, or empty for an untagged image.
    pub reference: String,
    pub author: String,
    pub message: String,
    /// Dockerfile instructions applied to the image's configuration (`ENV A=1`, `CMD ...`).
    pub changes: Vec<String>,
    /// Pause the container while it is committed.
    pub pause: bool,
}

/// A path in a container (`HEAD /containers/{id}/archive`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    pub is_dir: bool,
    /// Where a symbolic link points (empty otherwise).
    pub link_target: String,
}

/// `ps` in a container: the column titles and one row per process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processes {
    pub titles: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One sample of a container's resource use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsSample {
    pub cpu_percent: f64,
    pub mem_usage: u64,
    pub mem_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    pub pids: u64,
}

/// Any engine event (`events`): type, action, the actor's ID and attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineEvent {
    pub kind: String,
    pub action: String,
    pub id: String,
    pub attributes: BTreeMap<String, String>,
    pub time_nano: i64,
}
