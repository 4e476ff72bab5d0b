//! Taking a project down and acting on its containers: `down` (from the engine's labels, the
//! files adding what only they know), the lifecycle actions (`start`, `stop`, `restart`,
//! `kill`, `pause`, `unpause`) and `rm`, each in dependency order.

use crate::engine::{ContainerInfo, Engine};
use crate::error::Error;
use crate::plan::{self, DownOptions, Lifecycle, Op, Plan};

use super::{Compose, Target, select};

/// What an operation on containers found to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// It ran (or printed, under `dry_run`) a plan.
    Acted,
    /// There was nothing to do.
    Nothing,
}

impl<E: Engine> Compose<E> {
    /// Runs `plan` unless it is empty.
    async fn act(&self, project: &str, plan: &Plan) -> Result<Done, Error> {
        if plan.is_empty() {
            return Ok(Done::Nothing);
        }
        self.execute(project, plan).await?;
        Ok(Done::Acted)
    }

    /// `down`: the project's containers (only those of `services` when some are named: the
    /// networks and volumes then stay), then its networks, volumes and images per `opts`.
    pub async fn down(
        &self,
        target: &Target,
        services: &[String],
        opts: &DownOptions,
    ) -> Result<Done, Error> {
        let mut observed = self.observe(target.name(), target.model()).await?;
        if !services.is_empty() {
            observed
                .containers
                .retain(|c| services.iter().any(|s| s == c.service()));
            observed.networks.clear();
            observed.volumes.clear();
        }
        let plan = plan::down(target.name(), target.model(), &observed, opts);
        self.act(target.name(), &plan).await
    }

    /// A lifecycle action on the containers of `services` (all when empty) that it applies to,
    /// in dependency order.
    pub async fn lifecycle(
        &self,
        target: &Target,
        services: &[String],
        action: &Lifecycle,
    ) -> Result<Done, Error> {
        let containers = self.containers(target.name(), true).await?;
        let plan = action.plan(&select(&containers, services));
        self.act(target.name(), &plan).await
    }

    /// `rm`: the stopped containers of `services` (with `stop`, the running ones after they
    /// stop), once `confirm` agrees with the names (it is asked only when there are some).
    pub async fn remove(
        &self,
        target: &Target,
        services: &[String],
        stop: bool,
        volumes: bool,
        confirm: impl FnOnce(&[&str]) -> bool,
    ) -> Result<Done, Error> {
        let all = self.containers(target.name(), true).await?;
        let selected: Vec<&ContainerInfo> = select(&all, services)
            .into_iter()
            .filter(|c| !c.is_oneoff())
            .collect();
        if stop {
            let running: Vec<&ContainerInfo> = selected
                .iter()
                .copied()
                .filter(|c| c.is_running())
                .collect();
            if !running.is_empty() {
                let stops = plan::per_container(&running, true, |c| Op::StopContainer {
                    name: c.name.clone(),
                    timeout: None,
                });
                self.execute(target.name(), &stops).await?;
            }
        }
        let gone: Vec<&ContainerInfo> = selected
            .into_iter()
            .filter(|c| stop || !c.is_running())
            .collect();
        if gone.is_empty() {
            return Ok(Done::Nothing);
        }
        let names: Vec<&str> = gone.iter().map(|c| c.name.as_str()).collect();
        if !self.options().dry_run && !confirm(&names) {
            return Ok(Done::Acted);
        }
        let removes = plan::per_container(&gone, true, |c| Op::RemoveContainer {
            name: c.name.clone(),
            force: true,
            volumes,
        });
        self.execute(target.name(), &removes).await?;
        Ok(Done::Acted)
    }
}
