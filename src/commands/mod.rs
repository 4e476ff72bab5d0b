//! One module per subcommand; this one parses the command line, builds the load options from
//! flags and environment, runs the command and turns its outcome into an exit code.

pub mod attach;
pub mod build;
pub mod completion;
pub mod config;
pub mod cp;
pub mod create;
pub mod down;
pub mod events;
pub mod exec;
pub mod graph;
pub mod images;
pub mod kill;
pub mod logs;
pub mod ls;
pub mod pause;
pub mod port;
pub mod ps;
pub mod pull;
pub mod push;
pub mod restart;
pub mod rm;
pub mod run;
pub mod scale;
pub mod start;
pub mod stats;
pub mod stop;
pub mod top;
pub mod unpause;
pub mod up;
pub mod version;
pub mod wait;
pub mod watch;

use std::io::{Read, Write};

use clap::Parser;

use crate::cli::{Cli, Command, Global};
use crate::load::{self, ErrorKind, LoadErrors, Options};

/// What a command can fail with.
pub enum Failure {
    /// A bad project (exit 1) or bad usage (exit 2), rendered with locations.
    Load(LoadErrors),
    /// Anything else, with a message.
    Other(String),
    /// An exit code without a message (`--exit-code-from`, interrupted: 130).
    Exit(i32),
}

impl From<crate::engine::EngineError> for Failure {
    fn from(e: crate::engine::EngineError) -> Self {
        Failure::Other(e.message)
    }
}

impl From<crate::exec::ExecError> for Failure {
    fn from(e: crate::exec::ExecError) -> Self {
        Failure::Other(e.to_string())
    }
}

impl From<crate::plan::PlanError> for Failure {
    fn from(e: crate::plan::PlanError) -> Self {
        Failure::Other(e.to_string())
    }
}

impl From<LoadErrors> for Failure {
    fn from(e: LoadErrors) -> Self {
        Failure::Load(e)
    }
}

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
    let g = &cli.global;
    let result = match &cli.command {
        Command::Config(args) => config::run(g, args),
        Command::Graph(args) => graph::run(g, args),
        Command::Completion(args) => completion::run(args),
        Command::Up(args) => block_on(up::run(g, args)),
        Command::Down(args) => block_on(down::run(g, args)),
        Command::Ps(args) => block_on(ps::run(g, args)),
        Command::Create(args) => block_on(create::run(g, args)),
        Command::Start(args) => block_on(start::run(g, args)),
        Command::Stop(args) => block_on(stop::run(g, args)),
        Command::Restart(args) => block_on(restart::run(g, args)),
        Command::Kill(args) => block_on(kill::run(g, args)),
        Command::Rm(args) => block_on(rm::run(g, args)),
        Command::Pause(args) => block_on(pause::run(g, args)),
        Command::Unpause(args) => block_on(unpause::run(g, args)),
        Command::Wait(args) => block_on(wait::run(g, args)),
        Command::Scale(args) => block_on(scale::run(g, args)),
        Command::Ls(args) => block_on(ls::run(g, args)),
        Command::Build(args) => block_on(build::run(g, args)),
        Command::Pull(args) => block_on(pull::run(g, args)),
        Command::Push(args) => block_on(push::run(g, args)),
        Command::Images(args) => block_on(images::run(g, args)),
        Command::Logs(args) => block_on(logs::run(g, args)),
        Command::Exec(args) => block_on(exec::run(g, args)),
        Command::Run(args) => block_on(run::run(g, args)),
        Command::Cp(args) => block_on(cp::run(g, args)),
        Command::Top(args) => block_on(top::run(g, args)),
        Command::Port(args) => block_on(port::run(g, args)),
        Command::Events(args) => block_on(events::run(g, args)),
        Command::Attach(args) => block_on(attach::run(g, args)),
        Command::Stats(args) => block_on(stats::run(g, args)),
        Command::Version(args) => version::run(args),
        Command::Watch(args) => block_on(watch::run(g, args)),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Load(e)) => {
            eprint!("{}", crate::render::errors(&e));
            if e.0.iter().all(|x| x.kind == ErrorKind::Usage) {
                2
            } else {
                1
            }
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            1
        }
        Err(Failure::Exit(code)) => code,
    }
}

/// Runs an engine command on a single-threaded runtime (engine calls are I/O: they overlap).
fn block_on(f: impl std::future::Future<Output = Result<(), Failure>>) -> Result<(), Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the async runtime: {e}")))?;
    let result = rt.block_on(f);
    // a read of a terminal's stdin may still be blocked in a thread: do not wait for it
    rt.shutdown_background();
    result
}

/// Connects to the engine (`DOCKER_HOST` or the local socket).
pub async fn connect() -> Result<crate::engine::Docker, Failure> {
    Ok(crate::engine::Docker::connect().await?)
}

/// Loads the project (its warnings on stderr); `services` enable their profiles.
pub fn load_project(
    global: &Global,
    services: &[String],
) -> Result<crate::model::Project, Failure> {
    load_project_with(global, services, |_| {})
}

/// [`load_project`] with the load options adjusted first (`watch` checks the watch rules).
pub fn load_project_with(
    global: &Global,
    services: &[String],
    adjust: impl FnOnce(&mut load::Options),
) -> Result<crate::model::Project, Failure> {
    let mut o = options(global, services)?;
    adjust(&mut o);
    let loaded = load::load(&o)?;
    warn(&loaded);
    require_services(&loaded.project, services)?;
    Ok(loaded.project)
}

/// Every name in `services` is a service of `project`; the error names the first that is not.
pub fn require_services(
    project: &crate::model::Project,
    services: &[String],
) -> Result<(), Failure> {
    match services.iter().find(|s| !project.services.contains_key(*s)) {
        Some(s) => Err(no_such_service(project, s)),
        None => Ok(()),
    }
}

/// What a command works on: the loaded project, or only its name (`-p NAME` without files,
/// read back from the engine's labels, as Compose does for ps, down, stop, logs...).
pub enum Target {
    Project(Box<crate::model::Project>),
    Name(String),
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Project(p) => &p.name,
            Target::Name(n) => n,
        }
    }
    pub fn model(&self) -> Option<&crate::model::Project> {
        match self {
            Target::Project(p) => Some(p),
            Target::Name(_) => None,
        }
    }
}

/// The project, or with `-p NAME` / `COMPOSE_PROJECT_NAME` and no compose file, its name.
pub fn target(global: &Global, services: &[String]) -> Result<Target, Failure> {
    let opts = options(global, services)?;
    match load::load(&opts) {
        Ok(loaded) => {
            warn(&loaded);
            require_services(&loaded.project, services)?;
            Ok(Target::Project(Box::new(loaded.project)))
        }
        Err(e) if no_file(&e) => {
            let name = global
                .project_name
                .clone()
                .or_else(|| std::env::var("COMPOSE_PROJECT_NAME").ok())
                .filter(|n| !n.is_empty());
            match name {
                Some(n) if crate::names::normalize_project_name(&n) == n => Ok(Target::Name(n)),
                _ => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

fn no_file(e: &LoadErrors) -> bool {
    e.0.len() == 1 && e.0[0].message.starts_with("no configuration file provided")
}

/// The progress renderer the global flags ask for.
pub fn progress(global: &Global) -> Box<dyn crate::progress::Progress> {
    Settings::of(global).renderer()
}

/// What the paths commands share (`execute`, `up`'s convergence) take from the global flags, so
/// that the library runs them without a command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub dry_run: bool,
    /// `--env-file` files (they label the containers).
    pub env_files: Vec<String>,
    pub progress: crate::progress::Mode,
    /// Colours in the progress (on stderr).
    pub color: bool,
}

impl Settings {
    pub fn of(global: &Global) -> Settings {
        use crate::cli::Progress as P;
        use crate::progress::Mode;
        Settings {
            dry_run: global.dry_run,
            env_files: global.env_files.clone(),
            progress: match global.progress {
                P::Auto => Mode::Auto,
                P::Tty => Mode::Tty,
                P::Plain => Mode::Plain,
                P::Json => Mode::Json,
                P::Quiet => Mode::Quiet,
            },
            color: color(global, false),
        }
    }

    /// No output, no dry run, no `--env-file`: the library's.
    pub fn quiet() -> Settings {
        Settings {
            dry_run: false,
            env_files: Vec::new(),
            progress: crate::progress::Mode::Quiet,
            color: false,
        }
    }

    pub fn renderer(&self) -> Box<dyn crate::progress::Progress> {
        crate::progress::renderer(self.progress, self.color)
    }
}

/// Colours on stdout (`for_stdout`) or stderr: `--ansi`, `NO_COLOR`, and whether it is a terminal.
pub fn color(global: &Global, for_stdout: bool) -> bool {
    use std::io::IsTerminal;
    match global.ansi {
        crate::cli::Ansi::Always => true,
        crate::cli::Ansi::Never => false,
        crate::cli::Ansi::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && if for_stdout {
                    std::io::stdout().is_terminal()
                } else {
                    std::io::stderr().is_terminal()
                }
        }
    }
}

/// [`execute`] with the progress and `--dry-run` of the global flags.
pub async fn run_plan<E: crate::engine::Engine>(
    global: &Global,
    engine: &E,
    project: &str,
    plan: &crate::plan::Plan,
) -> Result<(), Failure> {
    let progress = progress(global);
    execute(engine, project, plan, global.dry_run, progress.as_ref()).await
}

/// Runs a plan with progress (or prints it with `--dry-run`); warnings first.
pub async fn execute<E: crate::engine::Engine>(
    engine: &E,
    project: &str,
    plan: &crate::plan::Plan,
    dry_run: bool,
    progress: &dyn crate::progress::Progress,
) -> Result<(), Failure> {
    for w in &plan.warnings {
        progress.message(&format!("warning: {w}"));
    }
    if dry_run {
        print(&plan.to_string())?;
        return Ok(());
    }
    let monitor = crate::exec::Monitor::start(engine, project);
    // as in Compose: at most COMPOSE_PARALLEL_LIMIT engine calls at a time (default: no limit)
    let limit = std::env::var("COMPOSE_PARALLEL_LIMIT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0);
    let result = crate::exec::run(engine, plan, progress, &monitor, limit).await;
    progress.finish();
    for w in result? {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// The containers of `services` (all when empty; [`target`] and [`load_project`] have checked
/// the names).
pub fn select<'a>(
    containers: &'a [crate::engine::ContainerInfo],
    services: &[String],
) -> Vec<&'a crate::engine::ContainerInfo> {
    containers
        .iter()
        .filter(|c| services.is_empty() || services.iter().any(|s| s == c.service()))
        .collect()
}

/// `no such service: x`, with a did-you-mean or the profile that would enable it.
pub fn no_such_service(project: &crate::model::Project, name: &str) -> Failure {
    let mut e = load::LoadError::new(ErrorKind::Undefined, format!("no such service: {name}"));
    if let Some(svc) = project.disabled.get(name) {
        e = e.hint(format!(
            "it is in profile `{}`: add `--profile {}`",
            svc.profiles.join("`, `"),
            svc.profiles.first().map_or("", String::as_str)
        ));
    } else if let Some(best) =
        load::error::did_you_mean(name, project.services.keys().map(String::as_str))
    {
        e = e.hint(format!("did you mean `{best}`?"));
    } else {
        let names: Vec<&str> = project.services.keys().map(String::as_str).collect();
        e = e.hint(format!("the services are: {}", names.join(", ")));
    }
    Failure::Load(e.into())
}

/// Load options from the global flags and the process environment.
pub fn options(global: &Global, services: &[String]) -> Result<Options, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::Other(format!("cannot read the current folder: {e}")))?;
    let mut o = Options::new(cwd);
    o.os_env = std::env::vars().collect();
    o.files = global.files.clone();
    o.project_directory = global.project_directory.clone();
    o.project_name = global.project_name.clone();
    o.env_files = global.env_files.clone();
    o.profiles = global
        .profiles
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::to_string)
        .collect();
    o.services = services.to_vec();
    if o.files.iter().any(|f| f == "-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Other(format!("cannot read stdin: {e}")))?;
        o.stdin = Some(s);
    }
    Ok(o)
}

/// Prints warnings from the load on stderr.
pub fn warn(loaded: &load::Loaded) {
    let mut err = std::io::stderr();
    for w in &loaded.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// Writes to stdout; a closed pipe is not an error.
pub fn print(text: &str) -> Result<(), Failure> {
    print_bytes(text.as_bytes())
}

/// Writes bytes to stdout; a closed pipe is not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Other(format!("cannot write output: {e}"))),
    }
}

/// Applies one operation to each of the selected services' containers that `wanted` keeps, in
/// dependency order (dependents first when `dependents_first`), each level in parallel.
pub async fn lifecycle(
    global: &Global,
    services: &[String],
    dependents_first: bool,
    what: &str,
    wanted: impl Fn(&crate::engine::ContainerInfo) -> bool,
    op: impl Fn(&crate::engine::ContainerInfo) -> crate::plan::Op,
) -> Result<(), Failure> {
    let target = target(global, services)?;
    let engine = connect().await?;
    let observed = crate::observe::observe(&engine, target.name(), None).await?;
    let containers: Vec<&crate::engine::ContainerInfo> = select(&observed.containers, services)
        .into_iter()
        .filter(|c| !c.is_oneoff() && wanted(c))
        .collect();
    if containers.is_empty() {
        eprintln!("no container {what} in project {}", target.name());
        return Ok(());
    }
    let plan = crate::plan::per_container(&containers, dependents_first, op);
    run_plan(global, &engine, target.name(), &plan).await
}

/// The container of `service` a command acts on: replica `index` (default: the lowest number)
/// of the running ones (`running_only`), one-offs aside unless `oneoff`. The errors say which
/// of service, container and index is missing.
pub fn one_container<'a>(
    all: &'a [crate::engine::ContainerInfo],
    target: &Target,
    service: &str,
    index: Option<u32>,
    running_only: bool,
    oneoff: bool,
) -> Result<&'a crate::engine::ContainerInfo, Failure> {
    let services = [service.to_string()];
    let mut mine: Vec<&crate::engine::ContainerInfo> = select(all, &services)
        .into_iter()
        .filter(|c| oneoff || !c.is_oneoff())
        .collect();
    if target.model().is_none() && mine.is_empty() {
        return Err(Failure::Other(format!(
            "no such service: {service} (project {} has no container of it)",
            target.name()
        )));
    }
    mine.sort_by_key(|c| (c.is_oneoff(), c.number()));
    let (running, stopped): (Vec<_>, Vec<_>) = mine.iter().partition(|c| c.is_running());
    let pool = if running_only { &running } else { &mine };
    match index {
        Some(i) => pool
            .iter()
            .find(|c| c.number() == i)
            .copied()
            .ok_or_else(|| {
                let numbers: Vec<String> = pool.iter().map(|c| c.number().to_string()).collect();
                Failure::Other(if numbers.is_empty() {
                    format!(
                        "service {service} has no {}container",
                        if running_only { "running " } else { "" }
                    )
                } else {
                    format!(
                        "service {service} has no {}container with index {i} (it has {})",
                        if running_only { "running " } else { "" },
                        numbers.join(", ")
                    )
                })
            }),
        None => pool.first().copied().ok_or_else(|| {
            Failure::Other(if stopped.is_empty() {
                format!("service {service} has no container: `rcompose up {service}` creates it")
            } else {
                format!("service {service} is not running: `rcompose start {service}` starts it")
            })
        }),
    }
}
