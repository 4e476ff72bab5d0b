//! What goes wrong: bad input (a key Swarm cannot honour, a missing external network, no
//! engine at DOCKER_HOST, a worker instead of a manager) gives one clear message and creates
//! nothing; a node lost in the middle of a deploy has its tasks moved, and the deploy says so
//! and converges.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::lab::{Lab, Stack, desired, state, text, until};

/// Runs a deploy that must fail; its stderr.
fn fails(s: &Stack, host: &str) -> String {
    let out = s.run_at(host, &["stack", "deploy", "--wait"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn nothing_created(s: &Stack) {
    assert!(s.services().is_empty());
    assert_eq!(s.objects(), (vec![], vec![], vec![]));
}

pub fn bad_input_gets_one_clear_message(lab: &Lab) {
    let manager = lab.host(1);
    let s = Stack::new(
        lab,
        "bad",
        "services:\n  web:\n    image: IMAGE\n    ports:\n      - '127.0.0.1:8080:80'\n",
    );
    let err = fails(&s, &manager);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("compose.yaml:5:") && err.contains("services.web.ports[0].host_ip:"),
        "the file, line and key path: {err}"
    );
    nothing_created(&s);

    let missing = format!("rcs-missing-{}", std::process::id());
    s.write(
        "compose.yaml",
        &format!("services:\n  web: {{image: IMAGE, networks: [edge]}}\nnetworks:\n  edge: {{external: true, name: {missing}}}\n"),
    );
    let err = fails(&s, &manager);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains(&format!("external network {missing} not found")),
        "{err}"
    );
    nothing_created(&s);

    s.write("compose.yaml", "services:\n  web: {image: IMAGE}\n");
    let nowhere = format!(
        "unix:///tmp/rcompose-swarm/nothing-{}.sock",
        std::process::id()
    );
    let err = fails(&s, &nowhere);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains(&nowhere["unix://".len()..]),
        "names where it looked: {err}"
    );

    let err = fails(&s, &lab.host(2));
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("is a worker of its swarm"), "{err}");
    assert!(err.contains("node2"), "names the node: {err}");
    nothing_created(&s);
}

pub fn a_node_stopped_mid_deploy(lab: &Lab) {
    let s = Stack::new(
        lab,
        "node",
        r#"
services:
  web:
    image: IMAGE
    init: true
    command: [sh, -c, "sleep 4; touch /tmp/ready; exec sleep 3600"]
    healthcheck: {test: [CMD, test, -f, /tmp/ready], interval: 500ms, retries: 120}
    deploy: {replicas: 3}
"#,
    );
    let node3 = lab.nodes()["node3"].0.clone();
    let args = [
        "stack",
        "deploy",
        "--wait",
        "--wait-timeout",
        "120s",
        "--progress",
        "plain",
    ];
    let mut deploy = s
        .command(&lab.host(1), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rcompose runs");
    // one of the tasks is placed on node 3 and starting: stop that node
    until(Duration::from_secs(30), "a task on node 3", || {
        s.tasks("web")
            .iter()
            .any(|t| t.node_id.as_deref() == Some(&node3) && state(t) != "pending")
            .then_some(())
    });
    lab.kill_node(3);
    let _back = NodeBack(lab, 3);
    let status = deploy.wait().expect("the deploy ends");
    let mut err = String::new();
    deploy
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("is on node node3, which is down"), "{err}");
    let running: Vec<_> = s
        .tasks("web")
        .into_iter()
        .filter(|t| desired(t) == "running" && state(t) == "running")
        .collect();
    assert_eq!(running.len(), 3, "{err}");
    assert!(running.iter().all(|t| t.node_id.as_deref() != Some(&node3)));
}

/// Starts node N again when dropped (before the stack's removal) unless the test already did,
/// and waits until it is ready.
struct NodeBack<'a>(&'a Lab, usize);

impl Drop for NodeBack<'_> {
    fn drop(&mut self) {
        if !self.0.node_answers(self.1) {
            self.0.start_node(self.1);
        }
        let name = format!("node{}", self.1);
        until(Duration::from_secs(60), "the node ready again", || {
            (self.0.nodes()[&name].1 == "ready").then_some(())
        });
    }
}

/// `rcompose ARGS` of stack `s`'s folder as a plain project on node `n`'s own engine.
fn on_node(s: &Stack, n: usize, args: &[&str]) -> std::process::Command {
    let mut c = s.command(&s.lab.host(n), args);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// The containers of project `name` on `docker`, and how many run.
fn containers_on(docker: &bollard::Docker, name: &str) -> (usize, usize) {
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![format!("com.docker.compose.project={name}")],
    )]);
    let options = bollard::query_parameters::ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    let list = crate::lab::block_on(docker.list_containers(Some(options))).unwrap_or_default();
    let running = list
        .iter()
        .filter(|c| c.state.as_ref().map(|s| s.to_string()).as_deref() == Some("running"))
        .count();
    (list.len(), running)
}

/// The engine of node 3 killed (daemon and containers at once) in the middle of a plain `up`,
/// at two moments: while containers are being created, and while `up` waits on a healthcheck.
/// Each time rcompose ends within seconds saying that the engine stopped answering and how far
/// it got, and once the engine is back the next `up` converges.
pub fn the_engine_killed_mid_up_then_restarted(lab: &Lab) {
    const SERVICES: usize = 24;
    // `gate` turns healthy only once the test writes `gate/ok` (a folder of the stack's, bound
    // into it): with a timed healthcheck, a loaded machine took so long to start the others
    // that `up` had finished before the engine was killed "while it waits"
    let mut yaml = String::from(
        "services:\n  gate:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n    volumes: ['./gate:/gate']\n    healthcheck: {test: [CMD, test, -f, /gate/ok], interval: 500ms, retries: 600}\n",
    );
    for i in 0..SERVICES {
        yaml.push_str(&format!(
            "  s{i}:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n"
        ));
    }
    yaml.push_str("  late:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n    depends_on: {gate: {condition: service_healthy}}\n");
    let s = Stack::new(lab, "crash", &yaml);
    let gate = s.dir.join("gate");
    std::fs::create_dir_all(&gate).expect("the gate folder");
    let node = lab.docker(3);
    // the image on node 3 before anything is timed
    let pull = on_node(&s, 3, &["pull", "-q"])
        .output()
        .expect("rcompose runs");
    assert!(pull.status.success(), "{}", text(&pull));
    let _back = NodeBack(lab, 3);
    for moment in ["creating", "waiting"] {
        let _ = std::fs::remove_file(gate.join("ok"));
        let mut up = on_node(&s, 3, &["up", "-d", "--progress", "plain"])
            .spawn()
            .expect("rcompose runs");
        match moment {
            "creating" => until(Duration::from_secs(60), "the first containers", || {
                (containers_on(&node, &s.name).0 >= 3).then_some(())
            }),
            _ => until(
                Duration::from_secs(60),
                "every container but `late`",
                || (containers_on(&node, &s.name).1 >= SERVICES).then_some(()),
            ),
        }
        lab.kill_node(3);
        let ended = std::time::Instant::now();
        let out = loop {
            if up.try_wait().expect("rcompose waited on").is_some() {
                break up.wait_with_output().expect("its output");
            }
            if ended.elapsed() > Duration::from_secs(60) {
                let _ = up.kill();
                panic!("rcompose still runs 60 s after the engine died ({moment})");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let err = text(&out);
        assert!(!out.status.success(), "{moment}: {err}");
        assert!(
            err.contains("the Docker Engine stopped answering")
                || err.contains("cannot connect")
                || err.contains("Cannot connect"),
            "{moment}: {err}"
        );
        lab.start_node(3);
        std::fs::write(gate.join("ok"), "").expect("the gate opened");
        let again = on_node(&s, 3, &["up", "-d", "--wait", "--wait-timeout", "60"])
            .output()
            .expect("rcompose runs");
        assert!(again.status.success(), "{moment}, then: {}", text(&again));
        assert_eq!(
            containers_on(&node, &s.name),
            (SERVICES + 2, SERVICES + 2),
            "{moment}: every service runs once"
        );
        let down = on_node(&s, 3, &["down", "-t", "0"])
            .output()
            .expect("rcompose runs");
        assert!(down.status.success(), "{}", text(&down));
        assert_eq!(containers_on(&node, &s.name), (0, 0));
    }
}
