//! depends_on on the engine: healthy and completed conditions in order, an unhealthy dependency
//! failing fast, `--wait` counting a finished job as done, optional dependencies.

use super::*;

// The healthcheck leaves /s/healthy behind only when it passes, and migrate leaves /s/migrated
// when it ends: each dependent checks its dependency's marker on the shared volume as it starts, so
// a dependent started too early exits non-zero (no timestamps: the engine keeps only 5 health logs).
const CHAIN: &str = "
services:
  db:
    image: IMAGE
    command: [sh, -c, 'sleep 1; touch /s/ready; sleep 300']
    init: true
    volumes: [shared:/s]
    healthcheck:
      test: [CMD-SHELL, 'test -f /s/ready && touch /s/healthy']
      interval: 100ms
      retries: 100
  migrate:
    image: IMAGE
    command: [sh, -c, 'test -f /s/healthy || exit 7; touch /s/migrated']
    volumes: [shared:/s]
    depends_on:
      db: {condition: service_healthy}
  app:
    image: IMAGE
    command: [sh, -c, 'test -f /s/migrated || exit 9; exec sleep 300']
    init: true
    volumes: [shared:/s]
    depends_on:
      migrate: {condition: service_completed_successfully}
      db: {condition: service_healthy}
volumes:
  shared: {}
";

#[test]
fn conditions_hold_before_dependents_start() {
    let p = Project::new("chain", CHAIN);
    p.ok(&["up", "-d", "--wait"]);
    let db = p.inspect(&format!("{}-db-1", p.name)).state.unwrap();
    let migrate = p.inspect(&format!("{}-migrate-1", p.name)).state.unwrap();
    let app = p.inspect(&format!("{}-app-1", p.name)).state.unwrap();
    assert_eq!(
        db.health.as_ref().unwrap().status.unwrap().to_string(),
        "healthy"
    );
    assert_eq!(
        migrate.exit_code,
        Some(0),
        "migrate started before db was healthy (7) or failed"
    );
    assert_eq!(
        app.running,
        Some(true),
        "app started before migrate finished"
    );
    // a completed job with unchanged configuration is not run again
    let started = migrate.started_at.unwrap();
    p.ok(&["up", "-d", "--wait"]);
    let again = p.inspect(&format!("{}-migrate-1", p.name)).state.unwrap();
    assert_eq!(again.started_at.unwrap(), started);
}

#[test]
fn an_unhealthy_dependency_fails_fast_and_names_the_service() {
    let p = Project::new(
        "sick",
        "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    healthcheck:
      test: [CMD, 'false']
      interval: 100ms
      retries: 2
  app:
    image: IMAGE
    command: [sleep, '300']
    depends_on:
      db: {condition: service_healthy}
",
    );
    let t = std::time::Instant::now();
    let out = p.run(&["up", "-d"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("service `db`") && err.contains("is unhealthy"),
        "{err}"
    );
    assert!(t.elapsed().as_secs() < 20, "it took {:?}", t.elapsed());
    let app = &p.containers()[&format!("{}-app-1", p.name)];
    assert_eq!(state(app), "created", "app was not started");
}

#[test]
fn wait_counts_a_finished_job_and_fails_on_a_failed_one() {
    // a job: something depends on its successful completion
    let yaml = "
services:
  job:
    image: IMAGE
    command: [sh, -c, 'sleep 0.5; exit CODE']
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on:
      job: {condition: service_completed_successfully}
";
    let p = Project::new("jobs", &yaml.replace("CODE", "0"));
    p.ok(&["up", "-d", "--wait"]);
    let job = p.inspect(&format!("{}-job-1", p.name)).state.unwrap();
    assert_eq!((job.running, job.exit_code), (Some(false), Some(0)));
    p.write("compose.yaml", &yaml.replace("CODE", "3"));
    let out = p.run(&["up", "-d", "--wait", "-t", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("didn't complete successfully: exit 3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_optional_dependency_may_be_missing() {
    let p = Project::new(
        "optional",
        "
services:
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on:
      cache: {condition: service_started, required: false}
  cache:
    image: IMAGE
    profiles: [extra]
",
    );
    p.ok(&["up", "-d"]);
    let names: Vec<String> = p.containers().into_keys().collect();
    assert_eq!(names, vec![format!("{}-app-1", p.name)]);
}

#[test]
fn restart_true_dependents_restart_when_their_dependency_is_replaced() {
    let yaml = "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    environment: [V=1]
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on:
      db: {condition: service_started, restart: true}
  other:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on: [db]
";
    let p = Project::new("restart", yaml);
    p.ok(&["up", "-d"]);
    let app = format!("{}-app-1", p.name);
    let other = format!("{}-other-1", p.name);
    let started = |c: &str| p.inspect(c).state.unwrap().started_at.unwrap();
    let (app_id, app_started, other_started) = (p.inspect(&app).id, started(&app), started(&other));
    p.write("compose.yaml", &yaml.replace("V=1", "V=2"));
    p.ok(&["up", "-d", "-t", "0"]);
    assert_eq!(
        p.inspect(&app).id,
        app_id,
        "app is restarted, not recreated"
    );
    assert_ne!(
        started(&app),
        app_started,
        "app restarted with its dependency"
    );
    assert_eq!(
        started(&other),
        other_started,
        "without restart: true nothing happens"
    );
}

#[test]
fn wait_timeout_bounds_the_wait() {
    let p = Project::new(
        "waittimeout",
        "services:\n  slow:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    healthcheck:\n      test: [CMD, 'false']\n      interval: 1s\n      retries: 1000\n",
    );
    let t = std::time::Instant::now();
    let out = p.run(&["up", "-d", "--wait", "--wait-timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--wait-timeout 2s"),
        "{}",
        stderr(&out)
    );
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
}

#[test]
fn always_recreate_deps_recreates_the_dependencies_of_named_services() {
    let p = Project::new(
        "recdeps",
        "services:\n  db:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n  app:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    depends_on: [db]\n",
    );
    p.ok(&["up", "-d"]);
    let id = |c: &str| p.inspect(&format!("{}-{c}-1", p.name)).id.unwrap();
    let (db, app) = (id("db"), id("app"));
    p.ok(&["up", "-d", "--always-recreate-deps", "app", "-t", "0"]);
    assert_ne!(id("db"), db, "the dependency was recreated");
    assert_eq!(id("app"), app, "the unchanged named service was not");
}
