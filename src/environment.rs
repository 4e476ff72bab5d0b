//! Test environments, the library's way to use rcompose: bring a project up from a file or a
//! YAML string under a unique name, wait until its services are ready, reach them (published
//! ports, exec, logs, stop and kill to inject failures), and tear everything down (`down -v`)
//! when the [`Environment`] is dropped, also when the test panics.
//!
//! ```no_run
//! use std::time::Duration;
//! use rcompose::environment::{Setup, Wait};
//!
//! # async fn demo() -> Result<(), rcompose::environment::Error> {
//! let env = Setup::yaml(r#"
//! services:
//!   cache:
//!     image: redis-local
//!     ports: ["127.0.0.1::6379"]
//! "#)
//! .name_prefix("cache-test")
//! .wait_for("cache", Wait::Tcp(6379))
//! .timeout(Duration::from_secs(30))
//! .up()
//! .await?;
//! let port = env.service("cache").host_port(6379).await?;
//! let out = env.service("cache").exec(&["redis-cli", "ping"]).await?;
//! assert_eq!(out.stdout.trim(), "PONG");
//! # let _ = port;
//! env.down().await?; // or let it drop: the drop tears down too
//! # Ok(()) }
//! ```
//!
//! Nothing here is global: each [`Environment`] has its own engine connection and project name,
//! so tests run in parallel. The engine is the one `DOCKER_HOST` names (the local socket by
//! default).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::commands::up::{Images, converge_on, prepare_images};
use crate::commands::{Failure, Settings};
use crate::engine::{ContainerInfo, ContainerState, Docker, Engine, ExecRequest, LogSource};
use crate::model::Project;
pub use crate::names::unique_name;
use crate::plan::{self, DownOptions, UpOptions};
pub use crate::ready::Wait;

/// What went wrong; the message says which service and what rcompose was doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The compose files are invalid (each error with file, line, column and key path).
    Load(String),
    /// The project could not be brought up or torn down: the engine's refusal, or a service
    /// that failed or was not ready in time, with its last log lines.
    Up(String),
    /// A wait of [`Setup::wait_for`] or [`Service::wait`] failed or timed out.
    Wait {
        service: String,
        wait: Wait,
        reason: String,
        /// The service's last log lines (indented), empty when it printed nothing.
        logs: String,
    },
    /// An engine call about one service failed (exec, logs, stop...), or there is no such
    /// service or port.
    Service { service: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(m) | Error::Up(m) => write!(f, "{}", m.trim_end()),
            Error::Wait {
                service,
                wait,
                reason,
                logs,
            } => {
                write!(f, "service `{service}`: waiting for it {wait}: {reason}")?;
                if !logs.is_empty() {
                    write!(f, "\n  its last log lines:\n{}", logs.trim_end())?;
                }
                Ok(())
            }
            Error::Service { service, message } => write!(f, "service `{service}`: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::load::LoadErrors> for Error {
    fn from(e: crate::load::LoadErrors) -> Self {
        Error::Load(crate::render::errors(&e))
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Load(e) => e.into(),
            Failure::Other(m) => Error::Up(m),
            Failure::Exit(code) => Error::Up(format!("exit code {code}")),
        }
    }
}

/// How the project is named.
#[derive(Debug, Clone)]
enum Name {
    /// The project's own name (its `name:` or folder) with a unique suffix.
    Unique,
    /// This prefix with a unique suffix.
    Prefix(String),
    /// Exactly this name (tests that share it do collide).
    Exact(String),
}

/// What to bring up and how: the builder of an [`Environment`].
#[derive(Debug, Clone)]
pub struct Setup {
    files: Vec<PathBuf>,
    yaml: Option<String>,
    dir: Option<PathBuf>,
    env: Vec<(String, String)>,
    profiles: Vec<String>,
    name: Name,
    services: Vec<String>,
    build: bool,
    waits: Vec<(String, Wait)>,
    timeout: Duration,
    stop_timeout: Option<i64>,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            files: Vec::new(),
            yaml: None,
            dir: None,
            env: Vec::new(),
            profiles: Vec::new(),
            name: Name::Unique,
            services: Vec::new(),
            build: false,
            waits: Vec::new(),
            timeout: Duration::from_secs(60),
            stop_timeout: Some(0),
        }
    }

    /// The compose file at `path` (its folder is the project folder: relative paths, `.env`).
    pub fn file(path: impl AsRef<Path>) -> Setup {
        Setup::new().and_file(path)
    }

    /// Another file merged over the ones before (an override file).
    pub fn and_file(mut self, path: impl AsRef<Path>) -> Setup {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// A project written in YAML; relative paths in it start from [`Setup::dir`], by default
    /// the current folder.
    ///
    /// ```
    /// let project = rcompose::environment::Setup::yaml("services: {db: {image: postgres}}")
    ///     .name("doc")
    ///     .load()
    ///     .unwrap();
    /// assert_eq!(project.services["db"].image, "postgres");
    /// ```
    pub fn yaml(text: impl Into<String>) -> Setup {
        Setup {
            yaml: Some(text.into()),
            ..Setup::new()
        }
    }

    /// The project folder (as `--project-directory`).
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Setup {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// A variable for interpolation (`${KEY}`), over this process's environment and `.env`.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Setup {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Enables a profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Setup {
        self.profiles.push(profile.into());
        self
    }

    /// The project name is this prefix and a unique suffix (the default prefix is the
    /// project's own name).
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Setup {
        self.name = Name::Prefix(prefix.into());
        self
    }

    /// Exactly this project name: tests that use the same one collide.
    pub fn name(mut self, name: impl Into<String>) -> Setup {
        self.name = Name::Exact(name.into());
        self
    }

    /// Only these services (and what they depend on) come up.
    pub fn services<S: Into<String>>(mut self, services: impl IntoIterator<Item = S>) -> Setup {
        self.services = services.into_iter().map(Into::into).collect();
        self
    }

    /// Builds the images of services with `build:` even when they exist (`up --build`).
    pub fn build(mut self, always: bool) -> Setup {
        self.build = always;
        self
    }

    /// After every service is ready (as `up --wait`), also waits for this.
    pub fn wait_for(mut self, service: impl Into<String>, wait: Wait) -> Setup {
        self.waits.push((service.into(), wait));
        self
    }

    /// How long the services may take to be ready and the waits to pass, together (60 s by
    /// default). Building images does not count.
    pub fn timeout(mut self, timeout: Duration) -> Setup {
        self.timeout = timeout;
        self
    }

    /// How long `down` lets containers stop before killing them: 0 by default (test data is
    /// thrown away); `None` uses each service's `stop_grace_period` as Compose does.
    pub fn stop_timeout(mut self, timeout: Option<Duration>) -> Setup {
        self.stop_timeout = timeout.map(|d| d.as_secs() as i64);
        self
    }

    fn options(&self, name: Option<String>) -> Result<crate::load::Options, Error> {
        let cwd = match &self.dir {
            Some(d) => d.clone(),
            None => std::env::current_dir()
                .map_err(|e| Error::Load(format!("cannot read the current folder: {e}")))?,
        };
        let mut o = crate::load::Options::new(cwd);
        o.os_env = std::env::vars().collect();
        for (k, v) in &self.env {
            o.os_env.insert(k.clone(), v.clone());
        }
        o.files = self
            .files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        if let Some(yaml) = &self.yaml {
            o.files.insert(0, "-".into());
            o.stdin = Some(yaml.clone());
        }
        o.project_directory = self.dir.clone();
        o.project_name = name;
        o.profiles = self.profiles.clone();
        o.services = self.services.clone();
        Ok(o)
    }

    /// The project as it would come up (validated, interpolated, normalized), under the name
    /// it would get. Touches no engine.
    pub fn load(&self) -> Result<Project, Error> {
        let name = match &self.name {
            Name::Exact(n) => n.clone(),
            Name::Prefix(p) => unique_name(p),
            // the project's own name (its `name:` or folder) is known once it is loaded; the
            // names of its networks and volumes follow the project name, so it loads again
            Name::Unique => unique_name(&crate::load::load(&self.options(None)?)?.project.name),
        };
        let loaded = crate::load::load(&self.options(Some(name))?)?;
        crate::commands::require_services(&loaded.project, &self.services)?;
        Ok(loaded.project)
    }

    /// Builds what is missing, creates and starts the services, waits until they are ready and
    /// the [`Setup::wait_for`] waits pass. On failure, what it created is removed before the
    /// error returns (it names the services not ready and shows their last log lines).
    pub async fn up(self) -> Result<Environment, Error> {
        let project = self.load()?;
        let engine = crate::engine::Docker::connect()
            .await
            .map_err(|e| Error::Up(e.message))?;
        // from here on, a drop (an error, a panic, a cancelled future) removes the project
        let mut env = Environment {
            engine,
            project,
            stop_timeout: self.stop_timeout,
            armed: true,
        };
        match self.bring_up(&env).await {
            Ok(()) => Ok(env),
            Err(e) => {
                env.armed = false;
                let _ = env.teardown().await;
                Err(e)
            }
        }
    }

    async fn bring_up(&self, env: &Environment) -> Result<(), Error> {
        let settings = Settings::quiet();
        let project = &env.project;
        let scope = plan::services_in_scope(project, &self.services, false);
        let observed = crate::observe::observe(&env.engine, &project.name, Some(project))
            .await
            .map_err(|e| Error::Up(e.message))?;
        let images = Images {
            build: match self.build {
                true => plan::Build::Always,
                false => plan::Build::Missing,
            },
            ..Default::default()
        };
        // builds do not count against the timeout
        let progress = crate::progress::Quiet;
        prepare_images(
            settings.dry_run,
            &env.engine,
            project,
            &observed,
            &scope,
            &images,
            &progress,
        )
        .await?;
        let opts = UpOptions {
            services: self.services.clone(),
            wait: true,
            ..Default::default()
        };
        let start = Instant::now();
        let up = converge_on(&env.engine, &settings, project, opts, Images::default());
        let failed = match tokio::time::timeout(self.timeout, up).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(Error::from(e).to_string()),
            Err(_) => Some(format!(
                "project {}: not ready within {:.1}s",
                project.name,
                self.timeout.as_secs_f64()
            )),
        };
        if let Some(msg) = failed {
            let report = crate::ready::report(&env.engine, project, &scope).await;
            return Err(Error::Up(format!("{msg}\n{report}")));
        }
        let left = self.timeout.saturating_sub(start.elapsed());
        let waits = self.waits.iter().map(|(service, wait)| async move {
            env.service(service).wait(wait.clone(), left).await
        });
        for r in futures_util::future::join_all(waits).await {
            r?;
        }
        Ok(())
    }
}

/// A project that is up. Dropping it removes its containers, networks, volumes and the images
/// it built under its own name, as `down -v --remove-orphans --rmi local` (also when a test
/// panics); [`Environment::down`] does the same and reports errors; [`Environment::keep`] leaves
/// it running.
///
/// ```no_run
/// # async fn demo() -> Result<(), rcompose::environment::Error> {
/// use std::time::Duration;
/// use rcompose::environment::{Setup, Wait};
///
/// let env = Setup::file("tests/compose.yaml").up().await?;
/// let db = env.service("db");
/// db.kill("SIGKILL").await?; // inject a failure
/// assert_eq!(db.state().await?.exit_code, 137);
/// db.start().await?;
/// db.wait(Wait::Healthy, Duration::from_secs(30)).await?;
/// let replica = env.service("worker").index(2); // the second container of a scaled service
/// println!("{}", replica.logs().await?);
/// if std::env::var_os("KEEP").is_some() {
///     eprintln!("left running: rcompose -p {} down -v", env.keep());
/// }
/// # Ok(()) }
/// ```
pub struct Environment {
    engine: Docker,
    project: Project,
    stop_timeout: Option<i64>,
    armed: bool,
}

impl Environment {
    /// The project name (unique unless [`Setup::name`] set it).
    pub fn name(&self) -> &str {
        &self.project.name
    }

    /// The project as loaded.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// A handle on the first container of `service`.
    pub fn service(&self, service: &str) -> Service<'_> {
        Service {
            env: self,
            name: service.to_string(),
            index: 1,
        }
    }

    /// Tears the project down now (as `down -v --remove-orphans --rmi local`).
    pub async fn down(mut self) -> Result<(), Error> {
        self.armed = false;
        self.teardown().await
    }

    /// Leaves the project running (for a look after the test); its name, for `rcompose -p NAME
    /// down -v` later.
    pub fn keep(mut self) -> String {
        self.armed = false;
        self.project.name.clone()
    }

    async fn teardown(&self) -> Result<(), Error> {
        teardown(&self.engine, &self.project, self.stop_timeout).await
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // a runtime of its own on a thread of its own: the drop may run inside (or outside) any
        // runtime, and the engine connection belongs to the runtime that made it
        let project = self.project.clone();
        let stop_timeout = self.stop_timeout;
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Up(format!("cannot start a runtime: {e}")))?;
            rt.block_on(async {
                let engine = crate::engine::Docker::connect()
                    .await
                    .map_err(|e| Error::Up(e.message))?;
                teardown(&engine, &project, stop_timeout).await
            })
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("rcompose: tearing down {}: {e}", self.project.name),
            Err(_) => eprintln!("rcompose: tearing down {} panicked", self.project.name),
        }
    }
}

/// `down -v --remove-orphans --rmi local` of `project`.
async fn teardown(engine: &Docker, project: &Project, timeout: Option<i64>) -> Result<(), Error> {
    let observed = crate::observe::observe(engine, &project.name, Some(project))
        .await
        .map_err(|e| Error::Up(format!("tearing down {}: {}", project.name, e.message)))?;
    let opts = DownOptions {
        remove_orphans: true,
        volumes: true,
        images: Some("local".into()),
        timeout,
    };
    let plan = plan::down(&project.name, Some(project), &observed, &opts);
    let monitor = crate::exec::Monitor::start(engine, &project.name);
    crate::exec::run(engine, &plan, &crate::progress::Quiet, &monitor, None)
        .await
        .map(|_| ())
        .map_err(|e| Error::Up(format!("tearing down {}: {e}", project.name)))
}

/// What a command run in a container printed, and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
}

/// One container of a service: the first unless [`Service::index`] says otherwise.
pub struct Service<'a> {
    env: &'a Environment,
    name: String,
    index: u32,
}

impl Service<'_> {
    /// The `n`th container of a scaled service (from 1).
    pub fn index(mut self, n: u32) -> Self {
        self.index = n;
        self
    }

    fn fail(&self, message: impl Into<String>) -> Error {
        Error::Service {
            service: self.name.clone(),
            message: message.into(),
        }
    }

    /// The container's name.
    pub async fn container(&self) -> Result<String, Error> {
        Ok(self.find().await?.name)
    }

    /// The container as the engine lists it.
    async fn find(&self) -> Result<ContainerInfo, Error> {
        let env = self.env;
        if !env.project.services.contains_key(&self.name) {
            let names: Vec<&str> = env.project.services.keys().map(String::as_str).collect();
            return Err(self.fail(format!(
                "no such service in project {} (it has: {})",
                env.project.name,
                names.join(", ")
            )));
        }
        let all = env
            .engine
            .list_containers(Some(&env.project.name), true)
            .await
            .map_err(|e| self.fail(e.message))?;
        all.into_iter()
            .find(|c| !c.is_oneoff() && c.service() == self.name && c.number() == self.index)
            .ok_or_else(|| self.fail(format!("it has no container number {}", self.index)))
    }

    /// The host address that container port `port`/tcp is published on (a loopback address
    /// when published on all addresses).
    pub async fn address(&self, port: u16) -> Result<SocketAddr, Error> {
        crate::ready::published(&self.find().await?, port).map_err(|m| self.fail(m))
    }

    /// The host port that container port `port`/tcp is published on.
    pub async fn host_port(&self, port: u16) -> Result<u16, Error> {
        Ok(self.address(port).await?.port())
    }

    /// Runs `cmd` in the container (as `exec -T`); its output and exit code. A non-zero exit
    /// is not an error: check [`Output::code`].
    pub async fn exec(&self, cmd: &[&str]) -> Result<Output, Error> {
        let c = self.container().await?;
        let engine = &self.env.engine;
        let request = ExecRequest {
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let code = crate::engine::run_exec(engine, &c, request, |chunk| match chunk.source {
            LogSource::Stdout => stdout.extend_from_slice(&chunk.text),
            LogSource::Stderr => stderr.extend_from_slice(&chunk.text),
        })
        .await
        .map_err(|e| self.fail(format!("exec {cmd:?}: {}", e.message)))?;
        Ok(Output {
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Everything the container printed so far (stdout and stderr, in order).
    pub async fn logs(&self) -> Result<String, Error> {
        let c = self.container().await?;
        let text = crate::engine::output(&self.env.engine, &c, Default::default())
            .await
            .map_err(|e| self.fail(e.message))?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// One engine call on the container; its error says what rcompose was doing.
    async fn call<T>(
        &self,
        doing: &str,
        call: impl AsyncFnOnce(&Docker, &str) -> crate::engine::Result<T>,
    ) -> Result<T, Error> {
        let c = self.container().await?;
        call(&self.env.engine, &c).await.map_err(|e| match doing {
            "" => self.fail(e.message),
            _ => self.fail(format!("{doing}: {}", e.message)),
        })
    }

    /// Its state as the engine reports it (status, health, exit code).
    pub async fn state(&self) -> Result<ContainerState, Error> {
        self.call("", async |e, c| e.inspect_container(c).await)
            .await
    }

    /// Stops the container (SIGTERM, then SIGKILL after `timeout` seconds, the service's
    /// `stop_grace_period` when `None`).
    pub async fn stop(&self, timeout: Option<i64>) -> Result<(), Error> {
        self.call("stop", async |e, c| e.stop_container(c, timeout).await)
            .await
    }

    /// Sends `signal` (`SIGKILL`, `SIGTERM`, `SIGHUP`...) to the container's main process.
    pub async fn kill(&self, signal: &str) -> Result<(), Error> {
        let doing = format!("kill -s {signal}");
        self.call(&doing, async |e, c| e.kill_container(c, signal).await)
            .await
    }

    /// Starts the container again.
    pub async fn start(&self) -> Result<(), Error> {
        self.call("start", async |e, c| e.start_container(c).await)
            .await
    }

    /// Waits until the container meets `wait`, at most `timeout`; the error says where it is
    /// and shows its last log lines.
    pub async fn wait(&self, wait: Wait, timeout: Duration) -> Result<(), Error> {
        let c = self.find().await?;
        let engine = &self.env.engine;
        match crate::ready::until(engine, &self.env.project.name, &c, &wait, timeout).await {
            Ok(()) => Ok(()),
            Err(reason) => Err(Error::Wait {
                service: self.name.clone(),
                wait,
                reason,
                logs: crate::ready::tail(engine, &c.name, 20).await,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_project_loads_with_overrides() {
        let setup = Setup::yaml(
            "services:\n  a:\n    image: ${IMG:-none}\n  b:\n    image: x\n    profiles: [extra]\n",
        )
        .env("IMG", "busybox")
        .name_prefix("t");
        let p = setup.load().unwrap();
        assert_eq!(p.services["a"].image, "busybox");
        assert!(!p.services.contains_key("b"));
        assert!(p.name.starts_with("t-"));
        let p = setup.clone().profile("extra").name("fixed").load().unwrap();
        assert!(p.services.contains_key("b"));
        assert_eq!(p.name, "fixed");
        let e = Setup::yaml("services:\n  a:\n    image: [1]\n")
            .load()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Load(m) if m.contains("services.a.image") && m.contains(":3:")),
            "{e}"
        );
    }
}
