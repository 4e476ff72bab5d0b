//! The executor's waits: a [`Monitor`] follows the project's container events and wakes the
//! waits (healthy, completed, ready) whenever something changed; each wait decides with
//! [`ready::judge`] and says in the progress why it still waits. When the event stream breaks
//! (the engine stopped answering), every wait ends with the engine's error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::engine::{Action, ContainerState, Engine, EngineError, ErrorKind, Health, Status};
use crate::progress::{Event, Progress};
use crate::ready::{self, Wait, Why};

/// Follows the project's container events and tells waiters when something changed.
pub struct Monitor {
    seen: Arc<Mutex<HashMap<String, ContainerState>>>,
    changed: Arc<Notify>,
    /// Why the events stopped coming, once they did.
    lost: Arc<Mutex<Option<EngineError>>>,
    task: tokio::task::JoinHandle<()>,
}

/// Why a wait did not pass.
#[derive(Debug)]
pub enum WaitError {
    /// The container will not get there (in Compose's words).
    Failed(String),
    /// The engine could not be asked, or stopped answering.
    Engine(EngineError),
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What an event says about a container's state.
fn apply(state: &mut ContainerState, action: &Action, exit_code: Option<i64>) {
    match action {
        // health is left alone: the engine reports its changes itself, and a late `start` must
        // not undo a newer `healthy`
        Action::Start | Action::Restart | Action::Unpause => {
            state.status = Status::Running;
            state.exit_code = -1;
        }
        Action::Die => {
            state.status = Status::Exited;
            state.exit_code = exit_code.unwrap_or(-1);
        }
        Action::Destroy => state.status = Status::Removed,
        Action::Pause => state.status = Status::Paused,
        Action::Health(h) => state.health = h.clone(),
        Action::Create | Action::Other(_) => {}
    }
}

impl Monitor {
    /// Subscribes to the project's container events; call it before starting containers.
    pub fn start<E: Engine>(engine: &E, project: &str) -> Monitor {
        let seen: Arc<Mutex<HashMap<String, ContainerState>>> = Arc::default();
        let changed = Arc::new(Notify::new());
        let lost: Arc<Mutex<Option<EngineError>>> = Arc::default();
        let mut events = engine.events(project);
        let (s, c, l) = (seen.clone(), changed.clone(), lost.clone());
        let task = tokio::spawn(async move {
            let why = loop {
                match events.next().await {
                    Some(Ok(e)) => {
                        let mut map = s.lock().expect("monitor lock");
                        let entry = map.entry(e.name.clone()).or_insert_with(|| ContainerState {
                            exit_code: -1,
                            ..Default::default()
                        });
                        apply(entry, &e.action, e.exit_code);
                    }
                    Some(Err(e)) => break e,
                    // the stream of a live engine never ends
                    None => {
                        break EngineError::new(
                            ErrorKind::Unreachable,
                            "the Docker Engine stopped answering (its event stream ended)",
                        );
                    }
                }
                c.notify_waiters();
            };
            *l.lock().expect("monitor lock") = Some(why);
            c.notify_waiters();
        });
        Monitor {
            seen,
            changed,
            lost,
            task,
        }
    }

    fn get(&self, name: &str) -> ContainerState {
        let map = self.seen.lock().expect("monitor lock");
        map.get(name).cloned().unwrap_or(ContainerState {
            exit_code: -1,
            ..Default::default()
        })
    }

    /// Records an inspection: taken after subscribing, it is the state; later events update it.
    fn record(&self, name: &str, st: &ContainerState) {
        let state = ContainerState {
            status: st.status.clone(),
            health: st.health.clone(),
            exit_code: if st.status.is_stopped() {
                st.exit_code
            } else {
                -1
            },
            ..Default::default()
        };
        let mut map = self.seen.lock().expect("monitor lock");
        map.insert(name.to_string(), state);
    }

    /// Waits until `decide` says done or failed, re-deciding on every event about anything.
    async fn until<E: Engine>(
        &self,
        engine: &E,
        name: &str,
        progress: &dyn Progress,
        id: &str,
        decide: impl Fn(&ContainerState) -> Verdict,
    ) -> Result<Passed, WaitError> {
        let st = engine
            .inspect_container(name)
            .await
            .map_err(WaitError::Engine)?;
        self.record(name, &st);
        let mut last_detail = String::new();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match decide(&self.get(name)) {
                Verdict::Done(passed) => return Ok(passed),
                Verdict::Failed(msg) => return Err(WaitError::Failed(msg)),
                Verdict::Wait(_) if self.lost.lock().expect("monitor lock").is_some() => {
                    let lost = self.lost.lock().expect("monitor lock").clone();
                    return Err(WaitError::Engine(lost.expect("checked")));
                }
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

/// How a wait passed; its progress status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Healthy,
    Exited,
    Running,
}

impl Passed {
    pub fn status(self) -> &'static str {
        match self {
            Passed::Healthy => "Healthy",
            Passed::Exited => "Exited",
            Passed::Running => "Running",
        }
    }

    fn of(st: &ContainerState) -> Passed {
        match (&st.status, &st.health) {
            (_, Health::Healthy) => Passed::Healthy,
            (s, _) if s.is_stopped() => Passed::Exited,
            _ => Passed::Running,
        }
    }
}

enum Verdict {
    Done(Passed),
    Failed(String),
    Wait(String),
}

/// How long a container without a healthcheck must have run before `--wait` counts it ready:
/// the reference first looks after 0.5 s, so a container that fails at once fails both.
const SETTLE: Duration = Duration::from_millis(500);

/// Waits until container `name` meets `wait`; a container without a healthcheck that the wait
/// finds running must then settle ([`SETTLE`]; from now when `fresh`ly started by the plan).
pub async fn wait<E: Engine>(
    engine: &E,
    monitor: &Monitor,
    progress: &dyn Progress,
    id: &str,
    name: &str,
    wait: &Wait,
    fresh: bool,
) -> Result<Passed, WaitError> {
    match wait_on(engine, monitor, progress, id, name, wait, wait).await {
        Ok(Passed::Running) if *wait == Wait::Ready => {
            settle(engine, monitor, name, progress, id, fresh).await
        }
        other => other,
    }
}

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
) -> Result<Passed, WaitError> {
    monitor
        .until(engine, name, progress, id, |st| {
            match ready::judge(judged, st) {
                ready::Verdict::Done => Verdict::Done(Passed::of(st)),
                ready::Verdict::Failed(why) => Verdict::Failed(failure(worded, name, why)),
                ready::Verdict::Pending => Verdict::Wait(match worded {
                    Wait::Healthy => format!("for {name} to be healthy ({})", state_text(st)),
                    Wait::Completed => format!("for {name} to complete ({})", state_text(st)),
                    _ => format!("({})", state_text(st)),
                }),
            }
        })
        .await
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
) -> Result<Passed, WaitError> {
    let ran = if fresh {
        Duration::ZERO
    } else {
        let st = engine
            .inspect_container(name)
            .await
            .map_err(WaitError::Engine)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as i128;
        crate::clock::rfc3339_nanos(&st.started_at)
            .map(|t| Duration::from_nanos((now - t).clamp(0, i64::MAX as i128) as u64))
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
        Err(_) => Ok(Passed::Running),
    }
}

/// `running, healthy`, `exited`: the state a wait shows while it waits.
fn state_text(st: &ContainerState) -> String {
    match &st.health {
        Health::Unset => st.status.to_string(),
        h => format!("{}, {h}", st.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_move_the_state() {
        let mut st = ContainerState::default();
        apply(&mut st, &Action::Start, None);
        assert_eq!((st.status.clone(), st.exit_code), (Status::Running, -1));
        apply(&mut st, &Action::Health(Health::Healthy), None);
        assert_eq!(Passed::of(&st), Passed::Healthy);
        apply(&mut st, &Action::Die, Some(3));
        assert_eq!((st.status.clone(), st.exit_code), (Status::Exited, 3));
        assert_eq!(state_text(&st), "exited, healthy");
        apply(&mut st, &Action::Destroy, None);
        assert_eq!(st.status, Status::Removed);
    }
}
