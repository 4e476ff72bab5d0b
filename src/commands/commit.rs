//! `rcompose commit`: an image of a service container's changes (`docker commit` on the
//! container `--index` names).

use super::Context;
use crate::cli::CommitArgs;
use crate::engine::{CommitSpec, Interactive};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &CommitArgs) -> Result<(), Error> {
    let (engine, c) = ctx.container(&args.service, args.index, false).await?;
    let spec = CommitSpec {
        reference: args.reference.clone().unwrap_or_default(),
        author: args.author.clone().unwrap_or_default(),
        message: args.message.clone().unwrap_or_default(),
        changes: args.changes.clone(),
        pause: args.pause,
    };
    if ctx.global.dry_run {
        eprintln!("DRY-RUN MODE - commit {} as {:?}", c.name, spec.reference);
        return Ok(());
    }
    let id = engine
        .commit(&c.name, spec)
        .await
        .map_err(|e| Error::engine(format!("commit container {}", c.name), e))?;
    eprintln!(" Container {}  Committed as {id}", c.name);
    Ok(())
}
