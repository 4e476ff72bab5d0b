//! The engine calls rcompose makes, by the role each layer needs: what observation reads
//! ([`Inventory`]), what builds and pulls ([`ImageStore`]), what creates and drives networks,
//! volumes and containers ([`Resources`]), what waits and logs read ([`Watcher`]), and the
//! sessions and archives of the everyday commands ([`Interactive`]), and a swarm's objects
//! through a manager ([`Swarm`]). [`Engine`] is all but the interactive role: what the executor
//! and the service layer run on. Each method is one API call
//! (streams excepted).

use std::future::Future;

use super::swarm::{
    ConfigSpec, SecretSpec, ServiceSpec, SwarmNode, SwarmObject, SwarmService, SwarmState,
    SwarmTask,
};
use super::{
    BoxStream, BuildContext, BuildOutput, BuildRequest, CommitSpec, ContainerCreateBody,
    ContainerEvent, ContainerInfo, ContainerState, EndpointSettings, EngineEvent, ExecRequest,
    ImageInfo, LogChunk, LogOptions, NetworkCreateRequest, NetworkInfo, PathStat, Processes,
    PullProgress, Result, Session, StatsSample, VolumeCreateRequest, VolumeInfo,
};

/// What the engine has: the listings and lookups observation reads.
pub trait Inventory: Send + Sync {
    /// The negotiated API version, e.g. `1.41`.
    fn api_version(&self) -> String;
    /// Where the engine listens, for messages (empty when it has no address).
    fn host(&self) -> String {
        String::new()
    }

    fn list_containers(
        &self,
        project: Option<&str>,
        all: bool,
    ) -> impl Future<Output = Result<Vec<ContainerInfo>>> + Send;
    /// Every container (of any project or none, stopped ones included) that mounts `volume`.
    fn containers_using_volume(
        &self,
        volume: &str,
    ) -> impl Future<Output = Result<Vec<ContainerInfo>>> + Send;
    fn list_networks(&self, project: &str)
    -> impl Future<Output = Result<Vec<NetworkInfo>>> + Send;
    fn list_volumes(&self, project: &str) -> impl Future<Output = Result<Vec<VolumeInfo>>> + Send;
    /// Every network the engine has.
    fn all_networks(&self) -> impl Future<Output = Result<Vec<NetworkInfo>>> + Send;
    /// The network of that exact name (the engine's name filter matches substrings).
    fn find_network(&self, name: &str) -> impl Future<Output = Result<Option<NetworkInfo>>> + Send;
    fn find_volume(&self, name: &str) -> impl Future<Output = Result<Option<VolumeInfo>>> + Send;
    /// The names of the containers on network `id` (its endpoints, whoever made them).
    fn network_users(&self, id: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// The IDs of the untagged images that carry the project's label: images it built whose
    /// tag a later build took (two runs building one shared name at once).
    fn dangling_images(&self, project: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn image_info(&self, reference: &str)
    -> impl Future<Output = Result<Option<ImageInfo>>> + Send;
}

/// Images: pulls, builds, tags, pushes, removals.
pub trait ImageStore: Send + Sync {
    fn pull_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> impl Future<Output = Result<()>> + Send;
    fn remove_image(&self, reference: &str) -> impl Future<Output = Result<()>> + Send;
    /// The platform the engine builds and runs for, `os/arch` (`linux/amd64`).
    fn platform(&self) -> impl Future<Output = Result<String>> + Send;
    /// Builds with the builder the request names; `output` gets the builder's lines or steps.
    /// Returns the image ID.
    fn build_image(
        &self,
        request: BuildRequest,
        context: BuildContext,
        output: &(dyn Fn(BuildOutput) + Send + Sync),
    ) -> impl Future<Output = Result<String>> + Send;
    fn tag_image(&self, source: &str, target: &str) -> impl Future<Output = Result<()>> + Send;
    fn push_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Networks, volumes and containers: created, connected, driven, removed.
pub trait Resources: Send + Sync {
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
    /// Takes the container off the network, by force (its endpoint goes even when the
    /// container is stopped).
    fn disconnect_network(
        &self,
        container: &str,
        network: &str,
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
}

/// Watching containers: their state, their end, their events and their output.
pub trait Watcher: Send + Sync {
    fn inspect_container(&self, name: &str) -> impl Future<Output = Result<ContainerState>> + Send;
    /// Waits for the container to stop; its exit code.
    fn wait_container(&self, name: &str) -> impl Future<Output = Result<i64>> + Send;
    /// The project's container events, from now on.
    fn events(&self, project: &str) -> BoxStream<'static, Result<ContainerEvent>>;
    fn logs(&self, container: &str, options: LogOptions) -> BoxStream<'static, Result<LogChunk>>;
}

/// A swarm, through one of its managers: nodes, services, tasks, secrets and configs, and the
/// registry digests that pin a service's image.
pub trait Swarm: Send + Sync {
    /// Where the engine stands in a swarm (not in one: `inactive`).
    fn swarm_state(&self) -> impl Future<Output = Result<SwarmState>> + Send;
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<SwarmNode>>> + Send;
    /// The services of stack `stack` (its namespace label), or every service.
    fn list_services(
        &self,
        stack: Option<&str>,
    ) -> impl Future<Output = Result<Vec<SwarmService>>> + Send;
    /// Creates a service; its ID. `auth`: send the registry credentials for its image.
    fn create_service(
        &self,
        spec: ServiceSpec,
        auth: bool,
    ) -> impl Future<Output = Result<String>> + Send;
    /// Updates service `id` from `version`; the engine's warnings.
    fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: ServiceSpec,
        auth: bool,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn remove_service(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// The tasks of service `service` (name or ID), or of every service of stack `stack`.
    fn list_tasks(
        &self,
        service: Option<&str>,
        stack: Option<&str>,
    ) -> impl Future<Output = Result<Vec<SwarmTask>>> + Send;
    /// A service's output, gathered from its tasks' nodes (not followed).
    fn service_logs(&self, service: &str, tail: usize) -> BoxStream<'static, Result<LogChunk>>;
    /// The secrets of stack `stack`, or every secret.
    fn list_secrets(
        &self,
        stack: Option<&str>,
    ) -> impl Future<Output = Result<Vec<SwarmObject>>> + Send;
    fn create_secret(&self, spec: SecretSpec) -> impl Future<Output = Result<String>> + Send;
    fn remove_secret(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// The configs of stack `stack`, or every config.
    fn list_configs(
        &self,
        stack: Option<&str>,
    ) -> impl Future<Output = Result<Vec<SwarmObject>>> + Send;
    fn create_config(&self, spec: ConfigSpec) -> impl Future<Output = Result<String>> + Send;
    fn remove_config(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// The networks of stack `stack`.
    fn stack_networks(&self, stack: &str) -> impl Future<Output = Result<Vec<NetworkInfo>>> + Send;
    /// The digest the image's registry has for `reference` (`sha256:...`).
    fn image_digest(
        &self,
        reference: &str,
        auth: bool,
    ) -> impl Future<Output = Result<String>> + Send;
}

/// The engine as the executor and the service layer use it.
pub trait Engine: Inventory + ImageStore + Resources + Watcher + Swarm {}

impl<T: Inventory + ImageStore + Resources + Watcher + Swarm> Engine for T {}

/// The calls of the everyday commands (exec, attach, cp, top, stats, events): sessions and
/// archives, apart from [`Engine`]
/// so that the fake engine need not have them.
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
    /// The container's whole filesystem as a tar stream.
    fn export(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>>>;
    /// Makes an image of the container's changes; its ID.
    fn commit(
        &self,
        container: &str,
        spec: CommitSpec,
    ) -> impl Future<Output = Result<String>> + Send;
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
