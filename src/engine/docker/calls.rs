//! The engine roles on a real engine: listings, images, resources and watching, each method one
//! API call through bollard with its errors mapped.

use std::time::Duration;

use bollard::errors::Error as BError;
use bollard::models::NetworkConnectRequest;
use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::super::{
    Action, BoxStream, BuildContext, BuildOutput, BuildRequest, Builder, ContainerCreateBody,
    ContainerEvent, ContainerInfo, ContainerState, EndpointSettings, EngineError, ErrorKind,
    Health, ImageInfo, ImageStore, Inventory, LogChunk, LogOptions, NetworkCreateRequest,
    NetworkInfo, PullProgress, Resources, Result, Status, VolumeCreateRequest, VolumeInfo, Watcher,
};
use super::{
    Docker, filters, log_chunk, map_err, network_info, project_filter, rfc3339, sorted,
    split_reference,
};

impl Inventory for Docker {
    fn api_version(&self) -> String {
        self.version.clone()
    }

    fn host(&self) -> String {
        self.host.clone()
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
        self.containers_where(filters, all).await
    }

    async fn containers_using_volume(&self, volume: &str) -> Result<Vec<ContainerInfo>> {
        let filters = filters(&[("volume", volume.to_string())]);
        self.containers_where(filters, true).await
    }

    async fn list_networks(&self, project: &str) -> Result<Vec<NetworkInfo>> {
        self.networks_where(project_filter(project)).await
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
            .map(volume_info)
            .collect())
    }

    async fn all_networks(&self) -> Result<Vec<NetworkInfo>> {
        let list = self
            .client
            .list_networks(None::<q::ListNetworksOptions>)
            .await
            .map_err(map_err)?;
        Ok(list.into_iter().map(network_info).collect())
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
            .map(network_info))
    }

    async fn network_users(&self, id: &str) -> Result<Vec<String>> {
        let endpoints = self.endpoints(id).await?;
        Ok(endpoints.into_iter().map(|(_, name)| name).collect())
    }

    async fn find_volume(&self, name: &str) -> Result<Option<VolumeInfo>> {
        match self.client.inspect_volume(name).await {
            Ok(v) => Ok(Some(volume_info(v))),
            Err(e) => match map_err(e) {
                e if e.is_not_found() => Ok(None),
                e => Err(e),
            },
        }
    }

    async fn dangling_images(&self, project: &str) -> Result<Vec<String>> {
        let mut f = project_filter(project);
        f.insert("dangling".into(), vec!["true".into()]);
        let opts = q::ListImagesOptions {
            filters: Some(f),
            ..Default::default()
        };
        let list = self.client.list_images(Some(opts)).await.map_err(map_err)?;
        Ok(list.into_iter().map(|i| i.id).collect())
    }

    async fn image_info(&self, reference: &str) -> Result<Option<ImageInfo>> {
        match self.client.inspect_image(reference).await {
            Ok(i) => Ok(Some(ImageInfo {
                id: i.id.unwrap_or_default(),
                tags: i.repo_tags.unwrap_or_default(),
                created: i.created.map(rfc3339).unwrap_or_default(),
                last_tagged: i
                    .metadata
                    .and_then(|m| m.last_tag_time)
                    .filter(|t| t.year() > 1)
                    .map(rfc3339)
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
                e if e.is_not_found() => Ok(None),
                e => Err(e),
            },
        }
    }
}

impl ImageStore for Docker {
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
        let creds = self.credentials(reference);
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

    async fn platform(&self) -> Result<String> {
        let v = self.client.version().await.map_err(map_err)?;
        let os = v.os.unwrap_or_default();
        let arch = v.arch.unwrap_or_default();
        Ok(format!("{os}/{arch}"))
    }

    async fn build_image(
        &self,
        r: BuildRequest,
        context: BuildContext,
        output: &(dyn Fn(BuildOutput) + Send + Sync),
    ) -> Result<String> {
        match (r.builder, context) {
            (Builder::Classic, BuildContext::Tar(tar)) => self.build_classic(r, tar, output).await,
            (Builder::BuildKit, context) => self.build_buildkit(r, context, output).await,
            (Builder::Classic, BuildContext::Local(_)) => Err(EngineError::new(
                ErrorKind::Other,
                "the classic builder takes its context as a tar".to_string(),
            )),
        }
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
        let creds = self.credentials(reference);
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
}

/// What is on a network that the engine would not remove.
struct Endpoints {
    /// The containers still there, by name.
    users: Vec<String>,
    /// How many endpoints of containers gone since were disconnected.
    freed: usize,
    /// One of the users runs (it will not leave).
    running: bool,
}

impl Docker {
    /// The endpoints on network `network` (name or ID): each container's ID and name (its ID
    /// when the engine gives no name).
    async fn endpoints(&self, network: &str) -> Result<Vec<(String, String)>> {
        let network = self
            .client
            .inspect_network(network, None::<q::InspectNetworkOptions>)
            .await
            .map_err(map_err)?;
        let endpoints = network.containers.unwrap_or_default();
        Ok(endpoints
            .into_iter()
            .map(|(id, e)| {
                let name = e.name.unwrap_or_else(|| id.clone());
                (id, name)
            })
            .collect())
    }

    /// The endpoints on network `name`: those of containers that are gone are disconnected by
    /// force, the containers still there named.
    async fn free_stale_endpoints(&self, name: &str) -> Result<Endpoints> {
        let mut found = Endpoints {
            users: Vec::new(),
            freed: 0,
            running: false,
        };
        for (id, container) in self.endpoints(name).await? {
            let seen = self
                .client
                .inspect_container(&id, None::<q::InspectContainerOptions>)
                .await;
            let gone = matches!(
                seen,
                Err(BError::DockerResponseServerError {
                    status_code: 404,
                    ..
                })
            );
            if !gone {
                found.running |= matches!(&seen, Ok(c) if c.state.as_ref().and_then(|s| s.running) == Some(true));
                found.users.push(container);
                continue;
            }
            if self.disconnect_network(&container, name).await.is_ok() {
                found.freed += 1;
            }
        }
        Ok(found)
    }
}

impl Resources for Docker {
    async fn create_network(&self, spec: NetworkCreateRequest) -> Result<String> {
        let r = self.client.create_network(spec).await.map_err(map_err)?;
        Ok(r.id)
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        // the engine releases a removed container's endpoint after the removal returns (under
        // load, seconds after), and one that crashed can keep endpoints of containers gone
        // since: those are disconnected by force; endpoints of containers still there are
        // waited for (bounded), and then named; a running container on it (another project's,
        // or one that a run racing this one made) will not leave: named at once
        let began = tokio::time::Instant::now();
        loop {
            let e = match self.client.remove_network(name).await.map_err(map_err) {
                Err(e) if e.message.contains(super::ACTIVE_ENDPOINTS) => e,
                r => return r,
            };
            let Endpoints {
                users,
                freed,
                running,
            } = self.free_stale_endpoints(name).await?;
            let lost_count = users.is_empty() && freed == 0;
            if lost_count && began.elapsed() >= Duration::from_secs(2) {
                // still no endpoint to wait for or free: the engine's own count is wrong
                return Err(EngineError::new(
                    e.kind,
                    format!(
                        "{} although no container is on it (the engine lost count of its endpoints, an engine fault seen under heavy load; restarting the engine clears it)",
                        e.message
                    ),
                ));
            }
            if running || began.elapsed() >= Duration::from_secs(20) {
                return Err(match users.is_empty() {
                    true => e,
                    false => EngineError::new(
                        e.kind,
                        format!("{} (containers on it: {})", e.message, users.join(", ")),
                    ),
                });
            }
            // right away only when stale endpoints were just freed
            if !users.is_empty() || lost_count {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
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

    async fn disconnect_network(&self, container: &str, network: &str) -> Result<()> {
        let req = bollard::models::NetworkDisconnectRequest {
            container: container.to_string(),
            force: Some(true),
        };
        self.client
            .disconnect_network(network, req)
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
}

impl Watcher for Docker {
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
            finished_at: state.finished_at.clone().unwrap_or_default(),
            id: c.id.unwrap_or_default(),
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            status: Status::from(
                state
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_default()
                    .as_str(),
            ),
            health: match state.health.and_then(|h| h.status).map(|s| s.to_string()) {
                Some(h) if h != "none" => Health::from(h.as_str()),
                _ => Health::Unset,
            },
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
                action: Action::parse(m.action.as_deref().unwrap_or_default()),
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

fn volume_info(v: bollard::models::Volume) -> VolumeInfo {
    VolumeInfo {
        name: v.name,
        driver: v.driver,
        labels: v.labels.into_iter().collect(),
        mountpoint: v.mountpoint,
        scope: v.scope.map(|s| s.to_string()).unwrap_or_default(),
    }
}
