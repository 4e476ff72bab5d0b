//! Taking a project down and acting on its containers: `down` (from the engine's labels, the
//! files adding what only they know), the lifecycle actions (`start`, `stop`, `restart`,
//! `kill`, `pause`, `unpause`) and `rm`, each in dependency order.

use crate::engine::{ContainerInfo, Engine};
use crate::error::Error;
use crate::names::labels;
use crate::observe::Observed;
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
            if let Some(p) = target.model() {
                let theirs: Vec<String> = services
                    .iter()
                    .filter_map(|s| Some(crate::names::image_name(p, s, p.services.get(s)?)))
                    .collect();
                observed.images.retain(|i, _| theirs.contains(i));
            }
        }
        if opts.volumes {
            self.refuse_shared_volumes(target.name(), &observed).await?;
        }
        if opts.images.is_some() && services.is_empty() {
            observed.dangling_images = self.engine.dangling_images(target.name()).await?;
        }
        let plan = plan::down(target.name(), target.model(), &observed, opts);
        self.act(target.name(), &plan).await
    }

    /// `down -v` removes nothing when a volume it would remove is mounted by a container of
    /// another project (or of none): the engine would refuse that volume after everything else
    /// was gone, leaving the project half-removed.
    async fn refuse_shared_volumes(&self, project: &str, observed: &Observed) -> Result<(), Error> {
        let mine = observed
            .volumes
            .values()
            .filter(|v| v.labels.get(labels::PROJECT).map(String::as_str) == Some(project));
        for v in mine {
            let users = self.engine.containers_using_volume(&v.name).await?;
            let others: Vec<String> = users
                .iter()
                .filter(|c| c.label(labels::PROJECT) != project)
                .map(|c| match c.label(labels::PROJECT) {
                    "" => c.name.clone(),
                    other => format!("{} (project {other})", c.name),
                })
                .collect();
            if !others.is_empty() {
                return Err(Error::msg(format!(
                    "volume {} is used by {}: `down -v` removed nothing (remove {} first, or run `down` without -v to keep the volume)",
                    v.name,
                    others.join(", "),
                    if others.len() == 1 {
                        "that container"
                    } else {
                        "those containers"
                    }
                )));
            }
        }
        Ok(())
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
