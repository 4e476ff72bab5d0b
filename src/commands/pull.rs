//! `rcompose pull`: pulls the services' images (those with `build` only if they name an image),
//! with per-layer progress and the user's registry credentials.

use super::Context;
use crate::cli::{PullArgs, PullCommandPolicy};
use crate::error::Error;
use crate::plan;

pub async fn run(ctx: &Context, args: &PullArgs) -> Result<(), Error> {
    let project = ctx.load(&args.services)?;
    let compose = ctx.compose().await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.include_deps);
    let missing_only = args.policy == Some(PullCommandPolicy::Missing);
    compose
        .pull(
            &project,
            &scope,
            args.ignore_buildable,
            missing_only,
            args.ignore_pull_failures,
            args.quiet,
        )
        .await
}
