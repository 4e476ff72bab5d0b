//! `rcompose pause`: pauses the services' running containers.

use super::{Failure, lifecycle};
use crate::cli::{Global, ServicesArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &ServicesArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        true,
        "to pause",
        |c| c.is_running(),
        |c| Op::PauseContainer {
            name: c.name.clone(),
        },
    )
    .await
}
