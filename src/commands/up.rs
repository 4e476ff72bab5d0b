//! `rcompose up`: converges the project through the service layer, then either returns (`-d`,
//! `--wait`) or streams the containers' logs until they stop, Ctrl-C (or SIGTERM) stopping them
//! gracefully (a second one kills; exit code 130) — also while it still creates and starts them;
//! `--watch` runs the watch beside.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Context, context};
use crate::cli::UpArgs;
use crate::compose::{Compose, Converged};
use crate::engine::{Action, Inventory, LogOptions, Watcher};
use crate::error::Error;
use crate::model::Project;
use crate::plan::{self, Recreate, UpOptions};
use crate::progress::logs::LogPrinter;

pub async fn run(ctx: &Context, args: &UpArgs) -> Result<(), Error> {
    let opts = UpOptions {
        services: args.services.clone(),
        no_deps: args.no_deps,
        recreate: Recreate::from_flags(args.force_recreate, args.no_recreate),
        recreate_deps: args.always_recreate_deps,
        renew_anon_volumes: args.renew_anon_volumes,
        remove_orphans: args.remove_orphans,
        scale: context::parse_scale(&args.scale)?,
        no_start: args.no_start,
        wait: args.wait,
        timeout: args.timeout,
        ..Default::default()
    };
    let start = crate::clock::now_secs();
    // the watch rules are checked before anything is created
    let (project, rules) = match args.watch {
        true => {
            let (project, rules) = ctx.load_watched(&args.services)?;
            (project, Some(rules))
        }
        false => (ctx.load(&args.services)?, None),
    };
    let images = context::images(args.pull, args.quiet_pull, args.build, args.no_build);
    let began = std::time::Instant::now();
    let compose = ctx.compose().await?;
    let mut interrupts = super::interrupts()?;
    let converging = async {
        let converging = super::converge::converge(&compose, &project, &opts, &images, args.yes);
        match (args.wait, args.wait_timeout) {
            (true, Some(secs)) => tokio::time::timeout(Duration::from_secs(secs), converging)
                .await
                .unwrap_or_else(|_| {
                    Err(Error::msg(format!(
                        "the project was not ready within --wait-timeout {secs}s"
                    )))
                }),
            _ => converging.await,
        }
    };
    let converged = match super::until_interrupted(&compose, converging, &mut interrupts).await {
        super::Run::Done(r) => r,
        // interrupted while creating and starting: attached, what this command started then
        // stops (a second Ctrl-C kills it); detached, it stays; the next `up` converges from there
        super::Run::Interrupted { forced } => {
            if !args.detach && !args.wait {
                let scope = interrupted_scope(&project, args);
                if forced {
                    compose
                        .stop_all(&project, &scope, args.timeout, true)
                        .await?;
                } else {
                    tokio::select! {
                        r = compose.stop_all(&project, &scope, args.timeout, false) => r?,
                        _ = interrupts.recv() => compose.stop_all(&project, &scope, args.timeout, true).await?,
                    }
                }
            }
            return Err(Error::Exit(130));
        }
    };
    let converged = match converged {
        Ok(done) => done,
        // `--wait` failed: which services are not ready, why, and their last lines
        Err(e) if args.wait && !ctx.global.dry_run && !matches!(e, Error::Load(_)) => {
            let scope = plan::services_in_scope(&project, &args.services, args.no_deps);
            let elapsed = began.elapsed().as_secs_f64();
            let after = match args.wait_timeout {
                Some(t) => format!("after {elapsed:.1}s of --wait-timeout {t}s"),
                None => format!("after {elapsed:.1}s"),
            };
            let failure = crate::error::with_hint(&e.to_string(), e.hint());
            let report = compose
                .not_ready(&project, &scope, failure, Some(after))
                .await;
            return Err(Error::NotReady(report));
        }
        Err(e) => return Err(e),
    };
    if ctx.global.dry_run || args.no_start {
        return Ok(());
    }
    let compose = Arc::new(compose);
    // detached, Ctrl-C ends the watch; attached, the logs own it (they stop the services)
    let stop: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        if args.detach || args.wait {
            let mut ending = super::interrupts()?;
            Box::pin(async move {
                ending.recv().await;
            })
        } else {
            Box::pin(std::future::pending())
        };
    let watching = rules.map(|rules| {
        let options = crate::watch::Options {
            quiet_period: args.watch_settings.quiet_period,
            quiet: false,
            prune: true,
            debug: ctx.env.watch_debug(),
            env: ctx.env.clone(),
        };
        crate::watch::run(compose.clone(), project.clone(), rules, options, stop)
    });
    if let Some(watching) = watching {
        if args.detach || args.wait {
            // `up -d --watch`: the services run detached, the watch stays in the foreground
            return watching.await;
        }
        return tokio::select! {
            r = attach(ctx, args, &compose, &project, start, &converged, &mut interrupts) => r,
            r = watching => r,
        };
    }
    if args.detach || args.wait {
        return Ok(());
    }
    attach(
        ctx,
        args,
        &compose,
        &project,
        start,
        &converged,
        &mut interrupts,
    )
    .await
}

/// What Ctrl-C stops in an attached `up`: the services the command names (their dependencies
/// keep running, as in Compose), or all of them when it names none.
fn interrupted_scope(project: &Project, args: &UpArgs) -> BTreeSet<String> {
    if args.services.is_empty() {
        plan::services_in_scope(project, &args.services, args.no_deps)
    } else {
        args.services.iter().cloned().collect()
    }
}

/// What the log followers report.
enum Note {
    /// It stopped with its code, or was removed (no code).
    Exited { name: String, code: Option<i64> },
}

/// Streams the attached containers' output until they all stop, or an abort flag or Ctrl-C.
async fn attach(
    ctx: &Context,
    args: &UpArgs,
    compose: &Compose,
    project: &Project,
    since: i64,
    converged: &Converged,
    interrupts: &mut crate::term::Signals,
) -> Result<(), Error> {
    let engine = compose.engine();
    let started = converged.started();
    // which services print: those named (or all), minus --no-attach; --attach restricts
    let scope = plan::services_in_scope(project, &args.services, args.no_deps);
    let shown: BTreeSet<String> = scope
        .iter()
        .filter(|s| {
            args.services.is_empty()
                || args.attach_dependencies
                || args.services.contains(s)
                || args.attach.contains(s)
        })
        .filter(|s| args.attach.is_empty() || args.attach.contains(s))
        .filter(|s| !args.no_attach.contains(s))
        .filter(|s| project.services[*s].attach != Some(false) || args.attach.contains(s))
        .cloned()
        .collect();
    let containers = engine.list_containers(Some(&project.name), true).await?;
    let watched: Vec<(String, String)> = containers
        .iter()
        .filter(|c| !c.is_oneoff() && scope.contains(c.service()))
        .map(|c| (c.name.clone(), c.service().to_string()))
        .collect();
    let prefix_of = |name: &str| crate::commands::logs::short_name(&project.name, name);
    let printer = Arc::new(LogPrinter::new(
        ctx.color(true) && !args.no_color,
        !args.no_log_prefix,
    ));
    let index: BTreeMap<String, usize> = watched
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.clone(), i))
        .collect();
    let attached: Vec<&String> = watched
        .iter()
        .filter(|(_, s)| shown.contains(s))
        .map(|(n, _)| n)
        .collect();
    let list: Vec<String> = attached.iter().map(|n| prefix_of(n)).collect();
    eprintln!("Attaching to {}", list.join(", "));

    let (tx, mut rx) = mpsc::unbounded_channel::<Note>();
    let follow = |name: String, since: i64, tx: mpsc::UnboundedSender<Note>| {
        let engine = engine.clone();
        let printer = printer.clone();
        let i = index.get(&name).copied().unwrap_or(0);
        let show = attached.contains(&&name);
        let label = prefix_of(&name);
        let timestamps = args.timestamps;
        tokio::spawn(async move {
            if show {
                let mut sink = printer.sink(&label, i);
                let opts = LogOptions {
                    follow: true,
                    since: Some(since),
                    timestamps,
                    ..Default::default()
                };
                let mut logs = engine.logs(&name, opts);
                while let Some(Ok(chunk)) = logs.next().await {
                    sink.write(&chunk.text);
                }
                sink.flush();
            }
            // a container removed under us (`docker rm -f`) is said so, not given a code
            let code = match engine.wait_container(&name).await {
                Ok(code) => Some(code),
                Err(e) if e.is_not_found() => None,
                Err(_) => Some(-1),
            };
            let _ = tx.send(Note::Exited { name, code });
        });
    };
    let mut following: HashSet<String> = HashSet::new();
    // every container followed since the start: an exit of any of them can end an abort
    let mut followed: BTreeSet<String> = BTreeSet::new();
    for (name, _) in &watched {
        let running = containers.iter().any(|c| &c.name == name && c.is_running());
        if running || started.contains(name) {
            follow(name.clone(), since, tx.clone());
            following.insert(name.clone());
            followed.insert(name.clone());
        }
    }
    let mut events = engine.events(&project.name);
    let abort = args.abort_on_container_exit
        || args.abort_on_container_failure
        || args.exit_code_from.is_some();
    let mut result: Option<i32> = None;
    loop {
        if following.is_empty() {
            // nothing prints any more: done unless a container is on its way back (restart policy)
            let again = engine.list_containers(Some(&project.name), false).await?;
            if !again
                .iter()
                .any(|c| watched.iter().any(|(n, _)| *n == c.name))
            {
                break;
            }
        }
        tokio::select! {
            Some(note) = rx.recv() => {
                let Note::Exited { name, code } = note;
                following.remove(&name);
                let i = index.get(&name).copied().unwrap_or(0);
                let Some(code) = code else {
                    printer.note(&prefix_of(&name), i, "was removed");
                    continue;
                };
                printer.note(&prefix_of(&name), i, &format!("exited with code {code}"));
                let service = watched.iter().find(|(n, _)| *n == name).map(|(_, s)| s.clone()).unwrap_or_default();
                let stop = match &args.exit_code_from {
                    Some(s) => *s == service,
                    None => args.abort_on_container_exit || (args.abort_on_container_failure && code != 0),
                };
                if abort && stop {
                    eprintln!("Aborting on container exit...");
                    // the notes race each other: the code is the first exit's, by the engine's clock
                    let code = match &args.exit_code_from {
                        Some(_) => code,
                        None => first_exit(engine, &followed, &name, code, args.abort_on_container_failure).await,
                    };
                    result = Some(code as i32);
                    compose.stop_all(project, &scope, args.timeout, false).await?;
                    break;
                }
            }
            Some(Ok(e)) = events.next() => {
                if e.action == Action::Start && watched.iter().any(|(n, _)| *n == e.name) && following.insert(e.name.clone()) {
                    followed.insert(e.name.clone());
                    follow(e.name.clone(), crate::clock::now_secs(), tx.clone());
                }
            }
            _ = interrupts.recv() => {
                eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
                let scope = interrupted_scope(project, args);
                tokio::select! {
                    r = compose.stop_all(project, &scope, args.timeout, false) => r?,
                    _ = interrupts.recv() => compose.stop_all(project, &scope, args.timeout, true).await?,
                }
                return Err(Error::Exit(130));
            }
        }
    }
    match result {
        Some(code) if args.exit_code_from.is_some() || code != 0 => Err(Error::Exit(code)),
        _ => Ok(()),
    }
}

/// The exit code of the container that stopped first among `followed`, by the engine's
/// `FinishedAt` (with `failures` only a non-zero exit counts): the followers' notes arrive in
/// the order their calls return, which need not be the order the containers stopped in
/// (`noted` stopped with `code`, and is the answer when nothing stopped before it).
async fn first_exit(
    engine: &impl Watcher,
    followed: &BTreeSet<String>,
    noted: &str,
    code: i64,
    failures: bool,
) -> i64 {
    let mut first: Option<(i128, i64)> = None;
    for name in followed {
        let Ok(st) = engine.inspect_container(name).await else {
            continue;
        };
        if !st.status.is_stopped() || (failures && st.exit_code == 0) {
            continue;
        }
        let Some(at) = crate::clock::rfc3339_nanos(&st.finished_at) else {
            continue;
        };
        // `StartedAt` is not compared: it is dockerd's clock after containerd's start returned,
        // `FinishedAt` containerd's exit time, so a process that ends at once can have stopped
        // "before" it started (measured on 20.10: 1 container in 12). A container started again
        // since (restart policy) is not stopped, and so not looked at.
        let code = if name == noted { code } else { st.exit_code };
        if first.is_none_or(|(t, _)| at < t) {
            first = Some((at, code));
        }
    }
    first.map_or(code, |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BoxStream, ContainerEvent, ContainerState, LogChunk, Result, Status};

    /// Stopped containers as the engine reports them: name, exit code, start and stop times.
    struct Stopped(Vec<(&'static str, i64, &'static str, &'static str)>);

    impl Watcher for Stopped {
        async fn inspect_container(&self, name: &str) -> Result<ContainerState> {
            let (_, code, started, finished) = *self.0.iter().find(|c| c.0 == name).unwrap();
            Ok(ContainerState {
                name: name.to_string(),
                status: Status::Exited,
                exit_code: code,
                started_at: started.to_string(),
                finished_at: finished.to_string(),
                ..Default::default()
            })
        }
        async fn wait_container(&self, _: &str) -> Result<i64> {
            unreachable!("first_exit only inspects")
        }
        fn events(&self, _: &str) -> BoxStream<'static, Result<ContainerEvent>> {
            unreachable!("first_exit only inspects")
        }
        fn logs(&self, _: &str, _: LogOptions) -> BoxStream<'static, Result<LogChunk>> {
            unreachable!("first_exit only inspects")
        }
    }

    #[tokio::test]
    async fn the_first_exit_counts_even_when_it_ended_before_the_engine_noted_its_start() {
        // as measured on 20.10: `exit 0` at once, FinishedAt 216 ns before StartedAt
        let engine = Stopped(vec![
            (
                "p-ok-1",
                0,
                "2026-12-01T14:31:07.993163907Z",
                "2026-12-01T14:31:07.992947838Z",
            ),
            (
                "p-fail-1",
                3,
                "2026-12-01T14:31:07.995000000Z",
                "2026-12-01T14:31:09.001000000Z",
            ),
        ]);
        let followed: BTreeSet<String> = ["p-ok-1", "p-fail-1"].map(String::from).into();
        // the note of `fail` arrived first: the engine's clock still makes `ok` the first
        assert_eq!(
            first_exit(&engine, &followed, "p-fail-1", 3, false).await,
            0
        );
        // with failures only, `ok`'s 0 does not count
        assert_eq!(first_exit(&engine, &followed, "p-fail-1", 3, true).await, 3);
    }
}
