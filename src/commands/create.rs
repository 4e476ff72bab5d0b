//! `rcompose create`: creates the services' networks, volumes and containers without starting them.

use super::{Context, context};
use crate::cli::CreateArgs;
use crate::error::Error;
use crate::plan::{Recreate, UpOptions};

pub async fn run(ctx: &Context, args: &CreateArgs) -> Result<(), Error> {
    let opts = UpOptions {
        services: args.services.clone(),
        recreate: Recreate::from_flags(args.force_recreate, args.no_recreate),
        remove_orphans: args.remove_orphans,
        scale: context::parse_scale(&args.scale)?,
        no_start: true,
        ..Default::default()
    };
    let images = context::images(args.pull, args.quiet_pull, args.build, args.no_build);
    let project = ctx.load(&opts.services)?;
    let compose = ctx.compose().await?;
    let converging = super::converge::converge(&compose, &project, &opts, &images, args.yes);
    super::interruptible(&compose, converging).await?;
    Ok(())
}
