//! The running watch: host file events (notify) batched by a quiet period, each batch planned
//! ([`super::batch`]) and carried out per service (rebuild, sync, restart, exec) with one line of
//! output each; containers that start again are resynced. Errors are printed and the watch goes on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

use super::batch::{self, Change, Kind, Work};
use super::rules::Rule;
use super::sync;
use crate::engine::{Action, ContainerInfo, ExecRequest, Interactive};

/// How the watch behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Changes are batched until the files have been quiet this long.
    pub quiet_period: Duration,
    /// No build output for rebuilds.
    pub quiet: bool,
    /// A rebuild removes the image it replaced when nothing uses it.
    pub prune: bool,
    /// Each batch's plan is printed (on stderr).
    pub debug: bool,
    /// Where hooks' `environment: [KEY]` take their values.
    pub env: crate::settings::Env,
}

/// What the command layer does for a `rebuild`: build the services' images and recreate their
/// containers (and `restart: true` dependents).
pub trait Rebuilder: Send + Sync {
    fn rebuild(&self, services: Vec<String>) -> BoxFuture<'_, Result<(), String>>;
}

/// Where the watch reports.
pub trait Report: Send + Sync {
    /// One line of what happened (`⦿ synced 3 files into web-1 in 41 ms`).
    fn done(&self, line: &str);
    /// Something failed; the watch goes on.
    fn failed(&self, line: &str);
    /// A line a hook printed in a container.
    fn output(&self, container: &str, line: &str);
    /// A batch's plan (with `debug`).
    fn plan(&self, text: &str);
}

/// Prints to stdout and stderr.
pub struct Print;

impl Report for Print {
    fn done(&self, line: &str) {
        println!("⦿ {line}");
    }
    fn failed(&self, line: &str) {
        eprintln!("✗ {line}");
    }
    fn output(&self, container: &str, line: &str) {
        println!("{container} | {line}");
    }
    fn plan(&self, text: &str) {
        eprint!("{text}");
    }
}

/// A changed host path as notify reported it.
enum Event {
    Paths(Vec<PathBuf>),
    /// The kernel dropped events: compare everything again.
    Rescan,
    Error(String),
}

struct State<E> {
    engine: Arc<E>,
    project: String,
    rules: Vec<Rule>,
    rebuilder: Arc<dyn Rebuilder>,
    report: Arc<dyn Report>,
    options: Options,
    /// Container paths deleted on the host since the watch started, by service: a container that
    /// comes back deletes them too.
    deleted: Mutex<BTreeMap<String, BTreeSet<String>>>,
    /// Containers the watch itself restarted or recreated, and when (they need no resync).
    ours: Mutex<HashMap<String, Instant>>,
}

fn ms(since: Instant) -> String {
    let d = since.elapsed();
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl<E: Interactive + 'static> State<E> {
    /// The service's running containers, by number.
    async fn containers(&self, service: &str) -> Result<Vec<ContainerInfo>, String> {
        let mut all: Vec<ContainerInfo> = self
            .engine
            .list_containers(Some(&self.project), true)
            .await
            .map_err(|e| e.message)?
            .into_iter()
            .filter(|c| c.service() == service && !c.is_oneoff())
            .collect();
        all.sort_by_key(|c| c.number());
        Ok(all)
    }

    /// `container` starts because of the watch itself: its start needs no resync.
    fn mark_ours(&self, container: &str) {
        self.ours
            .lock()
            .expect("not poisoned")
            .insert(container.to_string(), Instant::now());
    }

    /// Remembers deletions (and un-deletes what came back) for containers that return.
    fn track(&self, w: &Work) {
        let mut deleted = self.deleted.lock().expect("not poisoned");
        let set = deleted.entry(w.service.clone()).or_default();
        for d in &w.deletes {
            set.insert(d.clone());
        }
        for p in &w.puts {
            set.retain(|d| !Path::new(&p.container).starts_with(d));
        }
    }

    /// Rebuilds `services` in one go (a build they share runs once); whether it worked.
    async fn rebuild(&self, services: &[String]) -> bool {
        let t = Instant::now();
        let mut before = BTreeSet::new();
        for s in services {
            before.extend(
                self.containers(s)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| c.id),
            );
        }
        let names = services.join(", ");
        if let Err(e) = self.rebuilder.rebuild(services.to_vec()).await {
            self.report.failed(&format!("{names}: rebuild failed: {e}"));
            return false;
        }
        let mut recreated = Vec::new();
        for s in services {
            for c in self.containers(s).await.unwrap_or_default() {
                if !before.contains(&c.id) {
                    self.mark_ours(&c.name);
                    recreated.push(c.name);
                }
            }
        }
        let what = if recreated.is_empty() {
            "nothing to recreate".to_string()
        } else {
            format!("recreated {}", recreated.join(", "))
        };
        self.report
            .done(&format!("rebuilt {names}, {what} in {}", ms(t)));
        true
    }

    /// A service's work after the batch's rebuild: sync, restart, exec.
    async fn carry_out(&self, w: Work) {
        let s = &w.service;
        for r in &w.refused {
            self.report.failed(&format!("{s}: {r}"));
        }
        self.track(&w);
        let containers = match self.containers(s).await {
            Ok(c) => c,
            Err(e) => {
                self.report
                    .failed(&format!("{s}: listing its containers: {e}"));
                return;
            }
        };
        if w.syncs() {
            let t = Instant::now();
            let jobs = containers.iter().filter(|c| c.is_running()).map(|c| async {
                sync::delete(&*self.engine, &c.name, &w.deletes).await?;
                sync::send(&*self.engine, &c.name, &w.puts).await
            });
            let results = futures_util::future::join_all(jobs).await;
            let mut into = Vec::new();
            let mut sent = 0;
            for (c, r) in containers.iter().filter(|c| c.is_running()).zip(results) {
                match r {
                    Ok(n) => {
                        sent = n;
                        into.push(c.name.clone());
                    }
                    Err(e) => self.report.failed(&format!("{s}: {e}")),
                }
            }
            if !into.is_empty() {
                let what = match (sent, w.deletes.len()) {
                    (n, 0) => plural(n, "file"),
                    (0, d) => format!("the deletion of {}", plural(d, "path")),
                    (n, d) => format!("{}, deleted {}", plural(n, "file"), plural(d, "path")),
                };
                self.report.done(&format!(
                    "synced {what} into {} in {}",
                    into.join(", "),
                    ms(t)
                ));
            } else if containers.iter().all(|c| !c.is_running()) {
                self.report.done(&format!(
                    "{s} is not running: the changes go in when it starts"
                ));
            }
        }
        if w.restart {
            let t = Instant::now();
            for c in &containers {
                self.mark_ours(&c.name);
                match self.engine.restart_container(&c.name, None).await {
                    Ok(()) => self
                        .report
                        .done(&format!("restarted {} in {}", c.name, ms(t))),
                    Err(e) => self
                        .report
                        .failed(&format!("{s}: restarting {}: {}", c.name, e.message)),
                }
            }
        }
        for (_, hook) in &w.execs {
            for c in containers.iter().filter(|c| c.is_running()) {
                self.exec(s, c, hook).await;
            }
        }
    }

    async fn exec(&self, service: &str, c: &ContainerInfo, hook: &crate::model::ServiceHook) {
        let t = Instant::now();
        let cmd = hook.command.clone().unwrap_or_default();
        let request = ExecRequest {
            cmd: cmd.clone(),
            env: hook
                .environment
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => match self.options.env.get(k) {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    },
                })
                .collect(),
            user: hook.user.clone(),
            workdir: hook.working_dir.clone(),
            privileged: hook.privileged,
            ..Default::default()
        };
        // whole lines, prefixed with the container
        let run = sync::run(&*self.engine, &c.name, request, |line| {
            self.report.output(&c.name, line)
        });
        let shown = shell_words::join(&cmd);
        match run.await {
            Ok(0) => self
                .report
                .done(&format!("ran `{shown}` in {} in {}", c.name, ms(t))),
            Ok(code) => self.report.failed(&format!(
                "{service}: `{shown}` exited with {code} in {}",
                c.name
            )),
            Err(e) => self
                .report
                .failed(&format!("{service}: running `{shown}` in {}: {e}", c.name)),
        }
    }

    /// Brings `container` of `service` in line with the host for every sync rule (`only_initial`:
    /// the rules with `initial_sync`).
    async fn resync(&self, service: &str, container: &str, only_initial: bool) {
        let t = Instant::now();
        let deleted = self
            .deleted
            .lock()
            .expect("not poisoned")
            .get(service)
            .cloned()
            .unwrap_or_default();
        let (mut sent, mut gone) = (0, 0);
        for rule in self.rules.iter().filter(|r| {
            r.service == service && r.action.syncs() && (!only_initial || r.initial_sync)
        }) {
            match sync::resync(&*self.engine, container, rule, &deleted).await {
                Ok((s, g)) => {
                    sent += s;
                    gone += g;
                }
                Err(e) => self.report.failed(&format!("{service}: {e}")),
            }
        }
        if sent + gone > 0 {
            let mut what = plural(sent, "file");
            if gone > 0 {
                what = format!("{what}, deleted {}", plural(gone, "path"));
            }
            self.report
                .done(&format!("resynced {container}: sent {what} in {}", ms(t)));
        }
    }

    /// The host paths of a batch, read now, as changes (new folders with all they hold).
    fn changes(&self, paths: BTreeSet<PathBuf>) -> Vec<Change> {
        let mut out = Vec::new();
        for path in paths {
            // the outermost rule folder holding it: links between it and the path are not followed
            let Some(root) = self
                .rules
                .iter()
                .filter(|r| path.starts_with(&r.path))
                .map(|r| &r.path)
                .min_by_key(|p| p.components().count())
            else {
                continue;
            };
            let kind = sync::kind_of(root, &path);
            if kind == Kind::Dir {
                // a new or moved-in folder: what it holds may have no events of its own
                for (p, k) in sync::walk(&path) {
                    out.push(Change { path: p, kind: k });
                }
            }
            out.push(Change { path, kind });
        }
        out
    }

    async fn flush(self: &Arc<Self>, paths: BTreeSet<PathBuf>) {
        let changes = self.changes(paths);
        let works = batch::plan(&self.rules, &changes);
        if self.options.debug {
            for w in &works {
                self.report.plan(&w.to_string());
            }
        }
        let rebuilds: Vec<String> = works
            .iter()
            .filter(|w| w.rebuild)
            .map(|w| w.service.clone())
            .collect();
        // a failed rebuild leaves those services as they were; the others go on
        let failed = !rebuilds.is_empty() && !self.rebuild(&rebuilds).await;
        let jobs = works
            .into_iter()
            .filter(|w| !(w.is_empty() || failed && w.rebuild))
            .map(|w| {
                let me = self.clone();
                async move { me.carry_out(w).await }
            });
        futures_util::future::join_all(jobs).await;
    }

    async fn resync_all(self: &Arc<Self>, only_initial: bool) {
        let services: BTreeSet<String> = self
            .rules
            .iter()
            .filter(|r| r.action.syncs() && (!only_initial || r.initial_sync))
            .map(|r| r.service.clone())
            .collect();
        for s in services {
            for c in self.containers(&s).await.unwrap_or_default() {
                if c.is_running() {
                    self.resync(&s, &c.name, only_initial).await;
                }
            }
        }
    }
}

/// The folders to give notify: each rule's path, minus those inside another.
fn roots(rules: &[Rule]) -> Vec<PathBuf> {
    let all: BTreeSet<&PathBuf> = rules.iter().map(|r| &r.path).collect();
    all.iter()
        .filter(|p| !all.iter().any(|q| q != *p && p.starts_with(q)))
        .map(|p| (*p).clone())
        .collect()
}

/// Watches until `stop` resolves (Ctrl-C), carrying out each batch of changes. Fails only when
/// nothing can be watched.
pub async fn watch<E: Interactive + 'static>(
    engine: Arc<E>,
    project: &str,
    rules: Vec<Rule>,
    options: Options,
    rebuilder: Arc<dyn Rebuilder>,
    report: Arc<dyn Report>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    use notify::Watcher;
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let handler = move |res: notify::Result<notify::Event>| {
        let event = match res {
            Ok(e) if e.need_rescan() => Event::Rescan,
            Ok(e) if matches!(e.kind, notify::EventKind::Access(_)) => return,
            Ok(e) => Event::Paths(e.paths),
            Err(e) => Event::Error(e.to_string()),
        };
        let _ = tx.send(event);
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = notify::RecommendedWatcher::new(handler, config)
        .map_err(|e| format!("cannot watch files: {e}"))?;
    let mut watching = 0;
    for root in roots(&rules) {
        if !root.exists() {
            report.failed(&format!("{} does not exist: not watched", root.display()));
            continue;
        }
        match watcher.watch(&root, notify::RecursiveMode::Recursive) {
            Ok(()) => watching += 1,
            Err(e) => report.failed(&format!("cannot watch {}: {e}", root.display())),
        }
    }
    if watching == 0 {
        return Err("none of the watched paths can be watched".to_string());
    }
    let state = Arc::new(State {
        engine: engine.clone(),
        project: project.to_string(),
        rules,
        rebuilder,
        report: report.clone(),
        options: options.clone(),
        deleted: Mutex::new(BTreeMap::new()),
        ours: Mutex::new(HashMap::new()),
    });
    let services: BTreeSet<String> = state.rules.iter().map(|r| r.service.clone()).collect();
    report.done(&format!(
        "watching {} for {}",
        roots(&state.rules)
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        services.iter().cloned().collect::<Vec<_>>().join(", ")
    ));
    state.resync_all(true).await;

    let mut events = engine.events(project);
    tokio::pin!(stop);
    let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
    let mut rescan = false;
    // when the files have been quiet long enough (only file events move it)
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let quiet = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now));
        tokio::select! {
            _ = &mut stop => return Ok(()),
            e = rx.recv() => {
                match e {
                    Some(Event::Paths(p)) => pending.extend(p),
                    Some(Event::Rescan) => rescan = true,
                    Some(Event::Error(e)) => report.failed(&format!("file events: {e}")),
                    None => return Err("the file watcher stopped".to_string()),
                }
                due = Some(tokio::time::Instant::now() + options.quiet_period);
            }
            _ = quiet, if due.is_some() => {
                due = None;
                let batch = std::mem::take(&mut pending);
                if std::mem::take(&mut rescan) {
                    state.resync_all(false).await;
                }
                state.flush(batch).await;
            }
            ev = events.next() => match ev {
                Some(Ok(ev)) if ev.action == Action::Start && services.contains(&ev.service) => {
                    let ours = state
                        .ours
                        .lock()
                        .expect("not poisoned")
                        .remove(&ev.name)
                        .is_some_and(|t| t.elapsed() < Duration::from_secs(120));
                    if !ours {
                        state.resync(&ev.service, &ev.name, false).await;
                    }
                }
                Some(_) => {}
                None => {
                    // the engine went away or the stream ended: open it again
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    events = engine.events(project);
                }
            },
        }
    }
}
