//! `rcompose watch`: brings the services up (unless `--no-up`), then syncs, restarts and
//! rebuilds them as their files change, until Ctrl-C or SIGTERM (the containers keep running).

use std::sync::Arc;

use super::Context;
use crate::cli::WatchArgs;
use crate::compose::Images;
use crate::error::Error;
use crate::plan::UpOptions;

pub async fn run(ctx: &Context, args: &WatchArgs) -> Result<(), Error> {
    let (project, rules) = ctx.load_watched(&args.services)?;
    let compose = ctx.compose().await?;
    if !args.no_up {
        let opts = UpOptions {
            services: args.services.clone(),
            ..Default::default()
        };
        let images = Images {
            quiet_build: args.quiet,
            ..Default::default()
        };
        super::interruptible(&compose, compose.up(&project, &opts, &images)).await?;
    }
    if ctx.global.dry_run {
        return Ok(());
    }
    let mut interrupts = super::interrupts()?;
    // Ctrl-C or SIGTERM ends the watch (the containers keep running)
    let stop = async move {
        interrupts.recv().await;
    };
    let options = crate::watch::Options {
        quiet_period: args.settings.quiet_period,
        quiet: args.quiet,
        prune: args.prune,
        debug: ctx.env.watch_debug(),
        env: ctx.env.clone(),
    };
    crate::watch::run(Arc::new(compose), project, rules, options, stop).await
}
