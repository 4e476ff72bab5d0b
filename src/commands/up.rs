//! `rcompose up`: converges the project (pull what is missing, then the up plan), then either
//! returns (`-d`, `--wait`) or streams the containers' logs until they stop, Ctrl-C stopping them
//! gracefully (a second Ctrl-C kills; exit code 130).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Failure, Settings, color, connect, execute, load_project, run_plan};
use crate::cli::{Global, PullPolicy, UpArgs};
use crate::engine::{Docker, Engine, LogOptions};
use crate::model::Project;
use crate::observe::{Observed, observe};
use crate::plan::{self, Op, Pull, Recreate, UpOptions};
use crate::progress::logs::LogPrinter;

/// `--scale a=2 --scale b=0`.
pub fn parse_scale(items: &[String]) -> Result<BTreeMap<String, u32>, Failure> {
    items
        .iter()
        .map(|s| {
            let (name, n) = s.split_once('=').ok_or_else(|| {
                Failure::Other(format!("invalid --scale {s:?}: expected SERVICE=NUM"))
            })?;
            let n: u32 = n.parse().map_err(|_| {
                Failure::Other(format!("invalid --scale {s:?}: {n:?} is not a number"))
            })?;
            Ok((name.to_string(), n))
        })
        .collect()
}

pub fn pull_policy(p: Option<PullPolicy>) -> Option<Pull> {
    p.map(|p| match p {
        PullPolicy::Always => Pull::Always,
        PullPolicy::Missing => Pull::Missing,
        PullPolicy::Never => Pull::Never,
    })
}

/// How `up`, `create` and `scale` get their images.
#[derive(Default)]
pub struct Images {
    pub pull: Option<Pull>,
    pub quiet_pull: bool,
    pub quiet_build: bool,
    pub build: plan::Build,
    pub overrides: crate::build::Overrides,
}

impl Images {
    /// From `--pull`, `--quiet-pull`, `--build` and `--no-build`.
    pub fn from_flags(
        pull: Option<PullPolicy>,
        quiet_pull: bool,
        build: bool,
        no_build: bool,
    ) -> Images {
        Images {
            pull: pull_policy(pull),
            quiet_pull,
            quiet_build: false,
            build: match (build, no_build) {
                (true, _) => plan::Build::Always,
                (_, true) => plan::Build::Never,
                _ => plan::Build::Missing,
            },
            overrides: Default::default(),
        }
    }
}

/// Loads the project, builds and pulls what is missing, and runs the up plan (`opts.no_start`:
/// create only).
pub async fn converge(
    global: &Global,
    opts: UpOptions,
    images: Images,
) -> Result<(Docker, Project, Observed, plan::Plan), Failure> {
    let project = load_project(global, &opts.services)?;
    converge_project(&Settings::of(global), project, opts, images).await
}

/// What every up plan takes from the command's surroundings: the `--env-file` files (a container
/// label) and `COMPOSE_IGNORE_ORPHANS`.
pub fn complete(env_files: &[String], opts: &mut UpOptions) {
    opts.env_files = env_files.to_vec();
    opts.ignore_orphans = std::env::var("COMPOSE_IGNORE_ORPHANS")
        .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "True" | "TRUE"));
}

/// [`converge`] for a project already loaded.
pub async fn converge_project(
    settings: &Settings,
    project: Project,
    opts: UpOptions,
    images: Images,
) -> Result<(Docker, Project, Observed, plan::Plan), Failure> {
    let scaled: Vec<String> = opts.scale.keys().cloned().collect();
    super::require_services(&project, &scaled)?;
    let engine = connect().await?;
    let (observed, plan) = converge_on(&engine, settings, &project, opts, images).await?;
    Ok((engine, project, observed, plan))
}

/// [`converge_project`] on an engine already connected (the library's own); the state observed
/// and the plan that ran.
pub async fn converge_on(
    engine: &Docker,
    settings: &Settings,
    project: &Project,
    mut opts: UpOptions,
    images: Images,
) -> Result<(Observed, plan::Plan), Failure> {
    complete(&settings.env_files, &mut opts);
    let progress = settings.renderer();
    let mut observed = observe(engine, &project.name, Some(project)).await?;
    let scope = plan::services_in_scope(project, &opts.services, opts.no_deps);
    let images_changed = prepare_images(
        settings.dry_run,
        engine,
        project,
        &observed,
        &scope,
        &images,
        progress.as_ref(),
    )
    .await?;
    if images_changed && !settings.dry_run {
        // the new images' IDs label the containers
        observed = observe(engine, &project.name, Some(project)).await?;
    }
    let plan = plan::up(project, &observed, &opts)?;
    execute(
        engine,
        &project.name,
        &plan,
        settings.dry_run,
        progress.as_ref(),
    )
    .await?;
    Ok((observed, plan))
}

/// Builds and pulls what the services in `scope` lack (per `images`); whether anything was.
pub async fn prepare_images(
    dry_run: bool,
    engine: &Docker,
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    images: &Images,
    progress: &dyn crate::progress::Progress,
) -> Result<bool, Failure> {
    let builds = plan::builds(project, observed, scope, images.build, &images.overrides)?;
    let pulls = plan::pulls(
        project,
        observed,
        scope,
        images.pull.unwrap_or_default(),
        images.build,
    )?;
    let quiet = crate::progress::Quiet;
    if !builds.is_empty() {
        let shown: &dyn crate::progress::Progress =
            if images.quiet_build { &quiet } else { progress };
        execute(engine, &project.name, &builds, dry_run, shown).await?;
    }
    if !pulls.is_empty() {
        let shown: &dyn crate::progress::Progress =
            if images.quiet_pull { &quiet } else { progress };
        execute(engine, &project.name, &pulls, dry_run, shown).await?;
    }
    Ok(!builds.is_empty() || !pulls.is_empty())
}

pub async fn run(global: &Global, args: &UpArgs) -> Result<(), Failure> {
    let opts = UpOptions {
        services: args.services.clone(),
        no_deps: args.no_deps,
        recreate: Recreate::from_flags(args.force_recreate, args.no_recreate),
        recreate_deps: args.always_recreate_deps,
        renew_anon_volumes: args.renew_anon_volumes,
        remove_orphans: args.remove_orphans,
        scale: parse_scale(&args.scale)?,
        no_start: args.no_start,
        wait: args.wait,
        timeout: args.timeout,
        ..Default::default()
    };
    let start = crate::clock::now_secs();
    // the watch rules are checked before anything is created
    let (loaded, rules) = match args.watch {
        true => {
            let (project, rules) = super::watch::load_watched(global, &args.services)?;
            (project, Some(rules))
        }
        false => (load_project(global, &args.services)?, None),
    };
    let images = Images::from_flags(args.pull, args.quiet_pull, args.build, args.no_build);
    let model = args.wait.then(|| loaded.clone());
    let began = std::time::Instant::now();
    let settings = Settings::of(global);
    let converging = converge_project(&settings, loaded, opts, images);
    let converged = match (args.wait, args.wait_timeout) {
        (true, Some(secs)) => tokio::time::timeout(Duration::from_secs(secs), converging)
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Other(format!(
                    "the project was not ready within --wait-timeout {secs}s"
                )))
            }),
        _ => converging.await,
    };
    let (engine, project, _, plan) = match (converged, model) {
        (Ok(done), _) => done,
        // `--wait` failed: which services are not ready, why, and their last lines
        (Err(Failure::Other(msg)), Some(model)) if !global.dry_run => {
            let engine = connect().await?;
            let scope = plan::services_in_scope(&model, &args.services, args.no_deps);
            let report = crate::ready::report(&engine, &model, &scope).await;
            let after = match args.wait_timeout {
                Some(t) => format!(
                    "after {:.1}s of --wait-timeout {t}s",
                    began.elapsed().as_secs_f64()
                ),
                None => format!("after {:.1}s", began.elapsed().as_secs_f64()),
            };
            return Err(Failure::Other(format!(
                "{msg} ({after})\n{}",
                report.trim_end()
            )));
        }
        (Err(e), _) => return Err(e),
    };
    if global.dry_run || args.no_start {
        return Ok(());
    }
    // detached, Ctrl-C ends the watch; attached, the logs own it (they stop the services)
    let stop: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        if args.detach || args.wait {
            Box::pin(async {
                let _ = tokio::signal::ctrl_c().await;
            })
        } else {
            Box::pin(std::future::pending())
        };
    let watching = rules.map(|rules| {
        let (project, settings) = (project.clone(), &args.watch_settings);
        super::watch::watch(
            global,
            engine.clone(),
            project,
            rules,
            settings,
            false,
            true,
            stop,
        )
    });
    if let Some(watching) = watching {
        if args.detach || args.wait {
            // `up -d --watch`: the services run detached, the watch stays in the foreground
            return watching.await;
        }
        let started = started(&plan);
        return tokio::select! {
            r = attach(global, args, &engine, &project, start, &started) => r,
            r = watching => r,
        };
    }
    if args.detach || args.wait {
        return Ok(());
    }
    attach(global, args, &engine, &project, start, &started(&plan)).await
}

/// The containers `plan` starts: they print from the start, even if they already stopped.
fn started(plan: &plan::Plan) -> HashSet<String> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::StartContainer { name } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// What the log followers report.
enum Note {
    Exited { name: String, code: i64 },
}

/// Streams the attached containers' output until they all stop, or an abort flag or Ctrl-C.
async fn attach(
    global: &Global,
    args: &UpArgs,
    engine: &Docker,
    project: &Project,
    since: i64,
    started: &HashSet<String>,
) -> Result<(), Failure> {
    // which services print: those named (or all), minus --no-attach; --attach restricts
    let scope = plan::services_in_scope(project, &args.services, args.no_deps);
    let shown: BTreeSet<String> = scope
        .iter()
        .filter(|s| {
            args.services.is_empty()
                || args.attach_dependencies
                || args.services.contains(s)
                || args.attach.contains(s)
        })
        .filter(|s| args.attach.is_empty() || args.attach.contains(s))
        .filter(|s| !args.no_attach.contains(s))
        .filter(|s| project.services[*s].attach != Some(false) || args.attach.contains(s))
        .cloned()
        .collect();
    let containers = engine.list_containers(Some(&project.name), true).await?;
    let watched: Vec<(String, String)> = containers
        .iter()
        .filter(|c| !c.is_oneoff() && scope.contains(c.service()))
        .map(|c| (c.name.clone(), c.service().to_string()))
        .collect();
    let prefix_of = |name: &str| {
        name.strip_prefix(&format!("{}-", project.name))
            .unwrap_or(name)
            .to_string()
    };
    let printer = Arc::new(LogPrinter::new(
        color(global, true) && !args.no_color,
        !args.no_log_prefix,
    ));
    let index: BTreeMap<String, usize> = watched
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.clone(), i))
        .collect();
    let attached: Vec<&String> = watched
        .iter()
        .filter(|(_, s)| shown.contains(s))
        .map(|(n, _)| n)
        .collect();
    let list: Vec<String> = attached.iter().map(|n| prefix_of(n)).collect();
    eprintln!("Attaching to {}", list.join(", "));

    let (tx, mut rx) = mpsc::unbounded_channel::<Note>();
    let follow = |name: String, since: i64, tx: mpsc::UnboundedSender<Note>| {
        let engine = engine.clone();
        let printer = printer.clone();
        let i = index.get(&name).copied().unwrap_or(0);
        let show = attached.contains(&&name);
        let label = prefix_of(&name);
        let timestamps = args.timestamps;
        tokio::spawn(async move {
            if show {
                let mut sink = printer.sink(&label, i);
                let opts = LogOptions {
                    follow: true,
                    since: Some(since),
                    timestamps,
                    ..Default::default()
                };
                let mut logs = engine.logs(&name, opts);
                while let Some(Ok(chunk)) = logs.next().await {
                    sink.write(&chunk.text);
                }
                sink.flush();
            }
            let code = engine.wait_container(&name).await.unwrap_or(-1);
            let _ = tx.send(Note::Exited { name, code });
        });
    };
    let mut following: HashSet<String> = HashSet::new();
    for (name, _) in &watched {
        let running = containers.iter().any(|c| &c.name == name && c.is_running());
        if running || started.contains(name) {
            follow(name.clone(), since, tx.clone());
            following.insert(name.clone());
        }
    }
    let mut events = engine.events(&project.name);
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Failure::Other(format!("cannot handle Ctrl-C: {e}")))?;
    let abort = args.abort_on_container_exit
        || args.abort_on_container_failure
        || args.exit_code_from.is_some();
    let mut result: Option<i32> = None;
    loop {
        if following.is_empty() {
            // nothing prints any more: done unless a container is on its way back (restart policy)
            let again = engine.list_containers(Some(&project.name), false).await?;
            if !again
                .iter()
                .any(|c| watched.iter().any(|(n, _)| *n == c.name))
            {
                break;
            }
        }
        tokio::select! {
            Some(note) = rx.recv() => {
                let Note::Exited { name, code } = note;
                following.remove(&name);
                let i = index.get(&name).copied().unwrap_or(0);
                printer.note(&prefix_of(&name), i, &format!("exited with code {code}"));
                let service = watched.iter().find(|(n, _)| *n == name).map(|(_, s)| s.clone()).unwrap_or_default();
                let stop = match &args.exit_code_from {
                    Some(s) => *s == service,
                    None => args.abort_on_container_exit || (args.abort_on_container_failure && code != 0),
                };
                if abort && stop {
                    eprintln!("Aborting on container exit...");
                    result = Some(code as i32);
                    stop_all(global, engine, project, &scope, args.timeout, false).await?;
                    break;
                }
            }
            Some(Ok(e)) = events.next() => {
                if e.action == "start" && watched.iter().any(|(n, _)| *n == e.name) && following.insert(e.name.clone()) {
                    follow(e.name.clone(), crate::clock::now_secs(), tx.clone());
                }
            }
            _ = interrupt.recv() => {
                eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
                tokio::select! {
                    r = stop_all(global, engine, project, &scope, args.timeout, false) => r?,
                    _ = interrupt.recv() => stop_all(global, engine, project, &scope, args.timeout, true).await?,
                }
                return Err(Failure::Exit(130));
            }
        }
    }
    match result {
        Some(code) if args.exit_code_from.is_some() || code != 0 => Err(Failure::Exit(code)),
        _ => Ok(()),
    }
}

/// Stops (or kills) the project's running containers in scope, dependents first.
async fn stop_all(
    global: &Global,
    engine: &Docker,
    project: &Project,
    scope: &BTreeSet<String>,
    timeout: Option<i64>,
    kill: bool,
) -> Result<(), Failure> {
    let containers = engine.list_containers(Some(&project.name), false).await?;
    let running: Vec<&crate::engine::ContainerInfo> = containers
        .iter()
        .filter(|c| !c.is_oneoff() && scope.contains(c.service()))
        .collect();
    let plan = plan::per_container(&running, true, |c| {
        if kill {
            Op::KillContainer {
                name: c.name.clone(),
                signal: "SIGKILL".into(),
            }
        } else {
            Op::StopContainer {
                name: c.name.clone(),
                timeout,
            }
        }
    });
    run_plan(global, engine, &project.name, &plan).await
}
