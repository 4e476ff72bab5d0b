//! Redeploys: nothing changed updates nothing, a changed secret and config reach the tasks with
//! the old versions removed, `--prune`, and `rm` followed at once by a deploy.

use std::collections::BTreeSet;

use crate::lab::{Lab, Stack, desired, state};

const SECRETS: &str = r#"
services:
  app:
    image: IMAGE
    init: true
    command: [sh, -c, "echo \"secret=$$(cat /run/secrets/token) config=$$(cat /etc/app.conf)\"; exec sleep 3600"]
    secrets: [token]
    configs:
      - source: conf
        target: /etc/app.conf
    deploy:
      replicas: 2
      update_config: {parallelism: 2}
secrets:
  token: {file: ./token.txt}
configs:
  conf: {file: ./app.conf}
"#;

/// The service's spec version.
fn version(s: &Stack, key: &str) -> u64 {
    s.service(key).version.and_then(|v| v.index).unwrap()
}

pub fn changed_secret_and_config_reach_the_tasks(lab: &Lab) {
    let s = Stack::new(lab, "secrets", SECRETS);
    s.write("token.txt", "one");
    s.write("app.conf", "first");
    s.ok(&["stack", "deploy", "--wait"]);
    s.wait_for_line("app", "secret=one config=first");
    let before = version(&s, "app");
    let objects = s.objects();
    // nothing changed: no service is updated, no object made
    let again = s.ok(&["stack", "deploy", "--wait", "--progress", "plain"]);
    assert!(
        !again.contains("Updat") && !again.contains("Creat"),
        "{again}"
    );
    assert_eq!(version(&s, "app"), before, "the spec version did not move");
    assert_eq!(s.objects(), objects);
    // both changed: new versions, the tasks see them, the old versions are gone
    s.write("token.txt", "two");
    s.write("app.conf", "second");
    s.ok(&["stack", "deploy", "--wait"]);
    s.wait_for_line("app", "secret=two config=second");
    let (_, configs, secrets) = s.objects();
    assert_eq!(
        (configs.len(), secrets.len()),
        (1, 1),
        "{configs:?} {secrets:?}"
    );
    assert!(!objects.1.contains(&configs[0]) && !objects.2.contains(&secrets[0]));
    let tasks = s.tasks("app");
    let running = tasks.iter().filter(|t| state(t) == "running").count();
    let states: Vec<String> = tasks
        .iter()
        .map(|t| format!("{} (desired {}, slot {:?})", state(t), desired(t), t.slot))
        .collect();
    assert_eq!(running, 2, "the tasks: {states:?}");
}

pub fn prune_removes_what_the_file_dropped(lab: &Lab) {
    let v1 = r#"
services:
  a: {image: IMAGE, init: true, command: [sleep, "3600"], networks: [front]}
  b: {image: IMAGE, init: true, command: [sleep, "3600"], configs: [c]}
networks:
  front: {}
configs:
  c: {content: "x"}
"#;
    let v2 = "services:\n  a: {image: IMAGE, init: true, command: [sleep, '3600'], networks: [front]}\nnetworks:\n  front: {}\n";
    let s = Stack::new(lab, "prune", v1);
    s.ok(&["stack", "deploy", "--wait"]);
    s.write("compose.yaml", v2);
    s.ok(&["stack", "deploy", "--wait"]);
    let keys = |s: &Stack| s.services().into_keys().collect::<BTreeSet<_>>();
    assert_eq!(
        keys(&s),
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        "no --prune: b stays"
    );
    s.ok(&["stack", "deploy", "--wait", "--prune"]);
    assert_eq!(keys(&s), BTreeSet::from(["a".to_string()]));
    let (networks, configs, secrets) = s.objects();
    assert_eq!(networks, [format!("{}_front", s.name)]);
    assert!(
        configs.is_empty() && secrets.is_empty(),
        "{configs:?} {secrets:?}"
    );
}

pub fn rm_then_an_immediate_redeploy(lab: &Lab) {
    let s = Stack::new(
        lab,
        "rm",
        "services:\n  web: {image: IMAGE, init: true, command: [sleep, '3600'], configs: [c], deploy: {replicas: 2}}\nconfigs:\n  c: {content: x}\n",
    );
    s.ok(&["stack", "deploy", "--wait"]);
    s.ok(&["stack", "rm"]);
    // rm returned: nothing of the stack is left
    assert!(s.services().is_empty());
    assert_eq!(s.objects(), (vec![], vec![], vec![]));
    s.ok(&["stack", "deploy", "--wait"]);
    let running = s
        .tasks("web")
        .into_iter()
        .filter(|t| state(t) == "running")
        .count();
    assert_eq!(running, 2);
}
