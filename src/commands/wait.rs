//! `rcompose wait`: blocks until the services' running containers stop; prints each exit code and
//! exits with the first one (`--down-project`: tears the project down when the first stops).

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::Context;
use crate::cli::WaitArgs;
use crate::compose::{Done, select};
use crate::engine::Watcher;
use crate::error::Error;
use crate::plan::DownOptions;

pub async fn run(ctx: &Context, args: &WaitArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let compose = ctx.compose().await?;
    let all = compose.containers(target.name(), false).await?;
    let running: Vec<String> = select(&all, &args.services)
        .into_iter()
        .filter(|c| !c.is_oneoff())
        .map(|c| c.name.clone())
        .collect();
    if running.is_empty() {
        let name = target.name();
        return Err(Error::msg(format!(
            "no running containers for project {name}"
        )));
    }
    let engine = compose.engine();
    let mut waits: FuturesUnordered<_> = running
        .iter()
        .map(|n| async move { (n.clone(), engine.wait_container(n).await) })
        .collect();
    let mut first: Option<i32> = None;
    while let Some((name, code)) = waits.next().await {
        let code = code?;
        println!("{name} exited with code {code}");
        first.get_or_insert(code as i32);
        if args.down_project {
            drop(waits);
            let down = DownOptions::default();
            if compose.down(&target, &[], &down).await? == Done::Nothing {
                eprintln!("nothing to remove for project {}", target.name());
            }
            break;
        }
    }
    match first {
        Some(0) | None => Ok(()),
        Some(code) => Err(Error::Exit(code)),
    }
}
