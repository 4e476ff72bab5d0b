//! The service layer: one [`Compose`] value, configured by injection (an engine, the options
//! that shape every run, a progress sink), with the operations of Compose written once —
//! converge (`up`), `down`, the lifecycle actions, builds, pulls and pushes, a one-off's
//! container, a watch's rebuild, and a stack's deploy and removal on a Swarm. The command line, the library's test environments and `watch`
//! all call it; it reads no environment variable and prints nothing itself (the sink does).
//!
//! ```no_run
//! # async fn demo() -> Result<(), rcompose::Error> {
//! use rcompose::compose::{Compose, Env, Images, Options, UpOptions};
//!
//! let env = Env::from_process();
//! let project = rcompose::load::load(&rcompose::load::Options::new("."))?.project;
//! let compose = Compose::connect(&env, Options::default(), rcompose::compose::quiet()).await?;
//! compose.up(&project, &UpOptions::default(), &Images::default()).await?;
//! # Ok(()) }
//! ```

mod images;
mod lifecycle;
pub(crate) mod publish;
mod stack;
mod up;

use std::sync::Arc;

use crate::engine::{ContainerInfo, Engine};
use crate::error::{Error, with_hint};
use crate::exec::{Executor, Monitor};
use crate::model::Project;
use crate::plan::Plan;

pub use crate::engine::Docker;
pub use crate::exec::ExecError;
pub use crate::observe::Observed;
pub use crate::plan::{
    Build, DivergedVolumes, DownOptions, Lifecycle, OneOff, Pull, Recreate, RemoveImages,
    UpOptions, services_in_scope,
};
pub use crate::progress::{Event, Progress, State as EventState};
pub use crate::ready::Unready;
pub use crate::settings::Env;
pub use images::Images;
pub use lifecycle::Done;
pub use stack::{Deploy, Resolve, ServiceStatus, StackSummary, pinned};
pub use up::Converged;

/// The engine behind the service layer: the roles an engine plays (implement them to run the
/// layer on another engine), a connection to a real one, and the objects they speak of.
pub mod engine {
    pub use crate::engine::{
        Action, BoxStream, BuildOutput, BuildRequest, BuildSecret, BuildStep, Builder,
        ContainerEvent, ContainerInfo, ContainerState, Docker, Engine, EngineError, ErrorKind,
        Health, ImageInfo, ImageStore, Inventory, LogChunk, LogOptions, LogSource, NetworkInfo,
        PortInfo, PullProgress, Resources, Result, SshSource, Status, StepState, VolumeInfo,
        Watcher,
    };
}

/// Plans: the steps the layer runs, each one engine call with what it waits for and why.
pub mod plan {
    pub use crate::build::{BuildSpec, DockerfileSource, Overrides};
    pub use crate::plan::spec::ContainerSpec;
    pub use crate::plan::{Divergence, Group, Op, Plan, PlanError, Reason, Step};
}

/// What shapes every run of the service layer, injected by its caller.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print plans (on the sink) instead of running them.
    pub dry_run: bool,
    /// At most this many engine calls at a time (`None`: no limit).
    pub parallel: Option<usize>,
    /// `up` creates every network and volume of the model, used or not (`--all-resources`).
    pub all_resources: bool,
    /// Orphan containers are not reported.
    pub ignore_orphans: bool,
    /// `--env-file` files given (a container label).
    pub env_files: Vec<String>,
    /// The builder builds ask for (BuildKit unless `DOCKER_BUILDKIT=0`); an engine without
    /// BuildKit gets the classic builder whatever this says.
    pub builder: crate::engine::Builder,
}

/// A progress sink that shows nothing but warnings (the library's).
pub fn quiet() -> Arc<dyn Progress> {
    Arc::new(crate::progress::Quiet)
}

/// What a command works on: the loaded project, or only its name (`-p NAME` without files,
/// read back from the engine's labels, as Compose does for ps, down, stop, logs...).
pub enum Target {
    /// The project as loaded from its files.
    Project(Box<Project>),
    /// Only its name: what the engine's labels say is all there is.
    Name(String),
}

impl Target {
    /// The project's name.
    pub fn name(&self) -> &str {
        match self {
            Target::Project(p) => &p.name,
            Target::Name(n) => n,
        }
    }

    /// The project's model, when its files were loaded.
    pub fn model(&self) -> Option<&Project> {
        match self {
            Target::Project(p) => Some(p),
            Target::Name(_) => None,
        }
    }
}

/// The service layer on an engine.
pub struct Compose<E = Docker> {
    engine: E,
    options: Options,
    progress: Arc<dyn Progress>,
    interrupt: crate::exec::Interrupt,
}

impl Compose<Docker> {
    /// Connects to the engine `env` names (`DOCKER_HOST`, else the local socket).
    pub async fn connect(
        env: &Env,
        options: Options,
        progress: Arc<dyn Progress>,
    ) -> Result<Compose<Docker>, Error> {
        Ok(Compose::new(docker(env).await?, options, progress))
    }
}

/// A connection to the engine `env` names; the error says where rcompose looked.
pub async fn docker(env: &Env) -> Result<Docker, Error> {
    let host = env.docker_host();
    Docker::connect(&host, env.docker_config_dir())
        .await
        .map_err(|e| Error::Unreachable {
            host,
            message: e.message,
        })
}

impl<E: Engine> Compose<E> {
    /// The service layer on `engine`, with `options`, reporting to `progress`.
    pub fn new(engine: E, options: Options, progress: Arc<dyn Progress>) -> Compose<E> {
        Compose {
            engine,
            options,
            progress,
            interrupt: Default::default(),
        }
    }

    /// Asks the plan running to stop (Ctrl-C): see [`crate::exec::Interrupt`]. Plans fail as
    /// interrupted until [`Compose::resume`].
    pub fn interrupt(&self) {
        self.interrupt.set();
    }

    /// Until [`Compose::interrupt`] is called (a question to the user ends there).
    pub async fn interrupted(&self) {
        self.interrupt.wait().await;
    }

    /// Plans run again (to stop what an interrupted one started, say).
    pub fn resume(&self) {
        self.interrupt.clear();
    }

    /// The engine, for the calls a command makes itself (logs, exec, attach...).
    pub fn engine(&self) -> &E {
        &self.engine
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The progress sink.
    pub fn progress(&self) -> &dyn Progress {
        self.progress.as_ref()
    }

    /// The sink, or none but warnings when `quiet` (`--quiet-build`, `pull -q`...).
    fn sink(&self, quiet: bool) -> &dyn Progress {
        if quiet {
            &crate::progress::Quiet
        } else {
            self.progress()
        }
    }

    /// What the engine has of project `name` (`model` adds what only the files name).
    pub async fn observe(&self, name: &str, model: Option<&Project>) -> Result<Observed, Error> {
        Ok(crate::observe::observe(&self.engine, name, model).await?)
    }

    /// Runs a plan, its warnings first, with `progress` (or prints it under `dry_run`). The
    /// failures of optional steps are warnings once the live output ended.
    pub async fn run_plan(
        &self,
        project: &str,
        plan: &Plan,
        progress: &dyn Progress,
    ) -> Result<(), Error> {
        for w in &plan.warnings {
            progress.message(&format!("warning: {w}"));
        }
        if self.options.dry_run {
            progress.plan(&plan.to_string());
            return Ok(());
        }
        let monitor = Monitor::start(&self.engine, project);
        let executor = Executor {
            engine: &self.engine,
            progress,
            monitor: &monitor,
            limit: self.options.parallel,
            interrupt: &self.interrupt,
        };
        let result = executor.run(plan).await;
        progress.finish();
        for w in result? {
            progress.warning(&with_hint(&w.to_string(), w.hint.as_deref()));
        }
        Ok(())
    }

    /// [`Compose::run_plan`] with the layer's own sink.
    pub async fn execute(&self, project: &str, plan: &Plan) -> Result<(), Error> {
        self.run_plan(project, plan, self.progress.as_ref()).await
    }

    /// The project's containers (one-offs and stopped ones included).
    pub async fn containers(&self, project: &str, all: bool) -> Result<Vec<ContainerInfo>, Error> {
        Ok(self.engine.list_containers(Some(project), all).await?)
    }
}

/// The containers of `services` (all when empty).
pub fn select<'a>(containers: &'a [ContainerInfo], services: &[String]) -> Vec<&'a ContainerInfo> {
    containers
        .iter()
        .filter(|c| services.is_empty() || services.iter().any(|s| s == c.service()))
        .collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
