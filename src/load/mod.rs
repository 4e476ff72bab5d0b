//! The loader: compose files → validated, normalized [`Project`]. Pure apart from reading files;
//! stages in the order Compose applies them (parse, interpolate, include, extends, merge, validate,
//! canonical, defaults, paths, normalize, typed model, profiles, consistency, environment).

pub mod canonical;
pub mod consistency;
pub mod dotenv;
pub mod error;
pub mod interpolate;
pub mod merge;
pub mod normalize;
pub mod paths;
pub mod rules;
pub mod schema;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

pub use error::{ErrorKind, LoadError, LoadErrors, Span};
use interpolate::{Vars, interpolate_node};
use yaml::{Node, Value};

use crate::model::Project;
use crate::names::normalize_project_name;

pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Everything a load depends on; the command line and the environment fill it.
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
}

impl Options {
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
}

/// The largest compose or env file rcompose reads.
pub const MAX_FILE_SIZE: u64 = 64 << 20;

/// Reads a compose or env file: a regular file only (a device or a FIFO would never end) and at
/// most [`MAX_FILE_SIZE`] bytes.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, Read};
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Error::other("not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_FILE_SIZE + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_SIZE {
        return Err(Error::other(format!(
            "larger than {} MiB",
            MAX_FILE_SIZE >> 20
        )));
    }
    Ok(text)
}

fn io_error(msg: String) -> LoadErrors {
    LoadError::new(ErrorKind::Io, msg).into()
}

fn abs(base: &Path, p: &str) -> PathBuf {
    let pb = PathBuf::from(normalize::expand_user(p));
    let joined = if pb.is_absolute() { pb } else { base.join(pb) };
    PathBuf::from(canonical::clean_path(&joined.to_string_lossy()))
}

/// Finds `compose.yaml` (and its override) from `dir` upward.
pub fn discover(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if let Some(f) = DEFAULT_FILES
            .iter()
            .map(|f| d.join(f))
            .find(|p| p.is_file())
        {
            let mut files = vec![f];
            if let Some(o) = OVERRIDE_FILES
                .iter()
                .map(|f| d.join(f))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
            return Some(files);
        }
        cur = d.parent();
    }
    None
}

fn read_env_file(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, LoadErrors> {
    let text = read_text(path)
        .map_err(|e| io_error(format!("cannot read env file {}: {e}", path.display())))?;
    dotenv::parse(&text, lookup).map_err(|(line, msg)| {
        LoadError::new(ErrorKind::Syntax, msg)
            .at(&Span::new(
                Arc::from(path.display().to_string()),
                line as u32,
                1,
            ))
            .into()
    })
}

fn invalid_name(name: &str) -> LoadError {
    LoadError::new(
        ErrorKind::Usage,
        format!(
            "invalid project name {name:?}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
        ),
    )
}

struct Ctx<'a> {
    env: &'a IndexMap<String, String>,
    opts: &'a Options,
    warnings: Vec<String>,
    unset: Vec<String>,
    variables: BTreeMap<String, interpolate::Variable>,
}

/// Loads a project the way `docker compose config` does.
pub fn load(opts: &Options) -> Result<Loaded, LoadErrors> {
    let cwd = abs(&opts.cwd, ".");
    let workdir0 = opts
        .project_directory
        .as_ref()
        .map(|p| abs(&cwd, &p.to_string_lossy()))
        .unwrap_or_else(|| cwd.clone());

    // COMPOSE_* may come from the .env of the working folder.
    let mut env: IndexMap<String, String> = opts.os_env.clone();
    let disable_dotenv = env
        .get("COMPOSE_DISABLE_ENV_FILE")
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "True"));
    let env_files_from_env: Vec<String> = env
        .get("COMPOSE_ENV_FILES")
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let explicit_env_files: Vec<String> = if opts.env_files.is_empty() {
        env_files_from_env
    } else {
        opts.env_files.clone()
    };
    if explicit_env_files.is_empty() && !disable_dotenv {
        let dot = workdir0.join(".env");
        if dot.is_file() {
            let os = opts.os_env.clone();
            let pre = read_env_file(&dot, &|k| os.get(k).cloned())?;
            for (k, v) in pre {
                if k.starts_with("COMPOSE_") {
                    env.entry(k).or_insert(v);
                }
            }
        }
    }

    // Which files.
    let mut files: Vec<String> = opts.files.clone();
    if files.is_empty()
        && let Some(cf) = env.get("COMPOSE_FILE").filter(|v| !v.is_empty())
    {
        let sep = env
            .get("COMPOSE_PATH_SEPARATOR")
            .cloned()
            .unwrap_or_else(|| ":".into());
        files = cf
            .split(sep.as_str())
            .map(|f| abs(&workdir0, f).to_string_lossy().into_owned())
            .collect();
    }
    let paths: Vec<PathBuf> = if files.is_empty() {
        discover(&workdir0).ok_or_else(|| {
            io_error(format!(
                "no configuration file provided: not found (looked for {} in {} and its parents)",
                DEFAULT_FILES.join(", "),
                workdir0.display()
            ))
        })?
    } else {
        files
            .iter()
            .map(|f| {
                if f == "-" {
                    PathBuf::from("-")
                } else {
                    abs(&cwd, f)
                }
            })
            .collect()
    };
    let workdir = match &opts.project_directory {
        Some(p) => abs(&cwd, &p.to_string_lossy()),
        None => paths
            .iter()
            .find(|p| p.as_os_str() != "-")
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or(cwd.clone()),
    };

    // The project environment: shell, then env files (the shell wins).
    let env_files: Vec<PathBuf> = if !explicit_env_files.is_empty() {
        explicit_env_files.iter().map(|f| abs(&cwd, f)).collect()
    } else if disable_dotenv {
        vec![]
    } else {
        let dot = workdir.join(".env");
        if dot.is_file() { vec![dot] } else { vec![] }
    };
    let mut env: IndexMap<String, String> = opts.os_env.clone();
    for f in &env_files {
        let cur = env.clone();
        let vals = read_env_file(f, &|k| cur.get(k).cloned())?;
        for (k, v) in vals {
            env.entry(k).or_insert(v);
        }
    }

    // The project name (before loading: it can be used in interpolation).
    let mut contents: Vec<(PathBuf, String)> = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            contents.push((p.clone(), opts.stdin.clone().unwrap_or_default()));
        } else {
            let text =
                read_text(p).map_err(|e| io_error(format!("cannot read {}: {e}", p.display())))?;
            contents.push((p.clone(), text));
        }
    }
    let mut ctx = Ctx {
        env: &env,
        opts,
        warnings: Vec::new(),
        unset: Vec::new(),
        variables: BTreeMap::new(),
    };
    let mut docs: Vec<(Arc<str>, PathBuf, Node)> = Vec::new();
    for (p, text) in &contents {
        let name: Arc<str> = Arc::from(if p.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            p.display().to_string()
        });
        for d in yaml::parse(text, &name)? {
            docs.push((name.clone(), p.clone(), d));
        }
    }
    let name_in_files = docs.iter().rev().find_map(|(_, _, d)| {
        d.get("name")
            .and_then(Node::scalar_string)
            .filter(|s| !s.is_empty())
    });
    let project_name = if let Some(n) = opts.project_name.clone().filter(|n| !n.is_empty()) {
        if normalize_project_name(&n) != n {
            return Err(invalid_name(&n).into());
        }
        n
    } else if let Some(n) = env
        .get("COMPOSE_PROJECT_NAME")
        .filter(|n| !n.is_empty())
        .cloned()
    {
        if normalize_project_name(&n) != n {
            return Err(invalid_name(&n).into());
        }
        n
    } else if let Some(n) = name_in_files {
        let n = if opts.interpolate {
            let look = |k: &str| env.get(k).cloned();
            let mut vars = Vars::new(&look);
            interpolate::substitute(&n, &mut vars).unwrap_or(n)
        } else {
            n
        };
        normalize_project_name(&n)
    } else {
        normalize_project_name(
            &workdir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    };
    if project_name.is_empty() {
        return Err(
            LoadError::new(ErrorKind::Usage, "project name must not be empty")
                .hint("pass -p NAME or set `name:` in the compose file")
                .into(),
        );
    }
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
        normalize::resolve_paths(&mut dict, &workdir)?;
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

/// Reads each service's `env_file`s into its environment (explicit `environment` wins).
fn resolve_env_files(
    project: &mut Project,
    env: &IndexMap<String, String>,
    dict: &Node,
) -> Result<(), LoadErrors> {
    for (name, svc) in project.services.iter_mut() {
        if svc.env_file.is_empty() {
            continue;
        }
        let mut from_files: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (i, f) in svc.env_file.iter().enumerate() {
            let p = PathBuf::from(&f.path);
            if !p.is_file() {
                if f.required {
                    let what = if p.exists() {
                        "is not a regular file"
                    } else {
                        "not found"
                    };
                    let mut e =
                        LoadError::new(ErrorKind::Io, format!("env file {} {what}", p.display()))
                            .path(format!("services.{name}.env_file[{i}]"))
                            .hint("create it, or mark it optional with `required: false`");
                    let at = dict
                        .get("services")
                        .and_then(|s| s.get(name))
                        .and_then(|s| s.get("env_file"))
                        .and_then(Node::as_seq)
                        .and_then(|l| l.get(i));
                    if let Some(n) = at {
                        e = e.at(&n.span);
                    }
                    return Err(e.into());
                }
                continue;
            }
            let text = read_text(&p)
                .map_err(|e| io_error(format!("cannot read env file {}: {e}", p.display())))?;
            let vals = if f.format == "raw" {
                text.lines()
                    .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                    .filter_map(|l| {
                        l.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    })
                    .collect()
            } else {
                let known = from_files.clone();
                dotenv::parse(&text, &|k| {
                    env.get(k)
                        .cloned()
                        .or_else(|| known.get(k).cloned().flatten())
                })
                .map_err(|(line, msg)| {
                    LoadErrors::from(LoadError::new(ErrorKind::Syntax, msg).at(&Span::new(
                        Arc::from(p.display().to_string()),
                        line as u32,
                        1,
                    )))
                })?
            };
            for (k, v) in vals {
                from_files.insert(k, Some(v));
            }
        }
        for (k, v) in from_files {
            svc.environment.entry(k).or_insert(v);
        }
        // Containers get the resolved environment, not the files: Compose prints and hashes it so.
        svc.env_file.clear();
    }
    Ok(())
}

/// One YAML document of one file: interpolate, include, extends, merge, validate, canonical.
fn load_document(
    ctx: &mut Ctx<'_>,
    dict: Node,
    mut doc: Node,
    path: &Path,
    workdir: &Path,
    included: &mut Vec<PathBuf>,
) -> Result<Node, LoadErrors> {
    if doc.is_null() {
        return Ok(dict);
    }
    if doc.as_map().is_none() {
        return Err(LoadError::new(
            ErrorKind::Type,
            format!("the top level must be a mapping, found {}", doc.kind_name()),
        )
        .at(&doc.span)
        .into());
    }
    interpolate::node_variables(&doc, &mut ctx.variables);
    if ctx.opts.interpolate {
        let env = ctx.env;
        let look = |k: &str| env.get(k).cloned();
        let mut vars = Vars::new(&look);
        interpolate_node(&mut doc, &mut Vec::new(), &mut vars)?;
        for u in vars.unset {
            if !ctx.unset.contains(&u) {
                ctx.warnings.push(format!(
                    "the {u:?} variable is not set, defaulting to a blank string"
                ));
                ctx.unset.push(u);
            }
        }
    }
    // `include`: load each included project and add its resources (conflicts are errors).
    if let Some(inc) = doc.as_map_mut().and_then(|m| m.shift_remove("include")) {
        let mut inc = inc;
        canonical::canonical(&mut wrap("include", &mut inc), !ctx.opts.interpolate)?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(workdir.to_path_buf());
        let mut extra = Node::map(doc.span.clone());
        if let Some(items) = inc.as_seq() {
            for item in items {
                let sub = include_one(ctx, item, &base_dir, included)?;
                for key in ["services", "networks", "volumes", "secrets", "configs"] {
                    let Some(Value::Map(src)) = sub.get(key).map(|n| n.value.clone()) else {
                        continue;
                    };
                    if extra.get(key).is_none() {
                        extra.insert(key, Node::map(item.span.clone()));
                    }
                    let dst = extra
                        .get_mut(key)
                        .and_then(Node::as_map_mut)
                        .expect("inserted above");
                    for (k, v) in src {
                        // point at this file's own definition when there is one
                        let here = doc
                            .get(key)
                            .and_then(Node::as_map)
                            .and_then(|m| m.get_key_value(k.name.as_str()))
                            .map(|(own, _)| own.span.clone())
                            .or_else(|| {
                                dst.get_key_value(k.name.as_str())
                                    .map(|(o, _)| o.span.clone())
                            });
                        if let Some(here) = here {
                            return Err(LoadError::new(
                                ErrorKind::Conflict,
                                format!(
                                    "`{}` is also defined by the included file {}",
                                    k.name, k.span
                                ),
                            )
                            .at(&here)
                            .path(format!("{key}.{}", k.name))
                            .hint("an included project's resources cannot be redefined: rename one, or extend it with `extends`")
                            .into());
                        }
                        dst.insert(k, v);
                    }
                }
            }
        }
        // imported resources first, then the including file's own
        let own = std::mem::replace(&mut doc, extra);
        if let Value::Map(om) = own.value {
            merge::merge_maps(&mut doc, om, &mut Vec::new())?;
        }
    }
    apply_extends(ctx, &mut doc, path, &mut Vec::new())?;
    let mut merged = merge::merge(dict, doc, &mut Vec::new())?;
    merge::enforce_unicity(&mut merged, &mut Vec::new());
    schema::validate(&merged).map_err(LoadErrors)?;
    let broken = rules::check(&merged);
    if !broken.is_empty() {
        return Err(LoadErrors(broken));
    }
    if let Some(m) = merged.as_map_mut()
        && m.shift_remove("version").is_some()
    {
        let w = format!(
            "{}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
            path.display()
        );
        if !ctx.warnings.contains(&w) {
            ctx.warnings.push(w);
        }
    }
    canonical::canonical(&mut merged, !ctx.opts.interpolate)?;
    merge::enforce_unicity(&mut merged, &mut Vec::new());
    Ok(merged)
}

/// A one-key mapping around `node`, so path-keyed transforms see `key.*`.
fn wrap<'a>(key: &str, node: &'a mut Node) -> WrapGuard<'a> {
    let mut m = Node::map(node.span.clone());
    m.insert(key, std::mem::replace(node, Node::null(Span::default())));
    WrapGuard {
        key: key.to_string(),
        root: m,
        slot: node,
    }
}

struct WrapGuard<'a> {
    key: String,
    root: Node,
    slot: &'a mut Node,
}

impl std::ops::Deref for WrapGuard<'_> {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.root
    }
}
impl std::ops::DerefMut for WrapGuard<'_> {
    fn deref_mut(&mut self) -> &mut Node {
        &mut self.root
    }
}
impl Drop for WrapGuard<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.root.as_map_mut()
            && let Some(v) = m.shift_remove(self.key.as_str())
        {
            *self.slot = v;
        }
    }
}

fn include_one(
    ctx: &mut Ctx<'_>,
    item: &Node,
    base_dir: &Path,
    included: &mut Vec<PathBuf>,
) -> Result<Node, LoadErrors> {
    let paths: Vec<String> = match item.get("path") {
        Some(Node {
            value: Value::Seq(s),
            ..
        }) => s.iter().filter_map(Node::scalar_string).collect(),
        Some(n) => n.scalar_string().into_iter().collect(),
        None => vec![],
    };
    if paths.is_empty() {
        return Err(LoadError::new(ErrorKind::Type, "an include needs a `path`")
            .at(&item.span)
            .into());
    }
    let files: Vec<PathBuf> = paths.iter().map(|p| abs(base_dir, p)).collect();
    for f in &files {
        if included.contains(f) {
            let chain: Vec<String> = included
                .iter()
                .chain(std::iter::once(f))
                .map(|p| p.display().to_string())
                .collect();
            return Err(LoadError::new(
                ErrorKind::Cycle,
                format!("include cycle: {}", chain.join(" -> ")),
            )
            .at(&item.span)
            .into());
        }
    }
    let project_dir = item
        .get("project_directory")
        .and_then(Node::scalar_string)
        .map(|d| abs(base_dir, &d))
        .unwrap_or_else(|| {
            files[0]
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or(base_dir.to_path_buf())
        });
    // The included project's environment: its env_file (or its folder's .env), under the shell.
    let env_files: Vec<PathBuf> = match item.get("env_file") {
        Some(Node {
            value: Value::Seq(s),
            ..
        }) => s
            .iter()
            .filter_map(Node::scalar_string)
            .map(|p| abs(base_dir, &p))
            .collect(),
        Some(n) => n
            .scalar_string()
            .into_iter()
            .map(|p| abs(base_dir, &p))
            .collect(),
        None => {
            let dot = project_dir.join(".env");
            if dot.is_file() { vec![dot] } else { vec![] }
        }
    };
    let mut env = ctx.env.clone();
    for f in &env_files {
        let cur = env.clone();
        for (k, v) in read_env_file(f, &|k| cur.get(k).cloned())? {
            env.entry(k).or_insert(v);
        }
    }
    let mut sub = Ctx {
        env: &env,
        opts: ctx.opts,
        warnings: Vec::new(),
        unset: Vec::new(),
        variables: BTreeMap::new(),
    };
    let mut dict = Node::map(item.span.clone());
    for f in &files {
        included.push(f.clone());
        let text = read_text(f).map_err(|e| {
            LoadErrors::from(
                LoadError::new(
                    ErrorKind::Io,
                    format!("cannot read included file {}: {e}", f.display()),
                )
                .at(&item.span),
            )
        })?;
        let name: Arc<str> = Arc::from(f.display().to_string());
        for d in yaml::parse(&text, &name)? {
            dict = load_document(&mut sub, dict, d, f, &project_dir, included)?;
        }
        included.pop();
    }
    normalize::set_defaults(&mut dict)?;
    if ctx.opts.resolve_paths {
        normalize::resolve_paths(&mut dict, &project_dir)?;
    }
    ctx.warnings.extend(sub.warnings);
    ctx.variables.extend(sub.variables);
    Ok(dict)
}

/// Resolves `extends` in every service of `doc` (same file, other files, chains; cycles rejected).
fn apply_extends(
    ctx: &mut Ctx<'_>,
    doc: &mut Node,
    path: &Path,
    stack: &mut Vec<(PathBuf, String)>,
) -> Result<(), LoadErrors> {
    let names: Vec<String> = match doc.get("services").and_then(Node::as_map) {
        Some(m) => m.keys().map(|k| k.name.clone()).collect(),
        None => return Ok(()),
    };
    for name in names {
        let resolved = resolve_service(ctx, doc, path, &name, stack)?;
        if let Some(s) = doc.get_mut("services").and_then(|s| s.get_mut(&name)) {
            *s = resolved;
        }
    }
    Ok(())
}

fn resolve_service(
    ctx: &mut Ctx<'_>,
    doc: &Node,
    path: &Path,
    name: &str,
    stack: &mut Vec<(PathBuf, String)>,
) -> Result<Node, LoadErrors> {
    let svc = doc
        .get("services")
        .and_then(|s| s.get(name))
        .cloned()
        .ok_or_else(|| {
            LoadErrors::from(LoadError::new(
                ErrorKind::Undefined,
                format!(
                    "cannot extend service `{name}` of {}: no such service",
                    path.display()
                ),
            ))
        })?;
    let Some(ext) = svc.get("extends").cloned() else {
        return Ok(svc);
    };
    let key = (path.to_path_buf(), name.to_string());
    if stack.contains(&key) {
        let mut chain: Vec<String> = stack.iter().map(|(_, s)| s.clone()).collect();
        chain.push(name.to_string());
        return Err(LoadError::new(
            ErrorKind::Cycle,
            format!("extends cycle: {}", chain.join(" -> ")),
        )
        .at(&ext.span)
        .path(format!("services.{name}.extends"))
        .into());
    }
    stack.push(key);
    let (base_name, file) = match &ext.value {
        Value::Str(s) => (s.clone(), None),
        Value::Map(_) => (
            ext.get("service")
                .and_then(Node::scalar_string)
                .unwrap_or_default(),
            ext.get("file").and_then(Node::scalar_string),
        ),
        _ => {
            return Err(LoadError::new(
                ErrorKind::Type,
                "`extends` must be a service name or a mapping",
            )
            .at(&ext.span)
            .into());
        }
    };
    let base = match file {
        None => resolve_service(ctx, doc, path, &base_name, stack)?,
        Some(f) => {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let fpath = abs(&dir, &f);
            let text = read_text(&fpath).map_err(|e| {
                LoadErrors::from(
                    LoadError::new(
                        ErrorKind::Io,
                        format!("cannot read {}: {e}", fpath.display()),
                    )
                    .at(&ext.span),
                )
            })?;
            let fname: Arc<str> = Arc::from(fpath.display().to_string());
            let mut other = yaml::parse(&text, &fname)?
                .into_iter()
                .next()
                .unwrap_or(Node::null(ext.span.clone()));
            if ctx.opts.interpolate {
                let env = ctx.env;
                let look = |k: &str| env.get(k).cloned();
                let mut vars = Vars::new(&look);
                interpolate_node(&mut other, &mut Vec::new(), &mut vars)?;
            }
            let mut b = resolve_service(ctx, &other, &fpath, &base_name, stack)?;
            // relative paths of the other file stay relative to its folder
            rebase_paths(&mut b, fpath.parent().unwrap_or(Path::new("/")), &dir);
            b
        }
    };
    stack.pop();
    if base.is_null() {
        // Compose leaves a service that extends an empty one as written, `extends` included
        return Ok(svc);
    }
    let mut over = svc;
    if let Some(m) = over.as_map_mut() {
        m.shift_remove("extends");
    }
    let mut p = vec!["services".to_string(), "x".to_string()];
    let merged = merge::merge(base, over, &mut p)?;
    Ok(merged)
}

/// Rewrites the relative build context / env_file / bind sources of a service taken from another
/// folder so they stay right once merged into this file.
fn rebase_paths(svc: &mut Node, from: &Path, to: &Path) {
    if from == to {
        return;
    }
    let fix = |s: &str| -> String {
        if Path::new(s).is_absolute() || s.contains("://") {
            return s.to_string();
        }
        abs(from, s).to_string_lossy().into_owned()
    };
    if let Some(b) = svc.get_mut("build") {
        match &mut b.value {
            Value::Str(s) => *s = fix(s),
            Value::Map(_) => {
                if let Some(Value::Str(s)) = b.get_mut("context").map(|c| &mut c.value) {
                    *s = fix(s);
                }
            }
            _ => {}
        }
    }
    if let Some(e) = svc.get_mut("env_file") {
        match &mut e.value {
            Value::Str(s) => *s = fix(s),
            Value::Seq(items) => {
                for it in items {
                    match &mut it.value {
                        Value::Str(s) => *s = fix(s),
                        Value::Map(_) => {
                            if let Some(Value::Str(s)) = it.get_mut("path").map(|c| &mut c.value) {
                                *s = fix(s);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(Value::Seq(vols)) = svc.get_mut("volumes").map(|v| &mut v.value) {
        for v in vols {
            if let Value::Str(s) = &mut v.value
                && s.starts_with('.')
                && let Some((src, rest)) = s.split_once(':')
            {
                *s = format!("{}:{rest}", fix(src));
            }
        }
    }
}
