//! Redeploys: nothing changed updates nothing, a changed secret and config reach the tasks with
//! the old versions removed, `--prune`, `rm` followed at once by a deploy, and a deploy
//! interrupted by Ctrl-C (exit 130, then the next deploy converges).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::lab::{Lab, Stack, desired, state, until};

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

pub fn an_interrupted_deploy_exits_130_and_the_next_converges(lab: &Lab) {
    // `web` waits for `db` to be healthy (5 s): the signal comes while the deploy waits
    let s = Stack::new(lab, "sigint", &crate::deploy::db_then_web(5));
    let deploy = s
        .command(&lab.host(1), &["stack", "deploy", "--wait"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rcompose runs");
    until(Duration::from_secs(60), "db deployed", || {
        s.services().contains_key("db").then_some(())
    });
    let sent = Command::new("kill")
        .args(["-INT", &deploy.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let out = deploy.wait_with_output().expect("rcompose ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("Gracefully stopping"), "{err}");
    assert!(
        !s.services().contains_key("web"),
        "no step started after the signal"
    );
    // the next deploy converges from there
    s.ok(&["stack", "deploy", "--wait"]);
    for key in ["db", "web"] {
        let running = s
            .tasks(key)
            .into_iter()
            .filter(|t| state(t) == "running")
            .count();
        assert_eq!(running, 1, "{key}");
    }
}
