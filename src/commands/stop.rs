//! `rcompose stop`: stops the services' containers, dependents first, each level in parallel.

use super::{Failure, lifecycle};
use crate::cli::{Global, StopArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &StopArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        true,
        "to stop",
        |c| c.is_running() || c.state == "paused" || c.state == "restarting",
        |c| Op::StopContainer {
            name: c.name.clone(),
            timeout: args.timeout,
        },
    )
    .await
}
