//! Plans as text: a project from YAML, an observed state built by hand, the expected steps.

use std::collections::BTreeMap;

use super::images::older_than_policy;
use super::*;
use crate::engine::{ContainerInfo, NetworkInfo};
use crate::names::labels;
use crate::observe::Observed;

pub(super) fn project(yaml: &str) -> Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml.to_string());
    o.project_name = Some("p".into());
    crate::load::load(&o)
        .expect("the test project loads")
        .project
}

pub(super) fn observed() -> Observed {
    Observed {
        api_version: "1.41".into(),
        ..Default::default()
    }
}

/// A container of `service` as `up` would have made it from `project`.
pub(super) fn container(
    project: &Project,
    service: &str,
    number: u32,
    state: &str,
) -> ContainerInfo {
    let svc = &project.services[service];
    let name = crate::names::container_name(project, service, svc, number);
    let mut l = BTreeMap::new();
    l.insert(labels::PROJECT.to_string(), project.name.clone());
    l.insert(labels::SERVICE.to_string(), service.to_string());
    l.insert(labels::NUMBER.to_string(), number.to_string());
    l.insert(labels::ONEOFF.to_string(), "False".to_string());
    l.insert(labels::CONFIG_HASH.to_string(), hash::service(svc));
    let deps: Vec<String> = svc
        .depends_on
        .iter()
        .map(|(n, d)| format!("{n}:{}:{}", d.condition, d.restart))
        .collect();
    l.insert(labels::DEPENDS_ON.to_string(), deps.join(","));
    let networks = spec::networks_by_priority(svc)
        .into_iter()
        .map(|k| (format!("{}_{k}", project.name), format!("id-{k}")))
        .collect();
    ContainerInfo {
        id: format!("{:0>12}", number),
        name,
        labels: l,
        state: state.into(),
        status: match state {
            "exited" => "Exited (0) 1 second ago".into(),
            _ => "Up 1 second".into(),
        },
        networks,
        ..Default::default()
    }
}

/// Labels from (key, value) pairs.
pub(super) fn labelled(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    (pairs.iter())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn with_default_network(mut o: Observed, project: &str) -> Observed {
    let name = format!("{project}_default");
    let l = labelled(&[(labels::PROJECT, project), (labels::NETWORK, "default")]);
    o.networks.insert(
        name.clone(),
        NetworkInfo {
            id: "id-default".into(),
            name,
            labels: l,
            ..Default::default()
        },
    );
    o
}

const APP: &str = "
services:
  web:
    image: web
    depends_on:
      api: {condition: service_healthy}
  api:
    image: api
    depends_on: [db]
  db:
    image: db
";

#[test]
fn a_fresh_project_is_created_in_dependency_order() {
    let p = project(APP);
    let plan = up(&p, &observed(), &UpOptions::default()).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. create network p_default  # missing
  2. create container p-db-1  after 1  # created
  3. start container p-db-1  after 1,2
  4. create container p-api-1  after 1,2  # created
  5. start container p-api-1  after 1,3,4
  6. create container p-web-1  after 1,4  # created
  7. wait until container p-api-1 is healthy  after 5  # web depends on api: service_healthy
  8. start container p-web-1  after 1,6,7
"
    );
}

#[test]
fn an_unchanged_running_project_needs_nothing() {
    let p = project(APP);
    let mut o = with_default_network(observed(), "p");
    for s in ["web", "api", "db"] {
        o.containers.push(container(&p, s, 1, "running"));
    }
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(plan.to_string(), "");
}

#[test]
fn a_changed_service_is_recreated_before_the_old_container_goes() {
    let p = project(APP);
    let mut o = with_default_network(observed(), "p");
    for s in ["web", "api", "db"] {
        o.containers.push(container(&p, s, 1, "running"));
    }
    let changed = project(&APP.replace("image: db", "image: db:2"));
    let plan = up(&changed, &o, &UpOptions::default()).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. create container 000000000001_p-db-1  # config changed
  2. stop container p-db-1  after 1  # config changed
  3. remove container p-db-1  after 2  # config changed
  4. rename container 000000000001_p-db-1 to p-db-1  after 3  # config changed
  5. start container p-db-1  after 4  # config changed
"
    );
}

#[test]
fn scaling_down_removes_the_highest_numbers() {
    let p = project("services:\n  w:\n    image: w\n");
    let mut o = with_default_network(observed(), "p");
    for n in 1..=3 {
        o.containers.push(container(&p, "w", n, "running"));
    }
    let mut opts = UpOptions::default();
    opts.scale.insert("w".into(), 1);
    let plan = up(&p, &o, &opts).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. stop container p-w-2  # scaled down
  2. remove container p-w-2  after 1  # scaled down
  3. stop container p-w-3  # scaled down
  4. remove container p-w-3  after 3  # scaled down
"
    );
}

#[test]
fn a_completed_job_is_not_run_again() {
    let yaml = "
services:
  app:
    image: app
    depends_on:
      migrate: {condition: service_completed_successfully}
  migrate:
    image: m
";
    let p = project(yaml);
    let mut o = with_default_network(observed(), "p");
    o.containers.push(container(&p, "app", 1, "running"));
    o.containers.push(container(&p, "migrate", 1, "exited"));
    assert_eq!(up(&p, &o, &UpOptions::default()).unwrap().to_string(), "");
    // a stopped app waits for the job's (earlier) success before it starts again
    o.containers[0].state = "exited".into();
    assert_eq!(
        up(&p, &o, &UpOptions::default()).unwrap().to_string(),
        "  1. wait until container p-migrate-1 completed successfully  # app depends on migrate: service_completed_successfully
  2. start container p-app-1  after 1  # stopped
"
    );
}

#[test]
fn orphans_are_reported_or_removed() {
    let p = project("services:\n  a:\n    image: a\n");
    let mut o = with_default_network(observed(), "p");
    o.containers.push(container(&p, "a", 1, "running"));
    let mut gone = container(&p, "a", 1, "running");
    gone.name = "p-old-1".into();
    gone.labels.insert(labels::SERVICE.into(), "old".into());
    o.containers.push(gone);
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    assert!(plan.is_empty());
    assert!(
        plan.warnings[0].starts_with("found orphan containers (p-old-1)"),
        "{:?}",
        plan.warnings
    );
    let opts = UpOptions {
        remove_orphans: true,
        ..Default::default()
    };
    let plan = up(&p, &o, &opts).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. stop container p-old-1  # orphan\n  2. remove container p-old-1  after 1  # orphan\n"
    );
}

#[test]
fn a_missing_external_network_stops_planning() {
    let p = project(
        "services:\n  a:\n    image: a\n    networks: [ext]\nnetworks:\n  ext:\n    external: true\n",
    );
    let e = up(&p, &observed(), &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "external network ext not found");
    assert_eq!(
        e.hint.as_deref(),
        Some("create it first: `docker network create ext`")
    );
}

#[test]
fn a_restart_takes_the_services_that_asked_to_follow() {
    let p = project(
        "services:\n  db: {image: a}\n  api:\n    image: a\n    depends_on: {db: {condition: service_started, restart: true}}\n  web:\n    image: a\n    depends_on: {api: {condition: service_started, restart: true}}\n  other:\n    image: a\n    depends_on: [db]\n",
    );
    let mut got = crate::plan::restarted_with_dependents(&p, &["db".to_string()]);
    got.sort();
    assert_eq!(got, ["api", "db", "web"]);
    assert_eq!(
        crate::plan::restarted_with_dependents(&p, &["web".to_string()]),
        ["web"]
    );
}

#[test]
fn replicas_cannot_share_one_host_port() {
    let p = project("services:\n  web:\n    image: a\n    ports: ['8080:80']\n");
    let scale = |n: u32| UpOptions {
        scale: [("web".to_string(), n)].into(),
        ..Default::default()
    };
    let e = up(&p, &observed(), &scale(2)).unwrap_err();
    assert_eq!(e.service.as_deref(), Some("web"));
    assert!(e.message.contains("host port 8080"), "{}", e.message);
    assert!(e.hint.unwrap().contains("`8080-8081:80`"));
    assert!(up(&p, &observed(), &scale(1)).is_ok());
    // a range, or a port the engine chooses, takes them all
    let p = project("services:\n  web:\n    image: a\n    ports: ['8080-8081:80', '90']\n");
    assert!(up(&p, &observed(), &scale(2)).is_ok());
}

#[test]
fn down_stops_dependents_first_then_removes_networks() {
    let p = project(APP);
    let mut o = with_default_network(observed(), "p");
    for s in ["web", "api", "db"] {
        o.containers.push(container(&p, s, 1, "running"));
    }
    let plan = down("p", Some(&p), &o, &DownOptions::default());
    assert_eq!(
        plan.to_string(),
        "  1. stop container p-web-1
  2. remove container p-web-1  after 1
  3. stop container p-api-1  after 1
  4. remove container p-api-1  after 3
  5. stop container p-db-1  after 3
  6. remove container p-db-1  after 5
  7. remove network p_default  after 2,4,6
"
    );
}

#[test]
fn down_rmi_removes_the_projects_images_by_model_and_its_untagged_ones() {
    let p = project("services:\n  app: {build: .}\n  db: {image: postgres}\n");
    let mut o = observed();
    // no container left (a plain `down` before): the model names the built image
    o.images.insert("p-app".into(), Default::default());
    o.images.insert("postgres".into(), Default::default());
    o.dangling_images.push("sha256:old".into());
    let local = DownOptions {
        images: Some(RemoveImages::Local),
        ..Default::default()
    };
    let plan = down("p", Some(&p), &o, &local);
    assert_eq!(
        plan.to_string(),
        "  1. remove image p-app\n  2. remove image sha256:old (optional)\n"
    );
    let all = DownOptions {
        images: Some(RemoveImages::All),
        ..Default::default()
    };
    let text = down("p", Some(&p), &o, &all).to_string();
    assert!(text.contains("remove image postgres"), "{text}");
}

/// `o` with a second network of the project's default name (ID `id-dup`), as runs that raced
/// leave it.
fn with_duplicate_default(mut o: Observed) -> Observed {
    let mut dup = o.networks["p_default"].clone();
    dup.id = "id-dup".into();
    dup.created += 1;
    o.duplicate_networks.push(dup);
    o
}

#[test]
fn duplicate_networks_are_healed_and_all_taken_by_down() {
    let p = project(APP);
    let mut o = with_duplicate_default(with_default_network(observed(), "p"));
    for s in ["web", "api", "db"] {
        o.containers.push(container(&p, s, 1, "running"));
    }
    // api ended up on the duplicate
    o.containers[1]
        .networks
        .insert("p_default".into(), "id-dup".into());
    let heal = crate::plan::heal(&o, Some(3));
    assert_eq!(
        heal.to_string(),
        "  1. stop container p-api-1  # a duplicate network
  2. remove container p-api-1  after 1  # a duplicate network
  3. remove network p_default  after 2  # a duplicate network
"
    );
    assert!(
        matches!(&heal.steps[2].op, Op::RemoveNetwork { id, .. } if id == "id-dup"),
        "the duplicate goes by its ID"
    );
    let plan = down("p", Some(&p), &o, &DownOptions::default());
    let removed: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::RemoveNetwork { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(removed, ["id-default", "id-dup"]);
}

/// `c` as the replacement an interrupted recreate left: its temporary name and the `replace`
/// label.
fn leftover_of(c: &ContainerInfo, service: &str) -> ContainerInfo {
    let mut r = c.clone();
    r.id = "f".repeat(64);
    r.name = crate::names::replacement_name(&c.id, &c.name);
    r.state = "created".into();
    r.labels
        .insert(labels::REPLACE.to_string(), format!("{service}-1"));
    r
}

#[test]
fn replacements_of_interrupted_recreates_take_the_name() {
    let p = project(APP);
    let mut o = with_default_network(observed(), "p");
    for s in ["web", "api", "db"] {
        o.containers.push(container(&p, s, 1, "running"));
    }
    // web's recreate was killed before the old one went (its stop may still be under way:
    // the recreate is finished); db's after (the old one is gone)
    let web = leftover_of(&o.containers[0], "web");
    let db = leftover_of(&o.containers[2], "db");
    o.containers.remove(2);
    o.containers.push(web);
    o.containers.push(db);
    assert!(needs_healing(&o));
    let heal = crate::plan::heal(&o, Some(3));
    assert_eq!(
        heal.to_string(),
        "  1. stop container p-web-1  # left by an interrupted recreate
  2. remove container p-web-1  after 1  # left by an interrupted recreate
  3. rename container 000000000001_p-web-1 to p-web-1  after 2  # left by an interrupted recreate
  4. rename container 000000000001_p-db-1 to p-db-1  # left by an interrupted recreate
"
    );
    // a container of another name with an underscore is not taken for one
    let mut o = with_default_network(observed(), "p");
    let mut c = container(&p, "web", 1, "running");
    c.name = "my_web".into();
    o.containers.push(c);
    assert!(!needs_healing(&o));
}

#[test]
fn dead_containers_and_those_being_removed_are_replaced() {
    let p = project("services:\n  a:\n    image: a\n  b:\n    image: b\n");
    let mut o = with_default_network(observed(), "p");
    o.containers.push(container(&p, "a", 1, "dead"));
    o.containers.push(container(&p, "b", 1, "removing"));
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    let text = plan.to_string();
    for c in ["p-a-1", "p-b-1"] {
        assert!(
            text.contains(&format!("remove container {c}"))
                && text.contains("dead or being removed"),
            "{text}"
        );
    }
}

#[test]
fn extra_networks_are_connected_before_start() {
    let p = project(
        "services:\n  a:\n    image: a\n    networks:\n      front: {priority: 10}\n      back:\nnetworks:\n  front:\n  back:\n",
    );
    let plan = up(&p, &observed(), &UpOptions::default()).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. create network p_back  # missing
  2. create network p_front  # missing
  3. create container p-a-1  after 1,2  # created
  4. connect container p-a-1 to network p_back  after 3
  5. start container p-a-1  after 1,2,4
"
    );
}

#[test]
fn pull_policy_intervals_read_the_last_pull_time() {
    assert_eq!(
        crate::clock::rfc3339_seconds("1970-01-02T00:00:00Z"),
        Some(86400)
    );
    assert_eq!(
        crate::clock::rfc3339_seconds("2026-11-25T14:11:01.5+01:00"),
        Some(1795615861 - 3600)
    );
    // the observation's time decides, not the clock
    let now = 1795615861;
    assert!(older_than_policy(
        "2001-01-01T00:00:00Z",
        &"daily".into(),
        now
    ));
    assert!(!older_than_policy(
        "2026-11-25T13:11:01Z",
        &"every_12h".into(),
        now
    ));
    assert!(older_than_policy(
        "2026-11-24T13:11:01Z",
        &"every_12h".into(),
        now
    ));
    assert!(
        older_than_policy("", &"weekly".into(), now),
        "unknown: pull"
    );
    assert!(!older_than_policy(
        "2001-01-01T00:00:00Z",
        &"missing".into(),
        now
    ));
    // in a plan: the same image pulled or not by the observed time alone
    let p = project("services:\n  web: {image: remote/web, pull_policy: daily}\n");
    let scope: BTreeSet<String> = p.services.keys().cloned().collect();
    let mut o = observed();
    let image = crate::engine::ImageInfo {
        id: "sha256:1".into(),
        last_tagged: "2026-11-25T00:00:00Z".into(),
        ..Default::default()
    };
    o.images.insert("remote/web".into(), image);
    o.now = now;
    let plan = pulls(&p, &o, &scope, Pull::Missing, Build::Missing).unwrap();
    assert_eq!(plan.to_string(), "");
    o.now = now + 86_400;
    let plan = pulls(&p, &o, &scope, Pull::Missing, Build::Missing).unwrap();
    assert_eq!(
        plan.to_string(),
        "  1. pull image remote/web  # pull policy: always\n"
    );
}

#[test]
fn an_image_another_service_builds_is_built_not_pulled() {
    let p = project(
        "services:\n  db: {image: local/pg, build: .}\n  job: {image: local/pg, command: [\"true\"]}\n  web: {image: remote/web}\n",
    );
    let scope: BTreeSet<String> = p.services.keys().cloned().collect();
    let plan = pulls(&p, &observed(), &scope, Pull::Missing, Build::Missing).unwrap();
    let text = plan.to_string();
    assert!(text.contains("pull image remote/web"), "{text}");
    assert!(!text.contains("local/pg"), "{text}");
    // --no-build: nothing builds it, so the named image is pulled (once)
    let plan = pulls(&p, &observed(), &scope, Pull::Missing, Build::Never).unwrap();
    assert_eq!(
        plan.to_string().matches("pull image local/pg").count(),
        1,
        "{plan}"
    );
}
