//! What rcompose takes from its surroundings, in one place: the environment variables it reads
//! (each named once here, with what rcompose makes of its value) and the current folder. The
//! command line and the library read them here once and hand the values down; nothing below the
//! service layer reads the process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;

/// Where the Docker Engine listens (`unix:///path` or `tcp://host:port`).
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// The folder of the Docker CLI's `config.json` (registry credentials).
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// The user's home (`~/.docker`, `~` in paths).
pub const HOME: &str = "HOME";
/// At most this many engine calls at a time.
pub const COMPOSE_PARALLEL_LIMIT: &str = "COMPOSE_PARALLEL_LIMIT";
/// Orphan containers are not reported.
pub const COMPOSE_IGNORE_ORPHANS: &str = "COMPOSE_IGNORE_ORPHANS";
/// The project name when no file is given (`ps`, `down`... of a project by name).
pub const COMPOSE_PROJECT_NAME: &str = "COMPOSE_PROJECT_NAME";
/// No colours.
pub const NO_COLOR: &str = "NO_COLOR";
/// `watch` prints the plan of each batch.
pub const RCOMPOSE_WATCH_DEBUG: &str = "RCOMPOSE_WATCH_DEBUG";
/// `watch --quiet-period` when the flag is not given.
pub const RCOMPOSE_WATCH_QUIET_PERIOD: &str = "RCOMPOSE_WATCH_QUIET_PERIOD";

/// `0` (or `false`) builds with the engine's classic builder instead of its BuildKit.
pub const DOCKER_BUILDKIT: &str = "DOCKER_BUILDKIT";

/// Where Compose caches the projects `-f oci://` reads (`<it>/docker-compose`, else `~/.cache`).
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// `false` turns off reading compose files from registries, as in Compose.
pub const COMPOSE_EXPERIMENTAL_OCI_REMOTE: &str = "COMPOSE_EXPERIMENTAL_OCI_REMOTE";
/// True: Compose v1's names (`--compatibility`); may come from the project's `.env` too.
pub const COMPOSE_COMPATIBILITY: &str = "COMPOSE_COMPATIBILITY";

/// A boolean as Go's `strconv.ParseBool` reads it (Compose reads its switches so).
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The engine's socket when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The process environment, read once, and what rcompose makes of it.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: IndexMap<String, String>,
}

impl Env {
    /// This process's environment (the only place rcompose reads it).
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars().collect(),
        }
    }

    /// An environment of exactly these variables.
    pub fn of<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Env {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value (set but empty is `Some("")`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// Every variable, in the order the process has them (the loader interpolates with them).
    pub fn vars(&self) -> &IndexMap<String, String> {
        &self.vars
    }

    /// Sets a variable (the library's overrides).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(key.into(), value.into());
    }

    fn truthy(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "True" | "TRUE"))
    }

    /// Where the engine listens: `DOCKER_HOST`, else the local socket.
    pub fn docker_host(&self) -> String {
        self.get(DOCKER_HOST)
            .filter(|h| !h.is_empty())
            .unwrap_or(DEFAULT_DOCKER_HOST)
            .to_string()
    }

    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub fn docker_config_dir(&self) -> Option<PathBuf> {
        match self.get(DOCKER_CONFIG) {
            Some(d) => Some(PathBuf::from(d)),
            None => self.get(HOME).map(|h| PathBuf::from(h).join(".docker")),
        }
    }

    /// `COMPOSE_PARALLEL_LIMIT` when it is a positive number.
    pub fn parallel_limit(&self) -> Option<usize> {
        self.get(COMPOSE_PARALLEL_LIMIT)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
    }

    /// `COMPOSE_IGNORE_ORPHANS` is true.
    pub fn ignore_orphans(&self) -> bool {
        self.truthy(COMPOSE_IGNORE_ORPHANS)
    }

    /// `COMPOSE_PROJECT_NAME` when set and not empty.
    pub fn project_name(&self) -> Option<String> {
        self.get(COMPOSE_PROJECT_NAME)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    }

    /// `NO_COLOR` is set to something.
    pub fn no_color(&self) -> bool {
        self.get(NO_COLOR).is_some_and(|v| !v.is_empty())
    }

    /// The builder to use: BuildKit unless `DOCKER_BUILDKIT` is `0` or `false`.
    pub fn builder(&self) -> crate::engine::Builder {
        match self.get(DOCKER_BUILDKIT) {
            Some("0" | "false" | "False" | "FALSE") => crate::engine::Builder::Classic,
            _ => crate::engine::Builder::BuildKit,
        }
    }

    /// Compose's cache of remote projects: `$XDG_CACHE_HOME/docker-compose`, else
    /// `~/.cache/docker-compose`.
    pub fn oci_cache(&self) -> Option<PathBuf> {
        match self.get(XDG_CACHE_HOME).filter(|d| !d.is_empty()) {
            Some(d) => Some(PathBuf::from(d).join("docker-compose")),
            None => self
                .get(HOME)
                .map(|h| PathBuf::from(h).join(".cache").join("docker-compose")),
        }
    }

    /// Whether `-f oci://` may read registries: `COMPOSE_EXPERIMENTAL_OCI_REMOTE` unset or true;
    /// a value that is not a boolean is an error, as in Compose.
    pub fn oci_remote(&self) -> Result<bool, String> {
        match self.get(COMPOSE_EXPERIMENTAL_OCI_REMOTE) {
            None => Ok(true),
            Some(v) => parse_bool(v).ok_or_else(|| {
                format!("{COMPOSE_EXPERIMENTAL_OCI_REMOTE} is {v:?}, not a boolean (true or false)")
            }),
        }
    }

    /// `RCOMPOSE_WATCH_DEBUG` is set.
    pub fn watch_debug(&self) -> bool {
        self.get(RCOMPOSE_WATCH_DEBUG).is_some()
    }

    /// The variables of `keys` that are set, for `-e KEY` and `--build-arg KEY` (the value is
    /// ours).
    pub fn pick<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
        keys.into_iter()
            .filter_map(|k| Some((k.to_string(), self.get(k)?.to_string())))
            .collect()
    }
}

/// The folder rcompose runs in.
pub fn current_dir() -> std::io::Result<PathBuf> {
    std::env::current_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_composes() {
        let env = Env::of([(XDG_CACHE_HOME, "/x"), (HOME, "/home/u")]);
        assert_eq!(env.oci_cache().unwrap(), PathBuf::from("/x/docker-compose"));
        let env = Env::of([(HOME, "/home/u")]);
        assert_eq!(
            env.oci_cache().unwrap(),
            PathBuf::from("/home/u/.cache/docker-compose")
        );
    }

    #[test]
    fn values_are_read_as_compose_reads_them() {
        let env = Env::of([
            ("COMPOSE_PARALLEL_LIMIT", "0"),
            ("COMPOSE_IGNORE_ORPHANS", "True"),
            ("HOME", "/home/u"),
            ("NO_COLOR", ""),
        ]);
        assert_eq!(env.parallel_limit(), None);
        assert!(env.ignore_orphans());
        assert_eq!(env.docker_host(), DEFAULT_DOCKER_HOST);
        assert_eq!(
            env.docker_config_dir(),
            Some(PathBuf::from("/home/u/.docker"))
        );
        assert!(!env.no_color());
        assert_eq!(env.builder(), crate::engine::Builder::BuildKit);
        assert_eq!(
            Env::of([("DOCKER_BUILDKIT", "0")]).builder(),
            crate::engine::Builder::Classic
        );
        assert_eq!(
            Env::of([("COMPOSE_PARALLEL_LIMIT", "4")]).parallel_limit(),
            Some(4)
        );
    }
}
