//! The [`Engine`] on a real Docker Engine, through bollard: connection (`DOCKER_HOST`, unix or
//! tcp), API version negotiation, and error mapping (404 → not found, 409 → conflict).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::errors::Error as BError;
use bollard::models::{ContainerSummaryStateEnum, NetworkConnectRequest};
use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::{
    BoxStream, BuildRequest, ContainerCreateBody, ContainerEvent, ContainerInfo, ContainerState,
    EndpointSettings, Engine, EngineError, EngineEvent, ErrorKind, ExecRequest, ImageInfo,
    Interactive, LogChunk, LogOptions, LogSource, NetworkCreateRequest, NetworkInfo, PathStat,
    PortInfo, Processes, PullProgress, Result, Session, StatsSample, VolumeCreateRequest,
    VolumeInfo,
};

/// Calls wait at most this long (pulls and stops included); streams have no limit.
const CALL_TIMEOUT: Duration = Duration::from_secs(600);
const STREAM_TIMEOUT: Duration = Duration::from_secs(60 * 60 * 24 * 365);

/// A connected engine.
#[derive(Clone)]
pub struct Docker {
    client: bollard::Docker,
    streams: bollard::Docker,
    version: String,
    host: String,
}

fn map_err(e: BError) -> EngineError {
    match e {
        BError::DockerResponseServerError {
            status_code,
            message,
        } => {
            let kind = match status_code {
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                _ => ErrorKind::Other,
            };
            EngineError::new(kind, message.trim().to_string())
        }
        BError::HyperResponseError { .. }
        | BError::IOError { .. }
        | BError::SocketNotFoundError(_)
        | BError::RequestTimeoutError => EngineError::new(ErrorKind::Unreachable, e.to_string()),
        // an `errorDetail` in a build, pull or push stream: the engine's own words
        BError::DockerStreamError { error } => {
            EngineError::new(ErrorKind::Other, error.trim().to_string())
        }
        other => EngineError::new(ErrorKind::Other, other.to_string()),
    }
}

fn filters(pairs: &[(&str, String)]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        m.entry(k.to_string()).or_default().push(v.clone());
    }
    m
}

fn project_filter(project: &str) -> HashMap<String, Vec<String>> {
    filters(&[(
        "label",
        format!("{}={project}", crate::names::labels::PROJECT),
    )])
}

fn sorted(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

impl Docker {
    /// Connects to `DOCKER_HOST` (or the local socket) and negotiates the API version. The error
    /// says what was tried and how to fix it.
    pub async fn connect() -> Result<Docker> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
        let unreachable = |e: String| {
            EngineError::new(
                ErrorKind::Unreachable,
                format!(
                    "cannot reach the Docker Engine at {host}: {e}\n  hint: is the engine running (`docker info`)? Point DOCKER_HOST at it (unix:///path/to/docker.sock or tcp://host:port)"
                ),
            )
        };
        let client = bollard::Docker::connect_with_defaults()
            .map_err(|e| unreachable(e.to_string()))?
            .with_timeout(CALL_TIMEOUT);
        // bollard 0.21 does not put the version in request paths; negotiating keeps working
        // when it does (0.22) and tells which version the engine speaks.
        let client = client
            .negotiate_version()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let version = client.client_version().to_string();
        let streams = client.clone().with_timeout(STREAM_TIMEOUT);
        Ok(Docker {
            client,
            streams,
            version,
            host,
        })
    }

    /// The address this client talks to.
    pub fn host(&self) -> &str {
        &self.host
    }
}

fn container_info(c: bollard::models::ContainerSummary) -> ContainerInfo {
    let name = c
        .names
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.trim_start_matches('/').to_string())
        .find(|n| !n.contains('/'))
        .unwrap_or_default();
    let networks = c
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, ep)| (name, ep.network_id.unwrap_or_default()))
        .collect();
    let volumes = c
        .mounts
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.typ.as_ref().map(|t| t.to_string()).as_deref() == Some("volume"))
        .filter_map(|m| Some((m.name?, m.destination?)))
        .collect();
    let mut ports: Vec<PortInfo> = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| PortInfo {
            host_ip: p.ip.unwrap_or_default(),
            private: p.private_port,
            public: p.public_port.unwrap_or(0),
            protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.private, &a.protocol, &a.host_ip).cmp(&(b.private, &b.protocol, &b.host_ip))
    });
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name,
        labels: sorted(c.labels),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        state: c
            .state
            .map(|s| match s {
                ContainerSummaryStateEnum::EMPTY => String::new(),
                other => other.to_string(),
            })
            .unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        created: c.created.unwrap_or(0),
        networks,
        volumes,
        ports,
    }
}

impl Engine for Docker {
    fn api_version(&self) -> String {
        self.version.clone()
    }

    async fn list_containers(
        &self,
        project: Option<&str>,
        all: bool,
    ) -> Result<Vec<ContainerInfo>> {
        let filters = match project {
            Some(p) => project_filter(p),
            None => filters(&[("label", crate::names::labels::PROJECT.to_string())]),
        };
        let opts = q::ListContainersOptions {
            all,
            filters: Some(filters),
            ..Default::default()
        };
        let list = self
            .client
            .list_containers(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list.into_iter().map(container_info).collect())
    }

    async fn list_networks(&self, project: &str) -> Result<Vec<NetworkInfo>> {
        let opts = q::ListNetworksOptions {
            filters: Some(project_filter(project)),
        };
        let list = self
            .client
            .list_networks(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list
            .into_iter()
            .map(|n| NetworkInfo {
                id: n.id.unwrap_or_default(),
                name: n.name.unwrap_or_default(),
                labels: sorted(n.labels),
            })
            .collect())
    }

    async fn list_volumes(&self, project: &str) -> Result<Vec<VolumeInfo>> {
        let opts = q::ListVolumesOptions {
            filters: Some(project_filter(project)),
        };
        let list = self
            .client
            .list_volumes(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| VolumeInfo {
                name: v.name,
                driver: v.driver,
                labels: v.labels.into_iter().collect(),
            })
            .collect())
    }

    async fn find_network(&self, name: &str) -> Result<Option<NetworkInfo>> {
        let opts = q::ListNetworksOptions {
            filters: Some(filters(&[("name", name.to_string())])),
        };
        let list = self
            .client
            .list_networks(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list
            .into_iter()
            .find(|n| n.name.as_deref() == Some(name) || n.id.as_deref() == Some(name))
            .map(|n| NetworkInfo {
                id: n.id.unwrap_or_default(),
                name: n.name.unwrap_or_default(),
                labels: sorted(n.labels),
            }))
    }

    async fn find_volume(&self, name: &str) -> Result<Option<VolumeInfo>> {
        match self.client.inspect_volume(name).await {
            Ok(v) => Ok(Some(VolumeInfo {
                name: v.name,
                driver: v.driver,
                labels: v.labels.into_iter().collect(),
            })),
            Err(e) => match map_err(e) {
                e if e.kind == ErrorKind::NotFound => Ok(None),
                e => Err(e),
            },
        }
    }

    async fn image_id(&self, reference: &str) -> Result<Option<String>> {
        match self.client.inspect_image(reference).await {
            Ok(i) => Ok(i.id),
            Err(e) => match map_err(e) {
                e if e.kind == ErrorKind::NotFound => Ok(None),
                e => Err(e),
            },
        }
    }

    async fn pull_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<()> {
        let (image, tag) = split_reference(reference);
        let opts = q::CreateImageOptions {
            from_image: Some(image),
            tag: Some(tag),
            ..Default::default()
        };
        let creds = super::auth::credentials(reference);
        let mut stream = self.streams.create_image(Some(opts), None, creds);
        while let Some(item) = stream.next().await {
            let info = item.map_err(map_err)?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(EngineError::new(ErrorKind::Other, err));
            }
            let detail = info.progress_detail.unwrap_or_default();
            progress(PullProgress {
                layer: info.id.unwrap_or_default(),
                status: info.status.unwrap_or_default(),
                current: detail.current.unwrap_or(0).max(0) as u64,
                total: detail.total.unwrap_or(0).max(0) as u64,
            });
        }
        Ok(())
    }

    async fn remove_image(&self, reference: &str) -> Result<()> {
        self.client
            .remove_image(reference, None::<q::RemoveImageOptions>, None)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn image_info(&self, reference: &str) -> Result<Option<ImageInfo>> {
        match self.client.inspect_image(reference).await {
            Ok(i) => Ok(Some(ImageInfo {
                id: i.id.unwrap_or_default(),
                tags: i.repo_tags.unwrap_or_default(),
                created: i.created.unwrap_or_default(),
                last_tagged: i
                    .metadata
                    .and_then(|m| m.last_tag_time)
                    .filter(|t| !t.starts_with("0001-"))
                    .unwrap_or_default(),
                size: i.size.unwrap_or(0),
                platform: format!(
                    "{}/{}",
                    i.os.unwrap_or_default(),
                    i.architecture.unwrap_or_default()
                ),
                labels: sorted(i.config.and_then(|c| c.labels)),
            })),
            Err(e) => match map_err(e) {
                e if e.kind == ErrorKind::NotFound => Ok(None),
                e => Err(e),
            },
        }
    }

    async fn build_image(
        &self,
        r: BuildRequest,
        context: Vec<u8>,
        output: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<String> {
        let opts = q::BuildImageOptions {
            dockerfile: r.dockerfile,
            t: Some(r.tag),
            extrahosts: (!r.extra_hosts.is_empty()).then(|| r.extra_hosts.join(",")),
            nocache: r.no_cache,
            cachefrom: (!r.cache_from.is_empty()).then_some(r.cache_from),
            pull: r.pull.then(|| "1".to_string()),
            rm: true,
            forcerm: true,
            buildargs: (!r.args.is_empty()).then(|| r.args.into_iter().collect()),
            shmsize: (r.shm_size > 0).then_some(r.shm_size as i32),
            labels: (!r.labels.is_empty()).then(|| r.labels.into_iter().collect()),
            networkmode: (!r.network.is_empty()).then_some(r.network),
            target: r.target,
            platform: r.platform,
            version: q::BuilderVersion::BuilderV1,
            ..Default::default()
        };
        let mut stream =
            self.streams
                .build_image(opts, None, Some(bollard::body_full(context.into())));
        let mut id = String::new();
        // the classic builder's `Step 3/7 : RUN make` line, to say where a build failed
        let mut step = String::new();
        let at_step = |step: &str, e: EngineError| match step {
            "" => e,
            s => EngineError::new(e.kind, format!("{s}: {}", e.message)),
        };
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| at_step(&step, map_err(e)))?;
            if let Some(msg) = info.error_detail.and_then(|d| d.message) {
                let e = EngineError::new(ErrorKind::Other, msg.trim().to_string());
                return Err(at_step(&step, e));
            }
            if let Some(text) = info.stream {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    if let Some((n, instruction)) =
                        line.strip_prefix("Step ").and_then(|l| l.split_once(" : "))
                    {
                        step = format!("step {n} `{}`", instruction.trim());
                    }
                    output(line);
                }
            }
            if let Some(aux_id) = info.aux.and_then(|a| a.id) {
                id = aux_id;
            }
        }
        Ok(id)
    }

    async fn tag_image(&self, source: &str, target: &str) -> Result<()> {
        let (repo, tag) = split_reference(target);
        let opts = q::TagImageOptions {
            repo: Some(repo),
            tag: Some(tag),
        };
        self.client
            .tag_image(source, Some(opts))
            .await
            .map_err(map_err)
    }

    async fn push_image(
        &self,
        reference: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<()> {
        let (image, tag) = split_reference(reference);
        let opts = q::PushImageOptions {
            tag: Some(tag),
            ..Default::default()
        };
        let creds = super::auth::credentials(reference);
        let mut stream = self.streams.push_image(&image, Some(opts), creds);
        while let Some(item) = stream.next().await {
            let info = item.map_err(map_err)?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(EngineError::new(ErrorKind::Other, err));
            }
            let detail = info.progress_detail.unwrap_or_default();
            progress(PullProgress {
                layer: String::new(),
                status: info.status.unwrap_or_default(),
                current: detail.current.unwrap_or(0).max(0) as u64,
                total: detail.total.unwrap_or(0).max(0) as u64,
            });
        }
        Ok(())
    }

    async fn create_network(&self, spec: NetworkCreateRequest) -> Result<String> {
        let r = self.client.create_network(spec).await.map_err(map_err)?;
        Ok(r.id)
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        self.client.remove_network(name).await.map_err(map_err)
    }

    async fn create_volume(&self, spec: VolumeCreateRequest) -> Result<()> {
        self.client
            .create_volume(spec)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.client
            .remove_volume(name, None::<q::RemoveVolumeOptions>)
            .await
            .map_err(map_err)
    }

    async fn create_container(&self, name: &str, body: ContainerCreateBody) -> Result<String> {
        let opts = q::CreateContainerOptions {
            name: Some(name.to_string()),
            ..Default::default()
        };
        let r = self
            .client
            .create_container(Some(opts), body)
            .await
            .map_err(map_err)?;
        Ok(r.id)
    }

    async fn connect_network(
        &self,
        container: &str,
        network: &str,
        endpoint: EndpointSettings,
    ) -> Result<()> {
        let req = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint),
        };
        self.client
            .connect_network(network, req)
            .await
            .map_err(map_err)
    }

    async fn upload(&self, container: &str, path: &str, tar: Vec<u8>) -> Result<()> {
        let opts = q::UploadToContainerOptions {
            path: path.to_string(),
            ..Default::default()
        };
        self.client
            .upload_to_container(container, Some(opts), bollard::body_full(tar.into()))
            .await
            .map_err(map_err)
    }

    async fn start_container(&self, name: &str) -> Result<()> {
        self.client
            .start_container(name, None::<q::StartContainerOptions>)
            .await
            .map_err(map_err)
    }

    async fn stop_container(&self, name: &str, timeout: Option<i64>) -> Result<()> {
        let opts = q::StopContainerOptions {
            t: timeout.map(|t| t as i32),
            signal: None,
        };
        match self.streams.stop_container(name, Some(opts)).await {
            // 304: already stopped
            Err(BError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            r => r.map_err(map_err),
        }
    }

    async fn restart_container(&self, name: &str, timeout: Option<i64>) -> Result<()> {
        let opts = q::RestartContainerOptions {
            t: timeout.map(|t| t as i32),
            signal: None,
        };
        self.streams
            .restart_container(name, Some(opts))
            .await
            .map_err(map_err)
    }

    async fn kill_container(&self, name: &str, signal: &str) -> Result<()> {
        let opts = q::KillContainerOptions {
            signal: signal.to_string(),
        };
        self.client
            .kill_container(name, Some(opts))
            .await
            .map_err(map_err)
    }

    async fn pause_container(&self, name: &str) -> Result<()> {
        self.client.pause_container(name).await.map_err(map_err)
    }

    async fn unpause_container(&self, name: &str) -> Result<()> {
        self.client.unpause_container(name).await.map_err(map_err)
    }

    async fn remove_container(&self, name: &str, force: bool, volumes: bool) -> Result<()> {
        let opts = q::RemoveContainerOptions {
            v: volumes,
            force,
            link: false,
        };
        self.client
            .remove_container(name, Some(opts))
            .await
            .map_err(map_err)
    }

    async fn rename_container(&self, from: &str, to: &str) -> Result<()> {
        let opts = q::RenameContainerOptions {
            name: to.to_string(),
        };
        self.client
            .rename_container(from, opts)
            .await
            .map_err(map_err)
    }

    async fn inspect_container(&self, name: &str) -> Result<ContainerState> {
        let c = self
            .client
            .inspect_container(name, None::<q::InspectContainerOptions>)
            .await
            .map_err(map_err)?;
        let state = c.state.unwrap_or_default();
        let tty = c.config.as_ref().and_then(|c| c.tty).unwrap_or(false);
        let health = state.health.clone().unwrap_or_default();
        let health_last = health.log.as_ref().and_then(|l| l.last()).map(|r| {
            let out = r.output.as_deref().unwrap_or_default().trim();
            (r.exit_code.unwrap_or(-1), out.to_string())
        });
        Ok(ContainerState {
            tty,
            health_failures: health.failing_streak.unwrap_or(0),
            health_last,
            started_at: state.started_at.clone().unwrap_or_default(),
            id: c.id.unwrap_or_default(),
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            status: state.status.map(|s| s.to_string()).unwrap_or_default(),
            health: state
                .health
                .and_then(|h| h.status)
                .map(|s| s.to_string())
                .filter(|s| s != "none")
                .unwrap_or_default(),
            exit_code: state.exit_code.unwrap_or(0),
            labels: sorted(c.config.and_then(|c| c.labels)),
        })
    }

    async fn wait_container(&self, name: &str) -> Result<i64> {
        let mut stream = self
            .streams
            .wait_container(name, None::<q::WaitContainerOptions>);
        match stream.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            // bollard reports a non-zero exit as an error
            Some(Err(BError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(map_err(e)),
            None => Err(EngineError::new(
                ErrorKind::Other,
                format!("waiting for {name}: the engine closed the stream"),
            )),
        }
    }

    fn events(&self, project: &str) -> BoxStream<'static, Result<ContainerEvent>> {
        let mut f = project_filter(project);
        f.insert("type".into(), vec!["container".into()]);
        let opts = q::EventsOptions {
            filters: Some(f),
            ..Default::default()
        };
        let stream = self.streams.events(Some(opts)).map(|item| {
            let m = item.map_err(map_err)?;
            let actor = m.actor.unwrap_or_default();
            let attrs = actor.attributes.unwrap_or_default();
            Ok(ContainerEvent {
                id: actor.id.unwrap_or_default(),
                name: attrs.get("name").cloned().unwrap_or_default(),
                action: m.action.unwrap_or_default(),
                exit_code: attrs.get("exitCode").and_then(|c| c.parse().ok()),
                service: attrs
                    .get(crate::names::labels::SERVICE)
                    .cloned()
                    .unwrap_or_default(),
                time_nano: m.time_nano.unwrap_or(0),
            })
        });
        Box::pin(stream)
    }

    fn logs(&self, container: &str, options: LogOptions) -> BoxStream<'static, Result<LogChunk>> {
        let opts = q::LogsOptions {
            follow: options.follow,
            stdout: true,
            stderr: true,
            // the API's field is 32 bits: a time past 2038 is as far as it goes
            since: options.since.unwrap_or(0).clamp(0, i32::MAX.into()) as i32,
            until: options.until.unwrap_or(0).clamp(0, i32::MAX.into()) as i32,
            timestamps: options.timestamps,
            tail: options.tail.unwrap_or_else(|| "all".into()),
        };
        let stream = self
            .streams
            .logs(container, Some(opts))
            .map_err(map_err)
            .map_ok(log_chunk);
        Box::pin(stream)
    }
}

fn log_chunk(out: bollard::container::LogOutput) -> LogChunk {
    use bollard::container::LogOutput;
    let (source, bytes) = match out {
        LogOutput::StdErr { message } => (LogSource::Stderr, message),
        LogOutput::StdOut { message }
        | LogOutput::Console { message }
        | LogOutput::StdIn { message } => (LogSource::Stdout, message),
    };
    LogChunk {
        source,
        text: bytes.to_vec(),
    }
}

/// Go's `os.ModeDir` and `os.ModeSymlink` bits of a path stat's mode.
const GO_MODE_DIR: u32 = 1 << 31;
const GO_MODE_SYMLINK: u32 = 1 << 27;

impl Interactive for Docker {
    async fn create_exec(&self, container: &str, r: ExecRequest) -> Result<String> {
        let opts = bollard::exec::CreateExecOptions {
            attach_stdin: Some(r.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(r.tty),
            env: (!r.env.is_empty()).then_some(r.env),
            cmd: Some(r.cmd),
            privileged: Some(r.privileged),
            user: (!r.user.is_empty()).then_some(r.user),
            working_dir: (!r.workdir.is_empty()).then_some(r.workdir),
            ..Default::default()
        };
        Ok(self
            .client
            .create_exec(container, opts)
            .await
            .map_err(map_err)?
            .id)
    }

    async fn start_exec(&self, id: &str, tty: bool, detach: bool) -> Result<Option<Session>> {
        let opts = bollard::exec::StartExecOptions {
            detach,
            tty,
            output_capacity: Some(64 * 1024),
        };
        match self
            .streams
            .start_exec(id, Some(opts))
            .await
            .map_err(map_err)?
        {
            bollard::exec::StartExecResults::Attached { output, input } => Ok(Some(Session {
                output: Box::pin(output.map_err(map_err).map_ok(log_chunk)),
                input,
            })),
            bollard::exec::StartExecResults::Detached => Ok(None),
        }
    }

    async fn resize_exec(&self, id: &str, width: u16, height: u16) -> Result<()> {
        let opts = q::ResizeExecOptions {
            h: height.into(),
            w: width.into(),
        };
        self.client.resize_exec(id, opts).await.map_err(map_err)
    }

    async fn exec_exit_code(&self, id: &str) -> Result<Option<i64>> {
        let r = self.client.inspect_exec(id).await.map_err(map_err)?;
        Ok(if r.running == Some(true) {
            None
        } else {
            r.exit_code
        })
    }

    async fn attach(
        &self,
        container: &str,
        stdin: bool,
        logs: bool,
        detach_keys: &str,
    ) -> Result<Session> {
        let opts = q::AttachContainerOptions {
            detach_keys: (!detach_keys.is_empty()).then(|| detach_keys.to_string()),
            logs,
            stream: true,
            stdin,
            stdout: true,
            stderr: true,
        };
        let r = self
            .streams
            .attach_container(container, Some(opts))
            .await
            .map_err(map_err)?;
        Ok(Session {
            output: Box::pin(r.output.map_err(map_err).map_ok(log_chunk)),
            input: r.input,
        })
    }

    async fn resize_container(&self, container: &str, width: u16, height: u16) -> Result<()> {
        let opts = q::ResizeContainerTTYOptions {
            h: height.into(),
            w: width.into(),
        };
        self.client
            .resize_container_tty(container, opts)
            .await
            .map_err(map_err)
    }

    async fn path_stat(&self, container: &str, path: &str) -> Result<Option<PathStat>> {
        let opts = q::ContainerArchiveInfoOptions {
            path: path.to_string(),
        };
        match self
            .client
            .get_container_archive_info(container, Some(opts))
            .await
        {
            Ok(s) => Ok(Some(PathStat {
                name: s.name,
                size: s.size,
                is_dir: s.file_mode & GO_MODE_DIR != 0,
                link_target: if s.file_mode & GO_MODE_SYMLINK != 0 {
                    s.link_target
                } else {
                    String::new()
                },
            })),
            Err(e) => match map_err(e) {
                e if e.kind == ErrorKind::NotFound => Ok(None),
                e => Err(e),
            },
        }
    }

    fn download(&self, container: &str, path: &str) -> BoxStream<'static, Result<Vec<u8>>> {
        let opts = q::DownloadFromContainerOptions {
            path: path.to_string(),
        };
        Box::pin(
            self.streams
                .download_from_container(container, Some(opts))
                .map_err(map_err)
                .map_ok(|b| b.to_vec()),
        )
    }

    async fn upload_archive(
        &self,
        container: &str,
        path: &str,
        tar: Vec<u8>,
        copy_uid_gid: bool,
    ) -> Result<()> {
        let opts = q::UploadToContainerOptions {
            path: path.to_string(),
            copy_uidgid: copy_uid_gid.then(|| "1".to_string()),
            ..Default::default()
        };
        self.streams
            .upload_to_container(container, Some(opts), bollard::body_full(tar.into()))
            .await
            .map_err(map_err)
    }

    async fn top(&self, container: &str, ps_args: &str) -> Result<Processes> {
        let opts = q::TopOptions {
            ps_args: ps_args.to_string(),
        };
        let r = self
            .client
            .top_processes(container, Some(opts))
            .await
            .map_err(map_err)?;
        Ok(Processes {
            titles: r.titles.unwrap_or_default(),
            rows: r.processes.unwrap_or_default(),
        })
    }

    fn stats(&self, container: &str, stream: bool) -> BoxStream<'static, Result<StatsSample>> {
        let opts = q::StatsOptions {
            stream,
            one_shot: false,
        };
        Box::pin(
            self.streams
                .stats(container, Some(opts))
                .map_err(map_err)
                .map_ok(stats_sample),
        )
    }

    fn all_events(
        &self,
        project: &str,
        since: Option<String>,
        until: Option<String>,
    ) -> BoxStream<'static, Result<EngineEvent>> {
        let opts = q::EventsOptions {
            since,
            until,
            filters: Some(project_filter(project)),
        };
        Box::pin(self.streams.events(Some(opts)).map(|item| {
            let m = item.map_err(map_err)?;
            let actor = m.actor.unwrap_or_default();
            Ok(EngineEvent {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                action: m.action.unwrap_or_default(),
                id: actor.id.unwrap_or_default(),
                attributes: sorted(actor.attributes),
                time_nano: m.time_nano.unwrap_or(0),
            })
        }))
    }
}

/// One stats reading as `docker stats` computes it: CPU % from the change since the previous
/// reading, memory without the page cache, network and block I/O totals.
fn stats_sample(s: bollard::models::ContainerStatsResponse) -> StatsSample {
    let cpu = s.cpu_stats.unwrap_or_default();
    let pre = s.precpu_stats.unwrap_or_default();
    let total = |c: &bollard::models::ContainerCpuStats| {
        c.cpu_usage
            .as_ref()
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let cpu_delta = total(&cpu).saturating_sub(total(&pre)) as f64;
    let system_delta = cpu
        .system_cpu_usage
        .unwrap_or(0)
        .saturating_sub(pre.system_cpu_usage.unwrap_or(0)) as f64;
    let cpus = cpu.online_cpus.map(f64::from).unwrap_or_else(|| {
        cpu.cpu_usage
            .as_ref()
            .and_then(|u| u.percpu_usage.as_ref())
            .map_or(1.0, |p| p.len().max(1) as f64)
    });
    let cpu_percent = if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    };
    let mem = s.memory_stats.unwrap_or_default();
    let stat = |k: &str| mem.stats.as_ref().and_then(|m| m.get(k)).copied();
    // cgroup v1 `total_inactive_file`, v2 `inactive_file`
    let cache = stat("total_inactive_file")
        .or_else(|| stat("inactive_file"))
        .unwrap_or(0);
    let (mut rx, mut tx) = (0, 0);
    for n in s.networks.unwrap_or_default().values() {
        rx += n.rx_bytes.unwrap_or(0);
        tx += n.tx_bytes.unwrap_or(0);
    }
    let (mut read, mut write) = (0, 0);
    for e in s
        .blkio_stats
        .and_then(|b| b.io_service_bytes_recursive)
        .unwrap_or_default()
    {
        match e.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("read") => read += e.value.unwrap_or(0),
            Some("write") => write += e.value.unwrap_or(0),
            _ => {}
        }
    }
    StatsSample {
        cpu_percent,
        mem_usage: mem.usage.unwrap_or(0).saturating_sub(cache),
        mem_limit: mem.limit.unwrap_or(0),
        net_rx: rx,
        net_tx: tx,
        block_read: read,
        block_write: write,
        pids: s.pids_stats.and_then(|p| p.current).unwrap_or(0),
    }
}

/// `repo:tag` (`latest` when absent; a digest is kept whole).
fn split_reference(reference: &str) -> (String, String) {
    if let Some((repo, digest)) = reference.split_once('@') {
        return (repo.to_string(), digest.to_string());
    }
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (
            reference[..slash + i].to_string(),
            reference[slash + i + 1..].to_string(),
        ),
        None => (reference.to_string(), "latest".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_into_repo_and_tag() {
        let s = |r: &str| split_reference(r);
        assert_eq!(s("redis"), ("redis".into(), "latest".into()));
        assert_eq!(s("redis:7"), ("redis".into(), "7".into()));
        assert_eq!(
            s("localhost:5000/app"),
            ("localhost:5000/app".into(), "latest".into())
        );
        assert_eq!(
            s("localhost:5000/app:v1"),
            ("localhost:5000/app".into(), "v1".into())
        );
        assert_eq!(s("a@sha256:00"), ("a".into(), "sha256:00".into()));
    }
}
