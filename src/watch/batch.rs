//! One batch of host changes turned into work per service (pure, printable): rebuild, then the
//! files to send and to delete, then restart, then exec; unsafe paths refused with the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::rules::{Action, Rule};
use crate::model::ServiceHook;

/// What a changed host path is when the batch is flushed (read with `lstat`, links not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A symbolic link, and where it points.
    Link(String),
    Gone,
    /// Reached through this symbolic link to a folder: never followed.
    Through(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub kind: Kind,
}

/// A host path to copy into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    pub host: PathBuf,
    pub container: String,
    pub kind: Kind,
}

/// What one service does with a batch, in this order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Work {
    pub service: String,
    pub rebuild: bool,
    pub deletes: Vec<String>,
    pub puts: Vec<Put>,
    pub restart: bool,
    /// `sync+exec` commands, by rule index.
    pub execs: Vec<(usize, ServiceHook)>,
    /// Paths not synced, and why.
    pub refused: Vec<String>,
}

impl Work {
    pub fn is_empty(&self) -> bool {
        !self.rebuild
            && self.deletes.is_empty()
            && self.puts.is_empty()
            && !self.restart
            && self.execs.is_empty()
            && self.refused.is_empty()
    }

    /// Whether anything goes into the containers' files.
    pub fn syncs(&self) -> bool {
        !self.deletes.is_empty() || !self.puts.is_empty()
    }
}

/// `a/./b/../c` → `a/c`, lexically (`..` above the root stays at the root).
pub fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Why a symbolic link at `at` pointing to `to` may not be copied for `rule` (`None`: it may,
/// as a link).
pub fn unsafe_link(rule: &Rule, at: &Path, to: &str) -> Option<String> {
    if to.starts_with('/') {
        return Some(format!("it is a symbolic link to the absolute path {to}"));
    }
    let resolved = lexical(&at.parent().unwrap_or(Path::new("/")).join(to));
    if !resolved.starts_with(&rule.path) {
        return Some(format!(
            "it is a symbolic link to {to}, outside {}",
            rule.path.display()
        ));
    }
    None
}

/// The work each service has for `changes`, by service name.
pub fn plan(rules: &[Rule], changes: &[Change]) -> Vec<Work> {
    let mut works: BTreeMap<&str, Work> = BTreeMap::new();
    for rule in rules {
        for change in changes {
            let Some(rel) = rule.relative(&change.path) else {
                continue;
            };
            if !rule.wants(&rel, change.kind == Kind::Dir) {
                continue;
            }
            let w = works.entry(&rule.service).or_insert_with(|| Work {
                service: rule.service.clone(),
                ..Default::default()
            });
            match rule.action {
                Action::Rebuild => w.rebuild = true,
                Action::Restart => w.restart = true,
                Action::Sync | Action::SyncRestart | Action::SyncExec => {
                    let container = rule.container_path(&rel);
                    let refused = match &change.kind {
                        Kind::Through(link) => Some(format!(
                            "it is inside {}, a symbolic link to a folder",
                            link.display()
                        )),
                        Kind::Link(to) => unsafe_link(rule, &change.path, to),
                        _ => None,
                    };
                    if let Some(why) = refused {
                        w.refused
                            .push(format!("{}: not synced: {why}", change.path.display()));
                        continue;
                    }
                    if change.kind == Kind::Gone {
                        w.deletes.push(container);
                    } else {
                        w.puts.push(Put {
                            host: change.path.clone(),
                            container,
                            kind: change.kind.clone(),
                        });
                    }
                    if rule.action == Action::SyncRestart {
                        w.restart = true;
                    }
                    if let Some(hook) = &rule.exec
                        && !w.execs.iter().any(|(i, _)| *i == rule.index)
                    {
                        w.execs.push((rule.index, hook.clone()));
                    }
                }
            }
        }
    }
    works
        .into_values()
        .map(|mut w| {
            w.deletes.sort();
            w.deletes.dedup();
            // a deleted folder takes what is in it along
            let all = w.deletes.clone();
            w.deletes
                .retain(|d| !all.iter().any(|p| p != d && Path::new(d).starts_with(p)));
            w.puts.sort_by(|a, b| a.container.cmp(&b.container));
            w.puts.dedup_by(|a, b| a.container == b.container);
            // a rebuild recreates the containers: a restart on top would be a second one
            w.restart &= !w.rebuild;
            w
        })
        .collect()
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.service;
        if self.rebuild {
            writeln!(f, "{s}: rebuild")?;
        }
        for d in &self.deletes {
            writeln!(f, "{s}: delete {d}")?;
        }
        for p in &self.puts {
            let what = match &p.kind {
                Kind::Dir => "folder".to_string(),
                Kind::Link(to) => format!("link to {to}"),
                _ => "file".to_string(),
            };
            writeln!(
                f,
                "{s}: send {} as {} ({what})",
                p.host.display(),
                p.container
            )?;
        }
        if self.restart {
            writeln!(f, "{s}: restart")?;
        }
        for (i, hook) in &self.execs {
            writeln!(
                f,
                "{s}: exec {:?} (rule {i})",
                hook.command.clone().unwrap_or_default()
            )?;
        }
        for r in &self.refused {
            writeln!(f, "{s}: refuse {r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Develop, Project, Service, Trigger};
    use crate::watch::rules::compile;

    fn trigger(path: &str, action: &str, target: &str) -> Trigger {
        Trigger {
            path: path.into(),
            action: action.into(),
            target: target.into(),
            ..Default::default()
        }
    }

    fn project(triggers: Vec<Trigger>, build: bool) -> Project {
        let mut p = Project {
            name: "p".into(),
            working_dir: "/w".into(),
            ..Default::default()
        };
        let mut svc = Service {
            develop: Some(Develop {
                watch: triggers,
                ..Default::default()
            }),
            ..Default::default()
        };
        if build {
            svc.build = Some(crate::model::Build {
                context: "/w".into(),
                ..Default::default()
            });
        }
        p.services.insert("web".into(), svc);
        p
    }

    fn text(p: &Project, dockerignore: Option<&str>, changes: &[(&str, Kind)]) -> String {
        let rules = compile(p, &[], |f| {
            (f == Path::new("/w/.dockerignore"))
                .then(|| dockerignore.map(str::to_string))
                .flatten()
        })
        .unwrap();
        let changes: Vec<Change> = changes
            .iter()
            .map(|(p, k)| Change {
                path: PathBuf::from(p),
                kind: k.clone(),
            })
            .collect();
        plan(&rules, &changes)
            .iter()
            .map(|w| w.to_string())
            .collect()
    }

    #[test]
    fn puts_deletes_and_what_is_left_out() {
        let mut t = trigger("/w/src", "sync", "/app/");
        t.ignore = vec!["*.log".into(), "cache/".into()];
        let p = project(vec![t], true);
        let got = text(
            &p,
            Some("src/secret\n"),
            &[
                ("/w/src/a.txt", Kind::File),
                ("/w/src/gone", Kind::Gone),
                ("/w/src/gone/inner.txt", Kind::Gone),
                ("/w/src/new", Kind::Dir),
                ("/w/src/x.log", Kind::File),
                ("/w/src/sub/x.log", Kind::File),
                ("/w/src/cache/c", Kind::File),
                ("/w/src/secret", Kind::File),
                ("/w/src/.git/HEAD", Kind::File),
                ("/w/src/.a.swp", Kind::File),
                ("/w/src/b~", Kind::File),
                ("/w/other.txt", Kind::File),
            ],
        );
        assert_eq!(
            got,
            "web: delete /app/gone\n\
             web: send /w/src/a.txt as /app/a.txt (file)\n\
             web: send /w/src/new as /app/new (folder)\n\
             web: send /w/src/sub/x.log as /app/sub/x.log (file)\n"
        );
    }

    #[test]
    fn include_filters_files_not_folders() {
        let mut t = trigger("/w/conf", "sync", "/etc/app");
        t.include = vec!["*.conf".into()];
        let p = project(vec![t], false);
        let got = text(
            &p,
            None,
            &[
                ("/w/conf/a.conf", Kind::File),
                ("/w/conf/a.txt", Kind::File),
                ("/w/conf/d", Kind::Dir),
            ],
        );
        assert_eq!(
            got,
            "web: send /w/conf/a.conf as /etc/app/a.conf (file)\n\
             web: send /w/conf/d as /etc/app/d (folder)\n"
        );
    }

    #[test]
    fn links_leaving_the_path_are_refused() {
        let p = project(vec![trigger("/w/src", "sync", "/app")], false);
        let got = text(
            &p,
            None,
            &[
                ("/w/src/abs", Kind::Link("/etc".into())),
                ("/w/src/up", Kind::Link("../../etc".into())),
                ("/w/src/in", Kind::Link("sub/../a".into())),
                ("/w/src/l/x", Kind::Through(PathBuf::from("/w/src/l"))),
            ],
        );
        assert_eq!(
            got,
            "web: send /w/src/in as /app/in (link to sub/../a)\n\
             web: refuse /w/src/abs: not synced: it is a symbolic link to the absolute path /etc\n\
             web: refuse /w/src/up: not synced: it is a symbolic link to ../../etc, outside /w/src\n\
             web: refuse /w/src/l/x: not synced: it is inside /w/src/l, a symbolic link to a folder\n"
        );
    }

    #[test]
    fn order_is_rebuild_sync_restart_exec_and_rebuild_drops_the_restart() {
        let mut exec = trigger("/w/hooks", "sync+exec", "/hooks");
        exec.exec.command = Some(vec!["true".into()]);
        let p = project(
            vec![
                trigger("/w/src", "sync+restart", "/app"),
                exec,
                trigger("/w/build", "rebuild", ""),
                trigger("/w/poke", "restart", ""),
            ],
            true,
        );
        let both = [("/w/src/a", Kind::File), ("/w/hooks/h", Kind::File)];
        assert_eq!(
            text(&p, None, &both),
            "web: send /w/src/a as /app/a (file)\n\
             web: send /w/hooks/h as /hooks/h (file)\n\
             web: restart\n\
             web: exec [\"true\"] (rule 1)\n"
        );
        let with_rebuild = [
            ("/w/src/a", Kind::File),
            ("/w/build/Dockerfile", Kind::File),
        ];
        assert_eq!(
            text(&p, None, &with_rebuild),
            "web: rebuild\nweb: send /w/src/a as /app/a (file)\n"
        );
        assert_eq!(
            text(&p, None, &[("/w/poke/x", Kind::Gone)]),
            "web: restart\n"
        );
    }

    #[test]
    fn a_file_rule_maps_to_its_target() {
        let p = project(vec![trigger("/w/app.conf", "sync", "/etc/app.conf")], false);
        assert_eq!(
            text(
                &p,
                None,
                &[("/w/app.conf", Kind::File), ("/w/app.conf.bak", Kind::File)]
            ),
            "web: send /w/app.conf as /etc/app.conf (file)\n"
        );
    }

    #[test]
    fn no_develop_section_is_an_error() {
        let mut p = project(vec![], false);
        p.services.get_mut("web").unwrap().develop = None;
        let e = compile(&p, &[], |_| None).err().unwrap();
        assert!(
            e.contains("no service has a `develop.watch` section"),
            "{e}"
        );
        let e = compile(&p, &["web".into()], |_| None).err().unwrap();
        assert!(e.contains("service `web` has no `develop.watch`"), "{e}");
    }
}
