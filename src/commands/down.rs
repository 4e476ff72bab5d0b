//! `rcompose down`: stops and removes the project's containers (dependents first), then its
//! networks, and with `-v` / `--rmi` its volumes and images. Works from labels with `-p NAME`.

use super::{Failure, connect, run_plan, target};
use crate::cli::{DownArgs, Global, Rmi};
use crate::plan::{self, DownOptions};

pub async fn run(global: &Global, args: &DownArgs) -> Result<(), Failure> {
    let target = target(global, &args.services)?;
    let engine = connect().await?;
    let mut observed = crate::observe::observe(&engine, target.name(), target.model()).await?;
    if !args.services.is_empty() {
        // only those services' containers; the project's networks and volumes stay
        observed
            .containers
            .retain(|c| args.services.iter().any(|s| s == c.service()));
        observed.networks.clear();
        observed.volumes.clear();
    }
    let opts = DownOptions {
        remove_orphans: args.remove_orphans,
        volumes: args.volumes,
        images: args.rmi.map(|r| match r {
            Rmi::Local => "local".to_string(),
            Rmi::All => "all".to_string(),
        }),
        timeout: args.timeout,
    };
    let plan = plan::down(target.name(), target.model(), &observed, &opts);
    if plan.is_empty() {
        eprintln!("nothing to remove for project {}", target.name());
        return Ok(());
    }
    run_plan(global, &engine, target.name(), &plan).await
}
