//! `rcompose watch`: brings the services up (unless `--no-up`), then syncs, restarts and
//! rebuilds them as their files change, until Ctrl-C (the containers keep running). Also the
//! watch half of `up --watch`.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::up::{Images, complete, converge_project, prepare_images};
use super::{Failure, connect, execute, load_project_with, progress};
use crate::cli::{Global, WatchArgs, WatchSettings};
use crate::engine::{Docker, Engine};
use crate::model::Project;
use crate::observe::observe;
use crate::plan::{self, UpOptions};
use crate::watch::rules::{self, Rule};
use crate::watch::session::{self, Print, Rebuilder};

pub async fn run(global: &Global, args: &WatchArgs) -> Result<(), Failure> {
    let (project, rules) = load_watched(global, &args.services)?;
    if !args.no_up {
        let opts = UpOptions {
            services: args.services.clone(),
            ..Default::default()
        };
        let mut images = Images::from_flags(None, false, false, false);
        images.quiet_build = args.quiet;
        converge_project(&super::Settings::of(global), project.clone(), opts, images).await?;
    }
    if global.dry_run {
        return Ok(());
    }
    let engine = connect().await?;
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    watch(
        global,
        engine,
        project,
        rules,
        &args.settings,
        args.quiet,
        args.prune,
        stop,
    )
    .await
}

/// The project with its `develop.watch` rules checked (located errors), and the rules of
/// `services` (empty: all) compiled.
pub fn load_watched(global: &Global, services: &[String]) -> Result<(Project, Vec<Rule>), Failure> {
    let project = load_project_with(global, services, |o| o.watch = true)?;
    let rules = rules::compile(&project, services, |p| crate::load::read_text(p).ok())
        .map_err(Failure::Other)?;
    Ok((project, rules))
}

/// Watches until `stop` resolves.
#[allow(clippy::too_many_arguments)]
pub async fn watch(
    global: &Global,
    engine: Docker,
    project: Project,
    rules: Vec<Rule>,
    settings: &WatchSettings,
    quiet: bool,
    prune: bool,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), Failure> {
    let name = project.name.clone();
    let rebuilder = Arc::new(Rebuild {
        global: global.clone(),
        engine: engine.clone(),
        project,
        quiet,
        prune,
    });
    let options = session::Options {
        quiet_period: settings.quiet_period,
    };
    session::watch(
        Arc::new(engine),
        &name,
        rules,
        options,
        rebuilder,
        Arc::new(Print),
        stop,
    )
    .await
    .map_err(Failure::Other)
}

/// `rebuild`: the services' images built again, their containers recreated (and the services
/// that depend on them with `restart: true` restarted), the replaced images pruned.
struct Rebuild {
    global: Global,
    engine: Docker,
    project: Project,
    quiet: bool,
    prune: bool,
}

impl Rebuild {
    async fn run(&self, services: Vec<String>) -> Result<(), Failure> {
        let p = &self.project;
        let scope: BTreeSet<String> = services.iter().cloned().collect();
        let observed = observe(&self.engine, &p.name, Some(p)).await?;
        let old: BTreeSet<String> = observed
            .containers
            .iter()
            .filter(|c| scope.contains(c.service()))
            .map(|c| c.image_id.clone())
            .collect();
        let images = Images {
            build: plan::Build::Always,
            quiet_build: self.quiet,
            ..Default::default()
        };
        let shown = progress(&self.global);
        prepare_images(
            self.global.dry_run,
            &self.engine,
            p,
            &observed,
            &scope,
            &images,
            shown.as_ref(),
        )
        .await?;
        let observed = observe(&self.engine, &p.name, Some(p)).await?;
        // the rebuilt services, and those that restart when they are replaced
        let mut named = services.clone();
        for (n, s) in &p.services {
            if s.depends_on
                .iter()
                .any(|(d, dep)| dep.restart && scope.contains(d))
                && !named.contains(n)
            {
                named.push(n.clone());
            }
        }
        let mut opts = UpOptions {
            services: named,
            no_deps: true,
            ..Default::default()
        };
        complete(&self.global.env_files, &mut opts);
        let up = plan::up(p, &observed, &opts)?;
        execute(
            &self.engine,
            &p.name,
            &up,
            self.global.dry_run,
            &crate::progress::Quiet,
        )
        .await?;
        if self.prune {
            let now = self.engine.list_containers(None, true).await?;
            for id in old
                .iter()
                .filter(|id| !id.is_empty() && !now.iter().any(|c| &c.image_id == *id))
            {
                // still tagged (not dangling) or used elsewhere: the engine refuses, which is fine
                if let Ok(Some(info)) = self.engine.image_info(id).await
                    && info.tags.is_empty()
                {
                    let _ = self.engine.remove_image(id).await;
                }
            }
        }
        Ok(())
    }
}

impl Rebuilder for Rebuild {
    fn rebuild(&self, services: Vec<String>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.run(services).await.map_err(|e| match e {
                Failure::Other(m) => m,
                Failure::Load(e) => e.to_string(),
                Failure::Exit(n) => format!("exit code {n}"),
            })
        })
    }
}
