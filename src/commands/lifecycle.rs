//! `rcompose start|stop|restart|kill|pause|unpause`: the action on the services' containers it
//! applies to, in dependency order (dependents first to stop), each level in parallel.

use super::Context;
use crate::compose::Done;
use crate::error::Error;
use crate::plan::Lifecycle;

pub async fn run(ctx: &Context, services: &[String], action: Lifecycle) -> Result<(), Error> {
    let target = ctx.target(services)?;
    let compose = ctx.compose().await?;
    let work = compose.lifecycle(&target, services, &action);
    if super::interruptible(&compose, work).await? == Done::Nothing {
        eprintln!(
            "no container {} in project {}",
            action.purpose(),
            target.name()
        );
    }
    Ok(())
}
