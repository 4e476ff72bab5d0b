//! `rcompose attach`: our stdin, stdout and stderr on a service's running container (a TTY
//! container in raw mode), signals passed on (`--sig-proxy`), detaching on `--detach-keys`.

use super::Context;
use crate::cli::AttachArgs;
use crate::engine::{Interactive, Resources, Watcher};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &AttachArgs) -> Result<(), Error> {
    let (engine, c) = ctx.container(&args.service, args.index, true).await?;
    let c = &c;
    let state = engine.inspect_container(&c.name).await?;
    let tty = state.tty && crate::term::stdin_is_tty();
    let keys = args.detach_keys.clone().unwrap_or_default();
    let detach = crate::term::detach_keys(if keys.is_empty() {
        "ctrl-p,ctrl-q"
    } else {
        &keys
    })
    .ok_or_else(|| {
        Error::invalid(
            "--detach-keys",
            &keys,
            "expected keys such as `ctrl-p,ctrl-q` or `ctrl-x`",
        )
    })?;
    if ctx.global.dry_run {
        return Ok(());
    }
    let session = engine
        .attach(&c.name, !args.no_stdin, false, &keys)
        .await
        .map_err(|e| {
            Error::engine(
                format!("service `{}`: attach to {}", args.service, c.name),
                e,
            )
        })?;
    // --sig-proxy: our SIGINT, SIGTERM and SIGHUP go to the container (a TTY passes ^C itself)
    let proxy = async {
        use tokio::signal::unix::{SignalKind, signal};
        if !args.sig_proxy || tty {
            return std::future::pending().await;
        }
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        loop {
            let name = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP",
            };
            let _ = engine.kill_container(&c.name, name).await;
        }
    };
    {
        let _raw = tty.then(crate::term::RawMode::enable);
        let pumping = crate::term::pump(session, !args.no_stdin, tty, &detach, |w, h| {
            let (engine, name) = (&engine, &c.name);
            async move {
                let _ = engine.resize_container(name, w, h).await;
            }
        });
        tokio::select! {
            _ = pumping => {}
            _ = proxy => {}
        }
    }
    // detached (the container runs on) or it stopped: its exit code is ours
    let after = engine.inspect_container(&c.name).await?;
    match after.status {
        s if s.is_stopped() && after.exit_code != 0 => Err(Error::Exit(after.exit_code as i32)),
        _ => Ok(()),
    }
}
