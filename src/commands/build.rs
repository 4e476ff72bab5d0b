//! `rcompose build`: builds the services' images through the engine (one build per distinct
//! context, in FROM order), output prefixed with the service.

use super::{Failure, connect, execute, load_project, progress};
use crate::cli::{BuildArgs, Global};
use crate::plan::{self, Build};

/// `--build-arg K=V` (a bare `K` takes its value from the environment).
pub fn parse_build_args(items: &[String]) -> std::collections::BTreeMap<String, String> {
    items
        .iter()
        .filter_map(|a| match a.split_once('=') {
            Some((k, v)) => Some((k.to_string(), v.to_string())),
            None => std::env::var(a).ok().map(|v| (a.clone(), v)),
        })
        .collect()
}

pub async fn run(global: &Global, args: &BuildArgs) -> Result<(), Failure> {
    let project = load_project(global, &args.services)?;
    let engine = connect().await?;
    let observed = crate::observe::observe(&engine, &project.name, Some(&project)).await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.with_dependencies);
    let overrides = crate::build::Overrides {
        no_cache: args.no_cache,
        pull: args.pull,
        args: parse_build_args(&args.build_args),
    };
    let builds = plan::builds(&project, &observed, &scope, Build::Always, &overrides)?;
    if builds.is_empty() {
        eprintln!("no service to build (none has a `build` section)");
        return Ok(());
    }
    let quiet = crate::progress::Quiet;
    let shown = progress(global);
    let progress: &dyn crate::progress::Progress = if args.quiet { &quiet } else { shown.as_ref() };
    execute(&engine, &project.name, &builds, global.dry_run, progress).await
}
