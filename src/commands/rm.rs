//! `rcompose rm`: removes the services' stopped containers (`-s` stops them first), after asking
//! unless `-f`.

use std::io::{BufRead, Write};

use super::{Failure, connect, execute, progress, select, target};
use crate::cli::{Global, RmArgs};
use crate::plan::{self, Op};

pub async fn run(global: &Global, args: &RmArgs) -> Result<(), Failure> {
    let target = target(global, &args.services)?;
    let engine = connect().await?;
    let observed = crate::observe::observe(&engine, target.name(), None).await?;
    let selected: Vec<&crate::engine::ContainerInfo> = select(&observed.containers, &args.services)
        .into_iter()
        .filter(|c| !c.is_oneoff())
        .collect();
    let progress = progress(global);
    if args.stop {
        let running: Vec<_> = selected
            .iter()
            .copied()
            .filter(|c| c.is_running())
            .collect();
        if !running.is_empty() {
            let stops = plan::per_container(&running, true, |c| Op::StopContainer {
                name: c.name.clone(),
                timeout: None,
            });
            execute(
                &engine,
                target.name(),
                &stops,
                global.dry_run,
                progress.as_ref(),
            )
            .await?;
        }
    }
    let gone: Vec<_> = selected
        .into_iter()
        .filter(|c| args.stop || !c.is_running())
        .collect();
    if gone.is_empty() {
        eprintln!("no stopped containers");
        return Ok(());
    }
    if !args.force && !global.dry_run {
        let names: Vec<&str> = gone.iter().map(|c| c.name.as_str()).collect();
        eprint!(
            "Going to remove {}\n? Are you sure? [yN] ",
            names.join(", ")
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(());
        }
    }
    let removes = plan::per_container(&gone, true, |c| Op::RemoveContainer {
        name: c.name.clone(),
        force: true,
        volumes: args.volumes,
    });
    execute(
        &engine,
        target.name(),
        &removes,
        global.dry_run,
        progress.as_ref(),
    )
    .await
}
