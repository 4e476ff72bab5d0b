//! `rcompose exec`: runs a command in a service's running container, with a TTY when stdin is a
//! terminal (raw mode, size and resizes forwarded), stdin piped otherwise; its exit code is ours.

use super::{Failure, connect, one_container, target};
use crate::cli::{ExecArgs, Global};
use crate::engine::{Engine, ExecRequest, Interactive};

pub async fn run(global: &Global, args: &ExecArgs) -> Result<(), Failure> {
    let services = [args.service.clone()];
    let target = target(global, &services)?;
    let engine = connect().await?;
    let all = engine.list_containers(Some(target.name()), true).await?;
    let c = one_container(&all, &target, &args.service, args.index, true, false)?;
    let tty = !args.no_tty && !args.detach && crate::term::stdin_is_tty();
    let mut env = args.env.clone();
    // `-e KEY` takes KEY from our environment, as in Compose
    for e in env.iter_mut() {
        if !e.contains('=')
            && let Ok(v) = std::env::var(&*e)
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
        stdin: !args.detach,
    };
    let what = |e: crate::engine::EngineError| {
        Failure::Other(format!(
            "service `{}`: exec in {}: {}",
            args.service, c.name, e.message
        ))
    };
    if global.dry_run {
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
        n => Err(Failure::Exit(n as i32)),
    }
}
