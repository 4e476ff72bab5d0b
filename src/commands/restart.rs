//! `rcompose restart`: restarts the services' containers, dependencies first.

use super::{Failure, lifecycle};
use crate::cli::{Global, StopArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &StopArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        false,
        "to restart",
        |_| true,
        |c| Op::RestartContainer {
            name: c.name.clone(),
            timeout: args.timeout,
        },
    )
    .await
}
