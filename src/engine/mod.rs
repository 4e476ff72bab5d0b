//! The Docker Engine behind a small trait: what planning, executing and waiting need, in rcompose's
//! own light types. `docker.rs` implements it with bollard; it is the only place bollard is called.

pub mod auth;
pub mod docker;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use futures_util::Stream;

use crate::names::labels;

pub use bollard::models::{
    ContainerCreateBody, EndpointSettings, NetworkCreateRequest, VolumeCreateRequest,
};

pub use docker::Docker;

/// What went wrong talking to the engine; callers match on the kind, users read the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No engine answered (socket missing, connection refused).
    Unreachable,
    /// The object does not exist (404).
    NotFound,
    /// The object exists or is in use (409).
    Conflict,
    /// Anything else the engine refused.
    Other,
}

impl EngineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> EngineError {
        EngineError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;

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
    /// created, running, paused, restarting, removing, exited, dead
    pub state: String,
    /// `Up 3 seconds (healthy)`, `Exited (0) 2 minutes ago`.
    pub status: String,
    pub created: i64,
    /// Network name → network ID.
    pub networks: BTreeMap<String, String>,
    /// Mounted volumes (named and anonymous): name → target in the container.
    pub volumes: BTreeMap<String, String>,
    pub ports: Vec<PortInfo>,
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
        self.state == "running"
    }
    /// `healthy`, `unhealthy`, `starting` or empty, read from the status text.
    pub fn health(&self) -> &str {
        for h in ["unhealthy", "healthy", "health: starting"] {
            if self.status.contains(&format!("({h})")) {
                return h.trim_start_matches("health: ");
            }
        }
        ""
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
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

/// A container's state from an inspection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub id: String,
    pub name: String,
    /// created, running, paused, restarting, removing, exited, dead
    pub status: String,
    /// healthy, unhealthy, starting, or empty without a healthcheck.
    pub health: String,
    /// How many healthchecks in a row failed.
    pub health_failures: i64,
    /// The last healthcheck's exit code and output (trimmed), when one ran.
    pub health_last: Option<(i64, String)>,
    pub exit_code: i64,
    /// When it started, RFC 3339 (empty if never).
    pub started_at: String,
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
    /// create, start, die, kill, stop, destroy, health_status: healthy, ...
    pub action: String,
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

/// An image build through the engine's classic builder (API 1.41).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildRequest {
    /// The Dockerfile's name inside the context tar.
    pub dockerfile: String,
    pub tag: String,
    pub args: BTreeMap<String, String>,
    pub target: String,
    pub labels: BTreeMap<String, String>,
    pub cache_from: Vec<String>,
    pub network: String,
    pub extra_hosts: Vec<String>,
    pub shm_size: i64,
    pub no_cache: bool,
    pub pull: bool,
    /// `os/arch`, or empty for the engine's own.
    pub platform: String,
}

/// Progress of an image pull, one layer at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullProgress {
    pub layer: String,
    pub status: String,
    pub current: u64,
    pub total: u64,
}

pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = T> + Send + 'a>>;

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

/// The engine calls rcompose makes. Each method is one API call (streams excepted).
pub trait Engine: Send + Sync {
    /// The negotiated API version, e.g. `1.41`.
    fn api_version(&self) -> String;

    fn list_containers(
        &self,
        project: Option<&str>,
        all: bool,
    ) -> impl Future<Output = Result<Vec<ContainerInfo>>> + Send;
    fn list_networks(&self, project: &str)
    -> impl Future<Output = Result<Vec<NetworkInfo>>> + Send;
    fn list_volumes(&self, project: &str) -> impl Future<Output = Result<Vec<VolumeInfo>>> + Send;
    /// The network of that exact name (the engine's name filter matches substrings).
    fn find_network(&self, name: &str) -> impl Future<Output = Result<Option<NetworkInfo>>> + Send;
    fn find_volume(&self, name: &str) -> impl Future<Output = Result<Option<VolumeInfo>>> + Send;
    /// The image's ID, or `None` when the engine does not have it.
    fn image_id(&self, reference: &str) -> impl Future<Output = Result<Option<String>>> + Send;

    fn pull_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> impl Future<Output = Result<()>> + Send;
    fn remove_image(&self, reference: &str) -> impl Future<Output = Result<()>> + Send;
    fn image_info(&self, reference: &str)
    -> impl Future<Output = Result<Option<ImageInfo>>> + Send;
    /// Builds from a context tar; `output` gets the builder's lines. Returns the image ID.
    fn build_image(
        &self,
        request: BuildRequest,
        context: Vec<u8>,
        output: &(dyn Fn(&str) + Send + Sync),
    ) -> impl Future<Output = Result<String>> + Send;
    fn tag_image(&self, source: &str, target: &str) -> impl Future<Output = Result<()>> + Send;
    fn push_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> impl Future<Output = Result<()>> + Send;

    fn create_network(
        &self,
        spec: NetworkCreateRequest,
    ) -> impl Future<Output = Result<String>> + Send;
    fn remove_network(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    fn create_volume(&self, spec: VolumeCreateRequest) -> impl Future<Output = Result<()>> + Send;
    fn remove_volume(&self, name: &str) -> impl Future<Output = Result<()>> + Send;

    fn create_container(
        &self,
        name: &str,
        body: ContainerCreateBody,
    ) -> impl Future<Output = Result<String>> + Send;
    fn connect_network(
        &self,
        container: &str,
        network: &str,
        endpoint: EndpointSettings,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Puts a tar archive into a folder of the container.
    fn upload(
        &self,
        container: &str,
        path: &str,
        tar: Vec<u8>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn start_container(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    fn stop_container(
        &self,
        name: &str,
        timeout: Option<i64>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn restart_container(
        &self,
        name: &str,
        timeout: Option<i64>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn kill_container(&self, name: &str, signal: &str) -> impl Future<Output = Result<()>> + Send;
    fn pause_container(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    fn unpause_container(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    fn remove_container(
        &self,
        name: &str,
        force: bool,
        volumes: bool,
    ) -> impl Future<Output = Result<()>> + Send;
    fn rename_container(&self, from: &str, to: &str) -> impl Future<Output = Result<()>> + Send;
    fn inspect_container(&self, name: &str) -> impl Future<Output = Result<ContainerState>> + Send;
    /// Waits for the container to stop; its exit code.
    fn wait_container(&self, name: &str) -> impl Future<Output = Result<i64>> + Send;

    /// The project's container events, from now on.
    fn events(&self, project: &str) -> BoxStream<'static, Result<ContainerEvent>>;
    fn logs(&self, container: &str, options: LogOptions) -> BoxStream<'static, Result<LogChunk>>;
}

/// The calls of the everyday commands (exec, attach, cp, top, stats, events): sessions and
/// archives, apart from [`Engine`] so that the executor's fake engine need not have them.
pub trait Interactive: Engine {
    /// Creates an exec instance; returns its ID.
    fn create_exec(
        &self,
        container: &str,
        request: ExecRequest,
    ) -> impl Future<Output = Result<String>> + Send;
    /// Starts an exec: attached (its session), or detached (`None`).
    fn start_exec(
        &self,
        id: &str,
        tty: bool,
        detach: bool,
    ) -> impl Future<Output = Result<Option<Session>>> + Send;
    fn resize_exec(
        &self,
        id: &str,
        width: u16,
        height: u16,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The exit code of a finished exec (`None` while it runs).
    fn exec_exit_code(&self, id: &str) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Attaches to a container's stdio (`logs`: from the start of its output).
    fn attach(
        &self,
        container: &str,
        stdin: bool,
        logs: bool,
        detach_keys: &str,
    ) -> impl Future<Output = Result<Session>> + Send;
    fn resize_container(
        &self,
        container: &str,
        width: u16,
        height: u16,
    ) -> impl Future<Output = Result<()>> + Send;
    /// What `path` is in the container (`None`: it does not exist).
    fn path_stat(
        &self,
        container: &str,
        path: &str,
    ) -> impl Future<Output = Result<Option<PathStat>>> + Send;
    /// `path` in the container as a tar stream.
    fn download(&self, container: &str, path: &str) -> BoxStream<'static, Result<Vec<u8>>>;
    /// Extracts a tar into folder `path` of the container (`copy_uid_gid`: keep the tar's owners).
    fn upload_archive(
        &self,
        container: &str,
        path: &str,
        tar: Vec<u8>,
        copy_uid_gid: bool,
    ) -> impl Future<Output = Result<()>> + Send;
    fn top(&self, container: &str, ps_args: &str)
    -> impl Future<Output = Result<Processes>> + Send;
    /// Resource samples, about one a second (one only when `!stream`).
    fn stats(&self, container: &str, stream: bool) -> BoxStream<'static, Result<StatsSample>>;
    /// The project's events of every type (containers, networks, volumes, images...).
    fn all_events(
        &self,
        project: &str,
        since: Option<String>,
        until: Option<String>,
    ) -> BoxStream<'static, Result<EngineEvent>>;
}

/// Runs `request` in `container` (without a terminal), each chunk of its output to `on_chunk`
/// as it comes; its exit code.
pub async fn run_exec(
    engine: &impl Interactive,
    container: &str,
    request: ExecRequest,
    mut on_chunk: impl FnMut(LogChunk),
) -> Result<i64> {
    let id = engine.create_exec(container, request).await?;
    if let Some(mut session) = engine.start_exec(&id, false, false).await? {
        while let Some(chunk) = futures_util::StreamExt::next(&mut session.output).await {
            on_chunk(chunk?);
        }
    }
    exit_code(engine, &id).await
}

/// A container's output so far (stdout and stderr as they came), per `options` (not followed).
pub async fn output(engine: &impl Engine, container: &str, options: LogOptions) -> Result<Vec<u8>> {
    let mut logs = engine.logs(container, options);
    let mut text = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut logs).await {
        text.extend_from_slice(&chunk?.text);
    }
    Ok(text)
}

/// The exit code of an exec whose output ended: the engine records it a moment after.
pub async fn exit_code(engine: &impl Interactive, id: &str) -> Result<i64> {
    let mut delay = std::time::Duration::from_millis(2);
    for _ in 0..60 {
        if let Some(code) = engine.exec_exit_code(id).await? {
            return Ok(code);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_millis(100));
    }
    Err(EngineError::new(
        ErrorKind::Other,
        "the command's output ended but the engine reports it still running",
    ))
}
