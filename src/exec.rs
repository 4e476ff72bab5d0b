//! Walks a plan on tokio: every step whose dependencies are done runs at once, nothing else is
//! decided here. Waits (healthy, completed, ready) are driven by the engine's event stream through
//! a [`Monitor`]. A failure stops new steps, lets running ones finish, and names the service and
//! what rcompose was doing.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::Notify;

use crate::engine::{ContainerState, Engine, EngineError, ErrorKind};
use crate::plan::{Op, Plan, Step};
use crate::progress::{Event, Progress};
use crate::ready::{self, Wait, Why};

/// A step that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub service: Option<String>,
    /// What rcompose was doing: `start container p-web-1`.
    pub doing: String,
    pub message: String,
    pub hint: Option<String>,
    /// The engine could not be reached at all.
    pub unreachable: bool,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service {
            Some(s) => write!(f, "service `{s}`: {}: {}", self.doing, self.message)?,
            None => write!(f, "{}: {}", self.doing, self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExecError {}

/// The last thing the engine said about a container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Seen {
    /// running, exited, created, ...
    status: String,
    /// healthy, unhealthy, starting, or empty.
    health: String,
    exit_code: Option<i64>,
}

impl Seen {
    /// As an inspection would report it, for [`ready::judge`].
    fn state(&self) -> ContainerState {
        ContainerState {
            status: self.status.clone(),
            health: self.health.clone(),
            exit_code: self.exit_code.unwrap_or(-1),
            ..Default::default()
        }
    }
}

/// Follows the project's container events and tells waiters when something changed.
pub struct Monitor {
    seen: Arc<Mutex<HashMap<String, Seen>>>,
    changed: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Monitor {
    /// Subscribes to the project's container events; call it before starting containers.
    pub fn start<E: Engine>(engine: &E, project: &str) -> Monitor {
        let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
        let changed = Arc::new(Notify::new());
        let mut events = engine.events(project);
        let (s, c) = (seen.clone(), changed.clone());
        let task = tokio::spawn(async move {
            while let Some(Ok(e)) = events.next().await {
                {
                    let mut map = s.lock().expect("monitor lock");
                    let entry = map.entry(e.name.clone()).or_default();
                    match e.action.as_str() {
                        // health is left alone: the engine reports its changes itself, and a
                        // late `start` must not undo a newer `healthy`
                        "start" | "restart" | "unpause" => {
                            entry.status = "running".into();
                            entry.exit_code = None;
                        }
                        "die" => {
                            entry.status = "exited".into();
                            entry.exit_code = e.exit_code;
                        }
                        "destroy" => entry.status = "removed".into(),
                        "pause" => entry.status = "paused".into(),
                        a if a.starts_with("health_status") => {
                            entry.health = a.rsplit(' ').next().unwrap_or_default().to_string();
                        }
                        _ => {}
                    }
                }
                c.notify_waiters();
            }
        });
        Monitor {
            seen,
            changed,
            task,
        }
    }

    fn get(&self, name: &str) -> Seen {
        self.seen
            .lock()
            .expect("monitor lock")
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// Records an inspection: taken after subscribing, it is the state; later events update it.
    fn record(&self, name: &str, status: &str, health: &str, exit_code: i64) {
        let mut map = self.seen.lock().expect("monitor lock");
        map.insert(
            name.to_string(),
            Seen {
                status: status.into(),
                health: health.into(),
                exit_code: (status == "exited" || status == "dead").then_some(exit_code),
            },
        );
    }

    /// Waits until `decide` says done or failed, re-deciding on every event about anything.
    async fn until<E: Engine>(
        &self,
        engine: &E,
        name: &str,
        progress: &dyn Progress,
        id: &str,
        decide: impl Fn(&Seen) -> Verdict,
    ) -> Result<String, String> {
        let st = engine
            .inspect_container(name)
            .await
            .map_err(|e| e.message)?;
        self.record(name, &st.status, &st.health, st.exit_code);
        let mut last_detail = String::new();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let seen = self.get(name);
            match decide(&seen) {
                Verdict::Done(status) => return Ok(status),
                Verdict::Failed(msg) => return Err(msg),
                Verdict::Wait(detail) => {
                    if detail != last_detail {
                        progress.event(Event::working(id, "Waiting").detail(detail.clone()));
                        last_detail = detail;
                    }
                }
            }
            notified.await;
        }
    }
}

/// How long a container without a healthcheck must have run before `--wait` counts it ready:
/// the reference first looks after 0.5 s, so a container that fails at once fails both.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Waits until container `name` meets `judged` (per [`ready::judge`]), its failures worded as
/// Compose words `worded`'s.
async fn wait_on<E: Engine>(
    engine: &E,
    monitor: &Monitor,
    progress: &dyn Progress,
    id: &str,
    name: &str,
    judged: &Wait,
    worded: &Wait,
) -> Result<String, String> {
    monitor
        .until(engine, name, progress, id, |seen| {
            match ready::judge(judged, &seen.state()) {
                ready::Verdict::Done => Verdict::Done(done_text(seen).into()),
                ready::Verdict::Failed(why) => Verdict::Failed(failure(worded, name, why)),
                ready::Verdict::Pending => Verdict::Wait(match worded {
                    Wait::Healthy => format!("for {name} to be healthy ({})", state_text(seen)),
                    Wait::Completed => format!("for {name} to complete ({})", state_text(seen)),
                    _ => format!("({})", state_text(seen)),
                }),
            }
        })
        .await
}

/// The progress status of a wait that passed.
fn done_text(seen: &Seen) -> &'static str {
    match (seen.status.as_str(), seen.health.as_str()) {
        (_, "healthy") => "Healthy",
        ("exited" | "dead", _) => "Exited",
        _ => "Running",
    }
}

/// A failed wait, in Compose's words.
fn failure(wait: &Wait, name: &str, why: Why) -> String {
    match why {
        Why::Unhealthy => format!("container {name} is unhealthy"),
        Why::Exited(code) if *wait == Wait::Completed => {
            format!("container {name} didn't complete successfully: exit {code}")
        }
        Why::Exited(code) => format!("container {name} exited with code {code}"),
        Why::ExitedBeforeHealthy(code) => {
            format!("container {name} exited with code {code} before it was healthy")
        }
        Why::NoHealthcheck => {
            format!("container {name} has no healthcheck, so it cannot become healthy")
        }
        Why::Removed => format!("container {name} was removed"),
    }
}

/// A running container without a healthcheck: ready once it has run [`SETTLE`] (from now when
/// `fresh`ly started by the plan, else from its start), unless it exits before (an exit 0 is a
/// completed job).
async fn settle<E: Engine>(
    engine: &E,
    monitor: &Monitor,
    name: &str,
    progress: &dyn Progress,
    id: &str,
    fresh: bool,
) -> Result<String, String> {
    let ran = if fresh {
        std::time::Duration::ZERO
    } else {
        let st = engine
            .inspect_container(name)
            .await
            .map_err(|e| e.message)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as i128;
        crate::clock::rfc3339_nanos(&st.started_at)
            .map(|t| std::time::Duration::from_nanos((now - t).clamp(0, i64::MAX as i128) as u64))
            .unwrap_or(SETTLE)
    };
    // an exit decides: 0 is a completed job, anything else fails the wait
    let watch = wait_on(
        engine,
        monitor,
        progress,
        id,
        name,
        &Wait::Completed,
        &Wait::Ready,
    );
    match tokio::time::timeout(SETTLE.saturating_sub(ran), watch).await {
        Ok(r) => r,
        Err(_) => Ok("Running".into()),
    }
}

enum Verdict {
    Done(String),
    Failed(String),
    Wait(String),
}

fn state_text(s: &Seen) -> String {
    match (s.status.as_str(), s.health.as_str()) {
        (st, "") => st.to_string(),
        (st, h) => format!("{st}, {h}"),
    }
}

fn is_wait(op: &Op) -> bool {
    matches!(
        op,
        Op::WaitHealthy { .. } | Op::WaitCompleted { .. } | Op::WaitReady { .. }
    )
}

/// Runs the plan, at most `limit` engine calls at a time (waits do not count: they only listen);
/// returns the warnings of optional steps that failed.
pub async fn run<E: Engine>(
    engine: &E,
    plan: &Plan,
    progress: &dyn Progress,
    monitor: &Monitor,
    limit: Option<usize>,
) -> Result<Vec<String>, ExecError> {
    let steps = &plan.steps;
    let mut waiting: Vec<usize> = steps.iter().map(|s| s.deps.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.deps {
            dependents[d].push(i);
        }
    }
    let mut ready: VecDeque<usize> = (0..steps.len()).filter(|&i| waiting[i] == 0).collect();
    let mut running = FuturesUnordered::new();
    let mut failure: Option<ExecError> = None;
    let mut warnings = Vec::new();
    let limit = limit.unwrap_or(usize::MAX).max(1);
    let mut calls = 0;
    loop {
        while failure.is_none() {
            // the next step the limit allows: a wait, or a call while there is room
            let Some(pos) = ready
                .iter()
                .position(|&i| is_wait(&steps[i].op) || calls < limit)
            else {
                break;
            };
            let i = ready.remove(pos).expect("a valid position");
            if !is_wait(&steps[i].op) {
                calls += 1;
            }
            running.push(step(engine, &steps[i], progress, monitor).map(move |r| (i, r)));
        }
        let Some((i, result)) = running.next().await else {
            break;
        };
        if !is_wait(&steps[i].op) {
            calls -= 1;
        }
        match result {
            Ok(()) => {}
            Err(e) if steps[i].optional => warnings.push(e.to_string()),
            Err(e) => {
                failure.get_or_insert(e);
                continue;
            }
        }
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push_back(d);
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(warnings),
    }
}

/// Makes the context tar (on a blocking thread: it reads the folder) and builds; the builder's
/// lines go out as messages prefixed with the service.
async fn build<E: Engine>(
    engine: &E,
    spec: &crate::build::BuildSpec,
    service: &str,
    progress: &dyn Progress,
) -> Result<String, EngineError> {
    use crate::build::{DockerfileSource, context};
    let (dir, dockerfile) = (spec.context.clone(), spec.dockerfile.clone());
    let (tar, name) = tokio::task::spawn_blocking(move || match &dockerfile {
        DockerfileSource::Path(p) => context::tar(&dir, context::Dockerfile::Path(p)),
        DockerfileSource::Inline(t) => context::tar(&dir, context::Dockerfile::Inline(t)),
    })
    .await
    .map_err(|e| EngineError::new(ErrorKind::Other, e.to_string()))?
    .map_err(|e| {
        EngineError::new(
            ErrorKind::Other,
            format!(
                "cannot read the build context {}: {e}",
                spec.context.display()
            ),
        )
    })?;
    let mut request = spec.request.clone();
    request.dockerfile = name;
    let output = |line: &str| progress.message(&format!("{service}  | {line}"));
    engine.build_image(request, tar, &output).await
}

fn fail(s: &Step, e: EngineError) -> ExecError {
    let hint = match (&s.op, e.kind) {
        (Op::StartContainer { .. }, _) if e.message.contains("port is already allocated") || e.message.contains("address already in use") => {
            Some("another container or program uses that host port: stop it or publish another port".into())
        }
        (Op::PullImage { .. }, _) => Some("check the image name and tag, and that the registry is reachable (`docker pull` shows the same error)".into()),
        (Op::PushImage { .. }, _) => Some("check that the registry is reachable and that you are logged in to it (`docker login`)".into()),
        (Op::CreateContainer { .. }, ErrorKind::NotFound) if e.message.contains("image") => {
            Some("the image is missing: pull or build it".into())
        }
        (_, ErrorKind::Unreachable) => Some("is the Docker Engine running? (`docker info`)".into()),
        _ => None,
    };
    ExecError {
        service: s.service.clone(),
        doing: s.op.to_string(),
        message: e.message,
        hint,
        unreachable: e.kind == ErrorKind::Unreachable,
    }
}

fn fail_wait(s: &Step, message: String) -> ExecError {
    ExecError {
        service: s.service.clone(),
        doing: s.op.to_string(),
        message,
        hint: None,
        unreachable: false,
    }
}

/// The progress words of an operation: (while working, when done).
fn words(s: &Step) -> (&'static str, &'static str) {
    let recreating = matches!(
        s.reason.as_str(),
        "config changed" | "image changed" | "forced" | "network missing"
    );
    match &s.op {
        Op::PullImage { .. } => ("Pulling", "Pulled"),
        Op::BuildImage { .. } => ("Building", "Built"),
        Op::TagImage { .. } => ("Tagging", "Tagged"),
        Op::PushImage { .. } => ("Pushing", "Pushed"),
        Op::RemoveImage { .. } => ("Removing", "Removed"),
        Op::CreateNetwork { .. } | Op::CreateVolume { .. } => ("Creating", "Created"),
        Op::RemoveNetwork { .. } | Op::RemoveVolume { .. } | Op::RemoveContainer { .. } => {
            ("Removing", "Removed")
        }
        Op::CreateContainer { .. } if recreating => ("Recreate", "Recreated"),
        Op::CreateContainer { .. } => ("Creating", "Created"),
        Op::StartContainer { .. } => ("Starting", "Started"),
        Op::StopContainer { .. } => ("Stopping", "Stopped"),
        Op::RestartContainer { .. } => ("Restarting", "Restarted"),
        Op::KillContainer { .. } => ("Killing", "Killed"),
        Op::PauseContainer { .. } => ("Pausing", "Paused"),
        Op::UnpauseContainer { .. } => ("Unpausing", "Unpaused"),
        Op::RenameContainer { .. } => ("Recreate", "Recreated"),
        Op::ConnectNetwork { .. } | Op::CopyFiles { .. } => ("Creating", "Created"),
        Op::WaitHealthy { .. } | Op::WaitCompleted { .. } | Op::WaitReady { .. } => {
            ("Waiting", "Healthy")
        }
    }
}

async fn step<E: Engine>(
    engine: &E,
    s: &Step,
    progress: &dyn Progress,
    monitor: &Monitor,
) -> Result<(), ExecError> {
    let id = s.op.resource();
    let (working, done) = words(s);
    let quiet_step = matches!(s.op, Op::ConnectNetwork { .. } | Op::CopyFiles { .. });
    if !quiet_step
        && !matches!(
            s.op,
            Op::WaitHealthy { .. } | Op::WaitCompleted { .. } | Op::WaitReady { .. }
        )
    {
        progress.event(Event::working(&id, working));
    }
    let result: Result<Option<String>, ExecError> = match &s.op {
        Op::PullImage { image } => {
            let report = |p: crate::engine::PullProgress| {
                let detail = if p.total > 0 {
                    format!(
                        "{} {} {}/{} MB",
                        p.layer,
                        p.status,
                        p.current >> 20,
                        p.total >> 20
                    )
                } else {
                    format!("{} {}", p.layer, p.status)
                };
                progress.event(Event::working(&id, "Pulling").detail(detail.trim().to_string()));
            };
            engine
                .pull_image(image, &report)
                .await
                .map(|_| None)
                .map_err(|e| fail(s, e))
        }
        Op::BuildImage { spec } => {
            let service = s.service.clone().unwrap_or_default();
            build(engine, spec, &service, progress)
                .await
                .map(|_| None)
                .map_err(|e| fail(s, e))
        }
        Op::TagImage { source, target } => engine
            .tag_image(source, target)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::PushImage { image } => {
            let report = |p: crate::engine::PullProgress| {
                let detail = if p.total > 0 {
                    format!("{} {}/{} MB", p.status, p.current >> 20, p.total >> 20)
                } else {
                    p.status
                };
                progress.event(Event::working(&id, "Pushing").detail(detail.trim().to_string()));
            };
            engine
                .push_image(image, &report)
                .await
                .map(|_| None)
                .map_err(|e| fail(s, e))
        }
        Op::RemoveImage { image } => engine
            .remove_image(image)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::CreateNetwork { spec } => engine
            .create_network((**spec).clone())
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::RemoveNetwork { name } => match engine.remove_network(name).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            r => r.map(|_| None).map_err(|e| fail(s, e)),
        },
        Op::CreateVolume { spec } => engine
            .create_volume((**spec).clone())
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::RemoveVolume { name } => match engine.remove_volume(name).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            r => r.map(|_| None).map_err(|e| fail(s, e)),
        },
        Op::CreateContainer { name, spec } => engine
            .create_container(name, spec.body.clone())
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::ConnectNetwork {
            container,
            network,
            endpoint,
        } => engine
            .connect_network(container, network, (**endpoint).clone())
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::CopyFiles {
            container,
            dir,
            tar,
        } => engine
            .upload(container, dir, tar.clone())
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::StartContainer { name } => engine
            .start_container(name)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::StopContainer { name, timeout } => match engine.stop_container(name, *timeout).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            r => r.map(|_| None).map_err(|e| fail(s, e)),
        },
        Op::RestartContainer { name, timeout } => engine
            .restart_container(name, *timeout)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::KillContainer { name, signal } => engine
            .kill_container(name, signal)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::PauseContainer { name } => engine
            .pause_container(name)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::UnpauseContainer { name } => engine
            .unpause_container(name)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::RemoveContainer {
            name,
            force,
            volumes,
        } => match engine.remove_container(name, *force, *volumes).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            r => r.map(|_| None).map_err(|e| fail(s, e)),
        },
        Op::RenameContainer { from, to } => engine
            .rename_container(from, to)
            .await
            .map(|_| None)
            .map_err(|e| fail(s, e)),
        Op::WaitHealthy { name } | Op::WaitCompleted { name } | Op::WaitReady { name } => {
            let wait = match &s.op {
                Op::WaitHealthy { .. } => Wait::Healthy,
                Op::WaitCompleted { .. } => Wait::Completed,
                _ => Wait::Ready,
            };
            let passed = wait_on(engine, monitor, progress, &id, name, &wait, &wait).await;
            let passed = match passed {
                // ready without a healthcheck: settled first; started by this plan (its start
                // is this step's dependency), the whole period from now, however late the
                // engine says it started
                Ok(r) if r == "Running" && wait == Wait::Ready => {
                    let fresh = !s.deps.is_empty();
                    settle(engine, monitor, name, progress, &id, fresh).await
                }
                other => other,
            };
            passed.map(Some).map_err(|m| fail_wait(s, m))
        }
    };
    match result {
        Ok(status) => {
            if !quiet_step {
                progress.event(Event::done(&id, status.as_deref().unwrap_or(done)));
            }
            Ok(())
        }
        Err(e) => {
            progress.event(Event::error(&id, &e.message));
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    //! The executor's ordering on a fake engine that records its calls (the engine features are
    //! tested on the real engine, in tests/engine).

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::engine::*;

    #[derive(Default)]
    struct Fake {
        log: Mutex<Vec<String>>,
        busy: AtomicUsize,
        most_busy: AtomicUsize,
        fail: Option<&'static str>,
    }

    impl Fake {
        async fn call(&self, what: String) -> Result<()> {
            let now = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_busy.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.busy.fetch_sub(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(what.clone());
            match self.fail {
                Some(f) if what == f => Err(EngineError::new(ErrorKind::Other, "boom")),
                _ => Ok(()),
            }
        }
    }

    impl Engine for Fake {
        fn api_version(&self) -> String {
            "1.41".into()
        }
        async fn list_containers(&self, _: Option<&str>, _: bool) -> Result<Vec<ContainerInfo>> {
            Ok(vec![])
        }
        async fn list_networks(&self, _: &str) -> Result<Vec<NetworkInfo>> {
            Ok(vec![])
        }
        async fn list_volumes(&self, _: &str) -> Result<Vec<VolumeInfo>> {
            Ok(vec![])
        }
        async fn find_network(&self, _: &str) -> Result<Option<NetworkInfo>> {
            Ok(None)
        }
        async fn find_volume(&self, _: &str) -> Result<Option<VolumeInfo>> {
            Ok(None)
        }
        async fn image_id(&self, _: &str) -> Result<Option<String>> {
            Ok(None)
        }
        async fn pull_image(
            &self,
            r: &str,
            _: &(dyn Fn(PullProgress) + Send + Sync),
        ) -> Result<()> {
            self.call(format!("pull {r}")).await
        }
        async fn remove_image(&self, r: &str) -> Result<()> {
            self.call(format!("rmi {r}")).await
        }
        async fn image_info(&self, _: &str) -> Result<Option<ImageInfo>> {
            Ok(None)
        }
        async fn build_image(
            &self,
            r: BuildRequest,
            _: Vec<u8>,
            _: &(dyn Fn(&str) + Send + Sync),
        ) -> Result<String> {
            self.call(format!("build {}", r.tag))
                .await
                .map(|_| String::new())
        }
        async fn tag_image(&self, s: &str, t: &str) -> Result<()> {
            self.call(format!("tag {s} {t}")).await
        }
        async fn push_image(
            &self,
            r: &str,
            _: &(dyn Fn(PullProgress) + Send + Sync),
        ) -> Result<()> {
            self.call(format!("push {r}")).await
        }
        async fn create_network(&self, s: NetworkCreateRequest) -> Result<String> {
            self.call(format!("create network {}", s.name))
                .await
                .map(|_| String::new())
        }
        async fn remove_network(&self, n: &str) -> Result<()> {
            self.call(format!("remove network {n}")).await
        }
        async fn create_volume(&self, _: VolumeCreateRequest) -> Result<()> {
            self.call("create volume".into()).await
        }
        async fn remove_volume(&self, n: &str) -> Result<()> {
            self.call(format!("remove volume {n}")).await
        }
        async fn create_container(&self, n: &str, _: ContainerCreateBody) -> Result<String> {
            self.call(format!("create {n}"))
                .await
                .map(|_| String::new())
        }
        async fn connect_network(&self, c: &str, n: &str, _: EndpointSettings) -> Result<()> {
            self.call(format!("connect {c} {n}")).await
        }
        async fn upload(&self, c: &str, _: &str, _: Vec<u8>) -> Result<()> {
            self.call(format!("upload {c}")).await
        }
        async fn start_container(&self, n: &str) -> Result<()> {
            self.call(format!("start {n}")).await
        }
        async fn stop_container(&self, n: &str, _: Option<i64>) -> Result<()> {
            self.call(format!("stop {n}")).await
        }
        async fn restart_container(&self, n: &str, _: Option<i64>) -> Result<()> {
            self.call(format!("restart {n}")).await
        }
        async fn kill_container(&self, n: &str, _: &str) -> Result<()> {
            self.call(format!("kill {n}")).await
        }
        async fn pause_container(&self, n: &str) -> Result<()> {
            self.call(format!("pause {n}")).await
        }
        async fn unpause_container(&self, n: &str) -> Result<()> {
            self.call(format!("unpause {n}")).await
        }
        async fn remove_container(&self, n: &str, _: bool, _: bool) -> Result<()> {
            self.call(format!("rm {n}")).await
        }
        async fn rename_container(&self, f: &str, t: &str) -> Result<()> {
            self.call(format!("rename {f} {t}")).await
        }
        async fn inspect_container(&self, n: &str) -> Result<ContainerState> {
            Ok(ContainerState {
                name: n.into(),
                status: "running".into(),
                health: "healthy".into(),
                ..Default::default()
            })
        }
        async fn wait_container(&self, _: &str) -> Result<i64> {
            Ok(0)
        }
        fn events(&self, _: &str) -> BoxStream<'static, Result<ContainerEvent>> {
            Box::pin(futures_util::stream::pending())
        }
        fn logs(&self, _: &str, _: LogOptions) -> BoxStream<'static, Result<LogChunk>> {
            Box::pin(futures_util::stream::empty())
        }
    }

    fn project(yaml: &str) -> crate::model::Project {
        let mut o = crate::load::Options::new("/tmp/p");
        o.files = vec!["-".into()];
        o.stdin = Some(yaml.into());
        o.project_name = Some("p".into());
        crate::load::load(&o).unwrap().project
    }

    fn plan(yaml: &str) -> Plan {
        let obs = crate::observe::Observed {
            api_version: "1.41".into(),
            ..Default::default()
        };
        crate::plan::up(&project(yaml), &obs, &Default::default()).unwrap()
    }

    const FLAT: &str = "services:\n  a: {image: x}\n  b: {image: x}\n  c: {image: x}\n  d:\n    image: x\n    depends_on:\n      a: {condition: service_healthy}\n";

    #[tokio::test]
    async fn independent_steps_run_together_and_dependents_wait() {
        let fake = Fake::default();
        let monitor = Monitor::start(&fake, "p");
        let plan = plan(FLAT);
        run(&fake, &plan, &crate::progress::Quiet, &monitor, None)
            .await
            .unwrap();
        let log = fake.log.lock().unwrap().clone();
        // the four creates run at once, after the network
        assert!(fake.most_busy.load(Ordering::SeqCst) >= 4, "{log:?}");
        let at = |s: &str| {
            log.iter()
                .position(|l| l == s)
                .unwrap_or_else(|| panic!("{s} in {log:?}"))
        };
        assert!(at("create network p_default") < at("create p-a-1"));
        assert!(at("create p-a-1") < at("start p-a-1"));
        assert!(
            at("start p-a-1") < at("start p-d-1"),
            "d waits for a to be healthy"
        );
    }

    #[tokio::test]
    async fn a_failure_stops_new_steps_and_names_the_service() {
        let fake = Fake {
            fail: Some("start p-a-1"),
            ..Default::default()
        };
        let monitor = Monitor::start(&fake, "p");
        let e = run(&fake, &plan(FLAT), &crate::progress::Quiet, &monitor, None)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "service `a`: start container p-a-1: boom");
        let log = fake.log.lock().unwrap().clone();
        assert!(!log.iter().any(|l| l == "start p-d-1"), "{log:?}");
    }

    #[tokio::test]
    async fn the_parallel_limit_is_honoured() {
        let fake = Fake::default();
        let monitor = Monitor::start(&fake, "p");
        run(
            &fake,
            &plan(FLAT),
            &crate::progress::Quiet,
            &monitor,
            Some(2),
        )
        .await
        .unwrap();
        assert_eq!(fake.most_busy.load(Ordering::SeqCst), 2);
    }
}
