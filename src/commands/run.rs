//! `rcompose run`: a one-off container of a service (`<project>-<service>-run-<id>`, labelled
//! `oneoff=True`) with the command line's changes; dependencies are brought up first (unless
//! `--no-deps`), then it runs attached (a TTY when stdin is a terminal) or detached, and its
//! exit code is ours, the signals we get are passed on to it. `--rm` removes it afterwards.

use std::io::Read;

use super::{Context, context};
use crate::cli::RunArgs;
use crate::engine::{Interactive, Resources, Watcher};
use crate::error::Error;
use crate::model::{Port, Project, Service, ServiceVolume};
use crate::plan::OneOff;

/// 64 random hex characters from the kernel.
fn slug() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("cannot read /dev/urandom", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The service as `run`'s flags change it.
fn adjust(ctx: &Context, project: &Project, args: &RunArgs, tty: bool) -> Result<Service, Error> {
    let mut svc = project.services[&args.service].clone();
    if !args.command.is_empty() {
        svc.command = Some(args.command.clone());
    }
    if let Some(e) = &args.entrypoint {
        let words = shell_words::split(e).map_err(|err| Error::invalid("--entrypoint", e, err))?;
        svc.entrypoint = Some(words);
        if args.command.is_empty() {
            // a new entrypoint does not take the service's command, as in Compose
            svc.command = None;
        }
    }
    for file in &args.env_from_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::io(format!("cannot read --env-from-file {file}"), e))?;
        let vars = crate::load::dotenv::parse(&text, &|k| ctx.env.get(k).map(str::to_string))
            .map_err(|(line, msg)| Error::msg(format!("{file}:{line}: {msg}")))?;
        for (k, v) in vars {
            svc.environment.insert(k, Some(v));
        }
    }
    for (k, v) in ctx.pairs(&args.env) {
        svc.environment.insert(k, Some(v));
    }
    for item in &args.labels {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        svc.labels.insert(k.to_string(), v.to_string());
    }
    if let Some(u) = &args.user {
        svc.user = u.clone();
    }
    if let Some(w) = &args.workdir {
        svc.working_dir = w.clone();
    }
    if !args.service_ports {
        svc.ports.clear();
    }
    let cwd = crate::settings::current_dir().unwrap_or_default();
    for spec in &args.publish {
        let ports = crate::load::canonical::parse_ports(spec)
            .map_err(|e| Error::invalid("--publish", spec, e))?;
        for p in ports {
            let json = p.to_node(&Default::default()).to_json();
            let port: Port =
                serde_json::from_value(json).map_err(|e| Error::invalid("--publish", spec, e))?;
            svc.ports.push(port);
        }
    }
    for spec in &args.volumes {
        let v = crate::load::canonical::parse_volume(spec)
            .map_err(|e| Error::invalid("--volume", spec, e))?;
        let json = v.to_node(&Default::default()).to_json();
        let mut vol: ServiceVolume =
            serde_json::from_value(json).map_err(|e| Error::invalid("--volume", spec, e))?;
        if vol.kind == crate::model::VolumeKind::Bind && !vol.source.starts_with('/') {
            vol.source = cwd.join(&vol.source).to_string_lossy().into_owned();
        }
        svc.volumes.retain(|old| old.target != vol.target);
        svc.volumes.push(vol);
    }
    svc.cap_add.extend(args.cap_add.iter().cloned());
    svc.cap_drop.extend(args.cap_drop.iter().cloned());
    svc.tty = tty;
    svc.stdin_open = args.interactive && !args.detach;
    // a one-off is not restarted, and has no name of the service's
    svc.restart = Default::default();
    svc.deploy = None;
    svc.container_name = String::new();
    Ok(svc)
}

pub async fn run(ctx: &Context, args: &RunArgs) -> Result<(), Error> {
    let project = ctx.load(std::slice::from_ref(&args.service))?;
    let tty = args.tty && !args.no_tty && !args.detach && crate::term::stdin_is_tty();
    let svc = adjust(ctx, &project, args, tty)?;
    let compose = ctx.compose().await?;
    let slug = slug()?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| crate::names::oneoff_name(&project, &args.service, &slug));
    let oneoff = OneOff {
        service: args.service.clone(),
        svc,
        name: name.clone(),
        slug,
        wait_for_deps: !args.no_deps,
        env_files: Vec::new(),
        use_aliases: args.use_aliases,
    };
    let mut images = context::images(args.pull, args.quiet_pull, args.build, false);
    images.quiet_build = args.quiet_build;
    let creating = compose.create_oneoff(
        &project,
        &oneoff,
        args.no_deps,
        args.remove_orphans,
        &images,
    );
    let engine = compose.engine();
    if let Err(e) = super::interruptible(&compose, creating).await {
        if matches!(e, Error::Exit(130)) && args.rm {
            // interrupted once it was made: it never ran, and goes as `--rm` says
            let _ = engine.remove_container(&name, true, true).await;
        }
        return Err(e);
    }
    if ctx.global.dry_run {
        return Ok(());
    }
    let fail = |doing: &str, e: crate::engine::EngineError| {
        let doing = format!("service `{}`: {doing} {name}", args.service);
        Error::engine(doing, e)
    };
    if args.detach {
        engine
            .start_container(&name)
            .await
            .map_err(|e| fail("start", e))?;
        if !args.quiet {
            let id = engine.inspect_container(&name).await?.id;
            super::print(&format!("{id}\n"))?;
        }
        return Ok(());
    }
    // attach first, then start: no output is lost
    let session = engine
        .attach(&name, oneoff.svc.stdin_open, false, "")
        .await
        .map_err(|e| fail("attach to", e))?;
    let mut signals =
        crate::term::Signals::forwarded().map_err(|e| Error::io("cannot handle signals", e))?;
    let running = async {
        engine
            .start_container(&name)
            .await
            .map_err(|e| fail("start", e))?;
        {
            let _raw = tty.then(crate::term::RawMode::enable);
            let name = &name;
            crate::term::pump(
                session,
                oneoff.svc.stdin_open,
                tty,
                &[],
                |w, h| async move {
                    let _ = engine.resize_container(name, w, h).await;
                },
            )
            .await;
        }
        engine
            .wait_container(&name)
            .await
            .map_err(|e| fail("wait for", e))
    };
    // while it runs, the signals rcompose gets are the container's (Ctrl-C from a terminal in
    // raw mode reaches it as a keystroke)
    tokio::pin!(running);
    let result = loop {
        tokio::select! {
            r = &mut running => break r,
            signal = signals.recv() => {
                let _ = engine.kill_container(&name, signal).await;
            }
        }
    };
    if args.rm {
        let _ = engine.remove_container(&name, true, true).await;
    }
    match result? {
        0 => Ok(()),
        code => Err(Error::Exit(code as i32)),
    }
}
