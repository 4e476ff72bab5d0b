//! `rcompose start|stop|restart|kill|pause|unpause`: the action on the services' containers it
//! applies to, in dependency order (dependents first to stop), each level in parallel.

use super::Context;
use crate::cli::RestartArgs;
use crate::compose::Done;
use crate::error::Error;
use crate::plan::Lifecycle;

pub async fn run(ctx: &Context, services: &[String], action: Lifecycle) -> Result<(), Error> {
    let target = ctx.target(services)?;
    act(ctx, target, services, action).await
}

/// `restart`: the services named, and those that asked to be restarted with them (unless
/// `no_deps`).
pub async fn restart(ctx: &Context, args: &RestartArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let services = match target.model() {
        Some(p) if !args.no_deps && !args.services.is_empty() => {
            crate::plan::restarted_with_dependents(p, &args.services)
        }
        _ => args.services.clone(),
    };
    let timeout = args.timeout;
    act(ctx, target, &services, Lifecycle::Restart { timeout }).await
}

async fn act(
    ctx: &Context,
    target: crate::compose::Target,
    services: &[String],
    action: Lifecycle,
) -> Result<(), Error> {
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
