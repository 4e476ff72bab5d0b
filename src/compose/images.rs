//! Images in the service layer: what `up`, `create`, `run` and a watch's rebuild build and pull
//! before planning (the Dockerfiles read, then planned and run), and the `build`, `pull` and
//! `push` operations; a rebuild prunes the images it replaced.

use std::collections::BTreeSet;

use crate::build::Overrides;
use crate::engine::Engine;
use crate::error::Error;
use crate::model::Project;
use crate::observe::Observed;
use crate::plan::{self, Build, Plan, Pull, UpOptions};
use crate::progress::Quiet;

use super::Compose;

/// How `up`, `create`, `run` and `scale` get their images.
#[derive(Debug, Clone, Default)]
pub struct Images {
    /// `--pull` (the services' `pull_policy` otherwise).
    pub pull: Option<Pull>,
    /// No pull progress.
    pub quiet_pull: bool,
    /// No build progress.
    pub quiet_build: bool,
    /// When to build.
    pub build: Build,
    /// `--no-cache`, `--pull`, `--build-arg` of `build`.
    pub overrides: Overrides,
}

impl<E: Engine> Compose<E> {
    /// Builds, then pulls, what the services in `scope` lack (per `images`); whether anything
    /// was (the new images' IDs then label the containers).
    pub async fn images(
        &self,
        project: &Project,
        observed: &Observed,
        scope: &BTreeSet<String>,
        images: &Images,
    ) -> Result<bool, Error> {
        let wanted = plan::wanted_builds(project, observed, scope, images.build);
        let overrides = self.build_overrides(&images.overrides, &wanted).await?;
        let sources = crate::observe::build_sources(project, &wanted, &overrides);
        let builds = plan::builds(project, &wanted, &overrides, &sources)?;
        let policy = images.pull.unwrap_or_default();
        let pulls = plan::pulls(project, observed, scope, policy, images.build)?;
        for (plan, quiet) in [(&builds, images.quiet_build), (&pulls, images.quiet_pull)] {
            if !plan.is_empty() {
                self.run_plan(&project.name, plan, self.sink(quiet)).await?;
            }
        }
        Ok(!builds.is_empty() || !pulls.is_empty())
    }

    /// `rcompose build`: the services in `scope` that have a `build` section, built again;
    /// `false` when none has.
    pub async fn build(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        overrides: &Overrides,
        quiet: bool,
    ) -> Result<bool, Error> {
        let observed = self.observe(&project.name, Some(project)).await?;
        let wanted = plan::wanted_builds(project, &observed, scope, Build::Always);
        let overrides = self.build_overrides(overrides, &wanted).await?;
        let sources = crate::observe::build_sources(project, &wanted, &overrides);
        let builds = plan::builds(project, &wanted, &overrides, &sources)?;
        self.run_any(&project.name, &builds, quiet).await
    }

    /// `build --print`: the builds of the services in `scope` as a bake file would define them
    /// (what would be sent, one target per build), with the builder the options name; the
    /// engine is not asked.
    pub fn build_definition(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        overrides: &Overrides,
    ) -> Result<serde_json::Value, Error> {
        let wanted: BTreeSet<String> = scope
            .iter()
            .filter(|s| project.services[s.as_str()].build.is_some())
            .cloned()
            .collect();
        let mut o = overrides.clone();
        o.builder = self.options.builder;
        let sources = crate::observe::build_sources(project, &wanted, &o);
        let ordered = crate::build::ordered(project, &wanted, &o, &sources).map_err(|message| {
            Error::from(plan::PlanError {
                service: None,
                message,
                hint: None,
            })
        })?;
        Ok(crate::build::bake(project, &ordered))
    }

    /// The overrides with what the builds need from this layer: the builder (the classic one
    /// on an engine older than BuildKit, API 1.39) and the engine's platform, asked only when
    /// something is to be built.
    async fn build_overrides(
        &self,
        overrides: &Overrides,
        wanted: &BTreeSet<String>,
    ) -> Result<Overrides, Error> {
        let mut o = overrides.clone();
        if wanted.is_empty() {
            return Ok(o);
        }
        let api = self.engine.api_version();
        o.engine_api = api.clone();
        o.builder = if crate::engine::api_version(&api) < (1, 39) {
            crate::engine::Builder::Classic
        } else {
            self.options.builder
        };
        o.engine_platform = self
            .engine
            .platform()
            .await
            .map_err(|e| Error::engine("asking the engine its platform", e))?;
        Ok(o)
    }

    /// Runs `plan` (shown unless `quiet`) when it has steps; whether it had.
    async fn run_any(&self, project: &str, plan: &Plan, quiet: bool) -> Result<bool, Error> {
        if plan.is_empty() {
            return Ok(false);
        }
        self.run_plan(project, plan, self.sink(quiet)).await?;
        Ok(true)
    }

    /// `rcompose pull`: each image the services in `scope` name, once (those that build only
    /// when they name one, none that `pull_policy` keeps local).
    pub async fn pull(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        ignore_buildable: bool,
        missing_only: bool,
        ignore_failures: bool,
        quiet: bool,
    ) -> Result<(), Error> {
        let observed = self.observe(&project.name, Some(project)).await?;
        let pulls = plan::pull_command(
            project,
            &observed,
            scope,
            ignore_buildable,
            missing_only,
            ignore_failures,
        );
        self.run_any(&project.name, &pulls, quiet).await?;
        Ok(())
    }

    /// `rcompose push`: the images the services in `scope` build and name; `false` when there
    /// is none.
    pub async fn push(
        &self,
        project: &Project,
        scope: &BTreeSet<String>,
        ignore_failures: bool,
        quiet: bool,
    ) -> Result<bool, Error> {
        let pushes = plan::push_command(project, scope, ignore_failures);
        self.run_any(&project.name, &pushes, quiet).await
    }

    /// A watch's `rebuild`: the services' images built again, their containers recreated (and
    /// the services that depend on them with `restart: true` restarted), and the images they
    /// replaced removed when `prune` and nothing uses them.
    pub async fn rebuild(
        &self,
        project: &Project,
        services: &[String],
        quiet: bool,
        prune: bool,
    ) -> Result<(), Error> {
        let scope: BTreeSet<String> = services.iter().cloned().collect();
        let before = self.observe(&project.name, Some(project)).await?;
        let old: BTreeSet<String> = before
            .containers
            .iter()
            .filter(|c| scope.contains(c.service()))
            .map(|c| c.image_id.clone())
            .collect();
        let images = Images {
            build: Build::Always,
            quiet_build: quiet,
            ..Default::default()
        };
        self.images(project, &before, &scope, &images).await?;
        let observed = self.observe(&project.name, Some(project)).await?;
        // the rebuilt services, and those that restart when they are replaced
        let mut named = services.to_vec();
        for (n, s) in &project.services {
            let restarts = s
                .depends_on
                .iter()
                .any(|(d, dep)| dep.restart && scope.contains(d));
            if restarts && !named.contains(n) {
                named.push(n.clone());
            }
        }
        let opts = UpOptions {
            services: named,
            no_deps: true,
            ..Default::default()
        };
        self.apply(project, &observed, &opts, &Quiet).await?;
        if prune {
            self.prune_images(&old).await?;
        }
        Ok(())
    }

    /// Removes the images of `ids` that no container uses and no tag names any more.
    async fn prune_images(&self, ids: &BTreeSet<String>) -> Result<(), Error> {
        let now = self.engine().list_containers(None, true).await?;
        for id in ids
            .iter()
            .filter(|id| !id.is_empty() && !now.iter().any(|c| &c.image_id == *id))
        {
            // still tagged (not dangling) or used elsewhere: the engine refuses, which is fine
            if let Ok(Some(info)) = self.engine().image_info(id).await
                && info.tags.is_empty()
            {
                let _ = self.engine().remove_image(id).await;
            }
        }
        Ok(())
    }
}
