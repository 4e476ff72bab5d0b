//! `rcompose kill`: sends a signal (SIGKILL by default) to the services' running containers.

use super::{Failure, lifecycle};
use crate::cli::{Global, KillArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &KillArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        true,
        "to kill",
        |c| c.is_running(),
        |c| Op::KillContainer {
            name: c.name.clone(),
            signal: args.signal.clone(),
        },
    )
    .await
}
