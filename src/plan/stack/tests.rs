//! Stack plans as text: a project from YAML, the swarm's side built from a stack as deployed,
//! the expected steps.

use super::*;
use crate::engine::{NetworkInfo, SwarmService};
use crate::model::Project;

fn project(yaml: &str) -> Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml.to_string());
    o.project_name = Some("shop".into());
    crate::load::load(&o)
        .expect("the test project loads")
        .project
}

fn stack(yaml: &str) -> Stack {
    let opts = StackOptions {
        stack: "shop".into(),
        api_version: "1.41".into(),
        ..Default::default()
    };
    convert(&project(yaml), &opts).expect("the project translates")
}

/// The swarm after `stack` was deployed: the specs as sent, plus what the engine adds.
fn deployed(stack: &Stack) -> ObservedStack {
    let mut o = ObservedStack::default();
    for n in &stack.networks {
        let info = NetworkInfo {
            id: format!("id-{}", n.name),
            name: n.name.clone(),
            labels: n
                .spec
                .labels
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            scope: "swarm".into(),
            driver: "overlay".into(),
            created: 0,
        };
        o.all_networks.insert(n.name.clone(), info.clone());
        o.networks.push(info);
    }
    for (files, into) in [
        (&stack.secrets, &mut o.secrets),
        (&stack.configs, &mut o.configs),
    ] {
        for f in files {
            into.push(SwarmObject {
                id: format!("id-{}", f.name),
                name: f.name.clone(),
                labels: f.labels.clone(),
            });
        }
    }
    for s in &stack.services {
        let mut spec = s.spec.clone();
        // the engine's defaults
        if let Some(c) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            c.isolation = Some(bollard::models::TaskSpecContainerSpecIsolationEnum::DEFAULT);
            // bollard does not read the healthcheck back (the engine names it `Healthcheck`)
            c.health_check = None;
        }
        o.services.push(SwarmService {
            id: format!("id-{}", s.name),
            name: s.name.clone(),
            version: 7,
            spec,
            ..Default::default()
        });
    }
    o
}

fn text(plan: &Plan) -> String {
    plan.to_string()
}

const SHOP: &str = "services:\n  db:\n    image: db\n    healthcheck: {test: [CMD, 'true']}\n  migrate:\n    image: m\n    deploy: {mode: replicated-job}\n    depends_on: {db: {condition: service_healthy}}\n  web:\n    image: w\n    configs: [conf]\n    depends_on:\n      db: {condition: service_healthy}\n      migrate: {condition: service_completed_successfully}\n  cache:\n    image: c\nconfigs:\n  conf: {content: 'a=1'}\n";

#[test]
fn a_first_deploy_creates_in_dependency_phases() {
    let st = stack(SHOP);
    let opts = DeployOptions {
        wait: true,
        ..Default::default()
    };
    let plan = deploy(&st, &ObservedStack::default(), &opts).unwrap();
    let conf = &st.configs[0].name;
    let expected = format!(
        "  1. create network shop_default  # missing
  2. create config {conf}  # missing
  3. create service shop_cache  after 1  # created
  4. create service shop_db  after 1  # created
  5. wait until service shop_db runs  after 4  # migrate depends on db: service_healthy
  6. create service shop_migrate  after 1,5  # created
  7. wait until service shop_migrate completed  after 6  # web depends on migrate: service_completed_successfully
  8. create service shop_web  after 1,2,5,7  # created
  9. wait until service shop_cache runs  after 3  # --wait
 10. wait until service shop_web runs  after 8  # --wait
"
    );
    assert_eq!(text(&plan), expected);
}

#[test]
fn a_redeploy_with_nothing_changed_changes_nothing() {
    let st = stack(SHOP);
    let plan = deploy(&st, &deployed(&st), &DeployOptions::default()).unwrap();
    assert_eq!(text(&plan), "");
}

#[test]
fn a_changed_config_is_a_new_version_the_service_moves_to_and_the_old_one_goes() {
    let before = stack(SHOP);
    let after = stack(&SHOP.replace("a=1", "a=2"));
    let (old, new) = (&before.configs[0].name, &after.configs[0].name);
    let plan = deploy(&after, &deployed(&before), &DeployOptions::default()).unwrap();
    let expected = format!(
        "  1. create config {new}  # missing
  2. wait until service shop_db runs  # web depends on db: service_healthy
  3. wait until service shop_migrate completed  # web depends on migrate: service_completed_successfully
  4. update service shop_web (TaskTemplate.ContainerSpec.Configs)  after 1,2,3
  5. remove config {old}  after 2,3,4  # an old version (optional)
"
    );
    assert_eq!(text(&plan), expected);
}

#[test]
fn a_setting_the_file_dropped_is_a_change() {
    let before = stack("services:\n  web: {image: w, environment: {A: '1'}}\n");
    let after = stack("services:\n  web: {image: w}\n");
    let plan = deploy(&after, &deployed(&before), &DeployOptions::default()).unwrap();
    assert_eq!(
        text(&plan),
        "  1. update service shop_web (settings the file dropped or the engine does not show)\n"
    );
}

#[test]
fn a_changed_healthcheck_is_seen_through_the_hash() {
    let yaml = |interval: &str| {
        format!(
            "services:\n  db: {{image: d, healthcheck: {{test: [CMD, 'true'], interval: {interval}}}}}\n"
        )
    };
    let before = stack(&yaml("1s"));
    let same = deploy(&before, &deployed(&before), &DeployOptions::default()).unwrap();
    assert_eq!(text(&same), "");
    let after = stack(&yaml("2s"));
    let plan = deploy(&after, &deployed(&before), &DeployOptions::default()).unwrap();
    assert_eq!(
        text(&plan),
        "  1. update service shop_db (settings the file dropped or the engine does not show)\n"
    );
}

#[test]
fn prune_removes_what_the_file_no_longer_has() {
    let before = stack(
        "services:\n  web: {image: w, networks: [front]}\n  old: {image: o, configs: [s]}\nnetworks:\n  front: {}\nconfigs:\n  s: {content: x}\n",
    );
    let after = stack("services:\n  web: {image: w}\n");
    let s = &before.configs[0].name;
    let without = deploy(&after, &deployed(&before), &DeployOptions::default()).unwrap();
    // without --prune the service, network and secret stay; the web service moves
    assert_eq!(
        text(&without),
        "  1. update service shop_web (TaskTemplate.Networks)\n"
    );
    let opts = DeployOptions {
        prune: true,
        ..Default::default()
    };
    let plan = deploy(&after, &deployed(&before), &opts).unwrap();
    let expected = format!(
        "  1. update service shop_web (TaskTemplate.Networks)
  2. remove service shop_old  after 1  # orphan
  3. wait until the tasks of service shop_old are gone  after 2  # orphan
  4. remove config {s}  after 1,3  # orphan (optional)
  5. remove network shop_front  after 1,3  # orphan
"
    );
    assert_eq!(text(&plan), expected);
}

#[test]
fn external_objects_must_exist() {
    let st = stack(
        "services:\n  web: {image: w, networks: [edge]}\nnetworks:\n  edge: {external: true}\n",
    );
    let err = deploy(&st, &ObservedStack::default(), &DeployOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("external network edge not found"),
        "{err}"
    );
    let mut o = ObservedStack::default();
    let local = NetworkInfo {
        name: "edge".into(),
        scope: "local".into(),
        ..Default::default()
    };
    o.all_networks.insert("edge".into(), local);
    let err = deploy(&st, &o, &DeployOptions::default()).unwrap_err();
    assert!(err.to_string().contains("has scope \"local\""), "{err}");
}

#[test]
fn rm_removes_services_then_waits_then_the_rest() {
    let st = stack(SHOP);
    let plan = remove("shop", &deployed(&st));
    let conf = &st.configs[0].name;
    let expected = format!(
        "  1. remove service shop_cache
  2. wait until the tasks of service shop_cache are gone  after 1
  3. remove service shop_db
  4. wait until the tasks of service shop_db are gone  after 3
  5. remove service shop_migrate
  6. wait until the tasks of service shop_migrate are gone  after 5
  7. remove service shop_web
  8. wait until the tasks of service shop_web are gone  after 7
  9. remove config {conf}  after 2,4,6,8
 10. remove network shop_default  after 2,4,6,8
"
    );
    assert_eq!(text(&plan), expected);
}
