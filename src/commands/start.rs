//! `rcompose start`: starts the services' existing containers, dependencies first.

use super::{Failure, lifecycle};
use crate::cli::{Global, ServicesArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &ServicesArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        false,
        "to start",
        |c| !c.is_running(),
        |c| Op::StartContainer {
            name: c.name.clone(),
        },
    )
    .await
}
