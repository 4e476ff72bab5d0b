//! Converging, written once: observe → build and pull what is missing → observe again (the new
//! images' IDs label the containers) → plan `up` → run it. `up`, `create`, `scale`, `run`'s
//! dependencies, `watch` and the library's test environments all converge through here; the
//! report of services that are not ready and the stop of an attached `up` sit beside it.

use std::collections::BTreeSet;

use crate::engine::{ContainerInfo, Engine};
use crate::error::{Error, NotReady};
use crate::model::Project;
use crate::observe::Observed;
use crate::plan::{self, OneOff, Op, Plan, UpOptions};
use crate::progress::{Progress, Quiet};

use super::{Compose, Images};

/// What a converge saw and did.
#[derive(Debug, Clone)]
pub struct Converged {
    /// The state it planned from.
    pub observed: Observed,
    /// The plan it ran.
    pub plan: Plan,
}

impl Converged {
    /// The containers the plan started: they print from their start, even if they stopped since.
    pub fn started(&self) -> BTreeSet<String> {
        self.plan
            .steps
            .iter()
            .filter_map(|s| match &s.op {
                Op::StartContainer { name } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
}

/// How many times a converge observes and plans again when the world changed under it.
const RETRIES: u32 = 5;

/// The containers in scope that the plan leaves as they are, running: Compose says so,
/// `Container p-web-1  Running`, so that an `up` with nothing to do still answers.
fn still_running(
    project: &Project,
    seen: &Observed,
    opts: &UpOptions,
    plan: &Plan,
    progress: &dyn Progress,
) {
    if opts.no_start {
        return;
    }
    let touched: BTreeSet<String> = plan.steps.iter().map(|s| s.op.resource()).collect();
    let scope = plan::services_in_scope(project, &opts.services, opts.no_deps);
    let mut kept: Vec<&ContainerInfo> = seen
        .containers
        .iter()
        .filter(|c| !c.is_oneoff() && c.is_running() && scope.contains(c.service()))
        .collect();
    kept.sort_by(|a, b| a.name.cmp(&b.name));
    for c in kept {
        let id = format!("Container {}", c.name);
        if !touched.contains(&id) {
            progress.event(crate::progress::Event::done(&id, "Running"));
        }
    }
}

/// The pause before looking again: longer with each attempt, and different for each process, so
/// that runs which raced step apart.
fn backoff(attempt: u32) -> std::time::Duration {
    let spread = u64::from(std::process::id() % 7) * 30;
    std::time::Duration::from_millis(50 * u64::from(attempt) + spread)
}

impl<E: Engine> Compose<E> {
    /// The first half of converging: observe, build and pull what the services in scope lack,
    /// and observe again when images changed. The state to plan from.
    pub async fn prepare(
        &self,
        project: &Project,
        opts: &UpOptions,
        images: &Images,
    ) -> Result<Observed, Error> {
        let scaled: Vec<String> = opts.scale.keys().cloned().collect();
        crate::load::require_services(project, &scaled)?;
        let observed = self.observe(&project.name, Some(project)).await?;
        let scope = plan::services_in_scope(project, &opts.services, opts.no_deps);
        let changed = self.images(project, &observed, &scope, images).await?;
        if changed && !self.options().dry_run {
            return self.observe(&project.name, Some(project)).await;
        }
        Ok(observed)
    }

    /// The second half: the `up` plan from `observed`, run with `progress`. Other clients may
    /// act on the project meanwhile (another rcompose, the reference, CI jobs sharing the
    /// engine): duplicate networks that runs which raced made are healed first, and a step
    /// that finds the world changed (a name taken, an object gone) makes it observe and plan
    /// again, a few times, instead of failing.
    pub async fn apply(
        &self,
        project: &Project,
        observed: &Observed,
        opts: &UpOptions,
        progress: &dyn Progress,
    ) -> Result<Plan, Error> {
        let opts = self.complete(opts);
        let mut fresh: Option<Observed> = None;
        let mut attempt = 0;
        loop {
            let seen = fresh.as_ref().unwrap_or(observed);
            let result = if plan::needs_healing(seen) {
                let names: BTreeSet<&str> = seen
                    .duplicate_networks
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                if !names.is_empty() {
                    let names: Vec<&str> = names.into_iter().collect();
                    progress.message(&format!(
                        "warning: network {} exists more than once (runs that raced each made one): keeping the oldest, removing the others and re-creating the containers on them",
                        names.join(", ")
                    ));
                }
                for left in plan::leftovers(seen) {
                    let what = match left.original {
                        Some(_) => format!(
                            "finishing that recreate ({} goes, it takes the name)",
                            left.name
                        ),
                        None => format!("it takes the name {}", left.name),
                    };
                    progress.message(&format!(
                        "warning: container {} was left by an interrupted recreate: {what}",
                        left.container.name
                    ));
                }
                self.run_plan(&project.name, &plan::heal(seen, opts.timeout), progress)
                    .await
                    .map(|_| None)
            } else {
                let plan = plan::up(project, seen, &opts)?;
                if attempt == 0 {
                    still_running(project, seen, &opts, &plan, progress);
                }
                self.run_plan(&project.name, &plan, progress)
                    .await
                    .map(|_| Some(plan))
            };
            match result {
                Ok(Some(plan)) => return Ok(plan),
                Ok(None) if self.options().dry_run => {
                    // what would follow the healing, planned from what is there now
                    let plan = plan::up(project, seen, &opts)?;
                    self.run_plan(&project.name, &plan, progress).await?;
                    return Ok(plan);
                }
                Ok(None) => {}
                Err(Error::Step(e)) if e.changed && attempt < RETRIES => {
                    progress.message(&format!(
                        "{e}: the project changed meanwhile (another run?); looking again"
                    ));
                    attempt += 1;
                    // runs that raced each other step apart before looking again
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
            fresh = Some(self.observe(&project.name, Some(project)).await?);
        }
    }

    /// What every up plan takes from the layer's options: the `--env-file` label and whether
    /// orphans are reported.
    fn complete(&self, opts: &UpOptions) -> UpOptions {
        UpOptions {
            env_files: self.options().env_files.clone(),
            ignore_orphans: opts.ignore_orphans || self.options().ignore_orphans,
            all_resources: opts.all_resources || self.options().all_resources,
            ..opts.clone()
        }
    }

    /// The volumes (engine names) an `up` with `opts` would use whose configuration changed
    /// since they were created: what to ask about before [`apply`](Self::apply), whose
    /// `opts.diverged_volumes` says which are recreated (their data lost) and which kept.
    pub fn diverged_volumes(
        &self,
        project: &Project,
        observed: &Observed,
        opts: &UpOptions,
    ) -> Vec<String> {
        plan::diverged_volumes(project, observed, &self.complete(opts))
    }

    /// Converges the project: images, then the `up` plan (`opts.no_start`: create only;
    /// `opts.wait`: until every started container is ready).
    pub async fn up(
        &self,
        project: &Project,
        opts: &UpOptions,
        images: &Images,
    ) -> Result<Converged, Error> {
        let observed = self.prepare(project, opts, images).await?;
        let plan = self
            .apply(project, &observed, opts, self.progress())
            .await?;
        Ok(Converged { observed, plan })
    }

    /// The services in `scope` that are not ready, why, and their last lines, after `failure`.
    pub async fn not_ready(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        failure: String,
        after: Option<String>,
    ) -> NotReady {
        NotReady {
            failure,
            after,
            services: crate::ready::unready(self.engine(), project, scope).await,
        }
    }

    /// Stops (or kills) the project's running containers of the services in `scope`,
    /// dependents first: an attached `up` ending.
    pub async fn stop_all(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        timeout: Option<i64>,
        kill: bool,
    ) -> Result<(), Error> {
        let containers = self.containers(&project.name, false).await?;
        let running: Vec<&ContainerInfo> = containers
            .iter()
            .filter(|c| !c.is_oneoff() && scope.contains(c.service()))
            .collect();
        let plan = plan::per_container(&running, true, |c| {
            let name = c.name.clone();
            if kill {
                let signal = "SIGKILL".into();
                Op::KillContainer { name, signal }
            } else {
                Op::StopContainer { name, timeout }
            }
        });
        self.execute(&project.name, &plan).await
    }

    /// `run`'s container, created and not started (the command attaches first): the images of
    /// the service and of what it depends on, the dependencies up as `up` brings them (unless
    /// `no_deps`; orphans removed with `remove_orphans`), then the one-off after their
    /// conditions.
    pub async fn create_oneoff(
        &self,
        project: &Project,
        oneoff: &OneOff,
        no_deps: bool,
        remove_orphans: bool,
        images: &Images,
    ) -> Result<(), Error> {
        let service = std::slice::from_ref(&oneoff.service);
        let scope = plan::services_in_scope(project, service, no_deps);
        let deps: Vec<String> = scope
            .iter()
            .filter(|s| **s != oneoff.service)
            .cloned()
            .collect();
        // the images of the service and of what it depends on, then the dependencies up
        let needs = UpOptions {
            services: service.to_vec(),
            no_deps,
            ..Default::default()
        };
        let observed = self.prepare(project, &needs, images).await?;
        let opts = UpOptions {
            services: deps.clone(),
            remove_orphans,
            ignore_orphans: true,
            ..Default::default()
        };
        if !deps.is_empty() {
            self.apply(project, &observed, &opts, self.progress())
                .await?;
        } else if remove_orphans {
            let mut only = Plan::default();
            plan::orphans(project, &observed, &self.complete(&opts), &mut only);
            self.execute(&project.name, &only).await?;
        }
        let observed = self.observe(&project.name, Some(project)).await?;
        let oneoff = OneOff {
            env_files: self.options().env_files.clone(),
            ..oneoff.clone()
        };
        let plan = plan::oneoff(project, &observed, &oneoff)?;
        self.run_plan(&project.name, &plan, &Quiet).await
    }
}
