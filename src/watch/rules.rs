//! `develop.watch` rules compiled for matching (pure): which rules a host path triggers, whether a
//! rule ignores it (editor temp files, `.git/`, the build context's `.dockerignore`, `ignore`,
//! `include`), and where it lands in the container.

use std::path::{Path, PathBuf};

use crate::engine::context::Ignore;
use crate::model::{Project, ServiceHook};

/// What a rule does with a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Sync,
    SyncRestart,
    SyncExec,
    Restart,
    Rebuild,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "sync" => Action::Sync,
            "sync+restart" => Action::SyncRestart,
            "sync+exec" => Action::SyncExec,
            "restart" => Action::Restart,
            "rebuild" => Action::Rebuild,
            _ => return None,
        })
    }

    pub fn syncs(self) -> bool {
        matches!(self, Action::Sync | Action::SyncRestart | Action::SyncExec)
    }
}

/// One `services.S.develop.watch[i]`, ready to match host paths.
pub struct Rule {
    pub service: String,
    pub index: usize,
    pub action: Action,
    /// Absolute host path (a folder or one file).
    pub path: PathBuf,
    /// Absolute container path, no trailing `/` (empty unless the action syncs).
    pub target: String,
    pub initial_sync: bool,
    pub exec: Option<ServiceHook>,
    ignore: Ignore,
    include: Option<Ignore>,
    /// The build context and its `.dockerignore`.
    dockerignore: Option<(PathBuf, Ignore)>,
}

/// Editor temporary and backup files, by file name: Vim (`*.swp`, `*.swx`, `*.swo`, `4913`,
/// `*~`), Emacs (`.#*`, `#*#`), JetBrains (`*___jb_tmp___`, `*___jb_old___`), macOS (`.DS_Store`).
fn editor_file(name: &str) -> bool {
    [".swp", ".swx", ".swo", "~", "___jb_tmp___", "___jb_old___"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
        || name == "4913"
        || name == ".DS_Store"
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
}

impl Rule {
    /// `p` relative to the rule's path (`/`-separated; empty for the path itself), if under it.
    pub fn relative(&self, p: &Path) -> Option<String> {
        let rel = p.strip_prefix(&self.path).ok()?;
        let parts: Vec<&str> = rel
            .components()
            .map(|c| match c {
                std::path::Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(parts.join("/"))
    }

    /// Whether the rule acts on `rel` (from [`Rule::relative`]); `is_dir`: it is a folder,
    /// which `include` does not filter (the files in it are).
    pub fn wants(&self, rel: &str, is_dir: bool) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if rel.split('/').any(|c| c == ".git") || (!name.is_empty() && editor_file(name)) {
            return false;
        }
        if let Some((context, ignore)) = &self.dockerignore {
            let abs = if rel.is_empty() {
                self.path.clone()
            } else {
                self.path.join(rel)
            };
            if let Ok(in_context) = abs.strip_prefix(context) {
                let in_context = in_context.to_string_lossy();
                if !in_context.is_empty() && ignore.excludes(&in_context) {
                    return false;
                }
            }
        }
        if !rel.is_empty() && self.ignore.excludes(rel) {
            return false;
        }
        match &self.include {
            Some(include) if !is_dir && !rel.is_empty() => include.excludes(rel),
            _ => true,
        }
    }

    /// Where `rel` lands in the container.
    pub fn container_path(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.target.clone()
        } else {
            format!("{}/{rel}", self.target)
        }
    }
}

/// The rules of `services` (empty: every service with `develop`). The loader has checked them
/// (`consistency::check_watch`); `read` gives a file's text (the build contexts' `.dockerignore`).
pub fn compile(
    project: &Project,
    services: &[String],
    read: impl Fn(&Path) -> Option<String>,
) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (name, svc) in &project.services {
        if !services.is_empty() && !services.contains(name) {
            continue;
        }
        let Some(develop) = &svc.develop else {
            if services.contains(name) {
                return Err(format!(
                    "service `{name}` has no `develop.watch` section: nothing to watch"
                ));
            }
            continue;
        };
        let dockerignore = svc.build.as_ref().and_then(|b| {
            let context = Path::new(&project.working_dir).join(&b.context);
            let dockerfile = if b.dockerfile.is_empty() {
                "Dockerfile"
            } else {
                b.dockerfile.as_str()
            };
            let own = context.join(format!("{dockerfile}.dockerignore"));
            let text = read(&own).or_else(|| read(&context.join(".dockerignore")))?;
            Some((context, text))
        });
        for (index, t) in develop.watch.iter().enumerate() {
            let action = Action::parse(&t.action)
                .ok_or_else(|| format!("service `{name}`: unknown watch action {:?}", t.action))?;
            rules.push(Rule {
                service: name.clone(),
                index,
                action,
                path: Path::new(&project.working_dir).join(&t.path),
                target: if action.syncs() {
                    t.target.trim_end_matches('/').to_string()
                } else {
                    String::new()
                },
                initial_sync: t.initial_sync,
                exec: (action == Action::SyncExec).then(|| t.exec.clone()),
                ignore: Ignore::parse(&t.ignore.join("\n")),
                include: (!t.include.is_empty()).then(|| Ignore::parse(&t.include.join("\n"))),
                dockerignore: dockerignore
                    .as_ref()
                    .map(|(c, text)| (c.clone(), Ignore::parse(text))),
            });
        }
    }
    if rules.is_empty() {
        return Err(
            "no service has a `develop.watch` section: nothing to watch (add `develop: {watch: [...]}` to a service)"
                .to_string(),
        );
    }
    Ok(rules)
}
