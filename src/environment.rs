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

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::compose::{self, Compose, Images, Target};
use crate::engine::{ContainerInfo, Docker, ExecRequest, Inventory, LogSource, Resources, Watcher};
use crate::model::Project;
use crate::plan::{self, Build, DownOptions, RemoveImages, UpOptions};
use crate::progress::Quiet;
use crate::settings::Env;

pub use crate::engine::{ContainerState, Health, Status};
pub use crate::error::Error;
pub use crate::names::unique_name;
pub use crate::ready::Wait;

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

    /// This process's environment with the overrides of [`Setup::env`].
    fn environment(&self) -> Env {
        let mut env = Env::from_process();
        for (k, v) in &self.env {
            env.set(k.clone(), v.clone());
        }
        env
    }

    fn options(&self, name: Option<String>) -> Result<crate::load::Options, Error> {
        let cwd = match &self.dir {
            Some(d) => d.clone(),
            None => crate::settings::current_dir()
                .map_err(|e| Error::io("cannot read the current folder", e))?,
        };
        let mut o = crate::load::Options::new(cwd);
        o.os_env = self.environment().vars().clone();
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
        crate::load::require_services(&loaded.project, &self.services)?;
        Ok(loaded.project)
    }

    /// Builds what is missing, creates and starts the services, waits until they are ready and
    /// the [`Setup::wait_for`] waits pass. On failure, what it created is removed before the
    /// error returns (it names the services not ready and shows their last log lines).
    pub async fn up(self) -> Result<Environment, Error> {
        let project = self.load()?;
        let env = self.environment();
        let engine = compose::docker(&env).await?;
        // from here on, a drop (an error, a panic, a cancelled future) removes the project
        let mut environment = Environment {
            compose: service_layer(engine, &env),
            env,
            project,
            stop_timeout: self.stop_timeout,
            armed: true,
        };
        match self.bring_up(&environment).await {
            Ok(()) => Ok(environment),
            Err(e) => {
                environment.armed = false;
                let _ = environment.teardown().await;
                Err(e)
            }
        }
    }

    async fn bring_up(&self, env: &Environment) -> Result<(), Error> {
        let (compose, project) = (&env.compose, &env.project);
        let opts = UpOptions {
            services: self.services.clone(),
            wait: true,
            ..Default::default()
        };
        let images = Images {
            build: match self.build {
                true => Build::Always,
                false => Build::Missing,
            },
            ..Default::default()
        };
        // builds do not count against the timeout
        let observed = compose.prepare(project, &opts, &images).await?;
        let start = Instant::now();
        let up = compose.apply(project, &observed, &opts, &Quiet);
        let failed = match tokio::time::timeout(self.timeout, up).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(crate::error::with_hint(&e.to_string(), e.hint())),
            Err(_) => Some(format!(
                "project {}: not ready within {:.1}s",
                project.name,
                self.timeout.as_secs_f64()
            )),
        };
        if let Some(failure) = failed {
            let scope = plan::services_in_scope(project, &self.services, false);
            let report = compose.not_ready(project, &scope, failure, None).await;
            return Err(Error::NotReady(report));
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

/// The service layer of a test environment: quiet (warnings aside), with the parallel limit and
/// orphan setting of its environment.
fn service_layer(engine: Docker, env: &Env) -> Compose {
    let options = compose::Options {
        parallel: env.parallel_limit(),
        ignore_orphans: env.ignore_orphans(),
        builder: env.builder(),
        ..Default::default()
    };
    Compose::new(engine, options, compose::quiet())
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
    compose: Compose,
    /// The environment it was set up in (the teardown connects with it again).
    env: Env,
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
        teardown(&self.compose, &self.project, self.stop_timeout).await
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // a runtime of its own on a thread of its own: the drop may run inside (or outside) any
        // runtime, and the engine connection belongs to the runtime that made it
        let (project, env) = (self.project.clone(), self.env.clone());
        let stop_timeout = self.stop_timeout;
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io("cannot start a runtime", e))?;
            rt.block_on(async {
                let compose = service_layer(compose::docker(&env).await?, &env);
                teardown(&compose, &project, stop_timeout).await
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
async fn teardown(compose: &Compose, project: &Project, timeout: Option<i64>) -> Result<(), Error> {
    let opts = DownOptions {
        remove_orphans: true,
        volumes: true,
        images: Some(RemoveImages::Local),
        timeout,
    };
    let target = Target::Project(Box::new(project.clone()));
    match compose.down(&target, &[], &opts).await {
        Ok(_) => Ok(()),
        Err(e) => Err(e.during(format!("tearing down {}", project.name))),
    }
}

/// What a command run in a container printed, and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Its exit code.
    pub code: i64,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
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
            .compose
            .engine()
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
        let engine = self.env.compose.engine();
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
        let text = crate::engine::output(self.env.compose.engine(), &c, Default::default())
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
        call(self.env.compose.engine(), &c)
            .await
            .map_err(|e| match doing {
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
        let engine = self.env.compose.engine();
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
            matches!(&e, Error::Load(_))
                && e.to_string().contains("services.a.image")
                && e.to_string().contains(":3:"),
            "{e}"
        );
    }
}
