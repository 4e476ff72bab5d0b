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

use crate::engine::{Engine, EngineError, ErrorKind};
use crate::plan::{Op, Plan, Step};
use crate::progress::{Event, Progress};

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

/// Runs the plan; returns the warnings of optional steps that failed.
pub async fn run<E: Engine>(
    engine: &E,
    plan: &Plan,
    progress: &dyn Progress,
    monitor: &Monitor,
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
    loop {
        while failure.is_none()
            && let Some(i) = ready.pop_front()
        {
            running.push(step(engine, &steps[i], progress, monitor).map(move |r| (i, r)));
        }
        let Some((i, result)) = running.next().await else {
            break;
        };
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

fn fail(s: &Step, e: EngineError) -> ExecError {
    let hint = match (&s.op, e.kind) {
        (Op::StartContainer { .. }, _) if e.message.contains("port is already allocated") || e.message.contains("address already in use") => {
            Some("another container or program uses that host port: stop it or publish another port".into())
        }
        (Op::PullImage { .. }, _) => Some("check the image name and tag, and that the registry is reachable (`docker pull` shows the same error)".into()),
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
        Op::WaitHealthy { name } => monitor
            .until(engine, name, progress, &id, |seen| {
                match (seen.status.as_str(), seen.health.as_str()) {
                    (_, "healthy") => Verdict::Done("Healthy".into()),
                    (_, "unhealthy") => Verdict::Failed(format!("container {name} is unhealthy")),
                    ("exited" | "dead" | "removed", _) => Verdict::Failed(format!(
                        "container {name} exited with code {} before it was healthy",
                        seen.exit_code.unwrap_or(-1)
                    )),
                    ("running", "") => Verdict::Failed(format!(
                        "container {name} has no healthcheck, so it cannot become healthy"
                    )),
                    _ => Verdict::Wait(format!("for {name} to be healthy ({})", state_text(seen))),
                }
            })
            .await
            .map(Some)
            .map_err(|m| fail_wait(s, m)),
        Op::WaitCompleted { name } => monitor
            .until(engine, name, progress, &id, |seen| {
                match (seen.status.as_str(), seen.exit_code) {
                    ("exited" | "dead", Some(0)) => Verdict::Done("Exited".into()),
                    ("exited" | "dead", Some(code)) => Verdict::Failed(format!(
                        "container {name} didn't complete successfully: exit {code}"
                    )),
                    ("removed", _) => Verdict::Failed(format!("container {name} was removed")),
                    _ => Verdict::Wait(format!("for {name} to complete ({})", state_text(seen))),
                }
            })
            .await
            .map(Some)
            .map_err(|m| fail_wait(s, m)),
        Op::WaitReady { name } => monitor
            .until(engine, name, progress, &id, |seen| {
                match (seen.status.as_str(), seen.health.as_str(), seen.exit_code) {
                    (_, "healthy", _) => Verdict::Done("Healthy".into()),
                    (_, "unhealthy", _) => {
                        Verdict::Failed(format!("container {name} is unhealthy"))
                    }
                    ("exited" | "dead", _, Some(0)) => Verdict::Done("Exited".into()),
                    ("exited" | "dead", _, code) => Verdict::Failed(format!(
                        "container {name} exited with code {}",
                        code.unwrap_or(-1)
                    )),
                    ("running", "", _) => Verdict::Done("Running".into()),
                    _ => Verdict::Wait(format!("({})", state_text(seen))),
                }
            })
            .await
            .map(Some)
            .map_err(|m| fail_wait(s, m)),
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
