//! The loader's inputs, gathered from the disk and the environment before the pure pipeline
//! runs: which compose files (discovery upward, `-f`, `COMPOSE_FILE`), the project folder, the
//! environment with `.env` and `--env-file`, the project name, and the services' `env_file`s;
//! files are read only when they are regular and at most 64 MiB.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::interpolate::{self, Vars};
use super::yaml::Node;
use super::{ErrorKind, LoadError, LoadErrors, Options, Span, canonical, dotenv, normalize};
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

pub(super) fn io_error(msg: String) -> LoadErrors {
    LoadError::new(ErrorKind::Io, msg).into()
}

pub(super) fn abs(base: &Path, p: &str, home: Option<&str>) -> PathBuf {
    let pb = PathBuf::from(normalize::expand_user(p, home));
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

pub(super) fn read_env_file(
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

/// What a load starts from, gathered from the disk and the environment: the project folder,
/// the compose files and their text, the environment (the shell's, then the env files'), and
/// the env files read.
pub(super) struct Inputs {
    pub workdir: PathBuf,
    /// The folder a project without a name is named after: the working folder, or the current
    /// one when the first file came from a registry (its folder is a digest), as in Compose.
    pub name_dir: PathBuf,
    pub paths: Vec<PathBuf>,
    pub env: IndexMap<String, String>,
    pub env_files: Vec<PathBuf>,
    pub contents: Vec<(PathBuf, String)>,
}

/// Finds the files (`-f`, `COMPOSE_FILE`, or discovery upward), the project folder, and the
/// environment (`COMPOSE_*` may come from the working folder's `.env`), and reads the files.
pub(super) fn gather(opts: &Options) -> Result<Inputs, LoadErrors> {
    let home = opts.home();
    let cwd = abs(&opts.cwd, ".", home);
    let workdir0 = opts
        .project_directory
        .as_ref()
        .map(|p| abs(&cwd, &p.to_string_lossy(), home))
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
            .map(|f| abs(&workdir0, f, home).to_string_lossy().into_owned())
            .collect();
    }
    let mut remote_first = false;
    let paths: Vec<PathBuf> = if files.is_empty() {
        discover(&workdir0).ok_or_else(|| {
            io_error(format!(
                "no configuration file provided: not found (looked for {} in {} and its parents)",
                DEFAULT_FILES.join(", "),
                workdir0.display()
            ))
        })?
    } else {
        let mut paths = Vec::new();
        for f in &files {
            paths.push(if f == "-" {
                PathBuf::from("-")
            } else if let Some(local) = opts.fetched(f)? {
                remote_first |= paths.is_empty();
                local
            } else {
                abs(&cwd, f, home)
            });
        }
        paths
    };
    let workdir = match &opts.project_directory {
        Some(p) => abs(&cwd, &p.to_string_lossy(), home),
        None => paths
            .iter()
            .find(|p| p.as_os_str() != "-")
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or(cwd.clone()),
    };

    // The project environment: shell, then env files (the shell wins).
    let env_files: Vec<PathBuf> = if !explicit_env_files.is_empty() {
        explicit_env_files
            .iter()
            .map(|f| abs(&cwd, f, home))
            .collect()
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
    let name_dir = if remote_first && opts.project_directory.is_none() {
        cwd.clone()
    } else {
        workdir.clone()
    };
    Ok(Inputs {
        name_dir,
        workdir,
        paths,
        env,
        env_files,
        contents,
    })
}

/// The project name: `-p`, else `COMPOSE_PROJECT_NAME`, else the files' `name:` (interpolated),
/// else the project folder's name; normalized as Compose does.
pub(super) fn project_name(
    opts: &Options,
    env: &IndexMap<String, String>,
    name_in_files: Option<String>,
    workdir: &Path,
) -> Result<String, LoadErrors> {
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
    Ok(project_name)
}

/// Reads each service's `env_file`s into its environment (explicit `environment` wins).
pub(super) fn resolve_env_files(
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
