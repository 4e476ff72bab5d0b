//! The executor's waits on Swarm services: a service's tasks polled until they run (healthy,
//! when it has a healthcheck: Swarm runs a task once it is), its job completed, or its tasks
//! gone; the counts in the progress, each task's failure said once as it happens (no suitable
//! node, an image a node cannot pull, a crash with its exit code and last lines), and a paused
//! or rolled-back update failing the wait. Swarm has no event for a task on another node, so
//! this is a poll, every quarter of a second.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::StreamExt;

use crate::engine::{Engine, NodeState, SwarmService, SwarmTask, TaskState, UpdateState};
use crate::plan::stack::Until;
use crate::progress::{Event, Progress};

const POLL: Duration = Duration::from_millis(250);

/// Task states that will not run again.
fn ended(t: &SwarmTask) -> bool {
    use TaskState as S;
    matches!(
        t.state,
        S::FAILED | S::REJECTED | S::SHUTDOWN | S::ORPHANED | S::REMOVE
    )
}

/// What went wrong with a task, in a line (`None` while nothing did).
fn trouble(t: &SwarmTask) -> Option<String> {
    let code = match t.exit_code {
        Some(c) if c != 0 => format!(" (exit code {c})"),
        _ => String::new(),
    };
    use TaskState as S;
    match t.state {
        S::FAILED | S::REJECTED => {
            Some(format!("{}: {}{code}", t.state, first(&t.err, &t.message)))
        }
        // waiting to be placed, or for an image a node cannot get
        S::PENDING | S::ASSIGNED | S::PREPARING if !t.err.is_empty() => {
            Some(format!("{}: {}", t.state, t.err))
        }
        _ => None,
    }
}

fn first<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// The last lines a service printed, indented.
async fn last_lines<E: Engine>(engine: &E, service: &str) -> String {
    let mut logs = engine.service_logs(service, 5);
    let mut text = Vec::new();
    while let Some(Ok(chunk)) = logs.next().await {
        text.extend_from_slice(&chunk.text);
    }
    String::from_utf8_lossy(&text)
        .lines()
        .map(|l| format!("\n    {l}"))
        .collect()
}

/// Waits for service `name` (`id` for a removed one) as `until` says; the progress status
/// when it passed, or why it cannot.
pub async fn wait_service<E: Engine>(
    engine: &E,
    progress: &dyn Progress,
    event: &str,
    name: &str,
    id: &str,
    until: Until,
) -> Result<&'static str, String> {
    let mut said: BTreeSet<String> = BTreeSet::new();
    // failed tasks: those there before the wait, and those since
    let mut known_failed: Option<BTreeSet<String>> = None;
    let mut new_failed: BTreeSet<String> = BTreeSet::new();
    let mut last_detail = String::new();
    loop {
        let (done, detail) = match until {
            Until::Gone => {
                let (tasks, nodes) =
                    futures_util::try_join!(engine.list_tasks(None, None), engine.list_nodes())
                        .map_err(|e| e.message)?;
                // a node that is down cannot say its tasks stopped: they are gone with it
                let up: BTreeSet<&String> = nodes
                    .iter()
                    .filter(|n| n.state == NodeState::READY)
                    .map(|n| &n.id)
                    .collect();
                let left = tasks
                    .iter()
                    .filter(|t| t.service_id == id && !ended(t))
                    .filter(|t| t.node_id.is_empty() || up.contains(&t.node_id))
                    .count();
                (left == 0, format!("{left} task(s) stopping"))
            }
            _ => {
                let services = engine.list_services(None).await.map_err(|e| e.message)?;
                let Some(s) = services.into_iter().find(|s| s.name == name) else {
                    return Err(format!("service {name} is gone"));
                };
                failed_update(&s)?;
                let (tasks, nodes) = futures_util::try_join!(
                    engine.list_tasks(Some(&s.id), None),
                    engine.list_nodes(),
                )
                .map_err(|e| e.message)?;
                // a task on a node that is down still says it runs: the swarm moves it
                let down: BTreeMap<&String, &String> = nodes
                    .iter()
                    .filter(|n| n.state != NodeState::READY)
                    .map(|n| (&n.id, &n.hostname))
                    .collect();
                let (lost, tasks): (Vec<SwarmTask>, Vec<SwarmTask>) = tasks
                    .into_iter()
                    .partition(|t| down.contains_key(&t.node_id));
                // (the swarm gives it desired state shutdown as it sees the node down)
                for t in lost.iter().filter(|t| !ended(t)) {
                    if said.insert(format!("{}down", t.id)) {
                        let slot = t.slot.map(|n| format!(".{n}")).unwrap_or_default();
                        let node = down[&t.node_id];
                        progress.message(&format!(
                            "service {name}: task {name}{slot} is on node {node}, which is down: the swarm moves it to another node"
                        ));
                    }
                }
                for t in &tasks {
                    let Some(what) = trouble(t) else { continue };
                    if said.insert(format!("{}{}", t.id, t.state)) {
                        let slot = t.slot.map(|n| format!(".{n}")).unwrap_or_default();
                        let mut line = format!("service {name}: task {name}{slot}: {what}");
                        if t.exit_code.is_some_and(|c| c != 0) {
                            line += &last_lines(engine, &s.id).await;
                        }
                        progress.message(&line);
                    }
                }
                let (done, detail) = converged(&s, &tasks, until);
                let failed = tasks
                    .iter()
                    .filter(|t| t.state == TaskState::FAILED)
                    .map(|t| t.id.clone());
                match &known_failed {
                    None => known_failed = Some(failed.collect()),
                    Some(known) => new_failed.extend(failed.filter(|id| !known.contains(id))),
                }
                if !done {
                    given_up(&s, &tasks, new_failed.len())?;
                }
                (done, detail)
            }
        };
        if done {
            return Ok(match until {
                Until::Running => "Running",
                Until::Complete => "Completed",
                Until::Gone => "Removed",
            });
        }
        if detail != last_detail {
            progress.event(Event::working(event, "Waiting").detail(detail.clone()));
            last_detail = detail;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How many failures in a row, during one wait, make a crash loop.
const CRASH_LOOP: usize = 3;

/// A service that will not get there: a task failed and its restart policy says no more, or
/// its tasks failed [`CRASH_LOOP`] times during the wait.
fn given_up(s: &SwarmService, tasks: &[SwarmTask], failed_since: usize) -> Result<(), String> {
    use bollard::models::TaskSpecRestartPolicyConditionEnum as C;
    let policy = s
        .spec
        .task_template
        .as_ref()
        .and_then(|t| t.restart_policy.as_ref());
    let no_restart = policy.is_some_and(|p| p.condition == Some(C::NONE));
    let last = tasks
        .iter()
        .filter(|t| t.state == TaskState::FAILED)
        .max_by(|a, b| a.timestamp.cmp(&b.timestamp));
    let Some(last) = last else { return Ok(()) };
    let why = trouble(last).unwrap_or_default();
    // a failed task the orchestrator still counts (an older version's has desired shutdown)
    let counted = |t: &&SwarmTask| {
        t.state == TaskState::FAILED
            && matches!(t.desired, TaskState::RUNNING | TaskState::COMPLETE)
    };
    if no_restart && tasks.iter().any(|t| counted(&t)) {
        return Err(format!(
            "service {}: a task {why}, and its restart policy (condition: none) does not run it again",
            s.name
        ));
    }
    if failed_since >= CRASH_LOOP {
        return Err(format!(
            "service {}: its tasks failed {failed_since} times while waiting (a crash loop); the last {why}",
            s.name
        ));
    }
    Ok(())
}

/// A paused or rolled-back update: the deploy cannot converge.
fn failed_update(s: &SwarmService) -> Result<(), String> {
    let why = |what: &str| {
        let msg = &s.update_message;
        Err(format!("the update of service {} {what}: {msg}", s.name))
    };
    match s.update_state {
        Some(UpdateState::PAUSED | UpdateState::ROLLBACK_PAUSED) => why("paused"),
        Some(UpdateState::ROLLBACK_COMPLETED) => why("was rolled back"),
        _ => Ok(()),
    }
}

/// Whether the service's tasks are where `until` wants them, and its counts in words.
fn converged(s: &SwarmService, tasks: &[SwarmTask], until: Until) -> (bool, String) {
    use TaskState as S;
    let updating = matches!(
        s.update_state,
        Some(UpdateState::UPDATING | UpdateState::ROLLBACK_STARTED)
    );
    // a task of an earlier spec still runs while the orchestrator has not begun the update
    // (it says "updating" only once it has): it does not count
    // (the engine fills the service's `Runtime` in, not the task's)
    let without_runtime = |spec: &bollard::models::TaskSpec| bollard::models::TaskSpec {
        runtime: None,
        ..spec.clone()
    };
    let template = s.spec.task_template.as_ref().map(without_runtime);
    let of_this_spec = |t: &&SwarmTask| match (&t.spec, &template) {
        (Some(made_from), Some(template)) => without_runtime(made_from) == *template,
        _ => true,
    };
    let current: Vec<&SwarmTask> = tasks
        .iter()
        .filter(|t| matches!(t.desired, S::RUNNING | S::COMPLETE) || t.state == S::COMPLETE)
        .filter(of_this_spec)
        .collect();
    match until {
        Until::Complete => {
            let total = s.replicas().unwrap_or(current.len().max(1) as u64);
            let done = tasks.iter().filter(|t| t.state == S::COMPLETE).count() as u64;
            (done >= total, format!("{done}/{total} completed"))
        }
        _ => {
            let running = current.iter().filter(|t| t.state == S::RUNNING).count() as u64;
            let want = match s.replicas() {
                Some(n) => n,
                None => current.len() as u64,
            };
            let detail = format!("{running}/{want} running");
            (
                !updating && running >= want && (want > 0 || !s.is_global()),
                detail,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState as S;

    fn task(state: TaskState, desired: TaskState) -> SwarmTask {
        SwarmTask {
            state,
            desired,
            ..Default::default()
        }
    }

    #[test]
    fn counts_decide_and_troubles_are_worded() {
        let s: SwarmService = SwarmService {
            spec: serde_json::from_value(
                serde_json::json!({"Mode": {"Replicated": {"Replicas": 2}}}),
            )
            .unwrap(),
            ..Default::default()
        };
        let one = [task(S::RUNNING, S::RUNNING), task(S::STARTING, S::RUNNING)];
        assert_eq!(
            converged(&s, &one, Until::Running),
            (false, "1/2 running".into())
        );
        let two = [
            task(S::RUNNING, S::RUNNING),
            task(S::RUNNING, S::RUNNING),
            task(S::SHUTDOWN, S::SHUTDOWN),
        ];
        assert_eq!(
            converged(&s, &two, Until::Running),
            (true, "2/2 running".into())
        );
        // a task of the spec before an update that has not begun yet does not count
        let template = bollard::models::TaskSpec {
            force_update: Some(1),
            ..Default::default()
        };
        let mut updated = s.clone();
        updated.spec.task_template = Some(template.clone());
        let mut old = task(S::RUNNING, S::RUNNING);
        old.spec = Some(Default::default());
        let mut new = task(S::RUNNING, S::RUNNING);
        new.spec = Some(bollard::models::TaskSpec {
            runtime: Some("container".into()),
            ..template
        });
        assert_eq!(
            converged(&updated, &[old.clone(), old.clone()], Until::Running),
            (false, "0/2 running".into())
        );
        assert!(converged(&updated, &[new.clone(), new], Until::Running).0);
        let updating = SwarmService {
            update_state: Some(UpdateState::UPDATING),
            ..s.clone()
        };
        assert!(!converged(&updating, &two, Until::Running).0);
        let mut crashed = task(S::FAILED, S::SHUTDOWN);
        crashed.err = "task: non-zero exit (3)".into();
        crashed.exit_code = Some(3);
        assert_eq!(
            trouble(&crashed).unwrap(),
            "failed: task: non-zero exit (3) (exit code 3)"
        );
        let mut pending = task(S::PENDING, S::RUNNING);
        pending.err = "no suitable node (scheduling constraints not satisfied on 3 nodes)".into();
        assert!(
            trouble(&pending)
                .unwrap()
                .starts_with("pending: no suitable node")
        );
        let rolled = SwarmService {
            update_state: Some(UpdateState::ROLLBACK_COMPLETED),
            update_message: "update rolled back due to failure".into(),
            ..s
        };
        assert!(
            failed_update(&rolled)
                .unwrap_err()
                .contains("was rolled back")
        );
    }
}
