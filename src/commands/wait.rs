//! `rcompose wait`: blocks until the services' running containers stop; prints each exit code and
//! exits with the first one (`--down-project`: tears the project down when the first stops).

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::{Failure, connect, select, target};
use crate::cli::{DownArgs, Global, WaitArgs};
use crate::engine::Engine;

pub async fn run(global: &Global, args: &WaitArgs) -> Result<(), Failure> {
    let target = target(global, &args.services)?;
    let engine = connect().await?;
    let all = engine.list_containers(Some(target.name()), false).await?;
    let running: Vec<String> = select(&all, &args.services)
        .into_iter()
        .filter(|c| !c.is_oneoff())
        .map(|c| c.name.clone())
        .collect();
    if running.is_empty() {
        return Err(Failure::Other(format!(
            "no running containers for project {}",
            target.name()
        )));
    }
    let mut waits: FuturesUnordered<_> = running
        .iter()
        .map(|n| {
            let engine = &engine;
            async move { (n.clone(), engine.wait_container(n).await) }
        })
        .collect();
    let mut first: Option<i32> = None;
    while let Some((name, code)) = waits.next().await {
        let code = code?;
        println!("{name} exited with code {code}");
        first.get_or_insert(code as i32);
        if args.down_project {
            drop(waits);
            let down = DownArgs {
                services: vec![],
                volumes: false,
                remove_orphans: false,
                rmi: None,
                timeout: None,
            };
            super::down::run(global, &down).await?;
            break;
        }
    }
    match first {
        Some(0) | None => Ok(()),
        Some(code) => Err(Failure::Exit(code)),
    }
}
