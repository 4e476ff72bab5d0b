//! One step, one engine call: the call an [`Op`] names, its progress events in Compose's words
//! (`Creating`/`Created`, `Recreate`/`Recreated` for a replacement), and its failure with the
//! service, what rcompose was doing and a hint chosen by the kind of the engine's error.

use crate::engine::{
    BuildContext, BuildOutput, Builder, EngineError, ErrorKind, PullProgress, StepState,
};
use crate::plan::{Op, Step};
use crate::progress::{BuildEvent, BuildWhat, Event, Progress};
use crate::ready::Wait;

use super::{ExecError, Executor};
use super::{monitor, swarm};

/// The progress words of an operation: (while working, when done).
fn words(s: &Step) -> (&'static str, &'static str) {
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
        Op::CreateContainer { .. } if s.reason.is_recreate() => ("Recreate", "Recreated"),
        Op::CreateContainer { .. } => ("Creating", "Created"),
        Op::StartContainer { .. } => ("Starting", "Started"),
        Op::StopContainer { .. } => ("Stopping", "Stopped"),
        Op::RestartContainer { .. } => ("Restarting", "Restarted"),
        Op::KillContainer { .. } => ("Killing", "Killed"),
        Op::PauseContainer { .. } => ("Pausing", "Paused"),
        Op::UnpauseContainer { .. } => ("Unpausing", "Unpaused"),
        Op::RenameContainer { .. } => ("Recreate", "Recreated"),
        Op::ConnectNetwork { .. } | Op::CopyFiles { .. } => ("Creating", "Created"),
        Op::DisconnectNetwork { .. } => ("Stopping", "Stopped"),
        Op::WaitHealthy { .. } | Op::WaitCompleted { .. } | Op::WaitReady { .. } => {
            ("Waiting", "Healthy")
        }
        Op::CreateService { .. } | Op::CreateSecret { .. } | Op::CreateConfig { .. } => {
            ("Creating", "Created")
        }
        Op::UpdateService { .. } => ("Updating", "Updated"),
        Op::RemoveService { .. } | Op::RemoveSecret { .. } | Op::RemoveConfig { .. } => {
            ("Removing", "Removed")
        }
        Op::WaitService { .. } => ("Waiting", "Running"),
    }
}

/// The hint for a failed step, by what it did and what the engine said.
fn hint(op: &Op, kind: ErrorKind) -> Option<&'static str> {
    match (op, kind) {
        (Op::StartContainer { .. }, ErrorKind::PortInUse) => Some(
            "another container or program uses that host port: stop it or publish another port",
        ),
        (Op::PullImage { .. }, _) => Some(
            "check the image name and tag, and that the registry is reachable (`docker pull` shows the same error)",
        ),
        (Op::PushImage { .. }, _) => Some(
            "check that the registry is reachable and that you are logged in to it (`docker login`)",
        ),
        (Op::CreateContainer { .. }, ErrorKind::NoSuchImage) => {
            Some("the image is missing: pull or build it")
        }
        (_, ErrorKind::Unreachable) => Some("is the Docker Engine running? (`docker info`)"),
        _ => None,
    }
}

fn fail(s: &Step, e: EngineError) -> ExecError {
    ExecError {
        service: s.group.service().map(str::to_string),
        doing: s.op.to_string(),
        hint: hint(&s.op, e.kind).map(str::to_string),
        unreachable: e.kind == ErrorKind::Unreachable,
        changed: world_changed(&s.op, &e),
        message: e.message,
    }
}

/// Whether a refusal says that another client changed what the step acted on: a name taken
/// meanwhile (a conflict: a container made by a run that raced this one, a removal already in
/// progress, a network name that several networks share), or an object gone (removed by
/// another run; a missing image is no such change).
fn world_changed(op: &Op, e: &EngineError) -> bool {
    let pulls_or_builds = matches!(
        op,
        Op::PullImage { .. }
            | Op::BuildImage { .. }
            | Op::PushImage { .. }
            | Op::TagImage { .. }
            | Op::RemoveImage { .. }
    );
    matches!(e.kind, ErrorKind::Conflict | ErrorKind::NotFound) && !pulls_or_builds
}

/// A wait that cannot pass, with its service and what it waited for.
fn wait_failed(s: &Step, message: String) -> ExecError {
    ExecError {
        service: s.group.service().map(str::to_string),
        doing: s.op.to_string(),
        message,
        hint: None,
        unreachable: false,
        changed: false,
    }
}

/// A removal of something already gone is done.
fn gone_is_done(r: crate::engine::Result<()>) -> crate::engine::Result<()> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        r => r,
    }
}

/// How a pull or push reports a layer: `abc123 Downloading 3/10 MB`.
fn layer_detail(p: &PullProgress, with_layer: bool) -> String {
    let status = if with_layer {
        format!("{} {}", p.layer, p.status)
    } else {
        p.status.clone()
    };
    let detail = if p.total > 0 {
        format!("{status} {}/{} MB", p.current >> 20, p.total >> 20)
    } else {
        status
    };
    detail.trim().to_string()
}

impl<E: crate::engine::Engine> Executor<'_, E> {
    /// Runs one step with its progress events.
    pub(super) async fn step(&self, s: &Step) -> Result<(), ExecError> {
        let id = s.op.resource();
        let (working, done) = words(s);
        let quiet_step = matches!(
            s.op,
            Op::ConnectNetwork { .. } | Op::DisconnectNetwork { .. } | Op::CopyFiles { .. }
        );
        if !quiet_step && !s.op.is_wait() {
            self.progress.event(Event::working(&id, working));
        }
        let work = async {
            match &s.op {
                Op::WaitHealthy { name } | Op::WaitCompleted { name } | Op::WaitReady { name } => {
                    let wait = match &s.op {
                        Op::WaitHealthy { .. } => Wait::Healthy,
                        Op::WaitCompleted { .. } => Wait::Completed,
                        _ => Wait::Ready,
                    };
                    // a wait after this plan's start of the container settles from now, however
                    // late the engine says it started
                    let fresh = !s.deps.is_empty();
                    let (engine, monitor) = (self.engine, self.monitor);
                    monitor::wait(engine, monitor, self.progress, &id, name, &wait, fresh)
                        .await
                        .map(|passed| passed.status())
                        .map_err(|e| match e {
                            monitor::WaitError::Failed(message) => wait_failed(s, message),
                            monitor::WaitError::Engine(e) => fail(s, e),
                        })
                }
                Op::WaitService {
                    name,
                    until,
                    id: service_id,
                } => swarm::wait_service(self.engine, self.progress, &id, name, service_id, *until)
                    .await
                    .map_err(|message| wait_failed(s, message)),
                op => self
                    .call(s, op, &id)
                    .await
                    .map(|()| done)
                    .map_err(|e| fail(s, e)),
            }
        };
        // waits, builds and pulls end at once when interrupted; other calls finish
        let abandoned =
            s.op.is_wait() || matches!(s.op, Op::BuildImage { .. } | Op::PullImage { .. });
        let result = if abandoned {
            tokio::select! {
                r = work => r,
                _ = self.interrupt.wait() => Err(ExecError {
                    service: s.group.service().map(str::to_string),
                    doing: s.op.to_string(),
                    message: "interrupted".into(),
                    ..Default::default()
                }),
            }
        } else {
            work.await
        };
        match result {
            Ok(status) => {
                if !quiet_step {
                    self.progress.event(Event::done(&id, status));
                }
                Ok(())
            }
            Err(e) => {
                self.progress.event(Event::error(&id, &e.message));
                Err(e)
            }
        }
    }

    /// The engine call of an operation (waits aside).
    async fn call(&self, s: &Step, op: &Op, id: &str) -> crate::engine::Result<()> {
        let engine = self.engine;
        match op {
            Op::PullImage { image } => {
                let report = |p: PullProgress| {
                    let e = Event::working(id, "Pulling").detail(layer_detail(&p, true));
                    self.progress.event(e);
                };
                engine.pull_image(image, &report).await
            }
            Op::BuildImage { spec } => {
                let service = s.group.service().unwrap_or_default();
                self.build(spec, service, id).await.map(|_| ())
            }
            Op::TagImage { source, target } => engine.tag_image(source, target).await,
            Op::PushImage { image } => {
                let report = |p: PullProgress| {
                    let e = Event::working(id, "Pushing").detail(layer_detail(&p, false));
                    self.progress.event(e);
                };
                engine.push_image(image, &report).await
            }
            Op::RemoveImage { image } => engine.remove_image(image).await,
            Op::CreateNetwork { spec } => engine.create_network((**spec).clone()).await.map(|_| ()),
            Op::RemoveNetwork { name, id } => {
                let which = if id.is_empty() { name } else { id };
                gone_is_done(engine.remove_network(which).await)
            }
            Op::CreateVolume { spec } => engine.create_volume((**spec).clone()).await,
            Op::RemoveVolume { name } => gone_is_done(engine.remove_volume(name).await),
            Op::CreateContainer { name, spec } => engine
                .create_container(name, spec.body.clone())
                .await
                .map(|_| ()),
            Op::ConnectNetwork {
                container,
                network,
                endpoint,
            } => {
                let endpoint = (**endpoint).clone();
                engine.connect_network(container, network, endpoint).await
            }
            Op::DisconnectNetwork { container, id, .. } => {
                gone_is_done(engine.disconnect_network(container, id).await)
            }
            Op::CopyFiles {
                container,
                dir,
                tar,
            } => engine.upload(container, dir, tar.clone()).await,
            Op::StartContainer { name } => engine.start_container(name).await,
            Op::StopContainer { name, timeout } => {
                gone_is_done(engine.stop_container(name, *timeout).await)
            }
            Op::RestartContainer { name, timeout } => {
                engine.restart_container(name, *timeout).await
            }
            Op::KillContainer { name, signal } => engine.kill_container(name, signal).await,
            Op::PauseContainer { name } => engine.pause_container(name).await,
            Op::UnpauseContainer { name } => engine.unpause_container(name).await,
            Op::RemoveContainer {
                name,
                force,
                volumes,
            } => gone_is_done(engine.remove_container(name, *force, *volumes).await),
            Op::RenameContainer { from, to } => engine.rename_container(from, to).await,
            Op::CreateService { spec, auth, .. } => engine
                .create_service((**spec).clone(), *auth)
                .await
                .map(|_| ()),
            Op::UpdateService {
                id,
                version,
                spec,
                auth,
                ..
            } => {
                let warnings = engine
                    .update_service(id, *version, (**spec).clone(), *auth)
                    .await?;
                for w in warnings {
                    self.progress.message(&format!("warning: {w}"));
                }
                Ok(())
            }
            Op::RemoveService { id, .. } => gone_is_done(engine.remove_service(id).await),
            Op::CreateSecret { spec } => engine.create_secret((**spec).clone()).await.map(|_| ()),
            Op::RemoveSecret { id, .. } => gone_is_done(engine.remove_secret(id).await),
            Op::CreateConfig { spec } => engine.create_config((**spec).clone()).await.map(|_| ()),
            Op::RemoveConfig { id, .. } => gone_is_done(engine.remove_config(id).await),
            Op::WaitHealthy { .. }
            | Op::WaitCompleted { .. }
            | Op::WaitReady { .. }
            | Op::WaitService { .. } => Ok(()),
        }
    }

    /// Builds with the context as the builder takes it (the classic builder a tar, made on a
    /// blocking thread; BuildKit the folder, read through the session): the classic builder's
    /// lines go out as messages prefixed with the service, BuildKit's steps as build events; a
    /// failed step's error names its stage, its Dockerfile line and shows its last output.
    async fn build(
        &self,
        spec: &crate::build::BuildSpec,
        service: &str,
        id: &str,
    ) -> Result<String, EngineError> {
        use crate::build::DockerfileSource;
        use crate::engine::context::{self, Dockerfile};
        let (dir, source, text) = (spec.context.clone(), spec.dockerfile.clone(), &spec.text);
        let dockerfile = match &source {
            DockerfileSource::Path(p) => Dockerfile::Path(p),
            DockerfileSource::Inline(t) => Dockerfile::Inline(t),
        };
        let (context, name) = match spec.request.builder {
            Builder::BuildKit => {
                let local = context::Local::new(&dir, dockerfile, text);
                let name = local.name.clone();
                (BuildContext::Local(std::sync::Arc::new(local)), name)
            }
            Builder::Classic => {
                let made = tokio::task::spawn_blocking(move || match &source {
                    DockerfileSource::Path(p) => context::tar(&dir, Dockerfile::Path(p)),
                    DockerfileSource::Inline(t) => context::tar(&dir, Dockerfile::Inline(t)),
                });
                let (tar, name) = made
                    .await
                    .map_err(|e| EngineError::new(ErrorKind::Other, e.to_string()))?
                    .map_err(|e| {
                        let context = spec.context.display();
                        let message = format!("cannot read the build context {context}: {e}");
                        EngineError::new(ErrorKind::Other, message)
                    })?;
                (BuildContext::Tar(tar), name)
            }
        };
        let mut request = spec.request.clone();
        request.dockerfile = name;
        let progress: &dyn Progress = self.progress;
        let log = std::sync::Mutex::new(BuildLog::default());
        let output = |o: BuildOutput| {
            let event = log.lock().expect("build log").take(o);
            match event {
                Some(Ok(what)) => progress.build(what.into_event(id, service)),
                Some(Err(line)) => progress.message(&format!("{service}  | {line}")),
                None => {}
            }
        };
        let result = self.engine.build_image(request, context, &output).await;
        result.map_err(|e| {
            let file = match &spec.dockerfile {
                DockerfileSource::Path(p) => p.clone(),
                DockerfileSource::Inline(_) => "dockerfile_inline".into(),
            };
            let log = log.into_inner().expect("build log");
            EngineError::new(e.kind, log.failure(&e.message, &file, &spec.text))
        })
    }
}

/// Step numbers unique in the run (each build numbers its own from 1).
static STEP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many output lines of a failed step its error shows.
const LAST_LINES: usize = 10;

/// What one BuildKit build said: its steps' names and numbers, their last output lines, and
/// the step that failed.
#[derive(Default)]
struct BuildLog {
    /// The build's own number → (the run's number, the step's name).
    steps: std::collections::HashMap<usize, (usize, String)>,
    output: std::collections::HashMap<usize, std::collections::VecDeque<String>>,
    failed: Option<(usize, String)>,
}

/// A build event without its build.
struct Said {
    number: usize,
    name: String,
    what: BuildWhat,
}

impl Said {
    fn into_event(self, id: &str, service: &str) -> BuildEvent {
        BuildEvent {
            id: id.into(),
            service: service.into(),
            number: self.number,
            name: self.name,
            what: self.what,
        }
    }
}

impl BuildLog {
    /// Records an output; what to show: a build event, or a classic builder's line.
    fn take(&mut self, o: BuildOutput) -> Option<Result<Said, String>> {
        let (own, what) = match o {
            BuildOutput::Line(line) => return Some(Err(line)),
            BuildOutput::Step(step) => {
                self.steps.entry(step.number).or_insert_with(|| {
                    let n = STEP.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    (n, step.name.clone())
                });
                let what = match step.state {
                    StepState::Started => BuildWhat::Started,
                    StepState::Cached => BuildWhat::Cached,
                    StepState::Done(s) => BuildWhat::Done(s),
                    StepState::Error(e) => {
                        self.failed = Some((step.number, e.clone()));
                        BuildWhat::Error(e)
                    }
                };
                (step.number, what)
            }
            BuildOutput::Log { number, text } => {
                let lines = self.output.entry(number).or_default();
                lines.push_back(text.clone());
                if lines.len() > LAST_LINES {
                    lines.pop_front();
                }
                (number, BuildWhat::Output(text))
            }
        };
        // output of a step not yet named is kept for its error, not shown
        let (number, name) = self.steps.get(&own)?.clone();
        Some(Ok(Said { number, name, what }))
    }

    /// The error of a failed build: the failed step, where it is in the Dockerfile (`file`,
    /// whose text is `text`), the engine's words, and the step's last output lines.
    fn failure(&self, engine: &str, file: &str, text: &str) -> String {
        let Some((own, error)) = &self.failed else {
            return engine.to_string();
        };
        let name = self
            .steps
            .get(own)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let lines: Vec<String> = self
            .output
            .get(own)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default();
        crate::build::failure(&name, error, file, text, &lines)
    }
}
