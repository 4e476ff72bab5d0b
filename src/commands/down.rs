//! `rcompose down`: stops and removes the project's containers (dependents first), then its
//! networks; `-v` its volumes, `--rmi` its images.

use super::Context;
use crate::cli::{DownArgs, Rmi};
use crate::compose::Done;
use crate::error::Error;
use crate::plan::{DownOptions, RemoveImages};

pub async fn run(ctx: &Context, args: &DownArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let compose = ctx.compose().await?;
    let opts = DownOptions {
        remove_orphans: args.remove_orphans,
        volumes: args.volumes,
        images: args.rmi.map(|r| match r {
            Rmi::Local => RemoveImages::Local,
            Rmi::All => RemoveImages::All,
        }),
        timeout: args.timeout,
    };
    let down = compose.down(&target, &args.services, &opts);
    if super::interruptible(&compose, down).await? == Done::Nothing {
        eprintln!("nothing to remove for project {}", target.name());
    }
    Ok(())
}
