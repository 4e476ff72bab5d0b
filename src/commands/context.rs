//! What every command starts from: the global flags and the process environment, read once,
//! and what the commands make of them — the load options, the project (or only its name), the
//! service layer with its options and progress sink, colours, and the conversions of shared
//! flags (`--scale`, `--pull`, `--build`).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::sync::Arc;

use crate::cli::{Ansi, Global, PullPolicy};
use crate::compose::{self, Compose, Images, Target};
use crate::engine::Inventory;
use crate::error::Error;
use crate::load::{self, LoadErrors};
use crate::model::Project;
use crate::plan::{Build, Pull};
use crate::progress::{Mode, Progress};
use crate::settings::{self, Env};
use crate::watch::rules::{self, Rule};

/// The global flags and the environment of this run.
pub struct Context {
    pub global: Global,
    pub env: Env,
}

impl Context {
    pub fn new(global: Global, env: Env) -> Context {
        Context { global, env }
    }

    /// Load options from the global flags and the environment (`-f -` reads stdin).
    pub fn options(&self, services: &[String]) -> Result<load::Options, Error> {
        let g = &self.global;
        let cwd =
            settings::current_dir().map_err(|e| Error::io("cannot read the current folder", e))?;
        let mut o = load::Options::new(cwd);
        o.os_env = self.env.vars().clone();
        o.files = g.files.clone();
        o.project_directory = g.project_directory.clone();
        o.project_name = g.project_name.clone();
        o.env_files = g.env_files.clone();
        o.profiles = g
            .profiles
            .iter()
            .flat_map(|p| p.split(','))
            .map(str::to_string)
            .collect();
        o.services = services.to_vec();
        o.compatibility = g.compatibility;
        o.remote = Some(self.remote());
        if o.files.iter().any(|f| f == "-") {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::io("cannot read stdin", e))?;
            o.stdin = Some(s);
        }
        Ok(o)
    }

    /// How the loader reads `oci://` files: from the registry, into Compose's cache folder
    /// (`COMPOSE_EXPERIMENTAL_OCI_REMOTE=false` turns it off, as in Compose).
    fn remote(&self) -> load::Remote {
        let config_dir = self.env.docker_config_dir();
        let cache = self.env.oci_cache();
        let enabled = self.env.oci_remote();
        load::Remote(Arc::new(move |source: &str| {
            if !enabled.clone()? {
                return Err(format!(
                    "{source}: remote compose files are turned off by {}",
                    settings::COMPOSE_EXPERIMENTAL_OCI_REMOTE
                ));
            }
            let cache = cache.as_deref().ok_or_else(|| {
                format!("{source}: no cache folder for remote compose files (set HOME or XDG_CACHE_HOME)")
            })?;
            crate::oci::blocking(crate::oci::fetch(config_dir.as_deref(), cache, source))
        }))
    }

    /// Loads the project (its warnings on stderr); `services` enable their profiles.
    pub fn load(&self, services: &[String]) -> Result<Project, Error> {
        self.load_with(services, |_| {})
    }

    /// [`Context::load`] with the load options adjusted first.
    pub fn load_with(
        &self,
        services: &[String],
        adjust: impl FnOnce(&mut load::Options),
    ) -> Result<Project, Error> {
        Ok(self.loaded(services, adjust)?.project)
    }

    /// [`Context::load_with`], all the load gave (its locator, when the options ask for it).
    pub fn loaded(
        &self,
        services: &[String],
        adjust: impl FnOnce(&mut load::Options),
    ) -> Result<load::Loaded, Error> {
        let mut o = self.options(services)?;
        adjust(&mut o);
        let loaded = load::load(&o)?;
        warn(&loaded);
        load::require_services(&loaded.project, services)?;
        Ok(loaded)
    }

    /// The project with its `develop.watch` rules checked (located errors), and the rules of
    /// `services` (empty: all) compiled.
    pub fn load_watched(&self, services: &[String]) -> Result<(Project, Vec<Rule>), Error> {
        let project = self.load_with(services, |o| o.watch = true)?;
        let rules =
            rules::compile(&project, services, |p| load::read_text(p).ok()).map_err(Error::msg)?;
        Ok((project, rules))
    }

    /// The project, or with `-p NAME` / `COMPOSE_PROJECT_NAME` and no compose file, its name.
    pub fn target(&self, services: &[String]) -> Result<Target, Error> {
        let opts = self.options(services)?;
        match load::load(&opts) {
            Ok(loaded) => {
                warn(&loaded);
                load::require_services(&loaded.project, services)?;
                Ok(Target::Project(Box::new(loaded.project)))
            }
            Err(e) if no_file(&e) => {
                let name = self
                    .global
                    .project_name
                    .clone()
                    .or_else(|| self.env.project_name());
                match name {
                    Some(n) if crate::names::normalize_project_name(&n) == n => Ok(Target::Name(n)),
                    _ => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The service layer's options from the flags and the environment.
    pub fn compose_options(&self) -> compose::Options {
        compose::Options {
            dry_run: self.global.dry_run,
            // `--parallel N` before COMPOSE_PARALLEL_LIMIT; -1 (or 0) is no limit
            parallel: match self.global.parallel {
                Some(n) if n > 0 => Some(n as usize),
                Some(_) => None,
                None => self.env.parallel_limit(),
            },
            all_resources: self.global.all_resources,
            ignore_orphans: self.env.ignore_orphans(),
            env_files: self.global.env_files.clone(),
            builder: self.env.builder(),
        }
    }

    /// The progress renderer `--progress` asks for.
    pub fn progress(&self) -> Arc<dyn Progress> {
        use crate::cli::Progress as P;
        let mode = match self.global.progress {
            P::Auto => Mode::Auto,
            P::Tty => Mode::Tty,
            P::Plain => Mode::Plain,
            P::Json => Mode::Json,
            P::Quiet => Mode::Quiet,
        };
        Arc::from(crate::progress::renderer(mode, self.color(false)))
    }

    /// The service layer on the engine the environment names.
    pub async fn compose(&self) -> Result<Compose, Error> {
        Compose::connect(&self.env, self.compose_options(), self.progress()).await
    }

    /// The engine the environment names, for the commands that call it directly.
    pub async fn engine(&self) -> Result<crate::engine::Docker, Error> {
        compose::docker(&self.env).await
    }

    /// The engine and the container of `service` that `exec`, `attach` and `port` act on:
    /// replica `index` (the first by default), of the running ones when `running_only`.
    pub async fn container(
        &self,
        service: &str,
        index: Option<u32>,
        running_only: bool,
    ) -> Result<(crate::engine::Docker, crate::engine::ContainerInfo), Error> {
        let target = self.target(&[service.to_string()])?;
        let engine = self.engine().await?;
        let all = engine.list_containers(Some(target.name()), true).await?;
        let c = super::one_container(&all, &target, service, index, running_only, false)?;
        Ok((engine.clone(), c.clone()))
    }

    /// Colours on stdout (`for_stdout`) or stderr: `--ansi`, `NO_COLOR`, and whether it is a
    /// terminal.
    pub fn color(&self, for_stdout: bool) -> bool {
        match self.global.ansi {
            Ansi::Always => true,
            Ansi::Never => false,
            Ansi::Auto => {
                !self.env.no_color()
                    && if for_stdout {
                        std::io::stdout().is_terminal()
                    } else {
                        std::io::stderr().is_terminal()
                    }
            }
        }
    }

    /// `KEY=VAL`, or `KEY` with our value (left out when we have none): `-e`, `--build-arg`.
    pub fn pairs(&self, items: &[String]) -> BTreeMap<String, String> {
        items
            .iter()
            .filter_map(|a| match a.split_once('=') {
                Some((k, v)) => Some((k.to_string(), v.to_string())),
                None => Some((a.clone(), self.env.get(a)?.to_string())),
            })
            .collect()
    }
}

fn no_file(e: &LoadErrors) -> bool {
    e.0.len() == 1 && e.0[0].message.starts_with("no configuration file provided")
}

/// Prints the load's warnings on stderr.
pub fn warn(loaded: &load::Loaded) {
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
}

/// A time for `--since` / `--until` as Unix seconds.
pub fn parse_time(text: &str, now: i64) -> Result<i64, Error> {
    crate::clock::parse_time(text, now).ok_or_else(|| {
        Error::invalid(
            "time",
            text,
            "expected RFC 3339 (2013-01-02T13:23:37Z), a Unix timestamp, or a duration such as 42m",
        )
    })
}

/// `--scale a=2 --scale b=0`.
pub fn parse_scale(items: &[String]) -> Result<BTreeMap<String, u32>, Error> {
    items
        .iter()
        .map(|s| {
            let (name, n) = s
                .split_once('=')
                .ok_or_else(|| Error::invalid("--scale", s, "expected SERVICE=NUM"))?;
            let n: u32 = n
                .parse()
                .map_err(|_| Error::invalid("--scale", s, format!("{n:?} is not a number")))?;
            Ok((name.to_string(), n))
        })
        .collect()
}

/// `--pull always|missing|never`.
pub fn pull_policy(p: Option<PullPolicy>) -> Option<Pull> {
    p.map(|p| match p {
        PullPolicy::Always => Pull::Always,
        PullPolicy::Missing => Pull::Missing,
        PullPolicy::Never => Pull::Never,
    })
}

/// How `up`, `create` and `run` get their images: `--pull`, `--quiet-pull`, `--build` and
/// `--no-build`.
pub fn images(pull: Option<PullPolicy>, quiet_pull: bool, build: bool, no_build: bool) -> Images {
    Images {
        pull: pull_policy(pull),
        quiet_pull,
        quiet_build: false,
        build: match (build, no_build) {
            (true, _) => Build::Always,
            (_, true) => Build::Never,
            _ => Build::Missing,
        },
        overrides: Default::default(),
    }
}
