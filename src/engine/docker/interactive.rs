//! The everyday commands' calls on a real engine: exec sessions, attach, archives, top, stats
//! and the project's events of every type.

use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::super::{
    BoxStream, CommitSpec, EngineEvent, ExecRequest, Interactive, PathStat, Processes, Result,
    Session, StatsSample,
};
use super::{Docker, log_chunk, map_err, project_filter, sorted};

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
                e if e.is_not_found() => Ok(None),
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

    fn export(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>>> {
        Box::pin(
            self.streams
                .export_container(container)
                .map_err(map_err)
                .map_ok(|b| b.to_vec()),
        )
    }

    async fn commit(&self, container: &str, spec: CommitSpec) -> Result<String> {
        let (repo, tag) = match spec.reference.rsplit_once(':') {
            // a colon in the last path segment separates the tag (not a registry's port)
            Some((r, t)) if !t.contains('/') => (r.to_string(), Some(t.to_string())),
            _ => (spec.reference.clone(), None),
        };
        let some = |s: String| (!s.is_empty()).then_some(s);
        let opts = q::CommitContainerOptions {
            container: Some(container.to_string()),
            repo: some(repo),
            tag,
            comment: some(spec.message),
            author: some(spec.author),
            pause: spec.pause,
            // the engine reads the changes as the lines of one Dockerfile
            changes: some(spec.changes.join("\n")),
        };
        let config = bollard::models::ContainerConfig::default();
        let r = self
            .client
            .commit_container(opts, config)
            .await
            .map_err(map_err)?;
        Ok(r.id)
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
