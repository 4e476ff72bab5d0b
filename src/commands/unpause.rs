//! `rcompose unpause`: resumes the services' paused containers.

use super::{Failure, lifecycle};
use crate::cli::{Global, ServicesArgs};
use crate::plan::Op;

pub async fn run(global: &Global, args: &ServicesArgs) -> Result<(), Failure> {
    lifecycle(
        global,
        &args.services,
        false,
        "to unpause",
        |c| c.state == "paused",
        |c| Op::UnpauseContainer {
            name: c.name.clone(),
        },
    )
    .await
}
