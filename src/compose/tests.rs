//! The service layer on the fake engine: converging without Docker — a fresh project created
//! and started, nothing done when nothing changed, a changed service recreated, orphans, scale
//! down, a completed job left alone, `--wait` failing on a job's exit code, and `down`.

use super::*;
use crate::engine::Swarm;
use crate::engine::fake::Fake;
use crate::plan::UpOptions;

fn project(yaml: &str) -> Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml.into());
    o.project_name = Some("p".into());
    crate::load::load(&o).unwrap().project
}

fn compose() -> Compose<Fake> {
    let fake = Fake::default();
    for image in ["web", "db", "migrate"] {
        fake.add_image(image);
    }
    Compose::new(fake, Options::default(), quiet())
}

const APP: &str = "
services:
  web:
    image: web
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
  db:
    image: db
    healthcheck: {test: [CMD, 'true']}
  migrate:
    image: migrate
    depends_on: [db]
";

/// Converges `p` with `opts`; the engine calls it made.
async fn up(c: &Compose<Fake>, p: &Project, opts: &UpOptions) -> Vec<String> {
    c.engine().clear_calls();
    c.up(p, opts, &Images::default()).await.unwrap();
    c.engine().calls()
}

#[tokio::test]
async fn a_fresh_project_is_created_then_left_alone() {
    let c = compose();
    c.engine().exits.lock().unwrap().insert("migrate".into(), 0);
    let p = project(APP);
    up(&c, &p, &UpOptions::default()).await;
    let at = |call: &str| c.engine().at(call);
    assert!(at("create network p_default") < at("create p-db-1"));
    assert!(at("start p-db-1") < at("start p-migrate-1"));
    assert!(
        at("start p-migrate-1") < at("start p-web-1"),
        "web waits for the job"
    );
    assert_eq!(
        c.engine().containers(),
        ["p-db-1 running", "p-migrate-1 exited", "p-web-1 running"]
    );
    // nothing changed: nothing to do, and the job that completed is not run again
    let calls = up(&c, &p, &UpOptions::default()).await;
    assert_eq!(calls, Vec::<String>::new());
}

#[tokio::test]
async fn a_changed_service_is_recreated_and_the_rest_stays() {
    let c = compose();
    let p = project("services:\n  web: {image: web}\n  db: {image: db}\n");
    up(&c, &p, &UpOptions::default()).await;
    let (web, db) = (
        c.engine().container_id("p-web-1"),
        c.engine().container_id("p-db-1"),
    );
    let changed =
        project("services:\n  web: {image: web, environment: [A=1]}\n  db: {image: db}\n");
    let calls = up(&c, &changed, &UpOptions::default()).await;
    assert!(
        calls
            .iter()
            .any(|l| l.starts_with("rename ") && l.ends_with(" p-web-1")),
        "{calls:?}"
    );
    assert_ne!(c.engine().container_id("p-web-1"), web, "a new container");
    assert_eq!(c.engine().container_id("p-db-1"), db, "db untouched");
    let containers = c.containers("p", true).await.unwrap();
    let new = containers.iter().find(|x| x.name == "p-web-1").unwrap();
    assert_eq!(
        new.label(crate::names::labels::CONFIG_HASH),
        crate::plan::hash::service(&changed.services["web"])
    );
    assert_eq!(
        up(&c, &changed, &UpOptions::default()).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn orphans_are_reported_then_removed_when_asked() {
    let c = compose();
    up(
        &c,
        &project("services:\n  web: {image: web}\n  db: {image: db}\n"),
        &UpOptions::default(),
    )
    .await;
    let smaller = project("services:\n  web: {image: web}\n");
    let converged = c
        .up(&smaller, &UpOptions::default(), &Images::default())
        .await
        .unwrap();
    assert!(
        converged
            .plan
            .warnings
            .iter()
            .any(|w| w.contains("found orphan containers (p-db-1)")),
        "{:?}",
        converged.plan.warnings
    );
    assert!(
        c.engine()
            .containers()
            .contains(&"p-db-1 running".to_string())
    );
    let opts = UpOptions {
        remove_orphans: true,
        ..Default::default()
    };
    let calls = up(&c, &smaller, &opts).await;
    assert_eq!(calls, ["stop p-db-1", "rm p-db-1"]);
    assert_eq!(c.engine().containers(), ["p-web-1 running"]);
}

#[tokio::test]
async fn scaling_down_removes_the_highest_numbers() {
    let c = compose();
    let p = project("services:\n  web: {image: web}\n");
    let scale = |n: u32| UpOptions {
        scale: [("web".to_string(), n)].into(),
        ..Default::default()
    };
    up(&c, &p, &scale(3)).await;
    assert_eq!(
        c.engine().containers(),
        ["p-web-1 running", "p-web-2 running", "p-web-3 running"]
    );
    let calls = up(&c, &p, &scale(1)).await;
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(c.engine().containers(), ["p-web-1 running"]);
}

#[tokio::test]
async fn wait_fails_on_a_job_that_exits_non_zero() {
    let c = compose();
    c.engine().exits.lock().unwrap().insert("migrate".into(), 3);
    let p = project(APP);
    let opts = UpOptions {
        wait: true,
        ..Default::default()
    };
    let e = c.up(&p, &opts, &Images::default()).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("p-migrate-1 didn't complete successfully: exit 3"),
        "{e}"
    );
    assert!(
        !c.engine().calls().contains(&"start p-web-1".to_string()),
        "web never starts"
    );
}

#[tokio::test]
async fn down_removes_containers_dependents_first_then_the_network() {
    let c = compose();
    c.engine().exits.lock().unwrap().insert("migrate".into(), 0);
    let p = project(APP);
    up(&c, &p, &UpOptions::default()).await;
    c.engine().clear_calls();
    let target = Target::Project(Box::new(p));
    let done = c.down(&target, &[], &Default::default()).await.unwrap();
    assert_eq!(done, Done::Acted);
    let at = |call: &str| c.engine().at(call);
    assert!(at("stop p-web-1") < at("stop p-db-1"), "dependents first");
    assert!(at("rm p-db-1") < at("remove network p_default"));
    assert_eq!(c.engine().containers(), Vec::<String>::new());
    assert_eq!(
        c.down(&target, &[], &Default::default()).await.unwrap(),
        Done::Nothing
    );
}

#[tokio::test]
async fn lifecycle_actions_go_in_dependency_order() {
    let c = compose();
    let p = project("services:\n  web: {image: web, depends_on: [db]}\n  db: {image: db}\n");
    up(&c, &p, &UpOptions::default()).await;
    let target = Target::Project(Box::new(p));
    c.engine().clear_calls();
    let stop = Lifecycle::Stop { timeout: None };
    assert_eq!(c.lifecycle(&target, &[], &stop).await.unwrap(), Done::Acted);
    assert_eq!(c.engine().calls(), ["stop p-web-1", "stop p-db-1"]);
    // nothing runs: nothing to stop
    assert_eq!(
        c.lifecycle(&target, &[], &stop).await.unwrap(),
        Done::Nothing
    );
    c.engine().clear_calls();
    c.lifecycle(&target, &[], &Lifecycle::Start).await.unwrap();
    assert_eq!(c.engine().calls(), ["start p-db-1", "start p-web-1"]);
}

#[tokio::test]
async fn a_one_off_comes_after_its_dependencies_and_is_left_to_start() {
    let c = compose();
    let p = project(APP);
    let oneoff = OneOff {
        service: "web".into(),
        svc: p.services["web"].clone(),
        name: "p-web-run-0123456789ab".into(),
        slug: "0123456789ab".repeat(5) + "0123",
        wait_for_deps: true,
        env_files: Vec::new(),
        use_aliases: false,
    };
    c.engine().exits.lock().unwrap().insert("migrate".into(), 0);
    c.create_oneoff(&p, &oneoff, false, false, &Images::default())
        .await
        .unwrap();
    let at = |call: &str| c.engine().at(call);
    assert!(at("start p-db-1") < at("create p-web-run-0123456789ab"));
    assert!(at("start p-migrate-1") < at("create p-web-run-0123456789ab"));
    assert!(
        !c.engine().calls().iter().any(|l| l.contains("p-web-1")),
        "no web replica"
    );
    let all = c.containers("p", true).await.unwrap();
    let run = all.iter().find(|x| x.name == oneoff.name).unwrap();
    assert!(run.is_oneoff() && !run.is_running(), "created, not started");
}

/// Deploys `p` as stack `s` (waiting); the engine calls it made.
async fn deploy(c: &Compose<Fake>, p: &Project, prune: bool) -> Result<Vec<String>, Error> {
    c.engine().clear_calls();
    let d = Deploy {
        stack: "s".into(),
        wait: true,
        prune,
        resolve: Resolve::Never,
        ..Default::default()
    };
    c.stack_deploy(p, &d).await?;
    Ok(c.engine().calls())
}

const STACK: &str = "
services:
  web:
    image: web
    configs: [conf]
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
  db:
    image: db
  migrate:
    image: migrate
    deploy: {mode: replicated-job}
configs:
  conf: {content: 'a=1'}
";

#[tokio::test]
async fn a_stack_deploys_in_phases_then_is_left_alone_then_moves_to_a_new_config() {
    let c = compose();
    let p = project(STACK);
    let calls = deploy(&c, &p, false).await.unwrap();
    let at = |call: &str| {
        calls
            .iter()
            .position(|c| c.starts_with(call))
            .unwrap_or(usize::MAX)
    };
    assert!(at("create network s_default") < at("create service s_db"));
    assert!(at("create config s_conf-") < at("create service s_web"));
    assert!(at("create service s_migrate") < at("create service s_web"));
    assert_ne!(at("create service s_web"), usize::MAX, "{calls:?}");
    // nothing changed: no call that changes anything
    let again = deploy(&c, &p, false).await.unwrap();
    assert!(
        again
            .iter()
            .all(|c| !c.starts_with("create") && !c.starts_with("update")),
        "{again:?}"
    );
    // a new config version: created, the service moved, the old version removed
    let changed = deploy(&c, &project(&STACK.replace("a=1", "a=2")), false)
        .await
        .unwrap();
    let at = |call: &str| {
        changed
            .iter()
            .position(|c| c.starts_with(call))
            .unwrap_or(usize::MAX)
    };
    assert!(
        at("create config s_conf-") < at("update service s_web"),
        "{changed:?}"
    );
    assert!(
        at("update service s_web") < at("remove config s_conf-"),
        "{changed:?}"
    );
    let configs = c.engine().list_configs(Some("s")).await.unwrap();
    assert_eq!(configs.len(), 1);
    // rm: nothing of the stack is left
    assert_eq!(c.stack_rm("s").await.unwrap(), Done::Acted);
    assert!(
        c.engine()
            .list_services(Some("s"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(c.engine().list_configs(Some("s")).await.unwrap().is_empty());
    assert!(c.engine().stack_networks("s").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_job_fails_the_deploy_and_its_dependent_is_not_created() {
    let c = compose();
    c.engine().exits.lock().unwrap().insert("migrate".into(), 3);
    let once = "deploy: {mode: replicated-job, restart_policy: {condition: none}}";
    let p = project(&STACK.replace("deploy: {mode: replicated-job}", once));
    let err = deploy(&c, &p, false).await.unwrap_err();
    let text = crate::error::render(&err);
    assert!(text.contains("s_migrate"), "{text}");
    assert!(
        c.engine()
            .calls()
            .iter()
            .all(|c| c != "create service s_web")
    );
}
