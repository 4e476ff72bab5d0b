//! `rcompose scale SERVICE=N...`: converges those services to that many replicas.

use super::{Context, context};
use crate::cli::ScaleArgs;
use crate::compose::Images;
use crate::error::Error;
use crate::plan::UpOptions;

pub async fn run(ctx: &Context, args: &ScaleArgs) -> Result<(), Error> {
    let scale = context::parse_scale(&args.scales)?;
    let opts = UpOptions {
        services: scale.keys().cloned().collect(),
        no_deps: args.no_deps,
        scale,
        ..Default::default()
    };
    let project = ctx.load(&opts.services)?;
    let compose = ctx.compose().await?;
    super::interruptible(&compose, compose.up(&project, &opts, &Images::default())).await?;
    Ok(())
}
