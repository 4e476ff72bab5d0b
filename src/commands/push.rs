//! `rcompose push`: pushes the images of services that build them and name them (`image:`, and
//! `build.tags`), with the user's registry credentials.

use super::Context;
use crate::cli::PushArgs;
use crate::error::Error;
use crate::plan;

pub async fn run(ctx: &Context, args: &PushArgs) -> Result<(), Error> {
    let project = ctx.load(&args.services)?;
    let compose = ctx.compose().await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.include_deps);
    let quiet = args.quiet;
    if !compose
        .push(&project, &scope, args.ignore_push_failures, quiet)
        .await?
    {
        eprintln!("no image to push (a service pushes when it has `build` and `image`)");
    }
    Ok(())
}
