//! The command layer: one module per subcommand, each a thin adapter — its clap arguments and the
//! [`Context`] (global flags, environment) into settings, one call of the service layer or the
//! engine, then its output on stdout. This module parses the command line, runs the command,
//! and renders its error once ([`crate::error::render`]) with its exit code.

mod attach;
mod build;
mod commit;
mod completion;
mod config;
mod context;
mod converge;
mod cp;
mod create;
mod down;
mod events;
mod exec;
mod export;
mod graph;
mod images;
mod lifecycle;
mod logs;
mod ls;
mod port;
mod ps;
mod publish;
mod pull;
mod push;
mod rm;
mod run;
mod scale;
mod stack;
mod stats;
mod top;
mod up;
mod version;
mod volumes;
mod wait;
mod watch;

use std::io::Write;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::compose::Target;
use crate::engine::ContainerInfo;
use crate::error::Error;
use crate::settings::Env;

pub use context::Context;

/// Entry point of the binary: returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let ctx = Context::new(cli.global, Env::from_process());
    let result = match &cli.command {
        Command::Config(args) => config::run(&ctx, args),
        Command::Graph(args) => graph::run(&ctx, args),
        Command::Completion(args) => completion::run(args),
        Command::Version(args) => version::run(args),
        command => block_on(dispatch(&ctx, command)),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprint!("{}", crate::error::render(&e));
            e.exit_code()
        }
    }
}

/// The commands that talk to the engine.
async fn dispatch(ctx: &Context, command: &Command) -> Result<(), Error> {
    use crate::plan::Lifecycle as L;
    match command {
        Command::Up(args) => up::run(ctx, args).await,
        Command::Down(args) => down::run(ctx, args).await,
        Command::Ps(args) => ps::run(ctx, args).await,
        Command::Create(args) => create::run(ctx, args).await,
        Command::Start(args) => lifecycle::run(ctx, &args.services, L::Start).await,
        Command::Stop(args) => {
            let timeout = args.timeout;
            lifecycle::run(ctx, &args.services, L::Stop { timeout }).await
        }
        Command::Restart(args) => lifecycle::restart(ctx, args).await,
        Command::Kill(args) => {
            let signal = args.signal.clone();
            lifecycle::run(ctx, &args.services, L::Kill { signal }).await
        }
        Command::Pause(args) => lifecycle::run(ctx, &args.services, L::Pause).await,
        Command::Unpause(args) => lifecycle::run(ctx, &args.services, L::Unpause).await,
        Command::Rm(args) => rm::run(ctx, args).await,
        Command::Wait(args) => wait::run(ctx, args).await,
        Command::Scale(args) => scale::run(ctx, args).await,
        Command::Ls(args) => ls::run(ctx, args).await,
        Command::Build(args) => build::run(ctx, args).await,
        Command::Pull(args) => pull::run(ctx, args).await,
        Command::Push(args) => push::run(ctx, args).await,
        Command::Images(args) => images::run(ctx, args).await,
        Command::Logs(args) => logs::run(ctx, args).await,
        Command::Exec(args) => exec::run(ctx, args).await,
        Command::Run(args) => run::run(ctx, args).await,
        Command::Cp(args) => cp::run(ctx, args).await,
        Command::Top(args) => top::run(ctx, args).await,
        Command::Port(args) => port::run(ctx, args).await,
        Command::Events(args) => events::run(ctx, args).await,
        Command::Attach(args) => attach::run(ctx, args).await,
        Command::Stats(args) => stats::run(ctx, args).await,
        Command::Watch(args) => watch::run(ctx, args).await,
        Command::Volumes(args) => volumes::run(ctx, args).await,
        Command::Publish(args) => publish::run(ctx, args).await,
        Command::Commit(args) => commit::run(ctx, args).await,
        Command::Export(args) => export::run(ctx, args).await,
        Command::Stack(args) => stack::run(ctx, args).await,
        Command::Config(_) | Command::Graph(_) | Command::Completion(_) | Command::Version(_) => {
            unreachable!("run without the engine")
        }
    }
}

/// Ctrl-C and SIGTERM, heard from now on ([`crate::term::Signals::interrupts`]).
pub(crate) fn interrupts() -> Result<crate::term::Signals, Error> {
    crate::term::Signals::interrupts().map_err(|e| Error::io("cannot handle Ctrl-C", e))
}

/// How [`until_interrupted`] ended.
pub(crate) enum Run<T> {
    /// The work ended by itself.
    Done(Result<T, Error>),
    /// A request to stop came first; `forced` when a second came before the calls under way
    /// finished.
    Interrupted { forced: bool },
}

/// Runs a command's steps on the engine until a request to stop: then no further step starts
/// (the calls under way finish; waits, builds and pulls end), unless a second request comes.
pub(crate) async fn until_interrupted<T, E: crate::engine::Engine>(
    compose: &crate::compose::Compose<E>,
    work: impl std::future::Future<Output = Result<T, Error>>,
    interrupts: &mut crate::term::Signals,
) -> Run<T> {
    tokio::pin!(work);
    tokio::select! {
        r = &mut work => return Run::Done(r),
        _ = interrupts.recv() => {}
    }
    eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
    compose.interrupt();
    let forced = tokio::select! {
        _ = &mut work => false,
        _ = interrupts.recv() => true,
    };
    compose.resume();
    Run::Interrupted { forced }
}

/// [`until_interrupted`] for a command with nothing to undo: interrupted, it exits 130. The next
/// command converges from whatever was left.
pub(crate) async fn interruptible<T, E: crate::engine::Engine>(
    compose: &crate::compose::Compose<E>,
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match until_interrupted(compose, work, &mut interrupts()?).await {
        Run::Done(r) => r,
        Run::Interrupted { .. } => Err(Error::Exit(130)),
    }
}

/// Runs engine work on a single-threaded runtime (engine calls are I/O: they overlap); `config`
/// uses it for its digests.
fn block_on<T>(f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let result = rt.block_on(f);
    // a read of a terminal's stdin may still be blocked in a thread: do not wait for it
    rt.shutdown_background();
    result
}

/// The rows printed by a `--format` template (`None` for `table` and `json`, which each
/// command prints its own way); a template that does not fit the rows is an error of the flag.
pub(crate) fn templated(
    format: &crate::cli::Format,
    rows: &[serde_json::Value],
    headers: &[(&str, &str)],
) -> Option<Result<String, Error>> {
    let text = format.rows(rows, headers)?;
    Some(text.map_err(|why| Error::Invalid {
        flag: "--format".into(),
        value: format.to_string(),
        why,
    }))
}

/// Writes to stdout; a closed pipe is not an error.
pub fn print(text: &str) -> Result<(), Error> {
    print_bytes(text.as_bytes())
}

/// Writes bytes to stdout; a closed pipe is not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("cannot write output", e)),
    }
}

/// The container of `service` a command acts on: replica `index` (default: the lowest number)
/// of the running ones (`running_only`), one-offs aside unless `oneoff`. The errors say which
/// of service, container and index is missing.
pub fn one_container<'a>(
    all: &'a [ContainerInfo],
    target: &Target,
    service: &str,
    index: Option<u32>,
    running_only: bool,
    oneoff: bool,
) -> Result<&'a ContainerInfo, Error> {
    let services = [service.to_string()];
    let mut mine: Vec<&ContainerInfo> = crate::compose::select(all, &services)
        .into_iter()
        .filter(|c| oneoff || !c.is_oneoff())
        .collect();
    if target.model().is_none() && mine.is_empty() {
        return Err(Error::msg(format!(
            "no such service: {service} (project {} has no container of it)",
            target.name()
        )));
    }
    mine.sort_by_key(|c| (c.is_oneoff(), c.number()));
    let (running, stopped): (Vec<_>, Vec<_>) = mine.iter().partition(|c| c.is_running());
    let pool = if running_only { &running } else { &mine };
    let which = if running_only { "running " } else { "" };
    match index {
        Some(i) => pool
            .iter()
            .find(|c| c.number() == i)
            .copied()
            .ok_or_else(|| {
                let numbers: Vec<String> = pool.iter().map(|c| c.number().to_string()).collect();
                Error::msg(if numbers.is_empty() {
                    format!("service {service} has no {which}container")
                } else {
                    format!(
                        "service {service} has no {which}container with index {i} (it has {})",
                        numbers.join(", ")
                    )
                })
            }),
        None => pool.first().copied().ok_or_else(|| {
            Error::msg(if stopped.is_empty() {
                format!("service {service} has no container: `rcompose up {service}` creates it")
            } else {
                format!("service {service} is not running: `rcompose start {service}` starts it")
            })
        }),
    }
}
