//! The loader: compose files → validated, normalized [`Project`]. Pure apart from reading files;
//! stages in the order Compose applies them (parse, interpolate, include, extends, merge, validate,
//! canonical, defaults, paths, normalize, typed model, profiles, consistency, environment).

pub mod canonical;
pub mod consistency;
mod documents;
pub mod dotenv;
pub mod error;
mod inputs;
pub mod interpolate;
pub mod merge;
pub mod normalize;
pub mod paths;
pub mod rules;
pub mod schema;
mod short;
mod tables;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

pub use error::{ErrorKind, LoadError, LoadErrors, Span};
use yaml::Node;

use crate::model::Project;

use documents::load_document;
pub use inputs::{DEFAULT_FILES, MAX_FILE_SIZE, OVERRIDE_FILES, discover, read_text};
use inputs::{Inputs, resolve_env_files};

#[derive(Debug, Clone)]
pub struct Options {
    /// The folder the command runs in.
    pub cwd: PathBuf,
    /// `-f` files (`-` for stdin); empty means discovery.
    pub files: Vec<String>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    /// `--env-file` files; they replace the project folder's `.env`.
    pub env_files: Vec<String>,
    pub profiles: Vec<String>,
    /// The process environment.
    pub os_env: IndexMap<String, String>,
    pub interpolate: bool,
    pub normalize: bool,
    pub resolve_paths: bool,
    pub consistency: bool,
    /// Services named on the command line (they enable their profiles).
    pub services: Vec<String>,
    /// Content of `-` (stdin), read by the caller.
    pub stdin: Option<String>,
    /// Also check the `develop.watch` rules of `services` (`watch`, `up --watch`).
    pub watch: bool,
    /// Keep the merged document, to locate the key paths of later errors ([`Locator`]).
    pub locate: bool,
    /// How many nodes YAML aliases may add to a file ([`yaml::MAX_NODES`] unless lowered).
    pub alias_budget: usize,
    /// `--compatibility`: Compose v1's names (`COMPOSE_COMPATIBILITY` in the environment too).
    pub compatibility: bool,
    /// Fetches `oci://` files (`-f`, `include`); without it they are an error. The loader itself
    /// makes no network call.
    pub remote: Option<Remote>,
}

/// Brings a remote compose file (`oci://REPO:TAG`) to a local folder and gives that folder's
/// `compose.yaml`; the error is a sentence.
#[derive(Clone)]
pub struct Remote(pub Arc<FetchFn>);

/// What a [`Remote`] calls: an `oci://` reference in, the local `compose.yaml` out.
pub type FetchFn = dyn Fn(&str) -> Result<PathBuf, String> + Send + Sync;

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Remote(..)")
    }
}

/// The prefix of a compose file on an OCI registry.
pub const OCI_PREFIX: &str = "oci://";

impl Options {
    /// `path` as a local file: an `oci://` reference fetched through [`Options::remote`].
    fn fetched(&self, path: &str) -> Result<Option<PathBuf>, LoadError> {
        if !path.starts_with(OCI_PREFIX) {
            return Ok(None);
        }
        let remote = self.remote.as_ref().ok_or_else(|| {
            LoadError::new(
                ErrorKind::Io,
                format!("{path}: remote compose files are not read here"),
            )
        })?;
        (remote.0)(path)
            .map(Some)
            .map_err(|e| LoadError::new(ErrorKind::Io, e))
    }
}

impl Options {
    /// The user's home, for `~` in paths (`HOME` of the load's environment).
    pub fn home(&self) -> Option<&str> {
        self.os_env.get(crate::settings::HOME).map(String::as_str)
    }

    pub fn new(cwd: impl Into<PathBuf>) -> Options {
        Options {
            cwd: cwd.into(),
            files: Vec::new(),
            project_directory: None,
            project_name: None,
            env_files: Vec::new(),
            profiles: Vec::new(),
            os_env: IndexMap::new(),
            interpolate: true,
            normalize: true,
            resolve_paths: true,
            consistency: true,
            services: Vec::new(),
            stdin: None,
            watch: false,
            locate: false,
            alias_budget: yaml::MAX_NODES,
            compatibility: false,
            remote: None,
        }
    }
}

/// A loaded project and what the load noticed on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub project: Project,
    pub warnings: Vec<String>,
    /// The merged, normalized document before typing; kept when loading without interpolation,
    /// where typed values (numbers, booleans) may still be `${VARIABLES}`.
    pub model: Option<serde_json::Value>,
    /// Every variable the files refer to, by name (for `config --variables`).
    pub variables: BTreeMap<String, interpolate::Variable>,
    /// Where each key came from, when the options asked for it.
    pub locator: Option<Locator>,
    /// How many `include` entries name local files (`publish` refuses them).
    pub local_includes: usize,
}

/// The merged document of a load, which locates the key paths of errors found after it (a
/// stack translation's): file, line and column of the deepest key of the path it has.
#[derive(Debug, Clone)]
pub struct Locator(Node);

impl Locator {
    /// `errors` with the place of each one's key path (`services.web.ports[0].host_ip`) where
    /// they had none.
    pub fn locate(&self, errors: LoadErrors) -> LoadErrors {
        let locate = |e: LoadError| {
            let Some(path) = e.path.clone() else { return e };
            let parts: Vec<String> = path
                .replace('[', ".[")
                .split('.')
                .map(str::to_string)
                .collect();
            let mut node = &self.0;
            let mut found = None;
            for p in &parts {
                let next = match p.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
                    Some(i) => i.parse::<usize>().ok().and_then(|i| node.as_seq()?.get(i)),
                    None => node.get(p),
                };
                match next {
                    Some(n) => {
                        node = n;
                        found = Some(&n.span).filter(|s| s.is_known()).or(found);
                    }
                    None => break,
                }
            }
            match found {
                Some(span) => e.at(span),
                None => e,
            }
        };
        LoadErrors(errors.0.into_iter().map(locate).collect())
    }
}

struct Ctx<'a> {
    env: &'a IndexMap<String, String>,
    opts: &'a Options,
    warnings: Vec<String>,
    unset: Vec<String>,
    variables: BTreeMap<String, interpolate::Variable>,
    local_includes: usize,
}

/// Loads a project the way `docker compose config` does.
pub fn load(opts: &Options) -> Result<Loaded, LoadErrors> {
    let Inputs {
        workdir,
        name_dir,
        paths,
        env,
        env_files,
        contents,
    } = inputs::gather(opts)?;
    let mut ctx = Ctx {
        env: &env,
        opts,
        warnings: Vec::new(),
        unset: Vec::new(),
        variables: BTreeMap::new(),
        local_includes: 0,
    };
    let mut docs: Vec<(Arc<str>, PathBuf, Node)> = Vec::new();
    for (p, text) in &contents {
        let name: Arc<str> = Arc::from(if p.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            p.display().to_string()
        });
        for d in yaml::parse_within(text, &name, opts.alias_budget)? {
            docs.push((name.clone(), p.clone(), d));
        }
    }
    let name_in_files = docs.iter().rev().find_map(|(_, _, d)| {
        d.get("name")
            .and_then(Node::scalar_string)
            .filter(|s| !s.is_empty())
    });
    let project_name = inputs::project_name(opts, &env, name_in_files, &name_dir)?;
    let mut env_with_name = env.clone();
    env_with_name.insert("COMPOSE_PROJECT_NAME".into(), project_name.clone());
    ctx.env = &env_with_name;

    // Files → one merged document.
    let mut dict = Node::map(Span::synthetic("<merged>"));
    let mut included: Vec<PathBuf> = Vec::new();
    for (_, path, doc) in docs {
        dict = load_document(&mut ctx, dict, doc, &path, &workdir, &mut included)?;
    }
    if dict.as_map().is_none_or(|m| m.is_empty()) {
        return Err(LoadError::new(ErrorKind::Type, "empty compose file").into());
    }
    // `x-*` entries of the resource sections are extensions, not resources (as in Compose)
    for kind in ["networks", "volumes", "secrets", "configs"] {
        if let Some(m) = dict.get_mut(kind).and_then(Node::as_map_mut) {
            m.retain(|k, _| !k.name.starts_with("x-"));
        }
    }
    normalize::set_defaults(&mut dict)?;
    if opts.resolve_paths {
        normalize::resolve_paths(&mut dict, &workdir, opts.home())?;
    }
    let env_lookup = |k: &str| ctx.env.get(k).cloned();
    normalize::resolve_environment(&mut dict, &env_lookup);
    if let Some(m) = dict.as_map_mut() {
        m.shift_remove("name");
        m.shift_remove("include");
    }
    if opts.normalize {
        normalize::normalize(&mut dict, &project_name, &env_lookup)?;
    }
    // without interpolation, Compose shows this untyped model (`config --no-interpolate`)
    let model = (!opts.interpolate).then(|| {
        let mut m = dict.to_json();
        if let Some(o) = m.as_object_mut() {
            o.insert("name".into(), project_name.clone().into());
        }
        m
    });

    // The typed model.
    let typed = normalize::prepare_for_model(&mut dict)
        .map_err(LoadErrors::from)
        .and_then(|()| {
            serde_json::from_value::<Project>(dict.to_json())
                .map_err(|e| LoadErrors::from(LoadError::new(ErrorKind::Type, e.to_string())))
        });
    let mut project = match (typed, &model) {
        (Ok(p), _) => p,
        // without interpolation a `${VARIABLE}` may stand where a number belongs: only the
        // untyped model means something then
        (Err(_), Some(_)) => Project::default(),
        (Err(e), None) => return Err(e),
    };
    project.name = project_name.clone();
    project.working_dir = workdir.to_string_lossy().into_owned();
    project.compatibility = opts.compatibility
        || env_with_name
            .get(crate::settings::COMPOSE_COMPATIBILITY)
            .and_then(|v| crate::settings::parse_bool(v))
            .unwrap_or(false);
    project.compose_files = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    project.environment = env_with_name
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    project.env_files = env_files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();

    // Profiles.
    let mut profiles = opts.profiles.clone();
    if profiles.is_empty()
        && let Some(p) = env.get("COMPOSE_PROFILES")
    {
        profiles = p
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    apply_profiles(&mut project, &profiles, &opts.services);

    // references cannot be checked before `${VARIABLES}` are resolved
    if opts.consistency && opts.interpolate {
        consistency::check(&project, &dict)?;
        if opts.watch {
            consistency::check_watch(&project, &dict, &opts.services)?;
        }
    }
    resolve_env_files(&mut project, &env_with_name, &dict)?;
    Ok(Loaded {
        project,
        warnings: ctx.warnings,
        variables: ctx.variables,
        model,
        locator: opts.locate.then_some(Locator(dict)),
        local_includes: ctx.local_includes,
    })
}

fn apply_profiles(project: &mut Project, profiles: &[String], named: &[String]) {
    let active = |svc: &crate::model::Service, name: &str| {
        svc.profiles.is_empty()
            || named.iter().any(|n| n == name)
            || svc
                .profiles
                .iter()
                .any(|p| profiles.iter().any(|a| a == p || a == "*"))
    };
    let names: Vec<String> = project.services.keys().cloned().collect();
    for name in names {
        let enabled = active(&project.services[&name], &name);
        if !enabled && let Some(s) = project.services.remove(&name) {
            project.disabled.insert(name, s);
        }
    }
}

/// Every name in `services` is a service of `project`; the error names the first that is not.
pub fn require_services(project: &Project, services: &[String]) -> Result<(), LoadErrors> {
    match services.iter().find(|s| !project.services.contains_key(*s)) {
        Some(s) => Err(no_such_service(project, s).into()),
        None => Ok(()),
    }
}

/// `no such service: x`, with a did-you-mean or the profile that would enable it.
pub fn no_such_service(project: &Project, name: &str) -> LoadError {
    let e = LoadError::new(ErrorKind::Undefined, format!("no such service: {name}"));
    if let Some(svc) = project.disabled.get(name) {
        e.hint(format!(
            "it is in profile `{}`: add `--profile {}`",
            svc.profiles.join("`, `"),
            svc.profiles.first().map_or("", String::as_str)
        ))
    } else if let Some(best) =
        error::did_you_mean(name, project.services.keys().map(String::as_str))
    {
        e.hint(format!("did you mean `{best}`?"))
    } else {
        let names: Vec<&str> = project.services.keys().map(String::as_str).collect();
        e.hint(format!("the services are: {}", names.join(", ")))
    }
}
