//! `rcompose exec`: runs a command in a service's running container, with a TTY when stdin is a
//! terminal (raw mode, size and resizes forwarded), stdin piped otherwise; its exit code is ours.

use super::Context;
use crate::cli::ExecArgs;
use crate::engine::{ExecRequest, Interactive};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &ExecArgs) -> Result<(), Error> {
    let (engine, c) = ctx.container(&args.service, args.index, true).await?;
    let c = &c;
    let tty = args.tty && !args.no_tty && !args.detach && crate::term::stdin_is_tty();
    let mut env = args.env.clone();
    // `-e KEY` takes KEY from our environment, as in Compose
    for e in env.iter_mut() {
        if !e.contains('=')
            && let Some(v) = ctx.env.get(e)
        {
            *e = format!("{e}={v}");
        }
    }
    let request = ExecRequest {
        cmd: args.command.clone(),
        env,
        user: args.user.clone().unwrap_or_default(),
        workdir: args.workdir.clone().unwrap_or_default(),
        privileged: args.privileged,
        tty,
        stdin: args.interactive && !args.detach,
    };
    let what = |e: crate::engine::EngineError| {
        Error::engine(format!("service `{}`: exec in {}", args.service, c.name), e)
    };
    if ctx.global.dry_run {
        return Ok(());
    }
    let id = engine.create_exec(&c.name, request).await.map_err(what)?;
    let Some(session) = engine
        .start_exec(&id, tty, args.detach)
        .await
        .map_err(what)?
    else {
        return Ok(());
    };
    {
        let _raw = tty.then(crate::term::RawMode::enable);
        crate::term::pump(session, true, tty, &[], |w, h| {
            let (engine, id) = (&engine, &id);
            async move {
                let _ = engine.resize_exec(id, w, h).await;
            }
        })
        .await;
    }
    let code = crate::engine::exit_code(&engine, &id).await.map_err(what)?;
    match code {
        0 => Ok(()),
        n => Err(Error::Exit(n as i32)),
    }
}
