//! Watch mode (`rcompose watch`, `up --watch`): `develop.watch` rules ([`rules`]), a batch of host
//! changes planned per service ([`batch`]), files moved in and out of containers ([`sync`]), the
//! running loop ([`session`]), and [`run`], which watches a project with the service layer doing
//! its rebuilds.

pub mod batch;
pub mod rules;
pub mod session;
pub mod sync;

use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::compose::Compose;
use crate::engine::Docker;
use crate::error::{Error, with_hint};
use crate::model::Project;

pub use session::Options;

/// A watch's rebuilds, done by the service layer.
struct Rebuild {
    compose: Arc<Compose<Docker>>,
    project: Project,
    quiet: bool,
    prune: bool,
}

impl session::Rebuilder for Rebuild {
    fn rebuild(&self, services: Vec<String>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let rebuilt = self
                .compose
                .rebuild(&self.project, &services, self.quiet, self.prune)
                .await;
            rebuilt.map_err(|e| with_hint(&e.to_string(), e.hint()))
        })
    }
}

/// Watches `project`'s `rules` until `stop` resolves, reporting on stdout and stderr.
pub async fn run(
    compose: Arc<Compose<Docker>>,
    project: Project,
    rules: Vec<rules::Rule>,
    options: Options,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), Error> {
    let name = project.name.clone();
    let engine = Arc::new(compose.engine().clone());
    let rebuilder = Arc::new(Rebuild {
        compose,
        project,
        quiet: options.quiet,
        prune: options.prune,
    });
    let report = Arc::new(session::Print);
    session::watch(engine, &name, rules, options, rebuilder, report, stop)
        .await
        .map_err(Error::msg)
}
