//! Walks a plan on tokio: every step whose dependencies are done runs at once (at most the
//! parallel limit of engine calls; waits only listen), and nothing is decided here — each step
//! is one call (`ops`), the waits follow the engine's event stream (`monitor`) or, for Swarm
//! services, poll their tasks (`swarm`). A failure stops
//! new steps, lets running ones finish, and names the service and what rcompose was doing.

mod monitor;
mod ops;
mod swarm;

use std::collections::VecDeque;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};

use crate::engine::Engine;
use crate::plan::Plan;
use crate::progress::Progress;

pub use monitor::Monitor;

/// A step that failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecError {
    /// The service the step worked for (none for the project's networks and volumes).
    pub service: Option<String>,
    /// What rcompose was doing: `start container p-web-1`.
    pub doing: String,
    /// The engine's words.
    pub message: String,
    /// What to do about it, where rcompose knows.
    pub hint: Option<String>,
    /// The engine could not be reached at all.
    pub unreachable: bool,
    /// The engine's refusal says the world changed under the step (another client made,
    /// removed or renamed what it acted on): observing again and planning anew may converge.
    pub changed: bool,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.service {
            Some(s) => write!(f, "service `{s}`: {}: {}", self.doing, self.message),
            None => write!(f, "{}: {}", self.doing, self.message),
        }
    }
}

impl std::error::Error for ExecError {}

/// A request to stop (Ctrl-C, SIGTERM): a plan running starts no further step, abandons its
/// waits, builds and pulls, lets the engine calls under way finish (a container being started
/// ends started, so that stopping what started finds it), and fails as interrupted.
#[derive(Default)]
pub struct Interrupt {
    set: std::sync::atomic::AtomicBool,
    notify: tokio::sync::Notify,
}

impl Interrupt {
    pub fn set(&self) {
        self.set.store(true, std::sync::atomic::Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn clear(&self) {
        self.set.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.set.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Until it is set.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

/// What a plan runs with: the engine, where progress goes, the event monitor of the project.
pub struct Executor<'a, E> {
    pub engine: &'a E,
    pub progress: &'a dyn Progress,
    pub monitor: &'a Monitor,
    /// At most this many engine calls at a time (`None`: no limit).
    pub limit: Option<usize>,
    pub interrupt: &'a Interrupt,
}

impl<E: Engine> Executor<'_, E> {
    /// Runs the plan; returns the failures of optional steps (warnings, not errors).
    pub async fn run(&self, plan: &Plan) -> Result<Vec<ExecError>, ExecError> {
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
        // waits apart: a failure ends them at once (`up --wait` fails fast)
        let mut waits = FuturesUnordered::new();
        let mut failure: Option<ExecError> = None;
        let mut warnings = Vec::new();
        let limit = self.limit.unwrap_or(usize::MAX).max(1);
        let mut calls = 0;
        let mut done = vec![false; steps.len()];
        loop {
            while failure.is_none() && !self.interrupt.is_set() {
                // the next step the limit allows: a wait, or a call while there is room
                let Some(pos) = ready
                    .iter()
                    .position(|&i| steps[i].op.is_wait() || calls < limit)
                else {
                    break;
                };
                let i = ready.remove(pos).expect("a valid position");
                let step = self.step(&steps[i]).map(move |r| (i, r));
                if steps[i].op.is_wait() {
                    waits.push(step);
                } else {
                    calls += 1;
                    running.push(step);
                }
            }
            if failure.is_some() {
                // nothing more starts: what a wait under way awaits no longer matters
                waits.clear();
            }
            let next = tokio::select! {
                Some(r) = running.next(), if !running.is_empty() => Some(r),
                Some(r) = waits.next(), if !waits.is_empty() => Some(r),
                else => None,
            };
            let Some((i, result)) = next else {
                break;
            };
            if !steps[i].op.is_wait() {
                calls -= 1;
            }
            match result {
                Ok(()) => done[i] = true,
                Err(e) if steps[i].optional => warnings.push(e),
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
        if failure.is_none() && self.interrupt.is_set() && done.iter().any(|d| !d) {
            failure = Some(ExecError {
                doing: "the plan".into(),
                message: format!("interrupted{}", what_was_done(plan, &done)),
                ..Default::default()
            });
        }
        match failure {
            Some(mut e) => {
                if e.unreachable {
                    e.message.push_str(&what_was_done(plan, &done));
                }
                Err(e)
            }
            None => Ok(warnings),
        }
    }
}

/// When the engine stopped answering: how far the plan got, and the first steps not done.
fn what_was_done(plan: &Plan, done: &[bool]) -> String {
    const SHOWN: usize = 4;
    let finished = done.iter().filter(|d| **d).count();
    let left: Vec<String> = plan
        .steps
        .iter()
        .zip(done)
        .filter(|(_, d)| !**d)
        .map(|(s, _)| s.op.to_string())
        .collect();
    let mut text = format!(
        "; {finished} of {} steps were done, not done: {}",
        done.len(),
        left.iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    if left.len() > SHOWN {
        text.push_str(&format!(" and {} more", left.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests;
