//! `rcompose rm`: removes the services' stopped containers (`-s` stops them first), after asking
//! unless `-f`.

use std::io::{BufRead, Write};

use super::Context;
use crate::cli::RmArgs;
use crate::compose::Done;
use crate::error::Error;

pub async fn run(ctx: &Context, args: &RmArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let compose = ctx.compose().await?;
    let confirm = |names: &[&str]| {
        if args.force {
            return true;
        }
        eprint!(
            "Going to remove {}\n? Are you sure? [yN] ",
            names.join(", ")
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    };
    let services = &args.services;
    let done = compose
        .remove(&target, services, args.stop, args.volumes, confirm)
        .await?;
    if done == Done::Nothing {
        eprintln!("no stopped containers");
    }
    Ok(())
}
