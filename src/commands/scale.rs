//! `rcompose scale SERVICE=N...`: converges those services to that many replicas.

use super::{Failure, up};
use crate::cli::{Global, ScaleArgs};
use crate::plan::UpOptions;

pub async fn run(global: &Global, args: &ScaleArgs) -> Result<(), Failure> {
    let scale = up::parse_scale(&args.scales)?;
    let opts = UpOptions {
        services: scale.keys().cloned().collect(),
        no_deps: args.no_deps,
        scale,
        ..Default::default()
    };
    up::converge(global, opts, up::Images::default()).await?;
    Ok(())
}
