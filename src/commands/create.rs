//! `rcompose create`: creates the services' networks, volumes and containers without starting them.

use super::{Failure, up};
use crate::cli::{CreateArgs, Global};
use crate::plan::{Recreate, UpOptions};

pub async fn run(global: &Global, args: &CreateArgs) -> Result<(), Failure> {
    let opts = UpOptions {
        services: args.services.clone(),
        recreate: Recreate::from_flags(args.force_recreate, args.no_recreate),
        remove_orphans: args.remove_orphans,
        scale: up::parse_scale(&args.scale)?,
        no_start: true,
        ..Default::default()
    };
    let images = up::Images::from_flags(args.pull, args.quiet_pull, args.build, args.no_build);
    up::converge(global, opts, images).await?;
    Ok(())
}
