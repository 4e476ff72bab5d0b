//! `rcompose build`: builds the services' images through the engine (one build per distinct
//! context, in FROM order), output prefixed with the service.

use super::Context;
use crate::build::Overrides;
use crate::cli::BuildArgs;
use crate::error::Error;
use crate::plan;

pub async fn run(ctx: &Context, args: &BuildArgs) -> Result<(), Error> {
    let project = ctx.load(&args.services)?;
    let compose = ctx.compose().await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.with_dependencies);
    let overrides = Overrides {
        no_cache: args.no_cache,
        pull: args.pull,
        // a bare `K` takes its value from the environment
        args: ctx.pairs(&args.build_args),
        memory: args.memory.unwrap_or(0),
        ..Default::default()
    };
    if args.print {
        let definition = compose.build_definition(&project, &scope, &overrides)?;
        let text = serde_json::to_string_pretty(&definition).expect("JSON");
        println!("{text}");
        return Ok(());
    }
    if !compose
        .build(&project, &scope, &overrides, args.quiet)
        .await?
    {
        eprintln!("no service to build (none has a `build` section)");
        return Ok(());
    }
    if args.push && !compose.push(&project, &scope, false, args.quiet).await? {
        eprintln!("no image to push (a service pushes when it has `build` and `image`)");
    }
    Ok(())
}
